"""The CSV downloads: a byte order mark for spreadsheets, a translated header, one row per agency,
category or story, text a spreadsheet cannot run as a formula, and stories published without a
name carry no author (and no e-mail ever)."""

import csv
import io

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from govtech.funnel.models import Topic
from govtech.participation import selectors, services
from govtech.participation.exports import accountability_csv_rows
from govtech.participation.models import IdeaStatus
from tests.factories import AgencyFactory, UserFactory
from tests.participation.factories import DistrictFactory, IdeaFactory, OkrugFactory, StoryTemplateFactory
from tests.participation.helpers import T0, at

pytestmark = pytest.mark.django_db


def parse(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 byte order mark to read Cyrillic"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def download(url: str, params=None) -> list[list[str]]:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(url, params or {})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return parse(body)


# --- accountability -----------------------------------------------------------------------


@pytest.fixture
def answered_ideas():
    """One agency with a formula-like name: 2 ideas published at T0, one answered after 3 days
    and accepted, one not answered yet."""
    agency = AgencyFactory(name="=Департамент транспорта")
    IdeaFactory(
        agency=agency, topic=Topic.TRANSPORT, published_at=T0, first_answered_at=at(3), status=IdeaStatus.ACCEPTED
    )
    IdeaFactory(agency=agency, topic=Topic.HOUSING, published_at=T0)
    return agency


def test_the_accountability_csv_by_agency(answered_ideas):
    rows = download(reverse("participation:accountability-csv"), {"by": "agency"})
    assert rows == [
        [
            "Agency",
            "Ideas received",
            "Answered",
            "Answered, %",
            "Median days to the first official answer",
            "Accepted",
            "Accepted, %",
            "Implemented",
            "Implemented, %",
        ],
        ["'=Департамент транспорта", "2", "1", "50.0", "3.0", "1", "50.0", "0", "0.0"],
    ]


def test_the_accountability_csv_by_category(answered_ideas):
    rows = download(reverse("participation:accountability-csv"), {"by": "topic"})
    assert rows[0][0] == "Category"
    assert sorted(rows[1:]) == [
        ["Housing and utilities", "1", "0", "0.0", "", "0", "0.0", "0", "0.0"],
        ["Transport and roads", "1", "1", "100.0", "3.0", "1", "100.0", "0", "0.0"],
    ]


def test_the_accountability_csv_header_follows_the_language(answered_ideas):
    with translation.override("ru"):
        header = accountability_csv_rows(selectors.accountability(by="agency"), by="agency")[0]
    assert header[0] != "Agency"
    assert len(header) == 9


def test_the_default_grouping_is_by_agency(answered_ideas):
    assert download(reverse("participation:accountability-csv"))[0][0] == "Agency"


# --- stories ------------------------------------------------------------------------------

STORY_HEADER = [
    "Story",
    "Template",
    "Shared on",
    "When it happened",
    "Administrative area",
    "District",
    "Experience, 1–5",
    "Tags",
    "Who was involved",
    "Outcome",
    "What happened",
    "Anything else",
    "Author",
]


def _submit(template, author, **fields):
    arguments = {
        "what_happened": "Подали заявление через портал.",
        "experience": 4,
        "tags": ["сайт"],
        "involved": ["МФЦ"],
        "outcome": "решено",
        "consent": True,
    }
    return services.story_submit(actor=author, template=template, **(arguments | fields))


@pytest.fixture
def stories():
    template = StoryTemplateFactory(key="kindergarten", title="Запись в детский сад")
    area = OkrugFactory(name="Центральный")
    arbat = DistrictFactory(name="Арбат", parent=area)
    named = UserFactory(full_name="Анна Петрова", email="anna@example.test")
    hidden = UserFactory(full_name="Борис Тайный", email="boris@example.test")
    nameless = UserFactory(full_name="", email="nameless@example.test")
    with time_machine.travel(at(-3), tick=False):
        first = _submit(
            template,
            named,
            anonymous=False,
            district=arbat,
            tags=["сайт", "очередь"],
            involved=["МФЦ", "заведующий"],
            happened_on=at(-30).date(),
            free_text='=HYPERLINK("http://evil.example")',
        )
    with time_machine.travel(at(-2), tick=False):
        second = _submit(template, hidden, anonymous=True, district=area, experience=1, outcome="не решено")
    with time_machine.travel(at(-1), tick=False):
        third = _submit(template, nameless, anonymous=False, what_happened="-2 часа в очереди")
    other = StoryTemplateFactory(key="parks", title="Парки")
    with time_machine.travel(at(-1), tick=False):
        _submit(other, UserFactory(), experience=5)
    return {"template": template, "area": area, "stories": (first, second, third)}


def test_the_story_csv_has_one_row_per_story(stories):
    first, second, third = stories["stories"]
    rows = download(reverse("participation:story-csv"), {"template": "kindergarten"})
    assert rows[0] == STORY_HEADER
    assert rows[1:] == [
        [
            str(first.pk),
            "Запись в детский сад",
            "2026-02-27",
            "2026-01-31",
            "Центральный",
            "Арбат",
            "4",
            "очередь; сайт",  # in the template's order
            "заведующий; МФЦ",
            "решено",
            "Подали заявление через портал.",
            "'=HYPERLINK(\"http://evil.example\")",
            "Анна Петрова",
        ],
        [str(second.pk), "Запись в детский сад", "2026-02-28", "", "Центральный", "", "1", "сайт", "МФЦ", "не решено",
         "Подали заявление через портал.", "", ""],
        [str(third.pk), "Запись в детский сад", "2026-03-01", "", "", "", "4", "сайт", "МФЦ", "решено",
         "'-2 часа в очереди", "", ""],
    ]  # fmt: skip


def test_the_story_csv_never_names_an_anonymous_author_nor_writes_an_e_mail(stories):
    body = "\n".join(",".join(row) for row in download(reverse("participation:story-csv")))
    assert "Борис Тайный" not in body  # published without a name
    assert "@example.test" not in body  # the nameless author's e-mail does not stand in for a name
    assert "Анна Петрова" in body


def test_the_story_csv_takes_the_analysis_filters(stories):
    all_rows = download(reverse("participation:story-csv"))
    assert len(all_rows) == 1 + 4
    in_area = download(reverse("participation:story-csv"), {"district": stories["area"].pk})
    assert len(in_area) == 1 + 2
    recent = download(reverse("participation:story-csv"), {"date_from": "2026-03-01", "date_to": "2026-03-01"})
    assert {row[1] for row in recent[1:]} == {"Запись в детский сад", "Парки"}
    assert len(recent) == 1 + 2


def test_bad_story_csv_filters_answer_400(stories):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(
        reverse("participation:story-csv"), {"date_from": "2026-03-02", "date_to": "2026-03-01"}
    )
    assert response.status_code == 400
    assert "The end of the range cannot be before its start." in response.content.decode()
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("participation:story-csv"), {"template": "no-such"})
    assert response.status_code == 400


def test_the_story_csv_of_nothing_is_just_the_header(db):
    assert download(reverse("participation:story-csv")) == [STORY_HEADER]


def test_the_analysis_links_the_csv_with_the_same_filters(stories):
    with time_machine.travel(T0, tick=False):
        html = (
            Client(HTTP_ACCEPT_LANGUAGE="en")
            .get(reverse("participation:story-analysis"), {"template": "kindergarten"})
            .content.decode()
        )
    assert 'href="/ideas/stories.csv?template=kindergarten"' in html
