"""Every write on people, organizations and memberships. Each function checks the
actor's permission, runs in one transaction and records an audit event."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from govtech.accounts import notification_kinds, tasks
from govtech.accounts.models import (
    INVITATION_LIFETIME,
    Invitation,
    Language,
    Membership,
    MembershipRole,
    Organization,
    OrganizationKind,
    PlatformRole,
    User,
)
from govtech.core import audit
from govtech.core.errors import Conflict, ServiceError, reject_unknown_fields
from govtech.core.permissions import require_perm
from govtech.core.text import unique_slug
from govtech.notifications import services as notifications

PROFILE_FIELDS = ["full_name", "language"]
ORGANIZATION_FIELDS = [
    "kind",
    "name",
    "slug",
    "description",
    "website",
    "inn",
    "ogrn",
    "founded_on",
    "is_sme",
    "headcount",
    "parent",
    "district",
    "is_active",
]
EDITABLE_ORGANIZATION_FIELDS = [f for f in ORGANIZATION_FIELDS if f not in {"kind", "slug"}]


# --- people ---------------------------------------------------------------


@transaction.atomic
def user_update_profile(*, actor: User, user: User, full_name: str | None = None, language: str | None = None) -> User:
    """A person edits only their own profile."""
    require_perm(actor, "accounts.change_own_profile", user)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = audit.snapshot(user, PROFILE_FIELDS)
    if full_name is not None:
        user.full_name = full_name.strip()
    if language is not None:
        if language not in Language.values:
            raise ServiceError(_("Choose Russian or English."), field="language")
        user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=PROFILE_FIELDS)
    audit.record(
        actor=actor,
        action="user.profile_updated",
        target=user,
        before=before,
        after=audit.snapshot(user, PROFILE_FIELDS),
    )
    return user


@transaction.atomic
def platform_role_set(*, actor: User, user: User, role: str, granted: bool) -> User:
    """Only an operator grants or withdraws the expert and operator roles; the last
    operator cannot be withdrawn, so the platform is never left without one."""
    require_perm(actor, "accounts.grant_platform_role")
    if role not in PlatformRole.values:
        raise ServiceError(_("Unknown platform role."), field="role", code="unknown_role")
    if role == PlatformRole.OPERATOR and not granted:
        # Lock every operator, always in the same order, before counting them: otherwise two
        # operators withdrawing each other at once would both see the other remain.
        list(User.objects.select_for_update().filter(is_operator=True, is_active=True).order_by("pk").values_list("pk"))
    user = User.objects.select_for_update().get(pk=user.pk)
    field = f"is_{role}"
    if getattr(user, field) == granted:
        return user
    if role == PlatformRole.OPERATOR and not granted:
        remaining = User.objects.filter(is_operator=True, is_active=True).exclude(pk=user.pk).count()
        if remaining == 0:
            raise Conflict(_("The last operator cannot lose the role."), code="last_operator")
    before = {"roles": user.platform_roles, "is_staff": user.is_staff}
    setattr(user, field, granted)
    if role == PlatformRole.OPERATOR:
        user.is_staff = granted or user.is_superuser  # operators use the admin
    user.save(update_fields=[field, "is_staff"])
    audit.record(
        actor=actor,
        action="user.role_granted" if granted else "user.role_withdrawn",
        target=user,
        before=before,
        after={"roles": user.platform_roles, "is_staff": user.is_staff},
    )
    notifications.notify(
        kind=notification_kinds.ROLE_CHANGED.key, recipient_ids=[user.pk], params={"role": role, "granted": granted}
    )
    return user


# --- organizations --------------------------------------------------------


def _check_parent(parent: Organization | None) -> None:
    if parent is not None and parent.kind != OrganizationKind.AGENCY:
        raise ServiceError(_("The parent must itself be an agency."), field="parent")


@transaction.atomic
def organization_create(*, actor: User, kind: str, name: str, **fields) -> Organization:
    """Anyone signed in may register a supplier or partner and becomes its administrator;
    agencies and operator organizations are created by an operator."""
    if kind not in OrganizationKind.values:
        raise ServiceError(_("Unknown kind of organization."), field="kind")
    require_perm(actor, "accounts.add_organization", kind)
    reject_unknown_fields(fields, set(ORGANIZATION_FIELDS) | {"logo"})
    _check_parent(fields.get("parent"))
    organization = Organization(kind=kind, name=name.strip(), **fields)
    organization.slug = fields.get("slug") or unique_slug(Organization, name, "org")
    organization.full_clean()
    try:
        with transaction.atomic():
            organization.save()
    except IntegrityError as exc:
        raise Conflict(_("An organization with this INN or address name already exists."), field="inn") from exc
    Membership.objects.create(user=actor, organization=organization, role=MembershipRole.ADMIN)
    audit.record(
        actor=actor,
        action="organization.created",
        target=organization,
        after=audit.snapshot(organization, ORGANIZATION_FIELDS),
    )
    return organization


@transaction.atomic
def organization_update(*, actor: User, organization: Organization, **fields) -> Organization:
    """An organization's administrators (or an operator) edit its profile."""
    require_perm(actor, "accounts.change_organization", organization)
    reject_unknown_fields(fields, set(EDITABLE_ORGANIZATION_FIELDS) | {"logo"})
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    before = audit.snapshot(organization, EDITABLE_ORGANIZATION_FIELDS)
    _check_parent(fields.get("parent"))
    for name, value in fields.items():
        setattr(organization, name, value)
    organization.full_clean()
    try:
        with transaction.atomic():
            organization.save()
    except IntegrityError as exc:
        raise Conflict(_("An organization with this INN already exists."), field="inn") from exc
    after = audit.snapshot(organization, EDITABLE_ORGANIZATION_FIELDS)
    audit.record(actor=actor, action="organization.updated", target=organization, before=before, after=after)
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        notifications.notify_followers(
            kind="follow.updated",
            target=organization,
            params={"object": organization.name},
            url=organization.get_absolute_url(),
            exclude_user_id=actor.pk,
        )
    return organization


# --- invitations and memberships -------------------------------------------


@transaction.atomic
def invitation_create(
    *, actor: User, organization: Organization, email: str, role: str = MembershipRole.MEMBER
) -> Invitation:
    """An organization's administrator invites a person by e-mail; the worker sends it."""
    require_perm(actor, "accounts.invite_member", organization)
    email = User.objects.normalize_email(email).strip().lower()
    if role not in MembershipRole.values:
        raise ServiceError(_("Unknown role."), field="role")
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise Conflict(_("This person is already a member."), field="email", code="already_member")
    # An expired invitation may be replaced; an open one may not be doubled.
    open_invitations = Invitation.objects.select_for_update().filter(
        organization=organization, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
    now = timezone.now()
    for existing in open_invitations:
        if existing.expires_at > now:
            raise Conflict(_("This address already has an open invitation."), field="email", code="already_invited")
        existing.revoked_at = now
        existing.save(update_fields=["revoked_at"])
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role,
        invited_by=actor,
        language=(get_language() or Language.RUSSIAN)[:2],
        expires_at=now + INVITATION_LIFETIME,
    )
    invitation.full_clean(exclude=["invited_by", "accepted_by"])
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as exc:  # the same address invited at the same moment
        raise Conflict(
            _("This address already has an open invitation."), field="email", code="already_invited"
        ) from exc
    audit.record(
        actor=actor,
        action="invitation.created",
        target=invitation,
        after={"organization": organization.pk, "email": email, "role": role},
    )
    transaction.on_commit(lambda: tasks.invitation_send_task.enqueue(invitation_id=invitation.pk))
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    require_perm(actor, "accounts.invite_member", invitation.organization)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise Conflict(_("Only a pending invitation can be revoked."), code="not_pending")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="invitation.revoked", target=invitation)
    return invitation


@transaction.atomic
def invitation_accept(*, actor: User, invitation: Invitation) -> Membership:
    """The invited person, signed in with the invited address, joins the organization."""
    invitation = Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)
    if not invitation.is_pending:
        raise Conflict(_("This invitation is no longer valid."), code="invitation_not_pending")
    if actor.email.lower() != invitation.email.lower():
        raise ServiceError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email},
            code="wrong_account",
        )
    membership, _created = Membership.objects.get_or_create(
        user=actor, organization=invitation.organization, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(
        actor=actor,
        action="invitation.accepted",
        target=invitation,
        after={"membership": membership.pk, "role": membership.role},
    )
    admins = Membership.objects.filter(organization=invitation.organization, role=MembershipRole.ADMIN).exclude(
        user=actor
    )
    notifications.notify(
        kind=notification_kinds.MEMBER_JOINED.key,
        recipient_ids=admins.values_list("user_id", flat=True),
        params={"person": str(actor), "organization": invitation.organization.name},
        url=invitation.organization.get_absolute_url(),
    )
    return membership


@transaction.atomic
def membership_add(*, actor: User, organization: Organization, user: User, role: str) -> Membership:
    """An operator places a person in an organization directly (for example the staff of a
    new agency, after checking their employment); everyone else joins by invitation."""
    require_perm(actor, "accounts.add_membership_directly", organization)
    if role not in MembershipRole.values:
        raise ServiceError(_("Unknown role."), field="role")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, organization=organization, role=role)
    except IntegrityError as exc:
        raise Conflict(_("This person is already a member."), code="already_member") from exc
    audit.record(
        actor=actor,
        action="membership.added",
        target=membership,
        after={"user": user.pk, "organization": organization.pk, "role": role},
    )
    return membership


@transaction.atomic
def operator_bootstrap(*, user: User) -> User:
    """Make the first operator of a new installation. Refused once any operator exists:
    from then on only operators grant roles (platform_role_set)."""
    if User.objects.select_for_update().filter(is_operator=True, is_active=True).exists():
        raise Conflict(_("The platform already has an operator."), code="operator_exists")
    user = User.objects.select_for_update().get(pk=user.pk)
    user.is_operator = user.is_staff = True
    user.save(update_fields=["is_operator", "is_staff"])
    audit.record(actor=None, action="user.operator_bootstrapped", target=user, after={"roles": user.platform_roles})
    return user


def _ensure_an_admin_remains(membership: Membership) -> None:
    others = Membership.objects.filter(organization=membership.organization, role=MembershipRole.ADMIN).exclude(
        pk=membership.pk
    )
    if not others.exists():
        raise Conflict(_("An organization must keep at least one administrator."), code="last_admin")


@transaction.atomic
def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    require_perm(actor, "accounts.change_membership", membership.organization)
    if role not in MembershipRole.values:
        raise ServiceError(_("Unknown role."), field="role")
    membership = Membership.objects.select_for_update().select_related("organization").get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == MembershipRole.ADMIN:
        _ensure_an_admin_remains(membership)
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit.record(
        actor=actor, action="membership.role_changed", target=membership, before={"role": before}, after={"role": role}
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    """An administrator removes a member; anyone may leave on their own."""
    if membership.user_id != actor.pk:
        require_perm(actor, "accounts.change_membership", membership.organization)
    membership = Membership.objects.select_for_update().select_related("organization").get(pk=membership.pk)
    if membership.role == MembershipRole.ADMIN:
        _ensure_an_admin_remains(membership)
    audit.record(
        actor=actor,
        action="membership.removed",
        target=membership,
        before={"user": membership.user_id, "organization": membership.organization_id, "role": membership.role},
    )
    membership.delete()


@transaction.atomic
def user_record_signup(*, user: User) -> None:
    """Sign-up itself is django-allauth's form; this puts the new account on record."""
    audit.record(actor=user, action="user.signed_up", target=user, after=audit.snapshot(user, ["email", "language"]))


# --- API tokens ------------------------------------------------------------


@transaction.atomic
def api_token_regenerate(*, actor: User):
    """A person replaces their own API token; the old one stops working at once."""
    from rest_framework.authtoken.models import Token

    require_perm(actor, "accounts.change_own_profile", actor)
    Token.objects.filter(user=actor).delete()
    token = Token.objects.create(user=actor)
    audit.record(actor=actor, action="user.api_token_regenerated", target=actor)
    return token
