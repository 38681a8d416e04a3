"""Uploads waiting for confirmation: the two-step imports (check the file, then confirm) keep here, on the
server, the very bytes that were checked, so that what lands is exactly what the person saw the report of.

A pending upload is a random token naming two files under `PENDING_UPLOADS_DIR` (by default
`DATA_DIR/pending-uploads`): `<token>.json` (who uploaded it, when, the file name, the import's options and
the check's report) and `<token>.bin` (the bytes; only when the check passed, so a file with blocking errors
can never be confirmed). The token is bound to the user who uploaded the file and to the kind of import, it
expires after `PENDING_UPLOAD_SECONDS`, and confirming takes it: it works once. Nothing a browser posts back
is ever used as a path; a token that is not 32 hex digits is simply unknown.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

DEFAULT_MAX_AGE = 3600  # seconds: long enough to read a report, short enough not to keep files around
TOKEN = re.compile(r"[0-9a-f]{32}")


@dataclass
class Pending:
    token: str
    user_id: int
    kind: str  # which import: "facts", "registry", …
    name: str  # the uploaded file's name, for reports and the batch record
    created: float
    options: dict[str, Any] = field(default_factory=dict)  # e.g. the period of a file without a period column
    report: dict[str, Any] = field(default_factory=dict)
    sha256: str | None = None  # of the kept bytes; None when the check failed and nothing can be confirmed

    @property
    def confirmable(self) -> bool:
        return self.sha256 is not None

    @property
    def expires(self) -> float:
        return self.created + max_age()


def directory() -> Path:
    configured = getattr(settings, "PENDING_UPLOADS_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "pending-uploads"


def max_age() -> int:
    return int(getattr(settings, "PENDING_UPLOAD_SECONDS", DEFAULT_MAX_AGE))


def _paths(token: str) -> tuple[Path, Path]:
    return directory() / f"{token}.json", directory() / f"{token}.bin"


def _write(path: Path, data: bytes) -> None:
    # Created readable by this process only: the files are other people's statistics.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def stash(
    user: Any,
    kind: str,
    name: str,
    report: dict[str, Any],
    data: bytes | None,
    options: dict[str, Any] | None = None,
) -> Pending:
    """Keep a checked upload (and its report); `data` is None when the check found blocking errors."""
    purge_expired()
    directory().mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    pending = Pending(
        token=token,
        user_id=user.pk,
        kind=kind,
        name=name,
        created=time.time(),
        options=options or {},
        report=report,
        sha256=hashlib.sha256(data).hexdigest() if data is not None else None,
    )
    meta, body = _paths(token)
    if data is not None:
        _write(body, data)
    _write(meta, json.dumps(asdict(pending), cls=DjangoJSONEncoder, ensure_ascii=False).encode())
    return pending


def _load(meta: Path) -> Pending | None:
    try:
        return Pending(**json.loads(meta.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _usable(pending: Pending | None, user: Any, kind: str) -> bool:
    return (
        pending is not None
        and pending.user_id == getattr(user, "pk", None)
        and pending.kind == kind
        and pending.expires > time.time()
    )


def find(token: str, user: Any, kind: str) -> Pending | None:
    """The pending upload, if the token is this user's, of this kind and not expired (for showing the report)."""
    if not TOKEN.fullmatch(token or ""):
        return None
    pending = _load(_paths(token)[0])
    return pending if _usable(pending, user, kind) else None


def take(token: str, user: Any, kind: str) -> tuple[Pending, bytes | None] | None:
    """Claim a pending upload to land it: it is removed, so a second confirmation (even a concurrent one) finds
    nothing. The bytes come back only if they are still the ones that were checked."""
    if find(token, user, kind) is None:
        return None
    meta, body = _paths(token)
    claimed = meta.with_suffix(".taken")
    try:
        meta.rename(claimed)  # atomic: of two confirmations racing, one wins
    except OSError:
        return None
    pending = _load(claimed)
    claimed.unlink(missing_ok=True)
    data = None
    if pending is not None and pending.sha256 is not None:
        try:
            data = body.read_bytes()
        except OSError:
            data = None
        body.unlink(missing_ok=True)
        if data is not None and hashlib.sha256(data).hexdigest() != pending.sha256:
            data = None
    return (pending, data) if pending is not None else None


def discard(token: str, user: Any, kind: str) -> bool:
    """Drop a pending upload the user decided not to land."""
    return take(token, user, kind) is not None


def purge_expired(now: float | None = None) -> int:
    """Remove pending uploads nobody confirmed in time (run whenever a new one is kept)."""
    folder = directory()
    if not folder.is_dir():
        return 0
    cutoff = (now or time.time()) - max_age()
    removed = 0
    for path in folder.iterdir():
        if TOKEN.fullmatch(path.stem) and path.suffix in (".json", ".bin", ".taken"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
    return removed


def take_for_confirmation(request: Any, kind: str, check_view: str, start_view: str) -> tuple[Pending, bytes] | Any:
    """The checked file a confirm form names (POST `token`), taken once — or the redirect a page answers with:
    back to the file's report when it has errors, back to the upload when it is gone (expired, used, not
    this user's)."""
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    token = request.POST.get("token", "")
    found = find(token, request.user, kind)
    if found is not None and not found.confirmable:
        messages.error(request, _("A file with errors cannot be imported; correct it and check it again."))
        return redirect(check_view, token=found.token)
    taken = take(token, request.user, kind)
    if taken is None or taken[1] is None:
        messages.error(request, _("That import is no longer pending; upload the file again."))
        return redirect(start_view)
    return taken[0], taken[1]
