"""The demo's tenders: the shared real data when it is there, the shipped samples otherwise; once."""

import shutil
from pathlib import Path

import pytest

from govtech.procurement.demo import SAMPLES, demo_sources, seed_procurement
from govtech.procurement.models import ImportRun, Release, Tender

pytestmark = pytest.mark.django_db


def test_without_the_shared_folder_the_samples_are_imported_once(settings, tmp_path):
    settings.GOVTECH_OCDS_DEMO_DATA = str(tmp_path / "missing")
    assert demo_sources() == sorted(SAMPLES.rglob("*.json"))
    assert seed_procurement() == len(demo_sources())
    tenders, releases = Tender.objects.count(), Release.objects.count()
    assert tenders >= 12 and releases > tenders  # New South Wales and two Paraguayan processes
    assert Tender.objects.filter(buyer_name__gt="").count() == tenders
    assert seed_procurement() == 0  # anything imported before: nothing more
    assert (Tender.objects.count(), Release.objects.count()) == (tenders, releases)


def test_a_shared_folder_is_preferred(settings, tmp_path):
    shared = tmp_path / "real-examples" / "australia"
    shared.mkdir(parents=True)
    shutil.copy(SAMPLES / "new-south-wales" / "0.json", shared / "0.json")
    (shared / "broken.json").write_text("{not json", encoding="utf-8")
    settings.GOVTECH_OCDS_DEMO_DATA = str(tmp_path / "real-examples")
    logged = []
    assert seed_procurement(log=logged.append) == 2
    assert Tender.objects.count() == 1
    assert ImportRun.objects.count() == 1
    assert [Path(line.split(":")[0].split()[-1]).name for line in logged] == ["broken.json"]
