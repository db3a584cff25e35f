"""The whole journey in one run, as issue 7 describes it, in real Chromium: a citizen on a throttled mid-range
phone profile signs in by code, uploads documents and applies with them, losing the network mid-way (a reload
while offline keeps everything; the submission waits in the outbox and goes once the network is back); an
officer at a desk (a second browser context) reviews, verifies, approves and completes; the citizen sees the
new status and the in-app notification, and the result document in the wallet carries a QR whose link
verifies."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from api.accounts.identity import nik_birth_date
from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, decide, fill_in, inbox_row, kk_service
from tests.support.files import jpeg
from tests.support.identity import random_nik

pytestmark = pytest.mark.e2e

DESK = {"width": 1280, "height": 900}
# Chrome DevTools' "Fast 4G" network and a mid-range phone's CPU (4× slower than this machine's core).
NETWORK = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
CPU_SLOWDOWN = 4


class Phone:
    """A throttled phone: slow CPU and network on the page, and a switch for the signal.

    Playwright's own offline switch (it also covers the service worker's requests) and our network throttling
    both set the page's network conditions; each change sets both, ours last, so neither undoes the other.
    """

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.page = context.new_page()
        self.cdp = context.new_cdp_session(self.page)
        self.cdp.send("Network.enable")
        self.cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        self.signal(True)

    def signal(self, on: bool) -> None:
        self.context.set_offline(not on)
        self.cdp.send("Network.emulateNetworkConditions", {**NETWORK, "offline": not on})


def sign_in_by_code(page: Page, pwa_server: PwaServer, mobile: str) -> str:
    """Sign in as a new account and save the first profile; returns the NIK typed."""
    nik = random_nik()
    page.goto(f"{pwa_server.url}/#/signin")
    page.get_by_label("Nomor HP").fill(mobile)
    sent = pwa_server.code_count(mobile)
    page.get_by_role("button", name="Kirim kode").click()
    page.get_by_label("Kode dari SMS").fill(pwa_server.last_code(mobile, after=sent))
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lengkapi data Anda")
    page.get_by_label("Nama lengkap").fill("Dewi Lestari")
    # A NIK with a real birth date: applying needs the profile this step saves (issue 13, item 6).
    page.get_by_label("NIK (boleh nanti)").fill(nik)
    page.get_by_role("button", name="Simpan dan lanjutkan").click()
    # Saved: the app moves on by itself (wait for it, or its navigation would undo the next page.goto).
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Lengkapi data Anda")
    expect(page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Dompet")).to_be_visible()
    return nik


def upload(page: Page, doc_type: str, colour: str) -> None:
    page.get_by_label("Jenis dokumen").select_option(doc_type)
    image = jpeg(colour, size=(640, 400))
    page.set_input_files("#wallet-camera", files=[{"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": image}])
    page.get_by_role("button", name="Unggah", exact=True).click()


def test_citizen_applies_officer_completes_citizen_gets_the_result(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    service = kk_service(pwa_server)
    device = Phone(phone())
    citizen = device.page
    errors: list[str] = []
    citizen.on("pageerror", lambda e: errors.append(str(e)))

    # 1. Sign in by code, as a new account.
    nik = sign_in_by_code(
        citizen, pwa_server, "+62813" + uuid.uuid4().hex[:8].translate(str.maketrans("abcdef", "123456"))
    )

    # 1b. Prove the identity in Settings (a new family card needs assurance "registry"): the registry (the
    # server's fake, in development) knows her, and the form starts from her profile.
    person = {"nik": nik, "name": "Dewi Lestari", "birthDate": nik_birth_date(nik)[0].isoformat()}
    with pwa_server.api() as client:
        assert client.post("/_dev/registry/_test/people", json=person).status_code == 201
    citizen.goto(f"{pwa_server.url}/#/settings")
    citizen.locator("#settings-identity-link").click()
    citizen.get_by_role("button", name="Verifikasi", exact=True).click()
    expect(citizen.locator("#identity-outcome")).to_contain_text("Identitas Anda terverifikasi")

    # 2. Upload the two documents the service needs, from the wallet screen.
    citizen.goto(f"{pwa_server.url}/#/wallet")
    upload(citizen, "KK", "#3366aa")
    expect(citizen.locator("#wallet-list > li")).to_have_count(1, timeout=20_000)
    upload(citizen, "KTP_EL", "#aa6633")
    expect(citizen.locator("#wallet-list > li")).to_have_count(2, timeout=20_000)

    # 3. Apply from the service's page, the documents pre-selected.
    citizen.goto(f"{pwa_server.url}/#/services/{service['id']}")
    citizen.get_by_role("link", name="Ajukan secara daring").click()
    fill_in(citizen)
    # The network drops on the review step, and the page is reloaded: the app and everything typed are still
    # there (the shell from the service worker, the draft from IndexedDB).
    device.signal(False)
    citizen.reload()
    expect(citizen.get_by_role("heading", name="Langkah 3 dari 3: Periksa dan kirim")).to_be_visible(timeout=20_000)
    expect(citizen.locator(".review")).to_contain_text("Pisah KK dalam satu alamat")
    # Sent while offline: saved on this phone, in the outbox; back online, received by MPP — once.
    citizen.get_by_role("button", name="Kirim permohonan").click()
    receipt = citizen.locator("#receipt")
    expect(receipt).to_have_attribute("data-state", "pending")
    expect(receipt).to_contain_text("Tersimpan di ponsel ini")
    device.signal(True)
    citizen.goto(f"{pwa_server.url}/#/outbox")
    expect(citizen.locator("#outbox li[data-state]")).to_have_attribute("data-state", "received", timeout=30_000)
    receipt = citizen.locator("#outbox li[data-state]")
    token = citizen.evaluate("async () => (await import('/js/session.js')).accessToken()")
    with pwa_server.api() as client:
        mine = client.get("/api/v1/applications", headers={"Authorization": f"Bearer {token}"}).json()["items"]
    assert len(mine) == 1 and mine[0]["status"] == "submitted"  # exactly one, despite the replays
    app_id, number = mine[0]["id"], mine[0]["number"]
    assert number in receipt.inner_text()

    # 4. An officer of the agency and region, in a second browser context at a desk, reviews and decides.
    officer = phone(viewport=DESK, is_mobile=False, has_touch=False).new_page()
    officer.on("pageerror", lambda e: errors.append(str(e)))
    pwa_server.open_signed_in(
        officer, pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region="3302"), "/officer"
    )
    row = inbox_row(officer, app_id)
    expect(row).to_contain_text(number, timeout=15_000)
    row.get_by_role("link", name=number).click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text(number)
    decide(officer, "Mulai periksa")
    expect(officer.get_by_role("status").filter(has_text="Status sekarang: Sedang diperiksa")).to_be_visible()
    documents = officer.locator(".off-doc")
    expect(documents).to_have_count(2)
    for i in range(2):
        documents.nth(i).get_by_role("button", name="Sah", exact=True).click()
        expect(documents.nth(i)).to_contain_text("Terverifikasi")
    decide(officer, "Setujui", confirm=True)
    expect(officer.get_by_role("status").filter(has_text="Status sekarang: Disetujui")).to_be_visible()
    decide(officer, "Selesaikan dan terbitkan hasil", confirm=True)
    expect(officer.get_by_role("status").filter(has_text="Status sekarang: Selesai")).to_be_visible()

    # 5. The citizen sees the new status, the timeline, and the in-app notification.
    citizen.goto(f"{pwa_server.url}/#/applications/{app_id}")
    expect(citizen.get_by_role("heading", level=1)).to_be_visible()
    expect(citizen.locator("main")).to_contain_text("Selesai", timeout=15_000)
    citizen.goto(f"{pwa_server.url}/#/notifications")
    expect(citizen.locator("main")).to_contain_text(number, timeout=15_000)

    # 6. The result document is in the wallet as issued, with a QR code whose link verifies on /v/.
    with pwa_server.api() as client:
        token = citizen.evaluate("async () => (await import('/js/session.js')).accessToken()")
        auth = {"Authorization": f"Bearer {token}"}
        final = client.get(f"/api/v1/applications/{app_id}", headers=auth).json()
        assert final["status"] == "completed" and final["resultDocument"]
        result = client.get(f"/api/v1/wallet/documents/{final['resultDocument']}", headers=auth).json()
    assert result["status"] == "issued"
    citizen.goto(f"{pwa_server.url}/#/wallet/{result['id']}")
    qr = citizen.get_by_role("img", name="Kode QR untuk memeriksa keaslian dokumen ini")
    expect(qr).to_be_visible(timeout=15_000)
    citizen.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=qr.element_handle(), timeout=15_000)
    link = urlsplit(result["attestation"]["verificationUrl"])
    verifier = citizen.context.new_page()
    verifier.goto(f"{pwa_server.url}{link.path}#{link.fragment}")
    expect(verifier.locator(".verdict")).to_have_text("Sah", timeout=15_000)
    assert errors == [], errors
