"""Forms of the agency inbox, stories and points pages. They only clean input; every rule is
the services' (their refusals land next to the fields via run_service)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from govtech.participation import selectors
from govtech.participation.forms import DistrictField
from govtech.participation.selectors import StoryFilters

DATE_RANGE_MESSAGE = _("The end of the range cannot be before its start.")
EXPERIENCE_CHOICES = [
    (1, _("1 — very bad")),
    (2, _("2 — bad")),
    (3, _("3 — neither good nor bad")),
    (4, _("4 — good")),
    (5, _("5 — very good")),
]


def _date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        help_text=_("YYYY-MM-DD, inclusive"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


# --- the agency inbox ---------------------------------------------------------------------


class InboxFilterForm(forms.Form):
    """Which of the person's agencies to show; the agencies are read by the view once."""

    agency = forms.ChoiceField(label=_("Agency"), required=False)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = {agency.slug: agency for agency in agencies}
        self.fields["agency"].choices = [("", _("All my agencies")), *[(a.slug, a.name) for a in agencies]]

    def chosen_agency(self):
        if not self.is_bound or not self.is_valid():
            return None
        return self.agencies.get(self.cleaned_data.get("agency") or "")


class AssignAgencyForm(forms.Form):
    """The operator's choice of the agency that answers an idea, shown once per listed idea with
    the agency list the view read once; it posts to participation:idea-assign (views.py), whose
    form takes the same field."""

    agency = forms.ChoiceField(label=_("Responsible agency"))

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", _("Choose an agency")), *[(a.slug, a.name) for a in agencies]]


# --- stories ------------------------------------------------------------------------------


class StoryForm(forms.Form):
    """The structured questions of one story template; the controlled lists come from it."""

    what_happened = forms.CharField(
        label=_("What happened"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Describe the situation in a few sentences: where you went and what you needed."),
    )
    experience = forms.TypedChoiceField(
        label=_("How was your experience?"), coerce=int, choices=EXPERIENCE_CHOICES, widget=forms.RadioSelect
    )
    tags = forms.MultipleChoiceField(label=_("What was it about?"), required=False, widget=forms.CheckboxSelectMultiple)
    involved = forms.MultipleChoiceField(
        label=_("Who was involved?"), required=False, widget=forms.CheckboxSelectMultiple
    )
    outcome = forms.ChoiceField(label=_("How did it end?"))
    free_text = forms.CharField(
        label=_("Anything else you want to tell"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    district = DistrictField(label=_("District"), empty_label=_("Not saying"))
    happened_on = forms.DateField(
        label=_("When it happened"),
        required=False,
        help_text=_("YYYY-MM-DD; leave empty if you do not remember."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # The service refuses a story without consent, so the refusal and its reason come from one place.
    consent = forms.BooleanField(
        label=_("I agree that my story is published and analysed on this platform"),
        required=False,
        help_text=_("Required: without your consent the story is neither published nor counted."),
    )
    anonymous = forms.BooleanField(
        label=_("Publish without my name"),
        required=False,
        initial=True,
        help_text=_("Your name is never shown with the story unless you clear this box. Your e-mail is never shown."),
    )

    def __init__(self, *args, template, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        self.fields["tags"].choices = [(tag, tag) for tag in template.tags]
        self.fields["involved"].choices = [(person, person) for person in template.involved]
        self.fields["outcome"].choices = [("", _("Choose…")), *[(outcome, outcome) for outcome in template.outcomes]]
        self.fields["district"].grouped()
        for name in ("tags", "involved"):
            if not self.fields[name].choices:
                del self.fields[name]

    def service_arguments(self) -> dict:
        """The keyword arguments of services.story_submit (call after is_valid())."""
        data = self.cleaned_data
        return {
            "template": self.template,
            "what_happened": data["what_happened"],
            "experience": data["experience"],
            "tags": data.get("tags", []),
            "involved": data.get("involved", []),
            "outcome": data["outcome"],
            "free_text": data.get("free_text", ""),
            "district": data.get("district"),
            "happened_on": data.get("happened_on"),
            "consent": data.get("consent") is True,
            "anonymous": data.get("anonymous") is True,
        }


class StoryFilterForm(forms.Form):
    """Filters of the story analysis and its CSV: template, area or district, dates shared."""

    template = forms.ModelChoiceField(
        label=_("Story template"), required=False, queryset=None, to_field_name="key", empty_label=_("All templates")
    )
    district = DistrictField(label=_("Area or district"), empty_label=_("All areas and districts"))
    date_from = _date_field(_("Shared from"))
    date_to = _date_field(_("Shared until"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = selectors.story_templates()
        self.fields["district"].grouped()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", DATE_RANGE_MESSAGE)
        return data

    def story_filters(self) -> StoryFilters:
        """The selector's filters (call after is_valid())."""
        data = self.cleaned_data
        return StoryFilters(
            template=data["template"].pk if data.get("template") else None,
            district=data["district"].pk if data.get("district") else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


# --- points -------------------------------------------------------------------------------


class LeaderboardChoiceForm(forms.Form):
    show = forms.BooleanField(
        label=_("Show my name and points on the public leaderboard"),
        required=False,
        help_text=_("Only your name and your points are shown. You can change this at any time."),
    )
