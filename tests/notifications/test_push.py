"""Push notifications on status changes, delivered by the worker through a fake push service that decrypts
every message (RFC 8291) and checks every VAPID signature (RFC 8292)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from api.notifications.worker import MAX_ATTEMPTS
from api.outbox.service import enqueue
from tests.fakes.push_service import FakePushService
from tests.support.auth import bearer, sign_in
from tests.support.factories import create_application, create_officer


@pytest.fixture(scope="module")
def push() -> Iterator[FakePushService]:
    with FakePushService() as service:
        yield service


@pytest.fixture(autouse=True)
def _clean(push: FakePushService) -> None:
    push.reset_failures()
    push.clear()


async def subscribed(client: httpx.AsyncClient, push: FakePushService, tokens: dict[str, Any]) -> dict[str, Any]:
    key = (await client.get("/api/v1/push/key")).json()["publicKey"]
    subscription = push.subscribe(application_server_key=key)
    response = await client.post("/api/v1/push/subscriptions", json=subscription, headers=bearer(tokens))
    assert response.status_code == 201, response.text
    return subscription


async def wait_db(check: Any, seconds: float = 10) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := await check():
            return value
        await asyncio.sleep(0.05)
    raise TimeoutError("condition not reached")


async def test_subscriptions_only_to_browser_push_services(client: httpx.AsyncClient) -> None:
    citizen = await sign_in(client)
    keys = {
        "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        "auth": "tBHItJI5svbpez7KI4CCXg",
    }
    ok = {"endpoint": "https://fcm.googleapis.com/fcm/send/abc123", "keys": keys, "expirationTime": None}
    assert (await client.post("/api/v1/push/subscriptions", json=ok, headers=bearer(citizen))).status_code == 201
    for endpoint in (
        "https://evil.example.com/push/1",
        "http://fcm.googleapis.com/fcm/send/abc",  # not https
        "https://fcm.googleapis.com.evil.example/x",
        "https://fcm.googleapis.com:8443/x",
        "https://user:pw@fcm.googleapis.com/x",
        "http://10.0.0.1/internal",
        "file:///etc/passwd",
    ):
        response = await client.post(
            "/api/v1/push/subscriptions", json={**ok, "endpoint": endpoint}, headers=bearer(citizen)
        )
        assert response.status_code == 422, endpoint
        assert response.json()["code"] == "invalid_subscription"
    bad_keys = {**ok, "keys": {"p256dh": "AAAA" * 10, "auth": "tBHItJI5svbpez7KI4CCXg"}}
    assert (await client.post("/api/v1/push/subscriptions", json=bad_keys, headers=bearer(citizen))).status_code == 422
    assert (
        await client.post("/api/v1/push/subscriptions", json={"endpoint": 5}, headers=bearer(citizen))
    ).status_code == 400
    assert (await client.post("/api/v1/push/subscriptions", json=ok)).status_code == 401
    gone = await client.delete(
        "/api/v1/push/subscriptions", params={"endpoint": ok["endpoint"]}, headers=bearer(citizen)
    )
    assert gone.status_code == 204


async def test_a_decision_reaches_the_phone(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, push: FakePushService
) -> None:
    citizen = await sign_in(client)
    subscription = await subscribed(client, push, citizen)
    application = await create_application(client, citizen)
    first = (await push.wait_for_async(1))[0]
    assert first.json()["title"] == f"Permohonan {application['number']}"
    assert first.json()["body"].endswith("diterima")
    clerk = await create_officer(db, app)
    started = time.monotonic()
    decided = await client.post(
        f"/api/v1/officer/applications/{application['id']}/decision",
        json={"action": "start_review"},
        headers=bearer(clerk),
    )
    assert decided.status_code == 200
    received = (await push.wait_for_async(2))[1]
    latency = received.at - started
    message = received.json()
    assert message["body"].endswith("sedang diperiksa") and message["url"] == f"/#/applications/{application['id']}"
    assert message["tag"] == f"mpp-{message['id']}"  # the device drops a repeat by this tag
    # Lock screens are public: the application number, the service and the status, nothing else.
    me = (await client.get("/api/v1/me", headers=bearer(citizen))).json()
    assert me["phone"] not in received.text() and (not me.get("nik") or me["nik"] not in received.text())
    assert len(received.payload) <= 3000
    assert received.topic and received.topic == first.topic  # a newer status replaces the older one
    assert received.ttl > 0 and received.urgency == "normal"
    assert received.vapid["sub"].startswith("mailto:") and received.subscription in subscription["endpoint"]
    # Also in the in-app inbox, in the citizen's language.
    inbox = (await client.get("/api/v1/notifications", headers=bearer(citizen))).json()
    assert inbox["unread"] >= 2 and inbox["items"][0]["body"].endswith("sedang diperiksa")
    english = (await client.get("/api/v1/notifications", headers={**bearer(citizen), "Accept-Language": "en"})).json()
    assert english["items"][0]["body"].endswith("under review")
    read = await client.post(f"/api/v1/notifications/{inbox['items'][0]['id']}/read", headers=bearer(citizen))
    assert read.json() == {"marked": 1}
    assert (await client.post("/api/v1/notifications/read-all", headers=bearer(citizen))).json()["marked"] >= 1
    assert (await client.get("/api/v1/notifications", headers=bearer(citizen))).json()["unread"] == 0
    assert latency < 5  # the benchmark measures it properly (bench/push_bench.py)


async def test_a_gone_subscription_is_removed(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, push: FakePushService
) -> None:
    citizen = await sign_in(client)
    subscription = await subscribed(client, push, citizen)
    push.fail(410, subscription=subscription["endpoint"])
    application = await create_application(client, citizen)

    async def removed() -> bool:
        count = await db.fetchval(
            "SELECT count(*) FROM notifications_subscription WHERE endpoint = $1", subscription["endpoint"]
        )
        return count == 0

    await wait_db(removed)
    done = await wait_db(
        lambda: db.fetchval(
            "SELECT processed_at IS NOT NULL FROM outbox_message WHERE subject = $1", uuid.UUID(application["id"])
        )
    )
    assert done


async def test_retry_after_is_honoured(client: httpx.AsyncClient, push: FakePushService) -> None:
    citizen = await sign_in(client)
    subscription = await subscribed(client, push, citizen)
    push.fail(429, subscription=subscription["endpoint"], times=1, retry_after=2)
    await create_application(client, citizen)
    received = (await push.wait_for_async(1, timeout=15, subscription=subscription["endpoint"]))[0]
    refused = [a for a in push.attempts if a.status == 429]
    assert len(refused) == 1
    assert received.at - refused[0].at >= 2.0  # not before the push service said


async def test_sms_when_no_device_can_be_reached(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    citizen = await sign_in(client)
    application = await create_application(client, citizen)
    clerk = await create_officer(db, app)
    url = f"/api/v1/officer/applications/{application['id']}/decision"
    await client.post(url, json={"action": "start_review"}, headers=bearer(clerk))
    await client.post(url, json={"action": "request_correction", "reason": "Foto KK buram"}, headers=bearer(clerk))
    path = app.state.settings.dev_messages_path

    async def texted() -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        return [m for m in lines if m["to"] == citizen["phone"] and application["number"] in m["body"]]

    messages = await wait_db(texted)
    assert len(messages) == 1 and "perlu perbaikan" in messages[0]["body"]  # only the one that needs action


async def test_dead_letters_can_be_replayed(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, push: FakePushService
) -> None:
    citizen = await sign_in(client)
    subscription = await subscribed(client, push, citizen)
    account = await db.fetchval("SELECT id FROM accounts_account WHERE phone = $1", citizen["phone"])
    push.fail(503, subscription=subscription["endpoint"])
    message = await db.fetchval(
        """INSERT INTO outbox_message (created_at, topic, recipient, subject, payload, attempts, next_attempt_at)
           VALUES (now(), 'application.status_changed', $1, gen_random_uuid(), $2::jsonb, $3, now()) RETURNING id""",
        account,
        json.dumps(
            {
                "application": str(uuid.uuid4()),
                "number": "3302-2611-999999",
                "status": "approved",
                "serviceName": {"id": "Tes", "en": "Test"},
                "region": "3302",
            }
        ),
        MAX_ATTEMPTS - 1,
    )
    await db.execute("SELECT pg_notify('outbox', '')")
    await wait_db(lambda: db.fetchval("SELECT dead_at IS NOT NULL FROM outbox_message WHERE id = $1", message))
    from tests.support.auth import full_staff_token

    admin = await full_staff_token(db, app, "region_admin", region="3302")
    dead = (await client.get("/api/v1/admin/notifications/dead-letters", headers=bearer(admin))).json()
    assert message in [d["id"] for d in dead["items"]]
    elsewhere = await full_staff_token(db, app, "region_admin", region="3471")
    assert message not in [
        d["id"]
        for d in (await client.get("/api/v1/admin/notifications/dead-letters", headers=bearer(elsewhere))).json()[
            "items"
        ]
    ]
    assert (
        await client.post(f"/api/v1/admin/notifications/dead-letters/{message}/replay", headers=bearer(elsewhere))
    ).status_code == 404
    push.reset_failures()
    assert (
        await client.post(f"/api/v1/admin/notifications/dead-letters/{message}/replay", headers=bearer(admin))
    ).status_code == 202
    received = await push.wait_for_async(1, timeout=10, subscription=subscription["endpoint"])
    assert received[0].json()["id"] == message


async def test_new_sign_in_is_announced(
    client: httpx.AsyncClient, db: asyncpg.Connection, push: FakePushService
) -> None:
    first = await sign_in(client)
    subscription = await subscribed(client, push, first)
    await db.execute("DELETE FROM auth_rate_limit WHERE key LIKE $1", f"otp:phone-minute:{first['phone']}:%")
    await sign_in(client, first["phone"])
    received = await push.wait_for_async(1, timeout=10, subscription=subscription["endpoint"])
    assert received[0].json()["topic"] == "auth.new_sign_in" and received[0].urgency == "high"


async def test_the_outbox_is_vacuumed_like_a_queue(db: asyncpg.Connection) -> None:
    """A fixed autovacuum threshold: with the default 20 % the worker's claim slowed from 0.2 to 35 ms."""
    options = await db.fetchval("SELECT reloptions FROM pg_class WHERE relname = 'outbox_message'")
    assert "autovacuum_vacuum_scale_factor=0" in options
    assert "autovacuum_vacuum_threshold=2000" in options


async def test_a_heads_up_for_a_kiosk_phone_goes_by_sms(app: Litestar, db: asyncpg.Connection) -> None:
    """A walk-in ticket's phone (given at the kiosk, no account) gets the queue's heads-up by SMS, once."""
    phone = f"+62812{uuid.uuid4().int % 10**7:07d}"
    number = f"Z-{uuid.uuid4().int % 1000:03d}"
    payload = {"number": number, "ahead": 2, "agencyName": {"id": "Disdukcapil", "en": "Disdukcapil"}, "phone": phone}
    async with db.transaction():
        await enqueue(db, topic="queue.heads_up", recipient=None, subject=None, payload=payload)
    path = app.state.settings.dev_messages_path

    async def texted() -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        return [m for m in lines if m["to"] == phone]

    messages = await wait_db(texted)
    assert len(messages) == 1 and number in messages[0]["body"]


async def test_the_notification_worker_takes_only_its_own_channel(app: Litestar, db: asyncpg.Connection) -> None:
    """The outbox carries messages for several consumers (SP4N-LAPOR!, webhooks, OSS): the notification worker
    delivers channel "notify" only and leaves the others untouched, even with a topic it knows."""
    phone = f"+62812{uuid.uuid4().int % 10**7:07d}"
    payload = {"number": "Y-001", "ahead": 2, "agencyName": {"id": "Disdukcapil", "en": "Disdukcapil"}}
    async with db.transaction():
        other = await enqueue(
            db,
            topic="queue.heads_up",
            recipient=None,
            subject=None,
            payload={**payload, "phone": phone},
            channel="unclaimed",  # a channel no consumer reads: only its own channel is the worker's
        )
        mine = await enqueue(
            db, topic="queue.heads_up", recipient=None, subject=None, payload={**payload, "phone": phone}
        )

    async def done() -> bool:
        return bool(await db.fetchval("SELECT processed_at IS NOT NULL FROM outbox_message WHERE id = $1", mine))

    await wait_db(done)
    row = await db.fetchrow("SELECT attempts, processed_at FROM outbox_message WHERE id = $1", other)
    assert row["attempts"] == 0 and row["processed_at"] is None
    await db.execute("DELETE FROM outbox_message WHERE id = $1", other)
