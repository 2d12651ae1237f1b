"""The only way a view or the API gets an accounts object for an actor.

Each helper answers "not found" both for a missing object and for one the actor
may not see, so identifiers reveal nothing (no insecure direct object references)."""

from django.http import Http404

from govtech.accounts.models import Invitation, Membership, Organization, User


def access_organization(*, actor, slug: str, perm: str | None = None) -> Organization:
    """Active organizations are public; inactive ones only for their members and operators.
    With ``perm``, the actor must also hold that permission on it."""
    organization = Organization.objects.select_related("parent").filter(slug=slug).first()
    if organization is None:
        raise Http404
    if not organization.is_active and not actor.has_perm("accounts.view_organization_members", organization):
        raise Http404
    if perm and not actor.has_perm(perm, organization):
        raise Http404
    return organization


def access_membership(*, actor, organization: Organization, membership_id) -> Membership:
    """A membership of an organization whose members the actor may see."""
    if not actor.has_perm("accounts.view_organization_members", organization):
        raise Http404
    membership = (
        Membership.objects.select_related("user", "organization")
        .filter(pk=membership_id, organization=organization)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def access_invitation_for_admin(*, actor, organization: Organization, invitation_id) -> Invitation:
    if not actor.has_perm("accounts.invite_member", organization):
        raise Http404
    invitation = Invitation.objects.filter(pk=invitation_id, organization=organization).first()
    if invitation is None:
        raise Http404
    return invitation


def access_invitation_by_token(*, token: str) -> Invitation:
    """The token is the secret: whoever holds the link may see the invitation."""
    invitation = Invitation.objects.select_related("organization", "invited_by").filter(token=token).first()
    if invitation is None:
        raise Http404
    return invitation


def access_user(*, actor, user_id) -> User:
    """Other people's accounts are visible to operators only."""
    if not actor.has_perm("accounts.view_user"):
        raise Http404
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    return user
