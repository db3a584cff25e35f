"""Every region (or province) ranked by one figure: KemenPANRB's comparison, with the dashboards' definitions.

The same statements as a national dashboard's breakdown (``figures.gather`` with the nation as the scope and the
regions or provinces as its children), without periods: one statement per source for the whole country. Month rows
for the whole months of the range, day rows for the partial months at its ends.

Called in-process (the bench) as the route calls it::

    found = await ranking(conn, level="region", figure="decidedWithinSlaShare", start=date(2026, 1, 1),
                          end=date(2026, 12, 31), language="id")
"""

from __future__ import annotations

import datetime as dt

import asyncpg

from api.lib.errors import DomainError, FieldError
from api.lib.language import Lang
from api.stats import definitions
from api.stats.figures import CHILD, Reading, as_of, check_period, figures_of, gather, rows_for, unit_ref
from api.stats.schemas import Figures, Level, RankedUnit, Ranking
from api.stats.scopes import NATION_NAME, Scope, Unit, level_units


class UnknownFigureError(DomainError):
    """400 ``invalid_figure``: no figure has this key (``GET /api/v1/stats/definitions`` lists them)."""

    status = 400
    code = "invalid_figure"

    def __init__(self) -> None:
        message = "must be the key of a figure (GET /api/v1/stats/definitions)"
        super().__init__(f"The figure {message}.", errors=[FieldError(field="figure", message=message)])


def check_figure(key: str) -> definitions.Figure:
    found = definitions.BY_KEY.get(key)
    if found is None:
        raise UnknownFigureError()
    return found


def ranked(units: list[tuple[Unit, Figures]], figure: definitions.Figure) -> list[RankedUnit]:
    """Best first by ``figure`` (its definition says which way is better); equal values share a rank (1, 2, 2, 4),
    units whose value is null come last without a rank; ties and nulls in the units' order (by code)."""
    valued = [(u, f) for u, f in units if f[figure.key] is not None]
    nulls = [(u, f) for u, f in units if f[figure.key] is None]
    sign = -1 if figure.higher_is_better else 1
    valued.sort(key=lambda item: sign * float(item[1][figure.key] or 0))
    items: list[RankedUnit] = []
    for position, (unit, values) in enumerate(valued, start=1):
        same = bool(items) and items[-1].figures[figure.key] == values[figure.key]
        rank = items[-1].rank if same else position
        items.append(RankedUnit(rank=rank, unit=unit_ref(unit), figures=values))
    return items + [RankedUnit(rank=None, unit=unit_ref(unit), figures=values) for unit, values in nulls]


async def ranking(
    conn: asyncpg.Connection,
    *,
    level: Level,
    figure: str,
    start: dt.date,
    end: dt.date,
    language: Lang,
    now: dt.datetime | None = None,
) -> Ranking:
    """Every ``level`` unit (region or province) of the country with all its figures from ``start`` to ``end``
    (local dates, inclusive; at most 366 days), ranked by ``figure`` (a definition's key: 400 ``invalid_figure``
    otherwise). ``now`` (default: the present) is the moment ``overdueNow`` counts at."""
    chosen = check_figure(figure)
    check_period(start, end)
    nation = Scope(unit=Unit(kind="national", code="", name=NATION_NAME[language]))
    reading = Reading(scope=nation, start=start, end=end, rows=rows_for(start, end, "month"), grain=None, child=level)
    gathered = await gather(conn, reading, now=now or dt.datetime.now(dt.UTC))
    units = await level_units(conn, level, lang=language)
    items = ranked([(u, figures_of(gathered, (CHILD, u.code))) for u in units], chosen)
    return Ranking(
        figure=chosen.key,
        start=start,
        end=end,
        level=level,
        as_of=await as_of(conn),
        items=items,
        total=len(items),
    )
