"""Forms of the public catalog and the suppliers' pages. They only clean the shape of the input;
every rule (who may, prices, uploads, windows, eligibility) is the services', whose refusals land
next to the fields through run_service."""

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govtech.accounts.models import Organization, OrganizationKind
from govtech.accounts.selectors import agency_choices
from govtech.catalog.models import (
    AccreditationState,
    Category,
    DataLocation,
    Deployment,
    FileKind,
    IntakeCycle,
    Language,
    PricingModel,
    Product,
    ReferenceKind,
)
from govtech.catalog.services import PRODUCT_FIELDS
from govtech.core.forms import choices_with_empty, text_area

# What each technology readiness level means, in plain words (the usual nine-step scale).
TRL_MEANINGS = {
    1: _("basic principles observed"),
    2: _("technology concept formulated"),
    3: _("experimental proof of concept"),
    4: _("technology validated in a laboratory"),
    5: _("technology validated in a relevant environment"),
    6: _("technology demonstrated in a relevant environment"),
    7: _("prototype demonstrated in operation"),
    8: _("system complete and qualified"),
    9: _("proven in operation"),
}


def trl_label(level) -> str:
    """ "7 — prototype demonstrated in operation"; an unknown level is shown as it is."""
    try:
        meaning = TRL_MEANINGS[int(level)]
    except (KeyError, TypeError, ValueError):
        return str(level)
    return _("%(level)s — %(meaning)s") % {"level": level, "meaning": meaning}


# For choices built at import: translated when shown, in the reader's language.
trl_label_lazy = lazy(trl_label, str)


# The empty sort is the best match for a text search, and the newest first without one.
SORT_CHOICES = [
    ("", pgettext_lazy("sort", "Best match")),
    ("rating", pgettext_lazy("sort", "Highest rating")),
    ("newest", pgettext_lazy("sort", "Newest first")),
]

# The registry lists products that have been accredited or are under review.
REGISTRY_STATES = [
    (state, AccreditationState(state).label)
    for state in (AccreditationState.ACCREDITED, AccreditationState.IN_REVIEW, AccreditationState.EXPIRED)
]


def _label(name: str):
    # As a model form would: the verbose name with a capital first letter, still translated lazily.
    return capfirst(Product._meta.get_field(name).verbose_name)


def _help(name: str):
    return Product._meta.get_field(name).help_text


# --- the registry ------------------------------------------------------------------------


class RegistryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search by product or supplier"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    state = forms.ChoiceField(
        label=_("Accreditation status"), required=False, choices=choices_with_empty(_("Any status"), REGISTRY_STATES)
    )

    def filters(self) -> dict:
        """state and q for selectors.registry; a value that is not valid is left out."""
        if not self.is_bound:
            return {"state": "", "q": ""}
        self.is_valid()
        data = self.cleaned_data
        return {"state": data.get("state") or "", "q": (data.get("q") or "").strip()}


# --- products ----------------------------------------------------------------------------


class ProductForm(forms.Form):
    """Every field of a product. ``suppliers`` is given when creating one: the supplier is chosen
    only when the person is a member of several."""

    supplier = forms.ModelChoiceField(
        label=_("Supplier"), queryset=Organization.objects.none(), to_field_name="slug", empty_label=_("Choose…")
    )
    name = forms.CharField(label=_label("name"), max_length=200)
    summary = forms.CharField(
        label=_label("summary"),
        max_length=300,
        widget=text_area(2),
        help_text=_("One or two sentences, shown in the catalog list."),
    )
    description = forms.CharField(label=_label("description"), widget=text_area(10), help_text=_help("description"))
    category = forms.ChoiceField(label=_label("category"), choices=choices_with_empty(_("Choose…"), Category.choices))
    trl = forms.TypedChoiceField(
        label=_label("trl"),
        coerce=int,
        choices=choices_with_empty(_("Choose…"), [(level, trl_label_lazy(level)) for level in TRL_MEANINGS]),
        help_text=_("How far the product has come, from an idea (1) to proven in operation (9)."),
    )
    pricing_model = forms.ChoiceField(
        label=_label("pricing_model"), choices=choices_with_empty(_("Choose…"), PricingModel.choices)
    )
    # Parsed by the service, which accepts "1 200 000,50" as well as "1200000.50".
    price_from = forms.CharField(
        label=_label("price_from"),
        required=False,
        max_length=30,
        help_text=_help("price_from"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    deployment = forms.ChoiceField(
        label=_label("deployment"), choices=choices_with_empty(_("Choose…"), Deployment.choices)
    )
    data_location = forms.ChoiceField(
        label=_label("data_location"), choices=choices_with_empty(_("Choose…"), DataLocation.choices)
    )
    languages = forms.MultipleChoiceField(
        label=_label("languages"), required=False, choices=Language.choices, widget=forms.CheckboxSelectMultiple
    )
    website = forms.URLField(label=_label("website"), required=False, max_length=200, assume_scheme="https")

    def __init__(self, *args, suppliers=None, product=None, **kwargs):
        if product is not None:
            initial = {name: getattr(product, name) for name in PRODUCT_FIELDS}
            initial["price_from"] = "" if product.price_from is None else f"{product.price_from:f}"
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if suppliers is None or len(suppliers) < 2:
            del self.fields["supplier"]
        else:
            self.fields["supplier"].queryset = Organization.objects.filter(pk__in=[s.pk for s in suppliers])

    def service_fields(self) -> dict:
        """The fields as product_create/product_update take them."""
        return {name: self.cleaned_data[name] for name in PRODUCT_FIELDS}


class ProductFileForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=FileKind.choices, initial=FileKind.SCREENSHOT, widget=forms.RadioSelect
    )
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=200,
        help_text=_("Describes a screenshot for people who cannot see it, or names the document."),
    )
    file = forms.FileField(label=_("File"), help_text=_("Screenshots: PNG or JPEG. Documents: PDF or office formats."))


class ReferenceForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=ReferenceKind.choices, initial=ReferenceKind.CUSTOMER, widget=forms.RadioSelect
    )
    agency = forms.ModelChoiceField(
        label=_("City agency on the platform"),
        required=False,
        queryset=Organization.objects.none(),
        empty_label=_("Not on the platform"),
    )
    customer = forms.CharField(
        label=_("Customer"),
        required=False,
        max_length=200,
        help_text=_("The customer's name, when it is not an agency on the platform."),
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1990, max_value=2100)
    description = forms.CharField(label=_("What was done"), required=False, max_length=500, widget=text_area(3))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agency_choices()


# --- accreditation -----------------------------------------------------------------------


class ApplicationForm(forms.Form):
    """``cycles`` are the cycles open now, offered as choices; any cycle is accepted so that one
    that closed while the page was open gets the service's own explanation."""

    cycle = forms.ModelChoiceField(
        label=_("Intake cycle"), queryset=IntakeCycle.objects.all(), empty_label=None, widget=forms.RadioSelect
    )
    statement = forms.CharField(
        label=_("Why the product should be accredited"),
        widget=text_area(8),
        help_text=_("What the product does for the city, where it is already used, how it keeps data safe."),
    )
    recommended_by = forms.ModelChoiceField(
        label=_("Recommending partner organization"),
        required=False,
        queryset=Organization.objects.none(),
        empty_label=_("No recommendation"),
        help_text=_("Optional. A recommendation from a partner organization may make the supplier eligible."),
    )
    recommendation = forms.CharField(
        label=_("The partner's recommendation"),
        required=False,
        widget=text_area(4),
        help_text=_("Quote or summarise it; required when a partner is chosen."),
    )

    def __init__(self, *args, cycles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = [
            (
                cycle.pk,
                _("%(name)s, open until %(date)s")
                % {"name": cycle.name, "date": date_format(timezone.localtime(cycle.closes_at), "DATETIME_FORMAT")},
            )
            for cycle in cycles
        ]
        self.fields["recommended_by"].queryset = Organization.objects.filter(
            kind=OrganizationKind.PARTNER, is_active=True
        ).order_by("name")
