"""The results CSV: a byte order mark for spreadsheets, a translated header with one column per
criterion, one row per decided submission of each phase whose results are published, and
text that a spreadsheet cannot run as a formula."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from govtech.challenges import services
from govtech.challenges.exports import results_csv_response, results_csv_rows
from govtech.challenges.models import ChallengeStatus, SubmissionStatus
from tests.challenges.factories import ChallengeFactory, SubmissionFactory
from tests.challenges.helpers import decidable_challenge, evaluated
from tests.factories import SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db


def parse(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 byte order mark to read Cyrillic"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
def published_results(people, agency, supplier):
    """One phase, results published: ours advanced (mean 76), the rival not (66); a withdrawn
    submission is no result at all."""
    rival = SupplierFactory(name="ООО «Соперник»")
    challenge, phase, (ours, theirs) = decidable_challenge(
        agency,
        [supplier, rival],
        slug="parking",
        criteria=[{"name": "Решение", "weight": 60}, {"name": "Команда", "weight": 40}],
    )
    SubmissionFactory(phase=phase, status=SubmissionStatus.WITHDRAWN, title="Отозванная заявка")
    owner = people["agency_admin"]
    services.submission_decide(actor=owner, submission=ours, advance=True, rationale="Лучшая оценка панели")
    services.phase_publish_results(actor=owner, phase=phase)
    theirs.refresh_from_db()
    return challenge, phase, ours, theirs


def test_the_header_names_every_column_and_each_criterion_in_english(published_results):
    challenge, *_ = published_results
    with translation.override("en"):
        header = results_csv_rows(challenge)[0]
    assert header == [
        "Phase number",
        "Phase",
        "Supplier",
        "Submission",
        "Status",
        "Rank",
        "Mean score, points of 100",
        "Решение: mean, 0–10",
        "Команда: mean, 0–10",
        "Rationale of the decision",
    ]


def test_the_header_follows_the_active_language(published_results):
    challenge, *_ = published_results
    with translation.override("ru"):
        header = results_csv_rows(challenge)[0]
    assert header[2] == "Поставщик"
    assert len(header) == 10


def test_one_row_per_decided_submission_by_rank(published_results):
    challenge, phase, ours, theirs = published_results
    with translation.override("en"):
        rows = results_csv_rows(challenge)[1:]
    assert rows == [
        [
            "1",
            phase.name,
            ours.supplier.name,
            ours.title,
            "Advanced",
            "1",
            "76.00",  # 60*8/10 + 40*7/10
            "8.00",
            "7.00",
            "Лучшая оценка панели",
        ],
        # Who did not advance keeps rank and scores, not the name, title or reasons.
        ["1", phase.name, "", "", "Not advanced", "2", "66.00", "7.00", "6.00", ""],
    ]
    assert theirs.decision_rationale  # recorded when the results were published


def test_only_phases_with_published_results_are_written(people, agency, supplier):
    now = timezone.now()
    challenge = ChallengeFactory(
        owner=agency,
        status=ChallengeStatus.EVALUATION,
        phases=[
            {"opens_at": now - timedelta(days=30), "closes_at": now - timedelta(days=20)},
            {"opens_at": now - timedelta(days=15), "closes_at": now - timedelta(days=1)},
        ],
    )
    first, second = challenge.phases.order_by("number")
    experts = [UserFactory(is_expert=True), UserFactory(is_expert=True)]
    published = evaluated(first, supplier, experts=experts, values=[[9, 9], [9, 9]], status=SubmissionStatus.ADVANCED)
    first.results_published_at = now - timedelta(days=18)
    first.save()
    # Decided but not published yet: not part of the results.
    evaluated(second, supplier, experts=experts, values=[[5, 5], [5, 5]], status=SubmissionStatus.ADVANCED)

    rows = results_csv_rows(challenge)[1:]
    assert [(row[0], row[3], row[6]) for row in rows] == [("1", published.title, "90.00")]


def test_no_published_results_is_a_header_only(agency):
    challenge = ChallengeFactory(owner=agency)
    assert len(results_csv_rows(challenge)) == 1


def test_a_cell_a_spreadsheet_would_run_is_kept_as_text(people, agency):
    suppliers = [SupplierFactory(name='=HYPERLINK("http://evil.test","Нажми")'), SupplierFactory(name="@SUM(A1)")]
    challenge, phase, (first, second) = decidable_challenge(agency, suppliers, advance_cap=2)
    owner = people["agency_admin"]
    services.submission_decide(actor=owner, submission=first, advance=True, rationale="-1 балл за сроки")
    services.submission_decide(actor=owner, submission=second, advance=True, rationale="Тоже подходит")
    services.phase_publish_results(actor=owner, phase=phase)
    rows = results_csv_rows(challenge)[1:]
    assert rows[0][2] == '\'=HYPERLINK("http://evil.test","Нажми")'
    assert rows[0][-1] == "'-1 балл за сроки"
    assert rows[1][2] == "'@SUM(A1)"


def test_the_response_is_a_utf8_csv_download(published_results):
    challenge, _phase, ours, _theirs = published_results
    with translation.override("en"):
        response = results_csv_response(challenge)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="parking-results.csv"'
    rows = parse(response.content)
    assert rows[0][0] == "Phase number"
    assert [row[2] for row in rows[1:]] == [ours.supplier.name, ""]


@pytest.mark.parametrize("accept", ["text/csv", "application/json", "*/*", ""])
def test_the_api_serves_the_csv_to_anyone_in_their_language(api_client_for, published_results, accept):
    _challenge, _phase, ours, _theirs = published_results
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if accept:
        headers["HTTP_ACCEPT"] = accept
    response = api_client_for("anonymous").get("/api/v1/challenges/parking/results.csv", **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = parse(response.content)
    assert (rows[0][0], rows[0][4]) == ("Phase number", "Status")
    assert rows[1][:6] == ["1", ours.phase.name, ours.supplier.name, ours.title, "Advanced", "1"]


def test_the_api_csv_of_a_hidden_or_missing_challenge_is_a_json_404(api_client_for, agency):
    ChallengeFactory(owner=agency, slug="draft", status=ChallengeStatus.DRAFT, published_at=None)
    for slug in ["draft", "missing"]:
        response = api_client_for("supplier_admin").get(
            f"/api/v1/challenges/{slug}/results.csv", HTTP_ACCEPT="text/csv"
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
