from django.urls import path

from govtech.accounts import views

app_name = "accounts"

urlpatterns = [
    path("language/", views.set_language, name="set-language"),
    path("profile/", views.profile, name="profile"),
    path("profile/api-token/", views.api_token_regenerate, name="api-token-regenerate"),
    path("organizations/", views.organization_list, name="organization-list"),
    path("organizations/mine/", views.my_organizations, name="my-organizations"),
    path("organizations/new/", views.organization_create, name="organization-create"),
    path("organizations/<slug:slug>/", views.organization_detail, name="organization-detail"),
    path("organizations/<slug:slug>/edit/", views.organization_edit, name="organization-edit"),
    path("organizations/<slug:slug>/members/", views.organization_members, name="organization-members"),
    path(
        "organizations/<slug:slug>/members/<int:membership_id>/",
        views.membership_update,
        name="membership-update",
    ),
    path(
        "organizations/<slug:slug>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("people/", views.user_list, name="user-list"),
    path("people/<int:user_id>/roles/", views.user_role_update, name="user-role-update"),
]
