"""Submit throughput through PgBouncer (transaction mode) against PostgreSQL directly, in the same run, and the lag
of a streaming replica while the submissions pour in.

One PostgreSQL 15 primary with a hot standby of our own (``initdb``, ``pg_basebackup -R``: tests/scaleout/clusters.py)
and Debian's PgBouncer 1.18 in front of the primary. The same ``mpp serve`` (same data folder, same signing keys,
same citizens and bodies) runs twice, one after the other: with ``DATABASE_URL`` at the primary (the baseline),
then at PgBouncer with ``DATABASE_DIRECT_URL`` and ``MPP_DB_POOLER=pgbouncer``. Each phase POSTs
/api/v1/applications from ``--concurrency`` clients for ``--seconds`` (after a short warm-up; the two modes take
turns for ``--rounds`` rounds, and each mode's figures are over all its rounds) while the primary's
``pg_stat_replication`` is sampled every 50 ms: the replay lag in bytes (LSN difference) and in time.

    .venv/bin/python bench/pooler_bench.py [--seconds 15] [--rounds 2] [--concurrency 16] [--pool-size 10]
                                           [--markdown FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from http_bench import PROJECT, Server, cpu_model, percentile
from scale_bench import issue_tokens, kk_answers, kk_services, make_submitters, post_load, say

sys.path.insert(0, str(PROJECT))
from api.lib.db import SESSION_SETTINGS
from tests.scaleout.clusters import PgBouncer, ReplicaPair


@dataclass
class Phase:
    name: str
    per_second: float
    p50: float
    p95: float
    failed: int
    lag_bytes_max: float
    lag_bytes_p95: float
    lag_ms_max: float


async def sample_lag(primary: str, stop: asyncio.Event) -> tuple[list[float], list[float]]:
    """The standby's replay lag, every 50 ms until ``stop``: bytes behind the primary's WAL, and replay_lag (ms)."""
    conn = await asyncpg.connect(primary)
    lag_bytes: list[float] = []
    lag_ms: list[float] = []
    try:
        while not stop.is_set():
            row = await conn.fetchrow(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS behind,"
                " coalesce(extract(epoch FROM replay_lag) * 1000, 0)::float8 AS ms FROM pg_stat_replication"
            )
            if row is not None:
                lag_bytes.append(row["behind"])
                lag_ms.append(row["ms"])
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    return lag_bytes, lag_ms


@dataclass
class Sample:
    """One mode's measured load in one round."""

    ok_ms: list[float]
    failed: int
    seconds: float
    lag_bytes: list[float]
    lag_ms: list[float]


async def measure(
    name: str, server: Server, primary: str, load: tuple[list[bytes], list[str]], args: argparse.Namespace
) -> Sample:
    bodies, tokens = load
    server.start()
    try:
        say(f"{name}: warming up {args.warmup:g} s, then {args.concurrency} clients for {args.seconds:g} s …")
        await post_load(server.base_url, bodies, tokens, concurrency=args.concurrency, seconds=args.warmup)
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_lag(primary, stop))
        outcomes, elapsed = await post_load(
            server.base_url, bodies, tokens, concurrency=args.concurrency, seconds=args.seconds
        )
        stop.set()
        lag_bytes, lag_ms = await sampler
    finally:
        server.stop()
    ok = [o.ms for o in outcomes if o.status == 201]
    return Sample(ok, len(outcomes) - len(ok), elapsed, lag_bytes, lag_ms)


def summarise(name: str, samples: list[Sample]) -> Phase:
    """A mode over all its rounds: submissions per second of measured time, latencies and lag over all samples."""
    ok = sorted(ms for s in samples for ms in s.ok_ms)
    lag_bytes = sorted(b for s in samples for b in s.lag_bytes)
    return Phase(
        name=name,
        per_second=len(ok) / sum(s.seconds for s in samples),
        p50=percentile(ok, 50),
        p95=percentile(ok, 95),
        failed=sum(s.failed for s in samples),
        lag_bytes_max=max(lag_bytes, default=0.0),
        lag_bytes_p95=percentile(lag_bytes, 95),
        lag_ms_max=max((ms for s in samples for ms in s.lag_ms), default=0.0),
    )


async def prepared_database(pair: ReplicaPair, data_dir: Path) -> str:
    """The database ``mpp``, migrated and seeded by a first ``mpp serve``; the session settings on it (what
    docs/operations.md has operators do for PgBouncer: the same settings for both phases)."""
    conn = await asyncpg.connect(pair.primary_url())
    try:
        await conn.execute("CREATE DATABASE mpp")
        for setting, value in SESSION_SETTINGS.items():
            await conn.execute(f"ALTER DATABASE mpp SET {setting} = '{value}'")
    finally:
        await conn.close()
    url = pair.primary_url("mpp")
    first = Server(data_dir, url, 1)
    first.start()  # migrations, the demo catalogue, the signing keys in data_dir
    first.stop()
    return url


async def run(args: argparse.Namespace) -> list[Phase]:
    pair = await asyncio.to_thread(ReplicaPair().start)
    bouncer = PgBouncer(pair.primary_url(), pool_size=args.pool_size)
    try:
        await asyncio.to_thread(bouncer.start)
        with tempfile.TemporaryDirectory(prefix="mpp-pooler-", ignore_cleanup_errors=True) as folder:
            data_dir = Path(folder)
            url = await prepared_database(pair, data_dir)
            submitters = await make_submitters(url, args.submitters, seed=7)
            tokens = await issue_tokens(url, data_dir, submitters)
            conn = await asyncpg.connect(url)
            try:
                # kk-baru needs assurance "registry": each citizen's NIK as the national identity provider vouched
                # for it (a proof row, as api.federation would have written; the sign-in itself is not measured).
                await conn.execute(
                    "INSERT INTO accounts_identity_proof (account, nik, method) "
                    "SELECT id, nik, 'idp_reg' FROM accounts_account WHERE id = ANY($1::uuid[])",
                    [s.id for s in submitters],
                )
                services, regions = await kk_services(conn)
            finally:
                await conn.close()
            bodies = [
                json.dumps(
                    {
                        "serviceId": str(services[s.region][0]),
                        "answers": kk_answers(services[s.region][1], s, regions[s.region]),
                        "documentIds": [str(d) for d in s.documents],
                    }
                ).encode()
                for s in submitters
            ]
            modes = (
                ("direct (baseline)", url, {}),
                (
                    f"PgBouncer, transaction mode, {args.pool_size} server sessions",
                    bouncer.url("mpp"),
                    {"DATABASE_DIRECT_URL": url, "MPP_DB_POOLER": "pgbouncer"},
                ),
            )
            # The modes alternate round by round, so that a change in the machine's load weighs on both alike.
            samples: dict[str, list[Sample]] = {name: [] for name, _, _ in modes}
            for _ in range(args.rounds):
                for name, database_url, extra in modes:
                    server = Server(data_dir, database_url, 1)
                    server.env.update({"MPP_ACCESS_LOG": "false", "MPP_DB_POOL_MAX": str(args.api_pool), **extra})
                    samples[name].append(await measure(name, server, url, (bodies, tokens), args))
            phases = [summarise(name, found) for name, found in samples.items()]
            return phases
    finally:
        bouncer.stop()
        await asyncio.to_thread(pair.stop)


def table(phases: list[Phase], command: str) -> str:
    base = phases[0].per_second or 1.0
    lines = [
        f"`{command}` — {dt.date.today().isoformat()}, {cpu_model()}, "
        "PostgreSQL 15 primary + hot standby, PgBouncer 1.18",
        "",
        "| mode | submits/s | ratio | p50 ms | p95 ms | failed | replica behind, max (p95) | replay_lag max |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in phases:
        lines.append(
            f"| {p.name} | {p.per_second:.0f} | {p.per_second / base:.2f} | {p.p50:.1f} | {p.p95:.1f} | {p.failed} "
            f"| {p.lag_bytes_max / 1024:.0f} KiB ({p.lag_bytes_p95 / 1024:.0f} KiB) | {p.lag_ms_max:.0f} ms |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=2, help="direct, pooled, direct, pooled …")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--submitters", type=int, default=400)
    parser.add_argument("--pool-size", type=int, default=10, help="PgBouncer's server sessions")
    parser.add_argument("--api-pool", type=int, default=20, help="the API's pool (client connections to PgBouncer)")
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    command = shlex.join([".venv/bin/python", "bench/pooler_bench.py", *sys.argv[1:]])
    started = time.monotonic()
    phases = asyncio.run(run(args))
    report = table(phases, command)
    say(report)
    say(f"({time.monotonic() - started:.0f} s in all)")
    if args.markdown:
        args.markdown.write_text(report + "\n")


if __name__ == "__main__":
    main()
