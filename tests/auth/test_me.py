"""The signed-in person: profile, devices, phone number, family and mandates, their data (UU PDP)."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import uuid
import zipfile

import asyncpg
import httpx
import pytest
from litestar import Litestar

from api.accounts.service import mandate_allows
from api.auth.service import start_session
from tests.support.auth import bearer, last_code, new_phone, sign_in
from tests.support.identity import known_to_registry, verify_identity
from tests.support.kiosks import create_kiosk

ADULT_NIK = "3302015708900002"  # a woman born 17-08-1990


def child_nik(years: int) -> str:
    born = dt.date.today().replace(year=dt.date.today().year - years) - dt.timedelta(days=30)
    return f"330201{born:%d%m%y}0003"


def nik_for(day: int = 17) -> str:
    return f"33020{uuid.uuid4().int % 9 + 1}{day:02d}0890{uuid.uuid4().int % 9000 + 1000}"


async def test_profile_update_validates_the_nik(client: httpx.AsyncClient) -> None:
    tokens = await sign_in(client)
    nik = nik_for(57)  # +40: a woman born on the 17th
    me = (
        await client.patch(
            "/api/v1/me", json={"name": "Siti Aminah", "nik": nik, "language": "en"}, headers=bearer(tokens)
        )
    ).json()
    assert me["name"] == "Siti Aminah" and me["nik"] == nik and me["birthDate"] == "1990-08-17"
    for bad in (
        {"nik": "1234"},
        {"nik": "3302013208900001"},
        {"language": "fr"},
        {"roles": ["national_admin"]},
        {"email": "not-an-email"},
        {"name": ""},
        {"name": "x" * 500},
    ):
        response = await client.patch("/api/v1/me", json=bad, headers=bearer(tokens))
        assert response.status_code in (400, 422), bad
    other = await sign_in(client)
    # Another account's NIK is answered as a free one would be (tests/accounts/test_profile.py has the details).
    taken = await client.patch("/api/v1/me", json={"nik": nik}, headers=bearer(other))
    assert taken.status_code == 200
    assert (await client.get("/api/v1/me", headers=bearer(tokens))).json()["roles"] == ["citizen"]


async def test_devices_listed_and_revoked(client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection) -> None:
    phone = new_phone()
    first = await sign_in(client, phone)
    await db.execute("DELETE FROM auth_rate_limit WHERE key LIKE $1", f"otp:phone-minute:{phone}:%")
    second = await sign_in(client, phone)
    sessions = (await client.get("/api/v1/me/sessions", headers=bearer(second))).json()
    assert sessions["total"] == 2 and sum(s["current"] for s in sessions["items"]) == 1
    other = next(s for s in sessions["items"] if not s["current"])
    assert (await client.delete(f"/api/v1/me/sessions/{other['id']}", headers=bearer(second))).status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(first))).status_code == 401
    # Someone else's session is not mine to see or end.
    stranger = await sign_in(client)
    mine = (await client.get("/api/v1/me/sessions", headers=bearer(second))).json()["items"][0]["id"]
    assert (await client.delete(f"/api/v1/me/sessions/{mine}", headers=bearer(stranger))).status_code == 404
    # Sign out everywhere else.
    await db.execute("DELETE FROM auth_rate_limit WHERE key LIKE $1", f"otp:phone-minute:{phone}:%")
    third = await sign_in(client, phone)
    result = (await client.delete("/api/v1/me/sessions", headers=bearer(third))).json()
    assert result == {"revoked": 1}
    assert (await client.get("/api/v1/me", headers=bearer(second))).status_code == 401
    assert (await client.get("/api/v1/me", headers=bearer(third))).status_code == 200


async def test_changing_the_number(client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection) -> None:
    tokens = await sign_in(client)
    account = await db.fetchval("SELECT id FROM accounts_account WHERE phone = $1", tokens["phone"])
    # A sign-in older than five minutes is not enough.
    await db.execute("UPDATE auth_session SET auth_time = now() - interval '1 hour' WHERE account = $1", account)
    stale = await client.post("/api/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    refused = await client.post("/api/v1/me/phone", json={"phone": new_phone()}, headers=bearer(stale.json()))
    assert refused.status_code == 403 and refused.json()["code"] == "reauthentication_required"
    fresh = await sign_in(client, new_phone())
    new = new_phone()
    assert (await client.post("/api/v1/me/phone", json={"phone": new}, headers=bearer(fresh))).status_code == 202
    wrong = await client.post("/api/v1/me/phone/verify", json={"phone": new, "code": "000000"}, headers=bearer(fresh))
    assert wrong.status_code == 400
    done = await client.post(
        "/api/v1/me/phone/verify", json={"phone": new, "code": last_code(new)}, headers=bearer(fresh)
    )
    assert done.status_code == 200 and done.json()["phone"] == new
    # The old number is told.
    messages = app.state.settings.dev_messages_path.read_text().splitlines()
    assert any(json.loads(m)["to"] == fresh["phone"] and "diganti" in json.loads(m)["body"] for m in messages)
    # A code for someone else's change cannot be used by me.
    other = await sign_in(client)
    target = new_phone()
    await client.post("/api/v1/me/phone", json={"phone": target}, headers=bearer(other))
    stolen = await client.post(
        "/api/v1/me/phone/verify", json={"phone": target, "code": last_code(target)}, headers=bearer(fresh)
    )
    assert stolen.status_code == 400


async def test_family_and_mandates(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    kk = "3302010101200001"
    parent = await sign_in(client)
    no_kk = await client.post(
        "/api/v1/me/family", json={"nik": child_nik(5), "name": "Adik", "relation": "child"}, headers=bearer(parent)
    )
    assert no_kk.status_code == 422
    parent_nik = nik_for()
    # The registry's family card lists parent and child (tests/support/identity.known_to_registry).
    known_to_registry(parent_nik, "Bapak Uji", kk=kk)
    known_to_registry(child_nik(5), "Adik", kk=kk, relationship="ANAK")
    await client.patch("/api/v1/me", json={"kk": kk, "nik": parent_nik, "name": "Bapak Uji"}, headers=bearer(parent))
    child = (
        await client.post(
            "/api/v1/me/family", json={"nik": child_nik(5), "name": "Adik", "relation": "child"}, headers=bearer(parent)
        )
    ).json()
    assert child["minor"] is True and child["nik"].count("*") == 8
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    # A declared (unproven) parent NIK proves nothing: the mandate waits for an officer.
    waiting = await client.post(
        "/api/v1/me/mandates",
        json={"memberId": child["id"], "services": ["akta-kelahiran"], "validUntil": until},
        headers=bearer(parent),
    )
    assert waiting.status_code == 201 and waiting.json()["status"] == "review", waiting.text
    await verify_identity(client, parent, nik=parent_nik, name="Bapak Uji")
    mandate = (
        await client.post(
            "/api/v1/me/mandates",
            json={"memberId": child["id"], "services": ["akta-kelahiran"], "validUntil": until},
            headers=bearer(parent),
        )
    ).json()
    assert mandate["basis"] == "parental" and mandate["status"] == "active"
    holder = await db.fetchval("SELECT id FROM accounts_account WHERE phone = $1", parent["phone"])
    assert await mandate_allows(db, holder=holder, member_nik=child_nik(5), service_code="akta-kelahiran")
    assert not await mandate_allows(db, holder=holder, member_nik=child_nik(5), service_code="paspor-biasa-baru")
    # Bad mandates.
    for body, status in (
        ({"memberId": child["id"], "services": ["no-such-service"], "validUntil": until}, 422),
        ({"memberId": child["id"], "services": ["*"], "validUntil": "2000-01-01T00:00:00Z"}, 422),
        ({"memberId": child["id"], "services": ["*"], "validUntil": "2099-01-01T00:00:00Z"}, 422),
        ({"memberId": str(uuid.uuid4()), "services": ["*"], "validUntil": until}, 404),
        ({"memberId": child["id"], "services": [], "validUntil": until}, 400),
    ):
        assert (await client.post("/api/v1/me/mandates", json=body, headers=bearer(parent))).status_code == status
    # An adult parent with an account must consent.
    elder_nik = nik_for()
    elder = await sign_in(client)
    await client.patch("/api/v1/me", json={"kk": kk, "nik": elder_nik}, headers=bearer(elder))
    member = (
        await client.post(
            "/api/v1/me/family", json={"nik": elder_nik, "name": "Ibu", "relation": "parent"}, headers=bearer(parent)
        )
    ).json()
    assert member["hasAccount"] is True and member["minor"] is False
    pending = (
        await client.post(
            "/api/v1/me/mandates",
            json={"memberId": member["id"], "services": ["*"], "validUntil": until},
            headers=bearer(parent),
        )
    ).json()
    assert pending["status"] == "pending"
    assert not await mandate_allows(db, holder=holder, member_nik=elder_nik, service_code="akta-kelahiran")
    # Only the member can accept; a stranger cannot even see it.
    stranger = await sign_in(client)
    assert (
        await client.post(f"/api/v1/me/mandates/{pending['id']}/accept", headers=bearer(stranger))
    ).status_code == 404
    assert (await client.post(f"/api/v1/me/mandates/{pending['id']}/accept", headers=bearer(parent))).status_code == 404
    accepted = await client.post(f"/api/v1/me/mandates/{pending['id']}/accept", headers=bearer(elder))
    assert accepted.json()["status"] == "active"
    assert await mandate_allows(db, holder=holder, member_nik=elder_nik, service_code="akta-kelahiran")
    # The member sees it and can revoke it at any time.
    assert (await client.get("/api/v1/me/mandates", headers=bearer(elder))).json()["total"] == 1
    revoked = (await client.delete(f"/api/v1/me/mandates/{pending['id']}", headers=bearer(elder))).json()
    assert revoked["status"] == "revoked"
    assert not await mandate_allows(db, holder=holder, member_nik=elder_nik, service_code="akta-kelahiran")
    # Recorded on both sides.
    trail = (await client.get("/api/v1/me/audit", headers=bearer(elder))).json()["items"]
    assert {"mandate.created", "mandate.accepted", "mandate.revoked"} <= {e["action"] for e in trail}


async def test_export_and_deletion(client: httpx.AsyncClient) -> None:
    tokens = await sign_in(client)
    await client.patch("/api/v1/me", json={"name": "Budi", "nik": nik_for()}, headers=bearer(tokens))
    export = await client.get("/api/v1/me/export", headers=bearer(tokens))
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        data = {name: json.loads(archive.read(name)) for name in archive.namelist() if name.endswith(".json")}
        text = b"".join(archive.read(name) for name in archive.namelist()).decode(errors="replace")
    assert data["profile.json"]["account"]["name"] == "Budi" and data["sessions.json"] and data["audit.json"]
    assert "code_hash" not in text and "token_hash" not in text
    deletion = await client.delete("/api/v1/me", headers=bearer(tokens))
    assert deletion.status_code == 202
    body = deletion.json()
    assert body["status"] == "deletion_requested" and body["erased"] and all(k["why"] for k in body["kept"])
    assert (await client.get("/api/v1/me", headers=bearer(tokens))).status_code == 401
    assert (await client.post("/api/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})).status_code == 401


async def test_kiosk_device_and_assisted_sessions(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    from tests.support.auth import full_staff_token

    admin = await full_staff_token(db, app, "region_admin", region="3471")
    kiosk = await create_kiosk(client, db, app, name="Kiosk lobi 1", admin=admin)
    assert kiosk["region"] == "3471" and kiosk["deviceSecret"]
    listed = (await client.get("/api/v1/admin/kiosks", headers=bearer(admin))).json()["items"]
    assert all("deviceSecret" not in k and "pairingCode" not in k for k in listed)  # shown once only
    device = (await client.post("/api/v1/auth/kiosk", json={"deviceSecret": kiosk["deviceSecret"]})).json()
    assert (await client.get("/api/v1/services", params={"q": "ktp"}, headers=bearer(device))).status_code == 200
    assert (await client.get("/api/v1/me", headers=bearer(device))).status_code == 403
    # A citizen signs in on the kiosk: an assisted session, short-lived.
    phone = new_phone()
    await client.post("/api/v1/auth/otp", json={"phone": phone})
    session = await client.post(
        "/api/v1/auth/otp/verify", json={"phone": phone, "code": last_code(phone)}, headers=bearer(device)
    )
    kind = await db.fetchrow(
        "SELECT s.kind, s.absolute_expires_at - s.created_at AS absolute FROM auth_session s "
        "JOIN accounts_account a ON a.id = s.account WHERE a.phone = $1",
        phone,
    )
    assert session.status_code == 200 and kind["kind"] == "assisted" and kind["absolute"] == dt.timedelta(hours=1)
    # Revoking the kiosk ends its sessions at once; its secret no longer works.
    retire = {**bearer(admin), "If-Match": f'"{kiosk["revision"]}"'}
    assert (await client.delete(f"/api/v1/admin/kiosks/{kiosk['id']}", headers=retire)).status_code == 204
    assert (await client.get("/api/v1/admin/kiosks", headers=bearer(device))).status_code == 401
    assert (await client.post("/api/v1/auth/kiosk", json={"deviceSecret": kiosk["deviceSecret"]})).status_code == 401
    late = new_phone()
    await client.post("/api/v1/auth/otp", json={"phone": late})
    refused = await client.post(
        "/api/v1/auth/otp/verify", json={"phone": late, "code": last_code(late)}, headers=bearer(device)
    )
    assert refused.status_code == 401  # a retired kiosk's last token opens no assisted session
    # Another region's admin cannot retire it.
    other = await full_staff_token(db, app, "region_admin", region="3302")
    other_retire = {**bearer(other), "If-Match": "*"}
    assert (await client.delete(f"/api/v1/admin/kiosks/{kiosk['id']}", headers=other_retire)).status_code == 404


async def test_no_code_token_or_nik_in_the_logs(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    nik = nik_for()
    tokens = await sign_in(client)
    code = last_code(tokens["phone"])
    await client.patch("/api/v1/me", json={"nik": nik}, headers=bearer(tokens))
    await client.post("/api/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    await client.post("/api/v1/auth/otp/verify", json={"phone": tokens["phone"], "code": "999999"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (code, tokens["accessToken"], tokens["refreshToken"], nik):
        assert secret not in text


async def test_sessions_of_other_people_are_independent(app: Litestar, db: asyncpg.Connection) -> None:
    """start_session returns distinct, live sessions (used by the matrix and passkey tests)."""
    account = await db.fetchval(
        "INSERT INTO accounts_account (id, phone, name, language, roles, status, created_at, updated_at) "
        "VALUES ($1, $2, '', 'id', ARRAY['citizen'], 'active', now(), now()) RETURNING id",
        uuid.uuid4(),
        new_phone(),
    )
    pairs = [
        await start_session(
            db, app.state.issuer, account=account, kind="citizen", amr=["otp"], scope="api", user_agent="t", ip=""
        )
        for _ in range(2)
    ]
    assert pairs[0].session_id != pairs[1].session_id and pairs[0].refresh_token != pairs[1].refresh_token
