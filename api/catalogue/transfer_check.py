"""Reading an uploaded catalogue file: YAML without its dangerous parts, then the data files' structs and
cross-checks (as ``datafiles.check`` does for the seed) for one region, every problem at its path
(``localServices[3].requirements[0].type``), so that the screen can say each next to where it is.

YAML can do more than a catalogue needs, and some of it is a weapon: anchors and aliases (one line that expands to
gigabytes, the "billion laughs"), nesting deep enough to exhaust a parser, tags that build objects. A file is
parsed as events first and refused on the first anchor or alias, on nesting deeper than the API's JSON allows, or
on more nodes than any region's catalogue has; only then is it loaded (safe loader: plain data only), and every
text in it is held to the input guard's rules (no NUL, no bidi controls).
"""

from __future__ import annotations

import typing
from collections import Counter
from dataclasses import dataclass
from typing import Any

import asyncpg
import msgspec
import yaml

from api.catalogue.building import Problems as BuildingProblems
from api.catalogue.building import check_hours, check_phone
from api.catalogue.building_agencies import national_kinds
from api.catalogue.building_schemas import WEEKDAYS
from api.catalogue.datafiles import MppFile, RegionFile, ServiceFile
from api.catalogue.standards import check_content
from api.catalogue.standards.check import _from_validation
from api.catalogue.transfer_state import Current, normal_hours
from api.lib.errors import DomainError, FieldError
from api.lib.input_guard import MAX_DEPTH, check_text

MAX_BYTES = 2 * 1024 * 1024
# A region's export has a few thousand nodes (Banyumas, with every local service: about 3,000).
MAX_NODES = 100_000
# catalogue_agency.name_*, catalogue_mpp.name: varchar(200); the building screen's bounds of the rest.
MAX_NAME = 200
MAX_PHONE = 30
MAX_ADDRESS = 500

# The problems of a file, a fixed set of sentences (the screen says each in the reader's language); those of a
# service's content are the standards' own (api.catalogue.standards.check), those of the building the building's.
DOCUMENT = "must be one region's catalogue (a mapping with code, name, mpp, agencies…)"
NOT_THIS_REGION = "differs from the region's record; an import does not rename a region"
UNKNOWN_AGENCY = "is neither a national agency kind nor one of ownAgencies"
LISTED_TWICE = "is listed twice"
NATIONAL_KIND = "is a national agency kind: list it in agencies only"
NOT_IN_AGENCIES = "is not in agencies"
NOT_A_NATIONAL_KIND = "is not a national agency kind in agencies (an own agency's names are in ownAgencies)"
KIND_FIXED = "cannot change: the agency exists with another kind"
TOO_LONG = f"must be at most {MAX_NAME} characters"
TOO_LONG_PHONE = f"must be at most {MAX_PHONE} characters"
TOO_LONG_ADDRESS = f"must be at most {MAX_ADDRESS} characters"
NOT_SERVICE_OF_AGENCY = "is not an active service of this counter's agency"
NATIONAL_CODE = "is the code of a national service"
NOT_INHERITED = "is not a national service of an agency in agencies"
NOT_OFFERED = "is not a service of this region in this file"
STORED_AGENCY = "is not in this region's MPP"  # the ending of check_content's agency problem (see _service)


class InvalidYamlError(DomainError):
    """422 ``invalid_yaml``: the body is not a YAML document we read (syntax, tags, several documents…)."""

    status = 422
    code = "invalid_yaml"


class RegionMismatchError(DomainError):
    status = 422
    code = "region_mismatch"
    detail = "The file is the catalogue of another region: its code must be the region it is imported into."


def parse(body: bytes) -> Any:
    """The uploaded file as plain data, or a 4xx: not UTF-8, too large, an anchor or alias, too deep, forbidden
    characters, or not YAML."""
    if len(body) > MAX_BYTES:
        raise DomainError(f"The file is larger than {MAX_BYTES // 1024 // 1024} MiB.", status=413, code="too_large")
    try:
        text = body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise DomainError("The file is not valid UTF-8.", status=400, code="invalid_encoding") from None
    if not text.strip():
        raise InvalidYamlError("The file is empty.")
    try:
        _screen(text)
        # The safe loader builds plain data only (a tag naming a Python object is an error).
        document = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as exc:
        where = f" (line {exc.problem_mark.line + 1})" if exc.problem_mark else ""
        raise InvalidYamlError(f"The file is not valid YAML{where}: {exc.problem or exc}.") from None
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError) as exc:
        raise InvalidYamlError(f"The file is not valid YAML: {type(exc).__name__}.") from None
    _check_texts(document, "")
    return document


def _screen(text: str) -> None:
    """Refuse anchors and aliases, deep nesting and a flood of nodes, from the parser's events (nothing built)."""
    depth = 0
    for nodes, event in enumerate(yaml.parse(text, Loader=yaml.CSafeLoader), start=1):
        if nodes > MAX_NODES:
            raise DomainError(f"The file has more than {MAX_NODES} entries.", status=413, code="too_large")
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise DomainError(
                "YAML anchors and aliases (&, *) are not accepted: write every value out.",
                status=422,
                code="yaml_alias",
            )
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise DomainError(f"The file nests deeper than {MAX_DEPTH} levels.", status=400, code="too_deep")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _check_texts(value: Any, path: str) -> None:
    """Every text and key as the input guard holds JSON bodies (NUL, bidi controls…: 422 ``invalid_text``); keys
    are texts (YAML allows numbers and null as keys; the catalogue does not)."""
    if isinstance(value, str):
        check_text(value, path or "The file")
    elif isinstance(value, dict):
        for key, child in value.items():
            if not isinstance(key, str):
                raise InvalidYamlError(f"{path or 'The file'}: every key must be text, not {key!r:.40}.")
            check_text(key, "A key")
            _check_texts(child, f"{path}.{key}" if path else key)
    elif isinstance(value, (list, tuple, set)):
        for i, child in enumerate(value):
            _check_texts(child, f"{path}[{i}]")


# --- the document's structure ----------------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field=field, message=message))


def _element(kind: Any) -> Any:
    return typing.get_args(kind)[0] if typing.get_origin(kind) is list else None


def _convert(problems: _Problems, path: str, value: Any, kind: Any) -> Any:
    try:
        return msgspec.convert(value, kind)
    except msgspec.ValidationError as exc:
        found = _from_validation(path, exc)
        problems.add(found.field, found.message)
        return None


def _fields(
    problems: _Problems,
    prefix: str,
    raw: Any,
    kind: Any,
    *,
    nested: dict[str, tuple[Any, tuple[str, ...]]],
    skip: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Each field of struct ``kind`` decoded on its own (a list element by element), so that every problem is found
    at once; ``nested`` fields are objects decoded the same way (each with the fields it skips); ``skip``: fields
    checked elsewhere. Returns what decoded (lists: elements, None where an element has problems)."""
    if not isinstance(raw, dict):
        problems.add(prefix.rstrip(".") or "document", DOCUMENT if not prefix else "must be an object")
        return {}
    fields = {f.encode_name: f for f in msgspec.structs.fields(kind)}
    for key in raw:
        if key not in fields:
            problems.add(f"{prefix}{key}"[:120], "unknown field")
    decoded: dict[str, Any] = {}
    for name, info in fields.items():
        if name not in raw:
            if info.required:
                problems.add(f"{prefix}{name}", "is required")
            continue
        if name in skip:
            continue
        value = raw[name]
        if name in nested:
            struct, skipped = nested[name]
            decoded[name] = _fields(problems, f"{prefix}{name}.", value, struct, nested={}, skip=skipped)
            continue
        element = _element(info.type)
        if element is not None and isinstance(value, list):
            decoded[name] = [_convert(problems, f"{prefix}{name}[{i}]", v, element) for i, v in enumerate(value)]
        else:
            decoded[name] = _convert(problems, f"{prefix}{name}", value, info.type)
    return decoded


def _twice(values: list[Any]) -> list[int]:
    """Positions of the second and later occurrences of a value."""
    seen: Counter[Any] = Counter()
    found = []
    for i, value in enumerate(values):
        if value is None:
            continue
        seen[value] += 1
        if seen[value] > 1:
            found.append(i)
    return found


@dataclass(frozen=True)
class Checked:
    document: RegionFile | None  # None when there are problems
    problems: list[FieldError]


async def check_file(conn: asyncpg.Connection, raw: Any, current: Current) -> Checked:
    """Decode and cross-check an uploaded catalogue of ``current``'s region: every problem at its path. A file of
    another region is refused outright (422 ``region_mismatch``)."""
    if isinstance(raw, list) and len(raw) == 1:
        raw = raw[0]  # one region cut from regions.yaml, as a list
    if isinstance(raw, dict) and isinstance(raw.get("code"), str) and raw["code"] != current.code:
        raise RegionMismatchError()
    problems = _Problems()
    decoded = _fields(
        problems, "", raw, RegionFile, nested={"mpp": (MppFile, ("openingHours",))}, skip=("localServices",)
    )
    services = await _services(conn, problems, raw, current) if isinstance(raw, dict) else []
    if decoded:
        _cross_check(problems, raw, decoded, services, current)
    if problems.errors:
        return Checked(None, problems.errors)
    document = _convert(problems, "", raw, RegionFile)
    return Checked(document, problems.errors)


async def _services(
    conn: asyncpg.Connection, problems: _Problems, raw: dict[str, Any], current: Current
) -> list[ServiceFile | None]:
    """Each local service checked as an editor's publish checks it (api.catalogue.standards), except for where its
    agency is: the file's own agencies decide that (an agency the same file adds is not in the database yet)."""
    items = raw.get("localServices", [])
    if not isinstance(items, list):
        problems.add("localServices", "must be a list")
        return []
    out: list[ServiceFile | None] = []
    for i, item in enumerate(items):
        _, found = await check_content(conn, scope=current.code, raw=item)
        found = [p for p in found if not (p.field == "agency" and p.message.endswith(STORED_AGENCY))]
        for problem in found:
            problems.add(f"localServices[{i}].{problem.field}", problem.message)
        out.append(None if found else msgspec.convert(item, ServiceFile))
    return out


def _cross_check(
    problems: _Problems, raw: Any, decoded: dict[str, Any], services: list[ServiceFile | None], current: Current
) -> None:
    # Long on purpose: one check per part of the file against what the region has, in the file's order, so that the
    # problems come out in the order an admin reads the file.
    add = problems.add
    kinds = national_kinds()
    document = current.document
    for field, recorded in (
        ("name", document.name),
        ("nameEn", document.name_en),
        ("place", document.place),
        ("kind", document.kind),
        ("province", document.province),
    ):
        if decoded.get(field) is not None and decoded[field] != recorded:
            add(field, NOT_THIS_REGION)
    agencies: list[str | None] = decoded.get("agencies") or []
    own = [o for o in decoded.get("ownAgencies") or [] if o is not None]
    own_codes = {o.code for o in own}
    for i, code in enumerate(agencies):
        if code is not None and code not in kinds and code not in own_codes:
            add(f"agencies[{i}]", UNKNOWN_AGENCY)
    for i in _twice(agencies):
        add(f"agencies[{i}]", LISTED_TWICE)
    present = {code for code in agencies if code is not None}
    for i, agency in enumerate(decoded.get("ownAgencies") or []):
        if agency is None:
            continue
        if agency.code in kinds:
            add(f"ownAgencies[{i}].code", NATIONAL_KIND)
        elif agency.code not in present:
            add(f"ownAgencies[{i}].code", NOT_IN_AGENCIES)
        stored = current.agencies.get(agency.code)
        if stored is not None and stored.kind != agency.kind:
            add(f"ownAgencies[{i}].kind", KIND_FIXED)
        for lang in ("id", "en"):
            if len(getattr(agency.name, lang)) > MAX_NAME:
                add(f"ownAgencies[{i}].name.{lang}", TOO_LONG)
    for i in _twice([o.code if o else None for o in decoded.get("ownAgencies") or []]):
        add(f"ownAgencies[{i}].code", LISTED_TWICE)
    for key in ("agencyNames", "agencyShortNames"):
        for code, value in (decoded.get(key) or {}).items():
            if code not in present or code not in kinds:
                add(f"{key}.{code}", NOT_A_NATIONAL_KIND)
            elif key == "agencyNames" and max(len(value.id), len(value.en)) > MAX_NAME:
                add(f"{key}.{code}", TOO_LONG)
    raw_mpp = raw.get("mpp") if isinstance(raw, dict) else None
    _check_mpp(problems, decoded.get("mpp") or {}, raw_mpp if isinstance(raw_mpp, dict) else {}, current)
    local = {s.code: s for s in services if s is not None}
    for i, code in enumerate([s.code if s else None for s in services]):
        if code is not None and current.national_agency(code) is not None:
            add(f"localServices[{i}].code", NATIONAL_CODE)
    for i in _twice([s.code if s else None for s in services]):
        add(f"localServices[{i}].code", LISTED_TWICE)
    for i, service in enumerate(services):
        if service is not None and service.agency not in present:
            add(f"localServices[{i}].agency", NOT_IN_AGENCIES)
    overlay = decoded.get("overlay")
    hidden = set(overlay.hidden) if overlay else set()
    if overlay is not None:
        for i, code in enumerate(overlay.hidden):
            if current.national_agency(code) not in present:
                add(f"overlay.hidden[{i}]", NOT_INHERITED)
        for i in _twice(list(overlay.hidden)):
            add(f"overlay.hidden[{i}]", LISTED_TWICE)
        for code in overlay.notes:
            if code not in local and current.national_agency(code) not in present:
                add(f"overlay.notes.{code}", NOT_OFFERED)
    for i, counter in enumerate((decoded.get("mpp") or {}).get("counters") or []):
        if counter is None:
            continue
        if counter.agency not in present:
            add(f"mpp.counters[{i}].agency", NOT_IN_AGENCIES)
        codes = list(counter.services or [])
        for j, code in enumerate(codes):
            ours = code in local and local[code].agency == counter.agency
            inherited = current.national_agency(code) == counter.agency and code not in local and code not in hidden
            if not (ours or inherited):
                add(f"mpp.counters[{i}].services[{j}]", NOT_SERVICE_OF_AGENCY)
        for j in _twice(codes):
            add(f"mpp.counters[{i}].services[{j}]", LISTED_TWICE)


def _check_mpp(problems: _Problems, mpp: dict[str, Any], raw: dict[str, Any], current: Current) -> None:
    """The building as the building screen checks it (hours: each range at its own path) — what changed only: the
    stored values stand as they are."""
    stored = current.document.mpp
    checks = BuildingProblems()
    if mpp.get("name") is not None and mpp["name"] != stored.name and len(mpp["name"]) > MAX_NAME:
        problems.add("mpp.name", TOO_LONG)
    hours = _hours(problems, raw.get("openingHours", {}))
    if hours is not None and normal_hours(hours) != normal_hours(stored.opening_hours):
        check_hours(checks, hours, "mpp.openingHours")
    if mpp.get("phone") is not None and mpp["phone"] != stored.phone:
        check_phone(checks, mpp["phone"], "mpp.phone")
        if len(mpp["phone"]) > MAX_PHONE:  # the building screen's bound (catalogue_mpp.phone: varchar(30))
            problems.add("mpp.phone", TOO_LONG_PHONE)
    if mpp.get("address") is not None and mpp["address"] != stored.address and len(mpp["address"]) > MAX_ADDRESS:
        problems.add("mpp.address", TOO_LONG_ADDRESS)
    problems.errors += checks.errors
    for i in _twice([c.number if c else None for c in mpp.get("counters") or []]):
        problems.add(f"mpp.counters[{i}].number", LISTED_TWICE)


def _hours(problems: _Problems, raw: Any) -> dict[Any, list[str]] | None:
    """The opening hours' shape: weekdays, each a list of texts (what each range says is ``check_hours``'s)."""
    if not isinstance(raw, dict):
        problems.add("mpp.openingHours", "must be an object")
        return None
    good = True
    for day, ranges in raw.items():
        if day not in WEEKDAYS:
            problems.add(f"mpp.openingHours.{day}"[:120], "unknown field")
            good = False
        elif not isinstance(ranges, list) or not all(isinstance(r, str) for r in ranges):
            problems.add(f"mpp.openingHours.{day}", "must be a list of time ranges")
            good = False
    return raw if good else None
