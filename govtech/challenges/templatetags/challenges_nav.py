"""Which personal pages a person has, for the navigation: one query for a signed-in person."""

from django import template

from govtech.accounts.models import OrganizationKind
from govtech.accounts.selectors import organization_list_for_user

register = template.Library()

_CACHE_ATTRIBUTE = "_nav_roles"


@register.simple_tag(takes_context=True)
def nav_roles(context) -> dict:
    """Agency staff, supplier staff, expert, operator; remembered on the request, so the main
    navigation and a page's own navigation ask the database once between them. ``board`` is
    funnel.view_board (an operator or agency staff) read from the same answer, so the Board
    link costs no query of its own."""
    request = context.get("request")
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(request, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    kinds = set(organization_list_for_user(user=user).order_by().values_list("kind", flat=True).distinct())
    roles = {
        "agency": OrganizationKind.AGENCY in kinds,
        "supplier": OrganizationKind.SUPPLIER in kinds,
        "expert": user.is_expert,
        "operator": user.is_operator,
    }
    roles["board"] = roles["agency"] or roles["operator"]
    if request is not None:
        setattr(request, _CACHE_ATTRIBUTE, roles)
    return roles
