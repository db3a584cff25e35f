"""What two API processes on one PostgreSQL must agree on: rate limits, sessions, the catalogue, the queue board.

Each test acts through process A and watches process B (or alternates between them), over real HTTP; the
database is read only to assert. See ``cluster.py`` for how the processes are started.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest_asyncio

from tests.multiprocess.cluster import Cluster, eventually
from tests.support.auth import account_id, bearer, new_phone
from tests.support.board import AGENCY, COUNTER, REGION, waiting_ticket
from tests.support.standards import change, local_content, made_up_word, publish_new, wait_for_search

# A change made through A must show in B within this (B reloads on NOTIFY; the deadline is for a loaded machine).
PROPAGATION_SECONDS = 30.0


def window(seconds: int) -> int:
    """The rate limiter's fixed window now (api/auth/ratelimit.py counts in windows of wall-clock time)."""
    return int(time.time()) // seconds


async def test_a_code_requested_through_a_is_counted_by_b(cluster: Cluster) -> None:
    # One code a minute per number: the second request, sent to the other process, is refused. The window is
    # wall-clock minutes, so a run that straddles a minute's end is tried again with a new number.
    for _attempt in range(3):
        phone, started = new_phone(), window(60)
        async with cluster.clients() as (a, b):
            first = await a.post("/api/v1/auth/otp", json={"phone": phone})
            second = await b.post("/api/v1/auth/otp", json={"phone": phone})
        if window(60) != started:
            continue
        assert first.status_code == 202, first.text
        assert second.status_code == 429, second.text
        assert second.json()["code"] == "rate_limited"
        assert 0 < int(second.headers["retry-after"]) <= 60
        return
    raise AssertionError("every attempt straddled a minute's end")


async def test_wrong_codes_sent_alternately_share_one_limit(cluster: Cluster) -> None:
    # Ten checks per number in ten minutes, across processes: five wrong codes to A and five to B use them up.
    for _attempt in range(3):
        phone, started = new_phone(), window(600)
        async with cluster.clients() as (a, b):
            assert (await a.post("/api/v1/auth/otp", json={"phone": phone})).status_code == 202
            answers = []
            for turn in range(11):
                guess = {"phone": phone, "code": "000000" if turn % 2 else "999999"}
                answers.append(await (a if turn % 2 == 0 else b).post("/api/v1/auth/otp/verify", json=guess))
        if window(600) != started:
            continue
        statuses = [r.status_code for r in answers]
        assert 429 not in statuses[:10], statuses
        assert statuses[10] == 429, statuses
        return
    raise AssertionError("every attempt straddled a ten-minute window's end")


# B remembers the sessions it saw alive and forgets one when the revoking commit's NOTIFY reaches it: usually
# before the next request does, always within milliseconds; the deadline is for a loaded machine.
REVOCATION_SECONDS = 5.0


async def refused_by(client: httpx.AsyncClient, token: str | dict[str, Any]) -> httpx.Response:
    async def check() -> httpx.Response | None:
        answer = await client.get("/api/v1/me", headers=bearer(token))
        return answer if answer.status_code != 200 else None

    found: httpx.Response = await eventually(
        check, seconds=REVOCATION_SECONDS, what="B refuses the session", every=0.01
    )
    return found


async def test_a_session_signed_out_through_a_is_refused_by_b(cluster: Cluster) -> None:
    async with cluster.clients() as (a, b):
        tokens = await cluster.sign_in(a)
        # B has just seen the session alive, and remembers it (api/lib/auth.py).
        for _ in range(2):
            assert (await b.get("/api/v1/me", headers=bearer(tokens))).status_code == 200
        assert (await a.post("/api/v1/auth/logout", headers=bearer(tokens))).status_code == 204
        refused = await refused_by(b, tokens)
    assert refused.status_code == 401, refused.text


async def test_staff_signed_out_everywhere_through_a_are_refused_by_b(cluster: Cluster, region_admin: str) -> None:
    # A lost phone: the region admin ends every session of an officer through A; B, which has just served that
    # officer, refuses the officer's next request.
    officer = await cluster.staff_sign_in(*await cluster.invite(region_admin, "officer", AGENCY))
    async with cluster.clients() as (a, b):
        assert (await b.get("/api/v1/me", headers=bearer(officer))).status_code == 200
        member = account_id({"accessToken": officer})
        ended = await a.post(f"/api/v1/admin/staff/{member}/sessions/end", headers=bearer(region_admin))
        assert ended.status_code == 200, ended.text
        assert ended.json()["ended"] == 1
        refused = await refused_by(b, officer)
        admin_kept = await b.get("/api/v1/me", headers=bearer(region_admin))
    assert refused.status_code == 401, refused.text
    assert admin_kept.status_code == 200, admin_kept.text


async def test_a_service_published_and_renamed_through_a_is_found_by_b(cluster: Cluster, region_admin: str) -> None:
    word = made_up_word()
    async with cluster.clients() as (a, b):
        # B answers the search first, so that whatever B caches for it is there before the change.
        assert (await b.get("/api/v1/services", params={"q": word, "region": REGION})).json()["items"] == []
        published = await publish_new(a, region_admin, local_content(word))
        await wait_for_search(b, word, REGION, published["code"], present=True, seconds=PROPAGATION_SECONDS)
        detail = await b.get(f"/api/v1/services/{published['serviceId']}")
        assert detail.status_code == 200, detail.text
        assert detail.json()["name"] == f"Layanan {word.capitalize()} Uji"
        new_name = f"Layanan {word.capitalize()} Baru"
        await change(
            a, region_admin, REGION, published["code"], {"name": {"id": new_name, "en": f"New {word}"}}, "Nama baru"
        )

        async def renamed_on_b() -> bool:
            answer = await b.get(f"/api/v1/services/{published['serviceId']}", headers={"Accept-Language": "id"})
            return answer.status_code == 200 and answer.json()["name"] == new_name

        await eventually(renamed_on_b, seconds=PROPAGATION_SECONDS, what="B shows the new name")


class BoardEvents:
    """A board's server-sent event stream, read by a task of its own into a queue of decoded ``data`` objects."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(httpx.HTTPError):
            async for line in self.response.aiter_lines():
                if line.startswith("data:"):
                    await self.events.put(json.loads(line.removeprefix("data:").strip()))

    async def showing(self, number: str, within: float) -> dict[str, Any]:
        """The first event that shows ticket ``number`` called."""
        deadline = time.monotonic() + within
        while True:
            event = await asyncio.wait_for(self.events.get(), max(deadline - time.monotonic(), 0.001))
            if any(c["number"] == number for c in event.get("calls", [])):
                return event

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self.response.aclose()


@pytest_asyncio.fixture(loop_scope="session")
async def board_on_b(cluster: Cluster) -> AsyncIterator[BoardEvents]:
    """The region's display board, streaming from process B."""
    async with cluster.client(1) as b:
        request = b.build_request(
            "GET", f"/api/v1/regions/{REGION}/queue/board/events", headers={"Accept": "text/event-stream"}
        )
        response = await b.send(request, stream=True)
        assert response.status_code == 200, await response.aread()
        events = BoardEvents(response)
        try:
            yield events
        finally:
            await events.close()


async def test_a_call_made_at_a_counter_through_a_reaches_a_board_streaming_from_b(
    cluster: Cluster, cluster_db: asyncpg.Connection, region_admin: str, board_on_b: BoardEvents
) -> None:
    officer = await cluster.staff_sign_in(*await cluster.invite(region_admin, "officer", AGENCY))
    # The ticket is put in the line directly: issuing one at the kiosk needs the building open at this
    # wall-clock hour (see tests/support/board.py). The call goes through A's officer API, as at a counter.
    number = await waiting_ticket(cluster_db)
    async with cluster.client(0) as a:
        opened = await a.post(f"/api/v1/officer/queue/counters/{COUNTER}/open", headers=bearer(officer))
        assert opened.status_code == 200, opened.text
        called = await a.post("/api/v1/officer/queue/next", json={"counter": COUNTER}, headers=bearer(officer))
        assert called.status_code == 200, called.text
        assert called.json()["number"] == number
        event = await board_on_b.showing(number, PROPAGATION_SECONDS)
        [call] = [c for c in event["calls"] if c["number"] == number]
        assert call["counter"] == COUNTER
        done = await a.post(f"/api/v1/officer/queue/tickets/{called.json()['id']}/done", headers=bearer(officer))
        assert done.status_code == 200, done.text
