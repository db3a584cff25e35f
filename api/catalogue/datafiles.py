"""The catalogue's data files: typed structure, loading and cross-checking.

The demo catalogue is kept as readable YAML under ``api/catalogue/data/`` so that non-programmers at a
region's MPP office can review and extend it. Every file is decoded into the strict structs below
(unknown keys are errors), then cross-referenced, so a typo in a document-type code fails loudly at
``mpp seed`` time instead of showing a citizen a broken requirement list.

Run ``python -m api.catalogue.datafiles`` to check the files and print a summary.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, TypeVar

import msgspec
import msgspec.yaml

from api.catalogue.life_events import LifeEvent

DATA_DIR = Path(__file__).parent / "data"
T = TypeVar("T")

Channel = Literal["online", "counter", "both"]
FileFormat = Literal["pdf", "jpeg", "png", "webp"]
FieldType = Literal["text", "textarea", "number", "date", "select", "nik", "phone", "email", "address"]
RegionKind = Literal["kabupaten", "kota"]
# daerah: the regional government; vertikal: a national ministry's local office; bumn/bumd: state- or
# region-owned companies; lembaga: public bodies such as BPJS.
AgencyKind = Literal["daerah", "vertikal", "bumn", "bumd", "lembaga"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

Code = Annotated[str, msgspec.Meta(pattern=r"^[A-Z][A-Z0-9_]{1,39}$")]
Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
FieldName = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-zA-Z0-9]{0,39}$")]
BpsCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}$")]
ProvinceCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{2}$")]
HourRange = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$")]
NonEmpty = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class Text(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A human text in Indonesian (first) and English."""

    id: NonEmpty
    en: NonEmpty


class DocumentTypeFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True, rename="camel"):
    code: Code
    name: Text
    formats: list[FileFormat]
    max_size_mb: Annotated[int, msgspec.Meta(ge=1, le=50)] = 10
    # None: the document does not expire (akta kelahiran); otherwise months from issue.
    validity_months: Annotated[int, msgspec.Meta(ge=1, le=1200)] | None = None
    description: Text | None = None


class AgencyFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True, rename="camel"):
    """An agency *kind*; each region instantiates it with its own name.

    ``{region}``/``{regionEn}`` in names become e.g. "Kabupaten Banyumas"/"Banyumas Regency", and
    ``{place}`` the bare place name ("Banyumas").
    """

    code: Code
    name: Text
    short_name: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    kind: AgencyKind
    description: Text | None = None


class Requirement(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    type: Code
    note: Text | None = None
    optional: bool = False


class FieldOption(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    value: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9_]{1,40}$")]
    label: Text


class FormField(msgspec.Struct, forbid_unknown_fields=True, frozen=True, rename="camel", omit_defaults=True):
    name: FieldName
    type: FieldType
    label: Text
    required: bool = True
    help: Text | None = None
    options: list[FieldOption] | None = None
    min: float | None = None
    max: float | None = None
    max_length: Annotated[int, msgspec.Meta(ge=1, le=5000)] | None = None


class ServiceFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True, rename="camel"):
    code: Slug
    agency: Code
    name: Text
    description: Text
    categories: list[LifeEvent]
    channels: Channel
    fee: Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000)]
    sla_days: Annotated[int, msgspec.Meta(ge=0, le=365)]
    legal_basis: list[NonEmpty]
    requirements: list[Requirement]
    procedure: list[Text]
    form: list[FormField]
    fee_note: Text | None = None
    keywords: list[Annotated[str, msgspec.Meta(min_length=1, max_length=60)]] = []
    output: Text | None = None
    # How sure we must be of who applies (api.accounts.assurance): phone (an SMS code: information and simple
    # requests), registry (NIK, name and birth date matched by Dukcapil: civil registration, licences),
    # in_person (an officer saw the KTP-el at an MPP counter).
    assurance: Literal["phone", "registry", "in_person"] = "phone"


class Province(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    code: ProvinceCode
    name: NonEmpty


class MppCounter(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    number: Annotated[str, msgspec.Meta(min_length=1, max_length=10)]
    agency: Code
    # The codes of the services this counter serves; absent: every service of its agency. Written and read by the
    # catalogue's import/export (api.catalogue.transfer); the seed does not load it yet.
    services: list[Slug] | None = None


class MppFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True, rename="camel"):
    name: NonEmpty
    address: NonEmpty
    opening_hours: dict[Weekday, list[HourRange]]
    counters: list[MppCounter]
    phone: str | None = None
    latitude: Annotated[float, msgspec.Meta(ge=-11.5, le=6.5)] | None = None
    longitude: Annotated[float, msgspec.Meta(ge=94.0, le=141.5)] | None = None


class OwnAgency(msgspec.Struct, forbid_unknown_fields=True, frozen=True, rename="camel"):
    """An agency of the region's own (not a kind of ``agencies.yaml``), with every name it needs."""

    code: Code
    name: Text
    short_name: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    kind: AgencyKind


NoteText = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class Note(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A region's note on one of its services, shown to citizens with it."""

    id: NoteText
    en: NoteText


class Overlay(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A region's own say on the services it offers: inherited national services it hides, and its notes (on any of
    its services, by code)."""

    hidden: list[Slug] = []
    notes: dict[Slug, Note] = {}


class RegionFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True, rename="camel"):
    code: BpsCode
    name: NonEmpty
    name_en: NonEmpty
    place: NonEmpty
    kind: RegionKind
    province: Province
    mpp: MppFile
    agencies: list[Code]
    agency_names: dict[Code, Text] = {}
    local_services: list[ServiceFile] = []
    # Written and read by the catalogue's import/export of one region (api.catalogue.transfer), which round-trips
    # what admins change in the app; the seed does not load them yet (``check`` says so if a data file uses them).
    # Short names of national agency kinds where the region's differs from the kind's.
    agency_short_names: dict[Code, Annotated[str, msgspec.Meta(min_length=1, max_length=40)]] = {}
    # The region's own agencies (their codes are listed in ``agencies`` too).
    own_agencies: list[OwnAgency] = []
    overlay: Overlay | None = None


@dataclass(frozen=True)
class CatalogueData:
    document_types: list[DocumentTypeFile]
    agencies: list[AgencyFile]
    services: list[ServiceFile]
    regions: list[RegionFile]


class DataFileError(ValueError):
    """A data file is malformed or refers to something that does not exist."""


def _decode(path: Path, kind: type[T]) -> T:
    try:
        return msgspec.yaml.decode(path.read_bytes(), type=kind)
    except msgspec.ValidationError as exc:
        raise DataFileError(f"{path.name}: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise DataFileError(f"{path.name}: not valid YAML: {exc}") from exc


def load(data_dir: Path = DATA_DIR) -> CatalogueData:
    """Read and cross-check every data file; raise DataFileError listing every problem found."""
    data = CatalogueData(
        document_types=_decode(data_dir / "document_types.yaml", list[DocumentTypeFile]),
        agencies=_decode(data_dir / "agencies.yaml", list[AgencyFile]),
        services=[
            svc for path in sorted((data_dir / "services").glob("*.yaml")) for svc in _decode(path, list[ServiceFile])
        ],
        regions=_decode(data_dir / "regions.yaml", list[RegionFile]),
    )
    problems = list(check(data))
    if problems:
        raise DataFileError("catalogue data has problems:\n  " + "\n  ".join(problems))
    return data


def _duplicates(values: Iterable[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def _check_service(svc: ServiceFile, doc_codes: set[str], agencies: set[str], where: str) -> Iterable[str]:
    if svc.agency not in agencies:
        yield f"{where} service {svc.code}: unknown agency {svc.agency}"
    for req in svc.requirements:
        if req.type not in doc_codes:
            yield f"{where} service {svc.code}: unknown document type {req.type}"
    if dup := _duplicates(r.type for r in svc.requirements):
        yield f"{where} service {svc.code}: requirement listed twice: {dup}"
    if dup := _duplicates(f.name for f in svc.form):
        yield f"{where} service {svc.code}: form field named twice: {dup}"
    if not svc.categories:
        yield f"{where} service {svc.code}: no life-event category"
    if not svc.procedure:
        yield f"{where} service {svc.code}: no procedure steps"
    if not svc.legal_basis:
        yield f"{where} service {svc.code}: no legal basis"
    for field in svc.form:
        if field.type == "select" and not field.options:
            yield f"{where} service {svc.code}: select field {field.name} has no options"
        if field.type != "select" and field.options:
            yield f"{where} service {svc.code}: field {field.name} has options but is {field.type}"
        if field.min is not None and field.max is not None and field.min > field.max:
            yield f"{where} service {svc.code}: field {field.name} has min > max"


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def check(data: CatalogueData) -> Iterable[str]:
    """Yield a line for every inconsistency across the files."""
    doc_codes = {d.code for d in data.document_types}
    agencies = {a.code for a in data.agencies}
    for label, values in (
        ("document type", [d.code for d in data.document_types]),
        ("agency", [a.code for a in data.agencies]),
        ("service", [s.code for s in data.services]),
        ("region", [r.code for r in data.regions]),
    ):
        if dup := _duplicates(values):
            yield f"{label} code used twice: {dup}"
    for agency in data.agencies:
        for text in (agency.name.id, agency.name.en):
            unknown = set(_PLACEHOLDER.findall(text)) - {"region", "regionEn", "place"}
            if unknown:
                yield f"agency {agency.code}: unknown placeholder {unknown}"
    for svc in data.services:
        yield from _check_service(svc, doc_codes, agencies, "national")
    national_codes = {s.code for s in data.services}
    for region in data.regions:
        where = f"region {region.code}"
        for code in region.agencies:
            if code not in agencies:
                yield f"{where}: unknown agency {code}"
        if dup := _duplicates(region.agencies):
            yield f"{where}: agency listed twice: {dup}"
        present = set(region.agencies)
        for code in region.agency_names:
            if code not in present:
                yield f"{where}: name override for agency {code} which is not present"
        for counter in region.mpp.counters:
            if counter.agency not in present:
                yield f"{where}: counter {counter.number} staffed by absent agency {counter.agency}"
        if dup := _duplicates(c.number for c in region.mpp.counters):
            yield f"{where}: counter number used twice: {dup}"
        for svc in region.local_services:
            yield from _check_service(svc, doc_codes, present, where)
            if svc.code in national_codes:
                yield f"{where}: local service {svc.code} clashes with a national service code"
        if dup := _duplicates(s.code for s in region.local_services):
            yield f"{where}: local service code used twice: {dup}"
        imported = [
            name
            for name, used in (
                ("agencyShortNames", region.agency_short_names),
                ("ownAgencies", region.own_agencies),
                ("overlay", region.overlay),
                ("counter services", any(c.services is not None for c in region.mpp.counters)),
            )
            if used
        ]
        if imported:
            yield f"{where}: {', '.join(imported)}: for a catalogue import in the app only; the seed does not load it"
        if not region.code.startswith(region.province.code):
            yield f"{where}: BPS code does not start with its province code {region.province.code}"
        if region.kind == "kota" and not region.name.startswith("Kota "):
            yield f"{where}: a kota's name starts with 'Kota '"
        if region.kind == "kabupaten" and not region.name.startswith("Kabupaten "):
            yield f"{where}: a kabupaten's name starts with 'Kabupaten '"


def services_for(data: CatalogueData, region: RegionFile) -> list[ServiceFile]:
    """The services a region offers: national services of the agencies present there, plus its own."""
    present = set(region.agencies)
    return [s for s in data.services if s.agency in present] + list(region.local_services)


def check_service_file(path: Path, data_dir: Path = DATA_DIR) -> list[str]:
    """Check one national services file on its own against the document types and agencies."""
    try:
        doc_codes = {d.code for d in _decode(data_dir / "document_types.yaml", list[DocumentTypeFile])}
        agencies = {a.code for a in _decode(data_dir / "agencies.yaml", list[AgencyFile])}
        services = _decode(path, list[ServiceFile])
    except DataFileError as exc:
        return [str(exc)]
    problems = [p for svc in services for p in _check_service(svc, doc_codes, agencies, path.name)]
    if dup := _duplicates(s.code for s in services):
        problems.append(f"{path.name}: service code used twice: {dup}")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--file"]:
        problems = [p for name in args[1:] for p in check_service_file(Path(name))]
        print("\n".join(problems) or "ok", file=sys.stderr if problems else sys.stdout)
        return 1 if problems else 0
    try:
        data = load()
    except DataFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"document types: {len(data.document_types)}")
    print(f"agency kinds:   {len(data.agencies)}")
    print(f"national services: {len(data.services)}")
    per_agency = Counter(s.agency for s in data.services)
    print("  by agency: " + ", ".join(f"{k} {v}" for k, v in sorted(per_agency.items())))
    per_event = Counter(c for s in data.services for c in s.categories)
    print("  by life event: " + ", ".join(f"{k} {v}" for k, v in sorted(per_event.items())))
    for region in data.regions:
        n = len(services_for(data, region))
        print(f"region {region.code} {region.name}: {len(region.agencies)} agencies, {n} services")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
