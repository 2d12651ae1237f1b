"""Search ignores case in Cyrillic and Latin alike, on SQLite and PostgreSQL."""

import pytest

from govtech.accounts.models import Organization
from govtech.core.search import search
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizations():
    return [
        OrganizationFactory(name="ООО «Ромашка»", district="Тверской"),
        OrganizationFactory(name="ЁЛКА Технологии", district="Арбат"),
        OrganizationFactory(name="Smart Route", district="Хамовники"),
    ]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("ромашка", ["ООО «Ромашка»"]),
        ("РОМАШКА", ["ООО «Ромашка»"]),
        ("ёлка", ["ЁЛКА Технологии"]),
        ("smart", ["Smart Route"]),
        ("тверской", ["ООО «Ромашка»"]),
        ("ооо тверской", ["ООО «Ромашка»"]),  # every word must match somewhere
        ("ооо арбат", []),
        ("", ["ЁЛКА Технологии", "ООО «Ромашка»", "Smart Route"]),
    ],
)
def test_search_is_case_insensitive_in_any_alphabet(organizations, query, expected):
    found = search(Organization.objects.all(), ["name", "district"], query)
    assert sorted(found.values_list("name", flat=True)) == sorted(expected)


def test_the_web_directory_and_the_api_use_it(organizations, client):
    assert "ООО «Ромашка»" in client.get("/organizations/?q=ромашка").content.decode()
    results = client.get("/api/v1/organizations/?search=ромашка").json()["results"]
    assert [r["name"] for r in results] == ["ООО «Ромашка»"]
