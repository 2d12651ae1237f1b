"""The first operator of an installation, and only the first, is made by a command."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from govtech.core.audit import verify_chain
from govtech.core.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_first_operator_is_made_and_recorded():
    user = UserFactory(email="first@example.test")
    call_command("create_operator", "FIRST@example.test", stdout=StringIO())
    user.refresh_from_db()
    assert user.is_operator and user.is_staff
    assert AuditEvent.objects.get().action == "user.operator_bootstrapped"
    assert verify_chain() == []


def test_a_second_bootstrap_is_refused():
    UserFactory(is_operator=True)
    other = UserFactory()
    with translation.override("en"), pytest.raises(CommandError, match="already has an operator"):
        call_command("create_operator", other.email, stdout=StringIO())
    other.refresh_from_db()
    assert not other.is_operator
    assert not AuditEvent.objects.exists()


def test_an_unknown_address_is_refused():
    with pytest.raises(CommandError, match="no account"):
        call_command("create_operator", "nobody@example.test", stdout=StringIO())


def test_seed_demo_is_idempotent_and_leaves_an_intact_chain():
    call_command("seed_demo", stdout=StringIO())
    counts = (AuditEvent.objects.count(),)
    call_command("seed_demo", stdout=StringIO())
    assert (AuditEvent.objects.count(),) == counts
    assert verify_chain() == []
    assert AuditEvent.objects.filter(action="user.operator_bootstrapped").count() == 1
