"""Pages of accounts: the organization directory, the registration form, profile and language."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from govtech.accounts.models import Invitation, Organization, User
from govtech.core.models import AuditEvent
from govtech.core.pagination import PAGE_SIZE
from tests.factories import (
    AgencyFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    SupplierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/organizations/"


def _names(response) -> list[str]:
    return [organization.name for organization in response.context["page_obj"]]


def _directory(n: int) -> None:
    """n organizations, each with a parent agency and members, so every column is filled."""
    parent = AgencyFactory(name="Правительство")
    for i in range(n):
        organization = AgencyFactory(name=f"Отдел {i:03d}", parent=parent)
        MembershipFactory.create_batch(2, organization=organization)


def test_the_directory_is_paginated(client):
    for i in range(PAGE_SIZE + 5):
        OrganizationFactory(name=f"Организация {i:03d}")
    first = client.get(LIST_URL)
    assert first.status_code == 200
    assert _names(first) == [f"Организация {i:03d}" for i in range(PAGE_SIZE)]
    second = client.get(LIST_URL, {"page": 2})
    assert _names(second) == [f"Организация {i:03d}" for i in range(PAGE_SIZE, PAGE_SIZE + 5)]
    # A page past the end shows the last one rather than an error.
    assert _names(client.get(LIST_URL, {"page": 99})) == _names(second)


def test_the_directory_lists_only_active_organizations(client):
    OrganizationFactory(name="Открытая")
    OrganizationFactory(name="Закрытая", is_active=False)
    assert _names(client.get(LIST_URL)) == ["Открытая"]


def test_the_directory_filters_by_kind_search_and_sme(client):
    AgencyFactory(name="Департамент транспорта", district="Arbat")
    SupplierFactory(name="ООО Ромашка", is_sme=True, inn="7707083893", ogrn="1027700132195")
    SupplierFactory(name="ПАО Большой", is_sme=False)
    OrganizationFactory(name="Фонд Ромашка")

    assert _names(client.get(LIST_URL, {"kind": "supplier"})) == ["ООО Ромашка", "ПАО Большой"]
    assert _names(client.get(LIST_URL, {"kind": "agency"})) == ["Департамент транспорта"]
    assert _names(client.get(LIST_URL, {"q": "Ромашка"})) == ["ООО Ромашка", "Фонд Ромашка"]
    assert _names(client.get(LIST_URL, {"q": "7707083893"})) == ["ООО Ромашка"]  # by INN
    assert _names(client.get(LIST_URL, {"q": "ARBAT"})) == ["Департамент транспорта"]  # by district
    assert _names(client.get(LIST_URL, {"sme": "yes"})) == ["ООО Ромашка"]
    assert "ООО Ромашка" not in _names(client.get(LIST_URL, {"sme": "no"}))
    assert _names(client.get(LIST_URL, {"kind": "supplier", "sme": "no"})) == ["ПАО Большой"]
    assert _names(client.get(LIST_URL, {"q": "нет такого"})) == []


def test_the_directory_shows_members_and_parent(client):
    _directory(1)
    response = client.get(LIST_URL, {"q": "Отдел 000"})
    (organization,) = response.context["page_obj"]
    assert organization.member_count == 2
    assert "Правительство" in response.content.decode()


def _count_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["anonymous", "supplier_admin"])
def test_the_directory_needs_the_same_queries_for_5_or_30_organizations(
    client_for, role, django_assert_max_num_queries
):
    client = client_for(role)
    _directory(5)
    few = _count_queries(client)
    _directory(25)
    assert Organization.objects.filter(name__startswith="Отдел ").count() == 30
    many = _count_queries(client)
    assert many == few
    # Session, user and unread count for a signed-in person; the count and the page itself.
    with django_assert_max_num_queries(6):
        client.get(LIST_URL, {"page": 2})


def test_an_htmx_request_gets_only_the_results(client):
    OrganizationFactory(name="Лаборатория")
    full = client.get(LIST_URL)
    partial = client.get(LIST_URL, headers={"HX-Request": "true"})
    assert "accounts/organization_list.html" in [t.name for t in full.templates]
    assert next(t.name for t in partial.templates) == "accounts/partials/_organization_results.html"
    assert "accounts/organization_list.html" not in [t.name for t in partial.templates]
    body = partial.content.decode()
    assert "Лаборатория" in body
    assert "<html" not in body and "<form" not in body
    assert "<html" in full.content.decode()


def test_a_bad_inn_is_shown_next_to_the_field_and_nothing_is_created(client_for):
    client = client_for("resident")
    audit_before = AuditEvent.objects.count()
    response = client.post(
        "/organizations/new/",
        {"kind": "supplier", "name": "ООО Ромашка", "inn": "7707083894", "ogrn": "1027700132195"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["inn"]
    assert form.errors["inn"][0] in response.content.decode()
    assert not Organization.objects.filter(name="ООО Ромашка").exists()
    assert AuditEvent.objects.count() == audit_before


def test_a_duplicate_inn_is_shown_next_to_the_field(client_for):
    SupplierFactory(inn="7707083893", ogrn="1027700132195")
    response = client_for("resident").post(
        "/organizations/new/",
        {"kind": "supplier", "name": "ООО Двойник", "inn": "7707083893", "ogrn": "1027700132195"},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["inn"]
    assert "organization_unique_inn" not in response.content.decode()
    assert not Organization.objects.filter(name="ООО Двойник").exists()


def test_registering_a_supplier_makes_the_person_its_admin(client_for, people):
    response = client_for("resident").post(
        "/organizations/new/",
        {"kind": "supplier", "name": "ПАО Сбербанк", "inn": "7707083893", "ogrn": "1027700132195"},
    )
    organization = Organization.objects.get(inn="7707083893")
    assert response.status_code == 302
    assert response.url == organization.get_absolute_url()
    assert list(organization.memberships.values_list("user_id", "role")) == [(people["resident"].pk, "admin")]


def test_an_invitation_to_an_open_address_is_refused_next_to_the_field(client_for, supplier):
    InvitationFactory(organization=supplier, email="twice@example.test")
    response = client_for("supplier_admin").post(
        f"/organizations/{supplier.slug}/members/", {"email": "twice@example.test", "role": "member"}
    )
    assert response.status_code == 200
    assert list(response.context["invite_form"].errors) == ["email"]
    assert Invitation.objects.filter(email="twice@example.test").count() == 1


def test_the_last_admin_sees_why_they_cannot_leave(client_for, people, supplier):
    membership = supplier.memberships.get(user=people["supplier_admin"])
    response = client_for("supplier_admin").post(
        f"/organizations/{supplier.slug}/members/{membership.pk}/", {"action": "remove"}, follow=True
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert supplier.memberships.filter(pk=membership.pk).exists()


def test_the_invited_person_accepts_on_the_page(client, supplier):
    invitee = UserFactory(email="invitee@example.test")
    invitation = InvitationFactory(organization=supplier, email=invitee.email)
    client.force_login(invitee)
    response = client.post(invitation.get_absolute_url())
    assert response.status_code == 302
    assert response.url == supplier.get_absolute_url()
    assert supplier.memberships.filter(user=invitee).exists()


def test_a_wrong_account_is_told_on_the_accept_page(client_for, people, supplier):
    invitation = InvitationFactory(organization=supplier, email="invitee@example.test")
    response = client_for("resident").post(invitation.get_absolute_url())
    assert response.status_code == 200
    assert "invitee@example.test" in response.context["error"]
    assert not supplier.memberships.filter(user=people["resident"]).exists()


def test_the_profile_changes_name_and_language(client_for, people):
    client = client_for("resident")
    response = client.post("/profile/", {"full_name": "Анна Петрова", "language": "en"})
    assert response.status_code == 302
    resident = User.objects.get(pk=people["resident"].pk)
    assert (resident.full_name, resident.language) == ("Анна Петрова", "en")
    assert AuditEvent.objects.filter(action="user.profile_updated", actor=resident).count() == 1
    # The next page is in the chosen language.
    assert client.get("/profile/").headers["Content-Language"] == "en"


def test_the_profile_refuses_an_unknown_language(client_for, people):
    response = client_for("resident").post("/profile/", {"full_name": "X", "language": "de"})
    assert response.status_code == 200
    assert "language" in response.context["form"].errors
    assert User.objects.get(pk=people["resident"].pk).language == "ru"


def test_the_language_switch_remembers_a_signed_in_persons_choice(client_for, people):
    client = client_for("resident")
    response = client.post("/language/", {"language": "en", "next": "/organizations/"})
    assert response.status_code == 302
    assert response.url == "/organizations/"
    assert response.cookies["django_language"].value == "en"
    assert User.objects.get(pk=people["resident"].pk).language == "en"
    assert client.get("/organizations/").headers["Content-Language"] == "en"


def test_the_language_switch_for_a_visitor_only_sets_the_cookie(client, people):
    audit_before = AuditEvent.objects.count()
    response = client.post("/language/", {"language": "en"})
    assert response.status_code == 302
    assert response.url == reverse("web:home")
    assert response.cookies["django_language"].value == "en"
    assert client.get("/organizations/").headers["Content-Language"] == "en"
    assert AuditEvent.objects.count() == audit_before


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/path", "http://evil.example", "javascript:alert(1)"]
)
def test_the_language_switch_never_redirects_off_site(client_for, next_url):
    response = client_for("resident").post("/language/", {"language": "en", "next": next_url})
    assert response.status_code == 302
    assert response.url == reverse("web:home")


def test_the_language_switch_ignores_an_unknown_language(client_for, people):
    response = client_for("resident").post("/language/", {"language": "de"})
    assert response.status_code == 302
    assert "django_language" not in response.cookies
    assert User.objects.get(pk=people["resident"].pk).language == "ru"


def test_the_language_switch_only_accepts_post(client):
    assert client.get("/language/", {"language": "en"}).status_code == 405
