"""What a notification says, in the citizen's language. Lock screens are public: nothing personal beyond the
application number, the service and the new status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from api.applications.statuses import (
    APPROVED,
    COMPLETED,
    IN_REVIEW,
    NEEDS_CORRECTION,
    REJECTED,
    SUBMITTED,
    WITHDRAWN,
    Status,
)

STATUS: dict[Status, tuple[str, str]] = {
    SUBMITTED: ("diterima", "received"),
    IN_REVIEW: ("sedang diperiksa", "under review"),
    NEEDS_CORRECTION: ("perlu perbaikan dari Anda", "needs a correction from you"),
    APPROVED: ("disetujui", "approved"),
    COMPLETED: ("selesai, dokumen ada di dompet Anda", "completed, the document is in your wallet"),
    REJECTED: ("ditolak", "rejected"),
    WITHDRAWN: ("dibatalkan", "withdrawn"),
}
# A complaint's statuses as its author reads them (api/feedback/complaint_rules.py).
COMPLAINT_STATUS: dict[str, tuple[str, str]] = {
    "submitted": ("diterima, menunggu jawaban instansi", "received, awaiting the agency's answer"),
    "escalated": ("diteruskan ke pemerintah daerah", "escalated to the regional government"),
    "answered": (
        "sudah dijawab: mohon konfirmasi atau sanggah jawabannya",
        "answered: please confirm or dispute the answer",
    ),
    "closed": ("selesai", "closed"),
}
# Events that need the citizen to do something: an SMS goes out when there is no push subscription.
NEEDS_ACTION = {
    ("application.status_changed", NEEDS_CORRECTION),
    ("application.status_changed", COMPLETED),
    ("document.expiring", None),
    ("document.rejected", None),
    # The queue (api/queue): the turn nears, and a booking's day begins — an SMS when there is no push.
    ("queue.heads_up", None),
    ("queue.booking_today", None),
    # The building closed on a booked day: nobody should travel to a closed door.
    ("queue.booking_cancelled_closure", None),
}
MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
MAX_PAYLOAD_BYTES = 3000


@dataclass(frozen=True)
class Text:
    title: str
    body: str
    url: str
    urgency: str  # very-low | low | normal | high
    topic: str | None  # replaces an older push with the same topic on the device


def _name(payload: dict[str, Any], key: str, lang: str) -> str:
    value = payload.get(key) or {}
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("id") or "")
    return str(value)


def render(topic: str, payload: dict[str, Any], lang: str) -> Text:
    # Long on purpose: one short branch per topic, so that every message a person can get, in both languages, reads as
    # one table.
    en = lang == "en"
    if topic == "application.status_changed":
        status = payload.get("status", "")
        label = STATUS.get(status, (status, status))[1 if en else 0]
        number = payload.get("number") or ""
        service = _name(payload, "serviceName", lang)
        title = f"{'Application' if en else 'Permohonan'} {number}".strip()
        urgency = "high" if status in (NEEDS_CORRECTION, COMPLETED, REJECTED) else "normal"
        application = str(payload.get("application", ""))
        return Text(
            title,
            f"{service}: {label}",
            f"/#/applications/{application}",
            urgency,
            "a" + application.replace("-", "")[:31] if application else None,
        )
    if topic == "application.deadline_changed":
        # A day off was added inside the application's deadline (api/applications/service/deadlines.py).
        number = payload.get("number") or ""
        until = str(payload.get("to") or "")
        day = dt.date.fromisoformat(until[:10]).strftime("%d-%m-%Y") if until else ""
        reason = _name(payload, "dayName", lang)
        body = f"Deadline moved to {day}: {reason}." if en else f"Tenggat diundur ke {day}: {reason}."
        title = f"{'Application' if en else 'Permohonan'} {number}".strip()
        return Text(title, body, f"/#/applications/{payload.get('application', '')}", "normal", None)
    if topic in ("document.verified", "document.rejected"):
        kind = _name(payload, "documentType", lang)
        ok = topic == "document.verified"
        body = (
            (f"{kind} has been verified." if ok else f"{kind} was rejected: please upload it again.")
            if en
            else (f"{kind} telah diverifikasi." if ok else f"{kind} ditolak: mohon unggah ulang.")
        )
        return Text("MPP Digital", body, f"/#/wallet/{payload.get('document', '')}", "normal" if ok else "high", None)
    if topic == "document.expiring":
        kind = _name(payload, "documentType", lang)
        until = payload.get("validUntil", "")
        day = dt.date.fromisoformat(until[:10]).strftime("%d-%m-%Y") if until else ""
        body = f"{kind} expires on {day}." if en else f"{kind} akan kedaluwarsa pada {day}."
        return Text("MPP Digital", body, f"/#/wallet/{payload.get('document', '')}", "normal", None)
    if topic == "account.nik_released":
        # The NIK was proven by its owner on another account (api.accounts.assurance.bind_nik); nothing else changed.
        body = (
            "Your NIK was verified by its owner on another account and removed from yours. Everything else stays. "
            "If it is your NIK, verify your identity in Settings or at an MPP counter."
            if en
            else "NIK Anda telah diverifikasi oleh pemiliknya di akun lain dan dihapus dari akun Anda. Data lain tetap "
            "ada. Jika NIK itu milik Anda, verifikasi identitas di Pengaturan atau di loket MPP."
        )
        return Text("MPP Digital", body, "/#/settings/identity", "high", "nik")
    if topic == "queue.heads_up":
        # A ticket came within a few places of the front of its line (api.queue.counter.heads_up).
        number = str(payload.get("number") or "")
        ahead = int(payload.get("ahead") or 0)
        agency = _name(payload, "agencyName", lang)
        if en:
            body = (
                f"Ticket {number}: your turn is next at {agency}."
                if ahead == 0
                else f"Ticket {number}: {ahead} ahead of you at {agency}. Please stay near the counters."
            )
        else:
            body = (
                f"Antrean {number}: giliran Anda berikutnya di {agency}."
                if ahead == 0
                else f"Antrean {number}: {ahead} orang lagi di {agency}. Mohon tetap di dekat loket."
            )
        title = "Your turn is near" if en else "Giliran Anda segera tiba"
        return Text(title, body, f"/#/q/{payload.get('token', '')}", "high", "q" + number.replace("-", ""))
    if topic == "queue.booking_today":
        start = str(payload.get("start") or "")
        at = start[11:16] if len(start) >= 16 else ""
        service = _name(payload, "serviceName", lang)
        mpp = str(payload.get("mppName") or "MPP")
        body = (
            f"Today at {at}: {service}, {mpp}. Scan your booking's QR at the kiosk from an hour before."
            if en
            else f"Hari ini pukul {at}: {service}, {mpp}. Pindai QR booking Anda di kios mulai satu jam sebelumnya."
        )
        title = "Your MPP booking" if en else "Jadwal antrean MPP Anda"
        return Text(title, body, f"/#/queue/{payload.get('booking', '')}", "normal", "b" + at.replace(":", ""))
    if topic == "queue.booking_cancelled_closure":
        # The MPP closed on a day with bookings (api.queue.jobs): the booking is cancelled, the citizen told why.
        try:
            closed = dt.date.fromisoformat(str(payload.get("day") or ""))
            when = (
                f"{closed.day} {closed:%B} {closed.year}"
                if en
                else f"{closed.day} {MONTHS_ID[closed.month - 1]} {closed.year}"
            )
        except ValueError:
            when = str(payload.get("day") or "")
        service = _name(payload, "serviceName", lang)
        reason = _name(payload, "reason", lang)
        body = (
            f"The MPP is closed on {when} ({reason}). Your booking for {service} is cancelled; please book another day."
            if en
            else f"MPP tutup pada {when} ({reason}). Booking {service} Anda dibatalkan; silakan pesan hari lain."
        )
        title = "MPP booking cancelled" if en else "Booking MPP dibatalkan"
        return Text(title, body, f"/#/queue/{payload.get('booking', '')}", "high", "c" + str(payload.get("day", "")))
    if topic == "feedback.survey_invite":
        # An application completed or rejected, or a ticket served (api.feedback.surveys.invite): rate it once.
        agency = _name(payload, "agencyName", lang)
        body = (
            f"How was the service at {agency}? Give your rating (1 minute)"
            if en
            else f"Bagaimana pelayanan {agency}? Beri penilaian Anda (1 menit)"
        )
        title = "Rate the service" if en else "Survei Kepuasan Masyarakat"
        invitation = str(payload.get("invitation", ""))
        return Text(title, body, f"/#/surveys/{invitation}", "low", "s" + invitation.replace("-", "")[:31])
    if topic == "complaint.status_changed":
        # A complaint's new status (api.feedback.complaints.notify): its number and status only, never its text.
        status = str(payload.get("status") or "")
        label = COMPLAINT_STATUS.get(status, (status, status))[1 if en else 0]
        number = str(payload.get("number") or "")
        title = f"{'Complaint' if en else 'Pengaduan'} {number}".strip()
        complaint = str(payload.get("complaint", ""))
        urgency = "high" if status == "answered" else "normal"
        tag = "k" + complaint.replace("-", "")[:31] if complaint else None
        return Text(title, label, f"/#/complaints/{complaint}", urgency, tag)
    if topic == "mandate.reviewed":
        # A Disdukcapil officer's review of a parental mandate (api.accounts.mandate_review): the outcome only.
        approved = bool(payload.get("approved"))
        title = "Family mandate" if en else "Kuasa keluarga"
        if approved:
            body = (
                "An officer checked your family card: the mandate is active."
                if en
                else ("Petugas sudah memeriksa KK Anda: kuasa sudah aktif.")
            )
        else:
            body = (
                "An officer could not confirm the mandate. See the reason in the app."
                if en
                else ("Petugas belum dapat menyetujui kuasa. Lihat alasannya di aplikasi.")
            )
        return Text(
            title, body, "/#/settings/family", "normal", "m" + str(payload.get("mandate", "")).replace("-", "")[:31]
        )
    if topic == "auth.new_sign_in":
        body = (
            "A new device signed in to your account. Not you? Sign it out in Settings."
            if en
            else "Ada perangkat baru yang masuk ke akun Anda. Bukan Anda? Keluarkan di Pengaturan."
        )
        return Text("MPP Digital", body, "/#/settings", "high", "signin")
    return Text("MPP Digital", "", "/", "normal", None)


def needs_action(topic: str, payload: dict[str, Any]) -> bool:
    return (topic, payload.get("status")) in NEEDS_ACTION or (topic, None) in NEEDS_ACTION


def sms_text(text: Text, public_url: str) -> str:
    link = f" {public_url.rstrip('/')}{text.url}" if public_url else ""
    return f"MPP Digital: {text.title} - {text.body}{link}"[:300]


# --- texts sent by SMS outside the outbox (codes and warnings), in the account's language --------------------
# The Indonesian texts are the ones people already receive; English ones say the same, warnings included.


def sign_in_code(code: str, lang: str) -> str:
    """The sign-in code's SMS (the caller adds the WebOTP line)."""
    if lang == "en":
        return (
            f"MPP Digital sign-in code: {code}. Valid for 5 minutes. NEVER give this code to anyone, officers included."
        )
    return (
        f"Kode masuk MPP Digital: {code}. Berlaku 5 menit. JANGAN berikan kode ini kepada siapa pun, termasuk petugas."
    )


def phone_change_code(code: str, lang: str) -> str:
    """The code that confirms a new phone number, sent to that number."""
    if lang == "en":
        return f"Code to change the phone number of MPP Digital: {code}. Valid for 5 minutes. Give it to nobody."
    return f"Kode untuk mengganti nomor HP di MPP Digital: {code}. Berlaku 5 menit. Jangan berikan kepada siapa pun."


def phone_changed(lang: str) -> str:
    """The warning to the old number once the number has changed: if it was not its owner, they know at once."""
    if lang == "en":
        return "The phone number of your MPP Digital account was changed. Not you? Contact the nearest MPP at once."
    return "Nomor HP akun MPP Digital Anda telah diganti. Jika bukan Anda, segera hubungi MPP terdekat."


def kiosk_status_code(number: str, code: str, lang: str) -> str:
    """The code that lets a kiosk show an application's status. It says where the code is for (a kiosk, this
    number) so that an owner who is not at a kiosk knows to ignore it."""
    if lang == "en":
        return (
            f"Code to see the status of application {number} at an MPP kiosk: {code}. Valid for 5 minutes. "
            "If you are not at an MPP kiosk, ignore this message and do NOT give this code to anyone."
        )
    return (
        f"Kode untuk melihat status permohonan {number} di kios MPP: {code}. Berlaku 5 menit. "
        "Jika Anda tidak sedang di kios MPP, abaikan pesan ini dan JANGAN berikan kode ini kepada siapa pun."
    )
