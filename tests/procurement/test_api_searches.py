"""Saved tender searches in the API: each person's own, validated like the tender list's
parameters, with refusals in the API's error format and nothing kept."""

import pytest

from govtech.procurement.models import SavedSearch
from tests.procurement.factories import TenderFactory

pytestmark = pytest.mark.django_db

SEARCHES = "/api/v1/procurement/searches/"


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


def test_a_person_saves_lists_switches_and_deletes_a_search(api_client_for, people):
    client = api_client_for("resident")
    response = client.post(
        SEARCHES,
        {"name": "Серверы", "params": {"q": "серверы", "status": ["active"], "value_min": "1000"}},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["alerts"]) == ("Серверы", True)
    assert body["params"] == {"q": "серверы", "status": ["active"], "value_min": "1000.00"}
    TenderFactory(title="Серверы", value_amount=5000)
    TenderFactory(title="Серверы дешёвые", value_amount=10)
    assert client.get(body["tenders_url"]).json()["count"] == 1  # the link runs the same search

    listed = client.get(SEARCHES).json()
    assert [item["id"] for item in listed["results"]] == [body["id"]]
    assert api_client_for("supplier_admin").get(SEARCHES).json()["count"] == 0

    response = client.patch(f"{SEARCHES}{body['id']}/", {"alerts": False}, format="json")
    assert response.status_code == 200 and response.json()["alerts"] is False
    assert client.delete(f"{SEARCHES}{body['id']}/").status_code == 204
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": "", "params": {"q": "x"}}, "name"),
        ({"name": "x" * 121, "params": {"q": "x"}}, "name"),
        ({"name": "Плохо", "params": {"status": "bogus"}}, "params.status"),
        ({"name": "Плохо", "params": {"value_min": "abc"}}, "params.value_min"),
        ({"name": "Плохо", "params": {"q": "x"}, "colour": "red"}, "colour"),
        ({"name": "Плохо", "params": {"q": "x"}, "alerts": "sometimes"}, "alerts"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_client_for, payload, field):
    body = error(api_client_for("resident").post(SEARCHES, payload, format="json"), 400)
    assert field in body["fields"]
    assert not SavedSearch.objects.exists()


def test_an_empty_search_is_refused_by_the_service(api_client_for):
    body = error(api_client_for("resident").post(SEARCHES, {"name": "Всё", "params": {}}, format="json"), 400)
    assert body["code"] == "empty"
    assert not SavedSearch.objects.exists()


def test_someone_elses_search_is_not_there_and_anonymous_must_sign_in(api_client_for, people):
    owner = api_client_for("resident")
    pk = owner.post(SEARCHES, {"name": "Мой", "params": {"q": "серверы"}}, format="json").json()["id"]
    stranger = api_client_for("supplier_admin")
    error(stranger.patch(f"{SEARCHES}{pk}/", {"alerts": False}, format="json"), 404)
    error(stranger.delete(f"{SEARCHES}{pk}/"), 404)
    error(api_client_for("anonymous").get(SEARCHES), 401)
    error(api_client_for("anonymous").post(SEARCHES, {"name": "x", "params": {"q": "y"}}, format="json"), 401)
    assert SavedSearch.objects.get().alerts is True
