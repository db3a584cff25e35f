"""Issue 13, items 6–8 on a 360 px phone: applying sends someone without a profile to the profile form and back;
"Unggah di dompet" preselects the type and returns to the application with the new document chosen (only ever
to a route of the app); every document that may be attached is offered, those awaiting verification saying so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, bearer, citizen_with_documents, kk_service, watch_errors
from tests.support.files import jpeg
from tests.support.identity import random_nik

pytestmark = pytest.mark.e2e

SMALL_PHONE = {"width": 360, "height": 740}


def upload(pwa_server: PwaServer, tokens: dict[str, Any], type_code: str, shade: int) -> str:
    """One document of this type in the citizen's wallet (uploaded, not verified); its id."""
    with pwa_server.api() as client:
        response = client.post(
            "/api/v1/wallet/documents",
            files={"file": ("doc.jpg", jpeg(f"#{shade:02x}{random_nik()[-4:]}", size=(640, 400)), "image/jpeg")},
            data={"type": type_code},
            headers=bearer(tokens),
        )
        assert response.status_code == 201, response.text
        document_id: str = response.json()["id"]
    return document_id


def me(pwa_server: PwaServer, tokens: dict[str, Any]) -> dict[str, Any]:
    with pwa_server.api() as client:
        body: dict[str, Any] = client.get("/api/v1/me", headers=bearer(tokens)).json()
    return body


def assert_fits(page: Page) -> None:
    """Nothing on the screen is wider than the phone."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SMALL_PHONE["width"], width


def test_applying_without_a_profile_goes_to_the_profile_and_back(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    service = kk_service(pwa_server)  # names the applicant's NIK: the KTP-el is required
    tokens = pwa_server.sign_in()  # the first sign-in skipped the name and NIK
    for i, requirement in enumerate(r for r in service["requirements"] if not r.get("optional")):
        upload(pwa_server, tokens, requirement["code"], 40 + i * 50)
    page = phone(viewport=SMALL_PHONE).new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, tokens, f"/apply/{service['id']}")

    needed = page.locator("#apply-profile")
    expect(needed).to_contain_text("Lengkapi profil dulu")
    expect(needed).to_contain_text("Nama lengkap Anda belum ada di profil.")
    expect(needed).to_contain_text("NIK Anda belum ada di profil; layanan ini memerlukannya.")
    expect(page.get_by_role("heading", name="Langkah 1 dari 3: Dokumen")).to_have_count(0)
    assert_fits(page)
    page.get_by_role("link", name="Lengkapi profil").click()

    # Settings, with the profile first; the NIK is required here and checked as the server checks it.
    profile = page.locator("#settings-profile")
    expect(profile).to_contain_text("Profil")
    expect(page.locator("#settings-profile-needed")).to_contain_text("kembali ke permohonan")
    page.get_by_label("Nama lengkap").fill("Siti Aminah")
    page.get_by_role("button", name="Simpan profil").click()
    expect(page.locator("#profile-nik-error")).to_have_text("Tulis NIK Anda (16 angka pada KTP-el).")
    page.get_by_label("NIK", exact=True).fill("3302013208900002")
    page.get_by_role("button", name="Simpan profil").click()
    expect(page.locator("#profile-nik-error")).to_have_text("NIK tidak memuat tanggal lahir yang benar.")
    nik = "330201570890" + random_nik()[-4:]
    page.get_by_label("NIK", exact=True).fill(nik)
    expect(page.locator("#profile-birth")).to_have_text("Tanggal lahir (dari NIK): 17 Agustus 1990")
    assert_fits(page)
    pwa_server.screenshot(page, "citizen-profile")
    page.get_by_role("button", name="Simpan profil").click()

    # Back at the application, which says before the first step that her identity must be proven first.
    expect(page.locator("#apply-assurance")).to_contain_text("setelah identitas Anda terverifikasi")
    expect(page.get_by_role("heading", name="Langkah 1 dari 3: Dokumen")).to_have_count(0)
    assert page.url.endswith(f"#/apply/{service['id']}")
    saved = me(pwa_server, tokens)
    assert (saved["name"], saved["nik"], saved["birthDate"]) == ("Siti Aminah", nik, "1990-08-17")
    assert saved["assurance"] == "phone"

    # "Verifikasi identitas": the registry (the server's fake) knows her; the form starts from her profile.
    person = {"nik": nik, "name": "Siti Aminah", "birthDate": "1990-08-17"}
    with pwa_server.api() as client:
        assert client.post("/_dev/registry/_test/people", json=person).status_code == 201
    page.get_by_role("link", name="Verifikasi identitas sekarang").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verifikasi identitas")
    expect(page.get_by_label("NIK (16 angka)")).to_have_value(nik)
    page.get_by_label("Tanggal lahir").fill("1990-08-18")  # mistyped: the answer says so, and the other way
    page.get_by_role("button", name="Verifikasi", exact=True).click()
    expect(page.locator("#identity-outcome")).to_contain_text("tidak cocok dengan data Dukcapil")
    expect(page.locator("#identity-outcome")).to_contain_text("loket MPP")
    page.get_by_label("Tanggal lahir").fill("1990-08-17")
    page.get_by_role("button", name="Verifikasi", exact=True).click()
    expect(page.locator("#identity-outcome")).to_contain_text("Identitas Anda terverifikasi")
    expect(page.locator("#identity-level")).to_contain_text("terverifikasi Dukcapil")
    assert_fits(page)
    pwa_server.screenshot(page, "citizen-identity")
    assert me(pwa_server, tokens)["assurance"] == "registry"
    page.get_by_role("link", name="Lanjutkan permohonan").click()

    # Back at the application, at its first step.
    expect(page.get_by_role("heading", name="Langkah 1 dari 3: Dokumen")).to_be_visible()
    assert page.url.endswith(f"#/apply/{service['id']}")

    # Settings keeps "Profil" for later changes.
    page.goto(f"{pwa_server.url}/#/settings")
    expect(page.get_by_label("Nama lengkap")).to_have_value("Siti Aminah")
    page.get_by_label("Nama lengkap").fill("Siti Aminah Lestari")
    page.get_by_role("button", name="Simpan profil").click()
    expect(page.locator("#settings-profile-status")).to_have_text("Profil tersimpan.")
    assert me(pwa_server, tokens)["name"] == "Siti Aminah Lestari"
    assert_fits(page)
    assert not errors, errors


def test_upload_from_the_apply_flow_returns_with_the_document(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    service = kk_service(pwa_server)
    tokens = pwa_server.sign_in()
    nik = random_nik()
    with pwa_server.api() as client:
        saved = client.patch("/api/v1/me", json={"name": "Budi", "nik": nik}, headers=bearer(tokens))
        assert saved.status_code == 200, saved.text
    pwa_server.verify_identity(tokens, nik=nik, name="Budi")
    upload(pwa_server, tokens, "KK", 90)  # the KTP-el is still missing
    page = phone(viewport=SMALL_PHONE).new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, tokens, f"/apply/{service['id']}")

    ktp = page.locator('[data-requirement="KTP_EL"]')
    expect(ktp).to_contain_text("Belum ada")
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("#docs-error")).to_contain_text("KTP Elektronik (KTP-el)")
    ktp.get_by_role("link", name="Unggah di dompet").click()

    # The wallet: the upload form first, the type chosen, a way back.
    expect(page.locator("#wallet-type")).to_have_value("KTP_EL")
    expect(page.locator("#wallet-formats")).not_to_be_empty()
    expect(page.locator("#wallet-back")).to_have_attribute("href", f"#/apply/{service['id']}")
    assert_fits(page)
    pwa_server.screenshot(page, "citizen-wallet-upload-for-application")
    page.locator("#wallet-file").set_input_files(
        {"name": "ktp.jpg", "mimeType": "image/jpeg", "buffer": jpeg("#3366aa", size=(640, 400))}
    )
    page.locator("#wallet-submit").click()

    # Back at step 1, the new document chosen: the step can be left.
    expect(page.get_by_role("heading", name="Langkah 1 dari 3: Dokumen")).to_be_visible()
    expect(page.get_by_label("KTP Elektronik (KTP-el)")).to_be_checked()
    expect(page.get_by_label("Kartu Keluarga (KK)")).to_be_checked()
    with pwa_server.api() as client:
        wallet = client.get("/api/v1/wallet/documents", headers=bearer(tokens)).json()["items"]
    new = next(d for d in wallet if d["type"]["code"] == "KTP_EL")
    assert page.url.endswith(f"#/apply/{service['id']}?document={new['id']}")
    page.get_by_role("button", name="Lanjut").click()
    expect(page.get_by_role("heading", name="Langkah 2 dari 3: Isian")).to_be_focused()

    # Only a route of the app is followed: an address elsewhere is ignored, and the upload stays in the wallet.
    for outside in ("https://example.com/", "//example.com/x", "/\\example.com"):
        page.goto(f"{pwa_server.url}/#/wallet?upload=PAS_FOTO&back={outside}")
        expect(page.locator("#wallet-type")).to_have_value("PAS_FOTO")
        expect(page.locator("#wallet-back")).to_have_count(0)
    page.locator("#wallet-file").set_input_files(
        {"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": jpeg("#aa6633", size=(400, 600))}
    )
    page.locator("#wallet-submit").click()
    expect(page.locator("#wallet-list")).to_contain_text("Pas Foto")
    assert page.url.startswith(f"{pwa_server.url}/#/wallet?"), page.url
    assert not errors, errors


def test_every_attachable_document_is_offered(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    service = kk_service(pwa_server)
    tokens, ids = citizen_with_documents(pwa_server, service)  # uploaded, none verified yet
    second_kk = upload(pwa_server, tokens, "KK", 200)
    page = phone(viewport=SMALL_PHONE).new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, tokens, f"/apply/{service['id']}")

    expect(page.get_by_role("heading", name="Langkah 1 dari 3: Dokumen")).to_be_visible()
    ktp = page.locator('[data-requirement="KTP_EL"]')
    expect(ktp).to_contain_text("Menunggu verifikasi — tetap bisa dilampirkan")
    expect(ktp.get_by_role("checkbox")).to_be_checked()
    expect(ktp).not_to_contain_text("Belum ada")
    # Two family cards in the wallet: both offered, the newest chosen.
    kk = page.locator('[data-requirement="KK"]')
    expect(kk.get_by_role("checkbox")).to_have_count(2)
    expect(kk.locator(f'input[value="{second_kk}"]')).to_be_checked()
    expect(kk).to_contain_text("Menunggu verifikasi — tetap bisa dilampirkan")
    assert_fits(page)
    kk.scroll_into_view_if_needed()
    pwa_server.screenshot(page, "citizen-apply-documents")
    # The server agrees: what is offered may be attached.
    with pwa_server.api() as client:
        readiness = client.get(
            "/api/v1/applications/readiness", params={"serviceId": service["id"]}, headers=bearer(tokens)
        ).json()
    offered = {d["id"] for r in readiness["requirements"] for d in r.get("documents", [])}
    assert set(ids) | {second_kk} <= offered
    assert {d["state"] for r in readiness["requirements"] for d in r.get("documents", [])} == {"pending"}
    page.get_by_role("button", name="Lanjut").click()
    expect(page.get_by_role("heading", name="Langkah 2 dari 3: Isian")).to_be_focused()
    assert not errors, errors
