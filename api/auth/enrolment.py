"""Enrolment codes: what a staff member needs, besides the SMS code, to enrol their first passkey. No HTTP here.

An SMS code proves only that someone can read the phone number's messages (a SIM swap, a forwarded SMS). A
staff member's first passkey becomes their second factor for good, so enrolling it takes something an SMS
thief lacks: a one-time code that an admin hands over with the account (``mpp users create`` prints it, and
``mpp users enrolment`` or ``POST /api/v1/admin/staff/{id}/enrolment-code`` issue a new one; admin mode's
invitation issues the first). Later passkeys are added after confirming with the first, and citizens never need
one.

- 12 characters of Crockford base32 (60 bits): guessing is hopeless at the allowed rate, so a wrong guess does
  not kill the code (an SMS thief could otherwise lock the real person out by guessing);
- single use, valid ``MPP_ENROLMENT_CODE_HOURS`` (72 by default); a new code ends the previous one;
- stored only as an HMAC under the server secret, like sign-in codes;
- guesses limited per account and per IP address (``api.auth.ratelimit.enforce``);
- issued, used and failed attempts go to the audit trail.

The code is checked when the registration options are asked for, and spent when the passkey is stored: a
cancelled fingerprint prompt in between does not use it up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import secrets
import uuid
from dataclasses import dataclass

import asyncpg
import segno

from api.accounts.identity import normalise_phone
from api.audit.service import record
from api.auth.ratelimit import enforce
from api.config import Settings
from api.lib.auth import STAFF
from api.lib.errors import DomainError
from api.lib.keys import dev_secret

# Crockford's base32: no I, L, O or U, so that nothing read aloud or copied by hand is ambiguous.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
# Checks per account and per IP address in a 10-minute window; a household or office shares an address.
CHECKS_PER_ACCOUNT = 10
CHECKS_PER_IP = 30
WINDOW = 600
# Read as the digits they look like when typed by hand.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


class EnrolmentCodeRequiredError(DomainError):
    """A staff member's first passkey needs the enrolment code, and none came with the request."""

    status = 400
    code = "enrolment_code_required"
    detail = "Enter the enrolment code your administrator gave you to create your first passkey."


class InvalidEnrolmentCodeError(DomainError):
    """Wrong, expired, used or replaced enrolment code: one error for all, as for sign-in codes."""

    status = 400
    code = "invalid_enrolment_code"
    detail = "This enrolment code is wrong, expired or already used. Ask your administrator for a new one."


class StaffNotFoundError(DomainError, LookupError):
    """No active staff account there (or none in the admin's region): 404, as if it did not exist."""

    status = 404
    code = "not_found"
    detail = "No such staff member in your region."


@dataclass(frozen=True)
class IssuedCode:
    """A new enrolment code: shown once, never stored."""

    account: uuid.UUID
    code: str  # grouped for reading aloud: XXXX-XXXX-XXXX
    expires_at: dt.datetime

    def link(self, base_url: str) -> str:
        """The sign-in screen with the code filled in: what an admin sends or shows as a QR code."""
        return enrolment_link(base_url, self.code)


def enrolment_link(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/#/signin?enrol={code}"


def qr_svg(link: str) -> str:
    """An enrolment link as a QR code (SVG text), for the staff member to scan from the admin's screen.

    Drawn only for links this module made (never for text a caller sends), so that the route cannot be used to
    make QR codes that lead elsewhere; the code stays out of URLs and logs, unlike an image fetched by address.
    """
    buffer = io.BytesIO()
    # Error correction M and a 4-module quiet zone, as the kiosk's codes; no fixed size (a viewBox): the screen
    # scales it.
    segno.make(link, error="m", micro=False).save(
        buffer, kind="svg", border=4, light="#fff", xmldecl=False, svgns=True, omitsize=True
    )
    return buffer.getvalue().decode()


def code_secret(settings: Settings) -> bytes:
    """The pepper of one-time codes: MPP_SECRET_KEY, or in dev and test the one generated in the data folder.

    The command line needs the same one as the server, so that the codes it prints are the ones the server
    accepts (same MPP_SECRET_KEY, or same MPP_DATA_DIR in development).
    """
    return (settings.auth.secret_key or dev_secret(settings, "secret-key")).encode()


def normalise(code: str) -> str:
    """The code as issued (upper case, no separators), or '' when it cannot be one."""
    raw = "".join(code.split()).replace("-", "").upper().translate(_LOOKALIKES)
    return raw if len(raw) == LENGTH and all(c in ALPHABET for c in raw) else ""


def _hash(secret: bytes, account: uuid.UUID, raw: str) -> bytes:
    # Bound to the account: one staff member's code is worth nothing on another's account.
    return hmac.new(secret, f"enrolment:{account}:{raw}".encode(), hashlib.sha256).digest()


async def staff_account(conn: asyncpg.Connection, *, phone: str) -> uuid.UUID:
    """The staff account of a phone number (for ``mpp users enrolment --phone``)."""
    try:
        phone = normalise_phone(phone)
    except ValueError as exc:  # the identity module's InvalidPhoneError
        raise StaffNotFoundError(str(exc)) from exc
    row = await conn.fetchrow("SELECT id, roles FROM accounts_account WHERE phone = $1", phone)
    if row is None or not set(row["roles"]) & STAFF:
        raise StaffNotFoundError(f"No staff account has the number {phone}.")
    found: uuid.UUID = row["id"]
    return found


async def issue(
    conn: asyncpg.Connection,
    secret: bytes,
    *,
    account: uuid.UUID,
    ttl: dt.timedelta,
    issued_by: uuid.UUID | None,
    region: str | None = None,
    ip: str = "",
) -> IssuedCode:
    """A new enrolment code for the active staff ``account``; the previous live one ends.

    ``region``: the issuing region admin's region, outside which the account counts as not found (None: a
    national admin or the command line, for every region).
    """
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    async with conn.transaction():
        row = await conn.fetchrow(
            "SELECT roles, region, status FROM accounts_account WHERE id = $1 FOR UPDATE", account
        )
        if (
            row is None
            or not set(row["roles"]) & STAFF
            or row["status"] != "active"
            or (region is not None and row["region"] != region)
        ):
            raise StaffNotFoundError
        await conn.execute(
            "UPDATE auth_enrolment_code SET ended_at = now() "
            "WHERE account = $1 AND used_at IS NULL AND ended_at IS NULL",
            account,
        )
        expires_at = await conn.fetchval(
            """INSERT INTO auth_enrolment_code (id, account, code_hash, issued_by, created_at, expires_at)
               VALUES ($1, $2, $3, $4, now(), now() + $5::interval) RETURNING expires_at""",
            uuid.uuid4(),
            account,
            _hash(secret, account, raw),
            issued_by,
            ttl,
        )
        await record(
            conn,
            action="auth.enrolment_code_issued",
            actor=issued_by,
            subject=account,
            detail={"expiresAt": expires_at.isoformat(), "by": "admin" if issued_by else "command line"},
            ip=ip,
        )
    grouped = "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))
    return IssuedCode(account=account, code=grouped, expires_at=expires_at)


async def needs_code(conn: asyncpg.Connection, *, account: uuid.UUID, roles: list[str]) -> bool:
    """Whether ``account`` enrolling a passkey now needs an enrolment code: staff without any passkey."""
    if not set(roles) & STAFF:
        return False
    has_passkey = await conn.fetchval("SELECT EXISTS (SELECT 1 FROM auth_passkey WHERE account = $1)", account)
    return not has_passkey


async def check(conn: asyncpg.Connection, secret: bytes, *, account: uuid.UUID, code: str | None, ip: str) -> uuid.UUID:
    """The id of ``account``'s live enrolment code when ``code`` is it; raises otherwise (and audits the failure)."""
    if not code:
        raise EnrolmentCodeRequiredError
    await enforce(
        conn,
        [(f"enrolment:account:{account}", CHECKS_PER_ACCOUNT, WINDOW), (f"enrolment:ip:{ip}", CHECKS_PER_IP, WINDOW)],
    )
    raw = normalise(code)
    rows = await conn.fetch(
        """SELECT id, code_hash, used_at, ended_at, expires_at <= now() AS expired FROM auth_enrolment_code
           WHERE account = $1 ORDER BY created_at DESC LIMIT 10""",
        account,
    )
    wanted = _hash(secret, account, raw) if raw else b""
    match = next((r for r in rows if wanted and hmac.compare_digest(bytes(r["code_hash"]), wanted)), None)
    if match is not None and match["used_at"] is None and match["ended_at"] is None and not match["expired"]:
        found: uuid.UUID = match["id"]
        return found
    # Why, for whoever investigates (the caller sees one answer for all): guessing shows as "wrong".
    if match is None:
        reason = "wrong"
    elif match["used_at"] is not None:
        reason = "used"
    elif match["ended_at"] is not None:
        reason = "replaced"
    else:
        reason = "expired"
    await record(
        conn, action="auth.enrolment_code_failed", actor=account, subject=account, detail={"reason": reason}, ip=ip
    )
    raise InvalidEnrolmentCodeError


async def spend(conn: asyncpg.Connection, *, code: uuid.UUID | None, account: uuid.UUID, ip: str) -> None:
    """Use up the code checked for this ceremony; call in the transaction that stores the first passkey.

    It may have expired, been replaced or been used by a parallel enrolment since the options were given:
    then nothing is stored (the caller's transaction rolls back) and the person asks for a new code.
    """
    spent = await conn.fetchval(
        """UPDATE auth_enrolment_code SET used_at = now()
           WHERE id = $1 AND account = $2 AND used_at IS NULL AND ended_at IS NULL AND expires_at > now()
           RETURNING id""",
        code,
        account,
    )
    if spent is None:
        raise InvalidEnrolmentCodeError
    await record(
        conn, action="auth.enrolment_code_used", actor=account, subject=account, detail={"code": str(code)}, ip=ip
    )
