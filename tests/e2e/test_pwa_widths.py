"""No screen is wider than a small phone (issue 13, item 9): every citizen screen at 320 px and 360 px, signed in
with real data (documents, an application, unread notifications), and the officer inbox and review and the kiosk
home at 360 px. A screen wider than the viewport makes the whole page pan sideways under the user's thumb.

Each screen is measured as `document.documentElement.scrollWidth <= window.innerWidth`, and the window as no
wider than the phone (a phone browser zooms out to fit a wider page, and innerWidth grows with it); a failure names
the elements that stick out. Citizen screens must also show no date as the API sends it ("2026-11-01", item 11).
Screenshots go to $MPP_WIDTH_SHOTS (default /tmp/mpp-widths) to be looked at.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
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


def walk_citizen_screens(srv: PwaServer, page: Page, world: World, widths: Widths) -> None:
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
    # The public check page of a document's QR code.
    page.goto(f"{srv.url}/v/#{attestation(srv.data_dir)}")
    page.wait_for_selector("[data-verdict]", timeout=20_000)
    widths.check("verify")


@pytest.mark.parametrize(("width", "lang"), [(320, "id"), (360, "id"), (320, "en")], ids=["320-id", "360-id", "320-en"])
def test_no_citizen_screen_is_wider_than_the_phone(
    pwa_server: PwaServer, world: World, phone: Callable[..., BrowserContext], width: int, lang: str
) -> None:
    context = phone(viewport={"width": width, "height": HEIGHT}, locale="en-GB" if lang == "en" else "id-ID")
    # The language the person chose last time (the app keeps it on the device).
    context.add_init_script(f"localStorage.setItem('lang', '{lang}')")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    widths = Widths(page, width, f"{width}-{lang}")
    walk_citizen_screens(pwa_server, page, world, widths)
    widths.assert_none()
    assert errors == []


def test_officer_and_kiosk_screens_fit_360(
    pwa_server: PwaServer, world: World, phone: Callable[..., BrowserContext]
) -> None:
    page = phone(viewport={"width": 360, "height": HEIGHT}).new_page()
    widths = Widths(page, 360, "360-staff", citizen=False)
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

    kiosk = phone(viewport={"width": 360, "height": HEIGHT}).new_page()
    # The pairing screen (issue 15), with a code filled in from the admin's link.
    kiosk.goto(f"{pwa_server.url}/#/kiosk/pair?code=K7Q29MXD")
    settle(kiosk)
    widths.page = kiosk
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
    widths.page = kiosk
    widths.check("kiosk-home")
    widths.assert_none()


def test_admin_standards_screens_fit_360(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
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
    page = phone(viewport={"width": 360, "height": HEIGHT}).new_page()
    widths = Widths(page, 360, "360-admin-standards", citizen=False)
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
