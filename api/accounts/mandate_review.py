"""Mandates from facts: a parental mandate is active only when a fact lists both parent and child.

The facts: the population registry's family card (KK), or a KK document in the parent's wallet that an officer
verified and whose printed NIKs the officer recorded — either counts only for a parent whose own
NIK is proven (assurance ``registry`` or better: otherwise anyone could declare a parent's NIK and borrow their
KK) — or an officer who checked the KK (a paper card) and approved the mandate. Without any of them, the mandate
waits for an officer (``review``). Adult mandates keep the member's own consent.

Every use of a mandate (an application made for someone) is written to both sides' audit trails.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

import asyncpg

from api.accounts import schemas
from api.accounts.assurance import level_of, meets
from api.audit.service import mask_nik, record
from api.lib import errors
from api.lib.errors import DomainError
from api.lib.staff import Officer
from api.outbox.service import enqueue
from api.registry.service import RegistryAccess, check_family

REVIEW = "review"
# A KK document in the parent's wallet that an officer verified is an officer's check of the card: its proof is
# ``officer`` (the column's check constraint allows registry_kk | officer | consent); the trail names the card.
CARD_PROOF = "officer"


class FamilyCards(Protocol):
    """The wallet's look-up (``api.wallet.service.family_card_listing``), handed in by the caller: the wallet
    depends on accounts, so accounts does not import it."""

    async def __call__(
        self, conn: asyncpg.Connection, *, owner: uuid.UUID, niks: Sequence[str]
    ) -> uuid.UUID | None: ...


class MandateNotInReviewError(DomainError):
    """409 ``conflict``: the mandate is not waiting for an officer (decided already, or revoked)."""

    status = 409
    code = "conflict"
    detail = "This mandate is not waiting for review."


class ReasonRequiredError(DomainError):
    """422: refusing a mandate needs a reason the parent can read."""

    status = 422
    code = "unprocessable"
    detail = "A refusal needs a reason."


async def parental_status(
    conn: asyncpg.Connection,
    *,
    holder: uuid.UUID,
    child_nik: str,
    registry: RegistryAccess | None,
    ip: str,
    family_cards: FamilyCards | None = None,
) -> tuple[str, str | None, uuid.UUID | None]:
    """(status, proof, the wallet's card if it is the proof) of a new parental mandate: ``active`` by a verified
    KK in the holder's wallet or by the registry's KK, else ``review``.

    Only for a holder whose NIK is proven. The wallet is looked at first (no registry call spent on a parent who
    already showed the card); the registry is asked outside any transaction (``check_family`` counts and commits
    the attempt itself). A registry that does not answer raises its 503: the parent tries again.
    """
    nik = await conn.fetchval("SELECT nik FROM accounts_account WHERE id = $1", holder)
    if not nik or not meets(await level_of(conn, holder), "registry"):
        return REVIEW, None, None
    if family_cards is not None and (card := await family_cards(conn, owner=holder, niks=(nik, child_nik))):
        return "active", CARD_PROOF, card
    if registry is None:
        return REVIEW, None, None
    fact = await check_family(
        conn,
        registry.registry,
        secret=registry.secret,
        account=holder,
        parent_nik=nik,
        child_nik=child_nik,
        ip=ip,
    )
    return ("active", "registry_kk", None) if fact.verified else (REVIEW, None, None)


async def list_for_review(conn: asyncpg.Connection, officer: Officer) -> schemas.MandateForReviewList:
    """Parental mandates waiting for an officer, oldest first (NIKs masked: the officer compares with the KK).

    Only the officer's own regency's: the Disdukcapil that issued the child's family card (its number's first
    four digits are the regency's BPS code; without a card number, the child's NIK's) holds the record to
    compare with. Another regency's officer neither sees nor decides it (404, as for any object out of scope).
    """
    rows = await conn.fetch(
        """SELECT m.id, m.holder, h.name AS holder_name, h.nik AS holder_nik, m.member, f.member_name, f.member_nik,
                  f.relation, m.created_at, m.services
           FROM accounts_mandate m JOIN accounts_account h ON h.id = m.holder
           JOIN accounts_family_member f ON f.id = m.member
           WHERE m.status = 'review' AND left(coalesce(nullif(f.kk, ''), f.member_nik), 4) = $1
           ORDER BY m.created_at LIMIT 200""",
        officer.region,
    )
    items = [
        schemas.MandateForReview(
            id=r["id"],
            holder=schemas.Party(id=r["holder"], name=r["holder_name"]),
            holder_nik=mask_nik(r["holder_nik"]),
            member=schemas.Party(id=r["member"], name=r["member_name"]),
            member_nik=mask_nik(r["member_nik"]) or "",
            relation=r["relation"],
            created_at=r["created_at"],
            services=list(r["services"]),
        )
        for r in rows
    ]
    return schemas.MandateForReviewList(items=items, total=len(items))


async def review(
    conn: asyncpg.Connection, officer: Officer, mandate_id: uuid.UUID, decision: schemas.MandateReview, *, ip: str
) -> schemas.MandateDecision:
    """An officer approves (the KK lists both) or refuses (with a reason) a mandate under review.

    The approval is the ``officer`` proof; who, agency, region and when go to both sides' trails.
    """
    if not decision.approve and not (decision.reason or "").strip():
        raise ReasonRequiredError
    async with conn.transaction():
        row = await conn.fetchrow(
            """SELECT m.id, m.status, m.holder, f.member_account FROM accounts_mandate m
               JOIN accounts_family_member f ON f.id = m.member
               WHERE m.id = $1 AND left(coalesce(nullif(f.kk, ''), f.member_nik), 4) = $2 FOR UPDATE OF m""",
            mandate_id,
            officer.region,
        )
        if row is None:
            raise errors.NotFoundError("mandate")
        if row["status"] != REVIEW:
            raise MandateNotInReviewError
        status, proof = ("active", "officer") if decision.approve else ("refused", None)
        await conn.execute(
            """UPDATE accounts_mandate SET status = $2, proof = $3, reviewed_by = $4, reviewed_at = now(),
                      review_reason = $5 WHERE id = $1""",
            mandate_id,
            status,
            proof,
            officer.id,
            (decision.reason or "").strip() or None,
        )
        detail = {
            "mandate": str(mandate_id),
            "approved": decision.approve,
            "agency": officer.agency_code,
            "region": officer.region,
        }
        for subject in (row["holder"], row["member_account"]):
            if subject is not None:
                await record(conn, action="mandate.reviewed", actor=officer.id, subject=subject, detail=detail, ip=ip)
        # The parent waits for this answer (the screen said "menunggu pemeriksaan petugas"): tell them, in the same
        # transaction. The lock screen gets the outcome only, never the child's name.
        await enqueue(
            conn,
            topic="mandate.reviewed",
            recipient=row["holder"],
            subject=mandate_id,
            payload={"mandate": str(mandate_id), "approved": decision.approve},
        )
    return schemas.MandateDecision(id=mandate_id, status=status, reason=(decision.reason or "").strip() or None)


async def record_mandate_use(
    conn: asyncpg.Connection, *, mandate: uuid.UUID, actor: uuid.UUID, application: uuid.UUID, number: str, ip: str = ""
) -> None:
    """One ``mandate.used`` event in the holder's trail and in the member's (when they have an account), inside
    the caller's transaction: the person applied for sees who acted for them, for what, and when."""
    row = await conn.fetchrow(
        """SELECT m.holder, f.member_account FROM accounts_mandate m JOIN accounts_family_member f ON f.id = m.member
           WHERE m.id = $1""",
        mandate,
    )
    if row is None:
        return
    detail = {"mandate": str(mandate), "application": str(application), "number": number}
    for subject in (row["holder"], row["member_account"]):
        if subject is not None:
            await record(conn, action="mandate.used", actor=actor, subject=subject, detail=detail, ip=ip)


async def family_card_verified(
    conn: asyncpg.Connection,
    *,
    owner: uuid.UUID,
    niks: Sequence[str],
    officer: uuid.UUID,
    document: uuid.UUID,
    ip: str,
) -> list[uuid.UUID]:
    """An officer verified a KK document of ``owner`` listing ``niks`` (inside the caller's transaction): the
    owner's parental mandates waiting for review over a child on the card become active, when the owner's own
    proven NIK is on it too. Returns the mandates made active; each is ``mandate.reviewed`` in both trails."""
    nik = await conn.fetchval("SELECT nik FROM accounts_account WHERE id = $1", owner)
    if not nik or nik not in niks or not meets(await level_of(conn, owner), "registry"):
        return []
    rows = await conn.fetch(
        """UPDATE accounts_mandate m SET status = 'active', proof = $3, reviewed_by = $4, reviewed_at = now()
           FROM accounts_family_member f
           WHERE f.id = m.member AND m.holder = $1 AND m.status = 'review' AND m.basis = 'parental'
             AND f.removed_at IS NULL AND f.member_nik = ANY($2::text[])
           RETURNING m.id, f.member_account""",
        owner,
        list(niks),
        CARD_PROOF,
        officer,
    )
    for row in rows:
        detail = {"mandate": str(row["id"]), "approved": True, "familyCard": str(document)}
        for subject in (owner, row["member_account"]):
            if subject is not None:
                await record(conn, action="mandate.reviewed", actor=officer, subject=subject, detail=detail, ip=ip)
    return [r["id"] for r in rows]
