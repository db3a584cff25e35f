"""Wire types of sign-in."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

Phone = Annotated[str, msgspec.Meta(min_length=1, max_length=32, description="Indonesian mobile number")]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=12)]


class Struct(msgspec.Struct, rename="camel", omit_defaults=True, forbid_unknown_fields=True):
    pass


class CodeRequest(Struct):
    phone: Phone


class CodeSent(Struct):
    # Seconds the code stays valid; the same answer whether or not the number has an account.
    expires_in: int


class CodeVerify(Struct):
    phone: Phone
    code: Code


class RefreshRequest(Struct):
    refresh_token: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class KioskSignIn(Struct):
    # Absent: the device's kiosk cookie (set by an earlier sign-in) stands in for it.
    device_secret: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None


class Tokens(Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str  # always "Bearer"
    # "api", or "mfa" for staff who must still confirm with a passkey.
    scope: str
    # Present (true) only when this sign-in created the account: the PWA then asks for name and NIK.
    new_account: bool = False


class StaffMember(Struct):
    """A staff account found by an admin, to hand over an enrolment code for its first passkey."""

    account_id: uuid.UUID
    name: str
    phone: str
    roles: list[str]
    # Whether a passkey is enrolled already (then a new code is needed only for a replaced device).
    has_passkey: bool
    agency: str | None = None
    region: str | None = None


class EnrolmentCode(Struct):
    """A new one-time code for a staff member's first passkey. Shown once: it is stored only as an HMAC."""

    account_id: uuid.UUID
    enrolment_code: str
    # <public URL>/#/signin?enrol=<code>: the sign-in screen with the code filled in.
    link: str
    expires_at: dt.datetime
