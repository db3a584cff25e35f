"""Our outbox's hand-written worker loop against PostgreSQL-backed job libraries (pgqueuer, procrastinate), measured
in one run on one fresh database.

The question (README, "Why a hand-written loop and not a job library"): before the loop grows (webhooks, connectors,
erasure, escalations, aggregates), would a library do the same work as well, *keeping the outbox's guarantee* that
the job is written in the transaction of the change it announces? Each contender is used the way its documentation
says, with the business row and the job in ONE transaction:

- **outbox** — ``api.outbox.service.enqueue`` on the caller's asyncpg connection; workers are
  ``api.outbox.consumer.consume`` with ``claim`` / ``finish`` (the real claim: ``UPDATE … WHERE id IN (SELECT … FOR
  UPDATE SKIP LOCKED)`` under a lease), LISTEN ``outbox`` plus a poll.
- **pgqueuer** (1.6.0, on asyncpg) — ``Queries.from_asyncpg_connection(conn).enqueue(...)`` on the same connection
  inside ``conn.transaction()``; workers are ``QueueManager(...).run()`` on one asyncpg connection each.
- **procrastinate** (3.10, only with ``--procrastinate-site DIR``) — it has no asyncpg connector: an enqueue joins a
  transaction only through ``task.configure(connection=<psycopg AsyncConnection>)``, so this leg runs the business
  row and the job on a *psycopg 3* connection (a second driver beside asyncpg). Workers: ``run_worker_async``.

Before anything is timed, the bench proves the guarantee for each contender: a transaction that inserts the business
row and enqueues, then rolls back, leaves neither; the same transaction committed leaves both.

Measured, each contender in the same run (the handler is a no-op that records when it started):

1. **Enqueue** — ``--messages`` business transactions (a row in ``bench_business`` + the job), over
   ``--connections`` concurrent connections; two rounds. Baseline: the business row alone, same connections.
2. **Drain** — the queue filled by round 1 drained by 1 worker process, the one of round 2 by ``--workers`` (4)
   processes: jobs/s from the start signal until every worker has found the queue empty and flushed its updates
   (all worker processes are started, connected and waiting before the clock starts; each contender's queue table is
   ANALYZEd first, as autovacuum would have done for a table that size in production). CPU per job of the worker
   processes and of the database backends serving them (from ``/proc``: a figure that does not depend on what else
   the machine is doing). Ratio against the outbox's.
3. **Latency** — ``--latency-workers`` processes idle-waiting (LISTEN), then ``--latency-messages`` transactions one
   at a time, ``--gap`` seconds apart: from the moment the enqueuing COMMIT returned to the handler's start
   (``time.monotonic``, system-wide on Linux). Baseline: a bare ``pg_notify`` in the business transaction, heard by
   a plain asyncpg listener in the same number of processes (the floor any LISTEN-woken worker sits on).
4. **Left after draining** — rows and bytes (``pg_total_relation_size``) of each contender's tables after all the
   above: what a retention job would have to prune.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/jobs_bench.py \\
        [--messages 5000] [--connections 4] [--workers 4] [--batch 20] [--latency-messages 200] [--gap 0.02] \\
        [--latency-workers 2] [--procrastinate-site DIR] [--procrastinate-concurrency 1] [--only KINDS]
        [--markdown FILE]

``--procrastinate-site``: a folder holding procrastinate and psycopg, kept out of the project's virtualenv:
``.venv/bin/pip install --target /tmp/procrastinate-site procrastinate==3.10.0 psycopg-binary==3.3.9`` (psycopg's C
build; the pure-Python one on the system's libpq costs its workers more CPU per job).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import logging
import multiprocessing
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from http_bench import _admin, cpu_model, fresh_database, percentile, redact  # noqa: E402

CHANNEL = "bench"  # outbox channel, pgqueuer entrypoint and procrastinate queue
PROCRASTINATE_TASK = "bench_noop"
NOTIFY_CHANNEL = "bench_ping"
POLL_SECONDS = 2.0  # every contender's fallback poll; the wake-ups come from NOTIFY
LEASE_SECONDS = 30.0
INSERT_BUSINESS = "INSERT INTO bench_business (note) VALUES ($1)"
CLOCK_TICK = os.sysconf("SC_CLK_TCK")

Mark = Callable[[int, float], None]


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- enqueueing: the business row and the job, one transaction -------------------------------------------------


class Producer:
    """One connection that writes business transactions with (or, for the baseline, without) a job."""

    kind: str

    async def transaction(self, seq: int, *, rollback: bool = False) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class _RollbackError(Exception):
    pass


class AsyncpgProducer(Producer):
    def __init__(self, kind: str, conn: asyncpg.Connection) -> None:
        self.kind, self.conn = kind, conn
        self.queries: Any = None
        if kind == "pgqueuer":
            from pgqueuer.queries import Queries

            self.queries = Queries.from_asyncpg_connection(conn)

    async def transaction(self, seq: int, *, rollback: bool = False) -> None:
        with contextlib.suppress(_RollbackError):
            async with self.conn.transaction():
                await self.conn.execute(INSERT_BUSINESS, f"{self.kind} {seq}")
                await self._job(seq)
                if rollback:
                    raise _RollbackError

    async def _job(self, seq: int) -> None:
        if self.kind == "outbox":
            from api.outbox.service import enqueue

            await enqueue(
                self.conn, topic="bench.noop", recipient=None, subject=None, payload={"seq": seq}, channel=CHANNEL
            )
        elif self.kind == "pgqueuer":
            await self.queries.enqueue(CHANNEL, json.dumps({"seq": seq}).encode())
        elif self.kind == "notify":
            await self.conn.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, str(seq))
        # "business": the baseline, the row alone

    async def close(self) -> None:
        await self.conn.close()


class ProcrastinateProducer(Producer):
    """The business row and the job on one psycopg connection: procrastinate's only way into a transaction."""

    kind = "procrastinate"

    def __init__(self, conn: Any, task: Any) -> None:
        self.conn, self.task = conn, task

    async def transaction(self, seq: int, *, rollback: bool = False) -> None:
        with contextlib.suppress(_RollbackError):
            async with self.conn.transaction():
                await self.conn.execute("INSERT INTO bench_business (note) VALUES (%s)", (f"procrastinate {seq}",))
                await self.task.configure(connection=self.conn).defer_async(seq=seq)
                if rollback:
                    raise _RollbackError

    async def close(self) -> None:
        await self.conn.close()


def procrastinate_app(url: str, mark: Mark | None = None) -> tuple[Any, Any]:
    import procrastinate

    # It warns that an app made in __main__ cannot be found by import path: ours is made the same way, its task
    # registered by name, in the enqueuing process and in every worker.
    logging.getLogger("procrastinate.blueprints").addFilter(
        lambda record: getattr(record, "action", "") != "app_defined_in___main__"
    )
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url, min_size=1, max_size=3))

    @app.task(name=PROCRASTINATE_TASK, queue=CHANNEL)
    async def noop(seq: int) -> None:
        if mark is not None:
            mark(seq, time.monotonic())

    return app, noop


@contextlib.asynccontextmanager
async def producers(kind: str, url: str, count: int) -> Any:
    made: list[Producer] = []
    app = None
    try:
        if kind == "procrastinate":
            import psycopg

            app, task = procrastinate_app(url)
            await app.open_async()
            for _ in range(count):
                made.append(ProcrastinateProducer(await psycopg.AsyncConnection.connect(url, autocommit=True), task))
        else:
            for _ in range(count):
                made.append(AsyncpgProducer(kind, await asyncpg.connect(url, timeout=10)))
        yield made
    finally:
        for producer in made:
            await producer.close()
        if app is not None:
            await app.close_async()


async def enqueue_round(kind: str, url: str, seqs: range, connections: int) -> float:
    """Seconds to commit one business transaction per seq, the seqs shared among ``connections`` connections."""
    async with producers(kind, url, connections) as made:
        shares = [seqs[i::connections] for i in range(connections)]

        async def run(producer: Producer, share: Iterable[int]) -> None:
            for seq in share:
                await producer.transaction(seq)

        began = time.monotonic()
        await asyncio.gather(*(run(p, s) for p, s in zip(made, shares, strict=True)))
        return time.monotonic() - began


JOB_COUNT = {
    "outbox": f"SELECT count(*) FROM outbox_message WHERE channel = '{CHANNEL}'",
    "pgqueuer": f"SELECT count(*) FROM pgqueuer WHERE entrypoint = '{CHANNEL}'",
    "procrastinate": f"SELECT count(*) FROM procrastinate_jobs WHERE task_name = '{PROCRASTINATE_TASK}'",
}
JOB_CLEAR = {
    "outbox": f"DELETE FROM outbox_message WHERE channel = '{CHANNEL}'",
    "pgqueuer": "DELETE FROM pgqueuer",
    "procrastinate": "DELETE FROM procrastinate_jobs",  # its events go with it (ON DELETE CASCADE)
}


async def prove_same_transaction(kind: str, url: str) -> str:
    """A rolled-back business transaction leaves no job and no row; a committed one leaves one of each."""
    conn = await asyncpg.connect(url, timeout=10)
    try:

        async def counts() -> tuple[int, int]:
            return await conn.fetchval(JOB_COUNT[kind]), await conn.fetchval("SELECT count(*) FROM bench_business")

        before = await counts()
        async with producers(kind, url, 1) as (producer,):
            await producer.transaction(-1, rollback=True)
            after_rollback = await counts()
            await producer.transaction(-2)
            after_commit = await counts()
        assert after_rollback == before, f"{kind}: a rolled-back transaction left {after_rollback} (before {before})"
        assert after_commit == (before[0] + 1, before[1] + 1), f"{kind}: a commit left {after_commit} (before {before})"
        await conn.execute(JOB_CLEAR[kind])
        await conn.execute("DELETE FROM bench_business")
        return (
            f"{kind}: rolled back → jobs {before[0]}→{after_rollback[0]}, rows {before[1]}→{after_rollback[1]}; "
            f"committed → jobs {after_commit[0]}, rows {after_commit[1]}"
        )
    finally:
        await conn.close()


# --- workers, each in a process of its own ---------------------------------------------------------------------


Runner = Callable[[str, asyncio.Event], Awaitable[None]]  # (mode: drain | listen, stop) -> None


async def outbox_worker(url: str, batch: int, mark: Mark) -> tuple[Runner, Callable[[], Awaitable[None]]]:
    from api.outbox import consumer

    pool = await asyncpg.create_pool(url, min_size=1, max_size=2, timeout=10)

    async def run(mode: str, stop: asyncio.Event) -> None:
        async def step() -> int:
            rows = await consumer.claim(pool, channel=CHANNEL, batch=batch, lease_seconds=LEASE_SECONDS)
            if not rows:
                if mode == "drain":
                    stop.set()
                return 0
            now = time.monotonic()
            for row in rows:  # the no-op handler
                mark(json.loads(row["payload"])["seq"], now)
            await consumer.finish(pool, [row["id"] for row in rows])
            return len(rows)

        await consumer.consume(url, stop, step, channel=CHANNEL, poll_seconds=POLL_SECONDS, name="bench outbox")

    return run, pool.close


async def pgqueuer_worker(url: str, batch: int, mark: Mark) -> tuple[Runner, Callable[[], Awaitable[None]]]:
    from pgqueuer.models import Job
    from pgqueuer.qm import QueueManager
    from pgqueuer.queries import Queries
    from pgqueuer.types import QueueExecutionMode

    conn = await asyncpg.connect(url, timeout=10)

    async def run(mode: str, stop: asyncio.Event) -> None:
        manager = QueueManager(Queries.from_asyncpg_connection(conn))

        @manager.entrypoint(CHANNEL)
        async def noop(job: Job) -> None:
            assert job.payload is not None
            mark(json.loads(job.payload)["seq"], time.monotonic())

        async def stopper() -> None:
            await stop.wait()
            manager.shutdown.set()

        watch = asyncio.create_task(stopper())
        try:
            await manager.run(
                dequeue_timeout=timedelta(seconds=POLL_SECONDS),
                batch_size=batch,
                mode=QueueExecutionMode.drain if mode == "drain" else QueueExecutionMode.continuous,
            )
        finally:
            watch.cancel()

    return run, conn.close


async def procrastinate_worker(url: str, batch: int, mark: Mark) -> tuple[Runner, Callable[[], Awaitable[None]]]:
    concurrency = int(os.environ.get("JOBS_BENCH_PROCRASTINATE_CONCURRENCY", "1"))
    app, _task = procrastinate_app(url, mark)
    await app.open_async()

    async def run(mode: str, stop: asyncio.Event) -> None:
        worker = asyncio.create_task(
            app.run_worker_async(
                queues=[CHANNEL],
                wait=mode != "drain",
                concurrency=concurrency,  # its default is 1; each fetch takes one job, whatever the concurrency
                fetch_job_polling_interval=POLL_SECONDS,
                install_signal_handlers=False,
            )
        )
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({worker, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not worker.done():
            worker.cancel()  # procrastinate's graceful stop
        with contextlib.suppress(asyncio.CancelledError):
            await worker

    return run, app.close_async


async def notify_listener(url: str, _batch: int, mark: Mark) -> tuple[Runner, Callable[[], Awaitable[None]]]:
    """The latency baseline: a bare LISTEN that marks each seq as it is heard."""
    conn = await asyncpg.connect(url, timeout=10)
    await conn.add_listener(NOTIFY_CHANNEL, lambda _c, _p, _ch, payload: mark(int(payload), time.monotonic()))

    async def run(_mode: str, stop: asyncio.Event) -> None:
        await stop.wait()

    return run, conn.close


WORKERS = {
    "outbox": outbox_worker,
    "pgqueuer": pgqueuer_worker,
    "procrastinate": procrastinate_worker,
    "notify": notify_listener,
}


def _worker_process(spec: dict[str, Any], start: Any, stop: Any, release: Any, out: Any) -> None:
    if spec["site"]:
        sys.path.insert(0, spec["site"])
    asyncio.run(_worker_main(spec, start, stop, release, out))


async def _worker_main(spec: dict[str, Any], start: Any, stop_signal: Any, release: Any, out: Any) -> None:
    starts: dict[int, float] = {}
    calls = 0

    def mark(seq: int, at: float) -> None:
        nonlocal calls
        calls += 1
        starts.setdefault(seq, at)

    run, close = await WORKERS[spec["kind"]](spec["url"], spec["batch"], mark)
    out.put(("ready", os.getpid()))
    await asyncio.to_thread(start.wait)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    if spec["mode"] == "listen":
        # stop_signal.wait() blocks a thread; it also returns (False) when the release says we are done anyway.
        def wait_stop() -> None:
            stop_signal.wait()
            loop.call_soon_threadsafe(stop.set)

        loop.run_in_executor(None, wait_stop)
    cpu = time.process_time()
    await run(spec["mode"], stop)
    ended = time.monotonic()
    out.put(("done", {"pid": os.getpid(), "starts": starts, "calls": calls, "ended": ended,
                      "cpu": time.process_time() - cpu}))  # fmt: skip
    await asyncio.to_thread(release.wait)
    await close()


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


async def backend_ticks(url: str) -> dict[int, int]:
    """CPU ticks so far of each client backend on the bench's database (the workers' connections)."""
    conn = await asyncpg.connect(url, timeout=10)
    try:
        pids = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
    finally:
        await conn.close()
    return {r["pid"]: _ticks(r["pid"]) for r in pids}


@dataclass
class WorkerRun:
    seconds: float  # start signal → the last worker done
    starts: dict[int, float]
    calls: int
    worker_cpu: float
    db_cpu: float


async def run_workers(
    kind: str, url: str, count: int, mode: str, batch: int, site: str | None,
    during: Callable[[], Awaitable[None]] | None = None,
) -> WorkerRun:  # fmt: skip
    """``count`` worker processes of ``kind``, started and connected, then released together; in ``listen`` mode
    ``during`` runs while they wait, and they are stopped after it."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    start, stop, release = context.Event(), context.Event(), context.Event()
    spec = {"kind": kind, "url": url, "batch": batch, "mode": mode, "site": site}
    processes = [
        context.Process(target=_worker_process, args=(spec, start, stop, release, out), daemon=True)
        for _ in range(count)
    ]
    for process in processes:
        process.start()
    try:
        for _ in processes:
            tag, _pid = await asyncio.to_thread(out.get, True, 120)
            assert tag == "ready", tag
        before = await backend_ticks(url)
        began = time.monotonic()
        start.set()
        if during is not None:
            await during()
            stop.set()
        done = [(await asyncio.to_thread(out.get, True, 300))[1] for _ in processes]
        after = await backend_ticks(url)
        release.set()
    finally:
        release.set()
        stop.set()
        for process in processes:
            await asyncio.to_thread(process.join, 30)
            if process.is_alive():
                process.kill()
    starts: dict[int, float] = {}
    for result in done:
        for seq, at in result["starts"].items():
            starts[seq] = min(at, starts.get(seq, at))
    db_ticks = sum(t - before.get(pid, 0) for pid, t in after.items())
    return WorkerRun(
        seconds=max(r["ended"] for r in done) - began,
        starts=starts,
        calls=sum(r["calls"] for r in done),
        worker_cpu=sum(r["cpu"] for r in done),
        db_cpu=db_ticks / CLOCK_TICK,
    )


# --- the phases ------------------------------------------------------------------------------------------------


@dataclass
class Drain:
    workers: int
    jobs: int
    seconds: float
    calls: int
    worker_cpu: float
    db_cpu: float

    @property
    def per_s(self) -> float:
        return self.jobs / self.seconds


@dataclass
class Contender:
    kind: str
    proof: str = ""
    enqueue_per_s: list[float] = field(default_factory=list)
    drains: list[Drain] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    missed: int = 0


LEFT_UNDONE = {
    "outbox": f"SELECT count(*) FROM outbox_message WHERE channel = '{CHANNEL}' AND processed_at IS NULL",
    "pgqueuer": "SELECT count(*) FROM pgqueuer",
    "procrastinate": "SELECT count(*) FROM procrastinate_jobs WHERE status <> 'succeeded'",
}


ANALYZED = {
    "outbox": ["outbox_message"],
    "pgqueuer": ["pgqueuer"],
    "procrastinate": ["procrastinate_jobs"],
}


async def drain(kind: str, url: str, seqs: range, workers: int, batch: int, site: str | None) -> Drain:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        # The tables were just filled: give the planner the statistics autovacuum would have given it by now.
        for table in ANALYZED[kind]:
            await conn.execute(f"ANALYZE {table}")
    finally:
        await conn.close()
    run = await run_workers(kind, url, workers, "drain", batch, site)
    missing = set(seqs) - set(run.starts)
    conn = await asyncpg.connect(url, timeout=10)
    try:
        undone = await conn.fetchval(LEFT_UNDONE[kind])
    finally:
        await conn.close()
    assert not missing, f"{kind}: {len(missing)} jobs never ran"
    assert undone == 0, f"{kind}: {undone} jobs still pending after the drain"
    return Drain(workers, len(seqs), run.seconds, run.calls, run.worker_cpu, run.db_cpu)


async def latency(kind: str, url: str, seqs: range, workers: int, batch: int, gap: float, site: str | None
                  ) -> tuple[list[float], int]:  # fmt: skip
    committed: dict[int, float] = {}

    async def paced() -> None:
        async with producers(kind, url, 1) as (producer,):
            for seq in seqs:
                await producer.transaction(seq)
                committed[seq] = time.monotonic()
                await asyncio.sleep(gap)
            await asyncio.sleep(min(1.0, POLL_SECONDS))  # the last ones' handlers

    run = await run_workers(kind, url, workers, "listen", batch, site, during=paced)
    found = [run.starts[s] - committed[s] for s in seqs if s in run.starts]
    return sorted(found), len(seqs) - len(found)


async def queue_tables(url: str) -> list[tuple[str, int, int]]:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        names = await conn.fetch(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = 'public' AND (c.relname = 'outbox_message' "
            "OR c.relname LIKE 'pgqueuer%' OR c.relname LIKE 'procrastinate%') ORDER BY 1"
        )
        return [
            (r["relname"], await conn.fetchval(f'SELECT count(*) FROM "{r["relname"]}"'),
             await conn.fetchval("SELECT pg_total_relation_size($1::regclass)", r["relname"]))
            for r in names
        ]  # fmt: skip
    finally:
        await conn.close()


async def prepare(url: str, kinds: list[str]) -> None:
    """Our schema from the migrations (done by the caller), the business table, and each library's own schema."""
    conn = await asyncpg.connect(url, timeout=10)
    try:
        await conn.execute(
            "CREATE TABLE bench_business (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), "
            "note text NOT NULL)"
        )
        if "pgqueuer" in kinds:
            from pgqueuer.queries import Queries

            await Queries.from_asyncpg_connection(conn).install()
    finally:
        await conn.close()
    if "procrastinate" in kinds:
        app, _task = procrastinate_app(url)
        async with app.open_async():
            await app.schema_manager.apply_schema_async()


async def measure(url: str, args: argparse.Namespace, kinds: list[str]) -> tuple[list[Contender], list[float], Any]:
    await prepare(url, kinds)
    n, site = args.messages, args.procrastinate_site
    contenders = {k: Contender(k) for k in kinds}
    for kind in kinds:
        contenders[kind].proof = await prove_same_transaction(kind, url)
        say("proof — " + contenders[kind].proof)
    baseline: list[float] = []
    for round_, workers in enumerate((1, args.workers)):
        seqs = range(round_ * n, (round_ + 1) * n)
        baseline.append(n / await enqueue_round("business", url, seqs, args.connections))
        for kind in kinds:
            contenders[kind].enqueue_per_s.append(n / await enqueue_round(kind, url, seqs, args.connections))
        say(f"enqueue round {round_ + 1}: business {baseline[-1]:,.0f} tx/s, "
            + ", ".join(f"{k} {c.enqueue_per_s[-1]:,.0f}" for k, c in contenders.items()))  # fmt: skip
        for kind in kinds:
            result = await drain(kind, url, seqs, workers, args.batch, site)
            contenders[kind].drains.append(result)
            say(f"drain {kind} ×{workers}: {result.per_s:,.0f} jobs/s ({result.seconds:.2f} s)")
    seqs = range(2 * n, 2 * n + args.latency_messages)
    notify, notify_missed = await latency("notify", url, seqs, args.latency_workers, args.batch, args.gap, site)
    for kind in kinds:
        found, missed = await latency(kind, url, seqs, args.latency_workers, args.batch, args.gap, site)
        contenders[kind].latencies, contenders[kind].missed = found, missed
        say(f"latency {kind}: p50 {percentile(found, 50) * 1000:.1f} ms, p95 {percentile(found, 95) * 1000:.1f} ms")
    assert notify_missed == 0, f"the bare NOTIFY baseline missed {notify_missed}"
    return list(contenders.values()), baseline, (notify, await queue_tables(url))


# --- the report ------------------------------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def cpu_per_job(d: Drain) -> str:
    return f"{d.worker_cpu / d.jobs * 1e6:,.0f} + {d.db_cpu / d.jobs * 1e6:,.0f} µs"


def report(contenders: list[Contender], baseline: list[float], extra: Any, args: argparse.Namespace, db: str) -> str:
    notify, tables = extra
    out = contenders[0]
    head = "| measure | baseline (same run) | " + " | ".join(c.kind for c in contenders) + " |"
    lines = [head, "|---|---:|" + "---:|" * len(contenders)]

    def row(name: str, base: str, cells: Iterable[str]) -> None:
        lines.append(f"| {name} | {base} | " + " | ".join(cells) + " |")

    for i, base in enumerate(baseline):
        row(f"enqueue, round {i + 1}: business tx/s ({args.messages:,} tx, {args.connections} connections)",
            f"{base:,.0f} (row alone)",
            (f"{c.enqueue_per_s[i]:,.0f} (×{c.enqueue_per_s[i] / base:.2f})" for c in contenders))  # fmt: skip
    for i in range(len(out.drains)):
        k, base_rate = out.drains[i].workers, out.drains[i].per_s
        row(f"drain, {k} worker process{'es' if k > 1 else ''}: jobs/s", f"{out.kind} (ratio)",
            (f"{c.drains[i].per_s:,.0f} (×{c.drains[i].per_s / base_rate:.2f})" for c in contenders))  # fmt: skip
        row(f"drain ×{k}: CPU per job, workers + database", "-", (cpu_per_job(c.drains[i]) for c in contenders))
    for pct in (50, 95):
        base = f"{ms(percentile(notify, pct))} (bare NOTIFY)"
        row(f"commit → handler start, p{pct} ({args.latency_workers} idle workers)", base,
            (ms(percentile(c.latencies, pct)) for c in contenders))  # fmt: skip
    row("commit → handler start, max", ms(notify[-1]) if notify else "-",
        (ms(c.latencies[-1]) if c.latencies else "-" for c in contenders))  # fmt: skip
    for kind in (c.kind for c in contenders):
        mine = [t for t in tables if (t[0] == "outbox_message" if kind == "outbox" else t[0].startswith(kind))]
        cells = [
            "; ".join(f"`{name}` {rows:,} rows, {size / 1024:,.0f} kB" for name, rows, size in mine) if c.kind == kind
            else "" for c in contenders
        ]  # fmt: skip
        row(f"tables left after all jobs ran: {kind}", "-", cells)
    notes = [
        f"- Machine: {platform.machine()}, {os.cpu_count()} CPUs, {cpu_model()}; Python {platform.python_version()}",
        f"- Database: {db}",
        f"- Settings: batch {args.batch} per claim (pgqueuer: batch_size); procrastinate fetches one job per call "
        f"(concurrency 1, its default); every worker's fallback poll {POLL_SECONDS:g} s, wake-ups by LISTEN/NOTIFY; "
        f"latency: {args.latency_messages} transactions {args.gap * 1000:.0f} ms apart.",
        "- Same transaction, proved before timing: " + " ".join(f"{c.proof}." for c in contenders),
    ]
    for c in contenders:
        extra_calls = [d.calls - d.jobs for d in c.drains]
        if any(extra_calls) or c.missed:
            notes.append(f"- {c.kind}: extra handler runs per drain {extra_calls}; latency jobs never seen {c.missed}")
    return "\n".join(lines) + "\n\n" + "\n".join(notes) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    p.add_argument("--messages", type=int, default=5000)
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--batch", type=int, default=20)
    p.add_argument("--latency-messages", type=int, default=200)
    p.add_argument("--latency-workers", type=int, default=2)
    p.add_argument("--gap", type=float, default=0.02)
    p.add_argument("--procrastinate-site", metavar="DIR", help="a folder with procrastinate 3.10 and psycopg 3")
    p.add_argument("--procrastinate-concurrency", type=int, default=1, help="jobs each of its workers runs at once")
    p.add_argument("--only", metavar="KINDS", help="a comma-separated subset of outbox,pgqueuer,procrastinate")
    p.add_argument("--markdown", metavar="FILE")
    args = p.parse_args(argv)
    args.url_from_env = "--database-url" not in " ".join(argv or sys.argv)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.database_url:
        say("set DATABASE_URL or --database-url to a PostgreSQL server (the bench creates its own database)")
        return 2
    kinds = ["outbox", "pgqueuer"]
    if args.procrastinate_site:
        sys.path.insert(0, args.procrastinate_site)
        kinds.append("procrastinate")
        os.environ["JOBS_BENCH_PROCRASTINATE_CONCURRENCY"] = str(args.procrastinate_concurrency)
    if args.only:
        kinds = [k for k in kinds if k in args.only.split(",")]
    began = time.monotonic()
    with fresh_database(args.database_url) as url, tempfile.TemporaryDirectory(prefix="mpp-jobs-") as tmp:
        say(f"database {redact(url)}: migrating …")
        migrate(url, Path(tmp))
        contenders, baseline, extra = asyncio.run(measure(url, args, kinds))
        version = asyncio.run(_admin(url))
    table = report(contenders, baseline, extra, args, f"PostgreSQL {version} at {redact(args.database_url)}")
    load = os.getloadavg()
    command = (f"DATABASE_URL={redact(args.database_url)} " if args.url_from_env else "") + shlex.join(
        [os.path.relpath(sys.executable), *sys.argv]
    )
    text = (
        f"### {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — jobs: outbox loop vs job libraries\n\n"
        f"Command: `{command}` ({time.monotonic() - began:.0f} s, load average at the end {load[0]:.1f})\n\n{table}"
    )
    print(text)
    if args.markdown:
        with open(args.markdown, "a", encoding="utf-8") as f:
            f.write("\n" + text)
    return 0


def migrate(url: str, data_dir: Path) -> None:
    mpp = Path(sys.executable).with_name("mpp")
    env = {**os.environ, "DATABASE_URL": url, "MPP_DATA_DIR": str(data_dir), "MPP_ENV": "dev"}
    done = subprocess.run([str(mpp) if mpp.exists() else "mpp", "migrate"], cwd=PROJECT, env=env,
                          capture_output=True, text=True, check=False, timeout=600)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"mpp migrate failed:\n{done.stdout}\n{done.stderr}")


if __name__ == "__main__":
    sys.exit(main())
