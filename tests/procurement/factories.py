"""Tenders written straight to the table, for page and API tests; the import has its own tests."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from govtech.core.stemming import stem_string
from govtech.procurement.models import Tender


class TenderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tender

    ocid = factory.Sequence(lambda n: f"ocds-test01-{n:05d}")
    title = factory.Sequence(lambda n: f"Поставка серверного оборудования {n}")
    description = "Серверы и системы хранения данных для городского центра обработки данных."
    buyer_name = "Департамент информационных технологий"
    buyer_identifier = "RU-INN-7710878000"
    status = "active"
    method = "open"
    main_category = "goods"
    classification_scheme = "CPV"
    classification_id = "48820000-2"
    classification_description = "Servers"
    value_amount = Decimal("2500000.00")
    currency = "RUB"
    submission_deadline = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=14))
    lot_count = 0
    suitable_for_sme = None
    release_count = 1
    last_release_at = factory.LazyFunction(timezone.now)
    compiled = factory.LazyAttribute(
        lambda t: {
            "ocid": t.ocid,
            "id": f"{t.ocid}-1",
            "date": t.last_release_at.isoformat(),
            "tag": ["tender"],
            "buyer": {"name": t.buyer_name, "id": t.buyer_identifier},
            "tender": {"id": "1", "title": t.title, "status": t.status, "procurementMethod": t.method},
        }
    )
    search_stems = factory.LazyAttribute(lambda t: stem_string(f"{t.title} {t.description} {t.buyer_name}"))
