"""Wire types of kiosk mode (camelCase, as every API type)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

# What a citizen types: "3302-2611-000123" (spaces and missing dashes are forgiven by the service).
Number = Annotated[str, msgspec.Meta(min_length=1, max_length=40, description="application number")]
Code = Annotated[str, msgspec.Meta(pattern=r"^\s*[0-9]{6}\s*$", description="the 6-digit code sent by SMS")]


class Struct(msgspec.Struct, rename="camel", omit_defaults=True, forbid_unknown_fields=True):
    pass


class Ref(Struct):
    code: str
    name: str


class KioskDevice(Struct):
    """Which tablet this is, and how long it waits for a touch before wiping the screen."""

    id: uuid.UUID
    name: str
    mpp: Ref
    region: Ref
    # Seconds without a touch before the "are you still there?" warning, then seconds of warning.
    idle_seconds: int
    warning_seconds: int


class StatusCodeRequest(Struct):
    number: Number


class StatusCodeSent(Struct):
    # The same answer whether or not the number exists: a kiosk cannot be used to find out which do.
    expires_in: int


class StatusLookup(Struct):
    number: Number
    code: Code


class StatusDeadline(Struct):
    due_date: dt.date | None
    paused: bool
    overdue: bool
    due_soon: bool
    working_days_left: int | None = None


class StatusSummary(Struct):
    """What a kiosk may show once the owner confirmed with the code: no name, NIK, documents or answers."""

    number: str
    status: str
    service: str
    agency: str
    deadline: StatusDeadline
    updated_at: dt.datetime
    # What the citizen must do now (the officer's correction reason), when the application waits for them.
    action_needed: str | None = None
    # The day (in the region's time) a completed, rejected or withdrawn application was closed: a finished
    # application is told by when it finished, not by the deadline it had.
    closed_on: dt.date | None = None
