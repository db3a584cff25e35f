"""Queue benchmarks (issue 16): the booking rush at opening, and call-next with 50 counters calling at once.

One ``mpp serve --workers 2`` on a fresh database made by the migrations (the demo catalogue seeded on its first
start), ``MPP_ACCESS_LOG=false`` as in production. The clients are separate processes (``--client-processes``, each
an asyncio loop over plain keep-alive HTTP/1.1 connections — a few dozen lines, far cheaper per request than a
general HTTP client), so that on this 2-core machine the client takes as little of the CPU as possible; the server,
PostgreSQL and the clients still share the same two cores, which is what the figures mean.

**(a) Booking rush.** ``--citizens`` accounts (with a NIK, signed in: one session each, made through
``api.auth.service.start_session`` before the clock starts) book the same service's next open day at once through
``POST /api/v1/queue/bookings``. Each picks a time with a strong preference for the first slots of the morning
(everyone wants 08:00); on ``409 slot_full`` it reads the day's slots again (as the booking screen does) and
books a time that still has seats, until one is taken or none is left. The day's
online capacity is ``--capacity-share`` of the citizens, so the popular slots fill and the last citizens find the
whole day full — overbooking, if it existed, would show. Checked after the run, in the database: ``taken ≤
capacity`` for every slot, bookings = seats taken, one booking per NIK, every 201 a stored booking. Baseline in the
same run: bare ``INSERT``s of rows of the same width (a copy of ``queue_booking``'s columns, no index) from as many
concurrent connections as the server's pools hold (10 per worker), one transaction each; the ratio is bookings/s ÷
INSERTs/s.

**(b) Call next.** ``--counters`` officers, each with their own counter of one agency open, and a line of
waiting tickets. In each of ``--rounds`` rounds every officer calls ``POST /api/v1/officer/queue/next`` at the
same instant (a barrier across the client processes), then serves the ticket (the next call finishes it, as at a
real counter). Latency = each call's request to its answer. Baseline: the same bursts of ``GET /health/live``.
Then the same rounds again with each call at a random moment within ``--stagger`` seconds (0: not run). The CPU
the API processes and the database's backends spent is read from ``/proc`` around each part: a figure that does
not depend on what else the machine is doing.
Checked after the run: no ticket called twice, none skipped (every waiting ticket ahead of the last one called in
the line's order was called), as many calls as answers.

    .venv/bin/python bench/queue_bench.py [--citizens 3000] [--capacity-share 0.9] [--connections 32]
                                          [--counters 50] [--rounds 40] [--stagger 1] [--client-processes 2]
                                          [--only rush|next] [--database-url URL] [--markdown [FILE]]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import os
import platform
import random
import secrets
import shlex
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from http_bench import PROJECT, Server, cpu_model, fresh_database

REGION, AGENCY = "3302", "DISDUKCAPIL"
TARGET_BOOKINGS_PER_S = 300.0
TARGET_NEXT_P99_S = 0.050


# --- a lean HTTP/1.1 client ----------------------------------------------------------------------------------


class Http:
    """One keep-alive connection; requests one at a time (as a browser's connection does)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> Http:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: Any = None
    ) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "Accept: application/json"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body is not None or method in ("POST", "PUT"):
            lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, chunked = 0, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if not chunked:
            return status, await self.reader.readexactly(length) if length else b""
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
            parts.append(await self.reader.readexactly(size + 2))
            if size == 0:
                return status, b"".join(p[:-2] for p in parts)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    for task in Path("/proc").glob("[0-9]*"):
        try:
            if int((task / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(task.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


class CpuMeter:
    """CPU seconds spent by the API (``mpp serve`` and its workers) and by the PostgreSQL backends of the bench's
    database between ``start`` and ``stop``: what a request costs, whatever else the machine is doing."""

    def __init__(self, server_pid: int, url: str) -> None:
        self.server_pid, self.url = server_pid, url
        self.api = self.db = 0.0
        self._before: dict[int, int] = {}

    async def _pids(self) -> tuple[list[int], list[int]]:
        conn = await asyncpg.connect(self.url, timeout=10)
        try:
            db = [r["pid"] for r in await conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )]  # fmt: skip
        finally:
            await conn.close()
        return [self.server_pid, *_children(self.server_pid)], db

    async def start(self) -> None:
        api, db = await self._pids()
        self._api, self._db = set(api), set(db)
        self._before = {pid: _ticks(pid) for pid in (*api, *db)}

    async def stop(self) -> None:
        api, db = await self._pids()
        hz = os.sysconf("SC_CLK_TCK")
        # Backends that ended during the run are not counted; the pools keep theirs open, so that is all of them.
        self.api = sum(_ticks(p) - self._before.get(p, 0) for p in set(api) | self._api) / hz
        self.db = sum(_ticks(p) - self._before.get(p, 0) for p in set(db) | self._db) / hz


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] if ordered else float("nan")


# --- preparing the database ------------------------------------------------------------------------------------


def _app_imports(url: str, data_dir: Path) -> None:
    os.environ.update({"MPP_DATA_DIR": str(data_dir), "DATABASE_URL": url, "MPP_ENV": "dev"})
    sys.path.insert(0, str(PROJECT))


async def _sessions(url: str, data_dir: Path, accounts: list[uuid.UUID], kind: str, amr: list[str]) -> list[str]:
    """An access token for each account, made as sign-in makes them (8 connections at once)."""
    _app_imports(url, data_dir)
    from api.app import _state_for
    from api.auth.service import start_session
    from api.config import reload_settings

    issuer = _state_for(reload_settings())["issuer"]
    tokens: list[str] = [""] * len(accounts)

    async def work(part: int) -> None:
        conn = await asyncpg.connect(url, timeout=10)
        try:
            for i in range(part, len(accounts), 8):
                pair = await start_session(
                    conn, issuer, account=accounts[i], kind=kind, amr=amr, scope="api",  # type: ignore[arg-type]
                    user_agent="queue-bench", ip="127.0.0.1",
                )  # fmt: skip
                tokens[i] = pair.access_token
        finally:
            await conn.close()

    await asyncio.gather(*(work(p) for p in range(8)))
    return tokens


@dataclass
class RushSetup:
    service: str
    slots: list[str]
    tokens: list[str]
    capacity: int
    day: dt.date


async def prepare_rush(url: str, data_dir: Path, citizens: int, capacity_share: float) -> RushSetup:
    """A bookable service of the region with one day's online quota shared by ``capacity_share`` × citizens, and
    the citizens (accounts with a NIK, signed in)."""
    _app_imports(url, data_dir)
    from api.queue import queries, rules
    from api.queue.booking import closed_reason

    conn = await asyncpg.connect(url, timeout=10)
    try:
        now = dt.datetime.now(dt.UTC)
        today = rules.local_today(REGION, now)
        # A service any signed-in citizen may book (a NIK, no registry check): the rush measures booking itself.
        plans = [p for p in await queries.fetch_region_plans(conn, REGION) if p.bookable and p["assurance"] == "phone"]
        plan = max(plans, key=lambda p: len(p.counters))
        capacity = int(citizens * capacity_share)
        await conn.execute(
            """INSERT INTO queue_service_setting (id, service, region, handling_minutes, slot_minutes, online_quota,
                                                  walk_in_quota, enabled, revision, updated_at)
               VALUES ($1, $2, $3, 1, 30, $4, 0, true, 1, now())
               ON CONFLICT (service) DO UPDATE SET online_quota = $4""",
            uuid.uuid4(), plan.id, REGION, capacity,
        )  # fmt: skip
        for offset in range(1, rules.BOOK_AHEAD_DAYS + 1):
            day = today + dt.timedelta(days=offset)
            fresh = await queries.fetch_plan(conn, plan.id, day)
            assert fresh is not None
            if await closed_reason(conn, fresh, day, closure=fresh["closed"], today=today) is None:
                planned, _ = fresh.day(day)
                if planned:
                    break
        else:
            raise RuntimeError("no open day with slots in the booking window")
        slots = [rules.local(REGION, s.start).isoformat() for s in planned]
        rows = [
            (uuid.uuid4(), f"+62899{i:08d}", f"3302{i:012d}", f"Warga {i}") for i in range(1, citizens + 1)
        ]  # fmt: skip
        await conn.executemany(
            """INSERT INTO accounts_account (id, phone, nik, name, roles, created_at, updated_at)
               VALUES ($1, $2, $3, $4, ARRAY['citizen'], now(), now())""",
            rows,
        )
    finally:
        await conn.close()
    tokens = await _sessions(url, data_dir, [r[0] for r in rows], "citizen", ["otp"])
    return RushSetup(service=str(plan.id), slots=slots, tokens=tokens, capacity=capacity, day=day)


@dataclass
class NextSetup:
    tokens: list[str]
    counters: list[str]
    agency: uuid.UUID
    day: dt.date


async def prepare_next(url: str, data_dir: Path, counters: int, tickets: int) -> NextSetup:
    """``counters`` counters of one agency, an officer for each, and ``tickets`` waiting tickets in its line."""
    _app_imports(url, data_dir)
    from api.accounts.staff import create_account
    from api.queue.rules import local_today

    conn = await asyncpg.connect(url, timeout=10)
    try:
        agency = await conn.fetchval("SELECT id FROM catalogue_agency WHERE region = $1 AND code = $2", REGION, AGENCY)
        mpp = await conn.fetchval("SELECT id FROM catalogue_mpp WHERE region = $1 LIMIT 1", REGION)
        numbers = [f"Z{i:02d}" for i in range(1, counters + 1)]
        await conn.executemany(
            "INSERT INTO catalogue_counter (id, mpp, agency, number, revision) VALUES ($1, $2, $3, $4, 1)",
            [(uuid.uuid4(), mpp, agency, n) for n in numbers],
        )
        officers = []
        for i in range(counters):
            made = await create_account(
                conn, role="officer", phone=f"+62877{i:08d}", name=f"Petugas {i}", agency=AGENCY, region=REGION
            )
            officers.append(made.id)
        now = dt.datetime.now(dt.UTC)
        day = local_today(REGION, now)
        # Walk-ins for the agency's services in turn (the counters serve all of them), as a day's line has.
        services = [r["id"] for r in await conn.fetch("SELECT id FROM catalogue_service WHERE agency = $1", agency)]
        await conn.executemany(
            """INSERT INTO queue_ticket (id, region, agency, service, day, letter, seq, number, kind, status, mpp,
                                         priority, due_at, calls, follow_token, issued_at, estimate_low, estimate_high)
               VALUES ($1, $2, $3, $4, $5, 'Q', $6, $7, 'walk_in', 'waiting',
                       (SELECT m.id FROM catalogue_mpp m WHERE m.region = $2::varchar ORDER BY m.name LIMIT 1),
                       2, $8, 0, $9, $8, 0, 1)""",
            [
                (uuid.uuid4(), REGION, agency, services[seq % len(services)], day, seq, f"Q-{seq:04d}",
                 now - dt.timedelta(seconds=tickets - seq), secrets.token_urlsafe(32))
                for seq in range(1, tickets + 1)
            ],
        )  # fmt: skip
        await conn.execute("ANALYZE queue_ticket")
    finally:
        await conn.close()
    tokens = await _sessions(url, data_dir, officers, "staff", ["otp", "passkey"])
    return NextSetup(tokens=tokens, counters=numbers, agency=agency, day=day)


# --- (a) the rush ----------------------------------------------------------------------------------------------


def _rush_client(
    port: int, service: str, slots: list[str], tokens: list[str], connections: int, barrier: Any, out: Any
) -> None:
    async def main() -> dict[str, Any]:
        pool = [await Http(port).open() for _ in range(connections)]
        pending = list(tokens)
        random.shuffle(pending)
        booked: list[str] = []
        full = errors = 0
        samples: list[str] = []
        latencies: list[float] = []
        weights = [0.8**i for i in range(len(slots))]  # the first slots of the morning are the wanted ones
        slots_path = f"/api/v1/regions/{REGION}/queue/slots?service={service}&date={slots[0][:10]}"

        async def worker(http: Http) -> None:
            nonlocal full, errors
            while pending:
                token = pending.pop()
                start = slots[random.choices(range(len(slots)), weights)[0]]
                while True:
                    began = time.monotonic()
                    status, body = await http.request(
                        "POST", "/api/v1/queue/bookings",
                        {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
                        {"serviceId": service, "start": start},
                    )  # fmt: skip
                    latencies.append(time.monotonic() - began)
                    if status == 201:
                        booked.append(json.loads(body)["id"])
                        break
                    if status != 409 or b"slot_full" not in body:
                        errors += 1
                        if len(samples) < 3:
                            samples.append(f"{status} {body[:200]!r}")
                        break
                    # As the booking screen does after a refusal: read the day again, pick a time with seats left.
                    status, body = await http.request("GET", slots_path)
                    free = [s["start"] for s in json.loads(body)["items"] if s["available"] > 0]
                    if not free:
                        full += 1
                        break
                    start = random.choice(free)

        barrier.wait()
        started = time.monotonic()
        await asyncio.gather(*(worker(h) for h in pool))
        ended = time.monotonic()
        for h in pool:
            await h.close()
        return {"booked": booked, "full": full, "errors": errors, "samples": samples, "latencies": latencies,
                "started": started, "ended": ended}  # fmt: skip

    out.put(asyncio.run(main()))


@dataclass
class Rush:
    citizens: int
    capacity: int
    booked: list[str]
    full: int
    errors: int
    samples: list[str]
    latencies: list[float]
    seconds: float
    inserts_per_s: float = 0.0
    checks: dict[str, Any] = field(default_factory=dict)
    cpu: tuple[float, float] = (0.0, 0.0)  # CPU seconds of the API processes and of PostgreSQL during the rush

    @property
    def per_s(self) -> float:
        return len(self.booked) / self.seconds if self.seconds else 0.0


def run_rush(server: Server, setup: RushSetup, processes: int, connections: int) -> Rush:
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(processes), ctx.Queue()
    parts = [setup.tokens[i::processes] for i in range(processes)]
    workers = [
        ctx.Process(
            target=_rush_client, args=(server.port, setup.service, setup.slots, part, connections, barrier, out)
        )
        for part in parts
    ]
    for w in workers:
        w.start()
    results = [out.get(timeout=600) for _ in workers]
    for w in workers:
        w.join()
    return Rush(
        citizens=len(setup.tokens),
        capacity=setup.capacity,
        booked=[b for r in results for b in r["booked"]],
        full=sum(r["full"] for r in results),
        errors=sum(r["errors"] for r in results),
        samples=[s for r in results for s in r["samples"]],
        latencies=[x for r in results for x in r["latencies"]],
        seconds=max(r["ended"] for r in results) - min(r["started"] for r in results),
    )


async def bare_inserts(url: str, connections: int, rows: int) -> float:
    """INSERTs/s of rows as wide as a booking, into a table without indexes, from ``connections`` at once."""
    conn = await asyncpg.connect(url, timeout=10)
    await conn.execute(
        """CREATE TABLE bench_bare_booking (id uuid, account uuid, nik varchar(16), service uuid, region varchar(10),
               slot uuid, day date, starts_at timestamptz, ends_at timestamptz, status varchar(12),
               checkin_code varchar(10), application uuid, idempotency_key varchar(100), request_hash varchar(64),
               created_at timestamptz)"""
    )
    await conn.close()
    pool = [await asyncpg.connect(url, timeout=10) for _ in range(connections)]
    left = list(range(rows))
    now = dt.datetime.now(dt.UTC)

    async def work(c: asyncpg.Connection) -> None:
        while left:
            i = left.pop()
            await c.execute(
                "INSERT INTO bench_bare_booking VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'booked', $10, NULL, $11,"
                " $12, $13)",
                uuid.uuid4(), uuid.uuid4(), f"3302{i:012d}", uuid.uuid4(), REGION, uuid.uuid4(), now.date(), now,
                now, "ABCDE12345", str(uuid.uuid4()), secrets.token_hex(32), now,
            )  # fmt: skip

    started = time.monotonic()
    await asyncio.gather(*(work(c) for c in pool))
    seconds = time.monotonic() - started
    for c in pool:
        await c.close()
    return rows / seconds


async def check_rush(url: str, setup: RushSetup, rush: Rush) -> dict[str, Any]:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        service = uuid.UUID(setup.service)
        over = await conn.fetchval(
            "SELECT count(*) FROM queue_slot WHERE service = $1 AND day = $2 AND taken > capacity", service, setup.day
        )
        taken = await conn.fetchval(
            "SELECT coalesce(sum(taken), 0) FROM queue_slot WHERE service = $1 AND day = $2", service, setup.day
        )
        capacity = await conn.fetchval(
            "SELECT coalesce(sum(capacity), 0) FROM queue_slot WHERE service = $1 AND day = $2", service, setup.day
        )
        stored = await conn.fetchval(
            "SELECT count(*) FROM queue_booking WHERE service = $1 AND day = $2 AND status = 'booked'",
            service,
            setup.day,
        )
        per_nik = await conn.fetchval(
            """SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM queue_booking
               WHERE service = $1 AND day = $2 AND status = 'booked' GROUP BY nik) x""",
            service,
            setup.day,
        )
        answered = await conn.fetchval(
            "SELECT count(*) FROM queue_booking WHERE id = ANY($1::uuid[])", [uuid.UUID(b) for b in rush.booked]
        )
    finally:
        await conn.close()
    ok = over == 0 and taken == stored == len(rush.booked) == answered and per_nik <= 1 and rush.errors == 0
    return {"over": over, "taken": taken, "capacity": capacity, "stored": stored, "per_nik": per_nik,
            "answered": answered, "ok": ok}  # fmt: skip


# --- (b) call next ---------------------------------------------------------------------------------------------


def _next_client(
    port: int,
    tokens: list[str],
    counters: list[str],
    rounds: int,
    health: bool,
    stagger: float,
    barrier: Any,
    out: Any,
) -> None:
    async def main() -> dict[str, Any]:
        pool = [await Http(port).open() for _ in tokens]
        latencies: list[float] = []
        called: list[str] = []
        errors: list[str] = []
        if not health:
            for http, token, number in zip(pool, tokens, counters, strict=True):
                status, body = await http.request(
                    "POST", f"/api/v1/officer/queue/counters/{number}/open", {"Authorization": f"Bearer {token}"}
                )
                assert status == 200, body

        async def one(http: Http, token: str, number: str) -> str | None:
            if stagger:
                await asyncio.sleep(random.uniform(0, stagger))
            began = time.monotonic()
            if health:
                status, body = await http.request("GET", "/health/live")
            else:
                status, body = await http.request(
                    "POST", "/api/v1/officer/queue/next", {"Authorization": f"Bearer {token}"}, {"counter": number}
                )
            latencies.append(time.monotonic() - began)
            if status != 200:
                errors.append(f"{status} {body[:200]!r}")
                return None
            if health:
                return None
            ticket = json.loads(body)
            called.append(ticket["number"])
            return str(ticket["id"])

        async def serve(http: Http, token: str, ticket: str | None) -> None:
            if ticket is not None:
                status, body = await http.request(
                    "POST", f"/api/v1/officer/queue/tickets/{ticket}/serve", {"Authorization": f"Bearer {token}"}
                )
                if status != 200:
                    errors.append(f"serve {status} {body[:200]!r}")

        for _ in range(rounds):
            barrier.wait()  # every counter of every process calls at the same instant
            tickets = await asyncio.gather(*(one(h, t, n) for h, t, n in zip(pool, tokens, counters, strict=True)))
            await asyncio.gather(*(serve(h, t, x) for h, t, x in zip(pool, tokens, tickets, strict=True)))
        for h in pool:
            await h.close()
        return {"latencies": latencies, "called": called, "errors": errors}

    out.put(asyncio.run(main()))


@dataclass
class Burst:
    name: str
    at_once: int
    latencies: list[float]
    called: list[str]
    errors: list[str]
    cpu: tuple[float, float] = (0.0, 0.0)


def run_next(
    server: Server, setup: NextSetup, processes: int, rounds: int, health: bool, stagger: float = 0.0
) -> Burst:
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(processes), ctx.Queue()
    workers = [
        ctx.Process(
            target=_next_client,
            args=(
                server.port,
                setup.tokens[i::processes],
                setup.counters[i::processes],
                rounds,
                health,
                stagger,
                barrier,
                out,
            ),
        )
        for i in range(processes)
    ]
    for w in workers:
        w.start()
    results = [out.get(timeout=600) for _ in workers]
    for w in workers:
        w.join()
    name = "`GET /health/live`" if health else "`POST /officer/queue/next`"
    return Burst(
        name=name + (f", spread over {stagger:g} s" if stagger else ", at the same instant"),
        at_once=len(setup.counters),
        latencies=[x for r in results for x in r["latencies"]],
        called=[x for r in results for x in r["called"]],
        errors=[x for r in results for x in r["errors"]],
    )


async def check_next(url: str, setup: NextSetup, burst: Burst) -> dict[str, Any]:
    from api.queue.rules import line_key

    conn = await asyncpg.connect(url, timeout=10)
    try:
        twice = await conn.fetchval(
            """SELECT count(*) FROM (SELECT ticket FROM queue_call WHERE kind = 'call' GROUP BY ticket
               HAVING count(*) > 1) x"""
        )
        calls = await conn.fetchval(
            "SELECT count(*) FROM queue_call c JOIN queue_ticket t ON t.id = c.ticket WHERE t.agency = $1",
            setup.agency,
        )
        skipped = await conn.fetchval(
            f"""WITH last AS (SELECT {line_key("t", "now()")} AS key FROM queue_ticket t
                              WHERE t.agency = $1 AND t.day = $2 AND t.status <> 'waiting' ORDER BY 1 DESC LIMIT 1)
                SELECT count(*) FROM queue_ticket t, last
                WHERE t.agency = $1 AND t.day = $2 AND t.status = 'waiting' AND {line_key("t", "now()")} < last.key""",
            setup.agency,
            setup.day,
        )
    finally:
        await conn.close()
    duplicates = len(burst.called) - len(set(burst.called))
    ok = twice == 0 and skipped == 0 and duplicates == 0 and calls == len(burst.called) and not burst.errors
    return {"twice": twice, "skipped": skipped, "duplicates": duplicates, "calls": calls, "ok": ok}


# --- the report ------------------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def rush_table(rush: Rush) -> str:
    verdict = "pass" if rush.per_s >= TARGET_BOOKINGS_PER_S and rush.checks.get("ok") else "**fail**"
    ratio = rush.per_s / rush.inserts_per_s if rush.inserts_per_s else float("nan")
    c = rush.checks
    return "\n".join(
        [
            "| citizens | day's online seats | bookings | refused (day full) | booking POSTs | errors | seconds "
            "| bookings/s "
            "| p50 / p99 per request | bare INSERTs/s | ratio | slots over capacity | seats taken = bookings "
            "| target ≥ 300/s, no overbooking |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
            f"| {rush.citizens:,} | {c.get('capacity', rush.capacity):,} | {len(rush.booked):,} | {rush.full:,} | "
            f"{len(rush.latencies):,} | {rush.errors} | {rush.seconds:.2f} | **{rush.per_s:.0f}** | "
            f"{ms(pct(rush.latencies, 50))} / "
            f"{ms(pct(rush.latencies, 99))} | {rush.inserts_per_s:,.0f} | {ratio:.2f} | {c.get('over')} | "
            f"{c.get('taken')} = {c.get('stored')} ({'yes' if c.get('taken') == c.get('stored') else 'NO'}) "
            f"| {verdict} |",
        ]
    )


def next_table(bursts: list[Burst], baseline: Burst, checks: dict[str, Any]) -> str:
    rows = [
        "| requests | callers | answered | p50 | p95 | p99 | max | p99 ÷ baseline p99 | target p99 < 50 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for b in bursts:
        p99 = pct(b.latencies, 99)
        is_next = b is not baseline
        verdict = ("pass" if p99 < TARGET_NEXT_P99_S and checks.get("ok") else "**fail**") if is_next else "—"
        rows.append(
            f"| {b.name} | {b.at_once} | {len(b.latencies):,} | {ms(pct(b.latencies, 50))} | "
            f"{ms(pct(b.latencies, 95))} | {ms(p99)} | {ms(max(b.latencies))} | "
            f"{p99 / pct(baseline.latencies, 99):.2f} "
            f"| {verdict} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=3000)
    parser.add_argument("--capacity-share", type=float, default=0.9)
    parser.add_argument("--connections", type=int, default=32, help="connections per client process (rush)")
    parser.add_argument("--counters", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument(
        "--stagger", type=float, default=1.0, help="also: each round's calls spread over this many seconds (0: not)"
    )
    parser.add_argument("--workers", type=int, default=2, help="mpp serve --workers")
    parser.add_argument("--only", choices=["rush", "next"])
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--markdown", nargs="?", const="-", help="write a markdown section (to FILE, or stdout)")
    args = parser.parse_args()

    rush: Rush | None = None
    bursts: list[Burst] = []
    next_checks: dict[str, Any] = {}
    with fresh_database(args.database_url) as url, tempfile.TemporaryDirectory(prefix="queue-bench-") as tmp:
        data_dir = Path(tmp)
        server = Server(data_dir, url, args.workers)
        server.env["MPP_ACCESS_LOG"] = "false"
        try:
            server.start()
            if args.only in (None, "rush"):
                setup = asyncio.run(prepare_rush(url, data_dir, args.citizens, args.capacity_share))
                assert server.process is not None
                meter = CpuMeter(server.process.pid, url)
                asyncio.run(meter.start())
                rush = run_rush(server, setup, args.client_processes, args.connections)
                asyncio.run(meter.stop())
                rush.cpu = (meter.api, meter.db)
                # As many connections as the server's pools hold (MPP_DB_POOL_MAX, 10 per worker): what PostgreSQL
                # sees from the bookings too.
                rush.inserts_per_s = asyncio.run(bare_inserts(url, args.workers * 10, len(rush.booked) or 1000))
                rush.checks = asyncio.run(check_rush(url, setup, rush))
                print(rush_table(rush), flush=True)
                for sample in rush.samples:
                    print("  error:", sample)
            if args.only in (None, "next"):
                tickets = args.counters * (args.rounds * (2 if args.stagger else 1) + 10)
                ready = asyncio.run(prepare_next(url, data_dir, args.counters, tickets))
                baseline = run_next(server, ready, args.client_processes, args.rounds, health=True)
                assert server.process is not None
                meter = CpuMeter(server.process.pid, url)
                asyncio.run(meter.start())
                called = run_next(server, ready, args.client_processes, args.rounds, health=False)
                asyncio.run(meter.stop())
                called.cpu = (meter.api, meter.db)
                bursts = [baseline, called]
                if args.stagger:
                    bursts.append(
                        run_next(server, ready, args.client_processes, args.rounds, health=False, stagger=args.stagger)
                    )
                both = Burst(called.name, 0, [], [x for b in bursts[1:] for x in b.called],
                             [x for b in bursts[1:] for x in b.errors])  # fmt: skip
                next_checks = asyncio.run(check_next(url, ready, both))
                print(next_table(bursts, baseline, next_checks), flush=True)
                print("  checks:", next_checks, both.errors[:3])
        finally:
            server.stop()
    command = shlex.join([".venv/bin/python", "bench/queue_bench.py", *sys.argv[1:]])
    lines = [
        f"## {dt.date.today():%Y-%m-%d}: queue — booking rush and call-next (issue 16)",
        "",
        f"`{command}` — one `mpp serve --workers {args.workers}` (`MPP_ACCESS_LOG=false`) on a fresh database of "
        f"the local PostgreSQL; {args.client_processes} client processes; {platform.python_implementation()} "
        f"{platform.python_version()}, {cpu_model()}, {os.cpu_count()} CPUs shared by the server, PostgreSQL and "
        "the clients.",
    ]
    if rush is not None:
        api, db = rush.cpu
        per = (api + db) / max(1, len(rush.latencies))
        lines += ["", "Booking rush:", "", rush_table(rush), ""]
        lines += [
            f"CPU during the rush: API {api:.1f} s + PostgreSQL {db:.1f} s for {len(rush.latencies):,} booking POSTs "
            f"(and the slot reads after refusals) = **{per * 1000:.1f} ms per POST**, i.e. about "
            f"{(os.cpu_count() or 2) / per:.0f} POSTs/s if the server and PostgreSQL had the machine's "
            f"{os.cpu_count()} CPUs to themselves."
        ]
    if bursts:
        lines += ["", f"Call next ({args.rounds} rounds of {args.counters} calls at once):", ""]
        lines += [next_table(bursts, bursts[0], next_checks)]
        api, db = bursts[1].cpu
        per = (api + db) / max(1, len(bursts[1].latencies))
        burst_ms = per * bursts[1].at_once * 1000
        lines += [
            "",
            f"CPU of the calls at the same instant (each call and the serve after it): API {api:.1f} s + PostgreSQL "
            f"{db:.1f} s = **{per * 1000:.1f} ms per call**; a burst of {bursts[1].at_once} calls is "
            f"{burst_ms:.0f} ms of CPU, ≥ {burst_ms / (os.cpu_count() or 2):.0f} ms on {os.cpu_count()} CPUs "
            "before the last caller can have its answer.",
            "",
            f"Checks: tickets called twice {next_checks['twice']}, skipped {next_checks['skipped']}, duplicate "
            f"answers {next_checks['duplicates']}, calls stored {next_checks['calls']} for "
            f"{sum(len(b.called) for b in bursts[1:])} answers.",
        ]
    section = "\n".join(lines)
    if args.markdown and args.markdown != "-":
        with open(args.markdown, "a") as out:
            out.write("\n" + section + "\n")
    print(section)
    failed = (rush is not None and not rush.checks.get("ok")) or (bursts and not next_checks.get("ok"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
