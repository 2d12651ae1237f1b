"""Security basics: login throttling, password rules, CSRF, password reset by e-mail."""

import pytest
from django.core import mail
from django.test import Client

from govtech.core.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _login(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_repeated_failed_logins_lock_the_account_for_a_while(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "100/m/ip,3/5m/key"}
    user = UserFactory(email="target@example.test")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(3):
        response = _login(client, user.email, "wrong-password-1")
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = _login(client, user.email, PASSWORD)  # even the right password is refused now
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()
    other = UserFactory(email="bystander@example.test")
    _login(client, other.email, PASSWORD)
    assert client.session["_auth_user_id"] == str(other.pk)  # the lock is per account


def test_weak_passwords_are_refused_at_sign_up():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/accounts/signup/", {"email": "new@example.test", "password1": "12345678", "password2": "12345678"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "too short" in html or "too common" in html or "entirely numeric" in html
    from govtech.accounts.models import User

    assert not User.objects.filter(email="new@example.test").exists()


def test_forms_require_the_csrf_token():
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/profile/", {"full_name": "Без токена", "language": "en"})
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.full_name != "Без токена"


def test_password_reset_sends_a_working_link():
    user = UserFactory(email="forgetful@example.test")
    client = Client()
    client.post("/accounts/password/reset/", {"email": user.email})
    assert len(mail.outbox) == 1
    link = next(word for word in mail.outbox[0].body.split() if "/accounts/password/reset/key/" in word)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else "/" + path
    new_password = "a-fresh-passphrase-42"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)
    event = AuditEvent.objects.get(action="user.password_changed")
    assert event.object_id == str(user.pk)
    assert new_password not in str(event.before) + str(event.after)


def test_session_and_csrf_cookies_are_http_only_or_scoped(settings):
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.X_FRAME_OPTIONS == "DENY"
    assert settings.SECURE_CONTENT_TYPE_NOSNIFF is True
