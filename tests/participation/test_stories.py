"""Experience stories: structured answers from the template's controlled lists, published only with
consent, without the author's name by default; and the analysis of them, checked on hand-built
stories."""

import datetime as dt
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from govtech.core.errors import Conflict, Forbidden, ServiceError
from govtech.participation import selectors, services
from govtech.participation.models import PointsKind, Story
from govtech.participation.selectors import StoryFilters
from tests.factories import UserFactory
from tests.participation.factories import DistrictFactory, OkrugFactory, StoryTemplateFactory
from tests.participation.helpers import T0, AuditWatch, participation_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused(refused_checker):
    return refused_checker(participation_state)


@pytest.fixture
def template():
    return StoryTemplateFactory(
        tags=["очередь", "документы", "сайт", "сотрудники"],
        involved=["воспитатель", "заведующий", "МФЦ"],
        outcomes=["решено", "частично решено", "не решено"],
    )


def _answers(**overrides) -> dict:
    return {
        "what_happened": "Записывали сына в детский сад через портал.",
        "experience": 4,
        "outcome": "решено",
        "consent": True,
        **overrides,
    }


def test_a_resident_shares_a_story(template):
    author = UserFactory()
    district = DistrictFactory()
    watch = AuditWatch()
    story = services.story_submit(
        actor=author,
        template=template,
        tags=["сайт", "очередь"],
        involved=("МФЦ",),
        free_text="  Спасибо сотрудникам.  ",
        district=district,
        happened_on=dt.date(2025, 9, 1),
        **_answers(what_happened="  Записывали сына в детский сад через портал.  "),
    )
    story.refresh_from_db()
    assert story.what_happened == "Записывали сына в детский сад через портал."
    assert story.free_text == "Спасибо сотрудникам."
    # Chosen values are kept in the template's order, whatever order they came in.
    assert (story.tags, story.involved, story.outcome) == (["очередь", "сайт"], ["МФЦ"], "решено")
    assert (story.experience, story.district, story.happened_on, story.consent) == (
        4,
        district,
        dt.date(2025, 9, 1),
        True,
    )
    assert story.anonymous is True  # published without a name unless the author asks otherwise
    assert list(author.points.values_list("kind", "points")) == [(PointsKind.STORY_SHARED, 5)]
    assert watch.actions() == ["story.submitted"]
    assert list(selectors.published_stories()) == [story]


def test_an_author_may_sign_the_story(template):
    story = services.story_submit(actor=UserFactory(), template=template, anonymous=False, **_answers())
    assert story.anonymous is False


@pytest.mark.parametrize("consent", [False, None, "yes", 1])
def test_a_story_needs_explicit_consent(consent, template, refused):
    author = UserFactory()
    with refused(ServiceError, field="consent"):
        services.story_submit(actor=author, template=template, **_answers(consent=consent))


def test_the_database_refuses_a_story_without_consent(template):
    with pytest.raises(IntegrityError), transaction.atomic():
        Story.objects.create(template=template, what_happened="Текст", experience=3, outcome="решено", consent=False)


@pytest.mark.parametrize(
    "answers, field",
    [
        ({"tags": ["очередь", "погода"]}, "tags"),
        ({"tags": "очередь"}, "tags"),  # one string is not a choice of list items
        ({"tags": None}, "tags"),
        ({"involved": ["директор"]}, "involved"),
        ({"outcome": "забыли"}, "outcome"),
        ({"outcome": ""}, "outcome"),
        ({"experience": 0}, "experience"),
        ({"experience": 6}, "experience"),
        ({"experience": "хорошо"}, "experience"),
        ({"experience": None}, "experience"),
        ({"what_happened": "   "}, "what_happened"),
        ({"what_happened": "я" * 5001}, "what_happened"),
        ({"free_text": "я" * 5001}, "free_text"),
        ({"happened_on": dt.date.today() + timedelta(days=2)}, "happened_on"),
    ],
)
def test_answers_come_from_the_template_s_lists_and_ranges(answers, field, template, refused):
    author = UserFactory()
    with refused(ServiceError, field=field):
        services.story_submit(actor=author, template=template, **_answers(**answers))


def test_a_closed_template_takes_no_stories(refused):
    closed = StoryTemplateFactory(is_active=False)
    author = UserFactory()
    with refused(Conflict, code="template_closed"):
        services.story_submit(actor=author, template=closed, **_answers())
    assert closed not in selectors.story_templates()


@pytest.mark.parametrize("actor", [None, AnonymousUser()])
def test_only_signed_in_people_share_stories(actor, template, refused):
    with refused(Forbidden):
        services.story_submit(actor=actor, template=template, **_answers())


def test_too_many_stories_in_an_hour_are_refused(settings, template, refused):
    settings.GOVTECH_IDEAS_PER_HOUR = 2
    author = UserFactory()
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(2):
            services.story_submit(actor=author, template=template, **_answers())
        with refused(ServiceError, code="rate_limited"):
            services.story_submit(actor=author, template=template, **_answers())
        clock.shift(timedelta(hours=1))
        services.story_submit(actor=author, template=template, **_answers())


# --- the analysis ---------------------------------------------------------------------------------


@pytest.fixture
def stories(template):
    """Five stories in two months and two districts of one area, one in another template."""
    okrug = OkrugFactory(name="Центральный")
    arbat = DistrictFactory(name="Арбат", parent=okrug)
    tverskoy = DistrictFactory(name="Тверской", parent=okrug)
    elsewhere = DistrictFactory(name="Митино")
    other_template = StoryTemplateFactory()
    rows = [
        (T0 - timedelta(days=40), template, arbat, 5, ["очередь", "сайт"], ["МФЦ"], "решено"),
        (T0 - timedelta(days=35), template, arbat, 3, ["очередь"], [], "частично решено"),
        (T0, template, tverskoy, 1, ["документы", "очередь"], ["заведующий", "МФЦ"], "не решено"),
        (T0 + timedelta(days=1), template, None, 2, [], ["воспитатель"], "не решено"),
        (T0 + timedelta(days=2), other_template, elsewhere, 4, ["сайт"], [], "решено"),
    ]
    made = []
    for moment, story_template, district, experience, tags, involved, outcome in rows:
        with time_machine.travel(moment, tick=False):
            made.append(
                services.story_submit(
                    actor=UserFactory(),
                    template=story_template,
                    district=district,
                    **_answers(experience=experience, tags=tags, involved=involved, outcome=outcome),
                )
            )
    return {"template": template, "okrug": okrug, "arbat": arbat, "stories": made}


def test_the_analysis_counts_every_structured_answer(stories):
    analysis = selectors.story_analysis(StoryFilters(template=stories["template"].pk))
    assert analysis.total == 4
    assert analysis.mean_experience == 2.75
    assert analysis.experience == [(1, 1), (2, 1), (3, 1), (4, 0), (5, 1)]
    assert dict(analysis.tags) == {"очередь": 3, "сайт": 1, "документы": 1}
    assert analysis.tags[0] == ("очередь", 3)
    assert dict(analysis.involved) == {"МФЦ": 2, "заведующий": 1, "воспитатель": 1}
    assert dict(analysis.outcomes) == {"не решено": 2, "решено": 1, "частично решено": 1}
    assert analysis.districts == [("Арбат", 2, 4.0), ("Тверской", 1, 1.0)]
    assert [(count, mean) for _month, count, mean in analysis.months] == [(2, 4.0), (2, 1.5)]


def test_the_analysis_filters_by_area_and_dates(stories):
    by_area = selectors.story_analysis(StoryFilters(district=stories["okrug"].pk))
    assert (by_area.total, by_area.districts) == (3, [("Арбат", 2, 4.0), ("Тверской", 1, 1.0)])
    recent = selectors.story_analysis(StoryFilters(date_from=T0.date()))
    assert recent.total == 3
    early = selectors.story_analysis(StoryFilters(date_to=(T0 - timedelta(days=30)).date()))
    assert (early.total, early.mean_experience) == (2, 4.0)


def test_an_empty_analysis_has_no_means(db):
    analysis = selectors.story_analysis()
    assert (analysis.total, analysis.mean_experience, analysis.districts, analysis.months) == (0, None, [], [])
    assert analysis.experience == [(score, 0) for score in range(1, 6)]


def test_hidden_stories_leave_the_analysis(stories):
    hidden = stories["stories"][0]
    Story.objects.filter(pk=hidden.pk).update(hidden_at=T0)
    assert hidden not in selectors.published_stories()
    assert selectors.story_analysis().total == 4


def test_the_analysis_takes_a_fixed_number_of_queries(stories, django_assert_num_queries):
    with django_assert_num_queries(3):
        selectors.story_analysis()
