"""Another person's ids get 403 or 404, on every route that takes one: the probe is built from the OpenAPI document.

Citizen A makes one of everything a citizen owns (wallet document with a consent and a share link, application,
draft, family member and mandate, push subscription, notification, passkey, session). Then, for every route
whose path takes a parameter and that a citizen may call (``tests/support/roles.py``), citizen B calls it with
A's ids, for each method, with a valid-looking body: the answer must be 403 or 404, never 2xx and never 5xx.
Officer routes are probed the same way by an officer of another agency and one of the same agency in another
region. Afterwards A re-reads everything: nothing changed. A route added tomorrow is probed without a word
here; a new kind of id fails until an object of that kind is added to the world below.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import secrets
import time
import uuid
from typing import Any

import asyncpg
import httpx
import pytest_asyncio
from litestar import Litestar

from tests.support.applications import idempotency_key, kk_service
from tests.support.auth import account_id, bearer
from tests.support.authenticator import SoftAuthenticator
from tests.support.factories import create_application, create_citizen, create_document, create_officer
from tests.support.feedback import ELEMENTS
from tests.support.files import jpeg
from tests.support.identity import known_to_registry, random_nik
from tests.support.oidc import opened_request, service_token
from tests.support.openapi import resolve
from tests.support.queue import any_booking, issued_ticket
from tests.support.roles import EXPECTED, PUBLIC, shape

DENIED = (403, 404)

# Public routes keyed by a path parameter, and why a stranger may call them.
PUBLIC_BY_ID = {
    ("GET", "/api/v1/regions/{}"): "catalogue: public information about a region",
    ("GET", "/api/v1/services/{}"): "catalogue: public information about a service",
    ("GET", "/api/v1/regions/{}/calendar"): "calendar: a region's days off are public (deadlines, opening days)",
    ("GET", "/api/v1/regions/{}/queue/board"): "queue board: a region's calls, shown on a TV in its building",
    ("POST", "/api/v1/oidc/requests/{}/unattended"): "single sign-on: a prompt=none request answered without a "
    "screen (login_required, consent_required); it reveals nothing and ends only that request",
    ("GET", "/api/v1/oidc/logout-requests/{}"): "single sign-on: an agency system's logout request, its random id "
    "carried by the browser; it names only the system and where the browser returns",
    ("POST", "/api/v1/oidc/logout-requests/{}"): "single sign-on: confirming a logout request ends only the caller's "
    "own session (or none); the id is a random capability",
    ("GET", "/api/v1/regions/{}/queue/board/events"): "queue board: the same calls as they happen",
    ("GET", "/api/v1/services/{}/versions/{}"): "catalogue: a published version of a public service standard",
    # The token is a bearer secret (unguessable, time-limited, revocable) the owner hands to a third party;
    # every use shows in the owner's access log. Holding it is the permission.
    ("GET", "/api/v1/shared/{}"): "share link: the token is the capability",
    ("GET", "/api/v1/shared/{}/content"): "share link: the token is the capability",
    # The queue: a region's queued services and free slots are public (anyone may book); a ticket is followed by
    # the unguessable token printed on its holder's slip, which shows no name, NIK or phone.
    ("GET", "/api/v1/regions/{}/queue/services"): "queue: public information about a region's queue",
    ("GET", "/api/v1/regions/{}/queue/slots"): "queue: free slots are public information",
    ("GET", "/api/v1/queue/tickets/{}"): "queue: the follow token is the capability",
    # Open data and an MPP's public performance: aggregates only, small counts suppressed (issue 18).
    ("GET", "/open-data/{}"): "open data: a published CSV resource of the latest release",
    ("GET", "/open-data/{}/datapackage.json"): "open data: a kept release's data package",
    ("GET", "/open-data/{}/{}"): "open data: a kept release's CSV resource",
    ("GET", "/api/v1/stats/public/mpps/{}"): "stats: an MPP's public performance page (aggregates, suppressed)",
}

# Officer routes that are not scoped to the agency or region of the object, by design, for one kind of officer.
OFFICER_NOT_SCOPED = {
    # The KTP-el check at the counter: a citizen may walk into any MPP, and any officer there compares the card
    # with the account (found by phone or application number); api/accounts/counter.py, tests/identity.
    ("POST", "/api/v1/officer/identity/accounts/{}/in-person"): {"other_agency", "other_region"},
    # A counter is named by its number within the officer's own building: "A1" of another region is that region's
    # own counter A1 (api/queue/counter.py); another agency's counter of the same building is 404.
    # A NIB is OSS's public business register, not a citizen's object: any officer may ask OSS about one (api/oss).
    ("GET", "/api/v1/officer/oss/nib/{}"): {
        "other_agency",
        "other_region",
        "service_other_agency",
        "service_other_region",
    },
    ("POST", "/api/v1/officer/queue/counters/{}/open"): {"other_region", "service_other_region"},
    ("POST", "/api/v1/officer/queue/counters/{}/close"): {"other_region", "service_other_region"},
}

# Body values for fields a route needs to accept the request as far as its ownership check.
KNOWN: dict[str, Any] = {
    "action": "start_review",
    "valid": True,
    "approve": True,
    "matches": True,
    "purpose": "Pemeriksaan akses",
    "hours": 1,
    "agency": "DISDUKCAPIL",
    "region": "3302",
    "reason": "Uji akses orang lain",
    "answers": {},
    "documentIds": [],
    "forNik": None,
    "version": None,
    "officerId": None,
    "scores": dict.fromkeys(ELEMENTS, 3),
    "text": "Uji akses oleh orang lain",
}


class World:
    def __init__(self, spec: dict[str, Any], owner: dict[str, Any], ids: dict[str, str], known: dict[str, Any]):
        self.spec, self.owner, self.ids, self.known = spec, owner, ids, known


def child_nik() -> str:
    born = dt.date.today().replace(year=dt.date.today().year - 5) - dt.timedelta(days=30)
    return f"330201{born:%d%m%y}{secrets.randbelow(9000) + 1000}"


async def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


async def enrol_passkey(client: httpx.AsyncClient, app: Litestar, citizen: dict[str, Any]) -> str:
    settings = app.state.settings
    device = SoftAuthenticator(settings.auth.rp_id, settings.auth.origins[0])
    options = await created(await client.post("/api/v1/auth/passkeys/register/options", headers=bearer(citizen)))
    registered = await client.post(
        "/api/v1/auth/passkeys/register",
        json={"challengeId": options["challengeId"], "credential": device.create(options["publicKey"]), "name": "HP"},
        headers=bearer(citizen),
    )
    return str((await created(registered))["id"])


async def first_notification(client: httpx.AsyncClient, citizen: dict[str, Any]) -> str:
    """The notification the application's review start gives the applicant (the in-process worker sends it)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        items = (await client.get("/api/v1/notifications", headers=bearer(citizen))).json()["items"]
        if items:
            return str(items[0]["id"])
        await asyncio.sleep(0.1)
    raise AssertionError("no notification arose from the application's review")


@pytest_asyncio.fixture(loop_scope="session")
async def world(client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection) -> World:
    spec = (await client.get("/schema/openapi.json")).json()
    card = f"33020101{secrets.randbelow(10**8):08d}"
    owner = await create_citizen(client, name="Pemilik Uji", nik=random_nik(), kk=card)
    clerk = await create_officer(db, app)
    application = await create_application(client, owner, status="in_review", officer=clerk)
    service = await kk_service(client)
    draft = await created(
        await client.post(
            "/api/v1/applications/drafts", json={"serviceId": service["id"], "answers": {}}, headers=bearer(owner)
        )
    )
    document = await create_document(client, owner)
    url = f"/api/v1/wallet/documents/{document['id']}"
    consent = await created(
        await client.post(
            f"{url}/consents", json={"agency": "DISDUKCAPIL", "region": "3302", "purpose": "Uji"}, headers=bearer(owner)
        )
    )
    link = await created(await client.post(f"{url}/links", json={"purpose": "Uji", "hours": 1}, headers=bearer(owner)))
    child = child_nik()
    known_to_registry(child, "Anak Uji", kk=card, relationship="ANAK")
    member = await created(
        await client.post(
            "/api/v1/me/family", json={"nik": child, "name": "Anak Uji", "relation": "child"}, headers=bearer(owner)
        )
    )
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    mandate = await created(
        await client.post(
            "/api/v1/me/mandates",
            json={"memberId": member["id"], "services": ["*"], "validUntil": until},
            headers=bearer(owner),
        )
    )
    keys = {
        "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        "auth": "tBHItJI5svbpez7KI4CCXg",
    }
    endpoint = f"https://fcm.googleapis.com/fcm/send/{secrets.token_hex(8)}"
    push = {"endpoint": endpoint, "keys": keys, "expirationTime": None}
    subscription = await created(await client.post("/api/v1/push/subscriptions", json=push, headers=bearer(owner)))
    sessions = (await client.get("/api/v1/me/sessions", headers=bearer(owner))).json()["items"]
    # Feedback: a rejected application invites its applicant to the survey, who answers it; and a complaint.
    rejected = await create_application(client, owner, status="in_review", officer=clerk)
    decided = await client.post(
        f"/api/v1/officer/applications/{rejected['id']}/decision",
        json={"action": "reject", "reason": "Berkas tidak lengkap untuk uji akses"},
        headers=bearer(clerk),
    )
    assert decided.status_code == 200, decided.text
    invitations = (await client.get("/api/v1/me/surveys", headers=bearer(owner))).json()["items"]
    invitation = next(i for i in invitations if i["ref"] == rejected["id"])
    scores = dict.fromkeys(ELEMENTS, 3)
    survey = await created(
        await client.post(f"/api/v1/surveys/{invitation['id']}", json={"scores": scores}, headers=bearer(owner))
    )
    complaint = await created(
        await client.post(
            "/api/v1/complaints",
            json={
                "category": "simple",
                "text": "Petugas tidak menjelaskan syaratnya.",
                "applicationId": application["id"],
            },
            headers={**bearer(owner), **idempotency_key()},
        )
    )
    ids = {
        "application_id": application["id"],
        "draft_id": draft["id"],
        "document_id": document["id"],
        "consent_id": consent["id"],
        "link_id": link["id"],
        "member_id": member["id"],
        "mandate_id": mandate["id"],
        "notification_id": await first_notification(client, owner),
        "passkey_id": await enrol_passkey(client, app, owner),
        "session_id": sessions[0]["id"],
        "account_id": str(account_id(owner)),
        "endpoint": endpoint,
        "subscription_id": str(subscription.get("id", uuid.uuid4())),
        "booking_id": (await any_booking(client, owner))["id"],
        "ticket_id": str((await issued_ticket(db)).id),
        "number": "A1",
        "invitation_id": invitation["id"],
        "survey_id": survey["id"],
        "complaint_id": complaint["id"],
        **await opened_request(client, db, owner),
    }
    known = {**KNOWN, "serviceId": service["id"], "memberId": member["id"], "validUntil": until}
    return World(spec, owner, ids, known)


def example(spec: dict[str, Any], schema: dict[str, Any], known: dict[str, Any], name: str = "") -> Any:
    """A valid-looking value for ``schema`` (a known value for a field name we have one for)."""
    if name in known:
        return known[name]
    schema = resolve(spec, schema)
    for choice in ("oneOf", "anyOf"):
        options = [o for o in schema.get(choice, []) if resolve(spec, o).get("type") != "null"]
        if options:
            return example(spec, options[0], known, name)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        required = set(schema.get("required", []))
        return {
            key: example(spec, sub, known, key)
            for key, sub in schema.get("properties", {}).items()
            if key in required or key in known
        }
    if kind == "array":
        return [example(spec, schema.get("items", {}), known, name)]
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return True
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if schema.get("format") == "date-time":
        return known["validUntil"]
    return "a" * max(int(schema.get("minLength", 3)), 3)


def concrete(path: str, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        assert name in ids, f"{path}: no object of kind {name!r} in the world (make one in the fixture)"
        return ids[name]

    return re.sub(r"\{([^}]+)\}", value, path)


async def probe(
    client: httpx.AsyncClient, world: World, method: str, path: str, op: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    content = op.get("requestBody", {}).get("content", {})
    kwargs: dict[str, Any] = {"headers": headers}
    if "application/json" in content:
        kwargs["json"] = example(world.spec, content["application/json"]["schema"], world.known)
    elif "multipart/form-data" in content or (not content and method in ("PUT", "PATCH")):
        # Uploads read the multipart body themselves (the document shows no body for them): send a file, so
        # that the request gets as far as the ownership check.
        kwargs["files"] = {"file": ("ktp.jpg", jpeg("#123456"), "image/jpeg")}
        kwargs["data"] = {"type": "KTP_EL"}
    if method == "POST":
        kwargs["headers"] = {**headers, **idempotency_key()}
    return await client.request(method, concrete(path, world.ids), **kwargs)


def id_routes(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op) for path, item in spec["paths"].items() for method, op in item.items() if "{" in path
    ]


async def snapshot(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    """What A sees of their objects: status and version of each, and which ones exist."""
    mine = bearer(world.owner)
    ids = world.ids

    async def get(url: str) -> Any:
        response = await client.get(url, headers=mine)
        assert response.status_code == 200, f"{url}: {response.status_code} {response.text[:200]}"
        return response.json()

    def pick(item: dict[str, Any], *fields: str) -> tuple[Any, ...]:
        return tuple(item.get(field) for field in fields)

    application = await get(f"/api/v1/applications/{ids['application_id']}")
    draft = await get(f"/api/v1/applications/{ids['draft_id']}")
    document = await get(f"/api/v1/wallet/documents/{ids['document_id']}")
    content = await client.get(f"/api/v1/wallet/documents/{ids['document_id']}/content", headers=mine)
    return {
        "application": pick(application, "status", "version", "assignee", "answers", "documents"),
        "draft": pick(draft, "status", "version", "answers", "serviceId"),
        "document": pick(document, "status", "version", "size", "mediaType", "title"),
        "consents": sorted((c["id"], c.get("withdrawnAt")) for c in document.get("consents", [])),
        "links": sorted((link["id"], link.get("revokedAt")) for link in document.get("links", [])),
        "content": content.content,
        "family": sorted(m["id"] for m in (await get("/api/v1/me/family"))["items"]),
        "mandates": sorted(pick(m, "id", "status") for m in (await get("/api/v1/me/mandates"))["items"]),
        "notifications": sorted(pick(n, "id", "readAt", "read") for n in (await get("/api/v1/notifications"))["items"]),
        "passkeys": sorted(p["id"] for p in (await get("/api/v1/auth/passkeys"))["items"]),
        "sessions": sorted(s["id"] for s in (await get("/api/v1/me/sessions"))["items"]),
        "me": pick(await get("/api/v1/me"), "name", "nik", "assurance", "phone"),
    }


async def test_a_citizen_cannot_reach_another_citizens_objects(client: httpx.AsyncClient, world: World) -> None:
    started = time.monotonic()
    before = await snapshot(client, world)
    stranger = await create_citizen(client, name="Orang Lain", nik=random_nik())
    failures: list[str] = []
    probed = 0
    for method, path, op in id_routes(world.spec):
        key = (method, shape(path))
        rule = EXPECTED.get(key)
        if rule == PUBLIC:
            assert key in PUBLIC_BY_ID, f"{method} {path} is public by id: say why in PUBLIC_BY_ID"
            continue
        if rule is None or "citizen" not in rule:
            continue
        probed += 1
        response = await probe(client, world, method, path, op, bearer(stranger))
        if response.status_code not in DENIED:
            failures.append(f"{method} {path}: {response.status_code} {response.text[:150]}")
    # The push subscription is named in the query, not the path.
    for params in ({"id": world.ids["subscription_id"]}, {"endpoint": world.ids["endpoint"]}):
        probed += 1
        response = await client.delete("/api/v1/push/subscriptions", params=params, headers=bearer(stranger))
        if response.status_code not in DENIED:
            failures.append(f"DELETE /api/v1/push/subscriptions?{params}: {response.status_code}")
    assert failures == []
    assert probed >= 20, probed  # the document does have id routes
    assert await snapshot(client, world) == before
    assert time.monotonic() - started < 30


async def test_officers_of_another_agency_or_region_cannot_reach_a_citizens_objects(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, world: World
) -> None:
    before = await snapshot(client, world)
    officers = {
        "other_agency": await create_officer(db, app, agency="DPMPTSP"),
        "other_region": await create_officer(db, app, region="3510"),
        # Agency back-offices' service accounts are officers of their agency and region, and no more.
        "service_other_agency": (await service_token(client, db, name="Sistem DPMPTSP", agency="DPMPTSP"))[0],
        "service_other_region": (await service_token(client, db, name="Sistem Banyumas lain", region="3510"))[0],
    }
    failures: list[str] = []
    probed = 0
    for method, path, op in id_routes(world.spec):
        key = (method, shape(path))
        rule = EXPECTED.get(key)
        if not path.startswith("/api/v1/officer/") or rule == PUBLIC or "officer" not in (rule or ()):
            continue
        for who, token in officers.items():
            if who in OFFICER_NOT_SCOPED.get(key, ()):
                continue
            probed += 1
            response = await probe(client, world, method, path, op, bearer(token))
            if response.status_code not in DENIED:
                failures.append(f"{method} {path} as {who}: {response.status_code} {response.text[:150]}")
    assert failures == []
    assert probed >= 10, probed
    # The ids were good ones: the agency and region the citizen shared with do see them.
    clerk = bearer(await create_officer(db, app))
    for url in (f"applications/{world.ids['application_id']}", f"documents/{world.ids['document_id']}"):
        assert (await client.get(f"/api/v1/officer/{url}", headers=clerk)).status_code == 200, url
    assert await snapshot(client, world) == before
