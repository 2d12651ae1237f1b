"""The public registry of accreditation as CSV (/catalog/registry.csv), with the same filters as
the page. Suppliers write the product and company names, so text cells are kept from being run
as spreadsheet formulas (core.csvfiles)."""

from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from govtech.catalog.models import AccreditationState, Category
from govtech.core.csvfiles import csv_stream_response, number_cell
from govtech.core.csvfiles import text_cell as csv_text


def registry_csv_header() -> list[str]:
    return [
        _("Product"),
        _("Supplier"),
        _("INN"),
        _("Category"),
        _("Accreditation status"),
        _("Accredited until"),
        _("Expert score, points of 100"),
        _("Rating, 1–5"),
        _("Agency reviews"),
        _("Address"),
    ]


def registry_csv_rows(products: Iterable, *, base_url: str) -> Iterator[list[str]]:
    """One row per product of the registry, labels in the language active when the rows are
    written (the labels are read once, before the first row)."""
    categories = {value: str(label) for value, label in Category.choices}
    states = {value: str(label) for value, label in AccreditationState.choices}
    for product in products:
        yield [
            csv_text(product.name),
            csv_text(product.supplier.name),
            csv_text(product.supplier.inn),
            csv_text(categories.get(product.category, product.category)),
            states[product.accreditation_state()],
            product.accredited_until.isoformat() if product.accredited_until else "",
            number_cell(product.expert_score),
            number_cell(product.rating),
            str(product.review_count),
            base_url + product.get_absolute_url(),
        ]


def registry_csv_response(products, *, base_url: str) -> StreamingHttpResponse:
    """The registry rows (selectors.registry, already filtered), streamed so a large registry never
    sits in memory whole. ``base_url`` is the site's scheme and host, for the product addresses."""
    header = [csv_text(cell) for cell in registry_csv_header()]
    rows = registry_csv_rows(products.iterator(chunk_size=500), base_url=base_url)
    return csv_stream_response("catalog-registry.csv", header, rows)
