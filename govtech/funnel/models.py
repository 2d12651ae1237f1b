"""Initiatives, their stays in each stage, gate decisions and the instrument registry."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govtech.core.models import TimeStampedModel
from govtech.core.uploads import UploadValidator
from govtech.funnel.states import FUNNEL, MoveKind, Stage


class Topic(models.TextChoices):
    """The city's domains (a controlled list, so analytics can group by it)."""

    TRANSPORT = "transport", _("Transport and roads")
    ENVIRONMENT = "environment", _("Ecology and waste")
    HEALTH = "health", _("Healthcare")
    EDUCATION = "education", _("Education")
    HOUSING = "housing", _("Housing and utilities")
    SOCIAL = "social", _("Social care")
    SAFETY = "safety", _("Public safety")
    SERVICES = "services", _("Public services")
    ECONOMY = "economy", _("Economy and business")
    CULTURE = "culture", _("Culture and leisure")


class Origin(models.TextChoices):
    RESIDENT_IDEA = "resident_idea", _("Resident's idea")
    EMPLOYEE_IDEA = "employee_idea", _("Employee's idea")
    CHALLENGE_SUBMISSION = "challenge_submission", _("Challenge submission")
    SUPPLIER_APPLICATION = "supplier_application", _("Supplier's application")
    CATALOG_ORDER = "catalog_order", _("Catalog order")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")


class InstrumentKind(models.TextChoices):
    HACKATHON = "hackathon", _("Hackathon")
    ACCELERATOR = "accelerator", _("Accelerator")
    STARTUP_IN_RESIDENCE = "startup_in_residence", _("Startup in residence")
    CHALLENGE = "challenge", _("Challenge")
    PILOT_SITE = "pilot_site", _("Pilot site / regulatory sandbox")
    GRANT = "grant", _("Grant or fund")
    MARKETPLACE = "marketplace", _("Marketplace")
    MICRO_PURCHASE = "micro_purchase", _("Micro-purchase")
    EDUCATION = "education", _("Education programme")
    AWARD = "award", _("Award")


class InstrumentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    RETIRED = "retired", _("Retired")


class IntakeState(models.TextChoices):
    OPEN = "open", _("Intake open")
    UPCOMING = "upcoming", _("Intake upcoming")
    CLOSED = "closed", _("Intake closed")
    ROLLING = "rolling", _("Rolling intake")


class Instrument(TimeStampedModel):
    """A support programme the city runs, mapped to the funnel stages it serves."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("address name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=InstrumentKind.choices)
    owner = models.ForeignKey(
        "accounts.Organization", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="instruments"
    )
    description = models.TextField(_("description"), blank=True)
    stages = models.JSONField(_("stages served"), default=list)
    intake_opens_on = models.DateField(_("intake opens"), null=True, blank=True)
    intake_closes_on = models.DateField(_("intake closes"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=InstrumentStatus.choices, default=InstrumentStatus.ACTIVE
    )
    url = models.URLField(_("link"), blank=True)

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("funnel:instrument-list") + f"#instrument-{self.slug}"

    def clean(self) -> None:
        unknown = set(self.stages or []) - set(FUNNEL)
        if unknown or not self.stages:
            raise ValidationError({"stages": _("Choose at least one funnel stage.")})
        if self.intake_opens_on and self.intake_closes_on and self.intake_closes_on < self.intake_opens_on:
            raise ValidationError({"intake_closes_on": _("Intake cannot close before it opens.")})

    def intake_state(self, today=None) -> str:
        """Derived from the dates, so it never needs a job to flip it."""
        today = today or timezone.localdate()
        if self.status != InstrumentStatus.ACTIVE:
            return IntakeState.CLOSED
        if not self.intake_opens_on and not self.intake_closes_on:
            return IntakeState.ROLLING
        if self.intake_opens_on and today < self.intake_opens_on:
            return IntakeState.UPCOMING
        if self.intake_closes_on and today > self.intake_closes_on:
            return IntakeState.CLOSED
        return IntakeState.OPEN

    def get_intake_state_display(self) -> str:
        return IntakeState(self.intake_state()).label


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Initiative(TimeStampedModel):
    """One project on its way from idea to scale, whatever instrument carries it."""

    title = models.CharField(_("title"), max_length=200, validators=[MinLengthValidator(5)])
    slug = models.SlugField(_("address name"), max_length=80, unique=True)
    summary = models.TextField(_("summary"), max_length=1000)
    problem = models.TextField(_("problem"), blank=True, help_text=_("Markdown is allowed."))
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices, db_index=True)
    origin = models.CharField(_("origin"), max_length=30, choices=Origin.choices, db_index=True)
    # The originating object (an idea, a challenge submission, an order...) once those modules exist.
    origin_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    origin_id = models.CharField(max_length=64, blank=True)
    origin_url = models.URLField(_("origin link"), blank=True)
    sponsor = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("sponsoring agency"),
        on_delete=models.PROTECT,
        related_name="initiatives",
    )
    instrument = models.ForeignKey(
        Instrument,
        verbose_name=_("current instrument"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="initiatives",
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.IDEA, db_index=True)
    stage_entered_at = models.DateTimeField(_("in this stage since"), db_index=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="initiatives")
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC, db_index=True
    )
    lessons_learned = models.TextField(_("lessons learned"), blank=True)
    # Kept when the account is deleted (SET_NULL), so it must be optional for full_clean() too.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["-stage_entered_at", "-id"]
        indexes = [models.Index(fields=["stage", "stage_entered_at"], name="initiative_board")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("funnel:initiative-detail", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    @property
    def is_active(self) -> bool:
        return self.stage != Stage.STOPPED

    def days_in_stage(self, now=None) -> int:
        return ((now or timezone.now()) - self.stage_entered_at).days


class TeamRole(models.TextChoices):
    LEAD = "lead", _("Project lead")
    DEVELOPER = "developer", _("Developer")
    SPONSOR_CONTACT = "sponsor_contact", _("Agency contact")
    MENTOR = "mentor", _("Mentor")
    PARTNER = "partner", _("Partner")


class TeamMember(models.Model):
    """A person or an organization on an initiative's team."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, organization__isnull=True)
                | models.Q(user__isnull=True, organization__isnull=False),
                name="team_member_person_or_organization",
            ),
            models.UniqueConstraint(fields=["initiative", "user", "role"], name="team_member_unique_person"),
            models.UniqueConstraint(fields=["initiative", "organization", "role"], name="team_member_unique_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.organization} ({self.role})"


class StageStay(models.Model):
    """One stay of an initiative in a stage: entered, and exited when it moved on."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="stays")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    entered_at = models.DateTimeField()
    exited_at = models.DateTimeField(null=True, blank=True)
    decision = models.ForeignKey(
        "GateDecision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the decision that opened this stay",
    )

    class Meta:
        verbose_name = _("stage stay")
        verbose_name_plural = _("stage stays")
        ordering = ["entered_at", "id"]
        indexes = [
            models.Index(fields=["stage", "entered_at"], name="stay_stage_entered"),
            models.Index(fields=["initiative", "stage"], name="stay_initiative_stage"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative"], condition=models.Q(exited_at__isnull=True), name="stay_one_open_per_initiative"
            ),
            models.CheckConstraint(
                condition=models.Q(exited_at__isnull=True) | models.Q(exited_at__gte=models.F("entered_at")),
                name="stay_exit_after_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id}:{self.stage} {self.entered_at:%Y-%m-%d}"


class DecisionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Decided")
    REJECTED = "rejected", _("Rejected")


class GateDecision(TimeStampedModel):
    """A move through a gate: who proposed and decided it, on which results, and why."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="decisions")
    from_stage = models.CharField(_("from"), max_length=20, choices=Stage.choices)
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=MoveKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=DecisionStatus.choices, db_index=True)
    rationale = models.TextField(_("rationale"))
    lessons_learned = models.TextField(_("lessons learned"), blank=True)
    evidence_links = models.JSONField(_("evidence links"), default=list, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decider"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("gate decision")
        verbose_name_plural = _("gate decisions")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative"], condition=models.Q(status="proposed"), name="decision_one_open_proposal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.initiative}: {self.from_stage} → {self.to_stage} ({self.status})"

    @property
    def is_forward(self) -> bool:
        return self.kind == MoveKind.FORWARD


class Goal(models.Model):
    """A SMART goal judged at a gate: the metric, where it started, where it should be, where it is."""

    decision = models.ForeignKey(GateDecision, on_delete=models.CASCADE, related_name="goals")
    metric = models.CharField(_("metric"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    measured = models.DecimalField(_("measured"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.metric

    @property
    def is_met(self) -> bool:
        """Met when the measured value reached the target, in whichever direction it lies."""
        if self.target >= self.baseline:
            return self.measured >= self.target
        return self.measured <= self.target


class Evidence(models.Model):
    decision = models.ForeignKey(GateDecision, on_delete=models.CASCADE, related_name="evidence_files")
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/", validators=[UploadValidator("document")])
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.title
