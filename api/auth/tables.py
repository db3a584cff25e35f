"""Sign-in state: one-time codes, sessions with their refresh tokens, passkeys, kiosk devices, rate limits.

Secrets are never stored: codes and refresh tokens are kept as keyed/plain hashes only.
"""

from __future__ import annotations

from piccolo.columns import (
    UUID,
    Array,
    BigInt,
    Bytea,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from api.accounts.tables import Account
from api.catalogue.tables import Mpp, Region


class OneTimeCode(Table, tablename="auth_one_time_code"):
    id = UUID(primary_key=True)
    phone = Varchar(length=16, null=False, index=True)
    # sign_in | change_phone
    purpose = Varchar(length=16, null=False)
    # For change_phone: whose number changes.
    account = ForeignKey(references=Account, null=True, default=None, on_delete=OnDelete.cascade)
    # HMAC-SHA256 of the code under the server secret: a leaked table does not reveal (or let anyone
    # brute-force offline) the codes.
    code_hash = Bytea(null=False)
    attempts = Integer(null=False, default=0)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    expires_at = Timestamptz(null=False)
    consumed_at = Timestamptz(null=True, default=None)


class RateLimit(Table, tablename="auth_rate_limit"):
    """Fixed-window counters, shared by every API process through the database."""

    key = Varchar(length=120, primary_key=True)
    hits = Integer(null=False, default=0)
    expires_at = Timestamptz(null=False, index=True)


class Session(Table, tablename="auth_session"):
    """A signed-in device. Its refresh tokens form one family: reuse of a spent one revokes it."""

    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    kiosk = UUID(null=True, default=None, index=True)
    # citizen | staff | kiosk: decides the lifetimes.
    kind = Varchar(length=8, null=False)
    amr = Array(base_column=Varchar(length=10), null=False, default=[])
    scope = Varchar(length=8, null=False, default="api")
    auth_time = Timestamptz(null=False, default=TimestamptzNow())
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    last_used_at = Timestamptz(null=False, default=TimestamptzNow())
    idle_expires_at = Timestamptz(null=False)
    absolute_expires_at = Timestamptz(null=False)
    revoked_at = Timestamptz(null=True, default=None)
    revoke_reason = Varchar(length=40, null=True, default=None)
    user_agent = Varchar(length=300, null=False, default="")
    ip = Varchar(length=45, null=False, default="")


class RefreshToken(Table, tablename="auth_refresh_token"):
    # SHA-256 of a 256-bit random token (hex): high entropy needs no key stretching.
    token_hash = Varchar(length=64, primary_key=True)
    session = ForeignKey(references=Session, null=False, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    used_at = Timestamptz(null=True, default=None)


class Passkey(Table, tablename="auth_passkey"):
    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, index=True)
    credential_id = Bytea(null=False, unique=True)
    public_key = Bytea(null=False)
    sign_count = BigInt(null=False, default=0)
    transports = Array(base_column=Varchar(length=16), null=False, default=[])
    name = Varchar(length=60, null=False, default="")
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)


class WebAuthnChallenge(Table, tablename="auth_webauthn_challenge"):
    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=True, default=None, on_delete=OnDelete.cascade)
    # register | authenticate
    purpose = Varchar(length=12, null=False)
    challenge = Bytea(null=False)
    expires_at = Timestamptz(null=False)
    used_at = Timestamptz(null=True, default=None)
    # For a staff member's first passkey: the enrolment code checked when these options were given, spent when
    # the passkey is stored (not before: a cancelled fingerprint prompt must not burn the admin's code).
    enrolment_code = UUID(null=True, default=None)


class EnrolmentCode(Table, tablename="auth_enrolment_code"):
    """A one-time code an admin issues so that a staff member can enrol their first passkey.

    The SMS code proves only the phone number; this proves the admin handed the person their account. It is
    single use, short-lived and kept as an HMAC under the server secret (like sign-in codes). A new one ends
    the previous one (``ended_at``); using it sets ``used_at``.
    """

    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, index=True)
    code_hash = Bytea(null=False)
    # The admin who issued it; None when it came from the command line (`mpp users create|enrolment`).
    issued_by = UUID(null=True, default=None)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    expires_at = Timestamptz(null=False)
    used_at = Timestamptz(null=True, default=None)
    ended_at = Timestamptz(null=True, default=None)


class Kiosk(Table, tablename="auth_kiosk"):
    """A shared tablet in an MPP building, registered by a region admin."""

    id = UUID(primary_key=True)
    mpp = ForeignKey(references=Mpp, null=False, on_delete=OnDelete.restrict, index=True)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict)
    name = Varchar(length=60, null=False)
    # SHA-256 of the device secret handed over once at registration.
    secret_hash = Varchar(length=64, null=False, unique=True)
    created_by = ForeignKey(references=Account, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
    # A short one-time pairing code (its SHA-256), typed or scanned on the tablet instead of the long secret.
    pairing_code_hash = Varchar(length=64, null=True, default=None, unique=True)
    pairing_expires_at = Timestamptz(null=True, default=None)
    paired_at = Timestamptz(null=True, default=None)
    # The last kiosk sign-in or token refresh: admins see which tablets are alive.
    last_seen_at = Timestamptz(null=True, default=None)
    # Goes up on every admin change (rename, new pairing code, retire): the ETag that If-Match must name.
    revision = Integer(null=False, default=1)
