from django.conf import settings

from govtech.notifications.selectors import unread_count


def shell(request):
    """What the base layout needs on every page: the person's roles and unread count."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "unread_notifications": unread_count(user=user) if signed_in else 0,
        "is_operator": signed_in and user.is_operator,
        "is_expert": signed_in and user.is_expert,
        "languages": settings.LANGUAGES,
    }
