"""CSV downloads of residents' participation: the accountability table (/ideas/accountability.csv)
and the experience stories (/ideas/stories.csv). Both are public; stories published without a
name carry no author, and no e-mail address is ever written."""

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from govtech.core.csvfiles import csv_response, csv_stream_response
from govtech.core.csvfiles import number_cell as _number
from govtech.core.csvfiles import text_cell as _text
from govtech.participation.selectors import AccountabilityRow


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f}"


def _joined(values) -> str:
    return _text("; ".join(str(value) for value in values or []))


# --- accountability -----------------------------------------------------------------------


def accountability_csv_rows(rows: list[AccountabilityRow], *, by: str) -> list[list[str]]:
    """The header, then one row per agency or category, as on the page: ideas received, answered
    (count and percent), median days to the first official answer, accepted and implemented
    (count and percent). Text is in the active language."""
    header = [
        _("Agency") if by == "agency" else _("Category"),
        _("Ideas received"),
        _("Answered"),
        _("Answered, %"),
        _("Median days to the first official answer"),
        _("Accepted"),
        _("Accepted, %"),
        _("Implemented"),
        _("Implemented, %"),
    ]
    lines = [header]
    for row in rows:
        lines.append(
            [
                _text(row.label),
                str(row.received),
                str(row.answered),
                _percent(row.answered_share),
                _number(row.median_days),
                str(row.accepted),
                _percent(row.accepted_share),
                str(row.implemented),
                _percent(row.implemented_share),
            ]
        )
    return lines


def accountability_csv_response(rows: list[AccountabilityRow], *, by: str) -> HttpResponse:
    return csv_response(f"ideas-accountability-{by}.csv", accountability_csv_rows(rows, by=by))


# --- stories ------------------------------------------------------------------------------


def story_csv_header() -> list[str]:
    return [
        _("Story"),
        _("Template"),
        _("Shared on"),
        _("When it happened"),
        _("Administrative area"),
        _("District"),
        _("Experience, 1–5"),
        _("Tags"),
        _("Who was involved"),
        _("Outcome"),
        _("What happened"),
        _("Anything else"),
        _("Author"),
    ]


def _district_and_area(district) -> tuple[str, str]:
    if district is None:
        return "", ""
    if district.parent_id is None:
        return district.name, ""
    return district.parent.name, district.name


def story_csv_row(story) -> list[str]:
    area, district = _district_and_area(story.district)
    # Only the name a person chose to show; never the e-mail address that stands in for a missing name.
    author = "" if story.anonymous or story.author is None else story.author.full_name
    return [
        str(story.pk),
        _text(story.template.title),
        timezone.localdate(story.created_at).isoformat(),
        story.happened_on.isoformat() if story.happened_on else "",
        _text(area),
        _text(district),
        str(story.experience),
        _joined(story.tags),
        _joined(story.involved),
        _text(story.outcome),
        _text(story.what_happened),
        _text(story.free_text),
        _text(author),
    ]


def story_csv_response(stories) -> StreamingHttpResponse:
    """One row per published story, streamed, so a large export never sits in memory whole."""
    stories = stories.select_related("district__parent").order_by("created_at", "id")
    # The header is translated now: the rows are written later, when the language may have changed.
    rows = (story_csv_row(story) for story in stories.iterator(chunk_size=500))
    return csv_stream_response("stories.csv", story_csv_header(), rows)
