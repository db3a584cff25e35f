"""A national-size catalogue for benchmarks: the demo's 21 pilots copied to 514 regencies and cities.

The seeds' plan is one deployment for every kabupaten/kota; every benchmark should be able to run at that size.
On a database the demo seed has filled (``mpp serve`` seeds it on first start), ``build_national`` adds regions
with real-looking BPS codes (province code + 01.. for a kabupaten, 71.. for a kota; none of the demo's) and
names, each a copy of one demo region (round robin): its MPP building, agencies, counters, services and their
requirements, with the source region's place name replaced by the new one in every text. Variation, so that the
copies are not 514 identical catalogues: a region's local services (``national = false``) get a code and a name
of their own, and each region drops about 2 % of its services at random. Search vectors come from the project's
own trigger (the rows are inserted, not copied with their vectors); then the GIN pending list is flushed and the
tables analysed, as the seed does.

Set-based SQL: one INSERT … SELECT per table for all regions at once (~80,000 services in well under a minute).

    .venv/bin/python bench/national.py DATABASE_URL [--regions 514] [--seed 21]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from dataclasses import dataclass

import asyncpg

NATIONAL_REGIONS = 514

# Province code → name (Kemendagri/BPS); the kabupaten/kota of the new regions are spread over all of them.
PROVINCES = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau", "15": "Jambi",
    "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung", "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau", "31": "DKI Jakarta", "32": "Jawa Barat", "33": "Jawa Tengah",
    "34": "Daerah Istimewa Yogyakarta", "35": "Jawa Timur", "36": "Banten", "51": "Bali",
    "52": "Nusa Tenggara Barat", "53": "Nusa Tenggara Timur", "61": "Kalimantan Barat", "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan", "64": "Kalimantan Timur", "65": "Kalimantan Utara", "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah", "73": "Sulawesi Selatan", "74": "Sulawesi Tenggara", "75": "Gorontalo",
    "76": "Sulawesi Barat", "81": "Maluku", "82": "Maluku Utara", "91": "Papua Barat", "92": "Papua Barat Daya",
    "94": "Papua", "95": "Papua Selatan", "96": "Papua Tengah", "97": "Papua Pegunungan",
}  # fmt: skip
_ONSETS = ("b", "d", "g", "j", "k", "l", "m", "n", "p", "r", "s", "t", "w", "ng", "s", "t", "k", "b")
_VOWELS = ("a", "a", "a", "e", "i", "o", "u", "u")
_CODAS = ("", "", "", "n", "ng", "r", "s", "k", "t", "h")
_QUALIFIERS = ("", "", "", "", " Barat", " Timur", " Utara", " Selatan", " Tengah", " Raya", " Hulu", " Hilir")
# A local service's name gains one of these, as regional regulations name their own permits.
_LOCAL_SUFFIXES = ("Daerah", "Setempat", "Wilayah")
DROP_SHARE = 0.02


@dataclass(frozen=True)
class NewRegion:
    code: str
    name: str
    name_en: str
    place: str
    kind: str
    province_code: str
    province_name: str
    source: str  # the demo region it copies


def _place(rng: random.Random, taken: set[str]) -> str:
    while True:
        syllables = rng.choice((2, 2, 3, 3, 4))
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables)) + rng.choice(_CODAS)
        place = word.capitalize() + rng.choice(_QUALIFIERS)
        if place not in taken:
            taken.add(place)
            return place


def plan_regions(existing: list[asyncpg.Record], total: int, seed: int) -> list[NewRegion]:
    """The regions to add so that there are ``total`` in all: codes not taken, provinces in turn."""
    rng = random.Random(seed)
    codes = {r["code"] for r in existing}
    taken = {r["place"] for r in existing}
    sources = sorted(codes)
    provinces = list(PROVINCES.items())
    counters = {p: [0, 70] for p in PROVINCES}  # last kabupaten and kota number used per province
    planned: list[NewRegion] = []
    while len(codes) + len(planned) < total:
        province, province_name = provinces[len(planned) % len(provinces)]
        kind = "kota" if rng.random() < 0.19 else "kabupaten"  # 98 of 514 are cities
        slot = 1 if kind == "kota" else 0
        while True:
            counters[province][slot] += 1
            code = f"{province}{counters[province][slot]:02d}"
            if code not in codes and counters[province][slot] < 100:
                break
        place = _place(rng, taken)
        name, name_en = (
            (f"Kota {place}", f"{place} City") if kind == "kota" else (f"Kabupaten {place}", f"{place} Regency")
        )
        source = sources[len(planned) % len(sources)]
        planned.append(NewRegion(code, name, name_en, place, kind, province, province_name, source))
    return planned


# Every statement below copies the demo rows of each new region's source region at once, ids made stable from
# (new region, old id) so a rerun would clash instead of duplicating.
_NEW_ID = "md5(n.code || ':' || {old}::text)::uuid"
_REPLACE = "replace(replace({col}, src.place, n.place), src.name_en, n.name_en)"

COPY_SQL = (
    # regions
    """INSERT INTO catalogue_region (code, name, name_en, place, kind, province_code, province_name)
       SELECT code, name, name_en, place, kind, province_code, province_name FROM national_plan""",
    # buildings
    f"""INSERT INTO catalogue_mpp (id, region, name, address, phone, latitude, longitude, opening_hours, revision)
        SELECT {_NEW_ID.format(old="m.id")}, n.code, {_REPLACE.format(col="m.name")},
               {_REPLACE.format(col="m.address")}, m.phone, m.latitude, m.longitude, m.opening_hours, 1
        FROM national_plan n JOIN catalogue_region src ON src.code = n.source
        JOIN catalogue_mpp m ON m.region = src.code""",
    # agencies
    f"""INSERT INTO catalogue_agency (id, region, code, name_id, name_en, short_name, kind, revision)
        SELECT {_NEW_ID.format(old="a.id")}, n.code, a.code, {_REPLACE.format(col="a.name_id")},
               {_REPLACE.format(col="a.name_en")}, a.short_name, a.kind, 1
        FROM national_plan n JOIN catalogue_region src ON src.code = n.source
        JOIN catalogue_agency a ON a.region = src.code AND a.retired_at IS NULL""",
    # counters
    f"""INSERT INTO catalogue_counter (id, mpp, agency, number, revision)
        SELECT {_NEW_ID.format(old="c.id")}, {_NEW_ID.format(old="c.mpp")}, {_NEW_ID.format(old="c.agency")},
               c.number, 1
        FROM national_plan n JOIN catalogue_mpp m ON m.region = n.source
        JOIN catalogue_counter c ON c.mpp = m.id AND c.retired_at IS NULL""",
    # services: local ones get their own code and a varied name; ~2 % of each region's services are left out
    f"""INSERT INTO catalogue_service (
            id, code, region, agency, name_id, name_en, description_id, description_en, categories, channels, fee,
            fee_note_id, fee_note_en, sla_days, legal_basis, procedure, form, keywords, output_id, output_en, active,
            updated_at, assurance, hidden, local_note_id, local_note_en, national, version)
        SELECT {_NEW_ID.format(old="s.id")},
               CASE WHEN s.national THEN s.code ELSE left(lower(n.place_slug) || '-' || s.code, 80) END,
               n.code, {_NEW_ID.format(old="s.agency")},
               CASE WHEN s.national THEN s.name_id
                    ELSE left({_REPLACE.format(col="s.name_id")} || ' ' || n.local_suffix, 200) END,
               {_REPLACE.format(col="s.name_en")}, {_REPLACE.format(col="s.description_id")},
               {_REPLACE.format(col="s.description_en")}, s.categories, s.channels, s.fee, s.fee_note_id,
               s.fee_note_en, s.sla_days, s.legal_basis, s.procedure, s.form, s.keywords,
               {_REPLACE.format(col="s.output_id")}, {_REPLACE.format(col="s.output_en")}, s.active, now(),
               s.assurance, s.hidden, {_REPLACE.format(col="s.local_note_id")},
               {_REPLACE.format(col="s.local_note_en")}, s.national, 1
        FROM national_plan n JOIN catalogue_region src ON src.code = n.source
        JOIN catalogue_service s ON s.region = src.code
        WHERE ('x' || substr(md5(n.code || s.code || $1::text), 1, 8))::bit(32)::int::bigint & 65535
              >= $2::int""",
    # requirements of the services copied
    f"""INSERT INTO catalogue_service_requirement (service, document_type, position, optional, note_id, note_en)
        SELECT ns.id, q.document_type, q.position, q.optional, q.note_id, q.note_en
        FROM national_plan n JOIN catalogue_service s ON s.region = n.source
        JOIN catalogue_service ns ON ns.id = {_NEW_ID.format(old="s.id")}
        JOIN catalogue_service_requirement q ON q.service = s.id""",
)
SETTLE_TABLES = ("catalogue_region", "catalogue_mpp", "catalogue_agency", "catalogue_counter", "catalogue_service",
                 "catalogue_service_requirement")  # fmt: skip


@dataclass(frozen=True)
class NationalReport:
    regions: int
    services: int
    seconds: float


async def build_national(
    conn: asyncpg.Connection, *, regions: int = NATIONAL_REGIONS, seed: int = 21
) -> NationalReport:
    """Grow the demo catalogue on ``conn`` to ``regions`` regions (nothing to do if it has as many)."""
    started = time.perf_counter()
    existing = await conn.fetch("SELECT code, place FROM catalogue_region")
    plan = plan_regions(existing, regions, seed)
    rng = random.Random(seed)
    if plan:
        async with conn.transaction():
            await conn.execute(
                """CREATE TEMPORARY TABLE national_plan (code text, name text, name_en text, place text, kind text,
                   province_code text, province_name text, source text, place_slug text, local_suffix text)
                   ON COMMIT DROP"""
            )
            await conn.copy_records_to_table(
                "national_plan",
                records=[
                    (
                        r.code,
                        r.name,
                        r.name_en,
                        r.place,
                        r.kind,
                        r.province_code,
                        r.province_name,
                        r.source,
                        r.place.replace(" ", "-"),
                        rng.choice(_LOCAL_SUFFIXES) + " " + r.place,
                    )
                    for r in plan
                ],
            )
            for statement in COPY_SQL:
                args = (str(seed), int(DROP_SHARE * 65536)) if "$1" in statement else ()
                await conn.execute(statement, *args)
    # As the seed does: the GIN index's pending list flushed and statistics current, so that the planner sees the
    # catalogue as a server that has been up a while would.
    await conn.execute("SELECT gin_clean_pending_list('catalogue_service_search_idx'::regclass)")
    for table in SETTLE_TABLES:
        await conn.execute(f"ANALYZE {table}")
    services = await conn.fetchval("SELECT count(*) FROM catalogue_service WHERE active")
    total = await conn.fetchval("SELECT count(*) FROM catalogue_region")
    return NationalReport(regions=total, services=services, seconds=time.perf_counter() - started)


async def _main(url: str, regions: int, seed: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        report = await build_national(conn, regions=regions, seed=seed)
    finally:
        await conn.close()
    print(f"{report.regions} regions, {report.services} active services ({report.seconds:.1f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("database_url", help="a database the demo seed has filled")
    parser.add_argument("--regions", type=int, default=NATIONAL_REGIONS, help="regions in all (default 514)")
    parser.add_argument("--seed", type=int, default=21, help="random seed of names and variation")
    args = parser.parse_args(argv)
    asyncio.run(_main(args.database_url, args.regions, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
