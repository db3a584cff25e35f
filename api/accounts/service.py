"""Accounts: citizens and staff, their profile, family links and mandates (data rights: ``data_rights``)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg

from api.accounts import schemas
from api.accounts.assurance import AssuranceRequiredError as AssuranceRequiredError  # re-exported for applying
from api.accounts.assurance import assurance_sql as assurance_sql
from api.accounts.assurance import meets as meets
from api.accounts.identity import nik_birth_date, validate_nik
from api.accounts.mandate_review import FamilyCards, parental_status
from api.accounts.mandate_review import family_card_verified as family_card_verified  # re-exported for the wallet
from api.accounts.mandate_review import record_mandate_use as record_mandate_use  # re-exported for applying
from api.accounts.profile import get_me as get_me  # re-exported: other domains read a person through this module
from api.accounts.profile import update_me as update_me
from api.accounts.staff import ROLES as ROLES  # staff and their scope: re-exported for the CLI and other domains
from api.accounts.staff import AccountCreated as AccountCreated
from api.accounts.staff import AccountError as AccountError
from api.accounts.staff import Role as Role
from api.accounts.staff import create_account as create_account
from api.accounts.staff import create_service_identity as create_service_identity
from api.audit.service import mask_nik, record
from api.catalogue.service import known_service_codes
from api.lib import errors
from api.lib.errors import DomainError
from api.registry.service import ADULT_AGE, RegistryAccess

# --- me -------------------------------------------------------------------------------------------------


class AccountConflictError(DomainError, ValueError):
    """Another account already holds this NIK or phone number (or the family link exists)."""

    status = 409
    code = "conflict"


class NotFoundError(errors.NotFoundError):
    """No such thing belonging to this account."""


class MandateError(DomainError, ValueError):
    """The mandate cannot be created or changed as asked: 422 by default, 409 where its state is the problem."""

    status = 422
    code = "unprocessable"


async def change_phone(conn: asyncpg.Connection, account_id: uuid.UUID, phone: str, *, ip: str) -> str:
    """Set a verified new number. Returns the old one, to warn it."""
    async with conn.transaction():
        old = await conn.fetchval("SELECT phone FROM accounts_account WHERE id = $1 FOR UPDATE", account_id)
        try:
            await conn.execute(
                "UPDATE accounts_account SET phone = $2, updated_at = now() WHERE id = $1", account_id, phone
            )
        except asyncpg.UniqueViolationError as exc:
            raise AccountConflictError("another account already uses this number") from exc
        await record(
            conn,
            action="account.phone_changed",
            actor=account_id,
            subject=account_id,
            detail={"from": old[:6] + "…" + old[-2:], "to": phone[:6] + "…" + phone[-2:]},
            ip=ip,
        )
    return str(old)


async def list_sessions(conn: asyncpg.Connection, account_id: uuid.UUID, current: uuid.UUID) -> schemas.SessionList:
    rows = await conn.fetch(
        """SELECT id, kind, amr, created_at, last_used_at, least(idle_expires_at, absolute_expires_at) AS expires_at,
                  user_agent, ip
           FROM auth_session
           WHERE account = $1 AND revoked_at IS NULL AND now() < idle_expires_at AND now() < absolute_expires_at
           ORDER BY last_used_at DESC""",
        account_id,
    )
    items = [
        schemas.SessionInfo(
            id=r["id"],
            kind=r["kind"],
            amr=list(r["amr"]),
            created_at=r["created_at"],
            last_used_at=r["last_used_at"],
            expires_at=r["expires_at"],
            user_agent=r["user_agent"],
            ip=r["ip"],
            current=r["id"] == current,
        )
        for r in rows
    ]
    return schemas.SessionList(items=items, total=len(items))


# --- family and mandates ---------------------------------------------------------------------------------


MAX_MANDATE = dt.timedelta(days=366)


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def is_minor(nik: str, today: dt.date | None = None) -> bool:
    return _age(nik_birth_date(nik)[0], today or dt.date.today()) < ADULT_AGE


async def add_family_member(
    conn: asyncpg.Connection, account_id: uuid.UUID, member: schemas.FamilyMemberCreate, *, ip: str
) -> schemas.FamilyMember:
    nik = validate_nik(member.nik)
    me = await conn.fetchrow(
        """SELECT coalesce(a.nik, c.nik) AS nik, a.kk
           FROM accounts_account a LEFT JOIN accounts_nik_claim c ON c.account = a.id WHERE a.id = $1""",
        account_id,
    )
    if not me["kk"]:
        raise MandateError("add your family card (KK) number to your profile first")
    if nik == me["nik"]:
        raise MandateError("you cannot add yourself")
    # A member who has an account is linked only when that account declares the same KK.
    member_account = await conn.fetchval("SELECT id FROM accounts_account WHERE nik = $1 AND kk = $2", nik, me["kk"])
    try:
        async with conn.transaction():
            row = await conn.fetchrow(
                """INSERT INTO accounts_family_member (id, account, member_account, member_nik, member_name, relation,
                                                      kk, created_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, now()) RETURNING *""",
                uuid.uuid4(),
                account_id,
                member_account,
                nik,
                member.name.strip(),
                member.relation,
                me["kk"],
            )
            await record(
                conn,
                action="family.member_added",
                actor=account_id,
                subject=account_id,
                detail={"member": str(row["id"]), "nik": mask_nik(nik), "relation": member.relation},
                ip=ip,
            )
            if member_account:
                await record(
                    conn,
                    action="family.linked_by",
                    actor=account_id,
                    subject=member_account,
                    detail={"member": str(row["id"])},
                    ip=ip,
                )
    except asyncpg.UniqueViolationError as exc:
        raise AccountConflictError("this family member is already linked") from exc
    return _member(row)


def _member(row: asyncpg.Record) -> schemas.FamilyMember:
    return schemas.FamilyMember(
        id=row["id"],
        nik=mask_nik(row["member_nik"]) or "",
        name=row["member_name"],
        relation=row["relation"],
        has_account=row["member_account"] is not None,
        minor=is_minor(row["member_nik"]),
        created_at=row["created_at"],
    )


async def list_family(conn: asyncpg.Connection, account_id: uuid.UUID) -> schemas.FamilyMemberList:
    rows = await conn.fetch(
        "SELECT * FROM accounts_family_member WHERE account = $1 AND removed_at IS NULL ORDER BY created_at",
        account_id,
    )
    return schemas.FamilyMemberList(items=[_member(r) for r in rows], total=len(rows))


async def remove_family_member(
    conn: asyncpg.Connection, account_id: uuid.UUID, member_id: uuid.UUID, *, ip: str
) -> None:
    async with conn.transaction():
        done = await conn.fetchval(
            "UPDATE accounts_family_member SET removed_at = now() "
            "WHERE id = $1 AND account = $2 AND removed_at IS NULL RETURNING id",
            member_id,
            account_id,
        )
        if done is None:
            raise NotFoundError("family member")
        # Mandates over a removed member end with the link.
        await conn.execute(
            "UPDATE accounts_mandate SET status = 'revoked', revoked_at = now(), revoked_by = $2 "
            "WHERE member = $1 AND status IN ('pending', 'review', 'active')",
            member_id,
            account_id,
        )
        await record(
            conn,
            action="family.member_removed",
            actor=account_id,
            subject=account_id,
            detail={"member": str(member_id)},
            ip=ip,
        )


_MANDATE_SELECT = """
    SELECT m.*, h.name AS holder_name, f.member_name, f.relation, f.member_account
    FROM accounts_mandate m
    JOIN accounts_account h ON h.id = m.holder
    JOIN accounts_family_member f ON f.id = m.member
"""


def _mandate(row: asyncpg.Record) -> schemas.Mandate:
    status = row["status"]
    if status == "active" and row["valid_until"] <= dt.datetime.now(dt.UTC):
        status = "expired"
    return schemas.Mandate(
        id=row["id"],
        holder=schemas.Party(id=row["holder"], name=row["holder_name"]),
        member=schemas.Party(id=row["member"], name=row["member_name"]),
        relation=row["relation"],
        basis=row["basis"],
        services=list(row["services"]),
        status=status,
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        revoked_at=row["revoked_at"],
        proof=row["proof"],
        review_reason=row["review_reason"],
    )


async def create_mandate(
    conn: asyncpg.Connection,
    account_id: uuid.UUID,
    data: schemas.MandateCreate,
    *,
    ip: str,
    registry: RegistryAccess | None = None,
    family_cards: FamilyCards | None = None,
) -> schemas.Mandate:
    """A mandate to act for a linked family member.

    For a minor child the parent's authority is the basis: the mandate is active at once only when the
    registry's KK or a verified KK in the parent's wallet (``family_cards``) lists both
    (``mandate_review.parental_status``), else it waits for an officer; it lasts until
    the child turns 17 at the latest. For an adult (an elderly parent) the member must accept it in their own
    account; without an account, they first create one (an officer-verified power of attorney comes later).
    """
    # Long on purpose: the basis (a minor's parent or an adult's consent) decides both status and validity, then one
    # insert with its two audit events; the rule reads in one piece.
    member = await conn.fetchrow(
        "SELECT * FROM accounts_family_member WHERE id = $1 AND account = $2 AND removed_at IS NULL",
        data.member_id,
        account_id,
    )
    if member is None:
        raise NotFoundError("family member")
    now = dt.datetime.now(dt.UTC)
    valid_until = data.valid_until if data.valid_until.tzinfo else data.valid_until.replace(tzinfo=dt.UTC)
    if valid_until <= now:
        raise MandateError("validUntil must be in the future")
    if valid_until - now > MAX_MANDATE:
        raise MandateError("a mandate lasts at most one year; renew it when it ends")
    services = await _mandate_services(conn, data.services)
    proof: str | None = None
    card: uuid.UUID | None = None
    if member["relation"] == "child" and is_minor(member["member_nik"], now.date()):
        basis = "parental"
        status, proof, card = await parental_status(
            conn,
            holder=account_id,
            child_nik=member["member_nik"],
            registry=registry,
            ip=ip,
            family_cards=family_cards,
        )
        birth = nik_birth_date(member["member_nik"])[0]
        adulthood = dt.datetime.combine(birth.replace(year=birth.year + ADULT_AGE), dt.time(), dt.UTC)
        valid_until = min(valid_until, adulthood)
    elif member["member_account"] is not None:
        basis, status = "consent", "pending"
    else:
        raise MandateError("an adult family member must accept the mandate in their own MPP Digital account")
    async with conn.transaction():
        mandate_id = await conn.fetchval(
            """INSERT INTO accounts_mandate (id, holder, member, basis, services, status, valid_from, valid_until,
                                             created_at, proof)
               VALUES ($1, $2, $3, $4, $5, $6, now(), $7, now(), $8) RETURNING id""",
            uuid.uuid4(),
            account_id,
            member["id"],
            basis,
            services,
            status,
            valid_until,
            proof,
        )
        detail = {
            "mandate": str(mandate_id),
            "basis": basis,
            "services": services,
            "until": valid_until.isoformat(),
            "status": status,
        }
        if card is not None:
            detail["familyCard"] = str(card)
        await record(conn, action="mandate.created", actor=account_id, subject=account_id, detail=detail, ip=ip)
        if member["member_account"]:
            await record(
                conn, action="mandate.created", actor=account_id, subject=member["member_account"], detail=detail, ip=ip
            )
    return _mandate(await conn.fetchrow(_MANDATE_SELECT + " WHERE m.id = $1", mandate_id))


async def _mandate_services(conn: asyncpg.Connection, asked: list[str]) -> list[str]:
    """The service codes a mandate covers, sorted (``["*"]`` for all); MandateError names any unknown one."""
    services = sorted(set(asked))
    if "*" in services:
        return ["*"]
    if unknown := sorted(set(services) - await known_service_codes(conn, services)):
        raise MandateError(f"unknown services: {', '.join(unknown)}")
    return services


async def list_mandates(conn: asyncpg.Connection, account_id: uuid.UUID) -> schemas.MandateList:
    """Mandates I hold, and mandates over me that others hold."""
    rows = await conn.fetch(
        _MANDATE_SELECT + " WHERE m.holder = $1 OR f.member_account = $1 ORDER BY m.created_at DESC", account_id
    )
    return schemas.MandateList(items=[_mandate(r) for r in rows], total=len(rows))


async def accept_mandate(
    conn: asyncpg.Connection, account_id: uuid.UUID, mandate_id: uuid.UUID, *, ip: str
) -> schemas.Mandate:
    async with conn.transaction():
        row = await _lock_mandate(conn, mandate_id, parties=("member_account",), account_id=account_id)
        if row["status"] != "pending":
            raise MandateError(
                f"this mandate is {row['status']}, not waiting for acceptance", status=409, code="conflict"
            )
        await conn.execute("UPDATE accounts_mandate SET status = 'active', proof = 'consent' WHERE id = $1", mandate_id)
        await _record_mandate(conn, "mandate.accepted", row, actor=account_id, ip=ip)
    return _mandate(await conn.fetchrow(_MANDATE_SELECT + " WHERE m.id = $1", mandate_id))


async def revoke_mandate(
    conn: asyncpg.Connection, account_id: uuid.UUID, mandate_id: uuid.UUID, *, ip: str
) -> schemas.Mandate:
    """Either side may end a mandate at any time."""
    async with conn.transaction():
        row = await _lock_mandate(conn, mandate_id, parties=("holder", "member_account"), account_id=account_id)
        if row["status"] in ("pending", "review", "active"):
            await conn.execute(
                "UPDATE accounts_mandate SET status = 'revoked', revoked_at = now(), revoked_by = $2 WHERE id = $1",
                mandate_id,
                account_id,
            )
            await _record_mandate(conn, "mandate.revoked", row, actor=account_id, ip=ip)
    return _mandate(await conn.fetchrow(_MANDATE_SELECT + " WHERE m.id = $1", mandate_id))


async def _lock_mandate(
    conn: asyncpg.Connection, mandate_id: uuid.UUID, *, parties: tuple[str, ...], account_id: uuid.UUID
) -> asyncpg.Record:
    """The mandate's row, locked until the transaction ends; NotFoundError unless ``account_id`` is one of the
    ``parties`` (columns of _MANDATE_SELECT) — a mandate of others is not there at all, to this caller."""
    row = await conn.fetchrow(_MANDATE_SELECT + " WHERE m.id = $1 FOR UPDATE OF m", mandate_id)
    if row is None or account_id not in (row[p] for p in parties):
        raise NotFoundError("mandate")
    return row


async def _record_mandate(
    conn: asyncpg.Connection, action: str, row: asyncpg.Record, *, actor: uuid.UUID, ip: str
) -> None:
    """One audit row in the trail of each side of the mandate (the member's, if they have an account; the holder's)."""
    for subject in (row["member_account"], row["holder"]):
        if subject is not None:
            await record(conn, action=action, actor=actor, subject=subject, detail={"mandate": str(row["id"])}, ip=ip)


async def mandate_allows(
    conn: asyncpg.Connection, *, holder: uuid.UUID, member_nik: str, service_code: str
) -> uuid.UUID | None:
    """The active mandate letting ``holder`` act for the person with ``member_nik`` on ``service_code``."""
    found: uuid.UUID | None = await conn.fetchval(
        """SELECT m.id FROM accounts_mandate m JOIN accounts_family_member f ON f.id = m.member
           WHERE m.holder = $1 AND f.member_nik = $2 AND f.removed_at IS NULL AND m.status = 'active'
             AND now() >= m.valid_from AND now() < m.valid_until
             AND ('*' = ANY(m.services) OR $3 = ANY(m.services))
           LIMIT 1""",
        holder,
        member_nik,
        service_code,
    )
    return found


# --- what other domains show of an account: they call these, never read accounts_account (docs/ARCHITECTURE.md) ---


@dataclass(frozen=True)
class Person:
    name: str  # "" when the person gave none
    phone: str
    nik: str | None  # bound or declared; None when not given
    language: str
    active: bool


async def people(conn: asyncpg.Connection, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, Person]:
    """The accounts of ``ids`` (None and unknown ids are left out) with what other domains print or message."""
    wanted = list({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = await conn.fetch(
        "SELECT id, name, phone, nik, language, status FROM accounts_account WHERE id = ANY($1::uuid[])", wanted
    )
    return {
        r["id"]: Person(
            name=r["name"] or "", phone=r["phone"], nik=r["nik"], language=r["language"], active=r["status"] == "active"
        )
        for r in rows
    }


async def names(conn: asyncpg.Connection, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """The names of the accounts of ``ids`` (as ``people``)."""
    return {i: p.name for i, p in (await people(conn, ids)).items()}


async def is_officer_of(conn: asyncpg.Connection, account: uuid.UUID, *, agency: uuid.UUID, region: str) -> bool:
    """Whether ``account`` is an active officer or supervisor of ``agency`` in ``region`` (a colleague to hand an
    application to)."""
    found: bool = await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM accounts_account WHERE id = $1 AND agency = $2 AND region = $3
                          AND status = 'active' AND roles && ARRAY['officer', 'supervisor']::varchar[])""",
        account,
        agency,
        region,
    )
    return found


async def mandate_member_name(conn: asyncpg.Connection, mandate: uuid.UUID) -> str:
    """The name of the family member a mandate is for ("" when there is no such mandate)."""
    name: str | None = await conn.fetchval(
        "SELECT member_name FROM accounts_family_member f JOIN accounts_mandate m ON m.member = f.id WHERE m.id = $1",
        mandate,
    )
    return name or ""


@dataclass(frozen=True)
class Identity:
    """What single sign-on may release about an account (issue 19), each part only under its scope."""

    name: str
    phone: str
    nik: str | None  # only a NIK bound by proof; a declared one is never released
    language: str
    assurance: str
    active: bool


def identity_sql(alias: str) -> str:
    """The columns ``identity_from_row`` reads, for a statement that joins ``accounts_account`` as ``alias`` (the
    token endpoint takes a code and the citizen's identity in one round trip)."""
    return (
        f"{alias}.name AS identity_name, {alias}.phone AS identity_phone, {alias}.nik AS identity_nik, "
        f"{alias}.language AS identity_language, {alias}.status AS identity_status, "
        f"{assurance_sql(alias)} AS identity_assurance"
    )


def identity_from_row(row: asyncpg.Record) -> Identity:
    return Identity(
        name=row["identity_name"] or "",
        phone=row["identity_phone"],
        nik=row["identity_nik"] if row["identity_assurance"] != "phone" else None,
        language=row["identity_language"],
        assurance=row["identity_assurance"],
        active=row["identity_status"] == "active",
    )


async def identity_for_release(conn: asyncpg.Connection, account_id: uuid.UUID) -> Identity | None:
    row = await conn.fetchrow(
        f"SELECT {identity_sql('a')} FROM accounts_account a WHERE id = $1",  # noqa: S608  # our SQL
        account_id,
    )
    return identity_from_row(row) if row is not None else None
