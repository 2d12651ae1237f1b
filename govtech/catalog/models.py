"""The catalog: suppliers' products, their accreditation by expert review for a limited time,
agencies' reviews, and direct award — buying projects with a frozen search and orders under a
threshold, each order carried into the funnel at adoption."""

import copy
import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govtech.challenges.models import Declaration
from govtech.core.models import TimeStampedModel
from govtech.core.uploads import UploadValidator, private_path
from govtech.funnel.models import Topic

# Products are filed under the city's domains, the same controlled list the funnel uses.
Category = Topic


class PricingModel(models.TextChoices):
    SUBSCRIPTION = "subscription", _("Subscription")
    PER_USER = "per_user", _("Per user")
    LICENCE = "licence", _("One-off licence")
    USAGE = "usage", _("Pay per use")
    PROJECT = "project", _("Fixed price per project")
    FREE = "free", _("Free or open source")


class Deployment(models.TextChoices):
    SAAS = "saas", _("Cloud service (SaaS)")
    ON_PREMISES = "on_premises", _("On the agency's premises")
    HYBRID = "hybrid", _("Hybrid")


class DataLocation(models.TextChoices):
    CITY = "city", _("City data centre")
    RUSSIA = "russia", _("Data centres in Russia")
    ABROAD = "abroad", _("Outside Russia")


class Language(models.TextChoices):
    RU = "ru", _("Russian")
    EN = "en", _("English")
    TT = "tt", _("Tatar")
    KK = "kk", _("Kazakh")
    ZH = "zh", _("Chinese")


class ProductStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("product status", "Draft")
    PUBLISHED = "published", pgettext_lazy("product status", "Published")
    ARCHIVED = "archived", pgettext_lazy("product status", "Archived")


class AccreditationState(models.TextChoices):
    """Derived from the clock and the applications, never stored: an accreditation expires by itself."""

    ACCREDITED = "accredited", pgettext_lazy("accreditation", "Accredited")
    IN_REVIEW = "in_review", pgettext_lazy("accreditation", "Under review")
    EXPIRED = "expired", pgettext_lazy("accreditation", "Expired")
    NONE = "none", pgettext_lazy("accreditation", "Not accredited")


class PriceBand(models.TextChoices):
    UNDER_100K = "under_100k", _("Up to 100,000 ₽")
    FROM_100K = "100k_1m", _("100,000 – 1,000,000 ₽")
    FROM_1M = "1m_3m", _("1,000,000 – 3,000,000 ₽")
    OVER_3M = "over_3m", _("Over 3,000,000 ₽")
    ON_REQUEST = "on_request", _("Price on request")


# Each band holds prices above its lower bound up to and including its upper bound, so that a
# product at exactly 3,000,000 ₽ — the default direct-award threshold — falls in a band a buyer
# may order from directly.
PRICE_BANDS = {
    PriceBand.UNDER_100K: (None, Decimal(100_000)),
    PriceBand.FROM_100K: (Decimal(100_000), Decimal(1_000_000)),
    PriceBand.FROM_1M: (Decimal(1_000_000), Decimal(3_000_000)),
    PriceBand.OVER_3M: (Decimal(3_000_000), None),
}


def price_band_of(price: Decimal | None) -> str:
    """The band a price falls in: each band includes its upper bound, not its lower one."""
    if price is None:
        return PriceBand.ON_REQUEST
    for band, (low, high) in PRICE_BANDS.items():
        if (low is None or price > low) and (high is None or price <= high):
            return band
    return PriceBand.ON_REQUEST


def product_file_path(instance, filename: str) -> str:
    return private_path("catalog", filename)


class Product(TimeStampedModel):
    supplier = models.ForeignKey(
        "accounts.Organization", verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("address name"), max_length=90, unique=True)
    summary = models.CharField(_("summary"), max_length=300)
    description = models.TextField(_("description"), help_text=_("Markdown: paragraphs, lists, links."))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    trl = models.PositiveSmallIntegerField(
        _("technology readiness level"),
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text=_("1 — basic principles observed … 9 — proven in operation."),
    )
    pricing_model = models.CharField(_("pricing model"), max_length=20, choices=PricingModel.choices)
    price_from = models.DecimalField(
        _("price from, ₽"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Leave empty when the price is given on request."),
    )
    deployment = models.CharField(_("deployment"), max_length=20, choices=Deployment.choices)
    data_location = models.CharField(_("data location"), max_length=20, choices=DataLocation.choices)
    languages = models.JSONField(_("interface languages"), default=list, blank=True)
    website = models.URLField(_("website"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ProductStatus.choices, default=ProductStatus.DRAFT)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Kept by the services so that lists filter and sort without joins.
    accredited_until = models.DateField(_("accredited until"), null=True, blank=True)
    has_open_application = models.BooleanField(default=False)
    expert_score = models.DecimalField(_("expert score"), max_digits=5, decimal_places=2, null=True, blank=True)
    review_count = models.PositiveIntegerField(_("agency reviews"), default=0)
    review_sum = models.PositiveIntegerField(default=0)
    rating = models.DecimalField(_("rating"), max_digits=4, decimal_places=2, null=True, blank=True)
    search_stems = models.TextField(blank=True, default="", editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(trl__gte=1, trl__lte=9), name="product_trl_1_to_9"),
            models.CheckConstraint(
                condition=Q(price_from__isnull=True) | Q(price_from__gte=0), name="product_price_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="product_newest"),
            models.Index(fields=["status", "-rating", "-id"], name="product_rating"),
            models.Index(fields=["status", "category"], name="product_category"),
            models.Index(fields=["accredited_until"], name="product_accredited_until"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        SearchRevision.bump()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        SearchRevision.bump()
        return result

    def get_absolute_url(self) -> str:
        return reverse("catalog:product-detail", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.status == ProductStatus.PUBLISHED

    def accreditation_state(self, today: dt.date | None = None) -> str:
        today = today or timezone.localdate()
        if self.accredited_until and self.accredited_until >= today:
            return AccreditationState.ACCREDITED
        if self.has_open_application:
            return AccreditationState.IN_REVIEW
        if self.accredited_until:
            return AccreditationState.EXPIRED
        return AccreditationState.NONE

    def get_accreditation_state_display(self) -> str:
        return AccreditationState(self.accreditation_state()).label

    @property
    def is_accredited(self) -> bool:
        return self.accreditation_state() == AccreditationState.ACCREDITED

    @property
    def price_band(self) -> str:
        return price_band_of(self.price_from)

    def language_labels(self) -> list[str]:
        return [str(Language(code).label) for code in self.languages if code in Language.values]


class FileKind(models.TextChoices):
    SCREENSHOT = "screenshot", _("Screenshot")
    DOCUMENT = "document", _("Document")


class ProductFile(models.Model):
    """A screenshot or a document of a product, checked by content, served by an access-checked view."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("kind"), max_length=12, choices=FileKind.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=product_file_path, validators=[UploadValidator("document")])

    class Meta:
        verbose_name = _("product file")
        verbose_name_plural = _("product files")
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return self.title


class ReferenceKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PILOT = "pilot", _("Pilot")


class ProductReference(models.Model):
    """Where the product is used: an agency on the platform or any other named customer."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="references")
    kind = models.CharField(_("kind"), max_length=12, choices=ReferenceKind.choices)
    agency = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("agency on the platform"),
    )
    customer = models.CharField(_("customer"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(
        _("year"), null=True, blank=True, validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    description = models.CharField(_("what was done"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("reference")
        verbose_name_plural = _("references")
        ordering = [models.F("year").desc(nulls_last=True), "id"]

    def __str__(self) -> str:
        return self.customer or str(self.agency or "")


# --- accreditation ---------------------------------------------------------------------------


class WindowState(models.TextChoices):
    UPCOMING = "upcoming", _("Opens soon")
    OPEN = "open", _("Open for applications")
    CLOSED = "closed", _("Closed")


def default_eligibility() -> dict:
    # A copy: a cycle's rules edited in memory must not change the settings (every later default).
    return copy.deepcopy(settings.GOVTECH_CATALOG_ELIGIBILITY)


class IntakeCycle(TimeStampedModel):
    """A period in which suppliers apply for accreditation (quarterly by default), with its own
    eligibility rules (configuration, see catalog.eligibility) and accreditation term."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address name"), max_length=80, unique=True)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    eligibility = models.JSONField(_("eligibility rules"), default=default_eligibility)
    accreditation_months = models.PositiveSmallIntegerField(
        _("accreditation term, months"), default=18, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    min_experts = models.PositiveSmallIntegerField(
        _("experts per application"), default=2, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("intake cycle")
        verbose_name_plural = _("intake cycles")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="cycle_closes_after_opening")
        ]

    def __str__(self) -> str:
        return self.name

    def window_state(self, now=None) -> str:
        now = now or timezone.now()
        if now < self.opens_at:
            return WindowState.UPCOMING
        if now < self.closes_at:
            return WindowState.OPEN
        return WindowState.CLOSED


class CriterionKey(models.TextChoices):
    TECHNOLOGY = "technology", _("Technology")
    BUSINESS = "business", _("Business")
    SECURITY = "security", _("Security")


class Criterion(models.Model):
    """What experts score an application on; weights add up to 100 (set in the admin)."""

    key = models.CharField(_("criterion"), max_length=20, choices=CriterionKey.choices, unique=True)
    weight = models.PositiveSmallIntegerField(_("weight, %"), validators=[MinValueValidator(1), MaxValueValidator(100)])
    scale_max = models.PositiveSmallIntegerField(
        _("top of the scale"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("accreditation criterion")
        verbose_name_plural = _("accreditation criteria")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.get_key_display()

    @property
    def name(self) -> str:
        return str(self.get_key_display())


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("application status", "Submitted")
    ACCREDITED = "accredited", pgettext_lazy("application status", "Accredited")
    DECLINED = "declined", pgettext_lazy("application status", "Declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("application status", "Withdrawn")


OPEN_APPLICATION = (ApplicationStatus.SUBMITTED,)


class Application(TimeStampedModel):
    """A supplier asks for a product's accreditation in an intake cycle."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="applications")
    cycle = models.ForeignKey(IntakeCycle, on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(
        _("status"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    statement = models.TextField(_("why the product should be accredited"))
    recommended_by = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recommending partner organization"),
    )
    recommendation = models.TextField(_("recommendation"), blank=True)
    eligibility = models.JSONField(_("eligibility check"), default=dict, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    accredited_until = models.DateField(_("accredited until"), null=True, blank=True)
    expert_score = models.DecimalField(_("expert score"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("accreditation application")
        verbose_name_plural = _("accreditation applications")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "cycle"], name="application_once_per_cycle"),
            models.UniqueConstraint(
                fields=["product"], condition=Q(status="submitted"), name="application_one_open_per_product"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} · {self.cycle}"

    def get_absolute_url(self) -> str:
        return reverse("catalog:application-detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION


class Review(TimeStampedModel):
    """An expert asked to score one application, after declaring any conflict of interest (the
    same declaration the challenges' panels use)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="catalog_reviews")
    conflict = models.CharField(
        _("conflict of interest"), max_length=12, choices=Declaration.choices, default=Declaration.UNDECLARED
    )
    conflict_note = models.TextField(_("conflict note"), blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(_("review completed"), null=True, blank=True)
    summary = models.TextField(_("overall comment"), blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("expert review")
        verbose_name_plural = _("expert reviews")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["application", "expert"], name="catalog_review_unique_expert")]

    def __str__(self) -> str:
        return f"{self.expert} → {self.application}"

    def get_absolute_url(self) -> str:
        return reverse("catalog:review-detail", kwargs={"pk": self.pk})

    @property
    def is_recused(self) -> bool:
        return self.conflict == Declaration.RECUSED

    @property
    def may_score(self) -> bool:
        return self.conflict == Declaration.NONE


class ReviewScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    value = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["criterion__position", "criterion_id"]
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="catalog_score_unique_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


class ExpiryReminder(models.Model):
    """One reminder per product, accreditation end date and lead time: never sent twice."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="expiry_reminders")
    accredited_until = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "accredited_until", "days_before"], name="expiry_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.days_before} days before {self.accredited_until}"


# --- use and agency reviews ------------------------------------------------------------------


class UseKind(models.TextChoices):
    ORDER = "order", _("Completed order")
    PILOT = "pilot", _("Pilot")


class SearchRevision(models.Model):
    """One row whose token changes with every change to what the catalog search shows (a
    product's row or its uses), in the same transaction: each process's search snapshot
    (catalog.search_index) is rebuilt when the token it was built at is no longer current."""

    token = models.UUIDField(default=uuid.uuid4)

    def __str__(self) -> str:
        return str(self.token)

    @classmethod
    def bump(cls) -> None:
        # An upsert: no race between two first writers, on either database.
        cls.objects.bulk_create(
            [cls(pk=1, token=uuid.uuid4())], update_conflicts=True, unique_fields=["id"], update_fields=["token"]
        )

    @classmethod
    def current(cls) -> uuid.UUID | None:
        return cls.objects.filter(pk=1).values_list("token", flat=True).first()


class ProductUse(models.Model):
    """An agency really used the product: a completed order, or a pilot recorded in the funnel.
    It is what entitles the agency to review the product and what the "used by" facet counts."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="uses")
    agency = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="product_uses")
    kind = models.CharField(_("kind"), max_length=10, choices=UseKind.choices)
    order = models.OneToOneField("Order", null=True, blank=True, on_delete=models.CASCADE, related_name="use")
    initiative = models.ForeignKey(
        "funnel.Initiative", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("product use")
        verbose_name_plural = _("product uses")
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["agency", "product"], name="product_use_agency")]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative"], condition=Q(kind="pilot"), name="product_use_one_pilot_per_initiative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency} · {self.product}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        SearchRevision.bump()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        SearchRevision.bump()
        return result


class AgencyReview(TimeStampedModel):
    """An agency's review of a product it used: one per agency and product."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="agency_reviews")
    agency = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stars = models.PositiveSmallIntegerField(_("rating, 1–5"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    text = models.TextField(_("review"))
    use = models.ForeignKey(ProductUse, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("agency review")
        verbose_name_plural = _("agency reviews")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["product", "agency"], name="agency_review_once"),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="agency_review_stars_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} · {self.product}: {self.stars}"


# --- direct award ----------------------------------------------------------------------------


class ProjectStatus(models.TextChoices):
    SEARCHING = "searching", _("Searching")
    ENDED = "ended", _("Search ended, assessing")
    DONE = "done", _("Outcome recorded")


class Outcome(models.TextChoices):
    AWARDED = "awarded", _("Awarded")
    NONE_SUITABLE = "none_suitable", _("No product suitable")
    CANCELLED = "cancelled", _("Cancelled")


class BuyingProject(TimeStampedModel):
    """An agency buyer's direct-award file: the saved search, the shortlist, the frozen results,
    the assessments and the outcome — the audit trail that justifies the choice."""

    agency = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="buying_projects")
    title = models.CharField(_("title"), max_length=200)
    need = models.TextField(_("what the agency needs"))
    query = models.JSONField(_("saved search"), default=dict, blank=True)
    initiative = models.ForeignKey(
        "funnel.Initiative",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("initiative in the funnel"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.SEARCHING
    )
    ended_at = models.DateTimeField(_("search ended"), null=True, blank=True)
    result_count = models.PositiveIntegerField(_("results when ended"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(_("outcome rationale"), blank=True)
    awarded_product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("awarded product")
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("buying project")
        verbose_name_plural = _("buying projects")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalog:project-detail", kwargs={"pk": self.pk})


class ShortlistItem(models.Model):
    project = models.ForeignKey(BuyingProject, on_delete=models.CASCADE, related_name="shortlist")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("why shortlisted"), max_length=500, blank=True)
    added_at = models.DateTimeField(default=timezone.now)
    score = models.PositiveSmallIntegerField(
        _("assessment, 0–100"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    assessment = models.TextField(_("assessment"), blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("shortlisted product")
        verbose_name_plural = _("shortlisted products")
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "product"], name="shortlist_once")]

    def __str__(self) -> str:
        return f"{self.project} · {self.product}"


class SnapshotRow(models.Model):
    """One result of the search as it stood when the buyer ended it; never changed afterwards."""

    project = models.ForeignKey(BuyingProject, on_delete=models.CASCADE, related_name="snapshot")
    position = models.PositiveIntegerField()
    product = models.ForeignKey(Product, null=True, on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["project", "position"], name="snapshot_position_once")]

    def __str__(self) -> str:
        return f"{self.position}. {self.data.get('name', '')}"


class OrderStatus(models.TextChoices):
    PLACED = "placed", pgettext_lazy("order status", "Placed")
    ACCEPTED_BY_SUPPLIER = "accepted_by_supplier", pgettext_lazy("order status", "Accepted by the supplier")
    DELIVERED = "delivered", pgettext_lazy("order status", "Delivered")
    ACCEPTED = "accepted", pgettext_lazy("order status", "Accepted by the agency")
    DISPUTED = "disputed", pgettext_lazy("order status", "Disputed")
    CLOSED = "closed", pgettext_lazy("order status", "Closed")


# Who moves an order where: the supplier takes and delivers it, the agency accepts or disputes the
# delivery and closes it; a disputed order goes back to the supplier to deliver again, or is closed.
ORDER_MOVES = {
    OrderStatus.PLACED: {OrderStatus.ACCEPTED_BY_SUPPLIER: "supplier", OrderStatus.CLOSED: "agency"},
    OrderStatus.ACCEPTED_BY_SUPPLIER: {OrderStatus.DELIVERED: "supplier"},
    OrderStatus.DELIVERED: {OrderStatus.ACCEPTED: "agency", OrderStatus.DISPUTED: "agency"},
    OrderStatus.DISPUTED: {OrderStatus.DELIVERED: "supplier", OrderStatus.CLOSED: "agency"},
    OrderStatus.ACCEPTED: {OrderStatus.CLOSED: "agency"},
    OrderStatus.CLOSED: {},
}
COMPLETED_ORDER = (OrderStatus.ACCEPTED, OrderStatus.CLOSED)


class Order(TimeStampedModel):
    """A direct order of an accredited product, at or under the direct-award threshold."""

    project = models.OneToOneField(BuyingProject, on_delete=models.PROTECT, related_name="order")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="orders")
    supplier = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="received_orders")
    agency = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="placed_orders")
    amount = models.DecimalField(_("amount, ₽"), max_digits=14, decimal_places=2)
    description = models.TextField(_("what is ordered"))
    status = models.CharField(_("status"), max_length=24, choices=OrderStatus.choices, default=OrderStatus.PLACED)
    initiative = models.ForeignKey(
        "funnel.Initiative", on_delete=models.PROTECT, related_name="+", verbose_name=_("initiative in the funnel")
    )
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    was_accepted = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="order_amount_positive")]

    def __str__(self) -> str:
        return f"№ {self.pk} · {self.product}"

    def get_absolute_url(self) -> str:
        return reverse("catalog:order-detail", kwargs={"pk": self.pk})


class OrderEvent(models.Model):
    """The order's timeline: every move with who made it and their note."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=24, choices=OrderStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.status}"
