"""REST API of the funnel: thin views that read through selectors/access and write through services.

Reads are public for public initiatives and the instrument registry; writes need a signed-in
person with the right role, and the services decide (403 when they refuse). Anything the
actor may not see is a 404, the same as a missing object."""

from django.urls import path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.views import APIView

from govtech.accounts.models import Organization
from govtech.api.inputs import valid_input
from govtech.api.serializers import OrganizationRefSerializer, PersonNameSerializer
from govtech.funnel import access, selectors, services
from govtech.funnel.models import (
    DecisionStatus,
    GateDecision,
    Goal,
    Initiative,
    Instrument,
    InstrumentKind,
    InstrumentStatus,
    IntakeState,
    Origin,
    StageStay,
    TeamMember,
    TeamRole,
    Topic,
    Visibility,
)
from govtech.funnel.states import FUNNEL, MoveKind, Stage

FUNNEL_STAGE_CHOICES = [(stage.value, stage.label) for stage in FUNNEL]


def _enum_field(component_name: str, choices) -> type[serializers.ChoiceField]:
    """A ChoiceField whose values are one named schema component wherever it is used.

    drf-spectacular otherwise names enums after the field ("stage", "kind", "status"), and the
    same name used for different choice sets across the API is a warning the schema build
    refuses (``--fail-on-warn``)."""
    values = [value for value, _label in choices]

    @extend_schema_field({"type": "string", "enum": values}, component_name=component_name)
    class EnumField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    EnumField.__name__ = EnumField.__qualname__ = component_name
    return EnumField


StageField = _enum_field("InitiativeStageEnum", Stage.choices)
FunnelStageField = _enum_field("FunnelStageEnum", FUNNEL_STAGE_CHOICES)
TopicField = _enum_field("InitiativeTopicEnum", Topic.choices)
OriginField = _enum_field("InitiativeOriginEnum", Origin.choices)
VisibilityField = _enum_field("InitiativeVisibilityEnum", Visibility.choices)
TeamRoleField = _enum_field("TeamRoleEnum", TeamRole.choices)
MoveKindField = _enum_field("MoveKindEnum", MoveKind.choices)
DecisionStatusField = _enum_field("DecisionStatusEnum", DecisionStatus.choices)
InstrumentKindField = _enum_field("InstrumentKindEnum", InstrumentKind.choices)
InstrumentStatusField = _enum_field("InstrumentStatusEnum", InstrumentStatus.choices)
IntakeStateField = _enum_field("IntakeStateEnum", IntakeState.choices)

# --- output ---------------------------------------------------------------


class InitiativeSerializer(serializers.ModelSerializer):
    sponsor = OrganizationRefSerializer(read_only=True)
    instrument = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    topic = TopicField(read_only=True)
    origin = OriginField(read_only=True)
    visibility = VisibilityField(read_only=True)
    stage = StageField(read_only=True)
    has_pending_proposal = serializers.BooleanField(read_only=True)

    class Meta:
        model = Initiative
        fields = [
            "slug",
            "title",
            "summary",
            "topic",
            "origin",
            "visibility",
            "stage",
            "stage_entered_at",
            "sponsor",
            "instrument",
            "tags",
            "has_pending_proposal",
            "created_at",
            "updated_at",
        ]


class TeamMemberSerializer(serializers.ModelSerializer):
    user = PersonNameSerializer(read_only=True)
    organization = OrganizationRefSerializer(read_only=True)
    role = TeamRoleField(read_only=True)

    class Meta:
        model = TeamMember
        fields = ["role", "user", "organization"]


class StageStaySerializer(serializers.ModelSerializer):
    stage = StageField(read_only=True)

    class Meta:
        model = StageStay
        fields = ["stage", "entered_at", "exited_at"]


class GoalSerializer(serializers.ModelSerializer):
    is_met = serializers.BooleanField(read_only=True)

    class Meta:
        model = Goal
        fields = ["metric", "unit", "baseline", "target", "measured", "is_met"]


class GateDecisionSerializer(serializers.ModelSerializer):
    proposed_by = PersonNameSerializer(read_only=True)
    decided_by = PersonNameSerializer(read_only=True)
    evidence_links = serializers.ListField(child=serializers.URLField(), read_only=True)
    goals = GoalSerializer(many=True, read_only=True)
    from_stage = StageField(read_only=True)
    to_stage = StageField(read_only=True)
    kind = MoveKindField(read_only=True)
    status = DecisionStatusField(read_only=True)

    class Meta:
        model = GateDecision
        fields = [
            "id",
            "from_stage",
            "to_stage",
            "kind",
            "status",
            "rationale",
            "lessons_learned",
            "evidence_links",
            "goals",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class InitiativeDetailSerializer(InitiativeSerializer):
    """The initiative with its history; ``context["timeline"]`` comes from selectors.initiative_timeline."""

    team = serializers.SerializerMethodField()
    stays = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()

    class Meta(InitiativeSerializer.Meta):
        fields = [
            *InitiativeSerializer.Meta.fields,
            "problem",
            "origin_url",
            "lessons_learned",
            "team",
            "stays",
            "decisions",
        ]

    @extend_schema_field(TeamMemberSerializer(many=True))
    def get_team(self, initiative) -> list:
        return TeamMemberSerializer(self.context["timeline"]["team"], many=True).data

    @extend_schema_field(StageStaySerializer(many=True))
    def get_stays(self, initiative) -> list:
        return StageStaySerializer(self.context["timeline"]["stays"], many=True).data

    @extend_schema_field(GateDecisionSerializer(many=True))
    def get_decisions(self, initiative) -> list:
        return GateDecisionSerializer(self.context["timeline"]["decisions"], many=True).data


class InstrumentSerializer(serializers.ModelSerializer):
    owner = OrganizationRefSerializer(read_only=True)
    kind = InstrumentKindField(read_only=True)
    status = InstrumentStatusField(read_only=True)
    stages = serializers.ListField(child=FunnelStageField(), read_only=True)
    intake_state = IntakeStateField(read_only=True, help_text="Derived from the intake dates and the status.")

    class Meta:
        model = Instrument
        fields = [
            "slug",
            "name",
            "kind",
            "owner",
            "description",
            "stages",
            "intake_opens_on",
            "intake_closes_on",
            "status",
            "intake_state",
            "url",
            "created_at",
            "updated_at",
        ]


class GapInstrumentSerializer(serializers.ModelSerializer):
    kind = InstrumentKindField(read_only=True)
    intake_state = IntakeStateField(read_only=True)

    class Meta:
        model = Instrument
        fields = ["slug", "name", "kind", "intake_state"]


class GapRowSerializer(serializers.Serializer):
    stage = FunnelStageField(read_only=True)
    label = serializers.CharField(read_only=True)
    instruments = GapInstrumentSerializer(many=True, read_only=True)
    open_count = serializers.IntegerField(read_only=True, help_text="Instruments taking applications now.")
    has_none = serializers.BooleanField(read_only=True, help_text="No instrument serves this stage.")
    is_closed = serializers.BooleanField(read_only=True, help_text="Instruments exist, none takes applications now.")


# --- input ----------------------------------------------------------------


class InitiativeFilterSerializer(serializers.Serializer):
    stage = StageField(required=False)
    topic = TopicField(required=False)
    origin = OriginField(required=False)
    sponsor = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organization.objects.all(), required=False, help_text="The agency's address name."
    )
    instrument = serializers.SlugRelatedField(
        slug_field="slug", queryset=Instrument.objects.all(), required=False, help_text="The instrument's address name."
    )
    tag = serializers.CharField(required=False, max_length=50)
    search = serializers.CharField(required=False, max_length=200, help_text="Words in the title or summary.")
    stalled_days = serializers.IntegerField(
        required=False, min_value=1, max_value=3650, help_text="Active initiatives in their stage longer than this."
    )


def _initiative_filters(data: dict) -> selectors.InitiativeFilters:
    return selectors.InitiativeFilters(
        stage=data.get("stage"),
        topic=data.get("topic"),
        origin=data.get("origin"),
        sponsor=data["sponsor"].pk if data.get("sponsor") else None,
        instrument=data["instrument"].pk if data.get("instrument") else None,
        tag=data.get("tag"),
        query=data.get("search"),
        stalled_days=data.get("stalled_days"),
    )


class InitiativeInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=1000)
    problem = serializers.CharField(required=False, allow_blank=True)
    topic = TopicField()
    origin = OriginField()
    origin_url = serializers.URLField(required=False, allow_blank=True)
    sponsor = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organization.objects.filter(is_active=True), help_text="The agency's address name."
    )
    instrument = serializers.SlugRelatedField(
        slug_field="slug", queryset=Instrument.objects.all(), required=False, allow_null=True
    )
    visibility = VisibilityField(required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=20)


class InitiativeUpdateSerializer(InitiativeInputSerializer):
    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(max_length=1000, required=False)
    topic = TopicField(required=False)
    origin = OriginField(required=False)
    sponsor = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organization.objects.filter(is_active=True), required=False
    )


class GoalInputSerializer(serializers.Serializer):
    metric = serializers.CharField(max_length=200)
    unit = serializers.CharField(max_length=40)
    baseline = serializers.DecimalField(max_digits=14, decimal_places=2)
    target = serializers.DecimalField(max_digits=14, decimal_places=2)
    measured = serializers.DecimalField(max_digits=14, decimal_places=2)


class DecisionInputSerializer(serializers.Serializer):
    to_stage = StageField()
    rationale = serializers.CharField(allow_blank=True, default="")
    goals = GoalInputSerializer(many=True, required=False, help_text="Required for a forward move.")
    evidence_links = serializers.ListField(child=serializers.URLField(max_length=500), required=False, max_length=20)
    lessons_learned = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required for a stop."
    )
    decided_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When an operator's decision was taken, if earlier than now. Ignored for proposals.",
    )


class DecisionNoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="Required to reject.")


class InstrumentFilterSerializer(serializers.Serializer):
    kind = InstrumentKindField(required=False)
    stage = FunnelStageField(required=False, help_text="Serves this stage.")


class InstrumentInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = InstrumentKindField()
    owner = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organization.objects.filter(is_active=True), help_text="The owner's address name."
    )
    description = serializers.CharField(required=False, allow_blank=True)
    stages = serializers.ListField(child=FunnelStageField(), min_length=1)
    intake_opens_on = serializers.DateField(required=False, allow_null=True)
    intake_closes_on = serializers.DateField(required=False, allow_null=True)
    status = InstrumentStatusField(required=False)
    url = serializers.URLField(required=False, allow_blank=True)


class InstrumentUpdateSerializer(InstrumentInputSerializer):
    name = serializers.CharField(max_length=200, required=False)
    kind = InstrumentKindField(required=False)
    owner = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organization.objects.filter(is_active=True), required=False
    )
    stages = serializers.ListField(child=FunnelStageField(), min_length=1, required=False)


# --- views ----------------------------------------------------------------


def _detail(initiative: Initiative) -> dict:
    timeline = selectors.initiative_timeline(initiative=initiative)
    initiative.has_pending_proposal = timeline["pending"] is not None
    return InitiativeDetailSerializer(initiative, context={"timeline": timeline}).data


class InitiativeListView(generics.ListAPIView):
    """Initiatives the actor may see, newest arrivals in their stage first. Internal initiatives
    are listed only for operators and the sponsoring agency's members and team."""

    serializer_class = InitiativeSerializer
    queryset = Initiative.objects.none()  # for the schema; get_queryset() answers requests
    filter_backends: list = []  # the selector filters; see InitiativeFilterSerializer

    def get_queryset(self):
        filters = _initiative_filters(valid_input(InitiativeFilterSerializer, self.request.query_params))
        return selectors.initiative_list(actor=self.request.user, filters=filters)

    @extend_schema(parameters=[InitiativeFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=InitiativeInputSerializer, responses={201: InitiativeDetailSerializer})
    def post(self, request):
        data = valid_input(InitiativeInputSerializer, request.data)
        initiative = services.initiative_create(actor=request.user, **data)
        return Response(_detail(initiative), status=status.HTTP_201_CREATED)


class InitiativeDetailView(APIView):
    @extend_schema(responses=InitiativeDetailSerializer)
    def get(self, request, slug):
        return Response(_detail(access.access_initiative(actor=request.user, slug=slug)))

    @extend_schema(request=InitiativeUpdateSerializer, responses=InitiativeDetailSerializer)
    def patch(self, request, slug):
        initiative = access.access_initiative(actor=request.user, slug=slug)
        data = valid_input(InitiativeUpdateSerializer, request.data, partial=True)
        initiative = services.initiative_update(actor=request.user, initiative=initiative, **data)
        return Response(_detail(initiative))


class DecisionListView(generics.ListAPIView):
    """Gate decisions and proposals of one initiative, newest first. Filter with ``status`` and ``kind``.

    POST records an operator's decision, or a proposal when a member of the sponsoring agency
    sends it; an operator then approves or rejects the proposal."""

    serializer_class = GateDecisionSerializer
    queryset = GateDecision.objects.none()  # for the schema; get_queryset() answers requests
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_fields = ["status", "kind", "to_stage"]
    ordering_fields = ["proposed_at", "decided_at"]

    def get_queryset(self):
        initiative = access.access_initiative(actor=self.request.user, slug=self.kwargs["slug"])
        return selectors.decision_list(initiative=initiative)

    @extend_schema(request=DecisionInputSerializer, responses={201: GateDecisionSerializer})
    def post(self, request, slug):
        initiative = access.access_initiative(actor=request.user, slug=slug)
        data = valid_input(DecisionInputSerializer, request.data)
        decided_at = data.pop("decided_at", None)
        if request.user.has_perm("funnel.decide_move", initiative):
            decision = services.move_decide(actor=request.user, initiative=initiative, decided_at=decided_at, **data)
        else:
            decision = services.move_propose(actor=request.user, initiative=initiative, **data)
        decision = selectors.decision_get(decision_id=decision.pk)
        return Response(GateDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class _ProposalView(APIView):
    def _decision(self, request, slug, decision_id) -> GateDecision:
        initiative = access.access_initiative(actor=request.user, slug=slug)
        return access.access_decision(actor=request.user, initiative=initiative, decision_id=decision_id)

    @staticmethod
    def _answer(decision: GateDecision) -> Response:
        decision = selectors.decision_get(decision_id=decision.pk)
        return Response(GateDecisionSerializer(decision).data)


class DecisionApproveView(_ProposalView):
    @extend_schema(request=DecisionNoteInputSerializer, responses=GateDecisionSerializer)
    def post(self, request, slug, decision_id):
        decision = self._decision(request, slug, decision_id)
        data = valid_input(DecisionNoteInputSerializer, request.data)
        return self._answer(services.proposal_approve(actor=request.user, decision=decision, note=data["note"]))


class DecisionRejectView(_ProposalView):
    @extend_schema(request=DecisionNoteInputSerializer, responses=GateDecisionSerializer)
    def post(self, request, slug, decision_id):
        decision = self._decision(request, slug, decision_id)
        data = valid_input(DecisionNoteInputSerializer, request.data)
        return self._answer(services.proposal_reject(actor=request.user, decision=decision, note=data["note"]))


class InstrumentListView(generics.ListAPIView):
    """The city's support programmes (public), with their intake state derived from the dates."""

    serializer_class = InstrumentSerializer
    queryset = Instrument.objects.none()  # for the schema; get_queryset() answers requests
    filter_backends: list = []  # the selector filters; see InstrumentFilterSerializer

    def get_queryset(self):
        data = valid_input(InstrumentFilterSerializer, self.request.query_params)
        return selectors.instrument_list(kind=data.get("kind"), stage=data.get("stage"))

    @extend_schema(parameters=[InstrumentFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=InstrumentInputSerializer, responses={201: InstrumentSerializer})
    def post(self, request):
        data = valid_input(InstrumentInputSerializer, request.data)
        instrument = services.instrument_create(actor=request.user, **data)
        return Response(InstrumentSerializer(instrument).data, status=status.HTTP_201_CREATED)


class InstrumentDetailView(APIView):
    @extend_schema(responses=InstrumentSerializer)
    def get(self, request, slug):
        return Response(InstrumentSerializer(access.access_instrument(slug=slug)).data)

    @extend_schema(request=InstrumentUpdateSerializer, responses=InstrumentSerializer)
    def patch(self, request, slug):
        instrument = access.access_instrument(slug=slug)
        data = valid_input(InstrumentUpdateSerializer, request.data, partial=True)
        instrument = services.instrument_update(actor=request.user, instrument=instrument, **data)
        return Response(InstrumentSerializer(instrument).data)


class InstrumentGapView(APIView):
    """Per funnel stage (always five rows): the instruments serving it and whether any takes
    applications now. Not paginated: its length is the number of stages."""

    @extend_schema(responses=GapRowSerializer(many=True))
    def get(self, request):
        return Response(GapRowSerializer(selectors.gap_view(), many=True).data)


urlpatterns = [
    path("funnel/initiatives/", InitiativeListView.as_view(), name="funnel-initiative-list"),
    path("funnel/initiatives/<slug:slug>/", InitiativeDetailView.as_view(), name="funnel-initiative-detail"),
    path("funnel/initiatives/<slug:slug>/decisions/", DecisionListView.as_view(), name="funnel-decision-list"),
    path(
        "funnel/initiatives/<slug:slug>/decisions/<int:decision_id>/approve/",
        DecisionApproveView.as_view(),
        name="funnel-decision-approve",
    ),
    path(
        "funnel/initiatives/<slug:slug>/decisions/<int:decision_id>/reject/",
        DecisionRejectView.as_view(),
        name="funnel-decision-reject",
    ),
    path("funnel/instruments/", InstrumentListView.as_view(), name="funnel-instrument-list"),
    # Before the detail route, so "gaps" is not read as an instrument's address name.
    path("funnel/instruments/gaps/", InstrumentGapView.as_view(), name="funnel-instrument-gaps"),
    path("funnel/instruments/<slug:slug>/", InstrumentDetailView.as_view(), name="funnel-instrument-detail"),
]
