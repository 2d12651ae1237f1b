"""Notification kinds of the funnel (registered in FunnelConfig.ready)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govtech.funnel.states import Stage
from govtech.notifications.kinds import register


def _moved_title(params: dict) -> str:
    return _("%(initiative)s moved to the stage «%(stage)s»") % {
        "initiative": params["initiative"],
        "stage": Stage(params["stage"]).label,
    }


def _proposed_title(params: dict) -> str:
    return _("Move proposed for %(initiative)s: to «%(stage)s»") % {
        "initiative": params["initiative"],
        "stage": Stage(params["stage"]).label,
    }


def _rejected_title(params: dict) -> str:
    return _("The proposed move of %(initiative)s to «%(stage)s» was rejected") % {
        "initiative": params["initiative"],
        "stage": Stage(params["stage"]).label,
    }


STAGE_CHANGED = register(
    "funnel.stage_changed", gettext_lazy("An initiative I follow or work on changes stage"), _moved_title
)
MOVE_PROPOSED = register(
    "funnel.move_proposed", gettext_lazy("An agency proposes a stage move (operators)"), _proposed_title
)
PROPOSAL_REJECTED = register("funnel.proposal_rejected", gettext_lazy("A move I proposed is rejected"), _rejected_title)
