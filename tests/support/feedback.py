"""Helpers of the SKM survey's tests: the nine scores of an answer, and an application that ends in an invitation
(decided through the API by an officer, as it happens in production)."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from tests.support.auth import bearer
from tests.support.factories import create_application, create_citizen, create_officer
from tests.support.identity import random_nik

# The nine SKM elements as the wire names them (CONTRACT.md), in the regulation's order: written out here rather than
# taken from api.feedback.skm, so that a renamed element fails the tests instead of moving with them.
ELEMENTS = (
    "requirements",
    "procedure",
    "time",
    "cost",
    "product",
    "competence",
    "behaviour",
    "complaints",
    "facilities",
)


def scores(*values: int) -> dict[str, int]:
    picked = values or (4, 3, 3, 4, 3, 4, 4, 2, 3)
    return dict(zip(ELEMENTS, picked, strict=True))


async def decide(client: httpx.AsyncClient, officer: str, application: dict[str, Any], action: str) -> dict[str, Any]:
    body: dict[str, Any] = {"action": action}
    if action == "reject":
        body["reason"] = "Dokumen tidak sesuai persyaratan"
    response = await client.post(
        f"/api/v1/officer/applications/{application['id']}/decision", json=body, headers=bearer(officer)
    )
    assert response.status_code == 200, response.text
    decided: dict[str, Any] = response.json()
    return decided


async def completed_application(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, **citizen: Any
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A citizen's application, completed by a DISDUKCAPIL officer of Banyumas: (citizen, application, officer)."""
    person = await create_citizen(client, nik=random_nik(), **citizen)
    officer = await create_officer(db, app)
    application = await create_application(client, person, status="approved", officer=officer)
    application = await decide(client, officer, application, "complete")
    assert application["status"] == "completed"
    return person, application, officer
