"""Staff in admin mode: invite, list, change role or agency, suspend and reinstate, sign out everywhere, lost
passkeys — each in the admin's scope, under If-Match, audited with the actor.

Real API, real database; the invited officers enrol and sign in with a software passkey
(tests/support/authenticator.py), as on their phone. Nothing of ours is mocked.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from api.config import Settings
from tests.support.auth import account_id, bearer, last_code, new_phone, sign_in, staff
from tests.support.authenticator import SoftAuthenticator
from tests.support.factories import create_national_admin, create_region_admin

BASE = "/api/v1/admin/staff"
PASSKEYS = "/api/v1/auth/passkeys"
REGION = "3302"
OTHER_REGION = "3471"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def problem(response: httpx.Response, status: int, code: str) -> bool:
    return (
        response.status_code == status
        and response.headers["content-type"].startswith("application/problem+json")
        and response.json()["code"] == code
    )


def if_match(item: dict[str, Any] | httpx.Response) -> dict[str, str]:
    revision = item.headers["etag"] if isinstance(item, httpx.Response) else f'"{item["revision"]}"'
    return {"If-Match": revision}


async def invite(
    client: httpx.AsyncClient, admin: str, *, role: str = "officer", agency: str | None = "DISDUKCAPIL", **more: Any
) -> dict[str, Any]:
    body = {"phone": more.pop("phone", None) or new_phone(), "name": more.pop("name", "Budi Santoso"), "role": role}
    body |= {"agency": agency} if agency else {}
    response = await client.post(BASE, json=body | more, headers=auth(admin))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    result["phone"] = body["phone"]
    return result


async def member(client: httpx.AsyncClient, admin: str, account: str) -> httpx.Response:
    return await client.get(f"{BASE}/{account}", headers=auth(admin))


async def again(db: asyncpg.Connection, phone: str) -> None:
    """Let the number ask for another sign-in code now (codes are limited per number and window)."""
    await db.execute("DELETE FROM auth_rate_limit WHERE key LIKE $1", f"otp:phone%:{phone}:%")


async def enrol_and_sign_in(
    client: httpx.AsyncClient, settings: Settings, phone: str, code: str | None
) -> tuple[dict[str, Any], SoftAuthenticator]:
    """The staff member signs in by SMS code, enrols their first passkey with ``code`` and confirms with it: a
    full-scope session, as the PWA's passkey step makes one."""
    tokens = await sign_in(client, phone)
    assert tokens["scope"] == "mfa"
    device = SoftAuthenticator(settings.auth.rp_id, settings.auth.origins[0])
    options = await client.post(f"{PASSKEYS}/register/options", json={"enrolmentCode": code}, headers=bearer(tokens))
    assert options.status_code == 200, options.text
    started = options.json()
    credential = device.create(started["publicKey"])
    registered = await client.post(
        f"{PASSKEYS}/register",
        json={"challengeId": started["challengeId"], "credential": credential},
        headers=bearer(tokens),
    )
    assert registered.status_code == 201, registered.text
    return await confirm(client, tokens, device), device


async def confirm(client: httpx.AsyncClient, tokens: dict[str, Any], device: SoftAuthenticator) -> dict[str, Any]:
    started = (await client.post(f"{PASSKEYS}/authenticate/options", headers=bearer(tokens))).json()
    full = await client.post(
        f"{PASSKEYS}/authenticate",
        json={"challengeId": started["challengeId"], "credential": device.get(started["publicKey"])},
        headers=bearer(tokens),
    )
    assert full.status_code == 200, full.text
    body: dict[str, Any] = full.json()
    assert body["scope"] == "api"
    return body


async def stops_working(client: httpx.AsyncClient, tokens: dict[str, Any]) -> bool:
    """Whether the token is refused on its next request (every process asks the database whether the session lives)."""
    return (await client.get("/api/v1/me", headers=bearer(tokens))).status_code == 401


async def audit(db: asyncpg.Connection, account: str, action: str) -> list[dict[str, Any]]:
    rows = await db.fetch(
        "SELECT actor, detail FROM audit_event WHERE subject = $1 AND action = $2 ORDER BY at, id",
        uuid.UUID(account),
        action,
    )
    return [{"actor": r["actor"], **json.loads(r["detail"])} for r in rows]


def actor_of(token: str) -> uuid.UUID:
    return account_id({"accessToken": token})


# --- invitation --------------------------------------------------------------------------------------------


async def test_an_invited_officer_enrols_a_passkey_with_the_code_and_signs_in(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, settings: Settings
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    invited = await invite(client, admin, name="Budi Santoso")
    assert invited["existingAccount"] is False
    assert invited["link"] == f"{settings.browser_url}#/signin?enrol={invited['enrolmentCode']}"
    assert invited["expiresAt"]
    # The QR code is drawn by the server, of that link only: an SVG image, nothing to run.
    assert invited["qrSvg"].startswith("<svg") and "viewBox" in invited["qrSvg"] and "<script" not in invited["qrSvg"]

    tokens, _ = await enrol_and_sign_in(client, settings, invited["phone"], invited["enrolmentCode"])
    me = (await client.get("/api/v1/me", headers=bearer(tokens))).json()
    assert me["roles"] == ["officer"] and me["name"] == "Budi Santoso"
    assert me["agency"]["code"] == "DISDUKCAPIL" and me["region"]["code"] == REGION
    inbox = await client.get("/api/v1/officer/applications", headers=bearer(tokens))
    assert inbox.status_code == 200, inbox.text

    found = (await client.get(BASE, params={"phone": invited["phone"]}, headers=auth(admin))).json()["items"]
    assert [f["accountId"] for f in found] == [invited["accountId"]]
    item = found[0]
    assert item["hasPasskey"] is True and item["status"] == "active" and item["lastSignInAt"]
    assert item["agency"] == {"code": "DISDUKCAPIL", "name": item["agency"]["name"]} and item["agency"]["name"]
    assert item["region"]["code"] == REGION and item["region"]["name"]
    [event] = await audit(db, invited["accountId"], "staff.invited")
    assert event["actor"] == actor_of(admin)
    assert event["role"] == "officer" and event["agency"] == "DISDUKCAPIL" and event["existingAccount"] is False


async def test_a_citizens_number_keeps_its_account_and_gains_the_role(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, settings: Settings
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    citizen = await sign_in(client)
    await client.patch("/api/v1/me", json={"name": "Siti Aminah"}, headers=bearer(citizen))
    # As a citizen they made a passkey with the SMS code alone (citizens need no enrolment code).
    started = (await client.post(f"{PASSKEYS}/register/options", headers=bearer(citizen))).json()
    own = SoftAuthenticator(settings.auth.rp_id, settings.auth.origins[0])
    body = {"challengeId": started["challengeId"], "credential": own.create(started["publicKey"])}
    assert (await client.post(f"{PASSKEYS}/register", json=body, headers=bearer(citizen))).status_code == 201
    invited = await invite(client, admin, phone=citizen["phone"], name="Nama Dari Admin", role="supervisor")
    assert invited["existingAccount"] is True
    assert invited["accountId"] == str(account_id(citizen))
    # One account per person: their citizen session ends (its token carries no staff role), and the passkey
    # made without an admin's code cannot become a member of staff's second factor: it is removed.
    assert await stops_working(client, citizen)
    assert await db.fetchval("SELECT count(*) FROM auth_passkey WHERE account = $1", account_id(citizen)) == 0
    [event] = await audit(db, invited["accountId"], "staff.invited")
    assert event["existingAccount"] is True and event["passkeysRemoved"] == 1 and event["sessionsEnded"] >= 1
    await again(db, citizen["phone"])
    tokens, _ = await enrol_and_sign_in(client, settings, citizen["phone"], invited["enrolmentCode"])
    me = (await client.get("/api/v1/me", headers=bearer(tokens))).json()
    assert me["roles"] == ["citizen", "supervisor"]
    assert me["name"] == "Siti Aminah"  # their own name stays
    # Already staff: a second invitation is refused, whatever the role.
    second = await client.post(
        BASE,
        json={"phone": citizen["phone"], "name": "X", "role": "officer", "agency": "DISDUKCAPIL"},
        headers=auth(admin),
    )
    assert problem(second, 409, "already_staff")


async def test_invitations_are_checked_field_by_field(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    national = await create_national_admin(db, app)

    name = f"Budi {uuid.uuid4().hex[:8]}"

    async def refused(token: str, body: dict[str, Any], status: int, code: str, field: str | None) -> None:
        response = await client.post(BASE, json={"phone": new_phone(), "name": name, **body}, headers=auth(token))
        assert problem(response, status, code), response.text
        if field:
            assert [e["field"] for e in response.json()["errors"]] == [field], response.text

    await refused(admin, {"role": "officer", "agency": "TIDAK-ADA"}, 422, "unprocessable", "agency")
    await refused(admin, {"role": "officer"}, 422, "unprocessable", "agency")
    # An agency of another region is no agency of this one (the public prosecutor sits in Yogyakarta's MPP only).
    await refused(admin, {"role": "officer", "agency": "KEJAKSAAN"}, 422, "unprocessable", "agency")
    await refused(national, {"role": "officer", "agency": "DISDUKCAPIL"}, 422, "unprocessable", "region")
    await refused(
        national, {"role": "region_admin", "agency": "DISDUKCAPIL", "region": REGION}, 422, "unprocessable", "agency"
    )
    await refused(admin, {"role": "officer", "agency": "DISDUKCAPIL", "phone": "0812"}, 422, "invalid_phone", "phone")
    # A region admin invites into their own region only, and no region admins.
    await refused(admin, {"role": "region_admin"}, 422, "unprocessable", "role")
    await refused(admin, {"role": "officer", "agency": "DISDUKCAPIL", "region": OTHER_REGION}, 404, "not_found", None)
    await refused(admin, {"role": "national_admin"}, 400, "invalid_request", None)
    # A retired agency takes no new staff. The row is as admin mode's "retire" leaves one (that route is the
    # agencies' part), in a region of its own, away from the screens other tests look at.
    remote = "6306"
    retired = await db.fetchval(
        "INSERT INTO catalogue_agency (id, region, code, name_id, name_en, short_name, kind, retired_at) "
        "VALUES ($1, $2, $3, 'Dinas Tutup', 'Closed office', 'Tutup', 'daerah', now()) RETURNING code",
        uuid.uuid4(),
        remote,
        f"TUTUP{uuid.uuid4().hex[:6].upper()}",
    )
    remote_admin = await create_region_admin(db, app, region=remote)
    await refused(remote_admin, {"role": "officer", "agency": retired}, 422, "unprocessable", "agency")
    assert (await invite(client, remote_admin, agency="DISDUKCAPIL"))["accountId"]
    # Nothing of the refused invitations was stored.
    assert await db.fetchval("SELECT count(*) FROM accounts_account WHERE name = $1", name) == 0


# --- scope --------------------------------------------------------------------------------------------------


async def test_a_region_admin_manages_only_their_regions_officers_and_supervisors(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    national = await create_national_admin(db, app)
    elsewhere = await invite(client, national, region=OTHER_REGION)
    fellow = await invite(client, national, role="region_admin", agency=None, region=REGION)
    mine = await invite(client, admin)

    def ids(response: httpx.Response) -> set[str]:
        assert response.status_code == 200, response.text
        return {i["accountId"] for i in response.json()["items"]}

    listed = ids(await client.get(BASE, params={"pageSize": 100, "q": mine["phone"]}, headers=auth(admin)))
    assert listed == {mine["accountId"]}
    for hidden in (elsewhere, fellow):
        assert ids(await client.get(BASE, params={"phone": hidden["phone"]}, headers=auth(admin))) == set()
        account = hidden["accountId"]
        assert problem(await member(client, admin, account), 404, "not_found")
        # Whatever the revision: the account is not there for them.
        for method, path, body in (
            ("PATCH", f"{BASE}/{account}", {"role": "supervisor"}),
            ("POST", f"{BASE}/{account}/suspend", {"reason": "Uji"}),
            ("POST", f"{BASE}/{account}/reinstate", None),
            ("POST", f"{BASE}/{account}/sessions/end", None),
            ("DELETE", f"{BASE}/{account}/passkeys", None),
            ("POST", f"{BASE}/{account}/enrolment-code", None),
        ):
            response = await client.request(method, path, json=body, headers={**auth(admin), "If-Match": '"1"'})
            assert problem(response, 404, "not_found"), f"{method} {path}: {response.text}"
    # Naming another region is not theirs either.
    assert problem(await client.get(BASE, params={"region": OTHER_REGION}, headers=auth(admin)), 404, "not_found")

    # A national admin manages everyone, region admins included, and may narrow by region.
    for account in (elsewhere, fellow, mine):
        assert (await member(client, national, account["accountId"])).status_code == 200
    narrowed = await client.get(BASE, params={"region": OTHER_REGION, "q": elsewhere["phone"]}, headers=auth(national))
    assert ids(narrowed) == {elsewhere["accountId"]}
    changed = await client.patch(
        f"{BASE}/{fellow['accountId']}",
        json={"role": "supervisor", "agency": "DISDUKCAPIL"},
        headers={**auth(national), **if_match(await member(client, national, fellow["accountId"]))},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["roles"] == ["supervisor"] and changed.json()["agency"]["code"] == "DISDUKCAPIL"


async def test_nobody_manages_themselves_here(client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection) -> None:
    national = await create_national_admin(db, app)
    me = str(actor_of(national))
    for method, path, body in (
        ("POST", f"{BASE}/{me}/suspend", {"reason": "Uji"}),
        ("PATCH", f"{BASE}/{me}", {"role": "officer"}),
        ("POST", f"{BASE}/{me}/sessions/end", None),
        ("DELETE", f"{BASE}/{me}/passkeys", None),
    ):
        response = await client.request(method, path, json=body, headers={**auth(national), "If-Match": '"1"'})
        assert problem(response, 409, "self"), f"{method} {path}: {response.text}"
    assert (await client.get("/api/v1/me", headers=auth(national))).status_code == 200


async def test_the_list_filters_searches_and_pages(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    tag = "uji" + uuid.uuid4().hex[:8]  # letters first: a search of digits alone is one for a phone number
    people = [
        await invite(client, admin, name=f"Ani {tag}"),
        await invite(client, admin, name=f"Bayu {tag}", agency="DPMPTSP"),
        await invite(client, admin, name=f"Citra {tag}", role="supervisor"),
    ]
    suspended = people[2]
    item = (await member(client, admin, suspended["accountId"])).json()
    done = await client.post(
        f"{BASE}/{suspended['accountId']}/suspend",
        json={"reason": "Cuti panjang"},
        headers={**auth(admin), **if_match(item)},
    )
    assert done.status_code == 200, done.text

    async def names(**params: Any) -> list[str]:
        response = await client.get(BASE, params={"q": tag, **params}, headers=auth(admin))
        assert response.status_code == 200, response.text
        return [i["name"] for i in response.json()["items"]]

    assert await names() == [f"Ani {tag}", f"Bayu {tag}"]  # active ones by default, by name
    assert await names(status="suspended") == [f"Citra {tag}"]
    assert await names(status="all") == [f"Ani {tag}", f"Bayu {tag}", f"Citra {tag}"]
    assert await names(status="all", agency="dpmptsp") == [f"Bayu {tag}"]
    assert await names(q=f"ani {tag}") == [f"Ani {tag}"]
    paged = await client.get(BASE, params={"q": tag, "status": "all", "pageSize": 2, "page": 2}, headers=auth(admin))
    assert paged.json()["total"] == 3 and [i["name"] for i in paged.json()["items"]] == [f"Citra {tag}"]
    # Part of a number, written as people write it.
    local = "0" + people[1]["phone"].removeprefix("+62")
    by_number = await client.get(BASE, params={"q": f"{local[:4]} {local[4:]}"}, headers=auth(admin))
    assert people[1]["accountId"] in {i["accountId"] for i in by_number.json()["items"]}
    # A search that means nothing special finds nothing, and breaks nothing.
    assert await names(q="%_\\") == []
    assert problem(await client.get(BASE, params={"status": "gone"}, headers=auth(admin)), 400, "invalid_request")


# --- changes ------------------------------------------------------------------------------------------------


async def test_a_role_change_ends_the_sessions_and_needs_the_current_revision(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, settings: Settings
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    invited = await invite(client, admin)
    tokens, device = await enrol_and_sign_in(client, settings, invited["phone"], invited["enrolmentCode"])
    url = f"{BASE}/{invited['accountId']}"
    read = await member(client, admin, invited["accountId"])
    assert read.headers["etag"] == f'"{read.json()["revision"]}"'

    assert problem(
        await client.patch(url, json={"role": "supervisor"}, headers=auth(admin)), 428, "precondition_required"
    )
    stale = {"If-Match": f'"{read.json()["revision"] - 1}"'}
    assert problem(
        await client.patch(url, json={"role": "supervisor"}, headers={**auth(admin), **stale}), 412, "edit_conflict"
    )
    junk = {"If-Match": '"abc"'}
    assert problem(
        await client.patch(url, json={"role": "supervisor"}, headers={**auth(admin), **junk}), 412, "edit_conflict"
    )
    assert (await client.get("/api/v1/me", headers=bearer(tokens))).status_code == 200  # nothing happened yet

    changed = await client.patch(
        url, json={"role": "supervisor", "agency": "DPMPTSP"}, headers={**auth(admin), **if_match(read)}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["roles"] == ["supervisor"] and changed.json()["agency"]["code"] == "DPMPTSP"
    assert changed.headers["etag"] != read.headers["etag"]
    # The token carried the old role: it stops working; a new sign-in carries the new scope.
    assert await stops_working(client, tokens)
    # The screen that read before the change cannot overwrite it.
    again_stale = await client.patch(url, json={"role": "officer"}, headers={**auth(admin), **if_match(read)})
    assert problem(again_stale, 412, "edit_conflict")
    await again(db, invited["phone"])
    fresh = await confirm(client, await sign_in(client, invited["phone"]), device)
    me = (await client.get("/api/v1/me", headers=bearer(fresh))).json()
    assert me["roles"] == ["supervisor"] and me["agency"]["code"] == "DPMPTSP"

    [event] = await audit(db, invited["accountId"], "staff.changed")
    assert event["actor"] == actor_of(admin)
    assert event["before"] == {"role": "officer", "agency": "DISDUKCAPIL", "region": REGION}
    assert event["after"] == {"role": "supervisor", "agency": "DPMPTSP", "region": REGION}
    assert event["sessionsEnded"] >= 1
    # A region admin makes nobody a region admin.
    refused = await client.patch(url, json={"role": "region_admin"}, headers={**auth(admin), **if_match(changed)})
    assert problem(refused, 422, "unprocessable") and refused.json()["errors"][0]["field"] == "role"


async def test_suspend_refuses_sign_in_until_reinstated(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, settings: Settings
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    invited = await invite(client, admin)
    tokens, device = await enrol_and_sign_in(client, settings, invited["phone"], invited["enrolmentCode"])
    url = f"{BASE}/{invited['accountId']}"
    read = await member(client, admin, invited["accountId"])
    assert problem(
        await client.post(f"{url}/suspend", json={"reason": ""}, headers={**auth(admin), **if_match(read)}),
        400,
        "invalid_request",
    )
    assert problem(
        await client.post(f"{url}/suspend", json={"reason": "Uji"}, headers=auth(admin)), 428, "precondition_required"
    )

    suspended = await client.post(
        f"{url}/suspend", json={"reason": "HP hilang, menunggu klarifikasi"}, headers={**auth(admin), **if_match(read)}
    )
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "suspended"
    assert await stops_working(client, tokens)
    refresh = await client.post("/api/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert refresh.status_code == 401
    # Signing in again is refused with a problem that says why, by code or by passkey.
    await again(db, invited["phone"])
    assert (await client.post("/api/v1/auth/otp", json={"phone": invited["phone"]})).status_code == 202
    refused = await client.post(
        "/api/v1/auth/otp/verify", json={"phone": invited["phone"], "code": last_code(invited["phone"])}
    )
    assert problem(refused, 403, "account_suspended")
    assert "suspended" in refused.json()["detail"] and "administrator" in refused.json()["detail"]
    started = (await client.post(f"{PASSKEYS}/authenticate/options")).json()
    by_passkey = await client.post(
        f"{PASSKEYS}/authenticate",
        json={"challengeId": started["challengeId"], "credential": device.get(started["publicKey"])},
    )
    assert problem(by_passkey, 403, "account_suspended")

    # Lost passkeys of a suspended person wait for their reinstatement.
    assert problem(
        await client.delete(f"{url}/passkeys", headers={**auth(admin), **if_match(suspended)}), 409, "account_suspended"
    )
    reinstated = await client.post(f"{url}/reinstate", headers={**auth(admin), **if_match(suspended)})
    assert reinstated.status_code == 200 and reinstated.json()["status"] == "active"
    await again(db, invited["phone"])
    back = await confirm(client, await sign_in(client, invited["phone"]), device)
    assert (await client.get("/api/v1/officer/applications", headers=bearer(back))).status_code == 200

    [event] = await audit(db, invited["accountId"], "staff.suspended")
    assert event["actor"] == actor_of(admin) and event["reason"] == "HP hilang, menunggu klarifikasi"
    assert event["sessionsEnded"] >= 1
    assert [e["actor"] for e in await audit(db, invited["accountId"], "staff.reinstated")] == [actor_of(admin)]


async def test_sign_out_everywhere(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, settings: Settings
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    invited = await invite(client, admin)
    first, device = await enrol_and_sign_in(client, settings, invited["phone"], invited["enrolmentCode"])
    await again(db, invited["phone"])
    second = await confirm(client, await sign_in(client, invited["phone"]), device)
    ended = await client.post(f"{BASE}/{invited['accountId']}/sessions/end", headers=auth(admin))
    assert ended.status_code == 200 and ended.json() == {"ended": 2}
    assert await stops_working(client, first) and await stops_working(client, second)
    [event] = await audit(db, invited["accountId"], "staff.sessions_ended")
    assert event == {"actor": actor_of(admin), "ended": 2}
    # Nothing left to end: zero, not an error.
    again_ended = await client.post(f"{BASE}/{invited['accountId']}/sessions/end", headers=auth(admin))
    assert again_ended.json() == {"ended": 0}


async def test_lost_passkeys_are_removed_and_a_new_code_enrols_the_next(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, settings: Settings
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    invited = await invite(client, admin)
    tokens, lost = await enrol_and_sign_in(client, settings, invited["phone"], invited["enrolmentCode"])
    account = invited["accountId"]
    read = await member(client, admin, account)
    assert read.json()["hasPasskey"] is True
    assert problem(await client.delete(f"{BASE}/{account}/passkeys", headers=auth(admin)), 428, "precondition_required")

    replaced = await client.delete(f"{BASE}/{account}/passkeys", headers={**auth(admin), **if_match(read)})
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert body["removed"] == 1 and body["accountId"] == account
    assert body["link"].endswith(f"#/signin?enrol={body['enrolmentCode']}") and body["qrSvg"].startswith("<svg")
    assert await db.fetchval("SELECT count(*) FROM auth_passkey WHERE account = $1", uuid.UUID(account)) == 0
    assert await stops_working(client, tokens)
    after = (await member(client, admin, account)).json()
    assert after["hasPasskey"] is False and after["revision"] != read.json()["revision"]
    # The lost passkey signs nobody in; the new code enrols the new one.
    started = (await client.post(f"{PASSKEYS}/authenticate/options")).json()
    stolen = await client.post(
        f"{PASSKEYS}/authenticate",
        json={"challengeId": started["challengeId"], "credential": lost.get(started["publicKey"])},
    )
    assert stolen.status_code == 400
    await again(db, invited["phone"])
    fresh, _ = await enrol_and_sign_in(client, settings, invited["phone"], body["enrolmentCode"])
    assert (await client.get("/api/v1/me", headers=bearer(fresh))).json()["roles"] == ["officer"]
    [event] = await audit(db, account, "staff.passkeys_removed")
    assert event["actor"] == actor_of(admin) and event["removed"] == 1


async def test_reissued_codes_come_with_their_qr_code(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    invited = await invite(client, admin)
    issued = await client.post(f"{BASE}/{invited['accountId']}/enrolment-code", headers=auth(admin))
    assert issued.status_code == 201, issued.text
    assert issued.json()["qrSvg"].startswith("<svg") and issued.json()["enrolmentCode"] != invited["enrolmentCode"]
    # Only an admin's own staff: not a fellow admin of the region.
    fellow = await db.fetchval(
        "SELECT id FROM accounts_account WHERE phone = $1", await staff(db, "region_admin", region=REGION)
    )
    assert problem(await client.post(f"{BASE}/{fellow}/enrolment-code", headers=auth(admin)), 404, "not_found")


async def test_hostile_input_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    invited = await invite(client, admin)
    url = f"{BASE}/{invited['accountId']}"
    read = await member(client, admin, invited["accountId"])
    for body in (
        {"phone": new_phone(), "name": "Budi\u202eSantoso", "role": "officer", "agency": "DISDUKCAPIL"},
        {"phone": new_phone(), "name": "x" * 121, "role": "officer", "agency": "DISDUKCAPIL"},
        {"phone": "０８１２３４５６７８９０", "name": "Budi", "role": "officer", "agency": "DISDUKCAPIL"},
        {"phone": new_phone(), "name": "Budi", "role": "officer", "agency": "D" * 41},
        {"phone": new_phone(), "name": "Budi", "role": "officer", "agency": "DISDUKCAPIL", "roles": ["national_admin"]},
    ):
        response = await client.post(BASE, json=body, headers=auth(admin))
        assert 400 <= response.status_code < 500, response.text
    for headers in ({"If-Match": '"' + "9" * 30 + '"'}, {"If-Match": 'W/"-1"'}, {"If-Match": "*"}):
        response = await client.patch(url, json={"role": "supervisor"}, headers={**auth(admin), **headers})
        assert 400 <= response.status_code < 500, response.text
    reason = {"reason": "x" * 501}
    assert (
        await client.post(f"{url}/suspend", json=reason, headers={**auth(admin), **if_match(read)})
    ).status_code == 400
    for q in ("\x00", "a\u202eb", "x" * 101):
        assert 400 <= (await client.get(BASE, params={"q": q}, headers=auth(admin))).status_code < 500
    now = (await member(client, admin, invited["accountId"])).json()
    assert now == read.json()
