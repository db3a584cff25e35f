"""Signing in on a device whose start-up refresh of an earlier session is still on its way: the answer about the old
session arrives after the new sign-in and must change nothing (it used to overwrite the new session's tokens with the
old one's, so the device went on as the previous person; a refusal would have wiped the new session).

Real server, Debian's Chromium; the old session's refresh is held back by the test until the new sign-in is done."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, Route

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, watch_errors

pytestmark = pytest.mark.e2e


SIGNED_IN_AS = "async () => (await import('/js/session.js')).me()?.phone ?? null"


def expect_signed_in_as(page: Page, phone: str) -> None:
    for _ in range(200):
        if page.evaluate(SIGNED_IN_AS) == phone:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"the app is not signed in as {phone}: {page.evaluate(SIGNED_IN_AS)}")


def test_a_late_refresh_of_the_previous_session_changes_nothing(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    first, second = pwa_server.sign_in(), pwa_server.sign_in()
    page = phone().new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, first, "/")
    expect_signed_in_as(page, first["phone"])

    held: list[Route] = []
    page.route("**/api/v1/auth/refresh", lambda route: held.append(route), times=1)
    page.reload()  # start-up: restore the first person's session and refresh it (held)
    page.wait_for_function("() => document.readyState === 'complete'")
    deadline = 200
    while not held and deadline:
        page.wait_for_timeout(50)
        deadline -= 1
    assert held, "the start-up refresh was not sent"
    # The second person signs in on this device meanwhile.
    page.evaluate(
        "async (tokens) => { await (await import('/js/session.js')).begin(tokens); }",
        {k: second[k] for k in ("accessToken", "refreshToken", "scope", "expiresIn")},
    )
    for route in held:
        route.continue_()
    page.wait_for_timeout(500)  # let the held answer arrive and be handled
    who = page.evaluate(
        """async () => {
            const session = await import('/js/session.js');
            const stored = await (await import('/js/store/db.js')).get('kv', 'session');
            const me = await fetch('/api/v1/me', { headers: { Authorization: `Bearer ${session.accessToken()}` } });
            return { stored: stored.refresh, me: (await me.json()).phone, shown: session.me().phone };
        }"""
    )
    assert who == {"stored": second["refreshToken"], "me": second["phone"], "shown": second["phone"]}, who
    assert errors == []
