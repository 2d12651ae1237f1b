"""Running a service from a form so that every refusal lands next to the right field."""

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError

from govtech.core.errors import ServiceError


def run_service(form: forms.Form, call: Callable[[], object]):
    """Call the service; on a refusal add its message to the form and return None.
    The service runs in its own transaction, so a refusal leaves nothing half-written."""
    try:
        return call()
    except ServiceError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, str(exc.message))
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
    return None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked like a single upload (the services check
    type and size again by content)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def choices_with_empty(empty_label, choices) -> list:
    """A filter's choices with an "any" entry first."""
    return [("", empty_label), *choices]


def valid_data(form: forms.Form) -> dict:
    """The fields that cleaned; an invalid filter is shown with its error and filters nothing."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


def text_area(rows: int = 4) -> forms.Textarea:
    """A multi-line input of the given height."""
    return forms.Textarea(attrs={"rows": rows})
