"""Shared fixtures: one person and one client per role, and the real task worker."""

import contextlib

import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from govtech.accounts.models import MembershipRole
from tests.factories import AgencyFactory, MembershipFactory, SupplierFactory, UserFactory

ROLES = ["anonymous", "resident", "supplier_member", "supplier_admin", "agency_admin", "expert", "operator"]


@pytest.fixture(autouse=True)
def _clean_cache():
    # Rate limits and throttles live in the cache; every test starts with none used.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def supplier(db):
    return SupplierFactory()


@pytest.fixture
def agency(db):
    return AgencyFactory()


@pytest.fixture
def people(db, supplier, agency):
    """One person per role. The supplier's and the agency's staff are members of those fixtures."""
    resident = UserFactory(email="resident@example.test")
    supplier_admin = UserFactory(email="supplier-admin@example.test")
    supplier_member = UserFactory(email="supplier-member@example.test")
    agency_admin = UserFactory(email="agency-admin@example.test")
    MembershipFactory(user=supplier_admin, organization=supplier, role=MembershipRole.ADMIN)
    MembershipFactory(user=supplier_member, organization=supplier, role=MembershipRole.MEMBER)
    MembershipFactory(user=agency_admin, organization=agency, role=MembershipRole.ADMIN)
    return {
        "anonymous": None,
        "resident": resident,
        "supplier_member": supplier_member,
        "supplier_admin": supplier_admin,
        "agency_admin": agency_admin,
        "expert": UserFactory(email="expert@example.test", is_expert=True),
        "operator": UserFactory(email="operator@example.test", is_operator=True, is_staff=True),
    }


@pytest.fixture
def api_client_for(people):
    """api_client_for("operator") -> an APIClient signed in as that role (anonymous: not signed in)."""

    def make(role: str) -> APIClient:
        client = APIClient()
        if people[role] is not None:
            client.force_authenticate(people[role])
        return client

    return make


@pytest.fixture
def client_for(people, client):
    """client_for("operator") -> Django's test client signed in as that role."""

    def make(role: str):
        from django.test import Client

        web = Client()
        if people[role] is not None:
            web.force_login(people[role])
        return web

    return make


@pytest.fixture
def run_worker(django_capture_on_commit_callbacks, monkeypatch):
    """Run the real django-tasks-db worker over everything queued, as `make run` does.

    The worker calls close_old_connections() between tasks; inside a test's transaction
    that would end the transaction on PostgreSQL, so only that call is kept out."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> None:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    return run


@pytest.fixture
def refused_checker(django_capture_on_commit_callbacks):
    """refused_checker(state) -> ``refused``: ``with refused(ErrorClass, code=...):`` asserts the
    call raises that error, with those attributes, and that ``state()`` is unchanged and nothing
    was queued to run after commit (no e-mail, no task)."""

    def make(state):
        @contextlib.contextmanager
        def refused(error_class, **attributes):
            before = state()
            with django_capture_on_commit_callbacks() as callbacks, pytest.raises(error_class) as exc_info:
                yield exc_info
            for name, value in attributes.items():
                assert getattr(exc_info.value, name) == value, name
            assert state() == before
            assert callbacks == [], "a refused call must not queue e-mail, notifications or tasks"

        return refused

    return make
