"""From a contracting process's releases to its current view: ocdsmerge compiles them by the
merge rules of the official OCDS 1.1.5 release schema (shipped in ``ocds_schema/``, Apache-2.0),
and the list's columns are read from the compiled release."""

import warnings
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import ocdsmerge
from ocdsmerge.exceptions import OCDSMergeWarning

from govtech.core.stemming import stem_string
from govtech.procurement.models import MainCategory, Method, TenderStatus
from govtech.procurement.ocds_reader import parse_date

SCHEMA = Path(__file__).resolve().parent / "ocds_schema" / "release-schema.json"


@cache
def merger() -> ocdsmerge.Merger:
    return ocdsmerge.Merger(schema=str(SCHEMA))


def compile_releases(releases: list[dict]) -> tuple[dict, list[str]]:
    """The compiled release, and what ocdsmerge warned of (e.g. two awards with one id, which the
    standard merges into one); ocdsmerge orders the releases by date itself."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", OCDSMergeWarning)
        compiled = merger().create_compiled_release(releases)
    return compiled, [str(warning.message) for warning in caught if issubclass(warning.category, OCDSMergeWarning)]


def _text(value, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _amount(value) -> tuple[Decimal | None, str]:
    value = _dict(value)
    try:
        amount = Decimal(str(value["amount"])).quantize(Decimal("0.01"))
    except (KeyError, InvalidOperation, ValueError):
        return None, ""
    if not amount.is_finite() or abs(amount) >= Decimal(10) ** 18:
        return None, ""
    return amount, _text(value.get("currency"), 3).upper()


def _code(value, allowed) -> str:
    return value if isinstance(value, str) and value in allowed else ""


def _buyer(compiled: dict) -> tuple[str, str]:
    buyer = _dict(compiled.get("buyer"))
    name, identifier = _text(buyer.get("name"), 300), _text(str(buyer.get("id") or ""), 200)
    if not name:  # some publishers name the buyer only among the parties
        for party in _list(compiled.get("parties")):
            if "buyer" in _list(_dict(party).get("roles")):
                return _text(party.get("name"), 300), _text(str(party.get("id") or ""), 200)
        name = _text(_dict(_dict(compiled.get("tender")).get("procuringEntity")).get("name"), 300)
    return name, identifier


def _sme(tender: dict) -> bool | None:
    """Suitable for SMEs, where the publisher says (the suitability extension, on the tender or
    on any lot): True if any says so, False if all say not, None if none says."""
    said = [_dict(tender.get("suitability")).get("sme")]
    said += [_dict(_dict(lot).get("suitability")).get("sme") for lot in _list(tender.get("lots"))]
    said = [value for value in said if isinstance(value, bool)]
    return any(said) if said else None


def tender_fields(compiled: dict, release_count: int) -> dict:
    """The Tender columns of a compiled release."""
    tender = _dict(compiled.get("tender"))
    items = [_dict(item) for item in _list(tender.get("items"))]
    classification = _dict(items[0].get("classification")) if items else {}
    amount, currency = _amount(tender.get("value"))
    buyer_name, buyer_identifier = _buyer(compiled)
    title = _text(tender.get("title"), 500) or _text(_dict(compiled.get("planning")).get("rationale"), 500)
    description = _text(tender.get("description"), 20000)
    return {
        "title": title,
        "description": description,
        "buyer_name": buyer_name,
        "buyer_identifier": buyer_identifier,
        "status": _code(tender.get("status"), TenderStatus.values),
        "method": _code(tender.get("procurementMethod"), Method.values),
        "main_category": _code(tender.get("mainProcurementCategory"), MainCategory.values),
        "classification_scheme": _text(classification.get("scheme"), 50),
        "classification_id": _text(str(classification.get("id") or ""), 100),
        "classification_description": _text(classification.get("description"), 500),
        "value_amount": amount,
        "currency": currency,
        "submission_deadline": parse_date(_dict(tender.get("tenderPeriod")).get("endDate")),
        "lot_count": len(_list(tender.get("lots"))),
        "suitable_for_sme": _sme(tender),
        "award_count": len(_list(compiled.get("awards"))),
        "contract_count": len(_list(compiled.get("contracts"))),
        "release_count": release_count,
        "last_release_at": parse_date(compiled.get("date")),
        "language": _text(compiled.get("language"), 10),
        "compiled": compiled,
        "search_stems": stem_string(" ".join([title, description[:5000], buyer_name])),
    }
