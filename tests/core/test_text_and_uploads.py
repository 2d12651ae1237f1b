"""User text is rendered safely; uploads are checked by content, size and name."""

import io
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from govtech.core.text import render_markdown
from govtech.core.uploads import UploadValidator

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_markdown_renders_formatting():
    html = render_markdown("**Важно** и [ссылка](https://mos.ru)")
    assert "<strong>Важно</strong>" in html
    assert 'href="https://mos.ru"' in html
    assert 'rel="nofollow noopener noreferrer"' in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        "<a href='x' onclick='steal()'>x</a>",
        "<iframe src='https://evil.example'></iframe>",
    ],
)
def test_markdown_strips_anything_executable(text):
    found = _elements(render_markdown(text))
    assert not {tag for tag, _attrs in found} & {"script", "img", "iframe"}
    for _tag, attrs in found:
        for name, value in attrs:
            assert not name.startswith("on")
            assert not (value or "").strip().lower().startswith("javascript:")


def _elements(html: str) -> list[tuple[str, list]]:
    """Every real element of the HTML (escaped text is not an element)."""
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_upload_accepts_a_real_png():
    UploadValidator("image")(SimpleUploadedFile("logo.png", PNG, content_type="image/png"))


def test_upload_refuses_content_that_does_not_match_the_name():
    with pytest.raises(ValidationError) as exc:
        UploadValidator("image")(SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png"))
    assert exc.value.code == "file_content"


def test_upload_refuses_a_forbidden_extension():
    with pytest.raises(ValidationError) as exc:
        UploadValidator("image")(SimpleUploadedFile("logo.svg", PNG, content_type="image/svg+xml"))
    assert exc.value.code == "file_type"


def test_upload_refuses_a_file_over_the_limit():
    big = SimpleUploadedFile("logo.png", PNG + b"\0" * 5000, content_type="image/png")
    with pytest.raises(ValidationError) as exc:
        UploadValidator("image", max_bytes=1000)(big)
    assert exc.value.code == "file_too_large"


def test_upload_check_leaves_the_file_readable_from_the_start():
    upload = SimpleUploadedFile("logo.png", PNG, content_type="image/png")
    UploadValidator("image")(upload)
    assert upload.read(4) == b"\x89PNG"
    assert isinstance(io.BytesIO(PNG), io.BytesIO)


def _settings_import(env: dict) -> subprocess.CompletedProcess:
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()"
    return subprocess.run(
        [sys.executable, "-c", code], env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, check=False
    )


def test_production_refuses_to_start_with_the_default_secret_key():
    result = _settings_import({"DJANGO_ENV": "production"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_key_and_secure_defaults():
    key = "x" * 50
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, s.SECURE_SSL_REDIRECT)"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": key,
        "DJANGO_ALLOWED_HOSTS": "gov.example",
    }
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "True"]


@pytest.mark.parametrize(
    "title, slug",
    [
        ("Датчики заполнения контейнеров", "datchiki-zapolneniia-konteinerov"),
        ("Объезд щуки: ЁЖ", "obezd-shchuki-ezh"),
        ("Smart Route 2.0", "smart-route-20"),
        ("«»!?", ""),
    ],
)
def test_titles_in_any_alphabet_give_readable_slugs(title, slug):
    from govtech.core.text import slug_from

    assert slug_from(title) == slug
