"""The accounts API: pages, filters, the one error format, token authentication, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from govtech.accounts import services
from govtech.accounts.models import Invitation, Membership, Organization, User
from govtech.core.models import AuditEvent
from tests.factories import (
    AgencyFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db

ORGANIZATIONS = "/api/v1/organizations/"
SBERBANK = {"inn": "7707083893", "ogrn": "1027700132195"}


def _slugs(response) -> list[str]:
    return [item["slug"] for item in response.json()["results"]]


# --- the directory --------------------------------------------------------


def test_the_list_is_paginated(api_client_for):
    client = api_client_for("anonymous")
    for i in range(23):
        OrganizationFactory(name=f"Лаборатория {i:02d}", slug=f"lab-{i:02d}")
    total = Organization.objects.filter(is_active=True).count()

    first = client.get(ORGANIZATIONS).json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == total
    assert len(first["results"]) == 20
    assert first["previous"] is None
    assert first["next"].endswith("/api/v1/organizations/?page=2")

    second = client.get(first["next"]).json()
    assert len(second["results"]) == total - 20
    assert second["next"] is None
    assert second["previous"] is not None

    assert len(client.get(ORGANIZATIONS, {"page_size": 5}).json()["results"]) == 5
    assert len(client.get(ORGANIZATIONS, {"page_size": 1000}).json()["results"]) == total  # capped at 100
    assert client.get(ORGANIZATIONS, {"page": 99}).status_code == 404


def test_the_list_shows_only_active_organizations_with_their_parent(api_client_for):
    parent = AgencyFactory(slug="government")
    AgencyFactory(slug="transport", parent=parent)
    OrganizationFactory(slug="closed", is_active=False)
    response = api_client_for("anonymous").get(ORGANIZATIONS, {"page_size": 100})
    by_slug = {item["slug"]: item for item in response.json()["results"]}
    assert "closed" not in by_slug
    assert by_slug["transport"]["parent"] == "government"
    assert by_slug["transport"]["kind"] == "agency"


def test_the_list_filters_by_kind_and_sme_and_searches():
    client = APIClient()
    AgencyFactory(slug="transport", name="Департамент транспорта", district="Arbat")
    SupplierFactory(slug="romashka", name="ООО Ромашка", is_sme=True, **SBERBANK)
    SupplierFactory(slug="big", name="ПАО Большой", is_sme=False)
    OrganizationFactory(slug="fund", name="Фонд Ромашка")

    assert _slugs(client.get(ORGANIZATIONS, {"kind": "supplier"})) == ["romashka", "big"]
    assert _slugs(client.get(ORGANIZATIONS, {"kind": "supplier", "is_sme": "false"})) == ["big"]
    assert _slugs(client.get(ORGANIZATIONS, {"search": "Ромашка"})) == ["romashka", "fund"]
    assert _slugs(client.get(ORGANIZATIONS, {"search": SBERBANK["inn"]})) == ["romashka"]
    assert _slugs(client.get(ORGANIZATIONS, {"search": "arbat"})) == ["transport"]
    assert _slugs(client.get(ORGANIZATIONS, {"search": "Ромашка", "ordering": "-name"})) == ["fund", "romashka"]


def test_an_unknown_kind_is_a_400_in_the_error_format(api_client_for):
    response = api_client_for("anonymous").get(ORGANIZATIONS, {"kind": "ministry"})
    assert response.status_code == 400
    body = response.json()["error"]
    assert (body["status"], body["code"]) == (400, "invalid")
    assert list(body["fields"]) == ["kind"]


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(ORGANIZATIONS, {"page_size": 100})
    assert response.status_code == 200
    return len(queries)


def _organizations_with_members(n: int) -> None:
    parent = AgencyFactory()
    for _ in range(n):
        MembershipFactory.create_batch(2, organization=AgencyFactory(parent=parent))


@pytest.mark.parametrize("role", ["anonymous", "operator"])
def test_the_list_needs_the_same_queries_for_5_or_30_organizations(api_client_for, role, django_assert_max_num_queries):
    client = api_client_for(role)
    _organizations_with_members(5)
    few = _list_queries(client)
    _organizations_with_members(25)
    assert _list_queries(client) == few
    with django_assert_max_num_queries(3):  # the count and the page
        client.get(ORGANIZATIONS, {"page_size": 100})


def test_the_member_list_needs_the_same_queries_for_any_number_of_members(api_client_for, supplier):
    client = api_client_for("operator")
    url = f"{ORGANIZATIONS}{supplier.slug}/members/"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    MembershipFactory.create_batch(20, organization=supplier)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.json()["count"] == 22
    assert len(many) == len(few)


# --- creating and changing organizations ----------------------------------


def test_a_person_registers_a_supplier(api_client_for, people):
    response = api_client_for("resident").post(
        ORGANIZATIONS,
        {"kind": "supplier", "name": "ПАО Сбербанк", "is_sme": False, "headcount": 200000, **SBERBANK},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "supplier"
    assert (body["inn"], body["ogrn"]) == (SBERBANK["inn"], SBERBANK["ogrn"])
    organization = Organization.objects.get(slug=body["slug"])
    assert organization.memberships.get().user == people["resident"]
    assert AuditEvent.objects.filter(action="organization.created", object_id=str(organization.pk)).count() == 1


def test_a_bad_inn_is_a_400_naming_the_field(api_client_for):
    response = api_client_for("resident").post(
        ORGANIZATIONS,
        {"kind": "supplier", "name": "ООО Ромашка", "inn": "7707083894", "ogrn": SBERBANK["ogrn"]},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"status", "code", "message", "fields"}
    assert (error["status"], error["code"]) == (400, "invalid")
    assert error["message"]
    assert list(error["fields"]) == ["inn"]
    assert len(error["fields"]["inn"]) == 1 and error["fields"]["inn"][0]
    assert not Organization.objects.filter(name="ООО Ромашка").exists()


def test_mismatched_inn_and_ogrn_is_a_400_on_the_ogrn(api_client_for):
    response = api_client_for("resident").post(
        ORGANIZATIONS,
        {"kind": "supplier", "name": "ИП Иванов", "inn": SBERBANK["inn"], "ogrn": "304500116000157"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["ogrn"]


def test_a_duplicate_inn_is_a_400_on_the_inn(api_client_for):
    SupplierFactory(**SBERBANK)
    response = api_client_for("resident").post(
        ORGANIZATIONS, {"kind": "supplier", "name": "Двойник", **SBERBANK}, format="json"
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["inn"]
    assert "organization_unique_inn" not in fields["inn"][0]


def test_a_missing_name_is_a_400_from_the_input_serializer(api_client_for):
    response = api_client_for("resident").post(ORGANIZATIONS, {"kind": "partner"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["name"]


def test_an_admin_patches_their_organization(api_client_for, supplier, agency):
    response = api_client_for("supplier_admin").patch(
        f"{ORGANIZATIONS}{supplier.slug}/", {"name": "Новое имя", "headcount": 15}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["headcount"]) == ("Новое имя", 15)
    supplier.refresh_from_db()
    assert (supplier.name, supplier.headcount, supplier.kind) == ("Новое имя", 15, "supplier")


def test_a_patch_cannot_change_the_kind(api_client_for, supplier):
    response = api_client_for("operator").patch(f"{ORGANIZATIONS}{supplier.slug}/", {"kind": "agency"}, format="json")
    assert response.status_code == 200
    assert response.json()["kind"] == "supplier"
    supplier.refresh_from_db()
    assert supplier.kind == "supplier"


def test_the_parent_is_given_by_address_and_must_be_an_agency(api_client_for, agency, supplier):
    client = api_client_for("operator")
    created = client.post(ORGANIZATIONS, {"kind": "agency", "name": "Управление", "parent": agency.slug}, format="json")
    assert created.status_code == 201
    assert created.json()["parent"] == agency.slug
    refused = client.post(
        ORGANIZATIONS, {"kind": "agency", "name": "Управление-2", "parent": supplier.slug}, format="json"
    )
    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["parent"]


def test_the_missing_organization_is_a_404_in_the_error_format(api_client_for):
    response = api_client_for("operator").get(f"{ORGANIZATIONS}no-such-org/")
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404
    assert response.json()["error"]["code"] == "not_found"


# --- members and invitations ----------------------------------------------


def test_members_are_listed_with_their_people(api_client_for, people, supplier):
    response = api_client_for("supplier_member").get(f"{ORGANIZATIONS}{supplier.slug}/members/")
    rows = {row["user"]["email"]: row["role"] for row in response.json()["results"]}
    assert rows == {"supplier-admin@example.test": "admin", "supplier-member@example.test": "member"}
    only_admins = api_client_for("supplier_member").get(f"{ORGANIZATIONS}{supplier.slug}/members/", {"role": "admin"})
    assert [row["user"]["email"] for row in only_admins.json()["results"]] == ["supplier-admin@example.test"]


def test_removing_the_last_admin_is_a_409_with_its_code(api_client_for, people, supplier):
    membership = Membership.objects.get(user=people["supplier_admin"], organization=supplier)
    response = api_client_for("supplier_admin").delete(f"{ORGANIZATIONS}{supplier.slug}/members/{membership.pk}/")
    assert response.status_code == 409
    assert (response.json()["error"]["status"], response.json()["error"]["code"]) == (409, "last_admin")
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_an_admin_invites_and_lists_invitations(api_client_for, supplier):
    client = api_client_for("supplier_admin")
    url = f"{ORGANIZATIONS}{supplier.slug}/invitations/"
    created = client.post(url, {"email": "New@Example.test", "role": "admin"}, format="json")
    assert created.status_code == 201
    assert (created.json()["email"], created.json()["role"], created.json()["status"]) == (
        "new@example.test",
        "admin",
        "pending",
    )
    assert "token" not in created.json()  # the secret goes only by e-mail
    listed = client.get(url).json()
    assert [item["email"] for item in listed["results"]] == ["new@example.test"]


def test_a_double_invitation_is_a_409_on_the_email(api_client_for, supplier):
    InvitationFactory(organization=supplier, email="twice@example.test")
    response = api_client_for("supplier_admin").post(
        f"{ORGANIZATIONS}{supplier.slug}/invitations/", {"email": "twice@example.test"}, format="json"
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == ("already_invited", ["email"])
    assert Invitation.objects.filter(email="twice@example.test").count() == 1


def test_the_invited_person_accepts_through_the_api(api_client_for, people, supplier):
    invitation = InvitationFactory(organization=supplier, email="resident@example.test", role="admin")
    response = api_client_for("resident").post(f"/api/v1/invitations/{invitation.token}/accept/")
    assert response.status_code == 201
    assert (response.json()["user"]["email"], response.json()["role"]) == ("resident@example.test", "admin")
    assert Membership.objects.filter(user=people["resident"], organization=supplier, role="admin").exists()


def test_the_wrong_account_gets_a_400_with_its_code(api_client_for, supplier):
    invitation = InvitationFactory(organization=supplier, email="someone@example.test")
    response = api_client_for("resident").post(f"/api/v1/invitations/{invitation.token}/accept/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "wrong_account"


# --- people ---------------------------------------------------------------


def test_me_shows_and_changes_the_profile(api_client_for, people):
    client = api_client_for("expert")
    assert client.get("/api/v1/me/").json() == {
        "id": people["expert"].pk,
        "email": "expert@example.test",
        "full_name": people["expert"].full_name,
        "language": "ru",
        "platform_roles": ["expert"],
    }
    response = client.patch("/api/v1/me/", {"language": "en", "email": "stolen@example.test"}, format="json")
    assert response.status_code == 200
    expert = User.objects.get(pk=people["expert"].pk)
    assert (expert.language, expert.email) == ("en", "expert@example.test")  # the e-mail is read-only


def test_me_refuses_an_unknown_language(api_client_for):
    response = api_client_for("resident").patch("/api/v1/me/", {"language": "de"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["language"]


def test_an_operator_lists_and_searches_people(api_client_for, people):
    client = api_client_for("operator")
    everyone = client.get("/api/v1/users/", {"page_size": 100}).json()
    assert everyone["count"] == User.objects.count()
    experts = client.get("/api/v1/users/", {"is_expert": "true"}).json()
    assert [user["email"] for user in experts["results"]] == ["expert@example.test"]
    found = client.get("/api/v1/users/", {"search": "supplier-"}).json()
    assert [user["email"] for user in found["results"]] == [
        "supplier-admin@example.test",
        "supplier-member@example.test",
    ]


def test_an_operator_grants_a_role_through_the_api(api_client_for, people):
    response = api_client_for("operator").post(
        f"/api/v1/users/{people['resident'].pk}/roles/", {"role": "operator", "granted": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["platform_roles"] == ["operator"]
    resident = User.objects.get(pk=people["resident"].pk)
    assert (resident.is_operator, resident.is_staff) == (True, True)


def test_the_last_operator_keeps_the_role_through_the_api(api_client_for, people):
    response = api_client_for("operator").post(
        f"/api/v1/users/{people['operator'].pk}/roles/", {"role": "operator", "granted": False}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "last_operator"
    assert User.objects.get(pk=people["operator"].pk).is_operator


# --- authentication -------------------------------------------------------


def test_a_token_authenticates_reads_and_writes(people):
    token = Token.objects.create(user=people["resident"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/me/").json()["email"] == "resident@example.test"
    response = client.post(ORGANIZATIONS, {"kind": "partner", "name": "Лаборатория"}, format="json")
    assert response.status_code == 201
    assert Organization.objects.get(slug=response.json()["slug"]).memberships.get().user == people["resident"]


def test_a_wrong_token_is_a_401(people):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    response = client.get(ORGANIZATIONS)
    assert response.status_code == 401
    assert response.json()["error"] == {
        "status": 401,
        "code": "not_authenticated",
        "message": response.json()["error"]["message"],
        "fields": {},
    }
    assert response.headers["WWW-Authenticate"] == "Token"


def test_a_regenerated_token_replaces_the_old_one(people):
    old = Token.objects.create(user=people["resident"])
    new = services.api_token_regenerate(actor=people["resident"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old.key}")
    assert client.get("/api/v1/me/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {new.key}")
    assert client.get("/api/v1/me/").status_code == 200


def test_an_anonymous_write_is_a_401_that_asks_for_a_token(api_client_for):
    response = api_client_for("anonymous").post(ORGANIZATIONS, {"kind": "partner", "name": "X"}, format="json")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_an_inactive_persons_token_stops_working(people):
    token = Token.objects.create(user=people["resident"])
    User.objects.filter(pk=people["resident"].pk).update(is_active=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/me/").status_code == 401


def test_a_session_write_needs_the_csrf_token(people):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(people["resident"])
    response = client.patch("/api/v1/me/", {"full_name": "X"}, format="json")
    assert response.status_code == 403
    assert User.objects.get(pk=people["resident"].pk).full_name != "X"


def test_a_deactivated_organization_disappears_from_the_api(api_client_for, supplier, people):
    services.organization_update(actor=people["operator"], organization=supplier, is_active=False)
    assert supplier.slug not in _slugs(api_client_for("anonymous").get(ORGANIZATIONS))
    assert api_client_for("resident").get(f"{ORGANIZATIONS}{supplier.slug}/").status_code == 404
    assert api_client_for("supplier_member").get(f"{ORGANIZATIONS}{supplier.slug}/").status_code == 200
