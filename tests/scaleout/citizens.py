"""A citizen against a real ``mpp serve`` process: sign in with the SMS code from that server's dev-messages file,
apply for the demo "sppl" service of Banyumas (a name and a NIK suffice: the registry's fake lives in the server's
process, not the test's), list and read the applications."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.applications import apply, service_id
from tests.support.auth import bearer, new_phone
from tests.support.identity import random_nik

SERVICE = "sppl"


async def service(client: httpx.AsyncClient) -> dict[str, Any]:
    """The demo service applied for, as GET /services/{id} gives it."""
    found = await client.get(f"/api/v1/services/{await service_id(client, SERVICE)}")
    assert found.status_code == 200, found.text
    detail: dict[str, Any] = found.json()
    return detail


async def sent_code(data_dir: Path, phone: str, seconds: float = 10) -> str:
    """The sign-in code sent to ``phone``: the SMS goes out after the response, so it may take a moment."""
    deadline = time.monotonic() + seconds
    while True:
        path = data_dir / "dev-messages.jsonl"
        messages = path.read_text().splitlines() if path.exists() else []
        codes = [m["code"] for m in map(json.loads, messages) if m["to"] == phone and "code" in m]
        if codes:
            return str(codes[-1])
        assert time.monotonic() < deadline, f"no code was sent to {phone}"
        await asyncio.sleep(0.05)


async def sign_in(client: httpx.AsyncClient, data_dir: Path) -> dict[str, Any]:
    phone = new_phone()
    assert (await client.post("/api/v1/auth/otp", json={"phone": phone})).status_code == 202
    answer = await client.post(
        "/api/v1/auth/otp/verify", json={"phone": phone, "code": await sent_code(data_dir, phone)}
    )
    assert answer.status_code == 200, answer.text
    tokens: dict[str, Any] = answer.json()
    profile = {"name": "Warga Uji", "nik": random_nik()}
    assert (await client.patch("/api/v1/me", json=profile, headers=bearer(tokens))).status_code == 200
    return tokens


async def submit_and_read(client: httpx.AsyncClient, data_dir: Path) -> dict[str, Any]:
    """Sign in, submit, then read my applications and the new one at once: it must be there (read-your-writes)."""
    citizen = await sign_in(client, data_dir)
    submitted = await apply(client, citizen, await service(client))
    assert submitted.status_code == 201, submitted.text
    created: dict[str, Any] = submitted.json()
    mine = await client.get("/api/v1/applications", headers=bearer(citizen))
    assert mine.status_code == 200, mine.text
    assert created["id"] in [item["id"] for item in mine.json()["items"]]
    detail = await client.get(f"/api/v1/applications/{created['id']}", headers=bearer(citizen))
    assert detail.status_code == 200 and detail.json()["timeline"], detail.text
    return created
