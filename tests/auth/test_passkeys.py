"""Passkeys: enrol after a code sign-in, sign in with the passkey alone, and staff's second factor.

A software authenticator (tests/support/authenticator.py) plays the phone and the browser, speaking real
WebAuthn to the real API and database; nothing of ours is mocked.
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url

from api.auth.service import token_hash
from api.config import Settings
from tests.support.auth import account_id, bearer, enrolment_code, sign_in, staff
from tests.support.authenticator import SoftAuthenticator, account_handle

BASE = "/api/v1/auth/passkeys"
EVIL_ORIGIN = "https://mpp-digital.id.evil.example"


@pytest.fixture
def device(settings: Settings) -> SoftAuthenticator:
    return SoftAuthenticator(settings.auth.rp_id, settings.auth.origins[0])


async def enrol(
    client: httpx.AsyncClient,
    tokens: dict[str, Any],
    authenticator: SoftAuthenticator,
    name: str = "My phone",
    *,
    code: str | None = None,
) -> dict[str, Any]:
    """Enrol a passkey; ``code`` is the enrolment code a staff member's first passkey needs."""
    body = {"enrolmentCode": code} if code else None
    options = await client.post(f"{BASE}/register/options", json=body, headers=bearer(tokens))
    assert options.status_code == 200, options.text
    body = options.json()
    credential = authenticator.create(body["publicKey"])
    registered = await client.post(
        f"{BASE}/register",
        json={"challengeId": body["challengeId"], "credential": credential, "name": name},
        headers=bearer(tokens),
    )
    assert registered.status_code == 201, registered.text
    result: dict[str, Any] = registered.json()
    return result


async def sign_in_options(client: httpx.AsyncClient, tokens: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.post(f"{BASE}/authenticate/options", headers=bearer(tokens) if tokens else {})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def assert_with(
    client: httpx.AsyncClient, options: dict[str, Any], credential: dict[str, Any], tokens: dict[str, Any] | None = None
) -> httpx.Response:
    return await client.post(
        f"{BASE}/authenticate",
        json={"challengeId": options["challengeId"], "credential": credential},
        headers=bearer(tokens) if tokens else {},
    )


async def passkey_sign_in(client: httpx.AsyncClient, authenticator: SoftAuthenticator, **knobs: Any) -> httpx.Response:
    options = await sign_in_options(client)
    return await assert_with(client, options, authenticator.get(options["publicKey"], **knobs))


def refused(response: httpx.Response) -> bool:
    return response.status_code == 400 and response.json()["code"] == "invalid_credential"


async def test_enrol_after_a_code_sign_in_then_sign_in_with_the_passkey_alone(
    client: httpx.AsyncClient, db: asyncpg.Connection, settings: Settings, device: SoftAuthenticator
) -> None:
    tokens = await sign_in(client)
    account = account_id(tokens)
    options = (await client.post(f"{BASE}/register/options", headers=bearer(tokens))).json()
    public_key = options["publicKey"]
    assert public_key["rp"] == {"id": settings.auth.rp_id, "name": settings.auth.rp_name}
    assert public_key["user"] == {
        "id": account_handle(account),
        "name": tokens["phone"],
        "displayName": tokens["phone"],  # no name yet: the number stands in
    }
    assert public_key["authenticatorSelection"]["residentKey"] == "required"
    assert public_key["authenticatorSelection"]["userVerification"] == "required"
    assert public_key["excludeCredentials"] == []
    stored = await db.fetchrow("SELECT * FROM auth_webauthn_challenge WHERE id = $1", uuid.UUID(options["challengeId"]))
    assert stored["purpose"] == "register" and stored["account"] == account and stored["used_at"] is None
    assert 290 <= (stored["expires_at"] - await db.fetchval("SELECT now()")).total_seconds() <= 300

    registered = await client.post(
        f"{BASE}/register",
        json={"challengeId": options["challengeId"], "credential": device.create(public_key), "name": "Ibu's phone"},
        headers=bearer(tokens),
    )
    assert registered.status_code == 201, registered.text
    passkey = registered.json()
    assert passkey["name"] == "Ibu's phone" and passkey["lastUsedAt"] is None
    assert passkey["transports"] == ["hybrid", "internal"]
    row = await db.fetchrow("SELECT * FROM auth_passkey WHERE id = $1", uuid.UUID(passkey["id"]))
    assert row["account"] == account and bytes(row["credential_id"]) == device.credential_id
    assert bytes(row["public_key"]) == device.cose_key() and row["sign_count"] == 0
    listed = (await client.get(BASE, headers=bearer(tokens))).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == passkey["id"]
    assert set(listed["items"][0]) == {"id", "name", "createdAt", "lastUsedAt", "transports"}
    audit = await db.fetchrow(
        "SELECT actor, detail FROM audit_event WHERE subject = $1 AND action = 'passkey.registered'", account
    )
    assert audit["actor"] == account and "public" not in audit["detail"] and "challenge" not in audit["detail"]
    # Enrolling again excludes the passkey this person has, so their phone does not create a duplicate.
    again = (await client.post(f"{BASE}/register/options", headers=bearer(tokens))).json()
    assert [c["id"] for c in again["publicKey"]["excludeCredentials"]] == [device.id]

    # Later, on the same phone: the passkey alone, no number typed.
    options = await sign_in_options(client)
    assert options["publicKey"]["allowCredentials"] == []
    assert options["publicKey"]["userVerification"] == "required"
    assert await db.fetchval(
        "SELECT account IS NULL AND purpose = 'authenticate' FROM auth_webauthn_challenge WHERE id = $1",
        uuid.UUID(options["challengeId"]),
    )
    signed_in = await assert_with(client, options, device.get(options["publicKey"]))
    assert signed_in.status_code == 200, signed_in.text
    new_tokens = signed_in.json()
    assert new_tokens["scope"] == "api" and new_tokens["tokenType"] == "Bearer" and new_tokens["refreshToken"]
    me = (await client.get("/api/v1/me", headers=bearer(new_tokens))).json()
    assert me["phone"] == tokens["phone"]
    session = await db.fetchrow(
        "SELECT kind, amr, scope FROM auth_session WHERE account = $1 ORDER BY created_at DESC LIMIT 1", account
    )
    assert (session["kind"], session["amr"], session["scope"]) == ("citizen", ["passkey"], "api")
    used = await db.fetchrow(
        "SELECT sign_count, last_used_at FROM auth_passkey WHERE id = $1", uuid.UUID(passkey["id"])
    )
    assert used["sign_count"] == 1 and used["last_used_at"] is not None
    refreshed = await client.post("/api/v1/auth/refresh", json={"refreshToken": new_tokens["refreshToken"]})
    assert refreshed.status_code == 200


async def test_a_challenge_cannot_be_replayed(
    client: httpx.AsyncClient, db: asyncpg.Connection, device: SoftAuthenticator
) -> None:
    tokens = await sign_in(client)
    options = (await client.post(f"{BASE}/register/options", headers=bearer(tokens))).json()
    body = {"challengeId": options["challengeId"], "credential": device.create(options["publicKey"])}
    assert (await client.post(f"{BASE}/register", json=body, headers=bearer(tokens))).status_code == 201
    assert refused(await client.post(f"{BASE}/register", json=body, headers=bearer(tokens)))

    options = await sign_in_options(client)
    credential = device.get(options["publicKey"])
    assert (await assert_with(client, options, credential)).status_code == 200
    replayed = await assert_with(client, options, credential)
    assert refused(replayed)
    assert replayed.json()["detail"] == "This passkey could not be verified. Please try again."

    # A failed attempt burns the challenge too: it cannot be retried with a better answer.
    options = await sign_in_options(client)
    assert refused(await assert_with(client, options, device.get(options["publicKey"], origin=EVIL_ORIGIN)))
    assert refused(await assert_with(client, options, device.get(options["publicKey"])))

    # An expired challenge, and one that never existed.
    options = await sign_in_options(client)
    await db.execute(
        "UPDATE auth_webauthn_challenge SET expires_at = now() - interval '1 second' WHERE id = $1",
        uuid.UUID(options["challengeId"]),
    )
    assert refused(await assert_with(client, options, device.get(options["publicKey"])))
    options = await sign_in_options(client)
    options["challengeId"] = "00000000-0000-4000-8000-000000000000"
    assert refused(await assert_with(client, options, device.get(options["publicKey"])))

    # A registration challenge is not a sign-in challenge, nor the other way round.
    register = (await client.post(f"{BASE}/register/options", headers=bearer(tokens))).json()
    assert refused(await assert_with(client, register, device.get(register["publicKey"] | {"allowCredentials": []})))


async def test_a_challenge_is_bound_to_its_account(client: httpx.AsyncClient, settings: Settings) -> None:
    first, second = await sign_in(client), await sign_in(client)
    options = (await client.post(f"{BASE}/register/options", headers=bearer(first))).json()
    device = SoftAuthenticator(settings.auth.rp_id, settings.auth.origins[0])
    body = {"challengeId": options["challengeId"], "credential": device.create(options["publicKey"])}
    assert refused(await client.post(f"{BASE}/register", json=body, headers=bearer(second)))


async def test_a_wrong_origin_or_relying_party_is_refused(
    client: httpx.AsyncClient, settings: Settings, device: SoftAuthenticator
) -> None:
    tokens = await sign_in(client)
    options = (await client.post(f"{BASE}/register/options", headers=bearer(tokens))).json()
    phished = device.create(options["publicKey"], origin=EVIL_ORIGIN)
    body = {"challengeId": options["challengeId"], "credential": phished}
    assert refused(await client.post(f"{BASE}/register", json=body, headers=bearer(tokens)))
    assert (await client.get(BASE, headers=bearer(tokens))).json()["total"] == 0

    await enrol(client, tokens, device)
    assert refused(await passkey_sign_in(client, device, origin=EVIL_ORIGIN))
    # Our own origin, but inside another site's frame.
    assert refused(await passkey_sign_in(client, device, cross_origin=True))
    # An authenticator answering for another site's rp id.
    elsewhere = SoftAuthenticator("evil.example", settings.auth.origins[0])
    elsewhere.key, elsewhere.credential_id, elsewhere.user_handle = device.key, device.credential_id, device.user_handle
    assert refused(await passkey_sign_in(client, elsewhere))
    assert (await passkey_sign_in(client, device)).status_code == 200


async def test_a_signature_from_another_key_is_refused(client: httpx.AsyncClient, device: SoftAuthenticator) -> None:
    await enrol(client, await sign_in(client), device)
    impostor = ec.generate_private_key(ec.SECP256R1())
    assert refused(await passkey_sign_in(client, device, signing_key=impostor))
    assert (await passkey_sign_in(client, device)).status_code == 200


async def test_an_unknown_passkey_is_refused_alike(client: httpx.AsyncClient, settings: Settings) -> None:
    stranger = SoftAuthenticator(settings.auth.rp_id, settings.auth.origins[0])
    stranger.user_handle = secrets.token_bytes(16)
    response = await passkey_sign_in(client, stranger)
    assert refused(response)
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_user_handle_must_name_the_owner(client: httpx.AsyncClient, device: SoftAuthenticator) -> None:
    await enrol(client, await sign_in(client), device)
    other = account_id(await sign_in(client))
    assert refused(await passkey_sign_in(client, device, user_handle=other.bytes))


async def test_a_sign_count_that_goes_backwards_is_refused(
    client: httpx.AsyncClient, db: asyncpg.Connection, device: SoftAuthenticator
) -> None:
    tokens = await sign_in(client)
    passkey = await enrol(client, tokens, device)
    for _ in range(3):
        assert (await passkey_sign_in(client, device)).status_code == 200
    assert await db.fetchval("SELECT sign_count FROM auth_passkey WHERE id = $1", uuid.UUID(passkey["id"])) == 3
    device.sign_count = 1  # a copy of the key, made after its second use, signs its "third"
    assert refused(await passkey_sign_in(client, device))
    device.sign_count = 2  # the same count again is no better
    assert refused(await passkey_sign_in(client, device))
    assert await db.fetchval("SELECT sign_count FROM auth_passkey WHERE id = $1", uuid.UUID(passkey["id"])) == 3
    flagged = await db.fetchval(
        "SELECT count(*) FROM audit_event WHERE subject = $1 AND action = 'passkey.clone_suspected'",
        account_id(tokens),
    )
    assert flagged == 2
    device.sign_count = 10  # the genuine authenticator, moving on
    assert (await passkey_sign_in(client, device)).status_code == 200


async def test_synced_passkeys_without_a_counter_keep_working(client: httpx.AsyncClient, settings: Settings) -> None:
    synced = SoftAuthenticator(settings.auth.rp_id, settings.auth.origins[0], synced=True)
    await enrol(client, await sign_in(client), synced)
    for _ in range(2):
        assert (await passkey_sign_in(client, synced)).status_code == 200
    assert synced.sign_count == 0


async def test_staff_confirm_a_code_sign_in_with_their_passkey(
    client: httpx.AsyncClient, db: asyncpg.Connection, device: SoftAuthenticator
) -> None:
    phone = await staff(db, "officer", agency="DISDUKCAPIL", region="3302")
    tokens = await sign_in(client, phone)
    assert tokens["scope"] == "mfa"
    refused_call = await client.get("/api/v1/me/sessions", headers=bearer(tokens))
    assert refused_call.status_code == 403 and refused_call.json()["code"] == "second_factor_required"
    assert (await client.get(BASE, headers=bearer(tokens))).status_code == 403
    # Without a passkey there is nothing to confirm with...
    no_passkey = await client.post(f"{BASE}/authenticate/options", headers=bearer(tokens))
    assert no_passkey.status_code == 409 and no_passkey.json()["code"] == "no_passkey"
    # ...so the first one may be enrolled from the "mfa" token (the bootstrap), with the admin's enrolment code.
    passkey = await enrol(client, tokens, device, name="Work phone", code=await enrolment_code(db, phone))

    options = await sign_in_options(client, tokens)
    assert [c["id"] for c in options["publicKey"]["allowCredentials"]] == [device.id]
    upgraded = await assert_with(client, options, device.get(options["publicKey"]), tokens)
    assert upgraded.status_code == 200, upgraded.text
    full = upgraded.json()
    assert full["scope"] == "api"
    sessions = await client.get("/api/v1/me/sessions", headers=bearer(full))
    assert sessions.status_code == 200
    row = await db.fetchrow("SELECT kind, amr, scope FROM auth_session WHERE account = $1", account_id(tokens))
    assert (row["kind"], row["amr"], row["scope"]) == ("staff", ["otp", "passkey"], "api")
    # The "mfa" token cannot be used to confirm twice.
    again = await client.post(f"{BASE}/authenticate/options", headers=bearer(tokens))
    assert again.status_code == 401
    assert await db.fetchval(
        "SELECT count(*) FROM audit_event WHERE subject = $1 AND action = 'auth.second_factor'", account_id(tokens)
    )

    # Another day: the passkey alone is enough for staff too, and gives full scope.
    alone = await passkey_sign_in(client, device)
    assert alone.status_code == 200 and alone.json()["scope"] == "api"
    assert (await client.get("/api/v1/me/sessions", headers=bearer(alone.json()))).status_code == 200
    # Staff keep at least one passkey.
    last = await client.delete(f"{BASE}/{passkey['id']}", headers=bearer(full))
    assert last.status_code == 409 and last.json()["code"] == "last_passkey"
    # The refresh token issued with the code died with the upgrade: presenting it now ends the session, as
    # any spent refresh token does (whoever kept it is not the person who just confirmed with the passkey).
    stale = await client.post("/api/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert stale.status_code == 401
    assert (await client.get(BASE, headers=bearer(full))).status_code == 401


async def test_staff_with_a_passkey_cannot_enrol_another_from_an_mfa_token(
    client: httpx.AsyncClient, db: asyncpg.Connection, settings: Settings, device: SoftAuthenticator
) -> None:
    phone = await staff(db, "supervisor", agency="DISDUKCAPIL", region="3302")
    tokens = await sign_in(client, phone)
    # Two enrolments started while the account has no passkey: only the first may finish.
    code = {"enrolmentCode": await enrolment_code(db, phone)}
    first = (await client.post(f"{BASE}/register/options", json=code, headers=bearer(tokens))).json()
    second = (await client.post(f"{BASE}/register/options", json=code, headers=bearer(tokens))).json()
    body = {"challengeId": first["challengeId"], "credential": device.create(first["publicKey"])}
    assert (await client.post(f"{BASE}/register", json=body, headers=bearer(tokens))).status_code == 201
    thief = SoftAuthenticator(settings.auth.rp_id, settings.auth.origins[0])
    body = {"challengeId": second["challengeId"], "credential": thief.create(second["publicKey"])}
    late = await client.post(f"{BASE}/register", json=body, headers=bearer(tokens))
    assert late.status_code == 403 and late.json()["code"] == "second_factor_required"

    # A new code sign-in (someone who has the SMS, not the phone with the passkey).
    await db.execute("DELETE FROM auth_rate_limit WHERE key LIKE $1", f"otp:phone-minute:{phone}:%")
    stolen = await sign_in(client, phone)
    assert stolen["scope"] == "mfa"
    blocked = await client.post(f"{BASE}/register/options", headers=bearer(stolen))
    assert blocked.status_code == 403 and blocked.json()["code"] == "second_factor_required"
    # Nor can another person's passkey confirm this account's sign-in.
    other = SoftAuthenticator(settings.auth.rp_id, settings.auth.origins[0])
    await enrol(client, await sign_in(client), other)
    options = await sign_in_options(client, stolen)
    foreign = other.get(options["publicKey"] | {"allowCredentials": []})
    assert refused(await assert_with(client, options, foreign, stolen))
    assert (await client.get("/api/v1/me/sessions", headers=bearer(stolen))).status_code == 403

    # With the full scope (after confirming with the passkey) a second passkey may be added.
    options = await sign_in_options(client, stolen)
    full = (await assert_with(client, options, device.get(options["publicKey"]), stolen)).json()
    spare = SoftAuthenticator(settings.auth.rp_id, settings.auth.origins[0])
    await enrol(client, full, spare, name="Security key")
    listed = (await client.get(BASE, headers=bearer(full))).json()
    assert listed["total"] == 2
    # And then one of the two may go.
    removed = await client.delete(f"{BASE}/{listed['items'][1]['id']}", headers=bearer(full))
    assert removed.status_code == 204


async def test_list_and_remove_my_passkeys(
    client: httpx.AsyncClient, db: asyncpg.Connection, device: SoftAuthenticator
) -> None:
    tokens = await sign_in(client)
    passkey = await enrol(client, tokens, device)
    someone_else = await sign_in(client)
    assert (await client.get(BASE, headers=bearer(someone_else))).json() == {"items": [], "total": 0}
    not_theirs = await client.delete(f"{BASE}/{passkey['id']}", headers=bearer(someone_else))
    assert not_theirs.status_code == 404
    assert (await client.delete(f"{BASE}/{passkey['id']}", headers=bearer(tokens))).status_code == 204
    assert (await client.delete(f"{BASE}/{passkey['id']}", headers=bearer(tokens))).status_code == 404
    assert (await client.get(BASE, headers=bearer(tokens))).json()["total"] == 0
    assert await db.fetchval(
        "SELECT count(*) FROM audit_event WHERE subject = $1 AND action = 'passkey.removed'", account_id(tokens)
    )
    # A removed passkey signs nobody in.
    assert refused(await passkey_sign_in(client, device))
    assert (await client.get(BASE)).status_code == 401


async def test_a_passkey_on_a_kiosk_opens_an_assisted_session(
    client: httpx.AsyncClient, db: asyncpg.Connection, device: SoftAuthenticator
) -> None:
    tokens = await sign_in(client)
    await enrol(client, tokens, device)
    secret = secrets.token_urlsafe(32)
    mpp = await db.fetchrow("SELECT id, region FROM catalogue_mpp WHERE region = '3302' LIMIT 1")
    await db.execute(
        "INSERT INTO auth_kiosk (id, mpp, region, name, secret_hash, created_at) "
        "VALUES (gen_random_uuid(), $1, $2, 'Test kiosk', $3, now())",
        mpp["id"],
        mpp["region"],
        token_hash(secret),
    )
    kiosk = (await client.post("/api/v1/auth/kiosk", json={"deviceSecret": secret})).json()
    options = await sign_in_options(client, kiosk)
    response = await assert_with(client, options, device.get(options["publicKey"]), kiosk)
    assert response.status_code == 200, response.text
    kind = await db.fetchval(
        "SELECT kind FROM auth_session WHERE account = $1 ORDER BY created_at DESC LIMIT 1", account_id(tokens)
    )
    assert kind == "assisted"


def _b64(value: Any) -> str:
    return bytes_to_base64url(value if isinstance(value, bytes) else json.dumps(value).encode())


JUNK_CLIENT_DATA = [
    _b64(b"not json"),
    _b64({"type": "webauthn.get", "challenge": 123, "origin": "http://localhost:8000"}),
    _b64({"type": "webauthn.create", "challenge": "!!", "origin": ["x"], "crossOrigin": {}}),
    "***",
]


def _with_response(credential: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return credential | {"response": credential["response"] | changes}


async def test_junk_is_refused_politely(client: httpx.AsyncClient, device: SoftAuthenticator) -> None:
    # Each case gets a fresh challenge, so that it reaches the checks it aims at (a spent one stops it early).
    tokens = await sign_in(client)
    # Unknown transports are dropped, not fatal.
    options = (await client.post(f"{BASE}/register/options", headers=bearer(tokens))).json()
    created = device.create(options["publicKey"])
    body = {"challengeId": options["challengeId"], "credential": _with_response(created, transports=[{}, 5, "usb"])}
    registered = await client.post(f"{BASE}/register", json=body, headers=bearer(tokens))
    assert registered.status_code == 201 and registered.json()["transports"] == ["usb"]
    assertions: list[Callable[[dict[str, Any]], dict[str, Any]]] = [
        lambda good: {},
        lambda good: {"id": "x", "rawId": "x", "response": {}, "type": "public-key"},
        lambda good: good | {"type": "password"},
        lambda good: good | {"id": "AAAA"},
        lambda good: _with_response(good, authenticatorData=_b64(b"short"), userHandle=5),
        lambda good: _with_response(good, signature="***"),
        lambda good: _with_response(good, signature=_b64(b"\x30\x00")),
        *(lambda good, junk=junk: _with_response(good, clientDataJSON=junk) for junk in JUNK_CLIENT_DATA),
    ]
    for spoil in assertions:
        options = await sign_in_options(client)
        credential = spoil(device.get(options["publicKey"]))
        response = await assert_with(client, options, credential)
        assert refused(response), response.text
    registrations: list[Callable[[dict[str, Any]], dict[str, Any]]] = [
        lambda good: {},
        lambda good: _with_response(good, attestationObject=_b64(b"\xa1\x00\x00")),
        lambda good: _with_response(good, attestationObject="***"),
        *(lambda good, junk=junk: _with_response(good, clientDataJSON=junk) for junk in JUNK_CLIENT_DATA),
    ]
    for spoil in registrations:
        options = (await client.post(f"{BASE}/register/options", headers=bearer(tokens))).json()
        credential = spoil(SoftAuthenticator(device.rp_id, device.origin).create(options["publicKey"]))
        body = {"challengeId": options["challengeId"], "credential": credential}
        response = await client.post(f"{BASE}/register", json=body, headers=bearer(tokens))
        assert refused(response), response.text
    malformed = await client.post(f"{BASE}/authenticate", json={"challengeId": "nope", "credential": {}})
    assert malformed.status_code == 400 and malformed.json()["code"] == "invalid_request"


async def test_no_challenge_or_key_in_the_logs(client: httpx.AsyncClient, device: SoftAuthenticator) -> None:
    # Our own handler: the suite may run with pytest's logging plugin (and its caplog) turned off.
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        tokens = await sign_in(client)
        options = (await client.post(f"{BASE}/register/options", headers=bearer(tokens))).json()
        phished = device.create(options["publicKey"], origin=EVIL_ORIGIN)
        body = {"challengeId": options["challengeId"], "credential": phished}
        assert refused(await client.post(f"{BASE}/register", json=body, headers=bearer(tokens)))
        await enrol(client, tokens, device)
        sign_in_challenge = await sign_in_options(client)
        credential = device.get(sign_in_challenge["publicKey"], origin=EVIL_ORIGIN)
        assert refused(await assert_with(client, sign_in_challenge, credential))
        assert (await passkey_sign_in(client, device)).status_code == 200
        device.sign_count = 0
        assert refused(await passkey_sign_in(client, device))  # a "clone": logged as a warning
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    text = "\n".join(r.getMessage() for r in records)
    assert "refused" in text
    key = bytes_to_base64url(device.cose_key())
    for secret in (options["publicKey"]["challenge"], sign_in_challenge["publicKey"]["challenge"], key, device.id):
        assert secret not in text
