"""A kiosk paired from admin mode, at 360×740, in Indonesian: a region admin registers a tablet by name and reads its
pairing code, QR code and link from the screen; a second browser context (the tablet) is told clearly when a code is
wrong or expired, then opens the pairing link and lands on the kiosk home of that region's MPP, with that region's
services. The admin's screen sees the tablet pair, and its list shows the kiosk active and "last seen just now"; the
admin renames it (a stale copy is refused, not applied) and gives it a new pairing code.

Real server, real API, Debian's Chromium; screenshots go to docs/screenshots/ (the phone's screen) and to
$MPP_ADMIN_SHOTS (default /tmp/mpp-admin; the whole page) to be looked at.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, bearer, watch_errors

pytestmark = pytest.mark.e2e

REGION = "3302"
VIEWPORT = {"width": 360, "height": 740}
CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
SHOTS = Path(os.environ.get("MPP_ADMIN_SHOTS", "/tmp/mpp-admin"))


def shot(pwa_server: PwaServer, page: Page, name: str) -> None:
    """The phone's screen for the docs, and the whole page to look at."""
    pwa_server.screenshot(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits(page: Page, name: str) -> None:
    """Nothing wider than the phone (no horizontal scroll), and no raw i18n key or server English on screen."""
    page.wait_for_load_state("networkidle")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] == VIEWPORT["width"], f"{name}: wider than the phone: {width}"
    text = page.locator("main").inner_text()
    assert not re.search(r"\b(admin|kiosk|account)[A-Z][A-Za-z_]+\b", text), f"{name}: an i18n key on screen:\n{text}"
    assert not re.search(r"No such|pairing code|You may not|try again", text), f"{name}: English on screen:\n{text}"


def wait_until(page: Page, script: str, timeout: float = 15) -> None:
    """Poll a condition in the page (wait_for_function evaluates strings, which the app's CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"timed out waiting for {script}"
        time.sleep(0.2)


def expire_pairing_code(pwa_server: PwaServer, kiosk_id: str) -> None:
    """Move a kiosk's pairing code past its 15 minutes (rather than wait them out)."""

    async def expire() -> None:
        conn = await asyncpg.connect(pwa_server.database_url)
        try:
            await conn.execute(
                "UPDATE auth_kiosk SET pairing_expires_at = now() - interval '1 second' WHERE id = $1::uuid", kiosk_id
            )
        finally:
            await conn.close()

    # Playwright's sync API runs an event loop in this thread: the database call gets a thread of its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, expire()).result()


def test_a_kiosk_is_paired_from_the_admin_screen_and_shows_its_regions_home(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    tokens = pwa_server.staff_sign_in("region_admin", region=REGION)
    admin = phone(viewport=VIEWPORT).new_page()
    admin_errors = watch_errors(admin)
    pwa_server.open_signed_in(admin, tokens, "/admin/kiosks")
    expect(admin.get_by_role("heading", level=1, name="Kiosk")).to_be_visible(timeout=20_000)

    # Register: the code in large type, its QR code, the link with a copy button, and when it stops working.
    name = f"Kios lobi timur {os.getpid()}"
    admin.get_by_label("Nama kiosk").fill(name)
    admin.get_by_role("button", name="Daftarkan kiosk").click()
    panel = admin.locator("#adm-kiosk-pairing")
    expect(panel.get_by_role("heading", name=f"Pasangkan {name}")).to_be_focused()
    code = admin.locator("#adm-pair-code").inner_text().strip()
    assert CODE.match(code), code
    link = admin.locator("#adm-pair-link").inner_text().strip()
    assert link == f"{pwa_server.url}/#/kiosk/pair?code={code.replace('-', '')}"
    expect(panel).to_contain_text("Berlaku sampai pukul")
    expect(panel.get_by_role("button", name="Salin tautan")).to_be_visible()
    qr = panel.get_by_role("img", name=f"Kode QR tautan pemasangan {name}")
    expect(qr).to_be_visible()
    wait_until(admin, "() => document.querySelector('#adm-kiosk-pairing img')?.naturalWidth > 0")
    expect(admin.locator(".adm-kiosk", has_text=name)).to_contain_text("Menunggu dipasangkan")
    fits(admin, "admin pairing code")
    shot(pwa_server, admin, "admin-kiosk-pairing")

    # The tablet: from the set-up screen to the pairing screen; a wrong code and a short one are told clearly.
    tablet = phone(viewport=VIEWPORT).new_page()
    tablet_errors = watch_errors(tablet)
    tablet.goto(f"{pwa_server.url}/#/kiosk")
    tablet.get_by_role("link", name="Pasangkan dengan kode dari admin").click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Pasangkan kios ini")
    field = tablet.get_by_label("Kode pasangan")
    field.fill("zzzz-zzzz")
    expect(field).to_have_value("ZZZZ-ZZZZ")
    tablet.get_by_role("button", name="Pasangkan", exact=True).click()
    expect(tablet.get_by_role("alert")).to_contain_text("Kode pasangan salah atau sudah dipakai")
    expect(field).to_have_attribute("aria-invalid", "true")
    field.fill("K7Q2")
    tablet.get_by_role("button", name="Pasangkan", exact=True).click()
    expect(tablet.get_by_role("alert")).to_contain_text("8 huruf dan angka")
    fits(tablet, "tablet wrong code")
    shot(pwa_server, tablet, "kiosk-pair-wrong-code")

    # An expired code (another kiosk's, moved past its 15 minutes) says so, and what to do.
    with pwa_server.api() as api:
        late = api.post("/api/v1/admin/kiosks", json={"name": f"Kios lama {os.getpid()}"}, headers=bearer(tokens))
        assert late.status_code == 201, late.text
    expire_pairing_code(pwa_server, late.json()["id"])
    field.fill(late.json()["pairingCode"])
    tablet.get_by_role("button", name="Pasangkan", exact=True).click()
    expect(tablet.get_by_role("alert")).to_contain_text("sudah kedaluwarsa")
    shot(pwa_server, tablet, "kiosk-pair-expired")

    # The pairing link (what the QR code holds) fills the code in; pairing lands on the region's kiosk home.
    tablet.goto(link)
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Pasangkan kios ini")
    expect(tablet.get_by_label("Kode pasangan")).to_have_value(code)
    assert "code=" not in tablet.evaluate("location.hash")  # the used-once code does not linger in the address
    shot(pwa_server, tablet, "kiosk-pair")
    tablet.get_by_role("button", name="Pasangkan", exact=True).click()
    with pwa_server.api() as api:
        region = api.get(f"/api/v1/regions/{REGION}").json()
        services = api.get("/api/v1/services", params={"region": REGION, "pageSize": 30}).json()
    expect(tablet.get_by_role("heading", level=1)).to_have_text(f"Selamat datang di {region['mpp']['name']}")
    expect(tablet.locator("#kiosk-results-status")).to_contain_text(str(services["total"]))
    shown = tablet.locator("#kiosk-results .kiosk-card-title").all_inner_texts()
    assert shown and set(shown) <= {s["name"] for s in services["items"]}, shown
    assert tablet.evaluate("document.body.dataset.mode") == "kiosk"
    # Nothing of the pairing is kept where a script could read it: the secret is in the HttpOnly cookie only.
    stored = tablet.evaluate("() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })")
    assert "deviceSecret" not in stored and code.replace("-", "") not in stored
    cookie = next(c for c in tablet.context.cookies() if c["name"] == "mpp_kiosk")
    assert cookie["httpOnly"] and cookie["path"] == "/api/v1/auth/kiosk"
    fits(tablet, "tablet kiosk home")
    shot(pwa_server, tablet, "kiosk-paired-home")

    # The admin's screen sees it pair; the list shows it active, last seen just now.
    expect(panel).to_contain_text(f"{name} sudah terpasang dan aktif.", timeout=20_000)
    card = admin.locator(".adm-kiosk", has_text=name)
    expect(card).to_contain_text("Aktif")
    expect(card).to_contain_text("Terakhir terlihat baru saja")
    expect(card).to_contain_text("Dipasangkan")
    fits(admin, "admin kiosk active")
    shot(pwa_server, admin, "admin-kiosk-active")

    # Rename. Another admin renamed it meanwhile: the stale copy is refused with a clear message, then it works.
    kiosk_id = card.get_attribute("data-id")
    with pwa_server.api() as api:
        current = api.get(f"/api/v1/admin/kiosks/{kiosk_id}", headers=bearer(tokens))
        other = api.patch(
            f"/api/v1/admin/kiosks/{kiosk_id}",
            json={"name": f"{name} (lain)"},
            headers={**bearer(tokens), "If-Match": current.headers["etag"]},
        )
        assert other.status_code == 200, other.text
    card.get_by_role("button", name="Ubah nama").click()
    admin.get_by_label("Nama baru").fill(f"Kios pintu timur {os.getpid()}")
    admin.get_by_role("button", name="Simpan nama").click()
    expect(admin.locator(".adm-kiosk-rename [role=alert]")).to_contain_text("Kiosk ini baru diubah oleh admin lain")
    fits(admin, "admin rename conflict")
    shot(pwa_server, admin, "admin-kiosk-rename-conflict")
    # The form is open again on the kiosk as it is now, with what the admin typed: saving again works.
    expect(admin.locator(".adm-kiosk", has_text=f"{name} (lain)")).to_be_visible()
    expect(admin.get_by_label("Nama baru")).to_have_value(f"Kios pintu timur {os.getpid()}")
    admin.get_by_role("button", name="Simpan nama").click()
    renamed = admin.locator(".adm-kiosk", has_text=f"Kios pintu timur {os.getpid()}")
    expect(renamed).to_contain_text("Aktif")

    # A new pairing code (a wiped tablet), after a confirmation: the new code is shown, the kiosk waits again.
    renamed.get_by_role("button", name="Kode pasangan baru").click()
    dialog = admin.get_by_role("dialog")
    expect(dialog).to_contain_text("langsung keluar")
    dialog.get_by_role("button", name="Ya, buat kode baru").click()
    expect(panel.get_by_role("heading", name=f"Pasangkan Kios pintu timur {os.getpid()}")).to_be_focused()
    fresh = admin.locator("#adm-pair-code").inner_text().strip()
    assert CODE.match(fresh) and fresh != code
    expect(renamed).to_contain_text("Menunggu dipasangkan")
    fits(admin, "admin new pairing code")
    shot(pwa_server, admin, "admin-kiosk-new-code")
    assert admin_errors == [] and tablet_errors == []


def test_a_national_admin_registers_a_kiosk_for_the_region_they_choose(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    tokens = pwa_server.staff_sign_in("national_admin")
    page = phone(viewport=VIEWPORT).new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, tokens, "/admin/kiosks")
    expect(page.get_by_role("heading", level=1, name="Kiosk")).to_be_visible(timeout=20_000)
    name = f"Kios pusat {os.getpid()}"
    page.get_by_label("Nama kiosk").fill(name)
    # The region is asked for, inline, before anything is sent.
    page.get_by_role("button", name="Daftarkan kiosk").click()
    expect(page.locator("#adm-kiosk-region-error")).to_have_text("Pilih wilayah kiosk.")
    with pwa_server.api() as api:
        region = api.get("/api/v1/regions/3471").json()
    page.get_by_label("Wilayah").select_option("3471")
    page.get_by_role("button", name="Daftarkan kiosk").click()
    expect(page.get_by_role("heading", name=f"Pasangkan {name}")).to_be_focused()
    card = page.locator(".adm-kiosk", has_text=name)
    expect(card).to_contain_text(f"Wilayah {region['name']}")
    fits(page, "national admin kiosks")
    shot(pwa_server, page, "admin-kiosk-national")
    assert errors == []
