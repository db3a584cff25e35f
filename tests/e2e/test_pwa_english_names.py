"""English mode names services and documents in English (issue 13, item 10): the application and wallet
screens showed "Penerbitan Kartu Keluarga (KK) Baru" and "KTP Elektronik" around English words."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.pwa import *  # noqa: F403  (the shared fixtures)
from tests.e2e.pwa import PwaServer, bearer, submitted_application, watch_errors

pytestmark = pytest.mark.e2e

ENGLISH = {"Accept-Language": "en"}


def test_an_application_and_its_documents_in_english(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    tokens, application = submitted_application(pwa_server)
    with pwa_server.api() as client:
        english = client.get(f"/api/v1/applications/{application['id']}", headers=bearer(tokens) | ENGLISH).json()
        indonesian = client.get(f"/api/v1/applications/{application['id']}", headers=bearer(tokens)).json()
        document = english["documents"][0]
        types = {t["code"]: t["name"] for t in client.get("/api/v1/document-types").json()["items"]}
    assert english["service"]["name"] != indonesian["service"]["name"]
    assert document["type"]["name"] != types[document["type"]["code"]]

    context = phone(locale="en-GB")
    context.add_init_script("localStorage.setItem('lang', 'en')")
    page = context.new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, tokens, f"/applications/{application['id']}")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(english["service"]["name"], timeout=15_000)
    expect(page.locator("#main")).to_contain_text(english["agency"]["name"])
    expect(page.locator("#main")).to_contain_text(document["type"]["name"])
    expect(page.locator("#main")).not_to_contain_text(indonesian["service"]["name"])

    # The same document in the wallet: its list and its own screen.
    page.goto(f"{pwa_server.url}/#/wallet")
    expect(page.locator("#main")).to_contain_text(document["type"]["name"], timeout=15_000)
    page.goto(f"{pwa_server.url}/#/wallet/{document['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(document["type"]["name"], timeout=15_000)
    # Switching back to Indonesian names it in Indonesian again.
    page.get_by_role("button", name="Ganti ke Bahasa Indonesia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(types[document["type"]["code"]], timeout=15_000)
    assert errors == []
