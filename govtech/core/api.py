"""The audit log through the API: operators read it; nobody writes it here."""

from rest_framework import generics, permissions, serializers
from rest_framework.exceptions import PermissionDenied

from govtech.core.models import AuditEvent
from govtech.core.selectors import audit_event_list


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "sequence",
            "occurred_at",
            "actor_id",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "prev_hash",
            "hash",
        ]


class AuditEventListView(generics.ListAPIView):
    """Filter with ``action``, ``object_type`` and ``object_id``."""

    serializer_class = AuditEventSerializer
    queryset = AuditEvent.objects.none()  # for the schema; get_queryset() answers requests
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["action", "object_type", "object_id"]
    ordering_fields = ["sequence", "occurred_at"]

    def get_queryset(self):
        if not self.request.user.has_perm("core.view_auditevent"):
            raise PermissionDenied
        return audit_event_list()
