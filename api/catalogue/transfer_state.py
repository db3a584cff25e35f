"""A region's catalogue as its import/export sees it: read from the database into the data files' shape
(``datafiles.RegionFile``: the MPP building with its hours and counters, the agencies, local services in their
published version, and the overlay on inherited national services), written out as YAML, and fingerprinted.

The fingerprint (``basis``) is a digest of exactly what an export shows, plus the version in force of each local
service: a dry run answers it, and an apply refuses to go on when the catalogue no longer has it (someone changed the
region's catalogue in between). Changes elsewhere — another region, a closure day, staff — do not move it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import asyncpg
import msgspec
import yaml

from api.catalogue.building import mpp_of
from api.catalogue.building_agencies import national_kinds
from api.catalogue.building_schemas import WEEKDAYS
from api.catalogue.datafiles import (
    AgencyKind,
    MppCounter,
    MppFile,
    Note,
    Overlay,
    OwnAgency,
    Province,
    RegionFile,
    ServiceFile,
    Text,
)
from api.catalogue.standards import Admin, get_standard
from api.catalogue.standards.content import RegionNames, fill, from_json
from api.lib.errors import NotFoundError

# Reads a standard whose row predates versions (get_standard's fallback); nobody is recorded for a read.
_READER = Admin(id=uuid.UUID(int=0), name="", region=None)


@dataclass(frozen=True)
class AgencyRow:
    id: uuid.UUID
    code: str
    name: Text
    short_name: str
    kind: str
    retired: bool


@dataclass(frozen=True)
class ServiceRow:
    """One of the region's service rows (its own, or an inherited national one), retired ones too."""

    id: uuid.UUID
    code: str
    name: Text
    agency: str  # the agency's code
    agency_live: bool
    national: bool
    hidden: bool
    retired: bool
    version: int
    note: Note | None
    content: ServiceFile | None  # a local service's version in force (None for a national row)


@dataclass(frozen=True)
class CounterRow:
    id: uuid.UUID
    number: str
    agency: str
    agency_name: Text
    services: tuple[str, ...]  # codes of the active services it serves (none: every service of its agency)


@dataclass(frozen=True)
class NationalRef:
    agency: str  # the code of its agency kind
    name: Text


@dataclass(frozen=True)
class Current:
    """What the region's catalogue is now: the document an export writes, and the rows behind it."""

    code: str
    names: RegionNames
    mpp_id: uuid.UUID
    document: RegionFile
    agencies: dict[str, AgencyRow]  # every agency of the region by code, retired ones too
    counters: dict[str, CounterRow]  # live counters by number
    services: dict[str, ServiceRow]  # every service row of the region by code
    national: dict[str, NationalRef]  # every national standard by code

    def national_agency(self, code: str) -> str | None:
        """The agency kind of national standard ``code`` (None: no such national standard)."""
        ref = self.national.get(code)
        return ref.agency if ref else None

    @property
    def basis(self) -> str:
        """The fingerprint an apply must send back (see the module's docstring)."""
        versions = {code: row.version for code, row in sorted(self.services.items()) if not row.national}
        digest = hashlib.sha256(msgspec.json.encode(self.document))
        digest.update(msgspec.json.encode(versions))
        return digest.hexdigest()[:32]


_AGENCIES = """
    SELECT id, code, name_id, name_en, short_name, kind, retired_at IS NOT NULL AS retired
    FROM catalogue_agency WHERE region = $1"""
# Live counters with the codes of the active services chosen for them: a choice of a service since retired or hidden
# serves nobody, so it is not shown (and an export of it, imported again, changes nothing).
_COUNTERS = """
    SELECT c.id, c.number, a.code AS agency, a.name_id, a.name_en,
           coalesce(array_agg(s.code ORDER BY s.code) FILTER (WHERE s.active), '{}') AS services
    FROM catalogue_counter c
    JOIN catalogue_agency a ON a.id = c.agency
    LEFT JOIN catalogue_counter_service cs ON cs.counter = c.id
    LEFT JOIN catalogue_service s ON s.id = cs.service
    WHERE c.mpp = $1 AND c.retired_at IS NULL
    GROUP BY c.id, a.code, a.name_id, a.name_en
    ORDER BY length(c.number), c.number"""
_SERVICES = """
    SELECT s.id, s.code, s.name_id, s.name_en, s.national, s.hidden, s.retired_at IS NOT NULL AS retired, s.version,
           s.local_note_id, s.local_note_en, a.code AS agency, a.retired_at IS NULL AS agency_live, v.content
    FROM catalogue_service s
    JOIN catalogue_agency a ON a.id = s.agency
    LEFT JOIN catalogue_service_version v
           ON NOT s.national AND v.region = s.region AND v.code = s.code AND v.version = s.version
    WHERE s.region = $1"""
_NATIONAL = """
    SELECT DISTINCT ON (code) code, content->>'agency' AS agency, content->'name'->>'id' AS name_id,
           content->'name'->>'en' AS name_en
    FROM catalogue_service_version WHERE region IS NULL ORDER BY code, version DESC"""


async def read_current(conn: asyncpg.Connection, region: str) -> Current:
    """The region's catalogue now (404 when the region or its building does not exist)."""
    # Long on purpose: one read per table of the region's catalogue, each mapped to its row type next to its
    # statement.
    row = await conn.fetchrow("SELECT * FROM catalogue_region WHERE code = $1", region)
    if row is None:
        raise NotFoundError("region")
    names = RegionNames(row["code"], row["name"], row["name_en"], row["place"])
    mpp = await mpp_of(conn, region)
    agencies = {
        r["code"]: AgencyRow(
            id=r["id"],
            code=r["code"],
            name=Text(id=r["name_id"], en=r["name_en"]),
            short_name=r["short_name"],
            kind=r["kind"],
            retired=r["retired"],
        )
        for r in await conn.fetch(_AGENCIES, region)
    }
    counters = {
        r["number"]: CounterRow(
            id=r["id"],
            number=r["number"],
            agency=r["agency"],
            agency_name=Text(id=r["name_id"], en=r["name_en"]),
            services=tuple(r["services"]),
        )
        for r in await conn.fetch(_COUNTERS, mpp["id"])
    }
    services = {}
    for r in await conn.fetch(_SERVICES, region):
        content = None
        if not r["national"]:
            content = (
                from_json(r["content"])
                if r["content"] is not None
                else (await get_standard(conn, _READER, scope=region, code=r["code"])).content
            )
        note = Note(id=r["local_note_id"], en=r["local_note_en"] or r["local_note_id"]) if r["local_note_id"] else None
        services[r["code"]] = ServiceRow(
            id=r["id"],
            code=r["code"],
            name=Text(id=r["name_id"], en=r["name_en"]),
            agency=r["agency"],
            agency_live=r["agency_live"],
            national=r["national"],
            hidden=r["hidden"],
            retired=r["retired"],
            version=r["version"],
            note=note,
            content=content,
        )
    national = {
        r["code"]: NationalRef(agency=r["agency"], name=Text(id=r["name_id"], en=r["name_en"]))
        for r in await conn.fetch(_NATIONAL)
    }
    document = _document(row, mpp, names, agencies, counters, services)
    return Current(
        code=region,
        names=names,
        mpp_id=mpp["id"],
        document=document,
        agencies=agencies,
        counters=counters,
        services=services,
        national=national,
    )


def kind_names(code: str, names: RegionNames) -> tuple[Text, str] | None:
    """A national agency kind's names and short name as filled for the region (None: not a national kind)."""
    kind = national_kinds().get(code)
    if kind is None:
        return None
    filled = Text(id=fill(kind.name.id, names, english=False), en=fill(kind.name.en, names, english=True))
    return filled, kind.short_name


def normal_hours(hours: Mapping[Any, Sequence[str]]) -> dict[str, list[str]]:
    """Every weekday, in order (a day left out is closed)."""
    return {day: list(hours.get(day, [])) for day in WEEKDAYS}


def _document(
    region: asyncpg.Record,
    mpp: asyncpg.Record,
    names: RegionNames,
    agencies: dict[str, AgencyRow],
    counters: dict[str, CounterRow],
    services: dict[str, ServiceRow],
) -> RegionFile:
    # Long on purpose: builds the export file in the data files' own order (agencies, building, counters, services) so
    # that it diffs cleanly against them.
    live = sorted((a for a in agencies.values() if not a.retired), key=lambda a: a.code)
    agency_names: dict[str, Text] = {}
    short_names: dict[str, str] = {}
    own: list[OwnAgency] = []
    for agency in live:
        kind = kind_names(agency.code, names)
        if kind is None:
            own.append(
                OwnAgency(
                    code=agency.code,
                    name=agency.name,
                    short_name=agency.short_name,
                    kind=cast(AgencyKind, agency.kind),
                )
            )
            continue
        if agency.name != kind[0]:
            agency_names[agency.code] = agency.name
        if agency.short_name != kind[1]:
            short_names[agency.code] = agency.short_name
    present = {a.code for a in live}
    # What the region says on the services it offers: only those of agencies still in the building.
    offered = sorted((s for s in services.values() if not s.retired and s.agency in present), key=lambda s: s.code)
    hidden = [s.code for s in offered if s.national and s.hidden]
    notes = {s.code: s.note for s in offered if s.note is not None}
    stored = mpp["opening_hours"]
    hours = msgspec.json.decode(stored) if isinstance(stored, str) else dict(stored or {})
    return RegionFile(
        code=region["code"],
        name=region["name"],
        name_en=region["name_en"],
        place=region["place"],
        kind=region["kind"],
        province=Province(code=region["province_code"], name=region["province_name"]),
        mpp=MppFile(
            name=mpp["name"],
            address=mpp["address"],
            opening_hours=cast(Any, normal_hours(hours)),
            counters=[
                MppCounter(number=c.number, agency=c.agency, services=list(c.services) or None)
                for c in counters.values()
            ],
            phone=mpp["phone"],
            latitude=mpp["latitude"],
            longitude=mpp["longitude"],
        ),
        agencies=[a.code for a in live],
        agency_names=agency_names,
        local_services=[s.content for s in offered if not s.national and s.content is not None],
        agency_short_names=short_names,
        own_agencies=own,
        overlay=Overlay(hidden=hidden, notes=notes) if hidden or notes else None,
    )


# Optional parts of the document left out of an export when empty, as a person writing the file would.
_OPTIONAL_EMPTY = ("agencyNames", "localServices", "agencyShortNames", "ownAgencies")


def _without_nulls(value: Any) -> Any:
    """The document without its unset optional fields (every nullable field of the data files defaults to null)."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


class _Dumper(yaml.CSafeDumper):
    """Writes short things on one line, as the data files are written by hand (``{number: A1, agency: KPP}``,
    ``mon: [08:00-15:00]``): a file a person reads and edits, not a dump."""


def _short(value: Any, limit: int) -> bool:
    return isinstance(value, str | int | float | bool) and len(str(value)) <= limit


def _mapping(dumper: _Dumper, data: dict[Any, Any]) -> yaml.Node:
    flow = 0 < len(data) <= 3 and all(_short(v, 60) for v in data.values())
    flow = flow and sum(len(str(k)) + len(str(v)) for k, v in data.items()) <= 90
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=flow)


def _sequence(dumper: _Dumper, data: list[Any]) -> yaml.Node:
    flow = all(_short(v, 40) for v in data) and sum(len(str(v)) + 2 for v in data) <= 90
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(dict, _mapping)
_Dumper.add_representer(list, _sequence)


def export_yaml(current: Current, *, today: str) -> bytes:
    """The region's catalogue as a YAML document in the data files' format (``regions.yaml``'s shape, one region)."""
    data = _without_nulls(msgspec.to_builtins(current.document))
    for key in _OPTIONAL_EMPTY:
        if not data.get(key):
            data.pop(key, None)
    for key in ("hidden", "notes"):
        if "overlay" in data and not data["overlay"][key]:
            del data["overlay"][key]
    for service in data.get("localServices", []):
        for requirement in service["requirements"]:
            if requirement.get("optional") is False:
                del requirement["optional"]  # the default, as the data files leave it out
    header = (
        f"# Katalog {current.names.name} ({current.code}), diekspor {today} dari MPP Digital.\n"
        "# Format berkas data katalog (api/catalogue/data/regions.yaml, satu daerah). Ubah lalu unggah kembali di\n"
        "# Admin > Impor dan ekspor katalog: perubahannya diperiksa dan ditampilkan sebelum diterapkan.\n"
    )
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110)
    return header.encode() + body.encode()
