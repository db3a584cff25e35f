"""Admin mode: the counters (loket) of a region's MPP building and the services each serves. No HTTP here; the
rules of ``building`` apply.

A counter is staffed by one live agency of the building and serves the services chosen for it — active services
of that agency in that region — or, with none chosen, every service of its agency. Its number is unique among the
building's live counters (409 ``number_taken``; the database holds it too). A counter is retired, never deleted:
queue tickets refer to it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

import asyncpg

from api.audit.service import record
from api.catalogue.building import (
    Problems,
    check_revision,
    in_scope,
    mpp_of,
    read_counter,
)
from api.catalogue.building_schemas import CounterAdmin, CounterCreate, CounterUpdate
from api.lib.errors import DomainError
from api.lib.http import Lang

NUMBER_FORMAT = "must be 1-10 letters or digits (with - or .)"
NOT_AN_AGENCY_HERE = "is not an agency in this building"
NOT_A_SERVICE_OF_AGENCY = "is not an active service of this agency"
LISTED_TWICE = "is listed twice"
_NUMBER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,9})$")


class CounterRetiredError(DomainError):
    status = 409
    code = "retired"
    detail = "This counter is retired; open a new one instead."


class NumberTakenError(DomainError):
    status = 409
    code = "number_taken"
    detail = "Another counter in this building has that number."


async def _check(
    conn: asyncpg.Connection, *, region: str, number: str, agency_id: uuid.UUID, service_ids: Sequence[uuid.UUID]
) -> str:
    """The counter's number (trimmed), once the agency is a live agency of the region and every service an active
    service of it. Locks the agency row to share, so that it cannot retire while this counter is being saved."""
    problems = Problems()
    number = number.strip()
    if not _NUMBER.match(number):
        problems.add("number", NUMBER_FORMAT)
    agency = await conn.fetchrow("SELECT region, retired_at FROM catalogue_agency WHERE id = $1 FOR SHARE", agency_id)
    if agency is None or agency["region"] != region or agency["retired_at"] is not None:
        problems.add("agencyId", NOT_AN_AGENCY_HERE)
    else:
        good = {
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM catalogue_service WHERE id = ANY($1::uuid[]) AND agency = $2 AND region = $3 "
                "AND active",
                list(service_ids),
                agency_id,
                region,
            )
        }
        seen: set[uuid.UUID] = set()
        for i, service in enumerate(service_ids):
            if service in seen:
                problems.add(f"serviceIds[{i}]", LISTED_TWICE)
            elif service not in good:
                problems.add(f"serviceIds[{i}]", NOT_A_SERVICE_OF_AGENCY)
            seen.add(service)
    problems.raise_any()
    return number


async def _number_free(conn: asyncpg.Connection, mpp: uuid.UUID, number: str, counter: uuid.UUID | None) -> None:
    taken = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM catalogue_counter WHERE mpp = $1 AND number = $2 AND retired_at IS NULL "
        "AND id IS DISTINCT FROM $3)",
        mpp,
        number,
        counter,
    )
    if taken:
        raise NumberTakenError()


async def _save_services(conn: asyncpg.Connection, counter: uuid.UUID, service_ids: Sequence[uuid.UUID]) -> None:
    await conn.execute("DELETE FROM catalogue_counter_service WHERE counter = $1", counter)
    if service_ids:
        await conn.execute(
            "INSERT INTO catalogue_counter_service (counter, service) SELECT $1, unnest($2::uuid[])",
            counter,
            list(service_ids),
        )


async def add_counter(
    conn: asyncpg.Connection,
    *,
    region: str,
    data: CounterCreate,
    lang: Lang,
    actor: uuid.UUID | None,
    ip: str = "",
) -> CounterAdmin:
    """Open a counter in the region's building, staffed by one of its agencies."""
    mpp = await mpp_of(conn, region)
    async with conn.transaction():
        number = await _check(
            conn, region=region, number=data.number, agency_id=data.agency_id, service_ids=data.service_ids
        )
        await _number_free(conn, mpp["id"], number, None)
        counter_id = uuid.uuid4()
        try:
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO catalogue_counter (id, mpp, agency, number, revision) VALUES ($1, $2, $3, $4, 1)",
                    counter_id,
                    mpp["id"],
                    data.agency_id,
                    number,
                )
        except asyncpg.ExclusionViolationError:  # the same number, opened by someone else a moment ago
            raise NumberTakenError() from None
        return await _saved(conn, "counter.added", region, counter_id, number, data, actor=actor, ip=ip, lang=lang)


async def _saved(
    conn: asyncpg.Connection,
    action: str,
    region: str,
    counter_id: uuid.UUID,
    number: str,
    data: CounterCreate | CounterUpdate,
    *,
    actor: uuid.UUID | None,
    ip: str,
    lang: Lang,
) -> CounterAdmin:
    """The end of adding or changing a counter: its services, the audit event, and the counter as it now is."""
    await _save_services(conn, counter_id, data.service_ids)
    await record(
        conn,
        action=action,
        actor=actor,
        subject=None,
        detail={
            "region": region,
            "counter": str(counter_id),
            "number": number,
            "agency": str(data.agency_id),
            "services": [str(s) for s in data.service_ids],
        },
        ip=ip,
    )
    return await read_counter(conn, counter_id, lang)


async def _locked(conn: asyncpg.Connection, counter_id: uuid.UUID, scope: str | None) -> asyncpg.Record:
    return in_scope(
        await conn.fetchrow(
            """SELECT c.*, m.region FROM catalogue_counter c JOIN catalogue_mpp m ON m.id = c.mpp
               WHERE c.id = $1 FOR UPDATE OF c""",
            counter_id,
        ),
        scope,
        "counter",
    )


async def update_counter(
    conn: asyncpg.Connection,
    *,
    counter_id: uuid.UUID,
    scope: str | None,
    revision: int | None,
    data: CounterUpdate,
    lang: Lang,
    actor: uuid.UUID | None,
    ip: str = "",
) -> CounterAdmin:
    """Change a live counter's number, agency and services (all of them: a PUT)."""
    async with conn.transaction():
        row = await _locked(conn, counter_id, scope)
        check_revision(row, revision)
        if row["retired_at"] is not None:
            raise CounterRetiredError()
        number = await _check(
            conn, region=row["region"], number=data.number, agency_id=data.agency_id, service_ids=data.service_ids
        )
        await _number_free(conn, row["mpp"], number, counter_id)
        try:
            async with conn.transaction():
                await conn.execute(
                    "UPDATE catalogue_counter SET number = $2, agency = $3, revision = revision + 1 WHERE id = $1",
                    counter_id,
                    number,
                    data.agency_id,
                )
        except asyncpg.ExclusionViolationError:
            raise NumberTakenError() from None
        return await _saved(
            conn, "counter.changed", row["region"], counter_id, number, data, actor=actor, ip=ip, lang=lang
        )


async def retire_counter(
    conn: asyncpg.Connection,
    *,
    counter_id: uuid.UUID,
    scope: str | None,
    revision: int | None,
    lang: Lang,
    actor: uuid.UUID | None,
    ip: str = "",
) -> CounterAdmin:
    """Close a counter for good (its row stays; its number is free again). A retired counter stays retired."""
    async with conn.transaction():
        row = await _locked(conn, counter_id, scope)
        check_revision(row, revision)
        if row["retired_at"] is None:
            await conn.execute(
                "UPDATE catalogue_counter SET retired_at = now(), revision = revision + 1 WHERE id = $1", counter_id
            )
            await record(
                conn,
                action="counter.retired",
                actor=actor,
                subject=None,
                detail={"region": row["region"], "counter": str(counter_id), "number": row["number"]},
                ip=ip,
            )
        return await read_counter(conn, counter_id, lang)
