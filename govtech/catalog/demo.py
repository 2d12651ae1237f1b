"""Demo content for the catalog: 54 more suppliers (71 with those of the other demos), three
partner organizations, 132 products in Russian across the city's domains, quarterly intake cycles
from about two years back to the next quarter, and every accreditation story — accredited (some
ending within 60 days, some renewed), expired, declined with a reason, re-applied, withdrawn,
under review at every step of the expert panel, never applied. Agencies' buying projects in every
state and outcome with their shortlists, frozen searches and assessments; orders in every status,
each carried into the funnel at adoption; pilots; and agency reviews that make the ratings differ.

Everything whose state matters goes through the services, so the audit log, the notifications,
the eligibility records, the panel scores, the ratings and the funnel initiatives are the real
ones. The services read the clock, so the history is played in the order of its days (``_Clock``):
each step runs "now"; the intake windows and accreditation end dates that the services compare
"now" with are moved back as the days pass, and in the end every moment the steps recorded is moved
to the day of its step. Plain row updates do only that dating, recount each accreditation term in
calendar months from the day of its decision, and date when the new suppliers joined. The audit log
keeps the moment of loading, as it must. Deterministic: a seeded random generator. Idempotent:
nothing is done when any product or intake cycle exists."""

import datetime as dt
import itertools
import random
from bisect import bisect_right
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import DateField, DateTimeField, F, Func
from django.utils import timezone

from govtech.accounts import services as accounts
from govtech.accounts.demo import demo_person
from govtech.accounts.models import Membership, Organization, OrganizationKind
from govtech.accounts.validators import complete_inn, complete_ogrn
from govtech.catalog import services
from govtech.catalog.demo_products import (
    ASSESSMENTS,
    AUDIENCE,
    AWARD_REASON,
    DECLINE_REASONS,
    DEMO_DOMAIN,
    DEPLOYMENT_TEXT,
    IMPROVED,
    LOCATION_TEXT,
    ORDER_NOTES,
    ORDERS,
    PARTNERS,
    PILOTS,
    PRICING_TEXT,
    PRODUCTS,
    PROJECTS,
    RECOMMENDATIONS,
    RECUSAL_NOTE,
    REFERENCE_CUSTOMERS,
    REFERENCE_TEXTS,
    RESTATEMENTS,
    SCORE_COMMENTS,
    SHORTLIST_NOTES,
    STATEMENTS,
    SUMMARIES,
    SUPPLIERS,
    TRL_TEXT,
    UNSUITABLE,
    ProductSpec,
)
from govtech.catalog.models import (
    AgencyReview,
    Application,
    BuyingProject,
    Criterion,
    IntakeCycle,
    Order,
    OrderEvent,
    OrderStatus,
    Outcome,
    Product,
    ProductUse,
    Review,
    SearchRevision,
    ShortlistItem,
    UseKind,
)
from govtech.catalog.selectors import CatalogQuery, search_products
from govtech.challenges.models import Declaration
from govtech.funnel.models import GateDecision, Initiative, StageStay
from govtech.funnel.states import Stage

SEED = 2027
FIRST_DAY = -800  # nothing happens earlier; a supplier without a founding date applies from this day
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
LANGUAGE_NAMES = {"ru": "русский", "en": "английский", "tt": "татарский", "kk": "казахский", "zh": "китайский"}
# The eligibility of two cycles differs from the default: young companies must also be SMEs.
SME_RULES = {"any_of": [{"max_company_age_years": 7, "sme": True}, {"partner_recommendation": True}]}
# The catalog rows the history dates, and the funnel rows of the initiatives the orders created.
BACKDATED = [Product, Application, Review, ProductUse, AgencyReview, BuyingProject, ShortlistItem, Order, OrderEvent]
INITIATIVE_ROWS = [(Initiative, "pk__in"), (StageStay, "initiative__in"), (GateDecision, "initiative__in")]
# Open applications, most advanced first: the earliest submitted get the furthest.
OPEN_STAGES = ["ready", "ready", "one-done", "recused", "one-done", "partial", "partial", "declared"]
OPEN_STAGES += ["declared", "assigned", "assigned", "assigned", "new", "new", "new", "new", "new"]


def seed_catalog(operator, *, password: str) -> None:
    """Create the catalog demo once (skipped when any product or intake cycle exists)."""
    if Product.objects.exists() or IntakeCycle.objects.exists():
        return
    with transaction.atomic():
        _Seeder(operator, password).run()
        SearchRevision.bump()  # the history moved dates with update(), which Product.save does not see


class _DaysEarlier(Func):
    """A date column ``days`` earlier. Django's date arithmetic gives a datetime string on SQLite,
    which a date column cannot read back, so each database gets its own expression."""

    output_field = DateField()

    def __init__(self, name: str, days: int) -> None:
        super().__init__(F(name))
        self.days = days

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, %s)", [*params, f"-{self.days} days"]

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} - %s::integer)", [*params, self.days]


def _earlier(queryset, days: int) -> None:
    """Every moment of the rows ``days`` earlier."""
    names = [f.name for f in queryset.model._meta.concrete_fields if isinstance(f, DateTimeField)]
    queryset.update(**{name: F(name) - dt.timedelta(days=days) for name in names})


class _Clock:
    """The catalog's history, in days from today (negative: the past), played in the order of its
    days. Steps call the services, which date what they record "now". The services compare "now"
    only with the intake cycles' windows and the accreditation end dates: ``go(day)`` moves those
    back by the days passed, so each step sees them as on its day. Every other moment recorded is
    the moment of loading; as the steps run in the order of their days, ``backdate()`` tells from a
    moment which day's step recorded it and moves it to that day. In the end each row carries the
    day of its step (the audit log keeps the moment of loading, as it must)."""

    def __init__(self, start: int) -> None:
        self.day = start
        self.midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        self.marks: list[tuple[dt.datetime, int]] = []  # when the steps of each day began, and the day
        self.initiative_ids: list[int] = []

    def at(self, day: int, hour: int = 0) -> dt.datetime:
        """The moment to give a service now for ``hour`` o'clock (city time) on ``day``."""
        return self.midnight + dt.timedelta(days=day - self.day, hours=hour)

    def go(self, day: int) -> None:
        if day < self.day:
            raise ValueError(f"a history moves forward: day {day} after day {self.day}")
        if day > self.day:
            days = day - self.day
            _earlier(IntakeCycle.objects.all(), days)
            for model in (Product, Application):
                model.objects.filter(accredited_until__isnull=False).update(
                    accredited_until=_DaysEarlier("accredited_until", days)
                )
            self.day = day
        if not self.marks or self.marks[-1][1] != day:
            self.marks.append((timezone.now(), day))

    def backdate(self) -> None:
        """Move every moment the steps recorded to the day of its step."""
        starts = [moment for moment, _day in self.marks]

        def moved(value):
            index = bisect_right(starts, value) - 1 if value is not None else -1
            return value + dt.timedelta(days=self.marks[index][1]) if index >= 0 else value

        querysets = [model.objects.all() for model in BACKDATED]
        querysets += [model.objects.filter(**{path: self.initiative_ids}) for model, path in INITIATIVE_ROWS]
        for queryset in querysets:
            names = [f.name for f in queryset.model._meta.concrete_fields if isinstance(f, DateTimeField)]
            rows = list(queryset.only("pk", *names))
            for row in rows:
                for name in names:
                    setattr(row, name, moved(getattr(row, name)))
            queryset.model.objects.bulk_update(rows, names, batch_size=500)


@dataclass
class _Cycle:
    name: str
    opens: int  # days from today
    closes: int
    eligibility: dict | None
    cycle: IntakeCycle | None = None


@dataclass
class _Item:
    """A product: its spec, its supplier's people and, once created, the row."""

    spec: ProductSpec
    supplier: Organization
    member: object
    accredited: list[tuple[int, int]] = field(default_factory=list)  # (from, until) days
    product: Product | None = None


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if len(text) > 1 and not text[1].isupper() else text


def _description(spec: ProductSpec) -> str:
    price = ""
    if spec.price is None:
        price = "; цена — по запросу"
    elif spec.price:
        price = ", от " + f"{spec.price:,}".replace(",", " ") + " ₽"
    languages = ", ".join(LANGUAGE_NAMES[code] for code in spec.languages.split())
    features = "\n".join(f"- {feature}" for feature in spec.features)
    return (
        f"{spec.summary}\n\n**Что умеет**\n\n{features}\n\n**Для кого.** Для {AUDIENCE[spec.category]}.\n\n"
        f"**Внедрение.** {DEPLOYMENT_TEXT[spec.deployment]} {LOCATION_TEXT[spec.location]} "
        f"{PRICING_TEXT[spec.pricing]}{price}. Языки интерфейса: {languages}.\n\n"
        f"**Готовность.** {TRL_TEXT[spec.trl]}"
    )


class _Seeder:
    def __init__(self, operator, password: str) -> None:
        self.operator = operator
        self.password_hash = make_password(password)
        self.rng = random.Random(SEED)
        self.today = timezone.localdate()
        self.events: list[tuple[int, int, object]] = []
        self.sequence = itertools.count()
        self.new_suppliers: list[Organization] = []
        self.members: dict[int, object] = {}
        # The stories, copied: playing them records the projects and orders on them.
        self.orders = [dict(story) for story in ORDERS]
        self.projects = [dict(story) for story in PROJECTS]

    def run(self) -> None:
        self._people()
        self._suppliers()
        self._partners()
        self._plan_products()
        self._plan_accreditation()
        self._plan_orders()
        self._plan_projects()
        self._plan_pilots()
        for item in self.items.values():
            self._plan_creation(item)
        self._cycles()
        self._play()
        self._references()
        self._after()

    # --- people and organizations (today: the history below does not move them) -------------

    def _person(self, email: str, name: str):
        return demo_person(email, name, password_hash=self.password_hash)

    def _people(self) -> None:
        users = get_user_model().objects
        experts = users.filter(is_expert=True, is_active=True)
        self.experts = sorted(experts, key=lambda user: (user.email != f"expert@{DEMO_DOMAIN}", user.pk))
        self.marina = self.experts[0]
        self.others = self.experts[1:]
        self.agencies = {org.slug: org for org in Organization.objects.filter(kind=OrganizationKind.AGENCY)}

    def _member(self, organization: Organization):
        if organization.pk in self.members:
            return self.members[organization.pk]
        membership = (
            Membership.objects.filter(organization=organization, user__is_operator=False)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        self.members[organization.pk] = membership.user if membership else self.operator
        return self.members[organization.pk]

    def _suppliers(self) -> None:
        self.suppliers: dict[str, tuple[Organization, object]] = {}
        for number, spec in enumerate(SUPPLIERS):
            person = self._person(f"{spec.slug}@{DEMO_DOMAIN}", spec.person)
            organization = Organization.objects.filter(slug=spec.slug).first()
            if organization is None:
                founded = self.today - dt.timedelta(days=round(365.25 * spec.founded_years_ago))
                inn, ogrn = self._registration(number, spec.region, founded, individual=spec.name.startswith("ИП"))
                organization = accounts.organization_create(
                    actor=person,
                    kind=OrganizationKind.SUPPLIER,
                    slug=spec.slug,
                    name=spec.name,
                    description=spec.description,
                    website=f"https://example.org/{spec.slug}",
                    inn=inn,
                    ogrn=ogrn,
                    founded_on=founded,
                    is_sme=spec.is_sme,
                    headcount=spec.headcount,
                )
                self.new_suppliers.append(organization)
            self.suppliers[spec.slug] = (organization, person)
        wanted = {spec.supplier for spec in PRODUCTS} - set(self.suppliers)
        for organization in Organization.objects.filter(kind=OrganizationKind.SUPPLIER, slug__in=wanted):
            self.suppliers[organization.slug] = (organization, self._member(organization))
        missing = wanted - set(self.suppliers)
        if missing:
            raise RuntimeError(f"the catalog demo needs the suppliers of the other demos: {sorted(missing)}")

    def _registration(self, number: int, region: str, founded: dt.date, *, individual: bool) -> tuple[str, str]:
        """An INN and an OGRN (OGRNIP) with valid check digits, the region's code and the year of
        registration in the OGRN, as the tax service issues them; unique among the organizations."""
        year = f"{founded.year % 100:02d}"
        office = "46" if region == "77" else "00"
        for attempt in range(50):
            serial = (number * 7919 + attempt * 104729 + 31337) % 1_000_000
            if individual:
                inn = complete_inn(f"{region}{(number % 40) + 1:02d}{serial:06d}")
                ogrn = complete_ogrn(f"3{year}{region}{serial:09d}")
            else:
                inn = complete_inn(f"{region}{(number % 40) + 1:02d}{serial % 100_000:05d}")
                ogrn = complete_ogrn(f"1{year}{region}{office}{serial % 100_000:05d}")
            if not Organization.objects.filter(inn=inn).exists():
                return inn, ogrn
        raise RuntimeError("no free INN for a demo supplier")

    def _partners(self) -> None:
        self.partners = []
        for slug, name, person_name, description in PARTNERS:
            person = self._person(f"{slug}@{DEMO_DOMAIN}", person_name)
            organization = Organization.objects.filter(slug=slug).first() or accounts.organization_create(
                actor=person,
                kind=OrganizationKind.PARTNER,
                slug=slug,
                name=name,
                description=description,
                website=f"https://example.org/{slug}",
            )
            self.partners.append(organization)
        self.partner_turn = itertools.cycle(range(len(self.partners)))

    # --- planning -----------------------------------------------------------------------------

    def on(self, day: int, action, *args, **kwargs) -> None:
        """Do ``action`` on ``day``; steps of one day run in the order they were planned."""
        if day > 0:
            raise ValueError(f"a demo step planned in the future: day {day}")
        if action == self._submit:
            self.first_submission = min(day, getattr(self, "first_submission", 0))
        self.events.append((day, next(self.sequence), lambda: action(*args, **kwargs)))

    def _day(self, date: dt.date) -> int:
        return (date - self.today).days

    def _quarter_start(self, date: dt.date) -> dt.date:
        return date.replace(month=3 * ((date.month - 1) // 3) + 1, day=1)

    def _cycles(self) -> None:
        """Quarterly cycles, each open for its whole quarter: from the one of the first application to the next one."""
        start = self._quarter_start(self.today + dt.timedelta(days=self.first_submission))
        self.cycles: list[_Cycle] = []
        upcoming = self._quarter_start(self.today) + dt.timedelta(days=100)
        while start <= upcoming:
            following = self._quarter_start(start + dt.timedelta(days=100))
            quarter = (start.month - 1) // 3 + 1
            name = f"Аккредитация, {ROMAN[quarter]} квартал {start.year}"
            self.cycles.append(_Cycle(name, self._day(start), self._day(following), None))
            start = following
        # Two cycles ask young companies to be small or medium-sized too: the rules are configuration.
        self.cycles[3].eligibility = SME_RULES
        self.cycles[-1].eligibility = SME_RULES
        for spec in self.cycles:
            self.on(min(spec.opens - 21, -1), self._create_cycle, spec)

    def _create_cycle(self, spec: _Cycle) -> None:
        extra = {"eligibility": spec.eligibility} if spec.eligibility else {}
        spec.cycle = services.cycle_create(
            actor=self.operator,
            name=spec.name,
            opens_at=self.clock.at(spec.opens),
            closes_at=self.clock.at(spec.closes),
            accreditation_months=18,
            min_experts=2,
            **extra,
        )

    def _cycle_on(self, day: int) -> _Cycle:
        return next(spec for spec in self.cycles if spec.opens <= day < spec.closes)

    def _plan_products(self) -> None:
        self.items: dict[str, _Item] = {}
        for spec in PRODUCTS:
            organization, member = self.suppliers[spec.supplier]
            self.items[spec.name] = _Item(spec, organization, member)
        # The first day each product is needed: its first application, order or project.
        self.needed: dict[str, int] = {}
        for story in self.orders:
            name = story["product"]
            self.needed[name] = min(self.needed.get(name, 0), story["day"] - 5)

    def _until(self, day: int) -> int:
        return self._day(services.add_months(self.today + dt.timedelta(days=day), 18))

    def _age_limit(self, item: _Item) -> int:
        """The earliest day the supplier could apply: some months after it was founded."""
        return self._day(item.supplier.founded_on) + 120 if item.supplier.founded_on else FIRST_DAY

    def _plan_accreditation(self) -> None:
        rng = self.rng
        self.open_applications: list[tuple[int, _Item, str]] = []
        self.recusal_planned = False
        for item in self.items.values():
            fate = item.spec.fate
            earliest = self._age_limit(item)
            if fate in ("accredited", "archived"):
                latest = min(-15, self.needed.get(item.spec.name, 0))
                low = max(-480 if fate == "accredited" else -420, earliest + 40)
                high = latest if fate == "accredited" else -250
                self._decided(item, rng.randint(low, high), accredit=True)
                if fate == "archived":
                    self.on(rng.randint(-40, -20), self._archive, item)
            elif fate in ("expiring", "expiring-renewal"):
                self._decided(item, rng.randint(-540, -495), accredit=True)
                if fate == "expiring-renewal":
                    self._open(item, rng.randint(-40, -3), renewal=True)
            elif fate == "renewed":
                first = rng.randint(-640, -600)
                self._decided(item, first, accredit=True)
                submitted = self._until(first) - rng.randint(60, 85)
                self._decided(item, submitted + rng.randint(20, 30), accredit=True, submitted=submitted, renewal=True)
            elif fate in ("expired", "expired-reapplied"):
                self._decided(item, rng.randint(-760, -565), accredit=True)
                if fate == "expired-reapplied":
                    self._open(item, rng.randint(-45, -3), renewal=True)
            elif fate == "lapsed-reaccredited":
                self._decided(item, rng.randint(-760, -700), accredit=True)
                submitted = rng.randint(-130, -110)
                self._decided(item, submitted + rng.randint(22, 32), accredit=True, submitted=submitted, renewal=True)
            elif fate == "declined":
                self._decided(item, rng.randint(max(-500, earliest + 40), -40), accredit=False)
            elif fate == "declined-reaccredited":
                self._decided(item, rng.randint(-520, -420), accredit=False)
                self._decided(item, rng.randint(-200, -40), accredit=True, improved=True)
            elif fate == "declined-reapplied":
                self._decided(item, rng.randint(-330, -220), accredit=False)
                self._open(item, rng.randint(-45, -3), improved=True)
            elif fate == "review":
                self._open(item, rng.randint(-45, -3))
            elif fate == "withdrawn":
                submitted = rng.randint(max(-400, earliest), -150)
                self.on(submitted, self._submit, item, 0)
                self.on(submitted + 2, self._assign, item, self._pair())
                self.on(submitted + rng.randint(8, 20), self._withdraw, item)
                self.needed[item.spec.name] = min(self.needed.get(item.spec.name, 0), submitted)
        # The open applications, the earliest submitted the furthest along.
        self.open_applications.sort(key=lambda entry: entry[0])
        for (submitted, item, statement), stage in zip(self.open_applications, OPEN_STAGES, strict=False):
            self._plan_open(item, submitted, statement, stage)

    def _pair(self, *, besides_marina: bool = False) -> list:
        return self.rng.sample(self.others if besides_marina else self.experts, 2)

    def _decided(
        self, item: _Item, decided: int, *, accredit: bool, submitted=None, renewal=False, improved=False
    ) -> None:
        """Submitted some weeks before ``decided``, reviewed by two experts, then decided."""
        rng = self.rng
        submitted = submitted if submitted is not None else decided - rng.randint(20, 35)
        if submitted < self._age_limit(item) or decided > 0:
            raise ValueError(f"{item.spec.name}: cannot apply on day {submitted}")
        statement = 2 if renewal else (3 if improved else len(item.accredited) % 3)
        level = rng.uniform(0.7, 0.92) if accredit else rng.uniform(0.3, 0.5)
        experts = self._pair()
        self.on(submitted, self._submit, item, statement)
        self.on(submitted + 2, self._assign, item, experts)
        recuse = accredit and not self.recusal_planned and not renewal
        for number, expert in enumerate(experts):
            day = min(submitted + 5 + 3 * number + rng.randint(0, 5), decided - 1)
            if recuse and number == 1:
                self.on(day, self._recuse, item, expert)
                self.on(min(day + 2, decided - 1), self._replacement, item, experts, level)
                self.recusal_planned = True
            else:
                self.on(day, self._score, item, expert, level)
        reason = DECLINE_REASONS[len(self.events) % len(DECLINE_REASONS)]
        if item.spec.location == "abroad":
            reason = DECLINE_REASONS[3]
        elif item.spec.trl <= 5:
            reason = DECLINE_REASONS[1]
        self.on(decided, self._decide, item, accredit, reason)
        if accredit:
            previous = item.accredited[-1][1] if item.accredited else decided
            start = previous if renewal and previous > decided else decided
            item.accredited.append((decided, self._until(start)))
        self.needed[item.spec.name] = min(self.needed.get(item.spec.name, 0), submitted)

    def _open(self, item: _Item, submitted: int, *, renewal=False, improved=False) -> None:
        statement = 2 if renewal else (3 if improved else 0)
        self.open_applications.append((submitted, item, statement))
        self.needed[item.spec.name] = min(self.needed.get(item.spec.name, 0), submitted)

    def _plan_open(self, item: _Item, submitted: int, statement: int, stage: str) -> None:
        """An application under review now, at ``stage`` of the panel's work."""
        rng = self.rng
        self.on(submitted, self._submit, item, statement)
        if stage == "new":
            return

        def step(days: int) -> int:
            return min(submitted + days, 0)

        level = rng.uniform(0.65, 0.9)
        other = rng.choice(self.others)
        if stage == "ready":
            experts = self._pair(besides_marina=True)
            self.on(step(1), self._assign, item, experts)
            self.on(step(2), self._score, item, experts[0], level)
            self.on(step(3), self._score, item, experts[1], level)
        elif stage == "one-done":
            self.on(step(1), self._assign, item, [other, self.marina])
            self.on(step(2), self._score, item, other, level)
        elif stage == "recused":
            first, second = self._pair(besides_marina=True)
            self.on(step(1), self._assign, item, [first, second])
            self.on(step(2), self._score, item, first, level)
            self.on(step(3), self._recuse, item, second)
        elif stage == "partial":
            self.on(step(1), self._assign, item, [self.marina, other])
            self.on(step(2), self._score, item, self.marina, level, only=2)
        elif stage == "declared":
            self.on(step(1), self._assign, item, [self.marina, other])
            self.on(step(2), self._declare, item, self.marina)
        else:  # assigned
            self.on(step(1), self._assign, item, [self.marina, other])

    def _plan_creation(self, item: _Item) -> None:
        rng = self.rng
        if item.spec.fate == "draft":
            self.on(rng.randint(-40, -3), self._create, item, publish=False)
            return
        first = self.needed.get(item.spec.name)
        if first is None or first == 0:
            day = rng.randint(-700, -10)
        else:
            day = max(first - rng.randint(15, 60), self._age_limit(item) - 60)
            if day >= first:
                raise ValueError(f"{item.spec.name}: created on day {day}, needed on day {first}")
        self.on(day, self._create, item, publish=True)

    def _accredited_on(self, item: _Item, day: int) -> bool:
        return any(start <= day <= until for start, until in item.accredited)

    def _plan_orders(self) -> None:
        """Each story: the project, the search saved with a shortlist, the search ended, the
        assessment, the award, the order, and the order's moves up to its status."""
        rng = self.rng
        for story in self.orders:
            item = self.items[story["product"]]
            start = story["day"]
            if not self._accredited_on(item, start) or not self._accredited_on(item, start + 7):
                raise ValueError(f"{item.spec.name} is not accredited on day {start} for its order")
            status = story["status"]
            gaps = [2, 2, 2, 1]  # end search, assess, award, order
            moves: list[tuple[str, int]] = []
            if status != "placed":
                moves.append((OrderStatus.CLOSED if status == "cancelled" else OrderStatus.ACCEPTED_BY_SUPPLIER, 2))
            if status in ("delivered", "accepted", "disputed", "closed"):
                moves.append((OrderStatus.DELIVERED, rng.randint(18, 45)))
            if status == "disputed" or story.get("dispute"):
                moves.append((OrderStatus.DISPUTED, 4))
            if story.get("dispute"):
                moves.append((OrderStatus.DELIVERED, 14))
            if status in ("accepted", "closed"):
                moves.append((OrderStatus.ACCEPTED, 5))
            if status == "closed":
                moves.append((OrderStatus.CLOSED, 25))
            total = sum(gaps) + sum(gap for _status, gap in moves)
            if total > -1 - start:
                scale = (-1 - start) / total
                gaps = [int(gap * scale) for gap in gaps]
                moves = [(move, int(gap * scale)) for move, gap in moves]
            day = start
            self.on(day, self._project, story, item)
            for gap, action in zip(gaps, [self._end, self._assess, self._award, self._order], strict=True):
                day += gap
                self.on(day, action, story)
            for move, gap in moves:
                day += gap
                self.on(day, self._move, story, move)
            if story["review"]:
                self.on(max(day, min(day + rng.randint(7, 30), -1)), self._review, story)

    def _plan_projects(self) -> None:
        for story in self.projects:
            day = story["day"]
            self.on(day, self._project, story, self.items[story["product"]] if "product" in story else None)
            stage = story["stage"]
            if stage == "cancelled":
                self.on(day + 3, self._outcome, story, Outcome.CANCELLED)
                continue
            if stage == "searching":
                continue
            self.on(day + 2, self._end, story)
            if stage == "ended":
                self.on(day + 4, self._assess, story, only=1)
                continue
            if stage == "cancelled_after_end":
                self.on(day + 9, self._outcome, story, Outcome.CANCELLED)
                continue
            self.on(day + 5, self._assess, story, low=stage == "none_suitable")
            if stage == "awarded":
                self.on(day + 8, self._award, story)
            elif stage == "none_suitable":
                self.on(day + 8, self._outcome, story, Outcome.NONE_SUITABLE)

    def _plan_pilots(self) -> None:
        rng = self.rng
        for agency_slug, name, stars, text in PILOTS:
            item = self.items[name]
            day = rng.randint(-300, -60)
            self.on(day, self._pilot, agency_slug, item)
            if stars:
                self.on(day + rng.randint(15, 40), self._pilot_review, agency_slug, item, stars, text)
            self.needed[name] = min(self.needed.get(name, 0), day)

    # --- playing the history ------------------------------------------------------------------

    def _play(self) -> None:
        self.events.sort(key=lambda event: (event[0], event[1]))
        self.clock = _Clock(self.events[0][0])
        for day, _sequence, action in self.events:
            self.clock.go(day)
            action()
        self.clock.go(0)
        self.clock.backdate()

    # products

    def _create(self, item: _Item, *, publish: bool) -> None:
        spec = item.spec
        item.product = services.product_create(
            actor=item.member,
            supplier=item.supplier,
            name=spec.name,
            summary=spec.summary,
            description=_description(spec),
            category=spec.category,
            trl=spec.trl,
            pricing_model=spec.pricing,
            price_from=spec.price,
            deployment=spec.deployment,
            data_location=spec.location,
            languages=spec.languages.split(),
            website=f"https://example.org/{spec.supplier}",
        )
        if publish:
            item.product = services.product_publish(actor=item.member, product=item.product)

    def _archive(self, item: _Item) -> None:
        item.product = services.product_archive(actor=item.member, product=item.product)

    # accreditation

    def _application(self, item: _Item) -> Application:
        return Application.objects.filter(product=item.product).order_by("-submitted_at", "-pk").first()

    def _submit(self, item: _Item, statement: int) -> None:
        spec = item.spec
        values = {
            "name": spec.name,
            "summary": spec.summary,
            "summary_lc": _lower_first(spec.summary),
            "trl": TRL_TEXT[spec.trl],
            "audience": AUDIENCE[spec.category],
            "feature": _lower_first(spec.features[(statement + len(item.accredited)) % 3]),
        }
        if statement < 2:
            text = STATEMENTS[(statement + spec.trl) % len(STATEMENTS)]
        elif statement == 2:
            text = RESTATEMENTS[spec.trl % len(RESTATEMENTS)]
        else:
            text = IMPROVED
        cycle = IntakeCycle.objects.get(pk=self._cycle_on(self.clock.day).cycle.pk)
        product = Product.objects.select_related("supplier").get(pk=item.product.pk)
        verdict = services.check_eligibility(product, None, timezone.localdate(), cycle.eligibility)
        recommendation = {}
        if not verdict.eligible:
            partner = self.partners[next(self.partner_turn)]
            template = RECOMMENDATIONS[spec.trl % len(RECOMMENDATIONS)]
            year = (self.today + dt.timedelta(days=self.clock.day)).year - 1
            recommendation = {
                "recommended_by": partner,
                "recommendation": template.format(partner=partner.name, year=year, product=spec.name),
            }
        services.application_submit(
            actor=item.member, product=product, cycle=cycle, statement=text.format(**values), **recommendation
        )

    def _assign(self, item: _Item, experts: list) -> None:
        application = self._application(item)
        for expert in experts:
            services.review_assign(actor=self.operator, application=application, expert=expert)

    def _review_of(self, item: _Item, expert) -> Review:
        return Review.objects.get(application=self._application(item), expert=expert)

    def _declare(self, item: _Item, expert) -> Review:
        return services.review_declare(actor=expert, review=self._review_of(item, expert), has_conflict=False)

    def _scores(self, level: float, only: int | None = None) -> dict:
        scores = {}
        for criterion in list(self.criteria)[:only]:
            value = round(level * criterion.scale_max) + self.rng.choice((-1, 0, 0, 1))
            value = min(max(value, 0), criterion.scale_max)
            share = value / criterion.scale_max
            comment = next(text for threshold, text in SCORE_COMMENTS[criterion.key] if share >= threshold)
            scores[criterion.key] = [value, comment]
        return scores

    @property
    def criteria(self) -> list[Criterion]:
        if not hasattr(self, "_criteria"):
            self._criteria = list(Criterion.objects.order_by("position", "pk"))
        return self._criteria

    def _score(self, item: _Item, expert, level: float, *, only: int | None = None) -> None:
        review = self._declare(item, expert)
        self._hand_in(review, level, only=only)

    def _hand_in(self, review: Review, level: float, *, only: int | None = None) -> None:
        summary = next(text for threshold, text in SUMMARIES if level >= threshold)
        services.review_save(
            actor=review.expert,
            review=review,
            scores=self._scores(level, only),
            summary=summary if only is None else "",
            complete=only is None,
        )

    def _recuse(self, item: _Item, expert) -> None:
        """The expert declares a conflict of interest; the service asks the least busy expert instead."""
        review = self._review_of(item, expert)
        services.review_declare(actor=expert, review=review, has_conflict=True, note=RECUSAL_NOTE)

    def _replacement(self, item: _Item, asked: list, level: float) -> None:
        review = Review.objects.exclude(expert__in=asked).get(
            application=self._application(item), conflict=Declaration.UNDECLARED
        )
        review = services.review_declare(actor=review.expert, review=review, has_conflict=False)
        self._hand_in(review, level)

    def _decide(self, item: _Item, accredit: bool, reason: str) -> None:
        before = Product.objects.values_list("accredited_until", flat=True).get(pk=item.product.pk)
        application = services.application_decide(
            actor=self.operator,
            application=self._application(item),
            accredit=accredit,
            reason="" if accredit else reason,
        )
        if accredit:
            self._count_term_from_the_day(application, before)

    def _count_term_from_the_day(self, application: Application, before: dt.date | None) -> None:
        """The service counted the term in months from the day of loading; the history moves it back
        by days, and months differ in length: count it from the day of the step instead."""
        ahead = dt.timedelta(days=-self.clock.day)  # how far the history will still move the dates back
        day = self.today - ahead
        start = max(day, before - ahead) if before else day
        until = services.add_months(start, application.cycle.accreditation_months) + ahead
        Application.objects.filter(pk=application.pk).update(accredited_until=until)
        Product.objects.filter(pk=application.product_id).update(accredited_until=until)

    def _withdraw(self, item: _Item) -> None:
        services.application_withdraw(actor=item.member, application=self._application(item))

    # buying projects and orders

    def _buyer(self, story: dict):
        agency = self.agencies[story["agency"]]
        return agency, self._member(agency)

    def _project(self, story: dict, item: _Item | None) -> None:
        """The buyer searches, saves the search into a project and shortlists up to three products."""
        agency, buyer = self._buyer(story)
        category = item.spec.category if item else story["category"]
        base = {"category": [category]}
        if item is not None or story.get("accredited_only"):
            base["accreditation"] = ["accredited"]
        params = {**base, "q": story["q"]} if story["q"] else base
        results = list(search_products(CatalogQuery.from_params(params))[:20])
        if (item is not None and item.product not in results) or not results:
            params = base
            results = list(search_products(CatalogQuery.from_params(params))[:20])
        project = services.project_create(
            actor=buyer, agency=agency, title=story["title"], need=story["need"], query=params
        )
        chosen = [item.product] if item is not None else []
        chosen += [product for product in results if product not in chosen][: 3 - len(chosen)]
        for number, product in enumerate(chosen):
            services.shortlist_add(
                actor=buyer, project=project, product=product, note=SHORTLIST_NOTES[number % len(SHORTLIST_NOTES)]
            )
        story["_project"] = project

    def _end(self, story: dict) -> None:
        _agency, buyer = self._buyer(story)
        story["_project"] = services.project_end_search(actor=buyer, project=story["_project"])

    def _assess(self, story: dict, *, only: int | None = None, low: bool = False) -> None:
        _agency, buyer = self._buyer(story)
        items = list(ShortlistItem.objects.filter(project=story["_project"]).select_related("project"))
        for number, shortlisted in enumerate(items[:only]):
            (lowest, highest), texts = ASSESSMENTS[min(number, len(ASSESSMENTS) - 1)]
            score, text = self.rng.randint(lowest, highest), self.rng.choice(texts)
            if low:
                score, text = score - 40, UNSUITABLE[number % len(UNSUITABLE)]
            services.shortlist_assess(actor=buyer, item=shortlisted, score=score, assessment=text)

    def _award(self, story: dict) -> None:
        _agency, buyer = self._buyer(story)
        project = story["_project"]
        best = ShortlistItem.objects.filter(project=project).order_by("-score", "pk").first()
        reason = story.get("reason") or AWARD_REASON.format(score=best.score, assessment=best.assessment)
        story["_project"] = services.project_record_outcome(
            actor=buyer, project=project, outcome=Outcome.AWARDED, reason=reason, product=best.product
        )

    def _outcome(self, story: dict, outcome: str) -> None:
        _agency, buyer = self._buyer(story)
        story["_project"] = services.project_record_outcome(
            actor=buyer, project=story["_project"], outcome=outcome, reason=story["reason"]
        )

    def _order(self, story: dict) -> None:
        _agency, buyer = self._buyer(story)
        order = services.order_place(
            actor=buyer, project=story["_project"], amount=story["amount"], description=story["description"]
        )
        self.clock.initiative_ids.append(order.initiative_id)
        story["_order"] = order

    def _move(self, story: dict, to_status: str) -> None:
        order = Order.objects.get(pk=story["_order"].pk)
        agency_side = to_status in (OrderStatus.ACCEPTED, OrderStatus.DISPUTED, OrderStatus.CLOSED)
        actor = self._buyer(story)[1] if agency_side else self.items[story["product"]].member
        note = {
            OrderStatus.ACCEPTED_BY_SUPPLIER: ORDER_NOTES["accepted_by_supplier"],
            OrderStatus.DELIVERED: ORDER_NOTES["redelivered" if order.status == OrderStatus.DISPUTED else "delivered"],
            OrderStatus.ACCEPTED: ORDER_NOTES["accepted"],
            OrderStatus.DISPUTED: story.get("dispute") or ORDER_NOTES["disputed"],
            OrderStatus.CLOSED: ORDER_NOTES["cancelled" if order.status == OrderStatus.PLACED else "closed"],
        }[to_status]
        story["_order"] = services.order_move(actor=actor, order=order, to_status=to_status, note=note)

    def _review(self, story: dict) -> None:
        agency, buyer = self._buyer(story)
        stars, text = story["review"]
        product = Product.objects.get(pk=self.items[story["product"]].product.pk)
        services.agency_review_add(actor=buyer, product=product, agency=agency, stars=stars, text=text)

    def _pilot(self, agency_slug: str, item: _Item) -> None:
        agency = self.agencies[agency_slug]
        initiative = (
            Initiative.objects.filter(sponsor=agency, stage__in=[Stage.PILOT, Stage.ADOPTION, Stage.SCALE])
            .exclude(pk__in=self.clock.initiative_ids)
            # An initiative pilots one product.
            .exclude(pk__in=ProductUse.objects.filter(kind=UseKind.PILOT).values("initiative_id"))
            .order_by("pk")
            .first()
        )
        if initiative is None:
            return
        services.pilot_record(actor=self._member(agency), product=item.product, agency=agency, initiative=initiative)

    def _pilot_review(self, agency_slug: str, item: _Item, stars: int, text: str) -> None:
        agency = self.agencies[agency_slug]
        if not ProductUse.objects.filter(product=item.product, agency=agency).exists():
            return
        product = Product.objects.get(pk=item.product.pk)
        services.agency_review_add(actor=self._member(agency), product=product, agency=agency, stars=stars, text=text)

    # --- after the history --------------------------------------------------------------------

    def _references(self) -> None:
        """Where the products were used: the suppliers' own customers, and the agencies whose
        orders they completed on the platform."""
        for number, item in enumerate(self.items.values()):
            if item.spec.fate in ("never", "draft") or item.product is None:
                continue
            kind = "customer" if number % 3 else "pilot"
            customers = REFERENCE_CUSTOMERS[item.spec.category]
            year = self.today.year - 1 - number % 3
            services.reference_add(
                actor=item.member,
                product=item.product,
                kind=kind,
                customer=customers[number % len(customers)],
                year=year,
                description=REFERENCE_TEXTS[kind].format(year=year),
            )
        for story in self.orders:
            order = Order.objects.filter(pk=story["_order"].pk).first() if "_order" in story else None
            if order is None or not order.was_accepted:
                continue
            item = self.items[story["product"]]
            services.reference_add(
                actor=item.member,
                product=item.product,
                kind="customer",
                agency=self.agencies[story["agency"]],
                year=order.updated_at.year,
                description=story["title"],
            )

    def _after(self) -> None:
        # The new suppliers and their people joined the platform a little before their first product.
        for organization in self.new_suppliers:
            first = Product.objects.filter(supplier=organization).order_by("created_at").first()
            if first is None:
                continue
            joined = first.created_at - dt.timedelta(days=7)
            Organization.objects.filter(pk=organization.pk).update(created_at=joined)
            get_user_model().objects.filter(memberships__organization=organization).update(date_joined=joined)
        # The decisions queued their expiry reminders for the dates they had when taken; queue the real ones.
        for until in set(
            Product.objects.filter(accredited_until__gte=self.today).values_list("accredited_until", flat=True)
        ):
            services._queue_expiry_reminders(until)
        services.send_expiry_reminders()
