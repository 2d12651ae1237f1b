"""Who may do what in the catalog. Windows, thresholds and states are not permissions: the
services check them and say why a step is not possible now."""

import rules

from govtech.accounts.models import OrganizationKind
from govtech.accounts.rules import is_expert, is_operator, is_signed_in
from govtech.catalog.models import Application, BuyingProject, Order, Product, ProductUse, Review, ShortlistItem
from govtech.challenges.models import Declaration


def _member_of(user, organization, kind: str) -> bool:
    return (
        is_signed_in(user)
        and organization is not None
        and organization.kind == kind
        and organization.memberships.filter(user=user).exists()
    )


def _supplier_of(obj):
    if isinstance(obj, Product):
        return obj.supplier
    if isinstance(obj, Application):
        return obj.product.supplier
    if isinstance(obj, Order):
        return obj.supplier
    return obj


def _agency_of(obj):
    if isinstance(obj, BuyingProject | Order):
        return obj.agency
    if isinstance(obj, ShortlistItem):
        return obj.project.agency
    return obj


@rules.predicate
def is_supplier_member(user, obj) -> bool:
    """A member of the supplier (obj: the supplier, a product, an application or an order)."""
    return _member_of(user, _supplier_of(obj), OrganizationKind.SUPPLIER)


@rules.predicate
def is_agency_member(user, obj) -> bool:
    """A member of the agency (obj: the agency, a buying project, a shortlist item or an order)."""
    return _member_of(user, _agency_of(obj), OrganizationKind.AGENCY)


@rules.predicate
def is_public_product(user, product) -> bool:
    return isinstance(product, Product) and product.is_public


@rules.predicate
def is_product_user(user, product) -> bool:
    """Staff of an agency that used the product keep seeing it (to review it) after it is archived."""
    return (
        is_signed_in(user)
        and isinstance(product, Product)
        and ProductUse.objects.filter(product=product, agency__memberships__user=user).exists()
    )


@rules.predicate
def is_own_review(user, review) -> bool:
    return is_signed_in(user) and isinstance(review, Review) and review.expert_id == user.pk


@rules.predicate
def is_cleared_reviewer(user, application) -> bool:
    """An assigned expert who declared no conflict of interest for this application."""
    return (
        is_signed_in(user)
        and isinstance(application, Application)
        and application.reviews.filter(expert=user, conflict=Declaration.NONE).exists()
    )


PERMISSIONS = {
    "catalog.view_product": is_public_product | is_operator | is_supplier_member | is_product_user,
    # obj: the supplier, or its product
    "catalog.manage_product": is_supplier_member,
    "catalog.apply": is_supplier_member,
    "catalog.view_application": is_operator | is_supplier_member | is_cleared_reviewer,
    "catalog.manage_cycles": is_operator,
    "catalog.manage_reviews": is_operator,
    "catalog.decide": is_operator,
    "catalog.declare_conflict": is_expert & is_own_review,
    "catalog.score": is_expert & is_own_review,
    "catalog.view_reviews_inbox": is_expert,
    # obj: the agency acting, or its buying project / order
    "catalog.buy": is_agency_member,
    "catalog.view_project": is_operator | is_agency_member,
    "catalog.review_product": is_agency_member,
    "catalog.record_pilot": is_operator | is_agency_member,
    "catalog.view_order": is_operator | is_agency_member | is_supplier_member,
    "catalog.supply_order": is_supplier_member,
    "catalog.receive_order": is_agency_member,
}

for name, predicate in PERMISSIONS.items():
    rules.add_perm(name, predicate)
