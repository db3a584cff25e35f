"""Complaints as staff see them: the inbox per role, agency and region; anonymous complaints and complaints about an
officer; every read in the complainant's access log; the answer under two officers at once; reassignment."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from tests.feedback.complaint_support import STAFF, filed
from tests.support.applications import kk_service, service_id
from tests.support.auth import account_id, bearer
from tests.support.factories import (
    create_application,
    create_citizen,
    create_document,
    create_national_admin,
    create_officer,
    create_region_admin,
    create_supervisor,
)
from tests.support.identity import random_nik

# Kabupaten Tuban: no other test files complaints there.
REGION = "3523"


async def inbox(client: httpx.AsyncClient, token: str, **params: Any) -> dict[str, Any]:
    response = await client.get(STAFF, params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def read_log(db: asyncpg.Connection, citizen: dict[str, Any], actor_token: str) -> list[str]:
    from jose import jwt

    actor = uuid.UUID(jwt.get_unverified_claims(actor_token)["sub"])
    rows = await db.fetch(
        "SELECT action FROM audit_event WHERE subject = $1 AND actor = $2 ORDER BY id", account_id(citizen), actor
    )
    return [r["action"] for r in rows]


async def test_who_sees_which_complaint_and_the_anonymous_complainant(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    phone_name = "Sekar Rahasia"
    nik = random_nik()
    citizen = await create_citizen(client, name=phone_name, nik=nik)
    civil = await service_id(client, "kk-baru", REGION)
    hidden = await filed(client, citizen, serviceId=civil, anonymous=True)
    named = await filed(client, citizen, serviceId=civil)
    other_agency_service = await db.fetchval(
        "SELECT s.id FROM catalogue_service s JOIN catalogue_agency a ON a.id = s.agency "
        "WHERE s.region = $1 AND a.code <> 'DISDUKCAPIL' ORDER BY s.code LIMIT 1",
        REGION,
    )
    elsewhere = await filed(client, citizen, serviceId=str(other_agency_service))

    clerk = await create_officer(db, app, region=REGION)
    boss = await create_supervisor(db, app, region=REGION)
    banyumas_clerk = await create_officer(db, app)  # the same agency in another region
    admin = await create_region_admin(db, app, region=REGION)
    other_admin = await create_region_admin(db, app, region="3302")
    nation = await create_national_admin(db, app)

    mine = {c["id"] for c in (await inbox(client, clerk))["items"]}
    assert {hidden["id"], named["id"]} <= mine and elsewhere["id"] not in mine
    assert {hidden["id"], named["id"]} <= {c["id"] for c in (await inbox(client, boss))["items"]}
    assert not {hidden["id"], named["id"]} & {c["id"] for c in (await inbox(client, banyumas_clerk))["items"]}
    everything = {c["id"] for c in (await inbox(client, admin))["items"]}
    assert {hidden["id"], named["id"], elsewhere["id"]} <= everything
    assert not everything & {c["id"] for c in (await inbox(client, other_admin))["items"]}
    refused = await client.get(STAFF, headers=bearer(nation))
    assert refused.status_code == 422 and refused.json()["code"] == "region_required"
    assert elsewhere["id"] in {c["id"] for c in (await inbox(client, nation, region=REGION))["items"]}
    assert (await client.get(STAFF, params={"region": "3302"}, headers=bearer(admin))).status_code == 404

    # Another agency's or region's staff: 404 on the detail too.
    assert (await client.get(f"{STAFF}/{elsewhere['id']}", headers=bearer(clerk))).status_code == 404
    assert (await client.get(f"{STAFF}/{named['id']}", headers=bearer(banyumas_clerk))).status_code == 404

    # The agency never learns who filed an anonymous complaint: no name, phone, NIK or account in what it reads.
    me = account_id(citizen)
    for token in (clerk, boss):
        listed = await client.get(STAFF, headers=bearer(token))
        detail = await client.get(f"{STAFF}/{hidden['id']}", headers=bearer(token))
        assert detail.status_code == 200
        assert detail.json()["complainant"] is None and detail.json()["anonymous"] is True
        row = next(c for c in listed.json()["items"] if c["id"] == hidden["id"])
        assert row["complainantName"] is None
        for secret in (phone_name, citizen["phone"], nik, str(me)):
            assert secret not in detail.text
        for secret in (citizen["phone"], nik, str(me)):  # the named complaint's row carries the name only
            assert secret not in listed.text
    # A named complaint shows its complainant to the agency; the region admin sees the anonymous one's too.
    shown = (await client.get(f"{STAFF}/{named['id']}", headers=bearer(clerk))).json()
    assert shown["complainant"] == {"name": phone_name, "phone": citizen["phone"]}
    revealed = (await client.get(f"{STAFF}/{hidden['id']}", headers=bearer(admin))).json()
    assert revealed["complainant"]["name"] == phone_name
    by_admin = next(c for c in (await inbox(client, admin))["items"] if c["id"] == hidden["id"])
    assert by_admin["complainantName"] == phone_name

    # Each read went into the complainant's access log, the anonymous one included.
    assert (await read_log(db, citizen, clerk)).count("complaint.read") == 2
    assert "complaint.read" in await read_log(db, citizen, admin)


async def test_a_complaint_about_an_officer_is_not_shown_to_that_officer(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    clerk = await create_officer(db, app)
    colleague = await create_officer(db, app)
    boss = await create_supervisor(db, app)
    citizen = await create_citizen(client)
    application = await create_application(client, citizen, status="in_review", officer=clerk)
    about = await filed(client, citizen, applicationId=application["id"], aboutOfficer=True)
    general = await filed(client, citizen, applicationId=application["id"])
    for officer in (clerk, colleague):
        seen = {c["id"] for c in (await inbox(client, officer))["items"]}
        assert about["id"] not in seen and general["id"] in seen
        assert (await client.get(f"{STAFF}/{about['id']}", headers=bearer(officer))).status_code == 404
        answer = await client.post(
            f"{STAFF}/{about['id']}/answer", json={"text": "Bukan saya.", "version": 1}, headers=bearer(officer)
        )
        assert answer.status_code == 404
    detail = await client.get(f"{STAFF}/{about['id']}", headers=bearer(boss))
    assert detail.status_code == 200 and detail.json()["aboutOfficer"] is True
    assert detail.json()["applicationNumber"] == application["number"]


async def test_two_officers_answering_at_once_one_wins(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    first, second = await create_officer(db, app), await create_officer(db, app)
    citizen = await create_citizen(client)
    created = await filed(client, citizen, serviceId=(await kk_service(client))["id"])
    version = (await client.get(f"{STAFF}/{created['id']}", headers=bearer(first))).json()["version"]
    answers = await asyncio.gather(
        *(
            client.post(
                f"{STAFF}/{created['id']}/answer",
                json={"text": f"Jawaban petugas {n}.", "version": version},
                headers=bearer(token),
            )
            for n, token in enumerate((first, second))
        )
    )
    assert sorted(r.status_code for r in answers) == [200, 409]
    assert next(r for r in answers if r.status_code == 409).json()["code"] == "version_conflict"
    done = next(r for r in answers if r.status_code == 200).json()
    assert done["status"] == "answered" and done["confirmBy"] and done["version"] == version + 1
    assert (
        await db.fetchval(
            "SELECT count(*) FROM feedback_complaint_event WHERE complaint = $1 AND action = 'answered'",
            uuid.UUID(created["id"]),
        )
        == 1
    )
    # An answered complaint cannot be answered again, whatever the version.
    late = await client.post(
        f"{STAFF}/{created['id']}/answer", json={"text": "Lagi.", "version": done["version"]}, headers=bearer(first)
    )
    assert late.status_code == 409 and late.json()["code"] == "complaint_wrong_status"


async def test_the_region_admin_reassigns_and_the_attachment_is_read_through_the_complaint(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    citizen = await create_citizen(client)
    document = await create_document(client, citizen)
    created = await filed(client, citizen, serviceId=(await kk_service(client))["id"], attachmentId=document["id"])
    clerk = await create_officer(db, app)
    admin = await create_region_admin(db, app, region="3302")
    detail = (await client.get(f"{STAFF}/{created['id']}", headers=bearer(clerk))).json()
    assert detail["attachment"]["id"] == document["id"] and detail["attachment"]["contentType"] == "image/jpeg"
    file = await client.get(f"{STAFF}/{created['id']}/attachment", headers=bearer(clerk))
    assert file.status_code == 200 and file.content[:2] == b"\xff\xd8"
    assert "document.content" in await read_log(db, citizen, clerk)

    assert (
        await client.post(f"{STAFF}/{created['id']}/reassign", json={"agency": "DPMPTSP"}, headers=bearer(clerk))
    ).status_code == 403
    moved = await client.post(f"{STAFF}/{created['id']}/reassign", json={"agency": "DPMPTSP"}, headers=bearer(admin))
    assert moved.status_code == 200, moved.text
    assert moved.json()["agencyCode"] == "DPMPTSP" and moved.json()["status"] == "submitted"
    assert moved.json()["events"][-1]["action"] == "reassigned"
    # Now the old agency no longer sees it; the new one does.
    assert (await client.get(f"{STAFF}/{created['id']}", headers=bearer(clerk))).status_code == 404
    permits = await create_officer(db, app, agency="DPMPTSP")
    assert (await client.get(f"{STAFF}/{created['id']}", headers=bearer(permits))).status_code == 200
    unknown = await client.post(f"{STAFF}/{created['id']}/reassign", json={"agency": "NOPE"}, headers=bearer(admin))
    assert unknown.status_code == 422
