"""A challenge in a real browser, from the agency's draft to a published winner in the funnel:
the agency drafts and submits it, the operator publishes it, a supplier asks a question and
submits a proposal, the agency answers publicly, two experts score, the operator closes the
panel, the agency advances the winner and publishes the results, and the winner's project
appears in the innovation funnel at the prototype stage.

The phase closes two days after the draft is written; the steps after the deadline run with
the clock moved past it (time_machine moves it for the live server too: same process)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from govtech.accounts.models import MembershipRole
from govtech.challenges.models import Challenge, ChallengeStatus, Question, Submission, SubmissionStatus
from govtech.funnel.models import Initiative, Origin
from govtech.notifications.models import Notification
from tests.browser.helpers import log_in, switch_language
from tests.factories import AgencyFactory, MembershipFactory, SupplierFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Как водителю быстрее найти свободное место на парковке в центре"
PROPOSAL = "Датчики занятости мест и подсказка в навигаторе"
QUESTION = "Можно ли использовать уже установленные городские камеры?"
ANSWER = "Да, доступ к потоку с камер на пилотных улицах предоставим после отбора."
RATIONALE = "Лучшая оценка панели: решение проверено на двух парковках."


def _local(moment) -> str:
    """A datetime-local field's value in the platform's time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _main(page: Page):
    return page.get_by_role("main")


def _open_challenge(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Challenges", exact=True).click()
    _main(page).get_by_role("link", name=TITLE).click()
    expect(_main(page).get_by_role("heading", level=1, name=TITLE)).to_be_visible()


def _draft(page: Page, closes) -> None:
    """The agency writes the main fields, one phase and the criteria, each on its page."""
    _main(page).get_by_role("link", name="New challenge").click()
    main = _main(page)
    expect(main.get_by_role("heading", level=1, name="New challenge")).to_be_visible()
    main.get_by_label("Title").fill(TITLE)
    main.get_by_label("Summary").fill("Водители кружат по центру в поисках места и создают пробки.")
    main.get_by_label("Problem statement").fill("До трети машин в центре в час пик ищут, где встать.")
    main.get_by_label("Topic").select_option(label="Transport and roads")
    main.get_by_label("Licence for results").select_option(value="open_source")
    main.get_by_label("Contact person").fill("Анна Владимировна")
    main.get_by_label("Contact e-mail").fill("parking@example.test")
    main.get_by_role("button", name="Save the draft").click()

    main = _main(page)
    expect(main.get_by_role("heading", level=1, name="Phases")).to_be_visible()
    phase = main.get_by_role("group", name="Row 1")
    phase.get_by_label("Name").fill("Прототип на двух улицах")
    phase.get_by_label("Kind").select_option(label="Prototype")
    phase.get_by_label("Opens").fill(_local(timezone.now() - timedelta(hours=1)))
    phase.get_by_label("Closes").fill(_local(closes))
    phase.get_by_label("Participants who may advance").fill("1")
    phase.get_by_label("Funding per participant, RUB").fill("3 000 000")
    main.get_by_role("button", name="Save").click()

    main = _main(page)
    expect(main.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    main.get_by_role("link", name="Edit criteria").click()
    main = _main(page)
    for row, (name, weight, scale) in enumerate([("Решение", "70", "10"), ("Команда", "30", "5")], start=1):
        criterion = main.get_by_role("group", name=f"Row {row}")
        criterion.get_by_label("Name").fill(name)
        criterion.get_by_label("Weight, %").fill(weight)
        criterion.get_by_label("Top of the scale").fill(scale)
    main.get_by_role("button", name="Save").click()


def _score(page: Page, expert, *, solution: str, team: str) -> None:
    """An expert declares no conflict of interest, reads the proposal and hands in the scores."""
    log_in(page, expert.email, shown_as=expert.full_name)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My evaluations").click()
    _main(page).get_by_role("link", name=PROPOSAL).click()
    main = _main(page)
    main.get_by_label("I have no conflict of interest with this supplier").check()
    main.get_by_role("button", name="Declare", exact=True).click()
    main = _main(page)
    expect(main.get_by_role("region", name="The proposal", exact=True)).to_contain_text("Магнитные датчики")
    main.get_by_label("Score for «Решение»").fill(solution)
    main.get_by_label("Comment on «Решение»").fill("Понятный план проверки.")
    main.get_by_label("Score for «Команда»").fill(team)
    main.get_by_role("button", name="Hand in the evaluation").click()
    expect(main).to_contain_text("Your evaluation is handed in.")
    # Until the panel closes, nobody sees another expert's scores.
    expect(main).to_contain_text("The other experts' scores are shown once the panel closes.")


def test_a_challenge_goes_from_draft_to_a_winner_in_the_funnel(new_page, run_worker):
    agency = AgencyFactory(name="Департамент транспорта")
    owner = UserFactory(email="owner@example.test", full_name="Anna Owner", language="en")
    MembershipFactory(user=owner, organization=agency, role=MembershipRole.ADMIN)
    operator = UserFactory(
        email="operator@example.test", full_name="Olga Operator", is_operator=True, is_staff=True, language="en"
    )
    supplier = SupplierFactory(name="ООО «Умная парковка»")
    bidder = UserFactory(email="bidder@example.test", full_name="Boris Bidder", language="en")
    MembershipFactory(user=bidder, organization=supplier)
    experts = [
        UserFactory(email="eva@example.test", full_name="Eva Expert", is_expert=True, language="en"),
        UserFactory(email="egor@example.test", full_name="Egor Expert", is_expert=True, language="en"),
    ]
    closes = timezone.now().replace(second=0, microsecond=0) + timedelta(days=2)

    # The agency drafts the challenge and sends it for review.
    agency_page = new_page()
    log_in(agency_page, owner.email, shown_as="Anna Owner")
    agency_page.get_by_role("navigation", name="Main").get_by_role("link", name="Challenges", exact=True).click()
    _draft(agency_page, closes)
    manage = agency_page.get_by_role("region", name="Manage the challenge", exact=True)
    expect(manage).to_contain_text("The challenge is complete and can go to review.")
    manage.get_by_role("button", name="Submit for review").click()
    expect(_main(agency_page)).to_contain_text("Status: In review")
    challenge = Challenge.objects.get(title=TITLE)
    assert challenge.status == ChallengeStatus.IN_REVIEW
    assert [(p.kind, p.closes_at) for p in challenge.phases.all()] == [("prototype", closes)]
    assert sorted(challenge.criteria.values_list("weight", flat=True)) == [30, 70]

    # A visitor cannot see it yet; the operator finds it in the review queue and publishes it.
    visitor = new_page()
    visitor.goto("/challenges/")
    switch_language(visitor, "en")
    assert visitor.goto(challenge.get_absolute_url()).status == 404
    operator_page = new_page()
    log_in(operator_page, operator.email, shown_as="Olga Operator")
    operator_page.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    _main(operator_page).get_by_role("link", name=TITLE).click()
    operator_page.get_by_role("region", name="Manage the challenge", exact=True).get_by_role(
        "button", name="Publish"
    ).click()
    expect(_main(operator_page)).to_contain_text("Status: Published")

    # A supplier asks a question and submits a proposal; the receipt proves what and when.
    supplier_page = new_page()
    log_in(supplier_page, bidder.email, shown_as="Boris Bidder")
    _open_challenge(supplier_page)
    questions = supplier_page.get_by_role("region", name="Questions and answers", exact=True)
    questions.get_by_label("Your question").fill(QUESTION)
    questions.get_by_role("button", name="Ask the question").click()
    expect(_main(supplier_page)).to_contain_text("Your question is sent.")
    supplier_page.get_by_role("region", name="Phases", exact=True).get_by_role("link", name="Submit a proposal").click()
    main = _main(supplier_page)
    main.get_by_label("Title of the proposal").fill(PROPOSAL)
    main.get_by_label("Summary").fill("Датчики под асфальтом сообщают, какие места свободны.")
    main.get_by_label("Approach").fill("Магнитные датчики и открытый API для навигаторов.")
    main.get_by_label("Team").fill("6 человек: инженеры и разработчики.")
    main.get_by_label("Work plan").fill("Месяц на установку, два месяца измерений.")
    main.get_by_label("Budget, RUB").fill("2 500 000")
    main.get_by_role("button", name="Submit", exact=True).click()
    expect(_main(supplier_page).get_by_role("heading", level=1, name=PROPOSAL)).to_be_visible()
    submission = Submission.objects.get(title=PROPOSAL)
    receipt = submission.receipts.get()
    receipt_panel = supplier_page.get_by_role("region", name="Receipt", exact=True)
    expect(receipt_panel).to_contain_text(receipt.number)
    expect(receipt_panel).to_contain_text(receipt.content_hash)

    # The agency answers; everyone reads the answer, and nobody learns who asked.
    agency_page.reload()
    waiting = agency_page.get_by_role("region", name="Questions and answers", exact=True)
    expect(waiting).to_contain_text(QUESTION)
    waiting.get_by_label("Answer").fill(ANSWER)
    waiting.get_by_role("button", name="Publish the answer").click()
    expect(_main(agency_page)).to_contain_text("The answer is published.")
    visitor.goto(challenge.get_absolute_url())
    public_questions = visitor.get_by_role("region", name="Questions and answers", exact=True)
    expect(public_questions).to_contain_text(QUESTION)
    expect(public_questions).to_contain_text(ANSWER)
    for identity in (bidder.full_name, bidder.email, supplier.name):
        expect(_main(visitor)).not_to_contain_text(identity)
    assert Question.objects.get().answered_by == owner
    run_worker()
    assert Notification.objects.filter(recipient=bidder, kind="challenges.question_answered").exists()

    with time_machine.travel(closes + timedelta(hours=1), tick=True):
        # After the deadline the operator assigns the panel; two experts score.
        operator_page.reload()
        operator_page.get_by_role("region", name="Phases", exact=True).get_by_role(
            "link", name="Evaluation panel"
        ).click()
        panel = _main(operator_page)
        panel.get_by_role("button", name=re.compile("^Assign experts automatically")).click()
        expect(_main(operator_page)).to_contain_text("Experts assigned: 2.")
        for expert, (solution, team) in zip(experts, [("9", "4"), ("8", "5")], strict=True):
            _score(new_page(), expert, solution=solution, team=team)

        # The operator closes the panel; the ranking appears.
        operator_page.reload()
        _main(operator_page).get_by_role("button", name="Close the panel").click()
        expect(_main(operator_page)).to_contain_text("The panel is closed")
        expect(_main(operator_page).get_by_role("table", name="Submissions by their panel score")).to_contain_text(
            "86.50"
        )

        # The agency starts the evaluation (the last phase has closed), advances the winner
        # with a rationale and publishes the results.
        agency_page.reload()
        agency_page.get_by_role("region", name="Manage the challenge", exact=True).get_by_role(
            "button", name="Start evaluation"
        ).click()
        expect(_main(agency_page)).to_contain_text("Status: Evaluation")
        agency_page.get_by_role("region", name="Phases", exact=True).get_by_role(
            "link", name="Evaluation panel"
        ).click()
        ranking = _main(agency_page).get_by_role("table", name="Submissions by their panel score")
        ranking.get_by_label("Advance", exact=True).check()
        ranking.get_by_label("Rationale").fill(RATIONALE)
        ranking.get_by_role("button", name="Record the decision").click()
        expect(_main(agency_page)).to_contain_text(f"«{PROPOSAL}»: Advanced.")
        _main(agency_page).get_by_role("button", name="Publish the results").click()

        # The results are public.
        results = agency_page.get_by_role("region", name="Results", exact=True)
        expect(results).to_contain_text(PROPOSAL)
        visitor.goto(challenge.get_absolute_url())
        expect(_main(visitor)).to_contain_text("Status: Decided")
        public_results = visitor.get_by_role("region", name="Results", exact=True)
        expect(public_results.get_by_role("table", name="Advanced participants")).to_contain_text(supplier.name)
        expect(public_results).to_contain_text("86.50")

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ADVANCED
    assert submission.decision_rationale == RATIONALE
    initiative = Initiative.objects.get(pk=submission.initiative_id)
    assert (initiative.stage, initiative.origin, initiative.sponsor) == (
        "prototype",
        Origin.CHALLENGE_SUBMISSION,
        agency,
    )

    # The project is in the innovation funnel at the prototype stage, the panel's decision its gate record.
    visitor.get_by_role("navigation", name="Main").get_by_role("link", name="Innovation funnel").click()
    card = _main(visitor).get_by_role("article").filter(has=visitor.get_by_role("link", name=PROPOSAL))
    expect(card).to_contain_text("Stage: Prototype")
    card.get_by_role("link", name=PROPOSAL).click()
    expect(_main(visitor).get_by_role("heading", level=1, name=PROPOSAL)).to_be_visible()
    expect(_main(visitor)).to_contain_text(RATIONALE)
    expect(_main(visitor)).to_contain_text(TITLE)
