"""Catalog factories and shortcuts that go through the services where the state matters."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from govtech.catalog import services
from govtech.catalog.models import IntakeCycle, Product, ProductStatus
from govtech.core.stemming import stem_string
from tests.factories import SupplierFactory, UserFactory


class ProductFactory(factory.django.DjangoModelFactory):
    """A published product written straight to the table (no audit); use services for behaviour."""

    class Meta:
        model = Product

    supplier = factory.SubFactory(SupplierFactory)
    name = factory.Sequence(lambda n: f"Платформа учёта {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    summary = "Сервис для городских служб"
    description = "Учёт заявок жителей и контроль сроков."
    category = "housing"
    trl = 7
    pricing_model = "subscription"
    price_from = Decimal("250000.00")
    deployment = "saas"
    data_location = "russia"
    languages = factory.LazyFunction(lambda: ["ru"])
    status = ProductStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    search_stems = factory.LazyAttribute(
        lambda o: stem_string(" ".join([o.name, o.summary, o.description, o.supplier.name]))
    )


class IntakeCycleFactory(factory.django.DjangoModelFactory):
    """A cycle open now, with the default rules."""

    class Meta:
        model = IntakeCycle

    name = factory.Sequence(lambda n: f"Отбор {n}")
    slug = factory.Sequence(lambda n: f"cycle-{n}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=80))


def expert(**kwargs):
    return UserFactory(is_expert=True, **kwargs)


def accredit(product: Product, *, operator, supplier_user, experts=None, scores=None, cycle=None):
    """Apply, review by two experts and accredit through the services; returns the application."""
    cycle = cycle or IntakeCycleFactory()
    application = services.application_submit(
        actor=supplier_user, product=product, cycle=cycle, statement="Готовое решение, внедрено в двух округах."
    )
    experts = experts or [expert(), expert()]
    for person in experts:
        services.review_assign(actor=operator, application=application, expert=person)
    for review in application.reviews.all():
        services.review_declare(actor=review.expert, review=review, has_conflict=False)
        services.review_save(
            actor=review.expert,
            review=review,
            scores=scores or {"technology": 8, "business": 7, "security": 9},
            complete=True,
        )
    return services.application_decide(actor=operator, application=application, accredit=True)
