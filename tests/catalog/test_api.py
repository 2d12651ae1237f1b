"""The catalog API: public reads (the search with its filters, exact facets, sorts and pages; the
product, the registry, cycles, criteria, compare), bad input answered with field errors, a role
matrix for every write (status, error code, and nothing changed when refused), drafts sealed from
outsiders, a constant query count on the catalog list, and the direct award end to end through
the API with its threshold."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from govtech.catalog import services
from govtech.catalog.models import (
    AgencyReview,
    Application,
    ApplicationStatus,
    BuyingProject,
    Criterion,
    IntakeCycle,
    Order,
    OrderEvent,
    OrderStatus,
    Outcome,
    Product,
    ProductFile,
    ProductReference,
    ProductStatus,
    ProductUse,
    ProjectStatus,
    Review,
    ReviewScore,
    ShortlistItem,
    SnapshotRow,
    UseKind,
)
from govtech.challenges.models import Declaration
from govtech.core.models import AuditEvent
from govtech.funnel.models import GateDecision, Goal, Initiative, StageStay
from govtech.funnel.states import Stage
from govtech.notifications.models import Notification
from tests.catalog.factories import IntakeCycleFactory, ProductFactory, accredit, expert
from tests.factories import AgencyFactory, MembershipFactory, OrganizationFactory, UserFactory
from tests.funnel.factories import InitiativeFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "supplier_member", "supplier_admin", "agency_admin", "expert", "operator"]
SUPPLIER = ("supplier_member", "supplier_admin")
CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}
API = "/api/v1/catalog/"
PRODUCTS = API + "products/"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def matrix(**codes: int) -> list[tuple[str, int]]:
    """(role, expected status) for every role; ``others`` is the status of roles not named, and
    ``supplier`` that of both of the supplier's people."""
    others = codes.pop("others", None)
    supplier = codes.pop("supplier", None)
    return [(role, codes.get(role, supplier if role in SUPPLIER and supplier else others)) for role in ROLES]


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["status"] == status
    return body


def catalog_state() -> dict:
    """Every row a catalog service may write, plus the funnel, the queue and the audit log."""

    def rows(model) -> list[dict]:
        return list(model.objects.order_by("pk").values())

    return {
        "products": rows(Product),
        "files": rows(ProductFile),
        "references": rows(ProductReference),
        "cycles": rows(IntakeCycle),
        "criteria": rows(Criterion),
        "applications": rows(Application),
        "reviews": rows(Review),
        "scores": rows(ReviewScore),
        "uses": rows(ProductUse),
        "agency_reviews": rows(AgencyReview),
        "projects": rows(BuyingProject),
        "shortlist": rows(ShortlistItem),
        "snapshot": rows(SnapshotRow),
        "orders": rows(Order),
        "order_events": rows(OrderEvent),
        "initiatives": rows(Initiative),
        "stays": rows(StageStay),
        "decisions": rows(GateDecision),
        "goals": rows(Goal),
        "tasks": DBTaskResult.objects.count(),
        "notifications": Notification.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


def refused(response, expected: int, before: dict) -> None:
    """The refusal answers in the error format with the status's own code, and changed nothing."""
    assert error(response, expected)["code"] == CODES[expected]
    assert catalog_state() == before


def send(client, method: str, url: str, data=None):
    return getattr(client, method)(url, data, format="json")


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.fixture
def young_supplier(supplier):
    """Founded two years ago: eligible under the default rules."""
    supplier.founded_on = timezone.localdate() - dt.timedelta(days=730)
    supplier.save()
    return supplier


@pytest.fixture
def product(young_supplier):
    return ProductFactory(
        supplier=young_supplier, slug="parking-sensors", name="Датчики парковки", category="transport"
    )


@pytest.fixture
def draft(supplier):
    return ProductFactory(supplier=supplier, slug="draft-product", status=ProductStatus.DRAFT, published_at=None)


@pytest.fixture
def cycle():
    return IntakeCycleFactory(slug="spring")


def _apply(product, people, cycle) -> Application:
    return services.application_submit(
        actor=people["supplier_admin"], product=product, cycle=cycle, statement="Работает в двух округах."
    )


@pytest.fixture
def application(product, people, cycle):
    return _apply(product, people, cycle)


@pytest.fixture
def review(application, people):
    """The ``expert`` role asked to review the application, not declared yet."""
    return services.review_assign(actor=people["operator"], application=application, expert=people["expert"])


@pytest.fixture
def accredited(product, people):
    accredit(product, operator=people["operator"], supplier_user=people["supplier_admin"])
    product.refresh_from_db()
    return product


def _project(people, agency, product, *, until: str = "searching") -> BuyingProject:
    """A buying project of ``agency`` that found and shortlisted ``product``, taken up to ``until``:
    searching, ended, assessed, awarded."""
    buyer = people["agency_admin"]
    project = services.project_create(
        actor=buyer, agency=agency, title="Учёт парковок", need="Нужны датчики", query={"q": product.name}
    )
    item = services.shortlist_add(actor=buyer, project=project, product=product, note="подходит")
    if until == "searching":
        return project
    services.project_end_search(actor=buyer, project=project)
    if until == "ended":
        return project
    services.shortlist_assess(actor=buyer, item=item, score=80, assessment="Покрывает потребность")
    if until == "assessed":
        return project
    services.project_record_outcome(
        actor=buyer, project=project, outcome=Outcome.AWARDED, reason="Лучший", product=product
    )
    return project


@pytest.fixture
def order(people, agency, accredited):
    project = _project(people, agency, accredited, until="awarded")
    return services.order_place(
        actor=people["agency_admin"], project=project, amount="1500000.50", description="Годовая подписка"
    )


# --- public reads: the catalog search -------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_catalog_and_nobody_finds_drafts_in_it(api_client_for, role, product, draft):
    client = api_client_for(role)
    assert slugs(client.get(PRODUCTS)) == ["parking-sensors"]
    body = client.get(f"{PRODUCTS}parking-sensors/").json()
    assert (body["status"], body["accreditation_state"], body["price_from"]) == ("published", "none", "250000.00")


@pytest.mark.parametrize(("role", "expected"), matrix(supplier=200, operator=200, others=404))
def test_a_draft_is_read_only_by_its_suppliers_people_and_operators(api_client_for, role, expected, draft):
    client = api_client_for(role)
    response = client.get(f"{PRODUCTS}draft-product/")
    if expected == 404:
        assert error(response, 404)["code"] == "not_found"
        assert "draft-product" not in response.content.decode()
    else:
        assert response.json()["status"] == "draft"
    # Never in the public catalog, the registry or a comparison for outsiders.
    assert slugs(client.get(PRODUCTS)) == []
    assert slugs(client.get(API + "registry/")) == []
    compared = client.get(API + "compare/", {"ids": str(draft.pk)}).json()
    assert [item["slug"] for item in compared] == ([] if expected == 404 else ["draft-product"])


def test_a_supplier_lists_its_own_products_drafts_included(api_client_for, product, draft):
    ProductFactory(slug="someone-elses")
    assert set(slugs(api_client_for("supplier_member").get(PRODUCTS + "mine/"))) == {"parking-sensors", "draft-product"}
    assert slugs(api_client_for("agency_admin").get(PRODUCTS + "mine/")) == []
    assert error(api_client_for("anonymous").get(PRODUCTS + "mine/"), 401)["code"] == "not_authenticated"


def _catalog(agency) -> dict[str, Product]:
    """Four published products and a draft, one of each kind the facets tell apart."""
    today = timezone.localdate()
    products = {
        "a": ProductFactory(
            slug="a",
            name="Датчики парковки у метро",
            category="transport",
            trl=7,
            price_from=Decimal("50000"),
            deployment="saas",
            accredited_until=today + dt.timedelta(days=100),
            rating=Decimal("4.50"),
            published_at=timezone.now() - dt.timedelta(days=4),
        ),
        "b": ProductFactory(
            slug="b",
            name="Табло остановок",
            category="transport",
            trl=8,
            price_from=Decimal("500000"),
            deployment="on_premises",
            rating=None,
            published_at=timezone.now() - dt.timedelta(days=1),
        ),
        "c": ProductFactory(
            slug="c",
            name="Запись к врачу",
            category="health",
            trl=7,
            price_from=None,
            deployment="saas",
            has_open_application=True,
            rating=Decimal("3.20"),
            published_at=timezone.now() - dt.timedelta(days=3),
        ),
        "d": ProductFactory(
            slug="d",
            name="Парковки больниц",
            category="health",
            trl=5,
            price_from=Decimal("4500000"),
            deployment="hybrid",
            accredited_until=today - dt.timedelta(days=1),
            rating=Decimal("3.90"),
            published_at=timezone.now() - dt.timedelta(days=2),
        ),
    }
    ProductFactory(slug="hidden", category="transport", status=ProductStatus.DRAFT)
    ProductUse.objects.create(product=products["a"], agency=agency, kind=UseKind.PILOT)
    ProductUse.objects.create(product=products["c"], agency=AgencyFactory(), kind=UseKind.PILOT)
    return products


def test_the_filters(api_client_for, agency):
    _catalog(agency)
    client = api_client_for("anonymous")

    def found(**params) -> set[str]:
        return set(slugs(client.get(PRODUCTS, params)))

    assert found() == {"a", "b", "c", "d"}
    assert found(category="transport") == {"a", "b"}
    assert found(category="transport,health") == {"a", "b", "c", "d"}
    assert set(slugs(client.get(PRODUCTS + "?trl=7&trl=8"))) == {"a", "b", "c"}
    assert found(trl="5") == {"d"}
    assert found(price_band="under_100k") == {"a"}
    assert found(price_band="on_request,over_3m") == {"c", "d"}
    assert found(deployment="saas") == {"a", "c"}
    assert found(accreditation="accredited") == {"a"}
    assert found(accreditation="in_review") == {"c"}
    assert found(accreditation="expired") == {"d"}
    assert found(accreditation="none") == {"b"}
    assert found(used_by=str(agency.pk)) == {"a"}
    assert found(q="парковка") == {"a", "d"}  # another word form
    assert found(q="парковки", category="health") == {"d"}
    assert found(category="transport", deployment="hybrid") == set()


def test_the_facets_are_exact_and_disjunctive(api_client_for, agency):
    _catalog(agency)
    body = api_client_for("anonymous").get(PRODUCTS, {"category": "transport"}).json()
    assert body["count"] == 2

    def facet(name) -> list[tuple]:
        assert all(value["label"] for value in body["facets"][name])
        return [(value["value"], value["count"], value["selected"]) for value in body["facets"][name]]

    # A facet's own filter is left out of its counts; every other facet's applies.
    assert facet("category") == [("transport", 2, True), ("health", 2, False)]
    assert facet("trl") == [("7", 1, False), ("8", 1, False)]
    assert facet("price_band") == [("under_100k", 1, False), ("100k_1m", 1, False)]
    assert facet("deployment") == [("saas", 1, False), ("on_premises", 1, False)]
    assert facet("accreditation") == [("accredited", 1, False), ("none", 1, False)]
    assert facet("used_by") == [(str(agency.pk), 1, False)]
    assert [value["label"] for value in body["facets"]["used_by"]] == [agency.name]

    everything = api_client_for("anonymous").get(PRODUCTS, {"used_by": agency.pk, "trl": "7,5"}).json()
    assert everything["count"] == 1
    assert [(v["value"], v["count"], v["selected"]) for v in everything["facets"]["trl"]] == [
        ("5", 0, True),
        ("7", 1, True),
    ]


def test_the_sorts(api_client_for, agency):
    _catalog(agency)
    client = api_client_for("anonymous")
    assert slugs(client.get(PRODUCTS)) == ["b", "d", "c", "a"]  # newest by default
    assert slugs(client.get(PRODUCTS, {"sort": "newest"})) == ["b", "d", "c", "a"]
    assert slugs(client.get(PRODUCTS, {"sort": "rating"})) == ["a", "d", "c", "b"]  # no rating last
    # With words, the products holding all of them ("парковки у метро" is a's name) …
    assert slugs(client.get(PRODUCTS, {"q": "парковки метро"})) == ["a"]
    # … and when none holds them all, those holding any, the most matching first, then by rating.
    assert slugs(client.get(PRODUCTS, {"q": "парковки вокзала"})) == ["a", "d"]
    assert slugs(client.get(PRODUCTS, {"q": "парковки вокзала", "sort": "newest"})) == ["d", "a"]


def test_the_catalog_is_paginated(api_client_for):
    ProductFactory.create_batch(23)
    client = api_client_for("anonymous")
    first = client.get(PRODUCTS).json()
    assert (first["count"], len(first["results"]), first["previous"]) == (23, 20, None)
    assert first["next"].endswith(f"{PRODUCTS}?page=2")
    assert set(first["facets"]) == {"category", "trl", "price_band", "deployment", "accreditation", "used_by"}
    second = client.get(PRODUCTS, {"page": 2}).json()
    assert (len(second["results"]), second["next"]) == (3, None)
    assert {item["slug"] for item in first["results"]}.isdisjoint(item["slug"] for item in second["results"])
    assert len(client.get(PRODUCTS, {"page_size": 5}).json()["results"]) == 5
    assert error(client.get(PRODUCTS, {"page": 3}), 404)["code"] == "not_found"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "space"}, "category"),
        ({"category": "transport,space"}, "category"),
        ({"trl": "10"}, "trl"),
        ({"trl": "seven"}, "trl"),
        ({"price_band": "cheap"}, "price_band"),
        ({"deployment": "cloud"}, "deployment"),
        ({"accreditation": "gold"}, "accreditation"),
        ({"used_by": "999999"}, "used_by"),
        ({"used_by": "x"}, "used_by"),
        ({"sort": "popular"}, "sort"),
        ({"q": "x" * 201}, "q"),
        ({"page": "0"}, "page"),
        ({"page_size": "1000"}, "page_size"),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_it(api_client_for, product, params, field):
    body = error(api_client_for("anonymous").get(PRODUCTS, params), 400)
    assert (body["code"], list(body["fields"])) == ("invalid", [field])


def test_a_supplier_is_not_an_agency_to_filter_by(api_client_for, product, supplier):
    body = error(api_client_for("anonymous").get(PRODUCTS, {"used_by": supplier.pk}), 400)
    assert list(body["fields"]) == ["used_by"]


def _products(n: int, agency) -> None:
    for index in range(n):
        item = ProductFactory(
            name=f"Датчики парковки {index}",
            category="transport" if index % 2 else "health",
            trl=5 + index % 4,
            price_from=None if index % 3 == 0 else Decimal(40_000 * (index + 1)),
            accredited_until=timezone.localdate() + dt.timedelta(days=30) if index % 2 else None,
        )
        if index % 4 == 0:
            ProductUse.objects.create(product=item, agency=agency, kind=UseKind.PILOT)


@pytest.mark.parametrize("role", ["anonymous", "supplier_admin", "operator"])
def test_the_catalog_needs_the_same_queries_for_5_or_30_products(api_client_for, role, agency):
    client = api_client_for(role)
    params = {"page_size": 100, "q": "датчик", "accreditation": "accredited,none", "used_by": agency.pk}
    _products(5, agency)
    # The first request after a change rebuilds the process's search snapshot; later ones reuse it.
    few = _queries(client, PRODUCTS, params), _queries(client, PRODUCTS, params)
    plain = _queries(client, PRODUCTS, {"page_size": 100})
    _products(25, agency)
    assert (_queries(client, PRODUCTS, params), _queries(client, PRODUCTS, params)) == few
    assert client.get(PRODUCTS, {"page_size": 100}).json()["count"] == 30
    assert _queries(client, PRODUCTS, {"page_size": 100}) == plain
    # Warm: the chosen agency checked, the snapshot's revision, the names of the agencies that
    # used the products, the page's rows. Cold: also the snapshot (the products, their uses) and
    # the products holding the word. Plain: the revision, the agencies' names, the rows.
    assert (few, plain) == ((7, 4), 3)


# --- public reads: the product, registry, cycles, criteria, compare --------------------------


def test_the_product_shows_its_accreditation_rating_parts_references_files_and_reviews(
    api_client_for, people, agency, accredited
):
    ProductReference.objects.create(product=accredited, kind="customer", agency=agency, year=2024, description="Пилот")
    ProductReference.objects.create(product=accredited, kind="pilot", customer="ГБУ «Жилищник»")
    screenshot = ProductFile.objects.create(product=accredited, kind="screenshot", title="Экран", file="x/y.png")
    ProductUse.objects.create(product=accredited, agency=agency, kind=UseKind.PILOT)
    services.agency_review_add(actor=people["agency_admin"], product=accredited, agency=agency, stars=5, text="Хорошо")

    body = api_client_for("anonymous").get(f"{PRODUCTS}parking-sensors/").json()
    assert body["accreditation_state"] == "accredited"
    assert body["accredited_until"] == accredited.accredited_until.isoformat()
    assert body["expert_score"] == "80.00"  # 40·8/10 + 30·7/10 + 30·9/10
    assert body["rating_parts"] == {
        "rating": "4.40",  # (3 × 4.20 + 5) ÷ (3 + 1)
        "expert_score": "80.00",
        "expert_stars": "4.20",
        "review_count": 1,
        "agency_mean": "5.00",
        "prior_weight": 3,
    }
    assert (body["rating"], body["review_count"]) == ("4.40", 1)
    assert [(r["kind"], r["customer"], r["agency"] and r["agency"]["id"]) for r in body["references"]] == [
        ("customer", "", agency.pk),
        ("pilot", "ГБУ «Жилищник»", None),
    ]
    assert body["files"] == [
        {
            "id": screenshot.pk,
            "kind": "screenshot",
            "title": "Экран",
            "url": f"http://testserver/catalog/products/parking-sensors/files/{screenshot.pk}/",
        }
    ]
    [review] = body["reviews"]
    assert (review["agency"]["id"], review["stars"], review["text"], review["basis"]) == (
        agency.pk,
        5,
        "Хорошо",
        "pilot",
    )
    assert body["used_by"] == [{"id": agency.pk, "slug": agency.slug, "name": agency.name}]
    assert body["url"] == "http://testserver/catalog/products/parking-sensors/"
    # The experts and the review's author stay unnamed in public.
    text = str(body)
    assert people["agency_admin"].full_name not in text
    for person in Review.objects.select_related("expert"):
        assert person.expert.full_name not in text


def test_the_product_detail_needs_the_same_queries_for_1_or_8_references_and_reviews(api_client_for, product):
    client = api_client_for("anonymous")

    def add(n):
        for _ in range(n):
            agency = AgencyFactory()
            ProductReference.objects.create(product=product, kind="customer", agency=agency)
            use = ProductUse.objects.create(product=product, agency=agency, kind=UseKind.PILOT)
            AgencyReview.objects.create(
                product=product, agency=agency, author=UserFactory(), stars=4, text="Да", use=use
            )

    add(1)
    few = _queries(client, f"{PRODUCTS}parking-sensors/")
    add(7)
    assert _queries(client, f"{PRODUCTS}parking-sensors/") == few


def test_a_missing_product_is_a_404(api_client_for):
    assert error(api_client_for("anonymous").get(f"{PRODUCTS}no-such-thing/"), 404)["code"] == "not_found"


def test_the_registry(api_client_for, agency):
    _catalog(agency)
    client = api_client_for("anonymous")
    rows = client.get(API + "registry/").json()
    assert rows["count"] == 3  # accredited, in review, expired; never accredited nor applied: not listed
    assert {row["slug"]: row["accreditation_state"] for row in rows["results"]} == {
        "a": "accredited",
        "c": "in_review",
        "d": "expired",
    }
    assert slugs(client.get(API + "registry/", {"state": "expired"})) == ["d"]
    assert slugs(client.get(API + "registry/", {"q": "врачу"})) == ["c"]
    assert list(error(client.get(API + "registry/", {"state": "gold"}), 400)["fields"]) == ["state"]


def test_cycles_are_public_with_their_window_state_and_rules(api_client_for):
    now = timezone.now()
    IntakeCycleFactory(slug="past", opens_at=now - dt.timedelta(days=100), closes_at=now - dt.timedelta(days=10))
    IntakeCycleFactory(slug="now")
    IntakeCycleFactory(
        slug="later",
        opens_at=now + dt.timedelta(days=10),
        closes_at=now + dt.timedelta(days=100),
        eligibility={"any_of": [{"sme": True}]},
    )
    body = api_client_for("anonymous").get(API + "cycles/").json()
    assert [(c["slug"], c["window_state"]) for c in body["results"]] == [
        ("later", "upcoming"),
        ("now", "open"),
        ("past", "closed"),
    ]
    assert body["results"][0]["eligibility"] == {"any_of": [{"sme": True}]}
    assert body["results"][1]["eligibility"] == {
        "any_of": [{"max_company_age_years": 7}, {"partner_recommendation": True}]
    }
    assert (body["results"][1]["accreditation_months"], body["results"][1]["min_experts"]) == (18, 2)
    assert api_client_for("anonymous").get(API + "cycles/now/").json()["window_state"] == "open"


def test_the_criteria_are_public(api_client_for):
    body = api_client_for("anonymous").get(API + "criteria/").json()
    assert [(c["key"], c["weight"], c["scale_max"]) for c in body] == [
        ("technology", 40, 10),
        ("business", 30, 10),
        ("security", 30, 10),
    ]


def test_compare_keeps_the_order_asked_and_at_most_four(api_client_for, agency):
    products = _catalog(agency)
    client = api_client_for("anonymous")
    ids = f"{products['c'].pk},{products['a'].pk}"
    assert [item["slug"] for item in client.get(API + "compare/", {"ids": ids}).json()] == ["c", "a"]
    five = ",".join(str(p.pk) for p in [*products.values(), products["a"]]) + ",999"
    assert list(error(client.get(API + "compare/", {"ids": five}), 400)["fields"]) == ["ids"]
    assert list(error(client.get(API + "compare/"), 400)["fields"]) == ["ids"]


# --- writes: products -----------------------------------------------------------------------


def _new_product(supplier) -> dict:
    return {
        "supplier": supplier.slug,
        "name": "Умные датчики парковки",
        "summary": "Свободные места у метро в реальном времени",
        "description": "Датчики и **карта** свободных мест.",
        "category": "transport",
        "trl": 7,
        "pricing_model": "subscription",
        "price_from": "120000.50",
        "deployment": "saas",
        "data_location": "russia",
        "languages": ["ru", "en"],
    }


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier=201, others=403))
def test_create_product_matrix(api_client_for, role, expected, supplier):
    before = catalog_state()
    response = send(api_client_for(role), "post", PRODUCTS, _new_product(supplier))
    if expected != 201:
        return refused(response, expected, before)
    body = response.json()
    assert (body["status"], body["supplier"]["id"], body["price_from"], body["languages"]) == (
        "draft",
        supplier.pk,
        "120000.50",
        ["ru", "en"],
    )
    assert Product.objects.get(slug=body["slug"]).price_from == Decimal("120000.50")
    assert AuditEvent.objects.filter(action="product.created").count() == 1


def test_a_product_is_created_by_the_suppliers_id_too(api_client_for, supplier):
    data = {**_new_product(supplier), "supplier": supplier.pk}
    assert send(api_client_for("supplier_member"), "post", PRODUCTS, data).status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "space"}, "category"),
        ({"trl": 10}, "trl"),
        ({"price_from": "100.001"}, "price_from"),
        ({"price_from": "-1"}, "price_from"),
        ({"languages": ["xx"]}, "languages.0"),
        ({"supplier": "no-such-supplier"}, "supplier"),
        ({"supplier": "сто"}, "supplier"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_product_input_is_a_400_naming_the_field(api_client_for, supplier, change, field):
    before = catalog_state()
    body = error(send(api_client_for("supplier_admin"), "post", PRODUCTS, {**_new_product(supplier), **change}), 400)
    assert field in body["fields"]
    assert catalog_state() == before


def test_a_product_belongs_to_a_supplier(api_client_for, people, agency):
    before = catalog_state()
    body = error(send(api_client_for("agency_admin"), "post", PRODUCTS, _new_product(agency)), 400)
    assert list(body["fields"]) == ["supplier"]
    assert catalog_state() == before


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier=200, others=403))
def test_update_product_matrix(api_client_for, role, expected, product):
    before = catalog_state()
    response = send(api_client_for(role), "patch", f"{PRODUCTS}parking-sensors/", {"price_from": None, "trl": 8})
    if expected != 200:
        return refused(response, expected, before)
    assert (response.json()["price_from"], response.json()["price_band"], response.json()["trl"]) == (
        None,
        "on_request",
        8,
    )


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier=200, operator=403, others=404))
def test_update_a_draft_matrix(api_client_for, role, expected, draft):
    before = catalog_state()
    response = send(api_client_for(role), "patch", f"{PRODUCTS}draft-product/", {"summary": "Новое описание"})
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["summary"] == "Новое описание"


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier=200, operator=403, others=404))
def test_publish_matrix(api_client_for, role, expected, draft):
    before = catalog_state()
    response = send(api_client_for(role), "post", f"{PRODUCTS}draft-product/publish/", {})
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["status"] == "published"
    assert slugs(api_client_for("anonymous").get(PRODUCTS)) == ["draft-product"]


def test_publishing_twice_is_a_conflict(api_client_for, product):
    before = catalog_state()
    body = error(send(api_client_for("supplier_admin"), "post", f"{PRODUCTS}parking-sensors/publish/", {}), 409)
    assert body["code"] == "already_published"
    assert catalog_state() == before


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier=200, others=403))
def test_archive_matrix(api_client_for, role, expected, product):
    before = catalog_state()
    response = send(api_client_for(role), "post", f"{PRODUCTS}parking-sensors/archive/", {})
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["status"] == "archived"
    assert slugs(api_client_for("anonymous").get(PRODUCTS)) == []
    assert error(api_client_for("resident").get(f"{PRODUCTS}parking-sensors/"), 404)["code"] == "not_found"


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier=201, others=403))
def test_add_file_matrix(api_client_for, role, expected, product, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    before = catalog_state()
    upload = SimpleUploadedFile("screen.png", PNG, content_type="image/png")
    response = api_client_for(role).post(
        f"{PRODUCTS}parking-sensors/files/",
        {"kind": "screenshot", "title": "Экран", "file": upload},
        format="multipart",
    )
    if expected != 201:
        return refused(response, expected, before)
    body = response.json()
    assert (body["kind"], body["title"]) == ("screenshot", "Экран")
    assert body["url"].endswith(f"/catalog/products/parking-sensors/files/{body['id']}/")


def test_a_document_is_not_a_screenshot(api_client_for, product, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    before = catalog_state()
    upload = SimpleUploadedFile("terms.pdf", PDF, content_type="application/pdf")
    response = api_client_for("supplier_admin").post(
        f"{PRODUCTS}parking-sensors/files/",
        {"kind": "screenshot", "title": "Условия", "file": upload},
        format="multipart",
    )
    assert list(error(response, 400)["fields"]) == ["file"]
    assert catalog_state() == before


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier=204, others=403))
def test_remove_file_matrix(api_client_for, role, expected, product, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = ProductFile.objects.create(product=product, kind="document", title="Условия", file="private/catalog/x.pdf")
    before = catalog_state()
    response = api_client_for(role).delete(f"{PRODUCTS}parking-sensors/files/{item.pk}/")
    if expected != 204:
        return refused(response, expected, before)
    assert not ProductFile.objects.exists()


def test_a_file_of_another_product_is_a_404(api_client_for, product):
    other = ProductFactory(supplier=product.supplier)
    item = ProductFile.objects.create(product=other, kind="document", title="Условия", file="private/catalog/x.pdf")
    before = catalog_state()
    refused(api_client_for("supplier_admin").delete(f"{PRODUCTS}parking-sensors/files/{item.pk}/"), 404, before)


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier=201, others=403))
def test_add_reference_matrix(api_client_for, role, expected, product, agency):
    before = catalog_state()
    data = {"kind": "customer", "agency": agency.pk, "year": 2024, "description": "Внедрено"}
    response = send(api_client_for(role), "post", f"{PRODUCTS}parking-sensors/references/", data)
    if expected != 201:
        return refused(response, expected, before)
    assert (response.json()["agency"]["id"], response.json()["year"]) == (agency.pk, 2024)


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier=204, others=403))
def test_remove_reference_matrix(api_client_for, role, expected, product):
    reference = ProductReference.objects.create(product=product, kind="customer", customer="ГБУ")
    before = catalog_state()
    response = api_client_for(role).delete(f"{PRODUCTS}parking-sensors/references/{reference.pk}/")
    if expected != 204:
        return refused(response, expected, before)
    assert not ProductReference.objects.exists()


# --- writes: cycles and criteria ------------------------------------------------------------


def _new_cycle() -> dict:
    now = timezone.now()
    return {
        "name": "Летний отбор",
        "opens_at": (now + dt.timedelta(days=1)).isoformat(),
        "closes_at": (now + dt.timedelta(days=90)).isoformat(),
        "eligibility": {"any_of": [{"max_company_age_years": 5}]},
        "min_experts": 3,
    }


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, operator=201, others=403))
def test_create_cycle_matrix(api_client_for, role, expected):
    before = catalog_state()
    response = send(api_client_for(role), "post", API + "cycles/", _new_cycle())
    if expected != 201:
        return refused(response, expected, before)
    body = response.json()
    assert (body["window_state"], body["min_experts"], body["accreditation_months"]) == ("upcoming", 3, 18)
    assert body["eligibility"] == {"any_of": [{"max_company_age_years": 5}]}


def test_bad_eligibility_rules_are_a_400(api_client_for):
    before = catalog_state()
    data = {**_new_cycle(), "eligibility": {"any_of": [{"age": 5}]}}
    assert list(error(send(api_client_for("operator"), "post", API + "cycles/", data), 400)["fields"]) == [
        "eligibility"
    ]
    assert catalog_state() == before


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, operator=200, others=403))
def test_update_cycle_matrix(api_client_for, role, expected, cycle):
    before = catalog_state()
    response = send(api_client_for(role), "patch", API + "cycles/spring/", {"accreditation_months": 12})
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["accreditation_months"] == 12


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, operator=200, others=403))
def test_set_criteria_matrix(api_client_for, role, expected):
    before = catalog_state()
    data = {
        "criteria": {
            "technology": {"weight": 50, "scale_max": 10},
            "business": {"weight": 25, "scale_max": 5},
            "security": {"weight": 25, "scale_max": 10},
        }
    }
    response = send(api_client_for(role), "put", API + "criteria/", data)
    if expected != 200:
        return refused(response, expected, before)
    assert [(c["key"], c["weight"], c["scale_max"]) for c in response.json()] == [
        ("technology", 50, 10),
        ("business", 25, 5),
        ("security", 25, 10),
    ]


def test_weights_must_add_up_to_100(api_client_for):
    before = catalog_state()
    data = {"criteria": {key: {"weight": 30, "scale_max": 10} for key in ["technology", "business", "security"]}}
    body = error(send(api_client_for("operator"), "put", API + "criteria/", data), 400)
    assert (body["code"], list(body["fields"])) == ("weights_not_100", ["criteria"])
    assert catalog_state() == before


# --- writes: applications -------------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier=201, others=403))
def test_apply_matrix(api_client_for, role, expected, product, cycle):
    before = catalog_state()
    data = {"cycle": "spring", "statement": "Работает в двух округах."}
    response = send(api_client_for(role), "post", f"{PRODUCTS}parking-sensors/applications/", data)
    if expected != 201:
        return refused(response, expected, before)
    body = response.json()
    assert (body["status"], body["cycle"]["slug"], body["product"]["slug"]) == (
        "submitted",
        "spring",
        "parking-sensors",
    )
    assert body["eligibility"]["eligible"] is True
    assert body["reviews"] is None  # the panel is for operators
    assert api_client_for("anonymous").get(f"{PRODUCTS}parking-sensors/").json()["accreditation_state"] == "in_review"


def test_an_ineligible_supplier_is_told_what_it_would_need(api_client_for, product, cycle, supplier):
    supplier.founded_on = dt.date(2001, 1, 1)
    supplier.save()
    before = catalog_state()
    data = {"cycle": "spring", "statement": "Работает."}
    body = error(send(api_client_for("supplier_admin"), "post", f"{PRODUCTS}parking-sensors/applications/", data), 400)
    assert body["code"] == "not_eligible"
    assert "7" in body["message"]
    assert catalog_state() == before


def test_a_recommendation_comes_from_a_partner(api_client_for, product, cycle, supplier):
    partner = OrganizationFactory()
    data = {
        "cycle": "spring",
        "statement": "Работает.",
        "recommended_by": partner.slug,
        "recommendation": "Рекомендуем",
    }
    response = send(api_client_for("supplier_admin"), "post", f"{PRODUCTS}parking-sensors/applications/", data)
    assert response.status_code == 201, response.content
    assert response.json()["recommended_by"]["id"] == partner.pk
    data = {"cycle": "spring", "statement": "x", "recommended_by": supplier.pk, "recommendation": "x"}
    other = ProductFactory(supplier=supplier, slug="other")
    before = catalog_state()
    body = error(send(api_client_for("supplier_admin"), "post", f"{PRODUCTS}{other.slug}/applications/", data), 400)
    assert list(body["fields"]) == ["recommended_by"]
    assert catalog_state() == before


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier=200, operator=200, others=404))
def test_read_application_matrix(api_client_for, people, role, expected, application):
    response = api_client_for(role).get(f"{API}applications/{application.pk}/")
    if expected != 200:
        assert error(response, expected)["code"] == CODES[expected]
        return
    assert response.json()["statement"] == "Работает в двух округах."


def test_only_operators_read_the_panel_with_the_experts_names(api_client_for, people, application, review):
    as_operator = api_client_for("operator").get(f"{API}applications/{application.pk}/").json()
    assert [(r["expert"]["full_name"], r["conflict"]) for r in as_operator["reviews"]] == [
        (people["expert"].full_name, "undeclared")
    ]
    as_supplier = api_client_for("supplier_admin").get(f"{API}applications/{application.pk}/")
    assert as_supplier.json()["reviews"] is None
    assert people["expert"].full_name not in as_supplier.content.decode()
    # A cleared expert reads the application, without the panel.
    services.review_declare(actor=people["expert"], review=review, has_conflict=False)
    as_expert = api_client_for("expert").get(f"{API}applications/{application.pk}/").json()
    assert (as_expert["statement"], as_expert["reviews"]) == ("Работает в двух округах.", None)


def test_application_lists(api_client_for, application):
    assert [a["id"] for a in api_client_for("supplier_member").get(API + "applications/").json()["results"]] == [
        application.pk
    ]
    assert api_client_for("agency_admin").get(API + "applications/").json()["results"] == []
    queue = api_client_for("operator").get(API + "applications/open/").json()["results"]
    assert [(a["id"], a["cleared"], a["completed"]) for a in queue] == [(application.pk, 0, 0)]
    for role in ["supplier_admin", "expert", "agency_admin", "resident"]:
        assert error(api_client_for(role).get(API + "applications/open/"), 403)["code"] == "permission_denied"


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier=200, operator=403, others=404))
def test_withdraw_matrix(api_client_for, role, expected, application):
    before = catalog_state()
    response = send(api_client_for(role), "post", f"{API}applications/{application.pk}/withdraw/", {})
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["status"] == "withdrawn"


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier=403, operator=200, others=404))
def test_assign_matrix(api_client_for, people, role, expected, application):
    before = catalog_state()
    response = send(api_client_for(role), "post", f"{API}applications/{application.pk}/assign/", {})
    if expected != 200:
        return refused(response, expected, before)
    reviews = response.json()["reviews"]
    assert len(reviews) == 1  # the only expert there is
    assert reviews[0]["expert"]["id"] == people["expert"].pk


def test_the_operator_asks_one_particular_expert(api_client_for, application):
    chosen = expert()
    url = f"{API}applications/{application.pk}/assign/"
    response = send(api_client_for("operator"), "post", url, {"expert": chosen.pk})
    assert [r["expert"]["id"] for r in response.json()["reviews"]] == [chosen.pk]
    before = catalog_state()
    assert (
        error(send(api_client_for("operator"), "post", url, {"expert": chosen.pk}), 409)["code"] == "already_assigned"
    )
    assert list(error(send(api_client_for("operator"), "post", url, {"expert": "x"}), 400)["fields"]) == ["expert"]
    assert catalog_state() == before


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier=403, operator=200, others=404))
def test_decide_matrix(api_client_for, role, expected, application):
    before = catalog_state()
    data = {"accredit": False, "reason": "Нет сертификата безопасности"}
    response = send(api_client_for(role), "post", f"{API}applications/{application.pk}/decide/", data)
    if expected != 200:
        return refused(response, expected, before)
    assert (response.json()["status"], response.json()["decision_reason"]) == ("declined", data["reason"])


def test_accrediting_waits_for_the_reviews(api_client_for, application):
    before = catalog_state()
    url = f"{API}applications/{application.pk}/decide/"
    assert error(send(api_client_for("operator"), "post", url, {"accredit": True}), 409)["code"] == "reviews_missing"
    body = error(send(api_client_for("operator"), "post", url, {"accredit": False}), 400)
    assert (body["code"], list(body["fields"])) == ("reason_required", ["reason"])
    assert catalog_state() == before


# --- writes: expert reviews ------------------------------------------------------------------


def test_the_review_inbox_is_the_experts(api_client_for, review):
    body = api_client_for("expert").get(API + "reviews/").json()
    assert [(r["id"], r["conflict"], r["product"]["supplier"]["id"]) for r in body["results"]] == [
        (review.pk, "undeclared", review.application.product.supplier_id)
    ]
    assert error(api_client_for("anonymous").get(API + "reviews/"), 401)["code"] == "not_authenticated"
    for role in ["resident", "supplier_admin", "agency_admin", "operator"]:
        assert error(api_client_for(role).get(API + "reviews/"), 403)["code"] == "permission_denied"


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, expert=200, others=404))
def test_read_review_matrix(api_client_for, role, expected, review):
    response = api_client_for(role).get(f"{API}reviews/{review.pk}/")
    if expected != 200:
        assert error(response, expected)["code"] == CODES[expected]
        return
    body = response.json()
    # Nothing to review before the declaration.
    assert (body["conflict"], body["content"], body["criteria"]) == ("undeclared", None, [])


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, expert=200, others=404))
def test_declare_matrix(api_client_for, role, expected, review):
    before = catalog_state()
    response = send(api_client_for(role), "post", f"{API}reviews/{review.pk}/declare/", {"has_conflict": False})
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["conflict"] == "none"
    body = api_client_for("expert").get(f"{API}reviews/{review.pk}/").json()
    assert body["content"]["statement"] == "Работает в двух округах."
    assert body["content"]["product"]["description"] == review.application.product.description
    assert [c["key"] for c in body["criteria"]] == ["technology", "business", "security"]


def test_a_recused_expert_loses_the_review(api_client_for, review):
    data = {"has_conflict": True, "note": "Работал у поставщика"}
    assert send(api_client_for("expert"), "post", f"{API}reviews/{review.pk}/declare/", data).json()["conflict"] == (
        "recused"
    )
    assert error(api_client_for("expert").get(f"{API}reviews/{review.pk}/"), 404)["code"] == "not_found"
    assert api_client_for("expert").get(API + "reviews/").json()["results"] == []


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, expert=200, others=404))
def test_scores_matrix(api_client_for, people, role, expected, review):
    services.review_declare(actor=people["expert"], review=review, has_conflict=False)
    before = catalog_state()
    data = {
        "scores": {"technology": 8, "business": {"value": 7, "comment": "Понятная модель"}, "security": 9},
        "summary": "Зрелый продукт",
        "complete": True,
    }
    response = send(api_client_for(role), "post", f"{API}reviews/{review.pk}/scores/", data)
    if expected != 200:
        return refused(response, expected, before)
    body = response.json()
    assert body["completed_at"] is not None
    assert [(s["criterion"], s["value"], s["comment"]) for s in body["scores"]] == [
        ("technology", 8, ""),
        ("business", 7, "Понятная модель"),
        ("security", 9, ""),
    ]


def test_scores_need_a_declaration_and_a_valid_scale(api_client_for, people, review):
    url = f"{API}reviews/{review.pk}/scores/"
    before = catalog_state()
    assert error(send(api_client_for("expert"), "post", url, {"scores": {"technology": 8}}), 409)["code"] == (
        "not_declared"
    )
    assert catalog_state() == before
    services.review_declare(actor=people["expert"], review=review, has_conflict=False)
    before = catalog_state()
    client = api_client_for("expert")
    assert list(error(send(client, "post", url, {"scores": {"technology": 11}}), 400)["fields"]) == ["scores"]
    assert list(error(send(client, "post", url, {"scores": {"technology": "x"}}), 400)["fields"]) == [
        "scores.technology"
    ]
    assert list(error(send(client, "post", url, {"scores": {"beauty": 5}}), 400)["fields"]) == ["scores"]
    incomplete = send(client, "post", url, {"scores": {"technology": 5}, "complete": True})
    assert error(incomplete, 400)["code"] == "incomplete"
    assert catalog_state() == before


# --- writes: buying projects -----------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=201, others=403))
def test_create_project_matrix(api_client_for, role, expected, agency, product):
    before = catalog_state()
    data = {
        "agency": agency.pk,
        "title": "Датчики парковки",
        "need": "Свободные места у метро",
        "query": {"q": "парковка", "category": ["transport"], "trl": "7,8"},
    }
    response = send(api_client_for(role), "post", API + "projects/", data)
    if expected != 201:
        return refused(response, expected, before)
    body = response.json()
    assert (body["status"], body["outcome"], body["agency"]["id"]) == ("searching", None, agency.pk)
    assert body["query"] == {"q": "парковка", "category": ["transport"], "trl": [7, 8]}
    assert (body["shortlist"], body["snapshot"], body["order"], body["direct_award_limit"]) == (
        [],
        [],
        None,
        "3000000.00",
    )


def test_a_saved_search_with_an_unknown_value_is_a_400(api_client_for, agency):
    before = catalog_state()
    data = {"agency": agency.pk, "title": "Закупка", "need": "Нужно", "query": {"category": "space"}}
    assert list(error(send(api_client_for("agency_admin"), "post", API + "projects/", data), 400)["fields"]) == [
        "query.category"
    ]
    data["query"] = {"colour": "red"}
    assert list(error(send(api_client_for("agency_admin"), "post", API + "projects/", data), 400)["fields"]) == [
        "query.colour"
    ]
    assert catalog_state() == before


def test_an_agency_lists_its_own_projects(api_client_for, people, agency, product):
    project = _project(people, agency, product)
    other_agency = AgencyFactory()
    services.project_create(actor=_agency_member(other_agency), agency=other_agency, title="Чужая", need="Нужно")
    body = api_client_for("agency_admin").get(API + "projects/").json()
    assert [(p["id"], p["shortlisted"]) for p in body["results"]] == [(project.pk, 1)]
    assert api_client_for("supplier_admin").get(API + "projects/").json()["results"] == []
    assert error(api_client_for("anonymous").get(API + "projects/"), 401)["code"] == "not_authenticated"


def _agency_member(agency):
    member = UserFactory()
    MembershipFactory(user=member, organization=agency)
    return member


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=200, operator=200, others=404))
def test_read_project_matrix(api_client_for, people, role, expected, agency, product):
    project = _project(people, agency, product)
    response = api_client_for(role).get(f"{API}projects/{project.pk}/")
    if expected != 200:
        assert error(response, expected)["code"] == CODES[expected]
        return
    [item] = response.json()["shortlist"]
    assert (item["product"]["slug"], item["note"], item["score"]) == ("parking-sensors", "подходит", None)


def test_another_agencys_project_is_a_404(api_client_for, people, agency, product):
    other_agency = AgencyFactory()
    project = services.project_create(
        actor=_agency_member(other_agency), agency=other_agency, title="Чужая закупка", need="Нужно"
    )
    before = catalog_state()
    client = api_client_for("agency_admin")
    assert error(client.get(f"{API}projects/{project.pk}/"), 404)["code"] == "not_found"
    refused(send(client, "post", f"{API}projects/{project.pk}/shortlist/", {"product": product.slug}), 404, before)


BUYER_WRITE = matrix(anonymous=401, agency_admin=200, operator=403, others=404)


@pytest.mark.parametrize(("role", "expected"), BUYER_WRITE)
def test_save_search_matrix(api_client_for, people, role, expected, agency, product):
    project = _project(people, agency, product)
    before = catalog_state()
    response = send(api_client_for(role), "put", f"{API}projects/{project.pk}/search/", {"deployment": "saas,hybrid"})
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["query"] == {"deployment": ["saas", "hybrid"]}


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=201, operator=403, others=404))
def test_shortlist_matrix(api_client_for, people, role, expected, agency, product):
    project = _project(people, agency, product)
    another = ProductFactory(slug="another")
    before = catalog_state()
    response = send(api_client_for(role), "post", f"{API}projects/{project.pk}/shortlist/", {"product": another.pk})
    if expected != 201:
        return refused(response, expected, before)
    assert response.json()["product"]["slug"] == "another"


def test_a_draft_cannot_be_shortlisted_nor_found_by_its_address(api_client_for, people, agency, product, draft):
    project = _project(people, agency, product)
    url = f"{API}projects/{project.pk}/shortlist/"
    before = catalog_state()
    # A draft answers exactly as a product that does not exist.
    answers = [
        error(send(api_client_for("agency_admin"), "post", url, {"product": name}), 400)
        for name in [draft.slug, draft.pk, "no-such-product", 10**9]
    ]
    assert all(answer == answers[0] for answer in answers)
    assert list(answers[0]["fields"]) == ["product"]
    assert error(send(api_client_for("agency_admin"), "post", url, {"product": product.slug}), 409)["code"] == (
        "already_shortlisted"
    )
    assert catalog_state() == before


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=204, operator=403, others=404))
def test_unshortlist_matrix(api_client_for, people, role, expected, agency, product):
    project = _project(people, agency, product)
    item = project.shortlist.get()
    before = catalog_state()
    response = api_client_for(role).delete(f"{API}projects/{project.pk}/shortlist/{item.pk}/")
    if expected != 204:
        return refused(response, expected, before)
    assert not project.shortlist.exists()


@pytest.mark.parametrize(("role", "expected"), BUYER_WRITE)
def test_end_search_matrix(api_client_for, people, role, expected, agency, product):
    project = _project(people, agency, product)
    before = catalog_state()
    response = send(api_client_for(role), "post", f"{API}projects/{project.pk}/end/", {})
    if expected != 200:
        return refused(response, expected, before)
    body = response.json()
    assert (body["status"], body["result_count"]) == ("ended", 1)
    assert [(row["position"], row["product"], row["data"]["slug"]) for row in body["snapshot"]] == [
        (1, product.pk, "parking-sensors")
    ]


def test_the_snapshot_stays_frozen_after_the_product_changes(api_client_for, people, agency, product):
    project = _project(people, agency, product, until="ended")
    services.product_update(actor=people["supplier_admin"], product=product, name="Новое имя", price_from="999.00")
    body = api_client_for("agency_admin").get(f"{API}projects/{project.pk}/").json()
    assert (body["snapshot"][0]["data"]["name"], body["snapshot"][0]["data"]["price_from"]) == (
        "Датчики парковки",
        "250000.00",
    )
    assert body["shortlist"][0]["product"]["name"] == "Новое имя"
    before = catalog_state()
    assert (
        error(send(api_client_for("agency_admin"), "put", f"{API}projects/{project.pk}/search/", {}), 409)["code"]
        == "search_ended"
    )
    assert catalog_state() == before


@pytest.mark.parametrize(("role", "expected"), BUYER_WRITE)
def test_assess_matrix(api_client_for, people, role, expected, agency, product):
    project = _project(people, agency, product, until="ended")
    item = project.shortlist.get()
    before = catalog_state()
    data = {"score": 85, "assessment": "Покрывает потребность"}
    response = send(api_client_for(role), "post", f"{API}projects/{project.pk}/shortlist/{item.pk}/assess/", data)
    if expected != 200:
        return refused(response, expected, before)
    assert (response.json()["score"], response.json()["assessment"]) == (85, "Покрывает потребность")


@pytest.mark.parametrize(("role", "expected"), BUYER_WRITE)
def test_outcome_matrix(api_client_for, people, role, expected, agency, product):
    project = _project(people, agency, product, until="assessed")
    before = catalog_state()
    data = {"outcome": "awarded", "reason": "Лучшая оценка", "product": "parking-sensors"}
    response = send(api_client_for(role), "post", f"{API}projects/{project.pk}/outcome/", data)
    if expected != 200:
        return refused(response, expected, before)
    body = response.json()
    assert (body["status"], body["outcome"], body["awarded_product"]["slug"]) == ("done", "awarded", "parking-sensors")


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=201, operator=403, others=404))
def test_order_matrix(api_client_for, people, role, expected, agency, accredited):
    project = _project(people, agency, accredited, until="awarded")
    before = catalog_state()
    data = {"amount": "2999999.99", "description": "Годовая подписка"}
    response = send(api_client_for(role), "post", f"{API}projects/{project.pk}/order/", data)
    if expected != 201:
        return refused(response, expected, before)
    body = response.json()
    assert (body["amount"], body["status"], body["moves"]) == ("2999999.99", "placed", ["closed"])


# --- the threshold --------------------------------------------------------------------------


@pytest.fixture
def awarded(people, agency, accredited):
    return _project(people, agency, accredited, until="awarded")


def _order(api_client_for, project, amount):
    data = {"amount": amount, "description": "Годовая подписка"}
    return send(api_client_for("agency_admin"), "post", f"{API}projects/{project.pk}/order/", data)


def test_an_order_at_the_threshold_is_placed(api_client_for, awarded):
    response = _order(api_client_for, awarded, "3000000.00")
    assert response.status_code == 201, response.content
    assert Order.objects.get().amount == Decimal("3000000.00")


@pytest.mark.parametrize("amount", ["3000000.01", "3000001", "12000000.00"])
def test_an_order_above_the_threshold_is_refused_with_the_competitive_route(api_client_for, awarded, amount):
    before = catalog_state()
    body = error(_order(api_client_for, awarded, amount), 400)
    assert (body["code"], list(body["fields"])) == ("above_threshold", ["amount"])
    [explanation] = body["fields"]["amount"]
    assert "3 000 000.00" in explanation and "competitive" in explanation
    assert catalog_state() == before


def test_the_threshold_is_configurable(api_client_for, awarded, settings):
    settings.GOVTECH_CATALOG_DIRECT_AWARD_LIMIT = Decimal("500000.00")
    assert api_client_for("agency_admin").get(f"{API}projects/{awarded.pk}/").json()["direct_award_limit"] == (
        "500000.00"
    )
    before = catalog_state()
    assert error(_order(api_client_for, awarded, "500000.01"), 400)["code"] == "above_threshold"
    assert catalog_state() == before
    assert _order(api_client_for, awarded, "500000.00").status_code == 201


@pytest.mark.parametrize("amount", ["100.001", "abc", "", "NaN", "0", "-5"])
def test_an_amount_is_roubles_with_kopecks(api_client_for, awarded, amount):
    before = catalog_state()
    assert list(error(_order(api_client_for, awarded, amount), 400)["fields"]) == ["amount"]
    assert catalog_state() == before


# --- orders ---------------------------------------------------------------------------------


def test_orders_are_listed_for_both_sides(api_client_for, order):
    for role in ["agency_admin", "supplier_member"]:
        body = api_client_for(role).get(API + "orders/").json()
        assert [(o["id"], o["amount"]) for o in body["results"]] == [(order.pk, "1500000.50")]
    assert [
        o["id"] for o in api_client_for("supplier_admin").get(API + "orders/", {"side": "supplier"}).json()["results"]
    ] == [order.pk]
    assert api_client_for("supplier_admin").get(API + "orders/", {"side": "agency"}).json()["results"] == []
    for role in ["resident", "expert"]:
        assert api_client_for(role).get(API + "orders/").json()["results"] == []
    # Operators oversee every order.
    assert [o["id"] for o in api_client_for("operator").get(API + "orders/").json()["results"]] == [order.pk]
    assert error(api_client_for("anonymous").get(API + "orders/"), 401)["code"] == "not_authenticated"
    assert list(error(api_client_for("agency_admin").get(API + "orders/", {"side": "x"}), 400)["fields"]) == ["side"]


@pytest.mark.parametrize(
    ("role", "expected"), matrix(anonymous=401, agency_admin=200, supplier=200, operator=200, others=404)
)
def test_read_order_matrix(api_client_for, role, expected, order):
    response = api_client_for(role).get(f"{API}orders/{order.pk}/")
    if expected != 200:
        assert error(response, expected)["code"] == CODES[expected]
        return
    body = response.json()
    assert (body["status"], body["amount"], body["description"]) == ("placed", "1500000.50", "Годовая подписка")
    assert [(e["status"], e["note"]) for e in body["events"]] == [("placed", "Годовая подписка")]
    expected_moves = {"agency_admin": ["closed"], "supplier_member": ["accepted_by_supplier"]}
    expected_moves["supplier_admin"] = expected_moves["supplier_member"]
    assert body["moves"] == expected_moves.get(role, [])


@pytest.mark.parametrize(
    ("role", "expected"), matrix(anonymous=401, supplier=200, agency_admin=403, operator=403, others=404)
)
def test_move_order_matrix(api_client_for, role, expected, order):
    before = catalog_state()
    response = send(
        api_client_for(role), "post", f"{API}orders/{order.pk}/move/", {"to_status": "accepted_by_supplier"}
    )
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["status"] == "accepted_by_supplier"


def test_an_illegal_move_is_a_conflict(api_client_for, order):
    before = catalog_state()
    url = f"{API}orders/{order.pk}/move/"
    assert error(send(api_client_for("agency_admin"), "post", url, {"to_status": "accepted"}), 409)["code"] == (
        "invalid_transition"
    )
    assert list(error(send(api_client_for("agency_admin"), "post", url, {"to_status": "lost"}), 400)["fields"]) == [
        "to_status"
    ]
    assert catalog_state() == before


# --- agency reviews and pilots --------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=201, others=403))
def test_agency_review_matrix(api_client_for, role, expected, agency, product):
    ProductUse.objects.create(product=product, agency=agency, kind=UseKind.PILOT)
    before = catalog_state()
    data = {"agency": agency.pk, "stars": 4, "text": "Работает без сбоев"}
    response = send(api_client_for(role), "post", f"{PRODUCTS}parking-sensors/reviews/", data)
    if expected != 201:
        return refused(response, expected, before)
    assert (response.json()["stars"], response.json()["basis"]) == (4, "pilot")
    body = api_client_for("anonymous").get(f"{PRODUCTS}parking-sensors/").json()
    assert (body["review_count"], body["rating"]) == (1, "3.25")  # (3 × 3 + 4) ÷ 4


def test_only_an_agency_that_used_the_product_reviews_it_once(api_client_for, agency, product):
    url = f"{PRODUCTS}parking-sensors/reviews/"
    data = {"agency": agency.pk, "stars": 5, "text": "Отлично"}
    before = catalog_state()
    assert error(send(api_client_for("agency_admin"), "post", url, data), 409)["code"] == "not_used"
    assert list(error(send(api_client_for("agency_admin"), "post", url, {**data, "stars": 6}), 400)["fields"]) == [
        "stars"
    ]
    assert catalog_state() == before
    ProductUse.objects.create(product=product, agency=agency, kind=UseKind.PILOT)
    assert send(api_client_for("agency_admin"), "post", url, data).status_code == 201
    before = catalog_state()
    assert error(send(api_client_for("agency_admin"), "post", url, data), 409)["code"] == "already_reviewed"
    assert catalog_state() == before


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=201, operator=201, others=403))
def test_pilot_matrix(api_client_for, role, expected, agency, product):
    initiative = InitiativeFactory(sponsor=agency, stage=Stage.PILOT)
    before = catalog_state()
    data = {"agency": agency.slug, "initiative": initiative.pk}
    response = send(api_client_for(role), "post", f"{PRODUCTS}parking-sensors/pilots/", data)
    if expected != 201:
        return refused(response, expected, before)
    body = response.json()
    assert (body["kind"], body["agency"]["id"], body["initiative"]["slug"]) == ("pilot", agency.pk, initiative.slug)


def test_a_pilot_needs_the_agencys_initiative_at_the_pilot_stage(api_client_for, agency, product):
    url = f"{PRODUCTS}parking-sensors/pilots/"
    early = InitiativeFactory(sponsor=agency, stage=Stage.IDEA)
    before = catalog_state()
    body = error(send(api_client_for("agency_admin"), "post", url, {"agency": agency.pk, "initiative": early.pk}), 400)
    assert list(body["fields"]) == ["initiative"]
    assert list(
        error(send(api_client_for("agency_admin"), "post", url, {"agency": agency.pk, "initiative": 10**30}), 400)[
            "fields"
        ]
    ) == ["initiative"]
    assert catalog_state() == before


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("post", "applications/", {"cycle": "spring", "statement": "x"}),
        ("post", "reviews/", {"agency": 1, "stars": 5, "text": "x"}),
        ("post", "pilots/", {"agency": 1, "initiative": 1}),
        ("post", "publish/", {}),
        ("post", "archive/", {}),
        ("patch", "", {"name": "x"}),
        ("post", "references/", {"kind": "customer", "customer": "x"}),
    ],
)
@pytest.mark.parametrize("role", ["resident", "agency_admin", "expert"])
def test_a_draft_is_sealed_from_outsiders_writes(api_client_for, role, draft, cycle, method, suffix, data):
    before = catalog_state()
    refused(send(api_client_for(role), method, f"{PRODUCTS}draft-product/{suffix}", data), 404, before)


# --- the direct award end to end ----------------------------------------------------------------


def test_direct_award_through_the_api(
    api_client_for, people, agency, young_supplier, django_capture_on_commit_callbacks
):
    supplier_client = api_client_for("supplier_admin")
    operator = api_client_for("operator")
    buyer = api_client_for("agency_admin")

    # The supplier describes, publishes and applies.
    created = send(supplier_client, "post", PRODUCTS, {**_new_product(young_supplier), "price_from": "1200000.00"})
    assert created.status_code == 201, created.content
    slug = created.json()["slug"]
    assert send(supplier_client, "post", f"{PRODUCTS}{slug}/publish/", {}).json()["status"] == "published"
    IntakeCycleFactory(slug="spring")
    applied = send(
        supplier_client, "post", f"{PRODUCTS}{slug}/applications/", {"cycle": "spring", "statement": "Готово"}
    )
    application_id = applied.json()["id"]

    # The operator asks two experts; each declares no conflict and scores.
    second = expert()
    send(operator, "post", f"{API}applications/{application_id}/assign/", {"expert": people["expert"].pk})
    send(operator, "post", f"{API}applications/{application_id}/assign/", {"expert": second.pk})
    for person in [people["expert"], second]:
        client = api_client_for("anonymous")
        client.force_authenticate(person)
        [mine] = client.get(API + "reviews/").json()["results"]
        assert send(client, "post", f"{API}reviews/{mine['id']}/declare/", {"has_conflict": False}).status_code == 200
        scores = {"scores": {"technology": 8, "business": 7, "security": 9}, "complete": True}
        assert send(client, "post", f"{API}reviews/{mine['id']}/scores/", scores).status_code == 200
    decided = send(operator, "post", f"{API}applications/{application_id}/decide/", {"accredit": True})
    assert (decided.json()["status"], decided.json()["expert_score"]) == ("accredited", "80.00")

    # The buyer searches, saves the search, shortlists, ends the search.
    ProductFactory(name="Табло остановок", category="transport")
    query = {"q": "датчики парковки", "accreditation": "accredited"}
    found = buyer.get(PRODUCTS, query).json()
    assert [p["slug"] for p in found["results"]] == [slug]
    assert [(f["value"], f["count"]) for f in found["facets"]["accreditation"]] == [("accredited", 1)]
    project = send(
        buyer, "post", API + "projects/", {"agency": agency.slug, "title": "Парковки", "need": "Места", "query": query}
    ).json()
    url = f"{API}projects/{project['id']}/"
    item = send(buyer, "post", url + "shortlist/", {"product": slug, "note": "Подходит"}).json()
    ended = send(buyer, "post", url + "end/", {}).json()
    assert (ended["status"], [row["data"]["slug"] for row in ended["snapshot"]]) == ("ended", [slug])
    send(buyer, "post", f"{url}shortlist/{item['id']}/assess/", {"score": 90, "assessment": "Всё покрывает"})
    done = send(buyer, "post", url + "outcome/", {"outcome": "awarded", "reason": "Лучшая оценка", "product": slug})
    assert (done.json()["status"], done.json()["outcome"]) == ("done", "awarded")

    # Above the threshold: refused, nothing created; at it: placed, and the funnel follows.
    before = catalog_state()
    refused_order = error(send(buyer, "post", url + "order/", {"amount": "3000000.01", "description": "Подписка"}), 400)
    assert refused_order["code"] == "above_threshold"
    assert catalog_state() == before
    with django_capture_on_commit_callbacks(execute=True):
        placed = send(buyer, "post", url + "order/", {"amount": "3000000.00", "description": "Подписка"})
    assert placed.status_code == 201, placed.content
    order = placed.json()
    assert (order["amount"], order["status"], order["initiative"]["stage"]) == ("3000000.00", "placed", "adoption")
    assert Initiative.objects.get(slug=order["initiative"]["slug"]).stage == Stage.ADOPTION
    assert buyer.get(url).json()["order"] == {"id": order["id"], "status": "placed", "amount": "3000000.00"}

    # The supplier accepts and delivers; the agency accepts and reviews; the rating follows.
    move = f"{API}orders/{order['id']}/move/"
    assert send(supplier_client, "post", move, {"to_status": "accepted_by_supplier"}).json()["moves"] == ["delivered"]
    send(supplier_client, "post", move, {"to_status": "delivered", "note": "Подключено"})
    accepted = send(buyer, "post", move, {"to_status": "accepted"}).json()
    assert [e["status"] for e in accepted["events"]] == ["placed", "accepted_by_supplier", "delivered", "accepted"]
    rating_before = buyer.get(f"{PRODUCTS}{slug}/").json()["rating"]
    review = send(buyer, "post", f"{PRODUCTS}{slug}/reviews/", {"agency": agency.pk, "stars": 5, "text": "Работает"})
    assert (review.status_code, review.json()["basis"]) == (201, "order")
    after = api_client_for("anonymous").get(f"{PRODUCTS}{slug}/").json()
    assert Decimal(after["rating"]) > Decimal(rating_before)
    assert after["rating_parts"]["review_count"] == 1
    assert after["used_by"] == [{"id": agency.pk, "slug": agency.slug, "name": agency.name}]
    assert api_client_for("anonymous").get(PRODUCTS, {"used_by": agency.pk}).json()["count"] == 1
    assert Application.objects.get(pk=application_id).status == ApplicationStatus.ACCREDITED
    assert BuyingProject.objects.get(pk=project["id"]).status == ProjectStatus.DONE
    assert Order.objects.get(pk=order["id"]).status == OrderStatus.ACCEPTED
    assert Review.objects.filter(conflict=Declaration.NONE, completed_at__isnull=False).count() == 2


# --- every other list: a constant number of queries -----------------------------------------------


def _grow_registry(n: int) -> None:
    for index in range(n):
        ProductFactory(accredited_until=timezone.localdate() + dt.timedelta(days=index - 5))


def _grow_cycles(n: int) -> None:
    IntakeCycleFactory.create_batch(n)


def _grow_mine(n: int, supplier) -> None:
    ProductFactory.create_batch(n, supplier=supplier)


def _grow_applications(n: int, supplier, people) -> None:
    cycle = IntakeCycleFactory()
    for _ in range(n):
        application = _apply(ProductFactory(supplier=supplier), people, cycle)
        services.review_assign(actor=people["operator"], application=application, expert=people["expert"])


def _grow_projects(n: int, agency, people) -> None:
    for _ in range(n):
        _project(people, agency, ProductFactory())


@pytest.mark.parametrize(
    ("role", "url", "grow"),
    [
        ("anonymous", "registry/", lambda n, ctx: _grow_registry(n)),
        ("anonymous", "cycles/", lambda n, ctx: _grow_cycles(n)),
        ("supplier_member", "products/mine/", lambda n, ctx: _grow_mine(n, ctx["supplier"])),
        ("supplier_member", "applications/", lambda n, ctx: _grow_applications(n, ctx["supplier"], ctx["people"])),
        ("operator", "applications/open/", lambda n, ctx: _grow_applications(n, ctx["supplier"], ctx["people"])),
        ("expert", "reviews/", lambda n, ctx: _grow_applications(n, ctx["supplier"], ctx["people"])),
        ("agency_admin", "projects/", lambda n, ctx: _grow_projects(n, ctx["agency"], ctx["people"])),
    ],
)
def test_every_list_needs_the_same_queries_at_two_sizes(
    api_client_for, people, young_supplier, agency, role, url, grow
):
    context = {"supplier": young_supplier, "agency": agency, "people": people}
    client = api_client_for(role)
    grow(2, context)
    few = _queries(client, API + url, {"page_size": 100})
    grow(6, context)
    assert client.get(API + url, {"page_size": 100}).json()["count"] == 8
    assert _queries(client, API + url, {"page_size": 100}) == few


def test_the_orders_list_needs_the_same_queries_for_1_or_3_orders(api_client_for, people, agency, supplier):
    supplier.founded_on = timezone.localdate() - dt.timedelta(days=400)
    supplier.save()

    def place() -> None:
        item = ProductFactory(supplier=supplier)
        accredit(item, operator=people["operator"], supplier_user=people["supplier_admin"])
        item.refresh_from_db()
        project = _project(people, agency, item, until="awarded")
        services.order_place(actor=people["agency_admin"], project=project, amount="1000.00", description="Заказ")

    place()
    counts = {role: _queries(api_client_for(role), API + "orders/") for role in ["agency_admin", "supplier_member"]}
    place()
    place()
    for role, few in counts.items():
        assert api_client_for(role).get(API + "orders/").json()["count"] == 3
        assert _queries(api_client_for(role), API + "orders/") == few
