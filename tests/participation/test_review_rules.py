"""Rules that came out of the review: merging stays within the agency and counts toward the
threshold, and hidden ideas keep their text and files to themselves."""

import pytest
from django.core.files.base import ContentFile

from govtech.participation import selectors, services
from govtech.participation.models import IdeaFile, IdeaStatus, Vote
from tests.factories import UserFactory
from tests.participation.factories import CallFactory, IdeaFactory

pytestmark = pytest.mark.django_db


def test_an_agency_cannot_merge_into_another_agencys_idea(people, agency):
    own = IdeaFactory(agency=agency)
    foreign = IdeaFactory()  # another agency answers it
    with pytest.raises(services.ServiceError) as refused:
        services.idea_answer(
            actor=people["agency_admin"],
            idea=own,
            to_status=IdeaStatus.MERGED,
            message="Объединяем.",
            merged_into=foreign,
        )
    assert refused.value.code == "foreign_idea"
    own.refresh_from_db()
    assert own.status == IdeaStatus.PUBLISHED


def test_votes_merged_in_can_reach_the_threshold(people, agency):
    call = CallFactory(agency=agency, support_threshold=2)
    survivor = IdeaFactory(call=call)
    merged = IdeaFactory(call=call)
    for voter in (UserFactory(), UserFactory()):
        Vote.objects.create(idea=merged, user=voter)
    services.idea_answer(
        actor=people["agency_admin"], idea=merged, to_status=IdeaStatus.MERGED, message="Дубль.", merged_into=survivor
    )
    survivor.refresh_from_db()
    assert (survivor.vote_count, survivor.status) == (2, IdeaStatus.UNDER_REVIEW)


def test_hidden_ideas_are_not_found_by_their_text(people):
    idea = IdeaFactory(title="Электробусы на набережной", text="Секретное слово")
    services.content_hide(actor=people["operator"], target=idea, reason="Персональные данные")
    found = selectors.idea_list(actor=people["resident"], filters=selectors.IdeaFilters(query="секретное"))
    assert list(found) == []
    as_operator = selectors.idea_list(actor=people["operator"], filters=selectors.IdeaFilters(query="секретное"))
    assert list(as_operator) == [idea]


def test_a_hidden_ideas_files_are_hidden_too(client_for, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    idea = IdeaFactory(author=people["resident"])
    attached = IdeaFile.objects.create(
        idea=idea, title="паспорт.png", file=ContentFile(b"png", name="x.png"), is_image=True
    )
    url = f"/ideas/{idea.pk}/files/{attached.pk}/"
    assert client_for("anonymous").get(url).status_code == 200
    services.content_hide(actor=people["operator"], target=idea, reason="Персональные данные")
    assert client_for("anonymous").get(url).status_code == 404
    assert client_for("expert").get(url).status_code == 404
    assert client_for("resident").get(url).status_code == 200  # the author
    assert client_for("operator").get(url).status_code == 200  # a moderator
    assert attached.file.name.startswith("private/ideas/")


def test_a_voter_cannot_be_deleted_from_under_the_counts():
    voter = UserFactory()
    idea = IdeaFactory()
    services.vote_add(actor=voter, idea=idea)
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        voter.delete()
