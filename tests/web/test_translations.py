"""The translation catalogs: Russian is complete, compiled, and what people actually see.

Russian is the default language and English is the source language of every string. The
catalogs under locale/ are committed together with their compiled .mo files (a fresh machine may
have no GNU gettext), so these tests check that the two never drift apart. They read the files
with Babel and do not need gettext.
"""

import html
import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
RU_PLURAL_FORMS = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
)
EN_PLURAL_FORMS = "nplurals=2; plural=(n != 1);"

HOME_RU = "Все инновации города — на одной открытой площадке"
HOME_EN = "The city's innovation work, in one open place"

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _po(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").open("rb") as po:
        return read_po(po, locale=language)


def _mo(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        return read_mo(mo)


def _messages(catalog):
    """(msgid, msgstr) pairs of a catalog without the header; plural ids and strings are tuples."""
    return [message for message in catalog if message.id]


def _forms(message) -> tuple[str, ...]:
    return tuple(message.string) if message.pluralizable else (message.string,)


def _ids(message) -> tuple[str, ...]:
    return tuple(message.id) if message.pluralizable else (message.id,)


def _placeholders(text: str) -> set[str]:
    return {match.group(0) for match in PLACEHOLDER.finditer(text.replace("%%", ""))}


def _tags(text: str) -> list[str]:
    return sorted(HTML_TAG.findall(text))


def _label(message) -> str:
    return repr(message.id)


# --- The catalog files ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ru", "en"])
def test_catalog_files_exist(language):
    for name in ("django.po", "django.mo"):
        assert (LOCALE_DIR / language / "LC_MESSAGES" / name).is_file(), f"locale/{language}: {name}"


def test_russian_header_has_the_standard_russian_plural_rule():
    catalog = _po("ru")
    header = dict(catalog.mime_headers)
    assert header["Language"] == "ru"
    assert header["Plural-Forms"] == RU_PLURAL_FORMS
    assert "charset=utf-8" in header["Content-Type"].lower()
    assert catalog.fuzzy is False, "the header of locale/ru django.po is marked fuzzy"


def test_english_header_is_set():
    catalog = _po("en")
    header = dict(catalog.mime_headers)
    assert header["Language"] == "en"
    assert header["Plural-Forms"] == EN_PLURAL_FORMS
    assert catalog.fuzzy is False, "the header of locale/en django.po is marked fuzzy"


def test_catalogs_hold_the_same_messages():
    ru = {(message.context, _ids(message)) for message in _messages(_po("ru"))}
    en = {(message.context, _ids(message)) for message in _messages(_po("en"))}
    assert ru == en, "run makemessages for both languages: the catalogs list different messages"


# --- (a) Every Russian message is translated ----------------------------------------------------


def test_every_russian_message_is_translated_and_none_is_fuzzy():
    messages = _messages(_po("ru"))
    assert len(messages) > 100, "locale/ru django.po looks empty"
    untranslated, fuzzy, wrong_count = [], [], []
    for message in messages:
        forms = _forms(message)
        if message.pluralizable and len(forms) != 3:
            wrong_count.append(_label(message))
        if not all(form.strip() for form in forms):
            untranslated.append(_label(message))
        if message.fuzzy:
            fuzzy.append(_label(message))
    assert not untranslated, "untranslated in locale/ru:\n" + "\n".join(untranslated)
    assert not fuzzy, "fuzzy in locale/ru (check the translation, then remove the flag):\n" + "\n".join(fuzzy)
    assert not wrong_count, "plural messages without exactly 3 Russian forms:\n" + "\n".join(wrong_count)


def test_obsolete_entries_are_not_kept_around():
    assert not _po("ru").obsolete, "locale/ru django.po has obsolete (#~) entries; remove them"


# --- (b) The committed .mo is compiled from the current .po ------------------------------------


@pytest.mark.parametrize("language", ["ru", "en"])
def test_compiled_catalog_matches_the_po(language):
    po, mo = _po(language), _mo(language)
    # msgfmt leaves out fuzzy and untranslated entries.
    expected = {
        (message.context, _ids(message)): _forms(message)
        for message in _messages(po)
        if not message.fuzzy and all(_forms(message))
    }
    compiled = {(message.context, _ids(message)): _forms(message) for message in _messages(mo)}
    stale = sorted(repr(key[1][0]) for key in expected.keys() & compiled.keys() if expected[key] != compiled[key])
    missing = sorted(repr(key[1][0]) for key in expected.keys() - compiled.keys())
    extra = sorted(repr(key[1][0]) for key in compiled.keys() - expected.keys())
    hint = f"\nrecompile: manage.py compilemessages --ignore=.venv (locale/{language})"
    assert not stale, "the .mo has other translations than the .po:\n" + "\n".join(stale) + hint
    assert not missing, "translations in the .po but not in the .mo:\n" + "\n".join(missing) + hint
    assert not extra, "messages in the .mo without a complete translation in the .po:\n" + "\n".join(extra) + hint
    assert mo.plural_forms == po.plural_forms, "the .mo was compiled with another Plural-Forms" + hint


# --- (c) Placeholders and markup survive translation ------------------------------------------


def test_translations_keep_the_placeholders_of_the_source():
    problems = []
    for message in _messages(_po("ru")):
        source = set().union(*(_placeholders(text) for text in _ids(message)))
        for index, form in enumerate(_forms(message)):
            found = _placeholders(form)
            if found != source:
                problems.append(f"{_label(message)} form {index}: {sorted(found)} != {sorted(source)}")
    assert not problems, "placeholders differ between msgid and msgstr:\n" + "\n".join(problems)


def test_translations_keep_the_markup_of_the_source():
    problems = []
    for message in _messages(_po("ru")):
        source = _tags(_ids(message)[0])
        for index, form in enumerate(_forms(message)):
            if _tags(form) != source:
                problems.append(f"{_label(message)} form {index}: {_tags(form)} != {source}")
    assert not problems, "HTML tags differ between msgid and msgstr:\n" + "\n".join(problems)


def test_template_variables_were_not_left_in_django_syntax():
    # {% blocktranslate %} turns {{ name }} into %(name)s; a literal {{ in a translation is a typo.
    leftovers = [
        _label(message) for message in _messages(_po("ru")) for form in _forms(message) if "{{" in form or "{%" in form
    ]
    assert not leftovers, "template syntax inside translations:\n" + "\n".join(leftovers)


# --- (d) Pages really are Russian by default and English when switched ---------------------------


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.django_db
def test_home_page_is_russian_by_default_and_english_after_switching(client):
    response = client.get("/")
    assert response.status_code == 200
    page = _text(response)
    assert '<html lang="ru">' in page
    assert HOME_RU in page
    assert HOME_EN not in page

    switched = client.post(reverse("accounts:set-language"), {"language": "en", "next": "/"})
    assert switched.status_code == 302

    response = client.get("/")
    page = _text(response)
    assert '<html lang="en">' in page
    assert HOME_EN in page
    assert HOME_RU not in page

    client.post(reverse("accounts:set-language"), {"language": "ru", "next": "/"})
    page = _text(client.get("/"))
    assert '<html lang="ru">' in page
    assert HOME_RU in page


@pytest.mark.django_db
def test_sign_in_page_from_allauth_is_russian_by_default(client):
    # django-allauth brings its own Russian catalog for its pages.
    page = _text(client.get(reverse("account_login")))
    assert '<html lang="ru">' in page
    assert "Пароль" in page
    assert "Password" not in page

    client.post(reverse("accounts:set-language"), {"language": "en", "next": "/"})
    page = _text(client.get(reverse("account_login")))
    assert '<html lang="en">' in page
    assert "Password" in page
