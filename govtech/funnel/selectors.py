"""Reads of the funnel: lists, the board and the instrument gap view. Each builds a fixed
number of queries whatever the number of initiatives."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from govtech.accounts.models import OrganizationKind
from govtech.core.search import search
from govtech.funnel.models import (
    DecisionStatus,
    GateDecision,
    Initiative,
    Instrument,
    IntakeState,
    StageStay,
    Visibility,
)
from govtech.funnel.states import FUNNEL, Stage

BOARD_CARDS_PER_COLUMN = 25


@dataclass
class InitiativeFilters:
    stage: str | None = None
    topic: str | None = None
    origin: str | None = None
    sponsor: int | None = None  # organization id
    instrument: int | None = None  # instrument id
    tag: str | None = None
    query: str | None = None
    stalled_days: int | None = None
    extra: dict = field(default_factory=dict)


def visible_initiatives(*, actor) -> QuerySet[Initiative]:
    """Public initiatives for everyone; internal ones for operators and the sponsoring agency's members."""
    initiatives = Initiative.objects.all()
    if actor.is_authenticated and actor.is_operator:
        return initiatives
    visible = Q(visibility=Visibility.PUBLIC)
    if actor.is_authenticated:
        visible |= Q(sponsor__memberships__user=actor) | Q(team__user=actor)
        return initiatives.filter(pk__in=Initiative.objects.filter(visible).values("pk"))
    return initiatives.filter(visible)


def _apply(initiatives: QuerySet[Initiative], filters: InitiativeFilters) -> QuerySet[Initiative]:
    if filters.stage:
        initiatives = initiatives.filter(stage=filters.stage)
    if filters.topic:
        initiatives = initiatives.filter(topic=filters.topic)
    if filters.origin:
        initiatives = initiatives.filter(origin=filters.origin)
    if filters.sponsor:
        initiatives = initiatives.filter(sponsor_id=filters.sponsor)
    if filters.instrument:
        initiatives = initiatives.filter(instrument_id=filters.instrument)
    if filters.tag:
        initiatives = initiatives.filter(tags__name=filters.tag.lower())
    if filters.stalled_days:
        initiatives = initiatives.filter(
            stage_entered_at__lt=timezone.now() - timedelta(days=filters.stalled_days)
        ).exclude(stage__in=[Stage.STOPPED, Stage.SCALE])
    if filters.query:
        initiatives = search(initiatives, ["title", "summary"], filters.query)
    return initiatives


def _with_card_data(initiatives: QuerySet[Initiative]) -> QuerySet[Initiative]:
    pending = GateDecision.objects.filter(initiative=OuterRef("pk"), status=DecisionStatus.PROPOSED)
    return initiatives.select_related("sponsor", "instrument").annotate(has_pending_proposal=Exists(pending))


def initiative_list(*, actor, filters: InitiativeFilters | None = None) -> QuerySet[Initiative]:
    filters = filters or InitiativeFilters()
    initiatives = _apply(visible_initiatives(actor=actor), filters)
    return _with_card_data(initiatives).prefetch_related("tags").order_by("-stage_entered_at", "-id")


def board_initiatives(*, actor) -> QuerySet[Initiative]:
    """What the board shows: everything for operators; an agency's own initiatives for its staff."""
    if actor.is_operator:
        return Initiative.objects.all()
    agencies = actor.memberships.filter(organization__kind=OrganizationKind.AGENCY).values("organization_id")
    return Initiative.objects.filter(sponsor_id__in=agencies)


@dataclass
class BoardColumn:
    stage: str
    label: str
    total: int
    cards: list


def board(
    *, actor, filters: InitiativeFilters | None = None, per_column: int = BOARD_CARDS_PER_COLUMN
) -> list[BoardColumn]:
    """Stage columns, oldest arrivals first (the most stalled on top): one count query and
    one query per column."""
    filters = filters or InitiativeFilters()
    initiatives = _apply(board_initiatives(actor=actor), filters)
    totals = dict(initiatives.values_list("stage").annotate(n=Count("id")).order_by())
    columns = []
    for stage in [*FUNNEL, Stage.STOPPED]:
        cards = list(_with_card_data(initiatives.filter(stage=stage)).order_by("stage_entered_at", "id")[:per_column])
        columns.append(BoardColumn(stage=stage, label=Stage(stage).label, total=totals.get(stage, 0), cards=cards))
    return columns


def initiative_timeline(*, initiative: Initiative, now=None) -> dict:
    """Stays and decisions of one initiative, for its public page. Each stay carries
    ``duration_days``: until it was left, or until now for the open one."""
    now = now or timezone.now()
    stays = list(initiative.stays.order_by("entered_at", "id"))
    for stay in stays:
        stay.duration_days = ((stay.exited_at or now) - stay.entered_at).days
    decisions = list(
        initiative.decisions.select_related("proposed_by", "decided_by")
        .prefetch_related("goals", "evidence_files")
        .order_by("-proposed_at", "-id")
    )
    return {
        "stays": stays,
        "decisions": decisions,
        "team": list(initiative.team.select_related("user", "organization")),
        "pending": next((d for d in decisions if d.status == DecisionStatus.PROPOSED), None),
    }


def initiative_pending_proposal(*, initiative: Initiative) -> GateDecision | None:
    """The one proposal waiting for an operator, if any."""
    return initiative.decisions.filter(status=DecisionStatus.PROPOSED).first()


def instrument_choices() -> QuerySet[Instrument]:
    """Instruments to pick from in filters and forms."""
    return Instrument.objects.order_by("name")


def instrument_list(*, kind: str | None = None, stage: str | None = None) -> list[Instrument]:
    instruments = Instrument.objects.select_related("owner").annotate(
        initiative_count=Count("initiatives", filter=~Q(initiatives__stage=Stage.STOPPED))
    )
    if kind:
        instruments = instruments.filter(kind=kind)
    found = list(instruments.order_by("name"))
    # The stage list is JSON; filtering in Python keeps it portable and the registry is small.
    return [i for i in found if stage in i.stages] if stage else found


@dataclass
class GapRow:
    stage: str
    label: str
    instruments: list
    open_count: int

    @property
    def has_none(self) -> bool:
        return not self.instruments

    @property
    def is_closed(self) -> bool:
        return bool(self.instruments) and self.open_count == 0


def gap_view(*, today=None) -> list[GapRow]:
    """Per stage, which instruments serve it and whether any takes applications now."""
    instruments = list(Instrument.objects.select_related("owner").order_by("name"))
    rows = []
    for stage in FUNNEL:
        serving = [i for i in instruments if stage in i.stages]
        open_count = sum(1 for i in serving if i.intake_state(today) in {IntakeState.OPEN, IntakeState.ROLLING})
        rows.append(GapRow(stage=stage, label=Stage(stage).label, instruments=serving, open_count=open_count))
    return rows


def stay_history_prefetch() -> Prefetch:
    return Prefetch("stays", queryset=StageStay.objects.order_by("entered_at", "id"))


def _decisions() -> QuerySet[GateDecision]:
    return GateDecision.objects.select_related("proposed_by", "decided_by").prefetch_related("goals")


def decision_list(*, initiative: Initiative) -> QuerySet[GateDecision]:
    """An initiative's decisions and proposals, newest first, with people and goals."""
    return _decisions().filter(initiative=initiative).order_by("-proposed_at", "-id")


def decision_get(*, decision_id: int) -> GateDecision:
    return _decisions().get(pk=decision_id)
