"""Forms of the accreditation pages: applications, intake cycles, criteria and expert reviews.
They only clean the shape of the input; every rule (windows, weights, eligibility rules,
conflicts, who may decide) is the services', whose refusals land next to the fields through
run_service."""

import json

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govtech.catalog.models import IntakeCycle
from govtech.core.forms import text_area

# --- shared fields ------------------------------------------------------------------------


def _local_time_help():
    # Dates are read in the city's time zone, whatever the browser's.
    return _("Local time of the platform (%(zone)s).") % {"zone": settings.TIME_ZONE}


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker; without it, the same text format still parses."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
        help_text=_local_time_help,
    )


# --- the operators' queue and decisions -----------------------------------------------------


class ApplicationFilterForm(forms.Form):
    cycle = forms.ModelChoiceField(
        label=gettext_lazy("Intake cycle"),
        required=False,
        queryset=IntakeCycle.objects.none(),
        to_field_name="slug",
        empty_label=gettext_lazy("All cycles"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = IntakeCycle.objects.order_by("-opens_at")


class AssignExpertForm(forms.Form):
    """Without an expert the service chooses the least loaded ones; with one, it asks that expert."""

    expert = forms.ModelChoiceField(
        label=gettext_lazy("Expert"), required=False, queryset=None, empty_label=gettext_lazy("Choose an expert")
    )

    def __init__(self, *args, experts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts


class DecisionForm(forms.Form):
    accredit = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("yes", gettext_lazy("Accredit the product")), ("no", gettext_lazy("Decline"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=5000,
        widget=text_area(3),
        help_text=gettext_lazy("Required when declining; the supplier reads it."),
    )


# --- intake cycles and criteria --------------------------------------------------------------


class CycleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    opens_at = _datetime_field(gettext_lazy("Opens"))
    closes_at = _datetime_field(gettext_lazy("Closes"))
    accreditation_months = forms.IntegerField(
        label=gettext_lazy("Accreditation term, months"),
        min_value=1,
        max_value=60,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    min_experts = forms.IntegerField(
        label=gettext_lazy("Experts per application"),
        min_value=1,
        max_value=7,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    eligibility = forms.CharField(
        max_length=5000,
        label=gettext_lazy("Eligibility rules (JSON)"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "code"}),
        help_text=gettext_lazy(
            'A supplier is eligible when one alternative holds entirely: {"any_of": [{...}, {...}]}. '
            "Conditions: max_company_age_years, min_company_age_years, max_headcount (whole numbers), "
            "sme, partner_recommendation (true or false)."
        ),
    )

    @classmethod
    def initial_for(cls, cycle: IntakeCycle | None) -> dict:
        if cycle is None:
            return {
                "accreditation_months": settings.GOVTECH_CATALOG_ACCREDITATION_MONTHS,
                "min_experts": 2,
                "eligibility": json.dumps(settings.GOVTECH_CATALOG_ELIGIBILITY, indent=2, ensure_ascii=False),
            }
        return {
            "name": cycle.name,
            "opens_at": cycle.opens_at,
            "closes_at": cycle.closes_at,
            "accreditation_months": cycle.accreditation_months,
            "min_experts": cycle.min_experts,
            "eligibility": json.dumps(cycle.eligibility, indent=2, ensure_ascii=False),
        }

    def clean_eligibility(self):
        text = self.cleaned_data["eligibility"]
        try:
            return json.loads(text)
        except RecursionError as exc:
            raise forms.ValidationError(_("The rules are nested too deeply.")) from exc
        except ValueError as exc:
            raise forms.ValidationError(
                _("This is not valid JSON (line %(line)s, column %(column)s): %(problem)s.")
                % {
                    "line": getattr(exc, "lineno", "?"),
                    "column": getattr(exc, "colno", "?"),
                    "problem": getattr(exc, "msg", str(exc)),
                }
            ) from exc

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class CriteriaForm(forms.Form):
    """A weight and a top of the scale per accreditation criterion: weight_<key>, scale_<key>."""

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"weight_{criterion.key}"] = forms.IntegerField(
                label=_("Weight of «%(criterion)s», %%") % {"criterion": criterion.name},
                min_value=1,
                max_value=100,
                initial=criterion.weight,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
            self.fields[f"scale_{criterion.key}"] = forms.IntegerField(
                label=_("Top of the scale for «%(criterion)s»") % {"criterion": criterion.name},
                min_value=1,
                max_value=100,
                initial=criterion.scale_max,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        # Never rendered as an input: it carries the service's refusals about the whole set.
        self.fields["criteria"] = forms.CharField(required=False, widget=forms.HiddenInput)

    def rows(self):
        """(criterion, weight field, scale field) for the template."""
        return [(c, self[f"weight_{c.key}"], self[f"scale_{c.key}"]) for c in self.criteria]

    def service_criteria(self) -> dict:
        return {
            criterion.key: [self.cleaned_data[f"weight_{criterion.key}"], self.cleaned_data[f"scale_{criterion.key}"]]
            for criterion in self.criteria
        }


# --- expert reviews --------------------------------------------------------------------------


class DeclarationForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=gettext_lazy("Conflict of interest"),
        choices=[
            ("no", gettext_lazy("I have no conflict of interest with this supplier")),
            ("yes", gettext_lazy("I have a conflict of interest and step aside")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Describe the conflict"),
        required=False,
        max_length=2000,
        widget=text_area(2),
        help_text=gettext_lazy("Required when you step aside; seen by the operators only."),
    )


class ScoreForm(forms.Form):
    """One score and one comment per criterion (score_<id>, comment_<id>) and an overall comment."""

    def __init__(self, *args, criteria, scores=None, summary="", **kwargs):
        super().__init__(*args, **kwargs)
        scores = scores or {}
        self.criteria = criteria
        for criterion in criteria:
            current = scores.get(criterion.pk)
            self.fields[f"score_{criterion.pk}"] = forms.IntegerField(
                label=_("Score for «%(criterion)s» (0 to %(max)s)")
                % {"criterion": criterion.name, "max": criterion.scale_max},
                required=False,
                min_value=0,
                max_value=criterion.scale_max,
                initial=current.value if current else None,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment on «%(criterion)s»") % {"criterion": criterion.name},
                required=False,
                max_length=5000,
                initial=current.comment if current else "",
                widget=text_area(2),
            )
        self.fields["summary"] = forms.CharField(
            label=_("Overall comment"), required=False, max_length=5000, initial=summary, widget=text_area(3)
        )
        # Never rendered as an input: it carries the service's refusals about the scores.
        self.fields["scores"] = forms.CharField(required=False, widget=forms.HiddenInput)

    def pairs(self):
        """(criterion, score field, comment field) for the template."""
        return [(c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def service_scores(self) -> dict:
        return {
            criterion.key: [
                self.cleaned_data.get(f"score_{criterion.pk}"),
                self.cleaned_data.get(f"comment_{criterion.pk}") or "",
            ]
            for criterion in self.criteria
        }
