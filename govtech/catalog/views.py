"""Placeholder: replaced by the pages."""

from django.http import HttpResponse


def agency_review_create(request, **kwargs):
    return HttpResponse(status=501)


def application_assign(request, **kwargs):
    return HttpResponse(status=501)


def application_create(request, **kwargs):
    return HttpResponse(status=501)


def application_decide(request, **kwargs):
    return HttpResponse(status=501)


def application_detail(request, **kwargs):
    return HttpResponse(status=501)


def application_list(request, **kwargs):
    return HttpResponse(status=501)


def application_withdraw(request, **kwargs):
    return HttpResponse(status=501)


def compare(request, **kwargs):
    return HttpResponse(status=501)


def criteria_edit(request, **kwargs):
    return HttpResponse(status=501)


def cycle_create(request, **kwargs):
    return HttpResponse(status=501)


def cycle_edit(request, **kwargs):
    return HttpResponse(status=501)


def cycle_list(request, **kwargs):
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


def product_archive(request, **kwargs):
    return HttpResponse(status=501)


def product_create(request, **kwargs):
    return HttpResponse(status=501)


def product_detail(request, **kwargs):
    return HttpResponse(status=501)


def product_edit(request, **kwargs):
    return HttpResponse(status=501)


def product_file(request, **kwargs):
    return HttpResponse(status=501)


def product_file_add(request, **kwargs):
    return HttpResponse(status=501)


def product_file_delete(request, **kwargs):
    return HttpResponse(status=501)


def product_list(request, **kwargs):
    return HttpResponse(status=501)


def product_publish(request, **kwargs):
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


def reference_add(request, **kwargs):
    return HttpResponse(status=501)


def reference_delete(request, **kwargs):
    return HttpResponse(status=501)


def registry(request, **kwargs):
    return HttpResponse(status=501)


def registry_csv(request, **kwargs):
    return HttpResponse(status=501)


def review_declare(request, **kwargs):
    return HttpResponse(status=501)


def review_detail(request, **kwargs):
    return HttpResponse(status=501)


def review_list(request, **kwargs):
    return HttpResponse(status=501)


def review_scores(request, **kwargs):
    return HttpResponse(status=501)


def shortlist_add(request, **kwargs):
    return HttpResponse(status=501)


def shortlist_assess(request, **kwargs):
    return HttpResponse(status=501)


def shortlist_remove(request, **kwargs):
    return HttpResponse(status=501)


def supplier_dashboard(request, **kwargs):
    return HttpResponse(status=501)

