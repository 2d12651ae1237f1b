"""The catalog demo loaded by seed_demo: idempotent; at least 120 products of 60 suppliers in
Russian in every accreditation state, facet value and order status; a consistent history; reviews
only from agencies that used the product; and an intact audit chain.

Seeding takes seconds, so it runs once for the module, inside a transaction rolled back at the
end; each test runs in its own savepoint within it."""

import datetime as dt
import re
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from govtech.accounts.models import Organization, OrganizationKind
from govtech.catalog import selectors
from govtech.catalog.eligibility import company_age_years
from govtech.catalog.models import (
    AccreditationState,
    AgencyReview,
    Application,
    ApplicationStatus,
    BuyingProject,
    Category,
    DataLocation,
    Deployment,
    ExpiryReminder,
    IntakeCycle,
    Language,
    Order,
    OrderEvent,
    OrderStatus,
    Outcome,
    PriceBand,
    PricingModel,
    Product,
    ProductReference,
    ProductStatus,
    ProductUse,
    ProjectStatus,
    Review,
    ReviewScore,
    ShortlistItem,
    SnapshotRow,
    UseKind,
    WindowState,
)
from govtech.catalog.rating import combine
from govtech.catalog.services import add_months
from govtech.challenges.models import Declaration
from govtech.core.audit import verify_chain
from govtech.core.models import AuditEvent
from govtech.funnel.models import Initiative, Origin
from govtech.funnel.states import Stage

pytestmark = pytest.mark.django_db

DEMO = "demo.govtech.local"
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
LATIN = re.compile(r"[a-z]", re.IGNORECASE)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def _user(name: str):
    return get_user_model().objects.get(email=f"{name}@{DEMO}")


def _counts() -> dict:
    models = [Product, IntakeCycle, Application, Review, ReviewScore, BuyingProject, ShortlistItem, SnapshotRow]
    models += [Order, OrderEvent, ProductUse, AgencyReview, ProductReference, ExpiryReminder, Initiative]
    counts = {model.__name__: model.objects.count() for model in models}
    counts["organizations"] = Organization.objects.count()
    counts["users"] = get_user_model().objects.count()
    counts["events"] = AuditEvent.objects.count()
    return counts


def test_seeding_twice_changes_nothing_and_the_audit_chain_is_intact(seeded):
    first = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first
    assert verify_chain() == []
    # Everything whose state matters went through the services.
    actions = Counter(AuditEvent.objects.values_list("action", flat=True))
    assert actions["product.created"] == Product.objects.count()
    assert actions["application.submitted"] == Application.objects.count()
    assert actions["application.decided"] == Application.objects.filter(decided_at__isnull=False).count()
    assert actions["order.placed"] == Order.objects.count()
    assert actions["order.moved"] == OrderEvent.objects.exclude(status=OrderStatus.PLACED).count()
    assert actions["product.reviewed"] == AgencyReview.objects.count()


def test_at_least_120_products_of_60_suppliers_in_every_facet_value(seeded):
    published = Product.objects.filter(status=ProductStatus.PUBLISHED)
    assert published.count() >= 120
    assert set(Product.objects.values_list("status", flat=True)) == set(ProductStatus.values)
    suppliers = Organization.objects.filter(kind=OrganizationKind.SUPPLIER, products__status=ProductStatus.PUBLISHED)
    assert suppliers.distinct().count() >= 60
    assert set(published.values_list("category", flat=True)) == set(Category.values)
    assert set(Product.objects.values_list("trl", flat=True)) == set(range(1, 10))
    assert len(set(published.values_list("trl", flat=True))) >= 8
    assert set(published.values_list("pricing_model", flat=True)) == set(PricingModel.values)
    assert {product.price_band for product in published} == set(PriceBand.values)
    assert set(published.values_list("deployment", flat=True)) == set(Deployment.values)
    assert set(published.values_list("data_location", flat=True)) == set(DataLocation.values)
    assert {code for codes in published.values_list("languages", flat=True) for code in codes} == set(Language.values)
    # Facet counts cover every category, and the searchable text is indexed.
    facets = selectors.facet_counts(selectors.CatalogQuery())
    assert {value.value for value in facets["category"] if value.count} == set(Category.values)
    assert not published.filter(search_stems="").exists()


def test_suppliers_are_plausible_companies_young_and_old(seeded):
    today = timezone.localdate()
    suppliers = Organization.objects.filter(kind=OrganizationKind.SUPPLIER)
    ages = [company_age_years(org.founded_on, today) for org in suppliers]
    assert sum(age <= 7 for age in ages) >= 20 and sum(age > 7 for age in ages) >= 15
    for org in suppliers:
        org.full_clean()  # INN and OGRN with valid check digits, matching each other
        assert org.name.startswith(("ООО «", "АО «", "ИП ")), org.name
        assert org.headcount and (org.headcount == 1) == org.name.startswith("ИП ")
    assert suppliers.filter(is_sme=False).exists()
    assert Organization.objects.filter(kind=OrganizationKind.PARTNER).count() >= 3


def test_every_accreditation_state_and_application_status(seeded):
    today = timezone.localdate()
    published = list(Product.objects.filter(status=ProductStatus.PUBLISHED))
    states = Counter(product.accreditation_state() for product in published)
    assert set(states) == set(AccreditationState.values)
    assert states[AccreditationState.ACCREDITED] >= 40
    assert min(states.values()) >= 5
    assert set(Application.objects.values_list("status", flat=True)) == set(ApplicationStatus.values)
    until = [product.accredited_until for product in published if product.accredited_until]
    # Some end within the 60 days of the first reminder (reminded once), some ended, some run for long.
    ending = [day for day in until if today <= day <= today + dt.timedelta(days=60)]
    assert len(ending) >= 3
    assert ExpiryReminder.objects.count() == len(ending)
    assert sum(day < today for day in until) >= 5
    assert sum(day > today + dt.timedelta(days=365) for day in until) >= 10
    # An accredited product re-applying, and products accredited a second time.
    assert any(p.accreditation_state() == AccreditationState.ACCREDITED and p.has_open_application for p in published)
    twice = Application.objects.filter(status=ApplicationStatus.ACCREDITED).values("product").annotate(n=Count("pk"))
    assert twice.filter(n__gte=2).exists()
    for declined in Application.objects.filter(status=ApplicationStatus.DECLINED):
        assert declined.decision_reason.strip()
        assert declined.expert_score is not None and declined.expert_score < 60


def test_open_applications_are_at_every_step_of_the_panel(seeded):
    open_reviews = Review.objects.filter(application__status=ApplicationStatus.SUBMITTED)
    undeclared = open_reviews.filter(conflict=Declaration.UNDECLARED)
    cleared = open_reviews.filter(conflict=Declaration.NONE)
    assert Application.objects.filter(status=ApplicationStatus.SUBMITTED, reviews__isnull=True).exists()
    assert undeclared.exists()
    assert cleared.filter(completed_at__isnull=True, scores__isnull=True).exists()  # declared, not scored
    assert cleared.filter(completed_at__isnull=True, scores__isnull=False).exists()  # partly scored
    assert open_reviews.filter(conflict=Declaration.RECUSED).exists()
    waiting = [
        application
        for application in Application.objects.filter(status=ApplicationStatus.SUBMITTED)
        if application.reviews.filter(completed_at__isnull=False).count() >= application.cycle.min_experts
    ]
    assert waiting, "some applications wait for the operator's decision"
    # expert@ has reviews to do; a recused expert was replaced by the service.
    assert Review.objects.filter(expert=_user("expert"), completed_at__isnull=True).exists()
    recused = Review.objects.filter(conflict=Declaration.RECUSED).first()
    assert recused.application.reviews.exclude(conflict=Declaration.RECUSED).count() >= 2
    assert recused.conflict_note


def test_intake_cycles_past_open_and_upcoming_with_consistent_dates(seeded):
    cycles = list(IntakeCycle.objects.order_by("opens_at"))
    assert len(cycles) >= 3
    assert {cycle.window_state() for cycle in cycles} == set(WindowState.values)
    assert len({tuple(sorted(cycle.eligibility["any_of"][0])) for cycle in cycles}) >= 2  # rules are configuration
    now = timezone.now()
    for application in Application.objects.select_related("cycle", "product"):
        cycle = application.cycle
        assert cycle.opens_at <= application.submitted_at < cycle.closes_at
        assert application.product.created_at <= application.submitted_at <= now
        assert application.eligibility["eligible"] is True
        for review in application.reviews.all():
            assert application.submitted_at <= review.created_at
            if review.completed_at:
                assert review.created_at <= review.completed_at <= (application.decided_at or now)
        if application.decided_at:
            assert application.submitted_at < application.decided_at <= now
    # The term runs from the decision, or from the end of the term it renews.
    for product in Product.objects.filter(accredited_until__isnull=False):
        previous = None
        for application in product.applications.filter(status=ApplicationStatus.ACCREDITED).order_by("decided_at"):
            decided = timezone.localdate(application.decided_at)
            start = max(decided, previous) if previous else decided
            assert application.accredited_until == add_months(start, application.cycle.accreditation_months)
            previous = application.accredited_until
    # An old company is eligible only with a partner's recommendation.
    today = timezone.localdate()
    for application in Application.objects.select_related("product__supplier", "recommended_by"):
        founded = application.product.supplier.founded_on
        if company_age_years(founded, today) > 7:
            assert application.recommended_by.kind == OrganizationKind.PARTNER
            assert application.recommendation


def test_the_product_dates_follow_the_accreditations(seeded):
    for product in Product.objects.filter(accredited_until__isnull=False):
        latest = product.applications.filter(status=ApplicationStatus.ACCREDITED).order_by("-decided_at").first()
        assert latest.accredited_until == product.accredited_until
        assert product.expert_score == latest.expert_score
        assert product.rating == combine(product.expert_score, product.review_count, product.review_sum).rating
    assert not Product.objects.filter(status=ProductStatus.DRAFT, published_at__isnull=False).exists()


def test_buying_projects_in_every_status_and_outcome(seeded):
    projects = BuyingProject.objects.all()
    assert set(projects.values_list("status", flat=True)) == set(ProjectStatus.values)
    assert set(projects.exclude(outcome="").values_list("outcome", flat=True)) == set(Outcome.values)
    for project in projects.filter(status__in=[ProjectStatus.ENDED, ProjectStatus.DONE]):
        if project.ended_at is None:
            assert project.outcome == Outcome.CANCELLED
            continue
        assert project.snapshot.count() == project.result_count <= settings.GOVTECH_CATALOG_SNAPSHOT_MAX
        shortlisted = set(project.shortlist.values_list("product", flat=True))
        assert shortlisted <= set(project.snapshot.values_list("product", flat=True))
    for project in projects.filter(outcome=Outcome.AWARDED):
        assert not project.shortlist.filter(assessed_at__isnull=True).exists()
        assert project.shortlist.filter(product=project.awarded_product).exists()
        assert project.outcome_reason
    assert projects.filter(outcome=Outcome.AWARDED, order__isnull=True).exists()
    assert ShortlistItem.objects.filter(project__status=ProjectStatus.ENDED, assessed_at__isnull=True).exists()


def test_orders_in_every_status_each_at_adoption_in_the_funnel(seeded):
    orders = Order.objects.select_related("initiative", "project", "product")
    assert set(orders.values_list("status", flat=True)) == set(OrderStatus.values)
    limit = settings.GOVTECH_CATALOG_DIRECT_AWARD_LIMIT
    assert all(order.amount <= limit for order in orders)
    assert orders.filter(amount=limit).exists()  # exactly at the threshold
    for order in orders:
        assert order.initiative.stage == Stage.ADOPTION
        assert order.initiative.origin == Origin.CATALOG_ORDER
        assert order.initiative.sponsor_id == order.agency_id
        assert order.project.awarded_product_id == order.product_id
        application = order.product.applications.filter(
            status=ApplicationStatus.ACCREDITED, decided_at__lte=order.created_at
        )
        assert application.exists(), order  # accredited when ordered
        events = list(order.events.all())
        assert events[0].status == OrderStatus.PLACED
        assert events[-1].status == order.status
        assert [event.at for event in events] == sorted(event.at for event in events)
        assert order.project.decided_at <= order.created_at <= events[-1].at <= timezone.now()
        assert order.initiative.stage_entered_at.date() == order.created_at.date()
    disputed = OrderEvent.objects.filter(status=OrderStatus.DISPUTED)
    assert disputed.count() >= 2 and not disputed.filter(note="").exists()


def test_reviews_only_from_agencies_that_used_the_product_and_ratings_differ(seeded):
    reviews = AgencyReview.objects.select_related("use", "use__order")
    assert reviews.count() >= 15
    for review in reviews:
        use = review.use
        assert use.product_id == review.product_id and use.agency_id == review.agency_id
        if use.kind == UseKind.ORDER:
            assert use.order.was_accepted
        assert use.recorded_at <= review.created_at
    assert {use.kind for use in ProductUse.objects.all()} == set(UseKind.values)
    # Some products are reviewed by more than one agency, and the ratings spread out.
    assert Product.objects.filter(review_count__gte=2).exists()
    ratings = set(Product.objects.filter(review_count__gt=0).values_list("rating", flat=True))
    assert len(ratings) >= 8 and min(ratings) < Decimal("3.6") < max(ratings)
    for product in Product.objects.filter(review_count__gt=0):
        stars = list(product.agency_reviews.values_list("stars", flat=True))
        assert (product.review_count, product.review_sum) == (len(stars), sum(stars))
    # An order accepted but not reviewed yet: the agency may still review; others may not.
    accepted = Order.objects.filter(was_accepted=True).select_related("product", "agency")
    assert any(selectors.may_review(product=order.product, agency=order.agency) for order in accepted)
    unused = Product.objects.exclude(uses__isnull=False).first()
    assert not selectors.may_review(product=unused, agency=Organization.objects.get(slug="dept-transport"))


def test_demo_accounts_have_work_to_show(seeded):
    supplier, expert, agency, operator = _user("supplier"), _user("expert"), _user("agency"), _user("operator")
    assert selectors.supplier_products(supplier).exists()
    assert selectors.supplier_applications(supplier).exists()
    assert selectors.supplier_orders(supplier).filter(status=OrderStatus.PLACED).exists()
    assert selectors.expert_reviews(expert).filter(completed_at__isnull=True).exists()
    assert selectors.agency_projects(agency).filter(status=ProjectStatus.SEARCHING).exists()
    assert selectors.agency_orders(agency).filter(status=OrderStatus.DELIVERED).exists()
    assert selectors.open_applications().exists()
    assert operator.is_operator


def test_search_finds_demo_products_by_russian_word_forms(seeded):
    for text, name in [
        ("контейнеров", "ЭкоТрек.Контейнер"),
        ("электробусы", "ЭлектроДепо: зарядка в парках"),
        ("очереди в поликлинике", "Быстрый отклик: электронная очередь"),
        ("уборка снега", "СнегоУбор: маршруты техники"),
    ]:
        found = selectors.search_products(selectors.CatalogQuery.from_params({"q": text}))
        assert found.filter(name=name).exists(), text


def _texts():
    for product in Product.objects.all():
        yield from (product.name, product.summary, product.description)
    for org in Organization.objects.filter(kind__in=[OrganizationKind.SUPPLIER, OrganizationKind.PARTNER]):
        yield from (org.name, org.description)
    yield from IntakeCycle.objects.values_list("name", flat=True)
    for application in Application.objects.all():
        yield application.statement
        yield from filter(None, (application.recommendation, application.decision_reason))
    yield from Review.objects.exclude(summary="").values_list("summary", flat=True)
    yield from Review.objects.exclude(conflict_note="").values_list("conflict_note", flat=True)
    yield from ReviewScore.objects.values_list("comment", flat=True)
    for project in BuyingProject.objects.all():
        yield from filter(None, (project.title, project.need, project.outcome_reason))
    yield from ShortlistItem.objects.exclude(note="").values_list("note", flat=True)
    yield from ShortlistItem.objects.exclude(assessment="").values_list("assessment", flat=True)
    yield from Order.objects.values_list("description", flat=True)
    yield from OrderEvent.objects.exclude(note="").values_list("note", flat=True)
    yield from AgencyReview.objects.values_list("text", flat=True)
    for reference in ProductReference.objects.all():
        yield from filter(None, (reference.customer, reference.description))


def test_all_demo_text_is_russian(seeded):
    texts = list(_texts())
    assert len(texts) > 1000
    for text in texts:
        assert CYRILLIC.search(text), text
        # Latin only in names and abbreviations (NB-IoT, V2X, API), never whole English sentences.
        assert len(LATIN.findall(text)) <= max(6, len(CYRILLIC.findall(text)) // 5), text


def test_the_demo_accounts_see_their_work_on_the_pages(seeded, client):
    """What a newcomer signing in as each demo account finds on the catalog's pages."""
    pages = {
        "supplier": ("catalog:supplier-dashboard", selectors.supplier_products(_user("supplier"))),
        "expert": ("catalog:review-list", Product.objects.filter(applications__reviews__expert=_user("expert"))),
        "agency": ("catalog:project-list", None),
        "operator": ("catalog:application-list", Product.objects.filter(has_open_application=True)),
    }
    for name, (url_name, products) in pages.items():
        client.force_login(_user(name))
        page = client.get(reverse(url_name)).content.decode()
        if products is None:
            assert any(
                title in page for title in selectors.agency_projects(_user(name)).values_list("title", flat=True)
            )
        else:
            assert any(product.name in page for product in products), name


def test_every_demo_record_opens_on_its_page(seeded, client):
    """Each product, application, buying project and order of the demo renders, in every state."""
    client.force_login(_user("operator"))
    urls = [product.get_absolute_url() for product in Product.objects.all()]
    urls += [application.get_absolute_url() for application in Application.objects.all()]
    urls += [project.get_absolute_url() for project in BuyingProject.objects.all()]
    urls += [order.get_absolute_url() for order in Order.objects.all()]
    urls += [reverse("catalog:product-list"), reverse("catalog:registry"), reverse("catalog:cycle-list")]
    for url in urls:
        assert client.get(url).status_code == 200, url
    client.logout()
    for product in Product.objects.all():
        assert client.get(product.get_absolute_url()).status_code == (200 if product.is_public else 404)
    # Experts open their reviews; agencies their projects and orders.
    for review in Review.objects.exclude(conflict=Declaration.RECUSED).select_related("expert")[:40]:
        client.force_login(review.expert)
        assert client.get(review.get_absolute_url()).status_code == 200
    for project in BuyingProject.objects.select_related("created_by"):
        client.force_login(project.created_by)
        assert client.get(project.get_absolute_url()).status_code == 200
