"""Agencies' buying pages: buying projects — a saved search, a shortlist, the results frozen when
the search ends, the assessments and the outcome: the audit trail of a direct award — orders on
both sides, agencies' reviews and pilots. Thin: reads go through selectors and access helpers,
every write is one service call whose refusal is shown in the page."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from govtech.accounts.models import Organization, OrganizationKind
from govtech.accounts.selectors import agency_choices, organization_list_for_user
from govtech.catalog import access, selectors, services
from govtech.catalog.buying_forms import (
    SORT_CHOICES,
    AgencyReviewForm,
    AssessForm,
    OrderFilterForm,
    OrderForm,
    OrderMoveForm,
    OutcomeForm,
    PilotForm,
    ProjectFilterForm,
    ProjectForm,
    SearchForm,
    ShortlistAddForm,
    chosen_agency,
    query_string,
)
from govtech.catalog.models import (
    ORDER_MOVES,
    AccreditationState,
    BuyingProject,
    Category,
    Deployment,
    Order,
    OrderStatus,
    Outcome,
    PriceBand,
    PricingModel,
    ProjectStatus,
)
from govtech.catalog.selectors import CatalogQuery
from govtech.core.forms import run_service, valid_data
from govtech.core.pagination import paginate
from govtech.core.views import require, run_action, safe_next

ORDERS_ON_PROJECT_LIST = 10
LIVE_RESULTS = 20
MOVE_LABELS = {
    OrderStatus.ACCEPTED_BY_SUPPLIER: gettext_lazy("Accept the order"),
    OrderStatus.DELIVERED: gettext_lazy("Mark as delivered"),
    OrderStatus.ACCEPTED: gettext_lazy("Accept the delivery"),
    OrderStatus.DISPUTED: gettext_lazy("Dispute the delivery"),
    OrderStatus.CLOSED: gettext_lazy("Close the order"),
}
SIDE_PERMISSIONS = {"supplier": "catalog.supply_order", "agency": "catalog.receive_order"}


def _agencies(user) -> QuerySet[Organization]:
    """The agencies the person works for."""
    return organization_list_for_user(user=user).filter(kind=OrganizationKind.AGENCY, is_active=True)


def _choice_label(choices, value) -> str:
    return str(dict(choices).get(value, value or ""))


def describe_query(params: dict) -> list[tuple[str, str]]:
    """A saved search as the lines a person reads: what each filter asks for, in words."""
    query = CatalogQuery.from_params(params)
    rows = []
    if query.q:
        rows.append((_("Words"), query.q))
    for name, label, choices in (
        ("category", _("Category"), Category.choices),
        ("price_band", _("Price"), PriceBand.choices),
        ("deployment", _("Deployment"), Deployment.choices),
        ("accreditation", _("Accreditation"), AccreditationState.choices),
    ):
        values = getattr(query, name)
        if values:
            rows.append((label, ", ".join(_choice_label(choices, value) for value in values)))
    if query.trl:
        rows.append((_("Technology readiness level"), ", ".join(str(level) for level in query.trl)))
    if query.used_by:
        names = dict(Organization.objects.filter(pk__in=query.used_by).values_list("pk", "name"))
        rows.append((_("Used by"), ", ".join(names.get(pk, f"#{pk}") for pk in query.used_by)))
    rows.append((_("Sort by"), _choice_label(SORT_CHOICES, query.effective_sort)))
    return rows


def _catalog_url(params: dict) -> str:
    url = reverse("catalog:product-list")
    return f"{url}?{query_string(params)}" if params else url


# --- lists ---------------------------------------------------------------------------------


@login_required
@require_safe
def project_list(request):
    """An agency's buying projects and its latest orders; operators read everyone's."""
    user = request.user
    is_agency = _agencies(user).exists()
    require(user.is_operator or is_agency)
    projects = selectors.all_projects() if user.is_operator else selectors.agency_projects(user)
    orders = selectors.all_orders() if user.is_operator else selectors.agency_orders(user)
    form = ProjectFilterForm(request.GET or None)
    status = valid_data(form).get("status")
    if status:
        projects = projects.filter(status=status)
    latest_orders = list(orders[: ORDERS_ON_PROJECT_LIST + 1])
    context = {
        "form": form,
        "page_obj": paginate(request, projects),
        "orders": latest_orders[:ORDERS_ON_PROJECT_LIST],
        "more_orders": len(latest_orders) > ORDERS_ON_PROJECT_LIST,
        "is_operator_view": user.is_operator,
        "can_create": is_agency,
    }
    return render(request, "catalog/buying/project_list.html", context)


@login_required
@require_safe
def order_list(request):
    """Orders an agency placed and orders a supplier received; operators read them all."""
    user = request.user
    kinds = set(organization_list_for_user(user=user).order_by().values_list("kind", flat=True).distinct())
    is_agency, is_supplier = OrganizationKind.AGENCY in kinds, OrganizationKind.SUPPLIER in kinds
    require(user.is_operator or is_agency or is_supplier)
    form = OrderFilterForm(request.GET or None, show_side=is_agency and is_supplier and not user.is_operator)
    data = valid_data(form)
    side = data.get("side")
    placed = is_agency and side != "received"
    received = is_supplier and side != "placed"
    if user.is_operator:
        orders = selectors.all_orders()
    elif placed and received:
        orders = selectors.my_orders(user)
    elif placed:
        orders = selectors.agency_orders(user)
    else:
        orders = selectors.supplier_orders(user)
    if data.get("status"):
        orders = orders.filter(status=data["status"])
    context = {"form": form, "page_obj": paginate(request, orders), "is_operator_view": user.is_operator}
    return render(request, "catalog/buying/order_list.html", context)


# --- creating a project --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    """Save a catalog search into a new buying project (the catalog links here with its query)."""
    agencies = _agencies(request.user)
    require(agencies.exists())
    if request.method == "POST":
        form = ProjectForm(request.POST, agencies=agencies)
        params = CatalogQuery.from_params(QueryDict(request.POST.get("query", ""))).as_params()
    else:
        params = CatalogQuery.from_params(request.GET).as_params()
        form = ProjectForm(initial={"query": query_string(params), "title": params.get("q", "")}, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        project = run_service(
            form,
            lambda: services.project_create(
                actor=request.user,
                agency=chosen_agency(form),
                title=data["title"],
                need=data["need"],
                query=data["query"],
                initiative=data["initiative"],
            ),
        )
        if project:
            messages.success(request, _("The buying project is saved with its search. Shortlist products next."))
            return redirect(project)
    context = {"form": form, "query_rows": describe_query(params), "catalog_url": _catalog_url(params)}
    status = 400 if form.is_bound else 200
    return render(request, "catalog/buying/project_form.html", context, status=status)


# --- the project page ----------------------------------------------------------------------


@dataclass
class SnapshotEntry:
    """One frozen result, labelled for reading; the values are those stored when the search ended."""

    position: int
    name: str
    supplier: str
    url: str
    category: str
    trl: object
    price_from: Decimal | None
    pricing_model: str
    deployment: str
    accreditation: str
    accredited_until: dt.date | None
    rating: str | None
    expert_score: str | None
    review_count: int
    is_shortlisted: bool


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(value) if value is not None else None
    except (InvalidOperation, TypeError, ValueError):
        return None


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _snapshot(project: BuyingProject, shortlisted: set[int]) -> list[SnapshotEntry]:
    entries = []
    for row in project.snapshot.all():
        data = row.data or {}
        slug = data.get("slug")
        entries.append(
            SnapshotEntry(
                position=row.position,
                name=data.get("name", ""),
                supplier=data.get("supplier", ""),
                url=reverse("catalog:product-detail", kwargs={"slug": slug}) if slug else "",
                category=_choice_label(Category.choices, data.get("category")),
                trl=data.get("trl"),
                price_from=_decimal(data.get("price_from")),
                pricing_model=_choice_label(PricingModel.choices, data.get("pricing_model")),
                deployment=_choice_label(Deployment.choices, data.get("deployment")),
                accreditation=_choice_label(AccreditationState.choices, data.get("accreditation")),
                accredited_until=_date(data.get("accredited_until")),
                rating=data.get("rating"),
                expert_score=data.get("expert_score"),
                review_count=data.get("review_count") or 0,
                is_shortlisted=row.product_id in shortlisted,
            )
        )
    return entries


def _timeline(project: BuyingProject, order: Order | None) -> list[dict]:
    events = [
        {
            "at": project.created_at,
            "text": _("Project created by %(person)s") % {"person": project.created_by},
        }
    ]
    if project.ended_at:
        count = project.result_count or 0
        events.append(
            {
                "at": project.ended_at,
                "text": ngettext(
                    "Search ended; %(count)s result frozen", "Search ended; %(count)s results frozen", count
                )
                % {"count": count},
            }
        )
    if project.decided_at:
        events.append(
            {
                "at": project.decided_at,
                "text": _("Outcome recorded: %(outcome)s") % {"outcome": project.get_outcome_display()},
            }
        )
    if order is not None:
        events.append(
            {
                "at": order.created_at,
                "text": _("Order № %(number)s placed") % {"number": order.pk},
                "url": order.get_absolute_url(),
            }
        )
    return events


def _project_context(request, project: BuyingProject, *, bound=None, assess_pk=None) -> dict:
    """Everything the project page shows. ``bound``: the form that was just refused, by name
    (search_form, outcome_form, order_form, assess_form), shown with its errors."""
    bound = bound or {}
    user = request.user
    can_buy = user.has_perm("catalog.buy", project)
    params = CatalogQuery.from_params(project.query).as_params()
    shortlist = list(project.shortlist.select_related("product__supplier"))
    shortlisted = {item.product_id for item in shortlist}
    order = Order.objects.filter(project=project).first()
    context = {
        "project": project,
        "can_buy": can_buy,
        "query_rows": describe_query(params),
        "catalog_url": _catalog_url(params),
        "shortlist": shortlist,
        "order": order,
        "timeline": _timeline(project, order),
        "is_searching": project.status == ProjectStatus.SEARCHING,
        "is_assessing": project.status == ProjectStatus.ENDED,
        "is_done": project.status == ProjectStatus.DONE,
        "snapshot_max": settings.GOVTECH_CATALOG_SNAPSHOT_MAX,
    }
    if project.status == ProjectStatus.SEARCHING:
        results = selectors.search_products(CatalogQuery.from_params(params)).select_related("supplier")
        context["result_count"] = results.count()
        context["results"] = list(results[:LIVE_RESULTS])
        for product in context["results"]:
            product.is_shortlisted = product.pk in shortlisted
        if can_buy:
            context["search_form"] = bound.get("search_form") or SearchForm.for_query(params)
    else:
        context["snapshot"] = _snapshot(project, shortlisted)
    if can_buy and project.status == ProjectStatus.ENDED:
        for item in shortlist:
            failed = bound.get("assess_form") if item.pk == assess_pk else None
            item.assess_form = failed or AssessForm(
                initial={"score": item.score, "assessment": item.assessment}, auto_id=f"id_assess{item.pk}_%s"
            )
    if can_buy and project.status != ProjectStatus.DONE:
        context["outcome_form"] = bound.get("outcome_form") or OutcomeForm(project=project)
    if can_buy and project.outcome == Outcome.AWARDED and order is None:
        limit = services.direct_award_limit()
        context["direct_award_limit"] = limit
        context["order_form"] = bound.get("order_form") or OrderForm(limit=limit)
    return context


def _render_project(request, project: BuyingProject, *, status=200, assess_pk=None, **bound):
    context = _project_context(request, project, bound=bound, assess_pk=assess_pk)
    shown = {id(value) for value in context.values()} | {
        id(getattr(item, "assess_form", None)) for item in context["shortlist"]
    }
    for form in bound.values():
        # A refusal whose form the page no longer offers (the project moved on) is still said.
        if id(form) not in shown:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
    return render(request, "catalog/buying/project_detail.html", context, status=status)


@login_required
@require_safe
def project_detail(request, pk):
    project = access.access_project(actor=request.user, pk=pk)
    return _render_project(request, project)


def _buying_project(request, pk) -> BuyingProject:
    """A project the person may see (else 404) and buy for (else 403)."""
    project = access.access_project(actor=request.user, pk=pk)
    require(request.user.has_perm("catalog.buy", project))
    return project


@login_required
@require_POST
def project_search(request, pk):
    project = _buying_project(request, pk)
    form = SearchForm(request.POST)
    if form.is_valid() and run_service(
        form, lambda: services.project_update_search(actor=request.user, project=project, query=form.query())
    ):
        messages.success(request, _("The search is saved."))
        return redirect(project.get_absolute_url() + "#results")
    return _render_project(request, project, status=400, search_form=form)


@login_required
@require_POST
def shortlist_add(request, pk):
    """Shortlist a product (from the project page or a product page, which sends ``next``)."""
    project = _buying_project(request, pk)
    target = safe_next(request, project.get_absolute_url() + "#shortlist")
    form = ShortlistAddForm(request.POST)
    if not form.is_valid():
        if "product" in form.errors:
            messages.error(request, _("Choose a product from the catalog."))
        for error in form.errors.get("note", []):
            messages.error(request, _("Note: %(error)s") % {"error": error})
        return redirect(target)
    try:
        product = access.access_product_by_pk(actor=request.user, pk=form.cleaned_data["product"])
    except Http404:
        messages.error(request, _("Choose a product from the catalog."))
        return redirect(target)
    run_action(
        request,
        lambda: services.shortlist_add(
            actor=request.user, project=project, product=product, note=form.cleaned_data["note"]
        ),
        _("«%(product)s» is on the shortlist of «%(project)s».") % {"product": product.name, "project": project.title},
    )
    return redirect(target)


@login_required
@require_POST
def shortlist_remove(request, pk, item):
    project = _buying_project(request, pk)
    entry = access.access_shortlist_item(project=project, pk=item)
    run_action(
        request,
        lambda: services.shortlist_remove(actor=request.user, item=entry),
        _("«%(product)s» is removed from the shortlist.") % {"product": entry.product.name},
    )
    return redirect(project.get_absolute_url() + "#shortlist")


@login_required
@require_POST
def shortlist_assess(request, pk, item):
    project = _buying_project(request, pk)
    entry = access.access_shortlist_item(project=project, pk=item)
    form = AssessForm(request.POST, auto_id=f"id_assess{entry.pk}_%s")
    if form.is_valid() and run_service(
        form,
        lambda: services.shortlist_assess(
            actor=request.user,
            item=entry,
            score=form.cleaned_data["score"],
            assessment=form.cleaned_data["assessment"],
        ),
    ):
        messages.success(request, _("The assessment of «%(product)s» is saved.") % {"product": entry.product.name})
        return redirect(project.get_absolute_url() + "#shortlist")
    return _render_project(request, project, status=400, assess_pk=entry.pk, assess_form=form)


@login_required
@require_POST
def project_end(request, pk):
    """End the search: the service freezes its results or says why it cannot yet."""
    project = _buying_project(request, pk)
    run_action(
        request,
        lambda: services.project_end_search(actor=request.user, project=project),
        _("The search has ended. Its results are frozen below; assess the shortlisted products next."),
    )
    return redirect(project)


@login_required
@require_POST
def project_outcome(request, pk):
    project = _buying_project(request, pk)
    form = OutcomeForm(request.POST, project=project)
    if form.is_valid() and run_service(
        form,
        lambda: services.project_record_outcome(
            actor=request.user,
            project=project,
            outcome=form.cleaned_data["outcome"],
            reason=form.cleaned_data["reason"],
            product=form.cleaned_data.get("product"),
        ),
    ):
        messages.success(request, _("The outcome is recorded."))
        return redirect(project)
    return _render_project(request, project, status=400, outcome_form=form)


@login_required
@require_POST
def order_create(request, pk):
    """Order the awarded product directly; above the threshold the service explains the
    competitive route and nothing is ordered."""
    project = _buying_project(request, pk)
    form = OrderForm(request.POST, limit=services.direct_award_limit())
    if form.is_valid():
        order = run_service(
            form,
            lambda: services.order_place(
                actor=request.user,
                project=project,
                amount=form.cleaned_data["amount"],
                description=form.cleaned_data["description"],
            ),
        )
        if order:
            messages.success(request, _("The order is placed and sent to the supplier."))
            return redirect(order)
    return _render_project(request, project, status=400, order_form=form)


# --- orders ---------------------------------------------------------------------------------


def _order_context(request, order: Order, move_form=None) -> dict:
    user = request.user
    moves = [
        (to_status, MOVE_LABELS.get(to_status, OrderStatus(to_status).label))
        for to_status, side in ORDER_MOVES.get(order.status, {}).items()
        if user.has_perm(SIDE_PERMISSIONS[side], order)
    ]
    initiative = order.initiative
    return {
        "order": order,
        "project": order.project,
        "events": list(order.events.select_related("actor")),
        "moves": moves,
        "move_form": move_form or OrderMoveForm(),
        "initiative": initiative,
        "can_view_initiative": initiative is not None and user.has_perm("funnel.view_initiative", initiative),
        "can_view_project": user.has_perm("catalog.view_project", order.project),
        "can_review": user.has_perm("catalog.review_product", order.agency)
        and selectors.may_review(product=order.product, agency=order.agency),
    }


@login_required
@require_safe
def order_detail(request, pk):
    order = access.access_order(actor=request.user, pk=pk)
    return render(request, "catalog/buying/order_detail.html", _order_context(request, order))


@login_required
@require_POST
def order_move(request, pk):
    order = access.access_order(actor=request.user, pk=pk)
    form = OrderMoveForm(request.POST)
    if form.is_valid():
        to_status = form.cleaned_data["to_status"]
        moved = run_service(
            form,
            lambda: services.order_move(
                actor=request.user, order=order, to_status=to_status, note=form.cleaned_data["note"]
            ),
        )
        if moved:
            messages.success(request, _("The order is now «%(status)s».") % {"status": OrderStatus(to_status).label})
            return redirect(moved)
    context = _order_context(request, order, move_form=form)
    return render(request, "catalog/buying/order_detail.html", context, status=400)


# --- agencies' reviews and pilots -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def agency_review_create(request, slug):
    """An agency reviews a product it used; the service refuses one it did not, or a second review."""
    product = access.access_product(actor=request.user, slug=slug)
    agencies = _agencies(request.user)
    require(agencies.exists())
    # The product and order pages link here with ?agency= for the agency that used the product.
    form = AgencyReviewForm(request.POST or None, agencies=agencies, initial={"agency": request.GET.get("agency")})
    if request.method == "POST" and form.is_valid():
        review = run_service(
            form,
            lambda: services.agency_review_add(
                actor=request.user,
                product=product,
                agency=chosen_agency(form),
                stars=form.cleaned_data["stars"],
                text=form.cleaned_data["text"],
            ),
        )
        if review:
            messages.success(request, _("Thank you: your agency's review is published."))
            return redirect(product.get_absolute_url() + "#reviews")
    may_review = request.method == "POST" or any(
        selectors.may_review(product=product, agency=agency) for agency in form.agencies
    )
    context = {"form": form, "product": product, "may_review": may_review}
    status = 400 if form.is_bound else 200
    return render(request, "catalog/buying/review_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def pilot_record(request, slug):
    """An agency (or an operator for it) records that one of its initiatives piloted the product."""
    product = access.access_product(actor=request.user, slug=slug)
    agencies = agency_choices() if request.user.is_operator else _agencies(request.user)
    require(agencies.exists())
    form = PilotForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        use = run_service(
            form,
            lambda: services.pilot_record(
                actor=request.user,
                product=product,
                agency=chosen_agency(form),
                initiative=form.cleaned_data["initiative"],
            ),
        )
        if use:
            messages.success(request, _("The pilot is recorded. The agency may now review the product."))
            return redirect(product)
    context = {"form": form, "product": product, "has_initiatives": form.fields["initiative"].queryset.exists()}
    status = 400 if form.is_bound else 200
    return render(request, "catalog/buying/pilot_form.html", context, status=status)
