"""A database outage (issue 13, item 15): every route whose database is unreachable answers 503 ``unavailable``
with ``Retry-After``, never a 500 — and the PWA keeps a submission made meanwhile in its outbox and sends it,
once, when the database is back. The database is cut off with the TCP proxy of tests/e2e/test_readiness.py."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, bearer, citizen_with_documents, fill_in, kk_service
from tests.support.applications import answers_for
from tests.support.server import running_server
from tests.support.tcp_proxy import TcpProxy, through_proxy

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cut_off(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[tuple[PwaServer, TcpProxy]]:
    """A server whose database connection goes through a proxy the test can cut."""
    proxy, url = through_proxy(database_url)
    data_dir = tmp_path_factory.mktemp("outage") / "var"
    try:
        with running_server(data_dir, database_url=url) as server:
            yield PwaServer(server, data_dir, url), proxy
    finally:
        proxy.close()


def wait_ready(pwa_server: PwaServer, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while pwa_server.server.get("/health/ready").status_code != 200:
        assert time.monotonic() < deadline, "the server did not see the database come back"
        time.sleep(0.3)


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) > 0
    problem = response.json()
    assert problem["code"] == "unavailable" and problem["status"] == 503
    assert "reference" not in problem, "an outage is not a fault to quote to the help desk"


def test_an_outage_is_503_with_retry_after_and_the_retry_works(cut_off: tuple[PwaServer, TcpProxy]) -> None:
    pwa_server, proxy = cut_off
    service = kk_service(pwa_server)
    tokens, ids = citizen_with_documents(pwa_server, service)
    body: dict[str, Any] = {"serviceId": service["id"], "answers": answers_for(service), "documentIds": ids}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    with pwa_server.api() as client:
        # Connections in the pool are open when the line goes: each is lost mid-use or refused on reconnect.
        proxy.cut()
        try:
            assert_unavailable(client.post("/api/v1/applications", json=body, headers={**bearer(tokens), **key}))
            assert_unavailable(client.get("/api/v1/applications", headers=bearer(tokens)))
            assert_unavailable(client.get("/api/v1/regions"))
            assert_unavailable(client.post("/api/v1/applications", json=body, headers={**bearer(tokens), **key}))
        finally:
            proxy.restore()
        wait_ready(pwa_server)
        # The client's retry, with the same key, makes the application — once.
        made = client.post("/api/v1/applications", json=body, headers={**bearer(tokens), **key})
        assert made.status_code == 201, made.text
        again = client.post("/api/v1/applications", json=body, headers={**bearer(tokens), **key})
        assert again.status_code == 201 and again.json()["id"] == made.json()["id"]
        mine = client.get("/api/v1/applications", headers=bearer(tokens)).json()["items"]
        assert [a["id"] for a in mine] == [made.json()["id"]]


def test_the_outbox_keeps_a_submission_through_an_outage(
    cut_off: tuple[PwaServer, TcpProxy], phone: Callable[..., BrowserContext]
) -> None:
    pwa_server, proxy = cut_off
    service = kk_service(pwa_server)
    tokens, _ = citizen_with_documents(pwa_server, service)
    context = phone()
    page = context.new_page()
    pwa_server.open_signed_in(page, tokens, f"/apply/{service['id']}")
    fill_in(page)
    proxy.cut()
    try:
        page.get_by_role("button", name="Kirim permohonan").click()
        receipt = page.locator("#receipt")
        # 503: not refused, not lost — kept on the phone to send again.
        expect(receipt).to_have_attribute("data-state", "pending", timeout=20_000)
        expect(receipt).to_contain_text("Tersimpan di ponsel ini")
    finally:
        proxy.restore()
    wait_ready(pwa_server)
    page.get_by_role("link", name="Lihat yang menunggu dikirim").click()
    item = page.locator("#outbox li[data-state]")
    expect(item).to_have_count(1)
    page.evaluate("import('/js/store/outbox.js').then((m) => m.replay())")
    expect(item).to_have_attribute("data-state", "received", timeout=20_000)
    with pwa_server.api() as client:
        mine = client.get("/api/v1/applications", headers=bearer(tokens)).json()["items"]
    assert [a["status"] for a in mine] == ["submitted"], mine
