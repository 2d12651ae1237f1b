"""The only way views and the API get catalog objects for an actor: anything the actor may not
see is "not found", the same as a missing object."""

from django.http import Http404

from govtech.catalog.models import (
    Application,
    BuyingProject,
    IntakeCycle,
    Order,
    Product,
    ProductFile,
    Review,
    ShortlistItem,
)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc


def _visible(obj, actor, perm: str):
    if obj is None or not actor.has_perm(perm, obj):
        raise Http404
    return obj


def access_product(*, actor, slug: str) -> Product:
    return _visible(Product.objects.select_related("supplier").filter(slug=slug).first(), actor, "catalog.view_product")


def access_product_by_pk(*, actor, pk) -> Product:
    return _visible(
        Product.objects.select_related("supplier").filter(pk=_int(pk)).first(), actor, "catalog.view_product"
    )


def access_product_file(*, actor, pk) -> ProductFile:
    item = ProductFile.objects.select_related("product__supplier").filter(pk=_int(pk)).first()
    _visible(item.product if item else None, actor, "catalog.view_product")
    return item


def access_cycle(*, slug: str) -> IntakeCycle:
    """Intake cycles are public."""
    cycle = IntakeCycle.objects.filter(slug=slug).first()
    if cycle is None:
        raise Http404
    return cycle


def access_application(*, actor, pk) -> Application:
    application = (
        Application.objects.select_related("product__supplier", "cycle", "recommended_by").filter(pk=_int(pk)).first()
    )
    return _visible(application, actor, "catalog.view_application")


def access_review(*, actor, pk) -> Review:
    """An expert's own review; a recused expert no longer sees it."""
    review = (
        Review.objects.select_related("application__product__supplier", "application__cycle")
        .filter(pk=_int(pk))
        .first()
    )
    if (
        review is None
        or review.expert_id != actor.pk
        or review.is_recused
        or not actor.has_perm("catalog.score", review)
    ):
        raise Http404
    return review


def access_project(*, actor, pk) -> BuyingProject:
    project = (
        BuyingProject.objects.select_related("agency", "awarded_product", "initiative").filter(pk=_int(pk)).first()
    )
    return _visible(project, actor, "catalog.view_project")


def access_shortlist_item(*, project: BuyingProject, pk) -> ShortlistItem:
    item = (
        ShortlistItem.objects.select_related("project__agency", "product").filter(project=project, pk=_int(pk)).first()
    )
    if item is None:
        raise Http404
    return item


def access_order(*, actor, pk) -> Order:
    order = (
        Order.objects.select_related("product", "supplier", "agency", "initiative", "project")
        .filter(pk=_int(pk))
        .first()
    )
    return _visible(order, actor, "catalog.view_order")
