"""What the journeys share: the served site, signing in as a persona, screenshots, and the checks every page
gets (no script error, no server error, nothing fetched from beyond the machine).

A new journey is a test taking `site` and `page_as`: `page = page_as("county_analyst")`, `page.goto("/path/")`,
assertions with `expect`, and `site.shot(page, "name")` at the steps worth a picture.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the fixtures skip (or, with E2E_REQUIRED, fail) every test before these are used
    Page = Any  # type: ignore[misc,assignment]
    expect = None  # type: ignore[assignment]

BIG = {"width": 1920, "height": 1080}  # the bureau's big screen
LAPTOP = {"width": 1366, "height": 768}
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
TIMEOUT_MS = 15_000
RESIZE_MS = 500  # charts.js redraws the charts 150 ms after the window is resized
if expect is not None:
    expect.set_options(timeout=10_000)

# the demo's users (registry/demo.py _write_users)
PERSONAS = ("demo_admin", "demo_analyst", "county_analyst", "department_clerk", "commerce_clerk", "supervisor",
            "enterprise_user")  # fmt: skip
PROVINCE_ANALYST = "e2e_province_analyst"  # added by the fixtures: an analyst scoped to 浙江省, for the map


def login(page: Page, username: str, password: str) -> None:
    """Sign in through the form, as a person would, and check the header names the user."""
    page.goto("/accounts/login/")
    form = page.locator("main form")
    form.locator("#id_username").fill(username)
    form.locator("#id_password").fill(password)
    form.locator("button[type=submit]").click()
    expect(page.locator("header .who")).to_contain_text(username)


def column(table: Any, header: str) -> list[str]:
    """The texts of a table's column, found by its heading (columns move as pages grow; headings stay)."""
    headings = [h.strip().rstrip("▲▼ ").strip() for h in table.locator("thead th").all_inner_texts()]
    index = headings.index(header) + 1
    return [t.strip() for t in table.locator(f"tbody tr td:nth-child({index})").all_inner_texts()]


class Site:
    """The demo being served, and the browser driving it."""

    def __init__(self, browser: Any, url: str, password: str, screenshots: Path, data_dir: Path) -> None:
        self.browser, self.url, self.password = browser, url, password
        self.screenshots, self.data_dir = screenshots, data_dir
        self._sessions: dict[str, dict[str, Any]] = {}  # username -> storage state (the session cookie)
        self._problems: dict[int, list[str]] = {}

    def new_context(self, username: str | None, viewport: dict[str, int] = BIG) -> Any:
        state = self._session(username) if username else None
        context = self.browser.new_context(base_url=self.url, viewport=viewport, locale="zh-CN", storage_state=state)
        context.set_default_timeout(TIMEOUT_MS)
        self._watch(context)
        return context

    def query(self, sql: str, *params: Any) -> list[tuple]:
        """Read the served demo's database (read-only), e.g. to find the enterprise a journey opens."""
        uri = f"file:{self.data_dir / 'industrybrain.sqlite3'}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=10)) as connection:
            return connection.execute(sql, params).fetchall()

    def enterprise_of(self, username: str) -> tuple[str, str]:
        """(USCC, name) of an enterprise user's enterprise."""
        sql = (
            "SELECT e.uscc, e.name FROM registry_enterprise e JOIN accounts_user u ON u.enterprise_id = e.id"
            " WHERE u.username = ?"
        )
        return self.query(sql, username)[0]

    def login(self, page: Page, username: str) -> None:
        login(page, username, self.password)

    def _session(self, username: str) -> dict[str, Any]:
        """Sign in once per persona and session (the password hasher is slow on purpose) and keep the cookie."""
        if username not in self._sessions:
            context = self.browser.new_context(base_url=self.url)
            context.set_default_timeout(TIMEOUT_MS)
            login(context.new_page(), username, self.password)
            self._sessions[username] = context.storage_state()
            context.close()
        return self._sessions[username]

    def _watch(self, context: Any) -> None:
        problems = self._problems.setdefault(id(context), [])

        def request(r: Any) -> None:
            if not r.url.startswith((self.url, "data:", "blob:", "about:")):
                problems.append(f"request beyond the site: {r.method} {r.url}")

        def response(r: Any) -> None:
            if r.status >= 500:
                problems.append(f"server error {r.status}: {r.request.method} {r.url}")

        context.on("request", request)
        context.on("response", response)
        context.on("weberror", lambda e: problems.append(f"script error: {e.error}"))

    def problems(self, context: Any) -> list[str]:
        return self._problems.pop(id(context), [])

    def shot(
        self, page: Page, name: str, *, sizes: tuple[dict[str, int], ...] = (BIG,), settle_ms: int = 0,
        full_page: bool = False,
    ) -> None:  # fmt: skip
        """Save `name-WxH.png` for each viewport size (the page is laid out again at each): the visible screen,
        as a leader would see it, or the whole page; `settle_ms` lets chart animations finish."""
        self.screenshots.mkdir(parents=True, exist_ok=True)
        original = page.viewport_size
        page.wait_for_load_state("networkidle")
        for size in sizes:
            if size != page.viewport_size:
                page.set_viewport_size(size)
                page.wait_for_timeout(RESIZE_MS)
            if settle_ms:
                page.wait_for_timeout(settle_ms)
            suffix = "-full" if full_page else ""
            path = self.screenshots / f"{name}-{size['width']}x{size['height']}{suffix}.png"
            page.screenshot(path=path, full_page=full_page)
        if original and original != page.viewport_size:
            page.set_viewport_size(original)
            page.wait_for_timeout(RESIZE_MS)
