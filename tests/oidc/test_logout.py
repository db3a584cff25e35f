"""Logout that reaches everyone: a PWA session's end revokes the tokens of every client it signed into and writes
one back-channel message per client in the same transaction; the worker (running in the app, as in ``mpp serve``)
delivers signed logout tokens naming the client's pairwise ``sub`` and ``sid``, retries a client that is down and
dead-letters one that refuses. RP-initiated logout goes through the PWA, and only to a registered address."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest_asyncio
from aiohttp import web
from jose import jwt
from litestar import Litestar

from api.oidc.logout import CHANNEL, EVENT
from api.oidc.subjects import pairwise_sid, pairwise_sub
from tests.support.auth import bearer
from tests.support.factories import create_citizen
from tests.support.oidc import authorize, exchange, register, signing_key


class Receiver:
    """Back-channel logout endpoints of agency systems: /ok answers 200, /down 503, /refuse 400."""

    def __init__(self) -> None:
        self.tokens: dict[str, list[str]] = {"ok": [], "down": [], "refuse": []}
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        form = await request.post()
        name = request.match_info["name"]
        self.tokens[name].append(str(form["logout_token"]))
        return web.Response(status={"ok": 200, "down": 503, "refuse": 400}[name])


@pytest_asyncio.fixture(loop_scope="session")
async def receiver() -> AsyncIterator[Receiver]:
    made = Receiver()
    app = web.Application()
    app.router.add_post("/{name}", made.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    made.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    yield made
    await runner.cleanup()


async def wait_for(check: Any, seconds: float = 15.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := await check():
            return found
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


async def test_signing_out_logs_out_every_client_the_session_reached(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, receiver: Receiver
) -> None:
    ok = await register(db, backchannel_logout_uri=receiver.url + "/ok", sector="desa.example.go.id")
    down = await register(db, backchannel_logout_uri=receiver.url + "/down", name="Down")
    refuse = await register(db, backchannel_logout_uri=receiver.url + "/refuse", name="Refuse")
    silent = await register(db, name="Tanpa logout")  # no back-channel URI: its tokens die all the same
    citizen = await create_citizen(client)
    ids: dict[str, dict[str, Any]] = {}
    for rp in (ok, down, refuse, silent):
        query, verifier, _ = await authorize(client, rp, citizen)
        answer = await exchange(client, rp, query["code"][0], verifier)
        ids[rp["client_id"]] = answer.json()
    before = len(receiver.tokens["ok"])
    assert (await client.post("/api/v1/auth/logout", headers=bearer(citizen))).status_code == 204
    account = uuid.UUID(jwt.get_unverified_claims(citizen["accessToken"])["sub"])
    live = await db.fetchval("SELECT count(*) FROM oidc_token WHERE account = $1 AND revoked_at IS NULL", account)
    assert live == 0
    queued = await db.fetch(
        "SELECT subject FROM outbox_message WHERE channel = $1 AND recipient = $2", CHANNEL, account
    )
    assert sorted(str(q["subject"]) for q in queued) == sorted([ok["id"], down["id"], refuse["id"]])

    async def delivered() -> list[str]:
        return receiver.tokens["ok"][before:]

    token = (await wait_for(delivered))[0]
    keys = (await client.get("/.well-known/jwks.json")).json()
    claims = jwt.decode(
        token, signing_key(keys, token), algorithms=["RS256"], audience=ok["client_id"], issuer=app.state.oidc.issuer
    )
    assert jwt.get_unverified_header(token)["typ"] == "logout+jwt"
    assert claims["events"] == {EVENT: {}} and "nonce" not in claims
    id_token = jwt.get_unverified_claims(ids[ok["client_id"]]["id_token"])
    secret = app.state.oidc.secret
    assert claims["sub"] == id_token["sub"] == pairwise_sub(secret, "desa.example.go.id", account)
    assert claims["sid"] == id_token["sid"]
    session = uuid.UUID(jwt.get_unverified_claims(citizen["accessToken"])["sid"])
    assert claims["sid"] == pairwise_sid(secret, "desa.example.go.id", session)

    async def settled() -> list[asyncpg.Record] | None:
        rows = await db.fetch(
            "SELECT subject, processed_at, dead_at, attempts, last_error, next_attempt_at > now() AS later "
            "FROM outbox_message WHERE channel = $1 AND recipient = $2",
            CHANNEL,
            account,
        )
        by = {str(r["subject"]): r for r in rows}
        done = by[ok["id"]]["processed_at"] and by[refuse["id"]]["dead_at"] and by[down["id"]]["attempts"] >= 1
        return rows if done and by[down["id"]]["last_error"] else None

    rows = {str(r["subject"]): r for r in await wait_for(settled)}
    assert rows[refuse["id"]]["last_error"] == "HTTP 400"  # refused: kept for the admin, not retried
    assert rows[down["id"]]["processed_at"] is None and rows[down["id"]]["dead_at"] is None
    assert rows[down["id"]]["later"] and rows[down["id"]]["last_error"] == "HTTP 503"  # retried later


async def test_rp_initiated_logout_goes_through_the_pwa_and_only_to_registered_addresses(
    client: httpx.AsyncClient, db: asyncpg.Connection, receiver: Receiver
) -> None:
    after = "https://layanan.example.go.id/signed-out"
    rp = await register(db, post_logout_redirect_uris=(after,), backchannel_logout_uri=receiver.url + "/ok")
    citizen = await create_citizen(client)
    query, verifier, _ = await authorize(client, rp, citizen)
    assert (await exchange(client, rp, query["code"][0], verifier)).status_code == 200
    evil = await client.get(
        "/oidc/logout", params={"client_id": rp["client_id"], "post_logout_redirect_uri": "https://evil.example/"}
    )
    assert evil.status_code == 400 and "location" not in evil.headers
    anonymous = await client.get("/oidc/logout", params={"post_logout_redirect_uri": after})
    assert anonymous.status_code == 400
    started = await client.get(
        "/oidc/logout", params={"client_id": rp["client_id"], "post_logout_redirect_uri": after, "state": "bye"}
    )
    assert started.status_code == 302
    request_id = urlsplit(started.headers["location"]).fragment.rsplit("/", 1)[1]
    shown = (await client.get(f"/api/v1/oidc/logout-requests/{request_id}")).json()
    assert shown["client"]["name"] == "Sistem Perizinan Dinas" and shown["redirectTo"] == after + "?state=bye"
    confirmed = await client.post(f"/api/v1/oidc/logout-requests/{request_id}", headers=bearer(citizen))
    assert confirmed.status_code == 200 and parse_qs(urlsplit(confirmed.json()["redirectTo"]).query) == {
        "state": ["bye"]
    }
    assert (await client.get("/api/v1/me", headers=bearer(citizen))).status_code == 401
    again = await client.post(f"/api/v1/oidc/logout-requests/{request_id}", headers=bearer(citizen))
    assert again.status_code == 404
