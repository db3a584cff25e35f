"""Signed webhooks: deliveries per second of one worker, and the delay from the event to the receiver.

In one run, against a fresh database (migrated, demo catalogue) and a local receiver in a process of its own
(aiohttp; it verifies every signature with the ``standardwebhooks`` package, as an agency's receiver would):

1. **Baseline** — bare aiohttp POSTs of the same body to the same receiver, same concurrency, no database: the
   rate this machine's client and receiver allow at all.
2. **Throughput** — ENDPOINTS endpoints of one agency; events already waiting in the outbox (document reviews, each
   fanning out to every endpoint), then one webhook worker (``api.webhooks.worker``): deliveries per second from
   its start to the last arrival (target ≥ 1,000/s), and the ratio to the baseline.
3. **Latency** — the worker idle and listening; events written one at a time (each in its own transaction, as a
   change would), each fanning out to the ENDPOINTS endpoints: from the event's commit time (the body's
   ``timestamp``) to its arrival, p50/p99/max (target p99 < 2 s).

    .venv/bin/python bench/webhook_bench.py [--database-url URL] [--endpoints 20] [--events 250] [--latency-events 100]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import multiprocessing
import multiprocessing.connection
import os
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp
import asyncpg
from http_bench import cpu_model, fresh_database, percentile

TARGET_PER_S = 1000.0
TARGET_P99_S = 2.0
AGENCY, REGION = "DISDUKCAPIL", "3302"
CONCURRENCY = 100


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- the receiver, in a process of its own ------------------------------------------------------------------


def _receiver_main(pipe: multiprocessing.connection.Connection, secrets: dict[str, str]) -> None:
    from aiohttp import web
    from standardwebhooks import Webhook

    hooks = {name: Webhook(secret) for name, secret in secrets.items()}
    arrivals: list[tuple[float, float]] = []  # (arrival, event time)
    bad = [0]

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        name = request.match_info["name"]
        if name == "bare":
            arrivals.append((time.time(), 0.0))
            return web.Response(status=204)
        try:
            event = hooks[name].verify(body, dict(request.headers))
        except Exception:
            bad[0] += 1
            return web.Response(status=401)
        at = dt.datetime.fromisoformat(event["timestamp"]).timestamp()
        arrivals.append((time.time(), at))
        return web.Response(status=204)

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/hook/{name}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        pipe.send(runner.addresses[0][1])
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, pipe.recv)
            if command == "take":
                pipe.send((list(arrivals), bad[0]))
                arrivals.clear()
                bad[0] = 0
            elif command == "stop":
                break
        await runner.cleanup()

    asyncio.run(main())


class Receiver:
    def __init__(self, secrets: dict[str, str]) -> None:
        self.pipe, child = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("spawn").Process(
            target=_receiver_main, args=(child, secrets), daemon=True
        )
        self.process.start()
        self.port: int = self.pipe.recv()
        self.kept: list[tuple[float, float]] = []
        self.bad = 0

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/hook/{name}"

    def take(self) -> tuple[list[tuple[float, float]], int]:
        self.pipe.send("take")
        taken: tuple[list[tuple[float, float]], int] = self.pipe.recv()
        return taken

    def count(self) -> int:
        """Arrivals so far, kept in ``kept`` (refused ones counted in ``bad``)."""
        arrivals, bad = self.take()
        self.kept.extend(arrivals)
        self.bad += bad
        return len(self.kept)

    def restart(self) -> None:
        self.take()
        self.kept, self.bad = [], 0

    def stop(self) -> None:
        self.pipe.send("stop")
        self.process.join(10)


# --- the measurements ---------------------------------------------------------------------------------------


async def bare_rate(url: str, body: bytes, total: int) -> float:
    """Bare POSTs per second at CONCURRENCY in flight."""
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as http:
        left = [total]

        async def one_lane() -> None:
            while left[0] > 0:
                left[0] -= 1
                async with http.post(url, data=body, headers={"content-type": "application/json"}) as answer:
                    await answer.read()

        started = time.perf_counter()
        await asyncio.gather(*(one_lane() for _ in range(CONCURRENCY)))
        return total / (time.perf_counter() - started)


async def wait_until(done: Callable[[], bool], seconds: float) -> None:
    deadline = time.time() + seconds
    for _ in itertools.count():
        if done() or time.time() > deadline:
            return
        await asyncio.sleep(0.05)


async def write_events(conn: asyncpg.Connection, count: int, *, one_per_transaction: bool = False) -> None:
    """Document reviews by the agency: the wallet's history row, and the event through ``enqueue`` (its hook)."""
    from api.outbox.service import enqueue

    for _ in range(count):
        document = uuid.uuid4()
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO wallet_document_event (document, at, action, detail) VALUES ($1, now(), 'verified', $2)",
                document,
                json.dumps({"agency": AGENCY}),
            )
            await enqueue(
                conn,
                topic="document.verified",
                recipient=None,
                subject=document,
                payload={"document": str(document), "documentType": {"id": "KTP", "en": "ID card"}, "region": REGION},
            )
        if one_per_transaction:
            await asyncio.sleep(0.1)


async def run(database_url: str, endpoints: int, events: int, latency_events: int) -> dict[str, Any]:
    os.environ["MPP_DATABASE_DSN"] = database_url
    from api.bootstrap import prepare_database
    from api.lib.crypto import MasterKey, MasterKeys
    from api.outbox import consumer
    from api.webhooks import service
    from api.webhooks.worker import CHANNEL, WebhookWorker, http_session

    await prepare_database(database_url, seed_demo_if_empty=True)
    keys = MasterKeys(MasterKey.generate())
    conn = await asyncpg.connect(database_url)
    names = [f"e{n}" for n in range(endpoints)]
    secrets = {name: service.new_secret() for name in names}
    receiver = Receiver(secrets)
    try:
        for name in names:
            endpoint, _ = await service.create(
                conn,
                keys,
                service.Actor(id=None, scope=None),
                agency=AGENCY,
                region=REGION,
                url=receiver.url(name),
                test_hosts=("127.0.0.1",),
            )
            # The receiver was started with its own secrets: give the endpoint the receiver's (same sealing path).
            sealed, key_id = service.seal_secrets(endpoint.id, {"current": secrets[name], "previous": None}, keys)
            await conn.execute(
                "UPDATE webhooks_endpoint SET secrets_sealed = $2, secrets_key = $3 WHERE id = $1",
                endpoint.id,
                sealed,
                key_id,
            )
        total = events * endpoints
        sample = b'{"type":"document.verified","timestamp":"2026-12-05T00:00:00+00:00","data":{"document":"' + (
            str(uuid.uuid4()).encode() + b'","region":"3302"}}'
        )
        say(f"baseline: {total} bare POSTs …")
        bare = await bare_rate(receiver.url("bare"), sample, total)
        receiver.restart()
        say(f"throughput: {events} events × {endpoints} endpoints waiting …")
        await write_events(conn, events)
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
        stop = asyncio.Event()
        async with http_session(("127.0.0.1",)) as http:
            worker = WebhookWorker(pool, keys, http=http, test_hosts=("127.0.0.1",))
            started = time.time()
            loop = asyncio.create_task(
                consumer.consume(database_url, stop, worker.run_once, name="bench", channel=CHANNEL, poll_seconds=1.0)
            )
            await wait_until(lambda: receiver.count() >= total, 300)
            arrivals = list(receiver.kept)
            rate = len(arrivals) / (max(a for a, _ in arrivals) - started)
            bad = receiver.bad
            say(f"latency: {latency_events} events, one at a time …")
            receiver.restart()
            await write_events(conn, latency_events, one_per_transaction=True)
            await wait_until(lambda: receiver.count() >= latency_events * endpoints, 60)
            delays = sorted(a - at for a, at in receiver.kept)
            bad += receiver.bad
            stop.set()
            await loop
        await pool.close()
        undelivered = await conn.fetchval("SELECT count(*) FROM webhooks_delivery WHERE status <> 'delivered'")
        return {
            "bare": bare,
            "rate": rate,
            "delivered": len(arrivals),
            "total": total,
            "delays": delays,
            "expected_latency": latency_events * endpoints,
            "bad": bad,
            "undelivered": undelivered,
        }
    finally:
        receiver.stop()
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1/postgres")
    )
    parser.add_argument("--endpoints", type=int, default=20)
    parser.add_argument("--events", type=int, default=250)
    parser.add_argument("--latency-events", type=int, default=100)
    args = parser.parse_args()
    with fresh_database(args.database_url) as database_url:
        got = asyncio.run(run(database_url, args.endpoints, args.events, args.latency_events))
    delays = got["delays"]
    p50, p99 = percentile(delays, 50), percentile(delays, 99)
    print(f"machine: {cpu_model()}; {args.endpoints} endpoints, {CONCURRENCY} requests in flight, receiver verifies")
    print()
    print("| measure | value | baseline | ratio | target | verdict |")
    print("|---|---|---|---|---|---|")
    print(f"| bare aiohttp POST to the receiver | {got['bare']:.0f} req/s | — | 1.00 | — | — |")
    ok = got["rate"] >= TARGET_PER_S and got["delivered"] == got["total"] and not got["bad"]
    print(
        f"| webhook deliveries, one worker ({got['delivered']}/{got['total']}, {got['bad']} refused) | "
        f"{got['rate']:.0f} /s | {got['bare']:.0f} req/s | {got['rate'] / got['bare']:.2f} | "
        f"≥ {TARGET_PER_S:.0f}/s | {'PASS' if ok else 'FAIL'} |"
    )
    ok = p99 < TARGET_P99_S and len(delays) == got["expected_latency"]
    print(
        f"| event → receipt ({len(delays)}/{got['expected_latency']} deliveries) | p50 {p50 * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms, max {(delays[-1] if delays else 0) * 1000:.0f} ms | — | — | "
        f"p99 < {TARGET_P99_S:.0f} s | {'PASS' if ok else 'FAIL'} |"
    )
    print(f"\nnot delivered at the end: {got['undelivered']}")


if __name__ == "__main__":
    main()
