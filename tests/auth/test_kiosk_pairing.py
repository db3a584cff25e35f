"""Kiosks paired from admin mode: an admin registers a tablet by name and is shown a one-time pairing code (and
its link and QR code); the tablet trades the code for its device secret and a kiosk session. The code works once
and for 15 minutes; a new code ends the old device; admins rename (If-Match) and retire kiosks of their region
only; the tablet's last sign-in or refresh shows as "last seen", written at most once a minute."""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
import uuid
from typing import Any

import asyncpg
import httpx
import segno
from litestar import Litestar

from api.config import get_settings
from tests.support.auth import bearer, sign_in
from tests.support.clients import client_at
from tests.support.factories import create_national_admin, create_region_admin
from tests.support.kiosks import create_kiosk, tablet_address

REGION = "3302"
OTHER_REGION = "3471"
CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def tablet(app: Litestar) -> httpx.AsyncClient:
    return client_at(app, tablet_address())


async def register(client: httpx.AsyncClient, admin: str, name: str = "Kios lobi", **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/admin/kiosks", json={"name": name, **body}, headers=bearer(admin))
    assert response.status_code == 201, response.text
    kiosk: dict[str, Any] = response.json()
    assert response.headers["etag"] == f'"{kiosk["revision"]}"'
    return kiosk


async def pair(app: Litestar, code: str) -> httpx.Response:
    async with tablet(app) as device:
        return await device.post("/api/v1/auth/kiosk/pair", json={"pairingCode": code})


async def listed(client: httpx.AsyncClient, admin: str, kiosk_id: str) -> dict[str, Any] | None:
    body = (await client.get("/api/v1/admin/kiosks", headers=bearer(admin))).json()
    return next((k for k in body["items"] if k["id"] == kiosk_id), None)


def if_match(admin: str, revision: int | str) -> dict[str, str]:
    return {**bearer(admin), "If-Match": f'"{revision}"'}


async def test_pairing_with_the_code_makes_the_tablet_that_regions_kiosk(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    kiosk = await register(client, admin)
    # The admin is shown a short code and its link, no device secret; the server keeps only an HMAC of the code.
    assert CODE.match(kiosk["pairingCode"]), kiosk
    raw = kiosk["pairingCode"].replace("-", "")
    assert kiosk["pairingLink"] == f"{get_settings().browser_url.rstrip('/')}/#/kiosk/pair?code={raw}"
    assert "deviceSecret" not in kiosk and kiosk["status"] == "waiting" and kiosk["region"] == REGION
    stored = await db.fetchrow("SELECT * FROM auth_kiosk WHERE id = $1", uuid.UUID(kiosk["id"]))
    assert stored["pairing_code_hash"] not in (raw, hashlib.sha256(raw.encode()).hexdigest())
    assert 14 * 60 < (stored["pairing_expires_at"] - stored["created_at"]).total_seconds() <= 15 * 60
    # The tablet types it as people do: lower case, a space instead of the dash, an O for a zero.
    typed = f"{raw[:4].lower()} {raw[4:].lower()}".replace("0", "o")
    async with tablet(app) as device:
        paired = await device.post("/api/v1/auth/kiosk/pair", json={"pairingCode": typed})
        assert paired.status_code == 200, paired.text
        body = paired.json()
        assert body["tokenType"] == "Bearer" and body["scope"] == "api" and len(body["deviceSecret"]) >= 40
        # The secret goes where the kiosk sign-in keeps it: the device's HttpOnly cookie.
        cookie = paired.headers["set-cookie"]
        assert cookie.startswith(f"mpp_kiosk={body['deviceSecret']};") and "HttpOnly" in cookie
        assert paired.headers["cache-control"] == "no-store"
        me = await device.get("/api/v1/kiosk/device", headers=bearer(body))
        assert me.status_code == 200 and me.json()["id"] == kiosk["id"] and me.json()["region"]["code"] == REGION
        services = await device.get("/api/v1/services", params={"region": REGION}, headers=bearer(body))
        assert services.status_code == 200 and services.json()["total"] > 0
        # And from then on the secret signs the tablet in.
        again = await device.post("/api/v1/auth/kiosk", json={"deviceSecret": body["deviceSecret"]})
        assert again.status_code == 200
    shown = await listed(client, admin, kiosk["id"])
    assert shown is not None and shown["status"] == "active" and shown["pairedAt"] and shown["lastSeenAt"]
    assert "pairingCode" not in shown and "pairingExpiresAt" not in shown and "deviceSecret" not in shown
    audit = await db.fetchrow(
        "SELECT actor, ip FROM audit_event WHERE action = 'kiosk.paired' AND detail->>'kiosk' = $1", kiosk["id"]
    )
    assert audit is not None and str(audit["actor"]) == kiosk["id"] and audit["ip"].startswith("10.")
    registered = await db.fetchval(
        "SELECT actor FROM audit_event WHERE action = 'kiosk.registered' AND detail->>'kiosk' = $1", kiosk["id"]
    )
    assert registered is not None


async def test_a_code_works_once_even_when_two_tablets_race(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    kiosk = await register(client, admin)
    async with tablet(app) as first, tablet(app) as second:
        answers = await asyncio.gather(
            *(t.post("/api/v1/auth/kiosk/pair", json={"pairingCode": kiosk["pairingCode"]}) for t in (first, second))
        )
    assert sorted(a.status_code for a in answers) == [200, 400], [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 400)
    assert loser.json()["code"] == "invalid_pairing_code"
    assert loser.headers["content-type"].startswith("application/problem+json")
    late = await pair(app, kiosk["pairingCode"])
    assert late.status_code == 400 and late.json()["code"] == "invalid_pairing_code"
    sessions = await db.fetchval("SELECT count(*) FROM auth_session WHERE kiosk = $1", uuid.UUID(kiosk["id"]))
    assert sessions == 1


async def test_wrong_and_expired_codes_are_refused_clearly(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    kiosk = await register(client, admin)
    await db.execute(
        "UPDATE auth_kiosk SET pairing_expires_at = now() - interval '1 second' WHERE id = $1", uuid.UUID(kiosk["id"])
    )
    expired = await pair(app, kiosk["pairingCode"])
    assert expired.status_code == 410 and expired.json()["code"] == "pairing_code_expired", expired.text
    shown = await listed(client, admin, kiosk["id"])
    assert shown is not None and shown["status"] == "waiting" and shown["pairingExpiresAt"]
    for wrong in ("ZZZZ-ZZZZ", "abc", "K7Q2-9MXD-EXTRA", "UUUU-UUUU"):
        refused = await pair(app, wrong)
        assert refused.status_code == 400 and refused.json()["code"] == "invalid_pairing_code", (wrong, refused.text)
    # Nothing was made: the kiosk still has no device that can sign in.
    assert await db.fetchval("SELECT count(*) FROM auth_session WHERE kiosk = $1", uuid.UUID(kiosk["id"])) == 0


async def test_guesses_are_limited_per_address(client: httpx.AsyncClient, app: Litestar) -> None:
    async with tablet(app) as guesser:
        for _ in range(30):
            wrong = await guesser.post("/api/v1/auth/kiosk/pair", json={"pairingCode": "ZZZZ-ZZZZ"})
            assert wrong.status_code == 400
        limited = await guesser.post("/api/v1/auth/kiosk/pair", json={"pairingCode": "ZZZZ-ZZZZ"})
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) > 0


async def test_a_new_pairing_code_ends_the_old_device(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    kiosk = await create_kiosk(client, db, app, region=REGION)
    admin, old_secret = kiosk["admin"], kiosk["deviceSecret"]
    async with tablet(app) as old:
        signed = (await old.post("/api/v1/auth/kiosk", json={"deviceSecret": old_secret})).json()
    url = f"/api/v1/admin/kiosks/{kiosk['id']}/pairing-code"
    current = await client.get(f"/api/v1/admin/kiosks/{kiosk['id']}", headers=bearer(admin))
    assert current.status_code == 200 and current.headers["etag"] == f'"{current.json()["revision"]}"'
    missing = await client.post(url, headers=bearer(admin))
    assert missing.status_code == 428 and missing.json()["code"] == "precondition_required"
    stale = await client.post(url, headers=if_match(admin, current.json()["revision"] - 1))
    assert stale.status_code == 412 and stale.json()["code"] == "edit_conflict"
    issued = await client.post(url, headers=if_match(admin, current.json()["revision"]))
    assert issued.status_code == 201, issued.text
    fresh = issued.json()
    assert CODE.match(fresh["pairingCode"]) and fresh["status"] == "waiting" and fresh["pairingLink"]
    assert issued.headers["etag"] == f'"{current.json()["revision"] + 1}"'
    # The old device is out at once: its session, its refresh token and its secret.
    async with tablet(app) as old:
        assert (await old.get("/api/v1/kiosk/device", headers=bearer(signed))).status_code == 401
        refresh = await old.post("/api/v1/auth/refresh", json={"refreshToken": signed["refreshToken"]})
        assert refresh.status_code == 401
        assert (await old.post("/api/v1/auth/kiosk", json={"deviceSecret": old_secret})).status_code == 401
    issued_audit = await db.fetchval(
        "SELECT count(*) FROM audit_event WHERE action = 'kiosk.pairing_code_issued' AND detail->>'kiosk' = $1",
        kiosk["id"],
    )
    assert issued_audit == 1
    # The wiped tablet pairs again with the new code, and gets a new secret.
    repaired = await pair(app, fresh["pairingCode"])
    assert repaired.status_code == 200 and repaired.json()["deviceSecret"] != old_secret
    async with tablet(app) as new:
        assert (await new.post("/api/v1/auth/kiosk", json={"deviceSecret": repaired.json()["deviceSecret"]})).is_success


async def test_last_seen_is_set_at_sign_in_and_refresh_at_most_once_a_minute(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    kiosk = await create_kiosk(client, db, app, region=REGION)
    kiosk_id = uuid.UUID(kiosk["id"])
    seen = await db.fetchval("SELECT last_seen_at FROM auth_kiosk WHERE id = $1", kiosk_id)
    assert seen is not None  # the pairing itself
    # Refreshing within the minute writes nothing.
    async with tablet(app) as device:
        refreshed = await device.post("/api/v1/auth/refresh", json={"refreshToken": kiosk["session"]["refreshToken"]})
        assert refreshed.status_code == 200, refreshed.text
        assert await db.fetchval("SELECT last_seen_at FROM auth_kiosk WHERE id = $1", kiosk_id) == seen
        # A minute later (moved back rather than waited for), a refresh is noted.
        await db.execute("UPDATE auth_kiosk SET last_seen_at = now() - interval '2 minutes' WHERE id = $1", kiosk_id)
        before = await db.fetchval("SELECT last_seen_at FROM auth_kiosk WHERE id = $1", kiosk_id)
        again = await device.post("/api/v1/auth/refresh", json={"refreshToken": refreshed.json()["refreshToken"]})
        assert again.status_code == 200
        after_refresh = await db.fetchval("SELECT last_seen_at FROM auth_kiosk WHERE id = $1", kiosk_id)
        assert after_refresh > before
        # And so is a sign-in with the device secret.
        await db.execute("UPDATE auth_kiosk SET last_seen_at = now() - interval '2 minutes' WHERE id = $1", kiosk_id)
        before = await db.fetchval("SELECT last_seen_at FROM auth_kiosk WHERE id = $1", kiosk_id)
        assert (await device.post("/api/v1/auth/kiosk", json={"deviceSecret": kiosk["deviceSecret"]})).is_success
    after_sign_in = await db.fetchval("SELECT last_seen_at FROM auth_kiosk WHERE id = $1", kiosk_id)
    assert after_sign_in > before
    shown = await listed(client, kiosk["admin"], kiosk["id"])
    assert shown is not None and shown["lastSeenAt"]


async def test_rename_takes_if_match(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    kiosk = await register(client, admin, "Kios lama")
    url = f"/api/v1/admin/kiosks/{kiosk['id']}"
    missing = await client.patch(url, json={"name": "Kios lobi utara"}, headers=bearer(admin))
    assert missing.status_code == 428 and missing.json()["code"] == "precondition_required"
    stale = await client.patch(url, json={"name": "Kios lobi utara"}, headers=if_match(admin, kiosk["revision"] + 5))
    assert stale.status_code == 412 and stale.json()["code"] == "edit_conflict"
    garbage = await client.patch(url, json={"name": "Kios lobi utara"}, headers=if_match(admin, "abc"))
    assert garbage.status_code == 412
    renamed = await client.patch(url, json={"name": "  Kios lobi utara "}, headers=if_match(admin, kiosk["revision"]))
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Kios lobi utara" and renamed.headers["etag"] == f'"{kiosk["revision"] + 1}"'
    # The first admin's copy is now stale: a second rename from it is refused, not applied silently.
    lost = await client.patch(url, json={"name": "Kios lain"}, headers=if_match(admin, kiosk["revision"]))
    assert lost.status_code == 412
    blank = await client.patch(url, json={"name": "   "}, headers=if_match(admin, kiosk["revision"] + 1))
    assert blank.status_code == 422 and blank.json()["errors"] == [{"field": "name", "message": "is required"}]
    read = await client.get(url, headers=bearer(admin))
    assert read.json()["name"] == "Kios lobi utara" and read.headers["etag"] == f'"{kiosk["revision"] + 1}"'
    audit = await db.fetchrow(
        "SELECT actor, detail FROM audit_event WHERE action = 'kiosk.renamed' AND detail->>'kiosk' = $1", kiosk["id"]
    )
    assert audit is not None and audit["actor"] is not None and "Kios lama" in audit["detail"]


async def test_retiring_ends_the_device_and_its_pairing_code(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    waiting = await register(client, admin, "Kios belum dipasang")
    url = f"/api/v1/admin/kiosks/{waiting['id']}"
    assert (await client.delete(url, headers=bearer(admin))).status_code == 428
    assert (await client.delete(url, headers=if_match(admin, waiting["revision"] + 1))).status_code == 412
    assert (await client.delete(url, headers=if_match(admin, waiting["revision"]))).status_code == 204
    assert (await pair(app, waiting["pairingCode"])).status_code == 400
    retired = await client.get(url, headers=bearer(admin))
    assert retired.json()["status"] == "retired" and retired.json()["revokedAt"]
    again = await client.post(f"{url}/pairing-code", headers={**bearer(admin), "If-Match": retired.headers["etag"]})
    assert again.status_code == 409 and again.json()["code"] == "kiosk_retired"
    audit = await db.fetchval(
        "SELECT count(*) FROM audit_event WHERE action = 'kiosk.revoked' AND detail->>'kiosk' = $1", waiting["id"]
    )
    assert audit == 1


async def test_the_qr_code_shows_only_the_kiosks_own_live_pairing_link(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    kiosk = await register(client, admin, "Kios QR")
    other = await register(client, admin, "Kios QR lain")
    url = f"/api/v1/admin/kiosks/{kiosk['id']}/pairing-qr.svg"
    qr = await client.get(url, params={"code": kiosk["pairingCode"]}, headers=bearer(admin))
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.headers["cache-control"] == "no-store"
    expected = io.BytesIO()
    segno.make(kiosk["pairingLink"], error="m", micro=False).save(
        expected, kind="svg", scale=6, border=4, xmldecl=False, svgns=True, title="Kios QR"
    )
    assert qr.content == expected.getvalue()
    for code, status in (
        ("https://evil.example", 400),  # not a code at all
        ("ZZZZ-ZZZZ", 400),  # a code, but not this kiosk's
        (other["pairingCode"], 400),  # another kiosk's live code
    ):
        refused = await client.get(url, params={"code": code}, headers=bearer(admin))
        assert refused.status_code == status and refused.json()["code"] == "invalid_pairing_code", code
    assert (await client.get(url, headers=bearer(admin))).status_code == 400  # no code
    # Admins only.
    citizen = await sign_in(client)
    assert (await client.get(url, params={"code": kiosk["pairingCode"]}, headers=bearer(citizen))).status_code == 403
    assert (await client.get(url, params={"code": kiosk["pairingCode"]})).status_code == 401
    # A used code makes no QR code.
    assert (await pair(app, kiosk["pairingCode"])).status_code == 200
    used = await client.get(url, params={"code": kiosk["pairingCode"]}, headers=bearer(admin))
    assert used.status_code == 400


async def test_another_regions_kiosk_is_not_found_on_every_route(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    owner = await create_region_admin(db, app, region=REGION)
    kiosk = await register(client, owner, "Kios Banyumas")
    stranger = await create_region_admin(db, app, region=OTHER_REGION)
    url = f"/api/v1/admin/kiosks/{kiosk['id']}"
    star = {**bearer(stranger), "If-Match": "*"}
    answers = [
        await client.get(url, headers=bearer(stranger)),
        await client.patch(url, json={"name": "Dicuri"}, headers=star),
        await client.post(f"{url}/pairing-code", headers=star),
        await client.get(f"{url}/pairing-qr.svg", params={"code": kiosk["pairingCode"]}, headers=bearer(stranger)),
        await client.delete(url, headers=star),
    ]
    assert [a.status_code for a in answers] == [404] * 5, [a.text for a in answers]
    assert all(a.json()["code"] == "not_found" for a in answers)
    assert await listed(client, stranger, kiosk["id"]) is None
    # Naming the other region, to register there or to list it, is the same 404.
    elsewhere = await client.post(
        "/api/v1/admin/kiosks", json={"name": "Kios", "region": REGION}, headers=bearer(stranger)
    )
    assert elsewhere.status_code == 404
    assert (
        await client.get("/api/v1/admin/kiosks", params={"region": REGION}, headers=bearer(stranger))
    ).status_code == 404
    # Nothing changed.
    unchanged = (await client.get(url, headers=bearer(owner))).json()
    assert unchanged["name"] == "Kios Banyumas" and unchanged["status"] == "waiting"
    assert unchanged["revision"] == kiosk["revision"]
    assert (await pair(app, kiosk["pairingCode"])).status_code == 200


async def test_a_national_admin_registers_for_a_named_region_and_sees_every_region(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    national = await create_national_admin(db, app)
    unnamed = await client.post("/api/v1/admin/kiosks", json={"name": "Kios pusat"}, headers=bearer(national))
    assert unnamed.status_code == 422 and unnamed.json()["errors"] == [{"field": "region", "message": "is required"}]
    nowhere = await client.post(
        "/api/v1/admin/kiosks", json={"name": "Kios pusat", "region": "9999"}, headers=bearer(national)
    )
    assert nowhere.status_code == 422 and nowhere.json()["errors"][0]["field"] == "region"
    kiosk = await register(client, national, "Kios Yogyakarta", region=OTHER_REGION)
    assert kiosk["region"] == OTHER_REGION and kiosk["status"] == "waiting"
    regional = await create_region_admin(db, app, region=REGION)
    mine = await register(client, regional, "Kios Banyumas")
    for region in (OTHER_REGION, REGION):
        found = (
            await client.get(
                "/api/v1/admin/kiosks", params={"region": region, "pageSize": 100}, headers=bearer(national)
            )
        ).json()
        assert all(k["region"] == region for k in found["items"]) and found["total"] >= 1
    everywhere = await client.get("/api/v1/admin/kiosks", params={"pageSize": 100}, headers=bearer(national))
    assert everywhere.json()["total"] >= 2
    renamed = await client.patch(
        f"/api/v1/admin/kiosks/{mine['id']}", json={"name": "Kios Banyumas 2"}, headers=if_match(national, 1)
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Kios Banyumas 2"


async def test_hostile_input_is_refused(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    for name in ("Kios\x00", "Kios \u202eibol", "x" * 61, ""):
        refused = await client.post("/api/v1/admin/kiosks", json={"name": name}, headers=bearer(admin))
        assert refused.status_code in (400, 422), (name, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
    unknown = await client.post("/api/v1/admin/kiosks", json={"name": "Kios", "secret": "x"}, headers=bearer(admin))
    assert unknown.status_code == 400
    kiosk = await register(client, admin, "Kios uji")
    for code in ("K7Q2\x00MXD", "\u202eK7Q29MXD", "x" * 500, 12345678):
        refused = await pair(app, code)  # type: ignore[arg-type]
        assert 400 <= refused.status_code < 500 and refused.headers["content-type"].startswith(
            "application/problem+json"
        )
    async with tablet(app) as device:
        extra = await device.post("/api/v1/auth/kiosk/pair", json={"pairingCode": kiosk["pairingCode"], "x": 1})
        assert extra.status_code == 400
    huge = await client.patch(
        f"/api/v1/admin/kiosks/{kiosk['id']}", json={"name": "Kios"}, headers={**bearer(admin), "If-Match": "9" * 5000}
    )
    assert huge.status_code == 400
    long_tag = await client.patch(
        f"/api/v1/admin/kiosks/{kiosk['id']}", json={"name": "Kios"}, headers=if_match(admin, "9" * 40)
    )
    assert long_tag.status_code == 412
    # Still waiting for its tablet, and its code still works.
    assert (await pair(app, kiosk["pairingCode"])).status_code == 200
