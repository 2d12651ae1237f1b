"""Open tenders imported from OCDS data: the releases as published, one compiled current view per
contracting process (``Tender``), and the import runs with the problems they met."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from govtech.core.models import TimeStampedModel


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Stopped by an error")


class ImportRun(TimeStampedModel):
    """One import of one file's content. A run that did not finish is resumed by the next import
    of the same content (same SHA-256), from the last package item it stored."""

    source = models.CharField(_("source"), max_length=1000)
    fingerprint = models.CharField(_("SHA-256 of the content"), max_length=64, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    position = models.PositiveIntegerField(_("items stored"), default=0)
    releases_read = models.PositiveIntegerField(default=0)
    releases_added = models.PositiveIntegerField(default=0)
    tenders_compiled = models.PositiveIntegerField(default=0)
    problem_count = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("OCDS import")
        verbose_name_plural = _("OCDS imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} ({self.get_status_display()})"


class ImportProblem(models.Model):
    """A record the import skipped (or a file it could not read to the end), with where it was."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="problems")
    position = models.PositiveIntegerField(_("item"), null=True, blank=True)
    where = models.CharField(_("where"), max_length=300, blank=True)
    message = models.TextField(_("message"))

    class Meta:
        verbose_name = _("import problem")
        verbose_name_plural = _("import problems")
        ordering = ["run", "position", "id"]

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"[:200]


class Release(models.Model):
    """One OCDS release as published, never changed: a process's history is its releases."""

    ocid = models.CharField(max_length=200)
    release_id = models.CharField(max_length=300)
    date = models.DateTimeField(null=True, blank=True)
    tags = models.JSONField(default=list)
    data = models.JSONField()
    run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("OCDS release")
        verbose_name_plural = _("OCDS releases")
        constraints = [models.UniqueConstraint(fields=["ocid", "release_id"], name="release_unique_per_process")]
        indexes = [models.Index(fields=["ocid", "date"], name="release_process_date")]

    def __str__(self) -> str:
        return f"{self.ocid} / {self.release_id}"


class TenderStatus(models.TextChoices):
    """OCDS 1.1 tenderStatus codelist (closed)."""

    PLANNING = "planning", _("Planning")
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Open for bids")
    CANCELLED = "cancelled", _("Cancelled")
    UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")
    COMPLETE = "complete", _("Complete")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Method(models.TextChoices):
    """OCDS 1.1 method codelist (closed)."""

    OPEN = "open", _("Open")
    SELECTIVE = "selective", _("Selective")
    LIMITED = "limited", _("Limited")
    DIRECT = "direct", _("Direct")


class MainCategory(models.TextChoices):
    """OCDS 1.1 procurementCategory codelist (closed)."""

    GOODS = "goods", _("Goods")
    WORKS = "works", _("Works")
    SERVICES = "services", _("Services")


class Tender(models.Model):
    """A contracting process's current state, compiled from all its releases (ocdsmerge). The
    columns are what the list filters and sorts on; ``compiled`` is the whole compiled release."""

    ocid = models.CharField(_("OCID"), max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    buyer_name = models.CharField(_("buyer"), max_length=300, blank=True)
    buyer_identifier = models.CharField(max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, blank=True, choices=TenderStatus.choices)
    method = models.CharField(_("procurement method"), max_length=20, blank=True, choices=Method.choices)
    main_category = models.CharField(_("main category"), max_length=20, blank=True, choices=MainCategory.choices)
    classification_scheme = models.CharField(max_length=50, blank=True)
    classification_id = models.CharField(_("classification"), max_length=100, blank=True)
    classification_description = models.CharField(max_length=500, blank=True)
    value_amount = models.DecimalField(_("value"), max_digits=20, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    submission_deadline = models.DateTimeField(_("submission deadline"), null=True, blank=True)
    lot_count = models.PositiveIntegerField(_("lots"), default=0)
    suitable_for_sme = models.BooleanField(_("suitable for SMEs"), null=True, blank=True)
    award_count = models.PositiveIntegerField(_("awards"), default=0)
    contract_count = models.PositiveIntegerField(_("contracts"), default=0)
    release_count = models.PositiveIntegerField(_("releases"), default=0)
    last_release_at = models.DateTimeField(_("last release"), null=True, blank=True)
    language = models.CharField(max_length=10, blank=True)
    compiled = models.JSONField(default=dict)
    search_stems = models.TextField(blank=True, default="", editable=False)
    compiled_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        ordering = ["-last_release_at", "-id"]
        indexes = [
            models.Index(fields=["-last_release_at", "-id"], name="tender_newest"),
            models.Index(fields=["submission_deadline", "id"], name="tender_deadline"),
            models.Index(fields=["status"], name="tender_status"),
            models.Index(fields=["method"], name="tender_method"),
            models.Index(fields=["buyer_name"], name="tender_buyer"),
            models.Index(fields=["classification_id"], name="tender_classification"),
            models.Index(fields=["value_amount"], name="tender_value"),
            models.Index(fields=["compiled_at"], name="tender_compiled_at"),
        ]

    def __str__(self) -> str:
        return self.title or self.ocid

    def get_absolute_url(self) -> str:
        return reverse("procurement:tender", args=[self.ocid])


class SavedSearch(TimeStampedModel):
    """A person's tender search, kept to run again and, with alerts on, to be told of new matches
    by e-mail: each tender once. Only tenders (re)compiled after the last check count as new."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tender_searches", verbose_name=_("owner")
    )
    name = models.CharField(_("name"), max_length=120)
    params = models.JSONField(_("search"), default=dict)
    alerts = models.BooleanField(_("e-mail me new matches"), default=True)
    checked_at = models.DateTimeField(_("last checked"))

    class Meta:
        verbose_name = _("saved tender search")
        verbose_name_plural = _("saved tender searches")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class SearchAlert(models.Model):
    """A tender a saved search has told its owner about: never twice."""

    search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="alerts_sent")
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tender alert")
        verbose_name_plural = _("tender alerts")
        constraints = [models.UniqueConstraint(fields=["search", "tender"], name="alert_once_per_tender")]

    def __str__(self) -> str:
        return f"{self.search} · {self.tender}"
