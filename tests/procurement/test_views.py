"""Public pages of the open tenders: the list with its filters, sorts, pages and htmx, bounded
queries, and the tender page read defensively from the compiled release (and from a real import)."""

import datetime as dt
import html
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from govtech.procurement import services
from govtech.procurement.models import Release, Tender
from tests.procurement.factories import TenderFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("procurement:tender-list")
PARAGUAY = Path(__file__).resolve().parents[2] / "govtech" / "procurement" / "ocds_samples" / "paraguay"
PROCESS = "ocds-03ad3f-277004-277004-"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _found(client, **params) -> list[str]:
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    return [tender.ocid for tender in response.context["page_obj"]]


def _at(day: int, month: int = 5) -> dt.datetime:
    return dt.datetime(2026, month, day, 12, 0, tzinfo=dt.UTC)


# --- the list -----------------------------------------------------------------------------------


def test_list_shows_each_tenders_facts(client):
    tender = TenderFactory(
        title="Поставка серверов",
        buyer_name="Департамент транспорта",
        value_amount=Decimal("2500000"),
        currency="RUB",
        lot_count=3,
        suitable_for_sme=True,
        classification_id="48820000-2",
        classification_description="Servers",
        submission_deadline=_at(20),
    )
    TenderFactory(suitable_for_sme=None)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    text = _text(response)
    assert "2 tenders found" in text
    assert f'href="{tender.get_absolute_url()}"' in text
    assert "Поставка серверов" in text
    assert "Департамент транспорта" in text
    assert "Open for bids" in text
    assert "2,500,000 RUB" in text
    assert "May 20, 2026" in text
    assert "48820000-2" in text and "Servers" in text
    assert "not stated" in text
    # every filter has a label
    for field_id in (
        "tender-q",
        "tender-sort",
        "tender-buyer",
        "tender-classification",
        "tender-value-min",
        "tender-value-max",
        "tender-deadline-from",
        "tender-deadline-to",
        "tender-has-lots",
        "tender-sme",
        "tender-status-active",
        "tender-method-open",
        "tender-category-goods",
    ):
        assert f'for="{field_id}"' in text
    assert "<caption" in text


def test_empty_list_says_so(client):
    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert "0 tenders found" in _text(response)
    assert "No tender matches this search" in _text(response)


def test_status_filter(client):
    active = TenderFactory(status="active")
    TenderFactory(status="complete")
    cancelled = TenderFactory(status="cancelled")

    assert _found(client, status="active") == [active.ocid]
    assert set(_found(client, status=["active", "cancelled"])) == {active.ocid, cancelled.ocid}


def test_method_filter(client):
    TenderFactory(method="open")
    direct = TenderFactory(method="direct")

    assert _found(client, method="direct") == [direct.ocid]


def test_category_and_classification_filters(client):
    works = TenderFactory(main_category="works", classification_id="45000000-7")
    TenderFactory(main_category="goods")

    assert _found(client, category="works") == [works.ocid]
    assert _found(client, classification="45000000-7") == [works.ocid]


def test_buyer_filter_offers_the_buyers_and_narrows(client):
    transport = TenderFactory(buyer_name="Департамент транспорта")
    health = TenderFactory(buyer_name="Департамент здравоохранения")
    TenderFactory(buyer_name="Департамент образования")

    response = client.get(LIST_URL)
    assert '<option value="Департамент транспорта">' in response.content.decode()

    assert _found(client, buyer="Департамент транспорта") == [transport.ocid]
    assert set(_found(client, buyer=["Департамент транспорта", "Департамент здравоохранения"])) == {
        transport.ocid,
        health.ocid,
    }


def test_value_range_filter(client):
    TenderFactory(value_amount=Decimal("1000"))
    middle = TenderFactory(value_amount=Decimal("50000"))
    TenderFactory(value_amount=Decimal("900000"))
    TenderFactory(value_amount=None)

    assert _found(client, value_min="10000", value_max="100000") == [middle.ocid]
    assert len(_found(client, value_min="10000")) == 2


def test_deadline_window_filter(client):
    TenderFactory(submission_deadline=_at(20, month=4))
    may = TenderFactory(submission_deadline=_at(31))
    TenderFactory(submission_deadline=_at(1, month=6))
    TenderFactory(submission_deadline=None)

    assert _found(client, deadline_from="2026-05-01", deadline_to="2026-05-31") == [may.ocid]


def test_has_lots_filter(client):
    with_lots = TenderFactory(lot_count=2)
    without = TenderFactory(lot_count=0)

    assert _found(client, has_lots="yes") == [with_lots.ocid]
    assert _found(client, has_lots="no") == [without.ocid]
    assert len(_found(client, has_lots="")) == 2


def test_sme_filter(client):
    suitable = TenderFactory(suitable_for_sme=True)
    unsuitable = TenderFactory(suitable_for_sme=False)
    TenderFactory(suitable_for_sme=None)

    assert _found(client, sme="yes") == [suitable.ocid]
    assert _found(client, sme="no") == [unsuitable.ocid]
    assert len(_found(client)) == 3


def test_words_match_another_form_of_a_russian_word(client):
    servers = TenderFactory(title="Поставка серверов", description="")
    TenderFactory(title="Ремонт дороги", description="Асфальт")

    assert _found(client, q="сервер") == [servers.ocid]


def test_sorts(client):
    old = TenderFactory(last_release_at=_at(1), submission_deadline=_at(30), value_amount=Decimal("500"))
    new = TenderFactory(last_release_at=_at(10), submission_deadline=_at(5), value_amount=Decimal("100"))
    middle = TenderFactory(last_release_at=_at(5), submission_deadline=_at(15), value_amount=Decimal("900"))

    assert _found(client) == [new.ocid, middle.ocid, old.ocid]
    assert _found(client, sort="newest") == [new.ocid, middle.ocid, old.ocid]
    assert _found(client, sort="deadline") == [new.ocid, middle.ocid, old.ocid]
    assert _found(client, sort="value") == [middle.ocid, old.ocid, new.ocid]
    assert _found(client, sort="value_asc") == [new.ocid, old.ocid, middle.ocid]


def test_relevance_puts_more_matched_words_first(client):
    one = TenderFactory(title="Поставка серверов", description="", last_release_at=_at(10))
    both = TenderFactory(title="Поставка серверов и ноутбуков", description="", last_release_at=_at(1))

    assert _found(client, q="сервер ноутбук", sort="relevance") == [both.ocid, one.ocid]
    # Without words there is nothing to rank by: the newest first, not an error.
    assert _found(client, sort="relevance") == [one.ocid, both.ocid]


@pytest.mark.parametrize(
    "params",
    [
        {"value_min": "abc"},
        {"value_max": "1e999"},
        {"deadline_from": "2026-13-45"},
        {"deadline_to": "yesterday"},
        {"page": "999999"},
        {"page": "abc"},
        {"sort": "bogus"},
        {"status": "nonsense", "method": "x", "category": "y"},
        {"has_lots": "maybe", "sme": "2"},
        {"q": "и в на"},
        {"q": "x" * 5000, "buyer": "y" * 5000},
    ],
)
def test_bad_parameters_are_dropped_not_a_500(client, params):
    TenderFactory()

    response = client.get(LIST_URL, params)

    assert response.status_code == 200


def test_a_page_beyond_the_end_shows_the_last_page_and_pages_keep_the_filters(client):
    TenderFactory.create_batch(25, status="active")
    TenderFactory(status="complete")

    response = client.get(LIST_URL, {"status": "active", "page": "999999"})

    assert response.status_code == 200
    page = response.context["page_obj"]
    assert page.number == 2
    assert len(page.object_list) == 5
    first = client.get(LIST_URL, {"status": "active"})
    assert len(first.context["page_obj"].object_list) == 20
    assert "?status=active&amp;page=2" in first.content.decode()


def test_htmx_gets_only_the_results(client):
    TenderFactory(title="Поставка серверов")

    response = client.get(LIST_URL, {"q": "сервер"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="tender-filters"' not in body
    assert "Поставка серверов" in body
    assert 'hx-swap-oob="innerHTML"' in body
    assert "HX-Request" in response["Vary"]
    full = client.get(LIST_URL, {"q": "сервер"})
    assert "<html" in full.content.decode()
    assert "HX-Request" in full["Vary"]


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL, {"status": "active", "sort": "deadline"})
    assert response.status_code == 200
    return len(queries)


def test_list_queries_do_not_grow_with_the_tenders(client):
    TenderFactory.create_batch(5, buyer_name="Департамент транспорта")
    small = _list_queries(client)
    TenderFactory.create_batch(25, buyer_name="Департамент здравоохранения")

    assert _list_queries(client) == small


# --- the tender page ----------------------------------------------------------------------------


COMPILED = {
    "ocid": "ocds-test01-page",
    "tender": {
        "id": "T-1",
        "title": "Поставка серверов",
        "tenderPeriod": {"startDate": "2026-05-01T09:00:00+03:00", "endDate": "2026-05-20T18:00:00+03:00"},
        "lots": [
            {"id": "LOT-1", "title": "Серверы", "value": {"amount": 1500000, "currency": "RUB"}, "status": "active"},
            {"id": "LOT-2", "title": "Стойки", "value": {"amount": "abc"}, "status": "strange"},
            "not a lot",
        ],
        "documents": [
            {"id": "D1", "title": "Техническое задание", "url": "https://example.org/tz.pdf"},
            {"id": "D2", "title": "Evil document", "url": "javascript:alert(1)"},
            {"id": "D3", "title": "Data document", "url": "data:text/html,<script>alert(1)</script>"},
            {"id": "D4", "url": 12},
            ["wrong"],
        ],
    },
    "awards": [
        {
            "id": "AW-1",
            "status": "active",
            "date": "2026-06-01T10:00:00Z",
            "value": {"amount": 1400000.5, "currency": "RUB"},
            "suppliers": [{"name": "ООО Вычислительные системы"}, {"id": "no-name"}, "bad"],
        },
        {"id": "AW-2", "status": "pending", "date": "2026-13-45", "suppliers": {"name": "ИП Одиночкин"}},
    ],
    "contracts": [
        {
            "id": "CT-1",
            "status": "active",
            "value": {"amount": 1400000, "currency": "RUB"},
            "period": {"startDate": "2026-06-10", "endDate": "2026-12-31T00:00:00Z"},
        },
        {"id": "CT-2", "period": "soon", "value": 7},
    ],
}


def test_tender_page_shows_lots_documents_awards_and_contracts(client):
    tender = TenderFactory(
        ocid="ocds-test01-page",
        title="Поставка серверов",
        description="Первая строка <script>alert(1)</script>\nВторая строка",
        compiled=COMPILED,
    )
    Release.objects.create(ocid=tender.ocid, release_id="r-1", date=_at(1), tags=["planning"], data={"id": "r-1"})
    Release.objects.create(
        ocid=tender.ocid, release_id="r-2", date=_at(2), tags=["tender", "award"], data={"id": "r-2"}
    )

    response = client.get(tender.get_absolute_url())

    assert response.status_code == 200
    body = response.content.decode()
    text = _text(response)
    assert "Поставка серверов" in text
    assert "ocds-test01-page" in text
    # the description is plain text, escaped
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body
    # the lots
    assert "LOT-1" in text and "Серверы" in text and "1,500,000 RUB" in text and "Open for bids" in text
    assert "LOT-2" in text and "strange" in text
    # documents: only http(s) becomes a link, with rel
    assert '<a href="https://example.org/tz.pdf" rel="noopener nofollow">Техническое задание</a>' in text
    assert "Evil document" in text
    assert 'href="javascript:' not in body
    assert 'href="data:' not in body
    assert "D4" in text
    # awards and contracts
    assert "AW-1" in text and "ООО Вычислительные системы" in text and "1,400,000.50 RUB" in text
    assert "AW-2" in text and "ИП Одиночкин" in text and "Pending" in text
    assert "CT-1" in text and "June 10, 2026" in text and "Dec. 31, 2026" in text
    assert "CT-2" in text
    # the submission period and the timeline
    assert "May 20, 2026" in text
    assert "Planning" in text and "Tender, Award" in text


@pytest.mark.parametrize(
    "compiled",
    [
        {},
        {"tender": "text", "awards": "none", "contracts": 5},
        {"tender": {"lots": {"id": "only"}, "documents": None, "tenderPeriod": []}, "awards": [None, 1]},
        {"awards": [{"value": {"amount": True}, "date": "0001-01-01T00:00:00+14:00", "suppliers": [{"name": {}}]}]},
        {"contracts": [{"period": {"startDate": "9999-12-31T23:59:59-12:00", "endDate": 5}, "value": "x"}]},
    ],
)
def test_tender_page_survives_any_shape_of_compiled_data(client, compiled):
    tender = TenderFactory(compiled=compiled)

    response = client.get(tender.get_absolute_url())

    assert response.status_code == 200


def test_unknown_ocid_is_404(client):
    TenderFactory()

    assert client.get(reverse("procurement:tender", args=["ocds-nothing-here"])).status_code == 404


def test_tender_page_of_a_real_paraguay_process(client):
    for path in sorted(PARAGUAY.glob(PROCESS + "*.json")):
        if not path.name.endswith("-planning.json"):
            services.import_ocds(str(path))
    tender = Tender.objects.get(ocid="ocds-03ad3f-277004")

    response = client.get(tender.get_absolute_url())

    assert response.status_code == 200
    text = _text(response)
    assert tender.title and tender.title.strip() in text
    assert "277004-adquisicion-equipos-e-insumos-informaticos-1" in text  # the award
    assert "DATA LAB SA" in text
    listed = client.get(LIST_URL)
    assert tender.get_absolute_url() in listed.content.decode()


def _page_queries(client, tender) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(tender.get_absolute_url())
    assert response.status_code == 200
    return len(queries)


def test_tender_page_queries_do_not_grow_with_the_releases(client):
    short = TenderFactory(compiled=COMPILED)
    Release.objects.create(ocid=short.ocid, release_id="r-1", date=_at(1), tags=["tender"], data={})
    long = TenderFactory(compiled=COMPILED)
    for number in range(12):
        Release.objects.create(ocid=long.ocid, release_id=f"r-{number}", date=_at(number + 1), tags=["tender"], data={})

    assert _page_queries(client, long) == _page_queries(client, short)


@pytest.mark.parametrize(
    "moment",
    [dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC), dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.UTC)],
)
def test_dates_at_the_ends_of_the_calendar_do_not_stop_the_pages(client, moment):
    tender = TenderFactory(submission_deadline=moment, last_release_at=moment)
    Release.objects.create(ocid=tender.ocid, release_id="r-1", date=moment, tags=["tender"], data={})

    assert client.get(LIST_URL).status_code == 200
    assert client.get(LIST_URL, {"sort": "deadline"}).status_code == 200
    assert client.get(tender.get_absolute_url()).status_code == 200
