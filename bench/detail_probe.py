"""An application's detail on databases of different sizes: the time of its statement and the pages it reads.

``growth_bench.py`` times the detail through the application's own function; this looks underneath, on databases
kept with ``growth_bench.py --keep``: the statement prepared as the API prepares it (a generic plan after the
first five runs), timed over 1,000 random applications, and ``EXPLAIN (ANALYZE, BUFFERS)`` of 300 more: pages found
in ``shared_buffers`` (hit) and read from outside it (read). The same pages at two sizes mean the same work; a
difference in time is then where those pages were (PostgreSQL's buffers, the OS page cache, the disk).

    .venv/bin/python bench/detail_probe.py --database-url postgresql://postgres@127.0.0.1:5432/postgres DB [DB …]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from api.applications.service import queries

SQL = queries.SELECT_DETAIL + " WHERE a.id = $1 AND a.applicant = $2"
TIMED, EXPLAINED, WARMUP = 1000, 300, 100


async def probe(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        pairs = [
            (r["id"], r["applicant"])
            for r in await conn.fetch(
                "SELECT id, applicant FROM applications_application TABLESAMPLE SYSTEM (1) LIMIT $1",
                WARMUP + TIMED + EXPLAINED,
            )
        ]
        if len(pairs) < WARMUP + TIMED + EXPLAINED:
            return f"{len(pairs)} applications sampled: too few to measure (generate with growth_bench.py --keep)"
        random.Random(7).shuffle(pairs)
        statement = await conn.prepare(SQL)
        for pair in pairs[:WARMUP]:
            await statement.fetchrow(*pair)
        times = []
        for pair in pairs[WARMUP : WARMUP + TIMED]:
            began = time.perf_counter()
            await statement.fetchrow(*pair)
            times.append((time.perf_counter() - began) * 1000)
        times.sort()
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        explain = await conn.prepare("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + SQL)
        hit = read = 0
        executions = []
        explained = pairs[WARMUP + TIMED :]
        for pair in explained:
            plan = json.loads(await explain.fetchval(*pair))[0]
            hit += plan["Plan"]["Shared Hit Blocks"]
            read += plan["Plan"]["Shared Read Blocks"]
            executions.append(plan["Execution Time"])
        n = max(len(explained), 1)
        return (
            f"p50 {times[len(times) // 2]:.3f} ms, p95 {times[int(len(times) * 0.95)]:.3f} ms over {len(times)}; "
            f"per statement ({len(explained)}, generic plan): shared hit {hit / n:.1f}, read {read / n:.1f}, "
            f"execution median {statistics.median(executions):.3f} ms"
        )
    finally:
        await conn.close()


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="the server the databases are on")
    parser.add_argument("databases", nargs="+", help="names of databases kept by growth_bench.py --keep")
    args = parser.parse_args(argv)
    base = args.database_url.rsplit("/", 1)[0]
    for name in args.databases:
        print(f"{name}: {await probe(f'{base}/{name}')}")


if __name__ == "__main__":
    asyncio.run(main())
