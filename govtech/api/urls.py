from django.urls import path

from govtech.accounts import api as accounts_api
from govtech.catalog import api as catalog_api
from govtech.challenges import api as challenges_api
from govtech.core import api as core_api
from govtech.funnel import analytics_api as funnel_analytics_api
from govtech.funnel import api as funnel_api
from govtech.notifications import api as notifications_api
from govtech.participation import api as participation_api
from govtech.procurement import api as procurement_api

urlpatterns = [
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("organizations/", accounts_api.OrganizationListView.as_view(), name="organization-list"),
    path("organizations/<slug:slug>/", accounts_api.OrganizationDetailView.as_view(), name="organization-detail"),
    path("organizations/<slug:slug>/members/", accounts_api.MembershipListView.as_view(), name="membership-list"),
    path(
        "organizations/<slug:slug>/members/<int:membership_id>/",
        accounts_api.MembershipDetailView.as_view(),
        name="membership-detail",
    ),
    path("organizations/<slug:slug>/invitations/", accounts_api.InvitationListView.as_view(), name="invitation-list"),
    path("invitations/<str:token>/accept/", accounts_api.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("users/", accounts_api.UserListView.as_view(), name="user-list"),
    path("users/<int:user_id>/roles/", accounts_api.UserRoleView.as_view(), name="user-roles"),
    path("notifications/", notifications_api.NotificationListView.as_view(), name="notification-list"),
    path("notifications/read-all/", notifications_api.NotificationReadAllView.as_view(), name="notification-read-all"),
    path(
        "notifications/<int:notification_id>/read/",
        notifications_api.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path("notification-preferences/", notifications_api.PreferencesView.as_view(), name="notification-preferences"),
    path("follows/", notifications_api.FollowListView.as_view(), name="follow-list"),
    path("follows/<int:follow_id>/", notifications_api.FollowDetailView.as_view(), name="follow-detail"),
    path("audit-events/", core_api.AuditEventListView.as_view(), name="audit-event-list"),
]

urlpatterns += (
    funnel_api.urlpatterns
    + funnel_analytics_api.urlpatterns
    + challenges_api.urlpatterns
    + participation_api.urlpatterns
    + catalog_api.urlpatterns
    + procurement_api.urlpatterns
)
