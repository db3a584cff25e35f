"""/health/ready follows the database: 503 while it is unreachable, 200 again by itself when it returns."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.server import running_server
from tests.support.tcp_proxy import through_proxy

pytestmark = pytest.mark.e2e


def wait_for(server_get, status: int, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        seen = server_get("/health/ready")
        if seen.status_code == status:
            return
        time.sleep(0.3)
    raise AssertionError(f"/health/ready stayed {seen.status_code if seen else None}, expected {status}")


def test_ready_follows_the_database(tmp_path: Path, database_url: str) -> None:
    proxy, url = through_proxy(database_url)
    try:
        with running_server(tmp_path / "var", database_url=url, extra_env={"MPP_SEED_DEMO": "false"}) as server:
            assert server.get("/health/live").status_code == 200
            proxy.cut()
            wait_for(server.get, 503)
            body = server.get("/health/ready")
            assert body.json()["status"] == "unavailable"
            assert server.get("/health/live").status_code == 200, "liveness must not depend on the database"
            # A query while the database is away is a clean 5xx problem, not a hang.
            during = server.get("/api/v1/regions")
            assert during.status_code >= 500
            assert during.headers["content-type"].startswith("application/problem+json")
            proxy.restore()
            wait_for(server.get, 200)
            assert server.get("/api/v1/regions").status_code == 200
    finally:
        proxy.close()
