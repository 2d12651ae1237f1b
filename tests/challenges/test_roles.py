"""The role matrix of challenges at the service and access level: who may call each write service
and who may read what. The roles are the seven of tests/conftest.py plus four relations:

    anonymous, resident, supplier_member, supplier_admin, agency_admin (the owner agency),
    expert (on no panel), operator,
    other_supplier      a member of another supplier
    other_agency        a member of another agency
    assigned_expert     the expert assigned to the submission in question
    different_expert    an expert on the same panel, assigned to another submission

A refused write raises Forbidden and changes nothing (no row, no audit event, nothing queued);
an allowed one succeeds and leaves an audit event. Anything a person may not read is "not found",
as if it did not exist."""

from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from govtech.accounts.models import MembershipRole
from govtech.challenges import access, selectors, services
from govtech.challenges.models import (
    Assignment,
    ChallengeStatus,
    ConsultationSlot,
    Declaration,
    Question,
    Submission,
    SubmissionStatus,
)
from govtech.core.errors import Conflict, Forbidden, ServiceError
from govtech.core.models import AuditEvent
from tests.challenges.factories import AssignmentFactory, ChallengeFactory, SubmissionFactory
from tests.challenges.helpers import (
    SECOND,
    T0,
    at,
    challenges_state,
    close_panel,
    decidable_challenge,
    draft_challenge,
    hand_in,
    pdf,
    sections,
)
from tests.factories import AgencyFactory, MembershipFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "resident",
    "supplier_member",
    "supplier_admin",
    "agency_admin",
    "expert",
    "operator",
    "other_supplier",
    "other_agency",
    "assigned_expert",
    "different_expert",
)
OWNER = {"agency_admin", "operator"}
OPERATOR = {"operator"}
SUPPLIER = {"supplier_member", "supplier_admin"}
ANY_SUPPLIER = SUPPLIER | {"other_supplier"}
ASSIGNED = {"assigned_expert"}


@dataclass
class World:
    people: dict
    agency: object
    supplier: object
    other_supplier: object

    def actor(self, role: str):
        return self.people[role] or AnonymousUser()

    def closed_phase(self, **fields):
        """A published challenge of the agency whose one phase closed a minute ago."""
        challenge = ChallengeFactory(
            owner=self.agency, phases=[{"opens_at": at(-11), "closes_at": at(0, minutes=-1)}], **fields
        )
        return challenge.phases.get()

    def panel(self, *, declared=Declaration.NONE):
        """The supplier's and the other supplier's submissions in one closed phase: the assigned
        expert on the first, the different expert on the second. Returns the first's assignment."""
        phase = self.closed_phase(min_experts=1)
        ours = SubmissionFactory(phase=phase, supplier=self.supplier)
        theirs = SubmissionFactory(phase=phase, supplier=self.other_supplier)
        AssignmentFactory(submission=theirs, expert=self.people["different_expert"])
        return AssignmentFactory(submission=ours, expert=self.people["assigned_expert"], conflict=declared)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(clock, people, agency, supplier) -> World:
    other_supplier = SupplierFactory()
    other_agency = AgencyFactory()
    everyone = dict(people)
    everyone["other_supplier"] = UserFactory(email="other-supplier@example.test")
    MembershipFactory(user=everyone["other_supplier"], organization=other_supplier, role=MembershipRole.ADMIN)
    everyone["other_agency"] = UserFactory(email="other-agency@example.test")
    MembershipFactory(user=everyone["other_agency"], organization=other_agency, role=MembershipRole.ADMIN)
    everyone["assigned_expert"] = UserFactory(email="assigned-expert@example.test", is_expert=True)
    everyone["different_expert"] = UserFactory(email="different-expert@example.test", is_expert=True)
    return World(everyone, agency, supplier, other_supplier)


# --- the write services --------------------------------------------------------------------
# Each scenario puts the world into a state where the call succeeds for an allowed actor and
# returns the call.


def _create(w):
    return lambda actor: services.challenge_create(
        actor=actor,
        owner=w.agency,
        title="Как сократить очереди в МФЦ",
        summary="Очереди.",
        problem="Ожидание — 40 минут.",
        topic="health",
        licence="open_source",
        contact_name="Анна",
        contact_email="anna@example.test",
    )


def _update(w):
    challenge = draft_challenge(w.agency)
    return lambda actor: services.challenge_update(actor=actor, challenge=challenge, summary="Новая версия.")


def _set_phases(w):
    challenge = draft_challenge(w.agency)
    row = {"name": "Этап", "kind": "pilot", "opens_at": at(2), "closes_at": at(9), "advance_cap": 1}
    return lambda actor: services.challenge_set_phases(
        actor=actor, challenge=challenge, phases=[{**row, "funding_per_participant": "1000"}]
    )


def _set_criteria(w):
    challenge = draft_challenge(w.agency)
    return lambda actor: services.challenge_set_criteria(
        actor=actor, challenge=challenge, criteria=[{"name": "Всё", "weight": 100}]
    )


def _set_indicators(w):
    challenge = draft_challenge(w.agency)
    row = {"metric": "Ожидание", "unit": "мин", "baseline": 40, "target": 20}
    return lambda actor: services.challenge_set_indicators(actor=actor, challenge=challenge, indicators=[row])


def _document_add(w):
    challenge = draft_challenge(w.agency)
    return lambda actor: services.document_add(actor=actor, challenge=challenge, title="Условия", file=pdf())


def _document_remove(w):
    challenge = draft_challenge(w.agency)
    document = challenge.documents.create(title="Условия", file=pdf())
    return lambda actor: services.document_remove(actor=actor, document=document)


def _submit_for_review(w):
    challenge = draft_challenge(w.agency)
    return lambda actor: services.challenge_submit_for_review(actor=actor, challenge=challenge)


def _request_changes(w):
    challenge = draft_challenge(w.agency, status=ChallengeStatus.IN_REVIEW)
    return lambda actor: services.challenge_request_changes(actor=actor, challenge=challenge, note="Уточните сроки.")


def _publish(w):
    challenge = draft_challenge(w.agency, status=ChallengeStatus.IN_REVIEW)
    return lambda actor: services.challenge_publish(actor=actor, challenge=challenge)


def _start_evaluation(w):
    challenge = w.closed_phase().challenge
    return lambda actor: services.challenge_start_evaluation(actor=actor, challenge=challenge)


def _close(w):
    challenge = ChallengeFactory(owner=w.agency, status=ChallengeStatus.DECIDED)
    return lambda actor: services.challenge_close(actor=actor, challenge=challenge)


def _cancel(w):
    challenge = ChallengeFactory(owner=w.agency)
    return lambda actor: services.challenge_cancel(actor=actor, challenge=challenge, reason="Бюджет перенесён.")


def _ask(w):
    challenge = ChallengeFactory(owner=w.agency)
    return lambda actor: services.question_ask(actor=actor, challenge=challenge, text="Какие данные доступны?")


def _answer(w):
    challenge = ChallengeFactory(owner=w.agency)
    question = Question.objects.create(
        challenge=challenge, text="Какие данные доступны?", asked_by=w.people["supplier_member"]
    )
    return lambda actor: services.question_answer(actor=actor, question=question, answer="Открытые данные города.")


def _slot_create(w):
    challenge = ChallengeFactory(owner=w.agency)
    return lambda actor: services.slot_create(actor=actor, challenge=challenge, starts_at=at(2), place="Каб. 5")


def _slot_delete(w):
    slot = ConsultationSlot.objects.create(challenge=ChallengeFactory(owner=w.agency), starts_at=at(2), place="Каб. 5")
    return lambda actor: services.slot_delete(actor=actor, slot=slot)


def _slot_book(w):
    slot = ConsultationSlot.objects.create(challenge=ChallengeFactory(owner=w.agency), starts_at=at(2), place="Каб. 5")
    return lambda actor: services.slot_book(actor=actor, slot=slot, supplier=w.supplier)


def _slot_cancel(w):
    slot = ConsultationSlot.objects.create(
        challenge=ChallengeFactory(owner=w.agency), starts_at=at(2), place="Каб. 5", booked_by=w.supplier
    )
    return lambda actor: services.slot_cancel_booking(actor=actor, slot=slot)


def _submit(w):
    phase = ChallengeFactory(owner=w.agency).phases.get()
    return lambda actor: services.submission_submit(actor=actor, phase=phase, supplier=w.supplier, **sections())


def _withdraw(w):
    submission = SubmissionFactory(phase=ChallengeFactory(owner=w.agency).phases.get(), supplier=w.supplier)
    return lambda actor: services.submission_withdraw(actor=actor, submission=submission)


def _assignment_create(w):
    submission = w.panel().submission
    newcomer = UserFactory(is_expert=True)
    return lambda actor: services.assignment_create(actor=actor, submission=submission, expert=newcomer)


def _panel_assign(w):
    cycle = w.panel().submission.cycle
    SubmissionFactory(phase=cycle.phase, cycle=cycle)  # a third submission, with no expert yet
    return lambda actor: services.panel_assign(actor=actor, cycle=cycle)


def _declare(w):
    assignment = w.panel(declared=Declaration.UNDECLARED)
    return lambda actor: services.conflict_declare(actor=actor, assignment=assignment, has_conflict=False)


def _score(w):
    assignment = w.panel()
    criteria = assignment.submission.phase.challenge.criteria.all()
    return lambda actor: services.scores_save(
        actor=actor, assignment=assignment, scores={criterion.pk: 7 for criterion in criteria}, complete=True
    )


def _panel_close(w):
    assignment = w.panel()
    hand_in(assignment, [7, 7])
    hand_in(
        assignment.submission.cycle.submissions.exclude(pk=assignment.submission_id).get().assignments.get(), [5, 5]
    )
    return lambda actor: services.panel_close(actor=actor, cycle=assignment.submission.cycle)


def _decide(w):
    _challenge, _phase, (submission,) = decidable_challenge(w.agency, [w.supplier])
    return lambda actor: services.submission_decide(actor=actor, submission=submission, advance=True, rationale="Да")


def _publish_results(w):
    _challenge, phase, _submissions = decidable_challenge(w.agency, [w.supplier])
    return lambda actor: services.phase_publish_results(actor=actor, phase=phase)


WRITES = {
    "challenge_create": (_create, OWNER),
    "challenge_update": (_update, OWNER),
    "challenge_set_phases": (_set_phases, OWNER),
    "challenge_set_criteria": (_set_criteria, OWNER),
    "challenge_set_indicators": (_set_indicators, OWNER),
    "document_add": (_document_add, OWNER),
    "document_remove": (_document_remove, OWNER),
    "challenge_submit_for_review": (_submit_for_review, OWNER),
    "challenge_request_changes": (_request_changes, OPERATOR),
    "challenge_publish": (_publish, OPERATOR),
    "challenge_start_evaluation": (_start_evaluation, OWNER),
    "challenge_close": (_close, OWNER),
    "challenge_cancel": (_cancel, OWNER),
    "question_ask": (_ask, ANY_SUPPLIER),
    "question_answer": (_answer, OWNER),
    "slot_create": (_slot_create, OWNER),
    "slot_delete": (_slot_delete, OWNER),
    "slot_book": (_slot_book, SUPPLIER),
    "slot_cancel_booking": (_slot_cancel, SUPPLIER),
    "submission_submit": (_submit, SUPPLIER),
    "submission_withdraw": (_withdraw, SUPPLIER),
    "assignment_create": (_assignment_create, OPERATOR),
    "panel_assign": (_panel_assign, OPERATOR),
    "conflict_declare": (_declare, ASSIGNED),
    "scores_save": (_score, ASSIGNED),
    "panel_close": (_panel_close, OPERATOR),
    "submission_decide": (_decide, OWNER),
    "phase_publish_results": (_publish_results, OWNER),
}


def test_every_write_service_is_in_the_matrix():
    public = {name for name in dir(services) if not name.startswith("_")}
    writes = {
        name for name in public if callable(getattr(services, name)) and hasattr(getattr(services, name), "__wrapped__")
    }
    # The reminder is the worker's, with no actor; every other transactional service is here.
    assert writes == set(WRITES) | {"phase_send_reminder"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("service", list(WRITES))
def test_who_may_call_each_write_service(world, refused_checker, service, role):
    scenario, allowed = WRITES[service]
    call = scenario(world)
    actor = world.actor(role)
    if role in allowed:
        events = AuditEvent.objects.count()
        call(actor)
        assert AuditEvent.objects.count() > events
    else:
        with refused_checker(challenges_state)(Forbidden):
            call(actor)


# --- reading submissions ---------------------------------------------------------------------

# Who reads the supplier's submission (its assigned expert has declared no conflict).
BEFORE_DEADLINE = {"operator", "supplier_member", "supplier_admin", "assigned_expert"}
AFTER_DEADLINE = BEFORE_DEADLINE | {"agency_admin"}


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_a_submission_before_and_after_its_deadline(world, clock, role):
    phase = ChallengeFactory(owner=world.agency).phases.get()
    submission = SubmissionFactory(phase=phase, supplier=world.supplier)
    AssignmentFactory(submission=submission, expert=world.people["assigned_expert"])
    other = SubmissionFactory(phase=phase, supplier=world.other_supplier)
    AssignmentFactory(submission=other, expert=world.people["different_expert"])
    actor = world.actor(role)

    def reads() -> bool:
        try:
            return access.access_submission(actor=actor, pk=submission.pk) == submission
        except Http404:
            return False

    clock.move_to(submission.deadline - SECOND)
    assert reads() is (role in BEFORE_DEADLINE)
    clock.move_to(submission.deadline)
    assert reads() is (role in AFTER_DEADLINE)


def test_a_supplier_cannot_read_another_suppliers_submission(world):
    theirs = SubmissionFactory(phase=world.closed_phase(), supplier=world.other_supplier)
    for role in ("supplier_member", "supplier_admin"):
        with pytest.raises(Http404):
            access.access_submission(actor=world.actor(role), pk=theirs.pk)
    assert access.access_submission(actor=world.actor("other_supplier"), pk=theirs.pk) == theirs


def test_the_owner_reads_a_submission_only_once_it_can_no_longer_change(world, clock):
    submission = SubmissionFactory(phase=ChallengeFactory(owner=world.agency).phases.get(), supplier=world.supplier)
    owner = world.actor("agency_admin")
    clock.move_to(submission.deadline - SECOND)
    with pytest.raises(Http404):
        access.access_submission(actor=owner, pk=submission.pk)
    clock.move_to(submission.deadline)
    assert access.access_submission(actor=owner, pk=submission.pk) == submission
    with pytest.raises(Http404):
        access.access_submission(actor=world.actor("other_agency"), pk=submission.pk)


def test_a_recused_expert_loses_the_submission_and_the_assignment(world):
    assignment = world.panel(declared=Declaration.UNDECLARED)
    expert = world.actor("assigned_expert")
    # Undeclared: the assignment is theirs, the submission not yet.
    assert access.access_assignment(actor=expert, pk=assignment.pk) == assignment
    with pytest.raises(Http404):
        access.access_submission(actor=expert, pk=assignment.submission_id)
    services.conflict_declare(actor=expert, assignment=assignment, has_conflict=True, note="Работал у поставщика")
    with pytest.raises(Http404):
        access.access_submission(actor=expert, pk=assignment.submission_id)
    with pytest.raises(Http404):
        access.access_assignment(actor=expert, pk=assignment.pk)
    assert assignment.pk not in {a.pk for a in selectors.assignments_of_expert(user=expert)}


def test_an_expert_reads_only_their_own_assignment(world):
    assignment = world.panel()
    for role in ("different_expert", "expert", "operator", "agency_admin", "supplier_member"):
        with pytest.raises(Http404):
            access.access_assignment(actor=world.actor(role), pk=assignment.pk)
    assert access.access_assignment(actor=world.actor("assigned_expert"), pk=assignment.pk) == assignment
    with pytest.raises(Http404):
        access.access_assignment(actor=world.actor("assigned_expert"), pk="not-a-number")


# --- reading scores ---------------------------------------------------------------------------


@pytest.fixture
def scored(world):
    """The supplier's submission scored by the assigned expert and a colleague; the panel still open."""
    assignment = world.panel()
    colleague = AssignmentFactory(submission=assignment.submission, expert=UserFactory(is_expert=True))
    hand_in(assignment, [9, 8])
    hand_in(colleague, [4, 3])
    return assignment, colleague


def _visible(world, role, submission) -> set:
    return {a.pk for a in selectors.visible_assignments(actor=world.actor(role), submission=submission)}


def test_experts_do_not_see_each_others_scores_until_the_panel_closes(world, scored):
    mine, colleagues = scored
    submission = mine.submission
    both = {mine.pk, colleagues.pk}
    before = {role: _visible(world, role, submission) for role in ROLES}
    assert before["assigned_expert"] == {mine.pk}
    assert before["operator"] == both
    for role in set(ROLES) - {"assigned_expert", "operator"}:
        assert before[role] == set(), role

    close_panel(submission)
    after = {role: _visible(world, role, submission) for role in ROLES}
    assert after["assigned_expert"] == both
    assert after["agency_admin"] == both
    assert after["operator"] == both
    for role in set(ROLES) - {"assigned_expert", "agency_admin", "operator"}:
        assert after[role] == set(), role


def test_a_recused_experts_row_is_never_shown(world, scored):
    mine, colleagues = scored
    AssignmentFactory(submission=mine.submission, conflict=Declaration.RECUSED)
    close_panel(mine.submission)
    assert _visible(world, "operator", mine.submission) == {mine.pk, colleagues.pk}
    assert _visible(world, "agency_admin", mine.submission) == {mine.pk, colleagues.pk}


def test_the_ranking_is_the_operators_at_any_time_and_the_owners_after_the_panel(world, scored):
    cycle = scored[0].submission.cycle
    assert selectors.ranking(actor=world.actor("operator"), cycle=cycle) is not None
    for role in set(ROLES) - {"operator"}:
        assert selectors.ranking(actor=world.actor(role), cycle=cycle) is None, role
    close_panel(scored[0].submission)
    cycle.refresh_from_db()
    readers = {role for role in ROLES if selectors.ranking(actor=world.actor(role), cycle=cycle) is not None}
    assert readers == {"operator", "agency_admin"}


# --- later phases and drafts ----------------------------------------------------------------------


def test_a_supplier_not_advanced_cannot_submit_to_a_later_phase(world, refused_checker):
    challenge = ChallengeFactory(
        owner=world.agency,
        phases=[
            {"opens_at": at(-20), "closes_at": at(-10)},
            {"opens_at": at(-1), "closes_at": at(10), "kind": "pilot"},
        ],
    )
    first, second = challenge.phases.order_by("number")
    SubmissionFactory(phase=first, supplier=world.supplier, status="advanced")
    # The other supplier never took part in the first phase.
    with refused_checker(challenges_state)(ServiceError, code="not_invited"):
        services.submission_submit(
            actor=world.actor("other_supplier"), phase=second, supplier=world.other_supplier, **sections()
        )
    submission = services.submission_submit(
        actor=world.actor("supplier_member"), phase=second, supplier=world.supplier, **sections()
    )
    assert submission.phase == second


DRAFT_READERS = {"agency_admin", "operator"}


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_is_seen_only_by_its_agency_and_the_operator(world, role):
    draft = draft_challenge(world.agency)
    published = ChallengeFactory(owner=world.agency)
    actor = world.actor(role)
    assert access.access_challenge(actor=actor, slug=published.slug) == published
    if role in DRAFT_READERS:
        assert access.access_challenge(actor=actor, slug=draft.slug) == draft
    else:
        with pytest.raises(Http404):
            access.access_challenge(actor=actor, slug=draft.slug)


def test_a_cancelled_challenge_stays_public_once_published(world):
    cancelled = ChallengeFactory(owner=world.agency, status=ChallengeStatus.CANCELLED)
    never_published = draft_challenge(world.agency, status=ChallengeStatus.CANCELLED)
    resident = world.actor("resident")
    assert access.access_challenge(actor=resident, slug=cancelled.slug) == cancelled
    with pytest.raises(Http404):
        access.access_challenge(actor=resident, slug=never_published.slug)


def test_an_expert_on_leave_is_refused(world, refused_checker):
    """The expert flag, not the assignment alone, clears someone to score."""
    assignment = world.panel()
    expert = world.people["assigned_expert"]
    expert.is_expert = False
    expert.save()
    with refused_checker(challenges_state)(Forbidden):
        services.scores_save(actor=expert, assignment=assignment, scores={}, complete=False)


def test_the_owner_reads_a_rolling_submission_when_its_cycle_ends(world, clock):
    """A rolling submission's deadline is the end of its review cycle, not the phase's close."""
    challenge = ChallengeFactory(
        owner=world.agency,
        phases=[{"opens_at": at(-1), "closes_at": at(30), "mode": "rolling", "cycle_days": 7}],
    )
    submission = services.submission_submit(
        actor=world.actor("supplier_member"), phase=challenge.phases.get(), supplier=world.supplier, **sections()
    )
    assert submission.deadline == at(6)
    owner = world.actor("agency_admin")
    clock.move_to(at(6) - SECOND)
    with pytest.raises(Http404):
        access.access_submission(actor=owner, pk=submission.pk)
    clock.move_to(at(6))
    assert access.access_submission(actor=owner, pk=submission.pk) == submission


# --- withdrawn submissions and free slots -----------------------------------------------------

WITHDRAWN_READERS = {"operator", "supplier_member", "supplier_admin"}


@pytest.mark.parametrize("role", ROLES)
def test_a_withdrawn_submission_is_read_only_by_its_supplier_and_the_operators(world, role):
    assignment = world.panel()  # the phase is over: the owner and the cleared expert read it
    submission = assignment.submission
    actor = world.actor(role)

    def reads() -> bool:
        try:
            return access.access_submission(actor=actor, pk=submission.pk) == submission
        except Http404:
            return False

    assert reads() is (role in WITHDRAWN_READERS | {"agency_admin", "assigned_expert"})
    submission.status = SubmissionStatus.WITHDRAWN
    submission.save()
    assert reads() is (role in WITHDRAWN_READERS)


def test_a_withdrawn_submission_takes_the_assignment_away_from_its_expert(world, clock):
    """Assigned early, the submission withdrawn before its deadline: after the deadline the expert
    has nothing to open, declare or score."""
    submission = SubmissionFactory(phase=ChallengeFactory(owner=world.agency).phases.get(), supplier=world.supplier)
    expert = world.actor("assigned_expert")
    assignment = AssignmentFactory(submission=submission, expert=expert, conflict=Declaration.UNDECLARED)
    assert access.access_assignment(actor=expert, pk=assignment.pk) == assignment
    services.submission_withdraw(actor=world.actor("supplier_member"), submission=submission)
    clock.move_to(submission.deadline)
    with pytest.raises(Http404):
        access.access_assignment(actor=expert, pk=assignment.pk)
    assert list(selectors.assignments_of_expert(user=expert)) == []
    # Even were it cleared, a withdrawn submission is not theirs to read, nor the owner's.
    Assignment.objects.filter(pk=assignment.pk).update(conflict=Declaration.NONE)
    for role in ("assigned_expert", "agency_admin"):
        assert not world.actor(role).has_perm("challenges.view_submission", Submission.objects.get(pk=submission.pk))
        with pytest.raises(Http404):
            access.access_submission(actor=world.actor(role), pk=submission.pk)


NOT_SUPPLIER_STAFF = set(ROLES) - ANY_SUPPLIER


@pytest.mark.parametrize("role", sorted(NOT_SUPPLIER_STAFF))
def test_cancelling_a_free_slot_is_forbidden_before_anything_is_said_to_non_suppliers(world, refused_checker, role):
    slot = ConsultationSlot.objects.create(
        challenge=ChallengeFactory(owner=world.agency), starts_at=at(2), place="Каб. 5"
    )
    with refused_checker(challenges_state)(Forbidden):
        services.slot_cancel_booking(actor=world.actor(role), slot=slot)


@pytest.mark.parametrize("role", sorted(ANY_SUPPLIER))
def test_supplier_staff_learn_that_a_free_slot_is_not_booked(world, refused_checker, role):
    slot = ConsultationSlot.objects.create(
        challenge=ChallengeFactory(owner=world.agency), starts_at=at(2), place="Каб. 5"
    )
    with refused_checker(challenges_state)(Conflict, code="slot_free"):
        services.slot_cancel_booking(actor=world.actor(role), slot=slot)
