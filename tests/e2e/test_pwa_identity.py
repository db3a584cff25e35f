"""The officer's counter check in the browser, on a 360 px phone: find the citizen by phone number or
application number, compare the account with the KTP-el, record it; the citizen's account becomes "in person".

(The citizen's own verification in Settings is driven in test_pwa_profile_uploads.py, where the apply flow
sends her there and back.)
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, bearer, submitted_application, watch_errors
from tests.support.identity import random_nik

pytestmark = pytest.mark.e2e

PHONE_360 = {"width": 360, "height": 740}
REGION = "3372"  # a region of its own, as the officer tests


def test_the_officer_checks_a_ktp_el_at_the_counter(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    nik = random_nik()
    citizen = pwa_server.sign_in()
    with pwa_server.api() as client:
        saved = client.patch("/api/v1/me", json={"name": "Ratna Sari", "nik": nik}, headers=bearer(citizen))
        assert saved.status_code == 200 and saved.json()["assurance"] == "phone", saved.text
    officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)

    page = phone(viewport=PHONE_360).new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, officer, "/officer")
    page.locator("#nav").get_by_role("link", name="KTP-el").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Periksa KTP-el di loket")
    page.get_by_label("Nomor", exact=True).fill(citizen["phone"])
    page.get_by_role("button", name="Cari").click()

    card = page.locator("#off-id-card")
    expect(card.locator("#off-id-name")).to_have_text("Ratna Sari")
    expect(card.locator("#off-id-nik")).to_have_text(nik[:4] + "********" + nik[-4:])
    expect(card).to_contain_text("nomor HP saja")
    expect(card).to_contain_text("tidak menyimpan foto")
    page.get_by_role("button", name="Cocok dengan KTP-el").click()
    expect(page.locator("#off-id-status")).to_have_text("Tercatat: identitas diperiksa langsung.")
    expect(page.locator("#off-id-level")).to_contain_text("diperiksa langsung di loket MPP")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_360["width"]
    pwa_server.screenshot(page, "officer-identity")
    with pwa_server.api() as client:
        assert client.get("/api/v1/me", headers=bearer(citizen)).json()["assurance"] == "in_person"

    # By application number: the applicant of a submitted application (already registry-verified).
    _, application = submitted_application(pwa_server, REGION, name="Yusuf Lubis")
    page.get_by_label("Cari dengan").select_option("application")
    page.get_by_label("Nomor", exact=True).fill(application["number"])
    page.get_by_role("button", name="Cari").click()
    expect(card.locator("#off-id-name")).to_have_text("Yusuf Lubis")
    expect(card).to_contain_text("terverifikasi Dukcapil")
    # Someone unknown: said in words.
    page.get_by_label("Cari dengan").select_option("phone")
    page.get_by_label("Nomor", exact=True).fill("081200000001")
    page.get_by_role("button", name="Cari").click()
    expect(page.locator("#off-id-error")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_360["width"]
    assert not errors, errors
