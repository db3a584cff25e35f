"""Feedback from the citizen's side (issue 17), in Chromium at 360×740: a citizen rates a completed application
(all nine SKM elements and a comment) and is thanked; a second rating is refused in Indonesian; they complain about
the application with a document from their wallet, see its number and due date and find it in their list; after
the agency answers (through the API), they confirm it. At the kiosk, a served walk-in ticket is rated by its token.

Every screen is checked for a page wider than the phone and for i18n keys shown raw; screenshots go to
docs/screenshots/ (citizen-survey.png, citizen-complaint-new.png, citizen-complaint.png, kiosk-survey.png).
Real server, real API, Debian's Chromium.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.a11y import axe_violations, describe
from tests.e2e.pwa import *  # noqa: F403  (fixtures: pwa_server, browser, phone)
from tests.e2e.pwa import PwaServer, bearer, citizen_with_documents, kk_service, watch_errors
from tests.e2e.queue_world import *  # noqa: F403  (fixture: region, a queue region of the test's own)
from tests.support.applications import answers_for
from tests.support.feedback import ELEMENTS
from tests.support.kiosks import paired_secret

pytestmark = pytest.mark.e2e

PHONE_360 = {"width": 360, "height": 740}
REGION = "3302"
# An i18n key on screen: the app's keys are camelCase words with a prefix, or prefix_snake ("accountErr_x").
RAW_KEY = re.compile(r"\b(fb|kq|skm|title|account|queue|kiosk|application)[A-Z][A-Za-z]*(_[a-z_0-9]+)?\b")


def fits(pwa_server: PwaServer, page: Page, name: str | None = None) -> None:
    """Nothing wider than the phone and no raw i18n key on screen; then, if named, a screenshot for the docs."""
    width = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= PHONE_360["width"] and width[1] == PHONE_360["width"], f"{name}: wider than the phone: {width}"
    text = page.locator("main").inner_text()
    assert not RAW_KEY.search(text), f"{name}: an i18n key on screen: {RAW_KEY.search(text)}\n{text}"
    assert "Terjadi kesalahan" not in text, text
    if name:
        pwa_server.screenshot(page, name)


def answer_all(page: Page, prefix: str, values: dict[str, int]) -> None:
    """Choose an answer for each element, by its card (the label is the touch target)."""
    for element in ELEMENTS:
        page.locator(f"label[for={prefix}-{element}-{values[element]}]").click()


def completed_application(pwa_server: PwaServer) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """A citizen's application to kk-baru, approved and completed by an officer through the API; the citizen's
    tokens, the application and the citizen's wallet documents."""
    service = kk_service(pwa_server, REGION)
    citizen, documents = citizen_with_documents(pwa_server, service, name="Rina Penilai")
    officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    with pwa_server.api() as client:
        submitted = client.post(
            "/api/v1/applications",
            json={"serviceId": service["id"], "answers": answers_for(service), "documentIds": documents},
            headers={**bearer(citizen), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert submitted.status_code == 201, submitted.text
        path = f"/api/v1/officer/applications/{submitted.json()['id']}"
        assert client.post(f"{path}/assign", json={}, headers=bearer(officer)).status_code == 200
        for action in ("start_review", "approve", "complete"):
            decided = client.post(f"{path}/decision", json={"action": action}, headers=bearer(officer))
            assert decided.status_code == 200, decided.text
    return citizen, decided.json(), documents


def test_citizen_rates_an_application_and_complains_about_it(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    citizen, application, _documents = completed_application(pwa_server)
    app_id = application["id"]
    # axe-core is injected as an inline script, which the app's CSP forbids: this context ignores the CSP.
    page = phone(viewport=PHONE_360, bypass_csp=True).new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    errors = watch_errors(page)
    # Home lists the open invitation, and the way to my complaints.
    pwa_server.open_signed_in(page, citizen, "/")
    expect(page.locator("#fb-home-surveys")).to_contain_text("Penerbitan Kartu Keluarga (KK) Baru", timeout=15_000)
    expect(page.get_by_role("link", name="Pengaduan saya")).to_be_visible()
    fits(pwa_server, page)
    page.goto(f"{pwa_server.url}/#/applications/{app_id}")

    # The completed application offers its survey.
    card = page.locator("#fb-app-rate")
    expect(card).to_be_visible(timeout=15_000)
    card.get_by_role("link", name="Beri penilaian").click()
    expect(page.get_by_role("heading", level=1, name="Beri penilaian")).to_be_visible()
    expect(page.locator("#fb-private")).to_have_text("Jawaban Anda tidak ditampilkan kepada petugas.")
    send = page.get_by_role("button", name="Kirim penilaian")
    # Nothing chosen yet: sending is not possible, and the line under the button names what is missing.
    expect(send).to_be_disabled()
    expect(page.locator("input[type=radio]:checked")).to_have_count(0)
    expect(page.locator("#skm-missing")).to_contain_text("1. Persyaratan")
    scores = {"requirements": 4, "procedure": 3, "time": 3, "cost": 4, "product": 4}
    scores |= {"competence": 3, "behaviour": 4, "complaints": 2, "facilities": 3}
    answer_all(page, "skm", scores)
    expect(page.locator("#skm-missing")).to_have_text("Semua pertanyaan sudah dijawab.")
    page.get_by_label("Saran atau komentar (tidak wajib)").fill("Petugasnya ramah, tetapi antrean di loket lama.")
    expect(page.locator("#skm-comment-count")).to_have_text("47 dari 1000 karakter")
    # The screenshot shows the top: the title, the privacy line, the first questions answered.
    page.evaluate("window.scrollTo(0, 0)")
    fits(pwa_server, page, "citizen-survey")
    found["survey"] = axe_violations(page)
    expect(send).to_be_enabled()
    send.click()
    expect(page.get_by_role("heading", level=1, name="Terima kasih atas penilaian Anda")).to_be_focused(timeout=15_000)
    fits(pwa_server, page)

    service_id = kk_service(pwa_server, REGION)["id"]
    # The service's page shows its public index as the API computes it, in Indonesian number format.
    with pwa_server.api() as client:
        index = client.get("/api/v1/skm", params={"service": service_id}).json()
    assert index["respondents"] >= 1 and index["grade"] in "ABCD", index
    published = f"{index['ikm']:.2f}".replace(".", ",")
    page.goto(f"{pwa_server.url}/#/services/{service_id}")
    expect(page.locator("#fb-service-ikm")).to_have_text(
        f"Indeks kepuasan {published} ({index['grade']}) dari {index['respondents']} responden", timeout=15_000
    )
    expect(page.locator("#fb-service-complain")).to_be_visible()
    fits(pwa_server, page)

    # The application no longer offers a survey; rating it again anyway is refused, in Indonesian.
    page.goto(f"{pwa_server.url}/#/applications/{app_id}")
    expect(page.locator("#fb-app-complain")).to_be_visible(timeout=15_000)
    expect(page.locator("#fb-app-rate")).to_have_count(0)
    page.goto(f"{pwa_server.url}/#/applications/{app_id}/survey")
    expect(page.get_by_role("button", name="Kirim penilaian")).to_be_disabled(timeout=15_000)
    for element in ELEMENTS[:-1]:
        page.locator(f"label[for=skm-{element}-2]").click()
    # One left: still not sendable, and the line names it.
    expect(page.locator("#skm-missing")).to_have_text("Belum dijawab: 9. Sarana dan prasarana")
    expect(page.get_by_role("button", name="Kirim penilaian")).to_be_disabled()
    page.locator("label[for=skm-facilities-1]").click()
    page.get_by_role("button", name="Kirim penilaian").click()
    problem = page.locator("#skm-problem")
    expect(problem).to_contain_text("Anda sudah memberi penilaian untuk layanan ini.")
    expect(problem).to_be_focused()
    fits(pwa_server, page)

    # A complaint about the application, with a document from the wallet, hiding the citizen's identity.
    page.goto(f"{pwa_server.url}/#/applications/{app_id}")
    page.get_by_role("link", name="Ajukan pengaduan").click()
    expect(page.get_by_role("heading", level=1, name="Ajukan pengaduan")).to_be_visible()
    expect(page.locator("#fb-cmp-subject")).to_contain_text("Penerbitan Kartu Keluarga (KK) Baru")
    expect(page.locator("label[for=fb-cat-simple]")).to_contain_text("dijawab dalam 5 hari kerja")
    # Sending empty says what is missing, next to each field and in a summary that takes the focus.
    page.get_by_role("button", name="Kirim pengaduan").click()
    expect(page.locator("#fb-cmp-problem")).to_be_focused()
    expect(page.locator("#fb-cmp-problem")).to_contain_text("Pilih jenis pengaduan.")
    page.locator("label[for=fb-cat-simple]").click()
    text = "Kartu keluarga yang saya terima salah ejaan nama ibu. Mohon diperbaiki."
    page.get_by_label("Isi pengaduan").fill(text)
    # Each field's message goes once the field is right.
    expect(page.locator("#fb-cmp-category-error")).to_be_hidden()
    expect(page.locator("#fb-cmp-text-error")).to_be_hidden()
    attachment = page.locator("#fb-cmp-attachment")
    attachment.select_option(index=1)
    chosen_document = attachment.input_value()
    page.get_by_label("Sembunyikan identitas saya dari instansi").check()
    expect(page.locator("#fb-cmp-anonymous-hint")).to_contain_text("admin MPP daerah")
    page.locator("#fb-cmp-text").scroll_into_view_if_needed()
    fits(pwa_server, page, "citizen-complaint-new")
    found["complaint-new"] = axe_violations(page)
    page.get_by_role("button", name="Kirim pengaduan").click()
    expect(page.get_by_role("heading", level=1, name="Pengaduan terkirim")).to_be_focused(timeout=15_000)
    number = page.locator("#fb-cmp-number").inner_text()
    assert re.fullmatch(r"ADU-3302-\d{4}-\d{6}", number), number
    due = page.locator("#fb-cmp-due").inner_text()
    assert re.fullmatch(r"\d{1,2} \w+ \d{4}", due), due  # a date in words, not 2026-12-10
    fits(pwa_server, page)

    with pwa_server.api() as client:
        mine = client.get("/api/v1/complaints", headers=bearer(citizen))
    # The page's session rotated the refresh token, but this access token is still valid for a few minutes.
    assert mine.status_code == 200, mine.text
    complaint = next(c for c in mine.json()["items"] if c["number"] == number)
    assert complaint["status"] == "submitted"

    # In my list, with its status in words and the due date.
    page.get_by_role("link", name="Pengaduan saya").click()
    row = page.locator(f"#fb-complaint-{complaint['id']}")
    expect(row).to_contain_text(number, timeout=15_000)
    expect(row).to_contain_text("Diterima")
    expect(row).to_contain_text("Dijawab paling lambat")
    fits(pwa_server, page)

    # The agency answers (an officer of Disdukcapil, through the API).
    officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    answer = "Mohon maaf atas kesalahan ejaan. KK sudah dicetak ulang dan dapat diambil di loket A1."
    with pwa_server.api() as client:
        detail = client.get(f"/api/v1/staff/complaints/{complaint['id']}", headers=bearer(officer))
        assert detail.status_code == 200, detail.text
        assert detail.json()["attachment"]["id"] == chosen_document
        answered = client.post(
            f"/api/v1/staff/complaints/{complaint['id']}/answer",
            json={"text": answer, "version": detail.json()["version"]},
            headers=bearer(officer),
        )
        assert answered.status_code == 200, answered.text

    row.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1, name=f"Pengaduan {number}")).to_be_visible(timeout=15_000)
    expect(page.locator("#fb-cmp-status")).to_contain_text("Dijawab")
    expect(page.locator("#fb-cmp-answer")).to_contain_text(answer)
    expect(page.locator("#fb-cmp-anonymous")).to_have_text("Identitas Anda disembunyikan dari instansi.")
    expect(page.locator("#fb-cmp-timeline")).to_contain_text("Pengaduan diterima")
    page.locator("#fb-cmp-answer").scroll_into_view_if_needed()
    fits(pwa_server, page, "citizen-complaint")
    found["complaint"] = axe_violations(page)
    page.get_by_role("button", name="Jawaban memuaskan").click()
    expect(page.locator("#fb-cmp-notice")).to_have_text("Terima kasih. Pengaduan ditutup.", timeout=15_000)
    expect(page.locator("#fb-cmp-notice")).to_be_focused()
    expect(page.locator("#fb-cmp-status")).to_contain_text("Selesai")
    expect(page.get_by_role("button", name="Tarik pengaduan")).to_have_count(0)
    fits(pwa_server, page)
    with pwa_server.api() as client:
        closed = client.get(f"/api/v1/complaints/{complaint['id']}", headers=bearer(citizen))
    assert closed.status_code == 200 and closed.json()["status"] == "closed", closed.text
    assert {k: v for k, v in found.items() if v} == {}, "\n".join(f"{k}: {describe(v)}" for k, v in found.items() if v)
    assert errors == []


def test_kiosk_rates_a_served_walk_in_ticket(
    pwa_server: PwaServer,
    phone: Callable[..., BrowserContext],
    region: dict[str, Any],
) -> None:
    """A walk-in ticket taken at the kiosk and served at counter A1 is rated at the kiosk by its token (as a
    handheld scanner types the ticket's QR link), once."""
    with pwa_server.api() as client:
        registered = client.post(
            "/api/v1/admin/kiosks", json={"name": "Kios penilaian"}, headers=bearer(region["admin"])
        )
        secret = paired_secret(client, registered)
        kiosk = client.post("/api/v1/auth/kiosk", json={"deviceSecret": secret}).json()
        ticket = client.post(
            "/api/v1/kiosk/queue/tickets", json={"serviceId": region["service"]["id"]}, headers=bearer(kiosk)
        )
        assert ticket.status_code == 201, ticket.text
    officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=region["code"])
    with pwa_server.api() as client:
        called = client.post("/api/v1/officer/queue/next", json={"counter": "A1"}, headers=bearer(officer))
        assert called.status_code == 200, called.text
        ticket_id = ticket.json()["id"]
        for step in ("serve", "done"):
            moved = client.post(f"/api/v1/officer/queue/tickets/{ticket_id}/{step}", json={}, headers=bearer(officer))
            assert moved.status_code == 200, moved.text

    page = phone(viewport=PHONE_360).new_page()
    errors = watch_errors(page)
    page.goto(f"{pwa_server.url}/#/kiosk")
    page.get_by_label("Kode perangkat").fill(secret)
    page.get_by_role("button", name="Jadikan kios").click()
    page.locator("#kq-home-survey").click()
    expect(page.get_by_role("heading", level=1, name="Beri penilaian")).to_be_visible()
    expect(page.locator("#kq-survey-code")).to_be_focused()
    # A code that is no ticket's: said in words.
    page.keyboard.type("bukan-kode")
    page.keyboard.press("Enter")
    expect(page.locator("#kq-survey-error")).to_contain_text("Kode tiket tidak dikenali")
    page.locator("#kq-survey-code").fill("")
    # Chromium here has no camera: the QR's follow link is typed as a handheld scanner does, then Enter.
    page.keyboard.type(ticket.json()["followUrl"])
    page.keyboard.press("Enter")
    number = ticket.json()["number"]
    expect(page.locator("#kq-survey-ticket")).to_have_text(f"Tiket {number}", timeout=15_000)
    expect(page.locator("#kq-survey-private")).to_have_text("Jawaban Anda tidak ditampilkan kepada petugas.")
    answer_all(page, "kskm", dict.fromkeys(ELEMENTS, 3) | {"time": 2})
    page.locator("#kskm-el-behaviour").scroll_into_view_if_needed()
    fits(pwa_server, page, "kiosk-survey")
    page.get_by_role("button", name="Kirim penilaian").click()
    expect(page.get_by_role("heading", name="Terima kasih atas penilaian Anda")).to_be_focused(timeout=15_000)
    fits(pwa_server, page)
    # A few seconds later the tablet is wiped and back at its home for the next person.
    started = time.monotonic()
    expect(page.locator("#kq-home-survey")).to_be_visible(timeout=20_000)
    assert time.monotonic() - started < 20
    assert "#/kiosk" in page.url

    token = ticket.json()["followToken"]
    with pwa_server.api() as client:
        again = client.get(f"/api/v1/kiosk/queue/survey/{token}", headers=bearer(kiosk))
    assert again.status_code == 409 and again.json()["type"].endswith("survey_answered"), again.text
    assert errors == []
