"""The committed OpenAPI schema must match what the code generates: contract changes are visible."""

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.yaml"


def generate() -> str:
    out = StringIO()
    call_command("spectacular", "--lang", "en", "--validate", "--fail-on-warn", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_committed_schema_has_not_drifted():
    generated = generate()
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert yaml.safe_load(generated) == yaml.safe_load(committed), (
        "docs/api/openapi.yaml is out of date: run `make schema` and commit the result"
    )


@pytest.mark.django_db
def test_schema_lists_the_public_endpoints_and_the_error_format():
    schema = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["openapi"].startswith("3.")
    for path in ["/api/v1/organizations/", "/api/v1/me/", "/api/v1/audit-events/", "/api/v1/notifications/"]:
        assert path in schema["paths"]


def test_schema_and_docs_are_served_offline(client, db):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower() and "unpkg" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/" in docs
