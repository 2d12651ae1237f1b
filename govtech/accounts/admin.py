from django.contrib import admin
from django.core.exceptions import ValidationError

from govtech.accounts import services
from govtech.accounts.models import Invitation, Membership, Organization, User
from govtech.core.admin import ReadOnlyAdmin
from govtech.core.errors import ServiceError


class OperatorViewMixin:
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("accounts.view_user")

    def has_module_permission(self, request):
        return request.user.has_perm("accounts.view_user")


@admin.register(User)
class UserAdmin(OperatorViewMixin, ReadOnlyAdmin):
    list_display = ["email", "full_name", "is_expert", "is_operator", "is_active", "date_joined"]
    list_filter = ["is_expert", "is_operator", "is_active", "language"]
    search_fields = ["email", "full_name"]
    exclude = ["password"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(OperatorViewMixin, admin.ModelAdmin):
    """Edits go through the same service and permission rules as the pages and the API."""

    list_display = ["name", "kind", "inn", "is_sme", "parent", "district", "is_active"]
    list_filter = ["kind", "is_sme", "is_active"]
    search_fields = ["name", "inn", "ogrn"]
    readonly_fields = ["slug", "created_at", "updated_at"]
    inlines = [MembershipInline]

    def has_add_permission(self, request):
        return False  # registering makes the creator its administrator: use the site's form

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("accounts.change_organization", obj) if obj else request.user.is_operator

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in services.EDITABLE_ORGANIZATION_FIELDS or name == "logo"
        }
        try:
            services.organization_update(actor=request.user, organization=obj, **fields)
        except (ServiceError, ValidationError) as exc:
            self.message_user(request, str(getattr(exc, "message", exc)), level="error")


@admin.register(Membership)
class MembershipAdmin(OperatorViewMixin, ReadOnlyAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organization__name"]
    list_select_related = ["user", "organization"]


@admin.register(Invitation)
class InvitationAdmin(OperatorViewMixin, ReadOnlyAdmin):
    list_display = ["email", "organization", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    search_fields = ["email", "organization__name"]
    list_select_related = ["organization"]
    exclude = ["token"]
