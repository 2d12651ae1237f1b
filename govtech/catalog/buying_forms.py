"""Forms of the agencies' buying pages. They only clean the shape of the input; every rule
(who may buy, the frozen search, the threshold, the order's moves, who may review) is the
services', whose refusals land next to the fields through run_service."""

from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from govtech.accounts.selectors import agency_choices
from govtech.catalog.models import (
    AccreditationState,
    Category,
    Deployment,
    OrderStatus,
    Outcome,
    PriceBand,
    Product,
    ProjectStatus,
)
from govtech.catalog.selectors import CatalogQuery
from govtech.core.forms import choices_with_empty, text_area
from govtech.funnel.models import Initiative
from govtech.funnel.states import Stage

SORT_CHOICES = [
    ("relevance", _("Relevance")),
    ("rating", _("Rating")),
    ("newest", _("Newest")),
]
PILOT_REACHED = (Stage.PILOT, Stage.ADOPTION, Stage.SCALE)
# Thousands are grouped with spaces in Russian ("3 000 000"), sometimes non-breaking ones.
SPACES = ("\u00a0", "\u202f", "\u2009")


def query_string(params: dict) -> str:
    """A saved search as a catalog query string (lists as repeated parameters)."""
    data = QueryDict(mutable=True)
    for name, value in params.items():
        data.setlist(name, [str(item) for item in value] if isinstance(value, list | tuple) else [str(value)])
    return data.urlencode()


def query_from_string(value: str) -> dict:
    """A query string back into a valid saved search; unknown values are dropped, as in the catalog."""
    return CatalogQuery.from_params(QueryDict(value or "")).as_params()


class AgencyChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Agency"))
        kwargs.setdefault("empty_label", _("Choose the agency"))
        super().__init__(queryset=None, **kwargs)


def _with_agency(form: forms.Form, agencies) -> None:
    """The agency field lists the person's agencies; with only one there is nothing to choose."""
    form.agencies = list(agencies)
    if len(form.agencies) == 1:
        del form.fields["agency"]
    else:
        form.fields["agency"].queryset = agencies


def chosen_agency(form: forms.Form):
    return form.cleaned_data["agency"] if "agency" in form.fields else form.agencies[0]


class InitiativeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.title} — {obj.sponsor.name} ({obj.get_stage_display()})"


# --- lists -------------------------------------------------------------------------------------


class ProjectFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=choices_with_empty(_("All statuses"), ProjectStatus.choices)
    )


class OrderFilterForm(forms.Form):
    SIDES = [("placed", _("Placed by my agencies")), ("received", _("Received by my suppliers"))]

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=choices_with_empty(_("All statuses"), OrderStatus.choices)
    )
    side = forms.ChoiceField(label=_("Orders"), required=False, choices=choices_with_empty(_("All my orders"), SIDES))

    def __init__(self, *args, show_side: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_side:
            del self.fields["side"]


# --- buying projects ---------------------------------------------------------------------------


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    need = forms.CharField(
        label=_("What the agency needs"),
        widget=text_area(5),
        help_text=_("The need the products will be assessed against: what must work, for whom, by when."),
    )
    agency = AgencyChoiceField()
    initiative = InitiativeChoiceField(
        label=_("Initiative in the funnel"),
        queryset=None,
        required=False,
        empty_label=_("None — the order will open one"),
        help_text=_("Optional: an initiative of the agency this purchase is for."),
    )
    query = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        _with_agency(self, agencies)
        self.fields["initiative"].queryset = (
            Initiative.objects.filter(sponsor__in=self.agencies)
            .exclude(stage=Stage.STOPPED)
            .select_related("sponsor")
            .order_by("title", "id")
        )

    def clean_query(self) -> dict:
        return query_from_string(self.cleaned_data.get("query") or "")


class SearchForm(forms.Form):
    """The saved search of a project, with the catalog's own parameters."""

    q = forms.CharField(
        label=_("Words"), required=False, max_length=200, widget=forms.TextInput(attrs={"type": "search"})
    )
    category = forms.MultipleChoiceField(
        label=_("Category"), required=False, choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )
    trl = forms.MultipleChoiceField(
        label=_("Technology readiness level"),
        required=False,
        choices=[(str(n), str(n)) for n in range(1, 10)],
        widget=forms.CheckboxSelectMultiple,
    )
    price_band = forms.MultipleChoiceField(
        label=_("Price"), required=False, choices=PriceBand.choices, widget=forms.CheckboxSelectMultiple
    )
    deployment = forms.MultipleChoiceField(
        label=_("Deployment"), required=False, choices=Deployment.choices, widget=forms.CheckboxSelectMultiple
    )
    accreditation = forms.MultipleChoiceField(
        label=_("Accreditation"),
        required=False,
        choices=AccreditationState.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    used_by = forms.MultipleChoiceField(
        label=_("Used by agencies"),
        required=False,
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=choices_with_empty(_("Default order"), SORT_CHOICES)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["used_by"].choices = [(str(pk), name) for pk, name in agency_choices().values_list("pk", "name")]

    @classmethod
    def for_query(cls, query: dict, **kwargs) -> "SearchForm":
        initial = {
            name: [str(item) for item in value] if isinstance(value, list) else value for name, value in query.items()
        }
        return cls(initial=initial, **kwargs)

    def query(self) -> dict:
        return CatalogQuery.from_params(self.cleaned_data).as_params()


class ShortlistAddForm(forms.Form):
    product = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(label=_("Why shortlist it"), required=False, max_length=500)


class AssessForm(forms.Form):
    score = forms.IntegerField(
        label=_("Score, 0–100"),
        min_value=0,
        max_value=100,
        help_text=_("How well the product meets the need."),
    )
    assessment = forms.CharField(label=_("Assessment"), widget=text_area(3))


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    product = forms.ModelChoiceField(
        label=_("Awarded product"),
        queryset=None,
        required=False,
        empty_label=_("Choose a shortlisted product"),
        help_text=_("Only when awarding."),
    )
    reason = forms.CharField(label=_("Rationale"), widget=text_area(4))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(
            pk__in=project.shortlist.values("product_id")
        ).order_by("name")
        if project.status == ProjectStatus.SEARCHING:
            # Only cancelling is possible before the search ends.
            self.fields["outcome"].choices = [(Outcome.CANCELLED.value, Outcome.CANCELLED.label)]
            del self.fields["product"]


class OrderForm(forms.Form):
    amount = forms.CharField(
        label=_("Amount, ₽"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    description = forms.CharField(label=_("What is ordered"), widget=text_area(4))

    def __init__(self, *args, limit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = _(
            "Direct award is possible up to %(limit)s ₽ including VAT; above it the purchase must be competitive."
        ) % {"limit": f"{limit:,.2f}".replace(",", " ")}

    def clean_amount(self) -> str:
        value = self.cleaned_data["amount"]
        for space in SPACES:
            value = value.replace(space, " ")
        return value.strip()


# --- orders ------------------------------------------------------------------------------------


class OrderMoveForm(forms.Form):
    to_status = forms.ChoiceField(choices=OrderStatus.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=text_area(3),
        help_text=_("Required when disputing the delivery: say what is wrong."),
    )


# --- reviews and pilots ------------------------------------------------------------------------


class AgencyReviewForm(forms.Form):
    agency = AgencyChoiceField()
    stars = forms.TypedChoiceField(label=_("Rating"), coerce=int, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("Review"),
        widget=text_area(5),
        help_text=_("How the product worked for your agency: what went well, what did not."),
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        _with_agency(self, agencies)
        self.fields["stars"].choices = [(n, ngettext("%(n)s star", "%(n)s stars", n) % {"n": n}) for n in range(1, 6)]


class PilotForm(forms.Form):
    agency = AgencyChoiceField()
    initiative = InitiativeChoiceField(
        label=_("Initiative in the funnel"),
        queryset=None,
        empty_label=_("Choose the initiative"),
        help_text=_("An initiative of the agency that has reached the pilot stage."),
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        _with_agency(self, agencies)
        self.fields["initiative"].queryset = (
            Initiative.objects.filter(sponsor__in=agencies)
            .filter(Q(stage__in=PILOT_REACHED) | Q(stays__stage=Stage.PILOT))
            .distinct()
            .select_related("sponsor")
            .order_by("title", "id")
        )
