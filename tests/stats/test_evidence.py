"""The compliance evidence pack of a unit: a PDF that parses and names the unit and its figures, a CSV with the same
figures, and the figures' access rules (supervisors their agency, region admins their region)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo

import asyncpg
import httpx
from litestar import Litestar
from pypdf import PdfReader

from tests.support.auth import bearer
from tests.support.factories import create_officer, create_region_admin, create_supervisor
from tests.support.open_data import service_with_applications

EVIDENCE = "/api/v1/stats/evidence"


def period() -> dict[str, str]:
    today = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Jakarta")).date()
    return {"from": today.replace(day=1).isoformat(), "to": today.isoformat()}


async def agency_id(db: asyncpg.Connection, code: str = "DISDUKCAPIL", region: str = "3302") -> str:
    return str(await db.fetchval("SELECT id FROM catalogue_agency WHERE code = $1 AND region = $2", code, region))


async def test_the_pack_as_pdf_and_csv_shows_the_same_figures(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    service = await service_with_applications(client, db, app, submitted=1, approved=2)
    boss = await create_supervisor(db, app)
    unit = f"agency:{await agency_id(db)}"
    query = {"unit": unit, **period()}
    as_csv = await client.get(EVIDENCE, params={**query, "format": "csv"}, headers=bearer(boss))
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    mine = {(r["section"], r["measure"]): r["value"] for r in rows if r["code"] == service["code"]}
    assert mine[("standard", "version")] == "1" and mine[("standard", "sla_days")] == "3"
    assert mine[("sla", "received")] == "3" and mine[("sla", "decided")] == "2"
    assert mine[("sla", "decided_in_sla")] == "2" and mine[("sla", "share")] == "1"
    assert mine[("sla", "decide_days_median")] == "0"
    tiers = [r for r in rows if r["section"] == "complaints" and r["measure"] == "response_days"]
    assert len(tiers) >= 2  # every complaint category, by its deadline
    assert {r["measure"] for r in rows if r["section"] == "skm"} >= {"respondents", "sample_needed", "ikm"}

    as_pdf = await client.get(EVIDENCE, params=query, headers=bearer(boss))
    assert as_pdf.status_code == 200, as_pdf.text
    assert as_pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(as_pdf.content)).pages)
    unit_name = next(r["name"] for r in rows if r["section"] == "unit")
    assert unit_name in text.replace("\n", " ")
    assert service["code"] in text
    lines = [f" {x} " for x in text.splitlines() if service["code"] in x]
    # The standard's row (version 1, SLA 3 days, free) and the SLA row (3 received, 2 decided, 2 in time, share 1,
    # median 0 working days), as the CSV has them.
    assert any(" DISDUKCAPIL 1 " in x and x.rstrip().endswith(" 3 0") for x in lines), lines
    assert any(" 3 2 2 1 0 0 " in x for x in lines), lines


async def test_who_may_have_which_pack(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> None:
    unit = f"agency:{await agency_id(db)}"
    query = {"unit": unit, "format": "csv", **period()}
    mpp = await db.fetchval("SELECT id FROM catalogue_mpp WHERE region = '3302'")
    allowed = [await create_region_admin(db, app), await create_supervisor(db, app)]
    for token in allowed:
        assert (await client.get(EVIDENCE, params=query, headers=bearer(token))).status_code == 200
    admin = await create_region_admin(db, app)
    building = await client.get(EVIDENCE, params={**query, "unit": f"mpp:{mpp}"}, headers=bearer(admin))
    assert building.status_code == 200 and "DISDUKCAPIL" in building.text
    refused = {
        "another region's admin": (await create_region_admin(db, app, region="3510"), query, 404),
        "another agency's supervisor": (await create_supervisor(db, app, agency="DPMPTSP"), query, 404),
        "a supervisor asking for the building": (
            await create_supervisor(db, app),
            {**query, "unit": f"mpp:{mpp}"},
            403,
        ),
        "an officer": (await create_officer(db, app), query, 403),
        "a region as the unit": (admin, {**query, "unit": "region:3302"}, 400),
        "a period backwards": (admin, {**query, "from": period()["to"], "to": "2020-01-01"}, 422),
    }
    for who, (token, params, status) in refused.items():
        response = await client.get(EVIDENCE, params=params, headers=bearer(token))
        assert response.status_code == status, (who, response.text)
        assert response.headers["content-type"].startswith("application/problem+json"), who
