"""The audit chain: appended in the change's transaction, and any tampering is detected."""

from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from govtech.core import audit
from govtech.core.models import AuditChainHead, AuditEvent, AuditLogIsAppendOnly
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _record_events(n: int = 4):
    actor = UserFactory()
    target = OrganizationFactory()
    with transaction.atomic():
        for i in range(n):
            audit.record(
                actor=actor, action="test.changed", target=target, before={"n": i}, after={"n": i + 1, "name": "Тест"}
            )
    return list(AuditEvent.objects.order_by("sequence"))


def _verify() -> str:
    try:
        call_command("verify_audit", stdout=StringIO(), stderr=StringIO())
    except CommandError as exc:
        return str(exc)
    return "ok"


def test_events_form_an_intact_chain():
    events = _record_events()
    assert [e.sequence for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == audit.GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(events))
    assert audit.verify_chain() == []
    assert _verify() == "ok"


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    target = OrganizationFactory()
    with pytest.raises(RuntimeError):
        audit.record(actor=None, action="test.changed", target=target)


def test_a_rolled_back_change_leaves_no_event():
    target = OrganizationFactory()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        audit.record(actor=None, action="test.changed", target=target)
        1 / 0  # noqa: B018
    assert AuditEvent.objects.count() == 0
    assert audit.verify_chain() == []


def test_the_model_refuses_edits_and_deletes():
    event = _record_events(1)[0]
    event.action = "forged"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()


@pytest.mark.parametrize(
    "field, value",
    [("action", "organization.deleted"), ("actor_label", "someone@else"), ("after", {"n": 999}), ("object_id", "42")],
)
def test_editing_any_field_is_detected(field, value):
    events = _record_events()
    AuditEvent.objects.filter(pk=events[1].pk).update(**{field: value})
    problems = audit.verify_chain()
    assert any(p.sequence == 2 and "edited" in p.message for p in problems)
    assert "NOT intact" in _verify()


def test_editing_an_event_and_rehashing_it_breaks_the_next_link():
    events = _record_events()
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.action = "forged"
    new_hash = audit.event_hash(forged)
    AuditEvent.objects.filter(pk=forged.pk).update(action="forged", hash=new_hash)
    problems = audit.verify_chain()
    assert any(p.sequence == 3 and "previous hash" in p.message for p in problems)
    assert "NOT intact" in _verify()


def test_deleting_an_event_in_the_middle_is_detected():
    events = _record_events()
    AuditEvent.objects.filter(pk=events[1].pk)._raw_delete(connection.alias)
    assert "NOT intact" in _verify()


def test_deleting_the_newest_event_is_detected_by_the_chain_head():
    events = _record_events()
    AuditEvent.objects.filter(pk=events[-1].pk)._raw_delete(connection.alias)
    problems = audit.verify_chain()
    assert [p.sequence for p in problems] == [None]
    assert "NOT intact" in _verify()


def test_reordering_events_is_detected():
    events = _record_events()
    first, second = events[1], events[2]
    # Swap the sequence numbers of two events (through a free number, to respect uniqueness).
    AuditEvent.objects.filter(pk=first.pk).update(sequence=1000)
    AuditEvent.objects.filter(pk=second.pk).update(sequence=first.sequence)
    AuditEvent.objects.filter(pk=first.pk).update(sequence=second.sequence)
    assert audit.verify_chain() != []
    assert "NOT intact" in _verify()


def test_a_truncated_log_with_a_reset_head_is_still_caught_when_sequence_gaps():
    events = _record_events()
    AuditEvent.objects.filter(pk=events[0].pk)._raw_delete(connection.alias)
    head = AuditChainHead.objects.get()
    assert head.sequence == 4
    problems = audit.verify_chain()
    assert any("expected sequence 1" in p.message for p in problems)


def test_cyrillic_and_dates_hash_the_same_after_a_round_trip():
    import datetime

    target = OrganizationFactory(name="ООО «Ромашка»")
    with transaction.atomic():
        audit.record(
            actor=None, action="test.dates", target=target, after={"when": datetime.date(2024, 2, 29), "name": "Ёлка"}
        )
    assert audit.verify_chain() == []


def test_deleting_an_account_keeps_its_events_intact():
    events = _record_events(2)
    actor_id = events[0].actor_id
    from govtech.accounts.models import User

    User.objects.filter(pk=actor_id).delete()
    assert AuditEvent.objects.filter(actor_id=actor_id).count() == 2
    assert audit.verify_chain() == []
