"""Writing and verifying the hash-chained audit log.

Every service calls :func:`record` inside its transaction, so the event exists
exactly when the change does.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from govtech.core.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def to_json_value(value):
    """Normalise a value the way the JSON column will give it back, so hashes match."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    """The named fields of a model as JSON values, for an event's before/after."""
    data = {}
    for name in fields:
        field = instance._meta.get_field(name)
        data[name] = getattr(instance, field.attname)
    return to_json_value(data)


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(
    *,
    sequence: int,
    occurred_at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    before,
    after,
    prev_hash: str,
) -> str:
    payload = json.dumps(
        {
            "sequence": sequence,
            "occurred_at": _timestamp(occurred_at),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "object_repr": object_repr,
            "before": before,
            "after": after,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def event_hash(event: AuditEvent) -> str:
    return compute_hash(
        sequence=event.sequence,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        object_repr=event.object_repr,
        before=event.before,
        after=event.after,
        prev_hash=event.prev_hash,
    )


def _object_type(target) -> str:
    if isinstance(target, models.Model):
        return target._meta.label_lower
    return str(target)


def record(
    *,
    actor,
    action: str,
    target,
    object_id=None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change it records")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    fields = {
        "sequence": head.sequence + 1,
        "occurred_at": timezone.now(),
        "actor_id": actor.pk if is_person else None,
        "actor_label": (actor.email if is_person else str(actor or "system"))[:255],
        "action": action,
        "object_type": _object_type(target),
        "object_id": str(object_id if object_id is not None else getattr(target, "pk", ""))[:64],
        "object_repr": (str(target) if isinstance(target, models.Model) else "")[:255],
        "before": to_json_value(before),
        "after": to_json_value(after),
        "prev_hash": head.hash,
    }
    event = AuditEvent.objects.create(**fields, hash=compute_hash(**fields))
    head.sequence, head.hash = event.sequence, event.hash
    head.save(update_fields=["sequence", "hash"])
    return event


@dataclass(frozen=True)
class ChainProblem:
    sequence: int | None
    message: str


def verify_chain(batch_size: int = 2000) -> list[ChainProblem]:
    """Recompute the chain from the first event; return every place it breaks."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    expected_sequence = 1
    last_hash = GENESIS_HASH
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=batch_size):
        if event.sequence != expected_sequence:
            problems.append(
                ChainProblem(event.sequence, f"expected sequence {expected_sequence}, found {event.sequence}")
            )
        if event.prev_hash != expected_prev:
            problems.append(ChainProblem(event.sequence, "previous hash does not match the event before it"))
        if event_hash(event) != event.hash:
            problems.append(ChainProblem(event.sequence, "content does not match its hash (edited)"))
        expected_prev = event.hash
        expected_sequence = event.sequence + 1
        last_hash = event.hash
    head = AuditChainHead.objects.filter(id=1).first()
    head_sequence, head_hash = (head.sequence, head.hash) if head else (0, GENESIS_HASH)
    if head_sequence != expected_sequence - 1 or head_hash != last_hash:
        problems.append(
            ChainProblem(None, f"chain head says {head_sequence} events, the log ends at {expected_sequence - 1}")
        )
    return problems
