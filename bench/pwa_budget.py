"""The PWA's performance budget: bytes of the citizen home's first load, and Lighthouse on the home and a service.

Starts a real ``mpp serve`` on a fresh database (a new database on --database-url's server, default
``$DATABASE_URL``, or the embedded default in a temporary data folder), then:

1. **Bytes.** Opens the citizen home in Debian's Chromium (Playwright, a fresh profile, a 412×915 phone) and
   records every response with its transferred size (compressed body + headers, as DevTools counts it), split
   into JS / CSS / JSON / other, for the page itself and for the service worker's install that follows it.
   Budgets: the page's first load ≤ 100 KB, its JavaScript ≤ 50 KB, and no officer or kiosk code (views or
   styles) downloaded in citizen mode — neither by the page nor by the service worker.
2. **Lighthouse** (``tools/node_modules``, mobile form factor, default simulated throttling) on the home and
   on a demo service's page: performance ≥ 95, accessibility 100. The baseline is Lighthouse on a minimal
   static page served by the same server in the same run: its score and timings show what this machine
   can reach at the moment, so a low score caused by a busy machine shows as a low baseline too.

Bytes are deterministic; Lighthouse's timings are not (the 2 cores are shared). Exit status: 0, or 1 with
``--strict`` when a budget or target fails; 2 when the server, the browser or Lighthouse could not run.

    .venv/bin/python bench/pwa_budget.py [--database-url URL] [--no-lighthouse] [--strict]
                                         [--json bench/out/pwa_budget.json] [--markdown [FILE]]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from http_bench import (
    PROJECT,
    Server,
    cpu_model,
    fresh_database,
    get_json,
    redact,
    stop_leftover_embedded,
)

KB = 1000  # budgets are in kB as Lighthouse and DevTools show them
BUDGET_TOTAL = 100 * KB
BUDGET_JS = 50 * KB
TARGET_PERFORMANCE = 95
TARGET_ACCESSIBILITY = 100
# Code that only staff or a kiosk may need: a citizen's phone must never download it.
FORBIDDEN = ("/js/views/officer/", "/js/views/kiosk/", "/css/officer.css", "/css/kiosk.css")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LIGHTHOUSE = PROJECT / "tools" / "node_modules" / "lighthouse" / "cli" / "index.js"
LIGHTHOUSE_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
LIGHTHOUSE_FLAGS += "--disable-component-update --disable-sync"
# The baseline page: what the home's shell looks like with no script, served by the same server.
BASELINE_PAGE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="Halaman dasar untuk pengukuran."><title>Baseline</title></head>
<body><main><h1>MPP Digital</h1><p>Halaman statis tanpa skrip: batas atas yang dapat dicapai mesin ini.</p></main>
</body></html>
"""
BASELINE_PATH = "/_budget-baseline/"


# --- bytes ----------------------------------------------------------------------------------------------


@dataclass
class Transfer:
    url: str
    path: str
    kind: str  # js, css, json, other
    bytes: int
    encoding: str
    by_worker: bool


@dataclass
class Bytes:
    transfers: list[Transfer] = field(default_factory=list)

    def total(self, *, worker: bool, kind: str | None = None) -> int:
        return sum(t.bytes for t in self.transfers if t.by_worker == worker and kind in (None, t.kind))

    def modules(self, *, worker: bool) -> list[str]:
        return [t.path for t in self.transfers if t.by_worker == worker and t.kind == "js"]

    def forbidden(self) -> list[str]:
        return sorted({t.path for t in self.transfers if t.path.startswith(FORBIDDEN)})

    def uncompressed_text(self) -> list[str]:
        """Text answers over 1 KB sent without compression (the server compresses from 1 KiB on)."""
        return [
            t.path
            for t in self.transfers
            if t.kind != "other" and t.bytes > 2 * KB and t.encoding not in ("gzip", "br")
        ]


def kind_of(path: str, content_type: str) -> str:
    if path.endswith((".js", ".mjs")) or "javascript" in content_type:
        return "js"
    if path.endswith(".css") or "text/css" in content_type:
        return "css"
    if path.endswith(".json") or "json" in content_type:
        return "json"
    return "other"


def measure_bytes(base_url: str) -> Bytes:
    """The citizen home's first visit in a fresh profile: the page's requests, then the service worker's."""
    # Playwright reports a service worker's own requests (its script, its precache) only with this set before
    # the driver starts; without it the worker's downloads would be invisible.
    os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = "1"
    from playwright.sync_api import Request, sync_playwright

    measured = Bytes()

    def finished(request: Request) -> None:
        try:
            request.frame  # noqa: B018  (raises for a request made by a service worker)
            by_worker = False
        except Exception:  # Playwright raises a plain Error here
            by_worker = True
        response = request.response()
        if response is None:
            return
        sizes = request.sizes()
        # Headers count: DevTools and Lighthouse count them, and ours (CSP and friends) are ~0.8 KB each.
        size = max(0, sizes["responseBodySize"]) + max(0, sizes["responseHeadersSize"])
        path = request.url.removeprefix(base_url).split("?")[0] or "/"
        headers = response.headers
        measured.transfers.append(
            Transfer(
                request.url,
                path,
                kind_of(path, headers.get("content-type", "")),
                size,
                headers.get("content-encoding", ""),
                by_worker,
            )
        )

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(
                viewport={"width": 412, "height": 915},
                is_mobile=True,
                has_touch=True,
                locale="id-ID",
                service_workers="allow",
            )
            context.on("requestfinished", finished)
            page = context.new_page()
            page.goto(base_url + "/", wait_until="load")
            page.wait_for_selector("main h1")
            page.wait_for_load_state("networkidle")
            # The service worker installs after the first screen: wait until it is active (or gave up).
            page.evaluate(
                """() => new Promise((resolve) => {
                    if (!('serviceWorker' in navigator)) return resolve(null);
                    const done = () => resolve(null);
                    navigator.serviceWorker.ready.then(done);
                    setTimeout(done, 15000);
                })"""
            )
            page.wait_for_load_state("networkidle")
            time.sleep(1)
            context.close()
        finally:
            browser.close()
    return measured


# --- Lighthouse -----------------------------------------------------------------------------------------


@dataclass
class Lighthouse:
    name: str
    url: str
    performance: float
    accessibility: float
    metrics: dict[str, float]  # ms, except CLS
    bytes: int
    failed_a11y: list[str]


LIGHTHOUSE_METRICS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "speed-index": "Speed Index",
    "cumulative-layout-shift": "CLS",
}


def run_lighthouse(name: str, url: str, out_dir: Path) -> Lighthouse:
    report = out_dir / f"lighthouse-{name}.json"
    command = [
        shutil.which("node") or "node",
        str(LIGHTHOUSE),
        url,
        "--form-factor=mobile",
        "--only-categories=performance,accessibility",
        f"--chrome-flags={LIGHTHOUSE_FLAGS}",
        "--output=json",
        f"--output-path={report}",
        "--quiet",
    ]
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    print(f"lighthouse {name}: {url} …", file=sys.stderr, flush=True)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0 or not report.exists():
        raise RuntimeError(f"lighthouse failed on {url} ({done.returncode}):\n{done.stderr[-2000:]}")
    data = json.loads(report.read_text())
    if data.get("runtimeError"):
        raise RuntimeError(f"lighthouse could not load {url}: {data['runtimeError']}")
    audits = data["audits"]
    categories = data["categories"]
    failed = [
        f"{ref['id']}: {audits[ref['id']].get('title', '')}"
        for ref in categories["accessibility"]["auditRefs"]
        if ref.get("weight", 0) > 0 and audits[ref["id"]].get("score") not in (None, 1)
    ]
    return Lighthouse(
        name=name,
        url=url,
        performance=round((categories["performance"]["score"] or 0) * 100),
        accessibility=round((categories["accessibility"]["score"] or 0) * 100),
        metrics={label: float(audits[key].get("numericValue") or 0) for key, label in LIGHTHOUSE_METRICS.items()},
        bytes=int(audits.get("total-byte-weight", {}).get("numericValue") or 0),
        failed_a11y=failed,
    )


# --- the report -----------------------------------------------------------------------------------------


@dataclass
class Row:
    metric: str
    value: str
    target: str
    ratio: str
    verdict: str  # pass, FAIL, or — (no target)


def kb(n: float) -> str:
    return f"{n / KB:.1f} KB"


def byte_rows(measured: Bytes) -> list[Row]:
    rows: list[Row] = []

    def budget(metric: str, value: int, limit: int) -> None:
        rows.append(
            Row(metric, kb(value), f"≤ {kb(limit)}", f"{value / limit:.2f}", "pass" if value <= limit else "FAIL")
        )

    def info(metric: str, value: int) -> None:
        rows.append(Row(metric, kb(value), "—", f"{value / BUDGET_TOTAL:.2f}", "—"))

    budget("home first load: all", measured.total(worker=False), BUDGET_TOTAL)
    budget("home first load: JavaScript", measured.total(worker=False, kind="js"), BUDGET_JS)
    info("home first load: CSS", measured.total(worker=False, kind="css"))
    info("home first load: JSON (strings, catalogue)", measured.total(worker=False, kind="json"))
    info("home first load: other (HTML, icons)", measured.total(worker=False, kind="other"))
    info("then the service worker's install (precache)", measured.total(worker=True))
    info("first visit in all (page + worker)", measured.total(worker=False) + measured.total(worker=True))
    forbidden = measured.forbidden()
    rows.append(
        Row(
            "officer/kiosk code in citizen mode",
            ", ".join(forbidden) or "none",
            "none",
            "—",
            "FAIL" if forbidden else "pass",
        )
    )
    uncompressed = measured.uncompressed_text()
    rows.append(
        Row(
            "text answers > 2 KB sent uncompressed",
            ", ".join(uncompressed) or "none",
            "none",
            "—",
            "FAIL" if uncompressed else "pass",
        )
    )
    return rows


def lighthouse_rows(baseline: Lighthouse, pages: Sequence[Lighthouse]) -> list[Row]:
    rows = [
        Row("Lighthouse baseline page: performance", f"{baseline.performance:.0f}", "—", "1.00", "—"),
        Row(
            "Lighthouse baseline page: LCP",
            f"{baseline.metrics['LCP']:.0f} ms",
            "—",
            "1.00",
            "—",
        ),
    ]
    for page in pages:
        rows.append(
            Row(
                f"Lighthouse {page.name}: performance",
                f"{page.performance:.0f}",
                f"≥ {TARGET_PERFORMANCE}",
                f"{page.performance / max(baseline.performance, 1):.2f}",
                "pass" if page.performance >= TARGET_PERFORMANCE else "FAIL",
            )
        )
        rows.append(
            Row(
                f"Lighthouse {page.name}: accessibility",
                f"{page.accessibility:.0f}",
                f"= {TARGET_ACCESSIBILITY}",
                "—",
                "pass" if page.accessibility >= TARGET_ACCESSIBILITY else "FAIL",
            )
        )
        for label in ("FCP", "LCP", "TBT", "Speed Index"):
            base = baseline.metrics[label]
            ratio = f"{page.metrics[label] / base:.2f}" if base > 0 else "—"
            rows.append(Row(f"Lighthouse {page.name}: {label}", f"{page.metrics[label]:.0f} ms", "—", ratio, "—"))
        rows.append(Row(f"Lighthouse {page.name}: CLS", f"{page.metrics['CLS']:.3f}", "—", "—", "—"))
        rows.append(Row(f"Lighthouse {page.name}: bytes", kb(page.bytes), "—", "—", "—"))
    return rows


HEADER = ("metric", "value", "budget/target", "ratio", "result")


def text_table(rows: Sequence[Row]) -> str:
    cells = [HEADER, *((r.metric, r.value, r.target, r.ratio, r.verdict) for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    return "\n".join("  ".join(c[i].ljust(widths[i]) for i in range(len(HEADER))).rstrip() for c in cells)


def markdown_table(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += [f"| {r.metric} | {r.value} | {r.target} | {r.ratio} | {r.verdict} |" for r in rows]
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def served_app(database_url: str | None) -> Iterator[Server]:
    """`mpp serve` on a fresh database, serving a copy of pwa/ that also holds the baseline page."""
    with contextlib.ExitStack() as stack:
        temporary = tempfile.TemporaryDirectory(prefix="mpp-budget-", ignore_cleanup_errors=True)
        data_dir = Path(stack.enter_context(temporary))
        # A copy, so the baseline page is served by the same server without ever entering the real pwa/.
        pwa = data_dir / "pwa"
        shutil.copytree(PROJECT / "pwa", pwa)
        (pwa / BASELINE_PATH.strip("/")).mkdir()
        (pwa / BASELINE_PATH.strip("/") / "index.html").write_text(BASELINE_PAGE)
        server_db = stack.enter_context(fresh_database(database_url)) if database_url else None
        if not database_url:
            stack.callback(stop_leftover_embedded, data_dir)
        server = Server(data_dir, server_db, 1)
        server.env["MPP_PWA_DIR"] = str(pwa)
        server.env["MPP_ACCESS_LOG"] = "false"
        # Lighthouse and the browser open http://localhost, a secure context where the service worker runs.
        server.base_url = f"http://localhost:{server.port}"
        stack.callback(server.stop)
        print(f"starting {shlex.join(server.command)} …", file=sys.stderr, flush=True)
        server.start()
        yield server


def demo_service(base_url: str) -> str:
    page = get_json(f"{base_url}/api/v1/services?pageSize=5&q=akta%20kelahiran")
    items = page.get("items") or get_json(f"{base_url}/api/v1/services?pageSize=1")["items"]
    return str(items[0]["id"])


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="PostgreSQL server for a fresh benchmark database (default $DATABASE_URL; none: embedded)",
    )
    parser.add_argument("--no-lighthouse", action="store_true", help="bytes only (seconds instead of minutes)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a budget or target fails")
    parser.add_argument(
        "--json", default=str(PROJECT / "bench" / "out" / "pwa_budget.json"), help="where to write the raw result"
    )
    parser.add_argument("--markdown", nargs="?", const="-", help="append a Markdown report to FILE (bare: print)")
    args = parser.parse_args(argv)
    args.url_from_env = args.database_url is not None and args.database_url == os.environ.get("DATABASE_URL")
    return args


def command_line(args: argparse.Namespace) -> str:
    python = os.path.relpath(sys.executable) if not os.path.isabs(sys.argv[0]) else sys.executable
    prefix = f"DATABASE_URL={redact(os.environ['DATABASE_URL'])} " if args.url_from_env else ""
    return prefix + shlex.join([python, *sys.argv])


def lighthouse_version() -> str:
    with contextlib.suppress(OSError, ValueError):
        return str(json.loads((LIGHTHOUSE.parent.parent / "package.json").read_text())["version"])
    return "?"


def run(args: argparse.Namespace) -> int:
    started = dt.datetime.now(dt.UTC)
    if not args.no_lighthouse and not LIGHTHOUSE.exists():
        raise RuntimeError(f"{LIGHTHOUSE} is missing: run `npm ci --prefix tools` (scripts/test.sh does)")
    out_dir = Path(args.json).parent
    out_dir.mkdir(parents=True, exist_ok=True)
    pages: list[Lighthouse] = []
    baseline: Lighthouse | None = None
    with served_app(args.database_url) as server:
        base = server.base_url
        measured = measure_bytes(base)
        service = demo_service(base)
        if not args.no_lighthouse:
            # The baseline first and last would double the cost; once, right before the pages, is enough.
            baseline = run_lighthouse("baseline", base + BASELINE_PATH, out_dir)
            pages.append(run_lighthouse("home", base + "/", out_dir))
            pages.append(run_lighthouse("service", f"{base}/#/services/{service}", out_dir))
    rows = byte_rows(measured)
    if baseline:
        rows += lighthouse_rows(baseline, pages)
    database = f"PostgreSQL at {redact(args.database_url)}" if args.database_url else "embedded PostgreSQL"
    print()
    print(f"{database}; Chromium {chromium_version()}; Lighthouse {lighthouse_version() if baseline else '(skipped)'}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (a busy machine lowers Lighthouse's scores)")
    print(text_table(rows))
    print()
    print("JavaScript modules on the home's first load: " + ", ".join(measured.modules(worker=False)))
    for page in pages:
        for failure in page.failed_a11y:
            print(f"Lighthouse {page.name} accessibility: {failure}")
    result = {
        "started": started.isoformat(),
        "command": command_line(args),
        "rows": [asdict(r) for r in rows],
        "transfers": [asdict(t) for t in measured.transfers],
        "lighthouse": [asdict(p) for p in ([baseline] if baseline else []) + pages],
    }
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(f"raw result written to {os.path.relpath(args.json)}")
    if args.markdown:
        markdown = markdown_report(started, command_line(args), database, rows, measured, ran_lighthouse=bool(pages))
        if args.markdown == "-":
            print()
            print(markdown, end="")
        else:
            with open(args.markdown, "a", encoding="utf-8") as out:
                out.write("\n" + markdown)
            print(f"Markdown report appended to {args.markdown}")
    failed = [r.metric for r in rows if r.verdict == "FAIL"]
    if failed:
        print("FAILED: " + "; ".join(failed))
    return 1 if failed and args.strict else 0


def chromium_version() -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30, check=False).stdout
        return out.split()[1] if len(out.split()) > 1 else out.strip()
    return "?"


def markdown_report(
    started: dt.datetime, command: str, database: str, rows: Sequence[Row], measured: Bytes, *, ran_lighthouse: bool
) -> str:
    lighthouse = "no Lighthouse"
    if ran_lighthouse:
        lighthouse = f"Lighthouse {lighthouse_version()} (mobile, simulated throttling)"
    lines = [
        f"### {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- Command: `{command}`",
        f"- Machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}, Python {platform.python_version()}; "
        f"load average at the end {os.getloadavg()[0]:.1f}",
        f"- Database: {database}; browser: Debian's Chromium {chromium_version()}; {lighthouse}",
        "",
        markdown_table(rows),
        "",
        "JavaScript modules on the home's first load: " + ", ".join(f"`{m}`" for m in measured.modules(worker=False)),
    ]
    return "\n".join(lines) + "\n"


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("\ninterrupted (the server was stopped and the benchmark database dropped)", file=sys.stderr)
        return 130
    except (RuntimeError, OSError, urllib.error.URLError, subprocess.TimeoutExpired) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
