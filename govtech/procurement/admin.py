"""Read-only admin views of the imported tenders and the import runs: imports run through
manage.py import_ocds (services.import_ocds)."""

from django.contrib import admin

from govtech.core.admin import ReadOnlyAdmin
from govtech.funnel.admin import OperatorOnlyMixin
from govtech.procurement.models import ImportProblem, ImportRun, SavedSearch, Tender


@admin.register(Tender)
class TenderAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["title", "buyer_name", "status", "method", "value_amount", "currency", "submission_deadline"]
    list_filter = ["status", "method", "main_category", "suitable_for_sme"]
    search_fields = ["ocid", "title", "buyer_name"]


@admin.register(ImportRun)
class ImportRunAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["source", "status", "releases_read", "releases_added", "problem_count", "created_at"]
    list_filter = ["status"]


@admin.register(ImportProblem)
class ImportProblemAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["run", "where", "message"]
    list_select_related = ["run"]


@admin.register(SavedSearch)
class SavedSearchAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["name", "owner", "alerts", "checked_at", "created_at"]
    list_filter = ["alerts"]
    list_select_related = ["owner"]
