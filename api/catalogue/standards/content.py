"""A standard's content: the data files' service shape (``datafiles.ServiceFile``), turned into catalogue rows.

The same functions build the rows for the seed (``api.catalogue.seed``) and for a published version, so that a
service looks the same to citizens whether it came from a file or from an admin's editor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import asyncpg
import msgspec

from api.catalogue.datafiles import ServiceFile, Text
from api.catalogue.search import normalise_words

# The scope of a national standard (``catalogue_service_version.region`` is null for it).
NATIONAL = "national"
SCOPE_PATTERN = r"^([0-9]{4}|national)$"


def region_of(scope: str) -> str | None:
    """The region column of a scope: null for national."""
    return None if scope == NATIONAL else scope


def scope_of(region: str | None) -> str:
    return NATIONAL if region is None else region


@dataclass(frozen=True)
class RegionNames:
    """What fills a region's placeholders ({region}, {regionEn}, {place}) in texts written for every region."""

    code: str
    name: str
    name_en: str
    place: str


async def region_names(conn: asyncpg.Connection, codes: list[str]) -> dict[str, RegionNames]:
    rows = await conn.fetch(
        "SELECT code, name, name_en, place FROM catalogue_region WHERE code = ANY($1::text[])", codes
    )
    return {r["code"]: RegionNames(r["code"], r["name"], r["name_en"], r["place"]) for r in rows}


_PLACEHOLDER = re.compile(r"\{(region|regionEn|place)\}")


def fill(template: str, names: RegionNames, *, english: bool) -> str:
    """A text with the region's names in place of its placeholders (as agency names are filled)."""
    if "{" not in template:
        return template
    values = {"regionEn": names.name_en, "region": names.name_en if english else names.name, "place": names.place}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def localise(content: ServiceFile, names: RegionNames) -> ServiceFile:
    """The content with every text's placeholders filled for one region (English texts with English names)."""

    def walk(value: Any, english: bool) -> Any:
        if isinstance(value, dict):
            if set(value) == {"id", "en"} and all(isinstance(v, str) for v in value.values()):
                return {"id": fill(value["id"], names, english=False), "en": fill(value["en"], names, english=True)}
            return {k: walk(v, english) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, english) for v in value]
        if isinstance(value, str):
            return fill(value, names, english=english)
        return value

    raw = msgspec.to_builtins(content)
    if "{" not in msgspec.json.encode(raw).decode():
        return content
    return msgspec.convert(walk(raw, False), ServiceFile)


def _texts(text: Text | None) -> tuple[str | None, str | None]:
    return (text.id, text.en) if text else (None, None)


# The columns of catalogue_service that a standard's content decides (besides id, code, region and agency), with
# their types for jsonb_to_recordset.
CONTENT_COLUMNS = {
    "name_id": "text",
    "name_en": "text",
    "description_id": "text",
    "description_en": "text",
    "categories": "text[]",
    "channels": "text",
    "fee": "bigint",
    "fee_note_id": "text",
    "fee_note_en": "text",
    "sla_days": "int",
    "assurance": "text",
    "legal_basis": "text[]",
    "procedure": "jsonb",
    "form": "jsonb",
    "keywords": "text[]",
    "output_id": "text",
    "output_en": "text",
}


def content_columns(svc: ServiceFile) -> dict[str, object]:
    """The catalogue_service columns of a content (placeholders already filled)."""
    fee_note = _texts(svc.fee_note)
    output = _texts(svc.output)
    return {
        "name_id": svc.name.id,
        "name_en": svc.name.en,
        "description_id": svc.description.id,
        "description_en": svc.description.en,
        "categories": list(svc.categories),
        "channels": svc.channels,
        "fee": svc.fee,
        "fee_note_id": fee_note[0],
        "fee_note_en": fee_note[1],
        "sla_days": svc.sla_days,
        "assurance": svc.assurance,
        "legal_basis": list(svc.legal_basis),
        "procedure": [{"id": step.id, "en": step.en} for step in svc.procedure],
        # The stored form definition is exactly the data file's (camelCase, without unset optional keys).
        "form": [msgspec.to_builtins(f) for f in svc.form],
        # Normalised like query words, so that "izin usaha" typed matches the keyword "Izin usaha".
        "keywords": [" ".join(normalise_words(k)) for k in svc.keywords],
        "output_id": output[0],
        "output_en": output[1],
    }


def requirement_rows(service: object, svc: ServiceFile) -> list[dict[str, object]]:
    """The catalogue_service_requirement rows of a content for one service row."""
    return [
        {
            "service": service,
            "document_type": req.type,
            "position": pos,
            "optional": req.optional,
            "note_id": _texts(req.note)[0],
            "note_en": _texts(req.note)[1],
        }
        for pos, req in enumerate(svc.requirements)
    ]


REQUIREMENT_COLUMNS = {
    "service": "uuid",
    "document_type": "text",
    "position": "int",
    "optional": "boolean",
    "note_id": "text",
    "note_en": "text",
}


def to_json(content: ServiceFile) -> str:
    """The content as stored in a version or a draft (camelCase, the data files' keys)."""
    return msgspec.json.encode(content).decode()


def from_json(raw: str | bytes) -> ServiceFile:
    """A stored version's content (it was valid when published)."""
    return msgspec.json.decode(raw, type=ServiceFile)
