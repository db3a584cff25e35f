"""A unit's figures through the API: exact for a service only this module uses, made through the API (applications
submitted, decided, completed, withdrawn, corrected; a survey answered; a complaint filed), then the consumer caught
up. The same figures by day, week and month (month rows and day rows agree), as the agency's breakdown, and as CSV;
the agency's per-officer workload, whose every read is audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest_asyncio
from litestar import Litestar

from api.catalogue.timezones import local_today
from tests.support.applications import idempotency_key
from tests.support.auth import bearer
from tests.support.clients import client_at
from tests.support.factories import (
    create_application,
    create_citizen,
    create_officer,
    create_region_admin,
    create_supervisor,
)
from tests.support.feedback import decide, scores
from tests.support.identity import random_nik
from tests.support.stats import caught_up

# Hulu Sungai Selatan (Kalimantan Selatan, WITA): a demo region the other tests leave alone; its local day is UTC+8.
REGION = "6306"


@dataclass
class Made:
    service: dict[str, Any]
    agency: str  # the agency's id
    agency_code: str
    officer: str
    officer_id: str
    supervisor: str
    supervisor_id: str
    today: dt.date
    complaints_before: int


async def _unused_service(client: httpx.AsyncClient, db: asyncpg.Connection) -> dict[str, Any]:
    """An online service of the region with single-JPEG requirements and nothing counted or applied for yet."""
    listed = await client.get("/api/v1/services", params={"region": REGION, "pageSize": 100})
    for item in listed.json()["items"]:
        detail = (await client.get(f"/api/v1/services/{item['id']}")).json()
        if detail.get("channels", "online") == "counter" or detail.get("assurance", "phone") not in (
            "phone",
            "registry",
        ):
            continue
        if any("jpeg" not in r["formats"] for r in detail["requirements"] if not r.get("optional")):
            continue
        used = await db.fetchval(
            "SELECT EXISTS (SELECT 1 FROM applications_application WHERE service = $1::uuid) "
            "OR EXISTS (SELECT 1 FROM feedback_skm_daily WHERE service = $1::uuid)",
            item["id"],
        )
        if not used:
            return dict(detail)
    raise AssertionError(f"no unused online service in {REGION}")


async def _me(client: httpx.AsyncClient, token: str) -> str:
    return str((await client.get("/api/v1/me", headers=bearer(token))).json()["id"])


async def _figures(client: httpx.AsyncClient, token: str, **params: str) -> dict[str, Any]:
    response = await client.get("/api/v1/stats/figures", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def made(db: asyncpg.Connection, app: Litestar) -> AsyncIterator[Made]:
    async with client_at(app, "10.18.0.1") as client:
        yield await _make(client, db, app)


async def _make(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> Made:
    """Four applications of one service: completed (and rated), rejected, sent back for correction, withdrawn."""
    await caught_up(db)
    service = await _unused_service(client, db)
    agency = await db.fetchval("SELECT agency::text FROM catalogue_service WHERE id = $1::uuid", service["id"])
    code = service["agency"]["code"]
    complaints_before = await db.fetchval(
        "SELECT coalesce(sum(received), 0) FROM stats_complaint_fact WHERE grain = 'd' AND agency = $1::uuid", agency
    )
    officer = await create_officer(db, app, agency=code, region=REGION)
    supervisor = await create_supervisor(db, app, agency=code, region=REGION)
    people = [await create_citizen(client, nik=random_nik()) for _ in range(4)]
    done, rejected, corrected, withdrawn = [
        await create_application(client, person, service, status=status, officer=officer)
        for person, status in zip(people, ("approved", "submitted", "in_review", "submitted"), strict=True)
    ]
    await decide(client, officer, done, "complete")
    await decide(client, officer, rejected, "reject")
    sent_back = await client.post(
        f"/api/v1/officer/applications/{corrected['id']}/decision",
        json={"action": "request_correction", "reason": "Foto dokumen kurang jelas"},
        headers=bearer(officer),
    )
    assert sent_back.status_code == 200, sent_back.text
    pulled = await client.post(
        f"/api/v1/applications/{withdrawn['id']}/withdraw", json={"reason": "Salah pilih"}, headers=bearer(people[3])
    )
    assert pulled.status_code == 200, pulled.text
    rated = await client.post(
        f"/api/v1/applications/{done['id']}/survey", json={"scores": scores(3, 3, 3, 3, 3, 3, 3, 3, 3)},
        headers=bearer(people[0]),
    )  # fmt: skip
    assert rated.status_code == 201, rated.text
    complaint = await client.post(
        "/api/v1/complaints",
        json={"category": "simple", "text": "Petugas tidak menjelaskan syaratnya.", "serviceId": service["id"]},
        headers={**bearer(people[1]), **idempotency_key()},
    )
    assert complaint.status_code == 201, complaint.text
    await caught_up(db)
    return Made(
        service=service,
        agency=agency,
        agency_code=code,
        officer=officer,
        officer_id=await _me(client, officer),
        supervisor=supervisor,
        supervisor_id=await _me(client, supervisor),
        today=local_today(REGION),
        complaints_before=int(complaints_before),
    )


EXPECTED = {
    "applicationsReceived": 4,
    "applicationsCompleted": 1,
    "applicationsRejected": 1,
    "applicationsWithdrawn": 1,
    "applicationsDecided": 2,
    "decidedWithinSlaShare": 1.0,
    "decideDaysMedian": 0,
    "decideDaysP90": 0,
    "overdueNow": 0,
    "correctionsRequested": 1,
    "digitalTakeUp": 1.0,
    "ticketsIssued": 0,
    "ticketsServed": 0,
    "noShows": 0,
    "waitMinutesMedian": None,
    "waitMinutesP90": None,
    "estimateAccuracy": None,
    "skmIndex": 75.0,
    "skmRespondents": 1,
    "complaintsReceived": None,  # complaints are counted per agency: a service has none of its own
    "complaintsAnswered": None,
    "complaintsAnsweredOnTimeShare": None,
}


async def test_a_services_figures_by_day_are_exact(client: httpx.AsyncClient, made: Made) -> None:
    start = made.today - dt.timedelta(days=6)
    body = await _figures(
        client,
        made.supervisor,
        scope=f"service:{made.service['id']}",
        **{"from": start.isoformat(), "to": made.today.isoformat()},
        grain="day",
    )
    assert body["scope"] == {"kind": "service", "code": made.service["id"], "name": made.service["name"]}
    assert (body["from"], body["to"], body["grain"]) == (start.isoformat(), made.today.isoformat(), "day")
    assert body["asOf"] is not None
    assert body["total"] == EXPECTED
    assert [p["start"] for p in body["periods"]] == [(start + dt.timedelta(days=i)).isoformat() for i in range(7)]
    *before, today = body["periods"]
    assert today["figures"] == {**EXPECTED, "overdueNow": None}  # a figure of the present has no past periods
    assert all(p["figures"]["applicationsReceived"] == 0 for p in before)
    assert all(p["figures"]["decidedWithinSlaShare"] is None for p in before)
    assert body["breakdown"] == []  # a service has no children


async def test_month_rows_and_day_rows_give_the_same_figures(client: httpx.AsyncClient, made: Made) -> None:
    first = made.today.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    scope = f"service:{made.service['id']}"
    for grain, start, end in (
        ("month", first, last),  # a whole month: its month row
        ("month", first - dt.timedelta(days=3), last),  # a partial month before it: day rows
        ("week", first, last),
    ):
        body = await _figures(
            client, made.supervisor, scope=scope, **{"from": start.isoformat(), "to": end.isoformat()}, grain=grain
        )
        assert body["total"] == EXPECTED, (grain, start)
        holding = [p for p in body["periods"] if p["start"] <= made.today.isoformat() <= p["end"]]
        assert [p["figures"]["applicationsReceived"] for p in holding] == [4]
        assert sum(p["figures"]["applicationsReceived"] for p in body["periods"]) == 4


async def test_the_agencys_breakdown_names_the_service_with_its_figures(client: httpx.AsyncClient, made: Made) -> None:
    day = made.today.isoformat()
    body = await _figures(client, made.supervisor, scope=f"agency:{made.agency}", **{"from": day, "to": day})
    assert body["scope"]["kind"] == "agency" and body["scope"]["code"] == made.agency
    mine = [b for b in body["breakdown"] if b["unit"]["code"] == made.service["id"]]
    assert len(mine) == 1 and mine[0]["unit"] == {
        "kind": "service",
        "code": made.service["id"],
        "name": made.service["name"],
    }
    assert mine[0]["figures"] == {**EXPECTED, "complaintsReceived": None}
    assert body["total"]["applicationsReceived"] >= 4
    assert body["total"]["complaintsReceived"] == made.complaints_before + 1
    # The breakdown adds up to the total (counts only: shares and percentiles do not add).
    for key in ("applicationsReceived", "applicationsDecided", "correctionsRequested", "skmRespondents"):
        assert sum(b["figures"][key] for b in body["breakdown"]) == body["total"][key], key


async def test_english_names_on_request(client: httpx.AsyncClient, made: Made) -> None:
    day = made.today.isoformat()
    response = await client.get(f"/api/v1/services/{made.service['id']}", headers={"Accept-Language": "en"})
    english = response.json()["name"]
    body = await client.get(
        "/api/v1/stats/figures",
        params={"scope": f"service:{made.service['id']}", "from": day, "to": day},
        headers={**bearer(made.supervisor), "Accept-Language": "en"},
    )
    assert body.json()["scope"]["name"] == english


async def test_csv_is_what_the_json_shows(client: httpx.AsyncClient, made: Made) -> None:
    day = made.today.isoformat()
    params = {"scope": f"agency:{made.agency}", "from": day, "to": day}
    shown = await _figures(client, made.supervisor, **params)
    response = await client.get(
        "/api/v1/stats/figures", params={**params, "format": "csv"}, headers=bearer(made.supervisor)
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert not response.content.startswith(b"\xef\xbb\xbf")  # no byte-order mark
    assert b"\r\n" in response.content
    rows = list(csv.DictReader(io.StringIO(response.text)))
    definitions = (await client.get("/api/v1/stats/definitions")).json()["items"]
    keys = [d["key"] for d in definitions]
    assert list(rows[0]) == ["row", "kind", "code", "name", "from", "to", *keys]
    assert [r["row"] for r in rows] == ["period"] * len(shown["periods"]) + ["total"] + ["breakdown"] * len(
        shown["breakdown"]
    )
    total = next(r for r in rows if r["row"] == "total")
    assert total["code"] == made.agency and total["from"] == day
    for key in keys:
        value = shown["total"][key]
        assert total[key] == ("" if value is None else repr(value)), key
    mine = next(r for r in rows if r["code"] == made.service["id"])
    assert (mine["kind"], mine["applicationsReceived"], mine["skmIndex"]) == ("service", "4", "75.0")


async def test_the_officers_workload_is_read_by_the_supervisor_and_audited(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, made: Made
) -> None:
    day = made.today.isoformat()
    params = {"scope": f"agency:{made.agency}", "from": day, "to": day}
    response = await client.get("/api/v1/stats/officers", params=params, headers=bearer(made.supervisor))
    assert response.status_code == 200, response.text
    body = response.json()
    mine = [i for i in body["items"] if i["officer"]["id"] == made.officer_id]
    assert len(mine) == 1
    assert (mine[0]["decisions"], mine[0]["corrections"], mine[0]["ticketsServed"]) == (2, 1, 0)
    assert body["total"] == len(body["items"])
    audited = await db.fetchval(
        "SELECT count(*) FROM audit_event WHERE action = 'stats.officers.read' AND actor = $1::uuid "
        "AND subject = $2::uuid AND detail->>'agency' = $3",
        made.supervisor_id,
        made.officer_id,
        made.agency,
    )
    assert audited == 1
    as_csv = await client.get(
        "/api/v1/stats/officers", params={**params, "format": "csv"}, headers=bearer(made.supervisor)
    )
    lines = as_csv.text.split("\r\n")
    assert lines[0] == "officerId,officerName,decisions,corrections,ticketsServed"
    assert any(line.startswith(f"{made.officer_id},") and line.endswith(",2,1,0") for line in lines)
    # The region's admin may read it too; another region's admin gets 404, a national admin and officers 403.
    admin = await create_region_admin(db, app, region=REGION)
    assert (await client.get("/api/v1/stats/officers", params=params, headers=bearer(admin))).status_code == 200
    stranger = await create_region_admin(db, app, region="3302")
    refused = await client.get("/api/v1/stats/officers", params=params, headers=bearer(stranger))
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    as_officer = await client.get("/api/v1/stats/officers", params=params, headers=bearer(made.officer))
    assert as_officer.status_code == 403
    other = await create_supervisor(db, app, agency="DISDUKCAPIL", region="3302")
    assert (await client.get("/api/v1/stats/officers", params=params, headers=bearer(other))).status_code == 404
    region_scope = {**params, "scope": f"region:{REGION}"}
    wrong = await client.get("/api/v1/stats/officers", params=region_scope, headers=bearer(admin))
    assert (wrong.status_code, wrong.json()["code"]) == (400, "invalid_scope")
