"""The open data release's resources as Frictionless table schemas: every column's type, Indonesian title,
English description and how it is suppressed (``api.stats.open_data`` builds the rows; the rule is
``api.stats.suppression``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final


@dataclass(frozen=True)
class Column:
    """One CSV column: its Frictionless type, Indonesian title, English description, and how it is suppressed —
    ``count`` (suppressed below the threshold itself, and as a complement) or the name of the population it was
    computed from, with the counts it reveals (``reveals``: empty when any of them is)."""

    name: str
    type: str
    title: str
    description: str
    suppress: str | None = None
    reveals: tuple[str, ...] = ()

    def descriptor(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "title": self.title,
            "description": self.description,
        }
        if self.type == "yearmonth":
            described["format"] = "default"
        return described


def _count(name: str, title: str, description: str) -> Column:
    return Column(
        name,
        "integer",
        title,
        description
        + " Suppressed (empty) below suppressBelow, or to protect another empty cell of the region's month.",
        "count",
    )


def _derived(name: str, kind: str, title: str, description: str, population: str, *reveals: str) -> Column:
    return Column(
        name,
        kind,
        title,
        f"{description} Empty when computed from fewer than suppressBelow or from an empty count.",
        population,
        reveals,
    )


MONTH = Column("month", "yearmonth", "Bulan", "The month (YYYY-MM), in the region's local calendar.")
REGION = [
    Column("region_code", "string", "Kode wilayah", "The region's BPS code (kabupaten/kota)."),
    Column("region_name", "string", "Nama wilayah", "The region's name."),
]
AGENCY = [
    Column("agency_code", "string", "Kode instansi", "The agency's code (unique within its region)."),
    Column("agency_name", "string", "Nama instansi", "The agency's name (Indonesian)."),
]
SERVICE = [
    Column("service_code", "string", "Kode layanan", "The service's code (unique within its region)."),
    Column("service_name", "string", "Nama layanan", "The service's name (Indonesian)."),
]
QUEUE_SERVICE = [
    Column("service_code", "string", "Kode layanan", "The service's code; '-' for tickets issued for the agency only."),
    SERVICE[1],
]


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: list[Column]
    primary_key: list[str]
    # Counts not published as columns but told by a share (suppressed like the columns, for that share's sake).
    hidden_counts: tuple[str, ...] = ()

    @property
    def counts(self) -> list[str]:
        return [c.name for c in self.columns if c.suppress == "count"] + list(self.hidden_counts)


APPLICATIONS = Table(
    "applications",
    "Permohonan layanan per bulan",
    "Online applications per month, region, agency and service: received (submitted), decided (approved or "
    "rejected), decided by the due date of the service standard (SLA), completed, rejected, withdrawn, corrections "
    "requested, and working days from submission to decision.",
    [
        MONTH,
        *REGION,
        *AGENCY,
        *SERVICE,
        _count("received", "Diterima", "Applications submitted in the month."),
        _count("decided", "Diputus", "Applications approved or rejected in the month."),
        _count("decided_in_sla", "Diputus tepat waktu", "Decided on or before the application's due date."),
        _count("completed", "Selesai", "Applications completed (result issued) in the month."),
        _count("rejected", "Ditolak", "Applications rejected in the month."),
        _count("withdrawn", "Dibatalkan", "Applications withdrawn by the applicant in the month."),
        _count("corrections", "Perbaikan diminta", "Corrections requested from applicants in the month."),
        _derived(
            "decided_in_sla_share",
            "number",
            "Porsi tepat waktu",
            "decided_in_sla / decided (0..1).",
            "decided",
            "decided_in_sla",
            "decided",
        ),
        _derived(
            "decide_days_median",
            "integer",
            "Median hari kerja",
            "Median working days from submission to decision (exact, percentile_disc).",
            "decide_days_n",
            "decided",
        ),
        _derived(
            "decide_days_p90", "integer", "P90 hari kerja", "90th percentile of the same.", "decide_days_n", "decided"
        ),
    ],
    ["month", "region_code", "agency_code", "service_code"],
)
QUEUE = Table(
    "queue",
    "Antrean per bulan",
    "Queue tickets per month, region, agency and service: issued, walk-ins, served, no-shows, served without an "
    "online application (counter transactions), waiting minutes and the accuracy of the estimate shown.",
    [
        MONTH,
        *REGION,
        *AGENCY,
        *QUEUE_SERVICE,
        _count("issued", "Tiket diterbitkan", "Tickets issued in the month."),
        _count("walk_ins", "Datang langsung", "Tickets issued without a booking."),
        _count("served", "Dilayani", "Tickets served."),
        _count("no_shows", "Tidak hadir", "Tickets called but not answered."),
        _count("counter_served", "Transaksi loket", "Served tickets without an online application."),
        _derived(
            "estimate_accuracy",
            "number",
            "Akurasi perkiraan",
            "Share of served tickets whose wait fell within the estimate shown (0..1).",
            "served",
            "estimate_accurate",
            "served",
        ),
        _derived(
            "wait_minutes_median",
            "integer",
            "Median menit tunggu",
            "Median minutes from issue (or booked time) to the first call.",
            "wait_minutes_n",
            "served",
        ),
        _derived(
            "wait_minutes_p90",
            "integer",
            "P90 menit tunggu",
            "90th percentile of the same.",
            "wait_minutes_n",
            "served",
        ),
    ],
    ["month", "region_code", "agency_code", "service_code"],
    hidden_counts=("estimate_accurate",),
)
SKM = Table(
    "skm",
    "Survei Kepuasan Masyarakat per bulan",
    "The community satisfaction survey (SKM, PermenPANRB 14/2017) per month, region, agency and service: "
    "transactions invited, respondents, the published index (IKM, 25-100), its grade, and the sample the month's "
    "transactions need (Krejcie-Morgan).",
    [
        MONTH,
        *REGION,
        *AGENCY,
        *QUEUE_SERVICE,
        _count("transactions", "Transaksi", "Transactions invited to the survey."),
        _count("respondents", "Responden", "Answers received."),
        _derived("ikm", "number", "IKM", "The published index, 25.00-100.00.", "respondents", "respondents"),
        _derived(
            "grade", "string", "Mutu pelayanan", "The grade of the index: A, B, C or D.", "respondents", "respondents"
        ),
        _derived(
            "sample_needed", "integer", "Sampel minimal", "Respondents the month needs.", "transactions", "transactions"
        ),
    ],
    ["month", "region_code", "agency_code", "service_code"],
)
COMPLAINTS = Table(
    "complaints",
    "Pengaduan per bulan",
    "Complaints per month, region and agency: received, answered (first answer), answered by their due date.",
    [
        MONTH,
        *REGION,
        *AGENCY,
        _count("received", "Diterima", "Complaints filed in the month."),
        _count("answered", "Dijawab", "Complaints answered for the first time in the month."),
        _count("answered_on_time", "Dijawab tepat waktu", "Of those, answered on or before their due date."),
        _derived(
            "answered_on_time_share",
            "number",
            "Porsi tepat waktu",
            "answered_on_time / answered (0..1).",
            "answered",
            "answered_on_time",
            "answered",
        ),
    ],
    ["month", "region_code", "agency_code"],
)
SERVICES = Table(
    "services",
    "Standar pelayanan",
    "Every service with its published service standard in force (UU 25/2009): SLA in working days, fee, version "
    "and publication date. No figures, nothing suppressed.",
    [
        *REGION,
        *AGENCY,
        *SERVICE,
        Column("sla_days", "integer", "Waktu penyelesaian (hari kerja)", "The standard's time limit in working days."),
        Column("fee", "integer", "Biaya (Rp)", "The fee in rupiah (0: free)."),
        Column("standard_version", "integer", "Versi standar", "The version of the standard in force."),
        Column("standard_published_at", "date", "Tanggal terbit standar", "When that version was published."),
        Column("active", "boolean", "Aktif", "Offered to citizens now (not retired or hidden)."),
    ],
    ["region_code", "service_code"],
)
TABLES: Final = (APPLICATIONS, QUEUE, SKM, COMPLAINTS, SERVICES)
