"""REST API of notifications: a person's own inbox, follows and e-mail settings."""

from django.contrib.contenttypes.models import ContentType
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from govtech.api.inputs import valid_input
from govtech.notifications import access, selectors, services
from govtech.notifications.followable import followable_labels, is_followable
from govtech.notifications.models import Follow, Notification


class NotificationSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "url", "params", "is_read", "created_at", "read_at"]


class FollowSerializer(serializers.ModelSerializer):
    object_type = serializers.SerializerMethodField()

    class Meta:
        model = Follow
        fields = ["id", "object_type", "object_id", "created_at"]

    def get_object_type(self, follow) -> str:
        return f"{follow.content_type.app_label}.{follow.content_type.model}"


class FollowInputSerializer(serializers.Serializer):
    object_type = serializers.CharField(help_text="app_label.model, for example accounts.organization")
    object_id = serializers.CharField(max_length=64)


class PreferencesSerializer(serializers.Serializer):
    email = serializers.DictField(child=serializers.BooleanField(), help_text="kind → also send by e-mail")


class NotificationListView(generics.ListAPIView):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema; get_queryset() answers requests
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["kind"]

    def get_queryset(self):
        unread = self.request.query_params.get("unread") in {"1", "true"}
        return selectors.notification_list_for_user(user=self.request.user, unread_only=unread)


class NotificationReadView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request, notification_id):
        notification = access.access_notification(actor=request.user, notification_id=notification_id)
        notification = services.notification_mark_read(actor=request.user, notification=notification)
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=inline_serializer("MarkedCount", {"marked": serializers.IntegerField()}))
    def post(self, request):
        return Response({"marked": services.notification_mark_all_read(actor=request.user)})


def _followable_target(object_type: str, object_id: str):
    if object_type not in followable_labels():
        raise NotFound
    app_label, model = object_type.split(".", 1)
    model_class = ContentType.objects.get_by_natural_key(app_label, model).model_class()
    target = model_class._default_manager.filter(pk=object_id).first() if object_id.isdigit() else None
    if target is None or not is_followable(target):
        raise NotFound
    return target


class FollowListView(generics.ListAPIView):
    serializer_class = FollowSerializer
    queryset = Follow.objects.none()  # for the schema; get_queryset() answers requests
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return selectors.follow_list_for_user(user=self.request.user)

    @extend_schema(request=FollowInputSerializer, responses={201: FollowSerializer})
    def post(self, request):
        data = valid_input(FollowInputSerializer, request.data)
        target = _followable_target(data["object_type"], data["object_id"])
        follow = services.follow_create(actor=request.user, target=target)
        return Response(FollowSerializer(follow).data, status=status.HTTP_201_CREATED)


class FollowDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, follow_id):
        follow = access.access_follow(actor=request.user, follow_id=follow_id)
        target = follow.content_type.get_object_for_this_type(pk=follow.object_id)
        services.follow_delete(actor=request.user, target=target)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PreferencesView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=PreferencesSerializer)
    def get(self, request):
        return Response({"email": selectors.email_preferences(user=request.user)})

    @extend_schema(request=PreferencesSerializer, responses=PreferencesSerializer)
    def put(self, request):
        data = valid_input(PreferencesSerializer, request.data)
        services.preferences_update(actor=request.user, email_by_kind=data["email"])
        return Response({"email": selectors.email_preferences(user=request.user)})
