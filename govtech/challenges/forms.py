"""Forms of the challenge pages. They only clean the shape of the input; every rule (windows,
deadlines, caps, eligibility, weights) is the services', whose refusals land next to the
fields through run_service."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from govtech.accounts.selectors import agency_choices, user_list
from govtech.challenges import selectors
from govtech.challenges.models import (
    ChallengeStatus,
    IntakeMode,
    Licence,
    PhaseKind,
)
from govtech.challenges.services import CHALLENGE_FIELDS, CRITERION_FIELDS, INDICATOR_FIELDS, PHASE_FIELDS
from govtech.core.forms import MultipleFileField, choices_with_empty, valid_data
from govtech.core.uploads import UploadValidator
from govtech.funnel.models import Topic

# --- shared fields -----------------------------------------------------------------


def _local_time_help():
    # Deadlines are read in the city's time zone, whatever the browser's.
    return _("Local time of the platform (%(zone)s).") % {"zone": settings.TIME_ZONE}


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker; without it, the same text format still parses."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _datetime_field(label, *, required=True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
        help_text=_local_time_help,
    )


class AmountField(forms.DecimalField):
    """A localized number ("17,5" in Russian, "17.5" in both) that also accepts the spaces people
    group thousands with ("1 000 000")."""

    SPACES = (" ", "\u00a0", "\u202f")

    def to_python(self, value):
        if isinstance(value, str):
            for space in self.SPACES:
                value = value.replace(space, "")
        return super().to_python(value)


def _number_field(label, *, required=True, help_text="") -> forms.DecimalField:
    return AmountField(
        label=label,
        required=required,
        max_digits=14,
        decimal_places=2,
        localize=True,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def _text_area(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# --- the public list -------------------------------------------------------------------


DEADLINE_CHOICES = [
    (selectors.Deadline.OPEN, _("Open for submissions now")),
    (selectors.Deadline.WEEK, _("Closing within a week")),
    (selectors.Deadline.MONTH, _("Closing within a month")),
    (selectors.Deadline.UPCOMING, _("Opening later")),
]


class ChallengeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=choices_with_empty(
            _("All statuses"),
            [(status.value, status.label) for status in map(ChallengeStatus, selectors.PUBLIC_STATUSES)],
        ),
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"), required=False, queryset=None, to_field_name="slug", empty_label=_("All agencies")
    )
    topic = forms.ChoiceField(
        label=_("Topic"), required=False, choices=choices_with_empty(_("All topics"), Topic.choices)
    )
    phase = forms.ChoiceField(
        label=_("Phase"), required=False, choices=choices_with_empty(_("All kinds of phase"), PhaseKind.choices)
    )
    deadline = forms.ChoiceField(
        label=_("Deadline"), required=False, choices=choices_with_empty(_("Any"), DEADLINE_CHOICES)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agency_choices()

    def filters(self) -> selectors.ChallengeFilters:
        """The filters for the selector; a value that is not valid is left out, the rest apply."""
        data = valid_data(self)
        return selectors.ChallengeFilters(
            status=data.get("status") or None,
            owner=data["agency"].pk if data.get("agency") else None,
            topic=data.get("topic") or None,
            phase_kind=data.get("phase") or None,
            deadline=data.get("deadline") or None,
            query=(data.get("q") or "").strip() or None,
        )


# --- the challenge itself --------------------------------------------------------------


class ChallengeForm(forms.Form):
    """The main fields of a challenge; ``owners`` is given only when creating one."""

    owner = forms.ModelChoiceField(label=_("Owner agency"), queryset=None, to_field_name="slug")
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"), max_length=1000, widget=_text_area(3), help_text=_("Shown in the list of challenges.")
    )
    problem = forms.CharField(
        label=_("Problem statement"),
        widget=_text_area(8),
        help_text=_("Describe the problem, not a solution. Markdown is allowed."),
    )
    goals = forms.CharField(label=_("Goals"), required=False, widget=_text_area(4), help_text=_("Markdown is allowed."))
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    allow_legal_entities = forms.BooleanField(label=_("Legal entities may take part"), required=False, initial=True)
    allow_individuals = forms.BooleanField(
        label=_("Individual entrepreneurs may take part"), required=False, initial=True
    )
    sme_only = forms.BooleanField(label=_("Small and medium-sized enterprises only"), required=False)
    max_company_age_years = forms.IntegerField(
        label=_("Maximum company age, years"),
        required=False,
        min_value=1,
        max_value=200,
        help_text=_("Leave empty for no limit."),
    )
    licence = forms.ChoiceField(label=_("Licence for results"), choices=Licence.choices)
    licence_notes = forms.CharField(label=_("Licence notes"), required=False, widget=_text_area(3))
    contact_name = forms.CharField(label=_("Contact person"), max_length=200)
    contact_email = forms.EmailField(label=_("Contact e-mail"))
    questions_close_at = _datetime_field(_("Questions accepted until"), required=False)
    min_experts = forms.IntegerField(label=_("Experts per submission"), min_value=1, max_value=10, initial=2)
    disagreement_spread = _number_field(
        _("Disagreement flag, points of 100"),
        help_text=_("Scores of one submission further apart than this are flagged for discussion."),
    )

    def __init__(self, *args, owners=None, challenge=None, **kwargs):
        if challenge is not None:
            kwargs.setdefault("initial", {name: getattr(challenge, name) for name in CHALLENGE_FIELDS})
        super().__init__(*args, **kwargs)
        self.fields["questions_close_at"].help_text = _(
            "Empty: until the first phase closes. Local time of the platform (%(zone)s)."
        ) % {"zone": settings.TIME_ZONE}
        self.fields["disagreement_spread"].initial = 25
        if owners is None:
            del self.fields["owner"]
        else:
            self.fields["owner"].queryset = owners

    def service_fields(self) -> dict:
        """The fields as challenge_create/challenge_update take them (without owner and title)."""
        return {name: self.cleaned_data[name] for name in CHALLENGE_FIELDS if name != "title"}


class PhaseForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    # Selects have no blank option, so an untouched extra row posts these initials and is skipped.
    kind = forms.ChoiceField(label=_("Kind"), choices=PhaseKind.choices, initial=PhaseKind.FEASIBILITY)
    mode = forms.ChoiceField(label=_("Intake"), choices=IntakeMode.choices, initial=IntakeMode.FIXED)
    cycle_days = forms.IntegerField(
        label=_("Review cycle, days"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_("Only for a rolling intake: submissions are batched into cycles of this length."),
    )
    opens_at = _datetime_field(_("Opens"))
    closes_at = _datetime_field(_("Closes"))
    advance_cap = forms.IntegerField(label=_("Participants who may advance"), min_value=1, max_value=1000)
    funding_per_participant = _number_field(_("Funding per participant, RUB"))
    deliverables = forms.CharField(label=_("Deliverables"), required=False, widget=_text_area(3))

    FIELDS = PHASE_FIELDS


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=_text_area(2))
    weight = forms.IntegerField(label=_("Weight, %"), min_value=1, max_value=100)
    scale_max = forms.IntegerField(label=_("Top of the scale"), min_value=2, max_value=100, initial=10)

    FIELDS = CRITERION_FIELDS


class IndicatorForm(forms.Form):
    metric = forms.CharField(label=_("Metric"), max_length=200)
    unit = forms.CharField(label=_("Unit"), max_length=40)
    baseline = _number_field(_("Baseline"))
    target = _number_field(_("Target"))

    FIELDS = INDICATOR_FIELDS


class RowFormSet(forms.BaseFormSet):
    """Rows of a list the service replaces as a whole: the existing rows (unless marked for
    removal) and the extra rows someone filled in, in their order."""

    def rows(self) -> list[dict]:
        fields = self.form.FIELDS
        existing = self.initial_form_count()
        return [
            {name: form.cleaned_data.get(name) for name in fields}
            for index, form in enumerate(self.forms)
            if (index < existing or form.has_changed()) and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


def _row_formset(form_class, *, extra: int):
    return forms.formset_factory(
        form_class, formset=RowFormSet, extra=extra, can_delete=True, max_num=30, validate_max=True
    )


PhaseFormSet = _row_formset(PhaseForm, extra=1)
CriterionFormSet = _row_formset(CriterionForm, extra=2)
IndicatorFormSet = _row_formset(IndicatorForm, extra=2)


def initial_rows(objects, fields: list[str]) -> list[dict]:
    return [{name: getattr(obj, name) for name in fields} for obj in objects]


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False, help_text=_("Empty: the file name."))
    file = forms.FileField(
        label=_("File"),
        validators=[UploadValidator("document")],
        help_text=_("PDF, office documents or images."),
    )


# --- status changes ----------------------------------------------------------------


class ReviewNoteForm(forms.Form):
    note = forms.CharField(
        label=_("What should change"), max_length=5000, widget=_text_area(3), help_text=_("The agency sees this note.")
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=5000,
        widget=_text_area(3),
        help_text=_("Published on the challenge's page."),
    )


# --- questions and consultations ---------------------------------------------------------


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        max_length=2000,
        widget=_text_area(4),
        help_text=_("The question and its answer are published without your name."),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=5000, widget=_text_area(3))


class SlotForm(forms.Form):
    starts_at = _datetime_field(_("Starts"))
    duration_minutes = forms.IntegerField(label=_("Duration, minutes"), min_value=10, max_value=240, initial=30)
    place = forms.CharField(label=_("Place or link"), max_length=300)


class SupplierChoiceForm(forms.Form):
    """Which of the person's supplier organizations acts (a select only when there are several)."""

    supplier = forms.ModelChoiceField(label=_("On behalf of"), queryset=None, to_field_name="slug", empty_label=None)

    def __init__(self, *args, suppliers, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["supplier"]
        field.queryset = suppliers
        if len(suppliers) == 1:
            field.initial = suppliers[0].slug
            field.widget = forms.HiddenInput()


# --- submissions -------------------------------------------------------------------------


class SubmissionForm(forms.Form):
    """The sections of a submission. The acting supplier travels as a hidden field the view checks."""

    title = forms.CharField(label=_("Title of the proposal"), max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=2000, widget=_text_area(4))
    approach = forms.CharField(
        label=_("Approach"), widget=_text_area(6), help_text=_("How you would solve the problem.")
    )
    team = forms.CharField(
        label=_("Team"), widget=_text_area(4), help_text=_("Who does the work and their experience.")
    )
    plan = forms.CharField(label=_("Work plan"), widget=_text_area(5), help_text=_("Steps, dates and deliverables."))
    budget = _number_field(_("Budget, RUB"))
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("PDF, office documents or images; you may choose several files."),
    )
    remove_attachments = forms.MultipleChoiceField(
        label=_("Remove these attachments"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, phase, existing=None, **kwargs):
        if existing is not None:
            kwargs.setdefault(
                "initial",
                {name: getattr(existing, name) for name in ["title", "summary", "approach", "team", "plan", "budget"]},
            )
        super().__init__(*args, **kwargs)
        funding = f"{phase.funding_per_participant:,.2f}".replace(",", "\u00a0")
        self.fields["budget"].help_text = _("At most %(funding)s RUB: the phase funding per participant.") % {
            "funding": funding
        }
        attachments = list(existing.attachments.all()) if existing is not None else []
        if attachments:
            self.fields["remove_attachments"].choices = [(str(a.pk), a.title) for a in attachments]
        else:
            del self.fields["remove_attachments"]

    def sections(self) -> dict:
        return {name: self.cleaned_data[name] for name in ["title", "summary", "approach", "team", "plan", "budget"]}


# --- the panel --------------------------------------------------------------------------


class DeclarationForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Conflict of interest"),
        choices=[
            ("no", _("I have no conflict of interest with this supplier")),
            ("yes", _("I have a conflict of interest and step aside")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Describe the conflict"),
        required=False,
        max_length=2000,
        widget=_text_area(2),
        help_text=_("Required when you step aside; seen by the operators only."),
    )


class ScoreForm(forms.Form):
    """One score and one comment per criterion: score_<id>, comment_<id>."""

    def __init__(self, *args, criteria, scores=None, **kwargs):
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
                widget=_text_area(2),
            )
        # Never rendered as an input: it carries the service's refusals about the scores.
        self.fields["scores"] = forms.CharField(required=False, widget=forms.HiddenInput)

    def pairs(self):
        """(criterion, score field, comment field) for the template."""
        return [(c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def score_rows(self) -> dict:
        return {
            criterion.pk: (
                self.cleaned_data.get(f"score_{criterion.pk}"),
                self.cleaned_data.get(f"comment_{criterion.pk}"),
            )
            for criterion in self.criteria
        }


class DecisionForm(forms.Form):
    advance = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Advance")), ("no", _("Do not advance"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    rationale = forms.CharField(
        label=_("Rationale"), max_length=5000, widget=_text_area(3), help_text=_("The supplier reads the rationale.")
    )


class AssignExpertForm(forms.Form):
    expert = forms.ModelChoiceField(label=_("Expert"), queryset=None, empty_label=_("Choose an expert"))

    def __init__(self, *args, experts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts if experts is not None else user_list(role="expert")
