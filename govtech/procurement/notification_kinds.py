"""Notification kinds of procurement (registered when the app loads)."""

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from govtech.notifications.kinds import register


def _matches_title(params: dict) -> str:
    count = int(params.get("count") or 0)
    title = ngettext(
        "%(count)s new tender for «%(search)s»",
        "%(count)s new tenders for «%(search)s»",
        count,
    ) % {"count": count, "search": params.get("search", "")}
    titles = [str(item) for item in params.get("titles") or []]
    if titles:
        title += gettext(": %(titles)s") % {"titles": "; ".join(titles)}
        if count > len(titles):
            title += " …"
    return title


SEARCH_MATCHES = register("procurement.search_matches", _("New tenders for my saved searches"), _matches_title)
