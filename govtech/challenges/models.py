"""Challenges: an agency's problem, the phases suppliers compete in, their submissions,
the public Q&A, consultation slots and the expert panel that scores them."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govtech.core.models import TimeStampedModel
from govtech.core.uploads import UploadValidator, private_path
from govtech.funnel.models import Topic
from govtech.funnel.states import Stage


class ChallengeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    PUBLISHED = "published", _("Published")
    EVALUATION = "evaluation", _("Evaluation")
    DECIDED = "decided", _("Decided")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# Everyone may see a challenge once it has been published, including one cancelled afterwards.
EDITABLE_STATUSES = frozenset({ChallengeStatus.DRAFT, ChallengeStatus.CHANGES_REQUESTED})


class Licence(models.TextChoices):
    SUPPLIER_KEEPS = "supplier_keeps_city_licence", _("The supplier keeps the rights; the city gets a free licence")
    OPEN_SOURCE = "open_source", _("Results are published under an open licence")
    CITY_OWNS = "city_owns", _("The rights pass to the city")


class Challenge(TimeStampedModel):
    """A problem an agency puts to the market, not a specification."""

    owner = models.ForeignKey(
        "accounts.Organization", verbose_name=_("owner agency"), on_delete=models.PROTECT, related_name="challenges"
    )
    title = models.CharField(_("title"), max_length=200, validators=[MinLengthValidator(10)])
    slug = models.SlugField(_("address name"), max_length=80, unique=True)
    summary = models.TextField(_("summary"), max_length=1000)
    problem = models.TextField(_("problem statement"), help_text=_("Markdown is allowed."))
    goals = models.TextField(_("goals"), blank=True, help_text=_("Markdown is allowed."))
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices, db_index=True)
    # Eligibility
    allow_legal_entities = models.BooleanField(_("legal entities may take part"), default=True)
    allow_individuals = models.BooleanField(_("individual entrepreneurs may take part"), default=True)
    sme_only = models.BooleanField(_("small and medium-sized enterprises only"), default=False)
    max_company_age_years = models.PositiveSmallIntegerField(
        _("maximum company age, years"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    licence = models.CharField(_("licence for results"), max_length=40, choices=Licence.choices)
    licence_notes = models.TextField(_("licence notes"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"))
    questions_close_at = models.DateTimeField(
        _("questions accepted until"), null=True, blank=True, help_text=_("Empty: until the first phase closes.")
    )
    min_experts = models.PositiveSmallIntegerField(
        _("experts per submission"), default=2, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    disagreement_spread = models.DecimalField(
        _("disagreement flag, points of 100"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("25"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("100"))],
        help_text=_("Scores of one submission further apart than this are flagged for discussion."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ChallengeStatus.choices, default=ChallengeStatus.DRAFT, db_index=True
    )
    review_note = models.TextField(_("review note"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("challenges:challenge-detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        if not (self.allow_legal_entities or self.allow_individuals):
            raise ValidationError({"allow_individuals": _("Allow legal entities, individual entrepreneurs, or both.")})

    @property
    def is_public(self) -> bool:
        return self.published_at is not None

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def questions_open(self, now=None) -> bool:
        """Questions are taken from publication until the question deadline (or the first phase's close)."""
        now = now or timezone.now()
        if self.status != ChallengeStatus.PUBLISHED:
            return False
        closes = self.questions_close_at
        if closes is None:
            first = self.phases.order_by("number").first()
            closes = first.closes_at if first else None
        return closes is not None and now < closes


class PhaseKind(models.TextChoices):
    FEASIBILITY = "feasibility", _("Feasibility study")
    PROTOTYPE = "prototype", _("Prototype")
    PILOT = "pilot", _("Pilot")


# The funnel stage a participant enters when advanced in a phase of this kind:
# early phases lead to a prototype, a pilot phase to a pilot.
STAGE_FOR_PHASE = {
    PhaseKind.FEASIBILITY: Stage.PROTOTYPE,
    PhaseKind.PROTOTYPE: Stage.PROTOTYPE,
    PhaseKind.PILOT: Stage.PILOT,
}


class IntakeMode(models.TextChoices):
    FIXED = "fixed", _("Fixed window")
    ROLLING = "rolling", _("Rolling intake in review cycles")


class WindowState(models.TextChoices):
    UPCOMING = "upcoming", _("Not open yet")
    OPEN = "open", _("Open for submissions")
    CLOSED = "closed", _("Closed")


class Phase(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="phases")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=PhaseKind.choices)
    mode = models.CharField(_("intake"), max_length=10, choices=IntakeMode.choices, default=IntakeMode.FIXED)
    cycle_days = models.PositiveSmallIntegerField(
        _("review cycle, days"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    advance_cap = models.PositiveSmallIntegerField(
        _("participants who may advance"), validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    funding_per_participant = models.DecimalField(
        _("funding per participant, RUB"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    deliverables = models.TextField(_("deliverables"), blank=True)
    results_published_at = models.DateTimeField(_("results published"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["challenge", "number"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "number"], name="phase_unique_number"),
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="phase_closes_after"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("A phase must close after it opens.")})
        if self.mode == IntakeMode.ROLLING and not self.cycle_days:
            raise ValidationError({"cycle_days": _("Rolling intake needs the length of a review cycle.")})
        if self.mode == IntakeMode.FIXED:
            self.cycle_days = None

    @property
    def funnel_stage(self) -> str:
        return STAGE_FOR_PHASE[self.kind]

    @property
    def is_rolling(self) -> bool:
        return self.mode == IntakeMode.ROLLING

    def window_state(self, now=None) -> str:
        """Derived from the server clock: no job has to open or close a window."""
        now = now or timezone.now()
        if now < self.opens_at:
            return WindowState.UPCOMING
        if now < self.closes_at:
            return WindowState.OPEN
        return WindowState.CLOSED

    def is_open(self, now=None) -> bool:
        return self.challenge.status == ChallengeStatus.PUBLISHED and self.window_state(now) == WindowState.OPEN

    def cycle_bounds(self, number: int) -> tuple[dt.datetime, dt.datetime]:
        """Review cycle ``number`` (from 0). A fixed window is one cycle; the last rolling cycle
        ends with the phase."""
        if not self.is_rolling:
            return self.opens_at, self.closes_at
        length = dt.timedelta(days=self.cycle_days)
        start = self.opens_at + number * length
        return start, min(start + length, self.closes_at)

    def cycle_number_at(self, moment) -> int:
        if not self.is_rolling:
            return 0
        return int((moment - self.opens_at) // dt.timedelta(days=self.cycle_days))


class Indicator(models.Model):
    """A measurable goal of the challenge: the metric, where it is now and where it should get."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="indicators")
    metric = models.CharField(_("metric"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.metric


class Criterion(models.Model):
    """An evaluation criterion, fixed before the challenge opens. Weights of a challenge add up to 100."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.PositiveSmallIntegerField(_("weight, %"), validators=[MinValueValidator(1), MaxValueValidator(100)])
    scale_max = models.PositiveSmallIntegerField(
        _("top of the scale"), default=10, validators=[MinValueValidator(2), MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


def private_upload_path(instance, filename: str) -> str:
    """Drafts' documents and submissions are confidential: files live under an unguessable name,
    outside any public media location (docs/deploy.md), and are served only through views that
    check who may read them."""
    return private_path(f"challenges/{instance._meta.model_name}", filename)


class ChallengeDocument(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=private_upload_path, validators=[UploadValidator("document")])

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Question(TimeStampedModel):
    """A supplier's question. Published with its answer, never with the asker's name."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField(_("question"), max_length=2000, validators=[MinLengthValidator(10)])
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class ConsultationSlot(models.Model):
    """A time the owner offers for a talk before submitting; one supplier books it."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration, minutes"), default=30, validators=[MinValueValidator(10), MaxValueValidator(240)]
    )
    place = models.CharField(_("place or link"), max_length=300)
    booked_by = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("booked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    booked_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    booked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("consultation slot")
        verbose_name_plural = _("consultation slots")
        ordering = ["starts_at", "id"]
        constraints = [
            # A supplier holds at most one slot per challenge.
            models.UniqueConstraint(
                fields=["challenge", "booked_by"],
                condition=models.Q(booked_by__isnull=False),
                name="slot_one_per_supplier",
            )
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_booked(self) -> bool:
        return self.booked_by_id is not None


class ReviewCycle(models.Model):
    """The batch of a phase's submissions that one panel scores: the whole window, or one
    cycle of a rolling intake. Scores stay hidden from other experts until the panel closes."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="cycles")
    number = models.PositiveSmallIntegerField(_("cycle"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    panel_closed_at = models.DateTimeField(_("panel closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("review cycle")
        verbose_name_plural = _("review cycles")
        ordering = ["phase", "number"]
        constraints = [models.UniqueConstraint(fields=["phase", "number"], name="cycle_unique_number")]

    def __str__(self) -> str:
        return f"{self.phase} #{self.number + 1}"

    @property
    def panel_closed(self) -> bool:
        return self.panel_closed_at is not None


class SubmissionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ADVANCED = "advanced", _("Advanced")
    NOT_ADVANCED = "not_advanced", _("Not advanced")


class Submission(TimeStampedModel):
    """A supplier's proposal in one phase; editable until its deadline, receipted on every submit."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="submissions")
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="submissions")
    supplier = models.ForeignKey(
        "accounts.Organization", verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="submissions"
    )
    title = models.CharField(_("title"), max_length=200, validators=[MinLengthValidator(5)])
    summary = models.TextField(_("summary"), max_length=2000)
    approach = models.TextField(_("approach"))
    team = models.TextField(_("team"))
    plan = models.TextField(_("work plan"))
    budget = models.DecimalField(
        _("budget, RUB"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.SUBMITTED, db_index=True
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"))
    decision_rationale = models.TextField(_("rationale of the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    initiative = models.ForeignKey(
        "funnel.Initiative", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["submitted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["phase", "supplier"], name="submission_one_per_supplier")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("challenges:submission-detail", kwargs={"pk": self.pk})

    @property
    def deadline(self) -> dt.datetime:
        """Until when the supplier may still edit or withdraw: the end of its review cycle."""
        return self.cycle.ends_at

    @property
    def is_active(self) -> bool:
        return self.status != SubmissionStatus.WITHDRAWN


class Attachment(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=private_upload_path, validators=[UploadValidator("document")])
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Receipt(models.Model):
    """Proof of what was submitted and when: the server time and a hash over the content."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="receipts")
    number = models.CharField(_("receipt number"), max_length=40, unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)
    issued_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number


class Declaration(models.TextChoices):
    UNDECLARED = "undeclared", _("Not declared yet")
    NONE = "none", _("No conflict of interest")
    RECUSED = "recused", _("Conflict of interest: recused")


class Assignment(TimeStampedModel):
    """An expert asked to score one submission. The expert first declares any conflict of interest."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="assignments")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    conflict = models.CharField(
        _("conflict of interest"), max_length=12, choices=Declaration.choices, default=Declaration.UNDECLARED
    )
    conflict_note = models.TextField(_("conflict note"), blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(_("scoring completed"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("expert assignment")
        verbose_name_plural = _("expert assignments")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["submission", "expert"], name="assignment_unique_expert")]

    def __str__(self) -> str:
        return f"{self.expert} → {self.submission}"

    @property
    def is_recused(self) -> bool:
        return self.conflict == Declaration.RECUSED

    @property
    def may_score(self) -> bool:
        return self.conflict == Declaration.NONE


class Score(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    value = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["criterion_id"]
        constraints = [models.UniqueConstraint(fields=["assignment", "criterion"], name="score_unique_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"
