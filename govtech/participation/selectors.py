"""Reads of residents' participation. Lists build a fixed number of queries whatever their length."""

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, ExpressionWrapper, F, FloatField, Func, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Power, TruncMonth
from django.utils import timezone

from govtech.core.fulltext import search_by_stems
from govtech.participation.models import (
    Call,
    Comment,
    Idea,
    IdeaStatus,
    Participant,
    PointsEntry,
    Report,
    StatusChange,
    Story,
    StoryTemplate,
)

ACCEPTED_STATUSES = [IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS, IdeaStatus.IMPLEMENTED]


class Sort:
    NEWEST = "newest"
    SUPPORTED = "supported"
    TRENDING = "trending"
    ANSWERED = "answered"
    CHOICES = (NEWEST, SUPPORTED, TRENDING, ANSWERED)


@dataclass
class IdeaFilters:
    status: str | None = None
    topic: str | None = None
    district: int | None = None  # a district or an administrative area (then all its districts)
    call: int | None = None
    agency: int | None = None
    query: str | None = None
    sort: str = Sort.NEWEST


def visible_ideas(*, actor) -> QuerySet[Idea]:
    """Published ideas (whatever their answer) for everyone, and a person's own ideas that still
    wait for pre-moderation."""
    visible = ~Q(status=IdeaStatus.SUBMITTED)
    if actor.is_authenticated:
        visible |= Q(author=actor)
        if actor.is_operator:
            return Idea.objects.all()
    return Idea.objects.filter(visible)


def _district_and_its_districts(district_id: int) -> QuerySet:
    """A district, or an administrative area with all its districts — as a subquery on the
    district table, so the ideas are filtered by their own column without a join."""
    from govtech.participation.models import District

    return District.objects.filter(Q(pk=district_id) | Q(parent_id=district_id)).values("pk")


def idea_list(*, actor, filters: IdeaFilters | None = None, now=None) -> QuerySet[Idea]:
    filters = filters or IdeaFilters()
    now = now or timezone.now()
    ideas = visible_ideas(actor=actor)
    if filters.status:
        ideas = ideas.filter(status=filters.status)
    if filters.topic:
        ideas = ideas.filter(topic=filters.topic)
    if filters.district:
        ideas = ideas.filter(district_id__in=_district_and_its_districts(filters.district))
    if filters.call:
        ideas = ideas.filter(call_id=filters.call)
    if filters.agency:
        ideas = ideas.filter(agency_id=filters.agency)
    if filters.query:
        if not (actor.is_authenticated and actor.is_operator):
            ideas = ideas.filter(hidden_at__isnull=True)  # hidden text must not be findable
        ideas = search_by_stems(ideas, "search_stems", filters.query)
    ideas = ideas.select_related("district", "call", "agency")
    return _sorted(ideas, filters.sort, now=now, by_relevance=bool(filters.query))


def _sorted(ideas: QuerySet[Idea], sort: str, *, now, by_relevance: bool) -> QuerySet[Idea]:
    if sort == Sort.SUPPORTED:
        return ideas.order_by("-vote_count", "-id")
    if sort == Sort.ANSWERED:
        return ideas.filter(last_answered_at__isnull=False).order_by("-last_answered_at", "-id")
    if sort == Sort.TRENDING:
        # Support that is recent counts more: votes divided by the idea's age in days, softened
        # (the same idea as Hacker News' ranking).
        age_days = ExpressionWrapper((now.timestamp() - F("published_at_epoch")) / 86400.0, output_field=FloatField())
        return (
            ideas.filter(published_at__gte=now - timedelta(days=90))
            .annotate(published_at_epoch=Epoch(F("published_at")))
            .annotate(trend=ExpressionWrapper(F("vote_count") / Power(age_days + 2, 1.5), output_field=FloatField()))
            .order_by("-trend", "-id")
        )
    if by_relevance:
        return ideas.order_by("-matched", "-vote_count", "-id")
    return ideas.order_by("-published_at", "-id")


class Epoch(Func):
    """Seconds since 1970 of a datetime column, on PostgreSQL and SQLite."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra):
        # A float, not PostgreSQL's numeric: the trending score is then computed in fast float maths.
        return super().as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::double precision", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        # From the Julian day rather than strftime('%s'): a literal % in the SQL would be taken
        # for a parameter placeholder once the query has parameters.
        return super().as_sql(
            compiler, connection, template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)", **extra
        )


def similar_ideas(*, text: str, exclude_id: int | None = None, limit: int = 5) -> list[Idea]:
    """Public ideas sharing the most word stems with ``text`` (Russian and English forms)."""
    ideas = search_by_stems(
        Idea.objects.exclude(status=IdeaStatus.SUBMITTED).filter(hidden_at__isnull=True), "search_stems", text
    )
    if exclude_id:
        ideas = ideas.exclude(pk=exclude_id)
    return list(ideas.order_by("-matched", "-vote_count", "-id")[:limit])


def idea_timeline(idea: Idea) -> list[StatusChange]:
    return list(idea.status_changes.select_related("agency", "actor"))


def idea_comments(idea: Idea) -> list[Comment]:
    """Comments in thread order: each top-level comment followed by its replies, depth first."""
    comments = list(idea.comments.select_related("author").order_by("created_at", "id"))
    children: dict[int | None, list[Comment]] = {}
    for comment in comments:
        children.setdefault(comment.parent_id, []).append(comment)
    ordered: list[Comment] = []

    def walk(parent_id, depth):
        for comment in children.get(parent_id, []):
            comment.depth = depth
            ordered.append(comment)
            walk(comment.pk, depth + 1)

    walk(None, 0)
    return ordered


def has_voted(*, actor, idea: Idea) -> bool:
    return actor.is_authenticated and idea.votes.filter(user=actor).exists()


def voted_ids(*, actor, ideas) -> set[int]:
    """Which of these ideas the person supports, in one query."""
    if not actor.is_authenticated:
        return set()
    return set(actor.idea_votes.filter(idea__in=[idea.pk for idea in ideas]).values_list("idea_id", flat=True))


def my_ideas(*, actor) -> QuerySet[Idea]:
    return Idea.objects.filter(author=actor).select_related("agency", "district").order_by("-created_at", "-id")


def agency_inbox(*, agency_ids) -> QuerySet[Idea]:
    """Ideas an agency still has to answer for the first time, the most overdue first."""
    return (
        Idea.objects.filter(agency_id__in=agency_ids, first_answered_at__isnull=True)
        .exclude(status=IdeaStatus.SUBMITTED)
        .select_related("agency", "district", "call")
        .order_by(F("answer_due_at").asc(nulls_last=True), "id")
    )


def unassigned_ideas() -> QuerySet[Idea]:
    """Open ideas no agency answers yet: the operator assigns them."""
    return (
        Idea.objects.filter(agency__isnull=True, hidden_at__isnull=True)
        .exclude(status=IdeaStatus.SUBMITTED)
        .order_by("published_at", "id")
    )


def moderation_queue() -> dict:
    """What waits for a moderator: ideas held for pre-moderation, and content with open reports
    (including what was hidden automatically after reports). Once a moderator hides or restores
    something its reports are resolved and it leaves the queue."""
    open_reports = Report.objects.filter(resolved_at__isnull=True)
    return {
        "submitted": Idea.objects.filter(status=IdeaStatus.SUBMITTED).select_related("author", "call"),
        "ideas": Idea.objects.filter(reports__in=open_reports)
        .distinct()
        .prefetch_related(Prefetch("reports", queryset=open_reports, to_attr="open_reports")),
        "comments": Comment.objects.filter(reports__in=open_reports)
        .distinct()
        .select_related("idea", "author")
        .prefetch_related(Prefetch("reports", queryset=open_reports, to_attr="open_reports")),
    }


def open_calls(*, now=None) -> QuerySet[Call]:
    now = now or timezone.now()
    return Call.objects.filter(opens_at__lte=now, closes_at__gt=now).select_related("agency", "district")


def call_list() -> QuerySet[Call]:
    # An aggregate drops the model's default ordering, so it is given again.
    return (
        Call.objects.select_related("agency", "district")
        .annotate(idea_count=Count("ideas", filter=~Q(ideas__status=IdeaStatus.SUBMITTED)))
        .order_by("-opens_at", "-id")
    )


# --- accountability -------------------------------------------------------------------------


@dataclass
class AccountabilityRow:
    key: object  # an agency id or a category
    label: str
    received: int = 0
    answered: int = 0
    accepted: int = 0
    implemented: int = 0
    days_to_answer: list[float] = field(default_factory=list)

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.received if self.received else None

    @property
    def accepted_share(self) -> float | None:
        return self.accepted / self.received if self.received else None

    @property
    def implemented_share(self) -> float | None:
        return self.implemented / self.received if self.received else None

    @property
    def median_days(self) -> float | None:
        return round(statistics.median(self.days_to_answer), 1) if self.days_to_answer else None


def accountability(*, by: str) -> list[AccountabilityRow]:
    """Per agency (``by="agency"``) or per category (``by="topic"``): ideas received, the share
    answered, median days from publication to the first official answer, the shares accepted and
    implemented. Two queries."""
    from govtech.accounts.models import Organization
    from govtech.funnel.models import Topic

    ideas = Idea.objects.exclude(status=IdeaStatus.SUBMITTED).filter(published_at__isnull=False)
    if by == "agency":
        ideas = ideas.filter(agency__isnull=False)
    key_field = "agency_id" if by == "agency" else "topic"
    rows: dict[object, AccountabilityRow] = {}
    for key, status, published_at, answered_at in ideas.values_list(
        key_field, "status", "published_at", "first_answered_at"
    ):
        row = rows.setdefault(key, AccountabilityRow(key=key, label=""))
        row.received += 1
        if answered_at is not None:
            row.answered += 1
            row.days_to_answer.append(max((answered_at - published_at).total_seconds() / 86400, 0))
        if status in ACCEPTED_STATUSES:
            row.accepted += 1
        if status == IdeaStatus.IMPLEMENTED:
            row.implemented += 1
    if by == "agency":
        names = dict(Organization.objects.filter(pk__in=rows).values_list("pk", "name"))
    else:
        names = dict(Topic.choices)
    for row in rows.values():
        row.label = str(names.get(row.key, row.key))
    return sorted(rows.values(), key=lambda row: (-row.received, row.label))


# --- stories ---------------------------------------------------------------------------------


@dataclass
class StoryFilters:
    template: int | None = None
    district: int | None = None
    date_from: object = None
    date_to: object = None


def published_stories(filters: StoryFilters | None = None) -> QuerySet[Story]:
    filters = filters or StoryFilters()
    stories = Story.objects.filter(hidden_at__isnull=True, consent=True)
    if filters.template:
        stories = stories.filter(template_id=filters.template)
    if filters.district:
        stories = stories.filter(district_id__in=_district_and_its_districts(filters.district))
    if filters.date_from:
        stories = stories.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        stories = stories.filter(created_at__date__lte=filters.date_to)
    return stories.select_related("template", "district", "author")


@dataclass
class StoryAnalysis:
    total: int
    mean_experience: float | None
    experience: list[tuple[int, int]]
    tags: list[tuple[str, int]]
    involved: list[tuple[str, int]]
    outcomes: list[tuple[str, int]]
    districts: list[tuple[str, int, float]]  # name, stories, mean experience
    months: list[tuple[object, int, float]]  # month, stories, mean experience


def story_analysis(filters: StoryFilters | None = None) -> StoryAnalysis:
    """Distributions of the structured answers, by district and by month, in three queries."""
    stories = published_stories(filters)
    rows = list(stories.values_list("experience", "tags", "involved", "outcome"))
    experience = Counter(row[0] for row in rows)
    tags = Counter(tag for row in rows for tag in row[1] or [])
    involved = Counter(person for row in rows for person in row[2] or [])
    outcomes = Counter(row[3] for row in rows)
    by_district = (
        stories.filter(district__isnull=False)
        .values("district__name")
        .annotate(count=Count("id"), total=Sum("experience"))
        .order_by("-count", "district__name")
    )
    by_month = (
        stories.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(count=Count("id"), total=Sum("experience"))
        .order_by("month")
    )
    return StoryAnalysis(
        total=len(rows),
        mean_experience=round(sum(row[0] for row in rows) / len(rows), 2) if rows else None,
        experience=[(score, experience.get(score, 0)) for score in range(1, 6)],
        tags=tags.most_common(),
        involved=involved.most_common(),
        outcomes=outcomes.most_common(),
        districts=[(row["district__name"], row["count"], round(row["total"] / row["count"], 2)) for row in by_district],
        months=[(row["month"], row["count"], round(row["total"] / row["count"], 2)) for row in by_month],
    )


def story_templates() -> QuerySet[StoryTemplate]:
    return StoryTemplate.objects.filter(is_active=True)


# --- points ---------------------------------------------------------------------------------

BADGES = [(500, "champion"), (100, "active"), (10, "first_steps")]


def points_of(user) -> int:
    return user.points.aggregate(total=Sum("points"))["total"] or 0


def leaderboard(limit: int = 20) -> list[dict]:
    """People who chose to appear, by points."""
    shown = Participant.objects.filter(on_leaderboard=True).values("user_id")
    return list(
        PointsEntry.objects.filter(user_id__in=shown)
        .values("user_id", "user__full_name")
        .annotate(total=Sum("points"))
        .order_by("-total", "user_id")[:limit]
    )


def points_entries(user) -> QuerySet[PointsEntry]:
    """A person's points history, newest first."""
    return user.points.order_by("-created_at", "-id")


def is_on_leaderboard(user) -> bool:
    return Participant.objects.filter(user=user, on_leaderboard=True).exists()


def district_tree() -> QuerySet:
    """The administrative areas, each with its districts prefetched."""
    from govtech.participation.models import District

    return District.objects.filter(parent__isnull=True).prefetch_related("districts").order_by("name")


def badges_for(total: int) -> list[str]:
    return [badge for threshold, badge in BADGES if total >= threshold]
