"""The only way views and the API get a notification or follow for a person."""

from django.http import Http404

from govtech.notifications.models import Follow, Notification


def access_notification(*, actor, notification_id) -> Notification:
    """Someone else's notification is "not found", the same as a missing one."""
    notification = Notification.objects.filter(pk=notification_id, recipient_id=actor.pk).first()
    if notification is None:
        raise Http404
    return notification


def access_follow(*, actor, follow_id) -> Follow:
    follow = Follow.objects.filter(pk=follow_id, user_id=actor.pk).select_related("content_type").first()
    if follow is None:
        raise Http404
    return follow
