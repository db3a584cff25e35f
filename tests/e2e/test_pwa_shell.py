"""The app shell: a signed-in citizen lands on the citizen screens; staff on the officer screens."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer

pytestmark = pytest.mark.e2e


def test_signed_in_citizen_sees_citizen_navigation(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    page = phone().new_page()
    pwa_server.open_signed_in(page, pwa_server.sign_in())
    nav = page.get_by_role("navigation", name="Menu utama")
    expect(nav.get_by_role("link", name="Dompet")).to_be_visible()
    expect(nav.get_by_role("link", name="Masuk")).to_have_count(0)


def test_staff_cannot_open_citizen_screens(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    page = phone().new_page()
    tokens = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region="3471")
    pwa_server.open_signed_in(page, tokens, "/wallet")
    # Staff are sent to officer mode instead of the citizen wallet.
    expect(page).to_have_url(f"{pwa_server.url}/#/officer", timeout=10_000)
