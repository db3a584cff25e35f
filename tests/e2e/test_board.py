"""The display board in a browser on a 1280×720 TV: a call made through the API shows (and is called out) within
2 s; with the server stopped the board keeps the last calls and says it is stale, also after a reload (the service
worker serves the app, localStorage the last board)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import pytest
from playwright.sync_api import Browser, Page, expect

from api.queue.callout import callout_text
from tests.e2e.pwa import *  # noqa: F403  (fixtures: browser)
from tests.e2e.pwa import SCREENSHOTS, PwaServer, bearer
from tests.support.board import COUNTER, REGION, waiting_ticket
from tests.support.server import running_server

pytestmark = pytest.mark.e2e

TV = {"width": 1280, "height": 720}


@pytest.fixture
def own_server(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[PwaServer]:
    """A server of this test's own: the test stops it (the outage)."""
    data_dir = tmp_path_factory.mktemp("board") / "var"
    with running_server(data_dir, database_url=database_url) as server:
        yield PwaServer(server, data_dir, database_url)


def ticket(database_url: str) -> str:
    async def make() -> str:
        conn = await asyncpg.connect(database_url)
        try:
            return await waiting_ticket(conn)
        finally:
            await conn.close()

    # Playwright's sync API runs an event loop in this thread: the database call gets a thread of its own.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, make()).result()


def poll(page: Page, script: str, timeout: float = 10) -> float:
    """Seconds until ``script`` is true in the page (evaluate in a loop: the CSP forbids wait_for_function)."""
    started = time.monotonic()
    while not page.evaluate(script):
        assert time.monotonic() - started < timeout, f"still false after {timeout}s: {script}"
        time.sleep(0.05)
    return time.monotonic() - started


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def test_the_board_calls_shows_and_survives_an_outage(own_server: PwaServer, browser: Browser) -> None:
    officer = own_server.staff_sign_in("officer", agency="PLN", region=REGION)
    context = browser.new_context(viewport=TV, locale="id-ID", service_workers="allow")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{own_server.url}/#/board/{REGION}")

    # The one set-up step: a tap lets the board speak; the choice is remembered.
    page.get_by_role("button", name="Ketuk untuk mengaktifkan suara").click()
    expect(page.locator(".board-prompt")).to_have_count(0)
    assert page.evaluate("localStorage.getItem('mpp.board.sound')") == "on"
    expect(page.locator("h1")).to_contain_text("Antrean")
    poll(page, "document.querySelector('.board-stale').hidden")  # connected
    poll(page, "navigator.serviceWorker.controller !== null", 30)

    number = ticket(own_server.database_url)
    with own_server.api() as api:
        headers = bearer(officer)
        assert api.post(f"/api/v1/officer/queue/counters/{COUNTER}/open", headers=headers).status_code == 200
        called = api.post("/api/v1/officer/queue/next", json={"counter": COUNTER}, headers=headers)
        answered = time.monotonic()
        assert called.status_code == 200, called.text
        assert called.json()["number"] == number
        shown = poll(page, f"document.querySelector('.board-hero-number')?.textContent === '{number}'", 5)
        assert time.monotonic() - answered < 2, shown
        assert api.post(f"/api/v1/officer/queue/tickets/{called.json()['id']}/done", headers=headers).status_code == 200
    expect(page.locator(".board-hero-counter")).to_have_text("→ Loket A25")
    expect(page.locator(".board-counters")).to_contain_text(number)
    expect(page.locator(".board-hero")).to_have_class("board-hero board-flash")
    # Called out: by speech synthesis where an Indonesian voice exists, else by the shipped recordings.
    poll(page, "document.querySelector('.board')?.dataset.spoken !== undefined", 15)
    assert page.locator(".board").get_attribute("data-spoken") == callout_text(number, COUNTER)
    assert page.locator(".board").get_attribute("data-voice") in ("speech", "audio")
    # No horizontal scroll on the TV.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "board-tv")

    # The building's connection to the server goes.
    own_server.server.stop()
    stale = page.locator(".board-stale")
    expect(stale).to_be_visible(timeout=20_000)
    expect(stale).to_contain_text("Terakhir diperbarui")
    expect(stale).to_contain_text("koneksi terputus")
    expect(page.locator(".board-hero-number")).to_have_text(number)
    screenshot(page, "board-stale")

    # A reload during the outage: the service worker serves the app, localStorage the last board.
    page.reload()
    expect(page.locator(".board-hero-number")).to_have_text(number, timeout=15_000)
    expect(page.locator(".board-stale")).to_contain_text("koneksi terputus", timeout=20_000)
    assert errors == []
    context.close()


def test_an_unknown_region_says_so(own_server: PwaServer, browser: Browser) -> None:
    context = browser.new_context(viewport=TV, locale="id-ID")
    page = context.new_page()
    page.goto(f"{own_server.url}/#/board/9999")
    expect(page.locator("h1")).to_have_text("Wilayah 9999 tidak dikenal", timeout=15_000)
    page.goto(f"{own_server.url}/#/board/abc")
    expect(page.locator("h1")).to_have_text("Wilayah abc tidak dikenal")
    context.close()
