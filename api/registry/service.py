"""Checks against the population registry: rate limited, audited, and kept as facts.

The rest of the API (assurance levels, NIK binding, parental mandates) builds on two functions:

* ``check_identity`` — does the registry know this NIK with this name and birth date?
* ``check_family`` — does the registry list this parent and this child on one family card (KK)?

Each attempt is counted against the asking account and against the NIK asked about (``api.auth.ratelimit``),
so that neither one account nor many accounts together can use us to probe the registry; each is written to
the audit trail with the NIK masked; and each answer is stored as a ``registry_check`` fact (which fields
matched, when, by which channel) — never the registry's data. The registry is called outside any database
transaction: a slow registry must not hold a transaction (and a pool connection's locks) open.

``registry_for(settings)`` gives the process its registry: the configured HTTPS service, or in development and
tests the fake (``api/registry/fake.py``) in-process through httpx's ASGI transport.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import asyncpg
import httpx

from api.audit.service import mask_nik, record
from api.auth.ratelimit import enforce
from api.config import Settings, SettingsError
from api.registry.errors import InvalidRegistryQueryError, RegistryUnavailableError
from api.registry.fake import FakeRegistry
from api.registry.gateway import (
    CHILD_RELATIONSHIP,
    PARENT_RELATIONSHIPS,
    Family,
    FamilyMember,
    HttpRegistry,
    Match,
    Registry,
    require_sixteen_digits,
)

__all__ = [
    "Family",
    "FamilyCheck",
    "FamilyMember",
    "HttpRegistry",
    "IdentityCheck",
    "InvalidRegistryQueryError",
    "Match",
    "Registry",
    "RegistryAccess",
    "RegistryUnavailableError",
    "check_family",
    "check_identity",
    "dev_fake",
    "nik_hash",
    "registry_for",
]

# Budgets per attempt (key prefix, limit, window seconds). A citizen who mistypes a name needs a few tries; a
# script walking NIKs needs thousands. The NIK budget is shared by every account, so that many accounts
# together cannot probe one person's data either.
ACCOUNT_LIMITS = ((5, 3600), (20, 24 * 3600))
NIK_LIMITS = ((10, 24 * 3600),)
CHANNELS = frozenset({"app", "kiosk", "counter", "system"})
# Under 17 on the day of the check: a parental mandate is possible. At 17 (or on marrying) a person gets their own
# KTP-el and acts for themselves in civil registration (UU 24/2013), so from then on only their consent gives a
# mandate. One age for the whole app: accounts reads it from here.
ADULT_AGE = 17

# The fake's credentials in development and tests: it is never reachable in production.
DEV_BASE_URL = "http://registry.fake"
DEV_CLIENT_ID = "mpp-dev"
DEV_SECRET = "mpp-dev-registry-secret"  # noqa: S105  # the fake's, known to everyone on purpose


@dataclass(frozen=True)
class RegistryAccess:
    """What a route needs to ask the registry: the process's registry and the server secret that keys the NIK
    hashes of the facts (the app's ``registry`` dependency)."""

    registry: Registry
    secret: bytes


@dataclass(frozen=True)
class IdentityCheck:
    """One identity check's outcome: ``verified`` when the NIK, name and birth date all matched."""

    id: uuid.UUID
    verified: bool
    match: Match
    checked_at: dt.datetime


@dataclass(frozen=True)
class FamilyCheck:
    """One family check's outcome. ``verified``: parent and minor child on one KK, the parent as a parent."""

    id: uuid.UUID
    verified: bool
    parent_listed: bool
    child_listed: bool
    parent_of_child: bool
    child_minor: bool
    checked_at: dt.datetime


# --- the process's registry -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def dev_fake() -> FakeRegistry:
    """The one fake registry of a development or test process, with the demo people.

    One instance, so that what a developer adds at ``/_dev/registry/_test/people`` is what the app's checks see.
    """
    return FakeRegistry.with_demo_people(client_id=DEV_CLIENT_ID, secret=DEV_SECRET)


def registry_for(settings: Settings) -> Registry:
    """The configured registry; without ``MPP_REGISTRY_URL``, the in-process fake (development and tests only).

    The fake is reached through httpx's ASGI transport, so development exercises the same client code,
    protocol and error mapping as production, and nothing is started or listened on. Build one per process
    (its connection pool and token are shared by every request) and ``aclose()`` it at shutdown.
    """
    config = settings.registry
    if config.url:
        return HttpRegistry(
            config.url, client_id=config.client_id, secret=config.secret, timeout=config.timeout_seconds
        )
    if settings.env == "prod":
        # Settings.validate refuses this already; a second lock on the door, since the fake says "match".
        raise SettingsError("MPP_ENV=prod requires MPP_REGISTRY_URL: the fake registry is for development")
    return HttpRegistry(
        DEV_BASE_URL,
        client_id=DEV_CLIENT_ID,
        secret=DEV_SECRET,
        timeout=config.timeout_seconds,
        transport=httpx.ASGITransport(app=dev_fake()),
    )


# --- checks ---------------------------------------------------------------------------------------------------


def nik_hash(secret: bytes, nik: str) -> str:
    """The NIK as stored in a fact: HMAC-SHA256 under the server secret, so the table alone yields no NIK
    (a plain hash of a 16-digit number with a known structure is reversed by trying them all)."""
    return hmac.new(secret, f"registry_nik:{nik}".encode(), hashlib.sha256).hexdigest()


def _channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    return channel


async def _count_attempt(conn: asyncpg.Connection, secret: bytes, *, account: uuid.UUID, niks: tuple[str, ...]) -> None:
    """One attempt against the account's and each NIK's budget (committed at once: a refused or failed attempt
    counts too). Keys carry the NIK's hash, never the NIK: the rate-limit table is no register of NIKs."""
    rules = [(f"registry:account:{account}:{window}", limit, window) for limit, window in ACCOUNT_LIMITS]
    rules += [
        (f"registry:nik:{nik_hash(secret, nik)[:32]}:{window}", limit, window)
        for nik in niks
        for limit, window in NIK_LIMITS
    ]
    await enforce(conn, rules, detail="Too many registry checks. Please wait before trying again.")


async def _record_unavailable(
    conn: asyncpg.Connection, *, action: str, account: uuid.UUID, detail: Mapping[str, object], ip: str
) -> None:
    """An attempt the registry did not answer is audited too: the trail shows every attempt, not just answers."""
    await record(
        conn, action=action, actor=account, subject=account, detail={**detail, "outcome": "unavailable"}, ip=ip
    )


async def _save_check(
    conn: asyncpg.Connection,
    secret: bytes,
    *,
    account: uuid.UUID,
    kind: str,
    nik: str,
    related_nik: str | None,
    matched: dict[str, bool],
    verified: bool,
    channel: str,
) -> tuple[uuid.UUID, dt.datetime]:
    row = await conn.fetchrow(
        """INSERT INTO registry_check (id, account, kind, nik_hash, nik_masked, related_nik_hash, related_nik_masked,
                                       matched, verified, channel, checked_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, now())
           RETURNING id, checked_at""",
        uuid.uuid4(),
        account,
        kind,
        nik_hash(secret, nik),
        mask_nik(nik),
        nik_hash(secret, related_nik) if related_nik else None,
        mask_nik(related_nik),
        json.dumps(matched),
        verified,
        channel,
    )
    return row["id"], row["checked_at"]


async def check_identity(
    conn: asyncpg.Connection,
    registry: Registry,
    *,
    secret: bytes,
    account: uuid.UUID,
    nik: str,
    name: str,
    birth_date: dt.date,
    ip: str = "",
    channel: str = "app",
) -> IdentityCheck:
    """Ask the registry whether ``nik``, ``name`` and ``birth_date`` belong together; store and audit the answer.

    ``secret`` is the server secret (``MPP_SECRET_KEY``) that keys the stored NIK hash. Raises RateLimitedError
    (429) over budget, RegistryUnavailableError (503) when the registry gives no answer — both audited — and
    InvalidRegistryQueryError (422) for a NIK that is not 16 ASCII digits, which is never sent anywhere.

    Call it outside a transaction: the attempt is counted (and committed) before the registry is asked, so a
    failed or refused attempt still counts, and no transaction stays open while the registry answers. Build on
    the returned fact (e.g. bind the NIK) in a transaction of your own afterwards.
    """
    nik = require_sixteen_digits(nik, "NIK")
    channel = _channel(channel)
    await _count_attempt(conn, secret, account=account, niks=(nik,))
    audit = {"nik": mask_nik(nik), "channel": channel}
    try:
        match = await registry.verify_person(nik, name, birth_date)
    except RegistryUnavailableError:
        await _record_unavailable(conn, action="registry.identity_checked", account=account, detail=audit, ip=ip)
        raise
    async with conn.transaction():
        check_id, at = await _save_check(
            conn,
            secret,
            account=account,
            kind="identity",
            nik=nik,
            related_nik=None,
            matched=match.fields(),
            verified=match.all,
            channel=channel,
        )
        await record(
            conn,
            action="registry.identity_checked",
            actor=account,
            subject=account,
            detail={**audit, "check": str(check_id), "matched": match.fields(), "verified": match.all},
            ip=ip,
        )
    return IdentityCheck(id=check_id, verified=match.all, match=match, checked_at=at)


def _age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def family_facts(family: Family | None, *, parent_nik: str, child_nik: str, today: dt.date) -> dict[str, bool]:
    """What a family card says about a parent and a child, as the booleans stored in the fact."""
    parent = family.member(parent_nik) if family else None
    child = family.member(child_nik) if family else None
    return {
        "parentListed": parent is not None,
        "childListed": child is not None,
        "parentOfChild": parent is not None
        and child is not None
        and parent.relationship in PARENT_RELATIONSHIPS
        and child.relationship == CHILD_RELATIONSHIP,
        "childMinor": child is not None and _age_on(child.birth_date, today) < ADULT_AGE,
    }


async def check_family(
    conn: asyncpg.Connection,
    registry: Registry,
    *,
    secret: bytes,
    account: uuid.UUID,
    parent_nik: str,
    child_nik: str,
    ip: str = "",
    channel: str = "app",
) -> FamilyCheck:
    """Ask the registry for the child's family card and whether it lists the parent as the child's parent.

    The card is looked up by the child's NIK (a child is on one card; a parent may have moved to another one,
    e.g. after a divorce, and must then be on the child's to hold a parental mandate). ``verified`` needs both
    listed, the parent as head or spouse and the child as ANAK, and the child under 18. Budgets, audit and
    errors are those of ``check_identity``; both NIKs count against their own budgets.
    """
    parent_nik = require_sixteen_digits(parent_nik, "NIK")
    child_nik = require_sixteen_digits(child_nik, "NIK")
    channel = _channel(channel)
    await _count_attempt(conn, secret, account=account, niks=(parent_nik, child_nik))
    audit = {"nik": mask_nik(parent_nik), "childNik": mask_nik(child_nik), "channel": channel}
    try:
        family = await registry.family_of(nik=child_nik)
    except RegistryUnavailableError:
        await _record_unavailable(conn, action="registry.family_checked", account=account, detail=audit, ip=ip)
        raise
    facts = family_facts(family, parent_nik=parent_nik, child_nik=child_nik, today=dt.date.today())
    verified = facts["parentOfChild"] and facts["childMinor"]
    async with conn.transaction():
        check_id, at = await _save_check(
            conn,
            secret,
            account=account,
            kind="family",
            nik=parent_nik,
            related_nik=child_nik,
            matched=facts,
            verified=verified,
            channel=channel,
        )
        await record(
            conn,
            action="registry.family_checked",
            actor=account,
            subject=account,
            detail={**audit, "check": str(check_id), "matched": facts, "verified": verified},
            ip=ip,
        )
    return FamilyCheck(
        id=check_id,
        verified=verified,
        parent_listed=facts["parentListed"],
        child_listed=facts["childListed"],
        parent_of_child=facts["parentOfChild"],
        child_minor=facts["childMinor"],
        checked_at=at,
    )
