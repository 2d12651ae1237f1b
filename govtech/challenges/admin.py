"""Read-only admin views of challenges for operators: every change goes through the services."""

from django.contrib import admin

from govtech.challenges.models import Assignment, Challenge, Phase, Question, Submission
from govtech.core.admin import ReadOnlyAdmin
from govtech.funnel.admin import OperatorOnlyMixin


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    fields = ["number", "name", "kind", "mode", "opens_at", "closes_at", "advance_cap", "funding_per_participant"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return bool(request.user.is_authenticated and request.user.is_operator)


@admin.register(Challenge)
class ChallengeAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["title", "owner", "status", "topic", "published_at"]
    list_filter = ["status", "topic"]
    search_fields = ["title", "slug", "summary"]
    list_select_related = ["owner"]
    inlines = [PhaseInline]


@admin.register(Submission)
class SubmissionAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["title", "supplier", "phase", "status", "submitted_at"]
    list_filter = ["status"]
    search_fields = ["title", "supplier__name"]
    list_select_related = ["supplier", "phase"]


@admin.register(Assignment)
class AssignmentAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["submission", "expert", "conflict", "completed_at"]
    list_filter = ["conflict"]
    list_select_related = ["submission", "expert"]


@admin.register(Question)
class QuestionAdmin(OperatorOnlyMixin, ReadOnlyAdmin):
    list_display = ["challenge", "created_at", "answered_at"]
    list_select_related = ["challenge"]
