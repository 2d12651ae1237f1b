"""Fixtures for journeys in real Chromium: one browser per session, a fresh context per test.

Playwright's sync API runs an event loop in the test thread, which makes Django refuse
synchronous ORM calls there ("You cannot call this from an async context"); the tests
drive the ORM (factories, the task worker) from that same thread, so allow it.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser journeys need Debian's Chromium. "
            "Install it with `apt-get install chromium` (Playwright's own browser download "
            "is not used).",
            pytrace=False,
        )
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser, live_server, settings):
    """new_page() -> a page in a fresh context (no cookies), in Russian, as a visitor from
    Moscow sees the site. Two people in one journey get one context each."""
    from playwright.sync_api import expect

    # Links in mails written by the worker point at the live server, not at the default.
    settings.SITE_URL = live_server.url
    expect.set_options(timeout=TIMEOUT_MS)
    contexts = []

    def make(*, width: int = 1280, height: int = 900):
        context = browser.new_context(
            locale="ru-RU", base_url=live_server.url, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def run_worker():
    """Run the real django-tasks-db worker in this process over everything queued.

    The worker records a task's exception and carries on; here a failed task fails the
    test, with the task's traceback, instead of showing up later as a missing e-mail.
    """
    from django_tasks_db.models import DBTaskResult

    def run() -> None:
        failed_before = set(DBTaskResult.objects.failed().values_list("pk", flat=True))
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
        failed = DBTaskResult.objects.failed().exclude(pk__in=failed_before)
        if failed:
            pytest.fail(
                "Background tasks failed in the worker:\n"
                + "\n".join(f"{task.task_path}:\n{task.traceback}" for task in failed),
                pytrace=False,
            )

    return run
