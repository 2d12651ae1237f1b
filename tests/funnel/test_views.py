"""Pages of the funnel: the public list and initiative page, the gate-decision form, the
board, and the instrument registry with its gap view."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from govtech.accounts.models import User
from govtech.core.models import AuditEvent
from govtech.funnel.models import (
    DecisionStatus,
    GateDecision,
    Initiative,
    Instrument,
    InstrumentKind,
    InstrumentStatus,
    StageStay,
    Tag,
    Visibility,
)
from govtech.funnel.states import Stage
from tests.factories import AgencyFactory
from tests.funnel.factories import GateDecisionFactory, InitiativeFactory, InstrumentFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/funnel/"
BOARD_URL = "/funnel/board/"
INSTRUMENTS_URL = "/funnel/instruments/"
GAPS_URL = "/funnel/instruments/gaps/"
OUTSIDERS = ["anonymous", "resident", "supplier_member", "supplier_admin", "expert"]


@pytest.fixture
def client():
    """Pages are read in English, the source language, so these tests do not depend on the catalog."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def client_for(people):
    """As in tests/conftest.py, with every person's profile language set to English."""
    User.objects.filter(pk__in=[person.pk for person in people.values() if person]).update(language="en")

    def make(role: str) -> Client:
        web = Client(HTTP_ACCEPT_LANGUAGE="en")
        if people[role] is not None:
            web.force_login(people[role])
        return web

    return make


def _detail(initiative) -> str:
    return f"/funnel/initiatives/{initiative.slug}/"


def _move(initiative) -> str:
    return f"/funnel/initiatives/{initiative.slug}/move/"


def _titles(response) -> list[str]:
    return [initiative.title for initiative in response.context["page_obj"]]


def _board_titles(response) -> set[str]:
    return {card.title for column in response.context["columns"] for card in column.cards}


def _goals(*rows: dict, extra: int = 1) -> dict:
    """POST data of the goals formset: the given rows and ``extra`` blank ones."""
    data = {"goals-TOTAL_FORMS": str(len(rows) + extra), "goals-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        data.update({f"goals-{index}-{name}": value for name, value in row.items()})
    for index in range(len(rows), len(rows) + extra):
        data.update({f"goals-{index}-{name}": "" for name in ["metric", "unit", "baseline", "target", "measured"]})
    return data


GOAL = {"metric": "Холостые рейсы мусоровозов", "unit": "%", "baseline": "40", "target": "20", "measured": "17"}


# --- who sees what ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "resident", "supplier_member", "agency_admin", "expert", "operator"])
def test_public_pages_render_for_everyone(client_for, role, agency):
    initiative = InitiativeFactory(sponsor=agency, title="Умные контейнеры для двора")
    InstrumentFactory(name="Городской акселератор")
    client = client_for(role)
    listing = client.get(LIST_URL)
    assert listing.status_code == 200
    assert "Умные контейнеры для двора" in listing.content.decode()
    page = client.get(_detail(initiative))
    assert page.status_code == 200
    assert "Умные контейнеры для двора" in page.content.decode()
    assert "Городской акселератор" in client.get(INSTRUMENTS_URL).content.decode()
    assert client.get(GAPS_URL).status_code == 200


@pytest.mark.parametrize("role", OUTSIDERS)
def test_an_internal_initiative_is_not_found_for_outsiders(client_for, role, agency):
    initiative = InitiativeFactory(sponsor=agency, title="Внутренний проект", visibility=Visibility.INTERNAL)
    client = client_for(role)
    assert client.get(_detail(initiative)).status_code == 404
    assert "Внутренний проект" not in _titles(client.get(LIST_URL))
    # The move form does not reveal it either.
    assert client.get(_move(initiative)).status_code in {302, 404}


@pytest.mark.parametrize("role", ["agency_admin", "operator"])
def test_an_internal_initiative_is_shown_to_its_agency_and_operators(client_for, role, agency):
    initiative = InitiativeFactory(sponsor=agency, title="Внутренний проект", visibility=Visibility.INTERNAL)
    client = client_for(role)
    response = client.get(_detail(initiative))
    assert response.status_code == 200
    assert "Internal" in response.content.decode()
    assert "Внутренний проект" in _titles(client.get(LIST_URL))


def test_a_missing_initiative_is_not_found(client):
    assert client.get("/funnel/initiatives/no-such-thing/").status_code == 404


def test_the_list_filters(client, agency):
    other = AgencyFactory()
    instrument = InstrumentFactory(slug="pilot-sites")
    tagged = InitiativeFactory(sponsor=agency, title="Датчики воздуха", topic="environment", stage=Stage.PILOT)
    tagged.tags.add(Tag.objects.create(name="датчики"))
    InitiativeFactory(
        sponsor=other, title="Электронная очередь", topic="health", origin="resident_idea", instrument=instrument
    )
    assert _titles(client.get(LIST_URL, {"stage": "pilot"})) == ["Датчики воздуха"]
    assert _titles(client.get(LIST_URL, {"topic": "health"})) == ["Электронная очередь"]
    assert _titles(client.get(LIST_URL, {"origin": "resident_idea"})) == ["Электронная очередь"]
    assert _titles(client.get(LIST_URL, {"sponsor": agency.slug})) == ["Датчики воздуха"]
    assert _titles(client.get(LIST_URL, {"instrument": "pilot-sites"})) == ["Электронная очередь"]
    assert _titles(client.get(LIST_URL, {"tag": "Датчики"})) == ["Датчики воздуха"]
    assert _titles(client.get(LIST_URL, {"q": "ОЧЕРЕДЬ"})) == ["Электронная очередь"]
    # A value that is not a choice is ignored rather than an error; the other filters still apply.
    response = client.get(LIST_URL, {"stage": "nonsense", "topic": "health"})
    assert response.status_code == 200
    assert _titles(response) == ["Электронная очередь"]


def test_the_detail_page_shows_the_whole_record(client, agency):
    instrument = InstrumentFactory(name="Пилотные площадки")
    initiative = InitiativeFactory(
        sponsor=agency,
        instrument=instrument,
        problem="Контейнеры **переполнены** по утрам.",
        origin_url="https://example.test/ideas/1",
        stage=Stage.PROTOTYPE,
        stage_entered_at=timezone.now() - timedelta(days=12),
    )
    initiative.tags.add(Tag.objects.create(name="отходы"))
    GateDecisionFactory(
        initiative=initiative,
        from_stage=Stage.IDEA,
        to_stage=Stage.PROTOTYPE,
        proposed_at=timezone.now() - timedelta(days=12),
        evidence_links=["https://example.test/report.pdf"],
        goals=[
            {"metric": "Холостые рейсы", "unit": "%", "baseline": 40, "target": 20, "measured": 18},
            {"metric": "Жалобы жителей", "unit": "шт.", "baseline": 50, "target": 10, "measured": 30},
        ],
    )
    body = client.get(_detail(initiative)).content.decode()
    assert "<strong>переполнены</strong>" in body
    assert "https://example.test/ideas/1" in body
    assert "Пилотные площадки" in body and agency.name in body and "отходы" in body
    assert "12 days" in body
    assert "Холостые рейсы" in body and "Жалобы жителей" in body
    assert ">met<" in body and ">not met<" in body
    assert "https://example.test/report.pdf" in body
    assert 'scope="col"' in body and "<caption" in body
    # No move form for the public.
    assert "Decide a move" not in body and "Propose a move" not in body


def test_the_detail_page_needs_the_same_queries_whatever_the_history(client, agency):
    initiative = InitiativeFactory(sponsor=agency)
    GateDecisionFactory(initiative=initiative, status=DecisionStatus.REJECTED)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_detail(initiative)).status_code == 200
        return len(queries)

    few = count()
    for _ in range(5):
        GateDecisionFactory(
            initiative=initiative,
            status=DecisionStatus.REJECTED,
            goals=[{"metric": "m", "unit": "u", "baseline": 1, "target": 2, "measured": 3}] * 3,
        )
    assert count() == few


# --- constant query counts ----------------------------------------------------------


def _many_initiatives(n: int, *, sponsor, instrument) -> None:
    """n initiatives across the stages with their open stays, tags and some pending proposals."""
    now = timezone.now()
    stages = [Stage.IDEA, Stage.PROTOTYPE, Stage.PILOT, Stage.ADOPTION, Stage.SCALE, Stage.STOPPED]
    start = Initiative.objects.count()
    initiatives = Initiative.objects.bulk_create(
        [
            Initiative(
                title=f"Инициатива номер {start + i}",
                slug=f"bulk-{start + i}",
                summary="Краткое описание проекта.",
                topic="transport",
                origin="resident_idea",
                sponsor=sponsor,
                instrument=instrument if i % 2 else None,
                stage=stages[i % len(stages)],
                stage_entered_at=now - timedelta(days=i % 90),
                visibility=Visibility.PUBLIC if i % 3 else Visibility.INTERNAL,
            )
            for i in range(n)
        ]
    )
    assert all(i.pk for i in initiatives)  # SQLite ≥ 3.35 and PostgreSQL return the new ids
    StageStay.objects.bulk_create(
        [StageStay(initiative=i, stage=i.stage, entered_at=i.stage_entered_at) for i in initiatives]
    )
    tag, _ = Tag.objects.get_or_create(name="транспорт")
    Initiative.tags.through.objects.bulk_create(
        [Initiative.tags.through(initiative=i, tag=tag) for i in initiatives[::4]]
    )
    GateDecision.objects.bulk_create(
        [
            GateDecision(
                initiative=i,
                from_stage=i.stage,
                to_stage=Stage.STOPPED,
                kind="stop",
                status=DecisionStatus.PROPOSED,
                rationale="Нет результата.",
                proposed_at=now,
            )
            for i in initiatives[::7]
            if i.stage != Stage.STOPPED
        ]
    )


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["anonymous", "resident", "agency_admin", "operator"])
def test_the_list_needs_the_same_queries_for_10_or_500_initiatives(client_for, role, agency):
    client = client_for(role)
    instrument = InstrumentFactory()
    _many_initiatives(10, sponsor=agency, instrument=instrument)
    few = _queries(client, LIST_URL)
    few_filtered = _queries(client, LIST_URL, {"tag": "транспорт", "q": "инициатива"})
    _many_initiatives(490, sponsor=agency, instrument=instrument)
    assert Initiative.objects.count() == 500
    assert _queries(client, LIST_URL) == few
    assert _queries(client, LIST_URL, {"tag": "транспорт", "q": "инициатива"}) == few_filtered
    assert _queries(client, LIST_URL, {"page": 3}) == few


@pytest.mark.parametrize("role", ["agency_admin", "operator"])
def test_the_board_needs_the_same_queries_for_10_or_500_initiatives(client_for, role, agency):
    client = client_for(role)
    instrument = InstrumentFactory()
    _many_initiatives(10, sponsor=agency, instrument=instrument)
    few = _queries(client, BOARD_URL)
    few_filtered = _queries(client, BOARD_URL, {"agency": agency.slug, "stalled": "5"})
    _many_initiatives(490, sponsor=agency, instrument=instrument)
    assert _queries(client, BOARD_URL) == few
    assert _queries(client, BOARD_URL, {"agency": agency.slug, "stalled": "5"}) == few_filtered


# --- the board ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("resident", 403),
        ("supplier_member", 403),
        ("supplier_admin", 403),
        ("expert", 403),
        ("agency_admin", 200),
        ("operator", 200),
    ],
)
def test_the_board_is_for_operators_and_agency_staff(client_for, role, status):
    assert client_for(role).get(BOARD_URL).status_code == status


def test_agency_staff_see_their_agency_and_propose_operators_see_all_and_decide(client_for, agency):
    InitiativeFactory(sponsor=agency, title="Наш проект", visibility=Visibility.INTERNAL)
    InitiativeFactory(sponsor=AgencyFactory(), title="Чужой проект")
    staff = client_for("agency_admin").get(BOARD_URL)
    assert _board_titles(staff) == {"Наш проект"}
    assert "Propose…" in staff.content.decode()
    operator = client_for("operator").get(BOARD_URL)
    assert _board_titles(operator) == {"Наш проект", "Чужой проект"}
    body = operator.content.decode()
    assert "Decide…" in body
    assert 'role="region"' in body and 'tabindex="0"' in body


def test_the_board_filters_and_marks_pending_proposals(client_for, agency):
    old = InitiativeFactory(sponsor=agency, title="Застрявший проект", stage_entered_at=timezone.now() - timedelta(60))
    InitiativeFactory(sponsor=agency, title="Свежий проект", topic="health")
    GateDecisionFactory(initiative=old, status=DecisionStatus.PROPOSED, decided_at=None)
    client = client_for("operator")
    assert _board_titles(client.get(BOARD_URL, {"stalled": "30"})) == {"Застрявший проект"}
    assert _board_titles(client.get(BOARD_URL, {"topic": "health"})) == {"Свежий проект"}
    body = client.get(BOARD_URL).content.decode()
    assert "Pending proposal" in body and "Review proposal" in body
    assert "60 days in this stage" in body
    # A bad number is shown as an error and filters nothing.
    response = client.get(BOARD_URL, {"stalled": "-3"})
    assert response.status_code == 200 and response.context["form"].errors


def test_the_move_button_is_a_link_without_javascript_and_loads_the_form_with_htmx(client_for, agency):
    initiative = InitiativeFactory(sponsor=agency, title="Умная остановка")
    client = client_for("operator")
    body = client.get(BOARD_URL).content.decode()
    assert f'href="{_move(initiative)}?next=' in body
    assert f'hx-get="{_move(initiative)}?next=' in body
    partial = client.get(_move(initiative), {"next": BOARD_URL}, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert partial.templates[0].name == "funnel/partials/_move_form.html"
    content = partial.content.decode()
    assert "<html" not in content and 'hx-post="' in content and "Умная остановка" in content


def test_an_htmx_move_from_the_board_redirects_back_to_the_board(client_for, agency):
    initiative = InitiativeFactory(sponsor=agency)
    response = client_for("operator").post(
        _move(initiative),
        {"to_stage": "prototype", "rationale": "Прототип готов.", "next": BOARD_URL + "?topic=", **_goals(GOAL)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == BOARD_URL + "?topic="
    initiative.refresh_from_db()
    assert initiative.stage == Stage.PROTOTYPE


def test_an_htmx_move_with_errors_returns_the_form_partial(client_for, agency):
    initiative = InitiativeFactory(sponsor=agency)
    response = client_for("operator").post(
        _move(initiative),
        {"to_stage": "prototype", "rationale": "Без целей.", **_goals()},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "HX-Redirect" not in response
    assert "<html" not in response.content.decode()
    assert "at least one goal" in response.content.decode()


def test_htmx_filters_return_only_the_results(client_for, agency):
    InitiativeFactory(sponsor=agency, title="Проект для частичного ответа")
    client = client_for("operator")
    for url, template in [
        (LIST_URL, "funnel/partials/_initiative_results.html"),
        (BOARD_URL, "funnel/partials/_board_columns.html"),
        (INSTRUMENTS_URL, "funnel/partials/_instrument_results.html"),
    ]:
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert response.templates[0].name == template
        assert "<html" not in response.content.decode()


# --- gate decisions through the pages --------------------------------------------------


def test_an_operator_moves_an_initiative_through_the_full_page_form(client_for, agency, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    initiative = InitiativeFactory(sponsor=agency, title="Датчики у контейнеров")
    client = client_for("operator")
    page = client.get(_move(initiative))
    assert page.status_code == 200
    assert page.context["form"].fields["to_stage"].choices == [
        ("prototype", "Prototype (forward through the gate)"),
        ("stopped", "Stop the initiative"),
    ]
    report = SimpleUploadedFile("protocol.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    response = client.post(
        _move(initiative),
        {
            "to_stage": "prototype",
            "rationale": "Прототип собран и проверен на двух площадках.",
            "evidence_links": "https://example.test/protocol\n\nhttps://example.test/photos\n",
            "evidence_files": [report],
            **_goals(GOAL),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _detail(initiative)
    initiative.refresh_from_db()
    assert initiative.stage == Stage.PROTOTYPE
    decision = initiative.decisions.get()
    assert decision.status == DecisionStatus.APPROVED
    assert decision.evidence_links == ["https://example.test/protocol", "https://example.test/photos"]
    assert decision.evidence_files.get().title == "protocol.pdf"
    (goal,) = decision.goals.all()
    assert (goal.metric, goal.measured, goal.is_met) == ("Холостые рейсы мусоровозов", 17, True)
    assert AuditEvent.objects.filter(action="initiative.moved").exists()

    public = client_for("anonymous").get(_detail(initiative)).content.decode()
    assert "Прототип собран и проверен на двух площадках." in public
    assert "Холостые рейсы мусоровозов" in public and ">met<" in public
    assert "https://example.test/photos" in public and "protocol.pdf" in public


def test_a_forward_move_without_goals_shows_the_error_and_changes_nothing(client_for, agency):
    initiative = InitiativeFactory(sponsor=agency)
    audit_before = AuditEvent.objects.count()
    response = client_for("operator").post(
        _move(initiative), {"to_stage": "prototype", "rationale": "Всё хорошо.", **_goals(extra=2)}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["goals"]
    body = response.content.decode()
    assert form.errors["goals"][0] in body
    assert 'id="id_goals_error"' in body
    initiative.refresh_from_db()
    assert initiative.stage == Stage.IDEA
    assert not GateDecision.objects.exists()
    assert AuditEvent.objects.count() == audit_before


def test_a_half_filled_goal_and_a_bad_link_are_shown_next_to_their_fields(client_for, agency):
    initiative = InitiativeFactory(sponsor=agency)
    client = client_for("operator")
    response = client.post(
        _move(initiative),
        {"to_stage": "prototype", "rationale": "Есть результат.", **_goals({**GOAL, "measured": "много"})},
    )
    assert response.status_code == 200
    assert response.context["goal_formset"].errors[0] == {"measured": ["Enter a number."]}
    response = client.post(
        _move(initiative),
        {"to_stage": "prototype", "rationale": "Есть результат.", "evidence_links": "ftp://x", **_goals(GOAL)},
    )
    assert list(response.context["form"].errors) == ["evidence_links"]
    assert not GateDecision.objects.exists()


def test_stopping_needs_lessons_learned_and_publishes_them(client_for, agency):
    initiative = InitiativeFactory(sponsor=agency, stage=Stage.PILOT)
    client = client_for("operator")
    response = client.post(_move(initiative), {"to_stage": "stopped", "rationale": "Не взлетело.", **_goals()})
    assert list(response.context["form"].errors) == ["lessons_learned"]
    response = client.post(
        _move(initiative),
        {
            "to_stage": "stopped",
            "rationale": "Не взлетело.",
            "lessons_learned": "Датчики не выдерживают мороз.",
            **_goals(),
        },
    )
    assert response.status_code == 302
    body = client_for("anonymous").get(_detail(initiative)).content.decode()
    assert "Датчики не выдерживают мороз." in body and "Lessons learned" in body


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("resident", 403), ("supplier_admin", 403), ("expert", 403)],
)
def test_the_move_form_is_refused_to_others_and_nothing_changes(client_for, role, status, agency):
    initiative = InitiativeFactory(sponsor=agency)
    client = client_for(role)
    assert client.get(_move(initiative)).status_code == status
    response = client.post(_move(initiative), {"to_stage": "prototype", "rationale": "Вперёд.", **_goals(GOAL)})
    assert response.status_code == status
    initiative.refresh_from_db()
    assert initiative.stage == Stage.IDEA
    assert not GateDecision.objects.exists()


def test_agency_staff_propose_and_the_operator_approves_from_the_detail_page(client_for, agency):
    initiative = InitiativeFactory(sponsor=agency, title="Сенсоры парковок")
    staff = client_for("agency_admin")
    detail = staff.get(_detail(initiative)).content.decode()
    assert "Propose a move" in detail
    form = staff.get(_move(initiative)).context["form"]
    assert [value for value, _label in form.fields["to_stage"].choices] == ["prototype", "stopped"]
    response = staff.post(
        _move(initiative), {"to_stage": "prototype", "rationale": "Прототип работает.", **_goals(GOAL)}
    )
    assert response.status_code == 302
    decision = initiative.decisions.get()
    assert decision.status == DecisionStatus.PROPOSED
    initiative.refresh_from_db()
    assert initiative.stage == Stage.IDEA
    # While it waits, the agency cannot propose another move.
    assert "waiting" in staff.get(_detail(initiative)).content.decode()

    operator = client_for("operator")
    page = operator.get(_detail(initiative)).content.decode()
    approve_url = f"/funnel/initiatives/{initiative.slug}/decisions/{decision.pk}/approve/"
    assert approve_url in page and "Decide a move" not in page
    # Others cannot approve.
    assert staff.post(approve_url).status_code == 403
    assert client_for("anonymous").post(approve_url).status_code == 302
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PROPOSED

    response = operator.post(approve_url, {"note": "Согласовано."})
    assert response.status_code == 302
    decision.refresh_from_db()
    initiative.refresh_from_db()
    assert decision.status == DecisionStatus.APPROVED and decision.decision_note == "Согласовано."
    assert initiative.stage == Stage.PROTOTYPE
    assert "Согласовано." in client_for("anonymous").get(_detail(initiative)).content.decode()


def test_the_operator_rejects_a_proposal_only_with_a_note(client_for, agency):
    initiative = InitiativeFactory(sponsor=agency)
    decision = GateDecisionFactory(initiative=initiative, status=DecisionStatus.PROPOSED, decided_at=None)
    reject_url = f"/funnel/initiatives/{initiative.slug}/decisions/{decision.pk}/reject/"
    operator = client_for("operator")
    response = operator.post(reject_url, {"note": "  "})
    assert response.status_code == 400
    assert "Say why the proposal is rejected." in response.content.decode()
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PROPOSED
    response = operator.post(reject_url, {"note": "Нужны замеры за месяц."})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.REJECTED
    initiative.refresh_from_db()
    assert initiative.stage == Stage.IDEA
    # A decided proposal cannot be approved later.
    operator.post(f"/funnel/initiatives/{initiative.slug}/decisions/{decision.pk}/approve/")
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.REJECTED


def test_a_decision_of_another_initiative_is_not_found(client_for, agency):
    initiative = InitiativeFactory(sponsor=agency)
    foreign = GateDecisionFactory(status=DecisionStatus.PROPOSED, decided_at=None)
    url = f"/funnel/initiatives/{initiative.slug}/decisions/{foreign.pk}/approve/"
    assert client_for("operator").post(url).status_code == 404


# --- instruments ---------------------------------------------------------------------


def _instrument_data(**overrides) -> dict:
    return {
        "name": "Московский акселератор",
        "kind": InstrumentKind.ACCELERATOR,
        "owner": overrides.pop("owner"),
        "description": "Трёхмесячная программа.",
        "stages": ["prototype", "pilot"],
        "intake_opens_on": "",
        "intake_closes_on": "",
        "status": InstrumentStatus.ACTIVE,
        "url": "https://example.test/accelerator",
        **overrides,
    }


def test_the_registry_filters_by_kind_and_stage(client):
    InstrumentFactory(name="Хакатон", kind=InstrumentKind.HACKATHON, stages=["idea"])
    InstrumentFactory(name="Грант", kind=InstrumentKind.GRANT, stages=["pilot", "adoption"])
    names = lambda response: [i.name for i in response.context["page_obj"]]  # noqa: E731
    assert names(client.get(INSTRUMENTS_URL, {"kind": "grant"})) == ["Грант"]
    assert names(client.get(INSTRUMENTS_URL, {"stage": "idea"})) == ["Хакатон"]
    assert names(client.get(INSTRUMENTS_URL, {"stage": "adoption", "kind": "hackathon"})) == []
    body = client.get(INSTRUMENTS_URL).content.decode()
    assert "Rolling intake" in body and "Adoption" in body


def test_the_operator_creates_and_edits_an_instrument(client_for, agency):
    client = client_for("operator")
    assert client.get("/funnel/instruments/new/").status_code == 200
    response = client.post("/funnel/instruments/new/", _instrument_data(owner=agency.slug))
    assert response.status_code == 302
    instrument = Instrument.objects.get(name="Московский акселератор")
    assert instrument.stages == ["prototype", "pilot"] and instrument.owner == agency
    edit_url = f"/funnel/instruments/{instrument.slug}/edit/"
    page = client.get(edit_url)
    assert page.status_code == 200 and 'value="Московский акселератор"' in page.content.decode()
    response = client.post(
        edit_url,
        _instrument_data(
            owner=agency.slug, stages=["pilot"], intake_opens_on="2026-01-10", intake_closes_on="2026-02-01"
        ),
    )
    assert response.status_code == 302
    instrument.refresh_from_db()
    assert instrument.stages == ["pilot"]
    assert str(instrument.intake_closes_on) == "2026-02-01"
    assert AuditEvent.objects.filter(action="instrument.updated").exists()


def test_instrument_errors_are_shown_next_to_the_fields(client_for, agency):
    client = client_for("operator")
    response = client.post("/funnel/instruments/new/", _instrument_data(owner=agency.slug, stages=[]))
    assert "stages" in response.context["form"].errors
    response = client.post(
        "/funnel/instruments/new/",
        _instrument_data(owner=agency.slug, intake_opens_on="2026-03-01", intake_closes_on="2026-02-01"),
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["intake_closes_on"]
    assert not Instrument.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("resident", 403), ("supplier_admin", 403), ("agency_admin", 403), ("expert", 403)],
)
def test_only_the_operator_manages_instruments(client_for, role, status, agency):
    instrument = InstrumentFactory(name="Старое имя")
    client = client_for(role)
    assert client.get("/funnel/instruments/new/").status_code == status
    assert client.post("/funnel/instruments/new/", _instrument_data(owner=agency.slug)).status_code == status
    edit_url = f"/funnel/instruments/{instrument.slug}/edit/"
    assert client.post(edit_url, _instrument_data(owner=agency.slug)).status_code == status
    instrument.refresh_from_db()
    assert instrument.name == "Старое имя"
    assert Instrument.objects.count() == 1
    assert "Add an instrument" not in client.get(INSTRUMENTS_URL).content.decode()


def test_editing_a_missing_instrument_is_not_found(client_for):
    assert client_for("operator").get("/funnel/instruments/no-such/edit/").status_code == 404


def test_the_gap_view_flags_missing_and_closed_stages_in_words(client):
    today = timezone.localdate()
    InstrumentFactory(name="Хакатон идей", stages=["idea"])  # rolling intake
    InstrumentFactory(name="Акселератор прототипов", stages=["prototype"])
    InstrumentFactory(
        name="Пилотный конкурс",
        stages=["pilot"],
        intake_opens_on=today - timedelta(days=60),
        intake_closes_on=today - timedelta(days=30),
    )
    InstrumentFactory(name="Грант", stages=["adoption"], status=InstrumentStatus.RETIRED)
    response = client.get(GAPS_URL)
    rows = {row.stage: row for row in response.context["rows"]}
    assert rows["scale"].has_none
    assert rows["pilot"].is_closed and rows["adoption"].is_closed
    assert not rows["idea"].has_none and not rows["idea"].is_closed
    body = response.content.decode()
    assert body.count("Gap: no instrument serves this stage.") == 1
    assert body.count("Gap: every intake for this stage is closed.") == 2
    assert "Пилотный конкурс" in body and "Intake closed" in body


def test_while_a_proposal_waits_the_move_page_points_to_it(client_for, agency):
    initiative = InitiativeFactory(sponsor=agency)
    GateDecisionFactory(initiative=initiative, status=DecisionStatus.PROPOSED, decided_at=None)
    for role in ["operator", "agency_admin"]:
        response = client_for(role).get(_move(initiative))
        assert response.status_code == 200
        body = response.content.decode()
        assert "waiting for a decision" in body and "<textarea" not in body


def test_a_stopped_initiative_offers_no_move(client_for, agency):
    initiative = InitiativeFactory(sponsor=agency, stage=Stage.STOPPED, lessons_learned="Урок.")
    client = client_for("operator")
    assert "Decide a move" not in client.get(_detail(initiative)).content.decode()
    assert "No move is possible from this stage." in client.get(_move(initiative)).content.decode()
    assert f'href="{_move(initiative)}' not in client.get(BOARD_URL).content.decode()
