"""A separate `mpp worker`'s own /metrics (MPP_METRICS_PORT): the same token, the worker's counters."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import socket

import httpx

from api.config import OpsSettings, Settings
from api.lib import metrics
from api.lib.metrics_server import serve_metrics


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_the_worker_serves_its_metrics_under_the_same_token(settings: Settings) -> None:
    token, port = secrets.token_urlsafe(32), _free_port()
    worker = dataclasses.replace(
        settings,
        ops=OpsSettings(metrics_token=token, metrics_port=port),
        server=dataclasses.replace(settings.server, host="127.0.0.1"),
    )
    metrics.count_pushes(sent=2, gone=1, failed=0)  # as the worker's delivery loop records a batch
    stop = asyncio.Event()
    server = asyncio.create_task(serve_metrics(worker, stop))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(50):  # until it listens
                try:
                    refused = await client.get("/metrics")
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
            assert refused.status_code == 401
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["code"] == "unauthorised" and "process_" not in refused.text
            wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            scraped = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
            assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
            assert 'mpp_notification_deliveries_total{outcome="push_sent"}' in scraped.text
            assert "process_cpu_seconds_total" in scraped.text
            assert (await client.get("/other", headers={"Authorization": f"Bearer {token}"})).status_code == 404
    finally:
        stop.set()
        await server
