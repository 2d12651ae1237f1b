"""Who may do what in the funnel (see states.py for the moves themselves)."""

import rules

from govtech.accounts.models import MembershipRole, OrganizationKind
from govtech.accounts.rules import is_operator, is_signed_in
from govtech.funnel.models import Initiative, Visibility


def _agency_role(user, organization):
    if not (is_signed_in(user) and organization is not None and organization.kind == OrganizationKind.AGENCY):
        return None
    return organization.memberships.filter(user=user).values_list("role", flat=True).first()


@rules.predicate
def is_sponsor_member(user, obj) -> bool:
    """A member of the sponsoring agency (obj: an initiative, or the agency itself)."""
    organization = obj.sponsor if isinstance(obj, Initiative) else obj
    return _agency_role(user, organization) is not None


@rules.predicate
def is_sponsor_admin(user, obj) -> bool:
    organization = obj.sponsor if isinstance(obj, Initiative) else obj
    return _agency_role(user, organization) == MembershipRole.ADMIN


@rules.predicate
def is_team_member(user, initiative) -> bool:
    return is_signed_in(user) and isinstance(initiative, Initiative) and initiative.team.filter(user=user).exists()


@rules.predicate
def is_public_initiative(user, initiative) -> bool:
    return isinstance(initiative, Initiative) and initiative.visibility == Visibility.PUBLIC


@rules.predicate
def is_agency_staff(user) -> bool:
    return is_signed_in(user) and user.memberships.filter(organization__kind=OrganizationKind.AGENCY).exists()


PERMISSIONS = {
    "funnel.view_initiative": is_public_initiative | is_operator | is_sponsor_member | is_team_member,
    # obj: the sponsoring agency the new initiative would belong to
    "funnel.add_initiative": is_operator | is_sponsor_member,
    "funnel.change_initiative": is_operator | is_sponsor_admin,
    "funnel.propose_move": is_sponsor_member,
    "funnel.decide_move": is_operator,
    # Services of other modules only (never a page): their own decision, already permitted there.
    "funnel.record_module_decision": is_operator | is_sponsor_member,
    "funnel.view_board": is_operator | is_agency_staff,
    "funnel.manage_instrument": is_operator,
}

for name, predicate in PERMISSIONS.items():
    rules.add_perm(name, predicate)
