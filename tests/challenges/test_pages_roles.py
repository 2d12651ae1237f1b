"""Who may open which challenge page: the role matrix. Anything hidden is "not found" (404);
a page someone may see but not use answers 403; anonymous people are sent to sign in."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from govtech.accounts.models import User
from govtech.challenges.models import (
    Attachment,
    ChallengeStatus,
    Declaration,
    Receipt,
    ReviewCycle,
    Score,
    Submission,
    SubmissionStatus,
)
from tests.challenges.factories import AssignmentFactory, ChallengeFactory, SubmissionFactory
from tests.factories import MembershipFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "supplier_member", "supplier_admin", "agency_admin", "expert", "operator"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def client_for(people):
    """As in tests/conftest.py, reading the pages in English (the source language)."""
    User.objects.filter(pk__in=[person.pk for person in people.values() if person]).update(language="en")

    def make(role: str) -> Client:
        web = Client(HTTP_ACCEPT_LANGUAGE="en")
        if people[role] is not None:
            web.force_login(people[role])
        return web

    return make


def _status(client_for, role: str, url: str) -> int:
    return client_for(role).get(url).status_code


def _matrix(client_for, url: str, expected: dict) -> None:
    """``expected``: role → status; every role of ROLES must be named."""
    assert set(expected) == set(ROLES)
    got = {role: _status(client_for, role, url) for role in ROLES}
    assert got == expected


def _closed_phase(**overrides) -> dict:
    now = timezone.now()
    return {"opens_at": now - timedelta(days=20), "closes_at": now - timedelta(days=1), **overrides}


# --- public and hidden challenges ----------------------------------------------------


def test_the_list_and_a_published_challenge_are_public(client_for, agency):
    challenge = ChallengeFactory(owner=agency)
    everyone = dict.fromkeys(ROLES, 200)
    _matrix(client_for, "/challenges/", everyone)
    _matrix(client_for, challenge.get_absolute_url(), everyone)


@pytest.mark.parametrize(
    "status", [ChallengeStatus.DRAFT, ChallengeStatus.IN_REVIEW, ChallengeStatus.CHANGES_REQUESTED]
)
def test_an_unpublished_challenge_is_seen_only_by_its_agency_and_the_operators(client_for, agency, status):
    challenge = ChallengeFactory(owner=agency, status=status, published_at=None, title="Секретный черновик задачи")
    expected = dict.fromkeys(ROLES, 404) | {"agency_admin": 200, "operator": 200}
    _matrix(client_for, challenge.get_absolute_url(), expected)
    # Nor does it leak through the list or its documents and results.
    assert "Секретный черновик задачи" not in client_for("anonymous").get("/challenges/").content.decode()
    assert _status(client_for, "anonymous", f"{challenge.get_absolute_url()}results.csv") == 404


def test_another_agency_cannot_see_a_draft(client_for, people):
    challenge = ChallengeFactory(status=ChallengeStatus.DRAFT, published_at=None)  # owned by another agency
    assert _status(client_for, "agency_admin", challenge.get_absolute_url()) == 404
    assert _status(client_for, "agency_admin", f"{challenge.get_absolute_url()}edit/") == 404


# --- the owner's pages ---------------------------------------------------------------


EDIT_PAGES = ["edit/", "edit/phases/", "edit/criteria/", "edit/indicators/", "edit/documents/"]


@pytest.mark.parametrize("page", EDIT_PAGES)
def test_edit_pages_of_a_draft_are_for_its_agency_and_the_operators(client_for, agency, page):
    challenge = ChallengeFactory(owner=agency, status=ChallengeStatus.DRAFT, published_at=None)
    url = challenge.get_absolute_url() + page
    expected = dict.fromkeys(ROLES, 404) | {"anonymous": 302, "agency_admin": 200, "operator": 200}
    _matrix(client_for, url, expected)


@pytest.mark.parametrize("page", EDIT_PAGES)
def test_edit_pages_of_a_published_challenge_are_refused_to_outsiders(client_for, agency, page):
    challenge = ChallengeFactory(owner=agency)
    url = challenge.get_absolute_url() + page
    expected = dict.fromkeys(ROLES, 403) | {"anonymous": 302, "agency_admin": 200, "operator": 200}
    _matrix(client_for, url, expected)


def test_new_challenge_is_for_agency_staff_and_operators(client_for):
    expected = dict.fromkeys(ROLES, 403) | {"anonymous": 302, "agency_admin": 200, "operator": 200}
    _matrix(client_for, "/challenges/new/", expected)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("/challenges/mine/", {"agency_admin"}),
        ("/challenges/submissions/", {"supplier_member", "supplier_admin"}),
        ("/challenges/review/", {"operator"}),
        ("/challenges/evaluations/", {"expert"}),
    ],
)
def test_personal_lists_are_for_their_role(client_for, url, allowed):
    expected = {role: 200 if role in allowed else 403 for role in ROLES} | {"anonymous": 302}
    _matrix(client_for, url, expected)


def test_the_panel_page_is_for_the_owner_and_the_operators(client_for, agency):
    challenge = ChallengeFactory(owner=agency)
    url = f"{challenge.get_absolute_url()}phases/1/evaluation/"
    expected = dict.fromkeys(ROLES, 403) | {"anonymous": 302, "agency_admin": 200, "operator": 200}
    _matrix(client_for, url, expected)
    assert _status(client_for, "operator", f"{challenge.get_absolute_url()}phases/9/evaluation/") == 404


def test_the_submission_form_is_for_supplier_staff(client_for, agency):
    challenge = ChallengeFactory(owner=agency)
    url = f"{challenge.get_absolute_url()}phases/1/submit/"
    expected = dict.fromkeys(ROLES, 403) | {"anonymous": 302, "supplier_member": 200, "supplier_admin": 200}
    _matrix(client_for, url, expected)


def test_a_supplier_cannot_act_for_an_organization_it_does_not_belong_to(client_for, agency):
    challenge = ChallengeFactory(owner=agency)
    stranger = SupplierFactory()
    url = f"{challenge.get_absolute_url()}phases/1/submit/?supplier={stranger.slug}"
    assert _status(client_for, "supplier_member", url) == 403


# --- submissions ------------------------------------------------------------------------


def test_a_submission_is_read_by_its_supplier_the_operators_and_after_the_deadline_the_owner(
    client_for, agency, supplier
):
    challenge = ChallengeFactory(owner=agency)
    submission = SubmissionFactory(phase=challenge.phases.get(), supplier=supplier)
    url = submission.get_absolute_url()
    expected = dict.fromkeys(ROLES, 404) | {"supplier_member": 200, "supplier_admin": 200, "operator": 200}
    _matrix(client_for, url, expected)
    ReviewCycle.objects.filter(pk=submission.cycle_id).update(ends_at=timezone.now() - timedelta(minutes=1))
    assert _status(client_for, "agency_admin", url) == 200


def test_a_supplier_cannot_open_another_suppliers_submission_or_its_files(client_for, agency, supplier):
    challenge = ChallengeFactory(owner=agency)
    rival = SubmissionFactory(phase=challenge.phases.get(), supplier=SupplierFactory())
    attachment = Attachment.objects.create(
        submission=rival, title="plan.pdf", file=SimpleUploadedFile("plan.pdf", PDF), sha256="0" * 64
    )
    client = client_for("supplier_member")
    assert client.get(rival.get_absolute_url()).status_code == 404
    assert client.get(f"{rival.get_absolute_url()}attachments/{attachment.pk}/").status_code == 404
    assert client.post(f"{rival.get_absolute_url()}withdraw/").status_code == 404
    rival.refresh_from_db()
    assert rival.status == SubmissionStatus.SUBMITTED
    # Its own supplier downloads the file through the checked address.
    owner_member = UserFactory()
    MembershipFactory(user=owner_member, organization=rival.supplier)
    own = Client(HTTP_ACCEPT_LANGUAGE="en")
    own.force_login(owner_member)
    response = own.get(f"{rival.get_absolute_url()}attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


# --- experts ---------------------------------------------------------------------------


def test_an_assignment_is_its_experts_only(client_for, agency, people):
    challenge = ChallengeFactory(owner=agency)
    assignment = AssignmentFactory(
        submission=SubmissionFactory(phase=challenge.phases.get()),
        expert=people["expert"],
        conflict=Declaration.UNDECLARED,
    )
    url = f"/challenges/assignments/{assignment.pk}/"
    expected = dict.fromkeys(ROLES, 404) | {"anonymous": 302, "expert": 200}
    _matrix(client_for, url, expected)
    other_expert = Client()
    other_expert.force_login(UserFactory(is_expert=True))
    assert other_expert.get(url).status_code == 404


def test_an_undeclared_expert_sees_only_the_title_and_the_supplier(client_for, agency, people):
    challenge = ChallengeFactory(owner=agency)
    submission = SubmissionFactory(phase=challenge.phases.get(), approach="Секретный подход к задаче")
    assignment = AssignmentFactory(submission=submission, expert=people["expert"], conflict=Declaration.UNDECLARED)
    client = client_for("expert")
    body = client.get(f"/challenges/assignments/{assignment.pk}/").content.decode()
    assert submission.title in body and submission.supplier.name in body
    assert "Секретный подход к задаче" not in body
    assert client.get(submission.get_absolute_url()).status_code == 404


def test_a_recused_expert_gets_404_for_the_assignment_and_the_submission(client_for, agency, people):
    challenge = ChallengeFactory(owner=agency)
    submission = SubmissionFactory(phase=challenge.phases.get())
    assignment = AssignmentFactory(submission=submission, expert=people["expert"], conflict=Declaration.RECUSED)
    client = client_for("expert")
    assert client.get(f"/challenges/assignments/{assignment.pk}/").status_code == 404
    assert client.get(submission.get_absolute_url()).status_code == 404
    assert submission.title not in client.get("/challenges/evaluations/").content.decode()


def _scored(submission, expert, criteria, *, value: int, comment: str):
    assignment = AssignmentFactory(submission=submission, expert=expert, conflict=Declaration.NONE)
    for criterion in criteria:
        Score.objects.create(assignment=assignment, criterion=criterion, value=value, comment=comment)
    assignment.completed_at = timezone.now()
    assignment.save()
    return assignment


def test_an_expert_sees_other_experts_scores_only_after_the_panel_closes(client_for, agency, people):
    challenge = ChallengeFactory(owner=agency, status=ChallengeStatus.EVALUATION, phases=[_closed_phase()])
    criteria = list(challenge.criteria.all())
    submission = SubmissionFactory(phase=challenge.phases.get())
    mine = _scored(submission, people["expert"], criteria, value=7, comment="Мой комментарий эксперта")
    _scored(submission, UserFactory(is_expert=True), criteria, value=3, comment="Чужой комментарий эксперта")
    client = client_for("expert")
    for url in (f"/challenges/assignments/{mine.pk}/", submission.get_absolute_url()):
        body = client.get(url).content.decode()
        assert "Мой комментарий эксперта" in body
        assert "Чужой комментарий эксперта" not in body
    # The owner does not read scores before the panel closes either.
    owner_body = client_for("agency_admin").get(submission.get_absolute_url()).content.decode()
    assert "Чужой комментарий эксперта" not in owner_body

    ReviewCycle.objects.filter(pk=submission.cycle_id).update(panel_closed_at=timezone.now())
    for url in (f"/challenges/assignments/{mine.pk}/", submission.get_absolute_url()):
        assert "Чужой комментарий эксперта" in client.get(url).content.decode()
    assert (
        "Чужой комментарий эксперта" in client_for("agency_admin").get(submission.get_absolute_url()).content.decode()
    )
    # The supplier reads the decision, never the experts' scores.
    assert "Чужой комментарий эксперта" not in _supplier_body(submission)


def _supplier_body(submission) -> str:
    member = UserFactory()
    MembershipFactory(user=member, organization=submission.supplier)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(member)
    response = client.get(submission.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


# --- writes by the wrong people change nothing ----------------------------------------------


@pytest.mark.parametrize("role", ["resident", "supplier_member", "expert"])
def test_outsiders_cannot_publish_cancel_or_decide(client_for, agency, role):
    challenge = ChallengeFactory(owner=agency, status=ChallengeStatus.IN_REVIEW, published_at=timezone.now())
    client = client_for(role)
    base = challenge.get_absolute_url()
    assert client.post(f"{base}actions/publish/").status_code == 403
    assert client.post(f"{base}actions/cancel/", {"reason": "Не нужно"}).status_code == 403
    assert client.post(f"{base}actions/nonsense/").status_code == 404
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.IN_REVIEW
    assert challenge.cancel_reason == ""


def test_the_owner_cannot_publish_its_own_challenge(client_for, agency):
    challenge = ChallengeFactory(owner=agency, status=ChallengeStatus.IN_REVIEW, published_at=None)
    response = client_for("agency_admin").post(f"{challenge.get_absolute_url()}actions/publish/")
    assert response.status_code == 403
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.IN_REVIEW


def test_anonymous_writes_go_to_sign_in(client_for, agency):
    challenge = ChallengeFactory(owner=agency)
    client = client_for("anonymous")
    for url in ["actions/publish/", "questions/", "slots/", "phases/1/submit/"]:
        response = client.post(challenge.get_absolute_url() + url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    assert challenge.questions.count() == 0


# --- withdrawn submissions, the owner's panel page during the window, receipts ----------------


def test_a_withdrawn_submission_is_gone_for_its_expert_and_the_owner(client_for, agency, supplier, people):
    challenge = ChallengeFactory(owner=agency, status=ChallengeStatus.EVALUATION, phases=[_closed_phase()])
    submission = SubmissionFactory(phase=challenge.phases.get(), supplier=supplier, title="Отозванное предложение")
    assignment = AssignmentFactory(submission=submission, expert=people["expert"], conflict=Declaration.NONE)
    url, assignment_url = submission.get_absolute_url(), f"/challenges/assignments/{assignment.pk}/"
    readers = {"supplier_member": 200, "supplier_admin": 200, "operator": 200}
    _matrix(client_for, url, dict.fromkeys(ROLES, 404) | readers | {"expert": 200, "agency_admin": 200})
    assert _status(client_for, "expert", assignment_url) == 200

    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.WITHDRAWN)
    _matrix(client_for, url, dict.fromkeys(ROLES, 404) | readers)
    assert _status(client_for, "expert", assignment_url) == 404
    assert client_for("expert").post(f"{assignment_url}scores/", {"save": "1"}).status_code == 404
    assert "Отозванное предложение" not in client_for("expert").get("/challenges/evaluations/").content.decode()


def test_during_the_window_the_owners_panel_page_names_no_submission(client_for, agency, supplier):
    now = timezone.now()
    # Rolling: the first review cycle ended three days ago, the second is still taking submissions.
    challenge = ChallengeFactory(
        owner=agency,
        phases=[
            {
                "opens_at": now - timedelta(days=10),
                "closes_at": now + timedelta(days=20),
                "mode": "rolling",
                "cycle_days": 7,
            }
        ],
    )
    phase = challenge.phases.get()
    ended = ReviewCycle.objects.create(phase=phase, number=0, starts_at=phase.opens_at, ends_at=now - timedelta(days=3))
    running = ReviewCycle.objects.create(
        phase=phase, number=1, starts_at=ended.ends_at, ends_at=now + timedelta(days=4)
    )
    final = SubmissionFactory(
        phase=phase, cycle=ended, supplier=SupplierFactory(name="ООО «Завершённый цикл»"), title="Предложение готово"
    )
    changing = SubmissionFactory(
        phase=phase, cycle=running, supplier=SupplierFactory(name="ООО «Ещё меняется»"), title="Предложение в работе"
    )
    url = f"{challenge.get_absolute_url()}phases/1/evaluation/"

    owner = client_for("agency_admin").get(url)
    assert owner.status_code == 200
    body = owner.content.decode()
    assert final.title in body and "ООО «Завершённый цикл»" in body  # its deadline has passed
    assert changing.title not in body and "ООО «Ещё меняется»" not in body
    assert [entry.cycle.number for entry in owner.context["cycles"]] == [0]

    operator = client_for("operator").get(url)
    body = operator.content.decode()
    assert changing.title in body and "ООО «Ещё меняется»" in body and final.title in body
    assert [entry.cycle.number for entry in operator.context["cycles"]] == [0, 1]

    ReviewCycle.objects.filter(pk=running.pk).update(ends_at=now - timedelta(seconds=1))
    body = client_for("agency_admin").get(url).content.decode()
    assert changing.title in body and "ООО «Ещё меняется»" in body


def test_receipts_are_shown_to_the_submitting_supplier_and_the_operators_only(client_for, agency, supplier, people):
    challenge = ChallengeFactory(owner=agency, status=ChallengeStatus.EVALUATION, phases=[_closed_phase()])
    submission = SubmissionFactory(phase=challenge.phases.get(), supplier=supplier)
    first = Receipt.objects.create(
        submission=submission, number="CH-TEST-1", issued_at=timezone.now(), content_hash="a" * 64
    )
    second = Receipt.objects.create(
        submission=submission, number="CH-TEST-2", issued_at=timezone.now(), content_hash="b" * 64
    )
    AssignmentFactory(submission=submission, expert=people["expert"], conflict=Declaration.NONE)
    url = submission.get_absolute_url()
    # The owner (the deadline has passed) and the cleared expert read the submission...
    _matrix(
        client_for,
        url,
        dict.fromkeys(ROLES, 404)
        | {"supplier_member": 200, "supplier_admin": 200, "operator": 200, "agency_admin": 200, "expert": 200},
    )
    for role in ROLES:
        response = client_for(role).get(url)
        if response.status_code != 200:
            continue
        body = response.content.decode()
        shown = role in {"supplier_member", "supplier_admin", "operator"}
        # ...but only the supplier's staff and the operators see its receipts.
        for receipt in (first, second):
            assert (receipt.number in body) is shown, (role, receipt.number)
            assert (receipt.content_hash in body) is shown, (role, receipt.number)
