"""Input and output shapes of the procurement API (govtech/procurement/api.py).

Output serializers only read what the selectors hand them: the tender's own columns (what the
list shows and filters on), the compiled OCDS release as stored, the releases as published.
Money travels as a decimal string ("2500000.00") with its currency, dates and times in ISO 8601.
The query parameters are checked here and refuse a value they do not know, naming the filter."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from govtech.api.inputs import CommaListField, StrictInput
from govtech.api.pagination import StandardPagination
from govtech.procurement.models import (
    ImportProblem,
    ImportRun,
    MainCategory,
    Method,
    RunStatus,
    SavedSearch,
    Tender,
    TenderStatus,
)
from govtech.procurement.selectors import SORTS

MAX_VALUES = 20  # values of one filter, as the selector keeps them
MAX_PAGE = 2**31 - 1


def _absolute(context, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


def amount(**kwargs) -> serializers.DecimalField:
    """An amount in the tender's currency, as a string: "2500000.00"."""
    return serializers.DecimalField(max_digits=20, decimal_places=2, **kwargs)


# --- input: the tenders' search ------------------------------------------------------------


def _choice_list(choices, help_text: str) -> CommaListField:
    return CommaListField(
        child=serializers.ChoiceField(choices=choices), required=False, max_length=len(choices), help_text=help_text
    )


def _text_list(max_length: int, help_text: str) -> CommaListField:
    return CommaListField(
        child=serializers.CharField(max_length=max_length), required=False, max_length=MAX_VALUES, help_text=help_text
    )


def _flag(help_text: str) -> serializers.BooleanField:
    # default=None: a query string without the flag is "either", not False.
    return serializers.BooleanField(required=False, allow_null=True, default=None, help_text=help_text)


class TenderSearchParamsSerializer(serializers.Serializer):
    """The open tenders' search (selectors.TenderQuery) with the page. Values within a filter are
    alternatives (repeat the parameter or separate with commas); filters combine."""

    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Words of the title, description or buyer."
    )
    buyer = _text_list(300, "Buyers' names, exactly as the list shows them.")
    status = _choice_list(TenderStatus.choices, "OCDS tender statuses.")
    method = _choice_list(Method.choices, "OCDS procurement methods.")
    category = _choice_list(MainCategory.choices, "OCDS main procurement categories.")
    classification = _text_list(100, "Classification codes of the tender's items (CPV, UNSPSC...).")
    value_min = amount(required=False, min_value=0, help_text='The least value, e.g. "100000.00".')
    value_max = amount(required=False, min_value=0, help_text="The greatest value.")
    deadline_from = serializers.DateField(
        required=False, input_formats=["iso-8601"], help_text="Bids due on this day (YYYY-MM-DD) or later."
    )
    deadline_to = serializers.DateField(
        required=False, input_formats=["iso-8601"], help_text="Bids due on this day (YYYY-MM-DD) or earlier."
    )
    has_lots = _flag("true: divided into lots; false: one lot.")
    sme = _flag("true: the publisher says the tender suits SMEs; false: says it does not.")
    sort = serializers.ChoiceField(
        choices=[(value, value) for value in [*SORTS, "relevance"]],
        required=False,
        help_text="newest (the default without words), deadline, value, value_asc, relevance (the default with words).",
    )
    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=StandardPagination.max_page_size, help_text="20 unless given."
    )

    def validate(self, data):
        low, high = data.get("value_min"), data.get("value_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"value_max": [_("The greatest value is below the least.")]})
        if data.get("deadline_from") and data.get("deadline_to") and data["deadline_from"] > data["deadline_to"]:
            raise serializers.ValidationError({"deadline_to": [_("The last day is before the first.")]})
        return data


# --- output: tenders ---------------------------------------------------------------------


class ClassificationSerializer(serializers.Serializer):
    scheme = serializers.CharField(source="classification_scheme", help_text="CPV, UNSPSC, a national scheme...")
    id = serializers.CharField(source="classification_id")
    description = serializers.CharField(source="classification_description")


class ValueSerializer(serializers.Serializer):
    amount = amount(source="value_amount", allow_null=True, help_text="Empty when the publisher gives none.")
    currency = serializers.CharField(help_text="ISO 4217.")


class TenderListSerializer(serializers.ModelSerializer):
    """A tender in a list: the compiled process's columns, no OCDS document."""

    status = serializers.ChoiceField(choices=TenderStatus.choices, allow_blank=True, read_only=True)
    method = serializers.ChoiceField(choices=Method.choices, allow_blank=True, read_only=True)
    main_category = serializers.ChoiceField(choices=MainCategory.choices, allow_blank=True, read_only=True)
    classification = serializers.SerializerMethodField()
    value = serializers.SerializerMethodField()
    suitable_for_sme = serializers.BooleanField(
        read_only=True, allow_null=True, help_text="Empty: the publisher does not say."
    )
    release_count = serializers.IntegerField(read_only=True, help_text="Releases published for the process.")
    url = serializers.SerializerMethodField(help_text="This tender in the API.")
    html_url = serializers.SerializerMethodField(help_text="The tender's page.")

    class Meta:
        model = Tender
        fields = [
            "ocid",
            "title",
            "buyer_name",
            "status",
            "method",
            "main_category",
            "classification",
            "value",
            "submission_deadline",
            "lot_count",
            "suitable_for_sme",
            "award_count",
            "contract_count",
            "release_count",
            "last_release_at",
            "url",
            "html_url",
        ]
        read_only_fields = fields  # output only (and no database-dependent integer bounds)

    @extend_schema_field(ClassificationSerializer)
    def get_classification(self, tender) -> dict:
        return ClassificationSerializer(tender).data

    @extend_schema_field(ValueSerializer)
    def get_value(self, tender) -> dict:
        return ValueSerializer(tender).data

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, tender) -> str:
        return _absolute(self.context, reverse("api:procurement-tender-detail", args=[tender.ocid]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, tender) -> str:
        return _absolute(self.context, tender.get_absolute_url())


class ReleaseRefSerializer(serializers.Serializer):
    """One release in the process's timeline."""

    id = serializers.CharField(source="release_id", help_text="The release's id, unique within the process.")
    date = serializers.DateTimeField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(), help_text="OCDS release tags: tender, award...")


class TenderDetailSerializer(TenderListSerializer):
    """The tender with its description, the compiled release and the timeline of its releases
    (``context["releases"]``, oldest first)."""

    compiled = serializers.JSONField(
        read_only=True, help_text="The process's compiled OCDS release (every release merged), as stored."
    )
    releases = serializers.SerializerMethodField(help_text="The releases published, oldest first.")

    class Meta(TenderListSerializer.Meta):
        fields = [*TenderListSerializer.Meta.fields, "description", "compiled", "releases"]
        read_only_fields = fields

    @extend_schema_field(ReleaseRefSerializer(many=True))
    def get_releases(self, tender) -> list:
        return ReleaseRefSerializer(self.context["releases"], many=True).data


class PublisherSerializer(serializers.Serializer):
    name = serializers.CharField()


class ReleasePackageSerializer(serializers.Serializer):
    """An OCDS 1.1 release package of every release of one process, as published."""

    uri = serializers.URLField(help_text="Where this package is read.")
    publishedDate = serializers.DateTimeField(help_text="When the process was last compiled here.")
    publisher = PublisherSerializer()
    version = serializers.CharField(help_text='The OCDS version: "1.1".')
    releases = serializers.ListField(child=serializers.JSONField(), help_text="The releases as published.")


# --- output: imports ---------------------------------------------------------------------


class ImportRunSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=RunStatus.choices, read_only=True)
    kind = serializers.CharField(read_only=True, help_text="What the file held: a release package, a record...")
    position = serializers.IntegerField(read_only=True, help_text="Package items stored.")
    problems_url = serializers.SerializerMethodField(help_text="The run's problems in the API.")

    class Meta:
        model = ImportRun
        fields = [
            "id",
            "source",
            "kind",
            "status",
            "position",
            "releases_read",
            "releases_added",
            "tenders_compiled",
            "problem_count",
            "created_at",
            "finished_at",
            "problems_url",
        ]
        read_only_fields = fields  # output only (and no database-dependent integer bounds)

    @extend_schema_field(OpenApiTypes.URI)
    def get_problems_url(self, run) -> str:
        return _absolute(self.context, reverse("api:procurement-import-problems", args=[run.pk]))


class ImportProblemSerializer(serializers.ModelSerializer):
    position = serializers.IntegerField(read_only=True, allow_null=True, help_text="The package item, from 0.")
    where = serializers.CharField(read_only=True, help_text="The release's OCID and id, or the file.")

    class Meta:
        model = ImportProblem
        fields = ["position", "where", "message"]
        read_only_fields = fields  # output only (and no database-dependent integer bounds)


# --- saved searches ----------------------------------------------------------------------


class SavedSearchCreateSerializer(StrictInput):
    name = serializers.CharField(max_length=120, help_text="What to call the search.")
    params = TenderSearchParamsSerializer(help_text="The search, with the tender list's parameters.")
    alerts = serializers.BooleanField(default=True, help_text="E-mail the tenders that newly match (each once).")


class SavedSearchAlertsSerializer(StrictInput):
    alerts = serializers.BooleanField(help_text="E-mail the tenders that newly match (each once).")


class SavedSearchSerializer(serializers.ModelSerializer):
    params = serializers.DictField(read_only=True, help_text="The search, as the tender list's parameters.")
    tenders_url = serializers.SerializerMethodField(help_text="The tender list with this search, in the API.")

    class Meta:
        model = SavedSearch
        fields = ["id", "name", "params", "alerts", "checked_at", "created_at", "tenders_url"]
        read_only_fields = fields  # output only (and no database-dependent integer bounds)

    @extend_schema_field(OpenApiTypes.URI)
    def get_tenders_url(self, search) -> str:
        query = urlencode(search.params, doseq=True)
        return _absolute(self.context, f"{reverse('api:procurement-tender-list')}?{query}")
