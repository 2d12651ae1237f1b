"""The whole direct-award path through the services: a supplier's product is accredited, an
agency searches, shortlists, ends the search, orders under the threshold, the supplier delivers,
the agency accepts and reviews, and the rating and the funnel follow."""

from decimal import Decimal

import pytest

from govtech.catalog import selectors, services
from govtech.catalog.models import AccreditationState, OrderStatus, Outcome, ProductStatus, ProjectStatus
from govtech.core.errors import Conflict, ServiceError
from govtech.funnel.models import Initiative
from govtech.funnel.states import Stage
from tests.catalog.factories import ProductFactory, accredit

pytestmark = pytest.mark.django_db


def test_direct_award_from_product_to_review(people, supplier, agency):
    supplier.founded_on = __import__("datetime").date(2022, 3, 1)
    supplier.save()
    product = services.product_create(
        actor=people["supplier_admin"],
        supplier=supplier,
        name="Электробусы: мониторинг зарядки",
        summary="Мониторинг зарядных станций электробусов",
        description="Прогноз загрузки зарядных станций и расписания.",
        category="transport",
        trl=8,
        pricing_model="subscription",
        price_from="1200000",
        deployment="saas",
        data_location="russia",
        languages=["ru", "en"],
    )
    assert product.status == ProductStatus.DRAFT
    services.product_publish(actor=people["supplier_admin"], product=product)
    ProductFactory(name="Учёт парковок", category="transport")
    application = accredit(product, operator=people["operator"], supplier_user=people["supplier_admin"])
    product.refresh_from_db()
    assert product.accreditation_state() == AccreditationState.ACCREDITED
    assert product.expert_score == Decimal("80.00")  # 40·8/10 + 30·7/10 + 30·9/10
    assert application.accredited_until == product.accredited_until

    query = selectors.CatalogQuery.from_params({"q": "электробус", "accreditation": "accredited"})
    assert list(selectors.search_products(query)) == [product]
    buyer = people["agency_admin"]
    project = services.project_create(
        actor=buyer, agency=agency, title="Мониторинг зарядки", need="Нужен мониторинг станций", query=query.as_params()
    )
    services.shortlist_add(actor=buyer, project=project, product=product, note="подходит")
    services.project_end_search(actor=buyer, project=project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.ENDED and project.result_count == 1
    item = project.shortlist.get()
    with pytest.raises(Conflict):
        services.project_record_outcome(
            actor=buyer, project=project, outcome=Outcome.AWARDED, reason="лучший", product=product
        )
    services.shortlist_assess(actor=buyer, item=item, score=85, assessment="Покрывает все требования")
    services.project_record_outcome(
        actor=buyer, project=project, outcome=Outcome.AWARDED, reason="лучший", product=product
    )
    with pytest.raises(ServiceError) as refused:
        services.order_place(actor=buyer, project=project, amount="3000000.01", description="Годовая подписка")
    assert refused.value.code == "above_threshold"
    order = services.order_place(actor=buyer, project=project, amount="3000000.00", description="Годовая подписка")
    initiative = Initiative.objects.get(pk=order.initiative_id)
    assert initiative.stage == Stage.ADOPTION and initiative.sponsor == agency

    with pytest.raises(Conflict):
        services.agency_review_add(actor=buyer, product=product, agency=agency, stars=5, text="Отлично")
    supplier_user = people["supplier_member"]
    services.order_move(actor=supplier_user, order=order, to_status=OrderStatus.ACCEPTED_BY_SUPPLIER)
    services.order_move(actor=supplier_user, order=order, to_status=OrderStatus.DELIVERED, note="Подключено")
    services.order_move(actor=buyer, order=order, to_status=OrderStatus.ACCEPTED)
    rating_before = product.__class__.objects.get(pk=product.pk).rating
    services.agency_review_add(actor=buyer, product=product, agency=agency, stars=5, text="Работает без сбоев")
    product.refresh_from_db()
    assert product.rating > rating_before
    assert selectors.product_rating(product).review_count == 1
    with pytest.raises(Conflict):
        services.agency_review_add(actor=buyer, product=product, agency=agency, stars=4, text="Ещё раз")

    facets = selectors.facet_counts(selectors.CatalogQuery.from_params({"used_by": str(agency.pk)}))
    assert [(f.value, f.count) for f in facets["used_by"]] == [(str(agency.pk), 1)]
