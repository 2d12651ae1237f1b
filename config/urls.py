from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from govtech.api import errors as api_errors
from govtech.web import views as web_views

# The admin signs in through the same throttled, verified login as everyone else.
admin.site.login = login_required(admin.site.login)
admin.site.site_header = "GovTech"

urlpatterns = [
    path("", include("govtech.web.urls")),
    path("healthz", web_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("", include("govtech.accounts.urls")),
    path("notifications/", include("govtech.notifications.urls")),
    path("funnel/", include("govtech.funnel.urls")),
    path("challenges/", include("govtech.challenges.urls")),
    path("ideas/", include("govtech.participation.urls")),
    path("catalog/", include("govtech.catalog.urls")),
    path("tenders/", include("govtech.procurement.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("govtech.api.urls", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]


if settings.DEBUG:
    # Uploaded files from local disk during development; production serves them from storage.
    # Confidential files (private/) are never served as media, not even here.
    urlpatterns += [re_path(r"^media/private/", web_views.error_404)]
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return api_errors.api_not_found(request, exception)
    return web_views.error_404(request, exception)


def handler403(request, exception=None):
    return web_views.error_403(request, exception)


def handler500(request):
    if request.path.startswith("/api/"):
        return api_errors.api_server_error(request)
    from django.views.defaults import server_error

    return server_error(request)
