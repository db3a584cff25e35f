"""The figures' wire types (camelCase JSON). Figures are JSON numbers keyed by their definition's key
(``api.stats.definitions``); a share is 0..1 and, like a percentile, null when nothing was counted."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

import msgspec

from api.lib.wire import Struct

Grain = Literal["day", "week", "month"]
Level = Literal["region", "province"]
FigureValue = int | float | None
Figures = dict[str, FigureValue]


class Definition(Struct):
    key: str
    name: str
    description: str
    unit: str  # count | share | days | minutes | index
    higher_is_better: bool


class DefinitionList(Struct):
    items: list[Definition]
    total: int


class UnitRef(Struct, omit_defaults=False):
    """A unit: ``code`` is "" for the nation, the BPS code of a province or region, the id of anything else."""

    kind: str
    code: str
    name: str


class PeriodFigures(Struct, omit_defaults=False):
    start: dt.date
    end: dt.date
    figures: Figures


class UnitFigures(Struct, omit_defaults=False):
    unit: UnitRef
    figures: Figures


class FigureReport(Struct, omit_defaults=False):
    """The figures of one unit over ``from``..``to`` (its local dates, inclusive): per period of the grain, in total,
    and per child unit (the breakdown). ``asOf``: the moment the read model last caught up with the record (null
    before its first catch-up). ``overdueNow`` is live (now), so it is null in the periods."""

    scope: UnitRef
    start: dt.date = msgspec.field(name="from")
    end: dt.date = msgspec.field(name="to")
    grain: Grain = "month"
    as_of: dt.datetime | None = None
    periods: list[PeriodFigures] = msgspec.field(default_factory=list)
    total: Figures = msgspec.field(default_factory=dict)
    breakdown: list[UnitFigures] = msgspec.field(default_factory=list)


class RankedUnit(Struct, omit_defaults=False):
    rank: int | None  # null: the ranked figure is null for this unit (nothing counted); listed last
    unit: UnitRef
    figures: Figures


class Ranking(Struct, omit_defaults=False):
    """Every region or province ranked by one figure over ``from``..``to``, best first (the figure's definition says
    whether higher is better); units with equal values share a rank (1, 2, 2, 4)."""

    figure: str
    start: dt.date = msgspec.field(name="from")
    end: dt.date = msgspec.field(name="to")
    level: Level = "region"
    as_of: dt.datetime | None = None
    items: list[RankedUnit] = msgspec.field(default_factory=list)
    total: int = 0


class OfficerRef(Struct, omit_defaults=False):
    id: uuid.UUID
    name: str


class OfficerWorkload(Struct, omit_defaults=False):
    officer: OfficerRef
    decisions: int
    corrections: int
    tickets_served: int


class OfficerList(Struct, omit_defaults=False):
    """Per officer of an agency over a period: decisions (approve, reject), corrections requested, tickets served."""

    items: list[OfficerWorkload]
    total: int
