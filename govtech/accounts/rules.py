"""The platform's role/permission model, in one place.

Loaded by ``rules.apps.AutodiscoverRulesConfig`` and answered through Django's
``user.has_perm(perm, obj)``, so pages, the API and the admin ask the same rules.
docs/roles.md is the human-readable matrix; tests/accounts/test_roles.py checks it.
"""

import rules

from govtech.accounts.models import SELF_SERVICE_KINDS, MembershipRole, Organization


@rules.predicate
def is_operator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_operator)


@rules.predicate
def is_expert(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_expert)


@rules.predicate
def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _role_in(user, organization) -> str | None:
    if not (is_signed_in(user) and isinstance(organization, Organization)):
        return None
    return organization.memberships.filter(user=user).values_list("role", flat=True).first()


@rules.predicate
def is_org_member(user, organization) -> bool:
    return _role_in(user, organization) is not None


@rules.predicate
def is_org_admin(user, organization) -> bool:
    return _role_in(user, organization) == MembershipRole.ADMIN


@rules.predicate
def is_self_service_kind(user, kind) -> bool:
    return kind in SELF_SERVICE_KINDS


@rules.predicate
def is_self(user, other) -> bool:
    return is_signed_in(user) and getattr(other, "pk", None) == user.pk


PERMISSIONS = {
    # accounts
    "accounts.change_own_profile": is_self,
    "accounts.add_organization": (is_signed_in & is_self_service_kind) | is_operator,
    "accounts.change_organization": is_org_admin | is_operator,
    "accounts.view_organization_members": is_org_member | is_operator,
    "accounts.invite_member": is_org_admin | is_operator,
    "accounts.change_membership": is_org_admin | is_operator,
    "accounts.add_membership_directly": is_operator,
    "accounts.grant_platform_role": is_operator,
    "accounts.view_user": is_operator,
    # core
    "core.view_auditevent": is_operator,
    # notifications: an inbox is its owner's; following needs only an account.
    "notifications.follow": is_signed_in,
    "notifications.manage_own": is_self,
}

for name, predicate in PERMISSIONS.items():
    rules.add_perm(name, predicate)
