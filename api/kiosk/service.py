"""Kiosk mode: which tablet is calling, and the status look-up a citizen confirms with a code. No HTTP here.

The status look-up reveals nothing without the owner's own confirmation:
- typing a number sends a 6-digit code by SMS to the account that submitted the application, and the kiosk
  gets the same answer whether or not the number exists (an unknown number stores a decoy row, so that even
  the later attempts behave alike);
- the code is bound to this kiosk and this number, lives 5 minutes, allows 3 tries, is single use, and is
  stored as an HMAC under the server secret (as sign-in codes are);
- requests are limited per kiosk (a tablet cannot be used to sweep numbers) and per number (the owner's phone
  cannot be flooded with SMS, from one kiosk or many);
- only then a minimal summary is returned — service, status, deadline and what is needed — never the name,
  NIK, answers or documents, and the read is written to the owner's access log ("application.read" via kiosk).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid

import asyncpg

from api.applications import service as applications
from api.applications.service import deadline, local_today
from api.applications.statuses import COMPLETED, NEEDS_CORRECTION, REJECTED, WITHDRAWN
from api.audit.service import record
from api.auth.ratelimit import enforce
from api.auth.service import revoke_session
from api.kiosk import schemas
from api.lib.errors import DomainError
from api.lib.http import Lang, pick

CODE_TTL = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 3
WINDOW = 600
# A kiosk serves a queue of citizens: 30 look-ups in 10 minutes is far above one tablet's real use.
REQUESTS_PER_KIOSK = 30
REQUESTS_PER_NUMBER = 3
CHECKS_PER_KIOSK = 60
LOOK_UPS_LIMITED = "Too many look-ups. Please wait a moment."

# The statuses after which nothing more happens: the kiosk shows when, instead of a deadline.
CLOSED = (COMPLETED, REJECTED, WITHDRAWN)

_NUMBER = re.compile(r"^(\d{4})-(\d{4})-(\d{6,12})$")


class KioskGoneError(DomainError, LookupError):
    """The kiosk was retired (or never existed)."""

    status = 401
    code = "unauthorised"
    detail = "This device is not registered."


class InvalidNumberError(DomainError, ValueError):
    """Not the shape of an application number."""

    status = 422
    code = "invalid_number"
    detail = "Enter the application number as printed, e.g. 3302-2611-000123."


class InvalidCodeError(DomainError):
    """Wrong code, or no code was asked for this number on this kiosk."""

    status = 400
    code = "invalid_code"

    def __init__(self, attempts_left: int) -> None:
        super().__init__(f"The code is wrong. Tries left: {attempts_left}.")
        self.attempts_left = attempts_left


class CodeExpiredError(DomainError):
    """The code is older than 5 minutes, or was already used."""

    status = 400
    code = "code_expired"
    detail = "The code has expired or was used. Ask for a new code."


class TooManyAttemptsError(DomainError):
    """The code died after too many wrong tries."""

    status = 400
    code = "too_many_attempts"
    detail = "Too many wrong codes. Ask for a new code."


def normalise_number(raw: str) -> str:
    """ "3302 2611 000123", "3302-2611-000123" or "33022611000123" → "3302-2611-000123"."""
    compact = re.sub(r"[\s.]", "", raw).replace("–", "-").replace("—", "-")
    if compact.isdigit() and 14 <= len(compact) <= 20:
        compact = f"{compact[:4]}-{compact[4:8]}-{compact[8:]}"
    if not _NUMBER.match(compact):
        raise InvalidNumberError
    return compact


def code_hash(secret: bytes, kiosk: uuid.UUID, number: str, code: str) -> bytes:
    return hmac.new(secret, f"kiosk_status:{kiosk}:{number}:{code}".encode(), hashlib.sha256).digest()


async def device(
    conn: asyncpg.Connection, kiosk: uuid.UUID, *, lang: Lang, idle_seconds: int, warning_seconds: int
) -> schemas.KioskDevice:
    row = await conn.fetchrow(
        """SELECT k.id, k.name, k.region, r.name AS region_name, r.name_en AS region_name_en, m.id AS mpp,
                  m.name AS mpp_name
           FROM auth_kiosk k JOIN catalogue_mpp m ON m.id = k.mpp JOIN catalogue_region r ON r.code = k.region
           WHERE k.id = $1 AND k.revoked_at IS NULL""",
        kiosk,
    )
    if row is None:
        raise KioskGoneError
    return schemas.KioskDevice(
        id=row["id"],
        name=row["name"],
        mpp=schemas.Ref(code=str(row["mpp"]), name=row["mpp_name"]),
        region=schemas.Ref(code=row["region"], name=pick(lang, row["region_name"], row["region_name_en"])),
        idle_seconds=idle_seconds,
        warning_seconds=warning_seconds,
    )


async def request_code(
    conn: asyncpg.Connection, *, secret: bytes, kiosk: uuid.UUID, number: str
) -> tuple[str, str, str, Lang] | None:
    """Store a code for ``number`` on this kiosk; return (number, owner's phone, code, owner's language) to
    send, or None.

    None means the number is unknown: the caller answers exactly as it does otherwise, and sends nothing.
    """
    number = normalise_number(number)
    await enforce(
        conn,
        [
            (f"kiosk-status:kiosk:{kiosk}", REQUESTS_PER_KIOSK, WINDOW),
            (f"kiosk-status:number:{number}", REQUESTS_PER_NUMBER, WINDOW),
        ],
        detail=LOOK_UPS_LIMITED,
    )
    owner = await applications.owner_by_number(conn, number)
    code = f"{secrets.randbelow(1_000_000):06d}"
    async with conn.transaction():
        # One live code per kiosk and number: asking again kills the previous one.
        await conn.execute(
            "UPDATE kiosk_status_code SET consumed_at = now() WHERE kiosk = $1 AND number = $2 AND consumed_at IS NULL",
            kiosk,
            number,
        )
        # Yesterday's codes are of no use to anyone: keep the table small as it goes.
        await conn.execute("DELETE FROM kiosk_status_code WHERE expires_at < now() - interval '1 day'")
        await conn.execute(
            """INSERT INTO kiosk_status_code (id, kiosk, number, application, code_hash, attempts, created_at,
                                              expires_at)
               VALUES ($1, $2, $3, $4, $5, 0, now(), now() + $6::interval)""",
            uuid.uuid4(),
            kiosk,
            number,
            owner["id"] if owner else None,
            code_hash(secret, kiosk, number, code),
            CODE_TTL,
        )
    if owner is None:
        return None
    return number, owner["phone"], code, "en" if owner["language"] == "en" else "id"


async def check_code(
    conn: asyncpg.Connection, *, secret: bytes, kiosk: uuid.UUID, number: str, code: str, lang: Lang, ip: str
) -> schemas.StatusSummary:
    """Consume a valid code and return the application's minimal summary; log the read for its owner."""
    # Long on purpose: the checks run in a security-relevant order (rate limit, attempts, expiry, the HMAC
    # with an atomic attempt count, then a single-use consume); kept together so that order is read at once.
    number = normalise_number(number)
    await enforce(conn, [(f"kiosk-check:kiosk:{kiosk}", CHECKS_PER_KIOSK, WINDOW)], detail=LOOK_UPS_LIMITED)
    row = await conn.fetchrow(
        """SELECT id, application, code_hash, attempts, expires_at, consumed_at, expires_at <= now() AS expired
           FROM kiosk_status_code WHERE kiosk = $1 AND number = $2 AND created_at > now() - interval '1 hour'
           ORDER BY created_at DESC LIMIT 1""",
        kiosk,
        number,
    )
    if row is None:
        raise InvalidCodeError(0)
    if row["attempts"] >= MAX_ATTEMPTS:
        raise TooManyAttemptsError
    if row["consumed_at"] is not None or row["expired"]:
        raise CodeExpiredError
    digits = code.strip()
    good = hmac.compare_digest(bytes(row["code_hash"]), code_hash(secret, kiosk, number, digits))
    if not good or row["application"] is None:
        # Counted atomically: parallel guesses cannot share one attempt. The last wrong try kills the code.
        attempts = await conn.fetchval(
            """UPDATE kiosk_status_code SET attempts = attempts + 1,
                   consumed_at = CASE WHEN attempts + 1 >= $2 THEN now() ELSE consumed_at END
               WHERE id = $1 RETURNING attempts""",
            row["id"],
            MAX_ATTEMPTS,
        )
        if attempts >= MAX_ATTEMPTS:
            raise TooManyAttemptsError
        raise InvalidCodeError(MAX_ATTEMPTS - attempts)
    async with conn.transaction():
        # Single use, even against two simultaneous correct submissions.
        consumed = await conn.fetchval(
            "UPDATE kiosk_status_code SET consumed_at = now() WHERE id = $1 AND consumed_at IS NULL RETURNING id",
            row["id"],
        )
        if consumed is None:
            raise CodeExpiredError
        app = await applications.status_row(conn, row["application"])
        if app is None:  # deleted since the code was sent (the row would have gone with it)
            raise CodeExpiredError
        await record(
            conn,
            action="application.read",
            actor=kiosk,
            subject=app["applicant"],
            detail={"application": str(app["id"]), "via": "kiosk", "kiosk": str(kiosk)},
            ip=ip,
        )
    due = deadline(app, local_today(app["region"]))
    return schemas.StatusSummary(
        number=app["number"],
        status=app["status"],
        service=pick(lang, app["name_id"], app["name_en"]),
        agency=pick(lang, app["agency_id"], app["agency_en"]),
        deadline=schemas.StatusDeadline(
            due_date=due.due_date,
            paused=due.paused,
            overdue=due.overdue,
            due_soon=due.due_soon,
            working_days_left=due.working_days_left,
        ),
        updated_at=app["updated_at"],
        action_needed=app["correction_reason"] if app["status"] == NEEDS_CORRECTION else None,
        closed_on=local_today(app["region"], app["status_since"])
        if app["status"] in CLOSED and app["status_since"] is not None
        else None,
    )


async def end_session(conn: asyncpg.Connection, session: uuid.UUID, *, kiosk: uuid.UUID, ip: str) -> None:
    """The idle wipe ends the kiosk's session too: the next citizen starts from a fresh one."""
    await revoke_session(conn, session, reason="kiosk_idle_wipe", actor=kiosk, ip=ip)
