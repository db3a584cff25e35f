"""The queue's test helpers: a region whose building is open all day (so that bookings, check-ins and calls can
be made through the API at any hour the tests run), a queued service with the settings a test wants, a free slot,
a booking. Made through the admin and citizen routes, as the app makes them.

``OPEN_REGION`` (Kabupaten Sragen) is used only by the queue's tests: its hours are set to the whole day, every
day; the rules that depend on the hour (quotas, lateness, no-shows, suspensions) are tested through the service
functions with a controlled clock instead.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from api.queue.rules import local_today
from tests.support.applications import idempotency_key
from tests.support.auth import bearer
from tests.support.factories import create_region_admin

OPEN_REGION = "3314"
ALL_DAY = {day: ["00:00-23:59"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


async def open_all_day(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, region: str) -> str:
    """Set the region's building open all day, every day (idempotent); returns the admin's token."""
    admin = await create_region_admin(db, app, region=region)
    building = await client.get("/api/v1/admin/building", headers=bearer(admin))
    assert building.status_code == 200, building.text
    mpp = building.json()["mpp"]
    if mpp["openingHours"] != ALL_DAY:
        body = {k: mpp[k] for k in ("name", "address", "phone", "latitude", "longitude") if mpp.get(k) is not None}
        response = await client.put(
            f"/api/v1/admin/mpp/{mpp['id']}",
            json={**body, "openingHours": ALL_DAY},
            headers={**bearer(admin), "If-Match": building.headers["ETag"]},
        )
        assert response.status_code == 200, response.text
    return admin


async def queued_service(
    client: httpx.AsyncClient,
    admin: str,
    *,
    agency: str,
    region: str = OPEN_REGION,
    index: int = 0,
    **settings: Any,
) -> dict[str, Any]:
    """The ``index``-th counter service of an agency in the region (assurance ``phone``), with ``settings``
    (camelCase keys of the admin's PUT) applied on top of its current ones."""
    listed = await client.get("/api/v1/admin/queue/services", headers=bearer(admin))
    assert listed.status_code == 200, listed.text
    candidates = [s for s in listed.json()["items"] if s["agency"]["code"] == agency]
    assert len(candidates) > index, f"{agency} has {len(candidates)} counter services in {region}"
    chosen = candidates[index]
    if settings:
        current = await client.get(f"/api/v1/admin/queue/services/{chosen['service']['id']}", headers=bearer(admin))
        body = {
            "handlingMinutes": current.json()["handlingMinutes"],
            "slotMinutes": current.json()["slotMinutes"],
            "enabled": current.json()["enabled"],
            "onlineQuota": current.json().get("onlineQuota"),
            "walkInQuota": current.json().get("walkInQuota"),
            **settings,
        }
        response = await client.put(
            f"/api/v1/admin/queue/services/{chosen['service']['id']}",
            json=body,
            headers={**bearer(admin), "If-Match": current.headers["ETag"]},
        )
        assert response.status_code == 200, response.text
        chosen = response.json()
    return chosen


async def free_slots(
    client: httpx.AsyncClient, service_id: str, *, region: str = OPEN_REGION, days: range = range(0, 15)
) -> list[dict[str, Any]]:
    """Slots with a free seat, soonest first, over the days asked (0: the building's today)."""
    today = local_today(region, dt.datetime.now(dt.UTC))
    found: list[dict[str, Any]] = []
    for offset in days:
        day = today + dt.timedelta(days=offset)
        response = await client.get(
            f"/api/v1/regions/{region}/queue/slots", params={"service": service_id, "date": day.isoformat()}
        )
        assert response.status_code == 200, response.text
        found += [s for s in response.json()["items"] if s["available"] > 0]
    return found


async def book(
    client: httpx.AsyncClient, citizen: dict[str, Any], service_id: str, start: str, **extra: Any
) -> httpx.Response:
    """POST a booking (unchecked) with a fresh Idempotency-Key."""
    return await client.post(
        "/api/v1/queue/bookings",
        json={"serviceId": service_id, "start": start, **extra},
        headers={**bearer(citizen), **idempotency_key()},
    )


def kiosk_key() -> dict[str, str]:
    return {"Idempotency-Key": f"kiosk-{uuid.uuid4()}"}


async def any_booking(client: httpx.AsyncClient, citizen: dict[str, Any], *, region: str = "3302") -> dict[str, Any]:
    """A booking of the citizen's (who has a NIK) for the first service of the region open to every assurance
    level that has a free slot in the next two weeks."""
    services = (await client.get(f"/api/v1/regions/{region}/queue/services")).json()["items"]
    for service in services:
        detail = (await client.get(f"/api/v1/services/{service['id']}")).json()
        if detail.get("assurance", "phone") != "phone":
            continue
        slots = await free_slots(client, service["id"], region=region, days=range(1, 15))
        if slots:
            made = await book(client, citizen, service["id"], slots[-1]["start"])
            assert made.status_code == 201, made.text
            body: dict[str, Any] = made.json()
            return body
    raise AssertionError(f"no bookable slot in {region}")


async def issued_ticket(db: asyncpg.Connection, *, region: str = "3302", agency: str = "DISDUKCAPIL") -> Any:
    """A walk-in ticket of the agency, issued as a kiosk issues it, at 09:00 of the next open weekday (the service
    function with that clock: the API issues tickets only while the building is open)."""
    from api.calendar.service import working_calendar
    from api.queue import rules
    from api.queue import service as queue
    from api.queue.schemas import TicketCreate

    day = local_today(region, dt.datetime.now(dt.UTC)) + dt.timedelta(days=1)
    while day.weekday() >= 4 or working_calendar(region).holiday(day) is not None:
        day += dt.timedelta(days=1)
    services = await db.fetch(
        """SELECT s.id FROM catalogue_service s JOIN catalogue_agency a ON a.id = s.agency
           WHERE a.code = $1 AND s.region = $2 AND s.active AND s.channels <> 'online' ORDER BY s.code""",
        agency,
        region,
    )
    for row in services:
        try:
            made, _ = await queue.issue(
                db,
                kiosk=uuid.uuid4(),
                region=region,
                data=TicketCreate(service_id=row["id"]),
                idempotency_key=None,
                site="http://localhost:8000",
                now=dt.datetime.combine(day, dt.time(9, 0), rules.time_zone(region)),
                lang="id",
            )
        except Exception:  # this service's walk-in quota is spent: the next one
            continue
        return made
    raise AssertionError(f"no walk-in ticket for {agency} in {region}")
