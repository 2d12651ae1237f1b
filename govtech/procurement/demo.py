"""Demo tenders: real published OCDS data. The fuller set in ``../shared/data/ocds/real-examples``
(about 1,400 releases from Armenia, Ukraine, Paraguay, Mexico, the UK and more) when it is next to
the project, otherwise the samples shipped in ``ocds_samples/`` (New South Wales and Paraguay)."""

from pathlib import Path

from django.conf import settings

from govtech.procurement import services
from govtech.procurement.models import ImportRun

SAMPLES = Path(__file__).resolve().parent / "ocds_samples"


def demo_sources() -> list[Path]:
    shared = Path(settings.GOVTECH_OCDS_DEMO_DATA)
    root = shared if shared.is_dir() else SAMPLES
    return sorted(root.rglob("*.json"))


def seed_procurement(*, log=None) -> int:
    """Import the demo's OCDS files once (skipped when anything was imported before); returns the
    number of files read."""
    if ImportRun.objects.exists():
        return 0
    sources = demo_sources()
    for path in sources:
        try:
            services.import_ocds(str(path))
        except services.ocds_reader.UnreadableFile as error:  # real data has a few broken files
            if log:
                log(f"skipped {path.name}: {error}")
    return len(sources)
