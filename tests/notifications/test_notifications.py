"""Follows, inbox and e-mail delivery through the real task worker."""

import pytest
from django.core import mail

from govtech.accounts import services as accounts_services
from govtech.core.errors import Conflict, Forbidden, ServiceError
from govtech.core.models import AuditEvent
from govtech.notifications import services, tasks
from govtech.notifications.models import Follow, Notification
from tests.factories import NotificationFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_person_follows_and_unfollows_a_public_object(people, supplier):
    resident = people["resident"]
    services.follow_create(actor=resident, target=supplier)
    assert Follow.objects.filter(user=resident, object_id=str(supplier.pk)).exists()
    with pytest.raises(Conflict):
        services.follow_create(actor=resident, target=supplier)
    services.follow_delete(actor=resident, target=supplier)
    assert not Follow.objects.exists()
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["follow.created", "follow.deleted"]


def test_an_inactive_organization_cannot_be_followed(people):
    hidden = OrganizationFactory(is_active=False)
    with pytest.raises(ServiceError):
        services.follow_create(actor=people["resident"], target=hidden)
    assert not Follow.objects.exists()


def test_anonymous_cannot_follow(supplier):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Forbidden):
        services.follow_create(actor=AnonymousUser(), target=supplier)


def test_followers_hear_of_an_update_through_the_worker(
    people, supplier, run_worker, django_capture_on_commit_callbacks
):
    follower = people["resident"]
    follower.language = "en"
    follower.save()
    services.follow_create(actor=follower, target=supplier)
    with django_capture_on_commit_callbacks(execute=True):
        accounts_services.organization_update(
            actor=people["supplier_admin"], organization=supplier, description="Новое описание"
        )
    assert not Notification.objects.exists()  # nothing is delivered until the worker runs
    run_worker()
    notification = Notification.objects.get()
    assert notification.recipient == follower
    assert notification.url == supplier.get_absolute_url()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [follower.email]
    assert "was updated" in mail.outbox[0].subject  # the follower reads English
    run_worker()
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1


def test_the_author_of_a_change_is_not_notified_of_it(people, supplier, run_worker, django_capture_on_commit_callbacks):
    services.follow_create(actor=people["supplier_admin"], target=supplier)
    with django_capture_on_commit_callbacks(execute=True):
        accounts_services.organization_update(
            actor=people["supplier_admin"], organization=supplier, name="ООО «Новое имя»"
        )
    run_worker()
    assert not Notification.objects.exists()


def test_delivery_is_idempotent_when_a_task_runs_twice(people):
    user = people["resident"]
    for _ in range(2):
        tasks.deliver_task.call(
            event_key="evt-1", kind="follow.updated", recipient_ids=[user.pk], params={"object": "X"}
        )
    assert Notification.objects.filter(recipient=user).count() == 1
    assert len(mail.outbox) == 1


def test_e_mail_can_be_turned_off_per_kind(people):
    user = people["resident"]
    services.preferences_update(actor=user, email_by_kind={"follow.updated": False})
    tasks.deliver_task.call(event_key="evt-2", kind="follow.updated", recipient_ids=[user.pk], params={"object": "X"})
    assert Notification.objects.filter(recipient=user).count() == 1  # still in the inbox
    assert mail.outbox == []


def test_unknown_preference_kinds_are_refused(people):
    with pytest.raises(ServiceError):
        services.preferences_update(actor=people["resident"], email_by_kind={"no.such.kind": True})


def test_role_change_notifies_in_the_recipients_language(people, run_worker, django_capture_on_commit_callbacks):
    expert_to_be = UserFactory(language="ru")
    with django_capture_on_commit_callbacks(execute=True):
        accounts_services.platform_role_set(actor=people["operator"], user=expert_to_be, role="expert", granted=True)
    run_worker()
    notification = Notification.objects.get(recipient=expert_to_be)
    assert "Эксперт" in mail.outbox[0].subject or "Expert" in mail.outbox[0].subject
    assert notification.params == {"role": "expert", "granted": True}


def test_only_the_recipient_marks_a_notification_read(people):
    notification = NotificationFactory(recipient=people["resident"])
    with pytest.raises(Forbidden):
        services.notification_mark_read(actor=people["expert"], notification=notification)
    notification.refresh_from_db()
    assert notification.read_at is None
    services.notification_mark_read(actor=people["resident"], notification=notification)
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_inbox_page_is_own_and_paginated(client_for, people, django_assert_max_num_queries):
    for _ in range(25):
        NotificationFactory(recipient=people["resident"])
    NotificationFactory(recipient=people["expert"], params={"object": "Чужое"})
    client = client_for("resident")
    with django_assert_max_num_queries(12):
        response = client.get("/notifications/")
    assert response.status_code == 200
    assert len(response.context["page_obj"].object_list) == 20
    assert "Чужое" not in response.content.decode()


def test_someone_elses_notification_is_not_found(client_for, people):
    other = NotificationFactory(recipient=people["expert"])
    assert client_for("resident").post(f"/notifications/{other.pk}/read/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_mark_read_with_htmx_returns_the_fragment(client_for, people):
    notification = NotificationFactory(recipient=people["resident"])
    response = client_for("resident").post(f"/notifications/{notification.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().strip().startswith("<li")


def test_follow_button_posts_and_toggles(client_for, people, supplier):
    client = client_for("resident")
    data = {"target_type": "accounts.organization", "target_id": supplier.pk, "action": "follow"}
    response = client.post("/notifications/follow/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'aria-pressed="true"' in response.content.decode()
    assert Follow.objects.filter(user=people["resident"]).count() == 1
    response = client.post("/notifications/follow/", {**data, "action": "unfollow"})
    assert response.status_code == 302
    assert not Follow.objects.exists()


def test_following_an_unknown_target_is_not_found(client_for):
    client = client_for("resident")
    assert client.post("/notifications/follow/", {"target_type": "auth.permission", "target_id": 1}).status_code == 404
    assert client.post("/notifications/follow/", {"target_type": "nonsense", "target_id": "x"}).status_code == 404
    assert not Follow.objects.exists()


def test_api_inbox_follow_and_preferences(api_client_for, people, supplier):
    client = api_client_for("resident")
    NotificationFactory(recipient=people["resident"])
    listing = client.get("/api/v1/notifications/?unread=1").json()
    assert listing["count"] == 1
    notification_id = listing["results"][0]["id"]
    assert client.post(f"/api/v1/notifications/{notification_id}/read/").json()["is_read"] is True
    follow = client.post(
        "/api/v1/follows/", {"object_type": "accounts.organization", "object_id": str(supplier.pk)}, format="json"
    )
    assert follow.status_code == 201
    assert (
        client.post(
            "/api/v1/follows/", {"object_type": "accounts.organization", "object_id": str(supplier.pk)}, format="json"
        ).status_code
        == 409
    )
    assert client.delete(f"/api/v1/follows/{follow.json()['id']}/").status_code == 204
    prefs = client.put("/api/v1/notification-preferences/", {"email": {"follow.updated": False}}, format="json")
    assert prefs.status_code == 200 and prefs.json()["email"]["follow.updated"] is False
    bad = client.put("/api/v1/notification-preferences/", {"email": {"bogus": True}}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["fields"].get("kind")


def test_api_notifications_of_others_are_not_found(api_client_for, people):
    other = NotificationFactory(recipient=people["expert"])
    assert api_client_for("resident").post(f"/api/v1/notifications/{other.pk}/read/").status_code == 404
    assert api_client_for("anonymous").get("/api/v1/notifications/").status_code == 401
