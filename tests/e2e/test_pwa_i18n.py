"""Plurals in both languages (issue 13, item 10): "1 working day", not "1 working days".

The PWA's own i18n module runs in Chromium, so the plural categories are those of the browser's Intl.PluralRules,
the same that choose a form on a citizen's phone. A string shown with a count is an object of plural forms in
pwa/i18n/<lang>.json (see pwa/js/i18n.js); each language must have every form its rules can ask for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer

pytestmark = pytest.mark.e2e

CATALOGUES = Path(__file__).resolve().parents[2] / "pwa" / "i18n"
LANGUAGES = ("id", "en")
# Strings with an {n} that is not a count of things, so they need no plural forms.
NOT_A_COUNT = {"officerZoomLevel", "applyErrMax", "applyErrMin", "applyStepOf", "notifUnreadCount"}


def catalogue(lang: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CATALOGUES / f"{lang}.json").read_text())
    return data


def app_page(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> Page:
    page = phone().new_page()
    page.goto(pwa_server.url + "/")
    page.wait_for_selector("main h1", state="attached", timeout=20_000)
    return page


def texts(page: Page, lang: str, calls: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """t(key, params) for each call, in the given language, by the app's own module."""
    result: list[str] = page.evaluate(
        """async ([lang, calls]) => {
            const i18n = await import('/js/i18n.js');
            await i18n.loadLanguage(lang);
            return calls.map(([key, params]) => i18n.t(key, params));
        }""",
        [lang, calls],
    )
    return result


def test_counts_take_the_plural_form_of_the_language(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    page = app_page(pwa_server, phone)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("days", {"n": 1}),
        ("days", {"n": 2}),
        ("days", {"n": 0}),
        ("applicationsDaysLeft", {"n": 1}),
        ("notifCount", {"n": 1, "unread": 1}),
        ("walletCount", {"n": 21}),
        ("days", {}),  # no count yet: the general form, not a blank
    ]
    assert texts(page, "en", calls) == [
        "1 working day",
        "2 working days",
        "0 working days",
        "1 working day left",
        "1 notification, 1 unread",
        "21 documents",
        " working days",
    ]
    assert texts(page, "id", calls) == [
        "1 hari kerja",
        "2 hari kerja",
        "0 hari kerja",
        "1 hari kerja lagi",
        "1 notifikasi, 1 belum dibaca",
        "21 dokumen",
        " hari kerja",
    ]
    # As a service page shows a service's time limit, through the component that draws it.
    sla = page.evaluate(
        """async () => {
            const i18n = await import('/js/i18n.js');
            const { slaText } = await import('/js/components/service-facts.js');
            await i18n.loadLanguage('en');
            const en = [slaText(1), slaText(14)];
            await i18n.loadLanguage('id');
            return [...en, slaText(1)];
        }"""
    )
    assert sla == ["1 working day", "14 working days", "1 hari kerja"]


def test_every_plural_key_has_the_forms_its_language_needs(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    page = app_page(pwa_server, phone)
    needed: dict[str, list[str]] = page.evaluate(
        "(langs) => Object.fromEntries(langs.map((lang) =>"
        " [lang, new Intl.PluralRules(lang).resolvedOptions().pluralCategories]))",
        list(LANGUAGES),
    )
    assert set(needed["en"]) == {"one", "other"} and needed["id"] == ["other"]
    catalogues = {lang: catalogue(lang) for lang in LANGUAGES}
    plural_keys = {key for data in catalogues.values() for key, value in data.items() if isinstance(value, dict)}
    assert "days" in plural_keys
    problems = []
    for key in sorted(plural_keys):
        placeholders: set[frozenset[str]] = set()
        for lang, data in catalogues.items():
            forms = data.get(key)
            if not isinstance(forms, dict):
                problems.append(f"{key}: a plain string in {lang}.json, plural forms in the other")
                continue
            if missing := set(needed[lang]) - set(forms):
                problems.append(f"{key}: {lang}.json lacks the form(s) {sorted(missing)}")
            if unknown := set(forms) - set(needed[lang]):
                problems.append(f"{key}: {lang}.json has forms {lang} never uses: {sorted(unknown)}")
            placeholders |= {frozenset(re.findall(r"\{(\w+)\}", str(text))) for text in forms.values()}
        if len(placeholders) > 1:
            problems.append(f"{key}: its forms fill different placeholders {sorted(map(sorted, placeholders))}")
    assert not problems, "\n".join(problems)

    # And the other way round: a string that shows a count has plural forms (or is known not to be a count).
    counted = [
        key
        for key, value in catalogues["en"].items()
        if isinstance(value, str) and "{n}" in value and key not in NOT_A_COUNT
    ]
    assert counted == [], f"strings with a count {{n}} but no plural forms: {counted}"
