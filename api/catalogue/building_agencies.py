"""Admin mode: which agencies sit in a region's MPP building. No HTTP here; the rules of ``building`` apply.

An agency is either of a **national kind** (``agencies.yaml``: Disdukcapil, Samsat, BPJS…; one tap adds it, its
names filled in for the region) — and then the region inherits that kind's national service standards in the same
transaction — or the region's **own** (every field given). An agency leaves the building by retiring (its row
stays: services and applications refer to it), which is refused while anything active depends on it; adding a
retired one again reinstates it.
"""

from __future__ import annotations

import re
import uuid
from functools import cache
from typing import Any

import asyncpg
import msgspec

from api.audit.service import record
from api.catalogue.building import (
    AGENCIES_SQL,
    REQUIRED,
    Problems,
    agency,
    check_revision,
    in_scope,
    read_agency,
)
from api.catalogue.building_schemas import AgencyAdmin, AgencyCreate, AgencyKind, AgencyKindList, AgencyUpdate, Text
from api.catalogue.datafiles import DATA_DIR, AgencyFile
from api.catalogue.seed import agency_id
from api.catalogue.standards import inherit_national
from api.catalogue.standards.content import RegionNames, fill
from api.lib.errors import DomainError, FieldError, NotFoundError

CODE_FORMAT = "must be 2-40 capital letters, digits or _, starting with a letter"
SET_BY_KIND = "is set by the national agency kind"
# The data files' agency code (datafiles.Code).
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")


class CodeTakenError(DomainError):
    status = 409
    code = "code_taken"
    detail = "That code is already in use here."


class InUseError(DomainError):
    """409 ``in_use``: the agency cannot leave while something active depends on it; ``errors`` says what
    (``services``, ``counters``, ``staff``, each with how many)."""

    status = 409
    code = "in_use"


@cache
def national_kinds() -> dict[str, AgencyFile]:
    """The national agency kinds, by code (read once: the file ships with the code)."""
    kinds = msgspec.yaml.decode((DATA_DIR / "agencies.yaml").read_bytes(), type=list[AgencyFile])
    return {k.code: k for k in kinds}


async def _names(conn: asyncpg.Connection, region: str) -> RegionNames:
    row = await conn.fetchrow("SELECT code, name, name_en, place FROM catalogue_region WHERE code = $1", region)
    if row is None:
        raise NotFoundError("region")
    return RegionNames(row["code"], row["name"], row["name_en"], row["place"])


def _filled(kind: AgencyFile, names: RegionNames) -> Text:
    return Text(id=fill(kind.name.id, names, english=False), en=fill(kind.name.en, names, english=True))


async def agency_kinds(conn: asyncpg.Connection, *, region: str) -> AgencyKindList:
    """Every national agency kind with its names for the region, and whether the building has it already."""
    names = await _names(conn, region)
    present = {
        r["code"]: r["retired"]
        for r in await conn.fetch(
            "SELECT code, retired_at IS NOT NULL AS retired FROM catalogue_agency WHERE region = $1", region
        )
    }
    items = [
        AgencyKind(
            code=kind.code,
            name=_filled(kind, names),
            short_name=kind.short_name,
            kind=kind.kind,
            present=present.get(kind.code) is False,
            retired=present.get(kind.code) is True,
        )
        for kind in national_kinds().values()
    ]
    return AgencyKindList(items=items, total=len(items))


def _check_new(data: AgencyCreate, names: RegionNames) -> tuple[Text, str, str]:
    """The new agency's names and kind: from its national kind (unless given), or all given for an own agency."""
    problems = Problems()
    national = national_kinds().get(data.code)
    if national is None and not _CODE.match(data.code):
        problems.add("code", CODE_FORMAT)
    if national is not None:
        if data.kind is not None and data.kind != national.kind:
            problems.add("kind", SET_BY_KIND)
        filled = _filled(national, names)
        name = Text(
            id=(data.name.id.strip() if data.name else "") or filled.id,
            en=(data.name.en.strip() if data.name else "") or filled.en,
        )
        short_name = (data.short_name or "").strip() or national.short_name
        kind: str = national.kind
    else:
        name = Text(
            id=problems.text("name.id", data.name.id if data.name else None),
            en=problems.text("name.en", data.name.en if data.name else None),
        )
        short_name = problems.text("shortName", data.short_name)
        kind = data.kind or ""
        if data.kind is None:
            problems.add("kind", REQUIRED)
    problems.raise_any()
    return name, short_name, kind


async def add_agency(
    conn: asyncpg.Connection, *, region: str, data: AgencyCreate, actor: uuid.UUID | None, ip: str = ""
) -> tuple[AgencyAdmin, bool]:
    """Add an agency to the region's building; returns it and whether it is new (False: a retired one was
    reinstated). A national kind brings its national standards with it."""
    names = await _names(conn, region)
    name, short_name, kind = _check_new(data, names)
    async with conn.transaction():
        existing = await conn.fetchrow(
            "SELECT * FROM catalogue_agency WHERE region = $1 AND code = $2 FOR UPDATE", region, data.code
        )
        if existing is not None and existing["retired_at"] is None:
            raise CodeTakenError("That agency is already in the building.")
        if existing is not None:
            await conn.execute(
                """UPDATE catalogue_agency SET retired_at = NULL, revision = revision + 1, name_id = $2,
                          name_en = $3, short_name = $4 WHERE id = $1""",
                existing["id"],
                name.id if data.name else existing["name_id"],
                name.en if data.name else existing["name_en"],
                short_name if data.short_name else existing["short_name"],
            )
            row_id = existing["id"]
        else:
            row_id = await conn.fetchval(
                """INSERT INTO catalogue_agency (id, region, code, name_id, name_en, short_name, kind, revision)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, 1) ON CONFLICT (region, code) DO NOTHING RETURNING id""",
                agency_id(region, data.code),
                region,
                data.code,
                name.id,
                name.en,
                short_name,
                kind,
            )
            if row_id is None:  # added by someone else a moment ago
                raise CodeTakenError("That agency is already in the building.")
        national = data.code in national_kinds()
        inherited = await inherit_national(conn, region=region, agency_code=data.code) if national else 0
        await record(
            conn,
            action="agency.added" if existing is None else "agency.reinstated",
            actor=actor,
            subject=None,
            detail={"region": region, "agency": str(row_id), "code": data.code, "inherited": inherited},
            ip=ip,
        )
        return await read_agency(conn, row_id), existing is None


async def _recorded(
    conn: asyncpg.Connection, action: str, row: asyncpg.Record, *, actor: uuid.UUID | None, ip: str, **detail: Any
) -> AgencyAdmin:
    """The end of a change to an agency: its audit event, and the agency as it now is."""
    await record(
        conn,
        action=action,
        actor=actor,
        subject=None,
        detail={"region": row["region"], "agency": str(row["id"]), "code": row["code"], **detail},
        ip=ip,
    )
    return await read_agency(conn, row["id"])


async def _locked(conn: asyncpg.Connection, agency_id: uuid.UUID, scope: str | None) -> asyncpg.Record:
    return in_scope(
        await conn.fetchrow("SELECT * FROM catalogue_agency WHERE id = $1 FOR UPDATE", agency_id), scope, "agency"
    )


async def update_agency(
    conn: asyncpg.Connection,
    *,
    agency_id: uuid.UUID,
    scope: str | None,
    revision: int | None,
    data: AgencyUpdate,
    actor: uuid.UUID | None,
    ip: str = "",
) -> AgencyAdmin:
    """Rename an agency (its names, its short name); its services are re-indexed by the database's trigger."""
    async with conn.transaction():
        row = await _locked(conn, agency_id, scope)
        check_revision(row, revision)
        problems = Problems()
        name_id = problems.text("name.id", data.name.id) if data.name else row["name_id"]
        name_en = problems.text("name.en", data.name.en) if data.name else row["name_en"]
        short_name = problems.text("shortName", data.short_name) if data.short_name is not None else row["short_name"]
        if data.name is None and data.short_name is None:
            problems.add("name", REQUIRED)
        problems.raise_any()
        await conn.execute(
            "UPDATE catalogue_agency SET name_id = $2, name_en = $3, short_name = $4, revision = revision + 1 "
            "WHERE id = $1",
            agency_id,
            name_id,
            name_en,
            short_name,
        )
        changed = [
            field
            for field, before, after in (
                ("name.id", row["name_id"], name_id),
                ("name.en", row["name_en"], name_en),
                ("shortName", row["short_name"], short_name),
            )
            if before != after
        ]
        return await _recorded(conn, "agency.renamed", row, actor=actor, ip=ip, changed=changed)


async def retire_agency(
    conn: asyncpg.Connection,
    *,
    agency_id: uuid.UUID,
    scope: str | None,
    revision: int | None,
    actor: uuid.UUID | None,
    ip: str = "",
) -> AgencyAdmin:
    """The agency leaves the building; refused (409 ``in_use``) while it has active services, live counters or
    active staff. Its row stays (services and applications refer to it). Retiring a retired agency changes nothing.

    The agency row is locked first: a counter added at the same moment (which locks the row to share) waits, and
    is then refused because the agency is retired; or it went first, and is counted here.
    """
    async with conn.transaction():
        row = await _locked(conn, agency_id, scope)
        check_revision(row, revision)
        if row["retired_at"] is not None:
            return await read_agency(conn, agency_id)
        usage = agency(await conn.fetchrow(f"{AGENCIES_SQL} WHERE a.id = $1", agency_id))
        uses = [("services", usage.services), ("counters", usage.counters), ("staff", usage.staff)]
        if any(n for _, n in uses):
            raise InUseError(
                "The agency is still in use: " + ", ".join(f"{n} {what}" for what, n in uses if n) + ".",
                errors=[FieldError(field=what, message=f"{n} still active") for what, n in uses if n],
            )
        await conn.execute(
            "UPDATE catalogue_agency SET retired_at = now(), revision = revision + 1 WHERE id = $1", agency_id
        )
        return await _recorded(conn, "agency.retired", row, actor=actor, ip=ip)


async def reinstate_agency(
    conn: asyncpg.Connection,
    *,
    agency_id: uuid.UUID,
    scope: str | None,
    revision: int | None,
    actor: uuid.UUID | None,
    ip: str = "",
) -> AgencyAdmin:
    """A retired agency returns to the building (a national kind's standards published meanwhile come with it)."""
    async with conn.transaction():
        row = await _locked(conn, agency_id, scope)
        check_revision(row, revision)
        if row["retired_at"] is None:
            return await read_agency(conn, agency_id)
        await conn.execute(
            "UPDATE catalogue_agency SET retired_at = NULL, revision = revision + 1 WHERE id = $1", agency_id
        )
        inherited = 0
        if row["code"] in national_kinds():
            inherited = await inherit_national(conn, region=row["region"], agency_code=row["code"])
        return await _recorded(conn, "agency.reinstated", row, actor=actor, ip=ip, inherited=inherited)
