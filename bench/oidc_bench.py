"""Single sign-on: the token endpoint's throughput against /health/live, and back-channel logout fan-out.

Issue 19's targets: ``POST /oidc/token`` (authorization_code with PKCE, client_secret_basic, an ID token signed per
request) at ≥ 0.40 × the requests/s of ``GET /health/live`` measured in the same run by the same load generator;
and back-channel logout reaching 20 connected clients with p95 < 5 s after the citizen signs out.

A real ``mpp serve`` (one process, its worker inside, as the single-machine default runs) on a fresh database.
Codes are written straight into ``oidc_code`` before the run (the citizen's consent screen is not what is
measured); every token request spends a different code, as real clients do. For the fan-out, each round signs a
citizen in by SMS code through the API, gives that session a token at each of 20 registered clients (rows
written directly, as the token endpoint would), signs out through the API, and times each client's receipt of
its logout token at a local HTTP receiver in this process.

    .venv/bin/python bench/oidc_bench.py [--duration 10] [--connections 16] [--rounds 10] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web
from http_bench import PROJECT, Server, cpu_model, fresh_database, percentile

sys.path.insert(0, str(PROJECT))

from api.oidc.clients import ClientSettings, create_client

TOKEN_TARGET = 0.40
LOGOUT_P95_TARGET_S = 5.0
CLIENTS = 20
VERIFIER = "v" * 64
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
REDIRECT = "https://layanan.example.go.id/callback"


async def load(url: str, seconds: float, connections: int, request: object) -> tuple[int, float, list[float], int]:
    """``connections`` keep-alive loops calling ``request(session)`` until the deadline: (done, s, latencies, bad)."""
    latencies: list[float] = []
    bad = 0

    async def worker(session: aiohttp.ClientSession, deadline: float) -> None:
        nonlocal bad
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            status = await request(session)  # type: ignore[operator]
            latencies.append(time.perf_counter() - began)
            bad += status != 200

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(url, connector=connector) as session:
        began = time.perf_counter()
        await asyncio.gather(*(worker(session, began + seconds) for _ in range(connections)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return len(latencies), elapsed, latencies, bad


async def prepare_codes(conn: asyncpg.Connection, client_id: uuid.UUID, count: int) -> list[str]:
    account = await conn.fetchval(
        "INSERT INTO accounts_account (id, phone, name, roles) VALUES (gen_random_uuid(), $1, 'Warga Bench', "
        "'{citizen}') RETURNING id",
        "+62812" + str(secrets.randbelow(10**7)).zfill(7),
    )
    codes = [secrets.token_urlsafe(32) for _ in range(count)]
    session = uuid.uuid4()
    await conn.copy_records_to_table(
        "oidc_code",
        records=[
            (
                hashlib.sha256(c.encode()).digest(),
                client_id,
                account,
                session,
                REDIRECT,
                "openid profile",
                None,
                CHALLENGE,
                ["otp"],
                "phone",
            )
            for c in codes
        ],
        columns=[
            "code_hash",
            "client",
            "account",
            "session",
            "redirect_uri",
            "scope",
            "nonce",
            "code_challenge",
            "amr",
            "acr",
        ],
    )
    await conn.execute("UPDATE oidc_code SET auth_time = now(), expires_at = now() + interval '1 hour'")
    return codes


async def _client_with_codes(database_url: str, alg: str, count: int) -> tuple[str, str, list[str]]:
    conn = await asyncpg.connect(database_url)
    try:
        settings = ClientSettings(
            name=f"Bench {alg}", redirect_uris=(REDIRECT,), scopes=("openid", "profile"), id_token_alg=alg
        )
        row, secret = await create_client(conn, settings, created_by=None)
        codes = await prepare_codes(conn, row["id"], count)
    finally:
        await conn.close()
    return row["client_id"], secret, codes


async def throughput(base: str, database_url: str, seconds: float, connections: int) -> dict[str, float]:
    clients = {alg: await _client_with_codes(database_url, alg, 30_000) for alg in ("ES256", "RS256")}

    async def health(session: aiohttp.ClientSession) -> int:
        async with session.get("/health/live") as answer:
            await answer.read()
            return answer.status

    def token_for(alg: str) -> Any:
        client_id, secret, codes = clients[alg]
        auth = {"Authorization": aiohttp.encode_basic_auth(client_id, secret)}
        pending = iter(codes)

        async def token(session: aiohttp.ClientSession) -> int:
            form = {"grant_type": "authorization_code", "code": next(pending), "redirect_uri": REDIRECT}
            form["code_verifier"] = VERIFIER
            async with session.post("/oidc/token", data=form, headers=auth) as answer:
                body = await answer.json()
                return answer.status if "id_token" in body else 599

        return token

    await load(base, 2, connections, health)  # warm-up
    h_n, h_s, h_lat, _bad = await load(base, seconds, connections, health)
    figures: dict[str, float] = {"health_rps": h_n / h_s, "health_p50": percentile(h_lat, 50) * 1000}
    for alg in ("ES256", "RS256"):
        t_n, t_s, t_lat, t_bad = await load(base, seconds, connections, token_for(alg))
        figures[f"{alg}_rps"] = t_n / t_s
        figures[f"{alg}_p50"] = percentile(t_lat, 50) * 1000
        figures[f"{alg}_p99"] = percentile(t_lat, 99) * 1000
        figures[f"{alg}_bad"] = t_bad
    return figures


async def sign_in(http: aiohttp.ClientSession, data_dir: Path) -> dict[str, str]:
    phone = "+62813" + str(secrets.randbelow(10**7)).zfill(7)
    async with http.post("/api/v1/auth/otp", json={"phone": phone}) as answer:
        assert answer.status == 202, await answer.text()
    messages = data_dir / "dev-messages.jsonl"
    for _ in range(200):
        sent = [json.loads(line) for line in messages.read_text().splitlines()] if messages.exists() else []
        codes = [m["code"] for m in sent if m.get("to") == phone and "code" in m]
        if codes:
            break
        await asyncio.sleep(0.05)
    async with http.post("/api/v1/auth/otp/verify", json={"phone": phone, "code": codes[-1]}) as answer:
        tokens: dict[str, str] = await answer.json()
    return tokens


async def fan_out(base: str, database_url: str, data_dir: Path, rounds: int) -> list[float]:
    received: dict[str, float] = {}
    arrived = asyncio.Event()

    async def receive(request: web.Request) -> web.Response:
        form = await request.post()
        claims = json.loads(base64.urlsafe_b64decode(str(form["logout_token"]).split(".")[1] + "=="))
        received[f"{claims['aud']}|{claims['sid']}"] = time.perf_counter()
        arrived.set()
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/rp/{n}", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    conn = await asyncpg.connect(database_url)
    latencies: list[float] = []
    try:
        clients = [
            (
                await create_client(
                    conn,
                    ClientSettings(
                        name=f"RP {n}",
                        redirect_uris=(REDIRECT,),
                        sector=f"rp{n}.example.go.id",
                        backchannel_logout_uri=f"http://127.0.0.1:{port}/rp/{n}",
                    ),
                    created_by=None,
                )
            )[0]["id"]
            for n in range(CLIENTS)
        ]
        async with aiohttp.ClientSession(base) as http:
            for _ in range(rounds):
                tokens = await sign_in(http, data_dir)
                claims = json.loads(base64.urlsafe_b64decode(tokens["accessToken"].split(".")[1] + "=="))
                for client in clients:
                    await conn.execute(
                        "INSERT INTO oidc_token (id, client, account, session, access_hash, scope, access_expires_at) "
                        "VALUES (gen_random_uuid(), $1, $2, $3, $4, 'openid', now() + interval '10 minutes')",
                        client,
                        uuid.UUID(claims["sub"]),
                        uuid.UUID(claims["sid"]),
                        secrets.token_bytes(32),
                    )
                before = len(received)
                began = time.perf_counter()
                async with http.post(
                    "/api/v1/auth/logout", headers={"Authorization": f"Bearer {tokens['accessToken']}"}
                ) as a:
                    assert a.status == 204
                deadline = began + 30
                while len(received) < before + CLIENTS and time.perf_counter() < deadline:
                    arrived.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(arrived.wait(), timeout=1)
                fresh = sorted(received.values())[before:]
                latencies += [t - began for t in fresh] + [30.0] * (before + CLIENTS - len(received))
    finally:
        await conn.close()
        await runner.cleanup()
    return sorted(latencies)


def protocol_only(calls: int) -> float:
    """Milliseconds per call of Authlib's token response alone (grant checks, PKCE, tokens, an ES256 ID token), in
    this process with the data already read: the floor under the endpoint's cost whatever the database does."""
    from joserfc.jwk import ECKey

    from api.accounts.service import Identity
    from api.lib.keys import SigningKey
    from api.oidc import server as protocol
    from api.oidc.tokens import User, _claims

    key = SigningKey.generate()
    assert key.private_pem is not None
    keys = {"ES256": ECKey.import_key(key.private_pem, {"kid": key.kid})}
    row = {
        "id": uuid.uuid4(),
        "client_id": "mpp-bench",
        "sector": "bench",
        "scopes": ["openid", "profile"],
        "redirect_uris": [REDIRECT],
        "secret_hash": hashlib.sha256(b"s").digest(),
        "id_token_alg": "ES256",
        "kind": "rp",
        "jwks": None,
    }
    identity = Identity("Warga", "+6281200000000", None, "id", "phone", True)
    basic = {"Authorization": aiohttp.encode_basic_auth("mpp-bench", "s")}
    form = {"grant_type": "authorization_code", "code": "c", "redirect_uri": REDIRECT, "code_verifier": VERIFIER}

    def one() -> None:
        user = User(uuid.uuid4(), uuid.uuid4(), identity, "sub", "sid", b"c")
        bundle = protocol.Prefetched(client=protocol.Client(row), issuer="http://localhost", id_token_keys=keys)
        bundle.user_info = _claims
        bundle.code = protocol.Code(user, REDIRECT, "openid profile", None, CHALLENGE, int(time.time()), "phone", [])
        request = protocol.request_for("POST", "http://localhost/oidc/token", form, basic)
        status, _body, _headers = protocol.run(bundle, lambda server: server.create_token_response(request))
        assert status == 200

    one()
    began = time.perf_counter()
    for _ in range(calls):
        one()
    return (time.perf_counter() - began) / calls * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--protocol-only", type=int, metavar="CALLS", help="only time Authlib's part, in process")
    args = parser.parse_args()
    if args.protocol_only:
        print(f"Authlib token response (ES256 ID token), in process: {protocol_only(args.protocol_only):.3f} ms/call")
        return
    with fresh_database(args.database_url) as database_url, tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp), database_url, workers=1)
        server.start()
        try:
            figures = asyncio.run(throughput(server.base_url, database_url, args.duration, args.connections))
            logout = asyncio.run(fan_out(server.base_url, database_url, Path(tmp), args.rounds))
        finally:
            server.stop()
    p50, p95 = percentile(logout, 50), percentile(logout, 95)
    health = f"{figures['health_rps']:.0f} req/s"
    print(f"machine: {cpu_model()}; {args.connections} connections, {args.duration:.0f} s per endpoint, aiohttp client")
    print()
    print("| measure | value | baseline | ratio | target | verdict |")
    print("|---|---|---|---|---|---|")
    print(f"| GET /health/live | {health} (p50 {figures['health_p50']:.1f} ms) | — | 1.00 | — | — |")
    for alg in ("ES256", "RS256"):
        ratio = figures[f"{alg}_rps"] / figures["health_rps"]
        ok = ratio >= TOKEN_TARGET and not figures[f"{alg}_bad"]
        print(
            f"| POST /oidc/token (code+PKCE, {alg} ID token) | {figures[f'{alg}_rps']:.0f} req/s "
            f"(p50 {figures[f'{alg}_p50']:.1f} ms, p99 {figures[f'{alg}_p99']:.1f} ms, {figures[f'{alg}_bad']:.0f} "
            f"errors) | {health} | {ratio:.2f} | ≥ {TOKEN_TARGET:.2f} | {'PASS' if ok else 'FAIL'} |"
        )
    print(
        f"| back-channel logout, {CLIENTS} clients × {args.rounds} sign-outs | p50 {p50:.2f} s, p95 {p95:.2f} s, "
        f"max {logout[-1]:.2f} s ({len(logout)} deliveries) | — | — | p95 < {LOGOUT_P95_TARGET_S:.0f} s | "
        f"{'PASS' if p95 < LOGOUT_P95_TARGET_S else 'FAIL'} |"
    )


if __name__ == "__main__":
    main()
