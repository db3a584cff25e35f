"""The catalogue's cold routes in instructions, not seconds: the same figure on a busy machine as on a quiet one.

``http_bench.py --cache-off`` measures requests per second with wrk, and on a shared 2-CPU machine the same code
has measured 0.26 and 0.38 of ``/health/live`` within an hour. This script runs the app in process under
Valgrind's callgrind (``--toggle-collect``: only the requests are counted, not the start-up) and counts the
instructions one request costs, for ``/health/live`` and for the rotations ``http_bench.py`` loads (the search,
the home's lists and chips), at each catalogue size. The ratio of live's instructions to a route's is what the
server's capacity ratio would be if uvicorn and the kernel cost nothing; they cost every route the same, so the
ratio under wrk lies between this one and 1. Hash randomisation is fixed (``PYTHONHASHSEED=0``): two runs of the
same code give the same counts.

    .venv/bin/python bench/instructions_bench.py [--regions 21,514] [--passes 2] [--database-url URL]

Needs ``valgrind`` (Debian's package). 13 minutes at 21 regions on a slow 2-CPU machine running a test suite beside
it; at 514 regions each route's process first loads the national catalogue under Valgrind's instrumentation, which
alone took over ten minutes (the start-up is instrumented, only not counted).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from http_bench import PROJECT, fresh_database, grow_catalogue, home_paths, redact, search_paths, settle

ROUTES = ("live", "search", "home")
TARGETS = {"search": 0.40, "home": 0.40}
COLLECTED = re.compile(r"Collected : (\d+)")


# --- the child: the app in process, requests driven without an event loop ---------------------------------


def _scope(path: str) -> dict[str, Any]:
    route, _, query = path.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"user-agent", b"wrk"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }


async def _child(route: str, passes: int) -> None:
    sys.path.insert(0, str(PROJECT))
    from api.app import create_app
    from api.lib import db

    # Under Valgrind the process reads the national catalogue's 82,000 rows ~50 times slower than PostgreSQL sends
    # them, past the statement timeout; the requests counted never reach the database.
    db.SESSION_SETTINGS["statement_timeout"] = "0"

    app = create_app()
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    def drive(_: object, path: str) -> None:
        # The catalogue's routes answer from memory and never wait: their coroutine runs to its end at the first
        # send, so no event loop turn (whose cost is uvicorn's, the same for every route) is counted.
        coroutine = app(_scope(path), receive, send)  # type: ignore[arg-type]
        try:
            while True:
                coroutine.send(None)
        except StopIteration:
            pass

    async with app.lifespan():
        deadline = time.monotonic() + 3600
        while not getattr(getattr(app.state, "catalogue", None), "index", None) or not (
            app.state.catalogue.index.catalogue.services
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("the catalogue never loaded")
            await asyncio.sleep(0.2)
        catalogue = app.state.catalogue.index.catalogue
        regions = sorted(catalogue.services)
        categories = sorted({c for g in catalogue.groups.values() for c in g.categories})
        paths = {
            "live": ["/health/live"] * 50,
            "search": search_paths(regions),
            "home": home_paths(regions, categories),
        }[route]
        for path in paths * 2:  # the snapshot's derived orders and summaries, as a server has them: not counted
            drive(None, path)
        statuses.clear()
        functools.reduce(drive, paths * passes, None)  # what callgrind counts (--toggle-collect=functools_reduce)
    print(json.dumps({"requests": len(statuses), "bad": sum(s >= 400 for s in statuses), "paths": len(paths)}))


# --- the parent: databases, valgrind, the table --------------------------------------------------------------


def count(url: str, route: str, passes: int, data_dir: Path) -> tuple[int, int, int]:
    """(instructions, requests, paths) of ``passes`` passes over ``route``'s paths, in process under callgrind."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MPP_ENV": "dev",
        "MPP_DATA_DIR": str(data_dir),
        "MPP_CATALOGUE_CACHE_ENTRIES": "0",  # the cold path: every answer is computed
        "PYTHONHASHSEED": "0",
    }
    command = [
        "valgrind",
        "--tool=callgrind",
        "--collect-atstart=no",
        "--toggle-collect=functools_reduce",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        route,
        f"--passes={passes}",
    ]
    done = subprocess.run(command, env=env, cwd=PROJECT, capture_output=True, text=True, check=False)
    found = COLLECTED.findall(done.stderr)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"callgrind of {route} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["bad"]:
        raise RuntimeError(f"{route}: {result['bad']} answers were 4xx/5xx")
    return int(found[-1]), int(result["requests"]), int(result["paths"])


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def prepare(url: str, regions: int, data_dir: Path) -> str:
    mpp = Path(sys.executable).with_name("mpp")
    env = {**os.environ, "DATABASE_URL": url, "MPP_ENV": "dev", "MPP_DATA_DIR": str(data_dir)}
    for step in (["migrate"], ["seed", "--demo"]):
        subprocess.run([str(mpp), *step], env=env, cwd=PROJECT, check=True, capture_output=True)
    settle(url)
    return grow_catalogue(url, regions) if regions > 21 else "the demo's 21 regions"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regions", default="21,514", help="catalogue sizes (default 21,514)")
    parser.add_argument("--passes", type=int, default=2, help="passes over each rotation counted (default 2)")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--child", choices=ROUTES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        asyncio.run(_child(args.child, args.passes))
        return 0
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed (apt-get install valgrind)")
    sizes = [int(s) for s in args.regions.split(",") if s.strip()]
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    failed = False
    for regions in sizes:
        with fresh_database(args.database_url) as url, tempfile.TemporaryDirectory(prefix="mpp-instr-") as tmp:
            notes.append(f"{regions} regions: {prepare(url, regions, Path(tmp))}")
            # One process per route, as many at a time as there are CPUs: the counts do not depend on it.
            with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
                futures = {route: pool.submit(count, url, route, args.passes, Path(tmp)) for route in ROUTES}
                counted = {route: future.result() for route, future in futures.items()}
        live = counted["live"][0] / counted["live"][1]
        say(f"{regions} regions: " + ", ".join(f"{r} {counted[r][0] / counted[r][1]:,.0f}" for r in ROUTES))
        for route in ROUTES:
            instructions, requests, paths = counted[route]
            each = instructions / requests
            ratio = live / each
            target = TARGETS.get(route)
            verdict = "—" if target is None else ("pass" if ratio >= target else "FAIL")
            failed |= verdict == "FAIL"
            shown = "—" if target is None else f"≥ {target:.2f}× live"
            rows.append(
                (f"{regions}", route, f"{paths}", f"{requests:,}", f"{each:,.0f}", f"{ratio:.2f}", shown, verdict)
            )
    header = ("regions", "route", "paths", "requests counted", "instructions a request", "ratio", "target", "result")
    print(f"Database server: {redact(args.database_url)}; PYTHONHASHSEED=0; answer cache off")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" if i in (2, 3, 4, 5) else "---" for i in range(len(header))) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    for note in notes:
        print(f"- {note}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
