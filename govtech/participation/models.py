"""Residents' participation: calls for ideas, ideas with their official answers, votes,
comments, reports for moderation, experience stories and participation points."""

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govtech.core.models import TimeStampedModel
from govtech.core.uploads import UploadValidator, private_path
from govtech.funnel.models import Topic


class DistrictKind(models.TextChoices):
    OKRUG = "okrug", _("Administrative area")
    DISTRICT = "district", _("District")


class District(models.Model):
    """The city's administrative areas and their districts: data the city loads, not code."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DistrictKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("administrative area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="districts",
    )

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Moderation(models.TextChoices):
    PRE = "pre", _("Before publication")
    POST = "post", _("After publication")


class Call(TimeStampedModel):
    """An agency's question to residents on a topic, for a period, optionally in one district."""

    agency = models.ForeignKey(
        "accounts.Organization", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="calls"
    )
    title = models.CharField(_("title"), max_length=200, validators=[MinLengthValidator(10)])
    slug = models.SlugField(_("address name"), max_length=80, unique=True)
    question = models.TextField(_("question"), help_text=_("Markdown is allowed."))
    topic = models.CharField(_("category"), max_length=20, choices=Topic.choices)
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    moderation = models.CharField(_("moderation"), max_length=4, choices=Moderation.choices, default=Moderation.POST)
    support_threshold = models.PositiveIntegerField(
        _("support threshold"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Votes that send an idea to review and notify the agency. Empty: no threshold."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("call for ideas")
        verbose_name_plural = _("calls for ideas")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="call_closes_after")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("participation:call-detail", kwargs={"slug": self.slug})

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at


class IdeaStatus(models.TextChoices):
    # An idea («идея») is feminine in Russian: its statuses have their own context.
    SUBMITTED = "submitted", pgettext_lazy("idea status", "Submitted")
    PUBLISHED = "published", pgettext_lazy("idea status", "Published")
    UNDER_REVIEW = "under_review", pgettext_lazy("idea status", "Under review")
    ACCEPTED = "accepted", pgettext_lazy("idea status", "Accepted")
    REJECTED = "rejected", pgettext_lazy("idea status", "Rejected")
    MERGED = "merged", pgettext_lazy("idea status", "Merged")
    IN_PROGRESS = "in_progress", pgettext_lazy("idea status", "In progress")
    IMPLEMENTED = "implemented", pgettext_lazy("idea status", "Implemented")


# Statuses everyone may see; a submitted idea waits for pre-moderation and is its author's only.
PUBLIC_STATUSES = [status for status in IdeaStatus.values if status != IdeaStatus.SUBMITTED]
ANSWERED_STATUSES = [
    IdeaStatus.UNDER_REVIEW,
    IdeaStatus.ACCEPTED,
    IdeaStatus.REJECTED,
    IdeaStatus.MERGED,
    IdeaStatus.IN_PROGRESS,
    IdeaStatus.IMPLEMENTED,
]


class Idea(TimeStampedModel):
    title = models.CharField(_("title"), max_length=200, validators=[MinLengthValidator(5)])
    # A TextField's max_length only sizes the form widget; the validator makes the services hold it.
    text = models.TextField(
        _("text"), max_length=10_000, validators=[MaxLengthValidator(10_000)], help_text=_("Markdown is allowed.")
    )
    topic = models.CharField(_("category"), max_length=20, choices=Topic.choices, db_index=True)
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT, related_name="ideas"
    )
    call = models.ForeignKey(
        Call, verbose_name=_("call for ideas"), null=True, blank=True, on_delete=models.PROTECT, related_name="ideas"
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ideas")
    agency = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("responsible agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ideas",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=IdeaStatus.choices, default=IdeaStatus.SUBMITTED, db_index=True
    )
    # Moderation keeps hidden content in its place, with the reason shown instead of it.
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    vote_count = models.PositiveIntegerField(_("votes"), default=0, db_index=True)
    comment_count = models.PositiveIntegerField(_("comments"), default=0)
    report_count = models.PositiveIntegerField(default=0)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    initiative = models.ForeignKey(
        "funnel.Initiative", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    progress = models.PositiveSmallIntegerField(
        _("implementation progress, %"), default=0, validators=[MaxValueValidator(100)]
    )
    search_stems = models.TextField(editable=False, default="")
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    answer_due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    first_answered_at = models.DateTimeField(_("first official answer"), null=True, blank=True)
    last_answered_at = models.DateTimeField(_("last official answer"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="idea_status_published"),
            models.Index(fields=["-vote_count", "-id"], name="idea_most_supported"),
            models.Index(fields=["agency", "first_answered_at"], name="idea_agency_answer"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("participation:idea-detail", kwargs={"pk": self.pk})

    @property
    def is_public(self) -> bool:
        return self.status != IdeaStatus.SUBMITTED

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


def idea_file_path(instance, filename: str) -> str:
    # Served only through the idea's page, which hides pending and hidden ideas' files.
    return private_path("ideas", filename)


class IdeaFile(models.Model):
    """An image or PDF attached to an idea, checked by content on upload."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="files")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=idea_file_path, validators=[UploadValidator("document")])
    is_image = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("idea file")
        verbose_name_plural = _("idea files")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Vote(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    # PROTECT: deleting a voter's rows would leave the ideas' counts wrong; accounts are deactivated instead.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="idea_votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="vote_one_per_person")]
        indexes = [models.Index(fields=["idea", "created_at"], name="vote_idea_time")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.idea_id}"


class StatusChange(models.Model):
    """One official answer: the status it set and the public message of the responsible agency."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=20, choices=IdeaStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=IdeaStatus.choices)
    message = models.TextField(_("public message"))
    reason = models.TextField(_("reason"), blank=True)
    agency = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.idea_id}: {self.from_status} → {self.to_status}"


class Milestone(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_on = models.DateField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class Comment(TimeStampedModel):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="idea_comments")
    text = models.TextField(_("comment"), max_length=3000, validators=[MaxLengthValidator(3000)])
    edited_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    report_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    ABUSE = "abuse", _("Insults or hate")
    PERSONAL_DATA = "personal_data", _("Someone's personal data")
    OFF_TOPIC = "off_topic", _("Off topic")
    OTHER = "other", _("Other")


class Report(models.Model):
    """A person's report of an idea or a comment (exactly one of them), once per person."""

    idea = models.ForeignKey(Idea, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=ReportReason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(idea__isnull=False, comment__isnull=True)
                | models.Q(idea__isnull=True, comment__isnull=False),
                name="report_idea_or_comment",
            ),
            models.UniqueConstraint(fields=["idea", "reporter"], name="report_once_per_idea"),
            models.UniqueConstraint(fields=["comment", "reporter"], name="report_once_per_comment"),
        ]

    def __str__(self) -> str:
        return f"{self.reason}: {self.idea_id or self.comment_id}"


class PointsKind(models.TextChoices):
    IDEA_PUBLISHED = "idea_published", _("Idea published")
    VOTE_RECEIVED = "vote_received", _("Vote received")
    IDEA_ACCEPTED = "idea_accepted", _("Idea accepted")
    STORY_SHARED = "story_shared", _("Story shared")


class PointsEntry(models.Model):
    """Points a person earned, one row per event (a vote received counts once per voter)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points")
    kind = models.CharField(max_length=20, choices=PointsKind.choices)
    points = models.IntegerField()
    key = models.CharField(max_length=80, help_text="what earned it, e.g. idea:12 or vote:12:7")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        constraints = [models.UniqueConstraint(fields=["user", "kind", "key"], name="points_once_per_event")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.points}"


class Participant(models.Model):
    """A person's participation settings: whether they appear on the public leaderboard."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participant")
    on_leaderboard = models.BooleanField(_("show me on the leaderboard"), default=False)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return str(self.user)


class StoryTemplate(models.Model):
    """The structured questions for experience stories in one domain. The controlled lists are
    data (JSON), so a city adds a domain without code."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    topic = models.CharField(_("category"), max_length=20, choices=Topic.choices)
    tags = models.JSONField(_("tags to choose from"), default=list)
    involved = models.JSONField(_("who could be involved"), default=list)
    outcomes = models.JSONField(_("possible outcomes"), default=list)
    is_active = models.BooleanField(_("collecting stories"), default=True)

    class Meta:
        verbose_name = _("story template")
        verbose_name_plural = _("story templates")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Story(TimeStampedModel):
    """A resident's structured account of an experience with a city service."""

    template = models.ForeignKey(StoryTemplate, on_delete=models.PROTECT, related_name="stories")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="stories"
    )
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.PROTECT, related_name="stories")
    what_happened = models.TextField(_("what happened"), max_length=5000, validators=[MaxLengthValidator(5000)])
    experience = models.PositiveSmallIntegerField(
        _("experience, 1 (very bad) to 5 (very good)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    # Choosing none is an answer too ("nobody was involved").
    tags = models.JSONField(_("tags"), default=list, blank=True)
    involved = models.JSONField(_("who was involved"), default=list, blank=True)
    outcome = models.CharField(_("outcome"), max_length=100)
    free_text = models.TextField(_("anything else"), max_length=5000, blank=True, validators=[MaxLengthValidator(5000)])
    consent = models.BooleanField(_("consent to publication and analysis"))
    anonymous = models.BooleanField(_("publish without my name"), default=True)
    happened_on = models.DateField(_("when it happened"), null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("experience story")
        verbose_name_plural = _("experience stories")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(consent=True), name="story_needs_consent")]

    def __str__(self) -> str:
        return self.what_happened[:60]
