"""Background work of the accounts app."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from govtech.accounts.models import Invitation
from govtech.core.tasks import task


@task()
def invitation_send_task(*, invitation_id: int) -> bool:
    """Mail an invitation once: a retried task finds ``sent_at`` set and stops."""
    with transaction.atomic():
        invitation = (
            # Lock only the invitation: PostgreSQL cannot lock the nullable side (invited_by)
            # of the outer join that select_related makes.
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organization", "invited_by")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or invitation.sent_at is not None or not invitation.is_pending:
            return False
        with translation.override(invitation.language):
            context = {"invitation": invitation, "site_url": settings.SITE_URL}
            subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
            body = render_to_string("accounts/email/invitation_message.txt", context)
        send_mail(f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}", body, None, [invitation.email])
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return True
