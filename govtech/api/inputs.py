"""Validating API input: strict serializers, and field errors that name nested fields."""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError


def valid_input(serializer_class, data, **kwargs) -> dict:
    """Validate request data with an input serializer; a bad field raises a 400 whose nested
    errors are flattened to dotted names ("phases.1.closes_at")."""
    serializer = serializer_class(data=data, **kwargs)
    try:
        serializer.is_valid(raise_exception=True)
    except ValidationError as exc:
        if isinstance(exc.detail, dict):
            raise ValidationError(flatten_errors(exc.detail)) from exc
        raise
    return serializer.validated_data


def flatten_errors(detail, prefix: str = "") -> dict:
    """Nested input errors as one level of dotted names, so every field error reaches the client
    as a readable message under the field it belongs to."""
    if isinstance(detail, dict):
        flat = {}
        for key, value in detail.items():
            flat.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            flat.update(flatten_errors(item, f"{prefix}.{index}"))
        return flat
    return {prefix: detail if isinstance(detail, list) else [detail]} if detail else {}


class StrictInput(serializers.Serializer):
    """Refuses any field it does not name: a misspelt field must not be dropped in silence."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            unknown = {name: [_("Unknown field.")] for name in sorted(set(data) - set(self.fields))}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            raise serializers.ValidationError({**exc.detail, **unknown}) from exc
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class EmptyInput(StrictInput):
    """Actions that take no input."""
