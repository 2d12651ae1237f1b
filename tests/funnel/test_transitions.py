"""The transition matrix: every (from stage, to stage, role), through the real services.

The expected table is written out here by hand from states.py and rules.py, not computed
from TRANSITIONS, so a change to the table has to be made in both places on purpose:

* forward one stage at a time: idea → prototype → pilot → adoption → scale;
* back only to the previous stage (with a reason), and only the operator decides it;
* any active stage → stopped (with lessons learned); stopped is terminal;
* the operator decides every move (move_decide); the sponsoring agency's members and
  administrators may propose forward moves and stops (move_propose), never a step back.

A refusal raises Forbidden (no permission) or ServiceError "illegal_move" (not in the
table) and changes nothing: no stage, stay, decision, goal, audit event or queued task."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from govtech.accounts.models import MembershipRole
from govtech.core import audit
from govtech.core.errors import Forbidden, ServiceError
from govtech.core.models import AuditEvent
from govtech.funnel import services
from govtech.funnel.models import DecisionStatus, GateDecision, StageStay
from tests.factories import AgencyFactory, MembershipFactory, SupplierFactory, UserFactory
from tests.funnel.factories import InitiativeFactory
from tests.funnel.state import funnel_state

pytestmark = pytest.mark.django_db

STAGES = ["idea", "prototype", "pilot", "adoption", "scale", "stopped"]

# (from, to) -> kind. Every pair not listed is not a move at all.
MOVES = {
    ("idea", "prototype"): "forward",
    ("prototype", "pilot"): "forward",
    ("pilot", "adoption"): "forward",
    ("adoption", "scale"): "forward",
    ("prototype", "idea"): "back",
    ("pilot", "prototype"): "back",
    ("adoption", "pilot"): "back",
    ("scale", "adoption"): "back",
    ("idea", "stopped"): "stop",
    ("prototype", "stopped"): "stop",
    ("pilot", "stopped"): "stop",
    ("adoption", "stopped"): "stop",
    ("scale", "stopped"): "stop",
}

ROLES = [
    "anonymous",
    "resident",
    "supplier_admin",
    "sponsor_member",
    "sponsor_admin",
    "other_agency_admin",
    "expert",
    "operator",
]
DECIDERS = {"operator"}
PROPOSERS = {"sponsor_member", "sponsor_admin"}
PROPOSABLE_KINDS = {"forward", "stop"}

MOVE_INPUT = {
    "rationale": "Цели этапа достигнуты, решение согласовано с департаментом.",
    "goals": [{"metric": "Холостые рейсы мусоровозов", "unit": "%", "baseline": 40, "target": 20, "measured": 17}],
    "evidence_links": ["https://example.org/pilot-report.pdf"],
    "lessons_learned": "Датчики не переживают зиму без подогрева: нужна другая модель корпуса.",
}

ALL_CASES = [(source, target, role) for source in STAGES for target in STAGES for role in ROLES]


def _expected_decide(source: str, target: str, role: str):
    if role not in DECIDERS:
        return Forbidden
    return "moved" if (source, target) in MOVES else "illegal_move"


def _expected_propose(source: str, target: str, role: str):
    if role not in PROPOSERS:
        return Forbidden
    return "proposed" if MOVES.get((source, target)) in PROPOSABLE_KINDS else "illegal_move"


@pytest.fixture
def cast(db):
    """One actor per role; the initiative's sponsor is ``sponsor``."""
    sponsor = AgencyFactory()
    other_agency = AgencyFactory()
    supplier = SupplierFactory()
    actors = {
        "anonymous": AnonymousUser(),
        "resident": UserFactory(),
        "supplier_admin": UserFactory(),
        "sponsor_member": UserFactory(),
        "sponsor_admin": UserFactory(),
        "other_agency_admin": UserFactory(),
        "expert": UserFactory(is_expert=True),
        "operator": UserFactory(is_operator=True, is_staff=True),
    }
    MembershipFactory(user=actors["supplier_admin"], organization=supplier, role=MembershipRole.ADMIN)
    MembershipFactory(user=actors["sponsor_member"], organization=sponsor, role=MembershipRole.MEMBER)
    MembershipFactory(user=actors["sponsor_admin"], organization=sponsor, role=MembershipRole.ADMIN)
    MembershipFactory(user=actors["other_agency_admin"], organization=other_agency, role=MembershipRole.ADMIN)
    return {"sponsor": sponsor, "actors": actors}


@pytest.fixture
def refused(refused_checker):
    return refused_checker(funnel_state)


def _initiative_in(stage: str, sponsor):
    entered = timezone.now() - timedelta(days=30)
    return InitiativeFactory(
        stage=stage, stage_entered_at=entered, sponsor=sponsor, lessons_learned="" if stage != "stopped" else "Итоги."
    )


def test_the_matrix_covers_every_pair_and_role():
    assert len(ALL_CASES) == 6 * 6 * 8
    assert all(source != "stopped" for source, _target in MOVES)  # stopped is terminal
    backs = [(s, t) for (s, t), kind in MOVES.items() if kind == "back"]
    assert all(STAGES.index(t) == STAGES.index(s) - 1 for s, t in backs)  # one step only


@pytest.mark.parametrize(("source", "target", "role"), ALL_CASES)
def test_move_decide(cast, refused, django_capture_on_commit_callbacks, source, target, role):
    actor = cast["actors"][role]
    initiative = _initiative_in(source, cast["sponsor"])
    entered_before = initiative.stage_entered_at
    expected = _expected_decide(source, target, role)

    if expected is Forbidden:
        with refused(Forbidden):
            services.move_decide(actor=actor, initiative=initiative, to_stage=target, **MOVE_INPUT)
        return
    if expected == "illegal_move":
        with refused(ServiceError, code="illegal_move"):
            services.move_decide(actor=actor, initiative=initiative, to_stage=target, **MOVE_INPUT)
        return

    events_before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks() as callbacks:
        decision = services.move_decide(actor=actor, initiative=initiative, to_stage=target, **MOVE_INPUT)
    initiative.refresh_from_db()
    assert initiative.stage == target
    assert initiative.stage_entered_at == decision.decided_at > entered_before
    assert (decision.status, decision.kind, decision.from_stage) == (
        DecisionStatus.APPROVED,
        MOVES[source, target],
        source,
    )
    assert decision.decided_by == actor
    old, new = StageStay.objects.filter(initiative=initiative).order_by("entered_at", "id")
    assert (old.stage, new.stage, new.decision_id) == (source, target, decision.pk)
    assert old.exited_at == new.entered_at == decision.decided_at
    assert new.exited_at is None
    if target == "stopped":
        assert initiative.lessons_learned == MOVE_INPUT["lessons_learned"]
    actions = list(AuditEvent.objects.order_by("sequence")[events_before:].values_list("action", flat=True))
    assert actions == ["decision.decided", "initiative.moved"]
    assert audit.verify_chain() == []
    assert callbacks, "followers are notified after commit"


@pytest.mark.parametrize(("source", "target", "role"), ALL_CASES)
def test_move_propose(cast, refused, django_capture_on_commit_callbacks, source, target, role):
    actor = cast["actors"][role]
    initiative = _initiative_in(source, cast["sponsor"])
    entered_before = initiative.stage_entered_at
    expected = _expected_propose(source, target, role)

    if expected is Forbidden:
        with refused(Forbidden):
            services.move_propose(actor=actor, initiative=initiative, to_stage=target, **MOVE_INPUT)
        return
    if expected == "illegal_move":
        with refused(ServiceError, code="illegal_move"):
            services.move_propose(actor=actor, initiative=initiative, to_stage=target, **MOVE_INPUT)
        return

    stays_before = list(StageStay.objects.filter(initiative=initiative).values())
    events_before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks() as callbacks:
        decision = services.move_propose(actor=actor, initiative=initiative, to_stage=target, **MOVE_INPUT)
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.stage_entered_at) == (source, entered_before)
    assert list(StageStay.objects.filter(initiative=initiative).values()) == stays_before
    assert GateDecision.objects.get(initiative=initiative) == decision
    assert (decision.status, decision.kind, decision.to_stage) == (
        DecisionStatus.PROPOSED,
        MOVES[source, target],
        target,
    )
    assert (decision.proposed_by, decision.decided_by, decision.decided_at) == (actor, None, None)
    actions = list(AuditEvent.objects.order_by("sequence")[events_before:].values_list("action", flat=True))
    assert actions == ["decision.proposed"]
    assert audit.verify_chain() == []
    assert len(callbacks) == 1, "the operators are told of the proposal after commit"
