"""Pages for profiles, organizations, members and invitations. Thin: each reads
through selectors/access helpers and writes through one service call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import activate
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from govtech.accounts import access, selectors, services
from govtech.accounts.forms import (
    ORGANIZATION_FORM_FIELDS,
    InvitationForm,
    LanguageForm,
    OrganizationFilterForm,
    OrganizationForm,
    ProfileForm,
    UserFilterForm,
)
from govtech.accounts.models import MembershipRole, PlatformRole
from govtech.core.errors import ServiceError
from govtech.core.forms import run_service
from govtech.core.pagination import paginate
from govtech.core.views import safe_next
from govtech.notifications import selectors as notification_selectors


@require_POST
def set_language(request):
    """Switch the interface language; a signed-in person's profile remembers it."""
    form = LanguageForm(request.POST)
    response = HttpResponseRedirect(safe_next(request, reverse("web:home")))
    if not form.is_valid():
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.user_update_profile(actor=request.user, user=request.user, language=language)
    activate(language)
    response.set_cookie(
        "django_language",
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=False,
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        updated = run_service(
            form,
            lambda: services.user_update_profile(
                actor=request.user,
                user=request.user,
                full_name=form.cleaned_data["full_name"],
                language=form.cleaned_data["language"],
            ),
        )
        if updated:
            activate(updated.language)
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile")
    token = selectors.api_token_for_user(user=request.user)
    return render(request, "accounts/profile.html", {"form": form, "api_token": token})


@login_required
@require_POST
def api_token_regenerate(request):
    services.api_token_regenerate(actor=request.user)
    messages.success(request, _("A new API token was created; the old one no longer works."))
    return redirect("accounts:profile")


def organization_list(request):
    form = OrganizationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    sme = {"yes": True, "no": False}.get(filters.get("sme") or "")
    organizations = selectors.organization_list(kind=filters.get("kind") or None, query=filters.get("q"), is_sme=sme)
    page = paginate(request, organizations)
    template = "accounts/partials/_organization_results.html" if request.htmx else "accounts/organization_list.html"
    return render(request, template, {"form": form, "page_obj": page})


@login_required
def my_organizations(request):
    organizations = selectors.organization_list_for_user(user=request.user)
    return render(request, "accounts/my_organizations.html", {"organizations": organizations})


@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request):
    form = OrganizationForm(request.POST or None, request.FILES or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organization = run_service(
            form,
            lambda: services.organization_create(
                actor=request.user,
                kind=data["kind"],
                name=data["name"],
                **{name: data[name] for name in ORGANIZATION_FORM_FIELDS if name != "name"},
            ),
        )
        if organization:
            messages.success(request, _("The organization is registered. You are its administrator."))
            return redirect(organization)
    return render(request, "accounts/organization_form.html", {"form": form, "is_new": True})


def organization_detail(request, slug):
    organization = access.access_organization(actor=request.user, slug=slug)
    context = {
        "organization": organization,
        "children": organization.children.filter(is_active=True).order_by("name"),
        "my_role": selectors.membership_role(user=request.user, organization=organization),
        "can_edit": request.user.has_perm("accounts.change_organization", organization),
        "can_see_members": request.user.has_perm("accounts.view_organization_members", organization),
        "is_following": notification_selectors.is_following(user=request.user, target=organization),
        "follower_count": notification_selectors.follower_count(target=organization),
    }
    return render(request, "accounts/organization_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request, slug):
    organization = access.access_organization(actor=request.user, slug=slug, perm="accounts.change_organization")
    form = OrganizationForm(request.POST or None, request.FILES or None, instance=organization, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in ORGANIZATION_FORM_FIELDS}
        if not request.FILES.get("logo") and data.get("logo") is not False:
            fields.pop("logo")  # keep the current logo unless a new one is uploaded or it is cleared
        updated = run_service(
            form, lambda: services.organization_update(actor=request.user, organization=organization, **fields)
        )
        if updated:
            messages.success(request, _("Changes saved."))
            return redirect(updated)
    return render(request, "accounts/organization_form.html", {"form": form, "organization": organization})


def _members_context(request, organization, invite_form=None):
    can_manage = request.user.has_perm("accounts.invite_member", organization)
    return {
        "organization": organization,
        "page_obj": paginate(request, selectors.membership_list(organization=organization)),
        "invitations": selectors.invitation_list(organization=organization) if can_manage else [],
        "invite_form": invite_form or InvitationForm(),
        "can_manage": can_manage,
        "roles": MembershipRole.choices,
    }


@login_required
@require_http_methods(["GET", "POST"])
def organization_members(request, slug):
    organization = access.access_organization(actor=request.user, slug=slug, perm="accounts.view_organization_members")
    invite_form = None
    if request.method == "POST":
        if not request.user.has_perm("accounts.invite_member", organization):
            raise PermissionDenied
        invite_form = InvitationForm(request.POST)
        if invite_form.is_valid():
            invitation = run_service(
                invite_form,
                lambda: services.invitation_create(
                    actor=request.user,
                    organization=organization,
                    email=invite_form.cleaned_data["email"],
                    role=invite_form.cleaned_data["role"],
                ),
            )
            if invitation:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
                return redirect("accounts:organization-members", slug=organization.slug)
    return render(request, "accounts/organization_members.html", _members_context(request, organization, invite_form))


@login_required
@require_POST
def membership_update(request, slug, membership_id):
    organization = access.access_organization(actor=request.user, slug=slug)
    membership = access.access_membership(actor=request.user, organization=organization, membership_id=membership_id)
    action = request.POST.get("action")
    try:
        if action == "remove":
            services.membership_remove(actor=request.user, membership=membership)
            messages.success(request, _("The member was removed."))
            if membership.user_id == request.user.pk:
                return redirect("accounts:my-organizations")
        else:
            services.membership_change_role(
                actor=request.user, membership=membership, role=request.POST.get("role", "")
            )
            messages.success(request, _("The role was changed."))
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:organization-members", slug=organization.slug)


@login_required
@require_POST
def invitation_revoke(request, slug, invitation_id):
    organization = access.access_organization(actor=request.user, slug=slug)
    invitation = access.access_invitation_for_admin(
        actor=request.user, organization=organization, invitation_id=invitation_id
    )
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
        messages.success(request, _("The invitation was revoked."))
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:organization-members", slug=organization.slug)


@login_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    invitation = access.access_invitation_by_token(token=token)
    error = None
    if request.method == "POST":
        try:
            membership = services.invitation_accept(actor=request.user, invitation=invitation)
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, _("You joined %(organization)s.") % {"organization": membership.organization})
            return redirect(membership.organization)
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "error": error})


@login_required
def user_list(request):
    if not request.user.has_perm("accounts.view_user"):
        raise PermissionDenied
    form = UserFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = paginate(request, selectors.user_list(query=filters.get("q"), role=filters.get("role") or None))
    return render(request, "accounts/user_list.html", {"form": form, "page_obj": page, "roles": PlatformRole.choices})


@login_required
@require_POST
def user_role_update(request, user_id):
    person = access.access_user(actor=request.user, user_id=user_id)
    role = request.POST.get("role", "")
    granted = request.POST.get("granted") == "1"
    try:
        services.platform_role_set(actor=request.user, user=person, role=role, granted=granted)
        messages.success(request, _("Roles of %(person)s updated.") % {"person": person})
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(safe_next(request, reverse("accounts:user-list")))
