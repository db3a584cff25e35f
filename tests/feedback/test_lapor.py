"""The SP4N-LAPOR! hand-off against the fake in its own process (tests/fakes/lapor.py) and the real database.

Complaints are inserted with their outbox message in one transaction, as filing does (``enqueue_forward``); the
worker's steps (``run_once``, ``pull_once``) are run by hand, and "later" is made by moving a message's
``next_attempt_at`` to now (the wait itself is asserted first).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from api.config import SettingsError, _load
from api.feedback.lapor import client_for, enqueue_forward
from api.feedback.lapor_client import HttpLapor
from api.feedback.lapor_worker import POLL_SECONDS, Forwarder, backoff, run_worker
from api.lib.crypto import MasterKey, MasterKeys, dump_master_keys
from api.notifications.service import dead_letters
from tests.fakes.lapor import LaporProcess
from tests.feedback.complaint_support import filed
from tests.support.applications import service_id
from tests.support.auth import account_id, bearer
from tests.support.factories import create_citizen
from tests.support.identity import random_nik

REGION, AGENCY = "3302", "DISDUKCAPIL"
SENT_FIELDS = {
    "external_id",
    "number",
    "category",
    "title",
    "content",
    "agency_code",
    "region_code",
    "anonymous",
    "created_at",
}


@pytest.fixture(scope="module")
def lapor() -> Iterator[LaporProcess]:
    with LaporProcess() as fake:
        yield fake


@pytest.fixture(autouse=True)
def normal_service(lapor: LaporProcess) -> None:
    lapor.behave()


@pytest_asyncio.fixture(loop_scope="session")
async def pool(database_url: str, db: asyncpg.Connection) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    try:
        yield created
    finally:
        await created.close()


@pytest_asyncio.fixture(loop_scope="session")
async def clients() -> AsyncIterator[list[HttpLapor]]:
    made: list[HttpLapor] = []
    yield made
    for client in made:
        await client.aclose()


@pytest_asyncio.fixture(loop_scope="session")
async def citizen(client: httpx.AsyncClient) -> dict[str, Any]:
    return await create_citizen(client, name="Siti Aminah Rahayu", nik=random_nik())


def forwarder(pool: asyncpg.Pool, lapor: LaporProcess, clients: list[HttpLapor], **kwargs: Any) -> Forwarder:
    client = lapor.client(timeout=2.0)
    clients.append(client)
    return Forwarder(pool, client, **kwargs)


async def file_complaint(
    db: asyncpg.Connection, citizen: dict[str, Any], *, anonymous: bool = False, text: str | None = None
) -> tuple[uuid.UUID, int]:
    """A complaint and its hand-off message, in one transaction as filing makes them; (complaint, message)."""
    complaint = uuid.uuid4()
    now = dt.datetime.now(dt.UTC)
    async with db.transaction():
        agency, service = await db.fetchrow(
            """SELECT g.id, (SELECT s.id FROM catalogue_service s WHERE s.agency = g.id ORDER BY s.code LIMIT 1)
               FROM catalogue_agency g WHERE g.region = $1 AND g.code = $2""",
            REGION,
            AGENCY,
        )
        await db.execute(
            """INSERT INTO feedback_complaint (id, number, account, region, agency, service, category, text, anonymous,
                   status, due_date, version, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, 'simple', $7, $8, 'submitted', $9, 1, $10, $10)""",
            complaint,
            f"ADU-{REGION}-2099-{secrets.randbelow(10**6):06d}",
            account_id(citizen),
            REGION,
            agency,
            service,
            text or "Antrean pengambilan KTP-el sudah tiga minggu belum selesai.",
            anonymous,
            now.date() + dt.timedelta(days=7),
            now,
        )
        await enqueue_forward(db, complaint, region=REGION)
    message = await db.fetchval(
        "SELECT id FROM outbox_message WHERE channel = 'lapor' AND payload->>'complaint' = $1", str(complaint)
    )
    return complaint, message


async def message_row(db: asyncpg.Connection, message: int) -> asyncpg.Record:
    row = await db.fetchrow("SELECT *, next_attempt_at > now() AS waiting FROM outbox_message WHERE id = $1", message)
    assert row is not None
    return row


async def events(db: asyncpg.Connection, complaint: uuid.UUID, action: str) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await db.fetch(
        "SELECT * FROM feedback_complaint_event WHERE complaint = $1 AND action = $2 ORDER BY id", complaint, action
    )
    return rows


async def due_now(db: asyncpg.Connection, message: int) -> None:
    await db.execute("UPDATE outbox_message SET next_attempt_at = now() WHERE id = $1", message)


async def test_forward_files_once_and_records_tracking_id(
    db: asyncpg.Connection, pool: asyncpg.Pool, lapor: LaporProcess, clients: list[HttpLapor], citizen: dict[str, Any]
) -> None:
    complaint, message = await file_complaint(db, citizen)
    worker = forwarder(pool, lapor, clients)

    await worker.run_once()
    await worker.run_once()  # nothing left: the message was processed

    [filed] = lapor.received(complaint)
    assert filed["posts"] == 1
    row = await db.fetchrow(
        "SELECT lapor_id, lapor_status, lapor_checked_at FROM feedback_complaint WHERE id = $1", complaint
    )
    assert row["lapor_id"] == filed["trackingId"] and row["lapor_id"].startswith("LPR-")
    assert row["lapor_status"] == "received" and row["lapor_checked_at"] is not None
    [event] = await events(db, complaint, "forwarded")
    assert (event["actor_role"], event["actor"], event["text"]) == ("lapor", None, filed["trackingId"])
    assert (event["from_status"], event["to_status"]) == ("submitted", "submitted")
    sent = await message_row(db, message)
    assert sent["processed_at"] is not None and sent["dead_at"] is None and sent["attempts"] == 1


async def test_service_down_keeps_message_pending_then_delivers_once(
    db: asyncpg.Connection, pool: asyncpg.Pool, clients: list[HttpLapor], citizen: dict[str, Any]
) -> None:
    down = LaporProcess()  # its port is chosen, nothing listens on it yet
    worker = forwarder(pool, down, clients)
    complaint, message = await file_complaint(db, citizen)

    await worker.run_once()

    pending = await message_row(db, message)
    assert pending["processed_at"] is None and pending["dead_at"] is None
    assert pending["attempts"] == 1 and pending["waiting"]
    assert pending["last_error"].startswith("connection:")
    assert await db.fetchval("SELECT lapor_id FROM feedback_complaint WHERE id = $1", complaint) is None

    with down:
        await worker.run_once()  # not due yet: the backoff holds
        assert (await message_row(db, message))["processed_at"] is None
        await due_now(db, message)
        await worker.run_once()
        [filed] = down.received(complaint)

    assert filed["posts"] == 1
    delivered = await message_row(db, message)
    assert delivered["processed_at"] is not None and delivered["attempts"] == 2
    assert await db.fetchval("SELECT lapor_id FROM feedback_complaint WHERE id = $1", complaint) == filed["trackingId"]
    assert len(await events(db, complaint, "forwarded")) == 1


async def test_503_retries_with_backoff_then_delivers_once(
    db: asyncpg.Connection, pool: asyncpg.Pool, lapor: LaporProcess, clients: list[HttpLapor], citizen: dict[str, Any]
) -> None:
    worker = forwarder(pool, lapor, clients)
    complaint, message = await file_complaint(db, citizen)
    lapor.behave(fail_status=503)

    await worker.run_once()

    pending = await message_row(db, message)
    assert pending["processed_at"] is None and pending["dead_at"] is None and pending["waiting"]
    assert pending["last_error"].startswith("HTTP 503")
    assert lapor.received(complaint) == []

    lapor.behave()
    await due_now(db, message)
    await worker.run_once()

    [filed] = lapor.received(complaint)
    assert filed["posts"] == 1
    assert (await message_row(db, message))["processed_at"] is not None
    assert len(await events(db, complaint, "forwarded")) == 1


async def test_retry_after_is_honoured(
    db: asyncpg.Connection, pool: asyncpg.Pool, lapor: LaporProcess, clients: list[HttpLapor], citizen: dict[str, Any]
) -> None:
    worker = forwarder(pool, lapor, clients)
    _complaint, message = await file_complaint(db, citizen)
    lapor.behave(fail_status=429, retry_after=900)

    await worker.run_once()

    wait = await db.fetchval(
        "SELECT extract(epoch FROM next_attempt_at - now()) FROM outbox_message WHERE id = $1", message
    )
    assert 880 < wait <= 900
    assert backoff(1, None) == 30 and backoff(30, None) == 3600 and backoff(1, 10**9) == 6 * 3600


async def test_lost_answer_is_retried_without_a_second_filing(
    db: asyncpg.Connection, pool: asyncpg.Pool, lapor: LaporProcess, clients: list[HttpLapor], citizen: dict[str, Any]
) -> None:
    worker = forwarder(pool, lapor, clients)
    complaint, message = await file_complaint(db, citizen)
    lapor.behave(drop_after_store=1)

    await worker.run_once()

    [stored] = lapor.received(complaint)  # they have it; we never heard back
    assert await db.fetchval("SELECT lapor_id FROM feedback_complaint WHERE id = $1", complaint) is None
    assert (await message_row(db, message))["processed_at"] is None

    await due_now(db, message)
    await worker.run_once()

    [filed] = lapor.received(complaint)
    assert filed["trackingId"] == stored["trackingId"] and filed["posts"] == 2
    assert await db.fetchval("SELECT lapor_id FROM feedback_complaint WHERE id = $1", complaint) == filed["trackingId"]
    assert len(await events(db, complaint, "forwarded")) == 1


async def test_refusal_is_dead_lettered_with_its_error(
    db: asyncpg.Connection, pool: asyncpg.Pool, lapor: LaporProcess, clients: list[HttpLapor], citizen: dict[str, Any]
) -> None:
    worker = forwarder(pool, lapor, clients)
    complaint, message = await file_complaint(db, citizen)
    lapor.behave(fail_status=400)

    await worker.run_once()

    dead = await message_row(db, message)
    assert dead["dead_at"] is not None and dead["processed_at"] is None and dead["attempts"] == 1
    assert dead["last_error"].startswith("HTTP 400")
    assert await db.fetchval("SELECT lapor_id FROM feedback_complaint WHERE id = $1", complaint) is None
    assert await events(db, complaint, "forwarded") == []
    # The region admin's dead-letter view lists it, under the complaint's region.
    listed = {item.id: item for item in (await dead_letters(db, region=REGION)).items}
    assert listed[message].topic == "lapor.forward" and (listed[message].last_error or "").startswith("HTTP 400")


async def test_transient_failures_dead_letter_after_the_last_attempt(
    db: asyncpg.Connection, pool: asyncpg.Pool, lapor: LaporProcess, clients: list[HttpLapor], citizen: dict[str, Any]
) -> None:
    worker = forwarder(pool, lapor, clients, max_attempts=2)
    _complaint, message = await file_complaint(db, citizen)
    lapor.behave(fail_status=502)

    await worker.run_once()
    assert (await message_row(db, message))["dead_at"] is None
    await due_now(db, message)
    await worker.run_once()

    dead = await message_row(db, message)
    assert dead["dead_at"] is not None and dead["attempts"] == 2
    assert "HTTP 502" in dead["last_error"]


async def test_anonymous_complaint_sends_no_personal_data(
    db: asyncpg.Connection, pool: asyncpg.Pool, lapor: LaporProcess, clients: list[HttpLapor], citizen: dict[str, Any]
) -> None:
    complaint, _message = await file_complaint(db, citizen, anonymous=True)
    person = await db.fetchrow("SELECT name, nik, phone FROM accounts_account WHERE id = $1", account_id(citizen))
    assert person["name"] and person["nik"] and person["phone"]

    await forwarder(pool, lapor, clients).run_once()

    [filed] = lapor.received(complaint)
    body = filed["body"]
    assert set(body) == SENT_FIELDS
    assert body["anonymous"] is True and body["region_code"] == REGION and body["agency_code"] == AGENCY
    assert body["category"] == "simple" and body["content"].startswith("Antrean")
    sent = json.dumps(body)
    for value in (person["name"], "Siti", person["nik"], person["phone"], person["phone"].removeprefix("+62")):
        assert value not in sent


@pytest.mark.parametrize("gone", ["withdrawn", "erased"])
async def test_withdrawn_or_erased_complaint_is_not_sent(
    gone: str,
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    pool: asyncpg.Pool,
    lapor: LaporProcess,
    clients: list[HttpLapor],
) -> None:
    someone = await create_citizen(client)
    complaint, message = await file_complaint(db, someone)
    if gone == "withdrawn":
        await db.execute(
            "UPDATE feedback_complaint SET status = 'closed', close_reason = 'withdrawn', closed_at = now() "
            "WHERE id = $1",
            complaint,
        )
    else:
        # As the erasure leaves a complaint that was already closed: unlinked from its author (personal_data.erase).
        await db.execute(
            "UPDATE feedback_complaint SET account = NULL, status = 'closed', close_reason = 'confirmed', "
            "closed_at = now(), answer = 'Sudah selesai.' WHERE id = $1",
            complaint,
        )

    await forwarder(pool, lapor, clients).run_once()

    assert lapor.received(complaint) == []
    finished = await message_row(db, message)
    assert finished["processed_at"] is not None and finished["dead_at"] is None
    assert await db.fetchval("SELECT lapor_id FROM feedback_complaint WHERE id = $1", complaint) is None


async def test_status_pull_records_a_change_once_even_from_two_workers(
    db: asyncpg.Connection, pool: asyncpg.Pool, lapor: LaporProcess, clients: list[HttpLapor], citizen: dict[str, Any]
) -> None:
    complaint, _message = await file_complaint(db, citizen)
    first = forwarder(pool, lapor, clients, pull_minutes=30)
    second = forwarder(pool, lapor, clients, pull_minutes=30)
    await first.run_once()
    [filed] = lapor.received(complaint)
    tracking_id = filed["trackingId"]
    lapor.set_status(tracking_id, "verified")
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)

    await first.pull_once(now=soon)  # checked at forwarding: not due within the interval
    assert lapor.received(complaint)[0]["reads"] == 0

    await asyncio.gather(first.pull_once(now=later), second.pull_once(now=later))

    assert lapor.received(complaint)[0]["reads"] == 1
    row = await db.fetchrow("SELECT lapor_status, lapor_checked_at FROM feedback_complaint WHERE id = $1", complaint)
    assert row["lapor_status"] == "verified" and row["lapor_checked_at"] == later
    [event] = await events(db, complaint, "lapor_status")
    assert (event["actor_role"], event["text"]) == ("lapor", "verified")
    assert json.loads(event["detail"])["from"] == "received"

    # Asked again an interval later, with nothing new: no second event.
    await first.pull_once(now=later + dt.timedelta(minutes=31))
    assert lapor.received(complaint)[0]["reads"] == 2
    assert len(await events(db, complaint, "lapor_status")) == 1

    lapor.set_status(tracking_id, "in_progress")
    await second.pull_once(now=later + dt.timedelta(minutes=62))
    assert [e["text"] for e in await events(db, complaint, "lapor_status")] == ["verified", "in_progress"]


async def test_closed_complaints_are_not_pulled(
    db: asyncpg.Connection, pool: asyncpg.Pool, lapor: LaporProcess, clients: list[HttpLapor], citizen: dict[str, Any]
) -> None:
    complaint, _message = await file_complaint(db, citizen)
    worker = forwarder(pool, lapor, clients)
    await worker.run_once()
    await db.execute(
        "UPDATE feedback_complaint SET status = 'closed', close_reason = 'confirmed', closed_at = now(), "
        "answer = 'Sudah selesai.' WHERE id = $1",
        complaint,
    )

    await worker.pull_once(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))

    assert lapor.received(complaint)[0]["reads"] == 0


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A clean environment with its own data folder (restored after the test)."""
    for name in list(os.environ):
        if name.startswith("MPP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MPP_ENV", "test")
    monkeypatch.setenv("MPP_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


def test_settings_without_url_leave_the_hand_off_off(env: pytest.MonkeyPatch) -> None:
    settings = _load()
    assert not settings.lapor.enabled and client_for(settings) is None
    env.setenv("MPP_LAPOR_URL", "http://127.0.0.1:8766/")
    with pytest.raises(SettingsError, match="MPP_LAPOR_TOKEN"):
        _load()
    env.setenv("MPP_LAPOR_TOKEN", "t")
    env.setenv("MPP_LAPOR_PULL_MINUTES", "5")
    settings = _load()
    assert settings.lapor.enabled and settings.lapor.url == "http://127.0.0.1:8766"
    assert settings.lapor.pull_minutes == 5 and isinstance(client_for(settings), HttpLapor)


def test_production_wants_https_and_a_url_when_required(env: pytest.MonkeyPatch) -> None:
    env.setenv("MPP_ENV", "prod")
    env.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    env.setenv("MPP_SIGNING_KEYS", '{"keys": []}')
    env.setenv("MPP_SECRET_KEY", secrets.token_urlsafe(48))
    env.setenv("MPP_OIDC_RSA_KEY", "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----")
    env.setenv("MPP_PUBLIC_URL", "https://mpp.example.go.id")
    env.setenv("MPP_SMS_URL", "https://sms.example.go.id/send")
    env.setenv("MPP_MASTER_KEYS", dump_master_keys(MasterKeys(MasterKey.generate())))
    env.setenv("MPP_VAPID_PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----")
    env.setenv("MPP_METRICS_TOKEN", secrets.token_urlsafe(32))
    for name, value in (("URL", "https://registry.example.go.id"), ("CLIENT_ID", "mpp"), ("SECRET", "s")):
        env.setenv(f"MPP_REGISTRY_{name}", value)
    assert not _load().lapor.enabled  # not required: a deployment may start before its LAPOR! agreement
    env.setenv("MPP_LAPOR_REQUIRED", "true")
    with pytest.raises(SettingsError, match="MPP_LAPOR_REQUIRED"):
        _load()
    env.setenv("MPP_LAPOR_URL", "http://lapor.example.go.id")
    env.setenv("MPP_LAPOR_TOKEN", "t")
    with pytest.raises(SettingsError, match="https"):
        _load()
    env.setenv("MPP_LAPOR_URL", "https://lapor.example.go.id")
    assert _load().lapor.enabled


async def test_running_worker_wakes_on_the_outbox_notify(
    database_url: str, db: asyncpg.Connection, lapor: LaporProcess, citizen: dict[str, Any]
) -> None:
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(database_url, stop, lapor=lapor.client(), pull_minutes=30))
    try:
        await asyncio.sleep(1.0)  # listening, and idle: the backlog (if any) handled
        complaint, _message = await file_complaint(db, citizen)
        started = asyncio.get_running_loop().time()
        lapor_id = None
        while lapor_id is None and asyncio.get_running_loop().time() - started < 10:
            await asyncio.sleep(0.05)
            lapor_id = await db.fetchval("SELECT lapor_id FROM feedback_complaint WHERE id = $1", complaint)
        took = asyncio.get_running_loop().time() - started
    finally:
        stop.set()
        await worker
    assert lapor_id is not None and [c["trackingId"] for c in lapor.received(complaint)] == [lapor_id]
    # The poll would come 4–5 s after the filing at the soonest (every POLL_SECONDS, begun before the filing).
    assert POLL_SECONDS >= 5 and took < 2.0, "woken by NOTIFY, not by the poll"


async def test_complaint_filed_through_the_api_is_forwarded_with_its_agency(
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    pool: asyncpg.Pool,
    lapor: LaporProcess,
    clients: list[HttpLapor],
    citizen: dict[str, Any],
) -> None:
    service = await service_id(client, "kk-baru")
    created = await filed(client, citizen, serviceId=service, anonymous=True)

    await forwarder(pool, lapor, clients).run_once()

    [sent] = lapor.received(created["id"])
    assert sent["body"]["number"] == created["number"] and sent["body"]["agency_code"] == AGENCY
    assert sent["body"]["region_code"] == REGION and sent["body"]["anonymous"] is True
    assert sent["body"]["title"].startswith(f"Pengaduan {created['number']}: layanan ")
    detail = (await client.get(f"/api/v1/complaints/{created['id']}", headers=bearer(citizen))).json()
    assert "forwarded" in [event["action"] for event in detail["events"]]
