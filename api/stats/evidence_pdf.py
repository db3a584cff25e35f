"""The compliance evidence pack as a PDF (fpdf2, the built-in Helvetica as the result documents use it): a title page
block naming the unit and the period, then one table per section. Every value is written by ``evidence.number``,
as in the CSV, so a reader can check one against the other."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from api.applications.result_pdf import tanggal
from api.stats.evidence import Pack, number


def _latin1(text: str) -> str:
    # The built-in PDF fonts speak Latin-1; names may carry other letters.
    return text.encode("latin-1", "replace").decode("latin-1")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 12)
    pdf.multi_cell(0, 7, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 8)


def _table(pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[int]) -> None:
    if not rows:
        pdf.multi_cell(0, 5, "Tidak ada data. / No data.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    with pdf.table(col_widths=tuple(widths), text_align="LEFT", line_height=4.5) as table:
        head = table.row()
        for title in header:
            head.cell(_latin1(title))
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(_latin1(number(value)))


def render(evidence: Pack) -> bytes:
    pdf = FPDF(format="A4", orientation="landscape")
    pdf.set_title(_latin1(f"Bukti kepatuhan standar pelayanan: {evidence.name}"))
    pdf.set_author("MPP Digital")
    pdf.set_creator("MPP Digital")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, "Paket Bukti Kepatuhan Standar Pelayanan", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    lines = [
        f"Unit: {evidence.name} ({evidence.unit})",
        f"Wilayah: {evidence.region_name} ({evidence.region_code})",
        f"Periode: {tanggal(evidence.start)} - {tanggal(evidence.end)}",
        f"Dibuat: {evidence.generated_at:%Y-%m-%d %H:%M} UTC; data per: "
        + (f"{evidence.as_of:%Y-%m-%d %H:%M} UTC" if evidence.as_of else "-"),
        "Compliance evidence pack: published standards, SLA performance, SKM index against the sample needed, "
        "complaint turnaround by deadline tier.",
    ]
    for line in lines:
        pdf.multi_cell(0, 5.5, _latin1(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    _heading(pdf, "1. Standar pelayanan yang berlaku / Published service standards")
    _table(
        pdf,
        ("Kode", "Layanan", "Instansi", "Versi", "Terbit", "SLA (hari kerja)", "Biaya (Rp)"),
        [(s.code, s.name, s.agency, s.version, s.published_at, s.sla_days, s.fee) for s in evidence.standards],
        (40, 80, 35, 15, 25, 30, 25),
    )
    _heading(pdf, "2. Kinerja waktu penyelesaian / SLA performance (* = seluruh unit)")
    _table(
        pdf,
        ("Kode", "Layanan", "Masuk", "Diputus", "Tepat waktu", "Porsi", "Median hari", "P90 hari"),
        [
            (a.code, a.name, a.received, a.decided, a.decided_in_sla, a.share, a.decide_days_median, a.decide_days_p90)
            for a in evidence.sla
        ],
        (40, 80, 20, 20, 25, 20, 25, 20),
    )
    _heading(pdf, "3. Indeks Kepuasan Masyarakat / SKM index and sample (Krejcie-Morgan)")
    _table(
        pdf,
        ("Kode", "Layanan", "Transaksi", "Responden", "Sampel minimal", "Tercapai", "IKM", "Mutu"),
        [
            (k.code, k.name, k.transactions, k.respondents, k.sample_needed, k.reached, k.ikm, k.grade)
            for k in evidence.skm
        ],
        (40, 80, 22, 22, 25, 20, 20, 15),
    )
    _heading(pdf, "4. Penanganan pengaduan per batas waktu / Complaint turnaround by deadline tier")
    _table(
        pdf,
        ("Kategori", "Nama", "Batas (hari kerja)", "Diterima", "Dijawab", "Tepat waktu"),
        [
            (t.category, t.name_id, t.response_days, t.received, t.answered, t.answered_on_time)
            for t in evidence.complaints
        ],
        (35, 80, 35, 30, 30, 30),
    )
    return bytes(pdf.output())
