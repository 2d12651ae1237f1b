"""Forms of the funnel pages. They only clean input; every rule about moves and
instruments is the services' (their refusals land next to the fields via run_service)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from govtech.accounts.models import OrganizationKind
from govtech.accounts.selectors import agency_choices, organization_list
from govtech.core.forms import MultipleFileField
from govtech.core.uploads import UploadValidator
from govtech.funnel.models import InstrumentKind, InstrumentStatus, Origin, Topic
from govtech.funnel.selectors import InitiativeFilters, instrument_choices
from govtech.funnel.states import FUNNEL, PROPOSABLE_KINDS, MoveKind, Stage, moves_from

# --- filters -------------------------------------------------------------------


def _choices(empty_label, choices) -> list:
    return [("", empty_label), *choices]


def _valid_data(form: forms.Form) -> dict:
    """The fields that cleaned; an invalid field is shown with its error and filters nothing."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


# Filter fields shared by the public list and the board.
def _topic_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Topic"), required=False, choices=_choices(_("All topics"), Topic.choices))


def _origin_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Origin"), required=False, choices=_choices(_("All origins"), Origin.choices))


def _agency_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Sponsoring agency"),
        required=False,
        queryset=agency_choices(),
        to_field_name="slug",
        empty_label=_("All agencies"),
    )


def _instrument_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Instrument"),
        required=False,
        queryset=instrument_choices(),
        to_field_name="slug",
        empty_label=_("All instruments"),
    )


class InitiativeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=_choices(_("All stages"), Stage.choices))
    topic = _topic_field()
    origin = _origin_field()
    sponsor = _agency_field()
    instrument = _instrument_field()
    tag = forms.CharField(label=_("Tag"), required=False, max_length=50)

    def filters(self) -> InitiativeFilters:
        """The filters for the selector; a value that is not valid is left out, the rest apply."""
        data = _valid_data(self)
        return InitiativeFilters(
            stage=data.get("stage") or None,
            topic=data.get("topic") or None,
            origin=data.get("origin") or None,
            sponsor=data["sponsor"].pk if data.get("sponsor") else None,
            instrument=data["instrument"].pk if data.get("instrument") else None,
            tag=(data.get("tag") or "").strip() or None,
            query=(data.get("q") or "").strip() or None,
        )


class BoardFilterForm(forms.Form):
    agency = _agency_field()
    topic = _topic_field()
    origin = _origin_field()
    instrument = _instrument_field()
    stalled = forms.IntegerField(
        label=_("In the stage longer than (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def filters(self) -> InitiativeFilters:
        data = _valid_data(self)
        return InitiativeFilters(
            topic=data.get("topic") or None,
            origin=data.get("origin") or None,
            sponsor=data["agency"].pk if data.get("agency") else None,
            instrument=data["instrument"].pk if data.get("instrument") else None,
            stalled_days=data.get("stalled") or None,
        )


class InstrumentFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_choices(_("All kinds"), InstrumentKind.choices))
    stage = forms.ChoiceField(
        label=_("Stage served"),
        required=False,
        choices=_choices(_("All stages"), [(stage.value, stage.label) for stage in FUNNEL]),
    )

    def filters(self) -> dict:
        data = _valid_data(self)
        return {"kind": data.get("kind") or None, "stage": data.get("stage") or None}


# --- gate decisions ------------------------------------------------------------


MOVE_LABELS = {
    MoveKind.FORWARD: _("%(stage)s (forward through the gate)"),
    MoveKind.BACK: _("%(stage)s (back to the previous stage)"),
    MoveKind.STOP: _("Stop the initiative"),
}


def move_choices(*, stage: str, can_decide: bool) -> list[tuple[str, str]]:
    """The moves the transition table allows from ``stage``; a proposer never moves back."""
    return [
        (move.target, MOVE_LABELS[move.kind] % {"stage": Stage(move.target).label})
        for move in moves_from(stage)
        if can_decide or move.kind in PROPOSABLE_KINDS
    ]


class GateDecisionForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Move to"), widget=forms.RadioSelect)
    rationale = forms.CharField(
        label=_("Rationale"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Which results the decision rests on; for a step back, the reason."),
        max_length=5000,
    )
    lessons_learned = forms.CharField(
        label=_("Lessons learned"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when stopping; published on the initiative's page."),
        max_length=5000,
    )
    evidence_links = forms.CharField(
        label=_("Evidence links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "inputmode": "url"}),
        help_text=_("One web address per line: reports, test protocols, dashboards."),
        max_length=5000,
    )
    evidence_files = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        validators=[UploadValidator("document")],
        help_text=_("PDF, office documents or images; you may choose several files."),
    )
    # Never rendered as an input: it carries the service's refusals about goals so they
    # are shown inside the goals fieldset.
    goals = forms.CharField(label=_("Goals"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, initiative, can_decide: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.initiative = initiative
        self.fields["to_stage"].choices = move_choices(stage=initiative.stage, can_decide=can_decide)

    def clean_evidence_links(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["evidence_links"].splitlines() if line.strip()]

    def clean_evidence_files(self) -> list:
        files = self.cleaned_data["evidence_files"] or []
        return list(files) if isinstance(files, list | tuple) else [files]


def _number_field(label) -> forms.DecimalField:
    # Localized, so "17,5" (Russian) and "17.5" are both read as numbers.
    return forms.DecimalField(
        label=label,
        max_digits=14,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class GoalForm(forms.Form):
    metric = forms.CharField(label=_("Metric"), max_length=200)
    unit = forms.CharField(label=_("Unit"), max_length=40)
    baseline = _number_field(_("Baseline"))
    target = _number_field(_("Target"))
    measured = _number_field(_("Measured"))


GoalFormSet = forms.formset_factory(GoalForm, extra=2, max_num=20, validate_max=True)


def goals_from(formset) -> list[dict]:
    """The filled goal rows of a valid formset (blank extra rows are skipped)."""
    return [form.cleaned_data for form in formset.forms if form.has_changed() and form.cleaned_data]


class ProposalNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when rejecting: the agency sees why."),
    )


# --- instruments ---------------------------------------------------------------


class InstrumentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=InstrumentKind.choices)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, to_field_name="slug")
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    stages = forms.MultipleChoiceField(
        label=_("Stages served"),
        choices=[(stage.value, stage.label) for stage in FUNNEL],
        widget=forms.CheckboxSelectMultiple,
    )
    intake_opens_on = forms.DateField(
        label=_("Intake opens"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    intake_closes_on = forms.DateField(
        label=_("Intake closes"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave both dates empty for a rolling intake."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=InstrumentStatus.choices, initial=InstrumentStatus.ACTIVE)
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")

    def __init__(self, *args, instrument=None, **kwargs):
        if instrument is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": instrument.name,
                    "kind": instrument.kind,
                    "owner": instrument.owner,
                    "description": instrument.description,
                    "stages": instrument.stages,
                    "intake_opens_on": instrument.intake_opens_on,
                    "intake_closes_on": instrument.intake_closes_on,
                    "status": instrument.status,
                    "url": instrument.url,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = organization_list().exclude(kind=OrganizationKind.SUPPLIER)

    def service_fields(self) -> dict:
        """Everything but the name, as instrument_create/instrument_update take it."""
        data = dict(self.cleaned_data)
        data.pop("name")
        data["description"] = data["description"].strip()
        return data
