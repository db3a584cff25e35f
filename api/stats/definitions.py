"""What every figure means, defined once: its key on the wire, its names and definition in Indonesian and English,
its unit and which way is better — and what each source's events count for (the consumer and ``verify`` both read
these lists; they share nothing else, so that a mistake in one shows up as a difference in the other).

Shares are numbers 0..1 (null when nothing was counted); percentiles are exact, read from the histogram rows with
``percentile_disc`` semantics (the smallest value whose cumulative share is at least p).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Unit = Literal["count", "share", "days", "minutes", "index"]


@dataclass(frozen=True)
class Figure:
    key: str
    name_id: str
    name_en: str
    description_id: str
    description_en: str
    unit: Unit
    higher_is_better: bool


def _f(key: str, unit: Unit, better: bool, name_id: str, name_en: str, text_id: str, text_en: str) -> Figure:
    return Figure(key, name_id, name_en, text_id, text_en, unit, better)


FIGURES: Final[tuple[Figure, ...]] = (
    _f("applicationsReceived", "count", True, "Permohonan masuk", "Applications received",
       "Permohonan yang diajukan warga pada periode ini.", "Applications citizens submitted in the period."),
    _f("applicationsCompleted", "count", True, "Permohonan selesai", "Applications completed",
       "Permohonan yang selesai (hasil diserahkan) pada periode ini.",
       "Applications completed (result handed over) in the period."),
    _f("applicationsRejected", "count", False, "Permohonan ditolak", "Applications rejected",
       "Permohonan yang ditolak pada periode ini.", "Applications rejected in the period."),
    _f("applicationsWithdrawn", "count", False, "Permohonan dibatalkan", "Applications withdrawn",
       "Permohonan yang dibatalkan pemohon pada periode ini.", "Applications their applicant withdrew in the period."),
    _f("applicationsDecided", "count", True, "Permohonan diputus", "Applications decided",
       "Permohonan yang disetujui atau ditolak pada periode ini.", "Applications approved or rejected in the period."),
    _f("decidedWithinSlaShare", "share", True, "Diputus tepat waktu", "Decided within the service standard",
       "Bagian permohonan yang diputus paling lambat pada tanggal jatuh temponya (standar pelayanan, hari kerja).",
       "Share of decisions made on or before the application's due date (service standard, working days)."),
    _f("decideDaysMedian", "days", False, "Lama memutus (median)", "Days to decide (median)",
       "Median hari kerja dari pengajuan sampai keputusan, dari permohonan yang diputus pada periode ini.",
       "Median working days from submission to decision, of the applications decided in the period."),
    _f("decideDaysP90", "days", False, "Lama memutus (persentil 90)", "Days to decide (90th percentile)",
       "Sembilan dari sepuluh permohonan diputus dalam jumlah hari kerja ini atau kurang.",
       "Nine in ten applications were decided within this many working days or fewer."),
    _f("overdueNow", "count", False, "Lewat jatuh tempo saat ini", "Overdue now",
       "Permohonan yang masih berjalan dan sudah melewati tanggal jatuh temponya, saat ini.",
       "Open applications past their due date, at this moment."),
    _f("correctionsRequested", "count", False, "Permintaan perbaikan", "Corrections requested",
       "Berapa kali petugas meminta pemohon memperbaiki permohonan pada periode ini.",
       "How many times officers asked applicants to correct an application in the period."),
    _f("digitalTakeUp", "share", True, "Layanan daring", "Digital take-up",
       "Bagian permohonan daring di antara permohonan daring dan transaksi di loket tanpa permohonan.",
       "Share of online applications among online applications and counter transactions without one."),
    _f("ticketsIssued", "count", True, "Nomor antrean diambil", "Queue tickets issued",
       "Nomor antrean yang diambil di kiosk (datang langsung atau dengan pemesanan).",
       "Queue tickets issued at the kiosk (walk-in or booked)."),
    _f("ticketsServed", "count", True, "Antrean dilayani", "Tickets served",
       "Nomor antrean yang selesai dilayani di loket.", "Queue tickets served to the end at a counter."),
    _f("noShows", "count", False, "Tidak hadir", "No-shows",
       "Nomor antrean yang dipanggil tetapi pemiliknya tidak datang.", "Tickets called whose holder never came."),
    _f("waitMinutesMedian", "minutes", False, "Waktu tunggu (median)", "Waiting time (median)",
       "Median menit dari pengambilan nomor (atau jam pemesanan) sampai panggilan pertama, dari antrean yang dilayani.",
       "Median minutes from the ticket (or the booked time) to the first call, of tickets served."),
    _f("waitMinutesP90", "minutes", False, "Waktu tunggu (persentil 90)", "Waiting time (90th percentile)",
       "Sembilan dari sepuluh warga dipanggil dalam menit ini atau kurang.",
       "Nine in ten citizens were called within this many minutes or fewer."),
    _f("estimateAccuracy", "share", True, "Ketepatan perkiraan", "Estimate accuracy",
       "Bagian antrean dilayani yang dipanggil dalam rentang perkiraan waktu tunggu yang ditampilkan.",
       "Share of tickets served that were called within the waiting estimate shown at issue."),
    _f("skmIndex", "index", True, "Indeks Kepuasan Masyarakat (IKM)", "Satisfaction index (IKM)",
       "Indeks Survei Kepuasan Masyarakat (PermenPANRB 14/2017), 25–100.",
       "The public satisfaction survey index (PermenPANRB 14/2017), 25–100."),
    _f("skmRespondents", "count", True, "Responden SKM", "SKM respondents",
       "Jumlah jawaban survei kepuasan masyarakat.", "Number of satisfaction survey answers."),
    _f("complaintsReceived", "count", False, "Pengaduan masuk", "Complaints received",
       "Pengaduan yang diajukan pada periode ini.", "Complaints filed in the period."),
    _f("complaintsAnswered", "count", True, "Pengaduan dijawab", "Complaints answered",
       "Pengaduan yang mendapat jawaban pertama pada periode ini.", "Complaints given a first answer in the period."),
    _f("complaintsAnsweredOnTimeShare", "share", True, "Pengaduan dijawab tepat waktu", "Complaints answered on time",
       "Bagian jawaban pertama yang diberikan paling lambat pada tanggal jatuh tempo pengaduan.",
       "Share of first answers given on or before the complaint's due date."),
)  # fmt: skip

BY_KEY: Final[dict[str, Figure]] = {f.key: f for f in FIGURES}
KEYS: Final[tuple[str, ...]] = tuple(f.key for f in FIGURES)

# --- what the events count for (applications_event, queue_ticket_event, feedback_complaint_event) ---------------

APPLICATION_RECEIVED: Final = "submit"
APPLICATION_DECISIONS: Final[tuple[str, ...]] = ("approve", "reject")
APPLICATION_CORRECTION: Final = "request_correction"
# to_status → the column it counts in.
APPLICATION_ENDS: Final[dict[str, str]] = {"completed": "completed", "rejected": "rejected", "withdrawn": "withdrawn"}
# The timeline entry that moves a due date, with the date it replaced in its detail ("from").
DEADLINE_MOVED: Final = "deadline_changed"

# A ticket is issued for a walk-in ("issued") or at a booking's check-in ("checked_in").
TICKET_WALK_IN: Final = "issued"
TICKET_ISSUED: Final[tuple[str, ...]] = ("issued", "checked_in")
TICKET_SERVED: Final = "done"
TICKET_NO_SHOW: Final = "no_show"
# A transfer moves the ticket to another unit; its detail keeps the unit it left ("fromAgency", "fromService").
TICKET_TRANSFERRED: Final = "transferred"

COMPLAINT_FILED: Final = "filed"
COMPLAINT_ANSWERED: Final = "answered"
# A reassignment keeps the agency code it left ("from"); a moved due date the one it replaced ("previousDueDate").
COMPLAINT_REASSIGNED: Final = "reassigned"

# The consumer's sources (stats_cursor.source) and their advisory-lock keys ("stat" in ASCII, then the source).
SOURCES: Final[dict[str, int]] = {"applications": 0x73746174_01, "queue": 0x73746174_02, "complaints": 0x73746174_03}
# The advisory lock of the SKM region roll-up (api/stats/skm_rollup.py).
SKM_ROLLUP_LOCK: Final = 0x73746174_04

# Histogram values are smallint: longer waits and decisions are kept at the top value (never seen in practice).
HISTOGRAM_TOP: Final = 32767
