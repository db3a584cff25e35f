"""Kiosk mode's API: the device cookie, "continue on your phone" QR codes, the status look-up that reveals
nothing without the owner's code (and nothing about which numbers exist), and the idle wipe."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from typing import Any

import asyncpg
import httpx
import segno
from litestar import Litestar

from api.config import get_settings
from tests.support.applications import kk_service
from tests.support.auth import bearer, sign_in
from tests.support.clients import client_at
from tests.support.factories import create_application, create_citizen, create_officer
from tests.support.identity import random_nik
from tests.support.kiosks import create_kiosk

REGION = "3302"


async def register_kiosk(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> dict[str, Any]:
    """A kiosk registered by a region admin and paired with its code: with its ``deviceSecret``."""
    return await create_kiosk(client, db, app, region=REGION)


async def kiosk_session(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> dict[str, Any]:
    kiosk = await register_kiosk(client, db, app)
    signed = await client.post("/api/v1/auth/kiosk", json={"deviceSecret": kiosk["deviceSecret"]})
    assert signed.status_code == 200, signed.text
    return {**signed.json(), "kiosk": kiosk}


async def submitted_application(
    client: httpx.AsyncClient, name: str, nik: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    citizen = await create_citizen(client, name=name, nik=nik)
    return citizen, await create_application(client, citizen)


def messages_to(phone: str) -> list[dict[str, Any]]:
    path = get_settings().dev_messages_path
    return [m for m in map(json.loads, path.read_text().splitlines()) if m["to"] == phone]


async def code_sent(client: httpx.AsyncClient, kiosk: dict[str, Any], citizen: dict[str, Any], number: str) -> str:
    """Ask at the kiosk for a look-up code for ``number``; the code, as the owner's SMS brings it."""
    await client.post("/api/v1/kiosk/status/code", json={"number": number}, headers=bearer(kiosk))
    return str(messages_to(citizen["phone"])[-1]["code"])


def made_up_number() -> str:
    return f"3302-2611-{uuid.uuid4().int % 10**9:09d}"


# --- the device and its cookie -----------------------------------------------------------------------------


async def test_kiosk_sign_in_sets_a_device_cookie_that_signs_in_again(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    kiosk = await register_kiosk(client, db, app)
    signed = await client.post("/api/v1/auth/kiosk", json={"deviceSecret": kiosk["deviceSecret"]})
    assert signed.status_code == 200 and signed.json()["accessToken"]
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith(f"mpp_kiosk={kiosk['deviceSecret']};")
    for attribute in ("Path=/api/v1/auth/kiosk", "HttpOnly", "SameSite=Strict", "Secure"):
        assert attribute in cookie, cookie
    assert signed.headers["cache-control"] == "no-store"
    # The body may leave the secret out: the cookie stands in for it (the idle wipe keeps cookies).
    fresh = client_at(app, "10.9.9.9")
    again = await fresh.post("/api/v1/auth/kiosk", json={}, headers={"Cookie": f"mpp_kiosk={kiosk['deviceSecret']}"})
    assert again.status_code == 200, again.text
    device = await fresh.get("/api/v1/kiosk/device", headers=bearer(again.json()))
    assert device.status_code == 200
    body = device.json()
    assert body["id"] == kiosk["id"] and body["region"]["code"] == REGION and body["mpp"]["name"]
    assert body["idleSeconds"] == 90 and body["warningSeconds"] == 30
    # Neither a secret nor a cookie: refused as before.
    nothing = await client_at(app, "10.9.9.10").post("/api/v1/auth/kiosk", json={})
    assert nothing.status_code == 401 and nothing.json()["code"] == "invalid_grant"
    assert "set-cookie" not in nothing.headers
    # A cookie that no longer works is dropped, so the tablet shows its set-up screen again.
    stale = await client_at(app, "10.9.9.11").post("/api/v1/auth/kiosk", json={}, headers={"Cookie": "mpp_kiosk=nope"})
    assert stale.status_code == 401 and "Max-Age=0" in stale.headers["set-cookie"]
    await fresh.aclose()


async def test_the_cookie_is_not_secure_only_on_plain_localhost(
    db: asyncpg.Connection, app: Litestar, client: httpx.AsyncClient
) -> None:
    kiosk = await register_kiosk(client, db, app)
    transport = httpx.ASGITransport(app=app, client=("10.9.8.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as local:
        signed = await local.post("/api/v1/auth/kiosk", json={"deviceSecret": kiosk["deviceSecret"]})
    assert signed.status_code == 200
    assert "HttpOnly" in signed.headers["set-cookie"] and "Secure" not in signed.headers["set-cookie"]


async def test_only_a_kiosk_reads_its_device(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> None:
    citizen = await sign_in(client)
    refused = await client.get("/api/v1/kiosk/device", headers=bearer(citizen))
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/api/v1/kiosk/device")).status_code == 401


# --- "continue on your phone" ------------------------------------------------------------------------------


async def test_the_qr_code_encodes_only_this_sites_service_page(client: httpx.AsyncClient) -> None:
    service = await kk_service(client)
    qr = await client.get("/api/v1/kiosk/qr.svg", params={"service": service["id"]})
    assert qr.status_code == 200
    assert qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.headers["cache-control"] == "public, max-age=86400"
    # The same picture as the site's own URL for this service, made independently here.
    expected = io.BytesIO()
    url = f"http://testserver/#/services/{service['id']}"
    segno.make(url, error="m", micro=False).save(
        expected, kind="svg", scale=8, border=4, xmldecl=False, svgns=True, title=service["name"]
    )
    assert qr.content == expected.getvalue()
    # No QR for anything else: an unknown service, a URL, nothing.
    unknown = await client.get("/api/v1/kiosk/qr.svg", params={"service": str(uuid.uuid4())})
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    phishing = await client.get("/api/v1/kiosk/qr.svg", params={"service": "https://evil.example/login"})
    assert phishing.status_code == 400 and phishing.json()["code"] == "invalid_request"
    assert (await client.get("/api/v1/kiosk/qr.svg")).status_code == 400
    extra = await client.get("/api/v1/kiosk/qr.svg", params={"service": service["id"], "url": "https://evil.example"})
    assert extra.status_code == 200 and b"evil" not in extra.content


# --- status look-up ----------------------------------------------------------------------------------------


async def test_status_look_up_with_the_owners_code_shows_nothing_personal(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    nik = random_nik()
    citizen, application = await submitted_application(client, "Siti Kiosk Aminah", nik)
    kiosk = await kiosk_session(client, db, app)
    number = application["number"]
    # Typed with spaces instead of dashes: forgiven.
    sent = await client.post(
        "/api/v1/kiosk/status/code", json={"number": number.replace("-", " ")}, headers=bearer(kiosk)
    )
    assert sent.status_code == 202 and sent.json() == {"expiresIn": 300}
    sms = messages_to(citizen["phone"])[-1]
    assert number in sms["body"] and "kios" in sms["body"].lower()
    code = sms["code"]
    wrong = "000000" if code != "000000" else "111111"
    bad = await client.post("/api/v1/kiosk/status", json={"number": number, "code": wrong}, headers=bearer(kiosk))
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_code"
    assert bad.headers["content-type"].startswith("application/problem+json")
    shown = await client.post("/api/v1/kiosk/status", json={"number": number, "code": code}, headers=bearer(kiosk))
    assert shown.status_code == 200, shown.text
    assert shown.headers["cache-control"] == "no-store"
    summary = shown.json()
    assert set(summary) <= {"number", "status", "service", "agency", "deadline", "updatedAt", "actionNeeded"}
    assert summary["number"] == number and summary["status"] == "submitted"
    assert summary["deadline"]["dueDate"] == application["deadline"]["dueDate"]
    assert summary["deadline"]["paused"] is False
    assert "Siti" not in shown.text and nik not in shown.text and citizen["phone"] not in shown.text
    # Single use.
    again = await client.post("/api/v1/kiosk/status", json={"number": number, "code": code}, headers=bearer(kiosk))
    assert again.status_code == 400 and again.json()["code"] == "code_expired"
    # The owner sees the kiosk's read in their access log.
    log = (await client.get("/api/v1/me/access-log", headers=bearer(citizen))).json()
    assert any(e["what"] == "application.read" and e.get("via") == "kiosk" for e in log["items"])
    stored = await db.fetchrow(
        "SELECT actor, detail FROM audit_event WHERE action = 'application.read' AND detail->>'via' = 'kiosk' "
        "AND detail->>'application' = $1",
        application["id"],
    )
    assert stored is not None and str(stored["actor"]) == kiosk["kiosk"]["id"]


async def test_correction_reason_is_what_is_needed(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    citizen, application = await submitted_application(client, "Budi Koreksi", random_nik())
    clerk = await create_officer(db, app, region=REGION)
    path = f"/api/v1/officer/applications/{application['id']}/decision"
    assert (await client.post(path, json={"action": "start_review"}, headers=bearer(clerk))).status_code == 200
    asked = await client.post(
        path, json={"action": "request_correction", "reason": "Foto KK buram."}, headers=bearer(clerk)
    )
    assert asked.status_code == 200, asked.text
    kiosk = await kiosk_session(client, db, app)
    code = await code_sent(client, kiosk, citizen, application["number"])
    shown = await client.post(
        "/api/v1/kiosk/status", json={"number": application["number"], "code": code}, headers=bearer(kiosk)
    )
    body = shown.json()
    assert body["status"] == "needs_correction" and body["actionNeeded"] == "Foto KK buram."
    assert body["deadline"]["paused"] is True


async def test_a_made_up_number_gets_the_same_answer(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    _, application = await submitted_application(client, "Nomor Nyata", random_nik())
    kiosk = await kiosk_session(client, db, app)
    real = await client.post("/api/v1/kiosk/status/code", json={"number": application["number"]}, headers=bearer(kiosk))
    fake_number = made_up_number()
    fake = await client.post("/api/v1/kiosk/status/code", json={"number": fake_number}, headers=bearer(kiosk))
    assert real.status_code == fake.status_code == 202
    assert real.content == fake.content
    assert real.headers["content-type"] == fake.headers["content-type"]
    # Guessing codes for the made-up number behaves exactly as for a real one: wrong, wrong, too many.
    answers = []
    for number in (application["number"], fake_number):
        for _ in range(3):
            r = await client.post(
                "/api/v1/kiosk/status", json={"number": number, "code": "999999"}, headers=bearer(kiosk)
            )
            answers.append((number == fake_number, r.status_code, r.json()["code"], r.json()["detail"]))
    real_answers = [a[1:] for a in answers if not a[0]]
    fake_answers = [a[1:] for a in answers if a[0]]
    if real_answers == fake_answers:
        assert [a[1] for a in real_answers] == ["invalid_code", "invalid_code", "too_many_attempts"]
    else:  # 999999 happened to be the real code (one in a million): the real look-up succeeded instead
        assert real_answers[0][0] == 200


async def test_bad_input_is_refused_with_a_problem(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    kiosk = await kiosk_session(client, db, app)
    for number in ("abc", "3302-2611", "3302-26-000123", "x" * 40, ""):
        r = await client.post("/api/v1/kiosk/status/code", json={"number": number}, headers=bearer(kiosk))
        assert 400 <= r.status_code < 500 and r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] in ("invalid_number", "invalid_request"), r.text
    r = await client.post("/api/v1/kiosk/status/code", json={"number": "33-2611-000123x"}, headers=bearer(kiosk))
    assert r.status_code == 422 and r.json()["code"] == "invalid_number"
    r = await client.post("/api/v1/kiosk/status", json={"number": "nope", "code": "123456"}, headers=bearer(kiosk))
    assert r.status_code == 422 and r.json()["code"] == "invalid_number"
    for code in ("12345", "abcdef", "1234567"):
        r = await client.post(
            "/api/v1/kiosk/status", json={"number": made_up_number(), "code": code}, headers=bearer(kiosk)
        )
        assert r.status_code == 400 and r.json()["code"] == "invalid_request"
    # No code was ever asked for this number on this kiosk.
    r = await client.post(
        "/api/v1/kiosk/status", json={"number": made_up_number(), "code": "123456"}, headers=bearer(kiosk)
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_code"
    r = await client.post("/api/v1/kiosk/status/code", json={"number": made_up_number(), "x": 1}, headers=bearer(kiosk))
    assert r.status_code == 400


async def test_attempts_are_limited(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> None:
    citizen, application = await submitted_application(client, "Coba Terus", random_nik())
    kiosk = await kiosk_session(client, db, app)
    number = application["number"]
    code = await code_sent(client, kiosk, citizen, number)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    codes = []
    for _ in range(3):
        r = await client.post("/api/v1/kiosk/status", json={"number": number, "code": wrong}, headers=bearer(kiosk))
        codes.append(r.json()["code"])
    assert codes == ["invalid_code", "invalid_code", "too_many_attempts"]
    # The right code is dead too now.
    late = await client.post("/api/v1/kiosk/status", json={"number": number, "code": code}, headers=bearer(kiosk))
    assert late.status_code == 400 and late.json()["code"] == "too_many_attempts"
    # A code asked on one kiosk does not open the status on another.
    code = await code_sent(client, kiosk, citizen, number)
    other = await kiosk_session(client, db, app)
    elsewhere = await client.post("/api/v1/kiosk/status", json={"number": number, "code": code}, headers=bearer(other))
    assert elsewhere.status_code == 400 and elsewhere.json()["code"] == "invalid_code"


async def test_the_look_up_code_reaches_the_owner_in_their_language(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    citizen, application = await submitted_application(client, "Rudi English", random_nik())
    chose = await client.patch("/api/v1/me", json={"language": "en"}, headers=bearer(citizen))
    assert chose.status_code == 200
    kiosk = await kiosk_session(client, db, app)
    sent = await client.post("/api/v1/kiosk/status/code", json={"number": application["number"]}, headers=bearer(kiosk))
    assert sent.status_code == 202
    body = messages_to(citizen["phone"])[-1]["body"]
    assert body.startswith("Code to see the status of application") and "Kode" not in body


async def test_codes_expire(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> None:
    citizen, application = await submitted_application(client, "Terlambat", random_nik())
    kiosk = await kiosk_session(client, db, app)
    number = application["number"]
    code = await code_sent(client, kiosk, citizen, number)
    await db.execute(
        "UPDATE kiosk_status_code SET expires_at = now() - interval '1 second' WHERE number = $1 AND kiosk = $2",
        number,
        uuid.UUID(kiosk["kiosk"]["id"]),
    )
    late = await client.post("/api/v1/kiosk/status", json={"number": number, "code": code}, headers=bearer(kiosk))
    assert late.status_code == 400 and late.json()["code"] == "code_expired"
    # A new request kills the old code and sends a fresh one that works.
    fresh = await code_sent(client, kiosk, citizen, number)
    ok = await client.post("/api/v1/kiosk/status", json={"number": number, "code": fresh}, headers=bearer(kiosk))
    assert ok.status_code == 200


async def test_look_ups_are_rate_limited_per_kiosk(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    kiosk = await kiosk_session(client, db, app)
    statuses = []
    for _ in range(31):
        r = await client.post("/api/v1/kiosk/status/code", json={"number": made_up_number()}, headers=bearer(kiosk))
        statuses.append(r.status_code)
    assert statuses[:30] == [202] * 30 and statuses[30] == 429
    assert r.json()["code"] == "rate_limited" and int(r.headers["retry-after"]) > 0
    # Another kiosk is not held up by this one.
    other = await kiosk_session(client, db, app)
    r = await client.post("/api/v1/kiosk/status/code", json={"number": made_up_number()}, headers=bearer(other))
    assert r.status_code == 202


async def test_a_number_cannot_be_flooded_with_codes(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    citizen, application = await submitted_application(client, "Banjir SMS", random_nik())
    statuses = []
    for _ in range(4):
        kiosk = await kiosk_session(client, db, app)
        r = await client.post(
            "/api/v1/kiosk/status/code", json={"number": application["number"]}, headers=bearer(kiosk)
        )
        statuses.append(r.status_code)
    assert statuses == [202, 202, 202, 429]
    assert len([m for m in messages_to(citizen["phone"]) if application["number"] in m["body"]]) == 3


async def test_only_kiosks_look_up_status(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> None:
    citizen = await sign_in(client)
    officer = await create_officer(db, app, region=REGION)
    for path, body in (
        ("/api/v1/kiosk/status/code", {"number": made_up_number()}),
        ("/api/v1/kiosk/status", {"number": made_up_number(), "code": "123456"}),
        ("/api/v1/kiosk/reset", {}),
    ):
        for token in (citizen, officer):
            r = await client.post(path, json=body, headers=bearer(token))
            assert r.status_code == 403 and r.json()["code"] == "forbidden", (path, r.text)
        r = await client.post(path, json=body)
        assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")


async def test_the_wipe_clears_site_data_but_not_the_device_cookie(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    kiosk = await kiosk_session(client, db, app)
    wiped = await client.post("/api/v1/kiosk/reset", headers=bearer(kiosk))
    assert wiped.status_code == 204
    assert wiped.headers["clear-site-data"] == '"cache", "storage"'
    assert "cookies" not in wiped.headers["clear-site-data"]
    # The session of the citizen who was at the kiosk is over; the device signs in again with its cookie.
    assert (await client.get("/api/v1/kiosk/device", headers=bearer(kiosk))).status_code == 401
    again = await client_at(app, "10.7.7.7").post(
        "/api/v1/auth/kiosk", json={}, headers={"Cookie": f"mpp_kiosk={kiosk['kiosk']['deviceSecret']}"}
    )
    assert again.status_code == 200


async def test_a_completed_application_shows_when_it_was_completed(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    """Not "Selesai paling lambat <deadline>": a finished application is told by the day it finished."""
    citizen = await create_citizen(client, name="Wati Selesai", nik=random_nik())
    clerk = await create_officer(db, app, region=REGION)
    application = await create_application(client, citizen, status="approved", officer=clerk)
    completed = await client.post(
        f"/api/v1/officer/applications/{application['id']}/decision", json={"action": "complete"}, headers=bearer(clerk)
    )
    assert completed.status_code == 200, completed.text
    finished_at = next(e["at"] for e in completed.json()["timeline"] if e["action"] == "complete")
    kiosk = await kiosk_session(client, db, app)
    code = await code_sent(client, kiosk, citizen, application["number"])
    shown = await client.post(
        "/api/v1/kiosk/status", json={"number": application["number"], "code": code}, headers=bearer(kiosk)
    )
    assert shown.status_code == 200, shown.text
    summary = shown.json()
    assert summary["status"] == "completed"
    # The region's date (WIB for Banyumas) of the completion.
    wib = dt.datetime.fromisoformat(finished_at).astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    assert summary["closedOn"] == wib.isoformat()
    # An open application has no such date.
    open_one = await create_application(client, citizen)
    code = await code_sent(client, kiosk, citizen, open_one["number"])
    shown = await client.post(
        "/api/v1/kiosk/status", json={"number": open_one["number"], "code": code}, headers=bearer(kiosk)
    )
    assert "closedOn" not in shown.json() and shown.json()["deadline"]["dueDate"]
