"""The service worker's push handler in real Chromium: a push message (delivered through DevTools, as a push
service would) shows a notification whose click target is the application's own screen, and a link to
another site in a payload is never followed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer

pytestmark = pytest.mark.e2e


def notifications_after_push(context: BrowserContext, url: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
    page = context.new_page()
    page.goto(url + "/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    cdp = context.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(
            r["registrationId"] for r in event["registrations"] if r["scopeURL"].startswith(url)
        ),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while not registrations and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert registrations, "the service worker's registration was not reported"
    # Deliver to the newest registration reported, and again (to every one reported by then) if nothing shows:
    # under load CDP can report a registration being replaced first, and a push sent there is lost.
    shown: list[dict[str, Any]] = []
    for attempt in range(3):
        for registration in [registrations[-1]] if attempt == 0 else list(dict.fromkeys(registrations)):
            cdp.send(
                "ServiceWorker.deliverPushMessage",
                {"origin": url, "registrationId": registration, "data": json.dumps(payload)},
            )
        # Poll with evaluate and keep the first non-empty read (wait_for_function relies on eval).
        deadline = time.monotonic() + 8
        while not shown and time.monotonic() < deadline:
            shown = page.evaluate(
                """async () => (await (await navigator.serviceWorker.ready).getNotifications())
                    .map((n) => ({ title: n.title, body: n.body, tag: n.tag, lang: n.lang, url: n.data.url }))"""
            )
            if not shown:
                page.wait_for_timeout(100)
        if shown:
            break
    return shown


def test_a_push_shows_a_notification_that_opens_the_application(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    context = phone()
    context.grant_permissions(["notifications"], origin=pwa_server.url)
    payload = {
        "id": 41,
        "tag": "mpp-41",
        "topic": "application.status_changed",
        "title": "MPP Digital",
        "body": "Permohonan 3302-2611-000123 (Penerbitan KK Baru): disetujui.",
        "url": "/#/applications/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        "lang": "id",
    }
    shown = notifications_after_push(context, pwa_server.url, payload)
    assert shown == [
        {
            "title": "MPP Digital",
            "body": payload["body"],
            "tag": "mpp-41",
            "lang": "id",
            "url": f"{pwa_server.url}/#/applications/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        }
    ]


def test_a_push_never_points_at_another_site(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    context = phone()
    context.grant_permissions(["notifications"], origin=pwa_server.url)
    shown = notifications_after_push(
        context, pwa_server.url, {"title": "MPP Digital", "body": "x", "tag": "mpp-42", "url": "https://evil.example/"}
    )
    assert [n["url"] for n in shown] == ["/"]
