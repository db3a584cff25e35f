"""Factories for the main rows, in the manner of GOV.UK Notify's ``create_*`` test helpers.

Every row is made the way the app makes it, through the API or the service functions, so the history rows,
outbox messages, access-log entries and consents that go with it exist as they would in production: nothing
here inserts into a table. Each factory checks its own steps (a set-up that fails says so where it failed) and
returns what the API returned; the keyword arguments take a row further along its life.

    citizen = await create_citizen(client, name="Siti Aminah", nik=random_nik())
    clerk = await create_officer(db, app)
    document = await create_document(client, citizen, share=True, verified_by=clerk)
    application = await create_application(client, citizen, status="approved", officer=clerk)
"""

from __future__ import annotations

import secrets
from typing import Any, Literal

import asyncpg
import httpx
from litestar import Litestar

from tests.support.applications import REGION, apply, kk_service
from tests.support.auth import bearer, full_staff_token, sign_in
from tests.support.files import jpeg
from tests.support.identity import random_nik, verify_identity
from tests.support.wallet import upload

AGENCY = "DISDUKCAPIL"


async def create_citizen(
    client: httpx.AsyncClient,
    *,
    phone: str | None = None,
    name: str | None = None,
    nik: str | None = None,
    kk: str | None = None,
    verified: bool = False,
) -> dict[str, Any]:
    """A citizen signed in by SMS code: the token pair plus ``phone``; the profile fields given are set.

    ``verified``: the NIK is also proven through the registry (assurance ``registry``), as applying to civil
    registration and licences needs.
    """
    tokens = await sign_in(client, phone)
    profile = {field: value for field, value in (("name", name), ("nik", nik), ("kk", kk)) if value is not None}
    if profile:
        response = await client.patch("/api/v1/me", json=profile, headers=bearer(tokens))
        assert response.status_code == 200, response.text
    if verified:
        await complete_profile(client, tokens)
    return tokens


async def complete_profile(client: httpx.AsyncClient, citizen: dict[str, Any]) -> None:
    """Give the citizen a name and a NIK if their profile lacks one, and prove the NIK through the registry
    (applying needs both for most services, and assurance ``registry`` for civil registration and licences)."""
    me = (await client.get("/api/v1/me", headers=bearer(citizen))).json()
    missing = {"name": "Warga Uji"} if not me.get("name") else {}
    if not me.get("nik"):
        missing["nik"] = random_nik()
    if missing:
        response = await client.patch("/api/v1/me", json=missing, headers=bearer(citizen))
        assert response.status_code == 200, response.text
        me = response.json()
    if me.get("assurance") == "phone":
        await verify_identity(client, citizen, nik=me["nik"], name=me["name"])


async def create_officer(
    db: asyncpg.Connection,
    app: Litestar,
    *,
    agency: str = AGENCY,
    region: str = REGION,
    role: Literal["officer", "supervisor"] = "officer",
) -> str:
    """An officer (or supervisor) of an agency in a region, signed in with both factors: a full-scope token."""
    return await full_staff_token(db, app, role, agency=agency, region=region)


async def create_supervisor(
    db: asyncpg.Connection, app: Litestar, *, agency: str = AGENCY, region: str = REGION
) -> str:
    """A supervisor of an agency in a region (workload, broker flags), with a full-scope token."""
    return await create_officer(db, app, agency=agency, region=region, role="supervisor")


async def create_region_admin(db: asyncpg.Connection, app: Litestar, *, region: str = REGION) -> str:
    """A region admin (admin mode: its catalogue, building, calendar, staff, kiosks), with a full-scope token."""
    return await full_staff_token(db, app, "region_admin", region=region)


async def create_national_admin(db: asyncpg.Connection, app: Litestar) -> str:
    """A national admin (national standards and every region), with a full-scope token."""
    return await full_staff_token(db, app, "national_admin")


async def create_document(
    client: httpx.AsyncClient,
    citizen: dict[str, Any],
    data: bytes | None = None,
    *,
    share: bool = False,
    agency: str = AGENCY,
    region: str = REGION,
    verified_by: str | None = None,
    **upload_fields: Any,
) -> dict[str, Any]:
    """A document uploaded to the citizen's wallet (a JPEG of its own unless ``data`` is given).

    ``share`` gives the agency of the region consent to use it; ``verified_by`` (an officer's token of that
    agency) also verifies it, and implies the consent. Returns the document as the last call answered it.
    A verification's attestation carries a hash of the holder's NIK: create such a citizen with a ``nik``.
    """
    # A colour of its own by default: the same bytes again would be the same document (the wallet dedupes).
    uploaded = await upload(client, citizen, data or jpeg(f"#{secrets.token_hex(3)}"), **upload_fields)
    assert uploaded.status_code == 201, uploaded.text
    document: dict[str, Any] = uploaded.json()
    if share or verified_by:
        consent = await client.post(
            f"/api/v1/wallet/documents/{document['id']}/consents",
            json={"agency": agency, "region": region, "purpose": "Permohonan KK baru"},
            headers=bearer(citizen),
        )
        assert consent.status_code == 201, consent.text
    if verified_by:
        verified = await client.post(
            f"/api/v1/officer/documents/{document['id']}/verify", json={"valid": True}, headers=bearer(verified_by)
        )
        assert verified.status_code == 200, verified.text
        document = verified.json()
    return document


# Decisions that take a submitted application to each status; "approved" is only reached through a review.
STEPS: dict[str, tuple[str, ...]] = {
    "submitted": (),
    "in_review": ("start_review",),
    "approved": ("start_review", "approve"),
}


async def create_application(
    client: httpx.AsyncClient,
    citizen: dict[str, Any],
    service: dict[str, Any] | None = None,
    *,
    status: Literal["submitted", "in_review", "approved"] = "submitted",
    officer: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An application of the citizen to ``service`` (Banyumas's kk-baru by default), submitted with valid
    answers and freshly uploaded documents; ``officer`` (a token of the service's agency) takes it on to
    ``status``. ``extra`` goes into the submission (e.g. ``forNik``). A citizen without a name or NIK gets
    them first (applying needs a complete profile). Returns the application as last answered.
    """
    await complete_profile(client, citizen)
    submitted = await apply(client, citizen, service or await kk_service(client), **extra)
    assert submitted.status_code == 201, submitted.text
    application: dict[str, Any] = submitted.json()
    assert officer or not STEPS[status], f"an officer's token is needed to take an application to {status}"
    for action in STEPS[status]:
        decided = await client.post(
            f"/api/v1/officer/applications/{application['id']}/decision",
            json={"action": action},
            headers=bearer(officer or ""),
        )
        assert decided.status_code == 200, decided.text
        application = decided.json()
    return application
