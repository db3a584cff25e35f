"""The PWA's byte budget (issue 7, item 8) as a test: bytes are deterministic, unlike timings.

A citizen's first visit to the home in a fresh profile must transfer ≤ 100 KB (compressed bodies plus headers,
as DevTools counts them), of which JavaScript ≤ 50 KB; no officer, kiosk or admin code may reach a citizen's
phone — neither through the page nor through the service worker's precache, nor the figures' dashboards (the public
page of an MPP loads its own view only). Staff, admins and kiosks load their own code and not each other's.
Lighthouse's timings are measured by bench/pwa_budget.py, not here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, sync_playwright

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import CHROMIUM, CHROMIUM_ARGS, PHONE, PwaServer

pytestmark = pytest.mark.e2e

KB = 1000
BUDGET_TOTAL = 100 * KB
BUDGET_JS = 50 * KB
OFFICER = ("/js/views/officer/", "/css/officer.css")
KIOSK = ("/js/views/kiosk/", "/css/kiosk.css")
ADMIN = ("/js/views/admin/", "/css/admin.css")
# The figures' dashboards (issue 18): staff and admin mode only. The public page of an MPP (public-mpp.js, with the
# definitions and number formats of common.js and stats.css) is the one part of stats a citizen may load.
STATS_STAFF = (
    "/js/views/stats/dashboard.js",
    "/js/views/stats/ranking.js",
    "/js/views/stats/officers.js",
    "/js/components/chart.js",
)
STATS = ("/js/views/stats/", "/css/stats.css", "/js/components/chart.js")


@dataclass
class Transfer:
    path: str
    kind: str
    bytes: int
    by_worker: bool


@dataclass
class Recorder:
    """Every finished response of a context, with its transferred size."""

    origin: str
    transfers: list[Transfer] = field(default_factory=list)

    def __call__(self, request: Request) -> None:
        try:
            request.frame  # noqa: B018  (raises for a request a service worker made)
            by_worker = False
        except Exception:  # Playwright raises its plain Error here
            by_worker = True
        response = request.response()
        if response is None:
            return
        sizes = request.sizes()
        path = request.url.removeprefix(self.origin).split("?")[0] or "/"
        kind = "js" if path.endswith(".js") or "javascript" in response.headers.get("content-type", "") else "other"
        size = max(0, sizes["responseBodySize"]) + max(0, sizes["responseHeadersSize"])
        self.transfers.append(Transfer(path, kind, size, by_worker))

    def total(self, kind: str | None = None) -> int:
        return sum(t.bytes for t in self.transfers if not t.by_worker and kind in (None, t.kind))

    def paths(self) -> list[str]:
        return sorted({t.path for t in self.transfers})

    def loaded(self, prefixes: tuple[str, ...]) -> list[str]:
        return [p for p in self.paths() if p.startswith(prefixes)]

    def table(self) -> str:
        rows = sorted(self.transfers, key=lambda t: (t.by_worker, -t.bytes))
        return "\n".join(f"  {t.bytes:>7,} B  {t.kind:<5} {'(worker) ' if t.by_worker else ''}{t.path}" for t in rows)


@pytest.fixture(scope="module")
def sw_browser() -> Iterator[Browser]:
    """Chromium whose service workers' requests Playwright reports (the precache counts as a download too).

    The variable is read when the Playwright driver starts, so it is set for that moment only.
    """
    name = "PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"
    before = os.environ.get(name)
    os.environ[name] = "1"
    try:
        manager = sync_playwright().start()
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before
    try:
        browser = manager.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
    finally:
        manager.stop()


@contextmanager
def recording(pwa_server: PwaServer, browser: Browser) -> Iterator[tuple[Page, Recorder]]:
    """A page in a fresh profile (empty HTTP cache, no service worker, no storage) and what it transfers."""
    options: dict[str, Any] = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "locale": "id-ID"}
    context = browser.new_context(service_workers="allow", **options)
    record = Recorder(pwa_server.url)
    context.on("requestfinished", record)
    try:
        yield context.new_page(), record
    finally:
        context.close()


def settle(page: Page, wait_for_worker: bool = True) -> None:
    page.wait_for_selector("main h1", timeout=20_000)
    page.wait_for_load_state("networkidle")
    if wait_for_worker:
        # The service worker installs after the first screen; its precache is part of a first visit too.
        page.evaluate(
            """() => new Promise((resolve) => {
                navigator.serviceWorker.ready.then(() => resolve(null));
                setTimeout(() => resolve(null), 15000);
            })"""
        )
        page.wait_for_load_state("networkidle")
    time.sleep(0.5)


def test_citizen_home_first_load_within_budget(pwa_server: PwaServer, sw_browser: Browser) -> None:
    with recording(pwa_server, sw_browser) as (page, record):
        page.goto(pwa_server.url + "/")
        settle(page)
    detail = f"what was transferred:\n{record.table()}"
    assert record.total() > 10 * KB, detail  # the recorder saw the page (sizes are real, not zeros)
    assert any(t.path == "/js/main.js" for t in record.transfers), detail
    assert record.total() <= BUDGET_TOTAL, f"first load {record.total():,} B > {BUDGET_TOTAL:,} B; {detail}"
    assert record.total("js") <= BUDGET_JS, f"JavaScript {record.total('js'):,} B > {BUDGET_JS:,} B; {detail}"
    assert any(t.by_worker for t in record.transfers), "the service worker's downloads were not seen; " + detail
    assert record.loaded(OFFICER + KIOSK + ADMIN) == [], f"staff, kiosk or admin code reached a citizen; {detail}"
    assert record.loaded(STATS) == [], f"the figures' code reached a citizen's first visit; {detail}"


def test_signed_in_citizen_loads_no_staff_or_kiosk_code(pwa_server: PwaServer, sw_browser: Browser) -> None:
    with recording(pwa_server, sw_browser) as (page, record):
        pwa_server.open_signed_in(page, pwa_server.sign_in(), "/applications")
        settle(page)
        for path in ("/wallet", "/notifications", "/settings", "/"):
            page.evaluate("(path) => { location.hash = '#' + path; }", path)
            page.wait_for_load_state("networkidle")
        settle(page, wait_for_worker=False)
    assert "/js/views/citizen/home.js" in record.paths(), record.table()
    assert record.loaded(OFFICER + KIOSK + ADMIN + STATS) == [], (
        f"staff, kiosk, admin or figures code reached a citizen:\n{record.table()}"
    )


def test_the_public_mpp_page_loads_its_own_view_and_no_dashboard_code(
    pwa_server: PwaServer, sw_browser: Browser
) -> None:
    with recording(pwa_server, sw_browser) as (page, record):
        page.goto(pwa_server.url + "/#/mpp/3302")
        settle(page)
        page.wait_for_selector("#pub-months", timeout=20_000)
    assert "/js/views/stats/public-mpp.js" in record.paths(), record.table()
    assert record.loaded(STATS_STAFF + OFFICER + KIOSK + ADMIN) == [], (
        f"dashboard, staff, kiosk or admin code reached the public page:\n{record.table()}"
    )


def test_a_supervisors_dashboard_loads_the_figures_code_and_no_admin_or_kiosk_code(
    pwa_server: PwaServer, sw_browser: Browser
) -> None:
    tokens = pwa_server.staff_sign_in("supervisor", agency="DISDUKCAPIL", region="3302")
    with recording(pwa_server, sw_browser) as (page, record):
        pwa_server.open_signed_in(page, tokens, "/officer/stats")
        settle(page)
        page.wait_for_selector("#stats-scope", timeout=20_000)
    for path in ("/js/views/stats/dashboard.js", "/js/components/chart.js", "/css/stats.css"):
        assert path in record.paths(), f"{path} not loaded:\n{record.table()}"
    assert record.loaded(KIOSK + ADMIN) == [], f"kiosk or admin code reached a supervisor:\n{record.table()}"


def test_the_admins_dashboard_and_ranking_load_the_figures_code_and_no_officer_or_kiosk_code(
    pwa_server: PwaServer, sw_browser: Browser
) -> None:
    tokens = pwa_server.staff_sign_in("national_admin")
    with recording(pwa_server, sw_browser) as (page, record):
        pwa_server.open_signed_in(page, tokens, "/admin/stats")
        settle(page)
        page.wait_for_selector("#stats-scope", timeout=20_000)
        page.evaluate("() => { location.hash = '#/admin/stats/ranking'; }")
        page.wait_for_selector("#stats-ranking", timeout=20_000)
        page.wait_for_load_state("networkidle")
    for path in (
        "/js/views/stats/dashboard.js",
        "/js/views/stats/ranking.js",
        "/js/components/chart.js",
        "/css/stats.css",
    ):
        assert path in record.paths(), f"{path} not loaded:\n{record.table()}"
    assert record.loaded(OFFICER + KIOSK) == [], f"officer or kiosk code reached an admin:\n{record.table()}"


def test_officer_mode_loads_officer_code_and_no_kiosk_code(pwa_server: PwaServer, sw_browser: Browser) -> None:
    tokens = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region="3302")
    with recording(pwa_server, sw_browser) as (page, record):
        pwa_server.open_signed_in(page, tokens, "/officer")
        settle(page)
    assert "/js/views/officer/inbox.js" in record.paths(), record.table()
    assert record.loaded(KIOSK + ADMIN) == [], f"kiosk or admin code reached an officer:\n{record.table()}"


def test_admin_mode_loads_admin_code_and_no_officer_or_kiosk_code(pwa_server: PwaServer, sw_browser: Browser) -> None:
    tokens = pwa_server.staff_sign_in("region_admin", region="3302")
    with recording(pwa_server, sw_browser) as (page, record):
        pwa_server.open_signed_in(page, tokens, "/admin")
        settle(page)
        for path in ("/admin/kiosks", "/admin/staff", "/admin/notifications"):
            page.evaluate("(path) => { location.hash = '#' + path; }", path)
            page.wait_for_load_state("networkidle")
    assert "/js/views/admin/home.js" in record.paths(), record.table()
    assert "/css/admin.css" in record.paths(), record.table()
    assert record.loaded(OFFICER + KIOSK) == [], f"officer or kiosk code reached an admin:\n{record.table()}"


def test_kiosk_screen_loads_no_officer_code(pwa_server: PwaServer, sw_browser: Browser) -> None:
    with recording(pwa_server, sw_browser) as (page, record):
        page.goto(pwa_server.url + "/#/kiosk")
        settle(page)
    assert "/js/views/kiosk/home.js" in record.paths(), record.table()
    assert record.loaded(OFFICER + ADMIN + STATS) == [], (
        f"officer, admin or figures code reached a kiosk:\n{record.table()}"
    )
