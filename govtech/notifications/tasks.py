"""Delivery runs in the worker: inbox rows first, then e-mail. Both steps are idempotent,
so a retried or doubled task neither duplicates a notification nor mails twice."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from govtech.core.tasks import task
from govtech.notifications.models import Follow, Notification, NotificationPreference


def _deliver(event_key: str, kind: str, recipient_ids: list[int], params: dict, url: str) -> int:
    users = get_user_model().objects.filter(pk__in=recipient_ids, is_active=True).only("pk")
    Notification.objects.bulk_create(
        [Notification(recipient=user, kind=kind, event_key=event_key, params=params, url=url) for user in users],
        ignore_conflicts=True,
    )
    muted = set(
        NotificationPreference.objects.filter(user_id__in=recipient_ids, kind=kind, email=False).values_list(
            "user_id", flat=True
        )
    )
    sent = 0
    pending = Notification.objects.filter(event_key=event_key, emailed_at__isnull=True).exclude(recipient_id__in=muted)
    for notification_id in pending.values_list("pk", flat=True):
        sent += _email_one(notification_id)
    return sent


def _email_one(notification_id: int) -> int:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().select_related("recipient").filter(pk=notification_id).first()
        )
        if notification is None or notification.emailed_at is not None:
            return 0
        recipient = notification.recipient
        with translation.override(recipient.language):
            context = {"notification": notification, "recipient": recipient, "site_url": settings.SITE_URL}
            subject = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.title}"
            body = render_to_string("notifications/email.txt", context)
        send_mail(subject, body, None, [recipient.email])
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return 1


@task()
def deliver_task(*, event_key: str, kind: str, recipient_ids: list[int], params: dict, url: str = "") -> int:
    return _deliver(event_key, kind, recipient_ids, params, url)


@task()
def deliver_to_followers_task(
    *,
    event_key: str,
    kind: str,
    content_type_id: int,
    object_id: str,
    params: dict,
    url: str = "",
    exclude_user_id: int | None = None,
) -> int:
    content_type = ContentType.objects.get_for_id(content_type_id)
    followers = Follow.objects.filter(content_type=content_type, object_id=object_id).exclude(user_id=exclude_user_id)
    return _deliver(event_key, kind, list(followers.values_list("user_id", flat=True)), params, url)
