"""Signing in with the national identity provider: attempts under way, links to accounts, PWA hand-offs.

Nothing secret is stored in the clear that would let someone finish another person's sign-in: the state and the
hand-off code are kept as SHA-256 hashes; the PKCE verifier and the nonce are short-lived and die with their attempt.
"""

from __future__ import annotations

from piccolo.columns import UUID, Boolean, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from api.accounts.tables import Account


class Attempt(Table, tablename="federation_attempt"):
    """One trip to the provider: what the callback must see again (state) and prove (nonce, PKCE). Single use."""

    id = UUID(primary_key=True)
    # SHA-256 (hex) of the `state` sent to the provider.
    state_hash = Varchar(length=64, null=False, unique=True)
    nonce = Varchar(length=64, null=False)
    # PKCE S256: the verifier stays here; only its challenge went to the provider.
    code_verifier = Varchar(length=128, null=False)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    expires_at = Timestamptz(null=False, index=True)
    used_at = Timestamptz(null=True, default=None)


class Link(Table, tablename="federation_link"):
    """The provider's person (issuer, subject) is this account: unique per (issuer, subject)."""

    id = UUID(primary_key=True)
    issuer = Varchar(length=300, null=False)
    subject = Varchar(length=255, null=False)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, index=True)
    # The provider's `acr` at the last sign-in (what the assurance it gave was based on).
    acr = Varchar(length=100, null=True, default=None)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    last_sign_in_at = Timestamptz(null=False, default=TimestamptzNow())


class Handoff(Table, tablename="federation_handoff"):
    """The callback's result for the PWA: a one-time code (2 minutes) that the PWA trades for its session."""

    id = UUID(primary_key=True)
    # SHA-256 (hex) of the code put in the PWA's address.
    code_hash = Varchar(length=64, null=False, unique=True)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, index=True)
    # The account was created by this sign-in (the PWA then asks for the name).
    new_account = Boolean(null=False, default=False)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    expires_at = Timestamptz(null=False, index=True)
    used_at = Timestamptz(null=True, default=None)
