"""Demo data for a newcomer: Moscow agencies, suppliers, experts, an operator and residents.

Idempotent: running it again changes nothing. Records are created through the same
services as real use, so the audit log holds their history too."""

from datetime import date

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from govtech.accounts import services
from govtech.accounts.models import Membership, MembershipRole, Organization, OrganizationKind, User
from govtech.accounts.validators import complete_inn, complete_ogrn
from govtech.catalog.demo import seed_catalog
from govtech.challenges.demo import seed_challenges
from govtech.funnel.demo import seed_funnel
from govtech.participation.demo import seed_participation
from govtech.procurement.demo import seed_procurement

DEMO_PASSWORD = "demo-govtech-2026"

OPERATOR_ORG = {
    "slug": "innovation-agency",
    "name": "Агентство инноваций города",
    "description": "Координационный центр GovTech: ведёт воронку инноваций, модерирует площадку, аккредитует поставщиков.",
    "website": "https://example.org/innovation-agency",
}

# (slug, name, district, description); the first entries are departments, the rest subordinate institutions.
AGENCIES = [
    (
        "dept-transport",
        "Департамент транспорта и развития дорожно-транспортной инфраструктуры",
        "",
        "Отвечает за общественный транспорт, дороги, парковки и пилоты беспилотного транспорта.",
    ),
    (
        "dept-it",
        "Департамент информационных технологий",
        "",
        "Цифровые сервисы города, городские платформы данных и пилоты ИИ.",
    ),
    (
        "dept-health",
        "Департамент здравоохранения",
        "",
        "Городские поликлиники и больницы, телемедицина, системы поддержки врачебных решений.",
    ),
    (
        "dept-education",
        "Департамент образования и науки",
        "",
        "Школы и колледжи, цифровая образовательная среда, программы для учителей.",
    ),
    (
        "dept-housing",
        "Департамент жилищно-коммунального хозяйства",
        "",
        "Содержание жилого фонда, вывоз отходов, благоустройство дворов.",
    ),
]
INSTITUTIONS = [
    ("org-transport-operator", "ГКУ «Организатор перевозок»", "dept-transport", "", "Планирование маршрутной сети."),
    ("polyclinic-3", "ГБУЗ «Городская поликлиника № 3»", "dept-health", "Басманный", "Амбулаторная помощь взрослым."),
    ("school-1535", "ГБОУ «Школа № 1535»", "dept-education", "Хамовники", "Общеобразовательная школа."),
    (
        "zhilishnik-tverskoy",
        "ГБУ «Жилищник Тверского района»",
        "dept-housing",
        "Тверской",
        "Содержание домов и дворов района.",
    ),
]

# Suppliers: (slug, name, INN without check digits, OGRN without check digit, founded, sme, headcount, description)
SUPPLIERS = [
    (
        "ecotrack",
        "ООО «ЭкоТрек»",
        "770123456",
        "112770012345",
        date(2019, 3, 14),
        True,
        34,
        "Датчики заполнения контейнеров и сервис маршрутизации мусоровозов.",
    ),
    (
        "aircheck",
        "ООО «Чистый воздух»",
        "772987654",
        "118774612390",
        date(2018, 9, 1),
        True,
        21,
        "Сеть недорогих станций мониторинга качества воздуха с открытым API.",
    ),
    (
        "robocare",
        "АО «Робокэр»",
        "771555123",
        "115774698765",
        date(2015, 5, 20),
        False,
        260,
        "Социальные роботы-помощники для центров социального обслуживания.",
    ),
    (
        "smartroute",
        "ООО «УмныйМаршрут»",
        "773301928",
        "120770045612",
        date(2020, 11, 2),
        True,
        12,
        "Алгоритмы планирования маршрутов и анализа пассажиропотока.",
    ),
    (
        "ivanov-ip",
        "ИП Иванов Сергей Петрович",
        "5001007322",
        "30450011600015",
        date(2016, 2, 10),
        True,
        1,
        "Разработка чат-ботов и интеграций для городских сервисов.",
    ),
]


# role, e-mail, full name
PEOPLE = [
    ("operator", "operator@demo.govtech.local", "Ольга Оператор"),
    ("agency", "agency@demo.govtech.local", "Антон Агентов"),
    ("agency-member", "health@demo.govtech.local", "Елена Врачева"),
    ("supplier", "supplier@demo.govtech.local", "Сергей Стартапов"),
    ("expert", "expert@demo.govtech.local", "Марина Экспертова"),
    ("expert", "expert2@demo.govtech.local", "Дмитрий Оценкин"),
    ("resident", "resident@demo.govtech.local", "Иван Горожанин"),
    ("resident", "resident2@demo.govtech.local", "Анна Москвичёва"),
]


class Command(BaseCommand):
    help = "Create demo organizations and accounts (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            people = {email: self._person(email, name) for _role, email, name in PEOPLE}
            operator = self.operator = people["operator@demo.govtech.local"]
            if not User.objects.filter(is_operator=True).exists():
                operator = self.operator = services.operator_bootstrap(user=operator)
            for role, email, _name in PEOPLE:
                if role == "expert":
                    services.platform_role_set(actor=operator, user=people[email], role="expert", granted=True)
            self._organizations(operator, people)
            seed_funnel(operator)
            seed_challenges(operator, password=DEMO_PASSWORD)
            seed_participation(operator, password=DEMO_PASSWORD)
            seed_catalog(operator, password=DEMO_PASSWORD)
        # Outside the transaction above: the import commits batch by batch, as it does in production.
        seed_procurement(log=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"demo data ready: {User.objects.count()} users, {Organization.objects.count()} organizations; "
                f"password for every demo account: {DEMO_PASSWORD}"
            )
        )

    def _person(self, email: str, name: str) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name)
            services.user_record_signup(user=user)
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        return user

    def _organization(self, actor: User, slug: str, kind: str, **fields) -> Organization:
        existing = Organization.objects.filter(slug=slug).first()
        if existing:
            return existing
        return services.organization_create(actor=actor, kind=kind, slug=slug, **fields)

    def _organizations(self, operator: User, people: dict[str, User]) -> None:
        self._organization(operator, kind=OrganizationKind.OPERATOR, **OPERATOR_ORG)
        for slug, name, district, description in AGENCIES:
            self._organization(
                operator, slug, OrganizationKind.AGENCY, name=name, district=district, description=description
            )
        for slug, name, parent_slug, district, description in INSTITUTIONS:
            parent = Organization.objects.get(slug=parent_slug)
            self._organization(
                operator,
                slug,
                OrganizationKind.AGENCY,
                name=name,
                parent=parent,
                district=district,
                description=description,
            )
        supplier_admin = people["supplier@demo.govtech.local"]
        for slug, name, inn, ogrn, founded, sme, headcount, description in SUPPLIERS:
            self._organization(
                supplier_admin,
                slug,
                OrganizationKind.SUPPLIER,
                name=name,
                inn=complete_inn(inn),
                ogrn=complete_ogrn(ogrn),
                founded_on=founded,
                is_sme=sme,
                headcount=headcount,
                description=description,
            )
        self._member(people["agency@demo.govtech.local"], "dept-transport", MembershipRole.ADMIN)
        self._member(people["agency@demo.govtech.local"], "dept-it", MembershipRole.ADMIN)
        self._member(people["health@demo.govtech.local"], "dept-health", MembershipRole.ADMIN)
        self._member(people["health@demo.govtech.local"], "polyclinic-3", MembershipRole.MEMBER)

    def _member(self, user: User, slug: str, role: str) -> None:
        organization = Organization.objects.get(slug=slug)
        if not Membership.objects.filter(user=user, organization=organization).exists():
            services.membership_add(actor=self.operator, organization=organization, user=user, role=role)
