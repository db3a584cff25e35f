"""The citizen's profile (issue 13, item 6): applying needs a name (and a NIK where the service names the
applicant's), the profile can be edited later, and a NIK change never tells whether another account holds it."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from tests.support.applications import apply, kk_service, service_id
from tests.support.auth import bearer, sign_in
from tests.support.factories import create_citizen
from tests.support.identity import random_nik, verify_identity


async def _service(client: httpx.AsyncClient, code: str) -> dict[str, Any]:
    sid = await service_id(client, code)
    return dict((await client.get(f"/api/v1/services/{sid}")).json())


async def test_an_incomplete_profile_cannot_apply(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    citizen = await sign_in(client)  # a first sign-in that skipped the name and NIK
    kk = await kk_service(client)  # names the applicant's NIK (its KTP-el is required)
    birth = await _service(client, "akta-kelahiran")  # does not

    refused = await apply(client, citizen, kk)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "profile_incomplete"
    assert "name" in problem["detail"] and "NIK" in problem["detail"]
    assert [e["field"] for e in problem["errors"]] == ["profile.name", "profile.nik"]
    no_name = await apply(client, citizen, birth)
    assert no_name.status_code == 422 and [e["field"] for e in no_name.json()["errors"]] == ["profile.name"]
    assert (await client.get("/api/v1/applications", headers=bearer(citizen))).json()["total"] == 0

    # A blank name is no name.
    blank = await client.patch("/api/v1/me", json={"name": "   "}, headers=bearer(citizen))
    assert blank.status_code == 422
    named = await client.patch("/api/v1/me", json={"name": "  Siti   Aminah "}, headers=bearer(citizen))
    assert named.status_code == 200 and named.json()["name"] == "Siti Aminah"
    # Complete, but civil registration needs the identity proven (assurance_required says how).
    unproven = await apply(client, citizen, birth)
    assert unproven.status_code == 403 and unproven.json()["code"] == "assurance_required", unproven.text
    still = await apply(client, citizen, kk)
    assert still.status_code == 422 and [e["field"] for e in still.json()["errors"]] == ["profile.nik"]
    assert "NIK" in still.json()["detail"] and "name" not in still.json()["detail"]

    nik = random_nik()
    await client.patch("/api/v1/me", json={"nik": nik}, headers=bearer(citizen))
    await verify_identity(client, citizen, nik=nik, name="Siti Aminah")
    made = await apply(client, citizen, kk)
    assert made.status_code == 201, made.text
    stored = await db.fetchrow(
        "SELECT subject_name, subject_nik FROM applications_application WHERE id = $1::uuid", made.json()["id"]
    )
    assert stored["subject_name"] == "Siti Aminah" and stored["subject_nik"]


async def test_the_profile_is_edited_later(client: httpx.AsyncClient) -> None:
    citizen = await create_citizen(client, name="Siti", nik=random_nik())
    nik = "330201570890" + random_nik()[12:]  # a woman (day + 40) born 17-08-1990
    me = (await client.patch("/api/v1/me", json={"name": "Siti Aminah", "nik": nik}, headers=bearer(citizen))).json()
    assert (me["name"], me["nik"], me["birthDate"]) == ("Siti Aminah", nik, "1990-08-17")
    assert (await client.get("/api/v1/me", headers=bearer(citizen))).json()["nik"] == nik
    # Today's rules for a NIK: 16 ASCII digits, a region, a real date of birth, a serial.
    for bad in ("330201570890000", "33020157089000１2", "0002015708900002", "3302013208900002", "3302015708900000"):
        response = await client.patch("/api/v1/me", json={"nik": bad}, headers=bearer(citizen))
        assert response.status_code in (400, 422), bad
    audit = (await client.get("/api/v1/me/audit", headers=bearer(citizen))).json()["items"]
    changes = [e["detail"]["fields"] for e in audit if e["action"] == "account.updated"]
    assert ["name", "nik"] in changes and not any(nik in str(e) for e in audit)


def _shape(response: httpx.Response) -> tuple[int, list[str], dict[str, str]]:
    """What a response says apart from whose account it is and which NIK was asked for."""
    body = response.json()
    volatile = {"id", "phone", "createdAt", "nik", "birthDate"}
    kept = {k: v for k, v in body.items() if k not in volatile}
    return response.status_code, sorted(body), kept


async def test_a_taken_nik_answers_as_a_free_one(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    holder_nik, free_nik = random_nik(), random_nik()
    holder = await create_citizen(client, name="Pemilik", nik=holder_nik)
    claimant = await create_citizen(client, name="Budi", nik=random_nik())
    control = await create_citizen(client, name="Budi", nik=random_nik())

    taken = await client.patch("/api/v1/me", json={"nik": holder_nik}, headers=bearer(claimant))
    free = await client.patch("/api/v1/me", json={"nik": free_nik}, headers=bearer(control))
    # The same status, the same fields, the same values: nothing says the first NIK has an account.
    assert _shape(taken) == _shape(free)
    assert taken.json()["nik"] == holder_nik and free.json()["nik"] == free_nik
    again = (await client.get("/api/v1/me", headers=bearer(claimant))).json()
    assert again["nik"] == holder_nik and again["birthDate"] == taken.json()["birthDate"]
    trail = [
        (e["action"], e["detail"])
        for e in (await client.get("/api/v1/me/audit", headers=bearer(claimant))).json()["items"]
        if e["action"] == "account.updated"
    ]
    control_trail = [
        (e["action"], e["detail"])
        for e in (await client.get("/api/v1/me/audit", headers=bearer(control))).json()["items"]
        if e["action"] == "account.updated"
    ]
    assert trail == control_trail
    # The holder keeps the NIK; the claimant's declaration waits for verification.
    holder_id = await db.fetchval("SELECT id FROM accounts_account WHERE phone = $1", holder["phone"])
    assert await db.fetchval("SELECT id FROM accounts_account WHERE nik = $1", holder_nik) == holder_id
    assert (await client.get("/api/v1/me", headers=bearer(holder))).json()["nik"] == holder_nik
    claimant_id = await db.fetchval("SELECT id FROM accounts_account WHERE phone = $1", claimant["phone"])
    assert await db.fetchval("SELECT nik FROM accounts_nik_claim WHERE account = $1", claimant_id) == holder_nik
    # A later change to a free NIK ends the claim.
    mine = random_nik()
    changed = await client.patch("/api/v1/me", json={"nik": mine}, headers=bearer(claimant))
    assert changed.status_code == 200 and changed.json()["nik"] == mine
    assert await db.fetchval("SELECT nik FROM accounts_account WHERE id = $1", claimant_id) == mine
    assert await db.fetchval("SELECT count(*) FROM accounts_nik_claim WHERE account = $1", claimant_id) == 0


async def test_an_invalid_nik_is_refused_whoever_holds_it(client: httpx.AsyncClient) -> None:
    """Structure is checked before anything else, so a bad NIK reads the same whether or not it is taken."""
    citizen = await create_citizen(client, name="Budi")
    bad = "3302013208900002"  # day 32
    first = await client.patch("/api/v1/me", json={"nik": bad}, headers=bearer(citizen))
    assert first.status_code == 422 and first.json()["code"] == "invalid_nik"
    assert (await client.get("/api/v1/me", headers=bearer(citizen))).json().get("nik") is None
