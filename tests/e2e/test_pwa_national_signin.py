"""Signing in with the national identity provider in a real Chromium at 360 px: the sign-in screen's button, the
provider's own page (the maintained oidc-provider-mock, in its own process), back through our callback to the
hand-off screen, and home signed in at the level the provider's acr is worth."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, watch_errors
from tests.fakes.national_idp import NationalIdpProcess
from tests.support.auth import new_phone
from tests.support.identity import random_nik
from tests.support.server import running_server

pytestmark = pytest.mark.e2e

SMALL_PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def national_idp() -> Iterator[NationalIdpProcess]:
    with NationalIdpProcess() as provider:
        yield provider


@pytest.fixture(scope="module")
def national_server(
    tmp_path_factory: pytest.TempPathFactory, database_url: str, national_idp: NationalIdpProcess
) -> Iterator[PwaServer]:
    """`mpp serve` configured with the mock as its national identity provider (loa2 = registry)."""
    data_dir = tmp_path_factory.mktemp("pwa-national") / "var"
    env = {
        "MPP_NATIONAL_IDP_ISSUER": national_idp.url,
        "MPP_NATIONAL_IDP_CLIENT_ID": "mpp-digital",
        "MPP_NATIONAL_IDP_CLIENT_SECRET": secrets.token_urlsafe(16),
        "MPP_NATIONAL_IDP_ACR_LEVELS": "loa2=registry,loa3=in_person",
    }
    with running_server(data_dir, database_url=database_url, extra_env=env) as server:
        yield PwaServer(server, data_dir, database_url)


def signed_in_me(page: Page) -> dict[str, object]:
    """The account the page's session holds (polled: the hand-off screen stores it, then goes home)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        me = page.evaluate("async () => (await import('/js/session.js')).me()")
        if me:
            return dict(me)
        time.sleep(0.2)
    raise AssertionError("the page holds no session")


def test_sign_in_with_the_national_provider_lands_signed_in(
    national_server: PwaServer, national_idp: NationalIdpProcess, phone: Callable[..., BrowserContext]
) -> None:
    sub, mobile, nik = f"warga-{secrets.token_hex(4)}", new_phone(), random_nik()
    national_idp.set_user(
        sub, {"nik": nik, "acr": "loa2", "phone_number": mobile, "phone_number_verified": True, "name": "Siti"}
    )
    page = phone(viewport=SMALL_PHONE).new_page()
    errors = watch_errors(page)
    page.goto(f"{national_server.url}/#/signin")
    button = page.locator("#signin-national")
    expect(button).to_have_text("Masuk dengan INApas")
    national_server.screenshot(page, "citizen-signin-national")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"the sign-in screen is {width} px wide"

    button.click()
    # The provider's own consent page (not ours): the person signs in there.
    page.wait_for_url(re.compile(re.escape(national_idp.url)))
    page.locator("input[name=sub]").fill(sub)
    page.get_by_role("button", name="Authorize").click()

    page.wait_for_url(re.compile(r"#/$"), timeout=20_000)
    me = signed_in_me(page)
    assert me["phone"] == mobile and me["nik"] == nik
    assert me["assurance"] == "registry"
    assert "handoff" not in page.url
    assert errors == []


def test_a_cancelled_sign_in_is_explained_in_the_screen_language(
    national_server: PwaServer, national_idp: NationalIdpProcess, phone: Callable[..., BrowserContext]
) -> None:
    page = phone(viewport=SMALL_PHONE).new_page()
    page.goto(f"{national_server.url}/#/signin")
    page.locator("#signin-national").click()
    page.wait_for_url(re.compile(re.escape(national_idp.url)))
    page.get_by_role("button", name="Deny").click()
    status = page.locator("#signin-national-status")
    expect(status).to_have_text("Proses masuk dibatalkan di penyedia identitas.")
    expect(page.locator("#signin-national-retry")).to_be_visible()
    assert page.url.endswith("#/signin/national")
