"""Reads of the procurement app: the open tenders' list with its filters, one tender with its
releases, and the import runs."""

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation

from django.db.models import Count, F, QuerySet
from django.utils import timezone

from govtech.core.fulltext import search_by_stems
from govtech.core.params import param_values
from govtech.procurement.models import ImportRun, MainCategory, Method, Release, SavedSearch, Tender, TenderStatus

SORTS = {
    "newest": (F("last_release_at").desc(nulls_last=True), "-id"),
    "deadline": (F("submission_deadline").asc(nulls_last=True), "id"),
    "value": (F("value_amount").desc(nulls_last=True), "-id"),
    "value_asc": (F("value_amount").asc(nulls_last=True), "id"),
}
MAX_AMOUNT = Decimal(10) ** 18


def _list(params, name: str) -> list[str]:
    return list(dict.fromkeys(param_values(params, name)))


def _amount(value) -> Decimal | None:
    try:
        amount = Decimal(str(value).strip().replace(" ", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() and abs(amount) < MAX_AMOUNT else None


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


@dataclass
class TenderQuery:
    """A tender search: words, filters (values within one filter are alternatives), a sort.
    Unknown values are dropped, so a saved search stays valid."""

    q: str = ""
    buyer: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    method: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    classification: list[str] = field(default_factory=list)
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    deadline_from: dt.date | None = None
    deadline_to: dt.date | None = None
    has_lots: bool | None = None
    sme: bool | None = None
    sort: str = ""

    @classmethod
    def from_params(cls, params) -> "TenderQuery":
        def given(name) -> bool:
            return params.get(name) not in (None, "")

        def flag(name):
            value = str(params.get(name)).strip().lower() if given(name) else ""
            return {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}.get(value)

        def choices(name, allowed):
            return [value for value in _list(params, name) if value in allowed]

        sort = str(params.get("sort") or "")
        return cls(
            q=str(params.get("q") or "").strip()[:200],
            buyer=[value[:300] for value in _list(params, "buyer")][:20],
            status=choices("status", TenderStatus.values),
            method=choices("method", Method.values),
            category=choices("category", MainCategory.values),
            classification=[value[:100] for value in _list(params, "classification")][:20],
            value_min=_amount(params.get("value_min")) if given("value_min") else None,
            value_max=_amount(params.get("value_max")) if given("value_max") else None,
            deadline_from=_date(params.get("deadline_from")) if given("deadline_from") else None,
            deadline_to=_date(params.get("deadline_to")) if given("deadline_to") else None,
            has_lots=flag("has_lots"),
            sme=flag("sme"),
            sort=sort if sort in SORTS or sort == "relevance" else "",
        )

    def as_params(self) -> dict:
        out = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value in (None, "", []):
                continue
            out[item.name] = str(value).lower() if isinstance(value, bool) else value
        return out

    def as_stored(self) -> dict:
        """as_params() in JSON values (amounts and dates as text), for a saved search."""
        return {
            name: [str(item) for item in value] if isinstance(value, list) else str(value)
            for name, value in self.as_params().items()
        }

    @property
    def effective_sort(self) -> str:
        if self.sort == "relevance" and not self.q:
            return "newest"  # relevance ranks by the words; without them it means nothing
        return self.sort or ("relevance" if self.q else "newest")


def search_tenders(query: TenderQuery) -> QuerySet:
    """Tenders matching the words and every filter, in the query's order."""
    tenders = Tender.objects.all()
    if query.q:
        tenders = search_by_stems(tenders, "search_stems", query.q)
    for name, column in (
        ("buyer", "buyer_name"),
        ("status", "status"),
        ("method", "method"),
        ("category", "main_category"),
        ("classification", "classification_id"),
    ):
        values = getattr(query, name)
        if values:
            tenders = tenders.filter(**{f"{column}__in": values})
    if query.value_min is not None:
        tenders = tenders.filter(value_amount__gte=query.value_min)
    if query.value_max is not None:
        tenders = tenders.filter(value_amount__lte=query.value_max)
    if query.deadline_from is not None:
        tenders = tenders.filter(submission_deadline__gte=_start_of(query.deadline_from))
    if query.deadline_to is not None:
        tenders = tenders.filter(submission_deadline__lt=_start_of(query.deadline_to + dt.timedelta(days=1)))
    if query.has_lots is not None:
        tenders = tenders.filter(lot_count__gt=0) if query.has_lots else tenders.filter(lot_count=0)
    if query.sme is not None:
        tenders = tenders.filter(suitable_for_sme=query.sme)
    sort = query.effective_sort
    if sort == "relevance":
        return tenders.order_by("-matched", F("last_release_at").desc(nulls_last=True), "-id")
    return tenders.order_by(*SORTS[sort])


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight of that day in the city's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def list_columns(tenders: QuerySet) -> QuerySet:
    """Only what a list row shows (the compiled release stays in the table)."""
    return tenders.defer("compiled", "description", "search_stems")


def tender_by_ocid(ocid: str) -> Tender | None:
    return Tender.objects.filter(ocid=ocid).first()


def tender_releases(tender: Tender) -> QuerySet:
    """The process's releases, oldest first: its timeline."""
    return Release.objects.filter(ocid=tender.ocid).order_by(F("date").asc(nulls_first=True), "id").defer("data")


def buyers(limit: int = 200) -> list[str]:
    """The buyers' names, for the filter (the most frequent first)."""
    return list(
        Tender.objects.exclude(buyer_name="")
        .values("buyer_name")
        .annotate(n=Count("id"))
        .order_by("-n", "buyer_name")
        .values_list("buyer_name", flat=True)[:limit]
    )


def import_runs() -> QuerySet:
    return ImportRun.objects.order_by("-created_at", "-id")


def import_problems(run: ImportRun) -> QuerySet:
    return run.problems.order_by("position", "id")


def saved_searches(actor) -> QuerySet:
    return SavedSearch.objects.filter(owner=actor).order_by("-created_at", "-id")


def searches_with_alerts() -> QuerySet:
    return SavedSearch.objects.filter(alerts=True, owner__is_active=True).select_related("owner").order_by("id")
