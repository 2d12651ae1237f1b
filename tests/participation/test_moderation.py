"""Moderation and spam protection: pre-moderated calls hold ideas until approved; reports count once
per person and enough of them hide content until a moderator looks; a moderator hides with a
reason and restores by closing the reports; the call's agency moderates its call and nothing
else; comments are editable for a short window; rate limits and repeated texts are refused."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.http import Http404

from govtech.core.errors import Conflict, Forbidden, ServiceError
from govtech.funnel.models import Topic
from govtech.notifications.models import Notification
from govtech.participation import notification_kinds as kinds
from govtech.participation import selectors, services
from govtech.participation.access import access_idea
from govtech.participation.models import Comment, Idea, IdeaStatus, Moderation, PointsKind, Report, ReportReason
from tests.factories import MembershipFactory, UserFactory
from tests.participation.factories import CallFactory, CommentFactory, IdeaFactory
from tests.participation.helpers import T0, AuditWatch, agency_with_member, participation_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused(refused_checker):
    return refused_checker(participation_state)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def moderated_call(agency):
    return CallFactory(agency=agency, moderation=Moderation.PRE)


def _submit(actor, n: int = 0, **fields) -> Idea:
    return services.idea_submit(
        actor=actor,
        title=fields.pop("title", f"Фонтан в сквере номер {n}"),
        text=fields.pop("text", f"Поставить фонтан в сквере у дома {n}."),
        topic=fields.pop("topic", Topic.CULTURE),
        **fields,
    )


def _sees(actor, idea) -> bool:
    try:
        access_idea(actor=actor, pk=idea.pk)
    except Http404:
        return False
    return True


# --- pre-moderation ----------------------------------------------------------------------------


def test_a_pre_moderated_idea_waits_unseen_until_approved(
    moderated_call, agency, people, run_worker, django_capture_on_commit_callbacks
):
    author, staff = people["resident"], people["agency_admin"]
    with django_capture_on_commit_callbacks(execute=True):
        idea = _submit(author, call=moderated_call)
    assert (idea.status, idea.published_at, idea.answer_due_at) == (IdeaStatus.SUBMITTED, None, None)
    assert not author.points.exists()
    _other, other_staff = agency_with_member()
    for outsider in (AnonymousUser(), people["expert"], people["supplier_admin"], other_staff):
        assert not _sees(outsider, idea)
        assert idea not in selectors.idea_list(actor=outsider)
    for insider in (author, staff, people["operator"]):
        assert _sees(insider, idea)
    assert idea in selectors.idea_list(actor=author)
    assert list(selectors.moderation_queue()["submitted"]) == [idea]
    run_worker()
    assert not Notification.objects.exists()  # nobody is told of it before approval

    watch = AuditWatch()
    with django_capture_on_commit_callbacks(execute=True):
        services.idea_approve(actor=staff, idea=idea)
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.PUBLISHED and idea.published_at is not None
    assert idea.answer_due_at is not None
    assert _sees(people["expert"], idea)
    assert list(author.points.values_list("kind", flat=True)) == [PointsKind.IDEA_PUBLISHED]
    assert watch.actions() == ["idea.approved"]
    assert list(selectors.moderation_queue()["submitted"]) == []
    run_worker()
    assert Notification.objects.filter(kind=kinds.IDEA_ASSIGNED.key, recipient=staff).exists()


def test_only_the_call_s_agency_or_the_operator_approves(moderated_call, people, refused):
    idea = _submit(people["resident"], call=moderated_call)
    _other, other_staff = agency_with_member()
    for outsider in (people["resident"], other_staff, people["expert"], AnonymousUser()):
        with refused(Forbidden):
            services.idea_approve(actor=outsider, idea=idea)
    services.idea_approve(actor=people["operator"], idea=idea)
    with refused(Conflict, code="wrong_status"):
        services.idea_approve(actor=people["operator"], idea=idea)


def test_a_post_moderated_call_publishes_at_once(agency, people):
    call = CallFactory(agency=agency, moderation=Moderation.POST)
    assert _submit(people["resident"], call=call).status == IdeaStatus.PUBLISHED


# --- reports ----------------------------------------------------------------------------------


def test_a_person_reports_an_idea_once(refused):
    idea, reporter = IdeaFactory(), UserFactory()
    watch = AuditWatch()
    report = services.report_create(actor=reporter, idea=idea, reason=ReportReason.SPAM, note="  Реклама  ")
    assert (report.reason, report.note, report.resolved_at) == (ReportReason.SPAM, "Реклама", None)
    assert watch.actions() == ["content.reported"]
    with refused(Conflict, code="already_reported"):
        services.report_create(actor=reporter, idea=idea, reason=ReportReason.ABUSE)
    idea.refresh_from_db()
    assert idea.report_count == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(idea=idea, reporter=reporter, reason=ReportReason.OTHER)


def test_a_report_names_one_thing_and_a_listed_reason(refused):
    idea = IdeaFactory()
    comment = CommentFactory(idea=idea)
    reporter = UserFactory()
    with refused(ServiceError):
        services.report_create(actor=reporter, idea=idea, comment=comment, reason=ReportReason.SPAM)
    with refused(ServiceError):
        services.report_create(actor=reporter, reason=ReportReason.SPAM)
    with refused(ServiceError, field="reason"):
        services.report_create(actor=reporter, idea=idea, reason="boring")
    with refused(Forbidden):
        services.report_create(actor=AnonymousUser(), idea=idea, reason=ReportReason.SPAM)


def test_enough_reports_hide_an_idea_until_a_moderator_looks(settings, run_worker, django_capture_on_commit_callbacks):
    settings.GOVTECH_AUTO_HIDE_REPORTS = 2
    idea = IdeaFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_create(actor=UserFactory(), idea=idea, reason=ReportReason.SPAM)
        idea.refresh_from_db()
        assert not idea.is_hidden
        services.report_create(actor=UserFactory(), idea=idea, reason=ReportReason.ABUSE)
    idea.refresh_from_db()
    assert idea.is_hidden and idea.hidden_reason
    assert idea.report_count == 2
    assert list(selectors.moderation_queue()["ideas"]) == [idea]
    assert [r.reason for r in selectors.moderation_queue()["ideas"][0].open_reports] == ["spam", "abuse"]
    # It keeps its place (the page shows the notice instead of it) and takes no votes or comments.
    assert _sees(UserFactory(), idea)
    with pytest.raises(Conflict):
        services.vote_add(actor=UserFactory(), idea=idea)
    run_worker()
    hidden = Notification.objects.get(kind=kinds.CONTENT_HIDDEN.key)
    assert hidden.recipient == idea.author
    assert hidden.params == {"idea": idea.title, "reason": idea.hidden_reason}


def test_enough_reports_hide_a_comment(settings, run_worker, django_capture_on_commit_callbacks):
    settings.GOVTECH_AUTO_HIDE_REPORTS = 2
    comment = CommentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        for reporter in UserFactory.create_batch(2):
            services.report_create(actor=reporter, comment=comment, reason=ReportReason.ABUSE)
    comment.refresh_from_db()
    assert comment.is_hidden and comment.report_count == 2
    assert list(selectors.moderation_queue()["comments"]) == [comment]
    run_worker()
    assert Notification.objects.get(kind=kinds.CONTENT_HIDDEN.key).recipient == comment.author


def test_after_a_restore_only_new_reports_count(settings, people):
    settings.GOVTECH_AUTO_HIDE_REPORTS = 2
    idea = IdeaFactory()
    for reporter in UserFactory.create_batch(2):
        services.report_create(actor=reporter, idea=idea, reason=ReportReason.SPAM)
    services.content_restore(actor=people["operator"], target=idea)
    idea.refresh_from_db()
    assert not idea.is_hidden
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    assert list(selectors.moderation_queue()["ideas"]) == []
    # One person cannot hide again what a moderator found fine; two new reports can.
    services.report_create(actor=UserFactory(), idea=idea, reason=ReportReason.SPAM)
    idea.refresh_from_db()
    assert not idea.is_hidden
    services.report_create(actor=UserFactory(), idea=idea, reason=ReportReason.SPAM)
    idea.refresh_from_db()
    assert idea.is_hidden


# --- hiding and restoring ---------------------------------------------------------------------


def test_a_moderator_hides_with_a_reason_and_closes_the_reports(
    people, refused, run_worker, django_capture_on_commit_callbacks
):
    idea = IdeaFactory()
    services.report_create(actor=UserFactory(), idea=idea, reason=ReportReason.PERSONAL_DATA)
    for reason in ("", "   "):
        with refused(ServiceError, field="reason"):
            services.content_hide(actor=people["operator"], target=idea, reason=reason)
    watch = AuditWatch()
    with django_capture_on_commit_callbacks(execute=True):
        services.content_hide(actor=people["operator"], target=idea, reason="  Телефон и адрес человека ")
    idea.refresh_from_db()
    assert (idea.is_hidden, idea.hidden_reason) == (True, "Телефон и адрес человека")
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    assert watch.actions() == ["content.hidden"]
    with refused(Conflict, code="already_hidden"):
        services.content_hide(actor=people["operator"], target=idea, reason="Ещё раз")
    run_worker()
    assert Notification.objects.get(kind=kinds.CONTENT_HIDDEN.key).params["reason"] == "Телефон и адрес человека"


def test_a_moderator_restores_hidden_content(people, refused):
    comment = CommentFactory()
    services.content_hide(actor=people["operator"], target=comment, reason="Оскорбления")
    watch = AuditWatch()
    services.content_restore(actor=people["operator"], target=comment)
    comment.refresh_from_db()
    assert (comment.is_hidden, comment.hidden_reason) == (False, "")
    assert watch.actions() == ["content.restored"]
    with refused(Conflict, code="nothing_to_review"):
        services.content_restore(actor=people["operator"], target=comment)


def test_restoring_reported_but_visible_content_closes_its_reports(people):
    idea = IdeaFactory()
    services.report_create(actor=UserFactory(), idea=idea, reason=ReportReason.OFF_TOPIC)
    services.content_restore(actor=people["operator"], target=idea)
    assert Report.objects.get().resolved_at is not None


def test_the_call_s_agency_moderates_its_call_and_nothing_else(agency, people, refused):
    staff = UserFactory()
    MembershipFactory(user=staff, organization=agency)
    in_call = IdeaFactory(call=CallFactory(agency=agency))
    in_call_comment = CommentFactory(idea=in_call)
    open_idea = IdeaFactory(agency=agency)  # answered by the agency, moderated by the operator
    other_call_idea = IdeaFactory(call=CallFactory())
    for target in (open_idea, CommentFactory(idea=open_idea), other_call_idea):
        with refused(Forbidden):
            services.content_hide(actor=staff, target=target, reason="Не по теме")
    _other, other_staff = agency_with_member()
    for outsider in (other_staff, people["resident"], people["expert"], in_call.author):
        with refused(Forbidden):
            services.content_hide(actor=outsider, target=in_call, reason="Не по теме")
    services.content_hide(actor=staff, target=in_call, reason="Не по теме")
    services.content_hide(actor=staff, target=in_call_comment, reason="Реклама")
    services.content_restore(actor=staff, target=in_call)
    services.content_hide(actor=people["operator"], target=open_idea, reason="Спам")
    in_call.refresh_from_db()
    open_idea.refresh_from_db()
    in_call_comment.refresh_from_db()
    assert (in_call.is_hidden, in_call_comment.is_hidden, open_idea.is_hidden) == (False, True, True)


def test_only_the_operator_sees_the_moderation_queue(people, agency):
    assert people["operator"].has_perm("participation.view_moderation_queue")
    for role in ("resident", "agency_admin", "expert", "supplier_admin"):
        assert not people[role].has_perm("participation.view_moderation_queue")


# --- comments: the edit window and repeats --------------------------------------------------------


def test_a_comment_is_editable_for_a_short_window(settings, clock, refused):
    settings.GOVTECH_COMMENT_EDIT_MINUTES = 15
    idea, author = IdeaFactory(), UserFactory()
    comment = services.comment_add(actor=author, idea=idea, text="Поддерживаю идею")
    clock.shift(timedelta(minutes=14))
    watch = AuditWatch()
    edited = services.comment_edit(actor=author, comment=comment, text="  Полностью поддерживаю идею ")
    assert (edited.text, edited.edited_at) == ("Полностью поддерживаю идею", T0 + timedelta(minutes=14))
    assert watch.actions() == ["comment.edited"]
    with refused(Forbidden):
        services.comment_edit(actor=UserFactory(), comment=comment, text="Чужая правка")
    with refused(ServiceError, field="text"):
        services.comment_edit(actor=author, comment=comment, text="  ")
    clock.shift(timedelta(minutes=1, seconds=1))
    with refused(Conflict, code="edit_window_closed"):
        services.comment_edit(actor=author, comment=comment, text="Поздняя правка")


def test_a_hidden_comment_cannot_be_edited(clock, people, refused):
    author = UserFactory()
    comment = services.comment_add(actor=author, idea=IdeaFactory(), text="Грубость")
    services.content_hide(actor=people["operator"], target=comment, reason="Оскорбления")
    with refused(Conflict, code="edit_window_closed"):
        services.comment_edit(actor=author, comment=comment, text="Вежливо")


def test_the_same_comment_twice_in_a_day_is_refused(clock, refused):
    author = UserFactory()
    first, second = IdeaFactory(), IdeaFactory()
    services.comment_add(actor=author, idea=first, text="Отличная идея!")
    for idea in (first, second):
        with refused(Conflict, code="duplicate"):
            services.comment_add(actor=author, idea=idea, text="  Отличная идея!  ")
    services.comment_add(actor=UserFactory(), idea=first, text="Отличная идея!")  # someone else may
    clock.shift(timedelta(days=1, seconds=1))
    services.comment_add(actor=author, idea=second, text="Отличная идея!")
    assert Comment.objects.filter(text="Отличная идея!").count() == 3


# --- rate limits and repeated ideas ----------------------------------------------------------------


def test_too_many_ideas_in_an_hour_are_refused(settings, clock, refused):
    settings.GOVTECH_IDEAS_PER_HOUR = 2
    author = UserFactory()
    _submit(author, 1)
    _submit(author, 2)
    with refused(ServiceError, code="rate_limited"):
        _submit(author, 3)
    _submit(UserFactory(), 3)  # the limit is per account
    clock.shift(timedelta(hours=1))
    _submit(author, 3)
    assert Idea.objects.filter(author=author).count() == 3


def test_refused_proposals_do_not_use_up_the_hour(settings, clock, refused):
    settings.GOVTECH_IDEAS_PER_HOUR = 2
    author = UserFactory()
    for _attempt in range(3):
        with refused(ServiceError, field="title"):
            _submit(author, title="Лес")
    _submit(author, 1)
    _submit(author, 2)
    assert Idea.objects.filter(author=author).count() == 2


def test_too_many_comments_in_an_hour_are_refused(settings, clock, refused):
    settings.GOVTECH_COMMENTS_PER_HOUR = 2
    author, idea = UserFactory(), IdeaFactory()
    services.comment_add(actor=author, idea=idea, text="Первый")
    services.comment_add(actor=author, idea=idea, text="Второй")
    with refused(ServiceError, code="rate_limited"):
        services.comment_add(actor=author, idea=idea, text="Третий")
    clock.shift(timedelta(hours=1))
    services.comment_add(actor=author, idea=idea, text="Третий")


def test_the_same_idea_twice_from_one_account_is_refused(clock, refused):
    author = UserFactory()
    _submit(author, title="Фонтан в сквере", text="Поставить фонтан.")
    with refused(Conflict, code="duplicate"):
        # Other forms of the same words, other case and punctuation: the same idea.
        _submit(author, title="фонтаны в скверах!", text="Поставить ФОНТАН")
    _submit(UserFactory(), title="Фонтан в сквере", text="Поставить фонтан.")  # someone else may
    _submit(author, title="Фонтан в парке", text="Поставить фонтан.")  # a different idea
    clock.shift(timedelta(days=1, seconds=1))
    _submit(author, title="Фонтан в сквере", text="Поставить фонтан.")
    assert Idea.objects.filter(author=author).count() == 3
