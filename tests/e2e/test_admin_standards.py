"""Issue 15's acceptance test for service standards, in one run at 360×740 in Indonesian: a region admin of
Banyumas signs in (SMS code, then a passkey on a virtual authenticator), opens Layanan, adds a local service whose
name carries a made-up word, with two requirements and a form of two fields (one a select); saving first shows
what is still missing next to its field; previews it as a citizen would see it, and publishes it with a reason. A
citizen (another browser context) finds that word from the home search, opens the service, applies with the two
documents from the wallet and sees the application. The admin then publishes a second version (the diff between
the two is shown, and the application keeps version 1). An admin of another region neither finds it in their list
nor opens its address (not found), and the API answers them 404.

No screen of these is wider than the phone. Screenshots of the list, the editor, the preview and the diff go to
docs/screenshots/ (admin-standards-*.png).
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, bearer, citizen_with_documents, virtual_authenticator, watch_errors

pytestmark = pytest.mark.e2e

REGION = "3302"  # Kabupaten Banyumas
OTHER = "3510"  # Kabupaten Banyuwangi
VIEWPORT = {"width": 360, "height": 740}
# Consonants only after the first letters: no Indonesian affix (-kan, -an, -i, -nya…) for the search to strip.
CONSONANTS = "bcdfghjklmnpqrstvwxz"


def made_up_word() -> str:
    return "zulvrok" + "".join(random.choice(CONSONANTS) for _ in range(5))


def fits(page: Page, name: str) -> None:
    """Nothing on the screen sticks out of the 360 px phone (the page would pan sideways under the thumb)."""
    found = page.evaluate(
        """() => {
            const wide = [...document.querySelectorAll('body *')]
                .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
                .filter((el) => getComputedStyle(el).position !== 'fixed' && !el.closest('.visually-hidden'))
                .slice(0, 6).map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className);
            return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, wide};
        }"""
    )
    assert found["inner"] == VIEWPORT["width"], f"{name}: the window grew wider than the phone: {found}"
    assert found["scroll"] <= found["inner"], f"{name}: wider than the phone: {found}"
    assert found["wide"] == [], f"{name}: elements stick out: {found['wide']}"


def to_top(page: Page, selector: str) -> None:
    """Scroll so that the element starts at the top of the screen (for a screenshot of that part)."""
    page.locator(selector).first.evaluate("(el) => el.scrollIntoView({block: 'start'})")


def sign_in_admin(page: Page, pwa_server: PwaServer, mobile: str) -> None:
    """The admin's first sign-in, from the enrolment link: number, SMS code, then their first passkey."""
    page.goto(pwa_server.enrolment_link(mobile))
    page.get_by_label("Nomor HP").fill(mobile)
    sent = pwa_server.code_count(mobile)
    page.get_by_role("button", name="Kirim kode").click()
    page.get_by_label("Kode dari SMS").fill(pwa_server.last_code(mobile, after=sent))
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page).to_have_url(f"{pwa_server.url}/#/signin?step=passkey")
    expect(page.get_by_label("Kode pendaftaran")).to_have_value(pwa_server.enrolment_code(mobile))
    page.get_by_role("button", name="Buat passkey").click()
    expect(page.get_by_role("heading", level=1, name="Admin MPP")).to_be_visible(timeout=20_000)


def found_by_search(pwa_server: PwaServer, word: str) -> dict[str, Any]:
    """The published service as a citizen's app reads it, once search has picked the new word up."""
    deadline = time.monotonic() + 15
    with pwa_server.api() as client:
        while True:
            items = client.get("/api/v1/services", params={"q": word, "region": REGION}).json()["items"]
            if items or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert items, f"search did not find {word}"
        service: dict[str, Any] = client.get(f"/api/v1/services/{items[0]['id']}").json()
    return service


def bilingual(page: Page, section: str, legend: str, indonesian: str, english: str, index: int = 0) -> None:
    """Fill a text asked in both languages: the fieldset named `legend` inside the editor's section."""
    fieldset = page.locator(f"#{section}").get_by_role("group", name=legend).nth(index)
    fieldset.get_by_label("Bahasa Indonesia").fill(indonesian)
    fieldset.get_by_label("Bahasa Inggris").fill(english)


def test_a_region_admin_publishes_a_local_service_a_citizen_finds_and_applies_for_it(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    word = made_up_word()
    name = f"Izin Usaha {word.capitalize()} Desa"
    code = f"izin-usaha-{word}-desa"

    # --- The region admin signs in and opens Layanan. ---
    admin = phone(viewport=VIEWPORT).new_page()
    errors = watch_errors(admin)
    virtual_authenticator(admin)
    mobile = pwa_server.create_staff("region_admin", region=REGION, name="Rina Admin")
    sign_in_admin(admin, pwa_server, mobile)
    admin.locator("#nav").get_by_role("link", name="Layanan").click()
    expect(admin.get_by_role("heading", level=1, name="Standar pelayanan")).to_be_visible()
    expect(admin.locator("#std-scope")).to_contain_text("Kabupaten Banyumas")
    expect(admin.locator("#std-list .std-row").first).to_be_visible(timeout=15_000)
    expect(admin.locator("#std-list .std-national").first).to_have_text("Nasional")
    fits(admin, "list")
    to_top(admin, "#std-list-title")
    pwa_server.screenshot(admin, "admin-standards-list")

    # --- A new local service: its first facts, then the editor. ---
    admin.get_by_role("button", name="Tambah layanan").click()
    admin.get_by_label("Nama layanan (bahasa Indonesia)").fill(name)
    admin.get_by_label("Nama layanan (bahasa Inggris, boleh nanti)").fill(
        f"Village {word.capitalize()} business permit"
    )
    expect(admin.get_by_label("Kode layanan")).to_have_value(code)
    admin.locator("#std-new-agency").select_option("DPMPTSP")
    admin.get_by_role("button", name="Buat rancangan").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(f"Rancangan: {name}", timeout=15_000)
    # A new draft lists what still blocks publishing, each also next to its field.
    problems = admin.locator("#std-problems")
    expect(problems).to_be_visible()
    expect(problems).to_contain_text(re.compile(r"Uraian \((Indonesia|Inggris)\): Wajib diisi\."))
    expect(problems).to_contain_text("Peristiwa hidup: Pilih paling sedikit satu peristiwa hidup.")
    description = admin.locator("#std-s-names").get_by_role("group", name="Uraian")
    expect(description.locator(".std-error:not([hidden])").first).to_have_text("Wajib diisi.")
    fits(admin, "editor-new")

    bilingual(
        admin,
        "std-s-names",
        "Uraian",
        f"Izin usaha {word} untuk warung dan toko di desa.",
        f"A {word} business permit for village shops and stalls.",
    )
    admin.locator("#std-s-categories").get_by_label("Memulai usaha").check()
    admin.get_by_label("Biaya (rupiah)").fill("0")
    admin.get_by_label("Waktu penyelesaian (hari kerja)").fill("3")
    admin.get_by_role("button", name="Tambah dasar hukum").click()
    admin.get_by_label("Peraturan").fill("Peraturan Bupati Banyumas tentang Perizinan Usaha Desa")
    # Two requirements: the first one chosen wrongly on purpose, then put in order with the move buttons.
    admin.get_by_role("button", name="Tambah persyaratan").click()
    admin.get_by_role("button", name="Tambah persyaratan").click()
    requirements = admin.locator("#std-req-items > li")
    expect(requirements).to_have_count(2)
    requirements.nth(0).get_by_label("Jenis dokumen").select_option("KK")
    requirements.nth(1).get_by_label("Jenis dokumen").select_option("KTP_EL")
    admin.get_by_role("button", name="Pindahkan Persyaratan 2 ke atas").click()
    expect(requirements.nth(0).get_by_label("Jenis dokumen")).to_have_value("KTP_EL")
    expect(admin.get_by_role("button", name="Pindahkan Persyaratan 1 ke atas")).to_be_disabled()
    admin.get_by_role("button", name="Tambah langkah").click()
    bilingual(admin, "std-s-procedure", "Langkah", "Ajukan lewat aplikasi.", "Apply in the app.")
    # The form: a text field and a select with two choices (names and values follow the labels).
    admin.get_by_role("button", name="Tambah isian").click()
    fields = admin.locator("#std-form-items > li")
    bilingual(admin, "std-s-form", "Label", "Nama usaha", "Business name")
    expect(fields.nth(0).get_by_label("Nama isian (kunci jawaban)")).to_have_value("namaUsaha")
    admin.get_by_role("button", name="Tambah isian").click()
    second = fields.nth(1)
    second.get_by_role("group", name="Label").first.get_by_label("Bahasa Indonesia").fill("Jenis usaha")
    second.get_by_role("group", name="Label").first.get_by_label("Bahasa Inggris").fill("Kind of business")
    second.get_by_label("Jenis isian").select_option("select")
    second.get_by_role("button", name="Tambah pilihan").click()
    second.get_by_role("button", name="Tambah pilihan").click()
    options = second.locator(".std-extra .std-items > li")
    for i, (indonesian, english) in enumerate((("Warung", "Stall"), ("Toko kelontong", "Grocery shop"))):
        label = options.nth(i).get_by_role("group", name="Label")
        label.get_by_label("Bahasa Indonesia").fill(indonesian)
        label.get_by_label("Bahasa Inggris").fill(english)
    expect(options.nth(1).get_by_label("Nilai tersimpan")).to_have_value("toko_kelontong")
    expect(admin.locator("#std-save-state")).to_have_text("Ada perubahan yang belum disimpan.")
    with admin.expect_response(lambda r: r.request.method == "PUT") as saved:
        admin.get_by_role("button", name="Simpan", exact=True).click()
    assert saved.value.status == 200, saved.value.text()
    expect(problems).to_be_hidden()
    expect(admin.locator("#std-save-state")).to_contain_text("Tersimpan")
    to_top(admin, "#std-s-form")
    fits(admin, "editor")
    pwa_server.screenshot(admin, "admin-standards-editor")

    # --- The preview is the citizen's service screen; the changes list every part (a new service). ---
    admin.get_by_role("button", name="Pratinjau", exact=True).click()
    preview = admin.locator("#std-preview")
    expect(preview.get_by_role("heading", level=2, name=name)).to_be_visible(timeout=15_000)
    expect(preview.locator("#preview-detail")).to_contain_text("KTP Elektronik")
    expect(preview.locator("#preview-detail")).to_contain_text("Kartu Keluarga")
    expect(preview.locator("#preview-detail")).to_contain_text("Gratis")
    expect(preview.get_by_label("Jenis usaha")).to_be_disabled()
    fits(admin, "preview")
    to_top(admin, "#preview-detail")
    pwa_server.screenshot(admin, "admin-standards-preview")
    admin.get_by_role("button", name="Perubahan", exact=True).click()
    changes = admin.locator("#std-changes .std-diff")
    expect(changes.locator("tr[data-field=name]")).to_contain_text("Nama layanan")
    expect(changes).to_contain_text(name)
    fits(admin, "draft-changes")

    # --- Publish with a reason: the standard's screen announces version 1. ---
    admin.get_by_role("button", name="Terbitkan", exact=True).click()
    dialog = admin.get_by_role("dialog")
    dialog.get_by_role("button", name="Ya, terbitkan").click()
    expect(dialog.locator("#std-reason-error")).to_have_text("Tuliskan alasannya.")
    dialog.get_by_label("Alasan perubahan").fill("Layanan baru sesuai Perbup perizinan usaha desa")
    dialog.get_by_role("button", name="Ya, terbitkan").click()
    expect(admin.locator("#std-flash")).to_contain_text("Versi 1 sudah diterbitkan", timeout=15_000)
    assert admin.evaluate("location.hash") == f"#/admin/services/{REGION}~{code}"
    expect(admin.locator("#std-history [data-version]")).to_have_count(1)
    expect(admin.locator("#std-history")).to_contain_text("Layanan baru sesuai Perbup perizinan usaha desa")
    expect(admin.locator("#std-history")).to_contain_text("Rina Admin")

    # --- A citizen finds it by the word, and applies with the two documents in the wallet. ---
    service = found_by_search(pwa_server, word)
    assert [r["code"] for r in service["requirements"]] == ["KTP_EL", "KK"]
    tokens, _ = citizen_with_documents(pwa_server, service, name="Siti Aminah")
    citizen = phone(viewport=VIEWPORT).new_page()
    citizen_errors = watch_errors(citizen)
    pwa_server.open_signed_in(citizen, tokens, "/")
    citizen.get_by_label("Cari layanan").fill(word)
    result = citizen.locator(".result", has_text=name)
    expect(result).to_be_visible(timeout=15_000)
    citizen.wait_for_load_state("networkidle")  # the last search-as-you-type answer has been drawn
    citizen.locator(".result", has_text=name).get_by_role("link", name=name).click()
    expect(citizen.get_by_role("heading", level=1, name=name)).to_be_visible()
    citizen.get_by_role("link", name="Ajukan secara daring").click()
    expect(citizen.get_by_role("heading", name="Langkah 1 dari 3: Dokumen")).to_be_visible(timeout=15_000)
    expect(citizen.get_by_label("KTP Elektronik (KTP-el)")).to_be_checked()
    expect(citizen.get_by_label("Kartu Keluarga (KK)")).to_be_checked()
    citizen.get_by_role("button", name="Lanjut").click()
    expect(citizen.get_by_role("heading", name="Langkah 2 dari 3: Isian")).to_be_focused()
    citizen.get_by_label("Nama usaha").fill(f"Warung {word.capitalize()}")
    citizen.get_by_label("Jenis usaha").select_option("warung")
    citizen.get_by_role("button", name="Lanjut").click()
    expect(citizen.get_by_role("heading", name="Langkah 3 dari 3: Periksa dan kirim")).to_be_visible()
    citizen.get_by_role("button", name="Kirim permohonan").click()
    receipt = citizen.locator("#receipt")
    expect(receipt).to_have_attribute("data-state", "received", timeout=20_000)
    expect(receipt).to_contain_text(f"Diterima MPP, nomor {REGION}-")
    with pwa_server.api() as client:
        mine = client.get("/api/v1/applications", headers=bearer(tokens)).json()["items"]
    assert [(a["service"]["code"], a["status"]) for a in mine] == [(code, "submitted")]
    citizen.goto(f"{pwa_server.url}/#/applications/{mine[0]['id']}")
    expect(citizen.get_by_role("heading", level=1, name=name)).to_be_visible()
    expect(citizen.locator("#application-status")).to_contain_text("Diajukan")
    fits(citizen, "citizen application")

    # --- A second version: a shorter time. The diff shows it; the application keeps version 1. ---
    admin.get_by_role("button", name="Ubah", exact=True).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(f"Rancangan: {name}", timeout=15_000)
    expect(admin.get_by_label("Kode layanan")).to_have_attribute("readonly", "")
    admin.get_by_label("Waktu penyelesaian (hari kerja)").fill("2")
    # A stray Back loses nothing: the change is kept on the tab, a notice leads back, and it is put back.
    admin.go_back()
    expect(admin.locator("#std-facts")).to_be_visible()
    notice = admin.locator(".toast", has_text="belum disimpan")
    expect(notice).to_be_visible()
    notice.get_by_role("button", name="Kembali ke rancangan").click()
    expect(admin.locator(".std-restored")).to_contain_text("dipulihkan")
    expect(admin.get_by_label("Waktu penyelesaian (hari kerja)")).to_have_value("2")
    expect(admin.locator("#std-save-state")).to_have_text("Ada perubahan yang belum disimpan.")
    admin.get_by_role("button", name="Perubahan", exact=True).click()  # saves first, then shows the changes
    expect(admin.locator("#std-changes .std-diff")).to_contain_text("Waktu penyelesaian", timeout=15_000)
    admin.get_by_role("button", name="Terbitkan", exact=True).click()
    admin.get_by_role("dialog").get_by_label("Alasan perubahan").fill("Waktu penyelesaian dipercepat")
    admin.get_by_role("dialog").get_by_role("button", name="Ya, terbitkan").click()
    expect(admin.locator("#std-flash")).to_contain_text("Versi 2 sudah diterbitkan", timeout=15_000)
    admin.get_by_role("button", name="Bandingkan").click()
    diff = admin.locator("#std-diff .std-diff")
    expect(diff.locator("tr[data-field=slaDays]")).to_contain_text("3 hari kerja")
    expect(diff.locator("tr[data-field=slaDays]")).to_contain_text("2 hari kerja")
    to_top(admin, "#std-diff")
    fits(admin, "diff")
    pwa_server.screenshot(admin, "admin-standards-diff")
    with pwa_server.api() as client:
        detail = client.get(f"/api/v1/applications/{mine[0]['id']}", headers=bearer(tokens)).json()
    assert detail["serviceVersion"] == 1
    # The citizen's application links to the standard it was made under: version 1, with its 3 working days.
    citizen.reload()
    standard = citizen.locator("#application-standard")
    expect(standard).to_have_text("Standar pelayanan versi 1", timeout=15_000)
    standard.click()
    expect(citizen.locator("#service-version")).to_contain_text("versi 1")
    expect(citizen.locator("#detail")).to_contain_text("3 hari kerja")
    expect(citizen.get_by_role("link", name="Ajukan secara daring")).to_have_count(0)

    # --- An admin of another region: not in their list, not found at its address, 404 from the API. ---
    other = pwa_server.staff_sign_in("region_admin", region=OTHER)
    stranger = phone(viewport=VIEWPORT).new_page()
    stranger_errors = watch_errors(stranger)
    pwa_server.open_signed_in(stranger, other, f"/admin/services?q={word}&state=all")
    expect(stranger.get_by_role("heading", level=1, name="Standar pelayanan")).to_be_visible(timeout=20_000)
    expect(stranger.locator("#std-scope")).to_contain_text("Kabupaten Banyuwangi")
    expect(stranger.locator("#std-empty")).to_be_visible(timeout=15_000)
    expect(stranger.locator("#std-list")).not_to_contain_text(name)
    stranger.evaluate("(hash) => { location.hash = hash; }", f"#/admin/services/{REGION}~{code}")
    expect(stranger.get_by_role("heading", level=1, name="Tidak ditemukan")).to_be_visible()
    expect(stranger.locator("main")).not_to_contain_text(name)
    fits(stranger, "not found")
    with pwa_server.api() as client:
        refused = client.get(f"/api/v1/admin/standards/{REGION}/{code}", headers=bearer(other))
        assert refused.status_code == 404, refused.text
        listed = client.get("/api/v1/admin/standards", params={"q": word, "state": "all"}, headers=bearer(other))
        assert listed.status_code == 200 and listed.json()["items"] == [], listed.text
    assert errors == [] and citizen_errors == [] and stranger_errors == []
