"""A push endpoint is a device: another account cannot take it over by posting it (issue 14 item 9).

The endpoint moves to another account only with the subscription's own keys, which only the browser holding it
has (a second person signing in on the same browser profile); see ``api.notifications.service.subscribe``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from tests.fakes.push_service import FakePushService
from tests.support.auth import account_id, bearer, sign_in
from tests.support.factories import create_application


@pytest.fixture(scope="module")
def push() -> Iterator[FakePushService]:
    with FakePushService() as service:
        yield service


async def subscribe(client: httpx.AsyncClient, tokens: dict[str, Any], subscription: dict[str, Any]) -> httpx.Response:
    return await client.post("/api/v1/push/subscriptions", json=subscription, headers=bearer(tokens))


async def new_subscription(client: httpx.AsyncClient, push: FakePushService) -> dict[str, Any]:
    key = (await client.get("/api/v1/push/key")).json()["publicKey"]
    return push.subscribe(application_server_key=key)


async def holder(db: asyncpg.Connection, subscription: dict[str, Any]) -> Any:
    return await db.fetchval(
        "SELECT account FROM notifications_subscription WHERE endpoint = $1", subscription["endpoint"]
    )


async def test_another_account_cannot_take_an_endpoint_over(
    client: httpx.AsyncClient, db: asyncpg.Connection, push: FakePushService
) -> None:
    alice, mallory = await sign_in(client), await sign_in(client)
    alices_phone = await new_subscription(client, push)
    assert (await subscribe(client, alice, alices_phone)).status_code == 201

    # Mallory learnt the endpoint (not the keys, which never leave Alice's browser and our server).
    own_keys = (await new_subscription(client, push))["keys"]
    for keys in (own_keys, {**alices_phone["keys"], "auth": own_keys["auth"]}):
        taken = await subscribe(client, mallory, {**alices_phone, "keys": keys})
        assert taken.status_code == 409, taken.text
        assert taken.headers["content-type"].startswith("application/problem+json")
        assert taken.json()["code"] == "subscription_taken"
    assert await holder(db, alices_phone) == account_id(alice)

    # Alice's news still reaches Alice's phone, readable with Alice's keys (the fake decrypts with them) ...
    alices = await create_application(client, alice)
    received = await push.wait_for_async(1, timeout=15, subscription=alices_phone["endpoint"])
    assert alices["number"] in received[0].text()
    # ... and Mallory's own news never goes there.
    mallorys = await create_application(client, mallory)
    await asyncio.sleep(1.0)
    texts = [r.text() for r in push.received if r.subscription == push.id_of(alices_phone)]
    assert not any(mallorys["number"] in text for text in texts)
    # Mallory cannot remove Alice's device either.
    gone = await client.delete(
        "/api/v1/push/subscriptions", params={"endpoint": alices_phone["endpoint"]}, headers=bearer(mallory)
    )
    assert gone.status_code == 404
    assert await holder(db, alices_phone) == account_id(alice)


async def test_a_second_account_on_the_same_browser_gets_the_device(
    client: httpx.AsyncClient, db: asyncpg.Connection, push: FakePushService
) -> None:
    first, second = await sign_in(client), await sign_in(client)
    shared_phone = await new_subscription(client, push)
    assert (await subscribe(client, first, shared_phone)).status_code == 201
    # The same browser re-subscribing gives the same subscription, keys and all: the proof of holding it.
    assert (await subscribe(client, second, shared_phone)).status_code == 201
    assert await holder(db, shared_phone) == account_id(second)
    # The first account re-subscribing on its own browser profile, as the PWA does at start, gets it back.
    assert (await subscribe(client, first, shared_phone)).status_code == 201
    assert await holder(db, shared_phone) == account_id(first)
    # One row per endpoint: the device never carries two people's notifications at once.
    count = await db.fetchval(
        "SELECT count(*) FROM notifications_subscription WHERE endpoint = $1", shared_phone["endpoint"]
    )
    assert count == 1
