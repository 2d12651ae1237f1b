"""The agency inbox, the moderation queue, the accountability page, stories with their analysis,
the leaderboard and "my points": who may open them, what they show, forms through the services
with their refusals shown, and a query count that does not grow with the list."""

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from govtech.accounts.models import User
from govtech.funnel.models import Topic
from govtech.participation import services
from govtech.participation.models import IdeaStatus, Participant, ReportReason, Story
from tests.factories import AgencyFactory, MembershipFactory, UserFactory
from tests.participation.factories import (
    CallFactory,
    CommentFactory,
    DistrictFactory,
    IdeaFactory,
    OkrugFactory,
    StoryTemplateFactory,
)
from tests.participation.helpers import T0, agency_with_member, at

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "supplier_member", "supplier_admin", "agency_admin", "expert", "operator"]
SIGNED_IN = [role for role in ROLES if role != "anonymous"]


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


def english_client(user) -> Client:
    User.objects.filter(pk=user.pk).update(language="en")
    web = Client(HTTP_ACCEPT_LANGUAGE="en")
    web.force_login(user)
    return web


def _matrix(client_for, url: str, expected: dict) -> None:
    assert set(expected) == set(ROLES)
    got = {role: client_for(role).get(url).status_code for role in ROLES}
    assert got == expected


def test_public_pages_open_for_everyone(client_for):
    template = StoryTemplateFactory()
    everyone = dict.fromkeys(ROLES, 200)
    for name in ("accountability", "accountability-csv", "story-list", "story-analysis", "story-csv", "leaderboard"):
        _matrix(client_for, reverse(f"participation:{name}"), everyone)
    signed_in = dict.fromkeys(ROLES, 200) | {"anonymous": 302}
    _matrix(client_for, reverse("participation:story-new", args=[template.key]), signed_in)
    _matrix(client_for, reverse("participation:my-points"), signed_in)
    assert client_for("resident").get(reverse("participation:story-new", args=["no-such-template"])).status_code == 404


def test_anonymous_people_are_sent_to_sign_in(client_for):
    for name in ("agency-inbox", "moderation-queue", "my-points"):
        response = client_for("anonymous").get(reverse(f"participation:{name}"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


# --- the agency inbox ---------------------------------------------------------------------


def test_the_inbox_is_for_agency_staff_and_operators(client_for):
    expected = dict.fromkeys(ROLES, 403) | {"anonymous": 302, "agency_admin": 200, "operator": 200}
    _matrix(client_for, reverse("participation:agency-inbox"), expected)


@time_machine.travel(T0, tick=False)
def test_the_inbox_lists_the_agencys_unanswered_ideas_the_most_overdue_first(client_for, agency):
    district = DistrictFactory(name="Хамовники")
    overdue = IdeaFactory(
        agency=agency,
        title="Просроченная идея про парк",
        published_at=at(-40),
        answer_due_at=at(-10),
        district=district,
    )
    due_soon = IdeaFactory(agency=agency, title="Свежая идея про сквер", published_at=at(-1), answer_due_at=at(29))
    IdeaFactory(agency=agency, title="Отвеченная идея", first_answered_at=at(-1), status=IdeaStatus.UNDER_REVIEW)
    IdeaFactory(agency=agency, title="Идея на модерации", status=IdeaStatus.SUBMITTED, published_at=None)
    IdeaFactory(agency=AgencyFactory(), title="Идея другого ведомства")

    response = client_for("agency_admin").get(reverse("participation:agency-inbox"))
    assert [idea.pk for idea in response.context["page_obj"]] == [overdue.pk, due_soon.pk]
    html = response.content.decode()
    assert "Overdue by 10 days" in html
    assert "29 days left" in html
    assert "Хамовники" in html
    assert "Идея другого ведомства" not in html
    assert "Without a responsible agency" not in html  # the operators' section


def test_staff_of_another_agency_see_only_their_own_inbox(agency):
    IdeaFactory(agency=agency, title="Идея нашего департамента")
    other_agency, other_member = agency_with_member()
    theirs = IdeaFactory(agency=other_agency, title="Идея чужого департамента")
    response = english_client(other_member).get(reverse("participation:agency-inbox"))
    assert response.status_code == 200
    assert [idea.pk for idea in response.context["page_obj"]] == [theirs.pk]
    assert "Идея нашего департамента" not in response.content.decode()
    # Naming our agency in the query string shows nothing of it.
    response = english_client(other_member).get(reverse("participation:agency-inbox"), {"agency": agency.slug})
    assert [idea.pk for idea in response.context["page_obj"]] == [theirs.pk]


def test_staff_of_several_agencies_filter_by_agency(agency, people):
    second = AgencyFactory()
    MembershipFactory(user=people["agency_admin"], organization=second)
    ours = IdeaFactory(agency=agency)
    theirs = IdeaFactory(agency=second)
    web = english_client(people["agency_admin"])
    everything = web.get(reverse("participation:agency-inbox"))
    assert {idea.pk for idea in everything.context["page_obj"]} == {ours.pk, theirs.pk}
    only_second = web.get(reverse("participation:agency-inbox"), {"agency": second.slug})
    assert [idea.pk for idea in only_second.context["page_obj"]] == [theirs.pk]


def test_the_operator_assigns_an_unassigned_idea_from_the_inbox(client_for, agency, people):
    open_idea = IdeaFactory(title="Идея без ответственного ведомства")
    IdeaFactory(agency=agency, title="Идея с ведомством")
    web = client_for("operator")
    page = web.get(reverse("participation:agency-inbox"), {"show": "unassigned"})
    html = page.content.decode()
    assert [idea.pk for idea in page.context["page_obj"]] == [open_idea.pk]
    assert f'action="{reverse("participation:idea-assign", args=[open_idea.pk])}"' in html
    assert f'<option value="{agency.slug}">{agency.name}</option>' in html

    response = web.post(
        reverse("participation:idea-assign", args=[open_idea.pk]),
        {"agency": agency.slug, "next": page.request["PATH_INFO"] + "?show=unassigned"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("participation:agency-inbox") + "?show=unassigned"
    open_idea.refresh_from_db()
    assert open_idea.agency == agency
    # Now it waits for the agency's answer.
    inbox = client_for("agency_admin").get(reverse("participation:agency-inbox"))
    assert open_idea.pk in {idea.pk for idea in inbox.context["page_obj"]}


def test_agency_staff_never_see_the_unassigned_section(client_for, agency):
    IdeaFactory(title="Идея без ответственного ведомства")
    response = client_for("agency_admin").get(reverse("participation:agency-inbox"), {"show": "unassigned"})
    assert response.context["show"] == "answer"
    assert "Идея без ответственного ведомства" not in response.content.decode()


def _count_queries(web, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert web.get(url, params or {}).status_code == 200
    return len(queries)


def test_the_inbox_keeps_a_constant_query_count(client_for, agency):
    web = client_for("agency_admin")
    url = reverse("participation:agency-inbox")
    call = CallFactory(agency=agency)
    district = DistrictFactory()
    for _ in range(2):
        IdeaFactory(agency=agency, call=call, district=district)
    few = _count_queries(web, url)
    for _ in range(25):
        IdeaFactory(agency=agency, call=call, district=DistrictFactory())
    assert _count_queries(web, url) == few

    operator = client_for("operator")
    IdeaFactory(district=district)
    few = _count_queries(operator, url, {"show": "unassigned"})
    for _ in range(25):
        IdeaFactory(district=DistrictFactory())
    assert _count_queries(operator, url, {"show": "unassigned"}) == few


def test_the_inbox_is_paginated(client_for, agency):
    for _ in range(23):
        IdeaFactory(agency=agency)
    first = client_for("agency_admin").get(reverse("participation:agency-inbox"))
    second = client_for("agency_admin").get(reverse("participation:agency-inbox"), {"page": 2})
    assert len(first.context["page_obj"]) == 20
    assert len(second.context["page_obj"]) == 3
    assert "Page 1 of 2" in first.content.decode()


# --- the moderation queue -----------------------------------------------------------------


def test_only_operators_open_the_moderation_queue(client_for):
    expected = dict.fromkeys(ROLES, 403) | {"anonymous": 302, "operator": 200}
    _matrix(client_for, reverse("participation:moderation-queue"), expected)


@pytest.fixture
def queue_content(people, settings):
    """An idea waiting for pre-moderation, a reported idea, one hidden automatically after a report
    (waiting for a moderator), a reported comment, and one a moderator has hidden already (done, so
    not in the queue)."""
    waiting = IdeaFactory(status=IdeaStatus.SUBMITTED, published_at=None, title="Идея ждёт модерации")
    reported = IdeaFactory(title="Идея с жалобой")
    services.report_create(actor=people["resident"], idea=reported, reason=ReportReason.SPAM, note="реклама")
    hidden = IdeaFactory(title="Скрытая идея")
    settings.GOVTECH_AUTO_HIDE_REPORTS = 1
    services.report_create(actor=people["expert"], idea=hidden, reason=ReportReason.ABUSE, note="Оскорбления")
    settings.GOVTECH_AUTO_HIDE_REPORTS = 3
    handled = IdeaFactory(title="Уже скрытая модератором")
    services.content_hide(actor=people["operator"], target=handled, reason="Реклама")
    comment = CommentFactory(idea=reported, text="Купите наши окна")
    services.report_create(actor=people["expert"], comment=comment, reason=ReportReason.ABUSE)
    return waiting, reported, hidden, comment


def test_the_queue_shows_what_waits_with_the_reasons(client_for, queue_content):
    waiting, reported, hidden, comment = queue_content
    web = client_for("operator")
    url = reverse("participation:moderation-queue")

    submitted = web.get(url).content.decode()
    assert "Waiting for pre-moderation (1)" in submitted
    assert "Hidden or reported ideas (2)" in submitted
    assert "Hidden or reported comments (1)" in submitted
    assert "Идея ждёт модерации" in submitted
    assert f'action="{reverse("participation:idea-approve", args=[waiting.pk])}"' in submitted
    assert '<input type="hidden" name="next" value="/ideas/moderation/">' in submitted

    ideas = web.get(url, {"show": "ideas"}).content.decode()
    assert "Spam or advertising — «реклама»" in ideas
    assert "Оскорбления" in ideas  # the report on the idea hidden automatically
    assert "Уже скрытая модератором" not in ideas  # decided: no longer waiting
    assert f'action="{reverse("participation:idea-hide", args=[reported.pk])}"' in ideas
    assert f'action="{reverse("participation:idea-restore", args=[hidden.pk])}"' in ideas
    assert f'action="{reverse("participation:idea-hide", args=[hidden.pk])}"' not in ideas  # hidden already
    assert 'name="reason"' in ideas

    comments = web.get(url, {"show": "comments"}).content.decode()
    assert "Insults or hate" in comments
    assert "Купите наши окна" in comments
    assert f'action="{reverse("participation:comment-hide", args=[reported.pk, comment.pk])}"' in comments


def test_a_button_of_the_queue_acts_and_comes_back(client_for, queue_content):
    waiting, *_ = queue_content
    web = client_for("operator")
    response = web.post(
        reverse("participation:idea-approve", args=[waiting.pk]), {"next": "/ideas/moderation/?show=submitted"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/ideas/moderation/?show=submitted"
    waiting.refresh_from_db()
    assert waiting.status == IdeaStatus.PUBLISHED
    assert "Waiting for pre-moderation (0)" in web.get("/ideas/moderation/").content.decode()


def test_the_queue_keeps_a_constant_query_count(client_for, people):
    web = client_for("operator")
    url = reverse("participation:moderation-queue")
    reporters = [UserFactory() for _ in range(2)]

    def reported_pair():
        idea = IdeaFactory()
        comment = CommentFactory(idea=idea)
        for reporter in reporters:
            services.report_create(actor=reporter, idea=idea, reason=ReportReason.OFF_TOPIC)
            services.report_create(actor=reporter, comment=comment, reason=ReportReason.SPAM)

    reported_pair()
    counts = {show: _count_queries(web, url, {"show": show}) for show in ("ideas", "comments")}
    for _ in range(12):
        reported_pair()
    assert {show: _count_queries(web, url, {"show": show}) for show in ("ideas", "comments")} == counts


# --- accountability -----------------------------------------------------------------------


def _answered(agency, topic, *, days: float | None, status=IdeaStatus.UNDER_REVIEW):
    """An idea published at T0, answered ``days`` later (None: not yet)."""
    return IdeaFactory(
        agency=agency,
        topic=topic,
        published_at=T0,
        first_answered_at=None if days is None else at(days),
        status=status if days is not None else IdeaStatus.PUBLISHED,
    )


@pytest.fixture
def accountable(agency):
    """Our agency: 4 ideas, 3 answered after 2, 4 and 9 days (median 4), one accepted, one implemented.
    Another agency: 1 idea, answered after 1.5 days and rejected."""
    _answered(agency, Topic.TRANSPORT, days=2, status=IdeaStatus.ACCEPTED)
    _answered(agency, Topic.TRANSPORT, days=4, status=IdeaStatus.IMPLEMENTED)
    _answered(agency, Topic.ENVIRONMENT, days=9)
    _answered(agency, Topic.ENVIRONMENT, days=None)
    other = AgencyFactory(name="Департамент культуры")
    _answered(other, Topic.ENVIRONMENT, days=1.5, status=IdeaStatus.REJECTED)
    IdeaFactory(agency=agency, status=IdeaStatus.SUBMITTED, published_at=None)  # not published: not counted
    return agency, other


def test_accountability_counts_shares_and_median_days(client_for, accountable):
    agency, other = accountable
    response = client_for("anonymous").get(reverse("participation:accountability"))
    by_agency = {row.label: row for row in response.context["by_agency"]}
    ours = by_agency[agency.name]
    assert (ours.received, ours.answered, ours.accepted, ours.implemented) == (4, 3, 2, 1)
    assert ours.median_days == 4.0
    assert by_agency[other.name].median_days == 1.5
    by_topic = {row.key: row for row in response.context["by_topic"]}
    assert (by_topic[Topic.ENVIRONMENT].received, by_topic[Topic.ENVIRONMENT].answered) == (3, 2)
    assert by_topic[Topic.ENVIRONMENT].median_days == 5.2  # halfway between 1.5 and 9 days, to a tenth

    html = response.content.decode()
    assert "75% (3)" in html  # answered share of our agency
    assert "50% (2)" in html  # accepted
    assert "25% (1)" in html  # implemented
    assert "How these numbers are computed" in html
    assert "Median days to the first official answer" in html
    assert 'href="/ideas/accountability.csv?by=topic"' in html


def test_accountability_without_ideas_says_so(client_for):
    html = client_for("anonymous").get(reverse("participation:accountability")).content.decode()
    assert "No ideas yet." in html


def test_the_accountability_csv_refuses_an_unknown_grouping(client_for):
    response = client_for("anonymous").get(reverse("participation:accountability-csv"), {"by": "mood"})
    assert response.status_code == 400
    assert "by=agency or by=topic" in response.content.decode()


# --- stories: the form ----------------------------------------------------------------------


@pytest.fixture
def story_template():
    return StoryTemplateFactory(key="kindergarten", title="Запись в детский сад")


def _story_data(**overrides) -> dict:
    data = {
        "what_happened": "Записывали ребёнка в детский сад через портал.",
        "experience": "4",
        "tags": ["очередь", "сайт"],
        "involved": ["МФЦ"],
        "outcome": "решено",
        "free_text": "",
        "district": "",
        "happened_on": "",
        "consent": "on",
        "anonymous": "on",
    }
    return data | overrides


def test_the_story_form_asks_the_templates_questions(client_for, story_template):
    area = OkrugFactory(name="Центральный округ")
    DistrictFactory(name="Арбат", parent=area)
    html = client_for("resident").get(reverse("participation:story-new", args=["kindergarten"])).content.decode()
    assert "<legend>How was your experience?</legend>" in html
    assert html.count('type="radio" name="experience"') == 5
    assert "<legend>What was it about?</legend>" in html
    assert html.count('type="checkbox" name="tags"') == 4
    assert html.count('type="checkbox" name="involved"') == 3
    assert '<option value="частично решено">частично решено</option>' in html
    assert "Центральный округ, the whole area" in html and "Арбат" in html
    # Published without a name unless the person clears the box.
    assert 'id="id_anonymous" checked' in html


def test_a_story_is_submitted_through_the_service(client_for, story_template, people):
    district = DistrictFactory(name="Арбат")
    response = client_for("resident").post(
        reverse("participation:story-new", args=["kindergarten"]),
        _story_data(district=str(district.pk), happened_on="2026-01-15", anonymous=""),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("participation:story-analysis") + "?template=kindergarten"
    story = Story.objects.get()
    assert (story.author, story.experience, story.tags, story.involved) == (
        people["resident"],
        4,
        ["очередь", "сайт"],
        ["МФЦ"],
    )
    assert (story.outcome, story.district, str(story.happened_on), story.anonymous) == (
        "решено",
        district,
        "2026-01-15",
        False,
    )
    assert story.template == story_template
    assert people["resident"].points.filter(kind="story_shared").exists()


def test_a_story_without_consent_is_refused_and_nothing_is_saved(client_for, story_template):
    response = client_for("resident").post(
        reverse("participation:story-new", args=["kindergarten"]), _story_data(consent="")
    )
    assert response.status_code == 400
    assert "A story is published and analysed only with your consent." in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert Story.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("tags", ["очередь", "взятка"]), ("involved", ["президент"]), ("outcome", "непонятно"), ("experience", "6")],
)
def test_an_answer_outside_the_templates_lists_is_refused(client_for, story_template, field, value):
    response = client_for("resident").post(
        reverse("participation:story-new", args=["kindergarten"]), _story_data(**{field: value})
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert "field-invalid" in response.content.decode()
    assert Story.objects.count() == 0


def test_a_future_date_is_refused_by_the_service(client_for, story_template):
    response = client_for("resident").post(
        reverse("participation:story-new", args=["kindergarten"]), _story_data(happened_on="2999-01-01")
    )
    assert response.status_code == 400
    assert "The date cannot be in the future." in response.content.decode()
    assert Story.objects.count() == 0


def test_an_inactive_template_takes_no_stories(client_for):
    StoryTemplateFactory(key="closed", is_active=False)
    page = client_for("resident").get(reverse("participation:story-new", args=["closed"]))
    assert "This template no longer collects stories." in page.content.decode()
    response = client_for("resident").post(reverse("participation:story-new", args=["closed"]), _story_data())
    assert response.status_code == 400
    assert Story.objects.count() == 0


def test_the_story_list_offers_each_active_template(client_for, story_template):
    StoryTemplateFactory(title="Закрытый шаблон", is_active=False)
    html = client_for("anonymous").get(reverse("participation:story-list")).content.decode()
    assert "Запись в детский сад" in html
    assert reverse("participation:story-new", args=["kindergarten"]) in html
    assert "Закрытый шаблон" not in html


# --- stories: the analysis ------------------------------------------------------------------


def _story(template, *, experience, tags=("сайт",), involved=("МФЦ",), outcome="решено", district=None, when=None):
    """A story through the service, by a new person (the service limits stories per hour)."""
    with time_machine.travel(when or T0, tick=False):
        return services.story_submit(
            actor=UserFactory(),
            template=template,
            what_happened="Как это было.",
            experience=experience,
            tags=list(tags),
            involved=list(involved),
            outcome=outcome,
            consent=True,
            district=district,
        )


@pytest.fixture
def told(story_template):
    """Five stories of the kindergarten template in two districts of one area over two months, and
    one story of another template."""
    area = OkrugFactory(name="Центральный")
    arbat = DistrictFactory(name="Арбат", parent=area)
    presnya = DistrictFactory(name="Пресненский", parent=area)
    elsewhere = DistrictFactory(name="Южное Бутово")
    _story(story_template, experience=5, district=arbat, when=at(-40))
    _story(
        story_template, experience=4, tags=["сайт", "очередь"], involved=["воспитатель"], district=arbat, when=at(-35)
    )
    _story(
        story_template,
        experience=1,
        tags=["очередь"],
        involved=["заведующий"],
        outcome="не решено",
        district=presnya,
        when=at(-1),
    )
    _story(
        story_template,
        experience=2,
        tags=["документы"],
        involved=["МФЦ", "заведующий"],
        outcome="не решено",
        when=at(-1),
    )
    _story(story_template, experience=4, district=elsewhere, when=at(0))
    other = StoryTemplateFactory(key="parks", title="Парки")
    _story(other, experience=3, district=arbat, when=at(0))
    return {"template": story_template, "area": area, "arbat": arbat, "other": other}


def test_the_analysis_counts_the_structured_answers(client_for, told):
    with time_machine.travel(T0, tick=False):
        response = client_for("anonymous").get(reverse("participation:story-analysis"), {"template": "kindergarten"})
    analysis = response.context["analysis"]
    assert analysis.total == 5
    assert analysis.mean_experience == 3.2
    assert analysis.experience == [(1, 1), (2, 1), (3, 0), (4, 2), (5, 1)]
    assert dict(analysis.tags) == {"сайт": 3, "очередь": 2, "документы": 1}
    assert dict(analysis.involved) == {"МФЦ": 3, "заведующий": 2, "воспитатель": 1}
    assert dict(analysis.outcomes) == {"решено": 3, "не решено": 2}
    assert analysis.districts == [("Арбат", 2, 4.5), ("Пресненский", 1, 1.0), ("Южное Бутово", 1, 4.0)]
    assert [(month.strftime("%Y-%m"), count, mean) for month, count, mean in analysis.months] == [
        ("2026-01", 2, 4.5),
        ("2026-03", 3, 2.33),
    ]
    html = response.content.decode()
    assert "<dt>Stories</dt>\n      <dd>5</dd>" in html
    assert "3.20" in html
    assert "40.0%" in html  # 2 of 5 stories rated 4
    assert "January 2026" in html
    assert "How the experience was rated" in html


def test_the_analysis_filters_by_area_and_dates(client_for, told):
    web = client_for("anonymous")
    url = reverse("participation:story-analysis")
    in_area = web.get(url, {"template": "kindergarten", "district": told["area"].pk}).context["analysis"]
    assert in_area.total == 3  # Арбат twice and Пресненский; Южное Бутово is elsewhere
    in_arbat = web.get(url, {"district": told["arbat"].pk}).context["analysis"]
    assert in_arbat.total == 3  # both templates
    recent = web.get(url, {"template": "kindergarten", "date_from": "2026-02-01", "date_to": "2026-03-31"})
    assert recent.context["analysis"].total == 3


def test_bad_analysis_filters_are_shown_not_counted(client_for, told):
    response = client_for("anonymous").get(
        reverse("participation:story-analysis"), {"date_from": "2026-03-01", "date_to": "2026-01-01"}
    )
    assert response.status_code == 200
    assert "analysis" not in response.context
    html = response.content.decode()
    assert "The end of the range cannot be before its start." in html
    assert "Correct the filters above to see the numbers." in html


def test_the_analysis_keeps_a_constant_query_count(client_for, story_template):
    web = client_for("anonymous")
    url = reverse("participation:story-analysis")
    districts = [DistrictFactory() for _ in range(3)]
    for day in range(2):
        _story(story_template, experience=3, tags=["сайт"], district=districts[0], when=at(-day * 40))
    few = _count_queries(web, url)
    for index in range(30):
        _story(
            story_template,
            experience=1 + index % 5,
            tags=["очередь"],
            district=districts[index % 3],
            when=at(-index * 9),
        )
    assert _count_queries(web, url) == few


# --- points ---------------------------------------------------------------------------------


def test_my_points_show_the_total_entries_and_badges(client_for, people, story_template):
    resident = people["resident"]
    services.idea_submit(
        actor=resident, title="Скамейки у пруда", text="Поставить скамейки у пруда.", topic="environment"
    )
    services.story_submit(
        actor=resident,
        template=story_template,
        what_happened="Всё хорошо.",
        experience=5,
        tags=["сайт"],
        involved=["МФЦ"],
        outcome="решено",
        consent=True,
    )
    response = client_for("resident").get(reverse("participation:my-points"))
    html = response.content.decode()
    assert response.context["total"] == 15
    assert "You have 15 points." in html
    assert "Idea published" in html and "Story shared" in html
    earned = {badge["key"]: badge["is_earned"] for badge in response.context["badges"]}
    assert earned == {"first_steps": True, "active": False, "champion": False}
    assert "from 100 points" in html


def test_the_leaderboard_shows_only_people_who_opted_in(client_for, people):
    resident = people["resident"]
    services.idea_submit(actor=resident, title="Велодорожка у реки", text="Проложить велодорожку.", topic="transport")
    board = reverse("participation:leaderboard")
    assert resident.full_name not in client_for("anonymous").get(board).content.decode()

    web = client_for("resident")
    assert 'id="id_show" checked' not in web.get(reverse("participation:my-points")).content.decode()
    response = web.post(reverse("participation:my-points"), {"show": "on"})
    assert response.status_code == 302
    assert Participant.objects.get(user=resident).on_leaderboard is True
    assert 'id="id_show" checked' in web.get(reverse("participation:my-points")).content.decode()
    html = client_for("anonymous").get(board).content.decode()
    assert resident.full_name in html
    assert resident.email not in html

    web.post(reverse("participation:my-points"), {})
    assert Participant.objects.get(user=resident).on_leaderboard is False
    assert resident.full_name not in client_for("anonymous").get(board).content.decode()


def test_the_leaderboard_never_shows_an_e_mail(client_for):
    nameless = UserFactory(full_name="")
    services.idea_submit(actor=nameless, title="Фонтан во дворе", text="Сделать фонтан.", topic="environment")
    services.leaderboard_choice(actor=nameless, show=True)
    html = client_for("anonymous").get(reverse("participation:leaderboard")).content.decode()
    assert f"Participant {nameless.pk}" in html
    assert nameless.email not in html


def test_the_pages_follow_the_language(people, story_template):
    """Russian is the default; the pages render in it too (the translations themselves come later)."""
    web = Client()
    web.force_login(people["operator"])
    for name in ("agency-inbox", "moderation-queue", "accountability", "story-list", "story-analysis", "leaderboard"):
        response = web.get(reverse(f"participation:{name}"))
        assert response.status_code == 200
        assert '<html lang="ru">' in response.content.decode()
    assert web.get(reverse("participation:story-new", args=[story_template.key])).status_code == 200
    assert web.get(reverse("participation:my-points")).status_code == 200


def test_pagination_of_points(client_for, people, story_template):
    resident = people["resident"]
    voters = [UserFactory() for _ in range(22)]
    idea = services.idea_submit(actor=resident, title="Каток в парке", text="Залить каток зимой.", topic="culture")
    for voter in voters:
        services.vote_add(actor=voter, idea=idea)
    first = client_for("resident").get(reverse("participation:my-points"))
    assert first.context["total"] == 10 + 22
    assert len(first.context["page_obj"]) == 20
    assert "Page 1 of 2" in first.content.decode()
