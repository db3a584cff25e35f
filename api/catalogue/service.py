"""Catalogue rules and queries. No HTTP here: errors are DomainErrors, which carry their own status."""

from __future__ import annotations

import gc
import json
import logging
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from api.catalogue import schemas
from api.catalogue.building import public_mpp
from api.catalogue.life_events import LIFE_EVENTS
from api.catalogue.search import Vocabulary
from api.catalogue.search_memory import load_catalogue
from api.catalogue.search_queries import CHANNEL_MATCHES as CHANNEL_MATCHES  # the search is part of this service
from api.catalogue.search_queries import SUMMARY_COLUMNS, SearchIndex, summary
from api.catalogue.search_queries import ServiceFilter as ServiceFilter
from api.catalogue.search_queries import search_service_groups as search_service_groups
from api.catalogue.search_queries import search_services as search_services
from api.lib.cache import ScopedCache
from api.lib.errors import NotFoundError
from api.lib.http import Lang, pick, pick_opt
from api.lib.listener import ChannelListener

log = logging.getLogger(__name__)


# The cache scope of what every region's lists show (a region's own answers are scoped by its code).
ALL_REGIONS = "*"
DOCUMENT_TYPES = "types"


class CatalogueNotFoundError(NotFoundError):
    """No such region, agency or service."""


# --- search vocabulary -------------------------------------------------------------------------------

_SURFACE_TEXTS = """
    s.name_id, array_to_string(s.keywords, ' '), s.name_en, a.short_name, replace(a.code, '_', ' '),
    s.description_id, s.output_id, a.name_id, s.description_en, s.output_en
"""
# Every API process runs this at start and after each catalogue change that reaches the search, so it must not grow
# with the number of regions. A search group's services differ only by their region's names (its key is their texts
# without them: migration 2026-12-06T11:21), so the words of every active service's texts are the words of the
# groups' representatives plus those of the regions' names: ~1,200 groups and 514 regions at national size instead
# of 82,000 services' texts (seconds). Each distinct text is parsed once. Built from constants only (no user input).
VOCABULARY_SQL = f"""
WITH surface AS (
    SELECT word FROM ts_stat($q$
        SELECT to_tsvector('simple', t) FROM (
            SELECT DISTINCT t
            FROM catalogue_search_group g JOIN catalogue_service s ON s.id = g.service
            JOIN catalogue_agency a ON a.id = s.agency,
                 unnest(ARRAY[{_SURFACE_TEXTS}]) AS t
            WHERE t IS NOT NULL
            UNION
            SELECT t FROM catalogue_region r, unnest(ARRAY[r.name, r.name_en, r.place]) AS t
            WHERE EXISTS (SELECT 1 FROM catalogue_service s WHERE s.region = r.code AND s.active)
        ) texts
    $q$) WHERE word ~ '^[a-z0-9]+$'
)
SELECT word, (tsvector_to_array(to_tsvector('indonesian', word)))[1] AS stem FROM surface
"""
# Per stem, how many services have it: the services of the groups whose representative has it, the words of the
# representative's region's names aside (its copies in other regions have their own region's names instead), plus,
# for a word of regions' names, those regions' services. ``in_groups`` (the first part) is what a search by group
# can find; a word whose services are mostly in the second part is a region's own word.
FREQUENCY_SQL = """
WITH names AS (
    SELECT r.code, tsvector_to_array(to_tsvector('indonesian', r.name || ' ' || r.name_en || ' ' || r.place)) AS words,
           tsvector_to_array(to_tsvector('indonesian', r.name || ' ' || r.place)) AS own  -- as the agencies' names
    FROM catalogue_region r
), grouped AS (
    SELECT w.lexeme AS word, sum(g.services) AS services
    FROM catalogue_search_group g JOIN catalogue_service s ON s.id = g.service JOIN names n ON n.code = s.region,
         unnest(g.search_vector) w
    WHERE NOT w.lexeme = ANY(n.words)
    GROUP BY w.lexeme
), regional AS (
    SELECT w AS word, sum(c.services) AS services
    FROM (SELECT region, count(*) AS services FROM catalogue_service WHERE active GROUP BY region) c
    JOIN names n ON n.code = c.region, unnest(n.own) w
    GROUP BY w
)
SELECT coalesce(g.word, r.word) AS word, coalesce(g.services, 0) + coalesce(r.services, 0) AS services,
       coalesce(g.services, 0) AS in_groups
FROM grouped g FULL JOIN regional r ON r.word = g.word
"""


async def load_vocabulary(conn: asyncpg.Connection) -> Vocabulary:
    """Read the catalogue's words, their stems and how many services use each stem."""
    surface = {r["word"]: r["stem"] for r in await conn.fetch(VOCABULARY_SQL) if r["stem"]}
    counts = await conn.fetch(FREQUENCY_SQL)
    services = await conn.fetchval("SELECT coalesce(sum(services), 0) FROM catalogue_search_group")
    return Vocabulary.build(
        surface,
        {r["word"]: int(r["services"]) for r in counts},
        services,
        {r["word"]: int(r["in_groups"]) for r in counts},
    )


async def load_index(
    conn: asyncpg.Connection, *, previous: SearchIndex | None = None, regions: Collection[str] | None = None
) -> SearchIndex:
    """The search's vocabulary and catalogue, read in one snapshot; with ``previous`` and ``regions``, only those
    regions' services are read again (``search_memory.load_catalogue``)."""

    async def read() -> SearchIndex:
        version = await conn.fetchval("SELECT version FROM catalogue_version WHERE id = 1")
        vocabulary = await load_vocabulary(conn)
        before = previous.catalogue if previous is not None else None
        catalogue = await load_catalogue(conn, previous=before, regions=regions)
        return SearchIndex(vocabulary=vocabulary, version=version or 0, catalogue=catalogue)

    if conn.is_in_transaction():  # a caller's own (tests): it sees what that transaction sees
        return await read()
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        return await read()


async def get_service(conn: asyncpg.Connection, service_id: uuid.UUID, lang: Lang) -> schemas.ServiceDetail:
    """One active service in full; CatalogueNotFoundError (404) when there is none."""
    found = await find_service(conn, service_id, lang)
    if found is None:
        raise CatalogueNotFoundError(f"service {service_id}")
    return found


async def find_service(conn: asyncpg.Connection, service_id: uuid.UUID, lang: Lang) -> schemas.ServiceDetail | None:
    """One active service in full, or None (for callers that answer a missing service in their own words)."""
    row = await conn.fetchrow(
        f"""
        SELECT {SUMMARY_COLUMNS}, s.description_id, s.description_en, s.fee_note_id, s.fee_note_en,
               s.legal_basis, s.procedure, s.form, s.output_id, s.output_en, s.agency AS agency_id, s.assurance,
               s.local_note_id, s.local_note_en,
               m.name AS mpp_name, m.address AS mpp_address, m.opening_hours,
               (SELECT array_agg(c.number ORDER BY c.number) FROM catalogue_counter c
                 WHERE c.mpp = m.id AND c.agency = s.agency AND c.retired_at IS NULL
                   AND (SELECT coalesce(bool_or(x.service = s.id), true)  -- no rows: all of its agency's
                        FROM catalogue_counter_service x WHERE x.counter = c.id)) AS counters,
               -- The requirements in the same round trip: a second statement cost a cold detail ~10 % of its CPU.
               (SELECT json_agg(json_build_object(
                         'code', d.code, 'name_id', d.name_id, 'name_en', d.name_en, 'formats', d.formats,
                         'max_size_mb', d.max_size_mb, 'validity_months', d.validity_months,
                         'optional', q.optional, 'note_id', q.note_id, 'note_en', q.note_en) ORDER BY q.position)
                  FROM catalogue_service_requirement q JOIN catalogue_document_type d ON d.code = q.document_type
                 WHERE q.service = s.id) AS requirements
        FROM catalogue_service s
        JOIN catalogue_agency a ON a.id = s.agency
        JOIN catalogue_region r ON r.code = s.region
        LEFT JOIN LATERAL (SELECT * FROM catalogue_mpp WHERE region = s.region ORDER BY name LIMIT 1) m ON true
        WHERE s.id = $1 AND s.active
        """,
        service_id,
    )
    if row is None:
        return None
    requirements = json.loads(row["requirements"]) if row["requirements"] else []
    found_summary = summary(row, lang)
    return schemas.ServiceDetail(
        **{f: getattr(found_summary, f) for f in found_summary.__struct_fields__},
        description=pick(lang, row["description_id"], row["description_en"]),
        requirements=[
            schemas.Requirement(
                **_document_type_fields(q, lang),
                optional=q["optional"],
                note=pick_opt(lang, q["note_id"], q["note_en"]),
            )
            for q in requirements
        ],
        form=[_form_field(f, lang) for f in json.loads(row["form"])],
        procedure=[pick(lang, step["id"], step["en"]) for step in json.loads(row["procedure"])],
        legal_basis=list(row["legal_basis"]),
        fee_note=pick_opt(lang, row["fee_note_id"], row["fee_note_en"]),
        output=pick_opt(lang, row["output_id"], row["output_en"]),
        assurance=row["assurance"],
        local_note=pick_opt(lang, row["local_note_id"], row["local_note_en"]),
        where=schemas.Where(
            mpp=row["mpp_name"],
            address=row["mpp_address"],
            counters=list(row["counters"] or []),
            opening_hours=json.loads(row["opening_hours"]),
        )
        if row["mpp_name"]
        else None,
    )


def _document_type_fields(row: Mapping[str, Any], lang: Lang) -> dict[str, Any]:
    """What a document type and a service's requirement of it both show, from a catalogue_document_type row."""
    return {
        "code": row["code"],
        "name": pick(lang, row["name_id"], row["name_en"]),
        "formats": list(row["formats"]),
        "max_size_mb": row["max_size_mb"],
        "validity_months": row["validity_months"],
    }


def _text(value: dict[str, str] | None, lang: Lang) -> str | None:
    return pick(lang, value["id"], value.get("en")) if value else None


def _form_field(field: dict[str, Any], lang: Lang) -> schemas.FormField:
    return schemas.FormField(
        name=field["name"],
        type=field["type"],
        label=_text(field["label"], lang) or field["name"],
        required=field.get("required", True),
        help=_text(field.get("help"), lang),
        options=[
            schemas.Option(value=o["value"], label=_text(o["label"], lang) or o["value"]) for o in field["options"]
        ]
        if field.get("options")
        else None,
        min=field.get("min"),
        max=field.get("max"),
        max_length=field.get("maxLength"),
    )


def _region(row: asyncpg.Record, lang: Lang) -> schemas.Region:
    return schemas.Region(
        code=row["code"],
        name=pick(lang, row["name"], row["name_en"]),
        kind=row["kind"],
        province=schemas.Province(code=row["province_code"], name=row["province_name"]),
    )


async def list_regions(conn: asyncpg.Connection, lang: Lang) -> schemas.RegionList:
    rows = await conn.fetch("SELECT * FROM catalogue_region ORDER BY name")
    return schemas.RegionList(items=[_region(r, lang) for r in rows], total=len(rows))


async def get_region(conn: asyncpg.Connection, code: str, lang: Lang) -> schemas.RegionDetail:
    row = await conn.fetchrow("SELECT * FROM catalogue_region WHERE code = $1", code)
    if row is None:
        raise CatalogueNotFoundError(f"region {code}")
    region = _region(row, lang)
    agencies = await list_agencies(conn, region=code, lang=lang)
    return schemas.RegionDetail(
        **{f: getattr(region, f) for f in region.__struct_fields__},
        mpp=await public_mpp(conn, code, lang),
        agencies=agencies.items,
        services=sum(a.services for a in agencies.items),
    )


async def list_agencies(conn: asyncpg.Connection, *, region: str | None, lang: Lang) -> schemas.AgencyList:
    rows = await conn.fetch(
        """SELECT a.code, a.name_id, a.name_en, a.short_name, a.kind, r.code AS region_code, r.name AS region_name,
                  r.name_en AS region_name_en,
                  (SELECT count(*) FROM catalogue_service s WHERE s.agency = a.id AND s.active) AS services
           FROM catalogue_agency a JOIN catalogue_region r ON r.code = a.region
           WHERE ($1::text IS NULL OR a.region = $1) AND a.retired_at IS NULL
           ORDER BY r.name, a.short_name""",
        region,
    )
    return schemas.AgencyList(
        items=[
            schemas.Agency(
                code=r["code"],
                name=pick(lang, r["name_id"], r["name_en"]),
                short_name=r["short_name"],
                kind=r["kind"],
                region=schemas.Ref(code=r["region_code"], name=pick(lang, r["region_name"], r["region_name_en"])),
                services=r["services"],
            )
            for r in rows
        ],
        total=len(rows),
    )


async def list_categories(conn: asyncpg.Connection, *, region: str | None, lang: Lang) -> schemas.CategoryList:
    counts = {
        r["category"]: r["n"]
        for r in await conn.fetch(
            """SELECT c AS category, count(*) AS n FROM catalogue_service s, unnest(s.categories) c
               WHERE s.active AND ($1::text IS NULL OR s.region = $1) GROUP BY c""",
            region,
        )
    }
    items = [
        schemas.Category(code=code, name=pick(lang, names.id, names.en), services=counts.get(code, 0))
        for code, names in LIFE_EVENTS.items()
    ]
    return schemas.CategoryList(items=items, total=len(items))


async def list_document_types(conn: asyncpg.Connection, lang: Lang) -> schemas.DocumentTypeList:
    rows = await conn.fetch("SELECT * FROM catalogue_document_type ORDER BY code")
    items = [
        schemas.DocumentType(
            **_document_type_fields(r, lang), description=pick_opt(lang, r["description_id"], r["description_en"])
        )
        for r in rows
    ]
    return schemas.DocumentTypeList(items=items, total=len(items))


async def region_exists(conn: asyncpg.Connection, code: str) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM catalogue_region WHERE code = $1)", code))


@dataclass(frozen=True)
class ServiceNames:
    """A service's names as other domains print them (a result document, a message), in both languages."""

    code: str
    name_id: str
    name_en: str
    output_id: str | None  # what the service issues, when the standard names it
    region: str
    region_name: str
    agency_name_id: str


async def service_names(conn: asyncpg.Connection, service_id: uuid.UUID) -> ServiceNames | None:
    """The names of one service, its agency and its region (one statement; None for an unknown id)."""
    row = await conn.fetchrow(
        """SELECT s.code, s.name_id, s.name_en, s.output_id, s.region, r.name AS region_name,
                  g.name_id AS agency_name_id
           FROM catalogue_service s JOIN catalogue_agency g ON g.id = s.agency
           JOIN catalogue_region r ON r.code = s.region
           WHERE s.id = $1""",
        service_id,
    )
    return ServiceNames(**dict(row)) if row else None


async def known_service_codes(conn: asyncpg.Connection, codes: list[str]) -> set[str]:
    """Which of ``codes`` name a service in some region."""
    rows = await conn.fetch("SELECT DISTINCT code FROM catalogue_service WHERE code = ANY($1::text[])", codes)
    return {r["code"] for r in rows}


async def validity_months(conn: asyncpg.Connection, document_type: str) -> int | None:
    """How many months a document of this type stays valid (None: no end, or no such type)."""
    months: int | None = await conn.fetchval(
        "SELECT validity_months FROM catalogue_document_type WHERE code = $1", document_type
    )
    return months


@dataclass(frozen=True)
class BusinessLicence:
    """A service that issues a business licence (one that requires a NIB, not merely accepts one), as the OSS
    connector forwards its decisions: its codes, its agency and the names of its form's fields."""

    code: str
    region: str
    agency_code: str
    agency_name_id: str
    fields: tuple[str, ...]


async def business_licence(conn: asyncpg.Connection, service_id: uuid.UUID) -> BusinessLicence | None:
    """The service as a business licence, or None when it requires no NIB (one statement)."""
    row = await conn.fetchrow(
        """SELECT s.code, s.region, g.code AS agency_code, g.name_id AS agency_name_id,
                  ARRAY(SELECT f->>'name' FROM jsonb_array_elements(s.form) f) AS fields
           FROM catalogue_service s JOIN catalogue_agency g ON g.id = s.agency
           WHERE s.id = $1 AND EXISTS (SELECT 1 FROM catalogue_service_requirement q
                                       WHERE q.service = s.id AND q.document_type = 'NIB' AND NOT q.optional)""",
        service_id,
    )
    return BusinessLicence(**{**dict(row), "fields": tuple(row["fields"])}) if row else None


class CatalogueRuntime(ChannelListener):
    """Per-process catalogue state: the search index and cached answers, kept current.

    PostgreSQL says on ``catalogue_changed`` what a change touched (migration 2026-12-06T11:21): a region's code
    empties that region's answers only; ``*`` (something every region's lists show) empties the all-regions answers
    and reloads the vocabulary (from the search groups: its cost does not grow with the regions); ``types`` the
    answers that name document types; an empty payload (TRUNCATE) everything; ``v<n>`` closes a statement: the
    process now answers catalogue version n (see ``notified``). The loop, its reconnection and
    backoff: ``api.lib.listener``; after a reconnection (notifications may have been lost) everything is reloaded.
    """

    channel = "catalogue_changed"
    settle_seconds = 0.2

    def __init__(self, dsn: str, *, cache_entries: int = 0) -> None:
        super().__init__(dsn)
        self.index = SearchIndex(vocabulary=Vocabulary.build({}, {}, 0), version=0)
        self.answers = ScopedCache(cache_entries)
        self._reconnected = False
        self._reload_wanted = False
        self._reloading = False
        self._statement: set[str] = set()  # scopes heard since the last version
        self._pending: set[str] = set()  # scopes waiting for the next reload of the vocabulary
        # Every region named since the last reload, whatever the statement: PostgreSQL folds a transaction's
        # identical notices, so a statement that changes what every region shows may not repeat the region an
        # earlier statement of its transaction already named. The next reload reads these regions' services again.
        self._regions_heard: set[str] = set()
        # The last catalogue version whose notices this process has acted on (tests wait for it).
        self.heard = 0
        self._heard_at_reload = 0

    def notified(self, payload: str) -> None:
        # A statement's scopes arrive first, then its version ("v42"). Its scopes are emptied at the version; when
        # it changed what the vocabulary is made of ("*"; "" for everything), once the vocabulary is reloaded, so
        # that no answer is made from the new rows with the old vocabulary and kept.
        if payload.startswith("v") and payload[1:].isdigit():
            version = int(payload[1:])
            scopes, self._statement = self._statement, set()
            if ALL_REGIONS in scopes:
                self._pending |= scopes
                self._reload_wanted = True
            else:
                self.answers.invalidate(scopes)
            if self._reload_wanted or self._reloading:
                self._heard_at_reload = max(self._heard_at_reload, version)
                if self._reload_wanted:
                    super().notified(payload)
            else:
                self.index.version = max(self.index.version, version)
                self.heard = max(self.heard, version)
        elif payload == "":  # TRUNCATE: no version follows
            self._pending.add(payload)
            self._reload_wanted = True
            super().notified(payload)
        else:
            self._statement.add(payload)
            if payload not in (ALL_REGIONS, DOCUMENT_TYPES):
                self._regions_heard.add(payload)

    def _empty_pending(self) -> None:
        pending, self._pending = self._pending, set()
        if "" in pending:
            self.answers.clear()
        else:
            self.answers.invalidate(pending)

    def disconnected(self) -> None:
        self._reconnected = True

    def start(self) -> None:
        # The process loaded the catalogue before listening: what changed in between was not heard either.
        self._reconnected = True
        super().start()

    async def reload(self, conn: asyncpg.Connection) -> None:
        # Listening (again): if the catalogue has not moved since the index was read, nothing was missed, and
        # reading all of it again (seconds at national size) would change nothing.
        quiet = self._reconnected and self.heard and not self._pending and not self._regions_heard
        if quiet and await conn.fetchval("SELECT version FROM catalogue_version WHERE id = 1") == self.index.version:
            self._reconnected = False
            return
        # Notices heard while loading wait for the end of the load (their scopes are emptied then, or by the next
        # load if one of them asks for it), so that nothing is made from new rows with the old vocabulary.
        self._reload_wanted, self._reloading = False, True
        covered, heard = set(self._pending), self._heard_at_reload
        # The services of the regions a change named are read again; everything after a TRUNCATE, on the first
        # load and after a reconnection (notices may have been lost).
        whole = self._reconnected or not self.heard or "" in covered
        # Taken, not copied: a region named while this load runs is read by the next one.
        heard_regions, self._regions_heard = self._regions_heard, set()
        try:
            self.index = await load_index(conn, previous=None if whole else self.index, regions=heard_regions)
        except BaseException:
            self._regions_heard |= heard_regions
            raise
        finally:
            self._reloading = False
        regions = None if whole else heard_regions
        # The catalogue is ~250,000 long-lived objects at national size: a full collection walks them all (~70 ms,
        # a pause every request waits behind). They are never part of a cycle that needs collecting: out of the
        # collector's sight; a replaced snapshot is freed by reference counting as before.
        gc.freeze()
        # Searches of those regions made from the previous index while it loaded may have been kept (their scopes
        # were emptied at their own statement, which may not be the one that asked for this load).
        self.answers.invalidate(heard_regions)
        if self._reconnected or not self.heard:  # the first load, or notices lost while the connection was down
            self._reconnected = False
            self._pending, self._statement = set(), set()
            self.answers.clear()
            heard = max(self._heard_at_reload, self.index.version)  # all of it is in what was read
        elif self._reload_wanted:  # another load follows: empty what this one covered
            self._pending -= covered
            self.answers.invalidate(covered) if "" not in covered else self.answers.clear()
        else:
            self._empty_pending()
            heard = self._heard_at_reload
            # Statements heard while loading that asked for no load (what no search shows): the index, as it is,
            # answers their versions too.
            self.index.version = max(self.index.version, heard)
        self.heard = max(self.heard, heard)
        log.info(
            "search index loaded: catalogue version %s, %s words, %s regions read",
            self.index.version,
            len(self.index.vocabulary.surface),
            "all" if regions is None else len(regions),
        )
