"""Small output shapes every module's API shares."""

from rest_framework import serializers

from govtech.accounts.models import Organization, User


class OrganizationRefSerializer(serializers.ModelSerializer):
    """An organization named inside another object: enough to show it and link to it."""

    class Meta:
        model = Organization
        fields = ["id", "slug", "name"]


class PersonNameSerializer(serializers.ModelSerializer):
    """Only the name: e-mail addresses are never part of public objects."""

    class Meta:
        model = User
        fields = ["id", "full_name"]
