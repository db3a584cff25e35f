"""The compliance evidence pack of one unit (an agency, or an MPP building with all its agencies) over a period, as
the Ombudsman's compliance review and KemenPANRB's evaluation ask for it: the published service standards with their
versions and dates, SLA performance per service, the SKM index with its respondents against the sample the period
needs (Krejcie-Morgan, ``api.feedback.skm``), and complaint turnaround per deadline tier (complaint category).

Staff only (supervisors their agency, region admins their region, national admins any): nothing is suppressed, and
nothing names a person. The same ``Pack`` gives the PDF (``evidence_pdf``) and the CSV (``to_csv``), so they match.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from dataclasses import dataclass
from typing import Any, Final

import asyncpg

from api.catalogue.timezones import time_zone
from api.feedback import figures as feedback_figures
from api.feedback import skm
from api.lib.errors import DomainError, FieldError
from api.lib.language import Lang, pick
from api.stats import rollup, scopes
from api.stats.figures import as_of, check_period

UNIT_KINDS: Final = ("agency", "mpp")
TOTAL: Final = "*"


class InvalidUnitError(DomainError):
    """400 ``invalid_unit``: the evidence pack is made for an agency or an MPP building."""

    status = 400
    code = "invalid_unit"
    detail = "The unit must be agency:<id> or mpp:<id>."

    def __init__(self) -> None:
        super().__init__(errors=[FieldError(field="unit", message="agency:<id> or mpp:<id>")])


@dataclass(frozen=True)
class Standard:
    code: str
    name: str
    agency: str
    version: int
    published_at: dt.datetime | None
    sla_days: int
    fee: int


@dataclass(frozen=True)
class Sla:
    """SLA performance of a service (code ``*``: the whole unit)."""

    code: str
    name: str
    received: int
    decided: int
    decided_in_sla: int
    decide_days_median: int | None
    decide_days_p90: int | None

    @property
    def share(self) -> float | None:
        return rollup.share(self.decided_in_sla, self.decided)


@dataclass(frozen=True)
class Skm:
    """The SKM of a service (code ``-``: tickets without a service; ``*``: the whole unit)."""

    code: str
    name: str
    transactions: int
    respondents: int
    ikm: float | None
    grade: str | None

    @property
    def sample_needed(self) -> int:
        return skm.sample_needed(self.transactions)

    @property
    def reached(self) -> bool:
        return skm.reached(self.respondents, self.transactions)


@dataclass(frozen=True)
class Pack:
    unit: str  # as asked: agency:<id> or mpp:<id>
    name: str
    region_code: str
    region_name: str
    start: dt.date
    end: dt.date
    generated_at: dt.datetime
    as_of: dt.datetime | None
    standards: list[Standard]
    sla: list[Sla]
    skm: list[Skm]
    complaints: list[feedback_figures.Tier]


def _sla(code: str, name: str, row: rollup.Row | None) -> Sla:
    r = row or {}
    return Sla(
        code=code,
        name=name,
        received=int(r.get("received") or 0),
        decided=int(r.get("decided") or 0),
        decided_in_sla=int(r.get("decided_in_sla") or 0),
        decide_days_median=r.get("decide_days_median"),
        decide_days_p90=r.get("decide_days_p90"),
    )


def _skm(code: str, name: str, sums: dict[str, int]) -> Skm:
    index = skm.index(sums["respondents"], {e: sums[e] for e in skm.ELEMENTS})
    return Skm(
        code=code,
        name=name,
        transactions=sums["transactions"],
        respondents=sums["respondents"],
        ikm=float(index.score) if index.score is not None else None,
        grade=index.grade,
    )


async def _skm_rows(
    conn: asyncpg.Connection, scope: scopes.Scope, start: dt.date, end: dt.date, services: dict[uuid.UUID, Standard]
) -> list[Skm]:
    agencies = [scope.agency] if scope.agency else None
    rows = await feedback_figures.skm_monthly_sums(conn, start=start, end=end, region=scope.region, agencies=agencies)
    names = ("transactions", "respondents", *skm.ELEMENTS)
    per: dict[uuid.UUID | None, dict[str, int]] = {}
    total = dict.fromkeys(names, 0)
    for r in rows:
        sums = per.setdefault(r["service"], dict.fromkeys(names, 0))
        for n in names:
            sums[n] += int(r[n])
            total[n] += int(r[n])
    found = [
        _skm(services[s].code if s in services else "-", services[s].name if s in services else "", sums)
        for s, sums in per.items()
    ]
    found.sort(key=lambda k: k.code)
    return [*found, _skm(TOTAL, "", total)]


async def _sla_rows(
    conn: asyncpg.Connection, scope: scopes.Scope, start: dt.date, end: dt.date, services: dict[uuid.UUID, Standard]
) -> list[Sla]:
    where = rollup.Slice("d", start, end, region=scope.region, agency=scope.agency)
    per = await rollup.applications(conn, where, ("service",))
    total = await rollup.applications(conn, where, ("region",))
    rows = [_sla(s.code, s.name, per.get((sid,))) for sid, s in services.items()]
    rows.sort(key=lambda r: r.code)
    return [*rows, _sla(TOTAL, "", total.get((scope.region,)))]


async def pack(
    conn: asyncpg.Connection,
    *,
    unit: str,
    viewer: scopes.Viewer,
    start: dt.date,
    end: dt.date,
    lang: Lang,
    now: dt.datetime | None = None,
) -> Pack:
    """The evidence of ``unit`` (agency:<id> or mpp:<id>, one the viewer may read) from ``start`` to ``end`` (its
    local dates, inclusive; at most a year)."""
    kind, _ = scopes.parse(unit)
    if kind not in UNIT_KINDS:
        raise InvalidUnitError()
    check_period(start, end)
    scope = await scopes.resolve(conn, unit, viewer=viewer, lang=lang)
    assert scope.region is not None
    units = await rollup.units(conn, region=scope.region)
    services = {
        s.id: Standard(
            code=s.code,
            name=pick(lang, s.name_id, s.name_en),
            agency=units.agencies[s.agency].code,
            version=s.version,
            published_at=s.published_at,
            sla_days=s.sla_days,
            fee=s.fee,
        )
        for s in units.services.values()
        if s.active and (scope.agency is None or s.agency == scope.agency)
    }
    agencies = [scope.agency] if scope.agency else list(units.agencies)
    return Pack(
        unit=unit,
        name=scope.unit.name,
        region_code=scope.region,
        region_name=units.regions[scope.region][0],
        start=start,
        end=end,
        generated_at=now or dt.datetime.now(dt.UTC),
        as_of=await as_of(conn),
        standards=sorted(services.values(), key=lambda s: (s.agency, s.code)),
        sla=await _sla_rows(conn, scope, start, end, services),
        skm=await _skm_rows(conn, scope, start, end, services),
        complaints=await feedback_figures.complaint_tiers(
            conn, agencies=agencies, start=start, end=end, zone=time_zone(scope.region).key
        ),
    )


# --- the CSV ------------------------------------------------------------------------------------------------------


def number(value: Any) -> str:
    """A value as both the CSV and the PDF show it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value)


def measures(evidence: Pack) -> list[tuple[str, str, str, str, Any]]:
    """Every figure of the pack as (section, code, name, measure, value): the CSV's rows, the PDF's cells."""
    rows: list[tuple[str, str, str, str, Any]] = [
        ("unit", evidence.unit, evidence.name, "region", evidence.region_code),
        ("unit", evidence.unit, evidence.name, "from", evidence.start.isoformat()),
        ("unit", evidence.unit, evidence.name, "to", evidence.end.isoformat()),
    ]
    for s in evidence.standards:
        rows += [
            ("standard", s.code, s.name, "agency", s.agency),
            ("standard", s.code, s.name, "version", s.version),
            ("standard", s.code, s.name, "published_at", s.published_at),
            ("standard", s.code, s.name, "sla_days", s.sla_days),
            ("standard", s.code, s.name, "fee", s.fee),
        ]
    for a in evidence.sla:
        for measure in ("received", "decided", "decided_in_sla", "share", "decide_days_median", "decide_days_p90"):
            rows.append(("sla", a.code, a.name, measure, getattr(a, measure)))
    for k in evidence.skm:
        for measure in ("transactions", "respondents", "sample_needed", "reached", "ikm", "grade"):
            rows.append(("skm", k.code, k.name, measure, getattr(k, measure)))
    for t in evidence.complaints:
        for measure in ("response_days", "received", "answered", "answered_on_time"):
            rows.append(("complaints", t.category, t.name_id, measure, getattr(t, measure)))
    return rows


def to_csv(evidence: Pack) -> bytes:
    """RFC 4180, UTF-8, one row per figure: section, code, name, measure, value (long form, so that every section
    fits one header)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "code", "name", "measure", "value"])
    for section, code, name, measure, value in measures(evidence):
        writer.writerow([section, code, name, measure, number(value)])
    return out.getvalue().encode()
