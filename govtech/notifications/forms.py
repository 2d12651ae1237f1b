from django import forms

from govtech.notifications.kinds import KINDS


class PreferencesForm(forms.Form):
    """One checkbox per kind of notification: also send it by e-mail."""

    def __init__(self, *args, initial_emails: dict[str, bool], **kwargs):
        super().__init__(*args, **kwargs)
        for key, kind in KINDS.items():
            self.fields[key] = forms.BooleanField(
                label=kind.label, required=False, initial=initial_emails.get(key, True)
            )
