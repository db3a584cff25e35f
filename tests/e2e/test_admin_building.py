"""The building screen at 360×740, in Indonesian (issue 15, part 2): a national admin adds a new region; that region's
admin adds two agencies (a national kind with one tap, and one of the region's own), sets Saturday's opening hours
(a wrong range is said next to it), adds a closure day and a counter serving two chosen services; a second admin's
stale save is refused with a clear message. The public region page's API then shows all of it.

Real server, real API, Debian's Chromium; screenshots into docs/screenshots/ (admin-building-*.png).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from api.catalogue.building import region_today
from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, watch_errors
from tests.support.regions import fresh_region_code, remove_regions

pytestmark = pytest.mark.e2e

VIEWPORT = {"width": 360, "height": 740}
SHOTS = Path(os.environ.get("MPP_ADMIN_SHOTS", "/tmp/mpp-admin"))
T = TypeVar("T")


def in_database(pwa_server: PwaServer, work: Callable[[asyncpg.Connection], Coroutine[Any, Any, T]]) -> T:
    """Run ``work`` on a connection to the server's database (Playwright's sync API holds this thread's loop)."""

    async def run() -> T:
        conn = await asyncpg.connect(pwa_server.database_url)
        try:
            return await work(conn)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def fits(page: Page, name: str) -> None:
    """Nothing wider than the phone; then a screenshot for docs/screenshots/."""
    page.wait_for_load_state("networkidle")
    widths = page.evaluate(
        """() => {
            const wide = [...document.querySelectorAll('body *')]
                .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5
                    && getComputedStyle(el).position !== 'fixed' && !el.closest('.visually-hidden'))
                .slice(0, 6).map((el) => el.tagName.toLowerCase() + '.' + el.className);
            return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, wide};
        }"""
    )
    assert widths["inner"] == VIEWPORT["width"] and widths["scroll"] <= widths["inner"], f"{name}: {widths}"
    assert widths["wide"] == [], f"{name}: elements stick out: {widths['wide']}"


def shot(pwa_server: PwaServer, page: Page, name: str, locator: str | None = None) -> None:
    fits(page, name)
    if locator:
        page.locator(locator).scroll_into_view_if_needed()
    pwa_server.screenshot(page, name)


def public_region(pwa_server: PwaServer, code: str, until: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The public region detail once it shows the change (answers are cached per catalogue version)."""
    deadline = time.monotonic() + 15
    with pwa_server.api() as client:
        while True:
            body: dict[str, Any] = client.get(f"/api/v1/regions/{code}").json()
            if until(body) or time.monotonic() > deadline:
                return body
            time.sleep(0.2)


def test_a_new_region_is_set_up_in_the_browser(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    code = in_database(pwa_server, fresh_region_code)
    name = f"Kabupaten Uji Coba {code}"
    try:
        set_up(pwa_server, phone, code, name)
    finally:
        in_database(pwa_server, lambda conn: remove_regions(conn, [code]))


def set_up(pwa_server: PwaServer, phone: Callable[..., BrowserContext], code: str, name: str) -> None:
    # A national admin adds the region, with its building.
    national = pwa_server.staff_sign_in("national_admin")
    page = phone(viewport=VIEWPORT).new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, national, "/admin/building")
    expect(page.get_by_role("heading", level=1, name="Gedung, instansi, dan loket")).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="Tambah daerah").click()
    form = page.locator(".bld-region-form")
    expect(form.get_by_role("heading", name="Daerah baru")).to_be_focused()
    form.get_by_label("Kode BPS provinsi").fill("33")
    form.get_by_label("Nama provinsi").fill("Jawa Tengah")
    form.get_by_label("Kode BPS kabupaten/kota").fill(code)
    form.get_by_label("Nama resmi").fill(f"Uji Coba {code}")
    form.get_by_label("Nama dalam bahasa Inggris").fill(f"Uji Coba {code} Regency")
    form.get_by_label("Nama tempat").fill(f"Uji Coba {code}")
    form.get_by_label("Alamat").fill("Jl. Jenderal Sudirman No. 1")
    form.get_by_role("button", name="Simpan daerah baru").click()
    # The name lacks "Kabupaten": said next to it, in Indonesian.
    expect(form.locator("[data-field=name] .error")).to_have_text('Nama kabupaten diawali "Kabupaten ".')
    expect(form.get_by_label("Nama resmi")).to_be_focused()
    shot(pwa_server, page, "admin-building-new-region-error")
    form.get_by_label("Nama resmi").fill(name)
    expect(form.get_by_label("Nama gedung MPP")).to_have_value(f"Mal Pelayanan Publik {name}")
    form.get_by_role("button", name="Simpan daerah baru").click()
    expect(page.locator(".bld-region-name")).to_have_text(name, timeout=15_000)
    assert page.evaluate("location.hash") == f"#/admin/building?region={code}"
    expect(page.locator("#bld-region")).to_have_value(code)
    expect(page.locator("#bld-agencies")).to_contain_text("Belum ada instansi di gedung ini.")
    assert errors == []

    # The region's admin sets up the building.
    admin = pwa_server.staff_sign_in("region_admin", region=code)
    page = phone(viewport=VIEWPORT).new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, admin, "/admin/building")
    expect(page.get_by_role("heading", level=2, name="Gedung", exact=True)).to_be_visible(timeout=20_000)
    agencies = page.locator("#bld-agencies")
    # A national kind with one tap: its national services come with it.
    agencies.get_by_role("button", name="Tambah Disdukcapil").click()
    expect(page.locator("#bld-agencies-status")).to_have_text("Disdukcapil ditambahkan ke MPP.")
    expect(page.locator("#bld-agencies-title")).to_be_focused()
    disdukcapil = agencies.locator(".bld-agency[data-code=DISDUKCAPIL]")
    expect(disdukcapil).to_contain_text(f"Dinas Kependudukan dan Pencatatan Sipil {name}")
    expect(disdukcapil.locator(".meta")).to_contain_text("layanan aktif · 0 loket · 0 petugas aktif")
    assert "0 layanan aktif" not in disdukcapil.locator(".meta").inner_text()
    # The region's own agency.
    agencies.get_by_text("Instansi milik daerah").click()
    own = agencies.locator(".bld-own")
    own.get_by_label("Kode instansi").fill("dinas perpustakaan")
    expect(own.get_by_label("Kode instansi")).to_have_value("DINAS_PERPUSTAKAAN")
    own.get_by_label("Nama (bahasa Indonesia)").fill(f"Dinas Perpustakaan {name}")
    own.get_by_label("Nama (bahasa Inggris)").fill(f"Library Office, Uji Coba {code} Regency")
    own.get_by_label("Nama singkat").fill("Dinas Perpustakaan")
    own.get_by_role("button", name="Tambah instansi").click()
    expect(own.locator("[data-field=kind] .error")).to_have_text("Wajib diisi.")
    own.get_by_label("Jenis instansi").select_option("daerah")
    own.get_by_role("button", name="Tambah instansi").click()
    expect(page.locator("#bld-agencies-status")).to_have_text("Dinas Perpustakaan ditambahkan ke MPP.")
    expect(agencies.locator(".bld-agency[data-code=DINAS_PERPUSTAKAAN]")).to_contain_text("0 layanan aktif")
    shot(pwa_server, page, "admin-building-agencies", "#bld-agencies")

    # Opening hours: Friday keeps its two ranges; Saturday gets one, first written wrong.
    building = page.locator("#bld-mpp")
    saturday = building.locator("fieldset", has_text="Sabtu")
    expect(saturday).to_contain_text("Tutup")
    friday = building.locator("fieldset", has_text="Jumat")
    expect(friday.locator(".bld-range")).to_have_count(2)
    saturday.get_by_role("button", name="Tambah jam").click()
    saturday.get_by_label("Mulai (Sabtu)").fill("12:00")
    saturday.get_by_label("Selesai (Sabtu)").fill("08:00")
    building.get_by_role("button", name="Simpan gedung").click()
    expect(saturday.locator(".error")).to_have_text("Jam mulai harus sebelum jam selesai.")
    expect(building.locator(".bld-form-error")).to_contain_text("Periksa isian yang ditandai.")
    shot(pwa_server, page, "admin-building-hours-error", "#bld-mpp fieldset:nth-of-type(6)")
    saturday.get_by_label("Mulai (Sabtu)").fill("08:00")
    saturday.get_by_label("Selesai (Sabtu)").fill("12:00")
    building.get_by_label("Telepon (boleh kosong)").fill("0281 625 000")
    building.get_by_role("button", name="Simpan gedung").click()
    expect(page.locator("#bld-mpp-status")).to_have_text("Tersimpan.")

    # A closure day.
    closures = page.locator("#bld-closures")
    day = region_today(code) + dt.timedelta(days=7)
    closures.get_by_label("Tanggal").fill(day.isoformat())
    closures.get_by_label("Alasan (bahasa Indonesia)").fill("Pemilihan kepala daerah")
    closures.get_by_label("Alasan (bahasa Inggris)").fill("Regional election")
    closures.get_by_role("button", name="Tambah hari tutup").click()
    expect(page.locator("#bld-closures-status")).to_contain_text("ditambahkan")
    expect(closures.locator(".bld-closure")).to_contain_text("Pemilihan kepala daerah")

    # A counter of Disdukcapil serving two chosen services.
    counters = page.locator("#bld-counters")
    counters.get_by_label("Nomor loket").fill("A1")
    counters.get_by_label("Instansi", exact=True).select_option(label="Disdukcapil")
    counters.get_by_text("Hanya layanan yang dipilih").click()
    choices = counters.locator(".bld-services input[type=checkbox]")
    expect(choices.first).to_be_visible()
    chosen = [counters.locator(".bld-services label").nth(i).inner_text().strip() for i in (0, 1)]
    choices.nth(0).check()
    choices.nth(1).check()
    counters.get_by_role("button", name="Tambah loket").click()
    expect(page.locator("#bld-counters-status")).to_have_text("Loket A1 ditambahkan.")
    card = counters.locator(".bld-counter[data-number=A1]")
    expect(card).to_contain_text("Disdukcapil")
    for service in chosen:
        expect(card.locator(".bld-served")).to_contain_text(service)
    shot(pwa_server, page, "admin-building-counters", "#bld-counters")
    # The same number again: refused, in words.
    counters.get_by_label("Nomor loket").last.fill("A1")
    counters.get_by_label("Instansi", exact=True).last.select_option(label="Dinas Perpustakaan")
    counters.get_by_role("button", name="Tambah loket").click()
    expect(counters.locator(".bld-form-error").last).to_have_text(
        "Nomor loket ini sudah dipakai loket lain di gedung ini."
    )

    # Two admins: a second one saves the building from the same read; the first's stale save is refused clearly.
    other = phone(viewport=VIEWPORT).new_page()
    pwa_server.open_signed_in(other, pwa_server.staff_sign_in("region_admin", region=code), "/admin/building")
    expect(other.get_by_label("Nama gedung MPP")).to_be_visible(timeout=20_000)
    other.get_by_label("Nama gedung MPP").fill(f"MPP {name} (Gedung Baru)")
    other.get_by_role("button", name="Simpan gedung").click()
    expect(other.locator("#bld-mpp-status")).to_have_text("Tersimpan.")
    building.get_by_label("Alamat").fill("Jl. Lain No. 2")
    building.get_by_role("button", name="Simpan gedung").click()
    notice = building.locator(".bld-conflict")
    expect(notice).to_contain_text("sudah diubah admin lain")
    expect(notice.get_by_role("button", name="Muat ulang")).to_be_focused()
    shot(pwa_server, page, "admin-building-conflict", "#bld-mpp .bld-conflict")
    notice.get_by_role("button", name="Muat ulang").click()
    expect(building.get_by_label("Nama gedung MPP")).to_have_value(f"MPP {name} (Gedung Baru)")
    page.evaluate("window.scrollTo(0, 0)")
    shot(pwa_server, page, "admin-building")
    # The whole screen, to be looked at (beside the other admin screens' shots).
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "admin-building-full.png"), full_page=True)
    assert errors == []

    # What citizens see: the agencies, the counter with its services, the hours and the closure day.
    shown = public_region(
        pwa_server, code, lambda b: bool(b["mpp"]["counters"]) and b["mpp"]["name"].endswith("(Gedung Baru)")
    )
    assert {a["code"] for a in shown["agencies"]} == {"DISDUKCAPIL", "DINAS_PERPUSTAKAAN"}
    assert [c["number"] for c in shown["mpp"]["counters"]] == ["A1"]
    assert len(shown["mpp"]["counters"][0]["services"]) == 2
    assert shown["mpp"]["openingHours"]["sat"] == ["08:00-12:00"]
    assert shown["mpp"]["openingHours"]["fri"] == ["08:00-11:00", "13:00-15:00"]
    assert shown["mpp"]["phone"] == "0281 625 000"
    assert shown["mpp"]["closures"] == [{"day": day.isoformat(), "reason": "Pemilihan kepala daerah"}]
    assert shown["services"] > 5
