"""Running a search: ``GET /services`` and ``GET /service-groups`` over the catalogue held in memory
(``search_memory.py``; planning is ``search.py``). No query reaches the database.

Two ways to answer, chosen per query, as the SQL that came before chose them (``tests/catalogue/sql_search.py``
keeps it, and the tests compare every page of both):

- *exact*: rank every matching service; used with a region (a region holds a few hundred services), and for a
  query whose rarest required word occurs in few services (a region's name: "ktp banyumas");
- *by group*: rank the catalogue's search groups — services that differ only by region share one — and expand the
  page's groups into their services in region order. At 514 regions "usaha" matches ~20,000 services but a few
  hundred groups; the cost does not grow with the number of regions. The home's list (no query, all regions)
  takes the same path: groups in name order.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cached_property

import asyncpg
import msgspec

from api.catalogue import schemas
from api.catalogue.search import SearchPlan, Vocabulary, plan
from api.catalogue.search_memory import EMPTY, Catalogue, Group, RegionServices, Service, weight
from api.lib.http import Lang, pick

CHANNEL_MATCHES = {"online": ("online", "both"), "counter": ("counter", "both")}
# A required word whose services the search groups miss by more than this share is a region's own word (its name,
# "ktp banyumas"): such a query ranks services, not groups — as long as that word is in at most EXACT_MAX_MATCHES.
REGIONAL_SHARE = 0.1
EXACT_MAX_MATCHES = 300


@dataclass
class SearchIndex:
    """The process's current vocabulary and searchable catalogue; replaced whole when the catalogue changes."""

    vocabulary: Vocabulary
    version: int
    catalogue: Catalogue = field(default_factory=lambda: EMPTY)

    def plan(self, query: str, *, english: bool = False) -> SearchPlan:
        return plan(query, self.vocabulary, english=english)

    def regional(self, search: SearchPlan) -> bool:
        """Whether ``search`` requires a word that only some regions' copies of a service have (see above)."""
        df, gf = self.vocabulary.document_frequency, self.vocabulary.group_frequency
        for term in search.terms:
            if term.optional:
                continue
            services = sum(df.get(s, 0) for s in term.stems)
            in_groups = sum(gf.get(s, 0) for s in term.stems)
            if services <= EXACT_MAX_MATCHES and services > in_groups * (1 + REGIONAL_SHARE):
                return True
        return False


# --- a service's summary, as the detail reads it from the database -----------------------------------------

SUMMARY_COLUMNS = """
    s.id, s.code, s.name_id, s.name_en, s.sla_days, s.fee, s.channels, s.categories,
    a.code AS agency_code, a.name_id AS agency_name_id, a.name_en AS agency_name_en,
    r.code AS region_code, r.name AS region_name, r.name_en AS region_name_en
"""


def summary(row: asyncpg.Record, lang: Lang) -> schemas.ServiceSummary:
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


# --- ranking, as PostgreSQL ranked ---------------------------------------------------------------------------

_F32 = struct.Struct("f")
# ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', vector, 'a | b | …') of a query of alternatives is the sum of the weights of
# the positions that match, each weight a float4 widened to double (0.2 and 0.4 are exact multiples of 0.1's float4:
# the sum is a + tenths × 0.1f, exactly), returned as float4: ties as PostgreSQL has them.
_TENTH = _F32.unpack(_F32.pack(0.1))[0]


_RANKS: dict[int, float] = {}  # summed weight (search_memory.weight) → rank: few distinct sums, each worked out once


def _rank(summed: int) -> float:
    found = _RANKS.get(summed)
    if found is None:
        found = _RANKS[summed] = float(_F32.unpack(_F32.pack((summed >> 32) + (summed & _LOW) * _TENTH))[0])
    return found


_LOW = (1 << 32) - 1
_LOW24 = (1 << 24) - 1
_A = 1 << 24


@dataclass(frozen=True)
class _Query:
    """A search plan as the ranking reads it: stems, not tsquery text."""

    must: tuple[tuple[str, ...], ...]  # each tuple: one of its stems must be there
    named: tuple[tuple[str, ...], ...]  # the same, in the name weights (A; A or B in English)
    rank: tuple[str, ...]
    phrases: frozenset[str]
    english: bool

    @classmethod
    def of(cls, search: SearchPlan, *, relaxed: bool) -> _Query:
        required = tuple(t.stems for t in search.required)
        every = tuple(dict.fromkeys(s for t in search.terms for s in t.stems))
        must = (every,) if relaxed else required
        return cls(must, required, every, frozenset(search.phrases), search.english)

    @cached_property
    def ranked_stems(self) -> frozenset[str]:
        return frozenset(self.rank)

    @cached_property
    def named_bits(self) -> tuple[tuple[tuple[str, int], ...], int]:
        """Each stem of ``rank`` with the required words it is one of (a bit each), and every such bit: a vector
        is named after every required word when its stems in a name weight cover every bit."""
        bits: dict[str, int] = {}
        for i, stems in enumerate(self.named):
            for stem in stems:
                bits[stem] = bits.get(stem, 0) | 1 << i
        return tuple((stem, bits.get(stem, 0)) for stem in self.rank), (1 << len(self.named)) - 1

    def weigh(self, terms: Mapping[str, int], delta: Mapping[str, int]) -> tuple[int, bool]:
        """A service's summed weight and whether it is named after every required word, from its own vector
        (its group's ``terms`` with its ``delta`` over them): for the few services whose region's words are
        among the query's (``_scores`` gives every other service its group's)."""
        summed = 0
        for stem in self.rank:
            v = delta[stem] if stem in delta else terms.get(stem, 0)
            if v:
                summed += weight(v)
        for stems in self.named:
            for stem in stems:
                v = delta[stem] if stem in delta else terms.get(stem, 0)
                if v >> 24 or (self.english and v & 1):
                    break
            else:
                return summed, False
        return summed, True


# The order, for services and for search groups alike:
# 1. the query is exactly one of the service's keywords (curated: what people call it);
# 2. the service is named after every required word;
# 3. cover density (weights D, C, B, A: a match in the name counts ten times one in the English description);
# 4. the shorter name: the general service before its special cases; then the name, then the region (services)
#    or the key (groups). Names compare by code point, the same in every database.
# Each match's sort key is a tuple of plain values made in one loop (``_rank_groups``, ``_rank_services``): a key
# function called per match cost more than everything else a search does.


def _scores(cat: Catalogue, q: _Query, keys: Iterable[str]) -> tuple[dict[str, int], AbstractSet[str] | None]:
    """The summed weight of each group in ``keys`` and the groups named after every required word (None: the query
    requires none)."""
    summed = dict.fromkeys(keys, 0)
    postings = [cat.weights(stem) for stem in q.rank]
    if len(summed) * len(postings) < sum(map(len, postings)):
        # Few groups (a region's matches) for common words: each group's own terms, not every posting.
        groups, english = cat.groups, q.english
        stems, every = q.named_bits
        named = set()
        for k in summed:
            terms = groups[k].terms
            w = found = 0
            for stem, bits in stems:
                v = terms.get(stem)
                if v:
                    w += (v >> 24) << 32 | (v & _LOW24) >> 1  # search_memory.weight, inline: once a match a stem
                    if bits and (v >= _A or (english and v & 1)):
                        found |= bits
            summed[k] = w
            if found == every:
                named.add(k)
        return summed, named
    # Many groups (a search across regions): each stem's postings; only the (group, stem) pairs that match are
    # touched (a word completed as typed is a dozen stems, most of them in a few groups).
    for found_in in postings:
        for k, w in found_in:
            if k in summed:
                summed[k] += w
    hit: frozenset[str] | None = None
    for stems_of_word in q.named:
        either = frozenset().union(*(cat.named(s, q.english) for s in stems_of_word))
        hit = either if hit is None else hit & either
    return summed, hit


def _rank_groups(cat: Catalogue, q: _Query, keys: Iterable[str], lang: Lang) -> list[Group]:
    """The groups of ``keys`` in the order above, the key breaking ties."""
    summed, named = _scores(cat, q, keys)
    phrased = cat.with_keyword(q.phrases)
    places = cat.name_places(lang == "en")
    ranks = _RANKS
    rows = [
        (k not in phrased, named is not None and k not in named, -(ranks.get(w) or _rank(w)), places[k], k)
        for k, w in summed.items()
    ]
    rows.sort()
    groups = cat.groups
    return [groups[row[4]] for row in rows]


def _rank_services(cat: Catalogue, q: _Query, found: list[Service], lang: Lang) -> list[Service]:
    """``found`` in the order above, the region breaking ties (then the order found)."""
    summed, named = _scores(cat, q, {s.key for s in found})
    phrased = cat.with_keyword(q.phrases)
    places = cat.name_places(lang == "en")
    stems = q.ranked_stems
    rows = []
    for i, s in enumerate(found):
        k, delta = s.key, s.delta
        if delta is None or stems.isdisjoint(delta):
            w, is_named = summed[k], named is None or k in named
        else:
            w, is_named = q.weigh(cat.groups[k].terms, delta)
        rows.append((k not in phrased, not is_named, -_rank(w), places[k], s.region, i))
    rows.sort()
    return [found[row[5]] for row in rows]


def _by_name(lang: Lang) -> Callable[[Service], tuple[str, str]]:
    """The order of a region's services without words."""
    return lambda s: (s.name_en if lang == "en" else s.name_id, s.region)


def _group_by_name(lang: Lang) -> Callable[[Group], tuple[str, str]]:
    """The order of search groups without words (with words: ``_rank_groups``)."""
    return lambda g: (g.name_en if lang == "en" else g.name_id, g.key)


# --- matching -----------------------------------------------------------------------------------------------


def _with_stem(cat: Catalogue, stem: str, scope: RegionServices | None) -> set[Service]:
    """The services (of one region, or of all) whose own vector has ``stem``."""
    found: set[Service] = set()
    keys = cat.by_stem.get(stem, frozenset())
    if scope is not None:
        found.update(scope.by_key[k] for k in scope.by_key.keys() & keys)  # iterates the smaller
        changed: Iterable[Service] = scope.by_delta.get(stem, ())
    else:
        for k in keys:
            found.update(cat.members(k))
        changed = [s for code in cat.region_order for s in cat.services[code].by_delta.get(stem, ())]
    for s in changed:
        if cat.value(s, stem):
            found.add(s)
        else:
            found.discard(s)
    return found


def _service_passes(cat: Catalogue, filters: ServiceFilter) -> Callable[[Service], bool]:
    channels = CHANNEL_MATCHES[filters.channel] if filters.channel else None
    return lambda s: (
        (not filters.agency or cat.agencies[s.agency].code == filters.agency)
        and (not filters.category or filters.category in s.categories)
        and (channels is None or s.channels in channels)
        and (not filters.codes or s.code in filters.codes)
    )


def _group_passes(filters: ServiceFilter) -> Callable[[Group], bool]:
    channels = CHANNEL_MATCHES[filters.channel] if filters.channel else None
    return lambda g: (
        (not filters.agency or g.agency_code == filters.agency)
        and (not filters.category or filters.category in g.categories)
        and (channels is None or g.channels in channels)
        and (not filters.codes or g.code in filters.codes)
    )


def _unfiltered(filters: ServiceFilter) -> bool:
    return not (filters.agency or filters.category or filters.channel or filters.codes)


def _chips(filters: ServiceFilter) -> tuple[str, str] | None:
    """The filters of a list without words that may key a derived order: the home's chips (a life event, a
    channel: both from closed lists, so the keys are few); None for the others (agency and codes are open)."""
    if filters.agency or filters.codes:
        return None
    return (filters.category or "", filters.channel or "")


def _ranked_services(cat: Catalogue, index: SearchIndex, q: _Query | None, filters: ServiceFilter,
                     lang: Lang) -> list[Service]:  # fmt: skip
    """The active services that match the filters and every required word, in order."""
    scope = cat.region(filters.region) if filters.region else None
    passes = _service_passes(cat, filters)
    if q is None and filters.region in cat.services:
        # A region's list in name order: worked out once per snapshot (the region filter is always there here).
        code = filters.region or ""
        ordered: list[Service] = cat.derived(
            ("services", lang, code),
            lambda: sorted(cat.region(code).by_key.values(), key=_by_name(lang)),
        )
        if _unfiltered(filters):
            return ordered
        chips = _chips(filters)
        if chips is None:
            return [s for s in ordered if passes(s)]
        return cat.derived(("services", lang, code, *chips), lambda: [s for s in ordered if passes(s)])
    if q is None:
        return []  # a region without services
    df = index.vocabulary.document_frequency
    rarest = min(q.must, key=lambda stems: sum(df.get(s, 0) for s in stems))
    pool = set().union(*(_with_stem(cat, s, scope) for s in rarest))
    if not _unfiltered(filters):
        pool = {s for s in pool if passes(s)}
    for stems in q.must:
        if stems is not rarest:
            pool = _having(cat, pool, stems)
    return _rank_services(cat, q, list(pool), lang)


def _having(cat: Catalogue, services: set[Service], stems: tuple[str, ...]) -> set[Service]:
    """The ``services`` with one of ``stems`` in their own vector: their group's, unless their region's words
    change it."""
    keys = cat.groups_with(stems)
    wanted = frozenset(stems)
    return {
        s
        for s in services
        if (s.key in keys if s.delta is None or wanted.isdisjoint(s.delta) else any(cat.value(s, st) for st in stems))
    }


def _ranked_groups(cat: Catalogue, q: _Query | None, filters: ServiceFilter, lang: Lang) -> list[Group]:
    """The search groups whose representative matches (as the SQL ranked groups, not their services), in order."""
    passes = _group_passes(filters)
    if q is None:
        ordered: list[Group] = cat.derived(
            ("groups", lang), lambda: sorted(cat.groups.values(), key=_group_by_name(lang))
        )
        if _unfiltered(filters):
            return ordered
        chips = _chips(filters)
        if chips is None:
            return [g for g in ordered if passes(g)]
        return cat.derived(("groups", lang, *chips), lambda: [g for g in ordered if passes(g)])
    keys: frozenset[str] | None = None
    for stems in q.must:
        found = cat.groups_with(stems)
        keys = found if keys is None else keys & found
    if not _unfiltered(filters):
        keys = frozenset(k for k in keys or () if passes(cat.groups[k]))
    return _rank_groups(cat, q, keys or (), lang)


# --- pages --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    services: list[Service]  # the page's services (or the groups' representatives)
    groups: list[_Aggregate] | None
    total: int


@dataclass
class _Aggregate:
    """A row of ``GET /service-groups``: the services of one name and one kind of agency."""

    first: Service
    regions: int
    codes: set[str]
    min_sla_days: int
    min_fee: int
    _sorted: list[str] | None = None

    def sorted_codes(self) -> list[str]:
        """Sorted once (a derived row is written for many requests; a local service has a code per region)."""
        if self._sorted is None:
            self._sorted = sorted(self.codes)
        return self._sorted


def _aggregate(items: Iterable[tuple[Service, int, str, int, int, str]]) -> list[_Aggregate]:
    """(representative, regions, code, min sla, min fee, agency code) in rank order → one row per name and agency
    code, ranked by its best member."""
    rows: dict[tuple[str, str], _Aggregate] = {}
    for first, regions, code, sla, fee, agency in items:
        row = rows.get((first.name_id, agency))
        if row is None:
            rows[(first.name_id, agency)] = _Aggregate(first, regions, {code}, sla, fee)
        else:
            row.regions += regions
            row.codes.add(code)
            row.min_sla_days, row.min_fee = min(row.min_sla_days, sla), min(row.min_fee, fee)
    return list(rows.values())


def _exact(cat: Catalogue, index: SearchIndex, q: _Query | None, filters: ServiceFilter, lang: Lang,
           cut: slice, *, grouped: bool) -> _Found:  # fmt: skip
    """Rank services themselves: with a region (a few hundred), or for a region's own word."""
    ranked = _ranked_services(cat, index, q, filters, lang)
    if not grouped:
        return _Found(ranked[cut], None, len(ranked))
    rows = _aggregate((s, 1, s.code, s.sla_days, s.fee, cat.agencies[s.agency].code) for s in ranked)
    return _Found([], rows[cut], len(rows))


def _by_group(cat: Catalogue, q: _Query | None, filters: ServiceFilter, lang: Lang, cut: slice,
              *, grouped: bool) -> _Found:  # fmt: skip
    """Rank search groups (hundreds, whatever the number of regions), then expand the page's into services."""
    ranked = _ranked_groups(cat, q, filters, lang)
    if grouped:

        def aggregate() -> list[_Aggregate]:
            return _aggregate(
                (cat.region(g.region).by_key[g.key], g.services, g.code, g.min_sla_days, g.min_fee, g.agency_code)
                for g in ranked
            )

        # The home's lists (no words; a chip or none): once per snapshot, language and chip.
        chips = _chips(filters) if q is None else None
        rows = cat.derived(("rows", lang, *chips), aggregate) if chips is not None else aggregate()
        return _Found([], rows[cut], len(rows))
    page: list[Service] = []
    upto = 0
    start, stop = cut.start or 0, cut.stop or 0
    for g in ranked:
        if upto >= stop:
            break
        if upto + g.services > start:
            members = cat.members(g.key)
            page += members[max(start - upto, 0) : stop - upto]
        upto += g.services
    chips = _chips(filters) if q is None else None
    total = cat.derived(("total", *chips), lambda: sum(g.services for g in ranked)) if chips is not None \
        else sum(g.services for g in ranked)  # fmt: skip
    return _Found(page, None, total)


def _find(index: SearchIndex, query: str | None, filters: ServiceFilter, lang: Lang, page: int, page_size: int,
          *, grouped: bool) -> tuple[_Found, str | None]:  # fmt: skip
    """The page (its services or rows), the total and the corrected query."""
    cat = index.catalogue
    search = index.plan(query, english=lang == "en") if query and query.strip() else None
    if search is not None and not search.terms:
        # Nothing in the query is known to the catalogue: an honest empty answer, not everything.
        return _Found([], [] if grouped else None, 0), None
    cut = slice((page - 1) * page_size, page * page_size)
    q = _Query.of(search, relaxed=False) if search else None
    if filters.region or (search is not None and index.regional(search)):
        found = _exact(cat, index, q, filters, lang, cut, grouped=grouped)
    else:
        found = _by_group(cat, q, filters, lang, cut, grouped=grouped)
    if found.total == 0 and search is not None and search.may_relax:
        # Every word must match, and together they match nothing: rank by any of them instead. Any word of
        # several is rarely few services, so without a region this ranks groups.
        q = _Query.of(search, relaxed=True)
        if filters.region:
            found = _exact(cat, index, q, filters, lang, cut, grouped=grouped)
        else:
            found = _by_group(cat, q, filters, lang, cut, grouped=grouped)
    return found, search.corrected if search else None


_encode = msgspec.json.Encoder().encode

# A page's summaries are made and encoded once per snapshot and language, as they are asked for (the first pages
# of popular searches show the same services again and again), and no more than this many per language: every
# service of the national catalogue in both languages would be ~60 MB.
SUMMARIES_KEPT = 20_000


def _summaries(cat: Catalogue, services: Iterable[Service], lang: Lang) -> list[msgspec.Raw]:
    # Keyed by identity: the snapshot holds its services for as long as the map lives (it is the snapshot's).
    made: dict[int, msgspec.Raw] = cat.derived(("summaries", lang), dict)
    found = []
    for s in services:
        summary = made.get(id(s))
        if summary is None:
            if len(made) >= SUMMARIES_KEPT:
                made.clear()
            summary = made[id(s)] = msgspec.Raw(_encode(_summary(cat, s, lang)))
        found.append(summary)
    return found


def _summary(cat: Catalogue, s: Service, lang: Lang) -> schemas.ServiceSummary:
    agency, region = cat.agencies[s.agency], cat.regions[s.region]
    return schemas.ServiceSummary(
        id=s.id,
        code=s.code,
        name=pick(lang, s.name_id, s.name_en),
        agency=schemas.Ref(code=agency.code, name=pick(lang, agency.name_id, agency.name_en)),
        region=schemas.Ref(code=region.code, name=pick(lang, region.name, region.name_en)),
        sla_days=s.sla_days,
        fee=s.fee,
        channels=s.channels,  # type: ignore[arg-type]  # checked by the table's constraint
        categories=list(s.categories),
    )


def _service_group(cat: Catalogue, row: _Aggregate, lang: Lang) -> schemas.ServiceGroup:
    """A row of ``GET /service-groups``: the group's best-ranked service stands for it."""
    s = row.first
    single = row.regions == 1
    region = cat.regions[s.region]
    agency = cat.agencies[s.agency]
    return schemas.ServiceGroup(
        code=s.code,
        codes=row.sorted_codes(),
        name=pick(lang, s.name_id, s.name_en),
        agency=schemas.Ref(code=agency.code, name=agency.short_name),
        regions=row.regions,
        sla_days=row.min_sla_days,
        fee=row.min_fee,
        channels=s.channels,  # type: ignore[arg-type]
        categories=list(s.categories),
        id=s.id if single else None,
        region=schemas.Ref(code=region.code, name=pick(lang, region.name, region.name_en)) if single else None,
    )


def search_services(
    index: SearchIndex, *, query: str | None, filters: ServiceFilter, lang: Lang, page: int, page_size: int
) -> schemas.EncodedServiceList:
    """Services matching the filters, ranked by relevance to ``query`` when there is one."""
    found, corrected = _find(index, query, filters, lang, page, page_size, grouped=False)
    return schemas.EncodedServiceList(
        items=_summaries(index.catalogue, found.services, lang),
        total=found.total,
        page=page,
        page_size=page_size,
        corrected_query=corrected,
    )


def search_service_groups(
    index: SearchIndex, *, query: str | None, filters: ServiceFilter, lang: Lang, page: int, page_size: int
) -> schemas.ServiceGroupList:
    """As ``search_services``, one row per service however many regions offer it, in the same order."""
    found, corrected = _find(index, query, filters, lang, page, page_size, grouped=True)
    return schemas.ServiceGroupList(
        items=[_service_group(index.catalogue, row, lang) for row in found.groups or ()],
        total=found.total,
        page=page,
        page_size=page_size,
        corrected_query=corrected,
    )
