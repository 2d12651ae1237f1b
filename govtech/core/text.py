"""User text: Markdown rendered to HTML that is safe to show."""

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h2",
    "h3",
    "h4",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str) -> str:
    """Render Markdown, then sanitise: raw HTML, scripts and javascript: links never survive."""
    html = _markdown.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )


# Russian letters to Latin (close to the passport rules of 2014), so Cyrillic titles get
# readable web addresses instead of empty slugs.
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a|b|v|g|d|e|e|zh|z|i|i|k|l|m|n|o|p|r|s|t|u|f|kh|ts|ch|sh|shch||y||e|iu|ia".split("|"),  # noqa: SIM905 - one line, one letter each
        strict=True,
    )
)


def slug_from(text: str, max_length: int = 60) -> str:
    """A Latin slug for any title: Cyrillic is transliterated, then Django's slugify."""
    from django.utils.text import slugify

    latin = "".join(_CYRILLIC.get(char, char) for char in text.lower())
    return slugify(latin)[:max_length].strip("-")


def unique_slug(model, text: str, fallback: str, reserved: frozenset[str] = frozenset()) -> str:
    """A slug for ``text`` not yet used by ``model`` (``-2``, ``-3``… appended when taken);
    ``reserved`` names words that the URLs use themselves."""
    base = slug_from(text) or fallback
    slug, n = base, 1
    while slug in reserved or model._default_manager.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
