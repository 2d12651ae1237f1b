"""Factories for challenges. They write rows directly (no audit events, no notifications);
tests of the services call the services.

``ChallengeFactory`` makes a published challenge with one open fixed phase (opened a day ago,
closing in ten days) and two criteria weighing 60 and 40 on a 0–10 scale."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from govtech.challenges.models import (
    Assignment,
    Challenge,
    ChallengeStatus,
    Criterion,
    Declaration,
    Licence,
    Phase,
    PhaseKind,
    ReviewCycle,
    Submission,
    SubmissionStatus,
)
from govtech.funnel.models import Topic
from tests.factories import AgencyFactory, SupplierFactory, UserFactory


class ChallengeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Challenge
        skip_postgeneration_save = True

    owner = factory.SubFactory(AgencyFactory)
    title = factory.Sequence(lambda n: f"Как сократить очереди в поликлиниках {n}")
    slug = factory.Sequence(lambda n: f"challenge-{n}")
    summary = "Пациенты ждут приёма слишком долго."
    problem = "Среднее ожидание приёма — 12 дней."
    goals = "Сократить ожидание вдвое."
    topic = Topic.HEALTH
    licence = Licence.SUPPLIER_KEEPS
    contact_name = "Иван Петров"
    contact_email = "challenges@example.test"
    status = ChallengeStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    min_experts = 2

    @factory.post_generation
    def phases(self, create, extracted, **kwargs):
        """``phases=[{...}, ...]`` overrides; by default one open fixed feasibility phase."""
        if not create:
            return
        rows = extracted if extracted is not None else [{}]
        now = timezone.now()
        for number, row in enumerate(rows, start=1):
            PhaseFactory(challenge=self, number=number, **{"opens_at": now - timedelta(days=1), **row})

    @factory.post_generation
    def criteria(self, create, extracted, **kwargs):
        if not create:
            return
        for row in extracted if extracted is not None else [{"weight": 60}, {"weight": 40}]:
            CriterionFactory(challenge=self, **row)


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    challenge = factory.SubFactory(ChallengeFactory, phases=[])
    number = 1
    name = factory.LazyAttribute(lambda phase: f"Этап {phase.number}")
    kind = PhaseKind.FEASIBILITY
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyAttribute(lambda phase: phase.opens_at + timedelta(days=11))
    advance_cap = 2
    funding_per_participant = Decimal("1000000.00")
    deliverables = "Отчёт о реализуемости."


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    challenge = factory.SubFactory(ChallengeFactory, criteria=[])
    name = factory.Sequence(lambda n: f"Критерий {n}")
    weight = 50
    scale_max = 10


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewCycle

    phase = factory.SubFactory(PhaseFactory)
    number = 0
    starts_at = factory.LazyAttribute(lambda cycle: cycle.phase.opens_at)
    ends_at = factory.LazyAttribute(lambda cycle: cycle.phase.closes_at)


class SubmissionFactory(factory.django.DjangoModelFactory):
    """A submission in the phase's first review cycle (created when missing)."""

    class Meta:
        model = Submission

    phase = factory.SubFactory(PhaseFactory)
    cycle = factory.LazyAttribute(
        lambda submission: ReviewCycle.objects.get_or_create(
            phase=submission.phase,
            number=0,
            defaults={"starts_at": submission.phase.opens_at, "ends_at": submission.phase.cycle_bounds(0)[1]},
        )[0]
    )
    supplier = factory.SubFactory(SupplierFactory)
    title = factory.Sequence(lambda n: f"Предложение {n}")
    summary = "Краткое описание."
    approach = "Подход."
    team = "Команда."
    plan = "План работ."
    budget = Decimal("500000.00")
    status = SubmissionStatus.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    submission = factory.SubFactory(SubmissionFactory)
    expert = factory.SubFactory(UserFactory, is_expert=True)
    conflict = Declaration.NONE
