"""Reading standards as admins see them: the list, one standard, its versions and the changes between them."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg
import msgspec

from api.catalogue import schemas
from api.catalogue.datafiles import ServiceFile
from api.catalogue.standards.access import Admin
from api.catalogue.standards.content import NATIONAL, from_json, localise, region_names, region_of
from api.catalogue.standards.diff import diff
from api.catalogue.standards.errors import StandardNotFoundError
from api.lib.http import Lang, pick

State = Literal["active", "hidden", "retired", "all"]
_STATES = {
    "active": "s.active",
    "hidden": "s.hidden AND s.retired_at IS NULL",
    "retired": "s.retired_at IS NOT NULL",
    "all": "true",
}


def _like(q: str | None) -> str | None:
    """An ILIKE pattern for the words typed, with LIKE's own characters taken literally."""
    words = " ".join((q or "").split())
    if not words:
        return None
    return "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_REGION_LIST = """
    SELECT s.id, s.code, s.name_id, s.name_en, s.national, s.hidden, s.retired_at, s.version, s.updated_at,
           a.code AS agency_code, a.name_id AS agency_name_id, a.name_en AS agency_name_en,
           d.id AS draft_id, count(*) OVER () AS total
    FROM catalogue_service s
    JOIN catalogue_agency a ON a.id = s.agency
    LEFT JOIN catalogue_service_draft d ON d.region = s.region AND d.code = s.code
    WHERE s.region = $1 AND {state}
      AND ($2::text IS NULL OR s.name_id ILIKE $2 OR s.name_en ILIKE $2 OR s.code ILIKE $2)
    ORDER BY s.name_{lang}, s.code LIMIT $3 OFFSET $4"""
# The national standards: the current version of each, with the agency kind's short name.
_NATIONAL_LIST = """
    WITH current AS (
        SELECT DISTINCT ON (code) code, version, content, published_at FROM catalogue_service_version
        WHERE region IS NULL ORDER BY code, version DESC)
    SELECT c.code, c.version, c.published_at, c.content->'name'->>'id' AS name_id,
           c.content->'name'->>'en' AS name_en, c.content->>'agency' AS agency_code,
           (SELECT short_name FROM catalogue_agency WHERE code = c.content->>'agency' LIMIT 1) AS agency_short,
           d.id AS draft_id, count(*) OVER () AS total
    FROM current c
    LEFT JOIN catalogue_service_draft d ON d.region IS NULL AND d.code = c.code
    WHERE ($1::text IS NULL OR c.content->'name'->>'id' ILIKE $1 OR c.content->'name'->>'en' ILIKE $1
           OR c.code ILIKE $1)
    ORDER BY c.content->'name'->>'{lang}', c.code LIMIT $2 OFFSET $3"""


async def list_standards(
    conn: asyncpg.Connection,
    admin: Admin,
    *,
    scope: str,
    q: str | None,
    state: State,
    lang: Lang,
    page: int,
    page_size: int,
) -> schemas.StandardList:
    """The standards of a region (its own and those it inherits), or the national ones."""
    admin.read(scope)
    offset = (page - 1) * page_size
    if scope == NATIONAL:
        rows = (
            await conn.fetch(_NATIONAL_LIST.format(lang=lang), _like(q), page_size, offset)
            if state in ("active", "all")
            else []
        )
        items = [
            schemas.StandardSummary(
                scope=NATIONAL,
                code=r["code"],
                service_id=None,
                name=pick(lang, r["name_id"], r["name_en"]),
                agency=schemas.Ref(code=r["agency_code"], name=r["agency_short"] or r["agency_code"]),
                national=True,
                hidden=False,
                retired=False,
                version=r["version"],
                updated_at=r["published_at"],
                draft_id=r["draft_id"],
            )
            for r in rows
        ]
    else:
        sql = _REGION_LIST.format(state=_STATES[state], lang=lang)
        rows = await conn.fetch(sql, scope, _like(q), page_size, offset)
        items = [
            schemas.StandardSummary(
                scope=scope,
                code=r["code"],
                service_id=r["id"],
                name=pick(lang, r["name_id"], r["name_en"]),
                agency=schemas.Ref(code=r["agency_code"], name=pick(lang, r["agency_name_id"], r["agency_name_en"])),
                national=r["national"],
                hidden=r["hidden"],
                retired=r["retired_at"] is not None,
                version=r["version"],
                updated_at=r["updated_at"],
                # A region's inherited service is edited as the national standard, which is not the region's draft.
                draft_id=None if r["national"] else r["draft_id"],
            )
            for r in rows
        ]
    total = rows[0]["total"] if rows else 0
    return schemas.StandardList(items=items, total=total, page=page, page_size=page_size)


@dataclass(frozen=True)
class Resolved:
    """A standard found: its scope and code, the region's row (None for scope national), and where its versions
    are kept (the region, or None: a national standard's, which an inherited row follows too)."""

    scope: str
    code: str
    row: asyncpg.Record | None
    versions_region: str | None

    @property
    def region(self) -> str | None:
        return region_of(self.scope)


async def resolve(conn: asyncpg.Connection, admin: Admin, scope: str, code: str) -> Resolved:
    """The standard ``code`` of ``scope`` as this admin may read it (404 when it is not there or not theirs)."""
    admin.read(scope)
    if scope == NATIONAL:
        exists = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM catalogue_service_version WHERE region IS NULL AND code = $1)", code
        )
        if not exists:
            raise StandardNotFoundError("standard")
        return Resolved(scope=scope, code=code, row=None, versions_region=None)
    row = await conn.fetchrow("SELECT * FROM catalogue_service WHERE region = $1 AND code = $2", scope, code)
    if row is None:
        raise StandardNotFoundError("standard")
    return Resolved(scope=scope, code=code, row=row, versions_region=None if row["national"] else scope)


async def current_version(conn: asyncpg.Connection, region: str | None, code: str) -> int | None:
    version: int | None = await conn.fetchval(
        "SELECT max(version) FROM catalogue_service_version WHERE region IS NOT DISTINCT FROM $1 AND code = $2",
        region,
        code,
    )
    return version


async def version_content(conn: asyncpg.Connection, region: str | None, code: str, version: int) -> ServiceFile:
    raw = await conn.fetchval(
        """SELECT content FROM catalogue_service_version
           WHERE region IS NOT DISTINCT FROM $1 AND code = $2 AND version = $3""",
        region,
        code,
        version,
    )
    if raw is None:
        raise StandardNotFoundError("version")
    return from_json(raw)


async def _row_content(conn: asyncpg.Connection, row: asyncpg.Record) -> ServiceFile:
    """A row's content rebuilt from its columns: only for a service withdrawn before standards had versions."""
    agency = await conn.fetchval("SELECT code FROM catalogue_agency WHERE id = $1", row["agency"])
    requirements = await conn.fetch(
        "SELECT * FROM catalogue_service_requirement WHERE service = $1 ORDER BY position", row["id"]
    )

    def text(prefix: str) -> dict[str, str] | None:
        return {"id": row[f"{prefix}_id"], "en": row[f"{prefix}_en"]} if row[f"{prefix}_id"] else None

    raw: dict[str, Any] = {
        "code": row["code"],
        "agency": agency,
        "name": text("name"),
        "description": text("description"),
        "categories": list(row["categories"]),
        "channels": row["channels"],
        "fee": row["fee"],
        "slaDays": row["sla_days"],
        "legalBasis": list(row["legal_basis"]),
        "requirements": [
            {"type": q["document_type"], "optional": q["optional"], "note": text_of(q)} for q in requirements
        ],
        "procedure": json.loads(row["procedure"]),
        "form": json.loads(row["form"]),
        "feeNote": text("fee_note"),
        "keywords": list(row["keywords"]),
        "output": text("output"),
        "assurance": row["assurance"],
    }
    return msgspec.convert(raw, ServiceFile)


def text_of(requirement: asyncpg.Record) -> dict[str, str] | None:
    return (
        {"id": requirement["note_id"], "en": requirement["note_en"] or requirement["note_id"]}
        if requirement["note_id"]
        else None
    )


async def _draft_ref(conn: asyncpg.Connection, region: str | None, code: str) -> schemas.DraftRef | None:
    row = await conn.fetchrow(
        "SELECT id, revision FROM catalogue_service_draft WHERE region IS NOT DISTINCT FROM $1 AND code = $2",
        region,
        code,
    )
    return schemas.DraftRef(id=row["id"], revision=row["revision"]) if row else None


async def get_standard(conn: asyncpg.Connection, admin: Admin, *, scope: str, code: str) -> schemas.Standard:
    """One standard with the version in force (a region's inherited one with the region's names filled in), its
    overlay, its revision (the ETag) and its draft. ``applications`` is left 0 for the caller to fill in (the
    catalogue does not read the applications domain)."""
    found = await resolve(conn, admin, scope, code)
    row = found.row
    if row is None:
        version = await current_version(conn, None, code)
        assert version is not None  # resolve() found one
        return schemas.Standard(
            scope=scope,
            code=code,
            service_id=None,
            version=version,
            national=True,
            hidden=False,
            retired=False,
            local_note=None,
            revision=version,
            content=await version_content(conn, None, code, version),
            draft=await _draft_ref(conn, None, code),
            applications=0,
        )
    try:
        content = await version_content(conn, found.versions_region, code, row["version"])
    except StandardNotFoundError:
        content = await _row_content(conn, row)
    if row["national"]:
        content = localise(content, (await region_names(conn, [scope]))[scope])
    return schemas.Standard(
        scope=scope,
        code=code,
        service_id=row["id"],
        version=row["version"],
        national=row["national"],
        hidden=row["hidden"],
        retired=row["retired_at"] is not None,
        local_note=schemas.LocalNote(id=row["local_note_id"], en=row["local_note_en"] or row["local_note_id"])
        if row["local_note_id"]
        else None,
        revision=row["revision"],
        content=content,
        draft=None if row["national"] else await _draft_ref(conn, scope, code),
        applications=0,
    )


async def service_rows(conn: asyncpg.Connection, scope: str, code: str) -> list[uuid.UUID]:
    """The catalogue_service rows of a standard: a region's one, or every region's row of a national one."""
    if scope == NATIONAL:
        return [
            r["id"] for r in await conn.fetch("SELECT id FROM catalogue_service WHERE code = $1 AND national", code)
        ]
    return [
        r["id"]
        for r in await conn.fetch("SELECT id FROM catalogue_service WHERE region = $1 AND code = $2", scope, code)
    ]


_VERSIONS = """
    SELECT version, author_name, reason, published_at{content} FROM catalogue_service_version
    WHERE region IS NOT DISTINCT FROM $1 AND code = $2{one} ORDER BY version DESC"""


async def list_versions(conn: asyncpg.Connection, admin: Admin, *, scope: str, code: str) -> schemas.VersionList:
    """Every published version, newest first (an inherited service's are the national standard's)."""
    found = await resolve(conn, admin, scope, code)
    rows = await conn.fetch(_VERSIONS.format(content="", one=""), found.versions_region, code)
    items = [
        schemas.VersionSummary(
            version=r["version"], author_name=r["author_name"], reason=r["reason"], published_at=r["published_at"]
        )
        for r in rows
    ]
    return schemas.VersionList(items=items, total=len(items))


async def get_version(
    conn: asyncpg.Connection, admin: Admin, *, scope: str, code: str, version: int
) -> schemas.Version:
    found = await resolve(conn, admin, scope, code)
    row = await conn.fetchrow(
        _VERSIONS.format(content=", content", one=" AND version = $3"), found.versions_region, code, version
    )
    if row is None:
        raise StandardNotFoundError("version")
    return schemas.Version(
        version=row["version"],
        author_name=row["author_name"],
        reason=row["reason"],
        published_at=row["published_at"],
        content=from_json(row["content"]),
    )


async def diff_versions(
    conn: asyncpg.Connection, admin: Admin, *, scope: str, code: str, start: int | None, end: int | None
) -> schemas.Diff:
    """The changes from version ``start`` to version ``end`` (defaults: the one before the current, the current)."""
    found = await resolve(conn, admin, scope, code)
    current = await current_version(conn, found.versions_region, code) or 1
    end = end or current
    start = start if start is not None else end - 1
    before = (
        msgspec.to_builtins(await version_content(conn, found.versions_region, code, start)) if start >= 1 else None
    )
    after = msgspec.to_builtins(await version_content(conn, found.versions_region, code, end))
    return schemas.Diff(from_=start if start >= 1 else None, to=end, changes=diff(before, after))
