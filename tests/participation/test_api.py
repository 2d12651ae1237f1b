"""The participation API: public reads (filters, sorts, pages, bounded queries, hidden content
reduced to a notice), a role matrix for every write (status, error code, and nothing changed when
refused), bad input answered with field errors and never a 500, and the rules of the issue: a
rejection needs a reason, a merge moves votes without counting anyone twice, one vote per person."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from govtech.core.models import AuditEvent
from govtech.core.stemming import stem_string
from govtech.funnel.models import Initiative
from govtech.participation import services
from govtech.participation.models import (
    Call,
    Comment,
    District,
    DistrictKind,
    Idea,
    IdeaFile,
    IdeaStatus,
    Milestone,
    Moderation,
    Participant,
    PointsEntry,
    Report,
    StatusChange,
    Story,
    StoryTemplate,
    Vote,
)
from tests.factories import AgencyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "supplier_admin", "agency_admin", "expert", "operator"]
CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}
IDEAS = "/api/v1/ideas/"
TINY_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def matrix(**codes: int) -> list[tuple[str, int]]:
    """(role, expected status) for every role; ``others`` is the status of roles not named."""
    others = codes.pop("others", None)
    return [(role, codes.get(role, others)) for role in ROLES]


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["status"] == status
    return body


def state() -> dict:
    """Everything a participation write could change."""
    return {
        "ideas": list(
            Idea.objects.order_by("pk").values_list(
                "pk",
                "title",
                "status",
                "vote_count",
                "comment_count",
                "report_count",
                "hidden_at",
                "agency_id",
                "progress",
                "merged_into_id",
                "initiative_id",
            )
        ),
        "votes": sorted(Vote.objects.values_list("idea_id", "user_id")),
        "comments": list(Comment.objects.order_by("pk").values_list("pk", "text", "hidden_at", "edited_at")),
        "reports": list(Report.objects.order_by("pk").values_list("pk", "resolved_at")),
        "changes": StatusChange.objects.count(),
        "milestones": list(Milestone.objects.order_by("pk").values_list("pk", "title", "done_on")),
        "calls": list(Call.objects.order_by("pk").values_list("pk", "title", "closes_at", "support_threshold")),
        "stories": Story.objects.count(),
        "participants": list(Participant.objects.values_list("user_id", "on_leaderboard")),
        "points": PointsEntry.objects.count(),
        "initiatives": Initiative.objects.count(),
        "files": IdeaFile.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def refused(response, expected: int, before: dict, code: str | None = None) -> None:
    """The refusal answers in the error format with its code, and changed nothing."""
    assert error(response, expected)["code"] == (code or CODES[expected])
    assert state() == before


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def send(client, method: str, url: str, data=None):
    return getattr(client, method)(url, data, format="json")


def make_idea(author=None, *, days_ago: float = 1, **fields) -> Idea:
    """A published idea (no service: the tests set counters and dates directly)."""
    fields.setdefault("title", "Велодорожка вдоль набережной")
    fields.setdefault("text", "Проложить велодорожку вдоль всей набережной.")
    fields.setdefault("topic", "transport")
    fields.setdefault("status", IdeaStatus.PUBLISHED)
    published = timezone.now() - timedelta(days=days_ago)
    if fields["status"] != IdeaStatus.SUBMITTED:
        fields.setdefault("published_at", published)
        fields.setdefault("answer_due_at", published + timedelta(days=30))
    return Idea.objects.create(
        author=author or UserFactory(),
        search_stems=stem_string(f"{fields['title']} {fields['text']}"),
        **fields,
    )


def pdf(name: str = "plan.pdf", content: bytes = TINY_PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def districts() -> dict:
    center = District.objects.create(name="Центральный", slug="cao", kind=DistrictKind.OKRUG)
    north = District.objects.create(name="Северный", slug="sao", kind=DistrictKind.OKRUG)
    return {
        "cao": center,
        "sao": north,
        "arbat": District.objects.create(name="Арбат", slug="arbat", kind=DistrictKind.DISTRICT, parent=center),
        "tverskoy": District.objects.create(
            name="Тверской", slug="tverskoy", kind=DistrictKind.DISTRICT, parent=center
        ),
        "airport": District.objects.create(name="Аэропорт", slug="airport", kind=DistrictKind.DISTRICT, parent=north),
    }


@pytest.fixture
def author(db):
    return UserFactory(full_name="Ирина Автор")


@pytest.fixture
def idea(author, agency):
    """Published a day ago, answered by the ``agency`` fixture."""
    return make_idea(author, agency=agency, title="Больше электробусов на Садовом кольце", text="Пустить электробус.")


@pytest.fixture
def call(agency):
    now = timezone.now()
    return Call.objects.create(
        agency=agency,
        title="Как сделать дворы удобнее",
        slug="dvory",
        question="Что изменить во дворах?",
        topic="housing",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        moderation=Moderation.PRE,
    )


@pytest.fixture
def waiting(author, call, agency):
    """An idea in the pre-moderated call, waiting for a moderator."""
    return make_idea(author, call=call, agency=agency, status=IdeaStatus.SUBMITTED, title="Скамейки во дворе")


@pytest.fixture
def template(db):
    return StoryTemplate.objects.create(
        key="preschool",
        title="Детский сад",
        topic="education",
        tags=["очередь", "питание", "прогулки"],
        involved=["воспитатель", "директор"],
        outcomes=["решено", "не решено"],
    )


# --- public reads ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_public_ideas_but_a_waiting_one_is_its_authors(api_client_for, role, idea, waiting):
    client = api_client_for(role)
    expected = {"operator": [waiting.pk, idea.pk]}.get(role, [idea.pk])
    assert sorted(ids(client.get(IDEAS)), reverse=True) == sorted(expected, reverse=True)
    assert client.get(f"{IDEAS}{idea.pk}/").json()["title"] == idea.title
    # The call's agency moderates it and the operator sees everything; for others it does not exist.
    waiting_status = 200 if role in ("agency_admin", "operator") else 404
    assert client.get(f"{IDEAS}{waiting.pk}/").status_code == waiting_status


def test_the_author_reads_an_idea_waiting_for_moderation(idea, waiting, author):
    client = APIClient()
    client.force_authenticate(author)
    assert waiting.pk in ids(client.get(IDEAS))
    assert client.get(f"{IDEAS}{waiting.pk}/").json()["status"] == "submitted"


def test_the_list_filters(api_client_for, districts, agency, call):
    other_agency = AgencyFactory(slug="health")
    arbat = make_idea(district=districts["arbat"], agency=agency, title="Фонтан на Арбате", text="Вернуть фонтан.")
    airport = make_idea(
        district=districts["airport"], agency=other_agency, topic="environment", title="Сквер у метро", text="Сквер."
    )
    in_call = make_idea(call=call, agency=agency, topic="housing", title="Электробусы во дворах", text="Тихо.")
    rejected = make_idea(status=IdeaStatus.REJECTED, title="Канатная дорога", text="Через реку.")
    client = api_client_for("anonymous")

    def found(**params):
        return sorted(ids(client.get(IDEAS, params)))

    assert found(status="rejected") == [rejected.pk]
    assert found(topic="environment") == [airport.pk]
    assert found(district=districts["arbat"].pk) == [arbat.pk]
    assert found(district=districts["cao"].pk) == [arbat.pk]  # an area includes its districts
    assert found(call="dvory") == found(call=str(call.pk)) == [in_call.pk]
    assert found(agency="health") == found(agency=str(other_agency.pk)) == [airport.pk]
    assert found(q="электробус") == [in_call.pk]  # «электробусы» in the title, another form
    assert found(q="электробусы", topic="transport") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "approved"}, "status"),
        ({"topic": "space"}, "topic"),
        ({"sort": "random"}, "sort"),
        ({"district": "Арбат"}, "district"),
        ({"district": "٣"}, "district"),  # Arabic-Indic three: a digit to int(), not an id
        ({"district": str(10**30)}, "district"),
        ({"district": "-1"}, "district"),
        ({"call": "no-such-call"}, "call"),
        ({"call": str(10**30)}, "call"),
        ({"agency": "no-such-agency"}, "agency"),
        ({"agency": "٣"}, "agency"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(api_client_for, idea, params, field):
    body = error(api_client_for("anonymous").get(IDEAS, params), 400)
    assert (body["code"], list(body["fields"])) == ("invalid", [field])


def test_a_supplier_is_not_an_agency_to_filter_by(api_client_for, idea, supplier):
    assert list(error(api_client_for("anonymous").get(IDEAS, {"agency": supplier.slug}), 400)["fields"]) == ["agency"]


def test_the_sorts(api_client_for):
    now = timezone.now()
    old_popular = make_idea(days_ago=60, vote_count=30, title="Старая популярная идея")
    new_rising = make_idea(days_ago=1, vote_count=5, title="Новая набирает голоса")
    newest = make_idea(days_ago=0.1, vote_count=0, title="Совсем новая идея")
    ancient = make_idea(days_ago=200, vote_count=100, title="Очень давняя идея")
    old_popular.last_answered_at = now - timedelta(days=2)
    ancient.last_answered_at = now - timedelta(hours=1)
    Idea.objects.bulk_update([old_popular, ancient], ["last_answered_at"])
    client = api_client_for("anonymous")

    def order(sort):
        return ids(client.get(IDEAS, {"sort": sort}))

    assert order("newest") == ids(client.get(IDEAS)) == [newest.pk, new_rising.pk, old_popular.pk, ancient.pk]
    assert order("supported") == [ancient.pk, old_popular.pk, new_rising.pk, newest.pk]
    # Recent support outweighs old support; ideas older than 90 days are not trending.
    assert order("trending") == [new_rising.pk, old_popular.pk, newest.pk]
    assert order("answered") == [ancient.pk, old_popular.pk]


def test_the_list_is_paginated(api_client_for):
    for _ in range(23):
        make_idea()
    first = api_client_for("anonymous").get(IDEAS).json()
    assert (first["count"], len(first["results"])) == (23, 20)
    assert first["next"].endswith(f"{IDEAS}?page=2")
    assert len(api_client_for("anonymous").get(IDEAS, {"page": 2}).json()["results"]) == 3
    assert error(api_client_for("anonymous").get(IDEAS, {"page": 9}), 404)["code"] == "not_found"


def test_voted_marks_the_readers_support(api_client_for, people, idea):
    other = make_idea()
    services.vote_add(actor=people["resident"], idea=idea)
    items = {item["id"]: item for item in api_client_for("resident").get(IDEAS).json()["results"]}
    assert (items[idea.pk]["voted"], items[other.pk]["voted"], items[idea.pk]["votes"]) == (True, False, 1)
    assert not any(item["voted"] for item in api_client_for("anonymous").get(IDEAS).json()["results"])
    assert not any(item["voted"] for item in api_client_for("expert").get(IDEAS).json()["results"])
    assert api_client_for("resident").get(f"{IDEAS}{idea.pk}/").json()["voted"] is True


def _ideas(n: int, districts, resident) -> None:
    for index in range(n):
        made = make_idea(
            UserFactory(),
            district=districts["arbat"] if index % 2 else districts["airport"],
            agency=AgencyFactory(),
            call=Call.objects.create(
                agency=AgencyFactory(),
                title=f"Призыв номер {index}",
                slug=f"call-{n}-{index}",
                question="?",
                topic="transport",
                opens_at=timezone.now() - timedelta(days=3),
                closes_at=timezone.now() + timedelta(days=3),
            ),
            vote_count=index,
            last_answered_at=timezone.now(),
            title=f"Идея про электробусы {index}",
        )
        if index % 3 == 0:
            Vote.objects.create(idea=made, user=resident)


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize("role", ["anonymous", "resident", "operator"])
@pytest.mark.parametrize("sort", ["newest", "supported", "trending", "answered"])
def test_the_list_needs_the_same_queries_for_10_or_60_ideas(api_client_for, people, districts, role, sort):
    client = api_client_for(role)
    params = {"page_size": 100, "sort": sort, "q": "электробус"}
    _ideas(10, districts, people["resident"])
    few = _queries(client, IDEAS, params)
    _ideas(50, districts, people["resident"])
    assert client.get(IDEAS, params).json()["count"] == 60
    assert _queries(client, IDEAS, params) == few
    # the count and the page, and for a signed-in reader the one query for the ``voted`` flags
    assert few == (2 if role == "anonymous" else 3)


def test_the_detail_needs_the_same_queries_for_1_or_20_comments(api_client_for, people, idea):
    def add_comments(n):
        for index in range(n):
            Comment.objects.create(idea=idea, author=UserFactory(), text=f"Комментарий {index}")

    client = api_client_for("resident")
    add_comments(1)
    few = _queries(client, f"{IDEAS}{idea.pk}/")
    add_comments(19)
    assert _queries(client, f"{IDEAS}{idea.pk}/") == few


def test_the_detail_tells_the_whole_story(api_client_for, people, agency, author, settings):
    settings.GOVTECH_AUTO_HIDE_REPORTS = 100
    owner, operator = people["agency_admin"], people["operator"]
    idea = make_idea(author, agency=agency, title="Остановка у школы", text="Перенести остановку к школе.")
    twin = make_idea(agency=agency, title="Остановка возле школы", text="Нужна остановка.")
    services.idea_answer(actor=owner, idea=idea, to_status="under_review", message="Изучаем.")
    services.idea_answer(actor=owner, idea=idea, to_status="accepted", message="Сделаем.")
    services.idea_answer(actor=owner, idea=twin, to_status="merged", message="Объединяем.", merged_into=idea)
    services.idea_progress(actor=owner, idea=idea, progress=40)
    services.milestone_add(actor=owner, idea=idea, title="Проект", due_on=timezone.localdate())
    IdeaFile.objects.create(idea=idea, title="схема.png", file="ideas/abc.png", is_image=True)
    first = services.comment_add(actor=people["resident"], idea=idea, text="Отлично!")
    reply = services.comment_add(actor=people["expert"], idea=idea, text="Согласен.", parent=first)
    rude = services.comment_add(actor=people["supplier_admin"], idea=idea, text="Грубость")
    services.content_hide(actor=operator, target=rude, reason="Оскорбления")

    body = api_client_for("anonymous").get(f"{IDEAS}{idea.pk}/").json()
    assert (body["status"], body["progress"], body["text"]) == ("accepted", 40, "Перенести остановку к школе.")
    assert body["author"] == {"id": author.pk, "full_name": "Ирина Автор"}
    assert [(c["from_status"], c["to_status"], c["message"]) for c in body["timeline"]] == [
        ("published", "under_review", "Изучаем."),
        ("under_review", "accepted", "Сделаем."),
    ]
    assert body["timeline"][0]["agency"]["slug"] == agency.slug
    assert [m["title"] for m in body["milestones"]] == ["Проект"]
    initiative = Idea.objects.get(pk=idea.pk).initiative
    assert body["initiative"] == {
        "slug": initiative.slug,
        "url": f"http://testserver{initiative.get_absolute_url()}",
    }
    assert body["files"] == [
        {
            "id": idea.files.get().pk,
            "title": "схема.png",
            # Through the page that checks access, never a media address.
            "url": f"http://testserver/ideas/{idea.pk}/files/{idea.files.get().pk}/",
            "is_image": True,
        }
    ]
    assert [(c["id"], c["parent"], c["depth"], c["text"]) for c in body["comment_thread"]] == [
        (first.pk, None, 0, "Отлично!"),
        (reply.pk, first.pk, 1, "Согласен."),
        (rude.pk, None, 0, None),  # hidden: its place and the reason only
    ]
    hidden = body["comment_thread"][2]
    assert (hidden["is_hidden"], hidden["hidden_reason"], hidden["author"]) == (True, "Оскорбления", None)
    assert body["answer_choices"] == []
    # The moderator reads what was hidden; the agency answering sees where the idea may go next.
    assert api_client_for("operator").get(f"{IDEAS}{idea.pk}/").json()["comment_thread"][2]["text"] == "Грубость"
    assert api_client_for("agency_admin").get(f"{IDEAS}{idea.pk}/").json()["answer_choices"] == ["in_progress"]

    merged = api_client_for("anonymous").get(f"{IDEAS}{twin.pk}/").json()
    assert merged["merged_into"] == {"id": idea.pk, "title": idea.title, "url": f"http://testserver/ideas/{idea.pk}/"}


def test_a_hidden_idea_keeps_its_place_with_the_reason(api_client_for, people, idea):
    services.content_hide(actor=people["operator"], target=idea, reason="Реклама")
    [item] = api_client_for("anonymous").get(IDEAS).json()["results"]
    assert (item["id"], item["title"], item["summary"], item["hidden_reason"]) == (idea.pk, None, None, "Реклама")
    detail = api_client_for("resident").get(f"{IDEAS}{idea.pk}/").json()
    assert (detail["title"], detail["text"], detail["is_hidden"]) == (None, None, True)
    assert api_client_for("operator").get(f"{IDEAS}{idea.pk}/").json()["text"] == idea.text


def test_an_internal_initiative_is_not_linked_for_outsiders(api_client_for, people, idea):
    services.idea_answer(actor=people["agency_admin"], idea=idea, to_status="accepted", message="Берём.")
    Initiative.objects.update(visibility="internal")
    assert api_client_for("anonymous").get(f"{IDEAS}{idea.pk}/").json()["initiative"] is None
    assert api_client_for("agency_admin").get(f"{IDEAS}{idea.pk}/").json()["initiative"] is not None


@pytest.mark.parametrize("path", ["999999/", f"{10**30}/", "٣/", "abc/", "-1/"])
def test_a_missing_idea_is_a_404(api_client_for, idea, path):
    assert error(api_client_for("resident").get(f"{IDEAS}{path}"), 404)["code"] == "not_found"


def test_similar_ideas_find_other_word_forms(api_client_for, idea):
    other = make_idea(title="Велодорожки в парке", text="Сделать велодорожки.")
    client = api_client_for("anonymous")
    found = client.get(f"{IDEAS}similar/", {"text": "электробусы на кольце"}).json()
    assert [(item["id"], item["votes"]) for item in found] == [(idea.pk, 0)]
    assert client.get(f"{IDEAS}similar/", {"text": "электробусы", "exclude": idea.pk}).json() == []
    assert [item["id"] for item in client.get(f"{IDEAS}similar/", {"text": "велодорожка"}).json()] == [other.pk]
    assert client.get(f"{IDEAS}similar/", {"text": ""}).json() == []
    assert list(error(client.get(f"{IDEAS}similar/"), 400)["fields"]) == ["text"]
    assert list(error(client.get(f"{IDEAS}similar/", {"text": "а", "exclude": "x"}), 400)["fields"]) == ["exclude"]


def test_calls_are_public(api_client_for, call, idea, waiting):
    make_idea(call=call, title="Детская площадка во дворе")
    client = api_client_for("anonymous")
    [item] = client.get(f"{IDEAS}calls/").json()["results"]
    assert (item["slug"], item["is_open"], item["idea_count"], item["moderation"]) == ("dvory", True, 1, "pre")
    assert item["agency"]["id"] == call.agency_id
    detail = client.get(f"{IDEAS}calls/dvory/").json()
    assert (detail["title"], detail["url"]) == (call.title, "http://testserver/ideas/calls/dvory/")
    assert error(client.get(f"{IDEAS}calls/no-such-call/"), 404)["code"] == "not_found"


def test_accountability_per_agency_and_per_category(api_client_for, people, agency):
    answered = make_idea(agency=agency, days_ago=4)
    make_idea(agency=agency, topic="health")
    services.idea_answer(actor=people["agency_admin"], idea=answered, to_status="accepted", message="Да.")
    client = api_client_for("anonymous")
    [row] = client.get(f"{IDEAS}accountability/").json()
    assert (row["key"], row["label"], row["received"], row["answered"]) == (str(agency.pk), agency.name, 2, 1)
    assert (row["answered_share"], row["accepted_share"], row["implemented_share"]) == (0.5, 0.5, 0.0)
    assert row["median_days"] == 4.0
    by_topic = {row["key"]: row["received"] for row in client.get(f"{IDEAS}accountability/", {"by": "topic"}).json()}
    assert by_topic == {"transport": 1, "health": 1}
    assert list(error(client.get(f"{IDEAS}accountability/", {"by": "mood"}), 400)["fields"]) == ["by"]


def test_districts_are_a_tree(api_client_for, districts):
    tree = api_client_for("anonymous").get(f"{IDEAS}districts/").json()
    assert [(area["slug"], [d["slug"] for d in area["districts"]]) for area in tree] == [
        ("sao", ["airport"]),
        ("cao", ["arbat", "tverskoy"]),
    ]


def _story(template, author, **fields) -> Story:
    fields = {
        "what_happened": "Долго ждали места в саду.",
        "experience": 2,
        "tags": ["очередь"],
        "involved": ["директор"],
        "outcome": "решено",
        "consent": True,
        **fields,
    }
    return Story.objects.create(template=template, author=author, **fields)


def test_stories_are_public_and_anonymous_ones_name_nobody(api_client_for, people, template, districts):
    named = _story(template, people["resident"], anonymous=False, district=districts["arbat"])
    anonymous = _story(template, people["expert"], anonymous=True)
    _story(template, people["expert"], hidden_at=timezone.now())
    client = api_client_for("anonymous")
    stories = {item["id"]: item for item in client.get(f"{IDEAS}stories/").json()["results"]}
    assert sorted(stories) == sorted([named.pk, anonymous.pk])
    assert stories[named.pk]["author"]["full_name"] == people["resident"].full_name
    assert stories[anonymous.pk]["author"] is None
    assert ids(client.get(f"{IDEAS}stories/", {"district": districts["cao"].pk})) == [named.pk]
    assert list(error(client.get(f"{IDEAS}stories/", {"template": "nope"}), 400)["fields"]) == ["template"]
    templates = client.get(f"{IDEAS}story-templates/").json()
    assert [(t["key"], t["outcomes"]) for t in templates] == [("preschool", ["решено", "не решено"])]


def test_the_story_analysis_takes_the_pages_filters(api_client_for, people, template, districts):
    _story(template, people["resident"], experience=1, district=districts["arbat"], tags=["очередь", "питание"])
    _story(template, people["resident"], experience=5, district=districts["airport"], outcome="не решено")
    client = api_client_for("anonymous")
    body = client.get(f"{IDEAS}stories/analysis/").json()
    assert (body["total"], body["mean_experience"]) == (2, 3.0)
    assert body["experience"] == [{"score": s, "count": int(s in (1, 5))} for s in range(1, 6)]
    assert body["tags"] == [{"value": "очередь", "count": 2}, {"value": "питание", "count": 1}]
    assert body["months"] == [{"name": timezone.now().strftime("%Y-%m"), "count": 2, "mean_experience": 3.0}]
    only_center = client.get(f"{IDEAS}stories/analysis/", {"district": districts["cao"].pk, "template": "preschool"})
    assert only_center.json()["districts"] == [{"name": "Арбат", "count": 1, "mean_experience": 1.0}]
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert client.get(f"{IDEAS}stories/analysis/", {"date_from": future}).json()["total"] == 0
    assert list(error(client.get(f"{IDEAS}stories/analysis/", {"date_from": "вчера"}), 400)["fields"]) == ["date_from"]


# --- proposing an idea ---------------------------------------------------------------------


def _new_idea(**fields) -> dict:
    return {
        "title": "Фонтан у библиотеки",
        "text": "Поставить питьевой фонтан у библиотеки.",
        "topic": "housing",
        **fields,
    }


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, others=201))
def test_submit_matrix(api_client_for, role, expected, districts):
    before = state()
    response = send(api_client_for(role), "post", IDEAS, _new_idea(district=districts["arbat"].pk))
    if expected == 401:
        refused(response, 401, before)
        return
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["district"]["slug"], body["votes"]) == ("published", "arbat", 0)
    assert Idea.objects.get(pk=body["id"]).title == "Фонтан у библиотеки"


def test_an_idea_in_a_pre_moderated_call_waits(api_client_for, call):
    response = send(
        api_client_for("resident"), "post", IDEAS, _new_idea(call="dvory", latitude="55.75", longitude=37.6)
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["call"]["slug"], body["agency"]["id"]) == ("submitted", "dvory", call.agency_id)
    assert (body["latitude"], body["longitude"]) == ("55.75000", "37.60000")
    assert api_client_for("anonymous").get(f"{IDEAS}{body['id']}/").status_code == 404


def test_a_closed_call_refuses_ideas(api_client_for, call):
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    before = state()
    refused(send(api_client_for("resident"), "post", IDEAS, _new_idea(call="dvory")), 409, before, "call_closed")


def test_a_multipart_idea_carries_files(api_client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = api_client_for("resident").post(IDEAS, {**_new_idea(), "files": [pdf("plan.pdf"), pdf("map.pdf")]})
    assert response.status_code == 201, response.content
    files = response.json()["files"]
    assert sorted(f["title"] for f in files) == ["map.pdf", "plan.pdf"]
    assert all(f["url"] == f"http://testserver/ideas/{response.json()['id']}/files/{f['id']}/" for f in files)


def test_a_file_that_is_not_what_its_name_says_is_refused(api_client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    before = state()
    response = api_client_for("resident").post(IDEAS, {**_new_idea(), "files": [pdf("plan.pdf", b"MZ not a pdf")]})
    assert list(error(response, 400)["fields"]) == ["files"]
    assert state() == before


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"title": None}, ["title"]),
        ({"title": ["Фонтан"]}, ["title"]),
        ({"text": {"a": 1}}, ["text"]),
        ({"topic": "space"}, ["topic"]),
        ({"district": "Арбат"}, ["district"]),
        ({"district": 999999}, ["district"]),
        ({"district": 10**30}, ["district"]),
        ({"district": "٣"}, ["district"]),
        ({"district": True}, ["district"]),
        ({"call": "no-such-call"}, ["call"]),
        ({"latitude": "north"}, ["latitude"]),
        ({"latitude": 91, "longitude": 37}, ["latitude"]),
        ({"latitude": 55.7}, ["latitude"]),  # both coordinates or none
        ({"status": "accepted"}, ["status"]),
        ({"vote_count": 1000}, ["vote_count"]),
        ({"files": ["not a file"]}, ["files.0"]),
        ({"title": "Мало"}, ["title"]),  # five letters at least
    ],
)
def test_a_bad_idea_is_a_400_naming_the_fields(api_client_for, districts, payload, fields):
    before = state()
    body = error(send(api_client_for("resident"), "post", IDEAS, _new_idea(**payload)), 400)
    assert sorted(body["fields"]) == fields
    assert state() == before


@pytest.mark.parametrize("body", ["[]", '"idea"', "42", "null", "{not json"])
def test_a_body_that_is_not_an_object_is_a_400(api_client_for, body):
    response = api_client_for("resident").generic("POST", IDEAS, body, content_type="application/json")
    assert error(response, 400)["code"] == "invalid"


def test_the_same_idea_twice_is_a_conflict(api_client_for):
    client = api_client_for("resident")
    assert send(client, "post", IDEAS, _new_idea()).status_code == 201
    before = state()
    refused(send(client, "post", IDEAS, _new_idea()), 409, before, "duplicate")


def test_too_many_ideas_an_hour_are_refused(api_client_for, settings):
    settings.GOVTECH_IDEAS_PER_HOUR = 2
    client = api_client_for("resident")
    for number in range(2):
        assert send(client, "post", IDEAS, _new_idea(title=f"Идея номер {number}", text=f"Текст {number}")).status_code
    before = state()
    response = send(client, "post", IDEAS, _new_idea(title="Третья идея", text="Ещё одна"))
    refused(response, 400, before, "rate_limited")


# --- votes --------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, others=201))
def test_vote_matrix(api_client_for, role, expected, idea):
    before = state()
    response = api_client_for(role).post(f"{IDEAS}{idea.pk}/vote/")
    if expected == 401:
        refused(response, 401, before)
        return
    assert response.status_code == 201, response.content
    assert response.json() == {"votes": 1, "voted": True}
    assert Vote.objects.filter(idea=idea).count() == 1


def test_vote_and_withdraw_with_a_token(client, people, idea):
    """The benchmark's path: token auth, POST to vote, DELETE to withdraw, a small answer."""
    token = Token.objects.create(user=people["resident"])
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    url = f"{IDEAS}{idea.pk}/vote/"
    assert client.post(url, **auth).json() == {"votes": 1, "voted": True}
    assert error(client.post(url, **auth), 409)["code"] == "already_voted"
    assert client.delete(url, **auth).json() == {"votes": 0, "voted": False}
    assert error(client.delete(url, **auth), 409)["code"] == "not_voted"
    assert (Idea.objects.get(pk=idea.pk).vote_count, Vote.objects.count()) == (0, 0)


def test_voting_twice_is_a_conflict_and_changes_nothing(api_client_for, idea):
    client = api_client_for("resident")
    client.post(f"{IDEAS}{idea.pk}/vote/")
    before = state()
    refused(client.post(f"{IDEAS}{idea.pk}/vote/"), 409, before, "already_voted")


def test_withdrawing_a_vote_never_given_is_a_conflict(api_client_for, people, idea):
    services.vote_add(actor=people["expert"], idea=idea)
    before = state()
    refused(api_client_for("resident").delete(f"{IDEAS}{idea.pk}/vote/"), 409, before, "not_voted")
    assert api_client_for("anonymous").delete(f"{IDEAS}{idea.pk}/vote/").status_code == 401


def test_votes_are_counted_per_person(api_client_for, people, idea):
    for role in ("resident", "expert", "operator"):
        api_client_for(role).post(f"{IDEAS}{idea.pk}/vote/")
    assert api_client_for("expert").delete(f"{IDEAS}{idea.pk}/vote/").json() == {"votes": 2, "voted": False}
    assert api_client_for("anonymous").get(f"{IDEAS}{idea.pk}/").json()["votes"] == 2


def test_a_rejected_idea_takes_no_votes(api_client_for):
    rejected = make_idea(status=IdeaStatus.REJECTED)
    before = state()
    refused(api_client_for("resident").post(f"{IDEAS}{rejected.pk}/vote/"), 409, before, "not_votable")


@pytest.mark.parametrize("path", ["999999/vote/", f"{10**30}/vote/", "٣/vote/"])
def test_voting_for_a_missing_idea_is_a_404(api_client_for, idea, path):
    before = state()
    refused(api_client_for("resident").post(f"{IDEAS}{path}"), 404, before)


def test_voting_for_an_idea_waiting_for_moderation_is_a_404(api_client_for, waiting):
    before = state()
    refused(api_client_for("resident").post(f"{IDEAS}{waiting.pk}/vote/"), 404, before)


def test_a_vote_takes_no_fields(api_client_for, idea):
    before = state()
    body = error(send(api_client_for("resident"), "post", f"{IDEAS}{idea.pk}/vote/", {"weight": 10}), 400)
    assert list(body["fields"]) == ["weight"]
    assert state() == before


# --- comments and reports -------------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, others=201))
def test_comment_matrix(api_client_for, role, expected, idea):
    before = state()
    response = send(api_client_for(role), "post", f"{IDEAS}{idea.pk}/comments/", {"text": "Поддерживаю идею"})
    if expected == 401:
        refused(response, 401, before)
        return
    assert response.status_code == 201, response.content
    assert (response.json()["text"], response.json()["depth"]) == ("Поддерживаю идею", 0)
    assert Idea.objects.get(pk=idea.pk).comment_count == 1


def test_a_reply_sits_under_its_comment(api_client_for, idea):
    client = api_client_for("resident")
    first = send(client, "post", f"{IDEAS}{idea.pk}/comments/", {"text": "Первый"}).json()
    reply = send(client, "post", f"{IDEAS}{idea.pk}/comments/", {"text": "Ответ", "parent": first["id"]}).json()
    assert (reply["parent"], reply["depth"]) == (first["id"], 1)
    thread = api_client_for("anonymous").get(f"{IDEAS}{idea.pk}/comments/").json()
    assert [c["id"] for c in thread] == [first["id"], reply["id"]]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": None}, "text"),
        ({"text": "x" * 3001}, "text"),
        ({"text": "Ответ", "parent": "первый"}, "parent"),
        ({"text": "Ответ", "parent": 10**30}, "parent"),
        ({"text": "Ответ", "parent": 999999}, "parent"),
        ({"text": "Ответ", "author": 1}, "author"),
    ],
)
def test_a_bad_comment_is_a_400(api_client_for, idea, payload, field):
    before = state()
    body = error(send(api_client_for("resident"), "post", f"{IDEAS}{idea.pk}/comments/", payload), 400)
    assert list(body["fields"]) == [field]
    assert state() == before


def test_a_reply_to_a_comment_on_another_idea_is_refused(api_client_for, people, idea):
    elsewhere = services.comment_add(actor=people["expert"], idea=make_idea(), text="В другом месте")
    before = state()
    response = send(
        api_client_for("resident"), "post", f"{IDEAS}{idea.pk}/comments/", {"text": "Ответ", "parent": elsewhere.pk}
    )
    assert list(error(response, 400)["fields"]) == ["parent"]
    assert state() == before


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, resident=200, others=403))
def test_edit_comment_matrix(api_client_for, people, role, expected, idea):
    comment = services.comment_add(actor=people["resident"], idea=idea, text="Черновик мысли")
    before = state()
    response = send(api_client_for(role), "patch", f"{IDEAS}{idea.pk}/comments/{comment.pk}/", {"text": "Мысль"})
    if expected != 200:
        refused(response, expected, before)
        return
    assert (response.json()["text"], Comment.objects.get(pk=comment.pk).text) == ("Мысль", "Мысль")
    assert response.json()["edited_at"] is not None


def test_a_comment_is_editable_only_for_a_short_while(api_client_for, people, idea, settings):
    comment = services.comment_add(actor=people["resident"], idea=idea, text="Черновик мысли")
    later = timezone.now() + timedelta(minutes=settings.GOVTECH_COMMENT_EDIT_MINUTES + 1)
    before = state()
    with time_machine.travel(later):
        response = send(
            api_client_for("resident"), "patch", f"{IDEAS}{idea.pk}/comments/{comment.pk}/", {"text": "Мысль"}
        )
    refused(response, 409, before, "edit_window_closed")


def test_a_comment_of_another_idea_is_a_404(api_client_for, people, idea):
    elsewhere = services.comment_add(actor=people["resident"], idea=make_idea(), text="В другом месте")
    before = state()
    url = f"{IDEAS}{idea.pk}/comments/{elsewhere.pk}/"
    refused(send(api_client_for("resident"), "patch", url, {"text": "Мысль"}), 404, before)


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, others=201))
def test_report_matrix(api_client_for, role, expected, idea):
    before = state()
    response = send(api_client_for(role), "post", f"{IDEAS}{idea.pk}/report/", {"reason": "spam", "note": "Реклама"})
    if expected == 401:
        refused(response, 401, before)
        return
    assert response.status_code == 201, response.content
    assert (response.json()["reason"], Idea.objects.get(pk=idea.pk).report_count) == ("spam", 1)


def test_reports_hide_a_comment_after_the_limit(api_client_for, people, idea, settings):
    settings.GOVTECH_AUTO_HIDE_REPORTS = 2
    comment = services.comment_add(actor=people["resident"], idea=idea, text="Спорный комментарий")
    url = f"{IDEAS}{idea.pk}/comments/{comment.pk}/report/"
    for role in ("expert", "supplier_admin"):
        assert send(api_client_for(role), "post", url, {"reason": "abuse"}).status_code == 201
    before = state()
    refused(send(api_client_for("expert"), "post", url, {"reason": "abuse"}), 409, before, "already_reported")
    [shown] = api_client_for("anonymous").get(f"{IDEAS}{idea.pk}/comments/").json()
    assert (shown["is_hidden"], shown["text"]) == (True, None)
    assert list(error(send(api_client_for("operator"), "post", url, {"reason": "boring"}), 400)["fields"]) == ["reason"]


# --- the official answer ----------------------------------------------------------------------


def _answer(client, idea, **payload):
    return send(client, "post", f"{IDEAS}{idea.pk}/answer/", {"message": "Рассмотрим.", **payload})


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=200, operator=200, others=403))
def test_answer_matrix(api_client_for, role, expected, idea, author, django_capture_on_commit_callbacks, run_worker):
    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        response = _answer(api_client_for(role), idea, to_status="under_review")
    if expected != 200:
        refused(response, expected, before)
        return
    run_worker()
    body = response.json()
    assert (body["status"], body["timeline"][-1]["message"]) == ("under_review", "Рассмотрим.")
    assert author.notifications.filter(kind="participation.status_changed").exists()


def test_another_agency_cannot_answer(api_client_for, idea):
    outsider = UserFactory()
    MembershipFactory(user=outsider, organization=AgencyFactory())
    client = APIClient()
    client.force_authenticate(outsider)
    before = state()
    refused(_answer(client, idea, to_status="accepted"), 403, before)


def test_a_rejection_without_a_reason_is_refused(api_client_for, idea):
    client = api_client_for("agency_admin")
    before = state()
    for reason in ("", "   "):
        response = _answer(client, idea, to_status="rejected", reason=reason)
        refused(response, 400, before, "reason_required")
        assert list(response.json()["error"]["fields"]) == ["reason"]
    refused(_answer(client, idea, to_status="rejected"), 400, before, "reason_required")
    body = _answer(client, idea, to_status="rejected", reason="Нет бюджета").json()
    assert (body["status"], body["timeline"][-1]["reason"]) == ("rejected", "Нет бюджета")


def test_an_illegal_answer_is_refused(api_client_for, idea):
    before = state()
    refused(_answer(api_client_for("agency_admin"), idea, to_status="implemented"), 400, before, "illegal_status")
    refused(_answer(api_client_for("agency_admin"), idea, to_status="accepted", message=""), 400, before, "invalid")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"to_status": "done"}, "to_status"),
        ({"to_status": ["accepted"]}, "to_status"),
        ({"to_status": "merged", "merged_into": "другая"}, "merged_into"),
        ({"to_status": "merged", "merged_into": 10**30}, "merged_into"),
        ({"to_status": "merged", "merged_into": "٣"}, "merged_into"),
        ({"to_status": "merged", "merged_into": 999999}, "merged_into"),
        ({"to_status": "merged"}, "merged_into"),
        ({"to_status": "accepted", "agency": 1}, "agency"),
    ],
)
def test_a_bad_answer_is_a_400(api_client_for, idea, payload, field):
    before = state()
    body = error(_answer(api_client_for("agency_admin"), idea, **payload), 400)
    assert list(body["fields"]) == [field]
    assert state() == before


def test_merge_into_an_idea_the_agency_cannot_see_is_refused(api_client_for, idea):
    hidden_from_agency = make_idea(status=IdeaStatus.SUBMITTED)
    before = state()
    response = _answer(api_client_for("agency_admin"), idea, to_status="merged", merged_into=hidden_from_agency.pk)
    assert list(error(response, 400)["fields"]) == ["merged_into"]
    assert state() == before


def test_a_merge_moves_votes_without_counting_anyone_twice(api_client_for, people, agency, idea):
    twin = make_idea(agency=agency, title="Электробусы вместо автобусов", text="Заменить автобусы.")
    for role in ("resident", "expert"):
        assert api_client_for(role).post(f"{IDEAS}{idea.pk}/vote/").status_code == 201
    for role in ("resident", "supplier_admin", "operator"):
        assert api_client_for(role).post(f"{IDEAS}{twin.pk}/vote/").status_code == 201

    response = _answer(api_client_for("agency_admin"), twin, to_status="merged", merged_into=idea.pk)
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["merged_into"]["id"]) == ("merged", idea.pk)
    survivor = api_client_for("anonymous").get(f"{IDEAS}{idea.pk}/").json()
    assert (survivor["votes"], response.json()["votes"]) == (4, 0)  # the resident supported both: once
    assert sorted(Vote.objects.filter(idea=idea).values_list("user_id", flat=True)) == sorted(
        people[role].pk for role in ("resident", "expert", "supplier_admin", "operator")
    )
    # The resident's vote is on the survivor now: withdrawing works once, then there is nothing.
    assert api_client_for("resident").delete(f"{IDEAS}{idea.pk}/vote/").json() == {"votes": 3, "voted": False}
    assert error(api_client_for("resident").delete(f"{IDEAS}{twin.pk}/vote/"), 409)["code"] == "not_voted"
    assert error(api_client_for("expert").post(f"{IDEAS}{twin.pk}/vote/"), 409)["code"] == "not_votable"


def test_accepting_puts_the_idea_into_the_funnel(api_client_for, idea):
    body = _answer(api_client_for("agency_admin"), idea, to_status="accepted", message="Делаем.").json()
    initiative = Initiative.objects.get()
    assert body["initiative"]["slug"] == initiative.slug
    assert initiative.origin_id == str(idea.pk)


def test_accepting_needs_an_agency(api_client_for):
    orphan = make_idea()
    before = state()
    refused(_answer(api_client_for("operator"), orphan, to_status="accepted"), 400, before, "no_agency")


@pytest.fixture
def accepted(idea, people):
    services.idea_answer(actor=people["agency_admin"], idea=idea, to_status="accepted", message="Берём.")
    return Idea.objects.get(pk=idea.pk)


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=200, operator=200, others=403))
def test_progress_matrix(api_client_for, role, expected, accepted):
    before = state()
    response = send(api_client_for(role), "post", f"{IDEAS}{accepted.pk}/progress/", {"progress": 60})
    if expected != 200:
        refused(response, expected, before)
        return
    assert (response.json()["progress"], Idea.objects.get(pk=accepted.pk).progress) == (60, 60)


@pytest.mark.parametrize("progress", [101, -1, "много", 10**30, "٣", None, 12.5])
def test_bad_progress_is_a_400(api_client_for, accepted, progress):
    before = state()
    response = send(api_client_for("agency_admin"), "post", f"{IDEAS}{accepted.pk}/progress/", {"progress": progress})
    assert list(error(response, 400)["fields"]) == ["progress"]
    assert state() == before


def test_progress_is_for_accepted_ideas(api_client_for, idea):
    before = state()
    response = send(api_client_for("agency_admin"), "post", f"{IDEAS}{idea.pk}/progress/", {"progress": 10})
    refused(response, 409, before, "wrong_status")


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=201, operator=201, others=403))
def test_milestone_matrix(api_client_for, role, expected, accepted):
    before = state()
    url = f"{IDEAS}{accepted.pk}/milestones/"
    response = send(api_client_for(role), "post", url, {"title": "Проект готов", "due_on": "2030-01-31"})
    if expected != 201:
        refused(response, expected, before)
        return
    milestone = response.json()
    assert (milestone["title"], milestone["due_on"], milestone["done_on"]) == ("Проект готов", "2030-01-31", None)
    done = send(api_client_for(role), "post", f"{url}{milestone['id']}/done/", {"done_on": "2030-01-15"})
    assert done.json()["done_on"] == "2030-01-15"
    assert api_client_for("anonymous").get(f"{IDEAS}{accepted.pk}/").json()["milestones"][0]["done_on"] == "2030-01-15"


def test_marking_a_milestone_done_is_the_agencys(api_client_for, people, accepted):
    milestone = services.milestone_add(actor=people["agency_admin"], idea=accepted, title="Проект")
    before = state()
    url = f"{IDEAS}{accepted.pk}/milestones/{milestone.pk}/done/"
    refused(send(api_client_for("resident"), "post", url, {}), 403, before)
    refused(send(api_client_for("agency_admin"), "post", url, {"done_on": "вчера"}), 400, before, "invalid")
    refused(send(api_client_for("agency_admin"), "post", f"{IDEAS}{accepted.pk}/milestones/999999/done/"), 404, before)


# --- the operator and moderators ----------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, operator=200, others=403))
def test_assign_matrix(api_client_for, role, expected):
    orphan = make_idea()
    department = AgencyFactory()
    before = state()
    response = send(api_client_for(role), "post", f"{IDEAS}{orphan.pk}/assign/", {"agency": department.pk})
    if expected != 200:
        refused(response, expected, before)
        return
    assert response.json()["agency"]["id"] == department.pk


@pytest.mark.parametrize("agency_value", ["health", 999999, 10**30, "٣", None])
def test_assigning_needs_a_real_agency(api_client_for, agency_value):
    orphan = make_idea()
    before = state()
    response = send(api_client_for("operator"), "post", f"{IDEAS}{orphan.pk}/assign/", {"agency": agency_value})
    assert list(error(response, 400)["fields"]) == ["agency"]
    assert state() == before


def test_a_supplier_is_not_an_agency_to_assign(api_client_for, supplier):
    orphan = make_idea()
    before = state()
    response = send(api_client_for("operator"), "post", f"{IDEAS}{orphan.pk}/assign/", {"agency": supplier.pk})
    assert list(error(response, 400)["fields"]) == ["agency"]
    assert state() == before


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=200, operator=200, others=404))
def test_approve_matrix(api_client_for, role, expected, waiting):
    """The call's agency and operators moderate; for the rest the waiting idea does not exist."""
    before = state()
    response = send(api_client_for(role), "post", f"{IDEAS}{waiting.pk}/approve/")
    if expected != 200:
        refused(response, expected, before)
        return
    assert (response.json()["status"], api_client_for("anonymous").get(f"{IDEAS}{waiting.pk}/").status_code) == (
        "published",
        200,
    )


def test_approving_twice_is_a_conflict(api_client_for, idea):
    before = state()
    refused(send(api_client_for("operator"), "post", f"{IDEAS}{idea.pk}/approve/"), 409, before, "wrong_status")


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, operator=200, others=403))
def test_hide_and_restore_matrix(api_client_for, role, expected, idea):
    """An idea outside any call: only operators moderate it."""
    client = api_client_for(role)
    before = state()
    response = send(client, "post", f"{IDEAS}{idea.pk}/hide/", {"reason": "Реклама"})
    if expected != 200:
        refused(response, expected, before)
        return
    assert (response.json()["is_hidden"], response.json()["hidden_reason"]) == (True, "Реклама")
    restored = send(client, "post", f"{IDEAS}{idea.pk}/restore/")
    assert (restored.json()["is_hidden"], restored.json()["title"]) == (False, idea.title)


def test_the_calls_agency_moderates_its_ideas(api_client_for, call, people):
    in_call = make_idea(call=call, agency=call.agency)
    response = send(api_client_for("agency_admin"), "post", f"{IDEAS}{in_call.pk}/hide/", {"reason": "Не по теме"})
    assert response.json()["is_hidden"] is True
    before = state()
    refused(
        send(api_client_for("agency_admin"), "post", f"{IDEAS}{in_call.pk}/hide/", {"reason": "Ещё"}),
        409,
        before,
        "already_hidden",
    )
    refused(send(api_client_for("resident"), "post", f"{IDEAS}{in_call.pk}/restore/"), 403, before)


def test_hiding_needs_a_reason(api_client_for, idea):
    before = state()
    for payload in ({"reason": ""}, {}, {"reason": "x" * 301}, {"reason": "Спам", "silently": True}):
        response = send(api_client_for("operator"), "post", f"{IDEAS}{idea.pk}/hide/", payload)
        assert error(response, 400)["code"] == "invalid"
        assert state() == before


def test_restoring_what_needs_no_review_is_a_conflict(api_client_for, idea):
    before = state()
    refused(send(api_client_for("operator"), "post", f"{IDEAS}{idea.pk}/restore/"), 409, before, "nothing_to_review")


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, operator=200, others=403))
def test_comment_moderation_matrix(api_client_for, people, role, expected, idea):
    comment = services.comment_add(actor=people["resident"], idea=idea, text="Грубый комментарий")
    client = api_client_for(role)
    url = f"{IDEAS}{idea.pk}/comments/{comment.pk}/"
    before = state()
    response = send(client, "post", f"{url}hide/", {"reason": "Грубость"})
    if expected != 200:
        refused(response, expected, before)
        return
    assert (response.json()["is_hidden"], response.json()["text"]) == (True, "Грубый комментарий")
    assert send(client, "post", f"{url}restore/").json()["is_hidden"] is False


# --- calls ----------------------------------------------------------------------------------------


def _new_call(agency, **fields) -> dict:
    now = timezone.now()
    return {
        "agency": agency.pk,
        "title": "Как улучшить остановки",
        "question": "Чего не хватает на остановках?",
        "topic": "transport",
        "opens_at": now.isoformat(),
        "closes_at": (now + timedelta(days=30)).isoformat(),
        "support_threshold": 100,
        **fields,
    }


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=201, operator=201, others=403))
def test_call_create_matrix(api_client_for, role, expected, agency):
    before = state()
    response = send(api_client_for(role), "post", f"{IDEAS}calls/", _new_call(agency))
    if expected != 201:
        refused(response, expected, before)
        return
    body = response.json()
    assert (body["title"], body["agency"]["id"], body["support_threshold"], body["is_open"]) == (
        "Как улучшить остановки",
        agency.pk,
        100,
        True,
    )


def test_an_agency_calls_only_for_itself(api_client_for):
    before = state()
    refused(send(api_client_for("agency_admin"), "post", f"{IDEAS}calls/", _new_call(AgencyFactory())), 403, before)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"topic": "space"}, "topic"),
        ({"moderation": "never"}, "moderation"),
        ({"support_threshold": 0}, "support_threshold"),
        ({"support_threshold": 10**30}, "support_threshold"),
        ({"title": "Коротко"}, "title"),
        ({"agency": "٣"}, "agency"),
        ({"slug": "my-call"}, "slug"),
    ],
)
def test_a_bad_call_is_a_400(api_client_for, agency, payload, field):
    before = state()
    body = error(send(api_client_for("agency_admin"), "post", f"{IDEAS}calls/", {**_new_call(agency), **payload}), 400)
    assert list(body["fields"]) == [field]
    assert state() == before


def test_a_call_closing_before_it_opens_is_refused(api_client_for, agency):
    before = state()
    payload = _new_call(agency, closes_at="2020-01-01T00:00:00Z")
    refused(send(api_client_for("agency_admin"), "post", f"{IDEAS}calls/", payload), 400, before, "invalid")


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=200, operator=200, others=403))
def test_call_update_matrix(api_client_for, role, expected, call):
    before = state()
    response = send(api_client_for(role), "patch", f"{IDEAS}calls/dvory/", {"support_threshold": 50})
    if expected != 200:
        refused(response, expected, before)
        return
    assert (response.json()["support_threshold"], Call.objects.get(pk=call.pk).support_threshold) == (50, 50)


# --- stories and points ---------------------------------------------------------------------------


def _new_story(**fields) -> dict:
    return {
        "template": "preschool",
        "what_happened": "Долго ждали места в детском саду.",
        "experience": 2,
        "outcome": "решено",
        "consent": True,
        "tags": ["очередь"],
        "involved": ["директор"],
        **fields,
    }


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, others=201))
def test_story_matrix(api_client_for, people, role, expected, template):
    before = state()
    response = send(api_client_for(role), "post", f"{IDEAS}stories/", _new_story())
    if expected == 401:
        refused(response, 401, before)
        return
    assert response.status_code == 201, response.content
    assert (response.json()["author"], response.json()["tags"]) == (None, ["очередь"])  # anonymous by default
    named = send(api_client_for(role), "post", f"{IDEAS}stories/", _new_story(anonymous=False, what_happened="Ещё"))
    assert named.json()["author"]["id"] == people[role].pk


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"consent": False}, "consent"),
        ({"consent": "maybe"}, "consent"),
        ({"experience": 6}, "experience"),
        ({"experience": "٣"}, "experience"),
        ({"outcome": "забыли"}, "outcome"),
        ({"tags": ["скука"]}, "tags"),
        ({"tags": "очередь"}, "tags"),
        ({"template": "nope"}, "template"),
        ({"happened_on": "2999-01-01"}, "happened_on"),
        ({"district": 10**30}, "district"),
        ({"rating": 5}, "rating"),
    ],
)
def test_a_bad_story_is_a_400(api_client_for, template, payload, field):
    before = state()
    body = error(send(api_client_for("resident"), "post", f"{IDEAS}stories/", _new_story(**payload)), 400)
    assert list(body["fields"]) == [field]
    assert state() == before


def test_the_leaderboard_shows_those_who_chose_it(api_client_for, people, idea, author):
    services.vote_add(actor=people["resident"], idea=idea)
    PointsEntry.objects.create(user=people["expert"], kind="story_shared", points=12, key="story:1")
    assert api_client_for("anonymous").get(f"{IDEAS}leaderboard/").json() == []
    client = APIClient()
    client.force_authenticate(author)
    assert send(client, "put", f"{IDEAS}leaderboard/me/", {"show": True}).json() == {"on_leaderboard": True}
    send(api_client_for("expert"), "put", f"{IDEAS}leaderboard/me/", {"show": True})
    board = api_client_for("anonymous").get(f"{IDEAS}leaderboard/").json()
    assert [(row["rank"], row["person"]["id"], row["points"], row["badges"]) for row in board] == [
        (1, people["expert"].pk, 12, ["first_steps"]),
        (2, author.pk, 1, []),  # a vote received
    ]
    mine = client.get(f"{IDEAS}points/").json()
    assert (mine["total"], mine["on_leaderboard"], mine["recent"][0]["kind"]) == (1, True, "vote_received")


def test_the_leaderboard_choice_is_the_persons_own(api_client_for):
    before = state()
    refused(send(api_client_for("anonymous"), "put", f"{IDEAS}leaderboard/me/", {"show": True}), 401, before)
    for payload in ({"show": "perhaps"}, {}, {"show": True, "user": 1}):
        assert error(send(api_client_for("resident"), "put", f"{IDEAS}leaderboard/me/", payload), 400)
    assert state() == before
    assert api_client_for("resident").get(f"{IDEAS}points/").json() == {
        "total": 0,
        "badges": [],
        "on_leaderboard": False,
        "recent": [],
    }


# --- personal lists, the agency inbox, the moderation queue ---------------------------------------


@pytest.mark.parametrize("path", ["mine/", "points/", "inbox/", "unassigned/", "moderation/submitted/"])
def test_personal_lists_need_a_signed_in_person(api_client_for, path):
    assert error(api_client_for("anonymous").get(f"{IDEAS}{path}"), 401)["code"] == "not_authenticated"


def test_my_ideas_include_those_waiting(api_client_for, author, idea, waiting):
    make_idea()
    client = APIClient()
    client.force_authenticate(author)
    assert sorted(ids(client.get(f"{IDEAS}mine/"))) == sorted([idea.pk, waiting.pk])
    assert ids(api_client_for("resident").get(f"{IDEAS}mine/")) == []


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, agency_admin=200, operator=200, others=403))
def test_inbox_matrix(api_client_for, role, expected, idea):
    response = api_client_for(role).get(f"{IDEAS}inbox/")
    if expected != 200:
        assert error(response, expected)["code"] == CODES[expected]
        return
    assert ids(response) == [idea.pk]


def test_the_inbox_lists_what_waits_for_a_first_answer_most_overdue_first(api_client_for, people, agency, idea):
    overdue = make_idea(agency=agency, days_ago=40)
    answered = make_idea(agency=agency)
    services.idea_answer(actor=people["agency_admin"], idea=answered, to_status="under_review", message="Смотрим.")
    elsewhere = make_idea(agency=AgencyFactory())
    client = api_client_for("agency_admin")
    body = client.get(f"{IDEAS}inbox/").json()
    assert [item["id"] for item in body["results"]] == [overdue.pk, idea.pk]
    assert [item["is_overdue"] for item in body["results"]] == [True, False]
    assert ids(client.get(f"{IDEAS}inbox/", {"agency": agency.pk})) == [overdue.pk, idea.pk]
    assert error(client.get(f"{IDEAS}inbox/", {"agency": elsewhere.agency_id}), 403)["code"] == "permission_denied"
    assert list(error(client.get(f"{IDEAS}inbox/", {"agency": "٣"}), 400)["fields"]) == ["agency"]
    assert sorted(ids(api_client_for("operator").get(f"{IDEAS}inbox/"))) == sorted([overdue.pk, idea.pk, elsewhere.pk])


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, operator=200, others=403))
def test_unassigned_matrix(api_client_for, role, expected, idea):
    orphan = make_idea()
    response = api_client_for(role).get(f"{IDEAS}unassigned/")
    if expected != 200:
        assert error(response, expected)["code"] == CODES[expected]
        return
    assert ids(response) == [orphan.pk]


@pytest.mark.parametrize(("role", "expected"), matrix(anonymous=401, operator=200, others=403))
def test_moderation_queue_matrix(api_client_for, people, role, expected, idea, waiting):
    comment = services.comment_add(actor=people["resident"], idea=idea, text="Спорно")
    services.report_create(actor=people["expert"], comment=comment, reason="abuse", note="Грубо")
    services.report_create(actor=people["expert"], idea=idea, reason="spam")
    client = api_client_for(role)
    responses = [client.get(f"{IDEAS}moderation/{queue}/") for queue in ("submitted", "ideas", "comments")]
    if expected != 200:
        assert all(error(response, expected)["code"] == CODES[expected] for response in responses)
        return
    submitted, ideas_queue, comments = (response.json()["results"] for response in responses)
    assert [item["id"] for item in submitted] == [waiting.pk]
    assert [(item["id"], item["open_reports"][0]["reason"]) for item in ideas_queue] == [(idea.pk, "spam")]
    assert [(item["id"], item["text"], item["open_reports"][0]["note"]) for item in comments] == [
        (comment.pk, "Спорно", "Грубо")
    ]
