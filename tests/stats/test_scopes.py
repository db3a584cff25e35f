"""Scopes of the figures: how they are written, who may read which unit (404 for another region's or agency's,
403 above one's reach), each unit's breakdown, and the refusals of a malformed query (stable codes)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from api.stats.figures import periods, rows_for
from api.stats.scopes import (
    InvalidScopeError,
    Scope,
    ScopeForbiddenError,
    ScopeNotFoundError,
    Unit,
    Viewer,
    check,
    parse,
)
from tests.support.auth import bearer
from tests.support.factories import create_national_admin, create_officer, create_region_admin, create_supervisor

AGENCY = uuid.uuid4()
SERVICE = uuid.uuid4()


def viewer(role: str, region: str | None = None, agency: str | None = None) -> Viewer:
    return Viewer(id=uuid.uuid4(), roles=frozenset({role}), region=region, agency=agency)


def scope(kind: Any, region: str | None = "3302", agency_code: str | None = None) -> Scope:
    return Scope(
        unit=Unit(kind=kind, code="x", name="x"),
        province=region[:2] if region else None,
        region=region if kind != "province" else None,
        agency=AGENCY if agency_code else None,
        agency_code=agency_code,
        service=SERVICE if kind == "service" else None,
    )


@pytest.mark.parametrize(
    "text",
    ["national", "province:33", "region:3302", f"mpp:{uuid.uuid4()}", f"agency:{uuid.uuid4()}", f"service:{SERVICE}"],
)
def test_the_six_kinds_parse(text: str) -> None:
    kind, code = parse(text)
    assert f"{kind}:{code}".removesuffix(":") == text.lower()


@pytest.mark.parametrize(
    "text",
    ["", "nation", "province:3", "region:33a2", "region:33020", "agency:DISDUKCAPIL", "service:1234", "region:3302 "],
)
def test_malformed_scopes_are_refused(text: str) -> None:
    with pytest.raises(InvalidScopeError):
        parse(text)


def test_who_may_read_what() -> None:
    national, regional = viewer("national_admin"), viewer("region_admin", "3302")
    boss = viewer("supervisor", "3302", "DISDUKCAPIL")
    for kind in ("national", "province", "region", "mpp", "agency", "service"):
        check(scope(kind, agency_code="DISDUKCAPIL"), national)
    for kind in ("region", "mpp", "agency", "service"):
        check(scope(kind, agency_code="DISDUKCAPIL"), regional)
        with pytest.raises(ScopeNotFoundError):
            check(scope(kind, region="3510", agency_code="DISDUKCAPIL"), regional)
    for kind in ("national", "province"):
        with pytest.raises(ScopeForbiddenError):
            check(scope(kind), regional)
    for kind in ("agency", "service"):
        check(scope(kind, agency_code="DISDUKCAPIL"), boss)
        with pytest.raises(ScopeNotFoundError):
            check(scope(kind, agency_code="DPMPTSP"), boss)
        with pytest.raises(ScopeNotFoundError):
            check(scope(kind, region="3510", agency_code="DISDUKCAPIL"), boss)
    for kind in ("national", "province", "region", "mpp"):
        with pytest.raises(ScopeForbiddenError):
            check(scope(kind, agency_code="DISDUKCAPIL"), boss)
    with pytest.raises(ScopeForbiddenError):
        check(scope("agency", agency_code="DISDUKCAPIL"), viewer("officer", "3302", "DISDUKCAPIL"))


def test_periods_are_clipped_to_the_range() -> None:
    start, end = dt.date(2026, 1, 30), dt.date(2026, 3, 2)
    assert periods(start, end, "month") == [
        (dt.date(2026, 1, 30), dt.date(2026, 1, 31)),
        (dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        (dt.date(2026, 3, 1), dt.date(2026, 3, 2)),
    ]
    weeks = periods(dt.date(2026, 12, 2), dt.date(2026, 12, 15), "week")  # a Wednesday to a Tuesday
    assert weeks == [
        (dt.date(2026, 12, 2), dt.date(2026, 12, 6)),
        (dt.date(2026, 12, 7), dt.date(2026, 12, 13)),
        (dt.date(2026, 12, 14), dt.date(2026, 12, 15)),
    ]
    assert len(periods(dt.date(2024, 1, 1), dt.date(2024, 12, 31), "day")) == 366


def test_whole_months_are_read_from_month_rows_the_rest_from_day_rows() -> None:
    rows = rows_for(dt.date(2026, 1, 30), dt.date(2026, 3, 2), "month")
    assert rows.months == (dt.date(2026, 2, 1), dt.date(2026, 2, 1))
    assert rows.days == ((dt.date(2026, 1, 30), dt.date(2026, 1, 31)), (dt.date(2026, 3, 1), dt.date(2026, 3, 2)))
    whole_year = rows_for(dt.date(2026, 1, 1), dt.date(2026, 12, 31), "month")
    assert (whole_year.months, whole_year.days) == ((dt.date(2026, 1, 1), dt.date(2026, 12, 1)), ())
    inside_a_month = rows_for(dt.date(2026, 2, 3), dt.date(2026, 2, 20), "month")
    assert (inside_a_month.months, inside_a_month.days) == (None, ((dt.date(2026, 2, 3), dt.date(2026, 2, 20)),))
    assert rows_for(dt.date(2026, 1, 1), dt.date(2026, 12, 31), "week").months is None


# --- through the API --------------------------------------------------------------------------------------------

DAY = {"from": "2026-01-01", "to": "2026-01-31"}


async def answer(client: httpx.AsyncClient, token: str, **params: str) -> httpx.Response:
    return await client.get("/api/v1/stats/figures", params={**DAY, **params}, headers=bearer(token))


async def test_each_role_reads_within_its_reach(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    agency = await db.fetchval("SELECT id FROM catalogue_agency WHERE code = 'DISDUKCAPIL' AND region = '3302'")
    elsewhere = await db.fetchval("SELECT id FROM catalogue_agency WHERE code = 'DISDUKCAPIL' AND region = '3510'")
    service = await db.fetchval("SELECT id FROM catalogue_service WHERE agency = $1 ORDER BY code LIMIT 1", agency)
    mpp = await db.fetchval("SELECT id FROM catalogue_mpp WHERE region = '3302'")
    boss = await create_supervisor(db, app, agency="DISDUKCAPIL", region="3302")
    regional = await create_region_admin(db, app, region="3302")
    national = await create_national_admin(db, app)
    clerk = await create_officer(db, app, agency="DISDUKCAPIL", region="3302")
    expectations = [
        (boss, f"agency:{agency}", 200),
        (boss, f"service:{service}", 200),
        (boss, f"agency:{elsewhere}", 404),
        (boss, "region:3302", 403),
        (boss, "national", 403),
        (regional, "region:3302", 200),
        (regional, f"mpp:{mpp}", 200),
        (regional, f"agency:{agency}", 200),
        (regional, "region:3510", 404),
        (regional, f"agency:{elsewhere}", 404),
        (regional, "province:33", 403),
        (regional, "national", 403),
        (national, "national", 200),
        (national, "province:33", 200),
        (national, "region:3510", 200),
        (national, f"agency:{uuid.uuid4()}", 404),
        (national, "region:9999", 404),
        (national, "province:00", 404),
        (clerk, f"agency:{agency}", 403),
    ]
    for token, text, status in expectations:
        response = await answer(client, token, scope=text)
        assert response.status_code == status, (text, response.text)
        if status != 200:
            assert response.headers["content-type"].startswith("application/problem+json")


async def test_each_unit_breaks_down_into_its_children(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    national = await create_national_admin(db, app)
    agency = await db.fetchval("SELECT id FROM catalogue_agency WHERE code = 'DISDUKCAPIL' AND region = '3302'")
    mpp = await db.fetchval("SELECT id FROM catalogue_mpp WHERE region = '3302'")
    services = await db.fetchval("SELECT count(*) FROM catalogue_service WHERE agency = $1", agency)
    cases = [
        ("national", "province", "33"),
        ("province:33", "region", "3302"),
        ("region:3302", "agency", str(agency)),
        (f"mpp:{mpp}", "agency", str(agency)),
        (f"agency:{agency}", "service", None),
    ]
    for text, kind, code in cases:
        body = (await answer(client, national, scope=text)).json()
        assert {b["unit"]["kind"] for b in body["breakdown"]} == {kind}, text
        codes = [b["unit"]["code"] for b in body["breakdown"]]
        assert code is None or code in codes, text
        assert len(codes) == len(set(codes))
        assert set(body["total"]) == set(body["breakdown"][0]["figures"])
    body = (await answer(client, national, scope=f"agency:{agency}")).json()
    assert len(body["breakdown"]) == services
    region = (await answer(client, national, scope="region:3302")).json()
    assert region["scope"] == {"kind": "region", "code": "3302", "name": "Kabupaten Banyumas"}
    assert (await answer(client, national, scope="national")).json()["scope"] == {
        "kind": "national",
        "code": "",
        "name": "Indonesia",
    }


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"scope": "region:33"}, 400, "invalid_scope"),
        ({"scope": "agency:DISDUKCAPIL"}, 400, "invalid_scope"),
        ({"scope": "national", "from": "2026-02-30"}, 400, "invalid_date"),
        ({"scope": "national", "to": "26-01-31"}, 400, "invalid_date"),
        ({"scope": "national", "from": "2026-02-01", "to": "2026-01-31"}, 422, "invalid_period"),
        ({"scope": "national", "from": "2025-01-01", "to": "2026-01-31"}, 422, "invalid_period"),
        ({"scope": "national", "grain": "year"}, 400, "invalid_request"),
        ({"scope": "national", "format": "xml"}, 400, "invalid_request"),
    ],
)
async def test_a_malformed_query_is_refused_with_a_stable_code(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, params: dict[str, str], status: int, code: str
) -> None:
    national = await create_national_admin(db, app)
    response = await answer(client, national, **params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    missing = await client.get("/api/v1/stats/figures", params={"scope": "national"}, headers=bearer(national))
    assert (missing.status_code, missing.json()["code"]) == (400, "invalid_request")


async def test_366_days_is_the_longest_range(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> None:
    national = await create_national_admin(db, app)
    response = await answer(client, national, scope="region:3302", **{"from": "2024-01-01", "to": "2024-12-31"})
    assert response.status_code == 200, response.text
    assert len(response.json()["periods"]) == 12


async def test_the_definitions_are_public_and_in_the_callers_language(client: httpx.AsyncClient) -> None:
    indonesian = (await client.get("/api/v1/stats/definitions")).json()
    english = (await client.get("/api/v1/stats/definitions", headers={"Accept-Language": "en"})).json()
    assert indonesian["total"] == len(indonesian["items"]) == 22
    first = {i["key"]: i for i in indonesian["items"]}["decidedWithinSlaShare"]
    assert set(first) == {"key", "name", "description", "unit", "higherIsBetter"}
    assert (first["unit"], first["higherIsBetter"]) == ("share", True)
    assert first["name"] != {i["key"]: i for i in english["items"]}["decidedWithinSlaShare"]["name"]
    assert [i["key"] for i in english["items"]] == [i["key"] for i in indonesian["items"]]
