"""Admin mode: the queue settings of a region's counter services (handling minutes, slot length, quotas, enabled).

Scope on the object (a service of another region is 404), optimistic concurrency (``revision``: 0 while the
service uses the defaults; a stale one is 412), field-level problems in one 422, and an audit event with the actor
in the change's transaction. Days that already have bookings get the new capacities at once (seats already taken
stay taken, even where the new capacity is lower).
"""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg

from api.audit.service import record
from api.lib.errors import FieldError
from api.lib.language import Lang, pick
from api.queue import queries, rules
from api.queue.errors import EditConflictError, InvalidQueueSettingsError, QueueNotFoundError
from api.queue.schemas import DerivedQuotas, QueueSetting, QueueSettingList, QueueSettingUpdate, Ref, SettingService


def _derived(plan: queries.Plan) -> DerivedQuotas:
    """The quotas of the building's longest opening day with today's counters (what "null: derived" means)."""
    longest = max(
        (rules.open_minutes(rules.opening_ranges(plan.region, plan.hours, dt.date(2024, 1, 1 + i))) for i in range(7)),
        default=0,
    )
    capacity = rules.day_capacity(longest, plan["handling_minutes"], plan.counters)
    derived = rules.quotas(capacity, None, None)
    return DerivedQuotas(capacity=capacity, online_quota=derived.online, walk_in_quota=derived.walk_in)


def _setting(plan: queries.Plan, lang: Lang) -> QueueSetting:
    return QueueSetting(
        service=SettingService(id=plan.id, code=plan["code"], name=pick(lang, plan["name_id"], plan["name_en"])),
        agency=Ref(code=plan["agency_code"], name=pick(lang, plan["agency_name_id"], plan["agency_name_en"])),
        letter=plan["letter"],
        handling_minutes=plan["handling_minutes"],
        slot_minutes=plan["slot_minutes"],
        online_quota=plan["online_quota"],
        walk_in_quota=plan["walk_in_quota"],
        enabled=plan["enabled"],
        custom=plan["custom"],
        derived=_derived(plan),
        revision=plan["revision"],
    )


async def list_settings(conn: asyncpg.Connection, *, region: str, lang: Lang) -> QueueSettingList:
    """The region's counter services with their queue settings (defaults where none were set)."""
    items = [_setting(p, lang) for p in await queries.fetch_region_plans(conn, region)]
    return QueueSettingList(items=items, total=len(items))


async def _scoped(conn: asyncpg.Connection, service_id: uuid.UUID, scope: str | None) -> queries.Plan:
    plan = await queries.fetch_plan(conn, service_id)
    if plan is None or not plan["queued"] or (scope is not None and plan.region != scope):
        raise QueueNotFoundError("service")
    return plan


async def get_setting(
    conn: asyncpg.Connection, *, service_id: uuid.UUID, scope: str | None, lang: Lang
) -> QueueSetting:
    return _setting(await _scoped(conn, service_id, scope), lang)


def _check(data: QueueSettingUpdate) -> None:
    errors = []
    if not 1 <= data.handling_minutes <= 480:
        errors.append(FieldError(field="handlingMinutes", message="must be between 1 and 480 minutes"))
    if not 5 <= data.slot_minutes <= 240:
        errors.append(FieldError(field="slotMinutes", message="must be between 5 and 240 minutes"))
    for name, value in (("onlineQuota", data.online_quota), ("walkInQuota", data.walk_in_quota)):
        if value is not None and not 0 <= value <= 100_000:
            errors.append(FieldError(field=name, message="must be between 0 and 100000"))
    if errors:
        raise InvalidQueueSettingsError(errors)


async def update_setting(
    conn: asyncpg.Connection,
    *,
    service_id: uuid.UUID,
    scope: str | None,
    revision: int,
    data: QueueSettingUpdate,
    actor: uuid.UUID,
    now: dt.datetime,
    lang: Lang,
    ip: str = "",
) -> QueueSetting:
    """Change a service's queue settings, based on ``revision`` (412 when it moved on)."""
    async with conn.transaction():
        plan = await _scoped(conn, service_id, scope)
        _check(data)
        stored = await conn.fetchval(
            "SELECT revision FROM queue_service_setting WHERE service = $1 FOR UPDATE", service_id
        )
        if (stored or 0) != revision:
            raise EditConflictError()
        values = (data.handling_minutes, data.slot_minutes, data.online_quota, data.walk_in_quota, data.enabled)
        try:
            async with conn.transaction():
                await conn.execute(
                    """INSERT INTO queue_service_setting (id, service, region, handling_minutes, slot_minutes,
                                                          online_quota, walk_in_quota, enabled, revision, updated_at,
                                                          updated_by)
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10)
                       ON CONFLICT (service) DO UPDATE SET handling_minutes = $4, slot_minutes = $5,
                           online_quota = $6, walk_in_quota = $7, enabled = $8,
                           revision = queue_service_setting.revision + 1, updated_at = $9, updated_by = $10""",
                    uuid.uuid4(),
                    service_id,
                    plan.region,
                    *values,
                    now,
                    actor,
                )
        except asyncpg.UniqueViolationError:
            raise EditConflictError() from None  # two first edits at once: the other one won
        await record(
            conn,
            action="admin.queue_settings.changed",
            actor=actor,
            subject=None,
            detail={
                "service": str(service_id),
                "region": plan.region,
                "handlingMinutes": data.handling_minutes,
                "slotMinutes": data.slot_minutes,
                "onlineQuota": data.online_quota,
                "walkInQuota": data.walk_in_quota,
                "enabled": data.enabled,
            },
            ip=ip,
        )
        await _replan(conn, service_id, rules.local_today(plan.region, now))
    return await get_setting(conn, service_id=service_id, scope=scope, lang=lang)


async def _replan(conn: asyncpg.Connection, service_id: uuid.UUID, today: dt.date) -> None:
    """Give the days already written (from today on) the capacities of the new settings: changed slots take the
    new capacity, new slot times are added, times no longer offered keep their bookings but no free seat."""
    plan = await queries.fetch_plan(conn, service_id)
    assert plan is not None
    days = [
        r["day"]
        for r in await conn.fetch(
            "SELECT DISTINCT day FROM queue_slot WHERE service = $1 AND day >= $2", service_id, today
        )
    ]
    for day in days:
        planned = plan.day(day)[0] if plan.bookable else []
        await conn.execute(
            """UPDATE queue_slot SET capacity = 0
               WHERE service = $1 AND day = $2 AND NOT starts_at = ANY($3::timestamptz[])""",
            service_id,
            day,
            [s.start for s in planned],
        )
        await conn.executemany(
            """INSERT INTO queue_slot (id, service, region, day, starts_at, ends_at, capacity, taken)
               VALUES ($1, $2, $3, $4, $5, $6, $7, 0)
               ON CONFLICT (service, starts_at)
               DO UPDATE SET capacity = EXCLUDED.capacity, ends_at = EXCLUDED.ends_at""",
            [(uuid.uuid4(), service_id, plan.region, day, s.start, s.end, s.capacity) for s in planned],
        )
