"""Wire types of accounts: me, my sessions, my family and mandates, my data."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from api.lib.wire import Input, Struct

Nik = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{16}$", description="16-digit NIK")]
Kk = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{16}$", description="16-digit family card (KK) number")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
Relation = Literal["child", "parent", "spouse", "sibling", "other"]


class Ref(Struct):
    code: str
    name: str


class Address(Input):
    street: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    village: Annotated[str, msgspec.Meta(min_length=1, max_length=80, description="Kelurahan/desa")]
    district: Annotated[str, msgspec.Meta(min_length=1, max_length=80, description="Kecamatan")]
    regency: Annotated[str, msgspec.Meta(min_length=1, max_length=80, description="Kabupaten/kota")]
    province: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    rt_rw: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,3}/[0-9]{1,3}$")] | None = None
    postcode: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{5}$")] | None = None


class Me(Struct):
    id: uuid.UUID
    name: str
    roles: list[str]
    phone: str
    language: str
    status: str
    has_passkey: bool
    created_at: dt.datetime
    # phone | registry | in_person (api.accounts.assurance): how sure we are of who is behind the account.
    # Always set (a None default, so that omit_defaults never drops "phone" from the answer).
    assurance: str | None = None
    nik: str | None = None
    kk: str | None = None
    email: str | None = None
    birth_date: dt.date | None = None
    address: Address | None = None
    agency: Ref | None = None
    region: Ref | None = None


class MeUpdate(Input):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    nik: Nik | msgspec.UnsetType = msgspec.UNSET
    kk: Kk | msgspec.UnsetType = msgspec.UNSET
    email: (
        Annotated[str, msgspec.Meta(pattern=r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")] | None | msgspec.UnsetType
    ) = msgspec.UNSET
    language: Literal["id", "en"] | msgspec.UnsetType = msgspec.UNSET
    address: Address | None | msgspec.UnsetType = msgspec.UNSET


class SessionInfo(Struct):
    id: uuid.UUID
    kind: str
    amr: list[str]
    created_at: dt.datetime
    last_used_at: dt.datetime
    expires_at: dt.datetime
    user_agent: str
    ip: str
    current: bool


class SessionList(Struct):
    items: list[SessionInfo]
    total: int


class PhoneChange(Input):
    phone: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]


class PhoneVerify(Input):
    phone: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=12)]


class FamilyMemberCreate(Input):
    nik: Nik
    name: Name
    relation: Relation


class FamilyMember(Struct):
    id: uuid.UUID
    nik: str  # masked: 3302********0002
    name: str
    relation: str
    has_account: bool
    minor: bool
    created_at: dt.datetime


class FamilyMemberList(Struct):
    items: list[FamilyMember]
    total: int


class MandateCreate(Input):
    member_id: uuid.UUID
    # Service codes (as in the catalogue), or ["*"] for every service.
    services: Annotated[
        list[Annotated[str, msgspec.Meta(pattern=r"^(\*|[a-z0-9]+(-[a-z0-9]+)*)$")]],
        msgspec.Meta(min_length=1, max_length=50),
    ]
    valid_until: dt.datetime


class Party(Struct):
    id: uuid.UUID
    name: str


class Mandate(Struct):
    id: uuid.UUID
    holder: Party
    member: Party
    relation: str
    basis: str
    services: list[str]
    status: str
    valid_from: dt.datetime
    valid_until: dt.datetime
    revoked_at: dt.datetime | None = None
    # What made it active (registry_kk | officer | consent); an officer's refusal reason.
    proof: str | None = None
    review_reason: str | None = None


class MandateList(Struct):
    items: list[Mandate]
    total: int


class Kept(Struct):
    what: str
    why: str
    until: str


class DeletionRequested(Struct):
    status: str
    requested_at: dt.datetime
    erased: list[str]
    kept: list[Kept]
    # When the erasure job may act: the request plus the hold, during which an MPP counter can cancel it.
    erase_after: dt.datetime | None = None


class AuditEntry(Struct):
    at: dt.datetime
    action: str
    actor: uuid.UUID | None = None
    detail: dict[str, object] = {}


class AuditList(Struct):
    items: list[AuditEntry]
    total: int


# --- identity: verification, the counter check, mandate review (api.accounts.assurance, counter, mandate_review)


class IdentityVerify(Input):
    nik: Nik
    name: Name
    birth_date: dt.date


class IdentityVerification(Struct):
    """The outcome of a verification. ``verified`` false reads the same whatever the reason (see bind_nik)."""

    verified: bool
    assurance: str


class CounterCard(Struct):
    """What an officer at the counter compares with the KTP-el: nothing beyond what the card itself shows."""

    account: uuid.UUID
    name: str
    nik: str | None  # masked: 3302********0001
    birth_date: dt.date | None
    phone: str  # masked: +62812…890
    assurance: str
    checked_at: dt.datetime | None = None


class CounterCheck(Input):
    matches: bool


class MandateReview(Input):
    approve: bool
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)] | None = None


class MandateForReview(Struct):
    """A parental mandate waiting for an officer: who asks, for which child (masked NIKs), since when."""

    id: uuid.UUID
    holder: Party
    holder_nik: str | None
    member: Party
    member_nik: str
    relation: str
    created_at: dt.datetime
    services: list[str]


class MandateForReviewList(Struct):
    items: list[MandateForReview]
    total: int


class MandateDecision(Struct):
    id: uuid.UUID
    status: str  # active | refused
    reason: str | None = None
