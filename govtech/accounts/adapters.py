"""django-allauth runs sign-up, e-mail confirmation and passwords; these hooks put
its changes on the audit record like every other change."""

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction
from django.utils import translation

from govtech.core import audit


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        from govtech.accounts.services import user_record_signup

        # A new account starts in the language the person signed up in.
        user.language = (translation.get_language() or "ru")[:2]
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            if commit:
                user_record_signup(user=user)
        return user

    def confirm_email(self, request, email_address):
        with transaction.atomic():
            confirmed = super().confirm_email(request, email_address)
            if confirmed:
                audit.record(
                    actor=email_address.user,
                    action="user.email_confirmed",
                    target=email_address.user,
                    after={"email": email_address.email},
                )
        return confirmed

    def set_password(self, user, password) -> None:
        with transaction.atomic():
            super().set_password(user, password)
            # The event says that the password changed, never what it is.
            audit.record(actor=user, action="user.password_changed", target=user)
