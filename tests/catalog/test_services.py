"""The catalog's write services on their own: products, accreditation (cycles, applications, the
expert panel with its conflict declarations, the decision and its term, expiry from the clock,
re-application) and agency reviews with the rating. A refusal changes nothing and queues nothing;
a success writes its audit event, and the audit chain stays intact.

Eligibility is in test_eligibility.py, reminders in test_reminders.py, direct award in
test_direct_award.py, who may call what in test_roles.py, the search in test_search.py."""

import datetime as dt
import struct
import zlib
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.http import Http404

from govtech.catalog import access, rating, selectors, services
from govtech.catalog import notification_kinds as kinds
from govtech.catalog.models import (
    AccreditationState,
    AgencyReview,
    Application,
    ApplicationStatus,
    Criterion,
    FileKind,
    IntakeCycle,
    Product,
    ProductFile,
    ProductReference,
    ProductStatus,
    ProductUse,
    Review,
    ReviewScore,
    UseKind,
)
from govtech.challenges.models import Declaration
from govtech.core.errors import Conflict, ServiceError
from govtech.core.models import AuditEvent
from govtech.core.stemming import stems
from govtech.funnel.states import Stage
from govtech.notifications.models import Notification
from tests.catalog.conftest import CLOCK_START
from tests.catalog.factories import IntakeCycleFactory, ProductFactory, accredit, expert
from tests.factories import AgencyFactory, MembershipFactory, SupplierFactory, UserFactory
from tests.funnel.factories import InitiativeFactory

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 12:00 in Moscow.
T0 = CLOCK_START
MOSCOW = dt.timezone(dt.timedelta(hours=3))
SCORES = {"technology": 8, "business": 7, "security": 9}  # 40·0.8 + 30·0.7 + 30·0.9 = 80


def noon(day: dt.date) -> dt.datetime:
    """Midday in Moscow on that day."""
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=MOSCOW)


@pytest.fixture
def product(eligible):
    return ProductFactory(supplier=eligible, name="Диспетчер заявок ЖКХ")


def catalog_state() -> tuple:
    """What any catalog service may change, plus the audit log and the task queue."""
    from django_tasks_db.models import DBTaskResult

    return (
        list(Product.objects.order_by("pk").values()),
        list(Application.objects.order_by("pk").values()),
        list(Review.objects.order_by("pk").values()),
        list(ReviewScore.objects.order_by("pk").values()),
        list(Criterion.objects.order_by("pk").values()),
        list(IntakeCycle.objects.order_by("pk").values()),
        ProductFile.objects.count(),
        ProductReference.objects.count(),
        ProductUse.objects.count(),
        AgencyReview.objects.count(),
        AuditEvent.objects.count(),
        DBTaskResult.objects.count(),
        Notification.objects.count(),
    )


@pytest.fixture
def refused(refused_checker):
    return refused_checker(catalog_state)


def actions_since(start: int) -> list[str]:
    return list(AuditEvent.objects.filter(sequence__gt=start).order_by("sequence").values_list("action", flat=True))


def last_sequence() -> int:
    event = AuditEvent.objects.order_by("-sequence").first()
    return event.sequence if event else 0


def submit(product, *, actor, cycle=None):
    return services.application_submit(
        actor=actor, product=product, cycle=cycle or IntakeCycleFactory(), statement="Внедрено в двух округах."
    )


def hand_in(application, experts, scores_by_expert, operator):
    """Assign each expert, declare no conflict and hand in their scores."""
    for person, scores in zip(experts, scores_by_expert, strict=True):
        review = services.review_assign(actor=operator, application=application, expert=person)
        services.review_declare(actor=person, review=review, has_conflict=False)
        services.review_save(actor=person, review=review, scores=scores, complete=True)


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


TINY_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# --- products ----------------------------------------------------------------------------------

PRODUCT = {
    "name": "Электробусы: мониторинг зарядки",
    "summary": "Мониторинг зарядных станций",
    "description": "Прогноз загрузки станций.",
    "category": "transport",
    "trl": 8,
    "pricing_model": "subscription",
    "price_from": "1 200 000,50",
    "deployment": "saas",
    "data_location": "russia",
    "languages": ["ru", "en", "ru"],
}


def test_a_supplier_describes_a_product_as_a_draft(people, supplier):
    start = last_sequence()
    product = services.product_create(actor=people["supplier_member"], supplier=supplier, **PRODUCT)
    stored = Product.objects.get(pk=product.pk)
    assert stored.status == ProductStatus.DRAFT and stored.published_at is None
    assert stored.price_from == Decimal("1200000.50")
    assert stored.languages == ["ru", "en"]
    assert stored.created_by == people["supplier_member"]
    assert stored.slug and stored.slug not in services.RESERVED_SLUGS
    for root in stems("электробусы зарядных станций") + stems(supplier.name):
        assert f" {root} " in stored.search_stems
    assert stored.accreditation_state() == AccreditationState.NONE
    assert actions_since(start) == ["product.created"]
    assert AuditEvent.objects.get(action="product.created").after["name"] == PRODUCT["name"]


def test_reserved_addresses_are_never_a_products_slug(people, supplier):
    for name in ("new", "compare", "registry"):
        product = services.product_create(
            actor=people["supplier_member"], supplier=supplier, **{**PRODUCT, "name": name}
        )
        assert product.slug != name and product.slug.startswith(name)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"price_from": "100.001"}, "price_from"),
        ({"price_from": "сто тысяч"}, "price_from"),
        ({"price_from": "-5"}, "price_from"),
        ({"price_from": "1e30"}, "price_from"),
        ({"price_from": "NaN"}, "price_from"),
        ({"trl": 0}, "trl"),
        ({"trl": 10}, "trl"),
        ({"category": "space"}, "category"),
        ({"deployment": "mainframe"}, "deployment"),
        ({"languages": ["ru", "xx"]}, "languages"),
        ({"languages": "ru"}, "languages"),
        ({"name": "   "}, "name"),
        ({"website": "javascript:alert(1)"}, "website"),
    ],
)
def test_bad_product_fields_are_refused_with_the_field(people, supplier, refused, fields, field):
    with refused(ServiceError, field=field):
        services.product_create(actor=people["supplier_member"], supplier=supplier, **{**PRODUCT, **fields})


def test_unknown_fields_and_non_suppliers_are_refused(people, supplier, agency, refused):
    with refused(ServiceError):
        services.product_create(actor=people["supplier_member"], supplier=supplier, **PRODUCT, rating="5")
    with refused(ServiceError, field="supplier"):
        services.product_create(actor=people["operator"], supplier=agency, **PRODUCT)


def test_price_on_request_is_empty(people, supplier):
    product = services.product_create(
        actor=people["supplier_member"], supplier=supplier, **{**PRODUCT, "price_from": ""}
    )
    assert Product.objects.get(pk=product.pk).price_from is None
    assert product.price_band == "on_request"


def test_an_update_is_searchable_under_its_new_words(people, supplier):
    product = ProductFactory(supplier=supplier, name="Учёт парковок")
    assert list(selectors.search_products(selectors.CatalogQuery(q="парковок"))) == [product]
    start = last_sequence()
    services.product_update(actor=people["supplier_admin"], product=product, name="Освещение дворов", price_from=None)
    found = selectors.search_products(selectors.CatalogQuery(q="освещения"))
    assert list(found) == [product]
    assert not selectors.search_products(selectors.CatalogQuery(q="парковок")).exists()
    event = AuditEvent.objects.get(sequence=start + 1)
    assert event.action == "product.updated"
    assert event.before["name"] == "Учёт парковок" and event.after["name"] == "Освещение дворов"
    assert event.after["price_from"] is None


def test_publishing_and_archiving_happen_once(people, supplier, refused):
    actor = people["supplier_member"]
    product = services.product_create(actor=actor, supplier=supplier, **PRODUCT)
    with time_machine.travel(T0, tick=False):
        services.product_publish(actor=actor, product=product)
    with refused(Conflict, code="already_published"):
        services.product_publish(actor=actor, product=product)
    services.product_archive(actor=actor, product=product)
    with refused(Conflict, code="already_archived"):
        services.product_archive(actor=actor, product=product)
    services.product_publish(actor=actor, product=product)
    stored = Product.objects.get(pk=product.pk)
    assert stored.status == ProductStatus.PUBLISHED
    assert stored.published_at == T0  # the first publication keeps its date
    actions = list(AuditEvent.objects.filter(object_id=str(product.pk)).values_list("action", flat=True))
    assert actions == ["product.created", "product.published", "product.archived", "product.published"]


def test_references_name_a_customer_or_an_agency(people, product, agency, refused):
    actor = people["supplier_member"]
    with refused(ServiceError, field="customer"):
        services.reference_add(actor=actor, product=product, kind="customer", customer="  ")
    with refused(ServiceError, field="agency"):
        services.reference_add(actor=actor, product=product, kind="pilot", agency=SupplierFactory())
    with refused(ServiceError, field="year"):
        services.reference_add(actor=actor, product=product, kind="pilot", customer="Казань", year=1900)
    reference = services.reference_add(actor=actor, product=product, kind="pilot", agency=agency, year=2025)
    assert reference.agency == agency
    services.reference_remove(actor=actor, reference=reference)
    assert not ProductReference.objects.exists()
    assert AuditEvent.objects.filter(action__in=["product.reference_added", "product.reference_removed"]).count() == 2


def test_files_are_checked_by_content(people, product, refused, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    actor = people["supplier_member"]
    shot = services.product_file_add(
        actor=actor,
        product=product,
        kind=FileKind.SCREENSHOT,
        title="Главный экран",
        upload=SimpleUploadedFile("screen.png", tiny_png(), content_type="image/png"),
    )
    document = services.product_file_add(
        actor=actor,
        product=product,
        kind=FileKind.DOCUMENT,
        title="",
        upload=SimpleUploadedFile("spec.pdf", TINY_PDF, content_type="application/pdf"),
    )
    assert document.title == "spec.pdf"
    assert shot.file.name.startswith("private/catalog/") and shot.file.name.endswith(".png")
    with refused(ServiceError, field="file"):  # a PDF named as an image is no screenshot
        services.product_file_add(
            actor=actor,
            product=product,
            kind=FileKind.SCREENSHOT,
            title="Не картинка",
            upload=SimpleUploadedFile("screen.png", TINY_PDF, content_type="image/png"),
        )
    with refused(ServiceError, field="file"):
        services.product_file_add(
            actor=actor,
            product=product,
            kind=FileKind.SCREENSHOT,
            title="Документ",
            upload=SimpleUploadedFile("spec.pdf", TINY_PDF, content_type="application/pdf"),
        )
    with refused(ServiceError, field="kind"):
        services.product_file_add(
            actor=actor, product=product, kind="video", title="", upload=SimpleUploadedFile("a.pdf", TINY_PDF)
        )
    with refused(ServiceError, field="file"):
        services.product_file_add(actor=actor, product=product, kind=FileKind.DOCUMENT, title="", upload=None)
    stored_at = tmp_path / shot.file.name
    assert stored_at.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.product_file_remove(actor=actor, item=shot)
    assert list(ProductFile.objects.all()) == [document]
    assert not stored_at.exists()  # removed from storage once the deletion is committed


# --- intake cycles and criteria ----------------------------------------------------------------


def test_a_cycle_closes_after_it_opens_and_takes_the_settings_term(people, clock, settings, refused):
    settings.GOVTECH_CATALOG_ACCREDITATION_MONTHS = 24
    operator = people["operator"]
    with refused(ServiceError, field="closes_at"):
        services.cycle_create(actor=operator, name="Отбор", opens_at=T0, closes_at=T0)
    with refused(ServiceError, field="min_experts"):
        services.cycle_create(
            actor=operator, name="Отбор", opens_at=T0, closes_at=T0 + dt.timedelta(days=1), min_experts=0
        )
    with refused(ServiceError):
        services.cycle_create(actor=operator, name="Отбор", opens_at=T0, closes_at=T0 + dt.timedelta(days=1), quota=5)
    cycle = services.cycle_create(actor=operator, name="Отбор", opens_at=T0, closes_at=T0 + dt.timedelta(days=90))
    assert cycle.accreditation_months == 24 and cycle.min_experts == 2
    with refused(ServiceError, field="closes_at"):
        services.cycle_update(actor=operator, cycle=cycle, closes_at=T0 - dt.timedelta(days=1))
    services.cycle_update(actor=operator, cycle=cycle, accreditation_months=12, min_experts=3)
    stored = IntakeCycle.objects.get(pk=cycle.pk)
    assert (stored.accreditation_months, stored.min_experts) == (12, 3)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["cycle.created", "cycle.updated"]


@pytest.mark.parametrize(
    "criteria, code",
    [
        ({"technology": [40, 10], "business": [30, 10], "security": [31, 10]}, "weights_not_100"),
        ({"technology": [40, 10], "business": [30, 10], "security": [29, 10]}, "weights_not_100"),
        ({"technology": [70, 10], "business": [30, 10]}, "invalid"),
        ({"technology": [40, 10], "business": [30, 10], "security": [30, 10], "design": [0, 10]}, "invalid"),
        ({"technology": [40, 10], "business": [30, 10], "security": ["тридцать", 10]}, "invalid"),
        ({"technology": [40, 10], "business": [30, 10], "security": [30]}, "invalid"),
        ({"technology": [100, 10], "business": [0, 10], "security": [0, 10]}, "invalid"),
        ({"technology": [40, 0], "business": [30, 10], "security": [30, 10]}, "invalid"),
        ([["technology", 100, 10]], "invalid"),
    ],
)
def test_criteria_weights_add_up_to_100(people, refused, criteria, code):
    with refused(ServiceError, code=code, field="criteria"):
        services.criteria_set(actor=people["operator"], criteria=criteria)


def test_criteria_are_set_with_their_scales(people):
    services.criteria_set(
        actor=people["operator"], criteria={"technology": [50, 8], "business": ["20", 10], "security": [30, 10]}
    )
    assert {c.key: (c.weight, c.scale_max) for c in Criterion.objects.all()} == {
        "technology": (50, 8),
        "business": (20, 10),
        "security": (30, 10),
    }
    event = AuditEvent.objects.get(action="criteria.updated")
    assert event.before["technology"] == [40, 10] and event.after["technology"] == [50, 8]


# --- applying --------------------------------------------------------------------------------


def test_an_application_is_received_and_operators_are_told(people, clock, product, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(product, actor=people["supplier_member"])
    stored = Application.objects.get(pk=application.pk)
    assert stored.status == ApplicationStatus.SUBMITTED and stored.submitted_at == T0
    assert stored.submitted_by == people["supplier_member"]
    product.refresh_from_db()
    assert product.has_open_application
    assert product.accreditation_state() == AccreditationState.IN_REVIEW
    from django_tasks_db.models import DBTaskResult

    task = DBTaskResult.objects.get()
    assert task.args_kwargs["kwargs"]["kind"] == kinds.APPLICATION_RECEIVED.key
    assert task.args_kwargs["kwargs"]["recipient_ids"] == [people["operator"].pk]


def test_only_a_published_product_applies(people, clock, eligible, refused):
    draft = ProductFactory(supplier=eligible, status=ProductStatus.DRAFT)
    cycle = IntakeCycleFactory()
    with refused(Conflict, code="not_published"):
        submit(draft, actor=people["supplier_member"], cycle=cycle)


@pytest.mark.parametrize(
    "opens, closes, allowed",
    [
        (dt.timedelta(seconds=1), dt.timedelta(days=30), False),  # opens in a second
        (dt.timedelta(0), dt.timedelta(days=30), True),  # opens now
        (-dt.timedelta(days=30), dt.timedelta(seconds=1), True),  # closes in a second
        (-dt.timedelta(days=30), dt.timedelta(0), False),  # closes now
        (-dt.timedelta(days=30), -dt.timedelta(days=1), False),
    ],
)
def test_an_application_only_in_an_open_cycle(people, clock, product, refused, opens, closes, allowed):
    cycle = IntakeCycleFactory(opens_at=T0 + opens, closes_at=T0 + closes)
    if allowed:
        assert submit(product, actor=people["supplier_member"], cycle=cycle).status == ApplicationStatus.SUBMITTED
    else:
        with refused(Conflict, code="cycle_closed"):
            submit(product, actor=people["supplier_member"], cycle=cycle)


def test_one_open_application_per_product_and_one_per_cycle(people, clock, product, refused):
    actor = people["supplier_member"]
    first_cycle, second_cycle = IntakeCycleFactory(), IntakeCycleFactory()
    application = submit(product, actor=actor, cycle=first_cycle)
    with refused(Conflict, code="already_applied"):
        submit(product, actor=actor, cycle=second_cycle)
    with refused(ServiceError, field="statement"):
        services.application_submit(actor=actor, product=product, cycle=second_cycle, statement="  ")
    services.application_withdraw(actor=actor, application=application)
    product.refresh_from_db()
    assert not product.has_open_application
    assert product.accreditation_state() == AccreditationState.NONE
    with refused(Conflict, code="already_applied"):
        submit(product, actor=actor, cycle=first_cycle)
    with refused(Conflict, code="application_closed"):
        services.application_withdraw(actor=actor, application=application)
    assert submit(product, actor=actor, cycle=second_cycle).cycle == second_cycle


def test_the_database_allows_one_open_application_per_product(people, clock, product):
    application = submit(product, actor=people["supplier_member"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            product=product, cycle=IntakeCycleFactory(), statement="Ещё раз", submitted_by=people["supplier_member"]
        )
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.DECLINED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            product=product, cycle=application.cycle, statement="Ещё раз", submitted_by=people["supplier_member"]
        )


# --- the expert panel ----------------------------------------------------------------------------


def test_the_expert_declares_before_scoring_and_a_conflict_needs_a_note(people, clock, product, refused):
    application = submit(product, actor=people["supplier_member"])
    person = expert()
    review = services.review_assign(actor=people["operator"], application=application, expert=person)
    with refused(Conflict, code="not_declared"):
        services.review_save(actor=person, review=review, scores=SCORES)
    with refused(ServiceError, field="note"):
        services.review_declare(actor=person, review=review, has_conflict=True, note=" ")
    services.review_declare(actor=person, review=review, has_conflict=False)
    with refused(Conflict, code="already_declared"):
        services.review_declare(actor=person, review=review, has_conflict=True, note="Работал у поставщика")
    stored = Review.objects.get(pk=review.pk)
    assert stored.conflict == Declaration.NONE and stored.declared_at == T0
    assert access.access_application(actor=person, pk=application.pk) == application


def test_who_can_be_asked_to_review(people, clock, product, refused):
    application = submit(product, actor=people["supplier_member"])
    operator = people["operator"]
    insider = expert()
    MembershipFactory(user=insider, organization=product.supplier)
    with refused(ServiceError, field="expert"):
        services.review_assign(actor=operator, application=application, expert=insider)
    with refused(ServiceError, field="expert"):
        services.review_assign(actor=operator, application=application, expert=people["resident"])
    with refused(ServiceError, field="expert"):
        services.review_assign(actor=operator, application=application, expert=expert(is_active=False))
    person = expert()
    services.review_assign(actor=operator, application=application, expert=person)
    with refused(Conflict, code="already_assigned"):
        services.review_assign(actor=operator, application=application, expert=person)
    services.application_decide(actor=operator, application=application, accredit=False, reason="Нет пилотов")
    with refused(Conflict, code="application_closed"):
        services.review_assign(actor=operator, application=application, expert=expert())
    with refused(Conflict, code="application_closed"):
        services.reviews_assign(actor=operator, application=application)


def test_the_panel_is_filled_with_the_least_loaded_experts_never_the_suppliers(people, clock, product, eligible):
    operator = people["operator"]
    # people["expert"] has one open review elsewhere; "busy" has two; "insider" works for the supplier.
    other = ProductFactory()
    other_application = Application.objects.create(
        product=other, cycle=IntakeCycleFactory(), statement="Да", submitted_by=people["resident"]
    )
    busy, free = expert(), expert()
    for person in (people["expert"], busy):
        Review.objects.create(application=other_application, expert=person)
    Review.objects.create(
        application=Application.objects.create(
            product=ProductFactory(), cycle=IntakeCycleFactory(), statement="Да", submitted_by=people["resident"]
        ),
        expert=busy,
    )
    insider = expert()
    MembershipFactory(user=insider, organization=eligible)
    application = submit(product, actor=people["supplier_member"])
    assert services.reviews_assign(actor=operator, application=application) == 2
    assert set(application.reviews.values_list("expert", flat=True)) == {free.pk, people["expert"].pk}
    assert services.reviews_assign(actor=operator, application=application) == 0
    assert AuditEvent.objects.filter(action="review.assigned").count() == 2


def test_reviews_left_on_closed_applications_are_no_load(people, clock, product):
    """An expert whose unfinished reviews belong to withdrawn or decided applications is free."""
    operator = people["operator"]
    idle, working = expert(), expert()
    for status in (ApplicationStatus.WITHDRAWN, ApplicationStatus.DECLINED):
        closed = Application.objects.create(
            product=ProductFactory(),
            cycle=IntakeCycleFactory(),
            statement="Да",
            submitted_by=people["resident"],
            status=status,
        )
        Review.objects.create(application=closed, expert=idle, conflict=Declaration.NONE)
    open_elsewhere = Application.objects.create(
        product=ProductFactory(), cycle=IntakeCycleFactory(), statement="Да", submitted_by=people["resident"]
    )
    Review.objects.create(application=open_elsewhere, expert=working)
    Review.objects.create(application=open_elsewhere, expert=people["expert"])
    application = submit(product, actor=people["supplier_member"], cycle=IntakeCycleFactory(min_experts=1))
    assert services.reviews_assign(actor=operator, application=application) == 1
    assert application.reviews.get().expert == idle


def test_a_recused_expert_is_replaced_by_the_least_loaded_and_loses_access(
    people, clock, product, eligible, django_capture_on_commit_callbacks
):
    operator = people["operator"]
    recusing, staying, spare, insider = expert(), expert(), expert(), expert()
    MembershipFactory(user=insider, organization=eligible)
    Review.objects.create(
        application=Application.objects.create(
            product=ProductFactory(), cycle=IntakeCycleFactory(), statement="Да", submitted_by=people["resident"]
        ),
        expert=people["expert"],
    )
    application = submit(product, actor=people["supplier_member"])
    for person in (recusing, staying):
        services.review_assign(actor=operator, application=application, expert=person)
    review = application.reviews.get(expert=recusing)
    assert access.access_review(actor=recusing, pk=review.pk) == review
    with django_capture_on_commit_callbacks() as callbacks:
        services.review_declare(actor=recusing, review=review, has_conflict=True, note="Консультировал поставщика")
    assert len(callbacks) == 1  # the new expert is told
    assert Review.objects.get(pk=review.pk).conflict == Declaration.RECUSED
    replacement = application.reviews.exclude(expert__in=[recusing, staying]).get()
    assert replacement.expert == spare
    assert replacement.conflict == Declaration.UNDECLARED
    for look in (access.access_review, access.access_application):
        with pytest.raises(Http404):
            look(actor=recusing, pk=review.pk if look is access.access_review else application.pk)
    assert review not in selectors.expert_reviews(recusing)
    assert actions_since(0)[-2:] == ["review.declared", "review.assigned"]
    # The panel still counts two experts who have not recused themselves.
    assert services.reviews_assign(actor=operator, application=application) == 0


def test_operators_are_told_when_no_expert_is_left(
    people, clock, product, eligible, run_worker, django_capture_on_commit_callbacks
):
    operator = people["operator"]
    second_operator = UserFactory(is_operator=True)
    insider = people["expert"]
    MembershipFactory(user=insider, organization=eligible)  # the only other expert is the supplier's
    recusing = expert()
    application = submit(product, actor=people["supplier_member"], cycle=IntakeCycleFactory(min_experts=1))
    review = services.review_assign(actor=operator, application=application, expert=recusing)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.review_declare(actor=recusing, review=review, has_conflict=True, note="Родственник в компании")
    run_worker()
    assert application.reviews.count() == 1
    told = Notification.objects.filter(kind=kinds.NO_EXPERT_LEFT.key)
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted([operator.pk, second_operator.pk])
    assert told.first().params == {"product": product.name}
    # A new expert joins: the operator fills the panel again.
    newcomer = expert()
    assert services.reviews_assign(actor=operator, application=application) == 1
    assert application.reviews.filter(expert=newcomer).exists()


@pytest.mark.parametrize(
    "scores",
    [
        {"technology": 11},
        {"technology": -1},
        {"technology": "восемь"},
        {"technology": 7.5},
        {"technology": True},
        {"technology": [8, "ok", "extra"]},
        {"technology": []},
        {"design": 5},
        {"²": 5},
        {"technology": "²"},
        [8, 7, 9],
    ],
)
def test_scores_are_whole_numbers_within_the_scale(people, clock, product, refused, scores):
    application = submit(product, actor=people["supplier_member"])
    person = expert()
    review = services.review_assign(actor=people["operator"], application=application, expert=person)
    services.review_declare(actor=person, review=review, has_conflict=False)
    with refused(ServiceError, field="scores"):
        services.review_save(actor=person, review=review, scores=scores)


def test_a_review_is_saved_in_parts_handed_in_complete_and_then_final(people, clock, product, refused):
    application = submit(product, actor=people["supplier_member"])
    person = expert()
    review = services.review_assign(actor=people["operator"], application=application, expert=person)
    services.review_declare(actor=person, review=review, has_conflict=False)
    technology = Criterion.objects.get(key="technology")
    services.review_save(
        actor=person, review=review, scores={str(technology.pk): [0, "Нет документации API"], "business": 10}
    )
    with refused(ServiceError, code="incomplete"):
        services.review_save(actor=person, review=review, scores={"business": 9}, complete=True)
    assert Review.objects.get(pk=review.pk).completed_at is None
    services.review_save(actor=person, review=review, scores={"security": "7", "business": ""}, summary="Годится")
    services.review_save(actor=person, review=review, scores={}, complete=True)
    stored = Review.objects.get(pk=review.pk)
    assert stored.completed_at == T0 and stored.summary == "Годится"
    assert {s.criterion.key: (s.value, s.comment) for s in stored.scores.all()} == {
        "technology": (0, "Нет документации API"),
        "business": (10, ""),
        "security": (7, ""),
    }
    with refused(Conflict, code="already_completed"):
        services.review_save(actor=person, review=review, scores={"technology": 10})
    events = AuditEvent.objects.filter(action="review.scored").order_by("sequence")
    assert [event.after["complete"] for event in events] == [False, False, True]


# --- the decision --------------------------------------------------------------------------------


def test_accrediting_needs_the_cycles_number_of_handed_in_reviews(people, clock, product, refused):
    operator = people["operator"]
    application = submit(product, actor=people["supplier_member"])
    first, second, recused = expert(), expert(), expert()
    hand_in(application, [first], [SCORES], operator)
    review = services.review_assign(actor=operator, application=application, expert=second)
    services.review_declare(actor=second, review=review, has_conflict=False)
    services.review_save(actor=second, review=review, scores=SCORES)  # not handed in
    gone = services.review_assign(actor=operator, application=application, expert=recused)
    ReviewScore.objects.bulk_create(
        ReviewScore(review=gone, criterion=criterion, value=10) for criterion in Criterion.objects.all()
    )
    Review.objects.filter(pk=gone.pk).update(conflict=Declaration.RECUSED, completed_at=T0)
    with refused(Conflict, code="reviews_missing") as refusal:
        services.application_decide(actor=operator, application=application, accredit=True)
    assert "1" in str(refusal.value.message) and "2" in str(refusal.value.message)
    services.review_save(actor=second, review=review, scores={}, complete=True)
    decided = services.application_decide(actor=operator, application=application, accredit=True)
    assert decided.status == ApplicationStatus.ACCREDITED
    assert decided.expert_score == Decimal("80.00")  # the recused expert's 100 does not count


def test_the_expert_score_is_the_mean_of_weighted_totals(people, clock, product):
    operator = people["operator"]
    services.criteria_set(actor=operator, criteria={"technology": [50, 10], "business": [20, 5], "security": [30, 4]})
    application = submit(product, actor=people["supplier_member"])
    hand_in(
        application,
        [expert(), expert()],
        [
            {"technology": 7, "business": 3, "security": 4},  # 35 + 12 + 30 = 77.00
            {"technology": 9, "business": 2, "security": 1},  # 45 + 8 + 7.5 = 60.50
        ],
        operator,
    )
    score, totals = services.application_score(application)
    assert sorted(totals) == [Decimal("60.50"), Decimal("77.00")]
    assert score == Decimal("68.75")
    services.application_decide(actor=operator, application=application, accredit=True)
    product.refresh_from_db()
    assert product.expert_score == Decimal("68.75")
    assert product.rating == Decimal("3.75")  # 1 + 4 × 0.6875, no agency review yet
    event = AuditEvent.objects.get(action="application.decided")
    assert event.after["expert_score"] == "68.75"


def test_the_panel_mean_rounds_half_up_as_the_challenges_do(people, clock, product):
    operator = people["operator"]
    services.criteria_set(actor=operator, criteria={"technology": [50, 8], "business": [20, 10], "security": [30, 10]})
    application = submit(product, actor=people["supplier_member"])
    hand_in(
        application,
        [expert(), expert()],
        [
            {"technology": 1, "business": 10, "security": 10},  # 6.25 + 20 + 30 = 56.25
            {"technology": 0, "business": 10, "security": 10},  # 50.00
        ],
        operator,
    )
    assert services.application_score(application)[0] == Decimal("53.13")  # 53.125


def test_a_decline_needs_a_reason_and_a_later_cycle_is_open_again(people, clock, product, refused):
    operator = people["operator"]
    cycle = IntakeCycleFactory()
    application = submit(product, actor=people["supplier_member"], cycle=cycle)
    with refused(ServiceError, code="reason_required"):
        services.application_decide(actor=operator, application=application, accredit=False, reason="  ")
    declined = services.application_decide(
        actor=operator, application=application, accredit=False, reason="Нет подтверждённых внедрений"
    )
    stored = Application.objects.get(pk=declined.pk)
    assert stored.status == ApplicationStatus.DECLINED
    assert (stored.decision_reason, stored.decided_by, stored.decided_at) == (
        "Нет подтверждённых внедрений",
        operator,
        T0,
    )
    assert stored.accredited_until is None
    product.refresh_from_db()
    assert product.accreditation_state() == AccreditationState.NONE and product.accredited_until is None
    with refused(Conflict, code="application_closed"):
        services.application_decide(actor=operator, application=application, accredit=False, reason="Снова")
    with refused(Conflict, code="already_applied"):
        submit(product, actor=people["supplier_member"], cycle=cycle)
    assert submit(product, actor=people["supplier_member"]).status == ApplicationStatus.SUBMITTED


@pytest.mark.parametrize(
    "day, months, until",
    [
        (dt.date(2026, 3, 2), 18, dt.date(2027, 9, 2)),
        (dt.date(2026, 8, 31), 18, dt.date(2028, 2, 29)),  # into a leap February
        (dt.date(2025, 8, 31), 18, dt.date(2027, 2, 28)),
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2026, 3, 31), 1, dt.date(2026, 4, 30)),
        (dt.date(2026, 5, 31), 6, dt.date(2026, 11, 30)),
        (dt.date(2026, 12, 31), 12, dt.date(2027, 12, 31)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
        (dt.date(2028, 2, 29), 12, dt.date(2029, 2, 28)),
        (dt.date(2028, 2, 29), 48, dt.date(2032, 2, 29)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 1, 1), 60, dt.date(2031, 1, 1)),
    ],
)
def test_add_months_keeps_the_day_or_the_end_of_a_shorter_month(day, months, until):
    assert services.add_months(day, months) == until


def test_accredited_until_is_the_decision_day_in_the_city_plus_the_cycles_term(people, product):
    # 31 August 2026, 22:30 UTC is already 1 September in Moscow.
    with time_machine.travel(dt.datetime(2026, 8, 31, 22, 30, tzinfo=dt.UTC), tick=False):
        application = accredit(
            product,
            operator=people["operator"],
            supplier_user=people["supplier_member"],
            cycle=IntakeCycleFactory(accreditation_months=12),
        )
    assert application.accredited_until == dt.date(2027, 9, 1)
    product.refresh_from_db()
    assert product.accredited_until == dt.date(2027, 9, 1)


def test_a_month_end_decision(people, eligible):
    product = ProductFactory(supplier=eligible)
    with time_machine.travel(noon(dt.date(2026, 8, 31)), tick=False):
        application = accredit(product, operator=people["operator"], supplier_user=people["supplier_member"])
    assert application.accredited_until == dt.date(2028, 2, 29)


def test_expiry_follows_the_clock_and_a_renewal_opens_90_days_before(people, clock, product, refused, agency):
    operator, actor = people["operator"], people["supplier_member"]
    accredit(product, operator=operator, supplier_user=actor)
    until = dt.date(2027, 9, 2)
    product.refresh_from_db()
    assert product.accredited_until == until and product.is_accredited

    clock.move_to(noon(until - dt.timedelta(days=91)))
    cycle = IntakeCycleFactory()
    with refused(Conflict, code="still_accredited") as refusal:
        submit(product, actor=actor, cycle=cycle)
    assert "90" in str(refusal.value.message)

    clock.move_to(noon(until))
    product.refresh_from_db()
    assert product.accreditation_state() == AccreditationState.ACCREDITED
    clock.move_to(dt.datetime.combine(until + dt.timedelta(days=1), dt.time(0, 0), tzinfo=MOSCOW))
    product.refresh_from_db()
    assert product.accreditation_state() == AccreditationState.EXPIRED
    assert not product.is_accredited
    # Nothing ran: the stored row is as the decision left it; the state follows from the date.
    assert Product.objects.get(pk=product.pk).accredited_until == until
    facets = selectors.facet_counts(selectors.CatalogQuery())
    assert {f.value: f.count for f in facets["accreditation"]} == {"expired": 1}
    assert list(selectors.registry(state="expired")) == [product]
    assert not selectors.registry(state="accredited").exists()
    assert list(selectors.search_products(selectors.CatalogQuery(accreditation=["expired"]))) == [product]


def test_a_renewal_continues_from_the_current_end(people, clock, product, refused):
    operator, actor = people["operator"], people["supplier_member"]
    accredit(product, operator=operator, supplier_user=actor)
    until = dt.date(2027, 9, 2)
    clock.move_to(noon(until - dt.timedelta(days=90)))
    renewal = submit(product, actor=actor)
    product.refresh_from_db()
    # Under review again, but still accredited until the old date.
    assert product.accreditation_state() == AccreditationState.ACCREDITED
    hand_in(renewal, [expert(), expert()], [SCORES, {"technology": 10, "business": 10, "security": 10}], operator)
    services.application_decide(actor=operator, application=renewal, accredit=True)
    product.refresh_from_db()
    assert product.accredited_until == dt.date(2029, 3, 2)  # 18 months after the old end, no day lost
    assert product.expert_score == Decimal("90.00")
    assert not product.has_open_application


def test_an_expired_product_reapplies_and_is_accredited_from_the_new_decision(people, clock, product):
    operator, actor = people["operator"], people["supplier_member"]
    accredit(product, operator=operator, supplier_user=actor)
    clock.move_to(noon(dt.date(2027, 12, 1)))
    application = accredit(product, operator=operator, supplier_user=actor)
    assert application.accredited_until == dt.date(2029, 6, 1)
    assert Application.objects.filter(product=product, status=ApplicationStatus.ACCREDITED).count() == 2


def test_a_declined_renewal_keeps_the_running_accreditation(people, clock, product):
    operator, actor = people["operator"], people["supplier_member"]
    accredit(product, operator=operator, supplier_user=actor)
    clock.move_to(noon(dt.date(2027, 8, 1)))
    renewal = submit(product, actor=actor)
    services.application_decide(actor=operator, application=renewal, accredit=False, reason="Не обновлён")
    product.refresh_from_db()
    assert product.accredited_until == dt.date(2027, 9, 2)
    assert product.expert_score == Decimal("80.00")
    assert product.accreditation_state() == AccreditationState.ACCREDITED


def test_the_supplier_hears_of_the_decision(people, clock, product, run_worker, django_capture_on_commit_callbacks):
    application = submit(product, actor=people["supplier_member"])
    with django_capture_on_commit_callbacks(execute=True):
        services.application_decide(
            actor=people["operator"], application=application, accredit=False, reason="Мало данных"
        )
    run_worker()
    told = Notification.objects.filter(kind=kinds.APPLICATION_DECIDED.key)
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(
        [people["supplier_member"].pk, people["supplier_admin"].pk]
    )
    assert told.first().params == {"product": product.name, "outcome": "declined"}


# --- pilots, agency reviews and the rating ------------------------------------------------------


@pytest.fixture
def rated(people, clock, product):
    """The product accredited with an expert score of 80 (4.2 stars)."""
    accredit(product, operator=people["operator"], supplier_user=people["supplier_member"])
    product.refresh_from_db()
    return product


def _agency_member(agency):
    person = UserFactory()
    MembershipFactory(user=person, organization=agency)
    return person


def _pilot(agency, product, stage=Stage.PILOT):
    initiative = InitiativeFactory(sponsor=agency, stage=stage)
    return ProductUse.objects.create(product=product, agency=agency, kind=UseKind.PILOT, initiative=initiative)


def test_a_pilot_is_recorded_from_an_initiative_of_the_agency_at_or_past_pilot(people, clock, product, agency, refused):
    buyer = people["agency_admin"]
    with refused(ServiceError, field="initiative"):
        services.pilot_record(
            actor=buyer, product=product, agency=agency, initiative=InitiativeFactory(sponsor=AgencyFactory())
        )
    for stage in (Stage.IDEA, Stage.PROTOTYPE):
        with refused(ServiceError, field="initiative"):
            services.pilot_record(
                actor=buyer, product=product, agency=agency, initiative=InitiativeFactory(sponsor=agency, stage=stage)
            )
    with refused(ServiceError, field="initiative"):
        services.pilot_record(actor=buyer, product=product, agency=agency, initiative=None)
    with refused(ServiceError, field="agency"):
        services.pilot_record(actor=people["operator"], product=product, agency=product.supplier, initiative=None)
    piloted = InitiativeFactory(sponsor=agency, stage=Stage.PILOT)
    use = services.pilot_record(actor=buyer, product=product, agency=agency, initiative=piloted)
    assert (use.kind, use.agency, use.initiative) == (UseKind.PILOT, agency, piloted)
    with refused(Conflict, code="already_recorded"):
        services.pilot_record(actor=buyer, product=product, agency=agency, initiative=piloted)
    adopted = InitiativeFactory(sponsor=agency, stage=Stage.ADOPTION)
    services.pilot_record(actor=people["operator"], product=product, agency=agency, initiative=adopted)
    # Stopped after a pilot: the pilot happened.
    stopped = InitiativeFactory(sponsor=agency, stage=Stage.STOPPED)
    stopped.stays.create(stage=Stage.PILOT, entered_at=T0 - dt.timedelta(days=90), exited_at=T0)
    services.pilot_record(actor=buyer, product=product, agency=agency, initiative=stopped)
    assert ProductUse.objects.filter(product=product, agency=agency).count() == 3
    assert AuditEvent.objects.filter(action="product.pilot_recorded").count() == 3


def test_only_an_agency_that_used_the_product_reviews_it_once(people, rated, agency, refused):
    buyer = people["agency_admin"]
    with refused(Conflict, code="not_used"):
        services.agency_review_add(actor=buyer, product=rated, agency=agency, stars=5, text="Хорошо")
    # Another agency's use does not entitle this one.
    _pilot(AgencyFactory(), rated)
    with refused(Conflict, code="not_used"):
        services.agency_review_add(actor=buyer, product=rated, agency=agency, stars=5, text="Хорошо")
    use = _pilot(agency, rated)
    for stars in (0, 6, "пять", None):
        with refused(ServiceError, field="stars"):
            services.agency_review_add(actor=buyer, product=rated, agency=agency, stars=stars, text="Хорошо")
    with refused(ServiceError, field="text"):
        services.agency_review_add(actor=buyer, product=rated, agency=agency, stars=5, text=" ")
    review = services.agency_review_add(actor=buyer, product=rated, agency=agency, stars="4", text="Работает")
    assert (review.stars, review.use, review.author) == (4, use, buyer)
    colleague = _agency_member(agency)
    with refused(Conflict, code="already_reviewed"):
        services.agency_review_add(actor=colleague, product=rated, agency=agency, stars=1, text="Плохо")
    assert not selectors.may_review(product=rated, agency=agency)
    assert list(selectors.reviewable_products(agency=agency)) == []
    event = AuditEvent.objects.get(action="product.reviewed")
    assert event.after == {"product": rated.pk, "stars": 4, "rating": "4.15"}  # (3 × 4.2 + 4) ÷ 4


def test_the_database_allows_one_review_per_product_and_agency(people, rated, agency):
    use = _pilot(agency, rated)
    services.agency_review_add(actor=people["agency_admin"], product=rated, agency=agency, stars=5, text="Да")
    with pytest.raises(IntegrityError), transaction.atomic():
        AgencyReview.objects.create(
            product=rated, agency=agency, author=people["agency_admin"], stars=3, text="Ещё", use=use
        )


def test_a_completed_order_entitles_the_agency(people, rated, agency):
    assert selectors.may_review(product=rated, agency=agency) is False
    ProductUse.objects.create(product=rated, agency=agency, kind=UseKind.ORDER)
    assert selectors.may_review(product=rated, agency=agency) is True
    assert list(selectors.reviewable_products(agency=agency)) == [rated]
    services.agency_review_add(actor=people["agency_admin"], product=rated, agency=agency, stars=5, text="Да")


def test_the_rating_follows_the_documented_formula(people, rated, agency, django_capture_on_commit_callbacks):
    assert rated.expert_score == Decimal("80.00")
    assert rated.rating == Decimal("4.20")  # 1 + 4 × 80 ÷ 100, with no agency review
    second_agency = AgencyFactory()
    _pilot(agency, rated)
    _pilot(second_agency, rated)
    with django_capture_on_commit_callbacks() as callbacks:
        services.agency_review_add(actor=people["agency_admin"], product=rated, agency=agency, stars=5, text="Да")
    assert len(callbacks) == 1  # the supplier is told
    services.agency_review_add(
        actor=_agency_member(second_agency), product=rated, agency=second_agency, stars=3, text="Средне"
    )
    rated.refresh_from_db()
    assert (rated.review_count, rated.review_sum) == (2, 8)
    assert rated.rating == Decimal("4.12")  # (3 × 4.2 + 5 + 3) ÷ (3 + 2)
    parts = selectors.product_rating(rated)
    assert parts == rating.RatingParts(
        rating=Decimal("4.12"),
        expert_score=Decimal("80.00"),
        expert_stars=Decimal("4.20"),
        review_count=2,
        agency_mean=Decimal("4.00"),
        prior_weight=3,
    )


@pytest.mark.parametrize(
    "expert_score, count, total, expected",
    [
        (Decimal("80"), 0, 0, Decimal("4.20")),
        (Decimal("80"), 2, 8, Decimal("4.12")),
        (None, 1, 5, Decimal("3.50")),  # the neutral prior 3: (9 + 5) ÷ 4
        (None, 0, 0, None),
        (Decimal("0"), 0, 0, Decimal("1.00")),
        (Decimal("100"), 0, 0, Decimal("5.00")),
        (Decimal("100"), 97, 97, Decimal("1.12")),  # many 1-star reviews outweigh the experts
        (Decimal("68.75"), 1, 4, Decimal("3.81")),  # (3 × 3.75 + 4) ÷ 4 = 3.8125
    ],
)
def test_combine(expert_score, count, total, expected):
    assert rating.combine(expert_score, count, total).rating == expected


def test_the_prior_weight_is_a_setting(people, rated, agency, settings):
    settings.GOVTECH_CATALOG_RATING_PRIOR_WEIGHT = 1
    second = AgencyFactory()
    _pilot(agency, rated)
    _pilot(second, rated)
    services.agency_review_add(actor=people["agency_admin"], product=rated, agency=agency, stars=5, text="Да")
    services.agency_review_add(actor=_agency_member(second), product=rated, agency=second, stars=3, text="Так себе")
    rated.refresh_from_db()
    assert rated.rating == Decimal("4.07")  # (1 × 4.2 + 8) ÷ 3
    assert selectors.product_rating(rated).prior_weight == 1
    assert rating.combine(None, 0, 0).prior_weight == 1


def test_without_an_expert_score_the_rating_starts_from_the_middle(people, clock, product, agency):
    _pilot(agency, product)
    assert Product.objects.get(pk=product.pk).rating is None
    services.agency_review_add(actor=people["agency_admin"], product=product, agency=agency, stars=5, text="Да")
    parts = selectors.product_rating(Product.objects.get(pk=product.pk))
    assert (parts.rating, parts.expert_stars, parts.agency_mean) == (Decimal("3.50"), None, Decimal("5.00"))


# --- the audit trail -----------------------------------------------------------------------------


def test_the_accreditation_path_is_audited_and_the_chain_verifies(people, clock, product):
    start = last_sequence()
    accredit(product, operator=people["operator"], supplier_user=people["supplier_member"])
    assert actions_since(start) == [
        "application.submitted",
        "review.assigned",
        "review.assigned",
        "review.declared",
        "review.scored",
        "review.declared",
        "review.scored",
        "application.decided",
    ]
    decided = AuditEvent.objects.get(action="application.decided")
    assert decided.actor_id == people["operator"].pk
    assert decided.after == {
        "status": "accredited",
        "accredited_until": "2027-09-02",
        "expert_score": "80.00",
        "reason": "",
    }
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "audit log intact" in out.getvalue()
