from django import forms
from django.utils.translation import gettext_lazy as _

from govtech.accounts.models import (
    SELF_SERVICE_KINDS,
    Language,
    MembershipRole,
    Organization,
    OrganizationKind,
    User,
)
from govtech.accounts.selectors import agency_choices

ORGANIZATION_FORM_FIELDS = [
    "name",
    "description",
    "website",
    "logo",
    "inn",
    "ogrn",
    "founded_on",
    "is_sme",
    "headcount",
    "parent",
    "district",
]


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "language"]


class OrganizationForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Organization
        fields = ["kind", *ORGANIZATION_FORM_FIELDS]
        widgets = {
            "founded_on": forms.DateInput(attrs={"type": "date"}),
            "inn": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "ogrn": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        }

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = agency_choices()
        kinds = (
            OrganizationKind.choices
            if actor.is_operator
            else [choice for choice in OrganizationKind.choices if choice[0] in SELF_SERVICE_KINDS]
        )
        self.fields["kind"].choices = kinds
        if self.instance.pk:
            del self.fields["kind"]
            self.fields["parent"].queryset = agency_choices().exclude(pk=self.instance.pk)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.MEMBER)


class OrganizationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *OrganizationKind.choices])
    sme = forms.ChoiceField(
        label=_("SME"), required=False, choices=[("", _("Any")), ("yes", _("SME only")), ("no", _("Not SME"))]
    )


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[("", _("Everyone")), ("expert", _("Experts")), ("operator", _("Operators"))],
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=Language.choices)
    next = forms.CharField(required=False)
