"""Catalogue rules and queries. No HTTP here: errors are DomainErrors, which carry their own status."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from api.catalogue import schemas
from api.catalogue.building import public_mpp
from api.catalogue.life_events import LIFE_EVENTS
from api.catalogue.search import SearchPlan, Vocabulary, plan
from api.lib.cache import ResponseCache
from api.lib.errors import NotFoundError
from api.lib.http import Lang, pick, pick_opt
from api.lib.listener import ChannelListener

log = logging.getLogger(__name__)

CHANNEL_MATCHES = {"online": ("online", "both"), "counter": ("counter", "both")}


class CatalogueNotFoundError(NotFoundError):
    """No such region, agency or service."""


# --- search vocabulary -------------------------------------------------------------------------------

_SURFACE_TEXTS = """
    s.name_id, array_to_string(s.keywords, ' '), s.name_en, a.short_name, replace(a.code, '_', ' '),
    s.description_id, s.output_id, a.name_id, s.description_en, s.output_en
"""
# Every API process runs this on every catalogue change (each publish), so it must be cheap. Most texts are the
# same in every region (a national standard is materialised into each), so each distinct text is parsed once:
# 1,900 texts instead of 3,400 services' concatenations, ~35 ms instead of ~230 ms of PostgreSQL time, the same
# words (texts are split on spaces anyway). Built from constants only (no user input).
VOCABULARY_SQL = f"""
WITH surface AS (
    SELECT word FROM ts_stat($q$
        SELECT to_tsvector('simple', t) FROM (
            SELECT DISTINCT t
            FROM catalogue_service s JOIN catalogue_agency a ON a.id = s.agency,
                 unnest(ARRAY[{_SURFACE_TEXTS}]) AS t
            WHERE s.active AND t IS NOT NULL
        ) texts
    $q$) WHERE word ~ '^[a-z0-9]+$'
)
SELECT word, (tsvector_to_array(to_tsvector('indonesian', word)))[1] AS stem FROM surface
"""
FREQUENCY_SQL = "SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM catalogue_service WHERE active')"


async def load_vocabulary(conn: asyncpg.Connection) -> Vocabulary:
    """Read the catalogue's words, their stems and how many services use each stem."""
    surface = {r["word"]: r["stem"] for r in await conn.fetch(VOCABULARY_SQL) if r["stem"]}
    frequency = {r["word"]: r["ndoc"] for r in await conn.fetch(FREQUENCY_SQL)}
    services = await conn.fetchval("SELECT count(*) FROM catalogue_service WHERE active")
    return Vocabulary.build(surface, frequency, services)


@dataclass
class SearchIndex:
    """The process's current vocabulary; replaced whole when the catalogue changes."""

    vocabulary: Vocabulary
    version: int

    def plan(self, query: str, *, english: bool = False) -> SearchPlan:
        return plan(query, self.vocabulary, english=english)


async def load_index(conn: asyncpg.Connection) -> SearchIndex:
    version = await conn.fetchval("SELECT version FROM catalogue_version WHERE id = 1")
    return SearchIndex(vocabulary=await load_vocabulary(conn), version=version or 0)


# --- queries --------------------------------------------------------------------------------------------

_SUMMARY_COLUMNS = """
    s.id, s.code, s.name_id, s.name_en, s.sla_days, s.fee, s.channels, s.categories,
    a.code AS agency_code, a.name_id AS agency_name_id, a.name_en AS agency_name_en,
    r.code AS region_code, r.name AS region_name, r.name_en AS region_name_en
"""


def _summary(row: asyncpg.Record, lang: Lang) -> schemas.ServiceSummary:
    return schemas.ServiceSummary(
        id=row["id"],
        code=row["code"],
        name=pick(lang, row["name_id"], row["name_en"]),
        agency=schemas.Ref(code=row["agency_code"], name=pick(lang, row["agency_name_id"], row["agency_name_en"])),
        region=schemas.Ref(code=row["region_code"], name=pick(lang, row["region_name"], row["region_name_en"])),
        sla_days=row["sla_days"],
        fee=row["fee"],
        channels=row["channels"],
        categories=list(row["categories"]),
    )


@dataclass(frozen=True)
class ServiceFilter:
    region: str | None = None
    agency: str | None = None
    category: str | None = None
    channel: str | None = None
    # Services by code: one service in every region that offers it (a group's ``codes``).
    codes: tuple[str, ...] | None = None


def _group(row: asyncpg.Record, lang: Lang) -> schemas.ServiceGroup:
    """A row of ``_GROUPED_PAGE``: the group's best-ranked service stands for it."""
    single = row["regions"] == 1
    return schemas.ServiceGroup(
        code=row["code"],
        codes=list(row["codes"]),
        name=pick(lang, row["name_id"], row["name_en"]),
        agency=schemas.Ref(code=row["agency_code"], name=row["agency_short_name"]),
        regions=row["regions"],
        sla_days=row["min_sla_days"],
        fee=row["min_fee"],
        channels=row["channels"],
        categories=list(row["categories"]),
        id=row["id"] if single else None,
        region=schemas.Ref(code=row["region_code"], name=pick(lang, row["region_name"], row["region_name_en"]))
        if single
        else None,
    )


# Rank and cut the page on the service table alone, then join names for the page's rows only.
_PAGE = """
    WITH page AS (
        SELECT s.id, count(*) OVER () AS total, row_number() OVER (ORDER BY {order}) AS position
        FROM catalogue_service s
        JOIN catalogue_agency a ON a.id = s.agency
        WHERE {where}
        ORDER BY {order}
        LIMIT {limit} OFFSET {offset}
    )
    SELECT {columns}, page.total
    FROM page
    JOIN catalogue_service s ON s.id = page.id
    JOIN catalogue_agency a ON a.id = s.agency
    JOIN catalogue_region r ON r.code = s.region
    ORDER BY page.position
"""
# The same ranking, one row per service as a citizen sees it: the same name from the same kind of agency is the
# same service, whether the catalogue gives it one code everywhere ("akta-kelahiran") or a code per region for a
# local regulation ("metro-izin-pendirian-sekolah-swasta"). A group is as good as its best-ranked member, which
# stands for it; the page is cut on groups.
_GROUPED_PAGE = """
    WITH matched AS (
        SELECT s.id, s.code, s.name_id, a.code AS agency_code, s.sla_days, s.fee,
               row_number() OVER (ORDER BY {order}) AS position
        FROM catalogue_service s
        JOIN catalogue_agency a ON a.id = s.agency
        WHERE {where}
    ), grouped AS (
        SELECT min(position) AS position, count(*) AS regions, array_agg(DISTINCT code ORDER BY code) AS codes,
               min(sla_days) AS min_sla_days, min(fee) AS min_fee
        FROM matched GROUP BY name_id, agency_code
    ), page AS (
        SELECT g.*, m.id, count(*) OVER () AS total
        FROM grouped g JOIN matched m ON m.position = g.position
        ORDER BY g.position
        LIMIT {limit} OFFSET {offset}
    )
    SELECT {columns}, a.short_name AS agency_short_name, page.regions, page.codes, page.min_sla_days, page.min_fee,
           page.total
    FROM page
    JOIN catalogue_service s ON s.id = page.id
    JOIN catalogue_agency a ON a.id = s.agency
    JOIN catalogue_region r ON r.code = s.region
    ORDER BY page.position
"""


@dataclass(frozen=True)
class _Found:
    rows: list[asyncpg.Record]
    total: int
    corrected: str | None


async def search_services(
    conn: asyncpg.Connection,
    *,
    index: SearchIndex,
    query: str | None,
    filters: ServiceFilter,
    lang: Lang,
    page: int,
    page_size: int,
) -> schemas.ServiceList:
    """Services matching the filters, ranked by relevance to ``query`` when there is one."""
    found = await _search(conn, index, query, filters, lang, page, page_size, grouped=False)
    return schemas.ServiceList(
        items=[_summary(r, lang) for r in found.rows],
        total=found.total,
        page=page,
        page_size=page_size,
        corrected_query=found.corrected,
    )


async def search_service_groups(
    conn: asyncpg.Connection,
    *,
    index: SearchIndex,
    query: str | None,
    filters: ServiceFilter,
    lang: Lang,
    page: int,
    page_size: int,
) -> schemas.ServiceGroupList:
    """As ``search_services``, one row per service however many regions offer it, in the same order."""
    found = await _search(conn, index, query, filters, lang, page, page_size, grouped=True)
    return schemas.ServiceGroupList(
        items=[_group(r, lang) for r in found.rows],
        total=found.total,
        page=page,
        page_size=page_size,
        corrected_query=found.corrected,
    )


async def _search(
    conn: asyncpg.Connection,
    index: SearchIndex,
    query: str | None,
    filters: ServiceFilter,
    lang: Lang,
    page: int,
    page_size: int,
    *,
    grouped: bool,
) -> _Found:
    """The page's rows (of ``_PAGE`` or ``_GROUPED_PAGE``) and the total."""
    # Long on purpose: it assembles one SQL statement, and the placeholder numbering (``arg``), the filters and
    # the relaxed retry share local state; split up, that state would have to travel through every piece.
    search = index.plan(query, english=lang == "en") if query and query.strip() else None
    if search is not None and not search.must:
        # Nothing in the query is known to the catalogue: an honest empty answer, not everything.
        return _Found(rows=[], total=0, corrected=None)
    # Only the filters that are present go into the SQL: each combination is its own prepared statement, so
    # PostgreSQL's generic plans (plan_cache_mode=auto) never have to cover "$1 IS NULL OR …".
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    where = ["s.active"]
    if filters.region:
        where.append(f"s.region = {arg(filters.region)}")
    if filters.agency:
        where.append(f"a.code = {arg(filters.agency)}")
    if filters.category:
        where.append(f"{arg(filters.category)} = ANY(s.categories)")
    if filters.channel:
        where.append(f"s.channels = ANY({arg(list(CHANNEL_MATCHES[filters.channel]))}::text[])")
    if filters.codes:
        where.append(f"s.code = ANY({arg(list(filters.codes))}::text[])")
    limit, offset = arg(page_size), arg((page - 1) * page_size)
    must_at = len(args)  # index of the query's must-match terms, retried relaxed below
    if search is not None:
        must, rank, named, phrases = (
            arg(search.must),
            arg(search.rank),
            arg(search.named),
            arg(list(search.phrases)),
        )
        where.append(f"s.search_vector @@ to_tsquery('simple', {must})")
        # 1. the query is exactly one of the service's keywords (curated: what people call it);
        # 2. the service is named after every required word;
        # 3. cover density (weights D, C, B, A: a match in the name counts ten times one in the English
        #    description, and words close together count more than words far apart);
        # 4. the shorter name: the general service before its special cases.
        order = (
            f"({phrases}::text[] && s.keywords) DESC, (s.search_vector @@ to_tsquery('simple', {named})) DESC, "
            f"ts_rank_cd('{{0.1, 0.2, 0.4, 1.0}}', s.search_vector, to_tsquery('simple', {rank})) DESC, "
            f"length(s.name_{lang}) ASC, s.name_{lang} ASC, s.region ASC"
        )
    else:
        order = f"s.name_{lang} ASC, s.region ASC"
    sql = (_GROUPED_PAGE if grouped else _PAGE).format(
        order=order, where=" AND ".join(where), limit=limit, offset=offset, columns=_SUMMARY_COLUMNS
    )
    rows = await conn.fetch(sql, *args)
    limit_at = must_at - 2  # LIMIT and OFFSET came just before the search terms
    total = rows[0]["total"] if rows else await _count_beyond_last_page(conn, sql, args, limit_at)
    if total == 0 and search is not None and search.relaxed != search.must:
        # Every word must match, and together they match nothing: rank by any of them instead.
        args[must_at] = search.relaxed
        rows = await conn.fetch(sql, *args)
        total = rows[0]["total"] if rows else await _count_beyond_last_page(conn, sql, args, limit_at)
    return _Found(rows=list(rows), total=total, corrected=search.corrected if search else None)


async def _count_beyond_last_page(conn: asyncpg.Connection, sql: str, args: list[Any], limit_at: int) -> int:
    """Total for a page past the end (the window count is only on returned rows); ``limit_at``: LIMIT's index."""
    if args[limit_at + 1] == 0:
        return 0
    count_args = list(args)
    count_args[limit_at], count_args[limit_at + 1] = 1, 0
    row = await conn.fetchrow(sql, *count_args)
    return int(row["total"]) if row else 0


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
        SELECT {_SUMMARY_COLUMNS}, s.description_id, s.description_en, s.fee_note_id, s.fee_note_en,
               s.legal_basis, s.procedure, s.form, s.output_id, s.output_en, s.agency AS agency_id, s.assurance,
               s.local_note_id, s.local_note_en,
               m.name AS mpp_name, m.address AS mpp_address, m.opening_hours,
               (SELECT array_agg(c.number ORDER BY c.number) FROM catalogue_counter c
                 WHERE c.mpp = m.id AND c.agency = s.agency AND c.retired_at IS NULL
                   AND (SELECT coalesce(bool_or(x.service = s.id), true)  -- no rows: all of its agency's
                        FROM catalogue_counter_service x WHERE x.counter = c.id)) AS counters
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
    requirements = await conn.fetch(
        """SELECT d.code, d.name_id, d.name_en, d.formats, d.max_size_mb, d.validity_months,
                  q.optional, q.note_id, q.note_en
           FROM catalogue_service_requirement q JOIN catalogue_document_type d ON d.code = q.document_type
           WHERE q.service = $1 ORDER BY q.position""",
        service_id,
    )
    summary = _summary(row, lang)
    return schemas.ServiceDetail(
        **{f: getattr(summary, f) for f in summary.__struct_fields__},
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


def _document_type_fields(row: asyncpg.Record, lang: Lang) -> dict[str, Any]:
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

    The index reloads when PostgreSQL announces a catalogue change on ``catalogue_changed`` (the loop, its
    reconnection and backoff: ``api.lib.listener``).
    """

    channel = "catalogue_changed"
    settle_seconds = 0.2

    def __init__(self, dsn: str, *, cache_entries: int = 0) -> None:
        super().__init__(dsn)
        self.index = SearchIndex(vocabulary=Vocabulary.build({}, {}, 0), version=0)
        # Encoded catalogue answers of the current version (emptied when the version moves).
        self.answers = ResponseCache(cache_entries)

    async def reload(self, conn: asyncpg.Connection) -> None:
        self.index = await load_index(conn)
        log.info(
            "search index loaded: catalogue version %s, %s words",
            self.index.version,
            len(self.index.vocabulary.surface),
        )
