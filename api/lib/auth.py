"""Who is calling, and may they call this route? Roles and scopes in one place.

Every route declares its rule in ``opt["access"]`` through ``public()`` or ``allow(...)``; one app-wide guard
enforces it. A route without a rule is refused (and ``tests/auth/test_role_matrix.py`` fails), so nothing
becomes reachable by forgetting to protect it.

Roles: citizen, officer, supervisor, region_admin, national_admin, kiosk. Scopes: ``api`` (what the roles
allow) and ``mfa`` (staff signed in with a code who still owe their second factor: only the passkey routes
and ``GET /me`` accept it).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any, cast

import asyncpg
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from api.lib import db
from api.lib.errors import DomainError, ProblemError
from api.lib.keys import KeyRing
from api.lib.listener import ChannelListener
from api.lib.staff import Officer
from api.lib.tokens import Claims, InvalidTokenError, verify

CITIZEN = "citizen"
OFFICER = "officer"
SUPERVISOR = "supervisor"
REGION_ADMIN = "region_admin"
NATIONAL_ADMIN = "national_admin"
KIOSK = "kiosk"
ROLES = (CITIZEN, OFFICER, SUPERVISOR, REGION_ADMIN, NATIONAL_ADMIN, KIOSK)
STAFF = frozenset({OFFICER, SUPERVISOR, REGION_ADMIN, NATIONAL_ADMIN})
PEOPLE = frozenset({CITIZEN, *STAFF})  # every role held by a person (not a device)


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str] | None  # None: public
    scopes: frozenset[str] = frozenset({"api"})


def public() -> dict[str, Rule]:
    """Anyone, signed in or not (the catalogue, health, sign-in itself)."""
    return {"access": Rule(roles=None)}


def allow(*roles: str | frozenset[str], scopes: tuple[str, ...] = ("api",)) -> dict[str, Rule]:
    flat: set[str] = set()
    for role in roles:
        flat |= {role} if isinstance(role, str) else set(role)
    assert flat <= set(ROLES), flat
    return {"access": Rule(roles=frozenset(flat), scopes=frozenset(scopes))}


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, from a verified access token."""

    id: uuid.UUID
    session: uuid.UUID
    roles: frozenset[str]
    scope: str
    amr: tuple[str, ...]
    auth_time: int
    agency: str | None
    region: str | None
    mpp: str | None

    @classmethod
    def from_claims(cls, claims: Claims) -> Principal:
        return cls(
            id=claims.subject,
            session=claims.session,
            roles=frozenset(claims.roles),
            scope=claims.scope,
            amr=claims.amr,
            auth_time=claims.auth_time,
            agency=claims.agency,
            region=claims.region,
            mpp=claims.mpp,
        )

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF)


def officer_of(principal: Principal) -> Officer:
    """The caller as an officer of their agency; 403 for staff without one (e.g. a region admin)."""
    if not principal.agency or not principal.region:
        raise ProblemError(403, "forbidden", "Your account has no agency.")
    return Officer(
        id=principal.id,
        agency_code=principal.agency,
        region=principal.region,
        supervisor=SUPERVISOR in principal.roles,
    )


ADMINS = frozenset({REGION_ADMIN, NATIONAL_ADMIN})
# The amr of an agency back-office's service-account token (client credentials, api/oidc/service_accounts.py).
SERVICE_AMR = "client"


def person_present(principal: Principal) -> None:
    """403 for a service account where only a person can act: comparing a KTP-el with the account at a counter
    raises a citizen's assurance, and no system's secret may claim to have seen a card."""
    if SERVICE_AMR in principal.amr:
        raise ProblemError(403, "person_required", "Only an officer at the counter may do this, not a system.")


class OutOfRegionError(DomainError):
    """A region admin named another region: 404, as if it did not exist (its existence is not theirs to learn)."""

    status = 404
    code = "not_found"

    def __init__(self) -> None:
        super().__init__("No such region.")


def admin_region(principal: Principal, region: str | None = None) -> str | None:
    """The region an admin acts on: a region admin's own (naming another is 404); a national admin's choice.

    Returns None only for a national admin who named no region (every region, or the national catalogue).
    Services must still check the *object's* region against this, not only the role.
    """
    if NATIONAL_ADMIN in principal.roles:
        return region
    if REGION_ADMIN in principal.roles and principal.region and region in (None, principal.region):
        return principal.region
    raise OutOfRegionError()


def _challenge(error: str) -> dict[str, str]:
    return {"WWW-Authenticate": f'Bearer realm="mpp-digital", error="{error}"'}


def unauthorised(error: str = "invalid_token") -> ProblemError:
    # One message for every failure: which check failed would only help an attacker.
    return ProblemError(401, "unauthorised", "Sign in to continue.", headers=_challenge(error))


class UnauthorisedError(DomainError):
    """The same 401 as ``unauthorised()``, for a service that finds the caller's account gone mid-session."""

    status = 401
    code = "unauthorised"
    detail = "Sign in to continue."

    def __init__(self) -> None:
        super().__init__(headers=_challenge("invalid_token"))


def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The caller's principal, or None without credentials. Raises 401 for credentials that are not valid."""
    cached = connection.scope.get("mpp_principal")
    if cached is not None:
        return cast(Principal, cached)
    header = connection.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token or len(token) > 4096:
        raise unauthorised()
    app_state = connection.app.state
    keys: KeyRing = app_state.key_ring
    settings = app_state.settings
    try:
        claims = verify(keys, token.strip(), issuer=settings.auth.issuer, audience=settings.auth.audience)
    except InvalidTokenError:
        raise unauthorised() from None
    principal = Principal.from_claims(claims)
    connection.scope["mpp_principal"] = principal  # type: ignore[typeddict-unknown-key]
    return principal


# Sessions seen alive recently, so that a request does not pay a database read (~0.3 ms) to learn its session was
# not revoked. Every revocation and deletion of a session NOTIFYs ``session_revoked`` (a trigger on auth_session, in
# the revoking transaction), and each API process's ``SessionRevocations`` listener forgets that session when the
# change commits: another process refuses it from the next request that reaches it after the commit's NOTIFY
# (milliseconds; tests/multiprocess). While that listener is not connected, notifications may be lost: nothing is
# taken from memory then, every request reads the database. SESSION_CHECK_SECONDS bounds how long an entry lives
# anyway (idle and absolute expiry are noticed within it).
SESSION_CHECK_SECONDS = 30.0
_live_sessions: dict[uuid.UUID, float] = {}
_revocations_heard = False  # True while a SessionRevocations listener is connected


def forget_session(session: uuid.UUID) -> None:
    _live_sessions.pop(session, None)


async def session_live(session: uuid.UUID) -> bool:
    """Whether the session is still live (not revoked, not expired)."""
    now = time.monotonic()
    if _revocations_heard and _live_sessions.get(session, 0.0) > now:
        return True
    async with db.connection() as conn:
        live = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM auth_session WHERE id = $1 AND revoked_at IS NULL "
            "AND now() < idle_expires_at AND now() < absolute_expires_at)",
            session,
        )
    if live and _revocations_heard:
        if len(_live_sessions) > 100_000:
            _live_sessions.clear()
        _live_sessions[session] = now + SESSION_CHECK_SECONDS
    return bool(live)


class SessionRevocations(ChannelListener):
    """Forgets each session revoked or deleted anywhere (payload: its id); trusts the memory only while connected."""

    channel = "session_revoked"
    application_name = "mpp-sessions"
    jitter = 0.5
    # A revocation is not a change the replica must have replayed first: forgetting reads nothing.
    waits_for_replica = False

    async def reload(self, conn: asyncpg.Connection) -> None:
        # (Re)connected: what was revoked while no one listened is unknown, so everything is forgotten.
        global _revocations_heard
        _live_sessions.clear()
        _revocations_heard = True

    def notified(self, payload: str) -> None:
        try:
            forget_session(uuid.UUID(payload))
        except ValueError:
            _live_sessions.clear()

    def disconnected(self) -> None:
        global _revocations_heard
        _revocations_heard = False
        _live_sessions.clear()


async def access_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    rule = handler.opt.get("access")
    if rule is None:
        if connection.scope["path"].startswith("/schema"):
            return  # the OpenAPI document and its viewer are public by nature
        raise ProblemError(403, "forbidden", "This route has no access rule.")
    if rule.roles is None:
        return
    principal = authenticate(connection)
    if principal is None:
        raise unauthorised("invalid_request")
    if not await session_live(principal.session):
        raise unauthorised()
    if principal.scope not in rule.scopes:
        if principal.scope == "mfa":
            raise ProblemError(403, "second_factor_required", "Confirm with your passkey to continue.")
        raise ProblemError(403, "forbidden", "You may not do this.")
    if not principal.roles & rule.roles:
        raise ProblemError(403, "forbidden", "You may not do this.")


def current_principal(request: Request[Any, Any, Any]) -> Principal:
    """Dependency: the authenticated caller (routes using it have a non-public rule)."""
    principal = authenticate(request)
    if principal is None:
        raise unauthorised("invalid_request")
    return principal
