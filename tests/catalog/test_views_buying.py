"""Agencies' buying pages: a buying project from a catalog search to the shortlist, the frozen
results, the assessments, the outcome and the order under the threshold; the order's moves on
both sides; agencies' reviews and pilots. Every page against every role, refusals shown in the
page with nothing changed, and a bounded number of queries on the lists."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from govtech.accounts.models import MembershipRole, User
from govtech.catalog import services
from govtech.catalog.models import (
    AgencyReview,
    BuyingProject,
    Order,
    OrderEvent,
    OrderStatus,
    Outcome,
    Product,
    ProductUse,
    ProjectStatus,
    ShortlistItem,
    SnapshotRow,
    UseKind,
)
from govtech.funnel.models import Initiative
from govtech.funnel.states import Stage
from tests.catalog.factories import ProductFactory, accredit
from tests.factories import AgencyFactory, MembershipFactory, SupplierFactory, UserFactory
from tests.funnel.factories import InitiativeFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "supplier_member", "supplier_admin", "agency_admin", "expert", "operator"]
PROJECTS = "/catalog/projects/"
ORDERS = "/catalog/orders/"


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


@pytest.fixture
def eligible_supplier(supplier):
    supplier.founded_on = dt.date(2022, 3, 1)
    supplier.save()
    return supplier


@pytest.fixture
def product(people, eligible_supplier):
    """An accredited product of the `supplier` fixture, matching the word «электробус»."""
    item = ProductFactory(
        supplier=eligible_supplier,
        name="Электробусы: мониторинг зарядки",
        summary="Мониторинг зарядных станций электробусов",
        description="Прогноз загрузки зарядных станций.",
        category="transport",
        price_from=Decimal("1200000.00"),
    )
    accredit(item, operator=people["operator"], supplier_user=people["supplier_admin"])
    item.refresh_from_db()
    return item


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _section(response, start: str, end: str) -> str:
    text = _text(response)
    return text.split(start, 1)[1].split(end, 1)[0]


def _matrix(client_for, url: str, expected: dict, method: str = "get", data=None) -> None:
    assert set(expected) == set(ROLES)
    got = {}
    for role in ROLES:
        client = client_for(role)
        response = client.post(url, data or {}) if method == "post" else client.get(url)
        got[role] = response.status_code
    assert got == expected


def _project(people, agency, product=None, *, query=None, title="Мониторинг зарядки") -> BuyingProject:
    project = services.project_create(
        actor=people["agency_admin"],
        agency=agency,
        title=title,
        need="Нужен мониторинг зарядных станций",
        query=query if query is not None else {"q": "электробус"},
    )
    if product is not None:
        services.shortlist_add(actor=people["agency_admin"], project=project, product=product, note="подходит")
    return project


def _awarded(people, agency, product) -> BuyingProject:
    buyer = people["agency_admin"]
    project = _project(people, agency, product)
    services.project_end_search(actor=buyer, project=project)
    item = project.shortlist.get()
    services.shortlist_assess(actor=buyer, item=item, score=85, assessment="Покрывает все требования")
    services.project_record_outcome(
        actor=buyer, project=project, outcome=Outcome.AWARDED, reason="Лучшая оценка", product=product
    )
    project.refresh_from_db()
    return project


def _ordered(people, agency, product) -> Order:
    project = _awarded(people, agency, product)
    return services.order_place(actor=people["agency_admin"], project=project, amount="250000", description="Подписка")


def _project_state(project: BuyingProject):
    project = BuyingProject.objects.get(pk=project.pk)
    return (
        project.status,
        project.query,
        project.outcome,
        project.awarded_product_id,
        sorted(ShortlistItem.objects.filter(project=project).values_list("product_id", "score", "assessment")),
        SnapshotRow.objects.filter(project=project).count(),
        Order.objects.count(),
    )


def _order_state(order: Order):
    order = Order.objects.get(pk=order.pk)
    return order.status, OrderEvent.objects.filter(order=order).count(), ProductUse.objects.count()


# --- the whole direct award through the pages ---------------------------------------------------


def test_direct_award_through_the_pages(client_for, people, agency, product):
    ProductFactory(name="Учёт парковок", category="transport")  # does not match the words
    buyer = client_for("agency_admin")

    # The catalog links to the new project with its query string; the search is shown in words.
    page = buyer.get(f"{PROJECTS}new/?q=электробус&category=transport&accreditation=accredited&sort=bogus&trl=11")
    assert page.status_code == 200
    text = _text(page)
    assert "электробус" in text and "Transport and roads" in text and "Accredited" in text
    hidden = page.context["form"].initial["query"]
    assert "trl" not in hidden and "bogus" not in hidden

    response = buyer.post(
        f"{PROJECTS}new/", {"title": "Мониторинг зарядки", "need": "Нужен мониторинг станций", "query": hidden}
    )
    project = BuyingProject.objects.get()
    assert response.status_code == 302 and response["Location"] == project.get_absolute_url()
    assert project.query == {"q": "электробус", "category": ["transport"], "accreditation": ["accredited"]}
    assert project.agency == agency and project.status == ProjectStatus.SEARCHING

    page = buyer.get(project.get_absolute_url())
    text = _text(page)
    assert page.context["result_count"] == 1 and page.context["results"] == [product]
    assert "Open this search in the catalog" in text
    assert "/catalog/?q=" in page.context["catalog_url"] and "category=transport" in page.context["catalog_url"]
    assert "Add to shortlist" in text

    # Ending the search with an empty shortlist is refused, with the reason.
    page = buyer.post(f"{project.get_absolute_url()}end/", follow=True)
    assert "Shortlist at least one product before ending the search." in _text(page)
    assert BuyingProject.objects.get(pk=project.pk).status == ProjectStatus.SEARCHING

    response = buyer.post(f"{project.get_absolute_url()}shortlist/", {"product": product.pk, "note": "подходит"})
    assert response.status_code == 302 and response["Location"].endswith("#shortlist")
    item = project.shortlist.get()
    assert item.product == product and item.note == "подходит"

    page = buyer.post(f"{project.get_absolute_url()}end/", follow=True)
    assert page.status_code == 200
    project.refresh_from_db()
    assert project.status == ProjectStatus.ENDED and project.result_count == 1

    # The frozen table keeps the product as it stood, even after it is renamed and repriced.
    Product.objects.filter(pk=product.pk).update(name="Новое имя продукта", price_from=Decimal("99.00"))
    page = buyer.get(project.get_absolute_url())
    frozen = _section(page, 'id="snapshot-heading"', 'id="outcome-heading"')
    assert "Электробусы: мониторинг зарядки" in frozen and "1,200,000.00" in frozen
    assert "Новое имя продукта" not in frozen and "99.00" not in frozen
    assert "it does not change when the products change" in frozen
    assert project.ended_at.strftime("%Y") in frozen

    # Assess, then award.
    response = buyer.post(
        f"{project.get_absolute_url()}shortlist/{item.pk}/assess/", {"score": "85", "assessment": "Покрывает всё"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.score == 85 and item.assessment == "Покрывает всё"
    response = buyer.post(
        f"{project.get_absolute_url()}outcome/",
        {"outcome": "awarded", "reason": "Лучшая оценка", "product": product.pk},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.outcome == Outcome.AWARDED and project.awarded_product_id == product.pk

    # The threshold is shown next to the amount; just above it is refused with the competitive route.
    page = buyer.get(project.get_absolute_url())
    assert "3,000,000.00" in _text(page)
    page = buyer.post(f"{project.get_absolute_url()}order/", {"amount": "3000000.01", "description": "Подписка"})
    assert page.status_code == 400
    text = _text(page)
    assert "above the direct-award threshold" in text and "competitive" in text and "open tender" in text
    assert page.context["order_form"].errors["amount"]
    assert not Order.objects.exists()

    # Exactly at the threshold it is placed, and its initiative is at adoption in the funnel.
    response = buyer.post(f"{project.get_absolute_url()}order/", {"amount": "3000000.00", "description": "Подписка"})
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert order.amount == Decimal("3000000.00") and order.status == OrderStatus.PLACED
    initiative = Initiative.objects.get(pk=order.initiative_id)
    assert initiative.stage == Stage.ADOPTION and initiative.sponsor == agency

    # The supplier accepts and delivers.
    seller = client_for("supplier_member")
    page = seller.get(order.get_absolute_url())
    assert [status for status, _label in page.context["moves"]] == [OrderStatus.ACCEPTED_BY_SUPPLIER]
    assert seller.post(f"{ORDERS}{order.pk}/move/", {"to_status": "accepted_by_supplier"}).status_code == 302
    response = seller.post(f"{ORDERS}{order.pk}/move/", {"to_status": "delivered", "note": "Подключено"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED

    # A dispute needs a note: refused in the page, nothing moved.
    page = buyer.post(f"{ORDERS}{order.pk}/move/", {"to_status": "disputed", "note": ""})
    assert page.status_code == 400
    assert "Say what is wrong with the delivery." in _text(page)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED

    response = buyer.post(f"{ORDERS}{order.pk}/move/", {"to_status": "accepted"})
    assert response.status_code == 302
    page = buyer.get(order.get_absolute_url())
    text = _text(page)
    assert page.context["can_review"] and "Review the product" in text
    assert "Подключено" in text and str(people["supplier_member"]) in text  # the timeline, with who and why
    assert "stage: Adoption" in text

    rating_before = Product.objects.get(pk=product.pk).rating
    response = buyer.post(f"/catalog/products/{product.slug}/review/", {"stars": "5", "text": "Работает без сбоев"})
    assert response.status_code == 302
    review = AgencyReview.objects.get()
    assert review.stars == 5 and review.agency == agency
    assert Product.objects.get(pk=product.pk).rating > rating_before
    assert not buyer.get(order.get_absolute_url()).context["can_review"]

    # The project page shows the whole timeline.
    timeline = _section(buyer.get(project.get_absolute_url()), 'id="timeline-heading"', "</section>")
    for step in ("Project created by", "Search ended; 1 result frozen", "Outcome recorded: Awarded", "Order №"):
        assert step in timeline


def test_the_threshold_below_and_configured(client_for, people, agency, product, settings):
    settings.GOVTECH_CATALOG_DIRECT_AWARD_LIMIT = Decimal("500000")
    project = _awarded(people, agency, product)
    buyer = client_for("agency_admin")
    assert "500,000.00" in _text(buyer.get(project.get_absolute_url()))
    page = buyer.post(f"{project.get_absolute_url()}order/", {"amount": "500000.01", "description": "Подписка"})
    assert page.status_code == 400
    assert "above the direct-award threshold" in _text(page) and not Order.objects.exists()
    response = buyer.post(f"{project.get_absolute_url()}order/", {"amount": "499 999,99", "description": "Подписка"})
    assert response.status_code == 302
    assert Order.objects.get().amount == Decimal("499999.99")
    # Ordered once: the form is gone, a second post is refused.
    assert "order_form" not in buyer.get(project.get_absolute_url()).context
    page = buyer.post(f"{project.get_absolute_url()}order/", {"amount": "1000", "description": "Ещё"})
    assert page.status_code == 400 and "This buying project already has its order." in _text(page)
    assert Order.objects.count() == 1


# --- refusals are shown, never a 500 ----------------------------------------------------------------


def test_end_search_refusals_are_shown(client_for, people, agency, product, settings):
    buyer = client_for("agency_admin")
    other = ProductFactory(name="Учёт парковок", category="transport")
    project = _project(people, agency, product, query={"q": "электробус"})
    services.shortlist_add(actor=people["agency_admin"], project=project, product=other)
    state = _project_state(project)
    page = buyer.post(f"{project.get_absolute_url()}end/", follow=True)
    assert "Shortlisted products outside the search results: Учёт парковок." in _text(page)
    assert _project_state(project) == state

    settings.GOVTECH_CATALOG_SNAPSHOT_MAX = 0
    page = buyer.post(f"{project.get_absolute_url()}end/", follow=True)
    assert "The search has 1 results; narrow it to at most 0 before ending it." in _text(page)
    assert "Narrow the search to at most 0 results before ending it." in _text(page)
    assert _project_state(project) == state


def test_bad_input_is_shown_and_changes_nothing(client_for, people, agency, product):
    buyer = client_for("agency_admin")
    project = _project(people, agency, product)
    url = project.get_absolute_url()
    state = _project_state(project)

    page = buyer.post(f"{PROJECTS}new/", {"title": "", "need": "", "query": "q=x"})
    assert page.status_code == 400 and page.context["form"].errors["title"]
    assert BuyingProject.objects.count() == 1

    page = buyer.post(f"{url}search/", {"q": "x", "category": "bogus", "trl": "12"})
    assert page.status_code == 400
    assert page.context["search_form"].errors.keys() == {"category", "trl"}
    assert "Nothing was saved" in _text(page)

    for data in ({"product": "abc"}, {"product": "999999"}, {"product": product.pk, "note": "x" * 501}):
        page = buyer.post(f"{url}shortlist/", data, follow=True)
        assert page.status_code == 200
    assert "Choose a product from the catalog." in _text(
        buyer.post(f"{url}shortlist/", {"product": "abc"}, follow=True)
    )
    page = buyer.post(f"{url}shortlist/", {"product": product.pk}, follow=True)
    assert "This product is already on the shortlist." in _text(page)
    # A draft product of another supplier is not found, hence not shortlisted.
    draft = ProductFactory(status="draft")
    assert "Choose a product from the catalog." in _text(
        buyer.post(f"{url}shortlist/", {"product": draft.pk}, follow=True)
    )

    # Awarding before the search ended is refused; the outcome is not recorded.
    page = buyer.post(f"{url}outcome/", {"outcome": "awarded", "reason": "x"})
    assert page.status_code == 400 and page.context["outcome_form"].errors["outcome"]
    page = buyer.post(f"{url}outcome/", {"outcome": "cancelled", "reason": ""})
    assert page.status_code == 400 and page.context["outcome_form"].errors["reason"]
    # Assessing while still searching is refused.
    item = project.shortlist.get()
    page = buyer.post(f"{url}shortlist/{item.pk}/assess/", {"score": "50", "assessment": "x"})
    assert page.status_code == 400
    assert "Assess the shortlist after ending the search" in _text(page)
    # Ordering before an award is refused.
    page = buyer.post(f"{url}order/", {"amount": "1000", "description": "x"})
    assert page.status_code == 400 and "Record the award before placing the order." in _text(page)
    assert _project_state(project) == state

    services.project_end_search(actor=people["agency_admin"], project=project)
    state = _project_state(project)
    for data in ({"score": "101", "assessment": "x"}, {"score": "abc", "assessment": "x"}, {"score": "5"}):
        page = buyer.post(f"{url}shortlist/{item.pk}/assess/", data)
        assert page.status_code == 400
        item_form = next(entry.assess_form for entry in page.context["shortlist"] if entry.pk == item.pk)
        assert item_form.errors
    page = buyer.post(f"{url}outcome/", {"outcome": "awarded", "reason": "Лучший", "product": product.pk})
    assert page.status_code == 400
    assert "Assess every shortlisted product before awarding." in _text(page)
    page = buyer.post(f"{url}outcome/", {"outcome": "awarded", "reason": "Лучший"})
    assert page.status_code == 400 and "Award one of the shortlisted products." in _text(page)
    # The search ended: updating it or the shortlist is refused with the reason.
    page = buyer.post(f"{url}search/", {"q": "другое"})
    assert page.status_code == 400 and "its results are frozen" in _text(page)
    page = buyer.post(f"{url}shortlist/{item.pk}/remove/", follow=True)
    assert "its results are frozen" in _text(page)
    assert _project_state(project) == state

    services.shortlist_assess(actor=people["agency_admin"], item=item, score=70, assessment="Хорошо")
    services.project_record_outcome(
        actor=people["agency_admin"], project=project, outcome=Outcome.AWARDED, reason="x", product=product
    )
    state = _project_state(project)
    for amount in ("abc", "-5", "0", "1.001", "", "1e30", "NaN", "-Infinity", "9" * 40):
        page = buyer.post(f"{url}order/", {"amount": amount, "description": "Подписка"})
        assert page.status_code == 400 and page.context["order_form"].errors
    page = buyer.post(f"{url}order/", {"amount": "1000", "description": ""})
    assert page.status_code == 400 and page.context["order_form"].errors["description"]
    page = buyer.post(f"{url}outcome/", {"outcome": "cancelled", "reason": "x"})
    assert page.status_code == 400 and "The outcome is already recorded." in _text(page)
    assert _project_state(project) == state


def test_an_order_needs_an_accredited_product(client_for, people, agency, product):
    project = _awarded(people, agency, product)
    Product.objects.filter(pk=product.pk).update(accredited_until=dt.date(2020, 1, 1))
    page = client_for("agency_admin").post(
        f"{project.get_absolute_url()}order/", {"amount": "1000", "description": "Подписка"}
    )
    assert page.status_code == 400
    assert "is not accredited now; only accredited products can be ordered directly." in _text(page)
    assert not Order.objects.exists()


def test_search_update_and_shortlist_remove(client_for, people, agency, product):
    buyer = client_for("agency_admin")
    project = _project(people, agency, product)
    url = project.get_absolute_url()
    page = buyer.get(url)
    assert page.context["search_form"].initial == {"q": "электробус"}
    response = buyer.post(
        f"{url}search/", {"q": "мониторинг", "category": ["transport", "housing"], "trl": ["7", "8"], "sort": "rating"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.query == {"q": "мониторинг", "category": ["transport", "housing"], "trl": [7, 8], "sort": "rating"}
    text = _text(buyer.get(url))
    assert "Transport and roads, Housing and utilities" in text and "7, 8" in text

    item = project.shortlist.get()
    response = buyer.post(f"{url}shortlist/{item.pk}/remove/")
    assert response.status_code == 302 and not ShortlistItem.objects.exists()
    # Another project's item is not found through this project.
    other = _project(people, agency, product, title="Второй проект")
    other_item = other.shortlist.get()
    assert buyer.post(f"{url}shortlist/{other_item.pk}/remove/").status_code == 404
    assert ShortlistItem.objects.filter(pk=other_item.pk).exists()


def test_shortlist_from_the_product_page_returns_there(client_for, people, agency, product):
    project = _project(people, agency)
    buyer = client_for("agency_admin")
    back = product.get_absolute_url()
    response = buyer.post(f"{project.get_absolute_url()}shortlist/", {"product": product.pk, "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert project.shortlist.filter(product=product).exists()
    # An outside address is never followed.
    response = buyer.post(
        f"{project.get_absolute_url()}shortlist/", {"product": product.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == f"{project.get_absolute_url()}#shortlist"


def test_project_cancelled_while_searching(client_for, people, agency, product):
    project = _project(people, agency, product)
    buyer = client_for("agency_admin")
    page = buyer.get(project.get_absolute_url())
    assert [value for value, _label in page.context["outcome_form"].fields["outcome"].choices] == ["cancelled"]
    response = buyer.post(f"{project.get_absolute_url()}outcome/", {"outcome": "cancelled", "reason": "Не нужно"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.DONE and project.outcome == Outcome.CANCELLED
    page = buyer.get(project.get_absolute_url())
    assert page.context["snapshot"] == [] and "outcome_form" not in page.context


def test_order_move_refusals(client_for, people, agency, product):
    order = _ordered(people, agency, product)
    url = f"{ORDERS}{order.pk}/move/"
    state = _order_state(order)
    buyer, seller = client_for("agency_admin"), client_for("supplier_admin")
    assert buyer.post(url, {"to_status": "accepted_by_supplier"}).status_code == 403  # the supplier's move
    page = buyer.post(url, {"to_status": "delivered"})  # not from «placed», whoever asks
    assert page.status_code == 400 and "cannot become" in _text(page)
    page = seller.post(url, {"to_status": "accepted"})  # not possible from «placed»
    assert page.status_code == 400 and "cannot become" in _text(page)
    page = seller.post(url, {"to_status": "bogus"})
    assert page.status_code == 400 and page.context["move_form"].errors
    assert _order_state(order) == state
    # The buttons are those of the person's side only.
    assert [s for s, _ in buyer.get(order.get_absolute_url()).context["moves"]] == [OrderStatus.CLOSED]
    assert client_for("operator").get(order.get_absolute_url()).context["moves"] == []


# --- reviews and pilots ----------------------------------------------------------------------------


def test_review_refusals_are_shown(client_for, people, agency, product):
    buyer = client_for("agency_admin")
    url = f"/catalog/products/{product.slug}/review/"
    page = buyer.get(url)
    assert page.status_code == 200 and not page.context["may_review"]
    assert page.context["form"].fields["stars"].widget.input_type == "radio"
    assert "<fieldset" in _text(page) and "<legend>Rating</legend>" in _text(page)
    page = buyer.post(url, {"stars": "5", "text": "Отлично"})
    assert page.status_code == 400
    assert "An agency reviews a product only after a completed order or a pilot of it." in _text(page)
    assert not AgencyReview.objects.exists()

    ProductUse.objects.create(product=product, agency=agency, kind=UseKind.PILOT)
    assert buyer.get(url).context["may_review"]
    for data in ({"stars": "6", "text": "x"}, {"stars": "", "text": "x"}, {"stars": "4", "text": ""}):
        page = buyer.post(url, data)
        assert page.status_code == 400 and page.context["form"].errors
    assert not AgencyReview.objects.exists()
    assert buyer.post(url, {"stars": "4", "text": "Хорошо"}).status_code == 302
    page = buyer.post(url, {"stars": "3", "text": "Ещё раз"})
    assert page.status_code == 400 and "Your agency has already reviewed this product." in _text(page)
    assert AgencyReview.objects.get().stars == 4


def test_review_for_one_of_several_agencies(client_for, people, agency, product):
    second = AgencyFactory()
    MembershipFactory(user=people["agency_admin"], organization=second, role=MembershipRole.ADMIN)
    ProductUse.objects.create(product=product, agency=second, kind=UseKind.PILOT)
    buyer = client_for("agency_admin")
    url = f"/catalog/products/{product.slug}/review/"
    assert "agency" in buyer.get(url).context["form"].fields
    page = buyer.post(url, {"stars": "5", "text": "x"})
    assert page.status_code == 400 and page.context["form"].errors["agency"]
    assert not AgencyReview.objects.exists()
    assert buyer.post(url, {"agency": second.pk, "stars": "5", "text": "Хорошо"}).status_code == 302
    assert AgencyReview.objects.get().agency == second


def test_pilot_record(client_for, people, agency, product):
    piloted = InitiativeFactory(sponsor=agency, stage=Stage.PILOT, title="Пилот мониторинга зарядки")
    early = InitiativeFactory(sponsor=agency, stage=Stage.IDEA)
    foreign = InitiativeFactory(stage=Stage.ADOPTION)
    url = f"/catalog/products/{product.slug}/pilot/"
    buyer = client_for("agency_admin")
    page = buyer.get(url)
    assert list(page.context["form"].fields["initiative"].queryset) == [piloted]
    for initiative in (early, foreign):
        page = buyer.post(url, {"initiative": initiative.pk})
        assert page.status_code == 400 and page.context["form"].errors["initiative"]
    assert not ProductUse.objects.exists()
    assert buyer.post(url, {"initiative": piloted.pk}).status_code == 302
    use = ProductUse.objects.get()
    assert (use.kind, use.agency, use.initiative) == (UseKind.PILOT, agency, piloted)
    page = buyer.post(url, {"initiative": piloted.pk})
    assert page.status_code == 400 and "pilot is already recorded" in _text(page)
    assert ProductUse.objects.count() == 1

    # An operator records it for any agency (chosen when there are several).
    other_agency = AgencyFactory()
    other = InitiativeFactory(sponsor=other_agency, stage=Stage.SCALE)
    operator = client_for("operator")
    page = operator.post(url, {"agency": agency.pk, "initiative": other.pk})
    assert page.status_code == 400 and page.context["form"].errors["initiative"]
    assert not ProductUse.objects.filter(agency=agency, initiative=other).exists()
    assert operator.post(url, {"agency": other_agency.pk, "initiative": other.pk}).status_code == 302
    assert ProductUse.objects.filter(agency=other_agency).exists()


# --- who may open what ------------------------------------------------------------------------------


def test_role_matrix_of_the_lists_and_forms(client_for, people, agency, product):
    forbidden = dict.fromkeys(ROLES, 403) | {"anonymous": 302}
    _matrix(client_for, PROJECTS, forbidden | {"agency_admin": 200, "operator": 200})
    _matrix(
        client_for,
        ORDERS,
        forbidden | {"agency_admin": 200, "operator": 200, "supplier_member": 200, "supplier_admin": 200},
    )
    _matrix(client_for, f"{PROJECTS}new/", forbidden | {"agency_admin": 200})
    _matrix(client_for, f"/catalog/products/{product.slug}/review/", forbidden | {"agency_admin": 200})
    _matrix(client_for, f"/catalog/products/{product.slug}/pilot/", forbidden | {"agency_admin": 200, "operator": 200})
    # A product nobody outside its supplier may see is not found.
    draft = ProductFactory(status="draft")
    assert client_for("agency_admin").get(f"/catalog/products/{draft.slug}/review/").status_code == 404
    assert client_for("agency_admin").get(f"/catalog/products/{draft.slug}/pilot/").status_code == 404


def test_role_matrix_of_a_project_and_an_order(client_for, people, agency, product):
    order = _ordered(people, agency, product)
    hidden = dict.fromkeys(ROLES, 404) | {"anonymous": 302}
    _matrix(client_for, order.project.get_absolute_url(), hidden | {"agency_admin": 200, "operator": 200})
    _matrix(
        client_for,
        order.get_absolute_url(),
        hidden | {"agency_admin": 200, "operator": 200, "supplier_member": 200, "supplier_admin": 200},
    )
    # The operator reads the project without its forms.
    page = client_for("operator").get(order.project.get_absolute_url())
    assert not page.context["can_buy"] and "outcome_form" not in page.context


def test_another_agencys_project_is_not_found(client_for, people, agency, product):
    other_agency = AgencyFactory()
    other_buyer = UserFactory()
    MembershipFactory(user=other_buyer, organization=other_agency)
    project = services.project_create(actor=other_buyer, agency=other_agency, title="Чужой проект", need="Нужно")
    services.shortlist_add(actor=other_buyer, project=project, product=product)
    buyer = client_for("agency_admin")
    state = _project_state(project)
    assert buyer.get(project.get_absolute_url()).status_code == 404
    item = project.shortlist.get()
    url = project.get_absolute_url()
    for path, data in (
        ("search/", {"q": "x"}),
        ("shortlist/", {"product": product.pk}),
        (f"shortlist/{item.pk}/remove/", {}),
        (f"shortlist/{item.pk}/assess/", {"score": 5, "assessment": "x"}),
        ("end/", {}),
        ("outcome/", {"outcome": "cancelled", "reason": "x"}),
        ("order/", {"amount": "1000", "description": "x"}),
    ):
        assert buyer.post(url + path, data).status_code == 404, path
    assert _project_state(project) == state
    assert "Чужой проект" not in _text(buyer.get(PROJECTS))


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("search/", {"q": "другое"}),
        ("shortlist/", {"product": "PRODUCT"}),
        ("shortlist/ITEM/remove/", {}),
        ("end/", {}),
        ("outcome/", {"outcome": "cancelled", "reason": "Не нужно"}),
    ],
)
def test_role_matrix_of_the_project_writes(client_for, people, agency, product, path, data):
    other = ProductFactory(name="Электробусы: второй мониторинг")
    project = _project(people, agency, product)
    item = project.shortlist.get()
    path = path.replace("ITEM", str(item.pk))
    data = {key: other.pk if value == "PRODUCT" else value for key, value in data.items()}
    url = project.get_absolute_url() + path
    state = _project_state(project)
    for role in ROLES:
        if role == "agency_admin":
            continue
        status = client_for(role).post(url, data).status_code
        assert status == {"anonymous": 302, "operator": 403}.get(role, 404), role
        assert _project_state(project) == state, role
    assert client_for("agency_admin").post(url, data).status_code == 302
    assert _project_state(project) != state


def test_role_matrix_of_the_later_project_writes(client_for, people, agency, product):
    project = _project(people, agency, product)
    services.project_end_search(actor=people["agency_admin"], project=project)
    item = project.shortlist.get()
    url = project.get_absolute_url()
    state = _project_state(project)
    for role in ROLES:
        if role == "agency_admin":
            continue
        expected = {"anonymous": 302, "operator": 403}.get(role, 404)
        assert (
            client_for(role).post(f"{url}shortlist/{item.pk}/assess/", {"score": 5, "assessment": "x"}).status_code
            == expected
        )
        assert client_for(role).post(f"{url}order/", {"amount": "1000", "description": "x"}).status_code == expected
    assert _project_state(project) == state


def test_role_matrix_of_the_order_moves(client_for, people, agency, product):
    order = _ordered(people, agency, product)
    url = f"{ORDERS}{order.pk}/move/"
    state = _order_state(order)
    expected = {
        "anonymous": 302,
        "resident": 404,
        "expert": 404,
        "operator": 403,
        "agency_admin": 403,  # accepting the order is the supplier's move
    }
    for role, status in expected.items():
        assert client_for(role).post(url, {"to_status": "accepted_by_supplier"}).status_code == status, role
        assert _order_state(order) == state, role
    assert client_for("supplier_member").post(url, {"to_status": "accepted_by_supplier"}).status_code == 302
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ACCEPTED_BY_SUPPLIER


def test_review_and_pilot_writes_by_other_roles_change_nothing(client_for, people, agency, product):
    initiative = InitiativeFactory(sponsor=agency, stage=Stage.PILOT)
    review_url = f"/catalog/products/{product.slug}/review/"
    pilot_url = f"/catalog/products/{product.slug}/pilot/"
    for role in ("anonymous", "resident", "supplier_admin", "expert", "operator"):
        status = client_for(role).post(review_url, {"stars": "5", "text": "x"}).status_code
        assert status == (302 if role == "anonymous" else 403), role
    for role in ("anonymous", "resident", "supplier_admin", "expert"):
        status = client_for(role).post(pilot_url, {"initiative": initiative.pk}).status_code
        assert status == (302 if role == "anonymous" else 403), role
    assert not AgencyReview.objects.exists() and not ProductUse.objects.exists()


def test_lists_filter_and_show_each_side(client_for, people, agency, product):
    order = _ordered(people, agency, product)
    searching = _project(people, agency, title="Ещё ищем")
    buyer = client_for("agency_admin")
    page = buyer.get(PROJECTS)
    assert {p.pk for p in page.context["page_obj"]} == {order.project_id, searching.pk}
    assert page.context["orders"] == [order]
    page = buyer.get(PROJECTS, {"status": "searching"})
    assert [p.pk for p in page.context["page_obj"]] == [searching.pk]
    page = buyer.get(PROJECTS, {"status": "bogus"})
    assert page.status_code == 200 and page.context["form"].errors
    row = next(p for p in buyer.get(PROJECTS).context["page_obj"] if p.pk == order.project_id)
    assert row.shortlisted == 1 and row.awarded_product == product

    seller = client_for("supplier_admin")
    assert list(seller.get(ORDERS).context["page_obj"]) == [order]
    assert list(seller.get(ORDERS, {"status": "delivered"}).context["page_obj"]) == []
    assert list(buyer.get(ORDERS, {"status": "placed"}).context["page_obj"]) == [order]
    assert list(client_for("operator").get(ORDERS).context["page_obj"]) == [order]
    # A stranger's order is on nobody else's list.
    other_supplier = SupplierFactory()
    stranger = UserFactory()
    MembershipFactory(user=stranger, organization=other_supplier)
    web = Client(HTTP_ACCEPT_LANGUAGE="en")
    web.force_login(stranger)
    assert list(web.get(ORDERS).context["page_obj"]) == []

    # Someone on both sides sees both, and chooses a side.
    MembershipFactory(user=people["supplier_admin"], organization=agency)
    page = seller.get(ORDERS)
    assert "side" in page.context["form"].fields and list(page.context["page_obj"]) == [order]
    assert list(seller.get(ORDERS, {"side": "placed"}).context["page_obj"]) == [order]
    assert list(seller.get(ORDERS, {"side": "received"}).context["page_obj"]) == [order]


# --- bounded queries ----------------------------------------------------------------------------------


def _bulk(people, agency, supplier, count: int) -> None:
    """``count`` projects with a shortlist and an order each, written straight to the tables."""
    buyer = people["agency_admin"]
    for n in range(count):
        item = ProductFactory(supplier=supplier)
        project = BuyingProject.objects.create(
            agency=agency,
            title=f"Проект {n}",
            need="Нужно",
            created_by=buyer,
            status=ProjectStatus.DONE,
            outcome=Outcome.AWARDED,
            awarded_product=item,
            initiative=InitiativeFactory(sponsor=agency),
        )
        ShortlistItem.objects.create(project=project, product=item)
        Order.objects.create(
            project=project,
            product=item,
            supplier=supplier,
            agency=agency,
            amount=Decimal("1000"),
            description="Подписка",
            initiative=project.initiative,
            placed_by=buyer,
        )


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("role", "url"),
    [("agency_admin", PROJECTS), ("operator", PROJECTS), ("agency_admin", ORDERS), ("supplier_admin", ORDERS)],
)
def test_lists_run_a_bounded_number_of_queries(client_for, people, agency, supplier, role, url):
    client = client_for(role)
    _bulk(people, agency, supplier, 2)
    few = _queries(client, url)
    _bulk(people, agency, supplier, 15)
    many = _queries(client, url)
    assert many == few
    assert few <= 12
