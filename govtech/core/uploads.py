"""Checking uploaded files by their content, not by the name a client sends, and naming the
confidential ones."""

import uuid
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class UploadKind:
    extensions: frozenset[str]
    mimes: frozenset[str]


IMAGE = UploadKind(frozenset({"png", "jpg", "jpeg", "webp"}), frozenset({"image/png", "image/jpeg", "image/webp"}))
DOCUMENT = UploadKind(
    frozenset({"pdf", "docx", "xlsx", "odt", "ods", "png", "jpg", "jpeg"}),
    frozenset(
        {
            "application/pdf",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.oasis.opendocument.text",
            "application/vnd.oasis.opendocument.spreadsheet",
            "application/zip",  # OOXML and ODF files are zip containers
            "image/png",
            "image/jpeg",
        }
    ),
)


KINDS = {"image": IMAGE, "document": DOCUMENT}


@deconstructible
class UploadValidator:
    """Form/model validator: size limit, allowed extension, and sniffed content type."""

    def __init__(self, kind_name: str, max_bytes: int | None = None):
        self.kind_name = kind_name
        self.kind = KINDS[kind_name]
        self.max_bytes = max_bytes

    def __call__(self, upload) -> None:
        limit = self.max_bytes or settings.GOVTECH_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("The file is too large (%(size)s); the limit is %(limit)s."),
                code="file_too_large",
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            )
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in self.kind.extensions:
            raise ValidationError(
                _("Files of this type are not accepted. Allowed: %(allowed)s."),
                code="file_type",
                params={"allowed": ", ".join(sorted(self.kind.extensions))},
            )
        position = upload.tell() if hasattr(upload, "tell") else 0
        upload.seek(0)
        head = upload.read(8192)
        upload.seek(position)
        sniffed = filetype.guess(head)
        if sniffed is None or sniffed.mime not in self.kind.mimes:
            raise ValidationError(_("The file's content does not match its name."), code="file_content")

    def __eq__(self, other) -> bool:
        return isinstance(other, UploadValidator) and (self.kind_name, self.max_bytes) == (
            other.kind_name,
            other.max_bytes,
        )


def private_path(folder: str, filename: str) -> str:
    """Where a confidential upload is stored: under ``private/`` (never served as media, see
    docs/deploy.md) with an unguessable name that keeps only the extension."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"private/{folder}/{uuid.uuid4().hex}.{extension}"
