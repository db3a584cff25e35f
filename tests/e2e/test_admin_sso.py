"""Agency systems registered for single sign-on from admin mode, at 360×740, in Indonesian: a region admin opens the
screen from the admin home, is told clearly what is wrong with a bad redirect address, registers a system and is
shown its secret once (with a copy button and a warning), opens it, changes it (a stale copy is refused, not applied),
gives it a new secret after a confirmation, suspends and resumes it.

Real server, real API, Debian's Chromium; screenshots go to docs/screenshots/admin-sso*.png.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asyncpg
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.a11y import axe_violations, describe
from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, bearer, watch_errors

pytestmark = pytest.mark.e2e

REGION = "3302"
VIEWPORT = {"width": 360, "height": 740}


def fits(page: Page, name: str) -> None:
    """Nothing wider than the phone (no horizontal scroll), no raw i18n key or server English on screen, and no
    serious or critical accessibility violation (axe)."""
    page.wait_for_load_state("networkidle")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] == VIEWPORT["width"], f"{name}: wider than the phone: {width}"
    text = page.locator("main").inner_text()
    assert not re.search(r"\b(admin|sso|account)[A-Z][A-Za-z_]+\b", text), f"{name}: an i18n key on screen:\n{text}"
    assert not re.search(r"No such|A redirect URI|You may not|try again", text), f"{name}: English on screen:\n{text}"
    violations = axe_violations(page)
    assert not violations, f"{name}: {describe(violations)}"


def fetchrow(pwa_server: PwaServer, sql: str, *args: Any) -> Any:
    """One row from the server's database (Playwright's sync API runs an event loop in this thread: the database
    call gets a thread of its own)."""

    async def read() -> Any:
        conn = await asyncpg.connect(pwa_server.database_url)
        try:
            return await conn.fetchrow(sql, *args)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, read()).result()


def confirm(page: Page, says: str, yes: str) -> None:
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(says)
    dialog.get_by_role("button", name=yes).click()


def test_a_region_admin_registers_changes_rotates_and_suspends_a_system(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    tokens = pwa_server.staff_sign_in("region_admin", region=REGION)
    # axe-core is injected as an inline script, which the app's CSP forbids: this context ignores the CSP.
    page = phone(viewport=VIEWPORT, bypass_csp=True).new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, tokens, "/admin")
    page.get_by_role("link", name="Sistem instansi (SSO)").click()
    expect(page.get_by_role("heading", level=1, name="Sistem instansi (SSO)")).to_be_visible(timeout=20_000)

    # A redirect address that is not https is refused next to its field, in Indonesian.
    name = f"SIM Online Polres {os.getpid()}"
    page.get_by_label("Nama sistem").fill(name)
    page.get_by_label("Alamat logo").fill("https://sim.example.go.id/logo.png")
    redirect = page.get_by_label("Alamat kembali (redirect URI)", exact=True)
    redirect.fill("javascript:alert(1)")
    page.get_by_role("button", name="Daftarkan sistem").click()
    expect(page.locator("#adm-sso-new-redirectUris-error")).to_contain_text("alamat https lengkap")
    expect(redirect).to_have_attribute("aria-invalid", "true")
    fits(page, "bad redirect")

    # Registered: the secret is shown once, with the client id, copy buttons and the warning.
    redirect.fill("https://sim.example.go.id/callback\nhttps://sim.example.go.id/callback2")
    page.get_by_role("checkbox", name="phone — nomor HP warga").check()
    page.get_by_label("Alamat pemberitahuan keluar (back-channel)").fill("https://sim.example.go.id/backchannel")
    page.get_by_label("Alamat kembali setelah keluar").fill("https://sim.example.go.id/")
    shot_form = page.locator("form.adm-sso-form")
    shot_form.scroll_into_view_if_needed()
    pwa_server.screenshot(page, "admin-sso-form")
    page.get_by_role("button", name="Daftarkan sistem").click()
    panel = page.locator("#adm-sso-secret")
    expect(panel.get_by_role("heading", name=f"Rahasia klien {name}")).to_be_focused()
    expect(panel).to_contain_text("Hanya ditampilkan sekali.")
    secret = page.locator("#adm-sso-client-secret").inner_text().strip()
    client_id = page.locator("#adm-sso-client-id").inner_text().strip()
    assert client_id.startswith("mpp-") and len(secret) >= 40
    stored = fetchrow(pwa_server, "SELECT * FROM oidc_client WHERE client_id = $1", client_id)
    assert stored["secret_hash"] == hashlib.sha256(secret.encode()).digest()
    assert stored["region"] == REGION and list(stored["scopes"]) == ["openid", "profile", "phone"]
    assert list(stored["redirect_uris"]) == [
        "https://sim.example.go.id/callback",
        "https://sim.example.go.id/callback2",
    ]
    panel.get_by_role("button", name="Salin rahasia").click()
    fits(page, "secret shown once")
    pwa_server.screenshot(page, "admin-sso-secret")
    panel.get_by_role("button", name="Sudah saya simpan").click()
    expect(panel).to_be_empty()
    assert secret not in page.locator("main").inner_text()
    card = page.locator(".adm-sso", has_text=name)
    expect(card).to_contain_text("Aktif")
    fits(page, "list")
    pwa_server.screenshot(page, "admin-sso")

    # The system's own screen.
    card.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    expect(page.locator(".adm-sso-facts")).to_contain_text(client_id)
    expect(page.locator(".adm-sso-facts")).to_contain_text("https://sim.example.go.id/callback2")
    assert secret not in page.locator("main").inner_text()
    fits(page, "detail")
    pwa_server.screenshot(page, "admin-sso-detail")

    # Another admin changed it meanwhile: the stale copy is refused with a clear message; reading it again works.
    with pwa_server.api() as api:
        path = f"/api/v1/admin/oidc/clients/{stored['id']}"
        current = api.get(path, headers=bearer(tokens))
        body = {**{k: current.json()[k] for k in ("redirectUris", "scopes")}, "name": f"{name} (lain)"}
        other = api.put(path, json=body, headers={**bearer(tokens), "If-Match": current.headers["etag"]})
        assert other.status_code == 200, other.text
    page.get_by_role("button", name="Ubah", exact=True).click()
    page.get_by_label("Nama sistem").fill(f"SIM Polresta {os.getpid()}")
    page.get_by_role("button", name="Simpan perubahan").click()
    expect(page.locator("form.adm-sso-form [role=alert]:visible")).to_contain_text("baru diubah oleh admin lain")
    assert fetchrow(pwa_server, "SELECT name FROM oidc_client WHERE id = $1", stored["id"])["name"] == f"{name} (lain)"
    page.reload()
    expect(page.get_by_role("heading", level=1, name=f"{name} (lain)")).to_be_visible()
    page.get_by_role("button", name="Ubah", exact=True).click()
    page.get_by_label("Nama sistem").fill(f"SIM Polresta {os.getpid()}")
    page.get_by_role("button", name="Simpan perubahan").click()
    expect(page.get_by_role("heading", level=1, name=f"SIM Polresta {os.getpid()}")).to_be_visible()
    expect(page.locator("main p.status")).to_contain_text("Perubahan disimpan.")

    # A new secret, after a confirmation: shown once; the old one no longer matches.
    page.get_by_role("button", name="Buat rahasia baru").click()
    confirm(page, "Rahasia lama langsung berhenti berlaku", "Ya, buat rahasia baru")
    expect(panel.get_by_role("heading", name=f"Rahasia klien SIM Polresta {os.getpid()}")).to_be_focused()
    fresh = page.locator("#adm-sso-client-secret").inner_text().strip()
    assert fresh and fresh != secret
    rotated = fetchrow(pwa_server, "SELECT secret_hash FROM oidc_client WHERE id = $1", stored["id"])
    assert rotated["secret_hash"] == hashlib.sha256(fresh.encode()).digest()
    panel.get_by_role("button", name="Sudah saya simpan").click()

    # Suspend, after a confirmation; then resume.
    page.get_by_role("button", name="Tangguhkan").click()
    confirm(page, "semua akses yang sedang berjalan langsung dicabut", "Ya, tangguhkan")
    expect(page.locator(".adm-sso .badge")).to_have_text("Ditangguhkan")
    assert fetchrow(pwa_server, "SELECT status FROM oidc_client WHERE id = $1", stored["id"])["status"] == "suspended"
    fits(page, "suspended")
    pwa_server.screenshot(page, "admin-sso-suspended")
    page.get_by_role("button", name="Aktifkan kembali").click()
    confirm(page, "kembali masuk", "Ya, aktifkan")
    expect(page.locator(".adm-sso .badge")).to_have_text("Aktif")
    assert fetchrow(pwa_server, "SELECT status FROM oidc_client WHERE id = $1", stored["id"])["status"] == "active"
    assert errors == []
