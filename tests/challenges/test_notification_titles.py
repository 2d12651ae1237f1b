"""Notification titles are rendered in the reader's language, statuses included."""

from django.utils import translation

from govtech.challenges import notification_kinds as kinds
from govtech.notifications.kinds import render_title


def test_a_decision_reads_in_the_readers_language():
    params = {"challenge": "Парковки", "outcome": "advanced"}
    with translation.override("en"):
        assert render_title(kinds.SUBMISSION_DECIDED.key, params) == "Decision on your submission to Парковки: Advanced"
    with translation.override("ru"):
        assert "Advanced" not in render_title(kinds.SUBMISSION_DECIDED.key, params)


def test_a_review_outcome_reads_in_the_readers_language():
    params = {"challenge": "Парковки", "outcome": "changes_requested"}
    with translation.override("en"):
        assert render_title(kinds.REVIEWED.key, params) == "Парковки: Changes requested"
    with translation.override("ru"):
        assert "Changes requested" not in render_title(kinds.REVIEWED.key, params)
