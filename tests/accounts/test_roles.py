"""The role matrix of accounts: who may call each API endpoint and each page, and what they get.

This table is the source of truth; docs/roles.md describes it in words. The roles are the
fixtures of tests/conftest.py:

    anonymous        not signed in
    resident         signed in, no organization and no platform role
    supplier_member  member of the supplier organization ``supplier``
    supplier_admin   administrator of ``supplier`` (and of the inactive organization ``hidden``)
    agency_admin     administrator of the city agency ``agency`` (a stranger to ``supplier``)
    expert           platform role "expert" (no extra rights in accounts)
    operator         platform role "operator": every right in accounts

Rules the table shows:

* Active organizations are public; an inactive one, a member list, the invitations and other
  people's accounts are hidden, and a hidden object answers 404 as if it did not exist.
* Writes need an account: the API answers 401 to an anonymous write, pages redirect to sign-in.
* A visible object the actor may not change answers 403. So inviting through the API answers a
  stranger 403 (the organization is public), while the list of invitations answers 404.
* Every refused write leaves the database unchanged (rows and audit log); every allowed write
  records an audit event.
"""

import pytest
from django.urls import reverse

from govtech.accounts.models import Membership, MembershipRole
from tests.accounts.state import accounts_state
from tests.factories import InvitationFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "resident", "supplier_member", "supplier_admin", "agency_admin", "expert", "operator")

SBERBANK = {"inn": "7707083893", "ogrn": "1027700132195"}

# Web-only outcomes (numbers are plain status codes).
LOGIN = "login"  # 302 to the sign-in page, nothing done
DONE = "done"  # 302 onwards after a successful write

# fmt: off
API_MATRIX = [
    # (method, url, payload), (anonymous, resident, supplier_member, supplier_admin, agency_admin, expert, operator)
    (("GET",    "/api/v1/me/", None),
        (401, 200, 200, 200, 200, 200, 200)),
    (("PATCH",  "/api/v1/me/", {"full_name": "Новое имя"}),
        (401, 200, 200, 200, 200, 200, 200)),
    (("GET",    "/api/v1/organizations/", None),
        (200, 200, 200, 200, 200, 200, 200)),
    (("POST",   "/api/v1/organizations/", {"kind": "supplier", "name": "ПАО Сбербанк", **SBERBANK}),
        (401, 201, 201, 201, 201, 201, 201)),
    (("POST",   "/api/v1/organizations/", {"kind": "agency", "name": "Департамент транспорта"}),
        (401, 403, 403, 403, 403, 403, 201)),
    (("GET",    "/api/v1/organizations/{supplier}/", None),
        (200, 200, 200, 200, 200, 200, 200)),
    (("PATCH",  "/api/v1/organizations/{supplier}/", {"name": "Переименовано"}),
        (401, 403, 403, 200, 403, 403, 200)),
    (("GET",    "/api/v1/organizations/{hidden}/", None),
        (404, 404, 404, 200, 404, 404, 200)),
    (("PATCH",  "/api/v1/organizations/{hidden}/", {"name": "Переименовано"}),
        (401, 404, 404, 200, 404, 404, 200)),
    (("GET",    "/api/v1/organizations/{supplier}/members/", None),
        (404, 404, 200, 200, 404, 404, 200)),
    (("PATCH",  "/api/v1/organizations/{supplier}/members/{colleague_membership}/", {"role": "admin"}),
        (401, 404, 403, 200, 404, 404, 200)),
    (("DELETE", "/api/v1/organizations/{supplier}/members/{colleague_membership}/", None),
        (401, 404, 403, 204, 404, 404, 204)),
    # Anyone may leave an organization: supplier_member removes their own membership.
    (("DELETE", "/api/v1/organizations/{supplier}/members/{member_membership}/", None),
        (401, 404, 204, 204, 404, 404, 204)),
    (("GET",    "/api/v1/organizations/{supplier}/invitations/", None),
        (404, 404, 404, 200, 404, 404, 200)),
    (("POST",   "/api/v1/organizations/{supplier}/invitations/", {"email": "new@example.test"}),
        (401, 403, 403, 201, 403, 403, 201)),
    # The invitation is addressed to the resident; anyone else is told to use that address.
    (("POST",   "/api/v1/invitations/{resident_token}/accept/", None),
        (401, 201, 400, 400, 400, 400, 400)),
    (("POST",   "/api/v1/invitations/no-such-token/accept/", None),
        (401, 404, 404, 404, 404, 404, 404)),
    (("GET",    "/api/v1/users/", None),
        (401, 403, 403, 403, 403, 403, 200)),
    (("POST",   "/api/v1/users/{resident_id}/roles/", {"role": "expert", "granted": True}),
        (401, 403, 403, 403, 403, 403, 200)),
    (("POST",   "/api/v1/users/999999/roles/", {"role": "expert", "granted": True}),
        (401, 403, 403, 403, 403, 403, 404)),
]

WEB_MATRIX = [
    (("GET",  "/organizations/", None),
        (200, 200, 200, 200, 200, 200, 200)),
    (("GET",  "/organizations/{supplier}/", None),
        (200, 200, 200, 200, 200, 200, 200)),
    (("GET",  "/organizations/{hidden}/", None),
        (404, 404, 404, 200, 404, 404, 200)),
    (("GET",  "/organizations/new/", None),
        (LOGIN, 200, 200, 200, 200, 200, 200)),
    (("POST", "/organizations/new/", {"kind": "supplier", "name": "ПАО Сбербанк", **SBERBANK}),
        (LOGIN, DONE, DONE, DONE, DONE, DONE, DONE)),
    # Only an operator may choose "agency": for anyone else the form refuses the choice (200).
    (("POST", "/organizations/new/", {"kind": "agency", "name": "Департамент транспорта"}),
        (LOGIN, 200, 200, 200, 200, 200, DONE)),
    (("GET",  "/organizations/{supplier}/edit/", None),
        (LOGIN, 404, 404, 200, 404, 404, 200)),
    (("POST", "/organizations/{supplier}/edit/", "edit_supplier"),
        (LOGIN, 404, 404, DONE, 404, 404, DONE)),
    (("GET",  "/organizations/{supplier}/members/", None),
        (LOGIN, 404, 200, 200, 404, 404, 200)),
    (("POST", "/organizations/{supplier}/members/", {"email": "new@example.test", "role": "member"}),
        (LOGIN, 404, 403, DONE, 404, 404, DONE)),
    (("POST", "/organizations/{supplier}/members/{colleague_membership}/", {"action": "role", "role": "admin"}),
        (LOGIN, 404, 403, DONE, 404, 404, DONE)),
    (("POST", "/organizations/{supplier}/members/{colleague_membership}/", {"action": "remove"}),
        (LOGIN, 404, 403, DONE, 404, 404, DONE)),
    (("POST", "/organizations/{supplier}/invitations/{pending_invitation}/revoke/", None),
        (LOGIN, 404, 404, DONE, 404, 404, DONE)),
    (("GET",  "/invitations/{resident_token}/", None),
        (LOGIN, 200, 200, 200, 200, 200, 200)),
    (("GET",  "/people/", None),
        (LOGIN, 403, 403, 403, 403, 403, 200)),
    (("POST", "/people/{resident_id}/roles/", {"role": "expert", "granted": "1"}),
        (LOGIN, 404, 404, 404, 404, 404, DONE)),
]
# fmt: on


def _cases(matrix):
    for (method, url, payload), statuses in matrix:
        assert len(statuses) == len(ROLES)
        for role, expected in zip(ROLES, statuses, strict=True):
            yield pytest.param(role, method, url, payload, expected, id=f"{method} {url} {role}")


@pytest.fixture
def world(people, supplier, agency):
    """The objects the URLs of the matrix point at."""
    colleague = UserFactory(email="colleague@example.test")
    hidden = OrganizationFactory(slug="hidden", is_active=False)
    MembershipFactory(user=people["supplier_admin"], organization=hidden, role=MembershipRole.ADMIN)
    return {
        "supplier": supplier.slug,
        "hidden": hidden.slug,
        "colleague_membership": MembershipFactory(user=colleague, organization=supplier).pk,
        "member_membership": Membership.objects.get(user=people["supplier_member"], organization=supplier).pk,
        "resident_token": InvitationFactory(organization=supplier, email="resident@example.test").token,
        "pending_invitation": InvitationFactory(organization=supplier, email="pending@example.test").pk,
        "resident_id": people["resident"].pk,
        "edit_supplier": {
            "name": "Переименовано",
            "inn": supplier.inn,
            "ogrn": supplier.ogrn,
            "is_sme": "on",
            "headcount": "12",
        },
    }


def _assert_changed_only_if_allowed(before: dict, is_write: bool, is_allowed: bool) -> None:
    after = accounts_state()
    if is_write and is_allowed:
        assert after["audit_events"] > before["audit_events"], "an allowed write records an audit event"
    else:
        assert after == before, "a refused request (or a read) must change nothing"


@pytest.mark.parametrize(("role", "method", "url", "payload", "expected"), list(_cases(API_MATRIX)))
def test_api_role_matrix(api_client_for, world, role, method, url, payload, expected):
    client = api_client_for(role)
    before = accounts_state()
    response = getattr(client, method.lower())(url.format(**world), payload, format="json")
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["error"]["status"] == expected  # the one error format
    _assert_changed_only_if_allowed(before, method != "GET", expected < 300)


@pytest.mark.parametrize(("role", "method", "url", "payload", "expected"), list(_cases(WEB_MATRIX)))
def test_web_role_matrix(client_for, world, role, method, url, payload, expected):
    client = client_for(role)
    if isinstance(payload, str):
        payload = world[payload]
    before = accounts_state()
    response = getattr(client, method.lower())(url.format(**world), payload or {})
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    elif expected == DONE:
        assert response.status_code == 302
        assert not response.url.startswith(reverse("account_login"))
    else:
        assert response.status_code == expected
    _assert_changed_only_if_allowed(before, method != "GET", expected == DONE)


def test_the_matrix_covers_every_role_and_the_roles_of_conftest():
    from tests.conftest import ROLES as CONFTEST_ROLES

    assert list(ROLES) == CONFTEST_ROLES
