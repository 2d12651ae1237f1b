"""Input and output shapes of the participation API (govtech/participation/api.py).

Output serializers only read what selectors and access helpers hand them. Input serializers
check the shape of a request and refuse fields they do not name; the services decide the rest."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from govtech.accounts.models import Organization
from govtech.api.inputs import StrictInput
from govtech.api.serializers import OrganizationRefSerializer, PersonNameSerializer
from govtech.funnel.models import Topic
from govtech.participation.models import (
    Call,
    Comment,
    District,
    Idea,
    IdeaFile,
    IdeaStatus,
    Milestone,
    Moderation,
    PointsEntry,
    PointsKind,
    Report,
    ReportReason,
    StatusChange,
    Story,
    StoryTemplate,
)
from govtech.participation.selectors import Sort

MAX_ID = 2**63 - 1  # the largest primary key any database here stores


def _absolute(context, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


# --- input: ids ------------------------------------------------------------------------


def parse_id(value) -> int | None:
    """A positive id in ASCII digits, or None. ``int()`` also reads other scripts' digits ("٣")
    and numbers of any size; neither is an id here."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


@extend_schema_field(OpenApiTypes.INT)
class IdField(serializers.Field):
    default_error_messages = {"invalid": _("A valid id is required.")}

    def to_internal_value(self, data) -> int:
        number = parse_id(data)
        if number is None:
            self.fail("invalid")
        return number

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.INT)
class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """An object by its id, checked to be an id before the database is asked."""

    def to_internal_value(self, data):
        number = parse_id(data)
        if number is None:
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(number)


class WholeNumberField(serializers.IntegerField):
    """An integer in ASCII digits: ``int()`` would also read other scripts' digits ("٣")."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not data.strip().isascii():
            self.fail("invalid")
        return super().to_internal_value(data)


# --- output: small references ----------------------------------------------------------


class DistrictRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = District
        fields = ["id", "slug", "name"]


class DistrictTreeSerializer(serializers.ModelSerializer):
    """An administrative area with its districts."""

    districts = DistrictRefSerializer(many=True, read_only=True)

    class Meta:
        model = District
        fields = ["id", "slug", "name", "districts"]


class CallRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Call
        fields = ["slug", "title"]


class IdeaRefSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The idea's page.")

    class Meta:
        model = Idea
        fields = ["id", "title", "url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, idea) -> str:
        return _absolute(self.context, idea.get_absolute_url())


# --- output: calls ----------------------------------------------------------------------


class CallSerializer(serializers.ModelSerializer):
    agency = OrganizationRefSerializer(read_only=True)
    district = DistrictRefSerializer(read_only=True, allow_null=True)
    topic = serializers.ChoiceField(choices=Topic.choices, read_only=True)
    moderation = serializers.ChoiceField(choices=Moderation.choices, read_only=True)
    support_threshold = serializers.IntegerField(read_only=True, allow_null=True)
    idea_count = serializers.IntegerField(read_only=True, help_text="Published ideas answering the call.")
    is_open = serializers.SerializerMethodField(help_text="Takes ideas now, by the server clock.")
    url = serializers.SerializerMethodField(help_text="The call's page.")

    class Meta:
        model = Call
        fields = [
            "slug",
            "title",
            "question",
            "topic",
            "agency",
            "district",
            "opens_at",
            "closes_at",
            "is_open",
            "moderation",
            "support_threshold",
            "idea_count",
            "url",
        ]

    def get_is_open(self, call) -> bool:
        return call.is_open(self.context.get("now"))

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, call) -> str:
        return _absolute(self.context, call.get_absolute_url())


# --- output: ideas -----------------------------------------------------------------------


def _shows_hidden(context) -> bool:
    """Moderators read hidden content; everyone else sees its place and the reason."""
    return bool(context.get("show_hidden"))


class IdeaListSerializer(serializers.ModelSerializer):
    """An idea in a list. ``context["voted"]`` holds the ids the reader supports (one query for
    the page). A hidden idea keeps its place: its title and text are withheld, the reason shown."""

    url = serializers.SerializerMethodField(help_text="The idea's page.")
    title = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField(help_text="The beginning of the text.")
    topic = serializers.ChoiceField(choices=Topic.choices, read_only=True)
    status = serializers.ChoiceField(choices=IdeaStatus.choices, read_only=True)
    district = DistrictRefSerializer(read_only=True, allow_null=True)
    call = CallRefSerializer(read_only=True, allow_null=True)
    agency = OrganizationRefSerializer(read_only=True, allow_null=True, help_text="The agency that answers.")
    author = PersonNameSerializer(read_only=True)
    votes = serializers.IntegerField(source="vote_count", read_only=True)
    comments = serializers.IntegerField(source="comment_count", read_only=True)
    voted = serializers.SerializerMethodField(help_text="The signed-in reader supports it.")
    progress = serializers.IntegerField(read_only=True, help_text="Implementation progress, %.")
    is_hidden = serializers.BooleanField(read_only=True)
    is_overdue = serializers.SerializerMethodField(help_text="Not answered by its due date.")

    class Meta:
        model = Idea
        fields = [
            "id",
            "url",
            "title",
            "summary",
            "topic",
            "status",
            "district",
            "call",
            "agency",
            "author",
            "votes",
            "comments",
            "voted",
            "progress",
            "published_at",
            "answer_due_at",
            "is_overdue",
            "last_answered_at",
            "is_hidden",
            "hidden_reason",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, idea) -> str:
        return _absolute(self.context, idea.get_absolute_url())

    def _withheld(self, idea) -> bool:
        return idea.is_hidden and not _shows_hidden(self.context)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_title(self, idea) -> str | None:
        return None if self._withheld(idea) else idea.title

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_summary(self, idea) -> str | None:
        if self._withheld(idea):
            return None
        return idea.text if len(idea.text) <= 300 else idea.text[:299].rstrip() + "…"

    def get_voted(self, idea) -> bool:
        return idea.pk in self.context.get("voted", ())

    def get_is_overdue(self, idea) -> bool:
        now = self.context.get("now") or timezone.now()
        return idea.first_answered_at is None and idea.answer_due_at is not None and idea.answer_due_at < now


class IdeaFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = IdeaFile
        fields = ["id", "title", "url", "is_image"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, idea_file) -> str:
        path = reverse("participation:idea-file", kwargs={"pk": idea_file.idea_id, "file_pk": idea_file.pk})
        return _absolute(self.context, path)


class StatusChangeSerializer(serializers.ModelSerializer):
    """One official answer: the status it set and the agency's public message."""

    from_status = serializers.ChoiceField(choices=IdeaStatus.choices, read_only=True)
    to_status = serializers.ChoiceField(choices=IdeaStatus.choices, read_only=True)
    agency = OrganizationRefSerializer(read_only=True, allow_null=True)
    reason = serializers.CharField(read_only=True, help_text="Why, for a rejection.")

    class Meta:
        model = StatusChange
        fields = ["from_status", "to_status", "message", "reason", "agency", "created_at"]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "title", "due_on", "done_on"]


class CommentSerializer(serializers.ModelSerializer):
    """A comment in thread order (``depth`` from 0). A hidden one keeps its place: only the
    notice and the reason, unless the reader moderates (``context["show_hidden"]``)."""

    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    depth = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    is_hidden = serializers.BooleanField(read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "parent", "depth", "author", "text", "created_at", "edited_at", "is_hidden", "hidden_reason"]

    def _withheld(self, comment) -> bool:
        return comment.is_hidden and not _shows_hidden(self.context)

    def get_depth(self, comment) -> int:
        return getattr(comment, "depth", 0)

    @extend_schema_field(PersonNameSerializer(allow_null=True))
    def get_author(self, comment):
        return None if self._withheld(comment) else PersonNameSerializer(comment.author).data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_text(self, comment) -> str | None:
        return None if self._withheld(comment) else comment.text


class InitiativeLinkSerializer(serializers.Serializer):
    slug = serializers.CharField()
    url = serializers.URLField(help_text="The initiative's page in the innovation funnel.")


class IdeaDetailSerializer(IdeaListSerializer):
    """The whole idea; ``context["parts"]`` holds what the view read through selectors."""

    text = serializers.SerializerMethodField()
    latitude = serializers.DecimalField(max_digits=8, decimal_places=5, read_only=True, allow_null=True)
    longitude = serializers.DecimalField(max_digits=8, decimal_places=5, read_only=True, allow_null=True)
    merged_into = IdeaRefSerializer(read_only=True, allow_null=True, help_text="The surviving idea of a merge.")
    initiative = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField(help_text="Every official answer, oldest first.")
    milestones = serializers.SerializerMethodField()
    comment_thread = serializers.SerializerMethodField()
    answer_choices = serializers.SerializerMethodField(
        help_text="The statuses the reader may answer with now; empty for those who may not answer."
    )

    class Meta(IdeaListSerializer.Meta):
        fields = [
            *IdeaListSerializer.Meta.fields,
            "text",
            "latitude",
            "longitude",
            "first_answered_at",
            "merged_into",
            "initiative",
            "files",
            "timeline",
            "milestones",
            "comment_thread",
            "answer_choices",
            "created_at",
        ]

    def _part(self, name: str):
        return self.context["parts"][name]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_text(self, idea) -> str | None:
        return None if self._withheld(idea) else idea.text

    @extend_schema_field(InitiativeLinkSerializer(allow_null=True))
    def get_initiative(self, idea):
        initiative = self._part("initiative")
        if initiative is None:
            return None
        return {"slug": initiative.slug, "url": _absolute(self.context, initiative.get_absolute_url())}

    @extend_schema_field(IdeaFileSerializer(many=True))
    def get_files(self, idea) -> list:
        files = [] if self._withheld(idea) else self._part("files")
        return IdeaFileSerializer(files, many=True, context=self.context).data

    @extend_schema_field(StatusChangeSerializer(many=True))
    def get_timeline(self, idea) -> list:
        return StatusChangeSerializer(self._part("timeline"), many=True).data

    @extend_schema_field(MilestoneSerializer(many=True))
    def get_milestones(self, idea) -> list:
        return MilestoneSerializer(self._part("milestones"), many=True).data

    @extend_schema_field(CommentSerializer(many=True))
    def get_comment_thread(self, idea) -> list:
        return CommentSerializer(self._part("comments"), many=True, context=self.context).data

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=IdeaStatus.choices)))
    def get_answer_choices(self, idea) -> list:
        return self._part("answer_choices")


class SimilarIdeaSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=IdeaStatus.choices, read_only=True)
    votes = serializers.IntegerField(source="vote_count", read_only=True)

    class Meta:
        model = Idea
        fields = ["id", "title", "status", "votes", "url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, idea) -> str:
        return _absolute(self.context, idea.get_absolute_url())


class VoteResultSerializer(serializers.Serializer):
    votes = serializers.IntegerField(help_text="The idea's votes after this request.")
    voted = serializers.BooleanField(help_text="The signed-in person supports the idea now.")


class OpenReportSerializer(serializers.ModelSerializer):
    reason = serializers.ChoiceField(choices=ReportReason.choices, read_only=True)

    class Meta:
        model = Report
        fields = ["reason", "note", "created_at"]


class ReportSerializer(OpenReportSerializer):
    class Meta(OpenReportSerializer.Meta):
        fields = ["id", *OpenReportSerializer.Meta.fields]


def _open_reports(obj) -> list:
    return OpenReportSerializer(getattr(obj, "open_reports", []), many=True).data


class ModerationIdeaSerializer(serializers.ModelSerializer):
    """An idea waiting for a moderator, content in full, with the reports still open."""

    url = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=IdeaStatus.choices, read_only=True)
    author = PersonNameSerializer(read_only=True)
    call = CallRefSerializer(read_only=True, allow_null=True)
    is_hidden = serializers.BooleanField(read_only=True)
    reports = serializers.IntegerField(source="report_count", read_only=True)
    open_reports = serializers.SerializerMethodField()

    class Meta:
        model = Idea
        fields = [
            "id",
            "url",
            "title",
            "text",
            "status",
            "author",
            "call",
            "created_at",
            "is_hidden",
            "hidden_at",
            "hidden_reason",
            "reports",
            "open_reports",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, idea) -> str:
        return _absolute(self.context, idea.get_absolute_url())

    @extend_schema_field(OpenReportSerializer(many=True))
    def get_open_reports(self, idea) -> list:
        return _open_reports(idea)


class ModerationCommentSerializer(serializers.ModelSerializer):
    idea = IdeaRefSerializer(read_only=True)
    author = PersonNameSerializer(read_only=True)
    is_hidden = serializers.BooleanField(read_only=True)
    reports = serializers.IntegerField(source="report_count", read_only=True)
    open_reports = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "idea",
            "author",
            "text",
            "created_at",
            "is_hidden",
            "hidden_at",
            "hidden_reason",
            "reports",
            "open_reports",
        ]

    @extend_schema_field(OpenReportSerializer(many=True))
    def get_open_reports(self, comment) -> list:
        return _open_reports(comment)


# --- output: accountability, stories, points -------------------------------------------------


class AccountabilityRowSerializer(serializers.Serializer):
    """One ``selectors.AccountabilityRow``; shares are fractions of the ideas received."""

    key = serializers.CharField(help_text="The agency's id, or the category.")
    label = serializers.CharField()
    received = serializers.IntegerField()
    answered = serializers.IntegerField()
    answered_share = serializers.FloatField(allow_null=True)
    median_days = serializers.FloatField(allow_null=True, help_text="From publication to the first official answer.")
    accepted = serializers.IntegerField()
    accepted_share = serializers.FloatField(allow_null=True)
    implemented = serializers.IntegerField()
    implemented_share = serializers.FloatField(allow_null=True)


class StoryTemplateSerializer(serializers.ModelSerializer):
    topic = serializers.ChoiceField(choices=Topic.choices, read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    involved = serializers.ListField(child=serializers.CharField(), read_only=True)
    outcomes = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = StoryTemplate
        fields = ["key", "title", "description", "topic", "tags", "involved", "outcomes"]


class StoryTemplateRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = StoryTemplate
        fields = ["key", "title"]


class StorySerializer(serializers.ModelSerializer):
    """A published story; an anonymous one has no author."""

    template = StoryTemplateRefSerializer(read_only=True)
    author = serializers.SerializerMethodField()
    district = DistrictRefSerializer(read_only=True, allow_null=True)
    experience = serializers.IntegerField(read_only=True, help_text="1 (very bad) to 5 (very good).")
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    involved = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Story
        fields = [
            "id",
            "template",
            "author",
            "district",
            "what_happened",
            "experience",
            "tags",
            "involved",
            "outcome",
            "free_text",
            "anonymous",
            "happened_on",
            "created_at",
        ]

    @extend_schema_field(PersonNameSerializer(allow_null=True))
    def get_author(self, story):
        if story.anonymous or story.author is None:
            return None
        return PersonNameSerializer(story.author).data


class CountSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField()


class ScoreCountSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    count = serializers.IntegerField()


class GroupMeanSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The district's name, or the month as YYYY-MM.")
    count = serializers.IntegerField()
    mean_experience = serializers.FloatField()


class StoryAnalysisSerializer(serializers.Serializer):
    """A ``selectors.StoryAnalysis`` as plain distributions."""

    total = serializers.IntegerField()
    mean_experience = serializers.FloatField(allow_null=True)
    experience = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    involved = serializers.SerializerMethodField()
    outcomes = serializers.SerializerMethodField()
    districts = serializers.SerializerMethodField()
    months = serializers.SerializerMethodField()

    @extend_schema_field(ScoreCountSerializer(many=True))
    def get_experience(self, analysis) -> list:
        return [{"score": score, "count": count} for score, count in analysis.experience]

    @staticmethod
    def _counts(pairs) -> list:
        return [{"value": value, "count": count} for value, count in pairs]

    @extend_schema_field(CountSerializer(many=True))
    def get_tags(self, analysis) -> list:
        return self._counts(analysis.tags)

    @extend_schema_field(CountSerializer(many=True))
    def get_involved(self, analysis) -> list:
        return self._counts(analysis.involved)

    @extend_schema_field(CountSerializer(many=True))
    def get_outcomes(self, analysis) -> list:
        return self._counts(analysis.outcomes)

    @extend_schema_field(GroupMeanSerializer(many=True))
    def get_districts(self, analysis) -> list:
        return [{"name": name, "count": count, "mean_experience": mean} for name, count, mean in analysis.districts]

    @extend_schema_field(GroupMeanSerializer(many=True))
    def get_months(self, analysis) -> list:
        return [
            {"name": month.strftime("%Y-%m"), "count": count, "mean_experience": mean}
            for month, count, mean in analysis.months
        ]


class LeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    person = PersonNameSerializer()
    points = serializers.IntegerField()
    badges = serializers.ListField(child=serializers.CharField())


class PointsEntrySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=PointsKind.choices, read_only=True)
    points = serializers.IntegerField(read_only=True)

    class Meta:
        model = PointsEntry
        fields = ["kind", "points", "created_at"]


class MyPointsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    badges = serializers.ListField(child=serializers.CharField())
    on_leaderboard = serializers.BooleanField(help_text="The person chose to appear on the public leaderboard.")
    recent = PointsEntrySerializer(many=True, help_text="The latest entries, newest first.")


class LeaderboardChoiceResultSerializer(serializers.Serializer):
    on_leaderboard = serializers.BooleanField()


# --- input --------------------------------------------------------------------------------


class IdeaFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=IdeaStatus.choices, required=False)
    topic = serializers.ChoiceField(choices=Topic.choices, required=False)
    district = IdField(required=False, help_text="A district, or an administrative area with all its districts.")
    call = serializers.CharField(required=False, max_length=80, help_text="The call's id or address name.")
    agency = serializers.CharField(required=False, max_length=80, help_text="The agency's id or address name.")
    q = serializers.CharField(required=False, max_length=200, help_text="Words in the title or text, any word form.")
    sort = serializers.ChoiceField(
        choices=[(value, value) for value in Sort.CHOICES],
        required=False,
        default=Sort.NEWEST,
        help_text="newest; supported: most votes; trending: recent support counts more (last 90 days); "
        "answered: the latest official answer first (answered ideas only).",
    )


class SimilarQuerySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, allow_blank=True, help_text="What the author has typed so far.")
    exclude = IdField(required=False, help_text="An idea to leave out (the one being edited).")


class IdeaSubmitSerializer(StrictInput):
    """JSON, or multipart/form-data when files are attached."""

    title = serializers.CharField(max_length=200)
    text = serializers.CharField(max_length=10_000)
    topic = serializers.ChoiceField(choices=Topic.choices)
    district = IdRelatedField(queryset=District.objects.all(), required=False, allow_null=True)
    call = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Call.objects.all(),
        required=False,
        allow_null=True,
        help_text="The address name of the open call the idea answers.",
    )
    latitude = serializers.DecimalField(
        max_digits=8, decimal_places=5, min_value=-90, max_value=90, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=8, decimal_places=5, min_value=-180, max_value=180, required=False, allow_null=True
    )
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=20,
        help_text="Images or PDF; multipart only.",
    )


class CommentInputSerializer(StrictInput):
    text = serializers.CharField(max_length=3000, allow_blank=True)
    parent = IdField(required=False, allow_null=True, help_text="The comment this one replies to.")


class CommentEditSerializer(StrictInput):
    text = serializers.CharField(max_length=3000, allow_blank=True)


class ReportInputSerializer(StrictInput):
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    note = serializers.CharField(max_length=500, allow_blank=True, default="")


class IdeaAnswerInputSerializer(StrictInput):
    to_status = serializers.ChoiceField(choices=IdeaStatus.choices)
    message = serializers.CharField(allow_blank=True, help_text="Published to residents with the new status.")
    reason = serializers.CharField(allow_blank=True, default="", help_text="Required for a rejection.")
    merged_into = IdField(required=False, allow_null=True, help_text="For a merge: the surviving idea's id.")


class ProgressInputSerializer(StrictInput):
    progress = WholeNumberField(min_value=0, max_value=100, help_text="Implementation progress, %.")


class MilestoneInputSerializer(StrictInput):
    title = serializers.CharField(max_length=200)
    due_on = serializers.DateField(required=False, allow_null=True)


class MilestoneDoneSerializer(StrictInput):
    done_on = serializers.DateField(required=False, allow_null=True, help_text="Today when empty.")


def agency_field(**kwargs) -> IdRelatedField:
    return IdRelatedField(queryset=Organization.objects.all(), help_text="The agency's id.", **kwargs)


class AssignInputSerializer(StrictInput):
    agency = agency_field()


class HideInputSerializer(StrictInput):
    reason = serializers.CharField(max_length=300, allow_blank=True, help_text="Shown in place of the content.")


class CallUpdateSerializer(StrictInput):
    title = serializers.CharField(max_length=200, required=False)
    question = serializers.CharField(required=False)
    topic = serializers.ChoiceField(choices=Topic.choices, required=False)
    district = IdRelatedField(queryset=District.objects.all(), required=False, allow_null=True)
    opens_at = serializers.DateTimeField(required=False)
    closes_at = serializers.DateTimeField(required=False)
    moderation = serializers.ChoiceField(choices=Moderation.choices, required=False)
    support_threshold = WholeNumberField(
        min_value=1, max_value=10_000_000, required=False, allow_null=True, help_text="Empty: no threshold."
    )


class CallCreateSerializer(CallUpdateSerializer):
    agency = agency_field()
    title = serializers.CharField(max_length=200)
    question = serializers.CharField()
    topic = serializers.ChoiceField(choices=Topic.choices)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()


class AccountabilityQuerySerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=[("agency", "agency"), ("topic", "topic")], default="agency")


class StoryFilterSerializer(serializers.Serializer):
    template = serializers.CharField(required=False, max_length=50, help_text="The template's key.")
    district = IdField(required=False, help_text="A district, or an administrative area with all its districts.")
    date_from = serializers.DateField(required=False, help_text="Stories shared on or after this day.")
    date_to = serializers.DateField(required=False, help_text="Stories shared on or before this day.")


class StoryInputSerializer(StrictInput):
    template = serializers.SlugRelatedField(
        slug_field="key", queryset=StoryTemplate.objects.all(), help_text="The template's key."
    )
    what_happened = serializers.CharField(max_length=5000)
    experience = WholeNumberField(min_value=1, max_value=5, help_text="1 (very bad) to 5 (very good).")
    outcome = serializers.CharField(max_length=100, help_text="One of the template's outcomes.")
    consent = serializers.BooleanField(help_text="Consent to publication and analysis; required.")
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=50)
    involved = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=50)
    free_text = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    anonymous = serializers.BooleanField(required=False, default=True, help_text="Publish without my name.")
    district = IdRelatedField(queryset=District.objects.all(), required=False, allow_null=True)
    happened_on = serializers.DateField(required=False, allow_null=True)


class LeaderboardChoiceSerializer(StrictInput):
    show = serializers.BooleanField(help_text="Appear on the public leaderboard.")
