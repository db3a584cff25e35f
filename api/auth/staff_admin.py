"""Staff in admin mode: the list, invitations, a new role or agency, suspension, "sign out everywhere", lost
passkeys. No HTTP here.

Who manages whom: a region admin manages the officers and supervisors of their own region — another region's
staff and every admin are not found to them (404, as if they did not exist); a national admin manages every
member of staff. Nobody manages themselves here (409 ``self``): an admin cannot lock themselves out, nor raise
their own role.

Each change locks the account's row, checks the revision the admin read (If-Match; ``accounts.staff``), ends
the person's sessions where their scope changes (access tokens carry roles, agency and region, so a new scope
must start with a new sign-in), and is audited with the actor — all in one transaction.

The list reads accounts, their agency and region, passkeys and sessions in one statement: an admin's filtered,
paged list cannot be assembled from per-person calls (a deliberate cross-domain read, like ``get_me``).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any, Literal, cast

import asyncpg

from api.accounts import staff as accounts
from api.accounts.identity import normalise_phone
from api.audit.service import record
from api.auth import enrolment
from api.auth.schemas import StaffItem, StaffList, StaffRef, StaffRole
from api.auth.service import end_sessions
from api.lib.errors import DomainError, FieldError
from api.lib.language import current_language, pick

StatusFilter = Literal["active", "suspended", "all"]
_STATUSES: dict[str, tuple[str, ...]] = {
    "active": ("active",),
    "suspended": ("disabled",),
    "all": ("active", "disabled"),
}


class SelfManagementError(DomainError):
    """An admin acting on their own account through the staff routes."""

    status = 409
    code = "self"
    detail = "You cannot do this to your own account."


class EditConflictError(DomainError):
    """The account changed since the admin read it (If-Match names an older revision)."""

    status = 412
    code = "edit_conflict"
    detail = "Someone changed this member of staff since you opened them. Reload and try again."


class SuspendedError(DomainError):
    """The action needs an active account (reinstate first)."""

    status = 409
    code = "account_suspended"
    detail = "This account is suspended. Reinstate it first."


@dataclass(frozen=True)
class Admin:
    """The admin acting: their account, their region (None: a national admin), and their address for the trail."""

    id: uuid.UUID
    region: str | None
    ip: str = ""

    @property
    def national(self) -> bool:
        return self.region is None

    def manages(self, roles: list[str], region: str | None) -> bool:
        if self.national:
            return True
        return region == self.region and not set(roles) & accounts.ADMIN_ROLES


def _role_refused() -> accounts.AccountError:
    message = "only a national admin makes someone a region admin"
    return accounts.AccountError(message, errors=[FieldError(field="role", message=message)])


# --- reading ------------------------------------------------------------------------------------------------

_SELECT = f"""
SELECT a.id, a.name, a.phone, a.roles, a.status, a.region, {accounts.REVISION_SQL} AS revision,
       g.code AS agency_code, g.name_id AS agency_name, g.name_en AS agency_name_en,
       r.name AS region_name, r.name_en AS region_name_en,
       EXISTS (SELECT 1 FROM auth_passkey p WHERE p.account = a.id) AS has_passkey,
       (SELECT max(s.created_at) FROM auth_session s WHERE s.account = a.id) AS last_sign_in_at
FROM accounts_account a
LEFT JOIN catalogue_agency g ON g.id = a.agency
LEFT JOIN catalogue_region r ON r.code = a.region
"""  # noqa: S608  (constant SQL of ours)


def _item(row: asyncpg.Record) -> StaffItem:
    lang = current_language()
    return StaffItem(
        account_id=row["id"],
        name=row["name"],
        phone=row["phone"],
        roles=[r for r in accounts.ROLES if r in row["roles"]],
        agency=StaffRef(code=row["agency_code"], name=pick(lang, row["agency_name"], row["agency_name_en"]))
        if row["agency_code"]
        else None,
        region=StaffRef(code=row["region"], name=pick(lang, row["region_name"], row["region_name_en"]))
        if row["region"]
        else None,
        status="suspended" if row["status"] == "disabled" else "active",
        has_passkey=row["has_passkey"],
        last_sign_in_at=row["last_sign_in_at"],
        revision=row["revision"],
    )


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def list_staff(
    conn: asyncpg.Connection,
    admin: Admin,
    *,
    region: str | None = None,
    agency: str | None = None,
    q: str | None = None,
    status: StatusFilter = "active",
    phone: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> StaffList:
    """Staff the admin manages, by name. ``phone`` is an exact match (a number that cannot be one raises the
    identity module's InvalidPhoneError); ``q`` finds a part of the name or of the number."""
    where = ["a.roles && $1::varchar[]", "a.status = ANY($2::varchar[])"]
    args: list[Any] = [sorted(accounts.STAFF_ROLES), list(_STATUSES[status])]

    def add(condition: str, value: Any) -> None:
        args.append(value)
        where.append(condition.replace("$?", f"${len(args)}"))

    if not admin.national:
        region = admin.region
        add("NOT a.roles && $?::varchar[]", sorted(accounts.ADMIN_ROLES))
    if region:
        add("a.region = $?", region)
    if agency:
        add("g.code = $?", agency.strip().upper())
    if phone:
        add("a.phone = $?", normalise_phone(phone))
    if q and q.strip():
        text = q.strip()
        digits = re.sub(r"[\s\-+().]", "", text)
        if digits.isascii() and digits.isdigit() and len(digits) >= 3:
            # Typed as people write numbers: 0812… is +62812….
            add("a.phone LIKE $?", _like("62" + digits[1:] if digits.startswith("0") else digits))
        else:
            add("a.name ILIKE $?", _like(text))
    condition = " AND ".join(where)
    total = await conn.fetchval(
        f"""SELECT count(*) FROM accounts_account a LEFT JOIN catalogue_agency g ON g.id = a.agency
            WHERE {condition}""",  # noqa: S608  (conditions of ours; values are parameters)
        *args,
    )
    rows = await conn.fetch(
        f"{_SELECT} WHERE {condition} ORDER BY lower(a.name), a.phone, a.id "
        f"LIMIT {int(page_size)} OFFSET {(int(page) - 1) * int(page_size)}",
        *args,
    )
    return StaffList(items=[_item(r) for r in rows], total=total)


async def get_staff(conn: asyncpg.Connection, admin: Admin, account: uuid.UUID) -> StaffItem:
    """One member of staff the admin manages (404 for anyone else)."""
    row = await conn.fetchrow(
        f"{_SELECT} WHERE a.id = $1 AND a.status IN ('active', 'disabled') AND a.roles && $2::varchar[]",
        account,
        sorted(accounts.STAFF_ROLES),
    )
    if row is None or not admin.manages(list(row["roles"]), row["region"]):
        raise enrolment.StaffNotFoundError
    return _item(row)


# --- changing -----------------------------------------------------------------------------------------------


async def _locked(
    conn: asyncpg.Connection, admin: Admin, account: uuid.UUID, revision: int | None
) -> accounts.StaffAccount:
    """The account locked for a change: managed by this admin, not their own, at the revision they read."""
    if account == admin.id:
        raise SelfManagementError
    found = await accounts.lock_staff(conn, account)
    if found is None or not admin.manages(found.roles, found.region):
        raise enrolment.StaffNotFoundError
    if revision is not None and found.revision != revision:
        raise EditConflictError
    return found


@dataclass(frozen=True)
class Invitation:
    account: uuid.UUID
    existing_account: bool
    code: enrolment.IssuedCode


async def invite(
    conn: asyncpg.Connection,
    secret: bytes,
    admin: Admin,
    *,
    phone: str,
    name: str,
    role: StaffRole,
    agency: str | None,
    region: str | None,
    ttl: dt.timedelta,
) -> Invitation:
    """Make a phone number's person a member of staff (a new account, or their citizen account gains the role) and
    issue the enrolment code for their first passkey. ``region``: the region admin's own, or the national
    admin's choice."""
    if role == "region_admin" and not admin.national:
        raise _role_refused()
    async with conn.transaction():
        account, existing = await accounts.add_staff_role(
            conn, phone=phone, name=name, role=role, agency=agency, region=region
        )
        removed = ended = 0
        if existing:
            # Their citizen sessions carry no staff role; a staff session starts with a passkey. A passkey they
            # made as a citizen was enrolled with an SMS code alone: a member of staff's first one needs the
            # admin's code (api.auth.enrolment), so those are removed and they enrol anew with this invitation.
            ended = await end_sessions(conn, account=account, reason="staff_invited")
            removed = _count(await conn.execute("DELETE FROM auth_passkey WHERE account = $1", account))
        await record(
            conn,
            action="staff.invited",
            actor=admin.id,
            subject=account,
            detail={
                "role": role,
                "agency": agency.strip().upper() if agency else None,
                "region": region,
                "existingAccount": existing,
                "sessionsEnded": ended,
                "passkeysRemoved": removed,
            },
            ip=admin.ip,
        )
        issued = await enrolment.issue(conn, secret, account=account, ttl=ttl, issued_by=admin.id, ip=admin.ip)
    return Invitation(account=account, existing_account=existing, code=issued)


def _count(status: str) -> int:
    """The row count of an asyncpg command status ("DELETE 3")."""
    return int(status.rsplit(" ", 1)[-1])


async def change(
    conn: asyncpg.Connection,
    admin: Admin,
    account: uuid.UUID,
    *,
    revision: int,
    role: StaffRole | None,
    agency: str | None,
    region: str | None,
) -> StaffItem:
    """A new role, agency or region (national admins) for a member of staff. Their sessions end, so that the new
    scope applies at once; the trail keeps before and after."""
    async with conn.transaction():
        found = await _locked(conn, admin, account, revision)
        new_role = role or found.role
        if new_role == "region_admin" and not admin.national:
            raise _role_refused()
        new_region = region or found.region
        if new_role in ("region_admin", "national_admin"):
            new_agency = agency  # none (check_scope refuses one)
        elif agency:
            new_agency = agency.strip().upper()
        else:
            # The agency they had, if it is of the region they will be in (otherwise check_scope asks for one).
            new_agency = found.agency if new_region == found.region else None
        after = {"role": new_role, "agency": new_agency, "region": new_region}
        if after != found.scope():
            await accounts.set_scope(
                conn, found, role=cast(accounts.Role, new_role), agency=new_agency, region=new_region
            )
            ended = await end_sessions(conn, account=found.id, reason="staff_changed")
            await record(
                conn,
                action="staff.changed",
                actor=admin.id,
                subject=found.id,
                detail={"before": found.scope(), "after": after, "sessionsEnded": ended},
                ip=admin.ip,
            )
    return await get_staff(conn, admin, account)


async def suspend(
    conn: asyncpg.Connection, admin: Admin, account: uuid.UUID, *, revision: int, reason: str
) -> StaffItem:
    """Suspend a member of staff: every session ends and sign-in is refused (``account_suspended``) until an
    admin reinstates them. Their passkeys stay, for the day they come back."""
    async with conn.transaction():
        found = await _locked(conn, admin, account, revision)
        if found.status != "disabled":
            await accounts.set_status(conn, found.id, "disabled")
            ended = await end_sessions(conn, account=found.id, reason="suspended")
            await record(
                conn,
                action="staff.suspended",
                actor=admin.id,
                subject=found.id,
                detail={"reason": reason.strip(), "sessionsEnded": ended},
                ip=admin.ip,
            )
    return await get_staff(conn, admin, account)


async def reinstate(conn: asyncpg.Connection, admin: Admin, account: uuid.UUID, *, revision: int) -> StaffItem:
    """Let a suspended member of staff sign in again."""
    async with conn.transaction():
        found = await _locked(conn, admin, account, revision)
        if found.status == "disabled":
            await accounts.set_status(conn, found.id, "active")
            await record(conn, action="staff.reinstated", actor=admin.id, subject=found.id, detail={}, ip=admin.ip)
    return await get_staff(conn, admin, account)


async def end_all_sessions(conn: asyncpg.Connection, admin: Admin, account: uuid.UUID) -> int:
    """Sign a member of staff out everywhere (a lost phone); returns how many sessions ended."""
    async with conn.transaction():
        found = await _locked(conn, admin, account, None)
        ended = await end_sessions(conn, account=found.id, reason="ended_by_admin")
        await record(
            conn, action="staff.sessions_ended", actor=admin.id, subject=found.id, detail={"ended": ended}, ip=admin.ip
        )
    return ended


async def replace_passkeys(
    conn: asyncpg.Connection, secret: bytes, admin: Admin, account: uuid.UUID, *, revision: int, ttl: dt.timedelta
) -> tuple[int, enrolment.IssuedCode]:
    """A lost security key or phone: remove the person's passkeys, end their sessions and issue a new enrolment
    code for the passkey that replaces them. Returns (passkeys removed, the code)."""
    async with conn.transaction():
        found = await _locked(conn, admin, account, revision)
        if found.status != "active":
            raise SuspendedError
        removed = _count(await conn.execute("DELETE FROM auth_passkey WHERE account = $1", found.id))
        ended = await end_sessions(conn, account=found.id, reason="passkeys_removed")
        await accounts.touch(conn, found.id)
        await record(
            conn,
            action="staff.passkeys_removed",
            actor=admin.id,
            subject=found.id,
            detail={"removed": removed, "sessionsEnded": ended},
            ip=admin.ip,
        )
        issued = await enrolment.issue(conn, secret, account=found.id, ttl=ttl, issued_by=admin.id, ip=admin.ip)
    return removed, issued
