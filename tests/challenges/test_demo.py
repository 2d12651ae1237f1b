"""The challenges' demo content, loaded by seed_demo: idempotent, in every state, with a
consistent history, the funnel link made by the services when results are published, and an
intact audit chain."""

import itertools
import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from govtech.challenges import selectors
from govtech.challenges.aggregation import panel_results
from govtech.challenges.demo_cases import CASES, SUPPLIERS
from govtech.challenges.models import (
    Assignment,
    Challenge,
    ChallengeStatus,
    ConsultationSlot,
    Declaration,
    Phase,
    Question,
    Receipt,
    ReviewCycle,
    Score,
    Submission,
    SubmissionStatus,
    WindowState,
)
from govtech.core.audit import verify_chain
from govtech.core.models import AuditEvent
from govtech.funnel.models import DecisionStatus, Initiative, Origin
from govtech.funnel.states import FUNNEL

pytestmark = pytest.mark.django_db

DEMO = "demo.govtech.local"


def _user(name: str):
    return get_user_model().objects.get(email=f"{name}@{DEMO}")


def _counts() -> dict:
    models = [Challenge, Phase, ReviewCycle, Submission, Receipt, Assignment, Score, Question, ConsultationSlot]
    counts = {model.__name__: model.objects.count() for model in models}
    counts["initiatives"] = Initiative.objects.count()
    counts["users"] = get_user_model().objects.count()
    counts["events"] = AuditEvent.objects.count()
    return counts


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The whole demo, seeded once for the module (it takes seconds) and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def test_seeding_twice_changes_nothing(seeded):
    first = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first
    assert first["Challenge"] == len(CASES)
    assert verify_chain() == []


def test_every_state_occurs_including_each_kind_of_published_challenge(seeded):
    assert set(Challenge.objects.values_list("status", flat=True)) == set(ChallengeStatus.values)
    published = list(Challenge.objects.filter(status=ChallengeStatus.PUBLISHED).prefetch_related("phases"))
    first_windows = [challenge.phases.all()[0].window_state() for challenge in published]
    assert WindowState.OPEN in first_windows and WindowState.UPCOMING in first_windows
    rolling = [c for c in published if c.phases.all()[0].is_rolling]
    assert rolling, "a rolling-intake challenge is published"
    cycles = ReviewCycle.objects.filter(phase__challenge=rolling[0], phase__number=1).order_by("number")
    assert cycles.count() >= 3
    assert [cycle.panel_closed for cycle in cycles] == [True] * (cycles.count() - 1) + [False]
    # Drafts and challenges in review are nowhere public.
    unpublished = Challenge.objects.filter(status__in=["draft", "in_review", "changes_requested"])
    assert not unpublished.filter(published_at__isnull=False).exists()
    assert Challenge.objects.get(status="changes_requested").review_note
    assert Challenge.objects.get(status="cancelled").cancel_reason


def test_the_demo_accounts_each_have_their_part(seeded):
    agency, health, supplier, expert = _user("agency"), _user("health"), _user("supplier"), _user("expert")
    assert selectors.challenges_of_agencies(user=agency).count() >= 3
    assert selectors.challenges_of_agencies(user=health).filter(status=ChallengeStatus.EVALUATION).exists()
    mine = selectors.submissions_of_suppliers(user=supplier)
    assert {s.status for s in mine} >= {SubmissionStatus.SUBMITTED, SubmissionStatus.ADVANCED}
    # expert@ has evaluations to do in the challenge under evaluation.
    to_do = selectors.assignments_of_expert(user=expert).filter(
        completed_at__isnull=True, submission__phase__challenge__status=ChallengeStatus.EVALUATION
    )
    assert to_do.count() >= 2
    assert {a.conflict for a in to_do} == {Declaration.UNDECLARED, Declaration.NONE}
    # Every demo supplier exists with its contact person as administrator.
    for spec in SUPPLIERS:
        person = _user(spec["slug"])
        assert selectors.supplier_organizations(user=person).get().inn == spec["inn"]
    assert get_user_model().objects.filter(is_expert=True, email__endswith=DEMO).count() >= 5


def test_a_recused_expert_is_replaced_and_the_panel_does_not_see_each_other(seeded):
    recused = Assignment.objects.get(conflict=Declaration.RECUSED)
    assert recused.conflict_note and not recused.scores.exists()
    others = Assignment.objects.filter(submission=recused.submission).exclude(pk=recused.pk)
    assert others.filter(completed_at__isnull=False).exists()
    # The panel is still open: an expert reads only their own evaluation.
    assert not recused.submission.cycle.panel_closed
    expert = _user("expert")
    visible = selectors.visible_assignments(actor=expert, submission=recused.submission)
    assert [a.expert for a in visible] == [expert]


def test_advanced_submissions_are_in_the_funnel_at_the_stage_of_their_phase(seeded):
    all_advanced = Submission.objects.filter(status=SubmissionStatus.ADVANCED).select_related("phase__challenge")
    # The funnel hears of a winner when its phase's results are published, not when it is decided:
    # the rolling challenge's winners of its finished cycles wait for the phase to close.
    waiting = all_advanced.filter(phase__results_published_at__isnull=True)
    assert waiting.exists()
    assert not waiting.filter(initiative__isnull=False).exists()
    advanced = all_advanced.filter(phase__results_published_at__isnull=False)
    assert advanced.count() >= 6
    for submission in advanced:
        initiative = submission.initiative
        assert initiative is not None, submission
        assert initiative.origin == Origin.CHALLENGE_SUBMISSION
        assert initiative.sponsor_id == submission.phase.challenge.owner_id
        later = Submission.objects.filter(
            phase__challenge=submission.phase.challenge,
            phase__number__gt=submission.phase.number,
            supplier=submission.supplier,
            status=SubmissionStatus.ADVANCED,
        )
        if later.exists():
            assert later.get().initiative == initiative
        else:
            assert initiative.stage == submission.phase.funnel_stage
        decision = initiative.decisions.get(to_stage=submission.phase.funnel_stage)
        assert decision.status == DecisionStatus.APPROVED
        assert submission.phase.challenge.title in decision.rationale
        assert decision.goals.get().measured > 0
    # A pilot phase carries its winner on to the pilot stage.
    assert {s.initiative.stage for s in advanced} >= {"prototype", "pilot"}
    assert not Submission.objects.exclude(status=SubmissionStatus.ADVANCED).filter(initiative__isnull=False).exists()


def test_decided_challenges_have_published_results(seeded):
    decided = Challenge.objects.filter(status__in=[ChallengeStatus.DECIDED, ChallengeStatus.CLOSED])
    assert decided.count() == 2
    for challenge in decided:
        assert challenge.decided_at is not None
        phases = list(challenge.phases.all())
        assert all(phase.results_published_at for phase in phases)
        assert not Submission.objects.filter(phase__challenge=challenge, status=SubmissionStatus.SUBMITTED).exists()
        results = selectors.published_results(challenge)
        assert [r.phase for r in results] == phases
        assert all(r.advanced for r in results)
    # One panel disagreed strongly; its flag shows in the ranking.
    flagged = [row for cycle in ReviewCycle.objects.all() for row in panel_results(cycle) if row.disagreement]
    assert flagged


def test_questions_and_consultations(seeded):
    published = Challenge.objects.filter(status=ChallengeStatus.PUBLISHED)
    answered = Question.objects.filter(challenge__in=published, answered_at__isnull=False)
    waiting = Question.objects.filter(challenge__in=published, answered_at__isnull=True)
    assert answered.exists() and waiting.exists()
    assert all(q.asked_by.memberships.filter(organization__kind="supplier").exists() for q in Question.objects.all())
    future = ConsultationSlot.objects.filter(challenge__in=published, starts_at__gt=timezone.now())
    assert future.filter(booked_by__isnull=True).exists()
    booked = future.filter(booked_by__isnull=False)
    assert booked.exists()
    # A supplier books before submitting.
    assert any(
        not Submission.objects.filter(phase__challenge=s.challenge, supplier=s.booked_by).exists() for s in booked
    )


def test_each_history_is_dated_in_order(seeded):
    """The histories were played "now" and slid back: every date must still fall in its window."""
    now = timezone.now()
    for challenge in Challenge.objects.exclude(published_at=None).prefetch_related("phases"):
        phases = list(challenge.phases.all())
        assert challenge.published_at < phases[0].opens_at
        assert all(a.closes_at <= b.opens_at for a, b in itertools.pairwise(phases))
        for question in challenge.questions.all():
            assert challenge.published_at < question.created_at < phases[0].closes_at
            assert question.answered_at is None or question.created_at < question.answered_at < now
    for submission in Submission.objects.select_related("phase", "cycle"):
        assert submission.phase.opens_at <= submission.submitted_at < submission.cycle.ends_at
        assert submission.cycle.starts_at <= submission.submitted_at
        assert submission.receipts.latest("issued_at").issued_at == submission.submitted_at
    for cycle in ReviewCycle.objects.filter(panel_closed_at__isnull=False):
        assert cycle.ends_at <= cycle.panel_closed_at < now
        for submission in cycle.submissions.exclude(decided_at=None):
            assert cycle.panel_closed_at <= submission.decided_at
    for submission in Submission.objects.exclude(initiative=None).filter(status=SubmissionStatus.ADVANCED):
        decision = submission.initiative.decisions.get(to_stage=submission.phase.funnel_stage)
        # The gate is passed when the results are published, after (or with) the decision itself.
        assert abs(decision.decided_at - submission.phase.results_published_at) < timedelta(minutes=1)
        assert submission.decided_at <= submission.phase.results_published_at
        stays = list(submission.initiative.stays.order_by("entered_at", "id"))
        assert [s.exited_at for s in stays[:-1]] == [s.entered_at for s in stays[1:]]
        assert stays[-1].entered_at == submission.initiative.stage_entered_at
        assert FUNNEL.index(stays[-1].stage) >= FUNNEL.index(submission.phase.funnel_stage)


def test_the_audit_chain_records_the_whole_story(seeded):
    assert verify_chain() == []
    actions = set(AuditEvent.objects.filter(action__contains=".").values_list("action", flat=True))
    assert {
        "challenge.in_review",
        "challenge.published",
        "challenge.changes_requested",
        "challenge.cancelled",
        "challenge.closed",
        "question.answered",
        "slot.booked",
        "submission.submitted",
        "assignment.declared",
        "assignment.scored",
        "panel.closed",
        "submission.decided",
        "phase.results_published",
    } <= actions
    assert AuditEvent.objects.filter(action="submission.submitted").count() == Receipt.objects.count()


def test_the_demo_command_of_make_run_works_on_a_fresh_database(tmp_path):
    """`make run` runs `make demo`: migrate, createcachetable, seed_demo, on the embedded SQLite file."""
    root = Path(settings.BASE_DIR)
    # The test run's own settings live in the environment; `make run` has none of them.
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "GOVTECH_"))}
    env.update(DJANGO_ENV="development", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")

    def manage(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=root, env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    manage("migrate", "--noinput")
    manage("createcachetable")
    assert "demo data ready" in manage("seed_demo")
    assert "demo data ready" in manage("seed_demo")
    assert "intact" in manage("verify_audit")


def test_the_demo_accounts_see_their_work_on_the_pages(seeded, client):
    """What the README promises a newcomer: each demo account's page has something to show."""
    pages = {
        "supplier": (
            "challenges:my-submissions",
            Submission.objects.filter(supplier__memberships__user__email=f"supplier@{DEMO}").values_list("title"),
        ),
        "expert": (
            "challenges:my-evaluations",
            Assignment.objects.filter(expert__email=f"expert@{DEMO}", completed_at=None).values_list(
                "submission__title"
            ),
        ),
        "agency": (
            "challenges:my-challenges",
            Challenge.objects.filter(owner__memberships__user__email=f"agency@{DEMO}").values_list("title"),
        ),
        "operator": (
            "challenges:review-queue",
            Challenge.objects.filter(status=ChallengeStatus.IN_REVIEW).values_list("title"),
        ),
    }
    for name, (url_name, titles) in pages.items():
        client.force_login(_user(name))
        page = client.get(reverse(url_name)).content.decode()
        assert titles and all(title in page for (title,) in titles), name
    # Every challenge's page opens for the operator, and the public ones for a visitor, in every state.
    client.force_login(_user("operator"))
    for challenge in Challenge.objects.all():
        assert client.get(challenge.get_absolute_url()).status_code == 200
    client.logout()
    for challenge in Challenge.objects.all():
        assert client.get(challenge.get_absolute_url()).status_code == (200 if challenge.is_public else 404)
