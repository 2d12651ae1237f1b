from django.contrib import admin

from govtech.core.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows records without letting the admin change them: changes go through services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "occurred_at", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_id", "object_repr", "hash"]
    date_hierarchy = "occurred_at"

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("core.view_auditevent")

    def has_module_permission(self, request):
        return request.user.has_perm("core.view_auditevent")
