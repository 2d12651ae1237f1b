"""Reads of the catalog: the search with exact facet counts, the registry, each role's lists,
and "products that may already solve this" for challenges and initiatives."""

import datetime as dt
from dataclasses import dataclass, field, fields

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from govtech.accounts.models import Organization, OrganizationKind
from govtech.catalog import search_index
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
from govtech.core.params import param_values, split_values

SORTS = ("relevance", "rating", "newest")
FACETS = ("category", "trl", "price_band", "deployment", "accreditation", "used_by")
MAX_COMPARE = 4


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
            numbers = (parse_id(v) for v in param_values(params, name))
            return sorted({n for n in numbers if n is not None and low <= n <= high})

        def choices(name, allowed):
            return [v for v in dict.fromkeys(param_values(params, name)) if v in allowed]

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


def _facet_values() -> dict[str, list[tuple[str, str, int]]]:
    """Every value of the five facets stored on the product row: value, label, and its code in
    the search index."""
    return {
        "category": [(value, label, search_index.CATEGORIES.index(value)) for value, label in Category.choices],
        "trl": [(str(level), str(level), level) for level in range(1, 10)],
        "price_band": [(value, label, search_index.PRICE_BANDS.index(value)) for value, label in PriceBand.choices],
        "deployment": [(value, label, search_index.DEPLOYMENTS.index(value)) for value, label in Deployment.choices],
        "accreditation": [
            (value, label, search_index.STATES.index(value)) for value, label in AccreditationState.choices
        ],
    }


def _evaluation(query: CatalogQuery, today: dt.date) -> search_index.Evaluation:
    """The query on this process's search snapshot, worked out once per query (a request's
    counts and page agree) and day."""
    cached = getattr(query, "_evaluation", None)
    if cached is not None and cached[0] == today:
        return cached[1]
    filters = {name: getattr(query, name) for name in FACETS}
    evaluation = search_index.evaluate(search_index.snapshot(), text=query.q, filters=filters, today=today)
    query._evaluation = (today, evaluation)
    return evaluation


def catalog_counts(
    query: CatalogQuery, *, today: dt.date | None = None, agency_limit: int = 15
) -> tuple[int, dict[str, list[FacetValue]]]:
    """How many products the query finds, and for every facet how many each value would give.

    A facet's counts apply every *other* facet's filter but not its own, so choosing a second
    value adds to the results (disjunctive facets). Counted over the search index's snapshot;
    the same rules as search_products, which the tests hold it to."""
    today = today or timezone.localdate()
    evaluation = _evaluation(query, today)
    facets: dict[str, list[FacetValue]] = {}
    for name, values in _facet_values().items():
        counts = evaluation.value_counts(name, max(code for _value, _label, code in values) + 1)
        chosen = {str(value) for value in getattr(query, name)}
        facets[name] = [
            FacetValue(value, str(label), int(counts[code]), value in chosen)
            for value, label, code in values
            if counts[code] or value in chosen
        ]
    facets["used_by"] = _used_by_facet(query, evaluation.agency_counts(), agency_limit)
    return int(evaluation.matching.sum()), facets


def _used_by_facet(query: CatalogQuery, counts: dict[int, int], agency_limit: int) -> list[FacetValue]:
    """The agencies that used the most of the matching products (then by name), and every chosen
    agency, at 0 if need be, so that it can be unchosen as in the other facets."""
    chosen = set(query.used_by)
    names = dict(
        Organization.objects.filter(pk__in=set(counts) | chosen, kind=OrganizationKind.AGENCY).values_list("pk", "name")
    )
    ranked = sorted((pk for pk in counts if pk in names), key=lambda pk: (-counts[pk], names[pk], pk))
    shown = ranked[:agency_limit]
    shown += [pk for pk in ranked[agency_limit:] if pk in chosen]
    shown += sorted((pk for pk in chosen if pk in names and pk not in counts), key=lambda pk: (names[pk], pk))
    return [FacetValue(str(pk), names[pk], counts.get(pk, 0), pk in chosen) for pk in shown]


def facet_counts(
    query: CatalogQuery, *, today: dt.date | None = None, agency_limit: int = 15
) -> dict[str, list[FacetValue]]:
    """The facet counts of catalog_counts, without the total."""
    return catalog_counts(query, today=today, agency_limit=agency_limit)[1]


class ResultIds:
    """The ids of a query's results in its order, sliceable like a queryset (for paginators)."""

    def __init__(self, ids):
        self._ids = ids

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._ids[index].tolist()
        return int(self._ids[index])


def catalog_ids(query: CatalogQuery, *, today: dt.date | None = None) -> ResultIds:
    """The ids of search_products(query), in its order, from the search index."""
    today = today or timezone.localdate()
    return ResultIds(_evaluation(query, today).ordered_ids(query.effective_sort))


def catalog_page(query: CatalogQuery, number, *, per_page: int = PAGE_SIZE) -> Page:
    """One page of the query's results, however deep: the page's ids from the search index, then
    those rows with their suppliers."""
    page = Paginator(catalog_ids(query), per_page).get_page(number)
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
    for value in split_values(ids):
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
