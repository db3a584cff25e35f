"""Display-board update latency: 200 connected boards on two API processes, 50 calls made through the API.

Issue 16's benchmark: board update latency p95 < 2 s with 200 connected boards. Two ``mpp serve`` processes share a
fresh database (seeded with the demo catalogue); an asyncio client opens ``--boards`` server-sent-event streams to
``GET /api/v1/regions/3302/queue/board/events``, half to each process, from several loopback addresses (as a
building's TVs come from several addresses; the per-address limit stays in force). An officer then calls
``--calls`` tickets through process A (``POST /officer/queue/next``, then ``…/done``), one every ``--interval``
seconds. For every (board, call) pair the latency is the time from the call's answer to the first event on that
board that shows the call. The baseline is the same with one board: the ratio says what fan-out to 200 costs.

The waiting tickets are put in the line directly before the run (issuing at the kiosk needs the building open at
the hour the bench runs; issuing is not what is measured).

    .venv/bin/python bench/board_bench.py [--boards 200] [--calls 50] [--interval 0.2]
                                          [--database-url URL] [--markdown [FILE]]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import random
import secrets
import shlex
import string
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from http_bench import PROJECT, Server, cpu_model, fresh_database

REGION, AGENCY, COUNTER = "3302", "PLN", "A25"
TARGET_P95_S = 2.0
SEEN_TIMEOUT_S = 10.0  # a call not on a board by then counts as missed


@dataclass
class Board:
    """One connected board: when each ticket number first appeared among its calls."""

    seen: dict[str, float] = field(default_factory=dict)
    events: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)


async def watch(client: httpx.AsyncClient, url: str, board: Board) -> None:
    async with client.stream("GET", url, headers={"Accept": "text/event-stream"}) as response:
        response.raise_for_status()
        kind = ""
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind == "board":
                now = time.monotonic()
                board.events += 1
                for call in json.loads(line[6:])["calls"]:
                    board.seen.setdefault(call["number"], now)
                board.ready.set()
            elif line == "":
                kind = ""


async def prepare(url: str, data_dir: Path, tickets: int) -> tuple[str, list[str]]:
    """An officer's full-scope token (signed with the servers' keys) and ``tickets`` waiting tickets."""
    os.environ.update({"MPP_DATA_DIR": str(data_dir), "DATABASE_URL": url, "MPP_ENV": "dev"})
    sys.path.insert(0, str(PROJECT))
    from api.accounts.staff import create_account
    from api.app import _state_for
    from api.auth.service import start_session
    from api.config import reload_settings
    from api.queue.rules import local_today

    issuer = _state_for(reload_settings())["issuer"]
    conn = await asyncpg.connect(url, timeout=10)
    try:
        phone = "+62812" + "".join(random.choices(string.digits, k=8))
        account = await create_account(
            conn, role="officer", phone=phone, name="Loket Bench", agency=AGENCY, region=REGION
        )
        pair = await start_session(
            conn, issuer, account=account.id, kind="staff", amr=["otp", "passkey"], scope="api",
            user_agent="board-bench", ip="127.0.0.1",
        )  # fmt: skip
        agency = await conn.fetchval("SELECT id FROM catalogue_agency WHERE region = $1 AND code = $2", REGION, AGENCY)
        now = dt.datetime.now(dt.UTC)
        numbers = []
        for seq in range(1, tickets + 1):
            await conn.execute(
                """INSERT INTO queue_ticket (id, region, agency, day, letter, seq, number, kind, status, priority,
                                             due_at, calls, follow_token, issued_at, estimate_low, estimate_high, mpp)
                   VALUES ($1, $2, $3, $4, 'Q', $5, $6, 'walk_in', 'waiting', 2, $7, 0, $8, $7, 0, 1,
                           (SELECT m.id FROM catalogue_mpp m WHERE m.region = $2::varchar ORDER BY m.name LIMIT 1))""",
                uuid.uuid4(), REGION, agency, local_today(REGION, now), seq, f"Q-{seq:03d}",
                now + dt.timedelta(microseconds=seq), secrets.token_urlsafe(32),
            )  # fmt: skip
            numbers.append(f"Q-{seq:03d}")
        token: str = pair.access_token
        return token, numbers
    finally:
        await conn.close()


@dataclass
class Run:
    boards: int
    calls: int
    latencies: list[float]
    missed: int
    events: int
    seconds: float

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] if ordered else float("nan")


async def run(servers: list[Server], token: str, numbers: list[str], boards: int, interval: float) -> Run:
    # Several loopback source addresses, 25 boards each (the server allows 50 streams per address).
    addresses = [f"127.0.0.{2 + i}" for i in range(max(1, (boards + 24) // 25))]
    clients = [
        httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(local_address=address),
            timeout=httpx.Timeout(30, read=None),
            limits=httpx.Limits(max_connections=100),
        )
        for address in addresses
    ]
    states = [Board() for _ in range(boards)]
    tasks = []
    for i, board in enumerate(states):
        server = servers[i % len(servers)]
        url = f"{server.base_url}/api/v1/regions/{REGION}/queue/board/events"
        tasks.append(asyncio.create_task(watch(clients[i // 25], url, board)))
    await asyncio.wait_for(asyncio.gather(*(b.ready.wait() for b in states)), 60)
    answered: dict[str, float] = {}
    auth = {"Authorization": f"Bearer {token}"}
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=servers[0].base_url, headers=auth, timeout=30) as officer:
        opened = await officer.post(f"/api/v1/officer/queue/counters/{COUNTER}/open")
        opened.raise_for_status()
        for _ in numbers:
            called = await officer.post("/api/v1/officer/queue/next", json={"counter": COUNTER})
            moment = time.monotonic()
            called.raise_for_status()
            body = called.json()
            answered[body["number"]] = moment
            (await officer.post(f"/api/v1/officer/queue/tickets/{body['id']}/done")).raise_for_status()
            await asyncio.sleep(interval)
    deadline = time.monotonic() + SEEN_TIMEOUT_S
    while time.monotonic() < deadline and not all(n in b.seen for b in states for n in answered):  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    seconds = time.monotonic() - started
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await task
    for client in clients:
        await client.aclose()
    latencies = [b.seen[n] - t for b in states for n, t in answered.items() if n in b.seen]
    missed = sum(1 for b in states for n in answered if n not in b.seen)
    return Run(boards, len(answered), latencies, missed, sum(b.events for b in states), seconds)


def table(runs: list[Run], baseline: Run) -> str:
    rows = [
        "| boards | calls | board updates measured | p50 | p95 | max | missed | p95 ÷ baseline p95 "
        "| target p95 < 2 s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        ms = lambda s: f"{s * 1000:.1f} ms"  # noqa: E731
        verdict = "pass" if r.pct(95) < TARGET_P95_S and not r.missed else "**fail**"
        ratio = r.pct(95) / baseline.pct(95) if baseline.pct(95) else float("nan")
        rows.append(
            f"| {r.boards} | {r.calls} | {len(r.latencies):,} | {ms(r.pct(50))} | {ms(r.pct(95))} | "
            f"{ms(max(r.latencies))} | {r.missed} | {ratio:.2f} | {verdict} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--boards", type=int, default=200)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between calls")
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--markdown", nargs="?", const="-", help="write a markdown section (to FILE, or stdout)")
    args = parser.parse_args()

    with fresh_database(args.database_url) as url, tempfile.TemporaryDirectory(prefix="board-bench-") as tmp:
        data_dir = Path(tmp)
        servers = []
        try:
            for name in ("A", "B"):
                server = Server(data_dir, url, 1)
                server.log_path = data_dir / f"server-{name}.log"
                server.start()  # A seeds the demo catalogue; B finds it there
                servers.append(server)
            token, numbers = asyncio.run(prepare(url, data_dir, 2 * args.calls))
            baseline = asyncio.run(run(servers[:1], token, numbers[: args.calls], 1, args.interval))
            loaded = asyncio.run(run(servers, token, numbers[args.calls :], args.boards, args.interval))
        finally:
            for server in servers:
                server.stop()
    command = shlex.join([".venv/bin/python", "bench/board_bench.py", *sys.argv[1:]])
    section = "\n".join(
        [
            f"## {dt.date.today():%Y-%m-%d}: display board update latency (issue 16)",
            "",
            f"`{command}` — two `mpp serve` processes on one fresh database; "
            f"{platform.python_implementation()} {platform.python_version()}, {cpu_model()}, {os.cpu_count()} CPUs. "
            "Latency = from the answer of `POST /officer/queue/next` (through process A) to the first event showing "
            "that call on each board (half the boards on process B, reached only through PostgreSQL's NOTIFY). "
            "Baseline: one board on process A.",
            "",
            table([baseline, loaded], baseline),
            "",
            f"Board events received: {loaded.events:,} for {loaded.boards} boards × {loaded.calls} calls "
            f"(a burst of calls is folded into one event: at most one board read per region per 100 ms per process). "
            "A latency can be slightly negative: the NOTIFY is delivered at commit, a moment before the answer.",
        ]
    )
    if args.markdown and args.markdown != "-":
        with open(args.markdown, "a") as out:
            out.write("\n" + section + "\n")
    print(section)


if __name__ == "__main__":
    main()
