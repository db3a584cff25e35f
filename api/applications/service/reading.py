"""Reading applications: the wire types built from rows, the citizen's reads, and the kiosk's status look-up."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import asyncpg

from api.accounts.service import people
from api.applications import schemas
from api.applications.service import queries
from api.applications.service.errors import ApplicationNotFoundError
from api.applications.service.rules import deadline, local_today
from api.applications.statuses import DRAFT, INTERNAL_ACTIONS, NEEDS_CORRECTION
from api.lib.language import current_language, pick


def summary(row: asyncpg.Record) -> schemas.ApplicationSummary:
    """An application read with ``queries.SELECT_SUMMARY`` (or ``SELECT_DETAIL``); catalogue names in the
    request's language (api.lib.language), as the catalogue itself answers."""
    lang = current_language()
    due = deadline(row, local_today(row["region"]))
    return schemas.ApplicationSummary(
        id=row["id"],
        status=row["status"],
        service=schemas.Ref(code=row["service_code"], name=pick(lang, row["service_name"], row["service_name_en"])),
        agency=schemas.Ref(code=row["agency_code"], name=pick(lang, row["agency_name"], row["agency_name_en"])),
        region=schemas.Ref(code=row["region"], name=pick(lang, row["region_name"], row["region_name_en"])),
        deadline=due,
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        due_date=due.due_date,
        number=row["number"],
        subject_name=row["subject_name"] or None,
        submitted_at=row["submitted_at"],
        assigned_to=row["assigned_to"],
        assignee=row["assignee_name"] or None,
        flagged=row["flagged"],
    )


def detail(row: asyncpg.Record, *, internal: bool = True) -> schemas.ApplicationDetail:
    """An application read with ``queries.SELECT_DETAIL``; without ``internal`` (the citizen's view) the
    timeline leaves out the agency's own steps (``INTERNAL_ACTIONS``)."""
    base = summary(row)
    lang = current_language()
    now = dt.datetime.now(dt.UTC)
    return schemas.ApplicationDetail(
        **{f: getattr(base, f) for f in base.__struct_fields__},
        answers=json.loads(row["answers"]),
        documents=[
            schemas.AttachedDocument(
                id=doc_id,
                requirement=requirement,
                type=schemas.Ref(code=doc_type, name=pick(lang, type_name, type_name_en)),
                status="expired" if valid_until is not None and valid_until < now else status,
                media_type=media_type,
            )
            for doc_id, requirement, doc_type, type_name, type_name_en, status, media_type, valid_until in row[
                "document_rows"
            ]
        ],
        timeline=[
            schemas.TimelineEntry(
                at=at,
                to_status=to_status,
                action=action,
                actor_role=actor_role,
                from_status=from_status,
                reason=reason,
                actor=actor_name if actor_role != "citizen" else None,
            )
            for at, to_status, action, actor_role, from_status, reason, actor_name in row["timeline_rows"]
            if internal or action not in INTERNAL_ACTIONS
        ],
        correction_reason=row["correction_reason"],
        decision_reason=row["decision_reason"],
        result_document=row["result_document"],
        action_needed=row["correction_reason"] if row["status"] == NEEDS_CORRECTION else None,
        # How sure we are of who applied (officers only: the citizen sees their own level on GET /me).
        applicant_assurance=row["applicant_assurance"] if internal else None,
        service_id=row["service"],
        service_version=row["service_version"],
    )


async def read_detail(conn: asyncpg.Connection, application_id: uuid.UUID) -> schemas.ApplicationDetail:
    """Any application in full; callers have checked that this caller may see it."""
    row = await conn.fetchrow(queries.SELECT_DETAIL + " WHERE a.id = $1", application_id)
    if row is None:
        raise ApplicationNotFoundError
    return detail(row)


async def get_for_citizen(
    conn: asyncpg.Connection, *, applicant: uuid.UUID, application_id: uuid.UUID
) -> schemas.ApplicationDetail:
    row = await conn.fetchrow(
        queries.SELECT_DETAIL + " WHERE a.id = $1 AND a.applicant = $2", application_id, applicant
    )
    if row is None:
        raise ApplicationNotFoundError
    return detail(row, internal=False)


async def list_for_citizen(
    conn: asyncpg.Connection, *, applicant: uuid.UUID, page: int, page_size: int
) -> schemas.ApplicationList:
    rows = await conn.fetch(
        queries.SELECT_SUMMARY + " WHERE a.applicant = $1 ORDER BY a.created_at DESC LIMIT $2 OFFSET $3",
        applicant,
        page_size,
        (page - 1) * page_size,
    )
    total = await conn.fetchval("SELECT count(*) FROM applications_application WHERE applicant = $1", applicant)
    return schemas.ApplicationList(items=[summary(r) for r in rows], total=total, page=page, page_size=page_size)


# --- reads for the kiosk status look-up (api/kiosk): the number's owner, then the bare status -------------


async def owner_by_number(conn: asyncpg.Connection, number: str) -> dict[str, Any] | None:
    """The submitted application with this number (``id``) and its applicant's ``phone`` and ``language`` (to send
    the look-up code to, in the language the applicant chose); None unless the applicant's account is active."""
    row = await conn.fetchrow(
        f"SELECT id, applicant FROM applications_application WHERE number = $1 AND status <> '{DRAFT}'", number
    )
    if row is None:
        return None
    person = (await people(conn, [row["applicant"]])).get(row["applicant"])
    if person is None or not person.active:
        return None
    return {"id": row["id"], "phone": person.phone, "language": person.language}


async def status_row(conn: asyncpg.Connection, application_id: uuid.UUID) -> asyncpg.Record | None:
    """What a kiosk may show once the citizen confirmed: status, deadline (or when it was closed), service and
    agency — nothing personal beyond the applicant's id, which the caller needs for the access log.
    ``status_since`` is when the application reached its current status (for a completed one: when it was
    completed), from the timeline rather than ``updated_at``, which any later change would move."""
    row: asyncpg.Record | None = await conn.fetchrow(
        """SELECT a.id, a.number, a.status, a.region, a.due_date, a.paused_since, a.correction_reason,
                  a.updated_at, a.applicant, s.name_id, s.name_en, g.name_id AS agency_id, g.name_en AS agency_en,
                  (SELECT max(e.at) FROM applications_event e
                   WHERE e.application = a.id AND e.to_status = a.status) AS status_since
           FROM applications_application a
           JOIN catalogue_service s ON s.id = a.service
           JOIN catalogue_agency g ON g.id = a.agency
           WHERE a.id = $1""",
        application_id,
    )
    return row


async def count_for_services(conn: asyncpg.Connection, services: list[uuid.UUID]) -> int:
    """How many applications (drafts included) refer to these services: a standard they refer to is never deleted,
    and its admin sees how many there are."""
    count: int = await conn.fetchval(
        "SELECT count(*) FROM applications_application WHERE service = ANY($1::uuid[])", services
    )
    return count
