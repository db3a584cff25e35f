"""The account's language for texts sent outside the app (issue 13, item 10): the SMS codes and warnings were
Indonesian whatever language the citizen had chosen; a first sign-in made in English left the account in
Indonesian, so its pushes and SMS were too."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from tests.support.auth import bearer, last_code, new_phone, request_code, sign_in

ENGLISH = {"Accept-Language": "en"}


def sms_bodies(app: Litestar, phone: str) -> list[str]:
    """What the development SMS gateway sent to ``phone``, oldest first."""
    lines = app.state.settings.dev_messages_path.read_text().splitlines()
    return [m["body"] for m in map(json.loads, lines) if m["to"] == phone]


async def set_language(client: httpx.AsyncClient, tokens: dict[str, Any], lang: str) -> None:
    response = await client.patch("/api/v1/me", json={"language": lang}, headers=bearer(tokens))
    assert response.status_code == 200 and response.json()["language"] == lang, response.text


async def next_minute(db: asyncpg.Connection, phone: str) -> None:
    """Forget the one-code-a-minute limit of ``phone`` (the per-10-minutes one still counts)."""
    await db.execute("DELETE FROM auth_rate_limit WHERE key LIKE $1", f"otp:phone-minute:{phone}:%")


async def test_the_sign_in_code_comes_in_the_accounts_language(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    tokens = await sign_in(client)
    phone = tokens["phone"]
    assert sms_bodies(app, phone)[-1].startswith("Kode masuk MPP Digital")
    await set_language(client, tokens, "en")
    # The account's choice wins over the device's: the SMS reaches the person, wherever they sign in.
    await next_minute(db, phone)
    assert (await request_code(client, phone, **{"Accept-Language": "id"})).status_code == 202
    body = sms_bodies(app, phone)[-1]
    assert body.startswith("MPP Digital sign-in code") and last_code(phone) in body
    await set_language(client, tokens, "id")
    await next_minute(db, phone)
    assert (await request_code(client, phone, **ENGLISH)).status_code == 202
    assert sms_bodies(app, phone)[-1].startswith("Kode masuk MPP Digital")


async def test_a_first_sign_in_in_english_makes_an_english_account(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    phone = new_phone()
    # No account yet: the code comes in the language the app asks in.
    assert (await request_code(client, phone, **ENGLISH)).status_code == 202
    assert sms_bodies(app, phone)[-1].startswith("MPP Digital sign-in code")
    verified = await client.post(
        "/api/v1/auth/otp/verify", json={"phone": phone, "code": last_code(phone)}, headers=ENGLISH
    )
    assert verified.status_code == 200 and verified.json()["newAccount"] is True
    assert (await client.get("/api/v1/me", headers=bearer(verified.json()))).json()["language"] == "en"
    # A later sign-in in Indonesian keeps the account's choice (only Settings changes it).
    await next_minute(db, phone)
    again = await sign_in(client, phone, **{"Accept-Language": "id"})
    assert (await client.get("/api/v1/me", headers=bearer(again))).json()["language"] == "en"


async def test_a_new_number_is_confirmed_and_the_old_one_warned_in_the_accounts_language(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    tokens = await sign_in(client)
    await set_language(client, tokens, "en")
    new = new_phone()
    assert (await client.post("/api/v1/me/phone", json={"phone": new}, headers=bearer(tokens))).status_code == 202
    assert sms_bodies(app, new)[-1].startswith("Code to change the phone number of MPP Digital")
    done = await client.post(
        "/api/v1/me/phone/verify", json={"phone": new, "code": last_code(new)}, headers=bearer(tokens)
    )
    assert done.status_code == 200, done.text
    assert sms_bodies(app, tokens["phone"])[-1].startswith("The phone number of your MPP Digital account was changed")
