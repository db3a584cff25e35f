"""The result document an agency issues when it completes an application: a PDF with its attestation's QR."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def tanggal(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class ResultDocument:
    number: str
    title: str  # the service's output, e.g. "Akta Kelahiran dan Kartu Keluarga terbaru"
    service: str
    agency: str
    region: str
    holder: str  # whom the result is for: the applicant, or the family member they applied for
    holder_nik: str | None  # masked (3302********0002): enough to tell whose it is, not enough to misuse
    decided_on: dt.date
    officer: str  # who completed the application and issued this document
    applicant: str | None = None  # who applied, when not the holder (under a family mandate)
    decided_by: str | None = None  # the officer who approved it, when not the one who issued it


def _latin1(text: str) -> str:
    # The built-in PDF fonts speak Latin-1; Indonesian needs nothing more, but names may carry other letters.
    return text.encode("latin-1", "replace").decode("latin-1")


def render(doc: ResultDocument, verification_url: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(doc.title))
    pdf.set_author(_latin1(doc.agency))
    pdf.set_creator("MPP Digital")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, _latin1(doc.agency.upper()), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(
        0, 6, _latin1(f"{doc.region} - Mal Pelayanan Publik Digital"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(4)
    pdf.line(15, pdf.get_y(), 195, pdf.get_y())
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, _latin1(doc.title), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 7, _latin1(f"Nomor: {doc.number}"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    rows = [
        ("Layanan", doc.service),
        ("Atas nama", doc.holder),
        *((("NIK", doc.holder_nik),) if doc.holder_nik else ()),
        *((("Pemohon", doc.applicant),) if doc.applicant and doc.applicant != doc.holder else ()),
        ("Instansi", doc.agency),
        *((("Diputuskan oleh", doc.decided_by),) if doc.decided_by and doc.decided_by != doc.officer else ()),
        ("Petugas", doc.officer),
        ("Tanggal terbit", tanggal(doc.decided_on)),
    ]
    for label, value in rows:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(45, 8, _latin1(label))
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 8, _latin1(f": {value}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(10)
    qr = io.BytesIO()
    segno.make(verification_url, error="m").save(qr, kind="png", scale=4, border=2)
    qr.seek(0)
    y = pdf.get_y()
    pdf.image(qr, x=15, y=y, w=45, h=45)
    pdf.set_xy(65, y + 4)
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(
        0,
        5,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
        text=_latin1(
            "Dokumen ini diterbitkan secara elektronik melalui MPP Digital dan sah tanpa tanda tangan basah. "
            "Pindai kode QR untuk memeriksa keasliannya, juga tanpa internet. / This document was issued "
            "electronically; scan the QR code to verify it."
        ),
    )
    return bytes(pdf.output())
