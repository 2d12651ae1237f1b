"""The whole path through the services, from a draft to published winners in the funnel."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from govtech.challenges import selectors, services
from govtech.challenges.models import ChallengeStatus, Declaration, SubmissionStatus
from govtech.funnel.models import Origin
from govtech.funnel.states import Stage
from tests.factories import MembershipFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_draft_to_published_winner_in_the_funnel(people, agency, supplier):
    owner, operator = people["agency_admin"], people["operator"]
    start = timezone.now()
    challenge = services.challenge_create(
        actor=owner,
        owner=agency,
        title="Как быстрее находить свободные парковки",
        summary="Водители кружат в поисках места.",
        problem="До 30% трафика в центре — поиск парковки.",
        topic="transport",
        licence="open_source",
        contact_name="Анна",
        contact_email="anna@example.test",
        min_experts=2,
    )
    services.challenge_set_phases(
        actor=owner,
        challenge=challenge,
        phases=[
            {
                "name": "Обоснование",
                "kind": "feasibility",
                "opens_at": start + timedelta(days=1),
                "closes_at": start + timedelta(days=10),
                "advance_cap": 1,
                "funding_per_participant": "500000",
            },
            {
                "name": "Пилот",
                "kind": "pilot",
                "opens_at": start + timedelta(days=11),
                "closes_at": start + timedelta(days=20),
                "advance_cap": 1,
                "funding_per_participant": "3000000",
            },
        ],
    )
    criteria = services.challenge_set_criteria(
        actor=owner,
        challenge=challenge,
        criteria=[
            {"name": "Решение", "weight": 70, "scale_max": 10},
            {"name": "Команда", "weight": 30, "scale_max": 5},
        ],
    )
    services.challenge_submit_for_review(actor=owner, challenge=challenge)
    services.challenge_publish(actor=operator, challenge=challenge)
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.PUBLISHED
    first, second = selectors.phases_of(challenge)

    rival = SupplierFactory()
    rival_member = UserFactory()
    MembershipFactory(user=rival_member, organization=rival)
    experts = [UserFactory(is_expert=True) for _ in range(3)]
    sections = {"summary": "Датчики", "approach": "Камеры", "team": "5 человек", "plan": "3 месяца", "budget": "400000"}
    with time_machine.travel(start + timedelta(days=2)):
        ours = services.submission_submit(
            actor=people["supplier_member"], phase=first, supplier=supplier, title="Датчики парковки", **sections
        )
        theirs = services.submission_submit(
            actor=rival_member, phase=first, supplier=rival, title="Приложение парковки", **sections
        )
    assert ours.receipts.count() == 1
    with time_machine.travel(start + timedelta(days=10, minutes=1)):
        cycle = ours.cycle
        assert services.panel_assign(actor=operator, cycle=cycle) == 4
        for assignment in list(ours.assignments.all()) + list(theirs.assignments.all()):
            services.conflict_declare(actor=assignment.expert, assignment=assignment, has_conflict=False)
            high = assignment.submission == ours
            services.scores_save(
                actor=assignment.expert,
                assignment=assignment,
                scores={criteria[0].pk: (9 if high else 5, "ok"), criteria[1].pk: (4 if high else 2, "")},
                complete=True,
            )
        cycle = services.panel_close(actor=operator, cycle=cycle)
        ranked = selectors.ranking(actor=owner, cycle=cycle)
        assert [row.submission for row in ranked] == [ours, theirs]
        assert ranked[0].mean == Decimal("87.00")  # 70*9/10 + 30*4/5
        services.submission_decide(actor=owner, submission=ours, advance=True, rationale="Лучшая оценка")
        services.phase_publish_results(actor=owner, phase=first)
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert theirs.status == SubmissionStatus.NOT_ADVANCED
    initiative = ours.initiative
    assert initiative.stage == Stage.PROTOTYPE
    assert initiative.origin == Origin.CHALLENGE_SUBMISSION
    assert initiative.decisions.get().goals.get().measured == Decimal("87.00")

    with time_machine.travel(start + timedelta(days=12)):
        with pytest.raises(services.ServiceError) as refused:
            services.submission_submit(actor=rival_member, phase=second, supplier=rival, title="Снова мы", **sections)
        assert refused.value.code == "not_invited"
        final = services.submission_submit(
            actor=people["supplier_member"], phase=second, supplier=supplier, title="Пилот датчиков", **sections
        )
    with time_machine.travel(start + timedelta(days=20, minutes=1)):
        services.challenge_start_evaluation(actor=owner, challenge=challenge)
        services.panel_assign(actor=operator, cycle=final.cycle)
        for assignment in final.assignments.all():
            services.conflict_declare(actor=assignment.expert, assignment=assignment, has_conflict=False)
            services.scores_save(
                actor=assignment.expert,
                assignment=assignment,
                scores={criteria[0].pk: 8, criteria[1].pk: 5},
                complete=True,
            )
        services.panel_close(actor=operator, cycle=final.cycle)
        services.submission_decide(actor=owner, submission=final, advance=True, rationale="Пилот успешен")
        services.phase_publish_results(actor=owner, phase=second)
    challenge.refresh_from_db()
    final.refresh_from_db()
    assert challenge.status == ChallengeStatus.DECIDED
    assert final.initiative == initiative
    initiative.refresh_from_db()
    assert initiative.stage == Stage.PILOT
    results = selectors.published_results(challenge)
    assert [row.submission for row in results[1].advanced] == [final]
    assert all(a.conflict == Declaration.NONE for a in final.assignments.all())
    assert experts  # three experts existed, two were used per submission
