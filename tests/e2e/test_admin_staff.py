"""Staff in admin mode, at 360 px, in Indonesian: a region admin invites an officer and is shown the enrolment link
and its QR code; the officer opens the link on their own phone, signs in with the SMS code, creates their passkey
(the link's code is filled in) and reaches the inbox; the admin sees the passkey and the sign-in in the list, and
suspends them (with a reason, after a confirmation): the officer's next sign-in is refused, saying why.

Real server, real API, Debian's Chromium with a virtual authenticator on the officer's phone; screenshots go to
docs/screenshots/ (admin-staff-*.png) to be looked at.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.pwa import *  # noqa: F403  (fixtures: pwa_server, browser, phone)
from tests.e2e.pwa import PwaServer, bearer, forget_minute_limit, virtual_authenticator, watch_errors
from tests.support.auth import new_phone

pytestmark = pytest.mark.e2e

REGION = "3471"  # Kota Yogyakarta: away from the officer tests' inbox
VIEWPORT = {"width": 360, "height": 740}
PWA = Path(__file__).resolve().parents[2] / "pwa"


def english() -> list[str]:
    """English catalogue texts that differ from their Indonesian ones: none may show on an Indonesian screen."""
    ids = json.loads((PWA / "i18n" / "id.json").read_text())
    ens = json.loads((PWA / "i18n" / "en.json").read_text())
    heads = [en.split("{")[0].strip() for key, en in ens.items() if isinstance(en, str) and en != ids.get(key)]
    # A word both languages use ("Passkey", "Status") is no sign of English.
    indonesian = {text for text in ids.values() if isinstance(text, str)}
    return [head for head in heads if len(head) >= 10 and head not in indonesian]


ENGLISH = english()


def looked_at(page: Page, pwa_server: PwaServer, name: str) -> None:
    """Nothing wider than the phone, no English on the screen; and a screenshot (docs/screenshots/) to look at."""
    text = page.locator("main").inner_text()
    assert [fragment for fragment in ENGLISH if fragment in text] == [], f"{name}: English on screen"
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1
                && getComputedStyle(el).position !== 'fixed')
            .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className).slice(0, 8)"""
    )
    assert wide == [], f"{name}: wider than the phone: {wide}"
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"], name
    pwa_server.screenshot(page, name)


def codes_sent(pwa_server: PwaServer, mobile: str) -> list[str]:
    path = pwa_server.data_dir / "dev-messages.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return [m["code"] for m in map(json.loads, lines) if m.get("to") == mobile and "code" in m]


def next_code(pwa_server: PwaServer, mobile: str, before: list[str]) -> str:
    """The code sent after ``before`` were (the SMS is written after the answer, so it may lag a little)."""
    deadline = time.monotonic() + 10
    while len(sent := codes_sent(pwa_server, mobile)) <= len(before):
        assert time.monotonic() < deadline, "no new code was sent"
        time.sleep(0.1)
    return sent[-1]


def admin_page(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> tuple[Page, dict[str, Any]]:
    tokens = pwa_server.staff_sign_in("region_admin", region=REGION)
    page = phone(viewport=VIEWPORT).new_page()
    pwa_server.open_signed_in(page, tokens, "/admin/staff")
    expect(page.get_by_role("heading", level=1, name="Staf")).to_be_visible(timeout=20_000)
    return page, tokens


def test_a_region_admin_invites_an_officer_who_enrols_and_is_then_suspended(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    page, admin = admin_page(pwa_server, phone)
    errors = watch_errors(page)
    name = f"Rina Wulandari {uuid.uuid4().hex[:4]}"
    mobile = new_phone()

    expect(page.locator("#adm-staff-count")).not_to_be_empty()
    looked_at(page, pwa_server, "admin-staff")

    # The invitation: the form checks itself first, then the server.
    page.get_by_role("button", name="Undang staf").click()
    form = page.locator("#adm-invite")
    expect(form.get_by_role("heading", name="Undang staf")).to_be_focused()
    form.get_by_role("button", name="Undang", exact=True).click()
    expect(page.locator("#adm-invite-phone-error")).to_have_text("Isi nomor HP petugas.")
    expect(page.locator("#adm-invite-agency-error")).to_have_text("Pilih instansi.")
    expect(page.get_by_label("Nomor HP petugas")).to_be_focused()
    page.get_by_label("Nomor HP petugas").fill("0" + mobile.removeprefix("+62"))
    page.get_by_label("Nama lengkap").fill(name)
    expect(form.get_by_label("Peran")).to_have_value("officer")
    form.get_by_label("Instansi").select_option("DISDUKCAPIL")
    looked_at(page, pwa_server, "admin-staff-invite")
    form.get_by_role("button", name="Undang", exact=True).click()

    # Shown once: the code, the link and its QR code.
    shown = page.locator("#adm-invited")
    expect(shown.get_by_role("heading", name=f"Kode pendaftaran untuk {name}")).to_be_focused()
    code = page.locator("#adm-enrol-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code), code
    link = page.locator("#adm-enrol-link")
    assert link.inner_text().strip().endswith(f"#/signin?enrol={code}")
    assert link.get_attribute("href") == link.inner_text().strip()
    qr = page.get_by_role("img", name=f"Kode QR tautan pendaftaran untuk {name}")
    expect(qr).to_be_visible()
    assert qr.evaluate("(img) => img.complete && img.naturalWidth > 0"), "the QR code did not draw"
    assert 150 <= qr.bounding_box()["width"] <= 340  # type: ignore[index]
    expect(shown).to_contain_text("Berlaku sampai")
    qr.scroll_into_view_if_needed()
    looked_at(page, pwa_server, "admin-staff-invited")
    # The new officer is in the list at once, without a passkey yet.
    card = page.locator(".adm-person", has_text=name)
    expect(card).to_contain_text("Belum punya passkey")
    expect(card).to_contain_text("Belum pernah")

    # The officer opens the link on their own phone, signs in and creates their passkey.
    officer = phone(viewport=VIEWPORT).new_page()
    officer_errors = watch_errors(officer)
    virtual_authenticator(officer)
    officer.goto(pwa_server.url + "/" + link.inner_text().strip().split("/", 3)[3])
    expect(officer.locator("#signin-enrol-intro")).to_contain_text("Tautan pendaftaran petugas")
    officer.get_by_label("Nomor HP").fill(mobile)
    sent = pwa_server.code_count(mobile)
    officer.get_by_role("button", name="Kirim kode").click()
    officer.get_by_label("Kode dari SMS").fill(pwa_server.last_code(mobile, after=sent))
    officer.get_by_role("button", name="Masuk", exact=True).click()
    expect(officer.get_by_label("Kode pendaftaran")).to_have_value(code)
    officer.get_by_role("button", name="Buat passkey").click()
    expect(officer).to_have_url(f"{pwa_server.url}/#/officer", timeout=20_000)
    expect(officer.locator("h1")).to_be_visible()

    # The admin sees the passkey and the sign-in, then suspends them, with a reason and after a confirmation.
    page.get_by_label("Cari nama atau nomor HP").fill(name)
    page.get_by_role("button", name="Tampilkan").click()
    card = page.locator(".adm-person", has_text=name)
    expect(card).to_contain_text("Sudah punya passkey")
    expect(card.locator("dd").last).not_to_have_text("Belum pernah")
    expect(page.locator("#adm-staff-count")).to_have_text("1 orang")
    card.locator("summary").click()
    card.get_by_role("button", name="Tangguhkan").click()
    expect(card.locator(".adm-suspend .error")).to_have_text("Tulis alasannya.")
    card.get_by_label("Alasan penangguhan").fill("HP hilang, menunggu laporan")
    looked_at(page, pwa_server, "admin-staff-manage")
    card.get_by_role("button", name="Tangguhkan").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Tangguhkan {name}?")
    looked_at(page, pwa_server, "admin-staff-suspend-confirm")
    dialog.get_by_role("button", name="Ya, tangguhkan").click()
    expect(card.locator(".adm-said")).to_have_text(f"{name} ditangguhkan.")
    expect(card.locator(".adm-said")).to_be_focused()
    expect(card.locator(".adm-badges")).to_contain_text("Ditangguhkan")
    expect(card.get_by_role("button", name="Pulihkan akun")).to_be_visible()
    looked_at(page, pwa_server, "admin-staff-suspended")
    # The active list no longer has them; the suspended one does.
    page.get_by_label("Status").select_option("suspended")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.locator(".adm-person", has_text=name)).to_be_visible()
    assert "status=suspended" in page.evaluate("location.hash")

    # The officer's next sign-in (here on another phone) is refused, saying why and whom to ask.
    forget_minute_limit(pwa_server, mobile)
    again = phone(viewport=VIEWPORT).new_page()
    again.goto(f"{pwa_server.url}/#/signin")
    again.get_by_label("Nomor HP").fill(mobile)
    sent = codes_sent(pwa_server, mobile)
    again.get_by_role("button", name="Kirim kode").click()
    again.get_by_label("Kode dari SMS").fill(next_code(pwa_server, mobile, sent))
    again.get_by_role("button", name="Masuk", exact=True).click()
    expect(again.get_by_text("Akun ini ditangguhkan. Hubungi admin MPP wilayah Anda.")).to_be_visible()
    looked_at(again, pwa_server, "admin-staff-suspended-sign-in")

    # Another admin moves them to another agency meanwhile: this screen's reinstatement is refused, said clearly,
    # and "Muat ulang" shows the person as they are now; then it works.
    account = card.get_attribute("data-id")
    with pwa_server.api() as client:
        url = f"/api/v1/admin/staff/{account}"
        read = client.get(url, headers=bearer(admin))
        moved = client.patch(
            url, json={"agency": "DPMPTSP"}, headers={**bearer(admin), "If-Match": read.headers["etag"]}
        )
        assert moved.status_code == 200, moved.text
    card.locator("summary").click()
    card.get_by_role("button", name="Pulihkan akun").click()
    expect(card.get_by_role("alert")).to_have_text(
        "Data ini baru diubah oleh admin lain. Muat ulang untuk melihat perubahan."
    )
    expect(card).to_contain_text("Dinas Kependudukan")
    card.get_by_role("button", name="Muat ulang").scroll_into_view_if_needed()
    looked_at(page, pwa_server, "admin-staff-conflict")
    card.get_by_role("button", name="Muat ulang").click()
    expect(card).to_contain_text("Dinas Penanaman Modal")
    card.get_by_role("button", name="Pulihkan akun").click()
    expect(card.locator(".adm-said")).to_have_text(f"{name} bisa masuk lagi.")
    expect(card.locator(".adm-badges")).to_contain_text("Aktif")
    assert errors == [] and officer_errors == []
