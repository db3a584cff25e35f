"""Regions that a test adds through admin mode, and their removal afterwards.

Admin mode can add a region (``POST /api/v1/admin/regions``), and with it agencies that inherit national services.
The session's database is shared and other tests describe the demo catalogue as it ships (21 pilot regions, a
national service offered by each of them), so a test that adds a region removes it again when it is done: every
row that names it (its building, agencies, counters, closure days, services, the accounts made for it).
"""

from __future__ import annotations

import random

import asyncpg

# Province 33 (Jawa Tengah) numbers its kabupaten 01–29 and kota 71–76: these codes are free in the demo.
FREE_CODES = [f"33{n:02d}" for n in range(40, 70)]


async def fresh_region_code(db: asyncpg.Connection) -> str:
    """A BPS code of province 33 that no region has yet."""
    taken = {r["code"] for r in await db.fetch("SELECT code FROM catalogue_region WHERE code LIKE '33%'")}
    free = [c for c in FREE_CODES if c not in taken]
    assert free, "no free region code left in province 33"
    return random.choice(free)


async def remove_regions(db: asyncpg.Connection, codes: list[str]) -> None:
    """Remove the regions and every row naming them, in one transaction (nothing else refers to a test's region:
    no applications, documents or published versions were made there)."""
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
