"""Submission attachments are confidential: stored under unguessable names, outside public media."""

import pytest

from govtech.challenges import services
from tests.challenges.factories import ChallengeFactory
from tests.challenges.helpers import pdf, sections

pytestmark = pytest.mark.django_db


def test_attachments_get_random_private_names(people, supplier, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    phase = ChallengeFactory().phases.get()
    submission = services.submission_submit(
        actor=people["supplier_member"],
        phase=phase,
        supplier=supplier,
        attachments=[pdf("our-secret-plan.pdf"), pdf("our-secret-plan.pdf")],
        **sections(),
    )
    names = [attachment.file.name for attachment in submission.attachments.all()]
    assert all(name.startswith("private/challenges/attachment/") and name.endswith(".pdf") for name in names)
    assert not any("secret" in name for name in names)
    assert len(set(names)) == 2
    assert [attachment.title for attachment in submission.attachments.all()] == ["our-secret-plan.pdf"] * 2
