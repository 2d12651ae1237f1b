"""Every write of govtech.accounts.services: the change and its one audit event on success,
and nothing at all (no rows, no event, nothing queued) on a refusal."""

import contextlib
import threading
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from govtech.accounts import services, tasks
from govtech.accounts.models import (
    INVITATION_LIFETIME,
    Invitation,
    Membership,
    MembershipRole,
    OrganizationKind,
    User,
)
from govtech.core import audit
from govtech.core.errors import Conflict, Forbidden, ServiceError
from govtech.core.models import AuditEvent
from govtech.notifications.models import Notification
from tests.accounts.state import accounts_state
from tests.factories import (
    AgencyFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    SupplierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SBERBANK = {"inn": "7707083893", "ogrn": "1027700132195"}
YANDEX = {"inn": "7736207543", "ogrn": "1027700229193"}
SOLE_PROPRIETOR = {"inn": "500100732259", "ogrn": "304500116000157"}


@pytest.fixture
def refused(refused_checker):
    return refused_checker(accounts_state)


@pytest.fixture
def new_events():
    """new_events() -> the actions recorded since the fixture was set up; checks the chain."""
    start = AuditEvent.objects.count()

    def collect() -> list[AuditEvent]:
        assert audit.verify_chain() == []
        return list(AuditEvent.objects.order_by("sequence")[start:])

    return collect


def _actions(events) -> list[str]:
    return [event.action for event in events]


# --- people ---------------------------------------------------------------


def test_a_person_updates_their_profile(people, new_events):
    resident = people["resident"]
    User.objects.filter(pk=resident.pk).update(full_name="Old Name")

    services.user_update_profile(actor=resident, user=resident, full_name="  Анна Петрова ", language="en")

    resident.refresh_from_db()
    assert (resident.full_name, resident.language) == ("Анна Петрова", "en")
    events = new_events()
    assert _actions(events) == ["user.profile_updated"]
    assert events[0].actor_id == resident.pk
    assert events[0].before == {"full_name": "Old Name", "language": "ru"}
    assert events[0].after == {"full_name": "Анна Петрова", "language": "en"}


@pytest.mark.parametrize("role", ["resident", "operator", "supplier_admin"])
def test_nobody_edits_someone_elses_profile(people, refused, role):
    with refused(Forbidden):
        services.user_update_profile(actor=people[role], user=people["expert"], full_name="Hacked")


def test_an_unknown_language_is_refused(people, refused):
    with refused(ServiceError, field="language"):
        services.user_update_profile(actor=people["resident"], user=people["resident"], language="de")


def test_sign_up_is_recorded(new_events):
    user = UserFactory(email="new@example.test", language="en")
    services.user_record_signup(user=user)
    events = new_events()
    assert _actions(events) == ["user.signed_up"]
    assert events[0].after == {"email": "new@example.test", "language": "en"}


def test_regenerating_the_api_token_replaces_the_old_one(people, new_events):
    resident = people["resident"]
    old = Token.objects.create(user=resident)
    token = services.api_token_regenerate(actor=resident)
    assert token.key != old.key
    assert list(Token.objects.filter(user=resident).values_list("key", flat=True)) == [token.key]
    assert _actions(new_events()) == ["user.api_token_regenerated"]


# --- platform roles -------------------------------------------------------


def test_an_operator_makes_someone_an_expert(people, new_events):
    resident = people["resident"]
    services.platform_role_set(actor=people["operator"], user=resident, role="expert", granted=True)
    resident.refresh_from_db()
    assert resident.is_expert
    assert not resident.is_staff  # experts do not use the admin
    events = new_events()
    assert _actions(events) == ["user.role_granted"]
    assert events[0].before == {"roles": [], "is_staff": False}
    assert events[0].after == {"roles": ["expert"], "is_staff": False}


def test_granting_the_operator_role_gives_admin_access_and_withdrawing_removes_it(people, new_events):
    resident = people["resident"]
    services.platform_role_set(actor=people["operator"], user=resident, role="operator", granted=True)
    resident.refresh_from_db()
    assert (resident.is_operator, resident.is_staff) == (True, True)

    services.platform_role_set(actor=people["operator"], user=resident, role="operator", granted=False)
    resident.refresh_from_db()
    assert (resident.is_operator, resident.is_staff) == (False, False)
    assert _actions(new_events()) == ["user.role_granted", "user.role_withdrawn"]


def test_withdrawing_the_operator_role_keeps_a_superusers_admin_access(people):
    superuser = User.objects.create_superuser("root@example.test", "x" * 12)
    services.platform_role_set(actor=people["operator"], user=superuser, role="operator", granted=False)
    superuser.refresh_from_db()
    assert (superuser.is_operator, superuser.is_staff) == (False, True)


def test_setting_a_role_someone_already_has_records_nothing(people, new_events):
    services.platform_role_set(actor=people["operator"], user=people["expert"], role="expert", granted=True)
    assert new_events() == []


def test_the_role_change_is_notified_to_the_person(people, run_worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.platform_role_set(actor=people["operator"], user=people["resident"], role="expert", granted=True)
    run_worker()
    assert list(Notification.objects.values_list("recipient_id", "kind")) == [
        (people["resident"].pk, "account.role_changed")
    ]


@pytest.mark.parametrize("role", ["resident", "expert", "supplier_admin", "agency_admin"])
def test_only_an_operator_grants_platform_roles(people, refused, role):
    with refused(Forbidden):
        services.platform_role_set(actor=people[role], user=people[role], role="operator", granted=True)


def test_an_unknown_platform_role_is_refused(people, refused):
    with refused(ServiceError, code="unknown_role"):
        services.platform_role_set(actor=people["operator"], user=people["resident"], role="admin", granted=True)


def test_the_last_operator_cannot_lose_the_role(people, refused):
    operator = people["operator"]
    # An inactive operator cannot run the platform, so does not count.
    UserFactory(email="gone@example.test", is_operator=True, is_active=False)
    with refused(Conflict, code="last_operator"):
        services.platform_role_set(actor=operator, user=operator, role="operator", granted=False)


def test_an_operator_may_step_down_when_another_remains(people, new_events):
    operator = people["operator"]
    UserFactory(email="second-operator@example.test", is_operator=True)
    services.platform_role_set(actor=operator, user=operator, role="operator", granted=False)
    operator.refresh_from_db()
    assert not operator.is_operator
    assert _actions(new_events()) == ["user.role_withdrawn"]


# PostgreSQL makes the second writer wait for the first, then refuses it by the rule; SQLite
# refuses a second writer outright ("database table is locked").
_LOSER_OF_A_RACE = {"postgresql": Conflict, "sqlite": (Conflict, OperationalError)}


def _in_thread(call) -> threading.Thread:
    """Run a service in its own thread, with its own connection and transaction."""

    def run():
        try:
            call()
        except Exception as exc:  # the outcome is what the test checks
            outcomes.append(exc)
        else:
            outcomes.append(None)
        finally:
            connection.close()

    outcomes: list = []
    thread = threading.Thread(target=run)
    thread.outcomes = outcomes
    thread.start()
    return thread


def _pause_both_before_recording(monkeypatch) -> None:
    """Hold two concurrent services after their checks and before they commit."""
    barrier = threading.Barrier(2, timeout=2)
    record = audit.record

    def wait_then_record(**kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return record(**kwargs)

    monkeypatch.setattr(services.audit, "record", wait_then_record)


@pytest.mark.django_db(transaction=True)
def test_two_operators_cannot_withdraw_each_other_at_the_same_moment(monkeypatch):
    first = UserFactory(email="first-operator@example.test", is_operator=True, is_staff=True)
    second = UserFactory(email="second-operator@example.test", is_operator=True, is_staff=True)
    # Hold each withdrawal after its check and before it commits: were the check not serialised,
    # both would pass it (each sees the other still an operator) and no operator would remain.
    _pause_both_before_recording(monkeypatch)
    threads = [
        _in_thread(lambda: services.platform_role_set(actor=first, user=second, role="operator", granted=False)),
        _in_thread(lambda: services.platform_role_set(actor=second, user=first, role="operator", granted=False)),
    ]
    for thread in threads:
        thread.join(timeout=30)
    outcomes = [thread.outcomes[0] for thread in threads]

    assert User.objects.filter(is_operator=True).count() == 1
    assert outcomes.count(None) == 1
    (refusal,) = [outcome for outcome in outcomes if outcome is not None]
    assert isinstance(refusal, _LOSER_OF_A_RACE[connection.vendor]), repr(refusal)
    assert _actions(AuditEvent.objects.order_by("sequence")) == ["user.role_withdrawn"]
    assert audit.verify_chain() == []


# --- organizations --------------------------------------------------------


@pytest.mark.parametrize("legal", [SBERBANK, SOLE_PROPRIETOR], ids=["organization", "sole-proprietor"])
def test_a_resident_registers_a_supplier_and_becomes_its_admin(people, new_events, legal):
    resident = people["resident"]
    organization = services.organization_create(
        actor=resident, kind=OrganizationKind.SUPPLIER, name="  ПАО Сбербанк ", **legal
    )
    organization.refresh_from_db()
    assert (organization.kind, organization.name, organization.inn, organization.ogrn) == (
        "supplier",
        "ПАО Сбербанк",
        legal["inn"],
        legal["ogrn"],
    )
    assert organization.slug
    assert list(organization.memberships.values_list("user_id", "role")) == [(resident.pk, "admin")]
    events = new_events()
    assert _actions(events) == ["organization.created"]
    assert events[0].object_id == str(organization.pk)
    assert events[0].after["inn"] == legal["inn"]


def test_organizations_with_the_same_name_get_different_addresses(people):
    first = services.organization_create(actor=people["resident"], kind="partner", name="Lab")
    second = services.organization_create(actor=people["resident"], kind="partner", name="Lab")
    assert first.slug == "lab"
    assert second.slug == "lab-2"


@pytest.mark.parametrize(
    ("legal", "field"),
    [
        ({}, "inn"),  # a supplier must give both numbers
        ({"inn": SBERBANK["inn"]}, "ogrn"),
        ({"inn": "7707083894", "ogrn": SBERBANK["ogrn"]}, "inn"),  # wrong check digit
        ({"inn": SBERBANK["inn"], "ogrn": "1027700132196"}, "ogrn"),
        ({"inn": "77070838", "ogrn": SBERBANK["ogrn"]}, "inn"),  # wrong length
        ({"inn": "７７０７０８３８９３", "ogrn": SBERBANK["ogrn"]}, "inn"),  # non-ASCII digits
        ({"inn": SBERBANK["inn"], "ogrn": SOLE_PROPRIETOR["ogrn"]}, "ogrn"),  # INN 10 with OGRNIP 15
        ({"inn": SOLE_PROPRIETOR["inn"], "ogrn": SBERBANK["ogrn"]}, "ogrn"),  # INN 12 with OGRN 13
    ],
)
def test_a_supplier_needs_valid_matching_legal_numbers(people, refused, legal, field):
    with refused(ValidationError) as exc_info:
        services.organization_create(actor=people["resident"], kind="supplier", name="ООО Ромашка", **legal)
    assert field in exc_info.value.message_dict


def test_a_second_organization_with_the_same_inn_is_refused(people, refused):
    services.organization_create(actor=people["resident"], kind="supplier", name="Сбербанк", **SBERBANK)
    with refused(ValidationError) as exc_info:
        services.organization_create(actor=people["expert"], kind="supplier", name="Сбер-2", **SBERBANK)
    # Said in words next to the INN, not as the name of a database constraint.
    assert list(exc_info.value.message_dict) == ["inn"]
    assert "organization_unique_inn" not in str(exc_info.value)


@pytest.mark.parametrize("kind", ["agency", "operator"])
@pytest.mark.parametrize("role", ["resident", "expert", "supplier_admin", "agency_admin"])
def test_only_an_operator_creates_agencies_and_operator_organizations(people, refused, role, kind):
    with refused(Forbidden):
        services.organization_create(actor=people[role], kind=kind, name="Департамент транспорта")


def test_an_operator_creates_an_agency_under_a_parent_agency(people, agency, new_events):
    child = services.organization_create(
        actor=people["operator"], kind="agency", name="Управление", parent=agency, district="Тверской"
    )
    assert child.parent == agency
    assert _actions(new_events()) == ["organization.created"]


def test_the_parent_must_be_an_agency(people, supplier, refused):
    with refused(ServiceError, field="parent"):
        services.organization_create(actor=people["operator"], kind="agency", name="Управление", parent=supplier)


def test_only_an_agency_has_a_parent(people, agency, refused):
    with refused(ValidationError) as exc_info:
        services.organization_create(actor=people["resident"], kind="partner", name="Лаборатория", parent=agency)
    assert "parent" in exc_info.value.message_dict


def test_an_unknown_kind_or_field_is_refused(people, refused):
    with refused(ServiceError, field="kind"):
        services.organization_create(actor=people["operator"], kind="ministry", name="X")
    with refused(ServiceError):
        services.organization_create(actor=people["operator"], kind="partner", name="X", is_staff=True)


def test_an_admin_updates_their_organization(people, supplier, new_events):
    services.organization_update(actor=people["supplier_admin"], organization=supplier, name="Новое имя", headcount=40)
    supplier.refresh_from_db()
    assert (supplier.name, supplier.headcount) == ("Новое имя", 40)
    events = new_events()
    assert _actions(events) == ["organization.updated"]
    assert (events[0].before["name"], events[0].after["name"]) != ("Новое имя", "Новое имя")
    assert events[0].after["headcount"] == 40


def test_an_operator_updates_any_organization(people, supplier, new_events):
    services.organization_update(actor=people["operator"], organization=supplier, is_active=False)
    supplier.refresh_from_db()
    assert not supplier.is_active
    assert _actions(new_events()) == ["organization.updated"]


@pytest.mark.parametrize("role", ["resident", "supplier_member", "agency_admin", "expert"])
def test_only_admins_and_operators_update_an_organization(people, supplier, refused, role):
    with refused(Forbidden):
        services.organization_update(actor=people[role], organization=supplier, name="Захвачено")


def test_an_update_cannot_take_another_organizations_inn(people, supplier, refused):
    SupplierFactory(inn=YANDEX["inn"], ogrn=YANDEX["ogrn"])
    with refused(ValidationError) as exc_info:
        services.organization_update(actor=people["supplier_admin"], organization=supplier, **YANDEX)
    assert list(exc_info.value.message_dict) == ["inn"]


def test_an_update_keeps_the_kind_and_address(people, supplier, refused):
    with refused(ServiceError):
        services.organization_update(actor=people["operator"], organization=supplier, kind="agency")
    with refused(ServiceError):
        services.organization_update(actor=people["operator"], organization=supplier, slug="elsewhere")


def test_an_updated_parent_must_be_an_agency(people, agency, refused):
    other_agency = AgencyFactory()
    partner = OrganizationFactory()
    with refused(ServiceError, field="parent"):
        services.organization_update(actor=people["operator"], organization=other_agency, parent=partner)
    with refused(ValidationError):
        services.organization_update(actor=people["operator"], organization=agency, parent=agency)


# --- invitations ----------------------------------------------------------


def test_an_admin_invites_and_the_worker_mails_the_link_once(
    people, supplier, run_worker, django_capture_on_commit_callbacks, new_events
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            actor=people["supplier_admin"], organization=supplier, email=" New.Person@Example.TEST ", role="admin"
        )
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "new.person@example.test",
        "admin",
        people["supplier_admin"],
    )
    assert invitation.is_pending
    events = new_events()
    assert _actions(events) == ["invitation.created"]
    assert mail.outbox == []  # nothing is sent in the request: the worker sends it

    run_worker()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.test"]
    assert supplier.name in message.subject
    assert f"{settings.SITE_URL}/invitations/{invitation.token}/" in message.body
    invitation.refresh_from_db()
    assert invitation.sent_at is not None

    run_worker()  # nothing left to do
    # A retried task finds the invitation already sent.
    assert tasks.invitation_send_task.call(invitation_id=invitation.pk) is False
    assert len(mail.outbox) == 1


def test_a_revoked_invitation_is_not_mailed(people, supplier, run_worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            actor=people["supplier_admin"], organization=supplier, email="late@example.test"
        )
    services.invitation_revoke(actor=people["supplier_admin"], invitation=invitation)
    run_worker()
    assert mail.outbox == []


def test_an_operator_invites_to_any_organization(people, agency, new_events):
    services.invitation_create(actor=people["operator"], organization=agency, email="clerk@example.test")
    assert _actions(new_events()) == ["invitation.created"]


@pytest.mark.parametrize("role", ["resident", "supplier_member", "agency_admin", "expert"])
def test_only_admins_and_operators_invite(people, supplier, refused, role):
    with refused(Forbidden):
        services.invitation_create(actor=people[role], organization=supplier, email="x@example.test")


def test_an_address_is_not_invited_twice(people, supplier, refused):
    services.invitation_create(actor=people["supplier_admin"], organization=supplier, email="twice@example.test")
    with refused(Conflict, code="already_invited", field="email"):
        services.invitation_create(actor=people["supplier_admin"], organization=supplier, email="TWICE@example.test")


def test_the_same_address_may_be_invited_by_two_organizations(people, supplier, agency):
    services.invitation_create(actor=people["supplier_admin"], organization=supplier, email="both@example.test")
    services.invitation_create(actor=people["agency_admin"], organization=agency, email="both@example.test")
    assert Invitation.objects.filter(email="both@example.test").count() == 2


def test_a_member_is_not_invited(people, supplier, refused):
    with refused(Conflict, code="already_member"):
        services.invitation_create(
            actor=people["supplier_admin"], organization=supplier, email="Supplier-Member@example.test"
        )


def test_an_unknown_membership_role_is_refused(people, supplier, refused):
    with refused(ServiceError, field="role"):
        services.invitation_create(
            actor=people["supplier_admin"], organization=supplier, email="x@example.test", role="owner"
        )


def test_an_expired_invitation_may_be_replaced(people, supplier, new_events):
    first = services.invitation_create(actor=people["supplier_admin"], organization=supplier, email="slow@example.test")
    with time_machine.travel(timezone.now() + INVITATION_LIFETIME + timedelta(minutes=1), tick=False):
        second = services.invitation_create(
            actor=people["supplier_admin"], organization=supplier, email="slow@example.test"
        )
        first.refresh_from_db()
        assert first.revoked_at is not None
        assert second.is_pending
    assert second.pk != first.pk
    assert _actions(new_events()) == ["invitation.created", "invitation.created"]


def test_an_open_invitation_is_not_replaced_just_before_it_expires(people, supplier, refused):
    services.invitation_create(actor=people["supplier_admin"], organization=supplier, email="slow@example.test")
    with (
        time_machine.travel(timezone.now() + INVITATION_LIFETIME - timedelta(minutes=1), tick=False),
        refused(Conflict, code="already_invited"),
    ):
        services.invitation_create(actor=people["supplier_admin"], organization=supplier, email="slow@example.test")


def test_an_admin_revokes_an_invitation(people, supplier, new_events):
    invitation = InvitationFactory(organization=supplier)
    services.invitation_revoke(actor=people["supplier_admin"], invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert _actions(new_events()) == ["invitation.revoked"]


def test_only_a_pending_invitation_is_revoked(people, supplier, refused):
    invitation = InvitationFactory(organization=supplier, revoked_at=timezone.now())
    with refused(Conflict, code="not_pending"):
        services.invitation_revoke(actor=people["supplier_admin"], invitation=invitation)


@pytest.mark.parametrize("role", ["resident", "supplier_member", "agency_admin"])
def test_only_admins_and_operators_revoke(people, supplier, refused, role):
    invitation = InvitationFactory(organization=supplier)
    with refused(Forbidden):
        services.invitation_revoke(actor=people[role], invitation=invitation)


def test_the_invited_person_accepts_and_joins(
    people, supplier, new_events, run_worker, django_capture_on_commit_callbacks
):
    invitee = UserFactory(email="invitee@example.test")
    invitation = InvitationFactory(organization=supplier, email="Invitee@Example.test", role=MembershipRole.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.invitation_accept(actor=invitee, invitation=invitation)
    assert (membership.user, membership.organization, membership.role) == (invitee, supplier, "admin")
    invitation.refresh_from_db()
    assert invitation.status == "accepted"
    assert invitation.accepted_by == invitee
    events = new_events()
    assert _actions(events) == ["invitation.accepted"]
    assert events[0].after == {"membership": membership.pk, "role": "admin"}
    # The organization's administrators hear about it.
    run_worker()
    assert list(Notification.objects.values_list("recipient_id", "kind")) == [
        (people["supplier_admin"].pk, "organization.member_joined")
    ]


def test_an_invitation_is_accepted_only_by_its_address(people, supplier, refused):
    invitation = InvitationFactory(organization=supplier, email="invitee@example.test")
    with refused(ServiceError, code="wrong_account"):
        services.invitation_accept(actor=people["resident"], invitation=invitation)


def test_an_expired_invitation_cannot_be_accepted(supplier, refused):
    invitee = UserFactory(email="invitee@example.test")
    invitation = InvitationFactory(organization=supplier, email=invitee.email)
    with (
        time_machine.travel(timezone.now() + INVITATION_LIFETIME + timedelta(seconds=1), tick=False),
        refused(Conflict, code="invitation_not_pending"),
    ):
        services.invitation_accept(actor=invitee, invitation=invitation)


def test_a_revoked_or_used_invitation_cannot_be_accepted(supplier, refused):
    invitee = UserFactory(email="invitee@example.test")
    revoked = InvitationFactory(organization=supplier, email=invitee.email, revoked_at=timezone.now())
    with refused(Conflict, code="invitation_not_pending"):
        services.invitation_accept(actor=invitee, invitation=revoked)
    used = InvitationFactory(organization=supplier, email=invitee.email)
    services.invitation_accept(actor=invitee, invitation=used)
    with refused(Conflict, code="invitation_not_pending"):
        services.invitation_accept(actor=invitee, invitation=used)


# --- memberships ----------------------------------------------------------


def test_an_operator_adds_a_member_directly(people, agency, new_events):
    membership = services.membership_add(
        actor=people["operator"], organization=agency, user=people["resident"], role="member"
    )
    assert (membership.user, membership.organization, membership.role) == (people["resident"], agency, "member")
    assert _actions(new_events()) == ["membership.added"]


@pytest.mark.parametrize("role", ["resident", "expert", "agency_admin", "supplier_admin"])
def test_only_an_operator_adds_members_directly(people, agency, refused, role):
    with refused(Forbidden):
        services.membership_add(actor=people[role], organization=agency, user=people["resident"], role="member")


def test_adding_an_existing_member_is_refused(people, supplier, refused):
    with refused(Conflict, code="already_member"):
        services.membership_add(
            actor=people["operator"], organization=supplier, user=people["supplier_member"], role="admin"
        )


def _membership(people, role, organization):
    return Membership.objects.get(user=people[role], organization=organization)


def test_an_admin_promotes_a_member(people, supplier, new_events):
    membership = _membership(people, "supplier_member", supplier)
    services.membership_change_role(actor=people["supplier_admin"], membership=membership, role="admin")
    membership.refresh_from_db()
    assert membership.role == "admin"
    events = new_events()
    assert _actions(events) == ["membership.role_changed"]
    assert (events[0].before, events[0].after) == ({"role": "member"}, {"role": "admin"})


def test_the_last_admin_cannot_be_demoted(people, supplier, refused):
    membership = _membership(people, "supplier_admin", supplier)
    with refused(Conflict, code="last_admin"):
        services.membership_change_role(actor=people["supplier_admin"], membership=membership, role="member")
    with refused(Conflict, code="last_admin"):
        services.membership_change_role(actor=people["operator"], membership=membership, role="member")


def test_an_admin_may_step_down_when_another_admin_remains(people, supplier, new_events):
    MembershipFactory(organization=supplier, role=MembershipRole.ADMIN)
    membership = _membership(people, "supplier_admin", supplier)
    services.membership_change_role(actor=people["supplier_admin"], membership=membership, role="member")
    membership.refresh_from_db()
    assert membership.role == "member"
    assert _actions(new_events()) == ["membership.role_changed"]


@pytest.mark.django_db(transaction=True)
def test_two_admins_cannot_demote_each_other_at_the_same_moment(monkeypatch):
    organization = OrganizationFactory()
    first = MembershipFactory(organization=organization, role=MembershipRole.ADMIN)
    second = MembershipFactory(organization=organization, role=MembershipRole.ADMIN)
    _pause_both_before_recording(monkeypatch)
    threads = [
        _in_thread(lambda: services.membership_change_role(actor=first.user, membership=second, role="member")),
        _in_thread(lambda: services.membership_change_role(actor=second.user, membership=first, role="member")),
    ]
    for thread in threads:
        thread.join(timeout=30)
    outcomes = [thread.outcomes[0] for thread in threads]

    assert organization.memberships.filter(role=MembershipRole.ADMIN).count() == 1
    assert outcomes.count(None) == 1
    (refusal,) = [outcome for outcome in outcomes if outcome is not None]
    assert isinstance(refusal, _LOSER_OF_A_RACE[connection.vendor]), repr(refusal)


@pytest.mark.parametrize("role", ["supplier_member", "agency_admin", "resident"])
def test_only_admins_and_operators_change_roles(people, supplier, refused, role):
    membership = _membership(people, "supplier_member", supplier)
    with refused(Forbidden):
        services.membership_change_role(actor=people[role], membership=membership, role="admin")


def test_an_unknown_role_is_refused_for_a_membership(people, supplier, refused):
    membership = _membership(people, "supplier_member", supplier)
    with refused(ServiceError, field="role"):
        services.membership_change_role(actor=people["supplier_admin"], membership=membership, role="owner")


def test_an_admin_removes_a_member(people, supplier, new_events):
    membership = _membership(people, "supplier_member", supplier)
    services.membership_remove(actor=people["supplier_admin"], membership=membership)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    events = new_events()
    assert _actions(events) == ["membership.removed"]
    assert events[0].before == {"user": people["supplier_member"].pk, "organization": supplier.pk, "role": "member"}


def test_a_member_leaves_on_their_own(people, supplier, new_events):
    membership = _membership(people, "supplier_member", supplier)
    services.membership_remove(actor=people["supplier_member"], membership=membership)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert _actions(new_events()) == ["membership.removed"]


def test_the_last_admin_cannot_be_removed_or_leave(people, supplier, refused):
    membership = _membership(people, "supplier_admin", supplier)
    with refused(Conflict, code="last_admin"):
        services.membership_remove(actor=people["supplier_admin"], membership=membership)
    with refused(Conflict, code="last_admin"):
        services.membership_remove(actor=people["operator"], membership=membership)


@pytest.mark.parametrize("role", ["supplier_member", "agency_admin", "resident", "expert"])
def test_only_admins_and_operators_remove_others(people, supplier, refused, role):
    membership = _membership(people, "supplier_admin", supplier)
    MembershipFactory(organization=supplier, role=MembershipRole.ADMIN)  # so "last admin" is not the reason
    with refused(Forbidden):
        services.membership_remove(actor=people[role], membership=membership)
