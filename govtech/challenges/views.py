"""Pages of the challenge platform: the public list and challenge page, the owner's editing
pages, the supplier's submission form, the expert's evaluation and the panel page. Thin:
reads go through selectors and access helpers, every write is one service call whose
refusal is shown in the page."""

from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from govtech.accounts.models import OrganizationKind
from govtech.accounts.selectors import agency_choices, organization_list_for_user, user_list
from govtech.challenges import access, selectors, services
from govtech.challenges.forms import (
    AnswerForm,
    AssignExpertForm,
    CancelForm,
    ChallengeFilterForm,
    ChallengeForm,
    CriterionFormSet,
    DecisionForm,
    DeclarationForm,
    DocumentForm,
    IndicatorFormSet,
    PhaseFormSet,
    QuestionForm,
    ReviewNoteForm,
    ScoreForm,
    SlotForm,
    SubmissionForm,
    SupplierChoiceForm,
    initial_rows,
)
from govtech.challenges.models import (
    EDITABLE_STATUSES,
    ChallengeStatus,
    Declaration,
    SubmissionStatus,
    WindowState,
)
from govtech.core.errors import ServiceError
from govtech.core.forms import run_service
from govtech.core.pagination import paginate
from govtech.core.views import require, run_action, safe_next, stored_file_response
from govtech.notifications import selectors as notification_selectors

CANCELLABLE = {
    ChallengeStatus.DRAFT,
    ChallengeStatus.IN_REVIEW,
    ChallengeStatus.CHANGES_REQUESTED,
    ChallengeStatus.PUBLISHED,
    ChallengeStatus.EVALUATION,
}
# Once a phase may have submissions, the panel page has something to show.
EVALUATED_STATUSES = {
    ChallengeStatus.PUBLISHED,
    ChallengeStatus.EVALUATION,
    ChallengeStatus.DECIDED,
    ChallengeStatus.CLOSED,
    ChallengeStatus.CANCELLED,
}


def _organization_kinds(user) -> set[str]:
    """The kinds of organization a person belongs to, in one query."""
    if not user.is_authenticated:
        return set()
    return set(organization_list_for_user(user=user).values_list("kind", flat=True))


def _suppliers(user) -> list:
    return list(selectors.supplier_organizations(user=user))


def _chosen_supplier(suppliers: list, slug: str | None):
    """The supplier named in the request among the person's own; the only one when none is named."""
    if slug:
        for supplier in suppliers:
            if supplier.slug == slug:
                return supplier
        raise PermissionDenied
    return suppliers[0] if len(suppliers) == 1 else None


# --- the public list ------------------------------------------------------------------


def _mark_open(challenges, now) -> None:
    """Whether each listed challenge takes submissions now, from its prefetched phases."""
    for challenge in challenges:
        challenge.open_now = any(phase.is_open(now) for phase in challenge.phases.all())


def challenge_list(request):
    form = ChallengeFilterForm(request.GET or None)
    now = timezone.now()
    page = paginate(request, selectors.challenge_list(filters=form.filters(), now=now))
    _mark_open(page, now)
    template = "challenges/partials/_challenge_results.html" if request.htmx else "challenges/challenge_list.html"
    return render(request, template, {"form": form, "page_obj": page})


# --- the challenge page -----------------------------------------------------------------


@dataclass
class SupplierEntry:
    """What one of the person's supplier organizations may do in one phase."""

    supplier: object
    submission: object | None
    problems: list[str]
    is_invited: bool


@dataclass
class PhaseEntry:
    phase: object
    state: str
    state_label: str
    is_open: bool
    suppliers: list[SupplierEntry] = field(default_factory=list)


def _phase_entries(challenge, phases, *, user, suppliers, now) -> list[PhaseEntry]:
    submissions = {}
    if suppliers:
        for submission in selectors.submissions_of_suppliers(user=user).filter(phase__challenge=challenge):
            submissions[(submission.phase_id, submission.supplier_id)] = submission
    problems = {supplier.pk: services.eligibility_problems(challenge, supplier) for supplier in suppliers}
    entries = []
    for phase in phases:
        state = phase.window_state(now)
        entry = PhaseEntry(phase=phase, state=state, state_label=WindowState(state).label, is_open=phase.is_open(now))
        for supplier in suppliers:
            submission = submissions.get((phase.pk, supplier.pk))
            if entry.is_open or submission is not None:
                entry.suppliers.append(
                    SupplierEntry(
                        supplier=supplier,
                        submission=submission,
                        problems=problems[supplier.pk],
                        is_invited=services.is_invited(phase, supplier),
                    )
                )
        entries.append(entry)
    return entries


@dataclass
class SlotEntry:
    slot: object
    is_ours: bool
    book_form: forms.Form | None


def _slot_entries(challenge, *, supplier_queryset, suppliers, now) -> list[SlotEntry]:
    """Upcoming slots; a free one carries a booking form while the person's suppliers hold none."""
    ours = {supplier.pk for supplier in suppliers}
    slots = list(selectors.slots_of(challenge, now=now))
    holds_one = any(slot.booked_by_id in ours for slot in slots)
    may_book = bool(suppliers) and not holds_one and challenge.status == ChallengeStatus.PUBLISHED
    return [
        SlotEntry(
            slot=slot,
            is_ours=slot.booked_by_id in ours,
            book_form=SupplierChoiceForm(suppliers=supplier_queryset, auto_id=f"id_slot{slot.pk}_%s")
            if may_book and not slot.is_booked
            else None,
        )
        for slot in slots
    ]


def _detail_context(request, challenge, **bound_forms) -> dict:
    user = request.user
    now = timezone.now()
    phases = selectors.phases_of(challenge)
    supplier_queryset = selectors.supplier_organizations(user=user)
    suppliers = list(supplier_queryset)
    can_change = user.has_perm("challenges.change_challenge", challenge)
    can_review = user.has_perm("challenges.review_challenge", challenge)
    can_decide = user.has_perm("challenges.decide", challenge)
    can_answer = user.has_perm("challenges.answer_question", challenge)
    can_manage_slots = user.has_perm("challenges.manage_slots", challenge)
    last_phase = phases[-1] if phases else None
    questions_open = challenge.questions_open(now)
    context = {
        "challenge": challenge,
        "phases": _phase_entries(challenge, phases, user=user, suppliers=suppliers, now=now),
        "indicators": list(challenge.indicators.all()),
        "criteria": list(challenge.criteria.all()),
        "documents": list(challenge.documents.all()),
        "answered_questions": list(selectors.answered_questions(challenge)),
        "slots": _slot_entries(challenge, supplier_queryset=supplier_queryset, suppliers=suppliers, now=now),
        "results": selectors.published_results(challenge),
        "suppliers": suppliers,
        "questions_open": questions_open,
        "can_ask": bool(suppliers) and questions_open,
        "can_change": can_change,
        "is_editable": challenge.status in EDITABLE_STATUSES,
        "can_review": can_review and challenge.status == ChallengeStatus.IN_REVIEW,
        "can_start_evaluation": can_decide
        and challenge.status == ChallengeStatus.PUBLISHED
        and last_phase is not None
        and now >= last_phase.closes_at,
        "can_cancel": can_decide and challenge.status in CANCELLABLE,
        "can_close": can_decide and challenge.status == ChallengeStatus.DECIDED,
        "can_see_panel": user.has_perm("challenges.view_evaluation", challenge)
        and challenge.status in EVALUATED_STATUSES,
        "can_answer": can_answer,
        "can_manage_slots": can_manage_slots and challenge.status not in {ChallengeStatus.CANCELLED},
        "question_form": bound_forms.get("question_form") or QuestionForm(),
        "review_form": bound_forms.get("review_form") or ReviewNoteForm(),
        "cancel_form": bound_forms.get("cancel_form") or CancelForm(),
        "slot_form": bound_forms.get("slot_form") or SlotForm(),
    }
    if can_change and context["is_editable"]:
        context["readiness_problems"] = services.readiness_problems(challenge)
    if can_answer:
        failed = bound_forms.get("answer_form")
        failed_pk = bound_forms.get("answer_question_pk")
        context["unanswered"] = [
            (
                question,
                failed
                if failed is not None and question.pk == failed_pk
                else AnswerForm(auto_id=f"id_q{question.pk}_%s"),
            )
            for question in selectors.unanswered_questions(challenge)
        ]
    if challenge.is_public:
        context["is_following"] = notification_selectors.is_following(user=user, target=challenge)
        context["follower_count"] = notification_selectors.follower_count(target=challenge)
    return context


def challenge_detail(request, slug):
    challenge = access.access_challenge(actor=request.user, slug=slug)
    return render(request, "challenges/challenge_detail.html", _detail_context(request, challenge))


def _detail_with_errors(request, challenge, **bound_forms):
    context = _detail_context(request, challenge, **bound_forms)
    return render(request, "challenges/challenge_detail.html", context, status=400)


# --- status changes of a challenge -----------------------------------------------------


@dataclass(frozen=True)
class Action:
    service: object
    success: str
    form_class: type | None = None
    form_name: str = ""


ACTIONS = {
    "submit-for-review": Action(
        services.challenge_submit_for_review, gettext_lazy("The challenge is sent to the operators for review.")
    ),
    "publish": Action(services.challenge_publish, gettext_lazy("The challenge is published.")),
    "request-changes": Action(
        services.challenge_request_changes,
        gettext_lazy("The challenge is returned to its agency with your note."),
        ReviewNoteForm,
        "review_form",
    ),
    "start-evaluation": Action(
        services.challenge_start_evaluation, gettext_lazy("The challenge is now in evaluation.")
    ),
    "cancel": Action(services.challenge_cancel, gettext_lazy("The challenge is cancelled."), CancelForm, "cancel_form"),
    "close": Action(services.challenge_close, gettext_lazy("The challenge is closed.")),
}


@login_required
@require_POST
def challenge_action(request, slug, action):
    """One button of the owner or the operator; the service says whether it is possible now."""
    step = ACTIONS.get(action)
    if step is None:
        raise Http404
    challenge = access.access_challenge(actor=request.user, slug=slug)
    if step.form_class is None:
        run_action(request, lambda: step.service(actor=request.user, challenge=challenge), str(step.success))
        return redirect(challenge)
    form = step.form_class(request.POST)
    if form.is_valid():
        done = run_service(form, lambda: step.service(actor=request.user, challenge=challenge, **form.cleaned_data))
        if done:
            messages.success(request, str(step.success))
            return redirect(challenge)
    return _detail_with_errors(request, challenge, **{step.form_name: form})


# --- questions and consultations -------------------------------------------------------


@login_required
@require_POST
def question_ask(request, slug):
    challenge = access.access_challenge(actor=request.user, slug=slug)
    form = QuestionForm(request.POST)
    if form.is_valid():
        asked = run_service(
            form, lambda: services.question_ask(actor=request.user, challenge=challenge, text=form.cleaned_data["text"])
        )
        if asked:
            messages.success(request, _("Your question is sent. The answer will be published on this page."))
            return redirect(challenge.get_absolute_url() + "#questions")
    return _detail_with_errors(request, challenge, question_form=form)


@login_required
@require_POST
def question_answer(request, slug, pk):
    challenge = access.access_challenge(actor=request.user, slug=slug)
    question = access.access_question(challenge=challenge, pk=pk)
    form = AnswerForm(request.POST, auto_id=f"id_q{question.pk}_%s")
    if form.is_valid():
        answered = run_service(
            form,
            lambda: services.question_answer(actor=request.user, question=question, answer=form.cleaned_data["answer"]),
        )
        if answered:
            messages.success(request, _("The answer is published."))
            return redirect(challenge.get_absolute_url() + "#questions")
    return _detail_with_errors(request, challenge, answer_form=form, answer_question_pk=question.pk)


@login_required
@require_POST
def slot_create(request, slug):
    challenge = access.access_challenge(actor=request.user, slug=slug)
    form = SlotForm(request.POST)
    if form.is_valid():
        slot = run_service(
            form, lambda: services.slot_create(actor=request.user, challenge=challenge, **form.cleaned_data)
        )
        if slot:
            messages.success(request, _("The consultation slot is offered."))
            return redirect(challenge.get_absolute_url() + "#consultations")
    return _detail_with_errors(request, challenge, slot_form=form)


@login_required
@require_POST
def slot_delete(request, slug, pk):
    challenge = access.access_challenge(actor=request.user, slug=slug)
    slot = access.access_slot(challenge=challenge, pk=pk)
    run_action(request, lambda: services.slot_delete(actor=request.user, slot=slot), _("The slot is removed."))
    return redirect(challenge.get_absolute_url() + "#consultations")


@login_required
@require_POST
def slot_book(request, slug, pk):
    challenge = access.access_challenge(actor=request.user, slug=slug)
    slot = access.access_slot(challenge=challenge, pk=pk)
    supplier = _chosen_supplier(_suppliers(request.user), request.POST.get("supplier"))
    require(supplier is not None)
    run_action(
        request,
        lambda: services.slot_book(actor=request.user, slot=slot, supplier=supplier),
        _("The consultation is booked."),
    )
    return redirect(challenge.get_absolute_url() + "#consultations")


@login_required
@require_POST
def slot_cancel(request, slug, pk):
    challenge = access.access_challenge(actor=request.user, slug=slug)
    slot = access.access_slot(challenge=challenge, pk=pk)
    run_action(
        request, lambda: services.slot_cancel_booking(actor=request.user, slot=slot), _("The booking is cancelled.")
    )
    return redirect(challenge.get_absolute_url() + "#consultations")


# --- documents -----------------------------------------------------------------------


def document_download(request, slug, pk):
    """Documents are served only to those who may see the challenge (a draft's are not public)."""
    challenge = access.access_challenge(actor=request.user, slug=slug)
    document = access.access_document(challenge=challenge, pk=pk)
    return stored_file_response(document.file, document.title)


# --- creating and editing --------------------------------------------------------------


def _owner_choices(user):
    """Operators draft for any agency; agency staff for their own agencies."""
    if user.is_operator:
        return agency_choices()
    return organization_list_for_user(user=user).filter(kind=OrganizationKind.AGENCY, is_active=True)


@login_required
@require_http_methods(["GET", "POST"])
def challenge_create(request):
    owners = _owner_choices(request.user)
    require(owners.exists())
    form = ChallengeForm(request.POST or None, owners=owners)
    if len(owners) == 1 and not form.is_bound:
        form.initial["owner"] = owners[0].slug
    if request.method == "POST" and form.is_valid():
        challenge = run_service(
            form,
            lambda: services.challenge_create(
                actor=request.user,
                owner=form.cleaned_data["owner"],
                title=form.cleaned_data["title"],
                **form.service_fields(),
            ),
        )
        if challenge:
            messages.success(request, _("The draft is saved. Add the phases and the evaluation criteria next."))
            return redirect("challenges:challenge-phases", slug=challenge.slug)
    return render(request, "challenges/challenge_form.html", {"form": form, "is_new": True})


def _editable_challenge(request, slug):
    challenge = access.access_challenge(actor=request.user, slug=slug)
    require(request.user.has_perm("challenges.change_challenge", challenge))
    return challenge


@login_required
@require_http_methods(["GET", "POST"])
def challenge_edit(request, slug):
    challenge = _editable_challenge(request, slug)
    form = ChallengeForm(request.POST or None, challenge=challenge)
    if request.method == "POST" and form.is_valid():
        updated = run_service(
            form,
            lambda: services.challenge_update(
                actor=request.user, challenge=challenge, title=form.cleaned_data["title"], **form.service_fields()
            ),
        )
        if updated:
            messages.success(request, _("Changes saved."))
            return redirect(updated)
    return render(request, "challenges/challenge_form.html", {"form": form, "challenge": challenge})


@dataclass(frozen=True)
class RowsPage:
    """One list of a challenge the owner edits as a whole through a formset."""

    formset_class: object
    prefix: str
    fields: list[str]
    read: object
    write: object
    argument: str
    title: str
    intro: str
    saved: str


ROWS_PAGES = {
    "phases": RowsPage(
        PhaseFormSet,
        "phases",
        services.PHASE_FIELDS,
        selectors.phases_of,
        services.challenge_set_phases,
        "phases",
        gettext_lazy("Phases"),
        gettext_lazy(
            "Phases follow one another and their dates may not overlap. Each phase has a fixed window or a "
            "rolling intake in review cycles. Leave the empty row blank if you do not need it."
        ),
        gettext_lazy("The phases are saved."),
    ),
    "criteria": RowsPage(
        CriterionFormSet,
        "criteria",
        services.CRITERION_FIELDS,
        lambda challenge: list(challenge.criteria.all()),
        services.challenge_set_criteria,
        "criteria",
        gettext_lazy("Evaluation criteria"),
        gettext_lazy(
            "Experts score each criterion from 0 to the top of its scale. The weights must add up to 100; "
            "the criteria are fixed once the challenge goes to review."
        ),
        gettext_lazy("The criteria are saved."),
    ),
    "indicators": RowsPage(
        IndicatorFormSet,
        "indicators",
        services.INDICATOR_FIELDS,
        lambda challenge: list(challenge.indicators.all()),
        services.challenge_set_indicators,
        "indicators",
        gettext_lazy("Measurable goals"),
        gettext_lazy("What should change, measured: the metric, its unit, where it is now and the target."),
        gettext_lazy("The indicators are saved."),
    ),
}


def _rows_view(kind: str):
    spec = ROWS_PAGES[kind]

    @login_required
    @require_http_methods(["GET", "POST"])
    def view(request, slug):
        challenge = _editable_challenge(request, slug)
        formset = spec.formset_class(
            request.POST or None, prefix=spec.prefix, initial=initial_rows(spec.read(challenge), spec.fields)
        )
        refusal = forms.Form(request.POST or None)
        if request.method == "POST" and formset.is_valid():
            saved = run_service(
                refusal,
                lambda: spec.write(actor=request.user, challenge=challenge, **{spec.argument: formset.rows()}),
            )
            if saved is not None:
                messages.success(request, str(spec.saved))
                return redirect(challenge)
        context = {"challenge": challenge, "formset": formset, "refusal": refusal, "spec": spec, "kind": kind}
        status = 400 if request.method == "POST" else 200
        return render(request, "challenges/challenge_rows.html", context, status=status)

    view.__name__ = f"challenge_{kind}"
    return view


challenge_phases = _rows_view("phases")
challenge_criteria = _rows_view("criteria")
challenge_indicators = _rows_view("indicators")


@login_required
@require_http_methods(["GET", "POST"])
def challenge_documents(request, slug):
    challenge = _editable_challenge(request, slug)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        document = run_service(
            form,
            lambda: services.document_add(
                actor=request.user,
                challenge=challenge,
                title=form.cleaned_data["title"],
                file=form.cleaned_data["file"],
            ),
        )
        if document:
            messages.success(request, _("The document «%(title)s» is attached.") % {"title": document.title})
            return redirect("challenges:challenge-documents", slug=challenge.slug)
    context = {"challenge": challenge, "form": form, "documents": list(challenge.documents.all())}
    return render(request, "challenges/challenge_documents.html", context, status=400 if form.is_bound else 200)


@login_required
@require_POST
def document_remove(request, slug, pk):
    challenge = _editable_challenge(request, slug)
    document = access.access_document(challenge=challenge, pk=pk)
    run_action(
        request,
        lambda: services.document_remove(actor=request.user, document=document),
        _("The document is removed."),
    )
    return redirect("challenges:challenge-documents", slug=challenge.slug)


# --- submissions ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def submission_form(request, slug, number):
    """A supplier submits to a phase, or edits its submission before the deadline."""
    challenge = access.access_challenge(actor=request.user, slug=slug)
    phase = access.access_phase(challenge=challenge, number=number)
    suppliers = _suppliers(request.user)
    require(bool(suppliers))
    supplier = _chosen_supplier(suppliers, request.POST.get("supplier") or request.GET.get("supplier"))
    context = {"challenge": challenge, "phase": phase, "suppliers": suppliers, "supplier": supplier}
    if supplier is None:
        # Several organizations and none chosen yet: ask first, so the form can show its submission.
        return render(request, "challenges/submission_form.html", context)
    existing = selectors.submissions_of_suppliers(user=request.user).filter(phase=phase, supplier=supplier).first()
    form = SubmissionForm(request.POST or None, request.FILES or None, phase=phase, existing=existing)
    if request.method == "POST" and form.is_valid():
        submission = run_service(
            form,
            lambda: services.submission_submit(
                actor=request.user,
                phase=phase,
                supplier=supplier,
                attachments=form.cleaned_data["attachments"],
                remove_attachments=form.cleaned_data.get("remove_attachments") or (),
                **form.sections(),
            ),
        )
        if submission:
            messages.success(
                request, _("Your submission is received. Keep the receipt below: it proves what you sent and when.")
            )
            return redirect(submission)
    now = timezone.now()
    context.update(
        {
            "form": form,
            "existing": existing,
            "window_state": WindowState(phase.window_state(now)).label,
            "is_open": phase.is_open(now),
            "deadline": existing.deadline if existing is not None and existing.is_active else phase.closes_at,
            "problems": services.eligibility_problems(challenge, supplier),
            "is_invited": services.is_invited(phase, supplier),
        }
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "challenges/submission_form.html", context, status=status)


def _submission_context(request, submission, *, decision_form=None) -> dict:
    user = request.user
    challenge = submission.phase.challenge
    now = timezone.now()
    is_submitter = user.is_authenticated and user.has_perm("challenges.act_for_supplier", submission.supplier)
    is_changeable = submission.status == SubmissionStatus.SUBMITTED and now < submission.deadline
    # A receipt is the supplier's proof; the panel and the owner have no use for it.
    receipts = list(submission.receipts.all()) if is_submitter or user.is_operator else []
    criteria = list(challenge.criteria.all())
    may_decide = (
        user.has_perm("challenges.decide", challenge)
        and submission.cycle.panel_closed
        and submission.status == SubmissionStatus.SUBMITTED
        and submission.phase.results_published_at is None
    )
    return {
        "submission": submission,
        "challenge": challenge,
        "phase": submission.phase,
        "attachments": list(submission.attachments.all()),
        "receipts": receipts,
        "latest_receipt": receipts[0] if receipts else None,
        "is_submitter": is_submitter,
        "can_edit": is_submitter
        and (is_changeable or (submission.status == SubmissionStatus.WITHDRAWN and submission.phase.is_open(now))),
        "can_withdraw": is_submitter and is_changeable,
        "evaluations": _evaluation_rows(user, selectors.visible_assignments(actor=user, submission=submission)),
        "criteria": criteria,
        "decision_form": decision_form or (DecisionForm() if may_decide else None),
    }


@dataclass
class EvaluationRow:
    assignment: object
    label: str
    scores: list


def _evaluation_rows(user, assignments) -> list[EvaluationRow]:
    """Experts appear by name to the operators only; others read "Expert 1, 2…"."""
    rows = []
    for position, assignment in enumerate(assignments, start=1):
        if assignment.expert_id == getattr(user, "pk", None):
            label = _("Your evaluation")
        elif user.is_authenticated and user.is_operator:
            label = assignment.expert.full_name or assignment.expert.email
        else:
            label = _("Expert %(n)s") % {"n": position}
        rows.append(EvaluationRow(assignment=assignment, label=label, scores=list(assignment.scores.all())))
    return rows


def submission_detail(request, pk):
    submission = access.access_submission(actor=request.user, pk=pk)
    return render(request, "challenges/submission_detail.html", _submission_context(request, submission))


def attachment_download(request, pk, attachment_id):
    """Attachments reach only those who may read the submission: never a public media address."""
    submission = access.access_submission(actor=request.user, pk=pk)
    attachment = next((a for a in submission.attachments.all() if str(a.pk) == str(attachment_id)), None)
    if attachment is None:
        raise Http404
    return stored_file_response(attachment.file, attachment.title)


@login_required
@require_POST
def submission_withdraw(request, pk):
    submission = access.access_submission(actor=request.user, pk=pk)
    run_action(
        request,
        lambda: services.submission_withdraw(actor=request.user, submission=submission),
        _("Your submission is withdrawn. You may submit again before the deadline."),
    )
    return redirect(submission)


@login_required
@require_POST
def submission_decide(request, pk):
    submission = access.access_submission(actor=request.user, pk=pk)
    require(request.user.has_perm("challenges.decide", submission.phase.challenge))
    form = DecisionForm(request.POST)
    if form.is_valid():
        decided = run_service(
            form,
            lambda: services.submission_decide(
                actor=request.user,
                submission=submission,
                advance=form.cleaned_data["advance"],
                rationale=form.cleaned_data["rationale"],
            ),
        )
        if decided:
            messages.success(
                request,
                _("«%(title)s»: %(outcome)s.") % {"title": decided.title, "outcome": decided.get_status_display()},
            )
            return redirect(safe_next(request, decided.get_absolute_url()))
    context = _submission_context(request, submission, decision_form=form)
    return render(request, "challenges/submission_detail.html", context, status=400)


@login_required
def my_submissions(request):
    require(OrganizationKind.SUPPLIER in _organization_kinds(request.user))
    page = paginate(request, selectors.submissions_of_suppliers(user=request.user))
    return render(request, "challenges/my_submissions.html", {"page_obj": page})


# --- lists of staff ------------------------------------------------------------------


@login_required
def my_challenges(request):
    require(OrganizationKind.AGENCY in _organization_kinds(request.user))
    page = paginate(request, selectors.challenges_of_agencies(user=request.user))
    _mark_open(page, timezone.now())
    return render(request, "challenges/my_challenges.html", {"page_obj": page})


@login_required
def review_queue(request):
    require(request.user.has_perm("challenges.review_challenge"))
    page = paginate(request, selectors.review_queue())
    return render(request, "challenges/review_queue.html", {"page_obj": page})


# --- the panel (operator and owner) -------------------------------------------------------


@dataclass
class RankedRow:
    row: object
    criterion_means: list
    decision_form: forms.Form | None


@dataclass
class PanelRow:
    submission: object
    assignments: list
    free_experts: list  # experts the operator may still add to this submission


@dataclass
class CycleEntry:
    cycle: object
    submissions: list[PanelRow]
    problems: list[str]
    ranking: list[RankedRow] | None


def _panel_rows(cycle, experts) -> list[PanelRow]:
    rows = []
    for submission in selectors.panel_submissions(cycle):
        assignments = list(submission.assignments.all())
        asked = {assignment.expert_id for assignment in assignments}
        rows.append(
            PanelRow(
                submission=submission,
                assignments=assignments,
                free_experts=[expert for expert in experts if expert.pk not in asked],
            )
        )
    return rows


def _cycle_entries(request, phase, criteria, now, *, experts) -> list[CycleEntry]:
    user = request.user
    may_decide = user.has_perm("challenges.decide", phase.challenge) and phase.results_published_at is None
    entries = []
    for cycle in selectors.cycles_of(phase):
        if now < cycle.ends_at and not user.is_operator:
            continue  # the owner sees who submitted only once submissions can no longer change
        ranking = selectors.ranking(actor=user, cycle=cycle)
        ranked = None
        if ranking is not None:
            ranked = [
                RankedRow(
                    row=row,
                    criterion_means=[row.criterion_means.get(criterion.pk) for criterion in criteria],
                    decision_form=DecisionForm(auto_id=f"id_s{row.submission.pk}_%s")
                    if may_decide and cycle.panel_closed and row.submission.status == SubmissionStatus.SUBMITTED
                    else None,
                )
                for row in ranking
            ]
        entries.append(
            CycleEntry(
                cycle=cycle,
                submissions=_panel_rows(cycle, experts),
                problems=[] if cycle.panel_closed else services.panel_problems(cycle, now=now),
                ranking=ranked,
            )
        )
    return entries


def _panel_phase(request, slug, number):
    challenge = access.access_challenge(actor=request.user, slug=slug)
    require(request.user.has_perm("challenges.view_evaluation", challenge))
    return challenge, access.access_phase(challenge=challenge, number=number)


@login_required
def evaluation(request, slug, number):
    challenge, phase = _panel_phase(request, slug, number)
    now = timezone.now()
    criteria = list(challenge.criteria.all())
    is_operator = request.user.has_perm("challenges.manage_panel", challenge)
    experts = list(user_list(role="expert").filter(is_active=True)) if is_operator else []
    context = {
        "challenge": challenge,
        "phase": phase,
        "phases": selectors.phases_of(challenge),
        "criteria": criteria,
        "cycles": _cycle_entries(request, phase, criteria, now, experts=experts),
        "can_manage_panel": is_operator,
        "can_publish": request.user.has_perm("challenges.decide", challenge)
        and phase.results_published_at is None
        and now >= phase.closes_at,
        "window_state": WindowState(phase.window_state(now)).label,
    }
    return render(request, "challenges/evaluation.html", context)


def _evaluation_url(challenge, phase) -> str:
    return reverse("challenges:evaluation", kwargs={"slug": challenge.slug, "number": phase.number})


@login_required
@require_POST
def panel_assign(request, slug, number, cycle):
    challenge, phase = _panel_phase(request, slug, number)
    review_cycle = access.access_cycle(phase=phase, number=cycle)
    try:
        added = services.panel_assign(actor=request.user, cycle=review_cycle)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Experts assigned: %(count)s.") % {"count": added})
    return redirect(_evaluation_url(challenge, phase))


@login_required
@require_POST
def panel_close(request, slug, number, cycle):
    challenge, phase = _panel_phase(request, slug, number)
    review_cycle = access.access_cycle(phase=phase, number=cycle)
    run_action(
        request,
        lambda: services.panel_close(actor=request.user, cycle=review_cycle),
        _("The panel is closed: the scores are visible to the panel and the owner may decide."),
    )
    return redirect(_evaluation_url(challenge, phase))


@login_required
@require_POST
def phase_publish_results(request, slug, number):
    challenge, phase = _panel_phase(request, slug, number)
    if run_action(
        request,
        lambda: services.phase_publish_results(actor=request.user, phase=phase),
        _("The results of the phase are published."),
    ):
        return redirect(challenge.get_absolute_url() + "#results")
    return redirect(_evaluation_url(challenge, phase))


@login_required
@require_POST
def assignment_create(request, pk):
    submission = access.access_submission(actor=request.user, pk=pk)
    challenge = submission.phase.challenge
    require(request.user.has_perm("challenges.manage_panel", challenge))
    form = AssignExpertForm(request.POST)
    if form.is_valid():
        run_action(
            request,
            lambda: services.assignment_create(
                actor=request.user, submission=submission, expert=form.cleaned_data["expert"]
            ),
            _("The expert is assigned."),
        )
    else:
        messages.error(request, _("Choose an expert from the list."))
    return redirect(_evaluation_url(challenge, submission.phase))


# --- experts ---------------------------------------------------------------------------


@login_required
def my_evaluations(request):
    require(request.user.has_perm("challenges.view_evaluations_inbox"))
    page = paginate(request, selectors.assignments_of_expert(user=request.user))
    return render(request, "challenges/my_evaluations.html", {"page_obj": page})


def _assignment_context(request, assignment, *, declaration_form=None, score_form=None) -> dict:
    submission = assignment.submission
    challenge = submission.phase.challenge
    context = {
        "assignment": assignment,
        "submission": submission,
        "challenge": challenge,
        "is_declared": assignment.conflict != Declaration.UNDECLARED,
        "panel_closed": submission.cycle.panel_closed,
    }
    if not context["is_declared"]:
        context["declaration_form"] = declaration_form or DeclarationForm()
        return context
    criteria = list(challenge.criteria.all())
    visible = selectors.visible_assignments(actor=request.user, submission=submission)
    own = next((a for a in visible if a.pk == assignment.pk), None)
    own_scores = {score.criterion_id: score for score in own.scores.all()} if own else {}
    others = [a for a in visible if a.pk != assignment.pk]
    context.update(
        {
            "criteria": criteria,
            "attachments": list(submission.attachments.all()),
            "own_scores": [(criterion, own_scores.get(criterion.pk)) for criterion in criteria],
            "others": _evaluation_rows(request.user, others),
        }
    )
    if not context["panel_closed"] and submission.is_active:
        context["score_form"] = score_form or ScoreForm(criteria=criteria, scores=own_scores)
    return context


@login_required
def assignment_detail(request, pk):
    """Before declaring, the expert sees only the title and the supplier; a recused expert nothing."""
    assignment = access.access_assignment(actor=request.user, pk=pk)
    return render(request, "challenges/assignment_detail.html", _assignment_context(request, assignment))


@login_required
@require_POST
def assignment_declare(request, pk):
    assignment = access.access_assignment(actor=request.user, pk=pk)
    form = DeclarationForm(request.POST)
    if form.is_valid():
        declared = run_service(
            form,
            lambda: services.conflict_declare(
                actor=request.user,
                assignment=assignment,
                has_conflict=form.cleaned_data["has_conflict"],
                note=form.cleaned_data["note"],
            ),
        )
        if declared:
            if declared.is_recused:
                messages.success(request, _("You stepped aside from this submission; another expert will take it."))
                return redirect("challenges:my-evaluations")
            messages.success(request, _("Thank you. You may now read and score the submission."))
            return redirect("challenges:assignment-detail", pk=assignment.pk)
    context = _assignment_context(request, assignment, declaration_form=form)
    return render(request, "challenges/assignment_detail.html", context, status=400)


@login_required
@require_POST
def assignment_score(request, pk):
    assignment = access.access_assignment(actor=request.user, pk=pk)
    criteria = list(assignment.submission.phase.challenge.criteria.all())
    form = ScoreForm(request.POST, criteria=criteria)
    complete = "complete" in request.POST
    if form.is_valid():
        saved = run_service(
            form,
            lambda: services.scores_save(
                actor=request.user, assignment=assignment, scores=form.score_rows(), complete=complete
            ),
        )
        if saved:
            messages.success(
                request, _("Your evaluation is handed in.") if complete else _("Your scores are saved as a draft.")
            )
            return redirect("challenges:assignment-detail", pk=assignment.pk)
    context = _assignment_context(request, assignment, score_form=form)
    return render(request, "challenges/assignment_detail.html", context, status=400)


# --- results ---------------------------------------------------------------------------


def results_csv(request, slug):
    """The published results as CSV, built by the export module the API uses as well."""
    challenge = access.access_challenge(actor=request.user, slug=slug)
    from govtech.challenges import exports

    return exports.results_csv_response(challenge)
