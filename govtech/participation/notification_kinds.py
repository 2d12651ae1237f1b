"""Notification kinds of residents' participation (registered in ParticipationConfig.ready)."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from govtech.notifications.kinds import register


def _status_title(params: dict) -> str:
    from govtech.participation.models import IdeaStatus

    status = params.get("status", "")
    label = str(IdeaStatus(status).label) if status in IdeaStatus.values else status
    return gettext("Official answer to «%(idea)s»: %(status)s") % {"idea": params["idea"], "status": label}


STATUS_CHANGED = register(
    "participation.status_changed",
    _("An idea I proposed or follow gets an official answer"),
    _status_title,
)
COMMENTED = register(
    "participation.commented",
    _("Someone comments on my idea or replies to my comment"),
    _("New comment on «%(idea)s»"),
)
THRESHOLD_REACHED = register(
    "participation.threshold_reached",
    _("An idea in my agency's call reaches its support threshold"),
    _("«%(idea)s» reached %(votes)s votes and waits for review"),
)
IDEA_ASSIGNED = register(
    "participation.idea_assigned",
    _("An idea is assigned to my agency to answer"),
    _("Idea to answer: «%(idea)s»"),
)
CONTENT_HIDDEN = register(
    "participation.content_hidden",
    _("Something I wrote is hidden by moderation"),
    _("Your contribution to «%(idea)s» was hidden: %(reason)s"),
)
