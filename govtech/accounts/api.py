"""REST API of accounts: thin views that read through selectors/access and write through services."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from govtech.accounts import access, selectors, services
from govtech.accounts.models import (
    HEADCOUNT_MAX,
    Invitation,
    Language,
    Membership,
    MembershipRole,
    Organization,
    OrganizationKind,
    PlatformRole,
    User,
)
from govtech.api.inputs import valid_input


class PublicUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "full_name", "email"]


class MeSerializer(serializers.ModelSerializer):
    platform_roles = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "language", "platform_roles"]
        read_only_fields = ["id", "email"]


class MeInputSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=Language.choices, required=False)


class OrganizationSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Organization
        fields = [
            "slug",
            "kind",
            "name",
            "description",
            "website",
            "inn",
            "ogrn",
            "founded_on",
            "is_sme",
            "headcount",
            "parent",
            "district",
            "is_active",
            "created_at",
            "updated_at",
        ]


class OrganizationInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OrganizationKind.choices)
    name = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    inn = serializers.CharField(required=False, allow_blank=True, max_length=12)
    ogrn = serializers.CharField(required=False, allow_blank=True, max_length=15)
    founded_on = serializers.DateField(required=False, allow_null=True)
    is_sme = serializers.BooleanField(required=False)
    headcount = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=HEADCOUNT_MAX)
    parent = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Organization.objects.filter(kind=OrganizationKind.AGENCY),
        required=False,
        allow_null=True,
    )
    district = serializers.CharField(required=False, allow_blank=True, max_length=120)


class OrganizationUpdateSerializer(OrganizationInputSerializer):
    kind = None
    name = serializers.CharField(max_length=255, required=False)


class MembershipSerializer(serializers.ModelSerializer):
    user = PublicUserSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "created_at"]


class MembershipInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=MembershipRole.choices)


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "created_at", "expires_at", "accepted_at", "revoked_at"]


class InvitationInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=MembershipRole.choices, default=MembershipRole.MEMBER)


class UserSerializer(serializers.ModelSerializer):
    platform_roles = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "language", "platform_roles", "is_active", "date_joined"]


class RoleInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=PlatformRole.choices)
    granted = serializers.BooleanField()


class MeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeInputSerializer, responses=MeSerializer)
    def patch(self, request):
        data = valid_input(MeInputSerializer, request.data)
        user = services.user_update_profile(actor=request.user, user=request.user, **data)
        return Response(MeSerializer(user).data)


class OrganizationListView(generics.ListAPIView):
    """Public directory. Filter with ``kind`` and ``is_sme``; ``search`` looks in name and INN."""

    serializer_class = OrganizationSerializer
    filterset_fields = ["kind", "is_sme"]
    search_fields = ["name", "inn", "ogrn", "district"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return selectors.organization_list()

    @extend_schema(request=OrganizationInputSerializer, responses={201: OrganizationSerializer})
    def post(self, request):
        data = valid_input(OrganizationInputSerializer, request.data)
        organization = services.organization_create(actor=request.user, **data)
        return Response(OrganizationSerializer(organization).data, status=status.HTTP_201_CREATED)


class OrganizationDetailView(APIView):
    @extend_schema(responses=OrganizationSerializer)
    def get(self, request, slug):
        return Response(OrganizationSerializer(access.access_organization(actor=request.user, slug=slug)).data)

    @extend_schema(request=OrganizationUpdateSerializer, responses=OrganizationSerializer)
    def patch(self, request, slug):
        organization = access.access_organization(actor=request.user, slug=slug)
        data = valid_input(OrganizationUpdateSerializer, request.data, partial=True)
        organization = services.organization_update(actor=request.user, organization=organization, **data)
        return Response(OrganizationSerializer(organization).data)


class MembershipListView(generics.ListAPIView):
    """Members of an organization: visible to its members and to operators."""

    serializer_class = MembershipSerializer
    queryset = Membership.objects.none()  # for the schema; get_queryset() answers requests
    filterset_fields = ["role"]

    def get_queryset(self):
        organization = access.access_organization(
            actor=self.request.user, slug=self.kwargs["slug"], perm="accounts.view_organization_members"
        )
        return selectors.membership_list(organization=organization)


class MembershipDetailView(APIView):
    def _membership(self, request, slug, membership_id):
        organization = access.access_organization(actor=request.user, slug=slug)
        return access.access_membership(actor=request.user, organization=organization, membership_id=membership_id)

    @extend_schema(request=MembershipInputSerializer, responses=MembershipSerializer)
    def patch(self, request, slug, membership_id):
        membership = self._membership(request, slug, membership_id)
        data = valid_input(MembershipInputSerializer, request.data)
        membership = services.membership_change_role(actor=request.user, membership=membership, role=data["role"])
        return Response(MembershipSerializer(membership).data)

    @extend_schema(responses={204: None})
    def delete(self, request, slug, membership_id):
        services.membership_remove(actor=request.user, membership=self._membership(request, slug, membership_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationListView(generics.ListAPIView):
    """Invitations of an organization: its administrators and operators only."""

    serializer_class = InvitationSerializer
    queryset = Invitation.objects.none()  # for the schema; get_queryset() answers requests
    filterset_fields = ["role", "email"]

    def _organization(self):
        return access.access_organization(
            actor=self.request.user, slug=self.kwargs["slug"], perm="accounts.invite_member"
        )

    def get_queryset(self):
        return selectors.invitation_list(organization=self._organization())

    @extend_schema(request=InvitationInputSerializer, responses={201: InvitationSerializer})
    def post(self, request, slug):
        organization = access.access_organization(actor=request.user, slug=slug)
        data = valid_input(InvitationInputSerializer, request.data)
        invitation = services.invitation_create(actor=request.user, organization=organization, **data)
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationAcceptView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={201: MembershipSerializer})
    def post(self, request, token):
        invitation = access.access_invitation_by_token(token=token)
        membership = services.invitation_accept(actor=request.user, invitation=invitation)
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


class UserListView(generics.ListAPIView):
    """Everyone's accounts: operators only."""

    serializer_class = UserSerializer
    queryset = User.objects.none()  # for the schema; get_queryset() answers requests
    permission_classes = [permissions.IsAuthenticated]
    search_fields = ["email", "full_name"]
    filterset_fields = ["is_expert", "is_operator", "is_active"]

    def get_queryset(self):
        if not self.request.user.has_perm("accounts.view_user"):
            raise PermissionDenied
        return selectors.user_list()


class UserRoleView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=RoleInputSerializer, responses=UserSerializer)
    def post(self, request, user_id):
        if not request.user.has_perm("accounts.grant_platform_role"):
            raise PermissionDenied
        person = access.access_user(actor=request.user, user_id=user_id)
        data = valid_input(RoleInputSerializer, request.data)
        person = services.platform_role_set(actor=request.user, user=person, **data)
        return Response(UserSerializer(person).data)
