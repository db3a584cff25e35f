"""Casework at national scale: a generated population, the read paths' latency, and submit throughput.

Creates a fresh database (or reuses one), runs ``mpp migrate`` and ``mpp seed --demo`` on it, and generates a
realistic population with COPY: citizens spread over the 21 regions, wallet documents, and applications over
each region's real services with their timelines and attached documents. Then it measures, in-process on
one connection (as the app's pool sets it up), the officer inbox's first page, a citizen's application list
and an application's detail with its timeline, with EXPLAIN (ANALYZE, BUFFERS) of their statements; and,
against a real ``mpp serve`` on the same database, how many applications per second POST /api/v1/applications
accepts with Idempotency-Keys and the outbox, checking afterwards in the database that nothing was lost or
duplicated.

Anchor: Open Zaak takes 3.9 s to list statuses at 1 million cases. Targets: p95 < 20 ms for each read,
≥ 300 applications/s for submit.

    .venv/bin/python bench/scale_bench.py [--scale 0.01] [--database-url URL] [--reuse NAME] [--keep]
                                          [--markdown FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import queue
import random
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from http_bench import PROJECT, Server, _admin, _raise_interrupt, cpu_model, percentile, redact, with_database
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from api.applications import service as casework
from api.applications.calendar import calendar

FULL_CITIZENS = 1_000_000
FULL_APPLICATIONS = 5_000_000
FULL_DOCUMENTS = 10_000_000
TARGET_P95_MS = 20.0
TARGET_SUBMITS_PER_S = 300.0
ANCHOR = "Open Zaak takes 3.9 s to list statuses at 1 million cases"
# The app's pool (api/lib/db.py) sets these on every connection; the in-process measurements do the same.
APP_SERVER_SETTINGS = {
    "statement_timeout": "15000",
    "application_name": "mpp-scale-bench",
    "plan_cache_mode": "auto",
    "jit": "off",
}
BIG_TABLES = (
    "accounts_account",
    "wallet_document",
    "applications_application",
    "applications_document",
    "applications_event",
)
OPEN = casework.OPEN
OPEN_COUNT_TRIGGERS = (
    "applications_open_count_insert_trg",
    "applications_open_count_update_trg",
    "applications_open_count_delete_trg",
)
console = Console(stderr=True, highlight=False)


def say(text: str) -> None:
    console.print(text, markup=False, soft_wrap=True)


# --- the shape of the population --------------------------------------------------------------------------

# Residents (millions, 2020 census, rounded) of the 21 pilot regions: citizens are spread in proportion.
REGION_POPULATION = {
    "3302": 1.78, "3510": 1.71, "3329": 1.98, "3315": 1.45, "6306": 0.23, "6201": 0.28, "3520": 0.67,
    "1605": 0.40, "3314": 0.98, "3523": 1.20, "1171": 0.25, "2171": 1.20, "1375": 0.12, "7471": 0.35,
    "3371": 0.12, "1872": 0.17, "3576": 0.13, "6472": 0.83, "3372": 0.52, "2172": 0.23, "3471": 0.37,
}  # fmt: skip
# How much of a mall's traffic each agency gets (civil registry and vehicles dominate); others weigh 1.
AGENCY_WEIGHT = {
    "DISDUKCAPIL": 30.0, "SAMSAT": 12.0, "POLRES": 10.0, "DPMPTSP": 10.0, "BPJS_KESEHATAN": 6.0, "BAPENDA": 5.0,
    "KEMENAG": 4.0, "DINKES": 3.0, "DISNAKER": 3.0, "BPN": 3.0, "IMIGRASI": 3.0, "BPJS_KETENAGAKERJAAN": 2.0,
    "DINSOS": 2.0, "KPP": 2.0,
}  # fmt: skip
# Final status of an application: most are done; 15 % are still open (the officers' inboxes).
STATUS_MIX = (
    ("completed", 66.0), ("rejected", 10.0), ("withdrawn", 9.0),
    ("submitted", 4.0), ("in_review", 6.0), ("needs_correction", 2.0), ("approved", 3.0),
)  # fmt: skip
OTHER_REGION_SHARE = 0.08  # applications made in another region than the citizen's own
NO_APPLICATION_SHARE = 0.25  # citizens who have an account but never applied
CORRECTION_ROUND_SHARE = 0.2
HISTORY_DAYS = 3 * 365
# Document types citizens keep in their wallet besides what applications asked for.
FILLER_TYPES = {
    "KTP_EL": 20, "KK": 18, "PAS_FOTO": 10, "AKTA_KELAHIRAN": 8, "NPWP": 6, "IJAZAH": 6, "BUKU_NIKAH": 4,
    "KARTU_JKN": 5, "SIM": 4, "STNK": 4, "BPKB": 2, "SKCK": 3, "TRANSKRIP_NILAI": 2, "SURAT_DOMISILI": 2,
    "KARTU_BPJS_TK": 2, "BUKU_REKENING": 2, "SERTIFIKAT_TANAH": 1, "AKTA_PERKAWINAN": 1, "KIA": 2,
}  # fmt: skip
# Mobile prefixes after +628 ("59" is for the generated officers, "99" for the submit benchmark's citizens).
PHONE_PREFIXES = (
    "11", "12", "13", "21", "22", "23", "51", "52", "53", "55", "56", "57", "58", "77", "78", "81", "82",
    "95", "96", "97", "98",
)  # fmt: skip
NIK_DISTRICTS = 40  # the generated NIKs use district codes 01-40; the submitters use 41-99
GIVEN_MALE = (
    "Budi", "Agus", "Andi", "Rizky", "Dedi", "Eko", "Hendra", "Joko", "Slamet", "Bambang", "Arif", "Fajar",
    "Teguh", "Wahyu", "Yusuf", "Ahmad", "Muhammad", "Rudi", "Sigit", "Bayu", "Dimas", "Gilang", "Ilham", "Irfan",
)  # fmt: skip
GIVEN_FEMALE = (
    "Siti", "Sri", "Dewi", "Rina", "Ani", "Wulan", "Putri", "Ayu", "Fitri", "Indah", "Lestari", "Nur", "Ratna",
    "Yuni", "Maya", "Dian", "Kartika", "Intan", "Nadia", "Rahma", "Tuti", "Endang", "Suci", "Anisa",
)  # fmt: skip
SURNAMES = (
    "Santoso", "Wijaya", "Saputra", "Lestari", "Hidayat", "Kurniawan", "Pratama", "Setiawan", "Nugroho",
    "Susanto", "Rahmawati", "Purnomo", "Siregar", "Nasution", "Harahap", "Simanjuntak", "Wibowo", "Sulistyo",
    "Hakim", "Aminah", "Maulana", "Permana", "Utami", "Handayani", "Rangkuti", "Daulay", "Sembiring",
)  # fmt: skip
CORRECTION_REASONS = (
    "Foto KTP buram, mohon unggah ulang.",
    "Nama pada formulir tidak sesuai KK.",
    "Dokumen pendukung belum lengkap.",
    "Alamat belum mencantumkan RT/RW.",
)
REJECT_REASONS = (
    "Persyaratan tidak terpenuhi.",
    "Data kependudukan tidak ditemukan.",
    "Permohonan ganda.",
)
WITHDRAW_REASONS = ("Salah memilih layanan.", "Sudah diurus di loket.", None)
MEDIA_TYPES = {"jpeg": "image/jpeg", "pdf": "application/pdf", "png": "image/png", "webp": "image/webp"}
NONCE = bytes(range(12))  # dummy: no blob is stored, nothing is ever decrypted
WRAPPED_KEY = bytes(range(60))

ACCOUNT_COLUMNS = (
    "id", "phone", "nik", "name", "email", "language", "roles", "agency", "region", "kk", "birth_date", "address",
    "status", "created_at", "updated_at",
)  # fmt: skip
DOCUMENT_COLUMNS = (
    "id", "owner", "document_type", "status", "title", "format", "media_type", "size", "pages", "content_hash",
    "blob_key", "nonce", "wrapped_key", "key_id", "version", "issued_by", "valid_until", "reminded_at",
    "created_at", "updated_at",
)  # fmt: skip
APPLICATION_COLUMNS = (
    "id", "number", "service", "agency", "region", "applicant", "subject_nik", "subject_name", "status", "answers",
    "sla_days", "submitted_at", "due_date", "paused_since", "assigned_to", "correction_reason", "decision_reason",
    "result_document", "version", "idempotency_key", "request_hash", "flagged", "created_at", "updated_at",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "application", "at", "actor", "actor_role", "from_status", "to_status", "action", "reason", "detail",
)  # fmt: skip
APPLICATION_DOCUMENT_COLUMNS = ("id", "application", "document", "requirement")
# Tables in the order their rows must arrive (foreign keys), with their columns and a label.
TABLES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("accounts_account", ACCOUNT_COLUMNS, "accounts"),
    ("wallet_document", DOCUMENT_COLUMNS, "documents"),
    ("applications_application", APPLICATION_COLUMNS, "applications"),
    ("applications_document", APPLICATION_DOCUMENT_COLUMNS, "application documents"),
    ("applications_event", EVENT_COLUMNS, "timeline events"),
)

Row = tuple[Any, ...]


# --- the catalogue the population uses ------------------------------------------------------------------


@dataclass(frozen=True)
class DocType:
    code: str
    name: str
    format: str
    validity_months: int | None


@dataclass(frozen=True)
class ServiceInfo:
    id: uuid.UUID
    code: str
    region: str
    agency: uuid.UUID
    agency_code: str
    sla_days: int
    requirements: tuple[str, ...]  # document types, required ones first
    answers: tuple[str, ...]  # JSON with __NIK__, __PHONE__ and __NAME__ to fill in
    result_type: str
    result_title: str


@dataclass
class Catalogue:
    regions: dict[str, tuple[str, str]]  # code: (name, province name)
    services: dict[str, list[ServiceInfo]]  # by region
    cum_weights: dict[str, list[float]]  # by region, for random.choices
    doc_types: dict[str, DocType]
    agency_weight: dict[uuid.UUID, float] = field(default_factory=dict)  # expected share of all applications


def _answer_value(spec: dict[str, Any], variant: int, region: tuple[str, str]) -> Any:
    kind = spec.get("type")
    if kind == "select":
        options = spec.get("options") or [{"value": "lainnya"}]
        return options[variant % len(options)]["value"]
    if kind == "number":
        return (spec.get("min") or 1) + variant
    if kind == "date":
        return f"202{4 + variant % 2}-0{1 + variant}-15"
    if kind == "nik":
        return "__NIK__"
    if kind == "phone":
        return "__PHONE__"
    if kind == "email":
        return "warga@example.id"
    if kind == "address":
        return {
            "street": f"Jl. Merdeka No. {variant + 3}",
            "rtRw": f"00{variant + 1}/00{variant + 2}",
            "village": "Kelurahan Sukamaju",
            "district": "Kecamatan Kota",
            "regency": region[0],
            "province": region[1],
        }
    if kind == "textarea":
        return "Mohon diproses, terima kasih."
    name = str(spec.get("name", "")).lower()
    if "name" in name or "nama" in name:
        return "__NAME__"
    if "number" in name or "nomor" in name or name.endswith("no"):
        return f"{variant + 1}0{variant + 4}2{variant + 7}81"
    return "Sesuai dokumen terlampir"


def answer_templates(form: list[dict[str, Any]], region: tuple[str, str]) -> tuple[str, ...]:
    """Three small answer sets for a form (at most six fields, optional ones sometimes left out)."""
    variants = []
    for variant in range(3):
        answers = {
            f["name"]: _answer_value(f, variant, region) for f in form[:6] if f.get("required", True) or variant == 0
        }
        variants.append(json.dumps(answers, ensure_ascii=False))
    return tuple(variants)


async def load_catalogue(conn: asyncpg.Connection) -> Catalogue:
    regions = {r["code"]: (r["name"], r["province_name"]) for r in await conn.fetch("SELECT * FROM catalogue_region")}
    doc_types = {}
    for r in await conn.fetch("SELECT code, name_id, formats, validity_months FROM catalogue_document_type"):
        formats = list(r["formats"]) or ["pdf"]
        fmt = "jpeg" if "jpeg" in formats else "pdf" if "pdf" in formats else formats[0]
        doc_types[r["code"]] = DocType(r["code"], r["name_id"][:120], fmt, r["validity_months"])
    requirements: dict[uuid.UUID, list[tuple[str, bool]]] = {}
    for r in await conn.fetch(
        "SELECT service, document_type, optional FROM catalogue_service_requirement ORDER BY service, position"
    ):
        requirements.setdefault(r["service"], []).append((r["document_type"], r["optional"]))
    output_types = casework.output_types()
    services: dict[str, list[ServiceInfo]] = {}
    cum_weights: dict[str, list[float]] = {}
    agency_weight: dict[uuid.UUID, float] = {}
    rows = await conn.fetch(
        """SELECT s.id, s.code, s.region, s.agency, g.code AS agency_code, s.sla_days, s.form, s.name_id,
                  s.output_id
           FROM catalogue_service s JOIN catalogue_agency g ON g.id = s.agency
           WHERE s.active ORDER BY s.region, g.code, md5(s.code)"""
    )
    rank: dict[tuple[str, str], int] = {}
    weights: dict[str, list[float]] = {}
    for r in rows:
        reqs = requirements.get(r["id"], [])
        if not reqs:
            continue  # every application here carries 1-3 documents
        ordered = [t for t, optional in reqs if not optional] + [t for t, optional in reqs if optional]
        info = ServiceInfo(
            id=r["id"],
            code=r["code"],
            region=r["region"],
            agency=r["agency"],
            agency_code=r["agency_code"],
            sla_days=r["sla_days"],
            requirements=tuple(t for t in ordered if t in doc_types),
            answers=answer_templates(json.loads(r["form"]), regions[r["region"]]),
            result_type=output_types.get(r["code"], "HASIL_LAYANAN"),
            result_title=(r["output_id"] or r["name_id"])[:90],
        )
        if not info.requirements:
            continue
        # Within an agency, a few services take most of the traffic (Zipf over a stable, arbitrary order).
        key = (r["region"], r["agency_code"])
        rank[key] = rank.get(key, 0) + 1
        weight = AGENCY_WEIGHT.get(r["agency_code"], 1.0) / rank[key] ** 1.1
        services.setdefault(r["region"], []).append(info)
        weights.setdefault(r["region"], []).append(weight)
    total_population = sum(REGION_POPULATION.get(code, 0.5) for code in services)
    for region, region_weights in weights.items():
        cumulative, running = [], 0.0
        for w in region_weights:
            running += w
            cumulative.append(running)
        cum_weights[region] = cumulative
        share = REGION_POPULATION.get(region, 0.5) / total_population
        for info, w in zip(services[region], region_weights, strict=True):
            agency_weight[info.agency] = agency_weight.get(info.agency, 0.0) + share * w / running
    return Catalogue(regions, services, cum_weights, doc_types, agency_weight)


# --- the generator --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    citizens: int
    applications: int
    documents: int


@dataclass
class Counters:
    rows: dict[str, int] = field(default_factory=lambda: {t: 0 for t, _, _ in TABLES})
    citizens: int = 0
    officers: int = 0
    documents: int = 0
    applications: int = 0


Batch = dict[str, list[Row]]

# The actions that lead to each final status (the service's TRANSITIONS), before an optional draft and
# correction round are added.
CHAINS: dict[str, tuple[str, ...]] = {
    "submitted": ("submit",),
    "in_review": ("submit", "start_review"),
    "needs_correction": ("submit", "start_review", "request_correction"),
    "approved": ("submit", "start_review", "approve"),
    "completed": ("submit", "start_review", "approve", "complete"),
    "rejected": ("submit", "start_review", "reject"),
    "withdrawn": ("submit", "start_review", "withdraw"),
}
CITIZEN_ACTIONS = {"draft", "submit", "resubmit", "withdraw"}
TARGET_STATUS = {action: target for action, (_, target, _) in casework.TRANSITIONS.items()} | {"draft": "draft"}


class Population:
    """Yields the rows of the population in batches, parents before children, never holding much more."""

    def __init__(self, catalogue: Catalogue, sizes: Sizes, *, seed: int, batch_rows: int) -> None:
        self.cat = catalogue
        self.sizes = sizes
        self.rng = random.Random(seed)
        self.batch_rows = batch_rows
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.calendar = calendar()
        self.counters = Counters()
        self.regions = sorted(catalogue.services)
        population = [REGION_POPULATION.get(code, 0.5) for code in self.regions]
        self.region_cum = [sum(population[: i + 1]) for i in range(len(population))]
        self.status_names = [s for s, _ in STATUS_MIX]
        self.status_cum = [sum(w for _, w in STATUS_MIX[: i + 1]) for i in range(len(STATUS_MIX))]
        self.filler_types = [t for t in FILLER_TYPES if t in catalogue.doc_types]
        self.filler_cum = [
            sum(FILLER_TYPES[t] for t in self.filler_types[: i + 1]) for i in range(len(self.filler_types))
        ]
        self.officers: dict[uuid.UUID, list[uuid.UUID]] = {}
        self.addresses = {code: self._addresses(code) for code in self.regions}
        self.number = 0
        self.event_id = 0
        self.app_doc_id = 0
        self.buffer: Batch = {t: [] for t, _, _ in TABLES}
        self.buffered = 0

    # -- helpers

    def _addresses(self, region: str) -> list[str]:
        name, province = self.cat.regions[region]
        return [
            json.dumps(
                {
                    "street": f"Jl. {street} No. {n}",
                    "rtRw": f"{n % 9 + 1:03d}/{n % 7 + 1:03d}",
                    "village": f"Kelurahan {village}",
                    "district": f"Kecamatan {village}",
                    "regency": name,
                    "province": province,
                    "postcode": f"{int(region) * 10 % 90000 + 10000 + n:05d}",
                }
            )
            for n, (street, village) in enumerate(
                (s, v)
                for s in ("Merdeka", "Sudirman", "Diponegoro", "Gatot Subroto", "Ahmad Yani")
                for v in ("Sukamaju", "Karanganyar", "Sidorejo", "Kebonsari")
            )
        ]

    def _ago(self, max_days: float, min_days: float = 0.0) -> dt.datetime:
        return self.now - dt.timedelta(seconds=int(86400 * (min_days + self.rng.random() * (max_days - min_days))))

    def _hex(self, bits: int) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def _add(self, table: str, row: Row) -> None:
        self.buffer[table].append(row)
        self.buffered += 1

    def _flush(self) -> Batch:
        batch, self.buffer, self.buffered = self.buffer, {t: [] for t, _, _ in TABLES}, 0
        # Rows of one citizen land on different pages, as they would after years of use.
        for table in ("wallet_document", "applications_application", "applications_document", "applications_event"):
            self.rng.shuffle(batch[table])
        for table, rows in batch.items():
            self.counters.rows[table] += len(rows)
        return batch

    def _document(
        self,
        owner: uuid.UUID,
        type_code: str,
        status: str,
        created: dt.datetime,
        *,
        issued_by: uuid.UUID | None = None,
        title: str | None = None,
    ) -> uuid.UUID:
        doc_type = self.cat.doc_types[type_code]
        doc_id = uuid.uuid4()
        fmt = "pdf" if issued_by is not None else doc_type.format
        valid_until = reminded = None
        if doc_type.validity_months:
            valid_until = created + dt.timedelta(days=30 * doc_type.validity_months)
            if valid_until <= self.now + dt.timedelta(days=30):
                # A running server has already sent the expiry reminder (housekeeping marks it).
                reminded = max(created, valid_until - dt.timedelta(days=30))
        self._add(
            "wallet_document",
            (
                doc_id,
                owner,
                type_code,
                status,
                title or doc_type.name,
                fmt,
                MEDIA_TYPES.get(fmt, "application/pdf"),
                self.rng.randint(40_000, 1_800_000) if issued_by is None else self.rng.randint(30_000, 90_000),
                self.rng.randint(1, 4) if fmt == "pdf" else None,
                self._hex(256),
                f"documents/{doc_id}/v1",
                NONCE,
                WRAPPED_KEY,
                "bench",
                1,
                issued_by,
                valid_until,
                reminded,
                created,
                created,
            ),
        )
        self.counters.documents += 1
        return doc_id

    # -- officers

    def officer_batches(self) -> Iterator[Batch]:
        """Officers (and a supervisor) for every agency, as many as its expected open caseload needs."""
        agencies: dict[uuid.UUID, str] = {}
        for services in self.cat.services.values():
            for s in services:
                agencies[s.agency] = s.region
        index = 0
        for agency, region in sorted(agencies.items(), key=lambda kv: str(kv[0])):
            share = self.cat.agency_weight.get(agency, 0.0)
            open_cases = share * self.sizes.applications * 0.15
            count = max(2, min(300, round(open_cases / 400)))
            ids = []
            for n in range(count + 1):
                index += 1
                account = uuid.uuid4()
                role = "supervisor" if n == count else "officer"
                if role == "officer":
                    ids.append(account)
                given = self.rng.choice(GIVEN_MALE + GIVEN_FEMALE)
                self._add(
                    "accounts_account",
                    (
                        account,
                        f"+62859{(index * 7919 + 1234567) % 10**8:08d}",
                        None,
                        f"{given} {self.rng.choice(SURNAMES)}",
                        None,
                        "id",
                        [role],
                        agency,
                        region,
                        None,
                        None,
                        None,
                        "active",
                        self._ago(HISTORY_DAYS + 200, HISTORY_DAYS),
                        self._ago(HISTORY_DAYS + 200, HISTORY_DAYS),
                    ),
                )
            self.officers[agency] = ids
        self.counters.officers = index
        yield self._flush()

    # -- citizens

    def citizen_batches(self) -> Iterator[Batch]:
        sizes, rng = self.sizes, self.rng
        in_region = dict.fromkeys(self.regions, 0)
        apps_done = docs_done = 0
        overshoot = 1.5
        for i in range(sizes.citizens):
            region = rng.choices(self.regions, cum_weights=self.region_cum)[0]
            k = in_region[region]
            in_region[region] = k + 1
            left = sizes.citizens - i
            if left == 1:
                n_apps = max(0, sizes.applications - apps_done)
            else:
                mean = (sizes.applications - apps_done) / left
                if rng.random() < NO_APPLICATION_SHARE or mean <= 0:
                    n_apps = 0
                else:
                    beyond_one = mean / (1 - NO_APPLICATION_SHARE) - 1
                    n_apps = 1 + (min(60, int(rng.expovariate(1 / beyond_one))) if beyond_one > 0 else 0)
                    n_apps = min(n_apps, sizes.applications - apps_done)
            # A citizen holds what their applications needed, topped up to a random number of documents. The
            # top-up aims below the mean by what the needed documents overshoot on average (measured as we go),
            # so that the total comes out at --documents.
            remaining = sizes.documents - docs_done
            aim = max(0.5, remaining / left - overshoot)
            wanted = remaining if left == 1 else round(rng.uniform(0.3, 1.7) * aim)
            held = self._citizen(region, k, i, n_apps, wanted)
            overshoot += 0.002 * (held - wanted - overshoot)
            docs_done += held
            apps_done += n_apps
            self.counters.citizens += 1
            if self.buffered >= self.batch_rows:
                yield self._flush()
        if self.buffered:
            yield self._flush()

    def _citizen(self, region: str, k: int, index: int, n_apps: int, wanted: int) -> int:
        """One citizen with their applications and documents; returns how many documents they hold."""
        rng = self.rng
        if k >= NIK_DISTRICTS * 9999:
            raise RuntimeError(f"region {region} has more citizens than the NIK scheme here can number")
        citizen = uuid.uuid4()
        female = rng.random() < 0.5
        birth = dt.date(1945, 1, 1) + dt.timedelta(days=rng.randrange(63 * 365))
        day = birth.day + (40 if female else 0)
        # NIK: region, district, birth date (women +40 on the day), serial; (district, serial) is unique per region.
        district, serial = 1 + k % NIK_DISTRICTS, 1 + k // NIK_DISTRICTS
        nik = f"{region}{district:02d}{day:02d}{birth:%m%y}{serial:04d}"
        family = k // 2  # two adults with an account per family card
        issued = f"{1 + family % 28:02d}{1 + family % 12:02d}{10 + family % 14:02d}"
        kk = f"{region}{1 + family % NIK_DISTRICTS:02d}{issued}{1 + (family // NIK_DISTRICTS) % 9999:04d}"
        phone = f"+628{PHONE_PREFIXES[index % len(PHONE_PREFIXES)]}{(index * 7919 + 7654321) % 10**8:08d}"
        given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
        name = f"{given} {rng.choice(SURNAMES)}" if rng.random() < 0.8 else given
        created = self._ago(HISTORY_DAYS + 300)
        plans = []
        for _ in range(n_apps):
            if rng.random() < OTHER_REGION_SHARE:
                app_region = rng.choices(self.regions, cum_weights=self.region_cum)[0]
            else:
                app_region = region
            svc = rng.choices(self.cat.services[app_region], cum_weights=self.cat.cum_weights[app_region])[0]
            status = rng.choices(self.status_names, cum_weights=self.status_cum)[0]
            if status in OPEN:
                # Open cases were submitted recently enough that their deadlines fall around today.
                submitted = self._ago(2.0 if svc.sla_days == 0 else svc.sla_days * 1.4 + 7)
            else:
                submitted = self._ago(HISTORY_DAYS, 20)
            plans.append((submitted, svc, status))
        plans.sort(key=lambda p: p[0])
        if plans:
            created = min(created, plans[0][0] - dt.timedelta(days=1 + 60 * rng.random()))
        self._add(
            "accounts_account",
            (
                citizen,
                phone,
                nik,
                name,
                f"{given.lower()}{index}@example.id" if rng.random() < 0.3 else None,
                "en" if rng.random() < 0.05 else "id",
                ["citizen"],
                None,
                None,
                kk,
                birth,
                rng.choice(self.addresses[region]) if rng.random() < 0.7 else None,
                "active",
                created,
                created,
            ),
        )
        held: dict[str, uuid.UUID] = {}
        documents = 0
        for submitted, svc, status in plans:
            documents += self._application(citizen, nik, name, phone, svc, status, submitted, held)
        for _ in range(max(0, wanted - documents)):
            doc_type = rng.choices(self.filler_types, cum_weights=self.filler_cum)[0]
            status = "verified" if rng.random() < 0.55 else "uploaded"
            self._document(citizen, doc_type, status, created + (self.now - created) * rng.random())
            documents += 1
        return documents

    def _application(
        self,
        citizen: uuid.UUID,
        nik: str,
        name: str,
        phone: str,
        svc: ServiceInfo,
        status: str,
        submitted: dt.datetime,
        held: dict[str, uuid.UUID],
    ) -> int:
        """One application with its timeline and attachments; returns how many documents it created."""
        rng, cal = self.rng, self.calendar
        app_id = uuid.uuid4()
        created_docs = 0
        chain = list(CHAINS[status])
        if status in ("rejected", "withdrawn") and rng.random() < 0.4:
            chain.remove("start_review")  # decided or withdrawn before anyone opened it
        if "start_review" in chain and rng.random() < CORRECTION_ROUND_SHARE and len(chain) <= 4:
            review = chain.index("start_review") + 1
            chain[review:review] = ["request_correction", "resubmit"]
        if len(chain) < 2 or (len(chain) < 6 and rng.random() < 0.7):
            chain.insert(0, "draft")
        # When each step happened: closed cases took a while; open ones are still going on now.
        if status in OPEN:
            end = self.now - dt.timedelta(minutes=1)
        else:
            end = min(self.now, submitted + dt.timedelta(days=0.2 + rng.random() * (svc.sla_days * 1.4 + 3)))
        later = chain.index("submit") + 1
        span = max(60.0, (end - submitted).total_seconds())
        offsets = sorted(rng.random() * span for _ in chain[later:])
        times = [submitted - dt.timedelta(seconds=rng.randint(120, 172_800))] if chain[0] == "draft" else []
        times.append(submitted)
        times += [submitted + dt.timedelta(seconds=o) for o in offsets]
        officer = rng.choice(self.officers[svc.agency])
        due = cal.add_working_days(submitted.date(), svc.sla_days)
        paused_since = correction_reason = decision_reason = result_document = None
        self.number += 1
        number = f"{svc.region}-{submitted:%y%m}-{self.number:06d}"
        state: str | None = None
        asked_on: dt.date | None = None
        for action, at in zip(chain, times, strict=True):
            target = TARGET_STATUS[action]
            reason = None
            detail = "{}"
            if action == "submit":
                detail = f'{{"due": "{due.isoformat()}", "mandate": null}}'
            elif action == "request_correction":
                reason = correction_reason = rng.choice(CORRECTION_REASONS)
                asked_on = paused_since = at.date()
            elif action == "resubmit" and asked_on is not None:
                paused = cal.working_days_between(asked_on, at.date())
                due = cal.add_working_days(due, paused) if paused else due
                detail = f'{{"paused_working_days": {paused}, "due": "{due.isoformat()}"}}'
                paused_since = correction_reason = None
            elif action == "reject":
                reason = decision_reason = rng.choice(REJECT_REASONS)
            elif action == "withdraw":
                reason = rng.choice(WITHDRAW_REASONS)
            elif action == "complete":
                result_document = self._document(
                    citizen,
                    svc.result_type,
                    "issued",
                    at,
                    issued_by=svc.agency,
                    title=f"{svc.result_title} - {number}"[:120],
                )
                created_docs += 1
            by_citizen = action in CITIZEN_ACTIONS
            self.event_id += 1
            self._add(
                "applications_event",
                (
                    self.event_id,
                    app_id,
                    at,
                    citizen if by_citizen else officer,
                    "citizen" if by_citizen else "officer",
                    state,
                    target,
                    action,
                    reason,
                    detail,
                ),
            )
            state = target
        assert state == status, (chain, status)
        reviewed = any(a not in CITIZEN_ACTIONS for a in chain)
        assigned = officer if reviewed or rng.random() < 0.3 else None
        # The documents the service asks for: the wallet's copy when there is one, else a new upload.
        # Mostly one or two, and the ones already in the wallet first: people reuse their KTP and KK.
        wanted = 1 + (rng.random() < 0.35) + (rng.random() < 0.1)
        candidates = sorted(svc.requirements[:3], key=lambda t: t not in held)
        for requirement in candidates[:wanted]:
            doc = held.get(requirement)
            if doc is None:
                doc_status = "verified" if rng.random() < 0.7 else "uploaded"
                uploaded = times[0] - dt.timedelta(seconds=rng.randint(60, 30 * 86400))
                doc = held[requirement] = self._document(citizen, requirement, doc_status, uploaded)
                created_docs += 1
            self.app_doc_id += 1
            self._add("applications_document", (self.app_doc_id, app_id, doc, requirement))
        self._add(
            "applications_application",
            (
                app_id,
                number,
                svc.id,
                svc.agency,
                svc.region,
                citizen,
                nik,
                name,
                status,
                rng.choice(svc.answers).replace("__NIK__", nik).replace("__PHONE__", phone).replace("__NAME__", name),
                svc.sla_days,
                submitted,
                due,
                paused_since,
                assigned,
                correction_reason,
                decision_reason,
                result_document,
                len(chain),
                self._hex(128),
                self._hex(256),
                rng.random() < 0.001,
                times[0],
                times[-1],
            ),
        )
        self.counters.applications += 1
        return created_docs


# --- loading --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexDef:
    table: str
    name: str
    definition: str  # CREATE INDEX …, or the constraint's definition when ``constraint``
    constraint: bool

    def drop(self) -> str:
        if self.constraint:
            return f'ALTER TABLE {self.table} DROP CONSTRAINT "{self.name}"'
        return f'DROP INDEX "{self.name}"'

    def create(self) -> str:
        if self.constraint:
            return f'ALTER TABLE {self.table} ADD CONSTRAINT "{self.name}" {self.definition}'
        return self.definition


async def secondary_indexes(conn: asyncpg.Connection) -> list[IndexDef]:
    """Every index of the big tables except their primary keys, as the migrations created them."""
    rows = await conn.fetch(
        """SELECT t.relname AS table, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS indexdef,
                  c.conname, pg_get_constraintdef(c.oid) AS condef
           FROM pg_index i
           JOIN pg_class t ON t.oid = i.indrelid
           JOIN pg_class ic ON ic.oid = i.indexrelid
           LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = t.oid AND c.contype IN ('u', 'x')
           WHERE t.relname = ANY($1::text[]) AND NOT i.indisprimary
           ORDER BY t.relname, ic.relname""",
        list(BIG_TABLES),
    )
    return [
        IndexDef(r["table"], r["name"], r["condef"] if r["conname"] else r["indexdef"], r["conname"] is not None)
        for r in rows
    ]


async def recreatable(conn: asyncpg.Connection, index: IndexDef) -> bool:
    """Whether replaying the index's definition gives back the very same index.

    Not always: the migrations' ``WHERE status IN ('submitted', …)`` comes back from pg_get_indexdef as an
    expression that, replayed, is stored with different casts — equivalent, but not the same tree, and the
    planner proves partial-index predicates on trees. Such indexes stay in place during the load.
    """
    if index.constraint:
        return True
    probe = "scale_bench_probe_idx"
    transaction = conn.transaction()
    await transaction.start()
    try:
        await conn.execute(index.definition.replace(f"INDEX {index.name} ON", f"INDEX {probe} ON", 1))
        replayed: str = await conn.fetchval("SELECT pg_get_indexdef($1::regclass)", probe)
        return replayed.replace(f"INDEX {probe} ON", f"INDEX {index.name} ON", 1) == index.definition
    finally:
        await transaction.rollback()


class Reporter:
    """A rich progress bar on a terminal; a plain line every 30 s otherwise (nohup, CI logs)."""

    def __init__(self, sizes: Sizes) -> None:
        self.sizes = sizes
        self.started = time.monotonic()
        self.last_line = self.started
        self.live = console.is_terminal
        self.progress = Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=console,
            disable=not self.live,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> Reporter:
        self.progress.start()
        estimates = {
            "accounts_account": self.sizes.citizens,
            "wallet_document": self.sizes.documents,
            "applications_application": self.sizes.applications,
            "applications_document": round(self.sizes.applications * 1.6),
            "applications_event": round(self.sizes.applications * 4.4),
        }
        for table, _, label in TABLES:
            self.tasks[table] = self.progress.add_task(label, total=estimates[table], rate="")
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, copied: dict[str, int]) -> None:
        elapsed = max(1e-6, time.monotonic() - self.started)
        for table, count in copied.items():
            task = self.tasks[table]
            total = self.progress.tasks[task].total or 0
            self.progress.update(task, completed=count, total=max(total, count), rate=f"{count / elapsed:,.0f} rows/s")
        if not self.live and time.monotonic() - self.last_line >= 30:
            self.last_line = time.monotonic()
            done = ", ".join(f"{label} {copied[t]:,}" for t, _, label in TABLES)
            share = copied["accounts_account"] / max(1, self.sizes.citizens)
            say(f"  … {elapsed:,.0f} s: {done} ({share:.0%} of the citizens)")


@dataclass
class Phase:
    name: str
    seconds: float
    note: str = ""


async def copy_population(conn: asyncpg.Connection, population: Population) -> dict[str, int]:
    """Generate on a thread and COPY on the event loop, so that generating and PostgreSQL's work overlap."""
    batches: queue.Queue[Batch | BaseException | None] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for source in (population.officer_batches(), population.citizen_batches()):
                for batch in source:
                    while not stop.is_set():
                        try:
                            batches.put(batch, timeout=0.5)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
            batches.put(None)
        except BaseException as exc:  # handed to the consumer, which raises it
            batches.put(exc)

    copied = {t: 0 for t, _, _ in TABLES}
    producer = threading.Thread(target=produce, name="population", daemon=True)
    producer.start()
    try:
        with Reporter(population.sizes) as reporter:
            while True:
                item = await asyncio.to_thread(batches.get)
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                for table, columns, _ in TABLES:
                    rows = item[table]
                    if rows:
                        await conn.copy_records_to_table(table, records=rows, columns=columns)
                        copied[table] += len(rows)
                        reporter.update(copied)
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            batches.get_nowait()  # unblock a producer waiting to put
        producer.join(timeout=10)
    return copied


async def generate(url: str, sizes: Sizes, args: argparse.Namespace, phases: list[Phase]) -> Counters:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        await conn.execute("SET synchronous_commit = off")
        await conn.execute("SET maintenance_work_mem = '1GB'")
        catalogue = await load_catalogue(conn)
        before = await secondary_indexes(conn)
        indexes = [] if args.keep_indexes else [i for i in before if await recreatable(conn, i)]
        started = time.monotonic()
        if indexes:
            kept = sorted({i.name for i in before} - {i.name for i in indexes})
            say(f"dropping {len(indexes)} secondary indexes of the big tables for the load (kept: {', '.join(kept)})")
            for index in indexes:
                await conn.execute(index.drop())
        # Autovacuum would chase the load on 2 cores; it is switched back on below, and VACUUM ANALYZE follows.
        for table in BIG_TABLES:
            await conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        # The open-case counts are kept by row triggers; for a bulk load they are counted once afterwards.
        for trigger in OPEN_COUNT_TRIGGERS:
            await conn.execute(f"ALTER TABLE applications_application DISABLE TRIGGER {trigger}")
        population = Population(catalogue, sizes, seed=args.seed, batch_rows=args.batch_rows)
        try:
            copied = await copy_population(conn, population)
        finally:
            for table in BIG_TABLES:
                await conn.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
            for trigger in OPEN_COUNT_TRIGGERS:
                await conn.execute(f"ALTER TABLE applications_application ENABLE TRIGGER {trigger}")
        await conn.execute("SELECT applications_open_count_rebuild()")
        load_s = time.monotonic() - started
        total = sum(copied.values())
        phases.append(Phase("generate + COPY", load_s, f"{total:,} rows, {total / load_s:,.0f} rows/s"))
        say(f"COPY done: {total:,} rows in {load_s:,.0f} s ({total / load_s:,.0f} rows/s)")
        await conn.execute("SELECT setval('applications_number_seq', $1)", population.number)
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence('applications_event', 'id'), $1)", max(1, population.event_id)
        )
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence('applications_document', 'id'), $1)", max(1, population.app_doc_id)
        )
        if indexes:
            started = time.monotonic()
            for index in indexes:
                began = time.monotonic()
                await conn.execute(index.create())
                say(f"  recreated {index.name} in {time.monotonic() - began:,.1f} s")
            again = await secondary_indexes(conn)
            if set(again) != set(before):
                raise RuntimeError(f"the indexes differ from the migrations' definitions: {set(again) ^ set(before)}")
            note = f"{len(indexes)} of {len(before)}, definitions identical to the migrations'"
            phases.append(Phase("recreate indexes", time.monotonic() - started, note))
        started = time.monotonic()
        say("VACUUM ANALYZE …")
        await conn.execute("VACUUM ANALYZE")
        phases.append(Phase("VACUUM ANALYZE", time.monotonic() - started))
        return population.counters
    finally:
        await conn.close()


# --- the database ---------------------------------------------------------------------------------------


def mpp_command(command: list[str], url: str, data_dir: Path) -> str:
    mpp = Path(sys.executable).with_name("mpp")
    env = {**os.environ, "DATABASE_URL": url, "MPP_DATA_DIR": str(data_dir), "MPP_ENV": "dev"}
    done = subprocess.run(
        [str(mpp) if mpp.exists() else "mpp", *command],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"mpp {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


@dataclass
class TableSize:
    table: str
    rows: int
    bytes: int


async def table_sizes(url: str) -> tuple[list[TableSize], int]:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        sizes = []
        for table in (*BIG_TABLES, "outbox_message"):
            rows = await conn.fetchval(f"SELECT count(*) FROM {table}")  # exact: the report states row counts
            size = await conn.fetchval("SELECT pg_total_relation_size($1::regclass)", table)
            sizes.append(TableSize(table, rows, size))
        total: int = await conn.fetchval("SELECT pg_database_size(current_database())")
        return sizes, total
    finally:
        await conn.close()


# --- in-process query latency ---------------------------------------------------------------------------


class RecordingConnection(asyncpg.Connection):  # type: ignore[misc]
    """A connection that can note the statements the service functions send, to EXPLAIN or count them."""

    recorded: list[tuple[str, str, tuple[Any, ...]]] | None = None  # (method, SQL, arguments)

    def _note(self, method: str, query: str, args: tuple[Any, ...]) -> None:
        if self.recorded is not None:
            self.recorded.append((method, query, args))

    async def fetch(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self._note("fetch", query, args)
        return await super().fetch(query, *args, **kwargs)

    async def fetchrow(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self._note("fetchrow", query, args)
        return await super().fetchrow(query, *args, **kwargs)

    async def fetchval(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self._note("fetchval", query, args)
        return await super().fetchval(query, *args, **kwargs)

    async def execute(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self._note("execute", query, args)
        return await super().execute(query, *args, **kwargs)

    async def executemany(self, command: str, args: Any, **kwargs: Any) -> Any:
        rows = list(args)
        self._note("executemany", command, (len(rows),))  # asyncpg pipelines the rows: one statement here
        return await super().executemany(command, rows, **kwargs)


@dataclass
class Latency:
    label: str
    samples: list[float]  # ms, sorted

    def pct(self, p: float) -> float:
        return percentile(self.samples, p)

    @property
    def passed(self) -> bool:
        return self.pct(95) < TARGET_P95_MS


@dataclass
class Explained:
    label: str
    what: str  # which case was explained
    plans: list[tuple[str, list[str]]]  # (statement, plan lines)


def index_lines(plan: list[str]) -> list[str]:
    keep = ("Index", "Seq Scan", "Bitmap", "Heap Blocks", "Heap Fetches", "Execution Time", "Sort Method", "Limit")
    return [line.rstrip() for line in plan if any(k in line for k in keep)]


def one_line(sql: str) -> str:
    return " ".join(sql.split())


async def explain(conn: RecordingConnection, call: Callable[[], Awaitable[object]]) -> list[tuple[str, list[str]]]:
    conn.recorded = []
    try:
        await call()
        statements = [(sql, args) for method, sql, args in conn.recorded if method.startswith("fetch")]
    finally:
        conn.recorded = None
    plans = []
    for sql, args in statements:
        rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)
        plans.append((one_line(sql), [r[0] for r in rows]))
    return plans


@dataclass
class QueryResults:
    rows: list[Latency]
    explained: list[Explained]
    notes: list[str]


async def measure_queries(url: str, samples: int, warmup: int, seed: int) -> QueryResults:
    rng = random.Random(seed + 1)
    conn: RecordingConnection = await asyncpg.connect(
        url, timeout=10, server_settings=APP_SERVER_SETTINGS, connection_class=RecordingConnection
    )
    try:
        await conn.execute("SET statement_timeout = 0")  # the sampling below reads whole tables
        officers = [
            casework.Officer(id=r["id"], agency_code=r["code"], region=r["region"])
            for r in await conn.fetch(
                """SELECT a.id, g.code, a.region FROM accounts_account a JOIN catalogue_agency g ON g.id = a.agency
                   WHERE a.roles @> ARRAY['officer']::varchar[]"""
            )
        ]
        if not officers:
            raise RuntimeError("no officers in this database: was it generated by this script?")
        # Every officer equally likely: big agencies have more officers, so they are asked more often.
        want = samples + warmup
        accounts = await conn.fetchval("SELECT reltuples::bigint FROM pg_class WHERE relname = 'accounts_account'")
        pct = min(100.0, 100.0 * want * 3 / max(1, accounts))
        citizens = [
            r["id"]
            for r in await conn.fetch(
                f"""SELECT a.id FROM accounts_account a TABLESAMPLE BERNOULLI ({pct:.6f}) REPEATABLE ({seed})
                    WHERE EXISTS (SELECT 1 FROM applications_application x WHERE x.applicant = a.id)"""
            )
        ]
        applications_n = await conn.fetchval(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = 'applications_application'"
        )
        pct = min(100.0, 100.0 * want * 2 / max(1, applications_n))
        applications = [
            (r["id"], r["applicant"])
            for r in await conn.fetch(
                f"""SELECT id, applicant FROM applications_application TABLESAMPLE BERNOULLI ({pct:.6f})
                    REPEATABLE ({seed})"""
            )
        ]
        if not citizens or not applications:
            raise RuntimeError("no applications to sample")
        busiest = await conn.fetchrow(
            """SELECT g.code, g.region, count(*) AS open FROM applications_application a
               JOIN catalogue_agency g ON g.id = a.agency
               WHERE a.status IN ('submitted', 'in_review', 'needs_correction', 'approved')
               GROUP BY g.code, g.region ORDER BY count(*) DESC LIMIT 1"""
        )
        open_median = await conn.fetchval(
            """SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY n) FROM (
                   SELECT count(*) AS n FROM applications_application
                   WHERE status IN ('submitted', 'in_review', 'needs_correction', 'approved') GROUP BY agency) c"""
        )
        busy_officers = [
            o for o in officers if o.agency_code == busiest["code"] and o.region == busiest["region"]
        ] or officers
        heaviest = await conn.fetchrow(
            """SELECT applicant, count(*) AS n FROM applications_application
               GROUP BY applicant ORDER BY count(*) DESC LIMIT 1"""
        )
        notes = [
            f"{len(officers):,} officers sampled uniformly (bigger agencies have more officers); open cases per "
            f"agency: median {open_median or 0:,.0f}, largest {busiest['open']:,} "
            f"({busiest['code']} {busiest['region']})",
            f"citizens: {len(citizens):,} sampled (BERNOULLI) among those with applications; applications: "
            f"{len(applications):,} sampled; the heaviest citizen has {heaviest['n']} applications",
        ]

        await conn.execute(f"SET statement_timeout = {APP_SERVER_SETTINGS['statement_timeout']}")

        async def inbox(officer: casework.Officer) -> object:
            return await casework.inbox(conn, officer=officer, filters=casework.InboxFilter(), page=1, page_size=20)

        async def mine(applicant: uuid.UUID) -> object:
            return await casework.list_for_citizen(conn, applicant=applicant, page=1, page_size=20)

        async def detail(pair: tuple[uuid.UUID, uuid.UUID]) -> object:
            return await casework.get_for_citizen(conn, applicant=pair[1], application_id=pair[0])

        cases: list[tuple[str, Callable[[Any], Awaitable[object]], Sequence[Any]]] = [
            ("officer inbox, first page (random officers)", inbox, officers),
            (f"officer inbox, first page ({busiest['code']} {busiest['region']}, largest)", inbox, busy_officers),
            ("citizen's application list (random citizens)", mine, citizens),
            ("application detail with timeline (random)", detail, applications),
        ]
        rows = []
        for label, call, pool in cases:
            say(f"measuring {label}: {warmup} warm-up + {samples} samples …")
            timings = []
            for i in range(warmup + samples):
                arg = rng.choice(pool)
                began = time.perf_counter()
                await call(arg)
                if i >= warmup:
                    timings.append((time.perf_counter() - began) * 1000)
            rows.append(Latency(label, sorted(timings)))
        explained = [
            Explained(
                "officer inbox",
                f"an officer of the largest agency ({busiest['code']} {busiest['region']}, {busiest['open']:,} open)",
                await explain(conn, lambda: inbox(busy_officers[0])),
            ),
            Explained(
                "citizen's application list",
                f"the citizen with the most applications ({heaviest['n']})",
                await explain(conn, lambda: mine(heaviest["applicant"])),
            ),
            Explained(
                "application detail with timeline",
                "a random application",
                await explain(conn, lambda: detail(rng.choice(applications))),
            ),
        ]
        return QueryResults(rows, explained, notes)
    finally:
        await conn.close()


# --- submit throughput over HTTP ------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitter:
    id: uuid.UUID
    nik: str
    phone: str
    region: str
    documents: tuple[uuid.UUID, uuid.UUID]  # KK, KTP_EL


@dataclass
class Outcome:
    submitter: int
    key: str
    status: int
    ms: float
    application: str | None


@dataclass
class SubmitResults:
    submitters: int
    concurrency: int
    seconds: float
    measured: list[Outcome]
    warmup: list[Outcome]
    new_in_db: int
    created: int  # 201 responses with distinct application ids (warm-up and measured)
    missing_outbox: int
    replayed: int
    replay_same: int
    replay_new_rows: int
    server: str
    notes: list[str]

    @property
    def ok(self) -> list[Outcome]:
        return [o for o in self.measured if o.status == 201]

    @property
    def rate(self) -> float:
        return len(self.ok) / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return sum(1 for o in self.measured + self.warmup if o.status != 201)

    @property
    def verified(self) -> bool:
        return (
            self.new_in_db == self.created
            and self.missing_outbox == 0
            and self.replay_same == self.replayed
            and self.replay_new_rows == 0
        )

    @property
    def passed(self) -> bool:
        return self.rate >= TARGET_SUBMITS_PER_S and self.errors == 0 and self.verified


async def make_submitters(url: str, count: int, seed: int) -> list[Submitter]:
    """Citizens with a verified KK and KTP-el in their wallet and their NIK matched by the registry: what ``kk-baru``
    requires (its assurance is ``registry``)."""
    rng = random.Random(seed + 2)
    conn = await asyncpg.connect(url, timeout=10)
    try:
        for _ in range(50):
            tag = rng.randrange(1000)
            taken = await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM accounts_account WHERE phone LIKE $1)", f"+62899{tag:03d}%"
            )
            if not taken:
                break
        else:
            raise RuntimeError("no free phone range for the submit benchmark's citizens")
        regions = [r["region"] for r in await conn.fetch("SELECT region FROM catalogue_service WHERE code = 'kk-baru'")]
        weights = [REGION_POPULATION.get(r, 0.5) for r in regions]
        doc_types = ("KK", "KTP_EL")
        submitters = []
        accounts, documents, proofs = [], [], []
        now = dt.datetime.now(dt.UTC)
        for i in range(count):
            region = rng.choices(regions, weights=weights)[0]
            # District 41-99 and day 1-17 from the run's tag: never a generated NIK, nor another run's.
            nik = f"{region}{41 + tag % 59:02d}{1 + tag // 59:02d}0190{1 + i:04d}"
            account = uuid.uuid4()
            phone = f"+62899{tag:03d}{i:05d}"
            docs = (uuid.uuid4(), uuid.uuid4())
            accounts.append((account, phone, nik, f"Pemohon {i}", "id", ["citizen"], "active", now, now))
            # The registry's match of NIK, name and birth date (its check row is not needed to count as proof).
            proofs.append((uuid.uuid4(), account, nik, "registry", uuid.uuid4(), now))
            for doc, doc_type in zip(docs, doc_types, strict=True):
                documents.append(
                    (doc, account, doc_type, "verified", doc_type, "jpeg", "image/jpeg", 250_000,
                     f"{rng.getrandbits(256):064x}", f"documents/{doc}/v1", NONCE, WRAPPED_KEY, "bench", now, now)
                )  # fmt: skip
            submitters.append(Submitter(account, nik, phone, region, docs))
        await conn.copy_records_to_table(
            "accounts_account",
            records=accounts,
            columns=("id", "phone", "nik", "name", "language", "roles", "status", "created_at", "updated_at"),
        )
        await conn.copy_records_to_table(
            "accounts_identity_proof",
            records=proofs,
            columns=("id", "account", "nik", "method", "registry_check", "created_at"),
        )
        await conn.copy_records_to_table(
            "wallet_document",
            records=documents,
            columns=(
                "id", "owner", "document_type", "status", "title", "format", "media_type", "size", "content_hash",
                "blob_key", "nonce", "wrapped_key", "key_id", "created_at", "updated_at",
            ),
        )  # fmt: skip
        return submitters
    finally:
        await conn.close()


async def kk_services(
    conn: asyncpg.Connection,
) -> tuple[dict[str, tuple[uuid.UUID, list[dict[str, Any]]]], dict[str, tuple[str, str]]]:
    """Each region's ``kk-baru`` (id, form), and each region's (name, province) for the answers."""
    services = {
        r["region"]: (r["id"], json.loads(r["form"]))
        for r in await conn.fetch("SELECT id, region, form FROM catalogue_service WHERE code = 'kk-baru'")
    }
    regions = {r["code"]: (r["name"], r["province_name"]) for r in await conn.fetch("SELECT * FROM catalogue_region")}
    return services, regions


def kk_answers(form: list[dict[str, Any]], submitter: Submitter, region: tuple[str, str]) -> dict[str, Any]:
    """Valid answers for kk-baru's form: the citizen is the new head of family, with a spouse."""
    answers: dict[str, Any] = {}
    for f in form:
        kind = f.get("type")
        if kind == "nik":
            answers[f["name"]] = submitter.nik if f.get("required", True) else f"{submitter.region}015508920001"
        elif kind == "phone":
            answers[f["name"]] = "0" + submitter.phone[3:]
        else:
            answers[f["name"]] = _answer_value(f, 0, region)
    return answers


async def issue_tokens(url: str, data_dir: Path, submitters: Sequence[Submitter]) -> list[str]:
    """Access tokens from real sessions, signed with the server's keys (the same MPP_DATA_DIR)."""
    os.environ.update({"MPP_DATA_DIR": str(data_dir), "DATABASE_URL": url, "MPP_ENV": "dev"})
    from api.app import _state_for
    from api.auth.service import start_session
    from api.config import reload_settings

    issuer = _state_for(reload_settings())["issuer"]
    conn = await asyncpg.connect(url, timeout=10)
    try:
        tokens = []
        for s in submitters:
            pair = await start_session(
                conn,
                issuer,
                account=s.id,
                kind="citizen",
                amr=["otp"],
                scope="api",
                user_agent="scale-bench",
                ip="127.0.0.1",
            )
            tokens.append(pair.access_token)
        return tokens
    finally:
        await conn.close()


async def post_load(
    base_url: str,
    bodies: Sequence[bytes],
    tokens: Sequence[str],
    *,
    concurrency: int,
    seconds: float,
    keys: Iterator[tuple[int, str]] | None = None,
) -> tuple[list[Outcome], float]:
    """POST applications from ``concurrency`` tasks for ``seconds`` (or until ``keys`` runs out)."""
    # aiohttp, not httpx: the load generator shares the machine's 2 cores with the server and PostgreSQL, and
    # httpx's pool costs about 2 ms of CPU per request (measured with py-spy); aiohttp about a quarter of that.
    import aiohttp

    counter = iter(range(10**12))
    outcomes: list[Outcome] = []
    shown = {"errors": 0}

    def next_job() -> tuple[int, str] | None:
        if keys is not None:
            return next(keys, None)
        n = next(counter)
        return n % len(bodies), f"scale-{uuid.uuid4().hex}"

    async def worker(client: aiohttp.ClientSession, deadline: float) -> None:
        while time.perf_counter() < deadline:
            job = next_job()
            if job is None:
                return
            who, key = job
            headers = {
                "Authorization": f"Bearer {tokens[who]}",
                "Idempotency-Key": key,
                "Content-Type": "application/json",
            }
            began = time.perf_counter()
            try:
                async with client.post("/api/v1/applications", data=bodies[who], headers=headers) as response:
                    status, text = response.status, await response.text()
            except (aiohttp.ClientError, TimeoutError):
                outcomes.append(Outcome(who, key, 0, (time.perf_counter() - began) * 1000, None))
                continue
            ms = (time.perf_counter() - began) * 1000
            app_id = json.loads(text).get("id") if status == 201 else None
            if status != 201 and shown["errors"] < 3:
                shown["errors"] += 1
                say(f"  unexpected {status}: {text[:300]}")
            outcomes.append(Outcome(who, key, status, ms, app_id))

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(base_url=base_url, connector=connector, timeout=timeout) as client:
        began = time.perf_counter()
        deadline = began + seconds
        await asyncio.gather(*(worker(client, deadline) for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return outcomes, elapsed


async def submit_benchmark(url: str, args: argparse.Namespace, phases: list[Phase]) -> SubmitResults:
    started = time.monotonic()
    rng = random.Random(args.seed + 3)
    submitters = await make_submitters(url, args.submitters, args.seed)
    ids = [s.id for s in submitters]
    with contextlib.ExitStack() as stack:
        temporary = tempfile.TemporaryDirectory(prefix="mpp-scale-", ignore_cleanup_errors=True)
        data_dir = Path(stack.enter_context(temporary))
        server = Server(data_dir, url, args.server_workers)
        server.env["MPP_ACCESS_LOG"] = "false"
        # The production layout (compose.yaml) runs delivery in `mpp worker` processes of their own; by default
        # the single-machine `mpp serve` also delivers, on the same cores as the submissions.
        server.env["MPP_WORKER_IN_SERVE"] = "false" if args.api_only else "true"
        stack.callback(server.stop)
        say(
            f"starting {shlex.join(server.command)} (MPP_ACCESS_LOG=false, "
            f"MPP_WORKER_IN_SERVE={server.env['MPP_WORKER_IN_SERVE']}) on the big database …"
        )
        server.start()
        tokens = await issue_tokens(url, data_dir, submitters)
        conn = await asyncpg.connect(url, timeout=10)
        try:
            services, regions = await kk_services(conn)
        finally:
            await conn.close()
        bodies = [
            json.dumps(
                {
                    "serviceId": str(services[s.region][0]),
                    "answers": kk_answers(services[s.region][1], s, regions[s.region]),
                    "documentIds": [str(d) for d in s.documents],
                }
            ).encode()
            for s in submitters
        ]
        phases.append(
            Phase("submit: citizens, server, sessions", time.monotonic() - started, f"{len(submitters)} citizens")
        )
        preflight, _ = await post_load(
            server.base_url, bodies, tokens, concurrency=1, seconds=60, keys=iter([(0, f"scale-{uuid.uuid4().hex}")])
        )
        if not preflight or preflight[0].status != 201:
            raise RuntimeError(f"a first submission failed ({preflight[0].status if preflight else 'no answer'}); "
                               f"server log:\n{server.log_tail()}")  # fmt: skip
        say(f"warming up submit for {args.submit_warmup:g} s …")
        warm, _ = await post_load(
            server.base_url, bodies, tokens, concurrency=args.concurrency, seconds=args.submit_warmup
        )
        say(f"measuring submit: {args.concurrency} concurrent for {args.submit_duration:g} s …")
        measured, elapsed = await post_load(
            server.base_url, bodies, tokens, concurrency=args.concurrency, seconds=args.submit_duration
        )
        everything = preflight + warm + measured
        created = {o.application for o in everything if o.status == 201}
        conn = await asyncpg.connect(url, timeout=10)
        try:
            count_sql = "SELECT count(*) FROM applications_application WHERE applicant = ANY($1::uuid[])"
            new_in_db = await conn.fetchval(count_sql, ids)
            missing_outbox = await conn.fetchval(
                """SELECT count(*) FROM applications_application a WHERE a.applicant = ANY($1::uuid[])
                   AND NOT EXISTS (SELECT 1 FROM outbox_message o
                                   WHERE o.subject = a.id AND o.topic = 'application.status_changed')""",
                ids,
            )
            # The same 100 requests again, same keys and bodies: the same applications, nothing new.
            done = [o for o in everything if o.status == 201]
            again = rng.sample(done, min(100, len(done)))
            say(f"replaying {len(again)} submissions with their Idempotency-Keys …")
            replay, _ = await post_load(
                server.base_url,
                bodies,
                tokens,
                concurrency=min(args.concurrency, 10),
                seconds=120,
                keys=iter([(o.submitter, o.key) for o in again]),
            )
            originals = {o.key: o.application for o in again}
            same = sum(1 for o in replay if o.status == 201 and o.application == originals[o.key])
            after = await conn.fetchval(count_sql, ids)
        finally:
            await conn.close()
        server_line = server.settings_shown()
    phases.append(Phase("submit benchmark", time.monotonic() - started))
    statements = await count_submit_statements(url, submitters[0], bodies[0])
    notes = [
        "The delivery worker runs inside `mpp serve` (the single-machine default) and turns each outbox "
        "message into a notification while the load runs; the load generator shares the 2 cores.",
        f"One submission, called in-process on a recording connection, sends {statements} statements to "
        "PostgreSQL (plus BEGIN/COMMIT and savepoints), each a round trip; the access guard's session check "
        "is cached for 5 s.",
    ]
    return SubmitResults(
        submitters=len(submitters),
        concurrency=args.concurrency,
        seconds=elapsed,
        measured=measured,
        warmup=preflight + warm,
        new_in_db=new_in_db,
        created=len(created),
        missing_outbox=missing_outbox,
        replayed=len(again),
        replay_same=same,
        replay_new_rows=after - new_in_db,
        server=server_line,
        notes=notes,
    )


async def count_submit_statements(url: str, submitter: Submitter, body: bytes) -> int:
    """How many statements ``service.submit`` sends for one new application (after the HTTP run)."""
    import msgspec

    from api.applications import schemas

    data = msgspec.json.decode(body, type=schemas.ApplicationCreate)
    conn: RecordingConnection = await asyncpg.connect(
        url, timeout=10, server_settings=APP_SERVER_SETTINGS, connection_class=RecordingConnection
    )
    try:
        conn.recorded = []
        await casework.submit(
            conn, applicant=submitter.id, data=data, idempotency_key=f"count-{uuid.uuid4().hex}", ip="127.0.0.1"
        )
        return len(conn.recorded)
    finally:
        await conn.close()


# --- reporting ------------------------------------------------------------------------------------------

PHASE_HEADER = ("phase", "seconds", "note")
QUERY_HEADER = ("query", "samples", "p50 ms", "p95 ms", "p99 ms", "max ms", "target", "result")
SUBMIT_HEADER = ("what", "applications/s", "p50 ms", "p99 ms", "errors", "target", "result")


def query_cells(row: Latency) -> tuple[str, ...]:
    return (
        row.label,
        f"{len(row.samples):,}",
        f"{row.pct(50):.2f}",
        f"{row.pct(95):.2f}",
        f"{row.pct(99):.2f}",
        f"{row.samples[-1]:.2f}" if row.samples else "-",
        f"p95 < {TARGET_P95_MS:g} ms",
        "pass" if row.passed else "FAIL",
    )


def submit_cells(result: SubmitResults) -> tuple[str, ...]:
    ok = sorted(o.ms for o in result.ok)
    return (
        f"POST /api/v1/applications ({result.concurrency} concurrent, {result.seconds:.0f} s)",
        f"{result.rate:,.0f}",
        f"{percentile(ok, 50):.1f}",
        f"{percentile(ok, 99):.1f}",
        str(result.errors),
        f"≥ {TARGET_SUBMITS_PER_S:g}/s, 0 errors, verified",
        "pass" if result.passed else "FAIL",
    )


def verification_lines(result: SubmitResults) -> list[str]:
    mark = {True: "ok", False: "MISMATCH"}
    return [
        f"new applications in the database: {result.new_in_db:,}; 201 answers with distinct ids (warm-up "
        f"included): {result.created:,} — {mark[result.new_in_db == result.created]}",
        f"applications without an `application.status_changed` outbox row: {result.missing_outbox} — "
        f"{mark[result.missing_outbox == 0]}",
        f"replayed {result.replayed} requests with the same Idempotency-Keys: {result.replay_same} answered "
        f"with the original application, {result.replay_new_rows} new rows — "
        f"{mark[result.replay_same == result.replayed and result.replay_new_rows == 0]}",
    ]


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    table = [tuple(header), *map(tuple, rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]

    def fmt(line: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ).rstrip()

    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *(fmt(r) for r in table[1:])])


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    align = ["---:" if i in right else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def human_bytes(n: int) -> str:
    if n < 1024**2:
        return f"{n / 1024:,.0f} kB"
    if n < 1024**3:
        return f"{n / 1024**2:,.0f} MB"
    return f"{n / 1024**3:,.1f} GB"


@dataclass
class Report:
    started: dt.datetime
    command: str
    database: str
    server_version: str
    settings: dict[str, str]
    sizes: Sizes
    generated: Counters | None
    tables: list[TableSize]
    database_bytes: int
    phases: list[Phase]
    queries: QueryResults | None
    submit: SubmitResults | None
    notes: list[str]

    def phase_rows(self) -> list[tuple[str, ...]]:
        return [(p.name, f"{p.seconds:,.1f}", p.note) for p in self.phases]

    def table_rows(self) -> list[tuple[str, ...]]:
        return [(t.table, f"{t.rows:,}", human_bytes(t.bytes)) for t in self.tables]

    def console(self) -> None:
        say("")
        say(f"Phases ({self.database}):")
        say(text_table(PHASE_HEADER, self.phase_rows(), {1}))
        say("")
        say(text_table(("table", "rows", "size with indexes"), self.table_rows(), {1, 2}))
        say(f"database size: {human_bytes(self.database_bytes)}")
        if self.queries:
            for ex in self.queries.explained:
                say("")
                say(f"EXPLAIN (ANALYZE, BUFFERS) — {ex.label}, {ex.what}:")
                for sql, plan in ex.plans:
                    say(f"  > {sql[:200]}{' …' if len(sql) > 200 else ''}")
                    for line in plan:
                        say(f"    {line}")
            say("")
            say(text_table(QUERY_HEADER, [query_cells(r) for r in self.queries.rows], {1, 2, 3, 4, 5}))
            for note in self.queries.notes:
                say(f"NOTE: {note}")
        if self.submit:
            say("")
            say(f"server: {self.submit.server}")
            say(text_table(SUBMIT_HEADER, [submit_cells(self.submit)], {1, 2, 3, 4}))
            for line in verification_lines(self.submit):
                say(f"  {line}")
        for note in self.notes:
            say(f"NOTE: {note}")

    def markdown(self) -> str:
        counts = {t.table: t.rows for t in self.tables}
        title = (
            f"### {self.started:%Y-%m-%d %H:%M} UTC — {counts.get('accounts_account', 0):,} accounts, "
            f"{counts.get('applications_application', 0):,} applications, "
            f"{counts.get('wallet_document', 0):,} documents"
        )
        settings = ", ".join(f"{k} {v}" for k, v in self.settings.items())
        lines = [
            title,
            "",
            f"- Command: `{self.command}`",
            f"- Machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}, Python {platform.python_version()}",
            f"- Database: PostgreSQL {self.server_version}, {self.database}, {human_bytes(self.database_bytes)} "
            f"({settings}: the server's defaults, untouched)",
        ]
        if self.generated:
            g = self.generated
            lines.append(
                f"- Asked for: {self.sizes.citizens:,} citizens, {self.sizes.applications:,} applications, "
                f"{self.sizes.documents:,} documents"
            )
            lines.append(
                f"- Generated: {g.citizens:,} citizens and {g.officers:,} staff, {g.applications:,} applications "
                f"with {g.rows['applications_event']:,} timeline events and "
                f"{g.rows['applications_document']:,} attachments, {g.documents:,} wallet documents"
            )
        lines += [
            "",
            markdown_table(PHASE_HEADER, self.phase_rows(), {1}),
            "",
            markdown_table(("table", "rows", "size with indexes"), self.table_rows(), {1, 2}),
        ]
        if self.queries:
            lines += [
                "",
                "In-process, one connection with `plan_cache_mode=auto` (as the app's pool), "
                "calling the service functions themselves (`inbox`, `list_for_citizen`, `get_for_citizen`: "
                "every statement each one sends, and building the response structs). "
                f"Anchor: {ANCHOR}.",
                "",
                markdown_table(QUERY_HEADER, [query_cells(r) for r in self.queries.rows], {1, 2, 3, 4, 5}),
                "",
                *(f"> {n}  " for n in self.queries.notes),
            ]
            for ex in self.queries.explained:
                lines += ["", f"EXPLAIN (ANALYZE, BUFFERS) of **{ex.label}**, {ex.what} (scan lines only):", "", "```"]
                for sql, plan in ex.plans:
                    lines.append(f"> {sql[:160]}{' …' if len(sql) > 160 else ''}")
                    lines += [f"  {line.strip()}" for line in index_lines(plan)]
                lines.append("```")
        if self.submit:
            lines += [
                "",
                f"Submit against `{self.submit.server}` on this database, asyncio+aiohttp load generator, "
                f"{self.submit.submitters} citizens each with a verified KK and KTP-el, service `kk-baru` of "
                "their region, a new Idempotency-Key per request:",
                "",
                markdown_table(SUBMIT_HEADER, [submit_cells(self.submit)], {1, 2, 3, 4}),
                "",
                *(f"- {line}" for line in verification_lines(self.submit)),
                *(f"- {n}" for n in self.submit.notes),
            ]
        lines += [f"\n> {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


# --- main -----------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database-url", help="PostgreSQL server to create the database on (default $DATABASE_URL)")
    parser.add_argument("--reuse", metavar="NAME", help="measure an existing generated database; skip generation")
    parser.add_argument("--keep", action="store_true", help="keep the generated database (default: drop it)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the three sizes (e.g. 0.01 for a quick run)")
    parser.add_argument("--citizens", type=int, default=FULL_CITIZENS)
    parser.add_argument("--applications", type=int, default=FULL_APPLICATIONS)
    parser.add_argument("--documents", type=int, default=FULL_DOCUMENTS)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--batch-rows", type=int, default=150_000, help="rows per COPY round (bounds memory)")
    parser.add_argument("--keep-indexes", action="store_true", help="load with the secondary indexes in place")
    parser.add_argument("--samples", type=int, default=1000, help="timed calls per query (default 1000)")
    parser.add_argument("--warmup", type=int, default=100, help="untimed calls per query first (default 100)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent submit requests (default 32)")
    parser.add_argument("--submit-duration", type=float, default=20, help="seconds of submit load (default 20)")
    parser.add_argument("--submit-warmup", type=float, default=3, help="seconds of submit warm-up (default 3)")
    parser.add_argument("--submitters", type=int, default=500, help="citizens submitting (default 500)")
    parser.add_argument("--server-workers", type=int, default=1, help="mpp serve --workers (default 1)")
    parser.add_argument(
        "--api-only",
        action="store_true",
        help="serve with MPP_WORKER_IN_SERVE=false, as compose.yaml does (delivery in `mpp worker` elsewhere)",
    )
    parser.add_argument("--skip-queries", action="store_true")
    parser.add_argument("--skip-submit", action="store_true")
    parser.add_argument("--markdown", metavar="FILE", help="append the report in Markdown to FILE ('-': print it)")
    args = parser.parse_args(argv)
    args.url_from_env = args.database_url is None
    args.database_url = args.database_url or os.environ.get("DATABASE_URL")
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL (a PostgreSQL server to create the database on)")
    if args.scale <= 0:
        parser.error("--scale must be positive")
    return args


def command_line(args: argparse.Namespace) -> str:
    python = os.path.relpath(sys.executable) if not os.path.isabs(sys.argv[0]) else sys.executable
    prefix = f"DATABASE_URL={redact(args.database_url)} " if args.url_from_env else ""
    return prefix + shlex.join([python, *sys.argv])


async def server_facts(url: str) -> tuple[str, dict[str, str]]:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        version: str = await conn.fetchval("SHOW server_version")
        settings = {n: await conn.fetchval(f"SHOW {n}") for n in ("shared_buffers", "work_mem", "effective_cache_size")}
        return version.split(" ")[0], settings
    finally:
        await conn.close()


def run(args: argparse.Namespace) -> int:
    report = measure_scale(args)
    passed = (report.queries is None or all(r.passed for r in report.queries.rows)) and (
        report.submit is None or report.submit.passed
    )
    return 0 if passed else 1


def measure_scale(args: argparse.Namespace) -> Report:
    """Generate (or reuse) one database at ``args``' sizes, measure it, print and append its report, drop it."""
    started = dt.datetime.now(dt.UTC)
    sizes = Sizes(
        citizens=max(10, round(args.citizens * args.scale)),
        applications=max(10, round(args.applications * args.scale)),
        documents=max(10, round(args.documents * args.scale)),
    )
    phases: list[Phase] = []
    notes: list[str] = []
    name = args.reuse or f"mpp_scale_{uuid.uuid4().hex[:10]}"
    url = with_database(args.database_url, name)
    created = False
    generated: Counters | None = None
    try:
        if args.reuse:
            say(f"reusing database {name}: no generation")
            notes.append(f"Measured on the existing database {name} (--reuse); its generation is reported elsewhere.")
        else:
            began = time.monotonic()
            asyncio.run(_admin(args.database_url, f'CREATE DATABASE "{name}"'))
            created = True
            with tempfile.TemporaryDirectory(prefix="mpp-scale-") as tmp:
                mpp_command(["migrate"], url, Path(tmp))
                seeded = mpp_command(["seed", "--demo"], url, Path(tmp))
            phases.append(Phase("create + migrate + seed", time.monotonic() - began, seeded))
            say(f"database {name}: {seeded}")
            say(
                f"generating {sizes.citizens:,} citizens, {sizes.applications:,} applications, "
                f"{sizes.documents:,} documents …"
            )
            generated = asyncio.run(generate(url, sizes, args, phases))
        version, settings = asyncio.run(server_facts(url))
        queries = None
        if not args.skip_queries:
            began = time.monotonic()
            queries = asyncio.run(measure_queries(url, args.samples, args.warmup, args.seed))
            phases.append(Phase("query measurements", time.monotonic() - began))
        submit = None
        if not args.skip_submit:
            submit = asyncio.run(submit_benchmark(url, args, phases))
        tables, database_bytes = asyncio.run(table_sizes(url))
        shown_db = f"database {name} on {redact(args.database_url)}"
        report = Report(
            started=started,
            command=command_line(args),
            database=shown_db,
            server_version=version,
            settings=settings,
            sizes=sizes,
            generated=generated,
            tables=tables,
            database_bytes=database_bytes,
            phases=phases,
            queries=queries,
            submit=submit,
            notes=notes,
        )
        report.console()
        if args.markdown == "-":
            print(report.markdown())
        elif args.markdown:
            with open(args.markdown, "a", encoding="utf-8") as out:
                out.write("\n" + report.markdown())
            say(f"Markdown report appended to {args.markdown}")
        return report
    finally:
        if created and not args.keep:
            say(f"dropping database {name} …")
            try:
                asyncio.run(_admin(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception as exc:  # cleanup must not hide the original error
                say(f"WARNING: could not drop database {name}: {exc}")
        elif created:
            say(f"kept database {name}: measure it again with --reuse {name}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return run(args)
    except KeyboardInterrupt:
        say("\ninterrupted (the server was stopped and the database dropped unless --keep)")
        return 130
    except (RuntimeError, OSError, urllib.error.URLError, asyncpg.PostgresError) as exc:
        say(f"error: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
