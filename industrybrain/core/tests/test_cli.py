"""The console script: one name, --data-dir applied before settings load, exit status passed through."""

import os
import subprocess
import sys
from pathlib import Path


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from industrybrain.cli import main; main()", *args]
    # The embedded default only: a DATABASE_URL from the environment (the PostgreSQL CI run) must not be touched.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "INDUSTRYBRAIN_DATA_DIR")}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, env=env)


def test_it_checks_codes_and_exits_1_on_an_invalid_one(tmp_path: Path) -> None:
    ok = run_cli("uscc", "91330100716105852F", "--data-dir", str(tmp_path))
    assert ok.returncode == 0 and "\tvalid\t" in ok.stdout
    bad = run_cli("--data-dir", str(tmp_path), "uscc", "91330100716105852G")
    assert bad.returncode == 1 and "expected F" in bad.stdout


def test_data_dir_decides_where_the_database_lives(tmp_path: Path) -> None:
    result = run_cli("migrate", "--data-dir", str(tmp_path / "d"), "-v", "0")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "d" / "industrybrain.sqlite3").exists()
    assert (tmp_path / "d" / "secret_key").stat().st_mode & 0o077 == 0


def test_a_missing_data_dir_value_is_a_clear_error() -> None:
    result = run_cli("uscc", "--data-dir")
    assert result.returncode != 0 and "--data-dir needs a directory" in result.stderr
