"""Benchmark of the catalog search: full text with facets over 50,000 products, and deep pages.

Target (issue 6): on PostgreSQL the full-text + facets request has p95 at most 50 ms.

What it does, on each database in turn (each in its own process, since Django is set up once
per process):

* PostgreSQL, when BENCH_DATABASE_URL=postgres://… is set: its own database ``<name>_catalog``
  next to the one named there (dropped and made again at the start, dropped at the end unless
  ``--keep``), migrated (with the GIN index over the search stems);
* SQLite, always: a temporary file database, migrated.

1. Generates ``--products`` products (default 50,000) of 1 supplier in 20 (bulk_create straight
   into the tables, NOT through the services: no audit events): Russian names, summaries and
   markdown descriptions from word lists per category, with ``search_stems`` filled by
   core.stemming.stem_string from the same text services._index uses (name, summary,
   description, supplier's name); every category, TRL 1–9, every pricing model, prices from
   10,000 ₽ to tens of millions and "on request", every deployment, data location and interface
   languages; published (most), drafts and archived; accreditation: valid, expired, never,
   and open applications on top of each; expert scores, agency reviews and the rating the
   formula in catalog/rating.py gives; and the products that about 30 agencies used (ProductUse
   rows, unevenly: a few agencies use many products). Then VACUUM ANALYZE (ANALYZE on SQLite),
   as autovacuum would leave the tables.
2. Times the rebuild of the process's search snapshot (catalog.search_index: what the first
   catalog request after any catalog change does in each process), three times.
3. Draws a seeded sample of ``--queries`` catalog requests (default 200; on SQLite the first
   ``--sqlite-queries`` of the same sample, default 50, as the words are found by scanning there):
   Russian text queries of 1–3 words in other word forms than the texts use, some with 1–3 facet
   filters, filters without text, the unfiltered list; sorted by relevance, rating or newest. Each
   request does the work of the catalog page (views.product_list): selectors.catalog_counts(query)
   — the total and every facet's counts — then selectors.catalog_page(query, 1), the first 20 with
   their suppliers. The timed pass starts right after a rebuild, so each word's first request
   pays for finding its products in the database (the target is judged on this pass); then the
   same requests run again, every word seen. Prints p50/p95/max per kind of request, the time of
   the SQL statements by part (counts and facets, page) and the number of SQL queries per request.
4. "Page 500": ``selectors.catalog_page(query, 500)`` (offset 9,980) on broad requests: no text sorted by
   newest and by rating, and a broad text query sorted by relevance; ``--deep-runs`` times each
   (``--sqlite-deep-runs`` on SQLite).

The machine's other work slows every figure: the load average is printed next to them.
``--explain`` prints EXPLAIN ANALYZE (EXPLAIN QUERY PLAN on SQLite) of the slowest statements.
Without BENCH_DATABASE_URL it prints the SQLite figures and says PostgreSQL was skipped.
Usage: [BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench] .venv/bin/python bench/catalog.py
       [--products 50000] [--queries 200] [--sqlite-queries 50] [--deep-runs 10] [--sqlite-deep-runs 5]
       [--seed 6] [--explain] [--keep]
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import setup_django  # noqa: E402

TARGET_P95 = 0.050  # seconds, PostgreSQL, full-text + facets
PAGE_SIZE = 20
DEEP_PAGE = 500
SUPPLIER_SHARE = 20  # products per supplier, on average

# --- words -----------------------------------------------------------------------------------

# Per category: what products are (for names) and what they do (for summaries and descriptions).
CATALOG = {
    "transport": (
        [
            "умная парковка",
            "мониторинг общественного транспорта",
            "адаптивные светофоры",
            "учёт пассажиропотока",
            "диспетчеризация электробусов",
            "прогноз пробок",
            "контроль грузовых перевозок",
            "оплата проезда",
            "городской велопрокат",
            "управление такси",
        ],
        [
            "отслеживание автобусов и электробусов на карте",
            "подсчёт свободных парковочных мест по камерам",
            "прогноз времени прибытия на остановки",
            "управление светофорами по реальной нагрузке на перекрёстках",
            "оплата парковки со смартфона",
            "анализ пассажиропотока по валидациям",
            "планирование маршрутов общественного транспорта",
            "выявление нарушений правил дорожного движения",
        ],
    ),
    "environment": (
        [
            "мониторинг качества воздуха",
            "учёт твёрдых коммунальных отходов",
            "раздельный сбор мусора",
            "контроль свалок",
            "датчики уровня шума",
            "мониторинг водоёмов",
            "озеленение города",
            "экологическая карта",
        ],
        [
            "датчики качества воздуха во дворах и у дорог",
            "маршрутизация мусоровозов",
            "контроль заполнения контейнеров для отходов",
            "выявление несанкционированных свалок по спутниковым снимкам",
            "карта шума и загрязнений",
            "учёт зелёных насаждений и деревьев",
            "анализ проб воды в прудах и реках",
            "сообщения жителей об экологических нарушениях",
        ],
    ),
    "health": (
        [
            "запись к врачу",
            "телемедицина",
            "электронная медицинская карта",
            "анализ рентгеновских снимков",
            "мониторинг хронических пациентов",
            "управление поликлиникой",
            "диспетчеризация скорой помощи",
            "учёт лекарств",
        ],
        [
            "онлайн-запись в поликлиники и к врачам",
            "видеоконсультации врачей",
            "распознавание патологий на снимках с помощью нейросетей",
            "напоминания пациентам о приёме лекарств",
            "маршрутизация бригад скорой помощи",
            "учёт вакцинации",
            "электронные рецепты",
            "дистанционный мониторинг давления и пульса",
        ],
    ),
    "education": (
        [
            "электронный дневник",
            "платформа дистанционного обучения",
            "цифровая библиотека",
            "запись в кружки",
            "проверка домашних заданий",
            "профориентация школьников",
            "олимпиадная подготовка",
            "управление детским садом",
        ],
        [
            "расписание уроков и электронный журнал",
            "онлайн-курсы для школьников и учителей",
            "автоматическая проверка заданий",
            "запись детей в кружки и секции",
            "учёт посещаемости по пропускам",
            "подготовка к экзаменам",
            "обучение программированию и робототехнике",
            "каталог учебников и методических материалов",
        ],
    ),
    "housing": (
        [
            "умный дом",
            "учёт показаний счётчиков",
            "диспетчеризация лифтов",
            "управление многоквартирным домом",
            "контроль протечек",
            "энергосбережение",
            "заявки в управляющую компанию",
            "мониторинг котельных",
        ],
        [
            "автоматический сбор показаний счётчиков воды и тепла",
            "приём заявок жителей в управляющую компанию",
            "датчики протечек в подвалах",
            "диспетчеризация лифтового оборудования",
            "онлайн-голосование собственников",
            "контроль температуры в квартирах",
            "планирование капитального ремонта",
            "учёт расхода электроэнергии",
        ],
    ),
    "social": (
        [
            "поддержка пенсионеров",
            "социальное такси",
            "адресная помощь",
            "учёт волонтёров",
            "тревожная кнопка",
            "центр занятости",
            "доступная среда",
            "помощь многодетным семьям",
        ],
        [
            "приём заявлений на социальные выплаты",
            "тревожная кнопка для пожилых людей",
            "учёт волонтёров и их заданий",
            "карта доступной среды для маломобильных граждан",
            "подбор вакансий для безработных",
            "доставка продуктов и лекарств на дом",
            "сопровождение семей с детьми-инвалидами",
            "электронный сертификат на реабилитацию",
        ],
    ),
    "safety": (
        [
            "видеонаблюдение",
            "распознавание инцидентов",
            "система оповещения",
            "пожарная безопасность",
            "контроль доступа",
            "мониторинг мостов",
            "безопасный двор",
            "экстренные вызовы",
        ],
        [
            "видеоаналитика с городских камер",
            "распознавание оставленных предметов",
            "оповещение населения о чрезвычайных ситуациях",
            "датчики дыма и пожарная сигнализация",
            "контроль доступа в здания по лицу",
            "мониторинг состояния мостов и тоннелей",
            "приём экстренных вызовов 112",
            "анализ криминогенной обстановки",
        ],
    ),
    "services": (
        [
            "электронная очередь",
            "чат-бот для обращений",
            "портал городских услуг",
            "электронный документооборот",
            "обработка обращений граждан",
            "электронная подпись",
            "запись в МФЦ",
            "единое окно",
        ],
        [
            "электронная очередь в МФЦ и органах власти",
            "чат-бот, отвечающий на вопросы жителей круглосуточно",
            "автоматическая классификация обращений граждан",
            "электронный документооборот между ведомствами",
            "подписание документов электронной подписью",
            "онлайн-запись на приём",
            "распознавание документов и паспортов",
            "уведомления заявителям о статусе услуги",
        ],
    ),
    "economy": (
        [
            "поддержка предпринимателей",
            "аренда городского имущества",
            "электронные торги",
            "аналитика налогов",
            "нестационарная торговля",
            "инвестиционная карта",
            "туристический портал",
            "мониторинг цен",
        ],
        [
            "реестр мер поддержки малого бизнеса",
            "онлайн-аренда помещений у города",
            "проведение электронных торгов и аукционов",
            "анализ налоговых поступлений",
            "размещение нестационарных торговых объектов",
            "инвестиционная карта свободных участков",
            "мониторинг цен на продукты",
            "консультации предпринимателей онлайн",
        ],
    ),
    "culture": (
        [
            "продажа билетов",
            "виртуальный музей",
            "афиша мероприятий",
            "учёт музейных фондов",
            "городские праздники",
            "библиотечная система",
            "бронирование спортплощадок",
            "аудиогид",
        ],
        [
            "онлайн-продажа билетов в театры и музеи",
            "виртуальные экскурсии и аудиогиды",
            "афиша культурных мероприятий района",
            "учёт и оцифровка музейных фондов",
            "бронирование спортивных площадок и катков",
            "электронный читательский билет",
            "организация городских фестивалей",
            "аналитика посещаемости парков",
        ],
    ),
}
CATEGORY_WEIGHTS = {
    "transport": 14,
    "environment": 8,
    "health": 13,
    "education": 12,
    "housing": 11,
    "social": 8,
    "safety": 10,
    "services": 14,
    "economy": 6,
    "culture": 4,
}
GENERIC_FEATURES = [
    "интеграция с городскими информационными системами",
    "отчёты и дашборды для руководителей",
    "открытый API для обмена данными",
    "ролевой доступ для сотрудников",
    "мобильное приложение для жителей",
    "уведомления по SMS и электронной почте",
    "машинное обучение и предиктивная аналитика",
    "компьютерное зрение",
    "хранение данных на серверах в России",
    "выгрузка данных в Excel и CSV",
    "вход через Госуслуги (ЕСИА)",
    "журнал действий пользователей",
    "карта объектов города",
]
KINDS = [
    "Облачная платформа",
    "Программный комплекс",
    "Мобильное приложение",
    "Веб-сервис",
    "Аналитическая система",
    "Информационная система",
    "Цифровой двойник",
    "Чат-бот",
    "Программно-аппаратный комплекс",
    "Геоинформационная система",
    "Сервис на базе искусственного интеллекта",
    "Платформа данных",
]
AUDIENCES = [
    "городских служб",
    "органов власти",
    "управ районов",
    "школ и детских садов",
    "поликлиник и больниц",
    "управляющих компаний",
    "диспетчерских служб",
    "социальных учреждений",
    "жителей города",
    "малого и среднего бизнеса",
    "подведомственных учреждений",
    "транспортных предприятий",
]
BRANDS = [
    "Пульс",
    "Вектор",
    "Горизонт",
    "Контур",
    "Навигатор",
    "Маяк",
    "Спутник",
    "Сфера",
    "Поток",
    "Атлас",
    "Квант",
    "Орбита",
    "Гранит",
    "Ладья",
    "Зенит",
    "Меридиан",
    "Полис",
    "Регион",
    "Импульс",
    "Эталон",
    "Кристалл",
    "Сигнал",
    "Бриз",
    "Аврора",
    "Прогноз",
    "Радар",
    "Трекер",
    "Форсайт",
    "Умный город",
    "Кварта",
]
BRAND_SUFFIXES = ["", "", "", " Про", " 2.0", " 360", " Лайт", ".Город", " Онлайн", " Плюс"]
SUPPLIER_WORDS = [
    "Цифровые решения",
    "Умные технологии",
    "Городские системы",
    "Техно",
    "Софт",
    "Лаб",
    "Инфо",
    "Дата",
    "Интеллект",
    "Инновации",
    "Телеком",
    "Системс",
]
DEPLOYMENT_SENTENCES = {
    "saas": [
        "Работает как облачный сервис: подключение за один день, обновления без участия заказчика.",
        "Облачный сервис по подписке, данные хранятся в российских дата-центрах.",
    ],
    "on_premises": [
        "Устанавливается на серверах заказчика в закрытом контуре.",
        "Поставляется для установки в инфраструктуре ведомства, без доступа в интернет.",
    ],
    "hybrid": [
        "Гибридное развёртывание: обработка на месте, аналитика в облаке.",
        "Датчики и шлюзы ставятся на объектах, платформа работает в облаке или у заказчика.",
    ],
}
EXTRA_SENTENCES = [
    "Внедрено в нескольких регионах России.",
    "Соответствует требованиям 152-ФЗ о персональных данных.",
    "Входит в реестр российского программного обеспечения.",
    "Обучение сотрудников занимает не больше двух часов.",
    "Техническая поддержка работает круглосуточно.",
    "Пилотный проект можно запустить за месяц.",
    "Исходный код доступен заказчику.",
    "Интерфейс адаптирован для людей с нарушениями зрения.",
    "Есть открытая документация и тестовый стенд.",
    "Масштабируется до миллионов пользователей.",
]
AGENCY_NAMES = [
    "Департамент транспорта и развития дорожно-транспортной инфраструктуры",
    "Департамент здравоохранения",
    "Департамент образования и науки",
    "Департамент жилищно-коммунального хозяйства",
    "Департамент труда и социальной защиты населения",
    "Департамент природопользования и охраны окружающей среды",
    "Департамент информационных технологий",
    "Департамент культуры",
    "Департамент предпринимательства и инновационного развития",
    "Департамент городского имущества",
    "Департамент по делам гражданской обороны и чрезвычайных ситуаций",
    "Департамент спорта",
    "Департамент территориальных органов исполнительной власти",
    "Комитет государственных услуг",
    "Комитет по туризму",
    "Центр организации дорожного движения",
    "Мосгортранс",
    "Московский метрополитен",
    "Жилищник района Хамовники",
    "Жилищник района Марьино",
    "Управа района Тверской",
    "Управа района Перово",
    "Управа района Строгино",
    "Префектура Центрального административного округа",
    "Префектура Юго-Западного административного округа",
    "Городская поликлиника № 2",
    "Городская клиническая больница № 67",
    "Школа № 1535",
    "Центр социального обслуживания «Таганский»",
    "Мосводоканал",
]
# What agencies type into the search box: word forms other than the texts use, one to three words.
QUERIES = [
    "парковки",
    "умные парковки",
    "парковочных мест",
    "электробус",
    "светофорами",
    "пассажиропоток",
    "пробки",
    "маршруты автобусов",
    "качество воздуха",
    "датчик шума",
    "мусоровозы",
    "свалки",
    "отходов",
    "контейнеры для мусора",
    "деревья",
    "запись к врачу",
    "телемедицину",
    "поликлиника",
    "рентгеновские снимки",
    "скорая помощь",
    "вакцинации",
    "рецепты",
    "электронный дневник",
    "школьники",
    "учителям",
    "кружки и секции",
    "робототехника",
    "дистанционное обучение",
    "экзамены",
    "счётчик воды",
    "показания счетчиков",
    "лифты",
    "протечка",
    "управляющая компания",
    "капитальный ремонт",
    "энергосбережения",
    "пенсионерам",
    "волонтёры",
    "тревожные кнопки",
    "доступная среда",
    "вакансии",
    "многодетных семей",
    "видеонаблюдения",
    "видеоаналитика",
    "камеры",
    "оповещение",
    "пожарной сигнализации",
    "экстренный вызов",
    "мосты",
    "электронная очередь",
    "чат-боты",
    "обращения граждан",
    "документооборота",
    "электронной подписи",
    "МФЦ",
    "паспорта",
    "предпринимателям",
    "малый бизнес",
    "торги",
    "аренда помещений",
    "налоги",
    "инвестиционные карты",
    "цены на продукты",
    "билеты в театр",
    "музеи",
    "виртуальная экскурсия",
    "афиша",
    "катки",
    "фестивали",
    "библиотеки",
    "нейросеть",
    "искусственный интеллект",
    "компьютерное зрение",
    "цифровые двойники",
    "мобильное приложение",
    "облачные платформы",
    "аналитика данных",
    "API",
    "госуслуги",
    "информационные системы",
    "платформа",
    "система",
    "сервис для жителей",
    "квантовая криптография",
]
MODIFIERS = ["онлайн", "городские", "облачный", "мобильное", "аналитика", "датчики", "система", "жителей"]
BROAD_QUERY = "система данных"


# --- the databases ---------------------------------------------------------------------------


def catalog_database_url(url: str) -> str:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "bench"
    return urlunsplit(parts._replace(path=f"/{name}_catalog"))


def _server(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True), parts.path.lstrip("/")


def recreate_database(url: str) -> None:
    connection, name = _server(url)
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")


def drop_database(url: str) -> None:
    connection, name = _server(url)
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- generated data --------------------------------------------------------------------------


def product_text(rng: random.Random, category: str, deployment: str) -> tuple[str, str, str]:
    things, features = CATALOG[category]
    thing = rng.choice(things)
    brand = rng.choice(BRANDS) + rng.choice(BRAND_SUFFIXES)
    name = rng.choice([f"{brand}: {thing}", f"«{brand}» — {thing}", f"{thing.capitalize()} «{brand}»"])
    own = rng.sample(features, rng.randint(2, 4))
    generic = rng.sample(GENERIC_FEATURES, rng.randint(1, 4))
    kind = rng.choice(KINDS)
    summary = f"{kind} для {rng.choice(AUDIENCES)}: {own[0]} и {own[1]}."
    listed = "\n".join(f"- {feature}" for feature in own + generic)
    closing = " ".join([rng.choice(DEPLOYMENT_SENTENCES[deployment]), *rng.sample(EXTRA_SENTENCES, rng.randint(1, 3))])
    description = (
        f"{kind} «{brand}» — {thing} для {rng.choice(AUDIENCES)}.\n\n**Возможности:**\n\n{listed}\n\n{closing}"
    )
    return name[:200], summary[:300], description


def price(rng: random.Random, pricing_model: str) -> Decimal | None:
    if pricing_model == "free":
        return Decimal(0)
    if rng.random() < 0.2:
        return None  # on request
    roubles = min(9e10, rng.lognormvariate(13, 1.6))  # median ~440,000 ₽, a long tail of millions
    return Decimal(max(10_000, round(roubles, -3)))


def generate(product_count: int, seed: int) -> dict:
    """Organizations, products and their uses straight into the tables; returns sizes for printing."""
    from django.db import connection, transaction
    from django.utils import timezone

    from govtech.accounts.models import Organization, OrganizationKind
    from govtech.catalog.models import Product, ProductUse, SearchRevision
    from govtech.catalog.rating import combine
    from govtech.core.stemming import stem_string

    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    stamp = time.time_ns()
    agencies = Organization.objects.bulk_create(
        [
            Organization(kind=OrganizationKind.AGENCY, name=name, slug=f"bench-agency-{stamp}-{n}")
            for n, name in enumerate(AGENCY_NAMES)
        ]
    )
    suppliers = Organization.objects.bulk_create(
        [
            Organization(
                kind=OrganizationKind.SUPPLIER,
                name=f"{rng.choice(['ООО', 'ООО', 'АО', 'ИП'])} «{rng.choice(BRANDS)} {rng.choice(SUPPLIER_WORDS)}»",
                slug=f"bench-supplier-{stamp}-{n}",
                is_sme=True,
                headcount=rng.randint(3, 250),
            )
            for n in range(max(1, product_count // SUPPLIER_SHARE))
        ],
        batch_size=5000,
    )
    # A few suppliers have many products, most a handful.
    supplier_weights = [rng.paretovariate(1.5) for _ in suppliers]
    categories, category_weights = zip(*CATEGORY_WEIGHTS.items(), strict=True)
    agency_weights = [1 / (n + 1) for n in range(len(agencies))]  # a few agencies use most products
    batch_size = 5000
    products_done = uses_done = 0
    for offset in range(0, product_count, batch_size):
        batch, used_by = [], []
        for n in range(offset, min(product_count, offset + batch_size)):
            supplier = rng.choices(suppliers, weights=supplier_weights)[0]
            category = rng.choices(categories, weights=category_weights)[0]
            deployment = rng.choices(["saas", "on_premises", "hybrid"], weights=[55, 25, 20])[0]
            pricing_model = rng.choice(["subscription", "per_user", "licence", "usage", "project", "free"])
            name, summary, description = product_text(rng, category, deployment)
            status = rng.choices(["published", "draft", "archived"], weights=[90, 7, 3])[0]
            published_at = now - timedelta(seconds=rng.randrange(5 * 365 * 86400)) if status != "draft" else None
            roll = rng.random()
            if roll < 0.30:  # accredited now
                accredited_until = today + timedelta(days=rng.randrange(1, 540))
            elif roll < 0.45:  # accreditation expired
                accredited_until = today - timedelta(days=rng.randrange(1, 900))
            else:
                accredited_until = None
            has_open_application = rng.random() < (0.25 if accredited_until and accredited_until < today else 0.08)
            expert_score = (
                Decimal(rng.randrange(4000, 10001)) / 100 if accredited_until or has_open_application else None
            )
            uses = []
            if status != "draft" and rng.random() < 0.10:
                picks = rng.choices(range(len(agencies)), weights=agency_weights, k=rng.randint(1, 4))
                uses = list(dict.fromkeys(picks))
            review_count = sum(1 for _ in uses if rng.random() < 0.6)
            review_sum = sum(rng.choices([1, 2, 3, 4, 5], weights=[3, 5, 15, 40, 37], k=review_count))
            product = Product(
                supplier=supplier,
                name=name,
                slug=f"product-{n}",
                summary=summary,
                description=description,
                category=category,
                trl=rng.choices(range(1, 10), weights=[1, 2, 3, 5, 8, 11, 16, 22, 32])[0],
                pricing_model=pricing_model,
                price_from=price(rng, pricing_model),
                deployment=deployment,
                data_location=rng.choices(["city", "russia", "abroad"], weights=[20, 75, 5])[0],
                languages=["ru"] + [code for code in ("en", "tt", "kk", "zh") if rng.random() < 0.15],
                website=f"https://product-{n}.example.ru",
                status=status,
                published_at=published_at,
                accredited_until=accredited_until,
                has_open_application=has_open_application,
                expert_score=expert_score,
                review_count=review_count,
                review_sum=review_sum,
                rating=combine(expert_score, review_count, review_sum).rating,
                # As services._index builds it.
                search_stems=stem_string(" ".join([name, summary, description, supplier.name])),
            )
            batch.append(product)
            used_by.append((product, uses, published_at))
        with transaction.atomic():
            Product.objects.bulk_create(batch, batch_size=1000)
            rows = [
                ProductUse(
                    product=product,
                    agency=agencies[index],
                    kind=rng.choice(["order", "pilot"]),
                    recorded_at=published_at + (now - published_at) * rng.random(),
                )
                for product, uses, published_at in used_by
                for index in uses
            ]
            ProductUse.objects.bulk_create(rows, batch_size=5000)
        products_done += len(batch)
        uses_done += len(rows)
    with connection.cursor() as cursor:
        # As autovacuum would have left it: statistics, and the visibility map for index-only scans.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    SearchRevision.bump()  # bulk_create skips Product.save, which would have done it
    published = Product.objects.filter(status="published").count()
    return {
        "products": products_done,
        "published": published,
        "suppliers": len(suppliers),
        "agencies": len(agencies),
        "uses": uses_done,
    }


# --- the requests ----------------------------------------------------------------------------


def sample_requests(rng: random.Random, count: int, agency_ids: list[int]) -> list[tuple[str, dict]]:
    """(kind, params) pairs: text only, text with filters, filters only, the unfiltered list."""
    kinds = rng.choices(
        ["text only", "text + filters", "filters only", "no text, no filters"], weights=[35, 30, 25, 10], k=count
    )
    requests = []
    for kind in kinds:
        params: dict = {}
        if kind.startswith("text"):
            roll = rng.random()
            if roll < 0.6:
                params["q"] = rng.choice(QUERIES)
            elif roll < 0.9:
                params["q"] = f"{rng.choice(QUERIES)} {rng.choice(MODIFIERS)}"
            else:
                params["q"] = " ".join(query.split()[0] for query in rng.sample(QUERIES, 3))
            params["sort"] = rng.choices(["", "relevance", "rating", "newest"], weights=[40, 20, 25, 15])[0]
        else:
            params["sort"] = rng.choices(["", "rating", "newest"], weights=[40, 35, 25])[0]
        if kind.endswith("filters") and kind != "no text, no filters":
            for facet in rng.sample(["category", "trl", "price_band", "deployment", "accreditation", "used_by"], k=3)[
                : rng.randint(1, 3)
            ]:
                params[facet] = facet_values(rng, facet, agency_ids)
        requests.append((kind, params))
    return requests


def facet_values(rng: random.Random, facet: str, agency_ids: list[int]) -> list:
    if facet == "category":
        return rng.sample(list(CATALOG), rng.choice([1, 1, 2]))
    if facet == "trl":
        low = rng.choice([1, 4, 6, 7, 8, 9])
        return list(range(low, 10)) if rng.random() < 0.6 else [low]
    if facet == "price_band":
        return rng.sample(["under_100k", "100k_1m", "1m_3m", "over_3m", "on_request"], rng.choice([1, 1, 2]))
    if facet == "deployment":
        return [rng.choice(["saas", "on_premises", "hybrid"])]
    if facet == "accreditation":
        return rng.choices([["accredited"], ["accredited", "in_review"], ["expired"], ["none"]], [60, 20, 10, 10])[0]
    return [rng.choice(agency_ids[:10]) if rng.random() < 0.7 else rng.choice(agency_ids)]


class Recorder:
    """Every SQL statement with its time and the part of the request it belongs to
    (connection.execute_wrapper: a few microseconds each, nothing like the debug cursor)."""

    def __init__(self):
        self.part = ""
        self.statements: list[tuple[str, str, object, float]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((self.part, sql, params, time.perf_counter() - start))


def catalog_request(query, recorder: Recorder) -> tuple[int, int]:
    """What the catalog page does (views.product_list): selectors.catalog_counts — the total and
    every facet — then selectors.catalog_page, the first page with its suppliers.
    Returns (results, SQL statements)."""
    from govtech.catalog import selectors

    first = len(recorder.statements)
    recorder.part = "counts and facets"
    total, _facets = selectors.catalog_counts(query)
    recorder.part = "page"
    page = selectors.catalog_page(query, 1)
    [row.supplier.name for row in page.object_list]  # as the list shows them
    return total, len(recorder.statements) - first


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def figures(samples: list[float]) -> str:
    return (
        f"p50 {1000 * percentile(samples, 0.5):7.1f} ms, p95 {1000 * percentile(samples, 0.95):7.1f} ms, "
        f"max {1000 * max(samples):7.1f} ms"
    )


def verdict(is_met: bool) -> str:
    return "met" if is_met else "NOT MET"


def load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg()) + f" on {os.cpu_count()} cores"


def measure(args) -> dict:
    from django.db import connection

    from govtech.accounts.models import Organization
    from govtech.catalog import search_index, selectors
    from govtech.catalog.selectors import CatalogQuery

    vendor = connection.vendor
    if vendor == "postgresql":
        label = f"PostgreSQL {connection.pg_version // 10000}, database {connection.settings_dict['NAME']}"
    else:
        import sqlite3

        label = f"SQLite {sqlite3.sqlite_version}, temporary file"
    print(f"\n=== Catalog benchmark on {label} ===")
    start = time.perf_counter()
    sizes = generate(args.products, args.seed)
    print(
        f"generated {sizes['products']:,} products ({sizes['published']:,} published) of {sizes['suppliers']:,} "
        f"suppliers, {sizes['uses']:,} uses by {sizes['agencies']} agencies in {time.perf_counter() - start:.0f} s "
        f"(with {'VACUUM ANALYZE' if vendor == 'postgresql' else 'ANALYZE'})"
    )
    agency_ids = list(
        Organization.objects.filter(slug__startswith="bench-agency-").order_by("id").values_list("id", flat=True)
    )
    requests = [
        (kind, CatalogQuery.from_params(params))
        for kind, params in sample_requests(random.Random(args.seed + 1), args.queries, agency_ids)
    ]
    recorder = Recorder()
    results: dict = {"vendor": vendor, "label": label}
    with connection.execute_wrapper(recorder):
        for _kind, query in requests[:10]:  # warm up: caches, prepared plans, lazy imports
            catalog_request(query, recorder)
        results["rebuild"] = rebuilds = measure_rebuilds()
        print(
            f"search snapshot (catalog.search_index), rebuilt by the first request after a catalog change, "
            f"in each process: {figures(rebuilds)} ({len(rebuilds)} rebuilds)"
        )
        search_index.snapshot()
        recorder.statements.clear()
        print(f"load average before timing: {load_average()}")
        timings, totals, statement_counts, by_kind, by_sort = [], [], {}, {}, {}
        slowest = []
        # First pass: each word's first request since the change pays for finding its products.
        for kind, query in requests:
            first = len(recorder.statements)
            start = time.perf_counter()
            total, statement_count = catalog_request(query, recorder)
            seconds = time.perf_counter() - start
            timings.append(seconds)
            totals.append(total)
            statement_counts[statement_count] = statement_counts.get(statement_count, 0) + 1
            by_kind.setdefault(kind, []).append(seconds)
            by_sort.setdefault(f"sort={query.effective_sort}", []).append(seconds)
            slowest.append((seconds, kind, query, recorder.statements[first:]))
        # Without any text request in a tiny sample, the full-text figures fall back to all requests.
        text_timings = [seconds for (seconds, kind, _q, _s) in slowest if kind.startswith("text")] or timings
        print(
            f"catalog request (total + facet counts, then the first page of {PAGE_SIZE} with suppliers), "
            f"{len(requests)} sampled requests:"
        )
        print(f"  {'all requests':22} {figures(timings)}  ({len(timings)})")
        for kind in ["text only", "text + filters", "filters only", "no text, no filters"]:
            if kind in by_kind:
                print(f"  {kind:22} {figures(by_kind[kind])}  ({len(by_kind[kind])})")
        print(f"  {'full text (± filters)':22} {figures(text_timings)}  ({len(text_timings)})")
        for sort, samples in sorted(by_sort.items()):
            print(f"  {sort:22} {figures(samples)}  ({len(samples)})")
        zero = sum(1 for total in totals if total == 0)
        print(
            f"  results per request: median {int(percentile(totals, 0.5)):,}, p95 {int(percentile(totals, 0.95)):,}, "
            f"max {max(totals):,}; {zero} requests found nothing"
        )
        counts = ", ".join(f"{n} queries × {times}" for n, times in sorted(statement_counts.items()))
        print(
            f"  SQL queries per request: {counts} (the snapshot's revision, the products holding each word not seen since the change, the names of the agencies that used them, the page's rows; none of the last when nothing is found)"
        )
        parts: dict[str, list[float]] = {}
        for part, _sql, _params, seconds in recorder.statements:
            parts.setdefault(part, []).append(seconds)
        print("  time of each SQL statement by part of the request:")
        for part, samples in sorted(parts.items(), key=lambda item: -percentile(item[1], 0.95)):
            print(f"    {part:26} {figures(samples)}  ({len(samples)})")
        p95_text = percentile(text_timings, 0.95)
        p95_all = percentile(timings, 0.95)
        if vendor == "postgresql":
            print(
                f"  target p95 ≤ {1000 * TARGET_P95:.0f} ms on PostgreSQL: full-text + facets "
                f"{1000 * p95_text:.1f} ms: {verdict(p95_text <= TARGET_P95)}; "
                f"all requests {1000 * p95_all:.1f} ms: {verdict(p95_all <= TARGET_P95)}"
            )
        else:
            print("  (the p95 ≤ 50 ms target is for PostgreSQL; SQLite's figures are for information)")
        slowest.sort(key=lambda item: -item[0])
        print("  slowest requests:")
        for seconds, kind, query, _statements in slowest[:5]:
            print(f"    {1000 * seconds:7.1f} ms  {kind:20} {query.as_params()}")
        again = []
        for _kind, query in requests:
            query = CatalogQuery.from_params(query.as_params())  # nothing remembered from the first pass
            start = time.perf_counter()
            catalog_request(query, recorder)
            again.append(time.perf_counter() - start)
        print(f"  the same {len(again)} requests again (every word seen since the change): {figures(again)}")
        results.update(
            again_p95=percentile(again, 0.95),
            requests=len(timings),
            p50=percentile(timings, 0.5),
            p95=p95_all,
            max=max(timings),
            text_p50=percentile(text_timings, 0.5),
            text_p95=p95_text,
            queries_per_request=sorted(statement_counts),
        )

        print(f"page {DEEP_PAGE} of the results (offset {(DEEP_PAGE - 1) * PAGE_SIZE:,}), {args.deep_runs} runs each:")
        deep = [
            ("no text, sort=newest", CatalogQuery(sort="newest")),
            ("no text, sort=rating", CatalogQuery(sort="rating")),
            (f"q={BROAD_QUERY!r}, sort=relevance", CatalogQuery(q=BROAD_QUERY, sort="relevance")),
        ]
        results["deep"] = {}
        for name, query in deep:
            samples, page_samples = [], []
            total = 0
            for run in range(max(1, args.deep_runs) + 1):
                recorder.statements.clear()
                start = time.perf_counter()
                recorder.part = "counts and facets"
                total, _facets = selectors.catalog_counts(query)
                recorder.part = "page"
                page = selectors.catalog_page(query, DEEP_PAGE)
                rows = list(page.object_list)
                seconds = time.perf_counter() - start
                if run:  # the first is a warm-up
                    samples.append(seconds)
                    page_samples.append(sum(s for part, _q, _p, s in recorder.statements if part == "page"))
                    slowest_deep = recorder.statements[:]
            shown = page.number
            print(
                f"  {name:40} counts, facets + page {shown} ({len(rows)} rows of {total:,}): {figures(samples)}; "
                f"the page's query alone p50 {1000 * percentile(page_samples, 0.5):.1f} ms, "
                f"p95 {1000 * percentile(page_samples, 0.95):.1f} ms"
            )
            results["deep"][name] = {"p50": percentile(samples, 0.5), "p95": percentile(samples, 0.95)}
            slowest.append((max(samples), f"page {DEEP_PAGE}: {name}", query, slowest_deep))
        print(f"load average at the end: {load_average()}")
    if args.explain:
        explain(slowest)
    return results


def measure_rebuilds(runs: int = 3) -> list[float]:
    """Seconds to rebuild this process's search snapshot after a catalog change."""
    from govtech.catalog import search_index
    from govtech.catalog.models import SearchRevision

    samples = []
    for _ in range(runs):
        SearchRevision.bump()
        start = time.perf_counter()
        search_index.snapshot()
        samples.append(time.perf_counter() - start)
    return samples


def explain(slowest) -> None:
    """EXPLAIN ANALYZE (EXPLAIN QUERY PLAN on SQLite) of the slowest statement of each part of the
    request (the count, the page, each facet) and of each page-500 request."""
    from django.db import connection

    worst: dict[str, tuple] = {}
    for seconds, kind, query, statements in slowest:
        for part, sql, params, statement_seconds in statements:
            key = kind if kind.startswith("page") else part
            if key not in worst or statement_seconds > worst[key][0]:
                worst[key] = (statement_seconds, kind, query, part, sql, params, seconds)
    print("query plans of the slowest statement of each part:")
    prefix = "EXPLAIN (ANALYZE, BUFFERS)" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    for key, (statement_seconds, kind, query, part, sql, params, seconds) in sorted(
        worst.items(), key=lambda item: -item[1][0]
    ):
        print(
            f"\n--- {key}: {1000 * statement_seconds:.1f} ms ({part} of {kind} {query.as_params()}, "
            f"request {1000 * seconds:.1f} ms)\n{sql}\n    params: {params}"
        )
        with connection.cursor() as cursor:
            cursor.execute(f"{prefix} {sql}", params)
            for row in cursor.fetchall():
                print("   ", " ".join(str(cell) for cell in row))


# --- the processes ---------------------------------------------------------------------------


def run_child(args) -> None:
    """One database: set Django up on it, generate, measure, write the figures to --result."""
    url = args.database_url
    is_postgres = url.startswith(("postgres://", "postgresql://"))
    if is_postgres:
        recreate_database(url)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if not is_postgres:
                url = f"sqlite:///{tmp}/catalog.sqlite3"
            start = time.perf_counter()
            setup_django(url)
            print(f"migrated in {time.perf_counter() - start:.0f} s")
            results = measure(args)
            from django.db import connections

            connections.close_all()
        Path(args.result).write_text(json.dumps(results))
    finally:
        if is_postgres and not args.keep:
            drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200, help="sampled catalog requests (PostgreSQL)")
    parser.add_argument("--deep-runs", type=int, default=10, help=f"runs of each page-{DEEP_PAGE} request (PostgreSQL)")
    parser.add_argument(
        "--sqlite-queries", type=int, default=50, help="on SQLite: the first N of the same sampled requests"
    )
    parser.add_argument(
        "--sqlite-deep-runs", type=int, default=5, help=f"on SQLite: runs of each page-{DEEP_PAGE} request"
    )
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--explain", action="store_true", help="print the plans of the slowest statements")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    parser.add_argument("--database-url", help=argparse.SUPPRESS)  # a child process: this database only
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database_url:
        run_child(args)
        return
    url = os.environ.get("BENCH_DATABASE_URL", "")
    targets = []
    if url.startswith(("postgres://", "postgresql://")):
        targets.append(("PostgreSQL", catalog_database_url(url)))
    targets.append(("SQLite", "sqlite"))
    print(
        f"Catalog benchmark: {args.products:,} products, {args.queries} sampled requests on PostgreSQL and the "
        f"first {min(args.queries, args.sqlite_queries)} of them on SQLite (--sqlite-queries; a request takes "
        f"seconds there), {os.cpu_count()} CPU cores, load average {load_average()}; other work on the machine "
        f"makes the figures noisy"
    )
    if len(targets) == 1:
        print("PostgreSQL skipped: no BENCH_DATABASE_URL=postgres://… (SQLite only)")
    summary = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, database_url in targets:
            result_path = Path(tmp) / f"{name}.json"
            command = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--database-url",
                database_url,
                "--result",
                str(result_path),
                f"--products={args.products}",
                f"--queries={args.queries if name == 'PostgreSQL' else min(args.queries, args.sqlite_queries)}",
                f"--deep-runs={args.deep_runs if name == 'PostgreSQL' else args.sqlite_deep_runs}",
                f"--seed={args.seed}",
                *(["--explain"] if args.explain else []),
                *(["--keep"] if args.keep else []),
            ]
            sys.stdout.flush()
            subprocess.run(command, check=True)
            summary.append((name, json.loads(result_path.read_text())))
    print("\n=== summary ===")
    if len(targets) == 1:
        print("PostgreSQL skipped: set BENCH_DATABASE_URL=postgres://… to measure it (and the p95 ≤ 50 ms target)")
    for name, result in summary:
        deep = "; ".join(
            f"{key}: p50 {1000 * value['p50']:.1f} / p95 {1000 * value['p95']:.1f} ms"
            for key, value in result["deep"].items()
        )
        line = (
            f"{name:10} full text + facets p50 {1000 * result['text_p50']:.1f} ms, p95 {1000 * result['text_p95']:.1f}"
            f" ms; all requests p50 {1000 * result['p50']:.1f} ms, p95 {1000 * result['p95']:.1f} ms; "
            f"{'/'.join(map(str, result['queries_per_request']))} SQL queries per request"
        )
        if result["vendor"] == "postgresql":
            line += f"; target p95 ≤ 50 ms: {verdict(result['text_p95'] <= TARGET_P95)}"
        print(line)
        print(
            f"{'':10} every word seen before: p95 {1000 * result['again_p95']:.1f} ms; snapshot rebuild after a "
            f"change: p50 {1000 * percentile(result['rebuild'], 0.5):.0f} ms"
        )
        print(f"{'':10} page {DEEP_PAGE}: {deep}")


if __name__ == "__main__":
    main()
