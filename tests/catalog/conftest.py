"""The catalog's tests read messages in English, the language the code is written in; the
Russian catalog is checked as a whole by tests/web/test_translations.py and in the browser
journey's Russian pages."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
