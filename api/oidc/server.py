"""The OpenID Connect protocol, by Authlib's authorization server (``authlib.oauth2``, ``authlib.oidc.core``).

Authlib's server is synchronous and calls back for what it needs (the client, the code, the user). Our record is
behind asyncpg, so the service (``service.py``) reads everything a request can need *first*, in a handful of
statements, and hands Authlib a ``Prefetched`` bundle; the callbacks below only look in it and note what Authlib
wants saved (a new code, a new token pair), which the service then writes. Authlib thus does the protocol —
parameter checks, client authentication (``client_secret_basic``/``client_secret_post``, and ``private_key_jwt``
for service accounts registered with keys: ``client_keys.py``), exact redirect URI
matching, PKCE, scope checks, token generation, the ID token with ``nonce``/``at_hash``/``auth_time``, and every
error answer in RFC 6749's shape — and we do the storage, without a thread per request.

What we add on top, because the issue asks for more than the library's defaults:
* PKCE is required for every client and only ``S256`` is accepted (``plain`` and a missing method are refused);
* the ID token is signed RS256 (the provider's RSA key) or, for a client registered so, ES256 (our key ring's
  key), kid in the header, with our pairwise ``sub`` (``subjects.py``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import unquote

from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode

from api.oidc import client_keys
from api.oidc.clients import SCOPES, secret_matches

ACCESS_SECONDS = 600
REFRESH_SECONDS = 30 * 24 * 3600
CODE_SECONDS = 120
ID_TOKEN_SECONDS = 600


class Client(ClientMixin):  # type: ignore[misc]
    """A registered client as Authlib sees it, from its ``oidc_client`` row."""

    def __init__(self, row: Any) -> None:
        self.row = row
        self.id = row["id"]
        self.client_id: str = row["client_id"]
        self.sector: str = row["sector"]
        self.scopes: tuple[str, ...] = tuple(row["scopes"])
        self.redirect_uris: tuple[str, ...] = tuple(row["redirect_uris"])
        self.id_token_alg: str = row["id_token_alg"]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        # OpenID Connect requires redirect_uri on every request: never guess one.
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in self.scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string comparison (OAuth 2.0 Security BCP §4.1.3): no prefixes, no normalisation.
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secret_matches(bytes(self.row["secret_hash"]), client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        # A client registered with public keys signs its requests (private_key_jwt) and has no usable secret.
        if self.row["jwks"]:
            return method == client_keys.METHOD
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and self.row["kind"] == "rp"

    def check_grant_type(self, grant_type: str) -> bool:
        if self.row["kind"] == "service":
            return grant_type == "client_credentials"
        if grant_type == "refresh_token":
            # Registered for offline_access, and (when a code is being exchanged) the citizen allowed it this time.
            code = current().code
            return "offline_access" in self.scopes and (code is None or "offline_access" in code.scope.split())
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):  # type: ignore[misc]
    """An authorization code taken from the record (already marked used: a code is good for one exchange)."""

    user: Any
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str
    auth_time: int
    acr: str
    amr: list[str]
    # Authlib's PKCE extension reads these two names; only S256 is ever stored.
    code_challenge_method: str = "S256"

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str:
        return self.acr

    def get_amr(self) -> list[str]:
        return self.amr


@dataclass
class RefreshToken(TokenMixin):  # type: ignore[misc]
    user: Any
    scope: str
    client_id: str

    def check_client(self, client: ClientMixin) -> bool:
        return bool(client.get_client_id() == self.client_id)

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return REFRESH_SECONDS

    def is_expired(self) -> bool:
        return False  # checked by the SQL that found it

    def is_revoked(self) -> bool:
        return False  # idem


@dataclass
class Prefetched:
    """What one request may need, read before Authlib runs, and what Authlib asked to save."""

    client: Client | None = None
    code: Code | None = None
    refresh: RefreshToken | None = None
    nonce_seen: bool = False
    # The signed-in citizen's claims by scope (sub included), for the ID token.
    user_info: Callable[[Any, str], dict[str, Any]] | None = None
    id_token_keys: dict[str, Any] = field(default_factory=dict)  # joserfc keys by algorithm
    issuer: str = ""
    saved_code: tuple[str, OAuth2Request] | None = None
    saved_token: dict[str, Any] | None = None
    # The access and refresh token this request will hand out if Authlib accepts it, drawn before the code is taken
    # so that the statement taking it can store their hashes too (``tokens.py``); None: drawn when Authlib asks.
    minted: tuple[str, str] | None = None


# The bundle of the request being answered. Authlib's calls are synchronous (no await inside), so one task runs
# one of them at a time; a context variable still keeps each task's bundle its own.
_CURRENT: ContextVar[Prefetched] = ContextVar("oidc_bundle")


def current() -> Prefetched:
    return _CURRENT.get()


class _Grants:
    @property
    def bundle(self) -> Prefetched:
        return current()


class AuthorizationCodeGrant(_Grants, grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]

    def generate_authorization_code(self) -> str:
        return secrets.token_urlsafe(32)

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        self.bundle.saved_code = (code, request)

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        found = self.bundle.code
        # The service took the code for this client only; another client's code is as good as none.
        if found is None or self.bundle.client is None or client.client_id != self.bundle.client.client_id:
            return None
        return found

    def delete_authorization_code(self, authorization_code: Code) -> None:
        return None  # marked used in the same statement that read it

    def authenticate_user(self, authorization_code: Code) -> Any:
        return authorization_code.user


class RefreshTokenGrant(_Grants, grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: each refresh token is good once

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        return self.bundle.refresh

    def authenticate_user(self, refresh_token: RefreshToken) -> Any:
        return refresh_token.user

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        return None  # revoked in the statement that read it


class ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    """A service account's token (RFC 6749 §4.4): Authlib authenticates the client and checks the grant; the token
    it made is then replaced by one of our own access tokens (``service_accounts.issue``), so that the officer
    routes accept it through the same checks as an officer's."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post", client_keys.METHOD]


class S256Only(CodeChallenge):  # type: ignore[misc]
    """PKCE for every client, S256 only: a missing challenge, a missing method or ``plain`` is refused."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is accepted.")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'.")
        super().validate_code_verifier(grant, result)


class OpenIDCodeExtension(OpenIDCode):  # type: ignore[misc]
    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return current().nonce_seen

    def resolve_client_private_key(self, client: Client) -> Any:
        return current().id_token_keys[client.id_token_alg]

    def get_client_algorithm(self, client: Client) -> str:
        return client.id_token_alg

    def get_encode_header(self, client: Client) -> dict[str, str]:
        key = current().id_token_keys[client.id_token_alg]
        return {"alg": client.id_token_alg, "kid": key.kid}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        return {
            "iss": current().issuer,
            "aud": [client.get_client_id()],
            "azp": client.get_client_id(),
            "exp": int(dt.datetime.now(dt.UTC).timestamp()) + ID_TOKEN_SECONDS,
        }

    def generate_user_info(self, user: Any, scope: str) -> UserInfo:
        user_info = current().user_info
        assert user_info is not None
        return UserInfo(user_info(user, scope))


def _minted(which: int) -> str:
    minted = current().minted
    return minted[which] if minted is not None else secrets.token_urlsafe(32)


class Server(AuthorizationServer):  # type: ignore[misc]
    """Authlib's server over prefetched data: query_client answers from the bundle only."""

    def __init__(self) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: _minted(0),
                refresh_token_generator=lambda **_: _minted(1),
                expires_generator=lambda client, grant_type: ACCESS_SECONDS,
            ),
        )
        self.register_grant(AuthorizationCodeGrant, [S256Only(required=True), OpenIDCodeExtension(require_nonce=False)])
        self.register_grant(RefreshTokenGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_client_auth_method(client_keys.METHOD, client_keys.PrivateKeyJwt())

    def query_client(self, client_id: str) -> Client | None:
        client = current().client
        return client if client is not None and client.client_id == client_id else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        current().saved_token = dict(token)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, dict[str, str]]:
        return status, body, dict(headers)


class _Request(OAuth2Request):  # type: ignore[misc]
    """An OAuth2Request from values already read off the HTTP request (query or form)."""

    def __init__(self, method: str, uri: str, values: dict[str, str], headers: dict[str, str]) -> None:
        super().__init__(method, uri, headers=headers)
        self.payload = BasicOAuth2Payload(values)
        self._values = values

    @property
    def args(self) -> dict[str, str]:
        return self._values if self.method == "GET" else {}

    @property
    def form(self) -> dict[str, str]:
        return self._values if self.method == "POST" else {}


_SERVER: Server | None = None


def server() -> Server:
    global _SERVER  # one per process, built on first use (grant registration is not free)
    if _SERVER is None:
        _SERVER = Server()
    return _SERVER


def run(bundle: Prefetched, call: Callable[[Server], Any]) -> Any:
    """Run one of Authlib's calls with ``bundle`` as what its callbacks see."""
    token = _CURRENT.set(bundle)
    try:
        return call(server())
    finally:
        _CURRENT.reset(token)


def request_for(method: str, uri: str, values: dict[str, str], headers: dict[str, str]) -> OAuth2Request:
    return _Request(method, uri, values, headers)


def client_id_of(values: dict[str, str], authorization: str | None) -> str | None:
    """The client a token request names, read the way Authlib will (Basic credentials win over the form), so that
    its row can be fetched first. A signed assertion names its client in ``sub`` (``client_id`` is optional)."""
    if client_keys.is_assertion(values):
        return values.get("client_id") or client_keys.unverified_subject(values)
    if authorization and authorization[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, sep, _ = decoded.partition(":")
        return unquote(client_id) if sep else None
    return values.get("client_id") or None


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
