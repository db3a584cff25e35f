"""A document's QR code verifies on another device with the network off (Chromium, Playwright)."""

from __future__ import annotations

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
