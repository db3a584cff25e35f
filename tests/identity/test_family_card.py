"""An officer-verified family card (KK) in the parent's wallet is a fact for parental mandates (issue 14 item 4).

The officer who verifies a KK document records the NIKs printed on it (``listedNiks``). A parent whose own NIK
is proven and who is on that card then holds an active mandate over a minor child on it — one waiting for an
officer becomes active at the verification, a later one at once — without a separate review. The registry in
these tests (the app's in-process fake) lists none of these people on a card: the wallet is the only fact.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from tests.support.auth import account_id, bearer
from tests.support.factories import create_citizen, create_document, create_officer
from tests.support.identity import random_nik


def minor_nik() -> str:
    """A Banyumas NIK of a six-year-old, different on each call."""
    born = dt.date.today().replace(year=dt.date.today().year - 6, day=secrets.randbelow(28) + 1)
    return f"330201{born:%d%m%y}{secrets.randbelow(9000) + 1000}"


async def add_child(client: httpx.AsyncClient, parent: dict[str, Any], nik: str, name: str) -> dict[str, Any]:
    """Link a child and ask for the parental mandate; the mandate as the API answered it."""
    member = await client.post(
        "/api/v1/me/family", json={"nik": nik, "name": name, "relation": "child"}, headers=bearer(parent)
    )
    assert member.status_code == 201, member.text
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=300)).isoformat()
    made = await client.post(
        "/api/v1/me/mandates",
        json={"memberId": member.json()["id"], "services": ["*"], "validUntil": until},
        headers=bearer(parent),
    )
    assert made.status_code == 201, made.text
    answer: dict[str, Any] = made.json()
    return answer


async def verify_card(client: httpx.AsyncClient, officer: str, document: str, niks: list[str]) -> httpx.Response:
    return await client.post(
        f"/api/v1/officer/documents/{document}/verify",
        json={"valid": True, "listedNiks": niks},
        headers=bearer(officer),
    )


async def test_a_verified_family_card_in_the_wallet_activates_the_parental_mandate(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    card = f"33020101{uuid.uuid4().int % 10**8:08d}"
    parent_nik, first, second, outsider = random_nik(), minor_nik(), minor_nik(), minor_nik()
    parent = await create_citizen(client, name="Rina Lestari", nik=parent_nik, kk=card, verified=True)
    officer = await create_officer(db, app)

    waiting = await add_child(client, parent, first, "Dimas")
    assert waiting["status"] == "review"  # no card yet: the registry lists none of them

    kk = await create_document(client, parent, type_code="KK", name="kk.jpg", share=True)
    verified = await verify_card(client, officer, kk["id"], [parent_nik, first, second])
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "verified"

    mine = {m["id"]: m for m in (await client.get("/api/v1/me/mandates", headers=bearer(parent))).json()["items"]}
    assert (mine[waiting["id"]]["status"], mine[waiting["id"]]["proof"]) == ("active", "officer")
    assert waiting["id"] not in [
        m["id"] for m in (await client.get("/api/v1/officer/mandates", headers=bearer(officer))).json()["items"]
    ]
    reviewed = await db.fetch(
        "SELECT actor, detail FROM audit_event WHERE subject = $1 AND action = 'mandate.reviewed'", account_id(parent)
    )
    assert [(r["detail"].count(kk["id"]) == 1, r["actor"] is not None) for r in reviewed] == [(True, True)]

    # A child the card lists, added afterwards: active at once. One it does not list: an officer decides.
    later = await add_child(client, parent, second, "Sekar")
    assert (later["status"], later["proof"]) == ("active", "officer")
    stranger_child = await add_child(client, parent, outsider, "Bukan Anak")
    assert stranger_child["status"] == "review"


async def test_a_card_proves_nothing_for_an_unproven_parent_and_only_a_card_lists_niks(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    card = f"33020101{uuid.uuid4().int % 10**8:08d}"
    declared_nik, child = random_nik(), minor_nik()
    # Only declared: a card with this NIK on it could be anyone's photo of someone else's card.
    unproven = await create_citizen(client, name="Tanpa Bukti", nik=declared_nik, kk=card)
    officer = await create_officer(db, app)
    waiting = await add_child(client, unproven, child, "Anak")
    kk = await create_document(client, unproven, type_code="KK", name="kk.jpg", share=True)
    assert (await verify_card(client, officer, kk["id"], [declared_nik, child])).status_code == 200
    mine = (await client.get("/api/v1/me/mandates", headers=bearer(unproven))).json()["items"]
    assert [(m["id"], m["status"]) for m in mine] == [(waiting["id"], "review")]
    assert (await add_child(client, unproven, minor_nik(), "Anak Kedua"))["status"] == "review"

    # NIKs are recorded only when verifying a family card: not on another type, not on a rejection.
    ktp = await create_document(client, unproven, share=True)
    assert (await verify_card(client, officer, ktp["id"], [declared_nik])).status_code == 422
    other_kk = await create_document(client, unproven, type_code="KK", name="kk2.jpg", share=True)
    rejected = await client.post(
        f"/api/v1/officer/documents/{other_kk['id']}/verify",
        json={"valid": False, "reason": "Buram", "listedNiks": [declared_nik]},
        headers=bearer(officer),
    )
    assert rejected.status_code == 422
    after = (await client.get(f"/api/v1/wallet/documents/{other_kk['id']}", headers=bearer(unproven))).json()
    assert after["status"] == "uploaded"  # nothing was decided
