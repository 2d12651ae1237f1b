"""Placeholder until the pages land."""

from django.http import HttpResponse


def challenge_list(request):
    return HttpResponse("")


def challenge_detail(request, slug):
    return HttpResponse("")


def submission_detail(request, pk):
    return HttpResponse("")


def assignment_detail(request, pk):
    return HttpResponse("")
