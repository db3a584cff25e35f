"""The SKM index for a region over a year at full scale: pre-aggregated against a raw aggregate, same run.

Issue 17's benchmark: with 5 million transactions and 1 million survey answers, the index of a region over a year
(PermenPANRB 14/2017: NRR per element, IKM × 25, grade) answers with p95 < 100 ms, because it is read from
``feedback_skm_daily`` (running sums per region, agency, service and day, kept in the transaction that adds an
invitation or an answer), against the raw aggregate over ``feedback_survey`` and ``feedback_invitation`` for the
same unit and period, measured in the same run.

What is generated, in a fresh database made by ``mpp migrate`` and ``mpp seed --demo`` (the demo catalogue: 21
regions, 485 agencies, 3,406 services), with set-based SQL only (``generate_series``, no per-row Python):

- ``--transactions`` invitations (full scale 5,000,000; the default, 500,000, is a quick run). **The invitations
  are the transactions** the index needs: the live path (``api.feedback.surveys.invite``, called by the decision
  and the counter with the application's or ticket's row in hand) makes exactly one ``feedback_invitation`` per
  completed or rejected application and per served queue ticket, in the transaction that ends it, and adds it to
  the unit's running sum there; the index's population (``transactions``, from which the Krejcie–Morgan sample
  size follows) counts invitations, and neither the index nor the answer reads the application or ticket tables.
  So no application or ticket rows are made: 5 million of them would be 10+ GB of casework the index never reads
  (``refs`` are unique made-up ids, ``account`` is null — nothing measured here reads who was invited). 75 % are
  applications and 25 % queue tickets, 40 % of those without a service (they count on their agency's row).
  Services are drawn with a long tail (a few popular services take most transactions, as civil registry does),
  over the last 730 days; rows are inserted in time order, as a live database accumulates them.
- ``--surveys`` answers (full scale 1,000,000; default 100,000), spread evenly over the invitations, each
  answering its own invitation (one per transaction) on its unit and day, ``app`` for applications and ``kiosk``
  for tickets. The nine scores (1–4) are skewed as real SKM results are (mostly 3s and 4s; about 82 on the
  25–100 scale), with per-element differences (completion time scores lower, cost higher) and per-agency
  quality, and 10 % carry a comment.
- ``feedback_skm_daily`` computed from those rows as the live path keeps it: ``transactions`` counted from the
  invitations, ``respondents`` and the nine sums from the answers, per (region, agency, service, day).

Ids are made from the row number in UUID form (in insertion order, like UUIDv7) rather than random: random keys
would make loading 5 million rows thrash the primary key and unique indexes on these 2 cores, and nothing
measured here looks rows up by id. Every constraint, foreign key and index of the migrations stays in place
during the load. Then ``VACUUM ANALYZE`` (the state autovacuum leaves a live database in).

Measured, for a region over a year (a random region and a random 365-day window within the two years per call, so
that no cache flatters one unit):

- the index as the API computes it, called in-process on one connection set up as the app's pool sets it up;
- ``GET /api/v1/skm?region=…&from=…&to=…`` through a real ``mpp serve`` on the same database (as the other benches
  do), one request at a time;
- the raw aggregate: the nine sums and the respondents from ``feedback_survey`` and the population from
  ``feedback_invitation``, one statement, what a system without the running sums would run (its ratio to each
  pre-aggregated path is in the table); the survey half alone, to show where the time goes; and, last, the raw
  aggregate again after building an index on ``feedback_invitation (region, day)`` that the migrations do not
  have (``--no-invitation-index`` skips it), to show what one index instead of the running sums would give.

Then ``--live-writes`` (200) transactions are ended and answered through the app's own functions
(``invite_for_application``, ``answer_invitation``) on the full database, timed, so that the checks also cover
rows the live path wrote. Correctness in the same run: for regions, agencies and services over random periods
(and the live writes' region over the year ending on their day), the running sums equal the raw ones as exact
integers, the index (in-process and over HTTP) equals the one computed from the raw sums as exact fractions, and
the running sums of the whole table add up to the invitations and answers.

    .venv/bin/python bench/skm_bench.py [--transactions 5000000 --surveys 1000000] [--samples 500]
                                        [--raw-samples 40] [--database-url URL] [--keep] [--markdown FILE]

Exit status: 0 when the targets pass (p95 < 100 ms in-process and over HTTP) and every check agrees, 1 otherwise,
2 when the database or the server could not be set up, 130 when interrupted. The database is dropped at the end
unless ``--keep``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import math
import os
import platform
import random
import shlex
import signal
import sys
import tempfile
import time
import urllib.error
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
from http_bench import Server, _admin, _raise_interrupt, cpu_model, percentile, redact, with_database
from scale_bench import markdown_table, mpp_command, text_table

from api.feedback.skm import ELEMENTS

FULL_TRANSACTIONS = 5_000_000
FULL_SURVEYS = 1_000_000
DAYS = 730  # two years of transactions, ending yesterday
WINDOW_DAYS = 365  # "a year": 365 consecutive days
TARGET_P95_MS = 100.0
# The app's pool (api/lib/db.py) sets these on every connection; the in-process measurements do the same.
APP_SERVER_SETTINGS = {
    "statement_timeout": "15000",
    "application_name": "mpp-skm-bench",
    "plan_cache_mode": "auto",
    "jit": "off",
}


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- generation -----------------------------------------------------------------------------------------

# Cumulative probability of scores 1, 2, 3 for the average element and agency (then 4): 2 %, 8 %, 48 %, 42 %, a
# mean of 3.30, i.e. about 82.5 on the published scale (grade B, where most units are). An element's and an
# agency's shift moves all three thresholds (positive: worse).
SCORE_SQL = """
CREATE FUNCTION pg_temp.skm_score(r double precision, shift double precision) RETURNS smallint
LANGUAGE sql IMMUTABLE AS $$
    SELECT (CASE WHEN r < 0.02 + shift / 4 THEN 1 WHEN r < 0.10 + shift / 2 THEN 2 WHEN r < 0.58 + shift THEN 3
                 ELSE 4 END)::smallint
$$;
CREATE FUNCTION pg_temp.bench_uuid(prefix text, n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
    SELECT (prefix || '-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid
$$;
"""
# Per element: completion time and complaint handling score worse, cost (mostly free services) better.
ELEMENT_SHIFT = {"time": 0.06, "complaints": 0.04, "procedure": 0.02, "cost": -0.08, "behaviour": -0.02}

# Services in a random order; the n-th is drawn with probability ∝ a long tail (see INVITATIONS_SQL).
UNITS_SQL = """
CREATE TEMP TABLE bench_unit AS
SELECT (row_number() OVER (ORDER BY md5(id::text || $1::text)) - 1)::int AS n, id AS service, region, agency
FROM catalogue_service WHERE active;
CREATE UNIQUE INDEX ON bench_unit (n);
ANALYZE bench_unit;
"""

INVITATIONS_SQL = """
INSERT INTO feedback_invitation (id, kind, ref, account, region, agency, service, officer, day, created_at,
                                 answered_at, expires_at)
SELECT pg_temp.bench_uuid('00000001', s.g),
       CASE WHEN s.r_kind < 0.75 THEN 'application' ELSE 'ticket' END,
       pg_temp.bench_uuid(CASE WHEN s.r_kind < 0.75 THEN '0000000a' ELSE '0000000b' END, s.g),
       NULL, u.region, u.agency,
       CASE WHEN s.r_kind >= 0.75 AND s.r_service < 0.40 THEN NULL ELSE u.service END,
       NULL, s.day,
       s.at,
       CASE WHEN s.answered THEN s.at + s.r_delay * interval '3 days' END,
       s.at + interval '30 days'
FROM (
    SELECT g,
           random() AS r_unit, random() AS r_kind, random() AS r_service, random() AS r_delay,
           $2::date + (g * $3::bigint / $1::bigint)::int AS day,
           (($2::date + (g * $3::bigint / $1::bigint)::int) + time '08:00' + random() * interval '8 hours')
               AT TIME ZONE 'Asia/Jakarta' AS at,
           (g + 1) * $4::bigint / $1::bigint > g * $4::bigint / $1::bigint AS answered
    FROM generate_series(0::bigint, $1::bigint - 1) g
) s
JOIN bench_unit u ON u.n = least($5::int - 1, floor($5::int * power(s.r_unit, 2.2)))::int
ORDER BY s.g
"""


def surveys_sql() -> str:
    scores = ",\n       ".join(f"pg_temp.skm_score(random(), {ELEMENT_SHIFT.get(e, 0.0)} + q.shift)" for e in ELEMENTS)
    return f"""
INSERT INTO feedback_survey (id, invitation, region, agency, service, officer, day, channel, {", ".join(ELEMENTS)},
                             comment, answered_at)
SELECT pg_temp.bench_uuid('00000002', q.n), q.id, q.region, q.agency, q.service, q.officer, q.day,
       CASE q.kind WHEN 'ticket' THEN 'kiosk' ELSE 'app' END,
       {scores},
       CASE WHEN random() < 0.10 THEN 'Pelayanan cukup cepat, petugas ramah.' END,
       q.answered_at
FROM (
    SELECT i.*, row_number() OVER (ORDER BY i.id) AS n,
           -- An agency's quality, fixed per agency: between 0.12 better and 0.12 worse than the average.
           ((hashtext(i.agency::text) & 1023) / 1023.0 - 0.5) * 0.24 AS shift
    FROM feedback_invitation i WHERE i.answered_at IS NOT NULL
) q
ORDER BY q.n
"""


SUMS = ", ".join(f"sum_{e}" for e in ELEMENTS)
# The live path writes each transaction's and answer's sums into one of eight shards per unit and day (the writing
# connection's: api/feedback/surveys.py), so that counters finishing tickets at once don't queue on one row. The
# load spreads them the worst way for reads: every row to a shard of its own id, as if each came from another
# connection, so a unit-day has up to eight rows.
DAILY_SQL = f"""
INSERT INTO feedback_skm_daily (region, agency, service, day, shard, transactions, respondents, {SUMS})
SELECT region, agency, service, day, shard, sum(t), sum(n), {", ".join(f"sum({e})" for e in ELEMENTS)}
FROM (
    SELECT region, agency, service, day, abs(hashtext(id::text)) % 8 AS shard, 1 AS t, 0 AS n,
           {", ".join(f"0 AS {e}" for e in ELEMENTS)}
    FROM feedback_invitation
    UNION ALL
    SELECT region, agency, service, day, abs(hashtext(id::text)) % 8, 0, 1, {", ".join(ELEMENTS)}
    FROM feedback_survey
) x
GROUP BY region, agency, service, day, shard
ORDER BY day, region, agency, service, shard
"""


@dataclass
class Phase:
    name: str
    seconds: float
    rows: int | None = None


@dataclass
class Loaded:
    phases: list[Phase]
    first_day: dt.date
    last_day: dt.date
    sizes: list[tuple[str, int, int]]  # table, rows, bytes with indexes

    @property
    def load_seconds(self) -> float:
        return sum(p.seconds for p in self.phases)


async def load(url: str, transactions: int, surveys: int, seed: int) -> Loaded:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        await conn.execute("SET statement_timeout = 0; SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'")
        await conn.execute(f"SELECT setseed({(seed % 1000) / 1000.0})")
        await conn.execute(SCORE_SQL)
        units = await conn.fetchval(
            "SELECT count(*) FROM catalogue_service WHERE active"
        )  # the seeded catalogue's services
        await conn.execute(UNITS_SQL.replace("$1", f"'{seed}'"))
        last_day = dt.date.today() - dt.timedelta(days=1)
        first_day = last_day - dt.timedelta(days=DAYS - 1)
        phases = []

        async def step(name: str, sql: str, *args: Any) -> None:
            say(f"{name} …")
            began = time.monotonic()
            status = await conn.execute(sql, *args)
            rows = int(status.rsplit(" ", 1)[1]) if status.split(" ")[0] in ("INSERT", "SELECT") else None
            phases.append(Phase(name, time.monotonic() - began, rows))
            say(f"  {phases[-1].seconds:.1f} s" + (f", {rows:,} rows" if rows is not None else ""))

        await step(
            "feedback_invitation", INVITATIONS_SQL, transactions, first_day, DAYS, min(surveys, transactions), units
        )
        await step("feedback_survey", surveys_sql())
        await step("feedback_skm_daily", DAILY_SQL)
        await step("VACUUM ANALYZE", "VACUUM (ANALYZE) feedback_invitation, feedback_survey, feedback_skm_daily")
        sizes = []
        for table in ("feedback_invitation", "feedback_survey", "feedback_skm_daily"):
            rows = await conn.fetchval(f"SELECT count(*) FROM {table}")
            size = await conn.fetchval("SELECT pg_total_relation_size($1::regclass)", table)
            sizes.append((table, rows, size))
        return Loaded(phases, first_day, last_day, sizes)
    finally:
        await conn.close()


# --- the queries ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A unit and period the index is asked for: one of region / agency (code + region) / service."""

    region: str | None = None
    agency: str | None = None  # code
    service: uuid.UUID | None = None
    start: dt.date = dt.date.min
    end: dt.date = dt.date.min

    def describe(self) -> str:
        what = (
            f"service {str(self.service)[:8]}…"
            if self.service
            else f"agency {self.agency} ({self.region})"
            if self.agency
            else f"region {self.region}"
        )
        return f"{what}, {self.start} – {self.end}"

    def query(self) -> dict[str, str]:
        q = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.region:
            q["region"] = self.region
        if self.agency:
            q["agency"] = self.agency
        if self.service:
            q["service"] = str(self.service)
        return q


@dataclass(frozen=True)
class Sums:
    transactions: int
    respondents: int
    sums: tuple[int, ...]

    def index(self) -> tuple[dict[str, Decimal], Decimal, str]:
        """PermenPANRB 14/2017 from the sums, as exact fractions (independently of the API's code): NRR = sum /
        respondents, shown to two decimals; IKM = Σ NRR / 9, so the published score IKM × 25 is
        25 · Σ sums / (9 · respondents), rounded half up to two decimals only then. The grade follows that score."""

        if not self.respondents:
            return {}, Decimal(0), "—"

        def cents(value: Fraction) -> Decimal:
            return Decimal(math.floor(value * 100 + Fraction(1, 2))) / 100

        nrr = {e: cents(Fraction(s, self.respondents)) for e, s in zip(ELEMENTS, self.sums, strict=True)}
        score = cents(Fraction(25 * sum(int(s) for s in self.sums), 9 * self.respondents))
        grade = "A" if score >= Decimal("88.31") else "B" if score >= Decimal("76.61") else "C" if score >= 65 else "D"
        return nrr, score, grade


def unit_filter(unit: Unit, first: int) -> tuple[str, list[Any]]:
    """WHERE clause and arguments (from ``$first`` on) for a unit over a period, on any of the three tables."""
    clauses: list[str] = []
    args: list[Any] = []
    if unit.region:
        args.append(unit.region)
        clauses.append(f"region = ${first + len(args) - 1}")
    if unit.agency:
        args.append(unit.agency)
        clauses.append(
            f"agency IN (SELECT id FROM catalogue_agency WHERE code = ${first + len(args) - 1}"
            + (f" AND region = ${first}" if unit.region else "")
            + ")"
        )
    if unit.service:
        args.append(unit.service)
        clauses.append(f"service = ${first + len(args) - 1}")
    args += [unit.start, unit.end]
    clauses.append(f"day BETWEEN ${first + len(args) - 2} AND ${first + len(args) - 1}")
    return " AND ".join(clauses), args


async def raw_sums(conn: asyncpg.Connection, unit: Unit) -> Sums:
    """The raw aggregate: what answering without the running sums costs."""
    where, args = unit_filter(unit, 1)
    row = await conn.fetchrow(
        f"""SELECT (SELECT count(*) FROM feedback_invitation WHERE {where}) AS transactions,
                   count(*) AS respondents, {", ".join(f"coalesce(sum({e}), 0) AS {e}" for e in ELEMENTS)}
            FROM feedback_survey WHERE {where}""",
        *args,
    )
    return Sums(row["transactions"], row["respondents"], tuple(row[e] for e in ELEMENTS))


async def raw_survey_sums(conn: asyncpg.Connection, unit: Unit) -> Sums:
    """The survey half of the raw aggregate alone (no population)."""
    where, args = unit_filter(unit, 1)
    row = await conn.fetchrow(
        f"""SELECT count(*) AS respondents, {", ".join(f"coalesce(sum({e}), 0) AS {e}" for e in ELEMENTS)}
            FROM feedback_survey WHERE {where}""",
        *args,
    )
    return Sums(-1, row["respondents"], tuple(row[e] for e in ELEMENTS))


async def daily_sums(conn: asyncpg.Connection, unit: Unit) -> Sums:
    """The running sums over the unit and period, read straight from feedback_skm_daily (this script's own
    query: the correctness check compares it with the raw rows, independently of the API's code)."""
    where, args = unit_filter(unit, 1)
    row = await conn.fetchrow(
        f"""SELECT coalesce(sum(transactions), 0) AS transactions, coalesce(sum(respondents), 0) AS respondents,
                   {", ".join(f"coalesce(sum(sum_{e}), 0)::bigint AS {e}" for e in ELEMENTS)}
            FROM feedback_skm_daily WHERE {where}""",
        *args,
    )
    return Sums(row["transactions"], row["respondents"], tuple(row[e] for e in ELEMENTS))


# The API's own index function, called in-process; None until the API provides it (then this script's query over
# feedback_skm_daily stands in for it, and the report says so).
ApiIndex = Callable[[asyncpg.Connection, Unit], Awaitable[dict[str, Any]]]


def api_index() -> tuple[ApiIndex | None, str]:
    """The API's SKM index function, adapted to (connection, unit) → its answer as plain data; None until the
    API provides it."""
    try:
        from api.feedback import surveys
    except ImportError as exc:
        return None, f"api.feedback.surveys is not importable ({exc})"
    fn = getattr(surveys, "skm_index", None)
    if fn is None:
        return None, "api.feedback.surveys has no skm_index()"

    async def call(conn: asyncpg.Connection, unit: Unit) -> dict[str, Any]:
        result = await fn(
            conn, region=unit.region, agency=unit.agency, service=unit.service, start=unit.start, end=unit.end
        )
        plain: dict[str, Any] = msgspec.to_builtins(result)
        return plain

    return call, "api.feedback.surveys.skm_index"


@dataclass
class LiveWrites:
    """Transactions ended and answered through the app's own code on the full database: the hook that invites
    (and counts the transaction) and the answer (and its sums), each in its own transaction as in production."""

    invite: list[float]  # ms, sorted
    answer: list[float]
    region: str  # where the first of them counted, for a correctness check that includes today
    day: dt.date


async def live_writes(conn: asyncpg.Connection, count: int, rng: random.Random) -> LiveWrites | str:
    try:
        from api.feedback import surveys
        from api.feedback.skm_schemas import Scores, SurveyAnswer
    except ImportError as exc:
        return f"live writes not measured: {exc}"
    account = await conn.fetchval(
        """INSERT INTO accounts_account (phone, name, created_at, updated_at)
           VALUES ('+62811' || lpad((floor(random() * 1e7))::int::text, 7, '0'), 'Warga Uji Beban', now(), now())
           RETURNING id"""
    )
    services = await conn.fetch(
        "SELECT id, region, agency FROM catalogue_service WHERE active ORDER BY md5(id::text || $1) LIMIT $2",
        str(rng.random()),
        count,
    )
    invite_ms, answer_ms = [], []
    for s in services:
        now = dt.datetime.now(dt.UTC)
        ref = uuid.uuid4()
        application = {
            "id": ref,
            "applicant": account,
            "region": s["region"],
            "agency": s["agency"],
            "service": s["id"],
        }
        began = time.perf_counter()
        async with conn.transaction():
            await surveys.invite_for_application(conn, application, status="completed", officer=uuid.uuid4(), now=now)
        invite_ms.append((time.perf_counter() - began) * 1000)
        invitation = await conn.fetchval(
            "SELECT id FROM feedback_invitation WHERE kind = 'application' AND ref = $1", ref
        )
        answer = SurveyAnswer(scores=Scores(**{e: rng.choice((2, 3, 3, 4, 4)) for e in ELEMENTS}), comment=None)
        began = time.perf_counter()
        await surveys.answer_invitation(conn, invitation_id=invitation, account=account, data=answer, now=now)
        answer_ms.append((time.perf_counter() - began) * 1000)
    first = services[0]
    day = await conn.fetchval(
        "SELECT day FROM feedback_invitation WHERE account = $1 ORDER BY created_at LIMIT 1", account
    )
    return LiveWrites(sorted(invite_ms), sorted(answer_ms), first["region"], day)


# --- measuring ------------------------------------------------------------------------------------------


@dataclass
class Latency:
    label: str
    samples: list[float] = field(default_factory=list)  # ms, sorted once measured
    target: bool = False  # the p95 < 100 ms target applies
    raw: bool = False  # a raw aggregate (the baseline)
    note: str = ""

    def pct(self, p: float) -> float:
        return percentile(self.samples, p)

    @property
    def passed(self) -> bool:
        return bool(self.samples) and self.pct(95) < TARGET_P95_MS


async def timed(
    label: str,
    call: Callable[[Unit], Awaitable[object]],
    units: Sequence[Unit],
    warmup: int,
    *,
    target: bool = False,
    raw: bool = False,
) -> Latency:
    say(f"measuring {label}: {warmup} warm-up + {len(units)} calls …")
    result = Latency(label, target=target, raw=raw)
    for i, unit in enumerate([*units[:warmup], *units]):
        began = time.perf_counter()
        await call(unit)
        if i >= warmup:
            result.samples.append((time.perf_counter() - began) * 1000)
    result.samples.sort()
    return result


def region_year(rng: random.Random, regions: Sequence[str], first: dt.date, last: dt.date) -> Unit:
    start = first + dt.timedelta(days=rng.randrange((last - first).days - WINDOW_DAYS + 2))
    return Unit(region=rng.choice(regions), start=start, end=start + dt.timedelta(days=WINDOW_DAYS - 1))


async def sample_units(conn: asyncpg.Connection, rng: random.Random, first: dt.date, last: dt.date) -> list[Unit]:
    """Units for the correctness check: regions over a year and over both years, agencies, services (a popular
    one and a rare one), and an agency's tickets without a service."""
    regions = [r["region"] for r in await conn.fetch("SELECT DISTINCT region FROM feedback_skm_daily ORDER BY 1")]
    units = [region_year(rng, regions, first, last) for _ in range(3)]
    units.append(Unit(region=rng.choice(regions), start=first, end=last))
    agencies = await conn.fetch(
        """SELECT g.code, g.region FROM catalogue_agency g
           WHERE EXISTS (SELECT 1 FROM feedback_skm_daily d WHERE d.agency = g.id) ORDER BY g.id"""
    )
    for a in rng.sample(list(agencies), 2):
        units.append(dataclasses.replace(region_year(rng, regions, first, last), region=a["region"], agency=a["code"]))
    by_use = await conn.fetch(
        """SELECT service, sum(transactions) AS n FROM feedback_skm_daily WHERE service IS NOT NULL
           GROUP BY service ORDER BY n DESC, service"""
    )
    for s in (by_use[0], by_use[len(by_use) // 2]):
        units.append(dataclasses.replace(region_year(rng, regions, first, last), region=None, service=s["service"]))
    return units


@dataclass
class Check:
    unit: Unit
    raw: Sums
    daily: Sums
    api: str = "—"  # "equal" | what differed | "—" (not available)
    http: str = "—"

    @property
    def sums_equal(self) -> bool:
        return self.raw == self.daily

    @property
    def ok(self) -> bool:
        return self.sums_equal and self.api in ("equal", "—") and self.http in ("equal", "—")


def compare_index(answer: dict[str, Any], raw: Sums) -> str:
    """The API's answer (in-process or JSON) against the index computed from the raw sums: respondents and the
    population exactly, the score and grade exactly, each NRR to two decimals (JSON numbers drop trailing zeros:
    compared as numbers)."""
    if raw.respondents == 0:
        return "equal" if not answer.get("respondents") else f"respondents {answer.get('respondents')} ≠ 0"
    nrr, score, grade = raw.index()
    differences = []
    if answer.get("respondents") != raw.respondents:
        differences.append(f"respondents {answer.get('respondents')} ≠ {raw.respondents}")
    if "population" in answer and answer["population"] != raw.transactions:
        differences.append(f"population {answer['population']} ≠ {raw.transactions}")
    if Decimal(str(answer.get("ikm"))) != score:
        differences.append(f"ikm {answer.get('ikm')} ≠ {score}")
    if answer.get("grade") != grade:
        differences.append(f"grade {answer.get('grade')} ≠ {grade}")
    elements = answer.get("elements") or {}
    for e in ELEMENTS:
        if Decimal(str(elements.get(e))) != nrr[e]:
            differences.append(f"NRR {e} {elements.get(e)} ≠ {nrr[e]}")
    return "equal" if not differences else "; ".join(differences)


@dataclass
class Measured:
    rows: list[Latency]
    checks: list[Check]
    totals_equal: bool
    totals: str
    preaggregated: str  # what the pre-aggregated in-process row called
    http_note: str
    plans: list[tuple[str, list[str]]]
    notes: list[str]
    live: LiveWrites | str
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average when measuring started and ended


async def explain(conn: asyncpg.Connection, sql: str, args: Sequence[Any]) -> list[str]:
    rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, *args)
    return [r[0] for r in rows]


async def measure(url: str, base_url: str | None, loaded: Loaded, args: argparse.Namespace) -> Measured:
    rng = random.Random(args.seed)
    load_before = os.getloadavg()[0]
    conn = await asyncpg.connect(url, timeout=10, server_settings=APP_SERVER_SETTINGS)
    try:
        first, last = loaded.first_day, loaded.last_day
        regions = [r["region"] for r in await conn.fetch("SELECT DISTINCT region FROM feedback_skm_daily ORDER BY 1")]
        fn, what = api_index()

        async def own_index(unit: Unit) -> object:
            return (await daily_sums(conn, unit)).index()

        async def api_call(unit: Unit) -> object:
            assert fn is not None
            return await fn(conn, unit)

        rows: list[Latency] = []
        units = [region_year(rng, regions, first, last) for _ in range(args.samples)]
        if fn is not None:
            rows.append(await timed(f"index, in-process ({what})", api_call, units, args.warmup, target=True))
        rows.append(
            await timed(
                "running sums, this script's query + exact arithmetic",
                own_index,
                units,
                args.warmup,
                target=fn is None,
            )
        )
        preaggregated = what if fn is not None else f"this script's query over feedback_skm_daily ({what})"

        http_note = ""
        if base_url is not None:
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
                probe = await client.get("/api/v1/skm", params=units[0].query())
                if probe.status_code == 200:

                    async def http_call(unit: Unit) -> object:
                        response = await client.get("/api/v1/skm", params=unit.query())
                        response.raise_for_status()
                        return response.json()

                    rows.append(
                        await timed(
                            "GET /api/v1/skm?region=…&from=…&to=… (mpp serve, one request at a time)",
                            http_call,
                            units,
                            args.warmup,
                            target=True,
                        )
                    )
                else:
                    http_note = f"GET /api/v1/skm answered {probe.status_code}: not measured"
                    say(http_note)

        raw_units = [region_year(rng, regions, first, last) for _ in range(args.raw_samples)]
        raw_warmup = min(3, args.raw_samples)
        rows.append(
            await timed(
                "raw aggregate: feedback_survey + feedback_invitation",
                lambda u: raw_sums(conn, u),
                raw_units,
                raw_warmup,
                raw=True,
            )
        )
        rows.append(
            await timed(
                "raw, the survey half alone", lambda u: raw_survey_sums(conn, u), raw_units, raw_warmup, raw=True
            )
        )

        live: LiveWrites | str = "live writes not measured (--live-writes 0)"
        check_units = await sample_units(conn, rng, first, last)
        if args.live_writes:
            say(f"{args.live_writes} transactions invited and answered through api.feedback.surveys …")
            live = await live_writes(conn, args.live_writes, rng)
            if isinstance(live, LiveWrites):
                check_units.append(
                    Unit(region=live.region, start=live.day - dt.timedelta(days=WINDOW_DAYS - 1), end=live.day)
                )
        say("checking the running sums and the index against the raw rows …")
        checks = []
        answers: dict[Unit, str] = {}
        if base_url is not None and not http_note:
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
                for unit in check_units:
                    response = await client.get("/api/v1/skm", params=unit.query())
                    answers[unit] = (
                        compare_index(response.json(), await raw_sums(conn, unit))
                        if response.status_code == 200
                        else f"HTTP {response.status_code}"
                    )
        for unit in check_units:
            raw = await raw_sums(conn, unit)
            check = Check(unit, raw, await daily_sums(conn, unit), http=answers.get(unit, "—"))
            if fn is not None:
                check.api = compare_index(await fn(conn, unit), raw)
            checks.append(check)
        totals = await conn.fetchrow(
            """SELECT (SELECT sum(transactions) FROM feedback_skm_daily) AS daily_t,
                      (SELECT sum(respondents) FROM feedback_skm_daily) AS daily_n,
                      (SELECT count(*) FROM feedback_invitation) AS invitations,
                      (SELECT count(*) FROM feedback_survey) AS surveys"""
        )
        totals_equal = totals["daily_t"] == totals["invitations"] and totals["daily_n"] == totals["surveys"]
        totals_text = (
            f"Σ transactions {totals['daily_t']:,} vs {totals['invitations']:,} invitations, "
            f"Σ respondents {totals['daily_n']:,} vs {totals['surveys']:,} answers"
        )

        plans = []
        unit = region_year(rng, regions, first, last)
        where, qargs = unit_filter(unit, 1)
        plans.append(
            (
                f"running sums, {unit.describe()}",
                await explain(
                    conn,
                    f"SELECT sum(transactions), sum(respondents), {', '.join(f'sum(sum_{e})' for e in ELEMENTS)} "
                    f"FROM feedback_skm_daily WHERE {where}",
                    qargs,
                ),
            )
        )
        plans.append(
            (
                f"raw aggregate, {unit.describe()}",
                await explain(
                    conn,
                    f"SELECT (SELECT count(*) FROM feedback_invitation WHERE {where}), count(*), "
                    f"{', '.join(f'sum({e})' for e in ELEMENTS)} FROM feedback_survey WHERE {where}",
                    qargs,
                ),
            )
        )
        notes = []
        if args.invitation_index:
            # Is the running-sums table earning its keep, or would one index do? The raw aggregate spends its time
            # counting the population in feedback_invitation, which the migrations index by account only.
            say("CREATE INDEX ON feedback_invitation (region, day) …")
            began = time.monotonic()
            await conn.execute("SET statement_timeout = 0")
            await conn.execute("CREATE INDEX bench_invitation_region_day ON feedback_invitation (region, day)")
            await conn.execute("ANALYZE feedback_invitation")
            await conn.execute(f"SET statement_timeout = {APP_SERVER_SETTINGS['statement_timeout']}")
            built = time.monotonic() - began
            size = await conn.fetchval("SELECT pg_relation_size('bench_invitation_region_day')")
            rows.append(
                await timed(
                    "raw, with an index on feedback_invitation (region, day) added for this row",
                    lambda u: raw_sums(conn, u),
                    raw_units,
                    raw_warmup,
                    raw=True,
                )
            )
            notes.append(
                f"The last row's index is not in the migrations: this run built it afterwards ({built:.0f} s, "
                f"{human_bytes(size)}) to show what one index would do for the raw aggregate."
            )
        return Measured(
            rows,
            checks,
            totals_equal,
            totals_text,
            preaggregated,
            http_note,
            plans,
            notes,
            live,
            (load_before, os.getloadavg()[0]),
        )
    finally:
        await conn.close()


# --- the report -----------------------------------------------------------------------------------------

HEADER = ("query (a region over a year)", "calls", "p50 ms", "p95 ms", "p99 ms", "raw p95 ÷ this p95", "target")


def latency_cells(row: Latency, raw: Latency | None) -> tuple[str, ...]:
    # The ratio is for the pre-aggregated paths; the raw rows are what they are compared with.
    ratio = f"{raw.pct(95) / row.pct(95):,.0f}×" if raw and not row.raw and row.pct(95) else "—"
    target = ("pass" if row.passed else "**FAIL**") if row.target else "—"
    return (
        row.label,
        f"{len(row.samples):,}",
        f"{row.pct(50):.2f}",
        f"{row.pct(95):.2f}",
        f"{row.pct(99):.2f}",
        ratio,
        f"p95 < {TARGET_P95_MS:.0f} ms: {target}" if row.target else "—",
    )


CHECK_HEADER = ("unit and period", "transactions", "respondents", "running sums = raw", "index in-process", "GET /skm")


def check_cells(c: Check) -> tuple[str, ...]:
    return (
        c.unit.describe(),
        f"{c.raw.transactions:,}",
        f"{c.raw.respondents:,}",
        "equal" if c.sums_equal else f"**differ**: {c.daily} vs {c.raw}",
        c.api,
        c.http,
    )


def human_bytes(n: int) -> str:
    return f"{n / 2**30:.2f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


@dataclass
class Report:
    command: str
    started: dt.datetime
    database: str
    server_version: str
    loaded: Loaded
    measured: Measured
    transactions: int
    surveys: int
    setup_seconds: float

    @property
    def raw(self) -> Latency:
        return next(r for r in self.measured.rows if r.label.startswith("raw aggregate"))

    @property
    def passed(self) -> bool:
        targets = [r for r in self.measured.rows if r.target]
        return (
            bool(targets)
            and all(r.passed for r in targets)
            and all(c.ok for c in self.measured.checks)
            and self.measured.totals_equal
        )

    def live_line(self) -> str:
        live = self.measured.live
        if isinstance(live, str):
            return live[0].upper() + live[1:] + "."
        ms = percentile
        return (
            f"The live path on this database: {len(live.invite)} transactions ended through "
            "`surveys.invite_for_application` (the invitation and the unit's running sum, one transaction) took "
            f"p50 {ms(live.invite, 50):.2f} / p95 {ms(live.invite, 95):.2f} ms, and their answers through "
            f"`surveys.answer_invitation` (answer, invitation and sums, one transaction) p50 "
            f"{ms(live.answer, 50):.2f} / p95 {ms(live.answer, 95):.2f} ms. The checks below ran after them; the "
            "last unit's period ends on their day."
        )

    def load_lines(self) -> list[str]:
        lo = self.loaded
        parts = ", ".join(f"{p.name} {p.seconds:.0f} s" for p in lo.phases)
        sizes = "; ".join(f"`{t}` {rows:,} rows, {human_bytes(b)}" for t, rows, b in lo.sizes)
        return [
            f"Data load: {lo.load_seconds:.0f} s ({parts}), after {self.setup_seconds:.0f} s for create + migrate + "
            f"seed. Days {lo.first_day} – {lo.last_day}.",
            f"Sizes with indexes: {sizes}.",
        ]

    def console(self) -> None:
        m = self.measured
        print()
        print(f"SKM index benchmark — {self.transactions:,} transactions, {self.surveys:,} answers")
        for line in self.load_lines():
            print(line)
        print(f"Pre-aggregated in-process: {m.preaggregated}; load average {m.load[0]:.1f} → {m.load[1]:.1f}")
        if m.http_note:
            print(m.http_note)
        print()
        print(text_table(HEADER, [latency_cells(r, self.raw) for r in m.rows], {1, 2, 3, 4, 5}))
        for note in m.notes:
            print(note)
        print(self.live_line())
        print()
        print(text_table(CHECK_HEADER, [check_cells(c) for c in m.checks], {1, 2}))
        print(("ok: " if m.totals_equal else "DIFFER: ") + m.totals)
        for title, plan in m.plans:
            print(f"\nEXPLAIN ANALYZE — {title}")
            print("\n".join("  " + line for line in plan))
        print(f"\nverdict: {'PASS' if self.passed else 'FAIL'}")

    def markdown(self) -> str:
        m = self.measured
        lines = [
            f"## {self.started:%Y-%m-%d}: the SKM index for a region over a year at full scale (issue 17)",
            "",
            f"`{self.command}` — {platform.python_implementation()} {platform.python_version()}, {cpu_model()}, "
            f"{os.cpu_count()} CPUs, PostgreSQL {self.server_version} ({self.database}, dropped afterwards). "
            f"{self.transactions:,} transactions (invitations: 75 % applications, 25 % queue tickets) and "
            f"{self.surveys:,} answers over {DAYS} days and the demo catalogue's 21 regions, generated with "
            "set-based SQL in a database made by the migrations (see the script's docstring for why invitations "
            "stand for the transactions).",
            "",
            *self.load_lines(),
            "",
            f"Each call asks for a random region and a random {WINDOW_DAYS}-day window; warm-up calls are not "
            f"counted. Pre-aggregated in-process: {m.preaggregated}. The machine's 1-minute load average was "
            f"{m.load[0]:.1f} when measuring began and {m.load[1]:.1f} when it ended (other sessions' work shares "
            "these cores: read the ratios)." + (f" {m.http_note}." if m.http_note else ""),
            "",
            markdown_table(HEADER, [latency_cells(r, self.raw) for r in m.rows], {1, 2, 3, 4, 5}),
            "",
            *m.notes,
            "",
            self.live_line(),
            "",
            "Correctness in the same run: the running sums against the raw rows as exact integers; the index "
            "(respondents, population, score, grade, each NRR to two decimals) against exact fractions of the raw "
            "sums:",
            "",
            markdown_table(CHECK_HEADER, [check_cells(c) for c in m.checks], {1, 2}),
            "",
            ("Whole tables agree: " if m.totals_equal else "**Whole tables differ**: ") + m.totals + ".",
            "",
            f"Verdict: **{'pass' if self.passed else 'FAIL'}**.",
        ]
        for title, plan in m.plans:
            lines += [
                "",
                f"<details><summary>EXPLAIN ANALYZE — {title}</summary>",
                "",
                "```",
                *plan,
                "```",
                "",
                "</details>",
            ]
        return "\n".join(lines) + "\n"


# --- main -----------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database-url", help="PostgreSQL server to create the database on (default $DATABASE_URL)")
    parser.add_argument("--transactions", type=int, default=500_000, help=f"full scale: {FULL_TRANSACTIONS:,}")
    parser.add_argument("--surveys", type=int, default=100_000, help=f"full scale: {FULL_SURVEYS:,}")
    parser.add_argument("--samples", type=int, default=500, help="timed calls of each pre-aggregated path")
    parser.add_argument("--raw-samples", type=int, default=40, help="timed calls of each raw aggregate")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls first (pre-aggregated paths)")
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument(
        "--live-writes", type=int, default=200, help="transactions invited and answered through the app's code"
    )
    parser.add_argument("--no-http", action="store_true", help="skip GET /api/v1/skm through mpp serve")
    parser.add_argument(
        "--no-invitation-index",
        dest="invitation_index",
        action="store_false",
        help="skip the last row (the raw aggregate again with an index on feedback_invitation (region, day))",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database (default: drop it)")
    parser.add_argument("--markdown", metavar="FILE", help="append the report in Markdown to FILE ('-': print it)")
    args = parser.parse_args(argv)
    args.url_from_env = args.database_url is None
    args.database_url = args.database_url or os.environ.get("DATABASE_URL")
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL (a PostgreSQL server to create the database on)")
    if args.transactions < 1 or not 0 <= args.surveys <= args.transactions:
        parser.error("need 1 ≤ transactions and 0 ≤ surveys ≤ transactions")
    return args


def command_line(args: argparse.Namespace) -> str:
    python = os.path.relpath(sys.executable) if not os.path.isabs(sys.argv[0]) else sys.executable
    prefix = f"DATABASE_URL={redact(args.database_url)} " if args.url_from_env else ""
    return prefix + shlex.join([python, *sys.argv])


def run(args: argparse.Namespace) -> int:
    started = dt.datetime.now(dt.UTC)
    name = f"mpp_skm_{uuid.uuid4().hex[:10]}"
    url = with_database(args.database_url, name)
    server: Server | None = None
    try:
        began = time.monotonic()
        version = asyncio.run(_admin(args.database_url, f'CREATE DATABASE "{name}"'))
        with tempfile.TemporaryDirectory(prefix="mpp-skm-") as tmp:
            data_dir = Path(tmp)
            mpp_command(["migrate"], url, data_dir)
            say(f"database {name}: {mpp_command(['seed', '--demo'], url, data_dir)}")
            setup = time.monotonic() - began
            say(f"generating {args.transactions:,} transactions and {args.surveys:,} answers …")
            loaded = asyncio.run(load(url, args.transactions, args.surveys, args.seed))
            say(f"loaded in {loaded.load_seconds:.0f} s")
            if not args.no_http:
                server = Server(data_dir, url, 1)
                server.env["MPP_ACCESS_LOG"] = "false"
                server.env["MPP_WORKER_IN_SERVE"] = "false"
                server.start()
            try:
                measured = asyncio.run(measure(url, server.base_url if server else None, loaded, args))
            finally:
                if server is not None:
                    server.stop()
        report = Report(
            command=command_line(args),
            started=started,
            database=f"database {name} on {redact(args.database_url)}",
            server_version=version.split(" ")[0],
            loaded=loaded,
            measured=measured,
            transactions=args.transactions,
            surveys=args.surveys,
            setup_seconds=setup,
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
        if args.keep:
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
