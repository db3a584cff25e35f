"""The open data release: a Frictionless data package (tabular-data-package, v1 profile, which CKAN's own mapper and
every Frictionless tool read) of CSV resources, built from the figures' month rows for every region at once.

Resources (RFC 4180 CSV, UTF-8 without BOM, a header row of the snake_case column names, rows sorted by the primary
key so that the same figures give the same bytes and the same hash):

- ``applications``: month × region × agency × service;
- ``queue``: month × region × agency × service (``-`` where a ticket named no service);
- ``skm``: month × region × agency × service (``-`` likewise), the SKM index from the running sums;
- ``complaints``: month × region × agency (complaints name an agency, not always a service);
- ``services``: the published standard in force of every service (its version and publication date).

Suppression (the package's top-level ``suppressBelow``; the rule is ``api.stats.suppression``), empty being the
schema's missing value:

- primary: every count below it is empty — zero included, since "none" of five possible people is as telling as one;
- secondary: the cells of a month and region add up to the region's month total, which the public MPP page shows
  (``api.stats.public``); when exactly one cell of such a group is empty, the next-smallest cell of the group is
  emptied too, and so on until no group has exactly one empty cell, so that no empty count can be recovered by
  subtracting the published cells from the total. Each count column is a table of its own (``received`` of the
  ``applications`` resource: one group per month and region). A count that is published only through a share
  (``estimate_accurate`` behind ``estimate_accuracy``) is suppressed the same way;
- derived values: a share, median, percentile, index or sample size is empty when it was computed from fewer people
  than the threshold (its population) or from a count that is empty (a share tells its numerator and its
  denominator).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import asyncpg

from api.config import OpenDataSettings
from api.feedback import figures as feedback_figures
from api.feedback import skm
from api.stats import rollup, suppression
from api.stats.open_data_schema import APPLICATIONS, COMPLAINTS, QUEUE, SERVICES, SKM, TABLES, Column, Table

NO_SERVICE: Final = "-"
CELL: Final = "_cell"  # a row's key in the suppression rule (ids, not codes: the public page keys cells the same way)
FIRST_MONTH: Final = dt.date(2000, 1, 1)
LICENCES: Final[dict[str, tuple[str, str]]] = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    "CC0-1.0": ("CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODC-BY-1.0": ("Open Data Commons Attribution License 1.0", "https://opendatacommons.org/licenses/by/1-0/"),
}


def suppress(
    row: dict[str, Any], columns: Sequence[Column], below: int, withheld: Collection[str] = ()
) -> dict[str, Any]:
    """The row as published: counts under ``below`` or ``withheld`` (the complements of ``withheld_counts``) empty,
    and so are values computed from fewer people than ``below`` or from a withheld count."""
    published = dict(row)
    for column in columns:
        if column.suppress is None:
            continue
        population = row[column.name] if column.suppress == "count" else row.get(column.suppress)
        told = (column.name,) if column.suppress == "count" else column.reveals
        small = any(c in withheld or (row.get(c) is not None and row[c] < below) for c in told)
        if population is None or population < below or small:
            published[column.name] = None
    return published


def cell(month: dt.date, region: str, agency: uuid.UUID, *service: uuid.UUID | None) -> suppression.Cell:
    """A row's key in the suppression rule: month, region, agency id (and service id, ``-`` for none)."""
    key = (month.strftime("%Y-%m"), region, str(agency))
    return (*key, NO_SERVICE if service[0] is None else str(service[0])) if service else key


def withheld_counts(table: Table, rows: Sequence[dict[str, Any]], below: int) -> list[frozenset[str]]:
    """Per row, the counts withheld by primary and secondary suppression (``api.stats.suppression``): each count
    of the table, with one group per month and region (the region's month total is public)."""
    withheld: list[set[str]] = [set() for _ in rows]
    if CELL not in (rows[0] if rows else {}):
        return [frozenset(w) for w in withheld]
    _, groups = suppression.totals(dict.fromkeys((r[CELL] for r in rows), 0), suppression.region_month)
    layout = suppression.Layout(groups)
    for count in table.counts:
        hidden = layout.suppress(layout.totals({r[CELL]: int(r.get(count) or 0) for r in rows}), below)
        for index, r in enumerate(rows):
            if r[CELL] in hidden:
                withheld[index].add(count)
    return [frozenset(w) for w in withheld]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class File:
    name: str
    content: bytes
    rows: int
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha256", hashlib.sha256(self.content).hexdigest())


def to_csv(table: Table, rows: Iterable[dict[str, Any]], below: int) -> File:
    """The resource's CSV: header, then each row suppressed and sorted by the primary key."""
    names = [c.name for c in table.columns]
    listed = list(rows)
    withheld = withheld_counts(table, listed, below)
    published = sorted(
        (suppress(r, table.columns, below, w) for r, w in zip(listed, withheld, strict=True)),
        key=lambda r: [str(r[k]) for k in table.primary_key],
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for r in published:
        writer.writerow([_cell(r[n]) for n in names])
    return File(table.name, out.getvalue().encode(), len(published))


# --- rows ---------------------------------------------------------------------------------------------------------


class _Namer:
    """Region, agency and service columns of a row, from the release's units."""

    def __init__(self, units: rollup.Units) -> None:
        self.units = units

    def region(self, code: str) -> dict[str, Any]:
        name = self.units.regions.get(code, (code, "", ""))[0]
        return {"region_code": code, "region_name": name}

    def agency(self, agency_id: uuid.UUID) -> dict[str, Any]:
        found = self.units.agencies.get(agency_id)
        return {"agency_code": found.code if found else str(agency_id), "agency_name": found.name_id if found else ""}

    def service(self, service_id: uuid.UUID | None) -> dict[str, Any]:
        if service_id is None:
            return {"service_code": NO_SERVICE, "service_name": ""}
        found = self.units.services.get(service_id)
        return {
            "service_code": found.code if found else str(service_id),
            "service_name": found.name_id if found else "",
        }

    def unit(self, month: dt.date, region: str, agency: uuid.UUID, *service: uuid.UUID | None) -> dict[str, Any]:
        described = {"month": month.strftime("%Y-%m"), **self.region(region), **self.agency(agency)}
        return {**described, **self.service(service[0])} if service else described


MONTHLY: Final[Sequence[rollup.Key]] = ("month", "region", "agency", "service")


async def application_rows(conn: asyncpg.Connection, where: rollup.Slice, names: _Namer) -> list[dict[str, Any]]:
    grouped = await rollup.applications(conn, where, MONTHLY)
    return [
        {
            **names.unit(*key),
            **v,
            "decided_in_sla_share": rollup.share(v["decided_in_sla"], v["decided"]),
            CELL: cell(*key),
        }
        for key, v in grouped.items()
    ]


async def queue_rows(conn: asyncpg.Connection, where: rollup.Slice, names: _Namer) -> list[dict[str, Any]]:
    grouped = await rollup.queue(conn, where, MONTHLY)
    return [
        {
            **names.unit(*key),
            **v,
            "estimate_accuracy": rollup.share(v["estimate_accurate"], v["served"]),
            CELL: cell(*key),
        }
        for key, v in grouped.items()
    ]


async def complaint_rows(conn: asyncpg.Connection, where: rollup.Slice, names: _Namer) -> list[dict[str, Any]]:
    grouped = await rollup.complaints(conn, where, ("month", "region", "agency"))
    return [
        {
            **names.unit(*key),
            **v,
            "answered_on_time_share": rollup.share(v["answered_on_time"], v["answered"]),
            CELL: cell(*key),
        }
        for key, v in grouped.items()
    ]


async def region_cells(conn: asyncpg.Connection, where: rollup.Slice) -> dict[tuple[str, str], dict[Any, int]]:
    """(resource, count) → the slice's month cells of that count, keyed as the release keys them (``cell``): what
    the public page checks its totals against, so that it withholds what the release withholds."""
    grouped = {
        "applications": await rollup.applications(conn, where, MONTHLY),
        "queue": await rollup.queue(conn, where, MONTHLY),
        "complaints": await rollup.complaints(conn, where, ("month", "region", "agency")),
    }
    found: dict[tuple[str, str], dict[Any, int]] = {}
    for table in (APPLICATIONS, QUEUE, COMPLAINTS):
        for count in table.counts:
            found[(table.name, count)] = {cell(*key): int(v.get(count) or 0) for key, v in grouped[table.name].items()}
    sums = await feedback_figures.skm_monthly_sums(conn, start=where.start, end=where.end, region=where.region)
    for count in SKM.counts:
        found[(SKM.name, count)] = {
            cell(r["month"], r["region"], r["agency"], r["service"]): int(r[count]) for r in sums
        }
    return found


def skm_figures(transactions: int, respondents: int, sums: dict[str, int]) -> dict[str, Any]:
    """The published index of a unit's sums (exact arithmetic in ``api.feedback.skm``)."""
    index = skm.index(respondents, sums)
    return {
        "transactions": transactions,
        "respondents": respondents,
        "ikm": float(index.score) if index.score is not None else None,
        "grade": index.grade,
        "sample_needed": skm.sample_needed(transactions),
    }


async def skm_rows(conn: asyncpg.Connection, where: rollup.Slice, names: _Namer) -> list[dict[str, Any]]:
    rows = await feedback_figures.skm_monthly_sums(conn, start=where.start, end=where.end, region=where.region)
    return [
        {
            **names.unit(r["month"], r["region"], r["agency"], r["service"]),
            **skm_figures(int(r["transactions"]), int(r["respondents"]), {e: int(r[e]) for e in skm.ELEMENTS}),
            CELL: cell(r["month"], r["region"], r["agency"], r["service"]),
        }
        for r in rows
    ]


def service_rows(names: _Namer) -> list[dict[str, Any]]:
    return [
        {
            **names.region(s.region),
            **names.agency(s.agency),
            **names.service(s.id),
            "sla_days": s.sla_days,
            "fee": s.fee,
            "standard_version": s.version,
            "standard_published_at": s.published_at,
            "active": s.active,
        }
        for s in names.units.services.values()
    ]


# --- the package --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    version: str
    datapackage: dict[str, Any]
    files: list[File]


def _description(below: int) -> str:
    return (
        "Kinerja Mal Pelayanan Publik: permohonan, antrean, SKM dan pengaduan per bulan, wilayah, instansi dan "
        "layanan, serta standar pelayanan yang berlaku. Performance of Indonesia's public service malls (MPP): "
        "applications, queues, the satisfaction survey (SKM) and complaints per month, region, agency and service, "
        "and the service standards in force. Figures are recomputable from the append-only record.\n\n"
        f"Suppressed: angka di bawah {below} dikosongkan, begitu pula angka lain yang dapat dipakai untuk menghitung "
        f"kembali angka yang dikosongkan. Every count below {below} (suppressBelow) is published as an empty cell. "
        "The cells of a month and region add up to the region's month total, which the public MPP page shows: when "
        "exactly one cell of such a total would be empty, the next-smallest cell is emptied too (secondary "
        "suppression), so that no empty cell can be recovered by subtraction. A share, median, percentile or index "
        f"computed from fewer than {below} people or from an empty count is empty too. An empty cell therefore "
        "means either a small number or a number withheld to protect one. The current month is partial up to the "
        "release date."
    )


def datapackage(version: str, files: Sequence[File], options: OpenDataSettings, created: dt.datetime) -> dict[str, Any]:
    """The package descriptor; resource paths are relative to the release's own folder."""
    title, url = LICENCES.get(options.license_id, (options.license_id, ""))
    licence = {"name": options.license_id, "title": title, **({"path": url} if url else {})}
    by_name = {f.name: f for f in files}
    resources = []
    for table in TABLES:
        file = by_name[table.name]
        resources.append(
            {
                "name": table.name,
                "path": f"{table.name}.csv",
                "profile": "tabular-data-resource",
                "title": table.title,
                "description": table.description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": len(file.content),
                "hash": f"sha256:{file.sha256}",
                "schema": {
                    "fields": [c.descriptor() for c in table.columns],
                    "primaryKey": table.primary_key,
                    "missingValues": [""],
                },
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": "mpp-digital-kinerja",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"mpp-digital-open-data/{version}")),
        "title": "Kinerja Mal Pelayanan Publik (MPP Digital)",
        "description": _description(options.suppress_below),
        "version": version,
        "created": created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "licenses": [licence],
        "contributors": [{"title": options.publisher, "role": "publisher"}],
        "keywords": ["pelayanan publik", "MPP", "SKM", "standar pelayanan", "open data"],
        "suppressBelow": options.suppress_below,
        "resources": resources,
    }


RowSource = Callable[[asyncpg.Connection, rollup.Slice, _Namer], Any]
_SOURCES: Final[dict[str, RowSource]] = {
    "applications": application_rows,
    "queue": queue_rows,
    "skm": skm_rows,
    "complaints": complaint_rows,
}


async def build_release(
    conn: asyncpg.Connection,
    *,
    version: str,
    options: OpenDataSettings | None = None,
    now: dt.datetime | None = None,
) -> Release:
    """Build the release ``version`` (YYYY-MM-DD: every month up to that local date) for every region: five CSV
    resources and their data package. Reads only; storing it is ``open_data_store.save``. This is the daily
    export the benchmark times (issue 18: all regions in under 60 s)."""
    options = options or OpenDataSettings()
    day = dt.date.fromisoformat(version)
    names = _Namer(await rollup.units(conn))
    where = rollup.Slice("m", FIRST_MONTH, day)
    files = [
        to_csv(table, await _SOURCES[table.name](conn, where, names), options.suppress_below)
        for table in TABLES
        if table.name in _SOURCES
    ]
    files.append(to_csv(SERVICES, service_rows(names), options.suppress_below))
    created = now or dt.datetime.now(dt.UTC)
    return Release(version, datapackage(version, files, options, created), files)
