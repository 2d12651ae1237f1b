"""The OCDS import (services.import_ocds, the import_ocds command, ocds_reader): counts against
the files, idempotence, bad records reported and skipped, resumption after a kill, permission
and audit, streaming. Uses only govtech/procurement/ocds_samples/ and files made in tmp_path."""

import datetime as dt
import inspect
import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from govtech.core.errors import Forbidden
from govtech.core.models import AuditEvent
from govtech.procurement import ocds_reader, services
from govtech.procurement.models import ImportProblem, ImportRun, Release, RunStatus, Tender
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "govtech" / "procurement" / "ocds_samples"
NSW = SAMPLES / "new-south-wales"
PARAGUAY = SAMPLES / "paraguay"
PARAGUAY_PROCESS = "ocds-03ad3f-274231"  # planning, two tenders, an award, a contract; no record package


def sample_files() -> list[Path]:
    return sorted(SAMPLES.rglob("*.json"))


def releases_in(path: Path) -> list[dict]:
    """The releases a file contributes, read with the json module alone: a package's releases; a
    record's embedded releases, or else its compiled release (id: its own or "<ocid>-compiled")."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if "records" in data:
        out = []
        for record in data["records"]:
            embedded = [r for r in record.get("releases", []) if "id" in r and "ocid" in r]
            if embedded:
                out.extend(embedded)
            else:
                compiled = record["compiledRelease"]
                out.append({**compiled, "id": compiled.get("id") or f"{record['ocid']}-compiled"})
        return out
    if "releases" in data and "ocid" not in data:
        return data["releases"]
    return [data]


def latest(releases: list[dict], *path: str):
    """The OCDS merge rule for a single value: the latest release (by date) that has the field."""
    found = None
    for release in sorted(releases, key=lambda r: ocds_reader.parse_date(r["date"])):
        value = release
        for key in path:
            if not isinstance(value, dict) or key not in value:
                break
            value = value[key]
        else:
            found = value
    return found


def import_samples() -> list[ImportRun]:
    return [services.import_ocds(str(path)) for path in sample_files()]


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def synthetic_release(n: int, processes_of: int = 3) -> dict:
    day = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n)
    return {
        "ocid": f"ocds-test-{n // processes_of}",
        "id": f"release-{n}",
        "date": day.isoformat(),
        "tag": ["tender"] if n % processes_of == 0 else ["tenderUpdate"],
        "initiationType": "tender",
        "tender": {
            "id": f"tender-{n // processes_of}",
            "title": f"Поставка оборудования {n // processes_of}",
            "status": "active",
            "value": {"amount": 1000 + n, "currency": "RUB"},
            "tenderPeriod": {"endDate": (day + dt.timedelta(days=30)).isoformat()},
        },
    }


def release_package(releases: list) -> dict:
    return {
        "uri": "https://example.test/package.json",
        "version": "1.1",
        "publishedDate": "2024-01-01T00:00:00Z",
        "publisher": {"name": "Test"},
        "releases": releases,
    }


def table_state():
    return (
        list(Release.objects.order_by("ocid", "release_id").values_list("ocid", "release_id", "date", "tags", "data")),
        list(Tender.objects.order_by("ocid").values()),
    )


# --- 1. counts ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_sample_file_imports_with_the_counts_the_files_give():
    files = sample_files()
    assert len(list(NSW.glob("*.json"))) == 10
    assert (PARAGUAY / "record-package-277004.json") in files
    pairs, ocids, expected_compiled = set(), set(), 0
    for path in files:  # in the order import_samples() imports them
        new = {(str(r["ocid"]), str(r["id"])) for r in releases_in(path)} - pairs
        expected_compiled += len({ocid for ocid, _id in new})
        pairs |= new
        ocids |= {ocid for ocid, _id in new}

    runs = import_samples()

    assert Release.objects.count() == len(pairs) == 23  # 10 NSW + 12 Paraguay + 1 compiled record
    assert set(Release.objects.values_list("ocid", "release_id")) == pairs
    assert Tender.objects.count() == len(ocids) == 12
    assert set(Tender.objects.values_list("ocid", flat=True)) == ocids
    assert [run.status for run in runs] == [RunStatus.FINISHED] * len(files)
    assert sum(run.releases_added for run in runs) == len(pairs)
    assert sum(run.releases_read for run in runs) == sum(len(releases_in(path)) for path in files)
    assert sum(run.tenders_compiled for run in runs) == expected_compiled
    assert sum(run.problem_count for run in runs) == 0
    assert not ImportProblem.objects.exists()
    for tender in Tender.objects.all():
        assert tender.release_count == len([pair for pair in pairs if pair[0] == tender.ocid])


@pytest.mark.django_db
def test_a_record_without_embedded_releases_is_stored_as_its_compiled_release():
    path = PARAGUAY / "record-package-277004.json"
    record = json.loads(path.read_text(encoding="utf-8"))["records"][0]
    assert not [r for r in record["releases"] if "id" in r and "ocid" in r]  # linked releases only

    run = services.import_ocds(str(path))

    stored = Release.objects.get(ocid=record["ocid"])
    assert stored.release_id == record["compiledRelease"].get("id", f"{record['ocid']}-compiled")
    assert stored.tags == ["compiled"]
    assert (run.kind, run.releases_added, run.tenders_compiled) == (ocds_reader.RECORD_PACKAGE, 1, 1)
    tender = Tender.objects.get(ocid=record["ocid"])
    assert tender.award_count == len(record["compiledRelease"]["awards"])
    assert tender.contract_count == len(record["compiledRelease"]["contracts"])


@pytest.mark.django_db
def test_an_nsw_tender_has_the_values_of_its_release():
    path = NSW / "0.json"
    release = json.loads(path.read_text(encoding="utf-8"))["releases"][0]
    import_samples()

    tender = Tender.objects.get(ocid=release["ocid"])
    assert tender.title == release["tender"]["title"].strip()
    assert tender.buyer_name == release["buyer"]["name"].strip()
    value = release["tender"].get("value") or {}
    expected_amount = Decimal(str(value["amount"])).quantize(Decimal("0.01")) if "amount" in value else None
    assert tender.value_amount == expected_amount
    assert tender.currency == (value.get("currency") or "")
    assert tender.submission_deadline == ocds_reader.parse_date(release["tender"]["tenderPeriod"]["endDate"])
    assert tender.submission_deadline == dt.datetime(2018, 1, 22, 23, 30, tzinfo=dt.UTC)
    assert tender.status == release["tender"]["status"]
    assert tender.release_count == 1
    assert tender.compiled["tender"]["title"] == release["tender"]["title"]


@pytest.mark.django_db
def test_a_paraguay_process_is_compiled_from_its_planning_tender_award_and_contract_releases():
    paths = sorted(PARAGUAY.glob(f"{PARAGUAY_PROCESS}-*.json"))
    releases = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
    assert {tag for release in releases for tag in release["tag"]} == {"planning", "tender", "award", "contract"}

    for path in paths:
        services.import_ocds(str(path))

    tender = Tender.objects.get(ocid=PARAGUAY_PROCESS)
    assert tender.release_count == len(releases) == 5
    assert tender.award_count == len({award["id"] for r in releases for award in r.get("awards", [])})
    assert tender.contract_count == len({contract["id"] for r in releases for contract in r.get("contracts", [])})
    assert (tender.award_count, tender.contract_count) == (1, 1)
    # Two tender releases: the later one (07:18:20) says unsuccessful, the earlier one complete.
    assert tender.status == latest(releases, "tender", "status") == "unsuccessful"
    assert tender.title == latest(releases, "tender", "title").strip()
    # The later tender release sets the amount to null: the merge removes it, the currency stays.
    assert latest(releases, "tender", "value", "amount") is None
    assert tender.value_amount is None
    assert tender.compiled["tender"]["value"] == {"currency": latest(releases, "tender", "value", "currency")}
    assert tender.currency == ""  # a currency is a column only with an amount
    assert tender.last_release_at == max(ocds_reader.parse_date(r["date"]) for r in releases)
    assert list(
        Release.objects.filter(ocid=PARAGUAY_PROCESS).order_by("date").values_list("release_id", flat=True)
    ) == [r["id"] for r in sorted(releases, key=lambda r: ocds_reader.parse_date(r["date"]))]


# --- 2. idempotence ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_importing_the_same_files_again_changes_nothing():
    import_samples()
    before = table_state()

    again = import_samples()

    assert table_state() == before
    assert [(run.status, run.releases_added, run.tenders_compiled) for run in again] == [
        (RunStatus.FINISHED, 0, 0)
    ] * len(sample_files())
    assert [run.releases_read for run in again] == [len(releases_in(path)) for path in sample_files()]


@pytest.mark.django_db
def test_the_command_says_nothing_new_on_a_second_import():
    path = str(NSW / "1.json")
    call_command("import_ocds", path, stdout=StringIO())
    out = StringIO()
    call_command("import_ocds", path, stdout=out)
    assert "1 releases read, 0 new, 0 processes compiled, 0 problems" in out.getvalue()
    assert Release.objects.count() == 1


# --- 3. bad input ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bad_releases_are_reported_with_their_position_and_the_others_import(tmp_path):
    releases = [synthetic_release(n, processes_of=1) for n in range(5)]
    del releases[1]["ocid"]
    releases[2]["date"] = "not a date"
    releases[3]["tag"] = "tender"
    path = write_json(tmp_path / "bad.json", release_package(releases))

    run = services.import_ocds(str(path), batch_size=2)

    assert run.status == RunStatus.FINISHED
    assert set(Release.objects.values_list("release_id", flat=True)) == {"release-0", "release-4"}
    assert set(Tender.objects.values_list("ocid", flat=True)) == {"ocds-test-0", "ocds-test-4"}
    problems = list(run.problems.order_by("position").values_list("position", "where", "message"))
    assert [(position, where) for position, where, _message in problems] == [
        (1, "releases[1]"),
        (2, "releases[2]"),
        (3, "releases[3]"),
    ]
    assert "ocid" in problems[0][2]
    assert "date" in problems[1][2]
    assert "tag" in problems[2][2]
    assert (run.releases_read, run.releases_added, run.problem_count, run.position) == (2, 2, 3, 5)


UNSTORABLE = {
    # Release.ocid holds 200 characters, release_id 300: PostgreSQL refuses longer (SQLite keeps them).
    "ocid over 200 characters": lambda release: release.update(ocid="ocds-" + "x" * 300),
    "id over 300 characters": lambda release: release.update(id="x" * 400),
    # PostgreSQL's jsonb and text refuse the NUL character.
    "NUL character in a text": lambda release: release["tender"].update(title="Поставка\u0000бумаги"),
    # Beyond a float: ijson reads it as Decimal, plain() makes it inf, which is not JSON.
    "number beyond a float": lambda release: release["tender"]["value"].update(amount="__HUGE__"),
    # Valid ISO 8601, but before 0001-01-01 in UTC (SQLite's adapter converts to UTC: OverflowError).
    "date before year 1 in UTC": lambda release: release.update(date="0001-01-01T00:00:00+05:00"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", UNSTORABLE)
def test_a_release_the_database_cannot_store_is_a_bad_record_not_a_crash(tmp_path, case):
    """Such a release is stored (where the database can) or is its item's problem; never an
    exception. An exception leaves the run "running", and each resumption of the file fails again
    on the same batch, so the batch's good releases are never stored."""
    releases = [synthetic_release(n, processes_of=1) for n in range(3)]
    UNSTORABLE[case](releases[1])
    path = tmp_path / "unstorable.json"
    path.write_text(json.dumps(release_package(releases)).replace('"__HUGE__"', "1e400"), encoding="utf-8")

    run = services.import_ocds(str(path))

    assert run.status == RunStatus.FINISHED
    stored = set(Release.objects.values_list("release_id", flat=True))
    assert {"release-0", "release-2"} <= stored
    assert {"ocds-test-0", "ocds-test-2"} <= set(Tender.objects.values_list("ocid", flat=True))
    if len(stored) == 2:
        assert list(run.problems.values_list("position", "where")) == [(1, "releases[1]")]
    else:
        assert run.releases_added == 3


@pytest.mark.django_db
def test_a_bad_record_in_a_record_package_is_reported_and_the_others_import(tmp_path):
    good = [synthetic_release(n, processes_of=1) for n in range(3)]
    records = [
        {"ocid": good[0]["ocid"], "releases": [good[0]]},
        {"releases": [good[1]]},  # no ocid
        {"ocid": good[2]["ocid"], "releases": [good[2]]},
    ]
    path = write_json(tmp_path / "records.json", {"uri": "https://example.test/r.json", "records": records})

    run = services.import_ocds(str(path))

    assert run.kind == ocds_reader.RECORD_PACKAGE
    assert run.status == RunStatus.FINISHED
    assert set(Release.objects.values_list("release_id", flat=True)) == {"release-0", "release-2"}
    assert list(run.problems.values_list("position", "where")) == [(1, "records[1]")]
    assert Tender.objects.count() == 2


@pytest.mark.django_db
def test_a_file_that_is_not_json_stops_the_command_with_a_message_and_stores_nothing(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text("These are not the releases you are looking for.\n", encoding="utf-8")
    err = StringIO()

    with pytest.raises(CommandError, match="1 of 1 sources could not be imported"):
        call_command("import_ocds", str(path), stdout=StringIO(), stderr=err)

    assert f"{path}: not JSON" in err.getvalue()
    assert not ImportRun.objects.exists()
    assert not Release.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="ocds_import").exists()


@pytest.mark.django_db
def test_a_missing_file_and_json_that_is_not_ocds_stop_the_command_with_a_message(tmp_path):
    other = write_json(tmp_path / "other.json", {"name": "not OCDS", "items": [1, 2]})
    err = StringIO()
    with pytest.raises(CommandError, match="2 of 2 sources"):
        call_command("import_ocds", str(tmp_path / "missing.json"), str(other), stdout=StringIO(), stderr=err)
    assert "no such file" in err.getvalue()
    assert "not an OCDS" in err.getvalue()
    assert not ImportRun.objects.exists()


@pytest.mark.django_db
def test_a_package_cut_off_in_the_middle_keeps_what_came_before_and_fails_the_run(tmp_path):
    whole = json.dumps(release_package([synthetic_release(n, processes_of=1) for n in range(10)]))
    cut = whole.index('{"ocid": "ocds-test-7"') + 40  # in the middle of the eighth release
    path = tmp_path / "cut.json"
    path.write_text(whole[:cut], encoding="utf-8")

    run = services.import_ocds(str(path), batch_size=3)

    assert run.status == RunStatus.FAILED
    assert run.finished_at is not None
    assert set(Release.objects.values_list("release_id", flat=True)) == {f"release-{n}" for n in range(7)}
    assert Tender.objects.count() == 7
    problem = run.problems.get()
    assert (problem.where, problem.position) == ("file", 7)
    assert "stops being JSON" in problem.message
    assert AuditEvent.objects.filter(action="ocds_import.finished", object_id=str(run.pk)).get().after["status"] == str(
        RunStatus.FAILED
    )


@pytest.mark.django_db
def test_the_command_reports_a_cut_off_package_and_exits_non_zero(tmp_path):
    whole = json.dumps(release_package([synthetic_release(n, processes_of=1) for n in range(4)]))
    path = tmp_path / "cut.json"
    path.write_text(whole[: whole.index('{"ocid": "ocds-test-3"') + 10], encoding="utf-8")
    out = StringIO()

    with pytest.raises(CommandError, match="1 of 1 sources could not be imported completely"):
        call_command("import_ocds", str(path), stdout=out, stderr=StringIO())

    assert "stopped by an error; 3 releases read, 3 new" in out.getvalue()
    assert "problem at file: the file stops being JSON" in out.getvalue()


# --- 4. a killed import resumes ----------------------------------------------------------------


def test_a_killed_import_resumes_without_duplicates(tmp_path):
    """Runs the real command in a child process, kills it (SIGKILL) after its first batches, and
    runs it again. ALWAYS on a SQLite file of its own, whatever DATABASE_URL the suite uses: the
    child and this test must see the same committed data, which the suite's test database
    (in memory, or inside a test transaction) cannot give. Read back with the sqlite3 module."""
    count = 3000
    path = write_json(tmp_path / "big.json", release_package([synthetic_release(n) for n in range(count)]))
    database = tmp_path / "kill.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DJANGO_ENV": "test",
        "DATABASE_URL": f"sqlite:///{database}",
        "GOVTECH_CACHE": "locmem",
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    # What the import writes (audit events, its tables, the alerts task it queues): seconds, not 15.
    for app in ("core", "procurement", "django_tasks_database"):
        subprocess.run([*manage, "migrate", app, "-v0"], env=env, cwd=ROOT, check=True, timeout=120)
    command = [*manage, "import_ocds", str(path), "--batch", "100"]

    child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        progress = [line for line in itertools.islice(child.stdout, 2) if "…" in line]
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert len(progress) == 2, progress

    def query(sql):
        with sqlite3.connect(database) as connection:
            return connection.execute(sql).fetchall()

    [(status, position, added)] = query("SELECT status, position, releases_added FROM procurement_importrun")
    assert status == "running"
    assert 200 <= position < count and position % 100 == 0  # whole batches only
    assert query("SELECT COUNT(*) FROM procurement_release") == [(added,)] == [(position,)]

    finished = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    # The resumed run's counters go on from the stored ones: the summary covers both parts.
    assert f"finished; {count} releases read, {count} new" in finished.stdout
    assert f"… {position + 100} items" in finished.stdout.splitlines()[0]

    assert query("SELECT COUNT(*), COUNT(DISTINCT ocid || '/' || release_id) FROM procurement_release") == [
        (count, count)
    ]
    assert query("SELECT ocid, release_id FROM procurement_release GROUP BY ocid, release_id HAVING COUNT(*) > 1") == []
    assert query("SELECT COUNT(*), SUM(release_count) FROM procurement_tender") == [(count // 3, count)]
    # The stopped run is the one that went on: one run, finished, its counters over both parts.
    assert query("SELECT status, position, releases_added, problem_count FROM procurement_importrun") == [
        ("finished", count, count, 0)
    ]
    actions = [action for (action,) in query("SELECT action FROM core_auditevent ORDER BY sequence")]
    assert actions == ["ocds_import.started", "ocds_import.finished"]


# --- 5. permission and audit -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_person_needs_the_operator_role_to_import():
    path = str(NSW / "2.json")
    for person in (UserFactory(), UserFactory(is_expert=True), UserFactory(is_staff=True)):
        with pytest.raises(Forbidden):
            services.import_ocds(path, actor=person)
    assert not ImportRun.objects.exists()
    assert not Release.objects.exists()
    assert not AuditEvent.objects.exists()

    operator = UserFactory(is_operator=True, is_staff=True)
    run = services.import_ocds(path, actor=operator)

    assert (run.status, run.releases_added) == (RunStatus.FINISHED, 1)
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [(event.action, event.actor_id, event.object_id) for event in events] == [
        ("ocds_import.started", operator.pk, str(run.pk)),
        ("ocds_import.finished", operator.pk, str(run.pk)),
    ]
    assert events[0].object_type == "procurement.importrun"
    assert events[1].after == {
        "status": "finished",
        "releases_read": 1,
        "releases_added": 1,
        "tenders_compiled": 1,
        "problems": 0,
    }


@pytest.mark.django_db
def test_the_server_process_imports_without_a_person_and_the_audit_says_so():
    run = services.import_ocds(str(NSW / "3.json"))
    assert list(AuditEvent.objects.order_by("sequence").values_list("action", "actor_id")) == [
        ("ocds_import.started", None),
        ("ocds_import.finished", None),
    ]
    assert run.status == RunStatus.FINISHED


# --- 6. streaming ------------------------------------------------------------------------------


class CountingPath(type(Path())):
    """A path whose opened files count the bytes read from them."""

    read_bytes_total = defaultdict(int)

    def open(self, *args, **kwargs):
        return _Counting(super().open(*args, **kwargs), self)


class _Counting:
    def __init__(self, stream, path):
        self._stream, self._path = stream, str(path)

    def read(self, size=-1):
        data = self._stream.read(size)
        CountingPath.read_bytes_total[self._path] += len(data)
        return data

    def readinto(self, buffer):
        n = self._stream.readinto(buffer)
        CountingPath.read_bytes_total[self._path] += n or 0
        return n

    def close(self):
        self._stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._stream.close()


def test_the_reader_yields_the_first_release_having_read_only_the_start_of_the_file(tmp_path):
    count = 50_000
    path = tmp_path / "large.json"
    with path.open("w", encoding="utf-8") as out:  # written in pieces, as big as the reader must not hold
        out.write('{"uri": "https://example.test/p.json", "version": "1.1", "releases": [')
        for n in range(count):
            out.write(("," if n else "") + json.dumps(synthetic_release(n)))
        out.write("]}")
    size = path.stat().st_size
    assert size > 10_000_000
    counted = CountingPath(path)
    CountingPath.read_bytes_total.clear()

    assert ocds_reader.detect(counted) == ocds_reader.RELEASE_PACKAGE
    assert CountingPath.read_bytes_total[str(path)] <= 4 * ocds_reader.CHUNK

    CountingPath.read_bytes_total.clear()
    stream = ocds_reader.items(counted, ocds_reader.RELEASE_PACKAGE)
    assert inspect.isgenerator(stream)
    assert CountingPath.read_bytes_total[str(path)] == 0  # nothing read before the first item is asked for
    started = time.perf_counter()
    [first, second] = itertools.islice(stream, 2)
    elapsed = time.perf_counter() - started
    stream.close()
    assert (first.position, first.where, first.releases[0]["id"]) == (0, "releases[0]", "release-0")
    assert second.releases[0]["id"] == "release-1"
    assert CountingPath.read_bytes_total[str(path)] <= 4 * ocds_reader.CHUNK < size / 20, elapsed
