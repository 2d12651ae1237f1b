"""Test settings: the base settings with test defaults; DATABASE_URL picks SQLite or PostgreSQL."""

import os

os.environ.setdefault("DJANGO_ENV", "test")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
os.environ.setdefault("GOVTECH_CACHE", "locmem")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "confirm_email": False}  # noqa: F405
# The demo's tenders come from the shipped samples in tests, whether ../shared is there or not.
GOVTECH_OCDS_DEMO_DATA = str(BASE_DIR / "govtech" / "procurement" / "ocds_samples")  # noqa: F405
