"""The catalog search against a brute force: about seventy varied products (seeded at random) and
forty seeded random searches, each compared with plain Python over every product — the results in
their order, and every facet value's count under the other facets' filters (disjunctive facets,
as selectors.facet_counts documents), through both the SQL (search_products) and the search
index the catalog list uses (catalog_counts, catalog_ids). Then morphology in Russian and English, deep pages, the
registry, comparing, matching, robust parameters and a query count that does not grow with the
catalog. The same file runs on SQLite and on PostgreSQL."""

import dataclasses
import datetime as dt
import random
from collections import Counter
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from govtech.catalog import search_index, selectors
from govtech.catalog.models import (
    AccreditationState,
    Category,
    Deployment,
    PriceBand,
    Product,
    ProductStatus,
    ProductUse,
    UseKind,
)
from govtech.catalog.selectors import CatalogQuery
from govtech.core.stemming import stems
from tests.catalog.factories import ProductFactory
from tests.factories import AgencyFactory, MembershipFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 12:00 in Moscow.
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 2)

PHRASES = [
    "Электробус на линии: диспетчеризация",
    "Зарядные станции для электробусов",
    "Мониторинг зарядной станции",
    "Умная парковка во дворах",
    "Парковки и шлагбаумы",
    "Освещение улиц по датчикам",
    "Датчики заполнения мусорных контейнеров",
    "Очереди в поликлиниках",
    "Запись в школу онлайн",
    "Bus tracking for depots",
    "Buses and charging stations",
    "Smart parking sensors",
    "Street lighting control",
    "Waste collection routes",
    "Queue management API",
]
QUERIES = [
    "электробусы",
    "зарядной станции",
    "парковки",
    "освещения датчики",
    "buses",
    "parking",
    "charging station",
    "очередь",
    "школ",
    "API",
    "контейнер waste",
    "несуществующее слово",
    "и",
]
PRICES = [
    None,
    Decimal("0"),
    Decimal("50000"),
    Decimal("99999.99"),
    Decimal("100000"),
    Decimal("999999.99"),
    Decimal("1000000"),
    Decimal("2999999.99"),
    Decimal("3000000"),
    Decimal("7500000"),
]
RATINGS = [None, None, Decimal("3.00"), Decimal("4.20"), Decimal("4.20"), Decimal("1.50"), Decimal("5.00")]


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _accreditation(rng: random.Random) -> dict:
    kind = rng.choice(["accredited", "edge_accredited", "expired", "edge_expired", "review", "renewing", "none"])
    return {
        "accredited": {"accredited_until": TODAY + dt.timedelta(days=rng.randint(1, 500))},
        "edge_accredited": {"accredited_until": TODAY},  # the last day still counts
        "expired": {"accredited_until": TODAY - dt.timedelta(days=rng.randint(2, 500))},
        "edge_expired": {"accredited_until": TODAY - dt.timedelta(days=1)},
        "review": {"has_open_application": True, "accredited_until": rng.choice([None, TODAY - dt.timedelta(days=9)])},
        "renewing": {"has_open_application": True, "accredited_until": TODAY + dt.timedelta(days=30)},
        "none": {},
    }[kind]


def build_catalog(count: int, *, seed: int, agencies: list) -> list[Product]:
    rng = random.Random(seed)
    suppliers = [SupplierFactory() for _ in range(4)]
    moments = [T0 - dt.timedelta(days=rng.randint(0, 365), hours=rng.randint(0, 23)) for _ in range(count // 3)]
    products = []
    for n in range(count):
        name, summary = rng.sample(PHRASES, 2)
        status = rng.choices([ProductStatus.PUBLISHED, ProductStatus.DRAFT, ProductStatus.ARCHIVED], weights=[8, 1, 1])[
            0
        ]
        product = ProductFactory(
            supplier=rng.choice(suppliers),
            name=f"{name} {n}",
            summary=summary,
            description=rng.choice(["Внедрено в трёх округах.", "Open API and reports.", ""]),
            category=rng.choice(Category.values[:6]),
            trl=rng.randint(1, 9),
            price_from=rng.choice(PRICES),
            deployment=rng.choice(Deployment.values),
            status=status,
            published_at=None if status == ProductStatus.DRAFT else rng.choice(moments),  # ties on purpose
            rating=rng.choice(RATINGS),
            **_accreditation(rng),
        )
        for agency in agencies:
            for _ in range(rng.choice([0, 0, 1, 2])):  # a second use of the same product counts once
                ProductUse.objects.create(product=product, agency=agency, kind=rng.choice(UseKind.values))
        products.append(product)
    return products


# --- the brute force -------------------------------------------------------------------------------


def query_stems(text: str) -> list[str]:
    return stems(text)[:20]


def matched(product: Product, text: str) -> int:
    own = set(product.search_stems.split())
    return sum(1 for root in query_stems(text) if root in own)


def every_word_found(products, text: str) -> bool:
    """The search asks for every word when some published product holds them all."""
    wanted = set(query_stems(text))
    return bool(wanted) and any(
        wanted <= set(p.search_stems.split()) for p in products if p.status == ProductStatus.PUBLISHED
    )


def text_holds(product: Product, text: str, all_words: bool) -> bool:
    found = matched(product, text)
    if not query_stems(text):
        return False  # only stop words: nothing is searched for
    return found == len(query_stems(text)) if all_words else found > 0


def holds(product: Product, query: CatalogQuery, facet: str, uses: dict) -> bool:
    values = getattr(query, facet)
    if not values:
        return True
    if facet == "category":
        return product.category in values
    if facet == "trl":
        return product.trl in values
    if facet == "deployment":
        return product.deployment in values
    if facet == "price_band":
        return product.price_band in values
    if facet == "accreditation":
        return product.accreditation_state(TODAY) in values
    return bool(uses.get(product.pk, set()) & set(values))


def brute(products, query: CatalogQuery, uses: dict, *, except_facet: str | None = None) -> list[Product]:
    found = []
    all_words = bool(query.q) and every_word_found(products, query.q)
    for product in products:
        if product.status != ProductStatus.PUBLISHED:
            continue
        if query.q and not text_holds(product, query.q, all_words):
            continue
        if all(holds(product, query, facet, uses) for facet in selectors.FACETS if facet != except_facet):
            found.append(product)
    return found


def brute_order(found: list[Product], query: CatalogQuery) -> list[int]:
    def by_rating(product):
        return (product.rating is None, -(product.rating or 0))

    sort = query.effective_sort
    all_words = (
        bool(found) and all(matched(p, query.q) == len(query_stems(query.q)) for p in found) if query.q else False
    )
    if sort == "relevance" and query.q and all_words:
        # Every result holds every word: they match equally, the best rated first.
        key = lambda p: (*by_rating(p), -p.published_at.timestamp(), -p.pk)  # noqa: E731
    elif sort == "relevance" and query.q:
        key = lambda p: (-matched(p, query.q), *by_rating(p), -p.pk)  # noqa: E731
    elif sort == "rating":
        key = lambda p: (*by_rating(p), -p.pk)  # noqa: E731
    else:
        key = lambda p: (-p.published_at.timestamp(), -p.pk)  # noqa: E731
    return [product.pk for product in sorted(found, key=key)]


def brute_facets(products, query: CatalogQuery, uses: dict, agency_names: dict) -> dict:
    labelled = {
        "category": Category.choices,
        "trl": [(n, str(n)) for n in range(1, 10)],
        "deployment": Deployment.choices,
        "price_band": PriceBand.choices,
        "accreditation": AccreditationState.choices,
    }
    value_of = {
        "category": lambda p: p.category,
        "trl": lambda p: p.trl,
        "deployment": lambda p: p.deployment,
        "price_band": lambda p: p.price_band,
        "accreditation": lambda p: p.accreditation_state(TODAY),
    }
    expected = {}
    for facet, choices in labelled.items():
        counts = Counter(str(value_of[facet](p)) for p in brute(products, query, uses, except_facet=facet))
        chosen = {str(v) for v in getattr(query, facet)}
        expected[facet] = [
            (str(value), str(label), counts[str(value)], str(value) in chosen)
            for value, label in choices
            if counts[str(value)] or str(value) in chosen
        ]
    counts = Counter(
        agency_id for p in brute(products, query, uses, except_facet="used_by") for agency_id in uses.get(p.pk, ())
    )
    chosen = set(query.used_by)
    rows = [(pk, n) for pk, n in counts.items()]
    rows += [(pk, 0) for pk in chosen if pk in agency_names and pk not in counts]
    rows.sort(key=lambda row: (row[1] == 0, -row[1], agency_names[row[0]]))
    expected["used_by"] = [(str(pk), agency_names[pk], n, pk in chosen) for pk, n in rows]
    return expected


def as_tuples(facets: dict) -> dict:
    return {name: [(v.value, v.label, v.count, v.selected) for v in values] for name, values in facets.items()}


def random_query(rng: random.Random, agency_ids: list[int]) -> CatalogQuery:
    def some(values, most=2):
        return rng.sample(values, rng.choice([0, 0, 1, 1, most]))

    return CatalogQuery(
        q=rng.choice(QUERIES) if rng.random() < 0.45 else "",
        category=some(Category.values[:7]),
        trl=sorted(some(list(range(1, 10)), 3)),
        price_band=some(PriceBand.values),
        deployment=some(Deployment.values),
        accreditation=some(AccreditationState.values),
        used_by=sorted(some([*agency_ids, 987654])),
        sort=rng.choice(["", "relevance", "rating", "newest"]),
    )


@pytest.fixture
def catalog(clock):
    agencies = [AgencyFactory(name=name) for name in ("Департамент транспорта", "Мосгортранс", "Департамент ЖКХ")]
    products = build_catalog(75, seed=20260302, agencies=agencies)
    for product in products:
        product.refresh_from_db()
    uses: dict[int, set[int]] = {}
    for product_id, agency_id in ProductUse.objects.values_list("product_id", "agency_id"):
        uses.setdefault(product_id, set()).add(agency_id)
    return products, uses, agencies


def test_the_catalog_is_varied_enough(catalog):
    products, uses, agencies = catalog
    published = [p for p in products if p.status == ProductStatus.PUBLISHED]
    assert len(published) >= 60
    assert {p.accreditation_state(TODAY) for p in published} == set(AccreditationState.values)
    assert {p.price_band for p in published} == set(PriceBand.values)
    assert all(any(agency.pk in used for used in uses.values()) for agency in agencies)
    for text in QUERIES[:-2]:
        assert any(matched(p, text) for p in published), text


def test_forty_random_searches_equal_the_brute_force(catalog):
    products, uses, agencies = catalog
    names = {agency.pk: agency.name for agency in agencies}
    rng = random.Random(6)
    seen_nonempty = 0
    for _ in range(40):
        query = random_query(rng, list(names))
        found = brute(products, query, uses)
        assert [p.pk for p in selectors.search_products(query)] == brute_order(found, query), query
        assert selectors.catalog_ids(query)[:] == brute_order(found, query), query
        assert as_tuples(selectors.facet_counts(query)) == brute_facets(products, query, uses, names), query
        assert selectors.catalog_counts(query)[0] == len(found)
        seen_nonempty += bool(found)
    assert seen_nonempty >= 10  # the sample is not all empty results


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("sort", ["relevance", "rating", "newest"])
def test_each_text_query_and_sort(catalog, text, sort):
    products, uses, agencies = catalog
    query = CatalogQuery(q=text, sort=sort)
    expected = brute_order(brute(products, query, uses), query)
    assert [p.pk for p in selectors.search_products(query)] == expected
    assert selectors.catalog_ids(query)[:] == expected
    names = {agency.pk: agency.name for agency in agencies}
    assert as_tuples(selectors.facet_counts(query)) == brute_facets(products, query, uses, names)


def test_every_single_facet_value_alone(catalog):
    products, uses, agencies = catalog
    names = {agency.pk: agency.name for agency in agencies}
    singles = [("category", v) for v in Category.values] + [("trl", n) for n in range(1, 10)]
    singles += [("price_band", v) for v in PriceBand.values] + [("deployment", v) for v in Deployment.values]
    singles += [("accreditation", v) for v in AccreditationState.values] + [("used_by", pk) for pk in names]
    for facet, value in singles:
        query = CatalogQuery(**{facet: [value]})
        expected = brute_order(brute(products, query, uses), query)
        assert [p.pk for p in selectors.search_products(query)] == expected, (facet, value)
        assert selectors.catalog_ids(query)[:] == expected, (facet, value)
        assert as_tuples(selectors.facet_counts(query)) == brute_facets(products, query, uses, names), (facet, value)


def test_choosing_a_second_value_of_a_facet_adds_its_count(catalog):
    counts = {f.value: f.count for f in selectors.facet_counts(CatalogQuery())["category"]}
    first, second = sorted(counts)[:2]
    both = CatalogQuery(category=[first, second])
    assert selectors.search_products(both).count() == counts[first] + counts[second]
    again = {f.value: f.count for f in selectors.facet_counts(both)["category"]}
    assert again == counts  # the facet's own choice does not narrow its counts


def test_rating_puts_products_without_one_last(catalog):
    ratings = [p.rating for p in selectors.search_products(CatalogQuery(sort="rating"))]
    rated = [r for r in ratings if r is not None]
    assert rated == sorted(rated, reverse=True)
    assert ratings == rated + [None] * (len(ratings) - len(rated))
    assert None in ratings


def test_every_word_is_asked_for_and_any_word_when_no_product_holds_them_all(clock):
    both = ProductFactory(name="Электробусы и зарядные станции", summary="Депо", rating=None)
    one_rated = ProductFactory(name="Электробус: расписание", summary="Депо", rating=Decimal("4.50"))
    one_unrated = ProductFactory(name="Электробус в депо", summary="Депо", rating=None)
    one_low = ProductFactory(name="Станции метро", summary="Депо", rating=Decimal("2.00"))
    ProductFactory(name="Освещение", summary="Двор")
    assert list(selectors.search_products(CatalogQuery(q="электробусы зарядной станции"))) == [both]
    # Nobody has a tram: any of the words will do, the most matching first, then by rating.
    found = list(selectors.search_products(CatalogQuery(q="электробусы зарядной станции трамвая")))
    assert found == [both, one_rated, one_low, one_unrated]
    assert selectors.catalog_ids(CatalogQuery(q="электробусы зарядной станции трамвая"))[:] == [p.pk for p in found]
    assert [p.matched for p in found] == [3, 1, 1, 1]


def test_products_holding_every_word_match_equally_and_come_best_rated_first(clock):
    unrated = ProductFactory(name="Электробусы: учёт заявок", summary="Депо", rating=None)
    rated = ProductFactory(name="Учёт заявок", summary="Депо электробусов", rating=Decimal("4.00"))
    best = ProductFactory(name="Заявки", summary="Электробус", rating=Decimal("5.00"))
    assert list(selectors.search_products(CatalogQuery(q="электробус"))) == [best, rated, unrated]
    assert selectors.catalog_ids(CatalogQuery(q="электробус"))[:] == [best.pk, rated.pk, unrated.pk]


def test_deep_pages_are_stable_and_without_duplicates(catalog):
    products, uses, _agencies = catalog
    for sort in ("newest", "rating"):
        query = CatalogQuery(sort=sort)
        expected = brute_order(brute(products, query, uses), query)
        results = selectors.search_products(query)
        pages = [[p.pk for p in results[start : start + 20]] for start in range(0, len(expected), 20)]
        assert len(pages) >= 3
        assert pages[2] == expected[40:60]
        flat = [pk for page in pages for pk in page]
        assert flat == expected and len(set(flat)) == len(flat)
        # Asked again, page 3 is the same.
        assert [p.pk for p in selectors.search_products(query)[40:60]] == expected[40:60]
        assert [p.pk for p in selectors.catalog_page(query, 3).object_list] == expected[40:60]


def test_unpublished_products_are_never_found_or_counted(catalog):
    products, _uses, _agencies = catalog
    hidden = {p.pk for p in products if p.status != ProductStatus.PUBLISHED}
    assert hidden
    assert not hidden & set(selectors.search_products(CatalogQuery()).values_list("pk", flat=True))
    total = sum(f.count for f in selectors.facet_counts(CatalogQuery())["deployment"])
    assert total == len(products) - len(hidden)


# --- morphology ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, query",
    [
        ("Электробус на маршруте", "электробусы"),
        ("Электробусы в парке", "электробус"),
        ("Зарядные станции у депо", "зарядной станции"),
        ("Обслуживание зарядной станции", "зарядные станции"),
        ("Освещение улиц", "освещения"),
        ("Bus timetable", "buses"),
        ("Buses timetable", "bus"),
        ("Charging stations", "charging station"),
        ("Ёлочные базары", "елочный базар"),
    ],
)
def test_word_forms_find_each_other(clock, text, query):
    wanted = ProductFactory(name=text, summary="Сервис", description="")
    ProductFactory(name="Учёт парковок", summary="Сервис", description="")
    assert list(selectors.search_products(CatalogQuery(q=query))) == [wanted]


def test_the_supplier_and_description_are_searched_too(clock):
    supplier = SupplierFactory(name="ООО «Вольтаж»")
    by_supplier = ProductFactory(supplier=supplier, name="Табло", summary="Сервис", description="")
    by_description = ProductFactory(name="Табло", summary="Сервис", description="Подходит для электробусов.")
    assert list(selectors.search_products(CatalogQuery(q="вольтажа"))) == [by_supplier]
    assert list(selectors.search_products(CatalogQuery(q="электробус"))) == [by_description]


def test_stop_words_alone_find_nothing(clock):
    ProductFactory(name="И так далее")
    assert not selectors.search_products(CatalogQuery(q="и в на")).exists()
    assert all(
        not values or not any(v.count for v in values)
        for values in selectors.facet_counts(CatalogQuery(q="и в на")).values()
    )


# --- robust parameters ------------------------------------------------------------------------------


def test_parameters_may_repeat_or_be_comma_separated_and_unknown_values_are_dropped():
    params = QueryDict("q=+табло+&category=transport,space&category=health&trl=7&trl=3,x,12,0&sort=price&used_by=5,-1")
    query = CatalogQuery.from_params(params)
    assert query == CatalogQuery(q="табло", category=["transport", "health"], trl=[3, 7], used_by=[5])
    assert CatalogQuery.from_params(query.as_params()) == query
    assert query.effective_sort == "relevance" and CatalogQuery().effective_sort == "newest"


@pytest.mark.parametrize("value", ["²", "٣", "9" * 5000, "1e3", " 7 ", "7.0"])
def test_odd_numbers_in_parameters_are_dropped_not_an_error(value):
    query = CatalogQuery.from_params({"trl": value, "used_by": value})
    assert query.trl in ([], [7])
    assert query.used_by in ([], [7])


def test_a_long_query_is_cut(clock):
    assert len(CatalogQuery.from_params({"q": "электробус " * 100}).q) == 200
    ProductFactory(name="Электробус")
    assert selectors.search_products(CatalogQuery.from_params({"q": "электробус " * 100})).count() == 1


# --- the used-by facet with many agencies --------------------------------------------------------


def test_the_used_by_facet_shows_the_top_agencies_and_every_chosen_one(clock):
    agencies = [AgencyFactory(name=f"Департамент {letter}") for letter in "АБВ"]
    first = ProductFactory()
    second = ProductFactory()
    for product, agency in [(first, agencies[0]), (second, agencies[0]), (first, agencies[1]), (first, agencies[2])]:
        ProductUse.objects.create(product=product, agency=agency, kind=UseKind.ORDER)
    top = selectors.facet_counts(CatalogQuery(), agency_limit=1)["used_by"]
    assert [(v.label, v.count, v.selected) for v in top] == [("Департамент А", 2, False)]
    chosen = selectors.facet_counts(CatalogQuery(used_by=[agencies[2].pk]), agency_limit=1)["used_by"]
    assert [(v.label, v.count, v.selected) for v in chosen] == [("Департамент А", 2, False), ("Департамент В", 1, True)]
    # A chosen agency that no product of the other filters was used by stays on the list, at 0.
    narrowed = selectors.facet_counts(CatalogQuery(used_by=[agencies[1].pk], trl=[1]))["used_by"]
    assert [(v.label, v.count, v.selected) for v in narrowed] == [("Департамент Б", 0, True)]


# --- the registry, comparing and matching ------------------------------------------------------------


def test_the_registry_lists_accredited_and_reviewed_products_with_their_state(catalog):
    products, _uses, _agencies = catalog
    listed = {p.pk: p for p in selectors.registry()}
    expected = {
        p.pk
        for p in products
        if p.status == ProductStatus.PUBLISHED and (p.accredited_until is not None or p.has_open_application)
    }
    assert set(listed) == expected
    for state in AccreditationState.values:
        assert {p.pk for p in selectors.registry(state=state)} == {
            pk for pk in expected if listed[pk].accreditation_state(TODAY) == state
        }
    assert not selectors.registry(state=AccreditationState.NONE).exists()
    names = [(p.supplier.name, p.name, p.pk) for p in selectors.registry()]
    assert names == sorted(names)
    assert {p.pk for p in selectors.registry(q="электробусы")} == {
        pk for pk in expected if matched(listed[pk], "электробусы")
    }


def test_compare_takes_up_to_four_visible_products_in_the_order_asked(people, clock, supplier):
    visible = [ProductFactory() for _ in range(5)]
    draft = ProductFactory(supplier=supplier, status=ProductStatus.DRAFT)
    ids = f"{visible[2].pk},{visible[0].pk},{visible[2].pk},x,²,{draft.pk}"
    assert selectors.compare_products(ids, actor=people["resident"]) == [visible[2], visible[0]]
    assert selectors.compare_products(ids, actor=people["supplier_member"]) == [visible[2], visible[0], draft]
    many = [str(p.pk) for p in reversed(visible)]
    assert selectors.compare_products(many, actor=people["resident"]) == list(reversed(visible))[:4]


def test_matching_products_share_stems_and_prefer_the_category(clock):
    same = ProductFactory(name="Датчики заполнения контейнеров", category="environment", description="")
    other = ProductFactory(name="Датчики заполнения контейнеров", category="transport", description="")
    ProductFactory(name="Датчики заполнения", category="health", description="", status=ProductStatus.DRAFT)
    # Three shared stems are enough; the same category counts two more.
    found = selectors.matching_products(text="Нужны датчики заполнения контейнеров", category="environment")
    assert found == [same, other]
    assert [p.match_score for p in found] == [5, 3]
    only_same = selectors.matching_products(text="Контейнеры с датчиками", category="environment")
    assert only_same == [same]
    assert selectors.matching_products(text="  ", category="environment") == []


# --- a bounded number of queries -------------------------------------------------------------------


def _queries_for_a_page(query: CatalogQuery) -> int:
    """What the catalog page reads: counts and facets, then page 3 with the suppliers. A fresh
    copy of the query, so that nothing it remembered from an earlier run is reused."""
    query = dataclasses.replace(query)
    with CaptureQueriesContext(connection) as captured:
        selectors.catalog_counts(query)
        for product in selectors.catalog_page(query, 3):
            str(product.supplier.name)
    return len(captured)


def test_the_search_page_takes_the_same_number_of_queries_at_10_and_100_products(clock):
    agencies = [AgencyFactory() for _ in range(3)]
    build_catalog(10, seed=1, agencies=agencies)
    member = UserFactory()
    MembershipFactory(user=member, organization=agencies[0])
    queries = [
        CatalogQuery(),
        CatalogQuery(q="электробусы станции", category=["transport", "housing"], used_by=[agencies[0].pk, 987654]),
        CatalogQuery(trl=[5, 6, 7], accreditation=["accredited", "expired"], price_band=["on_request"], sort="rating"),
    ]
    search_index.snapshot()  # rebuilt once after a change, by whichever request comes first
    small = [_queries_for_a_page(query) for query in queries]
    build_catalog(90, seed=2, agencies=agencies)
    search_index.snapshot()
    large = [_queries_for_a_page(query) for query in queries]
    # Ten times the products never costs a query more (an empty page costs two fewer: no rows to read).
    assert all(big <= few for big, few in zip(large, small, strict=True)), (small, large)
    assert max(small) <= 8
