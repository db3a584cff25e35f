"""Admin mode's integrations (issue 20), at 360×740, in Indonesian.

Webhooks: a region admin opens the screen from the admin home, is told in Indonesian why an http:// address and a
private address are refused (the server's 422), registers an agency's endpoint and is shown its signing secret once
(copy button, warning) — the secret the server sealed — gives it a new secret after a confirmation (both secrets
live for a day: said, and shown on the endpoint), sees a dead delivery (planted in the database) and sends it
again (the list updates; the delivery is pending again), then disables the endpoint after a confirmation.

OSS: a planted difference of a licence in the admin's region is listed with what each side says; another region's
is not; a national admin chooses a region.

Real server, real API, Debian's Chromium; screenshots docs/screenshots/admin-webhooks*.png, admin-oss.png.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asyncpg
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from api.lib.crypto import MasterKeys, parse_master_keys
from api.webhooks.service import open_secrets
from tests.e2e.a11y import axe_violations, describe
from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, watch_errors

pytestmark = pytest.mark.e2e

REGION = "3302"
OTHER_REGION = "3471"  # Kota Yogyakarta
QUIET_REGION = "3510"  # Banyuwangi: no test plants a difference there
AGENCY = "DISDUKCAPIL"
VIEWPORT = {"width": 360, "height": 740}


def fits(page: Page, name: str) -> None:
    """Nothing wider than the phone, no raw i18n key or server English on screen, no serious axe violation."""
    page.wait_for_load_state("networkidle")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] == VIEWPORT["width"], f"{name}: wider than the phone: {width}"
    text = page.locator("main").inner_text()
    assert not re.search(r"\b(admin|account|title)[A-Z][A-Za-z_]+\b", text), f"{name}: an i18n key on screen:\n{text}"
    english = r"Webhook endpoints must|The URL|Only a dead|There is no agency|not found|try again|Given up|Delivered"
    assert not re.search(english, text), f"{name}: English on screen:\n{text}"
    violations = axe_violations(page)
    assert not violations, f"{name}: {describe(violations)}"


def sql(pwa_server: PwaServer, statement: str, *args: Any) -> list[asyncpg.Record]:
    """Rows from the server's database (Playwright's sync API runs an event loop in this thread: the database call
    gets a thread of its own)."""

    async def run() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(pwa_server.database_url)
        try:
            return list(await conn.fetch(statement, *args))
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def confirm(page: Page, says: str, yes: str) -> None:
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(says)
    dialog.get_by_role("button", name=yes).click()


def plant_dead_delivery(pwa_server: PwaServer, endpoint: uuid.UUID) -> uuid.UUID:
    """A delivery the receiver refused (410): dead at once, as the worker leaves it."""
    delivery = uuid.uuid4()
    sql(
        pwa_server,
        """INSERT INTO webhooks_delivery (id, message, endpoint, topic, payload, status, attempts, last_error,
               response_status, dead_at, next_attempt_at)
           VALUES ($1, $2, $3, 'application.status_changed', '{}', 'dead', 1, 'HTTP 410 Gone', 410, now(), now())""",
        delivery,
        # Outside the outbox's ids, so no real message's delivery can collide with it.
        -(uuid.uuid4().int % 2**62),
        endpoint,
    )
    return delivery


def test_a_region_admin_registers_rotates_replays_and_disables_a_webhook_endpoint(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    tokens = pwa_server.staff_sign_in("region_admin", region=REGION)
    page = phone(viewport=VIEWPORT, bypass_csp=True).new_page()  # axe is injected inline: the CSP is bypassed
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, tokens, "/admin")
    page.get_by_role("link", name="Webhook instansi").click()
    expect(page.get_by_role("heading", level=1, name="Webhook instansi")).to_be_visible(timeout=20_000)
    form = page.locator("#adm-wh-form")
    form.get_by_label("Instansi").select_option(AGENCY)
    url = form.get_by_label("Alamat endpoint")

    # Refused by the server (422 invalid_webhook_url), explained next to the field in Indonesian.
    url.fill("http://simduk.banyumaskab.go.id/mpp/webhooks")
    form.get_by_role("button", name="Daftarkan", exact=True).click()
    expect(page.locator("#adm-wh-new-url-error")).to_contain_text("harus diawali https://")
    expect(url).to_have_attribute("aria-invalid", "true")
    fits(page, "http refused")
    url.fill("https://192.168.10.5/mpp/webhooks")
    form.get_by_role("button", name="Daftarkan", exact=True).click()
    expect(page.locator("#adm-wh-new-url-error")).to_contain_text("jaringan dalam")

    # Registered: the signing secret, once, is the one the server sealed for the endpoint.
    address = f"https://simduk.banyumaskab.go.id/mpp/webhooks/{os.getpid()}-{uuid.uuid4().hex[:6]}"
    url.fill(address)
    form.get_by_role("button", name="Daftarkan", exact=True).click()
    panel = page.locator("#adm-wh-secret")
    expect(panel.get_by_role("heading", name="Rahasia penanda tangan endpoint baru")).to_be_focused()
    expect(panel).to_contain_text("Hanya ditampilkan sekali.")
    secret = page.locator("#adm-wh-secret-value").inner_text().strip()
    [row] = sql(pwa_server, "SELECT * FROM webhooks_endpoint WHERE url = $1", address)
    assert (row["region"], row["status"]) == (REGION, "active")
    keys = master_keys(pwa_server)
    assert open_secrets(row["id"], row["secrets_sealed"], row["secrets_key"], keys)["current"] == secret
    assert secret.startswith("whsec_")
    panel.get_by_role("button", name="Salin rahasia").click()
    fits(page, "secret shown once")
    pwa_server.screenshot(page, "admin-webhooks-secret")
    panel.get_by_role("button", name="Sudah saya simpan").click()
    expect(panel).to_be_empty()
    assert secret not in page.locator("main").inner_text()
    card = page.locator(".adm-wh", has_text=address)
    expect(card.locator(".badge")).to_have_text("Aktif")
    expect(card).to_contain_text(AGENCY)
    expect(card.locator(".adm-wh-stats")).to_contain_text("Terkirim")

    # A new secret after a confirmation that says both stay live for a day; the card says so too.
    card.get_by_role("button", name="Buat rahasia baru").click()
    confirm(page, "24 jam", "Ya, buat rahasia baru")
    expect(panel.get_by_role("heading", name="Rahasia penanda tangan baru")).to_be_focused()
    expect(page.locator("#adm-wh-overlap")).to_contain_text("kedua rahasia")
    fresh = page.locator("#adm-wh-secret-value").inner_text().strip()
    [row] = sql(pwa_server, "SELECT * FROM webhooks_endpoint WHERE url = $1", address)
    held = open_secrets(row["id"], row["secrets_sealed"], row["secrets_key"], keys)
    assert fresh != secret and held == {"current": fresh, "previous": secret}
    panel.get_by_role("button", name="Sudah saya simpan").click()
    expect(card.locator(".adm-wh-rotating")).to_contain_text("rahasia lama masih ikut menandatangani")
    card.scroll_into_view_if_needed()
    fits(page, "list")
    pwa_server.screenshot(page, "admin-webhooks")

    # A dead delivery: listed under its tab (with its count), sent again, gone from the list, pending again.
    delivery = plant_dead_delivery(pwa_server, row["id"])
    page.reload()
    dead_tab = page.get_by_role("button", name=re.compile(r"^Gagal terkirim \(\d+\)$"))
    dead_tab.click()
    expect(dead_tab).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("() => location.hash") == "#/admin/webhooks?tab=dead"
    dead = page.locator(f".adm-wh-dead[data-id='{delivery}']")
    expect(dead).to_contain_text(address)
    expect(dead).to_contain_text("dicoba 1 kali")
    expect(dead).to_contain_text("HTTP 410")
    dead.scroll_into_view_if_needed()
    fits(page, "dead deliveries")
    pwa_server.screenshot(page, "admin-webhooks-dead")
    dead.get_by_role("button", name="Kirim ulang").click()
    expect(page.locator("main p.status")).to_contain_text("dijadwalkan ulang")
    expect(dead).to_have_count(0)
    [again] = sql(pwa_server, "SELECT status, dead_at FROM webhooks_delivery WHERE id = $1", delivery)
    assert again["status"] != "dead" and again["dead_at"] is None

    # Disabled after a confirmation.
    page.get_by_role("button", name="Endpoint", exact=True).click()
    card.get_by_role("button", name="Nonaktifkan").click()
    confirm(page, "Pengiriman ke", "Ya, nonaktifkan")
    expect(card.locator(".badge")).to_have_text("Nonaktif")
    assert sql(pwa_server, "SELECT status FROM webhooks_endpoint WHERE url = $1", address)[0]["status"] == "disabled"
    fits(page, "disabled")
    assert errors == []


def master_keys(pwa_server: PwaServer) -> MasterKeys:
    """The server's master keys: in development, the keyset its data folder holds (api.lib.crypto)."""
    return parse_master_keys((pwa_server.data_dir / "keys" / "master-keys.json").read_text())


def plant_difference(pwa_server: PwaServer, region: str, number: str) -> uuid.UUID:
    """A licence we issued (50) that OSS says it refused (90), found by a run that finished two days ago (so the
    day's real run is not held back by it)."""
    licence, run = uuid.uuid4(), uuid.uuid4()
    found = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    sql(
        pwa_server,
        """WITH l AS (
               INSERT INTO oss_licence (id, number, region, agency_code, service_code, our_status, our_kd, decided_at,
                   sent_kd, sent_at, oss_kd, oss_at)
               VALUES ($1, $3, $4, 'DPMPTSP', 'sertifikat-standar-risiko-menengah', 'approved', '50', $5, '50', $5,
                   '90', $5) RETURNING id),
           r AS (INSERT INTO oss_run (id, started_at, finished_at, checked, differences)
                 VALUES ($2, $5, $5 + interval '1 minute', 1, 1) RETURNING id)
           INSERT INTO oss_difference (run, licence, region, ours, theirs, found_at)
           SELECT r.id, l.id, $4, '50', '90', $5 + interval '30 seconds' FROM l, r""",
        licence,
        run,
        number,
        region,
        found,
    )
    return licence


def test_the_oss_differences_show_what_each_side_says(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    mine = f"OSS-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    theirs = f"OSS-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    plant_difference(pwa_server, REGION, mine)
    plant_difference(pwa_server, OTHER_REGION, theirs)
    tokens = pwa_server.staff_sign_in("region_admin", region=REGION)
    page = phone(viewport=VIEWPORT, bypass_csp=True).new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, tokens, "/admin")
    page.get_by_role("link", name="Selisih data OSS").click()
    expect(page.get_by_role("heading", level=1, name="Selisih data OSS")).to_be_visible(timeout=20_000)
    card = page.locator(".adm-oss", has_text=mine)
    expect(card).to_contain_text("Menurut MPP Digital")
    expect(card).to_contain_text("Perizinan Berusaha Risiko Menengah (Sertifikat Standar)")  # its name, not its code
    expect(card.locator("dd").nth(0)).to_have_text("Izin terbit (50)")
    expect(card.locator("dd").nth(1)).to_have_text("Ditolak (90)")
    expect(page.locator("#adm-oss-last-run")).to_contain_text("Pemeriksaan terakhir selesai")
    expect(page.locator(".adm-oss", has_text=theirs)).to_have_count(0)
    card.scroll_into_view_if_needed()
    fits(page, "oss differences")
    pwa_server.screenshot(page, "admin-oss")

    # A national admin (on their own device) sees every region's, and one region's when they choose it.
    national = pwa_server.staff_sign_in("national_admin")
    page = phone(viewport=VIEWPORT, bypass_csp=True).new_page()
    national_errors = watch_errors(page)
    pwa_server.open_signed_in(page, national, "/admin/oss")
    expect(page.locator(".adm-oss", has_text=theirs)).to_be_visible(timeout=20_000)
    expect(page.locator(".adm-oss", has_text=mine)).to_be_visible()
    page.get_by_label("Wilayah").select_option(OTHER_REGION)
    expect(page.locator(".adm-oss", has_text=mine)).to_have_count(0)
    expect(page.locator(".adm-oss", has_text=theirs)).to_be_visible()
    fits(page, "oss differences, national")
    # A region without any: the empty state says the daily check found none.
    page.get_by_label("Wilayah").select_option(QUIET_REGION)
    expect(page.locator("#adm-oss-empty")).to_contain_text("Tidak ada selisih: pemeriksaan harian")
    assert errors == national_errors == []
