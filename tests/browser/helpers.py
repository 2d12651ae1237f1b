"""Steps shared by the journeys, written the way a person does them in the browser.

Pages shown before a person picks a language are in Russian. Their texts come from
django-allauth's own Russian catalogue (stable); the project's own strings are located
by role and structure there, so the journeys hold whether or not locale/ru is complete.
"""

import re

from django.core import mail
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

LINK = re.compile(r"https?://[^\s<>\"']+")

# django-allauth's Russian texts.
RU_SIGN_UP = "Зарегистрируйтесь"
RU_EMAIL = "Адрес электронной почты"
RU_PASSWORD = re.compile(r"^Пароль:?$")
RU_PASSWORD_AGAIN = re.compile(r"^Пароль \(ещё раз\):?$")
RU_CONFIRM_HEADING = re.compile("Подтвердите ваш адрес электронной почты", re.IGNORECASE)
RU_CONFIRM_BUTTON = "Подтвердить"
RU_SIGN_IN = "Войти"


def mails_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def link_in_mail(message, contains: str) -> str:
    """The first link in a mail whose URL contains ``contains``."""
    for url in LINK.findall(message.body):
        if contains in url:
            return url
    raise AssertionError(f"No link containing {contains!r} in the mail:\n{message.body}")


def sign_up(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill allauth's sign-up form (in Russian) and land on «confirm your address»."""
    page.goto("/accounts/signup/")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1, name=RU_SIGN_UP)).to_be_visible()
    main.get_by_label(RU_EMAIL).fill(email)
    main.get_by_label(RU_PASSWORD).fill(password)
    main.get_by_label(RU_PASSWORD_AGAIN).fill(password)
    main.get_by_role("button", name=RU_SIGN_UP).click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(main.get_by_role("heading", level=1, name=RU_CONFIRM_HEADING)).to_be_visible()


def confirm_email(page: Page, email: str) -> None:
    """Open the link of the confirmation mail and press «Confirm»; allauth then asks to sign in."""
    confirmations = [m for m in mails_to(email) if "/accounts/confirm-email/" in m.body]
    assert len(confirmations) == 1, [m.subject for m in mail.outbox]
    page.goto(link_in_mail(confirmations[0], "/accounts/confirm-email/"))
    main = page.get_by_role("main")
    expect(main.get_by_text(email)).to_be_visible()
    main.get_by_role("button", name=RU_CONFIRM_BUTTON).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def log_in(page: Page, email: str, password: str = PASSWORD, *, shown_as: str = "") -> None:
    """Sign in through the real login form (Russian until the profile says otherwise).

    ``shown_as`` is how the header names the person: the full name, else the e-mail.
    """
    if not page.url.split("?")[0].endswith("/accounts/login/"):
        page.goto("/accounts/login/")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1, name=RU_SIGN_IN)).to_be_visible()
    main.get_by_label(RU_EMAIL).fill(email)
    main.get_by_label(RU_PASSWORD).fill(password)
    main.get_by_role("button", name=RU_SIGN_IN).click()
    # Signed in: the header links to the profile, named after the person.
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("link", name=shown_as or email, exact=True)).to_be_visible()


def switch_language(page: Page, code: str) -> None:
    """Use the header's language form: its one select, then its button."""
    banner = page.get_by_role("banner")
    select = banner.get_by_role("combobox")
    select.select_option(code)
    # ``has`` is relative to each form, so it starts from the page, not from the banner.
    banner.locator("form", has=page.get_by_role("combobox")).get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", code)
