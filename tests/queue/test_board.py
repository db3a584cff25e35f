"""The display board's API: the board now, and its event stream fanned out through LISTEN/NOTIFY.

Calls are made through the officer's API (``POST /officer/queue/next``), whose transaction raises the NOTIFY. The
ticket it calls is put in the line directly (``waiting_ticket``): issuing one at the kiosk needs the building to be
open at the test's wall-clock hour and day, which the queue's own tests control; here the call and the board are
what is tested. Streams need a real HTTP server (httpx's in-process transport waits for a response's end), so the
session's app is also served by uvicorn in this event loop (``served``), and two real ``mpp serve`` processes on the
same database show that every process delivers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
import uvicorn
from litestar import Litestar

from api.queue.board import BoardHub
from api.queue.board import stream as board_stream
from tests.support.auth import bearer
from tests.support.board import AGENCY, COUNTER, REGION, waiting_ticket
from tests.support.factories import create_officer
from tests.support.server import Server, free_port, start_server

PROBLEM = "application/problem+json"


class Counter:
    """An officer at the board tests' counter."""

    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client, self.headers = client, bearer(token)

    async def call(self, expected: str) -> float:
        """Call the next ticket (it must be ``expected``), finish it; the moment the call's answer came."""
        opened = await self.client.post(f"/api/v1/officer/queue/counters/{COUNTER}/open", headers=self.headers)
        assert opened.status_code == 200, opened.text
        called = await self.client.post("/api/v1/officer/queue/next", json={"counter": COUNTER}, headers=self.headers)
        answered = time.monotonic()
        assert called.status_code == 200, called.text
        assert called.json()["number"] == expected
        done = await self.client.post(f"/api/v1/officer/queue/tickets/{called.json()['id']}/done", headers=self.headers)
        assert done.status_code == 200, done.text
        return answered


@pytest_asyncio.fixture(loop_scope="session")
async def counter(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> Counter:
    return Counter(client, await create_officer(db, app, agency=AGENCY, region=REGION))


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def served(app: Litestar) -> AsyncIterator[str]:
    """The session's app (its lifespan already entered) served over real HTTP in this event loop."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


class Events:
    """A server-sent event stream, read event by event (comments counted as heartbeats). A task of its own reads the
    lines, so that a reader's timeout never cancels the read half-way (which would end the line iterator)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.retry: int | None = None
        self.heartbeats = 0
        self.pings = 0
        self._events: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        event: dict[str, Any] = {}
        try:
            async for line in self.response.aiter_lines():
                if line == "":
                    if event.get("event") == "ping":
                        self.pings += 1
                    elif "data" in event:
                        await self._events.put(event)
                    event = {}
                elif line.startswith(":"):
                    self.heartbeats += 1
                else:
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if name == "retry":
                        self.retry = int(value)
                    elif name == "data":
                        event["data"] = json.loads(value)
                    else:
                        event[name] = value
        except httpx.HTTPError:
            pass
        finally:
            await self._events.put(None)

    async def next(self, within: float) -> dict[str, Any]:
        event = await asyncio.wait_for(self._events.get(), within)
        if event is None:
            raise EOFError("the stream ended")
        return event

    async def until(self, number: str, within: float) -> dict[str, Any]:
        """The first board event that shows ``number`` called."""
        deadline = time.monotonic() + within
        while True:
            event = await self.next(max(deadline - time.monotonic(), 0.001))
            if any(c["number"] == number for c in event["data"]["calls"]):
                return event

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self.response.aclose()


async def open_stream(
    http: httpx.AsyncClient, base: str, *, region: str = REGION, headers: dict[str, str] | None = None
) -> tuple[httpx.Response, Events]:
    request = http.build_request(
        "GET",
        f"{base}/api/v1/regions/{region}/queue/board/events",
        headers={"Accept": "text/event-stream", **(headers or {})},
    )
    response = await http.send(request, stream=True)
    return response, Events(response)


def hub(app: Litestar) -> BoardHub:
    board: BoardHub = app.state.board
    return board


async def eventually(check: Any, within: float = 10) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


# ------------------------------------------------------------------------------------------------ the board now


async def test_the_board_shows_the_call_and_who_waits(
    client: httpx.AsyncClient, db: asyncpg.Connection, counter: Counter
) -> None:
    waiting = await waiting_ticket(db)
    before = (await client.get(f"/api/v1/regions/{REGION}/queue/board")).json()
    pln = next(a for a in before["waiting"]["agencies"] if a["code"] == AGENCY)
    assert pln["waiting"] >= 1 and before["waiting"]["total"] >= pln["waiting"]
    await counter.call(waiting)

    response = await client.get(f"/api/v1/regions/{REGION}/queue/board")
    assert response.status_code == 200
    board = response.json()
    assert response.headers["etag"] == f'"{board["version"]}"'
    assert board["region"]["code"] == REGION and board["mpp"]
    call = next(c for c in board["calls"] if c["number"] == waiting)
    assert call["counter"] == COUNTER and call["kind"] == "call"
    assert call["callout"] == f"Nomor antrean Q {spoken_seq(waiting)}, silakan ke loket A dua puluh lima"
    assert call["at"].endswith("+07:00")  # the region's clocks
    times = [c["at"] for c in board["calls"]]
    assert times == sorted(times, reverse=True)
    # The latest call at each counter is there, once.
    counters = [c["counter"] for c in board["calls"]]
    assert board["calls"][counters.index(COUNTER)]["number"] == waiting
    english = (await client.get(f"/api/v1/regions/{REGION}/queue/board?lang=en")).json()
    assert next(c for c in english["calls"] if c["number"] == waiting)["callout"].startswith("Ticket Q ")


def spoken_seq(number: str) -> str:
    from api.queue.callout import number_words

    return " ".join(number_words(int(number.split("-")[1])))


async def test_an_unknown_region_or_language_is_refused(client: httpx.AsyncClient) -> None:
    for path in (
        "/api/v1/regions/9999/queue/board",
        "/api/v1/regions/9999/queue/board/events",
        "/api/v1/regions/x/queue/board",
    ):
        response = await client.get(path, headers={"Accept": "text/event-stream"})
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith(PROBLEM)
    assert (await client.get(f"/api/v1/regions/{REGION}/queue/board?lang=fr")).status_code == 400


async def test_a_client_that_does_not_ask_for_a_stream_gets_one_board(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/api/v1/regions/{REGION}/queue/board/events")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    text = response.text
    assert text.startswith("retry: ") and text.count("event: board") == 1


# ------------------------------------------------------------------------------------------------------ streams


async def test_a_call_reaches_the_stream_within_two_seconds(
    served: str, db: asyncpg.Connection, counter: Counter
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        response, events = await open_stream(http, served)
        try:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers.get("content-encoding") is None  # never gzip-buffered
            first = await events.next(5)
            assert events.retry == 3000
            assert first["event"] == "board" and first["id"] == first["data"]["version"]
            number = await waiting_ticket(db)
            answered = await counter.call(number)
            event = await events.until(number, 2)
            assert time.monotonic() - answered < 2
            assert event["data"]["calls"][0]["number"] == number
        finally:
            await events.close()


async def test_reconnecting_with_the_last_event_id_resumes(
    served: str, db: asyncpg.Connection, counter: Counter
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        _, events = await open_stream(http, served)
        current = (await events.next(5))["id"]
        await events.close()
        # Nothing changed: the board is not sent again, only what happens from now on.
        _, events = await open_stream(http, served, headers={"Last-Event-ID": current})
        try:
            with pytest.raises(TimeoutError):
                await events.next(1)
            number = await waiting_ticket(db)
            await counter.call(number)
            assert (await events.until(number, 5))["id"] != current
        finally:
            await events.close()
        # An id of a board that is no longer current: the whole board at once.
        _, events = await open_stream(http, served, headers={"Last-Event-ID": current})
        try:
            assert any(c["number"] == number for c in (await events.next(5))["data"]["calls"])
        finally:
            await events.close()


async def test_a_closed_stream_gives_back_its_place(served: str, app: Litestar) -> None:
    board = hub(app)
    before = board.streams
    async with httpx.AsyncClient(timeout=30) as http:
        streams = [await open_stream(http, served, region="3510") for _ in range(3)]
        for _, events in streams:
            await events.next(5)
        assert board.streams == before + 3
        assert ("3510", "id") in board._channels
        for _, events in streams:
            await events.close()
    await eventually(lambda: board.streams == before)
    # Nobody watches 3510 any more: its channel (and its reads) stopped.
    assert ("3510", "id") not in board._channels


async def test_streams_are_limited_per_address_and_per_process(served: str, app: Litestar) -> None:
    board = hub(app)
    limits = board.max_streams, board.max_per_ip
    async with httpx.AsyncClient(timeout=30) as http:
        opened: list[Events] = []
        try:
            board.max_per_ip = board._per_ip.get("127.0.0.1", 0) + 2
            for _ in range(2):
                _, events = await open_stream(http, served)
                opened.append(events)
                await events.next(5)
            refused = await http.get(
                f"{served}/api/v1/regions/{REGION}/queue/board/events", headers={"Accept": "text/event-stream"}
            )
            assert refused.status_code == 429
            assert refused.headers["content-type"].startswith(PROBLEM)
            assert refused.json()["code"] == "too_many_streams" and refused.headers["retry-after"]
            board.max_per_ip, board.max_streams = limits[1], board.streams
            refused = await http.get(
                f"{served}/api/v1/regions/{REGION}/queue/board/events", headers={"Accept": "text/event-stream"}
            )
            assert refused.status_code == 429
        finally:
            board.max_streams, board.max_per_ip = limits
            for events in opened:
                await events.close()


async def test_a_dropped_listen_connection_comes_back_with_a_fresh_board(
    served: str, app: Litestar, db: asyncpg.Connection, counter: Counter
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        _, events = await open_stream(http, served)
        try:
            await events.next(5)
            number = await waiting_ticket(db)
            await counter.call(number)
            await events.until(number, 5)
            # A call recorded without a NOTIFY (as one made while this process's listener is away would reach it):
            # nothing tells the board; only the fresh read after the listener reconnects can bring it.
            ticket, counter_id = await db.fetchrow(
                "SELECT ticket, counter FROM queue_call WHERE number = $1 AND region = $2", number, REGION
            )
            await db.execute(
                """INSERT INTO queue_call (ticket, region, counter, counter_number, number, kind, at)
                   VALUES ($1, $2, $3, $4, $5, 'recall', now())""",
                ticket,
                REGION,
                counter_id,
                COUNTER,
                number,
            )
            dropped = await db.fetchval(
                """SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                   WHERE application_name = 'mpp-board-listener' AND datname = current_database()"""
            )
            assert dropped >= 1
            event = await asyncio.wait_for(_until_recall(events, number), 15)
            assert event["data"]["calls"][0]["kind"] == "recall"
            assert hub(app).listening.is_set()
        finally:
            await events.close()


async def _until_recall(events: Events, number: str) -> dict[str, Any]:
    while True:
        event = await events.next(15)
        first = event["data"]["calls"][0]
        if first["number"] == number and first["kind"] == "recall":
            return event


# ------------------------------------------------------------------------------------------------ two processes


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[list[Server]]:
    """Two `mpp serve` processes on the session's database, as two machines behind a load balancer would be."""
    servers = [start_server(tmp_path_factory.mktemp("board") / "var", database_url=database_url) for _ in range(2)]
    try:
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()


async def test_every_process_delivers_the_call(
    two_servers: list[Server], db: asyncpg.Connection, counter: Counter
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        streams = [await open_stream(http, server.url) for server in two_servers]
        try:
            for _, events in streams:
                await events.next(10)
            number = await waiting_ticket(db)
            # The call is made through a third process (the test's own app): only the database connects them.
            answered = await counter.call(number)
            for _, events in streams:
                await events.until(number, 2)
            assert time.monotonic() - answered < 2
        finally:
            for _, events in streams:
                await events.close()


def test_the_server_logs_no_board_errors(two_servers: list[Server]) -> None:
    for server in two_servers:
        log = Path(server.log).read_text()
        assert "board listener" not in log and "Traceback" not in log, log[-2000:]


async def test_a_quiet_stream_sends_heartbeats(app: Litestar) -> None:
    """Between changes, a comment (for proxies) and a `ping` event (for the page's watchdog) at each interval."""
    subscription = hub(app).subscribe(REGION, "id", "10.99.0.1")
    chunks = board_stream(subscription, heartbeat=0.2)
    try:
        assert await anext(chunks) == b"retry: 3000\n\n"
        assert (await asyncio.wait_for(anext(chunks), 5)).startswith(b"id: ")
        beat = await asyncio.wait_for(anext(chunks), 2)
        assert beat == b": ping\nevent: ping\ndata: {}\n\n"
    finally:
        await chunks.aclose()
    assert subscription.closed
