"""Accreditation pages: the operators' queue and decisions, intake cycles and criteria, the
experts' reviews. Who may open what (the role matrix), the whole path through the pages, and
refusals shown in the page with nothing changed."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from govtech.accounts.models import User
from govtech.catalog import services
from govtech.catalog.models import (
    AccreditationState,
    Application,
    ApplicationStatus,
    Criterion,
    IntakeCycle,
    Review,
    ReviewScore,
)
from govtech.challenges.models import Declaration
from tests.catalog.factories import IntakeCycleFactory, ProductFactory, expert
from tests.factories import MembershipFactory, OrganizationFactory, SupplierFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "supplier_member", "supplier_admin", "agency_admin", "expert", "operator"]
SCORES = {"technology": 8, "business": 7, "security": 9}


@pytest.fixture
def client_for(people):
    """As in tests/conftest.py, reading the pages in English (the source language)."""
    User.objects.filter(pk__in=[person.pk for person in people.values() if person]).update(language="en")

    def make(role: str) -> Client:
        web = Client(HTTP_ACCEPT_LANGUAGE="en")
        if people[role] is not None:
            web.force_login(people[role])
        return web

    return make


@pytest.fixture
def young_supplier(supplier):
    """The people fixture's supplier, founded recently: eligible under the default rules."""
    supplier.founded_on = dt.date.today() - dt.timedelta(days=3 * 365)
    supplier.save()
    return supplier


@pytest.fixture
def cycle(db):
    return IntakeCycleFactory(name="Весенний отбор")


@pytest.fixture
def product(young_supplier):
    return ProductFactory(supplier=young_supplier, name="Электробусы: мониторинг зарядки")


@pytest.fixture
def application(people, product, cycle):
    return services.application_submit(
        actor=people["supplier_admin"], product=product, cycle=cycle, statement="Работает в двух округах."
    )


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _matrix(client_for, url: str, expected: dict, method: str = "get", data=None) -> None:
    assert set(expected) == set(ROLES)
    got = {role: getattr(client_for(role), method)(url, data or {}).status_code for role in ROLES}
    assert got == expected


def _signed_in(status: int) -> dict:
    return {role: status for role in ROLES if role != "anonymous"} | {"anonymous": 302}


def _url(name: str, *args) -> str:
    from django.urls import reverse

    return reverse(f"catalog:{name}", args=args)


def _declare(review, *, conflict=False, note=""):
    return services.review_declare(actor=review.expert, review=review, has_conflict=conflict, note=note)


def _score_data(scores=SCORES, **extra) -> dict:
    data = {}
    for criterion in Criterion.objects.all():
        data[f"score_{criterion.pk}"] = scores.get(criterion.key, "")
        data[f"comment_{criterion.pk}"] = f"Комментарий: {criterion.key}"
    return data | extra


def _state(application):
    application.refresh_from_db()
    return (
        application.status,
        application.decision_reason,
        list(Review.objects.filter(application=application).values_list("expert_id", "conflict", "completed_at")),
        list(ReviewScore.objects.filter(review__application=application).values_list("criterion_id", "value")),
    )


# --- the role matrix ------------------------------------------------------------------------


def test_the_queue_is_for_operators(client_for, application):
    _matrix(client_for, _url("application-list"), _signed_in(403) | {"operator": 200})


def test_an_application_is_seen_by_its_supplier_operators_and_cleared_experts(client_for, people, application):
    url = application.get_absolute_url()
    hidden = _signed_in(404) | {"supplier_member": 200, "supplier_admin": 200, "operator": 200}
    _matrix(client_for, url, hidden)
    # Asked but not yet declared: still hidden; after declaring no conflict: visible.
    review = services.review_assign(actor=people["operator"], application=application, expert=people["expert"])
    assert client_for("expert").get(url).status_code == 404
    _declare(review)
    assert client_for("expert").get(url).status_code == 200


def test_cycles_are_public_and_managed_by_operators(client_for, cycle):
    _matrix(client_for, _url("cycle-list"), dict.fromkeys(ROLES, 200))
    operators_only = _signed_in(403) | {"operator": 200}
    _matrix(client_for, _url("cycle-create"), operators_only)
    _matrix(client_for, _url("cycle-edit", cycle.slug), operators_only)
    _matrix(client_for, _url("criteria-edit"), operators_only)
    assert client_for("operator").get(_url("cycle-edit", "no-such-cycle")).status_code == 404


def test_reviews_are_for_experts_and_a_review_for_its_expert(client_for, people, application):
    _matrix(client_for, _url("review-list"), _signed_in(403) | {"expert": 200})
    review = services.review_assign(actor=people["operator"], application=application, expert=people["expert"])
    _matrix(client_for, _url("review-detail", review.pk), _signed_in(404) | {"expert": 200})


def test_the_writes_refuse_everyone_else_and_change_nothing(client_for, people, application):
    review = services.review_assign(actor=people["operator"], application=application, expert=people["expert"])
    before = _state(application)
    visible_to = {"supplier_member", "supplier_admin", "operator"}

    def refused(url, data, allowed):
        for role in ROLES:
            if role in allowed:
                continue
            status = client_for(role).post(url, data).status_code
            expected = 302 if role == "anonymous" else (403 if role in visible_to else 404)
            assert status == expected, (url, role, status)
        assert _state(application) == before

    refused(_url("application-assign", application.pk), {}, allowed={"operator"})
    refused(_url("application-decide", application.pk), {"accredit": "no", "reason": "Нет"}, allowed={"operator"})
    refused(_url("application-withdraw", application.pk), {}, allowed={"supplier_member", "supplier_admin"})
    for name, data in [("review-declare", {"has_conflict": "no"}), ("review-scores", _score_data())]:
        for role in ROLES:
            if role == "expert":
                continue
            status = client_for(role).post(_url(name, review.pk), data).status_code
            assert status == (302 if role == "anonymous" else 404), (name, role, status)
    assert _state(application) == before
    # Writes answer POST only.
    assert client_for("operator").get(_url("application-decide", application.pk)).status_code == 405


# --- the whole path -------------------------------------------------------------------------


def test_operator_assigns_experts_score_and_operator_accredits(client_for, people, application, product):
    second = expert(full_name="Мария Вторая")
    User.objects.filter(pk=second.pk).update(language="en")
    operator = client_for("operator")
    queue = _text(operator.get(_url("application-list")))
    assert product.name in queue and "0 of 2" in queue

    response = operator.post(_url("application-assign", application.pk), {})
    assert response.status_code == 302
    assert set(application.reviews.values_list("expert_id", flat=True)) == {people["expert"].pk, second.pk}

    second_client = Client(HTTP_ACCEPT_LANGUAGE="en")
    second_client.force_login(second)
    for person, web in ((people["expert"], client_for("expert")), (second, second_client)):
        inbox = _text(web.get(_url("review-list")))
        assert product.name in inbox and "to declare" in inbox
        review = Review.objects.get(application=application, expert=person)
        page = _text(web.get(review.get_absolute_url()))
        assert "Declare any conflict of interest" in page
        assert "Работает в двух округах." not in page  # the statement comes after the declaration
        assert web.post(_url("review-declare", review.pk), {"has_conflict": "no"}).status_code == 302
        page = _text(web.get(review.get_absolute_url()))
        assert "Работает в двух округах." in page and "Hand in the review" in page
        assert product.get_absolute_url() in page
        # A draft first, then the hand-in.
        draft = _score_data({"technology": 8}, summary="Хорошо")
        assert web.post(_url("review-scores", review.pk), draft).status_code == 302
        review.refresh_from_db()
        assert review.completed_at is None and review.scores.count() == 1 and review.summary == "Хорошо"
        assert web.post(_url("review-scores", review.pk), _score_data(complete="1")).status_code == 302
        review.refresh_from_db()
        assert review.completed_at is not None
        page = _text(web.get(review.get_absolute_url()))
        assert "Hand in the review" not in page and "8 / 10" in page

    # The supplier sees neither names nor scores before the decision.
    supplier_page = _text(client_for("supplier_admin").get(application.get_absolute_url()))
    assert "Мария Вторая" not in supplier_page and "80.00" not in supplier_page
    assert "Withdraw the application" in supplier_page

    page = _text(operator.get(application.get_absolute_url()))
    assert "Мария Вторая" in page and str(people["expert"]) in page
    assert "Panel score: 80.00 of 100" in page  # 40·8/10 + 30·7/10 + 30·9/10
    assert "Комментарий: technology" in page

    response = operator.post(_url("application-decide", application.pk), {"accredit": "yes"})
    assert response.status_code == 302
    application.refresh_from_db()
    product.refresh_from_db()
    assert application.status == ApplicationStatus.ACCREDITED
    assert product.accreditation_state() == AccreditationState.ACCREDITED
    assert product.accredited_until == application.accredited_until

    page = _text(operator.get(application.get_absolute_url()))
    assert "Accredited until" in page and "Record the decision" not in page
    supplier_page = _text(client_for("supplier_admin").get(application.get_absolute_url()))
    assert "Мария Вторая" not in supplier_page and str(people["expert"]) not in supplier_page
    assert "Expert 1" in supplier_page and "80.00" in supplier_page
    assert "Withdraw the application" not in supplier_page


def test_the_operator_assigns_one_chosen_expert(client_for, people, application):
    operator = client_for("operator")
    page = _text(operator.get(application.get_absolute_url()))
    assert "Assign this expert" in page and f'value="{people["expert"].pk}"' in page
    response = operator.post(_url("application-assign", application.pk), {"expert": people["expert"].pk})
    assert response.status_code == 302
    assert list(application.reviews.values_list("expert_id", flat=True)) == [people["expert"].pk]
    # Someone who is not an expert is not on the list.
    before = _state(application)
    response = operator.post(_url("application-assign", application.pk), {"expert": people["resident"].pk})
    assert response.status_code == 400
    assert "Select a valid choice" in _text(response)
    assert _state(application) == before
    # An expert who is a member of the supplier is not offered, nor accepted.
    insider = expert()
    MembershipFactory(user=insider, organization=application.product.supplier)
    assert f'value="{insider.pk}"' not in _text(operator.get(application.get_absolute_url()))
    response = operator.post(_url("application-assign", application.pk), {"expert": insider.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in _text(response)
    assert _state(application) == before
    # Automatic assignment with nobody else free adds no one and says so.
    response = operator.post(_url("application-assign", application.pk), {}, follow=True)
    assert "No expert was added" in _text(response)
    assert _state(application) == before


def test_accrediting_waits_for_the_reviews_and_declining_needs_a_reason(client_for, application, product):
    operator = client_for("operator")
    url = _url("application-decide", application.pk)
    before = _state(application)
    response = operator.post(url, {"accredit": "yes"})
    assert response.status_code == 400
    assert "Wait for 2 expert reviews before accrediting; 0 handed in." in _text(response)
    assert _state(application) == before
    response = operator.post(url, {"accredit": "no", "reason": "  "})
    assert response.status_code == 400
    assert "Give the reason for declining." in _text(response)
    assert _state(application) == before
    response = operator.post(url, {})
    assert response.status_code == 400 and _state(application) == before

    assert operator.post(url, {"accredit": "no", "reason": "Нет подтверждённых внедрений."}).status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DECLINED
    page = _text(client_for("supplier_admin").get(application.get_absolute_url()))
    assert "Нет подтверждённых внедрений." in page and "Declined" in page
    product.refresh_from_db()
    assert product.accreditation_state() == AccreditationState.NONE


def test_a_recused_expert_loses_the_review_and_a_replacement_is_assigned(client_for, people, application):
    services.review_assign(actor=people["operator"], application=application, expert=people["expert"])
    replacement = expert()
    review = application.reviews.get(expert=people["expert"])
    web = client_for("expert")
    before = _state(application)
    response = web.post(_url("review-declare", review.pk), {"has_conflict": "yes", "note": ""})
    assert response.status_code == 400
    assert "Describe the conflict of interest briefly." in _text(response)
    assert _state(application) == before

    response = web.post(_url("review-declare", review.pk), {"has_conflict": "yes", "note": "Работал у поставщика."})
    assert response.status_code == 302 and response.url == _url("review-list")
    review.refresh_from_db()
    assert review.conflict == Declaration.RECUSED
    assert web.get(review.get_absolute_url()).status_code == 404
    assert web.get(application.get_absolute_url()).status_code == 404
    assert "Электробусы" not in _text(web.get(_url("review-list")))
    assert application.reviews.filter(expert=replacement, conflict=Declaration.UNDECLARED).exists()
    # The operator sees the recusal and its note.
    page = _text(client_for("operator").get(application.get_absolute_url()))
    assert "Работал у поставщика." in page


def test_bad_scores_are_shown_and_nothing_is_saved(client_for, people, application):
    review = services.review_assign(actor=people["operator"], application=application, expert=people["expert"])
    web = client_for("expert")
    # Scoring before declaring is refused by the service.
    response = web.post(_url("review-scores", review.pk), _score_data())
    assert response.status_code == 400
    assert "Declare that you have no conflict of interest before scoring." in _text(response)
    _declare(review)
    before = _state(application)
    response = web.post(_url("review-scores", review.pk), _score_data({"technology": 11, "business": 5}))
    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 10." in _text(response)
    assert _state(application) == before
    response = web.post(_url("review-scores", review.pk), _score_data({"technology": 8}, complete="1"))
    assert response.status_code == 400
    assert "Score every criterion before handing in." in _text(response)
    assert _state(application) == before
    response = web.post(_url("review-scores", review.pk), _score_data({"technology": "восемь"}))
    assert response.status_code == 400 and _state(application) == before


def test_a_declared_review_of_a_decided_application_is_read_only(client_for, people, application):
    review = services.review_assign(actor=people["operator"], application=application, expert=people["expert"])
    _declare(review)
    services.application_decide(actor=people["operator"], application=application, accredit=False, reason="Нет")
    web = client_for("expert")
    page = _text(web.get(review.get_absolute_url()))
    assert "Hand in the review" not in page and "Your review" in page
    response = web.post(_url("review-scores", review.pk), _score_data(complete="1"))
    assert response.status_code == 400
    assert "This application has already been decided or withdrawn." in _text(response)


def test_the_supplier_withdraws_while_submitted(client_for, application, product):
    web = client_for("supplier_member")
    assert web.post(_url("application-withdraw", application.pk)).status_code == 302
    application.refresh_from_db()
    product.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN and not product.has_open_application
    page = _text(web.get(application.get_absolute_url()))
    assert "Withdraw the application" not in page and "The supplier withdrew the application." in page
    # A second time: the refusal comes back as a message, nothing changes.
    response = web.post(_url("application-withdraw", application.pk), follow=True)
    assert "already been decided or withdrawn" in _text(response)


def test_the_application_shows_its_eligibility_record(client_for, people, cycle, young_supplier):
    partner = OrganizationFactory(name="Фонд развития")
    old = SupplierFactory(founded_on=dt.date(2001, 1, 1), name="ООО «Старожил»")
    MembershipFactory(user=people["supplier_admin"], organization=old)
    product = ProductFactory(supplier=old)
    application = services.application_submit(
        actor=people["supplier_admin"],
        product=product,
        cycle=cycle,
        statement="Давно на рынке.",
        recommended_by=partner,
        recommendation="Рекомендуем: внедрено у нас.",
    )
    page = _text(client_for("operator").get(application.get_absolute_url()))
    assert "Eligible" in page
    assert "The supplier met the cycle's rule: recommended by a partner organization." in page
    assert "Фонд развития" in page and "Рекомендуем: внедрено у нас." in page


# --- cycles and criteria --------------------------------------------------------------------


def _cycle_data(**overrides) -> dict:
    now = timezone.localtime()
    return {
        "name": "Летний отбор",
        "opens_at": (now + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + dt.timedelta(days=60)).strftime("%Y-%m-%dT%H:%M"),
        "accreditation_months": "12",
        "min_experts": "3",
        "eligibility": json.dumps(
            {"any_of": [{"max_company_age_years": 5, "sme": True}, {"partner_recommendation": True}]}
        ),
    } | overrides


def test_the_cycle_list_shows_windows_terms_and_rules_in_words(client_for):
    now = timezone.now()
    IntakeCycleFactory(name="Открытый отбор")
    IntakeCycleFactory(name="Будущий отбор", opens_at=now + dt.timedelta(days=3), closes_at=now + dt.timedelta(days=9))
    IntakeCycleFactory(name="Прошлый отбор", opens_at=now - dt.timedelta(days=90), closes_at=now - dt.timedelta(days=9))
    page = _text(client_for("anonymous").get(_url("cycle-list")))
    assert "Открытый отбор" in page and "Open for applications" in page
    assert "Будущий отбор" in page and "Opens soon" in page
    assert "Прошлый отбор" in page and "Closed" in page
    assert "A company at most 7 years old, or recommended by a partner organization." in page
    assert "18 months" in page
    assert "New intake cycle" not in page
    assert "New intake cycle" in _text(client_for("operator").get(_url("cycle-list")))


def test_the_operator_creates_and_edits_a_cycle(client_for):
    operator = client_for("operator")
    form = _text(operator.get(_url("cycle-create")))
    assert 'type="datetime-local"' in form and "max_company_age_years" in form
    response = operator.post(_url("cycle-create"), _cycle_data())
    assert response.status_code == 302
    cycle = IntakeCycle.objects.get(name="Летний отбор")
    assert cycle.accreditation_months == 12 and cycle.min_experts == 3
    page = _text(operator.get(_url("cycle-list")))
    assert (
        "A company at most 5 years old and a small or medium-sized enterprise, "
        "or recommended by a partner organization." in page
    )
    form = _text(operator.get(_url("cycle-edit", cycle.slug)))
    assert 'value="Летний отбор"' in form
    assert f'value="{timezone.localtime(cycle.opens_at):%Y-%m-%dT%H:%M}"' in form
    response = operator.post(_url("cycle-edit", cycle.slug), _cycle_data(name="Летний отбор 2", min_experts="2"))
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert (cycle.name, cycle.min_experts) == ("Летний отбор 2", 2)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"eligibility": '{"any_of": [{"max_company_age_years": 7}'}, "This is not valid JSON"),
        ({"eligibility": '{"any_of": [{"founded_before": 2020}]}'}, "Unknown condition «founded_before»"),
        ({"eligibility": '{"any_of": [{"sme": "yes"}]}'}, "«sme» takes a yes/no value."),
        ({"eligibility": '{"any_of": []}'}, "Give at least one alternative."),
        ({"eligibility": "[]"}, "Eligibility rules are {&quot;any_of&quot;: [ ... ]}."),
        ({"closes_at": "2020-01-01T10:00"}, "A cycle closes after it opens."),
        ({"min_experts": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"opens_at": "скоро"}, "Enter a valid date/time."),
    ],
)
def test_a_bad_cycle_is_shown_with_its_error_and_not_saved(client_for, overrides, message):
    operator = client_for("operator")
    response = operator.post(_url("cycle-create"), _cycle_data(**overrides))
    assert response.status_code == 400
    assert message in _text(response)
    assert not IntakeCycle.objects.exists()


def test_a_bad_edit_changes_nothing(client_for, cycle):
    before = IntakeCycle.objects.values().get(pk=cycle.pk)
    response = client_for("operator").post(_url("cycle-edit", cycle.slug), _cycle_data(eligibility="{not json"))
    assert response.status_code == 400 and "This is not valid JSON" in _text(response)
    assert IntakeCycle.objects.values().get(pk=cycle.pk) == before


def _criteria_data(weights, scales=(10, 10, 10)) -> dict:
    data = {}
    for criterion, weight, scale in zip(Criterion.objects.all(), weights, scales, strict=True):
        data[f"weight_{criterion.key}"] = weight
        data[f"scale_{criterion.key}"] = scale
    return data


def test_criteria_weights_must_add_up_to_100(client_for):
    operator = client_for("operator")
    before = list(Criterion.objects.values_list("key", "weight", "scale_max"))
    page = _text(operator.get(_url("criteria-edit")))
    assert "The weights now add up to 100." in page
    response = operator.post(_url("criteria-edit"), _criteria_data([50, 30, 30]))
    assert response.status_code == 400
    assert "The weights must add up to 100." in _text(response)
    assert list(Criterion.objects.values_list("key", "weight", "scale_max")) == before
    response = operator.post(_url("criteria-edit"), _criteria_data([0, 50, 50]))
    assert response.status_code == 400 and list(Criterion.objects.values_list("key", "weight", "scale_max")) == before

    response = operator.post(_url("criteria-edit"), _criteria_data([50, 25, 25], (10, 5, 10)))
    assert response.status_code == 302
    assert list(Criterion.objects.values_list("key", "weight", "scale_max")) == [
        ("technology", 50, 10),
        ("business", 25, 5),
        ("security", 25, 10),
    ]


# --- bounded queries ------------------------------------------------------------------------


def _queries(web, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = web.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def _applications(people, count: int, cycle) -> list[Application]:
    made = []
    for _ in range(count):
        supplier = SupplierFactory(founded_on=dt.date.today() - dt.timedelta(days=400))
        MembershipFactory(user=people["supplier_admin"], organization=supplier)
        application = services.application_submit(
            actor=people["supplier_admin"], product=ProductFactory(supplier=supplier), cycle=cycle, statement="Да."
        )
        services.review_assign(actor=people["operator"], application=application, expert=people["expert"])
        made.append(application)
    return made


def test_the_queue_and_the_inbox_ask_the_same_queries_for_2_or_12_applications(client_for, people, cycle):
    operator, web = client_for("operator"), client_for("expert")
    _applications(people, 2, cycle)
    queue, filtered, inbox = (
        _queries(operator, _url("application-list")),
        _queries(operator, _url("application-list"), {"cycle": cycle.slug}),
        _queries(web, _url("review-list")),
    )
    _applications(people, 10, cycle)
    assert _queries(operator, _url("application-list")) == queue
    assert _queries(operator, _url("application-list"), {"cycle": cycle.slug}) == filtered
    assert _queries(web, _url("review-list")) == inbox
    other = IntakeCycleFactory()
    page = _text(operator.get(_url("application-list"), {"cycle": other.slug}))
    assert "No application is waiting." in page


def test_the_cycle_list_and_an_application_ask_bounded_queries(client_for, people, cycle, application):
    anonymous = client_for("anonymous")
    few = _queries(anonymous, _url("cycle-list"))
    for _ in range(8):
        IntakeCycleFactory()
    assert _queries(anonymous, _url("cycle-list")) == few

    operator = client_for("operator")

    def review_by(person):
        review = services.review_assign(actor=people["operator"], application=application, expert=person)
        _declare(review)
        services.review_save(actor=person, review=review, scores=SCORES, complete=True)

    review_by(people["expert"])
    one = _queries(operator, application.get_absolute_url())
    for _ in range(3):
        review_by(expert())
    services.review_assign(actor=people["operator"], application=application, expert=expert())
    assert _queries(operator, application.get_absolute_url()) == one
