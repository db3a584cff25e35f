"""The PWA's application statuses (pwa/js/statuses.js) are the API's: the same list as the `status` enum of the
application schemas in the OpenAPI document, the officer inbox's filter the same as the API's, every smaller
list made of real statuses, and a label for each status in both languages. Spelled once on each side, they
cannot drift apart unnoticed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

PWA = Path(__file__).resolve().parent.parent / "pwa"
STATUSES_JS = PWA / "js" / "statuses.js"


def js_lists() -> dict[str, list[str]]:
    """Each `export const NAME = … ['a', 'b']` of statuses.js (the first array of quoted strings on its line,
    after any JSDoc cast): its name and its strings, in order."""
    source = STATUSES_JS.read_text()
    found = re.findall(r"^export const (\w+) = [^\n]*?\[\s*('[^\]]*)\]", source, re.M)
    return {name: re.findall(r"'([a-z_]+)'", items) for name, items in found}


def enum_of(schema: dict[str, Any]) -> list[str]:
    """The string values of an enum (an optional parameter's enum also lists null)."""
    values = schema["enum"]
    assert all(isinstance(v, str) or v is None for v in values), values
    return [v for v in values if v is not None]


def test_the_module_is_read() -> None:
    lists = js_lists()
    assert {"STATUSES", "OPEN", "WITHDRAWABLE", "WITHOUT_DEADLINE"} <= set(lists), lists
    assert all(lists.values()), lists


async def test_statuses_are_the_apis(client: httpx.AsyncClient) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    lists = js_lists()

    schemas = spec["components"]["schemas"]
    for name in ("ApplicationDetail", "ApplicationSummary"):
        api = enum_of(schemas[name]["properties"]["status"])
        assert sorted(lists["STATUSES"]) == sorted(api), f"pwa/js/statuses.js STATUSES ≠ {name}.status"

    inbox = spec["paths"]["/api/v1/officer/applications"]["get"]["parameters"]
    status_filter = next(p for p in inbox if p["name"] == "status")
    assert sorted(lists["OPEN"]) == sorted(enum_of(status_filter["schema"])), "OPEN ≠ the officer inbox's filter"

    for name, values in lists.items():
        assert set(values) <= set(lists["STATUSES"]), f"{name} holds a status the API does not know"
        assert len(values) == len(set(values)), f"{name} repeats a status"


def test_every_status_has_words_in_both_languages() -> None:
    statuses = js_lists()["STATUSES"]
    for language in ("id", "en"):
        strings = json.loads((PWA / "i18n" / f"{language}.json").read_text())
        for prefix in ("applicationsStatus_", "officerSt_"):
            missing = [s for s in statuses if f"{prefix}{s}" not in strings]
            assert missing == [], f"{language}.json has no {prefix}… for {missing}"
