"""Signing in: one-time codes, sessions and their rotating refresh tokens. No HTTP here.

Numbers to know (ASVS 5.0 chapter 6/7):
- a code is 6 digits, lives 5 minutes, is single use, dies after 5 wrong tries, and is stored as an HMAC;
- requesting codes is limited per number (1 a minute, 3 per 10 minutes) and per IP address (30 per 10
  minutes: carrier-grade NAT puts many Indonesian phones behind one address); checking codes per number
  (10 per 10 minutes, across codes) and per IP (60 per 10 minutes). Windows are 10 minutes, so an attacker
  who floods a citizen's number blocks them for at most that long, never more;
- refresh tokens are 256-bit, stored as SHA-256, rotated on every use; presenting a spent one revokes the
  whole session (its token family), because either the thief or the owner is replaying it;
- citizens' sessions last 30 days idle and 90 days at most; staff sessions 12 hours; kiosk 12 hours;
  sessions a citizen opens on a kiosk ("assisted") 15 minutes idle and 1 hour at most.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Literal

import asyncpg

from api.accounts.identity import normalise_phone
from api.audit.service import record
from api.auth.ratelimit import enforce
from api.lib.auth import STAFF, forget_session
from api.lib.errors import DomainError
from api.lib.keys import KeyRing
from api.lib.tokens import Claims, issue
from api.oidc import logout as oidc_logout
from api.outbox.service import enqueue

Purpose = Literal["sign_in", "change_phone"]
SessionKind = Literal["citizen", "staff", "kiosk", "assisted", "service"]

CODE_TTL = dt.timedelta(minutes=5)
MAX_CODE_ATTEMPTS = 5
WINDOW = 600
LIFETIMES: dict[str, tuple[dt.timedelta, dt.timedelta]] = {
    # kind: (idle, absolute)
    "citizen": (dt.timedelta(days=30), dt.timedelta(days=90)),
    "staff": (dt.timedelta(hours=12), dt.timedelta(hours=12)),
    "kiosk": (dt.timedelta(hours=12), dt.timedelta(hours=12)),
    "assisted": (dt.timedelta(minutes=15), dt.timedelta(hours=1)),
    # An agency back-office's client-credentials token (api/oidc/service_accounts.py): one access token's life.
    "service": (dt.timedelta(hours=1), dt.timedelta(hours=1)),
}
# A kiosk's "last seen" is written at most this often: a tablet refreshing its token does not write each time.
KIOSK_SEEN_EVERY = dt.timedelta(minutes=1)


class InvalidCodeError(DomainError):
    """Wrong, expired, used or unknown code — one error for all, so nothing can be learnt from it."""

    status = 400
    code = "invalid_code"
    detail = "The code is wrong or has expired. Request a new code."


class InvalidRefreshError(DomainError):
    """The refresh token is unknown, spent, or its session is over."""

    status = 401
    code = "invalid_grant"
    detail = "Sign in again."


class AccountUnavailableError(DomainError):
    """The account exists but may not sign in (disabled, or deletion requested)."""

    status = 403
    code = "account_unavailable"
    detail = "This account cannot sign in."


class AccountSuspendedError(AccountUnavailableError):
    """A member of staff whose account an admin suspended: said so, with whom to ask (admin mode's suspend)."""

    code = "account_suspended"
    detail = "This account is suspended. Contact your region's MPP administrator."


def unavailable(status: str) -> AccountUnavailableError:
    """Why an account that is not active may not sign in: suspended (``disabled``), or being deleted."""
    return AccountSuspendedError() if status == "disabled" else AccountUnavailableError()


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    scope: str
    session_id: uuid.UUID


@dataclass(frozen=True)
class Issuer:
    keys: KeyRing
    issuer: str
    audience: str
    access_seconds: int
    secret: bytes  # pepper for one-time codes


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def code_hash(secret: bytes, purpose: str, phone: str, code: str) -> bytes:
    return hmac.new(secret, f"{purpose}:{phone}:{code}".encode(), hashlib.sha256).digest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def request_code(
    conn: asyncpg.Connection,
    issuer: Issuer,
    *,
    phone: str,
    ip: str,
    purpose: Purpose = "sign_in",
    account: uuid.UUID | None = None,
) -> tuple[str, str]:
    """Create a code for ``phone`` (normalised); return (phone, code) for the caller to send.

    Known and unknown numbers are treated exactly alike: nothing here reveals whether an account exists.
    """
    phone = normalise_phone(phone)
    # Narrowest rule first: a request refused by one rule is not counted by the rules after it, so tapping
    # "resend" within the minute does not use up the number's 10-minute allowance.
    await enforce(
        conn,
        [
            (f"otp:phone-minute:{phone}", 1, 60),
            (f"otp:phone:{phone}", 3, WINDOW),
            (f"otp:ip:{ip}", 30, WINDOW),
        ],
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    async with conn.transaction():
        # One live code per number and purpose: a new request kills the previous one.
        await conn.execute(
            "UPDATE auth_one_time_code SET consumed_at = now() "
            "WHERE phone = $1 AND purpose = $2 AND consumed_at IS NULL",
            phone,
            purpose,
        )
        await conn.execute(
            """INSERT INTO auth_one_time_code (id, phone, purpose, account, code_hash, attempts, created_at, expires_at)
               VALUES ($1, $2, $3, $4, $5, 0, now(), now() + $6::interval)""",
            uuid.uuid4(),
            phone,
            purpose,
            account,
            code_hash(issuer.secret, purpose, phone, code),
            CODE_TTL,
        )
    return phone, code


async def check_code(
    conn: asyncpg.Connection,
    issuer: Issuer,
    *,
    phone: str,
    code: str,
    ip: str,
    purpose: Purpose = "sign_in",
    account: uuid.UUID | None = None,
) -> str:
    """Consume a valid code; return the normalised phone. Raises InvalidCodeError for anything else."""
    try:
        phone = normalise_phone(phone)
    except ValueError as exc:
        raise InvalidCodeError from exc
    await enforce(conn, [(f"verify:phone:{phone}", 10, WINDOW), (f"verify:ip:{ip}", 60, WINDOW)])
    if len(code) != 6 or not code.isdigit():
        raise InvalidCodeError
    row = await conn.fetchrow(
        """SELECT id, code_hash, account FROM auth_one_time_code
           WHERE phone = $1 AND purpose = $2 AND consumed_at IS NULL AND expires_at > now()
           ORDER BY created_at DESC LIMIT 1""",
        phone,
        purpose,
    )
    if row is None or (account is not None and row["account"] != account):
        raise InvalidCodeError
    if not hmac.compare_digest(bytes(row["code_hash"]), code_hash(issuer.secret, purpose, phone, code)):
        # Counted atomically: parallel guesses cannot share one attempt. The fifth wrong try kills it.
        await conn.execute(
            """UPDATE auth_one_time_code SET attempts = attempts + 1,
                   consumed_at = CASE WHEN attempts + 1 >= $2 THEN now() ELSE consumed_at END
               WHERE id = $1""",
            row["id"],
            MAX_CODE_ATTEMPTS,
        )
        raise InvalidCodeError
    # Single use, even against two simultaneous correct submissions.
    consumed = await conn.fetchval(
        "UPDATE auth_one_time_code SET consumed_at = now() WHERE id = $1 AND consumed_at IS NULL RETURNING id",
        row["id"],
    )
    if consumed is None:
        raise InvalidCodeError
    return phone


async def account_for_phone(conn: asyncpg.Connection, phone: str) -> tuple[asyncpg.Record, bool]:
    """The account of a verified number; a first sign-in of an unknown number creates a citizen."""
    row = await conn.fetchrow("SELECT id, roles, status FROM accounts_account WHERE phone = $1", phone)
    created = False
    if row is None:
        row = await conn.fetchrow(
            """INSERT INTO accounts_account (id, phone, name, language, roles, status, created_at, updated_at)
               VALUES ($1, $2, '', 'id', ARRAY['citizen'], 'active', now(), now())
               ON CONFLICT (phone) DO UPDATE SET phone = EXCLUDED.phone
               RETURNING id, roles, status""",
            uuid.uuid4(),
            phone,
        )
        created = True
    if row["status"] != "active":
        raise unavailable(row["status"])
    return row, created


def session_kind(roles: list[str]) -> SessionKind:
    return "staff" if set(roles) & STAFF else "citizen"


async def _tell_other_devices(conn: asyncpg.Connection, account: uuid.UUID, session_id: uuid.UUID, kind: str) -> None:
    """A sign-in while other devices are signed in: tell the citizen (a stolen code shows at once)."""
    others = await conn.fetchval(
        "SELECT count(*) FROM auth_session WHERE account = $1 AND id <> $2 AND revoked_at IS NULL "
        "AND now() < idle_expires_at AND now() < absolute_expires_at",
        account,
        session_id,
    )
    if others:
        await enqueue(
            conn,
            topic="auth.new_sign_in",
            recipient=account,
            subject=session_id,
            payload={"session": str(session_id), "kind": kind},
        )


async def start_session(
    conn: asyncpg.Connection,
    issuer: Issuer,
    *,
    account: uuid.UUID | None,
    kind: SessionKind,
    amr: list[str],
    scope: str,
    user_agent: str,
    ip: str,
    kiosk: uuid.UUID | None = None,
) -> TokenPair:
    idle, absolute = LIFETIMES[kind]
    session_id = uuid.uuid4()
    refresh = secrets.token_urlsafe(32)
    async with conn.transaction():
        await conn.execute(
            """INSERT INTO auth_session (id, account, kiosk, kind, amr, scope, auth_time, created_at, last_used_at,
                                         idle_expires_at, absolute_expires_at, user_agent, ip)
               VALUES ($1, $2, $3, $4, $5, $6, now(), now(), now(), now() + $7::interval, now() + $8::interval,
                       $9, $10)""",
            session_id,
            account,
            kiosk,
            kind,
            amr,
            scope,
            idle,
            absolute,
            user_agent[:300],
            ip[:45],
        )
        await conn.execute(
            "INSERT INTO auth_refresh_token (token_hash, session, created_at) VALUES ($1, $2, now())",
            token_hash(refresh),
            session_id,
        )
        if account is not None and kind not in ("assisted", "service"):
            await _tell_other_devices(conn, account, session_id, kind)
        if kiosk is not None:
            await kiosk_seen(conn, kiosk)
        await record(
            conn,
            action="auth.signed_in",
            actor=account or kiosk,
            subject=account,
            detail={"session": str(session_id), "kind": kind, "amr": amr, "userAgent": user_agent[:120]},
            ip=ip,
        )
    return await _pair(conn, issuer, session_id, refresh)


async def kiosk_seen(conn: asyncpg.Connection, kiosk: uuid.UUID) -> None:
    """Note that a kiosk is alive (sign-in, pairing, token refresh); the row is written at most once a minute."""
    await conn.execute(
        "UPDATE auth_kiosk SET last_seen_at = now() "
        "WHERE id = $1 AND (last_seen_at IS NULL OR last_seen_at <= now() - $2::interval)",
        kiosk,
        KIOSK_SEEN_EVERY,
    )


async def _pair(conn: asyncpg.Connection, issuer: Issuer, session_id: uuid.UUID, refresh: str) -> TokenPair:
    row = await conn.fetchrow(
        """SELECT s.id, s.account, s.kiosk, s.amr, s.scope, s.auth_time, s.kind,
                  a.roles, g.code AS agency, a.region, k.mpp AS kiosk_mpp, k.region AS kiosk_region
           FROM auth_session s
           LEFT JOIN accounts_account a ON a.id = s.account
           LEFT JOIN catalogue_agency g ON g.id = a.agency
           LEFT JOIN auth_kiosk k ON k.id = s.kiosk
           WHERE s.id = $1""",
        session_id,
    )
    if row["kiosk"] is not None:
        claims = Claims(
            subject=row["kiosk"],
            session=session_id,
            roles=("kiosk",),
            scope=row["scope"],
            amr=tuple(row["amr"]),
            auth_time=int(row["auth_time"].timestamp()),
            region=row["kiosk_region"],
            mpp=str(row["kiosk_mpp"]),
        )
    else:
        claims = Claims(
            subject=row["account"],
            session=session_id,
            roles=tuple(row["roles"]),
            scope=row["scope"],
            amr=tuple(row["amr"]),
            auth_time=int(row["auth_time"].timestamp()),
            agency=row["agency"],
            region=row["region"],
        )
    access = issue(
        issuer.keys, claims, issuer=issuer.issuer, audience=issuer.audience, lifetime_seconds=issuer.access_seconds
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=issuer.access_seconds,
        scope=row["scope"],
        session_id=session_id,
    )


async def refresh(conn: asyncpg.Connection, issuer: Issuer, *, refresh_token: str, ip: str) -> TokenPair:
    """Trade a refresh token for a new pair. A spent token revokes its whole session."""
    if not refresh_token or len(refresh_token) > 200:
        raise InvalidRefreshError
    reused = False
    async with conn.transaction():
        row = await conn.fetchrow(
            """SELECT t.token_hash, t.used_at, s.id AS session, s.account, s.kiosk, s.revoked_at, s.kind,
                      s.idle_expires_at, s.absolute_expires_at, a.status, k.revoked_at AS kiosk_revoked_at
               FROM auth_refresh_token t
               JOIN auth_session s ON s.id = t.session
               LEFT JOIN accounts_account a ON a.id = s.account
               LEFT JOIN auth_kiosk k ON k.id = s.kiosk
               WHERE t.token_hash = $1
               FOR UPDATE OF t, s""",
            token_hash(refresh_token),
        )
        if row is None:
            raise InvalidRefreshError
        now = _now()
        if row["used_at"] is not None:
            reused = row["revoked_at"] is None
            if reused:
                await revoke_session(conn, row["session"], reason="refresh_token_reuse", actor=None, ip=ip)
        elif (
            row["revoked_at"] is not None
            or now >= row["idle_expires_at"]
            or now >= row["absolute_expires_at"]
            or (row["account"] is not None and row["status"] != "active")
            or row["kiosk_revoked_at"] is not None
        ):
            raise InvalidRefreshError
        else:
            idle = LIFETIMES[row["kind"]][0]
            new_token = secrets.token_urlsafe(32)
            await conn.execute("UPDATE auth_refresh_token SET used_at = now() WHERE token_hash = $1", row["token_hash"])
            await conn.execute(
                "INSERT INTO auth_refresh_token (token_hash, session, created_at) VALUES ($1, $2, now())",
                token_hash(new_token),
                row["session"],
            )
            await conn.execute(
                """UPDATE auth_session SET last_used_at = now(),
                       idle_expires_at = least(now() + $2::interval, absolute_expires_at) WHERE id = $1""",
                row["session"],
                idle,
            )
            if row["kiosk"] is not None:
                await kiosk_seen(conn, row["kiosk"])
    if reused or row["used_at"] is not None:
        raise InvalidRefreshError
    return await _pair(conn, issuer, row["session"], new_token)


async def revoke_session(
    conn: asyncpg.Connection, session_id: uuid.UUID, *, reason: str, actor: uuid.UUID | None, ip: str
) -> bool:
    async with conn.transaction():
        account = await conn.fetchval(
            "UPDATE auth_session SET revoked_at = now(), revoke_reason = $2 WHERE id = $1 AND revoked_at IS NULL "
            "RETURNING coalesce(account, kiosk)",
            session_id,
            reason,
        )
        if account is None:
            return False
        # Every agency system this session signed into is logged out too, by the same commit (back-channel).
        await oidc_logout.sessions_ended(conn, [session_id], reason=reason)
        await record(
            conn,
            action="auth.session_revoked",
            actor=actor,
            subject=account,
            detail={"session": str(session_id), "reason": reason},
            ip=ip,
        )
    # This process at once; the others when the commit's NOTIFY reaches them (api.lib.auth.SessionRevocations).
    forget_session(session_id)
    return True


async def end_sessions(
    conn: asyncpg.Connection, *, account: uuid.UUID | None = None, kiosk: uuid.UUID | None = None, reason: str
) -> int:
    """End every live session of an account or a kiosk (deletion, retirement), without one audit row each."""
    ended = await conn.fetch(
        "UPDATE auth_session SET revoked_at = now(), revoke_reason = $3 "
        "WHERE (account = $1 OR kiosk = $2) AND revoked_at IS NULL RETURNING id",
        account,
        kiosk,
        reason,
    )
    await oidc_logout.sessions_ended(conn, [r["id"] for r in ended], reason=reason)
    for session in ended:
        forget_session(session["id"])
    return len(ended)


async def revoke_own_session(conn: asyncpg.Connection, account: uuid.UUID, session_id: uuid.UUID, *, ip: str) -> bool:
    """End one of the account's own sessions; False when it is not theirs (or not there)."""
    owner = await conn.fetchval("SELECT account FROM auth_session WHERE id = $1", session_id)
    if owner != account:
        return False
    await revoke_session(conn, session_id, reason="revoked_by_user", actor=account, ip=ip)
    return True


async def revoke_all(
    conn: asyncpg.Connection, account: uuid.UUID, *, except_session: uuid.UUID | None, reason: str, ip: str
) -> int:
    ids = await conn.fetch(
        "SELECT id FROM auth_session WHERE account = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2",
        account,
        except_session,
    )
    for r in ids:
        await revoke_session(conn, r["id"], reason=reason, actor=account, ip=ip)
    return len(ids)


async def session_is_live(conn: asyncpg.Connection, session_id: uuid.UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM auth_session WHERE id = $1 AND revoked_at IS NULL "
            "AND now() < idle_expires_at AND now() < absolute_expires_at)",
            session_id,
        )
    )


async def upgrade_session(conn: asyncpg.Connection, issuer: Issuer, session_id: uuid.UUID, *, amr: str) -> TokenPair:
    """The second factor was given: the session gets full scope, and a fresh refresh token."""
    refresh_token = secrets.token_urlsafe(32)
    async with conn.transaction():
        await conn.execute(
            "UPDATE auth_session SET scope = 'api', amr = array_append(amr, $2), auth_time = now() WHERE id = $1",
            session_id,
            amr,
        )
        await conn.execute(
            "UPDATE auth_refresh_token SET used_at = now() WHERE session = $1 AND used_at IS NULL", session_id
        )
        await conn.execute(
            "INSERT INTO auth_refresh_token (token_hash, session, created_at) VALUES ($1, $2, now())",
            token_hash(refresh_token),
            session_id,
        )
    return await _pair(conn, issuer, session_id, refresh_token)


# --- data rights (UU PDP): the export's and the erasure's part of sign-in state ---------------------------


async def export_rows(conn: asyncpg.Connection, *, account: uuid.UUID) -> dict[str, list[dict[str, object]]]:
    """The account's sessions (its device history) and passkeys: public metadata only, never a secret's hash
    nor a passkey's public key (they identify nothing to the citizen and are of no use outside this server)."""
    sessions = await conn.fetch(
        "SELECT id, kind, amr, created_at, last_used_at, revoked_at, revoke_reason, user_agent, ip "
        "FROM auth_session WHERE account = $1 ORDER BY created_at",
        account,
    )
    passkeys = await conn.fetch(
        "SELECT id, name, transports, created_at, last_used_at FROM auth_passkey WHERE account = $1 "
        "ORDER BY created_at",
        account,
    )
    return {"sessions": [dict(r) for r in sessions], "passkeys": [dict(r) for r in passkeys]}


async def erase(conn: asyncpg.Connection, *, account: uuid.UUID, phone: str) -> dict[str, int]:
    """Delete every sign-in record of an account being erased: sessions (their refresh tokens go with them),
    passkeys, challenges, enrolment codes and the one-time codes sent to its number. Returns counts per kind."""
    statements = {
        "sessions": ("DELETE FROM auth_session WHERE account = $1", account),
        "passkeys": ("DELETE FROM auth_passkey WHERE account = $1", account),
        "challenges": ("DELETE FROM auth_webauthn_challenge WHERE account = $1", account),
        "enrolmentCodes": ("DELETE FROM auth_enrolment_code WHERE account = $1", account),
        "codesByAccount": ("DELETE FROM auth_one_time_code WHERE account = $1", account),
        "codesByPhone": ("DELETE FROM auth_one_time_code WHERE phone = $1", phone),
    }
    counts = {}
    for name, (sql, value) in statements.items():
        status: str = await conn.execute(sql, value)
        counts[name] = int(status.split()[-1])
    counts["oneTimeCodes"] = counts.pop("codesByAccount") + counts.pop("codesByPhone")
    return counts
