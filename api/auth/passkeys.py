"""Passkeys (WebAuthn): enrolling one after signing in, and signing in (or confirming a code) with one. No HTTP here.

The ceremonies themselves are checked by py_webauthn; this module owns what the library leaves to us:
- challenges are stored (auth_webauthn_challenge), bound to their purpose and, when known, to the account;
  they live 5 minutes and are burnt by the first attempt to use them, successful or not;
- user verification (PIN, fingerprint, face) is required at enrolment and at every use, so that a passkey
  is two factors on its own and staff may sign in with it alone;
- a sign count that does not move forward (when the authenticator keeps one) means a cloned key: refused
  and written to the audit trail;
- every refusal raises the same InvalidCredentialError: which check failed would only help an attacker;
- a staff member's first passkey also needs an admin's enrolment code (api.auth.enrolment), checked with the
  options and spent with the passkey.

Challenges and keys are never logged. Expired challenges are deleted by api.auth.housekeeping.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    options_to_json_dict,
    parse_authentication_credential_json,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    RegistrationCredential,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from api.audit.service import record
from api.auth import enrolment
from api.auth.ratelimit import enforce
from api.auth.service import WINDOW, unavailable
from api.config import Settings
from api.lib.auth import STAFF, UnauthorisedError
from api.lib.errors import DomainError, NotFoundError

log = logging.getLogger(__name__)

CHALLENGE_TTL = dt.timedelta(minutes=5)
# More than anyone needs (phone, laptop, a security key or two), few enough to keep the tables small.
MAX_PASSKEYS = 20
# Passkey sign-in options per IP address and window: each one stores a challenge, and the route is public.
# Generous, because carrier-grade NAT puts many Indonesian phones behind one address.
OPTIONS_PER_IP = 120
DEFAULT_NAME = "Passkey"


class InvalidCredentialError(DomainError):
    """Unknown, expired, used or foreign challenge; unknown credential; failed verification — one error for all."""

    status = 400
    code = "invalid_credential"
    detail = "This passkey could not be verified. Please try again."


class PasskeyRequiredError(DomainError):
    """A staff member who already has a passkey must confirm with it before enrolling another."""

    status = 403
    code = "second_factor_required"
    detail = "Confirm with your passkey to continue."


class NoPasskeyError(DomainError):
    """The account has no passkey to confirm with."""

    status = 409
    code = "no_passkey"
    detail = "Add a passkey first."


class TooManyPasskeysError(DomainError):
    """The account already has MAX_PASSKEYS passkeys."""

    status = 409
    code = "too_many_passkeys"
    detail = "Remove a passkey before adding another."


class LastPasskeyError(DomainError):
    """Staff may not remove their last passkey: they could no longer give their second factor."""

    status = 409
    code = "last_passkey"
    detail = "Staff keep at least one passkey: add another first."


class PasskeyNotFoundError(NotFoundError):
    """No such passkey among the caller's own."""

    def __init__(self) -> None:
        super().__init__("passkey")


@dataclass(frozen=True)
class RelyingParty:
    """Who we are to the authenticator: the registrable domain, a name, and the origins the browser may report."""

    id: str
    name: str
    origins: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> RelyingParty:
        return cls(id=settings.auth.rp_id, name=settings.auth.rp_name, origins=settings.auth.origins)


@dataclass(frozen=True)
class Options:
    """A stored challenge and the options to hand to navigator.credentials.create()/get() (WebAuthn JSON)."""

    challenge_id: uuid.UUID
    public_key: dict[str, Any]


@dataclass(frozen=True)
class StoredPasskey:
    id: uuid.UUID
    name: str
    transports: list[str]
    created_at: dt.datetime
    last_used_at: dt.datetime | None


@dataclass(frozen=True)
class VerifiedPasskey:
    """A passkey that has just proved its holder: whose it is, and what they may do."""

    passkey: uuid.UUID
    account: uuid.UUID
    roles: list[str]


def _transports(values: list[str]) -> list[AuthenticatorTransport]:
    known = {t.value for t in AuthenticatorTransport}
    return [AuthenticatorTransport(v) for v in values if v in known]


def _refused(ceremony: str, exc: Exception) -> InvalidCredentialError:
    # The library's messages name the failed check (origin, flags, counts), never challenges or keys.
    reason = str(exc) if isinstance(exc, WebAuthnException) else type(exc).__name__
    log.info("passkey %s refused: %r", ceremony, reason[:200])
    return InvalidCredentialError()


async def _save_challenge(
    conn: asyncpg.Connection,
    *,
    purpose: str,
    account: uuid.UUID | None,
    challenge: bytes,
    enrolment_code: uuid.UUID | None = None,
) -> uuid.UUID:
    challenge_id = uuid.uuid4()
    await conn.execute(
        """INSERT INTO auth_webauthn_challenge (id, account, purpose, challenge, expires_at, enrolment_code)
           VALUES ($1, $2, $3, $4, now() + $5::interval, $6)""",
        challenge_id,
        account,
        purpose,
        challenge,
        CHALLENGE_TTL,
        enrolment_code,
    )
    return challenge_id


@dataclass(frozen=True)
class _Challenge:
    challenge: bytes
    enrolment_code: uuid.UUID | None


async def _consume_challenge(
    conn: asyncpg.Connection, challenge_id: uuid.UUID, *, purpose: str, account: uuid.UUID | None
) -> _Challenge:
    """Burn the challenge (in its own statement, so a failed attempt burns it too) and return what it holds."""
    row = await conn.fetchrow(
        """UPDATE auth_webauthn_challenge SET used_at = now()
           WHERE id = $1 AND purpose = $2 AND account IS NOT DISTINCT FROM $3
             AND used_at IS NULL AND expires_at > now()
           RETURNING challenge, enrolment_code""",
        challenge_id,
        purpose,
        account,
    )
    if row is None:
        raise InvalidCredentialError
    return _Challenge(challenge=bytes(row["challenge"]), enrolment_code=row["enrolment_code"])


async def _descriptors(conn: asyncpg.Connection, account: uuid.UUID) -> list[PublicKeyCredentialDescriptor]:
    rows = await conn.fetch(
        "SELECT credential_id, transports FROM auth_passkey WHERE account = $1 ORDER BY created_at", account
    )
    return [
        PublicKeyCredentialDescriptor(id=bytes(r["credential_id"]), transports=_transports(r["transports"]))
        for r in rows
    ]


def _cross_origin(credential: RegistrationCredential | AuthenticationCredential) -> bool:
    """Whether the ceremony ran in a frame of another site (we are never embedded). Call after verification."""
    return bool(parse_client_data_json(credential.response.client_data_json).cross_origin)


async def registration_options(
    conn: asyncpg.Connection,
    rp: RelyingParty,
    *,
    account: uuid.UUID,
    scope: str,
    secret: bytes,
    ip: str,
    enrolment_code: str | None = None,
) -> Options:
    """Options to create a passkey for the signed-in ``account``; its existing passkeys are excluded.

    A staff member's first passkey needs ``enrolment_code`` (checked against ``secret``, the code pepper);
    it is bound to the stored challenge and spent by verify_registration. Anyone else's code is ignored.
    """
    row = await conn.fetchrow("SELECT phone, name, roles FROM accounts_account WHERE id = $1", account)
    if row is None:  # the account went while its token lived: as for any token that is no longer good
        raise UnauthorisedError
    existing = await _descriptors(conn, account)
    # An "mfa" token (code only) may enrol the account's first passkey, never another: see ENROL in
    # passkey_controllers.
    if existing and scope != "api":
        raise PasskeyRequiredError
    if len(existing) >= MAX_PASSKEYS:
        raise TooManyPasskeysError
    code_id = None
    if not existing and set(row["roles"]) & STAFF:
        code_id = await enrolment.check(conn, secret, account=account, code=enrolment_code, ip=ip)
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=account.bytes,
        user_name=row["phone"],
        user_display_name=row["name"] or row["phone"],
        timeout=int(CHALLENGE_TTL.total_seconds() * 1000),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=existing,
    )
    challenge_id = await _save_challenge(
        conn, purpose="register", account=account, challenge=options.challenge, enrolment_code=code_id
    )
    return Options(challenge_id=challenge_id, public_key=options_to_json_dict(options))


async def verify_registration(
    conn: asyncpg.Connection,
    rp: RelyingParty,
    *,
    account: uuid.UUID,
    scope: str,
    challenge_id: uuid.UUID,
    credential: dict[str, Any] | str,
    name: str,
    ip: str,
) -> StoredPasskey:
    """Check the new credential against its challenge and store it as one of ``account``'s passkeys."""
    # Long on purpose: one WebAuthn ceremony's checks in the order they must run (parse, consume the challenge,
    # verify, then count and store under a lock); kept together so the order can be audited in one read.
    try:
        parsed = parse_registration_credential_json(credential)
    except Exception as exc:  # the library parses what an attacker chose: any failure is a refusal
        raise _refused("registration", exc) from exc
    expected = await _consume_challenge(conn, challenge_id, purpose="register", account=account)
    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=expected.challenge,
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
            require_user_verification=True,
        )
    except Exception as exc:  # the library parses bytes an attacker chose: any failure is a refusal
        raise _refused("registration", exc) from exc
    if _cross_origin(parsed):
        raise InvalidCredentialError
    transports = sorted({t.value for t in parsed.response.transports or []})[:8]
    async with conn.transaction():
        # Serialises enrolments of one account, so two parallel ones cannot both pass the checks below.
        roles = await conn.fetchval("SELECT roles FROM accounts_account WHERE id = $1 FOR UPDATE", account)
        count = await conn.fetchval("SELECT count(*) FROM auth_passkey WHERE account = $1", account)
        if count and scope != "api":
            raise PasskeyRequiredError
        if count >= MAX_PASSKEYS:
            raise TooManyPasskeysError
        if not count and set(roles or ()) & STAFF:
            # Raised inside the transaction: the passkey below is then never stored.
            await enrolment.spend(conn, code=expected.enrolment_code, account=account, ip=ip)
        row = await conn.fetchrow(
            """INSERT INTO auth_passkey (id, account, credential_id, public_key, sign_count, transports, name,
                                         created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, now())
               ON CONFLICT (credential_id) DO NOTHING
               RETURNING id, name, transports, created_at, last_used_at""",
            uuid.uuid4(),
            account,
            verified.credential_id,
            verified.credential_public_key,
            verified.sign_count,
            transports,
            name.strip()[:60] or DEFAULT_NAME,
        )
        if row is None:  # this authenticator's credential is registered already (to someone)
            raise InvalidCredentialError
        await record(
            conn,
            action="passkey.registered",
            actor=account,
            subject=account,
            detail={"passkey": str(row["id"]), "name": row["name"], "backedUp": verified.credential_backed_up},
            ip=ip,
        )
    return _stored(row)


async def authentication_options(
    conn: asyncpg.Connection, rp: RelyingParty, *, account: uuid.UUID | None, ip: str
) -> Options:
    """Options to sign in with a passkey.

    Without ``account`` the browser offers every passkey it holds for us (discoverable credentials: no name or
    number typed). With ``account`` (a staff member confirming a code) only that account's passkeys.
    """
    await enforce(conn, [(f"passkey-options:ip:{ip}", OPTIONS_PER_IP, WINDOW)])
    allowed: list[PublicKeyCredentialDescriptor] = []
    if account is not None:
        allowed = await _descriptors(conn, account)
        if not allowed:
            raise NoPasskeyError
    options = generate_authentication_options(
        rp_id=rp.id,
        timeout=int(CHALLENGE_TTL.total_seconds() * 1000),
        allow_credentials=allowed,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    challenge_id = await _save_challenge(conn, purpose="authenticate", account=account, challenge=options.challenge)
    return Options(challenge_id=challenge_id, public_key=options_to_json_dict(options))


async def verify_authentication(
    conn: asyncpg.Connection,
    rp: RelyingParty,
    *,
    challenge_id: uuid.UUID,
    credential: dict[str, Any] | str,
    account: uuid.UUID | None,
    ip: str,
) -> VerifiedPasskey:
    """Check an assertion against its challenge and the stored passkey; return whose passkey it is.

    ``account`` is the signed-in staff member confirming a code (the passkey must be theirs), or None for a
    passkey-only sign-in. Raises AccountUnavailableError for a verified passkey of an account that may not
    sign in.
    """
    # Long on purpose, as verify_registration: the assertion's checks in the order they must run.
    try:
        parsed = parse_authentication_credential_json(credential)
    except Exception as exc:  # the library parses what an attacker chose: any failure is a refusal
        raise _refused("sign-in", exc) from exc
    expected = (await _consume_challenge(conn, challenge_id, purpose="authenticate", account=account)).challenge
    clone: dict[str, Any] | None = None
    async with conn.transaction():
        # Locked, so that two assertions of one passkey are counted one after the other.
        row = await conn.fetchrow(
            """SELECT p.id, p.account, p.public_key, p.sign_count, a.roles, a.status
               FROM auth_passkey p JOIN accounts_account a ON a.id = p.account
               WHERE p.credential_id = $1
               FOR UPDATE OF p""",
            parsed.raw_id,
        )
        if row is None or (account is not None and row["account"] != account):
            raise InvalidCredentialError
        user_handle = parsed.response.user_handle
        # Discoverable sign-in: the authenticator names the account, and it must be the passkey's owner.
        if (account is None and user_handle is None) or (
            user_handle is not None and user_handle != row["account"].bytes
        ):
            raise InvalidCredentialError
        stored_count = int(row["sign_count"])
        try:
            verified = verify_authentication_response(
                credential=parsed,
                expected_challenge=expected,
                expected_rp_id=rp.id,
                expected_origin=list(rp.origins),
                credential_public_key=bytes(row["public_key"]),
                # The count is checked below, once the signature is known to be good: only a genuine
                # assertion with a stale count is evidence of a cloned key.
                credential_current_sign_count=0,
                require_user_verification=True,
            )
        except Exception as exc:  # the library parses bytes an attacker chose: any failure is a refusal
            raise _refused("sign-in", exc) from exc
        if _cross_origin(parsed):
            raise InvalidCredentialError
        new_count = verified.new_sign_count
        if (new_count or stored_count) and new_count <= stored_count:
            clone = {"passkey": str(row["id"]), "signCount": new_count, "storedSignCount": stored_count}
        else:
            await conn.execute(
                "UPDATE auth_passkey SET sign_count = $2, last_used_at = now() WHERE id = $1", row["id"], new_count
            )
    if clone is not None:
        # Recorded outside the transaction above, which a raise inside would have rolled back.
        log.warning("passkey %s refused: its sign count went backwards (cloned authenticator?)", clone["passkey"])
        await record(conn, action="passkey.clone_suspected", actor=None, subject=row["account"], detail=clone, ip=ip)
        raise InvalidCredentialError
    if row["status"] != "active":
        raise unavailable(row["status"])
    return VerifiedPasskey(passkey=row["id"], account=row["account"], roles=list(row["roles"]))


async def session_owes_passkey(conn: asyncpg.Connection, *, session: uuid.UUID, account: uuid.UUID) -> bool:
    """Whether ``session`` is live, ``account``'s, and still waiting for its second factor."""
    return bool(
        await conn.fetchval(
            """SELECT EXISTS (SELECT 1 FROM auth_session WHERE id = $1 AND account = $2 AND scope = 'mfa'
                   AND revoked_at IS NULL AND now() < idle_expires_at AND now() < absolute_expires_at)""",
            session,
            account,
        )
    )


async def record_second_factor(
    conn: asyncpg.Connection, *, account: uuid.UUID, session: uuid.UUID, passkey: uuid.UUID, ip: str
) -> None:
    await record(
        conn,
        action="auth.second_factor",
        actor=account,
        subject=account,
        detail={"session": str(session), "passkey": str(passkey)},
        ip=ip,
    )


async def list_passkeys(conn: asyncpg.Connection, account: uuid.UUID) -> list[StoredPasskey]:
    rows = await conn.fetch(
        "SELECT id, name, transports, created_at, last_used_at FROM auth_passkey WHERE account = $1 "
        "ORDER BY created_at",
        account,
    )
    return [_stored(r) for r in rows]


async def remove_passkey(conn: asyncpg.Connection, *, account: uuid.UUID, passkey: uuid.UUID, ip: str) -> None:
    """Delete one of ``account``'s passkeys. Staff keep at least one."""
    async with conn.transaction():
        roles = await conn.fetchval("SELECT roles FROM accounts_account WHERE id = $1 FOR UPDATE", account)
        name = await conn.fetchval("SELECT name FROM auth_passkey WHERE id = $1 AND account = $2", passkey, account)
        if roles is None or name is None:
            raise PasskeyNotFoundError
        if set(roles) & STAFF:
            count = await conn.fetchval("SELECT count(*) FROM auth_passkey WHERE account = $1", account)
            if count <= 1:
                raise LastPasskeyError
        await conn.execute("DELETE FROM auth_passkey WHERE id = $1", passkey)
        await record(
            conn,
            action="passkey.removed",
            actor=account,
            subject=account,
            detail={"passkey": str(passkey), "name": name},
            ip=ip,
        )


def _stored(row: Any) -> StoredPasskey:
    return StoredPasskey(
        id=row["id"],
        name=row["name"],
        transports=list(row["transports"]),
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
    )
