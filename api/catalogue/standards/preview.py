"""A content as citizens see it: the very ``ServiceDetail`` of ``GET /api/v1/services/{id}``, built from a draft
(the admin's preview) or from a published version (what an application was made under)."""

from __future__ import annotations

import json
import uuid

import asyncpg

from api.catalogue import schemas
from api.catalogue.datafiles import FormField, ServiceFile, Text
from api.catalogue.standards.content import from_json, localise, region_names
from api.catalogue.standards.errors import StandardNotFoundError
from api.catalogue.standards.materialise import service_id as stable_service_id
from api.lib.http import Lang, pick


def _pick(lang: Lang, text: Text | None) -> str | None:
    return pick(lang, text.id, text.en) if text else None


def _form_field(field: FormField, lang: Lang) -> schemas.FormField:
    return schemas.FormField(
        name=field.name,
        type=field.type,
        label=pick(lang, field.label.id, field.label.en),
        required=field.required,
        help=_pick(lang, field.help),
        options=[schemas.Option(value=o.value, label=pick(lang, o.label.id, o.label.en)) for o in field.options]
        if field.options
        else None,
        min=field.min,
        max=field.max,
        max_length=field.max_length,
    )


_PLACE = """
    SELECT r.code, r.name, r.name_en, a.id AS agency_id, a.code AS agency_code, a.name_id AS agency_name_id,
           a.name_en AS agency_name_en, m.name AS mpp_name, m.address AS mpp_address, m.opening_hours,
           (SELECT array_agg(c.number ORDER BY c.number) FROM catalogue_counter c
             WHERE c.mpp = m.id AND c.agency = a.id AND c.retired_at IS NULL
               AND (SELECT coalesce(bool_or(x.service = $3), true)  -- as api.catalogue.service.find_service
                    FROM catalogue_counter_service x WHERE x.counter = c.id)) AS counters
    FROM catalogue_region r
    JOIN catalogue_agency a ON a.region = r.code AND a.code = $2
    LEFT JOIN LATERAL (SELECT * FROM catalogue_mpp WHERE region = r.code ORDER BY name LIMIT 1) m ON true
    WHERE r.code = $1"""


async def detail(
    conn: asyncpg.Connection,
    content: ServiceFile,
    *,
    region: str,
    lang: Lang,
    service: uuid.UUID | None = None,
    local_note: schemas.LocalNote | None = None,
) -> schemas.ServiceDetail:
    """``content`` as region ``region``'s service ``service`` would show it (placeholders filled for the region)."""
    # Long on purpose: one constructor mapping a standard's content to the public detail field by field, the same
    # shape as the catalogue's own reader.
    service = service or stable_service_id(region, content.code)
    place = await conn.fetchrow(_PLACE, region, content.agency, service)
    if place is None:
        raise StandardNotFoundError("agency of this service in that region")
    names = await region_names(conn, [region])
    svc = localise(content, names[region])
    types = {
        r["code"]: r
        for r in await conn.fetch(
            """SELECT code, name_id, name_en, formats, max_size_mb, validity_months FROM catalogue_document_type
               WHERE code = ANY($1::text[])""",
            [q.type for q in svc.requirements],
        )
    }
    return schemas.ServiceDetail(
        id=service,
        code=svc.code,
        name=pick(lang, svc.name.id, svc.name.en),
        agency=schemas.Ref(
            code=place["agency_code"], name=pick(lang, place["agency_name_id"], place["agency_name_en"])
        ),
        region=schemas.Ref(code=place["code"], name=pick(lang, place["name"], place["name_en"])),
        sla_days=svc.sla_days,
        fee=svc.fee,
        channels=svc.channels,
        categories=list(svc.categories),
        description=pick(lang, svc.description.id, svc.description.en),
        requirements=[
            schemas.Requirement(
                code=q.type,
                name=pick(lang, types[q.type]["name_id"], types[q.type]["name_en"]),
                formats=list(types[q.type]["formats"]),
                max_size_mb=types[q.type]["max_size_mb"],
                validity_months=types[q.type]["validity_months"],
                optional=q.optional,
                note=_pick(lang, q.note),
            )
            for q in svc.requirements
            if q.type in types
        ],
        form=[_form_field(f, lang) for f in svc.form],
        procedure=[pick(lang, step.id, step.en) for step in svc.procedure],
        legal_basis=list(svc.legal_basis),
        fee_note=_pick(lang, svc.fee_note),
        output=_pick(lang, svc.output),
        assurance=svc.assurance,
        where=schemas.Where(
            mpp=place["mpp_name"],
            address=place["mpp_address"],
            counters=list(place["counters"] or []),
            opening_hours=json.loads(place["opening_hours"]),
        )
        if place["mpp_name"]
        else None,
        local_note=pick(lang, local_note.id, local_note.en) if local_note else None,
    )


async def first_region_with(conn: asyncpg.Connection, agency: str) -> str | None:
    """The region a national standard is previewed in by default: the first whose MPP has the agency."""
    region: str | None = await conn.fetchval(
        "SELECT region FROM catalogue_agency WHERE code = $1 AND retired_at IS NULL ORDER BY region LIMIT 1", agency
    )
    return region


async def published_version(
    conn: asyncpg.Connection, *, service: uuid.UUID, version: int, lang: Lang
) -> schemas.ServiceDetail:
    """Service ``service`` as its standard's version ``version`` showed it (public: an application shows the
    standard it was made under, even after the service changed, was hidden or retired)."""
    row = await conn.fetchrow(
        """SELECT s.region, s.code, s.national, s.local_note_id, s.local_note_en, v.content
           FROM catalogue_service s
           JOIN catalogue_service_version v ON v.code = s.code AND v.version = $2
            AND v.region IS NOT DISTINCT FROM (CASE WHEN s.national THEN NULL ELSE s.region END)
           WHERE s.id = $1""",
        service,
        version,
    )
    if row is None:
        raise StandardNotFoundError("version of this service")
    note = schemas.LocalNote(id=row["local_note_id"], en=row["local_note_en"]) if row["local_note_id"] else None
    return await detail(
        conn, from_json(row["content"]), region=row["region"], lang=lang, service=service, local_note=note
    )
