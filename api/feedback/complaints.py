"""Complaints (pengaduan), the citizen's side: the categories, filing one about an application, a ticket or a service
(optionally about the officer, optionally hiding who complains from the agency), reading mine, and confirming,
disputing or withdrawing one. Also the one function every change of status goes through (``change_status``), which
the staff's casework, the worker and the erasure use too.

Filing is one transaction: the number from the region's and year's sequence row (locked by the upsert until the
commit), the complaint, its ``filed`` event, the citizen's notification and the SP4N-LAPOR! hand-off.

Feedback is called by applications and queue, so it never imports them (nor accounts and wallet, which sit above
it through the erasure): what it needs of their rows (an application's owner and officer, a ticket's holder, a
wallet document's owner and title, names) it reads in the statements below, each named for what it reads.
"""

# ruff: noqa: S608  (statements of ours; every value is a parameter)
from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

import asyncpg
import msgspec

from api.calendar.service import ensure_loaded
from api.catalogue.timezones import local_today
from api.feedback import complaint_rules as rules
from api.feedback.complaint_errors import (
    ComplaintIdempotencyKeyReusedError,
    ComplaintNotFoundError,
    ComplaintSubjectMissingError,
    InvalidComplaintError,
)
from api.feedback.complaint_schemas import (
    Attachment,
    Category,
    CategoryList,
    ComplaintCreate,
    ComplaintCreated,
    ComplaintDetail,
    ComplaintItem,
    ComplaintList,
    Event,
    Names,
)
from api.feedback.lapor import enqueue_forward
from api.lib.errors import FieldError
from api.lib.language import Lang, pick
from api.outbox.service import enqueue

TOPIC = "complaint.status_changed"
CITIZEN = "citizen"

# --- reading ----------------------------------------------------------------------------------------------------

# One complaint or many, with the names a screen shows. Reads catalogue_agency and catalogue_service (names),
# applications_application (the number staff see) and wallet_document (the attachment's title, while it exists).
SELECT = """
SELECT c.*, g.code AS agency_code, g.name_id AS agency_name_id, g.name_en AS agency_name_en,
       s.name_id AS service_name_id, s.name_en AS service_name_en, ap.number AS application_number,
       d.title AS attachment_title, d.media_type AS attachment_type
FROM feedback_complaint c
JOIN catalogue_agency g ON g.id = c.agency
LEFT JOIN catalogue_service s ON s.id = c.service
LEFT JOIN applications_application ap ON ap.id = c.application
LEFT JOIN wallet_document d ON d.id = c.attachment AND d.deleted_at IS NULL
"""


def item_fields(row: asyncpg.Record, lang: Lang, today: dt.date) -> dict[str, Any]:
    """The fields every view of a complaint shares."""
    return {
        "id": row["id"],
        "number": row["number"],
        "status": row["status"],
        "category": row["category"],
        "due_date": row["due_date"],
        "created_at": row["created_at"],
        "agency_name": pick(lang, row["agency_name_id"], row["agency_name_en"]),
        "service_name": pick(lang, row["service_name_id"], row["service_name_en"]) if row["service_name_id"] else None,
        "overdue": rules.overdue(row["status"], row["due_date"], today),
    }


def detail_fields(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "text": row["text"],
        "anonymous": row["anonymous"],
        "about_officer": row["officer"] is not None,
        "answer": row["answer"],
        "answered_at": row["answered_at"],
        "confirm_by": row["confirm_by"],
        "close_reason": row["close_reason"],
    }


async def events(conn: asyncpg.Connection, complaint: uuid.UUID) -> list[Event]:
    rows = await conn.fetch(
        "SELECT at, action, actor_role, text FROM feedback_complaint_event WHERE complaint = $1 ORDER BY at, id",
        complaint,
    )
    return [Event(at=r["at"], action=r["action"], actor_role=r["actor_role"], text=r["text"]) for r in rows]


async def list_categories(conn: asyncpg.Connection) -> CategoryList:
    rows = await conn.fetch(
        "SELECT code, name_id, name_en, response_days FROM feedback_complaint_category ORDER BY position"
    )
    return CategoryList(
        items=[
            Category(code=r["code"], name=Names(id=r["name_id"], en=r["name_en"]), response_days=r["response_days"])
            for r in rows
        ]
    )


async def list_mine(conn: asyncpg.Connection, *, account: uuid.UUID, now: dt.datetime, lang: Lang) -> ComplaintList:
    rows = await conn.fetch(SELECT + " WHERE c.account = $1 ORDER BY c.created_at DESC LIMIT 500", account)
    return ComplaintList(items=[ComplaintItem(**item_fields(r, lang, local_today(r["region"], now))) for r in rows])


async def get_mine(
    conn: asyncpg.Connection, *, account: uuid.UUID, complaint_id: uuid.UUID, now: dt.datetime, lang: Lang
) -> ComplaintDetail:
    row = await conn.fetchrow(SELECT + " WHERE c.id = $1 AND c.account = $2", complaint_id, account)
    if row is None:
        raise ComplaintNotFoundError("complaint")
    attachment = (
        Attachment(id=row["attachment"], title=row["attachment_title"]) if row["attachment_title"] is not None else None
    )
    return ComplaintDetail(
        **item_fields(row, lang, local_today(row["region"], now)),
        **detail_fields(row),
        events=await events(conn, row["id"]),
        attachment=attachment,
    )


# --- every change of status ---------------------------------------------------------------------------------------

_EVENT = """
INSERT INTO feedback_complaint_event (complaint, at, actor, actor_role, from_status, to_status, action, text, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
"""


async def add_event(
    conn: asyncpg.Connection,
    complaint: uuid.UUID,
    *,
    at: dt.datetime,
    actor: uuid.UUID | None,
    role: str,
    from_status: str | None,
    to_status: str,
    action: str,
    text: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        _EVENT, complaint, at, actor, role, from_status, to_status, action, text, json.dumps(detail or {})
    )


async def notify(conn: asyncpg.Connection, row: asyncpg.Record | dict[str, Any], status: str) -> None:
    """Tell the complainant (push and in-app) of a new status. Lock screens are public: number and status only."""
    if row["account"] is None:
        return
    payload = {"complaint": str(row["id"]), "number": row["number"], "status": status}
    await enqueue(conn, topic=TOPIC, recipient=row["account"], subject=row["id"], payload=payload)


async def lock(conn: asyncpg.Connection, complaint_id: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT * FROM feedback_complaint WHERE id = $1 FOR UPDATE", complaint_id
    )
    return row


async def change_status(
    conn: asyncpg.Connection,
    row: asyncpg.Record,
    *,
    action: rules.Action,
    event: str,
    actor: uuid.UUID | None,
    role: str,
    now: dt.datetime,
    text: str | None = None,
    tell: bool = True,
    **columns: Any,
) -> str:
    """Move a locked complaint (inside the caller's transaction): the row with ``columns``, a new version, its
    event and the complainant's notification. 409 when the move is not legal from its status. The new status."""
    target = rules.allowed(row["status"], action)
    values = {**columns, "status": target, "updated_at": now}
    names = list(values)
    assignments = ", ".join(f"{name} = ${i + 2}" for i, name in enumerate(names))
    await conn.execute(
        f"UPDATE feedback_complaint SET {assignments}, version = version + 1 WHERE id = $1",
        row["id"],
        *values.values(),
    )
    # A moved due date keeps the one it replaces in the event: the figures judge an answer against the due date in
    # force when it was given (api/stats), and the complaint row keeps only the latest.
    moved = {"previousDueDate": row["due_date"].isoformat()} if "due_date" in columns else None
    await add_event(
        conn, row["id"], at=now, actor=actor, role=role, from_status=row["status"], to_status=target, action=event,
        text=text, detail=moved,
    )  # fmt: skip
    if tell and target != row["status"]:
        await notify(conn, row, target)
    return target


# --- the citizen's actions ----------------------------------------------------------------------------------------


async def _lock_mine(conn: asyncpg.Connection, account: uuid.UUID, complaint_id: uuid.UUID) -> asyncpg.Record:
    row = await lock(conn, complaint_id)
    if row is None or row["account"] != account:
        raise ComplaintNotFoundError("complaint")
    return row


async def confirm(
    conn: asyncpg.Connection, *, account: uuid.UUID, complaint_id: uuid.UUID, now: dt.datetime, lang: Lang
) -> ComplaintDetail:
    """The answer settles it: closed, confirmed."""
    async with conn.transaction():
        row = await _lock_mine(conn, account, complaint_id)
        await change_status(
            conn, row, action="confirm", event="confirmed", actor=account, role=CITIZEN, now=now,
            closed_at=now, close_reason="confirmed", confirm_by=None,
        )  # fmt: skip
    return await get_mine(conn, account=account, complaint_id=complaint_id, now=now, lang=lang)


async def dispute(
    conn: asyncpg.Connection, *, account: uuid.UUID, complaint_id: uuid.UUID, text: str, now: dt.datetime, lang: Lang
) -> ComplaintDetail:
    """The answer does not settle it: escalated to the region, which must answer within the category's days again."""
    reason = rules.clean_text(text, "text")
    await ensure_loaded(conn)
    async with conn.transaction():
        row = await _lock_mine(conn, account, complaint_id)
        days = await conn.fetchval(
            "SELECT response_days FROM feedback_complaint_category WHERE code = $1", row["category"]
        )
        await change_status(
            conn, row, action="dispute", event="disputed", actor=account, role=CITIZEN, now=now, text=reason,
            escalated_at=now, confirm_by=None, due_date=rules.due_date(row["region"], now, days),
        )  # fmt: skip
    return await get_mine(conn, account=account, complaint_id=complaint_id, now=now, lang=lang)


async def withdraw(
    conn: asyncpg.Connection, *, account: uuid.UUID, complaint_id: uuid.UUID, now: dt.datetime, lang: Lang
) -> ComplaintDetail:
    async with conn.transaction():
        row = await _lock_mine(conn, account, complaint_id)
        await change_status(
            conn, row, action="withdraw", event="withdrawn", actor=account, role=CITIZEN, now=now,
            closed_at=now, close_reason="withdrawn", confirm_by=None,
        )  # fmt: skip
    return await get_mine(conn, account=account, complaint_id=complaint_id, now=now, lang=lang)


# --- filing -------------------------------------------------------------------------------------------------------

# The caller's own application, past its draft; its officer is the one assigned, else the last who decided on it.
_APPLICATION = """
SELECT a.id, a.region, a.agency, a.service,
       coalesce(a.assigned_to, (SELECT e.actor FROM applications_event e
                                WHERE e.application = a.id AND e.actor_role IN ('officer', 'supervisor')
                                  AND e.actor IS NOT NULL
                                ORDER BY e.at DESC, e.id DESC LIMIT 1)) AS officer
FROM applications_application a WHERE a.id = $1 AND a.applicant = $2 AND a.status <> 'draft'
"""
# The caller's own queue ticket: theirs directly, or through their booking.
_TICKET = """
SELECT t.id, t.region, t.agency, t.service, t.officer
FROM queue_ticket t LEFT JOIN queue_booking b ON b.id = t.booking
WHERE t.id = $1 AND (t.account = $2 OR b.account = $2)
"""
_SERVICE = "SELECT id, region, agency, code, national FROM catalogue_service WHERE id = $1"
# A national standard is materialised into every region: the same code's row there is that region's service.
_SERVICE_THERE = "SELECT id, region, agency FROM catalogue_service WHERE code = $1 AND region = $2 AND national"
_DOCUMENT = "SELECT id FROM wallet_document WHERE id = $1 AND owner = $2 AND deleted_at IS NULL"
_REPLAY = """
SELECT c.id, c.number, c.status, c.due_date, e.detail->>'requestHash' AS request_hash
FROM feedback_complaint c
JOIN feedback_complaint_event e ON e.complaint = c.id AND e.action = 'filed'
WHERE c.account = $1 AND c.idempotency_key = $2
"""
# The region's and year's last number, taken and locked until the filing commits (two filings at once wait).
_NEXT_NUMBER = """
INSERT INTO feedback_complaint_sequence (id, region, year, seq) VALUES ($1, $2, $3, 1)
ON CONFLICT ON CONSTRAINT feedback_complaint_sequence_key
    DO UPDATE SET seq = feedback_complaint_sequence.seq + 1
RETURNING seq
"""
_INSERT = """
INSERT INTO feedback_complaint (id, number, account, region, agency, service, application, ticket, officer, category,
    text, anonymous, attachment, status, due_date, idempotency_key, version, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'submitted', $14, $15, 1, $16, $16)
"""


def _request_hash(data: ComplaintCreate) -> str:
    return hashlib.sha256(msgspec.json.encode(data, order="sorted")).hexdigest()


async def _subject(conn: asyncpg.Connection, account: uuid.UUID, data: ComplaintCreate) -> dict[str, Any]:
    """Where the complaint goes: region, agency, service, and the officer when it is about them."""
    given = [x for x in (data.application_id, data.ticket_id, data.service_id) if x is not None]
    if len(given) != 1:
        raise ComplaintSubjectMissingError
    if data.application_id is not None:
        row = await conn.fetchrow(_APPLICATION, data.application_id, account)
        what = "application"
    elif data.ticket_id is not None:
        row = await conn.fetchrow(_TICKET, data.ticket_id, account)
        what = "ticket"
    else:
        row = await conn.fetchrow(_SERVICE, data.service_id)
        what = "service"
    if row is None:
        raise ComplaintNotFoundError(what)
    found = dict(row)
    if what == "service":
        if data.about_officer:
            raise InvalidComplaintError(
                [FieldError(field="aboutOfficer", message="name the application or ticket the officer handled")]
            )
        found["service"] = found["id"]
        found["officer"] = None
        if data.region is not None and data.region != found["region"]:
            there = await conn.fetchrow(_SERVICE_THERE, found["code"], data.region) if found["national"] else None
            if there is None:
                raise ComplaintNotFoundError("service in this region")
            found.update(region=there["region"], agency=there["agency"], service=there["id"])
    elif data.region is not None and data.region != found["region"]:
        raise InvalidComplaintError([FieldError(field="region", message=f"the {what} is of region {found['region']}")])
    if data.about_officer and found["officer"] is None:
        raise InvalidComplaintError(
            [FieldError(field="aboutOfficer", message=f"no officer has handled this {what} yet")]
        )
    if not data.about_officer:
        found["officer"] = None
    return found


async def file(
    conn: asyncpg.Connection,
    *,
    account: uuid.UUID,
    data: ComplaintCreate,
    idempotency_key: str,
    now: dt.datetime,
) -> tuple[ComplaintCreated, bool]:
    """File a complaint. The same Idempotency-Key and body again: the same complaint (a different body: 422)."""
    digest = _request_hash(data)
    earlier = await conn.fetchrow(_REPLAY, account, idempotency_key)
    if earlier is not None:
        return _replay(earlier, digest), False
    text = rules.clean_text(data.text, "text")
    days = await conn.fetchval("SELECT response_days FROM feedback_complaint_category WHERE code = $1", data.category)
    if days is None:
        raise InvalidComplaintError([FieldError(field="category", message="is not a complaint category")])
    subject = await _subject(conn, account, data)
    if data.attachment_id is not None and await conn.fetchval(_DOCUMENT, data.attachment_id, account) is None:
        raise ComplaintNotFoundError("document")
    await ensure_loaded(conn)
    region = subject["region"]
    complaint_id = uuid.uuid4()
    due = rules.due_date(region, now, days)
    try:
        async with conn.transaction():
            seq = await conn.fetchval(_NEXT_NUMBER, uuid.uuid4(), region, local_today(region, now).year)
            number = rules.number(region, local_today(region, now).year, seq)
            await conn.execute(
                _INSERT, complaint_id, number, account, region, subject["agency"], subject["service"],
                data.application_id, data.ticket_id, subject["officer"], data.category, text, data.anonymous,
                data.attachment_id, due, idempotency_key, now,
            )  # fmt: skip
            await add_event(
                conn, complaint_id, at=now, actor=account, role=CITIZEN, from_status=None, to_status="submitted",
                action="filed", detail={"requestHash": digest},
            )  # fmt: skip
            await notify(conn, {"id": complaint_id, "number": number, "account": account}, "submitted")
            await enqueue_forward(conn, complaint_id, region=region)
    except asyncpg.UniqueViolationError:
        # The same key filed twice at once: the first one won; answer as a replay would.
        earlier = await conn.fetchrow(_REPLAY, account, idempotency_key)
        if earlier is None:
            raise
        return _replay(earlier, digest), False
    return ComplaintCreated(id=complaint_id, number=number, status="submitted", due_date=due), True


def _replay(row: asyncpg.Record, digest: str) -> ComplaintCreated:
    if row["request_hash"] != digest:
        raise ComplaintIdempotencyKeyReusedError
    return ComplaintCreated(id=row["id"], number=row["number"], status=row["status"], due_date=row["due_date"])
