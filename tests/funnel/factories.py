"""Factories for the funnel: initiatives with their open stay, instruments and gate decisions.

Factories write rows directly (no audit events, no notifications); tests of the services
themselves call the services."""

from decimal import Decimal

import factory
from django.utils import timezone

from govtech.funnel.models import (
    DecisionStatus,
    GateDecision,
    Goal,
    Initiative,
    Instrument,
    InstrumentKind,
    Origin,
    StageStay,
    Topic,
    Visibility,
)
from govtech.funnel.states import FUNNEL, MoveKind, Stage, move_between
from tests.factories import AgencyFactory


class InstrumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instrument

    name = factory.Sequence(lambda n: f"Программа поддержки {n}")
    slug = factory.Sequence(lambda n: f"instrument-{n}")
    kind = InstrumentKind.ACCELERATOR
    owner = factory.SubFactory(AgencyFactory)
    description = "Городская программа поддержки пилотов."
    stages = factory.LazyFunction(lambda: [Stage.PILOT.value])


class InitiativeFactory(factory.django.DjangoModelFactory):
    """An initiative in ``stage`` (default ``idea``) since ``stage_entered_at`` (default now),
    with its one open StageStay, as initiative_create and the moves leave it."""

    class Meta:
        model = Initiative
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Датчики заполнения контейнеров {n}")
    slug = factory.Sequence(lambda n: f"initiative-{n}")
    summary = "Датчики в контейнерах сообщают о заполнении, мусоровозы едут только к полным."
    problem = "Мусоровозы объезжают полупустые площадки по жёсткому графику."
    topic = Topic.ENVIRONMENT
    origin = Origin.SUPPLIER_APPLICATION
    sponsor = factory.SubFactory(AgencyFactory)
    stage = Stage.IDEA
    stage_entered_at = factory.LazyFunction(timezone.now)
    visibility = Visibility.PUBLIC

    @factory.post_generation
    def open_stay(self, create, extracted, **kwargs):
        """The open stay in the current stage (pass open_stay=False to skip)."""
        if create and extracted is not False:
            StageStay.objects.create(initiative=self, stage=self.stage, entered_at=self.stage_entered_at)


class GateDecisionFactory(factory.django.DjangoModelFactory):
    """An approved forward decision from the initiative's current stage (rows only: the
    initiative is not moved; use services.move_decide for a real move)."""

    class Meta:
        model = GateDecision
        skip_postgeneration_save = True

    initiative = factory.SubFactory(InitiativeFactory)
    from_stage = factory.LazyAttribute(lambda d: d.initiative.stage)
    to_stage = factory.LazyAttribute(
        lambda d: FUNNEL[FUNNEL.index(d.from_stage) + 1] if d.from_stage in FUNNEL[:-1] else Stage.STOPPED
    )
    kind = factory.LazyAttribute(
        lambda d: (
            move_between(d.from_stage, d.to_stage).kind if move_between(d.from_stage, d.to_stage) else MoveKind.FORWARD
        )
    )
    status = DecisionStatus.APPROVED
    rationale = "Цели этапа достигнуты, площадка готова к следующему шагу."
    proposed_at = factory.LazyFunction(timezone.now)
    decided_at = factory.LazyAttribute(lambda d: d.proposed_at if d.status != DecisionStatus.PROPOSED else None)

    @factory.post_generation
    def goals(self, create, extracted, **kwargs):
        """One met goal by default; pass goals=[{...}, ...] for others or goals=[] for none."""
        if not create:
            return
        specs = (
            extracted
            if extracted is not None
            else [{"metric": "Холостые рейсы", "unit": "%", "baseline": 40, "target": 20, "measured": 18}]
        )
        for spec in specs:
            Goal.objects.create(
                decision=self,
                **{k: Decimal(str(v)) if k in {"baseline", "target", "measured"} else v for k, v in spec.items()},
            )
