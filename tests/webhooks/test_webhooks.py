"""Signed webhooks to agencies' systems (issue 20): every delivery is verified by a receiver built on the
``standardwebhooks`` package (tests/webhooks/receiver.py), through the real path — the outbox hook in the
transaction of the change, the in-process worker of the app (api/webhooks/worker.py), the admin routes."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from litestar import Litestar
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from api.config import Settings
from api.outbox.service import enqueue
from api.webhooks import service
from api.webhooks.urls import GuardedResolver, RefusedAddressError
from tests.support.applications import REGION
from tests.support.auth import bearer
from tests.support.factories import (
    AGENCY,
    create_application,
    create_citizen,
    create_national_admin,
    create_officer,
    create_region_admin,
)
from tests.webhooks.receiver import Receiver, wait_for

OTHER_AGENCY = "PLN"  # another agency of Banyumas (the demo catalogue)
MPP = str(Path(sys.executable).parent / "mpp")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def receiver() -> AsyncIterator[Receiver]:
    made = Receiver()
    await made.start()
    yield made
    await made.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def admin(db: asyncpg.Connection, app: Litestar) -> str:
    return await create_region_admin(db, app, region=REGION)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def application(app: Litestar, db: asyncpg.Connection) -> dict[str, Any]:
    """An application to Banyumas's DISDUKCAPIL, made before any endpoint exists (its own events reach nobody)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        citizen = await create_citizen(client)
        return await create_application(client, citizen)


async def add_endpoint(
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    token: str,
    receiver: Receiver,
    name: str,
    *,
    agency: str = AGENCY,
    failures: list[int] | None = None,
) -> dict[str, Any]:
    """An endpoint registered through the admin route, its receiver path holding the secret the route showed; only
    after every earlier event has been expanded, so that this endpoint hears only of the test's own."""
    await wait_for(lambda: _expanded(db), what="the earlier events' expansion")
    made = await client.post(
        "/api/v1/admin/webhooks", json={"agency": agency, "url": receiver.url(name)}, headers=bearer(token)
    )
    assert made.status_code == 201, made.text
    endpoint: dict[str, Any] = made.json()
    assert endpoint["secret"].startswith("whsec_")
    receiver.hook(name, endpoint["secret"], failures=failures)
    return endpoint


async def _expanded(db: asyncpg.Connection) -> bool:
    return not await db.fetchval(
        "SELECT count(*) FROM outbox_message WHERE channel = 'webhook' AND processed_at IS NULL AND dead_at IS NULL"
    )


async def disable(client: httpx.AsyncClient, token: str, endpoint: dict[str, Any]) -> None:
    """Keep later tests' events away from this endpoint."""
    done = await client.post(f"/api/v1/admin/webhooks/{endpoint['id']}/disable", headers=bearer(token))
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "disabled"


async def status_event(db: asyncpg.Connection, application: dict[str, Any], status: str = "in_review") -> int:
    """The outbox message of a status change, as api/applications/service/announce.py writes it (names included:
    the webhook's copy must not carry them). Returns the webhook message's id."""
    service = await db.fetchval(
        "SELECT service FROM applications_application WHERE id = $1", uuid.UUID(application["id"])
    )
    async with db.transaction():
        await enqueue(
            db,
            topic="application.status_changed",
            recipient=None,
            subject=uuid.UUID(application["id"]),
            payload={
                "application": application["id"],
                "number": application["number"],
                "service": str(service),
                "serviceName": {"id": "Kartu Keluarga Baru", "en": "New family card"},
                "region": REGION,
                "status": status,
            },
        )
    message: int = await db.fetchval("SELECT max(id) FROM outbox_message WHERE channel = 'webhook'")
    return message


def for_application(hook: Any, application: dict[str, Any]) -> list[Any]:
    return [r for r in hook.processed if r.data["data"].get("application") == application["id"]]


async def delivery_of(db: asyncpg.Connection, message: int, endpoint: dict[str, Any]) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await db.fetchrow(
        "SELECT * FROM webhooks_delivery WHERE message = $1 AND endpoint = $2", message, uuid.UUID(endpoint["id"])
    )
    return row


async def fast_forward(db: asyncpg.Connection, delivery: uuid.UUID) -> None:
    """The backoff's wait, skipped: due now, and the worker woken."""
    await db.execute("UPDATE webhooks_delivery SET next_attempt_at = now() WHERE id = $1", delivery)
    await db.execute("SELECT pg_notify('outbox', 'webhook')")


async def test_a_status_change_reaches_its_agencys_endpoint_only_with_ids_and_statuses(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, receiver: Receiver, admin: str
) -> None:
    ours = await add_endpoint(client, db, admin, receiver, "ours")
    theirs = await add_endpoint(client, db, admin, receiver, "theirs", agency=OTHER_AGENCY)
    officer = await create_officer(db, app)
    citizen = await create_citizen(client)
    # The officer's decision writes the outbox message in its transaction; the hook adds the webhook's.
    made = await create_application(client, citizen, status="in_review", officer=officer)

    def reached() -> list[Any]:
        return [r for r in for_application(receiver.hooks["ours"], made) if r.data["data"]["status"] == "in_review"]

    got = (await wait_for(reached, what="the in_review webhook"))[0]
    assert got.data["type"] == "application.status_changed"
    # Only ids, numbers and statuses: no names (the receiver fetches details with its service account).
    assert set(got.data["data"]) == {"application", "number", "service", "region", "status"}
    assert got.data["data"]["number"] == made["number"] and got.data["data"]["region"] == REGION
    assert got.headers["webhook-id"].startswith("msg_")
    assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 60
    await asyncio.sleep(0.5)
    assert for_application(receiver.hooks["theirs"], made) == []  # another agency's endpoint hears nothing of it
    await disable(client, admin, ours)
    await disable(client, admin, theirs)


async def test_a_replayed_request_and_an_old_timestamp_are_refused_by_the_receiver(
    client: httpx.AsyncClient, db: asyncpg.Connection, receiver: Receiver, admin: str, application: dict[str, Any]
) -> None:
    endpoint = await add_endpoint(client, db, admin, receiver, "replay")
    hook = receiver.hooks["replay"]
    await status_event(db, application)
    first = (await wait_for(lambda: for_application(hook, application), what="a delivery"))[0]
    # An attacker replays the captured request as it was: the receiver's id memory refuses to process it again.
    async with httpx.AsyncClient() as http:
        again = await http.post(receiver.url("replay"), content=first.body, headers=first.headers)
    assert again.status_code == 200 and hook.requests[-1].outcome == "duplicate"
    assert len(hook.processed) == 1
    # Re-signed an hour ago with the right secret (as a captured request's timestamp would be): too old.
    old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=6)
    headers = {
        "webhook-id": "msg_new",
        "webhook-timestamp": str(int(old.timestamp())),
        "webhook-signature": Webhook(endpoint["secret"]).sign("msg_new", old, first.body),
    }
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(endpoint["secret"]).verify(first.body, headers)
    # And a body altered in transit fails the signature.
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint["secret"]).verify(first.body.replace(b"in_review", b"approved"), first.headers)
    await disable(client, admin, endpoint)


async def test_a_receiver_down_for_a_while_gets_each_message_once_with_fresh_timestamps(
    client: httpx.AsyncClient, db: asyncpg.Connection, receiver: Receiver, admin: str, application: dict[str, Any]
) -> None:
    endpoint = await add_endpoint(client, db, admin, receiver, "down", failures=[503, 503])
    hook = receiver.hooks["down"]
    message = await status_event(db, application, "approved")
    for attempt in (1, 2):
        row = await wait_for(
            lambda attempt=attempt: _failed(db, message, endpoint, attempt), what=f"failed attempt {attempt}"
        )
        assert row["status"] == "pending" and row["last_error"] == "HTTP 503" and row["response_status"] == 503
        # Backoff: 5 s after the first failure, 10 s after the second (api/lib/retry.py).
        assert 5 * attempt - 4 < row["wait"] <= 5 * attempt
        await asyncio.sleep(1.1)  # so that the next attempt's timestamp is a later second
        await fast_forward(db, row["id"])
    await wait_for(lambda: hook.processed, what="the delivery after the receiver came back")
    row = await delivery_of(db, message, endpoint)
    assert row is not None and row["status"] == "delivered" and row["attempts"] == 3 and row["latency_ms"] is not None
    # Three requests of one message: one webhook-id, a fresh timestamp each time, each within the receiver's window.
    assert len({r.headers["webhook-id"] for r in hook.requests}) == 1
    stamps = [int(r.headers["webhook-timestamp"]) for r in hook.requests]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    assert all(abs(r.at - int(r.headers["webhook-timestamp"])) < 5 for r in hook.requests)
    # The message expanded again (a worker whose lease ran out): no second delivery row, nothing sent twice.
    await db.execute("UPDATE outbox_message SET processed_at = NULL, next_attempt_at = now() WHERE id = $1; ", message)
    await db.execute("SELECT pg_notify('outbox', 'webhook')")
    await wait_for(
        lambda: db.fetchval("SELECT processed_at IS NOT NULL FROM outbox_message WHERE id = $1", message),
        what="the second expansion",
    )
    await asyncio.sleep(0.3)
    assert (
        await db.fetchval(
            "SELECT count(*) FROM webhooks_delivery WHERE message = $1 AND endpoint = $2",
            message,
            uuid.UUID(endpoint["id"]),
        )
        == 1
    )
    assert len(hook.processed) == 1 and len(hook.requests) == 3
    await disable(client, admin, endpoint)


async def _failed(db: asyncpg.Connection, message: int, endpoint: dict[str, Any], attempts: int) -> Any:
    return await db.fetchrow(
        """SELECT *, extract(epoch FROM next_attempt_at - now()) AS wait FROM webhooks_delivery
           WHERE message = $1 AND endpoint = $2 AND attempts = $3 AND last_error IS NOT NULL""",
        message,
        uuid.UUID(endpoint["id"]),
        attempts,
    )


async def test_a_refusal_is_dead_at_once_and_an_admin_replays_it(
    client: httpx.AsyncClient, db: asyncpg.Connection, receiver: Receiver, admin: str, application: dict[str, Any]
) -> None:
    endpoint = await add_endpoint(client, db, admin, receiver, "refuses", failures=[400])
    message = await status_event(db, application, "rejected")
    row = await wait_for(
        lambda: db.fetchrow(
            "SELECT * FROM webhooks_delivery WHERE message = $1 AND endpoint = $2 AND status = 'dead'",
            message,
            uuid.UUID(endpoint["id"]),
        ),
        what="the dead delivery",
    )
    assert row["attempts"] == 1 and row["response_status"] == 400  # a 4xx is not retried
    dead = await client.get("/api/v1/admin/webhooks/dead", headers=bearer(admin))
    assert dead.status_code == 200
    assert str(row["id"]) in [d["id"] for d in dead.json()["items"]]
    # Statistics: the endpoint's dead delivery is counted.
    listed = await client.get("/api/v1/admin/webhooks", headers=bearer(admin))
    mine = next(e for e in listed.json()["items"] if e["id"] == endpoint["id"])
    assert mine["stats"]["dead"] == 1 and "secret" not in mine
    replayed = await client.post(f"/api/v1/admin/webhooks/deliveries/{row['id']}/replay", headers=bearer(admin))
    assert replayed.status_code == 200, replayed.text
    hook = receiver.hooks["refuses"]
    got = (await wait_for(lambda: hook.processed, what="the replayed delivery"))[0]
    assert got.headers["webhook-id"] == f"msg_{row['id'].hex}"
    assert (await delivery_of(db, message, endpoint))["status"] == "delivered"  # type: ignore[index]
    listed = await client.get("/api/v1/admin/webhooks", headers=bearer(admin))
    mine = next(e for e in listed.json()["items"] if e["id"] == endpoint["id"])
    assert mine["stats"]["delivered"] == 1 and mine["stats"]["dead"] == 0 and mine["stats"]["p50Ms"] is not None
    # A delivered one is not replayed (409); another region's admin does not see it at all (404).
    again = await client.post(f"/api/v1/admin/webhooks/deliveries/{row['id']}/replay", headers=bearer(admin))
    assert again.status_code == 409
    await disable(client, admin, endpoint)


async def test_deliveries_during_a_rotation_verify_with_the_old_and_the_new_secret(
    client: httpx.AsyncClient, db: asyncpg.Connection, receiver: Receiver, admin: str, application: dict[str, Any]
) -> None:
    endpoint = await add_endpoint(client, db, admin, receiver, "rotating")
    old = endpoint["secret"]
    rotated = await client.post(f"/api/v1/admin/webhooks/{endpoint['id']}/secret", headers=bearer(admin))
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new.startswith("whsec_") and new != old and rotated.headers["cache-control"] == "no-store"
    hook = receiver.hooks["rotating"]
    hook.secrets = [new]  # the receiver switched at once; one that has not yet switched verifies with the old one
    await status_event(db, application, "completed")
    got = (await wait_for(lambda: hook.processed, what="a delivery during the rotation"))[-1]
    Webhook(old).verify(got.body, got.headers)
    Webhook(new).verify(got.body, got.headers)
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    # The overlap over: only the new secret signs.
    await db.execute("UPDATE webhooks_endpoint SET previous_until = now() WHERE id = $1", uuid.UUID(endpoint["id"]))
    await status_event(db, application, "taken")
    later = (await wait_for(lambda: hook.processed[1:], what="a delivery after the rotation"))[-1]
    Webhook(new).verify(later.body, later.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(later.body, later.headers)
    # The secrets are sealed at rest: neither appears in the row.
    sealed = await db.fetchval("SELECT secrets_sealed FROM webhooks_endpoint WHERE id = $1", uuid.UUID(endpoint["id"]))
    assert new.encode() not in sealed and old.encode() not in sealed
    await disable(client, admin, endpoint)


async def test_another_regions_admin_cannot_see_or_change_an_endpoint(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, receiver: Receiver, admin: str
) -> None:
    endpoint = await add_endpoint(client, db, admin, receiver, "scoped")
    stranger = await create_region_admin(db, app, region="3471")  # Yogyakarta
    for path in ("secret", "disable", "enable"):
        answer = await client.post(f"/api/v1/admin/webhooks/{endpoint['id']}/{path}", headers=bearer(stranger))
        assert answer.status_code == 404, answer.text
    listed = await client.get("/api/v1/admin/webhooks", headers=bearer(stranger))
    assert endpoint["id"] not in [e["id"] for e in listed.json()["items"]]
    national = await create_national_admin(db, app)
    listed = await client.get("/api/v1/admin/webhooks", headers=bearer(national))
    assert endpoint["id"] in [e["id"] for e in listed.json()["items"]]
    await disable(client, national, endpoint)


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.id/mpp",  # plain http off the test hosts
        "https://10.0.0.5/mpp",  # a private address
        "https://127.0.0.2:8443/mpp",  # loopback, not a test host
        "https://localhost/mpp",
        "ftp://hooks.example.id/mpp",
        "https://user:pw@hooks.example.id/mpp",
    ],
)
async def test_endpoints_off_the_public_internet_are_refused_at_registration(
    client: httpx.AsyncClient, admin: str, url: str
) -> None:
    answer = await client.post("/api/v1/admin/webhooks", json={"agency": AGENCY, "url": url}, headers=bearer(admin))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "invalid_webhook_url"


async def test_a_private_target_is_refused_at_delivery(
    client: httpx.AsyncClient, db: asyncpg.Connection, settings: Settings, admin: str, application: dict[str, Any]
) -> None:
    """An endpoint that got in by another way (here: registered while its host was a test host) is refused by the
    worker: dead at once, nothing sent."""
    from api.lib.crypto import load_master_keys

    endpoint, _ = await service.create(
        db,
        load_master_keys(settings),
        service.Actor(id=None, scope=None),
        agency=AGENCY,
        region=REGION,
        url="http://10.1.2.3:9/hook",
        test_hosts=("10.1.2.3",),
    )
    message = await status_event(db, application, "in_review")
    row = await wait_for(
        lambda: db.fetchrow(
            "SELECT * FROM webhooks_delivery WHERE message = $1 AND endpoint = $2 AND status = 'dead'",
            message,
            endpoint.id,
        ),
        what="the refused delivery",
    )
    assert "https" in row["last_error"] and row["response_status"] is None
    await db.execute("UPDATE webhooks_endpoint SET status = 'disabled' WHERE id = $1", endpoint.id)


async def test_the_resolver_refuses_names_of_private_addresses_but_for_test_hosts() -> None:
    with pytest.raises(RefusedAddressError):
        await GuardedResolver(()).resolve("localhost", 443)
    assert await GuardedResolver(("localhost",)).resolve("localhost", 443)


async def test_mpp_webhooks_add_prints_the_id_and_secret_and_deliveries_verify_with_it(
    db: asyncpg.Connection, settings: Settings, receiver: Receiver, database_url: str, application: dict[str, Any]
) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "MPP_DATA_DIR": str(settings.data_dir), "MPP_ENV": "test"}
    done = await asyncio.to_thread(
        subprocess.run,
        [MPP, "webhooks", "add", "--agency", AGENCY, "--region", REGION, "--url", receiver.url("cli")],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    made = json.loads(done.stdout.strip().splitlines()[-1])
    assert made["secret"].startswith("whsec_") and uuid.UUID(made["id"])
    receiver.hook("cli", made["secret"])
    await status_event(db, application, "in_review")
    await wait_for(lambda: receiver.hooks["cli"].processed, what="a delivery to the endpoint made on the command line")
    rotated = await asyncio.to_thread(
        subprocess.run,
        [MPP, "webhooks", "rotate", "--id", made["id"]],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    assert json.loads(rotated.stdout.strip().splitlines()[-1])["secret"].startswith("whsec_")
    await db.execute("UPDATE webhooks_endpoint SET status = 'disabled' WHERE id = $1", uuid.UUID(made["id"]))
