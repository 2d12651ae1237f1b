"""Pages of the public catalog — the search with facets, the product page, comparison and the
registry of accreditation with its CSV — and the suppliers' pages: their products and
applications, the product form, files, references and the application for accreditation.
Thin: reads go through selectors and the access layer, every write is one service call whose
refusal is shown in the page."""

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from govtech.accounts.models import OrganizationKind
from govtech.accounts.selectors import organization_list_for_user
from govtech.catalog import access, eligibility, exports, selectors, services
from govtech.catalog.forms import (
    SORT_CHOICES,
    TRL_MEANINGS,
    ApplicationForm,
    ProductFileForm,
    ProductForm,
    ReferenceForm,
    RegistryFilterForm,
    trl_label,
)
from govtech.catalog.models import (
    AccreditationState,
    FileKind,
    ProductStatus,
    ProjectStatus,
    ShortlistItem,
)
from govtech.catalog.rating import NEUTRAL
from govtech.core.forms import run_service
from govtech.core.ids import parse_id
from govtech.core.pagination import PAGE_SIZE, paginate
from govtech.core.views import require, run_action, safe_next, stored_file_response

# The largest primary key the database holds (a 64-bit integer); a larger number finds nothing.
# How many of the person's searching buying projects the product page offers to shortlist into.
SHORTLIST_PROJECTS_SHOWN = 10
FACET_LABELS = {
    "category": gettext_lazy("Category"),
    "trl": gettext_lazy("Technology readiness level"),
    "price_band": gettext_lazy("Price"),
    "deployment": gettext_lazy("Deployment"),
    "accreditation": gettext_lazy("Accreditation"),
    "used_by": gettext_lazy("Used by agency"),
}


def _organizations(user, kind: str) -> list:
    """The person's organizations of one kind, in one query."""
    if not user.is_authenticated:
        return []
    return list(organization_list_for_user(user=user).filter(kind=kind))


# --- the catalog list ----------------------------------------------------------------------


@dataclass
class FacetGroup:
    name: str
    label: str
    values: list


def _facet_groups(facets: dict) -> list[FacetGroup]:
    groups = []
    for name in selectors.FACETS:
        values = facets.get(name) or []
        if name == "trl":
            for value in values:
                value.label = trl_label(value.value)
        if values:
            groups.append(FacetGroup(name=name, label=str(FACET_LABELS[name]), values=values))
    return groups


def _may_buy(user) -> bool:
    """A member of an agency that may buy from the catalog (stops at the first such agency)."""
    return any(user.has_perm("catalog.buy", agency) for agency in _organizations(user, OrganizationKind.AGENCY))


@require_safe
def product_list(request):
    """The catalog: full-text search, facets with exact counts, a sort and pages of 20. A plain
    GET form; with htmx only the results, the facets and the count are replaced."""
    query = selectors.CatalogQuery.from_params(request.GET)
    facets = selectors.facet_counts(query)
    page = selectors.catalog_page(query, request.GET.get("page"))
    params = query.as_params()
    context = {
        "query": query,
        "sort": "" if query.sort == "relevance" else query.sort,
        "sort_choices": SORT_CHOICES,
        "page_obj": page,
        "facet_groups": _facet_groups(facets),
        "today": timezone.localdate(),
        "may_buy": _may_buy(request.user),
        "search_params": urlencode(params, doseq=True),
        "max_compare": selectors.MAX_COMPARE,
    }
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "catalog/partials/_catalog_update.html", context)
    else:
        response = render(request, "catalog/product_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- the product page -----------------------------------------------------------------------


@dataclass
class RatingExplained:
    """The rating's parts as the product page shows them, with the formula's own numbers."""

    parts: object
    prior: Decimal
    has_expert_prior: bool
    review_sum: int


def _rating_explained(product) -> RatingExplained:
    parts = selectors.product_rating(product)
    return RatingExplained(
        parts=parts,
        prior=parts.expert_stars if parts.expert_stars is not None else NEUTRAL,
        has_expert_prior=parts.expert_stars is not None,
        review_sum=product.review_sum,
    )


def _agency_context(user, product) -> dict:
    """What an agency's staff may do on a product page: review it (after using it, once) and add
    it to the shortlist of a buying project that is still searching."""
    agencies = _organizations(user, OrganizationKind.AGENCY)
    if not agencies:
        return {}
    review_agencies = [
        agency
        for agency in agencies
        if user.has_perm("catalog.review_product", agency) and selectors.may_review(product=product, agency=agency)
    ]
    projects = []
    shortlisted = set()
    if product.is_public:
        projects = list(
            selectors.agency_projects(user).filter(status=ProjectStatus.SEARCHING)[:SHORTLIST_PROJECTS_SHOWN]
        )
        shortlisted = set(
            ShortlistItem.objects.filter(project__in=[p.pk for p in projects], product=product).values_list(
                "project_id", flat=True
            )
        )
    return {
        "review_agencies": review_agencies,
        "shortlist_projects": [(project, project.pk in shortlisted) for project in projects],
    }


def _detail_context(request, product) -> dict:
    user = request.user
    files = list(product.files.all())
    context = {
        "product": product,
        "state": product.accreditation_state(),
        "trl_meaning": TRL_MEANINGS.get(product.trl, ""),
        "rating": _rating_explained(product),
        "reviews": list(selectors.product_reviews(product)),
        "references": list(product.references.select_related("agency")),
        "users": list(selectors.product_users(product)),
        "screenshots": [item for item in files if item.kind == FileKind.SCREENSHOT],
        "documents": [item for item in files if item.kind == FileKind.DOCUMENT],
        "can_manage": user.has_perm("catalog.manage_product", product),
        "max_compare": selectors.MAX_COMPARE,
    }
    context.update(_agency_context(user, product))
    return context


@require_safe
def product_detail(request, slug):
    """A product's page; a draft or archived product only to its supplier and the operators."""
    product = access.access_product(actor=request.user, slug=slug)
    return render(request, "catalog/product_detail.html", _detail_context(request, product))


@require_safe
def product_file(request, slug, pk):
    """A screenshot is shown in the page; a document is downloaded. Only for those who may see
    the product."""
    item = access.access_product_file(actor=request.user, pk=pk)
    if item.product.slug != slug:
        raise Http404
    return stored_file_response(item.file, item.title, as_attachment=item.kind != FileKind.SCREENSHOT)


# --- comparison -------------------------------------------------------------------------------


def _wanted_ids(values) -> list[int]:
    """The distinct product numbers asked for, in order (repeated ids=… or comma-separated);
    anything that cannot be a product's number is left out."""
    wanted = []
    for value in values:
        for part in str(value).split(","):
            number = parse_id(part.strip())
            if number is not None and number not in wanted:
                wanted.append(number)
    return wanted


@dataclass
class CompareColumn:
    product: object
    state: str
    remove_url: str


@require_safe
def compare(request):
    wanted = _wanted_ids(request.GET.getlist("ids"))
    products = selectors.compare_products([str(pk) for pk in wanted], actor=request.user)
    ids = [product.pk for product in products]
    columns = [
        CompareColumn(
            product=product,
            state=product.accreditation_state(),
            remove_url="?" + urlencode({"ids": [pk for pk in ids if pk != product.pk]}, doseq=True),
        )
        for product in products
    ]
    context = {
        "columns": columns,
        "max_compare": selectors.MAX_COMPARE,
        "too_many": len(wanted) > selectors.MAX_COMPARE,
        "missing": len(products) < min(len(wanted), selectors.MAX_COMPARE),
    }
    return render(request, "catalog/compare.html", context)


# --- the registry of accreditation ------------------------------------------------------------


@require_safe
def registry(request):
    form = RegistryFilterForm(request.GET or None)
    filters = form.filters()
    page = paginate(request, selectors.registry(**filters))
    csv_params = urlencode({name: value for name, value in filters.items() if value})
    context = {"form": form, "page_obj": page, "csv_params": csv_params}
    return render(request, "catalog/registry.html", context)


@require_safe
def registry_csv(request):
    filters = RegistryFilterForm(request.GET or None).filters()
    base_url = f"{request.scheme}://{request.get_host()}"
    return exports.registry_csv_response(selectors.registry(**filters), base_url=base_url)


# --- the supplier's dashboard -----------------------------------------------------------------


@login_required
@require_safe
def supplier_dashboard(request):
    """A supplier's products and accreditation applications, and the intake cycles open now."""
    require(bool(_organizations(request.user, OrganizationKind.SUPPLIER)))
    products = Paginator(selectors.supplier_products(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    applications = Paginator(selectors.supplier_applications(request.user), PAGE_SIZE).get_page(
        request.GET.get("apage")
    )
    context = {
        "products": products,
        "applications": applications,
        "cycles": selectors.open_cycles(),
        "today": timezone.localdate(),
    }
    return render(request, "catalog/supplier_dashboard.html", context)


# --- creating and editing products ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def product_create(request):
    suppliers = [supplier for supplier in _organizations(request.user, OrganizationKind.SUPPLIER) if supplier.is_active]
    require(bool(suppliers))
    form = ProductForm(request.POST or None, suppliers=suppliers)
    if request.method == "POST" and form.is_valid():
        supplier = form.cleaned_data.get("supplier") or suppliers[0]
        product = run_service(
            form,
            lambda: services.product_create(actor=request.user, supplier=supplier, **form.service_fields()),
        )
        if product:
            messages.success(
                request,
                _("The product is saved as a draft. Add screenshots and documents, then publish it."),
            )
            return redirect(product)
    status = 400 if form.is_bound else 200
    return render(request, "catalog/product_form.html", {"form": form, "is_new": True}, status=status)


def _managed_product(request, slug):
    """A product the person may see (404 otherwise) and manage (403 otherwise)."""
    product = access.access_product(actor=request.user, slug=slug)
    require(request.user.has_perm("catalog.manage_product", product))
    return product


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request, slug):
    product = _managed_product(request, slug)
    form = ProductForm(request.POST or None, product=product)
    if request.method == "POST" and form.is_valid():
        updated = run_service(
            form, lambda: services.product_update(actor=request.user, product=product, **form.service_fields())
        )
        if updated:
            messages.success(request, _("Changes saved."))
            return redirect(updated)
    status = 400 if form.is_bound else 200
    return render(request, "catalog/product_form.html", {"form": form, "product": product}, status=status)


@login_required
@require_POST
def product_publish(request, slug):
    product = _managed_product(request, slug)
    run_action(
        request,
        lambda: services.product_publish(actor=request.user, product=product),
        _("The product is published in the catalog."),
    )
    return redirect(safe_next(request, product.get_absolute_url()))


@login_required
@require_POST
def product_archive(request, slug):
    product = _managed_product(request, slug)
    run_action(
        request,
        lambda: services.product_archive(actor=request.user, product=product),
        _("The product is archived: it no longer appears in the catalog. Orders and reviews stay on record."),
    )
    return redirect(safe_next(request, product.get_absolute_url()))


# --- files and references ---------------------------------------------------------------------


def _files_page(request, product, *, status=200, file_form=None, reference_form=None):
    context = {
        "product": product,
        "files": list(product.files.all()),
        "references": list(product.references.select_related("agency")),
        "file_form": file_form or ProductFileForm(auto_id="id_file_%s"),
        "reference_form": reference_form or ReferenceForm(auto_id="id_reference_%s"),
    }
    return render(request, "catalog/product_files.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def product_file_add(request, slug):
    """The page of a product's screenshots, documents and references; POST adds a file."""
    product = _managed_product(request, slug)
    if request.method == "GET":
        return _files_page(request, product)
    form = ProductFileForm(request.POST, request.FILES, auto_id="id_file_%s")
    if form.is_valid():
        item = run_service(
            form,
            lambda: services.product_file_add(
                actor=request.user,
                product=product,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
            ),
        )
        if item:
            messages.success(request, _("«%(title)s» is added.") % {"title": item.title})
            return redirect("catalog:product-file-add", slug=product.slug)
    return _files_page(request, product, status=400, file_form=form)


@login_required
@require_POST
def product_file_delete(request, slug, pk):
    product = _managed_product(request, slug)
    item = get_object_or_404(product.files, pk=pk)
    run_action(
        request,
        lambda: services.product_file_remove(actor=request.user, item=item),
        _("«%(title)s» is removed.") % {"title": item.title},
    )
    return redirect("catalog:product-file-add", slug=product.slug)


@login_required
@require_http_methods(["GET", "POST"])
def reference_add(request, slug):
    product = _managed_product(request, slug)
    if request.method == "GET":
        return _files_page(request, product)
    form = ReferenceForm(request.POST, auto_id="id_reference_%s")
    if form.is_valid():
        reference = run_service(
            form, lambda: services.reference_add(actor=request.user, product=product, **form.cleaned_data)
        )
        if reference:
            messages.success(request, _("The reference is added."))
            return redirect("catalog:product-file-add", slug=product.slug)
    return _files_page(request, product, status=400, reference_form=form)


@login_required
@require_POST
def reference_delete(request, slug, pk):
    product = _managed_product(request, slug)
    reference = get_object_or_404(product.references, pk=pk)
    run_action(
        request,
        lambda: services.reference_remove(actor=request.user, reference=reference),
        _("The reference is removed."),
    )
    return redirect("catalog:product-file-add", slug=product.slug)


# --- applying for accreditation ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request, slug):
    """The supplier applies for the product's accreditation in an open intake cycle; the service
    checks the window, the cycle's eligibility rules and earlier applications."""
    product = access.access_product(actor=request.user, slug=slug)
    require(request.user.has_perm("catalog.apply", product))
    cycles = selectors.open_cycles()
    form = ApplicationForm(request.POST or None, cycles=cycles)
    if len(cycles) == 1 and not form.is_bound:
        form.initial["cycle"] = cycles[0].pk
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        application = run_service(
            form,
            lambda: services.application_submit(
                actor=request.user,
                product=product,
                cycle=data["cycle"],
                statement=data["statement"],
                recommended_by=data["recommended_by"],
                recommendation=data["recommendation"],
            ),
        )
        if application:
            messages.success(
                request,
                _("The application is submitted. Experts will review it; you will be notified of the decision."),
            )
            return redirect("catalog:application-detail", pk=application.pk)
    context = {
        "product": product,
        "form": form,
        "cycles": [(cycle, eligibility.in_words(cycle.eligibility)) for cycle in cycles],
        "supplier": product.supplier,
        "is_published": product.status == ProductStatus.PUBLISHED,
        "is_accredited": product.accreditation_state() == AccreditationState.ACCREDITED,
    }
    status = 400 if form.is_bound else 200
    return render(request, "catalog/application_form.html", context, status=status)
