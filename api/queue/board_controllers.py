"""The display board's public routes: the board now, and its event stream. Thin: the region and language, the
stream's limits and headers; the fan-out is ``api.queue.board.BoardHub`` (one per process, started by
``board_lifespan``)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from litestar import Controller, Litestar, Request, Response, get
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath, HeaderParameter, QueryParameter
from litestar.response import Stream

from api.catalogue.service import region_exists
from api.config import BoardSettings
from api.lib.auth import public
from api.lib.db import connection, replica_connection
from api.lib.errors import NotFoundError
from api.lib.http import client_ip, language
from api.queue import board
from api.queue.board import Board, BoardHub

LangParam = Annotated[
    Literal["id", "en"] | None,
    QueryParameter(
        name="lang",
        required=False,
        description="The board's language (an EventSource cannot set Accept-Language); default: Accept-Language",
    ),
]
LastEventId = Annotated[
    str | None,
    HeaderParameter(name="Last-Event-ID", required=False, description="The id of the last event the board got"),
]


@asynccontextmanager
async def board_lifespan(app: Litestar) -> AsyncIterator[None]:
    """One board hub per process: its LISTEN connection runs from start-up to shutdown (entered after the main
    lifespan, which has made the database and its pool ready)."""
    limits: BoardSettings = app.state.settings.board
    hub = BoardHub(
        app.state.database.dsn,
        # Public boards read the replica when there is one (the hub's NOTIFY waits for it to replay the call).
        replica_connection,
        max_streams=limits.max_streams,
        max_per_ip=limits.max_streams_per_ip,
        heartbeat=float(limits.heartbeat_seconds),
        lifetime=float(limits.stream_seconds),
    )
    hub.start()
    app.state.board = hub
    try:
        yield
    finally:
        await hub.stop()


async def known_region(code: str) -> str:
    """A region's BPS code from a public path (the board's, the queue's): 404 unless the region exists."""
    if not re.fullmatch(r"[0-9]{2,10}", code):
        raise NotFoundError("region")
    async with connection() as conn:
        if not await region_exists(conn, code):
            raise NotFoundError("region")
    return code


def _hub(request: Request[Any, Any, Any]) -> BoardHub:
    hub: BoardHub = request.app.state.board
    return hub


class BoardController(Controller):
    path = "/api/v1/regions/{code:str}/queue/board"
    tags = ("queue",)

    @get("", operation_id="getQueueBoard", opt=public())
    async def get_board(
        self, request: Request[Any, Any, Any], code: FromPath[str], lang: LangParam = None
    ) -> Response[Board]:
        """The region's display board now: today's calls (newest first: the latest at each counter and the last
        few) and how many wait, per agency."""
        region = await known_region(code)
        found = await _hub(request).board(region, lang or language(request))
        return Response(found, headers={"Cache-Control": "no-store", "ETag": f'"{found.version}"'})

    @get("/events", operation_id="streamQueueBoard", opt=public(), media_type="text/event-stream")
    async def events(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        lang: LangParam = None,
        last_event_id: LastEventId = None,
    ) -> Stream:
        """Server-sent events: `retry:` advice, then the whole board (event `board`, id = its version) and again
        on every change, a heartbeat comment every 15 s. Reconnecting with Last-Event-ID resumes: nothing is sent
        again if the board has not changed meanwhile. A client that does not accept text/event-stream gets one
        board and the end of the stream. 429 when this server (or this address) has too many streams."""
        region = await known_region(code)
        once = "text/event-stream" not in request.headers.get("accept", "")
        hub = _hub(request)
        subscription = hub.subscribe(
            region, lang or language(request), client_ip(request), None if once else last_event_id
        )

        async def release() -> None:
            subscription.close()

        return Stream(
            board.stream(subscription, once=once, heartbeat=hub.heartbeat, lifetime=30.0 if once else hub.lifetime),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
            # Also released here (on the event loop: a sync function would run in a thread): when the client leaves
            # while the stream waits in `send`, the generator's own cleanup may run only at garbage collection.
            background=BackgroundTask(release),
        )
