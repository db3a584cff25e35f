"""GET /metrics: refused without the metrics token, Prometheus text with it: requests by route template, the
database pool, the outbox's depth per channel, the process."""

from __future__ import annotations

import re
import secrets
import string
import uuid

import asyncpg
import httpx
from litestar import Litestar

from api.config import Settings


def _channel() -> str:
    """A channel of the test's own (channel names are lower-case letters and underscores)."""
    return "ops_" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_metrics_are_refused_without_the_token_or_with_a_wrong_one(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    token: str = app.state.metrics_token
    for headers in ({}, _bearer("not-the-token"), _bearer(token[:-1]), {"Authorization": f"Basic {token}"}):
        refused = await client.get("/metrics", headers=headers)
        assert refused.status_code == 401, headers
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "unauthorised"
        assert "mpp_http" not in refused.text and "process_" not in refused.text


async def test_development_generates_the_token_into_the_data_folder(app: Litestar, settings: Settings) -> None:
    # The tests run as MPP_ENV=test without MPP_METRICS_TOKEN: the token is the one written under the data folder.
    assert app.state.metrics_token == (settings.data_dir / "keys" / "metrics-token").read_text().strip()
    assert len(app.state.metrics_token) >= 32


async def test_metrics_count_requests_by_route_template_with_pool_outbox_and_process(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    service = (await client.get("/api/v1/services")).json()["items"][0]["id"]
    assert (await client.get(f"/api/v1/services/{service}")).status_code == 200
    missing = uuid.uuid4()
    assert (await client.get(f"/api/v1/services/{missing}")).status_code == 404
    channel = _channel()
    message = await db.fetchval(
        "INSERT INTO outbox_message (topic, channel, payload, created_at) "
        "VALUES ('ops.test', $1, '{}', now() - interval '90 seconds') RETURNING id",
        channel,
    )
    try:
        scraped = await client.get("/metrics", headers=_bearer(app.state.metrics_token))
    finally:
        await db.execute("DELETE FROM outbox_message WHERE id = $1", message)
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = scraped.text
    # By the route's template, never by the raw path (no series per service id).
    series = 'method="GET",route="/api/v1/services/{service_id}"'
    ok = re.search(r"^mpp_http_requests_total\{" + re.escape(series) + r',status="2xx"\} ([0-9.e+]+)$', text, re.M)
    assert ok and float(ok.group(1)) >= 1, text
    assert f'mpp_http_requests_total{{{series},status="4xx"}}' in text
    assert f'mpp_http_request_duration_seconds_count{{{series},status="2xx"}}' in text
    assert service not in text and str(missing) not in text
    # The request pool, read at scrape time.
    size = re.search(r'^mpp_db_pool_size\{pool="primary"\} ([0-9.]+)$', text, re.M)
    maximum = re.search(r'^mpp_db_pool_max\{pool="primary"\} ([0-9.]+)$', text, re.M)
    assert size and maximum and 1 <= float(size.group(1)) <= float(maximum.group(1))
    assert re.search(r'^mpp_db_pool_in_use\{pool="primary"\} ', text, re.M)
    assert re.search(r'^mpp_db_pool_idle\{pool="primary"\} ', text, re.M)
    # The outbox's depth and its oldest message, per channel.
    assert re.search(rf'^mpp_outbox_pending\{{channel="{channel}"\}} 1\.0$', text, re.M), text
    oldest = re.search(rf'^mpp_outbox_oldest_age_seconds\{{channel="{channel}"\}} ([0-9.e+]+)$', text, re.M)
    assert oldest and float(oldest.group(1)) >= 90
    # The process's own figures.
    assert re.search(r"^process_cpu_seconds_total ", text, re.M)
    assert re.search(r"^process_resident_memory_bytes ", text, re.M)


async def test_an_emptied_outbox_channel_reads_zero(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    channel = _channel()
    message = await db.fetchval(
        "INSERT INTO outbox_message (topic, channel, payload) VALUES ('ops.test', $1, '{}') RETURNING id", channel
    )
    first = await client.get("/metrics", headers=_bearer(app.state.metrics_token))
    assert f'mpp_outbox_pending{{channel="{channel}"}} 1.0' in first.text
    await db.execute("UPDATE outbox_message SET processed_at = now() WHERE id = $1", message)
    second = await client.get("/metrics", headers=_bearer(app.state.metrics_token))
    assert f'mpp_outbox_pending{{channel="{channel}"}} 0.0' in second.text
    await db.execute("DELETE FROM outbox_message WHERE id = $1", message)
