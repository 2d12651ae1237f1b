"""Participation points: 10 for a published idea, 1 per vote received (taken back with the vote),
50 for an accepted idea, 5 for a story; badges at 10, 100 and 500; a leaderboard of only those who
chose to appear on it."""

import pytest
from django.contrib.auth.models import AnonymousUser

from govtech.core.errors import Forbidden
from govtech.funnel.models import Topic
from govtech.participation import selectors, services
from govtech.participation.models import IdeaStatus, Moderation, Participant, PointsEntry, PointsKind
from tests.factories import UserFactory
from tests.participation.factories import CallFactory, IdeaFactory, StoryTemplateFactory
from tests.participation.helpers import AuditWatch, participation_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused(refused_checker):
    return refused_checker(participation_state)


def _ledger(user) -> list[tuple[str, int]]:
    return sorted(PointsEntry.objects.filter(user=user).values_list("kind", "points"))


def test_each_contribution_earns_its_points(people, agency):
    resident = UserFactory()
    idea = services.idea_submit(
        actor=resident, title="Каток в парке", text="Заливать каток зимой.", topic=Topic.CULTURE
    )
    assert selectors.points_of(resident) == 10
    voters = UserFactory.create_batch(3)
    for voter in voters:
        services.vote_add(actor=voter, idea=idea)
    assert selectors.points_of(resident) == 13
    services.vote_remove(actor=voters[0], idea=idea)
    assert selectors.points_of(resident) == 12
    services.idea_assign_agency(actor=people["operator"], idea=idea, agency=agency)
    services.idea_answer(actor=people["agency_admin"], idea=idea, to_status=IdeaStatus.ACCEPTED, message="Берём.")
    assert selectors.points_of(resident) == 62
    template = StoryTemplateFactory(outcomes=["решено"])
    services.story_submit(
        actor=resident, template=template, what_happened="Залили каток.", experience=5, outcome="решено", consent=True
    )
    assert selectors.points_of(resident) == 67
    assert _ledger(resident) == sorted(
        [
            (PointsKind.IDEA_PUBLISHED, 10),
            (PointsKind.VOTE_RECEIVED, 1),
            (PointsKind.VOTE_RECEIVED, 1),
            (PointsKind.IDEA_ACCEPTED, 50),
            (PointsKind.STORY_SHARED, 5),
        ]
    )
    # Voters earn nothing for voting.
    assert all(selectors.points_of(voter) == 0 for voter in voters)


def test_a_pre_moderated_idea_earns_its_points_when_approved(people, agency):
    call = CallFactory(agency=agency, moderation=Moderation.PRE)
    resident = UserFactory()
    idea = services.idea_submit(actor=resident, title="Каток в парке", text="Заливать.", topic=Topic.CULTURE, call=call)
    assert selectors.points_of(resident) == 0
    services.idea_approve(actor=people["agency_admin"], idea=idea)
    assert selectors.points_of(resident) == 10


def test_a_rejected_idea_keeps_its_publication_points_and_earns_no_more(people, agency):
    resident = UserFactory()
    idea = services.idea_submit(actor=resident, title="Каток в парке", text="Заливать.", topic=Topic.CULTURE)
    services.idea_assign_agency(actor=people["operator"], idea=idea, agency=agency)
    services.idea_answer(
        actor=people["agency_admin"], idea=idea, to_status=IdeaStatus.REJECTED, message="Нет.", reason="Нет места."
    )
    assert _ledger(resident) == [(PointsKind.IDEA_PUBLISHED, 10)]


def test_the_same_event_never_pays_twice(db):
    user = UserFactory()
    for _ in range(2):
        PointsEntry.objects.get_or_create(
            user=user, kind=PointsKind.IDEA_PUBLISHED, key="idea:1", defaults={"points": 10}
        )
    assert selectors.points_of(user) == 10


@pytest.mark.parametrize(
    "total, badges",
    [
        (0, []),
        (9, []),
        (10, ["first_steps"]),
        (99, ["first_steps"]),
        (100, ["active", "first_steps"]),
        (499, ["active", "first_steps"]),
        (500, ["champion", "active", "first_steps"]),
    ],
)
def test_badges_at_10_100_and_500(total, badges):
    assert selectors.badges_for(total) == badges


def _earn(user, points: int) -> None:
    PointsEntry.objects.create(user=user, kind=PointsKind.IDEA_PUBLISHED, points=points, key=f"idea:{user.pk}:{points}")


def test_the_leaderboard_shows_only_those_who_chose_to_appear(db):
    shy, proud, modest, reconsidered = (
        UserFactory(full_name=name) for name in ("Скромная", "Гордый", "Тихий", "Передумал")
    )
    for user, points in ((shy, 500), (proud, 30), (modest, 70), (reconsidered, 90)):
        _earn(user, points)
        _earn(user, 1)
    watch = AuditWatch()
    for user in (proud, modest, reconsidered):
        services.leaderboard_choice(actor=user, show=True)
    services.leaderboard_choice(actor=reconsidered, show=False)
    assert watch.actions() == ["participant.leaderboard"] * 4
    board = selectors.leaderboard()
    assert [(row["user__full_name"], row["total"]) for row in board] == [("Тихий", 71), ("Гордый", 31)]
    assert Participant.objects.get(user=reconsidered).on_leaderboard is False
    assert len(selectors.leaderboard(limit=1)) == 1


def test_nobody_appears_without_choosing(db):
    _earn(UserFactory(), 100)
    assert selectors.leaderboard() == []


@pytest.mark.parametrize("actor", [None, AnonymousUser()])
def test_only_a_signed_in_person_chooses_for_themselves(actor, refused):
    with refused(Forbidden):
        services.leaderboard_choice(actor=actor, show=True)


def test_points_of_someone_without_any_are_zero(db):
    assert selectors.points_of(UserFactory()) == 0
    IdeaFactory()  # written directly: no points
    assert not PointsEntry.objects.exists()
