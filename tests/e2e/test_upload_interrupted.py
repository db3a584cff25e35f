"""A phone that loses its connection mid-upload leaves nothing behind: no document, no blob, no temp file."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.auth import new_phone
from tests.support.server import Server, running_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[tuple[Server, Path]]:
    data_dir = tmp_path_factory.mktemp("upload") / "var"
    with running_server(data_dir, database_url=database_url) as s:
        yield s, data_dir


def sign_in(server: Server, data_dir: Path) -> str:
    phone = new_phone()
    assert httpx.post(server.url + "/api/v1/auth/otp", json={"phone": phone}).status_code == 202
    # The SMS goes out after the answer (a background task): wait for it, as a citizen waits for the text.
    codes: list[str] = []
    deadline = time.monotonic() + 10
    while not codes and time.monotonic() < deadline:
        path = data_dir / "dev-messages.jsonl"
        lines = path.read_text().splitlines() if path.exists() else []
        codes = [json.loads(line)["code"] for line in lines if json.loads(line)["to"] == phone]
        time.sleep(0.05)
    code = codes[-1]
    tokens = httpx.post(server.url + "/api/v1/auth/otp/verify", json={"phone": phone, "code": code}).json()
    return str(tokens["accessToken"])


def test_disconnect_mid_upload(server: tuple[Server, Path]) -> None:
    srv, data_dir = server
    token = sign_in(srv, data_dir)
    boundary = "mppboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\nKTP_EL\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="ktp.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    announced = len(head) + 3 * 1024 * 1024
    request = (
        f"POST /api/v1/wallet/documents HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {announced}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", srv.port)) as sock:
        sock.sendall(request + head + b"\xff\xd8\xff\xe0" + b"\x00" * (512 * 1024))
        time.sleep(0.3)
    # The connection is gone with 2.5 MB unsent. The server must have stored nothing.
    time.sleep(0.5)
    listed = httpx.get(srv.url + "/api/v1/wallet/documents", headers={"Authorization": f"Bearer {token}"}).json()
    assert listed["total"] == 0
    blobs = data_dir / "blobs"
    assert not blobs.exists() or not [p for p in blobs.rglob("*") if p.is_file()]
    assert "Traceback" not in srv.log.read_text(), "an interrupted upload is not a server error"
    # And the server is fine: a complete upload right after works.
    from tests.wallet.test_wallet_api import jpeg

    done = httpx.post(
        srv.url + "/api/v1/wallet/documents",
        files={"file": ("ktp.jpg", jpeg(), "image/jpeg")},
        data={"type": "KTP_EL"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert done.status_code == 201
