"""Verifying an identity against the registry, the counter check, and the officers' mandate review.

The registry is asked outside any transaction (``api.registry.service``); what its answer proves is written
afterwards by the accounts domain, in a transaction of its own (``api.accounts.assurance.bind_nik``).
"""

from __future__ import annotations

import uuid

import asyncpg

from api.accounts import schemas
from api.accounts.assurance import Proof, bind_nik, level_of
from api.accounts.counter import find_for_check, record_check
from api.accounts.identity import validate_nik
from api.accounts.mandate_review import list_for_review, review
from api.applications.service import owner_by_number
from api.lib import errors
from api.lib.errors import DomainError
from api.lib.staff import Officer
from api.registry.service import RegistryAccess, check_identity

# Family cards are Disdukcapil's: its officers review the parental mandates no registry fact has proven.
KK_AGENCY = "DISDUKCAPIL"


class NotKkAgencyError(DomainError):
    """403: only officers of the civil registry review family mandates."""

    status = 403
    code = "forbidden"
    detail = "Only Disdukcapil officers review family mandates."


async def verify_identity(
    conn: asyncpg.Connection, access: RegistryAccess, account_id: uuid.UUID, data: schemas.IdentityVerify, *, ip: str
) -> schemas.IdentityVerification:
    """Ask the registry about NIK, name and birth date; on a match, bind the NIK to this account.

    The answer is ``verified: false`` alike for a mismatch and for a NIK whose verified owner is another account
    (the owner wins; their trail records the attempt): it never tells whether a NIK has an account.
    """
    nik = validate_nik(data.nik)
    fact = await check_identity(
        conn,
        access.registry,
        secret=access.secret,
        account=account_id,
        nik=nik,
        name=" ".join(data.name.split()),
        birth_date=data.birth_date,
        ip=ip,
        channel="app",
    )
    verified = fact.verified and await bind_nik(
        conn, account_id, nik, Proof(method="registry", registry_check=fact.id), birth_date=data.birth_date, ip=ip
    )
    return schemas.IdentityVerification(verified=verified, assurance=await level_of(conn, account_id))


async def find_account(
    conn: asyncpg.Connection, officer: Officer, *, phone: str | None, application_number: str | None
) -> schemas.CounterCard:
    """The citizen at the counter, by their phone number or by one of their applications' numbers."""
    if application_number is not None:
        owner = await owner_by_number(conn, application_number.strip().upper())
        if owner is None:
            raise errors.NotFoundError("application")
        phone = owner["phone"]
    return await find_for_check(conn, officer, phone=phone)


async def check_in_person(
    conn: asyncpg.Connection, officer: Officer, account_id: uuid.UUID, data: schemas.CounterCheck, *, ip: str
) -> schemas.CounterCard:
    return await record_check(conn, officer, account_id, matches=data.matches, ip=ip)


async def mandates_for_review(conn: asyncpg.Connection, officer: Officer) -> schemas.MandateForReviewList:
    if officer.agency_code != KK_AGENCY:
        raise NotKkAgencyError
    return await list_for_review(conn, officer)


async def review_mandate(
    conn: asyncpg.Connection, officer: Officer, mandate_id: uuid.UUID, data: schemas.MandateReview, *, ip: str
) -> schemas.MandateDecision:
    if officer.agency_code != KK_AGENCY:
        raise NotKkAgencyError
    return await review(conn, officer, mandate_id, data, ip=ip)
