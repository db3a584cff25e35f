"""The inbox's total comes from counts triggers keep (applications_open_count), not from counting an agency's
open cases on every page: these tests hold the counts to the record — through every status, under concurrent
submissions and decisions, and for the changes only SQL makes (an agency moved, a case deleted, a TRUNCATE)."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from api.applications.statuses import OPEN
from tests.support.applications import REGION
from tests.support.auth import bearer
from tests.support.factories import AGENCY, create_application, create_citizen, create_officer

# Every agency's open cases by status, from the rows themselves and from the kept counts.
RECORDED = """
    SELECT agency, status, count(*) AS n FROM applications_application
    WHERE status = ANY($1::text[]) GROUP BY agency, status"""
KEPT = """
    SELECT agency, status, sum(n) AS n FROM applications_open_count GROUP BY agency, status HAVING sum(n) <> 0"""


async def counts(conn: asyncpg.Connection) -> tuple[dict[tuple[Any, str], int], dict[tuple[Any, str], int]]:
    recorded = {(r["agency"], r["status"]): r["n"] for r in await conn.fetch(RECORDED, list(OPEN))}
    kept = {(r["agency"], r["status"]): r["n"] for r in await conn.fetch(KEPT)}
    return recorded, kept


async def agency_id(db: asyncpg.Connection) -> Any:
    return await db.fetchval("SELECT id FROM catalogue_agency WHERE code = $1 AND region = $2", AGENCY, REGION)


async def inbox_total(client: httpx.AsyncClient, officer: str, **params: Any) -> int:
    response = await client.get("/api/v1/officer/applications", params=params, headers=bearer(officer))
    assert response.status_code == 200, response.text
    total: int = response.json()["total"]
    return total


async def test_the_inbox_total_is_the_number_of_open_cases_through_every_status(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    officer = await create_officer(db, app)
    agency = await agency_id(db)

    async def recorded(statuses: list[str]) -> int:
        n: int = await db.fetchval(
            "SELECT count(*) FROM applications_application WHERE agency = $1 AND status = ANY($2::text[])",
            agency,
            statuses,
        )
        return n

    before = await inbox_total(client, officer)
    assert before == await recorded(list(OPEN))
    citizen = await create_citizen(client, name="Sari Hitung")
    made = [
        await create_application(client, citizen, status=status, officer=officer)
        for status in ("submitted", "in_review", "approved")
    ]
    assert await inbox_total(client, officer) == before + 3 == await recorded(list(OPEN))
    for status in OPEN:
        assert await inbox_total(client, officer, status=status) == await recorded([status]), status
    # A correction request, a completion and a withdrawal: each moves the total as the record moves.
    for application, action in ((made[1], "request_correction"), (made[2], "complete")):
        decided = await client.post(
            f"/api/v1/officer/applications/{application['id']}/decision",
            json={"action": action, "reason": "Dokumen kurang jelas"},
            headers=bearer(officer),
        )
        assert decided.status_code == 200, decided.text
    withdrawn = await client.post(
        f"/api/v1/applications/{made[0]['id']}/withdraw", json={"reason": "Salah layanan"}, headers=bearer(citizen)
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert await inbox_total(client, officer) == before + 1 == await recorded(list(OPEN))
    assert await inbox_total(client, officer, status="needs_correction") == await recorded(["needs_correction"])
    # Narrower filters still count their own rows.
    mine = await inbox_total(client, officer, mine="true")
    assert mine == await db.fetchval(
        "SELECT count(*) FROM applications_application WHERE agency = $1 AND status = ANY($2::text[]) "
        "AND assigned_to = (SELECT assigned_to FROM applications_application WHERE id = $3)",
        agency,
        list(OPEN),
        made[1]["id"],
    )
    recorded_all, kept_all = await counts(db)
    assert kept_all == recorded_all


async def test_concurrent_submissions_and_decisions_leave_the_counts_exact(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    """Ten citizens submit at once while an officer decides: several pool connections (several slots), one
    agency's rows; the sums equal the record afterwards."""
    officer = await create_officer(db, app)
    citizens = [await create_citizen(client, name=f"Warga Serentak {i}") for i in range(10)]
    first = await asyncio.gather(*(create_application(client, c) for c in citizens[:5]))

    async def review(application: dict[str, Any]) -> None:
        response = await client.post(
            f"/api/v1/officer/applications/{application['id']}/decision",
            json={"action": "start_review"},
            headers=bearer(officer),
        )
        assert response.status_code == 200, response.text

    await asyncio.gather(
        *(create_application(client, c) for c in citizens[5:]),
        *(review(a) for a in first),
    )
    recorded, kept = await counts(db)
    assert kept == recorded
    agency = await agency_id(db)
    assert await inbox_total(client, officer) == sum(n for (a, _), n in recorded.items() if a == agency)


async def test_changes_made_only_in_sql_keep_the_counts_and_a_rebuild_agrees(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    """An agency moved by an UPDATE, a case deleted, the counts rebuilt from the record, the table truncated:
    each in a transaction rolled back afterwards (the other tests' rows stay)."""
    officer = await create_officer(db, app)
    citizen = await create_citizen(client, name="Budi Pindah")
    application = await create_application(client, citizen, status="in_review", officer=officer)
    other = await db.fetchval(
        "SELECT id FROM catalogue_agency WHERE region = $1 AND code <> $2 ORDER BY code LIMIT 1", REGION, AGENCY
    )
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute("UPDATE applications_application SET agency = $2 WHERE id = $1", application["id"], other)
        recorded, kept = await counts(db)
        assert kept == recorded
        assert kept[(other, "in_review")] >= 1
        # The append-only histories refuse deletions by statement triggers: off for this rolled-back transaction.
        append_only = await db.fetch(
            "SELECT tgrelid::regclass::text AS tab, tgname FROM pg_trigger WHERE tgname LIKE '%append_only%'"
        )
        for trigger in append_only:
            await db.execute(f'ALTER TABLE {trigger["tab"]} DISABLE TRIGGER "{trigger["tgname"]}"')
        await db.execute("DELETE FROM applications_event WHERE application = $1", application["id"])
        await db.execute("DELETE FROM applications_document WHERE application = $1", application["id"])
        await db.execute("DELETE FROM applications_application WHERE id = $1", application["id"])
        recorded, kept = await counts(db)
        assert kept == recorded
        await db.execute("SELECT applications_open_count_rebuild()")
        assert await db.fetchval("SELECT count(*) FROM applications_open_count WHERE slot <> 0") == 0
        recorded, kept = await counts(db)
        assert kept == recorded
        await db.execute("TRUNCATE applications_application CASCADE")
        assert await db.fetchval("SELECT count(*) FROM applications_open_count") == 0
    finally:
        await transaction.rollback()
    recorded, kept = await counts(db)
    assert kept == recorded
