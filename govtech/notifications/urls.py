from django.urls import path

from govtech.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:notification_id>/read/", views.mark_read, name="mark-read"),
    path("read-all/", views.mark_all_read, name="mark-all-read"),
    path("settings/", views.preferences, name="settings"),
    path("follow/", views.follow_toggle, name="follow"),
]
