"""Factories for every test: people and organizations built the way the platform builds them."""

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from govtech.accounts.models import (
    INVITATION_LIFETIME,
    Invitation,
    Membership,
    MembershipRole,
    Organization,
    OrganizationKind,
    User,
)
from govtech.accounts.validators import complete_inn, complete_ogrn

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name", locale="ru_RU")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    language = "ru"

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """A verified primary e-mail, as after confirmation (pass verified=False to skip)."""
        self.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.PARTNER
    name = factory.Sequence(lambda n: f"Организация {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class AgencyFactory(OrganizationFactory):
    kind = OrganizationKind.AGENCY
    name = factory.Sequence(lambda n: f"Департамент {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    district = "Тверской"


class SupplierFactory(OrganizationFactory):
    kind = OrganizationKind.SUPPLIER
    name = factory.Sequence(lambda n: f"ООО «Стартап {n}»")
    slug = factory.Sequence(lambda n: f"supplier-{n}")
    inn = factory.Sequence(lambda n: complete_inn(f"77{n:07d}"))
    ogrn = factory.Sequence(lambda n: complete_ogrn(f"1187746{n:05d}"))
    is_sme = True
    headcount = 12


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = MembershipRole.MEMBER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = MembershipRole.MEMBER
    expires_at = factory.LazyFunction(lambda: timezone.now() + INVITATION_LIFETIME)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notifications.Notification"

    recipient = factory.SubFactory(UserFactory)
    kind = "follow.updated"
    event_key = factory.Sequence(lambda n: f"event-{n}")
    params = factory.LazyFunction(lambda: {"object": "ООО «Пример»"})
