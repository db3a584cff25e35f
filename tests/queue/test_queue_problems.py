"""What the queue tells people when it refuses or undoes something: the suspension's end and rule as members of
the problem, a closure added after bookings were made (cancelled, told, seats kept), and the board's stream limits
as typed settings that refuse bad values at start-up.

Like ``test_queue_clock``, each test has its own agency and days; the no-shows are made through the service with a
controlled clock on days just past, so that the suspension they bring is in force at the real time of the request.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from litestar import Litestar

from api.calendar.service import working_calendar
from api.config import SettingsError, _load
from api.notifications.messages import needs_action, render
from api.queue import jobs, rules
from api.queue import service as queue
from api.queue.board_controllers import board_lifespan
from api.queue.schemas import BookingCreate
from tests.support.auth import account_id, bearer
from tests.support.factories import create_citizen
from tests.support.identity import random_nik
from tests.support.queue import OPEN_REGION, open_all_day, queued_service

MPP = str(Path(sys.executable).parent / "mpp")


@pytest_asyncio.fixture(loop_scope="session")
async def admin(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> str:
    return await open_all_day(client, db, app, OPEN_REGION)


def at(day: dt.date, clock: str) -> dt.datetime:
    hour, minute = (int(x) for x in clock.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), rules.time_zone(OPEN_REGION))


def open_day(day: dt.date, step: int = 1) -> dt.date:
    """``day``, or the nearest day after it (``step`` 1) or before it (-1) that is not a day off."""
    while working_calendar(OPEN_REGION).holiday(day) is not None:
        day += dt.timedelta(days=step)
    return day


def today() -> dt.date:
    return rules.local_today(OPEN_REGION, dt.datetime.now(dt.UTC))


async def book(db: asyncpg.Connection, account: uuid.UUID, service: str, start: dt.datetime, now: dt.datetime) -> Any:
    made, created = await queue.book(
        db,
        account=account,
        data=BookingCreate(service_id=uuid.UUID(service), start=start),
        idempotency_key=f"problems-{uuid.uuid4()}",
        now=now,
        lang="id",
    )
    assert created
    return made


async def test_a_suspended_citizen_is_told_until_when_and_the_rule_in_the_problem(
    client: httpx.AsyncClient, db: asyncpg.Connection, admin: str
) -> None:
    service = (await queued_service(client, admin, agency="BPJS_KETENAGAKERJAAN", onlineQuota=470))["service"]
    tokens = await create_citizen(client, nik=random_nik())
    account = account_id(tokens)
    # Three bookings missed on days just past (the job marks each the next night): suspended from the third.
    days = sorted({open_day(today() - dt.timedelta(days=n), -1) for n in (12, 9, 6)})
    assert len(days) == 3
    for day in days:
        made = await book(db, account, service["id"], at(day, "09:00"), at(day - dt.timedelta(days=1), "12:00"))
        await jobs.tick(db, now=at(day + dt.timedelta(days=1), "00:30"))
        # The state, not this tick's count: the app's own worker may have marked it first (a slow machine's CI).
        assert await db.fetchval("SELECT status FROM queue_booking WHERE id = $1", made.id) == "no_show"
    until = rules.local_today(OPEN_REGION, at(days[2], "09:30") + rules.SUSPEND_FOR)
    body = {"serviceId": service["id"], "start": at(today() + dt.timedelta(days=1), "10:00").isoformat()}

    refused = await client.post(
        "/api/v1/queue/bookings",
        json=body,
        headers={**bearer(tokens), "Idempotency-Key": str(uuid.uuid4()), "Accept-Language": "id"},
    )
    assert refused.status_code == 403, refused.text
    problem = refused.json()
    assert problem["code"] == "booking_suspended"
    assert problem["until"] == until.isoformat()
    assert problem["rule"]["noShows"] == 3 and problem["rule"]["windowDays"] == 90
    assert problem["rule"]["suspendDays"] == 30
    assert problem["rule"]["text"]["id"] == rules.SUSPENSION_RULE_ID
    assert problem["detail"].startswith(
        f"Pemesanan online ditangguhkan sampai {rules.date_id(until)} karena 3 kali tidak hadir dalam 90 hari."
    )
    # The standard members stay what they are, whatever the extensions say.
    assert problem["status"] == 403 and problem["type"].endswith("/booking_suspended")

    english = await client.post(
        "/api/v1/queue/bookings",
        json=body,
        headers={**bearer(tokens), "Idempotency-Key": str(uuid.uuid4()), "Accept-Language": "en"},
    )
    assert english.status_code == 403
    assert english.json()["detail"].startswith(f"Online booking is suspended until {until.isoformat()}")
    assert english.json()["until"] == until.isoformat()


async def test_a_closure_added_after_bookings_cancels_them_and_tells_each_booker_once(
    client: httpx.AsyncClient, db: asyncpg.Connection, admin: str
) -> None:
    service = (await queued_service(client, admin, agency="KEJAKSAAN", onlineQuota=470))["service"]
    day = open_day(today() + dt.timedelta(days=120))
    other_day = open_day(day + dt.timedelta(days=1))
    booked_at = at(day - dt.timedelta(days=3), "12:00")
    first = await create_citizen(client, nik=random_nik())
    second = await create_citizen(client, nik=random_nik())
    closed = [
        await book(db, account_id(first), service["id"], at(day, "09:00"), booked_at),
        await book(db, account_id(second), service["id"], at(day, "10:00"), booked_at),
    ]
    kept = await book(db, account_id(first), service["id"], at(other_day, "09:00"), booked_at)
    taken_before = await db.fetchval(
        "SELECT sum(taken) FROM queue_slot WHERE service = $1 AND day = $2", uuid.UUID(service["id"]), day
    )

    added = await client.post(
        "/api/v1/admin/closures",
        json={"day": day.isoformat(), "reason": {"id": "Pemilihan kepala daerah", "en": "Regional election"}},
        headers=bearer(admin),
    )
    assert added.status_code == 201, added.text
    try:
        assert await jobs.cancel_closed_days(db, now=dt.datetime.now(dt.UTC)) >= 2
        # A second round (another process, the next minute) finds nothing more to do.
        again = await db.fetchval(
            "SELECT count(*) FROM queue_booking WHERE service = $1 AND day = $2 AND status = 'booked'",
            uuid.UUID(service["id"]),
            day,
        )
        assert again == 0
        assert await jobs.cancel_closed_days(db, now=dt.datetime.now(dt.UTC)) == 0

        for tokens, made in ((first, closed[0]), (second, closed[1])):
            shown = await client.get(
                f"/api/v1/queue/bookings/{made.id}", headers={**bearer(tokens), "Accept-Language": "id"}
            )
            assert shown.status_code == 200, shown.text
            assert shown.json()["status"] == "cancelled"
            assert shown.json()["cancelReason"] == "closure"
            assert shown.json()["cancelNote"] == "Pemilihan kepala daerah"
            messages = await db.fetch(
                "SELECT payload FROM outbox_message WHERE topic = 'queue.booking_cancelled_closure' AND subject = $1",
                made.id,
            )
            assert len(messages) == 1
            payload = json.loads(messages[0]["payload"])
            assert payload["day"] == day.isoformat()
            assert payload["reason"] == {"id": "Pemilihan kepala daerah", "en": "Regional election"}
            text = render("queue.booking_cancelled_closure", payload, "id")
            assert f"MPP tutup pada {rules.date_id(day)} (Pemilihan kepala daerah)" in text.body
            assert needs_action("queue.booking_cancelled_closure", payload)  # an SMS when there is no push
        # The booking on another day stands, and the closed day's seats are not handed out again.
        still = await db.fetchval("SELECT status FROM queue_booking WHERE id = $1", kept.id)
        assert still == "booked"
        taken_after = await db.fetchval(
            "SELECT sum(taken) FROM queue_slot WHERE service = $1 AND day = $2", uuid.UUID(service["id"]), day
        )
        assert taken_after == taken_before
    finally:
        removed = await client.delete(f"/api/v1/admin/closures/{added.json()['id']}", headers=bearer(admin))
        assert removed.status_code == 204, removed.text


# --- the board's stream limits --------------------------------------------------------------------------------


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("MPP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MPP_ENV", "dev")
    monkeypatch.setenv("MPP_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


@pytest.mark.parametrize(
    ("variables", "said"),
    [
        ({"MPP_BOARD_MAX_STREAMS": "lots"}, "MPP_BOARD_MAX_STREAMS must be an integer, got 'lots'"),
        ({"MPP_BOARD_MAX_STREAMS": "0"}, "MPP_BOARD_MAX_STREAMS must be between 1 and 100000, got 0"),
        ({"MPP_BOARD_HEARTBEAT_SECONDS": "-5"}, "MPP_BOARD_HEARTBEAT_SECONDS must be between 1 and 300"),
        (
            {"MPP_BOARD_MAX_STREAMS": "10", "MPP_BOARD_MAX_STREAMS_PER_IP": "50"},
            "MPP_BOARD_MAX_STREAMS_PER_IP must not exceed MPP_BOARD_MAX_STREAMS",
        ),
        (
            {"MPP_BOARD_HEARTBEAT_SECONDS": "60", "MPP_BOARD_STREAM_SECONDS": "45"},
            "MPP_BOARD_HEARTBEAT_SECONDS must be shorter than MPP_BOARD_STREAM_SECONDS",
        ),
    ],
)
def test_a_bad_board_limit_refuses_to_load_with_the_variable_named(
    env: pytest.MonkeyPatch, variables: dict[str, str], said: str
) -> None:
    for name, value in variables.items():
        env.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        _load()
    assert said in str(refused.value)


def test_mpp_serve_refuses_a_bad_board_limit_before_starting(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MPP_") and k != "DATABASE_URL"}
    environment.update(
        {"MPP_ENV": "dev", "MPP_DATA_DIR": str(tmp_path / "var"), "MPP_BOARD_MAX_STREAMS_PER_IP": "many"}
    )
    result = subprocess.run([MPP, "serve"], env=environment, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "MPP_BOARD_MAX_STREAMS_PER_IP must be an integer, got 'many'" in result.stderr
    assert not (tmp_path / "var" / "postgres").exists()  # refused before the database was started


async def test_the_board_hub_takes_its_limits_from_the_settings(env: pytest.MonkeyPatch, database_url: str) -> None:
    env.setenv("MPP_BOARD_MAX_STREAMS", "7")
    env.setenv("MPP_BOARD_MAX_STREAMS_PER_IP", "3")
    env.setenv("MPP_BOARD_HEARTBEAT_SECONDS", "4")
    env.setenv("MPP_BOARD_STREAM_SECONDS", "120")
    settings = _load()
    app: Any = SimpleNamespace(state=SimpleNamespace(settings=settings, database=SimpleNamespace(dsn=database_url)))
    async with board_lifespan(app):
        hub = app.state.board
        assert (hub.max_streams, hub.max_per_ip, hub.heartbeat, hub.lifetime) == (7, 3, 4.0, 120.0)
