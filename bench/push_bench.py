"""Push notifications: from an officer's decision to the citizen's device, and fan-out per worker process.

Runs the fake push service (``tests/fakes/push_service.py``: it decrypts every message per RFC 8291 and verifies
every VAPID JWT per RFC 8292, as a strict real service would) in a process of its own, and measures in one run:

1. **Baseline** — the ``webpush`` package in this process, one core: encryption alone (``_encrypt``, what the
   worker calls), and ``WebPush.get`` (encryption plus a new VAPID signature per message, the package's own path).
2. **Fan-out** — citizens with several devices each, status-change messages already waiting in the outbox,
   then one ``mpp worker`` process: pushes per second from the first arrival to the last (target ≥ 1,000/s),
   and the ratio against the baseline encryption rate.
3. **Latency** — a real ``mpp serve`` with its in-process delivery worker (the single-machine default),
   citizens subscribed through the API and their applications submitted through it; an officer then decides
   over HTTP, one decision at a time: from the decision request to the push arriving at the push service,
   p50/p95/p99/max (target p99 < 1 s). Every message is checked to arrive exactly for the right device.

    .venv/bin/python bench/push_bench.py [--database-url URL] [--citizens 1000] [--devices 3]
                                         [--messages 3000] [--decisions 200] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import multiprocessing
import multiprocessing.connection
import os
import platform
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from http_bench import PROJECT, Server, _admin, cpu_model, fresh_database, percentile, redact
from scale_bench import Submitter, issue_tokens, kk_answers, kk_services, make_submitters, mpp_command

TARGET_PUSHES_PER_S = 1000.0
TARGET_P99_S = 1.0


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- the fake push service, in a process of its own ---------------------------------------------------------


def _fake_main(pipe: multiprocessing.connection.Connection) -> None:
    """Child process: a FakePushService answering commands over a pipe."""
    sys.path.insert(0, str(PROJECT))
    from tests.fakes.push_service import FakePushService

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    with FakePushService() as push:
        pipe.send(push.url)
        while True:
            command, arg = pipe.recv()
            if command == "stop":
                pipe.send(None)
                return
            if command == "subscribe":
                count, key = arg
                pipe.send([push.subscribe(application_server_key=key) for _ in range(count)])
            elif command == "count":
                pipe.send(len(push.received))
            elif command == "wait":
                subscription, count, timeout = arg
                try:
                    got = push.wait_for(count, timeout, subscription=subscription)
                    pipe.send((got[count - 1].at, got[count - 1].json()))
                except AssertionError as exc:
                    pipe.send(str(exc))
            elif command == "arrivals":
                pipe.send([(r.subscription, r.json()["id"], r.at) for r in push.received])
            elif command == "refused":
                pipe.send([(a.status, a.reason) for a in push.attempts if a.status >= 300])
            elif command == "clear":
                push.clear()
                pipe.send(None)
            elif command == "cpu":
                pipe.send(time.process_time())


class PushServiceProcess:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_fake_main, args=(child,), name="fake-push-service", daemon=True)
        self._process.start()
        self.url: str = self._pipe.recv()

    def ask(self, command: str, arg: Any = None) -> Any:
        self._pipe.send((command, arg))
        return self._pipe.recv()

    def stop(self) -> None:
        with contextlib.suppress(OSError, EOFError):
            self.ask("stop")
        self._process.join(5)
        if self._process.is_alive():
            self._process.kill()


# --- baseline -----------------------------------------------------------------------------------------------


@dataclass
class Baseline:
    encrypt_per_s: float
    get_per_s: float
    messages: int


def baseline(push: PushServiceProcess, application_server_key: str, vapid_pem: bytes, seconds: float) -> Baseline:
    """The webpush package's own rates, on one core, with a status payload of the size the worker sends."""
    from webpush import WebPush, WebPushSubscription

    from api.notifications.vapid import _from_private

    vapid = _from_private(vapid_pem, "mailto:bench@example.id")
    sender = WebPush(private_key=vapid.private_pem, public_key=vapid.public_pem, subscriber=vapid.subject)
    [sub] = push.ask("subscribe", (1, application_server_key))
    subscription = WebPushSubscription.model_validate(sub)
    payload = json.dumps(
        {
            "id": 123456,
            "tag": "mpp-123456",
            "topic": "application.status_changed",
            "title": "Permohonan 3302-2611-000123",
            "body": "Penerbitan Kartu Keluarga (KK) Baru: sedang diperiksa",
            "url": f"/#/applications/{uuid.uuid4()}",
            "lang": "id",
        }
    ).encode()

    def rate(call: Any) -> tuple[float, int]:
        count, began = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - began) < seconds:
            for _ in range(50):
                call()
            count += 50
        return count / elapsed, count

    encrypt, n1 = rate(lambda: sender._encrypt(payload, subscription))
    get, n2 = rate(lambda: sender.get(payload, subscription))
    return Baseline(encrypt, get, n1 + n2)


# --- fan-out ------------------------------------------------------------------------------------------------


@dataclass
class FanOut:
    citizens: int
    devices: int
    messages: int
    pushes: int
    received: int
    duplicates: int
    wrong_device: int
    refused: int
    seconds: float  # first arrival to last
    startup_s: float  # worker start to first arrival
    worker_cpu_s: float
    push_service_cpu_s: float
    processed: int

    @property
    def rate(self) -> float:
        return self.received / self.seconds if self.seconds else 0.0


def mpp(command: Sequence[str]) -> list[str]:
    exe = Path(sys.executable).with_name("mpp")
    return [str(exe) if exe.exists() else "mpp", *command]


def mpp_env(url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "MPP_ENV": "dev",
        "MPP_DATA_DIR": str(data_dir),
        "MPP_PUSH_TEST_HOSTS": "127.0.0.1",
        **extra,
    }


async def queue_messages(
    url: str, push: PushServiceProcess, key: str, args: argparse.Namespace
) -> tuple[dict[str, uuid.UUID], dict[int, uuid.UUID]]:
    """Citizens with devices subscribed at the push service, and status messages waiting in the outbox."""
    conn = await asyncpg.connect(url, timeout=10)
    try:
        tag = uuid.uuid4().int % 900 + 100
        accounts, subscriptions, owner = [], [], {}
        now = dt.datetime.now(dt.UTC)
        subs = push.ask("subscribe", (args.citizens * args.devices, key))
        for i in range(args.citizens):
            account = uuid.uuid4()
            accounts.append((account, f"+62898{tag:03d}{i:05d}", "id" if i % 5 else "en", ["citizen"], "active"))
            for d in range(args.devices):
                sub = subs[i * args.devices + d]
                subscriptions.append(
                    (uuid.uuid4(), account, sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"], "bench")
                )
                owner[sub["endpoint"].rsplit("/", 1)[-1]] = account
        await conn.copy_records_to_table(
            "accounts_account",
            records=[(*a, now, now) for a in accounts],
            columns=("id", "phone", "language", "roles", "status", "created_at", "updated_at"),
        )
        await conn.copy_records_to_table(
            "notifications_subscription",
            records=[(*s, now, 0) for s in subscriptions],
            columns=("id", "account", "endpoint", "p256dh", "auth", "user_agent", "created_at", "failures"),
        )
        statuses = ("in_review", "needs_correction", "approved", "completed", "submitted")
        messages = []
        for m in range(args.messages):
            account = accounts[m % len(accounts)][0]
            application = uuid.uuid4()
            payload = {
                "application": str(application),
                "number": f"3302-2611-{m:06d}",
                "status": statuses[m % len(statuses)],
                "serviceName": {"id": "Penerbitan Kartu Keluarga (KK) Baru", "en": "New Family Card (KK)"},
            }
            messages.append(("application.status_changed", account, application, json.dumps(payload)))
        ids = await conn.fetch(
            """INSERT INTO outbox_message (created_at, topic, recipient, subject, payload, attempts, next_attempt_at)
               SELECT now(), t, r, s, p::jsonb, 0, now() FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[])
                   AS m(t, r, s, p) RETURNING id, recipient""",
            [m[0] for m in messages],
            [m[1] for m in messages],
            [m[2] for m in messages],
            [m[3] for m in messages],
        )
        return owner, {r["id"]: r["recipient"] for r in ids}
    finally:
        await conn.close()


async def processed_count(url: str, ids: list[int], expected: int) -> int:
    """Outbox rows marked processed, waiting briefly for the worker to record the last deliveries."""
    conn = await asyncpg.connect(url, timeout=10)
    try:
        processed = 0
        for _ in range(200):
            processed = await conn.fetchval(
                "SELECT count(*) FROM outbox_message WHERE processed_at IS NOT NULL AND id = ANY($1::bigint[])", ids
            )
            if processed == expected:
                break
            await asyncio.sleep(0.05)
        return processed
    finally:
        await conn.close()


def fan_out(url: str, data_dir: Path, push: PushServiceProcess, key: str, args: argparse.Namespace) -> FanOut:
    owner, recipient_of = asyncio.run(queue_messages(url, push, key, args))
    expected = args.messages * args.devices
    say(f"fan-out: {args.messages:,} messages to {args.citizens:,} citizens × {args.devices} devices "
        f"= {expected:,} pushes; starting one `mpp worker` …")  # fmt: skip
    cpu_before = push.ask("cpu")
    log_path = data_dir / "worker.log"
    with open(log_path, "wb") as log:
        started = time.monotonic()
        worker = subprocess.Popen(
            mpp(["worker"]),
            cwd=PROJECT,
            env=mpp_env(url, data_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + max(60.0, expected / 100)
        last_count, last_change = 0, time.monotonic()
        while (count := push.ask("count")) < expected:
            if worker.poll() is not None:
                raise RuntimeError(f"mpp worker exited with {worker.returncode}:\n{log_path.read_text()[-2000:]}")
            if count != last_count:
                last_count, last_change = count, time.monotonic()
            if time.monotonic() > deadline or time.monotonic() - last_change > 30:
                refused = push.ask("refused")[:5]
                raise RuntimeError(f"{count:,} of {expected:,} pushes arrived; refused: {refused}")
            time.sleep(0.05)
        processed = asyncio.run(processed_count(url, list(recipient_of), args.messages))
        worker_cpu = _cpu_seconds(worker.pid)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    arrivals = push.ask("arrivals")
    push_cpu = push.ask("cpu") - cpu_before
    seen: set[tuple[str, int]] = set()
    duplicates = wrong = 0
    for subscription, message_id, _at in arrivals:
        if (subscription, message_id) in seen:
            duplicates += 1
        seen.add((subscription, message_id))
        if owner.get(subscription) != recipient_of.get(message_id):
            wrong += 1
    times = sorted(at for _s, _m, at in arrivals)
    push.ask("clear")
    return FanOut(
        citizens=args.citizens,
        devices=args.devices,
        messages=args.messages,
        pushes=expected,
        received=len(arrivals),
        duplicates=duplicates,
        wrong_device=wrong,
        refused=len(push.ask("refused")),
        seconds=times[-1] - times[0] if len(times) > 1 else 0.0,
        startup_s=times[0] - started if times else 0.0,
        worker_cpu_s=worker_cpu,
        push_service_cpu_s=push_cpu,
        processed=processed,
    )


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux /proc), for the report."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


# --- latency ------------------------------------------------------------------------------------------------


@dataclass
class Latency:
    decisions: int
    samples_s: list[float]  # decision request sent → push arrived
    after_response_s: list[float]  # decision answered → push arrived
    http_s: list[float]  # the decision request itself
    wrong: int
    server: str

    def pct(self, values: list[float], p: float) -> float:
        return percentile(sorted(values), p)


async def latency(url: str, data_dir: Path, push: PushServiceProcess, args: argparse.Namespace) -> Latency:
    server = Server(data_dir, url, 1)
    server.env.update({"MPP_ACCESS_LOG": "false", "MPP_PUSH_TEST_HOSTS": "127.0.0.1", "MPP_WORKER_IN_SERVE": "true"})
    say(f"latency: starting {shlex.join(server.command)} (its in-process delivery worker) …")
    server.start()
    try:
        count = max(1, args.decisions // 2)
        submitters = await make_submitters(url, count, args.seed)
        tokens = await issue_tokens(url, data_dir, submitters)
        conn = await asyncpg.connect(url, timeout=10)
        try:
            services, regions = await kk_services(conn)
            officers = await officer_tokens(conn, data_dir, {s.region for s in submitters})
        finally:
            await conn.close()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            key = (await client.get("/api/v1/push/key")).json()["publicKey"]
            subs = push.ask("subscribe", (len(submitters), key))
            applications: list[tuple[Submitter, str, str, int]] = []
            for s, token, sub in zip(submitters, tokens, subs, strict=True):
                auth = {"Authorization": f"Bearer {token}"}
                r = await client.post("/api/v1/push/subscriptions", json=sub, headers=auth)
                r.raise_for_status()
                body = {
                    "serviceId": str(services[s.region][0]),
                    "answers": kk_answers(services[s.region][1], s, regions[s.region]),
                    "documentIds": [str(d) for d in s.documents],
                }
                r = await client.post(
                    "/api/v1/applications", json=body, headers={**auth, "Idempotency-Key": uuid.uuid4().hex}
                )
                if r.status_code != 201:
                    raise RuntimeError(f"submit answered {r.status_code}: {r.text[:300]}")
                sub_id = sub["endpoint"].rsplit("/", 1)[-1]
                applications.append((s, r.json()["id"], sub_id, r.json()["version"]))
            # Each citizen got "submitted"; from here each decision is the n-th push of its device.
            for _s, _app, sub_id, _v in applications:
                got = push.ask("wait", (sub_id, 1, 30))
                if isinstance(got, str):
                    raise RuntimeError(f"the 'submitted' push did not arrive: {got}")
            say(f"latency: {len(applications) * 2} decisions, one at a time …")
            samples, after, http = [], [], []
            wrong = 0
            for step, (action, reason) in enumerate(
                (("start_review", None), ("request_correction", "Foto KK buram, mohon unggah ulang."))
            ):
                for i, (s, app_id, sub_id, version) in enumerate(applications):
                    officer = officers[s.region]
                    began = time.monotonic()
                    r = await client.post(
                        f"/api/v1/officer/applications/{app_id}/decision",
                        json={"action": action, "reason": reason, "version": version},
                        headers={"Authorization": f"Bearer {officer}"},
                    )
                    answered = time.monotonic()
                    if r.status_code != 200:
                        raise RuntimeError(f"decision answered {r.status_code}: {r.text[:300]}")
                    applications[i] = (s, app_id, sub_id, r.json()["version"])
                    got = push.ask("wait", (sub_id, step + 2, 30))
                    if isinstance(got, str):
                        raise RuntimeError(f"no push after the decision: {got}")
                    at, message = got
                    if app_id not in message["url"]:
                        wrong += 1
                    samples.append(at - began)
                    after.append(at - answered)
                    http.append(answered - began)
                    await asyncio.sleep(0.02)  # decisions a moment apart, as officers make them
        return Latency(len(samples), samples, after, http, wrong, server.settings_shown())
    finally:
        server.stop()


async def officer_tokens(conn: asyncpg.Connection, data_dir: Path, regions: set[str]) -> dict[str, str]:
    """An officer of each region's civil registry, signed in with a passkey (a real session row)."""
    from api.accounts.service import create_account
    from api.app import _state_for
    from api.auth.service import start_session
    from api.config import reload_settings

    issuer = _state_for(reload_settings())["issuer"]
    tokens = {}
    for n, region in enumerate(sorted(regions)):
        phone = f"+62897{uuid.uuid4().int % 1000:03d}{n:05d}"
        await create_account(conn, role="officer", phone=phone, agency="DISDUKCAPIL", region=region)
        account = await conn.fetchval("SELECT id FROM accounts_account WHERE phone = $1", phone)
        pair = await start_session(
            conn, issuer, account=account, kind="staff", amr=["otp", "passkey"], scope="api",
            user_agent="push-bench", ip="127.0.0.1",
        )  # fmt: skip
        tokens[region] = pair.access_token
    return tokens


# --- report -------------------------------------------------------------------------------------------------


def table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(rows: Sequence[Sequence[str]]) -> str:
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join("---" for _ in rows[0]) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(out)


def report(base: Baseline, fan: FanOut | None, lat: Latency | None, args: argparse.Namespace, db: str) -> int:
    rows = [["measure", "value", "baseline (same run)", "ratio", "target", "result"]]
    rows.append(["webpush: encrypt only, 1 core", f"{base.encrypt_per_s:,.0f}/s", "-", "-", "-", "-"])
    rows.append(["webpush: WebPush.get (encrypt + sign), 1 core", f"{base.get_per_s:,.0f}/s", "-", "-", "-", "-"])
    failed = False
    if fan is not None:
        ok = fan.rate >= TARGET_PUSHES_PER_S and fan.received == fan.pushes and not fan.duplicates
        ok = ok and not fan.wrong_device and fan.processed == fan.messages
        failed |= not ok
        rows.append([
            f"fan-out, one `mpp worker` ({fan.pushes:,} pushes)", f"{fan.rate:,.0f}/s",
            f"{base.encrypt_per_s:,.0f}/s", f"{fan.rate / base.encrypt_per_s:.2f}",
            f"≥ {TARGET_PUSHES_PER_S:,.0f}/s", "pass" if ok else "FAIL",
        ])  # fmt: skip
    if lat is not None:
        p99 = lat.pct(lat.samples_s, 99)
        ok = p99 < TARGET_P99_S and not lat.wrong
        failed |= not ok
        for label, p in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100)):
            rows.append([
                f"decision → push arrived, {label} ({lat.decisions} decisions)",
                f"{lat.pct(lat.samples_s, p) * 1000:,.0f} ms",
                f"{lat.pct(lat.http_s, p) * 1000:,.0f} ms (the decision request)", "-",
                f"< {TARGET_P99_S * 1000:,.0f} ms" if label == "p99" else "-",
                ("pass" if ok else "FAIL") if label == "p99" else "-",
            ])  # fmt: skip
    print(table(rows))
    notes = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {cpu_model()}; Python {platform.python_version()}"
    ]
    notes.append(f"Database: {db}")
    if fan is not None:
        notes.append(
            f"Fan-out: {fan.received:,}/{fan.pushes:,} pushes arrived, {fan.duplicates} duplicates, "
            f"{fan.wrong_device} to a wrong device, {fan.refused} refused by the push service; "
            f"{fan.processed:,}/{fan.messages:,} outbox rows marked processed; worker start to first push "
            f"{fan.startup_s:.1f} s; CPU: worker {fan.worker_cpu_s:.1f} s, fake push service "
            f"{fan.push_service_cpu_s:.1f} s (it decrypts and verifies every push, on the same 2 cores)."
        )
    if lat is not None:
        notes.append(
            f"Latency: decision answered → push arrived p50 {lat.pct(lat.after_response_s, 50) * 1000:.0f} ms, "
            f"p99 {lat.pct(lat.after_response_s, 99) * 1000:.0f} ms; {lat.wrong} pushes for a wrong application. "
            f"Server: {lat.server}."
        )
    for n in notes:
        print(n)
    if args.markdown:
        command = "DATABASE_URL=… .venv/bin/python bench/push_bench.py " + shlex.join(sys.argv[1:])
        Path(args.markdown).write_text(
            f"Command: `{command.strip()}`\n\n" + markdown(rows) + "\n\n" + "\n".join(f"- {n}" for n in notes) + "\n"
        )
    return 1 if failed else 0


# --- main ---------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL"), help="PostgreSQL server (default $DATABASE_URL)"
    )
    p.add_argument("--citizens", type=int, default=1000)
    p.add_argument("--devices", type=int, default=3)
    p.add_argument("--messages", type=int, default=3000)
    p.add_argument("--decisions", type=int, default=200)
    p.add_argument("--baseline-seconds", type=float, default=3.0)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--skip-fan-out", action="store_true")
    p.add_argument("--skip-latency", action="store_true")
    p.add_argument("--markdown", metavar="FILE")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.database_url:
        say("set DATABASE_URL or --database-url to a PostgreSQL server (the bench creates its own database)")
        return 2
    push = PushServiceProcess()
    try:
        with fresh_database(args.database_url) as url, tempfile.TemporaryDirectory(prefix="mpp-push-") as tmp:
            data_dir = Path(tmp)
            say(f"database {redact(url)}: migrating and loading the demo catalogue …")
            for command in (["migrate"], ["seed", "--demo"]):
                mpp_command(command, url, data_dir)
            os.environ.update({"MPP_DATA_DIR": str(data_dir), "DATABASE_URL": url, "MPP_ENV": "dev"})
            from api.config import reload_settings
            from api.notifications.vapid import load_vapid

            vapid = load_vapid(reload_settings())  # generated into the data folder; the worker reads the same
            say(f"baseline: the webpush package for {args.baseline_seconds:g} s each …")
            base = baseline(push, vapid.application_server_key, vapid.private_pem, args.baseline_seconds)
            key = vapid.application_server_key
            fan = None if args.skip_fan_out else fan_out(url, data_dir, push, key, args)
            lat = None if args.skip_latency else asyncio.run(latency(url, data_dir, push, args))
            version = asyncio.run(_admin(url))
            return report(base, fan, lat, args, f"PostgreSQL {version} at {redact(args.database_url)}")
    finally:
        push.stop()


if __name__ == "__main__":
    sys.exit(main())
