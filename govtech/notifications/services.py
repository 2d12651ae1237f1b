"""Writes for notifications: follow, unfollow, notify, mark read, settings."""

import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govtech.core import audit
from govtech.core.errors import Conflict, ServiceError
from govtech.core.permissions import require_perm
from govtech.notifications import tasks
from govtech.notifications.followable import is_followable
from govtech.notifications.kinds import KINDS
from govtech.notifications.models import Follow, Notification, NotificationPreference


def notify(*, kind: str, recipient_ids, params: dict, url: str = "") -> str:
    """Queue a notification for these people, delivered by the worker after commit."""
    event_key = uuid.uuid4().hex
    ids = sorted({int(pk) for pk in recipient_ids})
    if ids:
        transaction.on_commit(
            lambda: tasks.deliver_task.enqueue(
                event_key=event_key, kind=kind, recipient_ids=ids, params=params, url=url
            )
        )
    return event_key


def notify_followers(*, kind: str, target, params: dict, url: str = "", exclude_user_id: int | None = None) -> str:
    """Queue a notification to whoever follows ``target`` when the worker runs."""
    event_key = uuid.uuid4().hex
    content_type_id = ContentType.objects.get_for_model(target).pk
    object_id = str(target.pk)
    transaction.on_commit(
        lambda: tasks.deliver_to_followers_task.enqueue(
            event_key=event_key,
            kind=kind,
            content_type_id=content_type_id,
            object_id=object_id,
            params=params,
            url=url,
            exclude_user_id=exclude_user_id,
        )
    )
    return event_key


@transaction.atomic
def follow_create(*, actor, target) -> Follow:
    """A signed-in person may follow any public object, once."""
    require_perm(actor, "notifications.follow")
    if not is_followable(target):
        raise ServiceError(_("This cannot be followed."), code="not_followable")
    content_type = ContentType.objects.get_for_model(target)
    try:
        with transaction.atomic():
            follow = Follow.objects.create(user=actor, content_type=content_type, object_id=str(target.pk))
    except IntegrityError as exc:
        raise Conflict(_("You already follow this."), code="already_following") from exc
    audit.record(actor=actor, action="follow.created", target=target, after={"user": actor.pk})
    return follow


@transaction.atomic
def follow_delete(*, actor, target) -> None:
    require_perm(actor, "notifications.follow")
    content_type = ContentType.objects.get_for_model(target)
    deleted, _count = Follow.objects.filter(user=actor, content_type=content_type, object_id=str(target.pk)).delete()
    if not deleted:
        raise ServiceError(_("You do not follow this."), code="not_following")
    audit.record(actor=actor, action="follow.deleted", target=target, before={"user": actor.pk})


@transaction.atomic
def notification_mark_read(*, actor, notification: Notification) -> Notification:
    require_perm(actor, "notifications.manage_own", notification.recipient)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        audit.record(actor=actor, action="notification.read", target=notification)
    return notification


@transaction.atomic
def notification_mark_all_read(*, actor) -> int:
    require_perm(actor, "notifications.manage_own", actor)
    count = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
    if count:
        audit.record(actor=actor, action="notification.all_read", target=actor, after={"count": count})
    return count


@transaction.atomic
def preferences_update(*, actor, email_by_kind: dict[str, bool]) -> None:
    """Set, per kind, whether a person also gets e-mail. Unknown kinds are refused."""
    require_perm(actor, "notifications.manage_own", actor)
    unknown = set(email_by_kind) - set(KINDS)
    if unknown:
        raise ServiceError(
            _("Unknown notification kind: %(kinds)s") % {"kinds": ", ".join(sorted(unknown))}, field="kind"
        )
    current = dict(NotificationPreference.objects.filter(user=actor).values_list("kind", "email"))
    before = {kind: current.get(kind, True) for kind in email_by_kind}
    for kind, email in email_by_kind.items():
        NotificationPreference.objects.update_or_create(user=actor, kind=kind, defaults={"email": bool(email)})
    audit.record(
        actor=actor, action="notification.preferences_updated", target=actor, before=before, after=email_by_kind
    )
