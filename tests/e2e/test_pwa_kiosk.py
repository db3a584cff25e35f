"""Kiosk mode in a real Chromium: set-up by MPP staff, big-type browsing, "continue on your phone" QR, a status
look-up confirmed by the owner's SMS code that shows nothing personal, and the idle wipe that leaves no personal
data in any storage — after which the tablet works again by itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.pwa import (  # noqa: F401  (fixtures)
    PHONE,
    PwaServer,
    bearer,
    browser,
    citizen_with_documents,
    kk_service,
    phone,
    submit,
)
from tests.support.identity import random_nik
from tests.support.kiosks import paired_secret
from tests.support.server import running_server

IDLE_SECONDS = 10
WARNING_SECONDS = 5
TABLET = {"width": 800, "height": 1280}
NAME = "Ratna Kioskwati"


@pytest.fixture(scope="module")
def kiosk_server(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[PwaServer]:
    """A server whose kiosks wait only a few seconds before warning and wiping (90 + 30 in production)."""
    data_dir = tmp_path_factory.mktemp("kiosk") / "var"
    env = {"MPP_KIOSK_IDLE_SECONDS": str(IDLE_SECONDS), "MPP_KIOSK_WARNING_SECONDS": str(WARNING_SECONDS)}
    with running_server(data_dir, database_url=database_url, extra_env=env) as server:
        yield PwaServer(server, data_dir, database_url)


def register_kiosk(server: PwaServer) -> str:
    admin = server.staff_sign_in("admin", region="3302")
    with server.api() as api:
        registered = api.post("/api/v1/admin/kiosks", json={"name": "Kios lobi e2e"}, headers=bearer(admin))
        assert registered.status_code == 201, registered.text
        assert registered.json()["region"] == "3302"
        return paired_secret(api, registered)


def submit_application(server: PwaServer, nik: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A citizen with a name and NIK applies for a new family card through the API."""
    service = kk_service(server, "3302")
    citizen, documents = citizen_with_documents(server, service, name=NAME, nik=nik)
    return citizen, service, submit(server, citizen, service, documents)


def watch_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # Refused requests (the wrong device code, a first visit with no kiosk cookie) are logged by the browser
    # as "Failed to load resource": expected answers, not script errors.
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None,
    )
    return errors


def set_up(page: Page, server: PwaServer, secret: str) -> None:
    page.goto(f"{server.url}/#/kiosk")
    expect(page.get_by_role("heading", level=1)).to_have_text("Siapkan kios ini")
    # A wrong code is refused with an announced error, in text.
    page.get_by_label("Kode perangkat").fill("not-the-secret")
    page.get_by_role("button", name="Jadikan kios").click()
    expect(page.get_by_role("alert")).to_contain_text("tidak dikenali")
    page.get_by_label("Kode perangkat").fill(secret)
    page.get_by_role("button", name="Jadikan kios").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Selamat datang di")


def look_up(page: Page, server: PwaServer, citizen: dict[str, Any], number: str) -> None:
    page.get_by_role("link", name="Cek status").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cek status permohonan")
    page.get_by_label("Nomor permohonan").fill("12-34")
    page.get_by_role("button", name="Kirim kode ke ponsel saya").click()
    expect(page.locator("#kiosk-number-error")).to_contain_text("tidak lengkap")
    page.get_by_label("Nomor permohonan").fill(number)
    sent = server.code_count(citizen["phone"])
    page.get_by_role("button", name="Kirim kode ke ponsel saya").click()
    expect(page.locator("#kiosk-code-sent")).to_contain_text(number)
    code = server.last_code(citizen["phone"], after=sent)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page.get_by_label("Kode dari SMS").fill(wrong)
    page.get_by_role("button", name="Lihat status").click()
    expect(page.locator("#kiosk-code-error")).to_contain_text("Kode salah")
    page.get_by_label("Kode dari SMS").fill(code)
    page.get_by_role("button", name="Lihat status").click()
    expect(page.locator("#kiosk-result")).to_contain_text("Diterima, menunggu diperiksa")


def open_first_service(page: Page) -> None:
    page.get_by_label("Layanan apa yang Anda cari?").fill("kartu keluarga")
    page.get_by_role("button", name="Cari", exact=True).click()
    page.locator("#kiosk-results a").first.click()
    expect(page.locator("#kiosk-service")).to_be_visible()
    qr = page.locator("#kiosk-qr")
    expect(qr).to_be_visible()
    page.wait_for_function("() => document.querySelector('#kiosk-qr').naturalWidth > 0")


STORAGE = """async () => {
    const databases = indexedDB.databases ? await indexedDB.databases() : [];
    const cached = [];
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) {
            const response = await cache.match(request);
            cached.push({ url: request.url, body: response ? await response.clone().text() : '' });
        }
    }
    return {
        local: Object.fromEntries(Object.entries(localStorage)),
        session: Object.fromEntries(Object.entries(sessionStorage)),
        databases: databases.map((d) => d.name),
        caches: await caches.keys(),
        cached,
    };
}"""


def test_kiosk_set_up_browse_status_and_idle_wipe(
    kiosk_server: PwaServer,
    browser: Browser,  # noqa: F811
    phone: Any,  # noqa: F811
) -> None:
    server = kiosk_server
    secret = register_kiosk(server)
    nik = random_nik()
    citizen, _, application = submit_application(server, nik)
    number = application["number"]

    tablet: BrowserContext = browser.new_context(viewport=TABLET, has_touch=True, locale="id-ID")
    page = tablet.new_page()
    errors = watch_errors(page)
    set_up(page, server, secret)
    # The device's cookie: HttpOnly (no script can read it), SameSite=Strict, sent to the kiosk sign-in only.
    cookie = next(c for c in tablet.cookies() if c["name"] == "mpp_kiosk")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/api/v1/auth/kiosk"
    assert page.evaluate("document.cookie") == ""
    assert page.evaluate("document.body.dataset.mode") == "kiosk"
    expect(page.locator("#nav")).to_be_hidden()
    # Big type and big touch targets.
    assert float(page.evaluate("getComputedStyle(document.querySelector('.kiosk')).fontSize").rstrip("px")) >= 20
    small = page.evaluate(
        """() => [...document.querySelectorAll('.kiosk a, .kiosk button, .kiosk input')]
            .filter((el) => el.offsetParent !== null)
            .map((el) => [el.textContent.trim() || el.id, el.getBoundingClientRect().height])
            .filter(([, height]) => height < 48)"""
    )
    assert small == []
    expect(page.locator(".kiosk-event").first).to_be_visible()
    server.screenshot(page, "kiosk-home-tablet")

    open_first_service(page)
    expect(page.get_by_role("heading", name="Lanjutkan di ponsel")).to_be_visible()
    alt = page.locator("#kiosk-qr").get_attribute("alt") or ""
    assert alt.startswith("Kode QR")
    server.screenshot(page, "kiosk-service-tablet")

    look_up(page, server, citizen, number)
    content = page.content()
    assert NAME not in content and nik not in content and citizen["phone"] not in content
    server.screenshot(page, "kiosk-status-tablet")
    # The owner sees the kiosk's read in their access log.
    with server.api() as api:
        log = api.get("/api/v1/me/access-log", headers=bearer(citizen)).json()
    assert any(e["what"] == "application.read" and e.get("via") == "kiosk" for e in log["items"])

    # Idle: a warning with the focus on "I'm still here" and a visible countdown.
    dialog = page.locator("#kiosk-idle")
    expect(dialog).to_be_visible(timeout=(IDLE_SECONDS + 10) * 1000)
    assert page.evaluate("document.activeElement.id") == "kiosk-stay"
    expect(dialog).to_contain_text(re.compile(r"dalam \d+ detik"))
    assert page.evaluate("document.querySelector('#kiosk-idle').open") is True
    page.get_by_role("button", name="Saya masih di sini").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#kiosk-result")).to_be_visible()
    # Nobody answers this time: the wipe.
    expect(dialog).to_be_visible(timeout=(IDLE_SECONDS + 10) * 1000)
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Selamat datang di", timeout=(WARNING_SECONDS + 20) * 1000
    )
    expect(page.locator("#kiosk-result")).to_have_count(0)
    content = page.content()
    assert number not in content and NAME not in content and nik not in content
    stored = page.evaluate(STORAGE)
    # The only thing a script may have written since is the (default) language choice: not personal.
    assert set(stored["local"]) <= {"lang"} and stored["session"] == {}
    assert stored["databases"] == [], stored["databases"]
    for entry in stored["cached"]:
        assert "/api/v1/kiosk/status" not in entry["url"] and "/api/v1/me" not in entry["url"]
        assert number not in entry["body"] and NAME not in entry["body"] and nik not in entry["body"]
    # Signed in again as the kiosk by its cookie, and working.
    assert page.evaluate("import('/js/session.js').then((s) => s.kind())") == "kiosk"
    open_first_service(page)
    assert errors == [], errors
    tablet.close()

    # Phone-size pictures for the README (the same screens at 412×915).
    small_screen = phone(viewport=PHONE)
    page = small_screen.new_page()
    errors = watch_errors(page)
    set_up(page, server, secret)
    server.screenshot(page, "kiosk-home")
    open_first_service(page)
    page.locator(".kiosk-continue").scroll_into_view_if_needed()
    server.screenshot(page, "kiosk-service")
    look_up(page, server, citizen, number)
    server.screenshot(page, "kiosk-status")
    # "Done" wipes at once.
    page.get_by_role("button", name="Selesai, hapus dari layar").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Selamat datang di")
    assert number not in page.content()
    assert errors == [], errors
