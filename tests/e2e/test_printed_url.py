"""Staff sign in at exactly the address `./scripts/run.sh` prints, and finish a review there.

`run.sh` ends in `mpp serve`: a real `mpp serve` process is started here the same way, the URL is read from its
"ready" line (which must be answering by then), and in Chromium, with a virtual WebAuthn authenticator, an
officer signs in at that URL with an SMS code and their first passkey, then reviews and approves an application
a citizen submitted through the API. Opened at http://127.0.0.1 instead, the sign-in screen says where to go.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import (
    PwaServer,
    bearer,
    decide,
    inbox_row,
    submitted_application,
    virtual_authenticator,
    watch_errors,
)
from tests.support.server import Server, start_server

pytestmark = pytest.mark.e2e

# Kabupaten Magetan: a region of this module's own, so the inbox is short (inbox_row pages on anyway).
REGION = "3520"
READY = re.compile(r"MPP Digital is ready at (\S+)")
SMALL_PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}


def printed_url(server: Server, timeout: float = 120) -> str:
    """The URL of the server's "ready" line, checked to be answering the moment it is printed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = READY.search(server.log.read_text())
        if found:
            url = found.group(1)
            # "ready" means listening: no retry, no wait.
            assert httpx.get(url, timeout=5).status_code == 200
            return url
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}:\n{server.log.read_text()}")
        time.sleep(0.1)
    raise TimeoutError(f"no ready line after {timeout}s:\n{server.log.read_text()}")


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[tuple[PwaServer, str]]:
    """`mpp serve --port N` as run.sh runs it (on the session's database, already migrated), and its URL."""
    data_dir = tmp_path_factory.mktemp("printed") / "var"
    server = start_server(data_dir, database_url=database_url)
    try:
        url = printed_url(server)
        yield PwaServer(server, data_dir, database_url), url
    finally:
        if server.process.poll() is None:
            server.stop()


def sign_in_with_code(page: Page, srv: PwaServer, url: str, mobile: str) -> None:
    """Phone number, then the SMS code from dev-messages.jsonl: staff land on the passkey step."""
    # The admin hands the new officer the enrolment link (mpp users create prints it): it opens the sign-in
    # with the one-time enrolment code already in place for the first passkey.
    page.goto(srv.enrolment_link(mobile, url))
    page.get_by_label("Nomor HP").fill(mobile)
    sent = srv.code_count(mobile)
    page.get_by_role("button", name="Kirim kode").click()
    page.get_by_label("Kode dari SMS").fill(srv.last_code(mobile, after=sent))
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page).to_have_url(f"{url}#/signin?step=passkey")
    expect(page.get_by_role("heading", level=1)).to_have_text("Konfirmasi dengan passkey")


def enrol_first_passkey(page: Page) -> None:
    """The staff member's first passkey, created on the passkey step (one step, whatever it comes to need)."""
    page.get_by_role("button", name="Buat passkey").click()


def test_the_printed_url_is_localhost_and_answers(printed: tuple[PwaServer, str]) -> None:
    srv, url = printed
    # WebAuthn refuses IP addresses as relying parties: the address printed is localhost, with the port served.
    assert url == f"http://localhost:{srv.server.port}/"
    site = httpx.get(url + "api/v1/site", timeout=5).json()
    assert site["url"] == url and url.rstrip("/") in site["passkeyOrigins"]


def test_an_officer_signs_in_at_the_printed_url_and_approves(printed: tuple[PwaServer, str], browser: Browser) -> None:
    srv, url = printed
    citizen, application = submitted_application(srv, REGION)
    number, app_id = application["number"], application["id"]
    mobile = srv.create_staff("officer", agency="DISDUKCAPIL", region=REGION)

    context = browser.new_context(viewport=SMALL_PHONE, is_mobile=True, has_touch=True, locale="id-ID")
    page = context.new_page()
    errors = watch_errors(page)
    virtual_authenticator(page)
    try:
        sign_in_with_code(page, srv, url, mobile)
        expect(page.locator("#signin-mfa-error")).to_be_hidden()
        enrol_first_passkey(page)
        expect(page).to_have_url(f"{url}#/officer", timeout=20_000)
        assert page.evaluate("async () => (await import('/js/session.js')).scope()") == "api"

        # The review, at the desk: open it from the inbox, start, verify each document, approve.
        page.set_viewport_size(DESK)
        row = inbox_row(page, app_id)
        row.get_by_role("link", name=number).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(number)
        decide(page, "Mulai periksa")
        expect(page.get_by_role("status").filter(has_text="Status sekarang: Sedang diperiksa")).to_be_visible()
        documents = page.locator(".off-doc")
        expect(documents).to_have_count(len(application["documents"]))
        for i in range(documents.count()):
            documents.nth(i).get_by_role("button", name="Sah", exact=True).click()
            expect(documents.nth(i)).to_contain_text("Terverifikasi")
        decide(page, "Setujui", confirm=True)
        expect(page.get_by_role("status").filter(has_text="Status sekarang: Disetujui")).to_be_visible()
        assert errors == []
    finally:
        context.close()

    with srv.api() as client:
        final: dict[str, Any] = client.get(f"/api/v1/applications/{app_id}", headers=bearer(citizen)).json()
    assert final["status"] == "approved"
    assert {d["status"] for d in final["documents"]} == {"verified"}


def test_at_127_0_0_1_the_passkey_step_says_where_to_go(printed: tuple[PwaServer, str], browser: Browser) -> None:
    srv, url = printed
    elsewhere = f"http://127.0.0.1:{srv.server.port}/"
    mobile = srv.create_staff("officer", agency="DISDUKCAPIL", region=REGION)
    context = browser.new_context(viewport=SMALL_PHONE, is_mobile=True, has_touch=True, locale="id-ID")
    page = context.new_page()
    virtual_authenticator(page)
    try:
        sign_in_with_code(page, srv, elsewhere, mobile)
        message = page.locator("#signin-mfa-error")
        expected = f"Passkey hanya bisa dibuat dan dipakai di {url} — buka alamat itu, lalu masuk lagi."
        expect(message).to_have_text(expected)
        # Trying anyway (the browser refuses: "invalid domain") says the same, never "Terjadi kesalahan".
        with page.expect_response("**/api/v1/auth/passkeys/register/options"):
            enrol_first_passkey(page)  # the message is cleared, the options come, then the browser refuses
        expect(message).to_have_text(expected)
        expect(page).to_have_url(f"{elsewhere}#/signin?step=passkey")
    finally:
        context.close()
