"""Admin mode: a region's MPP building — its details and opening hours, closure days, and the reads of the building
screen (agencies and counters are changed in ``building_agencies`` and ``building_counters``). No HTTP here.

Rules shared by every change of the building, its agencies and counters:
- **Scope on the object.** ``scope`` is the caller's region (a region admin's) or None (a national admin: any);
  an object of another region answers 404, as if it did not exist.
- **Optimistic concurrency.** Editable rows carry ``revision``; a change names the revision it was based on and
  is refused with 412 ``edit_conflict`` when the row has moved on (the row is locked first, so of two admins
  racing exactly one wins). ``revision=None`` is for callers holding another basis (a catalogue import's).
- **Field-level problems.** Every problem with what was typed is a ``FieldError`` naming its field
  (``openingHours.fri[1]``), all of them at once, in a 422 ``invalid_building``. The messages are a fixed set
  (the constants below), so the screen can say each in the reader's language.
- **Audit.** Every change writes an audit event with the actor, in the change's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Mapping, Sequence

import asyncpg

from api.audit.service import record
from api.catalogue import schemas
from api.catalogue.building_schemas import (
    WEEKDAYS,
    AgencyAdmin,
    AgencyRef,
    Building,
    ClosureAdmin,
    ClosureCreate,
    CounterAdmin,
    MppAdmin,
    MppUpdate,
    RegionRef,
    ServiceRef,
    Text,
    Weekday,
)
from api.catalogue.timezones import local_today as region_today
from api.lib.errors import DomainError, FieldError, NotFoundError
from api.lib.http import Lang, pick

# The messages of field problems (see the module's docstring).
REQUIRED = "is required"
HOURS_FORMAT = "must be a time range HH:MM-HH:MM"
HOURS_ORDER = "must start before it ends"
HOURS_OVERLAP = "must start after the previous range ends"
OUTSIDE_INDONESIA = "is outside Indonesia"
PHONE_FORMAT = "is not a phone number"
PAST_DAY = "is in the past"
TOO_FAR = "is more than three years ahead"


class InvalidBuildingError(DomainError):
    """422 ``invalid_building``: what was typed has problems, each named with its field."""

    status = 422
    code = "invalid_building"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(
            "Some fields are not valid: " + "; ".join(f"{e.field} {e.message}" for e in errors), errors=errors
        )


class EditConflictError(DomainError):
    """412 ``edit_conflict``: someone changed this since it was read; nothing was saved."""

    status = 412
    code = "edit_conflict"
    detail = "This was changed by someone else since you read it. Reload it, then make your change again."


class ClosureExistsError(DomainError):
    status = 409
    code = "closure_exists"
    detail = "The building is already closed on that day."


class PastClosureError(DomainError):
    status = 409
    code = "past_day"
    detail = "A closure day that has passed stays on the record; only today's and future ones can be removed."


class Problems:
    """Field problems collected while checking a request, raised together."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field=field, message=message))

    def text(self, field: str, value: str | None) -> str:
        """``value`` trimmed; a problem when it is blank."""
        value = (value or "").strip()
        if not value:
            self.add(field, REQUIRED)
        return value

    def raise_any(self) -> None:
        if self.errors:
            raise InvalidBuildingError(self.errors)


def require_region(region: str | None) -> str:
    """The region a change acts on; a national admin must name one (``admin_region`` gave None)."""
    if region is None:
        raise InvalidBuildingError([FieldError(field="region", message=REQUIRED)])
    return region


def check_revision(row: Mapping[str, object], revision: int | None) -> None:
    if revision is not None and row["revision"] != revision:
        raise EditConflictError()


def in_scope(row: asyncpg.Record | None, scope: str | None, what: str) -> asyncpg.Record:
    """The row if it exists and is of the caller's region (``scope`` None: any region); 404 otherwise."""
    if row is None or (scope is not None and row["region"] != scope):
        raise NotFoundError(what)
    return row


# --- opening hours and the building's details -------------------------------------------------------------

_RANGE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,28}[0-9]$")


def check_hours(problems: Problems, hours: Mapping[Weekday, Sequence[str]], field: str) -> dict[str, list[str]]:
    """Every weekday's ranges (absent days: closed), each HH:MM-HH:MM, starting before it ends, in order and
    without overlap (Friday's prayer break is two ranges: 08:00-11:00 and 13:00-15:00)."""
    clean: dict[str, list[str]] = {}
    for day in WEEKDAYS:
        ranges: list[str] = []
        previous_end = -1
        for i, text in enumerate(hours.get(day, [])):
            where = f"{field}.{day}[{i}]"
            value = text.strip().replace(" ", "")
            match = _RANGE.match(value)
            if not match:
                problems.add(where, HOURS_FORMAT)
                continue
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            start, end = h1 * 60 + m1, h2 * 60 + m2
            if start >= end:
                problems.add(where, HOURS_ORDER)
            elif start < previous_end:
                problems.add(where, HOURS_OVERLAP)
            previous_end = max(previous_end, end)
            ranges.append(value)
        clean[day] = ranges
    return clean


def check_phone(problems: Problems, phone: str | None, field: str) -> str | None:
    phone = (phone or "").strip() or None
    if phone is not None and not _PHONE.match(phone):
        problems.add(field, PHONE_FORMAT)
    return phone


def _check_place(problems: Problems, data: MppUpdate) -> None:
    # The data files' bounds: Indonesia from Rote (-11°) to Weh (6°), Sabang (95°) to Merauke (141°).
    if data.latitude is not None and not -11.5 <= data.latitude <= 6.5:
        problems.add("latitude", OUTSIDE_INDONESIA)
    if data.longitude is not None and not 94.0 <= data.longitude <= 141.5:
        problems.add("longitude", OUTSIDE_INDONESIA)


def _mpp(row: asyncpg.Record) -> MppAdmin:
    return MppAdmin(
        id=row["id"],
        name=row["name"],
        address=row["address"],
        opening_hours=json.loads(row["opening_hours"]),
        revision=row["revision"],
        phone=row["phone"],
        latitude=row["latitude"],
        longitude=row["longitude"],
    )


async def update_mpp(
    conn: asyncpg.Connection,
    *,
    mpp_id: uuid.UUID,
    scope: str | None,
    revision: int | None,
    data: MppUpdate,
    actor: uuid.UUID | None,
    ip: str = "",
) -> MppAdmin:
    """Change the building's name, address, phone, position and opening hours (all of them: a PUT)."""
    async with conn.transaction():
        row = in_scope(
            await conn.fetchrow("SELECT * FROM catalogue_mpp WHERE id = $1 FOR UPDATE", mpp_id), scope, "MPP building"
        )
        check_revision(row, revision)
        problems = Problems()
        name = problems.text("name", data.name)
        address = problems.text("address", data.address)
        phone = check_phone(problems, data.phone, "phone")
        _check_place(problems, data)
        hours = check_hours(problems, data.opening_hours, "openingHours")
        problems.raise_any()
        updated = await conn.fetchrow(
            """UPDATE catalogue_mpp SET name = $2, address = $3, phone = $4, latitude = $5, longitude = $6,
                      opening_hours = $7::jsonb, revision = revision + 1
               WHERE id = $1 RETURNING *""",
            mpp_id,
            name,
            address,
            phone,
            data.latitude,
            data.longitude,
            json.dumps(hours),
        )
        before = _mpp(row)
        changed = [f for f in ("name", "address", "phone", "latitude", "longitude") if getattr(before, f) != updated[f]]
        if before.opening_hours != hours:
            changed.append("openingHours")
        await record(
            conn,
            action="building.updated",
            actor=actor,
            subject=None,
            detail={"region": row["region"], "mpp": str(mpp_id), "changed": changed},
            ip=ip,
        )
    return _mpp(updated)


# --- reads -------------------------------------------------------------------------------------------------

# Agencies with what depends on them. Staff are accounts (a domain above the catalogue, which may not call it):
# the count is read here, in the one statement that also serves the retire check (building_agencies).
AGENCIES_SQL = """
    SELECT a.id, a.code, a.name_id, a.name_en, a.short_name, a.kind, a.revision, a.region,
           a.retired_at IS NOT NULL AS retired,
           (SELECT count(*) FROM catalogue_service s WHERE s.agency = a.id AND s.active) AS services,
           (SELECT count(*) FROM catalogue_counter c WHERE c.agency = a.id AND c.retired_at IS NULL) AS counters,
           (SELECT count(*) FROM accounts_account x WHERE x.agency = a.id AND x.status = 'active') AS staff
    FROM catalogue_agency a
"""
COUNTERS_SQL = """
    SELECT c.id, c.number, c.revision, c.retired_at IS NOT NULL AS retired, m.region,
           a.id AS agency_id, a.code AS agency_code, a.name_id AS agency_name_id, a.name_en AS agency_name_en,
           coalesce((SELECT jsonb_agg(jsonb_build_object('id', s.id, 'id_', s.name_id, 'en', s.name_en)
                                      ORDER BY s.name_id)
                     FROM catalogue_counter_service cs JOIN catalogue_service s ON s.id = cs.service
                     WHERE cs.counter = c.id), '[]') AS services
    FROM catalogue_counter c JOIN catalogue_agency a ON a.id = c.agency JOIN catalogue_mpp m ON m.id = c.mpp
"""
# Counters in the order people read them: A2 before A10.
COUNTER_ORDER = "ORDER BY c.retired_at IS NOT NULL, length(c.number), c.number, c.id"


def agency(row: asyncpg.Record) -> AgencyAdmin:
    return AgencyAdmin(
        id=row["id"],
        code=row["code"],
        name=Text(id=row["name_id"], en=row["name_en"]),
        short_name=row["short_name"],
        kind=row["kind"],
        retired=row["retired"],
        revision=row["revision"],
        services=row["services"],
        counters=row["counters"],
        staff=row["staff"],
    )


def counter(row: asyncpg.Record, lang: Lang) -> CounterAdmin:
    return CounterAdmin(
        id=row["id"],
        number=row["number"],
        agency=AgencyRef(
            id=row["agency_id"],
            code=row["agency_code"],
            name=pick(lang, row["agency_name_id"], row["agency_name_en"]),
        ),
        services=[
            ServiceRef(id=uuid.UUID(s["id"]), name=pick(lang, s["id_"], s["en"])) for s in json.loads(row["services"])
        ],
        retired=row["retired"],
        revision=row["revision"],
    )


async def read_agency(conn: asyncpg.Connection, agency_id: uuid.UUID) -> AgencyAdmin:
    row = await conn.fetchrow(f"{AGENCIES_SQL} WHERE a.id = $1", agency_id)
    if row is None:
        raise NotFoundError("agency")
    return agency(row)


async def read_counter(conn: asyncpg.Connection, counter_id: uuid.UUID, lang: Lang) -> CounterAdmin:
    row = await conn.fetchrow(f"{COUNTERS_SQL} WHERE c.id = $1", counter_id)
    if row is None:
        raise NotFoundError("counter")
    return counter(row, lang)


async def mpp_of(conn: asyncpg.Connection, region: str) -> asyncpg.Record:
    """The region's MPP building (one per region); 404 when the region has none (or does not exist)."""
    row = await conn.fetchrow("SELECT * FROM catalogue_mpp WHERE region = $1 ORDER BY name LIMIT 1", region)
    if row is None:
        raise NotFoundError("MPP building")
    return row


async def read_building(conn: asyncpg.Connection, *, region: str, lang: Lang, past: bool = False) -> Building:
    """The building screen: the region's MPP, its agencies (retired ones too: they can be reinstated), its counters
    and its closure days from today on (``past``: all of them)."""
    region_row = await conn.fetchrow("SELECT code, name, name_en FROM catalogue_region WHERE code = $1", region)
    if region_row is None:
        raise NotFoundError("region")
    mpp = await mpp_of(conn, region)
    agencies = await conn.fetch(
        f"{AGENCIES_SQL} WHERE a.region = $1 ORDER BY a.retired_at IS NOT NULL, a.short_name, a.code", region
    )
    counters = await conn.fetch(f"{COUNTERS_SQL} WHERE c.mpp = $1 {COUNTER_ORDER}", mpp["id"])
    closures = await conn.fetch(
        "SELECT * FROM catalogue_mpp_closure WHERE mpp = $1 AND ($2 OR day >= $3) ORDER BY day",
        mpp["id"],
        past,
        region_today(region),
    )
    return Building(
        region=RegionRef(code=region_row["code"], name=pick(lang, region_row["name"], region_row["name_en"])),
        mpp=_mpp(mpp),
        agencies=[agency(r) for r in agencies],
        counters=[counter(r, lang) for r in counters],
        closures=[_closure(r) for r in closures],
    )


async def public_mpp(conn: asyncpg.Connection, region: str, lang: Lang) -> schemas.Mpp | None:
    """The region's building as citizens see it (``GET /regions/{code}``): its live counters (with the services
    each serves, when chosen) and its closure days from today on, the reasons in the reader's language."""
    row = await conn.fetchrow("SELECT * FROM catalogue_mpp WHERE region = $1 ORDER BY name LIMIT 1", region)
    if row is None:
        return None
    counters = await conn.fetch(
        """SELECT c.number, a.code, a.name_id, a.name_en,
                  (SELECT array_agg(x.service) FROM catalogue_counter_service x WHERE x.counter = c.id) AS services
           FROM catalogue_counter c JOIN catalogue_agency a ON a.id = c.agency
           WHERE c.mpp = $1 AND c.retired_at IS NULL ORDER BY c.number""",
        row["id"],
    )
    closures = await conn.fetch(
        "SELECT * FROM catalogue_mpp_closure WHERE mpp = $1 AND day >= $2 ORDER BY day", row["id"], region_today(region)
    )
    return schemas.Mpp(
        id=row["id"],
        name=row["name"],
        address=row["address"],
        opening_hours=json.loads(row["opening_hours"]),
        counters=[
            schemas.Counter(
                number=c["number"],
                agency=schemas.Ref(code=c["code"], name=pick(lang, c["name_id"], c["name_en"])),
                services=list(c["services"]) if c["services"] else None,
            )
            for c in counters
        ],
        phone=row["phone"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        closures=[schemas.Closure(day=d["day"], reason=pick(lang, d["reason_id"], d["reason_en"])) for d in closures],
    )


# --- closure days ------------------------------------------------------------------------------------------


def _closure(row: asyncpg.Record) -> ClosureAdmin:
    return ClosureAdmin(id=row["id"], day=row["day"], reason=Text(id=row["reason_id"], en=row["reason_en"]))


async def add_closure(
    conn: asyncpg.Connection, *, region: str, data: ClosureCreate, actor: uuid.UUID | None, ip: str = ""
) -> ClosureAdmin:
    """Close the building on a day (today or later) for a reason; the same day twice is 409 ``closure_exists``."""
    mpp = await mpp_of(conn, region)
    problems = Problems()
    reason_id = problems.text("reason.id", data.reason.id)
    reason_en = problems.text("reason.en", data.reason.en)
    today = region_today(region)
    if data.day < today:
        problems.add("day", PAST_DAY)
    elif data.day > today + dt.timedelta(days=3 * 366):
        problems.add("day", TOO_FAR)
    problems.raise_any()
    async with conn.transaction():
        row = await conn.fetchrow(
            """INSERT INTO catalogue_mpp_closure (id, mpp, day, reason_id, reason_en, created_by, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, now()) ON CONFLICT (mpp, day) DO NOTHING RETURNING *""",
            uuid.uuid4(),
            mpp["id"],
            data.day,
            reason_id,
            reason_en,
            actor,
        )
        if row is None:
            raise ClosureExistsError()
        await record(
            conn,
            action="building.closure_added",
            actor=actor,
            subject=None,
            detail={"region": region, "closure": str(row["id"]), "day": data.day.isoformat()},
            ip=ip,
        )
    return _closure(row)


async def remove_closure(
    conn: asyncpg.Connection, *, closure_id: uuid.UUID, scope: str | None, actor: uuid.UUID | None, ip: str = ""
) -> None:
    """Open the building again on a closure day (today or later; past ones stay on the record)."""
    async with conn.transaction():
        row = in_scope(
            await conn.fetchrow(
                """SELECT d.*, m.region FROM catalogue_mpp_closure d JOIN catalogue_mpp m ON m.id = d.mpp
                   WHERE d.id = $1 FOR UPDATE OF d""",
                closure_id,
            ),
            scope,
            "closure day",
        )
        if row["day"] < region_today(row["region"]):
            raise PastClosureError()
        await conn.execute("DELETE FROM catalogue_mpp_closure WHERE id = $1", closure_id)
        await record(
            conn,
            action="building.closure_removed",
            actor=actor,
            subject=None,
            detail={"region": row["region"], "closure": str(closure_id), "day": row["day"].isoformat()},
            ip=ip,
        )
