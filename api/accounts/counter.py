"""At the MPP counter: an officer finds a citizen's account and records that they compared the KTP-el with it.

The officer sees what the card shows and the account holds — name, masked NIK, birth date — and nothing else;
each look-up is in the citizen's audit trail. A check that matches is an ``in_person`` proof (who, agency,
region, when; ``api.accounts.assurance``); one that does not match is only recorded. No photo is kept: the
card is looked at, not copied (a citizen may still upload it to their own wallet).
"""

from __future__ import annotations

import uuid

import asyncpg

from api.accounts import schemas
from api.accounts.assurance import NikProvenElsewhereError, Proof, assurance_sql, bind_nik
from api.accounts.identity import normalise_phone
from api.audit.service import mask_nik, record
from api.lib import errors
from api.lib.errors import DomainError
from api.lib.staff import Officer


class NoNikToCompareError(DomainError):
    """422 ``nik_missing``: the account holds no NIK (declared or proven), so there is nothing to compare."""

    status = 422
    code = "nik_missing"
    detail = "This account has no NIK yet. The citizen adds it in the app (Settings → Profile) first."


_CARD = f"""
    SELECT a.id, a.name, coalesce(a.nik, c.nik) AS nik, a.birth_date, a.phone, {assurance_sql("a")} AS assurance,
           (SELECT max(p.created_at) FROM accounts_identity_proof p
            WHERE p.account = a.id AND p.nik = a.nik AND p.method = 'in_person') AS checked_at
    FROM accounts_account a LEFT JOIN accounts_nik_claim c ON c.account = a.id
    WHERE a.status = 'active' AND 'citizen' = ANY(a.roles)
"""  # noqa: S608  # assurance_sql is an expression of ours, no input


def _view(row: asyncpg.Record) -> schemas.CounterCard:
    phone: str = row["phone"]
    return schemas.CounterCard(
        account=row["id"],
        name=row["name"],
        nik=mask_nik(row["nik"]),
        birth_date=row["birth_date"],
        phone=phone[:6] + "…" + phone[-3:],
        assurance=row["assurance"],
        checked_at=row["checked_at"],
    )


async def find_for_check(
    conn: asyncpg.Connection, officer: Officer, *, phone: str | None = None, account_id: uuid.UUID | None = None
) -> schemas.CounterCard:
    """The citizen's card view by phone number or account (an application's applicant); 404 otherwise."""
    if phone is not None:
        row = await conn.fetchrow(_CARD + " AND a.phone = $1", normalise_phone(phone))
    else:
        row = await conn.fetchrow(_CARD + " AND a.id = $1", account_id)
    if row is None:
        raise errors.NotFoundError("citizen account")
    await record(
        conn,
        action="identity.looked_up",
        actor=officer.id,
        subject=row["id"],
        detail={"agency": officer.agency_code, "region": officer.region},
    )
    return _view(row)


async def record_check(
    conn: asyncpg.Connection, officer: Officer, account_id: uuid.UUID, *, matches: bool, ip: str
) -> schemas.CounterCard:
    """Record the officer's comparison. A match binds the account's NIK by an ``in_person`` proof."""
    row = await conn.fetchrow(_CARD + " AND a.id = $1", account_id)
    if row is None:
        raise errors.NotFoundError("citizen account")
    if not row["nik"]:
        raise NoNikToCompareError
    where = {"agency": officer.agency_code, "region": officer.region, "nik": mask_nik(row["nik"])}
    if not matches:
        await record(
            conn, action="identity.in_person_mismatch", actor=officer.id, subject=account_id, detail=where, ip=ip
        )
    else:
        agency = await conn.fetchval(
            "SELECT id FROM catalogue_agency WHERE code = $1 AND region = $2", officer.agency_code, officer.region
        )
        proof = Proof(method="in_person", officer=officer.id, agency=agency, region=officer.region)
        if not await bind_nik(conn, account_id, row["nik"], proof, ip=ip):
            raise NikProvenElsewhereError
    row = await conn.fetchrow(_CARD + " AND a.id = $1", account_id)
    return _view(row)
