"""Votes: one per person per idea (the database holds the rule too), withdrawable, only on ideas
open to support; a call's threshold sends an idea to review once; a merge moves votes without
counting anyone twice, and the points for them follow."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from govtech.core.errors import Conflict, Forbidden
from govtech.notifications.models import Notification
from govtech.participation import notification_kinds as kinds
from govtech.participation import selectors, services
from govtech.participation.models import IdeaStatus, PointsEntry, PointsKind, StatusChange, Vote
from tests.factories import MembershipFactory, UserFactory
from tests.participation.factories import CallFactory, IdeaFactory
from tests.participation.helpers import AuditWatch, participation_state, vote_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused(refused_checker):
    return refused_checker(participation_state)


@pytest.fixture
def idea():
    return IdeaFactory()


def _count(idea) -> int:
    idea.refresh_from_db()
    return idea.vote_count


def test_a_vote_counts_once_and_earns_the_author_a_point(idea):
    voter = UserFactory()
    watch = AuditWatch()
    returned = services.vote_add(actor=voter, idea=idea)
    assert returned.vote_count == _count(idea) == vote_rows(idea) == 1
    assert selectors.has_voted(actor=voter, idea=idea)
    assert not selectors.has_voted(actor=UserFactory(), idea=idea)
    assert not selectors.has_voted(actor=AnonymousUser(), idea=idea)
    assert selectors.points_of(idea.author) == 1
    assert watch.actions() == ["idea.voted"]


def test_a_second_vote_by_the_same_person_is_refused(idea, refused):
    voter = UserFactory()
    services.vote_add(actor=voter, idea=idea)
    with refused(Conflict, code="already_voted"):
        services.vote_add(actor=voter, idea=idea)
    assert _count(idea) == vote_rows(idea) == 1


def test_the_database_itself_holds_one_vote_per_person(idea):
    voter = UserFactory()
    Vote.objects.create(idea=idea, user=voter)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(idea=idea, user=voter)
    assert vote_rows(idea) == 1


def test_a_vote_can_be_withdrawn_and_given_again(idea, refused):
    voter, other = UserFactory(), UserFactory()
    services.vote_add(actor=voter, idea=idea)
    services.vote_add(actor=other, idea=idea)
    watch = AuditWatch()
    returned = services.vote_remove(actor=voter, idea=idea)
    assert returned.vote_count == _count(idea) == vote_rows(idea) == 1
    assert not selectors.has_voted(actor=voter, idea=idea)
    assert selectors.points_of(idea.author) == 1  # the withdrawn vote's point is taken back
    assert watch.actions() == ["idea.unvoted"]
    with refused(Conflict, code="not_voted"):
        services.vote_remove(actor=voter, idea=idea)
    services.vote_add(actor=voter, idea=idea)
    assert _count(idea) == vote_rows(idea) == 2
    assert selectors.points_of(idea.author) == 2


def test_withdrawing_a_vote_never_given_is_refused(idea, refused):
    with refused(Conflict, code="not_voted"):
        services.vote_remove(actor=UserFactory(), idea=idea)


@pytest.mark.parametrize("actor", [None, AnonymousUser()])
def test_only_signed_in_people_vote(actor, idea, refused):
    with refused(Forbidden):
        services.vote_add(actor=actor, idea=idea)
    with refused(Forbidden):
        services.vote_remove(actor=actor, idea=idea)


@pytest.mark.parametrize("status", sorted(services.VOTABLE))
def test_ideas_open_to_support_take_votes(status):
    idea = IdeaFactory(status=status)
    services.vote_add(actor=UserFactory(), idea=idea)
    assert _count(idea) == 1


@pytest.mark.parametrize(
    "status", [IdeaStatus.SUBMITTED, IdeaStatus.REJECTED, IdeaStatus.MERGED, IdeaStatus.IMPLEMENTED]
)
def test_ideas_closed_to_support_refuse_votes(status, refused):
    idea = IdeaFactory(status=status)
    with refused(Conflict, code="not_votable"):
        services.vote_add(actor=UserFactory(), idea=idea)


def test_a_hidden_idea_takes_no_votes(refused):
    idea = IdeaFactory(hidden_at=IdeaFactory().published_at, hidden_reason="Спам")
    with refused(Conflict, code="not_votable"):
        services.vote_add(actor=UserFactory(), idea=idea)


def test_voted_ids_answers_for_a_whole_page_in_one_query(django_assert_num_queries):
    voter = UserFactory()
    ideas = IdeaFactory.create_batch(4)
    for idea in ideas[:2]:
        services.vote_add(actor=voter, idea=idea)
    with django_assert_num_queries(1):
        assert selectors.voted_ids(actor=voter, ideas=ideas) == {ideas[0].pk, ideas[1].pk}
    with django_assert_num_queries(0):
        assert selectors.voted_ids(actor=AnonymousUser(), ideas=ideas) == set()


# --- the support threshold -------------------------------------------------------------------


@pytest.fixture
def call_with_threshold(agency, people):
    return CallFactory(agency=agency, support_threshold=3)


def test_reaching_the_threshold_sends_the_idea_to_review_once(
    call_with_threshold, agency, people, run_worker, django_capture_on_commit_callbacks
):
    staff = UserFactory()
    MembershipFactory(user=staff, organization=agency)
    idea = IdeaFactory(call=call_with_threshold)
    voters = UserFactory.create_batch(5)
    with django_capture_on_commit_callbacks(execute=True):
        for voter in voters[:2]:
            services.vote_add(actor=voter, idea=idea)
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.PUBLISHED
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_add(actor=voters[2], idea=idea)
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.UNDER_REVIEW
    change = StatusChange.objects.get(idea=idea)
    assert (change.from_status, change.to_status, change.agency, change.actor) == (
        IdeaStatus.PUBLISHED,
        IdeaStatus.UNDER_REVIEW,
        agency,
        None,
    )
    assert "3" in change.message
    # More votes, a withdrawal and a new vote past the threshold move nothing again.
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_add(actor=voters[3], idea=idea)
        services.vote_remove(actor=voters[0], idea=idea)
        services.vote_remove(actor=voters[1], idea=idea)
        services.vote_add(actor=voters[4], idea=idea)
    assert StatusChange.objects.filter(idea=idea).count() == 1
    assert _count(idea) == vote_rows(idea) == 3
    run_worker()
    reached = Notification.objects.filter(kind=kinds.THRESHOLD_REACHED.key)
    assert sorted(reached.values_list("recipient_id", flat=True)) == sorted([people["agency_admin"].pk, staff.pk])
    assert reached.first().params == {"idea": idea.title, "votes": 3}
    assert Notification.objects.filter(kind=kinds.STATUS_CHANGED.key, recipient=idea.author).count() == 1


def test_reaching_the_threshold_is_not_the_agency_s_answer(call_with_threshold, agency):
    """The idea waits in the agency's inbox for its first official answer, and the accountability
    page does not count the automatic move as one."""
    idea = IdeaFactory(call=call_with_threshold)
    for voter in UserFactory.create_batch(3):
        services.vote_add(actor=voter, idea=idea)
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.UNDER_REVIEW
    assert idea.first_answered_at is None
    assert list(selectors.agency_inbox(agency_ids=[agency.pk])) == [idea]
    (row,) = selectors.accountability(by="agency")
    assert (row.received, row.answered) == (1, 0)


def test_ideas_outside_a_call_or_below_the_threshold_stay_published(call_with_threshold):
    open_idea = IdeaFactory()
    call_idea = IdeaFactory(call=call_with_threshold)
    for voter in UserFactory.create_batch(2):
        services.vote_add(actor=voter, idea=open_idea)
        services.vote_add(actor=voter, idea=call_idea)
    for voter in UserFactory.create_batch(3):
        services.vote_add(actor=voter, idea=open_idea)
    open_idea.refresh_from_db()
    call_idea.refresh_from_db()
    assert (open_idea.status, call_idea.status) == (IdeaStatus.PUBLISHED, IdeaStatus.PUBLISHED)
    assert not StatusChange.objects.exists()


def test_the_threshold_does_not_move_an_idea_already_answered(call_with_threshold, agency):
    idea = IdeaFactory(call=call_with_threshold, status=IdeaStatus.ACCEPTED)
    for voter in UserFactory.create_batch(3):
        services.vote_add(actor=voter, idea=idea)
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.ACCEPTED
    assert not StatusChange.objects.exists()


# --- merging ----------------------------------------------------------------------------------


def test_a_merge_moves_the_votes_counting_a_person_who_supported_both_once(people, agency):
    owner = people["agency_admin"]
    survivor, twin = IdeaFactory(agency=agency), IdeaFactory(agency=agency)
    both, survivor_only, twin_only_1, twin_only_2 = UserFactory.create_batch(4)
    for voter in (both, survivor_only):
        services.vote_add(actor=voter, idea=survivor)
    for voter in (both, twin_only_1, twin_only_2):
        services.vote_add(actor=voter, idea=twin)
    assert (selectors.points_of(survivor.author), selectors.points_of(twin.author)) == (2, 3)

    services.idea_answer(
        actor=owner, idea=twin, to_status=IdeaStatus.MERGED, message="Объединяем.", merged_into=survivor
    )

    survivor.refresh_from_db()
    twin.refresh_from_db()
    assert (twin.status, twin.merged_into) == (IdeaStatus.MERGED, survivor)
    assert (survivor.vote_count, twin.vote_count) == (4, 0)
    assert sorted(Vote.objects.filter(idea=survivor).values_list("user_id", flat=True)) == sorted(
        [both.pk, survivor_only.pk, twin_only_1.pk, twin_only_2.pk]
    )
    assert vote_rows(twin) == 0
    assert Vote.objects.count() == 4
    # Points follow the votes: the merged idea's author keeps none of them, the survivor's author
    # gets a point per person supporting the survivor.
    assert (selectors.points_of(survivor.author), selectors.points_of(twin.author)) == (4, 0)
    keys = set(PointsEntry.objects.filter(kind=PointsKind.VOTE_RECEIVED).values_list("key", flat=True))
    assert keys == {f"vote:{survivor.pk}:{voter.pk}" for voter in (both, survivor_only, twin_only_1, twin_only_2)}
    # Those whose vote moved can withdraw it from the survivor, and cannot vote there twice.
    with pytest.raises(Conflict):
        services.vote_add(actor=twin_only_1, idea=survivor)
    services.vote_remove(actor=twin_only_1, idea=survivor)
    assert _count(survivor) == vote_rows(survivor) == 3
    assert selectors.points_of(survivor.author) == 3


def test_a_merged_idea_takes_no_more_votes(people, agency, refused):
    survivor, twin = IdeaFactory(agency=agency), IdeaFactory(agency=agency)
    services.idea_answer(
        actor=people["agency_admin"], idea=twin, to_status=IdeaStatus.MERGED, message="Дубль.", merged_into=survivor
    )
    with refused(Conflict, code="not_votable"):
        services.vote_add(actor=UserFactory(), idea=twin)
