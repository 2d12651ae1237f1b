from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction
from django.utils import translation


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
