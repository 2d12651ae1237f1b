from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "govtech.catalog"
    label = "catalog"
    verbose_name = _("Catalog and marketplace")

    def ready(self) -> None:
        from govtech.catalog import notification_kinds  # noqa: F401 - registers kinds
        from govtech.catalog.models import Product
        from govtech.notifications.followable import register_followable

        register_followable(Product, lambda product: product.is_public)
