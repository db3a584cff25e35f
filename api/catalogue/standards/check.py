"""Checking a standard's content as an admin wrote it: every problem, each at the path of its field.

The content is the data files' ``ServiceFile`` (so the same structs and cross-checks as ``datafiles.check``), but
an editor needs *every* problem at once, while msgspec stops at the first: each field (and each element of a list)
is therefore decoded on its own, and the cross-checks run on whatever decoded.
"""

from __future__ import annotations

import re
import typing
from collections import Counter
from functools import lru_cache
from typing import Any

import asyncpg
import msgspec
import msgspec.yaml

from api.catalogue.datafiles import DATA_DIR, AgencyFile, FormField, Requirement, ServiceFile
from api.catalogue.standards.content import NATIONAL
from api.lib.errors import FieldError

# A draft is work in progress, but not a place to keep anything: an encoded content above this is refused.
MAX_CONTENT_BYTES = 64 * 1024
# catalogue_service.name_id/name_en are varchar(200).
MAX_NAME_CHARS = 200

_FIELDS = {f.encode_name: f for f in msgspec.structs.fields(ServiceFile)}
_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_NAMED = re.compile(r"^Object (?:contains unknown|missing required) field `(?P<name>[^`]+)`$")


# msgspec's messages, said for the people who edit a standard.
_PLAIN = (
    (re.compile(r"^Expected `str` of length >= 1$"), "must not be empty"),
    (re.compile(r"^Expected `str` of length <= (\d+)$"), r"must be at most \1 characters"),
    (re.compile(r"^Expected `str` matching regex .*$"), "is not in the expected format"),
    (re.compile(r"^Expected `(?:int|float)` >= (\S+)$"), r"must be at least \1"),
    (re.compile(r"^Expected `(?:int|float)` <= (\S+)$"), r"must be at most \1"),
    (re.compile(r"^Expected `str`, got `\w+`$"), "must be text"),
    (re.compile(r"^Expected `int`, got `\w+`$"), "must be a whole number"),
    (re.compile(r"^Expected `(?:float|int \| float)`, got `\w+`$"), "must be a number"),
    (re.compile(r"^Expected `bool`, got `\w+`$"), "must be true or false"),
    (re.compile(r"^Expected `array`, got `\w+`$"), "must be a list"),
    (re.compile(r"^Expected `object`, got `\w+`$"), "must be an object"),
    (re.compile(r"^Invalid enum value .*$"), "is not one of the allowed values"),
)


def _plain(message: str) -> str:
    message = message.replace(" | null`", "`")  # an optional field that is present must still be right
    for pattern, plain in _PLAIN:
        if pattern.match(message):
            return pattern.sub(plain, message)
    return message


def _problem(field: str, message: str) -> FieldError:
    return FieldError(field=field or "content", message=message)


def _from_validation(prefix: str, exc: msgspec.ValidationError) -> FieldError:
    """msgspec's "Expected `int`, got `str` - at `$.name[0]`" → a field path under ``prefix`` and a sentence."""
    match = _AT.match(str(exc))
    message, path = (match["message"], match["path"] or "") if match else (str(exc), "")
    named = _NAMED.match(message)
    if named:
        path += "." + named["name"]
        message = "unknown field" if "unknown" in message else "is required"
    return _problem(prefix + path, _plain(message))


def _decode(prefix: str, value: Any, kind: Any) -> tuple[Any, FieldError | None]:
    try:
        return msgspec.convert(value, kind), None
    except msgspec.ValidationError as exc:
        return None, _from_validation(prefix, exc)


@lru_cache(maxsize=1)
def _agency_kinds() -> frozenset[str]:
    return frozenset(
        a.code for a in msgspec.yaml.decode((DATA_DIR / "agencies.yaml").read_bytes(), type=list[AgencyFile])
    )


def _duplicates(values: list[str | None]) -> dict[int, str]:
    """The positions of the second and later occurrences of a value."""
    seen: Counter[str] = Counter()
    found = {}
    for i, value in enumerate(values):
        if value is None:
            continue
        seen[value] += 1
        if seen[value] > 1:
            found[i] = value
    return found


class _Decoded:
    """What decoded of a content: whole fields, and list elements one by one."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.elements: dict[str, list[Any]] = {}


def _structure(raw: Any, problems: list[FieldError]) -> _Decoded:
    decoded = _Decoded()
    if not isinstance(raw, dict):
        problems.append(_problem("content", "must be an object"))
        return decoded
    for key in raw:
        if key not in _FIELDS:
            problems.append(_problem(str(key)[:80], "unknown field"))
    for name, info in _FIELDS.items():
        if name not in raw:
            if info.required:
                problems.append(_problem(name, "is required"))
            continue
        value = raw[name]
        element = _list_element(info.type)
        if element is not None and isinstance(value, list):
            items = []
            for i, item in enumerate(value):
                converted, problem = _decode(f"{name}[{i}]", item, element)
                items.append(converted)
                if problem:
                    problems.append(problem)
            decoded.elements[name] = items
            if all(item is not None for item in items):
                decoded.fields[name] = items
            continue
        converted, problem = _decode(name, value, info.type)
        if problem:
            problems.append(problem)
        else:
            decoded.fields[name] = converted
    return decoded


def _list_element(kind: Any) -> Any:
    """The element type of ``list[X]`` (field types of ServiceFile), else None."""
    return typing.get_args(kind)[0] if typing.get_origin(kind) is list else None


def structural_problems(raw: Any) -> tuple[ServiceFile | None, list[FieldError], _Decoded]:
    problems: list[FieldError] = []
    decoded = _structure(raw, problems)
    content = None
    if not problems:
        content, problem = _decode("", raw, ServiceFile)
        if problem:
            problems.append(problem)
    return content, problems, decoded


def _cross_checks(decoded: _Decoded, doc_types: set[str]) -> list[FieldError]:
    problems: list[FieldError] = []
    name = decoded.fields.get("name")
    if name is not None:
        for lang in ("id", "en"):
            if len(getattr(name, lang)) > MAX_NAME_CHARS:
                problems.append(_problem(f"name.{lang}", f"is longer than {MAX_NAME_CHARS} characters"))
    requirements: list[Requirement | None] = decoded.elements.get("requirements", [])
    for i, req in enumerate(requirements):
        if req is not None and req.type not in doc_types:
            problems.append(_problem(f"requirements[{i}].type", f"unknown document type {req.type}"))
    for i, code in _duplicates([r.type if r else None for r in requirements]).items():
        problems.append(_problem(f"requirements[{i}].type", f"document type {code} is listed twice"))
    form: list[FormField | None] = decoded.elements.get("form", [])
    for i, name_ in _duplicates([f.name if f else None for f in form]).items():
        problems.append(_problem(f"form[{i}].name", f"field name {name_} is used twice"))
    for i, field in enumerate(form):
        if field is None:
            continue
        if field.type == "select" and not field.options:
            problems.append(_problem(f"form[{i}].options", "a select field needs options"))
        if field.type != "select" and field.options:
            problems.append(_problem(f"form[{i}].options", f"only a select field has options, not {field.type}"))
        if field.options:
            for j, value in _duplicates([o.value for o in field.options]).items():
                problems.append(_problem(f"form[{i}].options[{j}].value", f"option {value} is listed twice"))
        if field.min is not None and field.max is not None and field.min > field.max:
            problems.append(_problem(f"form[{i}].min", "is greater than max"))
    for key, what in (
        ("categories", "a life-event category"),
        ("procedure", "a step"),
        ("legalBasis", "a legal basis"),
    ):
        if key in decoded.elements and not decoded.elements[key]:
            problems.append(_problem(key, f"needs at least {what}"))
    return problems


async def _agency_problem(conn: asyncpg.Connection, scope: str, agency: str | None) -> FieldError | None:
    if agency is None:
        return None
    if scope == NATIONAL:
        known = agency in _agency_kinds() or await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM catalogue_agency WHERE code = $1)", agency
        )
        return None if known else _problem("agency", f"unknown agency {agency}")
    present = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM catalogue_agency WHERE region = $1 AND code = $2 AND retired_at IS NULL)",
        scope,
        agency,
    )
    return None if present else _problem("agency", f"agency {agency} is not in this region's MPP")


async def check_content(
    conn: asyncpg.Connection, *, scope: str, raw: Any
) -> tuple[ServiceFile | None, list[FieldError]]:
    """The content decoded (None when it has problems) and every problem that would block publishing it in
    ``scope`` (a region's BPS code or ``national``)."""
    if len(msgspec.json.encode(raw)) > MAX_CONTENT_BYTES:
        return None, [_problem("content", f"is larger than {MAX_CONTENT_BYTES // 1024} KiB")]
    content, problems, decoded = structural_problems(raw)
    doc_types = {r["code"] for r in await conn.fetch("SELECT code FROM catalogue_document_type")}
    problems += _cross_checks(decoded, doc_types)
    agency = await _agency_problem(conn, scope, decoded.fields.get("agency"))
    if agency:
        problems.append(agency)
    return (content if not problems else None), problems
