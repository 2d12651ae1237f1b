"""The challenges API: public reads (filters, pages, bounded queries, nothing private leaks), a
role matrix for every write (status, error code, and nothing changed when refused), bad input
answered with field errors, and the role rules of the issue: another supplier's submission,
other experts' scores before the panel closes, recusal, and later phases for invited suppliers."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from govtech.challenges import services
from govtech.challenges.models import (
    Assignment,
    Attachment,
    Challenge,
    ChallengeDocument,
    ChallengeStatus,
    ConsultationSlot,
    Declaration,
    Indicator,
    PhaseKind,
    Question,
    Score,
    Submission,
    SubmissionStatus,
)
from govtech.core.models import AuditEvent
from govtech.funnel.models import Initiative, Topic
from govtech.funnel.states import Stage
from tests.challenges.factories import AssignmentFactory, ChallengeFactory, SubmissionFactory
from tests.challenges.helpers import (
    challenges_state,
    close_panel,
    decidable_challenge,
    draft_challenge,
    hand_in,
    pdf,
    sections,
    supplier_with_member,
)
from tests.factories import AgencyFactory, MembershipFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "supplier_admin", "agency_admin", "expert", "operator"]
CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}
CHALLENGES = "/api/v1/challenges/"


def matrix(**codes: int) -> list[tuple[str, int]]:
    """(role, expected status) for every role; ``others`` is the status of roles not named."""
    others = codes.pop("others", None)
    return [(role, codes.get(role, others)) for role in ROLES]


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["status"] == status
    return body


def refused(response, expected: int, before: dict) -> None:
    """The refusal answers in the error format with the status's own code, and changed nothing."""
    assert error(response, expected)["code"] == CODES[expected]
    assert challenges_state() == before


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def send(client, method: str, url: str, data=None):
    return getattr(client, method)(url, data, format="json")


@pytest.fixture
def published(agency):
    """Published, one open phase (closes in ten days), criteria of weights 60 and 40."""
    return ChallengeFactory(owner=agency, slug="parking", title="Как быстрее находить парковку")


@pytest.fixture
def draft(agency):
    return draft_challenge(agency, slug="draft-parking")


@pytest.fixture
def in_review(agency):
    return draft_challenge(agency, slug="in-review", status=ChallengeStatus.IN_REVIEW)


@pytest.fixture
def decidable(agency, supplier):
    """In evaluation: the phase closed an hour ago; our supplier's and a rival's submissions
    were scored by two experts (not the ``expert`` role) and the panel is closed."""
    rival = SupplierFactory(name="ООО «Соперник»")
    challenge, phase, submissions = decidable_challenge(agency, [supplier, rival], slug="decidable")
    return challenge, phase, submissions


def _new_challenge(agency) -> dict:
    return {
        "owner": agency.pk,
        "title": "Как сократить очереди в поликлиниках",
        "summary": "Пациенты ждут приёма слишком долго.",
        "problem": "Среднее ожидание приёма — 12 дней.",
        "topic": Topic.HEALTH,
        "licence": "open_source",
        "contact_name": "Анна",
        "contact_email": "anna@example.test",
    }


def _phase_rows(start=None) -> list[dict]:
    start = start or timezone.now()
    return [
        {
            "name": "Обоснование",
            "kind": "feasibility",
            "opens_at": (start + timedelta(days=1)).isoformat(),
            "closes_at": (start + timedelta(days=10)).isoformat(),
            "advance_cap": 2,
            "funding_per_participant": "500000",
        },
        {
            "name": "Пилот",
            "kind": "pilot",
            "mode": "rolling",
            "cycle_days": 7,
            "opens_at": (start + timedelta(days=11)).isoformat(),
            "closes_at": (start + timedelta(days=40)).isoformat(),
            "advance_cap": 1,
            "funding_per_participant": "3000000",
        },
    ]


# --- public reads -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_published_challenges_but_not_drafts(api_client_for, role, published, draft, in_review):
    client = api_client_for(role)
    assert slugs(client.get(CHALLENGES)) == ["parking"]
    detail = client.get(f"{CHALLENGES}parking/")
    assert detail.status_code == 200
    assert (detail.json()["status"], detail.json()["phases"][0]["window_state"]) == ("published", "open")


@pytest.mark.parametrize(("role", "expected"), matrix(agency_admin=200, operator=200, others=404))
def test_a_draft_is_read_only_by_its_agency_and_the_operator(api_client_for, role, expected, draft):
    response = api_client_for(role).get(f"{CHALLENGES}{draft.slug}/")
    if expected == 404:
        assert error(response, 404)["code"] == "not_found"
    else:
        assert response.json()["status"] == "draft"
    assert api_client_for(role).get(f"{CHALLENGES}{draft.slug}/results.csv").status_code == expected


def test_the_detail_shows_the_public_parts_and_nothing_private(api_client_for, people, agency, supplier, published):
    asker = people["supplier_admin"]
    answered = Question.objects.create(
        challenge=published,
        text="Можно ли участвовать консорциумом?",
        asked_by=asker,
        answer="Да, с лидером-юрлицом.",
        answered_by=people["agency_admin"],
        answered_at=timezone.now(),
    )
    Question.objects.create(challenge=published, text="Вопрос без ответа пока что", asked_by=asker)
    Indicator.objects.create(challenge=published, metric="Ожидание", unit="дней", baseline=12, target=6)
    ChallengeDocument.objects.create(challenge=published, title="Условия", file="challenges/2026/03/terms.pdf")
    starts = timezone.now() + timedelta(days=2)
    free = ConsultationSlot.objects.create(challenge=published, starts_at=starts, place="Зал 1")
    booked = ConsultationSlot.objects.create(
        challenge=published, starts_at=starts + timedelta(hours=1), place="Зал 2", booked_by=supplier
    )
    ConsultationSlot.objects.create(challenge=published, starts_at=timezone.now() - timedelta(hours=1), place="Было")

    body = api_client_for("anonymous").get(f"{CHALLENGES}parking/").json()

    [question] = body["questions"]
    assert sorted(question) == ["answer", "answered_at", "asked_at", "id", "text"]
    assert (question["id"], question["text"], question["answer"]) == (answered.pk, answered.text, answered.answer)
    # Where a consultation happens (often a meeting link) is not for anonymous readers.
    assert [(s["id"], s["place"], s["is_booked"]) for s in body["slots"]] == [
        (free.pk, None, False),
        (booked.pk, None, True),
    ]
    as_supplier = api_client_for("supplier_member").get(f"{CHALLENGES}parking/").json()
    assert [s["place"] for s in as_supplier["slots"]] == ["Зал 1", "Зал 2"]
    assert body["indicators"] == [{"metric": "Ожидание", "unit": "дней", "baseline": "12.00", "target": "6.00"}]
    document = body["documents"][0]
    assert document["url"] == f"http://testserver/challenges/parking/documents/{document['id']}/"
    assert [(c["weight"], c["scale_max"]) for c in body["criteria"]] == [(60, 10), (40, 10)]
    assert body["owner"] == {"id": agency.pk, "slug": agency.slug, "name": agency.name}
    assert body["questions_open"] is True
    text = str(body)
    for private in [asker.email, asker.full_name, supplier.name, people["agency_admin"].email]:
        assert private not in text


PLACE_READERS = {"supplier_admin", "agency_admin", "operator"}


@pytest.mark.parametrize("role", ROLES)
def test_where_a_consultation_happens_is_for_suppliers_the_owner_and_operators(
    api_client_for, role, supplier, published
):
    starts = timezone.now() + timedelta(days=2)
    ConsultationSlot.objects.create(challenge=published, starts_at=starts, place="https://meet.example.test/free")
    ConsultationSlot.objects.create(
        challenge=published,
        starts_at=starts + timedelta(hours=1),
        place="https://meet.example.test/x",
        booked_by=supplier,
    )
    client = api_client_for(role)
    listed = client.get(f"{CHALLENGES}parking/slots/")
    detail = client.get(f"{CHALLENGES}parking/")
    assert (listed.status_code, detail.status_code) == (200, 200)
    expected = (
        ["https://meet.example.test/free", "https://meet.example.test/x"] if role in PLACE_READERS else [None, None]
    )
    assert [slot["place"] for slot in listed.json()] == expected
    assert [slot["place"] for slot in detail.json()["slots"]] == expected
    assert [slot["is_booked"] for slot in listed.json()] == [False, True]  # free or booked is public
    if role not in PLACE_READERS:
        assert "meet.example.test" not in listed.content.decode() + detail.content.decode()


def test_another_agencys_staff_do_not_see_where_a_consultation_happens(api_client_for, published):
    ConsultationSlot.objects.create(challenge=published, starts_at=timezone.now() + timedelta(days=2), place="Зал 7")
    member = UserFactory()
    MembershipFactory(user=member, organization=AgencyFactory())
    stranger = api_client_for("anonymous")
    stranger.force_authenticate(member)
    assert [slot["place"] for slot in stranger.get(f"{CHALLENGES}parking/slots/").json()] == [None]
    assert [slot["place"] for slot in stranger.get(f"{CHALLENGES}parking/").json()["slots"]] == [None]


def test_window_states_follow_the_clock(api_client_for, agency):
    now = timezone.now().replace(microsecond=0)
    ChallengeFactory(
        owner=agency,
        slug="three-phases",
        phases=[
            {"opens_at": now - timedelta(days=20), "closes_at": now - timedelta(days=10)},
            {"opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=5)},
            {"opens_at": now + timedelta(days=10), "closes_at": now + timedelta(days=20)},
        ],
    )
    client = api_client_for("anonymous")

    def states() -> list[str]:
        return [p["window_state"] for p in client.get(f"{CHALLENGES}three-phases/").json()["phases"]]

    with time_machine.travel(now, tick=False):
        assert states() == ["closed", "open", "upcoming"]
    with time_machine.travel(now + timedelta(days=5) - timedelta(seconds=1), tick=False):
        assert states() == ["closed", "open", "upcoming"]
    with time_machine.travel(now + timedelta(days=5), tick=False):
        assert states() == ["closed", "closed", "upcoming"]
        listed = client.get(CHALLENGES).json()["results"][0]
        assert listed["next_deadline"] == timezone.localtime(now + timedelta(days=20)).isoformat()
    with time_machine.travel(now + timedelta(days=10), tick=False):
        assert states() == ["closed", "closed", "open"]


def test_the_list_filters(api_client_for, agency):
    now = timezone.now()
    health = AgencyFactory(slug="health-dept")
    ChallengeFactory(owner=agency, slug="open-soon", title="Умные парковки у метро", topic=Topic.TRANSPORT)
    ChallengeFactory(
        owner=agency,
        slug="closes-in-20",
        topic=Topic.TRANSPORT,
        phases=[{"opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=20)}],
    )
    ChallengeFactory(
        owner=health,
        slug="pilot-later",
        phases=[{"opens_at": now + timedelta(days=3), "closes_at": now + timedelta(days=30), "kind": PhaseKind.PILOT}],
    )
    ChallengeFactory(owner=health, slug="in-evaluation", status=ChallengeStatus.EVALUATION)
    client = api_client_for("anonymous")

    assert slugs(client.get(CHALLENGES, {"status": "evaluation"})) == ["in-evaluation"]
    assert set(slugs(client.get(CHALLENGES, {"owner": health.pk}))) == {"pilot-later", "in-evaluation"}
    assert set(slugs(client.get(CHALLENGES, {"owner": "health-dept"}))) == {"pilot-later", "in-evaluation"}
    assert set(slugs(client.get(CHALLENGES, {"topic": "transport"}))) == {"open-soon", "closes-in-20"}
    assert slugs(client.get(CHALLENGES, {"phase_kind": "pilot"})) == ["pilot-later"]
    assert set(slugs(client.get(CHALLENGES, {"deadline": "open"}))) == {"open-soon", "closes-in-20"}
    assert slugs(client.get(CHALLENGES, {"deadline": "week"})) == []
    assert set(slugs(client.get(CHALLENGES, {"deadline": "month"}))) == {"open-soon", "closes-in-20"}
    assert slugs(client.get(CHALLENGES, {"deadline": "upcoming"})) == ["pilot-later"]
    assert slugs(client.get(CHALLENGES, {"q": "ПАРКОВКИ метро"})) == ["open-soon"]
    assert slugs(client.get(CHALLENGES, {"topic": "transport", "owner": "health-dept"})) == []


def test_the_week_filter_finds_a_phase_closing_within_seven_days(api_client_for, agency):
    now = timezone.now()
    ChallengeFactory(
        owner=agency,
        slug="closing",
        phases=[{"opens_at": now - timedelta(days=3), "closes_at": now + timedelta(days=6)}],
    )
    ChallengeFactory(owner=agency, slug="later")  # closes in ten days
    assert slugs(api_client_for("anonymous").get(CHALLENGES, {"deadline": "week"})) == ["closing"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "limbo"}, "status"),
        ({"owner": "no-such-agency"}, "owner"),
        ({"owner": "999999"}, "owner"),
        ({"owner": "²"}, "owner"),
        ({"topic": "space"}, "topic"),
        ({"phase_kind": "dream"}, "phase_kind"),
        ({"deadline": "soon"}, "deadline"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(api_client_for, published, params, field):
    body = error(api_client_for("anonymous").get(CHALLENGES, params), 400)
    assert (body["code"], list(body["fields"])) == ("invalid", [field])


def test_a_supplier_is_not_an_owner_to_filter_by(api_client_for, published, supplier):
    assert list(error(api_client_for("anonymous").get(CHALLENGES, {"owner": supplier.slug}), 400)["fields"]) == [
        "owner"
    ]


def test_the_list_is_paginated(api_client_for, agency):
    ChallengeFactory.create_batch(23, owner=agency)
    first = api_client_for("anonymous").get(CHALLENGES).json()
    assert (first["count"], len(first["results"])) == (23, 20)
    assert first["next"].endswith(f"{CHALLENGES}?page=2")
    assert len(api_client_for("anonymous").get(CHALLENGES, {"page": 2}).json()["results"]) == 3
    assert len(api_client_for("anonymous").get(CHALLENGES, {"page_size": 5}).json()["results"]) == 5


def _challenges(n: int, agency) -> None:
    now = timezone.now()
    for _ in range(n):
        ChallengeFactory(
            owner=AgencyFactory() if n % 2 else agency,
            phases=[
                {"opens_at": now - timedelta(days=5), "closes_at": now + timedelta(days=5)},
                {"opens_at": now + timedelta(days=6), "closes_at": now + timedelta(days=30), "kind": PhaseKind.PILOT},
            ],
        )


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize("role", ["anonymous", "supplier_admin", "operator"])
def test_the_list_needs_the_same_queries_for_5_or_30_challenges(api_client_for, role, agency):
    client = api_client_for(role)
    _challenges(5, agency)
    few = _queries(client, CHALLENGES, {"page_size": 100, "deadline": "open"})
    _challenges(25, agency)
    assert client.get(CHALLENGES, {"page_size": 100}).json()["count"] == 30
    assert _queries(client, CHALLENGES, {"page_size": 100, "deadline": "open"}) == few
    assert few == 3  # the count, the page, its phases


def test_the_detail_needs_the_same_queries_for_1_or_10_answered_questions(api_client_for, published, people):
    def add_questions(n):
        for _ in range(n):
            Question.objects.create(
                challenge=published, text="Вопрос про условия участия", answer="Ответ", answered_at=timezone.now()
            )

    client = api_client_for("anonymous")
    add_questions(1)
    few = _queries(client, f"{CHALLENGES}parking/")
    add_questions(9)
    assert _queries(client, f"{CHALLENGES}parking/") == few


def test_a_missing_challenge_is_a_404(api_client_for):
    assert error(api_client_for("anonymous").get(f"{CHALLENGES}no-such-thing/"), 404)["code"] == "not_found"


# --- published results in the detail ----------------------------------------------


def test_published_results_show_the_winners_and_the_summary_only(api_client_for, people, decidable):
    challenge, phase, (ours, theirs) = decidable
    owner = people["agency_admin"]
    services.submission_decide(actor=owner, submission=ours, advance=True, rationale="Лучшая оценка")
    client = api_client_for("anonymous")
    assert client.get(f"{CHALLENGES}decidable/").json()["results"] == []  # decided, not yet published

    services.phase_publish_results(actor=owner, phase=phase)
    [results] = client.get(f"{CHALLENGES}decidable/").json()["results"]
    criteria = list(challenge.criteria.order_by("pk"))
    assert results["phase"] == {"number": 1, "name": phase.name}
    assert results["advanced"] == [
        {
            "submission": ours.pk,
            "title": ours.title,
            "supplier": ours.supplier.name,
            "rank": 1,
            "mean": "76.00",  # 60*8/10 + 40*7/10
            "criterion_means": [
                {"criterion": criteria[0].pk, "name": criteria[0].name, "mean": "8.00"},
                {"criterion": criteria[1].pk, "name": criteria[1].name, "mean": "7.00"},
            ],
        }
    ]
    assert results["summary"] == {
        "submissions": 2,
        "evaluated": 2,
        "lowest": "66.00",
        "median": "71.00",
        "highest": "76.00",
    }
    assert theirs.supplier.name not in str(results)


# --- writes: the challenge's life ---------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=201, operator=201, others=403))
def test_create_matrix(api_client_for, role, expected, agency):
    before = challenges_state()
    response = send(api_client_for(role), "post", CHALLENGES, _new_challenge(agency))
    if expected != 201:
        return refused(response, expected, before)
    assert response.status_code == 201, response.content
    body = response.json()
    challenge = Challenge.objects.get(slug=body["slug"])
    assert (body["status"], body["owner"]["id"], challenge.owner) == ("draft", agency.pk, agency)
    assert AuditEvent.objects.filter(action="challenge.created", object_id=str(challenge.pk)).count() == 1


def test_an_agency_cannot_create_for_another_agency(api_client_for):
    before = challenges_state()
    response = send(api_client_for("agency_admin"), "post", CHALLENGES, _new_challenge(AgencyFactory()))
    refused(response, 403, before)


def test_a_challenge_belongs_to_an_agency(api_client_for, supplier):
    before = challenges_state()
    body = error(send(api_client_for("operator"), "post", CHALLENGES, _new_challenge(supplier)), 400)
    assert list(body["fields"]) == ["owner"]
    assert challenges_state() == before


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=200, operator=200, others=404))
def test_update_matrix(api_client_for, role, expected, draft):
    before = challenges_state()
    response = send(api_client_for(role), "patch", f"{CHALLENGES}{draft.slug}/", {"summary": "Новая формулировка."})
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["summary"] == "Новая формулировка."
    draft.refresh_from_db()
    assert draft.summary == "Новая формулировка."


def test_a_published_challenge_cannot_be_edited(api_client_for, published):
    before = challenges_state()
    response = send(api_client_for("agency_admin"), "patch", f"{CHALLENGES}parking/", {"summary": "Другое."})
    assert (error(response, 409)["code"], challenges_state()) == ("wrong_status", before)
    refused(send(api_client_for("supplier_admin"), "patch", f"{CHALLENGES}parking/", {"summary": "x"}), 403, before)


LISTS = {
    "phases": lambda: {"phases": _phase_rows()},
    "criteria": lambda: {"criteria": [{"name": "Решение", "weight": 70}, {"name": "Команда", "weight": 30}]},
    "indicators": lambda: {"indicators": [{"metric": "Ожидание", "unit": "дней", "baseline": "12", "target": "6"}]},
}


@pytest.mark.parametrize("key", list(LISTS))
@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=200, operator=200, others=404))
def test_put_lists_matrix(api_client_for, role, expected, key, draft):
    before = challenges_state()
    response = send(api_client_for(role), "put", f"{CHALLENGES}{draft.slug}/{key}/", LISTS[key]())
    if expected != 200:
        return refused(response, expected, before)
    assert response.status_code == 200, response.content
    body = response.json()
    if key == "phases":
        assert [(p["number"], p["kind"], p["mode"], p["cycle_days"]) for p in body["phases"]] == [
            (1, "feasibility", "fixed", None),
            (2, "pilot", "rolling", 7),
        ]
    elif key == "criteria":
        assert [(c["name"], c["weight"], c["scale_max"]) for c in body["criteria"]] == [
            ("Решение", 70, 10),
            ("Команда", 30, 10),
        ]
    else:
        assert body["indicators"] == [{"metric": "Ожидание", "unit": "дней", "baseline": "12.00", "target": "6.00"}]
    assert AuditEvent.objects.filter(action=f"challenge.{key}_set").count() == 1


def test_overlapping_phases_are_refused_with_the_services_code(api_client_for, draft):
    rows = _phase_rows()
    rows[1]["opens_at"] = rows[0]["opens_at"]
    before = challenges_state()
    body = error(
        send(api_client_for("agency_admin"), "put", f"{CHALLENGES}{draft.slug}/phases/", {"phases": rows}), 400
    )
    assert (body["code"], list(body["fields"])) == ("phases_overlap", ["phases"])
    assert challenges_state() == before


def _action(client, slug: str, action: str, data=None):
    return send(client, "post", f"{CHALLENGES}{slug}/{action}/", data or {})


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=200, operator=200, others=404))
def test_submit_for_review_matrix(api_client_for, role, expected, draft):
    before = challenges_state()
    response = _action(api_client_for(role), draft.slug, "submit-for-review")
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["status"] == "in_review"


def test_an_incomplete_draft_is_not_ready_for_review(api_client_for, agency):
    draft = draft_challenge(agency, criteria=[{"weight": 60}])
    before = challenges_state()
    body = error(_action(api_client_for("agency_admin"), draft.slug, "submit-for-review"), 400)
    assert body["code"] == "not_ready"
    assert "100" in body["message"]
    assert challenges_state() == before


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, operator=200, agency_admin=403, others=404))
def test_publish_matrix(api_client_for, role, expected, in_review, django_capture_on_commit_callbacks):
    before = challenges_state()
    with django_capture_on_commit_callbacks(execute=True):
        response = _action(api_client_for(role), in_review.slug, "publish")
    if expected != 200:
        return refused(response, expected, before)
    assert (response.json()["status"], response.json()["published_at"] is not None) == ("published", True)
    assert slugs(api_client_for("anonymous").get(CHALLENGES)) == [in_review.slug]


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, operator=200, agency_admin=403, others=404))
def test_request_changes_matrix(api_client_for, role, expected, in_review):
    before = challenges_state()
    response = _action(api_client_for(role), in_review.slug, "request-changes", {"note": "Уточните критерии."})
    if expected != 200:
        return refused(response, expected, before)
    assert (response.json()["status"], response.json()["review_note"]) == ("changes_requested", "Уточните критерии.")


def test_changes_need_a_note(api_client_for, in_review):
    before = challenges_state()
    body = error(_action(api_client_for("operator"), in_review.slug, "request-changes", {"note": " "}), 400)
    assert list(body["fields"]) == ["note"]
    assert challenges_state() == before


@pytest.mark.parametrize("role", ["agency_admin", "resident", "supplier_admin", "expert"])
def test_the_review_queue_is_the_operators(api_client_for, role, in_review, draft):
    assert error(api_client_for(role).get(f"{CHALLENGES}review/"), 403)["code"] == "permission_denied"


def test_the_operator_reads_the_review_queue(api_client_for, in_review, draft, published):
    assert slugs(api_client_for("operator").get(f"{CHALLENGES}review/")) == [in_review.slug]
    assert error(api_client_for("anonymous").get(f"{CHALLENGES}review/"), 401)["code"] == "not_authenticated"


def test_an_agency_reads_its_own_challenges_drafts_included(api_client_for, draft, published):
    ChallengeFactory(slug="someone-elses")
    assert set(slugs(api_client_for("agency_admin").get(f"{CHALLENGES}mine/"))) == {draft.slug, "parking"}
    assert slugs(api_client_for("supplier_admin").get(f"{CHALLENGES}mine/")) == []


def _closed_published(agency) -> Challenge:
    now = timezone.now()
    return ChallengeFactory(
        owner=agency, slug="closed-phase", phases=[{"opens_at": now - timedelta(days=9), "closes_at": now}]
    )


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=200, operator=200, others=403))
def test_start_evaluation_matrix(api_client_for, role, expected, agency):
    challenge = _closed_published(agency)
    before = challenges_state()
    response = _action(api_client_for(role), challenge.slug, "start-evaluation")
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["status"] == "evaluation"


def test_evaluation_waits_for_the_last_phase_to_close(api_client_for, published):
    before = challenges_state()
    assert error(_action(api_client_for("agency_admin"), "parking", "start-evaluation"), 409)["code"] == "phase_open"
    assert challenges_state() == before


def test_evaluation_waits_for_the_results_of_the_earlier_phases(api_client_for, agency):
    now = timezone.now()
    challenge = ChallengeFactory(
        owner=agency,
        slug="two-phases",
        phases=[
            {"opens_at": now - timedelta(days=20), "closes_at": now - timedelta(days=10)},
            {"opens_at": now - timedelta(days=9), "closes_at": now - timedelta(minutes=1), "kind": "pilot"},
        ],
    )
    owner = api_client_for("agency_admin")
    before = challenges_state()
    assert error(_action(owner, challenge.slug, "start-evaluation"), 409)["code"] == "earlier_phase_open"
    assert challenges_state() == before
    assert send(owner, "post", f"{CHALLENGES}two-phases/phases/1/publish-results/", {}).status_code == 200
    assert _action(owner, challenge.slug, "start-evaluation").json()["status"] == "evaluation"


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=200, operator=200, others=403))
def test_cancel_matrix(api_client_for, role, expected, published):
    before = challenges_state()
    response = _action(api_client_for(role), "parking", "cancel", {"reason": "Бюджет не выделен."})
    if expected != 200:
        return refused(response, expected, before)
    assert (response.json()["status"], response.json()["cancel_reason"]) == ("cancelled", "Бюджет не выделен.")
    # A challenge cancelled after publication stays public, with its reason.
    assert api_client_for("anonymous").get(f"{CHALLENGES}parking/").json()["status"] == "cancelled"


def test_cancelling_needs_a_reason(api_client_for, published):
    before = challenges_state()
    assert list(error(_action(api_client_for("agency_admin"), "parking", "cancel"), 400)["fields"]) == ["reason"]
    assert challenges_state() == before


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=200, operator=200, others=403))
def test_close_matrix(api_client_for, role, expected, agency):
    challenge = ChallengeFactory(owner=agency, status=ChallengeStatus.DECIDED)
    before = challenges_state()
    response = _action(api_client_for(role), challenge.slug, "close")
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["status"] == "closed"


def test_closing_an_undecided_challenge_is_a_conflict(api_client_for, published):
    before = challenges_state()
    assert error(_action(api_client_for("operator"), "parking", "close"), 409)["code"] == "wrong_status"
    assert challenges_state() == before


# --- writes: questions and consultations ---------------------------------------------


ASK = {"text": "Можно ли участвовать консорциумом?"}


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier_admin=201, others=403))
def test_ask_matrix(api_client_for, role, expected, published):
    before = challenges_state()
    response = send(api_client_for(role), "post", f"{CHALLENGES}parking/questions/", ASK)
    if expected != 201:
        return refused(response, expected, before)
    body = response.json()
    assert (body["text"], body["answer"], body["answered_at"]) == (ASK["text"], "", None)
    # Not public until answered; the owner sees it waiting.
    assert api_client_for("anonymous").get(f"{CHALLENGES}parking/questions/").json() == []
    assert [q["id"] for q in api_client_for("agency_admin").get(f"{CHALLENGES}parking/questions/").json()] == [
        body["id"]
    ]


def test_questions_are_refused_after_the_window(api_client_for, agency):
    challenge = _closed_published(agency)
    before = challenges_state()
    response = send(api_client_for("supplier_admin"), "post", f"{CHALLENGES}{challenge.slug}/questions/", ASK)
    assert error(response, 409)["code"] == "questions_closed"
    assert challenges_state() == before


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=200, operator=200, others=403))
def test_answer_matrix(api_client_for, people, role, expected, published):
    question = Question.objects.create(challenge=published, text=ASK["text"], asked_by=people["supplier_admin"])
    url = f"{CHALLENGES}parking/questions/{question.pk}/answer/"
    before = challenges_state()
    response = send(api_client_for(role), "post", url, {"answer": "Да."})
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["answer"] == "Да."
    public = api_client_for("anonymous").get(f"{CHALLENGES}parking/questions/").json()
    assert [(q["text"], q["answer"]) for q in public] == [(ASK["text"], "Да.")]
    assert "asked_by" not in public[0] and people["supplier_admin"].email not in str(public)


def test_a_question_of_another_challenge_is_a_404(api_client_for, published, agency):
    other = Question.objects.create(challenge=ChallengeFactory(owner=agency), text=ASK["text"])
    before = challenges_state()
    response = send(api_client_for("agency_admin"), "post", f"{CHALLENGES}parking/questions/{other.pk}/answer/", {})
    refused(response, 404, before)


def _slot_data() -> dict:
    return {"starts_at": (timezone.now() + timedelta(days=2)).isoformat(), "place": "Зал 3", "duration_minutes": 45}


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=201, operator=201, others=403))
def test_slot_create_matrix(api_client_for, role, expected, published):
    before = challenges_state()
    response = send(api_client_for(role), "post", f"{CHALLENGES}parking/slots/", _slot_data())
    if expected != 201:
        return refused(response, expected, before)
    assert (response.json()["place"], response.json()["duration_minutes"], response.json()["is_booked"]) == (
        "Зал 3",
        45,
        False,
    )


def test_a_slot_in_the_past_is_refused(api_client_for, published):
    before = challenges_state()
    past = {**_slot_data(), "starts_at": (timezone.now() - timedelta(hours=1)).isoformat()}
    body = error(send(api_client_for("agency_admin"), "post", f"{CHALLENGES}parking/slots/", past), 400)
    assert list(body["fields"]) == ["starts_at"]
    assert challenges_state() == before


@pytest.fixture
def slot(published):
    return ConsultationSlot.objects.create(
        challenge=published, starts_at=timezone.now() + timedelta(days=2), place="Зал 1"
    )


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=204, operator=204, others=403))
def test_slot_delete_matrix(api_client_for, role, expected, slot):
    before = challenges_state()
    response = api_client_for(role).delete(f"{CHALLENGES}parking/slots/{slot.pk}/")
    if expected != 204:
        return refused(response, expected, before)
    assert not ConsultationSlot.objects.filter(pk=slot.pk).exists()


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier_admin=200, others=403))
def test_book_matrix(api_client_for, role, expected, slot, supplier):
    before = challenges_state()
    response = send(
        api_client_for(role), "post", f"{CHALLENGES}parking/slots/{slot.pk}/booking/", {"supplier": supplier.pk}
    )
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["is_booked"] is True
    slot.refresh_from_db()
    assert slot.booked_by == supplier
    assert supplier.name not in str(api_client_for("anonymous").get(f"{CHALLENGES}parking/slots/").json())


def test_a_supplier_books_only_for_its_own_organization(api_client_for, slot):
    stranger, _member = supplier_with_member()
    before = challenges_state()
    response = send(
        api_client_for("supplier_admin"),
        "post",
        f"{CHALLENGES}parking/slots/{slot.pk}/booking/",
        {"supplier": stranger.pk},
    )
    refused(response, 403, before)


def test_a_booked_slot_cannot_be_booked_again_or_deleted(api_client_for, slot, supplier):
    rival, _member = supplier_with_member()
    slot.booked_by = rival
    slot.save()
    before = challenges_state()
    url = f"{CHALLENGES}parking/slots/{slot.pk}/"
    booked = send(api_client_for("supplier_admin"), "post", f"{url}booking/", {"supplier": supplier.pk})
    assert error(booked, 409)["code"] == "slot_booked"
    assert error(api_client_for("agency_admin").delete(url), 409)["code"] == "slot_booked"
    assert challenges_state() == before


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier_admin=200, others=403))
def test_cancel_booking_matrix(api_client_for, role, expected, slot, supplier):
    slot.booked_by = supplier
    slot.save()
    before = challenges_state()
    response = api_client_for(role).delete(f"{CHALLENGES}parking/slots/{slot.pk}/booking/")
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["is_booked"] is False
    slot.refresh_from_db()
    assert slot.booked_by is None


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier_admin=409, others=403))
def test_cancelling_a_free_slot_tells_only_supplier_staff_that_it_is_free(api_client_for, role, expected, slot):
    before = challenges_state()
    response = api_client_for(role).delete(f"{CHALLENGES}parking/slots/{slot.pk}/booking/")
    if expected == 409:
        assert error(response, 409)["code"] == "slot_free"
        assert challenges_state() == before
    else:
        refused(response, expected, before)
        assert "not booked" not in response.content.decode()


# --- writes: submissions -----------------------------------------------------------------


def _submit_url(slug: str = "parking", number: int = 1) -> str:
    return f"{CHALLENGES}{slug}/phases/{number}/submissions/"


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier_admin=201, others=403))
def test_submit_matrix(api_client_for, role, expected, published, supplier):
    before = challenges_state()
    response = send(api_client_for(role), "post", _submit_url(), {"supplier": supplier.pk, **sections()})
    if expected != 201:
        return refused(response, expected, before)
    body = response.json()
    submission = Submission.objects.get(pk=body["id"])
    assert (body["status"], body["budget"], body["supplier"]["id"], body["phase"]["number"]) == (
        "submitted",
        "400000.00",
        supplier.pk,
        1,
    )
    [receipt] = body["receipts"]
    assert receipt["content_hash"] == services.content_hash(submission)
    assert receipt["number"] == submission.receipts.get().number


def test_a_resubmission_replaces_the_sections_and_issues_a_second_receipt(api_client_for, published, supplier):
    client = api_client_for("supplier_admin")
    first = send(client, "post", _submit_url(), {"supplier": supplier.pk, **sections()})
    again = send(client, "post", _submit_url(), {"supplier": supplier.pk, **sections(plan="Четыре месяца.")})
    assert (first.status_code, again.status_code) == (201, 200)
    body = again.json()
    assert (body["id"], body["plan"], len(body["receipts"])) == (first.json()["id"], "Четыре месяца.", 2)
    assert body["receipts"][0]["content_hash"] != body["receipts"][1]["content_hash"]


def test_a_multipart_submission_carries_attachments(api_client_for, published, supplier, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = api_client_for("supplier_admin")
    response = client.post(
        _submit_url(), {"supplier": supplier.pk, **sections(), "attachments": [pdf("plan.pdf"), pdf("team.pdf")]}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert sorted(a["title"] for a in body["attachments"]) == ["plan.pdf", "team.pdf"]
    # Links go through the page that checks access, never to a media address.
    assert all(
        a["url"] == f"http://testserver/challenges/submissions/{body['id']}/attachments/{a['id']}/"
        for a in body["attachments"]
    )
    submission = Submission.objects.get(pk=body["id"])
    assert submission.attachments.count() == 2
    keep, drop = body["attachments"]
    again = client.post(_submit_url(), {"supplier": supplier.pk, **sections(), "remove_attachments": [drop["id"]]})
    assert [a["id"] for a in again.json()["attachments"]] == [keep["id"]]


def test_a_file_that_is_not_what_its_name_says_is_refused(api_client_for, published, supplier, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    before = challenges_state()
    response = api_client_for("supplier_admin").post(
        _submit_url(), {"supplier": supplier.pk, **sections(), "attachments": [pdf("plan.pdf", b"MZ not a pdf")]}
    )
    assert list(error(response, 400)["fields"]) == ["attachments"]
    assert challenges_state() == before
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"budget": "много"}, ["budget"]),
        ({"budget": ["400000"]}, ["budget"]),
        ({"title": None}, ["title"]),
        ({"team": 5, "plan": {"text": "x"}}, ["plan"]),  # a number reads as text; an object does not
        ({"approach": ""}, ["approach"]),
        ({"supplier": "ours"}, ["supplier"]),
        ({"supplier": 999999}, ["supplier"]),
        ({"status": "advanced"}, ["status"]),
        ({"remove_attachments": ["first"]}, ["remove_attachments.0"]),
        ({"remove_attachments": [0]}, ["remove_attachments.0"]),
        ({"remove_attachments": [-1]}, ["remove_attachments.0"]),
        ({"remove_attachments": [2**63]}, ["remove_attachments.0"]),
        ({"remove_attachments": [1, 10**30]}, ["remove_attachments.1"]),
        ({"remove_attachments": ["²"]}, ["remove_attachments.0"]),
    ],
)
def test_a_bad_submission_is_a_400_naming_the_fields(api_client_for, published, supplier, payload, fields):
    before = challenges_state()
    response = send(
        api_client_for("supplier_admin"), "post", _submit_url(), {"supplier": supplier.pk, **sections(), **payload}
    )
    body = error(response, 400)
    assert (body["code"], sorted(body["fields"])) == ("invalid", fields)
    assert challenges_state() == before


def test_missing_sections_are_each_named(api_client_for, published, supplier):
    before = challenges_state()
    response = send(
        api_client_for("supplier_admin"), "post", _submit_url(), {"supplier": supplier.pk, "title": "Проект"}
    )
    assert sorted(error(response, 400)["fields"]) == ["approach", "budget", "plan", "summary", "team"]
    assert challenges_state() == before


def test_a_budget_above_the_phase_funding_is_refused(api_client_for, published, supplier):
    before = challenges_state()
    response = send(
        api_client_for("supplier_admin"),
        "post",
        _submit_url(),
        {"supplier": supplier.pk, **sections(budget="1000000.01")},
    )
    body = error(response, 400)
    assert (body["code"], list(body["fields"])) == ("budget_too_high", ["budget"])
    assert "1 000 000.00" in body["fields"]["budget"][0]
    assert challenges_state() == before


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "{not json"])
def test_a_body_that_is_not_an_object_is_a_400(api_client_for, published, body):
    before = challenges_state()
    response = api_client_for("supplier_admin").post(_submit_url(), body, content_type="application/json")
    assert error(response, 400)["code"] == "invalid"
    assert challenges_state() == before


def test_a_late_submission_is_refused_by_the_server_clock(api_client_for, published, supplier):
    phase = published.phases.get()
    before = challenges_state()
    with time_machine.travel(phase.closes_at, tick=False):
        response = send(
            api_client_for("supplier_admin"), "post", _submit_url(), {"supplier": supplier.pk, **sections()}
        )
    assert error(response, 409)["code"] == "deadline_passed"
    assert challenges_state() == before


def test_a_supplier_not_invited_cannot_submit_to_a_later_phase(api_client_for, people, agency, supplier):
    now = timezone.now()
    challenge = ChallengeFactory(
        owner=agency,
        slug="two-phases",
        phases=[
            {"opens_at": now - timedelta(days=20), "closes_at": now - timedelta(days=10)},
            {"opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=10), "kind": PhaseKind.PILOT},
        ],
    )
    first = challenge.phases.get(number=1)
    rival, rival_member = supplier_with_member()
    SubmissionFactory(phase=first, supplier=supplier, status=SubmissionStatus.NOT_ADVANCED)
    SubmissionFactory(phase=first, supplier=rival, status=SubmissionStatus.ADVANCED)
    before = challenges_state()
    response = send(
        api_client_for("supplier_admin"), "post", _submit_url("two-phases", 2), {"supplier": supplier.pk, **sections()}
    )
    assert error(response, 400)["code"] == "not_invited"
    assert challenges_state() == before

    rival_client = api_client_for("anonymous")
    rival_client.force_authenticate(rival_member)
    response = send(rival_client, "post", _submit_url("two-phases", 2), {"supplier": rival.pk, **sections()})
    assert response.status_code == 201, response.content


def test_submitting_to_a_missing_phase_is_a_404(api_client_for, published, supplier):
    before = challenges_state()
    refused(
        send(api_client_for("supplier_admin"), "post", _submit_url(number=7), {"supplier": supplier.pk}), 404, before
    )


@pytest.fixture
def submission(published, supplier):
    return SubmissionFactory(phase=published.phases.get(), supplier=supplier)


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, supplier_admin=200, operator=403, others=404))
def test_withdraw_matrix(api_client_for, role, expected, submission):
    before = challenges_state()
    response = send(api_client_for(role), "post", f"{CHALLENGES}submissions/{submission.pk}/withdraw/", {})
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["status"] == "withdrawn"


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=404, supplier_admin=200, operator=200, others=404))
def test_submission_detail_matrix(api_client_for, role, expected, submission):
    response = api_client_for(role).get(f"{CHALLENGES}submissions/{submission.pk}/")
    if expected != 200:
        assert error(response, expected)["code"] == "not_found"
        return
    body = response.json()
    assert (body["id"], body["approach"], body["cycle"]) == (submission.pk, submission.approach, 0)
    assert isinstance(body["receipts"], list)


def test_a_supplier_cannot_read_another_suppliers_submission(api_client_for, submission, supplier):
    rival, _member = supplier_with_member()
    theirs = SubmissionFactory(phase=submission.phase, supplier=rival)
    client = api_client_for("supplier_admin")
    assert error(client.get(f"{CHALLENGES}submissions/{theirs.pk}/"), 404)["code"] == "not_found"
    assert client.get(f"{CHALLENGES}submissions/{submission.pk}/").status_code == 200
    listed = client.get(f"{CHALLENGES}submissions/").json()["results"]
    assert [item["id"] for item in listed] == [submission.pk]
    before = challenges_state()
    refused(send(client, "post", f"{CHALLENGES}submissions/{theirs.pk}/withdraw/", {}), 404, before)
    refused(client.get(f"{CHALLENGES}submissions/{theirs.pk}/evaluations/"), 404, before)


def test_the_owner_reads_submissions_once_they_can_no_longer_change(api_client_for, submission):
    url = f"{CHALLENGES}submissions/{submission.pk}/"
    assert api_client_for("agency_admin").get(url).status_code == 404
    with time_machine.travel(submission.deadline, tick=False):
        body = api_client_for("agency_admin").get(url).json()
    assert (body["id"], body["receipts"]) == (submission.pk, None)


def test_my_submissions_need_a_signed_in_person(api_client_for, submission):
    assert error(api_client_for("anonymous").get(f"{CHALLENGES}submissions/"), 401)["code"] == "not_authenticated"
    assert api_client_for("resident").get(f"{CHALLENGES}submissions/").json()["results"] == []


# --- the panel ----------------------------------------------------------------------------


@pytest.fixture
def panel(agency, supplier, people):
    """A closed phase whose open panel has our submission with the ``expert`` role and another
    expert assigned (both cleared); returns (challenge, submission, own, other assignment)."""
    now = timezone.now()
    challenge = ChallengeFactory(
        owner=agency,
        slug="panel",
        status=ChallengeStatus.EVALUATION,
        phases=[{"opens_at": now - timedelta(days=10), "closes_at": now - timedelta(hours=1)}],
    )
    submission = SubmissionFactory(phase=challenge.phases.get(), supplier=supplier)
    own = AssignmentFactory(submission=submission, expert=people["expert"])
    other = AssignmentFactory(submission=submission)
    return challenge, submission, own, other


def _panel_url(slug: str = "panel", action: str = "") -> str:
    return f"{CHALLENGES}{slug}/phases/1/cycles/0/{action}"


# Who may read the submission but not run the panel gets 403: its supplier, the owner (the deadline
# has passed) and a cleared expert of it; everyone else does not see it.
@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, operator=201, resident=404, others=403))
def test_assign_expert_matrix(api_client_for, role, expected, panel):
    _challenge, submission, *_ = panel
    expert = UserFactory(is_expert=True)
    before = challenges_state()
    response = send(
        api_client_for(role), "post", f"{CHALLENGES}submissions/{submission.pk}/assignments/", {"expert": expert.pk}
    )
    if expected != 201:
        return refused(response, expected, before)
    assert expert.pk in [a["expert"]["id"] for a in response.json()["assignments"]]
    assert Assignment.objects.filter(submission=submission, expert=expert).exists()


def test_only_an_expert_can_be_assigned(api_client_for, panel, people):
    _challenge, submission, *_ = panel
    before = challenges_state()
    url = f"{CHALLENGES}submissions/{submission.pk}/assignments/"
    body = error(send(api_client_for("operator"), "post", url, {"expert": people["resident"].pk}), 400)
    assert list(body["fields"]) == ["expert"]
    assert error(send(api_client_for("operator"), "post", url, {"expert": people["expert"].pk}), 409)["code"] == (
        "already_assigned"
    )
    assert challenges_state() == before


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, operator=200, others=403))
def test_panel_auto_assign_matrix(api_client_for, role, expected, panel):
    _challenge, submission, _own, other = panel
    other.delete()
    UserFactory(is_expert=True)
    before = challenges_state()
    response = send(api_client_for(role), "post", _panel_url(action="assign-experts/"), {})
    if expected != 200:
        return refused(response, expected, before)
    assert response.json() == {"added": 1}
    assert submission.assignments.count() == 2


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, operator=200, others=403))
def test_panel_close_matrix(api_client_for, role, expected, panel):
    _challenge, _submission, own, other = panel
    hand_in(own, [8, 7])
    hand_in(other, [6, 5])
    before = challenges_state()
    response = send(api_client_for(role), "post", _panel_url(action="close-panel/"), {})
    if expected != 200:
        return refused(response, expected, before)
    assert (response.json()["number"], response.json()["panel_closed"]) == (0, True)


def test_a_panel_with_missing_evaluations_does_not_close(api_client_for, panel):
    _challenge, _submission, own, _other = panel
    hand_in(own, [8, 7])
    before = challenges_state()
    body = error(send(api_client_for("operator"), "post", _panel_url(action="close-panel/"), {}), 409)
    assert (body["code"], "1" in body["message"]) == ("panel_incomplete", True)
    assert challenges_state() == before


@pytest.mark.parametrize("role", ["resident", "supplier_admin", "expert"])
def test_the_panel_view_and_ranking_are_not_for_outsiders(api_client_for, role, panel):
    client = api_client_for(role)
    assert error(client.get(_panel_url(action="panel/")), 403)["code"] == "permission_denied"
    assert error(client.get(_panel_url(action="ranking/")), 403)["code"] == "permission_denied"


def test_the_ranking_is_the_operators_any_time_and_the_owners_after_the_panel(api_client_for, panel):
    _challenge, submission, own, other = panel
    hand_in(own, [8, 7])
    hand_in(other, [6, 5])
    [row] = api_client_for("operator").get(_panel_url(action="ranking/")).json()
    assert (row["rank"], row["mean"], row["spread"], row["disagreement"]) == (1, "66.00", "20.00", False)
    assert sorted(row["expert_totals"]) == ["56.00", "76.00"]
    assert [c["mean"] for c in row["criterion_means"]] == ["7.00", "6.00"]
    assert row["submission"]["supplier"]["id"] == submission.supplier_id
    assert error(api_client_for("agency_admin").get(_panel_url(action="ranking/")), 409)["code"] == "panel_open"
    close_panel(submission)
    assert api_client_for("agency_admin").get(_panel_url(action="ranking/")).json()[0]["rank"] == 1
    panel_view = api_client_for("operator").get(_panel_url(action="panel/")).json()
    assert [len(item["assignments"]) for item in panel_view] == [2]


def test_the_cycles_of_a_phase_are_public(api_client_for, panel):
    [cycle] = api_client_for("anonymous").get(f"{CHALLENGES}panel/phases/1/cycles/").json()
    assert (cycle["number"], cycle["panel_closed"]) == (0, False)
    missing = f"{CHALLENGES}panel/phases/1/cycles/5/ranking/"
    assert error(api_client_for("anonymous").get(missing), 401)["code"] == "not_authenticated"
    assert error(api_client_for("operator").get(missing), 404)["code"] == "not_found"


# --- expert assignments -----------------------------------------------------------------


def test_an_expert_lists_and_reads_own_assignments_only(api_client_for, panel):
    _challenge, submission, own, other = panel
    client = api_client_for("expert")
    [listed] = client.get(f"{CHALLENGES}assignments/").json()["results"]
    assert (listed["id"], listed["submission"], listed["supplier"]) == (own.pk, submission.pk, submission.supplier.name)
    body = client.get(f"{CHALLENGES}assignments/{own.pk}/").json()
    assert body["content"]["approach"] == submission.approach
    assert body["content"]["receipts"] is None
    assert len(body["criteria"]) == 2
    assert error(client.get(f"{CHALLENGES}assignments/{other.pk}/"), 404)["code"] == "not_found"


@pytest.mark.parametrize("role", ["resident", "supplier_admin", "agency_admin", "operator"])
def test_my_evaluations_are_for_experts(api_client_for, role, panel):
    assert error(api_client_for(role).get(f"{CHALLENGES}assignments/"), 403)["code"] == "permission_denied"


def test_an_undeclared_expert_sees_who_but_not_what(api_client_for, panel):
    _challenge, submission, own, _other = panel
    own.conflict = Declaration.UNDECLARED
    own.save()
    client = api_client_for("expert")
    body = client.get(f"{CHALLENGES}assignments/{own.pk}/").json()
    assert (body["supplier"], body["content"], body["criteria"]) == (submission.supplier.name, None, [])
    assert error(client.get(f"{CHALLENGES}submissions/{submission.pk}/"), 404)["code"] == "not_found"


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, expert=200, others=404))
def test_declare_conflict_matrix(api_client_for, role, expected, panel):
    _challenge, _submission, own, _other = panel
    own.conflict = Declaration.UNDECLARED
    own.save()
    before = challenges_state()
    response = send(
        api_client_for(role), "post", f"{CHALLENGES}assignments/{own.pk}/conflict/", {"has_conflict": False}
    )
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["conflict"] == "none"


def test_a_recused_expert_gets_404_for_the_submission_and_the_assignment(api_client_for, panel):
    _challenge, submission, own, _other = panel
    own.conflict = Declaration.UNDECLARED
    own.save()
    replacement = UserFactory(is_expert=True)
    client = api_client_for("expert")
    conflict = f"{CHALLENGES}assignments/{own.pk}/conflict/"
    before = challenges_state()
    body = error(send(client, "post", conflict, {"has_conflict": True}), 400)
    assert list(body["fields"]) == ["note"]
    assert challenges_state() == before

    response = send(client, "post", conflict, {"has_conflict": True, "note": "Работал у поставщика."})
    assert response.json()["conflict"] == "recused"
    assert Assignment.objects.filter(submission=submission, expert=replacement).exists()
    for url in [
        f"{CHALLENGES}assignments/{own.pk}/",
        f"{CHALLENGES}submissions/{submission.pk}/",
        f"{CHALLENGES}submissions/{submission.pk}/evaluations/",
    ]:
        assert error(client.get(url), 404)["code"] == "not_found", url
    assert client.get(f"{CHALLENGES}assignments/").json()["results"] == []
    before = challenges_state()
    scores = {"scores": {}, "complete": False}
    refused(send(client, "put", f"{CHALLENGES}assignments/{own.pk}/scores/", scores), 404, before)


def test_an_expert_assigned_early_declares_and_scores_only_from_the_deadline(api_client_for, people, submission):
    """The ``submission`` fixture's phase is still open: the operator may line experts up already."""
    operator, client = api_client_for("operator"), api_client_for("expert")
    url = f"{CHALLENGES}submissions/{submission.pk}/assignments/"
    assert send(operator, "post", url, {"expert": people["expert"].pk}).status_code == 201
    assignment = Assignment.objects.get(submission=submission, expert=people["expert"])
    conflict = f"{CHALLENGES}assignments/{assignment.pk}/conflict/"
    scores = f"{CHALLENGES}assignments/{assignment.pk}/scores/"
    payload = {"scores": _scores(submission.phase.challenge, [8, 6]), "complete": True}

    with time_machine.travel(submission.deadline - timedelta(seconds=1), tick=False):
        before = challenges_state()
        assert error(send(client, "post", conflict, {"has_conflict": False}), 409)["code"] == "not_yet"
        assert challenges_state() == before
        Assignment.objects.filter(pk=assignment.pk).update(conflict=Declaration.NONE)  # as if declared
        before = challenges_state()
        assert error(send(client, "put", scores, payload), 409)["code"] == "not_yet"
        assert challenges_state() == before
        Assignment.objects.filter(pk=assignment.pk).update(conflict=Declaration.UNDECLARED)
    with time_machine.travel(submission.deadline, tick=False):
        assert send(client, "post", conflict, {"has_conflict": False}).json()["conflict"] == "none"
        body = send(client, "put", scores, payload).json()
    assert body["completed_at"] is not None
    assert sorted(s["value"] for s in body["scores"]) == [6, 8]


def test_a_withdrawn_submission_is_a_404_for_its_expert_and_the_owner(api_client_for, people, panel):
    _challenge, submission, own, _other = panel
    client = api_client_for("expert")
    urls = [
        f"{CHALLENGES}assignments/{own.pk}/",
        f"{CHALLENGES}submissions/{submission.pk}/",
        f"{CHALLENGES}submissions/{submission.pk}/evaluations/",
    ]
    assert all(client.get(url).status_code == 200 for url in urls)
    assert api_client_for("agency_admin").get(urls[1]).status_code == 200
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.WITHDRAWN)
    for url in urls:
        assert error(client.get(url), 404)["code"] == "not_found", url
    assert client.get(f"{CHALLENGES}assignments/").json()["results"] == []
    for url in urls[1:]:
        assert error(api_client_for("agency_admin").get(url), 404)["code"] == "not_found", url
    before = challenges_state()
    payload = {"scores": _scores(submission.phase.challenge, [8, 6]), "complete": True}
    refused(send(client, "put", f"{CHALLENGES}assignments/{own.pk}/scores/", payload), 404, before)
    # Its supplier and the operator still read it.
    assert api_client_for("supplier_admin").get(urls[1]).json()["status"] == "withdrawn"
    assert api_client_for("operator").get(urls[1]).status_code == 200


def _scores(challenge, values, comment="") -> dict:
    criteria = list(challenge.criteria.order_by("pk"))
    return {str(c.pk): {"value": v, "comment": comment} for c, v in zip(criteria, values, strict=True)}


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, expert=200, others=404))
def test_save_scores_matrix(api_client_for, role, expected, panel):
    challenge, _submission, own, _other = panel
    before = challenges_state()
    response = send(
        api_client_for(role),
        "put",
        f"{CHALLENGES}assignments/{own.pk}/scores/",
        {"scores": _scores(challenge, [8, 6], "Сильная команда"), "complete": True},
    )
    if expected != 200:
        return refused(response, expected, before)
    body = response.json()
    assert body["completed_at"] is not None
    assert sorted((s["value"], s["comment"]) for s in body["scores"]) == [
        (6, "Сильная команда"),
        (8, "Сильная команда"),
    ]


def test_scores_are_saved_in_parts_and_handed_in_complete(api_client_for, panel):
    challenge, _submission, own, _other = panel
    first, second = challenge.criteria.order_by("pk")
    url = f"{CHALLENGES}assignments/{own.pk}/scores/"
    client = api_client_for("expert")
    partial = send(client, "put", url, {"scores": {str(first.pk): {"value": 7}}})
    assert [(s["criterion"], s["value"]) for s in partial.json()["scores"]] == [(first.pk, 7)]
    before = challenges_state()
    incomplete = send(client, "put", url, {"scores": {str(first.pk): {"value": 9}}, "complete": True})
    assert (error(incomplete, 400)["code"], challenges_state()) == ("incomplete", before)
    done = send(client, "put", url, {"scores": {str(second.pk): {"value": 5}}, "complete": True})
    assert done.json()["completed_at"] is not None
    assert dict(Score.objects.filter(assignment=own).values_list("criterion_id", "value")) == {
        first.pk: 7,
        second.pk: 5,
    }


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"scores": [8, 6]}, "scores", "invalid"),
        ({"scores": {"1": 8}}, "scores.1.non_field_errors", "invalid"),
        ({"scores": {"{first}": {"value": "восемь"}}}, "scores.{first}.value", "invalid"),
        ({"scores": {"{first}": {"value": 8, "weight": 3}}}, "scores.{first}.weight", "invalid"),
        ({"scores": {"{first}": {"value": 11}}}, "scores", "invalid"),  # the scale ends at 10
        ({"scores": {"999999": {"value": 1}}}, "scores", "invalid"),
        ({"scores": {"²": {"value": 1}}}, "scores", "invalid"),  # a digit to str.isdigit, not to int()
        ({"scores": {"٣": {"value": 1}}}, "scores", "invalid"),  # an Arabic-Indic three
        ({"scores": {"99999999999999999999999": {"value": 1}}}, "scores", "invalid"),
        ({"scores": {str(2**63): {"value": 1}}}, "scores", "invalid"),
        ({"scores": {"-1": {"value": 1}}}, "scores", "invalid"),
        ({"scores": {}, "complete": "maybe"}, "complete", "invalid"),
        ({"scores": {}, "extra": 1}, "extra", "invalid"),
    ],
)
def test_bad_scores_are_a_400_naming_the_field(api_client_for, panel, payload, field, code):
    challenge, _submission, own, _other = panel
    first = str(challenge.criteria.order_by("pk").first().pk)
    payload = {
        key: {k.replace("{first}", first): v for k, v in value.items()} if isinstance(value, dict) else value
        for key, value in payload.items()
    }
    before = challenges_state()
    body = error(send(api_client_for("expert"), "put", f"{CHALLENGES}assignments/{own.pk}/scores/", payload), 400)
    assert (body["code"], list(body["fields"])) == (code, [field.replace("{first}", first)])
    assert challenges_state() == before


def test_an_expert_sees_other_experts_scores_only_after_the_panel_closes(api_client_for, people, panel):
    _challenge, submission, own, other = panel
    hand_in(own, [8, 7])
    hand_in(other, [3, 2])
    url = f"{CHALLENGES}submissions/{submission.pk}/evaluations/"

    def seen(role) -> dict:
        response = api_client_for(role).get(url)
        assert response.status_code == 200, response.content
        return {item["id"]: sorted(s["value"] for s in item["scores"]) for item in response.json()}

    assert seen("expert") == {own.pk: [7, 8]}
    assert seen("supplier_admin") == {}
    assert seen("operator") == {own.pk: [7, 8], other.pk: [2, 3]}

    close_panel(submission)
    assert seen("expert") == {own.pk: [7, 8], other.pk: [2, 3]}
    assert seen("agency_admin") == {own.pk: [7, 8], other.pk: [2, 3]}
    assert seen("supplier_admin") == {}


def test_evaluations_name_the_experts_to_operators_only_and_mark_the_readers_own(api_client_for, people, panel):
    _challenge, submission, own, other = panel
    hand_in(own, [8, 7])
    hand_in(other, [3, 2])
    close_panel(submission)
    url = f"{CHALLENGES}submissions/{submission.pk}/evaluations/"

    def rows(role) -> dict:
        response = api_client_for(role).get(url)
        assert response.status_code == 200, response.content
        assert all(
            sorted(item) == ["completed_at", "conflict", "expert", "id", "is_mine", "scores"]
            for item in response.json()
        )
        return {item["id"]: (item["expert"], item["is_mine"]) for item in response.json()}

    # The panel and the owner read every evaluation, but not who wrote it; an expert knows their own.
    assert rows("expert") == {own.pk: (None, True), other.pk: (None, False)}
    assert rows("agency_admin") == {own.pk: (None, False), other.pk: (None, False)}
    body = str(api_client_for("agency_admin").get(url).json())
    assert people["expert"].email not in body and other.expert.email not in body
    assert people["expert"].full_name not in body and other.expert.full_name not in body
    # The operator running the panel sees who is who.
    named = rows("operator")
    assert {pk: expert["id"] for pk, (expert, _mine) in named.items()} == {
        own.pk: people["expert"].pk,
        other.pk: other.expert_id,
    }
    assert {mine for _expert, mine in named.values()} == {False}


# --- decisions and results ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"), matrix(anonymous=401, agency_admin=200, operator=200, supplier_admin=403, others=404)
)
def test_decide_matrix(api_client_for, role, expected, decidable):
    _challenge, _phase, (ours, _theirs) = decidable
    before = challenges_state()
    response = send(
        api_client_for(role),
        "post",
        f"{CHALLENGES}submissions/{ours.pk}/decision/",
        {"advance": True, "rationale": "Лучшая оценка панели."},
    )
    if expected != 200:
        return refused(response, expected, before)
    body = response.json()
    assert (body["status"], body["decision_rationale"]) == ("advanced", "Лучшая оценка панели.")
    ours.refresh_from_db()
    assert ours.initiative is None  # the funnel hears of it with the published results
    assert not Initiative.objects.exists()
    response = send(api_client_for(role), "post", f"{CHALLENGES}decidable/phases/1/publish-results/", {})
    assert response.status_code == 200, response.content
    ours.refresh_from_db()
    assert ours.initiative.stage == Stage.PROTOTYPE


def test_the_phase_cap_and_the_rationale_are_enforced(api_client_for, decidable):
    _challenge, _phase, (ours, theirs) = decidable  # the cap is 1
    client = api_client_for("agency_admin")
    before = challenges_state()
    body = error(send(client, "post", f"{CHALLENGES}submissions/{ours.pk}/decision/", {"advance": True}), 400)
    assert list(body["fields"]) == ["rationale"]
    body = error(send(client, "post", f"{CHALLENGES}submissions/{ours.pk}/decision/", {"rationale": "x"}), 400)
    assert list(body["fields"]) == ["advance"]
    assert challenges_state() == before
    decide = {"advance": True, "rationale": "Лучшая оценка."}
    assert send(client, "post", f"{CHALLENGES}submissions/{ours.pk}/decision/", decide).status_code == 200
    before = challenges_state()
    assert error(send(client, "post", f"{CHALLENGES}submissions/{theirs.pk}/decision/", decide), 409)["code"] == (
        "cap_reached"
    )
    assert challenges_state() == before


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=200, operator=200, others=403))
def test_publish_results_matrix(api_client_for, people, role, expected, decidable):
    _challenge, _phase, (ours, theirs) = decidable
    services.submission_decide(actor=people["agency_admin"], submission=ours, advance=True, rationale="Лучше всех")
    before = challenges_state()
    response = send(api_client_for(role), "post", f"{CHALLENGES}decidable/phases/1/publish-results/", {})
    if expected != 200:
        return refused(response, expected, before)
    assert response.json()["results_published_at"] is not None
    theirs.refresh_from_db()
    assert theirs.status == SubmissionStatus.NOT_ADVANCED
    detail = api_client_for("anonymous").get(f"{CHALLENGES}decidable/").json()
    assert (detail["status"], [r["submission"] for r in detail["results"][0]["advanced"]]) == ("decided", [ours.pk])


def test_results_are_published_once(api_client_for, people, decidable):
    _challenge, phase, _submissions = decidable
    services.phase_publish_results(actor=people["agency_admin"], phase=phase)
    before = challenges_state()
    response = send(api_client_for("agency_admin"), "post", f"{CHALLENGES}decidable/phases/1/publish-results/", {})
    assert (error(response, 409)["code"], challenges_state()) == ("wrong_status", before)


# --- input that is never accepted ---------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "payload", "field"),
    [
        ("post", "", {"status": "published"}, "status"),
        ("post", "", {"title": 12345678901, "min_experts": "two"}, "min_experts"),
        ("post", "", {"contact_email": "not-an-address"}, "contact_email"),
        ("post", "", {"questions_close_at": "завтра"}, "questions_close_at"),
        ("patch", "{slug}/", {"owner": 1}, "owner"),
        ("patch", "{slug}/", {"disagreement_spread": "0"}, "disagreement_spread"),
        ("put", "{slug}/phases/", {"phases": "one"}, "phases.non_field_errors"),
        ("put", "{slug}/phases/", {"phases": [{"name": "Этап"}]}, None),
        ("put", "{slug}/criteria/", {"criteria": [{"name": "Идея", "weight": 0}]}, "criteria.0.weight"),
        (
            "put",
            "{slug}/indicators/",
            {"indicators": [{"metric": "a", "unit": "b", "baseline": "x", "target": 1}]},
            None,
        ),
        ("post", "{slug}/cancel/", {"reason": "Нет бюджета.", "force": True}, "force"),
        ("post", "{slug}/submit-for-review/", {"now": True}, "now"),
    ],
)
def test_bad_input_is_a_400_never_a_500(api_client_for, agency, draft, method, path, payload, field):
    data = {**_new_challenge(agency), **payload} if path == "" else payload
    before = challenges_state()
    response = send(api_client_for("agency_admin"), method, f"{CHALLENGES}{path.format(slug=draft.slug)}", data)
    body = error(response, 400)
    assert body["code"] == "invalid"
    if field is not None:
        assert field in body["fields"], body
    else:
        assert body["fields"] and all("." in name for name in body["fields"]), body
    assert all(isinstance(message, str) for messages in body["fields"].values() for message in messages)
    assert challenges_state() == before


def test_nested_errors_name_the_row_and_the_field(api_client_for, draft):
    rows = _phase_rows()
    del rows[1]["closes_at"]
    rows[0]["advance_cap"] = 0
    body = error(
        send(api_client_for("agency_admin"), "put", f"{CHALLENGES}{draft.slug}/phases/", {"phases": rows}), 400
    )
    assert sorted(body["fields"]) == ["phases.0.advance_cap", "phases.1.closes_at"]


# --- the whole path through the API -------------------------------------------------------


def test_from_draft_to_published_results_through_the_api(api_client_for, people, agency, supplier, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    start = timezone.now()
    owner, operator, supplier_client = (
        api_client_for("agency_admin"),
        api_client_for("operator"),
        api_client_for("supplier_admin"),
    )
    slug = send(owner, "post", CHALLENGES, _new_challenge(agency)).json()["slug"]
    one_phase = _phase_rows(start)[:1]
    assert send(owner, "put", f"{CHALLENGES}{slug}/phases/", {"phases": one_phase}).status_code == 200
    assert send(owner, "put", f"{CHALLENGES}{slug}/criteria/", LISTS["criteria"]()).status_code == 200
    assert _action(owner, slug, "submit-for-review").json()["status"] == "in_review"
    assert slugs(operator.get(f"{CHALLENGES}review/")) == [slug]
    assert _action(operator, slug, "publish").json()["status"] == "published"
    experts = [people["expert"], UserFactory(is_expert=True)]

    with time_machine.travel(start + timedelta(days=2)):
        question = send(supplier_client, "post", f"{CHALLENGES}{slug}/questions/", ASK).json()
        send(owner, "post", f"{CHALLENGES}{slug}/questions/{question['id']}/answer/", {"answer": "Да."})
        submitted = supplier_client.post(
            _submit_url(slug), {"supplier": supplier.pk, **sections(budget="450000"), "attachments": [pdf()]}
        )
        assert submitted.status_code == 201, submitted.content
    submission_id = submitted.json()["id"]

    with time_machine.travel(start + timedelta(days=10, minutes=1)):
        assert send(operator, "post", _panel_url(slug, "assign-experts/"), {}).json() == {"added": 2}
        for expert in experts:
            client = api_client_for("anonymous")
            client.force_authenticate(expert)
            [assignment] = client.get(f"{CHALLENGES}assignments/").json()["results"]
            url = f"{CHALLENGES}assignments/{assignment['id']}/"
            assert send(client, "post", f"{url}conflict/", {"has_conflict": False}).status_code == 200
            criteria = client.get(url).json()["criteria"]
            scores = {str(c["id"]): {"value": 9, "comment": "Убедительно"} for c in criteria}
            assert send(client, "put", f"{url}scores/", {"scores": scores, "complete": True}).status_code == 200
        assert send(operator, "post", _panel_url(slug, "close-panel/"), {}).status_code == 200
        assert _action(owner, slug, "start-evaluation").json()["status"] == "evaluation"
        [row] = owner.get(_panel_url(slug, "ranking/")).json()
        assert (row["submission"]["id"], row["mean"]) == (submission_id, "90.00")
        decision = {"advance": True, "rationale": "Лучшее решение."}
        assert send(owner, "post", f"{CHALLENGES}submissions/{submission_id}/decision/", decision).status_code == 200
        assert Submission.objects.get(pk=submission_id).initiative is None
        assert send(owner, "post", f"{CHALLENGES}{slug}/phases/1/publish-results/", {}).status_code == 200

    detail = api_client_for("anonymous").get(f"{CHALLENGES}{slug}/").json()
    assert detail["status"] == "decided"
    assert [q["answer"] for q in detail["questions"]] == ["Да."]
    assert detail["results"][0]["advanced"][0]["supplier"] == supplier.name
    assert Submission.objects.get(pk=submission_id).initiative.stage == Stage.PROTOTYPE
    assert Decimal(detail["results"][0]["summary"]["highest"]) == Decimal("90")
