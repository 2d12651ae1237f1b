"""Forms of the idea and call pages. They only clean the shape of the input; every rule (open
calls, rate limits, duplicates, files, the status table, edit windows) is the services', whose
refusals land next to the fields through run_service."""

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from govtech.accounts.selectors import agency_choices
from govtech.core.forms import MultipleFileField, choices_with_empty, valid_data
from govtech.funnel.models import Topic
from govtech.participation import selectors
from govtech.participation.models import (
    Call,
    District,
    DistrictKind,
    IdeaStatus,
    Moderation,
    ReportReason,
)
from govtech.participation.selectors import Sort


def district_choices(empty_label) -> list:
    """Each administrative area followed by its districts, as option groups (one query). An
    area itself is a choice too: an idea may concern the whole area, a filter takes all of it."""
    areas: dict[int | None, tuple[District, list[District]]] = {}
    orphans: list[District] = []
    rows = list(District.objects.order_by("name"))
    for district in rows:
        if district.kind == DistrictKind.OKRUG:
            areas[district.pk] = (district, [])
    for district in rows:
        if district.kind == DistrictKind.OKRUG:
            continue
        if district.parent_id in areas:
            areas[district.parent_id][1].append(district)
        else:
            orphans.append(district)
    choices: list = [("", empty_label)]
    for area, districts in areas.values():
        whole = (str(area.pk), _("%(area)s, the whole area") % {"area": area.name})
        choices.append((area.name, [whole, *((str(d.pk), d.name) for d in districts)]))
    choices.extend((str(district.pk), district.name) for district in orphans)
    return choices


class DistrictField(forms.ModelChoiceField):
    """A district or an administrative area, offered grouped by area."""

    def __init__(self, *, label, empty_label, required=False):
        super().__init__(queryset=District.objects.all(), label=label, required=required)
        self._empty = empty_label

    def grouped(self) -> None:
        self.choices = district_choices(self._empty)


# --- the list -------------------------------------------------------------------------


SORT_CHOICES = [
    (Sort.NEWEST, _("Newest (most relevant when searching)")),
    (Sort.SUPPORTED, _("Most supported")),
    (Sort.TRENDING, _("Trending")),
    (Sort.ANSWERED, _("Recently answered")),
]


class IdeaFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Any form of a word finds the others: «электробусы» finds «электробус»."),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    topic = forms.ChoiceField(
        label=_("Category"), required=False, choices=choices_with_empty(_("All categories"), Topic.choices)
    )
    district = DistrictField(label=_("District"), empty_label=_("All districts"))
    call = forms.ModelChoiceField(
        label=_("Call for ideas"),
        required=False,
        queryset=Call.objects.all(),
        to_field_name="slug",
        empty_label=_("Any call or none"),
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        statuses = [(status.value, status.label) for status in IdeaStatus if status != IdeaStatus.SUBMITTED]
        self.fields["status"].choices = choices_with_empty(_("All statuses"), statuses)
        self.fields["district"].grouped()
        self.fields["call"].queryset = Call.objects.order_by("-opens_at", "-id")

    def filters(self) -> selectors.IdeaFilters:
        """The filters for the selector; a value that is not valid is left out, the rest apply."""
        data = valid_data(self)
        return selectors.IdeaFilters(
            status=data.get("status") or None,
            topic=data.get("topic") or None,
            district=data["district"].pk if data.get("district") else None,
            call=data["call"].pk if data.get("call") else None,
            query=(data.get("q") or "").strip() or None,
            sort=data.get("sort") or Sort.NEWEST,
        )


# --- proposing an idea ------------------------------------------------------------------


class CoordinateField(forms.DecimalField):
    """Degrees with a decimal point or comma, whatever the page's language: coordinates are
    copied from maps in either form and never group thousands."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        return super().to_python(value)


def _coordinate(label, limit: int) -> forms.DecimalField:
    return CoordinateField(
        label=label,
        required=False,
        max_digits=8,
        decimal_places=5,
        min_value=-limit,
        max_value=limit,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def _files_help():
    # Built when shown, so it reads in the page's language and the current limits.
    return _("Up to %(count)s files, each up to %(size)s MB.") % {
        "count": settings.GOVTECH_IDEA_MAX_FILES,
        "size": settings.GOVTECH_UPLOAD_MAX_BYTES // (1024 * 1024),
    }


class IdeaForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("Your idea"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What should change, where, and why. Markdown is allowed."),
    )
    topic = forms.ChoiceField(label=_("Category"), choices=choices_with_empty(_("Choose a category"), Topic.choices))
    district = DistrictField(label=_("District"), empty_label=_("The whole city or not tied to a place"))
    call = forms.ModelChoiceField(
        label=_("Answering a call for ideas"),
        required=False,
        queryset=Call.objects.all(),
        to_field_name="slug",
        empty_label=_("No call: an open idea"),
        help_text=_("Only calls that are open now are listed."),
    )
    latitude = _coordinate(_("Latitude"), 90)
    longitude = _coordinate(_("Longitude"), 180)
    files = MultipleFileField(
        label=_("Images or PDF files"),
        required=False,
        help_text=_files_help,
    )

    def __init__(self, *args, open_calls=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].grouped()
        # Every call validates, so a call that closed while the author was writing is refused by
        # the service with its own message; only the open ones are offered.
        self.fields["call"].choices = [("", self.fields["call"].empty_label)] + [
            (call.slug, call.title) for call in open_calls
        ]
        # While the author types the title, htmx asks for similar ideas; without JavaScript the
        # "Check for similar ideas" button does the same.
        self.fields["title"].widget.attrs.update(
            {
                "autocomplete": "off",
                "hx-get": reverse("participation:similar"),
                "hx-trigger": "keyup changed delay:400ms",
                "hx-target": "#similar-ideas",
                "hx-sync": "this:replace",
            }
        )
        self.fields["files"].widget.attrs.update({"accept": ".png,.jpg,.jpeg,.pdf"})

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "text": data["text"],
            "topic": data["topic"],
            "district": data.get("district"),
            "call": data.get("call"),
            "latitude": data.get("latitude"),
            "longitude": data.get("longitude"),
            "files": data.get("files") or [],
        }


# --- on the idea page -----------------------------------------------------------------


class AnswerForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"))
    message = forms.CharField(
        label=_("Public message to residents"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Everyone sees it in the idea's timeline; the author and the followers are notified."),
    )
    reason = forms.CharField(
        label=_("Reason for rejection"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the idea is rejected."),
    )
    merged_into = forms.IntegerField(
        label=_("Merged into idea number"),
        required=False,
        min_value=1,
        help_text=_("Only when merging: the number of the idea that stays (its address ends with it)."),
    )

    def __init__(self, *args, statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [(status, IdeaStatus(status).label) for status in statuses]


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("Implementation progress, %"), min_value=0, max_value=100)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class AssignAgencyForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Responsible agency"), queryset=None, to_field_name="slug", empty_label=_("Choose an agency")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agency_choices()


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for hiding"),
        max_length=300,
        help_text=_("Shown to everyone in place of the content."),
    )


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3}))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CommentEditForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3}))


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong"), choices=ReportReason.choices)
    note = forms.CharField(label=_("Note for the moderator"), required=False, max_length=500)


# --- calls for ideas ----------------------------------------------------------------------


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker; without it, the same text format still parses."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _local_time_help():
    # Periods are read in the city's time zone, whatever the browser's.
    return _("Local time of the platform (%(zone)s).") % {"zone": settings.TIME_ZONE}


def _datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
        help_text=_local_time_help,
    )


class CallForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=None, to_field_name="slug", empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    question = forms.CharField(
        label=_("The question to residents"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown is allowed."),
    )
    topic = forms.ChoiceField(label=_("Category"), choices=choices_with_empty(_("Choose a category"), Topic.choices))
    district = DistrictField(label=_("District"), empty_label=_("The whole city"))
    opens_at = _datetime_field(_("Opens"))
    closes_at = _datetime_field(_("Closes"))
    moderation = forms.ChoiceField(
        label=_("Moderation"),
        choices=Moderation.choices,
        initial=Moderation.POST,
        widget=forms.RadioSelect,
        help_text=_("Before publication: a moderator approves each idea before anyone else sees it."),
    )
    support_threshold = forms.IntegerField(
        label=_("Support threshold"),
        required=False,
        min_value=1,
        help_text=_("Votes that send an idea to review and notify the agency. Empty: no threshold."),
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["district"].grouped()

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "question": data["question"],
            "topic": data["topic"],
            "district": data.get("district"),
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
            "moderation": data["moderation"],
            "support_threshold": data.get("support_threshold"),
        }
