"""Applying through the API: the demo catalogue's services, valid answers for any form, the documents a
service requires, and the submission itself (with its idempotency key)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.support.auth import bearer
from tests.support.files import jpeg
from tests.support.wallet import upload

REGION = "3302"  # Kabupaten Banyumas: the demo catalogue's DISDUKCAPIL serves "kk-baru" there


def idempotency_key() -> dict[str, str]:
    """A fresh Idempotency-Key header: submissions without one are refused."""
    return {"Idempotency-Key": uuid.uuid4().hex}


async def service_id(client: httpx.AsyncClient, code: str, region: str = REGION) -> str:
    found = (await client.get("/api/v1/services", params={"region": region, "pageSize": 100, "q": code})).json()
    return next(i["id"] for i in found["items"] if i["code"] == code)


async def kk_service(client: httpx.AsyncClient) -> dict[str, Any]:
    """The demo "kk-baru" (new family card) service of Banyumas, as GET /services/{id} gives it."""
    sid = await service_id(client, "kk-baru")
    return dict((await client.get(f"/api/v1/services/{sid}")).json())


def answers_for(service: dict[str, Any]) -> dict[str, Any]:
    """Valid answers for any form definition."""
    sample: dict[str, Any] = {}
    for field in service["form"]:
        kind = field["type"]
        if kind == "select":
            sample[field["name"]] = field["options"][0]["value"]
        elif kind == "number":
            sample[field["name"]] = field.get("min") or 1
        elif kind == "date":
            sample[field["name"]] = "2020-01-15"
        elif kind == "nik":
            sample[field["name"]] = "3302011708900001"
        elif kind == "phone":
            sample[field["name"]] = "081234567890"
        elif kind == "email":
            sample[field["name"]] = "warga@example.id"
        elif kind == "address":
            sample[field["name"]] = {
                "street": "Jl. Merdeka 1",
                "village": "Sokanegara",
                "district": "Purwokerto Timur",
                "regency": "Banyumas",
                "province": "Jawa Tengah",
            }
        else:
            sample[field["name"]] = "Budi Santoso"
    return sample


async def documents_for(client: httpx.AsyncClient, citizen: dict[str, Any], service: dict[str, Any]) -> list[str]:
    """Upload one document for each required item of the service; returns their ids.

    Each upload has content of its own: the same bytes again would be the same document (the wallet dedupes).
    """
    ids = []
    for i, requirement in enumerate(r for r in service["requirements"] if not r.get("optional")):
        fmt = "jpeg" if "jpeg" in requirement["formats"] else requirement["formats"][0]
        assert fmt == "jpeg" or "jpeg" in requirement["formats"], requirement
        doc = await upload(
            client, citizen, jpeg(f"#{(i * 40 + 20):02x}{uuid.uuid4().hex[:4]}"), type_code=requirement["code"]
        )
        assert doc.status_code == 201, doc.text
        ids.append(doc.json()["id"])
    return ids


async def apply(
    client: httpx.AsyncClient, citizen: dict[str, Any], service: dict[str, Any], **extra: Any
) -> httpx.Response:
    """Submit valid answers with freshly uploaded documents; the response is returned unchecked."""
    body = {
        "serviceId": service["id"],
        "answers": answers_for(service),
        "documentIds": await documents_for(client, citizen, service),
        **extra,
    }
    return await client.post("/api/v1/applications", json=body, headers={**bearer(citizen), **idempotency_key()})
