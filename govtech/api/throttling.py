"""Throttles whose rates come from settings at request time, so they can be configured
per deployment (GOVTECH_API_ANON_RATE, GOVTECH_API_USER_RATE)."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class AnonymousThrottle(AnonRateThrottle):
    def get_rate(self):
        return settings.GOVTECH_API_ANON_RATE


class UserThrottle(UserRateThrottle):
    def get_rate(self):
        return settings.GOVTECH_API_USER_RATE
