"""The accountability figures, per agency and per category, on hand-built ideas whose answers and
dates are chosen so that every number can be worked out by hand."""

from datetime import timedelta

import pytest

from govtech.funnel.models import Topic
from govtech.participation import selectors, services
from govtech.participation.models import IdeaStatus
from tests.factories import AgencyFactory, UserFactory
from tests.participation.factories import CallFactory, IdeaFactory
from tests.participation.helpers import T0

pytestmark = pytest.mark.django_db


def _idea(agency, topic, status=IdeaStatus.PUBLISHED, answered_after_days=None):
    """Published at T0; first answered that many days later (None: not answered)."""
    answered_at = T0 + timedelta(days=answered_after_days) if answered_after_days is not None else None
    return IdeaFactory(
        agency=agency,
        topic=topic,
        status=status,
        published_at=T0,
        first_answered_at=answered_at,
        last_answered_at=answered_at,
    )


@pytest.fixture
def ideas():
    transport = AgencyFactory(name="Департамент транспорта")
    culture = AgencyFactory(name="Департамент культуры")
    # Transport: 5 received; 4 answered after 2, 4, 10 and 1 days (median 3); 2 accepted or
    # further, 1 of them implemented.
    _idea(transport, Topic.TRANSPORT, IdeaStatus.UNDER_REVIEW, 2)
    _idea(transport, Topic.TRANSPORT, IdeaStatus.ACCEPTED, 4)
    _idea(transport, Topic.TRANSPORT, IdeaStatus.IMPLEMENTED, 10)
    _idea(transport, Topic.CULTURE, IdeaStatus.REJECTED, 1)
    _idea(transport, Topic.TRANSPORT)
    # Culture: 2 received, 1 answered after half a day, in progress.
    _idea(culture, Topic.CULTURE, IdeaStatus.IN_PROGRESS, 0.5)
    _idea(culture, Topic.CULTURE)
    # Left out: waiting for pre-moderation; and (per agency only) nobody's idea yet.
    IdeaFactory(agency=transport, status=IdeaStatus.SUBMITTED, published_at=None)
    _idea(None, Topic.TRANSPORT, IdeaStatus.MERGED, 3)
    return transport, culture


def _figures(row) -> tuple:
    return (row.label, row.received, row.answered, row.accepted, row.implemented, row.median_days)


def test_per_agency(ideas):
    transport, culture = ideas
    rows = selectors.accountability(by="agency")
    assert [_figures(row) for row in rows] == [
        ("Департамент транспорта", 5, 4, 2, 1, 3.0),
        ("Департамент культуры", 2, 1, 1, 0, 0.5),
    ]
    assert [row.key for row in rows] == [transport.pk, culture.pk]
    first = rows[0]
    assert (first.answered_share, first.accepted_share, first.implemented_share) == (0.8, 0.4, 0.2)


def test_per_category_counts_ideas_without_an_agency_too(ideas):
    rows = {row.key: row for row in selectors.accountability(by="topic")}
    assert set(rows) == {Topic.TRANSPORT, Topic.CULTURE}
    assert _figures(rows[Topic.TRANSPORT]) == (str(Topic.TRANSPORT.label), 5, 4, 2, 1, 3.5)
    assert _figures(rows[Topic.CULTURE]) == (str(Topic.CULTURE.label), 3, 2, 1, 0, 0.8)
    assert rows[Topic.CULTURE].answered_share == pytest.approx(2 / 3)


def test_an_agency_with_nothing_answered_has_no_median(db):
    agency = AgencyFactory()
    _idea(agency, Topic.HEALTH)
    (row,) = selectors.accountability(by="agency")
    assert (row.received, row.answered, row.median_days, row.answered_share, row.accepted_share) == (1, 0, None, 0, 0)


def test_no_ideas_no_rows(db):
    assert selectors.accountability(by="agency") == selectors.accountability(by="topic") == []


def test_the_figures_follow_the_agency_s_answers(people, agency):
    """Through the services: the clock of the first answer is the first official message, and a
    move the support threshold makes is not one."""
    call = CallFactory(agency=agency, support_threshold=1)
    idea = IdeaFactory(call=call)
    services.vote_add(actor=UserFactory(), idea=idea)
    assert selectors.accountability(by="agency")[0].answered == 0
    services.idea_answer(actor=people["agency_admin"], idea=idea, to_status=IdeaStatus.ACCEPTED, message="Берём.")
    services.idea_answer(actor=people["agency_admin"], idea=idea, to_status=IdeaStatus.IN_PROGRESS, message="Делаем.")
    (row,) = selectors.accountability(by="agency")
    assert (row.received, row.answered, row.accepted, row.implemented) == (1, 1, 1, 0)
    idea.refresh_from_db()
    assert idea.first_answered_at < idea.last_answered_at


def test_two_queries_whatever_the_number_of_ideas(ideas, django_assert_num_queries):
    for _ in range(20):
        _idea(AgencyFactory(), Topic.SAFETY, IdeaStatus.REJECTED, 3)
    with django_assert_num_queries(2):
        assert len(selectors.accountability(by="agency")) == 22
    with django_assert_num_queries(1):
        assert len(selectors.accountability(by="topic")) == 3
