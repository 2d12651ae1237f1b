"""Demo content for challenges: the study's cases (``demo_cases.py``) as ten challenges that
between them are in every state of the lifecycle, with submissions from the demo suppliers,
expert panels (one expert recused), decisions, published results that carried the winners
into the funnel, the public Q&A and consultation slots.

Everything goes through the services, as in real use, so the audit log records it and the
funnel link is the real one. The services read the clock, so each challenge's history is played
step by step and slid back in time as it goes (``_Timeline``). Deterministic: a seeded random
generator varies the scores. Idempotent: nothing is done when any challenge exists."""

import itertools
import random
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import DateTimeField, F
from django.utils import timezone

from govtech.accounts import services as accounts
from govtech.accounts.demo import demo_person
from govtech.accounts.models import Organization, OrganizationKind
from govtech.challenges import services
from govtech.challenges.aggregation import panel_results
from govtech.challenges.demo_cases import (
    ADVANCE_RATIONALE,
    AGENCIES,
    CASES,
    DECLINE_RATIONALE,
    EXPERTS,
    LATER_PHASE_PLAN,
    RECUSAL_NOTE,
    SCORE_COMMENTS,
    SLOT_PLACES,
    SUPPLIERS,
)
from govtech.challenges.models import (
    Assignment,
    Challenge,
    ChallengeStatus,
    ConsultationSlot,
    Declaration,
    Phase,
    Question,
    Receipt,
    ReviewCycle,
    Submission,
)
from govtech.funnel.models import GateDecision, Initiative, StageStay

SEED = 2026
DEMO_DOMAIN = "demo.govtech.local"

# Every dated row of a challenge, with the path from the row to the challenge.
CHALLENGE_ROWS = [
    (Challenge, "pk"),
    (Phase, "challenge"),
    (ReviewCycle, "phase__challenge"),
    (Submission, "phase__challenge"),
    (Receipt, "submission__phase__challenge"),
    (Assignment, "submission__phase__challenge"),
    (Question, "challenge"),
    (ConsultationSlot, "challenge"),
]
# The funnel's dated rows of the initiatives that the challenge's decisions created or moved.
INITIATIVE_ROWS = [(Initiative, "pk__in"), (StageStay, "initiative__in"), (GateDecision, "initiative__in")]


def seed_challenges(operator, *, password: str) -> None:
    """Create the demo challenges once (skipped when any challenge exists)."""
    if Challenge.objects.exists():
        return
    _Seeder(operator, password).run()


def _lowercase_first(text: str) -> str:
    """«Прототип» → «прототип», but an abbreviation such as «НИОКР» keeps its capitals."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _dated_fields(model) -> list[str]:
    return [field.name for field in model._meta.concrete_fields if isinstance(field, DateTimeField)]


def _slide_back(challenge: Challenge, delta: timedelta) -> None:
    """Move every date recorded for the challenge, and for the initiatives it put into the funnel,
    ``delta`` earlier. Row updates, not services: the services date everything "now"; this only
    moves a whole history, keeping every interval and order inside it."""
    for model, path in CHALLENGE_ROWS:
        _earlier(model.objects.filter(**{path: challenge.pk}), delta)
    initiative_ids = list(
        Submission.objects.filter(phase__challenge=challenge, initiative__isnull=False).values_list(
            "initiative_id", flat=True
        )
    )
    if initiative_ids:
        for model, path in INITIATIVE_ROWS:
            _earlier(model.objects.filter(**{path: initiative_ids}), delta)


def _earlier(queryset, delta: timedelta) -> None:
    queryset.update(**{name: F(name) - delta for name in _dated_fields(queryset.model)})


class _Timeline:
    """One challenge's history, in days from today (negative: the past). Its steps call the
    services, which date them "now"; ``go(day)`` moves on to a later day by sliding everything
    recorded so far back by the difference. The history ends today, so in the end each row
    carries the day of its step, and the windows set with ``at()`` keep their days."""

    def __init__(self, start: int) -> None:
        self.day = start
        self.challenge: Challenge | None = None
        self.midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)

    def at(self, day: int, hour: int = 10) -> datetime:
        """The moment to give a service now for ``hour`` o'clock (city time) on ``day``."""
        return self.midnight + timedelta(days=day - self.day, hours=hour)

    def go(self, day: int) -> None:
        if day <= self.day:
            raise ValueError(f"a history moves forward: day {day} after day {self.day}")
        _slide_back(self.challenge, timedelta(days=day - self.day))
        self.day = day


def _rubles(amount: Decimal) -> Decimal:
    """Rounded down to whole thousands, so a share of the phase funding never exceeds it."""
    return (amount // 1000) * 1000


def _comment(share: float) -> str:
    return next(text for threshold, text in SCORE_COMMENTS if share >= threshold)


def _decimal_comma(value: Decimal) -> str:
    return str(value).replace(".", ",")


class _Seeder:
    def __init__(self, operator, password: str) -> None:
        self.operator = operator
        self.password_hash = make_password(password)
        self.rng = random.Random(SEED)
        self.cases = {case["key"]: case for case in CASES}
        self.keys: dict[int, str] = {}
        users = get_user_model().objects
        self.agency_admin = users.get(email=f"agency@{DEMO_DOMAIN}")
        self.health_admin = users.get(email=f"health@{DEMO_DOMAIN}")
        self.supplier_lead = users.get(email=f"supplier@{DEMO_DOMAIN}")

    def run(self) -> None:
        self._agencies()
        self._experts()
        self._suppliers()
        for story in (
            self._closed,
            self._decided,
            self._evaluation,
            self._rolling,
            self._open,
            self._upcoming,
            self._cancelled,
            self._in_review,
            self._changes_requested,
            self._draft,
        ):
            story()

    # --- people and organizations

    def _person(self, email: str, name: str):
        return demo_person(email, name, password_hash=self.password_hash)

    def _agencies(self) -> None:
        for spec in AGENCIES:
            if not Organization.objects.filter(slug=spec["slug"]).exists():
                accounts.organization_create(actor=self.operator, kind=OrganizationKind.AGENCY, **spec)
        self.agencies = {org.name: org for org in Organization.objects.filter(kind=OrganizationKind.AGENCY)}

    def _experts(self) -> None:
        users = get_user_model().objects
        people = [users.get(email=f"expert@{DEMO_DOMAIN}"), users.get(email=f"expert2@{DEMO_DOMAIN}")]
        people += [self._person(email, name) for email, name in EXPERTS]
        self.experts = [
            accounts.platform_role_set(actor=self.operator, user=person, role="expert", granted=True)
            for person in people
        ]
        self.expert_turn = itertools.cycle(range(len(self.experts)))

    def _suppliers(self) -> None:
        today = timezone.localdate()
        self.suppliers, self.members = {}, {}
        for spec in SUPPLIERS:
            person = self._person(f"{spec['slug']}@{DEMO_DOMAIN}", spec["person"])
            organization = Organization.objects.filter(slug=spec["slug"]).first()
            if organization is None:
                organization = accounts.organization_create(
                    actor=person,
                    kind=OrganizationKind.SUPPLIER,
                    slug=spec["slug"],
                    name=spec["name"],
                    description=spec["description"],
                    inn=spec["inn"],
                    ogrn=spec["ogrn"],
                    founded_on=_founded(today, spec["founded_years_ago"]),
                    is_sme=spec["is_sme"],
                    headcount=spec["headcount"],
                )
            self.suppliers[spec["slug"]], self.members[spec["slug"]] = organization, person
        # supplier@ runs the accounts demo's startups; they take part too, so "My submissions" has content.
        for organization in Organization.objects.filter(
            kind=OrganizationKind.SUPPLIER, memberships__user=self.supplier_lead
        ):
            self.suppliers[organization.slug], self.members[organization.slug] = organization, self.supplier_lead

    # --- steps shared by the stories

    @contextmanager
    def _history(self, start: int):
        timeline = _Timeline(start)
        yield timeline
        if timeline.day < 0:
            timeline.go(0)
        self._queue_reminders(timeline.challenge)

    def _challenge(self, key: str, actor, timeline: _Timeline, windows: list[tuple[int, int]]) -> Challenge:
        """Draft the case as a challenge whose phases open and close on the days in ``windows``."""
        case = self.cases[key]
        eligibility = case["eligibility"]
        challenge = services.challenge_create(
            actor=actor,
            owner=self.agencies[case["agency"]],
            title=case["title"],
            summary=case["summary"],
            problem=case["problem"],
            goals=case["goals"],
            topic=case["topic"],
            allow_legal_entities=eligibility["legal_entities"],
            allow_individuals=eligibility["individuals"],
            sme_only=eligibility["sme_only"],
            max_company_age_years=eligibility["max_company_age_years"],
            licence=case["licence"],
            licence_notes=case["licence_notes"],
            contact_name=case["contact_name"],
            contact_email=case["contact_email"],
        )
        timeline.challenge = challenge
        self.keys[challenge.pk] = key
        services.challenge_set_indicators(actor=actor, challenge=challenge, indicators=case["indicators"])
        phases = [
            {
                **phase,
                "mode": case["mode"],
                "cycle_days": case["cycle_days"],
                "opens_at": timeline.at(opens),
                "closes_at": timeline.at(closes, hour=18),
            }
            for phase, (opens, closes) in zip(case["phases"], windows, strict=True)
        ]
        services.challenge_set_phases(actor=actor, challenge=challenge, phases=phases)
        if case["criteria"]:
            services.challenge_set_criteria(actor=actor, challenge=challenge, criteria=case["criteria"])
        return challenge

    def _publish(self, challenge: Challenge, owner_actor, timeline: _Timeline, *, reviewed_on: int) -> None:
        services.challenge_submit_for_review(actor=owner_actor, challenge=challenge)
        timeline.go(reviewed_on)
        services.challenge_publish(actor=self.operator, challenge=challenge)

    def _case(self, challenge: Challenge) -> dict:
        return self.cases[self.keys[challenge.pk]]

    def _ask(self, challenge: Challenge, askers: list[str | None]) -> list[Question]:
        """A member of the n-th supplier named asks the case's n-th question (None: that one is not asked now)."""
        entries = self._case(challenge)["questions"]
        return [
            services.question_ask(actor=self.members[slug], challenge=challenge, text=entry["question"])
            for entry, slug in zip(entries, askers, strict=False)
            if slug is not None
        ]

    def _answer(self, actor, challenge: Challenge, questions: list[Question]) -> None:
        answers = {entry["question"]: entry["answer"] for entry in self._case(challenge)["questions"]}
        for question in questions:
            services.question_answer(actor=actor, question=question, answer=answers[question.text])

    def _phase(self, challenge: Challenge, number: int) -> Phase:
        return Phase.objects.get(challenge=challenge, number=number)

    def _submit(self, challenge: Challenge, number: int, slug: str, index: int, **changes) -> Submission:
        """The supplier submits the case's proposal ``index`` to phase ``number``; a later phase
        builds on the earlier proposal."""
        phase = self._phase(challenge, number)
        entry = self._case(challenge)["submissions"][index]
        sections = {name: entry[name] for name in ("title", "summary", "approach", "team", "plan")}
        if number > 1:
            sections["title"] = f"{entry['title']}: {_lowercase_first(phase.name)}"
            sections["plan"] = LATER_PHASE_PLAN.format(plan=entry["plan"], deliverables=phase.deliverables)
        budget = _rubles(phase.funding_per_participant * Decimal(str(entry["budget_share"])))
        return services.submission_submit(
            actor=self.members[slug],
            phase=phase,
            supplier=self.suppliers[slug],
            budget=budget,
            **{**sections, **changes},
        )

    def _submission(self, challenge: Challenge, number: int, slug: str) -> Submission:
        return Submission.objects.get(phase__challenge=challenge, phase__number=number, supplier__slug=slug)

    def _cycle(self, challenge: Challenge, number: int, cycle: int = 0) -> ReviewCycle:
        return ReviewCycle.objects.get(phase__challenge=challenge, phase__number=number, number=cycle)

    def _scores(self, challenge: Challenge, level: float, only: int | None = None) -> dict:
        """Scores near ``level`` (a share of each scale), with a comment each; ``only``: the first criteria."""
        scores = {}
        for criterion in list(challenge.criteria.all())[:only]:
            value = round(level * criterion.scale_max) + self.rng.choice((-1, 0, 0, 1))
            value = min(max(value, 0), criterion.scale_max)
            scores[criterion.pk] = (value, _comment(value / criterion.scale_max))
        return scores

    def _evaluate(self, submission: Submission, expert, level: float) -> Assignment:
        assignment = services.assignment_create(actor=self.operator, submission=submission, expert=expert)
        return self._score(assignment, level)

    def _score(self, assignment: Assignment, level: float) -> Assignment:
        expert = assignment.expert
        services.conflict_declare(actor=expert, assignment=assignment, has_conflict=False)
        challenge = assignment.submission.phase.challenge
        return services.scores_save(
            actor=expert, assignment=assignment, scores=self._scores(challenge, level), complete=True
        )

    def _panel(self, challenge: Challenge, number: int, levels: dict, *, cycle: int = 0) -> ReviewCycle:
        """Two experts, taken in turn, score each submission of the cycle, and the operator closes
        the panel. ``levels`` by supplier: the share of the scales the experts give, or a pair of
        shares for two experts who disagree."""
        review_cycle = self._cycle(challenge, number, cycle)
        for submission in review_cycle.submissions.select_related("supplier", "phase__challenge"):
            level = levels[submission.supplier.slug]
            pair = level if isinstance(level, tuple) else (level, level)
            for expert, share in zip(self._next_experts(), pair, strict=True):
                self._evaluate(submission, expert, share)
        return services.panel_close(actor=self.operator, cycle=review_cycle)

    def _next_experts(self) -> list:
        first = next(self.expert_turn)
        second = next(self.expert_turn)
        return [self.experts[first], self.experts[second]]

    def _decide(self, actor, cycle: ReviewCycle, advancing: set[str], *, undecided: frozenset = frozenset()) -> None:
        """The owner advances the named suppliers and turns the others down, each with a rationale
        that quotes the panel's score; ``undecided`` are left for the publication of results."""
        for row in panel_results(cycle):
            slug = row.submission.supplier.slug
            if slug in undecided:
                continue
            advance = slug in advancing
            template = ADVANCE_RATIONALE if advance else DECLINE_RATIONALE
            services.submission_decide(
                actor=actor,
                submission=row.submission,
                advance=advance,
                rationale=template.format(mean=_decimal_comma(row.mean)),
            )

    def _slots(self, challenge: Challenge, actor, timeline: _Timeline, days: list[int], booked_by: str) -> None:
        """Consultation slots on ``days``; the supplier ``booked_by`` takes the first."""
        slots = [
            services.slot_create(
                actor=actor,
                challenge=challenge,
                starts_at=timeline.at(day, hour=11 + 2 * (position % 3)),
                place=SLOT_PLACES[position % len(SLOT_PLACES)],
            )
            for position, day in enumerate(days)
        ]
        services.slot_book(actor=self.members[booked_by], slot=slots[0], supplier=self.suppliers[booked_by])

    def _queue_reminders(self, challenge: Challenge) -> None:
        """Publication queued the deadline reminders for the dates the phases had then; the history
        has moved them, so queue them again for the real ones (a reminder is never sent twice)."""
        from govtech.challenges.tasks import deadline_reminder_task

        if not Challenge.objects.filter(pk=challenge.pk, status=ChallengeStatus.PUBLISHED).exists():
            return
        now = timezone.now()
        for phase in Phase.objects.filter(challenge=challenge, closes_at__gt=now):
            run_after, phase_id = max(phase.closes_at - services.REMINDER_BEFORE, now), phase.pk
            transaction.on_commit(
                lambda run_after=run_after, phase_id=phase_id: deadline_reminder_task.using(
                    run_after=run_after
                ).enqueue(phase_id=phase_id)
            )

    # --- the stories, one per challenge

    def _closed(self) -> None:
        """Prototype, then pilot, both decided; the winner's work was handed over: closed."""
        operator = self.operator
        with self._history(-560) as timeline:
            challenge = self._challenge("construction-waste-tracking", operator, timeline, [(-550, -500), (-400, -370)])
            self._publish(challenge, operator, timeline, reviewed_on=-558)
            timeline.go(-545)
            questions = self._ask(challenge, ["chistyi-sled", "ecotrack", "gorodskie-sensory"])
            timeline.go(-541)
            self._answer(operator, challenge, questions)
            timeline.go(-530)
            self._submit(challenge, 1, "chistyi-sled", 0)
            self._submit(challenge, 1, "neiromost", 1)
            timeline.go(-515)
            self._submit(challenge, 1, "ecotrack", 2)
            self._submit(challenge, 1, "gorodskie-sensory", 3)
            timeline.go(-498)
            levels = {"ecotrack": 0.85, "chistyi-sled": 0.75, "neiromost": 0.55, "gorodskie-sensory": 0.45}
            cycle = self._panel(challenge, 1, levels)
            self._decide(operator, cycle, {"ecotrack", "chistyi-sled"})
            services.phase_publish_results(actor=operator, phase=self._phase(challenge, 1))
            timeline.go(-395)
            self._submit(challenge, 2, "ecotrack", 2)
            self._submit(challenge, 2, "chistyi-sled", 0)
            timeline.go(-368)
            services.challenge_start_evaluation(actor=operator, challenge=challenge)
            cycle = self._panel(challenge, 2, {"ecotrack": 0.9, "chistyi-sled": 0.6})
            self._decide(operator, cycle, {"ecotrack"})
            services.phase_publish_results(actor=operator, phase=self._phase(challenge, 2))
            timeline.go(-20)
            services.challenge_close(actor=operator, challenge=challenge)

    def _decided(self) -> None:
        """One prototype phase, results published a month ago; the experts disagreed about one proposal."""
        operator = self.operator
        with self._history(-100) as timeline:
            challenge = self._challenge("school-places-forecast", operator, timeline, [(-90, -40)])
            self._publish(challenge, operator, timeline, reviewed_on=-98)
            timeline.go(-85)
            questions = self._ask(challenge, ["karta-klassa", "ip-kuznetsova"])
            timeline.go(-80)
            self._answer(operator, challenge, questions)
            timeline.go(-70)
            self._submit(challenge, 1, "ip-kuznetsova", 0)
            self._submit(challenge, 1, "karta-klassa", 1)
            timeline.go(-55)
            self._submit(challenge, 1, "proaktivnye-servisy", 2)
            timeline.go(-38)
            services.challenge_start_evaluation(actor=operator, challenge=challenge)
            levels = {"karta-klassa": 0.85, "ip-kuznetsova": 0.75, "proaktivnye-servisy": (0.8, 0.3)}
            cycle = self._panel(challenge, 1, levels)
            self._decide(
                operator, cycle, {"karta-klassa", "ip-kuznetsova"}, undecided=frozenset({"proaktivnye-servisy"})
            )
            timeline.go(-36)
            services.phase_publish_results(actor=operator, phase=self._phase(challenge, 1))

    def _evaluation(self) -> None:
        """The first phase is decided and published; the second has closed and its panel is at
        work: expert@ has two evaluations to finish, and one expert recused himself."""
        owner = self.health_admin
        with self._history(-130) as timeline:
            challenge = self._challenge("mental-health-pathway", owner, timeline, [(-120, -80), (-60, -4)])
            self._publish(challenge, owner, timeline, reviewed_on=-127)
            timeline.go(-115)
            questions = self._ask(challenge, ["neiromost", "zabota-riadom"])
            timeline.go(-110)
            self._answer(owner, challenge, questions)
            timeline.go(-100)
            self._submit(challenge, 1, "neiromost", 0)
            self._submit(challenge, 1, "bystryi-otklik", 1)
            timeline.go(-90)
            self._submit(challenge, 1, "zabota-riadom", 2)
            self._submit(challenge, 1, "proaktivnye-servisy", 3)
            timeline.go(-78)
            levels = {"neiromost": 0.85, "zabota-riadom": 0.8, "bystryi-otklik": 0.6, "proaktivnye-servisy": 0.5}
            cycle = self._panel(challenge, 1, levels)
            self._decide(owner, cycle, {"neiromost", "zabota-riadom"})
            timeline.go(-76)
            services.phase_publish_results(actor=owner, phase=self._phase(challenge, 1))
            timeline.go(-45)
            self._submit(challenge, 2, "neiromost", 0)
            self._submit(challenge, 2, "zabota-riadom", 2)
            timeline.go(-3)
            services.challenge_start_evaluation(actor=owner, challenge=challenge)
            self._panel_at_work(challenge)

    def _panel_at_work(self, challenge: Challenge) -> None:
        marina, dmitry, third = self.experts[0], self.experts[1], self.experts[2]
        first = self._submission(challenge, 2, "neiromost")
        second = self._submission(challenge, 2, "zabota-riadom")
        # expert@ has not opened the first yet, and has scored part of the second.
        services.assignment_create(actor=self.operator, submission=first, expert=marina)
        self._evaluate(first, third, 0.8)
        started = services.assignment_create(actor=self.operator, submission=second, expert=marina)
        services.conflict_declare(actor=marina, assignment=started, has_conflict=False)
        services.scores_save(actor=marina, assignment=started, scores=self._scores(challenge, 0.7, only=2))
        # expert2@ recuses himself; the service assigns the least busy expert in his place.
        recused = services.assignment_create(actor=self.operator, submission=second, expert=dmitry)
        services.conflict_declare(actor=dmitry, assignment=recused, has_conflict=True, note=RECUSAL_NOTE)
        replacement = Assignment.objects.get(submission=second, conflict=Declaration.UNDECLARED)
        self._score(replacement, 0.75)

    def _rolling(self) -> None:
        """Rolling intake in 15-day cycles: two cycles decided (one winner each, to reach the
        funnel when the phase's results are published), the third takes submissions now;
        consultations before applying."""
        owner = self.agency_admin
        with self._history(-50) as timeline:
            challenge = self._challenge("cav-dangerous-road-sections", owner, timeline, [(-40, 140), (150, 330)])
            self._publish(challenge, owner, timeline, reviewed_on=-48)
            timeline.go(-44)
            questions = self._ask(challenge, ["dorozhnyi-intellekt", "robocare"])
            timeline.go(-42)
            self._answer(owner, challenge, questions)
            timeline.go(-37)
            self._submit(challenge, 1, "dorozhnyi-intellekt", 0)
            timeline.go(-30)
            self._submit(challenge, 1, "transvision", 1)
            timeline.go(-24)
            cycle = self._panel(challenge, 1, {"dorozhnyi-intellekt": 0.85, "transvision": 0.55}, cycle=0)
            self._decide(owner, cycle, {"dorozhnyi-intellekt"})
            timeline.go(-20)
            self._submit(challenge, 1, "robocare", 2)
            timeline.go(-14)
            self._submit(challenge, 1, "bystryi-otklik", 4)
            timeline.go(-9)
            cycle = self._panel(challenge, 1, {"robocare": 0.8, "bystryi-otklik": 0.5}, cycle=1)
            self._decide(owner, cycle, {"robocare"})
            timeline.go(-3)
            self._submit(challenge, 1, "smartroute", 3)
            self._ask(challenge, [None, None, "smartroute"])
            timeline.go(0)
            self._slots(challenge, owner, timeline, [2, 4, 9], booked_by="chistyi-sled")

    def _open(self) -> None:
        """The first of three phases is open: three proposals in (one already edited), one
        question answered and one waiting, a consultation booked by a supplier still to apply."""
        operator = self.operator
        with self._history(-30) as timeline:
            challenge = self._challenge(
                "emergency-call-location", operator, timeline, [(-20, 25), (40, 70), (100, 130)]
            )
            self._publish(challenge, operator, timeline, reviewed_on=-28)
            timeline.go(-18)
            questions = self._ask(challenge, ["transvision", "bystryi-otklik"])
            timeline.go(-15)
            self._answer(operator, challenge, questions[:1])
            timeline.go(-10)
            self._submit(challenge, 1, "transvision", 0)
            timeline.go(-6)
            self._submit(challenge, 1, "smartroute", 1)
            timeline.go(-2)
            self._submit(challenge, 1, "neiromost", 2)
            edited = self._case(challenge)["submissions"][1]["summary"] + " Коды печатаются и на билетах в парки."
            self._submit(challenge, 1, "smartroute", 1, summary=edited)
            timeline.go(0)
            self._slots(challenge, operator, timeline, [3, 5, 10], booked_by="bystryi-otklik")

    def _upcoming(self) -> None:
        """Published; the first phase opens in twelve days. Questions and consultations already run."""
        operator = self.operator
        with self._history(-8) as timeline:
            windows = [(12, 50), (70, 160), (190, 370)]
            challenge = self._challenge("building-leaks-heat-loss", operator, timeline, windows)
            self._publish(challenge, operator, timeline, reviewed_on=-6)
            timeline.go(-4)
            questions = self._ask(challenge, ["teplyi-kontur", "gorodskie-sensory", "ip-kuznetsova"])
            timeline.go(-2)
            self._answer(operator, challenge, questions[:2])
            timeline.go(0)
            self._slots(challenge, operator, timeline, [5, 8], booked_by="teplyi-kontur")

    def _cancelled(self) -> None:
        """Published with rolling intake, then cancelled with a public reason."""
        operator = self.operator
        with self._history(-75) as timeline:
            challenge = self._challenge("care-home-fall-detection", operator, timeline, [(-60, 120)])
            self._publish(challenge, operator, timeline, reviewed_on=-73)
            timeline.go(-65)
            questions = self._ask(challenge, ["gorodskie-sensory", "ivanov-ip"])
            timeline.go(-62)
            self._answer(operator, challenge, questions)
            timeline.go(-50)
            self._submit(challenge, 1, "gorodskie-sensory", 0)
            timeline.go(-45)
            self._submit(challenge, 1, "ivanov-ip", 3)
            timeline.go(-30)
            reason = self._case(challenge)["cancel_reason"]
            services.challenge_cancel(actor=operator, challenge=challenge, reason=reason)

    def _in_review(self) -> None:
        """agency@ sent it to the operator two days ago."""
        owner = self.agency_admin
        with self._history(-3) as timeline:
            challenge = self._challenge("proactive-newborn-services", owner, timeline, [(14, 60), (90, 180)])
            timeline.go(-2)
            services.challenge_submit_for_review(actor=owner, challenge=challenge)

    def _changes_requested(self) -> None:
        """The operator returned it to agency@ with a note."""
        owner = self.agency_admin
        with self._history(-12) as timeline:
            challenge = self._challenge("safe-routes-to-school", owner, timeline, [(20, 80)])
            timeline.go(-10)
            services.challenge_submit_for_review(actor=owner, challenge=challenge)
            timeline.go(-7)
            note = self._case(challenge)["review_note"]
            services.challenge_request_changes(actor=self.operator, challenge=challenge, note=note)

    def _draft(self) -> None:
        """health@'s draft: the evaluation criteria are still to be written."""
        with self._history(-1) as timeline:
            self._challenge("polyclinic-missed-appointments", self.health_admin, timeline, [(30, 90)])


def _founded(today: date, years: int) -> date:
    """A founding date ``years`` full years (and some weeks) before today."""
    return today - timedelta(days=round(365.25 * years) + 45)
