"""Units only one test uses, for the open data, public page and evidence tests: a new local service of Banyumas
(published by its region admin through admin mode), with some applications submitted — and decided — through the
API, then the figures caught up (``api.stats.consumer.catch_up``)."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from tests.support.factories import create_application, create_citizen, create_officer, create_region_admin
from tests.support.identity import random_nik
from tests.support.standards import local_content, made_up_word, publish_new
from tests.support.stats import caught_up as caught_up  # the tests of open data wait on it too


async def new_service(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> dict[str, Any]:
    """A service of DISDUKCAPIL Banyumas that no other test knows, as GET /services/{id} gives it."""
    admin = await create_region_admin(db, app)
    published = await publish_new(client, admin, local_content(made_up_word()))
    response = await client.get(f"/api/v1/services/{published['serviceId']}")
    assert response.status_code == 200, response.text
    service: dict[str, Any] = response.json()
    return service


async def service_with_applications(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, *, submitted: int, approved: int = 0
) -> dict[str, Any]:
    """A new service with ``submitted`` applications left submitted and ``approved`` more approved by an officer,
    each by a citizen of their own; the figures are caught up afterwards."""
    service = await new_service(client, db, app)
    officer = await create_officer(db, app)
    for status in ["submitted"] * submitted + ["approved"] * approved:
        citizen = await create_citizen(client, nik=random_nik())
        await create_application(client, citizen, service, status=status, officer=officer)  # type: ignore[arg-type]
    await caught_up(db)
    return service
