"""Every write of residents' participation. Each function checks the actor's permission, runs in
one transaction, records an audit event and notifies people after commit."""

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govtech.accounts.models import Organization, OrganizationKind
from govtech.accounts.selectors import member_ids
from govtech.core import audit
from govtech.core.errors import Conflict, ServiceError, reject_unknown_fields
from govtech.core.permissions import require_perm
from govtech.core.stemming import stem_string
from govtech.core.text import unique_slug
from govtech.core.uploads import IMAGE, UploadValidator
from govtech.funnel import services as funnel
from govtech.funnel.models import Origin
from govtech.notifications import services as notifications
from govtech.participation import notification_kinds as kinds
from govtech.participation.models import (
    Call,
    Comment,
    District,
    Idea,
    IdeaFile,
    IdeaStatus,
    Milestone,
    Moderation,
    Participant,
    PointsEntry,
    PointsKind,
    Report,
    StatusChange,
    Story,
    StoryTemplate,
    Vote,
)

CALL_FIELDS = ["title", "question", "topic", "district", "opens_at", "closes_at", "moderation", "support_threshold"]
IDEA_FIELDS = ["title", "text", "topic", "district", "call", "latitude", "longitude"]
POINTS = {
    PointsKind.IDEA_PUBLISHED: 10,
    PointsKind.VOTE_RECEIVED: 1,
    PointsKind.IDEA_ACCEPTED: 50,
    PointsKind.STORY_SHARED: 5,
}

# The official answer: from each status, where an agency may take an idea (merging needs a target,
# rejecting a reason). Accepting creates the idea's initiative in the funnel.
ANSWERS = {
    IdeaStatus.PUBLISHED: {IdeaStatus.UNDER_REVIEW, IdeaStatus.ACCEPTED, IdeaStatus.REJECTED, IdeaStatus.MERGED},
    IdeaStatus.UNDER_REVIEW: {IdeaStatus.ACCEPTED, IdeaStatus.REJECTED, IdeaStatus.MERGED},
    IdeaStatus.ACCEPTED: {IdeaStatus.IN_PROGRESS},
    IdeaStatus.IN_PROGRESS: {IdeaStatus.IMPLEMENTED},
}
VOTABLE = {IdeaStatus.PUBLISHED, IdeaStatus.UNDER_REVIEW, IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS}


def answers_from(status: str) -> list[str]:
    return [choice for choice in IdeaStatus.values if choice in ANSWERS.get(status, set())]


# --- small shared pieces ------------------------------------------------------------


def _rate_limit(actor, action: str, limit: int, period: dt.timedelta) -> None:
    """At most ``limit`` of ``action`` per account in ``period`` (a cache counter per window)."""
    window = int(timezone.now().timestamp() // period.total_seconds())
    key = f"participation:{action}:{actor.pk}:{window}"
    cache.add(key, 0, timeout=int(period.total_seconds()) + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=int(period.total_seconds()) + 60)
        count = 1
    if count > limit:
        raise ServiceError(_("You are doing this too often. Please wait a little and try again."), code="rate_limited")


def _award(user_id: int, kind: str, key: str) -> None:
    """Once per event: the unique constraint makes a repeat a no-op, in one statement."""
    PointsEntry.objects.bulk_create(
        [PointsEntry(user_id=user_id, kind=kind, key=key, points=POINTS[kind])], ignore_conflicts=True
    )


def _take_back(user_id: int, kind: str, key: str) -> None:
    PointsEntry.objects.filter(user_id=user_id, kind=kind, key=key).delete()


def _check_agency(agency) -> None:
    if not isinstance(agency, Organization) or agency.kind != OrganizationKind.AGENCY:
        raise ServiceError(_("Choose a city agency."), field="agency")


def _locked_idea(idea: Idea) -> Idea:
    return Idea.objects.select_for_update(of=("self",)).select_related("call", "agency").get(pk=idea.pk)


def _locked_idea_row(idea: Idea) -> Idea:
    """The idea row alone, locked: what a vote needs (its call is read only when it has one)."""
    return Idea.objects.select_for_update().get(pk=idea.pk)


def _validated(instance, *, exclude=()) -> None:
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            field, messages = next(iter(exc.message_dict.items()))
            raise ServiceError(" ".join(messages), field=field) from exc
        raise ServiceError(" ".join(exc.messages)) from exc


# --- calls for ideas -------------------------------------------------------------------


@transaction.atomic
def call_create(*, actor, agency: Organization, title: str, **fields) -> Call:
    """An agency asks residents a question on a topic, for a period."""
    require_perm(actor, "participation.manage_call", agency)
    _check_agency(agency)
    reject_unknown_fields(fields, CALL_FIELDS)
    call = Call(agency=agency, title=(title or "").strip(), created_by=actor, **fields)
    call.slug = unique_slug(Call, title, "call", reserved=frozenset({"new"}))
    _validated(call)
    call.save()
    audit.record(actor=actor, action="call.created", target=call, after=audit.snapshot(call, ["agency", *CALL_FIELDS]))
    return call


@transaction.atomic
def call_update(*, actor, call: Call, **fields) -> Call:
    require_perm(actor, "participation.manage_call", call.agency)
    reject_unknown_fields(fields, CALL_FIELDS)
    call = Call.objects.select_for_update().get(pk=call.pk)
    before = audit.snapshot(call, CALL_FIELDS)
    for name, value in fields.items():
        setattr(call, name, value.strip() if isinstance(value, str) else value)
    _validated(call)
    call.save()
    audit.record(
        actor=actor, action="call.updated", target=call, before=before, after=audit.snapshot(call, CALL_FIELDS)
    )
    return call


# --- ideas -------------------------------------------------------------------------------


def _check_files(files) -> list:
    validator = UploadValidator("document")
    checked = []
    for upload in files or []:
        try:
            validator(upload)
        except ValidationError as exc:
            raise ServiceError(" ".join(exc.messages), field="files") from exc
        checked.append(upload)
    if len(checked) > settings.GOVTECH_IDEA_MAX_FILES:
        raise ServiceError(
            _("Attach at most %(count)s files.") % {"count": settings.GOVTECH_IDEA_MAX_FILES}, field="files"
        )
    return checked


def _is_image(upload) -> bool:
    return upload.name.rsplit(".", 1)[-1].lower() in IMAGE.extensions


def _refuse_duplicate(actor, stems: str) -> None:
    """The same text twice from one account within a day is a repeat, not a new idea."""
    since = timezone.now() - dt.timedelta(days=1)
    if stems and Idea.objects.filter(author=actor, search_stems=stems, created_at__gte=since).exists():
        raise Conflict(_("You have already proposed this idea."), code="duplicate")


@transaction.atomic
def idea_submit(
    *,
    actor,
    title: str,
    text: str,
    topic: str,
    district: District | None = None,
    call: Call | None = None,
    files=(),
    **fields,
) -> Idea:
    """A resident proposes an idea, openly under a category or answering an open call. It is
    published at once, or after a moderator's look when the call is pre-moderated."""
    require_perm(actor, "participation.submit_idea")
    reject_unknown_fields(fields, ["latitude", "longitude"])
    if (fields.get("latitude") is None) != (fields.get("longitude") is None):
        raise ServiceError(_("Give both coordinates of the point, or none."), field="latitude")
    if call is not None and not call.is_open():
        raise Conflict(_("This call for ideas is not open now."), code="call_closed")
    checked = _check_files(files)
    idea = Idea(
        title=(title or "").strip(),
        text=(text or "").strip(),
        topic=topic,
        district=district or (call.district if call else None),
        call=call,
        author=actor,
        agency=call.agency if call else None,
        **fields,
    )
    idea.search_stems = stem_string(f"{idea.title} {idea.text}")
    _validated(idea, exclude=["author"])
    _refuse_duplicate(actor, idea.search_stems)
    # Counted last, so that a proposal refused for its content does not use up the hour.
    _rate_limit(actor, "idea", settings.GOVTECH_IDEAS_PER_HOUR, dt.timedelta(hours=1))
    pre_moderated = call is not None and call.moderation == Moderation.PRE
    idea.status = IdeaStatus.SUBMITTED if pre_moderated else IdeaStatus.PUBLISHED
    idea.save()
    for upload in checked:
        IdeaFile.objects.create(idea=idea, title=upload.name[:200], file=upload, is_image=_is_image(upload))
    audit.record(
        actor=actor, action="idea.submitted", target=idea, after=audit.snapshot(idea, [*IDEA_FIELDS, "status"])
    )
    if not pre_moderated:
        _publish(idea)
    return idea


def _publish(idea: Idea) -> None:
    now = timezone.now()
    idea.status, idea.published_at = IdeaStatus.PUBLISHED, now
    idea.answer_due_at = now + dt.timedelta(days=settings.GOVTECH_IDEA_ANSWER_DAYS)
    idea.save(update_fields=["status", "published_at", "answer_due_at", "updated_at"])
    _award(idea.author_id, PointsKind.IDEA_PUBLISHED, f"idea:{idea.pk}")
    if idea.agency_id:
        notifications.notify(
            kind=kinds.IDEA_ASSIGNED.key,
            recipient_ids=member_ids(idea.agency_id),
            params={"idea": idea.title},
            url=idea.get_absolute_url(),
        )


@transaction.atomic
def idea_approve(*, actor, idea: Idea) -> Idea:
    """A moderator publishes an idea waiting for pre-moderation."""
    require_perm(actor, "participation.moderate", idea)
    idea = _locked_idea(idea)
    if idea.status != IdeaStatus.SUBMITTED:
        raise Conflict(_("This idea is already published."), code="wrong_status")
    _publish(idea)
    audit.record(actor=actor, action="idea.approved", target=idea, after={"status": idea.status})
    return idea


@transaction.atomic
def idea_assign_agency(*, actor, idea: Idea, agency: Organization) -> Idea:
    """The operator names the agency that answers an idea proposed outside any call."""
    require_perm(actor, "participation.assign_agency", idea)
    _check_agency(agency)
    idea = _locked_idea(idea)
    before = {"agency": idea.agency_id}
    idea.agency = agency
    idea.save(update_fields=["agency", "updated_at"])
    audit.record(actor=actor, action="idea.assigned", target=idea, before=before, after={"agency": agency.pk})
    notifications.notify(
        kind=kinds.IDEA_ASSIGNED.key,
        recipient_ids=member_ids(agency.pk),
        params={"idea": idea.title},
        url=idea.get_absolute_url(),
    )
    return idea


# --- votes --------------------------------------------------------------------------------


def _require_votable(idea: Idea) -> None:
    if idea.status not in VOTABLE or idea.is_hidden:
        raise Conflict(_("This idea does not take votes."), code="not_votable")


@transaction.atomic
def vote_add(*, actor, idea: Idea) -> Idea:
    """One vote per person per idea. The idea row is locked, so the count stays exact however many
    people vote at once; reaching a call's threshold sends the idea to review."""
    require_perm(actor, "participation.vote", idea)
    idea = _locked_idea_row(idea)
    _require_votable(idea)
    # The idea row is locked, so nobody else can add this person's vote between the check and the
    # insert; the unique constraint stays as the last guard.
    if Vote.objects.filter(idea=idea, user=actor).exists():
        raise Conflict(_("You have already supported this idea."), code="already_voted")
    Vote.objects.create(idea=idea, user=actor)
    Idea.objects.filter(pk=idea.pk).update(vote_count=F("vote_count") + 1)
    idea.vote_count += 1
    _award(idea.author_id, PointsKind.VOTE_RECEIVED, f"vote:{idea.pk}:{actor.pk}")
    audit.record(actor=actor, action="idea.voted", target=idea, after={"votes": idea.vote_count})
    _check_threshold(actor, idea)
    return idea


@transaction.atomic
def vote_remove(*, actor, idea: Idea) -> Idea:
    """A person withdraws their vote."""
    require_perm(actor, "participation.vote", idea)
    idea = _locked_idea_row(idea)
    deleted, _details = Vote.objects.filter(idea=idea, user=actor).delete()
    if not deleted:
        raise Conflict(_("You have not supported this idea."), code="not_voted")
    Idea.objects.filter(pk=idea.pk).update(vote_count=F("vote_count") - 1)
    idea.vote_count -= 1
    _take_back(idea.author_id, PointsKind.VOTE_RECEIVED, f"vote:{idea.pk}:{actor.pk}")
    audit.record(actor=actor, action="idea.unvoted", target=idea, after={"votes": idea.vote_count})
    return idea


def _check_threshold(actor, idea: Idea) -> None:
    threshold = idea.call.support_threshold if idea.call_id else None
    if not threshold or idea.vote_count < threshold or idea.status != IdeaStatus.PUBLISHED:
        return
    message = str(
        _("The idea reached %(votes)s votes, the call's support threshold, and goes to the agency for review.")
    ) % {"votes": threshold}
    _change_status(None, idea, IdeaStatus.UNDER_REVIEW, message=message, reason="", agency=idea.agency, is_answer=False)
    notifications.notify(
        kind=kinds.THRESHOLD_REACHED.key,
        recipient_ids=member_ids(idea.agency_id) if idea.agency_id else [],
        params={"idea": idea.title, "votes": threshold},
        url=idea.get_absolute_url(),
    )


# --- comments and reports ------------------------------------------------------------------


@transaction.atomic
def comment_add(*, actor, idea: Idea, text: str, parent: Comment | None = None) -> Comment:
    """Anyone signed in comments on a public idea or replies to a comment."""
    require_perm(actor, "participation.comment", idea)
    idea = _locked_idea(idea)
    if not idea.is_public or idea.is_hidden:
        raise Conflict(_("This idea cannot be commented on."), code="not_commentable")
    if parent is not None and parent.idea_id != idea.pk:
        raise ServiceError(_("Reply to a comment on the same idea."), field="parent")
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("Write the comment."), field="text")
    since = timezone.now() - dt.timedelta(days=1)
    if Comment.objects.filter(author=actor, text=text, created_at__gte=since).exists():
        raise Conflict(_("You have already posted this comment."), code="duplicate")
    comment = Comment(idea=idea, parent=parent, author=actor, text=text)
    _validated(comment, exclude=["idea", "parent", "author"])
    _rate_limit(actor, "comment", settings.GOVTECH_COMMENTS_PER_HOUR, dt.timedelta(hours=1))
    comment.save()
    Idea.objects.filter(pk=idea.pk).update(comment_count=F("comment_count") + 1)
    audit.record(
        actor=actor,
        action="comment.added",
        target=comment,
        after={"idea": idea.pk, "parent": getattr(parent, "pk", None)},
    )
    recipients = {idea.author_id, getattr(parent, "author_id", None)} - {None, actor.pk}
    notifications.notify(
        kind=kinds.COMMENTED.key, recipient_ids=recipients, params={"idea": idea.title}, url=idea.get_absolute_url()
    )
    return comment


@transaction.atomic
def comment_edit(*, actor, comment: Comment, text: str) -> Comment:
    """The author corrects a comment within a short window after posting it."""
    require_perm(actor, "participation.edit_comment", comment)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    window = dt.timedelta(minutes=settings.GOVTECH_COMMENT_EDIT_MINUTES)
    if timezone.now() > comment.created_at + window or comment.is_hidden:
        raise Conflict(
            _("A comment can be edited for %(minutes)s minutes after posting.")
            % {"minutes": settings.GOVTECH_COMMENT_EDIT_MINUTES},
            code="edit_window_closed",
        )
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("Write the comment."), field="text")
    before = {"text": comment.text}
    comment.text, comment.edited_at = text, timezone.now()
    _validated(comment, exclude=["idea", "parent", "author"])
    comment.save()
    audit.record(actor=actor, action="comment.edited", target=comment, before=before, after={"text": comment.text})
    return comment


@transaction.atomic
def report_create(
    *, actor, reason: str, note: str = "", idea: Idea | None = None, comment: Comment | None = None
) -> Report:
    """A person reports an idea or a comment once. After enough reports it is hidden until a
    moderator looks at it."""
    require_perm(actor, "participation.report", idea or comment)
    if (idea is None) == (comment is None):
        raise ServiceError(_("Report either an idea or a comment."))
    target = _locked_idea(idea) if idea else Comment.objects.select_for_update().get(pk=comment.pk)
    report = Report(idea=idea, comment=comment, reporter=actor, reason=reason, note=(note or "").strip())
    _validated(report, exclude=["idea", "comment", "reporter"])
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:
        raise Conflict(_("You have already reported this."), code="already_reported") from exc
    type(target).objects.filter(pk=target.pk).update(report_count=F("report_count") + 1)
    target.report_count += 1
    audit.record(actor=actor, action="content.reported", target=target, after={"reason": reason})
    # Reports a moderator has already resolved do not count again: restored content is hidden
    # again only by enough new reports.
    if not target.is_hidden and _open_reports(target).count() >= settings.GOVTECH_AUTO_HIDE_REPORTS:
        _hide(None, target, str(_("Hidden after several reports, waiting for a moderator.")))
    return report


def _hide(actor, target, reason: str) -> None:
    target.hidden_at, target.hidden_reason = timezone.now(), reason[:300]
    target.save(update_fields=["hidden_at", "hidden_reason", "updated_at"])
    audit.record(actor=actor, action="content.hidden", target=target, after={"reason": target.hidden_reason})
    idea = target if isinstance(target, Idea) else target.idea
    notifications.notify(
        kind=kinds.CONTENT_HIDDEN.key,
        recipient_ids=[target.author_id],
        params={"idea": idea.title, "reason": target.hidden_reason},
        url=idea.get_absolute_url(),
    )


@transaction.atomic
def content_hide(*, actor, target, reason: str) -> None:
    """A moderator hides an idea or a comment; it keeps its place with the reason shown."""
    require_perm(actor, "participation.moderate", target)
    if not (reason or "").strip():
        raise ServiceError(_("Give the reason for hiding."), field="reason")
    target = type(target).objects.select_for_update().get(pk=target.pk)
    if target.is_hidden:
        raise Conflict(_("This is hidden already."), code="already_hidden")
    _hide(actor, target, reason.strip())
    _resolve_reports(target)


@transaction.atomic
def content_restore(*, actor, target) -> None:
    """A moderator finds nothing wrong: the content is shown again and its reports are closed."""
    require_perm(actor, "participation.moderate", target)
    target = type(target).objects.select_for_update().get(pk=target.pk)
    if not target.is_hidden and not _open_reports(target).exists():
        raise Conflict(_("Nothing to review here."), code="nothing_to_review")
    before = {"reason": target.hidden_reason}
    target.hidden_at, target.hidden_reason = None, ""
    target.save(update_fields=["hidden_at", "hidden_reason", "updated_at"])
    _resolve_reports(target)
    audit.record(actor=actor, action="content.restored", target=target, before=before)


def _open_reports(target):
    lookup = {"idea": target} if isinstance(target, Idea) else {"comment": target}
    return Report.objects.filter(resolved_at__isnull=True, **lookup)


def _resolve_reports(target) -> None:
    _open_reports(target).update(resolved_at=timezone.now())


# --- the official answer ---------------------------------------------------------------------


def _change_status(
    actor, idea: Idea, to_status: str, *, message: str, reason: str, agency, merged_into=None, is_answer: bool = True
):
    """Record a status change. Only an agency's answer (``is_answer``) counts as answering the idea:
    a move the platform makes by itself (the support threshold) leaves it waiting for one."""
    now = timezone.now()
    change = StatusChange.objects.create(
        idea=idea,
        from_status=idea.status,
        to_status=to_status,
        message=message,
        reason=reason,
        agency=agency,
        actor=actor,
        created_at=now,
    )
    idea.status = to_status
    if is_answer:
        idea.first_answered_at = idea.first_answered_at or now
        idea.last_answered_at = now
    if merged_into is not None:
        idea.merged_into = merged_into
    idea.save(update_fields=["status", "first_answered_at", "last_answered_at", "merged_into", "updated_at"])
    audit.record(
        actor=actor,
        action="idea.status_changed",
        target=idea,
        before={"status": change.from_status},
        after={"status": to_status, "message": message, "reason": reason},
    )
    params = {"idea": idea.title, "status": to_status}
    exclude = getattr(actor, "pk", None)
    if idea.author_id != exclude:
        notifications.notify(
            kind=kinds.STATUS_CHANGED.key, recipient_ids=[idea.author_id], params=params, url=idea.get_absolute_url()
        )
    notifications.notify_followers(
        kind=kinds.STATUS_CHANGED.key, target=idea, params=params, url=idea.get_absolute_url(), exclude_user_id=exclude
    )
    return change


@transaction.atomic
def idea_answer(*, actor, idea: Idea, to_status: str, message: str, reason: str = "", merged_into: Idea | None = None):
    """The responsible agency answers in public: every change carries a message, a rejection its
    reason, a merge the surviving idea. Accepting puts the idea into the funnel at ``idea``."""
    if to_status == IdeaStatus.MERGED and isinstance(merged_into, Idea):
        # Both rows, in id order, before anything else: two crossing merges never deadlock.
        list(Idea.objects.select_for_update(of=("self",)).filter(pk__in=[idea.pk, merged_into.pk]).order_by("pk"))
    idea_now = _locked_idea(idea)
    require_perm(actor, "participation.answer_idea", idea_now)
    if to_status not in ANSWERS.get(idea_now.status, set()):
        raise ServiceError(
            _("An idea that is «%(status)s» cannot become «%(target)s».")
            % {
                "status": IdeaStatus(idea_now.status).label,
                "target": IdeaStatus(to_status).label if to_status in IdeaStatus.values else to_status,
            },
            field="to_status",
            code="illegal_status",
        )
    if not (message or "").strip():
        raise ServiceError(_("Write the public message to residents."), field="message")
    if to_status == IdeaStatus.REJECTED and not (reason or "").strip():
        raise ServiceError(_("A rejection needs a reason."), field="reason", code="reason_required")
    if to_status == IdeaStatus.ACCEPTED and idea_now.agency_id is None:
        raise ServiceError(_("Assign the responsible agency first."), field="to_status", code="no_agency")
    if to_status == IdeaStatus.MERGED:
        target = _merge_votes(actor, idea_now, merged_into)
    change = _change_status(
        actor,
        idea_now,
        to_status,
        message=message.strip(),
        reason=(reason or "").strip(),
        agency=idea_now.agency,
        merged_into=merged_into if to_status == IdeaStatus.MERGED else None,
    )
    if to_status == IdeaStatus.MERGED:
        _check_threshold(actor, target)
    if to_status == IdeaStatus.ACCEPTED:
        _into_funnel(actor, idea_now)
        _award(idea_now.author_id, PointsKind.IDEA_ACCEPTED, f"idea:{idea_now.pk}")
    return change


def _merge_votes(actor, source: Idea, target: Idea | None) -> Idea:
    """Votes move to the surviving idea; a person who supported both counts once. Both ideas are
    locked already (``idea_answer``). Returns the surviving idea with its new count."""
    if not isinstance(target, Idea) or target.pk == source.pk:
        raise ServiceError(_("Choose the idea this one is merged into."), field="merged_into")
    target = Idea.objects.select_related("call", "agency").get(pk=target.pk)
    if not target.is_public or target.status == IdeaStatus.MERGED or target.is_hidden:
        raise ServiceError(_("Merge into a public idea that is not merged itself."), field="merged_into")
    if not actor.has_perm("participation.answer_idea", target):
        # Votes and points land on the surviving idea: its own agency must be the one merging.
        raise ServiceError(_("Merge into an idea your agency answers."), field="merged_into", code="foreign_idea")
    already = Vote.objects.filter(idea=target).values("user_id")
    moving = list(Vote.objects.filter(idea=source).exclude(user_id__in=already).values_list("user_id", flat=True))
    # Points follow the votes: the surviving idea's author earns those that move.
    for voter_id in Vote.objects.filter(idea=source).values_list("user_id", flat=True):
        _take_back(source.author_id, PointsKind.VOTE_RECEIVED, f"vote:{source.pk}:{voter_id}")
    for voter_id in moving:
        _award(target.author_id, PointsKind.VOTE_RECEIVED, f"vote:{target.pk}:{voter_id}")
    Vote.objects.filter(idea=source, user_id__in=moving).update(idea=target)
    Vote.objects.filter(idea=source).delete()
    Idea.objects.filter(pk=source.pk).update(vote_count=0)
    target.vote_count = Vote.objects.filter(idea=target).count()
    Idea.objects.filter(pk=target.pk).update(vote_count=target.vote_count)
    source.vote_count = 0
    return target


def _into_funnel(actor, idea: Idea) -> None:
    initiative = funnel.initiative_create(
        actor=actor,
        title=idea.title[:200],
        summary=idea.text[:1000],
        topic=idea.topic,
        origin=Origin.RESIDENT_IDEA,
        sponsor=idea.agency,
        origin_type=ContentType.objects.get_for_model(Idea),
        origin_id=str(idea.pk),
        origin_url=settings.SITE_URL.rstrip("/") + idea.get_absolute_url(),
    )
    idea.initiative = initiative
    idea.save(update_fields=["initiative", "updated_at"])


@transaction.atomic
def idea_progress(*, actor, idea: Idea, progress: int) -> Idea:
    """The agency reports how far an accepted idea's implementation has got."""
    idea = _locked_idea(idea)
    require_perm(actor, "participation.answer_idea", idea)
    if idea.status not in (IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS, IdeaStatus.IMPLEMENTED):
        raise Conflict(_("Progress is reported for accepted ideas."), code="wrong_status")
    if not isinstance(progress, int) or isinstance(progress, bool) or not 0 <= progress <= 100:
        raise ServiceError(_("Progress is a whole number from 0 to 100."), field="progress")
    before = {"progress": idea.progress}
    idea.progress = progress
    idea.save(update_fields=["progress", "updated_at"])
    audit.record(actor=actor, action="idea.progress", target=idea, before=before, after={"progress": progress})
    return idea


@transaction.atomic
def milestone_add(*, actor, idea: Idea, title: str, due_on: dt.date | None = None) -> Milestone:
    idea = _locked_idea(idea)
    require_perm(actor, "participation.answer_idea", idea)
    if idea.status not in (IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS):
        raise Conflict(_("Milestones are planned for accepted ideas."), code="wrong_status")
    milestone = Milestone(idea=idea, title=(title or "").strip(), due_on=due_on)
    _validated(milestone, exclude=["idea"])
    milestone.save()
    audit.record(actor=actor, action="idea.milestone_added", target=idea, after={"milestone": milestone.title})
    return milestone


@transaction.atomic
def milestone_done(*, actor, milestone: Milestone, done_on: dt.date | None = None) -> Milestone:
    require_perm(actor, "participation.answer_idea", milestone.idea)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    milestone.done_on = done_on or timezone.localdate()
    milestone.save(update_fields=["done_on"])
    audit.record(actor=actor, action="idea.milestone_done", target=milestone.idea, after={"milestone": milestone.title})
    return milestone


# --- stories and the leaderboard ------------------------------------------------------------


def _subset(values, allowed, field: str) -> list[str]:
    if isinstance(values, str) or not isinstance(values, list | tuple | set):
        raise ServiceError(_("Choose from the list."), field=field)
    chosen = [str(value) for value in values]
    if set(chosen) - set(allowed):
        raise ServiceError(_("Choose from the list."), field=field)
    return [value for value in allowed if value in chosen]


@transaction.atomic
def story_submit(
    *,
    actor,
    template: StoryTemplate,
    what_happened: str,
    experience: int,
    outcome: str,
    consent: bool,
    tags=(),
    involved=(),
    free_text: str = "",
    anonymous: bool = True,
    district: District | None = None,
    happened_on: dt.date | None = None,
) -> Story:
    """A resident shares a structured experience story; it is published only with consent."""
    require_perm(actor, "participation.submit_story", template)
    if not template.is_active:
        raise Conflict(_("This template no longer collects stories."), code="template_closed")
    if consent is not True:
        raise ServiceError(_("A story is published and analysed only with your consent."), field="consent")
    if outcome not in template.outcomes:
        raise ServiceError(_("Choose from the list."), field="outcome")
    if happened_on and happened_on > timezone.localdate():
        raise ServiceError(_("The date cannot be in the future."), field="happened_on")
    story = Story(
        template=template,
        author=actor,
        district=district,
        what_happened=(what_happened or "").strip(),
        experience=experience,
        tags=_subset(tags, template.tags, "tags"),
        involved=_subset(involved, template.involved, "involved"),
        outcome=outcome,
        free_text=(free_text or "").strip(),
        consent=True,
        anonymous=bool(anonymous),
        happened_on=happened_on,
    )
    _validated(story, exclude=["template", "author"])
    _rate_limit(actor, "story", settings.GOVTECH_IDEAS_PER_HOUR, dt.timedelta(hours=1))
    story.save()
    _award(actor.pk, PointsKind.STORY_SHARED, f"story:{story.pk}")
    audit.record(actor=actor, action="story.submitted", target=story, after={"template": template.key})
    return story


@transaction.atomic
def leaderboard_choice(*, actor, show: bool) -> Participant:
    """A person decides whether their name and points appear on the public leaderboard."""
    require_perm(actor, "participation.manage_own")
    participant, _created = Participant.objects.select_for_update().get_or_create(user=actor)
    before = {"on_leaderboard": participant.on_leaderboard}
    participant.on_leaderboard = bool(show)
    participant.save()
    audit.record(
        actor=actor,
        action="participant.leaderboard",
        target=participant,
        before=before,
        after={"on_leaderboard": participant.on_leaderboard},
    )
    return participant
