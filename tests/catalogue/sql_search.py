"""The search as SQL ran it before the catalogue was held in memory (issue 21): the reference the in-memory
search is compared with, page by page (``test_search_memory.py``). Not used by the application."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from api.catalogue import schemas
from api.catalogue.search import SearchPlan
from api.catalogue.search_queries import CHANNEL_MATCHES, SUMMARY_COLUMNS, SearchIndex, ServiceFilter, summary
from api.lib.http import Lang, pick


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
        items=[summary(r, lang) for r in found.rows],
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


# The same order over search groups, then each page group's services in region order. ``upto`` is the position of
# a group's last service (running sum of the groups' sizes in rank order); only groups that reach into the page
# are expanded, and each only as far as the page needs.
_GROUP_PAGE = """
    WITH placed AS (
        SELECT g.key, g.services, sum(g.services) OVER (ORDER BY {order}, g.key) AS upto,
               sum(g.services) OVER () AS total
        FROM catalogue_search_group g
        WHERE {where}
    ), page AS (
        SELECT x.id, c.total, c.upto - c.services + x.n AS position
        FROM placed c CROSS JOIN LATERAL (
            SELECT s.id, row_number() OVER (ORDER BY s.region) AS n
            FROM catalogue_service s WHERE s.search_key = c.key AND s.active
        ) x
        WHERE c.upto > {offset} AND c.upto - c.services < {offset} + {limit}
          AND c.upto - c.services + x.n > {offset} AND c.upto - c.services + x.n <= {offset} + {limit}
        ORDER BY position
        LIMIT {limit}  -- says so to the planner, which otherwise expects thousands of rows and hashes every agency
    )
    SELECT {columns}, page.total
    FROM page
    JOIN catalogue_service s ON s.id = page.id
    JOIN catalogue_agency a ON a.id = s.agency
    JOIN catalogue_region r ON r.code = s.region
    ORDER BY page.position
"""


# ``_GROUPED_PAGE`` over search groups: a service group (same name, same kind of agency) is one or more search
# groups (a local service with a code per region is one per region); its best-ranked search group's representative
# stands for it.
_GROUPS_PAGE = """
    WITH matched AS (
        SELECT g.code, g.name_id, g.agency_code, g.services, g.service, g.min_sla_days, g.min_fee,
               row_number() OVER (ORDER BY {order}, g.key) AS position
        FROM catalogue_search_group g
        WHERE {where}
    ), grouped AS (
        SELECT min(position) AS position, sum(services) AS regions, array_agg(DISTINCT code ORDER BY code) AS codes,
               min(min_sla_days) AS min_sla_days, min(min_fee) AS min_fee
        FROM matched GROUP BY name_id, agency_code
    ), page AS (
        SELECT g.*, m.service AS id, count(*) OVER () AS total
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
class _Shape:
    """Which statement answers, and the names its filters and order use for the ranked rows."""

    sql: str
    row: str  # alias of the ranked rows: s (services) or g (groups)
    agency: str  # the agency code's column

    def where(self, filters: ServiceFilter, arg: Any) -> list[str]:
        where = ["s.active"] if self.row == "s" else []
        if filters.region:
            where.append(f"s.region = {arg(filters.region)}")
        if filters.agency:
            where.append(f"{self.agency} = {arg(filters.agency)}")
        if filters.category:
            where.append(f"{arg(filters.category)} = ANY({self.row}.categories)")
        if filters.channel:
            where.append(f"{self.row}.channels = ANY({arg(list(CHANNEL_MATCHES[filters.channel]))}::text[])")
        if filters.codes:
            where.append(f"{self.row}.code = ANY({arg(list(filters.codes))}::text[])")
        return where or ["true"]


_EXACT = _Shape(_PAGE, "s", "a.code")
_GROUPED = _Shape(_GROUPED_PAGE, "s", "a.code")
_BY_GROUP = _Shape(_GROUP_PAGE, "g", "g.agency_code")
_GROUPS = _Shape(_GROUPS_PAGE, "g", "g.agency_code")


def _shape(index: SearchIndex, search: SearchPlan | None, filters: ServiceFilter, *, grouped: bool) -> _Shape:
    if filters.region or (search is not None and index.regional(search)):
        return _GROUPED if grouped else _EXACT
    return _GROUPS if grouped else _BY_GROUP


@dataclass(frozen=True)
class _Statement:
    sql: str
    args: list[Any]
    limit_at: int  # index of LIMIT's argument (OFFSET's follows)


def _statement(shape: _Shape, filters: ServiceFilter, search: SearchPlan | None, must: str, lang: Lang,
               page: int, page_size: int) -> _Statement:  # fmt: skip
    """One search statement; ``must`` is the query's filter (``search.must``, or ``search.relaxed`` on a retry)."""
    # Only the filters that are present go into the SQL: each combination is its own prepared statement, so
    # PostgreSQL's generic plans (plan_cache_mode=auto) never have to cover "$1 IS NULL OR …".
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    where = shape.where(filters, arg)
    t = shape.row
    limit_at = len(args)
    limit, offset = arg(page_size), arg((page - 1) * page_size)
    if search is not None:
        match = f"{t}.search_vector @@ to_tsquery('simple', {arg(must)})"
        # A region holds a few hundred services: check them all rather than read the GIN index's posting lists of
        # every region (26,000 entries for "buat | ktp" at 514 regions). IS TRUE keeps the planner off the index.
        where.append(f"({match}) IS TRUE" if filters.region else match)
        rank, named, phrases = arg(search.rank), arg(search.named), arg(list(search.phrases))
        # 1. the query is exactly one of the service's keywords (curated: what people call it);
        # 2. the service is named after every required word;
        # 3. cover density (weights D, C, B, A: a match in the name counts ten times one in the English
        #    description, and words close together count more than words far apart);
        # 4. the shorter name: the general service before its special cases.
        order = (
            f"({phrases}::text[] && {t}.keywords) DESC, ({t}.search_vector @@ to_tsquery('simple', {named})) DESC, "
            f"ts_rank_cd('{{0.1, 0.2, 0.4, 1.0}}', {t}.search_vector, to_tsquery('simple', {rank})) DESC, "
            f'length({t}.name_{lang}) ASC, {t}.name_{lang} COLLATE "C" ASC'
        )
    else:
        order = f'{t}.name_{lang} COLLATE "C" ASC'
    # Services: the region breaks ties; groups: the key does (in _GROUP_PAGE), then the region within a group.
    order += ", s.region ASC" if t == "s" else ""
    sql = shape.sql.format(order=order, where=" AND ".join(where), limit=limit, offset=offset, columns=SUMMARY_COLUMNS)
    return _Statement(sql, args, limit_at)


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
    """The page's rows (of ``_PAGE``, ``_GROUPED_PAGE`` or ``_GROUP_PAGE``) and the total."""
    search = index.plan(query, english=lang == "en") if query and query.strip() else None
    if search is not None and not search.must:
        # Nothing in the query is known to the catalogue: an honest empty answer, not everything.
        return _Found(rows=[], total=0, corrected=None)
    statement = _statement(
        _shape(index, search, filters, grouped=grouped), filters, search, search.must if search else "", lang,
        page, page_size,
    )  # fmt: skip
    rows, total = await _run(conn, statement)
    if total == 0 and search is not None and search.relaxed != search.must:
        # Every word must match, and together they match nothing: rank by any of them instead. Any word of
        # several is rarely few services, so without a region this ranks groups.
        shape = _shape(index, None, filters, grouped=grouped)
        rows, total = await _run(conn, _statement(shape, filters, search, search.relaxed, lang, page, page_size))
    return _Found(rows=rows, total=total, corrected=search.corrected if search else None)


async def _run(conn: asyncpg.Connection, statement: _Statement) -> tuple[list[asyncpg.Record], int]:
    rows = await conn.fetch(statement.sql, *statement.args)
    if rows:
        return list(rows), int(rows[0]["total"])
    return [], await _count_beyond_last_page(conn, statement.sql, statement.args, statement.limit_at)


async def _count_beyond_last_page(conn: asyncpg.Connection, sql: str, args: list[Any], limit_at: int) -> int:
    """Total for a page past the end (the window count is only on returned rows); ``limit_at``: LIMIT's index."""
    if args[limit_at + 1] == 0:
        return 0
    count_args = list(args)
    count_args[limit_at], count_args[limit_at + 1] = 1, 0
    row = await conn.fetchrow(sql, *count_args)
    return int(row["total"]) if row else 0
