"""The single-machine default, end to end: `mpp serve` with no DATABASE_URL runs its own PostgreSQL.

Fresh data folder → serve → ready → search → signal → no postgres left behind; and recovery after crashes.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.support.server import postgres_processes, postmaster_pid, running_server, start_server

pytestmark = pytest.mark.e2e


def wait_gone(data_dir: Path, timeout: float = 15) -> list[object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = postgres_processes(data_dir)
        if not left:
            return []
        time.sleep(0.2)
    return postgres_processes(data_dir)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_fresh_folder_serves_the_demo_and_stops_cleanly(tmp_path: Path, sig: int) -> None:
    data_dir = tmp_path / "var"
    with running_server(data_dir) as server:
        found = server.get("/api/v1/services", params={"q": "paspor"}).json()
        assert found["total"] > 0 and "aspor" in found["items"][0]["name"]
        assert server.get("/api/v1/regions").json()["total"] == 21
        assert server.get("/").status_code == 200
        assert postgres_processes(data_dir), "the embedded server should be running"
        assert f"MPP Digital is ready at http://localhost:{server.port}/" in server.log.read_text()
        code = server.stop(sig)
    assert code in (0, -sig), server.log.read_text()
    assert wait_gone(data_dir) == [], "postgres left running after the server stopped"


def test_restart_after_kill_9_recovers(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    server = start_server(data_dir)
    server.wait_ready()
    server.process.kill()  # kill -9: no shutdown code runs at all
    server.process.wait(10)
    # Our process is gone; its postgres is orphaned but still holds the data folder.
    with running_server(data_dir) as again:
        assert again.get("/api/v1/services", params={"q": "ktp"}).json()["total"] > 0
        again.stop(signal.SIGTERM)
    assert wait_gone(data_dir) == [], "the dead server's handle kept postgres alive"


def test_restart_after_power_loss_recovers(tmp_path: Path) -> None:
    """Server and postgres both killed with -9: postgres runs crash recovery on the next start."""
    data_dir = tmp_path / "var"
    server = start_server(data_dir)
    server.wait_ready()
    pid = postmaster_pid(data_dir)
    server.process.kill()
    os.kill(pid, signal.SIGKILL)
    server.process.wait(10)
    # The postmaster may linger as a zombie until its new parent reaps it; the next start must cope.
    with running_server(data_dir) as again:
        assert again.get("/api/v1/regions").json()["total"] == 21
        again.stop(signal.SIGTERM)
    assert wait_gone(data_dir) == []
