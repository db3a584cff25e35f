"""A new officer opens the enrolment link their admin handed over, signs in with the SMS code and creates their
first passkey: the link's code is filled in for them. Without it, or with a wrong one, the passkey step says
what is wrong, in Indonesian, next to the code's field.

Chromium with a virtual WebAuthn authenticator (a phone with a fingerprint already given), a real server, the
real `mpp users create` for the account and its code.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, virtual_authenticator, watch_errors

pytestmark = pytest.mark.e2e

REGION = "3471"  # Kota Yogyakarta: away from the officer tests' inbox


def code_step(page: Page, pwa_server: PwaServer, mobile: str) -> None:
    """On the sign-in screen (opened from the link, or plainly): number, SMS code, then the passkey step."""
    page.get_by_label("Nomor HP").fill(mobile)
    sent = pwa_server.code_count(mobile)
    page.get_by_role("button", name="Kirim kode").click()
    page.get_by_label("Kode dari SMS").fill(pwa_server.last_code(mobile, after=sent))
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page).to_have_url(f"{pwa_server.url}/#/signin?step=passkey")


def test_an_officer_enrols_with_the_code_from_the_link(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    page = phone().new_page()
    errors = watch_errors(page)
    virtual_authenticator(page)
    mobile = pwa_server.create_staff("officer", agency="DISDUKCAPIL", region=REGION)

    page.goto(pwa_server.enrolment_link(mobile))
    expect(page.locator("#signin-enrol-intro")).to_contain_text("Tautan pendaftaran petugas")
    code_step(page, pwa_server, mobile)
    field = page.get_by_label("Kode pendaftaran")
    expect(field).to_have_value(pwa_server.enrolment_code(mobile))
    page.get_by_role("button", name="Buat passkey").click()
    expect(page).to_have_url(f"{pwa_server.url}/#/officer", timeout=20_000)
    assert page.evaluate("async () => (await import('/js/session.js')).scope()") == "api"
    # Used up: nothing of it stays in the tab.
    assert page.evaluate("() => sessionStorage.getItem('mpp.enrolmentCode')") is None
    assert errors == []


def test_without_the_code_or_with_a_wrong_one_the_step_says_so(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    page = phone().new_page()
    errors = watch_errors(page)
    virtual_authenticator(page)
    mobile = pwa_server.create_staff("officer", agency="DISDUKCAPIL", region=REGION)
    page.goto(f"{pwa_server.url}/#/signin")
    expect(page.locator("#signin-enrol-intro")).to_have_count(0)
    code_step(page, pwa_server, mobile)

    field = page.get_by_label("Kode pendaftaran")
    expect(field).to_have_value("")
    create = page.get_by_role("button", name="Buat passkey")
    create.click()
    message = page.locator("#signin-enrol-code-error")
    expect(message).to_have_text("Masukkan kode pendaftaran dari admin MPP Anda.")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")

    # A code that is not theirs (or mistyped): the server refuses it, the field says what to do.
    other = pwa_server.create_staff("officer", agency="DISDUKCAPIL", region=REGION)
    field.fill(pwa_server.enrolment_code(other))
    with page.expect_response("**/api/v1/auth/passkeys/register/options") as answer:
        create.click()
    assert answer.value.status == 400
    expect(message).to_have_text(
        "Kode pendaftaran salah, kedaluwarsa atau sudah dipakai. Minta kode baru kepada admin MPP."
    )
    expect(page.locator("#signin-mfa-error")).to_be_hidden()

    # Their own code, typed by hand without the dashes: it works.
    field.fill(pwa_server.enrolment_code(mobile).replace("-", "").lower())
    create.click()
    expect(page).to_have_url(f"{pwa_server.url}/#/officer", timeout=20_000)
    assert errors == []
