"""Sample files, built in memory: a phone camera's JPEG (with EXIF), a PNG, hand-written PDFs."""

from __future__ import annotations

import io

from PIL import Image

# A classic PDF header; the second line of high bytes marks the file as binary, as most writers do.
BINARY_PDF_HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def jpeg(color: str = "red", *, gps: bool = False, size: tuple[int, int] = (64, 48)) -> bytes:
    """A photo as a phone takes it: the camera's make in EXIF and, with ``gps``, where it was taken."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if gps:
        exif[0x8825] = {1: "S", 2: (7.0, 25.0, 0.0), 3: "E", 4: (109.0, 14.0, 0.0)}  # near Purwokerto
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(color: str = "blue") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), color).save(out, "PNG")
    return out.getvalue()


def hand_pdf(*objects: bytes, unlisted: bytes = b"", header: bytes = BINARY_PDF_HEADER) -> bytes:
    """A PDF with a classic xref table; object 1 is the catalog. ``unlisted`` is an object the xref leaves out."""
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    out += unlisted
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf(extra: bytes = b"") -> bytes:
    """A minimal one-page PDF, optionally with an extra catalog entry (e.g. an OpenAction)."""
    return hand_pdf(
        b"<< /Type /Catalog /Pages 2 0 R " + extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        header=b"%PDF-1.7\n",
    )
