"""Who is making the current change: set once per request, CLI command or job, read by the change log."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ChangeContext:
    user: Any = None  # an accounts.User or None for system changes
    source: str = "system"  # web, api, cli, import, demo, system
    request_id: uuid.UUID = field(default_factory=uuid.uuid4)
    request: Any = None  # an HttpRequest: its user is read when a change is logged

    @property
    def actor(self) -> Any:
        """The authenticated user, read late: DRF authenticates tokens after the middleware has run."""
        user = getattr(self.request, "user", None) if self.request is not None else self.user
        return user if getattr(user, "is_authenticated", False) else None


_current: ContextVar[ChangeContext | None] = ContextVar("industrybrain_change_context", default=None)


def current_change_context() -> ChangeContext:
    return _current.get() or ChangeContext()


@contextmanager
def change_context(user: Any = None, source: str = "system", request: Any = None) -> Iterator[ChangeContext]:
    """Attribute every change made inside the block to `user` (or the request's user), under one request id."""
    context = ChangeContext(user=user, source=source, request=request)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
