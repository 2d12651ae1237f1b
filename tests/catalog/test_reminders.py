"""Reminders before an accreditation ends: the decision queues the reminder task for 60 and 14 days
before the end (settings.GOVTECH_CATALOG_EXPIRY_REMINDER_DAYS), each reminder is sent once per
end date, a product first seen late gets only the nearest one, a renewal starts over for the new
date, archived products are not reminded, the cron command catches up, and the supplier's
members find the notification in their inbox."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from govtech.catalog import notification_kinds as kinds
from govtech.catalog import services
from govtech.catalog.models import ExpiryReminder, ProductStatus
from govtech.core.models import AuditEvent
from govtech.notifications.models import Notification
from tests.catalog.conftest import CLOCK_START
from tests.catalog.factories import IntakeCycleFactory, ProductFactory, accredit
from tests.factories import MembershipFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 12:00 in Moscow.
T0 = CLOCK_START
MOSCOW = dt.timezone(dt.timedelta(hours=3))
SECOND = dt.timedelta(seconds=1)
UNTIL = dt.date(2027, 9, 2)  # T0 + 18 months
TASK = "govtech.catalog.tasks.expiry_reminders_task"


def at(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    """That time of the day in Moscow."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=MOSCOW)


def before(days: int, until: dt.date = UNTIL) -> dt.date:
    return until - dt.timedelta(days=days)


def reminders(product) -> list[tuple[dt.date, int]]:
    return sorted(product.expiry_reminders.values_list("accredited_until", "days_before"))


def reminder_tasks() -> list:
    return sorted(DBTaskResult.objects.filter(task_path=TASK).values_list("run_after", flat=True))


# --- what is due, sent once ----------------------------------------------------------------------


def test_the_60_and_the_14_day_reminders_are_each_sent_once(clock, eligible):
    product = ProductFactory(supplier=eligible, accredited_until=UNTIL)
    schedule = [
        (before(61), 0),
        (before(60), 1),
        (before(60), 0),  # the same day again
        (before(59), 0),
        (before(15), 0),
        (before(14), 1),
        (before(14), 0),
        (before(1), 0),
        (UNTIL, 0),
        (UNTIL + dt.timedelta(days=1), 0),
    ]
    for day, sent in schedule:
        clock.move_to(at(day))
        assert services.send_expiry_reminders() == sent, day
    assert reminders(product) == [(UNTIL, 14), (UNTIL, 60)]
    events = AuditEvent.objects.filter(action="product.expiry_reminded").order_by("sequence")
    assert [event.after for event in events] == [
        {"accredited_until": "2027-09-02", "days_before": 60},
        {"accredited_until": "2027-09-02", "days_before": 14},
    ]
    assert all(event.actor_id is None for event in events)


def test_the_day_is_the_citys(clock, eligible):
    """00:30 in Moscow is still the evening before in UTC: the reminder is due by the city's date."""
    product = ProductFactory(supplier=eligible, accredited_until=UNTIL)
    clock.move_to(at(before(61), 23, 59))
    assert services.send_expiry_reminders() == 0
    clock.move_to(at(before(60), 0, 30))
    assert services.send_expiry_reminders() == 1
    assert reminders(product) == [(UNTIL, 60)]


def test_the_moment_can_be_given(db, eligible):
    product = ProductFactory(supplier=eligible, accredited_until=UNTIL)
    assert services.send_expiry_reminders(now=at(before(61))) == 0
    assert services.send_expiry_reminders(now=at(before(14))) == 1
    assert reminders(product) == [(UNTIL, 14)]


@pytest.mark.parametrize(
    "first_seen, expected", [(10, [(UNTIL, 14)]), (14, [(UNTIL, 14)]), (30, [(UNTIL, 14), (UNTIL, 60)])]
)
def test_a_product_first_seen_late_gets_the_nearest_reminder_only(clock, eligible, first_seen, expected):
    product = ProductFactory(supplier=eligible, accredited_until=UNTIL)
    clock.move_to(at(before(first_seen)))
    assert services.send_expiry_reminders() == 1
    for days in range(first_seen - 1, -1, -1):
        clock.move_to(at(before(days)))
        sent = services.send_expiry_reminders()
        assert sent == (1 if first_seen > 14 and days == 14 else 0), days
    assert reminders(product) == expected


def test_archived_and_unaccredited_products_are_not_reminded(clock, eligible):
    archived = ProductFactory(supplier=eligible, accredited_until=UNTIL, status=ProductStatus.ARCHIVED)
    ProductFactory(supplier=eligible)  # never accredited
    ProductFactory(supplier=eligible, accredited_until=before(70))  # ended before
    later = ProductFactory(supplier=eligible, accredited_until=UNTIL + dt.timedelta(days=1))
    clock.move_to(at(before(60)))
    assert services.send_expiry_reminders() == 0
    assert not ExpiryReminder.objects.exists()
    assert reminders(archived) == []
    clock.move_to(at(before(59)))
    assert services.send_expiry_reminders() == 1
    assert [r.product for r in ExpiryReminder.objects.all()] == [later]


def test_the_lead_times_are_a_setting(clock, eligible, settings):
    settings.GOVTECH_CATALOG_EXPIRY_REMINDER_DAYS = [30]
    product = ProductFactory(supplier=eligible, accredited_until=UNTIL)
    for days, sent in [(60, 0), (31, 0), (30, 1), (14, 0), (0, 0)]:
        clock.move_to(at(before(days)))
        assert services.send_expiry_reminders() == sent, days
    assert reminders(product) == [(UNTIL, 30)]
    settings.GOVTECH_CATALOG_EXPIRY_REMINDER_DAYS = []
    assert services.send_expiry_reminders() == 0


def test_a_renewal_is_reminded_again_for_its_new_end(people, clock, eligible):
    operator, actor = people["operator"], people["supplier_member"]
    product = ProductFactory(supplier=eligible)
    accredit(product, operator=operator, supplier_user=actor)
    clock.move_to(at(before(60)))
    assert services.send_expiry_reminders() == 1
    clock.move_to(at(before(50)))
    renewal = accredit(product, operator=operator, supplier_user=actor)
    new_until = dt.date(2029, 3, 2)
    assert renewal.accredited_until == new_until
    # The old date's 14-day reminder is no longer due: the product does not end then.
    clock.move_to(at(before(14)))
    assert services.send_expiry_reminders() == 0
    clock.move_to(at(before(60, new_until)))
    assert services.send_expiry_reminders() == 1
    clock.move_to(at(before(14, new_until)))
    assert services.send_expiry_reminders() == 1
    assert reminders(product) == [(UNTIL, 60), (new_until, 14), (new_until, 60)]


# --- the task queued by the decision, the worker and the command -----------------------------------


def test_the_decision_queues_the_task_for_each_lead_time(people, clock, eligible, django_capture_on_commit_callbacks):
    product = ProductFactory(supplier=eligible)
    with django_capture_on_commit_callbacks(execute=True):
        accredit(product, operator=people["operator"], supplier_user=people["supplier_member"])
    assert reminder_tasks() == [at(before(60), 9), at(before(14), 9)]


def test_a_short_accreditation_queues_the_reached_reminder_at_once_and_the_rest_ahead(
    people, clock, eligible, django_capture_on_commit_callbacks
):
    product = ProductFactory(supplier=eligible)
    with django_capture_on_commit_callbacks(execute=True):
        application = accredit(
            product,
            operator=people["operator"],
            supplier_user=people["supplier_member"],
            cycle=IntakeCycleFactory(accreditation_months=1),
        )
    assert application.accredited_until == dt.date(2026, 4, 2)
    # The 60-day lead time is already reached: due now (the decision's moment), then the 14-day one.
    assert reminder_tasks() == [timezone.now(), at(dt.date(2026, 3, 19), 9)]


def test_a_decline_queues_no_reminder(people, clock, eligible, django_capture_on_commit_callbacks):
    product = ProductFactory(supplier=eligible)
    application = services.application_submit(
        actor=people["supplier_member"], product=product, cycle=IntakeCycleFactory(), statement="Готово."
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.application_decide(actor=people["operator"], application=application, accredit=False, reason="Рано")
    assert reminder_tasks() == []


def test_the_worker_reminds_the_suppliers_members_once(
    people, clock, eligible, run_worker, django_capture_on_commit_callbacks
):
    product = ProductFactory(supplier=eligible, name="Диспетчер заявок ЖКХ")
    colleague = UserFactory()
    MembershipFactory(user=colleague, organization=eligible)
    outsider = UserFactory()
    MembershipFactory(user=outsider, organization=SupplierFactory())
    with django_capture_on_commit_callbacks(execute=True):
        accredit(product, operator=people["operator"], supplier_user=people["supplier_member"])
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()  # the decision's notifications; the reminders wait
    run_worker()
    assert not Notification.objects.filter(kind=kinds.EXPIRY_SOON.key).exists()
    assert len(reminder_tasks()) == 2

    clock.move_to(at(before(60), 9) - SECOND)
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()
    run_worker()
    assert not Notification.objects.filter(kind=kinds.EXPIRY_SOON.key).exists()

    clock.move_to(at(before(60), 9))
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()  # the reminder task runs and queues the delivery
    run_worker()  # which writes the inbox rows
    told = Notification.objects.filter(kind=kinds.EXPIRY_SOON.key)
    members = [people["supplier_member"], people["supplier_admin"], colleague]
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(person.pk for person in members)
    assert told.first().params == {"product": "Диспетчер заявок ЖКХ", "date": "2027-09-02"}
    assert told.first().url == product.get_absolute_url()

    # The command (say, from cron the same day) sends nothing twice.
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_accreditation_reminders", stdout=out)
    run_worker()
    assert out.getvalue().strip() == "reminders sent: 0"
    assert told.count() == len(members)

    clock.move_to(at(before(14), 9))
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()
    run_worker()
    assert told.count() == 2 * len(members)
    assert DBTaskResult.objects.filter(task_path=TASK, status="SUCCESSFUL").count() == 2


def test_the_command_catches_up_with_every_due_reminder_once(clock, eligible):
    ProductFactory(supplier=eligible, accredited_until=T0.date() + dt.timedelta(days=45))  # the 60-day one
    ProductFactory(supplier=eligible, accredited_until=T0.date() + dt.timedelta(days=3))  # the 14-day one
    ProductFactory(supplier=eligible, accredited_until=T0.date() + dt.timedelta(days=61))  # not yet
    ProductFactory(supplier=eligible, accredited_until=T0.date() + dt.timedelta(days=3), status=ProductStatus.ARCHIVED)
    out = StringIO()
    call_command("send_accreditation_reminders", stdout=out)
    assert out.getvalue().strip() == "reminders sent: 2"
    assert sorted(ExpiryReminder.objects.values_list("days_before", flat=True)) == [14, 60]
    out = StringIO()
    call_command("send_accreditation_reminders", stdout=out)
    assert out.getvalue().strip() == "reminders sent: 0"
