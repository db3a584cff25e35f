"""No screen is wider than a small phone (issue 13, item 9): every citizen screen at 320 px and 360 px, signed in
with real data (documents, an application, unread notifications, a queue booking and tickets), the officer's
screens (inbox, review, identity check, queue counter) and the admin screens at 320 px and 360 px, the figures'
screens (dashboards, ranking, the public page of an MPP; the staff tab bar's labels) at 320 and 360 px, and the
kiosk's at 360 px. A screen wider than the viewport makes the whole page pan sideways under the user's thumb.

Each screen is measured as `document.documentElement.scrollWidth <= window.innerWidth`, and the window as no
wider than the phone (a phone browser zooms out to fit a wider page, and innerWidth grows with it); a failure names
the elements that stick out. Citizen screens must also show no date as the API sends it ("2026-11-01", item 11).
Screenshots go to $MPP_WIDTH_SHOTS (default /tmp/mpp-widths) to be looked at.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import (
    PwaServer,
    bearer,
    citizen_with_documents,
    kk_service,
    second_sign_in,
    submit,
    wait_for_unread,
)
from tests.e2e.queue_world import queue_region
from tests.support.applications import answers_for
from tests.support.attestation import attestation
from tests.support.files import jpeg
from tests.support.kiosks import paired_secret

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("MPP_WIDTH_SHOTS", "/tmp/mpp-widths"))
HEIGHT = 740  # a 360×740 phone, the size the issue was found on

# What sticks out, so a failure says what to fix (fixed-position layers such as toasts do not widen the page).
MEASURE = """(limit) => {
    const wide = [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > limit + 0.5 && getComputedStyle(el).position !== 'fixed')
        .filter((el) => !el.closest('.visually-hidden'))
        .slice(0, 6)
        .map((el) => {
            const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
            const classes = String(el.className).trim().split(/\\s+/).filter(Boolean).map((c) => '.' + c).join('');
            return `${name}${classes} (right edge ${Math.round(el.getBoundingClientRect().right)} px)`;
        });
    // Dates as the API sends them ("2026-11-01") instead of in the reader's language (issue 13, item 11).
    const raw = (document.querySelector('main')?.innerText ?? '').match(/\\b\\d{4}-\\d{2}-\\d{2}\\b/g) ?? [];
    return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, wide, raw};
}"""


@dataclass
class World:
    """Records made through the real API, shared by the module's screens."""

    citizen: dict[str, Any]
    service: dict[str, Any]
    application: dict[str, Any]
    documents: list[str]
    kiosk_secret: str

    def keep(self, page: Page) -> None:
        """The citizen's current token pair as the page holds it: refresh tokens rotate when a page opens, and
        replaying an old one ends the whole session, so the next screen walk starts from this pair."""
        pair = page.evaluate(
            """async () => {
                const session = await import('/js/session.js');
                const db = await import('/js/store/db.js');
                const saved = await db.get('kv', 'session');
                return {accessToken: session.accessToken(), refreshToken: saved.refresh, scope: saved.scope,
                        expiresIn: 600};
            }"""
        )
        self.citizen = {**pair, "phone": self.citizen["phone"]}


@pytest.fixture(scope="module")
def world(pwa_server: PwaServer) -> World:
    service = kk_service(pwa_server)
    tokens, ids = citizen_with_documents(pwa_server, service)
    application = submit(pwa_server, tokens, service, ids)
    with pwa_server.api() as client:
        admin = pwa_server.staff_sign_in("region_admin", region="3302")
        kiosk = client.post("/api/v1/admin/kiosks", json={"name": "Kios lobi lebar"}, headers=bearer(admin))
        kiosk_secret = paired_secret(client, kiosk)
        # An officer opens the application: the citizen's access log then has a line to show.
        officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region="3302")
        read = client.get(f"/api/v1/officer/applications/{application['id']}", headers=bearer(officer))
        assert read.status_code == 200, read.text
    # Unread notifications: two more sign-ins of the same number are announced in the inbox.
    second_sign_in(pwa_server, tokens["phone"])
    tokens = second_sign_in(pwa_server, tokens["phone"])
    wait_for_unread(pwa_server, tokens, 2)
    return World(tokens, service, application, ids, kiosk_secret)


@dataclass
class Queue:
    """The queue's records for the citizen and counter screens, in a region made for the module (open around the
    clock; see tests/e2e/queue_world.py): the world's citizen's booking on a later day, a walk-in ticket called to
    counter A1 and one waiting behind it."""

    region: dict[str, Any]
    booking: dict[str, Any]
    called: dict[str, Any]
    waiting: dict[str, Any]


@pytest.fixture(scope="module")
def queue(pwa_server: PwaServer, world: World) -> Iterator[Queue]:
    with queue_region(pwa_server) as region:
        code, service = region["code"], region["service"]["id"]
        today = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=region["offset"])).date()
        with pwa_server.api() as api:
            start = None
            for ahead in range(1, 15):
                day = (today + dt.timedelta(days=ahead)).isoformat()
                slots = api.get(f"/api/v1/regions/{code}/queue/slots", params={"service": service, "date": day})
                assert slots.status_code == 200, slots.text
                free = [s["start"] for s in slots.json()["items"] if s["available"] > 0]
                if free:
                    start = free[0]
                    break
            assert start, f"no free slot in the next two weeks in {code}"
            booked = api.post(
                "/api/v1/queue/bookings",
                json={"serviceId": service, "start": start},
                headers={**bearer(world.citizen), "Idempotency-Key": uuid.uuid4().hex},
            )
            assert booked.status_code == 201, booked.text
            registered = api.post(
                "/api/v1/admin/kiosks", json={"name": "Kios antrean lebar"}, headers=bearer(region["admin"])
            )
            kiosk = api.post("/api/v1/auth/kiosk", json={"deviceSecret": paired_secret(api, registered)}).json()

            def walk_in() -> dict[str, Any]:
                ticket = api.post("/api/v1/kiosk/queue/tickets", json={"serviceId": service}, headers=bearer(kiosk))
                assert ticket.status_code == 201, f"no walk-in ticket today in {code}: {ticket.text}"
                issued: dict[str, Any] = ticket.json()
                return issued

            called = walk_in()
            officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=code)
            opened = api.post("/api/v1/officer/queue/counters/A1/open", headers=bearer(officer))
            assert opened.status_code == 200, opened.text
            call = api.post("/api/v1/officer/queue/next", json={"counter": "A1"}, headers=bearer(officer))
            assert call.status_code == 200 and call.json()["number"] == called["number"], call.text
            waiting = walk_in()
        yield Queue(region, booked.json(), called, waiting)


def settle(page: Page) -> None:
    """Until the screen's data has arrived: network idle, or 5 s for screens that keep polling."""
    page.wait_for_selector("main h1, body > header h1", state="attached", timeout=20_000)
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_load_state("networkidle", timeout=5_000)
    time.sleep(0.3)  # views that render in two steps (skeleton, then data)


def visit(page: Page, hash_path: str) -> None:
    """Move within the app as a link would (the session stays in the page)."""
    page.evaluate("(hash) => { location.hash = hash; }", hash_path)
    settle(page)


class Widths:
    """Measures screens at one size and collects every overflow, so one run reports them all."""

    def __init__(self, page: Page, width: int, label: str, *, citizen: bool = True) -> None:
        self.page = page
        self.citizen = citizen
        self.width = width
        self.label = label
        self.problems: list[str] = []
        self.seen: list[str] = []

    def check(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{self.label}-{name}.png"), full_page=True)
        found = self.page.evaluate(MEASURE, self.width)
        self.seen.append(name)
        # A phone browser zooms out to show a page wider than the screen: window.innerWidth then grows with the
        # content (to 415–440 px on a 360 px phone), so it is held to the phone's own width as well.
        if found["scroll"] > found["inner"] or found["inner"] > self.width:
            self.problems.append(
                f"{name} ({self.page.url}): {found['scroll']} px wide, window {found['inner']} px, "
                f"phone {self.width} px; sticking out: {found['wide']}"
            )

        if found["raw"] and self.citizen:
            self.problems.append(f"{name} ({self.page.url}): dates shown raw: {found['raw']}")

    def assert_none(self) -> None:
        problems = "\n".join(self.problems)
        assert not problems, f"screens wider than the viewport or with raw dates at {self.label}:\n{problems}"


def keep_draft(page: Page, world: World, step: int) -> None:
    """The apply flow resumes at the draft's step: a draft kept on this phone opens the form or the review."""
    page.evaluate(
        """async ([serviceId, answers, documentIds, step]) => {
            const drafts = await import('/js/store/drafts.js');
            await drafts.keep({serviceId, draftId: null, version: null, answers, documentIds, step, updatedAt: ''});
        }""",
        [world.service["id"], answers_for(world.service), world.documents, step],
    )


def walk_citizen_screens(srv: PwaServer, page: Page, world: World, queue: Queue, widths: Widths) -> None:
    # Signed out.
    page.goto(f"{srv.url}/#/")
    settle(page)
    widths.check("home-signed-out")
    page.locator("#q").fill("kartu keluarga")
    page.locator("#search button[type=submit]").click()
    expect(page.locator("#results > li").first).to_be_visible(timeout=15_000)
    time.sleep(0.3)
    widths.check("search-results")
    visit(page, f"#/services/{world.service['id']}")
    widths.check("service")
    visit(page, "#/signin")
    widths.check("signin")
    visit(page, "#/settings")
    widths.check("settings-signed-out")

    # Signed in, with documents, an application and unread notifications.
    srv.open_signed_in(page, world.citizen, "/")
    settle(page)
    world.keep(page)
    expect(page.locator("#nav .notif-count")).to_be_visible(timeout=15_000)
    widths.check("home")
    visit(page, "#/wallet")
    widths.check("wallet")
    # The upload form with a type and a long-named file chosen.
    page.locator("#wallet-type").select_option(index=1)
    page.locator("#wallet-file").set_input_files(
        files=[
            {
                "name": "foto-kartu-keluarga-halaman-depan-dan-belakang.jpg",
                "mimeType": "image/jpeg",
                "buffer": jpeg("#336699"),
            }
        ]
    )
    widths.check("wallet-upload")
    visit(page, f"#/wallet/{world.documents[0]}")
    widths.check("document")
    visit(page, f"#/apply/{world.service['id']}")
    widths.check("apply-documents")
    for step, name in ((1, "apply-form"), (2, "apply-review")):
        keep_draft(page, world, step)
        page.reload()
        settle(page)
        world.keep(page)
        widths.check(name)
    visit(page, "#/applications")
    widths.check("applications")
    visit(page, f"#/applications/{world.application['id']}")
    widths.check("application")
    visit(page, f"#/complaints/new?application={world.application['id']}")
    widths.check("complaint-new")
    visit(page, "#/complaints")
    widths.check("complaints")
    visit(page, "#/notifications")
    expect(page.locator(".notif-unread").first).to_be_visible()
    widths.check("notifications")
    visit(page, "#/outbox")
    widths.check("outbox")
    visit(page, "#/settings")
    expect(page.locator("#settings-access-log > li").first).to_be_visible(timeout=15_000)
    widths.check("settings")
    page.locator("#settings-access-log").scroll_into_view_if_needed()
    widths.check("settings-access-log")
    visit(page, "#/settings/identity")
    widths.check("identity")
    # The queue: my bookings, a booking with its QR code, booking a time (a day and a time chosen), and following
    # a ticket, waiting and called (public pages, opened from the ticket's QR code).
    visit(page, "#/queue")
    expect(page.locator("#q-bookings > li").first).to_be_visible(timeout=15_000)
    widths.check("queue-bookings")
    visit(page, f"#/queue/{queue.booking['id']}")
    expect(page.locator("#q-booking-qr")).to_be_visible(timeout=15_000)
    widths.check("queue-booking")
    visit(page, f"#/queue/book/{queue.region['service']['id']}")
    page.locator("#q-days label:has(input:not([disabled]))").nth(1).click()
    page.locator("#q-slots label:has(input:not([disabled]))").first.click()
    expect(page.locator("#q-chosen")).not_to_be_empty()
    widths.check("queue-book")
    visit(page, f"#/q/{queue.waiting['followToken']}")
    expect(page.locator("#q-state")).to_be_visible(timeout=15_000)
    widths.check("queue-ticket-waiting")
    visit(page, f"#/q/{queue.called['followToken']}")
    expect(page.locator("#q-called")).to_be_visible(timeout=15_000)
    widths.check("queue-ticket-called")
    world.keep(page)
    # The public check page of a document's QR code.
    page.goto(f"{srv.url}/v/#{attestation(srv.data_dir)}")
    page.wait_for_selector("[data-verdict]", timeout=20_000)
    widths.check("verify")


@pytest.mark.parametrize(("width", "lang"), [(320, "id"), (360, "id"), (320, "en")], ids=["320-id", "360-id", "320-en"])
def test_no_citizen_screen_is_wider_than_the_phone(
    pwa_server: PwaServer, world: World, queue: Queue, phone: Callable[..., BrowserContext], width: int, lang: str
) -> None:
    context = phone(viewport={"width": width, "height": HEIGHT}, locale="en-GB" if lang == "en" else "id-ID")
    # The language the person chose last time (the app keeps it on the device).
    context.add_init_script(f"localStorage.setItem('lang', '{lang}')")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    widths = Widths(page, width, f"{width}-{lang}")
    walk_citizen_screens(pwa_server, page, world, queue, widths)
    widths.assert_none()
    assert errors == []


@pytest.mark.parametrize("width", [320, 360])
def test_officer_screens_fit_the_phone(
    pwa_server: PwaServer, world: World, queue: Queue, phone: Callable[..., BrowserContext], width: int
) -> None:
    page = phone(viewport={"width": width, "height": HEIGHT}).new_page()
    widths = Widths(page, width, f"{width}-officer", citizen=False)
    officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region="3302")
    pwa_server.open_signed_in(page, officer, "/officer")
    settle(page)
    expect(page.locator(".off-item").first).to_be_visible(timeout=15_000)
    widths.check("officer-inbox")
    visit(page, f"#/officer/applications/{world.application['id']}")
    widths.check("officer-review")
    visit(page, "#/officer/identity")
    page.get_by_label("Nomor", exact=True).fill(world.citizen["phone"])
    page.get_by_role("button", name="Cari").click()
    expect(page.locator("#off-id-card")).to_be_visible()
    widths.check("officer-identity")

    # The queue counter, taken over by an officer of the queue's region: a ticket called, one waiting.
    desk = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=queue.region["code"])
    with pwa_server.api() as api:
        taken = api.post("/api/v1/officer/queue/counters/A1/open", headers=bearer(desk))
        assert taken.status_code == 200, taken.text
    counter = phone(viewport={"width": width, "height": HEIGHT}).new_page()
    pwa_server.open_signed_in(counter, desk, "/officer/counter")
    settle(counter)
    expect(counter.locator("#qc-number")).to_have_text(queue.called["number"], timeout=15_000)
    widths.page = counter
    widths.check("officer-counter")
    widths.assert_none()


def test_kiosk_screens_fit_360(pwa_server: PwaServer, world: World, phone: Callable[..., BrowserContext]) -> None:
    kiosk = phone(viewport={"width": 360, "height": HEIGHT}).new_page()
    widths = Widths(kiosk, 360, "360-kiosk", citizen=False)
    # The pairing screen (issue 15), with a code filled in from the admin's link.
    kiosk.goto(f"{pwa_server.url}/#/kiosk/pair?code=K7Q29MXD")
    settle(kiosk)
    widths.check("kiosk-pair")
    kiosk.goto(f"{pwa_server.url}/")
    status = kiosk.evaluate(
        """async (secret) => (await fetch('/api/v1/auth/kiosk', {
            method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({deviceSecret: secret}),
        })).status""",
        world.kiosk_secret,
    )
    assert status == 200
    kiosk.goto(f"{pwa_server.url}/#/kiosk")
    settle(kiosk)
    widths.check("kiosk-home")
    widths.assert_none()


@pytest.mark.parametrize("width", [320, 360])
def test_admin_standards_screens_fit_the_phone(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext], width: int
) -> None:
    """Service standards (issue 15): the list, an inherited national standard with its note form open, and a draft
    of a local service in the editor, its preview and its changes — long names, notes and lists included."""
    admin = pwa_server.staff_sign_in("region_admin", region="3302")
    text = {"id": "Uraian yang panjang sekali " * 6, "en": "A very long description " * 6}
    content = {
        "code": f"lebar-{int(time.time() * 1000)}",
        "agency": "DPMPTSP",
        "name": {"id": "Izin Penyelenggaraan Kegiatan Keramaian Umum Berskala Kabupaten", "en": "Public event permit"},
        "description": text,
        "categories": ["business"],
        "channels": "both",
        "fee": 150000,
        "feeNote": text,
        "slaDays": 14,
        "legalBasis": ["Peraturan Daerah Kabupaten Banyumas Nomor 1 Tahun 2024 tentang Penyelenggaraan Perizinan"],
        "requirements": [{"type": "SURAT_PENGANTAR_RT_RW", "optional": True, "note": text}, {"type": "KTP_EL"}],
        "procedure": [text, text],
        "form": [
            {"name": "namaKegiatanKeramaianUmum", "type": "text", "label": text, "maxLength": 200},
            {
                "name": "jenisKegiatan",
                "type": "select",
                "label": {"id": "Jenis kegiatan", "en": "Kind of event"},
                "options": [{"value": "pertunjukan_musik_terbuka", "label": text}],
            },
        ],
        "keywords": ["keramaian", "izin acara"],
        "assurance": "registry",
    }
    with pwa_server.api() as client:
        created = client.post("/api/v1/admin/drafts", json={"scope": "3302", "content": content}, headers=bearer(admin))
        assert created.status_code == 201, created.text
    draft = created.json()
    page = phone(viewport={"width": width, "height": HEIGHT}).new_page()
    widths = Widths(page, width, f"{width}-admin-standards", citizen=False)
    pwa_server.open_signed_in(page, admin, "/admin/services")
    settle(page)
    expect(page.locator("#std-list .std-row").first).to_be_visible(timeout=15_000)
    widths.check("standards")
    page.get_by_role("button", name="Tambah layanan").click()
    widths.check("standards-new")
    visit(page, "#/admin/services/3302~kk-baru")
    page.locator(".std-note-edit summary").click()
    widths.check("standard-inherited")
    visit(page, f"#/admin/drafts/{draft['id']}")
    expect(page.locator("#std-editor")).to_be_visible()
    widths.check("draft-editor")
    page.get_by_role("button", name="Pratinjau", exact=True).click()
    expect(page.locator("#preview-detail")).to_be_visible(timeout=15_000)
    widths.check("draft-preview")
    page.get_by_role("button", name="Perubahan", exact=True).click()
    expect(page.locator("#std-changes .std-diff")).to_be_visible(timeout=15_000)
    widths.check("draft-changes")
    with pwa_server.api() as client:
        gone = client.delete(
            f"/api/v1/admin/drafts/{draft['id']}", headers={**bearer(admin), "If-Match": f'"{draft["revision"]}"'}
        )
        assert gone.status_code == 204, gone.text
    widths.assert_none()


@pytest.mark.parametrize("width", [320, 360])
def test_admin_screens_fit_the_phone(
    pwa_server: PwaServer, world: World, queue: Queue, phone: Callable[..., BrowserContext], width: int
) -> None:
    """The region admin's other screens (home, kiosks, staff, failed notifications, building, calendar, import and
    export, queue settings with a service opened), on the region with the world's kiosk and the queue's region."""
    page = phone(viewport={"width": width, "height": HEIGHT}).new_page()
    widths = Widths(page, width, f"{width}-admin", citizen=False)
    admin = pwa_server.staff_sign_in("region_admin", region=queue.region["code"])
    pwa_server.open_signed_in(page, admin, "/admin")
    settle(page)
    expect(page.get_by_role("heading", level=1, name="Admin MPP")).to_be_visible(timeout=15_000)
    widths.check("admin-home")
    for path, name in (
        ("#/admin/kiosks", "admin-kiosks"),
        ("#/admin/staff", "admin-staff"),
        ("#/admin/notifications", "admin-notifications"),
        ("#/admin/building", "admin-building"),
        ("#/admin/calendar", "admin-calendar"),
        ("#/admin/transfer", "admin-transfer"),
        ("#/admin/webhooks", "admin-webhooks"),
        ("#/admin/webhooks?tab=dead", "admin-webhooks-dead"),
        ("#/admin/oss", "admin-oss"),
        # Last: the queue settings' service is opened next.
        ("#/admin/queue", "admin-queue"),
    ):
        visit(page, path)
        widths.check(name)
    page.locator(".aq-item summary").first.click()
    widths.check("admin-queue-service")
    widths.assert_none()


# Each tab's label on one line per word: a word wider than its tab is broken mid-word (``overflow-wrap: anywhere``
# keeps it from widening the page, so the page check alone would not see it) or clipped.
TAB_LABELS = """() => [...document.querySelectorAll('#nav a')].map((a) => {
    const label = a.querySelector('.nav-label');
    const style = getComputedStyle(a);
    const room = a.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const ctx = document.createElement('canvas').getContext('2d');
    const font = getComputedStyle(label);
    ctx.font = `${font.fontWeight} ${font.fontSize} ${font.fontFamily}`;
    const words = label.textContent.split(/\\s+/).filter(Boolean);
    const widest = Math.max(...words.map((w) => ctx.measureText(w).width));
    const box = a.getBoundingClientRect();
    return {text: label.textContent, room, widest, clipped: label.scrollWidth > label.clientWidth + 0.5,
            right: box.right, tall: label.getBoundingClientRect().height};
})"""


def tab_bar_problems(page: Page, width: int, name: str) -> list[str]:
    """The staff tab bar's labels that break a word, are clipped, or end past the phone's edge."""
    found = []
    for tab in page.evaluate(TAB_LABELS):
        if tab["widest"] > tab["room"] + 0.5 or tab["clipped"] or tab["right"] > width + 0.5:
            found.append(f"{name}: tab {tab['text']!r} does not fit its {tab['room']:.1f} px ({tab})")
    return found


@pytest.mark.parametrize(("width", "lang"), [(320, "id"), (360, "id"), (320, "en")], ids=["320-id", "360-id", "320-en"])
def test_stats_screens_fit_the_phone(
    pwa_server: PwaServer, world: World, phone: Callable[..., BrowserContext], width: int, lang: str
) -> None:
    """The figures (issue 18): a supervisor's agency dashboard under the eight-tab bar (its last tab "Beban kerja"),
    with the officers' workload shown; a region admin's dashboard with the table behind the chart opened; a national
    admin's ranking; and the public page of an MPP (``#/mpp/<region>``) with its services opened, signed out."""

    def page_in(lang: str) -> Page:
        context = phone(viewport={"width": width, "height": HEIGHT}, locale="en-GB" if lang == "en" else "id-ID")
        context.add_init_script(f"localStorage.setItem('lang', '{lang}')")
        return context.new_page()

    label = f"{width}-{lang}-stats"
    supervisor = pwa_server.staff_sign_in("supervisor", agency="DISDUKCAPIL", region="3302")
    page = page_in(lang)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    widths = Widths(page, width, label, citizen=False)
    pwa_server.open_signed_in(page, supervisor, "/officer/stats")
    settle(page)
    # A dashboard's first visit reads several figures at once; on a loaded CI machine that has taken over 20 s.
    expect(page.locator("#stats-scope")).to_be_visible(timeout=40_000)
    expect(page.locator("#nav li")).to_have_count(8)
    widths.check("stats-supervisor")
    # Indonesian, the app's first language, keeps every tab's words whole even with eight tabs at 320 px ("Beban
    # kerja" wraps at its space). English words do not fit 40 px tabs ("Complaints" needs 59 px): they wrap inside
    # the tab, which the page check above still holds to the phone's width.
    if lang == "id":
        widths.problems += tab_bar_problems(page, width, "stats-supervisor")
    page.locator("#stats-officers-show").click()
    expect(page.locator("#stats-officers-table, #stats-officers-none")).to_be_visible(timeout=40_000)
    widths.check("stats-supervisor-officers")

    admin = pwa_server.staff_sign_in("region_admin", region="3302")
    page = widths.page = page_in(lang)
    page.on("pageerror", lambda e: errors.append(str(e)))
    pwa_server.open_signed_in(page, admin, "/admin/stats")
    settle(page)
    expect(page.locator("#stats-trend-toggle")).to_be_visible(timeout=40_000)
    widths.check("stats-region")
    if lang == "id":
        widths.problems += tab_bar_problems(page, width, "stats-region")
    page.locator("#stats-trend-toggle").click()
    expect(page.locator("#stats-trend-table")).to_be_visible()
    widths.check("stats-region-table")

    national = pwa_server.staff_sign_in("national_admin")
    page = widths.page = page_in(lang)
    page.on("pageerror", lambda e: errors.append(str(e)))
    pwa_server.open_signed_in(page, national, "/admin/stats/ranking")
    settle(page)
    expect(page.locator("#stats-ranking")).to_be_visible(timeout=40_000)
    widths.check("stats-ranking")

    page = widths.page = page_in(lang)
    page.on("pageerror", lambda e: errors.append(str(e)))
    widths.citizen = True  # a public page: dates in words too
    page.goto(f"{pwa_server.url}/#/mpp/3302")
    settle(page)
    expect(page.locator("#pub-months")).to_be_visible(timeout=40_000)
    widths.check("stats-public-mpp")
    page.locator("#pub-services-details summary").click()
    expect(page.locator("#pub-services")).to_be_visible()
    widths.check("stats-public-mpp-services")
    widths.assert_none()
    assert errors == []
