"""Deadline reminders: queued at publication for two days before each phase closes, sent once,
only inside that window and only while the challenge is published; the cron command catches up
when the worker was down; participants get the e-mail in their own language."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from govtech.challenges import notification_kinds as kinds
from govtech.challenges import services
from govtech.challenges.models import ChallengeStatus, ConsultationSlot, Phase, Question
from govtech.core.errors import Conflict
from govtech.notifications import services as notifications
from govtech.notifications.models import Notification
from tests.challenges.factories import ChallengeFactory, SubmissionFactory
from tests.challenges.helpers import SECOND, T0, at, challenges_state, draft_challenge, supplier_with_member
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REMINDER_TASK = "govtech.challenges.tasks.deadline_reminder_task"
BEFORE = timedelta(hours=48)
CLOSES = at(10, hours=6)  # 12 March 2026, 18:00 in Moscow


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _reminder_tasks() -> dict[int, DBTaskResult]:
    return {
        task.args_kwargs["kwargs"]["phase_id"]: task for task in DBTaskResult.objects.filter(task_path=REMINDER_TASK)
    }


def test_publication_queues_a_reminder_two_days_before_each_phase_closes(
    people, clock, agency, django_capture_on_commit_callbacks
):
    challenge = draft_challenge(
        agency,
        status=ChallengeStatus.IN_REVIEW,
        phases=[{"opens_at": at(1), "closes_at": CLOSES}, {"opens_at": at(12), "closes_at": at(30)}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.challenge_publish(actor=people["operator"], challenge=challenge)
    first, second = challenge.phases.order_by("number")
    tasks = _reminder_tasks()
    assert set(tasks) == {first.pk, second.pk}
    assert tasks[first.pk].run_after == CLOSES - BEFORE
    assert tasks[second.pk].run_after == at(30) - BEFORE


def test_a_phase_closing_within_two_days_is_reminded_at_once(people, clock, agency, django_capture_on_commit_callbacks):
    challenge = draft_challenge(
        agency, status=ChallengeStatus.IN_REVIEW, phases=[{"opens_at": at(-1), "closes_at": at(1)}]
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.challenge_publish(actor=people["operator"], challenge=challenge)
    assert _reminder_tasks()[challenge.phases.get().pk].run_after == T0


def test_nothing_is_queued_when_publication_is_refused(people, clock, agency, refused_checker):
    challenge = draft_challenge(agency)  # a draft, not in review
    with refused_checker(challenges_state)(Conflict, code="wrong_status"):
        services.challenge_publish(actor=people["operator"], challenge=challenge)
    assert _reminder_tasks() == {}


@pytest.fixture
def phase(clock, agency):
    return ChallengeFactory(owner=agency, phases=[{"opens_at": at(-1), "closes_at": CLOSES}]).phases.get()


def test_a_reminder_is_sent_once_inside_the_two_days_before_the_close(clock, phase, django_capture_on_commit_callbacks):
    clock.move_to(CLOSES - BEFORE - SECOND)
    with django_capture_on_commit_callbacks() as too_early:
        assert services.phase_send_reminder(phase_id=phase.pk) is False
    assert too_early == []
    clock.move_to(CLOSES - BEFORE)
    with django_capture_on_commit_callbacks() as sent:
        assert services.phase_send_reminder(phase_id=phase.pk) is True
    assert sent  # the notifications are queued for after commit
    phase.refresh_from_db()
    assert phase.reminder_sent_at == CLOSES - BEFORE
    clock.move_to(CLOSES - SECOND)
    with django_capture_on_commit_callbacks() as again:
        assert services.phase_send_reminder(phase_id=phase.pk) is False
    assert again == []


def test_no_reminder_once_the_phase_has_closed(clock, phase):
    clock.move_to(CLOSES)
    assert services.phase_send_reminder(phase_id=phase.pk) is False
    phase.refresh_from_db()
    assert phase.reminder_sent_at is None


@pytest.mark.parametrize(
    "status", [ChallengeStatus.EVALUATION, ChallengeStatus.CANCELLED, ChallengeStatus.DECIDED, ChallengeStatus.CLOSED]
)
def test_no_reminder_unless_the_challenge_is_published(clock, phase, status):
    type(phase.challenge).objects.filter(pk=phase.challenge_id).update(status=status)
    clock.move_to(CLOSES - BEFORE)
    assert services.phase_send_reminder(phase_id=phase.pk) is False
    assert Phase.objects.get(pk=phase.pk).reminder_sent_at is None


def test_a_missing_phase_is_no_error(db):
    assert services.phase_send_reminder(phase_id=987654) is False


def test_the_command_sends_the_due_reminders_once(clock, agency):
    due = ChallengeFactory(owner=agency, phases=[{"opens_at": at(-1), "closes_at": at(1)}]).phases.get()
    later = ChallengeFactory(owner=agency, phases=[{"opens_at": at(-1), "closes_at": at(2) + SECOND}]).phases.get()
    sent_before = ChallengeFactory(owner=agency, phases=[{"opens_at": at(-1), "closes_at": at(1)}]).phases.get()
    Phase.objects.filter(pk=sent_before.pk).update(reminder_sent_at=at(-1))
    ChallengeFactory(owner=agency, status=ChallengeStatus.CANCELLED, phases=[{"opens_at": at(-1), "closes_at": at(1)}])
    ChallengeFactory(owner=agency, phases=[{"opens_at": at(-10), "closes_at": T0}])  # closed just now

    assert services.due_reminder_phase_ids() == [due.pk]
    out = StringIO()
    call_command("send_challenge_reminders", stdout=out)
    assert out.getvalue().strip() == "reminders sent: 1"
    assert Phase.objects.get(pk=due.pk).reminder_sent_at == T0
    assert Phase.objects.get(pk=later.pk).reminder_sent_at is None
    out = StringIO()
    call_command("send_challenge_reminders", stdout=out)
    assert out.getvalue().strip() == "reminders sent: 0"


def test_participants_get_the_reminder_by_e_mail_in_their_language(
    people, clock, agency, supplier, run_worker, django_capture_on_commit_callbacks
):
    challenge = draft_challenge(
        agency, status=ChallengeStatus.IN_REVIEW, phases=[{"opens_at": at(1), "closes_at": CLOSES}]
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.challenge_publish(actor=people["operator"], challenge=challenge)
    challenge.refresh_from_db()
    phase = challenge.phases.get()
    # Taking part: a supplier that submitted (two members), one that booked a slot, one that asked,
    # and a follower. The reader of English has chosen it on their profile.
    SubmissionFactory(phase=phase, supplier=supplier)
    people["supplier_admin"].language = "en"
    people["supplier_admin"].save()
    booker_org, booker = supplier_with_member()
    ConsultationSlot.objects.create(challenge=challenge, starts_at=at(2), place="Каб. 5", booked_by=booker_org)
    asker = UserFactory(language="en")
    Question.objects.create(challenge=challenge, text="Есть ли открытые данные?", asked_by=asker)
    follower, bystander = UserFactory(), UserFactory()
    notifications.follow_create(actor=follower, target=challenge)
    run_worker()  # the owner hears of the publication
    mail.outbox.clear()

    clock.move_to(CLOSES - BEFORE - SECOND)
    run_worker()
    assert mail.outbox == []  # the reminder is not due yet
    clock.move_to(CLOSES - BEFORE)
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()  # the reminder task runs and queues the deliveries
    run_worker()  # which send the e-mails

    by_address = {message.to[0]: message for message in mail.outbox}
    participants = [people["supplier_member"], people["supplier_admin"], booker, asker, follower]
    assert sorted(by_address) == sorted(person.email for person in participants)
    assert bystander.email not in by_address and people["agency_admin"].email not in by_address
    for person in participants:
        message = by_address[person.email]
        with translation.override(person.language):
            title = str(kinds.DEADLINE_SOON.title({"challenge": challenge.title, "deadline": "2026-03-12 18:00"}))
            settings_line = translation.gettext("You can choose which notifications are e-mailed to you:")
        assert title in message.subject
        assert challenge.title in message.subject
        assert "2026-03-12 18:00" in message.subject  # the deadline in Moscow time, readable in any language
        assert settings_line in message.body
    english = by_address[asker.email]
    assert "submissions close on" in english.subject
    assert "марта" not in english.subject  # no date written out in another language
    assert "You can choose which notifications" in english.body
    assert "Выбрать, какие уведомления" in by_address[people["supplier_member"].email].body
    assert Notification.objects.filter(kind=kinds.DEADLINE_SOON.key).count() == len(participants)

    # The worker running the same reminder again, or the command, sends nothing twice.
    mail.outbox.clear()
    call_command("send_challenge_reminders", stdout=StringIO())
    with django_capture_on_commit_callbacks(execute=True):
        assert services.phase_send_reminder(phase_id=phase.pk) is False
    run_worker()
    assert mail.outbox == []
