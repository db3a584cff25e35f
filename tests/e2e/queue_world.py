"""A region of the test's own for the queue's browser tests (not a test module itself): open around the clock every
day, with Disdukcapil and its counter A1 serving KK Baru, in whichever of WIB, WITA or WIT has a bookable time left
today (the server's clock is the real one). It is removed afterwards with everything the queue, the kiosks and
feedback wrote in it (``tests.support.regions.remove_regions``).

``region`` is the fixture (``from tests.e2e.queue_world import *`` in the test module); ``queue_region`` the same as
a context manager, for a fixture of a wider scope.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import asyncpg
import pytest

from tests.e2e.pwa import PwaServer, bearer
from tests.support.regions import remove_regions

# A province of each time zone (BPS code, name, UTC offset).
PROVINCES = [("33", "Jawa Tengah", 7), ("51", "Bali", 8), ("94", "Papua", 9)]
ALL_DAY = {day: ["00:00-23:59"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
T = TypeVar("T")
# The fixture, for ``from tests.e2e.queue_world import *`` (as tests.e2e.pwa's fixtures are taken).
__all__ = ["region"]


def in_database(pwa_server: PwaServer, work: Callable[[asyncpg.Connection], Coroutine[Any, Any, T]]) -> T:
    """Run ``work`` on a connection to the server's database (Playwright's sync API holds this thread's loop)."""

    async def run() -> T:
        conn = await asyncpg.connect(pwa_server.database_url)
        try:
            return await work(conn)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def province_with_time_left() -> tuple[str, str, int]:
    """The first time zone whose local time leaves at least one 30-minute slot today with room to spare
    (before 22:30): WIB, else WITA, else WIT — at any moment one of them does."""
    now = dt.datetime.now(dt.UTC)
    for code, name, offset in PROVINCES:
        local = now + dt.timedelta(hours=offset)
        if local.hour < 22 or (local.hour == 22 and local.minute < 30):
            return code, name, offset
    raise AssertionError("no time zone has a slot left today")  # cannot happen: WIT is two hours ahead of WIB


async def free_code(conn: asyncpg.Connection, province: str) -> str:
    taken = {
        r["code"] for r in await conn.fetch("SELECT code FROM catalogue_region WHERE code LIKE $1", f"{province}%")
    }
    free = [f"{province}{n:02d}" for n in range(40, 70) if f"{province}{n:02d}" not in taken]
    assert free, f"no free region code left in province {province}"
    return free[uuid.uuid4().int % len(free)]


@pytest.fixture
def region(pwa_server: PwaServer) -> Iterator[dict[str, Any]]:
    """A region of the test's own, open around the clock, with Disdukcapil and its counter A1 serving KK Baru."""
    with queue_region(pwa_server) as made:
        yield made


@contextlib.contextmanager
def queue_region(pwa_server: PwaServer) -> Iterator[dict[str, Any]]:
    """A region made for the caller (see region), removed with everything the queue wrote in it afterwards."""
    province, province_name, offset = province_with_time_left()
    code = in_database(pwa_server, lambda conn: free_code(conn, province))
    national = pwa_server.staff_sign_in("national_admin")
    try:
        with pwa_server.api() as api:
            created = api.post(
                "/api/v1/admin/regions",
                json={
                    "code": code,
                    "name": f"Kabupaten Uji Antrean {code}",
                    "nameEn": f"Uji Antrean {code} Regency",
                    "place": f"Uji Antrean {code}",
                    "kind": "kabupaten",
                    "provinceCode": province,
                    "provinceName": province_name,
                    "mpp": {"name": f"MPP Uji Antrean {code}", "address": "Jl. Antrean No. 1", "openingHours": ALL_DAY},
                },
                headers=bearer(national),
            )
            assert created.status_code == 201, created.text
            admin = pwa_server.staff_sign_in("region_admin", region=code)
            agency = api.post("/api/v1/admin/agencies", json={"code": "DISDUKCAPIL"}, headers=bearer(admin))
            assert agency.status_code == 201, agency.text
            service = wait_for_service(pwa_server, code, "kk-baru")
            counter = api.post(
                "/api/v1/admin/counters",
                json={"number": "A1", "agencyId": agency.json()["id"], "serviceIds": [service["id"]]},
                headers=bearer(admin),
            )
            assert counter.status_code == 201, counter.text
        yield {"code": code, "offset": offset, "admin": admin, "service": service}
    finally:
        in_database(pwa_server, lambda conn: remove_regions(conn, [code]))


def wait_for_service(pwa_server: PwaServer, region: str, code: str) -> dict[str, Any]:
    """The region's service once search has it (the catalogue reloads in every process within seconds)."""
    deadline = time.monotonic() + 20
    with pwa_server.api() as api:
        while True:
            found = api.get("/api/v1/services", params={"region": region, "q": code, "pageSize": 100}).json()
            match = [i for i in found["items"] if i["code"] == code]
            if match:
                return dict(match[0])
            assert time.monotonic() < deadline, f"{code} not searchable in {region}"
            time.sleep(0.3)
