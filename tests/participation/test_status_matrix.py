"""The official answer, move by move and role by role: the responsible agency and the operator make
exactly the moves of ``services.ANSWERS`` and every other one is refused as illegal; nobody else
may answer at all. A refusal changes nothing. Each move carries a message, a rejection its reason;
acceptance puts the idea into the funnel; the author and the followers are told."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.utils import translation

from govtech.core.errors import Forbidden, ServiceError
from govtech.funnel.models import Initiative, Origin
from govtech.funnel.states import Stage
from govtech.notifications import services as notifications
from govtech.notifications.models import Notification
from govtech.participation import notification_kinds as kinds
from govtech.participation import selectors, services
from govtech.participation.models import Idea, IdeaStatus, PointsEntry, PointsKind, StatusChange
from tests.factories import MembershipFactory, SupplierFactory, UserFactory
from tests.participation.factories import IdeaFactory
from tests.participation.helpers import AuditWatch, agency_with_member, participation_state

pytestmark = pytest.mark.django_db

ANSWERING_ROLES = ["responsible", "operator"]
REFUSED_ROLES = ["author", "other_agency", "supplier", "bystander", "anonymous", "nobody"]


@pytest.fixture
def refused(refused_checker):
    return refused_checker(participation_state)


@pytest.fixture
def cast(agency):
    """Everyone who might try to answer an idea of ``agency``."""
    responsible = UserFactory()
    MembershipFactory(user=responsible, organization=agency)
    _other, other_member = agency_with_member()
    supplier_admin = UserFactory()
    MembershipFactory(user=supplier_admin, organization=SupplierFactory())
    return {
        "author": UserFactory(),
        "responsible": responsible,
        "operator": UserFactory(is_operator=True),
        "other_agency": other_member,
        "supplier": supplier_admin,
        "bystander": UserFactory(),
        "anonymous": AnonymousUser(),
        "nobody": None,
    }


def _idea(status, agency, author) -> Idea:
    published = status != IdeaStatus.SUBMITTED
    return IdeaFactory(status=status, agency=agency, author=author, **({} if published else {"published_at": None}))


def _answer_arguments(to_status, agency) -> dict:
    """What a legal move needs besides the message: a reason to reject, a target to merge into."""
    if to_status == IdeaStatus.REJECTED:
        return {"reason": "Противоречит правилам благоустройства."}
    if to_status == IdeaStatus.MERGED:
        return {"merged_into": IdeaFactory(agency=agency)}
    return {}


@pytest.mark.parametrize("from_status", IdeaStatus.values)
@pytest.mark.parametrize("role", ANSWERING_ROLES)
def test_the_agency_and_the_operator_make_exactly_the_allowed_moves(role, from_status, cast, agency, refused):
    actor = cast[role]
    for to_status in [*IdeaStatus.values, "archived"]:
        idea = _idea(from_status, agency, cast["author"])
        arguments = _answer_arguments(to_status, agency)
        if to_status in services.ANSWERS.get(from_status, set()):
            watch = AuditWatch()
            change = services.idea_answer(
                actor=actor, idea=idea, to_status=to_status, message="  Ответ департамента.  ", **arguments
            )
            idea.refresh_from_db()
            assert idea.status == to_status, (from_status, to_status)
            assert (change.from_status, change.to_status) == (from_status, to_status)
            assert (change.message, change.agency, change.actor) == ("Ответ департамента.", agency, actor)
            assert change.reason == arguments.get("reason", "")
            assert idea.first_answered_at == idea.last_answered_at == change.created_at
            assert "idea.status_changed" in watch.actions()
        else:
            with refused(ServiceError, code="illegal_status", field="to_status"):
                services.idea_answer(actor=actor, idea=idea, to_status=to_status, message="Ответ.", **arguments)


@pytest.mark.parametrize("from_status", IdeaStatus.values)
@pytest.mark.parametrize("role", REFUSED_ROLES)
def test_nobody_else_may_answer_whatever_the_move(role, from_status, cast, agency, refused):
    for to_status in IdeaStatus.values:
        idea = _idea(from_status, agency, cast["author"])
        arguments = _answer_arguments(to_status, agency)
        with refused(Forbidden):
            services.idea_answer(actor=cast[role], idea=idea, to_status=to_status, message="Ответ.", **arguments)


def test_the_table_is_the_one_of_the_issue():
    assert {status: services.answers_from(status) for status in IdeaStatus.values} == {
        "submitted": [],
        "published": ["under_review", "accepted", "rejected", "merged"],
        "under_review": ["accepted", "rejected", "merged"],
        "accepted": ["in_progress"],
        "rejected": [],
        "merged": [],
        "in_progress": ["implemented"],
        "implemented": [],
    }


def test_a_rejection_without_a_reason_is_refused(people, agency, refused):
    idea = IdeaFactory(agency=agency)
    for reason in ("", "   ", None):
        with refused(ServiceError, code="reason_required", field="reason"):
            services.idea_answer(
                actor=people["agency_admin"], idea=idea, to_status=IdeaStatus.REJECTED, message="Нет.", reason=reason
            )


@pytest.mark.parametrize("to_status", [IdeaStatus.UNDER_REVIEW, IdeaStatus.ACCEPTED, IdeaStatus.REJECTED])
def test_every_change_carries_a_public_message(to_status, people, agency, refused):
    idea = IdeaFactory(agency=agency)
    with refused(ServiceError, field="message"):
        services.idea_answer(
            actor=people["agency_admin"], idea=idea, to_status=to_status, message="  ", reason="Причина."
        )


def test_a_merge_needs_a_surviving_public_idea(people, agency, refused):
    idea = IdeaFactory(agency=agency)
    waiting = IdeaFactory(status=IdeaStatus.SUBMITTED, published_at=None)
    merged = IdeaFactory(status=IdeaStatus.MERGED)
    hidden = IdeaFactory(hidden_at=idea.published_at, hidden_reason="Спам")
    for target in (None, idea, waiting, merged, hidden):
        with refused(ServiceError, field="merged_into"):
            services.idea_answer(
                actor=people["agency_admin"],
                idea=idea,
                to_status=IdeaStatus.MERGED,
                message="Дубль.",
                merged_into=target,
            )


def test_accepting_puts_the_idea_into_the_funnel_linked_both_ways(people, agency):
    idea = IdeaFactory(agency=agency, title="Велодорожка вдоль набережной", text="Проложить велодорожку.")
    watch = AuditWatch()
    services.idea_answer(actor=people["agency_admin"], idea=idea, to_status=IdeaStatus.ACCEPTED, message="Берём.")
    idea.refresh_from_db()
    initiative = Initiative.objects.get()
    assert idea.initiative == initiative
    assert (initiative.origin_type, initiative.origin_id) == (ContentType.objects.get_for_model(Idea), str(idea.pk))
    assert initiative.origin == Origin.RESIDENT_IDEA
    assert initiative.origin_url.endswith(idea.get_absolute_url())
    assert (initiative.stage, initiative.sponsor, initiative.title) == (Stage.IDEA, agency, idea.title)
    assert initiative.summary == idea.text
    assert watch.actions() == ["idea.status_changed", "initiative.created"]
    # Going on with the implementation adds no second initiative.
    services.idea_answer(actor=people["agency_admin"], idea=idea, to_status=IdeaStatus.IN_PROGRESS, message="Идёт.")
    services.idea_answer(actor=people["agency_admin"], idea=idea, to_status=IdeaStatus.IMPLEMENTED, message="Готово.")
    assert Initiative.objects.count() == 1
    assert PointsEntry.objects.filter(kind=PointsKind.IDEA_ACCEPTED, user=idea.author).count() == 1


def test_accepting_needs_a_responsible_agency(people, agency, refused):
    idea = IdeaFactory(agency=None)
    with refused(ServiceError, code="no_agency"):
        services.idea_answer(actor=people["operator"], idea=idea, to_status=IdeaStatus.ACCEPTED, message="Берём.")
    # Once the operator names the agency, its staff answer.
    services.idea_assign_agency(actor=people["operator"], idea=idea, agency=agency)
    services.idea_answer(actor=people["agency_admin"], idea=idea, to_status=IdeaStatus.ACCEPTED, message="Берём.")
    assert Idea.objects.get(pk=idea.pk).initiative is not None


def test_a_refused_acceptance_leaves_no_initiative_behind(people, agency, refused):
    idea = IdeaFactory(agency=agency, status=IdeaStatus.REJECTED)
    with refused(ServiceError, code="illegal_status"):
        services.idea_answer(actor=people["agency_admin"], idea=idea, to_status=IdeaStatus.ACCEPTED, message="Берём.")
    assert not Initiative.objects.exists()


def test_the_timeline_lists_every_answer_in_order(people, agency):
    idea = IdeaFactory(agency=agency)
    owner = people["agency_admin"]
    for to_status in (IdeaStatus.UNDER_REVIEW, IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS):
        services.idea_answer(actor=owner, idea=idea, to_status=to_status, message=f"Этап {to_status}.")
    timeline = selectors.idea_timeline(idea)
    assert [(c.from_status, c.to_status) for c in timeline] == [
        ("published", "under_review"),
        ("under_review", "accepted"),
        ("accepted", "in_progress"),
    ]
    idea.refresh_from_db()
    assert idea.first_answered_at == timeline[0].created_at
    assert idea.last_answered_at == timeline[-1].created_at


def test_the_author_and_the_followers_are_told_in_their_language(
    people, agency, run_worker, django_capture_on_commit_callbacks
):
    author = UserFactory(language="en")
    follower, answering = UserFactory(language="en"), people["agency_admin"]
    idea = IdeaFactory(agency=agency, author=author, title="Скамейки во дворе")
    notifications.follow_create(actor=follower, target=idea)
    notifications.follow_create(actor=answering, target=idea)  # the one who answers is not told
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.idea_answer(actor=answering, idea=idea, to_status=IdeaStatus.ACCEPTED, message="Берём.")
    run_worker()
    told = Notification.objects.filter(kind=kinds.STATUS_CHANGED.key)
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted([author.pk, follower.pk])
    # The notification stores the status, not a sentence: it is worded when read, in the reader's language.
    assert {n.params["status"] for n in told} == {"accepted"}
    with translation.override("en"):
        assert told.first().title == "Official answer to «Скамейки во дворе»: Accepted"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([author.email, follower.email])
    assert all(m.subject.endswith("Official answer to «Скамейки во дворе»: Accepted") for m in mail.outbox)


def test_an_answer_by_the_author_as_agency_staff_does_not_notify_them(
    agency, run_worker, django_capture_on_commit_callbacks
):
    staff = UserFactory()
    MembershipFactory(user=staff, organization=agency)
    idea = IdeaFactory(agency=agency, author=staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.idea_answer(actor=staff, idea=idea, to_status=IdeaStatus.UNDER_REVIEW, message="Смотрим.")
    run_worker()
    assert not Notification.objects.filter(kind=kinds.STATUS_CHANGED.key).exists()
    assert StatusChange.objects.filter(idea=idea).count() == 1
