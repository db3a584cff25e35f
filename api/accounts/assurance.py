"""Assurance levels and NIK ownership by proof.

How sure we are of who is behind an account, derived from the record, never stored as a flag:

* ``phone`` — the account signed in with an SMS code; any NIK on it is only declared;
* ``registry`` — the population registry (Dukcapil) matched the account's NIK, name and birth date
  (``accounts_identity_proof`` method ``registry``, pointing at the ``registry_check`` fact);
* ``in_person`` — an officer at an MPP counter compared the KTP-el with the account (method ``in_person``: who,
  for which agency, in which region, when; no photo of the card is kept).

The national identity provider (INApas-style, ``api.federation``) proves a NIK too, at the level its ``acr`` is
configured to be worth: method ``idp_reg`` counts as ``registry``, ``idp_person`` as ``in_person`` (the provider
checked the registry, or saw the person). Its sign-in link (issuer, subject) is the evidence behind it.

A proof counts only for the NIK the account holds now: a proof of an earlier NIK proves nothing about this one.

A NIK is *bound* to an account by a proof (``bind_nik``). A declared NIK (``PATCH /me``) stays declared; a
proof takes a NIK from an account that only declared it (which is told, and keeps everything else), never from
an account that proved it: there, the verified owner wins and the claimant's answer is that of a mismatch.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Literal

import asyncpg

from api.audit.service import mask_nik, record
from api.lib.errors import DomainError
from api.outbox.service import enqueue

Level = Literal["phone", "registry", "in_person"]
LEVELS: tuple[Level, ...] = ("phone", "registry", "in_person")
_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS)}

# How to reach each level, for the refusal's detail and the PWA's hint.
HOW_TO_REACH: dict[str, str] = {
    "phone": "Sign in with your mobile number.",
    "registry": "Verify your identity in Settings → Verify identity (NIK, name and birth date as on your KTP-el), "
    "or have your KTP-el checked at an MPP counter.",
    "in_person": "Bring your KTP-el to an MPP counter: an officer checks it and records the check.",
}

# NIK_RELEASED is what the account that only declared a NIK is told when its owner proves it.
NIK_RELEASED = "account.nik_released"

# The national identity provider's proof methods, by the level the provider's `acr` maps to (api.federation).
IDP_METHODS: dict[str, Literal["idp_reg", "idp_person"]] = {"registry": "idp_reg", "in_person": "idp_person"}


def assurance_sql(alias: str) -> str:
    """An SQL expression: the assurance level of the account row ``alias`` (a column list's member).

    Two index look-ups on ``accounts_identity_proof (account, nik, method)``: cheap enough for ``GET /me`` and the
    submission's one-statement context, which embed it instead of asking in a second round trip.
    """
    proof = (
        "EXISTS (SELECT 1 FROM accounts_identity_proof ip "  # noqa: S608  # alias and method are ours, never input
        f"WHERE ip.account = {alias}.id AND ip.nik = {alias}.nik AND ip.method IN ({{methods}}))"
    )
    # The national identity provider's proofs count as the level they were mapped to (IDP_METHODS).
    in_person = proof.format(methods="'in_person', 'idp_person'")
    registry = proof.format(methods="'registry', 'idp_reg'")
    return (
        f"CASE WHEN {alias}.nik IS NULL THEN 'phone' "
        f"WHEN {in_person} THEN 'in_person' "
        f"WHEN {registry} THEN 'registry' ELSE 'phone' END"
    )


def meets(have: str | None, need: str | None) -> bool:
    """Whether an account at level ``have`` may use a service that needs ``need`` (no need: anyone signed in)."""
    return _RANK.get(have or "phone", 0) >= _RANK.get(need or "phone", 0)


class AssuranceRequiredError(DomainError):
    """403 ``assurance_required``: the service needs a stronger proof of who applies; the detail says how."""

    status = 403
    code = "assurance_required"

    def __init__(self, need: str, have: str) -> None:
        super().__init__(
            f"This service needs identity assurance '{need}' (yours is '{have}'). {HOW_TO_REACH.get(need, '')}".strip()
        )
        self.need = need
        self.have = have


class NikProvenElsewhereError(DomainError):
    """409 ``nik_proven_elsewhere``, for an officer only: the NIK is proven on another account.

    A citizen never sees it (their verification answers as a mismatch would, see ``bind_nik``); an officer at the
    counter does, since two people showing proof for one NIK is a case for Disdukcapil, not for the app.
    """

    status = 409
    code = "nik_proven_elsewhere"
    detail = "This NIK is already proven on another account. Refer the citizen to Disdukcapil."


@dataclass(frozen=True)
class Proof:
    """What binds a NIK: a registry match (its fact's id), an officer's check (who, agency, region), or the national
    identity provider's sign-in (``idp_reg``/``idp_person``, see IDP_METHODS; its link is the evidence)."""

    method: Literal["registry", "in_person", "idp_reg", "idp_person"]
    registry_check: uuid.UUID | None = None
    officer: uuid.UUID | None = None
    agency: uuid.UUID | None = None
    region: str | None = None


async def level_of(conn: asyncpg.Connection, account_id: uuid.UUID) -> Level:
    """One account's assurance level (``phone`` for an account that does not exist)."""
    sql = f"SELECT {assurance_sql('a')} FROM accounts_account a WHERE a.id = $1"  # noqa: S608  # no input in it
    level = await conn.fetchval(sql, account_id)
    return "in_person" if level == "in_person" else "registry" if level == "registry" else "phone"


async def _proven(conn: asyncpg.Connection, account_id: uuid.UUID, nik: str) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM accounts_identity_proof WHERE account = $1 AND nik = $2)", account_id, nik
    )
    return found


async def bind_nik(
    conn: asyncpg.Connection,
    account_id: uuid.UUID,
    nik: str,
    proof: Proof,
    *,
    birth_date: dt.date | None = None,
    ip: str = "",
) -> bool:
    """Bind ``nik`` to the account by ``proof``, in one transaction; False when another account proved it first.

    The holder that only declared the NIK loses it (and only it: applications, documents and the rest stay) and
    is told through the outbox. Both trails record it; the holder's names no actor, so that it does not learn
    which account took the number. Rows are locked in id order, so that two proofs racing cannot deadlock.
    """
    # Long on purpose: the locks (in id order), the re-read, the declared holder's release and the new binding with
    # its proof are one transaction whose order is the point; split, that order would be spread over helpers.
    async with conn.transaction():
        holder = await conn.fetchval("SELECT id FROM accounts_account WHERE nik = $1", nik)
        for locked in sorted({account_id, *([holder] if holder else [])}):
            await conn.execute("SELECT 1 FROM accounts_account WHERE id = $1 FOR UPDATE", locked)
        holder = await conn.fetchval("SELECT id FROM accounts_account WHERE nik = $1", nik)
        if holder is not None and holder != account_id:
            if await _proven(conn, holder, nik):
                # The verified owner wins. Their trail shows that someone proved their NIK too (a case to report).
                await record(
                    conn,
                    action="identity.claim_refused",
                    actor=None,
                    subject=holder,
                    detail={"nik": mask_nik(nik), "method": proof.method},
                    ip="",
                )
                return False
            await conn.execute("UPDATE accounts_account SET nik = NULL, updated_at = now() WHERE id = $1", holder)
            await record(
                conn,
                action="account.nik_released",
                actor=None,
                subject=holder,
                detail={"nik": mask_nik(nik), "reason": f"proven by its owner ({proof.method})"},
            )
            await enqueue(conn, topic=NIK_RELEASED, recipient=holder, subject=holder, payload={"nik": mask_nik(nik)})
        await conn.execute(
            """UPDATE accounts_account SET nik = $2, birth_date = coalesce($3, birth_date), updated_at = now()
               WHERE id = $1""",
            account_id,
            nik,
            birth_date,
        )
        await conn.execute("DELETE FROM accounts_nik_claim WHERE account = $1", account_id)
        await conn.execute(
            """INSERT INTO accounts_identity_proof (id, account, nik, method, registry_check, officer, agency, region,
                                                    created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())""",
            uuid.uuid4(),
            account_id,
            nik,
            proof.method,
            proof.registry_check,
            proof.officer,
            proof.agency,
            proof.region,
        )
        await record(
            conn,
            action="identity.proven",
            actor=proof.officer or account_id,
            subject=account_id,
            detail={
                "nik": mask_nik(nik),
                "method": proof.method,
                "tookFromDeclaredHolder": holder is not None and holder != account_id,
            },
            ip=ip,
        )
    return True


async def proven_holder(conn: asyncpg.Connection, nik: str) -> uuid.UUID | None:
    """The account that holds ``nik`` with a proof of it (None when no account does: declared only, or nobody).

    The national identity provider's sign-in (api.federation) links to it: a NIK proven here is that person's.
    """
    holder: uuid.UUID | None = await conn.fetchval(
        "SELECT a.id FROM accounts_account a WHERE a.nik = $1 AND EXISTS "
        "(SELECT 1 FROM accounts_identity_proof ip WHERE ip.account = a.id AND ip.nik = a.nik)",
        nik,
    )
    return holder
