"""Public replies to survey comments: a supervisor of the agency (or the region's admin) answers, which publishes
the pair; the latest reply counts; a withdrawal hides the pair again; nobody else may answer, and the public list
names neither the citizen nor the officer."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from tests.support.auth import account_id, bearer
from tests.support.factories import create_officer, create_region_admin, create_supervisor
from tests.support.feedback import completed_application, scores


async def commented(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, comment: str) -> dict[str, Any]:
    citizen, application, officer = await completed_application(client, db, app)
    made = await client.post(
        f"/api/v1/applications/{application['id']}/survey",
        json={"scores": scores(), "comment": comment},
        headers=bearer(citizen),
    )
    assert made.status_code == 201, made.text
    return {"survey": made.json()["id"], "citizen": citizen, "application": application, "officer": officer}


async def public_list(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/skm/comments", params={"region": "3302", "limit": 100, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_reply_publishes_the_pair_and_a_withdrawal_hides_it(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    made = await commented(client, db, app, "Loket buka terlambat 30 menit.")
    survey = made["survey"]
    url = f"/api/v1/staff/skm/comments/{survey}/reply"
    # Not answered: not public.
    assert all(c["id"] != survey for c in await public_list(client))
    supervisor = await create_supervisor(db, app)
    first = await client.put(
        url, json={"text": "  Mohon maaf, jadwal petugas kami perbaiki.  "}, headers=bearer(supervisor)
    )
    assert first.status_code == 200, first.text
    assert first.json()["text"] == "Mohon maaf, jadwal petugas kami perbaiki." and first.json()["withdrawn"] is False
    listed = next(c for c in await public_list(client, agency="DISDUKCAPIL") if c["id"] == survey)
    assert listed["comment"] == "Loket buka terlambat 30 menit."
    assert listed["reply"]["text"] == "Mohon maaf, jadwal petugas kami perbaiki."
    assert (
        len(listed["month"]) == 7
        and listed["agencyName"]
        and set(listed)
        == {
            "id",
            "comment",
            "month",
            "agencyName",
            "serviceName",
            "reply",
        }
    )
    # The latest reply is the one shown (replies are append-only rows).
    second = await client.put(url, json={"text": "Sudah kami perbaiki sejak Senin."}, headers=bearer(supervisor))
    assert second.status_code == 200
    listed = next(c for c in await public_list(client) if c["id"] == survey)
    assert listed["reply"]["text"] == "Sudah kami perbaiki sejak Senin."
    assert await db.fetchval("SELECT count(*) FROM feedback_reply WHERE survey = $1", uuid.UUID(survey)) == 2
    public_text = (await client.get("/api/v1/skm/comments", params={"region": "3302", "limit": 100})).text
    for secret in (str(account_id(made["citizen"])), made["application"]["id"], made["application"]["number"]):
        assert secret not in public_text
    assert str(account_id({"accessToken": made["officer"]})) not in public_text
    # Staff see the reply in force, with its author.
    staff_view = (
        await client.get("/api/v1/staff/skm/comments", headers=bearer(supervisor), params={"replied": "true"})
    ).json()
    mine = next(c for c in staff_view["items"] if c["id"] == survey)
    assert mine["reply"]["text"] == "Sudah kami perbaiki sejak Senin." and mine["reply"]["withdrawn"] is False
    # Withdrawn: off the public list; withdrawing again changes nothing.
    withdrawn = await client.delete(url, headers=bearer(supervisor))
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn"] is True
    assert all(c["id"] != survey for c in await public_list(client))
    assert (await client.delete(url, headers=bearer(supervisor))).status_code == 200
    assert await db.fetchval("SELECT count(*) FROM feedback_reply WHERE survey = $1", uuid.UUID(survey)) == 3
    unreplied = (
        await client.get(
            "/api/v1/staff/skm/comments", headers=bearer(supervisor), params={"replied": "false", "pageSize": 100}
        )
    ).json()
    assert any(c["id"] == survey for c in unreplied["items"])
    # The region's admin may answer too, which publishes it again.
    admin = await create_region_admin(db, app, region="3302")
    again = await client.put(url, json={"text": "Terima kasih atas masukannya."}, headers=bearer(admin))
    assert again.status_code == 200
    assert (
        next(c for c in await public_list(client) if c["id"] == survey)["reply"]["text"]
        == "Terima kasih atas masukannya."
    )


async def test_only_the_agencys_supervisor_or_the_regions_admin_may_reply(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    made = await commented(client, db, app, "Ruang tunggu panas.")
    url = f"/api/v1/staff/skm/comments/{made['survey']}/reply"
    body = {"text": "Kami pasang kipas angin."}
    officer = await create_officer(db, app)
    assert (await client.put(url, json=body, headers=bearer(officer))).status_code == 403
    other_agency = await create_supervisor(db, app, agency="KEMENAG")
    assert (await client.put(url, json=body, headers=bearer(other_agency))).status_code == 404
    other_region = await create_region_admin(db, app, region="3314")
    assert (await client.put(url, json=body, headers=bearer(other_region))).status_code == 404
    assert (await client.put(url, json=body, headers=bearer(made["citizen"]))).status_code == 403
    supervisor = await create_supervisor(db, app)
    for bad in ({"text": "   "}, {"text": "x" * 2001}, {"text": "ok\u202e"}, {"other": "x"}, {}):
        refused = await client.put(url, json=bad, headers=bearer(supervisor))
        assert 400 <= refused.status_code < 500, (bad, refused.text)
    assert await db.fetchval("SELECT count(*) FROM feedback_reply WHERE survey = $1", uuid.UUID(made["survey"])) == 0
    never = await client.delete(url, headers=bearer(supervisor))
    assert never.status_code == 404
    # A survey without a comment has nothing to answer.
    citizen, application, _officer = await completed_application(client, db, app)
    silent = await client.post(
        f"/api/v1/applications/{application['id']}/survey", json={"scores": scores()}, headers=bearer(citizen)
    )
    nothing = await client.put(
        f"/api/v1/staff/skm/comments/{silent.json()['id']}/reply", json=body, headers=bearer(supervisor)
    )
    assert nothing.status_code == 404
