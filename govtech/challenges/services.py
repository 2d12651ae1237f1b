"""Every write of the challenge platform. Each function checks the actor's permission, runs in
one transaction, records an audit event and notifies people after commit. Windows and
deadlines are read from the server clock at the moment of the call."""

import datetime as dt
import hashlib
import itertools
import json
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.defaultfilters import date as format_date
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govtech.accounts.models import Organization, OrganizationKind
from govtech.accounts.selectors import member_ids, operator_ids
from govtech.challenges import notification_kinds as kinds
from govtech.challenges.aggregation import panel_results
from govtech.challenges.models import (
    Assignment,
    Attachment,
    Challenge,
    ChallengeDocument,
    ChallengeStatus,
    ConsultationSlot,
    Criterion,
    Declaration,
    Indicator,
    Phase,
    Question,
    Receipt,
    ReviewCycle,
    Score,
    Submission,
    SubmissionStatus,
)
from govtech.core import audit
from govtech.core.errors import Conflict, ServiceError, reject_unknown_fields
from govtech.core.permissions import require_perm
from govtech.core.text import unique_slug
from govtech.funnel import services as funnel
from govtech.funnel.models import Origin
from govtech.notifications import services as notifications

CHALLENGE_FIELDS = [
    "title",
    "summary",
    "problem",
    "goals",
    "topic",
    "allow_legal_entities",
    "allow_individuals",
    "sme_only",
    "max_company_age_years",
    "licence",
    "licence_notes",
    "contact_name",
    "contact_email",
    "questions_close_at",
    "min_experts",
    "disagreement_spread",
]
PHASE_FIELDS = [
    "name",
    "kind",
    "mode",
    "cycle_days",
    "opens_at",
    "closes_at",
    "advance_cap",
    "funding_per_participant",
    "deliverables",
]
CRITERION_FIELDS = ["name", "description", "weight", "scale_max"]
INDICATOR_FIELDS = ["metric", "unit", "baseline", "target"]
SECTION_FIELDS = ["title", "summary", "approach", "team", "plan", "budget"]
REMINDER_BEFORE = dt.timedelta(hours=48)
KOPECK = Decimal("0.01")


def _snapshot(challenge: Challenge) -> dict:
    return audit.snapshot(challenge, ["owner", "status", *CHALLENGE_FIELDS])


def _participant_ids(challenge: Challenge) -> list[int]:
    """Everyone taking part: members of suppliers that submitted, booked a slot or asked a question."""
    suppliers = set(Submission.objects.filter(phase__challenge=challenge).values_list("supplier_id", flat=True))
    suppliers |= set(
        ConsultationSlot.objects.filter(challenge=challenge, booked_by__isnull=False).values_list(
            "booked_by_id", flat=True
        )
    )
    askers = set(
        Question.objects.filter(challenge=challenge, asked_by__isnull=False).values_list("asked_by_id", flat=True)
    )
    return sorted(set(member_ids(*suppliers)) | askers)


def _tell_participants(challenge: Challenge, *, kind, params: dict, url: str, actor) -> None:
    notifications.notify(
        kind=kind.key,
        recipient_ids=[pk for pk in _participant_ids(challenge) if pk != actor.pk],
        params=params,
        url=url,
    )
    notifications.notify_followers(kind=kind.key, target=challenge, params=params, url=url, exclude_user_id=actor.pk)


def _locked(challenge: Challenge) -> Challenge:
    return Challenge.objects.select_for_update(of=("self",)).select_related("owner").get(pk=challenge.pk)


def _require_status(challenge: Challenge, *allowed, message=None) -> None:
    if challenge.status not in allowed:
        raise Conflict(
            message
            or _("Not possible while the challenge is «%(status)s».")
            % {"status": ChallengeStatus(challenge.status).label},
            code="wrong_status",
        )


def _require_editable(challenge: Challenge) -> None:
    _require_status(
        challenge,
        *[ChallengeStatus.DRAFT, ChallengeStatus.CHANGES_REQUESTED],
        message=_("A challenge can be changed only as a draft or when changes are requested."),
    )


def _number(value, field: str) -> Decimal:
    if isinstance(value, bool):
        raise ServiceError(_("Enter a number."), field=field)
    try:
        number = Decimal(str(value).strip().replace(",", ".").replace(" ", ""))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ServiceError(_("Enter a number."), field=field) from exc
    if not number.is_finite():
        raise ServiceError(_("Enter a number."), field=field)
    return number


# --- challenges ----------------------------------------------------------------


@transaction.atomic
def challenge_create(*, actor, owner: Organization, title: str, **fields) -> Challenge:
    """A member of an agency (or the operator) drafts a challenge for that agency."""
    require_perm(actor, "challenges.add_challenge", owner)
    if not isinstance(owner, Organization) or owner.kind != OrganizationKind.AGENCY:
        raise ServiceError(_("A challenge belongs to a city agency."), field="owner")
    reject_unknown_fields(fields, CHALLENGE_FIELDS)
    challenge = Challenge(owner=owner, title=title.strip(), created_by=actor, **fields)
    challenge.slug = unique_slug(Challenge, title, "challenge", reserved=RESERVED_SLUGS)
    challenge.full_clean()
    challenge.save()
    audit.record(actor=actor, action="challenge.created", target=challenge, after=_snapshot(challenge))
    return challenge


# Words the challenge URLs use themselves.
RESERVED_SLUGS = frozenset({"new", "mine", "review", "evaluations", "submissions", "assignments"})


@transaction.atomic
def challenge_update(*, actor, challenge: Challenge, **fields) -> Challenge:
    """The owner edits a draft, or a challenge returned for changes."""
    require_perm(actor, "challenges.change_challenge", challenge)
    reject_unknown_fields(fields, CHALLENGE_FIELDS)
    challenge = _locked(challenge)
    _require_editable(challenge)
    before = _snapshot(challenge)
    for name, value in fields.items():
        setattr(challenge, name, value.strip() if isinstance(value, str) else value)
    challenge.full_clean()
    challenge.save()
    audit.record(actor=actor, action="challenge.updated", target=challenge, before=before, after=_snapshot(challenge))
    return challenge


def _clean_rows(rows, fields: list[str], field: str) -> list[dict]:
    if not isinstance(rows, list | tuple):
        raise ServiceError(_("Send a list."), field=field)
    cleaned = []
    for row in rows:
        if not isinstance(row, dict):
            raise ServiceError(_("Send a list."), field=field)
        reject_unknown_fields(row, fields)
        cleaned.append(dict(row))
    return cleaned


def _validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items())
    return " ".join(exc.messages)


def _full_clean(instance, *, field: str, exclude=("challenge",)) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_constraints=False)
    except ValidationError as exc:
        raise ServiceError(_validation_message(exc), field=field) from exc


def check_phase_dates(phases: list[Phase]) -> None:
    """Phases follow each other: each opens no earlier than the previous one closes."""
    for earlier, later in itertools.pairwise(phases):
        if later.opens_at < earlier.closes_at:
            raise ServiceError(
                _("Phase %(later)s opens before phase %(earlier)s closes; phase dates must not overlap.")
                % {"later": later.number, "earlier": earlier.number},
                field="phases",
                code="phases_overlap",
            )


def _replace_rows(actor, challenge: Challenge, related_name: str, built: list, fields: list[str]) -> list:
    """Swap a challenge's phases, criteria or indicators for the checked new list, on the record."""
    related = getattr(challenge, related_name)
    before = audit.to_json_value(list(related.values(*fields)))
    related.all().delete()
    related.model.objects.bulk_create(built)
    audit.record(
        actor=actor,
        action=f"challenge.{related_name}_set",
        target=challenge,
        before={related_name: before},
        after={related_name: audit.to_json_value([audit.snapshot(row, fields) for row in built])},
    )
    return list(related.all())


@transaction.atomic
def challenge_set_phases(*, actor, challenge: Challenge, phases) -> list[Phase]:
    """The owner replaces the phases of an editable challenge, in order; dates may not overlap."""
    require_perm(actor, "challenges.change_challenge", challenge)
    challenge = _locked(challenge)
    _require_editable(challenge)
    rows = _clean_rows(phases, PHASE_FIELDS, "phases")
    if not rows:
        raise ServiceError(_("A challenge has at least one phase."), field="phases")
    built = []
    for number, row in enumerate(rows, start=1):
        for name in ("opens_at", "closes_at"):
            if isinstance(row.get(name), dt.datetime) and timezone.is_naive(row[name]):
                row[name] = timezone.make_aware(row[name])
        phase = Phase(challenge=challenge, number=number, **row)
        _full_clean(phase, field="phases")
        built.append(phase)
    check_phase_dates(built)
    return _replace_rows(actor, challenge, "phases", built, PHASE_FIELDS)


@transaction.atomic
def challenge_set_criteria(*, actor, challenge: Challenge, criteria) -> list[Criterion]:
    """The owner sets the evaluation criteria; they are fixed once the challenge goes to review."""
    require_perm(actor, "challenges.change_challenge", challenge)
    challenge = _locked(challenge)
    _require_editable(challenge)
    built = []
    for row in _clean_rows(criteria, CRITERION_FIELDS, "criteria"):
        criterion = Criterion(challenge=challenge, **row)
        _full_clean(criterion, field="criteria")
        built.append(criterion)
    return _replace_rows(actor, challenge, "criteria", built, CRITERION_FIELDS)


@transaction.atomic
def challenge_set_indicators(*, actor, challenge: Challenge, indicators) -> list[Indicator]:
    """The owner states the measurable goals: metric, unit, baseline and target."""
    require_perm(actor, "challenges.change_challenge", challenge)
    challenge = _locked(challenge)
    _require_editable(challenge)
    built = []
    for row in _clean_rows(indicators, INDICATOR_FIELDS, "indicators"):
        for name in ("baseline", "target"):
            row[name] = _number(row.get(name), "indicators")
        indicator = Indicator(challenge=challenge, **row)
        _full_clean(indicator, field="indicators")
        built.append(indicator)
    return _replace_rows(actor, challenge, "indicators", built, INDICATOR_FIELDS)


@transaction.atomic
def document_add(*, actor, challenge: Challenge, title: str, file) -> ChallengeDocument:
    """The owner attaches terms, data or drawings to an editable challenge."""
    require_perm(actor, "challenges.change_challenge", challenge)
    challenge = _locked(challenge)
    _require_editable(challenge)
    document = ChallengeDocument(
        challenge=challenge, title=(title or getattr(file, "name", "")).strip()[:200], file=file
    )
    _full_clean(document, field="file")
    document.save()
    audit.record(actor=actor, action="challenge.document_added", target=challenge, after={"document": document.title})
    return document


@transaction.atomic
def document_remove(*, actor, document: ChallengeDocument) -> None:
    require_perm(actor, "challenges.change_challenge", document.challenge)
    _require_editable(_locked(document.challenge))
    audit.record(
        actor=actor, action="challenge.document_removed", target=document.challenge, before={"document": document.title}
    )
    document.delete()


def readiness_problems(challenge: Challenge) -> list[str]:
    """What still stops a challenge from going to review (empty when it is ready)."""
    problems = []
    phases = list(challenge.phases.order_by("number"))
    criteria = list(challenge.criteria.all())
    if not phases:
        problems.append(str(_("Add at least one phase.")))
    if not criteria:
        problems.append(str(_("Add the evaluation criteria.")))
    elif sum(criterion.weight for criterion in criteria) != 100:
        problems.append(
            str(_("The criteria weights add up to %(total)s; they must add up to 100."))
            % {"total": sum(criterion.weight for criterion in criteria)}
        )
    if phases and phases[0].closes_at <= timezone.now():
        problems.append(str(_("The first phase has already closed; move its dates.")))
    try:
        check_phase_dates(phases)
    except ServiceError as exc:
        problems.append(str(exc.message))
    if challenge.questions_close_at and phases and challenge.questions_close_at > phases[0].closes_at:
        problems.append(str(_("Questions must close no later than the first phase.")))
    return problems


def _require_ready(challenge: Challenge) -> None:
    problems = readiness_problems(challenge)
    if problems:
        raise ServiceError(" ".join(problems), code="not_ready")


@transaction.atomic
def challenge_submit_for_review(*, actor, challenge: Challenge) -> Challenge:
    """The owner sends a complete draft to the operator; the criteria are fixed from now on."""
    require_perm(actor, "challenges.change_challenge", challenge)
    challenge = _locked(challenge)
    _require_editable(challenge)
    _require_ready(challenge)
    return _set_status(
        actor, challenge, ChallengeStatus.IN_REVIEW, notify_ids=operator_ids(), kind=kinds.REVIEW_REQUESTED
    )


@transaction.atomic
def challenge_request_changes(*, actor, challenge: Challenge, note: str) -> Challenge:
    """The operator returns a challenge to its owner, saying what to change."""
    require_perm(actor, "challenges.review_challenge", challenge)
    if not (note or "").strip():
        raise ServiceError(_("Say what should change."), field="note")
    challenge = _locked(challenge)
    _require_status(challenge, ChallengeStatus.IN_REVIEW)
    challenge.review_note = note.strip()
    return _set_status(
        actor,
        challenge,
        ChallengeStatus.CHANGES_REQUESTED,
        notify_ids=member_ids(challenge.owner_id),
        kind=kinds.REVIEWED,
        extra={"outcome": ChallengeStatus.CHANGES_REQUESTED.value},
    )


@transaction.atomic
def challenge_publish(*, actor, challenge: Challenge) -> Challenge:
    """The operator publishes a reviewed challenge; reminders before each deadline are queued."""
    require_perm(actor, "challenges.review_challenge", challenge)
    challenge = _locked(challenge)
    _require_status(challenge, ChallengeStatus.IN_REVIEW)
    _require_ready(challenge)
    challenge.published_at = timezone.now()
    challenge.review_note = ""
    challenge = _set_status(
        actor,
        challenge,
        ChallengeStatus.PUBLISHED,
        notify_ids=member_ids(challenge.owner_id),
        kind=kinds.REVIEWED,
        extra={"outcome": ChallengeStatus.PUBLISHED.value},
    )
    for phase in challenge.phases.all():
        _schedule_reminder(phase)
    return challenge


def _schedule_reminder(phase: Phase) -> None:
    from govtech.challenges.tasks import deadline_reminder_task

    run_after = phase.closes_at - REMINDER_BEFORE
    phase_id = phase.pk
    transaction.on_commit(
        lambda: deadline_reminder_task.using(run_after=max(run_after, timezone.now())).enqueue(phase_id=phase_id)
    )


@transaction.atomic
def challenge_start_evaluation(*, actor, challenge: Challenge) -> Challenge:
    """Once the last phase has closed, the owner or operator moves the challenge to evaluation."""
    require_perm(actor, "challenges.decide", challenge)
    challenge = _locked(challenge)
    _require_status(challenge, ChallengeStatus.PUBLISHED)
    last = challenge.phases.order_by("-number").first()
    if last is None or timezone.now() < last.closes_at:
        raise Conflict(_("The last phase is still open for submissions."), code="phase_open")
    if challenge.phases.filter(number__lt=last.number, results_published_at__isnull=True).exists():
        raise Conflict(_("Publish the results of the earlier phases first."), code="earlier_phase_open")
    return _set_status(actor, challenge, ChallengeStatus.EVALUATION)


@transaction.atomic
def challenge_close(*, actor, challenge: Challenge) -> Challenge:
    """A decided challenge is closed when its work is handed over."""
    require_perm(actor, "challenges.decide", challenge)
    challenge = _locked(challenge)
    _require_status(challenge, ChallengeStatus.DECIDED)
    return _set_status(actor, challenge, ChallengeStatus.CLOSED)


@transaction.atomic
def challenge_cancel(*, actor, challenge: Challenge, reason: str) -> Challenge:
    """The owner or operator cancels a challenge that is not decided yet, with a public reason."""
    require_perm(actor, "challenges.decide", challenge)
    if not (reason or "").strip():
        raise ServiceError(_("Give the reason for cancelling."), field="reason")
    challenge = _locked(challenge)
    _require_status(
        challenge,
        ChallengeStatus.DRAFT,
        ChallengeStatus.IN_REVIEW,
        ChallengeStatus.CHANGES_REQUESTED,
        ChallengeStatus.PUBLISHED,
        ChallengeStatus.EVALUATION,
    )
    challenge.cancel_reason = reason.strip()
    challenge = _set_status(actor, challenge, ChallengeStatus.CANCELLED)
    if challenge.is_public:
        _tell_participants(
            challenge,
            kind=kinds.REVIEWED,
            params={"challenge": challenge.title, "outcome": ChallengeStatus.CANCELLED.value},
            url=challenge.get_absolute_url(),
            actor=actor,
        )
    return challenge


def _set_status(actor, challenge: Challenge, status: str, *, notify_ids=(), kind=None, extra=None) -> Challenge:
    before = challenge.status
    challenge.status = status
    challenge.save()
    audit.record(
        actor=actor,
        action=f"challenge.{status}",
        target=challenge,
        before={"status": before},
        after={"status": status, "review_note": challenge.review_note, "cancel_reason": challenge.cancel_reason},
    )
    recipients = [pk for pk in notify_ids if pk != actor.pk]
    if kind and recipients:
        notifications.notify(
            kind=kind.key,
            recipient_ids=recipients,
            params={"challenge": challenge.title, **(extra or {})},
            url=challenge.get_absolute_url(),
        )
    return challenge


# --- questions and consultations -------------------------------------------------


@transaction.atomic
def question_ask(*, actor, challenge: Challenge, text: str) -> Question:
    """A supplier asks during the question window; the owner is told, nobody else sees it yet."""
    require_perm(actor, "challenges.ask_question", challenge)
    challenge = _locked(challenge)
    if not challenge.questions_open():
        raise Conflict(_("Questions are not accepted for this challenge now."), code="questions_closed")
    question = Question(challenge=challenge, text=(text or "").strip(), asked_by=actor)
    _full_clean(question, field="text", exclude=("challenge", "asked_by"))
    question.save()
    audit.record(actor=actor, action="question.asked", target=question, after={"challenge": challenge.pk})
    notifications.notify(
        kind=kinds.QUESTION_ASKED.key,
        recipient_ids=member_ids(challenge.owner_id),
        params={"challenge": challenge.title},
        url=challenge.get_absolute_url() + "#questions",
    )
    return question


@transaction.atomic
def question_answer(*, actor, question: Question, answer: str) -> Question:
    """The owner answers; the question and answer are published to everyone, without the asker."""
    require_perm(actor, "challenges.answer_question", question.challenge)
    if not (answer or "").strip():
        raise ServiceError(_("Write the answer."), field="answer")
    question = Question.objects.select_for_update(of=("self",)).select_related("challenge").get(pk=question.pk)
    challenge = question.challenge
    if not challenge.is_public or challenge.status == ChallengeStatus.CANCELLED:
        raise Conflict(_("Questions are answered while the challenge runs."), code="wrong_status")
    before = {"answer": question.answer}
    first_answer = not question.is_answered
    question.answer, question.answered_by, question.answered_at = answer.strip(), actor, timezone.now()
    question.save()
    audit.record(
        actor=actor, action="question.answered", target=question, before=before, after={"answer": question.answer}
    )
    if first_answer:
        _tell_participants(
            challenge,
            kind=kinds.QUESTION_ANSWERED,
            params={"challenge": challenge.title},
            url=challenge.get_absolute_url() + "#questions",
            actor=actor,
        )
    return question


@transaction.atomic
def slot_create(*, actor, challenge: Challenge, starts_at: dt.datetime, place: str, duration_minutes: int = 30):
    """The owner offers a consultation time in the future."""
    require_perm(actor, "challenges.manage_slots", challenge)
    challenge = _locked(challenge)
    _require_status(
        challenge,
        ChallengeStatus.DRAFT,
        ChallengeStatus.CHANGES_REQUESTED,
        ChallengeStatus.IN_REVIEW,
        ChallengeStatus.PUBLISHED,
    )
    if starts_at is None or starts_at <= timezone.now():
        raise ServiceError(_("A consultation must start in the future."), field="starts_at")
    slot = ConsultationSlot(
        challenge=challenge, starts_at=starts_at, place=(place or "").strip(), duration_minutes=duration_minutes
    )
    _full_clean(slot, field="place", exclude=("challenge", "booked_by", "booked_by_user"))
    slot.save()
    audit.record(
        actor=actor, action="slot.created", target=slot, after=audit.snapshot(slot, ["challenge", "starts_at", "place"])
    )
    return slot


@transaction.atomic
def slot_delete(*, actor, slot: ConsultationSlot) -> None:
    """The owner withdraws a slot nobody has booked."""
    require_perm(actor, "challenges.manage_slots", slot.challenge)
    slot = ConsultationSlot.objects.select_for_update().get(pk=slot.pk)
    if slot.is_booked:
        raise Conflict(_("This slot is booked; ask the supplier to cancel first."), code="slot_booked")
    audit.record(
        actor=actor, action="slot.deleted", target=slot, before=audit.snapshot(slot, ["challenge", "starts_at"])
    )
    slot.delete()


@transaction.atomic
def slot_book(*, actor, slot: ConsultationSlot, supplier: Organization) -> ConsultationSlot:
    """A supplier books one free future slot per challenge, while the challenge is open."""
    require_perm(actor, "challenges.act_for_supplier", supplier)
    slot = ConsultationSlot.objects.select_for_update(of=("self",)).select_related("challenge").get(pk=slot.pk)
    if slot.challenge.status != ChallengeStatus.PUBLISHED:
        raise Conflict(_("Consultations are booked while the challenge is published."), code="wrong_status")
    if slot.starts_at <= timezone.now():
        raise Conflict(_("This consultation has already started."), code="slot_past")
    if slot.is_booked:
        raise Conflict(_("Somebody has booked this slot already."), code="slot_booked")
    if ConsultationSlot.objects.filter(challenge=slot.challenge, booked_by=supplier).exists():
        raise Conflict(_("Your organization already holds a consultation for this challenge."), code="slot_held")
    slot.booked_by, slot.booked_by_user, slot.booked_at = supplier, actor, timezone.now()
    try:
        with transaction.atomic():
            slot.save()
    except IntegrityError as exc:
        raise Conflict(
            _("Your organization already holds a consultation for this challenge."), code="slot_held"
        ) from exc
    audit.record(actor=actor, action="slot.booked", target=slot, after={"supplier": supplier.pk})
    return slot


@transaction.atomic
def slot_cancel_booking(*, actor, slot: ConsultationSlot) -> ConsultationSlot:
    """The supplier that booked a slot frees it again before it starts."""
    require_perm(actor, "challenges.ask_question", slot.challenge)  # some supplier's staff, before anything is said
    slot = ConsultationSlot.objects.select_for_update(of=("self",)).select_related("booked_by").get(pk=slot.pk)
    if not slot.is_booked:
        raise Conflict(_("This slot is not booked."), code="slot_free")
    require_perm(actor, "challenges.act_for_supplier", slot.booked_by)
    if slot.starts_at <= timezone.now():
        raise Conflict(_("This consultation has already started."), code="slot_past")
    audit.record(actor=actor, action="slot.cancelled", target=slot, before={"supplier": slot.booked_by_id})
    slot.booked_by = slot.booked_by_user = slot.booked_at = None
    slot.save()
    return slot


# --- submissions -------------------------------------------------------------------


def eligibility_problems(challenge: Challenge, supplier: Organization, today: dt.date | None = None) -> list[str]:
    """Why a supplier may not take part (empty when it may). A 12-digit INN is a sole proprietor."""
    today = today or timezone.localdate()
    problems = []
    is_individual = len(supplier.inn or "") == 12
    if is_individual and not challenge.allow_individuals:
        problems.append(str(_("This challenge is open to legal entities only.")))
    if not is_individual and not challenge.allow_legal_entities:
        problems.append(str(_("This challenge is open to individual entrepreneurs only.")))
    if challenge.sme_only and not supplier.is_sme:
        problems.append(str(_("This challenge is open to small and medium-sized enterprises only.")))
    if challenge.max_company_age_years:
        limit = challenge.max_company_age_years
        if supplier.founded_on is None:
            problems.append(str(_("Give your organization's founding date: the company age is limited.")))
        elif today > _anniversary(supplier.founded_on, limit):
            problems.append(
                str(_("Companies older than %(years)s years cannot take part in this challenge.")) % {"years": limit}
            )
    return problems


def _anniversary(start: dt.date, years: int) -> dt.date:
    """The day a company founded on ``start`` turns ``years`` old; until then it is not older."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # founded on 29 February
        return start.replace(year=start.year + years, day=28)


def is_invited(phase: Phase, supplier: Organization) -> bool:
    """Later phases are open only to suppliers advanced from the phase before."""
    if phase.number == 1:
        return True
    return Submission.objects.filter(
        phase__challenge_id=phase.challenge_id,
        phase__number=phase.number - 1,
        supplier=supplier,
        status=SubmissionStatus.ADVANCED,
    ).exists()


def _late_message(deadline: dt.datetime) -> str:
    return str(_("The deadline was %(deadline)s (server time); submissions are no longer accepted.")) % {
        "deadline": format_date(timezone.localtime(deadline), "DATETIME_FORMAT")
    }


def _current_cycle(phase: Phase, now: dt.datetime) -> ReviewCycle:
    number = phase.cycle_number_at(now)
    starts_at, ends_at = phase.cycle_bounds(number)
    cycle, _created = ReviewCycle.objects.get_or_create(
        phase=phase, number=number, defaults={"starts_at": starts_at, "ends_at": ends_at}
    )
    return cycle


def _clean_sections(phase: Phase, sections: dict) -> dict:
    cleaned = {}
    for name in SECTION_FIELDS:
        value = sections.get(name)
        if name == "budget":
            if value in (None, ""):
                raise ServiceError(_("Give the budget."), field="budget")
            value = _number(value, "budget")
            if value < 0:
                raise ServiceError(_("The budget cannot be negative."), field="budget")
            if value > phase.funding_per_participant:
                raise ServiceError(
                    _("The budget exceeds the phase funding of %(funding)s RUB per participant.")
                    % {"funding": f"{phase.funding_per_participant:,.2f}".replace(",", " ")},
                    field="budget",
                    code="budget_too_high",
                )
            # Stored with two decimal places; the receipt's hash must match what is stored.
            if value != value.quantize(KOPECK):
                raise ServiceError(_("Give the budget in roubles and kopecks."), field="budget")
            value = value.quantize(KOPECK)
        else:
            value = str(value or "").strip()
            if not value:
                raise ServiceError(_("This section is required."), field=name)
        cleaned[name] = value
    return cleaned


def content_hash(submission: Submission) -> str:
    """SHA-256 over the submitted sections and the attachments' own hashes, in a fixed form."""
    payload = {
        "phase": submission.phase_id,
        "supplier": submission.supplier_id,
        **{name: str(getattr(submission, name)) for name in SECTION_FIELDS},
        "attachments": sorted((a.title, a.sha256) for a in submission.attachments.all()),
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _file_sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def submission_submit(
    *, actor, phase: Phase, supplier: Organization, attachments=(), remove_attachments=(), **sections
) -> Submission:
    """A supplier submits, or resubmits before its deadline; each submit issues a receipt with the
    server time and the content hash. One submission per supplier per phase."""
    require_perm(actor, "challenges.act_for_supplier", supplier)
    reject_unknown_fields(sections, SECTION_FIELDS)
    phase = Phase.objects.select_for_update(of=("self",)).select_related("challenge").get(pk=phase.pk)
    challenge = phase.challenge
    now = timezone.now()
    if challenge.status != ChallengeStatus.PUBLISHED or now < phase.opens_at:
        raise Conflict(_("This phase is not open for submissions."), code="phase_not_open")
    existing = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("cycle")
        .filter(phase=phase, supplier=supplier)
        .first()
    )
    deadline = existing.deadline if existing and existing.is_active else phase.closes_at
    if now >= deadline:
        raise Conflict(_late_message(deadline), code="deadline_passed")
    if existing and existing.status not in (SubmissionStatus.SUBMITTED, SubmissionStatus.WITHDRAWN):
        raise Conflict(_("This submission has been decided and can no longer change."), code="decided")
    problems = eligibility_problems(challenge, supplier)
    if problems:
        raise ServiceError(" ".join(problems), code="not_eligible")
    if not is_invited(phase, supplier):
        raise ServiceError(
            _("Only participants advanced from the previous phase may submit to this phase."), code="not_invited"
        )
    cleaned = _clean_sections(phase, sections)
    checked_files = _check_attachments(attachments)
    submission = existing or Submission(phase=phase, supplier=supplier)
    before = audit.snapshot(submission, ["status", *SECTION_FIELDS]) if existing else None
    for name, value in cleaned.items():
        setattr(submission, name, value)
    if not existing or not existing.is_active:
        submission.cycle = _current_cycle(phase, now)
    submission.status = SubmissionStatus.SUBMITTED
    submission.submitted_by, submission.submitted_at = actor, now
    _full_clean(submission, field="title", exclude=("phase", "cycle", "supplier", "submitted_by"))
    try:
        with transaction.atomic():
            submission.save()
    except IntegrityError as exc:
        raise Conflict(_("Your organization has already submitted to this phase."), code="already_submitted") from exc
    if remove_attachments:
        submission.attachments.filter(pk__in=_ids(remove_attachments, field="remove_attachments")).delete()
    for upload, digest in checked_files:
        Attachment.objects.create(submission=submission, title=upload.name[:200], file=upload, sha256=digest)
    receipt = _issue_receipt(submission, actor=actor, at=now)
    audit.record(
        actor=actor,
        action="submission.submitted",
        target=submission,
        before=before,
        after={
            **audit.snapshot(submission, ["status", *SECTION_FIELDS]),
            "receipt": receipt.number,
            "hash": receipt.content_hash,
        },
    )
    notifications.notify(
        kind=kinds.SUBMISSION_RECEIVED.key,
        recipient_ids=member_ids(supplier.pk),
        params={"challenge": challenge.title, "receipt": receipt.number},
        url=submission.get_absolute_url(),
    )
    return submission


MAX_ID = 2**63 - 1


def _ids(values, *, field: str) -> list[int]:
    try:
        ids = [int(value) for value in values]
    except (TypeError, ValueError) as exc:
        raise ServiceError(_("Choose from the list."), field=field) from exc
    if any(not 0 < pk <= MAX_ID for pk in ids):
        raise ServiceError(_("Choose from the list."), field=field)
    return ids


def _check_attachments(attachments) -> list[tuple]:
    from govtech.core.uploads import UploadValidator

    validator = UploadValidator("document")
    checked = []
    for upload in attachments or []:
        try:
            validator(upload)
        except ValidationError as exc:
            raise ServiceError(" ".join(exc.messages), field="attachments") from exc
        checked.append((upload, _file_sha256(upload)))
    return checked


def _issue_receipt(submission: Submission, *, actor, at: dt.datetime) -> Receipt:
    count = submission.receipts.count() + 1
    number = f"CH{submission.phase.challenge_id}-P{submission.phase.number}-S{submission.pk}-{count}"
    return Receipt.objects.create(
        submission=submission, number=number, issued_at=at, content_hash=content_hash(submission), issued_to=actor
    )


@transaction.atomic
def submission_withdraw(*, actor, submission: Submission) -> Submission:
    """The supplier withdraws before its deadline; experts no longer see it."""
    require_perm(actor, "challenges.act_for_supplier", submission.supplier)
    submission = (
        Submission.objects.select_for_update(of=("self",)).select_related("cycle", "phase").get(pk=submission.pk)
    )
    if submission.status != SubmissionStatus.SUBMITTED:
        raise Conflict(_("Only a submitted, undecided submission can be withdrawn."), code="wrong_status")
    if timezone.now() >= submission.deadline:
        raise Conflict(_late_message(submission.deadline), code="deadline_passed")
    submission.status = SubmissionStatus.WITHDRAWN
    submission.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="submission.withdrawn", target=submission, after={"status": submission.status})
    return submission


# --- the expert panel ----------------------------------------------------------------


def _locked_cycle(cycle_id) -> ReviewCycle:
    return ReviewCycle.objects.select_for_update(of=("self",)).select_related("phase__challenge").get(pk=cycle_id)


def _require_panel_open(cycle: ReviewCycle) -> None:
    if cycle.panel_closed:
        raise Conflict(_("The panel for these submissions is closed."), code="panel_closed")


def _require_active(submission: Submission) -> None:
    if not submission.is_active:
        raise Conflict(_("This submission was withdrawn."), code="withdrawn")


def _require_evaluation_time(cycle: ReviewCycle) -> None:
    """Experts read and score only what can no longer change: after the cycle's deadline, until
    the panel closes. (They may be lined up earlier.)"""
    _require_panel_open(cycle)
    if timezone.now() < cycle.ends_at:
        raise Conflict(
            _("Evaluation starts when submissions can no longer change, at %(end)s.")
            % {"end": format_date(timezone.localtime(cycle.ends_at), "DATETIME_FORMAT")},
            code="not_yet",
        )


def _candidate_experts(submission: Submission):
    """Experts who may take this submission: active, not already asked, not a member of the supplier."""
    return (
        get_user_model()
        .objects.filter(is_expert=True, is_active=True)
        .exclude(assignments__submission=submission)
        .exclude(memberships__organization_id=submission.supplier_id)
        .annotate(
            open_load=Count(
                "assignments",
                filter=Q(assignments__completed_at__isnull=True) & ~Q(assignments__conflict=Declaration.RECUSED),
            )
        )
        .order_by("open_load", "pk")
    )


def _assign(actor, submission: Submission, expert) -> Assignment:
    assignment = Assignment.objects.create(submission=submission, expert=expert, assigned_by=actor)
    audit.record(
        actor=actor,
        action="assignment.created",
        target=assignment,
        after={"submission": submission.pk, "expert": expert.pk},
    )
    notifications.notify(
        kind=kinds.EXPERT_ASSIGNED.key,
        recipient_ids=[expert.pk],
        params={"challenge": submission.phase.challenge.title},
        url=assignment_url(assignment),
    )
    return assignment


def assignment_url(assignment: Assignment) -> str:
    from django.urls import reverse

    return reverse("challenges:assignment-detail", kwargs={"pk": assignment.pk})


@transaction.atomic
def assignment_create(*, actor, submission: Submission, expert) -> Assignment:
    """The operator asks one more expert to score a submission."""
    require_perm(actor, "challenges.manage_panel", submission.phase.challenge)
    submission = Submission.objects.select_related("phase__challenge", "cycle").get(pk=submission.pk)
    _require_panel_open(_locked_cycle(submission.cycle_id))
    _require_active(submission)
    if not getattr(expert, "is_expert", False) or not expert.is_active:
        raise ServiceError(_("Only an active expert can evaluate."), field="expert")
    if Assignment.objects.filter(submission=submission, expert=expert).exists():
        raise Conflict(_("This expert has already been asked about this submission."), code="already_assigned")
    if expert.memberships.filter(organization_id=submission.supplier_id).exists():
        raise ServiceError(_("A member of the supplier cannot evaluate its submission."), field="expert")
    return _assign(actor, submission, expert)


@transaction.atomic
def panel_assign(*, actor, cycle: ReviewCycle) -> int:
    """The operator makes sure every active submission of the cycle has the challenge's number of
    experts who have not recused themselves, choosing the least loaded. Returns how many were added."""
    require_perm(actor, "challenges.manage_panel", cycle.phase.challenge)
    cycle = _locked_cycle(cycle.pk)
    _require_panel_open(cycle)
    needed = cycle.phase.challenge.min_experts
    added = 0
    submissions = cycle.submissions.exclude(status=SubmissionStatus.WITHDRAWN).select_related("phase__challenge")
    for submission in submissions:
        have = submission.assignments.exclude(conflict=Declaration.RECUSED).count()
        for expert in _candidate_experts(submission)[: max(needed - have, 0)]:
            _assign(actor, submission, expert)
            added += 1
    return added


@transaction.atomic
def conflict_declare(*, actor, assignment: Assignment, has_conflict: bool, note: str = "") -> Assignment:
    """The expert declares, per submission, whether they have a conflict of interest. A recused
    expert loses access and another expert is assigned in their place."""
    require_perm(actor, "challenges.declare_conflict", assignment)
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("submission__phase__challenge", "submission__cycle")
        .get(pk=assignment.pk)
    )
    _require_evaluation_time(assignment.submission.cycle)
    _require_active(assignment.submission)
    if assignment.conflict != Declaration.UNDECLARED:
        raise Conflict(_("You have already declared for this submission."), code="already_declared")
    if has_conflict and not (note or "").strip():
        raise ServiceError(_("Describe the conflict of interest briefly."), field="note")
    assignment.conflict = Declaration.RECUSED if has_conflict else Declaration.NONE
    assignment.conflict_note, assignment.declared_at = (note or "").strip(), timezone.now()
    assignment.save()
    audit.record(actor=actor, action="assignment.declared", target=assignment, after={"conflict": assignment.conflict})
    if has_conflict:
        _replace_recused(actor, assignment.submission)
    return assignment


def _replace_recused(actor, submission: Submission) -> None:
    replacement = _candidate_experts(submission).first()
    if replacement is not None:
        _assign(actor, submission, replacement)
        return
    notifications.notify(
        kind=kinds.NO_EXPERT_LEFT.key,
        recipient_ids=operator_ids(),
        params={"challenge": submission.phase.challenge.title},
        url=submission.phase.challenge.get_absolute_url(),
    )


@transaction.atomic
def scores_save(*, actor, assignment: Assignment, scores, complete: bool = False) -> Assignment:
    """The expert scores each criterion with a comment; ``complete`` hands the scoring in, and then
    every criterion must have a score. Scores can change until the panel closes."""
    require_perm(actor, "challenges.score", assignment)
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("submission__cycle", "submission__phase")
        .get(pk=assignment.pk)
    )
    if not assignment.may_score:
        raise Conflict(_("Declare that you have no conflict of interest before scoring."), code="not_declared")
    _require_evaluation_time(assignment.submission.cycle)
    _require_active(assignment.submission)
    criteria = {c.pk: c for c in Criterion.objects.filter(challenge_id=assignment.submission.phase.challenge_id)}
    if not isinstance(scores, dict):
        raise ServiceError(_("Send a score for each criterion."), field="scores")
    rows = {}
    for key, entry in scores.items():
        criterion = criteria.get(_ids([key], field="scores")[0]) if str(key).isascii() else None
        if criterion is None:
            raise ServiceError(_("Unknown criterion."), field="scores")
        value, comment = entry if isinstance(entry, list | tuple) else (entry, "")
        if value in (None, ""):
            continue
        try:
            value = int(value)
        except (TypeError, ValueError) as exc:
            raise ServiceError(_("Scores are whole numbers."), field="scores") from exc
        if not 0 <= value <= criterion.scale_max:
            raise ServiceError(
                _("«%(criterion)s» is scored from 0 to %(max)s.")
                % {"criterion": criterion.name, "max": criterion.scale_max},
                field="scores",
            )
        rows[criterion.pk] = (value, str(comment or "").strip())
    for criterion_id, (value, comment) in rows.items():
        Score.objects.update_or_create(
            assignment=assignment, criterion_id=criterion_id, defaults={"value": value, "comment": comment}
        )
    if complete:
        missing = set(criteria) - set(assignment.scores.values_list("criterion_id", flat=True))
        if missing:
            raise ServiceError(_("Score every criterion before handing in."), field="scores", code="incomplete")
        assignment.completed_at = timezone.now()
        assignment.save(update_fields=["completed_at", "updated_at"])
    audit.record(
        actor=actor,
        action="assignment.scored",
        target=assignment,
        after={"scores": {str(k): v[0] for k, v in rows.items()}, "complete": bool(assignment.completed_at)},
    )
    return assignment


def panel_problems(cycle: ReviewCycle, now=None) -> list[str]:
    """What stops the panel from closing (empty when it may close)."""
    now = now or timezone.now()
    problems = []
    if now < cycle.ends_at:
        problems.append(
            str(_("Submissions can still change until %(end)s."))
            % {"end": format_date(timezone.localtime(cycle.ends_at), "DATETIME_FORMAT")}
        )
    needed = cycle.phase.challenge.min_experts
    submissions = cycle.submissions.exclude(status=SubmissionStatus.WITHDRAWN).annotate(
        done=Count(
            "assignments",
            filter=Q(assignments__completed_at__isnull=False) & Q(assignments__conflict=Declaration.NONE),
        ),
        pending=Count(
            "assignments",
            filter=Q(assignments__completed_at__isnull=True) & ~Q(assignments__conflict=Declaration.RECUSED),
        ),
    )
    for submission in submissions:
        if submission.done < needed or submission.pending:
            problems.append(
                str(_("«%(title)s»: %(done)s of %(needed)s expert evaluations handed in."))
                % {"title": submission.title, "done": submission.done, "needed": needed}
            )
    return problems


@transaction.atomic
def panel_close(*, actor, cycle: ReviewCycle) -> ReviewCycle:
    """The operator closes the panel once every submission has its evaluations; scores become
    visible to the panel and the owner, and the owner may decide."""
    require_perm(actor, "challenges.manage_panel", cycle.phase.challenge)
    cycle = _locked_cycle(cycle.pk)
    _require_panel_open(cycle)
    problems = panel_problems(cycle)
    if problems:
        raise Conflict(" ".join(problems), code="panel_incomplete")
    cycle.panel_closed_at = timezone.now()
    cycle.save(update_fields=["panel_closed_at"])
    audit.record(
        actor=actor, action="panel.closed", target=cycle, after={"phase": cycle.phase_id, "cycle": cycle.number}
    )
    return cycle


# --- decisions and results -------------------------------------------------------------


@transaction.atomic
def submission_decide(*, actor, submission: Submission, advance: bool, rationale: str) -> Submission:
    """The owner advances a submission (up to the phase's cap) or not, with a rationale, after the
    panel closed. Publishing the phase's results carries the advanced projects into the funnel."""
    submission = Submission.objects.select_related("phase__challenge", "cycle", "supplier").get(pk=submission.pk)
    challenge = submission.phase.challenge
    require_perm(actor, "challenges.decide", challenge)
    if not (rationale or "").strip():
        raise ServiceError(_("Give the rationale for the decision."), field="rationale")
    # The phase row is the lock that keeps two simultaneous decisions under the cap.
    phase = Phase.objects.select_for_update().get(pk=submission.phase_id)
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("phase__challenge", "cycle", "supplier")
        .get(pk=submission.pk)
    )
    expected = ChallengeStatus.EVALUATION if phase.number == challenge.phases.count() else ChallengeStatus.PUBLISHED
    _require_status(_locked(challenge), expected)
    if phase.results_published_at:
        raise Conflict(_("The results of this phase are published; decisions are final."), code="results_published")
    if not submission.cycle.panel_closed:
        raise Conflict(_("Decide after the expert panel has closed."), code="panel_open")
    if submission.status != SubmissionStatus.SUBMITTED:
        raise Conflict(_("This submission has already been decided or was withdrawn."), code="wrong_status")
    if advance:
        advanced = Submission.objects.filter(phase=phase, status=SubmissionStatus.ADVANCED).count()
        if advanced >= phase.advance_cap:
            raise Conflict(
                _("The phase cap of %(cap)s participants is reached.") % {"cap": phase.advance_cap}, code="cap_reached"
            )
    submission.status = SubmissionStatus.ADVANCED if advance else SubmissionStatus.NOT_ADVANCED
    submission.decision_rationale, submission.decided_by, submission.decided_at = (
        rationale.strip(),
        actor,
        timezone.now(),
    )
    submission.save()
    audit.record(
        actor=actor,
        action="submission.decided",
        target=submission,
        after={"status": submission.status, "rationale": submission.decision_rationale},
    )
    return submission


def _carry_into_funnel(actor, submission: Submission) -> None:
    """Create the project's initiative, or reuse the one from the previous phase, and move it to
    the stage this phase leads to, with the panel decision as its gate record."""
    phase, challenge = submission.phase, submission.phase.challenge
    initiative = submission.initiative or _previous_initiative(submission)
    if initiative is None:
        initiative = funnel.initiative_create(
            actor=actor,
            title=submission.title,
            summary=submission.summary[:1000],
            topic=challenge.topic,
            origin=Origin.CHALLENGE_SUBMISSION,
            sponsor=challenge.owner,
            problem=challenge.problem,
            origin_type=ContentType.objects.get_for_model(Submission),
            origin_id=str(submission.pk),
            origin_url=settings.SITE_URL.rstrip("/") + challenge.get_absolute_url(),
        )
    results = {row.submission.pk: row for row in panel_results(submission.cycle)}
    row = results.get(submission.pk)
    goals = []
    if row is not None and row.mean is not None:
        goals = [
            {
                "metric": str(_("Expert panel score (weighted mean)")),
                "unit": str(_("points of 100")),
                "baseline": 0,
                "target": 50,
                "measured": row.mean,
            }
        ]
    funnel.move_by_module_decision(
        actor=actor,
        initiative=initiative,
        to_stage=phase.funnel_stage,
        rationale=str(_("Advanced in the challenge «%(challenge)s», phase «%(phase)s»: %(rationale)s"))
        % {"challenge": challenge.title, "phase": phase.name, "rationale": submission.decision_rationale},
        goals=goals,
        evidence_links=[settings.SITE_URL.rstrip("/") + challenge.get_absolute_url()],
    )
    submission.initiative = initiative
    submission.save(update_fields=["initiative", "updated_at"])


def _previous_initiative(submission: Submission):
    previous = (
        Submission.objects.filter(
            phase__challenge_id=submission.phase.challenge_id,
            phase__number__lt=submission.phase.number,
            supplier_id=submission.supplier_id,
            initiative__isnull=False,
        )
        .order_by("-phase__number")
        .select_related("initiative")
        .first()
    )
    return previous.initiative if previous else None


@transaction.atomic
def phase_publish_results(*, actor, phase: Phase) -> Phase:
    """The owner publishes a phase's results once every panel has closed: who advanced and the score
    summary. Undecided submissions are recorded as not advanced. The last phase decides the challenge."""
    challenge = phase.challenge
    require_perm(actor, "challenges.decide", challenge)
    phase = Phase.objects.select_for_update(of=("self",)).select_related("challenge").get(pk=phase.pk)
    challenge = _locked(phase.challenge)
    is_last = phase.number == challenge.phases.count()
    _require_status(challenge, ChallengeStatus.EVALUATION if is_last else ChallengeStatus.PUBLISHED)
    if phase.results_published_at:
        raise Conflict(_("The results of this phase are already published."), code="results_published")
    now = timezone.now()
    if now < phase.closes_at:
        raise Conflict(_("The phase is still open for submissions."), code="phase_open")
    active = phase.submissions.exclude(status=SubmissionStatus.WITHDRAWN)
    if active.filter(cycle__panel_closed_at__isnull=True).exists():
        raise Conflict(_("Close every expert panel of this phase first."), code="panel_open")
    undecided = list(active.filter(status=SubmissionStatus.SUBMITTED))
    for submission in undecided:
        submission.status = SubmissionStatus.NOT_ADVANCED
        submission.decision_rationale = str(_("Not selected when the phase results were published."))
        submission.decided_by, submission.decided_at = actor, now
        submission.save()
    phase.results_published_at = now
    phase.save(update_fields=["results_published_at"])
    audit.record(
        actor=actor,
        action="phase.results_published",
        target=phase,
        after={
            "advanced": list(phase.submissions.filter(status=SubmissionStatus.ADVANCED).values_list("pk", flat=True)),
            "closed_as_not_advanced": [s.pk for s in undecided],
        },
    )
    # The funnel hears of the winners when everyone else does: an initiative is public.
    for submission in phase.submissions.filter(status=SubmissionStatus.ADVANCED).select_related(
        "phase__challenge", "cycle"
    ):
        _carry_into_funnel(actor, submission)
    if is_last:
        challenge.decided_at = now
        _set_status(actor, challenge, ChallengeStatus.DECIDED)
    for submission in phase.submissions.exclude(status=SubmissionStatus.WITHDRAWN).select_related("supplier"):
        notifications.notify(
            kind=kinds.SUBMISSION_DECIDED.key,
            recipient_ids=member_ids(submission.supplier_id),
            params={"challenge": challenge.title, "outcome": submission.status},
            url=submission.get_absolute_url(),
        )
    _tell_participants(
        challenge,
        kind=kinds.RESULTS_PUBLISHED,
        params={"challenge": challenge.title, "phase": phase.name},
        url=challenge.get_absolute_url() + "#results",
        actor=actor,
    )
    return phase


# --- reminders ------------------------------------------------------------------------


@transaction.atomic
def phase_send_reminder(*, phase_id: int, now=None) -> bool:
    """Remind participants and followers once, in the last two days before a phase closes.
    Run by the worker at the scheduled time and by ``send_challenge_reminders``; never twice."""
    now = now or timezone.now()
    phase = Phase.objects.select_for_update(of=("self",)).select_related("challenge").filter(pk=phase_id).first()
    if phase is None or phase.reminder_sent_at or phase.challenge.status != ChallengeStatus.PUBLISHED:
        return False
    if not (phase.closes_at - REMINDER_BEFORE <= now < phase.closes_at):
        return False
    phase.reminder_sent_at = now
    phase.save(update_fields=["reminder_sent_at"])
    challenge = phase.challenge
    params = {
        "challenge": challenge.title,
        # Rendered into each reader's own language later, so a date written the same in every language.
        "deadline": format_date(timezone.localtime(phase.closes_at), "Y-m-d H:i"),
    }
    notifications.notify(
        kind=kinds.DEADLINE_SOON.key,
        recipient_ids=_participant_ids(challenge),
        params=params,
        url=challenge.get_absolute_url(),
    )
    notifications.notify_followers(
        kind=kinds.DEADLINE_SOON.key, target=challenge, params=params, url=challenge.get_absolute_url()
    )
    return True


def due_reminder_phase_ids(now=None) -> list[int]:
    now = now or timezone.now()
    return list(
        Phase.objects.filter(
            challenge__status=ChallengeStatus.PUBLISHED,
            reminder_sent_at__isnull=True,
            closes_at__gt=now,
            closes_at__lte=now + REMINDER_BEFORE,
        ).values_list("pk", flat=True)
    )
