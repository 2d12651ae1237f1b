"""Saved tender searches: save the list's current search, see one's searches, switch their
e-mail alerts, delete them."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from govtech.core.forms import run_service
from govtech.core.pagination import paginate
from govtech.core.views import run_action
from govtech.procurement import selectors, services
from govtech.procurement.models import SavedSearch
from govtech.procurement.selectors import TenderQuery


class SaveSearchForm(forms.Form):
    name = forms.CharField(label=_("Name of the search"), max_length=120)
    alerts = forms.BooleanField(label=_("E-mail me new matching tenders"), required=False, initial=True)


def save_fields(query: TenderQuery) -> list[tuple[str, str]]:
    """The search as hidden inputs of the save form."""
    return [
        (name, item)
        for name, value in query.as_stored().items()
        for item in (value if isinstance(value, list) else [value])
    ]


def searches_url() -> str:
    return reverse("procurement:searches")


@login_required
@require_POST
def search_save(request):
    query = TenderQuery.from_params(request.POST)
    form = SaveSearchForm(request.POST)
    if form.is_valid() and run_service(
        form,
        lambda: services.search_save(
            actor=request.user,
            name=form.cleaned_data["name"],
            params=query.as_stored(),
            alerts=form.cleaned_data["alerts"],
        ),
    ):
        messages.success(request, _("The search «%(name)s» is saved.") % {"name": form.cleaned_data["name"]})
        return redirect(searches_url())
    return _render_searches(request, status=400, form=form, query=query)


@login_required
@require_safe
def search_list(request):
    return _render_searches(request)


def _render_searches(request, *, status: int = 200, form=None, query=None):
    page = paginate(request, selectors.saved_searches(request.user))
    for search in page.object_list:
        search.url = f"{reverse('procurement:tender-list')}?{urlencode(search.params, doseq=True)}"
    context = {
        "page_obj": page,
        "form": form,
        "save_fields": save_fields(query) if query else [],
        "max_searches": services.MAX_SAVED_SEARCHES,
    }
    return render(request, "procurement/saved_searches.html", context, status=status)


def _own_search(request, pk) -> SavedSearch:
    search = get_object_or_404(SavedSearch, pk=pk)
    if not request.user.has_perm("procurement.manage_search", search):
        raise Http404  # someone else's search is not there for you
    return search


@login_required
@require_POST
def search_alerts(request, pk):
    search = _own_search(request, pk)
    alerts = request.POST.get("alerts") == "on"
    run_action(
        request,
        lambda: services.search_set_alerts(actor=request.user, search=search, alerts=alerts),
        _("E-mail alerts for «%(name)s» are on.") % {"name": search.name}
        if alerts
        else _("E-mail alerts for «%(name)s» are off.") % {"name": search.name},
    )
    return redirect(searches_url())


@login_required
@require_POST
def search_delete(request, pk):
    search = _own_search(request, pk)
    run_action(
        request,
        lambda: services.search_delete(actor=request.user, search=search),
        _("The search «%(name)s» is deleted.") % {"name": search.name},
    )
    return redirect(searches_url())
