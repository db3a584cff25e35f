"""The public performance of one MPP building: its last months' figures and, per service, the published standard in
force (version, date, SLA) with the period's figures — aggregates only, small counts suppressed as in the open data
(``MPP_OPEN_DATA_SUPPRESS_BELOW``, rule in ``api.stats.suppression``): a null figure is named in ``suppressed``.

The page's figures are totals of the open data's month cells (one building per region): a month's count is the
region's month total of its cells, a service's count the total of its cells over the months shown. So the page
withholds what could be recovered by subtraction from the open data:

- a month's count when the release's rule withholds the region's month total (the page runs the same rule on the
  same cells, ``open_data.region_cells``: a total under the threshold, or one that the rule took as a complement);
- a service's count under the threshold, or when exactly one of its month cells is empty in the open data (the
  total minus the published months would give it);
- a share, median or index computed from fewer people than the threshold or from a withheld count (a share tells
  its numerator and its denominator).

The months come from the dashboards' ``figures`` (the building's scope, by month); the services from the same fact
rows grouped by service (``rollup``), one statement per source for the whole building.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Mapping
from typing import Final

import asyncpg

from api.catalogue.timezones import local_today
from api.feedback.skm_groups import skm_groups
from api.lib.language import Lang, pick
from api.stats import open_data, rollup, scopes, suppression
from api.stats.figures import figures
from api.stats.public_schemas import PlaceRef, PublicMonth, PublicMpp, PublicMppRef, PublicService, PublicServiceRef
from api.stats.schemas import Figures

MAX_MONTHS: Final = 12
COUNT: Final = ""
# The figures shown to the public, each with the count it is computed from ("": it is a count itself).
PUBLIC_FIGURES: Final[dict[str, str]] = {
    "applicationsReceived": COUNT,
    "applicationsCompleted": COUNT,
    "applicationsDecided": COUNT,
    "decidedWithinSlaShare": "applicationsDecided",
    "decideDaysMedian": "applicationsDecided",
    "decideDaysP90": "applicationsDecided",
    "ticketsServed": COUNT,
    "waitMinutesMedian": "ticketsServed",
    "waitMinutesP90": "ticketsServed",
    "estimateAccuracy": "ticketsServed",
    "skmRespondents": COUNT,
    "skmIndex": "skmRespondents",
    "complaintsReceived": COUNT,
    "complaintsAnswered": COUNT,
    "complaintsAnsweredOnTimeShare": "complaintsAnswered",
}
# The counts each derived figure tells (withheld when any of them is); a share tells its numerator, shown nowhere else.
REVEALS: Final[dict[str, tuple[str, ...]]] = {
    "decidedWithinSlaShare": ("applicationsDecidedWithinSla", "applicationsDecided"),
    "decideDaysMedian": ("applicationsDecided",),
    "decideDaysP90": ("applicationsDecided",),
    "waitMinutesMedian": ("ticketsServed",),
    "waitMinutesP90": ("ticketsServed",),
    "estimateAccuracy": ("ticketsEstimateAccurate", "ticketsServed"),
    "skmIndex": ("skmRespondents",),
    "complaintsAnsweredOnTimeShare": ("complaintsAnsweredOnTime", "complaintsAnswered"),
}
# Every count the page shows or tells, and the open data's cells it is a total of (resource, column).
CELLS: Final[dict[str, tuple[str, str]]] = {
    "applicationsReceived": ("applications", "received"),
    "applicationsCompleted": ("applications", "completed"),
    "applicationsDecided": ("applications", "decided"),
    "applicationsDecidedWithinSla": ("applications", "decided_in_sla"),
    "ticketsServed": ("queue", "served"),
    "ticketsEstimateAccurate": ("queue", "estimate_accurate"),
    "skmRespondents": ("skm", "respondents"),
    "complaintsReceived": ("complaints", "received"),
    "complaintsAnswered": ("complaints", "answered"),
    "complaintsAnsweredOnTime": ("complaints", "answered_on_time"),
}


def suppressed(
    values: Mapping[str, int | float | None], below: int, hidden: Collection[str] = ()
) -> tuple[Figures, list[str]]:
    """The public figures of ``values`` and the keys withheld: a count under ``below`` or ``hidden`` (by the
    secondary rule), or a value computed from fewer than ``below`` people or from such a count (``REVEALS``; a
    count told only through a share is checked when ``values`` has it). A figure the unit does not have (null
    population) stays null, not withheld."""
    shown: Figures = {}
    withheld: list[str] = []
    for key, population_key in PUBLIC_FIGURES.items():
        value = values.get(key)
        population = values.get(population_key or key)
        if population is None:
            shown[key] = None if population_key else value
            continue
        told = REVEALS.get(key, (key,))
        small = [v for v in (values.get(c) for c in told) if v is not None and v < below]
        if population < below or small or any(c in hidden for c in told):
            shown[key] = None
            withheld.append(key)
        else:
            shown[key] = value
    return shown, withheld


def first_month(today: dt.date, months: int) -> dt.date:
    index = today.year * 12 + today.month - 1 - (months - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


def _service_values(
    apps: rollup.Row | None, queue: rollup.Row | None, respondents: int, ikm: float | None
) -> dict[str, int | float | None]:
    a, q = apps or {}, queue or {}
    return {
        "applicationsReceived": a.get("received", 0),
        "applicationsCompleted": a.get("completed", 0),
        "applicationsDecided": a.get("decided", 0),
        "decidedWithinSlaShare": rollup.share(a.get("decided_in_sla"), a.get("decided")),
        "decideDaysMedian": a.get("decide_days_median"),
        "decideDaysP90": a.get("decide_days_p90"),
        "ticketsServed": q.get("served", 0),
        "waitMinutesMedian": q.get("wait_minutes_median"),
        "waitMinutesP90": q.get("wait_minutes_p90"),
        "estimateAccuracy": rollup.share(q.get("estimate_accurate"), q.get("served")),
        "skmRespondents": respondents,
        "skmIndex": ikm,
        # Told only through the shares, and checked like the counts.
        "applicationsDecidedWithinSla": a.get("decided_in_sla", 0),
        "ticketsEstimateAccurate": q.get("estimate_accurate", 0),
        # Complaints name an agency, not always a service: no figure per service.
        "complaintsReceived": None,
        "complaintsAnswered": None,
        "complaintsAnsweredOnTimeShare": None,
    }


class Withheld:
    """What the open data withholds of the months shown (the release's rule on the same month cells), and what the
    page must withhold of its totals for it."""

    def __init__(self, cells: Mapping[tuple[str, str], Mapping[suppression.Cell, int]], below: int) -> None:
        self.below = below
        self.cells = {key: cells.get(source, {}) for key, source in CELLS.items()}
        self.hidden = {
            key: suppression.with_totals(parts, below, suppression.region_month)[1] for key, parts in self.cells.items()
        }
        # Each count's cells by service (complaints have none: their cells end at the agency).
        self.of_service: dict[str, dict[str, list[suppression.Cell]]] = {}
        for key, parts in self.cells.items():
            for c in sorted(parts):
                if len(c) > 3:
                    self.of_service.setdefault(key, {}).setdefault(c[3], []).append(c)

    def month(self, month: str, region: str) -> set[str]:
        """The counts of the region's month withheld by the release's rule."""
        total = suppression.region_month((month, region))
        return {key for key, hidden in self.hidden.items() if total in hidden}

    def service(self, service: uuid.UUID, totals: Mapping[str, int | float | None]) -> set[str]:
        """The counts of a service's total over the months shown that would give away an empty month cell (or are
        small themselves): its cells are fixed as the open data publishes them, the total alone may be withheld."""
        withheld = set()
        for key, parts in self.cells.items():
            value = totals.get(key)
            if value is None:
                continue
            mine = self.of_service.get(key, {}).get(str(service), [])
            total = ("service", str(service))
            values = {**{c: parts[c] for c in mine}, total: int(value)}
            fixed = {c: c in self.hidden[key] for c in mine}
            group = suppression.Group(total, tuple(mine))
            if total in suppression.suppress(values, [group], self.below, fixed=fixed):
                withheld.add(key)
        return withheld


async def _services(
    conn: asyncpg.Connection, region: str, start: dt.date, end: dt.date, withheld: Withheld, lang: Lang
) -> list[PublicService]:
    where = rollup.Slice("d", start, end, region=region)
    apps = await rollup.applications(conn, where, ("service",))
    queue = await rollup.queue(conn, where, ("service",))
    skm = {g.unit: g for g in await skm_groups(conn, start=start, end=end, region=region, by="service")}
    units = await rollup.units(conn, region=region)
    found = []
    for s in units.services.values():
        if not s.active:
            continue
        agency = units.agencies[s.agency]
        group = skm.get(str(s.id))
        values = _service_values(
            apps.get((s.id,)), queue.get((s.id,)), group.respondents if group else 0, group.ikm if group else None
        )
        shown, named = suppressed(values, withheld.below, withheld.service(s.id, values))
        found.append(
            PublicService(
                service=PublicServiceRef(id=s.id, code=s.code, name=pick(lang, s.name_id, s.name_en)),
                agency=PlaceRef(code=agency.code, name=pick(lang, agency.name_id, agency.name_en)),
                sla_days=s.sla_days,
                standard_version=s.version,
                standard_published_at=s.published_at,
                figures=shown,
                suppressed=named,
            )
        )
    found.sort(key=lambda p: (p.agency.code, p.service.name, str(p.service.id)))
    return found


async def public_mpp(
    conn: asyncpg.Connection,
    *,
    mpp_id: uuid.UUID,
    months: int,
    suppress_below: int,
    lang: Lang,
    now: dt.datetime | None = None,
) -> PublicMpp:
    """The building's last ``months`` months (the current one up to today, in its region's clock) and its services'
    figures over the same months (404 for an unknown building)."""
    moment = now or dt.datetime.now(dt.UTC)
    scope = await scopes.find(conn, f"mpp:{mpp_id}", lang=lang)
    building = await rollup.mpp(conn, mpp_id)
    if building is None or scope.region is None:
        raise scopes.ScopeNotFoundError()
    end = local_today(building.region, moment)
    start = first_month(end, min(max(months, 1), MAX_MONTHS))
    report = await figures(conn, scope=scope, start=start, end=end, grain="month", language=lang, now=moment)
    cells = await open_data.region_cells(conn, rollup.Slice("m", start, end, region=building.region))
    withheld = Withheld(cells, suppress_below)
    shown_months = []
    for period in report.periods:
        month = period.start.strftime("%Y-%m")
        shown, named = suppressed(period.figures, suppress_below, withheld.month(month, building.region))
        shown_months.append(PublicMonth(month=month, figures=shown, suppressed=named))
    return PublicMpp(
        mpp=PublicMppRef(
            id=building.id, name=building.name, region=PlaceRef(code=building.region, name=building.region_name)
        ),
        suppress_below=suppress_below,
        as_of=report.as_of,
        months=shown_months,
        services=await _services(conn, building.region, start, end, withheld, lang),
    )
