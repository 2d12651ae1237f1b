"""Fifty people vote and withdraw at the same moment on one idea; the count stays exact.

Each person runs in their own thread, with their own database connection and transactions, and
alternates vote, withdraw, vote... a different number of times, all starting together. The idea
row lock serialises them on PostgreSQL. SQLite lets one writer at a time in and refuses the others
outright ("database table is locked"); those steps are simply tried again, as a person would press
the button again. Each thread is a different person, so whether a refused step nevertheless took
effect is read from that person's own vote."""

import random
import threading
import time

import pytest
from django.db import OperationalError, connection

from govtech.core import audit
from govtech.core.models import AuditEvent
from govtech.participation import services
from govtech.participation.models import Idea, PointsEntry, PointsKind, Vote
from tests.factories import UserFactory
from tests.participation.factories import IdeaFactory

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = 50
RETRY_SECONDS = 120


def _steps(person_number: int) -> int:
    """How many times this person presses vote / withdraw: 1 to 4, so some end supporting."""
    return 1 + person_number % 4


def _retrying(step, *, done, give_up_at: float) -> None:
    """Run one step; on SQLite's refusal of a second writer, look whether it took effect anyway
    (the refusal may hit the commit or what follows it) and try again only if it did not."""
    while True:
        try:
            step()
            return
        except OperationalError:
            if connection.vendor != "sqlite" or time.monotonic() > give_up_at:
                raise
            time.sleep(random.uniform(0.005, 0.03))
        while True:  # the check itself may meet the lock
            try:
                if done():
                    return
                break
            except OperationalError:
                if time.monotonic() > give_up_at:
                    raise
                time.sleep(random.uniform(0.005, 0.03))


def _person_in_thread(person, idea_pk: int, steps: int, start: threading.Barrier) -> threading.Thread:
    def has_vote() -> bool:
        return Vote.objects.filter(idea_id=idea_pk, user=person).exists()

    def run():
        give_up_at = time.monotonic() + RETRY_SECONDS
        try:
            start.wait()
            idea = Idea(pk=idea_pk)  # only its id is used: the services read the row themselves

            def vote():
                services.vote_add(actor=person, idea=idea)

            def withdraw():
                services.vote_remove(actor=person, idea=idea)

            for number in range(steps):
                if number % 2 == 0:
                    _retrying(vote, done=has_vote, give_up_at=give_up_at)
                else:
                    _retrying(withdraw, done=lambda: not has_vote(), give_up_at=give_up_at)
            thread.outcome = None
        except Exception as exc:  # the outcome is what the test checks
            thread.outcome = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.outcome = "not finished"
    thread.start()
    return thread


def test_fifty_people_voting_and_withdrawing_at_once_leave_an_exact_count():
    idea = IdeaFactory()
    people = UserFactory.create_batch(PEOPLE)
    start = threading.Barrier(PEOPLE, timeout=60)

    threads = [_person_in_thread(person, idea.pk, _steps(n), start) for n, person in enumerate(people)]
    for thread in threads:
        thread.join(timeout=RETRY_SECONDS + 60)

    assert not any(thread.is_alive() for thread in threads)
    assert [thread.outcome for thread in threads] == [None] * PEOPLE
    supporters = {person.pk for n, person in enumerate(people) if _steps(n) % 2 == 1}
    idea.refresh_from_db()
    assert idea.vote_count == Vote.objects.filter(idea=idea).count() == len(supporters) == 25
    assert set(Vote.objects.filter(idea=idea).values_list("user_id", flat=True)) == supporters
    # Every press was recorded once, and the author holds exactly one point per supporter.
    presses = sum(_steps(n) for n in range(PEOPLE))
    assert AuditEvent.objects.filter(action__in=["idea.voted", "idea.unvoted"]).count() == presses
    assert PointsEntry.objects.filter(user=idea.author, kind=PointsKind.VOTE_RECEIVED).count() == len(supporters)
    assert audit.verify_chain() == []
