"""Applying in the PWA (Chromium, phone-sized): step by step with wallet documents pre-selected, the receipt with
the number; then a submission made offline waits in the outbox and, back online, makes exactly one application."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, bearer, citizen_with_documents, fill_in, kk_service, submitted_application

pytestmark = pytest.mark.e2e

REGION = "3302"


def my_applications(pwa_server: PwaServer, tokens: dict[str, Any]) -> list[dict[str, Any]]:
    # A fresh access token: the browser has rotated the refresh token, the API one is still valid.
    with pwa_server.api() as client:
        response = client.get("/api/v1/applications", params={"pageSize": 100}, headers=bearer(tokens))
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_apply_step_by_step_and_offline_once(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    service = kk_service(pwa_server)
    tokens, _ = citizen_with_documents(pwa_server, service)
    context = phone()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    pwa_server.open_signed_in(page, tokens, f"/apply/{service['id']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Penerbitan Kartu Keluarga")

    # The form checks answers before moving on, with the errors in words, listed and linked.
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_role("button", name="Lanjut").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Alasan penerbitan: Wajib diisi")
    page.get_by_label("NIK kepala keluarga baru").fill("123")
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("#f-headNik-error")).to_have_text("NIK harus 16 angka")
    page.get_by_role("button", name="Kembali", exact=True).click()

    fill_in(page)
    pwa_server.screenshot(page, "citizen-apply")
    page.get_by_role("button", name="Kirim permohonan").click()
    receipt = page.locator("#receipt")
    expect(receipt).to_have_attribute("data-state", "received")
    expect(receipt).to_contain_text("Diterima MPP, nomor 3302-")
    first = my_applications(pwa_server, tokens)
    assert [a["status"] for a in first] == ["submitted"], first
    assert first[0]["number"] in receipt.inner_text()

    # Second time, from the service's page: the connection drops just before sending.
    page.goto(f"{pwa_server.url}/#/services/{service['id']}")
    page.get_by_role("link", name="Ajukan secara daring").click()
    fill_in(page)
    context.set_offline(True)
    page.get_by_role("button", name="Kirim permohonan").click()
    expect(receipt).to_have_attribute("data-state", "pending")
    expect(receipt).to_contain_text("Tersimpan di ponsel ini — akan dikirim otomatis saat tersambung")
    page.get_by_role("link", name="Lihat yang menunggu dikirim").click()
    item = page.locator("#outbox li[data-state]")
    expect(item).to_have_count(1)
    expect(item).to_have_attribute("data-state", "pending")
    expect(item).to_contain_text("Tersimpan di ponsel ini")
    # Back online: sent once, and the outbox says so.
    context.set_offline(False)
    expect(item).to_have_attribute("data-state", "received", timeout=20_000)
    expect(item).to_contain_text("Diterima MPP, nomor 3302-")
    # Replaying again (another trigger, another tab) sends nothing twice.
    page.evaluate("import('/js/store/outbox.js').then((m) => m.replay())")
    after = my_applications(pwa_server, tokens)
    assert sorted(a["status"] for a in after) == ["submitted", "submitted"], after
    assert len({a["id"] for a in after}) == 2
    assert not errors, errors


def test_correction_and_withdrawal(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    tokens, application = submitted_application(pwa_server)
    clerk = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    with pwa_server.api() as client:
        base = f"/api/v1/officer/applications/{application['id']}"
        for action in ({"action": "start_review"}, {"action": "request_correction", "reason": "Nomor HP tidak aktif."}):
            response = client.post(f"{base}/decision", json=action, headers=bearer(clerk))
            assert response.status_code == 200, response.text
    page = phone().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    pwa_server.open_signed_in(page, tokens, f"/applications/{application['id']}")
    needed = page.locator("#action-needed")
    expect(needed).to_contain_text("Yang perlu Anda lakukan")
    expect(needed).to_contain_text("Nomor HP tidak aktif.")
    expect(page.locator("#application-deadline")).to_contain_text("Waktu dihentikan sementara")
    # The correction: the same questions, prefilled; fix the phone number and send again.
    page.get_by_role("button", name="Perbaiki permohonan").click()
    expect(page.get_by_role("heading", name="Perbaiki dan kirim ulang")).to_be_focused()
    expect(page.get_by_label("NIK kepala keluarga baru")).to_have_value("3302011708900001")
    page.get_by_label("Nomor HP aktif").fill("0812")
    page.get_by_role("button", name="Kirim ulang").click()
    expect(page.locator("#f-phone-error")).to_have_text("Masukkan nomor HP, mis. 081234567890")
    page.get_by_label("Nomor HP aktif").fill("081299990001")
    page.get_by_role("button", name="Kirim ulang").click()
    expect(page.locator("#application-status")).to_have_text("Sedang diperiksa")
    expect(page.locator("#timeline li")).to_have_count(4)
    expect(page.locator("#timeline li").nth(2)).to_contain_text("Nomor HP tidak aktif.")
    # Withdrawal asks first, then happens.
    page.get_by_role("button", name="Tarik permohonan").click()
    page.get_by_label("Alasan (tidak wajib)").fill("Sudah diurus di loket.")
    page.get_by_role("button", name="Ya, tarik permohonan").click()
    expect(page.locator("#application-status")).to_have_text("Ditarik")
    expect(page.get_by_role("button", name="Tarik permohonan")).to_have_count(0)
    with pwa_server.api() as client:
        final = client.get(f"/api/v1/applications/{application['id']}", headers=bearer(tokens)).json()
    assert [e["action"] for e in final["timeline"]] == [
        "submit",
        "start_review",
        "request_correction",
        "resubmit",
        "withdraw",
    ]
    assert final["answers"]["phone"].endswith("81299990001")
    assert not errors, errors
