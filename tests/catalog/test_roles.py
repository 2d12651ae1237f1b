"""The role matrix of the catalog at the service and access level: who may call each write service
and who may see what. The roles are the seven of tests/conftest.py plus three relations:

    anonymous, resident, supplier_member, supplier_admin (the product's supplier),
    agency_admin (the buying agency), expert (asked about nothing), operator,
    other_supplier     a member of another supplier
    other_agency       a member of another agency
    assigned_expert    the expert asked to review the application in question

A refused write raises Forbidden and changes nothing (no row, no audit event, nothing queued);
an allowed one succeeds and writes its audit event. Whatever a person may not see is "not found",
as if it did not exist."""

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django_tasks_db.models import DBTaskResult

from govtech.accounts.models import MembershipRole
from govtech.catalog import access, selectors, services
from govtech.catalog.models import (
    AgencyReview,
    Application,
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
    Review,
    ReviewScore,
    ShortlistItem,
    SnapshotRow,
    UseKind,
)
from govtech.challenges.models import Declaration
from govtech.core.errors import Forbidden
from govtech.core.models import AuditEvent
from govtech.funnel.models import GateDecision, Initiative
from govtech.funnel.states import Stage
from govtech.notifications.models import Notification
from tests.catalog.factories import IntakeCycleFactory, ProductFactory
from tests.factories import AgencyFactory, MembershipFactory, SupplierFactory, UserFactory
from tests.funnel.factories import InitiativeFactory

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 12:00 in Moscow.
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TINY_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

ROLES = (
    "anonymous",
    "resident",
    "supplier_member",
    "supplier_admin",
    "other_supplier",
    "agency_admin",
    "other_agency",
    "expert",
    "assigned_expert",
    "operator",
)
SUPPLIER = {"supplier_member", "supplier_admin"}
AGENCY = {"agency_admin"}
OPERATOR = {"operator"}
ASSIGNED = {"assigned_expert"}


def catalog_state() -> tuple:
    """Every row a catalog service may write, the funnel, the queue and the audit log."""

    def rows(model) -> list[dict]:
        return list(model.objects.order_by("pk").values())

    return (
        rows(Product),
        rows(ProductFile),
        rows(ProductReference),
        rows(IntakeCycle),
        rows(Criterion),
        rows(Application),
        rows(Review),
        rows(ReviewScore),
        rows(ProductUse),
        rows(AgencyReview),
        rows(BuyingProject),
        rows(ShortlistItem),
        rows(SnapshotRow),
        rows(Order),
        rows(OrderEvent),
        Initiative.objects.count(),
        GateDecision.objects.count(),
        AuditEvent.objects.count(),
        DBTaskResult.objects.count(),
        Notification.objects.count(),
    )


@dataclass
class World:
    people: dict
    supplier: object
    agency: object

    def actor(self, role: str):
        return self.people[role] or AnonymousUser()

    def product(self, **fields):
        return ProductFactory(supplier=self.supplier, **fields)

    def accredited(self, **fields):
        return self.product(accredited_until=dt.date(2027, 9, 2), category="transport", **fields)

    def application(self, *, declared=Declaration.UNDECLARED):
        """A submitted application of the supplier's product, the assigned expert on its panel."""
        application = services.application_submit(
            actor=self.people["supplier_member"],
            product=self.product(),
            cycle=IntakeCycleFactory(),
            statement="Работает в трёх округах.",
        )
        Review.objects.create(application=application, expert=self.people["assigned_expert"], conflict=declared)
        return application

    def review(self, *, declared=Declaration.UNDECLARED) -> Review:
        return self.application(declared=declared).reviews.get()

    def project(self, *, shortlisted=None):
        buyer = self.people["agency_admin"]
        project = services.project_create(
            actor=buyer, agency=self.agency, title="Табло остановок", need="Табло", query={"category": ["transport"]}
        )
        if shortlisted is not None:
            services.shortlist_add(actor=buyer, project=project, product=shortlisted)
        return project

    def ended(self):
        product = self.accredited()
        project = self.project(shortlisted=product)
        services.project_end_search(actor=self.people["agency_admin"], project=project)
        return project, product

    def awarded(self):
        project, product = self.ended()
        buyer = self.people["agency_admin"]
        services.shortlist_assess(actor=buyer, item=project.shortlist.get(), score=80, assessment="Подходит")
        services.project_record_outcome(
            actor=buyer, project=project, outcome=Outcome.AWARDED, reason="Лучший", product=product
        )
        return BuyingProject.objects.get(pk=project.pk)

    def order(self):
        return services.order_place(
            actor=self.people["agency_admin"], project=self.awarded(), amount="100000", description="Подписка"
        )


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(clock, people, supplier, agency, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    supplier.founded_on = dt.date(2022, 1, 10)
    supplier.save(update_fields=["founded_on"])
    everyone = dict(people)
    everyone["other_supplier"] = UserFactory(email="other-supplier@example.test")
    MembershipFactory(user=everyone["other_supplier"], organization=SupplierFactory(), role=MembershipRole.ADMIN)
    everyone["other_agency"] = UserFactory(email="other-agency@example.test")
    MembershipFactory(user=everyone["other_agency"], organization=AgencyFactory(), role=MembershipRole.ADMIN)
    everyone["assigned_expert"] = UserFactory(email="assigned-expert@example.test", is_expert=True)
    return World(everyone, supplier, agency)


# --- the write services --------------------------------------------------------------------------
# Each scenario puts the world into a state where the call succeeds for an allowed actor and
# returns the call.

PRODUCT = {
    "name": "Табло остановок",
    "summary": "Прогноз прибытия",
    "description": "Табло на остановках.",
    "category": "transport",
    "trl": 8,
    "pricing_model": "subscription",
    "price_from": "500000",
    "deployment": "saas",
    "data_location": "russia",
    "languages": ["ru"],
}


def _product_create(w):
    return lambda actor: services.product_create(actor=actor, supplier=w.supplier, **PRODUCT)


def _product_update(w):
    product = w.product()
    return lambda actor: services.product_update(actor=actor, product=product, name="Новое имя")


def _product_publish(w):
    product = w.product(status=ProductStatus.DRAFT, published_at=None)
    return lambda actor: services.product_publish(actor=actor, product=product)


def _product_archive(w):
    product = w.product()
    return lambda actor: services.product_archive(actor=actor, product=product)


def _file_add(w):
    product = w.product()
    return lambda actor: services.product_file_add(
        actor=actor, product=product, kind="document", title="Описание", upload=SimpleUploadedFile("a.pdf", TINY_PDF)
    )


def _file_remove(w):
    item = ProductFile.objects.create(
        product=w.product(), kind="document", title="Описание", file=SimpleUploadedFile("a.pdf", TINY_PDF)
    )
    return lambda actor: services.product_file_remove(actor=actor, item=item)


def _reference_add(w):
    product = w.product()
    return lambda actor: services.reference_add(actor=actor, product=product, kind="customer", customer="Казань")


def _reference_remove(w):
    reference = ProductReference.objects.create(product=w.product(), kind="customer", customer="Казань")
    return lambda actor: services.reference_remove(actor=actor, reference=reference)


def _cycle_create(w):
    return lambda actor: services.cycle_create(
        actor=actor, name="Отбор лето", opens_at=T0, closes_at=T0 + dt.timedelta(days=90)
    )


def _cycle_update(w):
    cycle = IntakeCycleFactory()
    return lambda actor: services.cycle_update(actor=actor, cycle=cycle, min_experts=3)


def _criteria_set(w):
    weights = {"technology": [50, 10], "business": [25, 10], "security": [25, 10]}
    return lambda actor: services.criteria_set(actor=actor, criteria=weights)


def _application_submit(w):
    product, cycle = w.product(), IntakeCycleFactory()
    return lambda actor: services.application_submit(actor=actor, product=product, cycle=cycle, statement="Готово")


def _application_withdraw(w):
    application = w.application()
    return lambda actor: services.application_withdraw(actor=actor, application=application)


def _reviews_assign(w):
    application = w.application()
    Review.objects.filter(application=application).delete()
    return lambda actor: services.reviews_assign(actor=actor, application=application)


def _review_assign(w):
    application, newcomer = w.application(), UserFactory(is_expert=True)
    return lambda actor: services.review_assign(actor=actor, application=application, expert=newcomer)


def _review_declare(w):
    review = w.review()
    return lambda actor: services.review_declare(actor=actor, review=review, has_conflict=False)


def _review_save(w):
    review = w.review(declared=Declaration.NONE)
    scores = {"technology": 8, "business": 7, "security": 9}
    return lambda actor: services.review_save(actor=actor, review=review, scores=scores, complete=True)


def _application_decide(w):
    application = w.application()
    return lambda actor: services.application_decide(
        actor=actor, application=application, accredit=False, reason="Нет внедрений"
    )


def _pilot_record(w):
    product, initiative = w.product(), InitiativeFactory(sponsor=w.agency, stage=Stage.PILOT)
    return lambda actor: services.pilot_record(actor=actor, product=product, agency=w.agency, initiative=initiative)


def _agency_review_add(w):
    product = w.product()
    ProductUse.objects.create(product=product, agency=w.agency, kind=UseKind.ORDER)
    return lambda actor: services.agency_review_add(
        actor=actor, product=product, agency=w.agency, stars=4, text="Работает"
    )


def _project_create(w):
    return lambda actor: services.project_create(
        actor=actor, agency=w.agency, title="Табло", need="Табло на остановках"
    )


def _project_update_search(w):
    project = w.project()
    return lambda actor: services.project_update_search(actor=actor, project=project, query={"q": "табло"})


def _shortlist_add(w):
    project, product = w.project(), w.accredited()
    return lambda actor: services.shortlist_add(actor=actor, project=project, product=product)


def _shortlist_remove(w):
    project = w.project(shortlisted=w.accredited())
    item = project.shortlist.get()
    return lambda actor: services.shortlist_remove(actor=actor, item=item)


def _project_end_search(w):
    project = w.project(shortlisted=w.accredited())
    return lambda actor: services.project_end_search(actor=actor, project=project)


def _shortlist_assess(w):
    project, _product = w.ended()
    item = project.shortlist.get()
    return lambda actor: services.shortlist_assess(actor=actor, item=item, score=70, assessment="Подходит")


def _project_record_outcome(w):
    project, _product = w.ended()
    return lambda actor: services.project_record_outcome(
        actor=actor, project=project, outcome=Outcome.NONE_SUITABLE, reason="Дорого"
    )


def _order_place(w):
    project = w.awarded()
    return lambda actor: services.order_place(actor=actor, project=project, amount="100000", description="Подписка")


def _order_move_supplier(w):
    order = w.order()
    return lambda actor: services.order_move(actor=actor, order=order, to_status=OrderStatus.ACCEPTED_BY_SUPPLIER)


def _order_move_agency(w):
    order = w.order()
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.DELIVERED)
    return lambda actor: services.order_move(actor=actor, order=order, to_status=OrderStatus.ACCEPTED)


WRITES = {
    "product_create": (_product_create, SUPPLIER),
    "product_update": (_product_update, SUPPLIER),
    "product_publish": (_product_publish, SUPPLIER),
    "product_archive": (_product_archive, SUPPLIER),
    "product_file_add": (_file_add, SUPPLIER),
    "product_file_remove": (_file_remove, SUPPLIER),
    "reference_add": (_reference_add, SUPPLIER),
    "reference_remove": (_reference_remove, SUPPLIER),
    "cycle_create": (_cycle_create, OPERATOR),
    "cycle_update": (_cycle_update, OPERATOR),
    "criteria_set": (_criteria_set, OPERATOR),
    "application_submit": (_application_submit, SUPPLIER),
    "application_withdraw": (_application_withdraw, SUPPLIER),
    "reviews_assign": (_reviews_assign, OPERATOR),
    "review_assign": (_review_assign, OPERATOR),
    "review_declare": (_review_declare, ASSIGNED),
    "review_save": (_review_save, ASSIGNED),
    "application_decide": (_application_decide, OPERATOR),
    "pilot_record": (_pilot_record, AGENCY | OPERATOR),
    "agency_review_add": (_agency_review_add, AGENCY),
    "project_create": (_project_create, AGENCY),
    "project_update_search": (_project_update_search, AGENCY),
    "shortlist_add": (_shortlist_add, AGENCY),
    "shortlist_remove": (_shortlist_remove, AGENCY),
    "project_end_search": (_project_end_search, AGENCY),
    "shortlist_assess": (_shortlist_assess, AGENCY),
    "project_record_outcome": (_project_record_outcome, AGENCY),
    "order_place": (_order_place, AGENCY),
    "order_move (supplier's move)": (_order_move_supplier, SUPPLIER),
    "order_move (agency's move)": (_order_move_agency, AGENCY),
}


def test_every_write_service_is_in_the_matrix():
    public = {name for name in dir(services) if not name.startswith("_")}
    writes = {
        name for name in public if callable(getattr(services, name)) and hasattr(getattr(services, name), "__wrapped__")
    }
    covered = {name.split(" ")[0] for name in WRITES}
    # The reminders are the worker's, with no actor; every other transactional service is here.
    assert writes == covered
    assert "send_expiry_reminders" in public and not hasattr(services.send_expiry_reminders, "__wrapped__")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("service", list(WRITES))
def test_who_may_call_each_write_service(world, refused_checker, service, role):
    scenario, allowed = WRITES[service]
    call = scenario(world)
    actor = world.actor(role)
    if role in allowed:
        events = AuditEvent.objects.count()
        call(actor)
        assert AuditEvent.objects.count() > events
    else:
        with refused_checker(catalog_state)(Forbidden):
            call(actor)


def test_an_inactive_member_is_refused(world, refused_checker):
    member = world.people["supplier_member"]
    member.is_active = False
    member.save(update_fields=["is_active"])
    call = _product_update(world)
    with refused_checker(catalog_state)(Forbidden):
        call(member)


def test_a_supplier_acts_only_for_its_own_organization(world, refused_checker):
    """The supplier's member is refused for another supplier's product, also as the supplier argument."""
    theirs = ProductFactory()
    refused = refused_checker(catalog_state)
    member = world.actor("supplier_member")
    with refused(Forbidden):
        services.product_update(actor=member, product=theirs, name="Чужое")
    with refused(Forbidden):
        services.product_create(actor=member, supplier=theirs.supplier, **PRODUCT)


def test_an_agency_buys_only_for_itself(world, refused_checker):
    buyer = world.actor("agency_admin")
    other_agency = AgencyFactory()
    product = world.product()
    ProductUse.objects.create(product=product, agency=other_agency, kind=UseKind.ORDER)
    initiative = InitiativeFactory(sponsor=other_agency, stage=Stage.PILOT)
    refused = refused_checker(catalog_state)
    with refused(Forbidden):
        services.project_create(actor=buyer, agency=other_agency, title="Табло", need="Табло")
    with refused(Forbidden):
        services.agency_review_add(actor=buyer, product=product, agency=other_agency, stars=5, text="Да")
    with refused(Forbidden):
        services.pilot_record(actor=buyer, product=product, agency=other_agency, initiative=initiative)


def test_only_the_assigned_expert_acts_on_a_review_and_not_after_recusing(world, refused_checker):
    review = world.review()
    other_review = world.review()  # the same expert on another application
    refused = refused_checker(catalog_state)
    services.review_declare(
        actor=world.actor("assigned_expert"), review=review, has_conflict=True, note="Работал у поставщика"
    )
    with refused(Forbidden):
        services.review_declare(actor=world.actor("expert"), review=other_review, has_conflict=False)
    # An expert who lost the expert role keeps no rights on their reviews.
    person = world.people["assigned_expert"]
    person.is_expert = False
    person.save(update_fields=["is_expert"])
    with refused(Forbidden):
        services.review_declare(actor=person, review=other_review, has_conflict=False)


# --- who sees what -----------------------------------------------------------------------------------


def _sees(look, **kwargs) -> bool:
    try:
        look(**kwargs)
    except Http404:
        return False
    return True


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_a_draft_and_a_published_product(world, role):
    actor = world.actor(role)
    draft = world.product(status=ProductStatus.DRAFT, published_at=None)
    archived = world.product(status=ProductStatus.ARCHIVED)
    published = world.product()
    insiders = SUPPLIER | OPERATOR
    assert _sees(access.access_product, actor=actor, slug=draft.slug) is (role in insiders)
    assert _sees(access.access_product_by_pk, actor=actor, pk=draft.pk) is (role in insiders)
    assert _sees(access.access_product, actor=actor, slug=archived.slug) is (role in insiders)
    assert access.access_product(actor=actor, slug=published.slug) == published
    assert access.access_product_by_pk(actor=actor, pk=str(published.pk)) == published
    for item in (draft, published):
        document = ProductFile.objects.create(
            product=item, kind="document", title="Описание", file=SimpleUploadedFile("a.pdf", TINY_PDF)
        )
        expected = item.is_public or role in insiders
        assert _sees(access.access_product_file, actor=actor, pk=document.pk) is expected


def test_missing_and_malformed_addresses_are_not_found(world):
    actor = world.actor("operator")
    for look, key in [
        (access.access_product_by_pk, "pk"),
        (access.access_application, "pk"),
        (access.access_review, "pk"),
        (access.access_project, "pk"),
        (access.access_order, "pk"),
        (access.access_product_file, "pk"),
    ]:
        for value in (987654, "x", None, "1.5"):
            with pytest.raises(Http404):
                look(actor=actor, **{key: value})
    with pytest.raises(Http404):
        access.access_product(actor=actor, slug="no-such-product")
    with pytest.raises(Http404):
        access.access_cycle(slug="no-such-cycle")
    cycle = IntakeCycleFactory()
    assert access.access_cycle(slug=cycle.slug) == cycle


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_an_application_and_its_review(world, role):
    actor = world.actor(role)
    cleared = world.application(declared=Declaration.NONE)
    undeclared = world.application()
    readers = SUPPLIER | OPERATOR
    assert _sees(access.access_application, actor=actor, pk=cleared.pk) is (role in readers | ASSIGNED)
    # Before declaring, the expert sees the review (to declare) but not the application.
    assert _sees(access.access_application, actor=actor, pk=undeclared.pk) is (role in readers)
    assert _sees(access.access_review, actor=actor, pk=undeclared.reviews.get().pk) is (role in ASSIGNED)
    assert _sees(access.access_review, actor=actor, pk=cleared.reviews.get().pk) is (role in ASSIGNED)


def test_a_recused_expert_loses_the_application_and_the_review(world):
    expert = world.actor("assigned_expert")
    application = world.application()
    review = application.reviews.get()
    services.review_declare(actor=expert, review=review, has_conflict=True, note="Родственник в компании")
    with pytest.raises(Http404):
        access.access_review(actor=expert, pk=review.pk)
    with pytest.raises(Http404):
        access.access_application(actor=expert, pk=application.pk)
    assert list(selectors.expert_reviews(expert)) == []


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_a_buying_project_and_an_order(world, role):
    actor = world.actor(role)
    order = world.order()
    project = order.project
    assert _sees(access.access_project, actor=actor, pk=project.pk) is (role in AGENCY | OPERATOR)
    assert _sees(access.access_order, actor=actor, pk=order.pk) is (role in AGENCY | SUPPLIER | OPERATOR)


def test_a_shortlist_item_is_found_only_within_its_project(world):
    project = world.project(shortlisted=world.accredited())
    other = world.project(shortlisted=world.accredited())
    item = project.shortlist.get()
    assert access.access_shortlist_item(project=project, pk=item.pk) == item
    with pytest.raises(Http404):
        access.access_shortlist_item(project=other, pk=item.pk)
    with pytest.raises(Http404):
        access.access_shortlist_item(project=project, pk="x")


def test_each_roles_lists_hold_only_their_own(world):
    order = world.order()
    application = world.application(declared=Declaration.NONE)
    people = world.people
    assert set(selectors.supplier_products(people["supplier_member"])) == set(Product.objects.all())
    assert list(selectors.supplier_products(people["other_supplier"])) == []
    assert list(selectors.supplier_applications(people["supplier_admin"])) == [application]
    assert list(selectors.supplier_applications(people["other_supplier"])) == []
    assert list(selectors.agency_projects(people["agency_admin"])) == [order.project]
    assert list(selectors.agency_projects(people["other_agency"])) == []
    assert list(selectors.agency_orders(people["agency_admin"])) == [order]
    assert list(selectors.agency_orders(people["other_agency"])) == []
    assert list(selectors.supplier_orders(people["supplier_member"])) == [order]
    assert list(selectors.supplier_orders(people["other_supplier"])) == []
    assert list(selectors.expert_reviews(people["assigned_expert"])) == [application.reviews.get()]
    assert list(selectors.expert_reviews(people["expert"])) == []


@pytest.mark.parametrize("role", ROLES)
def test_permissions_to_show_on_pages(world, role):
    """What the pages ask has_perm for, per role, without an object or with the role's own."""
    actor = world.actor(role)
    assert actor.has_perm("catalog.manage_cycles") is (role in OPERATOR)
    assert actor.has_perm("catalog.decide") is (role in OPERATOR)
    assert actor.has_perm("catalog.view_reviews_inbox") is (role in {"expert", "assigned_expert"})
    assert actor.has_perm("catalog.buy", world.agency) is (role in AGENCY)
    assert actor.has_perm("catalog.manage_product", world.supplier) is (role in SUPPLIER)
    assert actor.has_perm("catalog.record_pilot", world.agency) is (role in AGENCY | OPERATOR)
