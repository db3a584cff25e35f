"""A document's QR code verifies on another device with the network off (Chromium, Playwright)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.pwa import *  # noqa: F403  (the shared Chromium and server fixtures)
from tests.e2e.pwa import PwaServer
from tests.support.attestation import attestation
from tests.support.server import Server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(pwa_server: PwaServer) -> tuple[Server, Path]:
    """The server and its data folder, whose key ring signs the attestations here as it signs its own."""
    return pwa_server.server, pwa_server.data_dir


def test_qr_verifies_offline(server: tuple[Server, Path], browser: Browser) -> None:
    srv, data_dir = server
    token = attestation(data_dir)
    context = browser.new_context(locale="id-ID")
    page: Page = context.new_page()
    # Once online: the page, its code and the public keys are kept on the device.
    page.goto(srv.url + "/v/")
    expect(page.locator("#result")).to_contain_text("Pindai kode QR")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    expect(page.locator("#result")).to_contain_text("Pindai kode QR")
    # Now the network is gone, and a printout's QR code is scanned.
    context.set_offline(True)
    page.goto(srv.url + "/v/#" + token)
    verdict = page.locator("[data-verdict]")
    expect(verdict).to_have_attribute("data-verdict", "valid")
    expect(page.locator("#result")).to_contain_text("tanpa internet")
    expect(page.locator("#result")).to_contain_text("Dinas Kependudukan dan Pencatatan Sipil")
    # The holder's NIK can be matched on the spot, without it leaving the page.
    page.get_by_label("NIK pada KTP-el pemegang").fill("3302015708900002")
    page.get_by_role("button", name="Periksa").click()
    expect(page.get_by_role("status")).to_contain_text("NIK cocok")
    # A forged token is refused, offline too.
    head, body, sig = token.split(".")
    page.goto(srv.url + "/v/#" + f"{head}.{body}.{sig[::-1]}")
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "invalid")
    context.close()


def test_expired_attestation_online(server: tuple[Server, Path], browser: Browser) -> None:
    srv, data_dir = server
    token = attestation(data_dir, valid_days=-1)
    context = browser.new_context()
    page = context.new_page()
    page.goto(srv.url + "/v/#" + token)
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "expired")
    expect(page.locator("#result")).to_contain_text("server MPP Digital")
    context.close()


def test_the_check_page_speaks_the_language_chosen_in_the_app(server: tuple[Server, Path], browser: Browser) -> None:
    """Issue 13, item 10: the QR check page said everything in Indonesian after a person had chosen English in the
    app. Indonesian is the default; English chosen (kept on the device) gives English words, English dates."""
    srv, data_dir = server
    token = attestation(data_dir)
    context = browser.new_context(locale="en-GB")  # the browser's own language does not choose: Indonesian first
    page = context.new_page()
    page.goto(srv.url + "/v/#" + token)
    result = page.locator("#result")
    expect(page.locator("[data-verdict]")).to_have_text("Sah", timeout=15_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("Verifikasi dokumen")
    expect(result).to_contain_text("Instansi")
    expect(result).to_contain_text("Diperiksa dengan server MPP Digital.")
    expect(page.get_by_label("NIK pada KTP-el pemegang")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "id"
    assert page.title() == "Verifikasi dokumen — MPP Digital"

    # English chosen in the app on this device (the same origin keeps the choice), then a QR code scanned.
    page.goto(srv.url + "/#/")
    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_role("button", name="Ganti ke Bahasa Indonesia")).to_be_visible()
    page.goto(srv.url + "/v/#" + token)
    expect(page.locator("[data-verdict]")).to_have_text("Valid", timeout=15_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("Document check")
    for words in ("Agency", "Valid until", "Checked with the MPP Digital server.", "Match with the holder's NIK"):
        expect(result).to_contain_text(words)
    for words in ("Instansi", "Berlaku sampai", "Diperiksa", "Cocokkan"):
        expect(result).not_to_contain_text(words)
    # Dates in English too ("5 December 2027"), not "5 Desember 2027".
    english_months = "January|February|March|April|May|June|July|August|September|October|November|December"
    expect(result.locator("dd").nth(3)).to_have_text(re.compile(rf"^\d{{1,2}} ({english_months}) \d{{4}}$"))
    page.get_by_label("NIK on the holder's KTP-el").fill("3302015708900002")
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("The NIK matches this document.")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.title() == "Document check — MPP Digital"

    # Switched back on the check page itself: Indonesian again, and kept for the app.
    page.get_by_role("button", name="Ganti ke Bahasa Indonesia").click()
    expect(page.locator("[data-verdict]")).to_have_text("Sah")
    expect(result).to_contain_text("Instansi")
    assert page.evaluate("localStorage.getItem('lang')") == "id"
    context.close()
