"""The holiday calendar in admin mode, at 360 px in Indonesian: a region admin adds a local holiday with its legal
basis (a missing one is pointed out next to its field), sees it listed with its source and how many deadlines moved,
then removes it with a reason after a confirmation. The national days are listed, marked and read-only. The citizen
whose application spanned the day sees why its deadline moved, in their timeline.

Real server, real API, Debian's Chromium. The day is in Brebes (3329), where no other test applies, so no other
test's deadline moves; it is removed again at the end. Screenshot: docs/screenshots/admin-calendar.png.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, bearer, submitted_application, watch_errors

pytestmark = pytest.mark.e2e

REGION = "3329"
VIEWPORT = {"width": 360, "height": 740}
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni"]
MONTHS += ["Juli", "Agustus", "September", "Oktober", "November", "Desember"]


def fits_the_phone(page: Page) -> None:
    widths = page.evaluate(
        """() => {
            const limit = window.innerWidth + 1;
            const wide = [...document.querySelectorAll('body *')]
                .filter((el) => el.getBoundingClientRect().right > limit && getComputedStyle(el).position !== 'fixed')
                .slice(0, 8).map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className);
            return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, wide};
        }"""
    )
    assert widths["scroll"] <= widths["inner"] == VIEWPORT["width"], widths
    assert widths["wide"] == [], widths


def test_a_region_admin_adds_a_local_holiday_with_its_source_and_removes_it(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    # kk-baru's SLA is one working day: the application's deadline is the first working day after today.
    citizen, application = submitted_application(pwa_server, REGION)
    day = dt.date.fromisoformat(application["deadline"]["dueDate"])
    tokens = pwa_server.staff_sign_in("region_admin", region=REGION)
    page = phone(viewport=VIEWPORT).new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, tokens, f"/admin/calendar?year={day.year}")

    expect(page.locator("h1")).to_have_text("Kalender hari libur")
    expect(page.locator(".adm-cal-year")).to_have_text(str(day.year))
    # The national days are there, marked, and a region admin cannot remove them.
    national = page.locator(".adm-cal-day", has=page.locator(".adm-cal-national")).first
    expect(national).to_be_visible()
    expect(national.locator("summary")).to_have_count(0)
    fits_the_phone(page)

    page.get_by_role("button", name="Tambah hari libur").click()
    page.fill("#adm-cal-day", day.isoformat())
    page.select_option("#adm-cal-kind", "libur_daerah")
    page.fill("#adm-cal-name-id", "Hari Jadi Kabupaten Brebes")
    page.fill("#adm-cal-name-en", "Brebes Regency Anniversary")
    page.get_by_role("button", name="Simpan hari libur").click()
    # No legal basis: said next to its field, in Indonesian, and nothing is saved.
    expect(page.locator("#adm-cal-source-error")).to_have_text("Isi dasar hukumnya: nomor dan tahun keputusan.")
    expect(page.locator("#adm-cal-source")).to_have_attribute("aria-invalid", "true")
    fits_the_phone(page)

    source = "Keputusan Bupati Brebes Nomor 003/1234 Tahun 2026 tentang Hari Jadi Kabupaten Brebes"
    page.fill("#adm-cal-source", source)
    page.get_by_role("button", name="Simpan hari libur").click()
    # At least the citizen's application spanned the day (the session's other tests in Brebes may add theirs).
    expect(page.locator("#adm-cal-count")).to_contain_text(
        re.compile(r"ditambahkan\. [1-9][0-9]* tenggat permohonan diundur satu hari kerja\.")
    )
    # Earlier days of that date removed by other tests of the session stay listed as history: pick the one in force.
    added = page.locator(f'.adm-cal-day[data-day="{day.isoformat()}"]:not(.adm-cal-removed)')
    expect(added).to_have_count(1)
    added = page.locator(f'.adm-cal-day[data-id="{added.get_attribute("data-id")}"]')
    expect(added.locator(".adm-cal-name")).to_have_text("Hari Jadi Kabupaten Brebes")
    expect(added.locator(".adm-cal-source")).to_have_text(f"Dasar hukum: {source}")
    expect(added.locator(".adm-cal-regional")).to_have_text("Daerah")
    expect(added).to_contain_text("Libur daerah")
    added.scroll_into_view_if_needed()
    fits_the_phone(page)
    pwa_server.screenshot(page, "admin-calendar")

    # Removing asks for a reason, then for a confirmation; the day stays listed as removed.
    added.locator("summary").click()
    added.get_by_role("button", name="Hapus hari libur").click()
    expect(added.locator(".error").first).to_have_text("Tulis alasan penghapusan.")
    added.locator("textarea").fill("Tanggal salah ketik")
    added.get_by_role("button", name="Hapus hari libur").click()
    dialog = page.locator("dialog.adm-dialog")
    expect(dialog).to_contain_text("Tenggat permohonan yang sudah diberikan tetap")
    dialog.get_by_role("button", name="Ya, hapus").click()
    expect(added).to_have_class(re.compile("adm-cal-removed"))
    expect(added).to_contain_text("Alasan: Tanggal salah ketik")
    with pwa_server.api() as client:
        shown = client.get(f"/api/v1/regions/{REGION}/calendar", params={"year": day.year}).json()["items"]
    assert day.isoformat() not in {d["day"] for d in shown}
    assert errors == []

    # The citizen's timeline says why the deadline moved (and the removal did not bring it back).
    mine = phone(viewport=VIEWPORT).new_page()
    pwa_server.open_signed_in(mine, citizen, f"/applications/{application['id']}")
    moved = mine.locator("#timeline li", has_text="Tenggat diundur satu hari kerja")
    # A new phone's first visit (service worker, views): on a loaded CI machine it takes longer than 5 s.
    expect(moved).to_contain_text("Libur daerah: Hari Jadi Kabupaten Brebes", timeout=20_000)
    with pwa_server.api() as client:
        now = client.get(f"/api/v1/applications/{application['id']}", headers=bearer(citizen)).json()
    due = dt.date.fromisoformat(now["deadline"]["dueDate"])
    assert due > day
    expect(mine.locator("#application-deadline")).to_contain_text(f"{due.day} {MONTHS[due.month - 1]} {due.year}")
