"""The queue in the browser (issue 16): a citizen books a time on their phone (360×740) and gets a QR code; at the
kiosk (a tablet) the booking is checked in and the ticket printed (a 58 mm thermal page that nothing sticks out of);
the officer — signed in with a passkey through Chrome's virtual authenticator — calls it from the counter screen; the
display board shows the call; the citizen's phone, following the ticket, says "Dipanggil ke loket A1"; the officer
serves it. The region admin first sets the service's queue in admin mode (a wrong value is said next to its field).

Time is the real clock (the server's is not controlled here), so the test brings its own building: a region added
for the test, open around the clock every day, in whichever of WIB, WITA or WIT has a bookable time left today (from
23:00 WIB on, a WITA or WIT region is already in tomorrow's morning). A national day off today would close it: the
test then says so and is skipped. The region and everything the queue wrote in it are removed afterwards.

Real server, real API, Debian's Chromium; screenshots into docs/screenshots/ (queue-*.png).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pypdf
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.a11y import AXE, axe_violations, describe
from tests.e2e.pwa import *  # noqa: F403  (fixtures: pwa_server, browser, phone)
from tests.e2e.pwa import PwaServer, bearer, virtual_authenticator, watch_errors
from tests.e2e.queue_world import *  # noqa: F403  (fixture: region, a region of the test's own)
from tests.support.identity import random_nik
from tests.support.kiosks import paired_secret

pytestmark = pytest.mark.e2e

PHONE_360 = {"width": 360, "height": 740}
TABLET = {"width": 800, "height": 1280}
DESK = {"width": 1280, "height": 900}
TV = {"width": 1280, "height": 720}
MM_PER_PT = 25.4 / 72


def fits(page: Page, name: str) -> None:
    """Nothing wider than the screen; then a screenshot for docs/screenshots/."""
    widths = page.evaluate(
        """() => {
            const wide = [...document.querySelectorAll('body *')]
                .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5
                    && getComputedStyle(el).position !== 'fixed' && !el.closest('.visually-hidden, .kq-sheet'))
                .slice(0, 6).map((el) => el.tagName.toLowerCase() + '.' + el.className);
            return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, wide};
        }"""
    )
    assert widths["scroll"] <= widths["inner"] and widths["wide"] == [], f"{name}: {widths}"


def shot(pwa_server: PwaServer, page: Page, name: str) -> None:
    fits(page, name)
    pwa_server.screenshot(page, name)


def test_book_check_in_call_and_serve(
    pwa_server: PwaServer, browser: Browser, phone: Callable[..., BrowserContext], region: dict[str, Any]
) -> None:
    code, service = region["code"], region["service"]
    local_today = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=region["offset"])).date().isoformat()
    with pwa_server.api() as api:
        today = api.get(f"/api/v1/regions/{code}/queue/slots", params={"service": service["id"], "date": local_today})
    assert today.status_code == 200, today.text
    if today.json().get("closed") == "day_off":
        pytest.skip(f"{local_today} is a national day off: the building is closed, nothing can be booked for today")

    set_the_queue_in_admin_mode(pwa_server, phone, region)
    booking_code, citizen_page = book_on_the_phone(pwa_server, phone, region, local_today)
    ticket_number = check_in_at_the_kiosk(pwa_server, browser, region, booking_code)
    call_and_serve(pwa_server, browser, citizen_page, region, ticket_number)


def set_the_queue_in_admin_mode(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext], region: dict[str, Any]
) -> None:
    """The region admin gives KK Baru online seats: a handling time of 0 is refused next to its field, then saved."""
    page = phone(viewport=PHONE_360).new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, region["admin"], "/admin")
    page.get_by_role("link", name="Pengaturan antrean").click()
    expect(page.get_by_role("heading", level=1, name="Pengaturan antrean")).to_be_visible(timeout=20_000)
    page.get_by_label("Cari layanan atau instansi").fill("kartu keluarga baru")
    item = page.locator(".aq-item").filter(has_text="Penerbitan Kartu Keluarga (KK) Baru")
    expect(item).to_have_count(1)
    item.locator("summary").click()
    item.get_by_label("Lama layanan rata-rata (menit)").fill("0")
    item.get_by_label("Kuota booking online per hari").fill("200")
    item.get_by_role("button", name="Simpan").click()
    handling = item.locator("[data-field=handlingMinutes]")
    expect(handling.locator(".error")).to_have_text("Isi angka bulat 1–480.")
    expect(item.get_by_label("Lama layanan rata-rata (menit)")).to_be_focused()
    shot(pwa_server, page, "queue-admin-error")
    item.get_by_label("Lama layanan rata-rata (menit)").fill("10")
    item.get_by_role("button", name="Simpan").click()
    expect(item.locator(".aq-form .status")).to_have_text("Pengaturan antrean tersimpan.")
    expect(item.locator(".aq-summary")).to_contain_text("online 200/hari")
    assert errors == []


def book_on_the_phone(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext], region: dict[str, Any], today: str
) -> tuple[str, Page]:
    """The citizen books a time today from the service's screen; returns the check-in code the QR carries, and
    the citizen's page (the phone stays signed in: a second sign-in from the same tokens would reuse a rotated
    refresh token)."""
    citizen = pwa_server.sign_in()
    nik = random_nik()
    with pwa_server.api() as api:
        me = api.patch("/api/v1/me", json={"name": "Sri Antrean", "nik": nik}, headers=bearer(citizen))
        assert me.status_code == 200, me.text
    pwa_server.verify_identity(citizen, nik=nik, name="Sri Antrean")
    region["citizen"] = citizen

    page = phone(viewport=PHONE_360).new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, citizen, f"/services/{region['service']['id']}")
    page.get_by_role("link", name="Ambil jadwal antrean").click()
    expect(page.get_by_role("heading", level=1, name="Ambil jadwal antrean")).to_be_visible()
    page.locator(f"label[for=q-day-{today}]").click()
    # A time that starts at least three minutes from now (it must not start while the test books it) and within
    # the hour (check-in opens 60 minutes before it).
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3)
    expect(page.locator("#q-slots input").first).to_be_attached()
    starts = page.locator("#q-slots input:not([disabled])").evaluate_all("(inputs) => inputs.map((i) => i.value)")
    start = next(s for s in starts if dt.datetime.fromisoformat(s) >= soon)
    page.locator(f"#q-slots input[value='{start}']").locator("xpath=..").click()
    expect(page.locator("#q-chosen")).to_contain_text("Dipilih:")
    page.locator("#q-slot-fieldset").scroll_into_view_if_needed()
    shot(pwa_server, page, "queue-book")
    page.get_by_role("button", name="Ambil jadwal").click()

    expect(page.locator("#q-notice")).to_have_text("Jadwal antrean tersimpan.", timeout=15_000)
    expect(page.locator("#q-booking-status")).to_have_text("Terjadwal")
    expect(page.locator("#q-booking-qr")).to_be_visible()
    assert page.evaluate("document.querySelector('#q-booking-qr').naturalWidth") > 0
    shot(pwa_server, page, "queue-booking")
    grouped = page.locator("#q-check-in-code").inner_text()
    assert "-" in grouped
    # The booking is on the list of my bookings (linked from the applications tab).
    page.get_by_role("link", name="Kembali ke antrean saya").click()
    expect(page.locator("#q-bookings")).to_contain_text("Penerbitan Kartu Keluarga (KK) Baru")
    assert errors == []
    return grouped, page


def check_in_at_the_kiosk(pwa_server: PwaServer, browser: Browser, region: dict[str, Any], grouped: str) -> str:
    """The tablet checks the booking in and shows the ticket; its 58 mm print fits the paper. Returns the number."""
    with pwa_server.api() as api:
        registered = api.post("/api/v1/admin/kiosks", json={"name": "Kios antrean"}, headers=bearer(region["admin"]))
        secret = paired_secret(api, registered)
    context = browser.new_context(viewport=TABLET, locale="id-ID")
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(f"{pwa_server.url}/#/kiosk")
    page.get_by_label("Kode perangkat").fill(secret)
    page.get_by_role("button", name="Jadikan kios").click()
    page.locator("#kq-home-checkin").click()
    expect(page.get_by_role("heading", level=1, name="Check-in booking")).to_be_visible()
    # Chromium here has no BarcodeDetector (nor a camera), so the QR is fed the way a handheld scanner at a kiosk
    # does it: it "types" what it reads into the focused code field, then Enter. What the QR carries is the
    # booking's check-in code, the same the phone shows under it — typed here as the phone shows it.
    expect(page.locator("#kq-code")).to_be_focused()
    page.keyboard.type(grouped)
    page.keyboard.press("Enter")
    number = page.locator("#kq-number")
    expect(number).to_have_text("A-001", timeout=15_000)
    expect(page.locator("#kq-booking")).to_contain_text("Booking")
    expect(page.locator("#kq-ahead")).to_have_text("Tidak ada: Anda berikutnya")
    assert page.evaluate("document.querySelector('#kq-follow-qr').naturalWidth") > 0
    shot(pwa_server, page, "queue-kiosk-ticket")
    # A second scan of the same code (a retry): the same ticket, not a second one.
    with pwa_server.api() as api:
        session = api.post("/api/v1/auth/kiosk", json={"deviceSecret": secret}).json()
        again = api.post("/api/v1/kiosk/queue/tickets", json={"checkInCode": grouped.lower()}, headers=bearer(session))
    assert again.status_code == 200 and again.json()["number"] == "A-001", again.text

    printed_on_58mm(page)
    assert errors == []
    context.close()
    return "A-001"


def printed_on_58mm(page: Page) -> None:
    """ "Cetak tiket" on 58 mm paper: one page, the roll's width, and nothing of the ticket beyond it."""
    page.evaluate("() => { window.print = () => {}; }")  # no dialog in a test; the page is made ready as for one
    page.locator("label[for=kq-paper-58]").click()
    page.get_by_role("button", name="Cetak tiket").click()
    pdf = pypdf.PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert abs(float(box.width) * MM_PER_PT - 58) < 0.5, float(box.width) * MM_PER_PT
    # Text runs start inside the page (pypdf gives where each starts)…
    starts: list[float] = []
    pdf.pages[0].extract_text(
        visitor_text=lambda text, cm, tm, *_: starts.append(tm[4] * cm[0] + cm[4]) if text.strip() else None
    )
    assert starts and all(0 <= x < float(box.width) for x in starts), starts
    # …and, laid out as printed at the roll's width, no element of the ticket ends past the page's edge.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": round(58 / 25.4 * 96), "height": 900})
    overflow = page.evaluate(
        """() => [...document.querySelectorAll('.kq-sheet, .kq-sheet *')]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map((el) => el.className || el.tagName)"""
    )
    assert overflow == []
    assert page.evaluate("document.querySelector('.kq-sheet').getBoundingClientRect().width") > 100
    page.emulate_media(media="screen")
    page.set_viewport_size(TABLET)


def officer_signs_in(pwa_server: PwaServer, browser: Browser, code: str) -> Page:
    """An officer of Disdukcapil enrols their passkey from the admin's link and signs in with it (Chromium's
    virtual authenticator stands in for the desk's fingerprint reader)."""
    mobile = pwa_server.create_staff("officer", agency="DISDUKCAPIL", region=code)
    page = browser.new_context(viewport=DESK, locale="id-ID").new_page()
    virtual_authenticator(page)
    page.goto(pwa_server.enrolment_link(mobile))
    page.get_by_label("Nomor HP").fill(mobile)
    sent = pwa_server.code_count(mobile)
    page.get_by_role("button", name="Kirim kode").click()
    page.get_by_label("Kode dari SMS").fill(pwa_server.last_code(mobile, after=sent))
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.get_by_role("button", name="Buat passkey").click()
    expect(page).to_have_url(f"{pwa_server.url}/#/officer", timeout=20_000)
    return page


def call_and_serve(
    pwa_server: PwaServer, browser: Browser, follower: Page, region: dict[str, Any], number: str
) -> None:
    code = region["code"]
    # The citizen follows the ticket from the booking, on the same phone (its "Pantau antrean").
    follower_errors = watch_errors(follower)
    with pwa_server.api() as api:
        booking = api.get("/api/v1/queue/bookings", headers=bearer(region["citizen"])).json()["items"][0]
    assert booking["status"] == "checked_in" and booking["ticket"]["number"] == number
    follower.goto(f"{pwa_server.url}/#/queue/{booking['id']}")
    expect(follower.locator("#q-booking-ticket")).to_have_text(number)
    follower.get_by_role("link", name="Pantau antrean").click()
    expect(follower.locator("#q-number")).to_have_text(number)
    expect(follower.locator("#q-state")).to_have_text("Menunggu dipanggil")

    # The display board of the region, on a TV.
    board = browser.new_context(viewport=TV, locale="id-ID").new_page()
    board.goto(f"{pwa_server.url}/#/board/{code}")
    expect(board.locator("h1")).to_be_visible(timeout=15_000)

    officer = officer_signs_in(pwa_server, browser, code)
    errors = watch_errors(officer)
    officer.get_by_role("link", name="Loket", exact=True).click()
    expect(officer.get_by_role("heading", level=1, name="Loket antrean")).to_be_visible()
    officer.get_by_role("button", name="Buka loket A1").click()
    expect(officer.locator("#qc-message")).to_have_text("Loket A1 dibuka.")
    officer.keyboard.press("n")  # the desk's shortcut for "Panggil berikutnya"
    expect(officer.locator("#qc-number")).to_have_text(number, timeout=15_000)
    expect(officer.locator("#qc-message")).to_have_text(f"{number} dipanggil ke loket A1.")
    expect(officer.locator("#qc-kind")).to_contain_text("Booking")
    # No-show only after the third call: not yet.
    expect(officer.get_by_role("button", name="Tidak hadir")).to_be_disabled()
    shot(pwa_server, officer, "queue-counter")

    expect(board.locator(".board-hero-number")).to_have_text(number, timeout=10_000)
    expect(follower.locator("#q-called")).to_have_text("Dipanggil ke loket A1", timeout=25_000)
    shot(pwa_server, follower, "queue-follow-called")

    officer.get_by_role("button", name="Mulai layani").click()
    expect(officer.locator("#qc-message")).to_have_text(f"{number} sedang dilayani.")
    officer.get_by_role("button", name="Selesai").click()
    expect(officer.locator("#qc-message")).to_have_text(f"{number} selesai dilayani.")
    expect(officer.locator("#qc-none")).to_be_visible()
    follower.reload()
    expect(follower.locator("#q-state")).to_have_text("Selesai dilayani. Terima kasih!", timeout=15_000)
    assert errors == [] and follower_errors == []


def test_move_cancel_and_one_booking_a_day(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext], region: dict[str, Any]
) -> None:
    """On the phone: book a time on a later day, move it to another time of that day (atomically: the old time is
    shown as "yours" until then), a second booking that day is refused in words, and cancelling asks first and
    says when the seat returns to others."""
    citizen = pwa_server.sign_in()
    nik = random_nik()
    with pwa_server.api() as api:
        assert api.patch("/api/v1/me", json={"name": "Budi Pindah", "nik": nik}, headers=bearer(citizen)).is_success
    pwa_server.verify_identity(citizen, nik=nik, name="Budi Pindah")
    page = phone(viewport=PHONE_360).new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, citizen, f"/queue/book/{region['service']['id']}")
    days = page.locator("#q-days input:not([disabled])")
    expect(days.first).to_be_attached(timeout=15_000)
    day = days.nth(1).get_attribute("value")
    page.locator(f"label[for=q-day-{day}]").click()
    free = page.locator("#q-slots label:has(input:not([disabled]))")
    free.nth(0).click()
    page.get_by_role("button", name="Ambil jadwal").click()
    expect(page.locator("#q-notice")).to_have_text("Jadwal antrean tersimpan.", timeout=15_000)
    first_when = page.locator("#q-booking-when").inner_text()

    # Move: the same day is chosen, the current time is marked and cannot be picked again.
    page.get_by_role("link", name="Pindah jadwal").click()
    expect(page.get_by_role("heading", level=1, name="Pindah jadwal antrean")).to_be_visible()
    expect(page.locator(f"#q-day-{day}")).to_be_checked()
    current = page.locator("#q-slots label").filter(has_text="Jadwal Anda sekarang")
    expect(current.locator("input")).to_be_disabled()
    page.locator("#q-slots label:has(input:not([disabled]))").nth(1).click()
    page.get_by_role("button", name="Pindah ke jadwal ini").click()
    expect(page.locator("#q-notice")).to_have_text("Jadwal antrean sudah dipindah.", timeout=15_000)
    assert page.locator("#q-booking-when").inner_text() != first_when

    # One booking per NIK per service per day: a second one that day is refused, with the way to my bookings.
    page.goto(f"{pwa_server.url}/#/queue/book/{region['service']['id']}")
    page.locator(f"label[for=q-day-{day}]").click()
    page.locator("#q-slots label:has(input:not([disabled]))").nth(2).click()
    page.get_by_role("button", name="Ambil jadwal").click()
    problem = page.locator("#q-problem")
    expect(problem).to_contain_text("Anda sudah punya jadwal untuk layanan ini pada hari itu")
    expect(problem).to_be_focused()
    expect(problem.get_by_role("link", name="Lihat antrean saya")).to_be_visible()
    shot(pwa_server, page, "queue-already-booked")

    # Cancel: asked first, with what happens to the seat; then said, with the time the seat returns.
    problem.get_by_role("link", name="Lihat antrean saya").click()
    page.locator("#q-bookings a").first.click()
    page.get_by_role("button", name="Batalkan jadwal").click()
    expect(
        page.get_by_text("Tempat Anda baru kembali tersedia untuk orang lain 30 menit setelah pembatalan")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Ya, batalkan")).to_be_focused()
    page.get_by_role("button", name="Ya, batalkan").click()
    expect(page.locator("#q-notice")).to_have_text("Jadwal dibatalkan.")
    expect(page.locator("#q-booking-status")).to_have_text("Dibatalkan")
    expect(page.locator("#q-seat-returns")).to_contain_text("kembali tersedia untuk orang lain mulai pukul")
    expect(page.locator("#q-booking-qr")).to_have_count(0)
    assert errors == []


def test_the_queue_screens_pass_axe(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext], region: dict[str, Any]
) -> None:
    """axe-core (WCAG 2.2 AA tags, serious and critical) on the queue's screens: booking, a booking with its QR, my
    bookings, following a ticket, the kiosk's service list, and the officer's counter with a ticket called."""
    assert AXE.exists(), f"{AXE} is missing: run `npm ci --prefix tools`"
    service = region["service"]["id"]
    citizen = pwa_server.sign_in()
    nik = random_nik()
    with pwa_server.api() as api:
        assert api.patch("/api/v1/me", json={"name": "Ani Aksesibel", "nik": nik}, headers=bearer(citizen)).is_success
    pwa_server.verify_identity(citizen, nik=nik, name="Ani Aksesibel")
    with pwa_server.api() as api:
        registered = api.post("/api/v1/admin/kiosks", json={"name": "Kios axe"}, headers=bearer(region["admin"]))
        secret = paired_secret(api, registered)
        kiosk = api.post("/api/v1/auth/kiosk", json={"deviceSecret": secret}).json()
        ticket = api.post("/api/v1/kiosk/queue/tickets", json={"serviceId": service}, headers=bearer(kiosk))
        assert ticket.status_code == 201, ticket.text
    officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=region["code"])
    with pwa_server.api() as api:
        called = api.post("/api/v1/officer/queue/next", json={"counter": "A1"}, headers=bearer(officer))
        assert called.status_code == 200, called.text

    # axe is injected as an inline script, which the app's CSP forbids: these contexts ignore the CSP.
    page = phone(viewport=PHONE_360, bypass_csp=True).new_page()
    pwa_server.open_signed_in(page, citizen, f"/queue/book/{service}")
    expect(page.locator("#q-days input").first).to_be_attached(timeout=15_000)
    page.locator("#q-days label:has(input:not([disabled]))").nth(1).click()
    page.locator("#q-slots label:has(input:not([disabled]))").first.click()
    found = {"booking": axe_violations(page)}
    page.get_by_role("button", name="Ambil jadwal").click()
    expect(page.locator("#q-booking-qr")).to_be_visible(timeout=15_000)
    found["booking detail"] = axe_violations(page)
    page.goto(f"{pwa_server.url}/#/queue")
    expect(page.locator("#q-bookings")).to_be_visible()
    found["my bookings"] = axe_violations(page)
    page.goto(f"{pwa_server.url}/#/q/{ticket.json()['followToken']}")
    expect(page.locator("#q-called")).to_be_visible()
    found["follow"] = axe_violations(page)

    tablet = phone(viewport=TABLET, is_mobile=False, has_touch=False, bypass_csp=True).new_page()
    tablet.goto(f"{pwa_server.url}/#/kiosk")
    tablet.get_by_label("Kode perangkat").fill(secret)
    tablet.get_by_role("button", name="Jadikan kios").click()
    tablet.locator("#kq-home-take").click()
    expect(tablet.locator("#kq-services li").first).to_be_visible()
    found["kiosk services"] = axe_violations(tablet)

    desk = phone(viewport=DESK, is_mobile=False, has_touch=False, bypass_csp=True).new_page()
    pwa_server.open_signed_in(desk, officer, "/officer/counter")
    expect(desk.locator("#qc-number")).to_be_visible(timeout=15_000)
    found["counter"] = axe_violations(desk)
    assert {k: v for k, v in found.items() if v} == {}, "\n".join(f"{k}: {describe(v)}" for k, v in found.items() if v)
