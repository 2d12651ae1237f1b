"""CSV downloads of residents' participation: the accountability table (/ideas/accountability.csv)
and the experience stories (/ideas/stories.csv). Both are public; stories published without a
name carry no author, and no e-mail address is ever written."""

import csv
from collections.abc import Iterable, Iterator

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from govtech.participation.selectors import AccountabilityRow

# A spreadsheet runs a cell that starts with one of these as a formula; residents write the
# stories and agencies name themselves, so such text is kept as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # how spreadsheet programs tell UTF-8 from the local code page


def _text(value) -> str:
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f}"


def _number(value) -> str:
    return "" if value is None else str(value)


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
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ideas-accountability-{by}.csv"'
    response.write(BOM)
    csv.writer(response).writerows(accountability_csv_rows(rows, by=by))
    return response


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


class _Echo:
    """A file-like object whose write returns the line, so csv.writer feeds a streaming response."""

    def write(self, value: str) -> str:
        return value


def story_csv_lines(stories: Iterable, header: list[str]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(header)
    for story in stories:
        yield writer.writerow(story_csv_row(story))


def story_csv_response(stories) -> StreamingHttpResponse:
    """One row per published story, streamed, so a large export never sits in memory whole."""
    stories = stories.select_related("district__parent").order_by("created_at", "id")
    # The header is translated now: the rows are written later, when the language may have changed.
    lines = story_csv_lines(stories.iterator(chunk_size=500), story_csv_header())
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="stories.csv"'
    return response
