"""The wallet in a real Chromium: upload a photo and a PDF through the screen, open a document, read the list
offline."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, watch_errors
from tests.support.files import pdf

pytestmark = pytest.mark.e2e


def photo(width: int, height: int, color: str = "#3080c0") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def test_upload_a_photo_and_a_pdf_then_open_one(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    page = phone().new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, pwa_server.sign_in(), "/wallet")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dompet dokumen")
    expect(page.locator("#wallet-status")).to_contain_text("masih kosong")
    upload = page.get_by_role("button", name="Unggah", exact=True)

    # Nothing chosen: said in words, next to the field.
    upload.click()
    expect(page.locator("#wallet-type-error")).to_have_text("Pilih jenis dokumen.")

    # A big camera photo of a KTP: shrunk in the browser to ≤ 2000 px JPEG before it goes out.
    page.get_by_label("Jenis dokumen").select_option("KTP_EL")
    expect(page.locator("#wallet-formats")).to_contain_text("JPEG")
    big = photo(3000, 1800)
    page.set_input_files("#wallet-camera", files=[{"name": "ktp.png", "mimeType": "image/png", "buffer": big}])
    expect(page.locator("#wallet-chosen")).to_contain_text("ktp.png")
    upload.click()
    items = page.locator("#wallet-list > li")
    expect(items).to_have_count(1, timeout=20_000)
    expect(items.first).to_contain_text("KTP Elektronik")
    expect(items.first).to_contain_text("Menunggu pemeriksaan")
    expect(items.first).to_contain_text("ktp.jpg")  # re-encoded as JPEG

    # A PNG for a type that takes only PDF: refused before any upload.
    page.get_by_label("Jenis dokumen").select_option("AKTA_JUAL_BELI")
    page.set_input_files("#wallet-file", files=[{"name": "ajb.png", "mimeType": "image/png", "buffer": photo(20, 20)}])
    upload.click()
    expect(page.locator("#wallet-file-error")).to_have_text(re.compile("hanya menerima berkas PDF"))
    # A damaged PDF: the server's problem is shown, translated.
    broken = b"%PDF-1.7 broken"
    page.set_input_files("#wallet-file", files=[{"name": "ajb.pdf", "mimeType": "application/pdf", "buffer": broken}])
    upload.click()
    expect(page.locator("#wallet-file-error")).to_have_text("Berkas rusak dan tidak bisa dibaca.", timeout=20_000)
    # A real one.
    page.set_input_files("#wallet-file", files=[{"name": "ajb.pdf", "mimeType": "application/pdf", "buffer": pdf()}])
    upload.click()
    expect(items).to_have_count(2, timeout=20_000)
    expect(page.locator("#wallet-file-error")).to_be_hidden()
    expect(page.locator("#wallet-list")).to_contain_text("Akta Jual Beli")
    pwa_server.screenshot(page, "citizen-wallet")

    # The photo's page: details, a preview fetched with the token, sharing.
    page.get_by_role("link", name="KTP Elektronik (KTP-el)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("KTP Elektronik (KTP-el)")
    preview = page.locator("#wallet-preview img")
    expect(preview).to_be_visible(timeout=15_000)
    assert page.evaluate("() => document.querySelector('#wallet-preview img').naturalWidth") == 2000
    page.get_by_label("Untuk keperluan apa?").fill("Pengajuan kredit bank")
    page.get_by_role("button", name="Buat tautan").click()
    link = page.get_by_label("Tautan", exact=True)
    expect(link).to_have_value(re.compile(r"/api/v1/shared/"))
    expect(page.locator("#wallet-links > li")).to_have_count(1)
    pwa_server.screenshot(page, "citizen-document")

    # The link works for whoever receives it, until it is revoked.
    url = link.input_value()
    shared_path = url[url.index("/api/v1/shared/") :]
    with pwa_server.api() as client:
        assert client.get(shared_path).status_code == 200
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cabut tautan").click()
    expect(page.locator("#wallet-links > li")).to_have_count(0)
    with pwa_server.api() as client:
        assert client.get(shared_path).status_code in (404, 410)

    # Delete, after confirming.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Hapus dokumen").click()
    expect(page).to_have_url(f"{pwa_server.url}/#/wallet")
    expect(items).to_have_count(1)
    assert errors == []


def test_the_wallet_list_is_readable_offline(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    context = phone()
    page = context.new_page()
    errors = watch_errors(page)
    tokens = pwa_server.sign_in()
    with pwa_server.api() as client:
        uploaded = client.post(
            "/api/v1/wallet/documents",
            files={"file": ("kk.png", photo(40, 30), "image/png")},
            data={"type": "KK"},
            headers={"Authorization": f"Bearer {tokens['accessToken']}"},
        )
        assert uploaded.status_code == 201, uploaded.text
    pwa_server.open_signed_in(page, tokens, "/wallet")
    expect(page.locator("#wallet-list > li")).to_have_count(1)
    expect(page.locator("#wallet-status")).to_have_text("1 dokumen")

    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Beranda").click()
    # Offline use starts once the service worker holds the app's files (a phone's first visit installs it); on a
    # loaded machine that takes longer than the screens above, and the views opened below come from its cache.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    context.set_offline(True)
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Dompet").click()
    expect(page.locator("#wallet-status")).to_contain_text("Data tersimpan dari")
    expect(page.locator("#wallet-list > li")).to_have_count(1)
    expect(page.locator("#wallet-list")).to_contain_text("Kartu Keluarga")
    # Uploading needs the network, and the screen says so instead of failing later.
    page.get_by_role("button", name="Unggah", exact=True).click()
    expect(page.locator("#wallet-file-error")).to_have_text("Mengunggah perlu koneksi internet.")
    # Its page shows what the phone knows.
    page.locator("#wallet-list a").first.click()
    expect(page.locator("#wallet-document")).to_contain_text("hanya ringkasan")
    context.set_offline(False)
    assert errors == []
