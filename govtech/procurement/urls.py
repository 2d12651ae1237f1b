"""Pages of the open tenders, mounted at /tenders/. An OCID may hold slashes, hence ``path``."""

from django.urls import path

from govtech.procurement import views

app_name = "procurement"

urlpatterns = [
    path("", views.tender_list, name="tender-list"),
    path("<path:ocid>/", views.tender_detail, name="tender"),
]
