"""CSV of exactly what the figures' JSON answers show (``format=csv``): for a spreadsheet, or a portal.

RFC 4180: UTF-8 without a byte-order mark, CRLF line ends, fields quoted only when they hold a comma, a quote or a
line end. One header row: the columns that place a row (which part of the answer, the unit, the period), then one
column per figure named by its key as on the wire (``applicationsReceived``, …) — the keys are stable and the same in
every language; their names and definitions are at ``GET /api/v1/stats/definitions`` (and in the open data's
datapackage.json). An empty field is a null figure; a share is a number 0..1 with a dot for the decimals.

A text field that a spreadsheet would take for a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return: a unit's name is typed by an admin) is prefixed with an apostrophe (OWASP's CSV-injection advice).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from api.stats import definitions
from api.stats.schemas import FigureReport, Figures, FigureValue, OfficerList, Ranking, UnitRef

MEDIA_TYPE = "text/csv; charset=utf-8"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FIGURE_KEYS = tuple(definitions.BY_KEY)


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def _number(value: FigureValue) -> str:
    return "" if value is None else repr(value)


def _write(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _unit(unit: UnitRef) -> list[str]:
    return [unit.kind, unit.code, _text(unit.name)]


def _figures(values: Figures) -> list[str]:
    return [_number(values.get(key)) for key in FIGURE_KEYS]


def figures_csv(report: FigureReport) -> str:
    """One row per period (``row`` = period), then the total (``total``), then each unit of the breakdown
    (``breakdown``, over the whole range); ``kind``, ``code``, ``name`` say whose figures the row holds."""
    whole = (report.start.isoformat(), report.end.isoformat())
    rows = [
        ["period", *_unit(report.scope), p.start.isoformat(), p.end.isoformat(), *_figures(p.figures)]
        for p in report.periods
    ]
    rows.append(["total", *_unit(report.scope), *whole, *_figures(report.total)])
    rows += [["breakdown", *_unit(b.unit), *whole, *_figures(b.figures)] for b in report.breakdown]
    return _write(["row", "kind", "code", "name", "from", "to", *FIGURE_KEYS], rows)


def ranking_csv(found: Ranking) -> str:
    """One row per unit in rank order (``rank`` empty where the ranked figure is null)."""
    whole = (found.start.isoformat(), found.end.isoformat())
    rows = [["" if i.rank is None else str(i.rank), *_unit(i.unit), *whole, *_figures(i.figures)] for i in found.items]
    return _write(["rank", "kind", "code", "name", "from", "to", *FIGURE_KEYS], rows)


def officers_csv(found: OfficerList) -> str:
    """One row per officer, as the JSON list."""
    rows = [
        [str(i.officer.id), _text(i.officer.name), str(i.decisions), str(i.corrections), str(i.tickets_served)]
        for i in found.items
    ]
    return _write(["officerId", "officerName", "decisions", "corrections", "ticketsServed"], rows)
