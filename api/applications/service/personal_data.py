"""The applications' part of a citizen's data rights (UU 27/2022): the export and the erasure.

An agency must archive the applications it decided and how (the record of a public service, kept under the
archives law, UU 43/2009); it needs no personal data for that. The erasure therefore keeps each submitted
application's row and its append-only timeline, and empties what says who the person is or what they wrote:
the answers, the person applied for, the NIKs the answers named, the idempotency key. A draft was never sent
to an agency: it goes entirely.
"""

from __future__ import annotations

import uuid

import asyncpg
import msgspec

from api.applications.service import queries
from api.applications.service.reading import detail
from api.applications.statuses import DRAFT


async def export_rows(conn: asyncpg.Connection, *, applicant: uuid.UUID) -> list[dict[str, object]]:
    """Every application the person made, as they see it (answers, documents, the timeline), oldest first."""
    rows = await conn.fetch(queries.SELECT_DETAIL + " WHERE a.applicant = $1 ORDER BY a.created_at", applicant)
    exported = []
    for row in rows:
        item = msgspec.to_builtins(detail(row, internal=False))
        item["forNik"] = row["subject_nik"]
        exported.append(item)
    return exported


async def erase(conn: asyncpg.Connection, *, applicant: uuid.UUID) -> dict[str, int]:
    """Delete the person's drafts and pseudonymise their other applications. Returns counts."""
    drafts: str = await conn.execute(
        "DELETE FROM applications_application WHERE applicant = $1 AND status = $2", applicant, DRAFT
    )
    kept: str = await conn.execute(
        """UPDATE applications_application
           SET answers = '{}'::jsonb, subject_nik = NULL, subject_name = '', named_niks = '{}',
               idempotency_key = NULL, request_hash = NULL, updated_at = now()
           WHERE applicant = $1""",
        applicant,
    )
    return {"draftsDeleted": int(drafts.split()[-1]), "applicationsPseudonymised": int(kept.split()[-1])}
