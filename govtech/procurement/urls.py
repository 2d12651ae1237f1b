"""Pages of the open tenders, mounted at /tenders/. An OCID may hold slashes, hence ``path``."""

from django.urls import path

from govtech.procurement import search_views, views

app_name = "procurement"

urlpatterns = [
    path("", views.tender_list, name="tender-list"),
    # Before the tenders: an OCID could otherwise swallow these addresses.
    path("searches/", search_views.search_list, name="searches"),
    path("searches/save/", search_views.search_save, name="search-save"),
    path("searches/<int:pk>/alerts/", search_views.search_alerts, name="search-alerts"),
    path("searches/<int:pk>/delete/", search_views.search_delete, name="search-delete"),
    path("<path:ocid>/", views.tender_detail, name="tender"),
]
