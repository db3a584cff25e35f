"""Running ``mpp serve`` as a real process, for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

MPP = str(Path(sys.executable).parent / "mpp")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log
        self.url = f"http://127.0.0.1:{port}"

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(self.url + path, timeout=10, **kwargs)  # type: ignore[arg-type]

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log.read_text()}")
            with contextlib.suppress(httpx.HTTPError):  # not listening yet
                if self.get("/health/ready").status_code == 200:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"server not ready after {timeout}s:\n{self.log.read_text()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def start_server(data_dir: Path, *, database_url: str | None = None, extra_env: dict[str, str] | None = None) -> Server:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"MPP_DATA_DIR": str(data_dir), "MPP_ENV": "dev", "PYTHONUNBUFFERED": "1"})
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra_env or {})
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir.parent / f"server-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen([MPP, "serve", "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, env=env)
    return Server(process, port, log)


@contextmanager
def running_server(data_dir: Path, **kwargs: object) -> Iterator[Server]:
    server = start_server(data_dir, **kwargs)  # type: ignore[arg-type]
    try:
        server.wait_ready()
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()


def postgres_processes(data_dir: Path) -> list[psutil.Process]:
    """PostgreSQL server processes whose command line names this data folder."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["name"] == "postgres" and str(data_dir) in cmdline:
            found.append(proc)
    return found


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postgres" / "postmaster.pid").read_text().splitlines()[0])
