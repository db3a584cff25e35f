"""Survey comments and the agency's public replies to them.

Staff read the comments of their unit with the day, the service and the scores — never the account, the
application, the ticket or the officer of the invitation. An agency may answer a comment publicly (a supervisor of
the agency, or the region's admin); the reply publishes the pair, without anything that names the citizen or the
officer. Replies are append-only: an edit is a new row, the latest counts, and a withdrawal is a row that hides
the pair again.
"""

# ruff: noqa: S608  (statements of ours, spelt per case; every value is a parameter)
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg

from api.feedback.skm_errors import InvalidReplyError, SurveyNotFoundError
from api.feedback.skm_schemas import (
    PublicComment,
    PublicCommentList,
    PublicReply,
    ScoresOut,
    StaffComment,
    StaffCommentList,
    StaffReply,
)
from api.feedback.surveys import ELEMENTS, Period, StaffScope
from api.lib.errors import FieldError
from api.lib.input_guard import HostileInputError, check_text
from api.lib.language import Lang

MAX_REPLY = 2000

# The latest reply of a survey (replies are append-only; the newest row is the one in force).
_LATEST = """LEFT JOIN LATERAL (SELECT r.text, r.at, r.withdrawn, r.author FROM feedback_reply r
                               WHERE r.survey = s.id ORDER BY r.id DESC LIMIT 1) latest ON true"""


def clean_reply(text: str) -> str:
    value = text.strip()
    if not value:
        raise InvalidReplyError([FieldError(field="text", message="is required")])
    try:
        check_text(value, "text")
    except HostileInputError:
        refused = FieldError(field="text", message="contains control or direction characters")
        raise InvalidReplyError([refused]) from None
    if len(value) > MAX_REPLY:
        raise InvalidReplyError([FieldError(field="text", message=f"is longer than {MAX_REPLY} characters")])
    return value


async def _survey_in_scope(conn: asyncpg.Connection, survey_id: uuid.UUID, scope: StaffScope) -> asyncpg.Record:
    """A commented survey of the unit; anything else (another agency's, another region's, no comment) is 404."""
    row = await conn.fetchrow(
        """SELECT id, agency, region FROM feedback_survey
           WHERE id = $1 AND region = $2 AND ($3::uuid IS NULL OR agency = $3) AND comment IS NOT NULL""",
        survey_id,
        scope.region,
        scope.agency,
    )
    if row is None:
        raise SurveyNotFoundError("comment")
    return row


async def _reply_out(conn: asyncpg.Connection, survey_id: uuid.UUID) -> StaffReply | None:
    # Cross-domain read (accounts): the author's name, shown to staff only.
    row = await conn.fetchrow(
        """SELECT r.text, r.at, r.withdrawn, acc.name AS author FROM feedback_reply r
           LEFT JOIN accounts_account acc ON acc.id = r.author
           WHERE r.survey = $1 ORDER BY r.id DESC LIMIT 1""",
        survey_id,
    )
    if row is None:
        return None
    return StaffReply(text=row["text"], at=row["at"], author=row["author"], withdrawn=row["withdrawn"])


async def put_reply(
    conn: asyncpg.Connection, *, survey_id: uuid.UUID, scope: StaffScope, author: uuid.UUID, text: str, now: dt.datetime
) -> StaffReply:
    """Answer a comment publicly (or change the answer): a new reply row, which is the one shown."""
    value = clean_reply(text)
    async with conn.transaction():
        survey = await _survey_in_scope(conn, survey_id, scope)
        await conn.execute(
            """INSERT INTO feedback_reply (survey, agency, author, text, withdrawn, at)
               VALUES ($1, $2, $3, $4, false, $5)""",
            survey_id,
            survey["agency"],
            author,
            value,
            now,
        )
    reply = await _reply_out(conn, survey_id)
    assert reply is not None
    return reply


async def withdraw_reply(
    conn: asyncpg.Connection, *, survey_id: uuid.UUID, scope: StaffScope, author: uuid.UUID, now: dt.datetime
) -> StaffReply:
    """Take the pair off the public list: a withdrawn row after the reply (again: nothing more). 404 when the
    comment was never answered."""
    async with conn.transaction():
        survey = await _survey_in_scope(conn, survey_id, scope)
        # Serialises withdrawals of one comment so that two at once add one row.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 17))", str(survey_id))
        latest = await conn.fetchrow(
            "SELECT text, withdrawn FROM feedback_reply WHERE survey = $1 ORDER BY id DESC LIMIT 1", survey_id
        )
        if latest is None:
            raise SurveyNotFoundError("reply")
        if not latest["withdrawn"]:
            await conn.execute(
                """INSERT INTO feedback_reply (survey, agency, author, text, withdrawn, at)
                   VALUES ($1, $2, $3, $4, true, $5)""",
                survey_id,
                survey["agency"],
                author,
                latest["text"],
                now,
            )
    reply = await _reply_out(conn, survey_id)
    assert reply is not None
    return reply


async def public_comments(
    conn: asyncpg.Connection,
    *,
    region: str | None,
    agency: str | None,
    service: uuid.UUID | None,
    limit: int,
    lang: Lang,
) -> PublicCommentList:
    """Comments the agency answered publicly (the latest reply not withdrawn), newest reply first: the comment,
    its month, the agency and the service, and the reply — nothing about who wrote it or who served them."""
    en = lang == "en"
    parts = ["s.comment IS NOT NULL", "latest.withdrawn = false"]
    args: list[Any] = [limit]
    if region is not None:
        args.append(region)
        parts.append(f"s.region = ${len(args)}")
    if agency is not None:
        args.append(agency)
        scope = " AND region = $2" if region is not None else ""
        parts.append(f"s.agency IN (SELECT id FROM catalogue_agency WHERE code = ${len(args)}{scope})")
    if service is not None:
        args.append(service)
        parts.append(f"s.service = ${len(args)}")
    rows = await conn.fetch(
        f"""SELECT s.id, s.comment, s.day, a.name_id AS agency_id, a.name_en AS agency_en,
                   sv.name_id AS service_id, sv.name_en AS service_en, latest.text, latest.at
            FROM feedback_survey s
            JOIN LATERAL (SELECT r.text, r.at, r.withdrawn FROM feedback_reply r
                          WHERE r.survey = s.id ORDER BY r.id DESC LIMIT 1) latest ON true
            JOIN catalogue_agency a ON a.id = s.agency
            LEFT JOIN catalogue_service sv ON sv.id = s.service
            WHERE {" AND ".join(parts)}
            ORDER BY latest.at DESC, s.id
            LIMIT $1""",
        *args,
    )
    return PublicCommentList(
        items=[
            PublicComment(
                id=r["id"],
                comment=r["comment"],
                month=r["day"].strftime("%Y-%m"),
                agency_name=r["agency_en" if en else "agency_id"],
                service_name=r["service_en" if en else "service_id"],
                reply=PublicReply(text=r["text"], at=r["at"]),
            )
            for r in rows
        ]
    )


async def staff_comments(
    conn: asyncpg.Connection,
    *,
    scope: StaffScope,
    when: Period,
    replied: bool | None,
    page: int,
    page_size: int,
    lang: Lang,
) -> StaffCommentList:
    """The unit's comments in the period, newest first, with their scores and the reply in force (if any)."""
    en = lang == "en"
    parts = ["s.comment IS NOT NULL", "s.day BETWEEN $1 AND $2", "s.region = $3"]
    args: list[Any] = [when.start, when.end, scope.region]
    if scope.agency is not None:
        args.append(scope.agency)
        parts.append(f"s.agency = ${len(args)}")
    if replied is True:
        parts.append("latest.withdrawn = false")
    elif replied is False:
        parts.append("(latest.withdrawn IS NULL OR latest.withdrawn)")
    where = " AND ".join(parts)
    total = await conn.fetchval(f"SELECT count(*) FROM feedback_survey s {_LATEST} WHERE {where}", *args)
    args += [page_size, (page - 1) * page_size]
    # Cross-domain read (accounts): the reply's author's name, for staff.
    rows = await conn.fetch(
        f"""SELECT s.id, s.comment, s.day, sv.name_id AS service_id, sv.name_en AS service_en,
                   {", ".join(f"s.{e}" for e in ELEMENTS)},
                   latest.text, latest.at, latest.withdrawn, acc.name AS author
            FROM feedback_survey s {_LATEST}
            LEFT JOIN catalogue_service sv ON sv.id = s.service
            LEFT JOIN accounts_account acc ON acc.id = latest.author
            WHERE {where}
            ORDER BY s.answered_at DESC, s.id
            LIMIT ${len(args) - 1} OFFSET ${len(args)}""",
        *args,
    )
    return StaffCommentList(
        items=[
            StaffComment(
                id=r["id"],
                comment=r["comment"],
                month=r["day"].strftime("%Y-%m"),
                service_name=r["service_en" if en else "service_id"],
                scores=ScoresOut(**{e: r[e] for e in ELEMENTS}),
                reply=StaffReply(text=r["text"], at=r["at"], author=r["author"], withdrawn=r["withdrawn"])
                if r["at"] is not None
                else None,
            )
            for r in rows
        ],
        total=int(total),
    )
