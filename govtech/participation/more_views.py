"""Pages for agencies, moderators and analysts, and the people's points: the agency inbox, the
moderation queue, the accountability page, experience stories with their analysis, the
leaderboard and "my points". Thin: reads go through selectors and access helpers, every write
is one service call whose refusal is shown in the page."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from govtech.accounts.models import OrganizationKind
from govtech.accounts.selectors import agency_choices, organization_list_for_user
from govtech.core.forms import run_service
from govtech.core.pagination import paginate
from govtech.core.views import require
from govtech.participation import access, exports, selectors, services
from govtech.participation.models import PointsKind
from govtech.participation.more_forms import (
    EXPERIENCE_CHOICES,
    AssignAgencyForm,
    InboxFilterForm,
    LeaderboardChoiceForm,
    StoryFilterForm,
    StoryForm,
)

LEADERBOARD_SIZE = 50


# --- the agency inbox ---------------------------------------------------------------------

INBOX_TO_ANSWER = "answer"
INBOX_UNASSIGNED = "unassigned"


def _inbox_agencies(user) -> list:
    """The agencies whose inbox a person reads: their own, or every agency for an operator."""
    if user.has_perm("participation.assign_agency"):
        return list(agency_choices())
    return list(organization_list_for_user(user=user).filter(kind=OrganizationKind.AGENCY, is_active=True))


def _mark_due(ideas, now) -> None:
    """Whole days left to answer (negative: overdue), from the due date of each listed idea."""
    for idea in ideas:
        due = idea.answer_due_at
        idea.is_overdue = due is not None and due < now
        idea.days_left = None if due is None else (due - now).days
        idea.days_overdue = -idea.days_left if idea.is_overdue else 0


@login_required
@require_GET
def agency_inbox(request):
    """Agency staff: their agencies' ideas still without a first official answer, the most
    overdue first. Operators read every agency's and also the ideas no agency answers yet."""
    user = request.user
    agencies = _inbox_agencies(user)
    is_operator = user.has_perm("participation.assign_agency")
    require(bool(agencies) or is_operator)
    show = INBOX_UNASSIGNED if is_operator and request.GET.get("show") == INBOX_UNASSIGNED else INBOX_TO_ANSWER
    filter_form = InboxFilterForm(request.GET or None, agencies=agencies)
    chosen = filter_form.chosen_agency()
    context = {
        "show": show,
        "is_operator": is_operator,
        "filter_form": filter_form,
        "agency_count": len(agencies),
        "answer_days": settings.GOVTECH_IDEA_ANSWER_DAYS,
    }
    if show == INBOX_UNASSIGNED:
        page = paginate(request, selectors.unassigned_ideas().select_related("district"))
        context["assign_rows"] = [
            (idea, AssignAgencyForm(agencies=agencies, auto_id=f"id_assign{idea.pk}_%s")) for idea in page
        ]
    else:
        agency_ids = [chosen.pk] if chosen else [agency.pk for agency in agencies]
        page = paginate(request, selectors.agency_inbox(agency_ids=agency_ids))
        _mark_due(page, timezone.now())
    context["page_obj"] = page
    return render(request, "participation/inbox.html", context)


# --- the moderation queue -----------------------------------------------------------------


@dataclass(frozen=True)
class QueueSection:
    key: str
    title: str


QUEUE_SECTIONS = [
    QueueSection("submitted", gettext_lazy("Waiting for pre-moderation")),
    QueueSection("ideas", gettext_lazy("Hidden or reported ideas")),
    QueueSection("comments", gettext_lazy("Hidden or reported comments")),
]
QUEUE_ORDER = {
    # The oldest wait first; reported content with the most reports first.
    "submitted": ("created_at", "id"),
    "ideas": ("-report_count", "-id"),
    "comments": ("-report_count", "-id"),
}


@login_required
@require_GET
def moderation_queue(request):
    """Operators: ideas held for pre-moderation, and hidden or reported ideas and comments with
    the reasons of their open reports. Each section is a page of its own, with its count."""
    require(request.user.has_perm("participation.view_moderation_queue"))
    queue = selectors.moderation_queue()
    keys = [section.key for section in QUEUE_SECTIONS]
    show = request.GET.get("show") if request.GET.get("show") in keys else keys[0]
    page = paginate(request, queue[show].order_by(*QUEUE_ORDER[show]))
    sections = [(section, queue[section.key].count()) for section in QUEUE_SECTIONS]
    return render(
        request,
        "participation/moderation_queue.html",
        {
            "show": show,
            "sections": sections,
            "current": next(section for section in QUEUE_SECTIONS if section.key == show),
            "page_obj": page,
            "here": request.get_full_path(),
        },
    )


# --- accountability -----------------------------------------------------------------------

ACCOUNTABILITY_GROUPINGS = {"agency", "topic"}


@require_GET
def accountability(request):
    """Public: how each agency and each category answers residents' ideas."""
    return render(
        request,
        "participation/accountability.html",
        {
            "by_agency": selectors.accountability(by="agency"),
            "by_topic": selectors.accountability(by="topic"),
            "answer_days": settings.GOVTECH_IDEA_ANSWER_DAYS,
        },
    )


@require_GET
def accountability_csv(request):
    by = request.GET.get("by") or "agency"
    if by not in ACCOUNTABILITY_GROUPINGS:
        return HttpResponseBadRequest(
            _("Choose how to group the table: by=agency or by=topic."), content_type="text/plain; charset=utf-8"
        )
    return exports.accountability_csv_response(selectors.accountability(by=by), by=by)


# --- stories ------------------------------------------------------------------------------


@require_GET
def story_list(request):
    """Public: the story templates that collect experiences now."""
    return render(request, "participation/story_list.html", {"templates": list(selectors.story_templates())})


@login_required
@require_http_methods(["GET", "POST"])
def story_new(request, key):
    """A signed-in resident shares a structured story; published only with consent."""
    template = access.access_story_template(key=key)
    form = StoryForm(request.POST or None, template=template)
    if request.method == "POST" and form.is_valid():
        story = run_service(form, lambda: services.story_submit(actor=request.user, **form.service_arguments()))
        if story:
            messages.success(request, _("Thank you. Your story is published and counted in the analysis."))
            return redirect(reverse("participation:story-analysis") + f"?template={template.key}")
    status = 400 if request.method == "POST" else 200
    return render(request, "participation/story_form.html", {"template": template, "form": form}, status=status)


def _story_filters(request) -> tuple[StoryFilterForm, object]:
    """The filter form and the selector's filters; None when the query string is not valid."""
    form = StoryFilterForm(request.GET)
    return form, form.story_filters() if form.is_valid() else None


def _with_share(counts: list[tuple], total: int) -> list[dict]:
    """Each (label, count) with its percent of ``total`` and the width of its bar, relative to
    the largest count so that the longest bar fills the cell."""
    top = max((row[1] for row in counts), default=0) or 1
    return [
        {
            "label": row[0],
            "count": row[1],
            "percent": row[1] * 100 / total if total else 0,
            "bar": round(row[1] * 100 / top),
        }
        for row in counts
    ]


EXPERIENCE_LABELS = dict(EXPERIENCE_CHOICES)


@require_GET
def story_analysis(request):
    """Public: the distributions of the stories' structured answers, by district and by month,
    with the same filters as the CSV."""
    form, filters = _story_filters(request)
    context = {"form": form, "query": request.GET.urlencode()}
    if filters is not None:
        analysis = selectors.story_analysis(filters)
        total = analysis.total
        context.update(
            analysis=analysis,
            experience=_with_share([(EXPERIENCE_LABELS[score], n) for score, n in analysis.experience], total),
            tables=[
                (_("What the stories were about"), _("Tag"), _with_share(analysis.tags, total)),
                (_("Who was involved"), _("Who"), _with_share(analysis.involved, total)),
                (_("How the stories ended"), _("Outcome"), _with_share(analysis.outcomes, total)),
            ],
        )
    return render(request, "participation/story_analysis.html", context)


@require_GET
def story_csv(request):
    form, filters = _story_filters(request)
    if filters is None:
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        return HttpResponseBadRequest(
            _("The filters are not valid: %(problems)s") % {"problems": problems},
            content_type="text/plain; charset=utf-8",
        )
    return exports.story_csv_response(selectors.published_stories(filters))


# --- points -------------------------------------------------------------------------------

BADGE_LABELS = {
    "first_steps": gettext_lazy("First steps"),
    "active": gettext_lazy("Active resident"),
    "champion": gettext_lazy("Champion of the city"),
}


@require_GET
def leaderboard(request):
    """Public: the people who chose to appear, by points."""
    rows = selectors.leaderboard(limit=LEADERBOARD_SIZE)
    return render(request, "participation/leaderboard.html", {"rows": rows, "size": LEADERBOARD_SIZE})


@login_required
@require_http_methods(["GET", "POST"])
def my_points(request):
    """A person's points, entries and badges, and the choice to appear on the leaderboard."""
    user = request.user
    if request.method == "POST":
        form = LeaderboardChoiceForm(request.POST)
        if form.is_valid():
            show = form.cleaned_data["show"]
            if run_service(form, lambda: services.leaderboard_choice(actor=user, show=show)):
                messages.success(
                    request,
                    _("You are shown on the leaderboard.") if show else _("You are not shown on the leaderboard."),
                )
                return redirect("participation:my-points")
    else:
        form = LeaderboardChoiceForm(initial={"show": selectors.is_on_leaderboard(user)})
    total = selectors.points_of(user)
    earned = set(selectors.badges_for(total))
    page = paginate(request, selectors.points_entries(user))
    kinds = dict(PointsKind.choices)
    for entry in page:
        entry.kind_label = kinds.get(entry.kind, entry.kind)
    badges = [
        {"key": key, "label": BADGE_LABELS.get(key, key), "threshold": threshold, "is_earned": key in earned}
        for threshold, key in sorted(selectors.BADGES)
    ]
    return render(
        request,
        "participation/points.html",
        {"total": total, "badges": badges, "page_obj": page, "form": form},
        status=400 if form.errors else 200,
    )
