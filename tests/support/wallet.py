"""The wallet's upload call, as the PWA makes it (multipart: the file and the document type)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.auth import bearer


async def upload(
    client: httpx.AsyncClient,
    tokens: dict[str, Any],
    data: bytes,
    *,
    type_code: str = "KTP_EL",
    media_type: str = "image/jpeg",
    name: str = "ktp.jpg",
    **fields: str,
) -> httpx.Response:
    """POST /wallet/documents; the response is returned unchecked, for tests of refusals."""
    return await client.post(
        "/api/v1/wallet/documents",
        files={"file": (name, data, media_type)},
        data={"type": type_code, **fields},
        headers=bearer(tokens),
    )
