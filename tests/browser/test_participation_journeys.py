"""Residents' participation in a real browser.

1. A resident starts a new idea and, while typing its title, is shown a similar idea already
   proposed (htmx); publishes the idea anyway, supports the similar one and comments on it. The
   operator names the responsible agency from the inbox; the agency's staff answer in public (under
   review, then accepted). The accepted idea's initiative appears in the innovation funnel, and the
   resident finds the official answers in the inbox.
2. A resident shares an experience story and sees it counted in the public analysis."""

import re

import pytest
from playwright.sync_api import Page, expect

from govtech.accounts.models import MembershipRole
from govtech.funnel.models import Initiative, Origin
from govtech.notifications.models import Notification
from govtech.participation import selectors, services
from govtech.participation.models import Comment, Idea, IdeaStatus, Story, Vote
from tests.browser.helpers import log_in
from tests.factories import AgencyFactory, MembershipFactory, UserFactory
from tests.participation.factories import DistrictFactory, IdeaFactory, OkrugFactory, StoryTemplateFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXISTING = "Больше электробусов на Садовом кольце"
TITLE = "Электробусы до станции метро Коньково"
TEXT = "Автобус 261 ходит редко и шумит. Пустить электробусы от улицы Профсоюзной до метро."
COMMENT = "Поддерживаю: электробус тише и чище."
REVIEW = "Передали в ГКУ «Организатор перевозок»: изучим пассажиропоток и ответим."
ACCEPTED = "Идея принята: запустим электробусы на маршруте в следующем году."


def _main(page: Page):
    return page.get_by_role("main")


def _ideas_nav(page: Page):
    return page.get_by_role("navigation", name="Ideas", exact=True)


def _open_ideas(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Ideas", exact=True).click()
    expect(_main(page).get_by_role("heading", level=1)).to_be_visible()


def _propose(page: Page) -> None:
    """The resident types the title; before finishing, the similar idea is suggested."""
    _open_ideas(page)
    _ideas_nav(page).get_by_role("link", name="Propose an idea").click()
    main = _main(page)
    expect(main.get_by_role("heading", level=1, name="Propose an idea")).to_be_visible()
    # Typed key by key, as a person types: htmx asks for similar ideas after a pause.
    main.get_by_label("Title").press_sequentially(TITLE, delay=15)
    suggestions = main.locator("#similar-ideas")
    expect(suggestions.get_by_role("heading", name="Similar ideas already proposed")).to_be_visible()
    expect(suggestions.get_by_role("link", name=EXISTING)).to_be_visible()
    main.get_by_label("Your idea").fill(TEXT)
    main.get_by_label("Category").select_option(label="Transport and roads")
    main.get_by_label("District").select_option(label="Коньково")
    main.get_by_role("button", name="Publish the idea").click()
    expect(main).to_contain_text("Thank you! Your idea is published.")
    expect(_main(page).get_by_role("heading", level=1, name=TITLE)).to_be_visible()


def _support_and_comment(page: Page) -> None:
    """From the list, the resident opens the similar idea, supports it and comments on it."""
    _open_ideas(page)
    _main(page).get_by_role("link", name=EXISTING).first.click()
    main = _main(page)
    expect(main.get_by_role("heading", level=1, name=EXISTING)).to_be_visible()
    main.get_by_role("button", name=re.compile("^Support")).click()
    # The vote box is swapped in place (htmx): the count and the button change without a reload.
    expect(main).to_contain_text("You support this idea")
    expect(main).to_contain_text("1 vote")
    expect(main.get_by_role("button", name=re.compile("^Withdraw my vote"))).to_be_visible()
    comments = main.get_by_role("region", name=re.compile(r"^\d+ comments?$"))
    comments.get_by_label(re.compile("^Comment:?$")).fill(COMMENT)
    comments.get_by_role("button", name="Post the comment").click()
    expect(_main(page)).to_contain_text("Your comment is published.")
    expect(_main(page).get_by_role("region", name="1 comment")).to_contain_text(COMMENT)


def _assign(page: Page, agency_name: str) -> None:
    """The operator finds the idea among those without an agency and names the agency."""
    _open_ideas(page)
    _ideas_nav(page).get_by_role("link", name="Ideas to answer").click()
    _main(page).get_by_role("link", name="Without a responsible agency").click()
    row = _main(page).get_by_role("article").filter(has=page.get_by_role("link", name=TITLE))
    row.get_by_label("Responsible agency").select_option(label=agency_name)
    row.get_by_role("button", name="Assign").click()
    expect(_main(page)).to_contain_text(f"{agency_name} now answers this idea.")


def _answer(page: Page, status: str, message: str) -> None:
    staff = page.get_by_role("region", name="For the agency and the moderators")
    staff.get_by_label("New status").select_option(label=status)
    staff.get_by_label("Public message to residents").fill(message)
    staff.get_by_role("button", name="Publish the answer").click()
    expect(_main(page)).to_contain_text(f"The answer is published: {status}.")


def test_an_idea_from_a_resident_to_the_funnel(new_page, run_worker):
    agency = AgencyFactory(name="Департамент транспорта")
    staff = UserFactory(email="staff@example.test", full_name="Anna Staff", language="en")
    MembershipFactory(user=staff, organization=agency, role=MembershipRole.ADMIN)
    operator = UserFactory(
        email="operator@example.test", full_name="Olga Operator", is_operator=True, is_staff=True, language="en"
    )
    resident = UserFactory(email="resident@example.test", full_name="Ivan Resident", language="en")
    neighbour = UserFactory(full_name="Нина Соседова")
    DistrictFactory(name="Коньково", parent=OkrugFactory(name="Юго-Западный административный округ"))
    existing = IdeaFactory(
        title=EXISTING, text="Пустить электробусы по Садовому кольцу вместо дизельных автобусов.", author=neighbour
    )

    # The resident proposes an idea, is shown the similar one, supports it and comments on it.
    resident_page = new_page()
    log_in(resident_page, resident.email, shown_as="Ivan Resident")
    _propose(resident_page)
    idea = Idea.objects.get(title=TITLE)
    assert (idea.status, idea.author, idea.topic, idea.district.name) == (
        IdeaStatus.PUBLISHED,
        resident,
        "transport",
        "Коньково",
    )
    _support_and_comment(resident_page)
    existing.refresh_from_db()
    assert existing.vote_count == 1 and Vote.objects.filter(idea=existing, user=resident).exists()
    assert Comment.objects.get(idea=existing).author == resident
    assert existing.comment_count == 1

    # The operator names the agency; its staff are told.
    operator_page = new_page()
    log_in(operator_page, operator.email, shown_as="Olga Operator")
    _assign(operator_page, agency.name)
    idea.refresh_from_db()
    assert idea.agency == agency
    run_worker()
    assert Notification.objects.filter(recipient=staff, kind="participation.idea_assigned").exists()

    # The agency's staff find it among the ideas to answer and answer in public, twice.
    staff_page = new_page()
    log_in(staff_page, staff.email, shown_as="Anna Staff")
    _open_ideas(staff_page)
    _ideas_nav(staff_page).get_by_role("link", name="Ideas to answer").click()
    _main(staff_page).get_by_role("link", name=TITLE).click()
    _answer(staff_page, "Under review", REVIEW)
    run_worker()
    _answer(staff_page, "Accepted", ACCEPTED)
    main = _main(staff_page)
    timeline = main.get_by_role("region", name="Official answers")
    expect(timeline).to_contain_text(REVIEW)
    expect(timeline).to_contain_text(ACCEPTED)
    expect(main).to_contain_text("Accepted: the idea continues as an initiative in the innovation funnel")

    idea.refresh_from_db()
    assert idea.status == IdeaStatus.ACCEPTED
    initiative = Initiative.objects.get(pk=idea.initiative_id)
    assert (initiative.origin, initiative.origin_id, initiative.sponsor, initiative.stage) == (
        Origin.RESIDENT_IDEA,
        str(idea.pk),
        agency,
        "idea",
    )
    assert [change.to_status for change in idea.status_changes.all()] == ["under_review", "accepted"]
    # The author earned points for publishing the idea and for its acceptance.
    assert selectors.points_of(resident) == 10 + 50

    # The initiative is in the innovation funnel, at the idea stage, and links back to the idea.
    resident_page.get_by_role("navigation", name="Main").get_by_role("link", name="Innovation funnel").click()
    card = _main(resident_page).get_by_role("article").filter(has=resident_page.get_by_role("link", name=TITLE))
    expect(card).to_contain_text("Stage: Idea")
    card.get_by_role("link", name=TITLE).click()
    funnel_main = _main(resident_page)
    expect(funnel_main.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    expect(funnel_main).to_contain_text("Resident's idea")
    link = funnel_main.get_by_role("link", name="where it came from")
    expect(link).to_have_attribute("href", re.compile(rf"/ideas/{idea.pk}/$"))

    # The resident is told of both answers in the inbox once the worker has run.
    run_worker()
    resident_page.get_by_role("banner").get_by_role("link", name=re.compile("^Inbox")).click()
    inbox = _main(resident_page)
    expect(inbox.get_by_role("heading", level=1, name="Inbox")).to_be_visible()
    expect(inbox.get_by_role("link", name=f"Official answer to «{TITLE}»: Accepted")).to_be_visible()
    expect(inbox.get_by_role("link", name=f"Official answer to «{TITLE}»: Under review")).to_be_visible()
    inbox.get_by_role("link", name=f"Official answer to «{TITLE}»: Accepted").click()
    expect(_main(resident_page).get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    expect(_main(resident_page)).to_contain_text("Status: Accepted")


def test_a_resident_shares_a_story_and_sees_it_in_the_analysis(new_page):
    template = StoryTemplateFactory(
        key="preschool",
        title="Дошкольное образование",
        tags=["запись в детский сад", "адаптация", "питание"],
        involved=["воспитатель", "заведующий"],
        outcomes=["всё решилось", "не решилось"],
    )
    district = DistrictFactory(name="Хамовники", parent=OkrugFactory(name="Центральный административный округ"))
    # Two stories told before.
    for experience in (2, 3):
        services.story_submit(
            actor=UserFactory(),
            template=template,
            what_happened="Записывали сына в сад.",
            experience=experience,
            outcome="не решилось",
            consent=True,
            tags=["питание"],
        )
    resident = UserFactory(email="parent@example.test", full_name="Maria Parent", language="en")

    page = new_page()
    log_in(page, resident.email, shown_as="Maria Parent")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Ideas", exact=True).click()
    _ideas_nav(page).get_by_role("link", name="Experience stories").click()
    card = _main(page).get_by_role("article").filter(has_text=template.title)
    card.get_by_role("link", name=re.compile("^Share your story")).click()

    main = _main(page)
    expect(main.get_by_role("heading", level=1, name=f"Your story: {template.title}")).to_be_visible()
    main.get_by_label("What happened").fill("Сын пошёл в сад у дома, первые дни разрешили оставаться с ним.")
    main.get_by_role("group", name="How was your experience?").get_by_label("5 — very good").check()
    main.get_by_role("group", name="What was it about?").get_by_label("адаптация").check()
    main.get_by_role("group", name="Who was involved?").get_by_label("воспитатель").check()
    main.get_by_label("How did it end?").select_option(label="всё решилось")
    main.get_by_label("District").select_option(label="Хамовники")
    main.get_by_label("I agree that my story is published and analysed on this platform").check()
    main.get_by_role("button", name="Publish my story").click()

    # The analysis of this template opens, with the new story counted.
    analysis = _main(page)
    expect(analysis.get_by_role("heading", level=1, name="What residents tell")).to_be_visible()
    expect(analysis).to_contain_text("Thank you. Your story is published and counted in the analysis.")
    summary = analysis.get_by_role("region", name="In short").locator("dd")
    expect(summary).to_have_text(["3", "3.33"])  # stories; mean experience (2 + 3 + 5) / 3
    rated = analysis.get_by_role("region", name="How the experience was rated")
    expect(rated.get_by_role("row").filter(has_text="5 — very good")).to_contain_text("33.3%")
    about = analysis.get_by_role("region", name="What the stories were about")
    expect(about.get_by_role("row").filter(has_text="адаптация")).to_contain_text("1")
    by_district = analysis.get_by_role("region", name="By district")
    expect(by_district.get_by_role("row").filter(has_text="Хамовники")).to_contain_text("5.00")
    story = Story.objects.get(author=resident)
    assert (story.experience, story.tags, story.involved, story.district) == (
        5,
        ["адаптация"],
        ["воспитатель"],
        district,
    )
    assert story.anonymous and story.consent
