"""CSV downloads that spreadsheet programs open safely: UTF-8 with a byte order mark (how they
tell UTF-8 from the local code page) and text that cannot run as a formula."""

import csv
from collections.abc import Iterable, Iterator

from django.http import HttpResponse, StreamingHttpResponse

# A spreadsheet runs a cell that starts with one of these as a formula; people write the names
# and texts that end up in the files, so such text is kept as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def text_cell(value) -> str:
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def number_cell(value) -> str:
    return "" if value is None else str(value)


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(filename: str, rows: Iterable[list[str]]) -> HttpResponse:
    """A small table written at once."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.write(BOM)
    csv.writer(response).writerows(rows)
    return _attachment(response, filename)


class _Echo:
    """A file-like object whose write returns the line, so csv.writer feeds a streaming response."""

    def write(self, value: str) -> str:
        return value


def _lines(header: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def csv_stream_response(filename: str, header: list[str], rows: Iterable[list[str]]) -> StreamingHttpResponse:
    """A large table streamed row by row, so it never sits in memory whole. Translate the header
    before calling: the rows are written later, when the request's language may have changed."""
    response = StreamingHttpResponse(_lines(header, rows), content_type="text/csv; charset=utf-8")
    return _attachment(response, filename)
