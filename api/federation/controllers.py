"""Routes of the national identity provider's sign-in: is it there, go there, come back, finish in the PWA."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.response import Redirect

from api.auth.schemas import Tokens
from api.auth.service import Issuer
from api.config import Settings
from api.federation import schemas, service
from api.lib.auth import public
from api.lib.db import connection
from api.lib.http import client_ip

CALLBACK_PATH = "/api/v1/auth/national/callback"
# Where the PWA finishes (or explains) the sign-in: its hash route, so the code never reaches a server log.
PWA_PATH = "/#/signin/national"
NO_STORE = {"Cache-Control": "no-store"}


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _redirect_uri(settings: Settings) -> str:
    """Our callback's address as registered at the provider: the site's public address (MPP_PUBLIC_URL, or in
    development the address `mpp serve` prints)."""
    return settings.browser_url.rstrip("/") + CALLBACK_PATH


def _to(outcome: service.Outcome) -> Redirect:
    if outcome.url:
        return Redirect(path=outcome.url, status_code=302, headers=NO_STORE)
    query = {"handoff": outcome.handoff} if outcome.handoff else {"error": outcome.error or "failed"}
    return Redirect(path=f"{PWA_PATH}?{urlencode(query)}", status_code=302, headers=NO_STORE)


class NationalSignInController(Controller):
    path = "/api/v1/auth/national"
    tags = ("auth",)

    @get("/", operation_id="getNationalProvider", opt=public(), sync_to_thread=False)
    def provider(self, request: Request[Any, Any, Any]) -> schemas.NationalProvider:
        """The national identity provider this site signs in with (404 when there is none)."""
        return schemas.NationalProvider(name=service.configured(_settings(request).national_idp).name)

    @get("/start", operation_id="startNationalSignIn", opt=public(), status_code=302)
    async def start(self, request: Request[Any, Any, Any]) -> Redirect:
        """Send the browser to the provider (or, when it cannot be reached, back to the PWA with an error code)."""
        settings = _settings(request)
        idp = service.configured(settings.national_idp)
        async with connection() as conn:
            outcome = await service.start(conn, idp, redirect_uri=_redirect_uri(settings))
        return _to(outcome)

    @get("/callback", operation_id="nationalSignInCallback", opt=public(), status_code=302)
    async def callback(
        self,
        request: Request[Any, Any, Any],
        code: Annotated[str | None, QueryParameter()] = None,
        # "state" is a name Litestar keeps for the application's state.
        oauth_state: Annotated[str | None, QueryParameter(name="state")] = None,
        error: Annotated[str | None, QueryParameter()] = None,
    ) -> Redirect:
        """The provider's answer: back to the PWA with a one-time hand-off code, or with an error code."""
        settings = _settings(request)
        idp = service.configured(settings.national_idp)
        async with connection() as conn:
            outcome = await service.callback(
                conn,
                idp,
                redirect_uri=_redirect_uri(settings),
                code=code,
                state=oauth_state,
                error=error,
                ip=client_ip(request),
            )
        return _to(outcome)

    @post("/complete", operation_id="completeNationalSignIn", status_code=200, opt=public())
    async def complete(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[schemas.HandoffComplete],
        issuer: NamedDependency[Issuer],
    ) -> Tokens:
        """Trade the hand-off code for tokens, as `POST /api/v1/auth/otp/verify` answers. Single use."""
        service.configured(_settings(request).national_idp)
        async with connection() as conn:
            pair, created = await service.complete(
                conn,
                issuer,
                handoff=data.handoff,
                user_agent=request.headers.get("user-agent", ""),
                ip=client_ip(request),
            )
        return Tokens(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
            token_type="Bearer",  # noqa: S106  (the scheme's name, not a secret)
            scope=pair.scope,
            new_account=created,
        )
