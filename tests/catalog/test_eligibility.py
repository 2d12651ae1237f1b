"""Who may apply for accreditation: the rules are a cycle's configuration (JSON), checked when the
operator saves them and evaluated on the day of the application, in the city's calendar. The
default is "a company at most seven years old, or a partner's recommendation"; a cycle may set
its own. The verdict is recorded on the application, and a refusal says what is missing."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from govtech.catalog import eligibility, services
from govtech.catalog.eligibility import Facts
from govtech.catalog.models import Application, IntakeCycle, Product
from govtech.core.errors import ServiceError
from govtech.core.models import AuditEvent
from tests.catalog.factories import IntakeCycleFactory, ProductFactory
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 12:00 in Moscow.
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 2)
DEFAULT = {"any_of": [{"max_company_age_years": 7}, {"partner_recommendation": True}]}
SME_RULES = {"any_of": [{"sme": True, "max_headcount": 50}]}


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def facts(founded_on=None, *, is_sme=True, headcount=12, recommended=False, today=TODAY) -> Facts:
    return Facts(founded_on=founded_on, is_sme=is_sme, headcount=headcount, recommended=recommended, today=today)


def state() -> tuple:
    return (
        Application.objects.count(),
        IntakeCycle.objects.count(),
        list(IntakeCycle.objects.order_by("pk").values_list("eligibility", flat=True)),
        list(Product.objects.order_by("pk").values_list("has_open_application", flat=True)),
        AuditEvent.objects.count(),
    )


# --- validate: the configuration language ------------------------------------------------------


@pytest.mark.parametrize(
    "rules, mentions",
    [
        (None, "any_of"),
        ([], "any_of"),
        ({}, "any_of"),
        ({"any_of": {"max_company_age_years": 7}}, "any_of"),
        ({"any_of": [{"sme": True}], "all_of": []}, "any_of"),
        ({"any_of": []}, "alternative"),
        ({"any_of": [{}]}, "non-empty"),
        ({"any_of": ["sme"]}, "non-empty"),
        ({"any_of": [{"max_age": 7}]}, "max_age"),
        ({"any_of": [{"max_company_age_years": "7"}]}, "whole number"),
        ({"any_of": [{"max_company_age_years": 7.5}]}, "whole number"),
        ({"any_of": [{"max_company_age_years": True}]}, "whole number"),
        ({"any_of": [{"max_company_age_years": -1}]}, "whole number"),
        ({"any_of": [{"max_headcount": None}]}, "whole number"),
        ({"any_of": [{"sme": 1}]}, "yes/no"),
        ({"any_of": [{"partner_recommendation": "yes"}]}, "yes/no"),
        ({"any_of": [{"sme": True}, {"min_company_age_years": 2, "colour": "red"}]}, "colour"),
    ],
)
def test_malformed_rules_are_refused_with_a_message(rules, mentions):
    with pytest.raises(ServiceError) as refused:
        eligibility.validate(rules)
    assert refused.value.field == "eligibility"
    assert mentions in str(refused.value.message)


def test_an_unknown_condition_is_named_with_the_known_ones():
    with pytest.raises(ServiceError) as refused:
        eligibility.validate({"any_of": [{"founded_after": 2020}]})
    message = str(refused.value.message)
    assert "founded_after" in message
    for known in eligibility.CONDITIONS:
        assert known in message


@pytest.mark.parametrize(
    "rules",
    [
        DEFAULT,
        SME_RULES,
        {"any_of": [{"min_company_age_years": 0, "max_company_age_years": 0}]},
        {"any_of": [{"sme": False}, {"partner_recommendation": False}]},
    ],
)
def test_well_formed_rules_are_returned_as_given(rules):
    assert eligibility.validate(rules) is rules


def test_the_default_rules_of_the_settings_are_valid(settings):
    assert eligibility.validate(settings.GOVTECH_CATALOG_ELIGIBILITY) == DEFAULT


def test_a_cycle_with_malformed_rules_is_not_created_or_changed(people, clock, refused_checker):
    operator = people["operator"]
    refused = refused_checker(state)
    with refused(ServiceError, field="eligibility"):
        services.cycle_create(
            actor=operator,
            name="Отбор весна",
            opens_at=T0,
            closes_at=T0 + dt.timedelta(days=30),
            eligibility={"any_of": [{"max_company_age_years": "seven"}]},
        )
    cycle = services.cycle_create(
        actor=operator, name="Отбор весна", opens_at=T0, closes_at=T0 + dt.timedelta(days=30), eligibility=SME_RULES
    )
    assert IntakeCycle.objects.get(pk=cycle.pk).eligibility == SME_RULES
    with refused(ServiceError, field="eligibility"):
        services.cycle_update(actor=operator, cycle=cycle, eligibility={"any_of": [{"turnover": 1}]})
    assert IntakeCycle.objects.get(pk=cycle.pk).eligibility == SME_RULES


def test_a_new_cycle_takes_the_default_rules_of_the_settings(people, clock, settings):
    settings.GOVTECH_CATALOG_ELIGIBILITY = SME_RULES
    cycle = services.cycle_create(
        actor=people["operator"], name="Отбор лето", opens_at=T0, closes_at=T0 + dt.timedelta(days=30)
    )
    assert IntakeCycle.objects.get(pk=cycle.pk).eligibility == SME_RULES


# --- evaluate: the company's age, in whole years, on the day ------------------------------------


@pytest.mark.parametrize(
    "founded_on, age",
    [
        (dt.date(2019, 3, 2), 7),  # seventh birthday today
        (dt.date(2019, 3, 3), 6),  # seventh birthday tomorrow
        (dt.date(2018, 3, 3), 7),  # eighth birthday tomorrow
        (dt.date(2018, 3, 2), 8),  # eighth birthday today
        (dt.date(2026, 3, 2), 0),
        (dt.date(2020, 2, 29), 6),  # a leap-day company is a year older on 1 March
    ],
)
def test_company_age_in_whole_years(founded_on, age):
    assert eligibility.company_age_years(founded_on, TODAY) == age


def test_a_leap_day_company_has_its_birthday_on_the_first_of_march():
    founded = dt.date(2016, 2, 29)
    assert eligibility.company_age_years(founded, dt.date(2023, 2, 28)) == 6
    assert eligibility.company_age_years(founded, dt.date(2023, 3, 1)) == 7


@pytest.mark.parametrize("founded_on", [dt.date(2019, 3, 2), dt.date(2018, 3, 3)])
def test_a_company_seven_years_old_is_eligible_up_to_its_eighth_birthday(founded_on):
    verdict = eligibility.evaluate(DEFAULT, facts(founded_on))
    assert verdict.eligible
    assert verdict.passed == {"max_company_age_years": 7}
    assert verdict.reasons == []


def test_an_eight_year_old_company_is_refused_and_told_both_ways_in():
    verdict = eligibility.evaluate(DEFAULT, facts(dt.date(2018, 3, 2)))
    assert not verdict.eligible
    assert verdict.passed is None
    assert len(verdict.reasons) == 2
    age, partner = verdict.reasons
    assert "7" in age and "2018-03-02" in age
    assert "partner" in partner


def test_an_eight_year_old_company_recommended_by_a_partner_is_eligible():
    verdict = eligibility.evaluate(DEFAULT, facts(dt.date(2018, 3, 2), recommended=True))
    assert verdict.eligible
    assert verdict.passed == {"partner_recommendation": True}


def test_without_a_founding_date_only_a_recommendation_helps():
    refused = eligibility.evaluate(DEFAULT, facts(None))
    assert not refused.eligible
    assert "not given" in refused.reasons[0]
    assert eligibility.evaluate(DEFAULT, facts(None, recommended=True)).eligible


def test_every_condition_of_one_alternative_must_hold():
    assert eligibility.evaluate(SME_RULES, facts(dt.date(2000, 1, 1), headcount=50)).eligible
    too_big = eligibility.evaluate(SME_RULES, facts(dt.date(2000, 1, 1), headcount=51))
    assert not too_big.eligible
    assert too_big.reasons == ["the company has at most 50 employees"]
    neither = eligibility.evaluate(SME_RULES, facts(dt.date(2000, 1, 1), is_sme=False, headcount=None))
    assert neither.reasons == [
        "the company is a small or medium-sized enterprise; the company has at most 50 employees"
    ]
    # A partner's recommendation is no way in under these rules.
    assert not eligibility.evaluate(SME_RULES, facts(None, is_sme=False, recommended=True)).eligible


def test_a_minimum_age_and_false_conditions():
    rules = {"any_of": [{"min_company_age_years": 3}]}
    assert eligibility.evaluate(rules, facts(dt.date(2023, 3, 2))).eligible
    assert not eligibility.evaluate(rules, facts(dt.date(2023, 3, 3))).eligible
    assert not eligibility.evaluate(rules, facts(None)).eligible
    # "sme": false and "partner_recommendation": false ask for nothing.
    loose = {"any_of": [{"sme": False, "partner_recommendation": False}]}
    assert eligibility.evaluate(loose, facts(None, is_sme=False)).eligible


# --- applying: the rules of the cycle, on the day, recorded on the application ----------------


def _apply(supplier_user, product, cycle, **extra):
    return services.application_submit(
        actor=supplier_user, product=product, cycle=cycle, statement="Работает в трёх округах.", **extra
    )


@pytest.fixture
def product(supplier):
    return ProductFactory(supplier=supplier)


def _founded(supplier, day):
    supplier.founded_on = day
    supplier.save(update_fields=["founded_on"])


@pytest.mark.parametrize("founded_on", [dt.date(2019, 3, 2), dt.date(2018, 3, 3)])
def test_a_seven_year_old_supplier_applies_and_the_verdict_is_recorded(people, clock, supplier, product, founded_on):
    _founded(supplier, founded_on)
    cycle = IntakeCycleFactory()
    application = _apply(people["supplier_member"], product, cycle)
    stored = Application.objects.get(pk=application.pk)
    assert stored.eligibility == {
        "eligible": True,
        "passed": {"max_company_age_years": 7},
        "reasons": [],
        "rules": DEFAULT,
    }
    event = AuditEvent.objects.get(action="application.submitted")
    assert event.after["eligibility"] == stored.eligibility


def test_an_eight_year_old_supplier_is_refused_with_what_is_missing(people, clock, supplier, product, refused_checker):
    _founded(supplier, dt.date(2018, 3, 2))
    cycle = IntakeCycleFactory()
    with refused_checker(state)(ServiceError, code="not_eligible") as refused:
        _apply(people["supplier_member"], product, cycle)
    message = str(refused.value.message)
    assert "at most 7 years old" in message
    assert "2018-03-02" in message
    assert "a partner organization recommends the product" in message
    assert " or " in message


def test_an_eight_year_old_supplier_with_a_partners_recommendation_applies(people, clock, supplier, product):
    _founded(supplier, dt.date(2018, 3, 2))
    partner = OrganizationFactory(name="Фонд развития")
    application = _apply(
        people["supplier_member"],
        product,
        IntakeCycleFactory(),
        recommended_by=partner,
        recommendation="Рекомендуем: успешный пилот в 2025 году.",
    )
    stored = Application.objects.get(pk=application.pk)
    assert stored.recommended_by == partner
    assert stored.eligibility["passed"] == {"partner_recommendation": True}


def test_a_recommendation_comes_from_a_partner_and_is_quoted(people, clock, supplier, agency, product, refused_checker):
    _founded(supplier, dt.date(2018, 3, 2))
    cycle = IntakeCycleFactory()
    refused = refused_checker(state)
    with refused(ServiceError, field="recommended_by"):
        _apply(people["supplier_member"], product, cycle, recommended_by=agency, recommendation="Рекомендуем.")
    with refused(ServiceError, field="recommendation"):
        _apply(people["supplier_member"], product, cycle, recommended_by=OrganizationFactory(), recommendation="  ")


def test_the_age_is_counted_in_the_city_calendar(people, supplier, product):
    """At 01:00 in Moscow on 2 March it is still 1 March in UTC: a company founded on 2 March 2018
    is already eight in the city."""
    _founded(supplier, dt.date(2018, 3, 2))
    with time_machine.travel(dt.datetime(2026, 3, 1, 22, 0, tzinfo=dt.UTC), tick=False):
        assert timezone.localdate() == TODAY
        with pytest.raises(ServiceError) as refused:
            _apply(people["supplier_member"], product, IntakeCycleFactory())
    assert refused.value.code == "not_eligible"


def test_a_cycle_with_its_own_rules_applies_them(people, clock, supplier, product, refused_checker):
    _founded(supplier, dt.date(2001, 5, 1))  # far too old for the default rules
    cycle = IntakeCycleFactory(eligibility=SME_RULES)
    supplier.headcount = 51
    supplier.save(update_fields=["headcount"])
    with refused_checker(state)(ServiceError, code="not_eligible") as refused:
        _apply(people["supplier_member"], product, cycle)
    assert "at most 50 employees" in str(refused.value.message)
    assert "7 years" not in str(refused.value.message)

    supplier.headcount = 50
    supplier.save(update_fields=["headcount"])
    application = _apply(people["supplier_member"], product, cycle)
    assert Application.objects.get(pk=application.pk).eligibility == {
        "eligible": True,
        "passed": {"sme": True, "max_headcount": 50},
        "reasons": [],
        "rules": SME_RULES,
    }


def test_changing_a_cycles_rules_keeps_the_verdicts_already_recorded(people, clock, supplier, product):
    _founded(supplier, dt.date(2022, 1, 10))
    cycle = services.cycle_create(
        actor=people["operator"], name="Отбор весна", opens_at=T0, closes_at=T0 + dt.timedelta(days=30)
    )
    application = _apply(people["supplier_member"], product, cycle)
    services.cycle_update(actor=people["operator"], cycle=cycle, eligibility=SME_RULES)
    stored = Application.objects.get(pk=application.pk)
    assert stored.eligibility["rules"] == DEFAULT
    assert stored.eligibility["passed"] == {"max_company_age_years": 7}
    event = AuditEvent.objects.get(action="cycle.updated")
    assert event.before["eligibility"] == DEFAULT and event.after["eligibility"] == SME_RULES


def test_each_new_cycle_gets_its_own_copy_of_the_default_rules(settings):
    """Editing one cycle's rules in memory (as a form or the admin does) must not change the
    settings, and so every later cycle's default."""
    cycle = IntakeCycle()
    cycle.eligibility["any_of"].append({"sme": True})
    assert settings.GOVTECH_CATALOG_ELIGIBILITY == DEFAULT
    assert IntakeCycle().eligibility == DEFAULT
