"""Signing in with the national identity provider (INApas-style): start, callback, hand-off. No HTTP types here.

The flow, as a relying party (OIDC Core §3.1, with PKCE):

1. ``start``: a new attempt (state, nonce, PKCE verifier; kept here, 10 minutes, single use) and the provider's
   authorization URL to send the browser to;
2. ``callback``: the state is spent (whatever follows), the code is exchanged and the ID token verified
   (``provider``), then the person is found: by an earlier link (issuer, subject); else by the NIK the provider
   vouches for at ``registry`` level or above, when an account here has proven it; else by the provider's verified
   phone number (an account found or created, as an SMS sign-in would). A vouched NIK is then bound to the account
   by the provider's proof (api.accounts.assurance), so the account takes the provider's level. The answer is a
   one-time hand-off code (2 minutes) for the PWA — or an error code, as the browser is redirected either way;
3. ``complete``: the PWA trades the hand-off code for an ordinary session (amr ``idp``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from api.accounts.assurance import IDP_METHODS, Proof, bind_nik, level_of, meets, proven_holder
from api.accounts.identity import normalise_phone, validate_nik
from api.accounts.service import people
from api.audit.service import mask_nik, record
from api.auth.service import (
    AccountUnavailableError,
    Issuer,
    TokenPair,
    account_for_phone,
    session_kind,
    start_session,
)
from api.config import NationalIdpSettings
from api.federation import provider
from api.lib.errors import DomainError

ATTEMPT_TTL = dt.timedelta(minutes=10)
HANDOFF_TTL = dt.timedelta(minutes=2)
# What the PWA may be handed back as an error code (anything else it shows as a general failure).
_CODE = re.compile(r"^[a-z_]{1,40}$")


class NotConfiguredError(DomainError):
    """404: this deployment has no national identity provider (the sign-in screen shows no button for it)."""

    status = 404
    code = "not_found"
    detail = "Signing in with a national identity provider is not available here."


class InvalidStateError(DomainError):
    """400 ``invalid_state``: the callback's state is missing, unknown, expired or already used."""

    status = 400
    code = "invalid_state"
    detail = "This sign-in link is not valid any more. Start again."


class ProviderDeniedError(DomainError):
    """400 ``access_denied``: the citizen (or the provider) did not allow the sign-in."""

    status = 400
    code = "access_denied"
    detail = "The sign-in was cancelled at the national identity provider."


class SignInBySmsFirstError(DomainError):
    """409 ``sms_sign_in_first``: the provider gave neither a NIK we can use nor a verified phone number."""

    status = 409
    code = "sms_sign_in_first"
    detail = "Sign in with your mobile number (SMS code) first; then you can use the national identity provider."


class NikConflictError(DomainError):
    """409 ``nik_conflict``: the NIK the provider vouches for is proven on another account than the linked one."""

    status = 409
    code = "nik_conflict"
    detail = "This NIK is already proven on another account. Visit an MPP counter to sort it out."


class InvalidHandoffError(DomainError):
    """400 ``invalid_handoff``: the hand-off code is unknown, expired or already used."""

    status = 400
    code = "invalid_handoff"
    detail = "This sign-in has expired or was already used. Start again."


@dataclass(frozen=True)
class Outcome:
    """Where a browser navigation goes next: the provider (``url``), or back to the PWA with a hand-off code or an
    error code to show (a navigation cannot show a problem document)."""

    url: str | None = None
    handoff: str | None = None
    error: str | None = None


def _failed(exc: DomainError) -> Outcome:
    return Outcome(error=exc.code if _CODE.match(exc.code) else "failed")


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def configured(idp: NationalIdpSettings) -> NationalIdpSettings:
    """The provider's settings, or NotConfiguredError when there is none."""
    if not idp.enabled:
        raise NotConfiguredError
    return idp


async def start(conn: asyncpg.Connection, idp: NationalIdpSettings, *, redirect_uri: str) -> Outcome:
    """A new attempt and the provider's authorization URL (or the error code: the provider cannot be reached)."""
    try:
        return Outcome(url=await _start(conn, configured(idp), redirect_uri))
    except DomainError as exc:
        return _failed(exc)


async def _start(conn: asyncpg.Connection, idp: NationalIdpSettings, redirect_uri: str) -> str:
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    # The provider first: when it is down, no attempt is left behind.
    url = await provider.authorization_url(
        idp, redirect_uri=redirect_uri, state=state, nonce=nonce, code_verifier=verifier
    )
    # Each new attempt clears the long-dead ones (both tables' expiry is indexed): no job of its own needed.
    await conn.execute("DELETE FROM federation_attempt WHERE expires_at < now() - interval '1 day'")
    await conn.execute("DELETE FROM federation_handoff WHERE expires_at < now() - interval '1 day'")
    await conn.execute(
        """INSERT INTO federation_attempt (id, state_hash, nonce, code_verifier, created_at, expires_at)
           VALUES ($1, $2, $3, $4, now(), now() + $5::interval)""",
        uuid.uuid4(),
        _hash(state),
        nonce,
        verifier,
        ATTEMPT_TTL,
    )
    return url


async def callback(
    conn: asyncpg.Connection,
    idp: NationalIdpSettings,
    *,
    redirect_uri: str,
    code: str | None,
    state: str | None,
    error: str | None,
    ip: str,
) -> Outcome:
    """The provider sent the browser back: a hand-off code, or the error code the PWA explains (never raises a
    domain error: a browser navigation cannot show a problem document, so every failure is an error code)."""
    try:
        return Outcome(handoff=await _callback(conn, configured(idp), redirect_uri, code, state, error, ip))
    except DomainError as exc:
        return _failed(exc)


async def _callback(
    conn: asyncpg.Connection,
    idp: NationalIdpSettings,
    redirect_uri: str,
    code: str | None,
    state: str | None,
    error: str | None,
    ip: str,
) -> str:
    # Spent now, whatever comes next: a state is good for one answer of the provider, within ATTEMPT_TTL.
    attempt = (
        await conn.fetchrow(
            """UPDATE federation_attempt SET used_at = now()
               WHERE state_hash = $1 AND used_at IS NULL AND expires_at > now()
               RETURNING nonce, code_verifier""",
            _hash(state),
        )
        if state and len(state) <= 200
        else None
    )
    if error:
        # An error answer signs no one in, so it is said as it is even without a state (some providers leave the
        # state out of their error redirects): "cancelled" is what the citizen needs to hear, not "link expired".
        raise ProviderDeniedError if error == "access_denied" else provider.ProviderRefusedError
    if attempt is None:
        raise InvalidStateError
    if not code or len(code) > 2000:
        raise provider.ProviderRefusedError
    claims = await provider.exchange(
        idp, redirect_uri=redirect_uri, code=code, code_verifier=attempt["code_verifier"], nonce=attempt["nonce"]
    )
    handoff = secrets.token_urlsafe(32)
    async with conn.transaction():
        account, created = await _account_for(conn, idp, claims, ip=ip)
        await conn.execute(
            """INSERT INTO federation_handoff (id, code_hash, account, new_account, created_at, expires_at)
               VALUES ($1, $2, $3, $4, now(), now() + $5::interval)""",
            uuid.uuid4(),
            _hash(handoff),
            account,
            created,
            HANDOFF_TTL,
        )
    return handoff


def _vouched_nik(idp: NationalIdpSettings, claims: dict[str, Any], level: str) -> str | None:
    """The NIK the provider vouches for: only at ``registry`` level or above, and only a well-formed one."""
    nik = claims.get(idp.nik_claim)
    if not meets(level, "registry") or not isinstance(nik, str):
        return None
    try:
        return validate_nik(nik)
    except ValueError:
        return None


def _verified_phone(claims: dict[str, Any]) -> str | None:
    phone = claims.get("phone_number")
    if claims.get("phone_number_verified") is not True or not isinstance(phone, str):
        return None
    try:
        return normalise_phone(phone)
    except ValueError:
        return None


async def _account_for(
    conn: asyncpg.Connection, idp: NationalIdpSettings, claims: dict[str, Any], *, ip: str
) -> tuple[uuid.UUID, bool]:
    """The account of the provider's person (linked now if it was not), with the vouched NIK bound by proof."""
    subject, acr = str(claims["sub"]), claims.get("acr")
    acr_text = acr[:100] if isinstance(acr, str) else None
    level = idp.level_for(acr)
    nik = _vouched_nik(idp, claims, level)
    account: uuid.UUID | None = await conn.fetchval(
        """UPDATE federation_link SET last_sign_in_at = now(), acr = $3 WHERE issuer = $1 AND subject = $2
           RETURNING account""",
        idp.issuer,
        subject,
        acr_text,
    )
    created = False
    if account is None:
        account = await proven_holder(conn, nik) if nik else None
        found_by = "nik"
        if account is None:
            phone = _verified_phone(claims)
            if phone is None:
                raise SignInBySmsFirstError
            row, created = await account_for_phone(conn, phone)
            account, found_by = row["id"], "phone"
        # Two callbacks of one person racing: the first link stands, and both sign in to its account.
        account = await conn.fetchval(
            """INSERT INTO federation_link (id, issuer, subject, account, acr, created_at, last_sign_in_at)
               VALUES ($1, $2, $3, $4, $5, now(), now())
               ON CONFLICT (issuer, subject) DO UPDATE SET last_sign_in_at = now()
               RETURNING account""",
            uuid.uuid4(),
            idp.issuer,
            subject,
            account,
            acr_text,
        )
        assert account is not None  # RETURNING of an upsert always has its row
        await record(
            conn,
            action="federation.linked",
            actor=account,
            subject=account,
            detail={"issuer": idp.issuer, "acr": acr_text, "foundBy": found_by, "created": created},
            ip=ip,
        )
    if nik:
        await _prove(conn, account, nik, level, ip=ip)
    return account, created


async def _prove(conn: asyncpg.Connection, account: uuid.UUID, nik: str, level: str, *, ip: str) -> None:
    """Bind the vouched NIK to the account by the provider's proof, unless it already is at that level or above.

    An account that proved another NIK keeps it (one person, one NIK: a mismatch is for a counter to sort out), and a
    NIK proven on another account stays there: both are a conflict, never a silent move.
    """
    holder = await proven_holder(conn, nik)
    if holder == account and meets(await level_of(conn, account), level):
        return
    if holder is not None and holder != account:
        raise NikConflictError
    current = (await people(conn, [account]))[account].nik
    if current and current != nik and await proven_holder(conn, current) == account:
        raise NikConflictError
    if not await bind_nik(conn, account, nik, Proof(method=IDP_METHODS[level]), ip=ip):
        raise NikConflictError
    await record(
        conn,
        action="federation.nik_bound",
        actor=account,
        subject=account,
        detail={"nik": mask_nik(nik), "level": level},
        ip=ip,
    )


async def complete(
    conn: asyncpg.Connection, issuer: Issuer, *, handoff: str, user_agent: str, ip: str
) -> tuple[TokenPair, bool]:
    """Trade a hand-off code for a session (single use, 2 minutes); returns the pair and whether the account is new.

    Staff get scope ``mfa``, as after an SMS code: the provider is one factor, their passkey is the second.
    """
    async with conn.transaction():
        row = await conn.fetchrow(
            """UPDATE federation_handoff SET used_at = now()
               WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now()
               RETURNING account, new_account""",
            _hash(handoff),
        )
        if row is None:
            raise InvalidHandoffError
        person = (await people(conn, [row["account"]])).get(row["account"])
        if person is None or not person.active:
            raise AccountUnavailableError
        account, _ = await account_for_phone(conn, person.phone)
        kind = session_kind(account["roles"])
        pair = await start_session(
            conn,
            issuer,
            account=account["id"],
            kind=kind,
            amr=["idp"],
            scope="mfa" if kind == "staff" else "api",
            user_agent=user_agent,
            ip=ip,
        )
        await record(
            conn,
            action="federation.signed_in",
            actor=account["id"],
            subject=account["id"],
            detail={"session": str(pair.session_id)},
            ip=ip,
        )
    return pair, bool(row["new_account"])


async def erase(conn: asyncpg.Connection, *, account: uuid.UUID) -> dict[str, int]:
    """Forget an account being erased here: its links (a later sign-in at the provider starts afresh) and any
    hand-off still waiting. Returns counts per kind, as the other domains' erasure steps do."""
    links: str = await conn.execute("DELETE FROM federation_link WHERE account = $1", account)
    handoffs: str = await conn.execute("DELETE FROM federation_handoff WHERE account = $1", account)
    return {"links": int(links.split()[-1]), "handoffs": int(handoffs.split()[-1])}
