"""REST API of challenges: thin views that read through selectors/access and write through one
service each.

Published challenges, their Q&A and published results are public. Writes need a signed-in
person (401 otherwise); the services decide who may (403 when they refuse). Anything the actor
may not see — a draft of another agency, another supplier's submission, an assignment the
expert recused from — is a 404, the same as a missing object."""

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, permissions, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from govtech.accounts.selectors import agency_choices
from govtech.api.inputs import EmptyInput, valid_input
from govtech.challenges import access, exports, selectors, services
from govtech.challenges.models import Challenge, ReviewCycle
from govtech.challenges.serializers import (
    AnswerInputSerializer,
    AssignmentInputSerializer,
    AssignmentListSerializer,
    AssignmentSerializer,
    CancelReasonInputSerializer,
    ChallengeCreateSerializer,
    ChallengeDetailSerializer,
    ChallengeFilterSerializer,
    ChallengeListSerializer,
    ChallengePhaseSerializer,
    ChallengeQuestionInputSerializer,
    ChallengeQuestionSerializer,
    ChallengeUpdateSerializer,
    ConflictInputSerializer,
    ConsultationSlotInputSerializer,
    ConsultationSlotSerializer,
    CriteriaInputSerializer,
    EvaluationSerializer,
    IndicatorsInputSerializer,
    PanelAssignResultSerializer,
    PanelSubmissionSerializer,
    PhasesInputSerializer,
    RankingRowSerializer,
    ReviewCycleSerializer,
    ReviewNoteInputSerializer,
    ScoresInputSerializer,
    SlotBookingInputSerializer,
    SubmissionDecisionInputSerializer,
    SubmissionInputSerializer,
    SubmissionListSerializer,
    SubmissionSerializer,
)
from govtech.core.errors import Conflict

# --- helpers -------------------------------------------------------------------


def _owner_id(value: str | None) -> int | None:
    """The owner filter takes the agency's id or its address name."""
    if not value:
        return None
    lookup = {"pk": int(value)} if value.isdecimal() else {"slug": value}
    agency = agency_choices().filter(**lookup).values_list("pk", flat=True).first()
    if agency is None:
        raise ValidationError({"owner": [_("No such agency.")]})
    return agency


def _challenge_filters(data: dict) -> selectors.ChallengeFilters:
    return selectors.ChallengeFilters(
        status=data.get("status"),
        owner=_owner_id(data.get("owner")),
        topic=data.get("topic"),
        phase_kind=data.get("phase_kind"),
        deadline=data.get("deadline"),
        query=data.get("q"),
    )


def _may_see_places(user, challenge: Challenge) -> bool:
    """Where a consultation happens is for those who may book or run one, as on the page."""
    return user.has_perm("challenges.manage_slots", challenge) or user.has_perm("challenges.ask_question", challenge)


def _challenge_detail(request, challenge: Challenge) -> dict:
    now = timezone.now()
    parts = {
        "phases": selectors.phases_of(challenge),
        "criteria": list(challenge.criteria.all()),
        "indicators": list(challenge.indicators.all()),
        "documents": list(challenge.documents.all()),
        "questions": list(selectors.answered_questions(challenge)),
        "slots": list(selectors.slots_of(challenge, now=now)),
        "results": selectors.published_results(challenge),
    }
    challenge.next_deadline = selectors.next_deadline(challenge, parts["phases"], now=now)
    context = {"request": request, "now": now, "parts": parts, "show_place": _may_see_places(request.user, challenge)}
    return ChallengeDetailSerializer(challenge, context=context).data


def _submission_detail(request, submission) -> dict:
    """The supplier's people and the operator also get the receipts, the supplier's proof."""
    actor = request.user
    is_supplier_side = (actor.is_authenticated and actor.is_operator) or actor.has_perm(
        "challenges.act_for_supplier", submission.supplier
    )
    receipts = list(submission.receipts.all()) if is_supplier_side else None
    return SubmissionSerializer(submission, context={"request": request, "receipts": receipts}).data


def _assignment_detail(request, assignment) -> dict:
    return AssignmentSerializer(assignment, context={"request": request}).data


def _require(actor, perm: str, obj=None) -> None:
    """For reads that are not objects of their own (a queue, a ranking): 403 without the role."""
    if not actor.has_perm(perm, obj):
        raise PermissionDenied()


def _cycle(request, slug: str, number: int, cycle: int) -> ReviewCycle:
    challenge = access.access_challenge(actor=request.user, slug=slug)
    return access.access_cycle(phase=access.access_phase(challenge=challenge, number=number), number=cycle)


class _ChallengeListBase(generics.ListAPIView):
    serializer_class = ChallengeListSerializer
    queryset = Challenge.objects.none()  # for the schema; get_queryset() answers requests
    filter_backends: list = []

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


# --- challenges ------------------------------------------------------------------


class ChallengeListView(_ChallengeListBase):
    """Published challenges (and those cancelled after publication), newest first, with the
    next deadline and the phases' window states. POST drafts a challenge for an agency."""

    def get_queryset(self):
        filters = _challenge_filters(valid_input(ChallengeFilterSerializer, self.request.query_params))
        return selectors.challenge_list(filters=filters)

    @extend_schema(parameters=[ChallengeFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ChallengeCreateSerializer, responses={201: ChallengeDetailSerializer})
    def post(self, request):
        data = valid_input(ChallengeCreateSerializer, request.data)
        challenge = services.challenge_create(actor=request.user, **data)
        return Response(_challenge_detail(request, challenge), status=status.HTTP_201_CREATED)


class ReviewQueueView(_ChallengeListBase):
    """Challenges waiting for the operator's review, oldest first (operators only)."""

    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        _require(self.request.user, "challenges.review_challenge")
        return selectors.review_queue()


class MyChallengesView(_ChallengeListBase):
    """Every challenge of the agencies the person belongs to, drafts included."""

    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return selectors.challenges_of_agencies(user=self.request.user)


class ChallengeDetailView(APIView):
    @extend_schema(responses=ChallengeDetailSerializer)
    def get(self, request, slug):
        return Response(_challenge_detail(request, access.access_challenge(actor=request.user, slug=slug)))

    @extend_schema(request=ChallengeUpdateSerializer, responses=ChallengeDetailSerializer)
    def patch(self, request, slug):
        challenge = access.access_challenge(actor=request.user, slug=slug)
        data = valid_input(ChallengeUpdateSerializer, request.data)
        challenge = services.challenge_update(actor=request.user, challenge=challenge, **data)
        return Response(_challenge_detail(request, challenge))


class _ChallengeAction(APIView):
    """POST one step of the challenge's life; the answer is the challenge as it is afterwards."""

    input_serializer = EmptyInput

    def act(self, actor, challenge: Challenge, data: dict):
        raise NotImplementedError

    def post(self, request, slug):
        challenge = access.access_challenge(actor=request.user, slug=slug)
        data = valid_input(self.input_serializer, request.data)
        self.act(request.user, challenge, data)
        challenge = access.access_challenge(actor=request.user, slug=slug)
        return Response(_challenge_detail(request, challenge))


def _action_schema(request=None, description: str = ""):
    return extend_schema_view(
        post=extend_schema(request=request, responses=ChallengeDetailSerializer, description=description)
    )


@_action_schema(description="The owner sends a complete draft to the operator; the criteria are fixed from now on.")
class SubmitForReviewView(_ChallengeAction):
    def act(self, actor, challenge, data):
        services.challenge_submit_for_review(actor=actor, challenge=challenge)


@_action_schema(description="The operator publishes a challenge in review.")
class PublishView(_ChallengeAction):
    def act(self, actor, challenge, data):
        services.challenge_publish(actor=actor, challenge=challenge)


@_action_schema(ReviewNoteInputSerializer, "The operator returns a challenge in review to its owner.")
class RequestChangesView(_ChallengeAction):
    input_serializer = ReviewNoteInputSerializer

    def act(self, actor, challenge, data):
        services.challenge_request_changes(actor=actor, challenge=challenge, note=data["note"])


@_action_schema(description="After the last phase closed, the owner or operator starts the evaluation.")
class StartEvaluationView(_ChallengeAction):
    def act(self, actor, challenge, data):
        services.challenge_start_evaluation(actor=actor, challenge=challenge)


@_action_schema(CancelReasonInputSerializer, "The owner or operator cancels a challenge not decided yet.")
class CancelView(_ChallengeAction):
    input_serializer = CancelReasonInputSerializer

    def act(self, actor, challenge, data):
        services.challenge_cancel(actor=actor, challenge=challenge, reason=data["reason"])


@_action_schema(description="The owner or operator closes a decided challenge.")
class CloseView(_ChallengeAction):
    def act(self, actor, challenge, data):
        services.challenge_close(actor=actor, challenge=challenge)


class _ChallengeListPut(APIView):
    """PUT replaces one list of an editable challenge: phases, criteria or indicators."""

    input_serializer: type
    key: str

    def put(self, request, slug):
        challenge = access.access_challenge(actor=request.user, slug=slug)
        data = valid_input(self.input_serializer, request.data)
        self.replace(request.user, challenge, data[self.key])
        challenge = access.access_challenge(actor=request.user, slug=slug)
        return Response(_challenge_detail(request, challenge))


@extend_schema_view(put=extend_schema(request=PhasesInputSerializer, responses=ChallengeDetailSerializer))
class PhasesView(_ChallengeListPut):
    input_serializer, key = PhasesInputSerializer, "phases"

    def replace(self, actor, challenge, rows):
        services.challenge_set_phases(actor=actor, challenge=challenge, phases=rows)


@extend_schema_view(put=extend_schema(request=CriteriaInputSerializer, responses=ChallengeDetailSerializer))
class CriteriaView(_ChallengeListPut):
    input_serializer, key = CriteriaInputSerializer, "criteria"

    def replace(self, actor, challenge, rows):
        services.challenge_set_criteria(actor=actor, challenge=challenge, criteria=rows)


@extend_schema_view(put=extend_schema(request=IndicatorsInputSerializer, responses=ChallengeDetailSerializer))
class IndicatorsView(_ChallengeListPut):
    input_serializer, key = IndicatorsInputSerializer, "indicators"

    def replace(self, actor, challenge, rows):
        services.challenge_set_indicators(actor=actor, challenge=challenge, indicators=rows)


class _FirstRendererNegotiation(BaseContentNegotiation):
    """The CSV is the answer whatever the client accepts; errors still answer in JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None


class ResultsCsvView(APIView):
    """The published results as CSV (UTF-8 with a byte order mark, so spreadsheets read Cyrillic):
    one row per decided submission of each phase whose results are out."""

    content_negotiation_class = _FirstRendererNegotiation

    @extend_schema(operation_id="v1_challenges_results_csv", responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, slug):
        return exports.results_csv_response(access.access_challenge(actor=request.user, slug=slug))


# --- questions and consultations ---------------------------------------------------


class QuestionListView(APIView):
    """Answered questions are public; the owner and the operator also read those waiting for an
    answer. Who asked is never shown. POST: a supplier asks during the question window."""

    @extend_schema(responses=ChallengeQuestionSerializer(many=True))
    def get(self, request, slug):
        challenge = access.access_challenge(actor=request.user, slug=slug)
        questions = list(selectors.answered_questions(challenge))
        if request.user.has_perm("challenges.answer_question", challenge):
            questions += list(selectors.unanswered_questions(challenge))
        return Response(ChallengeQuestionSerializer(questions, many=True).data)

    @extend_schema(request=ChallengeQuestionInputSerializer, responses={201: ChallengeQuestionSerializer})
    def post(self, request, slug):
        challenge = access.access_challenge(actor=request.user, slug=slug)
        data = valid_input(ChallengeQuestionInputSerializer, request.data)
        question = services.question_ask(actor=request.user, challenge=challenge, text=data["text"])
        return Response(ChallengeQuestionSerializer(question).data, status=status.HTTP_201_CREATED)


class QuestionAnswerView(APIView):
    @extend_schema(request=AnswerInputSerializer, responses=ChallengeQuestionSerializer)
    def post(self, request, slug, question_id):
        challenge = access.access_challenge(actor=request.user, slug=slug)
        question = access.access_question(challenge=challenge, pk=question_id)
        data = valid_input(AnswerInputSerializer, request.data)
        question = services.question_answer(actor=request.user, question=question, answer=data["answer"])
        return Response(ChallengeQuestionSerializer(question).data)


class SlotListView(APIView):
    """Consultation slots still ahead, free or booked (not by whom). POST: the owner offers one."""

    @extend_schema(responses=ConsultationSlotSerializer(many=True))
    def get(self, request, slug):
        challenge = access.access_challenge(actor=request.user, slug=slug)
        context = {"show_place": _may_see_places(request.user, challenge)}
        return Response(ConsultationSlotSerializer(selectors.slots_of(challenge), many=True, context=context).data)

    @extend_schema(request=ConsultationSlotInputSerializer, responses={201: ConsultationSlotSerializer})
    def post(self, request, slug):
        challenge = access.access_challenge(actor=request.user, slug=slug)
        data = valid_input(ConsultationSlotInputSerializer, request.data)
        slot = services.slot_create(actor=request.user, challenge=challenge, **data)
        return Response(
            ConsultationSlotSerializer(slot, context={"show_place": True}).data, status=status.HTTP_201_CREATED
        )


class SlotDetailView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request, slug, slot_id):
        challenge = access.access_challenge(actor=request.user, slug=slug)
        services.slot_delete(actor=request.user, slot=access.access_slot(challenge=challenge, pk=slot_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SlotBookingView(APIView):
    """POST: a supplier books the slot for one of its organizations; DELETE frees it again."""

    @extend_schema(request=SlotBookingInputSerializer, responses=ConsultationSlotSerializer)
    def post(self, request, slug, slot_id):
        challenge = access.access_challenge(actor=request.user, slug=slug)
        slot = access.access_slot(challenge=challenge, pk=slot_id)
        data = valid_input(SlotBookingInputSerializer, request.data)
        slot = services.slot_book(actor=request.user, slot=slot, supplier=data["supplier"])
        return Response(ConsultationSlotSerializer(slot, context={"show_place": True}).data)

    @extend_schema(request=None, responses=ConsultationSlotSerializer)
    def delete(self, request, slug, slot_id):
        challenge = access.access_challenge(actor=request.user, slug=slug)
        slot = access.access_slot(challenge=challenge, pk=slot_id)
        slot = services.slot_cancel_booking(actor=request.user, slot=slot)
        return Response(ConsultationSlotSerializer(slot, context={"show_place": True}).data)


# --- phases, cycles and the panel ------------------------------------------------------


class PhaseSubmitView(APIView):
    """A supplier submits to a phase, or resubmits before its deadline (201 the first time, 200
    after). Send JSON, or multipart/form-data with ``attachments`` files. Each submit issues a
    receipt with the server time and a hash of the content."""

    @extend_schema(
        request={"application/json": SubmissionInputSerializer, "multipart/form-data": SubmissionInputSerializer},
        responses={201: SubmissionSerializer, 200: SubmissionSerializer},
    )
    def post(self, request, slug, number):
        challenge = access.access_challenge(actor=request.user, slug=slug)
        phase = access.access_phase(challenge=challenge, number=number)
        data = valid_input(SubmissionInputSerializer, request.data)
        is_new = not selectors.has_submission(phase=phase, supplier=data["supplier"])
        submission = services.submission_submit(actor=request.user, phase=phase, **data)
        submission = access.access_submission(actor=request.user, pk=submission.pk)
        return Response(
            _submission_detail(request, submission), status=status.HTTP_201_CREATED if is_new else status.HTTP_200_OK
        )


class PublishResultsView(APIView):
    """The owner publishes the phase's results once every panel closed; undecided submissions
    are recorded as not advanced."""

    @extend_schema(request=None, responses=ChallengePhaseSerializer)
    def post(self, request, slug, number):
        challenge = access.access_challenge(actor=request.user, slug=slug)
        phase = access.access_phase(challenge=challenge, number=number)
        valid_input(EmptyInput, request.data)
        phase = services.phase_publish_results(actor=request.user, phase=phase)
        return Response(ChallengePhaseSerializer(phase, context={"now": timezone.now()}).data)


class CycleListView(APIView):
    """The review cycles of a phase: one for a fixed window, one per period of a rolling intake."""

    @extend_schema(responses=ReviewCycleSerializer(many=True))
    def get(self, request, slug, number):
        challenge = access.access_challenge(actor=request.user, slug=slug)
        phase = access.access_phase(challenge=challenge, number=number)
        return Response(ReviewCycleSerializer(selectors.cycles_of(phase), many=True).data)


class PanelView(APIView):
    """The operator's view of a cycle: its submissions and who evaluates them."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=PanelSubmissionSerializer(many=True))
    def get(self, request, slug, number, cycle):
        review_cycle = _cycle(request, slug, number, cycle)
        _require(request.user, "challenges.manage_panel", review_cycle.phase.challenge)
        return Response(PanelSubmissionSerializer(selectors.panel_submissions(review_cycle), many=True).data)


class PanelAssignView(APIView):
    """The operator gives every active submission of the cycle its number of experts."""

    @extend_schema(request=None, responses=PanelAssignResultSerializer)
    def post(self, request, slug, number, cycle):
        review_cycle = _cycle(request, slug, number, cycle)
        valid_input(EmptyInput, request.data)
        return Response({"added": services.panel_assign(actor=request.user, cycle=review_cycle)})


class PanelCloseView(APIView):
    """The operator closes the panel once every evaluation is in; scores become visible to the panel."""

    @extend_schema(request=None, responses=ReviewCycleSerializer)
    def post(self, request, slug, number, cycle):
        review_cycle = _cycle(request, slug, number, cycle)
        valid_input(EmptyInput, request.data)
        return Response(ReviewCycleSerializer(services.panel_close(actor=request.user, cycle=review_cycle)).data)


class RankingView(APIView):
    """The ranked results of a cycle: for the operator at any time, for the owner once the panel closed."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=RankingRowSerializer(many=True))
    def get(self, request, slug, number, cycle):
        review_cycle = _cycle(request, slug, number, cycle)
        challenge = review_cycle.phase.challenge
        _require(request.user, "challenges.view_evaluation", challenge)
        rows = selectors.ranking(actor=request.user, cycle=review_cycle)
        if rows is None:
            raise Conflict(_("The ranking is shown once the expert panel has closed."), code="panel_open")
        criteria = {criterion.pk: criterion for criterion in challenge.criteria.all()}
        return Response(RankingRowSerializer(rows, many=True, context={"criteria": criteria}).data)


# --- submissions ------------------------------------------------------------------


class MySubmissionsView(generics.ListAPIView):
    """Everything the person's supplier organizations submitted, newest first."""

    serializer_class = SubmissionListSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []

    def get_queryset(self):
        return selectors.submissions_of_suppliers(user=self.request.user)


class SubmissionDetailView(APIView):
    """A submission, for its supplier, the operator, its cleared experts and (after its deadline) the owner."""

    @extend_schema(responses=SubmissionSerializer)
    def get(self, request, pk):
        return Response(_submission_detail(request, access.access_submission(actor=request.user, pk=pk)))


class SubmissionWithdrawView(APIView):
    @extend_schema(request=None, responses=SubmissionSerializer)
    def post(self, request, pk):
        submission = access.access_submission(actor=request.user, pk=pk)
        valid_input(EmptyInput, request.data)
        services.submission_withdraw(actor=request.user, submission=submission)
        return Response(_submission_detail(request, access.access_submission(actor=request.user, pk=pk)))


class SubmissionDecisionView(APIView):
    """The owner advances a submission, or not, with a rationale, after the panel closed."""

    @extend_schema(request=SubmissionDecisionInputSerializer, responses=SubmissionSerializer)
    def post(self, request, pk):
        submission = access.access_submission(actor=request.user, pk=pk)
        data = valid_input(SubmissionDecisionInputSerializer, request.data)
        services.submission_decide(actor=request.user, submission=submission, **data)
        return Response(_submission_detail(request, access.access_submission(actor=request.user, pk=pk)))


class SubmissionAssignmentView(APIView):
    """The operator asks one more expert to evaluate the submission."""

    @extend_schema(request=AssignmentInputSerializer, responses={201: PanelSubmissionSerializer})
    def post(self, request, pk):
        submission = access.access_submission(actor=request.user, pk=pk)
        data = valid_input(AssignmentInputSerializer, request.data)
        services.assignment_create(actor=request.user, submission=submission, expert=data["expert"])
        panel = selectors.panel_submissions(submission.cycle).get(pk=submission.pk)
        return Response(PanelSubmissionSerializer(panel).data, status=status.HTTP_201_CREATED)


class SubmissionEvaluationsView(APIView):
    """The evaluations the actor may read: until the panel closes an expert reads only their own."""

    @extend_schema(responses=EvaluationSerializer(many=True))
    def get(self, request, pk):
        submission = access.access_submission(actor=request.user, pk=pk)
        evaluations = selectors.visible_assignments(actor=request.user, submission=submission)
        context = {"show_experts": request.user.is_operator, "reader_id": request.user.pk}
        return Response(EvaluationSerializer(evaluations, many=True, context=context).data)


# --- expert assignments -------------------------------------------------------------


class MyAssignmentsView(generics.ListAPIView):
    """An expert's evaluations: open ones first; recused ones are gone."""

    serializer_class = AssignmentListSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []

    def get_queryset(self):
        _require(self.request.user, "challenges.view_evaluations_inbox")
        return selectors.assignments_of_expert(user=self.request.user)


class AssignmentDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=AssignmentSerializer)
    def get(self, request, pk):
        return Response(_assignment_detail(request, access.access_assignment(actor=request.user, pk=pk)))


class AssignmentConflictView(APIView):
    """The expert declares whether they have a conflict of interest with this submission. A recused
    expert loses access to it (404 from then on) and another expert is assigned."""

    @extend_schema(request=ConflictInputSerializer, responses=AssignmentListSerializer)
    def post(self, request, pk):
        assignment = access.access_assignment(actor=request.user, pk=pk)
        data = valid_input(ConflictInputSerializer, request.data)
        assignment = services.conflict_declare(actor=request.user, assignment=assignment, **data)
        return Response(AssignmentListSerializer(assignment).data)


class AssignmentScoresView(APIView):
    """The expert saves scores (criterion id → value and comment); ``complete`` hands them in."""

    @extend_schema(request=ScoresInputSerializer, responses=AssignmentSerializer)
    def put(self, request, pk):
        assignment = access.access_assignment(actor=request.user, pk=pk)
        data = valid_input(ScoresInputSerializer, request.data)
        scores = {key: (entry["value"], entry["comment"]) for key, entry in data["scores"].items()}
        services.scores_save(actor=request.user, assignment=assignment, scores=scores, complete=data["complete"])
        return Response(_assignment_detail(request, access.access_assignment(actor=request.user, pk=pk)))


C = "challenges/<slug:slug>/"
PHASE = C + "phases/<int:number>/"
CYCLE = PHASE + "cycles/<int:cycle>/"

urlpatterns = [
    path("challenges/", ChallengeListView.as_view(), name="challenge-list"),
    # Before the detail route: these words are reserved and never a challenge's address name.
    path("challenges/review/", ReviewQueueView.as_view(), name="challenge-review-queue"),
    path("challenges/mine/", MyChallengesView.as_view(), name="challenge-mine"),
    path("challenges/submissions/", MySubmissionsView.as_view(), name="challenge-submission-list"),
    path("challenges/submissions/<int:pk>/", SubmissionDetailView.as_view(), name="challenge-submission-detail"),
    path(
        "challenges/submissions/<int:pk>/withdraw/",
        SubmissionWithdrawView.as_view(),
        name="challenge-submission-withdraw",
    ),
    path(
        "challenges/submissions/<int:pk>/decision/",
        SubmissionDecisionView.as_view(),
        name="challenge-submission-decision",
    ),
    path(
        "challenges/submissions/<int:pk>/assignments/",
        SubmissionAssignmentView.as_view(),
        name="challenge-submission-assignments",
    ),
    path(
        "challenges/submissions/<int:pk>/evaluations/",
        SubmissionEvaluationsView.as_view(),
        name="challenge-submission-evaluations",
    ),
    path("challenges/assignments/", MyAssignmentsView.as_view(), name="challenge-assignment-list"),
    path("challenges/assignments/<int:pk>/", AssignmentDetailView.as_view(), name="challenge-assignment-detail"),
    path(
        "challenges/assignments/<int:pk>/conflict/",
        AssignmentConflictView.as_view(),
        name="challenge-assignment-conflict",
    ),
    path("challenges/assignments/<int:pk>/scores/", AssignmentScoresView.as_view(), name="challenge-assignment-scores"),
    path(C, ChallengeDetailView.as_view(), name="challenge-detail"),
    path(C + "results.csv", ResultsCsvView.as_view(), name="challenge-results-csv"),
    path(C + "submit-for-review/", SubmitForReviewView.as_view(), name="challenge-submit-for-review"),
    path(C + "publish/", PublishView.as_view(), name="challenge-publish"),
    path(C + "request-changes/", RequestChangesView.as_view(), name="challenge-request-changes"),
    path(C + "start-evaluation/", StartEvaluationView.as_view(), name="challenge-start-evaluation"),
    path(C + "cancel/", CancelView.as_view(), name="challenge-cancel"),
    path(C + "close/", CloseView.as_view(), name="challenge-close"),
    path(C + "phases/", PhasesView.as_view(), name="challenge-phases"),
    path(C + "criteria/", CriteriaView.as_view(), name="challenge-criteria"),
    path(C + "indicators/", IndicatorsView.as_view(), name="challenge-indicators"),
    path(C + "questions/", QuestionListView.as_view(), name="challenge-question-list"),
    path(C + "questions/<int:question_id>/answer/", QuestionAnswerView.as_view(), name="challenge-question-answer"),
    path(C + "slots/", SlotListView.as_view(), name="challenge-slot-list"),
    path(C + "slots/<int:slot_id>/", SlotDetailView.as_view(), name="challenge-slot-detail"),
    path(C + "slots/<int:slot_id>/booking/", SlotBookingView.as_view(), name="challenge-slot-booking"),
    path(PHASE + "submissions/", PhaseSubmitView.as_view(), name="challenge-phase-submit"),
    path(PHASE + "publish-results/", PublishResultsView.as_view(), name="challenge-phase-publish-results"),
    path(PHASE + "cycles/", CycleListView.as_view(), name="challenge-cycle-list"),
    path(CYCLE + "panel/", PanelView.as_view(), name="challenge-cycle-panel"),
    path(CYCLE + "assign-experts/", PanelAssignView.as_view(), name="challenge-cycle-assign-experts"),
    path(CYCLE + "close-panel/", PanelCloseView.as_view(), name="challenge-cycle-close-panel"),
    path(CYCLE + "ranking/", RankingView.as_view(), name="challenge-cycle-ranking"),
]
