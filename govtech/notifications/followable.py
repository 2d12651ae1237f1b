"""Which kinds of object may be followed, and when one counts as public.

Each app registers its public models from its AppConfig.ready(); following an
object that is not registered, or not public now, is refused."""

from collections.abc import Callable

from django.db import models

_REGISTRY: dict[str, Callable[[models.Model], bool]] = {}


def register_followable(model: type[models.Model], is_public: Callable[[models.Model], bool]) -> None:
    _REGISTRY[model._meta.label_lower] = is_public


def is_followable(obj: models.Model) -> bool:
    check = _REGISTRY.get(obj._meta.label_lower)
    return bool(check and check(obj))


def followable_labels() -> list[str]:
    return sorted(_REGISTRY)
