"""Public pages of the catalog: the list with search, facets, sort, pages and htmx; the product
page with its rating parts, files and the agencies' actions; comparison; the registry and its CSV."""

import csv
import datetime as dt
import html
import io
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from govtech.accounts.models import User
from govtech.catalog import selectors
from govtech.catalog.models import (
    AgencyReview,
    BuyingProject,
    FileKind,
    ProductFile,
    ProductReference,
    ProductStatus,
    ProductUse,
    ProjectStatus,
    ReferenceKind,
    UseKind,
)
from tests.catalog.factories import ProductFactory
from tests.conftest import ROLES
from tests.factories import AgencyFactory, SupplierFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("catalog:product-list")
COMPARE_URL = reverse("catalog:compare")
REGISTRY_URL = reverse("catalog:registry")
REGISTRY_CSV_URL = reverse("catalog:registry-csv")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def client_for(people):
    """As in tests/conftest.py, reading the pages in English (the source language)."""
    User.objects.filter(pk__in=[person.pk for person in people.values() if person]).update(language="en")

    def make(role: str) -> Client:
        web = Client(HTTP_ACCEPT_LANGUAGE="en")
        if people[role] is not None:
            web.force_login(people[role])
        return web

    return make


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _detail(product) -> str:
    return reverse("catalog:product-detail", kwargs={"slug": product.slug})


def _accredited(days: int = 200, **kwargs):
    return ProductFactory(accredited_until=timezone.localdate() + dt.timedelta(days=days), **kwargs)


def _used_by(product, agency):
    return ProductUse.objects.create(product=product, agency=agency, kind=UseKind.PILOT)


# --- the list ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_catalog_list_renders_for_every_role_without_drafts(client_for, role, supplier):
    ProductFactory(name="Умный светофор", supplier=supplier)
    ProductFactory(name="Черновик продукта", supplier=supplier, status=ProductStatus.DRAFT)
    response = client_for(role).get(LIST_URL)
    assert response.status_code == 200
    page = _text(response)
    assert "Умный светофор" in page
    assert "Черновик продукта" not in page
    assert "1 product found" in page


def test_each_result_shows_the_facts_a_buyer_needs(client):
    product = _accredited(name="Умный светофор", price_from=Decimal("250000"), trl=8, expert_score=Decimal("80"))
    product.rating = Decimal("4.20")
    product.save()
    ProductFactory(name="Без цены", price_from=None)
    page = _text(client.get(LIST_URL))
    assert f'href="{_detail(product)}"' in page
    assert product.supplier.name in page
    assert "Сервис для городских служб" in page
    assert "Housing and utilities" in page
    assert "TRL</abbr> 8" in page
    assert "from 250,000 ₽" in page
    assert "Price on request" in page
    assert "Cloud service (SaaS)" in page
    assert "Accredited until" in page
    assert "4.20 of 5" in page
    assert f'name="ids" value="{product.pk}"' in page
    assert "Tick up to 4 products" in page
    assert f'action="{COMPARE_URL}"' in page


def test_search_and_filters_with_exact_facet_counts(client):
    agency = AgencyFactory(name="Департамент транспорта")
    buses = ProductFactory(name="Мониторинг электробусов", category="transport", trl=8)
    ProductFactory(name="Парковки", category="transport", trl=6)
    ProductFactory(name="Учёт заявок", category="housing", trl=8)
    _used_by(buses, agency)
    response = client.get(LIST_URL, {"category": "transport"})
    page = _text(response)
    assert "2 products found" in page
    assert "Учёт заявок" not in page
    # Disjunctive facets: the category facet still counts the other categories.
    assert 'value="housing" id="facet-category-housing"> Housing and utilities <span class="meta">(1)</span>' in page
    assert 'id="facet-category-transport" checked> Transport and roads <span class="meta">(2)</span>' in page
    assert "8 — system complete and qualified" in page
    assert 'Департамент транспорта <span class="meta">(1)</span>' in page
    # The counts shown are the selector's exact counts.
    facets = selectors.facet_counts(selectors.CatalogQuery.from_params({"category": "transport"}))
    trl = {value.value: value.count for value in facets["trl"]}
    assert trl == {"6": 1, "8": 1}
    assert f'id="facet-trl-8"> 8 — system complete and qualified <span class="meta">({trl["8"]})</span>' in page

    page = _text(client.get(LIST_URL, {"q": "электробусы", "used_by": agency.pk}))
    assert "1 product found" in page and "Мониторинг электробусов" in page
    # Comma-separated and repeated values mean the same.
    assert "3 products found" in _text(client.get(LIST_URL, {"category": "transport,housing"}))
    assert "3 products found" in _text(client.get(LIST_URL, {"category": ["transport", "housing"]}))
    # Unknown values are dropped rather than refused.
    assert client.get(LIST_URL, {"category": "nonsense", "trl": "12", "sort": "x"}).status_code == 200


def test_sort_by_rating_and_newest(client):
    now = timezone.now()
    low = ProductFactory(name="Низкий рейтинг", rating=Decimal("2.5"), published_at=now)
    high = ProductFactory(name="Высокий рейтинг", rating=Decimal("4.8"), published_at=now - dt.timedelta(days=5))
    unrated = ProductFactory(name="Без рейтинга", rating=None, published_at=now - dt.timedelta(days=1))
    page = _text(client.get(LIST_URL, {"sort": "rating"}))
    assert page.index(high.name) < page.index(low.name) < page.index(unrated.name)
    page = _text(client.get(LIST_URL, {"sort": "newest"}))
    assert page.index(low.name) < page.index(unrated.name) < page.index(high.name)
    assert '<option value="rating" selected>' in _text(client.get(LIST_URL, {"sort": "rating"}))


def test_pages_of_twenty_keep_the_query_and_never_fail(client):
    ProductFactory.create_batch(25, category="transport")
    ProductFactory.create_batch(2, category="housing")
    first = _text(client.get(LIST_URL, {"category": "transport"}))
    assert "25 products found" in first
    assert first.count('name="ids"') == 20
    assert "Page 1 of 2" in first
    assert 'href="?category=transport&page=2"' in first
    second = _text(client.get(LIST_URL, {"category": "transport", "page": 2}))
    assert second.count('name="ids"') == 5
    # Past the end: the last page; not a number: the first.
    beyond = client.get(LIST_URL, {"category": "transport", "page": 99})
    assert beyond.status_code == 200 and "Page 2 of 2" in _text(beyond)
    assert client.get(LIST_URL, {"page": "abc"}).status_code == 200
    assert client.get(LIST_URL, {"page": "-1"}).status_code == 200


def test_htmx_gets_the_results_with_facets_and_count_out_of_band(client):
    ProductFactory(name="Умный светофор", category="transport")
    ProductFactory(name="Учёт заявок", category="housing")
    full = _text(client.get(LIST_URL))
    assert 'hx-get="/catalog/"' in full and 'hx-target="#catalog-results"' in full and 'hx-push-url="true"' in full
    assert '<div id="catalog-results">' in full
    response = client.get(LIST_URL, {"category": "transport"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    partial = _text(response)
    assert "<html" not in partial and "<main" not in partial
    assert "Умный светофор" in partial and "Учёт заявок" not in partial
    assert '<div id="catalog-facets" class="filters" hx-swap-oob="true">' in partial
    assert '<p id="catalog-count" hx-swap-oob="innerHTML">' in partial and "1 product found" in partial
    # Going back in the browser asks for the whole page again.
    restore = client.get(LIST_URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in _text(restore)


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("anonymous", False),
        ("resident", False),
        ("supplier_admin", False),
        ("expert", False),
        ("operator", False),
        ("agency_admin", True),
    ],
)
def test_agency_buyers_may_save_the_search_as_a_buying_project(client_for, role, shown):
    ProductFactory(name="Мониторинг электробусов", category="transport")
    page = _text(client_for(role).get(LIST_URL, {"q": "электробус", "category": "transport", "trl": [7, 8]}))
    query = urlencode({"q": "электробус", "category": "transport", "trl": [7, 8]}, doseq=True)
    assert ("Save this search as a buying project" in page) is shown
    assert (f'href="{reverse("catalog:project-create")}?{query}"' in page) is shown


def _catalog_data(count: int):
    agencies = AgencyFactory.create_batch(3)
    suppliers = SupplierFactory.create_batch(4)
    for n in range(count):
        product = ProductFactory(
            supplier=suppliers[n % 4],
            category=["transport", "housing", "health"][n % 3],
            trl=5 + n % 4,
            price_from=None if n % 5 == 0 else Decimal(50_000 * (n + 1)),
            deployment=["saas", "hybrid"][n % 2],
            accredited_until=timezone.localdate() + dt.timedelta(days=100) if n % 2 else None,
            rating=Decimal("4.10") if n % 3 else None,
            has_open_application=n % 4 == 0,
        )
        _used_by(product, agencies[n % 3])


@pytest.mark.parametrize("role", ["anonymous", "agency_admin", "supplier_admin"])
def test_the_list_takes_a_constant_number_of_queries(client_for, role):
    web = client_for(role)
    params = {"q": "платформа учёта", "trl": [5, 6, 7, 8], "sort": "rating"}
    _catalog_data(5)
    web.get(LIST_URL)  # the session and the like, once
    with CaptureQueriesContext(connection) as few:
        assert web.get(LIST_URL, params).status_code == 200
    _catalog_data(35)
    web.get(LIST_URL)  # the process's search snapshot, rebuilt after a change, as it was above
    with CaptureQueriesContext(connection) as many:
        response = web.get(LIST_URL, params)
    assert response.status_code == 200
    assert "40 products found" in _text(response)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 16
    with CaptureQueriesContext(connection) as partial:
        web.get(LIST_URL, params, headers={"HX-Request": "true"})
    assert len(partial) <= len(many)


# --- the product page -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_a_published_product_page_is_public(client_for, role):
    product = _accredited(name="Умный светофор")
    response = client_for(role).get(_detail(product))
    assert response.status_code == 200
    assert "Умный светофор" in _text(response)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 404),
        ("resident", 404),
        ("agency_admin", 404),
        ("expert", 404),
        ("supplier_member", 200),
        ("supplier_admin", 200),
        ("operator", 200),
    ],
)
def test_a_draft_is_hidden_from_the_public_and_visible_to_its_supplier(client_for, supplier, role, status):
    product = ProductFactory(supplier=supplier, status=ProductStatus.DRAFT, name="Черновик")
    response = client_for(role).get(_detail(product))
    assert response.status_code == status
    if status == 200:
        assert "not in the public catalog" in _text(response)
    assert client_for(role).get(LIST_URL).content.decode().count("Черновик") == 0


def test_a_draft_of_another_supplier_is_not_found(client_for):
    product = ProductFactory(status=ProductStatus.DRAFT)
    assert client_for("supplier_admin").get(_detail(product)).status_code == 404


def test_the_product_page_shows_details_and_rating_parts(client, settings):
    settings.GOVTECH_CATALOG_RATING_PRIOR_WEIGHT = 3
    product = _accredited(
        name="Умный светофор",
        description="Адаптивное **управление** светофорами.\n\n<script>alert(1)</script>",
        trl=7,
        languages=["ru", "en"],
        website="https://example.test/svetofor",
        expert_score=Decimal("80.00"),
        review_count=2,
        review_sum=9,
        rating=Decimal("4.32"),
        pricing_model="per_user",
        data_location="city",
    )
    response = client.get(_detail(product))
    assert "<script>alert(1)</script>" not in response.content.decode()
    page = _text(response)
    assert "<strong>управление</strong>" in page
    assert "7 of 9: prototype demonstrated in operation" in page
    assert "Per user" in page and "City data centre" in page and "Russian, English" in page
    assert 'href="https://example.test/svetofor"' in page
    assert "Accredited until" in page and product.accredited_until.strftime("%Y-%m-%d") in page
    assert "80 of 100, that is 4.20 stars of 5" in page
    assert "mean 4.50 stars from 2 reviews" in page
    assert "counts as 3 reviews" in page
    assert "rating = (C × expert stars + sum of agency stars) ÷ (C + N)" in page
    assert "(3 × 4.20 + 9) ÷ (3 + 2) = 4.32" in page


def test_the_rating_without_an_expert_score_starts_from_the_middle(client):
    product = ProductFactory(review_count=1, review_sum=5, rating=Decimal("3.50"))
    page = _text(client.get(_detail(product)))
    assert "the rating starts from 3 stars" in page
    assert "(3 × 3 + 5) ÷ (3 + 1) = 3.50" in page
    unrated = ProductFactory()
    assert "No rating yet" in _text(client.get(_detail(unrated)))


def test_reviews_references_and_agencies_that_used_it(client, people, agency):
    product = ProductFactory()
    use = _used_by(product, agency)
    AgencyReview.objects.create(
        product=product, agency=agency, author=people["agency_admin"], stars=4, text="Работает стабильно", use=use
    )
    ProductReference.objects.create(
        product=product, kind=ReferenceKind.PILOT, customer="Город Казань", year=2024, description="Пилот в центре"
    )
    page = _text(client.get(_detail(product)))
    assert "Работает стабильно" in page and "4 of 5 stars" in page
    assert "Город Казань" in page and "2024" in page and "Пилот в центре" in page
    assert f'href="{agency.get_absolute_url()}">{agency.name}</a>' in page


def _file(product, kind, title, name, content):
    item = ProductFile(product=product, kind=kind, title=title)
    item.file.save(name, ContentFile(content), save=True)
    return item


def test_screenshots_are_shown_inline_and_documents_downloaded(client):
    product = ProductFactory()
    shot = _file(product, FileKind.SCREENSHOT, "Экран диспетчера", "shot.png", PNG)
    doc = _file(product, FileKind.DOCUMENT, "Описание API", "api.pdf", PDF)
    page = _text(client.get(_detail(product)))
    shot_url = reverse("catalog:product-file", kwargs={"slug": product.slug, "pk": shot.pk})
    doc_url = reverse("catalog:product-file", kwargs={"slug": product.slug, "pk": doc.pk})
    assert f'<img src="{shot_url}" alt="Экран диспетчера"' in page
    assert f'href="{doc_url}" download>Описание API</a>' in page
    image = client.get(shot_url)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image["Content-Disposition"].startswith("inline")
    assert b"".join(image.streaming_content) == PNG
    document = client.get(doc_url)
    assert document["Content-Disposition"].startswith("attachment")
    # The file's number under another product is not found.
    other = ProductFactory()
    assert client.get(reverse("catalog:product-file", kwargs={"slug": other.slug, "pk": shot.pk})).status_code == 404
    assert client.get(reverse("catalog:product-file", kwargs={"slug": product.slug, "pk": 999999})).status_code == 404


def test_files_of_a_draft_are_not_found_for_the_public(client_for, supplier):
    product = ProductFactory(supplier=supplier, status=ProductStatus.DRAFT)
    shot = _file(product, FileKind.SCREENSHOT, "Экран", "shot.png", PNG)
    url = reverse("catalog:product-file", kwargs={"slug": product.slug, "pk": shot.pk})
    assert client_for("anonymous").get(url).status_code == 404
    assert client_for("agency_admin").get(url).status_code == 404
    assert client_for("supplier_member").get(url).status_code == 200


def test_agency_staff_may_review_a_product_they_used_and_shortlist_it(client_for, people, agency):
    product = ProductFactory()
    buyer = people["agency_admin"]
    searching = BuyingProject.objects.create(agency=agency, title="Светофоры", need="Нужны", created_by=buyer)
    BuyingProject.objects.create(
        agency=agency, title="Завершённый", need="Нужны", created_by=buyer, status=ProjectStatus.ENDED
    )
    page = _text(client_for("agency_admin").get(_detail(product)))
    assert "Review this product" not in page
    action = reverse("catalog:shortlist-add", kwargs={"pk": searching.pk})
    assert f'action="{action}"' in page
    assert f'name="product" value="{product.pk}"' in page and 'name="note"' in page
    assert "Завершённый" not in page

    _used_by(product, agency)
    page = _text(client_for("agency_admin").get(_detail(product)))
    assert reverse("catalog:agency-review-create", kwargs={"slug": product.slug}) in page
    searching.shortlist.create(product=product)
    page = _text(client_for("agency_admin").get(_detail(product)))
    assert "Already on the shortlist of “Светофоры”" in page
    assert f'action="{action}"' not in page


@pytest.mark.parametrize("role", ["anonymous", "resident", "supplier_admin", "expert", "operator"])
def test_others_see_no_buyer_actions(client_for, role, agency, people):
    product = ProductFactory()
    _used_by(product, agency)
    BuyingProject.objects.create(agency=agency, title="Светофоры", need="Нужны", created_by=people["agency_admin"])
    page = _text(client_for(role).get(_detail(product)))
    assert "Review this product" not in page and "Add to shortlist" not in page


def test_supplier_members_see_their_actions_and_others_do_not(client_for, supplier):
    product = ProductFactory(supplier=supplier)
    page = _text(client_for("supplier_member").get(_detail(product)))
    assert reverse("catalog:product-edit", kwargs={"slug": product.slug}) in page
    assert reverse("catalog:product-archive", kwargs={"slug": product.slug}) in page
    assert reverse("catalog:application-create", kwargs={"slug": product.slug}) in page
    assert reverse("catalog:product-file-add", kwargs={"slug": product.slug}) in page
    for role in ("agency_admin", "operator", "anonymous"):
        assert reverse("catalog:product-edit", kwargs={"slug": product.slug}) not in _text(
            client_for(role).get(_detail(product))
        )


# --- comparison -------------------------------------------------------------------------------


def test_compare_two_products_side_by_side(client):
    first = _accredited(name="Первый", expert_score=Decimal("75.5"), review_count=3, languages=["ru", "tt"])
    second = ProductFactory(name="Второй", price_from=None, deployment="on_premises")
    response = client.get(COMPARE_URL, {"ids": f"{first.pk},{second.pk}"})
    assert response.status_code == 200
    page = _text(response)
    assert "2 products side by side" in page
    assert page.index("Первый") < page.index("Второй")
    assert page.count('<th scope="col">') == 3  # the property column and one per product
    for row in (
        "Supplier",
        "Category",
        "Technology readiness level",
        "Price",
        "Pricing model",
        "Deployment",
        "Data location",
        "Interface languages",
        "Accreditation",
        "Accredited until",
        "Expert score",
        "Rating",
        "Agency reviews",
    ):
        assert f'<th scope="row">{row}</th>' in page
    assert "75.50 of 100" in page and "Russian, Tatar" in page and "Price on request" in page
    assert f'href="{COMPARE_URL}?ids={second.pk}"' in page  # removing the first
    assert f'href="{COMPARE_URL}?ids={first.pk}"' in page
    assert _text(client.get(COMPARE_URL, {"ids": [first.pk, second.pk]})).count('<th scope="col">') == 3


def test_compare_shows_at_most_four_and_says_so(client):
    products = ProductFactory.create_batch(5)
    page = _text(client.get(COMPARE_URL, {"ids": [p.pk for p in products]}))
    assert "4 products side by side" in page
    assert "only the first 4 are shown" in page
    assert products[4].name not in page
    page = _text(client.get(COMPARE_URL, {"ids": [p.pk for p in products[:4]]}))
    assert "only the first" not in page


def test_compare_leaves_out_drafts_and_nonsense(client_for, supplier):
    draft = ProductFactory(supplier=supplier, status=ProductStatus.DRAFT, name="Черновик")
    public = ProductFactory(name="Опубликован")
    page = _text(client_for("anonymous").get(COMPARE_URL, {"ids": f"{draft.pk},{public.pk},abc,-1"}))
    assert "Опубликован" in page and "Черновик" not in page
    assert "left out" in page
    assert "Черновик" in _text(client_for("supplier_admin").get(COMPARE_URL, {"ids": f"{draft.pk},{public.pk}"}))
    empty = client_for("anonymous").get(COMPARE_URL)
    assert empty.status_code == 200 and "Nothing to compare yet" in _text(empty)


# --- the registry -----------------------------------------------------------------------------


def _registry_products():
    today = timezone.localdate()
    supplier = SupplierFactory(name="ООО «Реестр»")
    return {
        "accredited": ProductFactory(
            name="Аккредитован", supplier=supplier, accredited_until=today + dt.timedelta(days=30)
        ),
        "in_review": ProductFactory(name="На экспертизе", has_open_application=True),
        "expired": ProductFactory(name="Истёк", accredited_until=today - dt.timedelta(days=1)),
        "none": ProductFactory(name="Без аккредитации"),
        "draft": ProductFactory(
            name="Черновик", status=ProductStatus.DRAFT, accredited_until=today + dt.timedelta(days=30)
        ),
    }


@pytest.mark.parametrize("role", ROLES)
def test_the_registry_lists_accreditations_with_their_status(client_for, role):
    _registry_products()
    response = client_for(role).get(REGISTRY_URL)
    assert response.status_code == 200
    page = _text(response)
    assert "3 products in the registry" in page
    for name in ("Аккредитован", "На экспертизе", "Истёк"):
        assert name in page
    assert "Без аккредитации" not in page and "Черновик" not in page
    assert "Under review" in page and "Expired" in page


def test_the_registry_filters_by_status_and_text(client):
    products = _registry_products()
    page = _text(client.get(REGISTRY_URL, {"state": "expired"}))
    assert "1 product in the registry" in page and "Истёк" in page and "Аккредитован" not in page
    assert f'href="{REGISTRY_CSV_URL}?state=expired"' in page
    page = _text(client.get(REGISTRY_URL, {"q": "реестр"}))
    assert "1 product in the registry" in page and products["accredited"].name in page
    # A status that does not exist is shown as an error and filters nothing.
    response = client.get(REGISTRY_URL, {"state": "bogus"})
    assert response.status_code == 200 and "3 products in the registry" in _text(response)
    assert "Select a valid choice" in _text(response)


def test_the_registry_is_paginated(client):
    for n in range(23):
        ProductFactory(name=f"Продукт {n:02d}", accredited_until=timezone.localdate() + dt.timedelta(days=9))
    page = _text(client.get(REGISTRY_URL, {"state": "accredited"}))
    assert "Page 1 of 2" in page and 'href="?state=accredited&page=2"' in page
    assert _text(client.get(REGISTRY_URL, {"state": "accredited", "page": 2})).count('<th scope="row">') == 3
    assert client.get(REGISTRY_URL, {"page": 50}).status_code == 200


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_the_registry_csv_has_a_bom_the_columns_and_the_filters(client):
    products = _registry_products()
    products["accredited"].expert_score = Decimal("82.50")
    products["accredited"].rating = Decimal("4.30")
    products["accredited"].review_count = 2
    products["accredited"].save()
    response = client.get(REGISTRY_CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="catalog-registry.csv"'
    rows = _csv(response)
    assert rows[0] == [
        "Product",
        "Supplier",
        "INN",
        "Category",
        "Accreditation status",
        "Accredited until",
        "Expert score, points of 100",
        "Rating, 1–5",
        "Agency reviews",
        "Address",
    ]
    assert len(rows) == 4
    accredited = next(row for row in rows if row[0] == "Аккредитован")
    product = products["accredited"]
    assert accredited == [
        "Аккредитован",
        "ООО «Реестр»",
        product.supplier.inn,
        "Housing and utilities",
        "Accredited",
        product.accredited_until.isoformat(),
        "82.50",
        "4.30",
        "2",
        f"http://testserver{_detail(product)}",
    ]
    filtered = _csv(client.get(REGISTRY_CSV_URL, {"state": "in_review"}))
    assert [row[0] for row in filtered[1:]] == ["На экспертизе"]
    assert filtered[1][4] == "Under review"
    assert [row[0] for row in _csv(client.get(REGISTRY_CSV_URL, {"q": "реестр"}))[1:]] == ["Аккредитован"]


def test_the_registry_csv_keeps_formulas_as_text(client):
    supplier = SupplierFactory(name="@SUM(A1:A9)")
    ProductFactory(
        name='=HYPERLINK("http://evil.test","Нажми")',
        supplier=supplier,
        accredited_until=timezone.localdate() + dt.timedelta(days=5),
    )
    ProductFactory(name="+79990000000", has_open_application=True)
    ProductFactory(name="-1+1", has_open_application=True)
    rows = _csv(client.get(REGISTRY_CSV_URL))
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://evil.test","Нажми")' in cells
    assert "'@SUM(A1:A9)" in cells and "'+79990000000" in cells and "'-1+1" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_the_registry_csv_takes_a_constant_number_of_queries(client):
    for _ in range(3):
        ProductFactory(accredited_until=timezone.localdate() + dt.timedelta(days=5))
    with CaptureQueriesContext(connection) as few:
        _csv(client.get(REGISTRY_CSV_URL))
    for _ in range(30):
        ProductFactory(accredited_until=timezone.localdate() + dt.timedelta(days=5))
    with CaptureQueriesContext(connection) as many:
        assert len(_csv(client.get(REGISTRY_CSV_URL))) == 34
    assert len(many) == len(few)


def test_a_text_search_is_sorted_by_best_match_unless_asked(client):
    now = timezone.now()
    both = ProductFactory(
        name="Мониторинг электробусов", summary="Зарядка электробусов", published_at=now - dt.timedelta(days=9)
    )
    one = ProductFactory(name="Мониторинг парковок", published_at=now)
    # Every word is asked for while some product holds them all …
    page = _text(client.get(LIST_URL, {"q": "мониторинг электробусов"}))
    assert both.name in page and one.name not in page
    # … otherwise any word will do, the best match first unless another order is asked.
    page = _text(client.get(LIST_URL, {"q": "мониторинг электробусов трамваев"}))
    assert '<option value="" selected>Best match</option>' in page
    assert page.index(both.name) < page.index(one.name)
    page = _text(client.get(LIST_URL, {"q": "мониторинг электробусов трамваев", "sort": "newest"}))
    assert page.index(one.name) < page.index(both.name)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (LIST_URL, {"trl": "²"}),
        (LIST_URL, {"used_by": "7,²", "trl": "٣"}),
        (LIST_URL, {"q": "\x00", "category": "\x00", "page": "\x00"}),
        (LIST_URL, {"q": "ы" * 5000, "used_by": "99999999999999999999"}),
        (COMPARE_URL, {"ids": "²,1"}),
        (COMPARE_URL, {"ids": "99999999999999999999999"}),
        (REGISTRY_URL, {"q": "\x00", "state": "²", "page": "²"}),
        (REGISTRY_CSV_URL, {"q": "ы" * 5000, "state": "\x00"}),
    ],
)
def test_odd_input_never_fails(client, url, params):
    ProductFactory(trl=3, accredited_until=timezone.localdate())
    response = client.get(url, params)
    assert response.status_code == 200
    assert client.get(url, params, headers={"HX-Request": "true"}).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_only_suppliers_are_offered_their_pages_from_the_list(client_for, role):
    page = _text(client_for(role).get(LIST_URL))
    assert (reverse("catalog:product-create") in page) is role.startswith("supplier")
