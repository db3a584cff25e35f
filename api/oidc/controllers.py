"""Routes of the OpenID Connect provider: discovery, the authorization request (handed to the PWA), the token
endpoint, userinfo, RP-initiated logout; and the PWA's own routes for consent, logout and connected services."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import FormMultiDict, MultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect as RedirectResponse

from api.auth import service as auth_service
from api.lib.auth import CITIZEN, Principal, allow, authenticate, public
from api.lib.db import connection
from api.lib.errors import DomainError
from api.lib.http import client_ip
from api.oidc import client_keys, grants, schemas, service, tokens
from api.oidc.clients import SCOPES
from api.oidc.service import Provider

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# Longer than any parameter a real client sends; a request beyond it is refused before Authlib reads it.
MAX_PARAMETER = 2048


class RepeatedParameterError(DomainError):
    status = 400
    code = "oidc_invalid_request"
    detail = "A parameter is repeated or too long: each may appear once (RFC 6749 §3.1)."


def _single(values: MultiDict[str] | FormMultiDict) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in values.multi_items():
        if not isinstance(value, str) or key in flat or len(value) > MAX_PARAMETER or len(key) > 64:
            raise RepeatedParameterError
        flat[key] = value
    return flat


async def _form(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The token request's form, parsed straight from the body: RFC 6749 §4.1.3 requires
    application/x-www-form-urlencoded, and Litestar's general form parser was a measurable part of the request."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise tokens.InvalidTokenRequestError
    try:
        pairs = parse_qsl(
            (await request.body()).decode(), keep_blank_values=True, strict_parsing=False, max_num_fields=32
        )
    except (UnicodeDecodeError, ValueError):
        raise tokens.InvalidTokenRequestError from None
    return _single(MultiDict(pairs))


def _provider(request: Request[Any, Any, Any]) -> Provider:
    provider: Provider = request.app.state.oidc
    return provider


def discovery_document(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oidc/authorize",
        "token_endpoint": f"{issuer}/oidc/token",
        "userinfo_endpoint": f"{issuer}/oidc/userinfo",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "end_session_endpoint": f"{issuer}/oidc/logout",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", client_keys.METHOD],
        "token_endpoint_auth_signing_alg_values_supported": list(client_keys.ALGORITHMS),
        "scopes_supported": list(SCOPES),
        "claims_supported": [
            "sub",
            "sid",
            "name",
            "locale",
            "phone_number",
            "phone_number_verified",
            "nik",
            "assurance",
            "auth_time",
            "acr",
            "amr",
            "nonce",
        ],
        "code_challenge_methods_supported": ["S256"],
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "ui_locales_supported": ["id", "en"],
    }


class DiscoveryController(Controller):
    path = "/.well-known/openid-configuration"
    tags = ("single sign-on",)

    @get("", operation_id="openidConfiguration", opt=public(), cache_control=None)
    async def configuration(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        """OpenID Connect discovery (OpenID Connect Discovery 1.0 §3)."""
        return Response(discovery_document(_provider(request).issuer), headers={"Cache-Control": "public, max-age=300"})


class ProviderController(Controller):
    path = "/oidc"
    tags = ("single sign-on",)

    @get("/authorize", operation_id="oidcAuthorize", opt=public(), status_code=302)
    async def authorize(self, request: Request[Any, Any, Any]) -> RedirectResponse:
        """The authorization request: checked, kept ten minutes, and the browser sent to the PWA's consent screen
        (or back to the client with an error). An unknown client or redirect URI is answered here, never redirected."""
        values = _single(request.query_params)
        async with connection() as conn:
            target = await service.start_authorization(conn, _provider(request), values)
        return RedirectResponse(target, status_code=302, headers=NO_STORE)

    @post("/token", operation_id="oidcToken", opt=public(), status_code=200)
    async def token(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """The token endpoint (form-encoded): authorization_code with PKCE, and refresh_token for clients allowed
        offline_access. Errors are RFC 6749 §5.2 JSON, not problem+json: that is what OAuth clients parse."""
        values = await _form(request)
        # Plain statements and transactions only, on every grant: the connection needs no session reset after.
        async with connection(stateless=True) as conn:
            answer = await tokens.exchange(
                conn, _provider(request), values, request.headers.get("authorization"), ip=client_ip(request)
            )
        return Response(
            answer.body,
            status_code=answer.status,
            headers={**answer.headers, **NO_STORE},
            media_type="application/json",
        )

    @get("/userinfo", operation_id="oidcUserInfo", opt=public())
    async def userinfo(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        """The claims the access token's scopes release (OIDC Core §5.3), the token in the Authorization header."""
        return await _userinfo(request, request.headers.get("authorization", ""))

    @post("/userinfo", operation_id="oidcUserInfoPost", opt=public(), status_code=200)
    async def userinfo_post(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        """The same by POST (OIDC Core §5.3.1), the token in the header or as the form field access_token
        (RFC 6750 §2.2, what pyoidc and others send by default)."""
        header = request.headers.get("authorization", "")
        if not header:
            header = "Bearer " + _single(await request.form()).get("access_token", "")
        return await _userinfo(request, header)

    @get("/logout", operation_id="oidcLogout", opt=public(), status_code=302)
    async def logout(self, request: Request[Any, Any, Any]) -> RedirectResponse:
        """RP-initiated logout: the PWA, which holds the session, asks the citizen and ends it."""
        values = _single(request.query_params)
        async with connection() as conn:
            target = await grants.start_logout(conn, _provider(request).issuer, values)
        return RedirectResponse(target, status_code=302, headers=NO_STORE)


async def _userinfo(request: Request[Any, Any, Any], header: str) -> Response[dict[str, Any]]:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 512:
        raise tokens.InvalidAccessTokenError
    async with connection() as conn:
        claims = await tokens.userinfo(conn, _provider(request), token.strip())
    return Response(claims, headers=NO_STORE)


class SsoController(Controller):
    """The PWA's side: the citizen's consent, logout confirmation and connected services."""

    path = "/api/v1"
    tags = ("single sign-on",)

    @get("/oidc/requests/{request_id:uuid}", operation_id="getSignInRequest", opt=allow(CITIZEN))
    async def pending(
        self, principal: NamedDependency[Principal], request_id: FromPath[uuid.UUID]
    ) -> Response[schemas.PendingRequest]:
        """Who asks, for what, and what I already allowed it."""
        async with connection() as conn:
            found = await service.pending_request(conn, request_id, principal.id, auth_time=principal.auth_time)
        return Response(msgspec.convert(found, schemas.PendingRequest, from_attributes=False), headers=NO_STORE)

    @post(
        "/oidc/requests/{request_id:uuid}/decision",
        operation_id="decideSignInRequest",
        opt=allow(CITIZEN),
        status_code=200,
    )
    async def decide(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        request_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.SignInDecision],
    ) -> Response[schemas.SsoRedirect]:
        """Allow (a code for the system) or refuse (access_denied); the answer says where the browser goes."""
        who = service.Approver(principal.id, principal.session, principal.auth_time, principal.amr, client_ip(request))
        async with connection() as conn:
            target = await service.decide(conn, _provider(request), request_id, who, approve=data.approve)
        return Response(schemas.SsoRedirect(redirect_to=target), headers=NO_STORE)

    @post(
        "/oidc/requests/{request_id:uuid}/unattended",
        operation_id="answerUnattendedSignInRequest",
        opt=public(),
        status_code=200,
    )
    async def unattended(
        self, request_id: FromPath[uuid.UUID], data: JSONBody[schemas.UnattendedAnswer]
    ) -> Response[schemas.SsoRedirect]:
        """A prompt=none request the PWA cannot complete without a screen: back to the system with
        login_required or consent_required. redirectTo is null when the request did not say prompt=none."""
        async with connection() as conn:
            target = await service.unattended(conn, request_id, data.error)
        return Response(schemas.SsoRedirect(redirect_to=target), headers=NO_STORE)

    @get("/oidc/logout-requests/{request_id:uuid}", operation_id="getLogoutRequest", opt=public())
    async def logout_request(self, request_id: FromPath[uuid.UUID]) -> Response[schemas.LogoutRequestView]:
        async with connection() as conn:
            found = await grants.logout_request(conn, request_id)
        return Response(msgspec.convert(found, schemas.LogoutRequestView), headers=NO_STORE)

    @post("/oidc/logout-requests/{request_id:uuid}", operation_id="confirmLogoutRequest", opt=public(), status_code=200)
    async def confirm_logout(
        self, request: Request[Any, Any, Any], request_id: FromPath[uuid.UUID]
    ) -> Response[schemas.SsoRedirect]:
        """Sign out of MPP Digital here (when signed in) and of every system this session reached."""
        principal = authenticate(request)
        async with connection() as conn:
            if principal is not None:
                await auth_service.revoke_session(
                    conn, principal.session, reason="rp_logout", actor=principal.id, ip=client_ip(request)
                )
            target = await grants.confirm_logout(conn, request_id, None)
        return Response(schemas.SsoRedirect(redirect_to=target), headers=NO_STORE)

    @get("/me/oidc-grants", operation_id="listConnectedServices", opt=allow(CITIZEN))
    async def grants_list(self, principal: NamedDependency[Principal]) -> Response[schemas.GrantList]:
        """The systems I let sign me in, what each receives, since when."""
        async with connection() as conn:
            items = await grants.list_grants(conn, principal.id)
        return Response(msgspec.convert({"items": items}, schemas.GrantList), headers=NO_STORE)

    @delete(
        "/me/oidc-grants/{client_id:str}", operation_id="withdrawConnectedService", opt=allow(CITIZEN), status_code=204
    )
    async def withdraw(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], client_id: FromPath[str]
    ) -> None:
        """Withdraw my consent: the system's tokens die and it is told to sign me out (back-channel)."""
        async with connection() as conn:
            await grants.withdraw(conn, principal.id, client_id, ip=client_ip(request))


CONTROLLERS = [DiscoveryController, ProviderController, SsoController]
