"""Word stems for search that understands Russian and English word forms («электробусы» finds
«электробус», "buses" finds "bus"), the same on PostgreSQL and SQLite.

Texts are reduced to a string of stems once, when they are saved (a ``search_stems`` column);
a query is reduced the same way and matched stem by stem. The stemmers are Snowball's
(PyStemmer), the algorithms PostgreSQL's own ``russian`` and ``english`` configurations use."""

import re
import threading
from functools import lru_cache

import Stemmer

WORD = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)
CYRILLIC = re.compile(r"[а-яё]")
# Short function words carry no meaning for matching; stems of two letters or fewer neither.
STOP_WORDS = frozenset(
    {
        "и",
        "в",
        "во",
        "не",
        "что",
        "он",
        "на",
        "я",
        "с",
        "со",
        "как",
        "а",
        "то",
        "все",
        "она",
        "так",
        "его",
        "но",
        "да",
        "к",
        "у",
        "же",
        "вы",
        "за",
        "бы",
        "по",
        "только",
        "ее",
        "мне",
        "было",
        "вот",
        "от",
        "еще",
        "нет",
        "о",
        "из",
        "ему",
        "когда",
        "даже",
        "ли",
        "если",
        "уже",
        "или",
        "ни",
        "быть",
        "был",
        "до",
        "вам",
        "там",
        "где",
        "есть",
        "надо",
        "для",
        "мы",
        "их",
        "чем",
        "была",
        "без",
        "тоже",
        "под",
        "будет",
        "кто",
        "этот",
        "того",
        "этого",
        "какой",
        "здесь",
        "этом",
        "тем",
        "чтобы",
        "были",
        "можно",
        "при",
        "об",
        "после",
        "над",
        "через",
        "эти",
        "про",
        "всего",
        "них",
        "эту",
        "этой",
        "перед",
        "том",
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "at",
        "by",
        "from",
        "is",
        "are",
        "be",
        "this",
        "that",
        "it",
        "as",
    }
)
MIN_STEM = 3
# Snowball takes "buses" for the plural of "buse" (as "roses" is of "rose"); after s, x, z, ch and
# sh the -es plural of "bus" reads the same, so such a word keeps both readings.
ES_PLURAL = re.compile(r"(?:s|x|z|ch|sh)es$")


_local = threading.local()


def _stemmer(language: str):
    """One stemmer per thread and language: PyStemmer's objects are not safe to share between threads."""
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    if language not in stemmers:
        stemmers[language] = Stemmer.Stemmer(language)
    return stemmers[language]


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """One word's stem, by the word's alphabet: Cyrillic words are Russian, the rest English."""
    word = word.lower().replace("ё", "е")
    return _stemmer("russian" if CYRILLIC.search(word) else "english").stemWord(word)


def _readings(word: str) -> list[str]:
    if ES_PLURAL.search(word) and not CYRILLIC.search(word):
        return [stem(word), stem(word[:-2])]
    return [stem(word)]


def stems(text: str) -> list[str]:
    """The distinct stems of a text, in order of first appearance."""
    seen: dict[str, None] = {}
    for match in WORD.finditer(text or ""):
        word = match.group(0).lower()
        if word in STOP_WORDS:
            continue
        for root in _readings(word):
            if len(root) >= MIN_STEM or root.isdigit():
                seen.setdefault(root, None)
    return list(seen)


def stem_string(text: str) -> str:
    """What a ``search_stems`` column holds: the stems between spaces, with a space at each end
    so that `` stem `` matches whole stems only, with LIKE on any database."""
    found = stems(text)
    return f" {' '.join(found)} " if found else ""
