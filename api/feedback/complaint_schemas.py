"""Complaints' wire types (camelCase JSON). Inputs refuse unknown fields; names are in the reader's language."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from api.feedback.complaint_rules import CloseReason, Status
from api.lib.wire import Input, Struct

# Stripped and bounded by the service (10–4000 characters once stripped); the bound here only stops a flood.
LongText = Annotated[str, msgspec.Meta(max_length=8000)]
CategoryCode = Annotated[str, msgspec.Meta(min_length=1, max_length=16, pattern=r"^[a-z_]+$")]
RegionCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{2,4}$", description="BPS code")]
AgencyCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{1,40}$", description="an agency's code")]


class Names(Struct):
    id: str
    en: str


class Category(Struct):
    code: str
    name: Names
    response_days: int


class CategoryList(Struct):
    items: list[Category]


class ComplaintCreate(Input):
    category: CategoryCode
    text: LongText
    application_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    ticket_id: uuid.UUID | None = None
    # With a national service: the region whose agency is meant (a regional service names its own).
    region: RegionCode | None = None
    # The complaint is about the officer who handled the application or ticket.
    about_officer: bool = False
    # Hide who complains from the agency (the region admin still sees it).
    anonymous: bool = False
    # A document of the complainant's own wallet.
    attachment_id: uuid.UUID | None = None


class ComplaintCreated(Struct):
    id: uuid.UUID
    number: str
    status: Status
    due_date: dt.date


class ComplaintText(Input):
    text: LongText


class ComplaintAnswer(Input):
    text: LongText
    version: Annotated[int, msgspec.Meta(ge=1, le=1_000_000_000)]


class ComplaintReassign(Input):
    agency: AgencyCode
    version: Annotated[int, msgspec.Meta(ge=1, le=1_000_000_000)] | None = None


class Attachment(Struct):
    id: uuid.UUID
    title: str


class StaffAttachment(Struct):
    id: uuid.UUID
    title: str
    content_type: str


class Event(Struct):
    at: dt.datetime
    action: str
    actor_role: str
    text: str | None


class _Complaint(Struct):
    """The fields that open every view of a complaint, the citizen's and the staff's (declared once)."""

    id: uuid.UUID
    number: str
    status: Status
    category: str
    due_date: dt.date


class ComplaintItem(_Complaint):
    created_at: dt.datetime
    agency_name: str
    service_name: str | None
    overdue: bool


class ComplaintList(Struct):
    items: list[ComplaintItem]


class ComplaintDetail(ComplaintItem):
    text: str
    anonymous: bool
    about_officer: bool
    events: list[Event]
    # Null rather than left out: a screen tells "not yet" from a field it does not know.
    answer: str | None
    answered_at: dt.datetime | None
    confirm_by: dt.datetime | None
    close_reason: CloseReason | None
    attachment: Attachment | None


class StaffItem(_Complaint):
    overdue: bool
    created_at: dt.datetime
    agency_name: str
    service_name: str | None
    application_number: str | None
    complainant_name: str | None


class StaffList(Struct):
    items: list[StaffItem]
    total: int
    next_cursor: str | None


class Complainant(Struct):
    name: str
    phone: str


class Lapor(Struct):
    id: str
    status: str | None


class StaffDetail(_Complaint):
    overdue: bool
    created_at: dt.datetime
    agency_name: str
    agency_code: str
    service_name: str | None
    application_number: str | None
    text: str
    anonymous: bool
    about_officer: bool
    events: list[Event]
    version: int
    answer: str | None
    answered_at: dt.datetime | None
    confirm_by: dt.datetime | None
    close_reason: CloseReason | None
    attachment: StaffAttachment | None
    complainant: Complainant | None
    lapor: Lapor | None
