"""Load the catalogue data files into the database (``mpp seed --demo``).

Idempotent: rows get deterministic ids (UUIDv5 of their natural keys) and are upserted, so seeding twice,
or after editing a data file, converges on the files' content without duplicating anything. Everything is
written in one transaction: a half-loaded catalogue is never visible.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import asyncpg
import msgspec

from api.catalogue.datafiles import (
    CatalogueData,
    RegionFile,
    ServiceFile,
    Text,
    load,
    services_for,
)
from api.catalogue.standards.content import (
    CONTENT_COLUMNS,
    REQUIREMENT_COLUMNS,
    RegionNames,
    content_columns,
    localise,
    requirement_rows,
    to_json,
)
from api.catalogue.standards.materialise import NAMESPACE, service_id, stable_id

__all__ = ["NAMESPACE", "SEED_REASON", "agency_id", "seed_catalogue", "service_id", "stable_id"]

# The reason of every standard's version 1 written from the data files (author: none).
SEED_REASON = "Data awal dari berkas katalog"


def agency_id(region: str, agency: str) -> uuid.UUID:
    return stable_id("agency", region, agency)


@dataclass(frozen=True)
class SeedReport:
    regions: int
    agencies: int
    services: int
    requirements: int


def _fill(template: str, region: RegionFile, *, english: bool) -> str:
    return (
        template.replace("{regionEn}", region.name_en)
        .replace("{region}", region.name_en if english else region.name)
        .replace("{place}", region.place)
    )


def _texts(text: Text | None) -> tuple[str | None, str | None]:
    return (text.id, text.en) if text else (None, None)


def _names(region: RegionFile) -> RegionNames:
    return RegionNames(region.code, region.name, region.name_en, region.place)


def _service_row(region: RegionFile, svc: ServiceFile, *, national: bool) -> dict[str, object]:
    """A service's row as a published version makes it (api.catalogue.standards): the same columns, texts filled."""
    return {
        "id": service_id(region.code, svc.code),
        "code": svc.code,
        "region": region.code,
        "agency": agency_id(region.code, svc.agency),
        **content_columns(localise(svc, _names(region))),
        "national": national,
    }


async def _upsert(
    conn: asyncpg.Connection,
    table: str,
    columns: dict[str, str],
    rows: list[dict[str, object]],
    *,
    key: str,
    extra: dict[str, str] | None = None,
    on_update: dict[str, str] | None = None,
    where: str | None = None,
) -> list[object]:
    """Insert or update many rows with ONE statement (jsonb_to_recordset); the keys of the rows written.

    One statement rather than executemany: the catalogue's statement triggers (version bump and NOTIFY)
    then fire once per table, and a first start loads 3,000+ services in well under a second. ``on_update``
    replaces the SET expression of some columns; ``where`` limits which existing rows are updated.
    """
    if not rows:
        return []
    extra = extra or {}
    on_update = on_update or {}
    names = [*columns, *extra]
    select = [*columns, *extra.values()]
    updates = ", ".join(f"{c} = {on_update.get(c, f'EXCLUDED.{c}')}" for c in names if c != key)
    record = ", ".join(f"{c} {t}" for c, t in columns.items())
    written = await conn.fetch(
        f"INSERT INTO {table} AS t ({', '.join(names)}) "  # noqa: S608  (identifiers are constants of this module)
        f"SELECT {', '.join(select)} FROM jsonb_to_recordset($1::jsonb) AS x({record}) "
        f"ON CONFLICT ({key}) DO UPDATE SET {updates}" + (f" WHERE {where}" if where else "") + f" RETURNING {key}",
        msgspec.json.encode(rows).decode(),
    )
    return [r[0] for r in written]


REGION_COLUMNS = {
    "code": "text",
    "name": "text",
    "name_en": "text",
    "place": "text",
    "kind": "text",
    "province_code": "text",
    "province_name": "text",
}
DOCUMENT_TYPE_COLUMNS = {
    "code": "text",
    "name_id": "text",
    "name_en": "text",
    "formats": "text[]",
    "max_size_mb": "int",
    "validity_months": "int",
    "description_id": "text",
    "description_en": "text",
}
AGENCY_COLUMNS = {
    "id": "uuid",
    "region": "text",
    "code": "text",
    "name_id": "text",
    "name_en": "text",
    "short_name": "text",
    "kind": "text",
}
MPP_COLUMNS = {
    "id": "uuid",
    "region": "text",
    "name": "text",
    "address": "text",
    "phone": "text",
    "latitude": "float8",
    "longitude": "float8",
    "opening_hours": "jsonb",
}
COUNTER_COLUMNS = {"id": "uuid", "mpp": "uuid", "agency": "uuid", "number": "text"}
SERVICE_COLUMNS = {
    "id": "uuid",
    "code": "text",
    "region": "text",
    "agency": "uuid",
    **CONTENT_COLUMNS,
    "national": "boolean",
}
VERSION_COLUMNS = {"id": "uuid", "region": "text", "code": "text", "content": "jsonb"}


@dataclass
class _Rows:
    """The rows of the region-scoped catalogue tables, built from the data files before anything is written."""

    regions: list[dict[str, object]] = field(default_factory=list)
    agencies: list[dict[str, object]] = field(default_factory=list)
    mpps: list[dict[str, object]] = field(default_factory=list)
    counters: list[dict[str, object]] = field(default_factory=list)
    services: list[dict[str, object]] = field(default_factory=list)
    requirements: list[dict[str, object]] = field(default_factory=list)
    # Version 1 of every standard: national ones once (region null), local ones per region.
    versions: list[dict[str, object]] = field(default_factory=list)


def _rows(data: CatalogueData) -> _Rows:
    """Every region's rows: its agencies (names filled in for the region), MPP, counters and services."""
    kinds = {a.code: a for a in data.agencies}
    rows = _Rows(versions=[_version_row(None, svc) for svc in data.services])
    national = {svc.code for svc in data.services}
    for region in data.regions:
        rows.regions.append(
            {
                "code": region.code,
                "name": region.name,
                "name_en": region.name_en,
                "place": region.place,
                "kind": region.kind,
                "province_code": region.province.code,
                "province_name": region.province.name,
            }
        )
        for code in region.agencies:
            kind, override = kinds[code], region.agency_names.get(code)
            rows.agencies.append(
                {
                    "id": agency_id(region.code, code),
                    "region": region.code,
                    "code": code,
                    "name_id": override.id if override else _fill(kind.name.id, region, english=False),
                    "name_en": override.en if override else _fill(kind.name.en, region, english=True),
                    "short_name": kind.short_name,
                    "kind": kind.kind,
                }
            )
        mpp, mpp_id = region.mpp, stable_id("mpp", region.code)
        rows.mpps.append(
            {
                "id": mpp_id,
                "region": region.code,
                "name": mpp.name,
                "address": mpp.address,
                "phone": mpp.phone,
                "latitude": mpp.latitude,
                "longitude": mpp.longitude,
                "opening_hours": mpp.opening_hours,
            }
        )
        rows.counters += [
            {
                "id": stable_id("counter", region.code, c.number),
                "mpp": mpp_id,
                "agency": agency_id(region.code, c.agency),
                "number": c.number,
            }
            for c in mpp.counters
        ]
        for svc in services_for(data, region):
            rows.services.append(_service_row(region, svc, national=svc.code in national))
            rows.requirements += requirement_rows(service_id(region.code, svc.code), svc)
        rows.versions += [_version_row(region.code, svc) for svc in region.local_services]
    return rows


def _version_row(region: str | None, svc: ServiceFile) -> dict[str, object]:
    return {
        "id": stable_id("version", region or "national", svc.code, "1"),
        "region": region,
        "code": svc.code,
        "content": msgspec.json.decode(to_json(svc)),
    }


# Version 1 of the standards, unless there is one (a later seed, or a backfill, adds only what is missing).
_INSERT_VERSIONS = f"""
    INSERT INTO catalogue_service_version (id, region, code, version, content, author, author_name, reason,
                                           published_at)
    SELECT id, region, code, 1, content, NULL, '', $2, now()
    FROM jsonb_to_recordset($1::jsonb) AS x({", ".join(f"{c} {t}" for c, t in VERSION_COLUMNS.items())})
    ON CONFLICT DO NOTHING"""  # noqa: S608  (constants of this module)
# Services an admin has published a version of belong to the admins now: a seed neither rewrites nor withdraws them.
_ADMINS_OWN = """EXISTS (SELECT 1 FROM catalogue_service_version v
                         WHERE v.code = {s}.code AND (v.region = {s}.region OR v.region IS NULL)
                           AND v.author IS NOT NULL)"""


async def _write(conn: asyncpg.Connection, data: CatalogueData, rows: _Rows) -> None:
    """Upsert the rows (inside the caller's transaction); withdraw services no longer in the files."""
    # Long on purpose: one upsert per table in foreign-key order, each with its column mapping; the order is the
    # point.
    region_codes = [r["code"] for r in rows.regions]
    service_ids = [s["id"] for s in rows.services]
    await _upsert(
        conn,
        "catalogue_document_type",
        DOCUMENT_TYPE_COLUMNS,
        [
            {
                "code": d.code,
                "name_id": d.name.id,
                "name_en": d.name.en,
                "formats": list(d.formats),
                "max_size_mb": d.max_size_mb,
                "validity_months": d.validity_months,
                "description_id": _texts(d.description)[0],
                "description_en": _texts(d.description)[1],
            }
            for d in data.document_types
        ],
        key="code",
    )
    await _upsert(conn, "catalogue_region", REGION_COLUMNS, rows.regions, key="code")
    await _upsert(conn, "catalogue_agency", AGENCY_COLUMNS, rows.agencies, key="id")
    await _upsert(conn, "catalogue_mpp", MPP_COLUMNS, rows.mpps, key="id")
    await conn.execute("DELETE FROM catalogue_counter WHERE mpp = ANY($1::uuid[])", [m["id"] for m in rows.mpps])
    await _upsert(conn, "catalogue_counter", COUNTER_COLUMNS, rows.counters, key="id")
    await conn.execute(_INSERT_VERSIONS, msgspec.json.encode(rows.versions).decode(), SEED_REASON)
    written = set(
        await _upsert(
            conn,
            "catalogue_service",
            SERVICE_COLUMNS,
            rows.services,
            key="id",
            extra={"active": "true", "updated_at": "now()"},
            # A region's overlay (hidden) and lifecycle (retired) are its own: a seed keeps them.
            on_update={"active": "t.retired_at IS NULL AND NOT t.hidden"},
            where="NOT " + _ADMINS_OWN.format(s="t"),
        )
    )
    # A service dropped from the files is withdrawn (retired), not deleted: applications may refer to it.
    await conn.execute(
        "UPDATE catalogue_service s SET active = false, retired_at = coalesce(retired_at, now()), "  # noqa: S608
        "updated_at = now(), revision = revision + 1 "
        "WHERE region = ANY($1::text[]) AND active AND NOT (id = ANY($2::uuid[])) "
        # A national standard a region inherited when its agency joined in the app is still in the files.
        "AND NOT (national AND code = ANY($3::text[])) AND NOT " + _ADMINS_OWN.format(s="s"),
        region_codes,
        service_ids,
        [svc.code for svc in data.services],
    )
    await conn.execute("DELETE FROM catalogue_service_requirement WHERE service = ANY($1::uuid[])", list(written))
    requirements = [r for r in rows.requirements if r["service"] in written]
    if requirements:
        record = ", ".join(f"{c} {t}" for c, t in REQUIREMENT_COLUMNS.items())
        await conn.execute(
            f"INSERT INTO catalogue_service_requirement ({', '.join(REQUIREMENT_COLUMNS)}) "  # noqa: S608
            f"SELECT * FROM jsonb_to_recordset($1::jsonb) AS x({record})",
            msgspec.json.encode(requirements).decode(),
        )


async def seed_catalogue(conn: asyncpg.Connection, data: CatalogueData | None = None) -> SeedReport:
    """Upsert the catalogue data files into the database, in one transaction."""
    data = data or load()
    rows = _rows(data)
    async with conn.transaction():
        await _write(conn, data, rows)
    # A freshly loaded catalogue has no planner statistics and its new index entries wait in the GIN
    # "pending list", which every search must scan: searches ran ~5x slower until autovacuum came by
    # (measured by bench/http_bench.py). Do autovacuum's work now, outside the transaction.
    await conn.execute("SELECT gin_clean_pending_list('catalogue_service_search_idx'::regclass)")
    for table in ("catalogue_service", "catalogue_service_requirement", "catalogue_agency", "catalogue_region"):
        await conn.execute(f"ANALYZE {table}")
    return SeedReport(
        regions=len(rows.regions),
        agencies=len(rows.agencies),
        services=len(rows.services),
        requirements=len(rows.requirements),
    )


async def catalogue_is_empty(conn: asyncpg.Connection) -> bool:
    return not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM catalogue_region)")


# Is there a service with no published version at all (a catalogue seeded before versions existed)?
_UNVERSIONED = """
    SELECT EXISTS (SELECT 1 FROM catalogue_service s WHERE NOT EXISTS (
        SELECT 1 FROM catalogue_service_version v
        WHERE v.code = s.code AND (v.region = s.region OR v.region IS NULL)))"""


async def backfill_versions(conn: asyncpg.Connection, data: CatalogueData | None = None) -> int:
    """Give a catalogue seeded before standards had versions its version 1 rows and ``national`` flags, from the
    data files, for the services it has; idempotent (run at every start, it writes nothing the second time).

    Returns how many version rows were added.
    """
    if not await conn.fetchval(_UNVERSIONED):
        return 0  # the usual case, without reading the data files
    data = data or load()
    present = {(r["region"], r["code"]) for r in await conn.fetch("SELECT region, code FROM catalogue_service")}
    codes = {code for _, code in present}
    national = [svc for svc in data.services if svc.code in codes]
    versions = [_version_row(None, svc) for svc in national] + [
        _version_row(region.code, svc)
        for region in data.regions
        for svc in region.local_services
        if (region.code, svc.code) in present
    ]
    async with conn.transaction():
        status = await conn.execute(_INSERT_VERSIONS, msgspec.json.encode(versions).decode(), SEED_REASON)
        national_codes = [svc.code for svc in national]
        # Checked first: an UPDATE of no rows would still fire the statement trigger (a catalogue version bump and a
        # NOTIFY to every process) at every start.
        if await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM catalogue_service WHERE code = ANY($1::text[]) AND NOT national)",
            national_codes,
        ):
            await conn.execute(
                "UPDATE catalogue_service SET national = true WHERE code = ANY($1::text[]) AND NOT national",
                national_codes,
            )
    return int(status.split()[-1])
