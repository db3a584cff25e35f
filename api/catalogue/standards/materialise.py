"""Published content → the ``catalogue_service`` rows citizens see and search.

A region's own service is one row. A national standard is one row in **every region whose MPP has that kind of
agency** (``national = true``), its texts filled with the region's names; each region's overlay on it (``hidden``,
``local_note_*``) and its lifecycle (``retired_at``) belong to the region and survive every national publish, so
``active`` (what search filters on) is left as it is by a publish.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg
import msgspec

from api.catalogue.datafiles import ServiceFile
from api.catalogue.standards.content import (
    CONTENT_COLUMNS,
    REQUIREMENT_COLUMNS,
    content_columns,
    from_json,
    localise,
    region_names,
    requirement_rows,
)

NAMESPACE = uuid.UUID("5b0c3f5e-8f4a-4a53-9d52-6d7070646967")  # fixed: ids must be stable across seeds


def stable_id(*parts: str) -> uuid.UUID:
    """A deterministic id from a row's natural key (the seed's and a publish's rows agree on it)."""
    return uuid.uuid5(NAMESPACE, "/".join(parts))


def service_id(region: str, service: str) -> uuid.UUID:
    return stable_id("service", region, service)


@dataclass(frozen=True)
class Placement:
    """Where a content lands: a region and the id of the agency serving it there."""

    region: str
    agency: uuid.UUID


_ROW_COLUMNS = {"id": "uuid", "code": "text", "region": "text", "agency": "uuid", **CONTENT_COLUMNS}
_RECORD = ", ".join(f"{c} {t}" for c, t in {**_ROW_COLUMNS, "version": "int", "national": "boolean"}.items())
_NAMES = ", ".join(_ROW_COLUMNS)
_UPDATES = ", ".join(f"{c} = EXCLUDED.{c}" for c in _ROW_COLUMNS if c not in ("id", "code", "region"))
# One statement for every region a content lands in (the statement triggers then bump the catalogue version and
# NOTIFY once). A new row is active; an existing one keeps its overlay and lifecycle. ``{guard}`` limits which
# existing rows may be overwritten (a national content never overwrites a region's own service of the same code).
_UPSERT = (
    f"INSERT INTO catalogue_service ({_NAMES}, version, national, active, updated_at, revision) "  # noqa: S608
    f"SELECT {_NAMES}, version, national, true, now(), 1 FROM jsonb_to_recordset($1::jsonb) AS x({_RECORD}) "
    f"ON CONFLICT (region, code) DO UPDATE SET {_UPDATES}, version = EXCLUDED.version, "
    "national = EXCLUDED.national, updated_at = now(), revision = catalogue_service.revision + 1 "
    "WHERE {guard} RETURNING id"
)
_REQUIREMENT_RECORD = ", ".join(f"{c} {t}" for c, t in REQUIREMENT_COLUMNS.items())
_INSERT_REQUIREMENTS = (
    f"INSERT INTO catalogue_service_requirement ({', '.join(REQUIREMENT_COLUMNS)}) "  # noqa: S608
    f"SELECT * FROM jsonb_to_recordset($1::jsonb) AS x({_REQUIREMENT_RECORD})"
)


async def write_rows(
    conn: asyncpg.Connection,
    content: ServiceFile,
    placements: list[Placement],
    *,
    version: int,
    national: bool,
    only_if_older: bool = False,
) -> list[uuid.UUID]:
    """Write ``content`` as version ``version`` into the placements' regions (inside the caller's transaction).

    Returns the ids of the rows written. ``only_if_older``: leave rows already at this version (and agency) alone,
    so that inheriting twice writes nothing the second time.
    """
    if not placements:
        return []
    names = await region_names(conn, [p.region for p in placements])
    rows, requirements = [], []
    for place in placements:
        local = localise(content, names[place.region])
        rows.append(
            {
                "id": service_id(place.region, content.code),
                "code": content.code,
                "region": place.region,
                "agency": place.agency,
                **content_columns(local),
                "version": version,
                "national": national,
            }
        )
    guard = "catalogue_service.national" if national else "NOT catalogue_service.national"
    if only_if_older:
        guard += (
            " AND (catalogue_service.version, catalogue_service.agency)"
            " IS DISTINCT FROM (EXCLUDED.version, EXCLUDED.agency)"
        )
    written: list[uuid.UUID] = [
        r["id"] for r in await conn.fetch(_UPSERT.format(guard=guard), msgspec.json.encode(rows).decode())
    ]
    if not written:
        return []
    for service in written:
        requirements += requirement_rows(service, content)
    # The requirement rows are the version's; applications keep the codes of the requirements their documents met
    # (applications_document.requirement), which no row here is needed for.
    await conn.execute("DELETE FROM catalogue_service_requirement WHERE service = ANY($1::uuid[])", written)
    if requirements:
        await conn.execute(_INSERT_REQUIREMENTS, msgspec.json.encode(requirements).decode())
    return written


async def national_placements(
    conn: asyncpg.Connection, agency_code: str, *, region: str | None = None
) -> list[Placement]:
    """The regions whose MPP has an agency of this kind (not retired), or only ``region``."""
    rows = await conn.fetch(
        """SELECT region, id FROM catalogue_agency
           WHERE code = $1 AND retired_at IS NULL AND ($2::text IS NULL OR region = $2) ORDER BY region""",
        agency_code,
        region,
    )
    return [Placement(region=r["region"], agency=r["id"]) for r in rows]


# The current version of each national standard of an agency kind.
_CURRENT_NATIONAL = """
    SELECT DISTINCT ON (code) code, version, content FROM catalogue_service_version
    WHERE region IS NULL AND content->>'agency' = $1 ORDER BY code, version DESC"""


async def inherit_national(conn: asyncpg.Connection, *, region: str, agency_code: str) -> int:
    """Materialise the current national standards of ``agency_code``'s kind into ``region`` (whose agency of that
    kind must exist and not be retired); call it when the agency joins the region's MPP, in that transaction.

    Idempotent: returns how many service rows were written (0 the second time). A region's own service with the
    same code as a national one is never overwritten.
    """
    placements = await national_placements(conn, agency_code, region=region)
    if not placements:
        return 0
    written = 0
    for row in await conn.fetch(_CURRENT_NATIONAL, agency_code):
        ids = await write_rows(
            conn, from_json(row["content"]), placements, version=row["version"], national=True, only_if_older=True
        )
        written += len(ids)
    return written
