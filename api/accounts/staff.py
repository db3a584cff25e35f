"""Staff on their accounts: who may hold which role where (one rule for ``mpp users create`` and admin mode),
and the account rows an admin changes: an invitation, a new role or agency, a suspension.

One account per person: a citizen invited as an officer keeps their account (applications, wallet) and gains
the role. Sessions, passkeys and enrolment codes are auth's: ``api.auth.staff_admin`` orchestrates both.

An account's revision (its ETag for If-Match) is its ``updated_at`` in microseconds: every change of an account
row sets it, and the changes made here move it forward by at least a microsecond, so two admins never overwrite
each other silently.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Literal

import asyncpg

from api.accounts.identity import InvalidPhoneError, normalise_phone, validate_nik
from api.lib.errors import DomainError, FieldError

Role = Literal["citizen", "officer", "supervisor", "region_admin", "national_admin"]
ROLES: tuple[Role, ...] = ("citizen", "officer", "supervisor", "region_admin", "national_admin")
STAFF_ROLES = frozenset({"officer", "supervisor", "region_admin", "national_admin"})
ADMIN_ROLES = frozenset({"region_admin", "national_admin"})

# The revision of an account row ``a``: what its ETag says, and If-Match must name.
REVISION_SQL = "(extract(epoch FROM a.updated_at) * 1000000)::bigint"
# Sets updated_at so that the revision always moves on, even within one microsecond or one transaction's now().
BUMP_SQL = "updated_at = greatest(clock_timestamp(), updated_at + interval '1 microsecond')"


class AccountError(DomainError, ValueError):
    """The account cannot be created or changed as asked (the CLI shows the sentence; forms show ``errors``)."""

    status = 422
    code = "unprocessable"


class AlreadyStaffError(DomainError):
    """The phone number's account already has a staff role: change it instead of inviting again."""

    status = 409
    code = "already_staff"
    detail = "This phone number already belongs to a member of staff."


class AccountNotActiveError(DomainError):
    """The phone number's account is suspended or being deleted: it cannot be given a role now."""

    status = 409
    code = "account_unavailable"
    detail = "The account with this phone number is suspended or being deleted."


@dataclass(frozen=True)
class AccountCreated:
    id: uuid.UUID
    phone: str
    roles: list[str]
    name: str
    nik: str | None
    agency: str | None
    region: str | None


def _refuse(field: str, message: str) -> AccountError:
    return AccountError(message, errors=[FieldError(field=field, message=message)])


async def check_scope(
    conn: asyncpg.Connection, *, role: str, agency: str | None, region: str | None
) -> tuple[uuid.UUID | None, str | None]:
    """The agency (id, code) a role needs where it is held; raises AccountError naming the field otherwise.

    Officers and supervisors work for one live agency of one region; a region admin has a region and no agency;
    a national admin and a citizen have neither.
    """
    agency = agency.strip().upper() if agency else None
    if role == "citizen" and (agency or region):
        raise _refuse("agency" if agency else "region", "a citizen has no agency or region")
    # The sentences name the command line's options: the CLI shows them; forms show their own, by field.
    if role in ("officer", "supervisor") and not (agency and region):
        raise _refuse("region" if not region else "agency", f"an {role} needs --agency and --region")
    if role == "region_admin" and (agency or not region):
        raise _refuse("agency" if agency else "region", "a region admin needs --region and no --agency")
    if role == "national_admin" and (agency or region):
        raise _refuse("agency" if agency else "region", "a national admin has no agency or region")
    if region and not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM catalogue_region WHERE code = $1)", region):
        raise _refuse("region", f"unknown region {region}")
    if not agency:
        return None, None
    # Only an agency that still sits in the region's MPP: a retired one keeps its rows, not new staff.
    agency_id = await conn.fetchval(
        "SELECT id FROM catalogue_agency WHERE region = $1 AND code = $2 AND retired_at IS NULL", region, agency
    )
    if agency_id is None:
        raise _refuse("agency", f"agency {agency} does not serve region {region}")
    return agency_id, agency


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
    agency_id, agency = await check_scope(conn, role=role, agency=agency, region=region)
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


# --- what an admin changes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffAccount:
    """A staff account as an admin acts on it (locked for the change)."""

    id: uuid.UUID
    name: str
    phone: str
    roles: list[str]
    agency: str | None  # the agency's code
    region: str | None
    status: str  # active | disabled
    revision: int

    @property
    def role(self) -> str:
        """The staff role (an account holds one; a citizen who joined the staff keeps "citizen" beside it)."""
        return next(r for r in ROLES if r in self.roles and r in STAFF_ROLES)

    @property
    def is_admin(self) -> bool:
        return bool(set(self.roles) & ADMIN_ROLES)

    def scope(self) -> dict[str, str | None]:
        """Role, agency and region: what the audit trail shows before and after a change."""
        return {"role": self.role, "agency": self.agency, "region": self.region}


async def lock_staff(conn: asyncpg.Connection, account: uuid.UUID) -> StaffAccount | None:
    """The staff account ``account``, locked until the caller's transaction ends; None for anyone else (citizens,
    deleted accounts, no such id). Call inside a transaction."""
    row = await conn.fetchrow(
        f"""SELECT a.id, a.name, a.phone, a.roles, g.code AS agency, a.region, a.status,
                   {REVISION_SQL} AS revision
            FROM accounts_account a LEFT JOIN catalogue_agency g ON g.id = a.agency
            WHERE a.id = $1 AND a.status IN ('active', 'disabled') AND a.roles && $2::varchar[]
            FOR UPDATE OF a""",  # noqa: S608  (constant SQL of ours)
        account,
        sorted(STAFF_ROLES),
    )
    return StaffAccount(**dict(row)) if row is not None else None


async def add_staff_role(
    conn: asyncpg.Connection, *, phone: str, name: str, role: Role, agency: str | None, region: str | None
) -> tuple[uuid.UUID, bool]:
    """Give a phone number's person a staff role: a new account, or a citizen's own account that gains the role.

    Returns (account id, whether the account existed). Raises AccountError/InvalidPhoneError naming the field,
    AlreadyStaffError when the number is a member of staff already.
    """
    try:
        phone = normalise_phone(phone)
    except InvalidPhoneError as exc:
        exc.errors = [FieldError(field="phone", message=str(exc))]  # shown next to the form's field
        raise
    if role not in STAFF_ROLES:
        raise _refuse("role", f"{role} is not a staff role")
    agency_id, _ = await check_scope(conn, role=role, agency=agency, region=region)
    async with conn.transaction():
        existing = await conn.fetchrow(
            "SELECT id, roles, status FROM accounts_account WHERE phone = $1 FOR UPDATE", phone
        )
        if existing is None:
            created = await create_account(conn, role=role, phone=phone, name=name, agency=agency, region=region)
            return created.id, False
        if set(existing["roles"]) & STAFF_ROLES:
            raise AlreadyStaffError
        if existing["status"] != "active":
            raise AccountNotActiveError
        # The person's own name stays when they gave one (it may be checked against the registry).
        await conn.execute(
            f"""UPDATE accounts_account SET roles = array_append(roles, $2), agency = $3, region = $4,
                       name = CASE WHEN name = '' THEN $5 ELSE name END, {BUMP_SQL}
                WHERE id = $1""",  # noqa: S608  (constant SQL of ours)
            existing["id"],
            role,
            agency_id,
            region,
            name.strip()[:120],
        )
        found: uuid.UUID = existing["id"]
        return found, True


async def set_scope(
    conn: asyncpg.Connection, account: StaffAccount, *, role: Role, agency: str | None, region: str | None
) -> None:
    """Give a locked staff account another role, agency or region (checked as for a new one)."""
    if role not in STAFF_ROLES:
        raise _refuse("role", f"{role} is not a staff role")
    agency_id, _ = await check_scope(conn, role=role, agency=agency, region=region)
    roles = [r for r in account.roles if r not in STAFF_ROLES] + [role]
    await conn.execute(
        f"UPDATE accounts_account SET roles = $2, agency = $3, region = $4, {BUMP_SQL} WHERE id = $1",  # noqa: S608
        account.id,
        roles,
        agency_id,
        region,
    )


async def set_status(conn: asyncpg.Connection, account: uuid.UUID, status: Literal["active", "disabled"]) -> None:
    """Suspend (``disabled``) or reinstate a staff account; the caller ends its sessions."""
    await conn.execute(f"UPDATE accounts_account SET status = $2, {BUMP_SQL} WHERE id = $1", account, status)  # noqa: S608


async def touch(conn: asyncpg.Connection, account: uuid.UUID) -> None:
    """A new revision for a change that lives outside the row (its passkeys removed): screens showing the old
    state must read again before acting."""
    await conn.execute(f"UPDATE accounts_account SET {BUMP_SQL} WHERE id = $1", account)  # noqa: S608


async def create_service_identity(conn: asyncpg.Connection, *, name: str, agency: str, region: str) -> uuid.UUID:
    """The account an agency back-office acts as (issue 20): an officer of one agency in one region, named after the
    system, so the same rules as an officer's apply and the citizen's access log names it. Its phone is a number no
    Indonesian mobile has (+62 8000…, within the prefix erased accounts get: mobiles start 08[1-9]): no sign-in code
    can reach it, so only its client credentials can act as it."""
    agency_id, _code = await check_scope(conn, role="officer", agency=agency, region=region)
    account_id: uuid.UUID = await conn.fetchval(
        """INSERT INTO accounts_account (id, phone, name, language, roles, agency, region, status, created_at)
           VALUES (gen_random_uuid(), $1, $2, 'id', '{officer}', $3, $4, 'active', now()) RETURNING id""",
        "+628000" + "".join(secrets.choice("0123456789") for _ in range(8)),
        name.strip()[:120],
        agency_id,
        region,
    )
    return account_id
