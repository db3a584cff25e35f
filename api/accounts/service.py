"""Accounts: creating citizens and staff. Sign-in and tokens come with the accounts issue."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

import asyncpg

from api.accounts.identity import normalise_phone, validate_nik

Role = Literal["citizen", "officer", "supervisor", "region_admin", "national_admin"]
ROLES: tuple[Role, ...] = ("citizen", "officer", "supervisor", "region_admin", "national_admin")


class AccountError(ValueError):
    """The account cannot be created as asked."""


@dataclass(frozen=True)
class AccountCreated:
    id: uuid.UUID
    phone: str
    roles: list[str]
    name: str
    nik: str | None
    agency: str | None
    region: str | None


async def create_account(
    conn: asyncpg.Connection,
    *,
    role: Role,
    phone: str,
    nik: str | None = None,
    name: str = "",
    agency: str | None = None,
    region: str | None = None,
) -> AccountCreated:
    """Create an account with one role, checking the staff scope it needs."""
    phone = normalise_phone(phone)
    nik = validate_nik(nik) if nik else None
    if role == "citizen" and (agency or region):
        raise AccountError("a citizen has no agency or region")
    if role in ("officer", "supervisor") and not (agency and region):
        raise AccountError(f"an {role} needs --agency and --region")
    if role == "region_admin" and (not region or agency):
        raise AccountError("a region admin needs --region and no --agency")
    if role == "national_admin" and (agency or region):
        raise AccountError("a national admin has no agency or region")
    agency_id = None
    if region and not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM catalogue_region WHERE code = $1)", region):
        raise AccountError(f"unknown region {region}")
    if agency:
        agency = agency.upper()
        agency_id = await conn.fetchval(
            "SELECT id FROM catalogue_agency WHERE region = $1 AND code = $2", region, agency
        )
        if agency_id is None:
            raise AccountError(f"agency {agency} does not serve region {region}")
    try:
        account_id = await conn.fetchval(
            """INSERT INTO accounts_account (id, phone, nik, name, email, language, roles, agency, region, status,
                                             created_at)
               VALUES ($1, $2, $3, $4, NULL, 'id', $5, $6, $7, 'active', now()) RETURNING id""",
            uuid.uuid4(),
            phone,
            nik,
            name.strip()[:120],
            [role],
            agency_id,
            region,
        )
    except asyncpg.UniqueViolationError as exc:
        what = "phone number" if "phone" in (exc.constraint_name or "") else "NIK"
        raise AccountError(f"an account with this {what} already exists") from exc
    return AccountCreated(id=account_id, phone=phone, roles=[role], name=name, nik=nik, agency=agency, region=region)
