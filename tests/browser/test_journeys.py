"""Journeys in real Chromium against the live server: what a person does, start to finish."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from govtech.accounts.models import Membership, MembershipRole, User
from govtech.notifications.models import Notification
from tests.browser.helpers import (
    RU_EMAIL,
    RU_PASSWORD,
    RU_PASSWORD_AGAIN,
    RU_SIGN_UP,
    confirm_email,
    link_in_mail,
    log_in,
    mails_to,
    sign_up,
    switch_language,
)
from tests.factories import AgencyFactory, MembershipFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("/tmp/govtech-browser")
HOME_HEADING_EN = "The city's innovation work, in one open place"


def test_sign_up_confirm_switch_language_edit_profile_and_sign_out(page: Page):
    email = "new.resident@example.test"

    # A first visit is in Russian.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    sign_up(page, email)
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    assert not User.objects.get(email=email).emailaddress_set.get().verified

    confirm_email(page, email)
    assert User.objects.get(email=email).emailaddress_set.get().verified

    log_in(page, email)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    # The header's language form switches the whole interface to English.
    switch_language(page, "en")
    expect(page.get_by_role("heading", level=1, name=HOME_HEADING_EN)).to_be_visible()
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("button", name="Sign out")).to_be_visible()
    assert User.objects.get(email=email).language == "en"

    # Edit the profile.
    banner.get_by_role("link", name=email, exact=True).click()
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1, name="Profile")).to_be_visible()
    expect(main.get_by_label("Language")).to_have_value("en")
    main.get_by_label("Full name").fill("Анна Петрова")
    main.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile is saved.")
    expect(banner.get_by_role("link", name="Анна Петрова", exact=True)).to_be_visible()
    expect(main.get_by_label("Full name")).to_have_value("Анна Петрова")
    assert User.objects.get(email=email).full_name == "Анна Петрова"

    # Sign out: the header offers to sign in again, still in English.
    banner.get_by_role("button", name="Sign out").click()
    expect(banner.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    expect(banner.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(banner.get_by_role("link", name="Анна Петрова")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/profile/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/profile/"))


def test_admin_invites_a_person_who_signs_up_and_joins(new_page, run_worker):
    organization = SupplierFactory()
    admin = UserFactory(full_name="Irina Admin", language="en")
    MembershipFactory(user=admin, organization=organization, role=MembershipRole.ADMIN)
    invitee = "new.colleague@example.test"

    # The administrator signs in (the login page is Russian; her profile says English).
    admin_page = new_page()
    log_in(admin_page, admin.email, shown_as=admin.full_name)
    expect(admin_page.locator("html")).to_have_attribute("lang", "en")

    admin_page.get_by_role("banner").get_by_role("link", name="My organizations").click()
    admin_page.get_by_role("main").get_by_role("link", name="Members").click()
    main = admin_page.get_by_role("main")
    expect(main.get_by_role("heading", level=1, name=f"Members of {organization.name}")).to_be_visible()

    main.get_by_label("E-mail").fill(invitee)
    expect(main.get_by_label(re.compile(r"^Role:?$"))).to_have_value(MembershipRole.MEMBER)
    main.get_by_role("button", name="Send invitation").click()
    expect(admin_page.get_by_role("status")).to_contain_text(f"Invitation sent to {invitee}.")
    expect(main.get_by_role("cell", name=invitee, exact=True)).to_be_visible()

    # The worker sends the invitation.
    assert mails_to(invitee) == []
    run_worker()
    invitations = mails_to(invitee)
    assert len(invitations) == 1
    assert organization.name in invitations[0].subject
    invitation_url = link_in_mail(invitations[0], "/invitations/")

    # The invited person signs up with that address, confirms it and signs in.
    person = new_page()
    sign_up(person, invitee)
    confirm_email(person, invitee)
    log_in(person, invitee)

    person.goto(invitation_url)
    person_main = person.get_by_role("main")
    expect(person_main.get_by_role("heading", level=1)).to_contain_text(organization.name)
    expect(person_main).to_contain_text(invitee)
    # The page's one button accepts (located by role: its label is in the person's language).
    person_main.get_by_role("button").click()
    expect(person).to_have_url(re.compile(re.escape(organization.get_absolute_url()) + "$"))
    expect(person_main.get_by_role("heading", level=1, name=organization.name)).to_be_visible()
    expect(person.get_by_role("status")).to_contain_text(organization.name)
    assert Membership.objects.get(organization=organization, user__email=invitee).role == MembershipRole.MEMBER

    # The administrator's members page lists the new member.
    admin_page.reload()
    members = admin_page.get_by_role("table", name="Members")
    expect(members.get_by_role("row").filter(has_text=invitee)).to_contain_text("Member")

    # The worker delivers the in-app notification (and its e-mail) to the administrator.
    run_worker()
    assert Notification.objects.filter(recipient=admin).count() == 1
    admin_page.goto("/notifications/")
    expect(admin_page.get_by_role("heading", level=1, name="Inbox")).to_be_visible()
    notifications = admin_page.locator("ul.notification-list > li")
    expect(notifications).to_have_count(1)
    expect(notifications.get_by_role("link", name=f"{invitee} joined {organization.name}")).to_be_visible()
    expect(admin_page.get_by_role("banner").get_by_role("link", name="Inbox")).to_contain_text("1")
    assert len(mails_to(admin.email)) == 1


def test_keyboard_landmarks_labels_and_mobile_layout(new_page):
    page = new_page()
    page.goto("/")

    # The first Tab lands on the skip link, shown on focus; Enter moves focus to <main>.
    page.keyboard.press("Tab")
    skip_link = page.locator('a[href="#main"]')
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")

    # Landmarks: one of each.
    for role in ("banner", "navigation", "main", "contentinfo"):
        expect(page.get_by_role(role)).to_have_count(1)

    # Every form control of the sign-up page has a label that finds exactly that control.
    page.goto("/accounts/signup/")
    main = page.get_by_role("main")
    for label in (RU_EMAIL, RU_PASSWORD, RU_PASSWORD_AGAIN):
        expect(main.get_by_label(label)).to_have_count(1)
    controls = page.locator("input:not([type=hidden]), select, textarea")
    assert controls.count() >= 4  # the header's language select and the three fields
    for index in range(controls.count()):
        control = controls.nth(index)
        control_id = control.get_attribute("id")
        label = control.evaluate("el => el.labels.length ? el.labels[0].textContent.trim() : ''")
        assert label, f"form control #{control_id} has no label"
        assert page.get_by_label(label, exact=True).get_attribute("id") == control_id
    # The submit button follows the last field in the tab order.
    main.get_by_label(RU_PASSWORD_AGAIN).focus()
    page.keyboard.press("Tab")
    expect(main.get_by_role("button", name=RU_SIGN_UP)).to_be_focused()

    # At a phone's width (390px) nothing scrolls sideways; screenshots are looked at by eye.
    SupplierFactory.create_batch(3)
    AgencyFactory.create_batch(2)
    phone = new_page(width=390, height=844)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for path, name in (("/", "home"), ("/organizations/", "organizations")):
        phone.goto(path)
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        phone.screenshot(path=str(SCREENSHOTS / f"{name}-390.png"), full_page=True)
        overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a 390px screen"
