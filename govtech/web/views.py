from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from govtech.web import health
from govtech.web.sections import SECTIONS


def home(request):
    return render(request, "web/home.html", {"sections": SECTIONS})


@never_cache
@require_GET
def healthz(request):
    """Liveness for load balancers: database reachable and the task worker keeping up."""
    report = health.check(connection)
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)
