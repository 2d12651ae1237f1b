"""Demo accounts shared by every module's demo seed."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from govtech.accounts import services as accounts


def demo_person(email: str, name: str, *, password_hash: str):
    """The demo account with this e-mail, created confirmed when missing. One precomputed hash for
    every demo account: hashing is slow by design, and the demo password is public anyway."""
    users = get_user_model().objects
    user = users.filter(email=email).first()
    if user is None:
        user = users.create_user(email=email, full_name=name)
        user.password = password_hash
        user.save(update_fields=["password"])
        accounts.user_record_signup(user=user)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user
