"""Identities by proof (issue 14 items 1, 3, 4, 5), against the fake population registry in its own process.

For this module the app's registry is the fake registry process (``app.state.registry`` is swapped while the
module runs), so verification, the family card and a registry that fails go over a real socket.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from litestar import Litestar

from api.accounts.identity import nik_birth_date
from api.registry.service import RegistryAccess
from tests.fakes.registry import RegistryProcess
from tests.support.applications import apply, kk_service, service_id
from tests.support.auth import account_id, bearer, sign_in
from tests.support.factories import create_citizen, create_officer
from tests.support.identity import random_nik

FAMILY_CARD = "3302010101299001"  # a card of this module's own, not the demo's


@pytest.fixture(scope="module")
def registry() -> Iterator[RegistryProcess]:
    with RegistryProcess() as process:
        yield process


@pytest_asyncio.fixture(loop_scope="session")
async def app_with_registry(app: Litestar, registry: RegistryProcess) -> AsyncIterator[Litestar]:
    """The app asking the registry process (not the in-process fake) for the duration of one test."""
    before: RegistryAccess = app.state.registry
    gateway = registry.gateway()
    app.state.registry = RegistryAccess(gateway, secret=before.secret)
    try:
        yield app
    finally:
        app.state.registry = before
        await gateway.aclose()


def person(registry: RegistryProcess, name: str, *, nik: str | None = None, **card: Any) -> str:
    """A person the registry knows, with the birth date their NIK encodes; returns the NIK."""
    nik = nik or random_nik()
    registry.add_person(nik=nik, name=name, birth_date=nik_birth_date(nik)[0], **card)
    return nik


async def verify(client: httpx.AsyncClient, citizen: dict[str, Any], nik: str, name: str) -> httpx.Response:
    born = nik_birth_date(nik)[0].isoformat()
    return await client.post(
        "/api/v1/me/identity/verify", json={"nik": nik, "name": name, "birthDate": born}, headers=bearer(citizen)
    )


async def me(client: httpx.AsyncClient, citizen: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = (await client.get("/api/v1/me", headers=bearer(citizen))).json()
    return answer


async def trail(db: asyncpg.Connection, account: uuid.UUID) -> list[str]:
    return [r["action"] for r in await db.fetch("SELECT action FROM audit_event WHERE subject = $1", account)]


@pytest.mark.usefixtures("app_with_registry")
async def test_verification_binds_the_nik_and_raises_the_assurance(
    client: httpx.AsyncClient, registry: RegistryProcess
) -> None:
    nik = person(registry, "Rina Wati")
    citizen = await create_citizen(client, name="Rina Wati", nik=nik)
    assert (await me(client, citizen))["assurance"] == "phone"  # declared only

    wrong = await client.post(
        "/api/v1/me/identity/verify",
        json={"nik": nik, "name": "Rina Wati", "birthDate": "1970-01-01"},
        headers=bearer(citizen),
    )
    assert wrong.status_code == 200 and wrong.json() == {"verified": False, "assurance": "phone"}
    done = await verify(client, citizen, nik, "rina  wati")  # the registry ignores case and spaces
    assert done.status_code == 200 and done.json() == {"verified": True, "assurance": "registry"}
    profile = await me(client, citizen)
    assert profile["assurance"] == "registry" and profile["nik"] == nik
    # Changing the NIK afterwards leaves the proof behind: a proof is of one NIK.
    await client.patch("/api/v1/me", json={"nik": random_nik()}, headers=bearer(citizen))
    assert (await me(client, citizen))["assurance"] == "phone"


@pytest.mark.usefixtures("app_with_registry")
async def test_a_stranger_cannot_take_probe_or_use_a_nik(
    client: httpx.AsyncClient, db: asyncpg.Connection, registry: RegistryProcess
) -> None:
    owner_nik = person(registry, "Joko Santoso")
    owner = await create_citizen(client, name="Joko Santoso", nik=owner_nik)
    assert (await verify(client, owner, owner_nik, "Joko Santoso")).json()["verified"] is True

    stranger = await create_citizen(client, name="Orang Lain")
    control = await create_citizen(client, name="Orang Lain")
    free_nik = random_nik()
    # Declaring the NIK answers as declaring a free one does; the stranger gains nothing by it.
    taken = await client.patch("/api/v1/me", json={"nik": owner_nik}, headers=bearer(stranger))
    free = await client.patch("/api/v1/me", json={"nik": free_nik}, headers=bearer(control))
    assert taken.status_code == free.status_code == 200
    assert set(taken.json()) == set(free.json())
    assert taken.json()["nik"] == owner_nik and taken.json()["assurance"] == free.json()["assurance"] == "phone"
    # Probing by verification: the same answer for a NIK with a verified owner, a free one, and with the owner's
    # own data (the owner wins).
    probes = [
        await verify(client, stranger, owner_nik, "Orang Lain"),
        await verify(client, control, free_nik, "Orang Lain"),
        await verify(client, stranger, owner_nik, "Joko Santoso"),
    ]
    assert [p.status_code for p in probes] == [200, 200, 200]
    assert [p.json() for p in probes] == [{"verified": False, "assurance": "phone"}] * 3
    holder = await db.fetchval("SELECT id FROM accounts_account WHERE nik = $1", owner_nik)
    assert holder == account_id(owner)
    assert (await me(client, owner))["assurance"] == "registry"
    assert "identity.claim_refused" in await trail(db, account_id(owner))
    # Using it: not for a civil registration service, not for the owner's applications.
    service = await kk_service(client)
    refused = await apply(client, stranger, service)
    assert refused.status_code == 403 and refused.json()["code"] == "assurance_required"
    assert "Verify your identity" in refused.json()["detail"]
    for_owner = await apply(client, stranger, service, forNik=owner_nik)
    assert for_owner.status_code == 403


@pytest.mark.usefixtures("app_with_registry")
async def test_a_proof_takes_the_nik_from_a_holder_that_only_declared_it(
    client: httpx.AsyncClient, db: asyncpg.Connection, registry: RegistryProcess
) -> None:
    nik = person(registry, "Dewi Lestari")
    squatter = await create_citizen(client, name="Penyerobot", nik=nik)  # free: declared at once
    owner = await create_citizen(client, name="Dewi Lestari", nik=nik)  # held: kept as the owner's claim
    assert (await me(client, owner))["nik"] == nik
    assert (await verify(client, owner, nik, "Dewi Lestari")).json() == {"verified": True, "assurance": "registry"}

    assert await db.fetchval("SELECT id FROM accounts_account WHERE nik = $1", nik) == account_id(owner)
    left = await me(client, squatter)
    assert left.get("nik") is None and left["name"] == "Penyerobot"  # only the NIK went
    told = await db.fetchval(
        "SELECT count(*) FROM outbox_message WHERE topic = 'account.nik_released' AND recipient = $1",
        account_id(squatter),
    )
    assert told == 1
    assert "account.nik_released" in await trail(db, account_id(squatter))
    # The delivery worker (in-process here) puts it in the in-app inbox, in the holder's language.
    for _ in range(50):
        inbox = (await client.get("/api/v1/notifications", headers=bearer(squatter))).json()
        if inbox["items"]:
            break
        await asyncio.sleep(0.1)
    assert "dihapus dari akun Anda" in inbox["items"][0]["body"]


@pytest.mark.usefixtures("app_with_registry")
async def test_assurance_is_declared_by_services_refused_below_and_shown_to_officers(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, registry: RegistryProcess
) -> None:
    kk = await kk_service(client)
    assert kk["assurance"] == "registry"
    pbb = (await client.get(f"/api/v1/services/{await service_id(client, 'pbb-pembetulan-sppt')}")).json()
    assert pbb["assurance"] == "phone"

    nik = person(registry, "Agus Salim")
    citizen = await create_citizen(client, name="Agus Salim", nik=nik)
    before = await apply(client, citizen, kk)
    assert before.status_code == 403, before.text
    problem = before.json()
    assert problem["code"] == "assurance_required" and "registry" in problem["detail"]
    assert (await client.get("/api/v1/applications", headers=bearer(citizen))).json()["total"] == 0
    assert (await apply(client, citizen, pbb)).status_code == 201  # a phone number is enough there

    await verify(client, citizen, nik, "Agus Salim")
    made = await apply(client, citizen, kk)
    assert made.status_code == 201, made.text
    clerk = await create_officer(db, app)
    seen = await client.get(f"/api/v1/officer/applications/{made.json()['id']}", headers=bearer(clerk))
    assert seen.json()["applicantAssurance"] == "registry"
    assert "applicantAssurance" not in made.json()  # the citizen's own view does not carry it


@pytest.mark.usefixtures("app_with_registry")
async def test_a_parent_on_the_childs_card_gets_an_active_mandate_and_a_stranger_does_not(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, registry: RegistryProcess
) -> None:
    card = f"33020101{uuid.uuid4().int % 10**8:08d}"
    born = dt.date.today().replace(year=dt.date.today().year - 6)
    child_nik = person(
        registry, "Bima", nik=f"330201{born:%d%m%y}{uuid.uuid4().int % 9000 + 1000}", kk=card, relationship="ANAK"
    )
    parent_nik = person(registry, "Wulan Sari", kk=card, relationship="KEPALA KELUARGA")
    stranger_nik = person(registry, "Bukan Orang Tua")
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()

    async def mandate_for_child(citizen: dict[str, Any]) -> dict[str, Any]:
        member = await client.post(
            "/api/v1/me/family", json={"nik": child_nik, "name": "Bima", "relation": "child"}, headers=bearer(citizen)
        )
        assert member.status_code == 201, member.text
        made = await client.post(
            "/api/v1/me/mandates",
            json={"memberId": member.json()["id"], "services": ["*"], "validUntil": until},
            headers=bearer(citizen),
        )
        assert made.status_code == 201, made.text
        answer: dict[str, Any] = made.json()
        return answer

    parent = await create_citizen(client, name="Wulan Sari", nik=parent_nik, kk=card)
    await verify(client, parent, parent_nik, "Wulan Sari")
    active = await mandate_for_child(parent)
    assert active["status"] == "active" and active["proof"] == "registry_kk"
    assert (await apply(client, parent, await kk_service(client), forNik=child_nik)).status_code == 201

    # A stranger, verified as themselves, declaring the same card: no fact lists them, so an officer decides.
    stranger = await create_citizen(client, name="Bukan Orang Tua", nik=stranger_nik, kk=card)
    await verify(client, stranger, stranger_nik, "Bukan Orang Tua")
    waiting = await mandate_for_child(stranger)
    assert waiting["status"] == "review"
    assert (await apply(client, stranger, await kk_service(client), forNik=child_nik)).status_code == 403

    other_agency = await create_officer(db, app, agency="DPMPTSP")
    assert (await client.get("/api/v1/officer/mandates", headers=bearer(other_agency))).status_code == 403
    # Disdukcapil of another regency: the card is not theirs to compare with (not listed, not decidable).
    elsewhere = await create_officer(db, app, region="3510")
    assert waiting["id"] not in [
        m["id"] for m in (await client.get("/api/v1/officer/mandates", headers=bearer(elsewhere))).json()["items"]
    ]
    foreign = await client.post(
        f"/api/v1/officer/mandates/{waiting['id']}/review", json={"approve": True}, headers=bearer(elsewhere)
    )
    assert foreign.status_code == 404
    clerk = await create_officer(db, app)
    queue = (await client.get("/api/v1/officer/mandates", headers=bearer(clerk))).json()
    assert waiting["id"] in [m["id"] for m in queue["items"]]
    assert all("*" in m["memberNik"] for m in queue["items"])
    no_reason = await client.post(
        f"/api/v1/officer/mandates/{waiting['id']}/review", json={"approve": False}, headers=bearer(clerk)
    )
    assert no_reason.status_code == 422
    refused = await client.post(
        f"/api/v1/officer/mandates/{waiting['id']}/review",
        json={"approve": False, "reason": "Tidak tercantum di KK anak."},
        headers=bearer(clerk),
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    again = await client.post(
        f"/api/v1/officer/mandates/{waiting['id']}/review", json={"approve": True}, headers=bearer(clerk)
    )
    assert again.status_code == 409
    mine = (await client.get("/api/v1/me/mandates", headers=bearer(stranger))).json()["items"]
    assert [(m["status"], m["reviewReason"]) for m in mine] == [("refused", "Tidak tercantum di KK anak.")]
    assert "mandate.reviewed" in await trail(db, account_id(stranger))
    # The parent is told the outcome (push, in-app), without the child's name.
    told = await db.fetch(
        "SELECT payload FROM outbox_message WHERE topic = 'mandate.reviewed' AND recipient = $1",
        account_id(stranger),
    )
    assert [json.loads(m["payload"]) for m in told] == [{"mandate": waiting["id"], "approved": False}]

    # A parent whose own NIK is not proven waits for an officer too, who may approve after seeing the KK.
    unproven = await create_citizen(client, name="Wulan Sari", kk=card)
    review = await mandate_for_child(unproven)
    assert review["status"] == "review"
    approved = await client.post(
        f"/api/v1/officer/mandates/{review['id']}/review", json={"approve": True}, headers=bearer(clerk)
    )
    assert approved.json()["status"] == "active"


@pytest.mark.usefixtures("app_with_registry")
async def test_every_use_of_a_mandate_is_in_both_trails(
    client: httpx.AsyncClient, db: asyncpg.Connection, registry: RegistryProcess
) -> None:
    card = f"33020101{uuid.uuid4().int % 10**8:08d}"
    holder_nik = person(registry, "Anak Sulung", kk=card)
    elder_nik = f"3302014306{uuid.uuid4().int % 90 + 10:02d}{uuid.uuid4().int % 9000 + 1000}"
    person(registry, "Ibu Sepuh", nik=elder_nik, kk=card, relationship="ORANG TUA")
    holder = await create_citizen(client, name="Anak Sulung", nik=holder_nik, kk=card)
    await verify(client, holder, holder_nik, "Anak Sulung")
    elder = await create_citizen(client, name="Ibu Sepuh", nik=elder_nik, kk=card)
    member = await client.post(
        "/api/v1/me/family", json={"nik": elder_nik, "name": "Ibu Sepuh", "relation": "parent"}, headers=bearer(holder)
    )
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    mandate = await client.post(
        "/api/v1/me/mandates",
        json={"memberId": member.json()["id"], "services": ["*"], "validUntil": until},
        headers=bearer(holder),
    )
    assert mandate.json()["status"] == "pending"  # an adult consents in their own account
    accepted = await client.post(f"/api/v1/me/mandates/{mandate.json()['id']}/accept", headers=bearer(elder))
    assert accepted.json()["status"] == "active" and accepted.json()["proof"] == "consent"

    made = await apply(client, holder, await kk_service(client), forNik=elder_nik)
    assert made.status_code == 201, made.text
    for side in (holder, elder):
        uses = await db.fetch(
            "SELECT actor, detail FROM audit_event WHERE subject = $1 AND action = 'mandate.used'", account_id(side)
        )
        assert [(u["actor"], made.json()["id"] in u["detail"]) for u in uses] == [(account_id(holder), True)]


@pytest.mark.usefixtures("app_with_registry")
async def test_the_in_person_check_at_the_counter(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, registry: RegistryProcess
) -> None:
    nik = random_nik()
    citizen = await create_citizen(client, name="Sri Rahayu", nik=nik)
    clerk = await create_officer(db, app)
    found = await client.get(
        "/api/v1/officer/identity/accounts", params={"phone": citizen["phone"]}, headers=bearer(clerk)
    )
    assert found.status_code == 200, found.text
    card = found.json()
    assert card["name"] == "Sri Rahayu" and card["nik"] == nik[:4] + "********" + nik[-4:]
    assert card["birthDate"] == nik_birth_date(nik)[0].isoformat() and card["assurance"] == "phone"
    assert "identity.looked_up" in await trail(db, account_id(citizen))

    mismatch = await client.post(
        f"/api/v1/officer/identity/accounts/{card['account']}/in-person", json={"matches": False}, headers=bearer(clerk)
    )
    assert mismatch.status_code == 201 and mismatch.json()["assurance"] == "phone"
    checked = await client.post(
        f"/api/v1/officer/identity/accounts/{card['account']}/in-person", json={"matches": True}, headers=bearer(clerk)
    )
    assert checked.status_code == 201 and checked.json()["assurance"] == "in_person" and checked.json()["checkedAt"]
    assert (await me(client, citizen))["assurance"] == "in_person"
    proof = await db.fetchrow(
        """SELECT p.officer, g.code, p.region FROM accounts_identity_proof p JOIN catalogue_agency g ON g.id = p.agency
           WHERE p.account = $1 AND p.method = 'in_person'""",
        account_id(citizen),
    )
    officer = account_id({"accessToken": clerk})
    assert (proof["officer"], proof["code"], proof["region"]) == (officer, "DISDUKCAPIL", "3302")

    # By application number; an in-person level satisfies a registry service.
    made = await apply(client, citizen, await kk_service(client))
    assert made.status_code == 201, made.text
    by_number = await client.get(
        "/api/v1/officer/identity/accounts", params={"application": made.json()["number"]}, headers=bearer(clerk)
    )
    assert by_number.json()["account"] == card["account"]
    # Nothing to compare without a NIK; neither or both look-ups are refused.
    bare = await sign_in(client)
    assert (
        await client.post(
            f"/api/v1/officer/identity/accounts/{account_id(bare)}/in-person",
            json={"matches": True},
            headers=bearer(clerk),
        )
    ).json()["code"] == "nik_missing"
    assert (await client.get("/api/v1/officer/identity/accounts", headers=bearer(clerk))).status_code == 400
    # An application number that does not exist is not found.
    missing = await client.get(
        "/api/v1/officer/identity/accounts", params={"application": "3302-0000-999999"}, headers=bearer(clerk)
    )
    assert missing.status_code == 404


@pytest.mark.usefixtures("app_with_registry")
async def test_a_registry_that_does_not_answer_binds_nothing(
    client: httpx.AsyncClient, registry: RegistryProcess
) -> None:
    nik = person(registry, "Tono Sabar")
    citizen = await create_citizen(client, name="Tono Sabar", nik=nik)
    registry.behave(fail_status=503)
    try:
        down = await verify(client, citizen, nik, "Tono Sabar")
    finally:
        registry.behave()
    assert down.status_code == 503 and down.headers["retry-after"]
    assert (await me(client, citizen))["assurance"] == "phone"


@pytest.mark.usefixtures("app_with_registry")
async def test_the_counter_check_binds_a_claimed_nik_unless_another_account_proved_it(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, registry: RegistryProcess
) -> None:
    clerk = await create_officer(db, app)
    nik = random_nik()
    declared = await create_citizen(client, name="Penyerobot", nik=nik)
    owner = await create_citizen(client, name="Pemilik Asli", nik=nik)  # a claim: the NIK is held
    checked = await client.post(
        f"/api/v1/officer/identity/accounts/{account_id(owner)}/in-person",
        json={"matches": True},
        headers=bearer(clerk),
    )
    assert checked.status_code == 201 and checked.json()["assurance"] == "in_person", checked.text
    assert await db.fetchval("SELECT id FROM accounts_account WHERE nik = $1", nik) == account_id(owner)
    assert (await me(client, declared)).get("nik") is None

    # Proven elsewhere: two people showing proof for one NIK is Disdukcapil's case, and the officer is told.
    proven_nik = person(registry, "Sudah Terbukti")
    proven = await create_citizen(client, name="Sudah Terbukti", nik=proven_nik)
    assert (await verify(client, proven, proven_nik, "Sudah Terbukti")).json()["verified"] is True
    claimant = await create_citizen(client, name="Penuntut", nik=proven_nik)
    refused = await client.post(
        f"/api/v1/officer/identity/accounts/{account_id(claimant)}/in-person",
        json={"matches": True},
        headers=bearer(clerk),
    )
    assert refused.status_code == 409 and refused.json()["code"] == "nik_proven_elsewhere"
    assert await db.fetchval("SELECT id FROM accounts_account WHERE nik = $1", proven_nik) == account_id(proven)
