"""Real PgBouncer and a real streaming replica for the scale-out tests and ``bench/pooler_bench.py``.

``PgBouncer`` runs Debian's ``pgbouncer`` (1.18) in transaction mode in front of a PostgreSQL server, with its
configuration in a folder of its own; ``ReplicaPair`` makes a primary (``initdb``, ``wal_level=replica``, a
replication line in ``pg_hba.conf``) and a hot standby from ``pg_basebackup -R`` with the machine's PostgreSQL 15
binaries, each on a free port. PostgreSQL and PgBouncer both refuse to run as root: as root, they run as the
``postgres`` system user (``runuser``), in folders under /tmp that the user owns.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

PG_BIN = Path(os.environ.get("MPP_PG_BIN", "/usr/lib/postgresql/15/bin"))
RUN_AS = "postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", RUN_AS, "--", *command] if os.geteuid() == 0 else command


def own_folder(prefix: str) -> Path:
    """A fresh folder under /tmp that the server user owns (a root test's own tmp_path is closed to it)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    if os.geteuid() == 0:
        user = pwd.getpwnam(RUN_AS)
        os.chown(folder, user.pw_uid, user.pw_gid)
    return folder


def _write(path: Path, text: str) -> None:
    path.write_text(text)
    if os.geteuid() == 0:
        user = pwd.getpwnam(RUN_AS)
        os.chown(path, user.pw_uid, user.pw_gid)


def _wait_listening(port: int, process: subprocess.Popen[bytes] | None, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{log.read_text() if log.exists() else ''}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port} after {seconds}s:\n{log.read_text() if log.exists() else ''}")


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if Path(p).exists()), None
    )


class PgBouncer:
    """PgBouncer in transaction mode in front of ``server_url``'s host and port: any database name is passed on
    (a ``*`` entry), as the user ``postgres`` with trust authentication (the test server's own)."""

    def __init__(self, server_url: str, *, pool_size: int = 8, max_clients: int = 500) -> None:
        parts = urlsplit(server_url)
        self.host, self.server_port = parts.hostname or "127.0.0.1", parts.port or 5432
        self.user = parts.username or "postgres"
        self.pool_size, self.max_clients = pool_size, max_clients
        self.port = free_port()
        self.folder: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def start(self) -> PgBouncer:
        binary = pgbouncer_binary()
        if binary is None:
            raise FileNotFoundError("pgbouncer is not installed (apt-get install pgbouncer)")
        self.folder = own_folder("mpp-pgbouncer-")
        _write(self.folder / "userlist.txt", f'"{self.user}" ""\n')
        _write(
            self.folder / "pgbouncer.ini",
            f"""[databases]
* = host={self.host} port={self.server_port} user={self.user}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {self.folder}/userlist.txt
pool_mode = transaction
default_pool_size = {self.pool_size}
max_client_conn = {self.max_clients}
server_reset_query =
logfile = {self.folder}/pgbouncer.log
pidfile = {self.folder}/pgbouncer.pid
admin_users = {self.user}
""",
        )
        log = self.folder / "pgbouncer.log"
        self.process = subprocess.Popen(
            _as_server_user([binary, str(self.folder / "pgbouncer.ini")]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        _wait_listening(self.port, self.process, log)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def _pg(tool: str, *args: str) -> None:
    subprocess.run(_as_server_user([str(PG_BIN / tool), *args]), check=True, capture_output=True, timeout=120)


class ReplicaPair:
    """A primary and its hot standby (asynchronous streaming replication), on 127.0.0.1, trust authentication."""

    def __init__(self, *, standby: bool = True) -> None:
        self.primary_port, self.standby_port = free_port(), free_port()
        self.with_standby = standby
        self.folder: Path | None = None

    def primary_url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.primary_port}/{database}"

    def standby_url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.standby_port}/{database}"

    def _start(self, name: str, port: int) -> None:
        assert self.folder is not None
        log = self.folder / f"{name}.log"
        _pg("pg_ctl", "-D", str(self.folder / name), "-l", str(log), "-w", "-t", "60", "start")
        _wait_listening(port, None, log)

    def start(self) -> ReplicaPair:
        self.folder = own_folder("mpp-replica-")
        primary, standby = self.folder / "primary", self.folder / "standby"
        _pg("initdb", "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        settings = {
            "port": str(self.primary_port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.folder}'",
            "wal_level": "replica",
            "max_wal_senders": "4",
            "shared_buffers": "64MB",
            "max_connections": "120",
        }
        with (primary / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        with (primary / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        self._start("primary", self.primary_port)
        if not self.with_standby:
            return self
        _pg(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres", "-D", str(standby), "-R"
        )
        with (standby / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {self.standby_port}\nhot_standby = on\nhot_standby_feedback = on\n")
        self._start("standby", self.standby_port)
        return self

    def stop(self) -> None:
        if self.folder is None:
            return
        for name in ("standby", "primary"):
            if (self.folder / name / "postmaster.pid").exists():
                with contextlib.suppress(subprocess.SubprocessError):
                    _pg("pg_ctl", "-D", str(self.folder / name), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None
