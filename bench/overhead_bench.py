"""Per-request overhead: ``mpp serve``'s /health/live against a bare Litestar app with one route, in the same run.

/health/live does no work of its own, so what it costs beyond a bare Litestar app on the same uvicorn is our
request path: the middleware (request id, metrics, security headers, language, hostile input), the access guard
and the access log. Both servers are measured with the access log on and off (``MPP_ACCESS_LOG``; the bare app
with uvicorn's own access log on and off), in rounds of bare-then-ours by wrk from the same machine; the median
round's ratio is the result.

Target (issue 21, part 2): ≥ 0.80 × the bare app.

    .venv/bin/python bench/overhead_bench.py [--duration 4] [--rounds 5] [--connections 32] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from http_bench import (
    PROJECT,
    WARMUP_S,
    Measurement,
    Server,
    cpu_model,
    free_port,
    fresh_database,
    load_generator,
)

TARGET = 0.80
BARE_APP = """
from litestar import Litestar, get


@get("/health/live", sync_to_thread=False)
def live() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar([live])
"""


class BareServer:
    """A bare Litestar app with one route on uvicorn, started as ``mpp serve`` starts it (same uvicorn options)."""

    def __init__(self, folder: Path, *, access_log: bool) -> None:
        (folder / "bare_app.py").write_text(BARE_APP)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / f"bare-{access_log}.log"
        self.command = [
            sys.executable, "-m", "uvicorn", "bare_app:app", "--host=127.0.0.1", f"--port={self.port}",
            "--proxy-headers", "--no-server-header", "--log-level=info",
            *([] if access_log else ["--no-access-log"]),
        ]  # fmt: skip
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self.command, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base_url + "/health/live", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the bare app did not start:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@dataclass(frozen=True)
class Pair:
    access_log: bool
    bare: Measurement  # the round whose ratio is the median
    ours: Measurement
    ratios: tuple[float, ...]  # every round's ratio

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)


def measure_pair(args: argparse.Namespace, generator: object, database_url: str, folder: Path, log: bool) -> Pair:
    """Both servers up at once (the idle one costs nothing), then rounds of bare-then-ours: the machine's speed
    drifts within a run and other work on it comes and goes, so each round's ratio compares neighbours, and the
    median round is reported."""
    run = generator.run  # type: ignore[attr-defined]
    os.environ["MPP_ACCESS_LOG"] = "true" if log else "false"
    ours_server = Server(folder / f"mpp-{log}", database_url, workers=1)
    ours_server.data_dir.mkdir(exist_ok=True)
    bare_server = BareServer(folder, access_log=log)
    rounds: list[tuple[Measurement, Measurement]] = []
    try:
        bare_server.start()
        ours_server.start()
        for server in (bare_server, ours_server):
            run(server.base_url, ["/health/live"], WARMUP_S)
        for number in range(args.rounds):
            print(f"round {number + 1} (access log {'on' if log else 'off'}) …", file=sys.stderr, flush=True)
            bare = run(bare_server.base_url, ["/health/live"], args.duration)
            ours = run(ours_server.base_url, ["/health/live"], args.duration)
            rounds.append((bare, ours))
    finally:
        bare_server.stop()
        ours_server.stop()
    ratios = [ours.rps / bare.rps if bare.rps else 0.0 for bare, ours in rounds]
    middle = sorted(range(len(rounds)), key=lambda i: ratios[i])[len(rounds) // 2]
    return Pair(access_log=log, bare=rounds[middle][0], ours=rounds[middle][1], ratios=tuple(ratios))


def table(pairs: list[Pair]) -> str:
    lines = [
        "| access log | bare Litestar req/s (p50 ms) | mpp serve req/s (p50 ms) | median ratio (each round) "
        "| µs/request added | target | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in pairs:
        added = (1e6 / p.ours.rps - 1e6 / p.bare.rps) if p.ours.rps and p.bare.rps else 0.0
        verdict = "pass" if p.ratio >= TARGET and p.ours.errors == 0 else "**fail**"
        every = ", ".join(f"{r:.2f}" for r in p.ratios)
        lines.append(
            f"| {'on' if p.access_log else 'off'} | {p.bare.rps:.0f} ({p.bare.p50_ms:.2f}) | "
            f"{p.ours.rps:.0f} ({p.ours.p50_ms:.2f}) | {p.ratio:.2f} ({every}) | {added:.0f} | "
            f"≥ {TARGET:.2f} | {verdict} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=4, help="seconds per measurement (default 4)")
    parser.add_argument("--rounds", type=int, default=5, help="bare-then-ours rounds per setting (default 5)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server to create the bench's fresh database on",
    )
    args = parser.parse_args()
    generator = load_generator(args.connections, 1, [], force_httpx=False)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with tempfile.TemporaryDirectory(prefix="mpp-overhead-") as tmp, fresh_database(args.database_url) as url:
        pairs = [measure_pair(args, generator, url, Path(tmp), log) for log in (True, False)]
    print(
        f"\n{started}: {os.cpu_count()} CPUs ({cpu_model()}), wrk, {args.connections} connections, {args.rounds} "
        f"rounds of {args.duration:g} s each after {WARMUP_S:g} s warm-up; mpp serve --workers 1, MPP_ENV=dev"
    )
    print("Command: " + shlex.join([os.path.relpath(sys.executable, PROJECT), *sys.argv]))
    print(table(pairs))
    return 0 if all(p.ratio >= TARGET for p in pairs) else 1


if __name__ == "__main__":
    sys.exit(main())
