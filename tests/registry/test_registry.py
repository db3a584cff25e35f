"""The population registry gateway against the fake registry in its own process, and the checks built on it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar, post

from api.accounts.identity import nik_birth_date
from api.audit.service import mask_nik
from api.auth.ratelimit import RateLimitedError
from api.config import Settings, SettingsError
from api.lib.errors import EXCEPTION_HANDLERS, PROBLEM_JSON
from api.registry.fake import FakeRegistry
from api.registry.fake import Person as FakePerson
from api.registry.service import (
    HttpRegistry,
    InvalidRegistryQueryError,
    RegistryUnavailableError,
    check_family,
    check_identity,
    nik_hash,
    registry_for,
)
from tests.fakes.registry import RegistryProcess, in_process
from tests.support.auth import account_id
from tests.support.factories import create_citizen
from tests.support.identity import random_nik
from tests.support.server import free_port

SECRET = b"registry-test-secret"
Person = tuple[str, str, dt.date]
# The demo registry's first family (api/registry/demo_registry.yaml).
BUDI = ("3302011708900001", "Budi Santoso", dt.date(1990, 8, 17))
SITI = "3302015708900002"
RIZKY, AYU = "3302010503150003", "3302014912180004"  # their children, born 2015 and 2018
AHMAD, SUMIATI = "3302010204850008", "3302014306580010"  # a head of family and his mother (ORANG TUA)


@pytest.fixture(scope="module")
def registry() -> Iterator[RegistryProcess]:
    with RegistryProcess() as process:
        yield process


@pytest.fixture
async def gateway(registry: RegistryProcess) -> AsyncIterator[HttpRegistry]:
    client = registry.gateway()
    try:
        yield client
    finally:
        await client.aclose()
        registry.behave()  # a test that slowed or broke the registry leaves it working


@pytest.fixture
async def account(client: httpx.AsyncClient) -> uuid.UUID:
    return account_id(await create_citizen(client))


def new_person(registry: RegistryProcess | FakeRegistry, name: str = "Budi  Santoso") -> Person:
    """A person only this test knows: attempts are limited per NIK for the whole session's database."""
    nik = random_nik()
    born, _ = nik_birth_date(nik)
    if isinstance(registry, FakeRegistry):
        registry.add(FakePerson(nik=nik, name=name, birth_date=born))
    else:
        registry.add_person(nik=nik, name=name, birth_date=born)
    return nik, name, born


async def fact(db: asyncpg.Connection, check: uuid.UUID) -> dict[str, Any]:
    row = await db.fetchrow("SELECT * FROM registry_check WHERE id = $1", check)
    assert row is not None
    return dict(row)


async def audit_events(db: asyncpg.Connection, account: uuid.UUID) -> list[dict[str, Any]]:
    rows = await db.fetch(
        "SELECT action, detail, ip FROM audit_event WHERE subject = $1 AND action LIKE 'registry.%' ORDER BY id",
        account,
    )
    return [{"action": r["action"], "detail": json.loads(r["detail"]), "ip": r["ip"]} for r in rows]


async def test_a_match_is_stored_as_a_fact_and_audited_without_the_nik(
    db: asyncpg.Connection, gateway: HttpRegistry, account: uuid.UUID
) -> None:
    nik, _name, born = BUDI
    # The registry compares names: case and spacing do not matter.
    check = await check_identity(
        db, gateway, secret=SECRET, account=account, nik=nik, name="  budi   SANTOSO ", birth_date=born, ip="10.1.2.3"
    )
    assert check.verified and check.match.all
    assert check.match.fields() == {"nik": True, "name": True, "birthDate": True}

    stored = await fact(db, check.id)
    assert stored["account"] == account and stored["kind"] == "identity" and stored["verified"] is True
    assert json.loads(stored["matched"]) == {"nik": True, "name": True, "birthDate": True}
    assert stored["nik_masked"] == "3302********0001"
    assert stored["nik_hash"] == nik_hash(SECRET, nik) and nik not in stored["nik_hash"]
    assert stored["channel"] == "app" and stored["checked_at"] == check.checked_at
    # A fact, not a copy: nothing of the registry's record (nor the full NIK) is in the row.
    row_text = " ".join(str(v) for v in stored.values())
    assert nik not in row_text and "Santoso" not in row_text and "1990-08-17" not in row_text

    [event] = await audit_events(db, account)
    assert event["action"] == "registry.identity_checked" and event["ip"] == "10.1.2.3"
    assert event["detail"]["nik"] == "3302********0001"
    assert event["detail"]["verified"] is True and event["detail"]["check"] == str(check.id)
    assert nik not in json.dumps(event)


async def test_no_match_is_an_answer_not_an_error(
    db: asyncpg.Connection, registry: RegistryProcess, gateway: HttpRegistry, account: uuid.UUID
) -> None:
    nik, name, born = new_person(registry)
    wrong_date = await check_identity(
        db, gateway, secret=SECRET, account=account, nik=nik, name=name, birth_date=born + dt.timedelta(days=1)
    )
    assert not wrong_date.verified
    assert wrong_date.match.fields() == {"nik": True, "name": True, "birthDate": False}

    stranger = await check_identity(
        db, gateway, secret=SECRET, account=account, nik=random_nik(), name="Siapa Saja", birth_date=born
    )
    assert stranger.match.fields() == {"nik": False, "name": False, "birthDate": False}
    for check in (wrong_date, stranger):
        assert (await fact(db, check.id))["verified"] is False
    assert [e["detail"]["verified"] for e in await audit_events(db, account)] == [False, False]


async def test_a_registry_that_is_down_answers_503_with_retry_after(db: asyncpg.Connection, account: uuid.UUID) -> None:
    nothing_listens = HttpRegistry(f"http://127.0.0.1:{free_port()}", client_id="x", secret="y", timeout=2)
    nik, name, born = random_nik(), "Budi", dt.date(1990, 8, 17)
    with pytest.raises(RegistryUnavailableError) as refused:
        await check_identity(db, nothing_listens, secret=SECRET, account=account, nik=nik, name=name, birth_date=born)
    await nothing_listens.aclose()

    # What a route calling it answers: problem+json, 503, Retry-After.
    @post("/check", sync_to_thread=False)
    def route() -> None:
        raise refused.value

    app = Litestar([route], exception_handlers=EXCEPTION_HANDLERS)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
        response = await client.post("/check")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.headers["retry-after"] == "30"
    assert response.json()["code"] == "registry_unavailable"

    # The attempt is audited; there is no answer, so no fact.
    [event] = await audit_events(db, account)
    assert event["detail"] == {"nik": mask_nik(nik), "channel": "app", "outcome": "unavailable"}
    assert await db.fetchval("SELECT count(*) FROM registry_check WHERE account = $1", account) == 0


async def test_a_failing_registry_passes_on_its_retry_after(
    db: asyncpg.Connection, registry: RegistryProcess, gateway: HttpRegistry, account: uuid.UUID
) -> None:
    registry.behave(fail_status=503)
    nik, name, born = new_person(registry)
    with pytest.raises(RegistryUnavailableError) as refused:
        await check_identity(db, gateway, secret=SECRET, account=account, nik=nik, name=name, birth_date=born)
    assert refused.value.status == 503 and refused.value.headers == {"Retry-After": "7"}


async def test_a_slow_registry_times_out_as_unavailable(
    db: asyncpg.Connection, registry: RegistryProcess, account: uuid.UUID
) -> None:
    impatient = registry.gateway(timeout=0.5)
    nik, name, born = new_person(registry)
    registry.behave(delay_seconds=3)
    started = time.monotonic()
    try:
        with pytest.raises(RegistryUnavailableError):
            await check_identity(db, impatient, secret=SECRET, account=account, nik=nik, name=name, birth_date=born)
    finally:
        registry.behave()
        await impatient.aclose()
    assert time.monotonic() - started < 2.5, "the citizen is not kept waiting for the registry"


async def test_bad_credentials_are_logged_for_the_operator_and_503_for_the_citizen(
    db: asyncpg.Connection, registry: RegistryProcess, account: uuid.UUID, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = registry.gateway(secret="not-the-secret")
    nik, name, born = new_person(registry)
    with caplog.at_level(logging.ERROR, logger="api.registry"), pytest.raises(RegistryUnavailableError):
        await check_identity(db, wrong, secret=SECRET, account=account, nik=nik, name=name, birth_date=born)
    await wrong.aclose()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("refused our client credentials" in message for message in errors), errors
    assert not any("not-the-secret" in message or nik in message for message in errors)


async def test_a_revoked_token_is_renewed_once(
    db: asyncpg.Connection, registry: RegistryProcess, gateway: HttpRegistry, account: uuid.UUID
) -> None:
    nik, name, born = new_person(registry)
    assert (
        await check_identity(db, gateway, secret=SECRET, account=account, nik=nik, name=name, birth_date=born)
    ).verified
    registry.revoke_tokens()
    assert (
        await check_identity(db, gateway, secret=SECRET, account=account, nik=nik, name=name, birth_date=born)
    ).verified


async def test_attempts_are_limited_per_account(db: asyncpg.Connection, account: uuid.UUID) -> None:
    gateway, fake = in_process()
    nik, name, born = new_person(fake)
    for _ in range(5):
        await check_identity(db, gateway, secret=SECRET, account=account, nik=nik, name="Salah", birth_date=born)
    with pytest.raises(RateLimitedError) as refused:
        await check_identity(db, gateway, secret=SECRET, account=account, nik=nik, name=name, birth_date=born)
    await gateway.aclose()
    assert refused.value.status == 429 and int(refused.value.headers["Retry-After"]) > 0  # type: ignore[index]
    assert len(fake.calls) == 5, "a refused attempt never reaches the registry"


async def test_attempts_are_limited_per_nik_across_accounts(db: asyncpg.Connection, client: httpx.AsyncClient) -> None:
    """Many accounts together cannot probe one person either."""
    gateway, fake = in_process()
    nik = random_nik()
    accounts = [account_id(await create_citizen(client)) for _ in range(3)]
    for account in accounts[:2]:
        for _ in range(5):
            await check_identity(
                db, gateway, secret=SECRET, account=account, nik=nik, name="X", birth_date=dt.date(1990, 8, 1)
            )
    with pytest.raises(RateLimitedError):
        await check_identity(
            db, gateway, secret=SECRET, account=accounts[2], nik=nik, name="X", birth_date=dt.date(1990, 8, 1)
        )
    # The third account's own budget is untouched for another NIK.
    other = await check_identity(
        db, gateway, secret=SECRET, account=accounts[2], nik=random_nik(), name="X", birth_date=dt.date(1990, 8, 1)
    )
    await gateway.aclose()
    assert not other.verified and len(fake.calls) == 11


async def test_digits_that_are_not_ascii_never_reach_the_registry(db: asyncpg.Connection, account: uuid.UUID) -> None:
    gateway, fake = in_process()
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in BUDI[0])
    with pytest.raises(InvalidRegistryQueryError):
        await check_identity(
            db, gateway, secret=SECRET, account=account, nik=fullwidth, name=BUDI[1], birth_date=BUDI[2]
        )
    await gateway.aclose()
    assert fake.calls == [] and await audit_events(db, account) == []


async def test_a_parent_and_a_minor_child_on_one_card(
    db: asyncpg.Connection, gateway: HttpRegistry, account: uuid.UUID
) -> None:
    for parent, child in ((SITI, RIZKY), (BUDI[0], AYU)):
        check = await check_family(db, gateway, secret=SECRET, account=account, parent_nik=parent, child_nik=child)
        assert check.verified and check.parent_of_child and check.child_minor
    stored = await fact(db, check.id)
    assert stored["kind"] == "family" and stored["verified"] is True
    assert stored["nik_masked"] == "3302********0001" and stored["related_nik_masked"] == "3302********0004"
    assert json.loads(stored["matched"]) == {
        "parentListed": True,
        "childListed": True,
        "parentOfChild": True,
        "childMinor": True,
    }
    events = await audit_events(db, account)
    assert [e["action"] for e in events] == ["registry.family_checked"] * 2
    assert AYU not in json.dumps(events) and events[-1]["detail"]["childNik"] == "3302********0004"


async def test_a_stranger_an_adult_child_or_another_relative_is_not_verified(
    db: asyncpg.Connection, registry: RegistryProcess, gateway: HttpRegistry, account: uuid.UUID
) -> None:
    stranger = await check_family(db, gateway, secret=SECRET, account=account, parent_nik=random_nik(), child_nik=RIZKY)
    assert (stranger.parent_listed, stranger.child_listed, stranger.verified) == (False, True, False)

    unknown_child = await check_family(
        db, gateway, secret=SECRET, account=account, parent_nik=SITI, child_nik=random_nik()
    )
    assert (unknown_child.parent_listed, unknown_child.child_listed, unknown_child.verified) == (False, False, False)

    # On one card, but the mother of the head of the family is not his parent by the card's codes.
    relative = await check_family(db, gateway, secret=SECRET, account=account, parent_nik=SUMIATI, child_nik=AHMAD)
    assert relative.parent_listed and relative.child_listed and not relative.parent_of_child and not relative.verified

    # A grown-up child: a parent holds no parental mandate over an adult.
    kk, parent, adult = "3302010101200077", random_nik(), "3302010101000123"
    registry.add_person(nik=parent, name="Ibu Uji", birth_date=dt.date(1975, 1, 1), kk=kk)
    registry.add_person(nik=adult, name="Anak Dewasa", birth_date=dt.date(2000, 1, 1), kk=kk, relationship="ANAK")
    grown = await check_family(db, gateway, secret=SECRET, account=account, parent_nik=parent, child_nik=adult)
    assert grown.parent_of_child and not grown.child_minor and not grown.verified


async def test_the_family_card_lookup(gateway: HttpRegistry) -> None:
    family = await gateway.family_of(kk="3302010101200001")
    assert family is not None and family.kk == "3302010101200001"
    assert {(m.nik, m.relationship) for m in family.members} == {
        (BUDI[0], "KEPALA KELUARGA"),
        (SITI, "ISTRI"),
        (RIZKY, "ANAK"),
        (AYU, "ANAK"),
    }
    assert (await gateway.family_of(nik=RIZKY)) == family
    assert await gateway.family_of(kk="3302010101209999") is None


async def test_the_fake_speaks_the_protocol_only_to_its_clients(registry: RegistryProcess) -> None:
    async with httpx.AsyncClient(base_url=registry.url) as raw:
        no_token = await raw.post("/verify", json={"nik": BUDI[0], "name": BUDI[1], "birthDate": "1990-08-17"})
        assert no_token.status_code == 401 and no_token.json() == {"error": "invalid_token"}
        refused = await raw.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=("mpp-test", "no"))
        assert refused.status_code == 401 and refused.json() == {"error": "invalid_client"}
        token = await raw.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(registry.client_id, registry.secret)
        )
        assert token.status_code == 200 and token.json()["token_type"] == "Bearer"
        bad = await raw.post(
            "/verify", json={"nik": "123"}, headers={"Authorization": f"Bearer {token.json()['access_token']}"}
        )
        assert bad.status_code == 400


def test_registry_for_uses_the_fake_only_outside_production(settings: Settings) -> None:
    assert isinstance(registry_for(settings), HttpRegistry)
    configured = dataclasses.replace(
        settings, registry=dataclasses.replace(settings.registry, url="https://registry.example.go.id")
    )
    assert registry_for(configured).base_url == "https://registry.example.go.id"  # type: ignore[attr-defined]
    with pytest.raises(SettingsError):
        registry_for(dataclasses.replace(settings, env="prod"))


async def test_the_dev_fake_answers_in_process(db: asyncpg.Connection, settings: Settings, account: uuid.UUID) -> None:
    gateway = registry_for(settings)
    nik, name, born = BUDI
    check = await check_identity(db, gateway, secret=SECRET, account=account, nik=nik, name=name, birth_date=born)
    await gateway.aclose()
    assert check.verified


async def test_the_dev_fake_is_mounted_only_in_development(settings: Settings, app: Litestar) -> None:
    from api.app import create_app

    dev_app = create_app(dataclasses.replace(settings, env="dev"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=dev_app), base_url="http://localhost") as dev:
        assert (await dev.get("/_dev/registry/health")).json() == {"status": "ok"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost") as test:
        assert (await test.get("/_dev/registry/health")).status_code == 404
