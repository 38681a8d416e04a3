"""Attachments to a request: checked before anything is stored.

A file is accepted when it is small enough (`SERVICEDESK_MAX_ATTACHMENT_MB`), its extension is one of
`SERVICEDESK_ATTACHMENT_TYPES`, and its first bytes are what the extension says (a PDF starts with ``%PDF-``,
a Word or Excel file is a ZIP package or an OLE2 compound file …), so that a renamed executable is refused.
The stored content type comes from the checked extension, never from what the client claimed.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from industrybrain.accounts.choices import Role

from .choices import Action
from .models import Attachment, ServiceRequest
from .operations import _locked, _now, _record
from .transitions import TABLE, TransitionError, actor_roles

PDF, PNG, JPEG = b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"
ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or the end record of an empty archive
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .doc and .xls (Office 97–2003)
EXECUTABLES = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"#!")

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
    ".txt": "text/plain",
}
# The part every Office Open XML package must contain, by extension.
OOXML_PARTS = {".docx": "word/", ".xlsx": "xl/"}


def may_attach(request: ServiceRequest, user: Any) -> bool:
    """The enterprise, the supervising office, clerks of any department with a part (lead or assisting), and
    whoever registered the request (a clerk attaching what came with a phone call, routed elsewhere)."""
    if actor_roles(request, user) & {"enterprise", "lead", "assist", "supervisor"}:
        return True
    if getattr(user, "pk", None) and request.registered_by_id == user.pk:
        return True
    return bool(
        getattr(user, "role", None) == Role.CLERK
        and user.department_id
        and request.parts.filter(department_id=user.department_id).exists()
    )


def clean_name(name: str) -> str:
    """The file's own name (no directories, no control characters), at most 200 characters."""
    base = re.sub(r"[\x00-\x1f\x7f/\\]", "", Path(name.replace("\\", "/")).name).strip().lstrip(".")
    stem, suffix = Path(base).stem, Path(base).suffix
    return f"{stem[: 200 - len(suffix)] or 'attachment'}{suffix}"


def _matches(extension: str, head: bytes, upload: UploadedFile) -> bool:
    if extension == ".pdf":
        return head.startswith(PDF)
    if extension == ".png":
        return head.startswith(PNG)
    if extension in (".jpg", ".jpeg"):
        return head.startswith(JPEG)
    if extension in (".doc", ".xls"):
        return head.startswith(OLE2)
    if extension in (".docx", ".xlsx", ".zip"):
        return head.startswith(ZIP) and _is_package(extension, upload)
    if extension == ".txt":
        return _is_text(upload)
    return False


def _is_package(extension: str, upload: UploadedFile) -> bool:
    """A readable ZIP archive; for Word and Excel, one with the parts of an Office Open XML package."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    finally:
        upload.seek(0)
    if extension not in OOXML_PARTS:
        return True
    return "[Content_Types].xml" in names and any(n.startswith(OOXML_PARTS[extension]) for n in names)


def _is_text(upload: UploadedFile) -> bool:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if b"\x00" in data or data.startswith(EXECUTABLES):
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def check_file(upload: UploadedFile) -> tuple[str, str]:
    """(the clean name, the content type), or a ValidationError on `file` saying what is wrong."""
    name = clean_name(upload.name or "")
    extension = Path(name).suffix.lower()
    allowed = tuple(settings.SERVICEDESK_ATTACHMENT_TYPES)
    if extension not in allowed or extension not in CONTENT_TYPES:
        raise ValidationError(
            {"file": _("Files of type %(ext)s are not accepted; use one of: %(types)s.")
             % {"ext": extension or "?", "types": ", ".join(allowed)}}
        )  # fmt: skip
    limit = settings.SERVICEDESK_MAX_ATTACHMENT_MB * 1024 * 1024
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)d MB.") % {"mb": settings.SERVICEDESK_MAX_ATTACHMENT_MB}}
        )
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not _matches(extension, head, upload):
        raise ValidationError(
            {"file": _("The content of the file is not a %(ext)s file.") % {"ext": extension.lstrip(".").upper()}}
        )
    return name, CONTENT_TYPES[extension]


def add_attachment(
    request: ServiceRequest, user: Any, uploaded_file: UploadedFile, at: dt.datetime | None = None
) -> Attachment:
    """Store a checked file with the request and say so on the timeline (a comment event)."""
    moment = _now(at)
    if not may_attach(request, user):
        raise PermissionDenied(_("You may not add files to request %(number)s.") % {"number": request.number})
    if request.status not in TABLE[Action.COMMENT].sources:
        raise TransitionError(
            _("Files cannot be added to a request that is %(status)s.") % {"status": request.get_status_display()}
        )
    name, content_type = check_file(uploaded_file)
    with transaction.atomic():
        request = _locked(request)
        attachment = Attachment(
            request=request, name=name, size=uploaded_file.size, content_type=content_type,
            uploaded_by=user if getattr(user, "pk", None) else None,
        )  # fmt: skip
        attachment.file.save(name, uploaded_file, save=False)
        attachment.save()
        note = _("Attached %(name)s.") % {"name": name}
        _record(request, Action.COMMENT, user, moment, request.status, note, attachment=attachment.pk, name=name)
    return attachment
