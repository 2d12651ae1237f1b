"""REST API of the catalog: thin views that read through selectors/access and write through one
service each.

The catalog search (with exact facet counts), published products, the accreditation registry,
intake cycles and criteria are public. Writes need a signed-in person (401 otherwise); the
services decide who may (403 when they refuse, 409 when the object's state does not allow it
now, 400 with a code such as ``above_threshold`` for a rule the input breaks). Anything the
actor may not see — a draft product of another supplier, another agency's buying project or
order, an application of someone else's product — is a 404, the same as a missing object."""

from django.db.models import F
from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, permissions, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from govtech.api.inputs import EmptyInput, valid_input
from govtech.api.pagination import StandardPagination
from govtech.catalog import access, selectors, services
from govtech.catalog.models import (
    ORDER_MOVES,
    Application,
    BuyingProject,
    IntakeCycle,
    Order,
    Product,
    Review,
)
from govtech.catalog.serializers import (
    AgencyReviewInputSerializer,
    AgencyReviewSerializer,
    ApplicationInputSerializer,
    ApplicationListSerializer,
    ApplicationQueueSerializer,
    ApplicationSerializer,
    AssessInputSerializer,
    CatalogQueryInput,
    CompareQuerySerializer,
    CriterionSerializer,
    CriterionWeightsInputSerializer,
    CycleCreateSerializer,
    CycleSerializer,
    CycleUpdateSerializer,
    DecideInputSerializer,
    DeclareInputSerializer,
    ExpertAssignInputSerializer,
    FacetsSerializer,
    OrderFilterSerializer,
    OrderInputSerializer,
    OrderListSerializer,
    OrderMoveSerializer,
    OrderSerializer,
    OutcomeInputSerializer,
    PilotInputSerializer,
    ProductCreateSerializer,
    ProductDetailSerializer,
    ProductFileInputSerializer,
    ProductFileSerializer,
    ProductListSerializer,
    ProductReferenceSerializer,
    ProductSearchPageSerializer,
    ProductSearchParamsSerializer,
    ProductUpdateSerializer,
    ProductUseSerializer,
    ProjectCreateSerializer,
    ProjectListSerializer,
    ProjectSerializer,
    ReferenceInputSerializer,
    RegistryFilterSerializer,
    RegistryRowSerializer,
    ReviewListSerializer,
    ReviewScoresInputSerializer,
    ReviewSerializer,
    ShortlistInputSerializer,
    ShortlistItemSerializer,
)

# --- helpers -------------------------------------------------------------------------


def _require(actor, perm: str, obj=None) -> None:
    """For reads that are not objects of their own (a queue, an inbox): 403 without the role."""
    if not actor.has_perm(perm, obj):
        raise PermissionDenied()


def _visible_product(actor, product: Product | None, field: str) -> Product | None:
    """A product named in a request body: one the actor may not see is a field error, as a missing one."""
    if product is not None and not actor.has_perm("catalog.view_product", product):
        raise ValidationError({field: [_("Not found.")]})
    return product


def _initiative_for(actor, initiative):
    """The funnel initiative, if the reader may see it there."""
    if initiative is None or not actor.has_perm("funnel.view_initiative", initiative):
        return None
    return initiative


def _product_detail(request, product: Product) -> dict:
    # Latest year first and those without one last, the same on every database.
    references = product.references.select_related("agency").order_by(F("year").desc(nulls_last=True), "id")
    parts = {
        "rating": selectors.product_rating(product),
        "references": list(references),
        "files": list(product.files.all()),
        "reviews": list(selectors.product_reviews(product)),
        "used_by": list(selectors.product_users(product)),
    }
    return ProductDetailSerializer(product, context={"request": request, "parts": parts}).data


def _fresh_product(request, slug: str, code: int = status.HTTP_200_OK) -> Response:
    return Response(_product_detail(request, access.access_product(actor=request.user, slug=slug)), status=code)


def _application_detail(request, application: Application) -> dict:
    """Operators read the panel with the experts' names; suppliers and cleared experts do not."""
    reviews = None
    if request.user.has_perm("catalog.manage_reviews"):
        reviews = list(application.reviews.select_related("expert").prefetch_related("scores__criterion"))
    return ApplicationSerializer(application, context={"request": request, "reviews": reviews}).data


def _fresh_application(request, pk, code: int = status.HTTP_200_OK) -> Response:
    return Response(_application_detail(request, access.access_application(actor=request.user, pk=pk)), status=code)


def _review_detail(request, review: Review) -> dict:
    return ReviewSerializer(review, context={"request": request, "criteria": selectors.criteria()}).data


def _project_detail(request, project: BuyingProject) -> dict:
    parts = {
        "shortlist": list(project.shortlist.select_related("product__supplier")),
        "snapshot": list(project.snapshot.all()),
        "order": getattr(project, "order", None),
        "initiative": _initiative_for(request.user, project.initiative),
        "direct_award_limit": services.direct_award_limit(),
    }
    return ProjectSerializer(project, context={"request": request, "parts": parts}).data


def _fresh_project(request, pk, code: int = status.HTTP_200_OK) -> Response:
    return Response(_project_detail(request, access.access_project(actor=request.user, pk=pk)), status=code)


def _order_moves(actor, order: Order) -> list[str]:
    """Where the reader may move the order now: the supplier's steps or the agency's."""
    perms = {"supplier": "catalog.supply_order", "agency": "catalog.receive_order"}
    return [to for to, side in ORDER_MOVES.get(order.status, {}).items() if actor.has_perm(perms[side], order)]


def _order_detail(request, order: Order) -> dict:
    parts = {
        "events": list(order.events.all()),
        "moves": _order_moves(request.user, order),
        "initiative": _initiative_for(request.user, order.initiative),
    }
    return OrderSerializer(order, context={"request": request, "parts": parts}).data


def _fresh_order(request, pk, code: int = status.HTTP_200_OK) -> Response:
    return Response(_order_detail(request, access.access_order(actor=request.user, pk=pk)), status=code)


class _Page(generics.ListAPIView):
    """A paginated list read through a selector; ``filter_backends`` off, the selectors filter."""

    filter_backends: list = []


# --- products ------------------------------------------------------------------------


class ProductListView(APIView):
    """The catalog: published products matching the words (Russian or English, any word form) and
    every facet filter, with exact counts per facet value. Values within a facet are alternatives
    (repeat the parameter or separate with commas); facets combine. An unknown value is a 400
    naming the parameter. POST describes a new product of a supplier you belong to (a draft)."""

    @extend_schema(
        operation_id="v1_catalog_products_list",
        parameters=[ProductSearchParamsSerializer],
        responses=ProductSearchPageSerializer,
    )
    def get(self, request):
        query = selectors.CatalogQuery.from_params(valid_input(ProductSearchParamsSerializer, request.query_params))
        _total, facets = selectors.catalog_counts(query)
        paginator = StandardPagination()
        # The page's ids, then its rows (selectors.catalog_page's way), so deep pages stay fast.
        ids = paginator.paginate_queryset(selectors.catalog_ids(query), request, self)
        found = selectors.products_by_ids(ids)
        response = paginator.get_paginated_response(
            ProductListSerializer(
                [found[pk] for pk in ids if pk in found], many=True, context={"request": request}
            ).data
        )
        response.data["facets"] = FacetsSerializer(facets).data
        return response

    @extend_schema(request=ProductCreateSerializer, responses={201: ProductDetailSerializer})
    def post(self, request):
        data = dict(valid_input(ProductCreateSerializer, request.data))
        product = services.product_create(actor=request.user, supplier=data.pop("supplier"), **data)
        return _fresh_product(request, product.slug, status.HTTP_201_CREATED)


class MyProductsView(_Page):
    """Every product of the suppliers the person belongs to, drafts and archived ones included."""

    serializer_class = ProductListSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = Product.objects.none()

    def get_queryset(self):
        return selectors.supplier_products(self.request.user)


class CompareView(APIView):
    """Up to four products side by side, in the order asked; those the reader may not see are left out."""

    @extend_schema(parameters=[CompareQuerySerializer], responses=ProductListSerializer(many=True))
    def get(self, request):
        data = valid_input(CompareQuerySerializer, request.query_params)
        products = selectors.compare_products(data["ids"], actor=request.user)
        return Response(ProductListSerializer(products, many=True, context={"request": request}).data)


class ProductDetailView(APIView):
    """A product with its accreditation, the parts of its rating, references, files and agency
    reviews. A draft is read only by its supplier's people and operators."""

    @extend_schema(responses=ProductDetailSerializer)
    def get(self, request, slug):
        return _fresh_product(request, slug)

    @extend_schema(request=ProductUpdateSerializer, responses=ProductDetailSerializer)
    def patch(self, request, slug):
        product = access.access_product(actor=request.user, slug=slug)
        data = valid_input(ProductUpdateSerializer, request.data)
        services.product_update(actor=request.user, product=product, **data)
        return _fresh_product(request, slug)


class _ProductAction(APIView):
    """POST one step of the product's life; the answer is the product as it is afterwards."""

    input_serializer = EmptyInput

    def act(self, actor, product: Product, data: dict):
        raise NotImplementedError

    def post(self, request, slug):
        product = access.access_product(actor=request.user, slug=slug)
        data = valid_input(self.input_serializer, request.data)
        self.act(request.user, product, data)
        return _fresh_product(request, slug)


def _product_action_schema(description: str):
    return extend_schema_view(
        post=extend_schema(request=None, responses=ProductDetailSerializer, description=description)
    )


@_product_action_schema("The supplier publishes the product in the catalog (409 ``already_published``).")
class ProductPublishView(_ProductAction):
    def act(self, actor, product, data):
        services.product_publish(actor=actor, product=product)


@_product_action_schema(
    "The supplier withdraws the product from the catalog; orders and reviews stay on record (409 ``already_archived``)."
)
class ProductArchiveView(_ProductAction):
    def act(self, actor, product, data):
        services.product_archive(actor=actor, product=product)


class ProductFileListView(APIView):
    """The supplier adds a screenshot (PNG, JPEG, WebP) or a document; it is served only through
    the access-checked address in ``url``."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": ProductFileInputSerializer}, responses={201: ProductFileSerializer})
    def post(self, request, slug):
        product = access.access_product(actor=request.user, slug=slug)
        data = valid_input(ProductFileInputSerializer, request.data)
        item = services.product_file_add(
            actor=request.user, product=product, kind=data["kind"], title=data["title"], upload=data["file"]
        )
        return Response(ProductFileSerializer(item, context={"request": request}).data, status=status.HTTP_201_CREATED)


class ProductFileDetailView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request, slug, pk):
        product = access.access_product(actor=request.user, slug=slug)
        item = access.access_product_file(actor=request.user, pk=pk)
        if item.product_id != product.pk:
            raise Http404
        services.product_file_remove(actor=request.user, item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReferenceListView(APIView):
    """The supplier names a customer or a pilot: an agency on the platform, or any customer by name."""

    @extend_schema(request=ReferenceInputSerializer, responses={201: ProductReferenceSerializer})
    def post(self, request, slug):
        product = access.access_product(actor=request.user, slug=slug)
        data = valid_input(ReferenceInputSerializer, request.data)
        reference = services.reference_add(actor=request.user, product=product, **data)
        return Response(ProductReferenceSerializer(reference).data, status=status.HTTP_201_CREATED)


class ReferenceDetailView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request, slug, pk):
        product = access.access_product(actor=request.user, slug=slug)
        reference = product.references.filter(pk=pk).first()
        if reference is None:
            raise Http404
        services.reference_remove(actor=request.user, reference=reference)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RegistryView(_Page):
    """The public accreditation registry: every published product that has been accredited or is
    under review, with its status derived from the clock, by supplier."""

    serializer_class = RegistryRowSerializer
    queryset = Product.objects.none()

    def get_queryset(self):
        data = valid_input(RegistryFilterSerializer, self.request.query_params)
        return selectors.registry(state=data.get("state", ""), q=data.get("q", ""))

    @extend_schema(parameters=[RegistryFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ProductApplicationView(APIView):
    """The supplier applies for the product's accreditation in an open intake cycle. Eligibility
    is checked against the cycle's rules (400 ``not_eligible`` says what would make the supplier
    eligible) and recorded with the application."""

    @extend_schema(request=ApplicationInputSerializer, responses={201: ApplicationSerializer})
    def post(self, request, slug):
        product = access.access_product(actor=request.user, slug=slug)
        data = valid_input(ApplicationInputSerializer, request.data)
        application = services.application_submit(actor=request.user, product=product, **data)
        return _fresh_application(request, application.pk, status.HTTP_201_CREATED)


class AgencyReviewCreateView(APIView):
    """An agency reviews a product it really used — after a completed order or a pilot — once
    (409 ``not_used``, ``already_reviewed``). The product's rating changes at once."""

    @extend_schema(request=AgencyReviewInputSerializer, responses={201: AgencyReviewSerializer})
    def post(self, request, slug):
        product = access.access_product(actor=request.user, slug=slug)
        data = valid_input(AgencyReviewInputSerializer, request.data)
        review = services.agency_review_add(actor=request.user, product=product, **data)
        return Response(AgencyReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class PilotRecordView(APIView):
    """An agency (or an operator) records that the agency piloted the product in one of its
    initiatives that reached the pilot stage; it entitles the agency to review the product."""

    @extend_schema(request=PilotInputSerializer, responses={201: ProductUseSerializer})
    def post(self, request, slug):
        product = access.access_product(actor=request.user, slug=slug)
        data = valid_input(PilotInputSerializer, request.data)
        use = services.pilot_record(actor=request.user, product=product, **data)
        context = {"request": request, "initiative": _initiative_for(request.user, use.initiative)}
        return Response(ProductUseSerializer(use, context=context).data, status=status.HTTP_201_CREATED)


# --- accreditation: cycles and criteria ------------------------------------------------------


class CycleListView(_Page):
    """Intake cycles, the latest opening first, with their window state and eligibility rules.
    POST: an operator opens a cycle."""

    serializer_class = CycleSerializer
    queryset = IntakeCycle.objects.none()

    def get_queryset(self):
        return selectors.cycles()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(request=CycleCreateSerializer, responses={201: CycleSerializer})
    def post(self, request):
        data = valid_input(CycleCreateSerializer, request.data)
        cycle = services.cycle_create(actor=request.user, **data)
        return Response(CycleSerializer(cycle, context={"now": timezone.now()}).data, status=status.HTTP_201_CREATED)


class CycleDetailView(APIView):
    """PATCH: an operator changes dates, rules or terms; rules already applied stay recorded on
    the applications."""

    @extend_schema(responses=CycleSerializer)
    def get(self, request, slug):
        return Response(CycleSerializer(access.access_cycle(slug=slug), context={"now": timezone.now()}).data)

    @extend_schema(request=CycleUpdateSerializer, responses=CycleSerializer)
    def patch(self, request, slug):
        cycle = access.access_cycle(slug=slug)
        data = valid_input(CycleUpdateSerializer, request.data)
        cycle = services.cycle_update(actor=request.user, cycle=cycle, **data)
        return Response(CycleSerializer(cycle, context={"now": timezone.now()}).data)


class CriteriaView(APIView):
    """What experts score applications on, with weights (adding up to 100) and scales. PUT: an
    operator sets them (400 ``weights_not_100``)."""

    @extend_schema(responses=CriterionSerializer(many=True))
    def get(self, request):
        return Response(CriterionSerializer(selectors.criteria(), many=True).data)

    @extend_schema(request=CriterionWeightsInputSerializer, responses=CriterionSerializer(many=True))
    def put(self, request):
        data = valid_input(CriterionWeightsInputSerializer, request.data)
        criteria = {key: [entry["weight"], entry["scale_max"]] for key, entry in data["criteria"].items()}
        services.criteria_set(actor=request.user, criteria=criteria)
        return Response(CriterionSerializer(selectors.criteria(), many=True).data)


# --- accreditation: applications ------------------------------------------------------------


class MyApplicationsView(_Page):
    """Every application of the products of the suppliers the person belongs to, newest first."""

    serializer_class = ApplicationListSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = Application.objects.none()

    def get_queryset(self):
        return selectors.supplier_applications(self.request.user)


class ApplicationQueueView(_Page):
    """Applications waiting for reviews or a decision, oldest first (operators)."""

    serializer_class = ApplicationQueueSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = Application.objects.none()

    def get_queryset(self):
        _require(self.request.user, "catalog.manage_reviews")
        return selectors.open_applications()


class ApplicationDetailView(APIView):
    """An application, for its supplier's people, operators (with the panel, experts named) and
    the experts reviewing it who declared no conflict of interest."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ApplicationSerializer)
    def get(self, request, pk):
        return _fresh_application(request, pk)


class _ApplicationAction(APIView):
    """POST one step; the answer is the application as the actor reads it afterwards."""

    input_serializer = EmptyInput

    def act(self, actor, application: Application, data: dict):
        raise NotImplementedError

    def post(self, request, pk):
        application = access.access_application(actor=request.user, pk=pk)
        data = valid_input(self.input_serializer, request.data)
        self.act(request.user, application, data)
        return _fresh_application(request, pk)


def _application_action_schema(request=None, description: str = ""):
    return extend_schema_view(
        post=extend_schema(request=request, responses=ApplicationSerializer, description=description)
    )


@_application_action_schema(description="The supplier withdraws an application under review.")
class ApplicationWithdrawView(_ApplicationAction):
    def act(self, actor, application, data):
        services.application_withdraw(actor=actor, application=application)


@_application_action_schema(
    ExpertAssignInputSerializer,
    "An operator asks one particular expert, or (without ``expert``) the least loaded experts up to "
    "the cycle's number; members of the supplier are never asked.",
)
class ApplicationAssignView(_ApplicationAction):
    input_serializer = ExpertAssignInputSerializer

    def act(self, actor, application, data):
        expert = data.get("expert")
        if expert is None:
            services.reviews_assign(actor=actor, application=application)
        else:
            services.review_assign(actor=actor, application=application, expert=expert)


@_application_action_schema(
    DecideInputSerializer,
    "An operator accredits the product for the cycle's term once the panel has handed in its reviews "
    "(409 ``reviews_missing``), or declines with a reason (400 ``reason_required``).",
)
class ApplicationDecideView(_ApplicationAction):
    input_serializer = DecideInputSerializer

    def act(self, actor, application, data):
        services.application_decide(actor=actor, application=application, **data)


# --- accreditation: expert reviews -----------------------------------------------------------


class MyReviewsView(_Page):
    """An expert's reviews: open ones first; those the expert recused from are gone."""

    serializer_class = ReviewListSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = Review.objects.none()

    def get_queryset(self):
        _require(self.request.user, "catalog.view_reviews_inbox")
        return selectors.expert_reviews(self.request.user)


class ReviewDetailView(APIView):
    """The expert's own review: what to review, the criteria and the expert's scores come once
    the expert has declared no conflict of interest."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ReviewSerializer)
    def get(self, request, pk):
        return Response(_review_detail(request, access.access_review(actor=request.user, pk=pk)))


class ReviewDeclareView(APIView):
    """The expert declares whether they have a conflict of interest, first (409
    ``already_declared``). A recused expert loses access (404 from then on) and another expert
    is asked."""

    @extend_schema(request=DeclareInputSerializer, responses=ReviewListSerializer)
    def post(self, request, pk):
        review = access.access_review(actor=request.user, pk=pk)
        data = valid_input(DeclareInputSerializer, request.data)
        review = services.review_declare(actor=request.user, review=review, **data)
        return Response(ReviewListSerializer(review).data)


class ReviewScoresView(APIView):
    """The expert saves scores (criterion key → value, or value and comment) and a summary;
    ``complete`` hands the review in (400 ``incomplete`` without every criterion). Final after that."""

    @extend_schema(request=ReviewScoresInputSerializer, responses=ReviewSerializer)
    def post(self, request, pk):
        review = access.access_review(actor=request.user, pk=pk)
        data = valid_input(ReviewScoresInputSerializer, request.data)
        services.review_save(actor=request.user, review=review, **data)
        return Response(_review_detail(request, access.access_review(actor=request.user, pk=pk)))


# --- buying projects ----------------------------------------------------------------------------


class ProjectListView(_Page):
    """The buying projects of the agencies the person belongs to, latest activity first. POST
    saves a search into a new buying project."""

    serializer_class = ProjectListSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = BuyingProject.objects.none()

    def get_queryset(self):
        actor = self.request.user
        return selectors.all_projects() if actor.is_operator else selectors.agency_projects(actor)

    @extend_schema(request=ProjectCreateSerializer, responses={201: ProjectSerializer})
    def post(self, request):
        data = dict(valid_input(ProjectCreateSerializer, request.data))
        query = dict(data.pop("query", None) or {})
        project = services.project_create(actor=request.user, query=query, **data)
        return _fresh_project(request, project.pk, status.HTTP_201_CREATED)


class ProjectDetailView(APIView):
    """The buying project's audit trail: the saved search, the shortlist with assessments, the
    results frozen when the search ended, the outcome and the order."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ProjectSerializer)
    def get(self, request, pk):
        return _fresh_project(request, pk)


class ProjectSearchView(APIView):
    """PUT replaces the saved search while the project is searching (409 ``search_ended`` after)."""

    @extend_schema(request=CatalogQueryInput, responses=ProjectSerializer)
    def put(self, request, pk):
        project = access.access_project(actor=request.user, pk=pk)
        data = valid_input(CatalogQueryInput, request.data)
        services.project_update_search(actor=request.user, project=project, query=dict(data))
        return _fresh_project(request, pk)


class ShortlistView(APIView):
    """The buyer shortlists a product of the catalog while searching."""

    @extend_schema(request=ShortlistInputSerializer, responses={201: ShortlistItemSerializer})
    def post(self, request, pk):
        project = access.access_project(actor=request.user, pk=pk)
        data = valid_input(ShortlistInputSerializer, request.data)
        product = _visible_product(request.user, data["product"], "product")
        item = services.shortlist_add(actor=request.user, project=project, product=product, note=data["note"])
        return Response(ShortlistItemSerializer(item).data, status=status.HTTP_201_CREATED)


class ShortlistItemView(APIView):
    """DELETE takes a product off the shortlist while searching."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk, item_id):
        project = access.access_project(actor=request.user, pk=pk)
        item = access.access_shortlist_item(project=project, pk=item_id)
        services.shortlist_remove(actor=request.user, item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShortlistAssessView(APIView):
    """After the search ended, the buyer assesses a shortlisted product against the need."""

    @extend_schema(request=AssessInputSerializer, responses=ShortlistItemSerializer)
    def post(self, request, pk, item_id):
        project = access.access_project(actor=request.user, pk=pk)
        item = access.access_shortlist_item(project=project, pk=item_id)
        data = valid_input(AssessInputSerializer, request.data)
        item = services.shortlist_assess(actor=request.user, item=item, **data)
        return Response(ShortlistItemSerializer(access.access_shortlist_item(project=project, pk=item.pk)).data)


class _ProjectAction(APIView):
    input_serializer = EmptyInput

    def act(self, actor, project: BuyingProject, data: dict):
        raise NotImplementedError

    def post(self, request, pk):
        project = access.access_project(actor=request.user, pk=pk)
        data = valid_input(self.input_serializer, request.data)
        self.act(request.user, project, data)
        return _fresh_project(request, pk)


def _project_action_schema(request=None, description: str = ""):
    return extend_schema_view(post=extend_schema(request=request, responses=ProjectSerializer, description=description))


@_project_action_schema(
    description="The buyer ends the search: its results are frozen as they stand — only with at most "
    "GOVTECH_CATALOG_SNAPSHOT_MAX results (409 ``too_many_results``) and every shortlisted product among "
    "them (409 ``shortlist_outside_results``)."
)
class ProjectEndView(_ProjectAction):
    def act(self, actor, project, data):
        services.project_end_search(actor=actor, project=project)


@_project_action_schema(
    OutcomeInputSerializer,
    "The buyer records the outcome with its rationale: awarded (to an assessed shortlisted product), "
    "none suitable, or cancelled.",
)
class ProjectOutcomeView(_ProjectAction):
    input_serializer = OutcomeInputSerializer

    def act(self, actor, project, data):
        product = _visible_product(actor, data.get("product"), "product")
        services.project_record_outcome(
            actor=actor, project=project, outcome=data["outcome"], reason=data["reason"], product=product
        )


class OrderCreateView(APIView):
    """The agency orders the awarded product directly — while it is accredited and only up to the
    direct-award threshold (the project's ``direct_award_limit``). Above it: 400 ``above_threshold``
    with the competitive route explained under ``fields.amount``, and nothing is created. The
    order carries the project into the funnel at the adoption stage."""

    @extend_schema(request=OrderInputSerializer, responses={201: OrderSerializer})
    def post(self, request, pk):
        project = access.access_project(actor=request.user, pk=pk)
        data = valid_input(OrderInputSerializer, request.data)
        order = services.order_place(actor=request.user, project=project, **data)
        return _fresh_order(request, order.pk, status.HTTP_201_CREATED)


# --- orders -------------------------------------------------------------------------------------


class OrderListView(_Page):
    """Orders placed by the person's agencies and received by the person's suppliers, newest first."""

    serializer_class = OrderListSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = Order.objects.none()

    def get_queryset(self):
        side = valid_input(OrderFilterSerializer, self.request.query_params).get("side")
        actor = self.request.user
        if side == "agency":
            return selectors.agency_orders(actor)
        if side == "supplier":
            return selectors.supplier_orders(actor)
        return selectors.all_orders() if actor.is_operator else selectors.my_orders(actor)

    @extend_schema(parameters=[OrderFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OrderDetailView(APIView):
    """The order with its timeline and the moves the reader may make now."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=OrderSerializer)
    def get(self, request, pk):
        return _fresh_order(request, pk)


class OrderMoveView(APIView):
    """One step of the order: the supplier accepts and delivers, the agency accepts the delivery or
    disputes it (with a note) and closes the order (409 ``invalid_transition`` otherwise).
    Accepting the delivery entitles the agency to review the product."""

    @extend_schema(request=OrderMoveSerializer, responses=OrderSerializer)
    def post(self, request, pk):
        order = access.access_order(actor=request.user, pk=pk)
        data = valid_input(OrderMoveSerializer, request.data)
        services.order_move(actor=request.user, order=order, **data)
        return _fresh_order(request, pk)


CATALOG = "catalog/"
PRODUCT = CATALOG + "products/<slug:slug>/"
APPLICATION = CATALOG + "applications/<int:pk>/"
REVIEW = CATALOG + "reviews/<int:pk>/"
PROJECT = CATALOG + "projects/<int:pk>/"
ITEM = PROJECT + "shortlist/<int:item_id>/"
ORDER = CATALOG + "orders/<int:pk>/"

urlpatterns = [
    path(CATALOG + "products/", ProductListView.as_view(), name="catalog-product-list"),
    # Before the product routes: a reserved word, never a product's address name.
    path(CATALOG + "products/mine/", MyProductsView.as_view(), name="catalog-product-mine"),
    path(PRODUCT, ProductDetailView.as_view(), name="catalog-product-detail"),
    path(PRODUCT + "publish/", ProductPublishView.as_view(), name="catalog-product-publish"),
    path(PRODUCT + "archive/", ProductArchiveView.as_view(), name="catalog-product-archive"),
    path(PRODUCT + "files/", ProductFileListView.as_view(), name="catalog-product-file-list"),
    path(PRODUCT + "files/<int:pk>/", ProductFileDetailView.as_view(), name="catalog-product-file-detail"),
    path(PRODUCT + "references/", ReferenceListView.as_view(), name="catalog-reference-list"),
    path(PRODUCT + "references/<int:pk>/", ReferenceDetailView.as_view(), name="catalog-reference-detail"),
    path(PRODUCT + "applications/", ProductApplicationView.as_view(), name="catalog-product-application"),
    path(PRODUCT + "reviews/", AgencyReviewCreateView.as_view(), name="catalog-agency-review-create"),
    path(PRODUCT + "pilots/", PilotRecordView.as_view(), name="catalog-pilot-record"),
    path(CATALOG + "compare/", CompareView.as_view(), name="catalog-compare"),
    path(CATALOG + "registry/", RegistryView.as_view(), name="catalog-registry"),
    path(CATALOG + "cycles/", CycleListView.as_view(), name="catalog-cycle-list"),
    path(CATALOG + "cycles/<slug:slug>/", CycleDetailView.as_view(), name="catalog-cycle-detail"),
    path(CATALOG + "criteria/", CriteriaView.as_view(), name="catalog-criteria"),
    path(CATALOG + "applications/", MyApplicationsView.as_view(), name="catalog-application-list"),
    path(CATALOG + "applications/open/", ApplicationQueueView.as_view(), name="catalog-application-queue"),
    path(APPLICATION, ApplicationDetailView.as_view(), name="catalog-application-detail"),
    path(APPLICATION + "withdraw/", ApplicationWithdrawView.as_view(), name="catalog-application-withdraw"),
    path(APPLICATION + "assign/", ApplicationAssignView.as_view(), name="catalog-application-assign"),
    path(APPLICATION + "decide/", ApplicationDecideView.as_view(), name="catalog-application-decide"),
    path(CATALOG + "reviews/", MyReviewsView.as_view(), name="catalog-review-list"),
    path(REVIEW, ReviewDetailView.as_view(), name="catalog-review-detail"),
    path(REVIEW + "declare/", ReviewDeclareView.as_view(), name="catalog-review-declare"),
    path(REVIEW + "scores/", ReviewScoresView.as_view(), name="catalog-review-scores"),
    path(CATALOG + "projects/", ProjectListView.as_view(), name="catalog-project-list"),
    path(PROJECT, ProjectDetailView.as_view(), name="catalog-project-detail"),
    path(PROJECT + "search/", ProjectSearchView.as_view(), name="catalog-project-search"),
    path(PROJECT + "shortlist/", ShortlistView.as_view(), name="catalog-shortlist-add"),
    path(ITEM, ShortlistItemView.as_view(), name="catalog-shortlist-item"),
    path(ITEM + "assess/", ShortlistAssessView.as_view(), name="catalog-shortlist-assess"),
    path(PROJECT + "end/", ProjectEndView.as_view(), name="catalog-project-end"),
    path(PROJECT + "outcome/", ProjectOutcomeView.as_view(), name="catalog-project-outcome"),
    path(PROJECT + "order/", OrderCreateView.as_view(), name="catalog-order-create"),
    path(CATALOG + "orders/", OrderListView.as_view(), name="catalog-order-list"),
    path(ORDER, OrderDetailView.as_view(), name="catalog-order-detail"),
    path(ORDER + "move/", OrderMoveView.as_view(), name="catalog-order-move"),
]
