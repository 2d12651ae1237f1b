"""Reads for notifications: an inbox is only ever its owner's."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from govtech.notifications.kinds import KINDS
from govtech.notifications.models import Follow, Notification, NotificationPreference


def notification_list_for_user(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications


def unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def follow_list_for_user(*, user) -> QuerySet[Follow]:
    return Follow.objects.filter(user=user).select_related("content_type")


def is_following(*, user, target) -> bool:
    if not user.is_authenticated:
        return False
    content_type = ContentType.objects.get_for_model(target)
    return Follow.objects.filter(user=user, content_type=content_type, object_id=str(target.pk)).exists()


def follower_count(*, target) -> int:
    content_type = ContentType.objects.get_for_model(target)
    return Follow.objects.filter(content_type=content_type, object_id=str(target.pk)).count()


def email_preferences(*, user) -> dict[str, bool]:
    """Every kind with whether it is e-mailed (on unless turned off)."""
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {key: stored.get(key, True) for key in KINDS}
