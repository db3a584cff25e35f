"""The rules every reader of an application shares: which move is legal, whose version counts, what a deadline
means in the region's own time zone. Pure functions over rows: no statements here."""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeAlias

import asyncpg
import msgspec
import msgspec.yaml

from api.applications import schemas
from api.applications.service.errors import IllegalTransitionError, StaleVersionError
from api.applications.statuses import NEEDS_CORRECTION, OPEN, TRANSITIONS, CitizenAction, OfficerAction
from api.calendar.service import working_calendar
from api.catalogue.timezones import local_today as local_today
from api.catalogue.timezones import time_zone as time_zone

NEEDS_REASON = {"request_correction", "reject"}
DUE_SOON_WORKING_DAYS = 2
BROKER_WINDOW_DAYS = 30
BROKER_PEOPLE = 5
OUTPUT_TYPES_FILE = Path(__file__).parent.parent / "data" / "output_types.yaml"

Row: TypeAlias = asyncpg.Record | dict[str, Any]


@lru_cache(maxsize=1)
def output_types() -> dict[str, str]:
    """Which wallet document type a completed service issues, by service code (the rest: HASIL_LAYANAN)."""
    return msgspec.yaml.decode(OUTPUT_TYPES_FILE.read_bytes(), type=dict[str, str])


def deadline(row: Row, today: dt.date) -> schemas.Deadline:
    due: dt.date | None = row["due_date"]
    paused = row["status"] == NEEDS_CORRECTION
    if due is None or row["status"] not in OPEN:
        return schemas.Deadline(due_date=due, paused=paused, overdue=False, due_soon=False)
    cal = working_calendar(row["region"])
    left = cal.working_days_between(today, due) if due > today else -cal.working_days_between(due, today)
    return schemas.Deadline(
        due_date=due,
        paused=paused,
        overdue=not paused and today > due,
        due_soon=not paused and 0 <= left <= DUE_SOON_WORKING_DAYS,
        working_days_left=left,
    )


def resumed_due_date(row: Row, today: dt.date) -> tuple[dt.date | None, int]:
    """The deadline after a correction, moved on by the working days the citizen took; and those days. Counted on
    the region's calendar as it is now: a day off added during the pause is neither a day the citizen took nor one
    of the days left (api.applications.service.deadlines moved the stored date for it already)."""
    cal = working_calendar(row["region"])
    paused = cal.working_days_between(row["paused_since"], today) if row["paused_since"] else 0
    due: dt.date | None = cal.add_working_days(row["due_date"], paused) if paused else row["due_date"]
    return due, paused


def request_hash(body: msgspec.Struct) -> str:
    return hashlib.sha256(msgspec.json.encode(body, order="sorted")).hexdigest()


def expect(row: Row, version: int | None) -> None:
    """412 unless the caller acted on the stored version (no version sent: no check)."""
    if version is not None and version != row["version"]:
        raise StaleVersionError(row["version"], version)


def allowed(row: Row, action: OfficerAction | CitizenAction) -> str:
    """The status ``action`` leads to from the row's; 409 when the move is not legal from there."""
    sources, target, _ = TRANSITIONS[action]
    if row["status"] not in sources:
        raise IllegalTransitionError(f"cannot {action.replace('_', ' ')} an application that is {row['status']}")
    return target
