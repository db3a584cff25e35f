"""The document wallet end to end through the API: upload once, verify once, reuse, verify by QR offline."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from jose import jwt
from litestar import Litestar
from PIL import Image

from api.wallet import service as wallet_service
from tests.support.auth import bearer, sign_in
from tests.support.factories import create_citizen, create_document, create_officer
from tests.support.files import jpeg, pdf, png
from tests.support.identity import random_nik
from tests.support.wallet import upload

MB = 1024 * 1024


def blob_files(app: Litestar) -> list[Path]:
    root = app.state.settings.data_dir / "blobs"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_upload_is_sanitised_encrypted_and_deduplicated(client: httpx.AsyncClient, app: Litestar) -> None:
    citizen = await sign_in(client)
    original = jpeg(gps=True)
    response = await upload(client, citizen, original, name="../../etc/passwd KTP saya.jpg")
    assert response.status_code == 201, response.text
    document = response.json()
    assert document["status"] == "uploaded" and document["type"]["code"] == "KTP_EL"
    assert "/" not in document["title"] and ".." not in document["title"]
    content = await client.get(f"/api/v1/wallet/documents/{document['id']}/content", headers=bearer(citizen))
    assert content.status_code == 200 and content.headers["cache-control"] == "no-store"
    assert "attachment" in content.headers["content-disposition"]
    stored = Image.open(io.BytesIO(content.content))
    assert not stored.getexif(), "EXIF (with GPS) must be gone"
    assert b"GPS" not in content.content and b"PhoneMaker" not in content.content
    # At rest: ciphertext only — no JPEG marker, nothing of the image in clear.
    files = blob_files(app)
    mine = [f for f in files if document["id"] in str(f)]
    assert len(mine) == 1 and mine[0].stat().st_mode & 0o077 == 0
    assert content.content not in mine[0].read_bytes() and not mine[0].read_bytes().startswith(b"\xff\xd8")
    # The same content again is the same document.
    again = await upload(client, citizen, original)
    assert again.status_code == 200 and again.json()["id"] == document["id"]
    listed = (await client.get("/api/v1/wallet/documents", headers=bearer(citizen))).json()
    assert listed["total"] == 1


async def test_bad_uploads(client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection) -> None:
    citizen = await sign_in(client)
    before = len(blob_files(app))
    zip_tail = b"PK\x03\x04" + b"\x00" * 26 + b"evil.exe"
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"data": b""}, 422, "empty"),
        (
            {
                "data": b"\x7fELF\x02\x01\x01" + b"\x00" * 100,
                "name": "ktp.pdf",
                "media_type": "application/pdf",
                "type_code": "AKTA_KELAHIRAN",
            },
            415,
            "unsupported_type",
        ),
        ({"data": jpeg(), "media_type": "application/pdf"}, 415, "type_mismatch"),
        (
            {
                "data": pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "),
                "media_type": "application/pdf",
                "name": "akta.pdf",
                "type_code": "AKTA_KELAHIRAN",
            },
            422,
            "active_pdf",
        ),
        (
            {
                "data": b"%PDF-1.7\nthis is not a pdf at all",
                "media_type": "application/pdf",
                "type_code": "AKTA_KELAHIRAN",
            },
            422,
            "corrupt",
        ),
        ({"data": jpeg(), "type_code": "NO_SUCH_TYPE"}, 422, "unknown_document_type"),
        ({"data": pdf(), "media_type": "application/pdf", "type_code": "PAS_FOTO"}, 415, "not_accepted"),
    ]
    for kwargs, status, code in cases:
        response = await upload(client, citizen, **kwargs)
        assert response.status_code == status, (code, response.text)
        assert response.json()["code"] == code
    too_big = await upload(client, citizen, b"\xff\xd8" + b"\x00" * (10 * MB - 1))
    assert too_big.status_code == 413
    # A polyglot goes in, a plain PNG comes out.
    polyglot = await upload(
        client, citizen, png() + zip_tail, media_type="image/png", name="foto.png", type_code="PAS_FOTO"
    )
    assert polyglot.status_code == 201
    stored = await client.get(f"/api/v1/wallet/documents/{polyglot.json()['id']}/content", headers=bearer(citizen))
    assert b"PK\x03\x04" not in stored.content and stored.content.startswith(b"\x89PNG")
    # Only the accepted upload left a blob; refusals left nothing behind.
    assert len(blob_files(app)) == before + 1
    malformed = await client.post(
        "/api/v1/wallet/documents",
        content=b"not multipart",
        headers={**bearer(citizen), "content-type": "application/json"},
    )
    assert malformed.status_code == 415
    no_file = await client.post(
        "/api/v1/wallet/documents", data={"type": "KTP_EL"}, files={"other": ("x", b"x")}, headers=bearer(citizen)
    )
    assert no_file.status_code == 400


async def test_another_citizens_document_is_not_found(client: httpx.AsyncClient) -> None:
    owner, other = await sign_in(client), await sign_in(client)
    doc = (await upload(client, owner, jpeg("green"))).json()
    for method, suffix in (("GET", ""), ("GET", "/content"), ("GET", "/qr.svg"), ("DELETE", "")):
        response = await client.request(method, f"/api/v1/wallet/documents/{doc['id']}{suffix}", headers=bearer(other))
        assert response.status_code == 404, (method, suffix)
    assert (await client.get(f"/api/v1/wallet/documents/{uuid.uuid4()}", headers=bearer(owner))).status_code == 404


async def shared_with_an_officer(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> tuple[dict[str, Any], str, str]:
    """A citizen with a NIK (an attestation carries its hash), a document of theirs shared with DISDUKCAPIL in
    Banyumas, and an officer there who has not seen it yet: (citizen, document id, officer's token)."""
    citizen = await create_citizen(client, nik=random_nik())
    document = await create_document(client, citizen, share=True)
    return citizen, str(document["id"]), await create_officer(db, app)


async def test_verify_once_accepted_everywhere_checkable_offline(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    citizen, doc_id, clerk = await shared_with_an_officer(client, db, app)
    seen = await client.get(f"/api/v1/officer/documents/{doc_id}", headers=bearer(clerk))
    assert seen.status_code == 200
    file = await client.get(f"/api/v1/officer/documents/{doc_id}/content", headers=bearer(clerk))
    assert file.status_code == 200 and file.headers["cache-control"] == "no-store"
    verified = await client.post(
        f"/api/v1/officer/documents/{doc_id}/verify", json={"valid": True}, headers=bearer(clerk)
    )
    assert verified.status_code == 200, verified.text
    attestation = verified.json()["attestation"]
    assert verified.json()["status"] == "verified" and attestation["kind"] == "verified"
    # A second review is a conflict: verified once is verified for every agency.
    again = await client.post(f"/api/v1/officer/documents/{doc_id}/verify", json={"valid": True}, headers=bearer(clerk))
    assert again.status_code == 409
    # Online check.
    check = (await client.get("/api/v1/verify", params={"token": attestation["token"]})).json()
    assert check["status"] == "valid" and check["agency"]["code"] == "DISDUKCAPIL"
    assert check["contentHash"] == hashlib.sha256(file.content).hexdigest()
    # Offline: another device holding only the published keys checks the QR's token without any network.
    jwks = (await client.get("/.well-known/jwks.json")).json()
    header = jwt.get_unverified_header(attestation["token"])
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    claims = jwt.decode(attestation["token"], key, algorithms=["ES256"], options={"verify_aud": False})
    assert claims["sub"] == doc_id and claims["docType"] == "KTP_EL"
    nik = (await client.get("/api/v1/me", headers=bearer(citizen))).json()["nik"]
    from api.wallet.attest import nik_hash

    assert claims["holder"]["nikHash"] == nik_hash(nik, claims["holder"]["salt"])
    assert nik not in attestation["token"] and "holder" in claims
    # The QR holds the verification URL with the token in its fragment.
    qr = await client.get(f"/api/v1/wallet/documents/{doc_id}/qr.svg", headers=bearer(citizen))
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml") and b"<svg" in qr.content
    assert attestation["verificationUrl"].endswith("/v/#" + attestation["token"])
    # Forged or altered tokens.
    head, body, sig = attestation["token"].split(".")
    assert (await client.get("/api/v1/verify", params={"token": f"{head}.{body}x.{sig}"})).json()["status"] == "invalid"
    assert (await client.get("/api/v1/verify", params={"token": "garbage"})).json()["status"] == "invalid"
    # The officer's look is in the citizen's access log, with the agency: one line per officer and document per
    # hour (issue 13), the first read — the details, then the file, were one look.
    log = (await client.get("/api/v1/me/access-log", headers=bearer(citizen))).json()
    reads = [e for e in log["items"] if e["what"] in ("document.read", "document.content")]
    assert len(reads) == 1 and all(e["agency"]["code"] == "DISDUKCAPIL" and e["via"] == "officer" for e in reads)
    assert reads[0]["what"] == "document.read"


async def test_replacing_the_content_voids_the_verification(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    citizen, doc_id, clerk = await shared_with_an_officer(client, db, app)
    token = (
        await client.post(f"/api/v1/officer/documents/{doc_id}/verify", json={"valid": True}, headers=bearer(clerk))
    ).json()["attestation"]["token"]
    replaced = await client.put(
        f"/api/v1/wallet/documents/{doc_id}/content",
        files={"file": ("ktp2.jpg", jpeg("yellow"), "image/jpeg")},
        headers=bearer(citizen),
    )
    assert replaced.status_code == 200 and replaced.json()["status"] == "uploaded" and replaced.json()["version"] == 2
    assert "attestation" not in replaced.json()
    assert (await client.get("/api/v1/verify", params={"token": token})).json()["status"] == "revoked"
    assert len([f for f in blob_files(app) if doc_id in str(f)]) == 1  # the old version's blob is gone


async def test_rejection_needs_a_reason_and_other_agencies_see_nothing(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    citizen, doc_id, clerk = await shared_with_an_officer(client, db, app)
    no_reason = await client.post(
        f"/api/v1/officer/documents/{doc_id}/verify", json={"valid": False}, headers=bearer(clerk)
    )
    assert no_reason.status_code == 422
    police = await create_officer(db, app, agency="POLRES")
    other_region = await create_officer(db, app, region="3471")
    for token in (police, other_region):
        for suffix in ("", "/content"):
            assert (
                await client.get(f"/api/v1/officer/documents/{doc_id}{suffix}", headers=bearer(token))
            ).status_code == 404
        assert (
            await client.post(f"/api/v1/officer/documents/{doc_id}/verify", json={"valid": True}, headers=bearer(token))
        ).status_code == 404
    rejected = await client.post(
        f"/api/v1/officer/documents/{doc_id}/verify",
        json={"valid": False, "reason": "Foto buram, unggah ulang dengan jelas."},
        headers=bearer(clerk),
    )
    assert rejected.json()["status"] == "rejected" and rejected.json()["rejectionReason"].startswith("Foto buram")
    mine = (await client.get(f"/api/v1/wallet/documents/{doc_id}", headers=bearer(citizen))).json()
    assert mine["status"] == "rejected"
    # Withdrawing consent stops future use.
    consent = mine["consents"][0]["id"]
    assert (
        await client.delete(f"/api/v1/wallet/documents/{doc_id}/consents/{consent}", headers=bearer(citizen))
    ).status_code == 204
    assert (await client.get(f"/api/v1/officer/documents/{doc_id}", headers=bearer(clerk))).status_code == 404


async def test_two_officers_at_once_one_wins(client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection) -> None:
    _, doc_id, first = await shared_with_an_officer(client, db, app)
    second = await create_officer(db, app)
    results = await asyncio.gather(
        client.post(f"/api/v1/officer/documents/{doc_id}/verify", json={"valid": True}, headers=bearer(first)),
        client.post(
            f"/api/v1/officer/documents/{doc_id}/verify",
            json={"valid": False, "reason": "Tidak jelas"},
            headers=bearer(second),
        ),
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    attestations = await db.fetchval("SELECT count(*) FROM wallet_attestation WHERE document = $1", uuid.UUID(doc_id))
    assert attestations == (1 if any(r.status_code == 200 and r.json()["status"] == "verified" for r in results) else 0)


async def test_share_link(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    citizen = await sign_in(client)
    doc = (await upload(client, citizen, jpeg("purple"))).json()
    link = (
        await client.post(
            f"/api/v1/wallet/documents/{doc['id']}/links",
            json={"purpose": "Pengajuan kredit Bank", "hours": 2},
            headers=bearer(citizen),
        )
    ).json()
    token = link["url"].rsplit("/", 1)[-1]
    seen = await client.get(f"/api/v1/shared/{token}")
    assert seen.status_code == 200 and seen.json()["purpose"] == "Pengajuan kredit Bank"
    file = await client.get(f"/api/v1/shared/{token}/content")
    assert file.status_code == 200 and file.content.startswith(b"\xff\xd8")
    log = (await client.get("/api/v1/me/access-log", headers=bearer(citizen))).json()
    assert {e["via"] for e in log["items"]} == {"link"} and len(log["items"]) == 2
    detail = (await client.get(f"/api/v1/wallet/documents/{doc['id']}", headers=bearer(citizen))).json()
    assert detail["links"][0]["uses"] == 2 and "url" not in detail["links"][0]
    await db.execute(
        "UPDATE wallet_share_link SET expires_at = now() - interval '1 second' WHERE id = $1", uuid.UUID(link["id"])
    )
    assert (await client.get(f"/api/v1/shared/{token}")).status_code == 404
    await db.execute(
        "UPDATE wallet_share_link SET expires_at = now() + interval '1 hour' WHERE id = $1", uuid.UUID(link["id"])
    )
    assert (
        await client.delete(f"/api/v1/wallet/documents/{doc['id']}/links/{link['id']}", headers=bearer(citizen))
    ).status_code == 204
    assert (await client.get(f"/api/v1/shared/{token}")).status_code == 404
    assert (await client.get("/api/v1/shared/not-a-real-token")).status_code == 404


async def test_expiry_and_deletion(client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection) -> None:
    citizen = await sign_in(client)
    photo = (
        await upload(
            client,
            citizen,
            jpeg("orange"),
            type_code="PAS_FOTO",
            issuedOn=(dt.date.today() - dt.timedelta(days=400)).isoformat(),
        )
    ).json()
    assert photo["status"] == "expired"  # a pas foto is accepted for 6 months
    skck = (
        await upload(
            client,
            citizen,
            jpeg("brown"),
            type_code="SKCK",
            validUntil=(dt.date.today() + dt.timedelta(days=10)).isoformat(),
        )
    ).json()
    assert skck["status"] == "uploaded"
    due = await wallet_service.mark_reminders(db)
    assert uuid.UUID(skck["id"]) in {r["id"] for r in due}
    assert uuid.UUID(skck["id"]) not in {r["id"] for r in await wallet_service.mark_reminders(db)}  # once
    before = len(blob_files(app))
    assert (await client.delete(f"/api/v1/wallet/documents/{skck['id']}", headers=bearer(citizen))).status_code == 204
    assert len(blob_files(app)) == before - 1
    assert (await client.get(f"/api/v1/wallet/documents/{skck['id']}", headers=bearer(citizen))).status_code == 404
    history = await db.fetch(
        "SELECT action FROM wallet_document_event WHERE document = $1 ORDER BY id", uuid.UUID(skck["id"])
    )
    assert [r["action"] for r in history] == ["uploaded", "deleted"]


async def test_issued_documents_land_in_the_wallet(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    citizen = await sign_in(client)
    account = await db.fetchval("SELECT id FROM accounts_account WHERE phone = $1", citizen["phone"])
    agency = await db.fetchval("SELECT id FROM catalogue_agency WHERE code = 'DISDUKCAPIL' AND region = '3302'")
    doc_id = await wallet_service.issue(
        db,
        app.state.wallet,
        owner=account,
        type_code="AKTA_KELAHIRAN",
        render=lambda url: pdf(b"/URI (" + url.encode() + b") "),
        agency_id=agency,
        officer=None,
        valid_until=None,
        title="Akta Kelahiran Adik",
    )
    mine = (await client.get(f"/api/v1/wallet/documents/{doc_id}", headers=bearer(citizen))).json()
    assert mine["status"] == "issued" and mine["issuedBy"]["code"] == "DISDUKCAPIL"
    check = (await client.get("/api/v1/verify", params={"token": mine["attestation"]["token"]})).json()
    assert check["status"] == "valid" and check["kind"] == "issued"
    # An issued document cannot be swapped for other content.
    swap = await client.put(
        f"/api/v1/wallet/documents/{doc_id}/content",
        files={"file": ("a.pdf", pdf(b"/Lang (id) "), "application/pdf")},
        headers=bearer(citizen),
    )
    assert swap.status_code == 409
