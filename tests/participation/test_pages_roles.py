"""Who may open which idea page and use which button: the role matrix. Anything hidden is "not
found" (404); a page or action someone may see but not use answers 403; anonymous people are
sent to sign in. A refused write changes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from govtech.accounts.models import User
from govtech.participation import services
from govtech.participation.models import Call, Comment, Idea, IdeaFile, IdeaStatus, Moderation, StatusChange, Vote
from tests.participation.factories import CallFactory, CommentFactory, IdeaFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "supplier_member", "supplier_admin", "agency_admin", "expert", "operator"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


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


def _matrix(client_for, url: str, expected: dict, *, method: str = "get", data=None) -> None:
    """``expected``: role → status; every role of ROLES must be named."""
    assert set(expected) == set(ROLES)
    got = {role: getattr(client_for(role), method)(url, data or {}).status_code for role in ROLES}
    assert got == expected


def _signed_in(status: int) -> dict:
    """Anonymous people are sent to sign in; everyone else gets ``status``."""
    return dict.fromkeys(ROLES, status) | {"anonymous": 302}


@pytest.fixture
def pending(people, agency):
    """The resident's idea waiting for the agency's pre-moderated call, with a PDF attached."""
    call = CallFactory(agency=agency, moderation=Moderation.PRE)
    idea = IdeaFactory(
        call=call,
        author=people["resident"],
        status=IdeaStatus.SUBMITTED,
        published_at=None,
        title="Ожидающая проверки идея о трамваях",
    )
    IdeaFile.objects.create(idea=idea, title="plan.pdf", file=SimpleUploadedFile("plan.pdf", PDF))
    return idea


# --- public pages ---------------------------------------------------------------------


def test_the_public_pages_are_open_to_everyone(client_for, agency):
    call = CallFactory(agency=agency)
    idea = IdeaFactory(call=call)
    everyone = dict.fromkeys(ROLES, 200)
    for url in [
        "/ideas/",
        idea.get_absolute_url(),
        "/ideas/calls/",
        call.get_absolute_url(),
        "/ideas/similar/?text=скамейки",
    ]:
        _matrix(client_for, url, everyone)


def test_missing_ideas_and_calls_are_not_found(client_for):
    for url in ["/ideas/999999/", "/ideas/calls/no-such-call/", "/ideas/999999/files/1/"]:
        _matrix(client_for, url, dict.fromkeys(ROLES, 404))


def test_an_idea_waiting_for_pre_moderation_is_seen_by_its_author_the_agency_and_operators(client_for, pending):
    expected = dict.fromkeys(ROLES, 404) | {"resident": 200, "agency_admin": 200, "operator": 200}
    _matrix(client_for, pending.get_absolute_url(), expected)
    attachment = pending.files.get()
    _matrix(client_for, f"{pending.get_absolute_url()}files/{attachment.pk}/", expected)
    for role in ["anonymous", "supplier_member", "expert"]:
        assert pending.title not in client_for(role).get("/ideas/").content.decode(), role
    assert pending.title in client_for("resident").get("/ideas/mine/").content.decode()


def test_a_stranger_cannot_vote_comment_or_report_on_a_pending_idea(client_for, pending, people):
    outsider = client_for("supplier_member")
    for suffix, data in [("vote/", {}), ("comments/", {"text": "Привет"}), ("report/", {"reason": "spam"})]:
        assert outsider.post(f"{pending.get_absolute_url()}{suffix}", data).status_code == 404, suffix
    assert not Vote.objects.exists()
    assert not Comment.objects.exists()


# --- pages for signed-in people ----------------------------------------------------------


def test_proposing_and_my_ideas_need_an_account(client_for):
    for url in ["/ideas/new/", "/ideas/mine/"]:
        _matrix(client_for, url, _signed_in(200))
    assert "/accounts/login/" in client_for("anonymous").get("/ideas/new/")["Location"]


def test_only_agency_staff_and_operators_open_a_call(client_for):
    expected = _signed_in(403) | {"agency_admin": 200, "operator": 200}
    _matrix(client_for, "/ideas/calls/new/", expected)


def test_a_refused_call_creation_changes_nothing(client_for, agency):
    data = {
        "agency": agency.slug,
        "title": "Как сделать дворы удобнее",
        "question": "Что поменять во дворах?",
        "topic": "housing",
        "opens_at": "2030-01-10T10:00",
        "closes_at": "2030-02-10T10:00",
        "moderation": "post",
    }
    for role in ["resident", "supplier_admin", "expert"]:
        assert client_for(role).post("/ideas/calls/new/", data).status_code == 403
    assert client_for("anonymous").post("/ideas/calls/new/", data).status_code == 302
    assert not Call.objects.exists()


# --- the buttons of the idea page -------------------------------------------------------------


def _state(idea):
    idea.refresh_from_db()
    return (idea.status, idea.agency_id, idea.hidden_at, idea.progress, StatusChange.objects.count())


def test_only_the_responsible_agency_and_operators_answer(client_for, agency, people):
    idea = IdeaFactory(call=CallFactory(agency=agency))
    url = f"{idea.get_absolute_url()}answer/"
    data = {"to_status": "under_review", "message": "Рассмотрим."}
    before = _state(idea)
    for role in ["resident", "supplier_member", "supplier_admin", "expert"]:
        assert client_for(role).post(url, data).status_code == 403, role
    assert client_for("anonymous").post(url, data).status_code == 302
    assert _state(idea) == before
    assert client_for("agency_admin").post(url, data).status_code == 302
    assert _state(idea)[0] == IdeaStatus.UNDER_REVIEW


def test_the_answer_form_is_shown_only_to_those_who_may_answer(client_for, agency):
    idea = IdeaFactory(call=CallFactory(agency=agency))
    shown = {
        role: "Publish the answer" in client_for(role).get(idea.get_absolute_url()).content.decode() for role in ROLES
    }
    assert shown == dict.fromkeys(ROLES, False) | {"agency_admin": True, "operator": True}


def test_only_the_operator_assigns_an_agency(client_for, agency):
    idea = IdeaFactory()
    url = f"{idea.get_absolute_url()}assign/"
    for role in ["resident", "agency_admin", "supplier_admin", "expert"]:
        assert client_for(role).post(url, {"agency": agency.slug}).status_code == 403, role
    idea.refresh_from_db()
    assert idea.agency_id is None
    assert client_for("operator").post(url, {"agency": agency.slug}).status_code == 302
    idea.refresh_from_db()
    assert idea.agency_id == agency.pk


def test_only_moderators_approve_hide_and_restore(client_for, pending, people):
    # The author sees the pending idea but may not approve it.
    before = _state(pending)
    assert client_for("resident").post(f"{pending.get_absolute_url()}approve/").status_code == 403
    assert client_for("supplier_admin").post(f"{pending.get_absolute_url()}approve/").status_code == 404
    assert _state(pending) == before

    open_idea = IdeaFactory()  # no call: only operators moderate it
    before = _state(open_idea)
    for role in ["resident", "agency_admin", "supplier_member", "expert"]:
        assert client_for(role).post(f"{open_idea.get_absolute_url()}hide/", {"reason": "Спам"}).status_code == 403
    assert _state(open_idea) == before
    assert client_for("operator").post(f"{open_idea.get_absolute_url()}hide/", {"reason": "Спам"}).status_code == 302
    assert _state(open_idea)[2] is not None


def test_only_moderators_hide_a_comment(client_for, agency, people):
    idea = IdeaFactory(call=CallFactory(agency=agency))
    comment = CommentFactory(idea=idea, author=people["resident"])
    url = f"{idea.get_absolute_url()}comments/{comment.pk}/hide/"
    for role in ["resident", "supplier_member", "expert"]:
        assert client_for(role).post(url, {"reason": "Грубость"}).status_code == 403, role
    comment.refresh_from_db()
    assert comment.hidden_at is None
    # The agency running the call moderates its ideas' comments.
    assert client_for("agency_admin").post(url, {"reason": "Грубость"}).status_code == 302
    comment.refresh_from_db()
    assert comment.hidden_reason == "Грубость"


def test_a_comment_of_another_idea_is_not_found(client_for, people):
    idea, other = IdeaFactory(), IdeaFactory()
    comment = CommentFactory(idea=other)
    web = client_for("operator")
    assert web.post(f"{idea.get_absolute_url()}comments/{comment.pk}/hide/", {"reason": "x"}).status_code == 404
    assert web.post(f"{idea.get_absolute_url()}comments/", {"text": "Ответ", "parent": comment.pk}).status_code == 404
    assert not Comment.objects.filter(text="Ответ").exists()


def test_only_the_author_edits_a_comment(client_for, people):
    comment = services.comment_add(actor=people["resident"], idea=IdeaFactory(), text="Первый вариант")
    url = f"{comment.idea.get_absolute_url()}comments/{comment.pk}/edit/"
    for role in ["supplier_member", "agency_admin", "operator"]:
        assert client_for(role).post(url, {"text": "Чужая правка"}).status_code == 403, role
    comment.refresh_from_db()
    assert comment.text == "Первый вариант"


def test_votes_need_an_account(client_for):
    idea = IdeaFactory()
    response = client_for("anonymous").post(f"{idea.get_absolute_url()}vote/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Vote.objects.exists()
    assert Idea.objects.get(pk=idea.pk).vote_count == 0
