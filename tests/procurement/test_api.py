"""The procurement API: the open tenders' list (every filter narrows, bad values are 400s naming
the parameter, pages, a constant query count), a tender and its releases as an OCDS package for a
process imported from the real Paraguay sample files, 404s in the error format, and the import
runs for operators only."""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from govtech.procurement import services
from govtech.procurement.models import ImportProblem, ImportRun, Release, RunStatus, Tender
from tests.procurement.factories import TenderFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "supplier_member", "supplier_admin", "agency_admin", "expert", "operator"]
CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}
API = "/api/v1/procurement/"
TENDERS = API + "tenders/"
IMPORTS = API + "imports/"
PARAGUAY = Path(__file__).resolve().parents[2] / "govtech" / "procurement" / "ocds_samples" / "paraguay"
PROCESS = "ocds-03ad3f-277004"


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["status"] == status
    assert set(body) >= {"status", "code", "message", "fields"}
    return body


def ocids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["ocid"] for item in response.json()["results"]}


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.fixture
def anonymous(api_client_for):
    return api_client_for("anonymous")


@pytest.fixture
def tenders(db):
    """Four tenders differing in every filtered column."""
    now = timezone.now()
    return {
        "servers": TenderFactory(
            ocid="ocds-test01-servers",
            title="Поставка серверов",
            buyer_name="Департамент информационных технологий",
            status="active",
            method="open",
            main_category="goods",
            classification_id="48820000-2",
            value_amount=Decimal("2500000.00"),
            submission_deadline=now + dt.timedelta(days=10),
            lot_count=0,
            suitable_for_sme=True,
            last_release_at=now - dt.timedelta(days=1),
        ),
        "roads": TenderFactory(
            ocid="ocds-test01-roads",
            title="Ремонт дорог",
            description="Ремонт асфальтового покрытия.",
            buyer_name="Департамент транспорта",
            status="active",
            method="selective",
            main_category="works",
            classification_id="45233142-6",
            value_amount=Decimal("90000000.00"),
            submission_deadline=now + dt.timedelta(days=40),
            lot_count=3,
            suitable_for_sme=False,
            last_release_at=now - dt.timedelta(days=2),
        ),
        "cleaning": TenderFactory(
            ocid="ocds-test01-cleaning",
            title="Уборка зданий",
            description="Уборка помещений.",
            buyer_name="Департамент транспорта",
            status="complete",
            method="limited",
            main_category="services",
            classification_id="90910000-9",
            value_amount=Decimal("300000.00"),
            submission_deadline=now - dt.timedelta(days=30),
            lot_count=2,
            suitable_for_sme=None,
            last_release_at=now - dt.timedelta(days=3),
        ),
        "planned": TenderFactory(
            ocid="ocds-test01/planned",  # some publishers' OCIDs hold a slash
            title="Планируемая закупка",
            description="Пока без подробностей.",
            buyer_name="Департамент здравоохранения",
            status="planned",
            method="direct",
            main_category="goods",
            classification_id="",
            classification_scheme="",
            classification_description="",
            value_amount=None,
            currency="",
            submission_deadline=None,
            lot_count=0,
            suitable_for_sme=None,
            last_release_at=now - dt.timedelta(days=4),
        ),
    }


# --- the list --------------------------------------------------------------------------


def test_the_list_shows_each_tender_newest_first(anonymous, tenders):
    response = anonymous.get(TENDERS)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 4
    assert [item["ocid"] for item in body["results"]] == [
        "ocds-test01-servers",
        "ocds-test01-roads",
        "ocds-test01-cleaning",
        "ocds-test01/planned",
    ]
    first = body["results"][0]
    assert set(first) == {
        "ocid",
        "title",
        "buyer_name",
        "status",
        "method",
        "main_category",
        "classification",
        "value",
        "submission_deadline",
        "lot_count",
        "suitable_for_sme",
        "award_count",
        "contract_count",
        "release_count",
        "last_release_at",
        "url",
        "html_url",
    }
    assert first["value"] == {"amount": "2500000.00", "currency": "RUB"}
    assert first["classification"] == {"scheme": "CPV", "id": "48820000-2", "description": "Servers"}
    assert (first["status"], first["method"], first["main_category"]) == ("active", "open", "goods")
    assert first["suitable_for_sme"] is True
    assert first["url"] == "http://testserver/api/v1/procurement/tenders/ocds-test01-servers/"
    assert first["html_url"] == "http://testserver" + tenders["servers"].get_absolute_url()
    last = body["results"][-1]
    assert last["value"] == {"amount": None, "currency": ""}
    assert last["submission_deadline"] is None
    assert last["suitable_for_sme"] is None
    assert last["url"] == "http://testserver/api/v1/procurement/tenders/ocds-test01/planned/"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "дороги"}, {"roads"}),
        ({"q": "уборка помещений"}, {"cleaning"}),
        ({"buyer": "Департамент транспорта"}, {"roads", "cleaning"}),
        (
            {"buyer": ["Департамент транспорта", "Департамент здравоохранения"]},
            {"roads", "cleaning", "planned"},
        ),
        ({"status": "active"}, {"servers", "roads"}),
        ({"status": "complete,planned"}, {"cleaning", "planned"}),
        ({"status": ["complete", "planned"]}, {"cleaning", "planned"}),
        ({"method": "selective"}, {"roads"}),
        ({"category": "goods"}, {"servers", "planned"}),
        ({"category": "works,services"}, {"roads", "cleaning"}),
        ({"classification": "45233142-6,90910000-9"}, {"roads", "cleaning"}),
        ({"value_min": "1000000"}, {"servers", "roads"}),
        ({"value_max": "2500000.00"}, {"servers", "cleaning"}),
        ({"value_min": "300000", "value_max": "2500000"}, {"servers", "cleaning"}),
        ({"value_max": "0"}, set()),
        ({"value_min": "0"}, {"servers", "roads", "cleaning"}),
        ({"has_lots": "true"}, {"roads", "cleaning"}),
        ({"has_lots": "false"}, {"servers", "planned"}),
        ({"sme": "true"}, {"servers"}),
        ({"sme": "false"}, {"roads"}),
        ({"status": "active", "category": "works"}, {"roads"}),
        ({"status": "active", "sme": "false", "method": "open"}, set()),
    ],
)
def test_every_filter_narrows_the_list(anonymous, tenders, params, expected):
    assert ocids(anonymous.get(TENDERS, params)) == {tenders[name].ocid for name in expected}


def test_the_deadline_filters_take_whole_days(anonymous, tenders):
    today = timezone.localdate()
    soon = (today + dt.timedelta(days=10)).isoformat()
    assert ocids(anonymous.get(TENDERS, {"deadline_from": soon, "deadline_to": soon})) == {"ocds-test01-servers"}
    assert ocids(anonymous.get(TENDERS, {"deadline_from": today.isoformat()})) == {
        "ocds-test01-servers",
        "ocds-test01-roads",
    }
    assert ocids(anonymous.get(TENDERS, {"deadline_to": today.isoformat()})) == {"ocds-test01-cleaning"}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["servers", "roads", "cleaning", "planned"]),
        ("deadline", ["cleaning", "servers", "roads", "planned"]),
        ("value", ["roads", "servers", "cleaning", "planned"]),
        ("value_asc", ["cleaning", "servers", "roads", "planned"]),
        # Relevance without words has nothing to rank by: the default order.
        ("relevance", ["servers", "roads", "cleaning", "planned"]),
    ],
)
def test_the_sorts(anonymous, tenders, sort, expected):
    response = anonymous.get(TENDERS, {"sort": sort})
    assert response.status_code == 200, response.content
    assert [item["ocid"] for item in response.json()["results"]] == [tenders[name].ocid for name in expected]


def test_words_rank_by_relevance(anonymous, tenders):
    response = anonymous.get(TENDERS, {"q": "ремонт дорог", "sort": "relevance"})
    assert [item["ocid"] for item in response.json()["results"]] == ["ocds-test01-roads"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"status": "active,bogus"}, "status"),
        ({"method": "auction"}, "method"),
        ({"category": "consultancy"}, "category"),
        ({"value_min": "abc"}, "value_min"),
        ({"value_max": "-5"}, "value_max"),
        ({"value_min": "1e400"}, "value_min"),
        ({"value_min": "10", "value_max": "5"}, "value_max"),
        ({"deadline_from": "2026-13-45"}, "deadline_from"),
        ({"deadline_to": "tomorrow"}, "deadline_to"),
        ({"deadline_from": "2026-05-02", "deadline_to": "2026-05-01"}, "deadline_to"),
        ({"has_lots": "maybe"}, "has_lots"),
        ({"sme": "2"}, "sme"),
        ({"sort": "bogus"}, "sort"),
        ({"q": "x" * 201}, "q"),
        ({"classification": "x" * 101}, "classification"),
        ({"buyer": ",".join(f"b{n}" for n in range(21))}, "buyer"),
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"page_size": "1000"}, "page_size"),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_it(anonymous, tenders, params, field):
    body = error(anonymous.get(TENDERS, params), 400)
    assert (body["code"], list(body["fields"])) == ("invalid", [field])
    assert body["fields"][field][0]


def test_pages(anonymous):
    TenderFactory.create_batch(25)
    first = anonymous.get(TENDERS).json()
    assert (first["count"], len(first["results"])) == (25, 20)
    assert first["previous"] is None and first["next"].endswith("page=2")
    second = anonymous.get(TENDERS, {"page": 2}).json()
    assert len(second["results"]) == 5 and second["next"] is None
    assert {item["ocid"] for item in first["results"]}.isdisjoint(item["ocid"] for item in second["results"])
    assert len(anonymous.get(TENDERS, {"page_size": 7}).json()["results"]) == 7
    assert error(anonymous.get(TENDERS, {"page": 3}), 404)["code"] == "not_found"


def test_the_list_reads_a_constant_number_of_queries(anonymous):
    params = {"q": "серверного", "status": "active", "page_size": 100}
    TenderFactory.create_batch(5)
    few = _queries(anonymous, TENDERS), _queries(anonymous, TENDERS, params)
    TenderFactory.create_batch(25)
    assert anonymous.get(TENDERS, params).json()["count"] == 30
    assert (_queries(anonymous, TENDERS), _queries(anonymous, TENDERS, params)) == few


# --- one tender and its releases, from the real Paraguay files -------------------------------


@pytest.fixture
def imported(db):
    """Process 277004 as DNCP Paraguay published it: one file per release."""
    files = sorted(PARAGUAY.glob(f"{PROCESS}-*.json"))
    release_ids = {json.loads(file.read_text(encoding="utf-8"))["id"] for file in files}
    for file in files:
        run = services.import_ocds(str(file))
        assert run.status == RunStatus.FINISHED, list(run.problems.values_list("message", flat=True))
    return {"files": files, "release_ids": release_ids}


def test_a_tender_has_its_compiled_release_and_timeline(anonymous, imported):
    response = anonymous.get(f"{TENDERS}{PROCESS}/")
    assert response.status_code == 200, response.content
    body = response.json()
    tender = Tender.objects.get(ocid=PROCESS)
    assert len(imported["release_ids"]) == len(imported["files"]) == 7
    assert body["release_count"] == len(imported["release_ids"]) == tender.release_count
    assert body["ocid"] == PROCESS
    assert body["title"] == tender.title and body["title"]
    assert body["description"] == tender.description
    assert body["buyer_name"] == tender.buyer_name and body["buyer_name"]
    assert body["compiled"] == tender.compiled
    assert body["compiled"]["ocid"] == PROCESS
    assert body["value"]["currency"] == tender.currency
    assert body["url"] == f"http://testserver{TENDERS}{PROCESS}/"
    assert body["html_url"] == "http://testserver" + tender.get_absolute_url()
    timeline = body["releases"]
    assert {item["id"] for item in timeline} == imported["release_ids"]
    assert [item["date"] for item in timeline] == sorted(item["date"] for item in timeline)
    assert timeline[0]["tags"] == ["planning"]
    assert all(set(item) == {"id", "date", "tags"} for item in timeline)


def test_the_releases_are_one_ocds_release_package(anonymous, imported):
    response = anonymous.get(f"{TENDERS}{PROCESS}/releases/")
    assert response.status_code == 200, response.content
    package = response.json()
    assert set(package) == {"uri", "publishedDate", "publisher", "version", "releases"}
    assert package["version"] == "1.1"
    assert package["uri"] == f"http://testserver{TENDERS}{PROCESS}/releases/"
    assert package["publisher"]["name"]
    assert package["publishedDate"]
    assert len(package["releases"]) == len(imported["release_ids"])
    assert {release["id"] for release in package["releases"]} == imported["release_ids"]
    # As published, untouched: each one equals its file.
    published = {
        data["id"]: data for data in (json.loads(file.read_text(encoding="utf-8")) for file in imported["files"])
    }
    for release in package["releases"]:
        assert release == published[release["id"]]
    assert [release["date"] for release in package["releases"]] == sorted(
        release["date"] for release in package["releases"]
    )


def test_importing_the_same_files_again_adds_no_release(anonymous, imported):
    for file in imported["files"]:
        services.import_ocds(str(file))
    assert Release.objects.filter(ocid=PROCESS).count() == len(imported["release_ids"])
    assert len(anonymous.get(f"{TENDERS}{PROCESS}/releases/").json()["releases"]) == len(imported["release_ids"])


def test_a_tender_with_a_slash_in_its_ocid(anonymous, tenders):
    Release.objects.create(
        ocid="ocds-test01/planned", release_id="1", tags=["planning"], data={"ocid": "ocds-test01/planned", "id": "1"}
    )
    body = anonymous.get(f"{TENDERS}ocds-test01/planned/").json()
    assert (body["ocid"], [item["id"] for item in body["releases"]]) == ("ocds-test01/planned", ["1"])
    package = anonymous.get(f"{TENDERS}ocds-test01/planned/releases/").json()
    assert package["releases"] == [{"ocid": "ocds-test01/planned", "id": "1"}]


def test_a_tender_reads_a_constant_number_of_queries(anonymous, imported):
    detail, package = _queries(anonymous, f"{TENDERS}{PROCESS}/"), _queries(anonymous, f"{TENDERS}{PROCESS}/releases/")
    for index in range(20):
        Release.objects.create(ocid=PROCESS, release_id=f"extra-{index}", tags=["update"], data={"id": index})
    assert _queries(anonymous, f"{TENDERS}{PROCESS}/") == detail
    assert _queries(anonymous, f"{TENDERS}{PROCESS}/releases/") == package


@pytest.mark.parametrize("suffix", ["", "releases/"])
def test_an_unknown_tender_is_a_404(anonymous, tenders, suffix):
    body = error(anonymous.get(f"{TENDERS}ocds-nope-1/{suffix}"), 404)
    assert body["code"] == "not_found"
    assert body["fields"] == {}


def test_the_tenders_are_read_only(api_client_for, tenders):
    client = api_client_for("operator")
    before = list(Tender.objects.order_by("pk").values())
    assert error(client.post(TENDERS, {}, format="json"), 405)["code"] == "method_not_allowed"
    assert error(client.delete(f"{TENDERS}ocds-test01-servers/"), 405)["code"] == "method_not_allowed"
    assert list(Tender.objects.order_by("pk").values()) == before


# --- imports (operators) ---------------------------------------------------------------------


@pytest.fixture
def run(db):
    run = ImportRun.objects.create(
        source="https://example.test/releases.json",
        fingerprint="0" * 64,
        kind="release_package",
        status=RunStatus.FINISHED,
        position=30,
        releases_read=28,
        releases_added=27,
        tenders_compiled=9,
        problem_count=25,
        finished_at=timezone.now(),
    )
    ImportProblem.objects.bulk_create(
        ImportProblem(run=run, position=index, where=f"ocds-x-{index}/1", message=f"no id at item {index}")
        for index in reversed(range(25))
    )
    return run


def _matrix() -> list[tuple[str, int]]:
    return [(role, {"anonymous": 401, "operator": 200}.get(role, 403)) for role in ROLES]


@pytest.mark.parametrize(("role", "expected"), _matrix())
def test_only_operators_read_the_imports(api_client_for, run, role, expected):
    response = api_client_for(role).get(IMPORTS)
    if expected != 200:
        assert error(response, expected)["code"] == CODES[expected]
        return
    assert response.status_code == 200, response.content
    [item] = response.json()["results"]
    assert item == {
        "id": run.pk,
        "source": "https://example.test/releases.json",
        "kind": "release_package",
        "status": "finished",
        "position": 30,
        "releases_read": 28,
        "releases_added": 27,
        "tenders_compiled": 9,
        "problem_count": 25,
        "created_at": item["created_at"],
        "finished_at": item["finished_at"],
        "problems_url": f"http://testserver{IMPORTS}{run.pk}/problems/",
    }
    assert item["created_at"] and item["finished_at"]


@pytest.mark.parametrize(("role", "expected"), _matrix())
def test_only_operators_read_an_imports_problems(api_client_for, run, role, expected):
    response = api_client_for(role).get(f"{IMPORTS}{run.pk}/problems/")
    if expected != 200:
        assert error(response, expected)["code"] == CODES[expected]
        return
    body = response.json()
    assert body["count"] == 25
    assert body["results"][:2] == [
        {"position": 0, "where": "ocds-x-0/1", "message": "no id at item 0"},
        {"position": 1, "where": "ocds-x-1/1", "message": "no id at item 1"},
    ]
    assert len(body["results"]) == 20
    assert [item["position"] for item in api_client_for(role).get(body["next"]).json()["results"]] == list(
        range(20, 25)
    )


@pytest.mark.parametrize("role", ["anonymous", "resident"])
def test_an_unknown_runs_problems_are_refused_before_they_are_looked_up(api_client_for, role):
    expected = 401 if role == "anonymous" else 403
    assert error(api_client_for(role).get(f"{IMPORTS}999999/problems/"), expected)["code"] == CODES[expected]


def test_an_unknown_run_is_a_404_for_operators(api_client_for):
    assert error(api_client_for("operator").get(f"{IMPORTS}999999/problems/"), 404)["code"] == "not_found"


def test_the_imports_read_a_constant_number_of_queries(api_client_for, run):
    client = api_client_for("operator")
    few = _queries(client, IMPORTS), _queries(client, f"{IMPORTS}{run.pk}/problems/")
    for index in range(10):
        ImportRun.objects.create(source=f"file-{index}.json", fingerprint=f"{index:064d}")
    assert (_queries(client, IMPORTS), _queries(client, f"{IMPORTS}{run.pk}/problems/")) == few


def test_a_real_import_is_listed_with_its_counts(api_client_for, imported):
    body = api_client_for("operator").get(IMPORTS).json()
    assert body["count"] == len(imported["files"])
    assert {item["status"] for item in body["results"]} == {"finished"}
    assert sum(item["releases_added"] for item in body["results"]) == len(imported["release_ids"])
