"""Pages of the funnel: the public list and page of each initiative, the gate-decision
form, the board of staff, and the instrument registry with its gap view. Thin: reads go
through selectors and access helpers, every write is one service call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from govtech.core.errors import ServiceError
from govtech.core.forms import run_service
from govtech.core.pagination import paginate
from govtech.core.views import safe_next
from govtech.funnel import access, selectors, services
from govtech.funnel.forms import (
    BoardFilterForm,
    GateDecisionForm,
    GoalFormSet,
    InitiativeFilterForm,
    InstrumentFilterForm,
    InstrumentForm,
    ProposalNoteForm,
    goals_from,
)
from govtech.funnel.models import DecisionStatus, Stage
from govtech.funnel.states import FUNNEL
from govtech.notifications import selectors as notification_selectors


def _move_role(user, initiative) -> str | None:
    """ "decide" for an operator, "propose" for the sponsoring agency's members, else None."""
    if not user.is_authenticated:
        return None
    if user.has_perm("funnel.decide_move", initiative):
        return "decide"
    if user.has_perm("funnel.propose_move", initiative):
        return "propose"
    return None


# --- initiatives ---------------------------------------------------------------


def initiative_list(request):
    form = InitiativeFilterForm(request.GET or None)
    initiatives = selectors.initiative_list(actor=request.user, filters=form.filters())
    page = paginate(request, initiatives)
    template = "funnel/partials/_initiative_results.html" if request.htmx else "funnel/initiative_list.html"
    return render(request, template, {"form": form, "page_obj": page})


def _detail_context(request, initiative, *, note_form=None) -> dict:
    timeline = selectors.initiative_timeline(initiative=initiative)
    role = _move_role(request.user, initiative) if initiative.stage != Stage.STOPPED else None
    context = {
        "initiative": initiative,
        "tags": list(initiative.tags.all()),
        **timeline,
        "move_role": role,
        "is_following": notification_selectors.is_following(user=request.user, target=initiative),
        "follower_count": notification_selectors.follower_count(target=initiative),
        "note_form": note_form or ProposalNoteForm(),
        "can_review": bool(timeline["pending"]) and request.user.has_perm("funnel.decide_move", initiative),
    }
    if role and not timeline["pending"]:
        context["move_form"] = GateDecisionForm(initiative=initiative, can_decide=role == "decide")
        context["goal_formset"] = GoalFormSet(prefix="goals")
    return context


def initiative_detail(request, slug):
    initiative = access.access_initiative(actor=request.user, slug=slug)
    return render(request, "funnel/initiative_detail.html", _detail_context(request, initiative))


@login_required
@require_http_methods(["GET", "POST"])
def initiative_move(request, slug):
    """The gate-decision form: an operator decides, a member of the sponsoring agency proposes.
    Full page without JavaScript; with htmx (from the board) only the form is swapped in."""
    initiative = access.access_initiative(actor=request.user, slug=slug)
    role = _move_role(request.user, initiative)
    if role is None:
        raise PermissionDenied
    can_decide = role == "decide"
    pending = selectors.initiative_pending_proposal(initiative=initiative)
    form = GateDecisionForm(request.POST or None, request.FILES or None, initiative=initiative, can_decide=can_decide)
    goal_formset = GoalFormSet(request.POST or None, prefix="goals")
    if request.method == "POST" and form.is_valid() and goal_formset.is_valid():
        data = form.cleaned_data
        service = services.move_decide if can_decide else services.move_propose
        decision = run_service(
            form,
            lambda: service(
                actor=request.user,
                initiative=initiative,
                to_stage=data["to_stage"],
                rationale=data["rationale"],
                goals=goals_from(goal_formset),
                evidence_links=data["evidence_links"],
                evidence_files=data["evidence_files"],
                lessons_learned=data["lessons_learned"],
            ),
        )
        if decision:
            if decision.status == DecisionStatus.APPROVED:
                messages.success(
                    request,
                    _("«%(initiative)s» moved to the stage «%(stage)s».")
                    % {"initiative": initiative.title, "stage": decision.get_to_stage_display()},
                )
            else:
                messages.success(request, _("Your proposal was sent to the operators for a decision."))
            target = safe_next(request, initiative.get_absolute_url())
            if request.htmx:
                return HttpResponseClientRedirect(target)
            return redirect(target)
    context = {
        "initiative": initiative,
        "form": form,
        "goal_formset": goal_formset,
        "move_role": role,
        "pending": pending,
        "next": safe_next(request, ""),
    }
    template = "funnel/partials/_move_form.html" if request.htmx else "funnel/initiative_move.html"
    return render(request, template, context)


def _reviewable_decision(request, slug, decision_id):
    initiative = access.access_initiative(actor=request.user, slug=slug)
    if not request.user.has_perm("funnel.decide_move", initiative):
        raise PermissionDenied
    return initiative, access.access_decision(actor=request.user, initiative=initiative, decision_id=decision_id)


@login_required
@require_POST
def decision_approve(request, slug, decision_id):
    initiative, decision = _reviewable_decision(request, slug, decision_id)
    form = ProposalNoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.proposal_approve(actor=request.user, decision=decision, note=note)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The proposal is approved: «%(initiative)s» moved to the stage «%(stage)s».")
            % {"initiative": initiative.title, "stage": decision.get_to_stage_display()},
        )
    return redirect(initiative)


@login_required
@require_POST
def decision_reject(request, slug, decision_id):
    initiative, decision = _reviewable_decision(request, slug, decision_id)
    form = ProposalNoteForm(request.POST)
    if form.is_valid():
        rejected = run_service(
            form,
            lambda: services.proposal_reject(actor=request.user, decision=decision, note=form.cleaned_data["note"]),
        )
        if rejected:
            messages.success(request, _("The proposal is rejected; the agency is told why."))
            return redirect(initiative)
    context = _detail_context(request, initiative, note_form=form)
    return render(request, "funnel/initiative_detail.html", context, status=400)


# --- board ---------------------------------------------------------------------


@login_required
def board(request):
    """Operators see every initiative; an agency's staff see their agency's own."""
    if not request.user.has_perm("funnel.view_board"):
        raise PermissionDenied
    form = BoardFilterForm(request.GET or None)
    filters = form.filters()
    context = {
        "form": form,
        "columns": selectors.board(actor=request.user, filters=filters),
        "filters": filters,
        "move_label": _("Decide") if request.user.is_operator else _("Propose"),
        "board_url": request.get_full_path(),
    }
    template = "funnel/partials/_board_columns.html" if request.htmx else "funnel/board.html"
    return render(request, template, context)


# --- instruments ---------------------------------------------------------------


def instrument_list(request):
    form = InstrumentFilterForm(request.GET or None)
    instruments = selectors.instrument_list(**form.filters())
    page = paginate(request, instruments)
    context = {
        "form": form,
        "page_obj": page,
        "can_manage": request.user.has_perm("funnel.manage_instrument"),
        "funnel_stages": FUNNEL,
    }
    template = "funnel/partials/_instrument_results.html" if request.htmx else "funnel/instrument_list.html"
    return render(request, template, context)


def instrument_gaps(request):
    rows = selectors.gap_view()
    return render(request, "funnel/instrument_gaps.html", {"rows": rows})


def _require_manage_instrument(request) -> None:
    if not request.user.has_perm("funnel.manage_instrument"):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def instrument_create(request):
    _require_manage_instrument(request)
    form = InstrumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        instrument = run_service(
            form,
            lambda: services.instrument_create(
                actor=request.user, name=form.cleaned_data["name"], **form.service_fields()
            ),
        )
        if instrument:
            messages.success(request, _("The instrument is added to the registry."))
            return redirect(instrument)
    return render(request, "funnel/instrument_form.html", {"form": form, "is_new": True})


@login_required
@require_http_methods(["GET", "POST"])
def instrument_edit(request, slug):
    instrument = access.access_instrument(slug=slug)
    _require_manage_instrument(request)
    form = InstrumentForm(request.POST or None, instrument=instrument)
    if request.method == "POST" and form.is_valid():
        updated = run_service(
            form,
            lambda: services.instrument_update(
                actor=request.user, instrument=instrument, name=form.cleaned_data["name"], **form.service_fields()
            ),
        )
        if updated:
            messages.success(request, _("Changes saved."))
            return redirect(updated)
    return render(request, "funnel/instrument_form.html", {"form": form, "instrument": instrument})


urlpatterns = [
    path("", initiative_list, name="initiative-list"),
    path("board/", board, name="board"),
    path("initiatives/<slug:slug>/", initiative_detail, name="initiative-detail"),
    path("initiatives/<slug:slug>/move/", initiative_move, name="initiative-move"),
    path(
        "initiatives/<slug:slug>/decisions/<int:decision_id>/approve/",
        decision_approve,
        name="initiative-decision-approve",
    ),
    path(
        "initiatives/<slug:slug>/decisions/<int:decision_id>/reject/",
        decision_reject,
        name="initiative-decision-reject",
    ),
    path("instruments/", instrument_list, name="instrument-list"),
    path("instruments/gaps/", instrument_gaps, name="instrument-gaps"),
    path("instruments/new/", instrument_create, name="instrument-create"),
    path("instruments/<slug:slug>/edit/", instrument_edit, name="instrument-edit"),
]
