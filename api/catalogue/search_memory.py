"""The catalogue as the search reads it: every active service, held in each API process and kept current.

A search at national size asked PostgreSQL to plan and rank on every query (~2 ms of its CPU, most of it planning
the custom plan), which no answer cache hides from the long tail of queries. The search now reads this snapshot
instead, and no query reaches the database (``search_queries.py`` ranks here exactly as ``ts_rank_cd`` did):

- a *search group* (``catalogue_search_group``: the services that differ only by region) keeps its
  representative's search vector as ``terms``: stem → packed value (``pack``);
- a service keeps only where its own vector differs from its group's (``delta``): the words of its region's names
  and of its representative's region, by construction of the search key the only words that can differ
  (``tests/catalogue/test_search_memory.py`` checks this against every service's own vector);
- regions and agencies are looked up when a page is written, as the SQL joined them.

Loading reads in one repeatable-read snapshot; a change reloads the search groups (hundreds of rows), the agencies
and regions, and only the services of the regions it named (``CatalogueRuntime``); the rest is shared with the
previous snapshot. Memory: ~0.6 KB a service (47 MB at 514 regions, tracemalloc); loading costs PostgreSQL ~15 µs
a service (picking its region words out of its vector): ~1.3 s at national size on start, milliseconds for one
region's change.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import asyncpg

T = TypeVar("T")

# A stem's value in one vector: its positions' weights as PostgreSQL ranks them (A 1.0, B 0.4, C 0.2, D 0.1;
# ``search_queries.rank``), packed in one int: A positions << 24 | tenths of the others << 1 | has a B position.
_A = 1 << 24


def pack(weights: str) -> int:
    """The value of a stem whose positions have ``weights`` (one letter a position, as ``unnest(tsvector)``)."""
    b = weights.count("B")
    return weights.count("A") * _A + (4 * b + 2 * weights.count("C") + weights.count("D")) * 2 + (b > 0)


_LOW = (1 << 24) - 1
_NO_KEYS: frozenset[str] = frozenset()


def weight(value: int) -> int:
    """A packed value as the ranking sums it: A positions << 32 | tenths of the others. Sums of these are sums of
    both parts (the tenths never reach 2^32: PostgreSQL keeps at most 256 positions a word)."""
    return (value >> 24) << 32 | (value & _LOW) >> 1


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    name_en: str
    words: frozenset[str]  # the stems of its names (name, English name, place)


@dataclass(frozen=True, slots=True)
class Agency:
    code: str
    name_id: str
    name_en: str
    short_name: str


@dataclass(frozen=True, slots=True, eq=False)
class Group:
    """A search group: its representative's texts and vector (the first region's service)."""

    key: str
    service: uuid.UUID  # the representative
    region: str  # the representative's region
    code: str
    agency_code: str
    name_id: str
    name_en: str
    keywords: frozenset[str]
    categories: tuple[str, ...]
    channels: str
    services: int
    min_sla_days: int
    min_fee: int
    terms: Mapping[str, int]


@dataclass(frozen=True, slots=True, eq=False)  # one object per service: sets hold it by identity
class Service:
    """One active service: what a summary shows, and where its vector differs from its group's."""

    id: uuid.UUID
    code: str
    name_id: str
    name_en: str
    sla_days: int
    fee: int
    channels: str
    categories: tuple[str, ...]
    key: str
    region: str
    agency: uuid.UUID
    delta: Mapping[str, int] | None  # stem → own value (0: absent) where it differs from the group's


@dataclass(frozen=True)
class RegionServices:
    """One region's active services, by search key (a key is at most one service of a region)."""

    by_key: Mapping[str, Service]
    # stem → the region's services whose value for it is not their group's (a region's own words)
    by_delta: Mapping[str, tuple[Service, ...]]

    @classmethod
    def of(cls, services: Iterable[Service]) -> RegionServices:
        by_key = {s.key: s for s in services}
        by_delta: dict[str, list[Service]] = {}
        for s in by_key.values():
            for stem in s.delta or ():
                by_delta.setdefault(stem, []).append(s)
        return cls(by_key, {stem: tuple(found) for stem, found in by_delta.items()})


EMPTY_REGION = RegionServices({}, {})


@dataclass
class Catalogue:
    """One snapshot of the searchable catalogue (replaced whole, never changed once built)."""

    regions: Mapping[str, Region]
    agencies: Mapping[uuid.UUID, Agency]
    groups: Mapping[str, Group]
    services: Mapping[str, RegionServices]  # region code → its services
    by_stem: Mapping[str, frozenset[str]] = field(init=False)  # stem → keys of the groups whose vector has it
    region_order: tuple[str, ...] = field(init=False)
    # What searches read and this snapshot determines, made on first use (``derived``): the orders of the lists
    # without words, a group's members, a stem's weights in the groups that have it and the groups named after it,
    # the keyword index, the places of names, the encoded summaries (bounded by their own map). Keys come from
    # closed sets (languages, chips, regions, groups and stems of this snapshot), so it stays bounded: ~15 MB at
    # 514 regions had every stem been searched in both languages (tracemalloc).
    _derived: dict[tuple[str, ...], Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        by_stem: dict[str, set[str]] = {}
        for group in self.groups.values():
            for stem in group.terms:
                by_stem.setdefault(stem, set()).add(group.key)
        self.by_stem = {stem: frozenset(keys) for stem, keys in by_stem.items()}
        self.region_order = tuple(sorted(self.services))

    def region(self, code: str) -> RegionServices:
        return self.services.get(code, EMPTY_REGION)

    def members(self, key: str) -> tuple[Service, ...]:
        """A group's services in region order."""
        return self.derived(
            ("members", key),
            lambda: tuple(s for code in self.region_order if (s := self.services[code].by_key.get(key)) is not None),
        )

    def derived(self, key: tuple[str, ...], make: Callable[[], T]) -> T:
        """``make()``, once per snapshot and ``key``."""
        if key not in self._derived:
            self._derived[key] = make()
        return cast(T, self._derived[key])

    def weights(self, stem: str) -> tuple[tuple[str, int], ...]:
        """(group key, ``weight`` of its value) of every group whose vector has ``stem``: what the ranking sums."""
        # Looked up before anything is made (no closure for ``derived``): asked for every stem of every search.
        found: tuple[tuple[str, int], ...] | None = self._derived.get(key := ("weights", stem))
        if found is None:
            keys = self.by_stem.get(stem, frozenset())
            found = self._derived[key] = tuple((k, weight(self.groups[k].terms[stem])) for k in keys)
        return found

    def named(self, stem: str, english: bool) -> frozenset[str]:
        """Keys of the groups with ``stem`` in a name weight: A (the Indonesian name, what people call it), or B
        (the English name) too for English queries."""
        found: frozenset[str] | None = self._derived.get(key := ("named", stem, "en" if english else "id"))
        if found is None:
            values = ((k, self.groups[k].terms[stem]) for k in self.by_stem.get(stem, frozenset()))
            found = frozenset(k for k, v in values if v >= _A or (english and v & 1)) or _NO_KEYS  # one empty set
            if english and found == self.named(stem, False):
                found = self.named(stem, False)  # most stems name the same groups in both languages: one set
            self._derived[key] = found
        return found

    def groups_with(self, stems: Iterable[str]) -> frozenset[str]:
        """Keys of the groups whose vector has one of ``stems``."""
        return frozenset().union(*(self.by_stem.get(s, _NO_KEYS) for s in stems))

    def with_keyword(self, phrases: Iterable[str]) -> frozenset[str]:
        """Keys of the groups with one of ``phrases`` among their keywords."""
        index: dict[str, frozenset[str]] = self.derived(("keywords",), self._keyword_index)
        return frozenset().union(*(index.get(p, ()) for p in phrases))

    def _keyword_index(self) -> dict[str, frozenset[str]]:
        index: dict[str, set[str]] = {}
        for group in self.groups.values():
            for keyword in group.keywords:
                index.setdefault(keyword, set()).add(group.key)
        return {keyword: frozenset(keys) for keyword, keys in index.items()}

    def name_places(self, english: bool) -> dict[str, int]:
        """Each group's place in the order of names (shorter first, then by code point) in a language; groups of
        the same name share a place."""

        def make() -> dict[str, int]:
            names = {g.key: (g.name_en if english else g.name_id) for g in self.groups.values()}
            places = {name: i for i, name in enumerate(sorted(set(names.values()), key=lambda n: (len(n), n)))}
            return {key: places[name] for key, name in names.items()}

        return self.derived(("name-places", "en" if english else "id"), make)

    def value(self, service: Service, stem: str) -> int:
        """The value of ``stem`` in ``service``'s own search vector (0: not in it)."""
        if service.delta is not None and stem in service.delta:
            return service.delta[stem]
        return self.groups[service.key].terms.get(stem, 0)


EMPTY = Catalogue({}, {}, {}, {})


# --- loading ----------------------------------------------------------------------------------------------

_REGIONS_SQL = """
SELECT code, name, name_en,
       tsvector_to_array(to_tsvector('indonesian', name || ' ' || name_en || ' ' || place)) AS words
FROM catalogue_region
"""
_AGENCIES_SQL = "SELECT id, code, name_id, name_en, short_name FROM catalogue_agency"
# One text per stem ("lexeme weights", e.g. "lahir AAC"): one unnest of the vector, not two.
_GROUPS_SQL = """
SELECT g.key, g.service, r.region, g.code, g.agency_code, g.name_id, g.name_en, g.keywords, g.categories,
       g.channels, g.services, g.min_sla_days, g.min_fee,
       ARRAY(SELECT u.lexeme || ' ' || array_to_string(u.weights, '') FROM unnest(g.search_vector) u) AS terms
FROM catalogue_search_group g JOIN catalogue_service r ON r.id = g.service
"""
# Each service's entries for the stems of its region's names and of its group representative's region's names.
_SERVICES_SQL = """
WITH names AS (
    SELECT code, tsvector_to_array(to_tsvector('indonesian', name || ' ' || name_en || ' ' || place)) AS words
    FROM catalogue_region
)
SELECT s.id, s.sla_days, s.fee, s.search_key, s.region, s.agency,
       ARRAY(SELECT u.lexeme || ' ' || array_to_string(u.weights, '') FROM unnest(
           -- the vector without every other word: unnesting the few left is half the work of unnesting all
           ts_delete(s.search_vector, tsvector_to_array(ts_delete(s.search_vector, n.words || rn.words)))) u) AS own
FROM catalogue_service s
JOIN names n ON n.code = s.region
JOIN catalogue_search_group g ON g.key = s.search_key
JOIN catalogue_service r ON r.id = g.service
JOIN names rn ON rn.code = r.region
WHERE s.active {only}
"""


def _terms(entries: Iterable[str]) -> dict[str, int]:
    terms: dict[str, int] = {}
    for entry in entries:
        stem, _, weights = entry.partition(" ")
        terms[sys.intern(stem)] = pack(weights)  # one string per stem across all groups
    return terms


def _group(row: asyncpg.Record) -> Group:
    return Group(
        key=row["key"], service=row["service"], region=row["region"], code=row["code"],
        agency_code=row["agency_code"], name_id=row["name_id"], name_en=row["name_en"],
        keywords=frozenset(row["keywords"]), categories=tuple(row["categories"]), channels=row["channels"],
        services=row["services"], min_sla_days=row["min_sla_days"], min_fee=row["min_fee"],
        terms=_terms(row["terms"]),
    )  # fmt: skip


class _Interned:
    """One object for equal values across a load's services: ~0.2 KB a service instead of ~1.5 KB."""

    def __init__(self, agencies: Mapping[uuid.UUID, Agency]) -> None:
        self.agencies = {a: a for a in agencies}
        self.deltas: dict[frozenset[tuple[str, int]], Mapping[str, int]] = {}

    def delta(self, delta: dict[str, int]) -> Mapping[str, int] | None:
        if not delta:
            return None
        return self.deltas.setdefault(frozenset(delta.items()), delta)


def _service(row: asyncpg.Record, groups: Mapping[str, Group], regions: Mapping[str, Region],
             interned: _Interned) -> Service:  # fmt: skip
    # What the search key is made of (code, names, categories, channels) is the group's: shared, not copied.
    group = groups[row["search_key"]]
    region = regions[row["region"]]
    own = _terms(row["own"])
    words = region.words | regions[group.region].words
    delta = {stem: own.get(stem, 0) for stem in words if own.get(stem, 0) != group.terms.get(stem, 0)}
    return Service(
        id=row["id"], code=group.code, name_id=group.name_id, name_en=group.name_en, sla_days=row["sla_days"],
        fee=row["fee"], channels=group.channels, categories=group.categories, key=group.key, region=region.code,
        agency=interned.agencies.get(row["agency"], row["agency"]), delta=interned.delta(delta),
    )  # fmt: skip


def _changed_keys(previous: Catalogue, groups: Mapping[str, Group]) -> list[str]:
    """Groups with a new representative or vector: their services' deltas, in every region, are read again."""
    return [
        key
        for key, group in groups.items()
        if (old := previous.groups.get(key)) is None or old.service != group.service or old.terms != group.terms
    ]


async def load_catalogue(
    conn: asyncpg.Connection, *, previous: Catalogue | None = None, regions: Collection[str] | None = None
) -> Catalogue:
    """The searchable catalogue as ``conn`` sees it now. With ``previous`` and ``regions``: only those regions'
    services are read again, and the services of groups whose representative changed (the groups, agencies and
    regions always are: they are few). The caller reads in one snapshot (a repeatable-read transaction)."""
    loaded_regions = {
        r["code"]: Region(r["code"], r["name"], r["name_en"], frozenset(r["words"] or ()))
        for r in await conn.fetch(_REGIONS_SQL)
    }
    agencies = {
        r["id"]: Agency(r["code"], r["name_id"], r["name_en"], r["short_name"]) for r in await conn.fetch(_AGENCIES_SQL)
    }
    groups = {g.key: g for g in map(_group, await conn.fetch(_GROUPS_SQL))}
    if previous is None or regions is None:
        rows = await conn.fetch(_SERVICES_SQL.format(only=""))
        return Catalogue(
            loaded_regions, agencies, groups, _regions_of(rows, groups, loaded_regions, agencies, None, (), ())
        )
    keys = _changed_keys(previous, groups)
    rows = await conn.fetch(
        _SERVICES_SQL.format(only="AND (s.region = ANY($1::text[]) OR s.search_key = ANY($2::text[]))"),
        list(regions),
        keys,
    )
    return Catalogue(
        loaded_regions, agencies, groups, _regions_of(rows, groups, loaded_regions, agencies, previous, regions, keys)
    )


def _regions_of(
    rows: Iterable[asyncpg.Record],
    groups: Mapping[str, Group],
    regions: Mapping[str, Region],
    agencies: Mapping[uuid.UUID, Agency],
    previous: Catalogue | None,
    named: Collection[str],
    keys: Collection[str],
) -> dict[str, RegionServices]:
    """Each region's services: read whole (``rows``) for the regions ``named`` by a change (every region without
    ``previous``); elsewhere ``previous``'s, with the services of the changed groups (``keys``) replaced."""
    read: dict[str, list[Service]] = {}
    interned = _Interned(agencies)
    for row in rows:
        read.setdefault(row["region"], []).append(_service(row, groups, regions, interned))
    out: dict[str, RegionServices] = {}
    changed = frozenset(keys)
    for code, old in (previous.services if previous else {}).items():
        if code in named:
            continue
        if code not in read and not old.by_key.keys() & changed:
            out[code] = old
            continue
        kept = [s for key, s in old.by_key.items() if key not in changed]
        out[code] = RegionServices.of([*kept, *read.pop(code, [])])
    out.update({code: RegionServices.of(found) for code, found in read.items()})
    return out
