"""The list's columns read from a compiled release: published data is untrusted, so every field
may be missing or of the wrong type, and values outside the closed codelists are left empty."""

from decimal import Decimal

import pytest

from govtech.procurement.compile import compile_releases, tender_fields


def release(n: int, date: str, **parts) -> dict:
    return {"ocid": "ocds-x-1", "id": f"r{n}", "date": date, "tag": ["tender"], **parts}


def test_the_latest_release_wins_and_lists_merge_by_id():
    compiled, warned = compile_releases(
        [
            release(2, "2024-02-01T00:00:00Z", tender={"status": "complete", "lots": [{"id": "2", "title": "B"}]}),
            release(1, "2024-01-01T00:00:00Z", tender={"status": "active", "title": "Серверы", "lots": [{"id": "1"}]}),
        ]
    )
    assert warned == []
    fields = tender_fields(compiled, 2)
    assert (fields["status"], fields["title"], fields["lot_count"], fields["release_count"]) == (
        "complete",
        "Серверы",
        2,
        2,
    )
    assert fields["last_release_at"].isoformat() == "2024-02-01T00:00:00+00:00"


def test_duplicate_ids_are_merged_and_warned_of():
    compiled, warned = compile_releases(
        [release(1, "2024-01-01T00:00:00Z", awards=[{"id": "a", "status": "active"}, {"id": "a", "status": "x"}])]
    )
    assert len(compiled["awards"]) == 1
    assert warned and "awards" in warned[0]


@pytest.mark.parametrize(
    "tender",
    [
        {},
        {"status": "open", "procurementMethod": "auction", "mainProcurementCategory": "consultingServices"},
        {"value": "lots", "tenderPeriod": "soon", "items": "many", "lots": {"id": 1}},
        {"value": {"amount": "abc", "currency": 7}, "tenderPeriod": {"endDate": "2024-99-99"}},
        {"value": {"amount": 1e30}, "items": [{"classification": ["CPV"]}], "suitability": "yes"},
        {"title": ["a"], "description": {"ru": "x"}, "procuringEntity": "somebody"},
    ],
)
def test_odd_values_give_empty_columns_not_errors(tender):
    fields = tender_fields({"ocid": "ocds-x-1", "tender": tender, "buyer": "dept", "awards": {"id": 1}}, 1)
    assert fields["status"] == fields["method"] == fields["main_category"] == ""
    assert fields["value_amount"] is None and fields["submission_deadline"] is None
    assert fields["award_count"] == 0 and fields["suitable_for_sme"] is None


def test_money_is_exact_and_the_buyer_is_found_among_the_parties():
    compiled = {
        "ocid": "ocds-x-2",
        "date": "2024-03-01T10:00:00+03:00",
        "parties": [{"id": "p1", "name": "ДИТ Москвы", "roles": ["buyer", "procuringEntity"]}],
        "tender": {
            "value": {"amount": 1234567.891, "currency": "rub"},
            "tenderPeriod": {"endDate": "2024-03-15T12:00:00Z"},
            "lots": [{"id": "1", "suitability": {"sme": False}}, {"id": "2", "suitability": {"sme": True}}],
            "items": [{"classification": {"scheme": "OKPD2", "id": "62.01", "description": "ПО"}}],
        },
    }
    fields = tender_fields(compiled, 1)
    assert (fields["value_amount"], fields["currency"]) == (Decimal("1234567.89"), "RUB")
    assert (fields["buyer_name"], fields["buyer_identifier"]) == ("ДИТ Москвы", "p1")
    assert fields["suitable_for_sme"] is True and fields["lot_count"] == 2
    assert (fields["classification_scheme"], fields["classification_id"]) == ("OKPD2", "62.01")
    assert fields["last_release_at"].utcoffset().total_seconds() == 3 * 3600
