"""Pages of the challenge platform: the list and its filters, the challenge page, creating and
editing, questions and consultations, submitting, the expert's evaluation and the panel."""

import html
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from govtech.accounts.models import User
from govtech.challenges.models import (
    Challenge,
    ChallengeDocument,
    ChallengeStatus,
    ConsultationSlot,
    Criterion,
    Declaration,
    Indicator,
    Phase,
    PhaseKind,
    Question,
    ReviewCycle,
    Score,
    Submission,
    SubmissionStatus,
)
from govtech.funnel.states import Stage
from tests.challenges.factories import (
    AssignmentFactory,
    ChallengeFactory,
    SubmissionFactory,
)
from tests.factories import AgencyFactory, MembershipFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/challenges/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SECTIONS = {
    "title": "Датчики свободных мест",
    "summary": "Датчики на каждом месте.",
    "approach": "Магнитные датчики и приложение.",
    "team": "Пять инженеров.",
    "plan": "Три месяца испытаний.",
    "budget": "400000",
}


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def client_for(people):
    """As in tests/conftest.py, reading the pages in English (the source language)."""
    User.objects.filter(pk__in=[person.pk for person in people.values() if person]).update(language="en")

    def make(role: str) -> Client:
        web = Client(HTTP_ACCEPT_LANGUAGE="en")
        if people[role] is not None:
            web.force_login(people[role])
        return web

    return make


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _titles(response) -> list[str]:
    return [challenge.title for challenge in response.context["page_obj"]]


def _pdf(name: str = "plan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _closed_phase(**overrides) -> dict:
    now = timezone.now()
    return {"opens_at": now - timedelta(days=20), "closes_at": now - timedelta(days=1), **overrides}


def _submit_url(challenge, number: int = 1) -> str:
    return f"{challenge.get_absolute_url()}phases/{number}/submit/"


def _panel_url(challenge, number: int = 1) -> str:
    return f"{challenge.get_absolute_url()}phases/{number}/evaluation/"


# --- the list --------------------------------------------------------------------------


def test_the_list_filters(client, agency):
    now = timezone.now()
    other = AgencyFactory(slug="transport")
    ChallengeFactory(owner=agency, title="Очереди в поликлиниках", topic="health")
    ChallengeFactory(
        owner=other,
        title="Парковки в центре города",
        topic="transport",
        phases=[{"kind": PhaseKind.PILOT, "opens_at": now + timedelta(days=5)}],
    )
    ChallengeFactory(
        owner=other,
        title="Вывоз снега со дворов",
        topic="housing",
        status=ChallengeStatus.DECIDED,
        phases=[_closed_phase()],
    )
    ChallengeFactory(owner=agency, title="Черновик не виден", status=ChallengeStatus.DRAFT, published_at=None)
    assert sorted(_titles(client.get(LIST_URL))) == [
        "Вывоз снега со дворов",
        "Очереди в поликлиниках",
        "Парковки в центре города",
    ]
    assert _titles(client.get(LIST_URL, {"status": "decided"})) == ["Вывоз снега со дворов"]
    assert _titles(client.get(LIST_URL, {"agency": agency.slug})) == ["Очереди в поликлиниках"]
    assert _titles(client.get(LIST_URL, {"topic": "transport"})) == ["Парковки в центре города"]
    assert _titles(client.get(LIST_URL, {"phase": "pilot"})) == ["Парковки в центре города"]
    assert _titles(client.get(LIST_URL, {"deadline": "open"})) == ["Очереди в поликлиниках"]
    assert _titles(client.get(LIST_URL, {"deadline": "upcoming"})) == ["Парковки в центре города"]
    assert _titles(client.get(LIST_URL, {"deadline": "week"})) == []
    assert _titles(client.get(LIST_URL, {"deadline": "month"})) == ["Очереди в поликлиниках"]
    assert _titles(client.get(LIST_URL, {"q": "ПАРКОВКИ"})) == ["Парковки в центре города"]
    # A value that is not a choice is ignored rather than an error; the other filters still apply.
    response = client.get(LIST_URL, {"status": "draft", "topic": "health"})
    assert response.status_code == 200
    assert _titles(response) == ["Очереди в поликлиниках"]


def test_the_list_shows_the_next_deadline_and_whether_submissions_are_open(client, agency):
    now = timezone.now()
    closes = now + timedelta(days=3)
    ChallengeFactory(
        owner=agency, title="Открытая задача", phases=[{"opens_at": now - timedelta(days=1), "closes_at": closes}]
    )
    ChallengeFactory(owner=agency, title="Будущая задача", phases=[{"opens_at": now + timedelta(days=2)}])
    body = _text(client.get(LIST_URL))
    assert body.count("Taking submissions now") == 1
    assert f'datetime="{timezone.localtime(closes).isoformat()}"' in body
    with time_machine.travel(now + timedelta(days=4)):
        assert "Taking submissions now" in _text(client.get(LIST_URL))  # the future one opened
        assert _titles(client.get(LIST_URL, {"deadline": "open"})) == ["Будущая задача"]


def test_htmx_filters_return_only_the_results(client, agency):
    ChallengeFactory(owner=agency, title="Очереди в поликлиниках")
    response = client.get(LIST_URL, {"q": "очереди"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Очереди в поликлиниках" in body
    assert "<html" not in body


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["anonymous", "supplier_member", "agency_admin", "operator"])
def test_the_list_needs_the_same_queries_for_5_or_30_challenges(client_for, role, agency):
    client = client_for(role)
    for _ in range(5):
        ChallengeFactory(owner=agency, phases=[{}, {"opens_at": timezone.now() + timedelta(days=12)}])
    few = _queries(client, LIST_URL)
    few_filtered = _queries(client, LIST_URL, {"deadline": "open", "q": "очереди", "phase": "feasibility"})
    for _ in range(25):
        ChallengeFactory(owner=AgencyFactory(), phases=[{}, {"opens_at": timezone.now() + timedelta(days=12)}])
    assert _queries(client, LIST_URL) == few
    assert _queries(client, LIST_URL, {"deadline": "open", "q": "очереди", "phase": "feasibility"}) == few_filtered
    assert _queries(client, LIST_URL, {"page": 2}) == few


@pytest.mark.parametrize(
    ("url", "role"),
    [("/challenges/mine/", "agency_admin"), ("/challenges/review/", "operator")],
)
def test_staff_lists_need_the_same_queries_for_5_or_30_challenges(client_for, agency, url, role):
    status = ChallengeStatus.IN_REVIEW if "review" in url else ChallengeStatus.DRAFT
    for _ in range(5):
        ChallengeFactory(owner=agency, status=status, published_at=None)
    client = client_for(role)
    few = _queries(client, url)
    for _ in range(25):
        ChallengeFactory(owner=agency, status=status, published_at=None)
    assert _queries(client, url) == few


# --- the challenge page -------------------------------------------------------------------


def test_the_challenge_page_shows_the_whole_record(client, agency):
    now = timezone.now()
    challenge = ChallengeFactory(
        owner=agency,
        problem="Пациенты ждут **двенадцать** дней.",
        goals="Сократить _вдвое_.",
        sme_only=True,
        max_company_age_years=5,
        licence_notes="Код публикуется.",
        phases=[
            {"name": "Обоснование", "opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=10)},
            {
                "name": "Пилотная проверка",
                "kind": PhaseKind.PILOT,
                "mode": "rolling",
                "cycle_days": 14,
                "opens_at": now + timedelta(days=11),
                "closes_at": now + timedelta(days=60),
                "advance_cap": 3,
                "funding_per_participant": Decimal("5000000"),
                "deliverables": "Работающий пилот.",
            },
        ],
        criteria=[{"name": "Новизна решения", "weight": 70}, {"name": "Сила команды", "weight": 30}],
    )
    Indicator.objects.create(challenge=challenge, metric="Время ожидания", unit="дней", baseline=12, target=6)
    ChallengeDocument.objects.create(challenge=challenge, title="Условия конкурса", file=_pdf("terms.pdf"))
    Question.objects.create(
        challenge=challenge, text="Можно ли участвовать консорциумом?", answer="Да, можно.", answered_at=now
    )
    Question.objects.create(challenge=challenge, text="Вопрос без ответа пока что", asked_by=UserFactory())
    body = _text(client.get(challenge.get_absolute_url()))
    assert "<strong>двенадцать</strong>" in body and "<em>вдвое</em>" in body
    assert "Время ожидания" in body and "<caption" in body and 'scope="col"' in body
    assert "Small and medium-sized enterprises only" in body and "Companies younger than 5 years" in body
    assert "Код публикуется." in body and challenge.contact_email in body
    assert "Условия конкурса" in body
    assert "Phase 1: Обоснование" in body and "Phase 2: Пилотная проверка" in body
    assert "Open for submissions" in body and "Not open yet" in body
    assert "review cycles of 14 days" in body and "Работающий пилот." in body
    assert "Новизна решения" in body and "70%" in body
    # Public Q&A: answered questions only, never who asked.
    assert "Можно ли участвовать консорциумом?" in body and "Да, можно." in body
    assert "Вопрос без ответа пока что" not in body
    # Nothing for the public to manage.
    assert "Manage the challenge" not in body and "Submit a proposal" not in body


def test_a_document_downloads_through_the_checked_address(client, agency):
    challenge = ChallengeFactory(owner=agency)
    document = ChallengeDocument.objects.create(challenge=challenge, title="Условия", file=_pdf("terms.pdf"))
    response = client.get(f"{challenge.get_absolute_url()}documents/{document.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "Условия.pdf" in response["Content-Disposition"] or "filename*" in response["Content-Disposition"]
    assert client.get(f"{challenge.get_absolute_url()}documents/{document.pk + 1}/").status_code == 404


def test_the_follow_button_follows_a_published_challenge(client_for, agency, people):
    challenge = ChallengeFactory(owner=agency)
    client = client_for("resident")
    body = _text(client.get(challenge.get_absolute_url()))
    assert 'name="target_type" value="challenges.challenge"' in body
    client.post(
        "/notifications/follow/",
        {"target_type": "challenges.challenge", "target_id": challenge.pk, "action": "follow", "next": "/"},
    )
    assert "Unfollow" in _text(client.get(challenge.get_absolute_url()))


def test_a_supplier_sees_eligibility_problems_and_invited_only_phases(client_for, agency, supplier):
    now = timezone.now()
    supplier.is_sme = False
    supplier.save()
    challenge = ChallengeFactory(
        owner=agency,
        sme_only=True,
        phases=[{}, {"opens_at": now + timedelta(days=11), "closes_at": now + timedelta(days=20)}],
    )
    body = _text(client_for("supplier_member").get(challenge.get_absolute_url()))
    assert "open to small and medium-sized enterprises only" in body
    assert "Submit a proposal" not in body
    supplier.is_sme = True
    supplier.save()
    client = client_for("supplier_member")
    assert "Submit a proposal" in _text(client.get(challenge.get_absolute_url()))
    with time_machine.travel(now + timedelta(days=12)):
        body = _text(client.get(challenge.get_absolute_url()))
        assert "Invited participants only" in body
        assert "Submit a proposal" not in body
        form = _text(client.get(_submit_url(challenge, 2)))
        assert "Invited participants only" in form


# --- questions and consultations ------------------------------------------------------------


def test_a_supplier_asks_and_the_owner_answers_anonymously(client_for, agency, people):
    challenge = ChallengeFactory(owner=agency)
    supplier_client = client_for("supplier_member")
    assert "Ask the question" in _text(supplier_client.get(challenge.get_absolute_url()))
    assert "Ask the question" not in _text(client_for("resident").get(challenge.get_absolute_url()))

    response = supplier_client.post(f"{challenge.get_absolute_url()}questions/", {"text": "Коротко"})
    assert response.status_code == 400
    assert "Ensure this value has at least 10 characters" in _text(response)
    assert challenge.questions.count() == 0

    response = supplier_client.post(
        f"{challenge.get_absolute_url()}questions/", {"text": "Какие данные о записи к врачу доступны?"}
    )
    assert response.status_code == 302
    question = challenge.questions.get()
    owner = client_for("agency_admin")
    assert "Какие данные о записи к врачу доступны?" in _text(owner.get(challenge.get_absolute_url()))

    answer_url = f"{challenge.get_absolute_url()}questions/{question.pk}/answer/"
    assert owner.post(answer_url, {"answer": ""}).status_code == 400
    assert supplier_client.post(answer_url, {"answer": "Никакие."}).status_code == 403
    assert owner.post(answer_url, {"answer": "Расписание и журнал записи."}).status_code == 302
    public = _text(client_for("anonymous").get(challenge.get_absolute_url()))
    assert "Какие данные о записи к врачу доступны?" in public and "Расписание и журнал записи." in public
    assert people["supplier_member"].email not in public and people["supplier_member"].full_name not in public


def test_questions_closed_shows_the_services_message(client_for, agency):
    challenge = ChallengeFactory(owner=agency, questions_close_at=timezone.now() + timedelta(hours=1))
    client = client_for("supplier_member")
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert "Ask the question" not in _text(client.get(challenge.get_absolute_url()))
        response = client.post(f"{challenge.get_absolute_url()}questions/", {"text": "Можно ли ещё спросить?"})
    assert response.status_code == 400
    assert "Questions are not accepted for this challenge now." in _text(response)
    assert challenge.questions.count() == 0


def test_the_owner_offers_slots_and_a_supplier_books_and_cancels(client_for, agency, supplier):
    challenge = ChallengeFactory(owner=agency)
    owner = client_for("agency_admin")
    base = challenge.get_absolute_url()
    past = timezone.localtime() - timedelta(days=1)
    response = owner.post(
        f"{base}slots/", {"starts_at": past.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": 30, "place": "Зал 1"}
    )
    assert response.status_code == 400
    assert "A consultation must start in the future." in _text(response)
    soon = timezone.localtime() + timedelta(days=2)
    response = owner.post(
        f"{base}slots/", {"starts_at": soon.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": 45, "place": "Зал 1"}
    )
    assert response.status_code == 302
    slot = challenge.slots.get()
    assert slot.duration_minutes == 45
    assert timezone.localtime(slot.starts_at).strftime("%H:%M") == soon.strftime("%H:%M")

    supplier_client = client_for("supplier_member")
    assert "Book" in _text(supplier_client.get(base))
    supplier_client.post(f"{base}slots/{slot.pk}/book/", {"supplier": supplier.slug})
    slot.refresh_from_db()
    assert slot.booked_by == supplier
    body = _text(supplier_client.get(base))
    assert "booked by your organization" in body and "Cancel the booking" in body
    assert supplier.name in _text(owner.get(base))
    assert supplier.name not in _text(client_for("resident").get(base))
    # A booked slot cannot be removed; the refusal is shown as a message.
    response = owner.post(f"{base}slots/{slot.pk}/delete/", follow=True)
    assert "This slot is booked" in _text(response)
    supplier_client.post(f"{base}slots/{slot.pk}/cancel/")
    slot.refresh_from_db()
    assert slot.booked_by is None
    owner.post(f"{base}slots/{slot.pk}/delete/")
    assert not ConsultationSlot.objects.filter(pk=slot.pk).exists()


# --- creating, editing and publishing -----------------------------------------------------------


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# What a browser posts for an untouched extra row: the selects' and defaults' initial values.
ROW_DEFAULTS = {"kind": "feasibility", "mode": "fixed", "scale_max": "10"}


def _rows(prefix: str, rows: list[dict], fields: list[str], *, initial: int = 0, extra: int = 1) -> dict:
    """POST data of a rows formset: the given rows and ``extra`` untouched ones."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows) + extra), f"{prefix}-INITIAL_FORMS": str(initial)}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    for index in range(len(rows), len(rows) + extra):
        data.update({f"{prefix}-{index}-{name}": ROW_DEFAULTS.get(name, "") for name in fields})
    return data


PHASE_FIELDS = [
    "name",
    "kind",
    "mode",
    "cycle_days",
    "opens_at",
    "closes_at",
    "advance_cap",
    "funding_per_participant",
    "deliverables",
]


def _phase_row(name, opens, closes, **extra) -> dict:
    return {
        "name": name,
        "kind": "feasibility",
        "mode": "fixed",
        "cycle_days": "",
        "opens_at": _local(opens),
        "closes_at": _local(closes),
        "advance_cap": "2",
        "funding_per_participant": "1 000 000.50",
        "deliverables": "",
        **extra,
    }


CHALLENGE_POST = {
    "title": "Как сократить очереди в поликлиниках",
    "summary": "Пациенты ждут приёма слишком долго.",
    "problem": "Среднее ожидание — 12 дней.",
    "goals": "",
    "topic": "health",
    "allow_legal_entities": "on",
    "allow_individuals": "on",
    "max_company_age_years": "",
    "licence": "open_source",
    "licence_notes": "",
    "contact_name": "Анна",
    "contact_email": "anna@example.test",
    "questions_close_at": "",
    "min_experts": "2",
    "disagreement_spread": "25",
}


def test_an_agency_drafts_a_challenge_and_the_operator_publishes_it(client_for, agency, people):
    owner = client_for("agency_admin")
    response = owner.post("/challenges/new/", {**CHALLENGE_POST, "owner": agency.slug})
    challenge = Challenge.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{challenge.get_absolute_url()}edit/phases/"
    assert challenge.status == ChallengeStatus.DRAFT and challenge.owner == agency
    body = _text(owner.get(challenge.get_absolute_url()))
    assert "Add at least one phase." in body and "Add the evaluation criteria." in body

    now = timezone.now()
    phases = [
        _phase_row("Обоснование", now + timedelta(days=1), now + timedelta(days=10)),
        _phase_row(
            "Пилот", now + timedelta(days=11), now + timedelta(days=30), kind="pilot", mode="rolling", cycle_days="7"
        ),
    ]
    response = owner.post(f"{challenge.get_absolute_url()}edit/phases/", _rows("phases", phases, PHASE_FIELDS))
    assert response.status_code == 302
    saved = list(challenge.phases.order_by("number"))
    assert [phase.name for phase in saved] == ["Обоснование", "Пилот"]
    assert saved[0].funding_per_participant == Decimal("1000000.50")
    assert saved[1].cycle_days == 7
    assert _local(saved[0].opens_at) == phases[0]["opens_at"]  # read and shown in the platform's time zone
    assert phases[0]["opens_at"] in _text(owner.get(f"{challenge.get_absolute_url()}edit/phases/"))

    criteria_fields = ["name", "description", "weight", "scale_max"]
    criteria = [
        {"name": "Решение", "weight": "60", "scale_max": "10"},
        {"name": "Команда", "weight": "30", "scale_max": "5"},
    ]
    owner.post(f"{challenge.get_absolute_url()}edit/criteria/", _rows("criteria", criteria, criteria_fields))
    assert "they must add up to 100" in _text(owner.get(challenge.get_absolute_url()))
    response = owner.post(f"{challenge.get_absolute_url()}actions/submit-for-review/", follow=True)
    assert "they must add up to 100" in _text(response)
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.DRAFT
    criteria[1]["weight"] = "40"
    owner.post(f"{challenge.get_absolute_url()}edit/criteria/", _rows("criteria", criteria, criteria_fields, initial=2))
    assert sorted(Criterion.objects.filter(challenge=challenge).values_list("weight", flat=True)) == [40, 60]

    indicators = [{"metric": "Ожидание", "unit": "дней", "baseline": "12", "target": "6.5"}]
    owner.post(
        f"{challenge.get_absolute_url()}edit/indicators/",
        _rows("indicators", indicators, ["metric", "unit", "baseline", "target"]),
    )
    assert challenge.indicators.get().target == Decimal("6.50")

    assert owner.post(f"{challenge.get_absolute_url()}actions/submit-for-review/").status_code == 302
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.IN_REVIEW
    assert challenge.title in _text(client_for("operator").get("/challenges/review/"))

    operator = client_for("operator")
    response = operator.post(f"{challenge.get_absolute_url()}actions/request-changes/", {"note": ""})
    assert response.status_code == 400
    assert "This field is required." in _text(response)
    operator.post(f"{challenge.get_absolute_url()}actions/request-changes/", {"note": "Уточните цели."})
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.CHANGES_REQUESTED
    assert "Уточните цели." in _text(owner.get(challenge.get_absolute_url()))

    response = owner.post(f"{challenge.get_absolute_url()}edit/", {**CHALLENGE_POST, "goals": "Вдвое быстрее."})
    assert response.status_code == 302
    owner.post(f"{challenge.get_absolute_url()}actions/submit-for-review/")
    operator.post(f"{challenge.get_absolute_url()}actions/publish/")
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.PUBLISHED and challenge.goals == "Вдвое быстрее."
    assert challenge.title in _titles(client_for("anonymous").get(LIST_URL))
    # Published: the description is fixed; the edit form says so and nothing changes.
    response = owner.post(f"{challenge.get_absolute_url()}edit/", {**CHALLENGE_POST, "title": "Новое название задачи"})
    assert response.status_code == 200
    assert "can be changed only as a draft" in _text(response)
    challenge.refresh_from_db()
    assert challenge.title == CHALLENGE_POST["title"]


def test_overlapping_phases_are_refused_and_nothing_is_saved(client_for, agency):
    challenge = ChallengeFactory(owner=agency, status=ChallengeStatus.DRAFT, published_at=None)
    before = list(challenge.phases.values_list("pk", flat=True))
    now = timezone.now()
    phases = [
        _phase_row("Первый", now + timedelta(days=1), now + timedelta(days=10)),
        _phase_row("Второй", now + timedelta(days=5), now + timedelta(days=20)),
    ]
    response = client_for("agency_admin").post(
        f"{challenge.get_absolute_url()}edit/phases/", _rows("phases", phases, PHASE_FIELDS)
    )
    assert response.status_code == 400
    assert "dates must not overlap" in _text(response)
    assert list(challenge.phases.values_list("pk", flat=True)) == before


def test_a_half_filled_phase_row_is_shown_next_to_its_field(client_for, agency):
    challenge = ChallengeFactory(owner=agency, status=ChallengeStatus.DRAFT, published_at=None)
    row = _phase_row("Первый", timezone.now() + timedelta(days=1), timezone.now() + timedelta(days=10))
    row["advance_cap"] = ""
    response = client_for("agency_admin").post(
        f"{challenge.get_absolute_url()}edit/phases/", _rows("phases", [row], PHASE_FIELDS)
    )
    assert response.status_code == 400
    assert "Row 1, Participants who may advance: This field is required." in _text(response)


def test_removing_a_row_drops_it(client_for, agency):
    challenge = ChallengeFactory(owner=agency, status=ChallengeStatus.DRAFT, published_at=None)
    criteria = [
        {"name": "Решение", "weight": "60", "scale_max": "10"},
        {"name": "Лишний", "weight": "40", "scale_max": "10", "DELETE": "on"},
    ]
    response = client_for("agency_admin").post(
        f"{challenge.get_absolute_url()}edit/criteria/",
        _rows("criteria", criteria, ["name", "description", "weight", "scale_max"], initial=2),
    )
    assert response.status_code == 302
    assert list(challenge.criteria.values_list("name", flat=True)) == ["Решение"]


def test_operators_draft_for_any_agency_and_staff_only_for_their_own(client_for, agency):
    other = AgencyFactory()
    response = client_for("agency_admin").post("/challenges/new/", {**CHALLENGE_POST, "owner": other.slug})
    assert response.status_code == 200
    assert "Select a valid choice" in _text(response)
    assert not Challenge.objects.exists()
    response = client_for("operator").post("/challenges/new/", {**CHALLENGE_POST, "owner": other.slug})
    assert response.status_code == 302
    assert Challenge.objects.get().owner == other


def test_documents_are_attached_and_removed(client_for, agency):
    challenge = ChallengeFactory(owner=agency, status=ChallengeStatus.DRAFT, published_at=None)
    owner = client_for("agency_admin")
    url = f"{challenge.get_absolute_url()}edit/documents/"
    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = owner.post(url, {"title": "Вредное", "file": bad})
    assert response.status_code == 400
    assert "Files of this type are not accepted" in _text(response)
    assert owner.post(url, {"title": "Условия", "file": _pdf()}).status_code == 302
    document = challenge.documents.get()
    assert document.title == "Условия"
    owner.post(f"{url}{document.pk}/remove/")
    assert not challenge.documents.exists()


def test_the_owner_cancels_with_a_reason_shown_to_everyone(client_for, agency):
    challenge = ChallengeFactory(owner=agency)
    owner = client_for("agency_admin")
    response = owner.post(f"{challenge.get_absolute_url()}actions/cancel/", {"reason": " "})
    assert response.status_code == 400
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.PUBLISHED
    owner.post(f"{challenge.get_absolute_url()}actions/cancel/", {"reason": "Задача решена иначе."})
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.CANCELLED
    assert "Задача решена иначе." in _text(client_for("anonymous").get(challenge.get_absolute_url()))


# --- submitting ------------------------------------------------------------------------------


def test_a_supplier_submits_edits_and_withdraws(client_for, agency, supplier):
    challenge = ChallengeFactory(owner=agency)
    client = client_for("supplier_member")
    form = _text(client.get(_submit_url(challenge)))
    assert "1,000,000" in form or "1 000 000" in form or "1\xa0000\xa0000" in form  # the phase funding cap

    response = client.post(
        _submit_url(challenge), {**SECTIONS, "supplier": supplier.slug, "attachments": [_pdf("a.pdf"), _pdf("b.pdf")]}
    )
    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == submission.get_absolute_url()
    assert submission.attachments.count() == 2
    page = _text(client.get(submission.get_absolute_url()))
    receipt = submission.receipts.get()
    assert receipt.number in page and receipt.content_hash in page
    assert "Withdraw the submission" in page and "Магнитные датчики и приложение." in page

    # Editing pre-fills the submission and may drop an attachment.
    form = _text(client.get(_submit_url(challenge)))
    assert "Магнитные датчики и приложение." in form and "Remove these attachments" in form
    first = submission.attachments.order_by("id").first()
    client.post(
        _submit_url(challenge),
        {**SECTIONS, "supplier": supplier.slug, "budget": "350000", "remove_attachments": [str(first.pk)]},
    )
    submission.refresh_from_db()
    assert submission.budget == Decimal("350000") and submission.attachments.count() == 1
    page = _text(client.get(submission.get_absolute_url()))
    assert submission.receipts.count() == 2 and "All receipts" in page
    assert all(r.number in page for r in submission.receipts.all())

    client.post(f"{submission.get_absolute_url()}withdraw/")
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.WITHDRAWN
    assert submission.title in _text(client.get("/challenges/submissions/"))


def test_a_budget_above_the_phase_funding_is_refused_in_the_page(client_for, agency, supplier):
    challenge = ChallengeFactory(owner=agency)
    response = client_for("supplier_member").post(
        _submit_url(challenge), {**SECTIONS, "supplier": supplier.slug, "budget": "1000000.01"}
    )
    assert response.status_code == 400
    assert "The budget exceeds the phase funding" in _text(response)
    assert not Submission.objects.exists()
    assert not ReviewCycle.objects.exists()


def test_a_missing_section_is_shown_next_to_its_field(client_for, agency, supplier):
    challenge = ChallengeFactory(owner=agency)
    response = client_for("supplier_member").post(
        _submit_url(challenge), {**SECTIONS, "supplier": supplier.slug, "team": ""}
    )
    assert response.status_code == 400
    assert 'id="id_team_error"' in response.content.decode()
    assert not Submission.objects.exists()


def test_a_late_submission_shows_the_deadline_message(client_for, agency, supplier):
    challenge = ChallengeFactory(owner=agency)
    phase = challenge.phases.get()
    client = client_for("supplier_member")
    with time_machine.travel(phase.closes_at + timedelta(seconds=1)):
        assert "This phase is not taking submissions now." in _text(client.get(_submit_url(challenge)))
        response = client.post(_submit_url(challenge), {**SECTIONS, "supplier": supplier.slug})
    assert response.status_code == 400
    body = _text(response)
    assert "(server time); submissions are no longer accepted." in body
    assert not Submission.objects.exists()
    with time_machine.travel(phase.closes_at - timedelta(seconds=5)):
        assert client.post(_submit_url(challenge), {**SECTIONS, "supplier": supplier.slug}).status_code == 302


def test_a_person_with_several_suppliers_chooses_first(client_for, agency, people, supplier):
    second = SupplierFactory(name="ООО «Второй стартап»")
    MembershipFactory(user=people["supplier_member"], organization=second)
    challenge = ChallengeFactory(owner=agency)
    client = client_for("supplier_member")
    body = _text(client.get(_submit_url(challenge)))
    assert "Continue" in body and "ООО «Второй стартап»" in body and 'name="title"' not in body
    body = _text(client.get(_submit_url(challenge), {"supplier": second.slug}))
    assert 'name="title"' in body
    client.post(_submit_url(challenge), {**SECTIONS, "supplier": second.slug})
    assert Submission.objects.get().supplier == second


# --- the expert -------------------------------------------------------------------------------


def test_an_expert_declares_then_scores_and_hands_in(client_for, agency, people):
    challenge = ChallengeFactory(owner=agency)
    criteria = list(challenge.criteria.order_by("id"))
    submission = SubmissionFactory(phase=challenge.phases.get(), approach="Подход к решению задачи")
    assignment = AssignmentFactory(submission=submission, expert=people["expert"], conflict=Declaration.UNDECLARED)
    client = client_for("expert")
    url = f"/challenges/assignments/{assignment.pk}/"
    assert submission.title in _text(client.get("/challenges/evaluations/"))

    # Assigned early, but the submission may still change: declaring waits for the deadline.
    response = client.post(f"{url}declare/", {"has_conflict": "no"})
    assert response.status_code == 400
    assert "Evaluation starts when submissions can no longer change" in _text(response)
    assignment.refresh_from_db()
    assert assignment.conflict == Declaration.UNDECLARED
    assert "Подход к решению задачи" not in _text(client.get(url))

    with time_machine.travel(submission.cycle.ends_at):  # the deadline: nothing can change any more
        response = client.post(f"{url}declare/", {"has_conflict": "no"})
        assert response.status_code == 302
        body = _text(client.get(url))
        assert "Подход к решению задачи" in body and "Hand in the evaluation" in body

        scores = {f"score_{criteria[0].pk}": "8", f"comment_{criteria[0].pk}": "Сильное решение"}
        assert client.post(f"{url}scores/", {**scores, "save": "1"}).status_code == 302
        assignment.refresh_from_db()
        assert assignment.completed_at is None
        assert Score.objects.get(assignment=assignment).value == 8
        assert "Сильное решение" in _text(client.get(url))  # the form is pre-filled with the draft

        response = client.post(f"{url}scores/", {**scores, "complete": "1"})
        assert response.status_code == 400
        assert "Score every criterion before handing in." in _text(response)
        assignment.refresh_from_db()
        assert assignment.completed_at is None

        response = client.post(f"{url}scores/", {**scores, f"score_{criteria[1].pk}": "11", "complete": "1"})
        assert response.status_code == 400
        assert "Ensure this value is less than or equal to 10." in _text(response)

        client.post(f"{url}scores/", {**scores, f"score_{criteria[1].pk}": "6", "complete": "1"})
        assignment.refresh_from_db()
        assert assignment.completed_at is not None


def test_an_expert_who_steps_aside_loses_access(client_for, agency, people):
    challenge = ChallengeFactory(owner=agency)
    submission = SubmissionFactory(phase=challenge.phases.get())
    assignment = AssignmentFactory(submission=submission, expert=people["expert"], conflict=Declaration.UNDECLARED)
    replacement = UserFactory(is_expert=True)
    client = client_for("expert")
    url = f"/challenges/assignments/{assignment.pk}/"
    with time_machine.travel(submission.cycle.ends_at + timedelta(hours=1)):
        response = client.post(f"{url}declare/", {"has_conflict": "yes", "note": ""})
        assert response.status_code == 400
        assert "Describe the conflict of interest briefly." in _text(response)
        response = client.post(f"{url}declare/", {"has_conflict": "yes", "note": "Работал в этой компании."})
        assert response.status_code == 302 and response["Location"] == "/challenges/evaluations/"
        assert client.get(url).status_code == 404
    assert submission.assignments.filter(expert=replacement).exists()


# --- the panel, decisions and results ----------------------------------------------------------------


def _evaluated_challenge(agency, supplier, *, status=ChallengeStatus.EVALUATION):
    """A challenge whose one phase has closed, with two submissions scored by two experts each."""
    challenge = ChallengeFactory(owner=agency, status=status, phases=[_closed_phase(advance_cap=1)])
    criteria = list(challenge.criteria.all())
    phase = challenge.phases.get()
    ours = SubmissionFactory(phase=phase, supplier=supplier, title="Датчики на парковках")
    theirs = SubmissionFactory(phase=phase, title="Приложение для водителей")
    for submission, value in ((ours, 9), (theirs, 4)):
        for _ in range(2):
            assignment = AssignmentFactory(submission=submission, completed_at=timezone.now())
            for criterion in criteria:
                Score.objects.create(assignment=assignment, criterion=criterion, value=value)
    return challenge, ours, theirs


def test_the_operator_assigns_experts_and_sees_why_the_panel_cannot_close(client_for, agency, supplier):
    challenge = ChallengeFactory(owner=agency, status=ChallengeStatus.EVALUATION, phases=[_closed_phase()])
    submission = SubmissionFactory(phase=challenge.phases.get(), supplier=supplier)
    experts = [UserFactory(is_expert=True, full_name=f"Эксперт {n}") for n in range(3)]
    operator = client_for("operator")
    body = _text(operator.get(_panel_url(challenge)))
    assert "0 of 2 expert evaluations handed in" in body and "Close the panel" in body

    response = operator.post(f"{_panel_url(challenge).replace('evaluation/', '')}cycles/0/assign/", follow=True)
    assert "Experts assigned: 2." in _text(response)
    assert submission.assignments.count() == 2
    spare = next(e for e in experts if not submission.assignments.filter(expert=e).exists())
    operator.post(f"/challenges/submissions/{submission.pk}/experts/", {"expert": spare.pk})
    assert submission.assignments.count() == 3

    response = operator.post(f"{_panel_url(challenge).replace('evaluation/', '')}cycles/0/close/", follow=True)
    assert "expert evaluations handed in" in _text(response)
    assert not submission.cycle.panel_closed
    # The owner sees the panel page but neither assigns nor closes.
    owner_body = _text(client_for("agency_admin").get(_panel_url(challenge)))
    assert "Close the panel" not in owner_body and "Assign this expert" not in owner_body
    assert "Эксперт" not in owner_body  # the owner does not see who the experts are


def test_after_the_panel_closes_the_owner_ranks_decides_and_publishes(client_for, agency, supplier):
    challenge, ours, theirs = _evaluated_challenge(agency, supplier)
    operator = client_for("operator")
    operator.post(f"{_panel_url(challenge).replace('evaluation/', '')}cycles/0/close/")
    ours.cycle.refresh_from_db()
    assert ours.cycle.panel_closed

    owner = client_for("agency_admin")
    body = _text(owner.get(_panel_url(challenge)))
    assert body.index("Датчики на парковках") < body.index("Приложение для водителей")
    assert "90.00" in body and "40.00" in body and "Record the decision" in body

    decide = f"/challenges/submissions/{ours.pk}/decide/"
    response = owner.post(decide, {"advance": "yes", "rationale": "", "next": _panel_url(challenge)})
    assert response.status_code == 400
    ours.refresh_from_db()
    assert ours.status == SubmissionStatus.SUBMITTED
    response = owner.post(
        decide, {"advance": "yes", "rationale": "Лучшая оценка панели", "next": _panel_url(challenge)}
    )
    assert response.status_code == 302 and response["Location"] == _panel_url(challenge)
    ours.refresh_from_db()
    assert ours.status == SubmissionStatus.ADVANCED and ours.initiative is None  # public only with the results
    # The cap is one: a second advance is refused in the page.
    response = owner.post(
        f"/challenges/submissions/{theirs.pk}/decide/", {"advance": "yes", "rationale": "Тоже хорошо"}
    )
    assert response.status_code == 400
    assert "The phase cap of 1 participants is reached." in _text(response)

    response = owner.post(f"{challenge.get_absolute_url()}phases/1/publish-results/")
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.DECIDED
    ours.refresh_from_db()
    assert ours.initiative.stage == Stage.PROTOTYPE
    public = _text(client_for("anonymous").get(challenge.get_absolute_url()))
    assert "Results" in public and "Датчики на парковках" in public and supplier.name in public
    assert "Приложение для водителей" not in public  # only who advanced is named
    assert "lowest 40.00, median 65.00, highest 90.00" in public
    supplier_page = _text(client_for("supplier_member").get(ours.get_absolute_url()))
    assert "Лучшая оценка панели" in supplier_page and ours.initiative.title in supplier_page

    csv = client_for("anonymous").get(f"{challenge.get_absolute_url()}results.csv")
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    assert "Датчики на парковках" in csv.content.decode("utf-8-sig")

    owner.post(f"{challenge.get_absolute_url()}actions/close/")
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.CLOSED


def test_the_owner_decides_from_the_submission_page(client_for, agency, supplier):
    _challenge, ours, _theirs = _evaluated_challenge(agency, supplier)
    ReviewCycle.objects.filter(pk=ours.cycle_id).update(panel_closed_at=timezone.now())
    owner = client_for("agency_admin")
    body = _text(owner.get(ours.get_absolute_url()))
    assert "Expert 1" in body and "Record the decision" in body
    owner.post(f"/challenges/submissions/{ours.pk}/decide/", {"advance": "no", "rationale": "Дорого"})
    ours.refresh_from_db()
    assert ours.status == SubmissionStatus.NOT_ADVANCED
    assert "Record the decision" not in _text(owner.get(ours.get_absolute_url()))


def test_starting_evaluation_waits_for_the_last_phase(client_for, agency):
    challenge = ChallengeFactory(owner=agency)
    owner = client_for("agency_admin")
    assert "Start evaluation" not in _text(owner.get(challenge.get_absolute_url()))
    response = owner.post(f"{challenge.get_absolute_url()}actions/start-evaluation/", follow=True)
    assert "The last phase is still open for submissions." in _text(response)
    Phase.objects.filter(challenge=challenge).update(
        opens_at=timezone.now() - timedelta(days=5), closes_at=timezone.now() - timedelta(minutes=1)
    )
    assert "Start evaluation" in _text(owner.get(challenge.get_absolute_url()))
    owner.post(f"{challenge.get_absolute_url()}actions/start-evaluation/")
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.EVALUATION


# --- navigation and language -------------------------------------------------------------------


NAV_LABELS = ["Board", "My challenges", "My submissions", "My evaluations", "Review queue"]


@pytest.mark.parametrize(
    ("role", "links"),
    [
        ("anonymous", set()),
        ("resident", set()),
        ("agency_admin", {"Board", "My challenges"}),
        ("supplier_member", {"My submissions"}),
        ("expert", {"My evaluations"}),
        ("operator", {"Board", "Review queue"}),
    ],
)
def test_the_navigation_links_by_role(client_for, role, links):
    body = _text(client_for(role).get("/"))
    assert 'href="/challenges/"' in body
    for label in NAV_LABELS:
        assert (f">{label}</a>" in body) == (label in links), label


def test_the_navigation_asks_the_database_once_for_all_personal_links(client_for, people):
    # Agency and supplier staff and an expert at once: every personal link from one query,
    # the funnel's Board link included.
    MembershipFactory(user=people["supplier_member"], organization=AgencyFactory())
    User.objects.filter(pk=people["supplier_member"].pk).update(is_expert=True)
    client = client_for("supplier_member")
    with CaptureQueriesContext(connection) as queries:
        body = _text(client.get("/challenges/evaluations/"))  # the page's own navigation too
    for label in ["Board", "My challenges", "My submissions", "My evaluations"]:
        assert f">{label}</a>" in body, label
    membership_queries = [q["sql"] for q in queries.captured_queries if '"accounts_membership"' in q["sql"]]
    assert len(membership_queries) == 1, membership_queries


def test_the_home_page_links_the_challenges_section(client):
    assert 'href="/challenges/"' in _text(client.get("/"))


def test_a_challenge_page_follows_the_chosen_language(agency):
    challenge = ChallengeFactory(owner=agency)
    russian = Client()
    body = _text(russian.get(challenge.get_absolute_url()))
    assert '<html lang="ru">' in body and "Воронка инноваций" in body

    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    body = _text(english.get(challenge.get_absolute_url()))
    assert '<html lang="en">' in body and "How proposals are evaluated" in body and "Who may take part" in body

    cookie = Client()
    cookie.post("/language/", {"language": "en", "next": challenge.get_absolute_url()})
    body = _text(cookie.get(challenge.get_absolute_url()))
    assert '<html lang="en">' in body and "How proposals are evaluated" in body
