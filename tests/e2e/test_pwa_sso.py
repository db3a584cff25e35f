"""Single sign-on as a citizen lives it, at 360×740, in Indonesian: an agency system sends the browser to
``/oidc/authorize``; the PWA shows which system asks for what, in plain words; "Izinkan" sends the browser back to the
system with a code and its state; the second time nothing is asked; the settings list the system with what it
received and since when, and "Cabut akses" removes it (the next time it asks again, and "Tolak" answers access
denied). A visitor who is not signed in signs in first and comes back to the request.

Real server, real API, Debian's Chromium. The agency system is a client registered in the database; its redirect
address is a loopback port nobody listens on, which Playwright answers itself (``page.route``) so that the test can
read where the browser was sent. Screenshots: docs/screenshots/citizen-sso-consent.png, citizen-connected.png.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import re
import secrets
import socket
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import asyncpg
import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from api.oidc.clients import ClientSettings, create_client
from tests.e2e.a11y import axe_violations, describe
from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, bearer, forget_minute_limit, watch_errors

pytestmark = pytest.mark.e2e

VIEWPORT = {"width": 360, "height": 740}


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


class AgencySystem:
    """A registered client whose redirect address Playwright answers: every arrival there is kept in ``arrivals``."""

    def __init__(self, pwa_server: PwaServer, name: str) -> None:
        self.name = name
        self.port = unused_port()
        self.redirect_uri = f"http://127.0.0.1:{self.port}/cb"
        self.arrivals: list[dict[str, list[str]]] = []
        self.after_logout = f"http://127.0.0.1:{self.port}/bye"
        settings = ClientSettings(
            name=name,
            redirect_uris=(self.redirect_uri,),
            scopes=("openid", "profile", "phone", "offline_access"),
            post_logout_redirect_uris=(self.after_logout,),
        )

        async def register() -> str:
            conn = await asyncpg.connect(pwa_server.database_url)
            try:
                row, _ = await create_client(conn, settings, created_by=None)
            finally:
                await conn.close()
            return str(row["client_id"])

        # Playwright's sync API runs an event loop in this thread: the database call gets a thread of its own.
        with ThreadPoolExecutor(1) as pool:
            self.client_id = pool.submit(asyncio.run, register()).result()

    def listen(self, page: Page) -> None:
        def arrive(route: Route) -> None:
            self.arrivals.append(parse_qs(urlsplit(route.request.url).query))
            route.fulfill(status=200, content_type="text/plain", body="agency system")

        page.route(f"http://127.0.0.1:{self.port}/**", arrive)

    def authorize_url(
        self, pwa_server: PwaServer, state: str = "s", scope: str = "openid profile", **extra: str
    ) -> str:
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": scope,
            "state": state,
            # A nonce once used is a replay (OIDC Core §15.5.2): each request has its own.
            "nonce": secrets.token_urlsafe(12),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            **extra,
        }
        return f"{pwa_server.url}/oidc/authorize?{urlencode(query)}"

    def logout_url(self, pwa_server: PwaServer, state: str) -> str:
        query = {"client_id": self.client_id, "post_logout_redirect_uri": self.after_logout, "state": state}
        return f"{pwa_server.url}/oidc/logout?{urlencode(query)}"

    def wait_for_arrival(self, page: Page, count: int, timeout: float = 20) -> dict[str, list[str]]:
        deadline = time.monotonic() + timeout
        while len(self.arrivals) < count:
            assert time.monotonic() < deadline, f"the browser did not come back to the system ({self.arrivals})"
            # Playwright's own wait, not time.sleep: the route handler runs only while Playwright has control.
            page.wait_for_timeout(100)
        # The navigation to the system finishes before the test moves the page on.
        page.wait_for_url(re.compile(rf"^http://127\.0\.0\.1:{self.port}/"))
        return self.arrivals[count - 1]


def fits(page: Page, name: str) -> None:
    """Nothing wider than the phone (no horizontal scroll), no raw i18n key or server English on screen, and no
    serious or critical accessibility violation (axe)."""
    page.wait_for_load_state("networkidle")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] == VIEWPORT["width"], f"{name}: wider than the phone: {width}"
    text = page.locator("main").inner_text()
    assert not re.search(r"\b(sso|connected|account)[A-Z][A-Za-z_]+\b", text), f"{name}: an i18n key on screen:\n{text}"
    assert not re.search(r"No such|not found|You may not|try again|scope", text), f"{name}: English on screen:\n{text}"
    violations = axe_violations(page)
    assert not violations, f"{name}: {describe(violations)}"


def open_settled(pwa_server: PwaServer, page: Page, tokens: dict[str, Any]) -> None:
    """Open the app signed in and wait until it has settled: the start-up refresh rotates the refresh token, and
    leaving the page before the new one is stored would sign this device out at the next load."""
    pwa_server.open_signed_in(page, tokens, "/")
    settle(page)


def settle(page: Page) -> None:
    """Wait until the app has its access token and is idle (see open_settled)."""
    deadline = time.monotonic() + 20
    while not page.evaluate("async () => (await import('/js/session.js')).accessToken() !== null"):
        assert time.monotonic() < deadline, "the app did not finish signing in"
        page.wait_for_timeout(100)
    # Idle network means the rotated refresh token is stored; the app's own polling may keep a loaded machine from
    # ever being idle for 500 ms, so this waits a bounded while (the checks that follow wait for what they need).
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_load_state("networkidle", timeout=10_000)


# Set in the app's own storage whenever the consent screen's buttons appear: "nothing was asked" is then checkable
# after the browser has already left for the agency system.
SAW_CONSENT = """
new MutationObserver(() => {
  if (document.getElementById('sso-approve')) localStorage.setItem('test-saw-consent', '1');
}).observe(document, { childList: true, subtree: true });
"""


def test_a_citizen_allows_a_system_once_sees_it_in_settings_and_withdraws_it(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    system = AgencySystem(pwa_server, f"Perizinan Online {os.getpid()}")
    tokens = pwa_server.sign_in()
    # axe-core is injected as an inline script, which the app's CSP forbids: this context ignores the CSP.
    page = phone(viewport=VIEWPORT, bypass_csp=True).new_page()
    errors = watch_errors(page)
    system.listen(page)
    open_settled(pwa_server, page, tokens)

    # The consent screen: which system, for what, in plain words.
    page.goto(system.authorize_url(pwa_server))
    heading = page.get_by_role("heading", level=1, name=f"{system.name} ingin memakai akun MPP Digital Anda")
    expect(heading).to_be_visible(timeout=20_000)
    assert re.search(r"#/sso/[0-9a-f-]+$", page.url), page.url
    scopes = page.locator(".sso-scopes li")
    expect(scopes).to_have_text(["Mengenali Anda (tanpa NIK)", "Nama Anda"])
    expect(page.get_by_role("heading", level=2, name=system.name)).to_be_visible()
    expect(page.get_by_role("button", name="Tolak")).to_be_visible()
    fits(page, "consent")
    pwa_server.screenshot(page, "citizen-sso-consent")

    # Allowed: the browser goes back to the system with a code and the state it sent.
    page.get_by_role("button", name="Izinkan").click()
    first = system.wait_for_arrival(page, 1)
    assert first["state"] == ["s"] and len(first["code"][0]) >= 20, first

    # The second time nothing is asked: straight back to the system with a new code.
    page.add_init_script(SAW_CONSENT)
    page.goto(f"{pwa_server.url}/#/")
    settle(page)
    page.evaluate("() => localStorage.removeItem('test-saw-consent')")
    page.goto(system.authorize_url(pwa_server))
    second = system.wait_for_arrival(page, 2)
    assert second["state"] == ["s"] and second.get("code") not in (None, first["code"]), second
    page.goto(f"{pwa_server.url}/#/")
    settle(page)
    assert page.evaluate("() => localStorage.getItem('test-saw-consent')") is None

    # Asking for more asks again, for that only: what it already has says since when.
    page.goto(system.authorize_url(pwa_server, state="more", scope="openid profile phone offline_access"))
    expect(heading).to_be_visible(timeout=20_000)
    today = page.evaluate("async () => (await import('/js/lib/dom.js')).formatDate(new Date())")
    expect(scopes).to_have_text(
        [
            f"Mengenali Anda (tanpa NIK) (sudah diizinkan sejak {today})",
            f"Nama Anda (sudah diizinkan sejak {today})",
            "Nomor HP Anda",
            "Tetap terhubung saat Anda tidak membuka layanannya",
        ]
    )
    page.get_by_role("button", name="Izinkan").click()
    more = system.wait_for_arrival(page, 3)
    assert more["state"] == ["more"] and more.get("code"), more

    # The settings list the system, what it received and since when.
    page.goto(f"{pwa_server.url}/#/settings")
    page.get_by_role("link", name="Layanan terhubung").click()
    expect(page.get_by_role("heading", level=1, name="Layanan terhubung")).to_be_visible()
    item = page.locator(".sso-grant", has_text=system.name)
    expect(item.locator(".sso-scopes li")).to_have_text(
        [
            "Mengenali Anda (tanpa NIK)",
            "Nama Anda",
            "Nomor HP Anda",
            "Tetap terhubung saat Anda tidak membuka layanannya",
        ]
    )
    expect(item).to_contain_text("Diizinkan sejak")
    fits(page, "connected")
    pwa_server.screenshot(page, "citizen-connected")

    # Withdrawn, after a confirmation: the item goes, and the screen says what that means.
    page.once("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name="Cabut akses").click()
    expect(item).to_have_count(0)
    expect(page.locator("#connected-status")).to_have_text(
        f"Akses {system.name} dicabut. {system.name} telah dikeluarkan dari akun Anda."
    )
    expect(page.locator("#connected-empty")).to_be_visible()
    with pwa_server.api() as api:
        grants = api.get("/api/v1/me/oidc-grants", headers=bearer(tokens)).json()["items"]
    assert system.client_id not in [g["clientId"] for g in grants]

    # The next time it asks again; "Tolak" sends the browser back with access denied.
    page.goto(system.authorize_url(pwa_server, state="again"))
    expect(heading).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="Tolak").click()
    denied = system.wait_for_arrival(page, 4)
    assert denied["error"] == ["access_denied"] and denied["state"] == ["again"] and "code" not in denied, denied
    assert errors == []


def test_a_visitor_signs_in_first_and_comes_back_to_the_request(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    system = AgencySystem(pwa_server, f"Layanan Pajak {os.getpid()}")
    mobile = pwa_server.sign_in()["phone"]  # an account that exists (its first sign-in asks for a profile)
    forget_minute_limit(pwa_server, mobile)
    # axe-core is injected as an inline script, which the app's CSP forbids: this context ignores the CSP.
    page = phone(viewport=VIEWPORT, bypass_csp=True).new_page()
    errors = watch_errors(page)
    system.listen(page)

    # prompt=none: nothing may be shown, and no one is signed in here: the system hears login_required at once.
    page.goto(system.authorize_url(pwa_server, state="quiet", prompt="none"))
    quiet = system.wait_for_arrival(page, 1)
    assert quiet["error"] == ["login_required"] and quiet["state"] == ["quiet"] and "code" not in quiet, quiet

    # Not signed in: the sign-in comes first, and remembers where to come back to.
    page.goto(system.authorize_url(pwa_server))
    expect(page.get_by_role("heading", level=1, name="Masuk")).to_be_visible(timeout=20_000)
    assert re.search(r"#/signin\?next=%2Fsso%2F[0-9a-f-]+$", page.url), page.url
    page.get_by_label("Nomor HP").fill(mobile)
    sent = pwa_server.code_count(mobile)
    page.get_by_role("button", name="Kirim kode").click()
    page.get_by_label("Kode dari SMS").fill(pwa_server.last_code(mobile, after=sent))
    page.get_by_role("button", name="Masuk", exact=True).click()
    # Back on the request, signed in: the consent screen of that system.
    heading = page.get_by_role("heading", level=1, name=f"{system.name} ingin memakai akun MPP Digital Anda")
    expect(heading).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="Izinkan").click()
    arrived = system.wait_for_arrival(page, 2)
    assert arrived["state"] == ["s"] and arrived["code"], arrived

    # A request that does not exist (or expired, or was used): said plainly, with the way home.
    page.goto(f"{pwa_server.url}/#/sso/{uuid.uuid4()}")
    expect(page.get_by_role("heading", level=1, name="Permintaan masuk tidak bisa dibuka")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("sudah lewat 10 menit")
    fits(page, "request gone")
    assert errors == []


def test_signing_out_from_a_system_ends_the_session_here_and_goes_back(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    system = AgencySystem(pwa_server, f"Layanan Nikah {os.getpid()}")
    tokens = pwa_server.sign_in()
    # axe-core is injected as an inline script, which the app's CSP forbids: this context ignores the CSP.
    page = phone(viewport=VIEWPORT, bypass_csp=True).new_page()
    errors = watch_errors(page)
    system.listen(page)
    open_settled(pwa_server, page, tokens)

    # Asked once, naming the system that asks.
    page.goto(system.logout_url(pwa_server, "bye1"))
    heading = page.get_by_role("heading", level=1, name="Keluar dari MPP Digital dan semua layanan yang terhubung?")
    expect(heading).to_be_visible(timeout=20_000)
    assert re.search(r"#/sso/logout/[0-9a-f-]+$", page.url), page.url
    expect(page.locator("main")).to_contain_text(f"Permintaan dari {system.name}.")
    fits(page, "logout")
    pwa_server.screenshot(page, "citizen-sso-logout")

    # Yes: the session ends on the server and on this phone, and the browser goes back to the system.
    page.get_by_role("button", name="Ya, keluar").click()
    back = system.wait_for_arrival(page, 1)
    assert back["state"] == ["bye1"], back
    with pwa_server.api() as api:
        assert api.get("/api/v1/me", headers=bearer(tokens)).status_code == 401
        refreshed = api.post("/api/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
        assert refreshed.status_code in (400, 401), refreshed.text
    page.goto(f"{pwa_server.url}/#/settings")
    expect(page.locator("main").get_by_role("link", name="Masuk")).to_be_visible()
    assert page.evaluate("async () => (await import('/js/session.js')).signedIn()") is False

    # Not signed in any more: nothing to end, the browser is only sent on.
    page.goto(system.logout_url(pwa_server, "bye2"))
    expect(heading).to_be_visible(timeout=20_000)
    expect(page.locator("main")).to_contain_text("tidak ada yang perlu diakhiri")
    page.get_by_role("button", name="Ya, keluar").click()
    again = system.wait_for_arrival(page, 2)
    assert again["state"] == ["bye2"], again
    assert errors == []


def age_sign_in(pwa_server: PwaServer, mobile: str) -> None:
    """As if this citizen had signed in here an hour ago (the app's start-up refresh then carries that time)."""

    async def age() -> None:
        conn = await asyncpg.connect(pwa_server.database_url)
        try:
            await conn.execute(
                "UPDATE auth_session SET auth_time = now() - interval '1 hour' "
                "WHERE account = (SELECT id FROM accounts_account WHERE phone = $1)",
                mobile,
            )
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, age()).result()


def test_a_system_asking_for_a_fresh_sign_in_gets_one(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    """prompt=login from a citizen signed in an hour ago: the PWA says the system asks for a new sign-in, the sign-in
    screen ("Masuk ulang") has their number ready, and after the code they are back on the request and let in."""
    system = AgencySystem(pwa_server, f"Layanan Perizinan {os.getpid()}")
    tokens = pwa_server.sign_in()
    mobile = tokens["phone"]
    age_sign_in(pwa_server, mobile)
    forget_minute_limit(pwa_server, mobile)
    page = phone(viewport=VIEWPORT, bypass_csp=True).new_page()
    errors = watch_errors(page)
    system.listen(page)
    open_settled(pwa_server, page, tokens)

    page.goto(system.authorize_url(pwa_server, state="again", prompt="login"))
    expect(page.get_by_role("heading", level=1, name=f"{system.name} meminta Anda masuk ulang")).to_be_visible(
        timeout=20_000
    )
    fits(page, "sign in again")
    pwa_server.screenshot(page, "citizen-sso-sign-in-again")
    page.get_by_role("link", name="Masuk ulang").click()
    expect(page.get_by_role("heading", level=1, name="Masuk ulang")).to_be_visible()
    expect(page.get_by_label("Nomor HP")).not_to_have_value("")
    sent = pwa_server.code_count(mobile)
    page.get_by_role("button", name="Kirim kode").click()
    page.get_by_label("Kode dari SMS").fill(pwa_server.last_code(mobile, after=sent))
    page.get_by_role("button", name="Masuk", exact=True).click()
    heading = page.get_by_role("heading", level=1, name=f"{system.name} ingin memakai akun MPP Digital Anda")
    expect(heading).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="Izinkan").click()
    arrived = system.wait_for_arrival(page, 1)
    assert arrived["state"] == ["again"] and arrived["code"], arrived
    assert errors == []
