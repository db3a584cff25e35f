"""A fake OSS RBA that speaks the agency web service of ``api.oss.client``, in its own process (aiohttp).

Every API call needs the ``user_key`` header. Held in memory:

* ``POST /receiveLicenseStatus`` ``{"IZINSTATUS": {...}}`` — checked strictly (every field of the shape agencies
  send, all strings, a 13-digit NIB, a 2–3 digit kd_status; anything else is a 400) and stored by ``id_izin``:
  the same status again is counted (``posts``) but changes nothing;
* ``POST /inqueryNIB`` ``{"INQUERYNIB": {"nib"}}`` → ``dataNIB`` of a known NIB, ``kode`` 404 otherwise;
* ``POST /inqueryLicenseStatus`` ``{"id_izin"}`` → ``dataIzin`` with OSS's current status, ``kode`` 404 if unknown;
* test-only routes: ``POST /_test/down`` ``{"down": true|false}`` (every API call answers 503 while down),
  ``POST /_test/fail`` ``{"status", "times"}`` (the next status posts fail with that status),
  ``GET /_test/licences`` (what was received: per id_izin the last body, ``posts``, ``statuses`` in order and the
  current ``kd_status``), ``POST /_test/licences`` ``{"id_izin", "kd_status"}`` (OSS changes a licence's status:
  a planted difference), ``POST /_test/nibs`` ``{"nib", "nama_perseroan", "status_nib"}`` (a NIB OSS knows).

Used from tests::

    with OssProcess() as oss:                      # python -m tests.fakes.oss --port P --key=K
        oss.set_down(True); ...; oss.set_down(False)
        [licence] = oss.licences(application_id)

``OssProcess()`` picks its port when made, so a client can be pointed at it before it starts. By hand:
``python -m tests.fakes.oss --port 8767 --key=dev-oss-key`` then ``MPP_OSS_URL=http://127.0.0.1:8767
MPP_OSS_KEY=dev-oss-key MPP_OSS_INBOUND_KEY=... mpp serve``. NIB 9120001234567 is known from the start.
"""

from __future__ import annotations

import argparse
import contextlib
import hmac
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from aiohttp import web

from tests.support.server import free_port

REPO = Path(__file__).resolve().parent.parent.parent
IZINSTATUS_FIELDS = (
    "nib",
    "id_produk",
    "id_proyek",
    "oss_id",
    "id_izin",
    "kd_izin",
    "kd_instansi",
    "kd_status",
    "tgl_status",
    "nip_status",
    "nama_status",
    "keterangan",
)
KNOWN_NIB = {"nib": "9120001234567", "nama_perseroan": "CV Sumber Rejeki Banyumas", "status_nib": "aktif"}
STATE = web.AppKey("state", dict)


def _oss(envelope: str, kode: int, keterangan: str, **data: Any) -> web.Response:
    return web.json_response({envelope: {"kode": kode, "keterangan": keterangan, **data}})


def make_app(key: str) -> web.Application:
    state: dict[str, Any] = {"down": False, "fail": None, "licences": {}, "nibs": {KNOWN_NIB["nib"]: KNOWN_NIB}}

    @web.middleware
    async def gate(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/_test/") or request.path == "/health":
            return await handler(request)
        given = request.headers.get("user_key", "").encode()
        if not hmac.compare_digest(given, key.encode()):
            return web.json_response({"error": "invalid user_key"}, status=401)
        if state["down"]:
            return web.json_response({"error": "OSS sedang dalam pemeliharaan"}, status=503)
        return await handler(request)

    async def receive_status(request: web.Request) -> web.Response:
        fail = state["fail"]
        if fail and fail["times"] > 0:
            fail["times"] -= 1
            return web.json_response({"error": f"failing on purpose with {fail['status']}"}, status=fail["status"])
        body = await request.json()
        izin = body.get("IZINSTATUS") if isinstance(body, dict) else None
        if not isinstance(izin, dict) or set(izin) != set(IZINSTATUS_FIELDS):
            return web.json_response({"error": "IZINSTATUS must have exactly the agency fields"}, status=400)
        if not all(isinstance(v, str) for v in izin.values()):
            return web.json_response({"error": "every field is a string"}, status=400)
        if not re.fullmatch(r"[0-9]{13}", izin["nib"]) or not re.fullmatch(r"[0-9]{2,3}", izin["kd_status"]):
            return web.json_response({"error": "nib or kd_status malformed"}, status=400)
        known = state["licences"].setdefault(izin["id_izin"], {"posts": 0, "statuses": []})
        known["posts"] += 1
        if not known["statuses"] or known["statuses"][-1] != izin["kd_status"]:
            known["statuses"].append(izin["kd_status"])
        known.update(body=izin, kd_status=izin["kd_status"])
        return _oss("responreceiveLicenseStatus", 200, "Sukses")

    async def inquire_nib(request: web.Request) -> web.Response:
        body = await request.json()
        nib = str((body.get("INQUERYNIB") or {}).get("nib", ""))
        found = state["nibs"].get(nib)
        if found is None:
            return _oss("responinqueryNIB", 404, "NIB tidak ditemukan")
        return _oss("responinqueryNIB", 200, "Sukses", dataNIB=found)

    async def inquire_licence(request: web.Request) -> web.Response:
        id_izin = str((await request.json()).get("id_izin", ""))
        known = state["licences"].get(id_izin)
        if known is None:
            return _oss("responinqueryLicenseStatus", 404, "Izin tidak ditemukan")
        data = {"id_izin": id_izin, "kd_status": known["kd_status"], "tgl_status": known["body"]["tgl_status"]}
        return _oss("responinqueryLicenseStatus", 200, "Sukses", dataIzin=data)

    async def control(request: web.Request) -> web.Response:
        body = await request.json() if request.method == "POST" else {}
        name = request.match_info["name"]
        if name == "down":
            state["down"] = bool(body["down"])
        elif name == "fail":
            state["fail"] = {"status": int(body["status"]), "times": int(body.get("times", 1))}
        elif name == "nibs":
            state["nibs"][body["nib"]] = body
        elif name == "licences" and request.method == "POST":
            state["licences"][body["id_izin"]]["kd_status"] = body["kd_status"]
        elif name == "licences":
            return web.json_response(state["licences"])
        else:
            raise web.HTTPNotFound
        return web.json_response({"ok": True})

    app = web.Application(middlewares=[gate])
    app[STATE] = state
    app.router.add_get("/health", lambda _r: _health())
    app.router.add_post("/receiveLicenseStatus", receive_status)
    app.router.add_post("/inqueryNIB", inquire_nib)
    app.router.add_post("/inqueryLicenseStatus", inquire_licence)
    app.router.add_route("*", "/_test/{name}", control)
    return app


async def _health() -> web.Response:
    return web.json_response({"ok": True})


class OssProcess:
    """``python -m tests.fakes.oss`` on a port chosen now, started (and waited for) by ``start()``."""

    def __init__(self, *, key: str | None = None) -> None:
        self.key = key or secrets.token_urlsafe(16)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20) -> OssProcess:
        command = [sys.executable, "-m", "tests.fakes.oss", "--port", str(self.port), f"--key={self.key}"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode() if self.process.stdout else ""
                raise RuntimeError(f"fake OSS exited with {self.process.returncode}:\n{output}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"fake OSS not answering at {self.url} after {timeout}s")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()

    def __enter__(self) -> OssProcess:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _control(self, name: str, body: dict[str, Any]) -> None:
        response = httpx.post(f"{self.url}/_test/{name}", json=body, timeout=5)
        assert response.status_code == 200, response.text

    def set_down(self, down: bool) -> None:
        self._control("down", {"down": down})

    def fail_next(self, status: int, times: int = 1) -> None:
        self._control("fail", {"status": status, "times": times})

    def plant_status(self, id_izin: object, kd_status: str) -> None:
        self._control("licences", {"id_izin": str(id_izin), "kd_status": kd_status})

    def add_nib(self, nib: str, name: str, status: str = "aktif") -> None:
        self._control("nibs", {"nib": nib, "nama_perseroan": name, "status_nib": status})

    def licences(self) -> dict[str, dict[str, Any]]:
        response = httpx.get(self.url + "/_test/licences", timeout=5)
        response.raise_for_status()
        received: dict[str, dict[str, Any]] = response.json()
        return received


def main() -> None:
    parser = argparse.ArgumentParser(description="A fake OSS RBA agency web service.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", default="dev-oss-key")
    args = parser.parse_args()
    web.run_app(make_app(args.key), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
