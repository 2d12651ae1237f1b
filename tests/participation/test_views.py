"""Pages of residents' ideas: the list with its filters, sorting and search; voting with and
without htmx; proposing an idea with similar ideas suggested; the idea page with its timeline,
comments, reports, the agency's answer and the moderators' actions; "my ideas" and calls."""

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from govtech.accounts.models import User
from govtech.participation import services
from govtech.participation.models import (
    Call,
    Comment,
    Idea,
    IdeaFile,
    IdeaStatus,
    Milestone,
    Moderation,
    Report,
    StatusChange,
    Vote,
)
from tests.factories import UserFactory
from tests.participation.factories import CallFactory, CommentFactory, DistrictFactory, IdeaFactory, OkrugFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/ideas/"
NEW_URL = "/ideas/new/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


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


def _plain(response) -> str:
    """The page's text without tags and with spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", _text(response)).split())


def _titles(response) -> list[str]:
    return [idea.title for idea in response.context["page_obj"]]


def _idea_data(**overrides) -> dict:
    return {
        "title": "Велодорожка вдоль набережной",
        "text": "Нужна **отдельная** велодорожка вдоль всей набережной.",
        "topic": "transport",
        **overrides,
    }


# --- the list ----------------------------------------------------------------------------


def test_the_list_filters_by_status_category_district_and_call(client, agency):
    okrug = OkrugFactory(name="Центральный")
    tverskoy = DistrictFactory(name="Тверской", parent=okrug)
    arbat = DistrictFactory(name="Арбат", parent=okrug)
    elsewhere = DistrictFactory(name="Митино")
    call = CallFactory(agency=agency)
    IdeaFactory(title="Скамейки на Тверской", district=tverskoy, topic="housing")
    IdeaFactory(title="Фонтан на Арбате", district=arbat, topic="culture", call=call)
    IdeaFactory(title="Парк в Митино", district=elsewhere, topic="environment", status=IdeaStatus.UNDER_REVIEW)

    assert set(_titles(client.get(LIST_URL, {"district": okrug.pk}))) == {"Скамейки на Тверской", "Фонтан на Арбате"}
    assert _titles(client.get(LIST_URL, {"district": arbat.pk})) == ["Фонтан на Арбате"]
    assert _titles(client.get(LIST_URL, {"topic": "environment"})) == ["Парк в Митино"]
    assert _titles(client.get(LIST_URL, {"status": "under_review"})) == ["Парк в Митино"]
    assert _titles(client.get(LIST_URL, {"call": call.slug})) == ["Фонтан на Арбате"]
    # A filter value that is not valid is reported and filters nothing, instead of failing.
    response = client.get(LIST_URL, {"status": "nonsense", "district": "abc"})
    assert response.status_code == 200
    assert len(_titles(response)) == 3


def test_the_list_sorts(client):
    now = timezone.now()
    old_popular = IdeaFactory(title="Старая популярная", vote_count=50, published_at=now - timedelta(days=60))
    new_quiet = IdeaFactory(title="Новая тихая", vote_count=1, published_at=now - timedelta(hours=1))
    recent_rising = IdeaFactory(title="Свежая набирающая", vote_count=20, published_at=now - timedelta(days=1))
    IdeaFactory(
        title="Отвеченная",
        vote_count=0,
        published_at=now - timedelta(days=10),
        first_answered_at=now - timedelta(days=2),
        last_answered_at=now - timedelta(days=2),
        status=IdeaStatus.UNDER_REVIEW,
    )
    assert _titles(client.get(LIST_URL))[:2] == [new_quiet.title, recent_rising.title]
    assert _titles(client.get(LIST_URL, {"sort": "supported"}))[:2] == [old_popular.title, recent_rising.title]
    assert _titles(client.get(LIST_URL, {"sort": "trending"}))[0] == recent_rising.title
    assert _titles(client.get(LIST_URL, {"sort": "answered"})) == ["Отвеченная"]


def test_the_list_searches_word_forms(client):
    IdeaFactory(title="Электробус до метро", text="Пустить электробус от района до станции.")
    IdeaFactory(title="Green buses for the ring road", text="Replace diesel buses.")
    IdeaFactory(title="Скамейки во дворе")
    assert _titles(client.get(LIST_URL, {"q": "электробусы"})) == ["Электробус до метро"]
    assert _titles(client.get(LIST_URL, {"q": "roads"})) == ["Green buses for the ring road"]
    assert _titles(client.get(LIST_URL, {"q": "и в на"})) == []  # only stop words: nothing, not everything


def test_a_card_shows_status_category_district_votes_comments_and_the_answer_state(client):
    district = DistrictFactory(name="Хамовники")
    IdeaFactory(title="Свет в парке", district=district, topic="safety", vote_count=7, comment_count=3)
    now = timezone.now()
    IdeaFactory(
        title="Отвеченная идея",
        status=IdeaStatus.REJECTED,
        first_answered_at=now,
        last_answered_at=now,
    )
    IdeaFactory(title="Просроченная идея", answer_due_at=now - timedelta(days=1))
    body = _text(client.get(LIST_URL))
    for fragment in ["Свет в парке", "Published", "Public safety", "Хамовники", "7 votes", "3 comments", "awaited by"]:
        assert fragment in body, fragment
    assert "Rejected" in body and "answered" in body
    assert "overdue" in body


def test_the_list_marks_the_persons_own_votes(client_for, people):
    supported, other = IdeaFactory(title="Моя поддержка"), IdeaFactory(title="Чужая")
    services.vote_add(actor=people["resident"], idea=supported)
    response = client_for("resident").get(LIST_URL)
    marks = {idea.title: idea.has_voted for idea in response.context["page_obj"]}
    assert marks == {"Моя поддержка": True, "Чужая": False}
    body = _text(response)
    assert f'action="/ideas/{supported.pk}/unvote/"' in body
    assert f'action="/ideas/{other.pk}/vote/"' in body
    assert "Sign in to support" in _text(client_for("anonymous").get(LIST_URL))


def test_a_hidden_idea_keeps_its_place_in_the_list_with_the_reason(client):
    IdeaFactory(title="Реклама казино", hidden_at=timezone.now(), hidden_reason="Реклама")
    body = _text(client.get(LIST_URL))
    assert "Hidden by moderation: Реклама" in body
    assert "Реклама казино" not in body


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["anonymous", "resident", "agency_admin", "operator"])
def test_the_list_needs_the_same_queries_for_10_or_60_ideas(client_for, people, role, agency):
    client = client_for(role)
    okrug = OkrugFactory()
    district = DistrictFactory(parent=okrug)
    call = CallFactory(agency=agency)

    def add(count):
        for number in range(count):
            idea = IdeaFactory(
                title=f"Электробус номер {number}",
                district=district,
                call=call if number % 2 else None,
                vote_count=number,
            )
            if people[role] is not None and number % 3 == 0:
                Vote.objects.create(idea=idea, user=people[role])

    add(10)
    filtered = {"district": okrug.pk, "q": "электробусы", "sort": "trending", "topic": "transport"}
    few, few_filtered = _queries(client, LIST_URL), _queries(client, LIST_URL, filtered)
    add(50)
    assert _queries(client, LIST_URL) == few
    assert _queries(client, LIST_URL, filtered) == few_filtered
    assert _queries(client, f"{call.get_absolute_url()}", {"sort": "supported"}) == _queries(
        client, f"{call.get_absolute_url()}", {"sort": "supported", "page": 2}
    )


def test_htmx_gets_only_the_results(client):
    IdeaFactory(title="Фонари во дворе")
    response = client.get(LIST_URL, {"q": "фонарь"}, HTTP_HX_REQUEST="true")
    body = _text(response)
    assert "Фонари во дворе" in body
    assert "<html" not in body


# --- votes ------------------------------------------------------------------------------


def test_vote_and_unvote_without_javascript(client_for, people):
    idea = IdeaFactory()
    web = client_for("resident")
    response = web.post(f"{idea.get_absolute_url()}vote/", {"next": "/ideas/?sort=supported"})
    assert response.status_code == 302 and response["Location"] == "/ideas/?sort=supported"
    idea.refresh_from_db()
    assert idea.vote_count == 1
    assert Vote.objects.filter(idea=idea, user=people["resident"]).exists()

    # A second vote is refused with a message and counts nothing.
    response = web.post(f"{idea.get_absolute_url()}vote/", follow=True)
    assert "You have already supported this idea." in _text(response)
    idea.refresh_from_db()
    assert idea.vote_count == 1

    response = web.post(f"{idea.get_absolute_url()}unvote/", {"next": "https://evil.example/"})
    assert response["Location"] == idea.get_absolute_url()  # never redirected off the site
    idea.refresh_from_db()
    assert idea.vote_count == 0
    assert not Vote.objects.exists()


def test_vote_and_unvote_with_htmx_swap_the_button_and_count(client_for):
    idea = IdeaFactory(title="Каток во дворе")
    web = client_for("resident")
    response = web.post(f"{idea.get_absolute_url()}vote/", {"next": "/ideas/"}, HTTP_HX_REQUEST="true")
    body = _text(response)
    assert response.status_code == 200
    assert "<html" not in body
    assert f'id="vote-{idea.pk}"' in body
    assert "1 vote" in body and "Withdraw my vote" in body and "You support this idea" in body
    assert 'name="next" value="/ideas/"' in body

    body = _text(web.post(f"{idea.get_absolute_url()}unvote/", HTTP_HX_REQUEST="true"))
    assert "0 votes" in body and ">Support<" in body

    # The refusal comes back inside the fragment.
    body = _text(web.post(f"{idea.get_absolute_url()}unvote/", HTTP_HX_REQUEST="true"))
    assert 'role="alert"' in body and "You have not supported this idea." in body
    idea.refresh_from_db()
    assert idea.vote_count == 0


def test_a_rejected_idea_takes_no_votes(client_for):
    idea = IdeaFactory(status=IdeaStatus.REJECTED)
    body = _text(client_for("resident").get(idea.get_absolute_url()))
    assert f"/ideas/{idea.pk}/vote/" not in body
    client_for("resident").post(f"{idea.get_absolute_url()}vote/")
    assert not Vote.objects.exists()


# --- proposing an idea ----------------------------------------------------------------------


def test_a_resident_proposes_an_idea_with_files(client_for, people):
    district = DistrictFactory(name="Замоскворечье")
    data = _idea_data(
        district=district.pk,
        latitude="55,74",
        longitude="37.62",
        files=[
            SimpleUploadedFile("map.png", PNG, content_type="image/png"),
            SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf"),
        ],
    )
    response = client_for("resident").post(NEW_URL, data)
    idea = Idea.objects.get()
    assert response.status_code == 302 and response["Location"] == idea.get_absolute_url()
    assert (idea.author, idea.status, idea.district, str(idea.latitude)) == (
        people["resident"],
        IdeaStatus.PUBLISHED,
        district,
        "55.74000",
    )
    assert sorted(IdeaFile.objects.values_list("title", "is_image")) == [("map.png", True), ("plan.pdf", False)]

    page = _text(client_for("anonymous").get(idea.get_absolute_url()))
    assert "<strong>отдельная</strong>" in page  # Markdown rendered
    image = idea.files.get(is_image=True)
    assert f'src="/ideas/{idea.pk}/files/{image.pk}/"' in page
    download = client_for("anonymous").get(f"/ideas/{idea.pk}/files/{idea.files.get(is_image=False).pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_a_file_of_the_wrong_kind_is_refused_next_to_the_field(client_for):
    data = _idea_data(files=[SimpleUploadedFile("virus.png", b"MZ\x90\x00not an image", content_type="image/png")])
    response = client_for("resident").post(NEW_URL, data)
    assert response.status_code == 400
    assert "content does not match" in " ".join(response.context["form"].errors["files"])
    assert not Idea.objects.exists()


def test_bad_input_is_shown_next_to_the_fields(client_for):
    response = client_for("resident").post(NEW_URL, _idea_data(title="", topic="nonsense", latitude="55.7"))
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"title", "topic"}
    response = client_for("resident").post(NEW_URL, _idea_data(latitude="55.7"))
    assert response.status_code == 400
    assert "both coordinates" in " ".join(response.context["form"].errors["latitude"])
    assert not Idea.objects.exists()


def test_a_closed_call_refuses_ideas(client_for, agency):
    now = timezone.now()
    call = CallFactory(agency=agency, opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1))
    page = _text(client_for("resident").get(f"{NEW_URL}?call={call.slug}"))
    assert "is not open now" in page
    assert f'value="{call.slug}"' not in page  # not offered
    # A call that closed while the author was writing is refused by the service, with its reason.
    response = client_for("resident").post(NEW_URL, _idea_data(call=call.slug))
    assert response.status_code == 400
    assert "This call for ideas is not open now." in _text(response)
    assert not Idea.objects.exists()


def test_an_open_call_is_preselected_and_its_idea_goes_to_its_agency(client_for, agency):
    district = DistrictFactory()
    call = CallFactory(agency=agency, district=district, topic="environment")
    form = client_for("resident").get(f"{NEW_URL}?call={call.slug}").context["form"]
    assert (form["call"].value(), form["topic"].value(), form["district"].value()) == (
        call.slug,
        "environment",
        district.pk,
    )
    client_for("resident").post(NEW_URL, _idea_data(call=call.slug))
    idea = Idea.objects.get()
    assert (idea.call, idea.agency) == (call, agency)


def test_a_pre_moderated_call_holds_the_idea(client_for, agency):
    call = CallFactory(agency=agency, moderation=Moderation.PRE)
    response = client_for("resident").post(NEW_URL, _idea_data(call=call.slug), follow=True)
    assert "after a moderator's check" in _text(response)
    assert Idea.objects.get().status == IdeaStatus.SUBMITTED


def test_the_rate_limit_is_explained(client_for, settings):
    settings.GOVTECH_IDEAS_PER_HOUR = 1
    web = client_for("resident")
    assert web.post(NEW_URL, _idea_data()).status_code == 302
    response = web.post(NEW_URL, _idea_data(title="Вторая идея за час", text="Совсем другой текст."))
    assert response.status_code == 400
    assert "You are doing this too often" in _text(response)
    assert Idea.objects.count() == 1


def test_the_same_idea_twice_is_refused(client_for):
    web = client_for("resident")
    web.post(NEW_URL, _idea_data())
    response = web.post(NEW_URL, _idea_data())
    assert "You have already proposed this idea." in _text(response)
    assert Idea.objects.count() == 1


def test_the_title_asks_for_similar_ideas_while_typing(client_for):
    body = _text(client_for("resident").get(NEW_URL))
    assert 'hx-get="/ideas/similar/"' in body
    assert 'hx-trigger="keyup changed delay:400ms"' in body
    assert 'hx-target="#similar-ideas"' in body
    assert '<div id="similar-ideas" aria-live="polite">' in body
    assert "Check for similar ideas" in body


def test_without_javascript_the_check_button_lists_similar_ideas_and_saves_nothing(client_for):
    IdeaFactory(title="Электробус на Садовом кольце")
    data = _idea_data(title="Больше электробусов в центре", check_similar="1")
    response = client_for("resident").post(NEW_URL, data)
    body = _text(response)
    assert response.status_code == 200
    assert "Similar ideas already proposed" in body and "Электробус на Садовом кольце" in body
    assert response.context["form"]["title"].value() == "Больше электробусов в центре"  # what was typed stays
    assert "Nothing was saved" not in body
    assert Idea.objects.count() == 1


# --- similar ideas -------------------------------------------------------------------------------


def test_the_similar_fragment_finds_word_forms(client):
    bus = IdeaFactory(title="Электробус до метро", vote_count=4)
    IdeaFactory(title="Скамейки в сквере")
    IdeaFactory(title="Электробус к больнице", status=IdeaStatus.SUBMITTED, published_at=None)  # not public
    IdeaFactory(title="Электробус в парк", hidden_at=timezone.now(), hidden_reason="Спам")  # hidden
    response = client.get("/ideas/similar/", {"text": "электробусы"}, HTTP_HX_REQUEST="true")
    body = _text(response)
    assert "<html" not in body
    assert [idea.pk for idea in response.context["similar"]] == [bus.pk]
    assert f'href="{bus.get_absolute_url()}"' in body and "4 votes" in body and "Published" in body
    # The title input sends itself as "title".
    assert "Электробус до метро" in _text(
        client.get("/ideas/similar/", {"title": "электробусы"}, HTTP_HX_REQUEST="true")
    )
    assert "No similar ideas found." in _text(
        client.get("/ideas/similar/", {"text": "велодорожки"}, HTTP_HX_REQUEST="true")
    )
    assert _text(client.get("/ideas/similar/", HTTP_HX_REQUEST="true")).strip() == ""


def test_the_similar_list_has_a_page_of_its_own_without_javascript(client):
    IdeaFactory(title="Электробус до метро")
    body = _text(client.get("/ideas/similar/", {"text": "электробусы"}))
    assert "<html" in body and "Электробус до метро" in body and "Find similar ideas" in body


def test_at_most_five_similar_ideas(client):
    for number in range(7):
        IdeaFactory(title=f"Электробус маршрут {number}")
    assert len(client.get("/ideas/similar/", {"text": "электробус"}).context["similar"]) == 5


# --- the idea page ---------------------------------------------------------------------------


def test_the_idea_page_shows_the_details(client, agency):
    district = DistrictFactory(name="Пресненский")
    call = CallFactory(agency=agency, title="Транспорт будущего для центра")
    author = UserFactory(full_name="Анна Петрова")
    idea = IdeaFactory(call=call, district=district, author=author, latitude="55.75", longitude="37.61")
    body = _text(client.get(idea.get_absolute_url()))
    for fragment in [
        idea.title,
        "Transport and roads",
        "Пресненский",
        "Транспорт будущего для центра",
        "Анна Петрова",
        agency.name,
        "No official answer yet.",
        "openstreetmap.org/?mlat=55.75",
    ]:
        assert fragment in body, fragment


def test_the_timeline_shows_every_answer_with_its_message_and_reason(client, agency, people):
    idea = IdeaFactory(call=CallFactory(agency=agency))
    services.idea_answer(actor=people["agency_admin"], idea=idea, to_status="under_review", message="Изучаем.")
    services.idea_answer(
        actor=people["agency_admin"],
        idea=idea,
        to_status="rejected",
        message="Спасибо за идею.",
        reason="Улица слишком узкая.",
    )
    body = _plain(client.get(idea.get_absolute_url()))
    assert body.index("Изучаем.") < body.index("Спасибо за идею.")
    assert "Published → Under review" in body and "Under review → Rejected" in body
    assert "Reason for rejection: Улица слишком узкая." in body
    assert agency.name in body


def test_a_merged_idea_links_to_the_surviving_one(client):
    survivor = IdeaFactory(title="Главная идея о парках")
    merged = IdeaFactory(status=IdeaStatus.MERGED, merged_into=survivor)
    body = _text(client.get(merged.get_absolute_url()))
    assert "merged into another one" in body and f'href="{survivor.get_absolute_url()}"' in body


def test_an_accepted_idea_links_to_its_initiative_and_shows_progress(client_for, agency, people):
    idea = IdeaFactory(call=CallFactory(agency=agency))
    owner = client_for("agency_admin")
    response = owner.post(f"{idea.get_absolute_url()}answer/", {"to_status": "accepted", "message": "Берём в работу."})
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.ACCEPTED and idea.initiative is not None

    assert owner.post(f"{idea.get_absolute_url()}progress/", {"progress": "40"}).status_code == 302
    assert owner.post(f"{idea.get_absolute_url()}progress/", {"progress": "140"}).status_code == 400
    response = owner.post(f"{idea.get_absolute_url()}milestones/", {"title": "Проект готов", "due_on": "2030-05-01"})
    assert response.status_code == 302
    milestone = Milestone.objects.get()
    owner.post(f"{idea.get_absolute_url()}milestones/{milestone.pk}/done/")
    milestone.refresh_from_db()
    assert milestone.done_on is not None

    body = _text(client_for("anonymous").get(idea.get_absolute_url()))
    assert f'href="{idea.initiative.get_absolute_url()}"' in body
    assert '<progress id="idea-progress-bar" max="100" value="40">' in body
    assert "Progress: 40%" in body and "Проект готов" in body and "done" in body
    assert "Report progress" not in body  # the forms are the agency's
    assert client_for("anonymous").get(idea.initiative.get_absolute_url()).status_code == 200


def test_a_rejection_without_a_reason_is_refused_next_to_the_field_and_changes_nothing(client_for, agency):
    idea = IdeaFactory(call=CallFactory(agency=agency))
    response = client_for("agency_admin").post(
        f"{idea.get_absolute_url()}answer/", {"to_status": "rejected", "message": "Не получится."}
    )
    assert response.status_code == 400
    assert response.context["answer_form"].errors["reason"] == ["A rejection needs a reason."]
    assert "A rejection needs a reason." in _text(response)
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.PUBLISHED and idea.first_answered_at is None
    assert not StatusChange.objects.exists()


def test_an_answer_the_status_table_does_not_allow_is_refused(client_for, agency):
    idea = IdeaFactory(call=CallFactory(agency=agency))
    response = client_for("agency_admin").post(
        f"{idea.get_absolute_url()}answer/", {"to_status": "implemented", "message": "Готово."}
    )
    assert response.status_code == 400
    assert "to_status" in response.context["answer_form"].errors
    assert not StatusChange.objects.exists()


def test_merging_by_number(client_for, agency, people):
    survivor = IdeaFactory(title="Остаётся эта", agency=agency)  # the same agency answers both
    idea = IdeaFactory(call=CallFactory(agency=agency))
    Vote.objects.create(idea=idea, user=people["resident"])
    Idea.objects.filter(pk=idea.pk).update(vote_count=1)
    url = f"{idea.get_absolute_url()}answer/"
    response = client_for("agency_admin").post(
        url, {"to_status": "merged", "message": "Объединяем.", "merged_into": 999999}
    )
    assert response.status_code == 400
    assert response.context["answer_form"].errors["merged_into"] == ["There is no idea with this number."]
    response = client_for("agency_admin").post(
        url, {"to_status": "merged", "message": "Объединяем.", "merged_into": survivor.pk}
    )
    assert response.status_code == 302
    idea.refresh_from_db()
    survivor.refresh_from_db()
    assert (idea.status, idea.merged_into, survivor.vote_count) == (IdeaStatus.MERGED, survivor, 1)


def test_the_operator_assigns_the_agency_then_it_answers(client_for, agency):
    idea = IdeaFactory()
    body = _text(client_for("operator").get(idea.get_absolute_url()))
    assert "Assign the agency" in body
    client_for("operator").post(f"{idea.get_absolute_url()}assign/", {"agency": "no-such-agency"})
    idea.refresh_from_db()
    assert idea.agency is None
    client_for("operator").post(f"{idea.get_absolute_url()}assign/", {"agency": agency.slug})
    assert "Publish the answer" in _text(client_for("agency_admin").get(idea.get_absolute_url()))


# --- comments and reports --------------------------------------------------------------------


def test_comments_are_threaded_and_replies_follow_their_comment(client_for, people):
    idea = IdeaFactory()
    web = client_for("resident")
    response = web.post(f"{idea.get_absolute_url()}comments/", {"text": "Первый комментарий"})
    first = Comment.objects.get()
    assert response["Location"] == f"{idea.get_absolute_url()}#comment-{first.pk}"
    client_for("expert").post(f"{idea.get_absolute_url()}comments/", {"text": "Второй комментарий"})
    client_for("expert").post(f"{idea.get_absolute_url()}comments/", {"text": "Ответ на первый", "parent": first.pk})
    reply = Comment.objects.get(text="Ответ на первый")
    assert reply.parent == first
    response = client_for("anonymous").get(idea.get_absolute_url())
    order = [(entry.comment.text, entry.indent) for entry in response.context["comments"]]
    assert order == [("Первый комментарий", 0), ("Ответ на первый", 1), ("Второй комментарий", 0)]
    assert "Sign in to comment" in _text(response)


def test_an_empty_comment_is_refused_in_its_place(client_for):
    idea = IdeaFactory()
    parent = CommentFactory(idea=idea)
    response = client_for("resident").post(f"{idea.get_absolute_url()}comments/", {"text": "  ", "parent": parent.pk})
    assert response.status_code == 400
    entry = next(entry for entry in response.context["comments"] if entry.comment.pk == parent.pk)
    assert entry.reply_form.errors
    assert Comment.objects.count() == 1


def test_the_author_edits_a_comment_within_the_window_only(client_for, people, settings):
    settings.GOVTECH_COMMENT_EDIT_MINUTES = 15
    idea = IdeaFactory()
    comment = services.comment_add(actor=people["resident"], idea=idea, text="Опечтка")
    url = f"{idea.get_absolute_url()}comments/{comment.pk}/edit/"
    web = client_for("resident")
    assert web.post(url, {"text": "Опечатка"}).status_code == 302
    comment.refresh_from_db()
    assert comment.text == "Опечатка" and comment.edited_at is not None
    assert "edited" in _text(web.get(idea.get_absolute_url()))

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert f"comments/{comment.pk}/edit/" not in _text(web.get(idea.get_absolute_url()))
        response = web.post(url, {"text": "Поздняя правка"})
        assert response.status_code == 400
        assert "can be edited for 15 minutes" in _text(response)
    comment.refresh_from_db()
    assert comment.text == "Опечатка"


def test_reporting_an_idea_and_a_comment(client_for, people):
    idea = IdeaFactory()
    comment = CommentFactory(idea=idea)
    web = client_for("resident")
    response = web.post(f"{idea.get_absolute_url()}report/", {"reason": "spam", "note": "Реклама"}, follow=True)
    assert "A moderator will look at it." in _text(response)
    web.post(f"{idea.get_absolute_url()}comments/{comment.pk}/report/", {"reason": "abuse"})
    assert sorted(Report.objects.values_list("reason", flat=True)) == ["abuse", "spam"]
    # Once per person; a reason outside the list is refused in the form.
    response = web.post(f"{idea.get_absolute_url()}report/", {"reason": "spam"})
    assert response.status_code == 400 and "You have already reported this." in _text(response)
    response = client_for("expert").post(f"{idea.get_absolute_url()}report/", {"reason": "boring"})
    assert response.status_code == 400 and "reason" in response.context["report_form"].errors
    assert Report.objects.count() == 2


def test_enough_reports_hide_an_idea_with_a_notice(client_for, people, settings):
    settings.GOVTECH_AUTO_HIDE_REPORTS = 2
    idea = IdeaFactory(title="Сомнительная идея")
    for role in ["resident", "expert"]:
        client_for(role).post(f"{idea.get_absolute_url()}report/", {"reason": "spam"})
    body = _text(client_for("anonymous").get(idea.get_absolute_url()))
    assert "Hidden by moderation: Hidden after several reports" in body
    assert idea.text not in body


# --- moderation ------------------------------------------------------------------------------------


def test_a_moderator_approves_a_pre_moderated_idea(client_for, agency, people):
    call = CallFactory(agency=agency, moderation=Moderation.PRE)
    idea = IdeaFactory(call=call, status=IdeaStatus.SUBMITTED, published_at=None, author=people["resident"])
    author_page = _text(client_for("resident").get(idea.get_absolute_url()))
    assert "Waiting for a moderator" in author_page and "Approve and publish" not in author_page
    assert "Approve and publish" in _text(client_for("agency_admin").get(idea.get_absolute_url()))
    client_for("agency_admin").post(f"{idea.get_absolute_url()}approve/")
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.PUBLISHED
    assert client_for("anonymous").get(idea.get_absolute_url()).status_code == 200
    response = client_for("agency_admin").post(f"{idea.get_absolute_url()}approve/", follow=True)
    assert "This idea is already published." in _text(response)


def test_hiding_needs_a_reason_and_restoring_shows_the_content_again(client_for):
    idea = IdeaFactory(title="Спорная идея", text="Очень спорный текст.")
    response = client_for("operator").post(f"{idea.get_absolute_url()}hide/", {"reason": ""})
    assert response.status_code == 400 and "reason" in response.context["hide_form"].errors
    idea.refresh_from_db()
    assert idea.hidden_at is None

    client_for("operator").post(f"{idea.get_absolute_url()}hide/", {"reason": "Оскорбления"})
    body = _text(client_for("anonymous").get(idea.get_absolute_url()))
    assert "Hidden by moderation: Оскорбления" in body and "Очень спорный текст." not in body
    assert "Очень спорный текст." in _text(client_for("operator").get(idea.get_absolute_url()))

    client_for("operator").post(f"{idea.get_absolute_url()}restore/")
    assert "Очень спорный текст." in _text(client_for("anonymous").get(idea.get_absolute_url()))


def test_hiding_from_another_page_returns_there(client_for):
    idea = IdeaFactory()
    response = client_for("operator").post(f"{idea.get_absolute_url()}hide/", {"reason": "", "next": "/ideas/?x=1"})
    assert response.status_code == 302 and response["Location"] == "/ideas/?x=1"
    response = client_for("operator").post(f"{idea.get_absolute_url()}hide/", {"reason": "Спам", "next": "/ideas/?x=1"})
    assert response["Location"] == "/ideas/?x=1"
    idea.refresh_from_db()
    assert idea.hidden_reason == "Спам"


def test_a_hidden_comment_keeps_its_place(client_for, people):
    idea = IdeaFactory()
    first = CommentFactory(idea=idea, text="Грубый комментарий")
    CommentFactory(idea=idea, text="Ответ на грубость", parent=first)
    client_for("operator").post(f"{idea.get_absolute_url()}comments/{first.pk}/hide/", {"reason": "Грубость"})
    response = client_for("anonymous").get(idea.get_absolute_url())
    body = _text(response)
    assert "Hidden by moderation: Грубость" in body and "Грубый комментарий" not in body
    assert body.index("Hidden by moderation: Грубость") < body.index("Ответ на грубость")
    response = client_for("operator").post(
        f"{idea.get_absolute_url()}comments/{first.pk}/hide/", {"reason": "Ещё"}, follow=True
    )
    assert "This is hidden already." in _text(response)
    client_for("operator").post(f"{idea.get_absolute_url()}comments/{first.pk}/restore/")
    assert "Грубый комментарий" in _text(client_for("anonymous").get(idea.get_absolute_url()))


# --- my ideas and following ---------------------------------------------------------------------


def test_my_ideas_lists_only_mine_including_pending(client_for, people):
    IdeaFactory(title="Моя опубликованная", author=people["resident"])
    IdeaFactory(title="Моя на проверке", author=people["resident"], status=IdeaStatus.SUBMITTED, published_at=None)
    IdeaFactory(title="Чужая идея")
    response = client_for("resident").get("/ideas/mine/")
    assert set(_titles(response)) == {"Моя опубликованная", "Моя на проверке"}
    assert "Visible only to you and the moderators" in _text(response)
    assert "You have not proposed any ideas yet." in _text(client_for("expert").get("/ideas/mine/"))


def test_following_an_idea(client_for, people):
    idea = IdeaFactory()
    body = _text(client_for("resident").get(idea.get_absolute_url()))
    assert 'name="target_type" value="participation.idea"' in body and ">Follow<" in body
    pending = IdeaFactory(status=IdeaStatus.SUBMITTED, published_at=None, author=people["resident"])
    assert 'name="target_type"' not in _text(client_for("resident").get(pending.get_absolute_url()))


# --- calls for ideas ------------------------------------------------------------------------------------


def test_calls_show_whether_they_are_open_by_the_clock(client, agency):
    call = CallFactory(agency=agency, title="Зелёные дворы нашего района")
    IdeaFactory(call=call, title="Клумбы у подъезда")
    IdeaFactory(call=call, status=IdeaStatus.SUBMITTED, published_at=None, title="Ещё не проверена")
    body = _text(client.get("/ideas/calls/"))
    assert "Зелёные дворы нашего района" in body and "Open for ideas" in body and "1 idea" in body
    body = _text(client.get(call.get_absolute_url()))
    assert "Open for ideas" in body and "Клумбы у подъезда" in body and "Ещё не проверена" not in body
    assert f"/ideas/new/?call={call.slug}" in body
    with time_machine.travel(call.closes_at + timedelta(minutes=1)):
        body = _text(client.get(call.get_absolute_url()))
        assert "Closed" in body and f"/ideas/new/?call={call.slug}" not in body


def test_the_call_page_shows_threshold_district_and_question(client, agency):
    district = DistrictFactory(name="Таганский")
    call = CallFactory(agency=agency, district=district, support_threshold=100, question="Где **поставить** лавочки?")
    body = _text(client.get(call.get_absolute_url()))
    assert "Таганский" in body and "100 votes send an idea to the agency for review" in body
    assert "<strong>поставить</strong>" in body and agency.name in body


def test_agency_staff_open_a_call_in_moscow_time(client_for, agency):
    data = {
        "agency": agency.slug,
        "title": "Как сделать дворы удобнее",
        "question": "Что поменять во дворах?",
        "topic": "housing",
        "opens_at": "2030-01-10T10:00",
        "closes_at": "2030-02-10T10:00",
        "moderation": "pre",
        "support_threshold": "50",
    }
    response = client_for("agency_admin").post("/ideas/calls/new/", data)
    call = Call.objects.get()
    assert response.status_code == 302 and response["Location"] == call.get_absolute_url()
    assert call.opens_at.astimezone(timezone.get_fixed_timezone(0)).hour == 7  # 10:00 in Moscow is 07:00 UTC
    assert (call.agency, call.moderation, call.support_threshold) == (agency, Moderation.PRE, 50)


def test_a_call_that_closes_before_it_opens_is_refused(client_for, agency):
    data = {
        "agency": agency.slug,
        "title": "Как сделать дворы удобнее",
        "question": "Что поменять во дворах?",
        "topic": "housing",
        "opens_at": "2030-02-10T10:00",
        "closes_at": "2030-01-10T10:00",
        "moderation": "post",
    }
    response = client_for("agency_admin").post("/ideas/calls/new/", data)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not Call.objects.exists()


def test_agency_staff_may_open_calls_only_for_their_own_agencies(client_for, agency):
    from tests.factories import AgencyFactory

    other = AgencyFactory()
    form = client_for("agency_admin").get("/ideas/calls/new/").context["form"]
    assert list(form.fields["agency"].queryset) == [agency]
    data = {"agency": other.slug, "title": "Чужой призыв идей", "question": "?", "topic": "housing"}
    response = client_for("agency_admin").post("/ideas/calls/new/", data)
    assert response.status_code == 400 and "agency" in response.context["form"].errors
    assert not Call.objects.exists()


# --- the shell --------------------------------------------------------------------------------


def test_the_navigation_links_ideas_for_everyone_and_my_ideas_for_the_signed_in(client_for):
    assert ">Ideas</a>" in _text(client_for("anonymous").get("/"))
    assert ">My ideas</a>" not in _text(client_for("anonymous").get("/"))
    assert ">My ideas</a>" in _text(client_for("resident").get("/"))
    assert 'href="/ideas/"' in _text(client_for("anonymous").get("/"))


def test_the_pages_read_in_english(client_for, agency):
    idea = IdeaFactory(call=CallFactory(agency=agency))
    for url, phrase in [
        ("/ideas/", "Residents' ideas"),
        (idea.get_absolute_url(), "Official answers"),
        ("/ideas/calls/", "Calls for ideas"),
        ("/ideas/new/", "Propose an idea"),
    ]:
        response = client_for("resident").get(url)
        assert response["Content-Language"] == "en"
        assert phrase in _text(response), url


def test_the_idea_page_needs_a_bounded_number_of_queries(client_for, people):
    idea = IdeaFactory()
    for number in range(3):
        CommentFactory(idea=idea, text=f"Комментарий {number}")
    web = client_for("resident")
    few = _queries(web, idea.get_absolute_url())
    parent = Comment.objects.first()
    for number in range(20):
        CommentFactory(idea=idea, text=f"Ещё {number}", parent=parent if number % 2 else None)
    assert _queries(web, idea.get_absolute_url()) == few
