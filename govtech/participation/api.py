"""REST API of residents' participation: thin views that read through selectors/access and write
through one service each.

Public ideas, calls, official answers, accountability, stories and the leaderboard are public.
Writes need a signed-in person (401 otherwise); the services decide who may (403 when they
refuse, 409 when the idea's state does not allow it now). An idea the actor may not see — one
waiting for pre-moderation, for anyone but its author, the call's agency and operators — is a
404, the same as a missing one."""

from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, permissions, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from govtech.accounts.models import OrganizationKind
from govtech.accounts.selectors import agency_choices, organization_list_for_user
from govtech.api.inputs import EmptyInput, valid_input
from govtech.participation import access, selectors, services
from govtech.participation.models import Call, Comment, Idea, Story
from govtech.participation.serializers import (
    AccountabilityQuerySerializer,
    AccountabilityRowSerializer,
    AssignInputSerializer,
    CallCreateSerializer,
    CallSerializer,
    CallUpdateSerializer,
    CommentEditSerializer,
    CommentInputSerializer,
    CommentSerializer,
    DistrictTreeSerializer,
    HideInputSerializer,
    IdeaAnswerInputSerializer,
    IdeaDetailSerializer,
    IdeaFilterSerializer,
    IdeaListSerializer,
    IdeaSubmitSerializer,
    LeaderboardChoiceResultSerializer,
    LeaderboardChoiceSerializer,
    LeaderboardRowSerializer,
    MilestoneDoneSerializer,
    MilestoneInputSerializer,
    MilestoneSerializer,
    ModerationCommentSerializer,
    ModerationIdeaSerializer,
    MyPointsSerializer,
    ProgressInputSerializer,
    ReportInputSerializer,
    ReportSerializer,
    SimilarIdeaSerializer,
    SimilarQuerySerializer,
    StoryAnalysisSerializer,
    StoryFilterSerializer,
    StoryInputSerializer,
    StorySerializer,
    StoryTemplateSerializer,
    VoteResultSerializer,
    parse_id,
)

# --- helpers -------------------------------------------------------------------------


def _require(actor, perm: str, obj=None) -> None:
    """For reads that are not objects of their own (a queue, an inbox): 403 without the role."""
    if not actor.has_perm(perm, obj):
        raise PermissionDenied()


def _id_or_slug(queryset, value: str | None, field: str) -> int | None:
    """A filter that takes an object's id or its address name; anything else names the field."""
    if not value:
        return None
    if value.isascii() and value.isdigit():
        pk = parse_id(value)
        found = queryset.filter(pk=pk).values_list("pk", flat=True).first() if pk else None
    else:
        found = queryset.filter(slug=value).values_list("pk", flat=True).first()
    if found is None:
        raise ValidationError({field: [_("Not found.")]})
    return found


def _idea_filters(data: dict) -> selectors.IdeaFilters:
    return selectors.IdeaFilters(
        status=data.get("status"),
        topic=data.get("topic"),
        district=data.get("district"),
        call=_id_or_slug(Call.objects.all(), data.get("call"), "call"),
        agency=_id_or_slug(agency_choices(), data.get("agency"), "agency"),
        query=data.get("q"),
        sort=data["sort"],
    )


def _shows_hidden(actor, idea: Idea | None = None) -> bool:
    """Moderators read what they hid; for a list, only operators (no query per idea)."""
    if idea is None:
        return actor.is_authenticated and actor.is_operator
    return actor.has_perm("participation.moderate", idea)


def _initiative_for(actor, idea: Idea):
    """The funnel initiative an accepted idea became, if the reader may see it there."""
    initiative = idea.initiative
    if initiative is None or not actor.has_perm("funnel.view_initiative", initiative):
        return None
    return initiative


def _idea_detail(request, idea: Idea) -> dict:
    actor = request.user
    may_answer = actor.has_perm("participation.answer_idea", idea)
    parts = {
        "files": list(idea.files.all()),
        "timeline": selectors.idea_timeline(idea),
        "milestones": list(idea.milestones.all()),
        "comments": selectors.idea_comments(idea),
        "initiative": _initiative_for(actor, idea),
        "answer_choices": services.answers_from(idea.status) if may_answer else [],
    }
    context = {
        "request": request,
        "now": timezone.now(),
        "parts": parts,
        "voted": {idea.pk} if selectors.has_voted(actor=actor, idea=idea) else set(),
        "show_hidden": _shows_hidden(actor, idea),
    }
    return IdeaDetailSerializer(idea, context=context).data


def _fresh_detail(request, pk) -> Response:
    return Response(_idea_detail(request, access.access_idea(actor=request.user, pk=pk)))


def _comment_response(request, idea: Idea, comment_id: int, code: int = status.HTTP_200_OK) -> Response:
    """The comment as it stands in the thread, with its depth there."""
    thread = {comment.pk: comment for comment in selectors.idea_comments(idea)}
    comment = thread.get(comment_id) or access.access_comment(idea=idea, pk=comment_id)
    context = {"show_hidden": _shows_hidden(request.user, idea)}
    return Response(CommentSerializer(comment, context=context).data, status=code)


def _idea_in_input(actor, pk: int | None, field: str) -> Idea | None:
    """An idea named in a request body: one the actor may not see is a field error, as a missing one."""
    if pk is None:
        return None
    try:
        return access.access_idea(actor=actor, pk=pk)
    except Http404 as exc:
        raise ValidationError({field: [_("No such idea.")]}) from exc


class _IdeaPage(generics.ListAPIView):
    """A paginated list of ideas with the reader's ``voted`` flag, read in one query per page."""

    serializer_class = IdeaListSerializer
    queryset = Idea.objects.none()  # for the schema; get_queryset() answers requests
    filter_backends: list = []

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        context = {
            **self.get_serializer_context(),
            "now": timezone.now(),
            "voted": selectors.voted_ids(actor=request.user, ideas=page),
            "show_hidden": _shows_hidden(request.user),
        }
        return self.get_paginated_response(self.serializer_class(page, many=True, context=context).data)


# --- ideas --------------------------------------------------------------------------------


class IdeaListView(_IdeaPage):
    """Published ideas (and the reader's own waiting for pre-moderation), filtered and sorted.
    POST proposes an idea: JSON, or multipart/form-data with ``files``."""

    def get_queryset(self):
        filters = _idea_filters(valid_input(IdeaFilterSerializer, self.request.query_params))
        return selectors.idea_list(actor=self.request.user, filters=filters).select_related("author")

    @extend_schema(parameters=[IdeaFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={"application/json": IdeaSubmitSerializer, "multipart/form-data": IdeaSubmitSerializer},
        responses={201: IdeaDetailSerializer},
    )
    def post(self, request):
        data = valid_input(IdeaSubmitSerializer, request.data)
        idea = services.idea_submit(actor=request.user, **data)
        response = _fresh_detail(request, idea.pk)
        response.status_code = status.HTTP_201_CREATED
        return response


class MyIdeasView(_IdeaPage):
    """Everything the person proposed, newest first, those waiting for pre-moderation included."""

    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return selectors.my_ideas(actor=self.request.user).select_related("call", "author")


class SimilarIdeasView(APIView):
    """Public ideas that share the most word stems with the text (any word form, Russian or
    English): shown while an author types, so support goes to an existing idea."""

    @extend_schema(parameters=[SimilarQuerySerializer], responses=SimilarIdeaSerializer(many=True))
    def get(self, request):
        data = valid_input(SimilarQuerySerializer, request.query_params)
        ideas = selectors.similar_ideas(text=data["text"], exclude_id=data.get("exclude")) if data["text"] else []
        return Response(SimilarIdeaSerializer(ideas, many=True, context={"request": request}).data)


class IdeaDetailView(APIView):
    """The idea with its official answers, progress, milestones, files and comment thread."""

    @extend_schema(responses=IdeaDetailSerializer)
    def get(self, request, pk):
        return _fresh_detail(request, pk)


class IdeaVoteView(APIView):
    """POST supports the idea, DELETE withdraws the support. One vote per person, exact under
    any number of simultaneous voters; 409 ``already_voted`` / ``not_voted`` when there is
    nothing to change, 409 ``not_votable`` once the idea no longer takes votes."""

    @extend_schema(request=None, responses={201: VoteResultSerializer})
    def post(self, request, pk):
        idea = access.access_idea_row(actor=request.user, pk=pk)
        valid_input(EmptyInput, request.data)
        idea = services.vote_add(actor=request.user, idea=idea)
        return Response({"votes": idea.vote_count, "voted": True}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: VoteResultSerializer})
    def delete(self, request, pk):
        idea = access.access_idea_row(actor=request.user, pk=pk)
        idea = services.vote_remove(actor=request.user, idea=idea)
        return Response({"votes": idea.vote_count, "voted": False})


class IdeaCommentListView(APIView):
    """The comment thread in order (hidden ones as a notice with the reason). POST comments, or
    replies with ``parent``."""

    @extend_schema(responses=CommentSerializer(many=True))
    def get(self, request, pk):
        idea = access.access_idea(actor=request.user, pk=pk)
        context = {"show_hidden": _shows_hidden(request.user, idea)}
        return Response(CommentSerializer(selectors.idea_comments(idea), many=True, context=context).data)

    @extend_schema(request=CommentInputSerializer, responses={201: CommentSerializer})
    def post(self, request, pk):
        idea = access.access_idea(actor=request.user, pk=pk)
        data = valid_input(CommentInputSerializer, request.data)
        parent = None
        if data.get("parent") is not None:
            try:
                parent = access.access_comment(idea=idea, pk=data["parent"])
            except Http404 as exc:
                raise ValidationError({"parent": [_("No such comment on this idea.")]}) from exc
        comment = services.comment_add(actor=request.user, idea=idea, text=data["text"], parent=parent)
        return _comment_response(request, idea, comment.pk, status.HTTP_201_CREATED)


class CommentDetailView(APIView):
    """PATCH: the author corrects a comment within the edit window (409 ``edit_window_closed`` after)."""

    @extend_schema(request=CommentEditSerializer, responses=CommentSerializer)
    def patch(self, request, pk, comment_id):
        idea = access.access_idea(actor=request.user, pk=pk)
        comment = access.access_comment(idea=idea, pk=comment_id)
        data = valid_input(CommentEditSerializer, request.data)
        services.comment_edit(actor=request.user, comment=comment, text=data["text"])
        return _comment_response(request, idea, comment.pk)


class IdeaReportView(APIView):
    """Anyone signed in reports an idea once; after several reports it is hidden until a moderator looks."""

    @extend_schema(request=ReportInputSerializer, responses={201: ReportSerializer})
    def post(self, request, pk):
        idea = access.access_idea(actor=request.user, pk=pk)
        data = valid_input(ReportInputSerializer, request.data)
        report = services.report_create(actor=request.user, idea=idea, **data)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class CommentReportView(APIView):
    """Anyone signed in reports a comment once."""

    @extend_schema(request=ReportInputSerializer, responses={201: ReportSerializer})
    def post(self, request, pk, comment_id):
        idea = access.access_idea(actor=request.user, pk=pk)
        comment = access.access_comment(idea=idea, pk=comment_id)
        data = valid_input(ReportInputSerializer, request.data)
        report = services.report_create(actor=request.user, comment=comment, **data)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


# --- the official answer and moderation: POST a step, get the idea back ----------------------


class _IdeaAction(APIView):
    """POST one step; the answer is the idea as the actor reads it afterwards."""

    input_serializer = EmptyInput

    def act(self, actor, idea: Idea, data: dict):
        raise NotImplementedError

    def post(self, request, pk):
        idea = access.access_idea(actor=request.user, pk=pk)
        data = valid_input(self.input_serializer, request.data)
        self.act(request.user, idea, data)
        return _fresh_detail(request, pk)


def _action_schema(request=None, description: str = ""):
    return extend_schema_view(
        post=extend_schema(request=request, responses=IdeaDetailSerializer, description=description)
    )


@_action_schema(
    IdeaAnswerInputSerializer,
    "The responsible agency (or an operator) answers in public: every change carries a message, "
    "a rejection its reason (400 ``reason_required``), a merge the surviving idea, whose votes it "
    "takes without counting anyone twice. Accepting creates the idea's initiative in the funnel.",
)
class IdeaAnswerView(_IdeaAction):
    input_serializer = IdeaAnswerInputSerializer

    def act(self, actor, idea, data):
        merged_into = _idea_in_input(actor, data.pop("merged_into", None), "merged_into")
        services.idea_answer(actor=actor, idea=idea, merged_into=merged_into, **data)


@_action_schema(ProgressInputSerializer, "The agency reports how far an accepted idea's implementation has got.")
class IdeaProgressView(_IdeaAction):
    input_serializer = ProgressInputSerializer

    def act(self, actor, idea, data):
        services.idea_progress(actor=actor, idea=idea, progress=data["progress"])


@_action_schema(AssignInputSerializer, "The operator names the agency that answers an idea.")
class IdeaAssignView(_IdeaAction):
    input_serializer = AssignInputSerializer

    def act(self, actor, idea, data):
        services.idea_assign_agency(actor=actor, idea=idea, agency=data["agency"])


@_action_schema(description="A moderator publishes an idea waiting for pre-moderation.")
class IdeaApproveView(_IdeaAction):
    def act(self, actor, idea, data):
        services.idea_approve(actor=actor, idea=idea)


@_action_schema(HideInputSerializer, "A moderator hides the idea; it keeps its place with the reason shown.")
class IdeaHideView(_IdeaAction):
    input_serializer = HideInputSerializer

    def act(self, actor, idea, data):
        services.content_hide(actor=actor, target=idea, reason=data["reason"])


@_action_schema(description="A moderator shows the idea again and closes its reports.")
class IdeaRestoreView(_IdeaAction):
    def act(self, actor, idea, data):
        services.content_restore(actor=actor, target=idea)


class _CommentModeration(APIView):
    input_serializer = EmptyInput

    def act(self, actor, comment: Comment, data: dict):
        raise NotImplementedError

    def post(self, request, pk, comment_id):
        idea = access.access_idea(actor=request.user, pk=pk)
        comment = access.access_comment(idea=idea, pk=comment_id)
        data = valid_input(self.input_serializer, request.data)
        self.act(request.user, comment, data)
        return _comment_response(request, idea, comment.pk)


@extend_schema_view(post=extend_schema(request=HideInputSerializer, responses=CommentSerializer))
class CommentHideView(_CommentModeration):
    """A moderator hides a comment; it keeps its place in the thread with the reason."""

    input_serializer = HideInputSerializer

    def act(self, actor, comment, data):
        services.content_hide(actor=actor, target=comment, reason=data["reason"])


@extend_schema_view(post=extend_schema(request=None, responses=CommentSerializer))
class CommentRestoreView(_CommentModeration):
    """A moderator shows a comment again and closes its reports."""

    def act(self, actor, comment, data):
        services.content_restore(actor=actor, target=comment)


class MilestoneListView(APIView):
    """POST: the agency plans a milestone of an accepted idea's implementation."""

    @extend_schema(request=MilestoneInputSerializer, responses={201: MilestoneSerializer})
    def post(self, request, pk):
        idea = access.access_idea(actor=request.user, pk=pk)
        data = valid_input(MilestoneInputSerializer, request.data)
        milestone = services.milestone_add(actor=request.user, idea=idea, **data)
        return Response(MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)


class MilestoneDoneView(APIView):
    """The agency marks a milestone done (today unless ``done_on`` says otherwise)."""

    @extend_schema(request=MilestoneDoneSerializer, responses=MilestoneSerializer)
    def post(self, request, pk, milestone_id):
        idea = access.access_idea(actor=request.user, pk=pk)
        milestone = access.access_milestone(idea=idea, pk=milestone_id)
        data = valid_input(MilestoneDoneSerializer, request.data)
        milestone = services.milestone_done(actor=request.user, milestone=milestone, done_on=data.get("done_on"))
        return Response(MilestoneSerializer(milestone).data)


# --- agencies and moderators ------------------------------------------------------------------


class AgencyInboxView(_IdeaPage):
    """Ideas an agency still has to answer for the first time, the most overdue first: the
    reader's agencies (an operator: every agency), or one of them with ``?agency=<id>``."""

    permission_classes = [permissions.IsAuthenticated]

    def _agencies(self):
        actor = self.request.user
        if actor.is_operator:
            agencies = agency_choices()
        else:
            agencies = organization_list_for_user(user=actor).filter(kind=OrganizationKind.AGENCY)
        chosen = self.request.query_params.get("agency")
        if chosen is not None:
            if parse_id(chosen) is None:
                raise ValidationError({"agency": [_("A valid id is required.")]})
            agency = agencies.filter(pk=parse_id(chosen)).first()
            if agency is None:
                raise PermissionDenied()
            _require(actor, "participation.view_agency_inbox", agency)
            return [agency.pk]
        ids = list(agencies.values_list("pk", flat=True))
        if not ids:
            raise PermissionDenied()
        return ids

    def get_queryset(self):
        return selectors.agency_inbox(agency_ids=self._agencies()).select_related("author")

    @extend_schema(parameters=[OpenApiParameter("agency", int, description="One of the reader's agencies.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class UnassignedIdeasView(_IdeaPage):
    """Open ideas no agency answers yet, oldest first: the operator assigns them."""

    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        _require(self.request.user, "participation.assign_agency")
        return selectors.unassigned_ideas().select_related("district", "call", "agency", "author")


class _ModerationList(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []
    queue: str
    related: tuple[str, ...]
    ordering: tuple[str, ...]

    def get_queryset(self):
        _require(self.request.user, "participation.view_moderation_queue")
        return selectors.moderation_queue()[self.queue].select_related(*self.related).order_by(*self.ordering)


class ModerationSubmittedView(_ModerationList):
    """Ideas waiting for pre-moderation, oldest first (operators)."""

    serializer_class = ModerationIdeaSerializer
    queryset = Idea.objects.none()
    queue, related, ordering = "submitted", ("author", "call"), ("created_at", "id")


class ModerationIdeasView(_ModerationList):
    """Hidden or reported ideas with their open reports, oldest first (operators)."""

    serializer_class = ModerationIdeaSerializer
    queryset = Idea.objects.none()
    queue, related, ordering = "ideas", ("author", "call"), ("created_at", "id")


class ModerationCommentsView(_ModerationList):
    """Hidden or reported comments with their open reports, oldest first (operators)."""

    serializer_class = ModerationCommentSerializer
    queryset = Comment.objects.none()
    queue, related, ordering = "comments", ("idea", "author"), ("created_at", "id")


# --- calls for ideas -----------------------------------------------------------------------------


class CallListView(generics.ListAPIView):
    """Calls for ideas, the latest opening first. POST: an agency asks residents a question."""

    serializer_class = CallSerializer
    queryset = Call.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        # The count's GROUP BY drops the model's ordering; pages need a stable one.
        return selectors.call_list().order_by("-opens_at", "-id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(request=CallCreateSerializer, responses={201: CallSerializer})
    def post(self, request):
        data = valid_input(CallCreateSerializer, request.data)
        call = services.call_create(actor=request.user, **data)
        return _call_response(request, call, status.HTTP_201_CREATED)


def _call_response(request, call: Call, code: int = status.HTTP_200_OK) -> Response:
    counted = selectors.call_list().get(pk=call.pk)
    return Response(CallSerializer(counted, context={"request": request, "now": timezone.now()}).data, status=code)


class CallDetailView(APIView):
    @extend_schema(responses=CallSerializer)
    def get(self, request, slug):
        return _call_response(request, access.access_call(slug=slug))

    @extend_schema(request=CallUpdateSerializer, responses=CallSerializer)
    def patch(self, request, slug):
        call = access.access_call(slug=slug)
        data = valid_input(CallUpdateSerializer, request.data)
        return _call_response(request, services.call_update(actor=request.user, call=call, **data))


# --- public figures, districts, stories, points --------------------------------------------------


class AccountabilityView(APIView):
    """Per agency or per category: ideas received, the share answered, median days to the first
    official answer, the shares accepted and implemented."""

    @extend_schema(parameters=[AccountabilityQuerySerializer], responses=AccountabilityRowSerializer(many=True))
    def get(self, request):
        data = valid_input(AccountabilityQuerySerializer, request.query_params)
        return Response(AccountabilityRowSerializer(selectors.accountability(by=data["by"]), many=True).data)


class DistrictTreeView(APIView):
    """The city's administrative areas, each with its districts."""

    @extend_schema(responses=DistrictTreeSerializer(many=True))
    def get(self, request):
        areas = selectors.district_tree()
        return Response(DistrictTreeSerializer(areas, many=True).data)


class StoryTemplateListView(APIView):
    """The domains collecting experience stories, with their controlled lists."""

    @extend_schema(responses=StoryTemplateSerializer(many=True))
    def get(self, request):
        return Response(StoryTemplateSerializer(selectors.story_templates(), many=True).data)


def _story_filters(data: dict) -> selectors.StoryFilters:
    template = None
    if data.get("template"):
        try:
            template = access.access_story_template(key=data["template"]).pk
        except Http404 as exc:
            raise ValidationError({"template": [_("Not found.")]}) from exc
    return selectors.StoryFilters(
        template=template,
        district=data.get("district"),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )


class StoryListView(generics.ListAPIView):
    """Published stories, newest first (anonymous ones without their author). POST shares a story."""

    serializer_class = StorySerializer
    queryset = Story.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        return selectors.published_stories(
            _story_filters(valid_input(StoryFilterSerializer, self.request.query_params))
        )

    @extend_schema(parameters=[StoryFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=StoryInputSerializer, responses={201: StorySerializer})
    def post(self, request):
        data = valid_input(StoryInputSerializer, request.data)
        story = services.story_submit(actor=request.user, **data)
        return Response(StorySerializer(story).data, status=status.HTTP_201_CREATED)


class StoryAnalysisView(APIView):
    """Distributions of the stories' structured answers, by district and by month, with the
    same filters as the stories list."""

    @extend_schema(parameters=[StoryFilterSerializer], responses=StoryAnalysisSerializer)
    def get(self, request):
        filters = _story_filters(valid_input(StoryFilterSerializer, request.query_params))
        return Response(StoryAnalysisSerializer(selectors.story_analysis(filters)).data)


class LeaderboardView(APIView):
    """People who chose to appear, by participation points."""

    @extend_schema(responses=LeaderboardRowSerializer(many=True))
    def get(self, request):
        rows = [
            {
                "rank": rank,
                "person": {"id": row["user_id"], "full_name": row["user__full_name"]},
                "points": row["total"],
                "badges": selectors.badges_for(row["total"]),
            }
            for rank, row in enumerate(selectors.leaderboard(), start=1)
        ]
        return Response(LeaderboardRowSerializer(rows, many=True).data)


class LeaderboardChoiceView(APIView):
    """PUT: the person decides whether their name and points appear on the leaderboard."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=LeaderboardChoiceSerializer, responses=LeaderboardChoiceResultSerializer)
    def put(self, request):
        data = valid_input(LeaderboardChoiceSerializer, request.data)
        participant = services.leaderboard_choice(actor=request.user, show=data["show"])
        return Response({"on_leaderboard": participant.on_leaderboard})


class MyPointsView(APIView):
    """The person's points, badges, leaderboard choice and latest entries."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MyPointsSerializer)
    def get(self, request):
        actor = request.user
        total = selectors.points_of(actor)
        participant = getattr(actor, "participant", None)
        data = {
            "total": total,
            "badges": selectors.badges_for(total),
            "on_leaderboard": bool(participant and participant.on_leaderboard),
            "recent": list(selectors.points_entries(actor)[:50]),
        }
        return Response(MyPointsSerializer(data).data)


IDEAS = "ideas/"
IDEA = IDEAS + "<int:pk>/"
COMMENT = IDEA + "comments/<int:comment_id>/"

urlpatterns = [
    path(IDEAS, IdeaListView.as_view(), name="idea-list"),
    # Before the idea routes: words, never an idea's id.
    path(IDEAS + "mine/", MyIdeasView.as_view(), name="idea-mine"),
    path(IDEAS + "similar/", SimilarIdeasView.as_view(), name="idea-similar"),
    path(IDEAS + "inbox/", AgencyInboxView.as_view(), name="idea-inbox"),
    path(IDEAS + "unassigned/", UnassignedIdeasView.as_view(), name="idea-unassigned"),
    path(IDEAS + "moderation/submitted/", ModerationSubmittedView.as_view(), name="idea-moderation-submitted"),
    path(IDEAS + "moderation/ideas/", ModerationIdeasView.as_view(), name="idea-moderation-ideas"),
    path(IDEAS + "moderation/comments/", ModerationCommentsView.as_view(), name="idea-moderation-comments"),
    path(IDEAS + "calls/", CallListView.as_view(), name="idea-call-list"),
    path(IDEAS + "calls/<slug:slug>/", CallDetailView.as_view(), name="idea-call-detail"),
    path(IDEAS + "accountability/", AccountabilityView.as_view(), name="idea-accountability"),
    path(IDEAS + "districts/", DistrictTreeView.as_view(), name="idea-district-list"),
    path(IDEAS + "story-templates/", StoryTemplateListView.as_view(), name="idea-story-template-list"),
    path(IDEAS + "stories/", StoryListView.as_view(), name="idea-story-list"),
    path(IDEAS + "stories/analysis/", StoryAnalysisView.as_view(), name="idea-story-analysis"),
    path(IDEAS + "leaderboard/", LeaderboardView.as_view(), name="idea-leaderboard"),
    path(IDEAS + "leaderboard/me/", LeaderboardChoiceView.as_view(), name="idea-leaderboard-choice"),
    path(IDEAS + "points/", MyPointsView.as_view(), name="idea-points"),
    path(IDEA, IdeaDetailView.as_view(), name="idea-detail"),
    path(IDEA + "vote/", IdeaVoteView.as_view(), name="idea-vote"),
    path(IDEA + "comments/", IdeaCommentListView.as_view(), name="idea-comment-list"),
    path(COMMENT, CommentDetailView.as_view(), name="idea-comment-detail"),
    path(COMMENT + "report/", CommentReportView.as_view(), name="idea-comment-report"),
    path(COMMENT + "hide/", CommentHideView.as_view(), name="idea-comment-hide"),
    path(COMMENT + "restore/", CommentRestoreView.as_view(), name="idea-comment-restore"),
    path(IDEA + "report/", IdeaReportView.as_view(), name="idea-report"),
    path(IDEA + "answer/", IdeaAnswerView.as_view(), name="idea-answer"),
    path(IDEA + "progress/", IdeaProgressView.as_view(), name="idea-progress"),
    path(IDEA + "milestones/", MilestoneListView.as_view(), name="idea-milestone-list"),
    path(IDEA + "milestones/<int:milestone_id>/done/", MilestoneDoneView.as_view(), name="idea-milestone-done"),
    path(IDEA + "assign/", IdeaAssignView.as_view(), name="idea-assign"),
    path(IDEA + "approve/", IdeaApproveView.as_view(), name="idea-approve"),
    path(IDEA + "hide/", IdeaHideView.as_view(), name="idea-hide"),
    path(IDEA + "restore/", IdeaRestoreView.as_view(), name="idea-restore"),
]
