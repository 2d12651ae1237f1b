"""Read-only admin views of the funnel for operators: every change goes through the services
(pages, API or commands), so the admin never writes a stage, a decision or an instrument."""

from django.contrib import admin
from django.db import models

from govtech.core.admin import ReadOnlyAdmin
from govtech.funnel.models import GateDecision, Goal, Initiative, Instrument, StageStay


class OperatorOnlyMixin:
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_view_permission(self, request, obj=None):
        return bool(request.user.is_authenticated and request.user.is_active and request.user.is_operator)

    def has_module_permission(self, request):
        return self.has_view_permission(request)


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0
    fields = ["metric", "unit", "baseline", "target", "measured", "is_met"]
    readonly_fields = fields
    can_delete = False

    @admin.display(boolean=True, description="met")
    def is_met(self, goal: Goal) -> bool:
        return goal.is_met

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return bool(request.user.is_authenticated and request.user.is_operator)


@admin.register(Initiative)
class InitiativeAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["title", "stage", "stage_entered_at", "sponsor", "topic", "origin", "visibility"]
    list_filter = ["stage", "topic", "origin", "visibility"]
    search_fields = ["title", "slug", "summary"]
    list_select_related = ["sponsor"]
    date_hierarchy = "stage_entered_at"


@admin.register(GateDecision)
class GateDecisionAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["initiative", "from_stage", "to_stage", "kind", "status", "proposed_at", "decided_at"]
    list_filter = ["status", "kind", "to_stage"]
    search_fields = ["initiative__title", "rationale"]
    list_select_related = ["initiative"]
    inlines = [GoalInline]


@admin.register(Instrument)
class InstrumentAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["name", "kind", "owner", "status", "intake_opens_on", "intake_closes_on"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "slug"]
    list_select_related = ["owner"]


@admin.register(StageStay)
class StageStayAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["initiative", "stage", "entered_at", "exited_at"]
    list_filter = ["stage"]
    search_fields = ["initiative__title"]
    list_select_related = ["initiative"]
