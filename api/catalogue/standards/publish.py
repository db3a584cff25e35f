"""Publishing: a new append-only version of a standard, and the rows citizens see, in one transaction.

``publish_content`` is the one way a version is made (the editor's drafts and the YAML import both call it, in
their own transaction). Writing ``catalogue_service`` fires its statement triggers, which bump
``catalogue_version`` and NOTIFY ``catalogue_changed`` at commit: every API process then reloads its search
vocabulary and starts a fresh answer cache (``CatalogueRuntime``), so search finds the change within seconds.
"""

from __future__ import annotations

import json
import uuid

import asyncpg
import msgspec

from api.catalogue import schemas
from api.catalogue.datafiles import ServiceFile
from api.catalogue.standards.access import Admin
from api.catalogue.standards.check import check_content
from api.catalogue.standards.content import region_of, scope_of, to_json
from api.catalogue.standards.drafts import lock_draft
from api.catalogue.standards.errors import (
    CodeTakenError,
    InvalidStandardError,
    NationalServiceError,
    StaleDraftError,
)
from api.catalogue.standards.materialise import Placement, national_placements, write_rows
from api.catalogue.standards.reading import current_version
from api.lib.errors import FieldError


async def lock_standard(conn: asyncpg.Connection, scope: str, code: str) -> None:
    """Serialise every publish of one standard until the transaction ends (two publishes never both make version
    N; the unique key would refuse the second, but as an error rather than a clear answer)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"standard/{scope}/{code}")


def clean_reason(reason: str) -> str:
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise InvalidStandardError([FieldError(field="reason", message="say why (1-500 characters)")])
    return cleaned[:500]


async def publish_content(
    conn: asyncpg.Connection,
    *,
    scope: str,
    content: ServiceFile,
    author: uuid.UUID | None,
    author_name: str,
    reason: str,
) -> int:
    """Publish ``content`` as the next version of standard ``content.code`` in ``scope`` (a region's BPS code or
    ``national``), inside the caller's transaction; returns the version number.

    Checks the content as an editor's publish does (422 ``invalid_standard`` with every problem); a region cannot
    publish a code that is a national standard's (409 ``code_taken``) or rewrite an inherited one (409
    ``national_service``). A region's version lands in its row; a national one in the row of every region whose
    MPP has the agency, each region's overlay (hidden, note) and lifecycle kept.
    """
    # Long on purpose: check, lock, number, insert the version and materialise it are one transaction in the caller's,
    # whose order is the rule.
    assert conn.is_in_transaction(), "publish_content runs in the caller's transaction"
    reason = clean_reason(reason)
    checked, problems = await check_content(conn, scope=scope, raw=msgspec.to_builtins(content))
    if checked is None:
        raise InvalidStandardError(problems)
    region = region_of(scope)
    code = content.code
    await lock_standard(conn, scope, code)
    if region is not None:
        national = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM catalogue_service_version WHERE region IS NULL AND code = $1)", code
        )
        if national:
            row_national = await conn.fetchval(
                "SELECT national FROM catalogue_service WHERE region = $1 AND code = $2", region, code
            )
            raise NationalServiceError() if row_national else CodeTakenError()
        agency = await conn.fetchval(
            "SELECT id FROM catalogue_agency WHERE region = $1 AND code = $2 AND retired_at IS NULL",
            region,
            content.agency,
        )
        placements = [Placement(region=region, agency=agency)]
    else:
        local = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM catalogue_service WHERE code = $1 AND NOT national)", code
        )
        if local:
            raise CodeTakenError()
        placements = await national_placements(conn, content.agency)
    version = (await current_version(conn, region, code) or 0) + 1
    await conn.execute(
        """INSERT INTO catalogue_service_version (id, region, code, version, content, author, author_name, reason,
                                                  published_at)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, now())""",
        uuid.uuid4(),
        region,
        code,
        version,
        to_json(content),
        author,
        author_name[:120],
        reason,
    )
    await write_rows(conn, content, placements, version=version, national=region is None)
    return version


async def publish_draft(
    conn: asyncpg.Connection, admin: Admin, draft_id: uuid.UUID, *, revision: int | None, reason: str
) -> schemas.Published:
    """Publish a draft as the next version, delete the draft and audit it, all in one transaction."""
    async with conn.transaction():
        row = await lock_draft(conn, admin, draft_id, revision)
        scope, code = scope_of(row["region"]), row["code"]
        admin.write(scope)
        content, problems = await check_content(conn, scope=scope, raw=json.loads(row["content"]))
        if content is None:
            raise InvalidStandardError(problems)
        await lock_standard(conn, scope, code)
        current = await current_version(conn, row["region"], code)
        if row["base_version"] is None and current is not None:
            raise CodeTakenError()  # another admin published a service with this code meanwhile
        if current != row["base_version"]:
            raise StaleDraftError()
        version = await publish_content(
            conn, scope=scope, content=content, author=admin.id, author_name=admin.name, reason=reason
        )
        await conn.execute("DELETE FROM catalogue_service_draft WHERE id = $1", draft_id)
        await admin.audit(
            conn, "standard.published", scope=scope, code=code, version=version, reason=clean_reason(reason)
        )
        service: uuid.UUID | None = (
            await conn.fetchval("SELECT id FROM catalogue_service WHERE region = $1 AND code = $2", scope, code)
            if row["region"] is not None
            else None
        )
    return schemas.Published(scope=scope, code=code, version=version, service_id=service)
