"""The ranking of regions and provinces: ordered by the figure's own direction with shared ranks and nulls last, the
same figures as each region's own dashboard, national admins only, CSV of the same rows."""

from __future__ import annotations

import csv
import io

import asyncpg
import httpx
from litestar import Litestar

from api.stats import definitions
from api.stats.ranking import ranked
from api.stats.scopes import Unit
from tests.support.auth import bearer
from tests.support.factories import create_national_admin, create_region_admin

PERIOD = {"from": "2026-01-01", "to": "2026-12-31"}


def test_best_first_ties_share_a_rank_and_nulls_come_last() -> None:
    units = [Unit(kind="region", code=c, name=c) for c in ("a", "b", "c", "d", "e")]
    shares = [0.5, None, 0.9, 0.5, 0.1]
    higher = ranked(
        [(u, {"decidedWithinSlaShare": v}) for u, v in zip(units, shares, strict=True)],
        definitions.BY_KEY["decidedWithinSlaShare"],
    )
    assert [(i.rank, i.unit.code) for i in higher] == [(1, "c"), (2, "a"), (2, "d"), (4, "e"), (None, "b")]
    waits = [12, 3, None, 3, 40]
    lower = ranked(
        [(u, {"waitMinutesMedian": v}) for u, v in zip(units, waits, strict=True)],
        definitions.BY_KEY["waitMinutesMedian"],
    )
    assert [(i.rank, i.unit.code) for i in lower] == [(1, "b"), (1, "d"), (3, "a"), (4, "e"), (None, "c")]


async def test_the_ranking_has_the_dashboards_figures(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    national = await create_national_admin(db, app)
    response = await client.get(
        "/api/v1/stats/ranking",
        params={**PERIOD, "level": "region", "figure": "applicationsReceived"},
        headers=bearer(national),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    regions = await db.fetchval("SELECT count(*) FROM catalogue_region")
    assert (body["figure"], body["from"], body["to"], body["total"]) == (
        "applicationsReceived",
        *PERIOD.values(),
        regions,
    )
    values = [i["figures"]["applicationsReceived"] for i in body["items"]]
    assert values == sorted(values, reverse=True)
    assert body["items"][0]["rank"] == 1
    banyumas = next(i for i in body["items"] if i["unit"]["code"] == "3302")
    assert banyumas["unit"] == {"kind": "region", "code": "3302", "name": "Kabupaten Banyumas"}
    dashboard = await client.get(
        "/api/v1/stats/figures", params={**PERIOD, "scope": "region:3302"}, headers=bearer(national)
    )
    total = dashboard.json()["total"]
    for key in definitions.BY_KEY:
        assert banyumas["figures"][key] == total[key], key
    provinces = await client.get(
        "/api/v1/stats/ranking",
        params={**PERIOD, "level": "province", "figure": "decideDaysMedian"},
        headers=bearer(national),
    )
    assert provinces.status_code == 200, provinces.text
    assert {i["unit"]["kind"] for i in provinces.json()["items"]} == {"province"}
    assert "33" in {i["unit"]["code"] for i in provinces.json()["items"]}


async def test_the_ranking_as_csv(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> None:
    national = await create_national_admin(db, app)
    params = {**PERIOD, "figure": "skmIndex"}
    shown = (await client.get("/api/v1/stats/ranking", params=params, headers=bearer(national))).json()
    response = await client.get("/api/v1/stats/ranking", params={**params, "format": "csv"}, headers=bearer(national))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["code"] for r in rows] == [i["unit"]["code"] for i in shown["items"]]
    assert [r["rank"] for r in rows] == ["" if i["rank"] is None else str(i["rank"]) for i in shown["items"]]


async def test_only_national_admins_rank_and_only_known_figures(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    regional = await create_region_admin(db, app, region="3302")
    refused = await client.get(
        "/api/v1/stats/ranking", params={**PERIOD, "figure": "skmIndex"}, headers=bearer(regional)
    )
    assert refused.status_code == 403
    national = await create_national_admin(db, app)
    unknown = await client.get(
        "/api/v1/stats/ranking", params={**PERIOD, "figure": "happiness"}, headers=bearer(national)
    )
    assert (unknown.status_code, unknown.json()["code"]) == (400, "invalid_figure")
    level = await client.get(
        "/api/v1/stats/ranking", params={**PERIOD, "figure": "skmIndex", "level": "mpp"}, headers=bearer(national)
    )
    assert (level.status_code, level.json()["code"]) == (400, "invalid_request")
