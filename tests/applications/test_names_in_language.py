"""Catalogue names on applications in the reader's language (issue 13, item 10): an English reader saw the
service, agency, region and document types of an application in Indonesian, though the catalogue answers in
English for the same Accept-Language."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from tests.support.applications import answers_for, documents_for, idempotency_key, kk_service
from tests.support.auth import bearer
from tests.support.factories import create_application, create_citizen, create_officer
from tests.support.identity import random_nik

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


async def _names(db: asyncpg.Connection, service_id: str) -> dict[str, Any]:
    return dict(
        await db.fetchrow(
            """SELECT s.name_id, s.name_en, g.name_id AS agency_id, g.name_en AS agency_en, r.name AS region_id,
                      r.name_en AS region_en
               FROM catalogue_service s JOIN catalogue_agency g ON g.id = s.agency
               JOIN catalogue_region r ON r.code = s.region WHERE s.id = $1::uuid""",
            service_id,
        )
    )


async def test_an_application_names_its_service_in_the_readers_language(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    citizen = await create_citizen(client, name="Siti Aminah", nik=random_nik())
    service = await kk_service(client)
    names = await _names(db, service["id"])
    assert names["name_en"] != names["name_id"] and names["agency_en"] != names["agency_id"]
    application = await create_application(client, citizen, service)
    english_types = {
        r["code"]: r["name"] for r in (await client.get("/api/v1/document-types", headers=ENGLISH)).json()["items"]
    }

    detail = (await client.get(f"/api/v1/applications/{application['id']}", headers=bearer(citizen) | ENGLISH)).json()
    assert detail["service"]["name"] == names["name_en"]
    assert detail["agency"]["name"] == names["agency_en"]
    assert detail["region"]["name"] == names["region_en"]
    assert detail["documents"]
    assert all(d["type"]["name"] == english_types[d["type"]["code"]] for d in detail["documents"])

    listed = (await client.get("/api/v1/applications", headers=bearer(citizen) | ENGLISH)).json()["items"]
    assert [a["service"]["name"] for a in listed if a["id"] == application["id"]] == [names["name_en"]]

    # The officer reading the same application in English, and a change answered with the application.
    officer = await create_officer(db, app)
    decided = await client.post(
        f"/api/v1/officer/applications/{application['id']}/decision",
        json={"action": "start_review"},
        headers=bearer(officer) | ENGLISH,
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["service"]["name"] == names["name_en"]

    # Indonesian stays the default.
    default = (await client.get(f"/api/v1/applications/{application['id']}", headers=bearer(citizen))).json()
    assert default["service"]["name"] == names["name_id"]
    assert default["agency"]["name"] == names["agency_id"]


async def test_a_submission_answers_in_the_readers_language(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    citizen = await create_citizen(client, name="Budi Santoso", nik=random_nik(), verified=True)
    service = await kk_service(client)
    names = await _names(db, service["id"])
    body = {
        "serviceId": service["id"],
        "answers": answers_for(service),
        "documentIds": await documents_for(client, citizen, service),
    }
    submitted = await client.post(
        "/api/v1/applications", json=body, headers=bearer(citizen) | idempotency_key() | ENGLISH
    )
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["service"]["name"] == names["name_en"]
