"""Discovery and health: the OpenAPI document describes every route; liveness and readiness answer."""

from __future__ import annotations

import httpx


async def test_openapi_lists_every_route_with_an_operation_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "MPP Digital API"
    paths = spec["paths"]
    for path in ("/api/v1/regions", "/api/v1/services", "/api/v1/services/{service_id}", "/health/live"):
        assert path in paths, path
    operation_ids = [op["operationId"] for item in paths.values() for op in item.values() if isinstance(op, dict)]
    assert all(operation_ids)
    assert len(operation_ids) == len(set(operation_ids)), "operationIds must be unique"
    search = paths["/api/v1/services"]["get"]
    params = {p["name"] for p in search["parameters"]}
    assert {"q", "region", "agency", "category", "channel", "page", "pageSize"} <= params
    assert "ServiceList" in str(search["responses"]["200"])


async def test_health(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok" and ready.json()["database"] == "ok"
    assert ready.headers["cache-control"] == "no-store"


async def test_pwa_is_served_at_the_root(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="id">' in page.text
    assert (await client.get("/js/main.js")).status_code == 200
    assert (await client.get("/i18n/en.json")).json()["searchButton"] == "Search"
