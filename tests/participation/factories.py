"""Factories for residents' participation. They write rows directly (no audit events, no
notifications, no points); tests of the services call the services.

``IdeaFactory`` makes a published idea (published an hour ago, answer due in 30 days) with its
``search_stems`` filled the way ``services.idea_submit`` fills them, so similar-idea search and
the list's search find it. ``CallFactory`` makes a call open now (opened a day ago, closing in
thirty days) with post-moderation and no support threshold."""

from datetime import timedelta

import factory
from django.utils import timezone

from govtech.core.stemming import stem_string
from govtech.funnel.models import Topic
from govtech.participation.models import (
    Call,
    Comment,
    District,
    DistrictKind,
    Idea,
    IdeaStatus,
    Moderation,
    StoryTemplate,
)
from tests.factories import AgencyFactory, UserFactory


class DistrictFactory(factory.django.DjangoModelFactory):
    """A district of the city; ``parent`` (an administrative area) is optional."""

    class Meta:
        model = District

    name = factory.Sequence(lambda n: f"Район {n}")
    slug = factory.Sequence(lambda n: f"district-{n}")
    kind = DistrictKind.DISTRICT
    parent = None


class OkrugFactory(DistrictFactory):
    name = factory.Sequence(lambda n: f"Округ {n}")
    slug = factory.Sequence(lambda n: f"okrug-{n}")
    kind = DistrictKind.OKRUG


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call

    agency = factory.SubFactory(AgencyFactory)
    title = factory.Sequence(lambda n: f"Каким должен быть городской транспорт {n}")
    slug = factory.Sequence(lambda n: f"call-{n}")
    question = "Что изменить в общественном транспорте вашего района?"
    topic = Topic.TRANSPORT
    district = None
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyAttribute(lambda call: call.opens_at + timedelta(days=31))
    moderation = Moderation.POST
    support_threshold = None


class IdeaFactory(factory.django.DjangoModelFactory):
    """A published idea. Pass ``status=IdeaStatus.SUBMITTED, published_at=None`` for one waiting
    for pre-moderation; ``call=`` sets the agency to the call's unless ``agency`` is given."""

    class Meta:
        model = Idea

    title = factory.Sequence(lambda n: f"Идея для города номер {n}")
    text = "Поставить скамейки во дворе и посадить деревья."
    topic = Topic.TRANSPORT
    district = None
    call = None
    author = factory.SubFactory(UserFactory)
    agency = factory.LazyAttribute(lambda idea: idea.call.agency if idea.call else None)
    status = IdeaStatus.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    answer_due_at = factory.LazyAttribute(
        lambda idea: idea.published_at + timedelta(days=30) if idea.published_at else None
    )
    search_stems = factory.LazyAttribute(lambda idea: stem_string(f"{idea.title} {idea.text}"))


class CommentFactory(factory.django.DjangoModelFactory):
    """A comment written directly; the idea's ``comment_count`` is not touched."""

    class Meta:
        model = Comment

    idea = factory.SubFactory(IdeaFactory)
    parent = None
    author = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"Комментарий {n}: поддерживаю.")


class StoryTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoryTemplate

    key = factory.Sequence(lambda n: f"template-{n}")
    title = factory.Sequence(lambda n: f"Дошкольное образование {n}")
    description = "Расскажите, как вы записывали ребёнка в детский сад."
    topic = Topic.EDUCATION
    tags = factory.LazyFunction(lambda: ["очередь", "документы", "сайт", "сотрудники"])
    involved = factory.LazyFunction(lambda: ["воспитатель", "заведующий", "МФЦ"])
    outcomes = factory.LazyFunction(lambda: ["решено", "частично решено", "не решено"])
    is_active = True
