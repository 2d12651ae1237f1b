"""Public pages of the open tenders imported from OCDS: the list with its filters, sort and pages,
and one tender's page with its timeline, lots, documents, awards and contracts.

The compiled release is published data we do not control: every read of it goes through the small
helpers below, which accept any shape (a missing key, a string where a list should be) and return
lists of plain dicts, so a strange file never breaks a page. Only http(s) addresses become links."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_safe

from govtech.core.pagination import paginate
from govtech.procurement import selectors
from govtech.procurement.models import MainCategory, Method, TenderStatus
from govtech.procurement.search_views import SaveSearchForm, save_fields

SORT_CHOICES = [
    ("newest", pgettext_lazy("sort", "Newest first")),
    ("deadline", pgettext_lazy("sort", "Nearest deadline")),
    ("value", pgettext_lazy("sort", "Value: high to low")),
    ("value_asc", pgettext_lazy("sort", "Value: low to high")),
    ("relevance", pgettext_lazy("sort", "Best match (with words)")),
]
YES_NO_ANY = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]

# How many rows of one kind the tender page shows; a real process has a few, a broken file could
# hold millions.
ROWS_SHOWN = 200
TEXT_LIMIT = 1000
URL_LIMIT = 2000

AWARD_STATUSES = {
    "pending": _("Pending"),
    "active": _("Active"),
    "cancelled": _("Cancelled"),
    "unsuccessful": _("Unsuccessful"),
}
CONTRACT_STATUSES = {
    "pending": _("Pending"),
    "active": _("Active"),
    "cancelled": _("Cancelled"),
    "terminated": _("Terminated"),
}
LOT_STATUSES = dict(TenderStatus.choices)
RELEASE_TAGS = {
    "planning": _("Planning"),
    "planningUpdate": _("Planning update"),
    "tender": _("Tender"),
    "tenderAmendment": _("Tender amendment"),
    "tenderUpdate": _("Tender update"),
    "tenderCancellation": _("Tender cancellation"),
    "award": _("Award"),
    "awardUpdate": _("Award update"),
    "awardCancellation": _("Award cancellation"),
    "contract": _("Contract"),
    "contractUpdate": _("Contract update"),
    "contractAmendment": _("Contract amendment"),
    "implementation": _("Implementation"),
    "implementationUpdate": _("Implementation update"),
    "contractTermination": _("Contract termination"),
    "compiled": _("Compiled"),
}


# --- the list -----------------------------------------------------------------------------------


def _buyer_choices(selected: list[str]) -> list[tuple[str, bool]]:
    """The most frequent buyers, and any chosen one beyond them, so a chosen filter stays visible."""
    names = selectors.buyers()
    names += [name for name in selected if name not in names]
    return [(name, name in selected) for name in names]


def _checkboxes(choices, selected: list[str]) -> list[tuple[str, str, bool]]:
    return [(value, label, value in selected) for value, label in choices]


def _flag_value(flag: bool | None) -> str:
    return {True: "yes", False: "no"}.get(flag, "")


@require_safe
def tender_list(request):
    """Open tenders with words, filters, a sort and pages of 20. A plain GET form; with htmx only
    the results and the count are replaced. Values that mean nothing are dropped, never a 500."""
    query = selectors.TenderQuery.from_params(request.GET)
    page = paginate(request, selectors.list_columns(selectors.search_tenders(query)))
    page.object_list = list(page.object_list)
    for tender in page.object_list:
        tender.deadline_at = _local(tender.submission_deadline)
    filters = {name: value for name, value in query.as_params().items() if name != "sort"}
    context = {
        "query": query,
        "is_filtered": bool(filters),
        "sort": query.effective_sort,
        "sort_choices": SORT_CHOICES,
        "yes_no_any": YES_NO_ANY,
        "has_lots": _flag_value(query.has_lots),
        "sme": _flag_value(query.sme),
        "buyer_choices": _buyer_choices(query.buyer),
        "status_choices": _checkboxes(TenderStatus.choices, query.status),
        "method_choices": _checkboxes(Method.choices, query.method),
        "category_choices": _checkboxes(MainCategory.choices, query.category),
        "classification": ", ".join(query.classification),
        "page_obj": page,
        "save_fields": save_fields(query),
        "save_form": SaveSearchForm(),
    }
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "procurement/partials/_tender_update.html", context)
    else:
        response = render(request, "procurement/tender_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- reading the compiled release defensively -----------------------------------------------------


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _dicts(value) -> list[dict]:
    """The objects of an array (a lone object counts as an array of one); anything else is left out."""
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _text(value) -> str:
    """A string or a number as text; objects, arrays, booleans and null give ""."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, str | int | float | Decimal):
        return str(value).strip()[:TEXT_LIMIT]
    return ""


def _amount(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() and abs(amount) < selectors.MAX_AMOUNT else None


def _value(value) -> dict:
    """An OCDS Value object: {"amount": Decimal or None, "currency": str}."""
    value = _dict(value)
    return {"amount": _amount(value.get("amount")), "currency": _text(value.get("currency"))[:10]}


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """The moment in the city's time zone; None for one the calendar cannot show there (a stored
    year 9999 moved forward by the time zone would stop the page)."""
    if moment is None:
        return None
    try:
        return timezone.localtime(moment)
    except (OverflowError, ValueError):
        return None


def _when(value) -> dt.datetime | None:
    """An OCDS date (ISO 8601) as an aware local datetime; a bare date is its midnight."""
    text = _text(value)
    if not text:
        return None
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = dt.datetime.combine(day, dt.time.min) if day else None
        if moment is None:
            return None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
    except (ValueError, OverflowError):
        return None
    return _local(moment)


def _period(value) -> dict:
    value = _dict(value)
    return {"start": _when(value.get("startDate")), "end": _when(value.get("endDate"))}


def _safe_url(value) -> str:
    """The address if it is an absolute http(s) one; "" for anything else (javascript:, data:…)."""
    url = _text(value)
    if not url or len(url) > URL_LIMIT or any(ord(char) < 32 or ord(char) == 127 for char in url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def _label(code: str, labels: dict) -> str:
    """A codelist value's label, or the value itself when it is not in the codelist."""
    return labels.get(code, code)


@dataclass
class Rows:
    """Some rows of one kind, and how many there are in all."""

    items: list[dict]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def _rows(value, build) -> Rows:
    found = _dicts(value)
    return Rows(items=[build(item) for item in found[:ROWS_SHOWN]], total=len(found))


def tender_lots(compiled) -> Rows:
    def build(lot):
        status = _text(lot.get("status"))
        return {
            "id": _text(lot.get("id")),
            "title": _text(lot.get("title")),
            "value": _value(lot.get("value")),
            "status": _label(status, LOT_STATUSES),
        }

    return _rows(_dict(_dict(compiled).get("tender")).get("lots"), build)


def tender_documents(compiled) -> Rows:
    def build(document):
        url = _safe_url(document.get("url"))
        return {
            "title": _text(document.get("title")) or _text(document.get("id")),
            "url": url,
            "raw_url": "" if url else _text(document.get("url")),
            "type": _text(document.get("documentType")),
            "published": _when(document.get("datePublished")),
        }

    return _rows(_dict(_dict(compiled).get("tender")).get("documents"), build)


def _supplier_names(value) -> list[str]:
    return [name for name in (_text(supplier.get("name")) for supplier in _dicts(value)[:ROWS_SHOWN]) if name]


def tender_awards(compiled) -> Rows:
    def build(award):
        status = _text(award.get("status"))
        return {
            "id": _text(award.get("id")),
            "title": _text(award.get("title")),
            "status": _label(status, AWARD_STATUSES),
            "date": _when(award.get("date")),
            "value": _value(award.get("value")),
            "suppliers": _supplier_names(award.get("suppliers")),
        }

    return _rows(_dict(compiled).get("awards"), build)


def tender_contracts(compiled) -> Rows:
    def build(contract):
        status = _text(contract.get("status"))
        return {
            "id": _text(contract.get("id")),
            "title": _text(contract.get("title")),
            "status": _label(status, CONTRACT_STATUSES),
            "value": _value(contract.get("value")),
            "period": _period(contract.get("period")),
        }

    return _rows(_dict(compiled).get("contracts"), build)


def _timeline(tender) -> Rows:
    releases = list(selectors.tender_releases(tender)[: ROWS_SHOWN + 1])
    items = [
        {
            "id": release.release_id,
            "date": _local(release.date),
            "tags": [_label(tag, RELEASE_TAGS) for tag in release.tags if isinstance(tag, str)]
            if isinstance(release.tags, list)
            else [],
        }
        for release in releases[:ROWS_SHOWN]
    ]
    total = max(tender.release_count, len(releases)) if len(releases) > ROWS_SHOWN else len(items)
    return Rows(items=items, total=total)


# --- the tender page --------------------------------------------------------------------------


@require_safe
def tender_detail(request, ocid):
    """One contracting process as its releases compile it; 404 for an OCID we do not hold."""
    tender = selectors.tender_by_ocid(ocid)
    if tender is None:
        raise Http404
    compiled = _dict(tender.compiled)
    context = {
        "tender": tender,
        "deadline_at": _local(tender.submission_deadline),
        "tender_period": _period(_dict(compiled.get("tender")).get("tenderPeriod")),
        "timeline": _timeline(tender),
        "lots": tender_lots(compiled),
        "documents": tender_documents(compiled),
        "awards": tender_awards(compiled),
        "contracts": tender_contracts(compiled),
    }
    return render(request, "procurement/tender_detail.html", context)
