"""Passkey routes: enrol one after signing in, sign in with it alone, confirm a staff code sign-in with it.

Each ceremony is two calls: ``.../options`` stores a challenge and answers ``{challengeId, publicKey}``, where
``publicKey`` is WebAuthn's JSON form of the options (``PublicKeyCredential.parseCreationOptionsFromJSON`` /
``parseRequestOptionsFromJSON``); the browser's ``credential.toJSON()`` then comes back with the ``challengeId``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from api.auth import passkeys
from api.auth.controllers import session_kind_for, tokens
from api.auth.passkeys import RelyingParty
from api.auth.schemas import Tokens
from api.auth.service import Issuer, start_session, upgrade_session
from api.lib.auth import PEOPLE, Principal, allow, authenticate, public, unauthorised
from api.lib.db import connection
from api.lib.http import client_ip

# Any serialised PublicKeyCredential fits easily (attestation "none", no certificate chains to carry).
Credential = Annotated[dict[str, Any], msgspec.Meta(description="The browser's PublicKeyCredential.toJSON()")]


class Struct(msgspec.Struct, rename="camel", omit_defaults=True):
    pass


class Input(msgspec.Struct, rename="camel", omit_defaults=True, forbid_unknown_fields=True):
    pass


class PasskeyOptions(Struct):
    challenge_id: uuid.UUID
    # WebAuthn JSON options for navigator.credentials.create()/get(); binary values are base64url.
    public_key: dict[str, Any]


class PasskeyRegistrationStart(Input):
    # A staff member's first passkey only: the one-time code an admin issued (`mpp users create` prints it;
    # the enrolment link carries it). Ignored for everyone else.
    enrolment_code: Annotated[str, msgspec.Meta(max_length=40)] | None = None


class PasskeyRegistration(Input):
    challenge_id: uuid.UUID
    credential: Credential
    # Shown in the list of passkeys so that the person can tell them apart ("Ibu's phone").
    name: Annotated[str, msgspec.Meta(max_length=60)] = ""


class PasskeyAssertion(Input):
    challenge_id: uuid.UUID
    credential: Credential


class PasskeyInfo(msgspec.Struct, rename="camel"):
    id: uuid.UUID
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    transports: list[str]


class PasskeyList(Struct):
    items: list[PasskeyInfo]
    total: int


def _info(stored: passkeys.StoredPasskey) -> PasskeyInfo:
    return PasskeyInfo(
        id=stored.id,
        name=stored.name,
        created_at=stored.created_at,
        last_used_at=stored.last_used_at,
        transports=stored.transports,
    )


def _options(options: passkeys.Options) -> PasskeyOptions:
    return PasskeyOptions(challenge_id=options.challenge_id, public_key=options.public_key)


def _relying_party(state: State) -> RelyingParty:
    return RelyingParty.from_settings(state.settings)


# Enrolling is open to scope "mfa" as well as "api" for one reason: bootstrap. A staff member's first
# sign-in with a code gives scope "mfa", and without a passkey they could never give the second factor;
# so while they have NO passkey they may enrol their first one from that token. From then on the
# service refuses enrolment from an "mfa" token (403 second_factor_required): they confirm with the
# passkey they have (POST /authenticate) and enrol further ones with the full-scope token.
ENROL = allow(PEOPLE, scopes=("api", "mfa"))


class PasskeyController(Controller):
    path = "/api/v1/auth/passkeys"
    tags = ("auth",)
    dependencies = {"relying_party": Provide(_relying_party, sync_to_thread=False)}  # noqa: RUF012

    @post("/register/options", operation_id="passkeyRegistrationOptions", status_code=200, opt=ENROL)
    async def registration_options(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        relying_party: NamedDependency[RelyingParty],
        issuer: NamedDependency[Issuer],
        data: JSONBody[PasskeyRegistrationStart | None] = None,
    ) -> PasskeyOptions:
        """Start enrolling a passkey for the signed-in person; the ones they have are excluded.

        A staff member's first passkey needs ``enrolmentCode`` (400 ``enrolment_code_required`` without it,
        400 ``invalid_enrolment_code`` when it is wrong, expired or used); the body may be empty otherwise.
        """
        async with connection() as conn:
            options = await passkeys.registration_options(
                conn,
                relying_party,
                account=principal.id,
                scope=principal.scope,
                secret=issuer.secret,
                ip=client_ip(request),
                enrolment_code=data.enrolment_code if data else None,
            )
        return _options(options)

    @post("/register", operation_id="registerPasskey", status_code=201, opt=ENROL)
    async def register(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        relying_party: NamedDependency[RelyingParty],
        data: JSONBody[PasskeyRegistration],
    ) -> PasskeyInfo:
        """Store the passkey the browser created for the options of ``challengeId``."""
        async with connection() as conn:
            stored = await passkeys.verify_registration(
                conn,
                relying_party,
                account=principal.id,
                scope=principal.scope,
                challenge_id=data.challenge_id,
                credential=data.credential,
                name=data.name,
                ip=client_ip(request),
            )
        return _info(stored)

    @post("/authenticate/options", operation_id="passkeySignInOptions", status_code=200, opt=public())
    async def authentication_options(
        self, request: Request[Any, Any, Any], relying_party: NamedDependency[RelyingParty]
    ) -> PasskeyOptions:
        """Start a passkey sign-in. With a token of scope ``mfa``: confirm that staff sign-in instead."""
        account = await _owing_second_factor(request)
        async with connection() as conn:
            options = await passkeys.authentication_options(conn, relying_party, account=account, ip=client_ip(request))
        return _options(options)

    @post("/authenticate", operation_id="passkeySignIn", status_code=200, opt=public())
    async def authenticate(
        self,
        request: Request[Any, Any, Any],
        relying_party: NamedDependency[RelyingParty],
        issuer: NamedDependency[Issuer],
        data: JSONBody[PasskeyAssertion],
    ) -> Tokens:
        """Sign in with a passkey alone; or, with a token of scope ``mfa``, give a staff sign-in its second factor.

        Without a token (or with a full-scope one) a new session starts, with scope ``api`` for everyone:
        a user-verified passkey is two factors on its own. With a kiosk's token the session is an assisted
        one, as for a code typed on a kiosk.
        """
        caller = authenticate(request)
        account = await _owing_second_factor(request)
        ip = client_ip(request)
        async with connection() as conn:
            verified = await passkeys.verify_authentication(
                conn,
                relying_party,
                challenge_id=data.challenge_id,
                credential=data.credential,
                account=account,
                ip=ip,
            )
            if caller is not None and account is not None:
                async with conn.transaction():
                    pair = await upgrade_session(conn, issuer, caller.session, amr="passkey")
                    await passkeys.record_second_factor(
                        conn, account=account, session=caller.session, passkey=verified.passkey, ip=ip
                    )
                return tokens(pair)
            pair = await start_session(
                conn,
                issuer,
                account=verified.account,
                kind=session_kind_for(caller, verified.roles),
                amr=["passkey"],
                scope="api",
                user_agent=request.headers.get("user-agent", ""),
                ip=ip,
            )
        return tokens(pair)

    @get("", operation_id="listMyPasskeys", opt=allow(PEOPLE))
    async def list_passkeys(self, principal: NamedDependency[Principal]) -> PasskeyList:
        async with connection() as conn:
            items = [_info(p) for p in await passkeys.list_passkeys(conn, principal.id)]
        return PasskeyList(items=items, total=len(items))

    @delete("/{passkey_id:uuid}", operation_id="removeMyPasskey", opt=allow(PEOPLE), status_code=204)
    async def remove(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], passkey_id: FromPath[uuid.UUID]
    ) -> None:
        """Remove one of my passkeys (a lost phone). Staff keep at least one."""
        async with connection() as conn:
            await passkeys.remove_passkey(conn, account=principal.id, passkey=passkey_id, ip=client_ip(request))


async def _owing_second_factor(request: Request[Any, Any, Any]) -> uuid.UUID | None:
    """The account of a caller whose token has scope ``mfa`` (live session, still owing it); None without one."""
    caller = authenticate(request)
    if caller is None or caller.scope != "mfa":
        return None
    async with connection() as conn:
        if not await passkeys.session_owes_passkey(conn, session=caller.session, account=caller.id):
            raise unauthorised()
    return caller.id
