"""The first page in a real browser (Debian's Chromium driven by Playwright): a citizen finds a service."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.pwa import *  # noqa: F403  (the shared Chromium and server fixtures)
from tests.e2e.pwa import PwaServer, bearer, watch_errors
from tests.support.server import Server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(pwa_server: PwaServer) -> Server:
    # The shared real server process on the session's test database (it migrates and seeds it if nobody has yet).
    return pwa_server.server


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
    page.wait_for_load_state("networkidle")  # the last search-as-you-type answer has been drawn
    # No region chosen: the service is one row for all 21 regions, and the citizen picks theirs.
    first = page.locator(".result").first
    expect(first.locator("h2")).to_contain_text("Akta Kelahiran")
    # Search as you type may render the list once more after the status line (the last word completed): a
    # click on a row that is then replaced opens nothing, so open the current first row until its regions show.
    banyumas = first.get_by_role("link", name="Kabupaten Banyumas")
    for _ in range(3):
        if not first.locator("details.regions").evaluate("(d) => d.open"):
            first.get_by_text("Tersedia di 21 daerah").click()
        try:
            banyumas.wait_for(state="visible", timeout=5_000)
            break
        except PlaywrightTimeoutError:
            continue
    banyumas.click()
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


def test_all_regions_shows_each_service_once_and_pages_on(server: Server, page: Page) -> None:
    page.goto(server.url + "/")
    expect(page.get_by_label("Daerah")).to_have_value("")
    results = page.locator("#results > li")
    expect(results).to_have_count(20, timeout=10_000)
    total = server.get("/api/v1/service-groups?pageSize=1").json()["total"]
    expect(page.locator("#status")).to_contain_text(f"{total} layanan ditemukan")
    first_page = results.locator("h2").all_inner_texts()
    assert len(set(first_page)) == 20  # not "Penerbitan Akta Kelahiran" 21 times
    expect(results.first).to_contain_text("Tersedia di 21 daerah")
    page.get_by_role("button", name="Muat lagi").click()
    expect(results).to_have_count(40)
    names = results.locator("h2").all_inner_texts()
    assert names[:20] == first_page and len(set(names)) == 40
    # The first new row has the focus: the button it replaces is further down now.
    assert page.evaluate("document.activeElement.closest('li') === document.querySelectorAll('#results > li')[20]")
    # To the last page, where the button goes away.
    for loaded in range(40, total, 20):
        expect(results).to_have_count(loaded, timeout=10_000)
        page.get_by_role("button", name="Muat lagi").click()
    expect(results).to_have_count(total, timeout=10_000)
    expect(page.get_by_role("button", name="Muat lagi")).to_be_hidden()


def test_the_region_is_remembered_on_the_device(server: Server, page: Page) -> None:
    page.goto(server.url + "/")
    page.get_by_label("Daerah").select_option(label="Kabupaten Banyumas")
    expect(page.locator(".result").first).to_contain_text("Kabupaten Banyumas", timeout=10_000)
    # Another visit: the same region, and its services, one per row.
    page.reload()
    expect(page.get_by_label("Daerah")).to_have_value("3302", timeout=10_000)
    expect(page.locator(".result").first).to_contain_text("Kabupaten Banyumas", timeout=10_000)
    assert "Tersedia di" not in page.locator("#results").inner_text()
    # "Semua daerah" is a choice too, and remembered as one.
    page.get_by_label("Daerah").select_option(value="")
    expect(page.locator(".result").first).to_contain_text("Tersedia di 21 daerah", timeout=10_000)
    page.reload()
    expect(page.locator(".result").first).to_contain_text("Tersedia di 21 daerah", timeout=10_000)
    expect(page.get_by_label("Daerah")).to_have_value("")


def address(regency: str) -> dict[str, str]:
    return {
        "street": "Jl. Malioboro 1",
        "village": "Sosromenduran",
        "district": "Gedongtengen",
        "regency": regency,
        "province": "DI Yogyakarta",
    }


@pytest.mark.parametrize("regency", ["Kota Yogyakarta", "yogyakarta"])
def test_a_signed_in_citizen_starts_at_their_own_region(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext], regency: str
) -> None:
    """Issue 13, item 12: home search began at "Semua daerah" for everyone. A citizen whose address is in Kota
    Yogyakarta (written in full or bare) opens the app on a device that has never chosen a region: the search
    starts at their region, and its services come first, one row each, not grouped across regions."""
    tokens = pwa_server.sign_in()
    with pwa_server.api() as client:
        me = client.patch(
            "/api/v1/me", json={"name": "Wahyu Pratama", "address": address(regency)}, headers=bearer(tokens)
        )
        assert me.status_code == 200, me.text
        own = client.get("/api/v1/services", params={"region": "3471", "pageSize": 1}).json()["total"]
    page = phone().new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, tokens, "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Halo, Wahyu Pratama", timeout=15_000)
    region = page.get_by_label("Daerah")
    expect(region).to_have_value("3471", timeout=15_000)
    assert region.evaluate("(s) => s.selectedOptions[0].textContent") == "Kota Yogyakarta"
    expect(page.locator("#status")).to_have_text(f"{own} layanan ditemukan", timeout=15_000)
    rows = page.locator("#results > li")
    expect(rows).to_have_count(min(own, 20))
    texts = rows.all_inner_texts()
    assert all("Kota Yogyakarta" in text for text in texts), texts
    assert "Tersedia di" not in page.locator("#results").inner_text()
    # Nothing was chosen on the device: the person's own region is where it starts, not a remembered choice.
    assert page.evaluate("localStorage.getItem('mpp-region')") is None
    assert errors == []


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
