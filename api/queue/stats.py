"""The supervisor's view of a day at the agency's counters: waiting counts and times per counter, and how often
the waiting estimate was right (the share of called tickets called inside the window shown when they were
issued)."""

from __future__ import annotations

import datetime as dt

import asyncpg

from api.lib.language import Lang, pick
from api.lib.staff import Officer
from api.queue import queries
from api.queue.counter import serves
from api.queue.errors import QueueNotFoundError
from api.queue.schemas import CounterStats, EstimateAccuracy, QueueStats, Ref

_PER_COUNTER = """
SELECT t.counter,
       count(*) FILTER (WHERE t.status = 'done') AS served,
       count(*) FILTER (WHERE t.status = 'no_show') AS no_shows,
       avg(extract(epoch FROM t.first_called_at - t.issued_at) / 60)
           FILTER (WHERE t.first_called_at IS NOT NULL) AS avg_wait,
       avg(extract(epoch FROM t.done_at - coalesce(t.serving_at, t.called_at)) / 60)
           FILTER (WHERE t.status = 'done') AS avg_handling
FROM queue_ticket t WHERE t.agency = $1 AND t.day = $2 AND t.counter IS NOT NULL
GROUP BY t.counter
"""

_DAY = """
SELECT count(*) FILTER (WHERE status = 'waiting') AS waiting,
       count(*) FILTER (WHERE status = 'done') AS served,
       count(*) FILTER (WHERE status = 'no_show') AS no_shows,
       avg(extract(epoch FROM first_called_at - issued_at) / 60) FILTER (WHERE first_called_at IS NOT NULL) AS avg_wait,
       avg(extract(epoch FROM done_at - coalesce(serving_at, called_at)) / 60) FILTER (WHERE status = 'done')
           AS avg_handling,
       count(*) FILTER (WHERE first_called_at IS NOT NULL) AS called,
       count(*) FILTER (WHERE first_called_at IS NOT NULL
                          AND extract(epoch FROM first_called_at - issued_at) / 60
                              BETWEEN estimate_low AND estimate_high) AS inside
FROM queue_ticket WHERE agency = $1 AND day = $2
"""


def _minutes(value: object) -> float | None:
    return round(float(value), 1) if value is not None else None  # type: ignore[arg-type]


async def day_stats(conn: asyncpg.Connection, *, officer: Officer, day: dt.date, lang: Lang) -> QueueStats:
    agency = await queries.fetch_agency(conn, region=officer.region, code=officer.agency_code)
    if agency is None:
        raise QueueNotFoundError("agency")
    counters = await queries.fetch_counters(conn, region=officer.region, agency_code=officer.agency_code)
    per_counter = {r["counter"]: r for r in await conn.fetch(_PER_COUNTER, agency["id"], day)}
    waiting = await conn.fetch(
        "SELECT service, target_counter FROM queue_ticket WHERE agency = $1 AND day = $2 AND status = 'waiting'",
        agency["id"],
        day,
    )
    open_counters = {
        r["counter"]
        for r in await conn.fetch(
            "SELECT counter FROM queue_counter_session WHERE closed_at IS NULL AND counter = ANY($1::uuid[])",
            [c["id"] for c in counters],
        )
    }
    items = []
    for c in counters:
        r = per_counter.get(c["id"])
        items.append(
            CounterStats(
                number=c["number"],
                open=c["id"] in open_counters,
                served=r["served"] if r else 0,
                no_shows=r["no_shows"] if r else 0,
                waiting=sum(1 for w in waiting if serves(c, w["service"], w["target_counter"])),
                avg_wait_minutes=_minutes(r["avg_wait"]) if r else None,
                avg_handling_minutes=_minutes(r["avg_handling"]) if r else None,
            )
        )
    whole = await conn.fetchrow(_DAY, agency["id"], day)
    called, inside = int(whole["called"]), int(whole["inside"])
    return QueueStats(
        date=day,
        agency=Ref(code=agency["code"], name=pick(lang, agency["name_id"], agency["name_en"])),
        waiting=whole["waiting"],
        served=whole["served"],
        no_shows=whole["no_shows"],
        counters=items,
        estimate=EstimateAccuracy(
            tickets=called, inside=inside, accuracy=round(inside / called, 3) if called else None
        ),
        avg_wait_minutes=_minutes(whole["avg_wait"]),
        avg_handling_minutes=_minutes(whole["avg_handling"]),
    )
