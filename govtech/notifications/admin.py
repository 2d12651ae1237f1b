from django.contrib import admin

from govtech.core.admin import ReadOnlyAdmin
from govtech.notifications.models import Follow, Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "kind", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_operator


@admin.register(Follow)
class FollowAdmin(ReadOnlyAdmin):
    list_display = ["user", "content_type", "object_id", "created_at"]
    list_select_related = ["user", "content_type"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_operator
