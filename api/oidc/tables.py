"""The provider's record: registered clients, the citizen's consents, pending authorization and logout requests,
authorization codes and the tokens issued from them. Codes and tokens are stored as SHA-256 hashes only."""

from __future__ import annotations

from piccolo.columns import JSONB, UUID, Array, Bytea, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from api.accounts.tables import Account
from api.catalogue.tables import Region


class Client(Table, tablename="oidc_client"):
    id = UUID(primary_key=True)
    client_id = Varchar(length=64, null=False, unique=True)
    # SHA-256 of the secret: secrets are 32 random bytes, so a slow hash would add nothing but cost per token.
    secret_hash = Bytea(null=False)
    secret_rotated_at = Timestamptz(null=False, default=TimestamptzNow())
    name = Varchar(length=120, null=False)
    logo_url = Varchar(length=500, null=True, default=None)
    # Clients of one sector see the same pairwise ``sub`` for a citizen (default: the first redirect URI's host).
    sector = Varchar(length=253, null=False)
    # None: registered by a national admin for the whole country.
    region = ForeignKey(references=Region, null=True, default=None, target_column="code")
    redirect_uris = Array(base_column=Text(), null=False, default=[])
    post_logout_redirect_uris = Array(base_column=Text(), null=False, default=[])
    # Scopes the client may ask for (a subset of openid profile phone nik assurance).
    scopes = Array(base_column=Varchar(length=20), null=False, default=[])
    backchannel_logout_uri = Text(null=True, default=None)
    # id_token_signed_response_alg (OIDC Registration §2): RS256 unless the client asked for ES256.
    id_token_alg = Varchar(length=8, null=False, default="RS256")
    status = Varchar(length=10, null=False, default="active")
    # "rp": a system citizens sign in to; "service": an agency back-office working its cases (client credentials),
    # acting as ``account``: an officer account of one agency in one region, named after the system.
    kind = Varchar(length=8, null=False, default="rp")
    account = ForeignKey(references=Account, null=True, default=None)
    # A service account's public keys (a JWK Set): when set, it authenticates with private_key_jwt only (RFC 7523),
    # so no shared secret exists that could be copied out of its configuration.
    jwks = JSONB(null=True, default=None)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    created_by = UUID(null=True, default=None)
    updated_at = Timestamptz(null=False, default=TimestamptzNow())


class Consent(Table, tablename="oidc_consent"):
    """What a citizen allowed a client to receive; revoked_at set when the citizen withdraws it."""

    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=False)
    client = ForeignKey(references=Client, null=False)
    scopes = Array(base_column=Varchar(length=20), null=False, default=[])
    granted_at = Timestamptz(null=False, default=TimestamptzNow())
    updated_at = Timestamptz(null=False, default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    # When the clients this token's session signed into were told of its end (back-channel logout): once only.
    logged_out_at = Timestamptz(null=True, default=None)


class Request(Table, tablename="oidc_request"):
    """An authorization (``kind`` authorize) or RP-initiated logout (``kind`` logout) request waiting for the
    citizen in the PWA: the browser carries only its id; the parameters stay here for ten minutes."""

    id = UUID(primary_key=True)
    kind = Varchar(length=10, null=False)
    client = ForeignKey(references=Client, null=True, default=None)
    # The citizen who first opened an authorization request in the PWA: no one else may read or answer it.
    account = UUID(null=True, default=None)
    params = JSONB(null=False, default={})
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    expires_at = Timestamptz(null=False)
    used_at = Timestamptz(null=True, default=None)


class Code(Table, tablename="oidc_code"):
    code_hash = Bytea(primary_key=True)
    client = ForeignKey(references=Client, null=False)
    account = ForeignKey(references=Account, null=False)
    # The PWA session the citizen approved from: signing out of it logs out of every client it reached.
    session = UUID(null=False)
    redirect_uri = Text(null=False)
    scope = Text(null=False)
    nonce = Varchar(length=255, null=True, default=None)
    code_challenge = Varchar(length=128, null=False)
    auth_time = Timestamptz(null=False)
    amr = Array(base_column=Varchar(length=10), null=False, default=[])
    acr = Varchar(length=20, null=False)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    expires_at = Timestamptz(null=False)
    used_at = Timestamptz(null=True, default=None)


class Token(Table, tablename="oidc_token"):
    id = UUID(primary_key=True)
    client = ForeignKey(references=Client, null=False)
    account = ForeignKey(references=Account, null=False)
    session = UUID(null=False, index=True)
    # The code it was issued from: a second use of that code revokes it (RFC 6749 §4.1.2).
    code_hash = Bytea(null=True, default=None, index=True)
    access_hash = Bytea(null=False, unique=True)
    refresh_hash = Bytea(null=True, default=None, unique=True)
    scope = Text(null=False)
    issued_at = Timestamptz(null=False, default=TimestamptzNow())
    access_expires_at = Timestamptz(null=False)
    refresh_expires_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    # When the clients this token's session signed into were told of its end (back-channel logout): once only.
    logged_out_at = Timestamptz(null=True, default=None)


class Assertion(Table, tablename="oidc_assertion"):
    """The ``jti`` of each client assertion spent (RFC 7523 §3: a JWT ID is used once), kept until the assertion
    expires; assertions may live at most five minutes, so this stays small."""

    client = ForeignKey(references=Client, null=False)
    jti_hash = Bytea(primary_key=True)
    expires_at = Timestamptz(null=False, index=True)
