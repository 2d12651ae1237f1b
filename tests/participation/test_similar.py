"""Similar-idea suggestions while a resident types: other forms of the same words are found in
Russian and English, unrelated ideas are not, ideas sharing more stems come first, and nothing
hidden or waiting for pre-moderation is ever suggested. The same on SQLite (LIKE over the stems)
and on PostgreSQL (the GIN index over them)."""

import pytest
from django.db import connection

from govtech.core.fulltext import search_by_stems
from govtech.participation import selectors, services
from govtech.participation.models import Idea, IdeaStatus
from govtech.participation.selectors import IdeaFilters
from tests.factories import UserFactory
from tests.participation.factories import IdeaFactory

pytestmark = pytest.mark.django_db


def _idea(title: str, text: str = "Подробности позже.", **fields) -> Idea:
    return IdeaFactory(title=title, text=text, **fields)


def _similar(text: str, **kwargs) -> list[str]:
    return [idea.title for idea in selectors.similar_ideas(text=text, **kwargs)]


@pytest.fixture
def ideas():
    return {
        "buses": _idea("Больше электробусов на Садовом кольце", "Пустить электробус по кольцу."),
        "parking": _idea("Парковка у поликлиники", "Нужна бесплатная парковка для пациентов."),
        "roads": _idea("Ремонт дорог в Митино", "Ямы на дороге у школы."),
        "trees": _idea("Посадить деревья во дворе", "Липы и клёны вдоль забора."),
        "english": _idea("More electric buses", "Replace the old diesel fleet."),
    }


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("электробусы", ["Больше электробусов на Садовом кольце"]),
        ("Электробус до метро", ["Больше электробусов на Садовом кольце"]),
        ("парковки", ["Парковка у поликлиники"]),
        ("дорога", ["Ремонт дорог в Митино"]),
        ("разбитые дороги", ["Ремонт дорог в Митино"]),
        ("дерево", ["Посадить деревья во дворе"]),
        ("ЁЛКИ и клен", ["Посадить деревья во дворе"]),  # клён is stored as клен, ёлки match nothing
        ("bus", ["More electric buses"]),
        ("Electric", ["More electric buses"]),
    ],
)
def test_other_forms_of_the_words_are_found(ideas, typed, expected):
    assert _similar(typed) == expected


def test_english_plurals_find_the_singular(db):
    bus = _idea("A bus lane on the ring road", "One lane for the bus.")
    assert _similar("buses") == [bus.title]
    assert _similar("roads") == [bus.title]


@pytest.mark.parametrize("typed", ["велодорожки", "бассейн и каток", "library", "", "   ", "и в на по для", "!!!"])
def test_unrelated_or_empty_text_suggests_nothing(ideas, typed):
    assert _similar(typed) == []


def test_ideas_sharing_more_stems_come_first(db):
    one = _idea("Скамейки в парке", "Поставить скамейки.")
    three = _idea("Освещение и скамейки у пруда в парке", "Фонари вдоль дорожек.")
    two = _idea("Фонари в парке", "Светлее вечером.")
    # Three stems shared, then two each: the newer of those first (neither has votes).
    assert _similar("Скамейки и фонари в тёмном парке") == [three.title, two.title, one.title]
    annotated = search_by_stems(Idea.objects.all(), "search_stems", "Скамейки и фонари в тёмном парке")
    assert dict(annotated.values_list("title", "matched")) == {three.title: 3, one.title: 2, two.title: 2}


def test_among_equal_matches_the_most_supported_comes_first(db):
    quiet = _idea("Парковка у школы")
    popular = _idea("Парковка у рынка", vote_count=12)
    assert _similar("парковка") == [popular.title, quiet.title]


def test_hidden_and_pre_moderated_ideas_are_never_suggested(db):
    _idea("Электробус до Зеленограда", status=IdeaStatus.SUBMITTED, published_at=None)
    hidden = _idea("Электробус через мост")
    hidden.hidden_at, hidden.hidden_reason = hidden.published_at, "Спам"
    hidden.save()
    answered = [
        _idea(f"Электробус номер {n}", status=status)
        for n, status in enumerate([IdeaStatus.REJECTED, IdeaStatus.MERGED, IdeaStatus.IMPLEMENTED])
    ]
    assert sorted(_similar("электробусы")) == sorted(idea.title for idea in answered)


def test_the_idea_itself_is_left_out_and_the_list_is_short(db):
    own = _idea("Электробус по кольцу")
    others = [_idea(f"Электробус по маршруту {n}") for n in range(7)]
    found = selectors.similar_ideas(text="электробусы", exclude_id=own.pk)
    assert len(found) == 5
    assert own not in found
    assert set(found) <= set(others)
    assert len(selectors.similar_ideas(text="электробусы", limit=2)) == 2


def test_a_new_idea_is_found_by_its_title_and_its_text(db):
    author = UserFactory()
    idea = services.idea_submit(
        actor=author, title="Тротуар у станции", text="Сделать пандусы для колясок.", topic="transport"
    )
    assert _similar("пандус") == [idea.title]
    assert _similar("тротуары") == [idea.title]


def test_the_idea_list_search_uses_the_same_stems(ideas, people):
    found = selectors.idea_list(actor=people["resident"], filters=IdeaFilters(query="электробусы на кольце"))
    assert [idea.title for idea in found] == ["Больше электробусов на Садовом кольце"]
    assert found[0].matched == 2
    assert list(selectors.idea_list(actor=people["resident"], filters=IdeaFilters(query="для"))) == []


def test_postgresql_answers_from_the_gin_index(ideas):
    """On PostgreSQL the migration builds the index and the search query is written so that it is
    used; SQLite has no GIN indexes, the migration step does nothing there and the column is scanned."""
    query = search_by_stems(Idea.objects.all(), "search_stems", "электробусы парковки")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'idea_search_stems_gin'")
            (definition,) = cursor.fetchone()
            assert "USING gin (to_tsvector('simple'::regconfig, search_stems))" in definition
            cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: make the planner show its options
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "idea_search_stems_gin" in plan, plan
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'idea_search_stems_gin'")
            assert cursor.fetchall() == []
    assert sorted(idea.title for idea in query) == ["Больше электробусов на Садовом кольце", "Парковка у поликлиники"]
