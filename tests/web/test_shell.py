"""The web shell: home, navigation per role, error pages in both languages, health."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

pytestmark = pytest.mark.django_db


def test_home_presents_every_section_and_marks_the_unbuilt_ones(client):
    from govtech.web.sections import SECTIONS

    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    for section in SECTIONS:
        assert escape(str(section.title)) in html
    coming = sum(1 for s in SECTIONS if not s.is_available)
    assert html.count('class="tag">Coming<') == coming


def test_page_has_landmarks_skip_link_and_no_external_assets(client):
    html = client.get("/").content.decode()
    for landmark in ["<header", "<nav", '<main id="main"', "<footer", 'class="skip-link" href="#main"']:
        assert landmark in html
    assert "/static/django-htmx/htmx" in html or "/static/django_htmx/" in html or "htmx" in html
    for host in ["cdn", "unpkg", "jsdelivr", "googleapis"]:
        assert host not in html


@pytest.mark.parametrize(
    "role, sees_people_link",
    [("anonymous", False), ("resident", False), ("expert", False), ("operator", True)],
)
def test_navigation_follows_the_role(client_for, role, sees_people_link):
    html = client_for(role).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ('href="/people/"' in html) is sees_people_link
    assert ('href="/notifications/"' in html) is (role != "anonymous")


@pytest.mark.parametrize("language, phrase", [("en", "Page not found"), ("ru", 'lang="ru"')])
def test_404_page_in_both_languages(client, language, phrase):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    assert phrase in response.content.decode()


def test_403_page_speaks_the_language_of_the_persons_profile(client_for, people):
    client = client_for("resident")
    response = client.get("/people/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert 'lang="ru"' in response.content.decode()  # the profile says Russian, whatever the browser asks
    people["resident"].language = "en"
    people["resident"].save()
    response = client.get("/people/")
    assert response.status_code == 403
    assert "Access denied" in response.content.decode()


def test_500_page_renders_without_a_request_context():
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("en"):
        assert "Something went wrong" in render_to_string("500.html")


def test_healthz_reports_database_and_worker(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["worker"]["status"] == "ok"
    assert body["worker"]["queued"] == 0


def test_healthz_says_503_when_tasks_wait_too_long(client, settings, run_worker):
    from django_tasks_db.models import DBTaskResult

    from govtech.notifications import tasks

    settings.GOVTECH_WORKER_STALL_SECONDS = 60
    result = tasks.deliver_task.enqueue(event_key="e", kind="follow.updated", recipient_ids=[], params={})
    DBTaskResult.objects.filter(pk=result.id).update(enqueued_at=timezone.now() - timedelta(minutes=5))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"]["status"] == "stalled"
    run_worker()  # a worker that catches up makes the platform healthy again
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"]["last_finished_at"] is not None
