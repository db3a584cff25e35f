"""The delivery worker loses nothing: killed with SIGKILL mid-batch, or with its database cut while sending.

Each test runs real `mpp worker` processes on a database of its own (built by the migrations), so the app's
in-process worker cannot help, against the fake push service that decrypts every message.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from tests.fakes.push_service import FakePushService
from tests.support.database import create_database, drop_database
from tests.support.tcp_proxy import through_proxy

MPP = str(Path(sys.executable).parent / "mpp")
MESSAGES = 40
DEVICES = 2


@pytest.fixture
def push() -> Iterator[FakePushService]:
    with FakePushService() as service:
        yield service


@pytest_asyncio.fixture(loop_scope="session")
async def own_database(server_url: str, tmp_path: Path) -> AsyncIterator[str]:
    url = await create_database(server_url, "mpp_worker")
    env = {**os.environ, "DATABASE_URL": url, "MPP_ENV": "test", "MPP_DATA_DIR": str(tmp_path)}
    await asyncio.to_thread(subprocess.run, [MPP, "migrate"], env=env, check=True, timeout=120, capture_output=True)
    yield url
    await drop_database(server_url, url)


def worker(url: str, data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MPP_ENV": "test",
        "MPP_DATA_DIR": str(data_dir),
        "MPP_PUSH_TEST_HOSTS": "127.0.0.1",
        "MPP_OUTBOX_LEASE_SECONDS": "3",
    }
    with open(log, "ab") as out:
        return subprocess.Popen([MPP, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)


async def queue(url: str, push: FakePushService) -> set[tuple[str, int]]:
    """A citizen with two devices and MESSAGES status changes waiting; returns every (device, message) due."""
    conn = await asyncpg.connect(url)
    try:
        account = uuid.uuid4()
        await conn.execute(
            "INSERT INTO accounts_account (id, phone, language, roles, status, created_at, updated_at) "
            "VALUES ($1, $2, 'id', '{citizen}', 'active', now(), now())",
            account,
            f"+62899{uuid.uuid4().int % 10**7:07d}",
        )
        devices = []
        for _ in range(DEVICES):
            sub = push.subscribe()
            devices.append(push.id_of(sub))
            await conn.execute(
                "INSERT INTO notifications_subscription (id, account, endpoint, p256dh, auth, user_agent, created_at, "
                "failures) VALUES ($1, $2, $3, $4, $5, 'test', now(), 0)",
                uuid.uuid4(),
                account,
                sub["endpoint"],
                sub["keys"]["p256dh"],
                sub["keys"]["auth"],
            )
        ids = []
        for n in range(MESSAGES):
            payload = {"application": str(uuid.uuid4()), "number": f"3302-2611-{n:06d}", "status": "in_review"}
            ids.append(
                await conn.fetchval(
                    "INSERT INTO outbox_message (created_at, topic, recipient, subject, payload, attempts, "
                    "next_attempt_at) VALUES (now(), 'application.status_changed', $1, $2, $3::jsonb, 0, now()) "
                    "RETURNING id",
                    account,
                    uuid.uuid4(),
                    json.dumps(payload),
                )
            )
        return {(device, message) for device in devices for message in ids}
    finally:
        await conn.close()


async def all_processed(url: str, seconds: float) -> int:
    conn = await asyncpg.connect(url)
    try:
        deadline = time.monotonic() + seconds
        while True:
            left = await conn.fetchval("SELECT count(*) FROM outbox_message WHERE processed_at IS NULL")
            if left == 0 or time.monotonic() > deadline:
                return int(left)
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


def delivered(push: FakePushService) -> set[tuple[str, int]]:
    return {(r.subscription, r.json()["id"]) for r in push.received}


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_a_worker_killed_mid_batch_loses_nothing(
    own_database: str, push: FakePushService, tmp_path: Path
) -> None:
    due = await queue(own_database, push)
    fast, slow = sorted({device for device, _ in due})
    push.delay(5, subscription=slow)  # one device answers slowly: the kill lands with its pushes in flight
    log = tmp_path / "worker.log"
    first = worker(own_database, tmp_path, log)
    try:
        await push.wait_for_async(MESSAGES, timeout=30, subscription=fast)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert delivered(push) < due, "the kill should have come before the batch was finished"
    push.reset_failures()
    second = worker(own_database, tmp_path, log)
    try:
        left = await all_processed(own_database, 60)
    finally:
        stop(second)
    assert left == 0, log.read_text()[-2000:]
    assert delivered(push) == due  # every message on every device, at least once
    tags = [r.json()["tag"] for r in push.received]
    assert all(tag.startswith("mpp-") for tag in tags)  # repeats carry the same tag, which the device drops


async def test_the_worker_recovers_when_the_database_goes_away(
    own_database: str, push: FakePushService, tmp_path: Path
) -> None:
    proxy, proxied_url = through_proxy(own_database)
    log = tmp_path / "worker.log"
    process = worker(proxied_url, tmp_path, log)
    try:
        due = await queue(own_database, push)
        fast, slow = sorted({device for device, _ in due})
        push.delay(5, subscription=slow)
        await push.wait_for_async(MESSAGES, timeout=30, subscription=fast)
        proxy.cut()  # PostgreSQL "restarts": every connection dropped, new ones refused
        await asyncio.sleep(3)
        assert process.poll() is None, "the worker must survive a lost database"
        proxy.restore()
        push.reset_failures()
        left = await all_processed(own_database, 60)
        assert left == 0, log.read_text()[-2000:]
        assert delivered(push) == due
        # Work queued after the outage is delivered too: the listener reconnected.
        more = await queue(own_database, push)
        assert await all_processed(own_database, 30) == 0
        assert delivered(push) == due | more
    finally:
        stop(process)
        proxy.close()


async def test_the_worker_runs_with_its_switched_off_jobs_and_stops_on_sigterm(
    own_database: str, tmp_path: Path
) -> None:
    """Without MPP_LAPOR_URL, MPP_OSS_URL or MPP_METRICS_PORT those jobs return at once: the others go on. SIGTERM
    stops it within the rounds' grace (api/lib/periodic.py), exit status 0, "worker stopped" logged."""
    log = tmp_path / "worker.log"
    process = worker(own_database, tmp_path, log)
    try:
        deadline = time.monotonic() + 30
        while "worker started" not in log.read_text(errors="replace"):
            assert process.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "the worker did not start"
            await asyncio.sleep(0.1)
        await asyncio.sleep(2)  # its jobs' first rounds, the switched-off ones returned
        assert process.poll() is None, log.read_text(errors="replace")
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        returncode = await asyncio.to_thread(process.wait, 30)
        assert returncode == 0, log.read_text(errors="replace")
        assert time.monotonic() - started < 15
        assert "worker stopped" in log.read_text(errors="replace")
    finally:
        stop(process)
