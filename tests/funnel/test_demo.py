"""The funnel's demo content, loaded by seed_demo: idempotent, complete and audited."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from govtech.core.audit import verify_chain
from govtech.core.models import AuditEvent
from govtech.funnel.demo import CASES, INSTRUMENTS
from govtech.funnel.models import (
    DecisionStatus,
    GateDecision,
    Goal,
    Initiative,
    Instrument,
    InstrumentKind,
    StageStay,
    TeamMember,
    Visibility,
)
from govtech.funnel.selectors import gap_view
from govtech.funnel.states import Stage
from tests.factories import UserFactory
from tests.funnel.factories import GateDecisionFactory, InstrumentFactory

pytestmark = pytest.mark.django_db


def _counts() -> dict:
    return {
        "instruments": Instrument.objects.count(),
        "initiatives": Initiative.objects.count(),
        "stays": StageStay.objects.count(),
        "decisions": GateDecision.objects.count(),
        "goals": Goal.objects.count(),
        "team": TeamMember.objects.count(),
        "events": AuditEvent.objects.count(),
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The whole demo, seeded once for the module (it takes seconds) and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def test_seeding_twice_changes_nothing(seeded):
    first = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first
    assert verify_chain() == []


def test_the_demo_covers_every_stage_and_every_instrument_kind(seeded):
    # The funnel's own cases; the challenges demo adds initiatives linked to their submissions.
    assert Initiative.objects.filter(origin_type__isnull=True).count() == len(CASES) >= 60
    assert Instrument.objects.count() == len(INSTRUMENTS) >= 10
    assert set(Initiative.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert set(Instrument.objects.values_list("kind", flat=True)) == set(InstrumentKind.values)
    assert Initiative.objects.filter(visibility=Visibility.INTERNAL).exists()
    assert len(set(Initiative.objects.values_list("sponsor", flat=True))) >= 8
    assert len(set(Initiative.objects.values_list("topic", flat=True))) >= 8
    assert len(set(Initiative.objects.values_list("origin", flat=True))) == 5


def test_stopped_initiatives_publish_lessons(seeded):
    stopped = Initiative.objects.filter(stage=Stage.STOPPED)
    assert stopped.count() >= 5
    assert not stopped.filter(lessons_learned="").exists()


def test_histories_are_consistent(seeded):
    for initiative in Initiative.objects.prefetch_related("stays"):
        stays = list(initiative.stays.order_by("entered_at", "id"))
        assert stays[0].stage == Stage.IDEA
        assert [s.exited_at for s in stays[:-1]] == [s.entered_at for s in stays[1:]]
        assert stays[-1].exited_at is None and stays[-1].stage == initiative.stage
        assert stays[-1].entered_at == initiative.stage_entered_at
    decided = GateDecision.objects.filter(status=DecisionStatus.APPROVED).order_by("initiative", "decided_at")
    assert all(d.goals.exists() for d in decided if d.kind == "forward")
    earliest = min(d.decided_at for d in decided)
    assert (max(d.decided_at for d in decided) - earliest).days > 540  # spread over years, not days
    assert GateDecision.objects.filter(kind="back").exists()


def test_agencies_have_pending_and_rejected_proposals(seeded):
    pending = GateDecision.objects.filter(status=DecisionStatus.PROPOSED).select_related("proposed_by")
    assert pending.count() >= 3
    assert {d.proposed_by.email for d in pending} == {"agency@demo.govtech.local", "health@demo.govtech.local"}
    assert GateDecision.objects.filter(status=DecisionStatus.REJECTED).exists()


def test_the_gap_view_shows_a_stage_without_open_intake(seeded):
    rows = {row.stage: row for row in gap_view()}
    assert any(row.has_none or row.is_closed for row in rows.values())
    assert rows[Stage.IDEA].open_count >= 1


def test_the_audit_chain_verifies(seeded):
    assert verify_chain() == []
    # Every stay but each initiative's first was opened by a recorded move.
    assert (
        AuditEvent.objects.filter(action="initiative.moved").count()
        == StageStay.objects.count() - Initiative.objects.count()
    )


# --- the read-only admin (kept here: it is how an operator inspects the seeded data)

ADMIN_PAGES = ["initiative", "gatedecision", "instrument", "stagestay"]


@pytest.fixture
def admin_data(db):
    decision = GateDecisionFactory()
    InstrumentFactory()
    return decision


@pytest.mark.parametrize("model", ADMIN_PAGES)
def test_operators_browse_the_funnel_in_the_admin_read_only(admin_data, client, model):
    client.force_login(UserFactory(is_operator=True, is_staff=True))
    listing = client.get(f"/admin/funnel/{model}/")
    assert listing.status_code == 200
    obj = {"initiative": Initiative, "gatedecision": GateDecision, "instrument": Instrument, "stagestay": StageStay}[
        model
    ].objects.first()
    detail = client.get(f"/admin/funnel/{model}/{obj.pk}/change/")
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content  # nothing to save: read-only
    assert client.get(f"/admin/funnel/{model}/add/").status_code == 403
    assert client.post(f"/admin/funnel/{model}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403


def test_the_decision_page_shows_its_goals(admin_data, client):
    client.force_login(UserFactory(is_operator=True, is_staff=True))
    page = client.get(f"/admin/funnel/gatedecision/{admin_data.pk}/change/")
    assert admin_data.goals.get().metric in page.content.decode()


def test_staff_who_are_not_operators_do_not_see_the_funnel_in_the_admin(admin_data, client):
    client.force_login(UserFactory(is_staff=True, is_expert=True))
    for model in ADMIN_PAGES:
        assert client.get(f"/admin/funnel/{model}/").status_code == 403
