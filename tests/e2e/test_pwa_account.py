"""Citizen account screens in a real Chromium: sign-in by SMS code (and a staff passkey), notifications,
settings (devices, push), and sign-out wiping the device."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, forget_minute_limit, second_sign_in, wait_for_unread, watch_errors
from tests.support.auth import new_phone

pytestmark = pytest.mark.e2e


def national(phone: str) -> str:
    """+62812… → 0812-… as a person would type it."""
    digits = "0" + phone.removeprefix("+62")
    return f"{digits[:4]}-{digits[4:8]} {digits[8:]}"


def test_sign_in_by_code_asks_a_new_account_for_its_name(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    page = phone().new_page()
    errors = watch_errors(page)
    page.goto(f"{pwa_server.url}/#/signin?next=%2Fwallet")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")
    number = page.get_by_label("Nomor HP")
    number.fill("12345")
    page.get_by_role("button", name="Kirim kode").click()
    expect(page.locator("#signin-phone-error")).to_have_text(re.compile("nomor HP Indonesia"))
    expect(number).to_have_attribute("aria-invalid", "true")

    mobile = new_phone()
    number.fill(national(mobile))  # typed the local way, with a dash and a space
    sent = pwa_server.code_count(mobile)
    page.get_by_role("button", name="Kirim kode").click()
    code = page.get_by_label("Kode dari SMS")
    expect(code).to_be_focused()
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    expect(code).to_have_attribute("inputmode", "numeric")
    expect(page.locator("#signin-code-hint")).to_contain_text(mobile)  # normalised to +62…
    expect(page.locator("#signin-resend")).to_be_disabled()  # resend only after the countdown
    pwa_server.screenshot(page, "citizen-signin")

    right = pwa_server.last_code(mobile, after=sent)
    code.fill("000000" if right != "000000" else "111111")
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.locator("#signin-code-error")).to_have_text(re.compile("Kode salah"))

    code.fill(right)
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lengkapi data Anda")
    page.get_by_label("NIK (boleh nanti)").fill("1234")
    page.get_by_role("button", name="Simpan dan lanjutkan").click()
    expect(page.locator("#signin-name-error")).to_be_visible()
    expect(page.locator("#signin-nik-error")).to_have_text("NIK harus 16 angka.")
    page.get_by_label("Nama lengkap").fill("Siti Aminah")
    page.get_by_label("NIK (boleh nanti)").fill("")
    page.get_by_role("button", name="Simpan dan lanjutkan").click()
    # Back to where the citizen was going, signed in, with the name saved on the server.
    expect(page).to_have_url(f"{pwa_server.url}/#/wallet")
    expect(page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Dompet")).to_be_visible()
    me = page.evaluate("async () => (await import('/js/session.js')).me()")
    assert me["name"] == "Siti Aminah" and me["phone"] == mobile
    assert errors == []


def test_notifications_inbox_marks_read_and_reads_offline(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    context = phone()
    page = context.new_page()
    errors = watch_errors(page)
    tokens = pwa_server.sign_in()
    second_sign_in(pwa_server, tokens["phone"])
    second_sign_in(pwa_server, tokens["phone"])
    wait_for_unread(pwa_server, tokens, 2)  # delivery runs in the background
    pwa_server.open_signed_in(page, tokens, "/")
    nav = page.get_by_role("navigation", name="Menu utama")
    # The unread count rides on the navigation link, and is part of its accessible name.
    # The count is asked for after the first screen and the service worker's precache: on a loaded CI machine
    # that has taken more than 15 s.
    expect(nav.get_by_role("link", name=re.compile(r"^Notifikasi\s*\(2 belum dibaca\)$"))).to_be_visible(timeout=40_000)

    nav.get_by_role("link", name=re.compile("Notifikasi")).click()
    items = page.locator("#notif-list > li")
    expect(items).to_have_count(2)
    expect(page.locator(".notif-unread")).to_have_count(2)
    expect(items.first.get_by_role("link")).to_have_attribute("href", "#/settings")
    pwa_server.screenshot(page, "citizen-notifications")

    items.first.get_by_role("button", name=re.compile("Tandai")).click()
    expect(page.locator(".notif-unread")).to_have_count(1)
    expect(nav.get_by_role("link", name=re.compile(r"^Notifikasi\s*\(1 belum dibaca\)$"))).to_be_visible()
    page.get_by_role("button", name="Tandai semua sudah dibaca").click()
    expect(page.locator(".notif-unread")).to_have_count(0)
    expect(nav.locator(".notif-count")).to_have_count(0)
    with pwa_server.api() as client:
        inbox = client.get("/api/v1/notifications", headers={"Authorization": f"Bearer {tokens['accessToken']}"})
    assert inbox.json()["unread"] == 0

    # Offline: the last copy on this phone is shown, saying how old it is.
    page.goto(f"{pwa_server.url}/#/")
    expect(page.get_by_role("navigation", name="Menu utama")).to_be_visible()
    context.set_offline(True)
    page.evaluate("location.hash = '#/notifications'")
    expect(page.locator("#notif-status")).to_contain_text("Data tersimpan dari")
    expect(items).to_have_count(2)
    context.set_offline(False)
    assert errors == []


def wait_for_dialogs(page: Page, asked: list[str], count: int) -> None:
    """Until the page has shown ``count`` dialogs (each answered by its handler), for at most 15 s."""
    for _ in range(300):
        if len(asked) >= count:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{len(asked)} of {count} dialogs shown: {asked}")


def test_settings_show_this_device_and_sign_out_wipes_it(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    page = phone().new_page()
    errors = watch_errors(page)
    tokens = pwa_server.sign_in()
    pwa_server.open_signed_in(page, tokens, "/settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pengaturan")
    devices = page.locator("#settings-devices > li")
    expect(devices).to_have_count(1)
    expect(devices.first).to_contain_text("Perangkat ini")
    # Signed in through the API for this test, so the device is named after that client.
    expect(devices.first).to_contain_text("httpx")
    expect(page.get_by_role("radio", name="English")).not_to_be_checked()
    expect(page.locator("#settings-access-log")).to_contain_text("Belum ada")
    pwa_server.screenshot(page, "citizen-settings")
    # Data exported as a ZIP archive, under the dated name the server gives it.
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh salinan data saya").click()
    assert re.fullmatch(r"mpp-digital-data-saya-\d{4}-\d{2}-\d{2}\.zip", download.value.suggested_filename)

    assert page.evaluate("async () => !!(await (await import('/js/store/db.js')).get('kv', 'session'))")
    # An application still waiting in the outbox: signing out would lose it, so the app asks first.
    page.evaluate(
        """async () => (await import('/js/store/db.js')).put('outbox', 'x1',
            { id: 'x1', state: 'pending', createdAt: new Date().toISOString() })"""
    )
    # Each dialog is answered from its handler: left open, it blocks the page, and a click still waiting on the
    # export's download navigation then never returns (seen on a loaded machine).
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))  # "No": nothing happens
    page.get_by_role("button", name="Keluar", exact=True).click()
    wait_for_dialogs(page, asked, 1)
    assert asked[0].startswith("1 permohonan di ponsel ini belum terkirim"), asked
    expect(page.get_by_role("heading", level=1)).to_have_text("Pengaturan")
    assert page.evaluate("async () => !!(await (await import('/js/store/db.js')).get('kv', 'session'))")
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Keluar", exact=True).click()
    wait_for_dialogs(page, asked, 2)
    expect(page).to_have_url(f"{pwa_server.url}/#/")
    nav = page.get_by_role("navigation", name="Menu utama")
    expect(nav.get_by_role("link", name="Masuk")).to_be_visible()
    expect(nav.get_by_role("link", name="Dompet")).to_have_count(0)
    # Nothing personal is left on the device: the database is gone, so is the session in it.
    names = page.evaluate("async () => (await indexedDB.databases()).map((d) => d.name)")
    assert "mpp" not in names
    assert not page.evaluate("async () => !!(await (await import('/js/store/db.js')).get('kv', 'session'))")
    page.reload()
    expect(page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Masuk")).to_be_visible()
    # The session is dead on the server too.
    with pwa_server.api() as client:
        refreshed = client.post("/api/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert refreshed.status_code in (400, 401)
    assert errors == []


def test_language_switch_works_signed_out(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    page = phone().new_page()
    page.goto(f"{pwa_server.url}/#/settings")
    expect(page.get_by_role("link", name="Masuk").last).to_be_visible()
    page.get_by_role("radio", name="English").check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    expect(page.get_by_role("navigation").get_by_role("link", name="Sign in")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"


PERMISSION_SPY = """
window.__permissionRequests = 0;
if (window.Notification) {
  const original = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = (...args) => { window.__permissionRequests += 1; return original(...args); };
}
"""


def test_push_permission_is_asked_only_from_the_toggle(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    context = phone()
    context.add_init_script(PERMISSION_SPY)
    page = context.new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, pwa_server.sign_in(), "/settings")
    toggle = page.get_by_role("switch", name="Kirim notifikasi ke perangkat ini")
    expect(toggle).to_be_visible()
    expect(page.locator("#settings-push-status")).to_contain_text("tidak aktif")
    page.wait_for_timeout(500)
    assert page.evaluate("window.__permissionRequests") == 0  # nothing asked on load
    assert page.evaluate("Notification.permission") == "default"

    context.grant_permissions(["notifications"], origin=pwa_server.url)
    toggle.click()
    # Asked once, from the click. Headless Chromium has no push service, so subscribing fails: the person is
    # told so in plain words and the toggle stays off.
    expect(page.locator("#settings-push-error")).to_contain_text(
        "tidak dapat tersambung ke layanan notifikasinya", timeout=20_000
    )
    assert page.evaluate("window.__permissionRequests") == 1
    expect(toggle).not_to_be_checked()
    expect(toggle).to_be_enabled()
    assert errors == []


def staff_code_step(page: Page, pwa_server: PwaServer, mobile: str) -> None:
    page.goto(f"{pwa_server.url}/#/signin")
    page.get_by_label("Nomor HP").fill(mobile)
    sent = pwa_server.code_count(mobile)
    page.get_by_role("button", name="Kirim kode").click()
    expect(page.get_by_label("Kode dari SMS")).to_be_focused()
    page.get_by_label("Kode dari SMS").fill(pwa_server.last_code(mobile, after=sent))
    page.get_by_role("button", name="Masuk", exact=True).click()
    # The code alone is not enough for staff: a passkey must confirm it.
    expect(page).to_have_url(f"{pwa_server.url}/#/signin?step=passkey")
    expect(page.get_by_role("heading", level=1)).to_have_text("Konfirmasi dengan passkey")


def test_staff_confirm_the_code_with_a_passkey(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    page = phone().new_page()
    errors = watch_errors(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )["authenticatorId"]
    mobile = pwa_server.create_staff("officer", agency="DISDUKCAPIL", region="3471")

    # First time: this officer has no passkey yet, so one is created (with the enrolment code from their admin,
    # typed in), then used.
    staff_code_step(page, pwa_server, mobile)
    page.get_by_label("Kode pendaftaran").fill(pwa_server.enrolment_code(mobile))
    page.get_by_role("button", name="Buat passkey").click()
    expect(page).to_have_url(f"{pwa_server.url}/#/officer", timeout=20_000)
    assert page.evaluate("async () => (await import('/js/session.js')).scope()") == "api"
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(stored) == 1 and stored[0]["isResidentCredential"]

    # Next time: the code, then the passkey they have.
    page.evaluate("async () => (await import('/js/session.js')).signOut()")
    forget_minute_limit(pwa_server, mobile)
    staff_code_step(page, pwa_server, mobile)
    expect(page.get_by_label("Kode pendaftaran")).to_be_hidden()  # only the first passkey needs it
    page.get_by_role("button", name="Konfirmasi dengan passkey").click()
    expect(page).to_have_url(f"{pwa_server.url}/#/officer", timeout=20_000)
    assert page.evaluate("async () => (await import('/js/session.js')).scope()") == "api"
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]) == 1
    assert errors == []


def test_deleting_the_account_says_what_goes_and_when_then_wipes_the_phone(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    page = phone().new_page()
    errors = watch_errors(page)
    tokens = pwa_server.sign_in()
    pwa_server.open_signed_in(page, tokens, "/settings")
    section = page.locator("#settings-delete-section")
    expect(section.get_by_role("heading", name="Hapus akun")).to_be_visible()
    # What is erased, what is kept and why, and when: on screen before anything is asked.
    expect(section).to_contain_text("Semua dokumen di dompet Anda")
    expect(section).to_contain_text("instansi wajib mengarsipkannya")
    expect(section).to_contain_text("30 hari")
    # The confirmation opens inside the click's handler: answer it from a handler, or the click never returns.
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    section.get_by_role("button", name="Hapus akun saya").click()
    assert asked and "30 hari" in asked[0]  # "No": nothing happens
    with pwa_server.api() as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['accessToken']}"})
    assert me.status_code == 200
    page.once("dialog", lambda dialog: dialog.accept())
    section.get_by_role("button", name="Hapus akun saya").click()
    expect(page).to_have_url(f"{pwa_server.url}/#/")
    expect(page.get_by_text(re.compile(r"Akun Anda dihapus mulai \d"))).to_be_visible()
    assert not page.evaluate("async () => !!(await (await import('/js/store/db.js')).get('kv', 'session'))")
    with pwa_server.api() as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['accessToken']}"})
    assert me.status_code == 401
    assert errors == []
