"""Officer mode in a real Chromium: the inbox with filters in the URL, claim and bulk start of review, the review
screen with its document viewer, inline verification and decisions with reasons, the conflict when two officers
decide at once, another region's officer kept out, and the supervisor's workload with broker flags."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PHONE, PwaServer, bearer, decide, inbox_row, submitted_application
from tests.support.files import jpeg

pytestmark = pytest.mark.e2e

# A region of its own (Kota Surakarta): the session's other browser tests fill Banyumas's inbox, and the
# inbox shows 20 at a time.
REGION = "3372"
SERVICE = "kk-baru"
DESK = {"width": 1280, "height": 900}
AXE = Path(__file__).resolve().parents[2] / "tools" / "node_modules" / "axe-core" / "axe.min.js"


def desk(phone: Callable[..., BrowserContext]) -> Page:
    page = phone(viewport=DESK, is_mobile=False, has_touch=False, bypass_csp=True).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


def no_errors(page: Page) -> None:
    assert page.errors == [], page.errors  # type: ignore[attr-defined]


def no_serious_violations(page: Page) -> None:
    """axe-core on the screen as it is now: nothing serious or critical (WCAG 2.2 AA rules). The context needs
    bypass_csp, since the script is injected inline."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }))
            .violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)"""
    )
    assert found == [], found


def test_inbox_review_correction_and_completion(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    citizen, application = submitted_application(pwa_server, REGION)
    number, app_id = application["number"], application["id"]
    officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    page = desk(phone)
    pwa_server.open_signed_in(page, officer, "/officer")
    expect(page.get_by_role("heading", level=1, name="Kotak masuk permohonan")).to_be_visible(timeout=15_000)

    # Filters go into the URL, so a reload (or Back) keeps them.
    page.get_by_label("Status").select_option("submitted")
    page.get_by_label("Layanan").select_option(SERVICE)
    page.get_by_label("Jatuh tempo dalam 2 hari kerja").check()
    page.get_by_role("button", name="Tampilkan").click()
    expect(page).to_have_url(re.compile(r"#/officer\?status=submitted&soon=1&service=kk-baru$"))
    page.reload()
    expect(page.get_by_label("Status")).to_have_value("submitted")
    expect(page.get_by_label("Jatuh tempo dalam 2 hari kerja")).to_be_checked()
    row = page.locator(f"#off-row-{app_id}")
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("Penerbitan Kartu Keluarga")
    expect(row).to_contain_text("Diajukan")
    expect(row).to_contain_text("Belum ada yang memegang")
    # The overdue filter leaves out an application that is not late.
    page.get_by_label("Hanya yang terlambat").check()
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.get_by_text("Tidak ada permohonan yang cocok.")).to_be_visible()
    page.go_back()
    expect(row).to_be_visible()

    # Claim it.
    row.get_by_role("button", name=f"Ambil {number}").click()
    expect(row).to_contain_text("Anda")
    expect(page.locator("#off-message")).to_contain_text(f"{number} sekarang Anda pegang.")

    # "Select all on this page" selects every row; then the bulk start on ours alone.
    rows = page.locator(".off-item").count()
    page.get_by_label("Pilih semua di halaman ini").check()
    expect(page.locator("#off-selected")).to_have_text(f"{rows} dipilih")
    page.get_by_label("Pilih semua di halaman ini").uncheck()
    expect(page.locator("#off-selected")).to_have_text("0 dipilih")
    page.get_by_label(f"Pilih {number}").check()
    expect(page.locator("#off-selected")).to_have_text("1 dipilih")
    page.get_by_role("button", name="Mulai periksa yang dipilih").click()
    expect(page.locator("#off-message")).to_have_text(re.compile(r"^1 mulai diperiksa, 0 dilewati"))
    # It is no longer "submitted", so the filtered list drops it.
    expect(row).to_have_count(0)
    page.set_viewport_size(PHONE)
    page.goto(f"{pwa_server.url}/#/officer")
    expect(page.locator(f"#off-row-{app_id}")).to_contain_text("Sedang diperiksa")
    pwa_server.screenshot(page, "officer-inbox")
    no_serious_violations(page)
    page.set_viewport_size(DESK)

    # Review: answers with their labels, the documents in the viewer.
    page.locator(f"#off-row-{app_id}").get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    expect(page.locator(".off-answers")).to_contain_text("NIK kepala keluarga baru")
    expect(page.locator(".off-answers")).to_contain_text("Membentuk keluarga baru (menikah)")
    page.get_by_role("button", name="Lihat Kartu Keluarga (KK)").click()
    image = page.get_by_role("img", name="Gambar Kartu Keluarga (KK)")
    expect(image).to_be_visible()
    assert page.evaluate("() => document.querySelector('.off-viewer img').naturalWidth") == 640
    page.get_by_role("button", name="Perbesar").click()
    expect(page.get_by_text("Perbesaran 150%")).to_be_visible()

    # Verify inline: one valid, one not valid (a reason is required).
    documents = page.locator(".off-doc")
    expect(documents).to_have_count(2)
    first = documents.nth(0)
    first.get_by_role("button", name="Sah", exact=True).click()
    expect(documents.nth(0)).to_contain_text("Terverifikasi")
    second = documents.nth(1)
    second.get_by_role("button", name="Tidak sah").click()
    second.get_by_role("button", name="Tandai tidak sah").click()
    expect(second.get_by_text("Tulis alasannya.")).to_be_visible()
    second.get_by_label("Alasan dokumen tidak sah").fill("Foto buram, tulisan tidak terbaca.")
    second.get_by_role("button", name="Tandai tidak sah").click()
    expect(documents.nth(1)).to_contain_text("Tidak sah")

    # Ask for a correction: without a reason it is refused on the screen, with one it is saved.
    page.get_by_role("radio", name="Minta perbaikan").check()
    page.get_by_role("button", name="Simpan keputusan").click()
    expect(page.locator("#off-decide-error")).to_have_text("Tulis alasannya.")
    expect(page.locator("#off-reason")).to_be_focused()
    decide(page, "Minta perbaikan", "Unggah ulang KTP-el yang jelas.")
    expect(page.get_by_role("status").filter(has_text="Status sekarang: Perlu perbaikan")).to_be_visible()
    expect(page.locator(".off-timeline")).to_contain_text("Unggah ulang KTP-el yang jelas.")
    page.set_viewport_size(PHONE)
    page.evaluate("() => window.scrollTo(0, 0)")
    pwa_server.screenshot(page, "officer-review")
    no_serious_violations(page)
    page.set_viewport_size(DESK)

    # The citizen sends it back (through the API); the officer approves and completes.
    with pwa_server.api() as client:
        mine = client.get(f"/api/v1/applications/{app_id}", headers=bearer(citizen)).json()
        assert mine["status"] == "needs_correction" and mine["actionNeeded"] == "Unggah ulang KTP-el yang jelas."
        # The rejected document is replaced by a new upload of the same type.
        rejected = next(d for d in mine["documents"] if d["status"] == "rejected")
        kept = [d["id"] for d in mine["documents"] if d["status"] != "rejected"]
        again = client.post(
            "/api/v1/wallet/documents",
            files={"file": ("ktp.jpg", jpeg("#335577", size=(640, 400)), "image/jpeg")},
            data={"type": rejected["type"]["code"]},
            headers=bearer(citizen),
        )
        assert again.status_code == 201, again.text
        body = {"answers": {**mine["answers"], "phone": "081299990001"}, "documentIds": [*kept, again.json()["id"]]}
        back = client.post(f"/api/v1/applications/{app_id}/resubmit", json=body, headers=bearer(citizen))
        assert back.status_code == 200, back.text
    page.reload()
    expect(page.locator(".off-head")).to_contain_text("Sedang diperiksa")
    decide(page, "Setujui", confirm=True)
    expect(page.get_by_role("status").filter(has_text="Status sekarang: Disetujui")).to_be_visible()
    decide(page, "Selesaikan dan terbitkan hasil", confirm=True)
    expect(page.get_by_role("status").filter(has_text="Status sekarang: Selesai")).to_be_visible()
    expect(page.get_by_text("Tidak ada keputusan yang bisa diambil pada status ini.")).to_be_visible()
    no_errors(page)

    with pwa_server.api() as client:
        final = client.get(f"/api/v1/applications/{app_id}", headers=bearer(citizen)).json()
    assert final["status"] == "completed" and final["resultDocument"]
    actions = [e["action"] for e in final["timeline"] if e["action"] != "assign"]
    assert actions == ["submit", "start_review", "request_correction", "resubmit", "approve", "complete"]
    assert any(e.get("reason") == "Unggah ulang KTP-el yang jelas." for e in final["timeline"])


def test_two_officers_deciding_at_once(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    _citizen, application = submitted_application(pwa_server, REGION)
    path = f"/officer/applications/{application['id']}"
    first, second = desk(phone), desk(phone)
    pwa_server.open_signed_in(first, pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION), path)
    pwa_server.open_signed_in(second, pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION), path)
    for page in (first, second):
        expect(page.get_by_role("heading", level=1)).to_contain_text(application["number"], timeout=15_000)

    decide(first, "Mulai periksa")
    expect(first.get_by_role("status").filter(has_text="Status sekarang: Sedang diperiksa")).to_be_visible()
    # The second officer still sees "submitted" and rejects: the API refuses the stale version.
    decide(second, "Tolak", "Bukan wilayah kami.", confirm=True)
    conflict = second.locator(".off-conflict")
    expect(conflict).to_contain_text("baru saja diubah oleh petugas lain")
    expect(conflict).to_be_focused()
    expect(second.locator("#off-reason")).to_have_value("Bukan wilayah kami.")
    conflict.get_by_role("button", name="Muat ulang").click()
    expect(second.locator(".off-head")).to_contain_text("Sedang diperiksa")
    # What they typed is still there, and the choices are now those of "in review".
    expect(second.locator("#off-reason")).to_have_value("Bukan wilayah kami.")
    expect(second.get_by_role("radio", name="Setujui")).to_be_visible()
    no_errors(first)
    no_errors(second)


def test_officer_of_another_region_cannot_open_it(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    _citizen, application = submitted_application(pwa_server, REGION)
    page = desk(phone)
    elsewhere = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region="3471")
    pwa_server.open_signed_in(page, elsewhere, f"/officer/applications/{application['id']}")
    expect(page.get_by_role("heading", level=1, name="Permohonan tidak ditemukan")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("bukan milik instansi dan daerah Anda")).to_be_visible()
    # Nor is it in their inbox.
    page.goto(f"{pwa_server.url}/#/officer")
    expect(page.locator("#off-count")).to_contain_text("permohonan")
    expect(page.locator(f"#off-row-{application['id']}")).to_have_count(0)
    no_errors(page)


def test_supervisor_sees_workload_and_broker_flags(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    citizen, application = submitted_application(pwa_server, REGION)
    # A broker flag as the submission rule would raise it (five people in thirty days without mandates).
    with pwa_server.api() as client:
        account = client.get("/api/v1/me", headers=bearer(citizen)).json()["id"]

    async def flag() -> None:
        conn = await asyncpg.connect(pwa_server.database_url)
        try:
            await conn.execute(
                "INSERT INTO applications_broker_flag (id, account, region, people, window_days, created_at) "
                "VALUES ($1, $2, $3, 7, 30, now())",
                uuid.uuid4(),
                uuid.UUID(account),
                REGION,
            )
        finally:
            await conn.close()

    # Playwright's sync API runs its own event loop in this thread: the database write runs in another one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, flag()).result()

    # A plain officer gets a polite explanation, not an error.
    page = desk(phone)
    plain = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    pwa_server.open_signed_in(page, plain, "/officer/workload")
    expect(page.get_by_text("Halaman ini untuk supervisor.")).to_be_visible(timeout=15_000)

    # bypass_csp lets the test inject axe-core; the app itself runs under its normal policy elsewhere.
    page = phone(bypass_csp=True).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # type: ignore[attr-defined]
    supervisor = pwa_server.staff_sign_in("supervisor", agency="DISDUKCAPIL", region=REGION)
    pwa_server.open_signed_in(page, supervisor, "/officer/workload")
    expect(page.get_by_role("heading", level=1, name="Beban kerja petugas")).to_be_visible(timeout=15_000)
    workload = page.get_by_role("table", name="Permohonan terbuka per petugas")
    expect(workload.get_by_role("columnheader", name="Terlambat")).to_be_visible()
    unassigned = workload.get_by_role("row").filter(has_text="Belum ada yang memegang")
    expect(unassigned).to_be_visible()
    open_count = int(unassigned.get_by_role("cell").nth(0).inner_text())
    assert open_count >= 1
    flags = page.get_by_role("table", name="Akun yang ditandai")
    expect(flags.get_by_role("row").filter(has_text="Siti Aminah")).to_contain_text("7")
    pwa_server.screenshot(page, "officer-workload")
    no_serious_violations(page)

    # In the inbox a supervisor can hand an application to a colleague who already holds work.
    held = workload.get_by_role("row").filter(has_text=re.compile(r"Petugas \d{4}")).first
    colleague = held.get_by_role("rowheader").inner_text()
    page.goto(f"{pwa_server.url}/#/officer")
    row = inbox_row(page, application["id"])
    expect(row).to_contain_text("Belum ada yang memegang", timeout=15_000)
    row.get_by_text("Serahkan ke").click()
    row.get_by_label(f"Serahkan {application['number']} ke rekan").select_option(label=colleague)
    row.get_by_role("button", name="Serahkan", exact=True).click()
    expect(page.locator("#off-message")).to_have_text(f"{application['number']} diserahkan ke {colleague}.")
    expect(page.locator(f"#off-row-{application['id']}")).to_contain_text(colleague)
    no_errors(page)
