"""Regions that a test adds through admin mode, and their removal afterwards.

Admin mode can add a region (``POST /api/v1/admin/regions``), and with it agencies that inherit national services.
The session's database is shared and other tests describe the demo catalogue as it ships (21 pilot regions, a
national service offered by each of them), so a test that adds a region removes it again when it is done: every
row that names it (its building, agencies, counters, closure days, services, the accounts made for it).
"""

from __future__ import annotations

import random

import asyncpg

from api.stats.definitions import SOURCES as FIGURE_LOCKS

# Province 33 (Jawa Tengah) numbers its kabupaten 01–29 and kota 71–76: these codes are free in the demo.
FREE_CODES = [f"33{n:02d}" for n in range(40, 70)]


async def fresh_region_code(db: asyncpg.Connection) -> str:
    """A BPS code of province 33 that no region has yet."""
    taken = {r["code"] for r in await db.fetch("SELECT code FROM catalogue_region WHERE code LIKE '33%'")}
    free = [c for c in FREE_CODES if c not in taken]
    assert free, "no free region code left in province 33"
    return random.choice(free)


async def remove_feedback(conn: asyncpg.Connection, codes: list[str]) -> None:
    """What feedback wrote in the regions (survey invitations and answers, their sums, replies, complaints).
    Answers, replies and complaint events are append-only (statement triggers refuse DELETE): for these
    throwaway regions only, triggers are off for the transaction (`session_replication_role`)."""
    surveys = "SELECT id FROM feedback_survey WHERE region = ANY($1::text[])"
    complaints = "SELECT id FROM feedback_complaint WHERE region = ANY($1::text[])"
    async with conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute(f"DELETE FROM feedback_reply WHERE survey IN ({surveys})", codes)
        await conn.execute("DELETE FROM feedback_survey WHERE region = ANY($1::text[])", codes)
        await conn.execute(f"DELETE FROM feedback_complaint_event WHERE complaint IN ({complaints})", codes)
        await conn.execute("SET LOCAL session_replication_role = origin")
        for table in ("feedback_complaint", "feedback_complaint_sequence", "feedback_skm_daily", "feedback_invitation"):
            await conn.execute(f"DELETE FROM {table} WHERE region = ANY($1::text[])", codes)


async def remove_queue(conn: asyncpg.Connection, codes: list[str]) -> None:
    """Everything the queue and the kiosks wrote in the regions. The queue's call history is append-only: as
    above, triggers are off for the three append-only tables' rows of these regions only."""
    tickets = "SELECT id FROM queue_ticket WHERE region = ANY($1::text[])"
    async with conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute(f"DELETE FROM queue_estimate_shown WHERE ticket IN ({tickets})", codes)
        await conn.execute(f"DELETE FROM queue_ticket_event WHERE ticket IN ({tickets})", codes)
        await conn.execute("DELETE FROM queue_call WHERE region = ANY($1::text[])", codes)
        await conn.execute("SET LOCAL session_replication_role = origin")
        await conn.execute("DELETE FROM queue_ticket WHERE region = ANY($1::text[])", codes)
        await conn.execute("DELETE FROM queue_booking WHERE region = ANY($1::text[])", codes)
        await conn.execute("DELETE FROM queue_slot WHERE region = ANY($1::text[])", codes)
        for table in ("queue_counter_session", "queue_service_setting", "queue_agency_letter", "auth_kiosk"):
            await conn.execute(f"DELETE FROM {table} WHERE region = ANY($1::text[])", codes)


async def remove_figures(conn: asyncpg.Connection, codes: list[str]) -> None:
    """The figures counted in the regions (every ``stats_*`` table with a ``region`` column): their events are gone,
    so ``mpp stats verify`` would recompute zeros for them. Under the consumer's locks of every source, so that a
    step that read the events before they were removed commits its counts first, and no step counts them after."""
    tables = await conn.fetch(
        """SELECT table_name FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name LIKE 'stats\\_%' AND column_name = 'region'"""
    )
    async with conn.transaction():
        for key in sorted(FIGURE_LOCKS.values()):
            await conn.execute("SELECT pg_advisory_xact_lock($1)", key)
        for row in tables:
            await conn.execute(f"DELETE FROM {row['table_name']} WHERE region = ANY($1::text[])", codes)


async def remove_regions(db: asyncpg.Connection, codes: list[str]) -> None:
    """Remove the regions and every row naming them (what feedback and the queue wrote there first, and the figures
    counted from it; nothing else refers to a test's region: no applications, documents or published versions were
    made there)."""
    await remove_feedback(db, codes)
    await remove_queue(db, codes)
    await remove_figures(db, codes)
    async with db.transaction():
        await db.execute(
            "DELETE FROM accounts_account WHERE region = ANY($1::text[]) "
            "OR agency IN (SELECT id FROM catalogue_agency WHERE region = ANY($1::text[]))",
            codes,
        )
        await db.execute("DELETE FROM catalogue_service WHERE region = ANY($1::text[])", codes)
        await db.execute("DELETE FROM catalogue_mpp WHERE region = ANY($1::text[])", codes)
        await db.execute("DELETE FROM catalogue_agency WHERE region = ANY($1::text[])", codes)
        await db.execute("DELETE FROM catalogue_region WHERE code = ANY($1::text[])", codes)
