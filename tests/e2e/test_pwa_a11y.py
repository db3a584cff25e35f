"""Accessibility of every main screen of each mode (issue 7, item 7), checked by axe-core in a real Chromium.

axe-core comes from npm (tools/node_modules, installed by scripts/test.sh) and is injected into each screen once
it has rendered; any serious or critical violation of WCAG 2.0/2.1/2.2 A and AA fails the screen, with the rule,
its impact and the offending elements in the message. The screens are a table: add a row for a new screen.
Also: at 200 % zoom (a 412 px phone seen as 206 CSS px) the home and a service page do not scroll sideways.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.a11y import AXE, axe_violations, describe
from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, citizen_with_documents, kk_service, submit
from tests.support.attestation import attestation
from tests.support.kiosks import paired_secret

pytestmark = pytest.mark.e2e

REGION = "3302"


@dataclass(frozen=True)
class Screen:
    name: str
    # After the origin; {service}, {document}, {application}, {kiosk_service}, {attestation} are filled in.
    path: str
    # anonymous, citizen, officer, supervisor, region_admin or kiosk
    session: str


SCREENS = [
    # Citizen mode (and anyone not signed in).
    Screen("citizen home", "/#/", "anonymous"),
    Screen("citizen service", "/#/services/{service}", "anonymous"),
    Screen("citizen sign-in", "/#/signin", "anonymous"),
    Screen("citizen settings (signed out)", "/#/settings", "anonymous"),
    Screen("citizen home (signed in)", "/#/", "citizen"),
    Screen("citizen wallet", "/#/wallet", "citizen"),
    Screen("citizen document", "/#/wallet/{document}", "citizen"),
    Screen("citizen apply", "/#/apply/{service}", "citizen"),
    Screen("citizen applications", "/#/applications", "citizen"),
    Screen("citizen application", "/#/applications/{application}", "citizen"),
    Screen("citizen notifications", "/#/notifications", "citizen"),
    Screen("citizen settings", "/#/settings", "citizen"),
    Screen("citizen outbox", "/#/outbox", "citizen"),
    # Officer mode.
    Screen("officer inbox", "/#/officer", "officer"),
    Screen("officer review", "/#/officer/applications/{application}", "officer"),
    Screen("supervisor workload", "/#/officer/workload", "supervisor"),
    # Admin mode.
    Screen("admin home", "/#/admin", "region_admin"),
    Screen("admin kiosks", "/#/admin/kiosks", "region_admin"),
    Screen("admin staff", "/#/admin/staff", "region_admin"),
    Screen("admin failed notifications", "/#/admin/notifications", "region_admin"),
    # Kiosk mode.
    Screen("kiosk set-up", "/#/kiosk", "anonymous"),
    Screen("kiosk pairing", "/#/kiosk/pair", "anonymous"),
    Screen("kiosk home", "/#/kiosk", "kiosk"),
    Screen("kiosk service", "/#/kiosk/services/{kiosk_service}", "kiosk"),
    Screen("kiosk status", "/#/kiosk/status", "kiosk"),
    # The public verification page of a document's QR code.
    Screen("verify page", "/v/#{attestation}", "anonymous"),
]


@dataclass
class World:
    """Accounts and records made through the real API, shared by the module's screens."""

    values: dict[str, str]
    citizen: dict[str, Any] | None
    citizen_phone: str
    kiosk_secret: str

    def tokens(self, srv: PwaServer, session: str) -> dict[str, Any]:
        if session == "region_admin":
            return srv.staff_sign_in(session, region=REGION)
        if session != "citizen":
            return srv.staff_sign_in(session, agency="DISDUKCAPIL", region=REGION)
        # Refresh tokens rotate when a page opens, and replaying an old one ends the whole session: each screen
        # hands on the pair the previous one left (see keep). A new sign-in is the fallback (codes are rate
        # limited per phone, so not the rule).
        return self.citizen or srv.sign_in(self.citizen_phone)

    def keep(self, page: Page) -> None:
        """The citizen's current token pair, as the page holds it now."""
        try:
            self.citizen = page.evaluate(
                """async () => {
                    const session = await import('/js/session.js');
                    const db = await import('/js/store/db.js');
                    const saved = await db.get('kv', 'session');
                    return {accessToken: session.accessToken(), refreshToken: saved.refresh, scope: saved.scope,
                            expiresIn: 600};
                }"""
            )
        except PlaywrightError:
            self.citizen = None


def make_world(srv: PwaServer) -> World:
    service = kk_service(srv, REGION)
    citizen, documents = citizen_with_documents(srv, service)
    application = submit(srv, citizen, service, documents)
    with srv.api() as client:
        admin = srv.staff_sign_in("region_admin", region="3471")
        registered = client.post(
            "/api/v1/admin/kiosks",
            json={"name": "Kiosk lobi a11y"},
            headers={"Authorization": f"Bearer {admin['accessToken']}"},
        )
        kiosk_secret = paired_secret(client, registered)
        kiosk_found = client.get("/api/v1/services", params={"region": "3471", "q": "ktp", "pageSize": 1}).json()
    return World(
        values={
            "service": service["id"],
            "document": documents[0],
            "application": application["id"],
            "kiosk_service": kiosk_found["items"][0]["id"],
            "attestation": attestation(srv.data_dir),
        },
        citizen=citizen,
        citizen_phone=citizen["phone"],
        kiosk_secret=kiosk_secret,
    )


@pytest.fixture(scope="module")
def world(pwa_server: PwaServer) -> World:
    return make_world(pwa_server)


def open_screen(srv: PwaServer, page: Page, world: World, screen: Screen) -> None:
    path = screen.path.format(**world.values)
    if screen.session == "anonymous":
        page.goto(srv.url + path)
    elif screen.session == "kiosk":
        # As a tablet set up by staff: the device secret buys a kiosk session and the device's cookie; the
        # kiosk home then signs in by that cookie, and the other kiosk screens are reached from it.
        page.goto(srv.url + "/")
        status = page.evaluate(
            """async (secret) => (await fetch('/api/v1/auth/kiosk', {
                method: 'POST', headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({deviceSecret: secret}),
            })).status""",
            world.kiosk_secret,
        )
        assert status == 200
        page.goto(srv.url + "/#/kiosk")
        page.wait_for_selector("main h1", timeout=20_000)
        quiet(page)
        if path != "/#/kiosk":
            page.evaluate("(hash) => { location.hash = hash; }", path.removeprefix("/"))
    else:
        srv.open_signed_in(page, world.tokens(srv, screen.session), path.removeprefix("/#"))
    page.wait_for_selector("main h1, body > header h1", timeout=20_000)
    quiet(page)
    if screen.session == "citizen":
        world.keep(page)


def quiet(page: Page) -> None:
    """Until the screen's data has arrived: network idle, or 5 s for screens that keep polling."""
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_load_state("networkidle", timeout=5_000)
    time.sleep(0.3)  # views that render in two steps (skeleton, then data)


@pytest.mark.parametrize("screen", SCREENS, ids=[s.name.replace(" ", "-") for s in SCREENS])
def test_no_serious_or_critical_axe_violation(
    pwa_server: PwaServer, world: World, phone: Callable[..., BrowserContext], screen: Screen
) -> None:
    assert AXE.exists(), f"{AXE} is missing: run `npm ci --prefix tools` (scripts/test.sh does)"
    # The app's CSP allows no inline script; axe is injected as one, so this context ignores the CSP.
    page = phone(bypass_csp=True).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    open_screen(pwa_server, page, world, screen)
    expected = screen.path.format(**world.values).split("#", 1)[1]
    assert page.evaluate("location.hash").removeprefix("#") == expected, f"{screen.name}: redirected to {page.url}"
    assert page.locator("h1").count() == 1, f"{screen.name}: a screen has exactly one <h1> ({page.url})"
    violations = axe_violations(page)
    assert not violations, (
        f"{screen.name} ({page.url}) has serious or critical accessibility problems:\n{describe(violations)}"
        + (f"\npage errors: {errors}" if errors else "")
    )


ZOOMED = {"width": 206, "height": 458}  # a 412×915 phone at 200 % zoom, in CSS pixels


@pytest.mark.parametrize("path", ["/#/", "/#/services/{service}"], ids=["home", "service"])
def test_no_horizontal_scrolling_at_200_percent_zoom(
    pwa_server: PwaServer, world: World, phone: Callable[..., BrowserContext], path: str
) -> None:
    page = phone(viewport=ZOOMED, device_scale_factor=1).new_page()
    open_screen(pwa_server, page, world, Screen("zoomed", path, "anonymous"))
    widths = page.evaluate(
        """() => {
            const root = document.scrollingElement;
            const limit = root.clientWidth + 1;
            // The elements that stick out, so a failure says what to fix.
            const wide = [...document.querySelectorAll('body *')]
                .filter((el) => el.getBoundingClientRect().right > limit && getComputedStyle(el).position !== 'fixed')
                .slice(0, 8)
                .map((el) => {
                    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
                    const classes = String(el.className).trim().split(/\\s+/).filter(Boolean).map((c) => '.' + c);
                    return `${name}${classes.join('')} (right edge ${Math.round(el.getBoundingClientRect().right)} px)`;
                });
            return {scroll: root.scrollWidth, client: root.clientWidth, wide};
        }"""
    )
    assert widths["scroll"] <= widths["client"] + 1, (
        f"{page.url} scrolls sideways at 200 % zoom: {widths['scroll']} px of content in {widths['client']} px; "
        f"too wide: {widths['wide']}"
    )
