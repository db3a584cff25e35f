"""A phone that loses its connection mid-upload leaves nothing behind: no document, no blob, no temp file."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from tests.e2e.pwa import PwaServer, pwa_server  # noqa: F401  (the server fixture)
from tests.support.files import jpeg

pytestmark = pytest.mark.e2e


def test_disconnect_mid_upload(pwa_server: PwaServer) -> None:  # noqa: F811
    srv, data_dir = pwa_server.server, pwa_server.data_dir
    token = str(pwa_server.sign_in()["accessToken"])
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
    done = httpx.post(
        srv.url + "/api/v1/wallet/documents",
        files={"file": ("ktp.jpg", jpeg(), "image/jpeg")},
        data={"type": "KTP_EL"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert done.status_code == 201
