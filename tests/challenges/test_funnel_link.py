"""The funnel link: advancing a supplier creates or moves its project's initiative, with the
panel's decision as the gate record (its rationale, and the panel score as the measured goal)."""

from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType

from govtech.challenges import services
from govtech.challenges.models import Challenge, ChallengeStatus, Submission
from govtech.funnel import services as funnel
from govtech.funnel.models import DecisionStatus, GateDecision, Initiative, Origin, StageStay
from govtech.funnel.states import Stage
from tests.challenges.factories import ChallengeFactory
from tests.challenges.helpers import T0, at, close_panel, decidable_challenge, evaluated
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# decidable_challenge scores the first submission 8 and 7 of 10 on criteria weighing 60 and 40.
PANEL_MEAN = Decimal("76.00")


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _stages(initiative) -> list[str]:
    return list(
        StageStay.objects.filter(initiative=initiative).order_by("entered_at", "pk").values_list("stage", flat=True)
    )


@pytest.mark.parametrize("role", ["agency_admin", "operator"])
def test_advancing_in_a_feasibility_phase_puts_the_project_at_prototype(people, clock, agency, supplier, role):
    challenge, phase, (submission,) = decidable_challenge(agency, [supplier], topic="transport")
    actor = people[role]
    services.submission_decide(actor=actor, submission=submission, advance=True, rationale="Лучшая модель данных")
    submission.refresh_from_db()
    initiative = submission.initiative
    assert initiative is not None
    assert (initiative.stage, initiative.origin, initiative.sponsor, initiative.topic) == (
        Stage.PROTOTYPE,
        Origin.CHALLENGE_SUBMISSION,
        agency,
        "transport",
    )
    assert (initiative.title, initiative.created_by) == (submission.title, actor)
    assert (initiative.origin_type, initiative.origin_id) == (
        ContentType.objects.get_for_model(Submission),
        str(submission.pk),
    )
    assert initiative.origin_url.endswith(challenge.get_absolute_url())
    assert _stages(initiative) == [Stage.IDEA, Stage.PROTOTYPE]

    decision = initiative.decisions.get()
    assert (decision.from_stage, decision.to_stage, decision.status, decision.decided_by) == (
        Stage.IDEA,
        Stage.PROTOTYPE,
        DecisionStatus.APPROVED,
        actor,
    )
    assert "Лучшая модель данных" in decision.rationale
    assert challenge.title in decision.rationale and phase.name in decision.rationale
    goal = decision.goals.get()
    assert (goal.baseline, goal.target, goal.measured) == (Decimal("0"), Decimal("50"), PANEL_MEAN)
    assert decision.evidence_links == [initiative.origin_url]


@pytest.mark.parametrize(("kind", "stage"), [("prototype", Stage.PROTOTYPE), ("pilot", Stage.PILOT)])
def test_the_phase_kind_decides_the_stage(people, clock, agency, supplier, kind, stage):
    _challenge, _phase, (submission,) = decidable_challenge(agency, [supplier], phase={"kind": kind})
    services.submission_decide(actor=people["agency_admin"], submission=submission, advance=True, rationale="Да")
    submission.refresh_from_db()
    assert submission.initiative.stage == stage


def test_a_pilot_only_challenge_walks_the_project_through_every_gate(people, clock, agency, supplier):
    _challenge, _phase, (submission,) = decidable_challenge(agency, [supplier], phase={"kind": "pilot"})
    services.submission_decide(actor=people["agency_admin"], submission=submission, advance=True, rationale="Пилот")
    initiative = Submission.objects.get(pk=submission.pk).initiative
    assert _stages(initiative) == [Stage.IDEA, Stage.PROTOTYPE, Stage.PILOT]
    decisions = list(initiative.decisions.order_by("pk"))
    assert [(d.from_stage, d.to_stage) for d in decisions] == [
        (Stage.IDEA, Stage.PROTOTYPE),
        (Stage.PROTOTYPE, Stage.PILOT),
    ]
    for decision in decisions:
        assert "Пилот" in decision.rationale
        assert decision.goals.get().measured == PANEL_MEAN


def test_not_advancing_creates_nothing(people, clock, agency, supplier):
    _challenge, _phase, (submission,) = decidable_challenge(agency, [supplier])
    services.submission_decide(actor=people["agency_admin"], submission=submission, advance=False, rationale="Дорого")
    submission.refresh_from_db()
    assert submission.initiative is None
    assert not Initiative.objects.exists()
    assert not GateDecision.objects.exists()


def test_undecided_submissions_closed_by_the_results_create_nothing(people, clock, agency, supplier):
    _challenge, phase, _submissions = decidable_challenge(agency, [supplier])
    services.phase_publish_results(actor=people["agency_admin"], phase=phase)
    assert not Initiative.objects.exists()


def _two_phases(agency, supplier):
    """Feasibility (over, panel closed) then pilot (over, panel closed); the same experts."""
    challenge = ChallengeFactory(
        owner=agency,
        phases=[
            {"opens_at": at(-40), "closes_at": at(-30), "advance_cap": 1},
            {"opens_at": at(-20), "closes_at": at(-1), "advance_cap": 1, "kind": "pilot"},
        ],
    )
    first, second = challenge.phases.order_by("number")
    experts = [UserFactory(is_expert=True), UserFactory(is_expert=True)]
    early = evaluated(first, supplier, experts=experts, values=[[6, 6], [8, 8]], submitted_at=at(-35))
    close_panel(early)
    late = evaluated(second, supplier, experts=experts, values=[[9, 9], [9, 9]], submitted_at=at(-15))
    close_panel(late)
    return challenge, early, late


def _start_evaluation(challenge) -> None:
    Challenge.objects.filter(pk=challenge.pk).update(status=ChallengeStatus.EVALUATION)


def test_advancing_in_a_later_phase_moves_the_same_initiative(people, clock, agency, supplier):
    challenge, early, late = _two_phases(agency, supplier)
    owner = people["agency_admin"]
    services.submission_decide(actor=owner, submission=early, advance=True, rationale="Реализуемо")
    initiative = Submission.objects.get(pk=early.pk).initiative
    assert initiative.stage == Stage.PROTOTYPE
    _start_evaluation(challenge)
    services.submission_decide(actor=owner, submission=late, advance=True, rationale="Пилот успешен")
    late.refresh_from_db()
    assert late.initiative == initiative
    assert Initiative.objects.count() == 1
    initiative.refresh_from_db()
    assert initiative.stage == Stage.PILOT
    second_gate = initiative.decisions.order_by("pk").last()
    assert (second_gate.from_stage, second_gate.to_stage) == (Stage.PROTOTYPE, Stage.PILOT)
    assert "Пилот успешен" in second_gate.rationale
    assert second_gate.goals.get().measured == Decimal("90.00")  # 60·9/10 + 40·9/10


def test_an_initiative_stopped_meanwhile_is_left_alone(people, clock, agency, supplier):
    challenge, early, late = _two_phases(agency, supplier)
    owner = people["agency_admin"]
    services.submission_decide(actor=owner, submission=early, advance=True, rationale="Реализуемо")
    initiative = Submission.objects.get(pk=early.pk).initiative
    funnel.move_decide(
        actor=people["operator"],
        initiative=initiative,
        to_stage=Stage.STOPPED,
        rationale="Команда распалась.",
        lessons_learned="Без ключевого инженера прототип не довести.",
    )
    decisions = initiative.decisions.count()
    _start_evaluation(challenge)
    late = services.submission_decide(actor=owner, submission=late, advance=True, rationale="Пилот всё же хорош")
    assert late.status == "advanced"
    initiative.refresh_from_db()
    assert initiative.stage == Stage.STOPPED
    assert initiative.decisions.count() == decisions
    assert Initiative.objects.count() == 1
