"""Input and output shapes of the challenges API (govtech/challenges/api.py).

Output serializers only read what selectors and access helpers hand them. Input serializers
check the shape of a request and refuse fields they do not name; the services decide the rest."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from govtech.accounts.models import Organization, User
from govtech.api.inputs import StrictInput
from govtech.api.serializers import OrganizationRefSerializer, PersonNameSerializer
from govtech.challenges.models import (
    Assignment,
    Challenge,
    ChallengeDocument,
    ChallengeStatus,
    ConsultationSlot,
    Criterion,
    Declaration,
    Indicator,
    IntakeMode,
    Licence,
    Phase,
    PhaseKind,
    Question,
    Receipt,
    ReviewCycle,
    Score,
    Submission,
    SubmissionStatus,
    WindowState,
)
from govtech.challenges.selectors import Deadline
from govtech.funnel.models import Topic

# --- output: small references ------------------------------------------------------


class ChallengeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Challenge
        fields = ["slug", "title"]


class PhaseRefSerializer(serializers.ModelSerializer):
    # Small integer columns with no declared maximum (this one, a score's value, the company age)
    # are declared in the serializers: the range derived from the model depends on the database,
    # and the schema must be the same on SQLite and PostgreSQL.
    number = serializers.IntegerField(read_only=True)

    class Meta:
        model = Phase
        fields = ["number", "name"]


# --- output: the challenge ---------------------------------------------------------


class ChallengePhaseSerializer(serializers.ModelSerializer):
    """``context["now"]`` is the moment the window states are read at, the same for every phase."""

    number = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=PhaseKind.choices, read_only=True)
    mode = serializers.ChoiceField(choices=IntakeMode.choices, read_only=True)
    window_state = serializers.SerializerMethodField(help_text="Derived from the server clock.")

    class Meta:
        model = Phase
        fields = [
            "number",
            "name",
            "kind",
            "mode",
            "cycle_days",
            "opens_at",
            "closes_at",
            "window_state",
            "advance_cap",
            "funding_per_participant",
            "deliverables",
            "results_published_at",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=WindowState.choices))
    def get_window_state(self, phase) -> str:
        return str(phase.window_state(self.context.get("now")))


class ChallengeListSerializer(serializers.ModelSerializer):
    owner = OrganizationRefSerializer(read_only=True)
    topic = serializers.ChoiceField(choices=Topic.choices, read_only=True)
    status = serializers.ChoiceField(choices=ChallengeStatus.choices, read_only=True)
    next_deadline = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="The earliest phase close still ahead."
    )
    phases = ChallengePhaseSerializer(many=True, read_only=True)

    class Meta:
        model = Challenge
        fields = ["slug", "title", "summary", "topic", "status", "owner", "published_at", "next_deadline", "phases"]


class ChallengeCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "name", "description", "weight", "scale_max"]


class ChallengeIndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["metric", "unit", "baseline", "target"]


def _absolute(context, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


class ChallengeDocumentSerializer(serializers.ModelSerializer):
    """Files are linked through the page that checks who may read them, never a media address."""

    url = serializers.SerializerMethodField()

    class Meta:
        model = ChallengeDocument
        fields = ["id", "title", "url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, document) -> str:
        path = reverse("challenges:document-download", args=[document.challenge.slug, document.pk])
        return _absolute(self.context, path)


class ChallengeQuestionSerializer(serializers.ModelSerializer):
    """A question and its answer; who asked is never part of it."""

    asked_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Question
        fields = ["id", "text", "asked_at", "answer", "answered_at"]


class ConsultationSlotSerializer(serializers.ModelSerializer):
    """Free or booked; which supplier booked it is not public, and the place (often a meeting
    link) only for suppliers' staff, the owner and operators (``context["show_place"]``)."""

    is_booked = serializers.BooleanField(read_only=True)
    place = serializers.SerializerMethodField()

    class Meta:
        model = ConsultationSlot
        fields = ["id", "starts_at", "duration_minutes", "place", "is_booked"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_place(self, slot) -> str | None:
        return slot.place if self.context.get("show_place") else None


class CriterionMeanSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(help_text="The criterion's id.")
    name = serializers.CharField()
    mean = serializers.DecimalField(max_digits=6, decimal_places=2)


def criterion_means(row, criteria: dict) -> list[dict]:
    """The row's per-criterion means in the order of the challenge's criteria."""
    return [
        {"criterion": pk, "name": criterion.name, "mean": row.criterion_means[pk]}
        for pk, criterion in criteria.items()
        if pk in row.criterion_means
    ]


class AdvancedSerializer(serializers.Serializer):
    """A published winner (a ``ResultRow``); ``context["criteria"]`` maps ids to criteria."""

    submission = serializers.IntegerField(source="submission.pk")
    title = serializers.CharField(source="submission.title")
    supplier = serializers.CharField(source="submission.supplier.name")
    rank = serializers.IntegerField(allow_null=True)
    mean = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, help_text="Points of 100.")
    criterion_means = serializers.SerializerMethodField()

    @extend_schema_field(CriterionMeanSerializer(many=True))
    def get_criterion_means(self, row) -> list:
        return CriterionMeanSerializer(criterion_means(row, self.context["criteria"]), many=True).data


class ScoreSummarySerializer(serializers.Serializer):
    submissions = serializers.IntegerField()
    evaluated = serializers.IntegerField()
    lowest = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    median = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    highest = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)


class PhaseResultsSerializer(serializers.Serializer):
    """One ``selectors.PhaseResults``: individual experts' scores are never part of it."""

    phase = PhaseRefSerializer()
    published_at = serializers.DateTimeField(source="phase.results_published_at")
    advanced = AdvancedSerializer(many=True)
    summary = ScoreSummarySerializer()


class ChallengeDetailSerializer(ChallengeListSerializer):
    """The challenge with its parts; ``context["parts"]`` holds them, read by the view through selectors."""

    phases = serializers.SerializerMethodField()
    max_company_age_years = serializers.IntegerField(read_only=True, allow_null=True)
    licence = serializers.ChoiceField(choices=Licence.choices, read_only=True)
    questions_open = serializers.SerializerMethodField()
    criteria = serializers.SerializerMethodField()
    indicators = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    questions = serializers.SerializerMethodField(help_text="Answered questions only.")
    slots = serializers.SerializerMethodField(help_text="Consultation slots still ahead.")
    results = serializers.SerializerMethodField(help_text="Phases whose results are published.")

    class Meta(ChallengeListSerializer.Meta):
        fields = [
            *ChallengeListSerializer.Meta.fields,
            "problem",
            "goals",
            "allow_legal_entities",
            "allow_individuals",
            "sme_only",
            "max_company_age_years",
            "licence",
            "licence_notes",
            "contact_name",
            "contact_email",
            "questions_close_at",
            "questions_open",
            "min_experts",
            "disagreement_spread",
            "review_note",
            "cancel_reason",
            "decided_at",
            "created_at",
            "updated_at",
            "criteria",
            "indicators",
            "documents",
            "questions",
            "slots",
            "results",
        ]

    def _part(self, name: str):
        return self.context["parts"][name]

    @extend_schema_field(ChallengePhaseSerializer(many=True))
    def get_phases(self, challenge) -> list:
        return ChallengePhaseSerializer(self._part("phases"), many=True, context=self.context).data

    def get_questions_open(self, challenge) -> bool:
        return challenge.questions_open(self.context.get("now"))

    @extend_schema_field(ChallengeCriterionSerializer(many=True))
    def get_criteria(self, challenge) -> list:
        return ChallengeCriterionSerializer(self._part("criteria"), many=True).data

    @extend_schema_field(ChallengeIndicatorSerializer(many=True))
    def get_indicators(self, challenge) -> list:
        return ChallengeIndicatorSerializer(self._part("indicators"), many=True).data

    @extend_schema_field(ChallengeDocumentSerializer(many=True))
    def get_documents(self, challenge) -> list:
        return ChallengeDocumentSerializer(self._part("documents"), many=True, context=self.context).data

    @extend_schema_field(ChallengeQuestionSerializer(many=True))
    def get_questions(self, challenge) -> list:
        return ChallengeQuestionSerializer(self._part("questions"), many=True).data

    @extend_schema_field(ConsultationSlotSerializer(many=True))
    def get_slots(self, challenge) -> list:
        return ConsultationSlotSerializer(self._part("slots"), many=True, context=self.context).data

    @extend_schema_field(PhaseResultsSerializer(many=True))
    def get_results(self, challenge) -> list:
        criteria = {criterion.pk: criterion for criterion in self._part("criteria")}
        return PhaseResultsSerializer(self._part("results"), many=True, context={"criteria": criteria}).data


class ReviewCycleSerializer(serializers.ModelSerializer):
    number = serializers.IntegerField(read_only=True, help_text="From 0; a fixed window has one cycle, 0.")
    panel_closed = serializers.BooleanField(read_only=True)

    class Meta:
        model = ReviewCycle
        fields = ["number", "starts_at", "ends_at", "panel_closed", "panel_closed_at"]


# --- output: submissions, the panel ----------------------------------------------------


class SubmissionAttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="Served only to those who may read the submission.")
    sha256 = serializers.CharField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, attachment) -> str:
        path = reverse("challenges:attachment-download", args=[attachment.submission_id, attachment.pk])
        return _absolute(self.context, path)


class SubmissionReceiptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Receipt
        fields = ["number", "issued_at", "content_hash"]


class SubmissionListSerializer(serializers.ModelSerializer):
    challenge = ChallengeRefSerializer(source="phase.challenge", read_only=True)
    phase = PhaseRefSerializer(read_only=True)
    cycle = serializers.IntegerField(source="cycle.number", read_only=True, help_text="The review cycle, from 0.")
    supplier = OrganizationRefSerializer(read_only=True)
    status = serializers.ChoiceField(choices=SubmissionStatus.choices, read_only=True)
    deadline = serializers.DateTimeField(read_only=True, help_text="Editable and withdrawable until then.")

    class Meta:
        model = Submission
        fields = ["id", "challenge", "phase", "cycle", "supplier", "title", "status", "submitted_at", "deadline"]


class SubmissionSerializer(SubmissionListSerializer):
    """The whole submission; ``context["receipts"]`` is a list for the supplier's people and the
    operator, None for everyone else (experts and the owner do not need the supplier's proof)."""

    attachments = serializers.SerializerMethodField()
    receipts = serializers.SerializerMethodField()

    class Meta(SubmissionListSerializer.Meta):
        fields = [
            *SubmissionListSerializer.Meta.fields,
            "summary",
            "approach",
            "team",
            "plan",
            "budget",
            "decision_rationale",
            "decided_at",
            "attachments",
            "receipts",
        ]

    @extend_schema_field(SubmissionAttachmentSerializer(many=True))
    def get_attachments(self, submission) -> list:
        return SubmissionAttachmentSerializer(submission.attachments.all(), many=True, context=self.context).data

    @extend_schema_field(SubmissionReceiptSerializer(many=True, allow_null=True))
    def get_receipts(self, submission) -> list | None:
        receipts = self.context.get("receipts")
        return None if receipts is None else SubmissionReceiptSerializer(receipts, many=True).data


class CriterionScoreSerializer(serializers.ModelSerializer):
    criterion = serializers.IntegerField(source="criterion_id", read_only=True)
    value = serializers.IntegerField(read_only=True)

    class Meta:
        model = Score
        fields = ["criterion", "value", "comment"]


class AssignmentListSerializer(serializers.ModelSerializer):
    challenge = ChallengeRefSerializer(source="submission.phase.challenge", read_only=True)
    phase = PhaseRefSerializer(source="submission.phase", read_only=True)
    submission = serializers.IntegerField(source="submission.pk", read_only=True)
    title = serializers.CharField(source="submission.title", read_only=True)
    supplier = serializers.CharField(
        source="submission.supplier.name", read_only=True, help_text="To declare any conflict of interest."
    )
    conflict = serializers.ChoiceField(choices=Declaration.choices, read_only=True)
    deadline = serializers.DateTimeField(source="submission.cycle.ends_at", read_only=True)
    panel_closed = serializers.BooleanField(source="submission.cycle.panel_closed", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "challenge",
            "phase",
            "submission",
            "title",
            "supplier",
            "conflict",
            "declared_at",
            "completed_at",
            "deadline",
            "panel_closed",
        ]


class AssignmentSerializer(AssignmentListSerializer):
    """An expert's own assignment. The submission's content, the criteria and the expert's own
    scores come once the expert has declared no conflict of interest."""

    content = serializers.SerializerMethodField()
    criteria = serializers.SerializerMethodField()
    scores = serializers.SerializerMethodField()

    class Meta(AssignmentListSerializer.Meta):
        fields = [*AssignmentListSerializer.Meta.fields, "conflict_note", "content", "criteria", "scores"]

    @extend_schema_field(SubmissionSerializer(allow_null=True))
    def get_content(self, assignment) -> dict | None:
        if not assignment.may_score:
            return None
        return SubmissionSerializer(assignment.submission, context={**self.context, "receipts": None}).data

    @extend_schema_field(ChallengeCriterionSerializer(many=True))
    def get_criteria(self, assignment) -> list:
        if not assignment.may_score:
            return []
        return ChallengeCriterionSerializer(assignment.submission.phase.challenge.criteria.all(), many=True).data

    @extend_schema_field(CriterionScoreSerializer(many=True))
    def get_scores(self, assignment) -> list:
        return CriterionScoreSerializer(assignment.scores.all(), many=True).data


class EvaluationSerializer(serializers.ModelSerializer):
    """An evaluation as ``selectors.visible_assignments`` lets the actor read it. Experts are named
    to operators only (``context["show_experts"]``); ``is_mine`` marks the reader's own."""

    expert = serializers.SerializerMethodField()
    is_mine = serializers.SerializerMethodField()
    conflict = serializers.ChoiceField(choices=Declaration.choices, read_only=True)
    scores = CriterionScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "expert", "is_mine", "conflict", "completed_at", "scores"]

    @extend_schema_field(PersonNameSerializer(allow_null=True))
    def get_expert(self, assignment):
        return PersonNameSerializer(assignment.expert).data if self.context.get("show_experts") else None

    def get_is_mine(self, assignment) -> bool:
        return assignment.expert_id == self.context.get("reader_id")


class PanelAssignmentSerializer(serializers.ModelSerializer):
    expert = PersonNameSerializer(read_only=True)
    conflict = serializers.ChoiceField(choices=Declaration.choices, read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "expert", "conflict", "completed_at"]


class PanelSubmissionSerializer(serializers.ModelSerializer):
    supplier = OrganizationRefSerializer(read_only=True)
    status = serializers.ChoiceField(choices=SubmissionStatus.choices, read_only=True)
    assignments = PanelAssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = Submission
        fields = ["id", "title", "supplier", "status", "submitted_at", "assignments"]


class RankedSubmissionSerializer(serializers.ModelSerializer):
    supplier = OrganizationRefSerializer(read_only=True)
    status = serializers.ChoiceField(choices=SubmissionStatus.choices, read_only=True)

    class Meta:
        model = Submission
        fields = ["id", "title", "supplier", "status"]


class RankingRowSerializer(serializers.Serializer):
    """A ``ResultRow`` of the panel; ``context["criteria"]`` maps ids to criteria."""

    rank = serializers.IntegerField(allow_null=True, help_text="Empty for a submission with no evaluation.")
    submission = RankedSubmissionSerializer()
    mean = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, help_text="Points of 100.")
    spread = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    disagreement = serializers.BooleanField(
        help_text="The experts' totals lie further apart than the challenge allows."
    )
    expert_totals = serializers.ListField(child=serializers.DecimalField(max_digits=6, decimal_places=2))
    criterion_means = serializers.SerializerMethodField()

    @extend_schema_field(CriterionMeanSerializer(many=True))
    def get_criterion_means(self, row) -> list:
        return CriterionMeanSerializer(criterion_means(row, self.context["criteria"]), many=True).data


class PanelAssignResultSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text="How many expert assignments were made.")


# --- input -------------------------------------------------------------------------


class ChallengeFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ChallengeStatus.choices, required=False)
    owner = serializers.CharField(required=False, max_length=80, help_text="The owner agency's id or address name.")
    topic = serializers.ChoiceField(choices=Topic.choices, required=False)
    phase_kind = serializers.ChoiceField(choices=PhaseKind.choices, required=False)
    deadline = serializers.ChoiceField(
        choices=[(value, value) for value in Deadline.CHOICES],
        required=False,
        help_text="open: a phase takes submissions now; week, month: one closes within 7 or 30 days; "
        "upcoming: a phase opens later.",
    )
    q = serializers.CharField(required=False, max_length=200, help_text="Words in the title, summary or problem.")


class ChallengeUpdateSerializer(StrictInput):
    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(max_length=1000, required=False)
    problem = serializers.CharField(required=False)
    goals = serializers.CharField(required=False, allow_blank=True)
    topic = serializers.ChoiceField(choices=Topic.choices, required=False)
    allow_legal_entities = serializers.BooleanField(required=False)
    allow_individuals = serializers.BooleanField(required=False)
    sme_only = serializers.BooleanField(required=False)
    max_company_age_years = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=200)
    licence = serializers.ChoiceField(choices=Licence.choices, required=False)
    licence_notes = serializers.CharField(required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=200, required=False)
    contact_email = serializers.EmailField(required=False)
    questions_close_at = serializers.DateTimeField(required=False, allow_null=True)
    min_experts = serializers.IntegerField(required=False, min_value=1, max_value=10)
    disagreement_spread = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, min_value=1, max_value=100
    )


class ChallengeCreateSerializer(ChallengeUpdateSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(is_active=True), help_text="The id of the owner agency."
    )
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=1000)
    problem = serializers.CharField()
    topic = serializers.ChoiceField(choices=Topic.choices)
    licence = serializers.ChoiceField(choices=Licence.choices)
    contact_name = serializers.CharField(max_length=200)
    contact_email = serializers.EmailField()


class PhaseInputSerializer(StrictInput):
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=PhaseKind.choices)
    mode = serializers.ChoiceField(choices=IntakeMode.choices, default=IntakeMode.FIXED)
    cycle_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=365, help_text="Required for rolling intake."
    )
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    advance_cap = serializers.IntegerField(min_value=1, max_value=1000)
    funding_per_participant = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    deliverables = serializers.CharField(required=False, allow_blank=True, default="")


class PhasesInputSerializer(StrictInput):
    phases = PhaseInputSerializer(many=True, help_text="In order; they replace the current phases.")


class CriterionInputSerializer(StrictInput):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    weight = serializers.IntegerField(min_value=1, max_value=100, help_text="Weights add up to 100.")
    scale_max = serializers.IntegerField(min_value=2, max_value=100, default=10)


class CriteriaInputSerializer(StrictInput):
    criteria = CriterionInputSerializer(many=True, help_text="They replace the current criteria.")


class IndicatorInputSerializer(StrictInput):
    metric = serializers.CharField(max_length=200)
    unit = serializers.CharField(max_length=40)
    baseline = serializers.DecimalField(max_digits=14, decimal_places=2)
    target = serializers.DecimalField(max_digits=14, decimal_places=2)


class IndicatorsInputSerializer(StrictInput):
    indicators = IndicatorInputSerializer(many=True, help_text="They replace the current indicators.")


class ReviewNoteInputSerializer(StrictInput):
    note = serializers.CharField(allow_blank=True, default="", help_text="What should change.")


class CancelReasonInputSerializer(StrictInput):
    reason = serializers.CharField(allow_blank=True, default="", help_text="Published with the cancellation.")


class ChallengeQuestionInputSerializer(StrictInput):
    text = serializers.CharField(max_length=2000)


class AnswerInputSerializer(StrictInput):
    answer = serializers.CharField(allow_blank=True, default="")


class ConsultationSlotInputSerializer(StrictInput):
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(min_value=10, max_value=240, default=30)
    place = serializers.CharField(max_length=300)


def supplier_field() -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), help_text="The id of the supplier organization you act for."
    )


class SlotBookingInputSerializer(StrictInput):
    supplier = supplier_field()


class SubmissionInputSerializer(StrictInput):
    """JSON, or multipart/form-data when files are attached."""

    supplier = supplier_field()

    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=2000)
    approach = serializers.CharField()
    team = serializers.CharField()
    plan = serializers.CharField()
    budget = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, help_text="RUB; no more than the phase funding."
    )
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=20, help_text="Multipart only."
    )
    remove_attachments = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=100,
        help_text="Attachment ids.",
    )


class SubmissionDecisionInputSerializer(StrictInput):
    advance = serializers.BooleanField()
    rationale = serializers.CharField(allow_blank=True, default="")


class AssignmentInputSerializer(StrictInput):
    expert = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), help_text="The expert's id.")


class ConflictInputSerializer(StrictInput):
    has_conflict = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True, default="", help_text="Required when there is a conflict.")


class ScoreInputSerializer(StrictInput):
    value = serializers.IntegerField(
        min_value=0, max_value=100, allow_null=True, help_text="Empty leaves the criterion unscored."
    )
    comment = serializers.CharField(allow_blank=True, default="", max_length=5000)


class ScoresInputSerializer(StrictInput):
    scores = serializers.DictField(child=ScoreInputSerializer(), help_text="Criterion id → score.")
    complete = serializers.BooleanField(default=False, help_text="Hand the scoring in: every criterion scored.")
