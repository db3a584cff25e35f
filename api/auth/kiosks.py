"""Kiosk devices: shared tablets in MPP buildings, registered by an admin and paired with a short code. No HTTP here.

How a tablet becomes a kiosk:
- an admin registers it by name (``register_for_pairing``) and is shown a one-time **pairing code** (8 characters
  of Crockford's base32, 40 bits, read as "K7Q2-9MXD"), its link and QR code, valid ``PAIRING_TTL``;
- the tablet sends the code (``pair``): in one statement the code dies, a new device secret is made (only its
  SHA-256 is kept) and the tablet gets it with a kiosk session; it keeps the secret in its HttpOnly kiosk
  cookie and signs in with it from then on;
- a wiped or replaced tablet is paired again with a new code (``new_pairing_code``): the old device's secret
  stops working at once and its sessions end;
- ``mpp kiosks register`` (``register``) still hands out a device secret directly, for scripted set-ups.

Pairing codes are kept only as an HMAC under the server secret (like sign-in and enrolment codes): a leaked
table does not let anyone pair a tablet. Guessing is limited per IP address and across the whole service: with
at most a few hundred live codes among 2^40, the allowed guesses find one with odds of about one in a million
per day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import asyncpg
import msgspec

from api.audit.service import record
from api.auth.ratelimit import enforce
from api.auth.service import Issuer, TokenPair, end_sessions, start_session, token_hash
from api.lib.errors import DomainError, FieldError
from api.lib.wire import from_row

# Crockford's base32: no I, L, O or U, so nothing read aloud or typed from a screen is ambiguous.
PAIRING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PAIRING_LENGTH = 8
PAIRING_TTL = dt.timedelta(minutes=15)
# Pairing attempts per IP address and across the service, per 10-minute window. A tablet's typo costs one; the
# global rule is what bounds a guesser with many addresses.
PAIRS_PER_IP = 30
PAIRS_OVERALL = 600
WINDOW = 600
# Read as the symbols they look like when typed by hand.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})

Status = Literal["waiting", "active", "retired"]

# A name on the admin's list: no control, direction-override or zero-width characters (as api.lib.wire.Name).
KioskName = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=60,
        pattern="^[^\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]+$",
        description="A name to tell the tablet apart, e.g. 'Kiosk lobi 1'",
    ),
]
RegionCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{2,10}$", description="a region's BPS code")]


class KioskNotFoundError(DomainError, LookupError):
    """No such kiosk (or MPP building) in the admin's region: 404, "No such <what> in your region."."""

    status = 404
    code = "not_found"

    def __init__(self, what: str) -> None:
        super().__init__(f"No such {what} in your region.")


class InvalidKioskError(DomainError, ValueError):
    """422 with the field at fault: an empty name, no region named by a national admin, no MPP building there."""

    status = 422
    code = "invalid_kiosk"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", errors=[FieldError(field=field, message=message)])


class KioskRetiredError(DomainError):
    """409: a retired kiosk cannot be paired again (register a new one)."""

    status = 409
    code = "kiosk_retired"
    detail = "This kiosk is retired. Register the tablet as a new kiosk."


class KioskEditConflictError(DomainError):
    """412: If-Match named a revision that is no longer current (another admin changed the kiosk)."""

    status = 412
    code = "edit_conflict"
    detail = "Someone else changed this kiosk since you loaded it. Reload it and try again."


class InvalidPairingCodeError(DomainError):
    """400: not a pairing code, or no kiosk waits for this one (wrong, used, replaced)."""

    status = 400
    code = "invalid_pairing_code"
    detail = "This pairing code is not right. Check it, or ask your administrator for a new one."


class PairingCodeExpiredError(DomainError):
    """410: the code was right but its 15 minutes are over."""

    status = 410
    code = "pairing_code_expired"
    detail = "This pairing code has expired. Ask your administrator for a new one."


class KioskCreate(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    name: KioskName
    # The MPP building; defaults to the region's MPP.
    mpp_id: uuid.UUID | None = None
    # A national admin names the region; a region admin's is their own (another region answers 404).
    region: RegionCode | None = None


class KioskUpdate(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    name: KioskName


class KioskInfo(msgspec.Struct, rename="camel", omit_defaults=True):
    id: uuid.UUID
    name: str
    mpp_id: uuid.UUID
    region: str
    created_at: dt.datetime
    # waiting: a pairing code is out (maybe expired: see pairingExpiresAt); active: paired or set up with its
    # secret; retired: revoked, for good.
    status: Status
    revision: int
    revoked_at: dt.datetime | None = None
    paired_at: dt.datetime | None = None
    last_seen_at: dt.datetime | None = None
    pairing_expires_at: dt.datetime | None = None
    # Shown once, when issued: "K7Q2-9MXD" and <browser URL>/#/kiosk/pair?code=K7Q29MXD. Never retrievable again.
    pairing_code: str | None = None
    pairing_link: str | None = None
    # Shown once, to the command line only (`mpp kiosks register`).
    device_secret: str | None = None


class KioskList(msgspec.Struct, rename="camel"):
    items: list[KioskInfo]
    total: int


@dataclass(frozen=True)
class Paired:
    """A tablet that has just been paired: its new device secret (for its cookie) and its kiosk session."""

    kiosk: uuid.UUID
    secret: str
    tokens: TokenPair


def _status(row: Any) -> Status:
    if row["revoked_at"] is not None:
        return "retired"
    return "waiting" if row["pairing_code_hash"] is not None else "active"


def _info(row: Any, **shown: Any) -> KioskInfo:
    return from_row(KioskInfo, row, mpp_id=row["mpp"], status=_status(row), **shown)


def pairing_link(base_url: str, raw: str) -> str:
    """The tablet's pairing screen with the code filled in: what the admin's QR code encodes."""
    return f"{base_url.rstrip('/')}/#/kiosk/pair?code={raw}"


def normalise_code(code: str) -> str:
    """The pairing code as issued (upper case, no spaces or dashes), or '' when it cannot be one."""
    raw = "".join(code.split()).replace("-", "").upper().translate(_LOOKALIKES)
    return raw if len(raw) == PAIRING_LENGTH and all(c in PAIRING_ALPHABET for c in raw) else ""


def _code_hash(pepper: bytes, raw: str) -> str:
    return hmac.new(pepper, f"kiosk-pairing:{raw}".encode(), hashlib.sha256).hexdigest()


def _new_code() -> str:
    return "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(PAIRING_LENGTH))


def _unknown_secret() -> str:
    """The hash of a secret nobody holds: a kiosk waiting for its pairing cannot be signed in as."""
    return token_hash(secrets.token_urlsafe(32))


def _clean_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise InvalidKioskError("name", "is required")
    return cleaned


async def _mpp(conn: asyncpg.Connection, region: str, mpp_id: uuid.UUID | None) -> asyncpg.Record:
    mpp = await conn.fetchrow(
        "SELECT id, region FROM catalogue_mpp WHERE region = $1 AND ($2::uuid IS NULL OR id = $2) "
        "ORDER BY name LIMIT 1",
        region,
        mpp_id,
    )
    if mpp is None:
        raise KioskNotFoundError("MPP building")
    return mpp


async def _insert(
    conn: asyncpg.Connection,
    *,
    mpp: asyncpg.Record,
    name: str,
    secret_hash: str,
    admin: uuid.UUID | None,
    code_hash: str | None = None,
) -> asyncpg.Record:
    row: asyncpg.Record = await conn.fetchrow(
        """INSERT INTO auth_kiosk (id, mpp, region, name, secret_hash, created_by, created_at, pairing_code_hash,
                                   pairing_expires_at, revision)
           VALUES ($1, $2, $3, $4, $5, $6, now(), $7, now() + $8::interval, 1)
           RETURNING *""",
        uuid.uuid4(),
        mpp["id"],
        mpp["region"],
        name,
        secret_hash,
        admin,
        code_hash,
        PAIRING_TTL if code_hash else None,
    )
    return row


async def register(
    conn: asyncpg.Connection, *, admin: uuid.UUID | None, region: str | None, data: KioskCreate, ip: str
) -> KioskInfo:
    """Register a tablet with a device secret, which is in the answer and only there (`mpp kiosks register`)."""
    name = _clean_name(data.name)
    mpp = await _mpp(conn, region or "", data.mpp_id)
    secret = secrets.token_urlsafe(32)
    async with conn.transaction():
        row = await _insert(conn, mpp=mpp, name=name, secret_hash=token_hash(secret), admin=admin)
        await record(
            conn,
            action="kiosk.registered",
            actor=admin,
            subject=None,
            detail={"kiosk": str(row["id"]), "mpp": str(mpp["id"]), "by": "admin" if admin else "command line"},
            ip=ip,
        )
    return _info(row, device_secret=secret)


async def _with_new_code(
    conn: asyncpg.Connection, base_url: str, write: Callable[[str], Awaitable[asyncpg.Record]]
) -> KioskInfo:
    """Draw a pairing code and ``write`` the kiosk's row with it in one transaction; the answer shows the code once.
    A clash with another live code (one in 2^40 per live code) draws again."""
    for _ in range(3):
        raw = _new_code()
        try:
            async with conn.transaction():
                row = await write(raw)
            return _info(row, pairing_code=_grouped(raw), pairing_link=pairing_link(base_url, raw))
        except asyncpg.UniqueViolationError:
            continue
    raise RuntimeError("could not draw a unique pairing code")  # pragma: no cover


async def register_for_pairing(
    conn: asyncpg.Connection,
    pepper: bytes,
    *,
    admin: uuid.UUID,
    region: str | None,
    data: KioskCreate,
    base_url: str,
    ip: str,
) -> KioskInfo:
    """Register a tablet by name; the answer carries its one-time pairing code and link (shown once).

    ``region``: the region admin's own, or the one a national admin named (None: they named none).
    """
    name = _clean_name(data.name)
    if region is None:
        raise InvalidKioskError("region", "is required")
    try:
        mpp = await _mpp(conn, region, data.mpp_id)
    except KioskNotFoundError:
        raise InvalidKioskError("mppId" if data.mpp_id else "region", "has no MPP building") from None

    async def write(raw: str) -> asyncpg.Record:
        row = await _insert(
            conn,
            mpp=mpp,
            name=name,
            secret_hash=_unknown_secret(),
            admin=admin,
            code_hash=_code_hash(pepper, raw),
        )
        await record(
            conn,
            action="kiosk.registered",
            actor=admin,
            subject=None,
            detail={"kiosk": str(row["id"]), "mpp": str(mpp["id"]), "by": "admin"},
            ip=ip,
        )
        return row

    return await _with_new_code(conn, base_url, write)


def _grouped(raw: str) -> str:
    return f"{raw[:4]}-{raw[4:]}"


async def list_kiosks(
    conn: asyncpg.Connection, *, region: str | None, page: int = 1, page_size: int = 100
) -> KioskList:
    """Kiosks of one region, or of every region (national admins): waiting and active ones first, newest first."""
    rows = await conn.fetch(
        """SELECT *, count(*) OVER () AS total FROM auth_kiosk WHERE ($1::text IS NULL OR region = $1)
           ORDER BY revoked_at IS NOT NULL, created_at DESC, id LIMIT $2 OFFSET $3""",
        region,
        page_size,
        (page - 1) * page_size,
    )
    total = rows[0]["total"] if rows else await _count(conn, region)
    return KioskList(items=[_info(r) for r in rows], total=total)


async def _count(conn: asyncpg.Connection, region: str | None) -> int:
    count: int = await conn.fetchval("SELECT count(*) FROM auth_kiosk WHERE ($1::text IS NULL OR region = $1)", region)
    return count


async def _locked(conn: asyncpg.Connection, kiosk: uuid.UUID, region: str | None, revision: int | None) -> Any:
    """The kiosk's row, locked for this transaction; 404 outside the admin's region, 412 at another revision."""
    row = await conn.fetchrow(
        "SELECT * FROM auth_kiosk WHERE id = $1 AND ($2::text IS NULL OR region = $2) FOR UPDATE", kiosk, region
    )
    if row is None:
        raise KioskNotFoundError("kiosk")
    if revision is not None and row["revision"] != revision:
        raise KioskEditConflictError
    return row


async def get(conn: asyncpg.Connection, *, region: str | None, kiosk: uuid.UUID) -> KioskInfo:
    """One kiosk of the admin's region (any region for a national admin: ``region`` None)."""
    row = await conn.fetchrow(
        "SELECT * FROM auth_kiosk WHERE id = $1 AND ($2::text IS NULL OR region = $2)", kiosk, region
    )
    if row is None:
        raise KioskNotFoundError("kiosk")
    return _info(row)


async def rename(
    conn: asyncpg.Connection,
    *,
    admin: uuid.UUID,
    region: str | None,
    kiosk: uuid.UUID,
    revision: int | None,
    data: KioskUpdate,
    ip: str,
) -> KioskInfo:
    """Give a kiosk another name (``revision``: the one the admin read; None for If-Match: *)."""
    name = _clean_name(data.name)
    async with conn.transaction():
        before = await _locked(conn, kiosk, region, revision)
        row = await conn.fetchrow(
            "UPDATE auth_kiosk SET name = $2, revision = revision + 1 WHERE id = $1 RETURNING *", kiosk, name
        )
        await record(
            conn,
            action="kiosk.renamed",
            actor=admin,
            subject=None,
            detail={"kiosk": str(kiosk), "from": before["name"], "to": name},
            ip=ip,
        )
    return _info(row)


async def new_pairing_code(
    conn: asyncpg.Connection,
    pepper: bytes,
    *,
    admin: uuid.UUID,
    region: str | None,
    kiosk: uuid.UUID,
    revision: int | None,
    base_url: str,
    ip: str,
) -> KioskInfo:
    """A new pairing code for a kiosk (a wiped or replaced tablet). The device it had stops being a kiosk at once:
    its secret is replaced by one nobody holds and its sessions end; pairing makes the next secret."""

    async def write(raw: str) -> asyncpg.Record:
        before = await _locked(conn, kiosk, region, revision)
        if before["revoked_at"] is not None:
            raise KioskRetiredError
        row = await conn.fetchrow(
            """UPDATE auth_kiosk SET pairing_code_hash = $2, pairing_expires_at = now() + $3::interval,
                   secret_hash = $4, revision = revision + 1
               WHERE id = $1 RETURNING *""",
            kiosk,
            _code_hash(pepper, raw),
            PAIRING_TTL,
            _unknown_secret(),
        )
        ended = await end_sessions(conn, kiosk=kiosk, reason="kiosk_pairing_code")
        await record(
            conn,
            action="kiosk.pairing_code_issued",
            actor=admin,
            subject=None,
            detail={"kiosk": str(kiosk), "sessionsEnded": ended},
            ip=ip,
        )
        return row

    return await _with_new_code(conn, base_url, write)


async def check_pairing_code(
    conn: asyncpg.Connection, pepper: bytes, *, region: str | None, kiosk: uuid.UUID, code: str
) -> tuple[str, str]:
    """(the raw code, the kiosk's name) when ``code`` is the kiosk's live pairing code: what its QR code may show."""
    raw = normalise_code(code)
    if not raw:
        raise InvalidPairingCodeError
    row = await conn.fetchrow(
        "SELECT name, pairing_code_hash, pairing_expires_at <= now() AS expired FROM auth_kiosk "
        "WHERE id = $1 AND ($2::text IS NULL OR region = $2) AND revoked_at IS NULL",
        kiosk,
        region,
    )
    if row is None:
        raise KioskNotFoundError("kiosk")
    if row["pairing_code_hash"] is None or not hmac.compare_digest(row["pairing_code_hash"], _code_hash(pepper, raw)):
        raise InvalidPairingCodeError
    if row["expired"]:
        raise PairingCodeExpiredError
    return raw, row["name"]


async def pair(conn: asyncpg.Connection, issuer: Issuer, *, code: str, ip: str, user_agent: str) -> Paired:
    """Trade a live pairing code for a new device secret and a kiosk session. The code dies in the same statement
    that checks it, so two tablets racing with one code cannot both win."""
    await enforce(
        conn,
        [(f"kiosk-pair:ip:{ip}", PAIRS_PER_IP, WINDOW), ("kiosk-pair:all", PAIRS_OVERALL, WINDOW)],
        detail="Too many pairing attempts. Please wait before trying again.",
    )
    raw = normalise_code(code)
    if not raw:
        raise InvalidPairingCodeError
    wanted = _code_hash(issuer.secret, raw)
    secret = secrets.token_urlsafe(32)
    async with conn.transaction():
        row = await conn.fetchrow(
            """UPDATE auth_kiosk SET pairing_code_hash = NULL, pairing_expires_at = NULL, paired_at = now(),
                   secret_hash = $2
               WHERE pairing_code_hash = $1 AND pairing_expires_at > now() AND revoked_at IS NULL
               RETURNING id, region""",
            wanted,
            token_hash(secret),
        )
        if row is None:
            expired = await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM auth_kiosk WHERE pairing_code_hash = $1)", wanted
            )
            raise PairingCodeExpiredError if expired else InvalidPairingCodeError
        # Whatever device held this kiosk before (a re-pairing after a wipe) is no longer it.
        await end_sessions(conn, kiosk=row["id"], reason="kiosk_paired")
        await record(
            conn,
            action="kiosk.paired",
            actor=row["id"],
            subject=None,
            detail={"kiosk": str(row["id"]), "region": row["region"], "userAgent": user_agent[:120]},
            ip=ip,
        )
        tokens = await start_session(
            conn,
            issuer,
            account=None,
            kiosk=row["id"],
            kind="kiosk",
            amr=["kiosk"],
            scope="api",
            user_agent=user_agent,
            ip=ip,
        )
    return Paired(kiosk=row["id"], secret=secret, tokens=tokens)


async def revoke(
    conn: asyncpg.Connection,
    *,
    admin: uuid.UUID,
    region: str | None,
    kiosk: uuid.UUID,
    ip: str,
    revision: int | None = None,
) -> None:
    """Retire a kiosk (lost, stolen, replaced): its sessions end at once, and a pairing code it had dies."""
    async with conn.transaction():
        before = await _locked(conn, kiosk, region, revision)
        if before["revoked_at"] is not None:
            raise KioskNotFoundError("kiosk")  # retired already: nothing left to retire
        await conn.execute(
            "UPDATE auth_kiosk SET revoked_at = now(), pairing_code_hash = NULL, pairing_expires_at = NULL, "
            "revision = revision + 1 WHERE id = $1",
            kiosk,
        )
        await end_sessions(conn, kiosk=kiosk, reason="kiosk_revoked")
        await record(conn, action="kiosk.revoked", actor=admin, subject=None, detail={"kiosk": str(kiosk)}, ip=ip)


async def device(conn: asyncpg.Connection, secret: str) -> uuid.UUID | None:
    """The registered, unretired kiosk holding ``secret``."""
    found: uuid.UUID | None = await conn.fetchval(
        "SELECT id FROM auth_kiosk WHERE secret_hash = $1 AND revoked_at IS NULL", token_hash(secret)
    )
    return found
