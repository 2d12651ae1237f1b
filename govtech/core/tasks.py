"""The task decorator: Django's own from 6.0, the django-tasks backport before it."""

try:
    from django.tasks import task
except ImportError:
    from django_tasks import task

__all__ = ["task"]
