"""What feedback keeps about a person, for their export and their erasure (UU 27/2022 Pasal 7, 8 and 16), called by
``api.accounts.data_rights`` and ``api.accounts.erasure``.

A complaint is also the agency's record (it was received, answered or escalated within its deadline, and it counts
in the agency's figures): erasing its author keeps it without them — the account link goes (with the Idempotency-Key,
which was theirs), and one still open is withdrawn with a system event, since nobody is left to confirm or dispute
it. Its text stays as the agency received it. A survey invitation loses its account; the answer never had one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg

from api.feedback.complaints import add_event
from api.feedback.skm import ELEMENTS

_COMPLAINTS = """
SELECT c.id, c.number, c.status, c.category, c.text, c.anonymous, c.officer IS NOT NULL AS about_officer,
       c.application, c.ticket, c.attachment, c.due_date, c.answer, c.answered_at, c.escalated_at, c.closed_at,
       c.close_reason, c.confirm_by, c.created_at, c.region, g.code AS agency, g.name_id AS agency_name,
       s.name_id AS service_name
FROM feedback_complaint c JOIN catalogue_agency g ON g.id = c.agency LEFT JOIN catalogue_service s ON s.id = c.service
WHERE c.account = $1 ORDER BY c.created_at
"""
_EVENTS = """
SELECT complaint, at, action, actor_role, from_status, to_status, text
FROM feedback_complaint_event WHERE complaint = ANY($1::uuid[]) ORDER BY at, id
"""
_INVITATIONS = """
SELECT i.id, i.kind, i.ref, i.day, i.created_at, i.expires_at, i.answered_at, i.region, g.code AS agency,
       g.name_id AS agency_name, sv.name_id AS service_name,
       s.channel, s.requirements, s.procedure, s.time, s.cost, s.product, s.competence, s.behaviour, s.complaints,
       s.facilities, s.comment, s.answered_at AS survey_answered_at
FROM feedback_invitation i JOIN catalogue_agency g ON g.id = i.agency
LEFT JOIN catalogue_service sv ON sv.id = i.service
LEFT JOIN feedback_survey s ON s.invitation = i.id
WHERE i.account = $1 ORDER BY i.created_at
"""


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


async def export(conn: asyncpg.Connection, *, account: uuid.UUID) -> dict[str, Any]:
    """The person's complaints with their history, and their survey invitations with their answers."""
    complaints = [{k: _plain(v) for k, v in dict(r).items()} for r in await conn.fetch(_COMPLAINTS, account)]
    history: dict[str, list[dict[str, Any]]] = {c["id"]: [] for c in complaints}
    for e in await conn.fetch(_EVENTS, [uuid.UUID(c["id"]) for c in complaints]):
        history[str(e["complaint"])].append({k: _plain(v) for k, v in dict(e).items() if k != "complaint"})
    for c in complaints:
        c["events"] = history[c["id"]]
    invitations = []
    for r in await conn.fetch(_INVITATIONS, account):
        row = {k: _plain(v) for k, v in dict(r).items()}
        survey = None
        if row["survey_answered_at"] is not None:
            survey = {
                "channel": row["channel"],
                "scores": {k: row[k] for k in ELEMENTS},
                "comment": row["comment"],
                "answeredAt": row["survey_answered_at"],
            }
        invitation = {
            k: row[k]
            for k in ("id", "kind", "ref", "day", "created_at", "expires_at", "answered_at", "region", "agency")
        }
        invitations.append(
            {**invitation, "agencyName": row["agency_name"], "serviceName": row["service_name"], "answer": survey}
        )
    return {"complaints": complaints, "surveyInvitations": invitations}


async def erase(conn: asyncpg.Connection, *, account: uuid.UUID, now: dt.datetime | None = None) -> dict[str, int]:
    """Inside the erasure's transaction: withdraw the open complaints, unlink every complaint and invitation."""
    moment = now or dt.datetime.now(dt.UTC)
    open_rows = await conn.fetch(
        "SELECT id, status FROM feedback_complaint WHERE account = $1 AND status <> 'closed' FOR UPDATE", account
    )
    for row in open_rows:
        await conn.execute(
            """UPDATE feedback_complaint SET status = 'closed', close_reason = 'withdrawn', closed_at = $2,
                      confirm_by = NULL, updated_at = $2, version = version + 1
               WHERE id = $1""",
            row["id"],
            moment,
        )
        await add_event(
            conn, row["id"], at=moment, actor=None, role="system", from_status=row["status"], to_status="closed",
            action="withdrawn", detail={"reason": "account_erased"},
        )  # fmt: skip
    unlinked: str = await conn.execute(
        "UPDATE feedback_complaint SET account = NULL, idempotency_key = NULL, updated_at = $2 WHERE account = $1",
        account,
        moment,
    )
    invitations: str = await conn.execute("UPDATE feedback_invitation SET account = NULL WHERE account = $1", account)
    return {
        "complaintsWithdrawn": len(open_rows),
        "complaintsUnlinked": int(unlinked.split()[-1]),
        "invitationsUnlinked": int(invitations.split()[-1]),
    }
