"""People, organizations and the memberships that give people their roles."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govtech.accounts.validators import validate_inn, validate_inn_matches_ogrn, validate_ogrn_any
from govtech.core.models import TimeStampedModel
from govtech.core.uploads import UploadValidator

INVITATION_LIFETIME = timedelta(days=14)
HEADCOUNT_MAX = 10_000_000


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, is_operator=True)
        return self._create(email, password, **extra)


class Language(models.TextChoices):
    RUSSIAN = "ru", _("Russian")
    ENGLISH = "en", _("English")


class PlatformRole(models.TextChoices):
    EXPERT = "expert", _("Expert")
    OPERATOR = "operator", _("Operator")


class User(AbstractUser):
    """A person. Signs in with e-mail; platform roles are flags granted only by an operator."""

    username = None
    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.RUSSIAN)
    is_expert = models.BooleanField(_("expert"), default=False)
    is_operator = models.BooleanField(_("operator"), default=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def has_platform_role(self, role: str) -> bool:
        return {PlatformRole.EXPERT: self.is_expert, PlatformRole.OPERATOR: self.is_operator}[role]

    @property
    def platform_roles(self) -> list[str]:
        return [role for role in PlatformRole.values if self.has_platform_role(role)]


class OrganizationKind(models.TextChoices):
    AGENCY = "agency", _("City agency")
    SUPPLIER = "supplier", _("Supplier")
    PARTNER = "partner", _("Partner")
    OPERATOR = "operator", _("Operator")


# People may register these kinds themselves; agencies and operators are set up by an operator.
SELF_SERVICE_KINDS = frozenset({OrganizationKind.SUPPLIER, OrganizationKind.PARTNER})


class Organization(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=255)
    slug = models.SlugField(_("address name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown is allowed."))
    website = models.URLField(_("website"), blank=True)
    logo = models.FileField(
        _("logo"), upload_to="logos/", blank=True, validators=[UploadValidator("image", 2 * 1024 * 1024)]
    )
    # Legal details (suppliers and partners that are legal entities or sole proprietors).
    inn = models.CharField(_("INN"), max_length=12, blank=True, validators=[validate_inn])
    ogrn = models.CharField(_("OGRN / OGRNIP"), max_length=15, blank=True, validators=[validate_ogrn_any])
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    is_sme = models.BooleanField(_("small or medium-sized enterprise"), default=False)
    headcount = models.PositiveIntegerField(
        _("headcount"), null=True, blank=True, validators=[MaxValueValidator(HEADCOUNT_MAX)]
    )
    # Agencies.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    district = models.CharField(_("district"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["inn"], condition=~models.Q(inn=""), name="organization_unique_inn"),
            models.CheckConstraint(
                condition=models.Q(headcount__isnull=True) | models.Q(headcount__lte=HEADCOUNT_MAX),
                name="organization_headcount_sane",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:organization-detail", kwargs={"slug": self.slug})

    @property
    def is_supplier(self) -> bool:
        return self.kind == OrganizationKind.SUPPLIER

    @property
    def is_agency(self) -> bool:
        return self.kind == OrganizationKind.AGENCY

    def clean(self) -> None:
        errors = {}
        if self.is_supplier and not self.inn:
            errors["inn"] = _("A supplier must give its INN.")
        if self.is_supplier and not self.ogrn:
            errors["ogrn"] = _("A supplier must give its OGRN or OGRNIP.")
        if self.inn and self.ogrn and "inn" not in errors:
            try:
                validate_inn_matches_ogrn(self.inn, self.ogrn)
            except ValidationError as exc:
                errors["ogrn"] = exc.messages[0]
        if self.founded_on and self.founded_on > timezone.localdate():
            errors["founded_on"] = _("The founding date cannot be in the future.")
        if self.parent_id and not self.is_agency:
            errors["parent"] = _("Only an agency can have a parent agency.")
        if self.parent_id and self.parent and not self.parent.is_agency:
            errors["parent"] = _("The parent must itself be an agency.")
        if self.parent_id and self.pk and self.parent_id == self.pk:
            errors["parent"] = _("An agency cannot be its own parent.")
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None) -> None:
        # The INN constraint is conditional, so Django would report a duplicate by the
        # constraint's name and on no field; say it in words, next to the INN.
        exclude = set(exclude or ())
        errors = {}
        if self.inn and "inn" not in exclude:
            if Organization.objects.filter(inn=self.inn).exclude(pk=self.pk).exists():
                errors["inn"] = [ValidationError(_("An organization with this INN already exists."), code="unique")]
            exclude.add("inn")
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


class MembershipRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MEMBER = "member", _("Member")


class Membership(TimeStampedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


def new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(TimeStampedModel):
    """An e-mail invitation to join an organization. Its status follows from its timestamps."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token, editable=False)
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.RUSSIAN)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField(_("expires at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address and organization.
            models.UniqueConstraint(
                Lower("email"),
                "organization",
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    def get_status_display(self) -> str:
        return InvitationStatus(self.status).label

    @property
    def is_pending(self) -> bool:
        return self.status == InvitationStatus.PENDING

    def get_absolute_url(self) -> str:
        return reverse("accounts:invitation-accept", kwargs={"token": self.token})
