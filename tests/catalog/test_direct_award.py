"""Direct award with an audit trail: a buyer saves a search in a buying project, shortlists, ends
the search (its results frozen as a snapshot, only at or under GOVTECH_CATALOG_SNAPSHOT_MAX
results), assesses the shortlist and records the outcome; an order to the awarded product is
placed directly only while it is accredited and only up to GOVTECH_CATALOG_DIRECT_AWARD_LIMIT, and
carries the project into the funnel at adoption. The order then moves as ORDER_MOVES says, each
move by its side."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from govtech.catalog import notification_kinds as kinds
from govtech.catalog import selectors, services
from govtech.catalog.models import (
    ORDER_MOVES,
    BuyingProject,
    Order,
    OrderEvent,
    OrderStatus,
    Outcome,
    ProductStatus,
    ProductUse,
    ProjectStatus,
    ShortlistItem,
    SnapshotRow,
    UseKind,
)
from govtech.core.errors import Conflict, Forbidden, ServiceError
from govtech.core.models import AuditEvent
from govtech.funnel.models import DecisionStatus, GateDecision, Goal, Initiative, Origin, StageStay
from govtech.funnel.states import MoveKind, Stage
from govtech.notifications.models import Notification
from tests.catalog.conftest import CLOCK_START
from tests.catalog.factories import ProductFactory, accredit
from tests.factories import AgencyFactory, MembershipFactory, UserFactory
from tests.funnel.factories import InitiativeFactory

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 12:00 in Moscow.
T0 = CLOCK_START
MOSCOW = dt.timezone(dt.timedelta(hours=3))
UNTIL = dt.date(2027, 9, 2)  # accredited at T0 for 18 months
QUERY = {"category": ["transport"], "accreditation": ["accredited"]}


@pytest.fixture
def product(people, clock, eligible):
    """An accredited transport product of the supplier, with an expert score of 80."""
    product = ProductFactory(
        supplier=eligible, name="Мониторинг зарядных станций", category="transport", price_from=Decimal("1200000")
    )
    accredit(product, operator=people["operator"], supplier_user=people["supplier_member"])
    product.refresh_from_db()
    return product


@pytest.fixture
def buyer(people):
    return people["agency_admin"]


def award_state() -> tuple:
    """Everything the buying and ordering services may change, the funnel and the audit log."""
    return (
        list(BuyingProject.objects.order_by("pk").values()),
        list(ShortlistItem.objects.order_by("pk").values()),
        list(SnapshotRow.objects.order_by("pk").values()),
        list(Order.objects.order_by("pk").values()),
        OrderEvent.objects.count(),
        ProductUse.objects.count(),
        Initiative.objects.count(),
        GateDecision.objects.count(),
        StageStay.objects.count(),
        Goal.objects.count(),
        AuditEvent.objects.count(),
        DBTaskResult.objects.count(),
        Notification.objects.count(),
    )


@pytest.fixture
def refused(refused_checker):
    return refused_checker(award_state)


def new_project(buyer, agency, *, query=QUERY, initiative=None):
    return services.project_create(
        actor=buyer,
        agency=agency,
        title="Мониторинг зарядки электробусов",
        need="Нужен мониторинг зарядных станций парка",
        query=query,
        initiative=initiative,
    )


def awarded(buyer, agency, product, *, initiative=None, score=85):
    """A project that found, shortlisted, assessed and awarded the product."""
    project = new_project(buyer, agency, initiative=initiative)
    item = services.shortlist_add(actor=buyer, project=project, product=product, note="Подходит по функциям")
    services.project_end_search(actor=buyer, project=project)
    services.shortlist_assess(actor=buyer, item=item, score=score, assessment="Покрывает все требования")
    return services.project_record_outcome(
        actor=buyer, project=project, outcome=Outcome.AWARDED, reason="Единственный аккредитованный", product=product
    )


@pytest.fixture
def project(buyer, agency, product):
    return awarded(buyer, agency, product)


def place(buyer, project, amount="2500000.00"):
    return services.order_place(actor=buyer, project=project, amount=amount, description="Годовая подписка")


# --- the threshold ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, expected",
    [
        ("3000000.00", Decimal("3000000.00")),
        ("3000000", Decimal("3000000")),
        ("3 000 000,00", Decimal("3000000.00")),
        ("2999999.99", Decimal("2999999.99")),
        ("0.01", Decimal("0.01")),
        (Decimal("3000000.00"), Decimal("3000000.00")),
    ],
)
def test_an_order_at_or_under_the_threshold_is_placed(buyer, project, product, amount, expected):
    order = place(buyer, project, amount)
    stored = Order.objects.get(pk=order.pk)
    assert stored.amount == expected
    assert (stored.product, stored.supplier, stored.agency) == (product, product.supplier, project.agency)
    assert stored.status == OrderStatus.PLACED
    event = AuditEvent.objects.get(action="order.placed")
    assert Decimal(event.after["amount"]) == expected and Decimal(event.after["limit"]) == Decimal(3_000_000)


@pytest.mark.parametrize("amount", ["3000000.01", "3000001", "3 000 000,01", Decimal("3000000.01"), "99999999999.99"])
def test_an_order_just_above_the_threshold_is_refused_with_the_competitive_route(buyer, project, refused, amount):
    with refused(ServiceError, code="above_threshold", field="amount") as refusal:
        place(buyer, project, amount)
    message = str(refusal.value.message)
    assert "3 000 000.00 ₽" in message
    assert "competitive" in message and "tender" in message
    assert not Order.objects.exists() and not Initiative.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="order.").exists()


def test_the_refusal_names_the_amount_asked(buyer, project):
    with pytest.raises(ServiceError) as refusal:
        place(buyer, project, "3000000.01")
    assert "3 000 000.01 ₽" in str(refusal.value.message)


def test_the_threshold_is_a_setting(buyer, project, refused, settings):
    settings.GOVTECH_CATALOG_DIRECT_AWARD_LIMIT = Decimal("500000")
    assert services.direct_award_limit() == Decimal("500000")
    with refused(ServiceError, code="above_threshold") as refusal:
        place(buyer, project, "500000.01")
    assert "500 000.00 ₽" in str(refusal.value.message)
    order = place(buyer, project, "500000.00")
    assert AuditEvent.objects.get(action="order.placed").after["limit"] == "500000"
    assert order.amount == Decimal("500000.00")


def test_the_default_threshold_is_three_million():
    limit = django_settings.GOVTECH_CATALOG_DIRECT_AWARD_LIMIT
    assert limit == Decimal("3000000")


@pytest.mark.parametrize("amount", ["100000.001", "0.005", "0", "0.00", "-1", "", "  ", "три миллиона", "1e30", "NaN"])
def test_an_amount_is_positive_roubles_and_kopecks(buyer, project, refused, amount):
    with refused(ServiceError, field="amount"):
        place(buyer, project, amount)


def test_an_order_says_what_is_ordered(buyer, project, refused):
    with refused(ServiceError, field="description"):
        services.order_place(actor=buyer, project=project, amount="1000", description="  ")


def test_an_order_follows_a_recorded_award_once(buyer, agency, product, refused):
    project = new_project(buyer, agency)
    with refused(Conflict, code="not_awarded"):
        place(buyer, project)
    services.project_record_outcome(actor=buyer, project=project, outcome=Outcome.CANCELLED, reason="Бюджет снят")
    with refused(Conflict, code="not_awarded"):
        place(buyer, project)
    project = awarded(buyer, agency, product)
    place(buyer, project)
    with refused(Conflict, code="already_ordered"):
        place(buyer, project, "1000")


def test_only_a_product_accredited_now_is_ordered(clock, buyer, project, product, refused):
    clock.move_to(dt.datetime.combine(UNTIL + dt.timedelta(days=1), dt.time(0, 0), tzinfo=MOSCOW))
    with refused(Conflict, code="not_accredited") as refusal:
        place(buyer, project)
    assert product.name in str(refusal.value.message)


def test_an_order_on_the_last_day_of_the_accreditation(clock, buyer, project):
    clock.move_to(dt.datetime.combine(UNTIL, dt.time(23, 59), tzinfo=MOSCOW))
    assert place(buyer, project).status == OrderStatus.PLACED


def test_an_archived_product_is_not_ordered(people, buyer, project, product, refused):
    services.product_archive(actor=people["supplier_member"], product=product)
    with refused(Conflict, code="not_accredited"):
        place(buyer, project)


def test_the_threshold_is_checked_before_the_accreditation(clock, buyer, project, refused):
    clock.move_to(dt.datetime.combine(UNTIL + dt.timedelta(days=1), dt.time(12, 0), tzinfo=MOSCOW))
    with refused(ServiceError, code="above_threshold"):
        place(buyer, project, "3000000.01")


# --- ending the search: the snapshot ---------------------------------------------------------------


def test_a_search_with_too_many_results_cannot_be_ended(people, buyer, agency, product, refused, settings):
    settings.GOVTECH_CATALOG_SNAPSHOT_MAX = 3
    for n in range(3):
        ProductFactory(category="transport", accredited_until=UNTIL, name=f"Табло остановок {n}")
    project = new_project(buyer, agency)
    services.shortlist_add(actor=buyer, project=project, product=product)
    with refused(Conflict, code="too_many_results") as refusal:
        services.project_end_search(actor=buyer, project=project)
    assert "4" in str(refusal.value.message) and "3" in str(refusal.value.message)
    services.project_update_search(actor=buyer, project=project, query={**QUERY, "q": "зарядных станций"})
    services.project_end_search(actor=buyer, project=project)
    assert BuyingProject.objects.get(pk=project.pk).result_count == 1


def test_exactly_the_maximum_is_allowed(buyer, agency, product, settings):
    settings.GOVTECH_CATALOG_SNAPSHOT_MAX = 3
    for n in range(2):
        ProductFactory(category="transport", accredited_until=UNTIL, name=f"Табло остановок {n}")
    project = new_project(buyer, agency)
    services.shortlist_add(actor=buyer, project=project, product=product)
    services.project_end_search(actor=buyer, project=project)
    assert SnapshotRow.objects.filter(project=project).count() == 3


def test_a_search_is_ended_with_a_shortlist_inside_its_results(buyer, agency, product, refused):
    project = new_project(buyer, agency)
    with refused(Conflict, code="empty_shortlist"):
        services.project_end_search(actor=buyer, project=project)
    services.shortlist_add(actor=buyer, project=project, product=product)
    other = ProductFactory(category="health", name="Запись к врачу")
    services.shortlist_add(actor=buyer, project=project, product=other)
    with refused(Conflict, code="shortlist_outside_results") as refusal:
        services.project_end_search(actor=buyer, project=project)
    assert "Запись к врачу" in str(refusal.value.message)
    services.shortlist_remove(actor=buyer, item=project.shortlist.get(product=other))
    services.project_end_search(actor=buyer, project=project)


def test_only_published_products_are_shortlisted_once(buyer, agency, product, refused):
    project = new_project(buyer, agency)
    draft = ProductFactory(status=ProductStatus.DRAFT)
    with refused(ServiceError, field="product"):
        services.shortlist_add(actor=buyer, project=project, product=draft)
    services.shortlist_add(actor=buyer, project=project, product=product)
    with refused(Conflict, code="already_shortlisted"):
        services.shortlist_add(actor=buyer, project=project, product=product)


def test_the_saved_search_is_cleaned(buyer, agency, refused):
    project = new_project(buyer, agency, query={"q": " табло ", "trl": "7,x,12", "category": ["space", "transport"]})
    assert BuyingProject.objects.get(pk=project.pk).query == {"q": "табло", "trl": [7], "category": ["transport"]}
    with refused(ServiceError, field="query"):
        services.project_update_search(actor=buyer, project=project, query="category=transport")


def test_the_snapshot_stays_as_it_was_when_the_products_change(people, clock, buyer, agency, product, refused):
    supplier_user = people["supplier_member"]
    second = ProductFactory(
        supplier=product.supplier, category="transport", accredited_until=UNTIL, name="Табло остановок", price_from=None
    )
    second.published_at = T0 - dt.timedelta(days=1)
    second.save()
    project = new_project(buyer, agency)
    item = services.shortlist_add(actor=buyer, project=project, product=product)
    services.project_end_search(actor=buyer, project=project)
    frozen = list(SnapshotRow.objects.filter(project=project).values())
    assert [row["product_id"] for row in frozen] == [product.pk, second.pk]
    first = frozen[0]["data"]
    assert first == {
        "name": "Мониторинг зарядных станций",
        "slug": product.slug,
        "supplier": product.supplier.name,
        "category": "transport",
        "trl": 7,
        "price_from": "1200000.00",
        "pricing_model": "subscription",
        "deployment": "saas",
        "accreditation": "accredited",
        "accredited_until": "2027-09-02",
        "rating": "4.20",
        "expert_score": "80.00",
        "review_count": 0,
    }
    assert frozen[1]["data"]["price_from"] is None and frozen[1]["data"]["name"] == "Табло остановок"
    event = AuditEvent.objects.get(action="project.search_ended")
    assert event.after == {"query": QUERY, "results": [product.pk, second.pk]}

    services.product_update(actor=supplier_user, product=product, name="Новое имя", price_from="9999999")
    services.product_archive(actor=supplier_user, product=second)
    clock.move_to(dt.datetime.combine(UNTIL + dt.timedelta(days=30), dt.time(12, 0), tzinfo=MOSCOW))
    assert list(SnapshotRow.objects.filter(project=project).values()) == frozen
    stored = BuyingProject.objects.get(pk=project.pk)
    assert (stored.status, stored.result_count, stored.ended_at) == (ProjectStatus.ENDED, 2, T0)
    # Searching now finds nothing; the snapshot is what the buyer saw.
    assert not selectors.search_products(selectors.CatalogQuery.from_params(stored.query)).exists()

    with refused(Conflict, code="search_ended"):
        services.shortlist_add(actor=buyer, project=project, product=ProductFactory(category="transport"))
    with refused(Conflict, code="search_ended"):
        services.shortlist_remove(actor=buyer, item=item)
    with refused(Conflict, code="search_ended"):
        services.project_update_search(actor=buyer, project=project, query={"q": "табло"})
    with refused(Conflict, code="search_ended"):
        services.project_end_search(actor=buyer, project=project)
    assert list(SnapshotRow.objects.filter(project=project).values()) == frozen


# --- assessing and the outcome ----------------------------------------------------------------------


def test_the_shortlist_is_assessed_after_the_search_ended(buyer, agency, product, refused):
    project = new_project(buyer, agency)
    item = services.shortlist_add(actor=buyer, project=project, product=product)
    with refused(Conflict, code="not_assessing"):
        services.shortlist_assess(actor=buyer, item=item, score=80, assessment="Хорошо")
    services.project_end_search(actor=buyer, project=project)
    for score in (-1, 101, "много", None):
        with refused(ServiceError, field="score"):
            services.shortlist_assess(actor=buyer, item=item, score=score, assessment="Хорошо")
    with refused(ServiceError, field="assessment"):
        services.shortlist_assess(actor=buyer, item=item, score=80, assessment=" ")
    services.shortlist_assess(actor=buyer, item=item, score="0", assessment="Не подходит")
    services.shortlist_assess(actor=buyer, item=item, score=100, assessment="Подходит полностью")
    stored = ShortlistItem.objects.get(pk=item.pk)
    assert (stored.score, stored.assessment, stored.assessed_at) == (100, "Подходит полностью", T0)


def test_an_award_needs_every_shortlisted_product_assessed_and_on_the_shortlist(buyer, agency, product, refused):
    other = ProductFactory(category="transport", accredited_until=UNTIL)
    outsider = ProductFactory(category="transport", accredited_until=UNTIL)
    project = new_project(buyer, agency)
    item = services.shortlist_add(actor=buyer, project=project, product=product)
    other_item = services.shortlist_add(actor=buyer, project=project, product=other)
    with refused(Conflict, code="search_not_ended"):
        services.project_record_outcome(
            actor=buyer, project=project, outcome=Outcome.AWARDED, reason="Лучший", product=product
        )
    services.project_end_search(actor=buyer, project=project)
    services.shortlist_assess(actor=buyer, item=item, score=90, assessment="Подходит")
    with refused(Conflict, code="not_assessed"):
        services.project_record_outcome(
            actor=buyer, project=project, outcome=Outcome.AWARDED, reason="Лучший", product=product
        )
    services.shortlist_assess(actor=buyer, item=other_item, score=40, assessment="Частично")
    for wrong in (outsider, None):
        with refused(ServiceError, field="product"):
            services.project_record_outcome(
                actor=buyer, project=project, outcome=Outcome.AWARDED, reason="Лучший", product=wrong
            )
    with refused(ServiceError, field="reason"):
        services.project_record_outcome(
            actor=buyer, project=project, outcome=Outcome.AWARDED, reason="  ", product=product
        )
    with refused(ServiceError, field="outcome"):
        services.project_record_outcome(actor=buyer, project=project, outcome="won", reason="Лучший", product=product)
    services.project_record_outcome(
        actor=buyer, project=project, outcome=Outcome.AWARDED, reason="Лучший по оценке", product=product
    )
    stored = BuyingProject.objects.get(pk=project.pk)
    assert (stored.status, stored.outcome, stored.awarded_product, stored.outcome_reason, stored.decided_at) == (
        ProjectStatus.DONE,
        Outcome.AWARDED,
        product,
        "Лучший по оценке",
        T0,
    )
    with refused(Conflict, code="outcome_recorded"):
        services.project_record_outcome(actor=buyer, project=project, outcome=Outcome.CANCELLED, reason="Передумали")


@pytest.mark.parametrize("outcome", [Outcome.NONE_SUITABLE, Outcome.CANCELLED])
def test_no_award_needs_a_reason_and_names_no_product(buyer, agency, product, refused, outcome):
    project = new_project(buyer, agency)
    services.shortlist_add(actor=buyer, project=project, product=product)
    services.project_end_search(actor=buyer, project=project)
    with refused(ServiceError, field="reason"):
        services.project_record_outcome(actor=buyer, project=project, outcome=outcome, reason="")
    services.project_record_outcome(
        actor=buyer, project=project, outcome=outcome, reason="Не подходит", product=product
    )
    stored = BuyingProject.objects.get(pk=project.pk)
    assert (stored.outcome, stored.awarded_product, stored.status) == (outcome, None, ProjectStatus.DONE)
    assert AuditEvent.objects.get(action="project.outcome").after == {
        "outcome": outcome.value,
        "product": None,
        "reason": "Не подходит",
    }


def test_a_search_may_be_cancelled_but_not_found_unsuitable_before_it_ended(buyer, agency, refused):
    project = new_project(buyer, agency)
    with refused(Conflict, code="search_not_ended"):
        services.project_record_outcome(actor=buyer, project=project, outcome=Outcome.NONE_SUITABLE, reason="Нет")
    services.project_record_outcome(actor=buyer, project=project, outcome=Outcome.CANCELLED, reason="Бюджет снят")
    assert BuyingProject.objects.get(pk=project.pk).status == ProjectStatus.DONE


# --- the order in the funnel ------------------------------------------------------------------------


def test_the_order_carries_a_new_initiative_to_adoption(buyer, agency, project, product):
    order = place(buyer, project, "3000000.00")
    initiative = Initiative.objects.get()
    assert order.initiative == initiative
    assert BuyingProject.objects.get(pk=project.pk).initiative == initiative
    assert (initiative.stage, initiative.sponsor, initiative.origin, initiative.topic) == (
        Stage.ADOPTION,
        agency,
        Origin.CATALOG_ORDER,
        "transport",
    )
    assert initiative.origin_id == str(project.pk)
    assert initiative.stage_entered_at == T0
    stays = list(StageStay.objects.filter(initiative=initiative).order_by("pk").values_list("stage", "exited_at"))
    assert stays == [(Stage.IDEA, T0), (Stage.PROTOTYPE, T0), (Stage.PILOT, T0), (Stage.ADOPTION, None)]
    decisions = list(GateDecision.objects.filter(initiative=initiative).order_by("pk"))
    assert [(d.from_stage, d.to_stage) for d in decisions] == [
        (Stage.IDEA, Stage.PROTOTYPE),
        (Stage.PROTOTYPE, Stage.PILOT),
        (Stage.PILOT, Stage.ADOPTION),
    ]
    project_url = django_settings.SITE_URL.rstrip("/") + project.get_absolute_url()
    for decision in decisions:
        assert (decision.status, decision.kind, decision.decided_by) == (
            DecisionStatus.APPROVED,
            MoveKind.FORWARD,
            buyer,
        )
        assert decision.evidence_links == [project_url]
        assert product.name in decision.rationale and "3 000 000.00 ₽" in decision.rationale
        assert "Единственный аккредитованный" in decision.rationale
        assert sorted((goal.target, goal.measured) for goal in decision.goals.all()) == [
            (Decimal("50"), Decimal("80")),  # the accreditation panel's score
            (Decimal("50"), Decimal("85")),  # the buyer's assessment
        ]
    assert OrderEvent.objects.get(order=order).status == OrderStatus.PLACED
    actions = list(AuditEvent.objects.order_by("-sequence").values_list("action", flat=True)[:9])
    assert actions[0] == "order.placed"
    assert actions.count("initiative.moved") == 3 and "initiative.created" in actions


def test_the_projects_initiative_is_moved_instead_of_a_new_one(buyer, agency, product):
    initiative = InitiativeFactory(sponsor=agency, stage=Stage.PILOT)
    project = awarded(buyer, agency, product, initiative=initiative)
    order = place(buyer, project)
    assert order.initiative == initiative
    assert Initiative.objects.count() == 1
    initiative.refresh_from_db()
    assert initiative.stage == Stage.ADOPTION
    decision = GateDecision.objects.get(initiative=initiative)
    assert (decision.from_stage, decision.to_stage) == (Stage.PILOT, Stage.ADOPTION)


def test_an_initiative_of_another_agency_is_refused(buyer, agency, refused):
    theirs = InitiativeFactory(sponsor=AgencyFactory())
    with refused(ServiceError, field="initiative"):
        new_project(buyer, agency, initiative=theirs)


# --- the order's moves --------------------------------------------------------------------------


@pytest.fixture
def order(buyer, project):
    return place(buyer, project)


@pytest.mark.parametrize("start", list(OrderStatus))
def test_who_moves_an_order_where(people, order, refused, start):
    actors = {"supplier": people["supplier_member"], "agency": people["agency_admin"]}
    onlookers = [people["operator"], people["resident"], people["expert"]]
    for target in OrderStatus:
        Order.objects.filter(pk=order.pk).update(status=start)
        side = ORDER_MOVES[start].get(target)
        if side is None:
            for actor in actors.values():
                with refused(Conflict, code="invalid_transition"):
                    services.order_move(actor=actor, order=order, to_status=target, note="Заметка")
            with refused(Forbidden):
                services.order_move(actor=people["resident"], order=order, to_status=target, note="Заметка")
            continue
        other = actors["agency" if side == "supplier" else "supplier"]
        for actor in [other, *onlookers]:
            with refused(Forbidden):
                services.order_move(actor=actor, order=order, to_status=target, note="Заметка")
        if target == OrderStatus.DISPUTED:
            with refused(ServiceError, code="reason_required", field="note"):
                services.order_move(actor=actors[side], order=order, to_status=target, note=" ")
        events = OrderEvent.objects.filter(order=order).count()
        moved = services.order_move(actor=actors[side], order=order, to_status=target, note="Заметка")
        assert Order.objects.get(pk=order.pk).status == target == moved.status
        event = OrderEvent.objects.filter(order=order).latest("id")
        assert OrderEvent.objects.filter(order=order).count() == events + 1
        assert (event.status, event.actor, event.note) == (target, actors[side], "Заметка")
        audit = AuditEvent.objects.filter(action="order.moved").latest("sequence")
        assert (audit.before, audit.after) == ({"status": start.value}, {"status": target.value, "note": "Заметка"})


def test_an_order_from_placement_to_closing(
    people, order, product, agency, run_worker, django_capture_on_commit_callbacks
):
    supplier_user, buyer = people["supplier_member"], people["agency_admin"]
    moves = [
        (supplier_user, OrderStatus.ACCEPTED_BY_SUPPLIER, ""),
        (supplier_user, OrderStatus.DELIVERED, "Подключено"),
        (buyer, OrderStatus.DISPUTED, "Нет отчётов"),
        (supplier_user, OrderStatus.DELIVERED, "Отчёты добавлены"),
        (buyer, OrderStatus.ACCEPTED, ""),
        (buyer, OrderStatus.CLOSED, "Оплачено"),
    ]
    for actor, status, note in moves:
        with django_capture_on_commit_callbacks(execute=True):
            services.order_move(actor=actor, order=order, to_status=status, note=note)
    run_worker()
    timeline = list(OrderEvent.objects.filter(order=order).values_list("status", "note"))
    assert timeline == [(OrderStatus.PLACED, "Годовая подписка")] + [(status, note) for _a, status, note in moves]
    stored = Order.objects.get(pk=order.pk)
    assert stored.status == OrderStatus.CLOSED and stored.was_accepted
    use = ProductUse.objects.get()
    assert (use.product, use.agency, use.kind, use.order, use.initiative) == (
        product,
        agency,
        UseKind.ORDER,
        stored,
        stored.initiative,
    )
    # Each side hears of the other's moves: the buyer of three, the supplier of three.
    changed = Notification.objects.filter(kind=kinds.ORDER_CHANGED.key)
    assert changed.filter(recipient=buyer).count() == 3
    assert changed.filter(recipient=supplier_user).count() == 3
    assert changed.filter(recipient=people["supplier_admin"]).count() == 3
    # The accepted order entitles the agency to review the product.
    services.agency_review_add(actor=buyer, product=product, agency=agency, stars=5, text="Работает без сбоев")
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "audit log intact" in out.getvalue()


def test_an_order_closed_without_delivery_entitles_no_review(people, order, product, agency):
    buyer = people["agency_admin"]
    services.order_move(actor=buyer, order=order, to_status=OrderStatus.CLOSED, note="Отменён")
    assert not ProductUse.objects.exists()
    with pytest.raises(Conflict) as refusal:
        services.agency_review_add(actor=buyer, product=product, agency=agency, stars=1, text="Не поставили")
    assert refusal.value.code == "not_used"


def test_a_delivered_order_not_yet_accepted_entitles_no_review(people, order, product, agency, refused):
    supplier_user, buyer = people["supplier_member"], people["agency_admin"]
    services.order_move(actor=supplier_user, order=order, to_status=OrderStatus.ACCEPTED_BY_SUPPLIER)
    services.order_move(actor=supplier_user, order=order, to_status=OrderStatus.DELIVERED)
    with refused(Conflict, code="not_used"):
        services.agency_review_add(actor=buyer, product=product, agency=agency, stars=5, text="Пока не приняли")
    services.order_move(actor=buyer, order=order, to_status=OrderStatus.DISPUTED, note="Нет отчётов")
    with refused(Conflict, code="not_used"):
        services.agency_review_add(actor=buyer, product=product, agency=agency, stars=1, text="Спор")
    assert not selectors.may_review(product=product, agency=agency)


def test_another_member_of_the_agency_moves_its_order(people, order):
    colleague = UserFactory()
    MembershipFactory(user=colleague, organization=order.agency)
    services.order_move(actor=people["supplier_admin"], order=order, to_status=OrderStatus.ACCEPTED_BY_SUPPLIER)
    services.order_move(actor=people["supplier_member"], order=order, to_status=OrderStatus.DELIVERED)
    services.order_move(actor=colleague, order=order, to_status=OrderStatus.ACCEPTED)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ACCEPTED


def test_an_unknown_status_is_no_move(people, order, refused):
    with refused(Conflict, code="invalid_transition") as refusal:
        services.order_move(actor=people["agency_admin"], order=order, to_status="paid")
    assert "paid" in str(refusal.value.message)


def test_a_whole_direct_award_is_audited(people, buyer, agency, product):
    start = AuditEvent.objects.order_by("-sequence").first().sequence
    project = awarded(buyer, agency, product)
    place(buyer, project)
    actions = list(AuditEvent.objects.filter(sequence__gt=start).order_by("sequence").values_list("action", flat=True))
    assert actions[:5] == [
        "project.created",
        "project.shortlisted",
        "project.search_ended",
        "project.assessed",
        "project.outcome",
    ]
    assert actions[-1] == "order.placed"
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "audit log intact" in out.getvalue()
