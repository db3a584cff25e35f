"""Wire types of sign-in."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from api.lib.wire import Name

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


class KioskPair(Struct):
    # As shown to the admin ("K7Q2-9MXD"): case, spaces and dashes do not matter.
    pairing_code: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]


class Tokens(Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str  # always "Bearer"
    # "api", or "mfa" for staff who must still confirm with a passkey.
    scope: str
    # Present (true) only when this sign-in created the account: the PWA then asks for name and NIK.
    new_account: bool = False


class KioskPaired(Tokens, kw_only=True):
    """A kiosk session (as the kiosk sign-in answers) and the tablet's new device secret, given only now: the
    same secret is in the device's HttpOnly kiosk cookie, which is what signs the tablet in from then on."""

    device_secret: str


class EnrolmentCode(Struct):
    """A new one-time code for a staff member's first passkey. Shown once: it is stored only as an HMAC."""

    account_id: uuid.UUID
    enrolment_code: str
    # <public URL>/#/signin?enrol=<code>: the sign-in screen with the code filled in.
    link: str
    expires_at: dt.datetime
    # The link as a QR code (SVG), to scan with the staff member's phone: drawn here, from our own link only.
    qr_svg: str | None = None


# --- staff in admin mode (api/auth/staff_admin.py) -------------------------------------------------------------

# Roles an admin gives; region_admin only by a national admin. National admins are made with `mpp users create`.
StaffRole = Literal["officer", "supervisor", "region_admin"]
AgencyCode = Annotated[str, msgspec.Meta(min_length=1, max_length=40, description="an agency's code")]
RegionCode = Annotated[str, msgspec.Meta(pattern="^[0-9]{4}$", description="a region's BPS code")]


class Answer(msgspec.Struct, rename="camel"):
    """An answer that says null rather than leaving a field out."""


class StaffRef(Answer):
    code: str
    name: str


class StaffItem(Answer):
    """A member of staff as an admin manages them. ``revision`` is the ETag that changes must name in If-Match."""

    account_id: uuid.UUID
    name: str
    phone: str
    roles: list[str]
    agency: StaffRef | None
    region: StaffRef | None
    status: Literal["active", "suspended"]
    has_passkey: bool
    # When their newest session started (a sign-in), or null if they never signed in.
    last_sign_in_at: dt.datetime | None
    revision: int


class StaffList(Answer):
    items: list[StaffItem]
    total: int


class StaffInvite(Struct):
    phone: Phone
    name: Name
    role: StaffRole
    # Required for officers and supervisors: a live agency of the region.
    agency: AgencyCode | None = None
    # National admins only (a region admin invites into their own region).
    region: RegionCode | None = None


class NewEnrolmentCode(Answer):
    """An enrolment code for a staff member's first passkey, its link and the link's QR code (shown once)."""

    account_id: uuid.UUID
    enrolment_code: str
    link: str
    expires_at: dt.datetime
    qr_svg: str


class StaffInvitation(NewEnrolmentCode):
    """The invited person's account and the enrolment code for their first passkey."""

    # True when the number already had a (citizen) account, which gained the staff role: one account per person.
    existing_account: bool


class StaffUpdate(Struct):
    role: StaffRole | None = None
    agency: AgencyCode | None = None
    # National admins only: moves the person to another region (with an agency of that region).
    region: RegionCode | None = None


class StaffSuspend(Struct):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class SessionsEnded(Answer):
    ended: int


class PasskeysReplaced(NewEnrolmentCode):
    """The person's passkeys were removed (a lost phone or key); their first new one needs this code."""

    removed: int
