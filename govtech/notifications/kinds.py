"""What the platform tells people about. Each app registers its kinds from its
AppConfig.ready(). Titles are rendered in the reader's language when shown or
mailed, so one stored notification reads right in Russian and in English."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    key: str
    label: Promise  # shown on the settings page
    title: Callable[[dict], str]  # params -> title in the active language


KINDS: dict[str, Kind] = {}


def register(key: str, label: Promise, title: Promise | Callable[[dict], str]) -> Kind:
    render = title if callable(title) and not isinstance(title, Promise) else (lambda params, t=title: str(t) % params)
    KINDS[key] = Kind(key, label, render)
    return KINDS[key]


FOLLOWED_UPDATED = register(
    "follow.updated",
    _("Something I follow changes"),
    _("%(object)s was updated"),
)


def render_title(kind_key: str, params: dict) -> str:
    kind = KINDS.get(kind_key)
    if kind is None:
        return kind_key
    try:
        return kind.title(params)
    except (KeyError, TypeError, ValueError):
        return str(kind.label)
