"""Every write of govtech.funnel.services: the change, its audit events and its notifications
on success, and nothing at all (no rows, no event, nothing queued) on a refusal."""

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from govtech.accounts.models import MembershipRole
from govtech.core import audit
from govtech.core.errors import Conflict, Forbidden, ServiceError
from govtech.core.models import AuditEvent
from govtech.funnel import services
from govtech.funnel.models import (
    DecisionStatus,
    Goal,
    Initiative,
    Instrument,
    InstrumentKind,
    InstrumentStatus,
    IntakeState,
    Origin,
    StageStay,
    TeamRole,
    Topic,
    Visibility,
)
from govtech.notifications import services as notifications
from govtech.notifications.models import Notification
from tests.factories import AgencyFactory, MembershipFactory, OrganizationFactory, SupplierFactory, UserFactory
from tests.funnel.factories import GateDecisionFactory, InitiativeFactory, InstrumentFactory
from tests.funnel.state import funnel_state

pytestmark = pytest.mark.django_db

GOAL = {"metric": "Холостые рейсы мусоровозов", "unit": "%", "baseline": "40", "target": "20", "measured": "17"}
FORWARD = {"rationale": "Пилот на 300 площадках подтвердил экономию.", "goals": [GOAL]}
LESSONS = "Датчики не переживают зиму без подогрева: нужна другая модель корпуса."


@pytest.fixture
def refused(refused_checker):
    return refused_checker(funnel_state)


@pytest.fixture
def new_events():
    """new_events() -> the actions recorded since the fixture was set up; checks the chain."""
    start = AuditEvent.objects.count()

    def collect() -> list[str]:
        assert audit.verify_chain() == []
        return list(AuditEvent.objects.order_by("sequence")[start:].values_list("action", flat=True))

    return collect


@pytest.fixture
def agency_member(people, agency):
    member = UserFactory(email="agency-member@example.test")
    MembershipFactory(user=member, organization=agency, role=MembershipRole.MEMBER)
    return member


@pytest.fixture
def initiative(agency):
    return InitiativeFactory(sponsor=agency, stage_entered_at=timezone.now() - timedelta(days=60))


def _create(actor, sponsor, **fields):
    return services.initiative_create(
        actor=actor,
        title=fields.pop("title", "Датчики заполнения контейнеров"),
        summary="Датчики сообщают о заполнении, мусоровозы едут только к полным площадкам.",
        topic=Topic.ENVIRONMENT,
        origin=Origin.SUPPLIER_APPLICATION,
        sponsor=sponsor,
        **fields,
    )


# --- create and update -----------------------------------------------------------------


@pytest.mark.parametrize("role", ["agency_admin", "operator"])
def test_the_operator_or_the_sponsors_staff_create_an_initiative_at_idea(people, agency, new_events, role):
    initiative = _create(people[role], agency, tags=["IoT", " отходы ", "iot"], visibility=Visibility.INTERNAL)
    assert (initiative.stage, initiative.sponsor, initiative.created_by) == ("idea", agency, people[role])
    assert sorted(initiative.tags.values_list("name", flat=True)) == ["iot", "отходы"]
    stay = StageStay.objects.get(initiative=initiative)
    assert (stay.stage, stay.entered_at, stay.exited_at) == ("idea", initiative.stage_entered_at, None)
    assert new_events() == ["initiative.created"]


def test_a_plain_member_of_the_agency_creates_for_their_own_agency(agency_member, agency):
    assert _create(agency_member, agency).sponsor == agency


def test_two_initiatives_with_the_same_title_get_distinct_slugs(people, agency):
    first, second = _create(people["operator"], agency), _create(people["operator"], agency)
    assert first.slug != second.slug


@pytest.mark.parametrize("role", ["resident", "supplier_admin", "supplier_member", "expert"])
def test_others_cannot_create(people, agency, refused, role):
    with refused(Forbidden):
        _create(people[role], agency)


def test_staff_of_another_agency_cannot_create_for_this_one(people, refused):
    with refused(Forbidden):
        _create(people["agency_admin"], AgencyFactory())


def test_anonymous_cannot_create(agency, refused):
    from django.contrib.auth.models import AnonymousUser

    with refused(Forbidden):
        _create(AnonymousUser(), agency)


@pytest.mark.parametrize("make_sponsor", [SupplierFactory, OrganizationFactory])
def test_the_sponsor_must_be_an_agency(people, refused, make_sponsor):
    with refused(ServiceError, field="sponsor"):
        _create(people["operator"], make_sponsor())


def test_create_refuses_fields_it_does_not_own(people, agency, refused):
    with refused(ServiceError):
        _create(people["operator"], agency, stage="scale")


def test_create_refuses_a_too_short_title(people, agency, refused):
    with refused(ValidationError):
        _create(people["operator"], agency, title="ИИ")


@pytest.mark.parametrize("role", ["agency_admin", "operator"])
def test_the_sponsors_admin_or_the_operator_updates(people, initiative, new_events, role):
    services.initiative_update(actor=people[role], initiative=initiative, summary="Новое описание", tags=["датчики"])
    initiative.refresh_from_db()
    assert initiative.summary == "Новое описание"
    assert list(initiative.tags.values_list("name", flat=True)) == ["датчики"]
    assert new_events() == ["initiative.updated"]
    event = AuditEvent.objects.get(action="initiative.updated")
    assert event.after["summary"] == "Новое описание" != event.before["summary"]


def test_a_plain_member_of_the_sponsor_cannot_update(agency_member, initiative, refused):
    with refused(Forbidden):
        services.initiative_update(actor=agency_member, initiative=initiative, summary="Нет")


@pytest.mark.parametrize("role", ["resident", "supplier_admin", "expert"])
def test_others_cannot_update(people, initiative, refused, role):
    with refused(Forbidden):
        services.initiative_update(actor=people[role], initiative=initiative, summary="Нет")


def test_update_cannot_set_the_stage(people, initiative, refused):
    with refused(ServiceError):
        services.initiative_update(actor=people["operator"], initiative=initiative, stage="scale")


def test_the_sponsors_admin_cannot_hand_the_initiative_to_an_agency_they_are_not_in(people, initiative, refused):
    with refused(Forbidden):
        services.initiative_update(actor=people["agency_admin"], initiative=initiative, sponsor=AgencyFactory())


def test_the_operator_hands_an_initiative_to_another_agency_but_not_to_a_supplier(people, initiative, refused):
    other = AgencyFactory()
    services.initiative_update(actor=people["operator"], initiative=initiative, sponsor=other)
    initiative.refresh_from_db()
    assert initiative.sponsor == other
    with refused(ServiceError, field="sponsor"):
        services.initiative_update(actor=people["operator"], initiative=initiative, sponsor=SupplierFactory())


# --- team ----------------------------------------------------------------------


def test_the_team_gets_people_and_organizations_once_per_role(people, initiative, supplier, refused, new_events):
    admin = people["agency_admin"]
    member = services.team_member_add(
        actor=admin, initiative=initiative, organization=supplier, role=TeamRole.DEVELOPER
    )
    services.team_member_add(actor=admin, initiative=initiative, user=people["expert"], role=TeamRole.MENTOR)
    with refused(Conflict, code="already_on_team"):
        services.team_member_add(actor=admin, initiative=initiative, organization=supplier, role=TeamRole.DEVELOPER)
    with refused(ServiceError):
        services.team_member_add(
            actor=admin, initiative=initiative, user=people["expert"], organization=supplier, role=TeamRole.PARTNER
        )
    with refused(ServiceError):
        services.team_member_add(actor=admin, initiative=initiative, role=TeamRole.PARTNER)
    with refused(Forbidden):
        services.team_member_add(
            actor=people["supplier_admin"], initiative=initiative, organization=supplier, role=TeamRole.LEAD
        )
    with refused(Forbidden):
        services.team_member_remove(actor=people["supplier_admin"], member=member)
    services.team_member_remove(actor=people["operator"], member=member)
    assert list(initiative.team.values_list("role", flat=True)) == [TeamRole.MENTOR]
    assert new_events() == ["initiative.team_added", "initiative.team_added", "initiative.team_removed"]


# --- moves: inputs ---------------------------------------------------------------


def test_a_forward_move_needs_a_goal_and_a_rationale(people, initiative, refused):
    operator = people["operator"]
    with refused(ServiceError, field="goals"):
        services.move_decide(actor=operator, initiative=initiative, to_stage="prototype", rationale="Готово", goals=[])
    with refused(ServiceError, field="rationale"):
        services.move_decide(actor=operator, initiative=initiative, to_stage="prototype", rationale="  ", goals=[GOAL])


def test_a_forward_move_records_its_goals_and_evidence(people, initiative, new_events):
    decision = services.move_decide(
        actor=people["operator"],
        initiative=initiative,
        to_stage="prototype",
        rationale="  MVP собран  ",
        goals=[GOAL, {**GOAL, "metric": "Площадки с датчиками", "unit": "шт.", "baseline": 0, "target": 300}],
        evidence_links=[" https://example.org/report.pdf ", "HTTP://example.org/data.csv"],
    )
    assert decision.rationale == "MVP собран"
    assert decision.evidence_links == ["https://example.org/report.pdf", "HTTP://example.org/data.csv"]
    goals = list(decision.goals.values_list("metric", "baseline", "target", "measured"))
    assert goals == [
        ("Холостые рейсы мусоровозов", Decimal("40"), Decimal("20"), Decimal("17")),
        ("Площадки с датчиками", Decimal("0"), Decimal("300"), Decimal("17")),
    ]
    assert new_events() == ["decision.decided", "initiative.moved"]
    decided = AuditEvent.objects.get(action="decision.decided")
    assert decided.after["goals"][0]["metric"] == "Холостые рейсы мусоровозов"
    assert decided.after["to_stage"] == "prototype"


def test_a_back_move_needs_a_reason(people, agency, refused):
    pilot = InitiativeFactory(sponsor=agency, stage="pilot", stage_entered_at=timezone.now() - timedelta(days=9))
    with refused(ServiceError, field="rationale"):
        services.move_decide(actor=people["operator"], initiative=pilot, to_stage="prototype", rationale="")
    decision = services.move_decide(
        actor=people["operator"], initiative=pilot, to_stage="prototype", rationale="Площадка не готова"
    )
    assert (decision.kind, decision.goals.count()) == ("back", 0)


def test_back_moves_go_one_stage_only(people, agency, refused):
    scale = InitiativeFactory(sponsor=agency, stage="scale", stage_entered_at=timezone.now() - timedelta(days=9))
    with refused(ServiceError, code="illegal_move"):
        services.move_decide(actor=people["operator"], initiative=scale, to_stage="pilot", rationale="Назад")


def test_a_stop_needs_lessons_learned_and_publishes_them(people, initiative, refused):
    with refused(ServiceError, field="lessons_learned"):
        services.move_decide(actor=people["operator"], initiative=initiative, to_stage="stopped", rationale="Стоп")
    services.move_decide(
        actor=people["operator"], initiative=initiative, to_stage="stopped", rationale="Стоп", lessons_learned=LESSONS
    )
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.lessons_learned, initiative.is_active) == ("stopped", LESSONS, False)


def test_an_unknown_stage_is_an_illegal_move(people, initiative, refused):
    with refused(ServiceError, code="illegal_move"):
        services.move_decide(actor=people["operator"], initiative=initiative, to_stage="moon", **FORWARD)


# --- moves: stays and dates ------------------------------------------------------------


def test_stays_follow_each_other_without_gaps(people, initiative):
    operator = people["operator"]
    start = initiative.stage_entered_at
    services.move_decide(
        actor=operator, initiative=initiative, to_stage="prototype", decided_at=start + timedelta(days=10), **FORWARD
    )
    services.move_decide(
        actor=operator, initiative=initiative, to_stage="pilot", decided_at=start + timedelta(days=30), **FORWARD
    )
    services.move_decide(actor=operator, initiative=initiative, to_stage="prototype", rationale="Нужна доработка")
    stays = list(StageStay.objects.filter(initiative=initiative).order_by("entered_at", "id"))
    assert [stay.stage for stay in stays] == ["idea", "prototype", "pilot", "prototype"]
    for closed, opened in itertools.pairwise(stays):
        assert closed.exited_at == opened.entered_at
        assert opened.decision.to_stage == opened.stage
    assert stays[-1].exited_at is None
    initiative.refresh_from_db()
    assert initiative.stage_entered_at == stays[-1].entered_at


def test_a_decision_dated_in_the_past_is_recorded_with_its_date(people, initiative):
    when = timezone.now() - timedelta(days=20)
    decision = services.move_decide(
        actor=people["operator"], initiative=initiative, to_stage="prototype", decided_at=when, **FORWARD
    )
    initiative.refresh_from_db()
    assert decision.decided_at == decision.proposed_at == initiative.stage_entered_at == when
    assert initiative.days_in_stage() == 20


def test_a_naive_past_date_is_read_in_the_city_time_zone(people, initiative):
    naive = datetime.now() - timedelta(days=3)
    decision = services.move_decide(
        actor=people["operator"], initiative=initiative, to_stage="prototype", decided_at=naive, **FORWARD
    )
    assert decision.decided_at == timezone.make_aware(naive)


def test_a_decision_in_the_future_is_refused(people, initiative, refused):
    with refused(ServiceError, field="decided_at"):
        services.move_decide(
            actor=people["operator"],
            initiative=initiative,
            to_stage="prototype",
            decided_at=timezone.now() + timedelta(hours=1),
            **FORWARD,
        )


def test_a_decision_before_the_current_stay_is_refused(people, initiative, refused):
    with refused(ServiceError, field="decided_at"):
        services.move_decide(
            actor=people["operator"],
            initiative=initiative,
            to_stage="prototype",
            decided_at=initiative.stage_entered_at - timedelta(seconds=1),
            **FORWARD,
        )


# --- proposals -----------------------------------------------------------------------


def _propose(actor, initiative, to_stage="prototype", **extra):
    return services.move_propose(actor=actor, initiative=initiative, to_stage=to_stage, **{**FORWARD, **extra})


def test_a_pending_proposal_blocks_a_direct_decision_and_a_second_proposal(people, agency_member, initiative, refused):
    _propose(people["agency_admin"], initiative)
    with refused(Conflict, code="proposal_pending"):
        services.move_decide(actor=people["operator"], initiative=initiative, to_stage="prototype", **FORWARD)
    with refused(Conflict, code="proposal_pending"):
        _propose(agency_member, initiative, to_stage="stopped", lessons_learned=LESSONS)


def test_the_operator_approves_a_proposal(people, initiative, new_events, django_capture_on_commit_callbacks):
    proposal = _propose(people["agency_admin"], initiative, evidence_links=["https://example.org/mvp"])
    decision = services.proposal_approve(actor=people["operator"], decision=proposal, note="  Согласовано ")
    initiative.refresh_from_db()
    assert initiative.stage == "prototype"
    assert (decision.status, decision.decided_by, decision.decision_note) == (
        "approved",
        people["operator"],
        "Согласовано",
    )
    assert decision.proposed_by == people["agency_admin"]
    assert initiative.stays.get(exited_at__isnull=True).decision == decision
    assert new_events() == ["decision.proposed", "decision.approved", "initiative.moved"]


def test_an_approved_stop_publishes_the_lessons(people, initiative):
    proposal = _propose(people["agency_admin"], initiative, to_stage="stopped", lessons_learned=LESSONS)
    services.proposal_approve(actor=people["operator"], decision=proposal)
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.lessons_learned) == ("stopped", LESSONS)


@pytest.mark.parametrize("role", ["agency_admin", "resident", "expert"])
def test_only_an_operator_approves_or_rejects(people, initiative, refused, role):
    proposal = _propose(people["agency_admin"], initiative)
    with refused(Forbidden):
        services.proposal_approve(actor=people[role], decision=proposal)
    with refused(Forbidden):
        services.proposal_reject(actor=people[role], decision=proposal, note="Нет")


def test_approving_after_the_initiative_moved_is_a_stale_proposal(people, initiative, refused):
    proposal = _propose(people["agency_admin"], initiative)
    # The initiative moved meanwhile (a concurrent decision or a correction): the proposal no longer fits.
    Initiative.objects.filter(pk=initiative.pk).update(stage="prototype")
    with refused(Conflict, code="stale_proposal"):
        services.proposal_approve(actor=people["operator"], decision=proposal)
    services.proposal_reject(actor=people["operator"], decision=proposal, note="Устарело")


def test_a_decided_proposal_cannot_be_decided_again(people, initiative, refused):
    proposal = _propose(people["agency_admin"], initiative)
    services.proposal_reject(actor=people["operator"], decision=proposal, note="Рано")
    with refused(Conflict, code="not_proposed"):
        services.proposal_approve(actor=people["operator"], decision=proposal)
    with refused(Conflict, code="not_proposed"):
        services.proposal_reject(actor=people["operator"], decision=proposal, note="Ещё раз")


def test_rejecting_needs_a_note_and_tells_the_proposer(
    people, initiative, refused, new_events, run_worker, django_capture_on_commit_callbacks
):
    proposer = people["agency_admin"]
    proposal = _propose(proposer, initiative)
    with refused(ServiceError, field="note"):
        services.proposal_reject(actor=people["operator"], decision=proposal, note="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_reject(actor=people["operator"], decision=proposal, note="Нет данных по зиме")
    run_worker()
    proposal.refresh_from_db()
    initiative.refresh_from_db()
    assert (proposal.status, proposal.decision_note, initiative.stage) == ("rejected", "Нет данных по зиме", "idea")
    notification = Notification.objects.get(recipient=proposer)
    assert notification.kind == "funnel.proposal_rejected"
    assert notification.url == initiative.get_absolute_url()
    assert new_events() == ["decision.proposed", "decision.rejected"]
    # Rejected, the initiative is free again for a new proposal or a decision.
    services.move_decide(actor=people["operator"], initiative=initiative, to_stage="prototype", **FORWARD)


def test_a_proposal_tells_the_operators(people, initiative, run_worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _propose(people["agency_admin"], initiative)
    run_worker()
    assert list(Notification.objects.values_list("recipient", "kind")) == [
        (people["operator"].pk, "funnel.move_proposed")
    ]


# --- audit and notifications ----------------------------------------------------------------


def test_every_decision_is_in_the_audit_chain(people, initiative, new_events):
    operator = people["operator"]
    services.move_decide(actor=operator, initiative=initiative, to_stage="prototype", **FORWARD)
    services.move_decide(actor=operator, initiative=initiative, to_stage="idea", rationale="Не тот сценарий")
    proposal = _propose(people["agency_admin"], initiative, to_stage="stopped", lessons_learned=LESSONS)
    services.proposal_approve(actor=operator, decision=proposal)
    assert new_events() == [
        "decision.decided",
        "initiative.moved",
        "decision.decided",
        "initiative.moved",
        "decision.proposed",
        "decision.approved",
        "initiative.moved",
    ]
    moved = AuditEvent.objects.filter(action="initiative.moved").order_by("sequence")
    assert [(e.before["stage"], e.after["stage"], e.after["kind"]) for e in moved] == [
        ("idea", "prototype", "forward"),
        ("prototype", "idea", "back"),
        ("idea", "stopped", "stop"),
    ]
    assert {e.actor_id for e in moved} == {operator.pk}


def test_team_and_followers_hear_of_a_move_after_the_worker_runs(
    people, initiative, supplier, run_worker, django_capture_on_commit_callbacks
):
    team_person, follower = people["supplier_admin"], people["resident"]
    services.team_member_add(actor=people["operator"], initiative=initiative, user=team_person, role=TeamRole.DEVELOPER)
    services.team_member_add(
        actor=people["operator"], initiative=initiative, organization=supplier, role=TeamRole.PARTNER
    )
    notifications.follow_create(actor=follower, target=initiative)
    with django_capture_on_commit_callbacks(execute=True):
        services.move_decide(actor=people["operator"], initiative=initiative, to_stage="prototype", **FORWARD)
    assert not Notification.objects.exists()  # nothing is delivered until the worker runs
    run_worker()
    received = sorted(Notification.objects.values_list("recipient", "kind"))
    assert received == sorted([(team_person.pk, "funnel.stage_changed"), (follower.pk, "funnel.stage_changed")])
    notification = Notification.objects.get(recipient=follower)
    assert notification.params == {"initiative": initiative.title, "stage": "prototype"}
    assert notification.url == initiative.get_absolute_url()


def test_the_decider_is_not_notified_of_their_own_move(
    people, initiative, run_worker, django_capture_on_commit_callbacks
):
    operator = people["operator"]
    services.team_member_add(actor=operator, initiative=initiative, user=operator, role=TeamRole.MENTOR)
    notifications.follow_create(actor=operator, target=initiative)
    with django_capture_on_commit_callbacks(execute=True):
        services.move_decide(actor=operator, initiative=initiative, to_stage="prototype", **FORWARD)
    run_worker()
    assert not Notification.objects.exists()


def test_an_internal_initiative_notifies_its_team_but_no_followers(
    people, initiative, run_worker, django_capture_on_commit_callbacks
):
    team_person, follower = people["supplier_admin"], people["resident"]
    services.team_member_add(actor=people["operator"], initiative=initiative, user=team_person, role=TeamRole.DEVELOPER)
    notifications.follow_create(actor=follower, target=initiative)  # followed while it was public
    services.initiative_update(actor=people["operator"], initiative=initiative, visibility=Visibility.INTERNAL)
    with django_capture_on_commit_callbacks(execute=True):
        services.move_decide(actor=people["operator"], initiative=initiative, to_stage="prototype", **FORWARD)
    run_worker()
    assert list(Notification.objects.values_list("recipient", flat=True)) == [team_person.pk]


# --- evidence links and goals -----------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "ftp://example.org/report.pdf", "file:///etc/passwd", "example.org/report", "http://", ""],
)
def test_evidence_links_must_be_web_addresses(people, initiative, refused, link):
    with refused(ServiceError, field="evidence_links"):
        services.move_decide(
            actor=people["operator"], initiative=initiative, to_stage="prototype", evidence_links=[link], **FORWARD
        )


def test_evidence_links_are_checked_on_proposals_too(people, initiative, refused):
    with refused(ServiceError, field="evidence_links"):
        _propose(people["agency_admin"], initiative, evidence_links=["javascript:alert(1)"])


def test_goals_parse_numbers_including_a_decimal_comma():
    goal = services.GoalInput.parse(
        {"metric": " Время ", "unit": "мин", "baseline": 45, "target": "30,5", "measured": 28.25}
    )
    assert (goal.metric, goal.baseline, goal.target, goal.measured) == (
        "Время",
        Decimal("45"),
        Decimal("30.5"),
        Decimal("28.25"),
    )


@pytest.mark.parametrize(
    "bad",
    [
        {**GOAL, "baseline": "сорок"},
        {**GOAL, "target": None},
        {**GOAL, "measured": "NaN"},
        {**GOAL, "measured": "Infinity"},
        {**GOAL, "measured": True},
        {**GOAL, "target": "1e20"},
        {**GOAL, "target": "1.001"},
        {**GOAL, "metric": "  "},
        {**GOAL, "unit": ""},
        {key: value for key, value in GOAL.items() if key != "measured"},
        "40 → 20",
    ],
)
def test_bad_goals_are_refused_and_nothing_is_written(people, initiative, refused, bad):
    with refused(ServiceError, field="goals"):
        services.move_decide(
            actor=people["operator"], initiative=initiative, to_stage="prototype", rationale="Готово", goals=[bad]
        )


@pytest.mark.parametrize(
    ("baseline", "target", "measured", "is_met"),
    [
        (40, 20, 17, True),  # lower is better, reached
        (40, 20, 20, True),
        (40, 20, 25, False),
        (0, 300, 310, True),  # higher is better, reached
        (0, 300, 300, True),
        (0, 300, 120, False),
    ],
)
def test_a_goal_is_met_in_whichever_direction_its_target_lies(baseline, target, measured, is_met):
    goal = Goal(metric="m", unit="u", baseline=Decimal(baseline), target=Decimal(target), measured=Decimal(measured))
    assert goal.is_met is is_met


def test_the_decision_factory_records_a_met_goal():
    decision = GateDecisionFactory()
    assert decision.goals.get().is_met
    assert decision.status == DecisionStatus.APPROVED


# --- instruments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opens", "closes", "status", "expected"),
    [
        (None, None, InstrumentStatus.ACTIVE, IntakeState.ROLLING),
        (date(2026, 3, 1), date(2026, 4, 30), InstrumentStatus.ACTIVE, IntakeState.OPEN),
        (date(2026, 3, 15), date(2026, 4, 30), InstrumentStatus.ACTIVE, IntakeState.OPEN),  # opens today
        (date(2026, 3, 1), date(2026, 3, 15), InstrumentStatus.ACTIVE, IntakeState.OPEN),  # closes today
        (date(2026, 4, 1), date(2026, 4, 30), InstrumentStatus.ACTIVE, IntakeState.UPCOMING),
        (date(2026, 1, 1), date(2026, 3, 14), InstrumentStatus.ACTIVE, IntakeState.CLOSED),
        (None, date(2026, 3, 14), InstrumentStatus.ACTIVE, IntakeState.CLOSED),
        (None, date(2026, 12, 31), InstrumentStatus.ACTIVE, IntakeState.OPEN),
        (date(2026, 1, 1), None, InstrumentStatus.ACTIVE, IntakeState.OPEN),
        (date(2026, 6, 1), None, InstrumentStatus.ACTIVE, IntakeState.UPCOMING),
        (None, None, InstrumentStatus.PAUSED, IntakeState.CLOSED),
        (date(2026, 3, 1), date(2026, 4, 30), InstrumentStatus.PAUSED, IntakeState.CLOSED),
        (None, None, InstrumentStatus.RETIRED, IntakeState.CLOSED),
    ],
)
def test_the_intake_state_follows_from_the_dates(opens, closes, status, expected):
    instrument = InstrumentFactory(intake_opens_on=opens, intake_closes_on=closes, status=status)
    with time_machine.travel(datetime(2026, 3, 15, 12, 0, tzinfo=timezone.get_current_timezone()), tick=False):
        assert instrument.intake_state() == expected
        assert instrument.get_intake_state_display() == IntakeState(expected).label


def test_the_intake_closes_by_itself_when_the_date_passes():
    instrument = InstrumentFactory(intake_opens_on=date(2026, 3, 1), intake_closes_on=date(2026, 3, 31))
    tz = timezone.get_current_timezone()
    with time_machine.travel(datetime(2026, 3, 31, 23, 0, tzinfo=tz), tick=False):
        assert instrument.intake_state() == IntakeState.OPEN
    with time_machine.travel(datetime(2026, 4, 1, 0, 30, tzinfo=tz), tick=False):
        assert instrument.intake_state() == IntakeState.CLOSED


def test_only_the_operator_creates_instruments(people, agency, new_events):
    instrument = services.instrument_create(
        actor=people["operator"],
        name="Московский акселератор",
        kind=InstrumentKind.ACCELERATOR,
        owner=agency,
        stages=["pilot", "prototype", "pilot"],
        intake_opens_on=date(2026, 2, 1),
        intake_closes_on=date(2026, 3, 1),
    )
    assert instrument.stages == ["prototype", "pilot"]  # funnel order, no repeats
    assert instrument.slug
    assert new_events() == ["instrument.created"]


@pytest.mark.parametrize("role", ["agency_admin", "supplier_admin", "resident", "expert"])
def test_others_cannot_create_or_update_instruments(people, agency, refused, role):
    with refused(Forbidden):
        services.instrument_create(
            actor=people[role], name="Грант", kind=InstrumentKind.GRANT, owner=agency, stages=["pilot"]
        )
    instrument = InstrumentFactory(owner=agency)
    with refused(Forbidden):
        services.instrument_update(actor=people[role], instrument=instrument, name="Другое имя")


@pytest.mark.parametrize("stages", [[], ["stopped"], ["pilot", "moon"], "pilot", None])
def test_instrument_stages_are_checked(people, agency, refused, stages):
    with refused(ServiceError, field="stages"):
        services.instrument_create(
            actor=people["operator"], name="Грант", kind=InstrumentKind.GRANT, owner=agency, stages=stages
        )
    instrument = InstrumentFactory(owner=agency)
    with refused(ServiceError, field="stages"):
        services.instrument_update(actor=people["operator"], instrument=instrument, stages=stages)


def test_instrument_dates_must_be_in_order(people, agency, refused):
    with refused(ValidationError):
        services.instrument_create(
            actor=people["operator"],
            name="Хакатон",
            kind=InstrumentKind.HACKATHON,
            owner=agency,
            stages=["idea"],
            intake_opens_on=date(2026, 3, 1),
            intake_closes_on=date(2026, 2, 1),
        )


def test_the_operator_updates_an_instrument(people, agency, new_events):
    instrument = InstrumentFactory(owner=agency)
    services.instrument_update(
        actor=people["operator"], instrument=instrument, status=InstrumentStatus.PAUSED, stages=["scale", "adoption"]
    )
    instrument.refresh_from_db()
    assert (instrument.status, instrument.stages) == ("paused", ["adoption", "scale"])
    assert instrument.intake_state() == IntakeState.CLOSED
    assert new_events() == ["instrument.updated"]
    assert Instrument.objects.count() == 1


@pytest.mark.parametrize("name, slug", [("Gaps", "gaps-2"), ("New", "new-2")])
def test_instrument_slugs_never_take_words_the_urls_use(people, agency, name, slug):
    from govtech.funnel import services as funnel_services

    instrument = funnel_services.instrument_create(
        actor=people["operator"], name=name, kind="hackathon", owner=agency, stages=["idea"]
    )
    assert instrument.slug == slug
