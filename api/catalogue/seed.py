"""Load the catalogue data files into the database (``mpp seed --demo``).

Idempotent: rows get deterministic ids (UUIDv5 of their natural keys) and are upserted, so seeding twice,
or after editing a data file, converges on the files' content without duplicating anything. Everything is
written in one transaction: a half-loaded catalogue is never visible.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import asyncpg
import msgspec

from api.catalogue.datafiles import (
    CatalogueData,
    FormField,
    RegionFile,
    ServiceFile,
    Text,
    load,
    services_for,
)

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


def _service_row(region: RegionFile, svc: ServiceFile) -> tuple[object, ...]:
    fee_note = _texts(svc.fee_note)
    output = _texts(svc.output)
    return (
        service_id(region.code, svc.code),
        svc.code,
        region.code,
        agency_id(region.code, svc.agency),
        svc.name.id,
        svc.name.en,
        svc.description.id,
        svc.description.en,
        list(svc.categories),
        svc.channels,
        svc.fee,
        fee_note[0],
        fee_note[1],
        svc.sla_days,
        list(svc.legal_basis),
        json.dumps([{"id": s.id, "en": s.en} for s in svc.procedure]),
        json.dumps([_field_json(f) for f in svc.form]),
        list(svc.keywords),
        output[0],
        output[1],
    )


def _field_json(field: FormField) -> dict[str, object]:
    # The stored form definition is exactly the data file's (camelCase, without unset optional keys).
    built: dict[str, object] = msgspec.to_builtins(field)
    return built


async def seed_catalogue(conn: asyncpg.Connection, data: CatalogueData | None = None) -> SeedReport:
    """Upsert the catalogue data files into the database, in one transaction."""
    data = data or load()
    regions = agencies = services = requirements = 0
    async with conn.transaction():
        await conn.executemany(
            """INSERT INTO catalogue_document_type
                   (code, name_id, name_en, formats, max_size_mb, validity_months, description_id, description_en)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT (code) DO UPDATE SET name_id = EXCLUDED.name_id, name_en = EXCLUDED.name_en,
                   formats = EXCLUDED.formats, max_size_mb = EXCLUDED.max_size_mb,
                   validity_months = EXCLUDED.validity_months, description_id = EXCLUDED.description_id,
                   description_en = EXCLUDED.description_en""",
            [
                (
                    d.code,
                    d.name.id,
                    d.name.en,
                    list(d.formats),
                    d.max_size_mb,
                    d.validity_months,
                    *_texts(d.description),
                )
                for d in data.document_types
            ],
        )
        agency_kinds = {a.code: a for a in data.agencies}
        for region in data.regions:
            regions += 1
            await conn.execute(
                """INSERT INTO catalogue_region (code, name, name_en, place, kind, province_code, province_name)
                   VALUES ($1, $2, $3, $4, $5, $6, $7)
                   ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, name_en = EXCLUDED.name_en,
                       place = EXCLUDED.place, kind = EXCLUDED.kind, province_code = EXCLUDED.province_code,
                       province_name = EXCLUDED.province_name""",
                region.code,
                region.name,
                region.name_en,
                region.place,
                region.kind,
                region.province.code,
                region.province.name,
            )
            agency_rows = []
            for code in region.agencies:
                kind = agency_kinds[code]
                override = region.agency_names.get(code)
                name_id = override.id if override else _fill(kind.name.id, region, english=False)
                name_en = override.en if override else _fill(kind.name.en, region, english=True)
                agency_rows.append(
                    (
                        agency_id(region.code, code),
                        region.code,
                        code,
                        name_id,
                        name_en,
                        kind.short_name,
                        kind.kind,
                    )
                )
            await conn.executemany(
                """INSERT INTO catalogue_agency (id, region, code, name_id, name_en, short_name, kind)
                   VALUES ($1, $2, $3, $4, $5, $6, $7)
                   ON CONFLICT (id) DO UPDATE SET name_id = EXCLUDED.name_id, name_en = EXCLUDED.name_en,
                       short_name = EXCLUDED.short_name, kind = EXCLUDED.kind""",
                agency_rows,
            )
            agencies += len(agency_rows)
            mpp = region.mpp
            mpp_id = stable_id("mpp", region.code)
            await conn.execute(
                """INSERT INTO catalogue_mpp (id, region, name, address, phone, latitude, longitude, opening_hours)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                   ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address,
                       phone = EXCLUDED.phone, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
                       opening_hours = EXCLUDED.opening_hours""",
                mpp_id,
                region.code,
                mpp.name,
                mpp.address,
                mpp.phone,
                mpp.latitude,
                mpp.longitude,
                json.dumps(mpp.opening_hours),
            )
            await conn.execute("DELETE FROM catalogue_counter WHERE mpp = $1", mpp_id)
            await conn.executemany(
                "INSERT INTO catalogue_counter (id, mpp, agency, number) VALUES ($1, $2, $3, $4)",
                [
                    (
                        stable_id("counter", region.code, c.number),
                        mpp_id,
                        agency_id(region.code, c.agency),
                        c.number,
                    )
                    for c in mpp.counters
                ],
            )
            offered = services_for(data, region)
            await conn.executemany(
                """INSERT INTO catalogue_service
                       (id, code, region, agency, name_id, name_en, description_id, description_en, categories,
                        channels, fee, fee_note_id, fee_note_en, sla_days, legal_basis, procedure, form, keywords,
                        output_id, output_en, active, updated_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb,
                           $17::jsonb, $18, $19, $20, true, now())
                   ON CONFLICT (id) DO UPDATE SET agency = EXCLUDED.agency, name_id = EXCLUDED.name_id,
                       name_en = EXCLUDED.name_en, description_id = EXCLUDED.description_id,
                       description_en = EXCLUDED.description_en, categories = EXCLUDED.categories,
                       channels = EXCLUDED.channels, fee = EXCLUDED.fee, fee_note_id = EXCLUDED.fee_note_id,
                       fee_note_en = EXCLUDED.fee_note_en, sla_days = EXCLUDED.sla_days,
                       legal_basis = EXCLUDED.legal_basis, procedure = EXCLUDED.procedure, form = EXCLUDED.form,
                       keywords = EXCLUDED.keywords, output_id = EXCLUDED.output_id,
                       output_en = EXCLUDED.output_en, active = true, updated_at = now()""",
                [_service_row(region, svc) for svc in offered],
            )
            services += len(offered)
            # A service dropped from the files is withdrawn, not deleted: applications may refer to it.
            await conn.execute(
                "UPDATE catalogue_service SET active = false, updated_at = now() "
                "WHERE region = $1 AND active AND NOT (id = ANY($2::uuid[]))",
                region.code,
                [service_id(region.code, s.code) for s in offered],
            )
            ids = [service_id(region.code, s.code) for s in offered]
            await conn.execute("DELETE FROM catalogue_service_requirement WHERE service = ANY($1::uuid[])", ids)
            req_rows = [
                (service_id(region.code, svc.code), req.type, pos, req.optional, *_texts(req.note))
                for svc in offered
                for pos, req in enumerate(svc.requirements)
            ]
            await conn.executemany(
                """INSERT INTO catalogue_service_requirement
                       (service, document_type, position, optional, note_id, note_en)
                   VALUES ($1, $2, $3, $4, $5, $6)""",
                req_rows,
            )
            requirements += len(req_rows)
    return SeedReport(regions=regions, agencies=agencies, services=services, requirements=requirements)


async def catalogue_is_empty(conn: asyncpg.Connection) -> bool:
    return not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM catalogue_region)")
