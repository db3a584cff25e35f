"""Catalogue names in the wallet in the reader's language (issue 13, item 10): an English reader saw a
document's type, the agencies it is shared with and the agency that verified it in Indonesian."""

from __future__ import annotations

import asyncpg
import httpx
from litestar import Litestar

from tests.support.applications import REGION
from tests.support.auth import bearer
from tests.support.factories import AGENCY, create_citizen, create_document, create_officer
from tests.support.identity import random_nik

ENGLISH = {"Accept-Language": "en"}


async def test_a_document_names_its_type_and_agencies_in_the_readers_language(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    type_names = await db.fetchrow("SELECT name_id, name_en FROM catalogue_document_type WHERE code = 'KTP_EL'")
    agency = await db.fetchrow(
        "SELECT name_id, name_en FROM catalogue_agency WHERE code = $1 AND region = $2", AGENCY, REGION
    )
    assert type_names["name_en"] != type_names["name_id"] and agency["name_en"] != agency["name_id"]
    citizen = await create_citizen(client, name="Siti Aminah", nik=random_nik())
    officer = await create_officer(db, app)
    document = await create_document(client, citizen, verified_by=officer)
    # The officer's read is in the access log, with the agency's name.
    assert (await client.get(f"/api/v1/officer/documents/{document['id']}", headers=bearer(officer))).status_code == 200

    detail = (await client.get(f"/api/v1/wallet/documents/{document['id']}", headers=bearer(citizen) | ENGLISH)).json()
    assert detail["type"]["name"] == type_names["name_en"]
    assert detail["attestation"]["agency"]["name"] == agency["name_en"]
    assert [c["agency"]["name"] for c in detail["consents"]] == [agency["name_en"]]
    listed = (await client.get("/api/v1/wallet/documents", headers=bearer(citizen) | ENGLISH)).json()["items"]
    assert [d["type"]["name"] for d in listed if d["id"] == document["id"]] == [type_names["name_en"]]
    log = (await client.get("/api/v1/me/access-log", headers=bearer(citizen) | ENGLISH)).json()["items"]
    assert {e["agency"]["name"] for e in log if e.get("agency")} == {agency["name_en"]}

    # Indonesian stays the default.
    default = (await client.get(f"/api/v1/wallet/documents/{document['id']}", headers=bearer(citizen))).json()
    assert default["type"]["name"] == type_names["name_id"]
    assert default["attestation"]["agency"]["name"] == agency["name_id"]
