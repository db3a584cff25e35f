"""Two API processes against one: the public catalogue through ``mpp serve --workers 1`` and ``--workers 2``.

Issue 21's benchmark asks for "two API processes vs one". Both servers run at once on the same fresh database (the
demo catalogue, VACUUM ANALYZE'd), and each endpoint is loaded by wrk in rounds that take turns, one process then
two, so that the machine's noise falls on both alike; the median round's ratio is the result. ``--cache-off``
measures the computed answers (each process's answer cache off), the default the cached ones.

On a machine with N cores a second process can use a core the first leaves idle; PostgreSQL, wrk and the
processes share them, so the ratio says how much one more process buys on *this* machine, not a law.

    .venv/bin/python bench/processes_bench.py [--duration 4] [--rounds 3] [--cache-off] [--database-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import statistics
import sys
import tempfile
from pathlib import Path

from http_bench import Server, catalogue_endpoints, cpu_model, fresh_database, load_generator, settle


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=4, help="seconds per round and endpoint (default 4)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per endpoint (default 3)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--cache-off", action="store_true", help="MPP_CATALOGUE_CACHE_ENTRIES=0 in both servers")
    parser.add_argument("--database-url", help="PostgreSQL server to create a fresh database on ($DATABASE_URL)")
    args = parser.parse_args(argv)
    args.database_url = args.database_url or os.environ.get("DATABASE_URL")
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL: two servers cannot share one embedded PostgreSQL")
    if args.rounds < 1 or args.duration < 1:
        parser.error("--rounds and --duration must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    generator = load_generator(args.connections, 1, [], False)
    rows = []
    with contextlib.ExitStack() as stack:
        database = stack.enter_context(fresh_database(args.database_url))
        servers = {}
        for workers in (1, 2):
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"mpp-proc{workers}-")))
            server = Server(folder, database, workers, cache_off=args.cache_off)
            stack.callback(server.stop)
            print(f"starting {shlex.join(server.command)} …", file=sys.stderr, flush=True)
            server.start()
            servers[workers] = server
        version = settle(database)
        endpoints = catalogue_endpoints(servers[1].base_url).endpoints
        for endpoint in endpoints:
            for server in servers.values():
                generator.run(server.base_url, endpoint.paths, 2)  # warm-up
            rounds: dict[int, list[float]] = {1: [], 2: []}
            errors = 0
            for _ in range(args.rounds):
                for workers, server in servers.items():
                    measured = generator.run(server.base_url, endpoint.paths, args.duration)
                    rounds[workers].append(measured.rps)
                    errors += measured.errors
            ratios = [two / one for one, two in zip(rounds[1], rounds[2], strict=True) if one]
            rows.append((endpoint.label, statistics.median(rounds[1]), statistics.median(rounds[2]), ratios, errors))
    title = "answer cache off" if args.cache_off else "answer cache on (default)"
    print(f"\n### Two API processes against one — {title}\n")
    print(f"- Command: `{shlex.join([os.path.relpath(sys.executable), *sys.argv])}`")
    print(f"- Machine: {os.cpu_count()} CPUs ({cpu_model()}), PostgreSQL {version}, {generator.version()}, ")
    print(f"  {args.connections} connections, {args.rounds} rounds of {args.duration:g} s per endpoint, taking turns\n")
    print("| endpoint | 1 process req/s | 2 processes req/s | median ratio (each round) | errors |")
    print("|---|---:|---:|---|---:|")
    for label, one, two, ratios, errors in rows:
        each = ", ".join(f"{r:.2f}" for r in ratios)
        print(f"| {label} | {one:,.0f} | {two:,.0f} | {statistics.median(ratios):.2f} ({each}) | {errors} |")
    return 0 if all(errors == 0 for *_, errors in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
