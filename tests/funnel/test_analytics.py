"""Funnel analytics: exact numbers on a hand-built funnel, filters and the date range, the
public page with its downloads, the API, and a query count that does not grow with the data.

The funnel (all times UTC; the platform's time zone is Europe/Moscow, UTC+3):

    A  public  resident_idea         transport  agency 1
       idea       2025-01-01 12:00 → 2025-01-11 12:00   10 days
       prototype  2025-01-11 12:00 → 2025-02-10 12:00   30 days
       pilot      2025-02-10 12:00 → open
    B  public  resident_idea         transport  agency 1
       idea       2025-01-05 12:00 → 2025-01-25 12:00   20 days
       prototype  2025-01-25 12:00 → 2025-03-06 12:00   40 days
       pilot      2025-03-06 12:00 → 2025-04-05 00:00   29.5 days
       adoption   2025-04-05 00:00 → open
    C  public  employee_idea         health     agency 2
       idea       2025-01-31 21:30 → 2025-03-02 21:30   30 days  (entered 1 February in Moscow)
       stopped    2025-03-02 21:30 → open                        (3 March in Moscow)
    D  public  challenge_submission  health     agency 2
       idea       2025-03-01 12:00 → 2025-03-05 12:00    4 days
       prototype  2025-03-05 12:00 → 2025-03-15 12:00   10 days
       idea       2025-03-15 12:00 → 2025-03-27 12:00   12 days  (sent back)
       prototype  2025-03-27 12:00 → open
    E  public  resident_idea         transport  agency 2
       idea       2025-03-31 22:00 → open                        (1 April in Moscow)
    F  INTERNAL resident_idea        transport  agency 1 — never counted
       idea       2025-01-01 12:00 → 2025-01-02 12:00
       prototype  2025-01-02 12:00 → open
"""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from govtech.funnel.analytics import (
    DATE_RANGE_MESSAGE,
    StaySeconds,
    _durations,
    _durations_in_python,
    funnel_analytics,
    percentile_cont,
)
from govtech.funnel.analytics_views import analytics_rows
from govtech.funnel.models import Origin, StageStay, Topic, Visibility
from govtech.funnel.states import Stage
from tests.factories import AgencyFactory
from tests.funnel.factories import InitiativeFactory

URL = "/funnel/analytics/"
API_URL = "/api/v1/funnel/analytics/"


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


def build(sponsor, stays, *, origin=Origin.RESIDENT_IDEA, topic=Topic.TRANSPORT, visibility=Visibility.PUBLIC):
    """An initiative with exactly these stays: (stage, entered, exited or None)."""
    last_stage, last_entered, _exited = stays[-1]
    initiative = InitiativeFactory(
        sponsor=sponsor,
        origin=origin,
        topic=topic,
        visibility=visibility,
        stage=last_stage,
        stage_entered_at=last_entered,
        open_stay=False,
    )
    StageStay.objects.bulk_create(
        StageStay(initiative=initiative, stage=stage, entered_at=entered, exited_at=exited)
        for stage, entered, exited in stays
    )
    return initiative


@pytest.fixture
def funnel(db):
    agency1 = AgencyFactory(name="Департамент транспорта", slug="transport-dept")
    agency2 = AgencyFactory(name="Департамент здравоохранения", slug="health-dept")
    build(
        agency1,
        [
            ("idea", at(1, 1), at(1, 11)),
            ("prototype", at(1, 11), at(2, 10)),
            ("pilot", at(2, 10), None),
        ],
    )
    build(
        agency1,
        [
            ("idea", at(1, 5), at(1, 25)),
            ("prototype", at(1, 25), at(3, 6)),
            ("pilot", at(3, 6), at(4, 5, 0)),
            ("adoption", at(4, 5, 0), None),
        ],
    )
    build(
        agency2,
        [("idea", at(1, 31, 21, 30), at(3, 2, 21, 30)), ("stopped", at(3, 2, 21, 30), None)],
        origin=Origin.EMPLOYEE_IDEA,
        topic=Topic.HEALTH,
    )
    build(
        agency2,
        [
            ("idea", at(3, 1), at(3, 5)),
            ("prototype", at(3, 5), at(3, 15)),
            ("idea", at(3, 15), at(3, 27)),
            ("prototype", at(3, 27), None),
        ],
        origin=Origin.CHALLENGE_SUBMISSION,
        topic=Topic.HEALTH,
    )
    build(agency2, [("idea", at(3, 31, 22), None)])
    build(agency1, [("idea", at(1, 1), at(1, 2)), ("prototype", at(1, 2), None)], visibility=Visibility.INTERNAL)
    return {"agency1": agency1, "agency2": agency2}


def by_stage(result: dict, key: str) -> dict:
    return {row["stage"]: row[key] for row in result["stages"]}


def test_counts_conversion_and_current_over_all_time(funnel):
    result = funnel_analytics()
    assert [row["stage"] for row in result["stages"]] == ["idea", "prototype", "pilot", "adoption", "scale", "stopped"]
    # open stays: E idea, D prototype, A pilot, B adoption, C stopped (F is internal)
    assert by_stage(result, "current") == {
        "idea": 1,
        "prototype": 1,
        "pilot": 1,
        "adoption": 1,
        "scale": 0,
        "stopped": 1,
    }
    # idea: A B C D E (D twice, counted once); prototype: A B D; pilot: A B; adoption: B; stopped: C
    assert by_stage(result, "reached") == {
        "idea": 5,
        "prototype": 3,
        "pilot": 2,
        "adoption": 1,
        "scale": 0,
        "stopped": 1,
    }
    # idea→prototype 3/5; prototype→pilot 2/3 = 0.6667; pilot→adoption 1/2; adoption→scale 0/1;
    # scale and stopped have no next stage.
    assert by_stage(result, "conversion") == {
        "idea": 0.6,
        "prototype": 0.667,
        "pilot": 0.5,
        "adoption": 0.0,
        "scale": None,
        "stopped": None,
    }
    assert by_stage(result, "converted") == {
        "idea": 3,
        "prototype": 2,
        "pilot": 1,
        "adoption": 0,
        "scale": None,
        "stopped": None,
    }


def test_time_in_stage_is_percentile_cont_of_completed_stays(funnel):
    result = funnel_analytics()
    # idea, completed: 10, 20, 30, 4, 12 → sorted 4 10 12 20 30.
    #   median: position 0.5 × 4 = 2 → 12.  p90: 0.9 × 4 = 3.6 → 20 + 0.6 × (30 − 20) = 26.
    # prototype: 30, 40, 10 → 10 30 40. median: position 1 → 30. p90: 1.8 → 30 + 0.8 × 10 = 38.
    # pilot: only B's 29.5 days. adoption, scale, stopped: nothing completed.
    assert by_stage(result, "median_days") == {
        "idea": 12.0,
        "prototype": 30.0,
        "pilot": 29.5,
        "adoption": None,
        "scale": None,
        "stopped": None,
    }
    assert by_stage(result, "p90_days") == {
        "idea": 26.0,
        "prototype": 38.0,
        "pilot": 29.5,
        "adoption": None,
        "scale": None,
        "stopped": None,
    }
    assert by_stage(result, "completed_stays") == {
        "idea": 5,
        "prototype": 3,
        "pilot": 1,
        "adoption": 0,
        "scale": 0,
        "stopped": 0,
    }


def test_percentile_cont_interpolates_like_postgresql():
    assert percentile_cont([], 0.5) is None
    assert percentile_cont([7.0], 0.9) == 7.0
    assert percentile_cont([1.0, 2.0], 0.5) == 1.5
    assert percentile_cont([1.0, 2.0, 3.0, 4.0], 0.9) == pytest.approx(3.7)  # position 2.7


def test_time_in_stage_matches_percentile_cont_on_many_uneven_stays(db):
    """Both ways of computing it (SQL percentile_cont on PostgreSQL, Python elsewhere) agree
    with a plain computation over every stay."""
    agency = AgencyFactory()
    lengths = {"idea": [], "prototype": []}
    for n in range(37):
        idea = timedelta(days=(n * 7919) % 97, hours=n % 24, minutes=(n * 13) % 60, seconds=n, microseconds=n * 1000)
        prototype = timedelta(days=(n * 31) % 11, hours=(n * 5) % 24)
        start = at(1, 1) + timedelta(hours=n)
        build(
            agency,
            [
                ("idea", start, start + idea),
                ("prototype", start + idea, start + idea + prototype),
                ("pilot", start + idea + prototype, None),
            ],
        )
        lengths["idea"].append(idea.total_seconds())
        lengths["prototype"].append(prototype.total_seconds())
    result = funnel_analytics()
    for stage, values in lengths.items():
        values.sort()
        expected_median = round(percentile_cont(values, 0.5) / 86400, 1)
        expected_p90 = round(percentile_cont(values, 0.9) / 86400, 1)
        assert by_stage(result, "median_days")[stage] == expected_median
        assert by_stage(result, "p90_days")[stage] == expected_p90
    completed = StageStay.objects.filter(exited_at__isnull=False)
    in_sql = _durations(completed)
    in_python = _durations_in_python(completed, StaySeconds(F("exited_at"), F("entered_at")))
    for stage in ("idea", "prototype"):
        for key in ("median_days", "p90_days"):
            assert in_sql[stage][key] == pytest.approx(in_python[stage][key], abs=0.01)  # seconds
        assert in_sql[stage]["completed"] == in_python[stage]["completed"] == 37


def test_throughput_months_are_local_and_gaps_are_filled(funnel):
    throughput = funnel_analytics()["throughput"]
    assert [row["month"] for row in throughput] == ["2025-01", "2025-02", "2025-03", "2025-04"]
    entered = {row["month"]: {k: v for k, v in row["entered"].items() if v} for row in throughput}
    # January: A idea + prototype, B idea + prototype (C's idea is 1 February in Moscow).
    assert entered["2025-01"] == {"idea": 2, "prototype": 2}
    assert entered["2025-02"] == {"idea": 1, "pilot": 1}  # C idea, A pilot
    # March: D idea ×2 + prototype ×2, B pilot, C stopped.
    assert entered["2025-03"] == {"idea": 2, "prototype": 2, "pilot": 1, "stopped": 1}
    assert entered["2025-04"] == {"idea": 1, "adoption": 1}  # E idea (1 April in Moscow), B adoption
    assert [row["total"] for row in throughput] == [4, 2, 6, 2]
    assert set(throughput[0]["entered"]) == {stage.value for stage in Stage}


def test_throughput_lists_empty_months_between(db):
    agency = AgencyFactory()
    build(agency, [("idea", at(1, 10), at(4, 10)), ("stopped", at(4, 10), None)])
    throughput = funnel_analytics()["throughput"]
    assert [(row["month"], row["total"]) for row in throughput] == [
        ("2025-01", 1),
        ("2025-02", 0),
        ("2025-03", 0),
        ("2025-04", 1),
    ]


def test_months_follow_the_configured_time_zone_with_daylight_saving(db, settings):
    settings.TIME_ZONE = "America/New_York"  # EST (UTC−5) in winter, EDT (UTC−4) in summer
    agency = AgencyFactory()
    # 04:30 UTC on 1 March is 23:30 on 28 February in New York (EST).
    build(agency, [("idea", at(3, 1, 4, 30), at(11, 1, 3, 30)), ("stopped", at(11, 1, 3, 30), None)])
    # 03:30 UTC on 1 November is 23:30 on 31 October (EDT).
    throughput = {row["month"]: row["total"] for row in funnel_analytics()["throughput"]}
    assert throughput["2025-02"] == 1
    assert throughput["2025-10"] == 1
    assert set(throughput.values()) == {0, 1} and sum(throughput.values()) == 2
    assert funnel_analytics(date_from=date(2025, 2, 28), date_to=date(2025, 2, 28))["stages"][0]["reached"] == 1


def test_date_range_selects_stays_by_entry_day_in_local_time(funnel):
    result = funnel_analytics(date_from=date(2025, 2, 1), date_to=date(2025, 3, 31))
    # Entered in range: C idea (1 Feb local), A pilot, C stopped, B pilot, D idea ×2, D prototype ×2.
    # E's idea is 1 April locally (31 March UTC): out. B's adoption: out.
    assert by_stage(result, "reached") == {
        "idea": 2,
        "prototype": 1,
        "pilot": 2,
        "adoption": 0,
        "scale": 0,
        "stopped": 1,
    }
    assert by_stage(result, "current") == {
        "idea": 0,
        "prototype": 1,
        "pilot": 1,
        "adoption": 0,
        "scale": 0,
        "stopped": 1,
    }
    # idea→prototype: C no, D yes → 1/2. prototype→pilot: D no → 0/1.
    # pilot→adoption: B reached adoption after the range (it still counts), A not → 1/2.
    assert by_stage(result, "conversion") == {
        "idea": 0.5,
        "prototype": 0.0,
        "pilot": 0.5,
        "adoption": None,
        "scale": None,
        "stopped": None,
    }
    # idea: C 30, D 4, D 12 → 4 12 30: median 12, p90 position 1.8 → 12 + 0.8 × 18 = 26.4.
    assert by_stage(result, "median_days")["idea"] == 12.0
    assert by_stage(result, "p90_days")["idea"] == 26.4
    assert by_stage(result, "median_days")["prototype"] == 10.0
    assert by_stage(result, "median_days")["pilot"] == 29.5
    assert [row["month"] for row in result["throughput"]] == ["2025-02", "2025-03"]
    assert result["filters"]["date_from"] == "2025-02-01"
    assert result["filters"]["date_to"] == "2025-03-31"


def test_one_day_range_includes_the_whole_local_day(funnel):
    # C's idea was entered at 00:30 Moscow time on 1 February (21:30 UTC on 31 January).
    result = funnel_analytics(date_from=date(2025, 2, 1), date_to=date(2025, 2, 1))
    assert by_stage(result, "reached")["idea"] == 1
    assert funnel_analytics(date_from=date(2025, 1, 31), date_to=date(2025, 1, 31))["stages"][0]["reached"] == 0


def test_reversed_range_is_refused(db):
    from govtech.core.errors import ServiceError

    with pytest.raises(ServiceError):
        funnel_analytics(date_from=date(2025, 3, 1), date_to=date(2025, 2, 1))


def test_filters_by_origin_topic_and_agency(funnel):
    resident = funnel_analytics(origin=Origin.RESIDENT_IDEA)  # A, B, E (F is internal)
    assert by_stage(resident, "reached") == {
        "idea": 3,
        "prototype": 2,
        "pilot": 2,
        "adoption": 1,
        "scale": 0,
        "stopped": 0,
    }
    health = funnel_analytics(topic=Topic.HEALTH)  # C, D
    assert by_stage(health, "reached")["idea"] == 2
    assert by_stage(health, "conversion")["idea"] == 0.5
    agency2 = funnel_analytics(sponsor_id=funnel["agency2"].pk)  # C, D, E
    assert by_stage(agency2, "reached")["idea"] == 3
    assert by_stage(agency2, "current") == {
        "idea": 1,
        "prototype": 1,
        "pilot": 0,
        "adoption": 0,
        "scale": 0,
        "stopped": 1,
    }
    agency1 = funnel_analytics(sponsor_id=funnel["agency1"].pk, topic=Topic.HEALTH)
    assert by_stage(agency1, "reached")["idea"] == 0
    assert by_stage(agency1, "conversion")["idea"] is None


def test_internal_initiatives_never_count(funnel, db):
    agency = AgencyFactory()
    build(agency, [("scale", at(2, 1), None)], visibility=Visibility.INTERNAL)
    result = funnel_analytics()
    assert by_stage(result, "reached")["scale"] == 0
    assert sum(row["total"] for row in result["breakdowns"]["sponsor"]) == 5


def test_breakdowns_count_current_stages(funnel):
    breakdowns = funnel_analytics()["breakdowns"]
    origin = {row["key"]: {k: v for k, v in row["stages"].items() if v} for row in breakdowns["origin"]}
    assert origin == {
        "resident_idea": {"idea": 1, "pilot": 1, "adoption": 1},  # E, A, B
        "employee_idea": {"stopped": 1},
        "challenge_submission": {"prototype": 1},
    }
    assert breakdowns["origin"][0]["key"] == "resident_idea"  # the largest group first
    assert breakdowns["origin"][0]["total"] == 3
    assert breakdowns["origin"][0]["label"] == str(Origin.RESIDENT_IDEA.label)
    topic = {row["key"]: row["total"] for row in breakdowns["topic"]}
    assert topic == {"transport": 3, "health": 2}
    sponsor = breakdowns["sponsor"]
    assert [(row["slug"], row["total"]) for row in sponsor] == [("health-dept", 3), ("transport-dept", 2)]
    assert sponsor[0]["key"] == funnel["agency2"].pk
    assert sponsor[0]["label"] == "Департамент здравоохранения"
    assert {k: v for k, v in sponsor[1]["stages"].items() if v} == {"pilot": 1, "adoption": 1}


def test_breakdowns_add_up_to_the_current_counts(funnel):
    for filters in ({}, {"date_from": date(2025, 2, 1), "date_to": date(2025, 3, 31)}, {"topic": Topic.HEALTH}):
        result = funnel_analytics(**filters)
        for key in ("origin", "topic", "sponsor"):
            summed = {stage: sum(row["stages"][stage] for row in result["breakdowns"][key]) for stage in Stage.values}
            assert summed == by_stage(result, "current"), (filters, key)


def test_empty_funnel(db):
    result = funnel_analytics()
    assert by_stage(result, "reached") == dict.fromkeys(by_stage(result, "reached"), 0)
    assert all(row["conversion"] is None and row["median_days"] is None for row in result["stages"])
    assert result["throughput"] == []
    assert result["breakdowns"] == {"origin": [], "topic": [], "sponsor": []}


def test_result_is_plain_json(funnel):
    result = funnel_analytics(date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    assert json.loads(json.dumps(result)) == result


def _grow(count: int) -> None:
    agencies = [AgencyFactory() for _ in range(3)]
    origins, topics = list(Origin.values), list(Topic.values)
    for n in range(count):
        build(
            agencies[n % 3],
            [
                ("idea", at(1 + n % 12, 1 + n % 28), at(1 + n % 12, 1 + n % 28, 18)),
                ("prototype", at(1 + n % 12, 1 + n % 28, 18), None if n % 2 else at(12, 30)),
                *([] if n % 2 else [("stopped", at(12, 30), None)]),
            ],
            origin=origins[n % len(origins)],
            topic=topics[n % len(topics)],
        )


def test_query_count_does_not_grow_with_data(funnel):
    with CaptureQueriesContext(connection) as few:
        funnel_analytics(origin=Origin.RESIDENT_IDEA, date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    _grow(195)
    with CaptureQueriesContext(connection) as many:
        result = funnel_analytics(origin=Origin.RESIDENT_IDEA, date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    assert result["stages"][0]["reached"] > 3
    assert len(many) == len(few)
    assert len(few) <= 7


# --- the page and its downloads ---------------------------------------------------------


def test_page_renders_without_filters(funnel, client):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "<title" in html and "<caption>" in html
    assert 'scope="col"' in html and 'scope="row"' in html
    assert "2025-03" in html  # throughput month
    assert "Департамент здравоохранения" in html
    assert 'href="/funnel/analytics.csv"' in html
    result = funnel_analytics()
    assert response.context["data"] == result


def test_page_and_api_take_the_empty_form_as_no_filters(funnel, client, api_client):
    empty = {"origin": "", "agency": "", "topic": "", "date_from": "", "date_to": ""}
    response = client.get(URL, empty)
    assert response.status_code == 200
    assert response.context["data"] == funnel_analytics()
    assert api_client.get(API_URL, empty).json() == funnel_analytics()


def test_page_in_russian_keeps_svg_coordinates_numeric(funnel, client):
    import re

    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    svg = "".join(re.findall(r"<svg.*?</svg>", response.content.decode(), flags=re.S))
    assert svg.count("<svg") == 2
    assert not re.search(r'\s(?:x|y|width|height)="[^"]*,', svg)
    assert 'width="420.0"' in svg


def test_page_without_any_stays(db, client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["data"]["throughput"] == []
    assert response.content.decode().count("<svg") == 1  # the stages chart only, every bar at 0


def test_page_with_filters_keeps_them_in_the_downloads(funnel, client):
    response = client.get(URL, {"origin": "resident_idea", "agency": "transport-dept", "date_from": "2025-01-01"})
    assert response.status_code == 200
    assert response.context["data"] == funnel_analytics(
        origin="resident_idea", sponsor_id=funnel["agency1"].pk, date_from=date(2025, 1, 1)
    )
    assert "analytics.csv?origin=resident_idea&amp;agency=transport-dept&amp;date_from=2025-01-01" in (
        response.content.decode()
    )


def test_page_shows_reversed_dates_next_to_the_field(funnel, client):
    response = client.get(URL, {"date_from": "2025-03-01", "date_to": "2025-02-01"})
    assert response.status_code == 200
    assert "data" not in response.context
    assert response.context["form"].errors["date_to"] == [str(DATE_RANGE_MESSAGE)]
    assert escape(str(DATE_RANGE_MESSAGE)) in response.content.decode()
    assert 'id="id_date_to_error"' in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [{"date_from": "not-a-date"}, {"origin": "martian"}, {"agency": "no-such-agency"}, {"topic": "x"}],
)
def test_page_shows_other_bad_filters_without_failing(funnel, client, params):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == set(params)


def test_agency_filter_offers_only_agencies(funnel, client):
    from tests.factories import SupplierFactory

    SupplierFactory(slug="a-supplier")
    response = client.get(URL, {"agency": "a-supplier"})
    assert "agency" in response.context["form"].errors


def test_csv_download_has_the_same_numbers(funnel, client):
    params = {"topic": "health", "date_to": "2025-03-31"}
    response = client.get("/funnel/analytics.csv", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "key", "label", "stage", "metric", "value"]
    expected = analytics_rows(funnel_analytics(topic="health", date_to=date(2025, 3, 31)))
    assert rows[1:] == [[str(value) for value in row] for row in expected]
    values = {(r[0], r[1], r[4]): r[5] for r in rows[1:]}
    assert values[("stages", "idea", "reached")] == "2"
    assert values[("stages", "idea", "conversion")] == "0.5"
    assert values[("stages", "adoption", "median_days")] == ""
    assert values[("throughput", "2025-03", "entered")] in {"0", "1", "2"}


def test_csv_download_does_not_let_names_run_as_formulas(db, client):
    build(AgencyFactory(name='=HYPERLINK("http://evil.test")'), [("idea", at(1, 1), None)])
    rows = list(csv.reader(io.StringIO(client.get("/funnel/analytics.csv").content.decode())))
    labels = {row[2] for row in rows if row[0] == "sponsor"}
    assert labels == {'\'=HYPERLINK("http://evil.test")'}


def test_json_download_is_funnel_analytics(funnel, client):
    response = client.get("/funnel/analytics.json", {"agency": "health-dept"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content) == funnel_analytics(sponsor_id=funnel["agency2"].pk)


def test_downloads_refuse_bad_filters(funnel, client):
    for url in ("/funnel/analytics.csv", "/funnel/analytics.json"):
        response = client.get(url, {"date_from": "2025-03-01", "date_to": "2025-02-01"})
        assert response.status_code == 400
        assert response.json()["error"]["fields"] == {"date_to": [str(DATE_RANGE_MESSAGE)]}


# --- the API ----------------------------------------------------------------------------


def test_api_answers_the_same_numbers(funnel, api_client):
    response = api_client.get(API_URL, {"origin": "resident_idea", "date_from": "2025-02-01", "date_to": "2025-04-30"})
    assert response.status_code == 200
    assert response.json() == funnel_analytics(
        origin="resident_idea", date_from=date(2025, 2, 1), date_to=date(2025, 4, 30)
    )
    assert response.json()["stages"][0]["reached"] == 1  # only E's idea (1 April)


def test_api_filters_by_agency_slug_and_topic(funnel, api_client):
    response = api_client.get(API_URL, {"agency": "transport-dept", "topic": "transport"})
    assert response.status_code == 200
    assert response.json() == funnel_analytics(sponsor_id=funnel["agency1"].pk, topic="transport")


def test_api_is_public_for_signed_in_users_too(funnel, api_client_for):
    for role in ("anonymous", "resident", "operator"):
        assert api_client_for(role).get(API_URL).json() == funnel_analytics()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2025-03-01", "date_to": "2025-02-01"}, "date_to"),
        ({"date_from": "1 March"}, "date_from"),
        ({"origin": "martian"}, "origin"),
        ({"agency": "no-such-agency"}, "agency"),
        ({"topic": "x"}, "topic"),
    ],
)
def test_api_refuses_bad_filters_in_the_error_format(funnel, api_client, params, field):
    response = api_client.get(API_URL, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]


def test_api_is_in_the_schema(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    operation = response.json()["paths"]["/api/v1/funnel/analytics/"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {
        "origin",
        "agency",
        "topic",
        "date_from",
        "date_to",
    }


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
