"""Benchmark of the OCDS import and of the open tenders' list.

Targets (issue 7): the import stores at least 1,000 releases/s, its memory stays flat as the file
grows (streamed, batch by batch), and on PostgreSQL the tender list's p95 is at most 100 ms with
200,000 tenders.

What it does, on each database in turn (each in its own process, since Django is set up once
per process):

* PostgreSQL, when BENCH_DATABASE_URL=postgres://… is set: its own database ``<name>_ocds`` next
  to the one named there (dropped and made again at the start, dropped at the end unless
  ``--keep``), migrated;
* SQLite, unless ``--only postgresql``: a temporary file database, migrated.

Every import runs in a process of its own (this script with Django set up and not migrating,
calling services.import_ocds: what ``manage.py import_ocds`` does, without its printing), so that
its peak memory (VmHWM from /proc/self/status, which starts again at exec; elsewhere ru_maxrss from
os.wait4) is the import's alone.

a. The real data in /work/shared/data/ocds/real-examples/**/*.json (published OCDS files of
   several countries: release packages, record packages, single releases), when that folder
   exists; it may not (it is not shipped): then this part says so and is skipped. Prints the
   files, releases, releases/s, runs that failed, problems, peak memory.
b. Synthetic enlargement: the real releases (those of a., or of govtech/procurement/ocds_samples
   when a. is absent) copied ×1, ×5 and ×``--factor`` (default 20) into one release package each,
   every copy with a new ocid and release id (so every release is new and processes do not grow),
   written to a temporary folder. Each is imported into emptied tables. Prints file size,
   releases/s and the peak memory of the importing process, and whether the memory stays flat
   (the largest file's peak within 25 % of the smallest's).
c. The tender list at ``--tenders`` tenders (default 200,000): Tender rows bulk_created straight
   into the table (NOT through the import): Russian titles and descriptions from word lists with
   ``search_stems`` from core.stemming.stem_string (as compile.tender_fields makes them), ~300
   buyers (unevenly), every status, method and category, 60 classifications, values from 50,000 ₽
   to hundreds of millions and none, deadlines past and future and none, lots, SME suitability
   yes/no/unknown. Then VACUUM ANALYZE (ANALYZE on SQLite). Then ``--queries`` (default 200;
   ``--sqlite-queries`` on SQLite, default 60) seeded sampled requests of four kinds: filters only,
   words (1–2 Russian words in other forms than the titles use), words with filters, and a deep
   page (pages 100–500 of broad lists). Each does what the list page does for its results:
   selectors.list_columns(selectors.search_tenders(query)) through a Paginator of 20: the count,
   then the page's rows. Prints p50/p95/max per kind and in all, and the time of
   selectors.buyers() (the buyer filter's choices, which the page also asks for).

The machine's other work slows every figure: the load average is printed next to them.
Usage: [BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench] .venv/bin/python bench/ocds_import.py
       [--factor 20] [--tenders 200000] [--queries 200] [--sqlite-queries 60] [--batch 500]
       [--only postgresql|sqlite] [--seed 7] [--keep]
Smaller and quicker: --factor 5 --tenders 50000.
"""

import argparse
import datetime as dt
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from catalog import drop_database, load_average, percentile, recreate_database, verdict  # noqa: E402
from run import setup_django  # noqa: E402

REAL = Path("/work/shared/data/ocds/real-examples")
SAMPLES = ROOT / "govtech" / "procurement" / "ocds_samples"
TARGET_RATE = 1000  # releases per second
TARGET_P95 = 0.100  # seconds, PostgreSQL, tender list
FLAT = 1.25  # the largest file's peak memory at most this times the smallest's
PAGE_SIZE = 20

# --- words for the tenders -------------------------------------------------------------------

SUBJECTS = [
    ("Поставка", "компьютерного оборудования", "goods"),
    ("Поставка", "серверов и систем хранения данных", "goods"),
    ("Поставка", "медицинских изделий", "goods"),
    ("Поставка", "продуктов питания для школьных столовых", "goods"),
    ("Поставка", "канцелярских товаров", "goods"),
    ("Поставка", "мебели для поликлиник", "goods"),
    ("Поставка", "автобусов на электрической тяге", "goods"),
    ("Закупка", "программного обеспечения", "goods"),
    ("Закупка", "лицензий на офисные программы", "goods"),
    ("Закупка", "лекарственных препаратов", "goods"),
    ("Выполнение работ по", "капитальному ремонту многоквартирных домов", "works"),
    ("Выполнение работ по", "ремонту дорог и тротуаров", "works"),
    ("Выполнение работ по", "благоустройству дворовых территорий", "works"),
    ("Выполнение работ по", "строительству детского сада", "works"),
    ("Выполнение работ по", "замене лифтов", "works"),
    ("Выполнение работ по", "озеленению парков", "works"),
    ("Оказание услуг по", "уборке помещений", "services"),
    ("Оказание услуг по", "вывозу твёрдых коммунальных отходов", "services"),
    ("Оказание услуг по", "техническому обслуживанию систем видеонаблюдения", "services"),
    ("Оказание услуг по", "сопровождению информационной системы", "services"),
    ("Оказание услуг по", "охране зданий", "services"),
    ("Оказание услуг по", "организации питания", "services"),
    ("Оказание услуг", "связи и доступа в интернет", "services"),
    ("Оказание услуг по", "разработке мобильного приложения", "services"),
    ("Оказание услуг по", "обучению сотрудников", "services"),
]
FOR_WHOM = [
    "для нужд школ",
    "для городских поликлиник",
    "для управ районов",
    "для нужд департамента",
    "для подведомственных учреждений",
    "для детских садов",
    "для центра обработки данных",
    "для городского транспорта",
    "",
    "",
]
DISTRICTS = [
    "Арбат",
    "Басманный",
    "Тверской",
    "Пресненский",
    "Хамовники",
    "Марьино",
    "Митино",
    "Строгино",
    "Сокольники",
    "Бутово",
    "Отрадное",
    "Ясенево",
    "Люблино",
    "Кунцево",
    "Лефортово",
]
BUYER_KINDS = [
    "ГБУ «Жилищник района {d}»",
    "ГБОУ «Школа № {n}»",
    "ГБУЗ «Городская поликлиника № {n}»",
    "Управа района {d}",
    "ГБУ «Дирекция парков района {d}»",
    "ГКУ «Дирекция ЖКХиБ {d}»",
]
DEPARTMENTS = [
    "Департамент информационных технологий",
    "Департамент здравоохранения",
    "Департамент образования и науки",
    "Департамент транспорта",
    "Департамент капитального ремонта",
    "Департамент культуры",
]
DESCRIPTIONS = [
    "Требования к качеству, сроки и место {what} указаны в техническом задании.",
    "Оплата по факту {what} в течение 15 рабочих дней. Гарантийный срок не менее 12 месяцев.",
    "Участник должен иметь опыт исполнения аналогичных контрактов. Обеспечение заявки 1 %.",
    "Закупка проводится среди субъектов малого предпринимательства.",
]
QUERIES = [
    "компьютер",
    "компьютерное оборудование",
    "сервер",
    "ремонт дороги",
    "капитальный ремонт",
    "уборка",
    "вывоз отходов",
    "поставка мебели",
    "лекарства",
    "лекарственные препараты",
    "видеонаблюдение",
    "детский сад",
    "питание школ",
    "лифт",
    "озеленение",
    "мобильное приложение",
    "программы",
    "охрана",
    "интернет",
    "обучение",
    "благоустройство дворов",
    "Жилищник",
    "поликлиника",
    "электробус",
]
CLASSIFICATIONS = [f"{code:08d}" for code in range(30_000_000, 90_000_000, 1_000_000)]  # 60 CPV-like codes
STATUSES = (["active"] * 40) + (["complete"] * 30) + (["planned"] * 10) + (["cancelled"] * 6)
STATUSES += (["unsuccessful"] * 6) + (["planning"] * 4) + (["withdrawn"] * 2) + ([""] * 2)
METHODS = (["open"] * 60) + (["selective"] * 15) + (["limited"] * 15) + (["direct"] * 8) + ([""] * 2)


# --- the databases and the processes ---------------------------------------------------------


def ocds_database_url(url: str) -> str:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "bench"
    return urlunsplit(parts._replace(path=f"/{name}_ocds"))


def setup_without_migrating(database_url: str) -> None:
    os.environ["DJANGO_ENV"] = "test"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("GOVTECH_CACHE", "locmem")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
    import django

    django.setup()


def peak_kib() -> int:
    """This process's peak resident memory (KiB): VmHWM, which starts again at exec. (ru_maxrss
    would carry the peak of the forked copy of the parent, which holds the source releases.)"""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def import_child(args) -> None:
    """An importing process: the files in order through services.import_ocds; figures to --result."""
    setup_without_migrating(args.database_url)
    from govtech.procurement import services

    baseline = peak_kib()
    totals = {"files": 0, "read": 0, "added": 0, "problems": 0, "failed": 0, "unreadable": 0}
    start = time.perf_counter()
    for path in args.import_files:
        totals["files"] += 1
        try:
            run = services.import_ocds(path, batch_size=args.batch)
        except Exception as error:  # a file it cannot read at all; anything else is also a figure here
            totals["unreadable"] += 1
            print(f"  could not import {path}: {type(error).__name__}: {str(error)[:200]}")
            continue
        totals["read"] += run.releases_read
        totals["added"] += run.releases_added
        totals["problems"] += run.problem_count
        totals["failed"] += run.status != "finished"
    totals["seconds"] = time.perf_counter() - start
    totals["baseline_kb"] = baseline
    totals["peak_kb"] = peak_kib()
    Path(args.result).write_text(json.dumps(totals))


def import_in_child(files: list[Path], database_url: str, batch: int, tmp: str) -> dict:
    """Import in a fresh process; its figures with its peak resident memory (KiB, VmHWM; else
    the ru_maxrss os.wait4 gives for that child alone)."""
    result = Path(tmp) / "import-result.json"
    result.unlink(missing_ok=True)
    list_file = Path(tmp) / "files.txt"
    list_file.write_text("\n".join(map(str, files)))
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--database-url",
        database_url,
        "--result",
        str(result),
        "--batch",
        str(batch),
        "--import-list",
        str(list_file),
    ]
    sys.stdout.flush()
    child = subprocess.Popen(command)
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"the importing process stopped with {child.returncode}")
    figures = json.loads(result.read_text())
    figures.setdefault("peak_kb", usage.ru_maxrss)
    return figures


def empty_tables() -> None:
    from django.db import connection

    from govtech.procurement.models import ImportProblem, ImportRun, Release, Tender

    tables = [model._meta.db_table for model in (ImportProblem, Release, Tender, ImportRun)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def mib(kib: float) -> str:
    return f"{kib / 1024:,.0f} MiB"


# --- a. the real data ------------------------------------------------------------------------


def real_files() -> list[Path]:
    return sorted(REAL.rglob("*.json")) if REAL.is_dir() else []


def bench_real(database_url: str, args, tmp: str) -> dict | None:
    files = real_files()
    if not files:
        print(f"a. real data: SKIPPED, {REAL} is absent (it is not shipped with the code)")
        return None
    figures = import_in_child(files, database_url, args.batch, tmp)
    rate = figures["added"] / figures["seconds"]
    print(
        f"a. real data ({REAL}): {figures['files']} files, {figures['read']:,} releases read, "
        f"{figures['added']:,} stored in {figures['seconds']:.1f} s: {rate:,.0f} releases/s (with a run, its "
        f"audit events and a fingerprint per file: most files hold one release); {figures['problems']} problems, "
        f"{figures['failed']} runs not finished, {figures['unreadable']} files unreadable; peak memory "
        f"{mib(figures['peak_kb'])} (after Django's start {mib(figures['baseline_kb'])})"
    )
    return {**figures, "rate": rate}


# --- b. the synthetic enlargement ------------------------------------------------------------


def source_releases() -> tuple[list[dict], str]:
    from govtech.procurement import ocds_reader

    files = real_files()
    label = f"the real data ({len(files)} files)"
    if not files:
        files, label = sorted(SAMPLES.rglob("*.json")), "govtech/procurement/ocds_samples (real data absent)"
    releases = []
    for path in files:
        try:
            kind = ocds_reader.detect(path)
            for item in ocds_reader.items(path, kind):
                releases.extend(item.releases)
        except ocds_reader.UnreadableFile:
            continue
    return releases, label


def write_enlarged(releases: list[dict], copies: int, path: Path) -> int:
    with path.open("w", encoding="utf-8") as out:
        out.write('{"uri": "https://bench.example/enlarged.json", "version": "1.1", ')
        out.write('"publishedDate": "2024-01-01T00:00:00Z", "publisher": {"name": "bench"}, "releases": [\n')
        first = True
        for copy in range(copies):
            for release in releases:
                release = {**release, "ocid": f"{release['ocid']}-x{copy}", "id": f"x{copy}-{release['id']}"}
                out.write(("" if first else ",\n") + json.dumps(release, ensure_ascii=False))
                first = False
        out.write("\n]}\n")
    return path.stat().st_size


def bench_enlarged(database_url: str, args, tmp: str) -> dict:
    releases, label = source_releases()
    sizes = sorted({1, min(5, args.factor), args.factor})
    print(f"b. synthetic enlargement of the {len(releases):,} releases of {label}: ×{', ×'.join(map(str, sizes))}")
    rows = []
    for copies in sizes:
        empty_tables()
        path = Path(tmp) / f"enlarged-x{copies}.json"
        size = write_enlarged(releases, copies, path)
        figures = import_in_child([path], database_url, args.batch, tmp)
        path.unlink()
        rate = figures["added"] / figures["seconds"]
        rows.append({"copies": copies, "bytes": size, **figures, "rate": rate})
        print(
            f"   ×{copies:<3} {size / 2**20:8,.1f} MiB file, {figures['added']:>8,} releases in {figures['seconds']:7.1f} s: "
            f"{rate:7,.0f} releases/s ({size / 2**20 / figures['seconds']:.1f} MiB/s); peak memory "
            f"{mib(figures['peak_kb'])} (after Django's start {mib(figures['baseline_kb'])}); "
            f"{figures['problems']} problems; load average {load_average()}"
        )
    empty_tables()
    flat = rows[-1]["peak_kb"] <= FLAT * rows[0]["peak_kb"]
    print(
        f"   memory: ×{rows[-1]['copies']} file {rows[-1]['bytes'] / rows[0]['bytes']:.0f} times the ×1 file, peak "
        f"{mib(rows[-1]['peak_kb'])} vs {mib(rows[0]['peak_kb'])}: flat (within {FLAT:.0%}): {verdict(flat)}"
    )
    return {"rows": rows, "flat": flat}


# --- c. the tender list ----------------------------------------------------------------------


def buyers_list(rng: random.Random) -> list[str]:
    names = list(DEPARTMENTS)
    for template in BUYER_KINDS:
        for n in range(60):
            names.append(template.format(d=DISTRICTS[n % len(DISTRICTS)], n=100 + n))
    names = list(dict.fromkeys(names))[:300]
    rng.shuffle(names)
    return names


def generate_tenders(count: int, seed: int) -> int:
    from django.db import connection
    from django.utils import timezone

    from govtech.core.stemming import stem_string
    from govtech.procurement.models import Tender

    rng = random.Random(seed)
    buyers = buyers_list(rng)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(buyers))]  # a few buyers buy most
    now = timezone.now()
    batch = []
    for i in range(count):
        verb, what, category = rng.choice(SUBJECTS)
        title = f"{verb} {what} {rng.choice(FOR_WHOM)}".strip()
        if rng.random() < 0.3:
            title += f" в районе {rng.choice(DISTRICTS)}"
        buyer = rng.choices(buyers, weights)[0]
        description = " ".join(rng.sample(DESCRIPTIONS, 2)).format(what="поставки" if category == "goods" else "работ")
        lots = rng.choice([0] * 8 + [1, 2, 3, 5, 10])
        last = now - dt.timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
        deadline = None if rng.random() < 0.1 else last + dt.timedelta(days=rng.randint(-30, 60))
        amount = None if rng.random() < 0.08 else Decimal(round(10 ** rng.uniform(4.7, 8.7), 2))
        ocid = f"ocds-bench-{i:07d}"
        batch.append(
            Tender(
                ocid=ocid,
                title=title,
                description=description,
                buyer_name=buyer,
                buyer_identifier=f"RU-INN-{7700000000 + buyers.index(buyer)}",
                status=rng.choice(STATUSES),
                method=rng.choice(METHODS),
                main_category=category,
                classification_scheme="CPV",
                classification_id=rng.choice(CLASSIFICATIONS),
                value_amount=amount,
                currency="RUB" if amount is not None else "",
                submission_deadline=deadline,
                lot_count=lots,
                suitable_for_sme=rng.choice([None, None, True, False]),
                award_count=rng.randint(0, 2),
                contract_count=rng.randint(0, 2),
                release_count=rng.randint(1, 6),
                last_release_at=last,
                language="ru",
                compiled={
                    "ocid": ocid,
                    "id": f"{ocid}-1",
                    "date": last.isoformat(),
                    "tag": ["compiled"],
                    "buyer": {"name": buyer},
                    "tender": {"id": "1", "title": title, "description": description, "lots": [{}] * lots},
                },
                search_stems=stem_string(" ".join([title, description, buyer])),
            )
        )
        if len(batch) == 5000:
            Tender.objects.bulk_create(batch)
            batch = []
    Tender.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return Tender.objects.count()


def sample_requests(rng: random.Random, count: int, buyers: list[str]) -> list[tuple[str, dict, int]]:
    """(kind, GET parameters, page number)."""

    def filters() -> dict:
        params = {}
        for name in rng.sample(["status", "method", "category", "buyer", "value", "deadline", "lots", "sme"], 2):
            if name == "status":
                params["status"] = rng.choice(["active", "active,planned", "complete", "cancelled"])
            elif name == "method":
                params["method"] = rng.choice(["open", "selective,limited", "direct"])
            elif name == "category":
                params["category"] = rng.choice(["goods", "works", "services"])
            elif name == "buyer":
                params["buyer"] = rng.choice(buyers[:50] if rng.random() < 0.7 else buyers)
            elif name == "value":
                params["value_min"] = rng.choice(["100000", "1000000", "5000000"])
                if rng.random() < 0.5:
                    params["value_max"] = "50000000"
            elif name == "deadline":
                day = dt.date.today() + dt.timedelta(days=rng.randint(-60, 30))
                params["deadline_from"] = day.isoformat()
                params["deadline_to"] = (day + dt.timedelta(days=rng.choice([7, 30]))).isoformat()
            elif name == "lots":
                params["has_lots"] = rng.choice(["yes", "no"])
            else:
                params["sme"] = rng.choice(["yes", "no"])
        params["sort"] = rng.choice(["", "", "deadline", "value", "value_asc"])
        return params

    requests = []
    kinds = ["filters only", "words", "words + filters", "deep page"]
    for i in range(count):
        kind = kinds[i % len(kinds)]
        if kind == "filters only":
            requests.append((kind, filters(), 1))
        elif kind == "words":
            requests.append((kind, {"q": rng.choice(QUERIES), "sort": rng.choice(["", "", "newest", "deadline"])}, 1))
        elif kind == "words + filters":
            requests.append((kind, {**filters(), "q": rng.choice(QUERIES)}, 1))
        else:
            params = rng.choice([{}, {"sort": "deadline"}, {"status": "active"}, {"q": "поставка"}, {"sort": "value"}])
            requests.append((kind, params, rng.randint(100, 500)))
    rng.shuffle(requests)
    return requests


def list_request(params: dict, page_number: int) -> int:
    from django.core.paginator import Paginator

    from govtech.procurement import selectors

    query = selectors.TenderQuery.from_params(params)
    page = Paginator(selectors.list_columns(selectors.search_tenders(query)), PAGE_SIZE).get_page(page_number)
    rows = list(page.object_list)
    assert len(rows) <= PAGE_SIZE
    return page.paginator.count


def bench_list(args, vendor: str) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from govtech.procurement import selectors

    start = time.perf_counter()
    total = generate_tenders(args.tenders, args.seed)
    print(
        f"c. tender list: {total:,} tenders generated in {time.perf_counter() - start:.0f} s "
        f"(with {'VACUUM ANALYZE' if vendor == 'postgresql' else 'ANALYZE'})"
    )
    count = args.queries if vendor == "postgresql" else args.sqlite_queries
    buyers = buyers_list(random.Random(args.seed))
    requests = sample_requests(random.Random(args.seed + 1), count, buyers)
    for _kind, params, page in requests[:8]:  # warm up: caches, plans, lazy imports
        list_request(params, page)
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        list_request(*requests[0][1:])
    per_request = len(queries)
    samples: dict[str, list[float]] = {}
    matched: dict[str, list[int]] = {}
    for kind, params, page in requests:
        started = time.perf_counter()
        found = list_request(params, page)
        samples.setdefault(kind, []).append(time.perf_counter() - started)
        matched.setdefault(kind, []).append(found)
    everything = [value for values in samples.values() for value in values]
    for kind, values in samples.items():
        print(
            f"   {kind:16} {len(values):3} requests: p50 {1000 * percentile(values, 0.5):7.1f} ms, "
            f"p95 {1000 * percentile(values, 0.95):7.1f} ms, max {1000 * max(values):7.1f} ms "
            f"(median {sorted(matched[kind])[len(matched[kind]) // 2]:,} tenders found)"
        )
    p95 = percentile(everything, 0.95)
    print(
        f"   {'all':16} {len(everything):3} requests: p50 {1000 * percentile(everything, 0.5):7.1f} ms, "
        f"p95 {1000 * p95:7.1f} ms, max {1000 * max(everything):7.1f} ms; {per_request} SQL queries per request "
        f"(count, page); load average {load_average()}"
    )
    buyer_times = [time.perf_counter()]
    for _ in range(5):
        selectors.buyers()
        buyer_times.append(time.perf_counter())
    buyer_samples = [b - a for a, b in itertools.pairwise(buyer_times)]
    print(
        f"   selectors.buyers() (the buyer filter's choices, on every list page): median "
        f"{1000 * percentile(buyer_samples, 0.5):.1f} ms of 5"
    )
    return {
        "p95": p95,
        "p50": percentile(everything, 0.5),
        "kinds": {kind: percentile(values, 0.95) for kind, values in samples.items()},
        "buyers": percentile(buyer_samples, 0.5),
    }


# --- one database ----------------------------------------------------------------------------


def run_child(args) -> None:
    url = args.database_url
    is_postgres = url.startswith(("postgres://", "postgresql://"))
    if is_postgres:
        recreate_database(url)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if not is_postgres:
                url = f"sqlite:///{tmp}/ocds.sqlite3"
            start = time.perf_counter()
            setup_django(url)
            from django.db import connection

            vendor = connection.vendor
            if vendor == "postgresql":
                label = f"PostgreSQL {connection.pg_version // 10000}, database {connection.settings_dict['NAME']}"
            else:
                import sqlite3

                label = f"SQLite {sqlite3.sqlite_version}, temporary file"
            print(f"\n=== OCDS import benchmark on {label} (migrated in {time.perf_counter() - start:.0f} s) ===")
            results = {"vendor": vendor, "real": bench_real(url, args, tmp)}
            results["enlarged"] = bench_enlarged(url, args, tmp)
            results["list"] = bench_list(args, vendor)
            from django.db import connections

            connections.close_all()
        Path(args.result).write_text(json.dumps(results))
    finally:
        if is_postgres and not args.keep:
            drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factor", type=int, default=20, help="the largest enlargement (×1, ×5 and this)")
    parser.add_argument("--tenders", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200, help="sampled list requests (PostgreSQL)")
    parser.add_argument("--sqlite-queries", type=int, default=60, help="sampled list requests on SQLite")
    parser.add_argument("--batch", type=int, default=500, help="package items per transaction")
    parser.add_argument("--only", choices=["postgresql", "sqlite"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    parser.add_argument("--database-url", help=argparse.SUPPRESS)  # a child process: this database only
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--import-list", help=argparse.SUPPRESS)  # an importing process: these files
    args = parser.parse_args()
    if args.import_list:
        args.import_files = Path(args.import_list).read_text().split("\n")
        import_child(args)
        return
    if args.database_url:
        run_child(args)
        return
    url = os.environ.get("BENCH_DATABASE_URL", "")
    targets = []
    if url.startswith(("postgres://", "postgresql://")) and args.only != "sqlite":
        targets.append(("PostgreSQL", ocds_database_url(url)))
    if args.only != "postgresql":
        targets.append(("SQLite", "sqlite"))
    print(
        f"OCDS import benchmark: enlargement up to ×{args.factor}, {args.tenders:,} tenders, batches of "
        f"{args.batch}, {os.cpu_count()} CPU cores, load average {load_average()}; other work on the machine "
        f"makes the figures noisy"
    )
    if not any(name == "PostgreSQL" for name, _url in targets):
        print("PostgreSQL skipped: no BENCH_DATABASE_URL=postgres://… (or --only sqlite)")
    if not targets:
        return
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
                f"--factor={args.factor}",
                f"--tenders={args.tenders}",
                f"--queries={args.queries}",
                f"--sqlite-queries={args.sqlite_queries}",
                f"--batch={args.batch}",
                f"--seed={args.seed}",
                *(["--keep"] if args.keep else []),
            ]
            sys.stdout.flush()
            subprocess.run(command, check=True)
            summary.append((name, json.loads(result_path.read_text())))
    print("\n=== summary ===")
    for name, result in summary:
        largest = result["enlarged"]["rows"][-1]
        real = result["real"]
        real_text = f"real data {real['rate']:,.0f} releases/s; " if real else "real data absent (skipped); "
        print(
            f"{name:10} {real_text}×{largest['copies']} enlargement {largest['rate']:,.0f} releases/s: "
            f"≥ {TARGET_RATE:,} releases/s {verdict(largest['rate'] >= TARGET_RATE)}; memory flat in file size "
            f"(peak {mib(result['enlarged']['rows'][0]['peak_kb'])} at ×1, {mib(largest['peak_kb'])} at "
            f"×{largest['copies']}): {verdict(result['enlarged']['flat'])}"
        )
        line = (
            f"{'':10} tender list at {args.tenders:,}: p50 {1000 * result['list']['p50']:.1f} ms, p95 "
            f"{1000 * result['list']['p95']:.1f} ms"
        )
        if result["vendor"] == "postgresql":
            line += f"; target p95 ≤ 100 ms: {verdict(result['list']['p95'] <= TARGET_P95)}"
        print(line + f"; buyers() {1000 * result['list']['buyers']:.1f} ms")


if __name__ == "__main__":
    main()
