"""Service standards through the admin API: a new local service's content, drafts published with their ETags, and
waiting for search (every process reloads its vocabulary on NOTIFY) to show or lose a service."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import httpx

from tests.support.auth import bearer

ADMIN = "/api/v1/admin"


def made_up_word() -> str:
    """A word no catalogue has (consonant-vowel syllables, so that it reads as one word and is not corrected)."""
    return "".join(secrets.choice("bdgkmpst") + secrets.choice("aiou") for _ in range(5))


def local_content(word: str, *, code: str | None = None, agency: str = "DISDUKCAPIL") -> dict[str, Any]:
    """A region's own service: two requirements (KTP-el and KK) and a form of two fields, one a select."""
    return {
        "code": code or f"uji-{word}",
        "agency": agency,
        "name": {"id": f"Layanan {word.capitalize()} Uji", "en": f"{word.capitalize()} test service"},
        "description": {"id": "Layanan uji standar pelayanan.", "en": "A service standard under test."},
        "categories": ["identity"],
        "channels": "both",
        "fee": 0,
        "slaDays": 3,
        "legalBasis": ["Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik"],
        "requirements": [
            {"type": "KTP_EL", "note": {"id": "KTP-el pemohon.", "en": "The applicant's KTP-el."}},
            {"type": "KK"},
        ],
        "procedure": [{"id": "Ajukan permohonan.", "en": "Apply."}, {"id": "Ambil hasil.", "en": "Collect."}],
        "form": [
            {"name": "fullName", "type": "text", "label": {"id": "Nama lengkap", "en": "Full name"}},
            {
                "name": "purpose",
                "type": "select",
                "label": {"id": "Keperluan", "en": "Purpose"},
                "options": [
                    {"value": "pribadi", "label": {"id": "Pribadi", "en": "Personal"}},
                    {"value": "pekerjaan", "label": {"id": "Pekerjaan", "en": "Work"}},
                ],
            },
        ],
        "keywords": [word],
        "output": {"id": "Surat keterangan", "en": "A certificate"},
    }


def if_match(response: httpx.Response) -> dict[str, str]:
    """If-Match naming what ``response`` answered (its ETag)."""
    return {"If-Match": response.headers["etag"]}


async def new_draft(client: httpx.AsyncClient, admin: str, scope: str, **body: Any) -> httpx.Response:
    response = await client.post(f"{ADMIN}/drafts", json={"scope": scope, **body}, headers=bearer(admin))
    assert response.status_code == 201, response.text
    return response


async def publish(client: httpx.AsyncClient, admin: str, draft: httpx.Response, reason: str) -> dict[str, Any]:
    """Publish the draft ``draft`` answered (with its ETag); the publish's answer."""
    published = await client.post(
        f"{ADMIN}/drafts/{draft.json()['id']}/publish",
        json={"reason": reason},
        headers={**bearer(admin), **if_match(draft)},
    )
    assert published.status_code == 201, published.text
    body: dict[str, Any] = published.json()
    return body


async def publish_new(
    client: httpx.AsyncClient, admin: str, content: dict[str, Any], *, scope: str = "3302"
) -> dict[str, Any]:
    """A new local service published as version 1: ``{scope, code, version, serviceId}``."""
    draft = await new_draft(client, admin, scope, content=content)
    assert draft.json()["problems"] == [], draft.json()["problems"]
    return await publish(client, admin, draft, "Layanan baru")


async def change(
    client: httpx.AsyncClient, admin: str, scope: str, code: str, edit: dict[str, Any], reason: str
) -> dict[str, Any]:
    """A new version of a published standard: a draft of it, ``edit`` merged into its content, published."""
    draft = await new_draft(client, admin, scope, code=code)
    content = {**draft.json()["content"], **edit}
    saved = await client.put(
        f"{ADMIN}/drafts/{draft.json()['id']}", json={"content": content}, headers={**bearer(admin), **if_match(draft)}
    )
    assert saved.status_code == 200 and saved.json()["problems"] == [], saved.text
    return await publish(client, admin, saved, reason)


async def found_by_search(client: httpx.AsyncClient, word: str, region: str) -> set[str]:
    """The codes search finds for ``word`` in ``region`` now."""
    response = await client.get("/api/v1/services", params={"q": word, "region": region, "pageSize": 50})
    assert response.status_code == 200, response.text
    return {item["code"] for item in response.json()["items"]}


async def wait_for_search(
    client: httpx.AsyncClient, word: str, region: str, code: str, *, present: bool, seconds: float = 15
) -> float:
    """Poll search until ``code`` is (or is no longer) found for ``word`` in ``region``; how long it took."""
    started = time.monotonic()
    while True:
        if (code in await found_by_search(client, word, region)) == present:
            return time.monotonic() - started
        assert time.monotonic() - started < seconds, f"search did not {'find' if present else 'lose'} {code}"
        await asyncio.sleep(0.1)
