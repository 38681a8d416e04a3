"""Checked uploads waiting for confirmation: bound to their user and kind, usable once, expiring, never a path."""

import time
from types import SimpleNamespace

import pytest

from industrybrain.core import pending

ANNA, BORIS = SimpleNamespace(pk=1), SimpleNamespace(pk=2)


@pytest.fixture(autouse=True)
def folder(settings, tmp_path):
    settings.PENDING_UPLOADS_DIR = tmp_path / "pending"
    return settings.PENDING_UPLOADS_DIR


def test_it_gives_the_bytes_back_once_to_the_user_who_checked_them() -> None:
    kept = pending.stash(ANNA, "facts", "a.csv", {"ok": True}, b"data", {"period": "2024"})
    assert pending.find(kept.token, BORIS, "facts") is None
    assert pending.find(kept.token, ANNA, "registry") is None
    assert pending.find(kept.token, ANNA, "facts").options == {"period": "2024"}
    assert pending.take(kept.token, BORIS, "facts") is None
    taken, data = pending.take(kept.token, ANNA, "facts")
    assert (taken.name, data) == ("a.csv", b"data")
    assert pending.take(kept.token, ANNA, "facts") is None


def test_a_failed_check_keeps_only_its_report(folder) -> None:
    kept = pending.stash(ANNA, "facts", "bad.csv", {"errors": [1]}, None)
    assert not kept.confirmable and not (folder / f"{kept.token}.bin").exists()
    assert pending.find(kept.token, ANNA, "facts").report == {"errors": [1]}


def test_tampered_bytes_are_not_given_back(folder) -> None:
    kept = pending.stash(ANNA, "facts", "a.csv", {}, b"checked")
    (folder / f"{kept.token}.bin").write_bytes(b"swapped")
    assert pending.take(kept.token, ANNA, "facts")[1] is None


def test_tokens_that_are_not_tokens_are_unknown() -> None:
    for token in ("", "../../etc/passwd", "x" * 32, "0" * 31, "0" * 32 + "/"):
        assert pending.find(token, ANNA, "facts") is None and pending.take(token, ANNA, "facts") is None


def test_old_uploads_expire_and_are_purged(settings, folder) -> None:
    kept = pending.stash(ANNA, "facts", "a.csv", {}, b"data")
    settings.PENDING_UPLOAD_SECONDS = 0
    assert pending.find(kept.token, ANNA, "facts") is None
    assert pending.purge_expired(now=time.time() + 1) == 2 and list(folder.iterdir()) == []
