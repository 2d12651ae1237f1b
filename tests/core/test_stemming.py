"""Word stems: the forms of one Russian or English word reduce to one stem, function words and
scraps are dropped, and the stored string matches whole stems only."""

import pytest

from govtech.core.stemming import stem, stem_string, stems


@pytest.mark.parametrize(
    "forms",
    [
        ["электробус", "электробусы", "электробусов", "электробусами", "Электробусе"],
        ["парковка", "парковки", "парковку", "парковкой"],
        ["дорога", "дороги", "дорог", "дорогами", "дороге"],
        ["светофор", "светофоры", "светофора", "светофорами"],
        ["ёлка", "елка", "ЁЛКИ", "ёлкой"],
        ["bus", "buses", "Bus"],
        ["rose", "roses"],  # the same ending as "buses", the other reading
        ["road", "roads"],
        ["box", "boxes"],
        ["park", "parks", "parking"],
        ["city", "cities"],
    ],
)
def test_the_forms_of_a_word_share_a_stem(forms):
    assert all(set(stems(form)) & set(stems(forms[0])) for form in forms), {form: stems(form) for form in forms}


@pytest.mark.parametrize(
    "one, other",
    [
        ("электробус", "велосипед"),
        ("парковка", "парк"),
        ("дорога", "дорожка"),
        ("bus", "business"),
        ("road", "roadmap"),
    ],
)
def test_different_words_do_not_share_a_stem(one, other):
    assert not set(stems(one)) & set(stems(other))


def test_an_english_es_plural_keeps_both_readings():
    assert stems("buses") == ["buse", "bus"]
    assert stems("boxes") == ["box"]  # Snowball reads this one right; nothing is added
    assert stems("автобусы") == ["автобус"]


def test_a_stem_depends_on_the_alphabet_of_the_word():
    assert stem("Парковки") == stem("парковка") == "парковк"
    assert stem("Parking") == "park"
    assert stem("ёж") == stem("еж")


def test_function_words_and_scraps_are_left_out():
    assert stems("и в на по для the of and") == []
    assert stems("я за ты он") == []  # two letters or fewer say nothing
    assert stems("Маршрут 42 и 7") == [stem("маршрут"), "42", "7"]  # numbers stay


def test_stems_are_distinct_in_order_of_first_appearance():
    assert stems("Парковки у школы, парковка у парка!") == ["парковк", "школ", "парк"]


def test_punctuation_and_markup_separate_words():
    assert stems("**электробусы**—на_кольце (срочно)") == ["электробус", "кольц", "срочн"]


def test_the_stored_string_is_framed_by_spaces_so_that_only_whole_stems_match():
    stored = stem_string("Больше электробусов на Садовом кольце")
    assert stored == " больш электробус садов кольц "
    assert " электробус " in stored
    assert " садов " in stored and " сад " not in stored
    assert stem_string("") == stem_string("и на по") == ""
    assert stem_string(None) == ""
