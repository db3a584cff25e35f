"""Dashboards and open data at full scale (issue 18): the read model against the raw record, same run.

Issue 18's benchmark: with 1 million citizens, 5 million applications with their timelines, 3 million queue
tickets with theirs, 1 million SKM answers and 50,000 complaints, the region dashboard (a region, a year by month,
with its breakdown by agency) answers with p95 < 200 ms and the national ranking of the regions with p95 < 500 ms
from the stats read model (``stats_*`` facts maintained by the consumer), NEXT TO the same figures computed from
the raw rows in the same run (the baseline, and a check that they are equal); the daily open-data export for all
regions takes < 60 s.

What is generated, in a fresh database made by ``mpp migrate`` and ``mpp seed --demo`` (21 regions, 485 agencies,
3,406 services):

- citizens, officers, wallet documents, applications and their ``applications_event`` timelines: scale_bench.py's
  own generator (``Population``: statuses, due dates in working days of the region's calendar, correction rounds,
  decisions; see bench/README.md), COPYed in rounds of ``--batch-rows`` rows, each round its own transaction — so the
  events carry a few hundred different ``xid`` values, and the consumer's slicing by transaction id is exercised;
- ``--tickets`` queue tickets (walk-ins at the agencies' counters over the last 730 days, busy agencies weighted,
  20 % without a service; 92 % served, 8 % no-shows; waits and the estimate shown at issue as a kiosk gives them)
  and their ``queue_ticket_event`` rows (issued, serving, done / no_show, the officer as actor), set-based SQL in
  ``--chunks`` transactions by day ranges;
- SKM: ``--invitations`` invitations and ``--surveys`` answers with ``feedback_skm_daily``, skm_bench.py's own SQL;
- ``--complaints`` complaints and their ``feedback_complaint_event`` rows (filed, answered, escalated, closed) with
  due dates from the category's response days, some answered late, some still open.

Then ``VACUUM ANALYZE``, and it measures (see ``measure``): the stats consumer's catch-up over the whole record
(``api.stats.consumer.catch_up``, rows/s), the region dashboard and the national ranking in-process (p95) with the
aggregates and with the raw baseline, checking they are equal, over HTTP through a real ``mpp serve`` when it can,
the open-data export for all regions, and ``mpp stats verify`` for a month.

    .venv/bin/python bench/stats_bench.py [--scale 0.01] [--database-url URL] [--keep] [--reuse NAME]
                                          [--markdown FILE]

Exit status: 0 when every target passes and every check agrees, 1 otherwise, 2 when the database or the server
could not be set up, 130 when interrupted. The database is dropped at the end unless ``--keep`` (a ``--reuse``d
one is never dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib
import math
import os
import platform
import random
import resource
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import asyncpg
import httpx
import msgspec
from http_bench import PROJECT, Server, _admin, _raise_interrupt, cpu_model, percentile, redact, with_database
from scale_bench import (
    Phase,
    RecordingConnection,
    Sizes,
    human_bytes,
    markdown_table,
    mpp_command,
    one_line,
    text_table,
)
from scale_bench import generate as generate_applications
from skm_bench import DAILY_SQL, INVITATIONS_SQL, SCORE_SQL, UNITS_SQL, surveys_sql

from api.catalogue.timezones import time_zone

FULL_CITIZENS = 1_000_000
FULL_APPLICATIONS = 5_000_000
FULL_TICKETS = 3_000_000
FULL_INVITATIONS = 3_000_000
FULL_SURVEYS = 1_000_000
FULL_COMPLAINTS = 50_000
DAYS = 730  # tickets, surveys and complaints: two years ending yesterday (applications: scale_bench's three)
TARGET_DASHBOARD_P95_MS = 200.0
TARGET_RANKING_P95_MS = 500.0
TARGET_EXPORT_S = 60.0
# The app's pool (api/lib/db.py) sets these on every connection; the in-process measurements do the same.
APP_SERVER_SETTINGS = {
    "statement_timeout": "60000",
    "application_name": "mpp-stats-bench",
    "plan_cache_mode": "auto",
    "jit": "off",
}
SOURCE_TABLES = ("applications_event", "queue_ticket_event", "feedback_complaint_event")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- generation: queue tickets --------------------------------------------------------------------------

# Every agency with a counter, in a random order (the n-th is drawn with probability ∝ a long tail, as for the SKM
# units), with its ticket letter (unique within the region: a ticket number is unique per region, day, letter and
# sequence), its officers and its active services.
AGENCIES_SQL = """
CREATE TEMP TABLE bench_agency AS
SELECT (row_number() OVER (ORDER BY md5(a.id::text || $1::text)) - 1)::int AS n,
       a.id AS agency, a.region, z.tz,
       (SELECT m.id FROM catalogue_mpp m WHERE m.region = a.region ORDER BY m.name LIMIT 1) AS mpp,
       chr(65 + (k.k % 26)::int) || CASE WHEN k.k >= 26 THEN chr(64 + (k.k / 26)::int) ELSE '' END AS letter,
       (SELECT c.id FROM catalogue_counter c WHERE c.agency = a.id AND c.retired_at IS NULL ORDER BY c.number
        LIMIT 1) AS counter,
       coalesce((SELECT array_agg(o.id ORDER BY o.id) FROM accounts_account o
                 WHERE o.agency = a.id AND 'officer' = ANY(o.roles)), '{}') AS officers,
       coalesce((SELECT array_agg(s.id ORDER BY md5(s.id::text)) FROM catalogue_service s
                 WHERE s.agency = a.id AND s.active), '{}') AS services
FROM catalogue_agency a
JOIN bench_zone z ON z.region = a.region
JOIN (SELECT id, row_number() OVER (PARTITION BY region ORDER BY code) - 1 AS k FROM catalogue_agency) k
  ON k.id = a.id
WHERE a.retired_at IS NULL
  AND EXISTS (SELECT 1 FROM catalogue_counter c WHERE c.agency = a.id AND c.retired_at IS NULL);
CREATE UNIQUE INDEX ON bench_agency (n);
ANALYZE bench_agency;
"""

# Tickets $1 … $2 - 1 of $3, spread evenly over $5 days from $4 (so a chunk of numbers is a range of days).
# Waits: exponential, mean 18 minutes, at most 4 hours; the estimate shown at issue is a 15-minute window that
# holds the real wait about four times in five; handling 4–20 minutes.
TICKETS_SQL = """
INSERT INTO queue_ticket (id, region, agency, service, day, letter, seq, number, kind, application, status, priority,
                          due_at, counter, officer, calls, follow_token, issued_at, first_called_at, called_at,
                          serving_at, done_at, estimate_low, estimate_high, mpp)
SELECT pg_temp.bench_uuid('0000000c', t.g), t.region, t.agency, t.service, t.day, t.letter, t.seq,
       t.letter || '-' || lpad(t.seq::text, 3, '0'), 'walk_in',
       CASE WHEN NOT t.no_show AND t.service IS NOT NULL AND t.r_app < 0.35 THEN gen_random_uuid() END,
       CASE WHEN t.no_show THEN 'no_show' ELSE 'done' END,
       CASE WHEN t.r_app > 0.98 THEN 1 ELSE 0 END,
       t.issued_at, t.counter, t.officer, CASE WHEN t.no_show THEN 3 ELSE 1 END,
       md5(t.g::text || 'follow') || substr(md5(t.g::text || 'token'), 1, 11),
       t.issued_at, t.called_at, t.called_at,
       CASE WHEN NOT t.no_show THEN t.called_at + interval '40 seconds' END,
       CASE WHEN t.no_show THEN t.called_at + interval '5 minutes'
            ELSE t.called_at + interval '40 seconds' + (4 + 16 * t.r_handle) * interval '1 minute' END,
       greatest(0, floor(t.wait_s / 60) - 12 + floor(t.r_est * 16))::smallint,
       (greatest(0, floor(t.wait_s / 60) - 12 + floor(t.r_est * 16)) + 15)::smallint, t.mpp
FROM (
    SELECT s.*, a.region, a.mpp, a.agency, a.letter, a.counter,
           CASE WHEN cardinality(a.officers) > 0
                THEN a.officers[1 + floor(s.r_officer * cardinality(a.officers))::int] END AS officer,
           CASE WHEN s.r_service >= 0.20 AND cardinality(a.services) > 0
                THEN a.services[1 + floor(power(s.r_pick, 2.0) * cardinality(a.services))::int] END AS service,
           row_number() OVER (PARTITION BY a.agency, s.day ORDER BY s.g) AS seq,
           ((s.day + time '07:30' + s.r_time * interval '7 hours') AT TIME ZONE a.tz) AS issued_at,
           ((s.day + time '07:30' + s.r_time * interval '7 hours') AT TIME ZONE a.tz)
               + s.wait_s * interval '1 second' AS called_at
    FROM (
        SELECT g, $4::date + (g * $5::bigint / $3::bigint)::int AS day,
               random() AS r_unit, random() AS r_service, random() AS r_pick, random() AS r_officer,
               random() AS r_time, random() AS r_est, random() AS r_handle, random() AS r_app,
               random() < 0.08 AS no_show,
               least(14400, floor(-ln(1 - random()) * 18 * 60)) AS wait_s
        FROM generate_series($1::bigint, $2::bigint - 1) g
    ) s
    JOIN bench_agency a ON a.n = least($6::int - 1, floor($6::int * power(s.r_unit, 1.8)))::int
) t
ORDER BY t.g
"""

TICKET_EVENTS_SQL = """
INSERT INTO queue_ticket_event (ticket, action, actor, counter, detail, at)
SELECT t.id, e.action, e.actor, e.counter, e.detail::jsonb, e.at
FROM queue_ticket t
CROSS JOIN LATERAL (VALUES
    ('issued', NULL::uuid, NULL::uuid, '{"kiosk": null}', t.issued_at, true),
    ('serving', t.officer, t.counter, '{}', t.serving_at, t.status = 'done'),
    ('done', t.officer, t.counter, '{}', t.done_at, t.status = 'done'),
    ('no_show', t.officer, t.counter, '{}', t.done_at, t.status = 'no_show')
) e(action, actor, counter, detail, at, keep)
WHERE t.day >= $1 AND t.day < $2 AND e.keep
ORDER BY e.at
"""


# --- generation: complaints ------------------------------------------------------------------------------

# $1 complaints over $3 days from $2, at the agencies drawn as tickets are. Categories by their response days;
# 85 % answered (a few late), of which most closed (confirmed by the citizen, or on timeout); the rest still open
# or escalated. Due dates: response days counted as working days, approximated by weeks of five (the stored
# due_date is what the figures read, whatever rule made it).
COMPLAINTS_SQL = """
INSERT INTO feedback_complaint (id, number, account, region, agency, service, category, text, anonymous, status,
                                due_date, answer, answered_at, answered_by, escalated_at, closed_at, close_reason,
                                version, created_at, updated_at)
SELECT pg_temp.bench_uuid('0000000d', c.g), c.number, NULL, c.region, c.agency, c.service, c.category,
       'Antrean terlalu lama dan petugas tidak menjelaskan persyaratan.', c.r_anon < 0.3,
       CASE WHEN NOT c.answered THEN CASE WHEN c.r_state < 0.5 THEN 'escalated' ELSE 'submitted' END
            WHEN c.r_state < 0.7 THEN 'closed' ELSE 'answered' END,
       c.due_date,
       CASE WHEN c.answered THEN 'Terima kasih, sudah kami tindak lanjuti.' END,
       CASE WHEN c.answered THEN c.answered_at END,
       CASE WHEN c.answered THEN c.officer END,
       CASE WHEN NOT c.answered AND c.r_state < 0.5 THEN c.filed_at + interval '10 days' END,
       CASE WHEN c.answered AND c.r_state < 0.7 THEN c.answered_at + interval '5 days' END,
       CASE WHEN c.answered AND c.r_state < 0.7 THEN CASE WHEN c.r_state < 0.4 THEN 'confirmed' ELSE 'timeout' END
       END,
       1, c.filed_at, coalesce(c.answered_at, c.filed_at)
FROM (
    SELECT s.*, a.region, a.agency,
           CASE WHEN s.r_service >= 0.3 AND cardinality(a.services) > 0
                THEN a.services[1 + floor(s.r_pick * cardinality(a.services))::int] END AS service,
           CASE WHEN cardinality(a.officers) > 0
                THEN a.officers[1 + floor(s.r_pick * cardinality(a.officers))::int] END AS officer,
           k.code AS category,
           s.day + ceil(k.response_days * 7 / 5.0)::int AS due_date,
           'ADU-' || a.region || '-' || extract(year FROM s.day) || '-'
               || lpad((row_number() OVER (PARTITION BY a.region, extract(year FROM s.day) ORDER BY s.g))::text,
                       6, '0') AS number,
           ((s.day + time '08:00' + s.r_time * interval '10 hours') AT TIME ZONE a.tz) AS filed_at,
           ((s.day + time '08:00' + s.r_time * interval '10 hours') AT TIME ZONE a.tz)
               + s.r_delay * ceil(k.response_days * 7 / 5.0 * 1.3) * interval '1 day' AS answered_at,
           s.r_answer < 0.85 AND s.day < current_date - 3 AS answered
    FROM (
        SELECT g, $2::date + (g * $3::bigint / $1::bigint)::int AS day,
               random() AS r_unit, random() AS r_service, random() AS r_pick, random() AS r_time,
               random() AS r_delay, random() AS r_answer, random() AS r_state, random() AS r_anon,
               random() AS r_category
        FROM generate_series(0::bigint, $1::bigint - 1) g
    ) s
    JOIN bench_agency a ON a.n = least($4::int - 1, floor($4::int * power(s.r_unit, 1.8)))::int
    JOIN (SELECT code, response_days, (row_number() OVER (ORDER BY position) - 1)::int AS i,
                 count(*) OVER () AS n
          FROM feedback_complaint_category) k ON k.i = floor(s.r_category * k.n)::int
) c
ORDER BY c.g
"""

COMPLAINT_EVENTS_SQL = """
INSERT INTO feedback_complaint_event (complaint, at, actor, actor_role, from_status, to_status, action, detail)
SELECT c.id, e.at, e.actor, e.role, e.from_status, e.to_status, e.action, '{}'::jsonb
FROM feedback_complaint c
CROSS JOIN LATERAL (VALUES
    (c.created_at, NULL::uuid, 'citizen', NULL, 'submitted', 'filed', true),
    (c.escalated_at, NULL::uuid, 'system', 'submitted', 'escalated', 'escalated', c.escalated_at IS NOT NULL),
    (c.answered_at, c.answered_by, 'officer', 'submitted', 'answered', 'answered', c.answered_at IS NOT NULL),
    (c.closed_at, NULL::uuid, CASE c.close_reason WHEN 'confirmed' THEN 'citizen' ELSE 'system' END, 'answered',
     'closed', CASE c.close_reason WHEN 'confirmed' THEN 'confirmed' ELSE 'closed' END, c.closed_at IS NOT NULL)
) e(at, actor, role, from_status, to_status, action, keep)
WHERE e.keep
ORDER BY e.at
"""

# A live filing takes the region's and year's next number from this row: move it past the generated ones.
COMPLAINT_SEQUENCE_SQL = """
INSERT INTO feedback_complaint_sequence (id, region, year, seq)
SELECT gen_random_uuid(), region, year, seq
FROM (SELECT region, split_part(number, '-', 3)::smallint AS year, max(split_part(number, '-', 4)::int) AS seq
      FROM feedback_complaint GROUP BY 1, 2) n
ON CONFLICT (region, year) DO UPDATE SET seq = greatest(feedback_complaint_sequence.seq, excluded.seq)
"""


@dataclass(frozen=True)
class Volumes:
    citizens: int
    applications: int
    tickets: int
    invitations: int
    surveys: int
    complaints: int

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Volumes:
        def scaled(n: int) -> int:
            return max(10, round(n * float(args.scale)))

        return cls(
            citizens=scaled(args.citizens),
            applications=scaled(args.applications),
            tickets=scaled(args.tickets),
            invitations=scaled(args.invitations),
            surveys=min(scaled(args.surveys), scaled(args.invitations)),
            complaints=scaled(args.complaints),
        )

    def describe(self) -> str:
        return (
            f"{self.citizens:,} citizens, {self.applications:,} applications, {self.tickets:,} queue tickets, "
            f"{self.invitations:,} SKM invitations and {self.surveys:,} answers, {self.complaints:,} complaints"
        )


@dataclass
class Loaded:
    phases: list[Phase] = field(default_factory=list)
    first_day: dt.date = dt.date.min
    last_day: dt.date = dt.date.min
    sizes: list[tuple[str, int, int]] = field(default_factory=list)  # table, rows, bytes with indexes
    transactions: dict[str, int] = field(default_factory=dict)  # source table: distinct xids

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.phases)


async def _step(conn: asyncpg.Connection, loaded: Loaded, name: str, sql: str, *args: Any) -> int:
    say(f"{name} …")
    began = time.monotonic()
    status = await conn.execute(sql, *args)
    rows = int(status.rsplit(" ", 1)[1]) if status.split(" ")[0] in ("INSERT", "SELECT") else 0
    loaded.phases.append(Phase(name, time.monotonic() - began, f"{rows:,} rows" if rows else ""))
    say(f"  {loaded.phases[-1].seconds:.1f} s" + (f", {rows:,} rows" if rows else ""))
    return rows


async def load_queue_and_feedback(url: str, volumes: Volumes, args: argparse.Namespace, loaded: Loaded) -> None:
    """Tickets, SKM and complaints, set-based; tickets and their events in ``--chunks`` transactions by days."""
    conn = await asyncpg.connect(url, timeout=10)
    try:
        await conn.execute("SET statement_timeout = 0; SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'")
        await conn.execute("SET synchronous_commit = off")
        await conn.execute(f"SELECT setseed({(args.seed % 1000) / 1000.0})")
        await conn.execute(SCORE_SQL)  # pg_temp.bench_uuid and skm_score
        regions = [r["code"] for r in await conn.fetch("SELECT code FROM catalogue_region")]
        await conn.execute("CREATE TEMP TABLE bench_zone (region varchar(4) PRIMARY KEY, tz text NOT NULL)")
        await conn.executemany("INSERT INTO bench_zone VALUES ($1, $2)", [(r, time_zone(r).key) for r in regions])
        await conn.execute(AGENCIES_SQL.replace("$1", f"'{args.seed}'"))
        agencies = await conn.fetchval("SELECT count(*) FROM bench_agency")
        loaded.last_day = dt.date.today() - dt.timedelta(days=1)
        loaded.first_day = loaded.last_day - dt.timedelta(days=DAYS - 1)

        chunks = max(1, min(args.chunks, DAYS))
        began = time.monotonic()
        ticket_rows = event_rows = 0
        for k in range(chunks):
            # Chunks end on day boundaries (a day's sequence numbers are made in one statement): ticket g is on
            # day first_day + ⌊g·DAYS/total⌋, so day D's first ticket is ⌈D·total/DAYS⌉.
            d_lo, d_hi = k * DAYS // chunks, (k + 1) * DAYS // chunks
            lo, hi = -(-d_lo * volumes.tickets // DAYS), -(-d_hi * volumes.tickets // DAYS)
            day_lo, day_hi = loaded.first_day + dt.timedelta(days=d_lo), loaded.first_day + dt.timedelta(days=d_hi)
            async with conn.transaction():
                status = await conn.execute(TICKETS_SQL, lo, hi, volumes.tickets, loaded.first_day, DAYS, agencies)
                ticket_rows += int(status.rsplit(" ", 1)[1])
                status = await conn.execute(TICKET_EVENTS_SQL, day_lo, day_hi)
                event_rows += int(status.rsplit(" ", 1)[1])
            say(f"  tickets chunk {k + 1}/{chunks}: {ticket_rows:,} tickets, {event_rows:,} events")
        loaded.phases.append(
            Phase("queue tickets + events", time.monotonic() - began, f"{ticket_rows + event_rows:,} rows, {chunks} tx")
        )
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence('queue_ticket_event', 'id'), max(id)) FROM queue_ticket_event"
        )

        # SKM: skm_bench.py's generator (invitations with made-up refs, answers, the running sums).
        units = await conn.fetchval("SELECT count(*) FROM catalogue_service WHERE active")
        await conn.execute(UNITS_SQL.replace("$1", f"'{args.seed}'"))
        await _step(
            conn,
            loaded,
            "feedback_invitation",
            INVITATIONS_SQL,
            volumes.invitations,
            loaded.first_day,
            DAYS,
            volumes.surveys,
            units,
        )
        await _step(conn, loaded, "feedback_survey", surveys_sql())
        await _step(conn, loaded, "feedback_skm_daily", DAILY_SQL)

        began = time.monotonic()
        async with conn.transaction():
            complaints = await conn.execute(COMPLAINTS_SQL, volumes.complaints, loaded.first_day, DAYS, agencies)
            events = await conn.execute(COMPLAINT_EVENTS_SQL)
            await conn.execute(COMPLAINT_SEQUENCE_SQL)
        rows = int(complaints.rsplit(" ", 1)[1]) + int(events.rsplit(" ", 1)[1])
        loaded.phases.append(Phase("complaints + events", time.monotonic() - began, f"{rows:,} rows"))
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence('feedback_complaint_event', 'id'), max(id)) "
            "FROM feedback_complaint_event"
        )
    finally:
        await conn.close()


async def finish_load(url: str, loaded: Loaded) -> None:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        await conn.execute("SET statement_timeout = 0")
        began = time.monotonic()
        say("VACUUM ANALYZE …")
        await conn.execute("VACUUM ANALYZE")
        loaded.phases.append(Phase("VACUUM ANALYZE", time.monotonic() - began))
    finally:
        await conn.close()


async def describe_data(url: str, loaded: Loaded) -> None:
    """Row counts, sizes, and how many transactions wrote each source table (what the consumer slices)."""
    conn = await asyncpg.connect(url, timeout=10)
    try:
        await conn.execute("SET statement_timeout = 0")
        tables = (
            "applications_application", *SOURCE_TABLES[:1], "queue_ticket", SOURCE_TABLES[1],
            "feedback_survey", "feedback_complaint", SOURCE_TABLES[2],
        )  # fmt: skip
        loaded.sizes = []
        for table in tables:
            rows = await conn.fetchval(f"SELECT count(*) FROM {table}")
            size = await conn.fetchval("SELECT pg_total_relation_size($1::regclass)", table)
            loaded.sizes.append((table, rows, size))
        for table in SOURCE_TABLES:
            has_xid = await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM information_schema.columns "
                "WHERE table_name = $1 AND column_name = 'xid')",
                table,
            )
            loaded.transactions[table] = (
                await conn.fetchval(f"SELECT count(DISTINCT xid) FROM {table}") if has_xid else -1
            )
    finally:
        await conn.close()


async def generate(url: str, volumes: Volumes, args: argparse.Namespace) -> Loaded:
    loaded = Loaded()
    say(f"generating {volumes.describe()} …")
    # scale_bench.py's generator: accounts, documents (only those the applications need, and a few more),
    # applications and their timelines, in COPY rounds of --batch-rows rows (one transaction each).
    sizes = Sizes(citizens=volumes.citizens, applications=volumes.applications, documents=volumes.applications)
    population_args = argparse.Namespace(keep_indexes=False, seed=args.seed, batch_rows=args.batch_rows)
    await generate_applications(url, sizes, population_args, loaded.phases)
    await load_queue_and_feedback(url, volumes, args, loaded)
    await finish_load(url, loaded)
    return loaded


# --- measuring ------------------------------------------------------------------------------------------


async def app_connection(url: str, **settings: str) -> RecordingConnection:
    conn: RecordingConnection = await asyncpg.connect(
        url, timeout=10, server_settings={**APP_SERVER_SETTINGS, **settings}, connection_class=RecordingConnection
    )
    return conn


def stats_api() -> tuple[dict[str, Any], list[str]]:
    """The stats package's functions this bench calls, as far as they exist (colleagues write them as it runs)."""
    found: dict[str, Any] = {}
    missing = []
    for module, name in (
        ("api.stats.consumer", "catch_up"),
        ("api.stats.figures", "figures"),
        ("api.stats.ranking", "ranking"),
        ("api.stats.scopes", "find"),
        ("api.stats.open_data", "build_release"),
        ("api.stats.open_data_store", "save"),
        ("api.stats.sources", "SOURCES"),
    ):
        try:
            found[f"{module.rsplit('.', 1)[1]}.{name}"] = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            missing.append(f"{module}.{name} ({exc})")
    return found, missing


@dataclass
class Latency:
    label: str
    samples: list[float]  # ms, sorted
    target_ms: float | None = None
    baseline: str | None = None  # the label of the row its ratio is taken against

    def pct(self, p: float) -> float:
        return percentile(self.samples, p)

    @property
    def passed(self) -> bool:
        return self.target_ms is None or self.pct(95) < self.target_ms


@dataclass
class Check:
    what: str
    compared: int
    differing: list[str]

    @property
    def ok(self) -> bool:
        return self.compared > 0 and not self.differing


@dataclass
class Timed:
    what: str
    seconds: float
    note: str
    target_s: float | None = None
    ok: bool = True

    @property
    def passed(self) -> bool:
        return self.ok and (self.target_s is None or self.seconds < self.target_s)


@dataclass
class Measured:
    api: str = ""
    timed: list[Timed] = field(default_factory=list)
    rows: list[Latency] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plans: list[tuple[str, list[str]]] = field(default_factory=list)
    load: list[tuple[str, float]] = field(default_factory=list)  # (moment, 1-minute load average)

    def note_load(self, moment: str) -> None:
        self.load.append((moment, os.getloadavg()[0]))


# -- the consumer's catch-up


async def catch_up(url: str, api: dict[str, Any], m: Measured) -> None:
    """The whole record through the consumer, on one connection set up as the app's pool is (15 s statement
    timeout: a slice that needs longer fails in production too, and is reported)."""
    sizes = {}
    conn = await app_connection(url)
    try:
        for name, spec in api["sources.SOURCES"].items():
            sizes[name] = await conn.fetchval(f"SELECT count(*) FROM {spec.table}")
        already = await conn.fetchval("SELECT count(*) FROM stats_cursor WHERE position <> '0'")
        m.note_load("catch-up start")
        # Each step (one slice, one transaction) timed, through the module's own name (catch_up looks it up there).
        consumer: Any = importlib.import_module("api.stats.consumer")
        original = consumer.step
        slices: list[tuple[float, int]] = []

        async def timed_step(*a: Any, **k: Any) -> tuple[int, bool]:
            began = time.monotonic()
            result: tuple[int, bool] = await original(*a, **k)
            if result[0]:
                slices.append((time.monotonic() - began, result[0]))
            return result

        consumer.step = timed_step
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        began = time.monotonic()
        try:
            counted = await api["consumer.catch_up"](conn)
            note_extra = ""
        except asyncpg.QueryCanceledError as exc:
            failed = time.monotonic() - began
            m.notes.append(
                f"**The catch-up failed after {failed:.0f} s under the app's 15 s statement timeout** ({exc}); it was "
                "run again with no timeout for the rest of the measurements."
            )
            await conn.execute("SET statement_timeout = 0")
            counted = await api["consumer.catch_up"](conn)
            note_extra = " (second attempt, no statement timeout)"
        seconds = time.monotonic() - began
        consumer.step = original
        m.note_load("catch-up end")
        if slices:
            longest = max(slices)
            biggest = max(slices, key=lambda s: s[1])
            m.notes.append(
                f"The catch-up took {len(slices):,} slices (one transaction each): the longest {longest[0]:.1f} s "
                f"({longest[1]:,} events), the biggest {biggest[1]:,} events ({biggest[0]:.1f} s); this process's "
                f"peak RSS went from {rss_before / 1024:,.0f} MB to "
                f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB."
            )
        total = sum(counted.values())
        per_source = ", ".join(f"{k} {v:,} of {sizes.get(k, 0):,}" for k, v in counted.items())
        if already:
            # A --reuse of a database measured before: the catch-up was timed then (its report says how long).
            note_extra += "; the read model had been caught up before (a reused database): not a whole-record figure"
        m.timed.append(
            Timed(
                "consumer catch-up (`catch_up`)" + ("" if already else ", whole record"),
                seconds,
                f"{total:,} events counted, {total / max(seconds, 1e-9):,.0f} events/s ({per_source})" + note_extra,
            )
        )
        facts = []
        for table in ("stats_application_fact", "stats_decision_days", "stats_queue_fact", "stats_wait_minutes",
                      "stats_complaint_fact", "stats_officer_fact"):  # fmt: skip
            facts.append(f"`{table}` {await conn.fetchval(f'SELECT count(*) FROM {table}'):,}")
        m.notes.append("Fact rows after the catch-up: " + ", ".join(facts) + ".")
        again = time.monotonic()
        nothing = await api["consumer.catch_up"](conn)
        m.timed.append(
            Timed("consumer step with nothing new", time.monotonic() - again, f"{sum(nothing.values())} events")
        )
        await conn.execute("SET statement_timeout = 0")
        await conn.execute(
            "VACUUM ANALYZE stats_application_fact, stats_decision_days, stats_queue_fact, stats_wait_minutes, "
            "stats_complaint_fact, stats_officer_fact"
        )
    finally:
        await conn.close()


# -- the raw baseline: the consumer's own reading and counting, over the raw events of the unit and period

# Which column of each source's read names the event's region.
RAW_REGION = {"applications": "a.region", "queue": "t.region", "complaints": "c.region"}


def raw_read(read: str, slice_sql: str, source: str, *, region: bool) -> str:
    """The source's read with its transaction-id slice replaced by a time range (UTC instants covering the local
    dates asked for in every zone) and, for a region, the region."""
    condition = "e.at >= $1 AND e.at < $2" + (f" AND {RAW_REGION[source]} = $3" if region else "")
    if slice_sql not in read:
        raise RuntimeError(f"the {source} read no longer filters by {slice_sql!r}: update raw_read")
    return read.replace(slice_sql, condition)


class RawFacts:
    """Fact tables computed from the raw events into temporary tables of the same names on one connection, which
    shadow the read model's there (the temporary schema is searched first): the API's own figures and ranking
    functions then read the raw recomputation, so both sides are the same code and must be equal."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.tables = list(importlib.import_module("api.stats.sources").TABLES)

    async def create(self) -> None:
        for table in self.tables:
            await self.conn.execute(f"CREATE TEMP TABLE {table} (LIKE public.{table} INCLUDING DEFAULTS)")

    async def fill(self, start: dt.date, end: dt.date, region: str | None) -> int:
        sources = importlib.import_module("api.stats.sources")
        for table in self.tables:
            await self.conn.execute(f"TRUNCATE pg_temp.{table}")
        lo = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(), dt.UTC)
        hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
        increments = sources.Increments()
        events = 0
        for name, spec in sources.SOURCES.items():
            sql = raw_read(spec.read, sources._SLICE, name, region=region is not None)
            async with self.conn.transaction():  # a cursor: the nation's year is millions of rows
                async for row in self.conn.cursor(sql, lo, hi, *([region] if region else []), prefetch=20_000):
                    spec.count(increments, row)
                    events += 1
        # The region roll-ups too (what the ranking reads), summed from the raw facts as the consumer does.
        for table in [t for t in increments.rows if t in sources.ROLLUPS]:
            increments.rows[sources.ROLLUPS[table]] = sources.rolled_up(table, increments.rows[table])
        for table, facts in increments.rows.items():
            if not facts:
                continue
            units, _, counts = sources.TABLES[table]
            keys = list(facts)
            columns: list[list[Any]] = [[k[i] for k in keys] for i in range(len(units))]
            columns += [[facts[k][i] for k in keys] for i in range(len(counts))]
            insert = (
                sources.upsert_sql(table)
                .split(" ON CONFLICT")[0]
                .replace(f"INSERT INTO {table} ", f"INSERT INTO pg_temp.{table} ", 1)
            )
            await self.conn.execute(insert, *columns)
        return events


def comparable(report: Any) -> Any:
    plain = msgspec.to_builtins(report)
    plain.pop("asOf", None)
    return plain


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            out += differences(a.get(k), b.get(k), f"{path}.{k}" if path else str(k))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{i}]")]
    if a != b and not (isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=1e-12)):
        return [f"{path}: read model {a!r}, raw {b!r}"]
    return []


# -- dashboard and ranking


@dataclass(frozen=True)
class Ask:
    region: str  # "" for the ranking
    start: dt.date
    end: dt.date
    figure: str = ""

    def describe(self) -> str:
        return f"{self.region or 'ranking ' + self.figure} {self.start} – {self.end}"


def year_asks(rng: random.Random, regions: list[str], figures: list[str], n: int, last: dt.date) -> list[Ask]:
    """``n`` random years: 12 whole months ending in one of the last 18 months (a dashboard's "last year" or a
    calendar year) two times in three, else 365 days from any day (partial months at both ends: day rows)."""
    asks = []
    for _ in range(n):
        if rng.random() < 2 / 3:
            back = rng.randrange(18)
            end_month = dt.date(last.year, last.month, 1)
            for _ in range(back + 1):
                end_month = (end_month - dt.timedelta(days=1)).replace(day=1)
            start = end_month
            for _ in range(11):
                start = (start - dt.timedelta(days=1)).replace(day=1)
            end = (end_month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        else:
            end = last - dt.timedelta(days=rng.randrange(540))
            start = end - dt.timedelta(days=364)
        asks.append(Ask(rng.choice(regions) if regions else "", start, end, rng.choice(figures) if figures else ""))
    return asks


NOW = dt.datetime.now(dt.UTC)  # overdueNow at one moment for the whole run: the same on both sides


async def timed_calls(
    conn: asyncpg.Connection, asks: Sequence[Ask], call: Callable[[asyncpg.Connection, Ask], Awaitable[Any]]
) -> tuple[list[float], list[Any]]:
    times, answers = [], []
    for ask in asks:
        began = time.perf_counter()
        answers.append(await call(conn, ask))
        times.append((time.perf_counter() - began) * 1000)
    return sorted(times), answers


async def dashboards(url: str, api: dict[str, Any], args: argparse.Namespace, m: Measured) -> None:
    rng = random.Random(args.seed)
    fig, rank, find = api["figures.figures"], api["ranking.ranking"], api["scopes.find"]
    keys = [f.key for f in importlib.import_module("api.stats.definitions").FIGURES]

    async def dashboard(conn: asyncpg.Connection, ask: Ask) -> Any:
        scope = await find(conn, f"region:{ask.region}", lang="id")
        return await fig(conn, scope=scope, start=ask.start, end=ask.end, grain="month", language="id", now=NOW)

    async def ranking(conn: asyncpg.Connection, ask: Ask) -> Any:
        return await rank(conn, level="region", figure=ask.figure, start=ask.start, end=ask.end, language="id", now=NOW)

    conn = await app_connection(url)
    raw_conn = await app_connection(url, statement_timeout="0")
    try:
        regions = [r["code"] for r in await conn.fetch("SELECT code FROM catalogue_region ORDER BY code")]
        last = dt.date.today() - dt.timedelta(days=1)
        raw = RawFacts(raw_conn)
        await raw.create()
        m.note_load("dashboards start")
        for label, call, target, region_scoped, samples, raw_samples in (
            ("region dashboard: a region, a year by month, breakdown by agency", dashboard,
             TARGET_DASHBOARD_P95_MS, True, args.samples, args.raw_samples),
            ("national ranking of the regions, a year", ranking,
             TARGET_RANKING_P95_MS, False, max(20, args.samples // 4), args.ranking_raw_samples),
        ):  # fmt: skip
            asks = year_asks(rng, regions if region_scoped else [], [] if region_scoped else keys, samples, last)
            await timed_calls(conn, asks[: args.warmup], call)
            times, _ = await timed_calls(conn, asks, call)
            m.rows.append(Latency(f"{label} — read model", times, target))
            say(f"  {m.rows[-1].label}: p95 {m.rows[-1].pct(95):.1f} ms")
            # The raw baseline on the first asks, each compared with the read model's answer to the same ask.
            raw_times, fill_times, compared, differing = [], [], 0, []
            for ask in asks[:raw_samples]:
                began = time.perf_counter()
                events = await raw.fill(ask.start, ask.end, ask.region or None)
                filled = time.perf_counter()
                from_raw = await call(raw_conn, ask)
                raw_times.append((time.perf_counter() - began) * 1000)
                fill_times.append((filled - began) * 1000)
                from_model = await call(conn, ask)
                compared += 1
                found = differences(comparable(from_model), comparable(from_raw))
                differing += [f"{ask.describe()}: {d}" for d in found[:5]]
                if found:
                    say(f"  MISMATCH {ask.describe()}: {len(found)} values differ, e.g. {found[:3]}")
                say(f"  raw {ask.describe()}: {raw_times[-1]:,.0f} ms ({events:,} events)")
            m.rows.append(Latency(f"{label} — raw events (baseline)", sorted(raw_times)))
            m.rows[-2].baseline = m.rows[-1].label
            m.rows.append(Latency(f"{label} — raw: reading and counting the events only", sorted(fill_times)))
            m.checks.append(Check(f"{label}: read model = raw", compared, differing))
            # What the read model's statements do (the first ask), for the report.
            conn.recorded = []
            await call(conn, asks[0])
            statements = [(sql, a) for method, sql, a in conn.recorded if method.startswith("fetch")]
            conn.recorded = None
            for sql, a in statements:
                began = time.perf_counter()
                plan = [r[0] for r in await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *a)]
                took = (time.perf_counter() - began) * 1000
                m.plans.append((f"{label}, {asks[0].describe()} ({took:.1f} ms): {one_line(sql)[:160]}…", plan))
        m.note_load("dashboards end")
    finally:
        await conn.close()
        await raw_conn.close()


# -- open data and verify


async def open_data(url: str, api: dict[str, Any], m: Measured) -> None:
    conn = await app_connection(url, statement_timeout="0")
    try:
        version = dt.date.today().isoformat()
        m.note_load("export start")
        began = time.monotonic()
        release = await api["open_data.build_release"](conn, version=version)
        built = time.monotonic() - began
        saved_began = time.monotonic()
        await api["open_data_store.save"](conn, release, keep=7)
        saved = time.monotonic() - saved_began
        m.note_load("export end")
        sizes = ", ".join(f"{f.name} {len(f.content):,} B" for f in release.files)
        m.timed.append(
            Timed(
                "open-data export, all regions (`build_release`)",
                built,
                f"{len(release.files)} CSV files: {sizes}",
                TARGET_EXPORT_S,
            )
        )
        m.timed.append(Timed("open-data release stored (`open_data_store.save`)", saved, ""))
    finally:
        await conn.close()


def verify_month(url: str, data_dir: Path, m: Measured) -> None:
    last = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    first = last.replace(day=1)
    began = time.monotonic()
    mpp = Path(sys.executable).with_name("mpp")
    done = subprocess.run(
        [str(mpp) if mpp.exists() else "mpp", "stats", "verify", "--from", first.isoformat(), "--to", last.isoformat()],
        cwd=PROJECT,
        env={**os.environ, "DATABASE_URL": url, "MPP_DATA_DIR": str(data_dir), "MPP_ENV": "dev"},
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    seconds = time.monotonic() - began
    tail = (done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or [""])[-1][:200]
    m.timed.append(
        Timed(
            f"`mpp stats verify --from {first} --to {last}`",
            seconds,
            f"exit {done.returncode}: {tail}",
            ok=done.returncode == 0,
        )
    )
    if done.returncode != 0:
        m.notes.append(f"verify said:\n\n```\n{(done.stdout + done.stderr).strip()[-3000:]}\n```")


# -- over HTTP


async def admin_tokens(url: str, data_dir: Path, region: str) -> dict[str, str]:
    """Access tokens of a national admin and a region admin (real accounts and sessions, second factor given),
    signed with the server's keys (the same MPP_DATA_DIR), as tests/support/auth.py makes them."""
    os.environ.update({"MPP_DATA_DIR": str(data_dir), "DATABASE_URL": url, "MPP_ENV": "dev"})
    from api.accounts.service import create_account
    from api.app import _state_for
    from api.auth.service import start_session
    from api.config import reload_settings

    issuer = _state_for(reload_settings())["issuer"]
    conn = await asyncpg.connect(url, timeout=10)
    try:
        tokens: dict[str, str] = {}
        people: list[tuple[Literal["national_admin", "region_admin"], dict[str, str]]] = [
            ("national_admin", {}),
            ("region_admin", {"region": region}),
        ]
        for n, (role, scope) in enumerate(people):
            phone = f"+6281{uuid.uuid4().int % 10**9:09d}{n}"
            created = await create_account(conn, role=role, phone=phone, name=f"Bench {role}", **scope)
            pair = await start_session(
                conn,
                issuer,
                account=created.id,
                kind="staff",
                amr=["otp", "passkey"],
                scope="api",
                user_agent="stats-bench",
                ip="127.0.0.1",
            )
            tokens[role] = pair.access_token
        return tokens
    finally:
        await conn.close()


async def http_latencies(base_url: str, token: str, paths: Sequence[str], warmup: int) -> tuple[list[float], list[str]]:
    times, errors = [], []
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        for path in paths[:warmup]:
            await c.get(path)
        for path in paths:
            began = time.perf_counter()
            response = await c.get(path)
            times.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                errors.append(f"{path}: {response.status_code} {response.text[:200]}")
    return sorted(times), errors


def over_http(url: str, data_dir: Path, args: argparse.Namespace, m: Measured) -> None:
    """The same asks through a real ``mpp serve`` on the same database, one request at a time."""
    rng = random.Random(args.seed + 1)
    keys = [f.key for f in importlib.import_module("api.stats.definitions").FIGURES]
    regions = asyncio.run(_regions(url))
    region = regions[0]
    last = dt.date.today() - dt.timedelta(days=1)
    tokens = asyncio.run(admin_tokens(url, data_dir, region))
    server = Server(data_dir, url, 1)
    server.env.update({"MPP_ACCESS_LOG": "false", "MPP_WORKER_IN_SERVE": "false", "MPP_SEED_DEMO": "false"})
    server.start()
    try:
        m.note_load("HTTP start")
        for label, role, asks, target, path in (
            (
                "region dashboard over HTTP (region admin)",
                "region_admin",
                year_asks(rng, [region], [], args.samples, last),
                TARGET_DASHBOARD_P95_MS,
                "/api/v1/stats/figures?scope=region:{a.region}&from={a.start}&to={a.end}&grain=month",
            ),
            (
                "national ranking over HTTP (national admin)",
                "national_admin",
                year_asks(rng, [], keys, max(20, args.samples // 4), last),
                TARGET_RANKING_P95_MS,
                "/api/v1/stats/ranking?level=region&from={a.start}&to={a.end}&figure={a.figure}",
            ),
        ):
            paths = [path.format(a=a) for a in asks]
            times, errors = asyncio.run(http_latencies(server.base_url, tokens[role], paths, args.warmup))
            m.rows.append(Latency(label, times, target))
            m.checks.append(Check(f"{label}: every answer 200", len(paths), errors[:5]))
            say(f"  {label}: p95 {m.rows[-1].pct(95):.1f} ms, {len(errors)} errors")
        m.note_load("HTTP end")
        m.notes.append(f"HTTP: {server.settings_shown()}, httpx from this process, one request at a time.")
    finally:
        server.stop()


async def _regions(url: str) -> list[str]:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        return [r["code"] for r in await conn.fetch("SELECT code FROM catalogue_region ORDER BY code")]
    finally:
        await conn.close()


def measure_all(url: str, data_dir: Path, args: argparse.Namespace) -> Measured:
    m = Measured()
    api, missing = stats_api()
    m.api = ", ".join(sorted(api))
    if missing:
        m.notes.append("Not measured, not yet in the stats package: " + "; ".join(missing) + ".")
    steps: list[tuple[str, set[str], Callable[[], Any]]] = [
        ("consumer catch-up", {"consumer.catch_up", "sources.SOURCES"}, lambda: asyncio.run(catch_up(url, api, m))),
        (
            "dashboards and ranking",
            {"figures.figures", "ranking.ranking", "scopes.find"},
            lambda: asyncio.run(dashboards(url, api, args, m)),
        ),
        ("open-data export", {"open_data.build_release"}, lambda: asyncio.run(open_data(url, api, m))),
        ("mpp stats verify", set(), lambda: verify_month(url, data_dir, m)),
    ]
    if not args.no_http:
        steps.append(("over HTTP", {"scopes.find"}, lambda: over_http(url, data_dir, args, m)))
    for name, needs, work in steps:
        if not needs <= set(api):
            continue
        say(f"{name} …")
        try:
            work()
        except (asyncpg.PostgresError, RuntimeError, OSError, ValueError, KeyError, TypeError) as exc:
            # The stats code is being written as this runs: a failing part is reported, the others still measured.
            m.timed.append(Timed(name, 0.0, f"failed: {type(exc).__name__}: {exc}", ok=False))
            say(f"  FAILED: {type(exc).__name__}: {exc}")
    return m


# --- the report -----------------------------------------------------------------------------------------

LATENCY_HEADER = ("measurement", "samples", "p50 ms", "p95 ms", "p99 ms", "max ms", "raw p95 ÷ p95", "target", "result")
TIMED_HEADER = ("step", "seconds", "target", "result", "note")
CHECK_HEADER = ("check", "compared", "differences", "result")


def latency_cells(row: Latency, rows: Sequence[Latency]) -> tuple[str, ...]:
    base = next((r for r in rows if r.label == row.baseline), None)
    ratio = f"{base.pct(95) / row.pct(95):,.0f}×" if base and row.samples and row.pct(95) > 0 else "—"
    if not row.samples:
        return (row.label, "0", "—", "—", "—", "—", ratio, "—", "—")
    return (
        row.label,
        f"{len(row.samples):,}",
        f"{row.pct(50):,.1f}",
        f"{row.pct(95):,.1f}",
        f"{row.pct(99):,.1f}",
        f"{row.samples[-1]:,.1f}",
        ratio,
        f"p95 < {row.target_ms:.0f} ms" if row.target_ms else "—",
        ("pass" if row.passed else "FAIL") if row.target_ms else "—",
    )


def timed_cells(t: Timed) -> tuple[str, ...]:
    return (
        t.what,
        f"{t.seconds:,.1f}",
        f"< {t.target_s:.0f} s" if t.target_s else "—",
        "pass" if t.passed else "FAIL",
        t.note,
    )


def check_cells(c: Check) -> tuple[str, ...]:
    shown = "; ".join(d if len(d) <= 160 else d[:157] + "…" for d in c.differing[:3])
    more = f" (+{len(c.differing) - 3} more)" if len(c.differing) > 3 else ""
    return (c.what, f"{c.compared:,}", (shown + more) or "none", "ok" if c.ok else "DIFFER")


@dataclass
class Report:
    command: str
    started: dt.datetime
    database: str
    server_version: str
    volumes: Volumes
    reused: bool
    loaded: Loaded
    setup_seconds: float
    measured: Measured

    @property
    def passed(self) -> bool:
        m = self.measured
        return (
            bool(m.rows)
            and all(r.passed for r in m.rows)
            and all(t.passed for t in m.timed)
            and all(c.ok for c in m.checks)
            and any(t.target_s for t in m.timed)
        )

    def data_lines(self) -> list[str]:
        lo = self.loaded
        lines = []
        if lo.phases:
            parts = ", ".join(f"{p.name} {p.seconds:.0f} s" for p in lo.phases)
            lines.append(
                f"Data load: {lo.seconds:.0f} s ({parts}); {self.setup_seconds:.0f} s with create + migrate + seed."
            )
        sizes = "; ".join(f"`{t}` {rows:,} rows, {human_bytes(b)}" for t, rows, b in lo.sizes)
        tx = ", ".join(f"`{t}` {n:,}" for t, n in lo.transactions.items())
        lines.append(f"Sizes with indexes: {sizes}. Transactions that wrote each source (distinct `xid`): {tx}.")
        return lines

    def load_line(self) -> str:
        return "1-minute load average: " + ", ".join(f"{what} {v:.1f}" for what, v in self.measured.load) + "."

    def tables(self, render: Callable[[Sequence[str], Sequence[Sequence[str]], set[int]], str]) -> list[str]:
        m = self.measured
        return [
            render(LATENCY_HEADER, [latency_cells(r, m.rows) for r in m.rows], {1, 2, 3, 4, 5, 6}),
            render(TIMED_HEADER, [timed_cells(t) for t in m.timed], {1}),
            render(CHECK_HEADER, [check_cells(c) for c in m.checks], {1}),
        ]

    def console(self) -> None:
        print()
        print(f"Stats benchmark — {self.volumes.describe()}" + (" (reused database)" if self.reused else ""))
        for line in self.data_lines():
            print(line)
        print(self.load_line())
        for table in self.tables(text_table):
            print()
            print(table)
        for note in self.measured.notes:
            print(note)
        for title, plan in self.measured.plans:
            print(f"\nEXPLAIN ANALYZE — {title}")
            print("\n".join("  " + line for line in plan))
        print(f"\nverdict: {'PASS' if self.passed else 'FAIL'}")

    def markdown(self) -> str:
        latency, timed, checks = self.tables(markdown_table)
        lines = [
            f"## {self.started:%Y-%m-%d}: dashboards, ranking and open data at full scale (issue 18)",
            "",
            f"`{self.command}` — {platform.python_implementation()} {platform.python_version()}, {cpu_model()}, "
            f"{os.cpu_count()} CPUs, PostgreSQL {self.server_version} ({self.database}). "
            f"{self.volumes.describe()}, over the demo catalogue's 21 regions.",
            "",
            *self.data_lines(),
            "",
            self.load_line() + " Other sessions' work shares these 2 cores: read the ratios.",
            "",
            latency,
            "",
            timed,
            "",
            checks,
            "",
            *[n + "\n" for n in self.measured.notes],
            f"Verdict: **{'pass' if self.passed else 'FAIL'}**.",
        ]
        for title, plan in self.measured.plans:
            lines += ["", f"<details><summary>EXPLAIN ANALYZE — {title}</summary>", "", "```", *plan, "```", "",
                      "</details>"]  # fmt: skip
        return "\n".join(lines) + "\n"


# --- main -----------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database-url", help="PostgreSQL server to create the database on (default $DATABASE_URL)")
    parser.add_argument("--reuse", metavar="NAME", help="measure an existing generated database (migrated first)")
    parser.add_argument("--keep", action="store_true", help="keep the generated database (default: drop it)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size (e.g. 0.01 for a quick run)")
    parser.add_argument("--citizens", type=int, default=FULL_CITIZENS)
    parser.add_argument("--applications", type=int, default=FULL_APPLICATIONS)
    parser.add_argument("--tickets", type=int, default=FULL_TICKETS)
    parser.add_argument("--invitations", type=int, default=FULL_INVITATIONS)
    parser.add_argument("--surveys", type=int, default=FULL_SURVEYS)
    parser.add_argument("--complaints", type=int, default=FULL_COMPLAINTS)
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--batch-rows", type=int, default=150_000, help="rows per COPY round (one transaction)")
    parser.add_argument("--chunks", type=int, default=12, help="transactions the tickets are loaded in")
    parser.add_argument("--samples", type=int, default=200, help="timed calls per aggregate measurement")
    parser.add_argument("--raw-samples", type=int, default=10, help="timed calls per raw baseline measurement")
    parser.add_argument(
        "--ranking-raw-samples", type=int, default=1, help="raw ranking calls (each reads a national year of events)"
    )
    parser.add_argument("--warmup", type=int, default=10, help="untimed calls first")
    parser.add_argument("--no-http", action="store_true", help="skip the measurements through mpp serve")
    parser.add_argument("--load-only", action="store_true", help="generate (with --keep) and stop")
    parser.add_argument("--markdown", metavar="FILE", help="append the report in Markdown to FILE ('-': print it)")
    args = parser.parse_args(argv)
    args.url_from_env = args.database_url is None
    args.database_url = args.database_url or os.environ.get("DATABASE_URL")
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL (a PostgreSQL server to create the database on)")
    if args.scale <= 0:
        parser.error("--scale must be positive")
    return args


def command_line(args: argparse.Namespace) -> str:
    python = os.path.relpath(sys.executable) if not os.path.isabs(sys.argv[0]) else sys.executable
    prefix = f"DATABASE_URL={redact(args.database_url)} " if args.url_from_env else ""
    return prefix + shlex.join([python, *sys.argv])


def run(args: argparse.Namespace) -> int:
    started = dt.datetime.now(dt.UTC)
    volumes = Volumes.from_args(args)
    name = args.reuse or f"mpp_stats_{uuid.uuid4().hex[:10]}"
    url = with_database(args.database_url, name)
    try:
        with tempfile.TemporaryDirectory(prefix="mpp-stats-") as tmp:
            data_dir = Path(tmp)
            began = time.monotonic()
            if args.reuse:
                version = asyncio.run(_admin(url))
                # The kept database was made by older migrations, maybe: bring it up to date (the stats tables).
                say(f"reusing database {name}: {mpp_command(['migrate'], url, data_dir) or 'migrated'}")
                loaded = Loaded()
            else:
                version = asyncio.run(_admin(args.database_url, f'CREATE DATABASE "{name}"'))
                mpp_command(["migrate"], url, data_dir)
                say(f"database {name}: {mpp_command(['seed', '--demo'], url, data_dir)}")
                loaded = asyncio.run(generate(url, volumes, args))
            setup = time.monotonic() - began
            asyncio.run(describe_data(url, loaded))
            for table, rows, size in loaded.sizes:
                say(f"  {table}: {rows:,} rows, {human_bytes(size)}")
            say("  transactions per source: " + ", ".join(f"{t} {n:,}" for t, n in loaded.transactions.items()))
            if args.load_only:
                return 0
            measured = measure_all(url, data_dir, args)
        report = Report(
            command=command_line(args),
            started=started,
            database=f"database {name} on {redact(args.database_url)}",
            server_version=version.split(" ")[0],
            volumes=volumes,
            reused=bool(args.reuse),
            loaded=loaded,
            setup_seconds=setup,
            measured=measured,
        )
        report.console()
        if args.markdown == "-":
            print(report.markdown())
        elif args.markdown:
            with open(args.markdown, "a", encoding="utf-8") as out:
                out.write("\n" + report.markdown())
            say(f"Markdown report appended to {args.markdown}")
        return 0 if report.passed else 1
    finally:
        if args.keep or args.reuse:
            say(f"kept database {name}")
        else:
            say(f"dropping database {name} …")
            try:
                asyncio.run(_admin(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception as exc:  # cleanup must not hide the original error
                say(f"WARNING: could not drop database {name}: {exc}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return run(args)
    except KeyboardInterrupt:
        say("\ninterrupted (the server was stopped and the database dropped unless --keep)")
        return 130
    except (RuntimeError, OSError, urllib.error.URLError, asyncpg.PostgresError) as exc:
        say(f"error: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
