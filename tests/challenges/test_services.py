"""Every write of govtech.challenges.services: the change, its audit event and its notifications on
success, and nothing at all (no rows, no event, nothing queued) on a refusal.

Windows and deadlines are in test_windows.py, who may call what in test_roles.py, the ranking in
test_aggregation.py, reminders in test_reminders.py and the funnel hook in test_funnel_link.py."""

import hashlib
import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from govtech.accounts.validators import complete_inn, complete_ogrn
from govtech.challenges import notification_kinds as kinds
from govtech.challenges import selectors, services
from govtech.challenges.models import (
    Assignment,
    Challenge,
    ChallengeStatus,
    ConsultationSlot,
    Declaration,
    Phase,
    Receipt,
    Score,
    Submission,
    SubmissionStatus,
)
from govtech.core.errors import Conflict, ServiceError
from govtech.funnel.models import Initiative
from govtech.funnel.states import Stage
from govtech.notifications import services as notifications
from govtech.notifications.models import Notification
from tests.challenges.factories import AssignmentFactory, ChallengeFactory, SubmissionFactory
from tests.challenges.helpers import (
    SECOND,
    T0,
    TINY_PDF,
    AuditWatch,
    at,
    challenges_state,
    close_panel,
    decidable_challenge,
    draft_challenge,
    evaluated,
    hand_in,
    pdf,
    sections,
    supplier_with_member,
)
from tests.factories import MembershipFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def refused(refused_checker):
    return refused_checker(challenges_state)


@pytest.fixture
def challenge(clock, agency):
    """Published, one fixed phase open since yesterday and closing in ten days; criteria 60/40 of 10."""
    return ChallengeFactory(owner=agency)


@pytest.fixture
def phase(challenge):
    return challenge.phases.get()


def _notified(kind, user) -> bool:
    return Notification.objects.filter(kind=kind.key, recipient=user).exists()


CHALLENGE_FIELDS = {
    "summary": "Водители кружат в поисках места.",
    "problem": "До 30% трафика в центре — поиск парковки.",
    "topic": "transport",
    "licence": "open_source",
    "contact_name": "Анна Смирнова",
    "contact_email": "anna@example.test",
}


def _phase_row(opens, closes, **fields) -> dict:
    return {
        "name": "Обоснование",
        "kind": "feasibility",
        "opens_at": opens,
        "closes_at": closes,
        "advance_cap": 2,
        "funding_per_participant": "500000",
        **fields,
    }


# --- the lifecycle -----------------------------------------------------------------------


def test_the_lifecycle_from_draft_to_closed(people, clock, agency, run_worker, django_capture_on_commit_callbacks):
    owner, operator = people["agency_admin"], people["operator"]
    watch = AuditWatch()

    def status() -> str:
        challenge.refresh_from_db()
        return challenge.status

    with django_capture_on_commit_callbacks(execute=True):
        challenge = services.challenge_create(
            actor=owner, owner=agency, title="  Как быстрее находить свободные парковки ", **CHALLENGE_FIELDS
        )
        services.challenge_set_phases(actor=owner, challenge=challenge, phases=[_phase_row(at(1), at(10))])
        services.challenge_set_criteria(
            actor=owner,
            challenge=challenge,
            criteria=[{"name": "Решение", "weight": 70}, {"name": "Команда", "weight": 30, "scale_max": 5}],
        )
        services.challenge_set_indicators(
            actor=owner,
            challenge=challenge,
            indicators=[{"metric": "Время поиска места", "unit": "мин", "baseline": "12,5", "target": "6"}],
        )
        assert (status(), challenge.title, challenge.created_by) == (
            ChallengeStatus.DRAFT,
            "Как быстрее находить свободные парковки",
            owner,
        )
        services.challenge_submit_for_review(actor=owner, challenge=challenge)
        assert status() == ChallengeStatus.IN_REVIEW
        services.challenge_request_changes(actor=operator, challenge=challenge, note="Уточните целевые показатели.")
        assert status() == ChallengeStatus.CHANGES_REQUESTED
        assert challenge.review_note == "Уточните целевые показатели."
        services.challenge_update(actor=owner, challenge=challenge, goals="Сократить время поиска вдвое.")
        services.challenge_submit_for_review(actor=owner, challenge=challenge)
        assert status() == ChallengeStatus.IN_REVIEW
        services.challenge_publish(actor=operator, challenge=challenge)
    assert status() == ChallengeStatus.PUBLISHED
    assert (challenge.published_at, challenge.review_note) == (T0, "")
    assert challenge.indicators.get().baseline == Decimal("12.5")

    clock.move_to(at(10))
    services.challenge_start_evaluation(actor=owner, challenge=challenge)
    assert status() == ChallengeStatus.EVALUATION
    services.phase_publish_results(actor=owner, phase=challenge.phases.get())
    assert status() == ChallengeStatus.DECIDED
    assert challenge.decided_at == at(10)
    services.challenge_close(actor=owner, challenge=challenge)
    assert status() == ChallengeStatus.CLOSED

    assert watch.actions() == [
        "challenge.created",
        "challenge.phases_set",
        "challenge.criteria_set",
        "challenge.indicators_set",
        "challenge.in_review",
        "challenge.changes_requested",
        "challenge.updated",
        "challenge.in_review",
        "challenge.published",
        "challenge.evaluation",
        "phase.results_published",
        "challenge.decided",
        "challenge.closed",
    ]
    run_worker()
    assert Notification.objects.filter(kind=kinds.REVIEW_REQUESTED.key, recipient=operator).count() == 2
    outcomes = Notification.objects.filter(kind=kinds.REVIEWED.key, recipient=owner).order_by("pk")
    assert [n.params["outcome"] for n in outcomes] == [ChallengeStatus.CHANGES_REQUESTED, ChallengeStatus.PUBLISHED]


def test_a_challenge_belongs_to_an_agency(people, supplier, refused):
    with refused(ServiceError, field="owner"):
        services.challenge_create(
            actor=people["operator"], owner=supplier, title="Проблема без агентства", **CHALLENGE_FIELDS
        )


def test_a_challenge_takes_only_its_own_fields(people, agency, refused):
    with refused(ServiceError):
        services.challenge_create(
            actor=people["agency_admin"],
            owner=agency,
            title="Как сократить очереди",
            status="published",
            **CHALLENGE_FIELDS,
        )


@pytest.mark.parametrize(
    ("call", "status"),
    [
        ("challenge_publish", ChallengeStatus.DRAFT),
        ("challenge_publish", ChallengeStatus.CHANGES_REQUESTED),
        ("challenge_publish", ChallengeStatus.PUBLISHED),
        ("challenge_request_changes", ChallengeStatus.DRAFT),
        ("challenge_request_changes", ChallengeStatus.PUBLISHED),
        ("challenge_submit_for_review", ChallengeStatus.IN_REVIEW),
        ("challenge_submit_for_review", ChallengeStatus.PUBLISHED),
        ("challenge_start_evaluation", ChallengeStatus.DRAFT),
        ("challenge_start_evaluation", ChallengeStatus.EVALUATION),
        ("challenge_close", ChallengeStatus.PUBLISHED),
        ("challenge_close", ChallengeStatus.EVALUATION),
        ("challenge_close", ChallengeStatus.CLOSED),
    ],
)
def test_an_illegal_status_move_is_refused(people, clock, agency, refused, call, status):
    # Every phase has closed, so only the status stands in the way.
    challenge = ChallengeFactory(owner=agency, status=status, phases=[{"opens_at": at(-20), "closes_at": at(-1)}])
    extra = {"note": "Исправьте сроки."} if call == "challenge_request_changes" else {}
    with refused(Conflict, code="wrong_status"):
        getattr(services, call)(actor=people["operator"], challenge=challenge, **extra)


def test_changes_are_requested_with_a_note(people, clock, agency, refused):
    challenge = draft_challenge(agency, status=ChallengeStatus.IN_REVIEW)
    with refused(ServiceError, field="note"):
        services.challenge_request_changes(actor=people["operator"], challenge=challenge, note="   ")


@pytest.mark.parametrize(
    "status",
    [
        ChallengeStatus.DRAFT,
        ChallengeStatus.IN_REVIEW,
        ChallengeStatus.CHANGES_REQUESTED,
        ChallengeStatus.PUBLISHED,
        ChallengeStatus.EVALUATION,
    ],
)
def test_a_challenge_is_cancelled_with_a_reason(people, clock, agency, refused, status):
    challenge = ChallengeFactory(owner=agency, status=status)
    with refused(ServiceError, field="reason"):
        services.challenge_cancel(actor=people["agency_admin"], challenge=challenge, reason=" ")
    watch = AuditWatch()
    services.challenge_cancel(actor=people["agency_admin"], challenge=challenge, reason="  Бюджет перенесён. ")
    challenge.refresh_from_db()
    assert (challenge.status, challenge.cancel_reason) == (ChallengeStatus.CANCELLED, "Бюджет перенесён.")
    assert watch.actions() == ["challenge.cancelled"]


@pytest.mark.parametrize("status", [ChallengeStatus.DECIDED, ChallengeStatus.CLOSED, ChallengeStatus.CANCELLED])
def test_a_decided_closed_or_cancelled_challenge_cannot_be_cancelled(people, clock, agency, refused, status):
    challenge = ChallengeFactory(owner=agency, status=status)
    with refused(Conflict, code="wrong_status"):
        services.challenge_cancel(actor=people["operator"], challenge=challenge, reason="Передумали.")


def test_cancelling_a_published_challenge_tells_its_participants(
    people, challenge, phase, supplier, run_worker, django_capture_on_commit_callbacks
):
    SubmissionFactory(phase=phase, supplier=supplier)
    bystander = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.challenge_cancel(actor=people["agency_admin"], challenge=challenge, reason="Бюджет перенесён.")
    run_worker()
    assert _notified(kinds.REVIEWED, people["supplier_member"])
    assert _notified(kinds.REVIEWED, people["supplier_admin"])
    assert not _notified(kinds.REVIEWED, people["agency_admin"])  # the one who cancelled
    assert not _notified(kinds.REVIEWED, bystander)


# --- readiness and editing ---------------------------------------------------------------


def _problems(challenge) -> str:
    with translation.override("en"):
        return " ".join(services.readiness_problems(challenge))


def test_a_complete_draft_has_no_problems(clock, agency):
    assert services.readiness_problems(draft_challenge(agency)) == []


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"phases": []}, "Add at least one phase."),
        ({"criteria": []}, "Add the evaluation criteria."),
        ({"criteria": [{"weight": 60}, {"weight": 30}]}, "add up to 90; they must add up to 100"),
        ({"criteria": [{"weight": 60}, {"weight": 41}]}, "add up to 101; they must add up to 100"),
        ({"phases": [{"opens_at": at(-10), "closes_at": at(-1)}]}, "The first phase has already closed"),
        (
            {"phases": [{"opens_at": at(1), "closes_at": at(10)}, {"opens_at": at(10) - SECOND, "closes_at": at(20)}]},
            "Phase 2 opens before phase 1 closes",
        ),
        ({"questions_close_at": at(10) + SECOND}, "Questions must close no later than the first phase."),
    ],
    ids=["no-phases", "no-criteria", "weights-90", "weights-101", "first-phase-closed", "overlap", "late-questions"],
)
def test_readiness_problems_stop_a_draft_from_going_to_review(people, clock, agency, refused, fields, problem):
    challenge = draft_challenge(agency, **fields)
    assert problem in _problems(challenge)
    with translation.override("en"), refused(ServiceError, code="not_ready") as error:
        services.challenge_submit_for_review(actor=people["agency_admin"], challenge=challenge)
    assert problem in str(error.value.message)


def test_phases_that_touch_do_not_overlap(clock, agency):
    challenge = draft_challenge(
        agency, phases=[{"opens_at": at(1), "closes_at": at(10)}, {"opens_at": at(10), "closes_at": at(20)}]
    )
    assert services.readiness_problems(challenge) == []


def test_the_operator_cannot_publish_what_stopped_being_ready(people, clock, agency, refused):
    challenge = draft_challenge(agency, status=ChallengeStatus.IN_REVIEW)
    clock.move_to(challenge.phases.get().closes_at)  # the review took too long
    with refused(ServiceError, code="not_ready"):
        services.challenge_publish(actor=people["operator"], challenge=challenge)


def test_phases_are_replaced_in_order_and_may_touch(people, clock, agency):
    challenge = draft_challenge(agency)
    watch = AuditWatch()
    phases = services.challenge_set_phases(
        actor=people["agency_admin"],
        challenge=challenge,
        phases=[
            _phase_row(at(1), at(10)),
            _phase_row(at(10), at(30), name="Пилот", kind="pilot", mode="rolling", cycle_days=7),
        ],
    )
    assert [(p.number, p.name, p.kind, p.cycle_days) for p in phases] == [
        (1, "Обоснование", "feasibility", None),
        (2, "Пилот", "pilot", 7),
    ]
    assert Phase.objects.filter(challenge=challenge).count() == 2
    assert watch.actions() == ["challenge.phases_set"]


def test_overlapping_phases_are_refused(people, clock, agency, refused):
    challenge = draft_challenge(agency)
    with refused(ServiceError, code="phases_overlap", field="phases"):
        services.challenge_set_phases(
            actor=people["agency_admin"],
            challenge=challenge,
            phases=[_phase_row(at(1), at(10)), _phase_row(at(10) - SECOND, at(30), name="Пилот")],
        )


@pytest.mark.parametrize(
    "phases",
    [
        [],
        [_phase_row(at(10), at(10))],  # closes when it opens
        [_phase_row(at(1), at(10), mode="rolling")],  # rolling intake without a cycle length
        [_phase_row(at(1), at(10), advance_cap=0)],
        [_phase_row(at(1), at(10), budget="1")],  # not a phase field
        "not a list",
    ],
    ids=["none", "empty-window", "rolling-without-cycle", "cap-0", "unknown-field", "not-a-list"],
)
def test_bad_phases_are_refused(people, clock, agency, refused, phases):
    challenge = draft_challenge(agency)
    with refused(ServiceError):
        services.challenge_set_phases(actor=people["agency_admin"], challenge=challenge, phases=phases)


def _edits(challenge):
    return {
        "challenge_update": lambda actor: services.challenge_update(actor=actor, challenge=challenge, summary="Новое."),
        "challenge_set_phases": lambda actor: services.challenge_set_phases(
            actor=actor, challenge=challenge, phases=[_phase_row(at(1), at(12))]
        ),
        "challenge_set_criteria": lambda actor: services.challenge_set_criteria(
            actor=actor, challenge=challenge, criteria=[{"name": "Одно", "weight": 100}]
        ),
        "challenge_set_indicators": lambda actor: services.challenge_set_indicators(
            actor=actor, challenge=challenge, indicators=[{"metric": "м", "unit": "шт", "baseline": 1, "target": 2}]
        ),
        "document_add": lambda actor: services.document_add(
            actor=actor, challenge=challenge, title="Условия", file=pdf()
        ),
    }


EDITS = [
    "challenge_update",
    "challenge_set_phases",
    "challenge_set_criteria",
    "challenge_set_indicators",
    "document_add",
]


@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.parametrize(
    "status",
    [
        ChallengeStatus.IN_REVIEW,
        ChallengeStatus.PUBLISHED,
        ChallengeStatus.EVALUATION,
        ChallengeStatus.DECIDED,
        ChallengeStatus.CLOSED,
        ChallengeStatus.CANCELLED,
    ],
)
def test_a_challenge_is_fixed_outside_draft_and_changes_requested(people, clock, agency, refused, status, edit):
    challenge = draft_challenge(agency, status=status)
    with refused(Conflict, code="wrong_status"):
        _edits(challenge)[edit](people["agency_admin"])


@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.parametrize("status", [ChallengeStatus.DRAFT, ChallengeStatus.CHANGES_REQUESTED])
def test_a_draft_or_returned_challenge_can_be_edited(people, clock, agency, status, edit):
    challenge = draft_challenge(agency, status=status)
    watch = AuditWatch()
    _edits(challenge)[edit](people["agency_admin"])
    assert len(watch.actions()) == 1


def test_a_document_is_checked_by_its_content(people, clock, agency, refused):
    challenge = draft_challenge(agency)
    fake = SimpleUploadedFile("terms.pdf", b"just text, not a PDF", content_type="application/pdf")
    with refused(ServiceError, field="file"):
        services.document_add(actor=people["agency_admin"], challenge=challenge, title="Условия", file=fake)
    document = services.document_add(actor=people["agency_admin"], challenge=challenge, title="Условия", file=pdf())
    watch = AuditWatch()
    services.document_remove(actor=people["agency_admin"], document=document)
    assert not challenge.documents.exists()
    assert watch.actions() == ["challenge.document_removed"]


# --- submitting ---------------------------------------------------------------------------


def _submit(actor, phase, supplier, **overrides):
    return services.submission_submit(actor=actor, phase=phase, supplier=supplier, **sections(**overrides))


def test_a_submission_is_received_with_a_receipt(
    people, phase, supplier, run_worker, django_capture_on_commit_callbacks
):
    watch = AuditWatch()
    with django_capture_on_commit_callbacks(execute=True):
        submission = _submit(people["supplier_member"], phase, supplier, budget="1 000 000,00")
    submission.refresh_from_db()
    assert (submission.status, submission.submitted_by, submission.submitted_at) == (
        SubmissionStatus.SUBMITTED,
        people["supplier_member"],
        T0,
    )
    assert submission.budget == Decimal("1000000.00")
    assert submission.cycle.number == 0
    receipt = submission.receipts.get()
    assert (receipt.issued_at, receipt.issued_to) == (T0, people["supplier_member"])
    assert receipt.content_hash == services.content_hash(submission)
    assert watch.actions() == ["submission.submitted"]
    run_worker()
    for member in (people["supplier_member"], people["supplier_admin"]):
        notification = Notification.objects.get(kind=kinds.SUBMISSION_RECEIVED.key, recipient=member)
        assert notification.params["receipt"] == receipt.number


def _individual_entrepreneur():
    organization, member = supplier_with_member(inn=complete_inn("5001234567"), ogrn=complete_ogrn("30450010000012"))
    assert len(organization.inn) == 12
    return organization, member


def test_legal_entities_only_refuses_an_individual_entrepreneur(clock, agency, refused):
    challenge = ChallengeFactory(owner=agency, allow_individuals=False)
    phase = challenge.phases.get()
    individual, person = _individual_entrepreneur()
    with translation.override("en"), refused(ServiceError, code="not_eligible") as error:
        _submit(person, phase, individual)
    assert "legal entities only" in str(error.value.message)
    company, member = supplier_with_member()
    assert len(company.inn) == 10
    _submit(member, phase, company)


def test_individuals_only_refuses_a_legal_entity(clock, agency, refused):
    challenge = ChallengeFactory(owner=agency, allow_legal_entities=False)
    phase = challenge.phases.get()
    company, member = supplier_with_member()
    with translation.override("en"), refused(ServiceError, code="not_eligible") as error:
        _submit(member, phase, company)
    assert "individual entrepreneurs only" in str(error.value.message)
    individual, person = _individual_entrepreneur()
    _submit(person, phase, individual)


def test_an_sme_only_challenge_refuses_a_large_company(clock, agency, refused):
    challenge = ChallengeFactory(owner=agency, sme_only=True)
    phase = challenge.phases.get()
    large, member = supplier_with_member(is_sme=False)
    with refused(ServiceError, code="not_eligible"):
        _submit(member, phase, large)
    small, small_member = supplier_with_member(is_sme=True)
    _submit(small_member, phase, small)


def test_the_company_age_limit_refuses_only_companies_older_than_it(clock, agency, refused):
    challenge = ChallengeFactory(owner=agency, max_company_age_years=3)
    phase = challenge.phases.get()
    assert timezone.localdate() == date(2026, 3, 2)
    undated, undated_member = supplier_with_member(founded_on=None)
    with translation.override("en"), refused(ServiceError, code="not_eligible") as error:
        _submit(undated_member, phase, undated)
    assert "founding date" in str(error.value.message)
    older, older_member = supplier_with_member(founded_on=date(2023, 3, 1))  # three years and a day
    with translation.override("en"), refused(ServiceError, code="not_eligible") as error:
        _submit(older_member, phase, older)
    assert "older than 3 years" in str(error.value.message)
    exactly, exactly_member = supplier_with_member(founded_on=date(2023, 3, 2))  # three years old today
    _submit(exactly_member, phase, exactly)
    young, young_member = supplier_with_member(founded_on=date(2025, 3, 2))
    _submit(young_member, phase, young)


def test_a_company_founded_on_29_february_comes_of_age_on_28_february(agency):
    challenge = ChallengeFactory.build(owner=agency, max_company_age_years=1)
    leap = SupplierFactory.build(founded_on=date(2024, 2, 29))
    assert services.eligibility_problems(challenge, leap, today=date(2025, 2, 28)) == []
    assert services.eligibility_problems(challenge, leap, today=date(2025, 3, 1)) != []


def test_a_budget_above_the_phase_funding_is_refused(people, phase, supplier, refused):
    assert phase.funding_per_participant == Decimal("1000000.00")
    with translation.override("en"), refused(ServiceError, code="budget_too_high", field="budget") as error:
        _submit(people["supplier_member"], phase, supplier, budget="1000000.01")
    assert "1 000 000.00 RUB" in str(error.value.message)
    submission = _submit(people["supplier_member"], phase, supplier, budget="1000000")
    assert submission.budget == phase.funding_per_participant


@pytest.mark.parametrize("budget", ["-1", "много", "", None, "NaN", True])
def test_a_budget_must_be_a_sum(people, phase, supplier, refused, budget):
    with refused(ServiceError, field="budget"):
        _submit(people["supplier_member"], phase, supplier, budget=budget)


@pytest.mark.parametrize("section", ["title", "summary", "approach", "team", "plan"])
def test_every_section_is_required(people, phase, supplier, refused, section):
    with refused(ServiceError, field=section):
        _submit(people["supplier_member"], phase, supplier, **{section: "   "})


def test_a_submission_takes_only_its_sections(people, phase, supplier, refused):
    with refused(ServiceError):
        _submit(people["supplier_member"], phase, supplier, status="advanced")


def test_attachments_are_checked_and_hashed_into_the_receipt(people, phase, supplier, refused):
    fake = SimpleUploadedFile("plan.pdf", b"plain text pretending to be a PDF", content_type="application/pdf")
    with refused(ServiceError, field="attachments"):
        _submit(people["supplier_member"], phase, supplier, attachments=[fake])
    script = SimpleUploadedFile("plan.exe", TINY_PDF)
    with refused(ServiceError, field="attachments"):
        _submit(people["supplier_member"], phase, supplier, attachments=[script])

    submission = _submit(people["supplier_member"], phase, supplier, attachments=[pdf("plan.pdf")])
    attachment = submission.attachments.get()
    assert attachment.sha256 == hashlib.sha256(TINY_PDF).hexdigest()
    assert attachment.file.read() == TINY_PDF
    # The receipt's hash covers the sections and each file's own hash, in a fixed form.
    expected = {
        "phase": phase.pk,
        "supplier": supplier.pk,
        **{name: str(getattr(submission, name)) for name in ("title", "summary", "approach", "team", "plan")},
        "budget": str(submission.budget),
        "attachments": [["plan.pdf", hashlib.sha256(TINY_PDF).hexdigest()]],
    }
    digest = hashlib.sha256(json.dumps(expected, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    assert submission.receipts.get().content_hash == digest


def test_an_attachment_above_the_size_limit_is_refused(people, phase, supplier, refused, settings):
    settings.GOVTECH_UPLOAD_MAX_BYTES = len(TINY_PDF) - 1
    with refused(ServiceError, field="attachments"):
        _submit(people["supplier_member"], phase, supplier, attachments=[pdf()])
    settings.GOVTECH_UPLOAD_MAX_BYTES = len(TINY_PDF)
    _submit(people["supplier_member"], phase, supplier, attachments=[pdf()])


def test_a_different_file_gives_a_different_hash(people, phase, supplier):
    first = _submit(people["supplier_member"], phase, supplier, attachments=[pdf()])
    first_hash = first.receipts.get().content_hash
    attachment = first.attachments.get()
    longer = TINY_PDF + b"% one more line\n"
    again = _submit(
        people["supplier_member"],
        phase,
        supplier,
        attachments=[pdf(content=longer)],
        remove_attachments=[attachment.pk],
    )
    assert list(again.attachments.values_list("sha256", flat=True)) == [hashlib.sha256(longer).hexdigest()]
    assert again.receipts.order_by("pk").last().content_hash != first_hash


@pytest.mark.parametrize("ids", [[0], [-1], [2**63], [10**30], ["²"], ["first"], [None], [1, 2**63]], ids=str)
def test_attachment_ids_out_of_range_are_refused_at_the_field(people, phase, supplier, refused, ids):
    submission = _submit(people["supplier_member"], phase, supplier, attachments=[pdf()])
    with refused(ServiceError, field="remove_attachments"):
        _submit(people["supplier_member"], phase, supplier, remove_attachments=ids)
    assert submission.attachments.count() == 1


def test_the_largest_attachment_id_is_in_range_and_removes_nothing_of_anyone_else(people, phase, supplier):
    submission = _submit(people["supplier_member"], phase, supplier, attachments=[pdf()])
    _submit(people["supplier_member"], phase, supplier, remove_attachments=[2**63 - 1])
    assert submission.attachments.count() == 1


def test_one_submission_per_supplier_per_phase_with_a_receipt_for_each_submit(people, clock, phase, supplier):
    watch = AuditWatch()
    first = _submit(people["supplier_member"], phase, supplier)
    clock.move_to(at(1))
    same = _submit(people["supplier_admin"], phase, supplier)
    clock.move_to(at(2))
    changed = _submit(people["supplier_member"], phase, supplier, plan="Два месяца вместо трёх.")
    assert first.pk == same.pk == changed.pk
    assert Submission.objects.filter(phase=phase, supplier=supplier).count() == 1
    changed.refresh_from_db()
    assert (changed.plan, changed.submitted_at) == ("Два месяца вместо трёх.", at(2))
    receipts = list(Receipt.objects.filter(submission=first).order_by("issued_at"))
    assert [r.issued_at for r in receipts] == [T0, at(1), at(2)]
    assert [r.issued_to for r in receipts] == [
        people["supplier_member"],
        people["supplier_admin"],
        people["supplier_member"],
    ]
    assert receipts[0].content_hash == receipts[1].content_hash  # nothing changed
    assert receipts[2].content_hash != receipts[1].content_hash
    assert len({r.number for r in receipts}) == 3
    assert watch.actions() == ["submission.submitted"] * 3


def test_receipt_numbers_are_unique_across_submissions_and_challenges(people, clock, agency, phase, supplier):
    rival, rival_member = supplier_with_member()
    other_phase = ChallengeFactory(owner=agency).phases.get()
    for current in (phase, other_phase):
        _submit(people["supplier_member"], current, supplier)
        _submit(people["supplier_member"], current, supplier, title="Вторая редакция")
        _submit(rival_member, current, rival)
    numbers = list(Receipt.objects.values_list("number", flat=True))
    assert len(numbers) == 6
    assert len(set(numbers)) == 6


def test_a_decided_submission_can_no_longer_change(people, clock, phase, supplier, refused):
    submission = _submit(people["supplier_member"], phase, supplier)
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.ADVANCED)
    with refused(Conflict, code="decided"):
        _submit(people["supplier_member"], phase, supplier, title="Поправка после решения")
    with refused(Conflict, code="wrong_status"):
        services.submission_withdraw(actor=people["supplier_member"], submission=submission)


def test_a_later_phase_is_open_only_to_those_advanced(people, clock, agency, supplier, refused):
    challenge = ChallengeFactory(
        owner=agency,
        phases=[
            {"opens_at": at(-20), "closes_at": at(-10)},
            {"opens_at": at(-1), "closes_at": at(10), "kind": "pilot"},
        ],
    )
    first, second = challenge.phases.order_by("number")
    SubmissionFactory(phase=first, supplier=supplier, status=SubmissionStatus.ADVANCED)
    stopped, stopped_member = supplier_with_member()
    SubmissionFactory(phase=first, supplier=stopped, status=SubmissionStatus.NOT_ADVANCED)
    with refused(ServiceError, code="not_invited"):
        _submit(stopped_member, second, stopped)
    assert _submit(people["supplier_member"], second, supplier).phase == second


# --- questions and answers -------------------------------------------------------------------


def test_a_question_reaches_the_owner_and_its_answer_everyone_taking_part(
    people, challenge, phase, supplier, run_worker, django_capture_on_commit_callbacks
):
    owner = people["agency_admin"]
    _asker_org, asker = supplier_with_member()
    booker_org, booker = supplier_with_member()
    ConsultationSlot.objects.create(
        challenge=challenge, starts_at=at(3), place="Каб. 5", booked_by=booker_org, booked_by_user=booker
    )
    SubmissionFactory(phase=phase, supplier=supplier)
    follower, bystander = UserFactory(), UserFactory()
    notifications.follow_create(actor=follower, target=challenge)
    watch = AuditWatch()
    with django_capture_on_commit_callbacks(execute=True):
        question = services.question_ask(actor=asker, challenge=challenge, text="  Подойдут ли свои датчики?  ")
    assert question.text == "Подойдут ли свои датчики?"
    assert not selectors.answered_questions(challenge).exists()
    assert list(selectors.unanswered_questions(challenge)) == [question]
    run_worker()
    assert _notified(kinds.QUESTION_ASKED, owner)
    assert not _notified(kinds.QUESTION_ASKED, people["supplier_member"])

    with django_capture_on_commit_callbacks(execute=True):
        services.question_answer(actor=owner, question=question, answer="Да, если они сертифицированы.")
    run_worker()
    answered = selectors.answered_questions(challenge).get()
    assert (answered.text, answered.answer, answered.answered_at) == (
        "Подойдут ли свои датчики?",
        "Да, если они сертифицированы.",
        T0,
    )
    # The public Q&A never carries the asker: the column is not even loaded.
    assert {"asked_by_id", "answered_by_id"} <= answered.get_deferred_fields()
    told = set(Notification.objects.filter(kind=kinds.QUESTION_ANSWERED.key).values_list("recipient_id", flat=True))
    assert told == {asker.pk, booker.pk, people["supplier_member"].pk, people["supplier_admin"].pk, follower.pk}
    assert owner.pk not in told and bystander.pk not in told
    assert watch.actions() == ["question.asked", "question.answered"]

    # Correcting the answer publishes the correction without a second round of notifications.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.question_answer(actor=owner, question=question, answer="Да, с сертификатом ЕАЭС.")
    assert callbacks == []
    assert selectors.answered_questions(challenge).get().answer == "Да, с сертификатом ЕАЭС."


def test_a_question_needs_text_and_an_answer_needs_words(people, challenge, refused):
    with refused(ServiceError, field="text"):
        services.question_ask(actor=people["supplier_member"], challenge=challenge, text="Как?")
    question = services.question_ask(actor=people["supplier_member"], challenge=challenge, text="Какой срок поставки?")
    with refused(ServiceError, field="answer"):
        services.question_answer(actor=people["agency_admin"], question=question, answer="  ")


def test_questions_are_not_taken_before_publication(people, clock, agency, refused):
    challenge = draft_challenge(agency)
    with refused(Conflict, code="questions_closed"):
        services.question_ask(actor=people["supplier_member"], challenge=challenge, text="Когда вы опубликуете?")


def test_a_cancelled_challenge_takes_no_answers(people, challenge, refused):
    question = services.question_ask(actor=people["supplier_member"], challenge=challenge, text="Какой срок поставки?")
    Challenge.objects.filter(pk=challenge.pk).update(status=ChallengeStatus.CANCELLED)
    with refused(Conflict, code="wrong_status"):
        services.question_answer(actor=people["agency_admin"], question=question, answer="Уже неважно.")


# --- consultation slots ------------------------------------------------------------------------


def test_a_supplier_books_one_slot_per_challenge_and_may_cancel(people, clock, challenge, supplier, refused):
    owner, member = people["agency_admin"], people["supplier_member"]
    watch = AuditWatch()
    first = services.slot_create(actor=owner, challenge=challenge, starts_at=at(2), place=" Каб. 5 ")
    second = services.slot_create(
        actor=owner, challenge=challenge, starts_at=at(3), place="Онлайн", duration_minutes=60
    )
    assert (first.place, second.duration_minutes) == ("Каб. 5", 60)
    booked = services.slot_book(actor=member, slot=first, supplier=supplier)
    assert (booked.booked_by, booked.booked_by_user, booked.booked_at) == (supplier, member, T0)
    with refused(Conflict, code="slot_held"):
        services.slot_book(actor=people["supplier_admin"], slot=second, supplier=supplier)
    rival, rival_member = supplier_with_member()
    with refused(Conflict, code="slot_booked"):
        services.slot_book(actor=rival_member, slot=first, supplier=rival)
    with refused(Conflict, code="slot_booked"):
        services.slot_delete(actor=owner, slot=first)
    freed = services.slot_cancel_booking(actor=people["supplier_admin"], slot=first)
    assert (freed.booked_by, freed.booked_by_user, freed.booked_at) == (None, None, None)
    with refused(Conflict, code="slot_free"):
        services.slot_cancel_booking(actor=member, slot=first)
    services.slot_book(actor=rival_member, slot=first, supplier=rival)
    services.slot_book(actor=member, slot=second, supplier=supplier)
    assert watch.actions() == [
        "slot.created",
        "slot.created",
        "slot.booked",
        "slot.cancelled",
        "slot.booked",
        "slot.booked",
    ]


def test_slots_are_offered_and_booked_only_in_the_future(people, clock, challenge, supplier, refused):
    owner = people["agency_admin"]
    with refused(ServiceError, field="starts_at"):
        services.slot_create(actor=owner, challenge=challenge, starts_at=T0, place="Каб. 5")
    slot = services.slot_create(actor=owner, challenge=challenge, starts_at=at(2), place="Каб. 5")
    services.slot_book(actor=people["supplier_member"], slot=slot, supplier=supplier)
    clock.move_to(at(2))
    with refused(Conflict, code="slot_past"):
        services.slot_cancel_booking(actor=people["supplier_member"], slot=slot)
    free = ConsultationSlot.objects.create(challenge=challenge, starts_at=at(2) + SECOND, place="Онлайн")
    rival, rival_member = supplier_with_member()
    clock.move_to(at(2) + SECOND)
    with refused(Conflict, code="slot_past"):
        services.slot_book(actor=rival_member, slot=free, supplier=rival)


def test_the_owner_removes_a_free_slot(people, challenge):
    slot = services.slot_create(actor=people["agency_admin"], challenge=challenge, starts_at=at(2), place="Каб. 5")
    watch = AuditWatch()
    services.slot_delete(actor=people["agency_admin"], slot=slot)
    assert not ConsultationSlot.objects.exists()
    assert watch.actions() == ["slot.deleted"]


@pytest.mark.parametrize("status", [ChallengeStatus.DRAFT, ChallengeStatus.EVALUATION, ChallengeStatus.CANCELLED])
def test_slots_are_booked_only_while_the_challenge_is_published(people, clock, agency, supplier, refused, status):
    challenge = ChallengeFactory(owner=agency, status=status)
    slot = ConsultationSlot.objects.create(challenge=challenge, starts_at=at(2), place="Каб. 5")
    with refused(Conflict, code="wrong_status"):
        services.slot_book(actor=people["supplier_member"], slot=slot, supplier=supplier)


# --- the expert panel ------------------------------------------------------------------------


def _closed_phase(agency, **fields) -> Phase:
    """A published challenge whose one phase closed a minute ago."""
    return ChallengeFactory(
        owner=agency, phases=[{"opens_at": at(-11), "closes_at": at(0, minutes=-1)}], **fields
    ).phases.get()


def _open_load(expert, count: int, **fields) -> None:
    for _ in range(count):
        AssignmentFactory(expert=expert, **fields)


def test_the_panel_gets_the_least_loaded_experts_never_a_member_of_the_supplier(
    people, clock, agency, supplier, run_worker, django_capture_on_commit_callbacks
):
    phase = _closed_phase(agency, min_experts=3)
    ours = SubmissionFactory(phase=phase, supplier=supplier)
    idle = people["expert"]
    recused_only = UserFactory(is_expert=True)  # recused assignments are no load
    _open_load(recused_only, 2, conflict=Declaration.RECUSED)
    half = UserFactory(is_expert=True)
    _open_load(half, 1)
    finished = UserFactory(is_expert=True)  # handed-in work is no load either
    _open_load(finished, 3, completed_at=at(-1))
    busy = UserFactory(is_expert=True)
    _open_load(busy, 2)
    insider = UserFactory(is_expert=True)
    MembershipFactory(user=insider, organization=supplier)
    UserFactory(is_expert=True, is_active=False)
    watch = AuditWatch()

    with django_capture_on_commit_callbacks(execute=True):
        added = services.panel_assign(actor=people["operator"], cycle=ours.cycle)
    assert added == 3
    assert set(ours.assignments.values_list("expert", flat=True)) == {idle.pk, recused_only.pk, finished.pk}
    assert watch.actions() == ["assignment.created"] * 3
    run_worker()
    assert _notified(kinds.EXPERT_ASSIGNED, idle)
    assert not _notified(kinds.EXPERT_ASSIGNED, busy)

    # A second submission: the insider is free to take it (not a member of this supplier) and has
    # nothing to do; the rest come from those with one open evaluation, never the busy one.
    rival, _member = supplier_with_member()
    theirs = SubmissionFactory(phase=phase, supplier=rival)
    assert services.panel_assign(actor=people["operator"], cycle=ours.cycle) == 3
    assigned = set(theirs.assignments.values_list("expert", flat=True))
    assert insider.pk in assigned
    assert assigned - {insider.pk} < {idle.pk, recused_only.pk, finished.pk, half.pk}
    assert busy.pk not in assigned
    assert services.panel_assign(actor=people["operator"], cycle=ours.cycle) == 0  # everyone has enough


def test_a_withdrawn_submission_gets_no_experts(people, clock, agency, supplier):
    phase = _closed_phase(agency)
    SubmissionFactory(phase=phase, supplier=supplier, status=SubmissionStatus.WITHDRAWN)
    UserFactory(is_expert=True)
    cycle = Submission.objects.get().cycle
    assert services.panel_assign(actor=people["operator"], cycle=cycle) == 0
    assert not Assignment.objects.exists()


def test_the_operator_adds_one_expert_by_hand(people, clock, agency, supplier, refused):
    submission = SubmissionFactory(phase=_closed_phase(agency), supplier=supplier)
    operator, expert = people["operator"], people["expert"]
    with refused(ServiceError, field="expert"):
        services.assignment_create(actor=operator, submission=submission, expert=people["resident"])
    insider = UserFactory(is_expert=True)
    MembershipFactory(user=insider, organization=supplier)
    with refused(ServiceError, field="expert"):
        services.assignment_create(actor=operator, submission=submission, expert=insider)
    watch = AuditWatch()
    assignment = services.assignment_create(actor=operator, submission=submission, expert=expert)
    assert (assignment.expert, assignment.assigned_by, assignment.conflict) == (
        expert,
        operator,
        Declaration.UNDECLARED,
    )
    assert watch.actions() == ["assignment.created"]
    with refused(Conflict, code="already_assigned"):
        services.assignment_create(actor=operator, submission=submission, expert=expert)
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.WITHDRAWN)
    with refused(Conflict, code="withdrawn"):
        services.assignment_create(actor=operator, submission=submission, expert=UserFactory(is_expert=True))


def test_a_recused_expert_is_replaced(people, clock, agency, supplier, refused):
    submission = SubmissionFactory(phase=_closed_phase(agency), supplier=supplier)
    first, second = UserFactory(is_expert=True), UserFactory(is_expert=True)
    for expert in (first, second):
        AssignmentFactory(submission=submission, expert=expert, conflict=Declaration.UNDECLARED)
    spare = people["expert"]
    assignment = submission.assignments.get(expert=first)
    with refused(ServiceError, field="note"):
        services.conflict_declare(actor=first, assignment=assignment, has_conflict=True, note=" ")
    watch = AuditWatch()
    declared = services.conflict_declare(actor=first, assignment=assignment, has_conflict=True, note="Бывший сотрудник")
    assert (declared.conflict, declared.conflict_note, declared.declared_at) == (
        Declaration.RECUSED,
        "Бывший сотрудник",
        T0,
    )
    assert set(submission.assignments.exclude(conflict=Declaration.RECUSED).values_list("expert", flat=True)) == {
        second.pk,
        spare.pk,
    }
    assert watch.actions() == ["assignment.declared", "assignment.created"]
    with refused(Conflict, code="already_declared"):
        services.conflict_declare(actor=first, assignment=assignment, has_conflict=False)


def test_when_no_expert_is_left_the_operators_hear_of_it(
    people, clock, agency, supplier, run_worker, django_capture_on_commit_callbacks
):
    submission = SubmissionFactory(phase=_closed_phase(agency), supplier=supplier)
    only = AssignmentFactory(submission=submission, expert=people["expert"], conflict=Declaration.UNDECLARED)
    with django_capture_on_commit_callbacks(execute=True):
        services.conflict_declare(actor=people["expert"], assignment=only, has_conflict=True, note="Мой стартап")
    assert submission.assignments.count() == 1
    run_worker()
    notification = Notification.objects.get(kind=kinds.NO_EXPERT_LEFT.key)
    assert notification.recipient == people["operator"]
    assert notification.params == {"challenge": submission.phase.challenge.title}


def test_declaring_no_conflict_clears_the_expert_to_score(people, clock, agency, supplier):
    submission = SubmissionFactory(phase=_closed_phase(agency), supplier=supplier)
    assignment = AssignmentFactory(submission=submission, expert=people["expert"], conflict=Declaration.UNDECLARED)
    watch = AuditWatch()
    services.conflict_declare(actor=people["expert"], assignment=assignment, has_conflict=False)
    assignment.refresh_from_db()
    assert assignment.may_score
    assert submission.assignments.count() == 1  # nobody else is needed
    assert watch.actions() == ["assignment.declared"]


# --- scores -----------------------------------------------------------------------------------


@pytest.fixture
def assignment(people, clock, agency, supplier):
    submission = SubmissionFactory(phase=_closed_phase(agency), supplier=supplier)
    return AssignmentFactory(submission=submission, expert=people["expert"], conflict=Declaration.NONE)


def _criteria(assignment):
    return list(assignment.submission.phase.challenge.criteria.order_by("pk"))


def test_scores_are_saved_and_handed_in(people, assignment):
    expert = people["expert"]
    solution, team = _criteria(assignment)
    watch = AuditWatch()
    services.scores_save(actor=expert, assignment=assignment, scores={solution.pk: (10, " Сильно "), team.pk: 0})
    assignment.refresh_from_db()
    assert assignment.completed_at is None
    services.scores_save(actor=expert, assignment=assignment, scores={str(team.pk): ["3", ""]}, complete=True)
    assignment.refresh_from_db()
    assert assignment.completed_at == T0
    assert list(Score.objects.order_by("criterion_id").values_list("value", "comment")) == [(10, "Сильно"), (3, "")]
    assert watch.actions() == ["assignment.scored", "assignment.scored"]


@pytest.mark.parametrize("value", [-1, 11, "7.5", "семь"])
def test_a_score_lies_within_the_scale(people, assignment, refused, value):
    solution, _team = _criteria(assignment)
    with refused(ServiceError, field="scores"):
        services.scores_save(actor=people["expert"], assignment=assignment, scores={solution.pk: value})


def test_scores_for_unknown_criteria_are_refused(people, assignment, refused):
    other = ChallengeFactory().criteria.first()
    with refused(ServiceError, field="scores"):
        services.scores_save(actor=people["expert"], assignment=assignment, scores={other.pk: 5})
    with refused(ServiceError, field="scores"):
        services.scores_save(actor=people["expert"], assignment=assignment, scores=[5, 5])


@pytest.mark.parametrize(
    "key",
    ["²", "٣", "१", "99999999999999999999999", 2**63, str(2**63), "0", "-1", "1e3", "", None],
    ids=[
        "superscript-two",
        "arabic-three",
        "devanagari-one",
        "huge",
        "2^63-int",
        "2^63-str",
        "zero",
        "minus",
        "exp",
        "empty",
        "none",
    ],
)
def test_a_criterion_key_that_is_no_plain_id_is_a_service_error(people, assignment, refused, key):
    # Each of these once reached int() or the database unchecked: a 500 instead of a field error.
    with refused(ServiceError, field="scores"):
        services.scores_save(actor=people["expert"], assignment=assignment, scores={key: 5})


def test_a_criterion_key_may_be_an_int_or_its_ascii_digits(people, assignment):
    solution, team = _criteria(assignment)
    services.scores_save(actor=people["expert"], assignment=assignment, scores={solution.pk: 4, str(team.pk): 6})
    assert dict(Score.objects.values_list("criterion_id", "value")) == {solution.pk: 4, team.pk: 6}


def test_handing_in_needs_every_criterion_and_saves_nothing_otherwise(people, assignment, refused):
    solution, _team = _criteria(assignment)
    with refused(ServiceError, code="incomplete"):
        services.scores_save(actor=people["expert"], assignment=assignment, scores={solution.pk: 5}, complete=True)


def test_no_scoring_before_declaring_no_conflict(people, assignment, refused):
    solution, team = _criteria(assignment)
    for declaration in (Declaration.UNDECLARED, Declaration.RECUSED):
        Assignment.objects.filter(pk=assignment.pk).update(conflict=declaration)
        with refused(Conflict, code="not_declared"):
            services.scores_save(actor=people["expert"], assignment=assignment, scores={solution.pk: 5, team.pk: 5})


def test_nothing_changes_after_the_panel_closes(people, assignment, refused):
    solution, team = _criteria(assignment)
    services.scores_save(
        actor=people["expert"], assignment=assignment, scores={solution.pk: 5, team.pk: 5}, complete=True
    )
    close_panel(assignment.submission)
    with refused(Conflict, code="panel_closed"):
        services.scores_save(actor=people["expert"], assignment=assignment, scores={solution.pk: 9})
    fresh = AssignmentFactory(submission=assignment.submission, conflict=Declaration.UNDECLARED)
    with refused(Conflict, code="panel_closed"):
        services.conflict_declare(actor=fresh.expert, assignment=fresh, has_conflict=False)
    with refused(Conflict, code="panel_closed"):
        services.panel_assign(actor=people["operator"], cycle=assignment.submission.cycle)
    with refused(Conflict, code="panel_closed"):
        services.assignment_create(
            actor=people["operator"], submission=assignment.submission, expert=UserFactory(is_expert=True)
        )


# --- closing the panel -----------------------------------------------------------------------------


def test_the_panel_closes_once_every_evaluation_is_handed_in(people, clock, agency, supplier, refused):
    phase = _closed_phase(agency)
    experts = [UserFactory(is_expert=True) for _ in range(3)]
    submission = evaluated(phase, supplier, experts=experts[:1], values=[[5, 5]])
    rival, _member = supplier_with_member()
    withdrawn = SubmissionFactory(phase=phase, supplier=rival, status=SubmissionStatus.WITHDRAWN)
    AssignmentFactory(submission=withdrawn, expert=experts[2])  # a withdrawn submission waits for nobody
    AssignmentFactory(submission=submission, expert=experts[2], conflict=Declaration.RECUSED)  # nor a recusal
    with translation.override("en"), refused(Conflict, code="panel_incomplete") as error:
        services.panel_close(actor=people["operator"], cycle=submission.cycle)
    assert "1 of 2 expert evaluations handed in" in str(error.value.message)
    pending = AssignmentFactory(submission=submission, expert=experts[1])
    with refused(Conflict, code="panel_incomplete"):
        services.panel_close(actor=people["operator"], cycle=submission.cycle)
    hand_in(pending, [6, 6])
    watch = AuditWatch()
    cycle = services.panel_close(actor=people["operator"], cycle=submission.cycle)
    assert cycle.panel_closed_at == T0
    assert watch.actions() == ["panel.closed"]
    with refused(Conflict, code="panel_closed"):
        services.panel_close(actor=people["operator"], cycle=submission.cycle)


def test_an_undeclared_extra_expert_holds_the_panel(people, clock, agency, supplier, refused):
    phase = _closed_phase(agency)
    experts = [UserFactory(is_expert=True) for _ in range(2)]
    submission = evaluated(phase, supplier, experts=experts, values=[[5, 5], [6, 6]])
    AssignmentFactory(submission=submission, conflict=Declaration.UNDECLARED)
    with refused(Conflict, code="panel_incomplete"):
        services.panel_close(actor=people["operator"], cycle=submission.cycle)


# --- decisions and results ---------------------------------------------------------------------


def test_the_owner_advances_with_a_rationale_up_to_the_cap(people, clock, agency, supplier, refused):
    rival, _member = supplier_with_member()
    _challenge, _phase, (ours, theirs) = decidable_challenge(agency, [supplier, rival], advance_cap=1)
    owner = people["agency_admin"]
    with refused(ServiceError, field="rationale"):
        services.submission_decide(actor=owner, submission=ours, advance=True, rationale="  ")
    watch = AuditWatch()
    decided = services.submission_decide(actor=owner, submission=ours, advance=True, rationale=" Лучшая оценка ")
    assert (decided.status, decided.decision_rationale, decided.decided_by, decided.decided_at) == (
        SubmissionStatus.ADVANCED,
        "Лучшая оценка",
        owner,
        T0,
    )
    # Deciding is not yet public: the funnel hears of it only when the results are published.
    assert watch.actions() == ["submission.decided"]
    assert decided.initiative is None
    assert not Initiative.objects.exists()
    with translation.override("en"), refused(Conflict, code="cap_reached") as error:
        services.submission_decide(actor=owner, submission=theirs, advance=True, rationale="Тоже хорошо")
    assert "cap of 1 participants" in str(error.value.message)
    watch = AuditWatch()
    not_advanced = services.submission_decide(actor=owner, submission=theirs, advance=False, rationale="Дороже")
    assert not_advanced.status == SubmissionStatus.NOT_ADVANCED
    assert not_advanced.initiative is None
    assert watch.actions() == ["submission.decided"]
    with refused(Conflict, code="wrong_status"):
        services.submission_decide(actor=owner, submission=theirs, advance=False, rationale="Ещё раз")


def test_decisions_wait_for_the_panel(people, clock, agency, supplier, refused):
    _challenge, _phase, (submission,) = decidable_challenge(agency, [supplier])
    cycle = submission.cycle
    cycle.panel_closed_at = None
    cycle.save()
    with refused(Conflict, code="panel_open"):
        services.submission_decide(actor=people["agency_admin"], submission=submission, advance=True, rationale="Да")


def test_the_last_phase_is_decided_in_evaluation(people, clock, agency, supplier, refused):
    challenge, _phase, (submission,) = decidable_challenge(agency, [supplier])
    Challenge.objects.filter(pk=challenge.pk).update(status=ChallengeStatus.PUBLISHED)
    with refused(Conflict, code="wrong_status"):
        services.submission_decide(actor=people["agency_admin"], submission=submission, advance=True, rationale="Да")


def test_a_withdrawn_submission_cannot_be_decided(people, clock, agency, supplier, refused):
    _challenge, _phase, (submission,) = decidable_challenge(agency, [supplier])
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.WITHDRAWN)
    with refused(Conflict, code="wrong_status"):
        services.submission_decide(actor=people["agency_admin"], submission=submission, advance=False, rationale="Нет")


def _two_phase_with_closed_first(agency, suppliers):
    """A published two-phase challenge: the first phase is over and its panel closed."""
    challenge = ChallengeFactory(
        owner=agency,
        phases=[
            {"opens_at": at(-15), "closes_at": at(0, hours=-1), "advance_cap": 1},
            {"opens_at": at(5), "closes_at": at(20), "kind": "pilot"},
        ],
    )
    first = challenge.phases.get(number=1)
    experts = [UserFactory(is_expert=True), UserFactory(is_expert=True)]
    submissions = [evaluated(first, supplier, experts=experts, values=[[7, 7], [8, 8]]) for supplier in suppliers]
    close_panel(submissions[0])
    return challenge, first, submissions


def test_publishing_results_closes_the_undecided_as_not_advanced(
    people, clock, agency, supplier, run_worker, django_capture_on_commit_callbacks
):
    rival, rival_member = supplier_with_member()
    quitter, _quitter_member = supplier_with_member()
    challenge, first, (ours, theirs) = _two_phase_with_closed_first(agency, [supplier, rival])
    gone = SubmissionFactory(phase=first, supplier=quitter, status=SubmissionStatus.WITHDRAWN)
    owner = people["agency_admin"]
    services.submission_decide(actor=owner, submission=ours, advance=True, rationale="Лучшая оценка")
    watch = AuditWatch()
    with django_capture_on_commit_callbacks(execute=True):
        services.phase_publish_results(actor=owner, phase=first)
    for submission in (ours, theirs, gone):
        submission.refresh_from_db()
    assert (ours.status, theirs.status, gone.status) == (
        SubmissionStatus.ADVANCED,
        SubmissionStatus.NOT_ADVANCED,
        SubmissionStatus.WITHDRAWN,
    )
    assert (theirs.decided_by, theirs.decided_at) == (owner, T0)
    assert theirs.decision_rationale
    first.refresh_from_db()
    assert first.results_published_at == T0
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.PUBLISHED  # the pilot phase is still ahead
    # Only the advanced submission is carried into the funnel, after the results are recorded.
    assert watch.actions() == ["phase.results_published", "initiative.created", "decision.decided", "initiative.moved"]
    assert ours.initiative is not None and ours.initiative.stage == Stage.PROTOTYPE
    assert (theirs.initiative, gone.initiative) == (None, None)
    assert Initiative.objects.count() == 1
    run_worker()
    outcome = Notification.objects.get(kind=kinds.SUBMISSION_DECIDED.key, recipient=rival_member)
    assert outcome.params["outcome"] == SubmissionStatus.NOT_ADVANCED
    assert _notified(kinds.SUBMISSION_DECIDED, people["supplier_member"])
    assert _notified(kinds.RESULTS_PUBLISHED, rival_member)


def test_decisions_are_final_once_results_are_published(people, clock, agency, supplier, refused):
    rival, _member = supplier_with_member()
    _challenge, first, (ours, _theirs) = _two_phase_with_closed_first(agency, [supplier, rival])
    services.phase_publish_results(actor=people["agency_admin"], phase=first)
    with refused(Conflict, code="results_published"):
        services.submission_decide(actor=people["agency_admin"], submission=ours, advance=True, rationale="Поздно")
    with refused(Conflict, code="results_published"):
        services.phase_publish_results(actor=people["agency_admin"], phase=first)


def test_results_wait_for_every_panel_of_the_phase(people, clock, agency, supplier, refused):
    _challenge, first, (ours,) = _two_phase_with_closed_first(agency, [supplier])
    cycle = ours.cycle
    cycle.panel_closed_at = None
    cycle.save()
    with refused(Conflict, code="panel_open"):
        services.phase_publish_results(actor=people["agency_admin"], phase=first)


def test_the_last_phase_results_decide_the_challenge(people, clock, agency, supplier):
    challenge, phase, (submission,) = decidable_challenge(agency, [supplier])
    services.submission_decide(actor=people["agency_admin"], submission=submission, advance=True, rationale="Да")
    watch = AuditWatch()
    services.phase_publish_results(actor=people["agency_admin"], phase=phase)
    challenge.refresh_from_db()
    assert (challenge.status, challenge.decided_at) == (ChallengeStatus.DECIDED, T0)
    assert watch.actions() == [
        "phase.results_published",
        "initiative.created",
        "decision.decided",
        "initiative.moved",
        "challenge.decided",
    ]
    submission.refresh_from_db()
    assert submission.initiative.stage == Stage.PROTOTYPE
    results = selectors.published_results(challenge)
    assert [row.submission for row in results[0].advanced] == [submission]


def test_a_receipt_can_be_checked_against_the_stored_submission(people, clock, phase, supplier):
    submission = _submit(people["supplier_member"], phase, supplier, budget="400000")
    stored = Submission.objects.get(pk=submission.pk)
    assert stored.receipts.get().content_hash == services.content_hash(stored)
    # The same sum written another way is the same content, so the same hash.
    clock.move_to(at(1))
    _submit(people["supplier_member"], phase, supplier, budget="400 000,00")
    first, second = Receipt.objects.filter(submission=submission).order_by("issued_at")
    assert first.content_hash == second.content_hash


def test_a_budget_in_fractions_of_a_kopeck_is_refused_at_the_budget(people, phase, supplier, refused):
    with refused(ServiceError, field="budget"):
        _submit(people["supplier_member"], phase, supplier, budget="400000.001")
