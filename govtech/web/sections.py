"""The platform's sections as the home page and navigation present them."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Section:
    key: str
    title: Promise
    summary: Promise
    url_name: str | None = None  # None: not built yet, shown as "coming"

    @property
    def is_available(self) -> bool:
        return self.url_name is not None


SECTIONS = [
    Section(
        "funnel",
        _("Innovation funnel"),
        _("Every project from idea to prototype, pilot, contract and scaling, with each gate decision on record."),
        "funnel:initiative-list",
    ),
    Section(
        "challenges",
        _("Challenges"),
        _(
            "Agencies post problems, not specifications; startups compete in phases; experts evaluate; winners are published."
        ),
        "challenges:challenge-list",
    ),
    Section(
        "participation",
        _("Residents' ideas"),
        _("Propose ideas, vote, comment, and follow the official answer to each one."),
        "participation:idea-list",
    ),
    Section(
        "catalog",
        _("Catalog"),
        _("Accredited GovTech products that agencies can find, compare and order."),
        "catalog:product-list",
    ),
    Section(
        "procurement", _("Procurement for SMEs"), _("Open tenders, micro-purchase auctions and a plain-language guide.")
    ),
    Section(
        "organizations",
        _("Organizations"),
        _("City agencies, suppliers and partners on the platform."),
        "accounts:organization-list",
    ),
    Section(
        "opendata",
        _("Open data and API"),
        _("Every public collection through the REST API and as downloads."),
        "api-docs",
    ),
    Section(
        "people",
        pgettext_lazy("home page section", "People"),
        _("Digital skills, internal accelerators and innovation awards for civil servants."),
    ),
]
