"""The display board: what a region's board shows (``read_board``), and the per-process fan-out that keeps every
connected board current (``BoardHub``).

Every transaction that calls, recalls, issues or transfers a ticket runs ``pg_notify('queue_board', <region>)``
(delivered at commit). Each API process holds **one** connection that LISTENs on that channel — not one per board —
and feeds an in-process broadcaster keyed by region and language. On a notification the region's board is read
once (from the pool) and the encoded event is handed to every board of that region in this process: a burst of
calls costs at most one read per region every ``min_interval`` (100 ms), however many boards watch it. Several
API processes on several machines each LISTEN, so a call made through any of them reaches every board.

Notifications sent while the LISTEN connection is down are lost, so a reconnect (``api.lib.listener``, with backoff
and jitter) re-reads every watched board and pushes it. A board's event id is a digest of what it shows
(the same in every process), so a board reconnecting with ``Last-Event-ID`` to any process gets nothing new when it
is already current, and the whole board otherwise.

Streams are bounded per process and per client address (429 beyond); a stream's subscription is released
synchronously when the client goes away (no await in the cleanup path: Litestar cancels the stream's task group on
disconnect, and an await there would be cancelled again — litestar#3772).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
import random
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

import asyncpg
import msgspec

from api.catalogue.service import get_region
from api.lib.errors import DomainError
from api.lib.language import Lang
from api.lib.listener import ChannelListener
from api.lib.wire import Struct
from api.queue import rules
from api.queue.callout import callout_text
from api.queue.schemas import BoardWaiting, Ref
from api.queue.tickets import board_waiting

log = logging.getLogger(__name__)

CHANNEL = "queue_board"
# How many of the day's latest calls the board lists (besides the latest call at each counter).
RECENT_CALLS = 10
# The defaults of the limits; `mpp serve` passes its typed settings (api.config.BoardSettings, MPP_BOARD_*).
MAX_STREAMS = 2000
# A building's TVs usually share one public address (NAT): room for many, not for one client opening thousands.
MAX_STREAMS_PER_IP = 50
HEARTBEAT_SECONDS = 15.0
# The browser's reconnection delay after a dropped stream (the SSE `retry:` field), in milliseconds.
RETRY_MS = 3000
# A stream ends after this long (with jitter) and the browser reconnects at once, possibly to another process:
# boards spread over processes added since, and nothing lives forever on a socket nobody checks.
MAX_STREAM_SECONDS = 1800.0


class TooManyStreamsError(DomainError):
    """429: this process (or this client address) already has as many board streams as it serves."""

    status = 429
    code = "too_many_streams"


class BoardCall(Struct):
    """A call on the board: ``id`` orders calls and tells a new one (the board flashes and speaks it once)."""

    id: int
    number: str
    counter: str
    at: dt.datetime
    kind: str  # call | recall
    # What the board says, in the board's language ("Nomor antrean A dua belas, silakan ke loket A tiga").
    callout: str


class Board(Struct):
    region: Ref
    mpp: str | None
    # Newest first: the latest call at each counter today and the day's last few calls.
    calls: list[BoardCall]
    waiting: BoardWaiting
    as_of: dt.datetime
    # A digest of calls and waiting: the SSE event id (equal in every process for the same state).
    version: str


_CALLS = """
WITH today AS (
    SELECT id, number, counter_number, kind, at FROM queue_call WHERE region = $1 AND at >= $2)
SELECT * FROM (
    (SELECT DISTINCT ON (counter_number) * FROM today ORDER BY counter_number, at DESC, id DESC)
    UNION
    (SELECT * FROM today ORDER BY at DESC, id DESC LIMIT $3)) calls
ORDER BY at DESC, id DESC
"""


@dataclass
class _Header:
    name: str
    mpp: str | None
    until: float


_headers: dict[tuple[str, Lang], _Header] = {}
# Region names and buildings change rarely; a board need not read them on every call.
_HEADER_SECONDS = 300.0


async def _header(conn: asyncpg.Connection, region: str, lang: Lang) -> _Header:
    now = asyncio.get_running_loop().time()
    cached = _headers.get((region, lang))
    if cached is not None and cached.until > now:
        return cached
    detail = await get_region(conn, region, lang)  # 404 for an unknown region
    header = _Header(name=detail.name, mpp=detail.mpp.name if detail.mpp else None, until=now + _HEADER_SECONDS)
    _headers[(region, lang)] = header
    return header


async def read_board(conn: asyncpg.Connection, *, region: str, lang: Lang, now: dt.datetime) -> Board:
    """The region's board now: today's calls (the latest at each counter and the last few) and who waits."""
    header = await _header(conn, region, lang)
    day = rules.local_today(region, now)
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=rules.time_zone(region))
    rows = await conn.fetch(_CALLS, region, midnight, RECENT_CALLS)
    calls = [
        BoardCall(
            id=r["id"],
            number=r["number"],
            counter=r["counter_number"],
            at=rules.local(region, r["at"]),
            kind=r["kind"],
            callout=callout_text(r["number"], r["counter_number"], lang),
        )
        for r in rows
    ]
    waiting = await board_waiting(conn, region=region, day=day, lang=lang)
    digest = hashlib.sha256(msgspec.json.encode([calls, waiting, header.name, header.mpp])).hexdigest()[:16]
    return Board(
        region=Ref(code=region, name=header.name),
        mpp=header.mpp,
        calls=calls,
        waiting=waiting,
        as_of=rules.local(region, now),
        version=digest,
    )


def sse_frame(board: Board) -> bytes:
    """The board as one server-sent event (JSON has no line breaks, so one ``data:`` line)."""
    return b"id: " + board.version.encode() + b"\nevent: board\ndata: " + msgspec.json.encode(board) + b"\n\n"


# A comment keeps proxies from closing a quiet connection; the tiny `ping` event beside it lets the page notice a
# stream that died silently (EventSource never shows comments to scripts).
HEARTBEAT = b": ping\nevent: ping\ndata: {}\n\n"
PREAMBLE = f"retry: {RETRY_MS}\n\n".encode()


# --- fan-out -----------------------------------------------------------------------------------------------------

Acquire = Callable[[], AbstractAsyncContextManager[asyncpg.Connection]]


class Subscription:
    """One board's stream: holds only the latest event (a board shows a state, so a slow client skips states it
    had no time to show, never queues them)."""

    def __init__(self, hub: BoardHub, channel: _Channel, ip: str, known: str | None = None) -> None:
        self._hub, self.channel, self.ip = hub, channel, ip
        # The version the client already shows (its Last-Event-ID): not sent again.
        self.known = known
        self._latest: tuple[str, bytes] | None = None
        self._ready = asyncio.Event()
        self.closed = False

    def offer(self, version: str, frame: bytes) -> None:
        if version == self.known:
            return
        self.known = version
        self._latest = (version, frame)
        self._ready.set()

    async def next(self, wait: float) -> bytes | None:
        """The next event, or None when ``wait`` seconds pass without one (time for a heartbeat)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), wait)
        if self._latest is None:
            return None
        self._ready.clear()
        frame = self._latest[1]
        self._latest = None
        return frame

    def close(self) -> None:
        """Release the stream's place (idempotent, synchronous: safe in a cancelled task's cleanup)."""
        if not self.closed:
            self.closed = True
            self._hub._release(self)


@dataclass(eq=False)
class _Channel:
    region: str
    lang: Lang
    subscribers: set[Subscription] = field(default_factory=set)
    board: Board | None = None
    frame: bytes | None = None
    dirty: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class BoardHub(ChannelListener):
    """Per-process: one LISTEN connection, one channel per watched (region, language), the stream limits."""

    channel = CHANNEL
    # Quiet for a while: make sure the connection is really there (a half-open socket is not).
    keepalive_seconds = 30.0
    application_name = "mpp-board-listener"
    jitter = 0.5

    def __init__(
        self,
        dsn: str,
        acquire: Acquire,
        *,
        max_streams: int = MAX_STREAMS,
        max_per_ip: int = MAX_STREAMS_PER_IP,
        heartbeat: float = HEARTBEAT_SECONDS,
        lifetime: float = MAX_STREAM_SECONDS,
        min_interval: float = 0.1,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        super().__init__(dsn)
        self._acquire, self._now = acquire, now
        self.max_streams, self.max_per_ip, self.min_interval = max_streams, max_per_ip, min_interval
        # What each stream of this hub uses (``stream``'s heartbeat and lifetime).
        self.heartbeat, self.lifetime = heartbeat, lifetime
        self._channels: dict[tuple[str, Lang], _Channel] = {}
        self._per_ip: dict[str, int] = {}
        self.streams = 0
        self.reads = 0  # board reads made by the channels (a measure of the coalescing)
        self.listening = asyncio.Event()

    # -- life ----------------------------------------------------------------------------------------------------

    async def stop(self) -> None:
        tasks = [c.task for c in self._channels.values() if c.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await super().stop()

    async def reload(self, conn: asyncpg.Connection) -> None:
        """(Re)connected: whatever changed while nobody listened was not announced, so every watched board is read
        again."""
        self.listening.set()
        for channel in self._channels.values():
            channel.dirty.set()

    def disconnected(self) -> None:
        self.listening.clear()

    def notified(self, payload: str) -> None:
        """A call in the region the payload names (every region when empty): its boards are read again."""
        for (region, _lang), channel in self._channels.items():
            if not payload or region == payload:
                channel.dirty.set()

    # -- boards --------------------------------------------------------------------------------------------------

    async def board(self, region: str, lang: Lang) -> Board:
        """The board now: the channel's copy when boards of this process watch it and it is kept current,
        else read."""
        channel = self._channels.get((region, lang))
        if channel is not None and channel.board is not None and self.listening.is_set() and not channel.dirty.is_set():
            return msgspec.structs.replace(channel.board, as_of=rules.local(region, self._now()))
        async with self._acquire() as conn:
            return await read_board(conn, region=region, lang=lang, now=self._now())

    def subscribe(self, region: str, lang: Lang, ip: str, last_event_id: str | None = None) -> Subscription:
        """A place for one stream (429 beyond the limits); its first event is the board, unless ``last_event_id``
        names the board as it is now."""
        if self.streams >= self.max_streams:
            raise TooManyStreamsError(
                "This server has as many board streams as it serves; try again shortly.", headers={"Retry-After": "30"}
            )
        if self._per_ip.get(ip, 0) >= self.max_per_ip:
            raise TooManyStreamsError("Too many board streams from this address.", headers={"Retry-After": "60"})
        channel = self._channels.get((region, lang))
        if channel is None:
            channel = _Channel(region=region, lang=lang)
            self._channels[(region, lang)] = channel
            channel.dirty.set()
            channel.task = asyncio.create_task(self._refresh(channel), name=f"board-{region}-{lang}")
        subscription = Subscription(self, channel, ip, known=last_event_id)
        channel.subscribers.add(subscription)
        self.streams += 1
        self._per_ip[ip] = self._per_ip.get(ip, 0) + 1
        if channel.board is not None and channel.frame is not None:
            subscription.offer(channel.board.version, channel.frame)
        return subscription

    def _release(self, subscription: Subscription) -> None:
        channel = subscription.channel
        channel.subscribers.discard(subscription)
        self.streams -= 1
        left = self._per_ip.get(subscription.ip, 1) - 1
        if left:
            self._per_ip[subscription.ip] = left
        else:
            self._per_ip.pop(subscription.ip, None)
        if not channel.subscribers and self._channels.get((channel.region, channel.lang)) is channel:
            # Nobody watches this region here any more: stop reading it.
            del self._channels[(channel.region, channel.lang)]
            if channel.task is not None:
                channel.task.cancel()

    async def _refresh(self, channel: _Channel) -> None:
        """Read the channel's board whenever it is marked dirty — at once for the first change, then at most once
        per ``min_interval`` (changes meanwhile are folded into the next read) — and offer it to every stream."""
        while True:
            await channel.dirty.wait()
            channel.dirty.clear()
            try:
                async with self._acquire() as conn:
                    board = await read_board(conn, region=channel.region, lang=channel.lang, now=self._now())
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is away: keep the last board, try again soon
                log.warning("board %s: %s", channel.region, exc)
                channel.dirty.set()
                await asyncio.sleep(1.0)
                continue
            self.reads += 1
            if channel.board is None or board.version != channel.board.version:
                frame = sse_frame(board)
                channel.board, channel.frame = board, frame
                for subscription in list(channel.subscribers):
                    subscription.offer(board.version, frame)
            await asyncio.sleep(self.min_interval)


async def stream(
    subscription: Subscription,
    *,
    once: bool = False,
    heartbeat: float = HEARTBEAT_SECONDS,
    lifetime: float = MAX_STREAM_SECONDS,
) -> AsyncIterator[bytes]:
    """The bytes of one board's event stream: the reconnection advice, then each board as it changes, a heartbeat
    comment when quiet. ``once``: end after the first board (a client that did not ask for an event stream)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + lifetime * (0.9 + random.random() / 5)  # noqa: S311 (not a secret)
    try:
        yield PREAMBLE
        while (remaining := deadline - loop.time()) > 0:
            frame = await subscription.next(min(heartbeat, remaining))
            if frame is None:
                if once:
                    continue
                yield HEARTBEAT
                continue
            yield frame
            if once:
                return
    finally:
        subscription.close()
