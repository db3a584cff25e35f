"""What officers and citizens see of a case (issue 13, items 11 and 13): the contract's top-level ``dueDate``,
a citizen timeline without the agency's internal steps, an access log that keeps one line per officer and item
per hour, words for every timeline entry, a result PDF that names its people, and issued documents that stay."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pypdf
from litestar import Litestar

from api.applications.statuses import STATUSES, TIMELINE_ACTIONS
from tests.support.applications import REGION, apply, kk_service
from tests.support.auth import account_id, bearer, full_staff_token
from tests.support.factories import AGENCY, create_application, create_citizen, create_officer
from tests.support.files import pdf
from tests.support.identity import random_nik

I18N = Path(__file__).resolve().parents[2] / "pwa" / "i18n"


async def decide(client: httpx.AsyncClient, officer: str, application: dict[str, Any], action: str) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/officer/applications/{application['id']}/decision", json={"action": action}, headers=bearer(officer)
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


# --- item 13: the contract's dueDate ------------------------------------------------------------------------


async def test_due_date_is_top_level_on_submit_get_and_lists(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    citizen = await create_citizen(client, name="Dewi Tenggat", nik=random_nik(), verified=True)
    submitted = await apply(client, citizen, await kk_service(client))
    assert submitted.status_code == 201, submitted.text
    created = submitted.json()
    # CONTRACT.md: 201 with id, status, dueDate (an ISO date) — the nested deadline stays as it was.
    assert created["dueDate"] == created["deadline"]["dueDate"]
    assert len(created["dueDate"]) == 10 and created["dueDate"][4] == "-"
    mine = (await client.get(f"/api/v1/applications/{created['id']}", headers=bearer(citizen))).json()
    assert mine["dueDate"] == created["dueDate"]
    listed = (await client.get("/api/v1/applications", headers=bearer(citizen))).json()["items"]
    assert [i["dueDate"] for i in listed if i["id"] == created["id"]] == [created["dueDate"]]
    spec = (await client.get("/schema/openapi.json")).json()
    for name in ("ApplicationSummary", "ApplicationDetail"):
        assert "dueDate" in spec["components"]["schemas"][name]["properties"], name


# --- item 11: timelines -------------------------------------------------------------------------------------


async def test_a_claim_is_not_a_second_submission_for_the_citizen(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    citizen = await create_citizen(client, name="Rudi Klaim", nik=random_nik())
    application = await create_application(client, citizen)
    clerk = await create_officer(db, app)
    claimed = await client.post(
        f"/api/v1/officer/applications/{application['id']}/assign", json={}, headers=bearer(clerk)
    )
    assert claimed.status_code == 200, claimed.text
    # The officers' timeline keeps the claim (who works on it is theirs to know).
    assert [e["action"] for e in claimed.json()["timeline"]] == ["submit", "assign"]
    mine = (await client.get(f"/api/v1/applications/{application['id']}", headers=bearer(citizen))).json()
    # The citizen's shows status changes only: one "submitted", not two.
    assert [e["action"] for e in mine["timeline"]] == ["submit"]
    assert [e["toStatus"] for e in mine["timeline"]].count("submitted") == 1
    started = await decide(client, clerk, application, "start_review")
    assert [e["action"] for e in started["timeline"]] == ["submit", "assign", "start_review"]
    mine = (await client.get(f"/api/v1/applications/{application['id']}", headers=bearer(citizen))).json()
    assert [(e.get("fromStatus"), e["toStatus"]) for e in mine["timeline"]] == [
        (None, "submitted"),
        ("submitted", "in_review"),
    ]


def test_every_timeline_entry_has_words_in_both_languages() -> None:
    """The officer timeline shows ``officerAct_<action>``, both timelines a status: a missing key is shown raw
    ("officerAct_draft"). Every action the API records (``TIMELINE_ACTIONS``, the type of ``save_event``'s
    ``action``) and every status and actor role needs its words in each catalogue."""
    roles = ("citizen", "officer", "supervisor", "system")
    for language in ("id", "en"):
        strings = json.loads((I18N / f"{language}.json").read_text())
        wanted = [f"officerAct_{a}" for a in TIMELINE_ACTIONS]
        wanted += [f"{prefix}{s}" for prefix in ("applicationsStatus_", "officerSt_") for s in STATUSES]
        wanted += [f"kioskStatus_{s}" for s in STATUSES if s != "draft"]
        wanted += [f"applicationActor_{r}" for r in roles]
        wanted += [f"kioskResultClosed_{s}" for s in ("completed", "rejected", "withdrawn")]
        missing = [key for key in wanted if not isinstance(strings.get(key), str) or not strings[key].strip()]
        assert missing == [], f"{language}.json lacks {missing}"


async def test_every_action_the_api_records_is_a_timeline_action(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    """The other half of the check above: what a whole case really writes is in ``TIMELINE_ACTIONS``."""
    citizen = await create_citizen(client, name="Sari Draf", nik=random_nik())
    service = await kk_service(client)
    draft = await client.post("/api/v1/applications/drafts", json={"serviceId": service["id"]}, headers=bearer(citizen))
    assert draft.status_code == 201, draft.text
    clerk = await create_officer(db, app)
    application = await create_application(client, citizen, status="approved", officer=clerk)
    await client.post(f"/api/v1/officer/applications/{application['id']}/assign", json={}, headers=bearer(clerk))
    await decide(client, clerk, application, "complete")
    recorded = await db.fetch(
        "SELECT DISTINCT action FROM applications_event WHERE application = ANY($1::uuid[])",
        [uuid.UUID(draft.json()["id"]), uuid.UUID(application["id"])],
    )
    actions = {r["action"] for r in recorded}
    assert {"draft", "submit", "assign", "complete"} <= actions
    assert actions <= set(TIMELINE_ACTIONS)


# --- item 11: the access log --------------------------------------------------------------------------------


async def test_an_officers_review_is_one_access_log_line_per_item_per_hour(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    citizen = await create_citizen(client, name="Lina Log", nik=random_nik())
    application = await create_application(client, citizen)
    clerk = await create_officer(db, app)
    colleague = await create_officer(db, app)
    documents = [d["id"] for d in application["documents"]]
    assert documents

    async def review(officer: str) -> None:
        """What the review screen loads: the application, then each document's details and file; and once more
        after a decision or a reload."""
        for _ in range(2):
            seen = await client.get(f"/api/v1/officer/applications/{application['id']}", headers=bearer(officer))
            assert seen.status_code == 200, seen.text
            for doc in documents:
                for path in (f"/api/v1/officer/documents/{doc}", f"/api/v1/officer/documents/{doc}/content"):
                    read = await client.get(path, headers=bearer(officer))
                    assert read.status_code == 200, read.text

    await review(clerk)
    log = (await client.get("/api/v1/me/access-log", headers=bearer(citizen))).json()["items"]
    officer_lines = [e for e in log if e.get("via") == "officer"]
    # One line for the application and one per document, however often they were loaded.
    assert len(officer_lines) == 1 + len(documents), officer_lines
    assert sum(e["what"] == "application.read" for e in officer_lines) == 1
    # The first read of each document is the one kept (its details, before its file).
    assert sorted(e["document"] for e in officer_lines if e.get("document")) == sorted(documents)
    assert all(e["what"] == "document.read" for e in officer_lines if e.get("document"))
    # Another officer's look is their own line: the citizen sees that two people looked.
    await review(colleague)
    log = (await client.get("/api/v1/me/access-log", headers=bearer(citizen))).json()["items"]
    assert len([e for e in log if e.get("via") == "officer"]) == 2 * (1 + len(documents))
    # An hour later the same officer's look is a new line.
    subject = account_id(citizen)
    await db.execute("SET session_replication_role = replica")  # the append-only trigger, for the test's clock
    try:
        await db.execute(
            "UPDATE audit_event SET at = at - interval '61 minutes' WHERE subject = $1 AND detail->>'via' = 'officer'",
            subject,
        )
    finally:
        await db.execute("SET session_replication_role = DEFAULT")
    seen = await client.get(f"/api/v1/officer/applications/{application['id']}", headers=bearer(clerk))
    assert seen.status_code == 200
    reads = await db.fetchval(
        "SELECT count(*) FROM audit_event WHERE subject = $1 AND action = 'application.read' "
        "AND detail->>'via' = 'officer'",
        subject,
    )
    assert reads == 3


async def test_the_hourly_check_uses_its_index(db: asyncpg.Connection) -> None:
    """The check runs on every officer read: it must not scan all of an officer's events."""
    await db.execute("SET enable_seqscan = off")
    try:
        plan = await db.fetchval(
            """EXPLAIN SELECT 1 FROM audit_event WHERE actor = $1 AND subject = $2
               AND at > now() - make_interval(secs => 3600)
               AND action IN ('application.read', 'document.read', 'document.content')""",
            uuid.uuid4(),
            uuid.uuid4(),
        )
    finally:
        await db.execute("RESET enable_seqscan")
    assert "audit_event_reads_idx" in plan


# --- item 11: the result document ---------------------------------------------------------------------------


async def test_the_result_pdf_names_the_applicant_the_officers_and_the_agency(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    nik = random_nik()
    citizen = await create_citizen(client, name="Siti Hasil Aminah", nik=nik)
    approver = await full_staff_token(db, app, "officer", agency=AGENCY, region=REGION, name="Rina Pemutus")
    issuer = await full_staff_token(db, app, "officer", agency=AGENCY, region=REGION, name="Joko Penerbit")
    application = await create_application(client, citizen, status="approved", officer=approver)
    completed = await decide(client, issuer, application, "complete")
    content = await client.get(
        f"/api/v1/wallet/documents/{completed['resultDocument']}/content", headers=bearer(citizen)
    )
    assert content.status_code == 200 and content.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content.content)).pages)
    agency = await db.fetchval("SELECT name_id FROM catalogue_agency WHERE code = $1 AND region = $2", AGENCY, REGION)
    assert "Siti Hasil Aminah" in text
    assert f"{nik[:4]}********{nik[-4:]}" in text and nik not in text, "the NIK is masked"
    assert "Rina Pemutus" in text and "Joko Penerbit" in text
    assert agency in text
    assert application["number"] in text


async def test_an_issued_document_cannot_be_replaced_or_deleted(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    citizen = await create_citizen(client, name="Tono Terbit", nik=random_nik())
    clerk = await create_officer(db, app)
    application = await create_application(client, citizen, status="approved", officer=clerk)
    result = (await decide(client, clerk, application, "complete"))["resultDocument"]
    path = f"/api/v1/wallet/documents/{result}"
    swap = await client.put(
        f"{path}/content", files={"file": ("a.pdf", pdf(b"/Lang (id) "), "application/pdf")}, headers=bearer(citizen)
    )
    assert swap.status_code == 409 and swap.json()["code"] == "document_issued", swap.text
    gone = await client.delete(path, headers=bearer(citizen))
    assert gone.status_code == 409, gone.text
    assert gone.headers["content-type"].startswith("application/problem+json")
    assert gone.json()["code"] == "document_issued" and "issued" in gone.json()["detail"]
    still = await client.get(path, headers=bearer(citizen))
    assert still.status_code == 200 and still.json()["status"] == "issued"


# --- item 14: the export's OpenAPI description --------------------------------------------------------------


async def test_the_export_is_what_its_openapi_document_says(client: httpx.AsyncClient) -> None:
    citizen = await create_citizen(client, name="Eka Ekspor", nik=random_nik())
    export = await client.get("/api/v1/me/export", headers=bearer(citizen))
    assert export.status_code == 200
    spec = (await client.get("/schema/openapi.json")).json()
    described = spec["paths"]["/api/v1/me/export"]["get"]["responses"]["200"]["content"]
    sent_type = export.headers["content-type"].split(";")[0]
    assert list(described) == [sent_type]
    schema = described[sent_type]["schema"]
    if sent_type == "application/json":
        assert schema["type"] == "object" and isinstance(export.json(), dict)
    else:  # an archive or another file: a binary string
        assert schema == {"type": "string", "format": "binary"} or schema.get("contentMediaType") == sent_type
