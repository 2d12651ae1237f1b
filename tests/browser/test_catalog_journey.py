"""The catalog in a real browser.

1. Direct award from start to finish: a supplier describes a product, publishes it and applies for
   accreditation; the operator assigns two experts, who declare no conflict of interest and hand in
   their scores; the operator accredits the product. An agency buyer searches the catalog in other
   word forms than the product's text, saves the search as a buying project, shortlists two
   products, ends the search (the results freeze), assesses both, awards one and orders it — first
   above the direct-award threshold, which is refused with the competitive route explained, then
   under it. The supplier accepts the order and delivers; the agency accepts the delivery and
   reviews the product, and the product's rating changes on its page. The order's initiative is at
   the adoption stage of the innovation funnel.
2. The catalog's pages keep the site's accessibility rules: one landmark of each kind, every form
   control labelled, and nothing scrolls sideways on a phone."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from govtech.accounts.models import MembershipRole
from govtech.catalog.models import (
    AccreditationState,
    AgencyReview,
    Application,
    ApplicationStatus,
    BuyingProject,
    Criterion,
    Order,
    OrderStatus,
    Product,
    ProjectStatus,
)
from govtech.funnel.models import Origin
from govtech.funnel.states import Stage
from tests.browser.helpers import log_in
from tests.catalog.factories import IntakeCycleFactory, ProductFactory
from tests.factories import AgencyFactory, MembershipFactory, SupplierFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRODUCT = "Депо-Ток: зарядка электробусов"
RIVAL = "Вольт: зарядные станции для электробусов"
NOT_ACCREDITED = "Табло на остановках электробусов"
SEARCH = "электробуса"  # another form of the word in the products' texts ("электробусов")
PROJECT = "Ночная зарядка электробусов в парке «Северный»"
RATIONALE = "Лучшая оценка: учитывает лимит мощности подстанции и график выпуска."


def _main(page: Page):
    return page.get_by_role("main")


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def _label(text: str) -> re.Pattern:
    """A form label, whatever its case and with or without Django's colon."""
    return re.compile(rf"^{re.escape(text)}:?$", re.IGNORECASE)


def _describe_and_apply(page: Page, supplier_user) -> None:
    """The supplier writes the product, publishes it and applies in the open intake cycle."""
    log_in(page, supplier_user.email, shown_as=supplier_user.full_name)
    _nav(page, "My products")
    _main(page).get_by_role("link", name="New product").click()
    main = _main(page)
    expect(main.get_by_role("heading", level=1, name="New product")).to_be_visible()
    main.get_by_label(_label("name")).fill(PRODUCT)
    main.get_by_label(_label("summary")).fill("Управляет ночной зарядкой электробусов в парках.")
    main.get_by_label(_label("description")).fill(
        "- Очередь зарядки по графику выпуска\n- Лимит мощности подстанции\n- Отчёт о готовности к утру"
    )
    main.get_by_label(_label("category")).select_option(label="Transport and roads")
    main.get_by_label(_label("technology readiness level")).select_option(value="8")
    main.get_by_label(_label("pricing model")).select_option(value="subscription")
    main.get_by_label(_label("price from, ₽")).fill("1 200 000")
    main.get_by_label(_label("deployment")).select_option(value="saas")
    main.get_by_label(_label("data location")).select_option(value="russia")
    main.get_by_label("Russian", exact=True).check()
    main.get_by_role("button", name="Save the draft").click()
    expect(_main(page)).to_contain_text("The product is saved as a draft.")
    expect(_main(page).get_by_role("heading", level=1, name=PRODUCT)).to_be_visible()

    _main(page).get_by_role("button", name="Publish in the catalog").click()
    expect(_main(page)).to_contain_text("The product is published in the catalog.")
    _main(page).get_by_role("link", name="Apply for accreditation").click()
    main = _main(page)
    expect(main.get_by_role("heading", level=1)).to_contain_text(PRODUCT)
    expect(main.get_by_role("radio")).to_be_checked()  # the one open cycle
    main.get_by_label(_label("Why the product should be accredited")).fill(
        "Работает в двух парках Казани; данные хранятся в России."
    )
    main.get_by_role("button", name="Submit the application").click()
    expect(_main(page)).to_contain_text("The application is submitted.")
    expect(_main(page)).to_contain_text("Status: Submitted")


def _review(page: Page, expert, scores: dict[str, str]) -> None:
    """An expert declares no conflict of interest, then scores each criterion and hands the review in."""
    log_in(page, expert.email, shown_as=expert.full_name)
    _nav(page, "Product reviews")
    _main(page).get_by_role("link", name=PRODUCT).click()
    main = _main(page)
    main.get_by_label("I have no conflict of interest with this supplier").check()
    main.get_by_role("button", name="Declare", exact=True).click()
    main = _main(page)
    expect(main).to_contain_text("You may now read and score the application.")
    expect(main.get_by_role("region", name="Why the product should be accredited")).to_contain_text("Казани")
    for criterion, value in scores.items():
        main.get_by_label(f"Score for «{criterion}»").fill(value)
        main.get_by_label(f"Comment on «{criterion}»").fill("Проверено на стенде.")
    main.get_by_label(_label("Overall comment")).fill("Рекомендую аккредитовать.")
    main.get_by_role("button", name="Hand in the review").click()
    expect(_main(page)).to_contain_text("Your review is handed in.")


def _search_and_save(page: Page) -> None:
    """The buyer finds the product by other word forms, narrows to accredited products and saves the search."""
    _nav(page, "Catalog")
    search = page.get_by_role("search", name="Search the catalog")
    search.get_by_label("Search products").fill(SEARCH)
    search.get_by_role("button", name="Search", exact=True).click()
    results = page.locator("#catalog-results")
    expect(results.get_by_role("link", name=PRODUCT)).to_be_visible()
    expect(results.get_by_role("link", name=RIVAL)).to_be_visible()
    expect(page.locator("#catalog-count")).to_contain_text("3 products found")
    # The search box's change and the button's submit each ask for results (htmx): let both land.
    page.wait_for_load_state("networkidle")
    search.get_by_role("checkbox", name=re.compile(r"^Accredited \(")).check()
    expect(page.locator("#catalog-count")).to_contain_text("2 products found")
    expect(results.get_by_role("link", name=NOT_ACCREDITED)).to_have_count(0)
    save = results.get_by_role("link", name="Save this search as a buying project")
    expect(save).to_have_attribute("href", re.compile("accreditation=accredited"))
    save.click()
    main = _main(page)
    expect(main.get_by_role("heading", level=1, name="New buying project")).to_be_visible()
    expect(main.get_by_role("region", name="The search saved with the project")).to_contain_text(SEARCH)
    main.get_by_label(_label("Title")).fill(PROJECT)
    main.get_by_label(_label("What the agency needs")).fill(
        "Планировать ночную зарядку 40 электробусов, не превышая лимит мощности подстанции."
    )
    main.get_by_role("button", name="Save the buying project").click()
    expect(_main(page)).to_contain_text("The buying project is saved with its search.")
    expect(_main(page).get_by_role("heading", level=1, name=PROJECT)).to_be_visible()


def _shortlist_end_assess_award(page: Page) -> None:
    main = _main(page)
    for name in (PRODUCT, RIVAL):
        _main(page).get_by_role("button", name=f"Add to shortlist {name}").click()
        expect(_main(page)).to_contain_text(f"«{name}» is on the shortlist of «{PROJECT}».")
    main = _main(page)
    main.get_by_role("region", name="End the search").get_by_role("button", name="End the search").click()
    main = _main(page)
    expect(main).to_contain_text("The search has ended. Its results are frozen below")
    frozen = main.get_by_role("region", name="Results frozen when the search ended")
    expect(frozen).to_contain_text(PRODUCT)
    expect(frozen).to_contain_text(RIVAL)
    for name, score, text in (
        (PRODUCT, "88", "Учитывает лимит мощности и график выпуска; внедрение за месяц."),
        (RIVAL, "61", "Только учёт станций, без планирования зарядки."),
    ):
        assess = _main(page).get_by_role("group", name=f"Assess «{name}»")
        assess.get_by_label(_label("Score, 0–100")).fill(score)
        assess.get_by_label(_label("Assessment")).fill(text)
        assess.get_by_role("button", name="Save the assessment").click()
        expect(_main(page)).to_contain_text(f"The assessment of «{name}» is saved.")
    outcome = _main(page).get_by_role("region", name="Outcome", exact=True)
    outcome.get_by_label("Awarded", exact=True).check()
    outcome.get_by_label(_label("Awarded product")).select_option(label=PRODUCT)
    outcome.get_by_label(_label("Rationale")).fill(RATIONALE)
    outcome.get_by_role("button", name="Record the outcome").click()
    expect(_main(page)).to_contain_text("The outcome is recorded.")


def _order(page: Page) -> None:
    """Above the threshold the order is refused with the competitive route; under it, it is placed."""
    order = _main(page).get_by_role("region", name="Order", exact=True)
    order.get_by_label(_label("Amount, ₽")).fill("3 000 000,01")
    order.get_by_label(_label("What is ordered")).fill("Подписка на год для парка «Северный», 40 электробусов.")
    order.get_by_role("button", name="Place the order").click()
    order = _main(page).get_by_role("region", name="Order", exact=True)
    expect(order).to_contain_text("above the direct-award threshold")
    expect(order).to_contain_text("competitive")
    order.get_by_label(_label("Amount, ₽")).fill("1 200 000")
    order.get_by_role("button", name="Place the order").click()
    expect(_main(page)).to_contain_text("The order is placed and sent to the supplier.")
    expect(_main(page).get_by_role("heading", level=1)).to_contain_text(PRODUCT)


def _move(page: Page, button: str, status: str, note: str = "") -> None:
    step = _main(page).get_by_role("region", name="Next step")
    if note:
        step.get_by_label(_label("Note")).fill(note)
    step.get_by_role("button", name=button).click()
    expect(_main(page)).to_contain_text(f"The order is now «{status}».")


def _rating(page: Page):
    return _main(page).get_by_role("region", name="Rating", exact=True)


@pytest.fixture
def criteria():
    """The accreditation criteria the catalog's migration seeds. Browser tests run in transactions
    that end by emptying every table, so an earlier journey may have removed them."""
    for position, (key, weight) in enumerate([("technology", 40), ("business", 30), ("security", 30)]):
        Criterion.objects.get_or_create(key=key, defaults={"weight": weight, "scale_max": 10, "position": position})


def test_a_product_goes_from_the_supplier_to_a_reviewed_direct_award(new_page, run_worker, criteria):
    agency = AgencyFactory(name="Департамент транспорта")
    buyer = UserFactory(email="buyer@example.test", full_name="Anna Buyer", language="en")
    MembershipFactory(user=buyer, organization=agency, role=MembershipRole.ADMIN)
    operator = UserFactory(
        email="operator@example.test", full_name="Olga Operator", is_operator=True, is_staff=True, language="en"
    )
    supplier = SupplierFactory(
        name="ООО «Депо-Ток»", founded_on=timezone.localdate() - timedelta(days=3 * 365), headcount=18
    )
    seller = UserFactory(email="seller@example.test", full_name="Sergey Seller", language="en")
    MembershipFactory(user=seller, organization=supplier, role=MembershipRole.ADMIN)
    experts = [
        UserFactory(email="eva@example.test", full_name="Eva Expert", is_expert=True, language="en"),
        UserFactory(email="egor@example.test", full_name="Egor Expert", is_expert=True, language="en"),
    ]
    IntakeCycleFactory(name="Аккредитация, IV квартал")
    ProductFactory(
        name=RIVAL,
        summary="Учёт зарядных станций для электробусов.",
        category="transport",
        accredited_until=timezone.localdate() + timedelta(days=300),
        expert_score=Decimal("70.00"),
        rating=Decimal("3.80"),
    )
    ProductFactory(name=NOT_ACCREDITED, summary="Прогноз прибытия электробусов.", category="transport")
    ProductFactory(name="Учёт парковок", category="transport")  # not found by the words

    # The supplier describes the product, publishes it and applies.
    supplier_page = new_page()
    _describe_and_apply(supplier_page, seller)
    product = Product.objects.get(name=PRODUCT)
    application = Application.objects.get(product=product)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.eligibility["eligible"] is True

    # The operator asks two experts; each declares no conflict and hands in the scores.
    operator_page = new_page()
    log_in(operator_page, operator.email, shown_as=operator.full_name)
    _nav(operator_page, "Accreditation")
    _main(operator_page).get_by_role("link", name=PRODUCT).click()
    _main(operator_page).get_by_role("button", name=re.compile(r"^Assign experts automatically")).click()
    expect(_main(operator_page)).to_contain_text("Experts assigned: 2.")
    for expert, scores in zip(
        experts,
        [{"Technology": "9", "Business": "8", "Security": "9"}, {"Technology": "8", "Business": "8", "Security": "9"}],
        strict=True,
    ):
        _review(new_page(), expert, scores)

    # The operator accredits the product: 87 and 83 of 100 give the panel's 85.
    operator_page.reload()
    decide = _main(operator_page).get_by_role("region", name="Decide")
    decide.get_by_label("Accredit the product").check()
    decide.get_by_role("button", name="Record the decision").click()
    expect(_main(operator_page)).to_contain_text(f"«{PRODUCT}»: Accredited.")
    expect(_main(operator_page)).to_contain_text("85.00 of 100")
    product.refresh_from_db()
    assert product.accreditation_state() == AccreditationState.ACCREDITED
    assert product.expert_score == Decimal("85.00")

    # The product page shows the rating from the experts' view alone: 1 + 4 × 85 ÷ 100 = 4.40.
    buyer_page = new_page()
    log_in(buyer_page, buyer.email, shown_as=buyer.full_name)
    buyer_page.goto(product.get_absolute_url())
    expect(_rating(buyer_page)).to_contain_text("4.40 of 5")
    expect(_rating(buyer_page)).to_contain_text("none yet")

    # The agency searches, saves the search, shortlists, ends the search, assesses and awards.
    _search_and_save(buyer_page)
    project = BuyingProject.objects.get(title=PROJECT)
    assert project.query["q"] == SEARCH and project.query["accreditation"] == ["accredited"]
    _shortlist_end_assess_award(buyer_page)
    project.refresh_from_db()
    assert project.status == ProjectStatus.DONE and project.awarded_product == product
    assert project.result_count == 2 and project.snapshot.count() == 2

    # Ordering: refused above the threshold, placed under it.
    _order(buyer_page)
    order = Order.objects.get(project=project)
    assert order.amount == Decimal("1200000.00") and order.status == OrderStatus.PLACED
    order_url = order.get_absolute_url()

    # The supplier accepts the order and delivers.
    run_worker()
    _nav(supplier_page, "Orders")
    _main(supplier_page).get_by_role("link", name=f"№ {order.pk}").click()
    _move(supplier_page, "Accept the order", "Accepted by the supplier")
    _move(supplier_page, "Mark as delivered", "Delivered", note="Подключили парк «Северный», обучили диспетчеров.")

    # The agency accepts the delivery and reviews the product; the rating moves: (3 × 4.40 + 5) ÷ 4 = 4.55.
    buyer_page.goto(order_url)
    expect(_main(buyer_page)).to_contain_text("Подключили парк «Северный»")
    _move(buyer_page, "Accept the delivery", "Accepted by the agency")
    _main(buyer_page).get_by_role("link", name="Review the product").click()
    main = _main(buyer_page)
    main.get_by_label("5 stars").check()
    main.get_by_label(_label("Review")).fill("Зарядка идёт по графику, лимит мощности ни разу не превышен.")
    main.get_by_role("button", name="Publish the review").click()
    expect(_main(buyer_page)).to_contain_text("Thank you: your agency's review is published.")
    expect(_rating(buyer_page)).to_contain_text("4.55 of 5")
    expect(_rating(buyer_page)).to_contain_text("mean 5.00 stars from 1 review")
    reviews = _main(buyer_page).get_by_role("region", name="Agency reviews")
    expect(reviews).to_contain_text(agency.name)
    expect(reviews).to_contain_text("лимит мощности ни разу не превышен")
    review = AgencyReview.objects.get(product=product)
    assert (review.agency, review.stars) == (agency, 5)
    product.refresh_from_db()
    assert product.rating == Decimal("4.55")

    # The order's initiative is at adoption in the innovation funnel, the award its gate record.
    buyer_page.goto(order_url)
    order.refresh_from_db()
    initiative = order.initiative
    assert (initiative.stage, initiative.origin, initiative.sponsor) == (Stage.ADOPTION, Origin.CATALOG_ORDER, agency)
    _main(buyer_page).get_by_role("link", name=initiative.title).click()
    main = _main(buyer_page)
    expect(main.get_by_role("heading", level=1, name=initiative.title)).to_be_visible()
    expect(main).to_contain_text("Stage: Adoption")
    expect(main).to_contain_text(RATIONALE)


def test_catalog_pages_have_landmarks_labelled_controls_and_fit_a_phone(new_page):
    """The checks of the site's keyboard-and-landmarks journey, over the catalog's public pages."""
    for number in range(3):
        ProductFactory(
            name=f"Мониторинг зарядки электробусов, версия {number + 1}",
            category="transport",
            accredited_until=timezone.localdate() + timedelta(days=100 * (number + 1)),
            expert_score=Decimal("75.00"),
            rating=Decimal("4.00"),
        )
    product = Product.objects.order_by("pk").first()
    pages = [
        "/catalog/",
        "/catalog/?q=" + "электробусы",
        product.get_absolute_url(),
        "/catalog/registry/",
        f"/catalog/compare/?ids={product.pk}&ids={product.pk + 1}",
    ]
    page = new_page()
    phone = new_page(width=390, height=844)
    for path in pages:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        for role in ("banner", "main", "contentinfo"):
            expect(page.get_by_role(role)).to_have_count(1)
        controls = page.locator("main input:not([type=hidden]), main select, main textarea")
        for index in range(controls.count()):
            control = controls.nth(index)
            label = control.evaluate(
                "el => (el.labels && el.labels.length ? el.labels[0].textContent : el.getAttribute('aria-label') || '').trim()"
            )
            assert label, f"{path}: form control #{control.get_attribute('id')} has no label"
        phone.goto(path)
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a 390px screen"
