"""What people see of a case (issue 13, item 11), in Chromium: the officer's timeline in words (never a raw key
such as "officerAct_draft"), the citizen's timeline with one "Diajukan" however often officers claim the case,
dates written out, an issued result that offers neither "Ganti berkas" nor "Hapus", and a kiosk that tells a
completed application by the day it was completed."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, bearer, citizen_with_documents, kk_service
from tests.support.applications import answers_for
from tests.support.identity import random_nik
from tests.support.kiosks import paired_secret

pytestmark = pytest.mark.e2e

REGION = "3302"
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
DESK = {"width": 1280, "height": 900}


def completed_from_a_draft(pwa_server: PwaServer) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A citizen's application saved as a draft, submitted, claimed (twice), approved and completed, through the
    API; the citizen's tokens, the officer's tokens and the completed application."""
    service = kk_service(pwa_server, REGION)
    citizen, documents = citizen_with_documents(pwa_server, service, name="Ayu Lini Masa", nik=random_nik())
    officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    colleague = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    body = {"serviceId": service["id"], "answers": answers_for(service), "documentIds": documents}
    with pwa_server.api() as client:
        draft = client.post("/api/v1/applications/drafts", json=body, headers=bearer(citizen))
        assert draft.status_code == 201, draft.text
        submitted = client.post(
            "/api/v1/applications",
            json={**body, "draftId": draft.json()["id"]},
            headers={**bearer(citizen), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert submitted.status_code == 201, submitted.text
        path = f"/api/v1/officer/applications/{submitted.json()['id']}"
        for who in (colleague, officer):  # claimed, then taken over
            assert client.post(f"{path}/assign", json={}, headers=bearer(who)).status_code == 200
        for action in ("start_review", "approve", "complete"):
            decided = client.post(f"{path}/decision", json={"action": action}, headers=bearer(officer))
            assert decided.status_code == 200, decided.text
    return citizen, officer, decided.json()


def watched(context: BrowserContext) -> Page:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


def test_timelines_dates_and_the_issued_result(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    citizen, officer, application = completed_from_a_draft(pwa_server)

    # The officer's timeline: every step in words, the draft and the claims included.
    desk = watched(phone(viewport=DESK, is_mobile=False, has_touch=False))
    pwa_server.open_signed_in(desk, officer, f"/officer/applications/{application['id']}")
    timeline = desk.locator(".off-timeline")
    expect(timeline.locator("li")).to_have_count(7, timeout=15_000)
    expect(timeline).to_contain_text("Draf disimpan")
    expect(timeline).to_contain_text("Diserahkan ke petugas")
    assert "officerAct_" not in desk.locator("main").inner_text()
    assert desk.errors == []  # type: ignore[attr-defined]

    # The citizen's: status changes only — one "Diajukan", the claims are the agency's business.
    page = watched(phone())
    pwa_server.open_signed_in(page, citizen, f"/applications/{application['id']}")
    steps = page.locator("#timeline > li")
    expect(steps).to_have_count(5, timeout=15_000)  # draft, submitted, in review, approved, completed
    expect(steps.filter(has_text="Diajukan")).to_have_count(1)
    expect(steps.last).to_contain_text("Selesai")
    # Dates in words ("4 Desember 2026"), never "2026-12-04".
    shown = page.locator("#application").inner_text()
    assert not ISO_DATE.search(shown), ISO_DATE.findall(shown)

    # The issued result: the agency's record, so neither replaced nor deleted.
    page.goto(f"{pwa_server.url}/#/wallet/{application['resultDocument']}")
    expect(page.locator("#wallet-document h1")).to_be_visible(timeout=15_000)
    expect(page.locator("#wallet-issued-kept")).to_contain_text("tidak dapat diganti atau dihapus")
    expect(page.get_by_role("heading", name="Ganti berkas")).to_have_count(0)
    expect(page.get_by_role("button", name="Hapus dokumen")).to_have_count(0)
    assert not ISO_DATE.search(page.locator("#wallet-document").inner_text())
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_kiosk_tells_a_completed_application_by_its_completion_day(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    citizen, _, application = completed_from_a_draft(pwa_server)
    admin = pwa_server.staff_sign_in("admin", region=REGION)
    with pwa_server.api() as api:
        registered = api.post("/api/v1/admin/kiosks", json={"name": "Kios lini masa"}, headers=bearer(admin))
        secret = paired_secret(api, registered)
    page = watched(phone(viewport={"width": 800, "height": 1280}, is_mobile=False))
    page.goto(f"{pwa_server.url}/#/kiosk")
    page.get_by_label("Kode perangkat").fill(secret)
    page.get_by_role("button", name="Jadikan kios").click()
    page.get_by_role("link", name="Cek status").first.click()
    page.get_by_label("Nomor permohonan").fill(application["number"])
    sent = pwa_server.code_count(citizen["phone"])
    page.get_by_role("button", name="Kirim kode ke ponsel saya").click()
    expect(page.locator("#kiosk-code-sent")).to_contain_text(application["number"])
    page.get_by_label("Kode dari SMS").fill(pwa_server.last_code(citizen["phone"], after=sent))
    page.get_by_role("button", name="Lihat status").click()
    result = page.locator("#kiosk-result")
    expect(result).to_contain_text("Selesai")
    expect(result).to_contain_text("Selesai pada")
    expect(result).not_to_contain_text("Selesai paling lambat")
    closed = page.locator("#kiosk-result-closed").inner_text()
    assert re.fullmatch(r"\d{1,2} \w+ \d{4}", closed), closed
    assert page.errors == []  # type: ignore[attr-defined]
