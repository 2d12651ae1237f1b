"""Placeholder: replaced by the pages."""

from django.http import HttpResponse


def agency_review_create(request, **kwargs):
    return HttpResponse(status=501)


def order_create(request, **kwargs):
    return HttpResponse(status=501)


def order_detail(request, **kwargs):
    return HttpResponse(status=501)


def order_list(request, **kwargs):
    return HttpResponse(status=501)


def order_move(request, **kwargs):
    return HttpResponse(status=501)


def pilot_record(request, **kwargs):
    return HttpResponse(status=501)


def project_create(request, **kwargs):
    return HttpResponse(status=501)


def project_detail(request, **kwargs):
    return HttpResponse(status=501)


def project_end(request, **kwargs):
    return HttpResponse(status=501)


def project_list(request, **kwargs):
    return HttpResponse(status=501)


def project_outcome(request, **kwargs):
    return HttpResponse(status=501)


def project_search(request, **kwargs):
    return HttpResponse(status=501)


def shortlist_add(request, **kwargs):
    return HttpResponse(status=501)


def shortlist_assess(request, **kwargs):
    return HttpResponse(status=501)


def shortlist_remove(request, **kwargs):
    return HttpResponse(status=501)

