"""``mpp stats verify`` and ``mpp stats refresh`` as an operator runs them, against the session's database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import httpx
import pytest
from litestar import Litestar

from tests.support.factories import create_application, create_citizen

pytestmark = pytest.mark.asyncio(loop_scope="session")

MPP = str(Path(sys.executable).parent / "mpp")


def mpp(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    return subprocess.run([MPP, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


async def test_verify_exits_1_on_a_difference_and_0_when_clean(
    app: Litestar, client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    citizen = await create_citizen(client)
    await create_application(client, citizen)
    refreshed = mpp("stats", "refresh")
    assert refreshed.returncode == 0, refreshed.stderr
    assert set(json.loads(refreshed.stdout.strip().splitlines()[-1])) == {"applications", "queue", "complaints"}
    # The session's database is shared: what other modules left is the baseline, and this test's planted
    # difference must appear on top of it and go with it.
    before = mpp("stats", "verify")
    assert before.returncode in (0, 1), before.stderr
    assert ("agree" in before.stdout) == (before.returncode == 0)
    row = await db.fetchrow("SELECT id, day FROM stats_application_fact WHERE grain = 'm' ORDER BY day DESC LIMIT 1")
    day = row["day"].isoformat()
    month = mpp("stats", "verify", "--from", day, "--to", day)
    await db.execute("UPDATE stats_application_fact SET corrections = corrections + 2 WHERE id = $1", row["id"])
    try:
        planted = mpp("stats", "verify", "--from", day, "--to", day)
        assert planted.returncode == 1
        added = _differences(planted.stdout) - _differences(month.stdout)
        # The service's month row, and the region's roll-up that no longer is the sum of its services' rows.
        assert sorted(line.split(" ")[1:3] for line in added) == [
            ["stats_application_fact", "m"],
            ["stats_region_application", "m"],
        ], planted.stdout
        assert all("corrections: stored" in line for line in added)
        assert f"{len(_differences(month.stdout)) + 2} difference" in planted.stderr
    finally:
        await db.execute("UPDATE stats_application_fact SET corrections = corrections - 2 WHERE id = $1", row["id"])
    after = mpp("stats", "verify")
    assert after.returncode == before.returncode
    assert _differences(after.stdout) == _differences(before.stdout)


def _differences(stdout: str) -> set[str]:
    return {line for line in stdout.splitlines() if " stats_" in line}


async def test_verify_wants_both_ends_of_the_period(app: Litestar) -> None:
    assert mpp("stats", "verify", "--from", "2026-01-01").returncode == 2
