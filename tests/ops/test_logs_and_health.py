"""The request id (kept or made, echoed, in every log line), JSON logs, readiness naming each dependency, the
metrics token required in production, and the access guard skipped only where the rule is public."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import logging
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from litestar import Litestar

from api.config import OpsSettings, Settings, SettingsError, _load
from api.lib import logs
from api.lib.auth import access_guard
from tests.support.clients import client_at


@pytest.fixture
def json_settings(settings: Settings) -> Iterator[Settings]:
    """The session's settings with JSON logs and the access log on; text logs again afterwards."""
    yield dataclasses.replace(
        settings,
        ops=OpsSettings(metrics_token=secrets.token_urlsafe(32), log_format="json"),
        server=dataclasses.replace(settings.server, access_log=True),
    )
    logs.configure(settings.ops.log_format)


@pytest_asyncio.fixture(loop_scope="session")
async def json_client(app: Litestar, json_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A second app over the session's database (its pool is the session app's), logging JSON."""
    from api.app import create_app

    async with client_at(create_app(json_settings), "10.9.8.7") as c:
        yield c


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


async def test_a_sane_request_id_is_echoed_and_in_the_json_access_log(
    json_client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    answered = await json_client.get("/health/live", headers={"X-Request-Id": "lb-7f3a.2_B"})
    assert answered.headers["x-request-id"] == "lb-7f3a.2_B"
    await asyncio.sleep(logs.FLUSH_SECONDS + 0.2)  # the access log writes its buffer out at most this late
    line = next(line for line in _lines(capsys.readouterr().out) if line.get("request_id") == "lb-7f3a.2_B")
    assert line["logger"] == "mpp.access" and line["level"] == "INFO"
    assert line["method"] == "GET" and line["route"] == "/health/live" and line["status"] == 200
    assert isinstance(line["duration_ms"], float) and isinstance(line["time"], str) and line["message"]


@pytest.mark.parametrize("given", ["", "has space", "x" * 65, "semi;colon", "ünïcode".encode()])
async def test_an_insane_request_id_is_replaced(json_client: httpx.AsyncClient, given: str | bytes) -> None:
    answered = await json_client.get("/health/live", headers={"X-Request-Id": given} if given else {})
    made = answered.headers["x-request-id"]
    assert made != given and len(made) == 16 and int(made, 16) >= 0
    # Security headers still on the same response (one wrapper adds both).
    assert answered.headers["x-frame-options"] == "DENY" and "content-security-policy" in answered.headers


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/services/not-a-uuid", 404),
        ("GET", "/api/v1/no-such-thing", 404),
        ("PATCH", "/health/live", 405),
    ],
)
async def test_the_routers_own_refusals_are_observed_too(
    json_client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str], method: str, path: str, status: int
) -> None:
    """A request no route takes is answered by Litestar's router, before any route's middleware: it still gets
    the security headers, its id and its access-log line (under one route label, so that scanners cannot grow
    the metrics)."""
    request_id = f"unrouted-{secrets.token_hex(4)}"
    answered = await json_client.request(method, path, headers={"X-Request-Id": request_id})
    assert answered.status_code == status
    assert answered.headers["content-type"].startswith("application/problem+json")
    assert answered.headers["x-request-id"] == request_id
    assert answered.headers["x-content-type-options"] == "nosniff" and answered.headers["x-frame-options"] == "DENY"
    assert answered.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    await asyncio.sleep(logs.FLUSH_SECONDS + 0.2)
    line = next(line for line in _lines(capsys.readouterr().out) if line.get("request_id") == request_id)
    assert line["logger"] == "mpp.access" and line["status"] == status and line["route"] == "(unrouted)"
    assert line["message"] == f"{method} {path} {status}"


async def test_every_log_line_of_a_request_carries_its_id(json_settings: Settings) -> None:
    stream = io.StringIO()
    logs.configure("json", stream=stream)
    token = logs.request_id_var.set("req-42")
    try:
        logging.getLogger("api.somewhere").warning("it happened: %s", "here")
    finally:
        logs.request_id_var.reset(token)
    logging.getLogger("api.somewhere").warning("outside a request")
    inside, outside = _lines(stream.getvalue())
    assert inside["request_id"] == "req-42" and inside["message"] == "it happened: here"
    assert inside["level"] == "WARNING" and inside["logger"] == "api.somewhere" and "time" in inside
    assert "request_id" not in outside


async def test_readiness_reports_each_dependency(client: httpx.AsyncClient) -> None:
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    # Every migration this code ships has run (the ids read from the files match piccolo's table).
    assert body["checks"] == {"database": "ok", "blobs": "ok", "migrations": "ok"}
    assert "failed" not in body


async def test_readiness_names_a_failed_dependency(app: Litestar, settings: Settings) -> None:
    from api.app import create_app

    # A blob store nobody listens for: the database still answers (200), and the body says what failed.
    broken = dataclasses.replace(
        settings,
        storage=dataclasses.replace(settings.storage, blob_url="s3://mpp-docs?endpoint=http://127.0.0.1:9&region=x"),
    )
    async with client_at(create_app(broken), "10.9.8.6") as c:
        ready = await c.get("/health/ready")
    logs.configure(settings.ops.log_format)
    assert ready.status_code == 200
    body = ready.json()
    assert body["checks"]["blobs"] == "unreachable" and body["checks"]["database"] == "ok"
    assert body["failed"] == ["blobs"]


def test_production_refuses_to_start_without_the_metrics_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("MPP_"):
            monkeypatch.delenv(name)
    values = {
        "MPP_ENV": "prod",
        "MPP_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "MPP_SIGNING_KEYS": '{"keys": []}',
        "MPP_SECRET_KEY": secrets.token_urlsafe(48),
        "MPP_OIDC_RSA_KEY": "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----",
        "MPP_PUBLIC_URL": "https://mpp.example.go.id",
        "MPP_SMS_URL": "https://sms.example.go.id/send",
        "MPP_MASTER_KEYS": '{"active": "k", "keys": {}}',
        "MPP_VAPID_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----",
        "MPP_REGISTRY_URL": "https://registry.example.go.id",
        "MPP_REGISTRY_CLIENT_ID": "mpp",
        "MPP_REGISTRY_SECRET": "s",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match="MPP_METRICS_TOKEN"):
        _load()
    monkeypatch.setenv("MPP_METRICS_TOKEN", secrets.token_urlsafe(32))
    assert _load().ops.metrics_token
    assert not (tmp_path / "keys").exists(), "production must not generate its own token"


async def test_the_access_guard_is_skipped_only_where_the_rule_is_public(app: Litestar) -> None:
    public, guarded = 0, 0
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            rule = handler.opt.get("access")
            if rule is not None and rule.roles is None:
                assert access_guard not in handler.resolve_guards(), handler
                public += 1
            else:
                assert access_guard in handler.resolve_guards(), handler
                guarded += 1
    assert public and guarded
    async with client_at(app, "10.9.8.5") as c:
        assert (await c.get("/api/v1/me")).status_code == 401  # a guarded route still refuses strangers
        assert (await c.get("/health/live")).status_code == 200


async def test_answers_are_gzipped_only_for_clients_that_ask(client: httpx.AsyncClient) -> None:
    # The catalogue's list is well over the 1 KB below which nothing is compressed.
    asked = await client.get("/api/v1/services", headers={"Accept-Encoding": "gzip"})
    assert asked.status_code == 200 and asked.headers["content-encoding"] == "gzip"
    assert asked.json()["items"]  # httpx inflates it: the body is intact
    for header in ("identity", ""):
        plain = await client.get("/api/v1/services", headers={"Accept-Encoding": header})
        assert plain.status_code == 200 and "content-encoding" not in plain.headers
        assert plain.json() == asked.json()
