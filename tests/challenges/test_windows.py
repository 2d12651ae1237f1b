"""Windows and deadlines, read from a frozen server clock just before and just after each boundary:
a phase's opening and closing, editing and withdrawing until a submission's deadline, the
question window, rolling intake in review cycles, and the steps that wait for a window to end."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import translation

from govtech.challenges import services
from govtech.challenges.models import (
    Assignment,
    ChallengeStatus,
    Declaration,
    IntakeMode,
    Phase,
    ReviewCycle,
    Score,
    Submission,
    SubmissionStatus,
    WindowState,
)
from govtech.core.errors import Conflict
from tests.challenges.factories import AssignmentFactory, ChallengeFactory, SubmissionFactory
from tests.challenges.helpers import (
    SECOND,
    T0,
    AuditWatch,
    at,
    challenges_state,
    hand_in,
    sections,
    supplier_with_member,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OPENS, CLOSES = at(1), at(10, hours=6)  # the phase closes on 12 March 2026 at 18:00 Moscow time


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def refused(refused_checker):
    return refused_checker(challenges_state)


@pytest.fixture
def challenge(clock, agency):
    """Published today; its one fixed phase opens tomorrow and closes ten days later."""
    return ChallengeFactory(owner=agency, phases=[{"opens_at": OPENS, "closes_at": CLOSES}])


@pytest.fixture
def phase(challenge):
    return challenge.phases.get()


def _submit(people, phase, supplier, **overrides):
    return services.submission_submit(
        actor=people["supplier_member"], phase=phase, supplier=supplier, **sections(**overrides)
    )


# --- the submission window ---------------------------------------------------------------


def test_a_phase_refuses_submissions_until_it_opens(people, clock, phase, supplier, refused):
    clock.move_to(OPENS - SECOND)
    with refused(Conflict, code="phase_not_open"):
        _submit(people, phase, supplier)
    clock.move_to(OPENS)
    submission = _submit(people, phase, supplier)
    assert submission.submitted_at == OPENS
    assert submission.receipts.get().issued_at == OPENS


def test_a_submission_is_accepted_one_second_before_the_close(people, clock, phase, supplier):
    clock.move_to(CLOSES - SECOND)
    submission = _submit(people, phase, supplier)
    assert submission.status == SubmissionStatus.SUBMITTED
    assert submission.deadline == CLOSES


@pytest.mark.parametrize("late", [timedelta(0), SECOND, timedelta(days=3)], ids=["at-close", "1s-after", "3d-after"])
def test_a_late_submission_is_refused_with_the_deadline_named(people, clock, phase, supplier, refused, late):
    clock.move_to(CLOSES + late)
    with translation.override("en"), refused(Conflict, code="deadline_passed") as error:
        _submit(people, phase, supplier)
    assert "March 12, 2026, 6 p.m." in str(error.value.message)
    assert "server time" in str(error.value.message)


def test_the_late_message_names_the_deadline_in_the_readers_language(people, clock, phase, supplier, refused):
    clock.move_to(CLOSES)
    with translation.override("ru"), refused(Conflict, code="deadline_passed") as error:
        _submit(people, phase, supplier)
    assert "12 марта 2026 г. 18:00" in str(error.value.message)


def test_a_submission_can_be_edited_until_its_deadline_and_not_after(people, clock, phase, supplier, refused):
    clock.move_to(OPENS)
    submission = _submit(people, phase, supplier)
    clock.move_to(CLOSES - SECOND)
    edited = _submit(people, phase, supplier, title="Датчики парковок, версия 2")
    assert edited.pk == submission.pk
    assert edited.submitted_at == CLOSES - SECOND
    assert Submission.objects.get().title == "Датчики парковок, версия 2"
    clock.move_to(CLOSES)
    with refused(Conflict, code="deadline_passed"):
        _submit(people, phase, supplier, title="Датчики парковок, версия 3")


def test_withdrawal_is_possible_until_the_deadline(people, clock, phase, supplier, refused):
    other, member = supplier_with_member()
    clock.move_to(OPENS)
    ours = _submit(people, phase, supplier)
    theirs = services.submission_submit(actor=member, phase=phase, supplier=other, **sections())
    clock.move_to(CLOSES - SECOND)
    watch = AuditWatch()
    withdrawn = services.submission_withdraw(actor=people["supplier_member"], submission=ours)
    assert withdrawn.status == SubmissionStatus.WITHDRAWN
    assert watch.actions() == ["submission.withdrawn"]
    clock.move_to(CLOSES)
    with refused(Conflict, code="deadline_passed"):
        services.submission_withdraw(actor=member, submission=theirs)


def test_a_withdrawn_submission_can_be_submitted_again_before_the_close(people, clock, phase, supplier):
    clock.move_to(OPENS)
    submission = _submit(people, phase, supplier)
    services.submission_withdraw(actor=people["supplier_member"], submission=submission)
    clock.move_to(CLOSES - SECOND)
    again = _submit(people, phase, supplier)
    assert again.pk == submission.pk
    assert again.status == SubmissionStatus.SUBMITTED
    assert again.receipts.count() == 2


# --- the question window -------------------------------------------------------------------


def test_questions_close_at_their_own_deadline(people, clock, agency, refused):
    questions_close = at(3)
    challenge = ChallengeFactory(
        owner=agency, questions_close_at=questions_close, phases=[{"opens_at": OPENS, "closes_at": CLOSES}]
    )
    clock.move_to(questions_close - SECOND)
    assert challenge.questions_open()
    question = services.question_ask(
        actor=people["supplier_member"], challenge=challenge, text="Можно ли использовать свои датчики?"
    )
    assert question.asked_by == people["supplier_member"]
    clock.move_to(questions_close)
    assert not challenge.questions_open()
    with refused(Conflict, code="questions_closed"):
        services.question_ask(actor=people["supplier_member"], challenge=challenge, text="А ещё один вопрос можно?")


def test_without_a_question_deadline_questions_close_with_the_first_phase(people, clock, agency, refused):
    challenge = ChallengeFactory(
        owner=agency,
        phases=[
            {"opens_at": OPENS, "closes_at": CLOSES},
            {"opens_at": CLOSES + timedelta(days=5), "closes_at": CLOSES + timedelta(days=30)},
        ],
    )
    assert challenge.questions_close_at is None
    clock.move_to(CLOSES - SECOND)
    services.question_ask(actor=people["supplier_member"], challenge=challenge, text="Какой формат отчёта нужен?")
    clock.move_to(CLOSES)
    assert not challenge.questions_open()  # even though the second phase is still to come
    with refused(Conflict, code="questions_closed"):
        services.question_ask(actor=people["supplier_member"], challenge=challenge, text="Какой формат отчёта нужен?")


def test_questions_are_taken_only_while_the_challenge_is_published(clock, agency):
    challenge = ChallengeFactory(owner=agency, phases=[{"opens_at": OPENS, "closes_at": CLOSES}])
    assert challenge.questions_open()
    for status in set(ChallengeStatus) - {ChallengeStatus.PUBLISHED}:
        challenge.status = status
        assert not challenge.questions_open(), status


# --- Phase.window_state and is_open ----------------------------------------------------------


def test_the_window_state_follows_the_clock(clock, phase):
    expected = [
        (OPENS - SECOND, WindowState.UPCOMING, False),
        (OPENS, WindowState.OPEN, True),
        (CLOSES - SECOND, WindowState.OPEN, True),
        (CLOSES, WindowState.CLOSED, False),
        (CLOSES + SECOND, WindowState.CLOSED, False),
    ]
    for moment, state, is_open in expected:
        assert phase.window_state(moment) == state, moment
        assert phase.is_open(moment) is is_open, moment
        clock.move_to(moment)
        assert phase.window_state() == state, moment  # without an argument: the server clock
        assert phase.is_open() is is_open, moment


def test_an_open_window_takes_nothing_unless_the_challenge_is_published(people, clock, phase, supplier, refused):
    clock.move_to(OPENS)
    challenge = phase.challenge
    for status in (ChallengeStatus.EVALUATION, ChallengeStatus.CANCELLED, ChallengeStatus.DRAFT):
        challenge.status = status
        challenge.save()
        phase.refresh_from_db()
        assert phase.window_state() == WindowState.OPEN
        assert not phase.is_open()
        with refused(Conflict, code="phase_not_open"):
            _submit(people, phase, supplier)


# --- rolling intake -----------------------------------------------------------------------


def _rolling_phase(agency) -> Phase:
    """Opens tomorrow, closes 20 days later, in review cycles of 7 days: 7 + 7 + 6."""
    challenge = ChallengeFactory(
        owner=agency,
        phases=[{"opens_at": OPENS, "closes_at": OPENS + timedelta(days=20), "mode": "rolling", "cycle_days": 7}],
    )
    return challenge.phases.get()


def test_rolling_cycles_and_their_bounds_at_the_edges(clock, agency):
    phase = _rolling_phase(agency)
    week = timedelta(days=7)
    assert [phase.cycle_number_at(moment) for moment in (OPENS, OPENS + week - SECOND, OPENS + week)] == [0, 0, 1]
    assert phase.cycle_number_at(OPENS + 2 * week - SECOND) == 1
    assert phase.cycle_number_at(OPENS + 2 * week) == 2
    assert phase.cycle_bounds(0) == (OPENS, OPENS + week)
    assert phase.cycle_bounds(1) == (OPENS + week, OPENS + 2 * week)
    # The last cycle is cut short by the phase's close.
    assert phase.cycle_bounds(2) == (OPENS + 2 * week, OPENS + timedelta(days=20))


def test_a_fixed_window_is_one_cycle(clock, phase):
    assert phase.mode == IntakeMode.FIXED
    assert phase.cycle_bounds(0) == (OPENS, CLOSES)
    assert phase.cycle_number_at(CLOSES - SECOND) == 0


def test_rolling_submissions_are_batched_into_cycles_with_their_own_deadlines(people, clock, agency, supplier):
    phase = _rolling_phase(agency)
    week = timedelta(days=7)
    second, second_member = supplier_with_member()
    third, third_member = supplier_with_member()
    clock.move_to(OPENS + week - SECOND)
    early = _submit(people, phase, supplier)
    clock.move_to(OPENS + week)
    middle = services.submission_submit(actor=second_member, phase=phase, supplier=second, **sections())
    clock.move_to(OPENS + 2 * week)
    late = services.submission_submit(actor=third_member, phase=phase, supplier=third, **sections())

    assert [s.cycle.number for s in (early, middle, late)] == [0, 1, 2]
    assert early.deadline == OPENS + week
    assert middle.deadline == OPENS + 2 * week
    assert late.deadline == phase.closes_at  # the last cycle ends with the phase
    cycles = list(ReviewCycle.objects.filter(phase=phase).order_by("number").values_list("starts_at", "ends_at"))
    assert cycles == [
        (OPENS, OPENS + week),
        (OPENS + week, OPENS + 2 * week),
        (OPENS + 2 * week, phase.closes_at),
    ]


def test_a_rolling_submission_freezes_when_its_cycle_ends_though_the_phase_is_open(
    people, clock, agency, supplier, refused
):
    phase = _rolling_phase(agency)
    clock.move_to(OPENS + timedelta(days=2))
    submission = _submit(people, phase, supplier)
    clock.move_to(submission.deadline - SECOND)
    _submit(people, phase, supplier, title="Исправленное предложение")
    clock.move_to(submission.deadline)
    assert phase.is_open()
    with refused(Conflict, code="deadline_passed"):
        _submit(people, phase, supplier, title="Слишком поздно")
    with refused(Conflict, code="deadline_passed"):
        services.submission_withdraw(actor=people["supplier_member"], submission=submission)


# --- steps that wait for a window to end ------------------------------------------------------


def test_the_panel_closes_only_after_its_cycle_ends(people, clock, phase, supplier, refused):
    submission = SubmissionFactory(phase=phase, supplier=supplier, submitted_at=OPENS)
    for _ in range(2):
        hand_in(AssignmentFactory(submission=submission, expert=UserFactory(is_expert=True)), [7, 6])
    clock.move_to(CLOSES - SECOND)
    with translation.override("en"), refused(Conflict, code="panel_incomplete") as error:
        services.panel_close(actor=people["operator"], cycle=submission.cycle)
    assert "March 12, 2026, 6 p.m." in str(error.value.message)
    clock.move_to(CLOSES)
    cycle = services.panel_close(actor=people["operator"], cycle=submission.cycle)
    assert cycle.panel_closed_at == CLOSES


def test_a_rolling_cycle_panel_closes_when_the_cycle_ends(people, clock, agency, supplier, refused):
    phase = _rolling_phase(agency)
    clock.move_to(OPENS + timedelta(days=1))
    submission = _submit(people, phase, supplier)
    for _ in range(2):
        hand_in(AssignmentFactory(submission=submission, expert=UserFactory(is_expert=True)), [5, 5])
    clock.move_to(submission.deadline - SECOND)
    with refused(Conflict, code="panel_incomplete"):
        services.panel_close(actor=people["operator"], cycle=submission.cycle)
    clock.move_to(submission.deadline)
    assert services.panel_close(actor=people["operator"], cycle=submission.cycle).panel_closed


def test_evaluation_starts_only_after_the_last_phase_closes(people, clock, agency, refused):
    last_close = CLOSES + timedelta(days=30)
    challenge = ChallengeFactory(
        owner=agency,
        phases=[
            {"opens_at": OPENS, "closes_at": CLOSES},
            {"opens_at": CLOSES + timedelta(days=1), "closes_at": last_close},
        ],
    )
    clock.move_to(CLOSES)  # the first phase is over, the last is not
    services.phase_publish_results(actor=people["agency_admin"], phase=challenge.phases.get(number=1))
    with refused(Conflict, code="phase_open"):
        services.challenge_start_evaluation(actor=people["agency_admin"], challenge=challenge)
    clock.move_to(last_close - SECOND)
    with refused(Conflict, code="phase_open"):
        services.challenge_start_evaluation(actor=people["agency_admin"], challenge=challenge)
    clock.move_to(last_close)
    services.challenge_start_evaluation(actor=people["agency_admin"], challenge=challenge)
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.EVALUATION


def test_evaluation_waits_for_the_results_of_every_earlier_phase(people, clock, agency, refused):
    challenge = ChallengeFactory(
        owner=agency,
        phases=[
            {"opens_at": OPENS, "closes_at": CLOSES},
            {"opens_at": CLOSES + timedelta(days=1), "closes_at": CLOSES + timedelta(days=10)},
            {"opens_at": CLOSES + timedelta(days=11), "closes_at": CLOSES + timedelta(days=20)},
        ],
    )
    first, second, _last = challenge.phases.order_by("number")
    owner = people["agency_admin"]
    clock.move_to(CLOSES + timedelta(days=20))  # every phase is over, no results are published
    with refused(Conflict, code="earlier_phase_open"):
        services.challenge_start_evaluation(actor=owner, challenge=challenge)
    services.phase_publish_results(actor=owner, phase=first)
    with refused(Conflict, code="earlier_phase_open"):  # the second phase's results are still missing
        services.challenge_start_evaluation(actor=owner, challenge=challenge)
    services.phase_publish_results(actor=owner, phase=second)
    services.challenge_start_evaluation(actor=owner, challenge=challenge)  # the last phase's own are not needed
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.EVALUATION


# --- experts declare and score once submissions can no longer change -----------------------


def _lined_up(submission, *, conflict) -> tuple:
    """The submission with two experts assigned early: one still to declare, one cleared to score."""
    undeclared = AssignmentFactory(
        submission=submission, expert=UserFactory(is_expert=True), conflict=Declaration.UNDECLARED
    )
    cleared = AssignmentFactory(submission=submission, expert=UserFactory(is_expert=True), conflict=conflict)
    return undeclared, cleared


def _scores(submission) -> dict:
    return {c.pk: 7 for c in submission.phase.challenge.criteria.all()}


def test_experts_are_lined_up_early_but_declare_and_score_only_from_the_deadline(
    people, clock, phase, supplier, refused
):
    clock.move_to(OPENS)
    submission = _submit(people, phase, supplier)
    operator = people["operator"]
    # Lining experts up while the submission may still change is allowed.
    by_hand = services.assignment_create(actor=operator, submission=submission, expert=UserFactory(is_expert=True))
    assert services.panel_assign(actor=operator, cycle=submission.cycle) == 1  # two experts are needed
    undeclared = submission.assignments.exclude(pk=by_hand.pk).get()
    assert undeclared.conflict == Declaration.UNDECLARED
    Assignment.objects.filter(pk=by_hand.pk).update(conflict=Declaration.NONE)  # as if declared
    cleared = Assignment.objects.get(pk=by_hand.pk)
    clock.move_to(CLOSES - SECOND)
    with translation.override("en"), refused(Conflict, code="not_yet") as error:
        services.conflict_declare(actor=undeclared.expert, assignment=undeclared, has_conflict=False)
    assert "March 12, 2026, 6 p.m." in str(error.value.message)
    with refused(Conflict, code="not_yet"):
        services.conflict_declare(actor=undeclared.expert, assignment=undeclared, has_conflict=True, note="Друг")
    with refused(Conflict, code="not_yet"):
        services.scores_save(actor=cleared.expert, assignment=cleared, scores=_scores(submission))
    with refused(Conflict, code="not_yet"):
        services.scores_save(actor=cleared.expert, assignment=cleared, scores=_scores(submission), complete=True)
    clock.move_to(CLOSES)
    declared = services.conflict_declare(actor=undeclared.expert, assignment=undeclared, has_conflict=False)
    assert (declared.conflict, declared.declared_at) == (Declaration.NONE, CLOSES)
    scored = services.scores_save(actor=cleared.expert, assignment=cleared, scores=_scores(submission), complete=True)
    assert scored.completed_at == CLOSES
    assert sorted(scored.scores.values_list("value", flat=True)) == [7, 7]


def test_in_a_rolling_phase_evaluation_starts_at_the_cycle_deadline_not_the_phase_close(
    people, clock, agency, supplier, refused
):
    phase = _rolling_phase(agency)
    clock.move_to(OPENS + timedelta(days=1))
    submission = _submit(people, phase, supplier)
    undeclared, cleared = _lined_up(submission, conflict=Declaration.NONE)
    clock.move_to(submission.deadline - SECOND)
    with refused(Conflict, code="not_yet"):
        services.conflict_declare(actor=undeclared.expert, assignment=undeclared, has_conflict=False)
    with refused(Conflict, code="not_yet"):
        services.scores_save(actor=cleared.expert, assignment=cleared, scores=_scores(submission))
    clock.move_to(submission.deadline)
    assert phase.is_open()  # the phase still takes submissions, but this cycle's are final
    services.conflict_declare(actor=undeclared.expert, assignment=undeclared, has_conflict=False)
    services.scores_save(actor=cleared.expert, assignment=cleared, scores=_scores(submission))
    assert Score.objects.filter(assignment=cleared).count() == 2


def test_results_are_published_only_after_the_phase_closes(people, clock, agency, refused):
    challenge = ChallengeFactory(
        owner=agency,
        phases=[
            {"opens_at": OPENS, "closes_at": CLOSES},
            {"opens_at": CLOSES + timedelta(days=1), "closes_at": CLOSES + timedelta(days=30)},
        ],
    )
    first = challenge.phases.get(number=1)
    clock.move_to(CLOSES - SECOND)
    with refused(Conflict, code="phase_open"):
        services.phase_publish_results(actor=people["agency_admin"], phase=first)
    clock.move_to(CLOSES)
    services.phase_publish_results(actor=people["agency_admin"], phase=first)
    first.refresh_from_db()
    assert first.results_published_at == CLOSES
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.PUBLISHED  # the next phase still runs
