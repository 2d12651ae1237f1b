"""The participation demo loaded by seed_demo: idempotent, hundreds of ideas in every status with
consistent counts, points and dates, accepted ideas in the funnel, 150 stories, and an intact
audit chain.

Seeding takes seconds, so it runs once for the module, inside a transaction rolled back at the
end; each test runs in its own savepoint within it."""

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from govtech.accounts.models import Organization
from govtech.core.audit import verify_chain
from govtech.core.models import AuditEvent
from govtech.funnel.models import Initiative, Origin
from govtech.funnel.states import Stage
from govtech.participation import selectors, services
from govtech.participation.demo_data import OKRUGS, STORY_TEMPLATES
from govtech.participation.models import (
    ANSWERED_STATUSES,
    Call,
    Comment,
    District,
    DistrictKind,
    Idea,
    IdeaStatus,
    Milestone,
    Moderation,
    PointsEntry,
    PointsKind,
    Report,
    StatusChange,
    Story,
    StoryTemplate,
    Vote,
)

pytestmark = pytest.mark.django_db

DEMO = "demo.govtech.local"
IMPLEMENTATION = [IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS, IdeaStatus.IMPLEMENTED]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def _user(name: str):
    return get_user_model().objects.get(email=f"{name}@{DEMO}")


def _counts() -> dict:
    models = [District, Call, Idea, Vote, Comment, Report, StatusChange, Milestone, Story, PointsEntry, Initiative]
    counts = {model.__name__: model.objects.count() for model in models}
    counts["users"] = get_user_model().objects.count()
    counts["events"] = AuditEvent.objects.count()
    return counts


def test_seeding_twice_changes_nothing(seeded):
    first = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first
    assert verify_chain() == []


def test_moscow_administrative_areas_and_districts(seeded):
    okrugs = District.objects.filter(kind=DistrictKind.OKRUG)
    assert okrugs.count() == 12
    assert set(okrugs.values_list("name", flat=True)) == {name for _slug, name, *_rest in OKRUGS}
    centre = District.objects.get(slug="cao")
    assert centre.name == "Центральный административный округ"
    assert {"Арбат", "Хамовники", "Якиманка", "Тверской"} <= set(centre.districts.values_list("name", flat=True))
    assert not District.objects.filter(kind=DistrictKind.DISTRICT, parent__isnull=True).exists()


def test_hundreds_of_ideas_in_every_status_category_and_area(seeded):
    ideas = Idea.objects.all()
    assert ideas.count() >= 300
    assert set(ideas.values_list("status", flat=True)) == set(IdeaStatus.values)
    assert set(ideas.values_list("topic", flat=True)) >= {"transport", "housing", "health", "education", "culture"}
    assert len(set(ideas.values_list("topic", flat=True))) == 10
    assert ideas.values("district").distinct().count() >= 40
    for okrug in District.objects.filter(kind=DistrictKind.OKRUG):
        assert ideas.filter(Q(district=okrug) | Q(district__parent=okrug)).exists(), okrug.name
    # Written in Russian from templates, and searchable by word stems.
    sample = ideas.order_by("id").first()
    assert any("а" <= char <= "я" for char in sample.text)
    assert not ideas.filter(search_stems="").exists()
    assert selectors.similar_ideas(text="велодорожки до метро")
    # Titles vary: no title is used by more than a handful of ideas.
    assert Counter(ideas.values_list("title", flat=True)).most_common(1)[0][1] <= 6


def test_calls_of_every_kind(seeded):
    calls = Call.objects.all()
    now = timezone.now()
    assert 4 <= calls.count() <= 6
    assert any(call.is_open(now) for call in calls) and any(call.closes_at < now for call in calls)
    assert calls.filter(moderation=Moderation.PRE).exists()
    assert calls.filter(support_threshold__isnull=False).exists()
    assert calls.filter(district__isnull=False).exists()
    for call in calls:
        assert call.ideas.exists(), call.title
        assert not call.ideas.exclude(agency=call.agency).exists()
        assert not call.ideas.filter(published_at__lt=call.opens_at).exists()
    # The pre-moderated call has ideas waiting for the moderator.
    assert Idea.objects.filter(status=IdeaStatus.SUBMITTED, call__moderation=Moderation.PRE).count() >= 3


def test_counts_match_the_rows(seeded):
    assert Vote.objects.count() >= 3000
    mismatched = Idea.objects.annotate(rows=Count("votes", distinct=True)).exclude(vote_count=F("rows"))
    assert not mismatched.exists()
    comments = Idea.objects.annotate(rows=Count("comments", distinct=True)).exclude(comment_count=F("rows"))
    assert not comments.exists()
    assert Comment.objects.filter(parent__isnull=False).count() >= 100  # threaded
    assert not Comment.objects.filter(parent__isnull=False).exclude(parent__idea=F("idea")).exists()
    # A merged idea's votes moved to the surviving one.
    assert not Idea.objects.filter(status=IdeaStatus.MERGED).exclude(vote_count=0).exists()


def test_points_follow_the_services_rules(seeded):
    entries = PointsEntry.objects.all()
    amounts = dict(entries.values_list("kind", "points").distinct())
    assert amounts == {kind: services.POINTS[kind] for kind in PointsKind.values}
    public = Idea.objects.exclude(status=IdeaStatus.SUBMITTED)
    assert entries.filter(kind=PointsKind.IDEA_PUBLISHED).count() == public.count()
    assert (
        entries.filter(kind=PointsKind.IDEA_ACCEPTED).count() == Idea.objects.filter(initiative__isnull=False).count()
    )
    assert entries.filter(kind=PointsKind.STORY_SHARED).count() == Story.objects.count()
    # One point per vote, to the author of the idea voted for.
    votes = {
        f"vote:{idea}:{user}": author for idea, user, author in Vote.objects.values_list("idea", "user", "idea__author")
    }
    received = dict(entries.filter(kind=PointsKind.VOTE_RECEIVED).values_list("key", "user"))
    assert received == votes
    for idea in Idea.objects.filter(status__in=IMPLEMENTATION).select_related("author")[:5]:
        key = f"idea:{idea.pk}"
        assert entries.filter(user=idea.author, kind=PointsKind.IDEA_ACCEPTED, key=key).exists()
    assert selectors.leaderboard()


def test_accepted_ideas_are_in_the_funnel(seeded):
    accepted = Idea.objects.filter(status__in=IMPLEMENTATION).select_related("initiative", "agency")
    assert accepted.count() >= 20
    for idea in accepted:
        initiative = idea.initiative
        assert initiative is not None, idea
        assert initiative.origin == Origin.RESIDENT_IDEA
        assert initiative.origin_id == str(idea.pk)
        assert initiative.sponsor_id == idea.agency_id
        assert initiative.stage == Stage.IDEA
        acceptance = idea.status_changes.get(to_status=IdeaStatus.ACCEPTED)
        # The initiative carries the day the idea was accepted, like its one stay in the funnel.
        assert initiative.stage_entered_at == acceptance.created_at
        assert initiative.stays.get().entered_at == acceptance.created_at
    assert not Idea.objects.exclude(status__in=IMPLEMENTATION).filter(initiative__isnull=False).exists()
    # Accepting went through the service: the audit log has each acceptance and each initiative.
    accepted_events = AuditEvent.objects.filter(action="idea.status_changed", after__status=IdeaStatus.ACCEPTED)
    assert accepted_events.count() == accepted.count()
    from_ideas = Initiative.objects.filter(origin_type=ContentType.objects.get_for_model(Idea))
    assert from_ideas.count() == accepted.count()


def test_every_answer_is_a_legal_step_with_its_message(seeded):
    now = timezone.now()
    for idea in Idea.objects.exclude(status=IdeaStatus.SUBMITTED).prefetch_related("status_changes"):
        changes = list(idea.status_changes.all())
        status = IdeaStatus.PUBLISHED
        for change in changes:
            assert change.from_status == status
            assert change.to_status in services.ANSWERS[status], change
            assert change.message.strip()
            assert idea.published_at < change.created_at <= now
            status = change.to_status
        assert status == idea.status
        assert [c.created_at for c in changes] == sorted(c.created_at for c in changes)
        if changes:
            assert (idea.first_answered_at, idea.last_answered_at) == (changes[0].created_at, changes[-1].created_at)
        else:
            assert idea.first_answered_at is None
    rejections = StatusChange.objects.filter(to_status=IdeaStatus.REJECTED)
    assert rejections.count() >= 20 and not rejections.filter(reason="").exists()
    # A threshold reached is the system's step, with its own message.
    assert StatusChange.objects.filter(actor__isnull=True, to_status=IdeaStatus.UNDER_REVIEW).exists()
    for merged in Idea.objects.filter(status=IdeaStatus.MERGED).select_related("merged_into"):
        target = merged.merged_into
        assert target.is_public and target.status != IdeaStatus.MERGED and not target.is_hidden
        assert target.published_at < merged.published_at


def test_implementation_shows_progress_and_milestones(seeded):
    for idea in Idea.objects.filter(status=IdeaStatus.IN_PROGRESS):
        assert 0 < idea.progress < 100
        assert idea.milestones.count() >= 3
        assert idea.milestones.filter(done_on__isnull=True).exists()
    for idea in Idea.objects.filter(status=IdeaStatus.IMPLEMENTED):
        assert idea.progress == 100
        assert idea.milestones.exists() and not idea.milestones.filter(done_on__isnull=True).exists()
    assert Idea.objects.filter(status=IdeaStatus.IN_PROGRESS).count() >= 5


def test_history_is_dated_over_the_past_year(seeded):
    now = timezone.now()
    published = Idea.objects.exclude(status=IdeaStatus.SUBMITTED)
    oldest = min(published.values_list("published_at", flat=True))
    assert (now - oldest).days >= 300
    assert not published.filter(created_at__gt=F("published_at")).exists()
    # Votes come after publication and stop when an idea stops taking them.
    assert not Vote.objects.filter(created_at__lt=F("idea__published_at")).exists()
    assert not Vote.objects.filter(created_at__gt=now).exists()
    for idea in Idea.objects.filter(status=IdeaStatus.REJECTED)[:40]:
        rejected = idea.status_changes.get(to_status=IdeaStatus.REJECTED).created_at
        assert not idea.votes.filter(created_at__gt=rejected).exists()
    assert not Comment.objects.filter(created_at__lt=F("idea__published_at")).exists()
    assert not Comment.objects.filter(parent__isnull=False, created_at__lt=F("parent__created_at")).exists()
    # Some ideas wait past their due date in the agencies' inboxes.
    overdue = Idea.objects.filter(first_answered_at__isnull=True, agency__isnull=False, answer_due_at__lt=now)
    assert overdue.exclude(status=IdeaStatus.SUBMITTED).count() >= 5


def test_agencies_have_ideas_to_answer(seeded):
    now = timezone.now()
    for name in ("agency", "health"):
        agencies = Organization.objects.filter(memberships__user=_user(name))
        inbox = selectors.agency_inbox(agency_ids=agencies.values("pk"))
        assert inbox.count() >= 3, name
        assert inbox.filter(answer_due_at__lt=now).exists(), name
        assert inbox.filter(answer_due_at__gte=now).exists(), name
    assert selectors.unassigned_ideas().exists()
    # The accountability page has something to compare.
    rows = selectors.accountability(by="agency")
    assert len(rows) >= 8
    assert len({row.median_days for row in rows}) > 3


def test_moderation_has_work_and_history(seeded):
    queue = selectors.moderation_queue()
    assert queue["submitted"].count() >= 3
    hidden_idea = Idea.objects.get(hidden_at__isnull=False)
    assert hidden_idea.report_count >= 3 and hidden_idea.hidden_reason
    assert Comment.objects.filter(hidden_at__isnull=False).count() == 2
    assert not Comment.objects.filter(hidden_at__isnull=False, hidden_reason="").exists()
    assert Report.objects.filter(resolved_at__isnull=True).exists()
    assert Report.objects.filter(resolved_at__isnull=False).exists()
    assert queue["ideas"].exists() and queue["comments"].exists()


def test_the_resident_account_has_a_bit_of_everything(seeded):
    resident = _user("resident")
    mine = Idea.objects.filter(author=resident)
    assert set(mine.values_list("status", flat=True)) >= {
        *ANSWERED_STATUSES,
        IdeaStatus.PUBLISHED,
        IdeaStatus.SUBMITTED,
    }
    assert Vote.objects.filter(user=resident).count() >= 10
    assert Story.objects.filter(author=resident, anonymous=False).exists()
    assert resident.participant.on_leaderboard
    # Points per the rules: 10 a published idea, 1 a vote received, 50 an accepted idea, 5 a story.
    expected = (
        10 * mine.exclude(status=IdeaStatus.SUBMITTED).count()
        + Vote.objects.filter(idea__author=resident).count()
        + 50 * mine.filter(initiative__isnull=False).count()
        + 5 * Story.objects.filter(author=resident).count()
    )
    assert selectors.points_of(resident) == expected
    # The answers went through the services, so they are on record.
    answers = AuditEvent.objects.filter(
        action="idea.status_changed", object_id__in=[str(pk) for pk in mine.values_list("pk", flat=True)]
    )
    assert answers.count() == StatusChange.objects.filter(idea__author=resident).count()


def test_one_hundred_and_fifty_stories(seeded):
    stories = Story.objects.select_related("template", "district")
    assert stories.count() == 150
    keys = set(StoryTemplate.objects.values_list("key", flat=True))
    assert {"preschool", "improvement"} <= keys
    assert {t.title for t in StoryTemplate.objects.all()} >= {"Дошкольное образование", "Благоустройство"}
    assert stories.values("district").distinct().count() >= 20
    assert len({(s.created_at.year, s.created_at.month) for s in stories}) >= 10
    assert set(stories.values_list("experience", flat=True)) == {1, 2, 3, 4, 5}
    assert not stories.filter(consent=False).exists()
    assert stories.filter(anonymous=True).count() > stories.count() / 2
    for story in stories:
        template = story.template
        assert set(story.tags) <= set(template.tags) and story.tags
        assert set(story.involved) <= set(template.involved) and story.involved
        assert story.outcome in template.outcomes
        assert story.happened_on <= timezone.localdate(story.created_at)
    counts = {spec["key"]: spec["count"] for spec in STORY_TEMPLATES}
    assert dict(stories.values_list("template__key").annotate(n=Count("id"))) == counts
    analysis = selectors.story_analysis()
    assert analysis.total == 150 and len(analysis.months) >= 10


def test_the_audit_chain_verifies(seeded):
    assert verify_chain() == []
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "call.created",
        "idea.submitted",
        "idea.voted",
        "idea.status_changed",
        "idea.assigned",
        "idea.milestone_added",
        "idea.progress",
        "content.reported",
        "content.hidden",
        "content.restored",
        "story.submitted",
        "initiative.created",
    } <= actions
