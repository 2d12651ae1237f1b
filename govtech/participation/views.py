"""Pages of residents' ideas: the list with its filters, proposing an idea (with similar ideas
suggested while typing), the idea page with its official timeline, votes, threaded comments,
reports, the agency's answer and the moderators' actions, "my ideas" and calls for ideas.

Thin: reads go through selectors and access helpers, every write is one service call whose
refusal is shown in the page (next to its field, or as a message)."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from govtech.accounts.models import OrganizationKind
from govtech.accounts.selectors import agency_choices, organization_list_for_user
from govtech.core.errors import ServiceError
from govtech.core.forms import run_service
from govtech.core.pagination import paginate
from govtech.core.views import require, run_action, safe_next, stored_file_response
from govtech.notifications import selectors as notification_selectors
from govtech.participation import access, selectors, services
from govtech.participation.forms import (
    AnswerForm,
    AssignAgencyForm,
    CallForm,
    CommentEditForm,
    CommentForm,
    HideForm,
    IdeaFilterForm,
    IdeaForm,
    MilestoneForm,
    ProgressForm,
    ReportForm,
)
from govtech.participation.models import IdeaStatus

# How deep replies are drawn indented; deeper ones stay at this depth so a long thread stays
# readable on a phone.
MAX_INDENT = 4
PROGRESS_STATUSES = {IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS, IdeaStatus.IMPLEMENTED}
MILESTONE_STATUSES = {IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS}


def _mark_cards(request, page) -> None:
    """For each idea of the page: whether the person supports it (one query for the page), whether it
    takes votes, and whether its first official answer is overdue."""
    page.object_list = ideas = list(page.object_list)
    voted = selectors.voted_ids(actor=request.user, ideas=ideas)
    now = timezone.now()
    for idea in ideas:
        idea.has_voted = idea.pk in voted
        idea.is_votable = _is_votable(idea)
        idea.is_overdue = idea.first_answered_at is None and idea.answer_due_at is not None and idea.answer_due_at < now


def _is_votable(idea) -> bool:
    return idea.status in services.VOTABLE and not idea.is_hidden


# --- the list -------------------------------------------------------------------------


def idea_list(request):
    form = IdeaFilterForm(request.GET or None)
    page = paginate(request, selectors.idea_list(actor=request.user, filters=form.filters()))
    _mark_cards(request, page)
    template = "participation/partials/_idea_results.html" if request.htmx else "participation/idea_list.html"
    return render(request, template, {"form": form, "page_obj": page})


@login_required
def my_ideas(request):
    page = paginate(request, selectors.my_ideas(actor=request.user))
    _mark_cards(request, page)
    return render(request, "participation/my_ideas.html", {"page_obj": page})


# --- similar ideas --------------------------------------------------------------------


def similar(request):
    """Up to five public ideas sharing words with the text. htmx asks while the author types the
    title (the input sends itself as ``title``); a plain request gets a page of its own."""
    text = (request.GET.get("text") or request.GET.get("title") or "").strip()[:500]
    context = {"text": text, "similar": selectors.similar_ideas(text=text) if text else None}
    template = "participation/partials/_similar.html" if request.htmx else "participation/similar.html"
    return render(request, template, context)


# --- proposing an idea -----------------------------------------------------------------


def _chosen_call(request, open_calls):
    """The call named by ``?call=slug``: preselected when open; a closed one is only reported."""
    slug = request.GET.get("call")
    if not slug:
        return None, None
    for call in open_calls:
        if call.slug == slug:
            return call, None
    try:
        closed = access.access_call(slug=slug)
    except Http404:
        return None, None
    return None, closed


@login_required
@require_http_methods(["GET", "POST"])
def idea_new(request):
    open_calls = list(selectors.open_calls())
    chosen, closed_call = _chosen_call(request, open_calls)
    similar_ideas = None
    if request.method == "POST" and "check_similar" in request.POST:
        # Without JavaScript: the same suggestions, and the form again with what was typed.
        form = IdeaForm(initial=request.POST.dict(), open_calls=open_calls)
        similar_ideas = selectors.similar_ideas(text=request.POST.get("title", "")[:500])
        return _idea_form_page(request, form, similar_ideas, closed_call)
    form = IdeaForm(request.POST or None, request.FILES or None, open_calls=open_calls)
    if chosen is not None and not form.is_bound:
        form.initial.update({"call": chosen.slug, "topic": chosen.topic, "district": chosen.district_id})
    if request.method == "POST" and form.is_valid():
        idea = run_service(form, lambda: services.idea_submit(actor=request.user, **form.service_fields()))
        if idea:
            if idea.status == IdeaStatus.SUBMITTED:
                messages.success(request, _("Thank you! Your idea will be published after a moderator's check."))
            else:
                messages.success(request, _("Thank you! Your idea is published."))
            return redirect(idea)
    return _idea_form_page(request, form, similar_ideas, closed_call)


def _idea_form_page(request, form, similar_ideas, closed_call):
    context = {"form": form, "similar": similar_ideas, "closed_call": closed_call, "text": form["title"].value()}
    status = 400 if form.is_bound else 200
    return render(request, "participation/idea_form.html", context, status=status)


# --- the idea page ---------------------------------------------------------------------


@dataclass
class CommentEntry:
    comment: object
    indent: int
    can_edit: bool
    reply_form: object = None
    edit_form: object = None
    report_form: object = None


def _comment_entries(request, idea, *, failed: dict) -> list[CommentEntry]:
    """Each comment in thread order with the forms the person may use on it. A refused form
    comes back bound, in its place, with its errors."""
    user = request.user
    signed_in = user.is_authenticated
    open_for_comments = idea.is_public and not idea.is_hidden
    window = dt.timedelta(minutes=settings.GOVTECH_COMMENT_EDIT_MINUTES)
    now = timezone.now()
    entries = []
    for comment in selectors.idea_comments(idea):
        pk = comment.pk
        can_edit = (
            signed_in and comment.author_id == user.pk and not comment.is_hidden and now <= comment.created_at + window
        )
        entries.append(
            CommentEntry(
                comment=comment,
                indent=min(comment.depth, MAX_INDENT),
                can_edit=can_edit,
                reply_form=(
                    failed.get(("reply", pk)) or CommentForm(initial={"parent": pk}, auto_id=f"id_reply{pk}_%s")
                )
                if signed_in and open_for_comments and not comment.is_hidden
                else None,
                # A refused edit stays in place with its reason, even once the window has closed.
                edit_form=failed.get(("edit", pk))
                or (CommentEditForm(initial={"text": comment.text}, auto_id=f"id_edit{pk}_%s") if can_edit else None),
                report_form=(failed.get(("report", pk)) or ReportForm(auto_id=f"id_report{pk}_%s"))
                if signed_in and comment.author_id != user.pk and not comment.is_hidden
                else None,
            )
        )
    return entries


def _staff_forms(user, idea, failed: dict) -> dict:
    """The answer, progress, milestone, assignment and moderation forms the person may use now."""
    context: dict = {}
    if not user.is_authenticated:
        return context
    can_answer = user.has_perm("participation.answer_idea", idea)
    statuses = services.answers_from(idea.status) if can_answer else []
    if statuses:
        context["answer_form"] = failed.get("answer") or AnswerForm(statuses=statuses)
    if can_answer and idea.status in PROGRESS_STATUSES:
        context["progress_form"] = failed.get("progress") or ProgressForm(initial={"progress": idea.progress})
    if can_answer and idea.status in MILESTONE_STATUSES:
        context["milestone_form"] = failed.get("milestone") or MilestoneForm()
        context["can_mark_milestones"] = True
    if user.has_perm("participation.assign_agency", idea) and idea.is_public:
        context["assign_form"] = failed.get("assign") or AssignAgencyForm(
            initial={"agency": idea.agency.slug if idea.agency else None}
        )
    can_moderate = user.has_perm("participation.moderate", idea)
    context["can_moderate"] = can_moderate
    if can_moderate:
        context["can_approve"] = idea.status == IdeaStatus.SUBMITTED
        if not idea.is_hidden:
            context["hide_form"] = failed.get("hide") or HideForm(auto_id="id_hide_%s")
    return context


def _detail_context(request, idea, *, failed: dict | None = None) -> dict:
    failed = failed or {}
    user = request.user
    signed_in = user.is_authenticated
    files = list(idea.files.all())
    context = {
        "idea": idea,
        "timeline": selectors.idea_timeline(idea),
        "milestones": list(idea.milestones.all()),
        "images": [file for file in files if file.is_image],
        "documents": [file for file in files if not file.is_image],
        "comments": _comment_entries(request, idea, failed=failed),
        "has_voted": selectors.has_voted(actor=user, idea=idea),
        "is_votable": _is_votable(idea),
        "is_author": signed_in and idea.author_id == user.pk,
        "can_comment": signed_in and idea.is_public and not idea.is_hidden,
        "comment_form": failed.get("comment") or CommentForm(auto_id="id_comment_%s"),
        "report_form": failed.get("report") or ReportForm(auto_id="id_report_%s")
        if signed_in and idea.author_id != user.pk and idea.is_public and not idea.is_hidden
        else None,
        # After a refused form the address is the form's; buttons must come back to the idea.
        "next_url": idea.get_absolute_url(),
        "is_followable": idea.is_public and not idea.is_hidden,
        **_staff_forms(user, idea, failed),
    }
    if context["is_followable"]:
        context["is_following"] = notification_selectors.is_following(user=user, target=idea)
        context["follower_count"] = notification_selectors.follower_count(target=idea)
    return context


def idea_detail(request, pk):
    idea = access.access_idea(actor=request.user, pk=pk)
    return render(request, "participation/idea_detail.html", _detail_context(request, idea))


def _failed_page(request, idea, key, form):
    """The idea page again, with the refused form bound in its place (400)."""
    context = _detail_context(request, idea, failed={key: form})
    return render(request, "participation/idea_detail.html", context, status=400)


def idea_file(request, pk, file_pk):
    """Files reach only those who may see the idea: never a public media address, since an idea
    waiting for pre-moderation is its author's and the moderators' only."""
    idea = access.access_idea(actor=request.user, pk=pk)
    if idea.is_hidden and not (
        request.user.has_perm("participation.moderate", idea) or idea.author_id == request.user.pk
    ):
        raise Http404  # hidden content's files are hidden too: they may be why it was hidden
    attached = next((file for file in idea.files.all() if str(file.pk) == str(file_pk)), None)
    if attached is None:
        raise Http404
    return stored_file_response(attached.file, attached.title, as_attachment=not attached.is_image)


# --- votes ------------------------------------------------------------------------------


def _vote(request, pk, service, success: str):
    idea = access.access_idea(actor=request.user, pk=pk)
    error = None
    try:
        idea = service(actor=request.user, idea=idea)
    except ServiceError as exc:
        error = str(exc.message)
    if request.htmx:
        context = {
            "idea": idea,
            "has_voted": selectors.has_voted(actor=request.user, idea=idea),
            "is_votable": _is_votable(idea),
            "vote_error": error,
            # The fragment's own form must send the person back to the page it sits on.
            "next_url": safe_next(request, idea.get_absolute_url()),
        }
        return render(request, "participation/partials/_vote.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, success)
    return redirect(safe_next(request, idea.get_absolute_url()))


@login_required
@require_POST
def idea_vote(request, pk):
    return _vote(request, pk, services.vote_add, _("Thank you for your support."))


@login_required
@require_POST
def idea_unvote(request, pk):
    return _vote(request, pk, services.vote_remove, _("Your vote is withdrawn."))


# --- comments and reports -----------------------------------------------------------------


def _comments_url(idea) -> str:
    return idea.get_absolute_url() + "#comments"


@login_required
@require_POST
def comment_add(request, pk):
    """A comment on the idea, or a reply when the form names the comment it answers."""
    idea = access.access_idea(actor=request.user, pk=pk)
    parent_pk = request.POST.get("parent") or None
    parent = access.access_comment(idea=idea, pk=parent_pk) if parent_pk else None
    form = CommentForm(request.POST, auto_id=f"id_reply{parent.pk}_%s" if parent else "id_comment_%s")
    if form.is_valid():
        comment = run_service(
            form,
            lambda: services.comment_add(actor=request.user, idea=idea, text=form.cleaned_data["text"], parent=parent),
        )
        if comment:
            messages.success(request, _("Your comment is published."))
            return redirect(f"{idea.get_absolute_url()}#comment-{comment.pk}")
    return _failed_page(request, idea, ("reply", parent.pk) if parent else "comment", form)


@login_required
@require_POST
def comment_edit(request, pk, comment_pk):
    idea = access.access_idea(actor=request.user, pk=pk)
    comment = access.access_comment(idea=idea, pk=comment_pk)
    form = CommentEditForm(request.POST, auto_id=f"id_edit{comment.pk}_%s")
    if form.is_valid():
        edited = run_service(
            form, lambda: services.comment_edit(actor=request.user, comment=comment, text=form.cleaned_data["text"])
        )
        if edited:
            messages.success(request, _("Your comment is corrected."))
            return redirect(f"{idea.get_absolute_url()}#comment-{comment.pk}")
    return _failed_page(request, idea, ("edit", comment.pk), form)


@login_required
@require_POST
def idea_report(request, pk):
    idea = access.access_idea(actor=request.user, pk=pk)
    form = ReportForm(request.POST, auto_id="id_report_%s")
    if form.is_valid():
        report = run_service(form, lambda: services.report_create(actor=request.user, idea=idea, **form.cleaned_data))
        if report:
            messages.success(request, _("Thank you. A moderator will look at it."))
            return redirect(idea)
    return _failed_page(request, idea, "report", form)


@login_required
@require_POST
def comment_report(request, pk, comment_pk):
    idea = access.access_idea(actor=request.user, pk=pk)
    comment = access.access_comment(idea=idea, pk=comment_pk)
    form = ReportForm(request.POST, auto_id=f"id_report{comment.pk}_%s")
    if form.is_valid():
        report = run_service(
            form, lambda: services.report_create(actor=request.user, comment=comment, **form.cleaned_data)
        )
        if report:
            messages.success(request, _("Thank you. A moderator will look at it."))
            return redirect(f"{idea.get_absolute_url()}#comment-{comment.pk}")
    return _failed_page(request, idea, ("report", comment.pk), form)


# --- the official answer and implementation ----------------------------------------------


def _idea_for_staff(request, pk, permission: str):
    idea = access.access_idea(actor=request.user, pk=pk)
    require(request.user.has_perm(permission, idea))
    return idea


@login_required
@require_POST
def idea_answer(request, pk):
    """The responsible agency (or an operator) moves the idea on with a public message."""
    idea = _idea_for_staff(request, pk, "participation.answer_idea")
    form = AnswerForm(request.POST, statuses=services.answers_from(idea.status))
    if form.is_valid():
        merged_into = _merge_target(request, form)
        if not form.errors:
            change = run_service(
                form,
                lambda: services.idea_answer(
                    actor=request.user,
                    idea=idea,
                    to_status=form.cleaned_data["to_status"],
                    message=form.cleaned_data["message"],
                    reason=form.cleaned_data["reason"],
                    merged_into=merged_into,
                ),
            )
            if change:
                messages.success(
                    request, _("The answer is published: %(status)s.") % {"status": change.get_to_status_display()}
                )
                return redirect(safe_next(request, idea.get_absolute_url()))
    return _failed_page(request, idea, "answer", form)


def _merge_target(request, form):
    """The idea named by number for a merge, as the person may see it; the service checks the rest."""
    number = form.cleaned_data.get("merged_into")
    if form.cleaned_data["to_status"] != IdeaStatus.MERGED or not number:
        return None
    try:
        return access.access_idea(actor=request.user, pk=number)
    except Http404:
        form.add_error("merged_into", _("There is no idea with this number."))
        return None


@login_required
@require_POST
def idea_progress(request, pk):
    idea = _idea_for_staff(request, pk, "participation.answer_idea")
    form = ProgressForm(request.POST)
    if form.is_valid():
        done = run_service(
            form,
            lambda: services.idea_progress(actor=request.user, idea=idea, progress=form.cleaned_data["progress"]),
        )
        if done:
            messages.success(request, _("The progress is updated."))
            return redirect(idea.get_absolute_url() + "#progress")
    return _failed_page(request, idea, "progress", form)


@login_required
@require_POST
def milestone_add(request, pk):
    idea = _idea_for_staff(request, pk, "participation.answer_idea")
    form = MilestoneForm(request.POST)
    if form.is_valid():
        milestone = run_service(
            form, lambda: services.milestone_add(actor=request.user, idea=idea, **form.cleaned_data)
        )
        if milestone:
            messages.success(request, _("The milestone is added."))
            return redirect(idea.get_absolute_url() + "#progress")
    return _failed_page(request, idea, "milestone", form)


@login_required
@require_POST
def milestone_done(request, pk, milestone_pk):
    idea = _idea_for_staff(request, pk, "participation.answer_idea")
    milestone = access.access_milestone(idea=idea, pk=milestone_pk)
    run_action(
        request,
        lambda: services.milestone_done(actor=request.user, milestone=milestone),
        _("The milestone is marked as done."),
    )
    return redirect(idea.get_absolute_url() + "#progress")


@login_required
@require_POST
def idea_assign(request, pk):
    """The operator names the agency that answers an idea proposed outside any call."""
    idea = _idea_for_staff(request, pk, "participation.assign_agency")
    form = AssignAgencyForm(request.POST)
    if form.is_valid():
        assigned = run_service(
            form,
            lambda: services.idea_assign_agency(actor=request.user, idea=idea, agency=form.cleaned_data["agency"]),
        )
        if assigned:
            messages.success(
                request, _("%(agency)s now answers this idea.") % {"agency": form.cleaned_data["agency"].name}
            )
            return redirect(safe_next(request, idea.get_absolute_url()))
    return _failed_page(request, idea, "assign", form)


# --- moderation -------------------------------------------------------------------------


@login_required
@require_POST
def idea_approve(request, pk):
    """A moderator publishes an idea held for pre-moderation."""
    idea = _idea_for_staff(request, pk, "participation.moderate")
    run_action(request, lambda: services.idea_approve(actor=request.user, idea=idea), _("The idea is published."))
    return redirect(safe_next(request, idea.get_absolute_url()))


@login_required
@require_POST
def idea_hide(request, pk):
    idea = _idea_for_staff(request, pk, "participation.moderate")
    form = HideForm(request.POST, auto_id="id_hide_%s")
    if form.is_valid():
        run_service(
            form, lambda: services.content_hide(actor=request.user, target=idea, reason=form.cleaned_data["reason"])
        )
        if not form.errors:
            messages.success(request, _("The idea is hidden; the reason is shown in its place."))
            return redirect(safe_next(request, idea.get_absolute_url()))
    if request.POST.get("next"):
        # Sent from another page (the moderation queue): the refusal goes back there.
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect(safe_next(request, idea.get_absolute_url()))
    return _failed_page(request, idea, "hide", form)


@login_required
@require_POST
def idea_restore(request, pk):
    idea = _idea_for_staff(request, pk, "participation.moderate")
    run_action(
        request, lambda: services.content_restore(actor=request.user, target=idea), _("The idea is shown again.")
    )
    return redirect(safe_next(request, idea.get_absolute_url()))


def _comment_for_moderator(request, pk, comment_pk):
    idea = access.access_idea(actor=request.user, pk=pk)
    comment = access.access_comment(idea=idea, pk=comment_pk)
    require(request.user.has_perm("participation.moderate", comment))
    return idea, comment


@login_required
@require_POST
def comment_hide(request, pk, comment_pk):
    idea, comment = _comment_for_moderator(request, pk, comment_pk)
    run_action(
        request,
        lambda: services.content_hide(actor=request.user, target=comment, reason=request.POST.get("reason", "")),
        _("The comment is hidden; the reason is shown in its place."),
    )
    return redirect(safe_next(request, f"{idea.get_absolute_url()}#comment-{comment.pk}"))


@login_required
@require_POST
def comment_restore(request, pk, comment_pk):
    idea, comment = _comment_for_moderator(request, pk, comment_pk)
    run_action(
        request,
        lambda: services.content_restore(actor=request.user, target=comment),
        _("The comment is shown again."),
    )
    return redirect(safe_next(request, f"{idea.get_absolute_url()}#comment-{comment.pk}"))


# --- calls for ideas ----------------------------------------------------------------------


def call_list(request):
    # The selector's aggregate drops the model's ordering (Django ignores Meta.ordering with GROUP BY).
    page = paginate(request, selectors.call_list().order_by("-opens_at", "-id"))
    now = timezone.now()
    for call in page.object_list:
        call.open_now = call.is_open(now)
    return render(request, "participation/call_list.html", {"page_obj": page})


def call_detail(request, slug):
    call = access.access_call(slug=slug)
    sort = request.GET.get("sort")
    sort = sort if sort in selectors.Sort.CHOICES else selectors.Sort.NEWEST
    ideas = selectors.idea_list(actor=request.user, filters=selectors.IdeaFilters(call=call.pk, sort=sort))
    page = paginate(request, ideas)
    _mark_cards(request, page)
    now = timezone.now()
    context = {
        "call": call,
        "page_obj": page,
        "sort": sort,
        "is_open": call.is_open(now),
        "is_upcoming": now < call.opens_at,
    }
    return render(request, "participation/call_detail.html", context)


def _call_agencies(user):
    """Operators open calls for any agency; agency staff for their own agencies."""
    if not user.is_authenticated:
        return None
    if user.is_operator:
        return agency_choices()
    return organization_list_for_user(user=user).filter(kind=OrganizationKind.AGENCY, is_active=True)


@login_required
@require_http_methods(["GET", "POST"])
def call_new(request):
    agencies = _call_agencies(request.user)
    require(agencies.exists())
    form = CallForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        call = run_service(
            form,
            lambda: services.call_create(
                actor=request.user, agency=form.cleaned_data["agency"], **form.service_fields()
            ),
        )
        if call:
            messages.success(request, _("The call for ideas is published."))
            return redirect(call)
    status = 400 if form.is_bound else 200
    return render(request, "participation/call_form.html", {"form": form}, status=status)
