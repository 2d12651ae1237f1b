"""The funnel in a real browser: the operator moves an initiative through a gate from the
board, the public page shows the decision, and a follower hears of it."""

import re

import pytest
from playwright.sync_api import expect

from govtech.funnel.models import GateDecision, StageStay
from govtech.notifications import services as notification_services
from govtech.notifications.models import Notification
from tests.browser.helpers import log_in, mails_to
from tests.factories import AgencyFactory, UserFactory
from tests.funnel.factories import InitiativeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Датчики заполнения мусорных контейнеров"


def test_operator_moves_an_initiative_through_the_pilot_gate(new_page, run_worker):
    agency = AgencyFactory(name="Департамент ЖКХ")
    operator = UserFactory(
        email="operator@example.test", full_name="Olga Operator", is_operator=True, is_staff=True, language="en"
    )
    follower = UserFactory(email="follower@example.test", full_name="Ivan Follower", language="en")
    initiative = InitiativeFactory(title=TITLE, stage="prototype", sponsor=agency)
    notification_services.follow_create(actor=follower, target=initiative)

    # The operator opens the board and picks the card in the prototype column.
    page = new_page()
    log_in(page, operator.email, shown_as="Olga Operator")
    page.goto("/funnel/board/")
    column = page.get_by_role("region", name=re.compile("Prototype"))
    expect(column.get_by_role("link", name=TITLE, exact=True)).to_be_visible()
    column.get_by_role("link", name=re.compile("^Decide")).click()

    # The gate-decision form opens on the board (htmx); fill it in with a measured result.
    form = page.locator("#board-move")
    expect(form.get_by_role("heading", name=re.compile("Decide a move"))).to_be_visible()
    form.get_by_label("Pilot").check()
    form.get_by_label("Rationale").fill("Прототип показал точность датчиков 96 % на 40 площадках.")
    goal = form.get_by_role("group", name="Goal 1")
    goal.get_by_label("Metric").fill("Точность определения заполнения")
    goal.get_by_label("Unit").fill("%")
    goal.get_by_label("Baseline").fill("0")
    goal.get_by_label("Target").fill("90")
    goal.get_by_label("Measured").fill("96.5")
    form.get_by_role("button", name="Record the decision").click()

    # Back on the board, the card now stands in the pilot column.
    pilot = page.get_by_role("region", name=re.compile("Pilot"))
    expect(pilot.get_by_role("link", name=TITLE, exact=True)).to_be_visible()
    decision = GateDecision.objects.get(initiative=initiative)
    assert (decision.from_stage, decision.to_stage, decision.decided_by_id) == ("prototype", "pilot", operator.pk)
    assert decision.goals.get().measured == pytest.approx(96.5)
    assert StageStay.objects.filter(initiative=initiative, exited_at__isnull=True).get().stage == "pilot"

    # Anyone sees the decision and its measured result on the public page.
    visitor = new_page()
    visitor.goto(initiative.get_absolute_url())
    main = visitor.get_by_role("main")
    expect(main).to_contain_text("Прототип показал точность датчиков")
    expect(main).to_contain_text("Точность определения заполнения")
    expect(main).to_contain_text("96,5")

    # The follower is told, in the inbox and by e-mail, once the worker runs.
    run_worker()
    notification = Notification.objects.get(recipient=follower)
    assert notification.kind == "funnel.stage_changed"
    assert len(mails_to(follower.email)) == 1
    follower_page = new_page()
    log_in(follower_page, follower.email, shown_as="Ivan Follower")
    follower_page.goto("/notifications/")
    expect(follower_page.get_by_role("main")).to_contain_text(TITLE)
