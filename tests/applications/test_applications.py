"""Applications end to end: apply with wallet documents, review, correction, approval, completion into the
wallet — with the state machine, deadlines, concurrency, idempotency and every refusal the issue lists."""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from api.applications.calendar import calendar
from api.applications.service import local_today
from tests.support.applications import (
    REGION,
    answers_for,
    apply,
    documents_for,
    idempotency_key,
    kk_service,
    service_id,
)
from tests.support.auth import bearer, sign_in
from tests.support.factories import create_application, create_citizen, create_officer, create_supervisor
from tests.support.files import jpeg
from tests.support.identity import known_to_registry, random_nik
from tests.support.wallet import upload


async def test_the_whole_journey(client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection) -> None:
    citizen = await create_citizen(client, name="Siti Aminah", nik=random_nik(), verified=True)
    service = await kk_service(client)
    readiness = (
        await client.get("/api/v1/applications/readiness", params={"serviceId": service["id"]}, headers=bearer(citizen))
    ).json()
    assert readiness["ready"] is False and any(r["state"] == "missing" for r in readiness["requirements"])
    submitted = await apply(client, citizen, service)
    assert submitted.status_code == 201, submitted.text
    application = submitted.json()
    assert application["status"] == "submitted" and application["number"].startswith("3302-")
    due = dt.date.fromisoformat(application["deadline"]["dueDate"])
    # The region's own date (WIB here), not the machine's: after 17:00 UTC it is already tomorrow in Jakarta.
    assert calendar().working_days_between(local_today(REGION), due) <= max(service["slaDays"], 1)
    app_id = application["id"]
    after = (
        await client.get("/api/v1/applications/readiness", params={"serviceId": service["id"]}, headers=bearer(citizen))
    ).json()
    assert after["ready"] is True

    clerk = await create_officer(db, app)
    inbox = (await client.get("/api/v1/officer/applications", headers=bearer(clerk))).json()
    assert app_id in [i["id"] for i in inbox["items"]]
    seen = await client.get(f"/api/v1/officer/applications/{app_id}", headers=bearer(clerk))
    assert seen.status_code == 200 and seen.json()["answers"] and seen.json()["documents"]
    etag = seen.headers["etag"]

    async def decide(action: str, reason: str | None = None, headers: dict[str, str] | None = None) -> httpx.Response:
        return await client.post(
            f"/api/v1/officer/applications/{app_id}/decision",
            json={"action": action, **({"reason": reason} if reason else {})},
            headers={**bearer(clerk), **(headers or {})},
        )

    assert (await decide("start_review", headers={"If-Match": etag})).status_code == 200
    # Documents are verified inline with the wallet's attestation (shared by the submission's consent).
    for doc in seen.json()["documents"]:
        verified = await client.post(
            f"/api/v1/officer/documents/{doc['id']}/verify", json={"valid": True}, headers=bearer(clerk)
        )
        assert verified.status_code == 200, verified.text
    corrected = await decide("request_correction", "Nama kepala keluarga tidak sesuai KTP.")
    assert corrected.json()["status"] == "needs_correction"
    mine = (await client.get(f"/api/v1/applications/{app_id}", headers=bearer(citizen))).json()
    assert mine["deadline"]["paused"] is True and mine["actionNeeded"].startswith("Nama kepala")
    # A week passes while the citizen fixes it: the deadline moves by the working days they took.
    back = local_today(REGION) - dt.timedelta(days=7)
    await db.execute("UPDATE applications_application SET paused_since = $2 WHERE id = $1", uuid.UUID(app_id), back)
    waited = calendar().working_days_between(back, local_today(REGION))
    fixed_answers = {**mine["answers"], "phone": "081299990001"}
    resubmitted = await client.post(
        f"/api/v1/applications/{app_id}/resubmit", json={"answers": fixed_answers}, headers=bearer(citizen)
    )
    assert resubmitted.status_code == 200, resubmitted.text
    assert resubmitted.json()["status"] == "in_review"
    new_due = dt.date.fromisoformat(resubmitted.json()["deadline"]["dueDate"])
    assert new_due == calendar().add_working_days(due, waited) and waited >= 4
    assert (await decide("approve")).json()["status"] == "approved"
    completed = await decide("complete")
    assert completed.status_code == 200, completed.text
    result = completed.json()
    assert result["status"] == "completed" and result["resultDocument"]
    # The result is in the wallet, issued, with a QR that verifies.
    issued = (await client.get(f"/api/v1/wallet/documents/{result['resultDocument']}", headers=bearer(citizen))).json()
    assert issued["status"] == "issued" and issued["type"]["code"] == "KK"
    check = (await client.get("/api/v1/verify", params={"token": issued["attestation"]["token"]})).json()
    assert check["status"] == "valid" and check["kind"] == "issued" and check["contentHash"]
    pdf = await client.get(f"/api/v1/wallet/documents/{result['resultDocument']}/content", headers=bearer(citizen))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # The whole story is on the timeline, oldest first, immutable.
    final = (await client.get(f"/api/v1/applications/{app_id}", headers=bearer(citizen))).json()
    assert [e["action"] for e in final["timeline"]] == [
        "submit",
        "start_review",
        "request_correction",
        "resubmit",
        "approve",
        "complete",
    ]
    with pytest.raises(asyncpg.PostgresError, match="append-only"):
        await db.execute("UPDATE applications_event SET reason = 'x' WHERE application = $1", uuid.UUID(app_id))
    # Every status change left an outbox message in the same transaction.
    topics = await db.fetch(
        "SELECT payload->>'status' AS status FROM outbox_message WHERE subject = $1 ORDER BY id", uuid.UUID(app_id)
    )
    assert [t["status"] for t in topics] == [
        "submitted",
        "in_review",
        "needs_correction",
        "in_review",
        "approved",
        "completed",
    ]
    # The officer's reads are in the citizen's access log.
    log = (await client.get("/api/v1/me/access-log", headers=bearer(citizen))).json()
    assert any(e["what"] == "application.read" for e in log["items"])


async def test_idempotency(client: httpx.AsyncClient) -> None:
    citizen = await create_citizen(client, name="Budi Santoso", nik=random_nik(), verified=True)
    service = await kk_service(client)
    body = {
        "serviceId": service["id"],
        "answers": answers_for(service),
        "documentIds": await documents_for(client, citizen, service),
    }
    headers = {**bearer(citizen), "Idempotency-Key": "retry-" + uuid.uuid4().hex}
    first, again = [await client.post("/api/v1/applications", json=body, headers=headers) for _ in range(2)]
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    # Two at once with the same key: still one application.
    key2 = {**bearer(citizen), "Idempotency-Key": "race-" + uuid.uuid4().hex}
    both = await asyncio.gather(*(client.post("/api/v1/applications", json=body, headers=key2) for _ in range(2)))
    assert {r.json()["id"] for r in both} == {both[0].json()["id"]}
    other = await client.post(
        "/api/v1/applications",
        json={**body, "answers": {**body["answers"], "reason": "pisah_kk"}},
        headers=headers,
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    missing = await client.post("/api/v1/applications", json=body, headers=bearer(citizen))
    assert missing.status_code == 400 and missing.json()["code"] == "idempotency_key_required"
    listed = (await client.get("/api/v1/applications", headers=bearer(citizen))).json()
    assert listed["total"] == 2


async def test_refusals_leave_nothing_changed(client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection) -> None:
    citizen = await create_citizen(client, name="Budi Santoso", nik=random_nik(), verified=True)
    other = await sign_in(client)
    service = await kk_service(client)
    docs = await documents_for(client, citizen, service)
    answers = answers_for(service)
    theirs = (await upload(client, other, jpeg("#123456"), type_code="KTP_EL")).json()["id"]

    async def post(body: dict[str, Any]) -> httpx.Response:
        return await client.post("/api/v1/applications", json=body, headers={**bearer(citizen), **idempotency_key()})

    cases = [
        ({"serviceId": service["id"], "answers": answers, "documentIds": docs[:-1]}, "documentIds"),
        (
            {
                "serviceId": service["id"],
                "answers": {k: v for k, v in answers.items() if k != "headNik"},
                "documentIds": docs,
            },
            "answers.headNik",
        ),
        ({"serviceId": service["id"], "answers": {**answers, "phone": 812}, "documentIds": docs}, "answers.phone"),
        (
            {"serviceId": service["id"], "answers": {**answers, "reason": "because"}, "documentIds": docs},
            "answers.reason",
        ),
        ({"serviceId": service["id"], "answers": {**answers, "bogus": 1}, "documentIds": docs}, "answers.bogus"),
        ({"serviceId": service["id"], "answers": answers, "documentIds": [*docs, theirs]}, "documentIds"),
        ({"serviceId": str(uuid.uuid4()), "answers": answers, "documentIds": docs}, "serviceId"),
    ]
    for body, field in cases:
        response = await post(body)
        assert response.status_code == 422, response.text
        assert any(e["field"].startswith(field) for e in response.json()["errors"]), (field, response.json())
    assert (
        await post({"serviceId": service["id"], "answers": answers, "documentIds": docs, "forNik": "3302011708900009"})
    ).status_code == 403
    assert (await client.get("/api/v1/applications", headers=bearer(citizen))).json()["total"] == 0

    application = (await post({"serviceId": service["id"], "answers": answers, "documentIds": docs})).json()
    app_id = application["id"]
    # Officers of another agency or region: not found, nothing changes.
    for token in (await create_officer(db, app, agency="POLRES"), await create_officer(db, app, region="3471")):
        assert (await client.get(f"/api/v1/officer/applications/{app_id}", headers=bearer(token))).status_code == 404
        assert (
            await client.post(
                f"/api/v1/officer/applications/{app_id}/decision",
                json={"action": "start_review"},
                headers=bearer(token),
            )
        ).status_code == 404
        inbox = (await client.get("/api/v1/officer/applications", headers=bearer(token))).json()
        assert app_id not in [i["id"] for i in inbox["items"]]
    # Another citizen cannot see or touch it.
    assert (await client.get(f"/api/v1/applications/{app_id}", headers=bearer(other))).status_code == 404
    assert (
        await client.post(f"/api/v1/applications/{app_id}/withdraw", json={}, headers=bearer(other))
    ).status_code == 404
    clerk = await create_officer(db, app)

    async def decide(action: str, reason: str | None = "Alasan") -> httpx.Response:
        return await client.post(
            f"/api/v1/officer/applications/{app_id}/decision",
            json={"action": action, "reason": reason},
            headers=bearer(clerk),
        )

    assert (await decide("approve")).status_code == 409  # not in review yet
    assert (await decide("start_review")).status_code == 200
    assert (await decide("request_correction", None)).status_code == 422  # a reason is required
    assert (await decide("reject", None)).status_code == 422
    assert (await decide("approve")).status_code == 200
    assert (await decide("approve")).status_code == 409  # approving an approved (and later a completed) one
    withdraw = await client.post(f"/api/v1/applications/{app_id}/withdraw", json={}, headers=bearer(citizen))
    assert withdraw.status_code == 409  # after a decision
    stored = (await client.get(f"/api/v1/applications/{app_id}", headers=bearer(citizen))).json()
    assert stored["status"] == "approved" and [e["action"] for e in stored["timeline"]] == [
        "submit",
        "start_review",
        "approve",
    ]
    bad_action = await client.post(
        f"/api/v1/officer/applications/{app_id}/decision", json={"action": "delete"}, headers=bearer(clerk)
    )
    assert bad_action.status_code == 400


async def test_two_officers_decide_at_once(client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection) -> None:
    citizen = await create_citizen(client, name="Budi Santoso", nik=random_nik())
    app_id = (await create_application(client, citizen))["id"]
    first, second = await create_officer(db, app), await create_officer(db, app)
    url = f"/api/v1/officer/applications/{app_id}/decision"
    await client.post(url, json={"action": "start_review"}, headers=bearer(first))
    results = await asyncio.gather(
        client.post(url, json={"action": "approve"}, headers=bearer(first)),
        client.post(url, json={"action": "reject", "reason": "Berkas tidak lengkap"}, headers=bearer(second)),
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    # With If-Match, a decision on a stale version is refused before anything else.
    stale = await client.post(url, json={"action": "complete"}, headers={**bearer(first), "If-Match": '"1"'})
    assert stale.status_code == 412


async def test_drafts_resume_on_another_device(client: httpx.AsyncClient) -> None:
    citizen = await create_citizen(client, name="Budi Santoso", nik=random_nik(), verified=True)
    service = await kk_service(client)
    draft = await client.post(
        "/api/v1/applications/drafts",
        json={"serviceId": service["id"], "answers": {"reason": "pisah_kk"}},
        headers=bearer(citizen),
    )
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    draft_id, etag = draft.json()["id"], draft.headers["etag"]
    partial_bad = await client.put(
        f"/api/v1/applications/drafts/{draft_id}",
        json={"serviceId": service["id"], "answers": {"headNik": "123"}},
        headers=bearer(citizen),
    )
    assert partial_bad.status_code == 422  # a draft may be partial, not malformed
    phone = await client.put(
        f"/api/v1/applications/drafts/{draft_id}",
        json={"serviceId": service["id"], "answers": {"reason": "keluarga_baru"}},
        headers={**bearer(citizen), "If-Match": etag},
    )
    assert phone.status_code == 200
    laptop = await client.put(
        f"/api/v1/applications/drafts/{draft_id}",
        json={"serviceId": service["id"], "answers": {"reason": "ganti_kepala_keluarga"}},
        headers={**bearer(citizen), "If-Match": etag},
    )
    assert laptop.status_code == 412
    body = {
        "serviceId": service["id"],
        "answers": answers_for(service),
        "documentIds": await documents_for(client, citizen, service),
        "draftId": draft_id,
    }
    submitted = await client.post("/api/v1/applications", json=body, headers={**bearer(citizen), **idempotency_key()})
    assert submitted.status_code == 201 and submitted.json()["id"] == draft_id
    assert [e["action"] for e in submitted.json()["timeline"]] == ["draft", "submit"]


async def test_withdraw_before_a_decision(client: httpx.AsyncClient) -> None:
    citizen = await create_citizen(client, name="Budi Santoso", nik=random_nik())
    app_id = (await create_application(client, citizen))["id"]
    withdrawn = await client.post(
        f"/api/v1/applications/{app_id}/withdraw", json={"reason": "Salah layanan"}, headers=bearer(citizen)
    )
    assert withdrawn.json()["status"] == "withdrawn"
    again = await client.post(f"/api/v1/applications/{app_id}/withdraw", json={}, headers=bearer(citizen))
    assert again.status_code == 409


async def test_inbox_filters_assignment_and_workload(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    citizen = await create_citizen(client, name="Budi Santoso", nik=random_nik())
    service = await kk_service(client)
    ids = [(await create_application(client, citizen, service))["id"] for _ in range(3)]
    # One of them is overdue.
    await db.execute(
        "UPDATE applications_application SET due_date = current_date - 10 WHERE id = $1", uuid.UUID(ids[0])
    )
    clerk = await create_officer(db, app)
    overdue = (
        await client.get(
            "/api/v1/officer/applications", params={"overdue": "true", "pageSize": 100}, headers=bearer(clerk)
        )
    ).json()
    assert ids[0] in [i["id"] for i in overdue["items"]] and all(i["deadline"]["overdue"] for i in overdue["items"])
    page = (await client.get("/api/v1/officer/applications", params={"pageSize": 100}, headers=bearer(clerk))).json()
    dues = [i["deadline"]["dueDate"] for i in page["items"]]
    assert dues == sorted(dues)
    bulk = (
        await client.post(
            "/api/v1/officer/applications/bulk/start-review",
            json={"ids": [*ids, str(uuid.uuid4())]},
            headers=bearer(clerk),
        )
    ).json()
    assert set(bulk["started"]) == set(ids) and len(bulk["skipped"]) == 1
    claimed = await client.post(f"/api/v1/officer/applications/{ids[1]}/assign", json={}, headers=bearer(clerk))
    assert claimed.status_code == 200 and claimed.json()["assignedTo"] is not None
    boss = await create_supervisor(db, app)
    workload = (await client.get("/api/v1/supervisor/workload", headers=bearer(boss))).json()
    assert sum(w["open"] for w in workload["items"]) >= 3 and sum(w["overdue"] for w in workload["items"]) >= 1
    bad = await client.get("/api/v1/officer/applications", params={"status": "deleted"}, headers=bearer(clerk))
    assert bad.status_code == 400


async def test_applying_for_a_child_and_the_broker_signal(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    # The registry's family card lists both (a mandate over a minor is active only on such a fact).
    parent_nik, family_card = random_nik(), "3302010101200009"
    born = dt.date.today().replace(year=dt.date.today().year - 4)
    child_nik = f"330201{born:%d%m%y}0005"
    known_to_registry(parent_nik, "Ibu Sari", kk=family_card)
    known_to_registry(child_nik, "Adik", kk=family_card, relationship="ANAK")
    parent = await create_citizen(client, name="Ibu Sari", kk=family_card, nik=parent_nik, verified=True)
    child = (
        await client.post(
            "/api/v1/me/family", json={"nik": child_nik, "name": "Adik", "relation": "child"}, headers=bearer(parent)
        )
    ).json()
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    await client.post(
        "/api/v1/me/mandates",
        json={"memberId": child["id"], "services": ["kk-baru"], "validUntil": until},
        headers=bearer(parent),
    )
    service = await kk_service(client)
    for_child = await apply(client, parent, service, forNik=child_nik)
    assert for_child.status_code == 201, for_child.text
    assert for_child.json()["subjectName"] == "Adik"
    # A broker: one account, many strangers' NIKs in its applications, no mandates.
    broker = await create_citizen(client, name="Calo", nik=random_nik(), verified=True)
    akta = await client.get(f"/api/v1/services/{await service_id(client, 'akta-kelahiran')}")
    akta_service = akta.json()
    nik_fields = [f["name"] for f in akta_service["form"] if f["type"] == "nik"]
    assert nik_fields
    docs = await documents_for(client, broker, akta_service)
    for i in range(6):
        answers = answers_for(akta_service)
        for name in nik_fields:
            answers[name] = f"3302011708{90 + i:02d}{1000 + i}"
        response = await client.post(
            "/api/v1/applications",
            json={"serviceId": akta_service["id"], "answers": answers, "documentIds": docs},
            headers={**bearer(broker), **idempotency_key()},
        )
        assert response.status_code == 201, response.text
    boss = await create_supervisor(db, app)
    flags = (await client.get("/api/v1/supervisor/broker-flags", headers=bearer(boss))).json()
    broker_id = await db.fetchval("SELECT id FROM accounts_account WHERE phone = $1", broker["phone"])
    assert str(broker_id) in [f["account"] for f in flags["items"]]
    parent_id = await db.fetchval("SELECT id FROM accounts_account WHERE phone = $1", parent["phone"])
    assert str(parent_id) not in [f["account"] for f in flags["items"]]
    # The named NIKs are stored with each application; the migration's backfill derives the same from answers.
    stored = await db.fetch(
        "SELECT id, named_niks FROM applications_application WHERE applicant = $1 ORDER BY id", broker_id
    )
    assert sorted(n for r in stored for n in r["named_niks"]) == [f"3302011708{90 + i:02d}{1000 + i}" for i in range(6)]
    await db.execute("UPDATE applications_application SET named_niks = '{}' WHERE applicant = $1", broker_id)
    backfill = importlib.import_module("migrations.applications.applications_2026_11_23t14_20_01_000000")
    await db.execute(backfill.BACKFILL)
    assert (
        await db.fetch(
            "SELECT id, named_niks FROM applications_application WHERE applicant = $1 ORDER BY id", broker_id
        )
        == stored
    )
