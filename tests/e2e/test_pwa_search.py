"""The first page in a real browser (Debian's Chromium driven by Playwright): a citizen finds a service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.pwa import *  # noqa: F403  (the shared Chromium fixture)
from tests.support.server import Server, running_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[Server]:
    # A real server process on the session's test database (it migrates and seeds it if nobody has yet).
    with running_server(tmp_path_factory.mktemp("pwa") / "var", database_url=database_url) as s:
        yield s


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="id-ID")
    yield context.new_page()
    context.close()


def test_citizen_finds_a_service_and_reads_its_requirements(server: Server, page: Page) -> None:
    page.goto(server.url + "/")
    expect(page.get_by_role("link", name="MPP Digital")).to_be_visible()
    page.get_by_label("Cari layanan").fill("akta kelahran")
    expect(page.locator("#status")).to_contain_text("akta kelahiran", timeout=10_000)
    first = page.locator(".result h2 a").first
    expect(first).to_contain_text("Akta Kelahiran")
    first.click()
    detail = page.locator("#detail")
    expect(detail).to_be_visible()
    expect(detail.get_by_role("heading", name="Persyaratan")).to_be_visible()
    expect(detail).to_contain_text("Kartu Keluarga")
    expect(detail).to_contain_text("Gratis")


def test_region_filter_and_english(server: Server, page: Page) -> None:
    page.goto(server.url + "/")
    page.get_by_label("Daerah").select_option(label="Kota Yogyakarta")
    page.get_by_label("Cari layanan").fill("paspor")
    expect(page.locator(".result").first).to_contain_text("Kota Yogyakarta", timeout=10_000)
    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_label("Find a service")).to_be_visible()
    expect(page.locator(".result").first).to_contain_text("Yogyakarta City", timeout=10_000)


def test_page_has_no_console_errors(server: Server, page: Page) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + "/")
    expect(page.locator(".result").first).to_be_visible(timeout=10_000)
    assert errors == []


def test_unknown_api_path_is_json_not_the_page(server: Server) -> None:
    response = server.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
