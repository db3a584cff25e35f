"""The queue's reads of the catalogue and of accounts, each one statement (listed under *Deliberate exceptions* in
docs/ARCHITECTURE.md): a booking at the opening rush reads its whole context — the service, its counters, the
building's hours and closure, the settings, the account's NIK and assurance level, its no-shows and any earlier
use of the Idempotency-Key — in one round trip, and takes its seat in a second.

Which counters serve a service: the building's live counters of the service's agency that either chose no
services (they serve all of their agency's) or chose this one. Each such counter's time is shared among the
services it serves (``shares``): the active counter services it chose, or all of its agency's.
"""

# The SQL here is composed of constants of ours (rules.LINE_KEY, column lists); values are always parameters.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from api.accounts.assurance import assurance_sql
from api.queue import rules

# Counter services: shown to citizens and not online-only.
_QUEUED = "s.active AND s.channels <> 'online'"

_COUNTERS = """
    SELECT c.id, c.number,
           CASE WHEN EXISTS (SELECT 1 FROM catalogue_counter_service x WHERE x.counter = c.id)
                THEN (SELECT count(*) FROM catalogue_counter_service x JOIN catalogue_service y ON y.id = x.service
                      WHERE x.counter = c.id AND y.active AND y.channels <> 'online')
                ELSE (SELECT count(*) FROM catalogue_service y
                      WHERE y.agency = c.agency AND y.active AND y.channels <> 'online') END AS shares
    FROM catalogue_counter c
    WHERE c.mpp = m.id AND c.agency = s.agency AND c.retired_at IS NULL
      AND (NOT EXISTS (SELECT 1 FROM catalogue_counter_service x WHERE x.counter = c.id)
           OR EXISTS (SELECT 1 FROM catalogue_counter_service x WHERE x.counter = c.id AND x.service = s.id))
"""

PLAN_COLUMNS = f"""
    s.id, s.code, s.region, s.agency, s.name_id, s.name_en, s.assurance, ({_QUEUED}) AS queued,
    a.code AS agency_code, a.name_id AS agency_name_id, a.name_en AS agency_name_en,
    r.name AS region_name, r.name_en AS region_name_en,
    m.id AS mpp, m.name AS mpp_name, m.opening_hours,
    q.id IS NOT NULL AS custom, coalesce(q.revision, 0) AS revision,
    coalesce(q.handling_minutes, {rules.DEFAULT_HANDLING_MINUTES}) AS handling_minutes,
    coalesce(q.slot_minutes, {rules.DEFAULT_SLOT_MINUTES}) AS slot_minutes,
    q.online_quota, q.walk_in_quota, coalesce(q.enabled, true) AS enabled,
    l.letter,
    (SELECT coalesce(array_agg(k.number ORDER BY k.number), '{{}}') FROM ({_COUNTERS}) k) AS counter_numbers,
    (SELECT coalesce(array_agg(k.shares ORDER BY k.number), '{{}}') FROM ({_COUNTERS}) k) AS counter_shares
"""

PLAN_FROM = """
    FROM catalogue_service s
    JOIN catalogue_agency a ON a.id = s.agency
    JOIN catalogue_region r ON r.code = s.region
    LEFT JOIN LATERAL (SELECT id, name, opening_hours FROM catalogue_mpp WHERE region = s.region
                       ORDER BY name LIMIT 1) m ON true
    LEFT JOIN queue_service_setting q ON q.service = s.id
    LEFT JOIN queue_agency_letter l ON l.agency = s.agency
"""


@dataclass(frozen=True)
class Plan:
    """A service as the queue sees it: where, by whom, with which settings."""

    row: asyncpg.Record

    def __getitem__(self, key: str) -> Any:
        return self.row[key]

    @property
    def id(self) -> uuid.UUID:
        value: uuid.UUID = self.row["id"]
        return value

    @property
    def region(self) -> str:
        value: str = self.row["region"]
        return value

    @property
    def hours(self) -> dict[str, list[str]]:
        raw = self.row["opening_hours"]
        hours: dict[str, list[str]] = json.loads(raw) if isinstance(raw, str) else dict(raw or {})
        return hours

    @property
    def counters(self) -> list[rules.CounterShare]:
        return [
            rules.CounterShare(number=n, services=int(k))
            for n, k in zip(self.row["counter_numbers"], self.row["counter_shares"], strict=True)
        ]

    @property
    def bookable(self) -> bool:
        """Queued at all: a counter service, enabled, in a building with a counter serving it."""
        return bool(self.row["queued"] and self.row["enabled"] and self.row["mpp"] and self.row["counter_numbers"])

    def day(self, day: dt.date) -> tuple[list[rules.PlannedSlot], rules.Quotas]:
        return rules.plan_day(
            self.region,
            self.hours,
            day,
            handling_minutes=self.row["handling_minutes"],
            slot_minutes=self.row["slot_minutes"],
            online_quota=self.row["online_quota"],
            walk_in_quota=self.row["walk_in_quota"],
            counters=self.counters,
        )


_PLAN = f"""SELECT {PLAN_COLUMNS},
    EXISTS (SELECT 1 FROM catalogue_mpp_closure z WHERE z.mpp = m.id AND z.day = $2::date) AS closed
    {PLAN_FROM} WHERE s.id = $1"""


async def fetch_plan(conn: asyncpg.Connection, service_id: uuid.UUID, day: dt.date | None = None) -> Plan | None:
    """One service's plan (and whether its building is closed on ``day``), or None if there is no such service."""
    row = await conn.fetchrow(_PLAN, service_id, day)
    return Plan(row) if row is not None else None


_REGION_PLANS = f"""SELECT {PLAN_COLUMNS} {PLAN_FROM}
    WHERE s.region = $1 AND {_QUEUED} ORDER BY a.short_name, s.name_id"""


async def fetch_region_plans(conn: asyncpg.Connection, region: str) -> list[Plan]:
    """The region's counter services (shown to citizens, not online-only), by agency and name."""
    return [Plan(r) for r in await conn.fetch(_REGION_PLANS, region)]


async def closed_on(conn: asyncpg.Connection, region: str, day: dt.date) -> bool:
    """Whether the region's building has a closure on ``day``."""
    found: bool = await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM catalogue_mpp_closure z JOIN catalogue_mpp m ON m.id = z.mpp
                          WHERE m.region = $1 AND z.day = $2)""",
        region,
        day,
    )
    return found


# The booking's context: the plan, the closure on the slot's (local) day, the account's NIK and level, the NIK's
# no-shows that can still count (a booking never checked in by the end of its day counts before the job marks
# it), and any earlier use of the Idempotency-Key. The region's time zone comes from rules (its province sets).
BOOKING_CONTEXT = f"""
SELECT {PLAN_COLUMNS},
    EXISTS (SELECT 1 FROM catalogue_mpp_closure z
            WHERE z.mpp = m.id AND z.day = ($2::timestamptz AT TIME ZONE tz.zone)::date) AS closed,
    me.nik AS my_nik, {assurance_sql("me")} AS my_assurance,
    (SELECT coalesce(array_agg(coalesce(b.no_show_at, b.ends_at)), '{{}}') FROM queue_booking b
      WHERE b.nik = me.nik AND b.starts_at > $4::timestamptz - interval '130 days'
        AND (b.status = 'no_show'
             OR (b.status = 'booked' AND b.day < ($4::timestamptz AT TIME ZONE tz.zone)::date))) AS no_shows,
    x.id AS existing_id, x.request_hash AS existing_hash
{PLAN_FROM}
CROSS JOIN LATERAL (SELECT CASE WHEN left(s.region, 2) = ANY($6::text[]) THEN 'Asia/Makassar'
                                WHEN left(s.region, 2) = ANY($7::text[]) THEN 'Asia/Jayapura'
                                ELSE 'Asia/Jakarta' END AS zone) tz
JOIN accounts_account me ON me.id = $3
LEFT JOIN queue_booking x ON x.account = me.id AND x.idempotency_key = $5
WHERE s.id = $1
"""


async def fetch_booking_context(
    conn: asyncpg.Connection,
    *,
    service_id: uuid.UUID,
    start: dt.datetime,
    account: uuid.UUID,
    now: dt.datetime,
    idempotency_key: str,
) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        BOOKING_CONTEXT,
        service_id,
        start,
        account,
        now,
        idempotency_key,
        sorted(rules.WITA_PROVINCES),
        sorted(rules.WIT_PROVINCES),
    )
    return row


async def no_shows_of(conn: asyncpg.Connection, account: uuid.UUID, now: dt.datetime, today: dt.date) -> list[Any]:
    """The no-shows that can still count for the account's NIK (as in the booking's context)."""
    row = await conn.fetchrow(
        """SELECT (SELECT coalesce(array_agg(coalesce(b.no_show_at, b.ends_at)), '{}') FROM queue_booking b
                   WHERE b.nik = me.nik AND b.starts_at > $2::timestamptz - interval '130 days'
                     AND (b.status = 'no_show' OR (b.status = 'booked' AND b.day < $3::date))) AS no_shows
           FROM accounts_account me WHERE me.id = $1 AND me.nik IS NOT NULL""",
        account,
        now,
        today,
    )
    return list(row["no_shows"]) if row else []


# --- counters ----------------------------------------------------------------------------------------------------

_AGENCY_COUNTERS = """
SELECT c.id, c.number, c.agency, a.code AS agency_code, a.name_id AS agency_name_id, a.name_en AS agency_name_en,
       (SELECT array_agg(x.service) FROM catalogue_counter_service x WHERE x.counter = c.id) AS services
FROM catalogue_counter c
JOIN catalogue_agency a ON a.id = c.agency
JOIN catalogue_mpp m ON m.id = c.mpp
WHERE m.region = $1 AND c.retired_at IS NULL AND ($2::text IS NULL OR a.code = $2)
  AND ($3::text IS NULL OR upper(c.number) = upper($3))
ORDER BY length(c.number), c.number
"""


async def announce_board(conn: asyncpg.Connection, region: str) -> None:
    """Wake the display boards of ``region`` (every API process's ``BoardHub`` LISTENs on ``queue_board``) once the
    change is committed.

    Not inside the change's transaction: a transaction that has NOTIFYed takes PostgreSQL's one notification lock
    at its commit and holds it through the commit's WAL flush, so 50 counters calling at once would commit one
    after another (``Lock:object`` at COMMIT; bench/RESULTS.md). Here the NOTIFY is a transaction of its own that
    does not wait for the flush (``synchronous_commit`` off for it alone: a crash in that instant costs a board
    one refresh, never data), so the lock is held for microseconds and the changes' commits share their flushes.
    Inside a caller's transaction it is raised there, delivered at that commit as before.
    """
    if conn.is_in_transaction():
        await conn.execute("SELECT pg_notify('queue_board', $1)", region)
        return
    if not region.isdigit():  # a BPS code; it is spliced into the one-round-trip script below
        raise ValueError(f"not a region code: {region!r}")
    await conn.execute(
        f"BEGIN; SET LOCAL synchronous_commit = off; SELECT pg_notify('queue_board', '{region}'); COMMIT;"
    )


# The officer's own open counter by its number, its session row locked (as ``counter._take_counter`` locks it):
# call-next's usual case in one round trip instead of two.
_MY_OPEN_COUNTER = """
SELECT c.id, c.number, c.agency, a.code AS agency_code, a.name_id AS agency_name_id, a.name_en AS agency_name_en,
       (SELECT array_agg(x.service) FROM catalogue_counter_service x WHERE x.counter = c.id) AS services
FROM queue_counter_session q
JOIN catalogue_counter c ON c.id = q.counter
JOIN catalogue_agency a ON a.id = c.agency
JOIN catalogue_mpp m ON m.id = c.mpp
WHERE q.officer = $1 AND q.closed_at IS NULL AND m.region = $2 AND a.code = $3 AND upper(c.number) = upper($4)
  AND c.retired_at IS NULL
FOR UPDATE OF q
"""


async def fetch_my_open_counter(
    conn: asyncpg.Connection, *, officer: uuid.UUID, region: str, agency_code: str, number: str
) -> asyncpg.Record | None:
    """The counter ``number`` if the officer has it open (its session locked for the transaction), else None."""
    row: asyncpg.Record | None = await conn.fetchrow(_MY_OPEN_COUNTER, officer, region, agency_code, number)
    return row


async def fetch_counters(
    conn: asyncpg.Connection, *, region: str, agency_code: str | None = None, number: str | None = None
) -> list[asyncpg.Record]:
    """The building's live counters (of one agency, or one by its number), each with the services it chose
    (null: all of its agency's)."""
    rows: list[asyncpg.Record] = await conn.fetch(_AGENCY_COUNTERS, region, agency_code, number)
    return rows


async def fetch_agency(conn: asyncpg.Connection, *, region: str, code: str) -> asyncpg.Record | None:
    """A live agency of the region by its code, with its letter if it has one."""
    row: asyncpg.Record | None = await conn.fetchrow(
        """SELECT a.id, a.code, a.name_id, a.name_en, l.letter FROM catalogue_agency a
           LEFT JOIN queue_agency_letter l ON l.agency = a.id
           WHERE a.region = $1 AND a.code = $2 AND a.retired_at IS NULL""",
        region,
        code,
    )
    return row


async def fetch_agency_by_id(conn: asyncpg.Connection, agency_id: uuid.UUID) -> asyncpg.Record:
    row: asyncpg.Record = await conn.fetchrow(
        "SELECT id, code, name_id, name_en, region FROM catalogue_agency WHERE id = $1", agency_id
    )
    return row


async def fetch_service_agency(conn: asyncpg.Connection, service_id: uuid.UUID) -> uuid.UUID | None:
    """The agency of an active service."""
    found: uuid.UUID | None = await conn.fetchval(
        "SELECT agency FROM catalogue_service WHERE id = $1 AND active", service_id
    )
    return found


# --- tickets -------------------------------------------------------------------------------------------------------

# What the estimate needs, in one statement: the agency's last handling times today (minutes), how many live
# counters may serve the ticket and how many of them are open now, and the admin's handling minutes.
_SERVES = """($3::uuid IS NULL OR NOT EXISTS (SELECT 1 FROM catalogue_counter_service x WHERE x.counter = c.id)
              OR EXISTS (SELECT 1 FROM catalogue_counter_service x WHERE x.counter = c.id AND x.service = $3))"""
ESTIMATE_INPUTS = f"""
SELECT
    (SELECT coalesce(array_agg(d.minutes), '{{}}') FROM (
        SELECT extract(epoch FROM t.done_at - coalesce(t.serving_at, t.called_at)) / 60 AS minutes
        FROM queue_ticket t WHERE t.agency = $1 AND t.day = $2 AND t.done_at IS NOT NULL
        ORDER BY t.done_at DESC LIMIT {rules.RECENT_SERVICES}) d) AS durations,
    (SELECT count(*) FROM catalogue_counter c
      WHERE c.agency = $1 AND c.retired_at IS NULL AND {_SERVES}) AS counters_all,
    (SELECT count(*) FROM catalogue_counter c
       JOIN queue_counter_session q ON q.counter = c.id AND q.closed_at IS NULL
      WHERE c.agency = $1 AND c.retired_at IS NULL AND {_SERVES}) AS counters_open,
    coalesce((SELECT handling_minutes FROM queue_service_setting WHERE service = $3),
             {rules.DEFAULT_HANDLING_MINUTES}) AS handling_minutes
"""

TICKET_SELECT = """
SELECT t.*, s.name_id AS service_name_id, s.name_en AS service_name_en,
       a.code AS agency_code, a.name_id AS agency_name_id, a.name_en AS agency_name_en,
       c.number AS counter_number, b.starts_at AS booking_start, b.ends_at AS booking_end
FROM queue_ticket t
JOIN catalogue_agency a ON a.id = t.agency
LEFT JOIN catalogue_service s ON s.id = t.service
LEFT JOIN catalogue_counter c ON c.id = t.counter
LEFT JOIN queue_booking b ON b.id = t.booking
"""


# --- call next ------------------------------------------------------------------------------------------------

# Who this counter may call (a ticket sent to another counter is not ours; a counter that chose services calls
# only those), for a waiting ticket row aliased ``t``.
_ELIGIBLE = """t.agency = $1 AND t.day = $2 AND t.status = 'waiting'
      AND (t.target_counter IS NULL OR t.target_counter = $3)
      AND (t.service IS NULL OR $4::uuid[] IS NULL OR t.service = ANY($4::uuid[]))"""


def front(limit: str, eligible: str) -> str:
    """The first ``limit`` tickets of each priority (transferred, booked, walk-in) in line order, from the line's
    index (``queue_ticket_line_idx``: agency, day, priority, due_at, seq) instead of sorting the whole line.

    Within one priority the index order *is* the line's order (a booked ticket whose slot has not started counts as
    a walk-in at its slot's start; those come after the started ones, still by due time), so the first n of the
    whole line are among the first n of each priority."""
    parts = [
        f"(SELECT t.id FROM queue_ticket t WHERE {eligible} AND t.priority = {p} ORDER BY t.due_at, t.seq "
        f"LIMIT {limit})"
        for p in (rules.TRANSFERRED, rules.BOOKED, rules.WALK_IN)
    ]
    return " UNION ALL ".join(parts)


# The next ticket, locked with SKIP LOCKED, among the first CALL_CANDIDATES of each priority. Exact as long as fewer
# than that many of one priority are locked at once by others — calls of the agency's other counters (one each),
# heads-ups (the first few), transfers: bounded by the agency's counters, far below it. When every candidate is
# locked it finds nothing, and ``counter.call_next`` asks again over the whole line (CALL_NEXT_ALL).
CALL_CANDIDATES = 128
_NEXT_FAST = f"""
    SELECT t.id FROM queue_ticket t
    WHERE t.id = ANY(ARRAY({front("$8", _ELIGIBLE)})) AND {_ELIGIBLE}
    ORDER BY {rules.line_key("t", "$5::timestamptz")}
    LIMIT 1
    FOR UPDATE SKIP LOCKED"""
_NEXT_ALL = f"""
    SELECT t.id FROM queue_ticket t
    WHERE {_ELIGIBLE} AND $8::int IS NOT NULL
    ORDER BY {rules.line_key("t", "$5::timestamptz")}
    LIMIT 1
    FOR UPDATE SKIP LOCKED"""
_CALL_NEXT_TAIL = """
called AS (
    UPDATE queue_ticket t SET status = 'called', counter = $3, officer = $6, calls = 1, called_at = $5,
                              first_called_at = coalesce(t.first_called_at, $5)
    FROM next WHERE t.id = next.id
    RETURNING t.*),
logged AS (
    INSERT INTO queue_call (ticket, region, counter, counter_number, number, officer, kind, at)
    SELECT id, region, $3, $7, number, $6, 'call', $5 FROM called)
SELECT t.*, s.name_id AS service_name_id, s.name_en AS service_name_en,
       a.code AS agency_code, a.name_id AS agency_name_id, a.name_en AS agency_name_en,
       $7::text AS counter_number, b.starts_at AS booking_start, b.ends_at AS booking_end
FROM called t
JOIN catalogue_agency a ON a.id = t.agency
LEFT JOIN catalogue_service s ON s.id = t.service
LEFT JOIN queue_booking b ON b.id = t.booking
"""
CALL_NEXT = f"WITH next AS ({_NEXT_FAST}),{_CALL_NEXT_TAIL}"
CALL_NEXT_ALL = f"WITH next AS ({_NEXT_ALL}),{_CALL_NEXT_TAIL}"
