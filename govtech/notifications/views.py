from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from govtech.core.errors import ServiceError
from govtech.core.pagination import paginate
from govtech.notifications import access, selectors, services
from govtech.notifications.followable import is_followable
from govtech.notifications.forms import PreferencesForm


@login_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    page = paginate(request, selectors.notification_list_for_user(user=request.user, unread_only=unread_only))
    return render(request, "notifications/inbox.html", {"page_obj": page, "unread_only": unread_only})


@login_required
@require_POST
def mark_read(request, notification_id):
    notification = access.access_notification(actor=request.user, notification_id=notification_id)
    services.notification_mark_read(actor=request.user, notification=notification)
    if request.htmx:
        return render(request, "notifications/partials/_notification.html", {"notification": notification})
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    services.notification_mark_all_read(actor=request.user)
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    form = PreferencesForm(request.POST or None, initial_emails=selectors.email_preferences(user=request.user))
    if request.method == "POST" and form.is_valid():
        services.preferences_update(actor=request.user, email_by_kind=form.cleaned_data)
        messages.success(request, _("Notification settings saved."))
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form})


def _target(request):
    try:
        content_type = ContentType.objects.get_by_natural_key(*request.POST.get("target_type", "").split(".", 1))
        target = content_type.get_object_for_this_type(pk=request.POST.get("target_id"))
    except (ContentType.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    except Exception as exc:  # the model's own DoesNotExist or a malformed id
        raise Http404 from exc
    if not is_followable(target):
        raise Http404
    return target


@login_required
@require_POST
def follow_toggle(request):
    target = _target(request)
    try:
        if request.POST.get("action") == "unfollow":
            services.follow_delete(actor=request.user, target=target)
        else:
            services.follow_create(actor=request.user, target=target)
    except ServiceError as exc:
        messages.error(request, exc.message)
    if request.htmx:
        context = {
            "target": target,
            "is_following": selectors.is_following(user=request.user, target=target),
            "follower_count": selectors.follower_count(target=target),
        }
        return render(request, "notifications/partials/_follow.html", context)
    fallback = target.get_absolute_url() if hasattr(target, "get_absolute_url") else "/"
    nxt = request.POST.get("next", "")
    return redirect(nxt if url_has_allowed_host_and_scheme(nxt, {request.get_host()}) else fallback)
