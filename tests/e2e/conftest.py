"""End-to-end fixtures: one county demo and one server per session, one headless Chromium, a logged-in page per
persona (issue 6: "log in as each persona, follow the main journeys, assert on what is on the page, save
screenshots").

The demo is built by the real command line into a temporary directory on SQLite (whatever DATABASE_URL says:
the browser journeys need the demo, and the demo is built on the embedded database), then served by
`industrybrain serve` on a free loopback port. Without Playwright or Chromium the tests skip, so the README's
test command passes on a fresh machine; with E2E_REQUIRED=1 (CI) a missing browser fails them instead.

Environment: E2E_SCREENSHOTS (where PNGs go; default build/e2e-screenshots), E2E_CHROMIUM (default
/usr/bin/chromium), E2E_DEMO_CACHE (a directory to build the demo into once and copy per session, to iterate
on tests locally without the ~40 s build; never used by CI).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .support import BIG, CHROMIUM_ARGS, PROVINCE_ANALYST, Site

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("E2E_REQUIRED", "") not in ("", "0")
DEMO_TIMEOUT = 600  # seconds; the county demo takes ~40 s on two cores
SERVE_TIMEOUT = 240  # `serve` runs `assets` (npm, at most 180 s) before it answers


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set E2E_CHROMIUM)"
    return None


def _has_chinese_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(listed.stdout.strip())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Journeys that change what other pages show (a module with CHANGES_DATA = True) run after the others."""
    items.sort(key=lambda item: bool(item.get_closest_marker("e2e")) and getattr(item.module, "CHANGES_DATA", False))


@pytest.fixture(scope="session", autouse=True)
def _browser_available() -> None:
    """Skip every end-to-end test without a browser to drive, or fail them all when CI requires them."""
    reason = _missing()
    if reason and REQUIRED:
        pytest.fail(f"E2E_REQUIRED is set but {reason}", pytrace=False)
    if reason:
        pytest.skip(f"end-to-end tests need a browser: {reason}")
    if not _has_chinese_font():
        message = "no Chinese font (apt-get install fonts-wqy-microhei): the screenshots would show boxes"
        if REQUIRED:
            pytest.fail(f"E2E_REQUIRED is set but {message}", pytrace=False)
        warnings.warn(message, stacklevel=1)


def _command_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ANALYTICS_DATABASE", "EVALUATIONS_DIR")}
    env.update(INDUSTRYBRAIN_DATA_DIR=str(data_dir), SERVICEDESK_TICK_SECONDS="0", PYTHONUNBUFFERED="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _industrybrain(*args: str) -> list[str]:
    return [sys.executable, "-m", "industrybrain.cli", *args]


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def _build_demo(data_dir: Path, log: Path) -> None:
    command = _industrybrain("demo", "--scale", "county", "--data-dir", str(data_dir), "--no-serve")
    with log.open("w") as out:
        done = subprocess.run(command, env=_command_env(data_dir), stdout=out, stderr=subprocess.STDOUT,
                              timeout=DEMO_TIMEOUT, check=False)  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"`industrybrain demo` failed ({done.returncode}):\n{_tail(log)}", pytrace=False)


def _demo_dir(tmp: Path) -> Path:
    """The demo's data directory for this session: built here, or copied from E2E_DEMO_CACHE (built there once)."""
    data_dir = tmp / "data"
    cache = os.environ.get("E2E_DEMO_CACHE")
    if not cache:
        _build_demo(data_dir, tmp / "demo.log")
        return data_dir
    cache_dir = Path(cache).resolve()
    if not (cache_dir / "demo.json").exists():
        _build_demo(cache_dir, tmp / "demo.log")
    shutil.copytree(cache_dir, data_dir, ignore=shutil.ignore_patterns("static", "uploads", "mail"))
    return data_dir


ADD_PROVINCE_ANALYST = """
import os
from industrybrain.accounts.choices import Role
from industrybrain.accounts.models import User
from industrybrain.registry.models import Region
user, _ = User.objects.get_or_create(username=os.environ["E2E_USERNAME"], defaults={"role": Role.ANALYST})
user.role, user.scope_region = Role.ANALYST, Region.objects.get(code="330000")
user.set_password(os.environ["E2E_PASSWORD"])
user.save()
"""


def _add_province_analyst(data_dir: Path, password: str, log: Path) -> None:
    """The demo's users see the county at most; the map's province → city → county drill-down needs a user
    scoped to the province (the county demo holds every region and the index over all 90 counties)."""
    env = {**_command_env(data_dir), "E2E_USERNAME": PROVINCE_ANALYST, "E2E_PASSWORD": password}
    with log.open("a") as out:
        done = subprocess.run(_industrybrain("shell", "-c", ADD_PROVINCE_ANALYST), env=env, stdout=out,
                              stderr=subprocess.STDOUT, timeout=120, check=False)  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"could not add the province analyst:\n{_tail(log)}", pytrace=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVE_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"`industrybrain serve` exited ({process.returncode}):\n{_tail(log)}", pytrace=False)
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
            urllib.request.urlopen(url, timeout=5) as answer,
        ):
            if answer.status == 200:
                return
        time.sleep(0.5)
    pytest.fail(f"`industrybrain serve` did not answer {url} in {SERVE_TIMEOUT} s:\n{_tail(log)}", pytrace=False)


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The county demo served on a free loopback port: {"url", "data_dir", "password", "demo" (demo.json)}."""
    tmp = tmp_path_factory.mktemp("e2e")
    data_dir = _demo_dir(tmp)
    demo = json.loads((data_dir / "demo.json").read_text())
    log = tmp / "serve.log"
    port = _free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            _industrybrain("serve", "--data-dir", str(data_dir), "--port", str(port)),
            env=_command_env(data_dir), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _add_province_analyst(data_dir, demo["password"], tmp / "shell.log")  # while the server starts
        _wait_until_serving(f"{url}/accounts/login/", process, log)
        yield {"url": url, "data_dir": data_dir, "password": demo["password"], "demo": demo, "log": log}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser(_browser_available: None) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def site(demo_server: dict[str, Any], browser: Any) -> Site:
    shots = Path(os.environ.get("E2E_SCREENSHOTS") or REPO / "build" / "e2e-screenshots")
    return Site(browser, demo_server["url"], demo_server["password"], shots, demo_server["data_dir"])


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failed journey's report carries the end of the server's log; its pages are saved as FAILED-*.png."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    server = getattr(item, "funcargs", {}).get("demo_server")
    if report.failed and server is not None:
        report.sections.append(("industrybrain serve (last lines)", _tail(server["log"], 30)))
    return report


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page_as(site: Site, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """`page_as("department_clerk")` opens a page in a fresh browser context signed in as that persona (the
    session cookie is made once per persona and session); `page_as(None)` an anonymous one. Every page opened
    is checked at the end for script errors and for requests that left the machine (DESIGN §2: intranet)."""
    contexts = []

    def open_page(username: str | None, viewport: dict[str, int] = BIG) -> Any:
        context = site.new_context(username, viewport)
        contexts.append(context)
        return context.new_page()

    yield open_page
    if request.node.stash.get(_CALL_FAILED, False):
        for n, page in enumerate(p for c in contexts for p in c.pages):
            with contextlib.suppress(Exception):
                site.shot(page, f"FAILED-{request.node.name}-{n}", sizes=(page.viewport_size,))
    problems = [p for c in contexts for p in site.problems(c)]
    for context in contexts:
        context.close()
    assert not problems, "the pages had script errors or reached beyond 127.0.0.1:\n" + "\n".join(problems)
