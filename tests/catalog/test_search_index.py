"""The catalog list counts and orders over a snapshot each process keeps (catalog.search_index).
These tests hold it to the database: every kind of change shows at once, through the services
and through plain saves, and the clock alone moves accreditation. The ordering and counting
rules themselves are compared with the SQL and a brute force in test_search.py."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govtech.catalog import search_index, selectors, services
from govtech.catalog.models import ProductStatus, ProductUse, SearchRevision, UseKind
from govtech.catalog.selectors import CatalogQuery
from govtech.funnel.states import Stage
from tests.catalog.factories import IntakeCycleFactory, ProductFactory, accredit
from tests.factories import AgencyFactory
from tests.funnel.factories import InitiativeFactory

pytestmark = pytest.mark.django_db


def count(**params) -> int:
    return selectors.catalog_counts(CatalogQuery(**params))[0]


def facet(name: str, **params) -> dict[str, int]:
    return {value.value: value.count for value in selectors.facet_counts(CatalogQuery(**params))[name]}


def ids(**params) -> list[int]:
    return selectors.catalog_ids(CatalogQuery(**params))[:]


def test_a_current_snapshot_costs_one_query_and_is_reused(clock):
    ProductFactory(name="Умная парковка")
    first = search_index.snapshot()
    with CaptureQueriesContext(connection) as captured:
        assert search_index.snapshot() is first
    assert len(captured) == 1
    ProductFactory(name="Умное освещение")
    assert search_index.snapshot() is not first
    assert len(search_index.snapshot()) == 2


def test_publishing_archiving_and_editing_show_at_once(people, clock, eligible):
    draft = ProductFactory(supplier=eligible, name="Умная парковка", status=ProductStatus.DRAFT, published_at=None)
    assert count(q="парковки") == 0
    services.product_publish(actor=people["supplier_admin"], product=draft)
    assert count(q="парковки") == 1
    services.product_update(actor=people["supplier_admin"], product=draft, name="Диспетчер обращений")
    assert (count(q="парковки"), count(q="обращения")) == (0, 1)
    services.product_archive(actor=people["supplier_admin"], product=draft)
    assert count(q="обращения") == 0 and count() == 0


def test_applying_and_accrediting_move_the_accreditation_facet(people, clock, eligible):
    product = ProductFactory(supplier=eligible, name="Диспетчер заявок ЖКХ")
    assert facet("accreditation") == {"none": 1}
    services.application_submit(
        actor=people["supplier_admin"], product=product, cycle=IntakeCycleFactory(), statement="Внедрено."
    )
    assert facet("accreditation") == {"in_review": 1}  # the open flag is set by update(), not save()
    product.applications.get().delete()
    product.refresh_from_db()
    accredit(product, operator=people["operator"], supplier_user=people["supplier_admin"])
    assert facet("accreditation") == {"accredited": 1}
    assert ids(accreditation=["accredited"]) == [product.pk]


def test_the_clock_alone_ends_an_accreditation(clock):
    product = ProductFactory(name="Освещение дворов", accredited_until=dt.date(2026, 3, 31))
    assert facet("accreditation") == {"accredited": 1}
    clock.move_to(dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC))
    assert facet("accreditation") == {"expired": 1}
    assert ids(accreditation=["expired"]) == [product.pk]


def test_a_pilot_adds_the_agency_to_used_by(people, clock, agency, eligible):
    product = ProductFactory(supplier=eligible, name="Мониторинг контейнерных площадок")
    assert facet("used_by") == {}
    services.pilot_record(
        actor=people["agency_admin"],
        product=product,
        agency=agency,
        initiative=InitiativeFactory(sponsor=agency, stage=Stage.PILOT),
    )
    assert facet("used_by") == {str(agency.pk): 1}
    assert ids(used_by=[agency.pk]) == [product.pk]


def test_a_new_rating_reorders_at_once(clock):
    low = ProductFactory(name="Табло остановок", rating=Decimal("3.00"))
    high = ProductFactory(name="Табло вокзалов", rating=Decimal("4.00"))
    assert ids(sort="rating") == [high.pk, low.pk]
    low.rating = Decimal("4.90")
    low.save(update_fields=["rating"])
    assert ids(sort="rating") == [low.pk, high.pk]


def test_a_use_of_another_agency_is_its_own_count(clock):
    product = ProductFactory(name="Электронная очередь")
    first, second = AgencyFactory(name="Департамент ЖКХ"), AgencyFactory(name="Мосгортранс")
    ProductUse.objects.create(product=product, agency=first, kind=UseKind.PILOT)
    ProductUse.objects.create(product=product, agency=second, kind=UseKind.PILOT)
    ProductUse.objects.create(product=product, agency=second, kind=UseKind.ORDER)
    # Two uses by one agency still count the product once.
    assert facet("used_by") == {str(first.pk): 1, str(second.pk): 1}


def test_the_revision_row_is_made_by_the_first_change_and_changed_by_each(clock):
    assert SearchRevision.current() is None
    product = ProductFactory(name="Умная парковка")
    first = SearchRevision.current()
    product.save()
    assert SearchRevision.current() not in (None, first)
    assert SearchRevision.objects.count() == 1


def test_a_value_no_longer_among_the_choices_is_counted_in_the_total_only(clock):
    ProductFactory(name="Старый продукт", category="retired-domain", deployment="mainframe")
    ProductFactory(name="Новый продукт", category="transport")
    total, facets = selectors.catalog_counts(CatalogQuery())
    assert total == 2
    assert {value.value: value.count for value in facets["category"]} == {"transport": 1}
    assert sum(value.count for value in facets["deployment"]) == 1
