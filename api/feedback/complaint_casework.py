"""Complaints, the staff's side: the inbox, a complaint's detail and attachment (each read written to the
complainant's access log), the answer, and the region admin's reassignment to another agency of the region.

Who sees what (``StaffScope``): officers and supervisors their agency's complaints in their region; region admins
(and national admins naming a region) all of the region. A complaint about an officer is never shown to that
officer, and to no plain officer at all (their supervisor and the admins handle it). An anonymous complaint hides
the complainant from the agency's staff; the region's admins see who it is, as SP4N-LAPOR! does with its
"rahasia" reports.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from api.audit.service import record, record_read
from api.catalogue.timezones import local_today
from api.feedback import complaint_rules as rules
from api.feedback.complaint_errors import (
    ComplaintNotFoundError,
    ComplaintVersionConflictError,
    ComplaintWrongStatusError,
    InvalidComplaintError,
)
from api.feedback.complaint_schemas import (
    Complainant,
    Lapor,
    StaffAttachment,
    StaffDetail,
    StaffItem,
    StaffList,
)
from api.feedback.complaints import SELECT, add_event, change_status, detail_fields, events, item_fields, lock
from api.lib.errors import FieldError
from api.lib.language import Lang

# The access log's entry for a member of staff reading a complaint (its detail: the complaint and the agency).
READ_ACTION = "complaint.read"
MAX_PAGE = 100


@dataclass(frozen=True)
class StaffScope:
    """What a member of staff may see: a region, and within it one agency (officers and supervisors) or all (admins)."""

    region: str
    actor: uuid.UUID
    role: str  # officer | supervisor | admin (the event's actor role)
    agency_code: str | None = None

    @property
    def admin(self) -> bool:
        return self.role == "admin"


def _visible(scope: StaffScope, first: int) -> tuple[str, list[Any]]:
    """The WHERE clause (from parameter ``$first``) of the complaints the scope sees."""
    where = [f"c.region = ${first}"]
    args: list[Any] = [scope.region]
    if not scope.admin:
        args.append(scope.agency_code)
        where.append(f"g.code = ${first + 1}")
        if scope.role == "supervisor":
            args.append(scope.actor)
            where.append(f"c.officer IS DISTINCT FROM ${first + 2}")
        else:
            where.append("c.officer IS NULL")
    return " AND ".join(where), args


def _complainant_name(row: asyncpg.Record, scope: StaffScope) -> str | None:
    if row["account"] is None or (row["anonymous"] and not scope.admin):
        return None
    return str(row["complainant_name"] or "") or None


_WITH_COMPLAINANT = SELECT.replace(
    "FROM feedback_complaint c",
    ", p.name AS complainant_name, p.phone AS complainant_phone, count(*) OVER () AS total\nFROM feedback_complaint c",
).replace(
    "LEFT JOIN wallet_document d", "LEFT JOIN accounts_account p ON p.id = c.account\nLEFT JOIN wallet_document d"
)


async def inbox(
    conn: asyncpg.Connection,
    *,
    scope: StaffScope,
    status: str | None,
    overdue: bool | None,
    limit: int,
    cursor: str | None,
    now: dt.datetime,
    lang: Lang,
) -> StaffList:
    """Escalated first, then overdue, then by due date (closed ones last)."""
    today = local_today(scope.region, now)
    where, args = _visible(scope, 2)
    args = [today, *args]
    if status is not None:
        if status not in rules.STATUSES:
            raise InvalidComplaintError([FieldError(field="status", message="is not a complaint status")])
        args.append(status)
        where += f" AND c.status = ${len(args)}"
    if overdue is not None:
        where += (" AND " if overdue else " AND NOT ") + "(c.status IN ('submitted', 'escalated') AND c.due_date < $1)"
    offset = _offset(cursor)
    args += [limit, offset]
    rows = await conn.fetch(
        _WITH_COMPLAINANT
        + f""" WHERE {where}
        ORDER BY c.status = 'escalated' DESC, (c.status IN ('submitted', 'escalated') AND c.due_date < $1) DESC,
                 c.status = 'closed', c.due_date, c.created_at, c.id
        LIMIT ${len(args) - 1} OFFSET ${len(args)}""",
        *args,
    )
    total = rows[0]["total"] if rows else 0
    items = [
        StaffItem(
            **item_fields(r, lang, today),
            application_number=r["application_number"],
            complainant_name=_complainant_name(r, scope),
        )
        for r in rows
    ]
    after = offset + len(rows)
    return StaffList(items=items, total=total, next_cursor=str(after) if after < total else None)


def _offset(cursor: str | None) -> int:
    """The cursor is where the next page starts (opaque to clients: they send back what they were given)."""
    if cursor is None:
        return 0
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 9:
        raise InvalidComplaintError([FieldError(field="cursor", message="is not a cursor this list gave")])
    return int(cursor)


async def _visible_row(conn: asyncpg.Connection, scope: StaffScope, complaint_id: uuid.UUID) -> asyncpg.Record:
    where, args = _visible(scope, 2)
    row = await conn.fetchrow(_WITH_COMPLAINANT + f" WHERE c.id = $1 AND {where}", complaint_id, *args)
    if row is None:
        raise ComplaintNotFoundError("complaint")
    return row


async def detail(
    conn: asyncpg.Connection,
    *,
    scope: StaffScope,
    complaint_id: uuid.UUID,
    ip: str,
    now: dt.datetime,
    lang: Lang,
    logged: bool = True,
) -> StaffDetail:
    """A complaint with its history; the read goes into the complainant's access log."""
    row = await _visible_row(conn, scope, complaint_id)
    if logged and row["account"] is not None:
        await record(
            conn,
            action=READ_ACTION,
            actor=scope.actor,
            subject=row["account"],
            detail={"complaint": str(row["id"]), "number": row["number"], "agency": row["agency_code"]},
            ip=ip,
        )
    return _staff_detail(row, scope, await events(conn, row["id"]), local_today(row["region"], now), lang)


def _staff_detail(
    row: asyncpg.Record, scope: StaffScope, history: list[Any], today: dt.date, lang: Lang
) -> StaffDetail:
    attachment = None
    if row["attachment_title"] is not None:
        attachment = StaffAttachment(
            id=row["attachment"], title=row["attachment_title"], content_type=row["attachment_type"]
        )
    complainant = None
    if row["account"] is not None and (scope.admin or not row["anonymous"]):
        complainant = Complainant(name=row["complainant_name"] or "", phone=row["complainant_phone"] or "")
    return StaffDetail(
        **item_fields(row, lang, today),
        **detail_fields(row),
        agency_code=row["agency_code"],
        application_number=row["application_number"],
        events=history,
        version=row["version"],
        attachment=attachment,
        complainant=complainant,
        lapor=Lapor(id=row["lapor_id"], status=row["lapor_status"]) if row["lapor_id"] else None,
    )


async def attachment(
    conn: asyncpg.Connection, *, scope: StaffScope, complaint_id: uuid.UUID, ip: str
) -> tuple[uuid.UUID, uuid.UUID]:
    """The owner and id of the wallet document attached to a complaint the caller may see (404 without one); the
    read goes into the owner's access log as the document's, through the complaint."""
    row = await _visible_row(conn, scope, complaint_id)
    if row["attachment"] is None or row["attachment_title"] is None or row["account"] is None:
        raise ComplaintNotFoundError("attachment")
    await record_read(
        conn,
        action="document.content",
        actor=scope.actor,
        subject=row["account"],
        item=row["attachment"],
        detail={
            "document": str(row["attachment"]),
            "via": "complaint",
            "complaint": str(row["id"]),
            "agency": row["agency_code"],
        },
        ip=ip,
    )
    return row["account"], row["attachment"]


async def _lock_visible(
    conn: asyncpg.Connection, scope: StaffScope, complaint_id: uuid.UUID, version: int | None
) -> asyncpg.Record:
    await _visible_row(conn, scope, complaint_id)
    row = await lock(conn, complaint_id)
    assert row is not None  # complaints are never deleted
    if version is not None and version != row["version"]:
        raise ComplaintVersionConflictError
    return row


async def answer(
    conn: asyncpg.Connection,
    *,
    scope: StaffScope,
    complaint_id: uuid.UUID,
    text: str,
    version: int,
    now: dt.datetime,
    lang: Lang,
) -> StaffDetail:
    """The agency's (or the region's) answer; the citizen then confirms or disputes it within ten working days.
    Two answers at once: one wins, the other is 409 (its version is stale once the first commits)."""
    reply = rules.clean_text(text, "text", minimum=1)
    async with conn.transaction():
        row = await _lock_visible(conn, scope, complaint_id, version)
        await change_status(
            conn, row, action="answer", event="answered", actor=scope.actor, role=scope.role, now=now, text=reply,
            answer=reply, answered_at=now, answered_by=scope.actor, confirm_by=rules.confirm_by(row["region"], now),
        )  # fmt: skip
    return await detail(conn, scope=scope, complaint_id=complaint_id, ip="", now=now, lang=lang, logged=False)


async def reassign(
    conn: asyncpg.Connection,
    *,
    scope: StaffScope,
    complaint_id: uuid.UUID,
    agency_code: str,
    version: int | None,
    now: dt.datetime,
    lang: Lang,
) -> StaffDetail:
    """Route a waiting complaint to another agency of the region (the status stays; the event says from where)."""
    assert scope.admin
    agency = await conn.fetchrow(
        "SELECT id, code FROM catalogue_agency WHERE code = $1 AND region = $2 AND retired_at IS NULL",
        agency_code,
        scope.region,
    )
    if agency is None:
        raise InvalidComplaintError([FieldError(field="agency", message="is not an agency of this region")])
    async with conn.transaction():
        row = await _lock_visible(conn, scope, complaint_id, version)
        if row["agency"] == agency["id"]:
            raise ComplaintWrongStatusError("The complaint is already with this agency.")
        rules.allowed(row["status"], "reassign")
        before = await conn.fetchval("SELECT code FROM catalogue_agency WHERE id = $1", row["agency"])
        await conn.execute(
            "UPDATE feedback_complaint SET agency = $2, version = version + 1, updated_at = $3 WHERE id = $1",
            row["id"],
            agency["id"],
            now,
        )
        await add_event(
            conn, row["id"], at=now, actor=scope.actor, role="admin", from_status=row["status"],
            to_status=row["status"], action="reassigned", detail={"from": before, "to": agency["code"]},
        )  # fmt: skip
    return await detail(conn, scope=scope, complaint_id=complaint_id, ip="", now=now, lang=lang, logged=False)
