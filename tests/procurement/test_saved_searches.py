"""Saved tender searches: saving the list's search, each person's own searches, and alerts that
tell of each newly matching tender once — through the real worker and through the command."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from govtech.core.errors import Conflict, Forbidden, ServiceError
from govtech.core.models import AuditEvent
from govtech.notifications.models import Notification
from govtech.procurement import services
from govtech.procurement.models import SavedSearch, SearchAlert
from tests.factories import UserFactory
from tests.procurement.factories import TenderFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LIST = "/tenders/"
SEARCHES = "/tenders/searches/"


@pytest.fixture(autouse=True)
def _english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def later(clock, minutes: int = 5) -> None:
    clock.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes))


def saved(person, **params) -> SavedSearch:
    return services.search_save(actor=person, name="Серверы", params=params or {"q": "серверы"})


def test_a_search_is_saved_normalised_and_audited(clock):
    person = UserFactory()
    search = services.search_save(
        actor=person, name="  ИТ-закупки ", params={"q": "серверы", "status": "active,bogus", "value_min": "1000"}
    )
    assert search.name == "ИТ-закупки"
    assert search.params == {"q": "серверы", "status": ["active"], "value_min": "1000"}
    assert search.checked_at == T0
    event = AuditEvent.objects.get(action="tender_search.saved")
    assert event.actor_id == person.pk and event.after["name"] == "ИТ-закупки"


@pytest.mark.parametrize(
    "name, params, error, code",
    [
        ("", {"q": "серверы"}, ServiceError, "required"),
        ("x" * 121, {"q": "серверы"}, ServiceError, "max_length"),
        ("Все", {}, ServiceError, "empty"),
        ("Все", {"status": "bogus"}, ServiceError, "empty"),
    ],
)
def test_bad_searches_are_refused_and_nothing_is_kept(clock, name, params, error, code):
    with pytest.raises(error) as refused:
        services.search_save(actor=UserFactory(), name=name, params=params)
    assert refused.value.code == code
    assert not SavedSearch.objects.exists() and not AuditEvent.objects.filter(action="tender_search.saved").exists()


def test_twenty_searches_at_most_and_only_signed_in_people(clock):
    from django.contrib.auth.models import AnonymousUser

    person = UserFactory()
    for n in range(services.MAX_SAVED_SEARCHES):
        services.search_save(actor=person, name=f"Поиск {n}", params={"q": f"слово{n}"})
    with pytest.raises(Conflict):
        services.search_save(actor=person, name="Ещё", params={"q": "ещё"})
    with pytest.raises(Forbidden):
        services.search_save(actor=AnonymousUser(), name="Гость", params={"q": "гость"})
    assert SavedSearch.objects.count() == services.MAX_SAVED_SEARCHES


def test_only_the_owner_switches_alerts_or_deletes(clock):
    owner, other = UserFactory(), UserFactory()
    search = saved(owner)
    with pytest.raises(Forbidden):
        services.search_delete(actor=other, search=search)
    with pytest.raises(Forbidden):
        services.search_set_alerts(actor=other, search=search, alerts=False)
    services.search_set_alerts(actor=owner, search=search, alerts=False)
    search.refresh_from_db()
    assert search.alerts is False
    services.search_delete(actor=owner, search=search)
    assert not SavedSearch.objects.exists()
    assert list(AuditEvent.objects.filter(action__startswith="tender_search.").values_list("action", flat=True)) == [
        "tender_search.saved",
        "tender_search.alerts_set",
        "tender_search.deleted",
    ]


def test_each_newly_matching_tender_is_told_once(clock, run_worker, django_capture_on_commit_callbacks):
    person = UserFactory(email="buyer-watch@example.test")
    TenderFactory(title="Поставка серверов для школ")  # there before the search: not new
    search = saved(person, q="серверы", status="active")
    later(clock)
    new = TenderFactory(title="Серверы и хранилища")
    TenderFactory(title="Серверы для архива", status="complete")  # new, but does not match
    TenderFactory(title="Уборка территорий", description="Дворы и улицы")  # new, does not match
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_search_alerts() == 1
    run_worker()
    told = Notification.objects.get(recipient=person, kind="procurement.search_matches")
    assert told.params == {"search": "Серверы", "count": 1, "titles": ["Серверы и хранилища"]}
    assert told.url.startswith(LIST + "?") and "q=" in told.url
    assert [message.to for message in mail.outbox] == [["buyer-watch@example.test"]]
    assert list(SearchAlert.objects.values_list("search_id", "tender_id")) == [(search.pk, new.pk)]

    # Recompiled later (a new release), it still matches: never told twice.
    later(clock)
    new.save()
    assert services.send_search_alerts() == 0
    out = StringIO()
    call_command("send_tender_alerts", stdout=out)
    assert out.getvalue().strip() == "tenders notified: 0"


def test_switched_off_or_deleted_searches_are_silent(clock):
    person = UserFactory()
    quiet, gone = saved(person), saved(person)
    services.search_set_alerts(actor=person, search=quiet, alerts=False)
    services.search_delete(actor=person, search=gone)
    later(clock)
    TenderFactory(title="Серверы")
    assert services.send_search_alerts() == 0
    # Turned back on, what came while it was off is not new.
    later(clock)
    services.search_set_alerts(actor=person, search=quiet, alerts=True)
    assert services.send_search_alerts() == 0
    later(clock)
    TenderFactory(title="Серверы новые")
    assert services.send_search_alerts() == 1


def test_an_import_queues_the_alerts(clock, django_capture_on_commit_callbacks, tmp_path):
    from django_tasks_db.models import DBTaskResult

    from govtech.procurement.demo import SAMPLES

    with django_capture_on_commit_callbacks(execute=True):
        services.import_ocds(str(SAMPLES / "new-south-wales" / "0.json"))
    assert DBTaskResult.objects.filter(task_path="govtech.procurement.tasks.search_alerts_task").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.import_ocds(str(SAMPLES / "new-south-wales" / "0.json"))  # nothing new compiled
    assert DBTaskResult.objects.filter(task_path="govtech.procurement.tasks.search_alerts_task").count() == 1


# --- pages -----------------------------------------------------------------------------------------


def test_the_list_offers_to_save_a_filtered_search(client_for, clock):
    TenderFactory(title="Серверы")
    page = client_for("resident").get(LIST, {"q": "серверы", "status": "active"}).content.decode()
    assert 'action="/tenders/searches/save/"' in page
    assert 'name="q" value="серверы"' in page and 'name="status" value="active"' in page
    assert "/tenders/searches/save/" not in client_for("resident").get(LIST).content.decode()  # nothing to save
    anonymous = client_for("anonymous").get(LIST, {"q": "серверы"}).content.decode()
    assert "/accounts/login/?next=" in anonymous and "/tenders/searches/save/" not in anonymous


def test_saving_from_the_page_and_managing_the_searches(client_for, people, clock):
    web = client_for("resident")
    response = web.post(SEARCHES + "save/", {"name": "Серверы", "q": "серверы", "status": "active", "alerts": "on"})
    assert response.status_code == 302 and response["Location"] == SEARCHES
    search = SavedSearch.objects.get(owner=people["resident"])
    assert search.params == {"q": "серверы", "status": ["active"]} and search.alerts
    page = web.get(SEARCHES).content.decode()
    assert "Серверы" in page and "/tenders/?q=" in page

    response = web.post(f"{SEARCHES}{search.pk}/alerts/", {})
    assert response.status_code == 302
    search.refresh_from_db()
    assert search.alerts is False
    web.post(f"{SEARCHES}{search.pk}/alerts/", {"alerts": "on"})
    search.refresh_from_db()
    assert search.alerts is True

    stranger = client_for("supplier_admin")
    assert stranger.post(f"{SEARCHES}{search.pk}/delete/").status_code == 404
    assert "Серверы" not in stranger.get(SEARCHES).content.decode()
    assert web.post(f"{SEARCHES}{search.pk}/delete/").status_code == 302
    assert not SavedSearch.objects.exists()


def test_a_refused_save_answers_400_with_the_reason_and_keeps_nothing(client_for, clock):
    web = client_for("resident")
    response = web.post(SEARCHES + "save/", {"name": "", "q": "серверы"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "field-invalid" in page and 'name="q" value="серверы"' in page  # the search is kept for a retry
    response = web.post(SEARCHES + "save/", {"name": "Всё подряд"})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()  # the service's reason, above the form
    assert not SavedSearch.objects.exists()


def test_the_searches_need_a_sign_in(client_for):
    web = client_for("anonymous")
    assert web.get(SEARCHES).status_code == 302
    assert web.post(SEARCHES + "save/", {"name": "x", "q": "y"}).status_code == 302
    assert not SavedSearch.objects.exists()


def test_the_searches_page_takes_the_same_queries_for_2_or_12_searches(client_for, people, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    web = client_for("resident")
    for n in range(2):
        saved(people["resident"], q=f"слово{n}")
    web.get(SEARCHES)
    with CaptureQueriesContext(connection) as few:
        web.get(SEARCHES)
    for n in range(2, 12):
        saved(people["resident"], q=f"слово{n}")
    with CaptureQueriesContext(connection) as many:
        web.get(SEARCHES)
    assert len(many) == len(few)
