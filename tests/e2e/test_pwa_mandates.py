"""Family links and mandates in the browser (issue 14 item 4), on a 360 × 740 phone.

A parent whose NIK the registry verified adds, in Settings → "Keluarga dan kuasa", a child the registry's family
card lists with her: the mandate is active at once. A child the card does not list waits for an officer. A
Disdukcapil officer of the regency approves it in officer mode ("Kuasa keluarga"), and the parent then sees it
active. Every screen: nothing wider than the phone, no raw i18n key; screenshots into docs/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import string
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from api.accounts.identity import nik_birth_date
from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, bearer, kk_service, submitted_application, watch_errors
from tests.e2e.queue_world import in_database
from tests.support.identity import random_nik

pytestmark = pytest.mark.e2e

PHONE_360 = {"width": 360, "height": 740}
# The family card's regency: Banyumas, whose Disdukcapil reviews the mandates of its cards.
REGION = "3302"
RAW_KEY = re.compile(r"\b(?:family|mandateSt|officerMandate|title|nav|accountErr)[A-Z_][A-Za-z_]*\b")


def fits(pwa_server: PwaServer, page: Page, name: str | None = None) -> None:
    """Nothing wider than the phone and no raw i18n key on screen; a screenshot for the docs when named."""
    page.wait_for_load_state("networkidle")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= PHONE_360["width"] and width[1] == PHONE_360["width"], f"{name}: wider than the phone: {width}"
    text = page.locator("body").inner_text()
    assert not RAW_KEY.search(text), f"{name}: an i18n key on screen: {RAW_KEY.search(text)}\n{text}"
    if name:
        page.evaluate("() => window.scrollTo(0, 0)")
        pwa_server.screenshot(page, name)


def child_nik() -> str:
    """A Banyumas NIK of a seven-year-old, different on each call."""
    born = dt.date.today().replace(year=dt.date.today().year - 7, day=secrets.randbelow(28) + 1)
    return f"330201{born:%d%m%y}{secrets.randbelow(9000) + 1000}"


def a_name(first: str) -> str:
    """A name no other test uses (letters only, as names are)."""
    return f"{first} {''.join(secrets.choice(string.ascii_lowercase) for _ in range(6)).capitalize()}"


def add_member(page: Page, *, relation: str, nik: str, name: str) -> None:
    page.get_by_label("Hubungan").select_option(relation)
    page.get_by_label("NIK anggota keluarga").fill(nik)
    page.get_by_label("Nama lengkap (sesuai KK)").fill(name)
    page.get_by_role("button", name="Tambahkan dan minta kuasa").click()


def test_a_parent_adds_children_and_an_officer_approves_the_unproven_one(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    card = f"{REGION}01{secrets.randbelow(10**10):010d}"
    parent_nik, own_child, other_child = random_nik(), child_nik(), child_nik()
    parent_name, own_name, other_name = a_name("Wulan"), a_name("Bima"), a_name("Sekar")
    parent = pwa_server.sign_in()
    with pwa_server.api() as client:
        saved = client.patch("/api/v1/me", json={"name": parent_name, "nik": parent_nik}, headers=bearer(parent))
        assert saved.status_code == 200, saved.text
        born = nik_birth_date(own_child)[0].isoformat()
        child = {"nik": own_child, "name": own_name, "birthDate": born, "kk": card, "relationship": "ANAK"}
        assert client.post("/_dev/registry/_test/people", json=child).status_code == 201
    pwa_server.verify_identity(parent, nik=parent_nik, name=parent_name, kk=card)

    page = phone(viewport=PHONE_360).new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, parent, "/settings")
    page.locator("#settings-family-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Keluarga dan kuasa")
    # No KK number in the profile yet: it comes first.
    expect(page.locator("#family-add-section")).to_be_hidden()
    page.get_by_label("Nomor KK", exact=True).fill(card)
    page.get_by_role("button", name="Simpan nomor KK").click()
    expect(page.locator("#family-add-section")).to_be_visible()

    # A child the registry's card lists with her: active at once.
    add_member(page, relation="child", nik=own_child, name=own_name)
    expect(page.locator("#family-outcome")).to_contain_text(f"Kuasa atas {own_name} aktif")
    own = page.locator(".family-member", has_text=own_name)
    expect(own.locator(".family-status")).to_contain_text("Kuasa: aktif")
    expect(own).to_contain_text(own_child[:4] + "********" + own_child[-4:])

    # A child no card lists with her: an officer decides.
    add_member(page, relation="child", nik=other_child, name=other_name)
    expect(page.locator("#family-outcome")).to_contain_text("menunggu pemeriksaan petugas Disdukcapil")
    other = page.locator(".family-member", has_text=other_name)
    expect(other.locator(".family-status")).to_contain_text("Kuasa: menunggu pemeriksaan petugas")
    fits(pwa_server, page, "citizen-family")

    # Applying, she may choose the child her active mandate covers; the NIK she types must be that child's.
    page.goto(f"{pwa_server.url}/#/apply/{kk_service(pwa_server)['id']}")
    chooser = page.get_by_label("Ajukan untuk")
    expect(chooser.locator("option")).to_have_text(["Saya sendiri", own_name])
    chooser.select_option(label=own_name)
    expect(page.locator("#apply-for-nik-hint")).to_contain_text(own_child[:4] + "********" + own_child[-4:])
    fits(pwa_server, page)
    page.goto(f"{pwa_server.url}/#/settings/family")

    # The regency's Disdukcapil officer, in officer mode.
    officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    desk = phone(viewport=PHONE_360).new_page()
    desk_errors = watch_errors(desk)
    pwa_server.open_signed_in(desk, officer, "/officer")
    desk.get_by_role("link", name="Kuasa").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Periksa kuasa keluarga")
    waiting = desk.locator(".off-mandate", has_text=other_name)
    expect(waiting).to_contain_text(parent_name)
    expect(waiting).to_contain_text(other_child[:4] + "********" + other_child[-4:])
    expect(desk.locator(".off-mandate", has_text=own_name)).to_have_count(0)  # proven by the registry: not here
    fits(pwa_server, desk, "officer-mandates")
    # A refusal needs a reason: asked for before anything is sent.
    waiting.get_by_role("button", name="Tolak").click()
    waiting.get_by_role("button", name="Kirim penolakan").click()
    expect(waiting.get_by_role("alert")).to_have_text("Tulis alasan penolakan.")
    waiting.get_by_role("button", name="Setujui: KK mencantumkan keduanya").click()
    expect(desk.locator("#off-mandates-status")).to_have_text(f"Kuasa {other_name} disetujui dan aktif.")
    expect(desk.locator(".off-mandate", has_text=other_name)).to_have_count(0)
    fits(pwa_server, desk)

    # The parent sees it active.
    page.reload()
    approved = page.locator(".family-member", has_text=other_name).locator(".family-status")
    expect(approved).to_contain_text("Kuasa: aktif")
    fits(pwa_server, page)
    assert not errors, errors
    assert not desk_errors, desk_errors


def test_an_officer_of_another_agency_is_not_shown_the_mandates(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    officer = pwa_server.staff_sign_in("officer", agency="DPMPTSP", region=REGION)
    page = phone(viewport=PHONE_360).new_page()
    pwa_server.open_signed_in(page, officer, "/officer")
    expect(page.locator("#nav").get_by_role("link", name="KTP-el")).to_be_visible()
    expect(page.get_by_role("link", name="Kuasa")).to_have_count(0)
    page.goto(f"{pwa_server.url}/#/officer/mandates")
    only = "Hanya petugas Disdukcapil yang memeriksa kuasa keluarga."
    expect(page.locator("#off-mandates-status")).to_have_text(only)
    fits(pwa_server, page)


def test_a_disdukcapil_supervisors_eight_tabs_fit_320(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    supervisor = pwa_server.staff_sign_in("supervisor", agency="DISDUKCAPIL", region=REGION)
    page = phone(viewport={"width": 320, "height": 740}).new_page()
    pwa_server.open_signed_in(page, supervisor, "/officer/mandates")
    nav = page.get_by_role("navigation", name="Menu utama")
    expect(nav.get_by_role("link", name="Kuasa")).to_be_visible()
    expect(nav.get_by_role("link")).to_have_count(8)
    page.wait_for_load_state("networkidle")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('nav *')]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1).length"""
    )
    assert wide == 0 and page.evaluate("document.documentElement.scrollWidth") <= 320


def test_an_officer_records_the_niks_a_family_card_lists_when_verifying_it(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    """Reviewing an application with a KK, the officer may type the NIKs the card lists: a malformed one is refused
    in words before anything is sent; the card is then verified with the NIKs recorded beside its content's hash
    (the fact a parent's mandate over a listed child is activated by, tests/identity/test_family_card.py)."""
    _citizen, application = submitted_application(pwa_server, REGION)
    officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    page = phone(viewport=PHONE_360).new_page()
    watch_errors(page)
    pwa_server.open_signed_in(page, officer, f"/officer/applications/{application['id']}")
    card = page.locator(".off-doc").filter(has_text="Kartu Keluarga")
    niks = card.get_by_label("NIK yang tercantum di KK ini (tidak wajib)")
    expect(niks).to_be_visible(timeout=15_000)
    listed = [random_nik(), random_nik()]
    niks.fill(f"{listed[0]}\n12345")
    card.get_by_role("button", name="Sah", exact=True).click()
    expect(card.get_by_text("Setiap NIK harus 16 angka. Periksa kembali daftar NIK.")).to_be_visible()
    expect(niks).to_have_attribute("aria-invalid", "true")
    niks.fill(f"{listed[0]}\n{listed[1]}\n{listed[0]}")
    fits(pwa_server, page, "officer-kk-niks")
    card.get_by_role("button", name="Sah", exact=True).click()
    expect(page.locator(".off-doc").filter(has_text="Kartu Keluarga")).to_contain_text("Terverifikasi")

    async def recorded(conn: asyncpg.Connection) -> Any:
        return await conn.fetchval(
            "SELECT e.detail->'listed_niks' FROM wallet_document_event e "
            "JOIN applications_document a ON a.document = e.document "
            "WHERE a.application = $1 AND e.action = 'verified' AND e.detail ? 'listed_niks'",
            uuid.UUID(application["id"]),
        )

    assert sorted(json.loads(in_database(pwa_server, recorded))) == sorted(listed)
