"""Benchmark of residents' votes through HTTP and of the idea list, on gunicorn and PostgreSQL.

Targets (issue 5): at least 500 votes/s from 20 concurrent clients with zero lost or doubled
votes, and the idea list's p95 at most 150 ms, with 100,000 ideas and 1,000,000 votes.

What it does:

1. Creates its own database ``<name>_votes`` next to the one BENCH_DATABASE_URL names (dropped
   and made again at the start, dropped at the end unless ``--keep``) and migrates it.
2. Generates ``--ideas`` ideas (default 100,000) with bulk_create: Russian titles and texts with
   their search stems, Moscow's administrative areas and districts, ten categories, every status,
   published over the last year, a third of them answering calls; written straight into the
   tables, NOT through the services (no audit events, no notifications). Then ``--votes`` votes
   (default 1,000,000) from 50,000 residents, spread as unevenly as real support is (a few ideas
   gather thousands), with the points their authors earned, written with PostgreSQL's COPY; each
   idea's vote_count is set from its vote rows in one UPDATE; then VACUUM ANALYZE, as autovacuum
   would leave the tables.
3. Starts gunicorn (``config.wsgi``, sync workers, default 2 × CPU cores + 1 as docs/deploy.md
   advises) with the production settings (DJANGO_ENV=production, database cache for the API
   throttling, persistent connections, static files collected into a temporary directory; HTTPS
   redirect and secure cookies off since there is no TLS proxy; the anonymous API rate raised
   because one address plays every visitor).
4. ``--clients`` threads (default 20), each with its own ``--voters``/clients residents and their
   API tokens, send ``--requests`` vote requests in all (default 20,000, or fewer if ``--seconds``,
   default 120, pass first): a third to ten hot ideas every client shares (the same rows locked at
   once), the rest to random ideas. A resident who already supports the chosen idea withdraws the
   vote (DELETE) or, one time in three, votes again and must get 409. Each answer is checked
   against what it must be. Afterwards the database must hold exactly the votes the clients were
   told they cast (the same resident-idea pairs), and every touched idea's vote_count must equal
   its vote rows: no vote lost, none counted twice. Votes/s counts the successful vote writes
   (cast or withdrawn) per second of wall time.
5. Times ``--list-requests`` sequential GETs (default 200) of the idea list page /ideas/ with
   random filters, sorts, searches and pages (p50/p95), and the same through the API list.

The clients run on the same machine as gunicorn and PostgreSQL and take some of its CPU.
Without a PostgreSQL BENCH_DATABASE_URL it prints that it skipped and exits 0 (``make bench``).
Usage: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/votes.py
       [--ideas 100000] [--votes 1000000] [--requests 20000] [--clients 20] [--workers N] [--keep]
Quick run: --ideas 5000 --votes 50000 --requests 4000
"""

import argparse
import http.client
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import setup_django  # noqa: E402

VOTE_PATH = "/api/v1/ideas/{id}/vote/"
API_LIST_PATH = "/api/v1/ideas/"
PAGE_LIST_PATH = "/ideas/"
HOT_IDEAS = 10
HOT_SHARE = 1 / 3
AUTHORS = 50_000  # residents who wrote the ideas and cast the generated votes

# Moscow's administrative areas with some of their districts (the real names).
MOSCOW = {
    "Центральный административный округ": ["Арбат", "Басманный", "Замоскворечье", "Пресненский", "Тверской"],
    "Северный административный округ": ["Аэропорт", "Беговой", "Савёловский", "Тимирязевский", "Хорошёвский"],
    "Северо-Восточный административный округ": ["Алексеевский", "Бутырский", "Марьина Роща", "Отрадное"],
    "Восточный административный округ": ["Богородское", "Измайлово", "Перово", "Преображенское", "Сокольники"],
    "Юго-Восточный административный округ": ["Выхино-Жулебино", "Кузьминки", "Лефортово", "Люблино", "Марьино"],
    "Южный административный округ": ["Бирюлёво Западное", "Даниловский", "Донской", "Нагатино-Садовники"],
    "Юго-Западный административный округ": ["Академический", "Гагаринский", "Коньково", "Тёплый Стан"],
    "Западный административный округ": ["Дорогомилово", "Кунцево", "Раменки", "Солнцево", "Филёвский Парк"],
    "Северо-Западный административный округ": ["Митино", "Строгино", "Щукино", "Южное Тушино"],
    "Зеленоградский административный округ": ["Крюково", "Матушкино", "Савёлки", "Силино"],
    "Новомосковский административный округ": ["Внуковское", "Коммунарка", "Сосенское"],
    "Троицкий административный округ": ["Вороновское", "Краснопахорское", "Троицк"],
}

# What residents ask for, per category: (verb, object) pairs and the reasons they give.
PROPOSALS = {
    "transport": [
        "добавить рейсы электробусов",
        "сделать выделенную полосу для автобусов",
        "поставить светофор на перекрёстке",
        "построить велодорожку",
        "организовать перехватывающую парковку",
        "продлить трамвайный маршрут",
    ],
    "environment": [
        "установить контейнеры для раздельного сбора",
        "высадить деревья вдоль улицы",
        "ликвидировать стихийную свалку",
        "очистить пруд",
        "сделать площадку для выгула собак",
        "поставить станцию приёма батареек",
    ],
    "health": [
        "открыть кабинет дежурного врача",
        "продлить часы работы поликлиники",
        "установить дефибриллятор",
        "организовать выездную вакцинацию",
        "открыть пункт забора анализов",
        "наладить запись к стоматологу",
    ],
    "education": [
        "открыть кружок робототехники",
        "отремонтировать спортзал гимназии",
        "продлить работу библиотеки",
        "построить новый детский сад",
        "организовать летний лагерь",
        "открыть курсы программирования для подростков",
    ],
    "housing": [
        "отремонтировать подъезды",
        "заменить старые лифты",
        "утеплить фасады домов",
        "починить протекающую кровлю",
        "установить счётчики тепла",
        "благоустроить контейнерную площадку",
    ],
    "social": [
        "открыть центр для пенсионеров",
        "сделать пандусы у входов",
        "организовать бесплатные занятия гимнастикой",
        "открыть пункт помощи многодетным семьям",
        "наладить доставку продуктов маломобильным жителям",
        "создать клуб волонтёров",
    ],
    "safety": [
        "добавить фонари во дворах",
        "поставить камеры у остановок",
        "сделать пешеходный переход",
        "установить лежачих полицейских",
        "огородить стройку",
        "убрать аварийные деревья",
    ],
    "services": [
        "открыть окно МФЦ по выходным",
        "упростить запись через портал",
        "сократить очереди в паспортном столе",
        "добавить электронную очередь",
        "сделать справки доступными онлайн",
        "продлить приём документов вечером",
    ],
    "economy": [
        "разрешить ярмарки выходного дня",
        "открыть коворкинг для предпринимателей",
        "снизить аренду для мастерских",
        "организовать фермерский рынок",
        "поддержать уличные кафе",
        "открыть бизнес-инкубатор",
    ],
    "culture": [
        "проводить концерты под открытым небом",
        "открыть летний кинотеатр",
        "отреставрировать дом культуры",
        "устроить каток зимой",
        "провести фестиваль уличного искусства",
        "открыть музей истории района",
    ],
}
PLACES = [
    "у метро",
    "во дворе нашего дома",
    "в парке",
    "возле школы",
    "на центральной улице",
    "у поликлиники",
    "на набережной",
    "около рынка",
    "рядом с вокзалом",
    "у торгового центра",
    "в сквере",
    "на окраине района",
]
REASONS = [
    "Жители давно просят об этом, но ничего не меняется.",
    "Сейчас приходится ходить далеко, особенно тяжело пожилым людям и родителям с колясками.",
    "Вечером здесь темно и небезопасно.",
    "В соседних районах так уже сделали, и людям стало заметно удобнее.",
    "Мы готовы помочь: собрать подписи, прийти на встречу, следить за работами.",
    "Это недорого, а пользоваться будут тысячи человек каждый день.",
    "Предлагаю сначала провести опрос жителей и показать несколько вариантов.",
    "Прошлой зимой здесь были проблемы, и мы писали обращения в управу.",
    "Рядом построили новые дома, людей стало вдвое больше.",
    "Летом здесь собирается много семей с детьми.",
    "Нынешнее состояние вызывает жалобы уже несколько лет.",
    "Можно сделать это поэтапно, начав с самого загруженного места.",
    "Подробности и фотографии готов прислать.",
    "Вопрос обсуждали на собрании собственников, большинство за.",
]
# Searches as residents type them: other word forms than the ideas use, one or two words.
SEARCH_WORDS = [
    "электробусы",
    "велодорожки",
    "дефибрилляторы",
    "библиотеки",
    "лифт",
    "пандус",
    "фонарь",
    "коворкинги",
    "каток",
    "детские сады",
    "пруд очистка",
    "МФЦ выходные",
]
STATUS_WEIGHTS = {
    "published": 52,
    "under_review": 10,
    "accepted": 7,
    "rejected": 11,
    "merged": 3,
    "in_progress": 6,
    "implemented": 7,
    "submitted": 4,
}
VOTABLE = ("published", "under_review", "accepted", "in_progress")
ANSWERED = ("under_review", "accepted", "rejected", "merged", "in_progress", "implemented")


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


# --- the database ---------------------------------------------------------------------------


def votes_database_url(url: str) -> str:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "bench"
    return urlunsplit(parts._replace(path=f"/{name}_votes"))


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


# --- generated data -------------------------------------------------------------------------


def idea_words(rng: random.Random, topic: str, district_name: str | None) -> tuple[str, str]:
    proposal = rng.choice(PROPOSALS[topic])
    place = rng.choice(PLACES)
    where = f" (район {district_name})" if district_name else ""
    title = f"{proposal.capitalize()} {place}{where}"[:200]
    text = " ".join([f"Предлагаю {proposal} {place}.", *rng.sample(REASONS, rng.randint(2, 4))])
    return title, text


def support_counts(rng: random.Random, ideas: int, total: int, cap: int) -> list[int]:
    """How many votes each idea has: heavy-tailed (Pareto), summing to ``total``, none above ``cap``."""
    weights = [rng.paretovariate(1.1) for _ in range(ideas)]
    scale = total / sum(weights)
    counts = [min(cap, int(weight * scale)) for weight in weights]
    missing = total - sum(counts)
    while missing > 0:
        index = rng.randrange(ideas)
        if counts[index] < cap:
            step = min(missing, cap - counts[index], 1 + missing // ideas)
            counts[index] += step
            missing -= step
    return counts


def generate(idea_count: int, vote_count: int, seed: int = 5) -> None:
    """Ideas and votes straight into the tables, printing how long each step took."""
    rng = random.Random(seed)
    start = time.perf_counter()
    districts, agencies, calls = generate_places(rng)
    authors = generate_residents()
    ideas = generate_ideas(rng, idea_count, districts, agencies, calls, authors)
    ideas_done = time.perf_counter()
    generate_votes(rng, ideas, vote_count, [author.pk for author in authors])
    votes_done = time.perf_counter()
    from django.db import connection

    with connection.cursor() as cursor:
        # As autovacuum would have left it: statistics, and the visibility map for index-only scans.
        cursor.execute("VACUUM ANALYZE")
    print(
        f"generated {idea_count:,} ideas in {ideas_done - start:.0f} s, {vote_count:,} votes in "
        f"{votes_done - ideas_done:.0f} s, VACUUM ANALYZE in {time.perf_counter() - votes_done:.0f} s"
    )


def generate_places(rng: random.Random):
    from django.utils import timezone

    from govtech.participation.models import Call, District, DistrictKind
    from tests.factories import AgencyFactory

    now = timezone.now()
    districts = []
    for number, (okrug_name, names) in enumerate(MOSCOW.items()):
        okrug = District.objects.create(name=okrug_name, slug=f"okrug-{number}", kind=DistrictKind.OKRUG)
        districts += [
            District.objects.create(name=name, slug=f"district-{number}-{n}", kind=DistrictKind.DISTRICT, parent=okrug)
            for n, name in enumerate(names)
        ]
    agencies = [AgencyFactory() for _ in range(20)]
    calls = Call.objects.bulk_create(
        [
            Call(
                agency=rng.choice(agencies),
                title=f"Что улучшить в районе: вопрос {n}",
                slug=f"bench-call-{n}",
                question="Расскажите, что стоит изменить.",
                topic=rng.choice(list(PROPOSALS)),
                district=rng.choice(districts) if n % 2 else None,
                opens_at=now - timedelta(days=rng.randrange(30, 365)),
                closes_at=now + timedelta(days=rng.randrange(-20, 60)),
            )
            for n in range(50)
        ]
    )
    return districts, agencies, calls


def generate_residents():
    from govtech.accounts.models import User

    return User.objects.bulk_create(
        [User(email=f"bench-resident-{n}@example.test", password="!", full_name=f"Житель {n}") for n in range(AUTHORS)],
        batch_size=5000,
    )


def generate_ideas(rng: random.Random, idea_count: int, districts, agencies, calls, authors):
    from django.db import transaction
    from django.utils import timezone

    from govtech.core.stemming import stem_string
    from govtech.participation.models import Idea

    now = timezone.now()
    statuses, status_weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    ideas = []
    for offset in range(0, idea_count, 5000):
        batch = []
        for _ in range(offset, min(offset + 5000, idea_count)):
            topic = rng.choice(list(PROPOSALS))
            district = rng.choice(districts) if rng.random() < 0.85 else None
            call = rng.choice(calls) if rng.random() < 0.3 else None
            status = rng.choices(statuses, weights=status_weights)[0]
            published = now - timedelta(seconds=rng.randrange(365 * 86400)) if status != "submitted" else None
            answered = (
                min(now, published + timedelta(days=rng.expovariate(1 / 20)))
                if status in ANSWERED and published
                else None
            )
            title, text = idea_words(rng, topic, district.name if district else None)
            batch.append(
                Idea(
                    title=title,
                    text=text,
                    topic=topic,
                    district=district,
                    call=call,
                    author=rng.choice(authors),
                    agency=call.agency if call else (rng.choice(agencies) if rng.random() < 0.8 else None),
                    status=status,
                    hidden_at=now if rng.random() < 0.005 else None,
                    progress=rng.randrange(0, 101, 10) if status == "in_progress" else 0,
                    search_stems=stem_string(f"{title} {text}"),
                    published_at=published,
                    answer_due_at=published + timedelta(days=30) if published else None,
                    first_answered_at=answered,
                    last_answered_at=min(answered + timedelta(days=rng.randrange(0, 60)), now) if answered else None,
                )
            )
        with transaction.atomic():
            ideas += Idea.objects.bulk_create(batch)
    return ideas


def generate_votes(rng: random.Random, ideas, vote_count: int, resident_ids: list[int]) -> None:
    """Votes with COPY, each with the point it earned the idea's author (as services.vote_add
    writes one), then every idea's vote_count from its vote rows."""
    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now()
    supported = [idea for idea in ideas if idea.status not in ("submitted", "merged")]
    counts = support_counts(rng, len(supported), vote_count, cap=len(resident_ids) // 2)
    rows = []
    for idea, count in zip(supported, counts, strict=True):
        span = max(1, int((now - idea.published_at).total_seconds()))
        rows += [
            (idea.pk, idea.author_id, user_id, idea.published_at + timedelta(seconds=rng.randrange(span)))
            for user_id in rng.sample(resident_ids, count)
        ]
    with connection.cursor() as cursor, transaction.atomic():
        raw = cursor.cursor  # psycopg's own cursor, which has COPY
        with raw.copy("COPY participation_vote (idea_id, user_id, created_at) FROM STDIN") as copy:
            for idea_id, _author_id, user_id, at in rows:
                copy.write_row((idea_id, user_id, at))
        with raw.copy("COPY participation_pointsentry (user_id, kind, points, key, created_at) FROM STDIN") as copy:
            for idea_id, author_id, user_id, at in rows:
                copy.write_row((author_id, "vote_received", 1, f"vote:{idea_id}:{user_id}", at))
        cursor.execute(
            "UPDATE participation_idea SET vote_count = counted.votes FROM "
            "(SELECT idea_id, count(*) AS votes FROM participation_vote GROUP BY idea_id) AS counted "
            "WHERE participation_idea.id = counted.idea_id"
        )


def make_voters(count: int) -> list[tuple[int, str]]:
    """Residents who vote during the run, each with an API token: (user id, token)."""
    from rest_framework.authtoken.models import Token

    from govtech.accounts.models import User

    stamp = time.time_ns()
    users = User.objects.bulk_create(
        [User(email=f"bench-voter-{stamp}-{n}@example.test", password="!") for n in range(count)], batch_size=5000
    )
    tokens = Token.objects.bulk_create([Token(key=Token.generate_key(), user=user) for user in users], batch_size=5000)
    return [(token.user_id, token.key) for token in tokens]


# --- gunicorn -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(database_url: str, tmp: str) -> dict[str, str]:
    """Production settings, except what needs a TLS proxy, with static files in ``tmp``."""
    # The one override production settings have no variable for: where collectstatic writes.
    (Path(tmp) / "bench_votes_settings.py").write_text(
        f"from config.settings import *  # noqa: F403\n\nSTATIC_ROOT = {str(Path(tmp) / 'static')!r}\n"
    )
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([tmp, str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "bench_votes_settings",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "DATABASE_URL": database_url,
        # Longer than docs/deploy.md's 60 s so that no database process ends mid-run and takes the
        # CPU it used (cpu_snapshot) with it; reconnecting once a minute would cost next to nothing.
        "DATABASE_CONN_MAX_AGE": "3600",
        "GOVTECH_CACHE": "database",
        "GOVTECH_API_ANON_RATE": "1000000/min",
        "DJANGO_LOG_LEVEL": "ERROR",  # server errors only, into gunicorn's log
    }


def prepare_server(environment: dict[str, str]) -> None:
    for command in (["createcachetable"], ["collectstatic", "--noinput", "--verbosity", "0"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=environment, check=True, stdout=subprocess.DEVNULL
        )


def start_gunicorn(environment: dict[str, str], workers: int, log_path: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with log_path.open("ab") as log:  # the workers' errors; the child keeps its own handle
        process = subprocess.Popen(
            [
                str(gunicorn),
                "config.wsgi:application",
                "--workers",
                str(workers),
                "--threads",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=log,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log_path}")
        probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            if get(probe, "/healthz")[0] == 200:
                return process, port
        except OSError:
            pass  # not listening yet
        finally:
            probe.close()
        time.sleep(0.3)
    process.terminate()
    raise RuntimeError(f"gunicorn did not answer /healthz within 60 s; see {log_path}")


def stop_gunicorn(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def get(connection: http.client.HTTPConnection, path: str, headers=None) -> tuple[int, bytes, float]:
    start = time.perf_counter()
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    return response.status, body, time.perf_counter() - start


# --- voting clients -------------------------------------------------------------------------


@dataclass
class Tally:
    """What one client sent and was told. Pairs are (user id, idea id)."""

    cast: int = 0
    withdrawn: int = 0
    refused_twice: int = 0  # 409 for a second vote, as it must be
    unexpected: dict = field(default_factory=dict)  # (method, wanted, got) -> how often
    errors: int = 0  # no answer (connection failed): the outcome is unknown
    latencies: list[float] = field(default_factory=list)
    supported: set = field(default_factory=set)
    unknown: set = field(default_factory=set)
    touched: set = field(default_factory=set)


def run_client(port, voters, hot_ideas, ideas, requests, seconds, seed, start_together, tally: Tally) -> None:
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    start_together.wait()
    deadline = time.monotonic() + seconds
    for _ in range(requests):
        if time.monotonic() > deadline:
            break
        user_id, token = rng.choice(voters)
        idea_id = rng.choice(hot_ideas) if rng.random() < HOT_SHARE else rng.choice(ideas)
        pair = (user_id, idea_id)
        if pair in tally.supported:
            method, wanted = ("POST", 409) if rng.random() < 1 / 3 else ("DELETE", 200)
        else:
            method, wanted = "POST", 200
        tally.touched.add(idea_id)
        start = time.perf_counter()
        try:
            connection.request(
                method,
                VOTE_PATH.format(id=idea_id),
                headers={"Authorization": f"Token {token}", "Accept": "application/json"},
            )
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            tally.errors += 1
            tally.unknown.add(pair)
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        tally.latencies.append(time.perf_counter() - start)
        got = 200 if 200 <= response.status < 300 else response.status
        if got != wanted:
            key = (method, wanted, response.status)
            tally.unexpected[key] = tally.unexpected.get(key, 0) + 1
            tally.unknown.add(pair)
        elif wanted == 409:
            tally.refused_twice += 1
        elif method == "POST":
            tally.cast += 1
            tally.supported.add(pair)
        else:
            tally.withdrawn += 1
            tally.supported.discard(pair)
    connection.close()


def vote_concurrently(port, voters, hot_ideas, ideas, requests, seconds, clients) -> tuple[list[Tally], float]:
    share = len(voters) // clients
    tallies = [Tally() for _ in range(clients)]
    start_together = threading.Barrier(clients + 1)
    threads = [
        threading.Thread(
            target=run_client,
            args=(
                port,
                voters[n * share : (n + 1) * share],  # a resident votes from one client only
                hot_ideas,
                ideas,
                requests // clients + (1 if n < requests % clients else 0),
                seconds,
                1000 + n,
                start_together,
                tallies[n],
            ),
        )
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    start_together.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return tallies, time.perf_counter() - start


# --- CPU accounting -------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def cpu_snapshot(gunicorn_pid: int) -> dict[str, float] | None:
    """CPU seconds used so far by the gunicorn workers, the database's server processes for this
    database and the clients (this process). None where /proc or the server's processes cannot
    be read (PostgreSQL on another machine)."""
    from django.db import connection

    try:
        workers = Path(f"/proc/{gunicorn_pid}/task/{gunicorn_pid}/children").read_text().split()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'"
            )
            backends = [pid for (pid,) in cursor.fetchall()]
        return {
            "gunicorn": sum(_cpu_seconds(int(pid)) for pid in workers),
            "PostgreSQL": sum(_cpu_seconds(pid) for pid in backends),
            "clients": time.process_time(),
        }
    except (OSError, ValueError, IndexError):
        return None


def print_cpu(before: dict | None, after: dict | None, requests: int) -> None:
    if not (before and after and requests):
        print("  CPU per request: not measured (the server processes cannot be read here)")
        return
    per_request = {name: (after[name] - before[name]) / requests for name in after}
    ceiling = (os.cpu_count() or 1) / sum(per_request.values())
    print(
        "  CPU per vote request: "
        + ", ".join(f"{name} {1000 * seconds:.1f} ms" for name, seconds in per_request.items())
        + f"; {os.cpu_count()} idle cores could answer at most ~{ceiling:,.0f} requests/s"
    )


@dataclass
class Check:
    expected_votes: int
    stored_votes: int
    lost: int
    doubled: int
    touched: int
    count_mismatches: int
    audit_cast: int
    audit_withdrawn: int

    @property
    def is_exact(self) -> bool:
        return not (self.lost or self.doubled or self.count_mismatches)


def check_database(tallies: list[Tally], voter_ids: list[int]) -> Check:
    """Compare what the clients were told with what the database holds."""
    from django.db import connection

    from govtech.core.models import AuditEvent
    from govtech.participation.models import Vote

    supported = set().union(*(tally.supported for tally in tallies))
    unknown = set().union(*(tally.unknown for tally in tallies))
    touched = sorted(set().union(*(tally.touched for tally in tallies)))
    stored = set(Vote.objects.filter(user_id__in=voter_ids).values_list("user_id", "idea_id"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM participation_idea AS idea WHERE idea.id = ANY(%s) AND idea.vote_count <> "
            "(SELECT count(*) FROM participation_vote AS vote WHERE vote.idea_id = idea.id)",
            [touched],
        )
        (mismatches,) = cursor.fetchone()
    audit = AuditEvent.objects.filter(actor_id__in=voter_ids)
    return Check(
        expected_votes=len(supported),
        stored_votes=len(stored),
        lost=len(supported - stored - unknown),
        doubled=len(stored - supported - unknown),
        touched=len(touched),
        count_mismatches=mismatches,
        audit_cast=audit.filter(action="idea.voted").count(),
        audit_withdrawn=audit.filter(action="idea.unvoted").count(),
    )


# --- list latency ---------------------------------------------------------------------------


def list_queries(rng: random.Random, count: int, district_ids, call_slugs) -> list[dict]:
    """Random but realistic list views: a sort, often one filter, sometimes a search, mostly page 1."""
    sorts = ["newest"] * 4 + ["supported"] * 3 + ["trending"] * 2 + ["answered"]
    queries = []
    for _ in range(count):
        query = {"sort": rng.choice(sorts)}
        roll = rng.random()
        if roll < 0.15:
            query["status"] = rng.choice([*VOTABLE, "implemented", "rejected"])
        elif roll < 0.30:
            query["topic"] = rng.choice(list(PROPOSALS))
        elif roll < 0.45:
            query["district"] = rng.choice(district_ids)
        elif roll < 0.50:
            query["call"] = rng.choice(call_slugs)
        elif roll < 0.60:
            query["topic"] = rng.choice(list(PROPOSALS))
            query["district"] = rng.choice(district_ids)
        if rng.random() < 0.15:
            query["q"] = rng.choice(SEARCH_WORDS)
        if rng.random() < 0.3 and "q" not in query:
            query["page"] = rng.randint(2, 5)
        queries.append(query)
    return queries


def warm_up(port: int, paths: list[str]) -> None:
    """Each worker's first requests load modules, templates and translations: not measured."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for path in paths:
        get(connection, path)
    connection.close()


def time_list(port: int, path: str, queries: list[dict], workers: int) -> tuple[list[float], dict, dict]:
    """Sequential GETs: the seconds of each, the answers by status (a 404 for a page past the last
    one is fair) and the seconds by kind of view (sort, search, district), to see what is slow."""
    warm_up(port, [f"{path}?{urlencode(query)}" for query in queries[: 3 * workers]])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    samples, statuses, kinds = [], {}, {}
    for query in queries:
        status, _body, seconds = get(connection, f"{path}?{urlencode(query)}")
        key = "404 past the last page" if status == 404 and "page" in query else status
        statuses[key] = statuses.get(key, 0) + 1
        samples.append(seconds)
        kind = "search" if "q" in query else f"sort={query['sort']}"
        kinds.setdefault(kind, []).append(seconds)
        if "district" in query:
            kinds.setdefault("district filter", []).append(seconds)
    connection.close()
    return samples, statuses, kinds


def is_list_page(port: int) -> bool:
    """The HTML list exists (not a placeholder) when it answers with a full page."""
    status, body, _seconds = get(http.client.HTTPConnection("127.0.0.1", port, timeout=60), PAGE_LIST_PATH)
    return status == 200 and b"<main" in body


# --- report ---------------------------------------------------------------------------------


def load_average() -> str:
    """Other work on the machine slows every figure: shown next to them."""
    return " ".join(f"{value:.1f}" for value in os.getloadavg()) + f" on {os.cpu_count()} cores"


def verdict(is_met: bool) -> str:
    return "met" if is_met else "NOT MET"


def print_votes(tallies: list[Tally], seconds: float, check: Check, clients: int) -> bool:
    cast = sum(tally.cast for tally in tallies)
    withdrawn = sum(tally.withdrawn for tally in tallies)
    refused = sum(tally.refused_twice for tally in tallies)
    errors = sum(tally.errors for tally in tallies)
    unexpected: dict = {}
    for tally in tallies:
        for key, times in tally.unexpected.items():
            unexpected[key] = unexpected.get(key, 0) + times
    latencies = [sample for tally in tallies for sample in tally.latencies]
    requests = len(latencies) + errors
    writes_per_second = (cast + withdrawn) / seconds
    print(
        f"votes: {requests:,} requests from {clients} clients in {seconds:.1f} s = {requests / seconds:,.0f} requests/s"
    )
    print(f"  cast {cast:,}, withdrawn {withdrawn:,}, second vote refused with 409 {refused:,}")
    print(f"  unexpected answers {sum(unexpected.values()):,} {unexpected or ''}, no answer {errors:,}")
    print(
        f"  latency p50 {1000 * percentile(latencies, 0.5):.0f} ms, p95 {1000 * percentile(latencies, 0.95):.0f} ms, "
        f"max {1000 * max(latencies):.0f} ms"
    )
    print(
        f"  database: {check.stored_votes:,} votes by the clients' residents, {check.expected_votes:,} expected: "
        f"lost {check.lost}, doubled {check.doubled}"
    )
    print(
        f"  vote_count equals the vote rows on {check.touched - check.count_mismatches:,} of {check.touched:,} "
        f"touched ideas; audit events {check.audit_cast:,} voted / {check.audit_withdrawn:,} unvoted"
    )
    is_audited = (check.audit_cast, check.audit_withdrawn) == (cast, withdrawn)
    is_met = writes_per_second >= 500 and check.is_exact and is_audited and not unexpected and not errors
    print(
        f"  vote writes (cast + withdrawn) per second: {writes_per_second:,.0f}; "
        f"target ≥ 500/s with none lost or doubled: {verdict(is_met)}"
    )
    return is_met


def print_list(label: str, samples: list[float], statuses: dict, kinds: dict) -> bool:
    p95 = percentile(samples, 0.95)
    is_met = p95 <= 0.150 and set(statuses) <= {200, "404 past the last page"}
    print(
        f"{label:20} p50 {1000 * percentile(samples, 0.5):6.1f} ms, p95 {1000 * p95:6.1f} ms, "
        f"max {1000 * max(samples):6.1f} ms over {len(samples)} GETs, answers {statuses}; "
        f"target p95 ≤ 150 ms, no failed answer: {verdict(is_met)}"
    )
    for kind, times in sorted(kinds.items()):
        print(
            f"  {kind:18} p50 {1000 * percentile(times, 0.5):6.1f} ms, p95 {1000 * percentile(times, 0.95):6.1f} ms"
            f" ({len(times)} GETs)"
        )
    return is_met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ideas", type=int, default=100_000)
    parser.add_argument("--votes", type=int, default=1_000_000, help="generated votes (at most ideas × 25,000)")
    parser.add_argument("--requests", type=int, default=20_000, help="vote requests in all, at most")
    parser.add_argument("--seconds", type=float, default=120, help="stop voting after this, requests or not")
    parser.add_argument("--clients", type=int, default=20, help="concurrent HTTP clients")
    parser.add_argument("--voters", type=int, default=2_000, help="residents voting during the run")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn sync workers")
    parser.add_argument("--list-requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (for --reuse)")
    parser.add_argument("--reuse", action="store_true", help="keep the ideas and votes a --keep run left")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("votes benchmark skipped: needs BENCH_DATABASE_URL=postgres://… (gunicorn and PostgreSQL)")
        return
    database_url = votes_database_url(url)
    if not args.reuse:
        recreate_database(database_url)
    setup_django(database_url)
    try:
        run(args, database_url)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(database_url)


def run(args, database_url: str) -> None:
    from django.db import connection

    from govtech.participation.models import Call, District, Idea, Vote

    print(
        f"Votes benchmark on PostgreSQL {connection.pg_version // 10000}, gunicorn with {args.workers} sync workers, "
        f"{os.cpu_count()} CPU cores, database {connection.settings_dict['NAME']}"
    )
    if args.reuse and Idea.objects.exists():
        print(f"reusing {Idea.objects.count():,} ideas, {Vote.objects.count():,} votes")
    else:
        generate(args.ideas, args.votes)
    voters = make_voters(args.voters)
    votable = Idea.objects.filter(status__in=VOTABLE, hidden_at__isnull=True)
    ideas = list(votable.values_list("id", flat=True))
    hot_ideas = list(votable.order_by("-vote_count").values_list("id", flat=True)[:HOT_IDEAS])
    rng = random.Random(11)
    queries = list_queries(
        rng,
        args.list_requests,
        list(District.objects.values_list("id", flat=True)),
        list(Call.objects.values_list("slug", flat=True)),
    )
    with tempfile.TemporaryDirectory() as tmp:
        environment = server_environment(database_url, tmp)
        prepare_server(environment)
        process, port = start_gunicorn(environment, args.workers, Path(tmp) / "gunicorn.log")
        try:
            warm_up(port, [f"/api/v1/ideas/{idea_id}/" for idea_id in hot_ideas] * args.workers)
            print(f"load average before voting: {load_average()}")
            cpu_before = cpu_snapshot(process.pid)
            tallies, seconds = vote_concurrently(
                port, voters, hot_ideas, ideas, args.requests, args.seconds, args.clients
            )
            cpu_after = cpu_snapshot(process.pid)
            check = check_database(tallies, [user_id for user_id, _token in voters])
            is_votes_met = print_votes(tallies, seconds, check, args.clients)
            print_cpu(cpu_before, cpu_after, sum(len(tally.latencies) for tally in tallies))
            results = []
            if is_list_page(port):
                results.append(("page /ideas/", time_list(port, PAGE_LIST_PATH, queries, args.workers)))
            else:
                print("page /ideas/ is not there yet (placeholder): timing the API list only")
            results.append(("API /api/v1/ideas/", time_list(port, API_LIST_PATH, queries, args.workers)))
            are_lists_met = [print_list(label, *result) for label, result in results]
            print(f"load average at the end: {load_average()}")
        finally:
            stop_gunicorn(process)
            errors = [line for line in (Path(tmp) / "gunicorn.log").read_text(errors="replace").splitlines() if line]
            errors = [line for line in errors if not line.startswith(("Not Found:", "Conflict:"))]
            if errors:
                print("gunicorn's log, last lines:", *errors[-15:], sep="\n  ")
    print(f"summary: votes {verdict(is_votes_met)}, list latency {verdict(all(are_lists_met))}")


if __name__ == "__main__":
    main()
