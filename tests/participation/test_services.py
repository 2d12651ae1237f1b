"""The participation services not covered by their own files: calls for ideas, proposing an idea,
assigning it, comments, implementation progress and milestones, and the lists' query counts.

The official answer is in test_status_matrix.py, votes in test_votes.py (and test_concurrency.py),
similar ideas in test_similar.py, moderation and spam protection in test_moderation.py, the
accountability figures in test_accountability.py, stories in test_stories.py, points in
test_points.py."""

import datetime as dt
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.paginator import Paginator
from django.utils import timezone

from govtech.core.errors import Conflict, Forbidden, ServiceError
from govtech.core.stemming import stem_string
from govtech.funnel.models import Topic
from govtech.notifications.models import Notification
from govtech.participation import notification_kinds as kinds
from govtech.participation import selectors, services
from govtech.participation.models import (
    Idea,
    IdeaFile,
    IdeaStatus,
    Milestone,
    Moderation,
    PointsKind,
)
from govtech.participation.selectors import IdeaFilters, Sort
from tests.factories import SupplierFactory, UserFactory
from tests.participation.factories import CallFactory, CommentFactory, DistrictFactory, IdeaFactory, OkrugFactory
from tests.participation.helpers import AuditWatch, agency_with_member, participation_state

pytestmark = pytest.mark.django_db

TINY_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TINY_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


@pytest.fixture
def refused(refused_checker):
    return refused_checker(participation_state)


def _submit(actor=None, **fields) -> Idea:
    defaults = {"title": "Скамейки у пруда", "text": "Поставить скамейки вдоль пруда.", "topic": Topic.HOUSING}
    return services.idea_submit(actor=actor or UserFactory(), **{**defaults, **fields})


def _call_fields(**overrides) -> dict:
    now = timezone.now()
    return {
        "title": "  Как сделать дворы удобнее  ",
        "question": "Что поменять в вашем дворе?",
        "topic": Topic.HOUSING,
        "opens_at": now,
        "closes_at": now + timedelta(days=30),
        **overrides,
    }


# --- calls for ideas -------------------------------------------------------------------------


def test_an_agency_member_asks_a_question(people, agency):
    watch = AuditWatch()
    call = services.call_create(
        actor=people["agency_admin"], agency=agency, moderation=Moderation.PRE, support_threshold=50, **_call_fields()
    )
    assert (call.title, call.agency, call.created_by) == ("Как сделать дворы удобнее", agency, people["agency_admin"])
    assert call.slug and call.is_open()
    assert (call.moderation, call.support_threshold) == (Moderation.PRE, 50)
    assert watch.actions() == ["call.created"]
    second = services.call_create(actor=people["operator"], agency=agency, **_call_fields())
    assert second.slug != call.slug


@pytest.mark.parametrize("role", ["anonymous", "resident", "supplier_admin", "expert"])
def test_only_the_agency_or_the_operator_asks(role, people, agency, refused):
    with refused(Forbidden):
        services.call_create(actor=people[role], agency=agency, **_call_fields())


def test_a_member_of_another_agency_cannot_ask_for_this_one(agency, refused):
    _other, member = agency_with_member()
    with refused(Forbidden):
        services.call_create(actor=member, agency=agency, **_call_fields())


def test_a_call_belongs_to_an_agency(people, refused):
    with refused(ServiceError, field="agency"):
        services.call_create(actor=people["operator"], agency=SupplierFactory(), **_call_fields())


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": "Дворы"},  # too short
        {"topic": "astrology"},
        {"closes_at": timezone.now() - timedelta(days=1)},
        {"support_threshold": 0},
        {"slug": "chosen"},  # not a field a caller sets
    ],
)
def test_a_call_with_bad_fields_is_refused(overrides, people, agency, refused):
    with refused(ServiceError):
        services.call_create(actor=people["agency_admin"], agency=agency, **_call_fields(**overrides))


def test_the_agency_edits_its_call(people, agency, refused):
    call = CallFactory(agency=agency)
    services.call_update(actor=people["agency_admin"], call=call, title="  Новый вопрос о транспорте ")
    call.refresh_from_db()
    assert call.title == "Новый вопрос о транспорте"
    _other, stranger = agency_with_member()
    with refused(Forbidden):
        services.call_update(actor=stranger, call=call, title="Чужой вопрос о транспорте")
    with refused(ServiceError):
        services.call_update(actor=people["agency_admin"], call=call, agency=SupplierFactory())


# --- proposing an idea -------------------------------------------------------------------------


def test_an_open_idea_is_published_at_once(settings, django_capture_on_commit_callbacks):
    author = UserFactory()
    watch = AuditWatch()
    with django_capture_on_commit_callbacks() as callbacks:
        idea = _submit(author, title="  Скамейки у пруда ", text=" Поставить скамейки. ")
    assert (idea.title, idea.text, idea.status) == ("Скамейки у пруда", "Поставить скамейки.", IdeaStatus.PUBLISHED)
    assert idea.agency is None and idea.call is None
    assert idea.answer_due_at == idea.published_at + timedelta(days=settings.GOVTECH_IDEA_ANSWER_DAYS)
    assert idea.search_stems == stem_string("Скамейки у пруда Поставить скамейки.")
    assert list(author.points.values_list("kind", "points")) == [(PointsKind.IDEA_PUBLISHED, 10)]
    assert watch.actions() == ["idea.submitted"]
    assert callbacks == []  # no agency to tell yet


def test_an_idea_in_a_call_goes_to_the_call_s_agency(agency, people, run_worker, django_capture_on_commit_callbacks):
    district = DistrictFactory()
    call = CallFactory(agency=agency, district=district)
    with django_capture_on_commit_callbacks(execute=True):
        idea = _submit(call=call)
    assert (idea.agency, idea.district, idea.status) == (agency, district, IdeaStatus.PUBLISHED)
    run_worker()
    assert Notification.objects.filter(kind=kinds.IDEA_ASSIGNED.key, recipient=people["agency_admin"]).exists()
    # A district the resident names wins over the call's.
    own = DistrictFactory()
    assert _submit(call=call, district=own, title="Ещё одна идея для дворов").district == own


def test_a_closed_or_future_call_takes_no_ideas(agency, refused):
    now = timezone.now()
    closed = CallFactory(agency=agency, opens_at=now - timedelta(days=10), closes_at=now - timedelta(seconds=1))
    future = CallFactory(agency=agency, opens_at=now + timedelta(days=1))
    for call in (closed, future):
        with refused(Conflict, code="call_closed"):
            _submit(call=call)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"title": "Лес"}, "title"),
        ({"title": "   "}, "title"),
        ({"text": ""}, "text"),
        ({"text": "а" * 10_001}, "text"),
        ({"topic": "astrology"}, "topic"),
        ({"latitude": Decimal("55.75")}, "latitude"),
        ({"latitude": Decimal("95"), "longitude": Decimal("37.6")}, "latitude"),
        ({"latitude": Decimal("55.75"), "longitude": Decimal("190")}, "longitude"),
    ],
)
def test_an_idea_with_bad_fields_is_refused(fields, field, refused):
    author = UserFactory()
    with refused(ServiceError, field=field):
        _submit(author, **fields)


def test_an_idea_takes_only_its_own_fields(refused):
    with refused(ServiceError):
        _submit(status=IdeaStatus.ACCEPTED)


def test_a_point_on_the_map_is_kept():
    idea = _submit(latitude=Decimal("55.75222"), longitude=Decimal("37.61556"))
    idea.refresh_from_db()
    assert (idea.latitude, idea.longitude) == (Decimal("55.75222"), Decimal("37.61556"))


@pytest.mark.parametrize("actor", [None, AnonymousUser()])
def test_only_signed_in_people_propose(actor, refused):
    with refused(Forbidden):
        services.idea_submit(actor=actor, title="Скамейки у пруда", text="Поставить.", topic=Topic.HOUSING)


def test_images_and_pdfs_are_attached():
    idea = _submit(
        files=[
            SimpleUploadedFile("plan.pdf", TINY_PDF, content_type="application/pdf"),
            SimpleUploadedFile("photo.PNG", TINY_PNG, content_type="image/png"),
        ]
    )
    files = list(IdeaFile.objects.filter(idea=idea).values_list("title", "is_image"))
    assert files == [("plan.pdf", False), ("photo.PNG", True)]


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
        SimpleUploadedFile("script.exe", TINY_PDF, content_type="application/octet-stream"),
    ],
)
def test_a_file_not_what_its_name_says_is_refused(upload, refused):
    with refused(ServiceError, field="files"):
        _submit(files=[upload])


def test_too_many_or_too_large_files_are_refused(settings, refused):
    settings.GOVTECH_IDEA_MAX_FILES = 2
    three = [SimpleUploadedFile(f"p{n}.pdf", TINY_PDF, content_type="application/pdf") for n in range(3)]
    with refused(ServiceError, field="files"):
        _submit(files=three)
    settings.GOVTECH_UPLOAD_MAX_BYTES = 10
    with refused(ServiceError, field="files"):
        _submit(files=three[:1])


def test_the_operator_assigns_an_open_idea_to_an_agency(
    people, agency, refused, run_worker, django_capture_on_commit_callbacks
):
    idea = IdeaFactory()
    assert list(selectors.unassigned_ideas()) == [idea]
    with refused(Forbidden):
        services.idea_assign_agency(actor=people["agency_admin"], idea=idea, agency=agency)
    with refused(ServiceError, field="agency"):
        services.idea_assign_agency(actor=people["operator"], idea=idea, agency=SupplierFactory())
    with django_capture_on_commit_callbacks(execute=True):
        services.idea_assign_agency(actor=people["operator"], idea=idea, agency=agency)
    idea.refresh_from_db()
    assert idea.agency == agency
    assert list(selectors.unassigned_ideas()) == []
    assert list(selectors.agency_inbox(agency_ids=[agency.pk])) == [idea]
    run_worker()
    assert Notification.objects.filter(kind=kinds.IDEA_ASSIGNED.key, recipient=people["agency_admin"]).count() == 1


def test_the_agency_inbox_puts_the_most_overdue_first_and_drops_answered_ones(people, agency):
    now = timezone.now()
    later = IdeaFactory(agency=agency, answer_due_at=now + timedelta(days=20))
    overdue = IdeaFactory(agency=agency, answer_due_at=now - timedelta(days=2))
    IdeaFactory(agency=agency, first_answered_at=now)
    IdeaFactory(agency=agency, status=IdeaStatus.SUBMITTED, published_at=None)
    IdeaFactory()  # another agency's, or nobody's
    assert list(selectors.agency_inbox(agency_ids=[agency.pk])) == [overdue, later]


# --- comments --------------------------------------------------------------------------------------


def test_comments_and_replies_reach_the_idea_author_and_the_parent_author(
    run_worker, django_capture_on_commit_callbacks
):
    idea = IdeaFactory()
    first, second = UserFactory(), UserFactory()
    watch = AuditWatch()
    with django_capture_on_commit_callbacks(execute=True):
        top = services.comment_add(actor=first, idea=idea, text="  Поддерживаю!  ")
        reply = services.comment_add(actor=second, idea=idea, text="Согласен.", parent=top)
        services.comment_add(actor=idea.author, idea=idea, text="Спасибо всем.", parent=reply)
    assert top.text == "Поддерживаю!"
    idea.refresh_from_db()
    assert idea.comment_count == 3
    assert watch.actions() == ["comment.added"] * 3
    run_worker()
    told = sorted(Notification.objects.filter(kind=kinds.COMMENTED.key).values_list("recipient_id", flat=True))
    # The author hears of the two comments by others; the parents' authors of the replies to them.
    assert told == sorted([idea.author_id, idea.author_id, first.pk, second.pk])


def test_comments_come_in_thread_order():
    idea = IdeaFactory()
    a = CommentFactory(idea=idea)
    b = CommentFactory(idea=idea)
    a1 = CommentFactory(idea=idea, parent=a)
    a1x = CommentFactory(idea=idea, parent=a1)
    b1 = CommentFactory(idea=idea, parent=b)
    a2 = CommentFactory(idea=idea, parent=a)
    ordered = selectors.idea_comments(idea)
    assert [(c.pk, c.depth) for c in ordered] == [
        (a.pk, 0),
        (a1.pk, 1),
        (a1x.pk, 2),
        (a2.pk, 1),
        (b.pk, 0),
        (b1.pk, 1),
    ]


def test_a_reply_belongs_to_the_same_idea(refused):
    idea, other = IdeaFactory(), IdeaFactory()
    parent = CommentFactory(idea=other)
    with refused(ServiceError, field="parent"):
        services.comment_add(actor=UserFactory(), idea=idea, text="Ответ.", parent=parent)


@pytest.mark.parametrize("text", ["", "   ", "к" * 3001])
def test_an_empty_or_too_long_comment_is_refused(text, refused):
    idea, author = IdeaFactory(), UserFactory()
    with refused(ServiceError, field="text"):
        services.comment_add(actor=author, idea=idea, text=text)


def test_hidden_or_unpublished_ideas_take_no_comments(refused):
    hidden = IdeaFactory(hidden_at=timezone.now(), hidden_reason="Спам")
    waiting = IdeaFactory(status=IdeaStatus.SUBMITTED, published_at=None)
    for idea in (hidden, waiting):
        with refused(Conflict, code="not_commentable"):
            services.comment_add(actor=idea.author, idea=idea, text="Комментарий.")


@pytest.mark.parametrize("actor", [None, AnonymousUser()])
def test_only_signed_in_people_comment(actor, refused):
    idea = IdeaFactory()
    with refused(Forbidden):
        services.comment_add(actor=actor, idea=idea, text="Комментарий.")


# --- implementation progress ---------------------------------------------------------------------


def test_the_agency_reports_progress_and_milestones_of_an_accepted_idea(people, agency, refused):
    owner = people["agency_admin"]
    idea = IdeaFactory(agency=agency, status=IdeaStatus.ACCEPTED)
    services.idea_progress(actor=owner, idea=idea, progress=40)
    first = services.milestone_add(actor=owner, idea=idea, title=" Проект ", due_on=dt.date(2026, 6, 1))
    second = services.milestone_add(actor=owner, idea=idea, title="Стройка", due_on=dt.date(2026, 9, 1))
    services.milestone_done(actor=owner, milestone=first, done_on=dt.date(2026, 5, 30))
    idea.refresh_from_db()
    assert idea.progress == 40
    assert list(Milestone.objects.filter(idea=idea).values_list("title", "done_on")) == [
        ("Проект", dt.date(2026, 5, 30)),
        ("Стройка", None),
    ]
    _other, stranger = agency_with_member()
    with refused(Forbidden):
        services.idea_progress(actor=stranger, idea=idea, progress=90)
    with refused(Forbidden):
        services.milestone_add(actor=stranger, idea=idea, title="Чужой этап")
    with refused(Forbidden):
        services.milestone_done(actor=people["resident"], milestone=second)
    for bad in (101, -1, "50", 40.5, True, None):
        with refused(ServiceError, field="progress"):
            services.idea_progress(actor=owner, idea=idea, progress=bad)
    with refused(ServiceError, field="title"):
        services.milestone_add(actor=owner, idea=idea, title="  ")


@pytest.mark.parametrize("status", [IdeaStatus.PUBLISHED, IdeaStatus.UNDER_REVIEW, IdeaStatus.REJECTED])
def test_progress_is_for_accepted_ideas_only(status, people, agency, refused):
    idea = IdeaFactory(agency=agency, status=status)
    with refused(Conflict, code="wrong_status"):
        services.idea_progress(actor=people["agency_admin"], idea=idea, progress=10)
    with refused(Conflict, code="wrong_status"):
        services.milestone_add(actor=people["agency_admin"], idea=idea, title="Этап")


# --- lists ------------------------------------------------------------------------------------------


def _many_ideas(count: int, *, start: int, calls, districts, agencies, authors) -> None:
    """``count`` ideas in one insert, spread over calls, districts, agencies, statuses and ages."""
    now = timezone.now()
    statuses = [IdeaStatus.PUBLISHED, IdeaStatus.UNDER_REVIEW, IdeaStatus.ACCEPTED, IdeaStatus.REJECTED]
    ideas = []
    for n in range(start, start + count):
        published_at = now - timedelta(hours=n + 1)
        answered = n % 3 == 0
        ideas.append(
            Idea(
                title=f"Парковка у дома {n}",
                text="Нужна парковка во дворе.",
                topic=Topic.TRANSPORT if n % 2 else Topic.HOUSING,
                district=districts[n % len(districts)],
                call=calls[n % len(calls)],
                agency=agencies[n % len(agencies)],
                author=authors[n % len(authors)],
                status=statuses[n % len(statuses)],
                vote_count=n % 17,
                published_at=published_at,
                answer_due_at=published_at + timedelta(days=30),
                first_answered_at=published_at + timedelta(days=1) if answered else None,
                last_answered_at=published_at + timedelta(days=2) if answered else None,
                search_stems=stem_string(f"Парковка у дома {n} Нужна парковка во дворе."),
            )
        )
    Idea.objects.bulk_create(ideas)


LIST_CASES = [
    *[IdeaFilters(sort=sort) for sort in Sort.CHOICES],
    *[IdeaFilters(sort=sort, query="парковки во дворе") for sort in Sort.CHOICES],
    IdeaFilters(status=IdeaStatus.PUBLISHED, topic=Topic.HOUSING, sort=Sort.SUPPORTED),
    "district",
    "call",
    "agency",
]


@pytest.mark.parametrize("case", range(len(LIST_CASES)))
def test_the_idea_list_takes_the_same_queries_for_10_and_500_ideas(case, people, django_assert_num_queries):
    okrug = OkrugFactory()
    districts = [DistrictFactory(parent=okrug), DistrictFactory(parent=okrug), DistrictFactory()]
    agencies = [agency_with_member()[0] for _ in range(3)]
    calls = [None, CallFactory(agency=agencies[0]), CallFactory(agency=agencies[1])]
    authors = UserFactory.create_batch(3)
    filters = LIST_CASES[case]
    if filters == "district":
        filters = IdeaFilters(district=okrug.pk)
    elif filters == "call":
        filters = IdeaFilters(call=calls[1].pk, sort=Sort.TRENDING)
    elif filters == "agency":
        filters = IdeaFilters(agency=agencies[0].pk, sort=Sort.ANSWERED)
    viewer = people["resident"]
    spread = {"calls": calls, "districts": districts, "agencies": agencies, "authors": authors}

    def first_page() -> None:
        page = Paginator(selectors.idea_list(actor=viewer, filters=filters), 20).get_page(1)
        rows = [(idea.title, idea.district and idea.district.name, idea.call and idea.call.title) for idea in page]
        rows += [idea.agency and idea.agency.name for idea in page]
        selectors.voted_ids(actor=viewer, ideas=page)
        assert rows

    # The count, the page with its district, call and agency, the person's votes on it.
    _many_ideas(10, start=0, **spread)
    with django_assert_num_queries(3):
        first_page()
    _many_ideas(490, start=10, **spread)
    assert Idea.objects.count() == 500
    with django_assert_num_queries(3):
        first_page()


def test_each_sort_orders_as_it_says(people):
    now = timezone.now()
    old_popular = IdeaFactory(title="Старая популярная", vote_count=40, published_at=now - timedelta(days=60))
    fresh = IdeaFactory(title="Свежая", vote_count=5, published_at=now - timedelta(hours=2))
    middle = IdeaFactory(
        title="Отвеченная",
        vote_count=10,
        published_at=now - timedelta(days=5),
        status=IdeaStatus.UNDER_REVIEW,
        first_answered_at=now - timedelta(days=3),
        last_answered_at=now - timedelta(days=1),
    )
    ancient = IdeaFactory(title="Древняя", vote_count=100, published_at=now - timedelta(days=200))
    answered_long_ago = IdeaFactory(
        title="Давно отвеченная",
        vote_count=1,
        published_at=now - timedelta(days=100),
        status=IdeaStatus.REJECTED,
        first_answered_at=now - timedelta(days=90),
        last_answered_at=now - timedelta(days=90),
    )

    def titles(sort: str) -> list[str]:
        return [idea.title for idea in selectors.idea_list(actor=people["resident"], filters=IdeaFilters(sort=sort))]

    assert titles(Sort.NEWEST) == [i.title for i in (fresh, middle, old_popular, answered_long_ago, ancient)]
    assert titles(Sort.SUPPORTED) == [i.title for i in (ancient, old_popular, middle, fresh, answered_long_ago)]
    assert titles(Sort.ANSWERED) == [middle.title, answered_long_ago.title]
    # Recent support counts more; ideas older than 90 days leave the trending list.
    assert titles(Sort.TRENDING) == [fresh.title, middle.title, old_popular.title]
    trend = {
        idea.title: idea.trend
        for idea in selectors.idea_list(actor=people["resident"], filters=IdeaFilters(sort=Sort.TRENDING))
    }
    assert trend[fresh.title] == pytest.approx(5 / (2 / 24 + 2) ** 1.5, rel=1e-3)
    assert trend[old_popular.title] == pytest.approx(40 / 62**1.5, rel=1e-3)


def test_the_list_filters_combine(people):
    okrug = OkrugFactory()
    inside, outside = DistrictFactory(parent=okrug), DistrictFactory()
    call = CallFactory()
    match = IdeaFactory(district=inside, topic=Topic.HEALTH, call=call, status=IdeaStatus.ACCEPTED)
    IdeaFactory(district=outside, topic=Topic.HEALTH, call=call, status=IdeaStatus.ACCEPTED)
    IdeaFactory(district=inside, topic=Topic.HOUSING, call=call, status=IdeaStatus.ACCEPTED)
    IdeaFactory(district=inside, topic=Topic.HEALTH, status=IdeaStatus.ACCEPTED)
    IdeaFactory(district=inside, topic=Topic.HEALTH, call=call, status=IdeaStatus.REJECTED)
    filters = IdeaFilters(district=okrug.pk, topic=Topic.HEALTH, call=call.pk, status=IdeaStatus.ACCEPTED)
    assert list(selectors.idea_list(actor=people["resident"], filters=filters)) == [match]
    # A district alone, not its area, narrows to it.
    assert match in selectors.idea_list(actor=people["resident"], filters=IdeaFilters(district=inside.pk))
    assert selectors.idea_list(actor=people["resident"], filters=IdeaFilters(district=outside.pk)).count() == 1
