"""Suppliers' pages of the catalog: the dashboard, creating and editing a product, publishing and
archiving it, its files and references, and applying for accreditation. Every refused write
shows why in the page and changes nothing."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from govtech.accounts.models import MembershipRole, User
from govtech.catalog import services
from govtech.catalog.models import (
    Application,
    ApplicationStatus,
    FileKind,
    Product,
    ProductFile,
    ProductReference,
    ProductStatus,
    ReferenceKind,
)
from tests.catalog.factories import IntakeCycleFactory, ProductFactory
from tests.conftest import ROLES
from tests.factories import MembershipFactory, OrganizationFactory, SupplierFactory

pytestmark = pytest.mark.django_db

DASHBOARD_URL = reverse("catalog:supplier-dashboard")
CREATE_URL = reverse("catalog:product-create")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NOT_SUPPLIERS = ["resident", "agency_admin", "expert", "operator"]
PRODUCT_POST = {
    "name": "Умный светофор",
    "summary": "Адаптивное управление светофорами",
    "description": "Светофоры подстраиваются под поток.",
    "category": "transport",
    "trl": "7",
    "pricing_model": "subscription",
    "price_from": "1 200 000,50",
    "deployment": "saas",
    "data_location": "russia",
    "languages": ["ru", "en"],
    "website": "https://example.test",
}


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


def _url(name: str, product, **kwargs) -> str:
    return reverse(f"catalog:{name}", kwargs={"slug": product.slug, **kwargs})


def _state(product) -> dict:
    fresh = Product.objects.get(pk=product.pk)
    return {
        "fields": {name: getattr(fresh, name) for name in [*services.PRODUCT_FIELDS, "status"]},
        "files": list(fresh.files.values_list("pk", flat=True)),
        "references": list(fresh.references.values_list("pk", flat=True)),
        "applications": list(fresh.applications.values_list("pk", "status")),
    }


def _login_redirect(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the dashboard ----------------------------------------------------------------------------


def test_the_dashboard_lists_products_applications_and_open_cycles(client_for, people, supplier):
    draft = ProductFactory(supplier=supplier, name="Черновик", status=ProductStatus.DRAFT)
    published = ProductFactory(supplier=supplier, name="Опубликован", accredited_until=timezone.localdate())
    ProductFactory(name="Чужой продукт")
    cycle = IntakeCycleFactory(name="Весенний отбор")
    IntakeCycleFactory(name="Будущий отбор", opens_at=timezone.now() + dt.timedelta(days=5))
    Application.objects.create(
        product=published,
        cycle=cycle,
        statement="Готово",
        submitted_by=people["supplier_admin"],
        status=ApplicationStatus.DECLINED,
        decided_at=timezone.now(),
        decision_reason="Мало внедрений",
    )
    response = client_for("supplier_member").get(DASHBOARD_URL)
    assert response.status_code == 200
    page = _text(response)
    assert "Черновик" in page and "Опубликован" in page and "Чужой продукт" not in page
    assert _url("product-edit", draft) in page
    assert _url("application-create", published) in page and _url("application-create", draft) not in page
    assert "Весенний отбор" in page and "Будущий отбор" not in page.split("My products")[0]
    assert "Declined" in page and "Мало внедрений" in page
    assert reverse("catalog:application-detail", kwargs={"pk": published.applications.get().pk}) in page
    assert CREATE_URL in page


def test_the_dashboard_is_for_supplier_staff_only(client_for):
    assert _login_redirect(client_for("anonymous").get(DASHBOARD_URL))
    for role in NOT_SUPPLIERS:
        assert client_for(role).get(DASHBOARD_URL).status_code == 403, role


def test_the_dashboard_lists_are_paginated(client_for, supplier):
    ProductFactory.create_batch(23, supplier=supplier)
    page = _text(client_for("supplier_admin").get(DASHBOARD_URL))
    assert "Page 1 of 2" in page and 'href="?page=2"' in page
    assert _text(client_for("supplier_admin").get(DASHBOARD_URL, {"page": 2})).count("/edit/") == 3
    assert client_for("supplier_admin").get(DASHBOARD_URL, {"page": 99, "apage": "x"}).status_code == 200


# --- creating and editing ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_product_form(client_for, role):
    response = client_for(role).get(CREATE_URL)
    if role == "anonymous":
        assert _login_redirect(response)
    else:
        assert response.status_code == (200 if role.startswith("supplier") else 403)


def test_a_supplier_creates_a_draft(client_for, supplier):
    page = _text(client_for("supplier_member").get(CREATE_URL))
    assert 'name="supplier"' not in page  # one supplier: nothing to choose
    assert 'type="checkbox" name="languages" value="tt"' in page
    assert "7 — prototype demonstrated in operation" in page
    response = client_for("supplier_member").post(CREATE_URL, PRODUCT_POST)
    product = Product.objects.get()
    assert response.status_code == 302 and response["Location"] == product.get_absolute_url()
    assert product.supplier == supplier and product.status == ProductStatus.DRAFT
    assert product.price_from == Decimal("1200000.50") and product.languages == ["ru", "en"] and product.trl == 7


def test_price_on_request_and_no_languages(client_for):
    response = client_for("supplier_admin").post(CREATE_URL, {**PRODUCT_POST, "price_from": "", "languages": []})
    assert response.status_code == 302
    product = Product.objects.get()
    assert product.price_from is None and product.languages == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"price_from": "дорого"}, "Enter an amount in roubles"),
        ({"price_from": "-5"}, "Ensure this value is greater than or equal to 0"),
        ({"name": ""}, "This field is required"),
        ({"trl": "12"}, "Select a valid choice"),
        ({"category": "space"}, "Select a valid choice"),
        ({"languages": ["xx"]}, "Select a valid choice"),
        ({"website": "not a url"}, "Enter a valid URL"),
    ],
)
def test_bad_product_input_is_shown_and_nothing_is_saved(client_for, changes, message):
    response = client_for("supplier_admin").post(CREATE_URL, {**PRODUCT_POST, **changes})
    assert response.status_code == 400
    page = _text(response)
    assert "Nothing was saved" in page and message in page
    assert not Product.objects.exists()


def test_a_member_of_several_suppliers_chooses_one(client_for, people):
    other = SupplierFactory(name="ООО «Второй»")
    MembershipFactory(user=people["supplier_admin"], organization=other, role=MembershipRole.ADMIN)
    web = client_for("supplier_admin")
    assert 'name="supplier"' in _text(web.get(CREATE_URL))
    refused = web.post(CREATE_URL, PRODUCT_POST)
    assert refused.status_code == 400 and "This field is required" in _text(refused)
    stranger = SupplierFactory()
    refused = web.post(CREATE_URL, {**PRODUCT_POST, "supplier": stranger.slug})
    assert refused.status_code == 400 and "Select a valid choice" in _text(refused)
    assert not Product.objects.exists()
    assert web.post(CREATE_URL, {**PRODUCT_POST, "supplier": other.slug}).status_code == 302
    assert Product.objects.get().supplier == other


def test_a_supplier_edits_its_product(client_for, supplier):
    product = ProductFactory(supplier=supplier, price_from=Decimal("100.00"))
    web = client_for("supplier_member")
    page = _text(web.get(_url("product-edit", product)))
    assert 'value="100.00"' in page and product.name in page
    response = web.post(_url("product-edit", product), {**PRODUCT_POST, "name": "Новое имя", "price_from": ""})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.name == "Новое имя" and product.price_from is None and product.category == "transport"


def test_bad_edits_change_nothing(client_for, supplier):
    product = ProductFactory(supplier=supplier)
    before = _state(product)
    response = client_for("supplier_member").post(
        _url("product-edit", product), {**PRODUCT_POST, "name": "Новое", "price_from": "12,345,678"}
    )
    assert response.status_code == 400 and "Enter an amount in roubles" in _text(response)
    assert _state(product) == before


@pytest.mark.parametrize(("role", "status"), [("agency_admin", 403), ("expert", 403), ("operator", 403)])
def test_others_may_not_edit(client_for, supplier, role, status):
    product = ProductFactory(supplier=supplier)
    before = _state(product)
    assert client_for(role).get(_url("product-edit", product)).status_code == status
    assert client_for(role).post(_url("product-edit", product), PRODUCT_POST).status_code == status
    assert _state(product) == before
    assert _login_redirect(client_for("anonymous").post(_url("product-edit", product), PRODUCT_POST))


def test_another_suppliers_draft_is_not_found(client_for):
    product = ProductFactory(status=ProductStatus.DRAFT)
    before = _state(product)
    web = client_for("supplier_admin")
    for name in ("product-edit", "product-publish", "product-archive", "product-file-add", "reference-add"):
        assert web.post(_url(name, product), PRODUCT_POST).status_code == 404, name
    assert _state(product) == before


# --- publishing and archiving -----------------------------------------------------------------


def test_publish_then_archive(client_for, supplier):
    product = ProductFactory(supplier=supplier, status=ProductStatus.DRAFT, published_at=None)
    web = client_for("supplier_member")
    assert web.get(_url("product-publish", product)).status_code == 405
    response = web.post(_url("product-publish", product))
    assert response.status_code == 302 and response["Location"] == product.get_absolute_url()
    product.refresh_from_db()
    assert product.status == ProductStatus.PUBLISHED and product.published_at is not None
    page = _text(web.get(product.get_absolute_url()))
    assert "The product is published in the catalog." in page
    assert _url("product-archive", product) in page and _url("product-publish", product) not in page

    web.post(_url("product-archive", product))
    product.refresh_from_db()
    assert product.status == ProductStatus.ARCHIVED
    # Archived: gone from the public, still the supplier's to see and publish again.
    assert client_for("anonymous").get(product.get_absolute_url()).status_code == 404
    page = _text(web.get(product.get_absolute_url()))
    assert _url("product-publish", product) in page


def test_a_refused_step_says_why_and_changes_nothing(client_for, supplier):
    product = ProductFactory(supplier=supplier)
    before = _state(product)
    response = client_for("supplier_member").post(_url("product-publish", product), follow=True)
    assert response.status_code == 200 and "The product is already published." in _text(response)
    assert _state(product) == before


@pytest.mark.parametrize("role", NOT_SUPPLIERS)
def test_others_may_not_publish_or_archive(client_for, supplier, role):
    product = ProductFactory(supplier=supplier)
    before = _state(product)
    assert client_for(role).post(_url("product-archive", product)).status_code == 403
    assert client_for(role).post(_url("product-publish", product)).status_code == 403
    assert _state(product) == before


# --- files and references ---------------------------------------------------------------------


def test_files_add_and_remove(client_for, supplier):
    product = ProductFactory(supplier=supplier)
    web = client_for("supplier_member")
    assert web.get(_url("product-file-add", product)).status_code == 200
    response = web.post(
        _url("product-file-add", product),
        {"kind": FileKind.SCREENSHOT, "title": "Экран диспетчера", "file": SimpleUploadedFile("s.png", PNG)},
    )
    assert response.status_code == 302
    web.post(
        _url("product-file-add", product),
        {"kind": FileKind.DOCUMENT, "title": "", "file": SimpleUploadedFile("api.pdf", PDF)},
    )
    shot, doc = ProductFile.objects.order_by("kind", "id")[1], ProductFile.objects.order_by("kind", "id")[0]
    assert (shot.kind, shot.title) == (FileKind.SCREENSHOT, "Экран диспетчера")
    assert (doc.kind, doc.title) == (FileKind.DOCUMENT, "api.pdf")
    page = _text(web.get(_url("product-file-add", product)))
    assert "Экран диспетчера" in page and _url("product-file-delete", product, pk=shot.pk) in page

    assert client_for("agency_admin").post(_url("product-file-delete", product, pk=shot.pk)).status_code == 403
    assert web.post(_url("product-file-delete", product, pk=999999)).status_code == 404
    other = ProductFactory(supplier=supplier)
    assert web.post(_url("product-file-delete", other, pk=shot.pk)).status_code == 404
    assert ProductFile.objects.count() == 2
    assert web.post(_url("product-file-delete", product, pk=shot.pk)).status_code == 302
    assert list(ProductFile.objects.all()) == [doc]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "screenshot", "title": "Не картинка", "name": "s.png", "content": b"just text"}, "does not match"),
        ({"kind": "screenshot", "title": "PDF", "name": "a.pdf", "content": PDF}, "PNG or JPEG"),
        ({"kind": "document", "title": "Скрипт", "name": "x.exe", "content": b"MZ"}, "not accepted"),
        ({"kind": "video", "title": "Видео", "name": "s.png", "content": PNG}, "Select a valid choice"),
        ({"kind": "screenshot", "title": "Пусто", "name": None, "content": None}, "This field is required"),
    ],
)
def test_bad_files_are_refused_in_the_page(client_for, supplier, data, message):
    product = ProductFactory(supplier=supplier)
    post = {"kind": data["kind"], "title": data["title"]}
    if data["name"]:
        post["file"] = SimpleUploadedFile(data["name"], data["content"])
    response = client_for("supplier_member").post(_url("product-file-add", product), post)
    assert response.status_code == 400
    page = _text(response)
    assert "Nothing was saved" in page and message in page
    assert not ProductFile.objects.exists()


def test_references_add_and_remove(client_for, supplier, agency):
    product = ProductFactory(supplier=supplier)
    web = client_for("supplier_admin")
    response = web.post(
        _url("reference-add", product),
        {"kind": ReferenceKind.PILOT, "agency": agency.pk, "year": "2024", "description": "Пилот на 3 перекрёстках"},
    )
    assert response.status_code == 302
    web.post(_url("reference-add", product), {"kind": ReferenceKind.CUSTOMER, "customer": "Город Казань"})
    pilot, customer = ProductReference.objects.order_by("id")
    assert (pilot.agency, pilot.year, pilot.kind) == (agency, 2024, ReferenceKind.PILOT)
    assert customer.customer == "Город Казань"
    page = _text(client_for("anonymous").get(product.get_absolute_url()))
    assert agency.name in page and "Пилот на 3 перекрёстках" in page and "Город Казань" in page

    assert client_for("agency_admin").post(_url("reference-delete", product, pk=pilot.pk)).status_code == 403
    assert web.post(_url("reference-delete", ProductFactory(supplier=supplier), pk=pilot.pk)).status_code == 404
    assert web.post(_url("reference-delete", product, pk=pilot.pk)).status_code == 302
    assert list(ProductReference.objects.all()) == [customer]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "customer"}, "Name the customer or choose an agency."),
        ({"kind": "customer", "customer": "Казань", "year": "1800"}, "greater than or equal to 1990"),
        ({"kind": "pilot", "agency": "supplier"}, "Select a valid choice"),
        ({"kind": "other", "customer": "Казань"}, "Select a valid choice"),
    ],
)
def test_bad_references_are_refused_in_the_page(client_for, supplier, data, message):
    product = ProductFactory(supplier=supplier)
    if data.get("agency") == "supplier":
        data = {**data, "agency": supplier.pk}  # not an agency
    response = client_for("supplier_admin").post(_url("reference-add", product), data)
    assert response.status_code == 400
    assert message in _text(response)
    assert not ProductReference.objects.exists()


# --- applying for accreditation ---------------------------------------------------------------


@pytest.fixture
def young_supplier(supplier):
    supplier.founded_on = timezone.localdate() - dt.timedelta(days=3 * 365)
    supplier.save()
    return supplier


def test_the_application_page_explains_the_rules(client_for, supplier):
    product = ProductFactory(supplier=supplier)
    IntakeCycleFactory(name="Весенний отбор")
    response = client_for("supplier_member").get(_url("application-create", product))
    assert response.status_code == 200
    page = _text(response)
    assert "Весенний отбор, open until" in page
    # The same words as the cycle list (catalog.eligibility.in_words).
    assert "a company at most 7 years old" in page
    assert "recommended by a partner organization" in page
    assert "Founding date" in page and "not given" in page


@pytest.mark.parametrize("role", NOT_SUPPLIERS)
def test_only_the_supplier_applies(client_for, supplier, role):
    product = ProductFactory(supplier=supplier)
    cycle = IntakeCycleFactory()
    response = client_for(role).post(_url("application-create", product), {"cycle": cycle.pk, "statement": "Да"})
    assert response.status_code == 403
    assert not Application.objects.exists()


def test_an_eligible_supplier_applies(client_for, young_supplier):
    product = ProductFactory(supplier=young_supplier)
    cycle = IntakeCycleFactory()
    response = client_for("supplier_member").post(
        _url("application-create", product), {"cycle": cycle.pk, "statement": "Внедрено в двух округах"}
    )
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:application-detail", kwargs={"pk": application.pk})
    assert application.cycle == cycle and application.status == ApplicationStatus.SUBMITTED
    product.refresh_from_db()
    assert product.has_open_application


def test_a_partner_recommendation_makes_an_older_supplier_eligible(client_for, supplier):
    product = ProductFactory(supplier=supplier)
    cycle = IntakeCycleFactory()
    partner = OrganizationFactory(name="Фонд развития")
    web = client_for("supplier_admin")
    assert "Фонд развития" in _text(web.get(_url("application-create", product)))
    refused = web.post(
        _url("application-create", product), {"cycle": cycle.pk, "statement": "Готово", "recommended_by": partner.pk}
    )
    assert refused.status_code == 400 and "Quote or summarise the partner's recommendation." in _text(refused)
    assert not Application.objects.exists()
    response = web.post(
        _url("application-create", product),
        {"cycle": cycle.pk, "statement": "Готово", "recommended_by": partner.pk, "recommendation": "Рекомендуем"},
    )
    assert response.status_code == 302
    assert Application.objects.get().recommended_by == partner


def test_refusals_are_shown_in_the_page_and_nothing_changes(client_for, supplier, young_supplier, people):
    product = ProductFactory(supplier=supplier)
    cycle = IntakeCycleFactory()
    web = client_for("supplier_member")
    url = _url("application-create", product)

    young_supplier.founded_on = timezone.localdate() - dt.timedelta(days=12 * 365)
    young_supplier.save()
    before = _state(product)
    response = web.post(url, {"cycle": cycle.pk, "statement": "Готово"})
    assert response.status_code == 400
    page = _text(response)
    assert "The supplier is not eligible for this cycle." in page
    assert "the company is at most 7 years old" in page
    assert _state(product) == before

    young_supplier.founded_on = timezone.localdate() - dt.timedelta(days=365)
    young_supplier.save()
    response = web.post(url, {"cycle": cycle.pk, "statement": ""})
    assert response.status_code == 400 and "This field is required" in _text(response)
    closed = IntakeCycleFactory(
        name="Прошлый",
        opens_at=timezone.now() - dt.timedelta(days=100),
        closes_at=timezone.now() - dt.timedelta(days=1),
    )
    response = web.post(url, {"cycle": closed.pk, "statement": "Готово"})
    assert response.status_code == 400 and "This intake cycle is not open for applications." in _text(response)
    assert "Прошлый" not in _text(web.get(url))  # not offered
    assert _state(product) == before

    assert web.post(url, {"cycle": cycle.pk, "statement": "Готово"}).status_code == 302
    before = _state(product)
    response = web.post(url, {"cycle": cycle.pk, "statement": "Ещё раз"})
    assert response.status_code == 400 and "already has an application under review" in _text(response)
    assert _state(product) == before


def test_a_draft_may_not_apply_yet(client_for, young_supplier):
    product = ProductFactory(supplier=young_supplier, status=ProductStatus.DRAFT)
    cycle = IntakeCycleFactory()
    web = client_for("supplier_member")
    assert "Publish the product before applying." in _text(web.get(_url("application-create", product)))
    response = web.post(_url("application-create", product), {"cycle": cycle.pk, "statement": "Готово"})
    assert response.status_code == 400 and "Publish the product before applying." in _text(response)
    assert not Application.objects.exists()


def test_without_an_open_cycle_the_page_says_so(client_for, supplier):
    product = ProductFactory(supplier=supplier)
    response = client_for("supplier_member").get(_url("application-create", product))
    assert response.status_code == 200 and "No intake cycle is open now." in _text(response)
    response = client_for("supplier_member").post(_url("application-create", product), {"statement": "Готово"})
    assert response.status_code == 400 and "This field is required" in _text(response)
    assert not Application.objects.exists()
