"""Input and output shapes of the catalog API (govtech/catalog/api.py).

Output serializers only read what selectors and access helpers hand them. Input serializers
check the shape of a request and refuse fields (and values) they do not know; the services
decide the rest. Money travels as strings with two decimals ("250000.00"), dates and times in
ISO 8601. People are named only where the pages name them: experts to operators only."""

import re

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from govtech.accounts.models import Organization, OrganizationKind, User
from govtech.api.inputs import CommaListField, StrictInput
from govtech.api.pagination import StandardPagination
from govtech.api.serializers import OrganizationRefSerializer, PersonNameSerializer
from govtech.catalog.models import (
    AccreditationState,
    AgencyReview,
    Application,
    ApplicationStatus,
    BuyingProject,
    Category,
    Criterion,
    CriterionKey,
    DataLocation,
    Deployment,
    FileKind,
    IntakeCycle,
    Language,
    Order,
    OrderEvent,
    OrderStatus,
    Outcome,
    PriceBand,
    PricingModel,
    Product,
    ProductFile,
    ProductReference,
    ProductStatus,
    ProductUse,
    ProjectStatus,
    ReferenceKind,
    Review,
    ReviewScore,
    ShortlistItem,
    SnapshotRow,
    UseKind,
    WindowState,
)
from govtech.catalog.selectors import MAX_COMPARE, SORTS
from govtech.challenges.models import Declaration
from govtech.core.ids import MAX_ID, parse_id
from govtech.funnel.models import Initiative
from govtech.funnel.states import Stage

MAX_FILTER_ID = 2**31 - 1  # the catalog search keeps agency ids in this range
SLUG = re.compile(r"^[-\w]{1,90}$")


def _absolute(context, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


def money(**kwargs) -> serializers.DecimalField:
    """Roubles with kopecks, as a string: "3000000.00"."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def points(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=5, decimal_places=2, **kwargs)


# --- input: ids and address names --------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """An object by its id, checked to be an id before the database is asked."""

    def to_internal_value(self, data):
        number = parse_id(data)
        if number is None:
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(number)


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class IdOrSlugField(serializers.Field):
    """An object named by its id or by its address name."""

    default_error_messages = {
        "invalid": _("Give an id or an address name."),
        "does_not_exist": _("Not found."),
    }

    def __init__(self, *, queryset, **kwargs):
        self.queryset = queryset
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        number = parse_id(data)
        is_slug = isinstance(data, str) and SLUG.match(data) is not None
        if number is None and not is_slug:
            self.fail("invalid")
        found = self.queryset.filter(pk=number).first() if number is not None else None
        if found is None and is_slug:
            found = self.queryset.filter(slug=data).first()
        if found is None:
            self.fail("does_not_exist")
        return found

    def to_representation(self, value):
        return value.pk


def organization_field(help_text: str, **kwargs) -> IdOrSlugField:
    return IdOrSlugField(queryset=Organization.objects.filter(is_active=True), help_text=help_text, **kwargs)


def _choice_list(choices, help_text: str) -> CommaListField:
    return CommaListField(
        child=serializers.ChoiceField(choices=choices), required=False, max_length=50, help_text=help_text
    )


class _SearchFields(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Words in Russian or English, any word form."
    )
    category = _choice_list(Category.choices, "One or more categories (city domains).")
    trl = CommaListField(
        child=serializers.IntegerField(min_value=1, max_value=9),
        required=False,
        max_length=9,
        help_text="Technology readiness levels, 1–9.",
    )
    price_band = _choice_list(PriceBand.choices, "Price bands of the price from.")
    deployment = _choice_list(Deployment.choices, "How the product is deployed.")
    accreditation = _choice_list(AccreditationState.choices, "Accreditation status, derived from the clock.")
    used_by = CommaListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_FILTER_ID),
        required=False,
        max_length=50,
        help_text="Ids of agencies that completed an order or a pilot of the product.",
    )
    sort = serializers.ChoiceField(
        choices=[(value, value) for value in SORTS],
        required=False,
        help_text="relevance (the default with words), rating, newest (the default without words).",
    )

    def validate_used_by(self, value: list[int]) -> list[int]:
        if value:
            known = set(
                Organization.objects.filter(pk__in=value, kind=OrganizationKind.AGENCY).values_list("pk", flat=True)
            )
            missing = [str(pk) for pk in value if pk not in known]
            if missing:
                raise serializers.ValidationError(_("No such agency: %(ids)s.") % {"ids": ", ".join(missing)})
        return value


class ProductSearchParamsSerializer(_SearchFields):
    """The catalog search's query parameters, with the page."""

    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_FILTER_ID)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=StandardPagination.max_page_size, help_text="20 unless given."
    )


class CatalogQueryInput(StrictInput, _SearchFields):
    """A saved search: the same filters as the catalog search."""


# --- output: small references ----------------------------------------------------------


class ProductRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "slug", "name"]


class CycleRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = IntakeCycle
        fields = ["slug", "name"]


class FunnelInitiativeSerializer(serializers.ModelSerializer):
    stage = serializers.ChoiceField(choices=Stage.choices, read_only=True)
    url = serializers.SerializerMethodField(help_text="The initiative's page in the innovation funnel.")

    class Meta:
        model = Initiative
        fields = ["slug", "title", "stage", "url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, initiative) -> str:
        return _absolute(self.context, initiative.get_absolute_url())


def initiative_link(context, initiative) -> dict | None:
    """The initiative only when the view found the reader may see it (``context["initiative"]``)."""
    return FunnelInitiativeSerializer(initiative, context=context).data if initiative is not None else None


# --- output: products ------------------------------------------------------------------------


class ProductListSerializer(serializers.ModelSerializer):
    """A product in a list: everything a result row shows, read from the product row and its supplier."""

    supplier = OrganizationRefSerializer(read_only=True)
    category = serializers.ChoiceField(choices=Category.choices, read_only=True)
    trl = serializers.IntegerField(read_only=True, help_text="Technology readiness level, 1–9.")
    pricing_model = serializers.ChoiceField(choices=PricingModel.choices, read_only=True)
    price_from = money(read_only=True, allow_null=True, help_text="Roubles; empty: price on request.")
    price_band = serializers.ChoiceField(choices=PriceBand.choices, read_only=True)
    deployment = serializers.ChoiceField(choices=Deployment.choices, read_only=True)
    data_location = serializers.ChoiceField(choices=DataLocation.choices, read_only=True)
    languages = serializers.ListField(child=serializers.ChoiceField(choices=Language.choices), read_only=True)
    status = serializers.ChoiceField(choices=ProductStatus.choices, read_only=True)
    accreditation_state = serializers.SerializerMethodField(help_text="Derived from the server clock.")
    accredited_until = serializers.DateField(read_only=True, allow_null=True)
    expert_score = points(read_only=True, allow_null=True, help_text="The accreditation panel's score, of 100.")
    rating = serializers.DecimalField(
        max_digits=4, decimal_places=2, read_only=True, allow_null=True, help_text="1–5; see rating_parts."
    )
    review_count = serializers.IntegerField(read_only=True, help_text="Agency reviews.")
    url = serializers.SerializerMethodField(help_text="The product's page.")

    class Meta:
        model = Product
        fields = [
            "id",
            "slug",
            "name",
            "summary",
            "supplier",
            "category",
            "trl",
            "pricing_model",
            "price_from",
            "price_band",
            "deployment",
            "data_location",
            "languages",
            "status",
            "accreditation_state",
            "accredited_until",
            "expert_score",
            "rating",
            "review_count",
            "published_at",
            "url",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=AccreditationState.choices))
    def get_accreditation_state(self, product) -> str:
        return str(product.accreditation_state())

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, product) -> str:
        return _absolute(self.context, product.get_absolute_url())


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Products this value gives with every other filter applied.")
    selected = serializers.BooleanField()


class FacetsSerializer(serializers.Serializer):
    """Exact counts per facet value; a facet's own filter is not applied to its counts, so
    choosing a second value adds to the results."""

    category = FacetValueSerializer(many=True)
    trl = FacetValueSerializer(many=True)
    price_band = FacetValueSerializer(many=True)
    deployment = FacetValueSerializer(many=True)
    accreditation = FacetValueSerializer(many=True)
    used_by = FacetValueSerializer(many=True, help_text="Agencies (value: the agency's id), most products first.")


class ProductSearchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ProductListSerializer(many=True)
    facets = FacetsSerializer()


class RatingPartsSerializer(serializers.Serializer):
    """rating = (C × prior + Σ stars) ÷ (C + n): a Bayesian average of n agency reviews (1–5 stars)
    starting from the expert score on the same scale (prior = 1 + 4 × expert_score ÷ 100, or 3
    without one), counted as C = prior_weight reviews."""

    rating = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    expert_score = points(allow_null=True, help_text="Of 100.")
    expert_stars = serializers.DecimalField(
        max_digits=4, decimal_places=2, allow_null=True, help_text="The expert score on the 1–5 scale: the prior."
    )
    review_count = serializers.IntegerField()
    agency_mean = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    prior_weight = serializers.IntegerField(help_text="How many reviews the prior counts as (C).")


class ProductFileSerializer(serializers.ModelSerializer):
    """Files are linked through the page that checks who may read them, never a media address."""

    kind = serializers.ChoiceField(choices=FileKind.choices, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ProductFile
        fields = ["id", "kind", "title", "url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, item) -> str:
        path = reverse("catalog:product-file", kwargs={"slug": item.product.slug, "pk": item.pk})
        return _absolute(self.context, path)


class ProductReferenceSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=ReferenceKind.choices, read_only=True)
    agency = OrganizationRefSerializer(read_only=True, allow_null=True)
    year = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = ProductReference
        fields = ["id", "kind", "customer", "agency", "year", "description"]


class AgencyReviewSerializer(serializers.ModelSerializer):
    """An agency's review; the agency is named, the person who wrote it is not."""

    agency = OrganizationRefSerializer(read_only=True)
    stars = serializers.IntegerField(read_only=True, help_text="1–5.")
    basis = serializers.ChoiceField(
        source="use.kind", choices=UseKind.choices, read_only=True, help_text="What entitled the agency to review."
    )

    class Meta:
        model = AgencyReview
        fields = ["id", "agency", "stars", "text", "basis", "created_at"]


class ProductDetailSerializer(ProductListSerializer):
    """The whole product; ``context["parts"]`` holds what the view read through selectors."""

    description = serializers.CharField(read_only=True, help_text="Markdown.")
    has_open_application = serializers.BooleanField(read_only=True)
    rating_parts = serializers.SerializerMethodField()
    references = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()
    reviews = serializers.SerializerMethodField(help_text="Agency reviews, newest first.")
    used_by = serializers.SerializerMethodField(help_text="Agencies that completed an order or a pilot of it.")

    class Meta(ProductListSerializer.Meta):
        fields = [
            *ProductListSerializer.Meta.fields,
            "description",
            "website",
            "has_open_application",
            "rating_parts",
            "references",
            "files",
            "reviews",
            "used_by",
            "created_at",
            "updated_at",
        ]

    def _part(self, name: str):
        return self.context["parts"][name]

    @extend_schema_field(RatingPartsSerializer)
    def get_rating_parts(self, product) -> dict:
        return RatingPartsSerializer(self._part("rating")).data

    @extend_schema_field(ProductReferenceSerializer(many=True))
    def get_references(self, product) -> list:
        return ProductReferenceSerializer(self._part("references"), many=True).data

    @extend_schema_field(ProductFileSerializer(many=True))
    def get_files(self, product) -> list:
        return ProductFileSerializer(self._part("files"), many=True, context=self.context).data

    @extend_schema_field(AgencyReviewSerializer(many=True))
    def get_reviews(self, product) -> list:
        return AgencyReviewSerializer(self._part("reviews"), many=True).data

    @extend_schema_field(OrganizationRefSerializer(many=True))
    def get_used_by(self, product) -> list:
        return OrganizationRefSerializer(self._part("used_by"), many=True).data


class RegistryRowSerializer(serializers.ModelSerializer):
    supplier = OrganizationRefSerializer(read_only=True)
    category = serializers.ChoiceField(choices=Category.choices, read_only=True)
    accreditation_state = serializers.SerializerMethodField(help_text="Derived from the server clock.")
    accredited_until = serializers.DateField(read_only=True, allow_null=True)
    expert_score = points(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField(help_text="The product's page.")

    class Meta:
        model = Product
        fields = [
            "id",
            "slug",
            "name",
            "supplier",
            "category",
            "accreditation_state",
            "accredited_until",
            "expert_score",
            "url",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=AccreditationState.choices))
    def get_accreditation_state(self, product) -> str:
        return str(product.accreditation_state())

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, product) -> str:
        return _absolute(self.context, product.get_absolute_url())


class ProductUseSerializer(serializers.ModelSerializer):
    agency = OrganizationRefSerializer(read_only=True)
    kind = serializers.ChoiceField(choices=UseKind.choices, read_only=True)
    initiative = serializers.SerializerMethodField()

    class Meta:
        model = ProductUse
        fields = ["id", "agency", "kind", "initiative", "recorded_at"]

    @extend_schema_field(FunnelInitiativeSerializer(allow_null=True))
    def get_initiative(self, use):
        return initiative_link(self.context, self.context.get("initiative"))


# --- output: accreditation ------------------------------------------------------------------


class CycleSerializer(serializers.ModelSerializer):
    """``context["now"]`` is the moment the window states are read at."""

    window_state = serializers.SerializerMethodField(help_text="Derived from the server clock.")
    eligibility = serializers.JSONField(
        read_only=True,
        help_text='Who may apply: {"any_of": [{condition: value, ...}, ...]}; conditions: max_company_age_years, '
        "min_company_age_years, sme, max_headcount, partner_recommendation.",
    )
    accreditation_months = serializers.IntegerField(read_only=True)
    min_experts = serializers.IntegerField(read_only=True, help_text="Expert reviews needed per application.")

    class Meta:
        model = IntakeCycle
        fields = [
            "slug",
            "name",
            "opens_at",
            "closes_at",
            "window_state",
            "eligibility",
            "accreditation_months",
            "min_experts",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=WindowState.choices))
    def get_window_state(self, cycle) -> str:
        return str(cycle.window_state(self.context.get("now")))


class CriterionSerializer(serializers.ModelSerializer):
    key = serializers.ChoiceField(choices=CriterionKey.choices, read_only=True)
    name = serializers.CharField(read_only=True)
    weight = serializers.IntegerField(read_only=True, help_text="%; the weights add up to 100.")
    scale_max = serializers.IntegerField(read_only=True, help_text="Scores run from 0 to this.")

    class Meta:
        model = Criterion
        fields = ["key", "name", "weight", "scale_max"]


class ReviewScoreSerializer(serializers.ModelSerializer):
    criterion = serializers.ChoiceField(source="criterion.key", choices=CriterionKey.choices, read_only=True)
    value = serializers.IntegerField(read_only=True)

    class Meta:
        model = ReviewScore
        fields = ["criterion", "value", "comment"]


class PanelReviewSerializer(serializers.ModelSerializer):
    """An expert's review as operators read it, with the expert's name."""

    expert = PersonNameSerializer(read_only=True)
    conflict = serializers.ChoiceField(choices=Declaration.choices, read_only=True)
    scores = ReviewScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Review
        fields = ["id", "expert", "conflict", "conflict_note", "declared_at", "completed_at", "summary", "scores"]


class ApplicationProductSerializer(serializers.ModelSerializer):
    supplier = OrganizationRefSerializer(read_only=True)

    class Meta:
        model = Product
        fields = ["id", "slug", "name", "supplier"]


class ApplicationListSerializer(serializers.ModelSerializer):
    product = ApplicationProductSerializer(read_only=True)
    cycle = CycleRefSerializer(read_only=True)
    status = serializers.ChoiceField(choices=ApplicationStatus.choices, read_only=True)
    accredited_until = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Application
        fields = ["id", "product", "cycle", "status", "submitted_at", "decided_at", "accredited_until"]


class ApplicationQueueSerializer(ApplicationListSerializer):
    cleared = serializers.IntegerField(read_only=True, help_text="Experts asked who did not recuse themselves.")
    completed = serializers.IntegerField(read_only=True, help_text="Reviews handed in.")

    class Meta(ApplicationListSerializer.Meta):
        fields = [*ApplicationListSerializer.Meta.fields, "cleared", "completed"]


class ApplicationSerializer(ApplicationListSerializer):
    """The application. ``context["reviews"]`` is the panel for operators (experts named), None
    for everyone else."""

    recommended_by = OrganizationRefSerializer(read_only=True, allow_null=True)
    eligibility = serializers.JSONField(
        read_only=True, help_text="The eligibility check recorded at submission, with the cycle's rules."
    )
    expert_score = points(read_only=True, allow_null=True, help_text="The panel's score of 100, once decided.")
    reviews = serializers.SerializerMethodField()

    class Meta(ApplicationListSerializer.Meta):
        fields = [
            *ApplicationListSerializer.Meta.fields,
            "statement",
            "recommended_by",
            "recommendation",
            "eligibility",
            "decision_reason",
            "expert_score",
            "reviews",
        ]

    @extend_schema_field(PanelReviewSerializer(many=True, allow_null=True))
    def get_reviews(self, application) -> list | None:
        reviews = self.context.get("reviews")
        return None if reviews is None else PanelReviewSerializer(reviews, many=True).data


class ReviewListSerializer(serializers.ModelSerializer):
    """An expert's own review in their inbox."""

    application = serializers.IntegerField(source="application_id", read_only=True)
    product = ApplicationProductSerializer(
        source="application.product", read_only=True, help_text="With its supplier, to declare any conflict."
    )
    cycle = CycleRefSerializer(source="application.cycle", read_only=True)
    conflict = serializers.ChoiceField(choices=Declaration.choices, read_only=True)

    class Meta:
        model = Review
        fields = ["id", "application", "product", "cycle", "conflict", "declared_at", "completed_at"]


class ReviewedProductSerializer(serializers.ModelSerializer):
    category = serializers.ChoiceField(choices=Category.choices, read_only=True)
    trl = serializers.IntegerField(read_only=True)
    pricing_model = serializers.ChoiceField(choices=PricingModel.choices, read_only=True)
    price_from = money(read_only=True, allow_null=True)
    deployment = serializers.ChoiceField(choices=Deployment.choices, read_only=True)
    data_location = serializers.ChoiceField(choices=DataLocation.choices, read_only=True)
    languages = serializers.ListField(child=serializers.ChoiceField(choices=Language.choices), read_only=True)

    class Meta:
        model = Product
        fields = [
            "summary",
            "description",
            "category",
            "trl",
            "pricing_model",
            "price_from",
            "deployment",
            "data_location",
            "languages",
            "website",
        ]


class ReviewContentSerializer(serializers.ModelSerializer):
    product = ReviewedProductSerializer(read_only=True)
    recommended_by = OrganizationRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Application
        fields = ["statement", "recommended_by", "recommendation", "product"]


class ReviewSerializer(ReviewListSerializer):
    """The expert's own review. What to review, the criteria and the scores come once the expert
    has declared no conflict of interest."""

    content = serializers.SerializerMethodField()
    criteria = serializers.SerializerMethodField()
    scores = serializers.SerializerMethodField()

    class Meta(ReviewListSerializer.Meta):
        fields = [*ReviewListSerializer.Meta.fields, "conflict_note", "summary", "content", "criteria", "scores"]

    @extend_schema_field(ReviewContentSerializer(allow_null=True))
    def get_content(self, review) -> dict | None:
        return ReviewContentSerializer(review.application).data if review.may_score else None

    @extend_schema_field(CriterionSerializer(many=True))
    def get_criteria(self, review) -> list:
        return CriterionSerializer(self.context.get("criteria", []) if review.may_score else [], many=True).data

    @extend_schema_field(ReviewScoreSerializer(many=True))
    def get_scores(self, review) -> list:
        return ReviewScoreSerializer(review.scores.select_related("criterion"), many=True).data


# --- output: buying projects and orders ----------------------------------------------------


class ShortlistProductSerializer(serializers.ModelSerializer):
    supplier = OrganizationRefSerializer(read_only=True)
    price_from = money(read_only=True, allow_null=True)
    accreditation_state = serializers.SerializerMethodField(help_text="Now, by the server clock.")

    class Meta:
        model = Product
        fields = ["id", "slug", "name", "supplier", "price_from", "accreditation_state"]

    @extend_schema_field(serializers.ChoiceField(choices=AccreditationState.choices))
    def get_accreditation_state(self, product) -> str:
        return str(product.accreditation_state())


class ShortlistItemSerializer(serializers.ModelSerializer):
    product = ShortlistProductSerializer(read_only=True)
    score = serializers.IntegerField(read_only=True, allow_null=True, help_text="The buyer's assessment, 0–100.")

    class Meta:
        model = ShortlistItem
        fields = ["id", "product", "note", "added_at", "score", "assessment", "assessed_at"]


class SnapshotDataSerializer(serializers.Serializer):
    """A result as it stood when the search ended; never changed afterwards."""

    name = serializers.CharField()
    slug = serializers.CharField()
    supplier = serializers.CharField(help_text="The supplier's name.")
    category = serializers.ChoiceField(choices=Category.choices)
    trl = serializers.IntegerField()
    price_from = serializers.CharField(allow_null=True, help_text="Roubles with two decimals.")
    pricing_model = serializers.ChoiceField(choices=PricingModel.choices)
    deployment = serializers.ChoiceField(choices=Deployment.choices)
    accreditation = serializers.ChoiceField(choices=AccreditationState.choices)
    accredited_until = serializers.DateField(allow_null=True)
    rating = serializers.CharField(allow_null=True)
    expert_score = serializers.CharField(allow_null=True)
    review_count = serializers.IntegerField()


class SnapshotRowSerializer(serializers.ModelSerializer):
    position = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(source="product_id", read_only=True, allow_null=True)
    data = SnapshotDataSerializer(read_only=True)

    class Meta:
        model = SnapshotRow
        fields = ["position", "product", "data"]


class OrderRefSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)
    amount = money(read_only=True)

    class Meta:
        model = Order
        fields = ["id", "status", "amount"]


class ProjectListSerializer(serializers.ModelSerializer):
    agency = OrganizationRefSerializer(read_only=True)
    status = serializers.ChoiceField(choices=ProjectStatus.choices, read_only=True)
    outcome = serializers.SerializerMethodField(help_text="Empty until recorded.")
    shortlisted = serializers.IntegerField(read_only=True)
    result_count = serializers.IntegerField(read_only=True, allow_null=True, help_text="Results when the search ended.")
    awarded_product = ProductRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = BuyingProject
        fields = [
            "id",
            "agency",
            "title",
            "status",
            "outcome",
            "shortlisted",
            "ended_at",
            "result_count",
            "awarded_product",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=Outcome.choices, allow_null=True))
    def get_outcome(self, project) -> str | None:
        return project.outcome or None


class ProjectSerializer(ProjectListSerializer):
    """The buying project with its audit trail; ``context["parts"]`` holds what the view read."""

    shortlisted = serializers.SerializerMethodField()
    query = serializers.JSONField(read_only=True, help_text="The saved search: the catalog search's parameters.")
    initiative = serializers.SerializerMethodField()
    shortlist = serializers.SerializerMethodField()
    snapshot = serializers.SerializerMethodField(help_text="The results frozen when the search ended, in order.")
    order = serializers.SerializerMethodField()
    direct_award_limit = serializers.SerializerMethodField(
        help_text="Roubles; an order above it must go through competition."
    )

    class Meta(ProjectListSerializer.Meta):
        fields = [
            *ProjectListSerializer.Meta.fields,
            "need",
            "query",
            "initiative",
            "outcome_reason",
            "decided_at",
            "shortlist",
            "snapshot",
            "order",
            "direct_award_limit",
        ]

    def _part(self, name: str):
        return self.context["parts"][name]

    def get_shortlisted(self, project) -> int:
        return len(self._part("shortlist"))

    @extend_schema_field(FunnelInitiativeSerializer(allow_null=True))
    def get_initiative(self, project):
        return initiative_link(self.context, self._part("initiative"))

    @extend_schema_field(ShortlistItemSerializer(many=True))
    def get_shortlist(self, project) -> list:
        return ShortlistItemSerializer(self._part("shortlist"), many=True).data

    @extend_schema_field(SnapshotRowSerializer(many=True))
    def get_snapshot(self, project) -> list:
        return SnapshotRowSerializer(self._part("snapshot"), many=True).data

    @extend_schema_field(OrderRefSerializer(allow_null=True))
    def get_order(self, project):
        order = self._part("order")
        return OrderRefSerializer(order).data if order is not None else None

    @extend_schema_field(money())
    def get_direct_award_limit(self, project) -> str:
        return money().to_representation(self._part("direct_award_limit"))


class OrderListSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id", read_only=True, help_text="The buying project's id.")
    product = ProductRefSerializer(read_only=True)
    supplier = OrganizationRefSerializer(read_only=True)
    agency = OrganizationRefSerializer(read_only=True)
    amount = money(read_only=True)
    status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)

    class Meta:
        model = Order
        fields = ["id", "project", "product", "supplier", "agency", "amount", "status", "created_at", "updated_at"]


class OrderEventSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)

    class Meta:
        model = OrderEvent
        fields = ["status", "at", "note"]


class OrderSerializer(OrderListSerializer):
    """The order with its timeline; ``context["parts"]``: events, the reader's possible moves, the
    initiative if the reader may see it."""

    initiative = serializers.SerializerMethodField()
    was_accepted = serializers.BooleanField(read_only=True)
    events = serializers.SerializerMethodField(help_text="Every move, oldest first.")
    moves = serializers.SerializerMethodField(help_text="The statuses the reader may move the order to now.")

    class Meta(OrderListSerializer.Meta):
        fields = [*OrderListSerializer.Meta.fields, "description", "initiative", "was_accepted", "events", "moves"]

    def _part(self, name: str):
        return self.context["parts"][name]

    @extend_schema_field(FunnelInitiativeSerializer(allow_null=True))
    def get_initiative(self, order):
        return initiative_link(self.context, self._part("initiative"))

    @extend_schema_field(OrderEventSerializer(many=True))
    def get_events(self, order) -> list:
        return OrderEventSerializer(self._part("events"), many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=OrderStatus.choices)))
    def get_moves(self, order) -> list:
        return [str(status) for status in self._part("moves")]


# --- input: products ------------------------------------------------------------------------


class ProductUpdateSerializer(StrictInput):
    name = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(max_length=300, required=False)
    description = serializers.CharField(required=False, max_length=20_000, help_text="Markdown.")
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    trl = serializers.IntegerField(min_value=1, max_value=9, required=False)
    pricing_model = serializers.ChoiceField(choices=PricingModel.choices, required=False)
    price_from = money(
        min_value=0, required=False, allow_null=True, help_text='Roubles, e.g. "250000.00"; empty: on request.'
    )
    deployment = serializers.ChoiceField(choices=Deployment.choices, required=False)
    data_location = serializers.ChoiceField(choices=DataLocation.choices, required=False)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=Language.choices), required=False, max_length=len(Language.choices)
    )
    website = serializers.URLField(required=False, allow_blank=True, max_length=200)


class ProductCreateSerializer(ProductUpdateSerializer):
    supplier = organization_field("The id or address name of the supplier you act for.")
    name = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=300)
    description = serializers.CharField(max_length=20_000, help_text="Markdown.")
    category = serializers.ChoiceField(choices=Category.choices)
    trl = serializers.IntegerField(min_value=1, max_value=9)
    pricing_model = serializers.ChoiceField(choices=PricingModel.choices)
    deployment = serializers.ChoiceField(choices=Deployment.choices)
    data_location = serializers.ChoiceField(choices=DataLocation.choices)


class ProductFileInputSerializer(StrictInput):
    """multipart/form-data."""

    kind = serializers.ChoiceField(choices=FileKind.choices)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    file = serializers.FileField()


class ReferenceInputSerializer(StrictInput):
    kind = serializers.ChoiceField(choices=ReferenceKind.choices)
    customer = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    agency = organization_field(
        "An agency on the platform, instead of a customer's name.", required=False, allow_null=True
    )
    year = serializers.IntegerField(min_value=1990, max_value=2100, required=False, allow_null=True)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RegistryFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=AccreditationState.choices, required=False)
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="Words, any word form.")


class CompareQuerySerializer(serializers.Serializer):
    ids = CommaListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=MAX_COMPARE,
        help_text="Up to four product ids, in the order to show.",
    )


class AgencyReviewInputSerializer(StrictInput):
    agency = organization_field("The id or address name of the agency you review for.")
    stars = serializers.IntegerField(min_value=1, max_value=5)
    text = serializers.CharField(max_length=5000)


class PilotInputSerializer(StrictInput):
    agency = organization_field("The agency that piloted the product.")
    initiative = IdRelatedField(
        queryset=Initiative.objects.all(), help_text="The agency's initiative that reached the pilot stage."
    )


# --- input: accreditation -------------------------------------------------------------------


class CycleUpdateSerializer(StrictInput):
    name = serializers.CharField(max_length=120, required=False)
    opens_at = serializers.DateTimeField(required=False)
    closes_at = serializers.DateTimeField(required=False)
    eligibility = serializers.JSONField(required=False, help_text='{"any_of": [{condition: value, ...}, ...]}')
    accreditation_months = serializers.IntegerField(min_value=1, max_value=60, required=False)
    min_experts = serializers.IntegerField(min_value=1, max_value=7, required=False)


class CycleCreateSerializer(CycleUpdateSerializer):
    name = serializers.CharField(max_length=120)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()


class CriterionWeightSerializer(StrictInput):
    weight = serializers.IntegerField(min_value=1, max_value=100)
    scale_max = serializers.IntegerField(min_value=1, max_value=100)


class CriterionWeightsInputSerializer(StrictInput):
    criteria = serializers.DictField(
        child=CriterionWeightSerializer(), help_text="Every criterion's key → weight and scale; weights add up to 100."
    )


class ApplicationInputSerializer(StrictInput):
    cycle = serializers.SlugRelatedField(
        slug_field="slug", queryset=IntakeCycle.objects.all(), help_text="The address name of an open intake cycle."
    )
    statement = serializers.CharField(max_length=10_000)
    recommended_by = organization_field(
        "A partner organization recommending the product.", required=False, allow_null=True
    )
    recommendation = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)


class ExpertAssignInputSerializer(StrictInput):
    expert = IdRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text="One particular expert; empty: the least loaded experts up to the cycle's number.",
    )


class DecideInputSerializer(StrictInput):
    accredit = serializers.BooleanField()
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000, help_text="Required when declining."
    )


class DeclareInputSerializer(StrictInput):
    has_conflict = serializers.BooleanField()
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="Required when there is a conflict."
    )


class ScoreObjectSerializer(StrictInput):
    value = serializers.IntegerField(min_value=0, max_value=100, allow_null=True)
    comment = serializers.CharField(allow_blank=True, default="", max_length=5000)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 0, "maximum": 100, "nullable": True},
            {
                "type": "object",
                "properties": {
                    "value": {"type": "integer", "minimum": 0, "maximum": 100, "nullable": True},
                    "comment": {"type": "string", "maxLength": 5000},
                },
                "required": ["value"],
                "additionalProperties": False,
            },
        ]
    }
)
class ScoreEntryField(serializers.Field):
    """A criterion's score: the value alone, or {"value", "comment"}; empty leaves it unscored."""

    default_error_messages = {"invalid": _('A score is a whole number or {{"value", "comment"}}.')}

    def to_internal_value(self, data):
        if isinstance(data, dict):
            entry = ScoreObjectSerializer(data=data)
            entry.is_valid(raise_exception=True)
            return (entry.validated_data["value"], entry.validated_data["comment"])
        if data is None:
            return (None, "")
        if isinstance(data, bool):
            self.fail("invalid")
        return (serializers.IntegerField(min_value=0, max_value=100).run_validation(data), "")

    def to_representation(self, value):
        return value


class ReviewScoresInputSerializer(StrictInput):
    scores = serializers.DictField(
        child=ScoreEntryField(allow_null=True), help_text="Criterion key (technology, business, security) → score."
    )
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    complete = serializers.BooleanField(default=False, help_text="Hand the review in: every criterion scored.")


# --- input: buying --------------------------------------------------------------------------


class ProjectCreateSerializer(StrictInput):
    agency = organization_field("The id or address name of the agency you buy for.")
    title = serializers.CharField(max_length=200)
    need = serializers.CharField(max_length=10_000)
    query = CatalogQueryInput(required=False, help_text="The search to save; the catalog search's parameters.")
    initiative = IdRelatedField(
        queryset=Initiative.objects.all(),
        required=False,
        allow_null=True,
        help_text="The agency's initiative in the funnel this purchase serves.",
    )


def product_field(help_text: str, **kwargs) -> IdOrSlugField:
    return IdOrSlugField(queryset=Product.objects.select_related("supplier"), help_text=help_text, **kwargs)


class ShortlistInputSerializer(StrictInput):
    product = product_field("The product's id or address name.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class AssessInputSerializer(StrictInput):
    score = serializers.IntegerField(min_value=0, max_value=100, help_text="How well it meets the need, 0–100.")
    assessment = serializers.CharField(max_length=10_000)


class OutcomeInputSerializer(StrictInput):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    reason = serializers.CharField(allow_blank=True, max_length=10_000, help_text="The rationale; always required.")
    product = product_field(
        "For an award: the shortlisted product's id or address name.", required=False, allow_null=True
    )


class OrderInputSerializer(StrictInput):
    amount = money(help_text='Roubles with kopecks as a decimal string, e.g. "2999999.99".')
    description = serializers.CharField(max_length=10_000)


class OrderMoveSerializer(StrictInput):
    to_status = serializers.ChoiceField(choices=OrderStatus.choices)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000, help_text="Required for a dispute."
    )


class OrderFilterSerializer(serializers.Serializer):
    side = serializers.ChoiceField(
        choices=[("agency", "agency"), ("supplier", "supplier")],
        required=False,
        help_text="Only the orders the reader's agencies placed, or only those their suppliers received.",
    )
