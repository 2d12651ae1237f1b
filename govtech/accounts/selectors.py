"""Reads of people and organizations. Lists are built for a bounded number of queries."""

from django.db.models import Count, QuerySet

from govtech.accounts.models import Invitation, Membership, Organization, User
from govtech.core.search import search


def organization_list(
    *, kind: str | None = None, query: str | None = None, is_sme: bool | None = None
) -> QuerySet[Organization]:
    """Public directory of active organizations."""
    organizations = (
        Organization.objects.filter(is_active=True)
        .select_related("parent")
        .annotate(member_count=Count("memberships", distinct=True))
    )
    if kind:
        organizations = organizations.filter(kind=kind)
    if is_sme is not None:
        organizations = organizations.filter(is_sme=is_sme)
    if query:
        organizations = search(organizations, ["name", "inn", "ogrn", "district"], query)
    return organizations.order_by("name")


def organization_list_for_user(*, user) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user).order_by("name")


def membership_list(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related("user").order_by("-role", "user__email")


def membership_role(*, user, organization: Organization) -> str | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, organization=organization).values_list("role", flat=True).first()


def invitation_list(*, organization: Organization) -> QuerySet[Invitation]:
    return Invitation.objects.filter(organization=organization).select_related("invited_by")


def user_list(*, query: str | None = None, role: str | None = None) -> QuerySet[User]:
    users = User.objects.all().order_by("email")
    if query:
        users = search(users, ["email", "full_name"], query)
    if role == "expert":
        users = users.filter(is_expert=True)
    elif role == "operator":
        users = users.filter(is_operator=True)
    return users


def agency_choices() -> QuerySet[Organization]:
    return Organization.objects.filter(kind="agency", is_active=True).order_by("name")


def api_token_for_user(*, user):
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(user=user).first()


def member_ids(*organization_ids: int) -> list[int]:
    """The people in these organizations (to notify them)."""
    return list(
        Membership.objects.filter(organization_id__in=organization_ids).values_list("user_id", flat=True).distinct()
    )


def operator_ids() -> list[int]:
    """The active operators (to notify them)."""
    return list(User.objects.filter(is_operator=True, is_active=True).values_list("pk", flat=True))
