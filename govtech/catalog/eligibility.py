"""Who may apply for accreditation: rules that are configuration, not code.

A cycle's rules are JSON: ``{"any_of": [alternative, ...]}``; a supplier is eligible when every
condition of at least one alternative holds. The default (settings.GOVTECH_CATALOG_ELIGIBILITY)
is Singapore's: a company at most seven years old, or one recommended by a partner organization::

    {"any_of": [{"max_company_age_years": 7}, {"partner_recommendation": true}]}

Conditions: ``max_company_age_years`` and ``min_company_age_years`` (whole years since the
founding date), ``sme`` (true: only small and medium-sized enterprises), ``max_headcount``,
``partner_recommendation`` (true: a partner organization on the platform recommends the product)."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from govtech.core.errors import ServiceError

CONDITIONS = {
    "max_company_age_years": int,
    "min_company_age_years": int,
    "sme": bool,
    "max_headcount": int,
    "partner_recommendation": bool,
}


@dataclass(frozen=True)
class Facts:
    founded_on: dt.date | None
    is_sme: bool
    headcount: int | None
    recommended: bool
    today: dt.date


@dataclass
class Verdict:
    eligible: bool
    passed: dict | None = None
    reasons: list[str] = field(default_factory=list)

    def as_record(self) -> dict:
        return {"eligible": self.eligible, "passed": self.passed, "reasons": self.reasons}


def validate(rules) -> dict:
    """The rules as given, or a ServiceError saying what is wrong with them."""
    if not isinstance(rules, dict) or set(rules) != {"any_of"} or not isinstance(rules["any_of"], list):
        raise ServiceError(_('Eligibility rules are {"any_of": [ ... ]}.'), field="eligibility")
    if not rules["any_of"]:
        raise ServiceError(_("Give at least one alternative."), field="eligibility")
    for alternative in rules["any_of"]:
        if not isinstance(alternative, dict) or not alternative:
            raise ServiceError(_("Each alternative is a non-empty set of conditions."), field="eligibility")
        for name, value in alternative.items():
            expected = CONDITIONS.get(name)
            if expected is None:
                raise ServiceError(
                    _("Unknown condition «%(name)s»; known: %(known)s.")
                    % {"name": name, "known": ", ".join(CONDITIONS)},
                    field="eligibility",
                )
            if type(value) is not expected or (expected is int and value < 0):
                raise ServiceError(
                    _("«%(name)s» takes %(kind)s.")
                    % {"name": name, "kind": _("a yes/no value") if expected is bool else _("a whole number")},
                    field="eligibility",
                )
    return rules


def company_age_years(founded_on: dt.date, today: dt.date) -> int:
    years = today.year - founded_on.year
    return years - 1 if (today.month, today.day) < (founded_on.month, founded_on.day) else years


def _failures(alternative: dict, facts: Facts) -> list[str]:
    failures = []
    age = company_age_years(facts.founded_on, facts.today) if facts.founded_on else None
    for name, value in alternative.items():
        if name == "max_company_age_years" and (age is None or age > value):
            failures.append(
                _("the company is at most %(years)s years old (founding date: %(founded)s)")
                % {"years": value, "founded": facts.founded_on.isoformat() if facts.founded_on else _("not given")}
            )
        elif name == "min_company_age_years" and (age is None or age < value):
            failures.append(_("the company is at least %(years)s years old") % {"years": value})
        elif name == "sme" and value and not facts.is_sme:
            failures.append(_("the company is a small or medium-sized enterprise"))
        elif name == "max_headcount" and (facts.headcount is None or facts.headcount > value):
            failures.append(_("the company has at most %(count)s employees") % {"count": value})
        elif name == "partner_recommendation" and value and not facts.recommended:
            failures.append(_("a partner organization recommends the product"))
    return failures


def evaluate(rules: dict, facts: Facts) -> Verdict:
    """Eligible when one alternative holds entirely; otherwise every unmet condition, so the supplier
    sees what would make them eligible."""
    reasons = []
    for alternative in rules["any_of"]:
        failures = _failures(alternative, facts)
        if not failures:
            return Verdict(eligible=True, passed=alternative)
        reasons.append("; ".join(failures))
    return Verdict(eligible=False, reasons=reasons)


# --- the rules in words -----------------------------------------------------------------


def _condition_words(name: str, value) -> str | None:
    """One condition of an alternative as a phrase; a condition that asks nothing gives None."""
    if name == "max_company_age_years":
        return ngettext("a company at most %(n)s year old", "a company at most %(n)s years old", value) % {"n": value}
    if name == "min_company_age_years":
        return ngettext("a company at least %(n)s year old", "a company at least %(n)s years old", value) % {"n": value}
    if name == "sme":
        return _("a small or medium-sized enterprise") if value else None
    if name == "max_headcount":
        return ngettext("a company with at most %(n)s employee", "a company with at most %(n)s employees", value) % {
            "n": value
        }
    if name == "partner_recommendation":
        return _("recommended by a partner organization") if value else None
    return None


def alternative_in_words(alternative: dict) -> str:
    """One alternative of the rules: every condition it asks for, joined by "and", in the fixed
    order of CONDITIONS (PostgreSQL's jsonb does not keep the order keys were written in)."""
    order = {name: position for position, name in enumerate(CONDITIONS)}
    ordered = sorted(alternative.items(), key=lambda item: order.get(item[0], len(order)))
    phrases = [phrase for name, value in ordered if (phrase := _condition_words(name, value))]
    return _(" and ").join(phrases) if phrases else _("any supplier")


def in_words(rules) -> list[str]:
    """The alternatives of a cycle's rules ({"any_of": [...]}, see catalog.eligibility), each as a
    phrase: a supplier is eligible when one of them holds."""
    try:
        validate(rules)
    except ServiceError:
        return [_("The rules could not be read; an operator should correct them.")]
    return [alternative_in_words(alternative) for alternative in rules["any_of"]]


def describe(rules) -> str:
    """The rules as one phrase, e.g. "a company at most 7 years old, or recommended by a partner
    organization"."""
    return _(", or ").join(in_words(rules))
