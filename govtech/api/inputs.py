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


class CommaListField(serializers.ListField):
    """Several values of a filter: repeated (``?trl=7&trl=8``), comma separated (``?trl=7,8``) or,
    in a JSON body, a list or a comma-separated string. A value it does not know is an error
    naming the filter, never dropped in silence."""

    def to_internal_value(self, data):
        if isinstance(data, str | int) and not isinstance(data, bool):
            data = [data]
        if not isinstance(data, list | tuple):
            self.fail("not_a_list", input_type=type(data).__name__)
        items = [part.strip() for item in data for part in str(item).split(",") if part.strip()]
        if self.max_length is not None and len(items) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        if self.min_length is not None and len(items) < self.min_length:
            self.fail("min_length", min_length=self.min_length)
        values, errors = [], []
        for item in items:
            try:
                value = self.child.run_validation(item)
            except serializers.ValidationError as exc:
                errors.extend(f"«{item}»: {message}" for message in exc.detail)
                continue
            if value not in values:
                values.append(value)
        if errors:
            raise serializers.ValidationError(errors)
        return values
