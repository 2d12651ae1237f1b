"""Every API error has one machine-readable shape: {"error": {status, code, message, fields}}."""

import json

import pytest
from django.test import RequestFactory, override_settings

from govtech.accounts.models import Organization

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert {"status", "code", "message", "fields"} <= set(error)
    assert error["status"] == status
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    return error


def test_400_names_the_invalid_fields(api_client_for):
    response = api_client_for("resident").post(
        "/api/v1/organizations/",
        {"kind": "supplier", "name": "ООО «Тест»", "inn": "7707083894", "ogrn": "1027700132195"},
        format="json",
    )
    error = assert_error(response, 400, "invalid")
    assert "inn" in error["fields"]
    assert not Organization.objects.filter(name="ООО «Тест»").exists()


def test_400_for_a_malformed_body(api_client_for):
    response = api_client_for("resident").generic(
        "POST", "/api/v1/organizations/", "{not json", content_type="application/json"
    )
    assert_error(response, 400, "invalid")


def test_401_for_an_anonymous_write_with_a_challenge(api_client_for):
    response = api_client_for("anonymous").post(
        "/api/v1/organizations/", {"kind": "partner", "name": "X"}, format="json"
    )
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Token")


def test_401_for_a_bad_token(client, db):
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(response, 401, "not_authenticated")


def test_403_when_the_role_does_not_allow_it(api_client_for):
    assert_error(api_client_for("resident").get("/api/v1/users/"), 403, "permission_denied")


def test_403_from_a_service_refusal(api_client_for, agency):
    response = api_client_for("supplier_admin").patch(
        f"/api/v1/organizations/{agency.slug}/", {"name": "Захват"}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    agency.refresh_from_db()
    assert agency.name != "Захват"


def test_404_for_a_missing_object(api_client_for):
    assert_error(api_client_for("anonymous").get("/api/v1/organizations/no-such-org/"), 404, "not_found")


def test_404_for_an_unknown_api_address(client):
    assert_error(client.get("/api/v1/no-such-endpoint/"), 404, "not_found")


def test_405_for_a_method_the_endpoint_lacks(api_client_for):
    assert_error(api_client_for("operator").delete("/api/v1/organizations/"), 405, "method_not_allowed")


def test_409_from_a_conflict(api_client_for, people, supplier):
    response = api_client_for("supplier_admin").post(
        f"/api/v1/organizations/{supplier.slug}/invitations/", {"email": people["supplier_member"].email}, format="json"
    )
    error = assert_error(response, 409, "already_member")
    assert "email" in error["fields"]


@override_settings(GOVTECH_API_ANON_RATE="3/min")
def test_429_when_an_anonymous_client_is_throttled(api_client_for):
    client = api_client_for("anonymous")
    for _ in range(3):
        assert client.get("/api/v1/organizations/").status_code == 200
    error = assert_error(client.get("/api/v1/organizations/"), 429, "throttled")
    assert 0 < error["retry_after"] <= 60


@override_settings(GOVTECH_API_ANON_RATE="3/min")
def test_signed_in_clients_use_their_own_higher_limit(api_client_for):
    client = api_client_for("resident")
    for _ in range(5):
        assert client.get("/api/v1/organizations/").status_code == 200


def test_500_for_api_addresses_is_json():
    from config.urls import handler500

    response = handler500(RequestFactory().get("/api/v1/organizations/"))
    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "server_error"


def test_500_for_pages_is_the_html_page():
    from config.urls import handler500

    response = handler500(RequestFactory().get("/organizations/"))
    assert response.status_code == 500
    assert b"<html" in response.content
