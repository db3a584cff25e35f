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
from api.catalogue.search import normalise_words

NAMESPACE = uuid.UUID("5b0c3f5e-8f4a-4a53-9d52-6d7070646967")  # fixed: ids must be stable across seeds


def stable_id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(parts))


def agency_id(region: str, agency: str) -> uuid.UUID:
    return stable_id("agency", region, agency)


def service_id(region: str, service: str) -> uuid.UUID:
    return stable_id("service", region, service)


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


def _service_row(region: RegionFile, svc: ServiceFile) -> dict[str, object]:
    fee_note = _texts(svc.fee_note)
    output = _texts(svc.output)
    return {
        "id": service_id(region.code, svc.code),
        "code": svc.code,
        "region": region.code,
        "agency": agency_id(region.code, svc.agency),
        "name_id": svc.name.id,
        "name_en": svc.name.en,
        "description_id": svc.description.id,
        "description_en": svc.description.en,
        "categories": list(svc.categories),
        "channels": svc.channels,
        "fee": svc.fee,
        "fee_note_id": fee_note[0],
        "fee_note_en": fee_note[1],
        "sla_days": svc.sla_days,
        "assurance": svc.assurance,
        "legal_basis": list(svc.legal_basis),
        "procedure": [{"id": step.id, "en": step.en} for step in svc.procedure],
        # The stored form definition is exactly the data file's (camelCase, without unset optional keys).
        "form": [msgspec.to_builtins(f) for f in svc.form],
        # Normalised like query words, so that "izin usaha" typed matches the keyword "Izin usaha".
        "keywords": [" ".join(normalise_words(k)) for k in svc.keywords],
        "output_id": output[0],
        "output_en": output[1],
    }


async def _upsert(
    conn: asyncpg.Connection,
    table: str,
    columns: dict[str, str],
    rows: list[dict[str, object]],
    *,
    key: str,
    extra: dict[str, str] | None = None,
) -> None:
    """Insert or update many rows with ONE statement (jsonb_to_recordset).

    One statement rather than executemany: the catalogue's statement triggers (version bump and NOTIFY)
    then fire once per table, and a first start loads 3,000+ services in well under a second.
    """
    if not rows:
        return
    extra = extra or {}
    names = [*columns, *extra]
    select = [*columns, *extra.values()]
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in names if c != key)
    record = ", ".join(f"{c} {t}" for c, t in columns.items())
    await conn.execute(
        f"INSERT INTO {table} ({', '.join(names)}) "  # noqa: S608  (identifiers are constants of this module)
        f"SELECT {', '.join(select)} FROM jsonb_to_recordset($1::jsonb) AS x({record}) "
        f"ON CONFLICT ({key}) DO UPDATE SET {updates}",
        msgspec.json.encode(rows).decode(),
    )


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
    "name_id": "text",
    "name_en": "text",
    "description_id": "text",
    "description_en": "text",
    "categories": "text[]",
    "channels": "text",
    "fee": "bigint",
    "fee_note_id": "text",
    "fee_note_en": "text",
    "sla_days": "int",
    "assurance": "text",
    "legal_basis": "text[]",
    "procedure": "jsonb",
    "form": "jsonb",
    "keywords": "text[]",
    "output_id": "text",
    "output_en": "text",
}
REQUIREMENT_COLUMNS = {
    "service": "uuid",
    "document_type": "text",
    "position": "int",
    "optional": "boolean",
    "note_id": "text",
    "note_en": "text",
}


@dataclass
class _Rows:
    """The rows of the region-scoped catalogue tables, built from the data files before anything is written."""

    regions: list[dict[str, object]] = field(default_factory=list)
    agencies: list[dict[str, object]] = field(default_factory=list)
    mpps: list[dict[str, object]] = field(default_factory=list)
    counters: list[dict[str, object]] = field(default_factory=list)
    services: list[dict[str, object]] = field(default_factory=list)
    requirements: list[dict[str, object]] = field(default_factory=list)


def _rows(data: CatalogueData) -> _Rows:
    """Every region's rows: its agencies (names filled in for the region), MPP, counters and services."""
    kinds = {a.code: a for a in data.agencies}
    rows = _Rows()
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
            rows.services.append(_service_row(region, svc))
            rows.requirements += [
                {
                    "service": service_id(region.code, svc.code),
                    "document_type": req.type,
                    "position": pos,
                    "optional": req.optional,
                    "note_id": _texts(req.note)[0],
                    "note_en": _texts(req.note)[1],
                }
                for pos, req in enumerate(svc.requirements)
            ]
    return rows


async def _write(conn: asyncpg.Connection, data: CatalogueData, rows: _Rows) -> None:
    """Upsert the rows (inside the caller's transaction); withdraw services no longer in the files."""
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
    await _upsert(
        conn,
        "catalogue_service",
        SERVICE_COLUMNS,
        rows.services,
        key="id",
        extra={"active": "true", "updated_at": "now()"},
    )
    # A service dropped from the files is withdrawn, not deleted: applications may refer to it.
    await conn.execute(
        "UPDATE catalogue_service SET active = false, updated_at = now() "
        "WHERE region = ANY($1::text[]) AND active AND NOT (id = ANY($2::uuid[]))",
        region_codes,
        service_ids,
    )
    await conn.execute("DELETE FROM catalogue_service_requirement WHERE service = ANY($1::uuid[])", service_ids)
    if rows.requirements:
        record = ", ".join(f"{c} {t}" for c, t in REQUIREMENT_COLUMNS.items())
        await conn.execute(
            f"INSERT INTO catalogue_service_requirement ({', '.join(REQUIREMENT_COLUMNS)}) "  # noqa: S608
            f"SELECT * FROM jsonb_to_recordset($1::jsonb) AS x({record})",
            msgspec.json.encode(rows.requirements).decode(),
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
