"""Two API processes and two workers on one PostgreSQL, for the tests of what those processes must share.

``Cluster.start`` makes a fresh database on the test server, starts API process A (``mpp serve``, which migrates
it and loads the demo catalogue), then API process B and two ``mpp worker`` processes at once. Every process has
``MPP_WORKER_IN_SERVE=false`` on the API side, so only the two workers consume the outbox, and all four share one
data folder: in development that is where the signing keys, the code pepper, the master keys and the VAPID key
live (production gives each machine the same ones through the environment), and where the dev SMS sink
(``dev-messages.jsonl``) is written. B and the workers start once A has made its app, and with it those keys, so
that they read A's keys rather than race to write their own.

Tests call the processes only through their HTTP API (``client(i)``) and read the database only to assert.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.fakes.push_service import FakePushService
from tests.support.auth import bearer, new_phone
from tests.support.authenticator import SoftAuthenticator
from tests.support.server import MPP, Server, start_server

# Generous: a loaded 2-CPU machine runs these four processes beside other engineers' work.
READY_SECONDS = 180.0
CODE_SECONDS = 20.0
PASSKEYS = "/api/v1/auth/passkeys"


@dataclass
class Cluster:
    database_url: str
    data_dir: Path
    # The Web Push service the workers deliver to (a fake that decrypts and keeps every message).
    push: FakePushService
    apis: list[Server] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    # --- processes -------------------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """What every process of the cluster is started with (``start_server`` adds MPP_ENV=dev and the rest)."""
        return {
            "DATABASE_URL": self.database_url,
            "MPP_DATA_DIR": str(self.data_dir),
            "MPP_WORKER_IN_SERVE": "false",
            # The workers push to the fake push service of the test process (plain http on this host).
            "MPP_PUSH_TEST_HOSTS": "127.0.0.1",
            # Every process runs the figures' job every second: four contenders for each source's advisory lock.
            "MPP_STATS_EVERY_SECONDS": "1",
        }

    def start(self) -> None:
        first = start_server(self.data_dir, database_url=self.database_url, extra_env=self.env())
        self.apis.append(first)
        # uvicorn says "Started server process" once the app is made, and making it generates the development keys:
        # from then on the others read A's keys instead of racing to write their own. A meanwhile migrates the
        # database and loads the demo catalogue, which the others wait for (bootstrap's advisory lock).
        self._wait_for_line(first, "Started server process")
        self.apis.append(start_server(self.data_dir, database_url=self.database_url, extra_env=self.env()))
        for number in (1, 2):
            self.workers.append(self._start_worker(number))
        for api in self.apis:
            api.wait_ready(READY_SECONDS)
        deadline = time.monotonic() + READY_SECONDS
        while not all("worker started" in self.worker_log(n) for n in (1, 2)):
            for n, process in enumerate(self.workers, start=1):
                if process.poll() is not None:
                    raise RuntimeError(f"worker {n} exited with {process.returncode}:\n{self.worker_log(n)}")
            if time.monotonic() > deadline:
                raise TimeoutError("the workers did not start:\n" + self.worker_log(1) + self.worker_log(2))
            time.sleep(0.2)

    @staticmethod
    def _wait_for_line(server: Server, line: str) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while line not in (server.log.read_text(errors="replace") if server.log.exists() else ""):
            if server.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"API process A did not start:\n{server.log.read_text(errors='replace')}")
            time.sleep(0.1)

    def _start_worker(self, number: int) -> subprocess.Popen[bytes]:
        env = {**os.environ, **self.env(), "MPP_ENV": "dev", "PYTHONUNBUFFERED": "1"}
        with (self.data_dir.parent / f"worker-{number}.log").open("wb") as out:
            return subprocess.Popen([MPP, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)

    def worker_log(self, number: int) -> str:
        path = self.data_dir.parent / f"worker-{number}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """SIGTERM to every process at once (each shuts down gracefully), then wait for them all."""
        processes = [api.process for api in self.apis] + self.workers
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def exited(self) -> list[str]:
        """Which processes have exited (none, while the cluster is healthy)."""
        gone = [f"api {i}" for i, api in enumerate(self.apis) if api.process.poll() is not None]
        return gone + [f"worker {i}" for i, w in enumerate(self.workers, start=1) if w.poll() is not None]

    # --- calling the API ------------------------------------------------------------------------------------

    def client(self, index: int) -> httpx.AsyncClient:
        """A client of API process ``index`` (0 = A, 1 = B) from a loopback address of its own (127.0.0.2–254):
        sign-in codes are limited per address too, and each test is a different household."""
        transport = httpx.AsyncHTTPTransport(local_address=f"127.0.0.{random.randint(2, 254)}")
        return httpx.AsyncClient(base_url=self.apis[index].url, timeout=30, transport=transport)

    @contextlib.asynccontextmanager
    async def clients(self) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
        """One client of A and one of B, from the same address (one device talking to a load balancer)."""
        address = f"127.0.0.{random.randint(2, 254)}"
        made = [
            httpx.AsyncClient(base_url=api.url, timeout=30, transport=httpx.AsyncHTTPTransport(local_address=address))
            for api in self.apis
        ]
        try:
            yield made[0], made[1]
        finally:
            for client in made:
                await client.aclose()

    def codes_sent(self, phone: str) -> list[str]:
        """Every sign-in code sent to the number so far, oldest first (the dev SMS sink all processes share)."""
        path = self.data_dir / "dev-messages.jsonl"
        lines = path.read_text().splitlines() if path.exists() else []
        return [str(m["code"]) for m in map(json.loads, lines) if m.get("to") == phone and "code" in m]

    async def new_code(self, phone: str, *, after: int) -> str:
        """The code of the request just made (written by a background task after the 202, so it may lag)."""
        deadline = time.monotonic() + CODE_SECONDS
        while len(codes := self.codes_sent(phone)) <= after:
            assert time.monotonic() < deadline, f"no new code was sent to {phone}"
            await asyncio.sleep(0.05)
        return codes[-1]

    async def sign_in(self, client: httpx.AsyncClient, phone: str | None = None) -> dict[str, Any]:
        """Sign in by SMS code through ``client``'s process; the token pair plus ``phone``."""
        phone = phone or new_phone()
        before = len(self.codes_sent(phone))
        asked = await client.post("/api/v1/auth/otp", json={"phone": phone})
        assert asked.status_code == 202, asked.text
        code = await self.new_code(phone, after=before)
        verified = await client.post("/api/v1/auth/otp/verify", json={"phone": phone, "code": code})
        assert verified.status_code == 200, verified.text
        tokens: dict[str, Any] = verified.json()
        tokens["phone"] = phone
        return tokens

    async def create_admin(self, region: str) -> tuple[str, str]:
        """A region admin made with the real command line (``mpp users create``): its phone and enrolment code."""
        phone = new_phone()
        cmd = [MPP, "users", "create", "--role", "region_admin", "--phone", phone, "--region", region]
        env = {**os.environ, **self.env(), "MPP_ENV": "dev"}
        process = await asyncio.create_subprocess_exec(
            *cmd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await process.communicate()
        assert process.returncode == 0, err.decode()
        return phone, str(json.loads(out.decode().strip().splitlines()[-1])["enrolmentCode"])

    async def invite(self, admin: str, role: str, agency: str) -> tuple[str, str]:
        """An officer or supervisor invited by a region admin through A's admin API: phone and enrolment code."""
        phone = new_phone()
        body = {"phone": phone, "name": f"Petugas {phone[-4:]}", "role": role, "agency": agency}
        async with self.client(0) as client:
            invited = await client.post("/api/v1/admin/staff", json=body, headers=bearer(admin))
        assert invited.status_code == 201, invited.text
        return phone, str(invited.json()["enrolmentCode"])

    async def staff_sign_in(self, phone: str, enrolment: str) -> str:
        """A staff member's first sign-in on A, with SMS code and a (software) passkey: a full-scope access token."""
        device = SoftAuthenticator("localhost", f"http://localhost:{self.apis[0].port}")
        async with self.client(0) as client:
            tokens = await self.sign_in(client, phone)
            assert tokens["scope"] == "mfa"
            auth = bearer(tokens)
            options = (
                await client.post(f"{PASSKEYS}/register/options", json={"enrolmentCode": enrolment}, headers=auth)
            ).json()
            body = {"challengeId": options["challengeId"], "credential": device.create(options["publicKey"])}
            registered = await client.post(f"{PASSKEYS}/register", json={**body, "name": "Desk"}, headers=auth)
            assert registered.status_code == 201, registered.text
            options = (await client.post(f"{PASSKEYS}/authenticate/options", headers=auth)).json()
            body = {"challengeId": options["challengeId"], "credential": device.get(options["publicKey"])}
            confirmed = await client.post(f"{PASSKEYS}/authenticate", json=body, headers=auth)
            assert confirmed.status_code == 200, confirmed.text
        full: dict[str, Any] = confirmed.json()
        assert full["scope"] == "api"
        return str(full["accessToken"])


async def eventually(check: Any, *, seconds: float, what: str, every: float = 0.1) -> Any:
    """Poll ``check()`` (async) until it returns something truthy; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        if value := await check():
            return value
        assert time.monotonic() < deadline, f"{what} within {seconds:g} s"
        await asyncio.sleep(every)
