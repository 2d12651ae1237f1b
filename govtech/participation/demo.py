"""Demo content for residents' participation: Moscow's administrative areas and districts, six calls
for ideas, some 350 ideas in Russian in every status with votes, threaded comments, reports and
official answers, 150 experience stories, participation points and a leaderboard.

Bulk where the volume demands it, services everywhere else. Ideas, votes, comments and stories are
inserted in bulk (thousands of rows: through the services they would take minutes and flood the
audit log with votes), with every derived value the services keep: vote and comment counts, search
stems, points by the services' rules. Every official answer, every support threshold reached,
the moderation, the milestones, and everything resident@ does go through the services, so the
audit log, the notifications, the points for accepted ideas and the ideas' initiatives in the
funnel are the real ones.

The services date their rows "now"; each history is then moved to the days it planned (the audit
log keeps the moment of loading, as it must). Deterministic: a seeded random generator. Idempotent:
nothing is done when any call, idea or story exists."""

import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from govtech.accounts import services as accounts
from govtech.accounts.demo import demo_person
from govtech.accounts.models import Membership, MembershipRole, Organization, OrganizationKind
from govtech.core.stemming import stem_string
from govtech.core.text import slug_from
from govtech.funnel.models import Initiative, StageStay
from govtech.notifications import services as notifications
from govtech.participation import services
from govtech.participation.demo_data import (
    ABUSIVE_COMMENT,
    AGENCIES,
    ANSWER_DAYS,
    ANSWERS,
    AUTHOR_REPLIES,
    BENEFITS,
    CALLS,
    CLOSINGS,
    COMMENTS,
    FACTS,
    FAIR_COMMENT,
    HIDE_REASONS,
    MEN,
    MILESTONES,
    OKRUG_WEIGHTS,
    OKRUGS,
    OPENERS,
    PERSONAL_DATA_COMMENT,
    PROPOSALS,
    REJECTION_REASONS,
    REPLIES,
    RESIDENT_STORY,
    SPAM_COMMENT,
    SPAM_IDEA,
    STAFF,
    STAFF_COMMENTS,
    STORY_TEMPLATES,
    SURNAMES,
    TOPIC_AGENCIES,
    TOPIC_COMMENTS,
    TOPIC_WEIGHTS,
    WOMEN,
    Proposal,
)
from govtech.participation.models import (
    Call,
    Comment,
    District,
    DistrictKind,
    Idea,
    IdeaStatus,
    Milestone,
    Participant,
    PointsEntry,
    PointsKind,
    Report,
    ReportReason,
    StatusChange,
    Story,
    StoryTemplate,
    Vote,
)

SEED = 2025
DEMO_DOMAIN = "demo.govtech.local"
HISTORY_DAYS = 365
GENERATED_RESIDENTS = 320
OPEN_IDEAS = 190  # outside calls; the calls bring about 140 more
TWINS = 14  # duplicates proposed again and merged into the first
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# Statuses after which an idea takes no more votes.
CLOSING = {IdeaStatus.REJECTED, IdeaStatus.MERGED, IdeaStatus.IMPLEMENTED}


def seed_participation(operator, *, password: str) -> None:
    """Create the participation demo once (skipped when any call, idea or story exists)."""
    if Call.objects.exists() or Idea.objects.exists() or Story.objects.exists():
        return
    with transaction.atomic():
        _Seeder(operator, password).run()


@dataclass
class _Plan:
    """One idea's whole history, decided before anything is written."""

    proposal: Proposal
    place: str
    title: str
    text: str
    topic: str
    author: object
    district: District | None
    call: Call | None
    agency: Organization | None
    submitted_at: datetime
    published_at: datetime
    steps: list[tuple[str, datetime]] = field(default_factory=list)  # official answers, in order
    merge_into: "_Plan | None" = None
    threshold_at: datetime | None = None  # the call's support threshold reached (a system answer)
    votes: list[tuple[object, datetime]] = field(default_factory=list)
    comments: list["_CommentPlan"] = field(default_factory=list)
    point: tuple[Decimal, Decimal] | None = None
    progress: int | None = None  # implementation progress, % (set with the milestones)
    idea: Idea | None = None

    @property
    def answer_times(self) -> list[datetime]:
        return ([self.threshold_at] if self.threshold_at else []) + [at for _status, at in self.steps]

    @property
    def votable_until(self) -> datetime | None:
        return next((at for status, at in self.steps if status in CLOSING), None)


@dataclass
class _CommentPlan:
    author: object
    text: str
    at: datetime
    parent: "_CommentPlan | None" = None
    comment: Comment | None = None


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Seeder:
    def __init__(self, operator, password: str) -> None:
        self.operator = operator
        self.password_hash = make_password(password)
        self.rng = random.Random(SEED)
        self.now = timezone.now()
        self.today = timezone.localdate()
        users = get_user_model().objects
        self.resident = users.get(email=f"resident@{DEMO_DOMAIN}")
        self.plans: list[_Plan] = []
        self.used: Counter = Counter()  # how often each (proposal, place) was proposed

    def run(self) -> None:
        self._districts()
        self._agencies()
        self._people()
        self._templates()
        self._calls()
        self._plan_ideas()
        self._create_ideas()
        self._create_votes()
        self._create_comments()
        self._answer()
        self._residents_part()
        self._moderate()
        self._stories()
        self._leaderboard()
        self._date_everything()

    # --- reference data, agencies and people -----------------------------------------------

    def _districts(self) -> None:
        self.okrugs, self.districts, self.where, self.centres = {}, {}, {}, {}
        for slug, name, locative, centre, districts in OKRUGS:
            okrug, _created = District.objects.get_or_create(
                slug=slug, defaults={"name": name, "kind": DistrictKind.OKRUG}
            )
            self.okrugs[slug], self.where[okrug.pk], self.centres[okrug.pk] = okrug, locative, centre
            self.districts[slug] = []
            for district_name, district_locative in districts:
                district, _created = District.objects.get_or_create(
                    slug=slug_from(district_name),
                    defaults={"name": district_name, "kind": DistrictKind.DISTRICT, "parent": okrug},
                )
                self.districts[slug].append(district)
                self.where[district.pk] = district_locative
        self.by_name = {d.name: d for area in self.districts.values() for d in area}

    def _pick_district(self) -> District:
        slug = self.rng.choices(list(OKRUG_WEIGHTS), weights=list(OKRUG_WEIGHTS.values()))[0]
        districts = self.districts[slug]
        if districts and self.rng.random() < 0.85:
            return self.rng.choice(districts)
        return self.okrugs[slug]

    def _agencies(self) -> None:
        for slug, name, description in AGENCIES:
            if not Organization.objects.filter(slug=slug).exists():
                accounts.organization_create(
                    actor=self.operator, kind=OrganizationKind.AGENCY, slug=slug, name=name, description=description
                )
        self.agencies = {org.slug: org for org in Organization.objects.filter(kind=OrganizationKind.AGENCY)}
        users = get_user_model().objects
        agency_admin, health = users.get(email=f"agency@{DEMO_DOMAIN}"), users.get(email=f"health@{DEMO_DOMAIN}")
        self.staff = {"dept-transport": agency_admin, "dept-it": agency_admin}
        self.staff.update({"dept-health": health, "polyclinic-3": health})
        for slug, email, name in STAFF:
            person = self._person(email, name)
            if not Membership.objects.filter(user=person, organization=self.agencies[slug]).exists():
                accounts.membership_add(
                    actor=self.operator, organization=self.agencies[slug], user=person, role=MembershipRole.ADMIN
                )
            self.staff[slug] = person

    def _person(self, email: str, name: str):
        return demo_person(email, name, password_hash=self.password_hash)

    def _people(self) -> None:
        """Generated residents who propose, vote, comment and tell stories; a few are very active."""
        User = get_user_model()
        rng = self.rng
        people = []
        for number in range(1, GENERATED_RESIDENTS + 1):
            is_woman = rng.random() < 0.55
            first = rng.choice(WOMEN if is_woman else MEN)
            surname = rng.choice(SURNAMES) + ("а" if is_woman else "")
            people.append(
                User(
                    email=f"resident-{number:03d}@{DEMO_DOMAIN}",
                    full_name=f"{first} {surname}",
                    password=self.password_hash,
                    date_joined=self.now - timedelta(days=HISTORY_DAYS + rng.randint(5, 700)),
                )
            )
        created = User.objects.bulk_create(people)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in created]
        )
        for user in created:
            accounts.user_record_signup(user=user)
        self.pool = [*created, User.objects.get(email=f"resident2@{DEMO_DOMAIN}")]
        # A few people do most of the participating (as everywhere).
        self.activity = [1 / (rank + 4) for rank in range(len(self.pool))]

    def _someone(self, *, besides=()) -> object:
        while True:
            person = self.rng.choices(self.pool, weights=self.activity)[0]
            if person not in besides:
                return person

    def _templates(self) -> None:
        self.templates = {}
        for spec in STORY_TEMPLATES:
            lists = {"tags": list(spec["tags"]), "involved": list(spec["involved"]), "outcomes": spec["outcomes"]}
            template, _created = StoryTemplate.objects.get_or_create(
                key=spec["key"],
                defaults={"title": spec["title"], "description": spec["description"], "topic": spec["topic"], **lists},
            )
            self.templates[spec["key"]] = template

    # --- calls for ideas ----------------------------------------------------------------------

    def _calls(self) -> None:
        self.calls = {}
        for spec in CALLS:
            opens, closes = spec["days"]
            call = services.call_create(
                actor=self.staff[spec["agency"]],
                agency=self.agencies[spec["agency"]],
                title=spec["title"],
                question=spec["question"],
                topic=spec["topic"],
                district=self.by_name[spec["district"]] if spec["district"] else None,
                opens_at=self._day(opens, hour=9),
                closes_at=self._day(closes, hour=23),
                moderation=spec["moderation"],
                support_threshold=spec["threshold"],
            )
            drafted = call.opens_at - 3 * DAY
            Call.objects.filter(pk=call.pk).update(created_at=drafted, updated_at=drafted)
            self.calls[spec["key"]] = call

    def _day(self, days: int, hour: int = 10) -> datetime:
        midnight = timezone.localtime(self.now).replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight + timedelta(days=days, hours=hour)

    # --- planning the ideas ---------------------------------------------------------------------

    def _least_used(self, proposals: list[Proposal]) -> tuple[Proposal, str]:
        """A proposal and a place proposed least so far, so that titles vary."""
        combinations = [(proposal, place) for proposal in proposals for place in proposal.places]
        fewest = min(self.used[(p.title, place)] for p, place in combinations)
        proposal, place = self.rng.choice(
            [(p, place) for p, place in combinations if self.used[(p.title, place)] == fewest]
        )
        self.used[(proposal.title, place)] += 1
        return proposal, place

    def _compose(self, proposal: Proposal, topic: str, district: District, *, twin: bool = False, place=None):
        """A title and a Markdown text from the proposal's templates. A proposal that names no
        place of its own names the district in the title."""
        rng = self.rng
        place = rng.choice(proposal.places) if place is None else place
        where = self.where[district.pk]
        values = {"place": place, "Place": _cap(place), "where": where}
        title = f"{proposal.twin if twin else proposal.title} {place or where}".strip()
        problem = rng.choice(proposal.problems).format(**values)
        if rng.random() < 0.5:
            problem += " " + rng.choice(FACTS[topic])
        actions = [action.format(**values) for action in proposal.actions]
        if len(actions) > 1 and rng.random() < 0.3:
            proposal_text = "Что предлагаю:\n\n" + "\n".join(f"- {action};" for action in actions)[:-1] + "."
        else:
            proposal_text = rng.choice(OPENERS).format(action=rng.choice(actions))
        ending = rng.choice(BENEFITS[topic])
        if rng.random() < 0.4:
            ending += " " + rng.choice(CLOSINGS)
        text = "\n\n".join([problem, proposal_text, ending])
        return title, re.sub(r" {2,}", " ", text), place

    def _point(self, district: District):
        """A map point near the centre of an administrative area (ideas naming only the area)."""
        if district.kind != DistrictKind.OKRUG or self.rng.random() < 0.4:
            return None
        lat, lon = self.centres[district.pk]
        jitter = self.rng.uniform
        return (
            Decimal(str(round(lat + jitter(-0.015, 0.015), 5))),
            Decimal(str(round(lon + jitter(-0.025, 0.025), 5))),
        )

    def _answer_steps(self, agency_slug: str, start: datetime, *, to_review: bool = True) -> list:
        """The official answers an agency gave, each after a delay typical of it, up to today."""
        rng = self.rng
        at = start + timedelta(days=rng.lognormvariate(math.log(ANSWER_DAYS[agency_slug]), 0.6))
        steps = []
        if at > self.now - 2 * HOUR:
            return steps
        if to_review and rng.random() < 0.55:
            steps.append((IdeaStatus.UNDER_REVIEW, at))
            at += timedelta(days=rng.uniform(10, 50))
            # Some reviews take long: the agency has said it is looking, and no more yet.
            if at > self.now - 2 * HOUR or rng.random() < 0.3:
                return steps
        # Most ideas are turned down, each with its reason; about one in five is taken up.
        if rng.random() < 0.8:
            return [*steps, (IdeaStatus.REJECTED, at)]
        return steps + self._implementation(at)

    def _implementation(self, accepted_at: datetime) -> list:
        rng = self.rng
        steps = [(IdeaStatus.ACCEPTED, accepted_at)]
        started = accepted_at + timedelta(days=rng.uniform(15, 75))
        if started < self.now - HOUR and rng.random() < 0.75:
            steps.append((IdeaStatus.IN_PROGRESS, started))
            done = started + timedelta(days=rng.uniform(30, 160))
            if done < self.now - HOUR and rng.random() < 0.6:
                steps.append((IdeaStatus.IMPLEMENTED, done))
        return steps

    def _plan(self, *, choice, topic, district, call, agency_slug, submitted_at, published_at):
        proposal, place = choice
        title, text, place = self._compose(proposal, topic, district, place=place)
        plan = _Plan(
            proposal=proposal,
            place=place,
            title=title,
            text=text,
            topic=topic,
            author=self._someone(),
            district=district,
            call=call,
            agency=self.agencies[agency_slug] if agency_slug else None,
            submitted_at=submitted_at,
            published_at=published_at,
            point=self._point(district),
        )
        self.plans.append(plan)
        return plan

    def _plan_ideas(self) -> None:
        self._plan_open_ideas()
        for spec in CALLS:
            self._plan_call_ideas(spec)
        self._leave_some_overdue()
        self._plan_twins()
        self._plan_residents_ideas()
        self._plan_spam()
        for plan in self.plans:
            self._plan_votes(plan)
            self._plan_comments(plan)
        self._plant_bad_comments()

    def _plan_open_ideas(self) -> None:
        rng = self.rng
        topics, weights = list(TOPIC_WEIGHTS), list(TOPIC_WEIGHTS.values())
        for _ in range(OPEN_IDEAS):
            topic = rng.choices(topics, weights=weights)[0]
            district = self._pick_district()
            published = self.now - timedelta(days=HISTORY_DAYS * rng.random() ** 1.15, hours=rng.uniform(0, 12))
            slug = TOPIC_AGENCIES[topic]
            if topic == "health" and district.name == "Басманный":
                slug = "polyclinic-3"  # the district's polyclinic answers for its own patients
            recent = self.now - published < timedelta(days=21)
            if recent and rng.random() < 0.5:
                slug = None  # the operator has not assigned it yet
            plan = self._plan(
                choice=self._least_used(PROPOSALS[topic]),
                topic=topic,
                district=district,
                call=None,
                agency_slug=slug,
                submitted_at=published,
                published_at=published,
            )
            if slug:
                plan.steps = self._answer_steps(slug, published)

    def _plan_call_ideas(self, spec: dict) -> None:
        rng = self.rng
        call = self.calls[spec["key"]]
        last = min(call.closes_at, self.now - 6 * HOUR)
        for _ in range(spec["ideas"]):
            district = call.district or self._pick_district()
            submitted = call.opens_at + (last - call.opens_at) * rng.random() ** 0.9
            published = submitted
            if spec["moderation"] == "pre":
                published = submitted + timedelta(hours=rng.uniform(3, 40))
                if published > self.now - HOUR:
                    continue  # still waiting: the services submit those (below)
            plan = self._plan(
                choice=self._least_used(spec["proposals"]),
                topic=spec["topic"],
                district=district,
                call=call,
                agency_slug=spec["agency"],
                submitted_at=submitted,
                published_at=published,
            )
            if spec["threshold"]:
                self._plan_threshold(plan, spec["threshold"], spec["agency"])
            else:
                plan.steps = self._answer_steps(spec["agency"], published)

    def _plan_threshold(self, plan: _Plan, threshold: int, agency_slug: str) -> None:
        """About a third of the call's ideas gather the support that sends them to review (the
        call's own step, taken by the service), and the agency answers them from there; the others
        stay below the threshold and are answered as usual."""
        rng = self.rng
        reached = plan.published_at + timedelta(days=rng.uniform(4, 40))
        if rng.random() < 0.38 and reached < self.now - 6 * HOUR:
            plan.threshold_at = reached
            plan.steps = self._answer_steps(agency_slug, reached, to_review=False)
            plan.votes = [None] * rng.randint(threshold + 3, threshold * 3)
        else:
            plan.steps = self._answer_steps(agency_slug, plan.published_at)
            plan.votes = [None] * rng.randint(2, threshold - 6)

    def _leave_some_overdue(self) -> None:
        """A few ideas every agency has let slip past the due date (agency@ and health@ included)."""
        due = timedelta(days=settings.GOVTECH_IDEA_ANSWER_DAYS)
        for slug in ("dept-transport", "dept-it", "dept-health", "dept-housing", "dept-education"):
            late = [
                plan
                for plan in self.plans
                if plan.agency
                and plan.agency.slug == slug
                and not plan.threshold_at
                and plan.steps
                and due < self.now - plan.published_at < due * 2.5
            ]
            for plan in late[:2]:
                plan.steps = []

    def _plan_twins(self) -> None:
        """Someone proposes an idea again in other words; the agency merges it into the first."""
        rng = self.rng
        for original in rng.sample(self._originals(), TWINS):
            self._twin(original, author=self._someone(besides=(original.author,)))

    def _originals(self, topic: str | None = None) -> list[_Plan]:
        """Ideas that a later duplicate can be merged into: open ones, still taking votes."""
        return [
            plan
            for plan in self.plans
            if plan.call is None
            and plan.agency
            and plan.merge_into is None
            and plan.votable_until is None
            and self.now - plan.published_at > timedelta(days=45)
            and topic in (None, plan.topic)
        ]

    def _twin(self, original: _Plan, *, author, published=None, steps=None) -> _Plan:
        proposal, place = original.proposal, original.place
        title, text, _place = self._compose(proposal, original.topic, original.district, twin=True, place=place)
        if published is None:
            published = original.published_at + timedelta(days=self.rng.uniform(5, 40))
        twin = _Plan(
            proposal=proposal,
            place=place,
            title=title,
            text=text,
            topic=original.topic,
            author=author,
            district=original.district,
            call=None,
            agency=original.agency,
            submitted_at=published,
            published_at=published,
            merge_into=original,
        )
        if steps is None:
            merged_at = published + timedelta(days=self.rng.uniform(3, 25))
            steps = [(IdeaStatus.MERGED, merged_at)] if merged_at < self.now - HOUR else []
        twin.steps = steps
        self.plans.append(twin)
        return twin

    def _plan_residents_ideas(self) -> None:
        """resident@ lives in Konkovo and has an idea in every answered state and one waiting."""
        konkovo = self.by_name["Коньково"]
        resident = self.resident

        def idea(topic: str, number: int, days_ago: int, steps: list[tuple[str, int]]) -> _Plan:
            published = self._day(-days_ago, hour=19)
            proposal = PROPOSALS[topic][number]
            title, text, place = self._compose(proposal, topic, konkovo)
            plan = _Plan(
                proposal=proposal,
                place=place,
                title=title,
                text=text,
                topic=topic,
                author=resident,
                district=konkovo,
                call=None,
                agency=self.agencies[TOPIC_AGENCIES[topic]],
                submitted_at=published,
                published_at=published,
                steps=[(status, published + timedelta(days=days)) for status, days in steps],
            )
            self.plans.append(plan)
            return plan

        S = IdeaStatus
        idea("transport", 4, 6, [])
        idea("housing", 1, 40, [(S.UNDER_REVIEW, 12)])
        idea("environment", 0, 70, [(S.ACCEPTED, 20)])
        idea("transport", 3, 120, [(S.UNDER_REVIEW, 8), (S.REJECTED, 30)])
        idea("housing", 0, 150, [(S.ACCEPTED, 25), (S.IN_PROGRESS, 70)])
        idea("environment", 1, 300, [(S.UNDER_REVIEW, 10), (S.ACCEPTED, 30), (S.IN_PROGRESS, 80), (S.IMPLEMENTED, 200)])
        original = next(plan for plan in self._originals("culture") if plan.author != resident)
        published = original.published_at + 3 * DAY
        self._twin(original, author=resident, published=published, steps=[(S.MERGED, published + 9 * DAY)])

    def _plan_spam(self) -> None:
        email, name = SPAM_IDEA["author"]
        published = self.now - timedelta(days=2, hours=5)
        self.spam = _Plan(
            proposal=PROPOSALS["economy"][0],
            place="",
            title=SPAM_IDEA["title"],
            text=SPAM_IDEA["text"],
            topic="economy",
            author=self._person(email, name),
            district=self._pick_district(),
            call=None,
            agency=None,
            submitted_at=published,
            published_at=published,
        )
        self.plans.append(self.spam)

    def _plan_votes(self, plan: _Plan) -> None:
        """Voters from the pool (never the author; resident@ votes through the services later),
        most of them in the first weeks, none after the idea stopped taking votes."""
        rng = self.rng
        if plan is self.spam:
            return
        if plan.votes:
            count = len(plan.votes)
        else:
            age_days = (self.now - plan.published_at).days
            count = rng.lognormvariate(2.2, 0.9) * min(1.0, age_days / 45) ** 0.5
            if any(status == IdeaStatus.ACCEPTED for status, _at in plan.steps):
                count *= 1.7
            count = min(int(count), 240)
        end = plan.votable_until or self.now
        start = plan.published_at
        voters = rng.sample([p for p in self.pool if p != plan.author], count)
        if plan.threshold_at:
            threshold = plan.call.support_threshold
            before = sorted(start + (plan.threshold_at - start) * rng.random() for _ in range(threshold - 1))
            after = sorted(
                plan.threshold_at + (end - plan.threshold_at) * rng.random() ** 1.5 for _ in range(count - threshold)
            )
            times = [*before, plan.threshold_at, *after]
        else:
            times = sorted(start + (end - start) * rng.random() ** 1.8 for _ in range(count))
        plan.votes = list(zip(voters, times, strict=True))

    def _plan_comments(self, plan: _Plan) -> None:
        """A thread: comments and replies (the author thanks, the agency's staff asks), no text twice."""
        rng = self.rng
        if plan is self.spam:
            return
        count = rng.choices([0, 1, 2, 3, 4, 6, 9], weights=[14, 16, 18, 15, 13, 12, 12])[0]
        count = min(count, 2 + len(plan.votes) // 3)
        texts = iter(rng.sample(COMMENTS + TOPIC_COMMENTS[plan.topic], count))
        replies, thanks = iter(rng.sample(REPLIES, len(REPLIES))), iter(rng.sample(AUTHOR_REPLIES, len(AUTHOR_REPLIES)))
        staff = self.staff.get(plan.agency.slug) if plan.agency else None
        for _ in range(count):
            parent = rng.choice(plan.comments) if plan.comments and rng.random() < 0.35 else None
            if parent is None:
                at = self._between(plan.published_at, self.now)
                if staff and plan.steps and rng.random() < 0.12:
                    author, text = staff, rng.choice(STAFF_COMMENTS)
                else:
                    author, text = self._someone(besides=(plan.author,)), next(texts)
            else:
                at = self._between(parent.at, min(parent.at + 5 * DAY, self.now))
                thank = next(thanks, None) if parent.author != plan.author and rng.random() < 0.4 else None
                if thank:
                    author, text = plan.author, thank
                else:
                    author, text = self._someone(besides=(parent.author,)), next(replies, "+1")
            plan.comments.append(_CommentPlan(author=author, text=text, at=at, parent=parent))

    def _between(self, start: datetime, end: datetime) -> datetime:
        return start + (end - start) * self.rng.random() ** 1.5

    # --- writing the ideas, votes and comments -------------------------------------------------

    def _create_ideas(self) -> None:
        due = timedelta(days=settings.GOVTECH_IDEA_ANSWER_DAYS)
        ideas = []
        for plan in self.plans:
            published = plan.published_at
            ideas.append(
                Idea(
                    title=plan.title,
                    text=plan.text,
                    topic=plan.topic,
                    district=plan.district,
                    call=plan.call,
                    agency=plan.agency,
                    author=plan.author,
                    status=IdeaStatus.PUBLISHED,
                    latitude=plan.point[0] if plan.point else None,
                    longitude=plan.point[1] if plan.point else None,
                    search_stems=stem_string(f"{plan.title} {plan.text}"),
                    published_at=published,
                    answer_due_at=published + due,
                    vote_count=len(self._bulk_votes(plan)),
                    comment_count=len(plan.comments),
                )
            )
        for plan, idea in zip(self.plans, Idea.objects.bulk_create(ideas), strict=True):
            plan.idea = idea
        PointsEntry.objects.bulk_create(
            [
                self._points(plan.author, PointsKind.IDEA_PUBLISHED, f"idea:{plan.idea.pk}", plan.published_at)
                for plan in self.plans
            ]
        )

    def _bulk_votes(self, plan: _Plan) -> list:
        """Votes counted when the idea is written: for an idea that reaches a threshold, those before it."""
        if plan.threshold_at:
            return plan.votes[: plan.call.support_threshold - 1]
        return plan.votes

    def _points(self, user, kind: str, key: str, at: datetime) -> PointsEntry:
        return PointsEntry(user=user, kind=kind, points=services.POINTS[kind], key=key, created_at=at)

    def _create_votes(self) -> None:
        """Every vote but those that reach a threshold, with the author's point for each."""
        votes, points = [], []
        for plan in self.plans:
            idea, skip = plan.idea, self._threshold_voter(plan)
            for voter, at in plan.votes:
                if voter != skip:
                    votes.append(Vote(idea=idea, user=voter, created_at=at))
                    key = f"vote:{idea.pk}:{voter.pk}"
                    points.append(self._points(plan.author, PointsKind.VOTE_RECEIVED, key, at))
        Vote.objects.bulk_create(votes, batch_size=2000)
        PointsEntry.objects.bulk_create(points, batch_size=2000)
        for plan in self.plans:
            if plan.threshold_at:
                self._reach_threshold(plan)

    def _threshold_voter(self, plan: _Plan):
        return plan.votes[plan.call.support_threshold - 1][0] if plan.threshold_at else None

    def _reach_threshold(self, plan: _Plan) -> None:
        """The vote that reaches the call's threshold goes through the service, which sends the idea
        to review and tells the agency."""
        threshold = plan.call.support_threshold
        voter, at = plan.votes[threshold - 1]
        services.vote_add(actor=voter, idea=plan.idea)
        StatusChange.objects.filter(idea=plan.idea).update(created_at=at)
        Vote.objects.filter(idea=plan.idea, user=voter).update(created_at=at)
        PointsEntry.objects.filter(key=f"vote:{plan.idea.pk}:{voter.pk}").update(created_at=at)
        # The votes after it were written with the others; count them now.
        Idea.objects.filter(pk=plan.idea.pk).update(vote_count=F("vote_count") + len(plan.votes) - threshold)

    def _create_comments(self) -> None:
        """Comments in bulk, a thread level at a time (a reply needs its parent's id)."""
        pending = [(plan.idea, comment) for plan in self.plans for comment in plan.comments]
        while pending:
            level = [(idea, c) for idea, c in pending if c.parent is None or c.parent.comment is not None]
            created = Comment.objects.bulk_create(
                [
                    Comment(idea=idea, parent=c.parent.comment if c.parent else None, author=c.author, text=c.text)
                    for idea, c in level
                ]
            )
            for (_idea, planned), comment in zip(level, created, strict=True):
                planned.comment = comment
                comment.created_at = comment.updated_at = planned.at
            Comment.objects.bulk_update(created, ["created_at", "updated_at"])
            pending = [(idea, c) for idea, c in pending if c.comment is None]

    def _plant_bad_comments(self) -> None:
        """Comments for the moderators: an insult, someone's phone number, an advert, and a harsh but
        fair remark that someone reports anyway."""
        week_old = [p for p in self.plans if p.comments and p.call is None and self.now - p.published_at > 7 * DAY]
        polyclinic = [
            p for p in self.plans if p.call == self.calls["polyclinics"] and self.now - p.published_at > 3 * DAY
        ]
        self.bad = {}
        for key, text, plan in (
            ("abuse", ABUSIVE_COMMENT, week_old[3]),
            ("personal_data", PERSONAL_DATA_COMMENT, polyclinic[2]),
            ("spam", SPAM_COMMENT, week_old[11]),
            ("fair", FAIR_COMMENT, week_old[17]),
        ):
            comment = _CommentPlan(
                author=self._someone(besides=(plan.author,)), text=text, at=plan.published_at + 20 * HOUR
            )
            plan.comments.append(comment)
            self.bad[key] = comment

    # --- official answers, through the services ----------------------------------------------

    def _answer(self) -> None:
        """Accepting (which creates the initiative and awards points), merging (which moves votes)
        and all of resident@'s answers go through the services; a plain review or rejection, which
        changes nothing but the status and its message, is written in bulk."""
        changes, milestones = [], []
        for plan in sorted(self.plans, key=lambda p: p.published_at):
            if plan.author == self.resident or any(
                s in (IdeaStatus.ACCEPTED, IdeaStatus.MERGED) for s, _ in plan.steps
            ):
                changes += self._answer_through_services(plan)
                if plan.author != self.resident:
                    milestones += self._milestones(plan)
            elif plan.steps:
                changes += self._answer_in_bulk(plan)
        StatusChange.objects.bulk_create([change for change in changes if change.pk is None])
        StatusChange.objects.bulk_update([change for change in changes if change.pk], ["created_at"])
        Milestone.objects.bulk_create(milestones)

    def _official(self, status: str, topic: str) -> dict:
        reason = ""
        if status == IdeaStatus.REJECTED:
            reason = self.rng.choice(REJECTION_REASONS.get(topic, []) + REJECTION_REASONS["default"])
        return {"message": self.rng.choice(ANSWERS[status]), "reason": reason}

    def _answer_in_bulk(self, plan: _Plan) -> list[StatusChange]:
        previous = IdeaStatus.UNDER_REVIEW if plan.threshold_at else IdeaStatus.PUBLISHED
        changes = []
        for status, at in plan.steps:
            changes.append(
                StatusChange(
                    idea=plan.idea,
                    from_status=previous,
                    to_status=status,
                    agency=plan.agency,
                    actor=self.staff[plan.agency.slug],
                    created_at=at,
                    **self._official(status, plan.topic),
                )
            )
            previous = status
        Idea.objects.filter(pk=plan.idea.pk).update(status=previous)
        return changes

    def _answer_through_services(self, plan: _Plan) -> list[StatusChange]:
        staff = self.staff[plan.agency.slug]
        for status, at in plan.steps:
            merged_into = plan.merge_into.idea if status == IdeaStatus.MERGED else None
            moment = timezone.now()
            services.idea_answer(
                actor=staff,
                idea=plan.idea,
                to_status=status,
                merged_into=merged_into,
                **self._official(status, plan.topic),
            )
            if status == IdeaStatus.ACCEPTED:
                self._date_initiative(plan.idea, at)
                if plan.author == self.resident:
                    self._residents_milestones(plan, staff, at)
            elif status == IdeaStatus.MERGED:
                # The votes that moved earn the surviving idea's author points from the merge on.
                PointsEntry.objects.filter(key__startswith=f"vote:{merged_into.pk}:", created_at__gte=moment).update(
                    created_at=at
                )
        if plan.author == self.resident and plan.progress is not None:
            services.idea_progress(actor=staff, idea=plan.idea, progress=plan.progress)
        changes = list(StatusChange.objects.filter(idea=plan.idea).order_by("id"))
        for change, at in zip(changes, plan.answer_times, strict=True):
            change.created_at = at
        return changes

    def _milestone_dates(self, plan: _Plan) -> list[tuple[str, date, date | None]]:
        """The implementation's milestones (title, due, done) planned when the idea was accepted;
        those whose day has come are done, some a few days late. Sets the idea's progress."""
        accepted = next(at for status, at in plan.steps if status == IdeaStatus.ACCEPTED)
        statuses = [status for status, _at in plan.steps]
        finished = next((at for status, at in plan.steps if status == IdeaStatus.IMPLEMENTED), None)
        span = (finished - accepted) if finished else timedelta(days=self.rng.uniform(90, 220))
        titles = MILESTONES[: self.rng.randint(3, len(MILESTONES))]
        last_day = timezone.localdate(finished) if finished else self.today
        rows = []
        for number, title in enumerate(titles):
            due = timezone.localdate(accepted + span * (number + 1) / len(titles))
            # The last milestone, the acceptance of the work, is done only when the idea is implemented.
            is_last = number == len(titles) - 1
            is_done = finished or (IdeaStatus.IN_PROGRESS in statuses and due <= self.today and not is_last)
            done = min(due + timedelta(days=self.rng.randint(-5, 6)), last_day) if is_done else None
            rows.append((title, due, done))
        done_count = sum(1 for _title, _due, done in rows if done)
        if finished:
            plan.progress = 100
        elif IdeaStatus.IN_PROGRESS in statuses:
            plan.progress = max(5, min(95, round(100 * done_count / len(rows) / 5) * 5))
        return rows

    def _milestones(self, plan: _Plan) -> list[Milestone]:
        if IdeaStatus.ACCEPTED not in [status for status, _at in plan.steps]:
            return []
        return [
            Milestone(idea=plan.idea, title=title, due_on=due, done_on=done)
            for title, due, done in self._milestone_dates(plan)
        ]

    def _residents_milestones(self, plan: _Plan, staff, accepted_at: datetime) -> None:
        """resident@'s accepted ideas have their milestones planned and ticked off through the services."""
        for title, due, done in self._milestone_dates(plan):
            milestone = services.milestone_add(actor=staff, idea=plan.idea, title=title, due_on=due)
            if done:
                services.milestone_done(actor=staff, milestone=milestone, done_on=done)

    def _date_initiative(self, idea: Idea, at: datetime) -> None:
        initiative_id = Idea.objects.values_list("initiative_id", flat=True).get(pk=idea.pk)
        Initiative.objects.filter(pk=initiative_id).update(created_at=at, updated_at=at, stage_entered_at=at)
        StageStay.objects.filter(initiative_id=initiative_id).update(entered_at=at)
        PointsEntry.objects.filter(kind=PointsKind.IDEA_ACCEPTED, key=f"idea:{idea.pk}").update(created_at=at)

    # --- resident@, the pre-moderated call, the operator's assignments ---------------------------

    def _residents_part(self) -> None:
        self._residents_votes()
        self._waiting_for_moderation()
        self._assign_new_ideas()
        resident = self.resident
        for idea in Idea.objects.filter(status=IdeaStatus.UNDER_REVIEW).exclude(author=resident).order_by("id")[:2]:
            notifications.follow_create(actor=resident, target=idea)
        template = self.templates[RESIDENT_STORY["template"]]
        spec = {key: value for key, value in RESIDENT_STORY.items() if key != "template"}
        services.story_submit(
            actor=resident,
            template=template,
            consent=True,
            anonymous=False,
            district=self.by_name["Коньково"],
            happened_on=self.today - timedelta(days=40),
            **spec,
        )
        services.leaderboard_choice(actor=resident, show=True)

    def _residents_votes(self) -> None:
        """resident@ supports a dozen ideas that still take votes, outside the threshold call."""
        votable = set(
            Idea.objects.filter(status__in=services.VOTABLE, hidden_at__isnull=True).values_list("pk", flat=True)
        )
        candidates = [
            p
            for p in self.plans
            if p.idea.pk in votable and p.author != self.resident and p.call != self.calls["stops"]
        ]
        for plan in self.rng.sample(candidates, 12):
            services.vote_add(actor=self.resident, idea=plan.idea)
            at = self._between(plan.published_at, plan.votable_until or self.now)
            Vote.objects.filter(idea=plan.idea, user=self.resident).update(created_at=at)
            PointsEntry.objects.filter(key=f"vote:{plan.idea.pk}:{self.resident.pk}").update(created_at=at)

    def _waiting_for_moderation(self) -> None:
        """Ideas sent to the pre-moderated call in the last days: health@ and the operator have them
        in the moderation queue; resident@ has one there too."""
        call = self.calls["polyclinics"]
        proposals = next(spec["proposals"] for spec in CALLS if spec["key"] == "polyclinics")
        authors = [self.resident] + [self._someone(besides=(self.resident,)) for _ in range(5)]
        self.waiting = []
        for number, author in enumerate(dict.fromkeys(authors)):
            district = self.by_name["Коньково"] if author == self.resident else self._pick_district()
            title, text, _place = self._compose(proposals[number % len(proposals)], "health", district)
            idea = services.idea_submit(
                actor=author, title=title, text=text, topic="health", call=call, district=district
            )
            submitted = self.now - timedelta(hours=10 + 17 * number)
            Idea.objects.filter(pk=idea.pk).update(created_at=submitted, updated_at=submitted)
            self.waiting.append(idea)

    def _assign_new_ideas(self) -> None:
        """The operator assigns two fresh ideas: the agency gets them in its inbox with a notification."""
        unassigned = [p for p in self.plans if p.agency is None and p is not self.spam]
        for plan in sorted(unassigned, key=lambda p: p.published_at)[-2:]:
            agency = self.agencies[TOPIC_AGENCIES[plan.topic]]
            services.idea_assign_agency(actor=self.operator, idea=plan.idea, agency=agency)
            plan.agency = agency

    # --- moderation -------------------------------------------------------------------------------

    def _moderate(self) -> None:
        spam_idea = self.spam.idea
        for reporter in self._reporters(settings.GOVTECH_AUTO_HIDE_REPORTS, self.spam):
            # The last of these reports hides the advert until a moderator looks at it.
            services.report_create(actor=reporter, idea=spam_idea, reason=ReportReason.SPAM)
        abuse, personal, spam, fair = (self.bad[key] for key in ("abuse", "personal_data", "spam", "fair"))
        for reporter in self._reporters(2, abuse):
            services.report_create(actor=reporter, comment=abuse.comment, reason=ReportReason.ABUSE)
        services.content_hide(actor=self.operator, target=abuse.comment, reason=HIDE_REASONS["abuse"])
        # The call's agency moderates its own call.
        reason = HIDE_REASONS["personal_data"]
        services.content_hide(actor=self.staff["dept-health"], target=personal.comment, reason=reason)
        (reporter,) = self._reporters(1, spam)
        services.report_create(actor=reporter, comment=spam.comment, reason=ReportReason.SPAM)
        (reporter,) = self._reporters(1, fair)
        services.report_create(actor=reporter, comment=fair.comment, reason=ReportReason.ABUSE, note="Грубо.")
        services.content_restore(actor=self.operator, target=fair.comment)
        off_topic = next(
            p for p in self.plans if not p.steps and p.agency and p.call is None and p.author != self.resident
        )
        (reporter,) = self._reporters(1, off_topic)
        services.report_create(
            actor=reporter, idea=off_topic.idea, reason=ReportReason.OFF_TOPIC, note="Это не по теме."
        )
        self._date_moderation()

    def _reporters(self, count: int, content) -> list:
        return self.rng.sample([person for person in self.pool if person != content.author], count)

    def _date_moderation(self) -> None:
        """Reports and hiding happened the day after the content appeared."""
        for plan_comment in self.bad.values():
            at = plan_comment.at + 6 * HOUR
            Report.objects.filter(comment=plan_comment.comment).update(created_at=at)
            Report.objects.filter(comment=plan_comment.comment, resolved_at__isnull=False).update(
                resolved_at=at + 5 * HOUR
            )
            Comment.objects.filter(pk=plan_comment.comment.pk, hidden_at__isnull=False).update(hidden_at=at + 5 * HOUR)
        spam_at = self.spam.published_at + 3 * HOUR
        Report.objects.filter(idea=self.spam.idea).update(created_at=spam_at)
        Idea.objects.filter(pk=self.spam.idea.pk).update(hidden_at=spam_at)

    # --- stories ----------------------------------------------------------------------------------

    def _stories(self) -> None:
        bias = {slug: self.rng.uniform(-0.6, 0.6) for slug in OKRUG_WEIGHTS}
        planned = [
            self._story(spec, bias)
            for spec in STORY_TEMPLATES
            # resident@ tells one of them through the service.
            for _ in range(spec["count"] - (spec["key"] == RESIDENT_STORY["template"]))
        ]
        created = Story.objects.bulk_create([story for story, _at in planned])
        for story, (_planned, at) in zip(created, planned, strict=True):
            story.created_at = story.updated_at = at
        Story.objects.bulk_update(created, ["created_at", "updated_at"])
        PointsEntry.objects.bulk_create(
            [self._points(s.author, PointsKind.STORY_SHARED, f"story:{s.pk}", s.created_at) for s in created]
        )

    def _story(self, spec: dict, bias: dict) -> tuple[Story, datetime]:
        """A story in the template's own words: good or bad sentences as the experience was."""
        rng = self.rng
        district = self._pick_district()
        okrug = district.parent if district.parent_id else district
        mean = {"preschool": 3.4, "improvement": 3.0, "polyclinic": 3.2}[spec["key"]] + bias[okrug.slug]
        experience = min(5, max(1, round(rng.gauss(mean, 1.1))))
        tags = rng.sample(list(spec["tags"]), rng.randint(1, 3))
        involved = rng.sample(list(spec["involved"]), rng.randint(1, 2))
        sentences = [rng.choice(spec["openings"])]
        for position, name in enumerate(tags + involved):
            good, bad = spec["tags"].get(name) or spec["involved"][name]
            is_good = experience >= 4 or (experience == 3 and position % 2 == 0)
            sentences.append(good if is_good else bad)
        if experience >= 4:
            outcome = rng.choice(spec["good_outcomes"])
        elif experience <= 2:
            outcome = rng.choice(spec["bad_outcomes"])
        else:
            outcome = rng.choice(spec["outcomes"][1:-1])
        created = self.now - timedelta(days=HISTORY_DAYS * rng.random() ** 0.85, hours=rng.uniform(0, 10))
        story = Story(
            template=self.templates[spec["key"]],
            author=self._someone(),
            district=district,
            what_happened=" ".join(sentences),
            experience=experience,
            tags=[tag for tag in spec["tags"] if tag in tags],
            involved=[person for person in spec["involved"] if person in involved],
            outcome=outcome,
            free_text=rng.choice(spec["suggestions"]) if rng.random() < 0.35 else "",
            consent=True,
            anonymous=rng.random() < 0.75,
            happened_on=timezone.localdate(created) - timedelta(days=rng.randint(0, 60)),
        )
        return story, created

    def _leaderboard(self) -> None:
        """The most active residents, and a few others, chose to appear on the leaderboard."""
        shown = self.pool[:25] + self.rng.sample(self.pool[25:], 10)
        Participant.objects.bulk_create([Participant(user=user, on_leaderboard=True) for user in shown])

    # --- dates ----------------------------------------------------------------------------------------

    def _date_everything(self) -> None:
        """The writes stamped the ideas "now": give each one the dates of its history."""
        for plan in self.plans:
            times = plan.answer_times
            activity = [plan.published_at, *times, *(c.at for c in plan.comments), *(at for _v, at in plan.votes)]
            Idea.objects.filter(pk=plan.idea.pk).update(
                created_at=plan.submitted_at,
                updated_at=max(activity),
                first_answered_at=times[0] if times else None,
                last_answered_at=times[-1] if times else None,
                progress=plan.progress or 0,
            )
