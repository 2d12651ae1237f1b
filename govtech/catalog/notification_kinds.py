"""Notification kinds of the catalog (registered in CatalogConfig.ready)."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from govtech.notifications.kinds import register


def _label(choices, value: str) -> str:
    """A status in the reader's language: notifications store the value, never the label."""
    return str(choices(value).label) if value in choices.values else value


def _decided_title(params: dict) -> str:
    from govtech.catalog.models import ApplicationStatus

    return gettext("Accreditation of %(product)s: %(outcome)s") % {
        "product": params["product"],
        "outcome": _label(ApplicationStatus, params["outcome"]),
    }


def _order_title(params: dict) -> str:
    from govtech.catalog.models import OrderStatus

    return gettext("Order № %(order)s (%(product)s): %(status)s") % {
        "order": params["order"],
        "product": params["product"],
        "status": _label(OrderStatus, params["status"]),
    }


def _expiry_title(params: dict) -> str:
    import datetime as dt

    from django.utils.formats import date_format

    try:
        day = date_format(dt.date.fromisoformat(params["date"]), "DATE_FORMAT")
    except (TypeError, ValueError):
        day = params.get("date", "")
    return gettext("The accreditation of %(product)s ends on %(date)s") % {"product": params["product"], "date": day}


APPLICATION_RECEIVED = register(
    "catalog.application_received",
    _("A product applies for accreditation (operators)"),
    _("New accreditation application: %(product)s"),
)
REVIEW_ASSIGNED = register(
    "catalog.review_assigned",
    _("I am asked to review a product for accreditation (experts)"),
    _("Please review %(product)s for accreditation"),
)
NO_EXPERT_LEFT = register(
    "catalog.no_expert_left",
    _("No expert is left to replace a recused reviewer (operators)"),
    _("No free expert to review %(product)s"),
)
APPLICATION_DECIDED = register(
    "catalog.application_decided",
    _("A decision on my organization's accreditation application"),
    _decided_title,
)
EXPIRY_SOON = register(
    "catalog.expiry_soon",
    _("My organization's product accreditation ends soon"),
    _expiry_title,
)
PRODUCT_REVIEWED = register(
    "catalog.product_reviewed",
    _("An agency reviews my organization's product"),
    _("%(product)s got a review: %(stars)s of 5"),
)
ORDER_CHANGED = register(
    "catalog.order_changed",
    _("An order of my organization changes"),
    _order_title,
)
