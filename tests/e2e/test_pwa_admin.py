"""Admin mode at 360 px, in Indonesian: a region admin lands on the admin home (not the officer inbox), registers
a kiosk and sees its pairing code once (and the code pairs a tablet), revokes it, issues an enrolment code for an
officer (and the code works), and sees the failed notifications. No screen is wider than the phone, and none
shows English; a refused or unavailable request is said in Indonesian, never with the server's English detail.

Real server, real API, Debian's Chromium; screenshots go to $MPP_ADMIN_SHOTS (default /tmp/mpp-admin) to be
looked at.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, bearer, watch_errors

pytestmark = pytest.mark.e2e

REGION = "3302"
VIEWPORT = {"width": 360, "height": 740}
SHOTS = Path(os.environ.get("MPP_ADMIN_SHOTS", "/tmp/mpp-admin"))
PWA = Path(__file__).resolve().parents[2] / "pwa"
# The server's own English sentences (problem details) that must never reach an Indonesian screen.
SERVER_ENGLISH = re.compile(r"You may not|No such|Forbidden|Unauthori[sz]ed|Service unavailable|Not found|try again")


def english_fragments() -> list[str]:
    """English catalogue texts that differ from their Indonesian ones: none may show on an Indonesian screen."""
    ids = json.loads((PWA / "i18n" / "id.json").read_text())
    ens = json.loads((PWA / "i18n" / "en.json").read_text())
    found = []
    for key, en in ens.items():
        if not isinstance(en, str) or en == ids.get(key):
            continue
        head = en.split("{")[0].strip()
        if len(head) >= 10:
            found.append(head)
    return found


ENGLISH = english_fragments()


def check_screen(page: Page, name: str) -> None:
    """No English, nothing wider than the phone; and a screenshot to look at."""
    page.wait_for_load_state("networkidle")
    text = page.locator("body").inner_text()
    assert not SERVER_ENGLISH.search(text), f"{name}: server English on screen:\n{text}"
    english = [fragment for fragment in ENGLISH if fragment in text]
    assert english == [], f"{name}: English on an Indonesian screen: {english}"
    widths = page.evaluate(
        """() => {
            const limit = window.innerWidth + 1;
            const wide = [...document.querySelectorAll('body *')]
                .filter((el) => el.getBoundingClientRect().right > limit && getComputedStyle(el).position !== 'fixed')
                .slice(0, 8).map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className);
            return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, wide};
        }"""
    )
    assert widths["inner"] == VIEWPORT["width"], f"{name}: the page is wider than the phone: {widths}"
    assert widths["scroll"] <= widths["inner"], f"{name}: wider than the viewport: {widths}"
    assert widths["wide"] == [], f"{name}: elements stick out: {widths['wide']}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def admin_page(pwa_server: PwaServer, phone: Callable[..., BrowserContext], path: str = "/officer") -> Page:
    tokens = pwa_server.staff_sign_in("region_admin", region=REGION)
    page = phone(viewport=VIEWPORT).new_page()
    pwa_server.open_signed_in(page, tokens, path)
    return page


def test_admin_home_kiosks_enrolment_codes_and_failed_notifications(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    # Where the problem was found: an admin sent to the officer inbox is taken to the admin home instead.
    page = admin_page(pwa_server, phone, "/officer")
    errors = watch_errors(page)
    expect(page.get_by_role("heading", level=1, name="Admin MPP")).to_be_visible(timeout=20_000)
    assert page.evaluate("location.hash") == "#/admin"
    nav = page.locator("#nav")
    expect(nav.get_by_role("link")).to_have_text(["Beranda", "Layanan", "Petugas", "Kiosk", "Aduan", "SKM", "Kinerja"])
    expect(nav).not_to_contain_text("Kotak masuk")
    expect(page.locator("main")).to_contain_text("Anda mengelola wilayah")
    check_screen(page, "admin-home")

    # Kiosks: register one, see its pairing code once; the code pairs a tablet, and the screen sees it pair.
    page.locator("main").get_by_role("link", name="Kiosk").click()
    expect(page.get_by_role("heading", level=1, name="Kiosk")).to_be_visible()
    name = f"Kiosk lobi {os.getpid()}"
    page.get_by_label("Nama kiosk").fill(name)
    page.get_by_role("button", name="Daftarkan kiosk").click()
    once = page.locator("#adm-kiosk-pairing")
    expect(once.get_by_role("heading", name=f"Pasangkan {name}")).to_be_focused()
    expect(once).to_contain_text("Hanya ditampilkan sekali.")
    code = page.locator("#adm-pair-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code), code
    card = page.locator(".adm-kiosk", has_text=name)
    expect(card).to_contain_text("Menunggu dipasangkan")
    check_screen(page, "admin-kiosk-pairing")
    with pwa_server.api() as client:
        paired = client.post("/api/v1/auth/kiosk/pair", json={"pairingCode": code})
        assert paired.status_code == 200, paired.text
        secret = paired.json()["deviceSecret"]
    # Once: the code leaves the screen when the tablet has used it, and reopening the screen does not bring it back.
    expect(once).to_contain_text(f"{name} sudah terpasang dan aktif.", timeout=20_000)
    expect(page.locator("#adm-pair-code")).to_have_count(0)
    expect(card).to_contain_text("Aktif")
    page.reload()
    expect(page.get_by_role("heading", level=1, name="Kiosk")).to_be_visible()
    expect(page.locator(".adm-kiosk", has_text=name)).to_be_visible()
    assert code not in page.locator("body").inner_text()

    # Revoke, after a confirmation; cancelling first changes nothing.
    card = page.locator(".adm-kiosk", has_text=name)
    card.get_by_role("button", name="Cabut kiosk").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Cabut kiosk {name}?")
    check_screen(page, "admin-kiosk-revoke-confirm")
    dialog.get_by_role("button", name="Batal").click()
    expect(card).to_contain_text("Aktif")
    card.get_by_role("button", name="Cabut kiosk").click()
    page.get_by_role("dialog").get_by_role("button", name="Ya, cabut").click()
    expect(page.locator(".adm-kiosk", has_text=name)).to_contain_text("Dicabut")
    expect(page.locator(".adm-kiosk", has_text=name).get_by_role("button", name="Cabut kiosk")).to_have_count(0)
    check_screen(page, "admin-kiosks")
    with pwa_server.api() as client:
        assert client.post("/api/v1/auth/kiosk", json={"deviceSecret": secret}).status_code not in (200, 201)

    # Staff enrolment code: find an officer of the region by phone, issue a code; the code works.
    officer = pwa_server.create_staff("officer", agency="DISDUKCAPIL", region=REGION, name="Budi Santoso")
    nav.get_by_role("link", name="Petugas").click()
    expect(page.get_by_role("heading", level=1, name="Staf")).to_be_visible()
    page.get_by_label("Cari nama atau nomor HP").fill("0" + officer.removeprefix("+62"))
    page.get_by_role("button", name="Tampilkan", exact=True).click()
    found = page.locator(".adm-person", has_text="Budi Santoso")
    expect(page.locator("#adm-staff-count")).to_have_text("1 orang")
    expect(found).to_contain_text("Petugas")
    expect(found).to_contain_text("Belum punya passkey")
    found.get_by_text("Kelola Budi Santoso").click()
    found.get_by_role("button", name="Buat kode pendaftaran").click()
    expect(found.get_by_role("heading", name="Kode pendaftaran untuk Budi Santoso")).to_be_focused()
    code = page.locator("#adm-enrol-code").inner_text().strip()
    link = page.locator("#adm-enrol-link").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code), code
    assert link.endswith(f"#/signin?enrol={code}"), link
    expect(found).to_contain_text("Berlaku sampai")
    check_screen(page, "admin-staff-code")
    tokens = pwa_server.sign_in(officer)
    with pwa_server.api() as client:
        options = client.post(
            "/api/v1/auth/passkeys/register/options", json={"enrolmentCode": code}, headers=bearer(tokens)
        )
        assert options.status_code == 200, options.text
        # The code `mpp users create` printed is replaced by the admin's.
        old = client.post(
            "/api/v1/auth/passkeys/register/options",
            json={"enrolmentCode": pwa_server.enrolment_code(officer)},
            headers=bearer(tokens),
        )
        assert old.status_code == 400 and old.json()["code"] == "invalid_enrolment_code"

    # Someone not in the region (or not staff): the list says nobody matches, in Indonesian.
    page.get_by_label("Cari nama atau nomor HP").fill("081200000001")
    page.get_by_role("button", name="Tampilkan", exact=True).click()
    expect(page.locator("#adm-staff-count")).to_have_text("Tidak ada staf yang cocok.")
    check_screen(page, "admin-staff-not-found")

    # Failed notifications (from the home's task list): the list, or its empty state.
    nav.get_by_role("link", name="Beranda").click()
    page.get_by_role("link", name="Notifikasi gagal").click()
    expect(page.get_by_role("heading", level=1, name="Notifikasi gagal")).to_be_visible()
    expect(page.locator("#adm-dead-empty, #adm-dead-list .adm-list")).to_be_visible()
    check_screen(page, "admin-failed")
    assert errors == []


def problem_route(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None
) -> Callable[[Route], None]:
    body = {
        "type": f"https://mpp-digital.id/problems/{code}",
        "title": "x",
        "status": status,
        "detail": detail,
        "code": code,
    }

    def fulfil(route: Route) -> None:
        route.fulfill(
            status=status, content_type="application/problem+json", body=json.dumps(body), headers=headers or {}
        )

    return fulfil


def test_refused_and_unavailable_problems_are_said_in_indonesian(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    page = admin_page(pwa_server, phone, "/admin")
    expect(page.get_by_role("heading", level=1, name="Admin MPP")).to_be_visible(timeout=20_000)
    # Forbidden: the sentence that started this ("You may not do this.") never shows.
    page.route("**/api/v1/admin/kiosks", problem_route(403, "forbidden", "You may not do this."))
    page.evaluate("location.hash = '#/admin/kiosks'")
    expect(page.locator("#adm-kiosk-list [role=alert]")).to_have_text(
        "Akun Anda tidak diizinkan melakukan ini. Jika seharusnya bisa, hubungi admin MPP."
    )
    check_screen(page, "admin-forbidden")
    # Unavailable (503 with Retry-After), and a code this app does not know: by its status.
    page.route(
        "**/api/v1/admin/notifications/dead-letters",
        problem_route(503, "unavailable", "The service cannot reach its database just now.", {"Retry-After": "10"}),
    )
    page.evaluate("location.hash = '#/admin/notifications'")
    expect(page.locator("#adm-dead-list [role=alert]")).to_have_text(
        "Layanan sedang tidak dapat dihubungi. Tidak ada yang tersimpan; coba lagi sebentar lagi."
    )
    check_screen(page, "admin-unavailable")
    page.unroute("**/api/v1/admin/notifications/dead-letters")
    page.route(
        "**/api/v1/admin/notifications/dead-letters",
        problem_route(429, "slow_down", "Too many requests.", {"Retry-After": "30"}),
    )
    page.evaluate("location.hash = '#/admin'")
    expect(page.get_by_role("heading", level=1, name="Admin MPP")).to_be_visible()
    page.evaluate("location.hash = '#/admin/notifications'")
    expect(page.locator("#adm-dead-list [role=alert]")).to_have_text(
        "Terlalu banyak percobaan. Coba lagi dalam 30 detik."
    )
    # The shared function directly, for the other codes it must know.
    said = page.evaluate(
        """async () => {
            const { problemText } = await import('/js/lib/problem.js');
            const { ApiError } = await import('/js/api.js');
            const p = (status, code) =>
                problemText(new ApiError(status, { type: 'x/' + code, detail: 'English detail' }));
            return [p(404, 'not_found'), p(412, 'precondition_failed'), p(413, 'too_large'), p(418, 'teapot'),
                    p(500, 'internal_error'), p(403, 'assurance_required'), p(400, 'invalid_request')];
        }"""
    )
    assert all("English detail" not in s for s in said), said
    assert said[0] == "Tidak ditemukan. Mungkin sudah dihapus."
    assert said[3].startswith("Permintaan ini tidak dapat diproses"), said
    assert said[4].startswith("Terjadi gangguan di sistem kami"), said


def test_officers_are_not_sent_to_admin_screens(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    tokens = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    page = phone(viewport=VIEWPORT).new_page()
    pwa_server.open_signed_in(page, tokens, "/admin/kiosks")
    expect(page.locator("h1")).to_be_visible(timeout=20_000)
    assert page.evaluate("location.hash") == "#/officer"
    expect(page.locator("#nav")).not_to_contain_text("Gagal kirim")
