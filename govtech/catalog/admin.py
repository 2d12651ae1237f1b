"""Read-only admin views of the catalog for operators: every change goes through the services."""

from django.contrib import admin

from govtech.catalog.models import Application, BuyingProject, Criterion, IntakeCycle, Order, Product
from govtech.core.admin import ReadOnlyAdmin
from govtech.funnel.admin import OperatorOnlyMixin


@admin.register(Product)
class ProductAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["name", "supplier", "status", "category", "trl", "accredited_until", "rating"]
    list_filter = ["status", "category", "deployment"]
    search_fields = ["name", "slug", "supplier__name"]
    list_select_related = ["supplier"]


@admin.register(IntakeCycle)
class IntakeCycleAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["name", "opens_at", "closes_at", "accreditation_months", "min_experts"]


@admin.register(Criterion)
class CriterionAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["key", "weight", "scale_max", "position"]


@admin.register(Application)
class ApplicationAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["product", "cycle", "status", "submitted_at", "accredited_until", "expert_score"]
    list_filter = ["status", "cycle"]
    search_fields = ["product__name"]
    list_select_related = ["product", "cycle"]


@admin.register(BuyingProject)
class BuyingProjectAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["title", "agency", "status", "outcome", "created_at"]
    list_filter = ["status", "outcome"]
    list_select_related = ["agency"]


@admin.register(Order)
class OrderAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["pk", "product", "agency", "supplier", "amount", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["product", "agency", "supplier"]
