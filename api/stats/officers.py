"""Per-officer workload of one agency: decisions, corrections requested and tickets served over a period.

These are figures about identifiable staff, so they are read only by the agency's supervisor and its region's admin
(``scopes.check`` with the route's rule: no national view of named officers), and each read leaves an audit event on
every officer it showed (``stats.officers.read``: who looked, at which agency and period), in the transaction of the
read — an officer can see in their own trail who looked at their workload.
"""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg

from api.accounts.service import names
from api.audit.service import record
from api.stats.figures import Params, check_period, rows_condition, rows_for
from api.stats.schemas import OfficerList, OfficerRef, OfficerWorkload
from api.stats.scopes import InvalidScopeError, Scope

AUDIT_ACTION = "stats.officers.read"


async def officers(
    conn: asyncpg.Connection,
    *,
    scope: Scope,
    start: dt.date,
    end: dt.date,
    viewer: uuid.UUID,
    ip: str = "",
) -> OfficerList:
    """The workload of each officer of the agency ``scope`` (``agency:<id>``, resolved and checked by the caller)
    who did anything from ``start`` to ``end`` (local dates, inclusive), by name; the read is audited on each one."""
    if scope.unit.kind != "agency" or scope.agency is None:
        raise InvalidScopeError()
    check_period(start, end)
    p = Params()
    agency = p(scope.agency)
    async with conn.transaction():
        rows = await conn.fetch(
            f"""SELECT officer, sum(decisions)::bigint AS decisions, sum(corrections)::bigint AS corrections,
                       sum(tickets_served)::bigint AS tickets_served
                FROM stats_officer_fact WHERE agency = {agency} AND ({rows_condition(p, rows_for(start, end, "month"))})
                GROUP BY officer""",  # noqa: S608 (constant parts; values are parameters)
            *p.values,
        )
        named = await names(conn, (r["officer"] for r in rows))
        detail = {"agency": str(scope.agency), "from": start.isoformat(), "to": end.isoformat()}
        for officer in sorted({r["officer"] for r in rows}, key=str):
            await record(conn, action=AUDIT_ACTION, actor=viewer, subject=officer, detail=detail, ip=ip)
    items = [
        OfficerWorkload(
            officer=OfficerRef(id=r["officer"], name=named.get(r["officer"], "")),
            decisions=int(r["decisions"]),
            corrections=int(r["corrections"]),
            tickets_served=int(r["tickets_served"]),
        )
        for r in rows
    ]
    items.sort(key=lambda item: (item.officer.name, str(item.officer.id)))
    return OfficerList(items=items, total=len(items))
