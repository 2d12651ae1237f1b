"""Accreditation pages: the operators' queue of applications and their decisions, the intake
cycles and criteria, and the experts' reviews. Thin: objects come through catalog.access, lists
through catalog.selectors, and every write is one service call whose refusal is shown in the
page (a refused form is re-rendered with status 400, as elsewhere on the platform)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govtech.accounts.selectors import user_list
from govtech.catalog import access, eligibility, selectors, services
from govtech.catalog.accreditation_forms import (
    ApplicationFilterForm,
    AssignExpertForm,
    CriteriaForm,
    CycleForm,
    DecisionForm,
    DeclarationForm,
    ScoreForm,
)
from govtech.catalog.models import Criterion, IntakeCycle, ReviewScore, WindowState
from govtech.challenges.aggregation import expert_total
from govtech.challenges.models import Declaration
from govtech.core.forms import run_service, valid_data
from govtech.core.pagination import paginate
from govtech.core.views import require, run_action

# --- the operators' queue ------------------------------------------------------------------


@login_required
def application_list(request):
    require(request.user.has_perm("catalog.manage_reviews"))
    form = ApplicationFilterForm(request.GET or None)
    applications = selectors.open_applications()
    cycle = valid_data(form).get("cycle")
    if cycle is not None:
        applications = applications.filter(cycle=cycle)
    page = paginate(request, applications)
    return render(request, "catalog/accreditation/application_list.html", {"form": form, "page_obj": page})


# --- one application ---------------------------------------------------------------------


@dataclass
class ScoreCell:
    criterion: Criterion
    score: ReviewScore | None


@dataclass
class ReviewRow:
    """One expert's review as the page shows it; ``label`` is the name for operators, "Expert n"
    for the supplier."""

    review: object
    label: str
    cells: list[ScoreCell]
    total: Decimal | None


@dataclass
class EligibilityView:
    eligible: bool | None
    passed: str = ""
    reasons: list[str] = field(default_factory=list)


def _eligibility_view(record: dict) -> EligibilityView | None:
    """The eligibility check recorded with the application, in words."""
    if not record:
        return None
    passed = record.get("passed")
    return EligibilityView(
        eligible=record.get("eligible"),
        passed=eligibility.alternative_in_words(passed) if isinstance(passed, dict) else "",
        reasons=[str(reason) for reason in record.get("reasons") or []],
    )


def _review_rows(application, criteria, *, named: bool, completed_only: bool) -> list[ReviewRow]:
    """The application's reviews with their scores, in two queries whatever their number."""
    reviews = application.reviews.select_related("expert").prefetch_related(
        Prefetch("scores", queryset=ReviewScore.objects.order_by())
    )
    if completed_only:
        reviews = reviews.filter(completed_at__isnull=False, conflict=Declaration.NONE)
    rows = []
    for position, review in enumerate(reviews, start=1):
        scores = {score.criterion_id: score for score in review.scores.all()}
        total = None
        if review.completed_at and review.may_score and all(c.pk in scores for c in criteria):
            total = expert_total({pk: score.value for pk, score in scores.items()}, criteria)
        rows.append(
            ReviewRow(
                review=review,
                label=str(review.expert) if named else _("Expert %(n)s") % {"n": position},
                cells=[ScoreCell(criterion, scores.get(criterion.pk)) for criterion in criteria],
                total=total,
            )
        )
    return rows


def _expert_choices(application):
    """Active experts not yet asked about this application and not members of its supplier
    (the service refuses both anyway)."""
    return (
        user_list(role="expert")
        .filter(is_active=True)
        .exclude(catalog_reviews__application=application)
        .exclude(memberships__organization_id=application.product.supplier_id)
        .order_by("full_name", "email")
    )


def _application_context(request, application, *, assign_form=None, decision_form=None) -> dict:
    user = request.user
    is_operator = user.has_perm("catalog.manage_reviews")
    is_supplier = user.has_perm("catalog.apply", application.product)
    criteria = selectors.criteria()
    context = {
        "application": application,
        "product": application.product,
        "cycle": application.cycle,
        "eligibility": _eligibility_view(application.eligibility),
        "is_operator": is_operator,
        "is_supplier": is_supplier,
        "can_withdraw": is_supplier and application.is_open,
        "criteria": criteria,
        "own_review": application.reviews.filter(expert=user).first() if user.is_expert else None,
    }
    if is_operator:
        mean, totals = services.application_score(application)
        context.update(
            {
                "reviews": _review_rows(application, criteria, named=True, completed_only=False),
                "mean": mean,
                "handed_in": len(totals),
            }
        )
        # A refused form is shown with its error even when the application has just closed.
        if assign_form is not None or application.is_open:
            context["assign_form"] = assign_form or AssignExpertForm(experts=_expert_choices(application))
        if decision_form is not None or application.is_open:
            context["decision_form"] = decision_form or DecisionForm()
    elif is_supplier and not application.is_open and application.decided_at:
        # After the decision the supplier reads the panel's scores, without the experts' names.
        context["reviews"] = _review_rows(application, criteria, named=False, completed_only=True)
    return context


def _render_application(request, application, *, status=200, **forms):
    context = _application_context(request, application, **forms)
    return render(request, "catalog/accreditation/application_detail.html", context, status=status)


@login_required
def application_detail(request, pk):
    application = access.access_application(actor=request.user, pk=pk)
    return _render_application(request, application)


@login_required
@require_POST
def application_withdraw(request, pk):
    application = access.access_application(actor=request.user, pk=pk)
    require(request.user.has_perm("catalog.apply", application.product))
    run_action(
        request,
        lambda: services.application_withdraw(actor=request.user, application=application),
        _("The application is withdrawn. The product may apply again in a later cycle."),
    )
    return redirect(application)


@login_required
@require_POST
def application_assign(request, pk):
    """Without an expert chosen, as many of the least loaded experts as the cycle asks for;
    with one, that expert."""
    application = access.access_application(actor=request.user, pk=pk)
    require(request.user.has_perm("catalog.manage_reviews"))
    form = AssignExpertForm(request.POST, experts=_expert_choices(application))
    if form.is_valid():
        expert = form.cleaned_data["expert"]
        if expert is None:
            added = run_service(form, lambda: services.reviews_assign(actor=request.user, application=application))
            if added is not None:
                if added:
                    messages.success(request, _("Experts assigned: %(count)s.") % {"count": added})
                else:
                    messages.success(
                        request,
                        _("No expert was added: the application has enough experts, or no other expert is free."),
                    )
                return redirect(application)
        else:
            review = run_service(
                form, lambda: services.review_assign(actor=request.user, application=application, expert=expert)
            )
            if review is not None:
                messages.success(request, _("%(expert)s is asked to review.") % {"expert": expert})
                return redirect(application)
    return _render_application(request, application, status=400, assign_form=form)


@login_required
@require_POST
def application_decide(request, pk):
    application = access.access_application(actor=request.user, pk=pk)
    require(request.user.has_perm("catalog.decide"))
    form = DecisionForm(request.POST)
    if form.is_valid():
        decided = run_service(
            form,
            lambda: services.application_decide(
                actor=request.user,
                application=application,
                accredit=form.cleaned_data["accredit"],
                reason=form.cleaned_data["reason"],
            ),
        )
        if decided is not None:
            messages.success(
                request,
                _("«%(product)s»: %(outcome)s.")
                % {"product": decided.product.name, "outcome": decided.get_status_display()},
            )
            return redirect(decided)
    return _render_application(request, application, status=400, decision_form=form)


# --- intake cycles and criteria ------------------------------------------------------------


@dataclass
class CycleRow:
    cycle: IntakeCycle
    state: str
    state_label: str
    rules: str


def cycle_list(request):
    """Public: when suppliers may apply, for how long accreditation lasts and who is eligible."""
    now = timezone.now()
    page = paginate(request, selectors.cycles())
    rows = []
    for cycle in page:
        state = cycle.window_state(now)
        rows.append(CycleRow(cycle, state, str(WindowState(state).label), eligibility.describe(cycle.eligibility)))
    context = {
        "page_obj": page,
        "rows": rows,
        "can_manage": request.user.has_perm("catalog.manage_cycles"),
    }
    return render(request, "catalog/accreditation/cycle_list.html", context)


def _cycle_form_page(request, cycle=None):
    require(request.user.has_perm("catalog.manage_cycles"))
    if request.method == "POST":
        form = CycleForm(request.POST)
        if form.is_valid():
            fields = form.service_fields()
            if cycle is None:
                saved = run_service(form, lambda: services.cycle_create(actor=request.user, **fields))
            else:
                saved = run_service(form, lambda: services.cycle_update(actor=request.user, cycle=cycle, **fields))
            if saved is not None:
                messages.success(request, _("The intake cycle «%(name)s» is saved.") % {"name": saved.name})
                return redirect("catalog:cycle-list")
        status = 400
    else:
        form = CycleForm(initial=CycleForm.initial_for(cycle))
        status = 200
    return render(request, "catalog/accreditation/cycle_form.html", {"form": form, "cycle": cycle}, status=status)


@login_required
def cycle_create(request):
    return _cycle_form_page(request)


@login_required
def cycle_edit(request, slug):
    require(request.user.has_perm("catalog.manage_cycles"))
    return _cycle_form_page(request, access.access_cycle(slug=slug))


@login_required
def criteria_edit(request):
    require(request.user.has_perm("catalog.manage_cycles"))
    criteria = selectors.criteria()
    status = 200
    if request.method == "POST":
        form = CriteriaForm(request.POST, criteria=criteria)
        if form.is_valid():
            saved = run_service(
                form, lambda: services.criteria_set(actor=request.user, criteria=form.service_criteria())
            )
            if saved is not None:
                messages.success(request, _("The accreditation criteria are saved."))
                return redirect("catalog:criteria-edit")
        status = 400
    else:
        form = CriteriaForm(criteria=criteria)
    total = sum(criterion.weight for criterion in criteria)
    return render(request, "catalog/accreditation/criteria_form.html", {"form": form, "total": total}, status=status)


# --- experts ---------------------------------------------------------------------------------


@login_required
def review_list(request):
    require(request.user.has_perm("catalog.view_reviews_inbox"))
    page = paginate(request, selectors.expert_reviews(request.user))
    return render(request, "catalog/accreditation/review_list.html", {"page_obj": page})


def _review_context(request, review, *, declaration_form=None, score_form=None) -> dict:
    application = review.application
    context = {
        "review": review,
        "application": application,
        "product": application.product,
        "is_declared": review.conflict != Declaration.UNDECLARED,
    }
    may_declare = not context["is_declared"] and application.is_open
    may_score = context["is_declared"] and review.completed_at is None and application.is_open
    # A form refused because the review moved on (declared, handed in, application decided) is
    # not shown again, but its refusal is.
    if declaration_form is not None and not may_declare:
        context["refused_form"] = declaration_form
    elif score_form is not None and not may_score:
        context["refused_form"] = score_form
    if not context["is_declared"]:
        if may_declare:
            context["declaration_form"] = declaration_form or DeclarationForm()
        return context
    criteria = selectors.criteria()
    scores = {score.criterion_id: score for score in review.scores.all()}
    context["own_scores"] = [(criterion, scores.get(criterion.pk)) for criterion in criteria]
    if may_score:
        context["score_form"] = score_form or ScoreForm(criteria=criteria, scores=scores, summary=review.summary)
    return context


def _render_review(request, review, *, status=200, **forms):
    context = _review_context(request, review, **forms)
    return render(request, "catalog/accreditation/review_detail.html", context, status=status)


@login_required
def review_detail(request, pk):
    """Before declaring, the expert sees the product and its supplier only; a recused expert nothing."""
    review = access.access_review(actor=request.user, pk=pk)
    return _render_review(request, review)


@login_required
@require_POST
def review_declare(request, pk):
    review = access.access_review(actor=request.user, pk=pk)
    form = DeclarationForm(request.POST)
    if form.is_valid():
        declared = run_service(
            form,
            lambda: services.review_declare(
                actor=request.user,
                review=review,
                has_conflict=form.cleaned_data["has_conflict"],
                note=form.cleaned_data["note"],
            ),
        )
        if declared is not None:
            if declared.is_recused:
                messages.success(request, _("You stepped aside from this application; another expert will take it."))
                return redirect("catalog:review-list")
            messages.success(request, _("Thank you. You may now read and score the application."))
            return redirect(declared)
    return _render_review(request, review, status=400, declaration_form=form)


@login_required
@require_POST
def review_scores(request, pk):
    review = access.access_review(actor=request.user, pk=pk)
    criteria = selectors.criteria()
    form = ScoreForm(request.POST, criteria=criteria)
    complete = "complete" in request.POST
    if form.is_valid():
        saved = run_service(
            form,
            lambda: services.review_save(
                actor=request.user,
                review=review,
                scores=form.service_scores(),
                summary=form.cleaned_data["summary"],
                complete=complete,
            ),
        )
        if saved is not None:
            messages.success(
                request, _("Your review is handed in.") if complete else _("Your scores are saved as a draft.")
            )
            return redirect(saved)
    return _render_review(request, review, status=400, score_form=form)
