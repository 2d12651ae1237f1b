"""Reads of the catalog: the search with exact facet counts, the registry, each role's lists,
and "products that may already solve this" for challenges and initiatives."""

import datetime as dt
from dataclasses import dataclass, field, fields

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from govtech.accounts.models import Organization, OrganizationKind
from govtech.catalog.models import (
    PRICE_BANDS,
    AccreditationState,
    Application,
    ApplicationStatus,
    BuyingProject,
    Category,
    Criterion,
    Deployment,
    IntakeCycle,
    Order,
    PriceBand,
    Product,
    ProductStatus,
    ProductUse,
    Review,
)
from govtech.catalog.rating import combine
from govtech.challenges.models import Declaration
from govtech.core.fulltext import search_by_stems
from govtech.core.ids import parse_id
from govtech.core.pagination import PAGE_SIZE

SORTS = ("relevance", "rating", "newest")
FACETS = ("category", "trl", "price_band", "deployment", "accreditation", "used_by")
MAX_COMPARE = 4


def _as_list(value) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    out = []
    for item in items:
        out.extend(part.strip() for part in str(item).split(",") if part.strip())
    return out


def _get_list(params, name: str) -> list[str]:
    if hasattr(params, "getlist"):
        return _as_list(params.getlist(name))
    return _as_list(params.get(name))


@dataclass
class CatalogQuery:
    """A catalog search: text, facet filters (values within a facet are alternatives, facets
    combine) and a sort. Unknown values are dropped, so a saved search is always valid."""

    q: str = ""
    category: list[str] = field(default_factory=list)
    trl: list[int] = field(default_factory=list)
    price_band: list[str] = field(default_factory=list)
    deployment: list[str] = field(default_factory=list)
    accreditation: list[str] = field(default_factory=list)
    used_by: list[int] = field(default_factory=list)
    sort: str = ""

    @classmethod
    def from_params(cls, params) -> "CatalogQuery":
        def ints(name, low, high):
            numbers = (parse_id(v) for v in _get_list(params, name))
            return sorted({n for n in numbers if n is not None and low <= n <= high})

        def choices(name, allowed):
            return [v for v in dict.fromkeys(_get_list(params, name)) if v in allowed]

        sort = str(params.get("sort") or "")
        return cls(
            q=str(params.get("q") or "").strip()[:200],
            category=choices("category", Category.values),
            trl=ints("trl", 1, 9),
            price_band=choices("price_band", PriceBand.values),
            deployment=choices("deployment", Deployment.values),
            accreditation=choices("accreditation", AccreditationState.values),
            used_by=ints("used_by", 1, 2**31 - 1),
            sort=sort if sort in SORTS else "",
        )

    def as_params(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "newest")

    @property
    def is_filtered(self) -> bool:
        return any(getattr(self, name) for name in (*FACETS, "q"))


def price_band_q(band: str) -> Q:
    if band == PriceBand.ON_REQUEST:
        return Q(price_from__isnull=True)
    low, high = PRICE_BANDS[band]
    condition = Q(price_from__isnull=False)
    if low is not None:
        condition &= Q(price_from__gt=low)
    if high is not None:
        condition &= Q(price_from__lte=high)
    return condition


def accreditation_q(state: str, today: dt.date) -> Q:
    valid = Q(accredited_until__gte=today)
    if state == AccreditationState.ACCREDITED:
        return valid
    if state == AccreditationState.IN_REVIEW:
        return ~valid & Q(has_open_application=True)
    if state == AccreditationState.EXPIRED:
        return Q(accredited_until__lt=today, has_open_application=False)
    return Q(accredited_until__isnull=True, has_open_application=False)


def _any(conditions) -> Q:
    combined = Q(pk__in=[])
    for condition in conditions:
        combined |= condition
    return combined


def _facet_filter(query: CatalogQuery, name: str, today: dt.date) -> Q | None:
    values = getattr(query, name)
    if not values:
        return None
    if name == "price_band":
        return _any(price_band_q(band) for band in values)
    if name == "accreditation":
        return _any(accreditation_q(state, today) for state in values)
    if name == "used_by":
        # IN (subquery), not a correlated EXISTS: PostgreSQL hashes it once instead of running it per row.
        return Q(pk__in=ProductUse.objects.filter(agency_id__in=values).values("product_id"))
    return Q(**{f"{name}__in": values})


def _match_all(query: CatalogQuery) -> bool:
    """Whether the text search asks for every word: it does when some product holds them all,
    otherwise any word will do (ranked by how many). Decided once per query, before any filter,
    so the results and every facet count use the same rule."""
    decided = getattr(query, "_match_all", None)
    if decided is None:
        published = Product.objects.filter(status=ProductStatus.PUBLISHED)
        decided = search_by_stems(published, "search_stems", query.q, require_all=True).exists()
        query._match_all = decided
    return decided


def _base(query: CatalogQuery) -> QuerySet:
    products = Product.objects.filter(status=ProductStatus.PUBLISHED)
    if query.q:
        products = search_by_stems(products, "search_stems", query.q, require_all=_match_all(query))
    return products


def _filtered(query: CatalogQuery, *, except_facet: str | None = None, today: dt.date) -> QuerySet:
    products = _base(query)
    for name in FACETS:
        if name == except_facet:
            continue
        condition = _facet_filter(query, name, today)
        if condition is not None:
            products = products.filter(condition)
    return products


def search_products(query: CatalogQuery, *, today: dt.date | None = None) -> QuerySet:
    """Published products matching the text and every facet filter, in the query's order."""
    today = today or timezone.localdate()
    products = _filtered(query, today=today)
    sort = query.effective_sort
    if sort == "relevance" and query.q:
        # nulls_last: PostgreSQL puts NULL first in a descending order, SQLite last.
        if _match_all(query):
            # Every result holds every word, so they match equally: the best rated first (an
            # order the rating index gives, where ranking by text would read every result's stems).
            return products.order_by(F("rating").desc(nulls_last=True), "-published_at", "-id")
        return products.order_by("-matched", F("rating").desc(nulls_last=True), "-id")
    if sort == "rating":
        return products.order_by(F("rating").desc(nulls_last=True), "-id")
    return products.order_by("-published_at", "-id")


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


def _fixed_facets(today: dt.date) -> dict[str, list[tuple[str, str, Q]]]:
    """Every value of the five facets stored on the product row, with its label and condition."""
    return {
        "category": [(value, label, Q(category=value)) for value, label in Category.choices],
        "trl": [(str(level), str(level), Q(trl=level)) for level in range(1, 10)],
        "price_band": [(value, label, price_band_q(value)) for value, label in PriceBand.choices],
        "deployment": [(value, label, Q(deployment=value)) for value, label in Deployment.choices],
        "accreditation": [(value, label, accreditation_q(value, today)) for value, label in AccreditationState.choices],
    }


def catalog_counts(
    query: CatalogQuery, *, today: dt.date | None = None, agency_limit: int = 15
) -> tuple[int, dict[str, list[FacetValue]]]:
    """How many products the query finds, and for every facet how many each value would give.

    A facet's counts apply every *other* facet's filter but not its own, so choosing a second
    value adds to the results (disjunctive facets). Exact counts in two queries: one pass over
    the matching rows counts the total and each value of the five row facets (a FILTER clause
    per value), one counts the agencies that used them."""
    today = today or timezone.localdate()
    filters = {name: _facet_filter(query, name, today) for name in FACETS}

    def all_but(skipped: str | None) -> Q:
        combined = Q()
        for name, condition in filters.items():
            if name != skipped and condition is not None:
                combined &= condition
        return combined

    fixed = _fixed_facets(today)
    everything = all_but(None)
    aggregates = {"total": Count("pk", filter=everything) if everything else Count("pk")}
    for name, values in fixed.items():
        others = all_but(name)
        for value, _label, condition in values:
            aggregates[f"{name}:{value}"] = Count("pk", filter=condition & others)
    counts = _base(query).order_by().aggregate(**aggregates)
    facets: dict[str, list[FacetValue]] = {}
    for name, values in fixed.items():
        chosen = {str(value) for value in getattr(query, name)}
        facets[name] = [
            FacetValue(value, str(label), counts[f"{name}:{value}"] or 0, value in chosen)
            for value, label, _condition in values
            if counts[f"{name}:{value}"] or value in chosen
        ]
    facets["used_by"] = _used_by_facet(query, today, agency_limit)
    return counts["total"] or 0, facets


def _used_by_facet(query: CatalogQuery, today: dt.date, agency_limit: int) -> list[FacetValue]:
    # The slice fences the subquery off: without it PostgreSQL rebuilds the stems' tsvector for
    # every used product (a nested loop) instead of reading the GIN index once.
    matching = _filtered(query, except_facet="used_by", today=today).order_by().values("pk")[: 2**31 - 1]
    used = (
        ProductUse.objects.filter(product__in=matching)
        .values("agency_id", "agency__name")
        .annotate(n=Count("product_id", distinct=True))
        .order_by("-n", "agency__name")
    )
    rows = list(used[:agency_limit])
    chosen = set(query.used_by)
    shown = {row["agency_id"] for row in rows}
    missing = [pk for pk in chosen if pk not in shown]
    if missing:
        rows += list(used.filter(agency_id__in=missing))
        # A chosen agency stays on the list (at 0) so that it can be unchosen, as in the other facets.
        counted = {row["agency_id"] for row in rows}
        rows += [
            {"agency_id": pk, "agency__name": name, "n": 0}
            for pk, name in Organization.objects.filter(
                pk__in=[pk for pk in missing if pk not in counted], kind=OrganizationKind.AGENCY
            )
            .order_by("name")
            .values_list("pk", "name")
        ]
    return [
        FacetValue(str(row["agency_id"]), row["agency__name"], row["n"], row["agency_id"] in chosen) for row in rows
    ]


def facet_counts(
    query: CatalogQuery, *, today: dt.date | None = None, agency_limit: int = 15
) -> dict[str, list[FacetValue]]:
    """The facet counts of catalog_counts, without the total."""
    return catalog_counts(query, today=today, agency_limit=agency_limit)[1]


def catalog_page(query: CatalogQuery, number, *, total: int | None = None, per_page: int = PAGE_SIZE) -> Page:
    """One page of search_products(query), however deep: the page's ids first (read from the
    index for newest and rating, with no join), then those rows with their suppliers. ``total``
    from catalog_counts spares the count."""
    paginator = Paginator(search_products(query).values_list("pk", flat=True), per_page)
    if total is not None:
        paginator.count = total  # a cached property: the count query is not run
    page = paginator.get_page(number)
    ids = list(page.object_list)
    found = products_by_ids(ids)
    page.object_list = [found[pk] for pk in ids if pk in found]
    return page


def products_by_ids(ids) -> dict[int, Product]:
    return Product.objects.select_related("supplier").in_bulk(list(ids))


def product_rating(product: Product):
    return combine(product.expert_score, product.review_count, product.review_sum)


def product_reviews(product: Product) -> QuerySet:
    return product.agency_reviews.select_related("agency", "use").order_by("-created_at")


def product_users(product: Product) -> QuerySet:
    """The agencies that really used the product, for its page."""
    return Organization.objects.filter(product_uses__product=product).distinct().order_by("name")


def compare_products(ids, *, actor) -> list[Product]:
    """Up to four products, in the order asked, only those the reader may see."""
    wanted = []
    for value in _as_list(ids):
        number = parse_id(value)
        if number is not None and number not in wanted:
            wanted.append(number)
    found = {p.pk: p for p in Product.objects.filter(pk__in=wanted[:MAX_COMPARE]).select_related("supplier")}
    return [
        found[pk] for pk in wanted[:MAX_COMPARE] if pk in found and actor.has_perm("catalog.view_product", found[pk])
    ]


def registry(*, state: str = "", q: str = "", today: dt.date | None = None) -> QuerySet:
    """The public registry: every published product that has been accredited or is under review,
    with its status derived from the clock."""
    today = today or timezone.localdate()
    products = Product.objects.filter(status=ProductStatus.PUBLISHED).filter(
        Q(accredited_until__isnull=False) | Q(has_open_application=True)
    )
    if state in AccreditationState.values:
        products = products.filter(accreditation_q(state, today))
    if q:
        products = search_by_stems(products, "search_stems", q)
    return products.select_related("supplier").order_by("supplier__name", "name", "id")


def matching_products(*, text: str, category: str = "", limit: int = 5) -> list[Product]:
    """Published products that may already solve a problem: ranked by how many of the text's word
    stems they share, with a product of the same category counting two stems more, then by
    accreditation and rating."""
    if not (text or "").strip():
        return []
    products = search_by_stems(Product.objects.filter(status=ProductStatus.PUBLISHED), "search_stems", text[:2000])
    today = timezone.localdate()
    products = products.annotate(
        same_category=Case(When(category=category, then=Value(2)), default=Value(0), output_field=IntegerField()),
        accredited=Case(
            When(accredited_until__gte=today, then=Value(1)), default=Value(0), output_field=IntegerField()
        ),
    )
    products = products.annotate(match_score=F("matched") + F("same_category")).filter(match_score__gte=3)
    return list(
        products.select_related("supplier").order_by(
            "-match_score", "-accredited", F("rating").desc(nulls_last=True), "-id"
        )[:limit]
    )


# --- each role's lists -------------------------------------------------------------------------


def supplier_products(actor) -> QuerySet:
    return (
        Product.objects.filter(supplier__memberships__user=actor)
        .select_related("supplier")
        .order_by("-updated_at", "-id")
    )


def supplier_applications(actor) -> QuerySet:
    return (
        Application.objects.filter(product__supplier__memberships__user=actor)
        .select_related("product__supplier", "cycle")
        .order_by("-submitted_at", "-id")
    )


def open_applications() -> QuerySet:
    """The operators' queue: applications waiting for reviews or a decision."""
    return (
        Application.objects.filter(status=ApplicationStatus.SUBMITTED)
        .select_related("product__supplier", "cycle")
        .annotate(
            cleared=Count("reviews", filter=~Q(reviews__conflict=Declaration.RECUSED), distinct=True),
            completed=Count(
                "reviews",
                filter=Q(reviews__completed_at__isnull=False, reviews__conflict=Declaration.NONE),
                distinct=True,
            ),
        )
        .order_by("submitted_at", "id")
    )


def expert_reviews(actor) -> QuerySet:
    return (
        Review.objects.filter(expert=actor)
        .exclude(conflict=Declaration.RECUSED)
        .select_related("application__product__supplier", "application__cycle")
        .order_by(F("completed_at").asc(nulls_first=True), "-created_at")
    )


def agency_projects(actor) -> QuerySet:
    return (
        BuyingProject.objects.filter(agency__memberships__user=actor)
        .select_related("agency", "awarded_product", "initiative")
        .annotate(shortlisted=Count("shortlist", distinct=True))
        .order_by("-updated_at", "-id")
    )


def agency_orders(actor) -> QuerySet:
    return (
        Order.objects.filter(agency__memberships__user=actor)
        .select_related("product", "supplier", "agency", "initiative")
        .order_by("-created_at", "-id")
    )


def supplier_orders(actor) -> QuerySet:
    return (
        Order.objects.filter(supplier__memberships__user=actor)
        .select_related("product", "supplier", "agency", "initiative")
        .order_by("-created_at", "-id")
    )


def reviewable_products(*, agency: Organization) -> QuerySet:
    """Products this agency used and has not reviewed yet."""
    return (
        Product.objects.filter(uses__agency=agency)
        .exclude(agency_reviews__agency=agency)
        .distinct()
        .select_related("supplier")
        .order_by("name")
    )


def may_review(*, product: Product, agency: Organization) -> bool:
    return (
        ProductUse.objects.filter(product=product, agency=agency).exists()
        and not product.agency_reviews.filter(agency=agency).exists()
    )


def cycles() -> QuerySet:
    """Every intake cycle, the latest first (public)."""
    return IntakeCycle.objects.order_by("-opens_at", "-id")


def open_cycles(now=None) -> list[IntakeCycle]:
    """The cycles taking applications now, the one closing first first."""
    now = now or timezone.now()
    return list(IntakeCycle.objects.filter(opens_at__lte=now, closes_at__gt=now).order_by("closes_at", "id"))


def criteria() -> list[Criterion]:
    return list(Criterion.objects.all())


def all_projects() -> QuerySet:
    """Every buying project, for operators."""
    return (
        BuyingProject.objects.select_related("agency", "awarded_product", "initiative")
        .annotate(shortlisted=Count("shortlist", distinct=True))
        .order_by("-updated_at", "-id")
    )


def all_orders() -> QuerySet:
    """Every order, for operators."""
    return Order.objects.select_related("product", "supplier", "agency", "initiative").order_by("-created_at", "-id")


def my_orders(actor) -> QuerySet:
    """Orders of the person's agencies and suppliers together."""
    return (agency_orders(actor) | supplier_orders(actor)).distinct()
