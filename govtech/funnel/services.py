"""Every write in the funnel. Each function checks the actor's permission, runs in one
transaction with the initiative row locked, records an audit event and notifies after commit."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govtech.accounts.models import Organization, OrganizationKind
from govtech.core import audit
from govtech.core.errors import Conflict, ServiceError, reject_unknown_fields
from govtech.core.permissions import require_perm
from govtech.core.text import unique_slug
from govtech.funnel import notification_kinds
from govtech.funnel.models import (
    DecisionStatus,
    Evidence,
    GateDecision,
    Goal,
    Initiative,
    Instrument,
    StageStay,
    Tag,
    TeamMember,
)
from govtech.funnel.states import FUNNEL, Move, MoveKind, Stage, move_between
from govtech.notifications import services as notifications

INITIATIVE_FIELDS = [
    "title",
    "summary",
    "problem",
    "topic",
    "origin",
    "origin_url",
    "sponsor",
    "instrument",
    "visibility",
]
# Words the instrument URLs use themselves (/instruments/gaps/, /instruments/new/).
INSTRUMENT_RESERVED_SLUGS = frozenset({"gaps", "new"})
INSTRUMENT_FIELDS = [
    "name",
    "kind",
    "owner",
    "description",
    "stages",
    "intake_opens_on",
    "intake_closes_on",
    "status",
    "url",
]


@dataclass(frozen=True)
class GoalInput:
    metric: str
    unit: str
    baseline: Decimal
    target: Decimal
    measured: Decimal

    @classmethod
    def parse(cls, data) -> "GoalInput":
        """A goal from a form or the API: a metric and a unit, and three finite numbers that fit
        the goal's columns; anything else is refused as a whole."""
        message = _("Each goal needs a metric, a unit, and numbers for baseline, target and measured value.")
        if isinstance(data, GoalInput):
            data = data.__dict__
        if not isinstance(data, dict):
            raise ServiceError(message, field="goals")
        try:
            goal = cls(
                metric=str(data["metric"]).strip(),
                unit=str(data["unit"]).strip(),
                baseline=_number(data["baseline"]),
                target=_number(data["target"]),
                measured=_number(data["measured"]),
            )
        except (KeyError, InvalidOperation, TypeError, ValueError) as exc:
            raise ServiceError(message, field="goals") from exc
        if not goal.metric or not goal.unit:
            raise ServiceError(message, field="goals")
        try:
            Goal(**goal.__dict__).full_clean(exclude=["decision"])
        except ValidationError as exc:
            raise ServiceError(message, field="goals") from exc
        return goal


def _number(value) -> Decimal:
    # bool is an int and float("nan") parses: neither is a measured value.
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    number = Decimal(str(value).strip().replace(",", "."))
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


def _parse_goals(goals) -> list[GoalInput]:
    return [GoalInput.parse(goal) for goal in goals or []]


def _set_tags(initiative: Initiative, tags) -> None:
    names = sorted({str(tag).strip().lower()[:50] for tag in tags or [] if str(tag).strip()})
    objects = [Tag.objects.get_or_create(name=name)[0] for name in names]
    initiative.tags.set(objects)


def _check_sponsor(sponsor: Organization) -> None:
    if not isinstance(sponsor, Organization) or sponsor.kind != OrganizationKind.AGENCY:
        raise ServiceError(_("The sponsor must be a city agency."), field="sponsor")


def _snapshot(initiative: Initiative) -> dict:
    data = audit.snapshot(initiative, [*INITIATIVE_FIELDS, "stage"])
    data["tags"] = sorted(initiative.tags.values_list("name", flat=True)) if initiative.pk else []
    return data


# --- initiatives ------------------------------------------------------------


@transaction.atomic
def initiative_create(
    *,
    actor,
    title: str,
    summary: str,
    topic: str,
    origin: str,
    sponsor: Organization,
    tags=(),
    entered_at: datetime | None = None,
    **fields,
) -> Initiative:
    """The operator, or a member of the sponsoring agency, puts a project into the funnel at ``idea``.
    ``entered_at`` records a project that entered the funnel earlier (never in the future)."""
    require_perm(actor, "funnel.add_initiative", sponsor)
    _check_sponsor(sponsor)
    reject_unknown_fields(fields, set(INITIATIVE_FIELDS) | {"origin_type", "origin_id"})
    now = _decision_time(entered_at, field="entered_at")
    initiative = Initiative(
        title=title.strip(),
        summary=summary.strip(),
        topic=topic,
        origin=origin,
        sponsor=sponsor,
        stage=Stage.IDEA,
        stage_entered_at=now,
        created_by=actor,
        **fields,
    )
    initiative.slug = unique_slug(Initiative, title, "initiative")
    initiative.full_clean()
    initiative.save()
    _set_tags(initiative, tags)
    StageStay.objects.create(initiative=initiative, stage=Stage.IDEA, entered_at=now)
    audit.record(actor=actor, action="initiative.created", target=initiative, after=_snapshot(initiative))
    return initiative


@transaction.atomic
def initiative_update(*, actor, initiative: Initiative, tags=None, **fields) -> Initiative:
    """The operator or the sponsoring agency's administrators edit the description; the stage
    changes only through gate decisions."""
    require_perm(actor, "funnel.change_initiative", initiative)
    reject_unknown_fields(fields, set(INITIATIVE_FIELDS))
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    before = _snapshot(initiative)
    if "sponsor" in fields and fields["sponsor"] != initiative.sponsor:
        # Handing an initiative to another agency: the actor must be able to start one there too.
        _check_sponsor(fields["sponsor"])
        require_perm(actor, "funnel.add_initiative", fields["sponsor"])
    for name, value in fields.items():
        setattr(initiative, name, value)
    initiative.full_clean()
    initiative.save()
    if tags is not None:
        _set_tags(initiative, tags)
    audit.record(
        actor=actor, action="initiative.updated", target=initiative, before=before, after=_snapshot(initiative)
    )
    return initiative


@transaction.atomic
def team_member_add(*, actor, initiative: Initiative, role: str, user=None, organization=None) -> TeamMember:
    """The operator or the sponsoring agency's administrators add a person or an organization
    (never both) to the team, once per role."""
    require_perm(actor, "funnel.change_initiative", initiative)
    if (user is None) == (organization is None):
        raise ServiceError(_("Add either a person or an organization."), field="user")
    member = TeamMember(initiative=initiative, user=user, organization=organization, role=role)
    # A duplicate is a Conflict, not a validation error; the unique constraints still catch a race below.
    member.full_clean(validate_constraints=False)
    if TeamMember.objects.filter(initiative=initiative, user=user, organization=organization, role=role).exists():
        raise Conflict(_("Already on the team in this role."), code="already_on_team")
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        raise Conflict(_("Already on the team in this role."), code="already_on_team") from exc
    audit.record(
        actor=actor,
        action="initiative.team_added",
        target=initiative,
        after={"user": getattr(user, "pk", None), "organization": getattr(organization, "pk", None), "role": role},
    )
    return member


@transaction.atomic
def team_member_remove(*, actor, member: TeamMember) -> None:
    """The same people who add team members remove them."""
    require_perm(actor, "funnel.change_initiative", member.initiative)
    audit.record(
        actor=actor,
        action="initiative.team_removed",
        target=member.initiative,
        before={"user": member.user_id, "organization": member.organization_id, "role": member.role},
    )
    member.delete()


# --- moves through the funnel ------------------------------------------------


def _validated_move(initiative: Initiative, to_stage: str, *, rationale: str, goals, lessons_learned: str) -> Move:
    move = move_between(initiative.stage, to_stage)
    if move is None:
        raise ServiceError(
            _("An initiative in the stage «%(source)s» cannot move to «%(target)s».")
            % {
                "source": Stage(initiative.stage).label,
                "target": Stage(to_stage).label if to_stage in Stage.values else to_stage,
            },
            field="to_stage",
            code="illegal_move",
        )
    if not rationale.strip():
        message = (
            _("Give the reason for going back.") if move.needs_reason else _("Give the rationale for the decision.")
        )
        raise ServiceError(message, field="rationale")
    if move.needs_goals and not goals:
        raise ServiceError(_("A gate decision records at least one goal with its measured result."), field="goals")
    if move.needs_lessons and not lessons_learned.strip():
        raise ServiceError(_("Stopping an initiative requires published lessons learned."), field="lessons_learned")
    return move


_WEB_ADDRESS = URLValidator(schemes=["http", "https"])
MAX_LINK_LENGTH = 500


def _check_links(links) -> list[str]:
    """Evidence links are whole web addresses (http or https), never javascript: or file:."""
    if isinstance(links, str):
        links = [links]
    cleaned = []
    for link in links or []:
        link = str(link).strip()
        try:
            if len(link) > MAX_LINK_LENGTH:
                raise ValidationError("too long")
            _WEB_ADDRESS(link)
        except ValidationError as exc:
            raise ServiceError(
                _("Evidence links must be web addresses (http or https)."), field="evidence_links"
            ) from exc
        cleaned.append(link)
    return cleaned


def _record_goals_and_evidence(decision: GateDecision, goals: list[GoalInput], evidence_files) -> None:
    for goal in goals:
        Goal(decision=decision, **goal.__dict__).full_clean(exclude=["decision"])
    Goal.objects.bulk_create([Goal(decision=decision, **goal.__dict__) for goal in goals])
    for upload in evidence_files or []:
        evidence = Evidence(decision=decision, file=upload, title=upload.name[:200])
        evidence.full_clean()
        evidence.save()


def _apply_move(*, actor, initiative: Initiative, decision: GateDecision, at: datetime) -> None:
    """Close the current stay, open the next one and notify the team and followers."""
    before = initiative.stage
    open_stay = StageStay.objects.select_for_update().get(initiative=initiative, exited_at__isnull=True)
    _check_not_before_current_stay(initiative, at, open_stay=open_stay)
    open_stay.exited_at = at
    open_stay.save(update_fields=["exited_at"])
    StageStay.objects.create(initiative=initiative, stage=decision.to_stage, entered_at=at, decision=decision)
    initiative.stage = decision.to_stage
    initiative.stage_entered_at = at
    if decision.kind == MoveKind.STOP:
        initiative.lessons_learned = decision.lessons_learned
    initiative.save(update_fields=["stage", "stage_entered_at", "lessons_learned", "updated_at"])
    audit.record(
        actor=actor,
        action="initiative.moved",
        target=initiative,
        before={"stage": before},
        after={"stage": initiative.stage, "decision": decision.pk, "kind": decision.kind},
    )
    params = {"initiative": initiative.title, "stage": initiative.stage}
    url = initiative.get_absolute_url()
    # The decider knows already; everyone else on the team hears of it.
    team_ids = list(
        initiative.team.filter(user__isnull=False).exclude(user_id=actor.pk).values_list("user_id", flat=True)
    )
    notifications.notify(kind=notification_kinds.STAGE_CHANGED.key, recipient_ids=team_ids, params=params, url=url)
    if initiative.is_public:
        notifications.notify_followers(
            kind=notification_kinds.STAGE_CHANGED.key,
            target=initiative,
            params=params,
            url=url,
            exclude_user_id=actor.pk,
        )


def _decision_time(decided_at: datetime | None, *, field: str = "decided_at") -> datetime:
    now = timezone.now()
    if decided_at is None:
        return now
    if timezone.is_naive(decided_at):
        decided_at = timezone.make_aware(decided_at)
    if decided_at > now:
        raise ServiceError(_("A decision cannot be dated in the future."), field=field)
    return decided_at


def _check_not_before_current_stay(initiative: Initiative, at: datetime, *, open_stay: StageStay | None = None) -> None:
    """Stays follow each other without gaps or overlaps, so a decision cannot be dated before
    the initiative entered the stage it leaves."""
    entered_at = open_stay.entered_at if open_stay else initiative.stage_entered_at
    if at < entered_at:
        raise ServiceError(_("The decision cannot predate the initiative's entry into its stage."), field="decided_at")


def _new_decision(
    initiative: Initiative,
    move: Move,
    *,
    actor,
    at,
    rationale: str,
    lessons_learned: str,
    evidence_links,
    decided: bool,
) -> GateDecision:
    """A decided move, or a proposal waiting for an operator."""
    return GateDecision.objects.create(
        initiative=initiative,
        from_stage=move.source,
        to_stage=move.target,
        kind=move.kind,
        status=DecisionStatus.APPROVED if decided else DecisionStatus.PROPOSED,
        rationale=rationale.strip(),
        lessons_learned=lessons_learned.strip(),
        evidence_links=_check_links(evidence_links),
        proposed_by=actor,
        proposed_at=at,
        decided_by=actor if decided else None,
        decided_at=at if decided else None,
    )


@transaction.atomic
def move_decide(
    *,
    actor,
    initiative: Initiative,
    to_stage: str,
    rationale: str,
    goals=(),
    evidence_links=(),
    evidence_files=(),
    lessons_learned: str = "",
    decided_at: datetime | None = None,
) -> GateDecision:
    """The operator moves an initiative: forward through a gate (with SMART goals and their
    measured results), back one stage (with a reason), or to ``stopped`` (with lessons learned).
    ``decided_at`` records a decision taken earlier, for example one kept on paper."""
    require_perm(actor, "funnel.decide_move", initiative)
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if GateDecision.objects.filter(initiative=initiative, status=DecisionStatus.PROPOSED).exists():
        raise Conflict(_("A proposed move is waiting: approve or reject it first."), code="proposal_pending")
    parsed = _parse_goals(goals)
    move = _validated_move(initiative, to_stage, rationale=rationale, goals=parsed, lessons_learned=lessons_learned)
    at = _decision_time(decided_at)
    _check_not_before_current_stay(initiative, at)
    decision = _new_decision(
        initiative,
        move,
        actor=actor,
        at=at,
        rationale=rationale,
        lessons_learned=lessons_learned,
        evidence_links=evidence_links,
        decided=True,
    )
    _record_goals_and_evidence(decision, parsed, evidence_files)
    audit.record(actor=actor, action="decision.decided", target=decision, after=_decision_snapshot(decision))
    _apply_move(actor=actor, initiative=initiative, decision=decision, at=at)
    return decision


@transaction.atomic
def move_by_module_decision(
    *, actor, initiative: Initiative, to_stage: str, rationale: str, goals=(), evidence_links=()
) -> list[GateDecision]:
    """Another module took an official decision that carries the initiative forward (a challenge
    panel advanced its supplier, for example): record it as the gate decision, one stage at a time.
    An initiative already at or past that stage, or stopped, stays where it is."""
    require_perm(actor, "funnel.record_module_decision", initiative)
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if to_stage not in FUNNEL or initiative.stage not in FUNNEL:
        return []
    parsed = _parse_goals(goals)
    decisions = []
    at = timezone.now()
    while FUNNEL.index(initiative.stage) < FUNNEL.index(to_stage):
        next_stage = FUNNEL[FUNNEL.index(initiative.stage) + 1]
        move = _validated_move(initiative, next_stage, rationale=rationale, goals=parsed, lessons_learned="")
        decision = _new_decision(
            initiative,
            move,
            actor=actor,
            at=at,
            rationale=rationale,
            lessons_learned="",
            evidence_links=evidence_links,
            decided=True,
        )
        _record_goals_and_evidence(decision, parsed, ())
        audit.record(actor=actor, action="decision.decided", target=decision, after=_decision_snapshot(decision))
        _apply_move(actor=actor, initiative=initiative, decision=decision, at=at)
        decisions.append(decision)
    return decisions


@transaction.atomic
def move_propose(
    *,
    actor,
    initiative: Initiative,
    to_stage: str,
    rationale: str,
    goals=(),
    evidence_links=(),
    evidence_files=(),
    lessons_learned: str = "",
) -> GateDecision:
    """The sponsoring agency proposes a forward move or a stop; an operator decides it."""
    require_perm(actor, "funnel.propose_move", initiative)
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    candidate = move_between(initiative.stage, to_stage)
    if candidate is not None and candidate.kind == MoveKind.BACK:
        raise ServiceError(_("Only an operator moves an initiative back."), field="to_stage", code="illegal_move")
    parsed = _parse_goals(goals)
    move = _validated_move(initiative, to_stage, rationale=rationale, goals=parsed, lessons_learned=lessons_learned)
    now = timezone.now()
    try:
        with transaction.atomic():
            decision = _new_decision(
                initiative,
                move,
                actor=actor,
                at=now,
                rationale=rationale,
                lessons_learned=lessons_learned,
                evidence_links=evidence_links,
                decided=False,
            )
    except IntegrityError as exc:
        raise Conflict(_("A move is already proposed for this initiative."), code="proposal_pending") from exc
    _record_goals_and_evidence(decision, parsed, evidence_files)
    audit.record(actor=actor, action="decision.proposed", target=decision, after=_decision_snapshot(decision))
    operators = get_user_model().objects.filter(is_operator=True, is_active=True).values_list("pk", flat=True)
    notifications.notify(
        kind=notification_kinds.MOVE_PROPOSED.key,
        recipient_ids=operators,
        params={"initiative": initiative.title, "stage": move.target},
        url=initiative.get_absolute_url(),
    )
    return decision


def _locked_proposal(decision: GateDecision) -> GateDecision:
    decision = GateDecision.objects.select_for_update().select_related("initiative").get(pk=decision.pk)
    if decision.status != DecisionStatus.PROPOSED:
        raise Conflict(_("This proposal has already been decided."), code="not_proposed")
    return decision


@transaction.atomic
def proposal_approve(*, actor, decision: GateDecision, note: str = "") -> GateDecision:
    """The operator approves an agency's proposal; the initiative must still be where it was."""
    require_perm(actor, "funnel.decide_move", decision.initiative)
    Initiative.objects.select_for_update().get(pk=decision.initiative_id)
    decision = _locked_proposal(decision)
    initiative = decision.initiative
    if initiative.stage != decision.from_stage:
        raise Conflict(_("The initiative has moved since the proposal; reject it instead."), code="stale_proposal")
    now = timezone.now()
    decision.status = DecisionStatus.APPROVED
    decision.decided_by, decision.decided_at, decision.decision_note = actor, now, note.strip()
    decision.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    audit.record(actor=actor, action="decision.approved", target=decision, after=_decision_snapshot(decision))
    _apply_move(actor=actor, initiative=initiative, decision=decision, at=now)
    return decision


@transaction.atomic
def proposal_reject(*, actor, decision: GateDecision, note: str) -> GateDecision:
    """The operator rejects an agency's proposal with a note; the proposer is told why."""
    require_perm(actor, "funnel.decide_move", decision.initiative)
    if not note.strip():
        raise ServiceError(_("Say why the proposal is rejected."), field="note")
    decision = _locked_proposal(decision)
    decision.status = DecisionStatus.REJECTED
    decision.decided_by, decision.decided_at, decision.decision_note = actor, timezone.now(), note.strip()
    decision.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    audit.record(actor=actor, action="decision.rejected", target=decision, after=_decision_snapshot(decision))
    if decision.proposed_by_id:
        notifications.notify(
            kind=notification_kinds.PROPOSAL_REJECTED.key,
            recipient_ids=[decision.proposed_by_id],
            params={"initiative": decision.initiative.title, "stage": decision.to_stage},
            url=decision.initiative.get_absolute_url(),
        )
    return decision


def _decision_snapshot(decision: GateDecision) -> dict:
    data = audit.snapshot(
        decision,
        ["initiative", "from_stage", "to_stage", "kind", "status", "rationale", "lessons_learned", "evidence_links"],
    )
    data["goals"] = audit.to_json_value(list(decision.goals.values("metric", "unit", "baseline", "target", "measured")))
    return data


# --- instruments ------------------------------------------------------------


def _clean_stages(stages) -> list[str]:
    """The stages an instrument serves: known funnel stages (never ``stopped``), at least one,
    kept in funnel order without repeats."""
    if isinstance(stages, str) or not isinstance(stages, list | tuple | set | frozenset):
        raise ServiceError(_("Choose at least one funnel stage."), field="stages")
    chosen = {str(stage) for stage in stages}
    if not chosen or chosen - set(FUNNEL):
        raise ServiceError(_("Choose at least one funnel stage."), field="stages")
    return [str(stage) for stage in FUNNEL if stage in chosen]


@transaction.atomic
def instrument_create(*, actor, name: str, **fields) -> Instrument:
    """Only the operator keeps the registry of the city's support programmes."""
    require_perm(actor, "funnel.manage_instrument")
    reject_unknown_fields(fields, set(INSTRUMENT_FIELDS))
    fields["stages"] = _clean_stages(fields.get("stages"))
    instrument = Instrument(
        name=name.strip(),
        slug=unique_slug(Instrument, name, "instrument", reserved=INSTRUMENT_RESERVED_SLUGS),
        **fields,
    )
    instrument.full_clean()
    instrument.save()
    audit.record(
        actor=actor, action="instrument.created", target=instrument, after=audit.snapshot(instrument, INSTRUMENT_FIELDS)
    )
    return instrument


@transaction.atomic
def instrument_update(*, actor, instrument: Instrument, **fields) -> Instrument:
    """Only the operator edits the registry; the stages are checked as on creation."""
    require_perm(actor, "funnel.manage_instrument")
    reject_unknown_fields(fields, set(INSTRUMENT_FIELDS))
    if "stages" in fields:
        fields["stages"] = _clean_stages(fields["stages"])
    instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
    before = audit.snapshot(instrument, INSTRUMENT_FIELDS)
    for name, value in fields.items():
        setattr(instrument, name, value)
    instrument.full_clean()
    instrument.save()
    audit.record(
        actor=actor,
        action="instrument.updated",
        target=instrument,
        before=before,
        after=audit.snapshot(instrument, INSTRUMENT_FIELDS),
    )
    return instrument
