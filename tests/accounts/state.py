"""A snapshot of everything the accounts app can change, to prove a refusal changed nothing."""

from django_tasks_db.models import DBTaskResult
from rest_framework.authtoken.models import Token

from govtech.accounts.models import Invitation, Membership, Organization, User
from govtech.core.models import AuditEvent


def accounts_state() -> dict:
    return {
        "users": list(
            User.objects.order_by("pk").values(
                "pk", "email", "full_name", "language", "is_expert", "is_operator", "is_staff", "is_active"
            )
        ),
        "organizations": list(Organization.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values("pk", "user_id", "organization_id", "role")),
        "invitations": list(Invitation.objects.order_by("pk").values()),
        "tokens": list(Token.objects.order_by("key").values_list("key", "user_id")),
        "tasks": DBTaskResult.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }
