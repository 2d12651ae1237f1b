"""The catalog's tests read messages in English, the language the code is written in; the
Russian catalog is checked as a whole by tests/web/test_translations.py and in the browser
journey's Russian pages."""

import datetime as dt

import pytest
import time_machine
from django.utils import translation

CLOCK_START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def clock():
    """The clock stands at CLOCK_START (a Monday, 12:00 in Moscow) until a test moves it."""
    with time_machine.travel(CLOCK_START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def eligible(supplier):
    """The supplier is four years old: eligible under the default rules."""
    supplier.founded_on = dt.date(2022, 1, 10)
    supplier.save(update_fields=["founded_on"])
    return supplier
