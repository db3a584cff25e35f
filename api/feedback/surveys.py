"""The SKM survey tied to real transactions: invitations made in the transaction that ends an application or a
queue ticket, answers (one per transaction, from its own account or at the kiosk with the ticket's token), and
the index of any unit and period read from the running sums (``feedback_skm_daily``).

Feedback is called by applications and queue, so it never imports them: where it needs their rows (an
application's owner, a ticket's number and follow token) it reads their tables in SQL, in the statements below.
Who answered is never stored beside the answer: ``feedback_invitation`` knows the account, ``feedback_survey``
the scores. Nothing here reads ``feedback_survey`` for an index.
"""

# ruff: noqa: S608  (statements of ours, spelt per case; every value is a parameter)
from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from api.catalogue.timezones import local_today
from api.feedback import skm
from api.feedback.skm_errors import (
    InvalidSkmQueryError,
    InvalidSurveyError,
    SurveyAnsweredError,
    SurveyNotFoundError,
    SurveyNotOpenError,
)
from api.feedback.skm_schemas import (
    KioskSurvey,
    OfficerIndex,
    OpenSurvey,
    OpenSurveyList,
    ServiceIndex,
    SkmIndex,
    StaffSkm,
    SurveyAnswer,
    SurveyCreated,
)
from api.lib.errors import FieldError
from api.lib.input_guard import HostileInputError, check_text
from api.lib.language import Lang
from api.outbox.service import enqueue

TOPIC = "feedback.survey_invite"
# A survey about a visit months ago measures little; the regulation's surveys are periodic, not open-ended.
OPEN_DAYS = 30
MAX_COMMENT = 1000
# An officer's own figures are shown only over this many answers: fewer would let them work out one person's.
MIN_OFFICER_RESPONDENTS = 5
MAX_SPAN_DAYS = 5 * 365 + 1
# Where a unit has no region to take its clock from (a national view): WIB, where most people live.
NATIONAL_CLOCK = "31"
ELEMENTS = skm.ELEMENTS
_DATE = re.compile(r"^(?:19|20|21)[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")


# --- invitations ----------------------------------------------------------------------------------------------

_INVITE = """
WITH made AS (
    INSERT INTO feedback_invitation
        (id, kind, ref, account, region, agency, service, officer, day, created_at, expires_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
    ON CONFLICT (kind, ref) DO NOTHING
    RETURNING id
), counted AS (
    INSERT INTO feedback_skm_daily (region, agency, service, day, shard, transactions, respondents,
        sum_requirements, sum_procedure, sum_time, sum_cost, sum_product, sum_competence, sum_behaviour,
        sum_complaints, sum_facilities)
    SELECT $5, $6, $7, $9, pg_backend_pid() % 8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM made
    ON CONFLICT ON CONSTRAINT feedback_skm_daily_key
        DO UPDATE SET transactions = feedback_skm_daily.transactions + 1
)
SELECT m.id, a.name_id, a.name_en FROM made m JOIN catalogue_agency a ON a.id = $6
"""


async def invite(
    conn: asyncpg.Connection,
    *,
    kind: str,
    ref: uuid.UUID,
    account: uuid.UUID | None,
    region: str,
    agency: uuid.UUID,
    service: uuid.UUID | None,
    officer: uuid.UUID | None,
    day: dt.date,
    now: dt.datetime,
) -> uuid.UUID | None:
    """Invite the transaction's citizen to rate it, inside the caller's transaction; once per transaction (a
    second call does nothing and returns None). Counts the transaction in the unit's population, and tells the
    citizen (push and in-app) when there is an account to tell; a walk-in answers at the kiosk."""
    made = await conn.fetchrow(
        _INVITE,
        uuid.uuid4(),
        kind,
        ref,
        account,
        region,
        agency,
        service,
        officer,
        day,
        now,
        now + dt.timedelta(days=OPEN_DAYS),
    )
    if made is None:
        return None
    invitation: uuid.UUID = made["id"]
    if account is not None:
        await enqueue(
            conn,
            topic=TOPIC,
            recipient=account,
            subject=invitation,
            payload={
                "invitation": str(invitation),
                "kind": kind,
                "agencyName": {"id": made["name_id"], "en": made["name_en"]},
            },
        )
    return invitation


async def invite_for_application(
    conn: asyncpg.Connection, row: asyncpg.Record, *, status: str, officer: uuid.UUID, now: dt.datetime | None = None
) -> None:
    """The hook of an application's decision: a completed or rejected application invites its applicant."""
    if status not in ("completed", "rejected"):
        return
    moment = now or dt.datetime.now(dt.UTC)
    await invite(
        conn,
        kind="application",
        ref=row["id"],
        account=row["applicant"],
        region=row["region"],
        agency=row["agency"],
        service=row["service"],
        officer=officer,
        day=local_today(row["region"], moment),
        now=moment,
    )


async def invite_for_ticket(
    conn: asyncpg.Connection, ticket: asyncpg.Record, *, officer: uuid.UUID, now: dt.datetime
) -> None:
    """The hook of a ticket served to the end (done): its citizen is invited (a walk-in: at the kiosk)."""
    await invite(
        conn,
        kind="ticket",
        ref=ticket["id"],
        account=ticket["account"],
        region=ticket["region"],
        agency=ticket["agency"],
        service=ticket["service"],
        officer=officer,
        day=ticket["day"],
        now=now,
    )


# --- answering ------------------------------------------------------------------------------------------------


def clean_comment(comment: str | None) -> str | None:
    """The comment as stored: stripped, None when empty; control and direction characters refused."""
    if comment is None:
        return None
    text = comment.strip()
    if not text:
        return None
    try:
        check_text(text, "comment")
    except HostileInputError:
        raise InvalidSurveyError(
            [FieldError(field="comment", message="contains control or direction characters")]
        ) from None
    if len(text) > MAX_COMMENT:
        raise InvalidSurveyError([FieldError(field="comment", message=f"is longer than {MAX_COMMENT} characters")])
    return text


_SAVE_ANSWER = f"""
WITH saved AS (
    INSERT INTO feedback_survey (id, invitation, region, agency, service, officer, day, channel,
        {", ".join(ELEMENTS)}, comment, answered_at)
    SELECT $1, i.id, i.region, i.agency, i.service, i.officer, i.day, $3,
        {", ".join(f"${n}" for n in range(4, 13))}, $13, $14
    FROM feedback_invitation i WHERE i.id = $2
    RETURNING region, agency, service, day
), answered AS (
    UPDATE feedback_invitation SET answered_at = $14 WHERE id = $2
)
INSERT INTO feedback_skm_daily (region, agency, service, day, shard, transactions, respondents,
    {", ".join(f"sum_{e}" for e in ELEMENTS)})
SELECT region, agency, service, day, pg_backend_pid() % 8, 0, 1, {", ".join(f"${n}" for n in range(4, 13))} FROM saved
ON CONFLICT ON CONSTRAINT feedback_skm_daily_key DO UPDATE SET
    respondents = feedback_skm_daily.respondents + 1,
    {", ".join(f"sum_{e} = feedback_skm_daily.sum_{e} + EXCLUDED.sum_{e}" for e in ELEMENTS)}
"""


async def _answer(
    conn: asyncpg.Connection, invitation: asyncpg.Record, data: SurveyAnswer, *, channel: str, now: dt.datetime
) -> SurveyCreated:
    """Record the answer to a locked invitation: the survey row (the officer, agency, service and day copied from
    the invitation, never the account), the invitation answered, the unit's sums — one statement, in the
    caller's transaction."""
    if invitation["answered_at"] is not None:
        raise SurveyAnsweredError()
    if invitation["expires_at"] <= now:
        raise SurveyNotOpenError()
    comment = clean_comment(data.comment)
    survey = uuid.uuid4()
    scores = [getattr(data.scores, e) for e in ELEMENTS]
    await conn.execute(_SAVE_ANSWER, survey, invitation["id"], channel, *scores, comment, now)
    return SurveyCreated(id=survey)


async def answer_invitation(
    conn: asyncpg.Connection, *, invitation_id: uuid.UUID, account: uuid.UUID, data: SurveyAnswer, now: dt.datetime
) -> SurveyCreated:
    """The citizen rates one of their transactions by its invitation (someone else's: 404)."""
    clean_comment(data.comment)
    async with conn.transaction():
        invitation = await conn.fetchrow(
            "SELECT * FROM feedback_invitation WHERE id = $1 AND account = $2 FOR UPDATE", invitation_id, account
        )
        if invitation is None:
            raise SurveyNotFoundError("survey")
        return await _answer(conn, invitation, data, channel="app", now=now)


async def answer_application(
    conn: asyncpg.Connection,
    *,
    application_id: uuid.UUID,
    account: uuid.UUID,
    data: SurveyAnswer,
    now: dt.datetime,
) -> SurveyCreated:
    """The applicant rates their application once it was completed or rejected (409 before; 404 for someone
    else's)."""
    clean_comment(data.comment)
    async with conn.transaction():
        invitation = await conn.fetchrow(
            """SELECT * FROM feedback_invitation WHERE kind = 'application' AND ref = $1 AND account = $2
               FOR UPDATE""",
            application_id,
            account,
        )
        if invitation is None:
            # Cross-domain read (applications): is it the caller's application at all (409) or not (404)?
            mine = await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM applications_application WHERE id = $1 AND applicant = $2)",
                application_id,
                account,
            )
            if mine:
                raise SurveyNotOpenError()
            raise SurveyNotFoundError("application")
        return await _answer(conn, invitation, data, channel="app", now=now)


# Cross-domain read (queue): the ticket behind a follow token, in the kiosk's region, with its invitation.
_KIOSK_TICKET = """
SELECT t.number, t.status, i.id AS invitation, i.day, i.answered_at, i.expires_at,
       a.name_id AS agency_id, a.name_en AS agency_en, s.name_id AS service_id, s.name_en AS service_en
FROM queue_ticket t
JOIN catalogue_agency a ON a.id = t.agency
LEFT JOIN catalogue_service s ON s.id = t.service
LEFT JOIN feedback_invitation i ON i.kind = 'ticket' AND i.ref = t.id
WHERE t.follow_token = $1 AND t.region = $2
"""


async def _kiosk_ticket(conn: asyncpg.Connection, token: str, region: str, now: dt.datetime) -> asyncpg.Record:
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token):
        raise SurveyNotFoundError("ticket")
    row = await conn.fetchrow(_KIOSK_TICKET, token, region)
    if row is None:
        raise SurveyNotFoundError("ticket")
    # The kiosk offers the survey on the day of the visit only: the paper ticket left in the building is not
    # a key to rate someone else's visit later.
    if row["invitation"] is None or row["day"] != local_today(region, now) or row["expires_at"] <= now:
        raise SurveyNotOpenError()
    if row["answered_at"] is not None:
        raise SurveyAnsweredError()
    return row


async def kiosk_survey(
    conn: asyncpg.Connection, *, token: str, region: str, now: dt.datetime, lang: Lang
) -> KioskSurvey:
    """What the kiosk shows before the questions: the ticket's number, its agency and service."""
    row = await _kiosk_ticket(conn, token, region, now)
    en = lang == "en"
    return KioskSurvey(
        number=row["number"],
        agency_name=row["agency_en" if en else "agency_id"],
        service_name=row["service_en" if en else "service_id"],
    )


async def answer_kiosk(
    conn: asyncpg.Connection, *, token: str, region: str, data: SurveyAnswer, now: dt.datetime
) -> SurveyCreated:
    """A walk-in rates the visit at the kiosk with the ticket's token: once per ticket, on the day."""
    clean_comment(data.comment)
    async with conn.transaction():
        row = await _kiosk_ticket(conn, token, region, now)
        invitation = await conn.fetchrow(
            "SELECT * FROM feedback_invitation WHERE id = $1 FOR UPDATE", row["invitation"]
        )
        return await _answer(conn, invitation, data, channel="kiosk", now=now)


# Cross-domain read (applications, queue): the label a citizen knows the transaction by.
_OPEN = """
SELECT i.id, i.kind, i.ref, i.day, i.expires_at, a.name_id AS agency_id, a.name_en AS agency_en,
       s.name_id AS service_id, s.name_en AS service_en,
       CASE i.kind WHEN 'application' THEN (SELECT number FROM applications_application WHERE id = i.ref)
                   ELSE (SELECT number FROM queue_ticket WHERE id = i.ref) END AS label
FROM feedback_invitation i
JOIN catalogue_agency a ON a.id = i.agency
LEFT JOIN catalogue_service s ON s.id = i.service
WHERE i.account = $1 AND i.answered_at IS NULL AND i.expires_at > $2
ORDER BY i.created_at DESC
LIMIT 50
"""


async def open_surveys(conn: asyncpg.Connection, *, account: uuid.UUID, now: dt.datetime, lang: Lang) -> OpenSurveyList:
    """The citizen's invitations still open (not answered, not expired), newest first."""
    en = lang == "en"
    rows = await conn.fetch(_OPEN, account, now)
    return OpenSurveyList(
        items=[
            OpenSurvey(
                id=r["id"],
                kind=r["kind"],
                ref=r["ref"],
                agency_name=r["agency_en" if en else "agency_id"],
                service_name=r["service_en" if en else "service_id"],
                day=r["day"],
                expires_at=r["expires_at"],
                label=r["label"],
            )
            for r in rows
        ]
    )


# --- the index ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date


def parse_date(value: str | None, field: str) -> dt.date | None:
    if value is None:
        return None
    if not _DATE.match(value):
        raise InvalidSkmQueryError([FieldError(field=field, message="must be a date, YYYY-MM-DD")])
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidSkmQueryError([FieldError(field=field, message="is not a calendar date")]) from None


def period(start: str | None, end: str | None, *, region: str | None, now: dt.datetime) -> Period:
    """The period asked for; by default the current calendar year, in the region's clock, up to today."""
    today = local_today(region or NATIONAL_CLOCK, now)
    first = parse_date(start, "from") or dt.date(today.year, 1, 1)
    last = parse_date(end, "to") or (today if first <= today else dt.date(first.year, 12, 31))
    if first > last:
        raise InvalidSkmQueryError([FieldError(field="from", message="must not be after to")])
    if (last - first).days > MAX_SPAN_DAYS:
        raise InvalidSkmQueryError([FieldError(field="to", message="the period may span five years at most")])
    return Period(first, last)


async def check_unit(
    conn: asyncpg.Connection, *, region: str | None, agency: str | None, service: uuid.UUID | None
) -> None:
    """404 for a region, agency (in the region, when one is named) or service that does not exist."""
    if region is not None and not (
        re.fullmatch(r"[0-9]{2,4}", region)
        and await conn.fetchval("SELECT EXISTS (SELECT 1 FROM catalogue_region WHERE code = $1)", region)
    ):
        raise SurveyNotFoundError("region")
    if agency is not None and not (
        re.fullmatch(r"[A-Za-z0-9_-]{1,40}", agency)
        and await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM catalogue_agency WHERE code = $1 AND ($2::text IS NULL OR region = $2))",
            agency,
            region,
        )
    ):
        raise SurveyNotFoundError("agency")
    if service is not None and not await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM catalogue_service WHERE id = $1 AND ($2::text IS NULL OR region = $2))",
        service,
        region,
    ):
        raise SurveyNotFoundError("service")


def _where(
    *, region: str | None, agency: str | None, agency_id: uuid.UUID | None, service: uuid.UUID | None, start: int = 3
) -> tuple[str, list[Any]]:
    """The unit's condition on feedback_skm_daily / feedback_survey, spelt for the case at hand (a generic
    ``$n IS NULL OR …`` would hide the index that fits from the planner). Parameters from ``$start`` on."""
    parts: list[str] = []
    args: list[Any] = []
    if region is not None:
        args.append(region)
        parts.append(f"region = ${start + len(args) - 1}")
    if agency_id is not None:
        args.append(agency_id)
        parts.append(f"agency = ${start + len(args) - 1}")
    elif agency is not None:
        args.append(agency)
        scope = f" AND region = ${start}" if region is not None else ""
        parts.append(f"agency IN (SELECT id FROM catalogue_agency WHERE code = ${start + len(args) - 1}{scope})")
    if service is not None:
        args.append(service)
        parts.append(f"service = ${start + len(args) - 1}")
    return "".join(f" AND {p}" for p in parts), args


_SUMS = ", ".join(f"coalesce(sum(sum_{e}), 0)::bigint AS {e}" for e in ELEMENTS)


def index_of(row: asyncpg.Record | dict[str, Any], when: Period, cls: type[SkmIndex] = SkmIndex, **extra: Any) -> Any:
    """The wire index from a row of sums: exact arithmetic in ``skm``, rounded values as JSON numbers."""
    respondents, population = int(row["respondents"]), int(row["transactions"])
    computed = skm.index(respondents, {e: int(row[e]) for e in ELEMENTS})
    published = computed.nrr_published()
    return cls(
        respondents=respondents,
        elements={e: float(published[e]) if published else None for e in ELEMENTS},
        ikm=float(computed.score) if computed.score is not None else None,
        grade=computed.grade,
        sample_needed=skm.sample_needed(population),
        population=population,
        sample_reached=skm.reached(respondents, population),
        start=when.start,
        end=when.end,
        **extra,
    )


async def skm_index(
    conn: asyncpg.Connection,
    *,
    region: str | None = None,
    agency: str | None = None,
    service: uuid.UUID | None = None,
    start: dt.date,
    end: dt.date,
) -> SkmIndex:
    """The index of a unit (a region, an agency by code — in the region when one is named —, a service; any
    combination) over ``start``..``end`` (the buildings' local dates, inclusive): one statement over the
    running sums. Codes are not checked here (``check_unit``): an unknown one has no rows."""
    where, args = _where(region=region, agency=agency, agency_id=None, service=service)
    row = await conn.fetchrow(
        f"""SELECT coalesce(sum(transactions), 0)::bigint AS transactions,
                   coalesce(sum(respondents), 0)::bigint AS respondents, {_SUMS}
            FROM feedback_skm_daily WHERE day BETWEEN $1 AND $2{where}""",
        start,
        end,
        *args,
    )
    result: SkmIndex = index_of(row, Period(start, end))
    return result


@dataclass(frozen=True)
class StaffScope:
    """Whose figures a staff member reads: a region, and an agency of it (by id) or all of them."""

    region: str
    agency: uuid.UUID | None
    officers: bool  # supervisors and admins see per-officer figures


async def staff_index(
    conn: asyncpg.Connection, *, scope: StaffScope, service: uuid.UUID | None, when: Period, lang: Lang
) -> StaffSkm:
    """The unit's index, per service, and (for supervisors and admins) per officer with enough answers."""
    en = lang == "en"
    where, args = _where(region=scope.region, agency=None, agency_id=scope.agency, service=service)
    rows = await conn.fetch(
        f"""SELECT d.service, s.name_id, s.name_en, d.transactions, d.respondents,
                   {", ".join(f"d.{e}" for e in ELEMENTS)}
            FROM (SELECT service, sum(transactions)::bigint AS transactions, sum(respondents)::bigint AS respondents,
                         {_SUMS}
                  FROM feedback_skm_daily WHERE day BETWEEN $1 AND $2{where} GROUP BY service) d
            LEFT JOIN catalogue_service s ON s.id = d.service
            ORDER BY d.respondents DESC, s.name_id NULLS LAST""",
        when.start,
        when.end,
        *args,
    )
    total: dict[str, int] = {key: 0 for key in ("transactions", "respondents", *ELEMENTS)}
    for r in rows:
        for key in total:
            total[key] += int(r[key])
    services = [
        index_of(
            r,
            when,
            ServiceIndex,
            service_id=r["service"],
            service_name=r["name_en" if en else "name_id"] if r["service"] else None,
        )
        for r in rows
    ]
    officers = await _officers(conn, where, args, when) if scope.officers else None
    return StaffSkm(overall=index_of(total, when), services=services, officers=officers)


async def _officers(conn: asyncpg.Connection, where: str, args: list[Any], when: Period) -> list[OfficerIndex]:
    """Per officer, from the answers themselves (the running sums have no officer), only over
    MIN_OFFICER_RESPONDENTS answers; named from their accounts (cross-domain read: staff names)."""
    rows = await conn.fetch(
        f"""SELECT v.officer, coalesce(acc.name, '') AS name, v.respondents, {", ".join(f"v.{e}" for e in ELEMENTS)}
            FROM (SELECT officer, count(*)::bigint AS respondents,
                         {", ".join(f"sum({e})::bigint AS {e}" for e in ELEMENTS)}
                  FROM feedback_survey WHERE officer IS NOT NULL AND day BETWEEN $1 AND $2{where}
                  GROUP BY officer HAVING count(*) >= {MIN_OFFICER_RESPONDENTS}) v
            LEFT JOIN accounts_account acc ON acc.id = v.officer
            ORDER BY name, v.officer""",
        when.start,
        when.end,
        *args,
    )
    found = []
    for r in rows:
        computed = skm.index(int(r["respondents"]), {e: int(r[e]) for e in ELEMENTS})
        assert computed.score is not None and computed.grade is not None
        found.append(
            OfficerIndex(
                id=r["officer"],
                name=r["name"],
                respondents=int(r["respondents"]),
                ikm=float(computed.score),
                grade=computed.grade,
            )
        )
    return found


async def agency_id(conn: asyncpg.Connection, *, code: str, region: str) -> uuid.UUID:
    """The id of the agency with this code in the region (404 when there is none)."""
    found: uuid.UUID | None = None
    if len(code) <= 40:
        found = await conn.fetchval("SELECT id FROM catalogue_agency WHERE code = $1 AND region = $2", code, region)
    if found is None:
        raise SurveyNotFoundError("agency")
    return found
