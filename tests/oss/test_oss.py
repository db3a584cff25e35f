"""The OSS connector against the fake OSS in its own process (tests/fakes/oss.py) and the real database.

Business-licence applications are made through the API (Banyumas's DPMPTSP "sertifikat-standar-risiko-menengah",
which requires a NIB) and decided by a DPMPTSP officer; the worker's step (``run_once``) and the reconciliation are
run by hand, and "later" is made by moving a message's ``next_attempt_at`` to now.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from litestar import Litestar

from api.config import OssSettings
from api.oss.client import HttpOss
from api.oss.reconcile import reconcile, start_run
from api.oss.worker import Forwarder
from tests.fakes.oss import KNOWN_NIB, OssProcess
from tests.support.applications import REGION, idempotency_key, service_id
from tests.support.auth import bearer
from tests.support.factories import (
    complete_profile,
    create_application,
    create_citizen,
    create_officer,
    create_region_admin,
)
from tests.support.files import jpeg, pdf
from tests.support.wallet import upload

SERVICE = "sertifikat-standar-risiko-menengah"
AGENCY = "DPMPTSP"
INBOUND_KEY = "oss-pushes-with-this-key-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def oss() -> Iterator[OssProcess]:
    with OssProcess() as fake:
        yield fake


@pytest.fixture(autouse=True)
def normal_service(oss: OssProcess) -> None:
    oss.set_down(False)
    oss.fail_next(500, times=0)


@pytest.fixture
def connected(app: Litestar, oss: OssProcess) -> Iterator[None]:
    """The app's settings pointed at the fake (as MPP_OSS_URL, MPP_OSS_KEY, MPP_OSS_INBOUND_KEY would)."""
    original = app.state.settings
    settings = OssSettings(url=oss.url, key=oss.key, inbound_key=INBOUND_KEY)
    app.state.settings = dataclasses.replace(original, oss=settings)
    yield
    app.state.settings = original


@pytest_asyncio.fixture(loop_scope="session")
async def pool(database_url: str, db: asyncpg.Connection) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        yield created
    finally:
        await created.close()


@pytest_asyncio.fixture(loop_scope="session")
async def forwarder(pool: asyncpg.Pool, oss: OssProcess) -> AsyncIterator[Forwarder]:
    client = HttpOss(oss.url, key=oss.key, timeout=3.0)
    yield Forwarder(pool, client)
    await client.aclose()


@pytest_asyncio.fixture(loop_scope="session")
async def officer(db: asyncpg.Connection, app: Litestar) -> str:
    return await create_officer(db, app, agency=AGENCY)


async def licence_application(client: httpx.AsyncClient, officer: str, *, decide: tuple[str, ...]) -> dict[str, Any]:
    """A citizen applies for the standard certificate with a NIB of their own; the officer takes ``decide``."""
    citizen = await create_citizen(client)
    await complete_profile(client, citizen)
    service = (await client.get(f"/api/v1/services/{await service_id(client, SERVICE)}")).json()
    assert any(r["code"] == "NIB" and not r.get("optional") for r in service["requirements"])
    documents = []
    for requirement in (r for r in service["requirements"] if not r.get("optional")):
        if requirement["code"] == "NIB":
            unique = pdf(b"/MppTest (" + secrets.token_hex(6).encode() + b") ")
            uploaded = await upload(
                client, citizen, unique, type_code="NIB", media_type="application/pdf", name="n.pdf"
            )
        else:
            uploaded = await upload(client, citizen, jpeg(f"#{secrets.token_hex(3)}"), type_code=requirement["code"])
        assert uploaded.status_code == 201, uploaded.text
        documents.append(uploaded.json()["id"])
    nib = "91" + "".join(secrets.choice("0123456789") for _ in range(11))
    answers = {
        "nibNumber": nib,
        "businessName": "Warung Sate Pak Darmo",
        "kbli": "56101 Restoran",
        "riskLevel": "menengah_rendah",
        "businessAddress": {
            "street": "Jl. Jenderal Soedirman 12",
            "village": "Sokanegara",
            "district": "Purwokerto Timur",
            "regency": "Banyumas",
            "province": "Jawa Tengah",
        },
        "phone": "081234567890",
    }
    body = {"serviceId": service["id"], "answers": answers, "documentIds": documents}
    submitted = await client.post("/api/v1/applications", json=body, headers={**bearer(citizen), **idempotency_key()})
    assert submitted.status_code == 201, submitted.text
    application: dict[str, Any] = submitted.json()
    for action in decide:
        decided = await client.post(
            f"/api/v1/officer/applications/{application['id']}/decision",
            json={"action": action, **({"reason": "Lokasi usaha tidak sesuai KKPR."} if action == "reject" else {})},
            headers=bearer(officer),
        )
        assert decided.status_code == 200, decided.text
        application = decided.json()
    application["nib"] = nib
    return application


async def oss_messages(db: asyncpg.Connection, application: dict[str, Any]) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await db.fetch(
        "SELECT *, next_attempt_at > now() AS waiting FROM outbox_message "
        "WHERE channel = 'oss' AND payload->>'licence' = $1 ORDER BY id",
        application["id"],
    )
    return rows


async def due_now(db: asyncpg.Connection) -> None:
    await db.execute(
        "UPDATE outbox_message SET next_attempt_at = now() WHERE channel = 'oss' AND processed_at IS NULL "
        "AND dead_at IS NULL"
    )


async def test_approval_reaches_oss_once_as_issued(
    db: asyncpg.Connection, client: httpx.AsyncClient, oss: OssProcess, forwarder: Forwarder, officer: str
) -> None:
    application = await licence_application(client, officer, decide=("start_review", "approve"))
    [message] = await oss_messages(db, application)
    assert message["payload"] and message["processed_at"] is None  # written in the approval's transaction

    await forwarder.run_once()
    await forwarder.run_once()  # nothing left

    received = oss.licences()[application["id"]]
    assert received["posts"] == 1 and received["statuses"] == ["50"]
    assert received["body"]["nib"] == application["nib"] and received["body"]["kd_instansi"] == f"{REGION}.{AGENCY}"
    assert received["body"]["kd_izin"] == SERVICE and received["body"]["id_izin"] == application["id"]
    licence = await db.fetchrow("SELECT * FROM oss_licence WHERE id = $1", uuid.UUID(application["id"]))
    assert (licence["our_status"], licence["our_kd"], licence["sent_kd"]) == ("approved", "50", "50")
    assert licence["oss_ack"] == "Sukses" and licence["sent_at"] is not None
    [sent] = await oss_messages(db, application)
    assert sent["processed_at"] is not None and sent["attempts"] == 1


async def test_oss_down_for_a_while_then_every_message_delivered_once(
    db: asyncpg.Connection, client: httpx.AsyncClient, oss: OssProcess, forwarder: Forwarder, officer: str
) -> None:
    oss.set_down(True)
    approved = await licence_application(client, officer, decide=("start_review", "approve"))
    rejected = await licence_application(client, officer, decide=("reject",))

    await forwarder.run_once()
    await due_now(db)
    await forwarder.run_once()  # still down: a second failed attempt

    for application in (approved, rejected):
        [pending] = await oss_messages(db, application)
        assert pending["processed_at"] is None and pending["dead_at"] is None and pending["waiting"]
        assert pending["attempts"] == 2 and pending["last_error"].startswith("HTTP 503")
        assert application["id"] not in oss.licences()

    oss.set_down(False)
    await forwarder.run_once()  # the backoff holds: not due yet
    assert approved["id"] not in oss.licences()
    await due_now(db)
    await forwarder.run_once()
    await due_now(db)
    await forwarder.run_once()

    received = oss.licences()
    assert (received[approved["id"]]["posts"], received[approved["id"]]["statuses"]) == (1, ["50"])
    assert (received[rejected["id"]]["posts"], received[rejected["id"]]["statuses"]) == (1, ["90"])
    for application in (approved, rejected):
        [delivered] = await oss_messages(db, application)
        assert delivered["processed_at"] is not None and delivered["attempts"] == 3


async def test_refusal_by_oss_is_dead_lettered(
    db: asyncpg.Connection, client: httpx.AsyncClient, oss: OssProcess, forwarder: Forwarder, officer: str
) -> None:
    application = await licence_application(client, officer, decide=("start_review", "approve"))
    oss.fail_next(400)

    await forwarder.run_once()

    [dead] = await oss_messages(db, application)
    assert dead["dead_at"] is not None and dead["processed_at"] is None
    assert dead["last_error"].startswith("HTTP 400")
    assert application["id"] not in oss.licences()
    sent = await db.fetchval("SELECT sent_kd FROM oss_licence WHERE id = $1", uuid.UUID(application["id"]))
    assert sent is None


async def test_status_push_needs_the_key_and_is_stored(
    db: asyncpg.Connection, client: httpx.AsyncClient, officer: str, connected: None
) -> None:
    application = await licence_application(client, officer, decide=("start_review", "approve"))
    push = {"IZINSTATUS": {"id_izin": application["id"], "kd_status": "45", "tgl_status": "2026-12-05 10:00:00"}}

    wrong = await client.post("/api/v1/oss/licence-status", json=push, headers={"user_key": "not-the-key"})
    missing = await client.post("/api/v1/oss/licence-status", json=push)
    assert (wrong.status_code, missing.status_code) == (401, 401)
    assert wrong.headers["content-type"].startswith("application/problem+json")

    stored = await client.post("/api/v1/oss/licence-status", json=push, headers={"user_key": INBOUND_KEY})
    assert stored.status_code == 200, stored.text
    assert stored.json() == {"responreceiveLicenseStatus": {"kode": 200, "keterangan": "Sukses"}}
    licence = uuid.UUID(application["id"])
    assert await db.fetchval("SELECT oss_kd FROM oss_licence WHERE id = $1", licence) == "45"
    [event] = await db.fetch("SELECT * FROM oss_licence_event WHERE licence = $1", licence)
    assert (event["source"], event["kd_status"]) == ("push", "45")

    unknown = {"IZINSTATUS": {"id_izin": str(uuid.uuid4()), "kd_status": "50"}}
    answer = await client.post("/api/v1/oss/licence-status", json=unknown, headers={"user_key": INBOUND_KEY})
    assert answer.status_code == 404


async def test_reconciliation_reports_a_planted_difference_to_the_region_admin(
    db: asyncpg.Connection,
    app: Litestar,
    client: httpx.AsyncClient,
    oss: OssProcess,
    forwarder: Forwarder,
    officer: str,
) -> None:
    agreed = await licence_application(client, officer, decide=("start_review", "approve"))
    planted = await licence_application(client, officer, decide=("start_review", "approve"))
    await forwarder.run_once()
    oss.plant_status(planted["id"], "90")  # OSS says refused; we issued it

    run = await start_run(db)
    assert run is not None
    assert await start_run(db) is None  # one run a day
    client_for_run = HttpOss(oss.url, key=oss.key, timeout=3.0)
    try:
        counts = await reconcile(db, client_for_run, run, days=30)
    finally:
        await client_for_run.aclose()

    assert counts["unanswered"] == 0 and counts["checked"] >= 2
    found = await db.fetch("SELECT * FROM oss_difference WHERE run = $1", run)
    mine = {str(d["licence"]): (d["ours"], d["theirs"]) for d in found}
    assert mine[planted["id"]] == ("50", "90")
    assert agreed["id"] not in mine
    assert await db.fetchval("SELECT finished_at FROM oss_run WHERE id = $1", run) is not None

    admin = await create_region_admin(db, app, region=REGION)
    listed = await client.get("/api/v1/admin/oss/differences", headers=bearer(admin))
    assert listed.status_code == 200, listed.text
    [item] = [i for i in listed.json()["items"] if i["licence"] == planted["id"]]
    assert (item["ours"], item["theirs"], item["region"], item["number"]) == ("50", "90", REGION, planted["number"])
    # The service is named as the region's catalogue names it (in the reader's language), not only by its code.
    names = await db.fetchrow(
        "SELECT name_id, name_en FROM catalogue_service WHERE region = $1 AND code = $2", REGION, item["serviceCode"]
    )
    assert item["serviceName"] == names["name_id"]
    english = await client.get("/api/v1/admin/oss/differences", headers={**bearer(admin), "Accept-Language": "en"})
    [item_en] = [i for i in english.json()["items"] if i["licence"] == planted["id"]]
    assert item_en["serviceName"] == (names["name_en"] or names["name_id"])
    # When the last run finished: the admin's screen tells "checked, none found" from "never checked".
    last = await db.fetchval("SELECT max(finished_at) FROM oss_run")
    assert last is not None and dt.datetime.fromisoformat(listed.json()["lastRunAt"]) == last
    other = await client.get("/api/v1/admin/oss/differences", params={"region": "3171"}, headers=bearer(admin))
    assert other.status_code == 404


async def test_nib_inquiry_found_malformed_unknown_and_oss_down(
    client: httpx.AsyncClient, oss: OssProcess, officer: str, connected: None
) -> None:
    found = await client.get(f"/api/v1/officer/oss/nib/{KNOWN_NIB['nib']}", headers=bearer(officer))
    assert found.status_code == 200, found.text
    assert found.json() == {"nib": KNOWN_NIB["nib"], "businessName": KNOWN_NIB["nama_perseroan"], "status": "aktif"}

    for malformed in ("12345", "91200012345678", "912000123456x", "٩١٢٠٠٠١٢٣٤٥٦٧"):
        answer = await client.get(f"/api/v1/officer/oss/nib/{malformed}", headers=bearer(officer))
        assert answer.status_code == 422, (malformed, answer.text)
        assert answer.json()["code"] == "invalid_nib"

    unknown = await client.get("/api/v1/officer/oss/nib/9999999999999", headers=bearer(officer))
    assert unknown.status_code == 404

    oss.set_down(True)
    down = await client.get(f"/api/v1/officer/oss/nib/{KNOWN_NIB['nib']}", headers=bearer(officer))
    assert down.status_code == 503 and down.headers["retry-after"] == "60"
    assert down.json()["code"] == "oss_unavailable"


async def test_a_later_decision_supersedes_an_unsent_one(
    db: asyncpg.Connection, client: httpx.AsyncClient, oss: OssProcess, forwarder: Forwarder, officer: str
) -> None:
    application = await licence_application(client, officer, decide=("start_review", "approve", "complete"))
    first, second = await oss_messages(db, application)  # approved, then completed: both still unsent

    await forwarder.run_once()

    received = oss.licences()[application["id"]]
    assert received["posts"] == 1 and received["statuses"] == ["50"]  # the approval was not sent on its own
    for message in await oss_messages(db, application):
        assert message["processed_at"] is not None and message["dead_at"] is None
    licence = await db.fetchrow("SELECT * FROM oss_licence WHERE id = $1", uuid.UUID(application["id"]))
    assert (licence["our_status"], licence["seq"], licence["sent_kd"]) == ("completed", 2, "50")
    assert [json.loads(m["payload"])["status"] for m in (first, second)] == ["approved", "completed"]


async def test_other_services_are_not_sent_to_oss(
    db: asyncpg.Connection, app: Litestar, client: httpx.AsyncClient
) -> None:
    clerk = await create_officer(db, app)  # Disdukcapil: the family card is no business licence
    citizen = await create_citizen(client)
    application = await create_application(client, citizen, status="approved", officer=clerk)

    assert await db.fetchval("SELECT count(*) FROM oss_licence WHERE id = $1", uuid.UUID(application["id"])) == 0
    assert await oss_messages(db, application) == []
