"""The funnel link: publishing a phase's results carries every advanced supplier's project into
the funnel (creates or moves its initiative), with the panel's decision as the gate record (its
rationale, and the panel score as the measured goal). Deciding alone touches nothing: an
initiative is public, so it appears only when the results are."""

from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType

from govtech.challenges import services
from govtech.challenges.models import Submission
from govtech.funnel import services as funnel
from govtech.funnel.models import DecisionStatus, GateDecision, Initiative, Origin, StageStay
from govtech.funnel.states import Stage
from tests.challenges.factories import ChallengeFactory
from tests.challenges.helpers import T0, at, close_panel, decidable_challenge, evaluated
from tests.factories import SupplierFactory, UserFactory

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


def _advance_and_publish(actor, submission, phase, rationale: str) -> Submission:
    services.submission_decide(actor=actor, submission=submission, advance=True, rationale=rationale)
    services.phase_publish_results(actor=actor, phase=phase)
    return Submission.objects.get(pk=submission.pk)


@pytest.mark.parametrize("role", ["agency_admin", "operator"])
def test_advancing_in_a_feasibility_phase_puts_the_project_at_prototype(people, clock, agency, supplier, role):
    challenge, phase, (submission,) = decidable_challenge(agency, [supplier], topic="transport")
    actor = people[role]
    submission = _advance_and_publish(actor, submission, phase, "Лучшая модель данных")
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
    _challenge, phase, (submission,) = decidable_challenge(agency, [supplier], phase={"kind": kind})
    submission = _advance_and_publish(people["agency_admin"], submission, phase, "Да")
    assert submission.initiative.stage == stage


def test_a_pilot_only_challenge_walks_the_project_through_every_gate(people, clock, agency, supplier):
    _challenge, phase, (submission,) = decidable_challenge(agency, [supplier], phase={"kind": "pilot"})
    initiative = _advance_and_publish(people["agency_admin"], submission, phase, "Пилот").initiative
    assert _stages(initiative) == [Stage.IDEA, Stage.PROTOTYPE, Stage.PILOT]
    decisions = list(initiative.decisions.order_by("pk"))
    assert [(d.from_stage, d.to_stage) for d in decisions] == [
        (Stage.IDEA, Stage.PROTOTYPE),
        (Stage.PROTOTYPE, Stage.PILOT),
    ]
    for decision in decisions:
        assert "Пилот" in decision.rationale
        assert decision.goals.get().measured == PANEL_MEAN


def test_not_advancing_creates_nothing_even_once_published(people, clock, agency, supplier):
    _challenge, phase, (submission,) = decidable_challenge(agency, [supplier])
    services.submission_decide(actor=people["agency_admin"], submission=submission, advance=False, rationale="Дорого")
    services.phase_publish_results(actor=people["agency_admin"], phase=phase)
    submission.refresh_from_db()
    assert submission.initiative is None
    assert not Initiative.objects.exists()
    assert not GateDecision.objects.exists()


@pytest.mark.parametrize("role", ["agency_admin", "operator"])
def test_advancing_touches_the_funnel_only_when_the_results_are_published(
    people, clock, client_for, agency, supplier, role
):
    _challenge, phase, (submission, other) = decidable_challenge(
        agency, [supplier, SupplierFactory()], advance_cap=2, topic="transport"
    )
    actor = people[role]
    services.submission_decide(actor=actor, submission=submission, advance=True, rationale="Лучшая модель данных")
    services.submission_decide(actor=actor, submission=other, advance=True, rationale="Тоже хороша")
    # Decided, not yet public: no initiative, no gate, nothing in the funnel for anyone.
    assert Submission.objects.get(pk=submission.pk).status == "advanced"
    assert Submission.objects.get(pk=submission.pk).initiative is None
    assert not Initiative.objects.exists()
    assert not GateDecision.objects.exists()
    assert not StageStay.objects.exists()
    for reader in ("anonymous", "operator"):
        page = client_for(reader).get("/funnel/")
        assert page.status_code == 200
        assert submission.title not in page.content.decode()
    services.phase_publish_results(actor=actor, phase=phase)
    # Published: every advanced submission of the phase is in the funnel, and the public sees it.
    carried = Submission.objects.filter(pk__in=[submission.pk, other.pk]).order_by("pk")
    assert [s.initiative.stage for s in carried] == [Stage.PROTOTYPE, Stage.PROTOTYPE]
    assert Initiative.objects.count() == 2
    assert submission.title in client_for("anonymous").get("/funnel/").content.decode()


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


def _publish(actor, submission) -> Submission:
    services.phase_publish_results(actor=actor, phase=submission.phase)
    return Submission.objects.get(pk=submission.pk)


def test_advancing_in_a_later_phase_moves_the_same_initiative(people, clock, agency, supplier):
    challenge, early, late = _two_phases(agency, supplier)
    owner = people["agency_admin"]
    initiative = _advance_and_publish(owner, early, early.phase, "Реализуемо").initiative
    assert initiative.stage == Stage.PROTOTYPE
    services.challenge_start_evaluation(actor=owner, challenge=challenge)
    services.submission_decide(actor=owner, submission=late, advance=True, rationale="Пилот успешен")
    assert Initiative.objects.get().stage == Stage.PROTOTYPE  # not moved before the results are public
    late = _publish(owner, late)
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
    initiative = _advance_and_publish(owner, early, early.phase, "Реализуемо").initiative
    funnel.move_decide(
        actor=people["operator"],
        initiative=initiative,
        to_stage=Stage.STOPPED,
        rationale="Команда распалась.",
        lessons_learned="Без ключевого инженера прототип не довести.",
    )
    decisions = initiative.decisions.count()
    services.challenge_start_evaluation(actor=owner, challenge=challenge)
    late = _advance_and_publish(owner, late, late.phase, "Пилот всё же хорош")
    assert (late.status, late.initiative) == ("advanced", initiative)
    initiative.refresh_from_db()
    assert initiative.stage == Stage.STOPPED
    assert initiative.decisions.count() == decisions
    assert Initiative.objects.count() == 1
