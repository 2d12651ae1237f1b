"""The funnel API: a role matrix for every endpoint (and nothing changed when refused), the
proposal flow, illegal moves, hidden initiatives, filters and query counts."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from govtech.core.models import AuditEvent
from govtech.funnel.models import (
    DecisionStatus,
    GateDecision,
    Initiative,
    Instrument,
    InstrumentKind,
    InstrumentStatus,
    Origin,
    Tag,
    TeamMember,
    TeamRole,
    Topic,
    Visibility,
)
from govtech.funnel.states import Stage
from tests.factories import AgencyFactory
from tests.funnel.factories import GateDecisionFactory, InitiativeFactory, InstrumentFactory
from tests.funnel.state import funnel_state as service_state

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "supplier_admin", "agency_admin", "expert", "operator"]
OUTSIDERS = ["resident", "supplier_admin", "expert"]

INITIATIVES = "/api/v1/funnel/initiatives/"
INSTRUMENTS = "/api/v1/funnel/instruments/"
GAPS = "/api/v1/funnel/instruments/gaps/"

GOAL = {"metric": "Холостые рейсы", "unit": "%", "baseline": "40.00", "target": "20.00", "measured": "18.00"}


def matrix(**codes: int) -> list[tuple[str, int]]:
    """(role, expected status) for every role; ``others`` is the code of roles not named."""
    others = codes.pop("others", None)
    return [(role, codes.get(role, others)) for role in ROLES]


def funnel_state() -> dict:
    """Everything a funnel service can change (tests/funnel/state.py) and the initiatives' tags."""
    tags = list(Initiative.tags.through.objects.order_by("pk").values_list("initiative_id", "tag_id"))
    return {**service_state(), "tags": tags}


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["status"] == status
    return body


def _slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


@pytest.fixture
def initiative(agency):
    """Public, at ``idea``, sponsored by the agency whose administrator is the agency_admin."""
    return InitiativeFactory(sponsor=agency, slug="smart-bins", title="Умные контейнеры")


@pytest.fixture
def internal(agency):
    return InitiativeFactory(sponsor=agency, slug="internal-audit", visibility=Visibility.INTERNAL)


@pytest.fixture
def proposal(initiative, people):
    return GateDecisionFactory(
        initiative=initiative, status=DecisionStatus.PROPOSED, proposed_by=people["agency_admin"]
    )


@pytest.fixture
def instrument(agency):
    return InstrumentFactory(owner=agency, slug="pilot-site", stages=[Stage.PILOT.value])


def _new_initiative(agency) -> dict:
    return {
        "title": "Датчики шума",
        "summary": "Сеть датчиков шума у магистралей.",
        "topic": Topic.ENVIRONMENT,
        "origin": Origin.EMPLOYEE_IDEA,
        "sponsor": agency.slug,
        "tags": ["Шум", "датчики"],
    }


# --- role matrix: initiatives ---------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_public_initiatives(api_client_for, role, initiative):
    client = api_client_for(role)
    assert _slugs(client.get(INITIATIVES)) == ["smart-bins"]
    response = client.get(f"{INITIATIVES}{initiative.slug}/")
    assert response.status_code == 200
    assert response.json()["stage"] == "idea"


@pytest.mark.parametrize(("role", "expected"), matrix(agency_admin=200, operator=200, anonymous=404, others=404))
def test_internal_initiatives_are_invisible_to_outsiders(api_client_for, role, expected, initiative, internal):
    client = api_client_for(role)
    listed = _slugs(client.get(INITIATIVES))
    assert ("internal-audit" in listed) is (expected == 200)
    assert "smart-bins" in listed
    assert client.get(f"{INITIATIVES}{internal.slug}/").status_code == expected
    assert client.get(f"{INITIATIVES}{internal.slug}/decisions/").status_code == expected


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=201, operator=201, others=403))
def test_create_matrix(api_client_for, role, expected, agency):
    before = funnel_state()
    response = api_client_for(role).post(INITIATIVES, _new_initiative(agency), format="json")
    assert response.status_code == expected, response.content
    if expected != 201:
        assert funnel_state() == before
        return
    body = response.json()
    initiative = Initiative.objects.get(slug=body["slug"])
    assert (body["stage"], body["sponsor"]) == ("idea", {"id": agency.pk, "slug": agency.slug, "name": agency.name})
    assert sorted(body["tags"]) == ["датчики", "шум"]
    assert [(s["stage"], s["exited_at"]) for s in body["stays"]] == [("idea", None)]
    assert initiative.stays.get(exited_at__isnull=True).stage == Stage.IDEA
    assert AuditEvent.objects.filter(action="initiative.created", object_id=str(initiative.pk)).count() == 1


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=200, operator=200, others=403))
def test_patch_matrix(api_client_for, role, expected, initiative):
    before = funnel_state()
    response = api_client_for(role).patch(
        f"{INITIATIVES}{initiative.slug}/", {"title": "Новое название", "tags": ["пилот"]}, format="json"
    )
    assert response.status_code == expected, response.content
    if expected != 200:
        assert funnel_state() == before
        return
    assert (response.json()["title"], response.json()["tags"]) == ("Новое название", ["пилот"])
    initiative.refresh_from_db()
    assert initiative.title == "Новое название"
    assert AuditEvent.objects.filter(action="initiative.updated").count() == 1


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=200, operator=200, others=404))
def test_patching_an_internal_initiative_is_a_404_for_outsiders(api_client_for, role, expected, internal):
    before = funnel_state()
    response = api_client_for(role).patch(f"{INITIATIVES}{internal.slug}/", {"summary": "Другое"}, format="json")
    assert response.status_code == expected
    if expected != 200:
        assert funnel_state() == before


# --- role matrix: decisions -----------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_decisions_of_a_public_initiative(api_client_for, role, initiative, proposal):
    response = api_client_for(role).get(f"{INITIATIVES}{initiative.slug}/decisions/")
    assert response.status_code == 200
    [decision] = response.json()["results"]
    assert (decision["id"], decision["status"], decision["to_stage"]) == (proposal.pk, "proposed", "prototype")
    assert decision["goals"][0]["is_met"] is True


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=201, operator=201, others=403))
def test_decide_or_propose_matrix(api_client_for, role, expected, initiative):
    before = funnel_state()
    response = api_client_for(role).post(
        f"{INITIATIVES}{initiative.slug}/decisions/",
        {"to_stage": "prototype", "rationale": "Прототип готов.", "goals": [GOAL]},
        format="json",
    )
    assert response.status_code == expected, response.content
    initiative.refresh_from_db()
    if expected != 201:
        assert funnel_state() == before
        return
    body = response.json()
    if role == "operator":  # an operator decides at once
        assert (body["status"], initiative.stage) == ("approved", Stage.PROTOTYPE)
    else:  # the sponsoring agency proposes; the stage waits for an operator
        assert (body["status"], initiative.stage) == ("proposed", Stage.IDEA)
    assert body["goals"] == [{**GOAL, "is_met": True}]
    assert GateDecision.objects.filter(initiative=initiative).count() == 1


@pytest.mark.parametrize("action", ["approve", "reject"])
@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, operator=200, others=403))
def test_approve_and_reject_matrix(api_client_for, role, expected, action, initiative, proposal):
    before = funnel_state()
    response = api_client_for(role).post(
        f"{INITIATIVES}{initiative.slug}/decisions/{proposal.pk}/{action}/", {"note": "Рассмотрено."}, format="json"
    )
    assert response.status_code == expected, response.content
    if expected != 200:
        assert funnel_state() == before
        return
    proposal.refresh_from_db()
    initiative.refresh_from_db()
    assert response.json()["status"] == proposal.status
    if action == "approve":
        assert (proposal.status, initiative.stage) == (DecisionStatus.APPROVED, Stage.PROTOTYPE)
    else:
        assert (proposal.status, initiative.stage) == (DecisionStatus.REJECTED, Stage.IDEA)


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize("action", ["decisions/", "decisions/{id}/approve/", "decisions/{id}/reject/"])
def test_writes_on_a_hidden_initiative_are_404(api_client_for, people, role, action, internal):
    hidden = GateDecisionFactory(initiative=internal, status=DecisionStatus.PROPOSED)
    before = funnel_state()
    response = api_client_for(role).post(
        f"{INITIATIVES}{internal.slug}/{action.format(id=hidden.pk)}",
        {"to_stage": "stopped", "rationale": "x", "lessons_learned": "x", "note": "x"},
        format="json",
    )
    assert error(response, 404)["code"] == "not_found"
    assert funnel_state() == before


# --- role matrix: instruments ---------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_instrument_registry(api_client_for, role, instrument):
    client = api_client_for(role)
    assert _slugs(client.get(INSTRUMENTS)) == ["pilot-site"]
    assert client.get(f"{INSTRUMENTS}{instrument.slug}/").json()["intake_state"] == "rolling"
    assert len(client.get(GAPS).json()) == 5


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, operator=201, others=403))
def test_instrument_create_matrix(api_client_for, role, expected, agency):
    before = funnel_state()
    response = api_client_for(role).post(
        INSTRUMENTS,
        {"name": "City Accelerator", "kind": "accelerator", "owner": agency.slug, "stages": ["prototype"]},
        format="json",
    )
    assert response.status_code == expected, response.content
    if expected != 201:
        assert funnel_state() == before
        return
    body = response.json()
    assert (body["slug"], body["owner"]["slug"], body["stages"]) == ("city-accelerator", agency.slug, ["prototype"])
    assert Instrument.objects.filter(slug=body["slug"], kind=InstrumentKind.ACCELERATOR).exists()
    assert AuditEvent.objects.filter(action="instrument.created").count() == 1


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, operator=200, others=403))
def test_instrument_update_matrix(api_client_for, role, expected, instrument):
    before = funnel_state()
    response = api_client_for(role).patch(
        f"{INSTRUMENTS}{instrument.slug}/", {"status": "paused", "stages": ["pilot", "adoption"]}, format="json"
    )
    assert response.status_code == expected, response.content
    if expected != 200:
        assert funnel_state() == before
        return
    instrument.refresh_from_db()
    assert (instrument.status, instrument.stages) == (InstrumentStatus.PAUSED, ["pilot", "adoption"])
    assert response.json()["intake_state"] == "closed"
    assert AuditEvent.objects.filter(action="instrument.updated").count() == 1


# --- the proposal flow ----------------------------------------------------


def test_the_agency_proposes_and_the_operator_approves(api_client_for, people, initiative):
    decisions = f"{INITIATIVES}{initiative.slug}/decisions/"
    proposed = api_client_for("agency_admin").post(
        decisions,
        {
            "to_stage": "prototype",
            "rationale": "Прототип собран на трёх площадках.",
            "goals": [GOAL],
            "evidence_links": ["https://example.test/report.pdf"],
        },
        format="json",
    )
    assert proposed.status_code == 201, proposed.content
    body = proposed.json()
    assert (body["status"], body["kind"], body["from_stage"], body["to_stage"]) == (
        "proposed",
        "forward",
        "idea",
        "prototype",
    )
    assert body["proposed_by"] == {"id": people["agency_admin"].pk, "full_name": people["agency_admin"].full_name}
    assert body["decided_by"] is None
    listed = api_client_for("anonymous").get(f"{INITIATIVES}{initiative.slug}/")
    assert listed.json()["has_pending_proposal"] is True

    approved = api_client_for("operator").post(
        f"{decisions}{body['id']}/approve/", {"note": "Согласовано."}, format="json"
    )
    assert approved.status_code == 200, approved.content
    assert (approved.json()["status"], approved.json()["decision_note"]) == ("approved", "Согласовано.")
    assert approved.json()["decided_by"]["id"] == people["operator"].pk

    initiative.refresh_from_db()
    decision = GateDecision.objects.get(pk=body["id"])
    assert initiative.stage == Stage.PROTOTYPE
    assert initiative.stage_entered_at == decision.decided_at
    idea_stay, prototype_stay = initiative.stays.order_by("entered_at", "id")
    assert (idea_stay.stage, idea_stay.exited_at) == (Stage.IDEA, decision.decided_at)
    assert (prototype_stay.stage, prototype_stay.exited_at, prototype_stay.decision_id) == (
        Stage.PROTOTYPE,
        None,
        decision.pk,
    )
    actions = list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))
    assert actions == ["decision.proposed", "decision.approved", "initiative.moved"]

    detail = api_client_for("anonymous").get(f"{INITIATIVES}{initiative.slug}/").json()
    assert (detail["stage"], detail["has_pending_proposal"]) == ("prototype", False)
    assert [(s["stage"], s["exited_at"] is None) for s in detail["stays"]] == [("idea", False), ("prototype", True)]
    assert [d["status"] for d in detail["decisions"]] == ["approved"]
    assert detail["decisions"][0]["goals"] == [{**GOAL, "is_met": True}]
    assert detail["decisions"][0]["evidence_links"] == ["https://example.test/report.pdf"]


def test_a_rejection_needs_a_note_and_leaves_the_stage(api_client_for, initiative, proposal):
    url = f"{INITIATIVES}{initiative.slug}/decisions/{proposal.pk}/reject/"
    before = funnel_state()
    assert "note" in error(api_client_for("operator").post(url, {}, format="json"), 400)["fields"]
    assert funnel_state() == before
    response = api_client_for("operator").post(url, {"note": "Не хватает данных."}, format="json")
    assert response.json()["status"] == "rejected"
    initiative.refresh_from_db()
    assert initiative.stage == Stage.IDEA
    assert AuditEvent.objects.filter(action="decision.rejected").count() == 1


def test_a_decided_proposal_cannot_be_decided_again(api_client_for, initiative, proposal):
    url = f"{INITIATIVES}{initiative.slug}/decisions/{proposal.pk}/"
    assert api_client_for("operator").post(f"{url}approve/", {}, format="json").status_code == 200
    before = funnel_state()
    assert error(api_client_for("operator").post(f"{url}reject/", {"note": "x"}, format="json"), 409)["code"] == (
        "not_proposed"
    )
    assert funnel_state() == before


def test_a_pending_proposal_blocks_other_moves(api_client_for, initiative, proposal):
    move = {"to_stage": "prototype", "rationale": "Ещё раз.", "goals": [GOAL]}
    before = funnel_state()
    for role in ["agency_admin", "operator"]:
        response = api_client_for(role).post(f"{INITIATIVES}{initiative.slug}/decisions/", move, format="json")
        assert error(response, 409)["code"] == "proposal_pending"
    assert funnel_state() == before


def test_a_decision_of_another_initiative_is_a_404(api_client_for, agency, initiative):
    other = GateDecisionFactory(initiative=InitiativeFactory(sponsor=agency), status=DecisionStatus.PROPOSED)
    before = funnel_state()
    response = api_client_for("operator").post(
        f"{INITIATIVES}{initiative.slug}/decisions/{other.pk}/approve/", {}, format="json"
    )
    assert error(response, 404)["code"] == "not_found"
    assert funnel_state() == before


# --- moves the funnel refuses ---------------------------------------------


@pytest.mark.parametrize("role", ["agency_admin", "operator"])
def test_skipping_a_stage_is_an_illegal_move(api_client_for, role, initiative):
    before = funnel_state()
    response = api_client_for(role).post(
        f"{INITIATIVES}{initiative.slug}/decisions/",
        {"to_stage": "pilot", "rationale": "Сразу в пилот.", "goals": [GOAL]},
        format="json",
    )
    body = error(response, 400)
    assert (body["code"], list(body["fields"])) == ("illegal_move", ["to_stage"])
    assert funnel_state() == before


def test_only_an_operator_moves_back(api_client_for, agency):
    initiative = InitiativeFactory(sponsor=agency, stage=Stage.PROTOTYPE)
    url = f"{INITIATIVES}{initiative.slug}/decisions/"
    move = {"to_stage": "idea", "rationale": "Прототип не взлетел."}
    before = funnel_state()
    assert error(api_client_for("agency_admin").post(url, move, format="json"), 400)["code"] == "illegal_move"
    assert funnel_state() == before
    assert api_client_for("operator").post(url, move, format="json").json()["kind"] == "back"


@pytest.mark.parametrize("role", ["agency_admin", "operator"])
def test_a_forward_move_without_goals_names_the_goals(api_client_for, role, initiative):
    before = funnel_state()
    response = api_client_for(role).post(
        f"{INITIATIVES}{initiative.slug}/decisions/", {"to_stage": "prototype", "rationale": "Готово."}, format="json"
    )
    body = error(response, 400)
    assert list(body["fields"]) == ["goals"]
    assert funnel_state() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"to_stage": "stopped", "rationale": "Дорого."}, "lessons_learned"),
        ({"to_stage": "prototype", "rationale": " ", "goals": [GOAL]}, "rationale"),
        ({"to_stage": "nowhere", "rationale": "x"}, "to_stage"),
        ({"to_stage": "prototype", "rationale": "x", "goals": [{**GOAL, "target": "много"}]}, "goals.0.target"),
        ({"to_stage": "prototype", "rationale": "x", "goals": [GOAL], "evidence_links": ["ftp://x.test/a"]}, None),
    ],
)
def test_a_bad_decision_is_a_400_naming_the_field(api_client_for, initiative, payload, field):
    before = funnel_state()
    body = error(
        api_client_for("operator").post(f"{INITIATIVES}{initiative.slug}/decisions/", payload, format="json"), 400
    )
    assert list(body["fields"]) == [field or "evidence_links"]
    assert funnel_state() == before


def test_an_operator_records_an_earlier_decision_but_not_a_future_one(api_client_for, agency):
    entered = timezone.now() - timedelta(days=30)
    initiative = InitiativeFactory(sponsor=agency, stage_entered_at=entered)
    url = f"{INITIATIVES}{initiative.slug}/decisions/"
    move = {"to_stage": "stopped", "rationale": "Нет бюджета.", "lessons_learned": "Считать бюджет заранее."}
    before = funnel_state()
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert list(
        error(api_client_for("operator").post(url, {**move, "decided_at": future}, format="json"), 400)["fields"]
    ) == ["decided_at"]
    assert funnel_state() == before
    earlier = entered + timedelta(days=10)
    response = api_client_for("operator").post(url, {**move, "decided_at": earlier.isoformat()}, format="json")
    assert response.status_code == 201, response.content
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.stage_entered_at) == (Stage.STOPPED, earlier)
    assert initiative.lessons_learned == "Считать бюджет заранее."


# --- creating and changing initiatives -------------------------------------


def test_the_sponsor_must_be_an_agency(api_client_for, supplier):
    before = funnel_state()
    body = error(api_client_for("operator").post(INITIATIVES, _new_initiative(supplier), format="json"), 400)
    assert list(body["fields"]) == ["sponsor"]
    assert funnel_state() == before


def test_an_agency_cannot_sponsor_for_another_agency(api_client_for):
    before = funnel_state()
    response = api_client_for("agency_admin").post(INITIATIVES, _new_initiative(AgencyFactory()), format="json")
    assert error(response, 403)["code"] == "permission_denied"
    assert funnel_state() == before


def test_a_missing_title_is_a_400_from_the_input(api_client_for, agency):
    payload = {key: value for key, value in _new_initiative(agency).items() if key != "title"}
    body = error(api_client_for("operator").post(INITIATIVES, payload, format="json"), 400)
    assert list(body["fields"]) == ["title"]


def test_a_patch_cannot_move_the_stage(api_client_for, initiative, instrument):
    response = api_client_for("operator").patch(
        f"{INITIATIVES}{initiative.slug}/",
        {"stage": "scale", "instrument": instrument.slug, "visibility": "internal"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["stage"], response.json()["instrument"]) == ("idea", instrument.slug)
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.visibility) == (Stage.IDEA, Visibility.INTERNAL)


def test_the_detail_shows_the_team(api_client_for, people, initiative, supplier):
    TeamMember.objects.create(initiative=initiative, user=people["supplier_admin"], role=TeamRole.LEAD)
    TeamMember.objects.create(initiative=initiative, organization=supplier, role=TeamRole.DEVELOPER)
    team = api_client_for("anonymous").get(f"{INITIATIVES}{initiative.slug}/").json()["team"]
    assert {
        "role": "lead",
        "user": {"id": people["supplier_admin"].pk, "full_name": people["supplier_admin"].full_name},
        "organization": None,
    } in team
    assert {
        "role": "developer",
        "user": None,
        "organization": {"id": supplier.pk, "slug": supplier.slug, "name": supplier.name},
    } in team
    assert "email" not in str(team)


def test_a_team_member_sees_an_internal_initiative(api_client_for, people, internal):
    TeamMember.objects.create(initiative=internal, user=people["supplier_admin"], role=TeamRole.DEVELOPER)
    client = api_client_for("supplier_admin")
    assert client.get(f"{INITIATIVES}{internal.slug}/").status_code == 200
    assert _slugs(client.get(INITIATIVES)) == [internal.slug]


def test_a_missing_initiative_is_a_404(api_client_for):
    assert error(api_client_for("operator").get(f"{INITIATIVES}no-such-thing/"), 404)["code"] == "not_found"


# --- filters and pages ----------------------------------------------------


def test_the_list_filters(api_client_for, agency, instrument):
    other_agency = AgencyFactory(slug="health-dept")
    old = timezone.now() - timedelta(days=200)
    bins = InitiativeFactory(sponsor=agency, slug="bins", title="Умные контейнеры", topic=Topic.ENVIRONMENT)
    bins.tags.add(Tag.objects.create(name="датчики"))
    InitiativeFactory(
        sponsor=other_agency,
        slug="clinic",
        title="Запись к врачу",
        topic=Topic.HEALTH,
        origin=Origin.RESIDENT_IDEA,
        stage=Stage.PILOT,
        stage_entered_at=old,
        instrument=instrument,
    )
    InitiativeFactory(sponsor=agency, slug="stopped", stage=Stage.STOPPED, stage_entered_at=old)
    client = api_client_for("anonymous")

    assert _slugs(client.get(INITIATIVES, {"stage": "pilot"})) == ["clinic"]
    assert _slugs(client.get(INITIATIVES, {"topic": "health"})) == ["clinic"]
    assert _slugs(client.get(INITIATIVES, {"origin": "resident_idea"})) == ["clinic"]
    assert _slugs(client.get(INITIATIVES, {"sponsor": "health-dept"})) == ["clinic"]
    assert _slugs(client.get(INITIATIVES, {"instrument": instrument.slug})) == ["clinic"]
    assert _slugs(client.get(INITIATIVES, {"tag": "Датчики"})) == ["bins"]
    assert _slugs(client.get(INITIATIVES, {"search": "КОНТЕЙНЕРЫ"})) == ["bins"]
    assert _slugs(client.get(INITIATIVES, {"stalled_days": 90})) == ["clinic"]  # stopped ones are not stalled
    assert _slugs(client.get(INITIATIVES, {"stage": "pilot", "topic": "environment"})) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"stage": "limbo"}, "stage"),
        ({"sponsor": "no-such-agency"}, "sponsor"),
        ({"stalled_days": "0"}, "stalled_days"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(api_client_for, params, field):
    body = error(api_client_for("anonymous").get(INITIATIVES, params), 400)
    assert list(body["fields"]) == [field]


def test_the_list_is_paginated(api_client_for, agency):
    InitiativeFactory.create_batch(23, sponsor=agency)
    first = api_client_for("anonymous").get(INITIATIVES).json()
    assert (first["count"], len(first["results"])) == (23, 20)
    assert first["next"].endswith(f"{INITIATIVES}?page=2")
    assert len(api_client_for("anonymous").get(INITIATIVES, {"page_size": 5}).json()["results"]) == 5


def _initiatives(n: int, agency, instrument) -> None:
    tags = [Tag.objects.get_or_create(name=name)[0] for name in ["датчики", "транспорт"]]
    for i in range(n):
        initiative = InitiativeFactory(
            sponsor=agency,
            instrument=instrument if i % 2 else None,
            visibility=Visibility.INTERNAL if i % 5 == 0 else Visibility.PUBLIC,
        )
        initiative.tags.add(*tags)
        if i % 3 == 0:
            GateDecisionFactory(initiative=initiative, status=DecisionStatus.PROPOSED)


def _queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["anonymous", "resident", "agency_admin", "operator"])
def test_the_list_needs_the_same_queries_for_10_or_200_initiatives(api_client_for, role, agency, instrument):
    client = api_client_for(role)
    _initiatives(10, agency, instrument)
    few = _queries(client, INITIATIVES, page_size=100)
    _initiatives(190, agency, instrument)
    assert _queries(client, INITIATIVES, page_size=100) == few
    assert few == 3  # the count, the page and its tags


def test_the_detail_and_decisions_need_the_same_queries_for_1_or_10_decisions(api_client_for, people, initiative):
    client = api_client_for("anonymous")
    TeamMember.objects.create(initiative=initiative, user=people["expert"], role=TeamRole.MENTOR)
    GateDecisionFactory(initiative=initiative, status=DecisionStatus.REJECTED, proposed_by=people["agency_admin"])
    detail, decisions = f"{INITIATIVES}{initiative.slug}/", f"{INITIATIVES}{initiative.slug}/decisions/"
    few = (_queries(client, detail), _queries(client, decisions))
    for _ in range(9):
        GateDecisionFactory(
            initiative=initiative,
            status=DecisionStatus.REJECTED,
            proposed_by=people["agency_admin"],
            decided_by=people["operator"],
        )
    assert (_queries(client, detail), _queries(client, decisions)) == few


def test_decisions_filter_by_status(api_client_for, initiative):
    GateDecisionFactory(initiative=initiative, status=DecisionStatus.REJECTED)
    proposed = GateDecisionFactory(initiative=initiative, status=DecisionStatus.PROPOSED)
    response = api_client_for("anonymous").get(f"{INITIATIVES}{initiative.slug}/decisions/", {"status": "proposed"})
    assert [d["id"] for d in response.json()["results"]] == [proposed.pk]


# --- instruments ----------------------------------------------------------


@time_machine.travel(date(2026, 6, 15), tick=False)
def test_instruments_show_their_intake_state_and_filter(api_client_for, agency):
    InstrumentFactory(
        slug="open", name="A", stages=["idea"], intake_opens_on=date(2026, 6, 1), intake_closes_on=date(2026, 6, 30)
    )
    InstrumentFactory(slug="upcoming", name="B", stages=["pilot"], intake_opens_on=date(2026, 7, 1), kind="grant")
    InstrumentFactory(slug="closed", name="C", stages=["pilot"], intake_closes_on=date(2026, 6, 1))
    InstrumentFactory(slug="paused", name="D", stages=["scale"], status=InstrumentStatus.PAUSED)
    client = api_client_for("anonymous")
    states = {item["slug"]: item["intake_state"] for item in client.get(INSTRUMENTS).json()["results"]}
    assert states == {"open": "open", "upcoming": "upcoming", "closed": "closed", "paused": "closed"}
    assert _slugs(client.get(INSTRUMENTS, {"stage": "pilot"})) == ["upcoming", "closed"]
    assert _slugs(client.get(INSTRUMENTS, {"kind": "grant"})) == ["upcoming"]
    assert list(error(client.get(INSTRUMENTS, {"stage": "stopped"}), 400)["fields"]) == ["stage"]

    gaps = {row["stage"]: row for row in client.get(GAPS).json()}
    assert list(gaps) == ["idea", "prototype", "pilot", "adoption", "scale"]
    assert (gaps["idea"]["open_count"], gaps["idea"]["has_none"], gaps["idea"]["is_closed"]) == (1, False, False)
    assert gaps["prototype"]["has_none"] is True
    assert (gaps["pilot"]["open_count"], gaps["pilot"]["is_closed"]) == (0, True)
    assert [i["slug"] for i in gaps["pilot"]["instruments"]] == ["upcoming", "closed"]


def test_an_instrument_cannot_close_before_it_opens(api_client_for, instrument):
    before = funnel_state()
    response = api_client_for("operator").patch(
        f"{INSTRUMENTS}{instrument.slug}/",
        {"intake_opens_on": "2026-09-01", "intake_closes_on": "2026-08-01"},
        format="json",
    )
    assert list(error(response, 400)["fields"]) == ["intake_closes_on"]
    assert funnel_state() == before


def test_an_instrument_serves_at_least_one_funnel_stage(api_client_for, agency):
    payload = {"name": "Empty", "kind": "award", "owner": agency.slug}
    for stages in [[], ["stopped"]]:
        body = error(api_client_for("operator").post(INSTRUMENTS, {**payload, "stages": stages}, format="json"), 400)
        assert [name.split(".")[0] for name in body["fields"]] == ["stages"]  # "stages" or "stages.0"
    assert not Instrument.objects.exists()


def test_a_missing_instrument_is_a_404(api_client_for):
    assert error(api_client_for("anonymous").get(f"{INSTRUMENTS}no-such-programme/"), 404)["code"] == "not_found"


def test_the_instrument_list_needs_the_same_queries_for_few_or_many(api_client_for, agency):
    client = api_client_for("anonymous")
    InstrumentFactory.create_batch(2, owner=agency)
    few = (_queries(client, INSTRUMENTS), _queries(client, GAPS))
    InstrumentFactory.create_batch(30)
    assert (_queries(client, INSTRUMENTS), _queries(client, GAPS)) == few
