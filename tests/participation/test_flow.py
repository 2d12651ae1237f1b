"""The core path through the services: propose, find similar, vote, comment, merge, accept."""

import pytest

from govtech.funnel.models import Origin
from govtech.funnel.states import Stage
from govtech.participation import selectors, services
from govtech.participation.models import IdeaStatus, Vote
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_idea_from_proposal_to_the_funnel(people, agency):
    resident, owner, operator = people["resident"], people["agency_admin"], people["operator"]
    buses = services.idea_submit(
        actor=resident,
        title="Больше электробусов на Садовом кольце",
        text="Пустить электробус по кольцу.",
        topic="transport",
    )
    assert buses.status == IdeaStatus.PUBLISHED
    # Another form of the same word finds it.
    assert [idea.pk for idea in selectors.similar_ideas(text="электробусы")] == [buses.pk]
    assert selectors.similar_ideas(text="велодорожки") == []

    twin = services.idea_submit(
        actor=UserFactory(),
        title="Электробусы вместо дизельных автобусов",
        text="Заменить автобусы.",
        topic="transport",
    )
    both, only_twin = UserFactory(), UserFactory()
    for voter in (both, people["expert"]):
        services.vote_add(actor=voter, idea=buses)
    for voter in (both, only_twin):
        services.vote_add(actor=voter, idea=twin)
    services.comment_add(actor=people["expert"], idea=buses, text="Поддерживаю!")

    services.idea_assign_agency(actor=operator, idea=twin, agency=agency)
    services.idea_assign_agency(actor=operator, idea=buses, agency=agency)
    services.idea_answer(actor=owner, idea=twin, to_status=IdeaStatus.MERGED, message="Объединяем.", merged_into=buses)
    buses.refresh_from_db()
    twin.refresh_from_db()
    assert (buses.vote_count, twin.vote_count) == (3, 0)  # the person who voted for both counts once
    assert Vote.objects.filter(idea=buses).count() == 3

    with pytest.raises(services.ServiceError) as refused:
        services.idea_answer(actor=owner, idea=buses, to_status=IdeaStatus.REJECTED, message="Нет.")
    assert refused.value.code == "reason_required"
    services.idea_answer(actor=owner, idea=buses, to_status=IdeaStatus.ACCEPTED, message="Берём в работу.")
    buses.refresh_from_db()
    assert buses.initiative.origin == Origin.RESIDENT_IDEA
    assert buses.initiative.stage == Stage.IDEA
    assert buses.initiative.origin_id == str(buses.pk)
    assert selectors.points_of(resident) == 10 + 3 + 50
