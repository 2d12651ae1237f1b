"""Public REST endpoint of the funnel analytics: the numbers of govtech.funnel.analytics,
with the same filters as the analytics page."""

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from govtech.accounts.selectors import agency_choices
from govtech.funnel.analytics import DATE_RANGE_MESSAGE, funnel_analytics
from govtech.funnel.models import Origin, Topic
from govtech.funnel.states import Stage

STAGE_COUNTS = inline_serializer("FunnelStageCounts", {stage: serializers.IntegerField() for stage in Stage.values})
ANALYTICS_RESPONSE = inline_serializer(
    "FunnelAnalytics",
    {
        "filters": inline_serializer(
            "FunnelAnalyticsFilters",
            {
                "origin": serializers.CharField(allow_null=True),
                "sponsor_id": serializers.IntegerField(allow_null=True),
                "topic": serializers.CharField(allow_null=True),
                "date_from": serializers.DateField(allow_null=True),
                "date_to": serializers.DateField(allow_null=True),
                "time_zone": serializers.CharField(),
            },
        ),
        "stages": inline_serializer(
            "FunnelAnalyticsStage",
            {
                "stage": serializers.ChoiceField(choices=Stage.choices),
                "label": serializers.CharField(),
                "current": serializers.IntegerField(help_text="open stays entered in the range"),
                "reached": serializers.IntegerField(help_text="distinct initiatives with a stay entered in the range"),
                "next_stage": serializers.CharField(allow_null=True),
                "converted": serializers.IntegerField(
                    allow_null=True, help_text="of `reached`, initiatives that also have a stay in the next stage"
                ),
                "conversion": serializers.FloatField(allow_null=True, help_text="converted / reached, 3 decimals"),
                "completed_stays": serializers.IntegerField(),
                "median_days": serializers.FloatField(allow_null=True),
                "p90_days": serializers.FloatField(allow_null=True),
            },
            many=True,
        ),
        "throughput": inline_serializer(
            "FunnelAnalyticsMonth",
            {
                "month": serializers.CharField(help_text="YYYY-MM"),
                "entered": STAGE_COUNTS,
                "total": serializers.IntegerField(),
            },
            many=True,
        ),
        "breakdowns": inline_serializer(
            "FunnelAnalyticsBreakdowns",
            {
                name: inline_serializer(
                    f"FunnelAnalyticsBy{name.title()}",
                    {
                        "key": serializers.IntegerField() if name == "sponsor" else serializers.CharField(),
                        "label": serializers.CharField(),
                        **({"slug": serializers.CharField()} if name == "sponsor" else {}),
                        "stages": STAGE_COUNTS,
                        "total": serializers.IntegerField(),
                    },
                    many=True,
                )
                for name in ("origin", "topic", "sponsor")
            },
        ),
    },
)


class FunnelAnalyticsView(APIView):
    """Counts per stage, stage-to-stage conversion, time in stage, monthly throughput and
    breakdowns of public initiatives. Definitions: see the analytics page /funnel/analytics/."""

    permission_classes = [permissions.AllowAny]

    class InputSerializer(serializers.Serializer):
        origin = serializers.ChoiceField(choices=Origin.choices, required=False, allow_blank=True)
        agency = serializers.SlugRelatedField(slug_field="slug", queryset=agency_choices(), required=False)
        topic = serializers.ChoiceField(choices=Topic.choices, required=False, allow_blank=True)
        date_from = serializers.DateField(required=False)
        date_to = serializers.DateField(required=False)

    @extend_schema(
        operation_id="funnel_analytics",
        tags=["funnel"],
        parameters=[
            OpenApiParameter("origin", OpenApiTypes.STR, enum=Origin.values, description="Origin of the initiatives."),
            OpenApiParameter("agency", OpenApiTypes.STR, description="Address name (slug) of the sponsoring agency."),
            OpenApiParameter("topic", OpenApiTypes.STR, enum=Topic.values, description="Topic of the initiatives."),
            OpenApiParameter(
                "date_from",
                OpenApiTypes.DATE,
                description="Stays entered on or after this date (inclusive, in the platform's time zone).",
            ),
            OpenApiParameter(
                "date_to",
                OpenApiTypes.DATE,
                description="Stays entered on or before this date (inclusive, in the platform's time zone).",
            ),
        ],
        responses={200: ANALYTICS_RESPONSE},
    )
    def get(self, request):
        serializer = self.InputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError({"date_to": [DATE_RANGE_MESSAGE]})
        agency = data.get("agency")
        return Response(
            funnel_analytics(
                origin=data.get("origin") or None,
                sponsor_id=agency.pk if agency else None,
                topic=data.get("topic") or None,
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
        )


urlpatterns = [
    path("funnel/analytics/", FunnelAnalyticsView.as_view(), name="funnel-analytics"),
]
