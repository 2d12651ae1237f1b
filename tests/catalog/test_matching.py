""" "Products that may already solve this": the catalog_matching tag and its block on the
challenge and initiative pages. Matching understands Russian word forms on SQLite and
PostgreSQL (run with DATABASE_URL=postgres://… for the latter)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from govtech.catalog.models import ProductStatus
from govtech.funnel.models import Topic
from tests.catalog.factories import ProductFactory
from tests.challenges.factories import ChallengeFactory
from tests.funnel.factories import InitiativeFactory

pytestmark = pytest.mark.django_db

HEADING = "Products that may already solve this"


def _render(text, category="", *more) -> str:
    template = Template("{% load catalog_matching %}{% matching_products text category a b %}")
    with translation.override("en"):
        return template.render(Context({"text": text, "category": category, "a": more[0] if more else "", "b": ""}))


def _names(html: str) -> list[str]:
    """The product names linked in the block, in order."""
    return re.findall(r'<a href="/catalog/products/[^"]+/">([^<]+)</a>', html)


@pytest.fixture
def buses():
    return ProductFactory(
        name="Электробусы: мониторинг зарядки",
        summary="Мониторинг зарядных станций электробусов",
        description="Прогноз загрузки зарядных станций и расписания.",
        category=Topic.TRANSPORT,
    )


@pytest.fixture
def unrelated():
    return ProductFactory(
        name="Учёт парковок",
        summary="Платные парковки и абонементы",
        description="Оплата стоянки по номеру автомобиля.",
        category=Topic.HOUSING,
    )


def _english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


# --- the tag --------------------------------------------------------------------------------


def test_a_word_form_finds_the_product_and_not_an_unrelated_one(buses, unrelated):
    html = _render("электробус", Topic.TRANSPORT)
    assert HEADING in html
    assert _names(html) == [buses.name]
    assert buses.supplier.name in html


def test_without_the_category_a_single_shared_word_is_not_enough(buses):
    # Another category needs three shared stems; the same category counts as two.
    assert _names(_render("электробус", Topic.HEALTH)) == []
    assert _names(_render("зарядка электробусов: мониторинг станций", Topic.HEALTH)) == [buses.name]


def test_the_same_category_ranks_first_and_accredited_products_before_others(buses):
    other = ProductFactory(
        name="Электробусы и зарядные станции: мониторинг",
        summary="Мониторинг зарядных станций",
        category=Topic.ENVIRONMENT,
    )
    accredited = ProductFactory(
        name="Электробусы в депо",
        summary="Диспетчеризация",
        category=Topic.TRANSPORT,
        accredited_until=timezone.localdate() + dt.timedelta(days=365),
        rating=Decimal("4.50"),
        expert_score=Decimal("80"),
    )
    names = _names(_render("электробусы", Topic.TRANSPORT, "зарядных станций мониторинг"))
    # buses shares all four stems and its category; accredited shares one and the category;
    # other shares four stems but not the category.
    assert names.index(buses.name) < names.index(accredited.name)
    assert set(names) == {buses.name, accredited.name, other.name}


def test_only_published_products_and_at_most_five(buses):
    ProductFactory(name="Электробусы: черновик", category=Topic.TRANSPORT, status=ProductStatus.DRAFT)
    ProductFactory(name="Электробусы: архив", category=Topic.TRANSPORT, status=ProductStatus.ARCHIVED)
    names = _names(_render("электробусы", Topic.TRANSPORT))
    assert names == [buses.name]
    for n in range(6):
        ProductFactory(name=f"Электробусы {n}", category=Topic.TRANSPORT)
    assert len(_names(_render("электробусы", Topic.TRANSPORT))) == 5


def test_the_block_shows_the_badge_rating_and_a_search_link(buses):
    buses.accredited_until = timezone.localdate() + dt.timedelta(days=365)
    buses.rating = Decimal("4.20")
    buses.save()
    html = _render("электробус", Topic.TRANSPORT)
    assert 'class="tag tag-ok">Accredited<' in html
    assert "rating 4.20 of 5" in html
    assert 'href="/catalog/?category=transport"' in html
    assert '<section aria-labelledby="matching-heading"' in html and '<h2 id="matching-heading">' in html


def test_no_match_says_so_and_an_empty_text_asks_nothing(buses, django_assert_num_queries):
    assert "No matching products in the catalog yet." in _render("поликлиника очередь", Topic.HEALTH)
    with django_assert_num_queries(0):
        html = _render("", Topic.TRANSPORT)
    assert "No matching products" in html


def test_the_block_costs_one_query(buses, unrelated, django_assert_num_queries):
    for n in range(4):
        ProductFactory(name=f"Электробусы {n}", category=Topic.TRANSPORT)
    with django_assert_num_queries(1):
        html = _render("электробусы", Topic.TRANSPORT, "мониторинг зарядки")
    assert len(_names(html)) == 5


# --- the pages ------------------------------------------------------------------------------


def test_a_challenge_page_shows_matching_products(buses, unrelated):
    challenge = ChallengeFactory(
        title="Как заряжать электробус в депо быстрее",
        summary="Электробус простаивает у зарядной станции.",
        problem="Парк растёт, станций не хватает.",
        topic=Topic.TRANSPORT,
    )
    response = _english().get(challenge.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert HEADING in html
    assert buses.name in html
    assert unrelated.name not in html


def test_an_initiative_page_shows_matching_products(buses, unrelated):
    initiative = InitiativeFactory(
        title="Электробус на ночных маршрутах",
        summary="Ночные маршруты переводят на электробусы.",
        problem="Дизельные автобусы шумят ночью.",
        topic=Topic.TRANSPORT,
    )
    response = _english().get(f"/funnel/initiatives/{initiative.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert HEADING in html
    assert buses.name in html
    assert unrelated.name not in html


def test_the_initiative_page_asks_the_same_queries_for_one_or_five_matches(buses):
    initiative = InitiativeFactory(title="Электробус на ночных маршрутах", topic=Topic.TRANSPORT)
    client = _english()
    url = f"/funnel/initiatives/{initiative.slug}/"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    one = count()
    for n in range(6):
        ProductFactory(name=f"Электробусы {n}", category=Topic.TRANSPORT)
    assert count() == one
