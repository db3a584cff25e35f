"""Drafts: a change to a standard being prepared (one per standard and scope), kept even with problems, previewed
as citizens would see it and compared with the version it changes, until it is published or discarded."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import msgspec

from api.catalogue import schemas
from api.catalogue.datafiles import ServiceFile, Slug
from api.catalogue.standards.access import Admin
from api.catalogue.standards.check import MAX_CONTENT_BYTES, check_content
from api.catalogue.standards.content import NATIONAL, region_of, scope_of, to_json
from api.catalogue.standards.diff import diff
from api.catalogue.standards.errors import (
    CodeTakenError,
    DraftExistsError,
    EditConflictError,
    InvalidStandardError,
    NationalServiceError,
    StandardNotFoundError,
)
from api.catalogue.standards.preview import detail, first_region_with
from api.catalogue.standards.reading import current_version, resolve, version_content
from api.lib.errors import FieldError
from api.lib.http import Lang, pick


def _problems(found: list[FieldError]) -> list[schemas.Problem]:
    return [schemas.Problem(field=p.field, detail=p.message, message=p.message) for p in found]


def _name(content: Any, code: str, lang: Lang) -> str:
    name = content.get("name") if isinstance(content, dict) else None
    if isinstance(name, dict) and isinstance(name.get("id"), str) and name["id"].strip():
        en = name.get("en")
        return pick(lang, name["id"], en if isinstance(en, str) else None)
    return code


async def _draft(conn: asyncpg.Connection, row: asyncpg.Record) -> schemas.Draft:
    content = json.loads(row["content"])
    scope = scope_of(row["region"])
    _, problems = await check_content(conn, scope=scope, raw=content)
    return schemas.Draft(
        id=row["id"],
        scope=scope,
        code=row["code"],
        base_version=row["base_version"],
        revision=row["revision"],
        content=content,
        author_name=row["author_name"],
        updated_at=row["updated_at"],
        problems=_problems(problems),
    )


def _size_problem(content: dict[str, Any]) -> None:
    if len(msgspec.json.encode(content)) > MAX_CONTENT_BYTES:
        raise InvalidStandardError(
            [FieldError(field="content", message=f"is larger than {MAX_CONTENT_BYTES // 1024} KiB")]
        )


def _code_of(content: dict[str, Any]) -> str:
    """A new service's code, from its content (it keys the draft, so it must be a valid code even in a draft)."""
    try:
        code: str = msgspec.convert(content.get("code"), Slug)
    except msgspec.ValidationError:
        raise InvalidStandardError(
            [FieldError(field="code", message="is required: lower-case letters, digits and hyphens")]
        ) from None
    return code


async def code_taken(conn: asyncpg.Connection, scope: str, code: str) -> bool:
    """Whether ``code`` is used in ``scope`` already: a region's service (of any state) or version there, a national
    standard (every region may inherit it) — or, for a new national standard, any region's own service."""
    region = region_of(scope)
    taken: bool = await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM catalogue_service_version WHERE code = $2 AND (region IS NULL OR region = $1))
               OR EXISTS (SELECT 1 FROM catalogue_service WHERE code = $2 AND ($1::text IS NULL OR region = $1))""",
        region,
        code,
    )
    return taken


async def _audit(conn: asyncpg.Connection, admin: Admin, action: str, row: asyncpg.Record, **detail: Any) -> None:
    await admin.audit(conn, action, scope=scope_of(row["region"]), code=row["code"], draft=str(row["id"]), **detail)


_INSERT = """
    INSERT INTO catalogue_service_draft (id, region, code, base_version, content, revision, author, author_name,
                                         created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5::jsonb, 1, $6, $7, now(), now())
    ON CONFLICT ON CONSTRAINT catalogue_service_draft_key DO NOTHING
    RETURNING *"""


async def create_draft(conn: asyncpg.Connection, admin: Admin, data: schemas.DraftCreate) -> schemas.Draft:
    """A draft copying a standard's version in force (``code``), or of a new service (``content``)."""
    admin.write(data.scope)
    region = region_of(data.scope)
    if (data.code is None) == (data.content is None):
        raise InvalidStandardError(
            [FieldError(field="content", message="send either code (to change a standard) or content (a new one)")]
        )
    async with conn.transaction():
        if data.content is not None:
            _size_problem(data.content)
            code, base, content = _code_of(data.content), None, json.dumps(data.content)
            if await code_taken(conn, data.scope, code):
                raise CodeTakenError()
            existing = await _existing(conn, region, code)
        else:
            assert data.code is not None
            found = await resolve(conn, admin, data.scope, data.code)
            if found.row is not None and found.row["national"]:
                raise NationalServiceError()
            code = data.code
            base = await current_version(conn, region, code)
            if base is None:
                raise StandardNotFoundError("standard")
            content = to_json(await version_content(conn, region, code, base))
            existing = await _existing(conn, region, code)
        if existing is not None:
            raise DraftExistsError(existing)
        row = await conn.fetchrow(_INSERT, uuid.uuid4(), region, code, base, content, admin.id, admin.name[:120])
        if row is None:  # created by another admin a moment ago
            raise DraftExistsError(await _existing(conn, region, code) or uuid.UUID(int=0))
        await _audit(conn, admin, "standard.draft_created", row, base_version=base)
    return await _draft(conn, row)


async def _existing(conn: asyncpg.Connection, region: str | None, code: str) -> uuid.UUID | None:
    draft: uuid.UUID | None = await conn.fetchval(
        "SELECT id FROM catalogue_service_draft WHERE region IS NOT DISTINCT FROM $1 AND code = $2", region, code
    )
    return draft


async def lock_draft(
    conn: asyncpg.Connection, admin: Admin, draft_id: uuid.UUID, revision: int | None, *, lock: bool = True
) -> asyncpg.Record:
    """The draft, locked until the transaction ends; 404 if it is not this admin's to see, 412 if it changed since
    ``revision`` (None: the caller named none, ``If-Match: *``)."""
    row = await conn.fetchrow(
        "SELECT * FROM catalogue_service_draft WHERE id = $1" + (" FOR UPDATE" if lock else ""),  # noqa: S608
        draft_id,
    )
    if row is None or not admin.sees_region(row["region"]):
        raise StandardNotFoundError("draft")
    if revision is not None and row["revision"] != revision:
        raise EditConflictError()
    return row


async def get_draft(conn: asyncpg.Connection, admin: Admin, draft_id: uuid.UUID) -> schemas.Draft:
    """A draft with the problems that would block publishing it now."""
    return await _draft(conn, await lock_draft(conn, admin, draft_id, None, lock=False))


async def list_drafts(conn: asyncpg.Connection, admin: Admin, *, scope: str | None, lang: Lang) -> schemas.DraftList:
    """The drafts of a scope (a national admin naming none: every draft)."""
    scope = admin.default_scope(scope)
    if scope is not None:
        admin.write(scope)  # a region admin sees no national drafts: they are national admins' work
    rows = await conn.fetch(
        """SELECT * FROM catalogue_service_draft
           WHERE $1::boolean OR region IS NOT DISTINCT FROM $2 ORDER BY updated_at DESC""",
        scope is None,
        region_of(scope) if scope else None,
    )
    items = [
        schemas.DraftSummary(
            id=r["id"],
            scope=scope_of(r["region"]),
            code=r["code"],
            name=_name(json.loads(r["content"]), r["code"], lang),
            base_version=r["base_version"],
            revision=r["revision"],
            author_name=r["author_name"],
            updated_at=r["updated_at"],
        )
        for r in rows
    ]
    return schemas.DraftList(items=items, total=len(items))


async def save_draft(
    conn: asyncpg.Connection, admin: Admin, draft_id: uuid.UUID, *, revision: int | None, content: dict[str, Any]
) -> schemas.Draft:
    """Keep the admin's work (problems and all); a published standard's code cannot change, a new one's may."""
    _size_problem(content)
    async with conn.transaction():
        row = await lock_draft(conn, admin, draft_id, revision)
        admin.write(scope_of(row["region"]))
        code = row["code"]
        if row["base_version"] is not None:
            if content.get("code") != code:
                raise InvalidStandardError(
                    [FieldError(field="code", message=f"a published standard keeps its code ({code})")]
                )
        elif (wanted := _code_of(content)) != code:
            if await code_taken(conn, scope_of(row["region"]), wanted) or await _existing(conn, row["region"], wanted):
                raise CodeTakenError()
            code = wanted
        row = await conn.fetchrow(
            """UPDATE catalogue_service_draft SET content = $2::jsonb, code = $3, revision = revision + 1,
                      author = $4, author_name = $5, updated_at = now()
               WHERE id = $1 RETURNING *""",
            draft_id,
            json.dumps(content),
            code,
            admin.id,
            admin.name[:120],
        )
        await _audit(conn, admin, "standard.draft_saved", row, revision=row["revision"])
    return await _draft(conn, row)


async def delete_draft(conn: asyncpg.Connection, admin: Admin, draft_id: uuid.UUID, *, revision: int | None) -> None:
    async with conn.transaction():
        row = await lock_draft(conn, admin, draft_id, revision)
        admin.write(scope_of(row["region"]))
        await conn.execute("DELETE FROM catalogue_service_draft WHERE id = $1", draft_id)
        await _audit(conn, admin, "standard.draft_discarded", row)


async def preview_draft(
    conn: asyncpg.Connection, admin: Admin, draft_id: uuid.UUID, *, region: str | None, lang: Lang
) -> schemas.ServiceDetail:
    """The draft as a citizen of ``region`` would see it (a national draft: by default in the first region whose MPP
    has the agency); 422 with its problems when a citizen could not see it at all."""
    row = await lock_draft(conn, admin, draft_id, None, lock=False)
    scope = scope_of(row["region"])
    content, problems = await check_content(conn, scope=scope, raw=json.loads(row["content"]))
    if content is None:
        raise InvalidStandardError(problems, "The draft has problems, so a citizen could not see it yet.")
    if scope != NATIONAL:
        if region not in (None, scope):
            raise StandardNotFoundError("region for this draft")
        region = scope
    region = region or await first_region_with(conn, content.agency)
    if region is None:
        raise StandardNotFoundError("region whose MPP has this agency")
    existing = await conn.fetchrow(
        "SELECT id, local_note_id, local_note_en FROM catalogue_service WHERE region = $1 AND code = $2",
        region,
        content.code,
    )
    note = (
        schemas.LocalNote(id=existing["local_note_id"], en=existing["local_note_en"] or existing["local_note_id"])
        if existing and existing["local_note_id"]
        else None
    )
    return await detail(
        conn, content, region=region, lang=lang, service=existing["id"] if existing else None, local_note=note
    )


async def diff_draft(conn: asyncpg.Connection, admin: Admin, draft_id: uuid.UUID) -> schemas.Diff:
    """The draft's changes against the version it started from (a new service: every field, from null)."""
    row = await lock_draft(conn, admin, draft_id, None, lock=False)
    base = row["base_version"]
    before = (
        msgspec.to_builtins(await version_content(conn, row["region"], row["code"], base)) if base is not None else None
    )
    return schemas.Diff(from_=base, to=None, changes=diff(before, _normalised(json.loads(row["content"]))))


def _normalised(raw: Any) -> Any:
    """The content as a version stores it (defaults written out or left out alike), so that a draft that spells
    ``"required": true`` or leaves out ``"optional": false`` shows no change there; as saved if it does not decode."""
    try:
        return msgspec.to_builtins(msgspec.convert(raw, ServiceFile))
    except msgspec.ValidationError:
        return raw
