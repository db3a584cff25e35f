"""Sign-in routes: one-time codes, refresh, logout, kiosk devices, and the public keys."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.accounts.language import language_of_phone, save_first_language
from api.auth import kiosks, schemas, service
from api.auth.service import Issuer, TokenPair
from api.lib.auth import (
    KIOSK,
    Principal,
    authenticate,
    public,
    session_live,
    unauthorised,
)
from api.lib.db import connection
from api.lib.errors import ProblemError
from api.lib.http import Lang, client_ip, language
from api.lib.sms import SmsGateway, send_code
from api.notifications import messages

log = logging.getLogger(__name__)


KIOSK_COOKIE = "mpp_kiosk"
KIOSK_COOKIE_PATH = "/api/v1/auth/kiosk"
# Renewed at each sign-in; 400 days is the longest a browser keeps a cookie (RFC 6265bis).
KIOSK_COOKIE_MAX_AGE = 400 * 24 * 3600


def kiosk_cookie(request: Request[Any, Any, Any], value: str, *, max_age: int) -> str:
    """The Set-Cookie value of the device's kiosk cookie (or, with max_age 0, of its removal).

    Secure everywhere except plain http://localhost in development (no TLS there; the browser treats
    localhost as a secure context anyway).
    """
    local = request.url.scheme == "http" and request.url.hostname in ("localhost", "127.0.0.1", "::1")
    secure = request.app.state.settings.env == "prod" or not local
    attributes = [f"{KIOSK_COOKIE}={value}", f"Path={KIOSK_COOKIE_PATH}", f"Max-Age={max_age}", "HttpOnly"]
    attributes += ["SameSite=Strict", *(["Secure"] if secure else [])]
    return "; ".join(attributes)


def tokens(pair: TokenPair, *, new_account: bool = False) -> schemas.Tokens:
    return schemas.Tokens(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
        token_type="Bearer",  # noqa: S106  (the scheme's name, not a secret)
        scope=pair.scope,
        new_account=new_account,
    )


def session_kind_for(caller: Principal | None, roles: list[str]) -> service.SessionKind:
    """The kind of session a sign-in starts: "assisted" when a kiosk's token makes the call; staff never
    sign in on a kiosk (a shared tablet must not hold a staff session)."""
    kind = service.session_kind(roles)
    if caller is not None and KIOSK in caller.roles:
        if kind == "staff":
            raise ProblemError(403, "forbidden", "Staff do not sign in on a kiosk.")
        kind = "assisted"
    return kind


def sign_in_message(code: str, public_url: str, lang: Lang = "id") -> str:
    body = messages.sign_in_code(code, lang)
    if public_url:
        # WebOTP: lets the phone's browser offer the code to our site, and only to our site.
        host = public_url.split("://", 1)[-1].split("/", 1)[0]
        body += f"\n\n@{host} #{code}"
    return body


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ("auth",)

    @post("/otp", operation_id="requestSignInCode", status_code=202, opt=public())
    async def request_code(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[schemas.CodeRequest],
        issuer: NamedDependency[Issuer],
        sms: NamedDependency[SmsGateway],
    ) -> Response[schemas.CodeSent]:
        """Send a 6-digit sign-in code by SMS. The answer is the same for every valid number."""
        async with connection() as conn:
            phone, code = await service.request_code(conn, issuer, phone=data.phone, ip=client_ip(request))
            # The account's chosen language; for a number without an account, the app's language on this device.
            lang = await language_of_phone(conn, phone) or language(request)
        body = sign_in_message(code, request.app.state.settings.public_url, lang)
        return Response(
            schemas.CodeSent(expires_in=int(service.CODE_TTL.total_seconds())),
            status_code=202,
            background=BackgroundTask(send_code, sms, phone, body, code),
        )

    @post("/otp/verify", operation_id="verifySignInCode", status_code=200, opt=public())
    async def verify_code(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[schemas.CodeVerify],
        issuer: NamedDependency[Issuer],
    ) -> schemas.Tokens:
        """Trade a valid code for tokens. A first sign-in of a new number creates a citizen account.

        Staff get a token with scope ``mfa`` until they confirm with a passkey. Called with a kiosk's token,
        the session is an assisted one: short-lived, for a citizen at an MPP kiosk.
        """
        caller = authenticate(request)
        if caller is not None and not await session_live(caller.session):
            raise unauthorised()  # e.g. a retired kiosk's last token
        ip = client_ip(request)
        async with connection() as conn:
            phone = await service.check_code(conn, issuer, phone=data.phone, code=data.code, ip=ip)
            account, created = await service.account_for_phone(conn, phone)
            if created:
                await save_first_language(conn, account["id"], language(request))
            kind = session_kind_for(caller, account["roles"])
            pair = await service.start_session(
                conn,
                issuer,
                account=account["id"],
                kind=kind,
                amr=["otp"],
                scope="mfa" if kind == "staff" else "api",
                user_agent=request.headers.get("user-agent", ""),
                ip=ip,
            )
        return tokens(pair, new_account=created)

    @post("/refresh", operation_id="refreshTokens", status_code=200, opt=public())
    async def refresh(
        self, request: Request[Any, Any, Any], data: JSONBody[schemas.RefreshRequest], issuer: NamedDependency[Issuer]
    ) -> schemas.Tokens:
        """A new token pair; the refresh token presented dies. A spent one ends its session."""
        async with connection() as conn:
            pair = await service.refresh(conn, issuer, refresh_token=data.refresh_token, ip=client_ip(request))
        return tokens(pair)

    @post("/logout", operation_id="logout", status_code=204, opt=public())
    async def logout(self, request: Request[Any, Any, Any]) -> Response[None]:
        """End this device's session. Also wipes what the browser keeps for us (Clear-Site-Data)."""
        principal = authenticate(request)
        if principal is not None:
            async with connection() as conn:
                await service.revoke_session(
                    conn, principal.session, reason="logout", actor=principal.id, ip=client_ip(request)
                )
        return Response(
            None,
            status_code=204,
            headers={"Clear-Site-Data": '"cache", "cookies", "storage"', "Cache-Control": "no-store"},
        )

    @post("/kiosk", operation_id="kioskSignIn", status_code=200, opt=public())
    async def kiosk_sign_in(
        self, request: Request[Any, Any, Any], data: JSONBody[schemas.KioskSignIn], issuer: NamedDependency[Issuer]
    ) -> Response[schemas.Tokens]:
        """A registered kiosk device trades its secret for a kiosk session.

        The secret comes in the body (set-up, and existing clients), or — when the body has none — from the
        device's kiosk cookie, which every successful sign-in sets: HttpOnly (no script, so no XSS, can read
        it), SameSite=Strict and scoped to this one path (no other request carries it). That is what lets the
        kiosk's idle wipe clear all storage (Clear-Site-Data: "cache", "storage") and still sign the tablet
        in again by itself, with nothing the page's scripts could leak.
        """
        secret = data.device_secret or request.cookies.get(KIOSK_COOKIE) or ""
        from_cookie = not data.device_secret
        async with connection() as conn:
            kiosk = await kiosks.device(conn, secret) if secret and len(secret) <= 200 else None
            if kiosk is None:
                # A retired kiosk's cookie is dropped, so the tablet shows its set-up screen again.
                headers = {"Set-Cookie": kiosk_cookie(request, "", max_age=0)} if from_cookie and secret else None
                raise ProblemError(401, "invalid_grant", "This device is not registered.", headers=headers)
            pair = await service.start_session(
                conn,
                issuer,
                account=None,
                kiosk=kiosk,
                kind="kiosk",
                amr=["kiosk"],
                scope="api",
                user_agent=request.headers.get("user-agent", ""),
                ip=client_ip(request),
            )
        return Response(
            tokens(pair),
            headers={
                "Set-Cookie": kiosk_cookie(request, secret, max_age=KIOSK_COOKIE_MAX_AGE),
                "Cache-Control": "no-store",
            },
        )


class JwksController(Controller):
    path = "/.well-known"
    tags = ("auth",)

    @get("/jwks.json", operation_id="jwks", opt=public(), cache_control=None)
    async def jwks(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        """The public keys that sign access tokens and document attestations."""
        keys = request.app.state.key_ring.jwks()["keys"] + request.app.state.oidc.public_jwks()
        return Response({"keys": keys}, headers={"Cache-Control": "public, max-age=300"})
