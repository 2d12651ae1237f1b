"""Reading OCDS files as a stream (ijson), so that a file larger than memory can be imported:
release packages, record packages, and the single release or record files publishers also
put out. Each package item comes with its position; whatever is wrong with one item is that
item's problem, not the file's."""

import datetime as dt
import hashlib
import math
import shutil
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import ijson

RELEASE_PACKAGE = "release package"
RECORD_PACKAGE = "record package"
RELEASE = "release"
RECORD = "record"
CHUNK = 1 << 16
MAX_OCID = 200  # the columns of models.Release
MAX_RELEASE_ID = 300


class UnreadableFile(Exception):
    """The file is not JSON, or not OCDS: nothing in it can be imported."""


class BadItem(Exception):
    """One release or record is not usable; the import reports it and goes on."""


@dataclass
class Item:
    position: int  # the item's index in the package (0 for a single release or record file)
    where: str  # e.g. "releases[12]"
    releases: list[dict] = field(default_factory=list)
    problem: str = ""  # why the item cannot be imported; then it has no releases


@contextmanager
def local_copy(source: str):
    """A path to the source's bytes: the file itself, or a URL streamed into a temporary file."""
    if source.startswith(("http://", "https://")):
        with tempfile.NamedTemporaryFile(suffix=".json") as copy:
            try:
                with urllib.request.urlopen(source, timeout=60) as response:  # noqa: S310 - http(s) only
                    shutil.copyfileobj(response, copy, CHUNK)
            except OSError as error:
                raise UnreadableFile(f"could not download {source}: {error}") from error
            copy.flush()
            yield Path(copy.name)
        return
    path = Path(source)
    if not path.is_file():
        raise UnreadableFile(f"no such file: {source}")
    yield path


def fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def detect(path: Path) -> str:
    """What the file holds, from its top-level keys, reading no further than needed."""
    seen = set()
    with path.open("rb") as stream:
        try:
            for prefix, event, value in ijson.parse(stream):
                if prefix == "" and event == "map_key":
                    if value == "releases" and "ocid" not in seen:
                        return RELEASE_PACKAGE
                    if value == "records":
                        return RECORD_PACKAGE
                    if value == "compiledRelease":
                        return RECORD
                    seen.add(value)
                elif prefix == "" and event in ("start_array", "string", "number", "boolean", "null"):
                    break
        except ijson.JSONError as error:
            raise UnreadableFile(f"not JSON: {error}") from error
    if "ocid" in seen:
        return RECORD if "releases" in seen and "id" not in seen else RELEASE
    raise UnreadableFile("not an OCDS release or record package, release or record")


def items(path: Path, kind: str) -> Iterator[Item]:
    """Every item of the file in order, with its releases or the problem that keeps it out. A
    file that stops being JSON halfway raises UnreadableFile after the items before it."""
    with path.open("rb") as stream:
        try:
            if kind == RELEASE_PACKAGE:
                for position, release in enumerate(ijson.items(stream, "releases.item")):
                    yield _checked(Item(position, f"releases[{position}]"), lambda r=release: [_release(r)])
            elif kind == RECORD_PACKAGE:
                for position, record in enumerate(ijson.items(stream, "records.item")):
                    yield _checked(Item(position, f"records[{position}]"), lambda r=record: _record_releases(r))
            else:
                whole = next(ijson.items(stream, ""))
                reader = _record_releases if kind == RECORD else (lambda r: [_release(r)])
                yield _checked(Item(0, kind), lambda: reader(whole))
        except ijson.JSONError as error:
            raise UnreadableFile(f"the file stops being JSON: {error}") from error


def _checked(item: Item, read) -> Item:
    try:
        item.releases = read()
    except BadItem as problem:
        item.problem = str(problem)
    return item


def _record_releases(record) -> list[dict]:
    """A record's releases when it embeds them; when it only links them, its compiled release
    (tagged "compiled") is what there is."""
    if not isinstance(record, dict) or not isinstance(record.get("ocid"), str):
        raise BadItem("a record needs an ocid")
    embedded = [r for r in record.get("releases") or [] if isinstance(r, dict) and "id" in r and "ocid" in r]
    if embedded:
        return [_release(release) for release in embedded]
    compiled = record.get("compiledRelease")
    if not isinstance(compiled, dict):
        raise BadItem("a record with neither embedded releases nor a compiled release")
    compiled = {**compiled, "ocid": compiled.get("ocid") or record["ocid"]}
    compiled.setdefault("id", f"{record['ocid']}-compiled")
    compiled["tag"] = ["compiled"]
    return [_release(compiled)]


def _release(release) -> dict:
    if not isinstance(release, dict):
        raise BadItem("a release must be an object")
    for name, longest in (("ocid", MAX_OCID), ("id", MAX_RELEASE_ID)):
        if not isinstance(release.get(name), str | int) or not str(release.get(name)).strip():
            raise BadItem(f"a release needs its {name}")
        if len(str(release[name])) > longest:
            raise BadItem(f"the release's {name} is longer than {longest} characters")
    if parse_date(release.get("date")) is None:
        raise BadItem(f"release {release['id']}: no valid date ({release.get('date')!r})")
    tags = release.get("tag", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise BadItem(f"release {release['id']}: tag must be a list of codes")
    return plain(release)


def parse_date(value) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        moment.astimezone(dt.UTC)  # a moment outside years 1–9999 in UTC cannot be stored
    except (ValueError, OverflowError):
        return None
    return moment


def plain(value):
    """JSON values as the json module gives them: ijson reads numbers as Decimal (exact, for
    money), which JSON columns cannot store."""
    if isinstance(value, dict):
        return {plain(key): plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        if not math.isfinite(float(value)):
            raise BadItem(f"a number beyond what can be stored: {str(value)[:40]}")
        return float(value)
    if isinstance(value, str) and "\x00" in value:
        raise BadItem("a text holds the NUL character, which cannot be stored")
    return value
