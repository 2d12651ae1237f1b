"""Simultaneous "advance" decisions cannot push a phase past its cap (and, once the results are
published, exactly the advanced submissions reach the funnel).

Each decision runs in its own thread, with its own database connection and transaction, and is
held after its checks and before it commits, so that without the phase lock every one of them
would pass the cap check. PostgreSQL makes the later decisions wait on the phase row and then
refuses them by the rule. SQLite lets one writer at a time touch a table and refuses the others
outright ("database table is locked"); those decisions are simply tried again, as a person would
press the button again, and then meet the same rule. (Each thread decides its own submission, so a
submission found advanced after such a refusal was advanced by that thread.)"""

import contextlib
import random
import threading
import time

import pytest
from django.db import OperationalError, connection

from govtech.challenges import services
from govtech.challenges.models import Submission, SubmissionStatus
from govtech.core import audit
from govtech.core.errors import Conflict
from govtech.funnel.models import Initiative
from tests.challenges.helpers import decidable_challenge, supplier_with_member
from tests.factories import AgencyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

HOLD_SECONDS = 2
RETRY_SECONDS = 30


def _hold_each_decision_before_it_commits(monkeypatch, parties: int) -> None:
    """Every thread stops at its first audit event (written after the cap check, before commit)
    until all have arrived, or until HOLD_SECONDS pass when some are kept waiting on a lock."""
    barrier = threading.Barrier(parties, timeout=HOLD_SECONDS)
    held = threading.local()
    record = audit.record

    def hold_then_record(**kwargs):
        if not getattr(held, "done", False):
            held.done = True
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        return record(**kwargs)

    monkeypatch.setattr(services.audit, "record", hold_then_record)


def _committed(submission, give_up_at: float) -> bool:
    """Whether this thread's decision stands. SQLite may refuse a write that runs after the commit
    (queueing the notifications), and then the decision is made and must not be tried again."""
    while True:
        try:
            return Submission.objects.filter(pk=submission.pk, status=SubmissionStatus.ADVANCED).exists()
        except OperationalError:
            if time.monotonic() > give_up_at:
                raise
            time.sleep(random.uniform(0.01, 0.05))


def _decide_in_thread(actor, submission) -> threading.Thread:
    def run():
        give_up_at = time.monotonic() + RETRY_SECONDS
        try:
            while True:
                try:
                    services.submission_decide(actor=actor, submission=submission, advance=True, rationale="Лучшие")
                except OperationalError:
                    # Only SQLite refuses a second writer; on PostgreSQL this would be a real fault.
                    if connection.vendor != "sqlite" or time.monotonic() > give_up_at:
                        raise
                    thread.retries += 1
                    time.sleep(random.uniform(0.01, 0.05))
                    if not _committed(submission, give_up_at):
                        continue
                    # Only the queueing of its notifications after the commit was refused.
                thread.outcome = None
                return
        except Exception as exc:  # the outcome is what the test checks
            thread.outcome = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.outcome, thread.retries = "not finished", 0
    thread.start()
    return thread


def _race(monkeypatch, owner, submissions) -> list:
    _hold_each_decision_before_it_commits(monkeypatch, len(submissions))
    threads = [_decide_in_thread(owner, submission) for submission in submissions]
    for thread in threads:
        thread.join(timeout=RETRY_SECONDS + 30)
    assert not any(thread.is_alive() for thread in threads)
    return [thread.outcome for thread in threads]


def _owner():
    agency = AgencyFactory()
    owner = UserFactory()
    MembershipFactory(user=owner, organization=agency)
    return agency, owner


def test_two_simultaneous_advances_cannot_exceed_a_cap_of_one(monkeypatch):
    agency, owner = _owner()
    suppliers = [supplier_with_member()[0] for _ in range(2)]
    _challenge, phase, submissions = decidable_challenge(agency, suppliers, advance_cap=1)

    outcomes = _race(monkeypatch, owner, submissions)

    advanced = Submission.objects.filter(phase=phase, status=SubmissionStatus.ADVANCED)
    assert advanced.count() == 1, outcomes
    assert outcomes.count(None) == 1, outcomes
    (refusal,) = [outcome for outcome in outcomes if outcome is not None]
    assert isinstance(refusal, Conflict), repr(refusal)
    assert refusal.code == "cap_reached"
    # The refused decision left nothing behind: one submission still waits.
    assert Submission.objects.filter(phase=phase, status=SubmissionStatus.SUBMITTED).count() == 1
    _publish_and_check_the_funnel(monkeypatch, owner, phase, cap=1)


def _publish_and_check_the_funnel(monkeypatch, owner, phase, *, cap: int) -> None:
    """Deciding touched no funnel; publishing carries exactly the advanced submissions into it."""
    monkeypatch.undo()  # the race is over: audit events are written without holding
    assert not Initiative.objects.exists()
    services.phase_publish_results(actor=owner, phase=phase)
    advanced = Submission.objects.filter(phase=phase, status=SubmissionStatus.ADVANCED)
    assert Initiative.objects.count() == cap
    assert set(Initiative.objects.values_list("pk", flat=True)) == set(advanced.values_list("initiative", flat=True))
    assert audit.verify_chain() == []


def test_four_simultaneous_advances_fill_a_cap_of_two_and_no_more(monkeypatch):
    agency, owner = _owner()
    suppliers = [supplier_with_member()[0] for _ in range(4)]
    _challenge, phase, submissions = decidable_challenge(agency, suppliers, advance_cap=2)

    outcomes = _race(monkeypatch, owner, submissions)

    assert Submission.objects.filter(phase=phase, status=SubmissionStatus.ADVANCED).count() == 2, outcomes
    assert outcomes.count(None) == 2, outcomes
    refusals = [outcome for outcome in outcomes if outcome is not None]
    assert all(isinstance(r, Conflict) and r.code == "cap_reached" for r in refusals), refusals
    _publish_and_check_the_funnel(monkeypatch, owner, phase, cap=2)
