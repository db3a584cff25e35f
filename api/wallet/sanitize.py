"""The gate every citizen upload passes before it is stored: pure functions on bytes held in memory.

The type is decided by the file's own magic bytes, never by its name or the declared media type (which must
merely agree). Images are decoded under a pixel limit and re-encoded from their pixels alone, so nothing the
citizen did not mean to share leaves with them: no EXIF (GPS position, camera serial), no XMP, no text chunks,
no trailing data (a PNG/ZIP polyglot comes out as a plain PNG). PDFs are kept byte for byte — rewriting one
would break an issuer's digital signature — so they are checked instead: parsed, not encrypted, within bounds,
and with no active content (JavaScript, launch actions, embedded files, rich media, XFA, actions that reach the
network — URI, GoToR, SubmitForm, ImportData — and an OpenAction other than a plain destination) in any object.
Nothing here touches the disk: the plaintext of an upload exists only in memory.
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final, Literal

from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

from api.lib.errors import DomainError

Format = Literal["pdf", "jpeg", "png", "webp"]
RejectionCode = Literal[
    "empty",
    "unsupported_type",
    "type_mismatch",
    "not_accepted",
    "corrupt",
    "encrypted_pdf",
    "active_pdf",
    "image_too_large",
]

MEDIA_TYPES: Final[dict[Format, str]] = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
}
# Declared media types that name a format under another spelling.
_MEDIA_TYPE_ALIASES: Final = {"image/jpg": "image/jpeg"}
# Declared types that make no claim at all: a browser sends these when it does not know the extension.
_NO_CLAIM: Final = {"", "application/octet-stream"}

MAX_PIXELS: Final = 40_000_000  # a 48 MP phone photo in full resolution is refused; 12 MP is the usual default
MAX_PDF_PAGES: Final = 500
MAX_PDF_OBJECTS: Final = 50_000
# References to objects missing from the cross-reference table make pypdf search the whole file once each.
MAX_PDF_DANGLING: Final = 200
JPEG_QUALITY: Final = 85
WEBP_QUALITY: Final = 85

_PIL_FORMATS: Final[dict[Format, str]] = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}

# Names that only ever serve active content: scripts, launching programs, files carried inside the PDF,
# Flash/3D rich media, and XFA forms (which run their own scripts).
ACTIVE_PDF_NAMES: Final = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/Launch",
        "/EmbeddedFiles",
        "/EmbeddedFile",
        "/EF",
        "/FileAttachment",
        "/GoToE",
        "/RichMedia",
        "/XFA",
        # Actions that reach out of the document: open another file (GoToR), send the form's fields somewhere
        # (SubmitForm) or load data into it (ImportData). A PDF opened by an officer must not reach the network.
        "/GoToR",
        "/SubmitForm",
        "/ImportData",
    }
)
# Also refused, but only where they act: ``/URI`` as an action's type (``/S /URI``) or in an action's dictionary
# (the catalog's ``/URI`` base-address dictionary opens nothing), and ``/OpenAction`` unless it is a plain
# destination: ``[page /FitH null]`` only says where to open (fpdf2, which renders our own results, writes one),
# while an action dictionary runs as the file opens.
URI_ACTION: Final = "/URI"
OPEN_ACTION: Final = "/OpenAction"

_STATUS: Final[dict[RejectionCode, int]] = {
    "unsupported_type": 415,
    "type_mismatch": 415,
    "not_accepted": 415,
}


class RejectedFileError(DomainError):
    """The upload cannot be stored; ``code`` is stable, ``detail`` is safe to show the citizen.

    415 when the kind of file is wrong, 422 when the file itself is; the API answers it as it is raised.
    """

    code: RejectionCode

    def __init__(self, code: RejectionCode, detail: str) -> None:
        super().__init__(detail, status=_STATUS.get(code, 422), code=code)


@dataclass(frozen=True, slots=True)
class CleanFile:
    """What may be stored: the re-encoded image or the checked, unchanged PDF."""

    content: bytes
    format: Format
    media_type: str
    pages: int | None = None
    width: int | None = None
    height: int | None = None


def sniff(data: bytes) -> Format | None:
    """The format the magic bytes say, or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def sanitize(
    data: bytes,
    *,
    declared_media_type: str | None,
    accepted: Collection[Format],
    max_pixels: int = MAX_PIXELS,
) -> CleanFile:
    """Check an upload and return what may be stored, or raise RejectedFileError."""
    if not data:
        raise RejectedFileError("empty", "The file is empty.")
    fmt = sniff(data)
    if fmt is None:
        raise RejectedFileError("unsupported_type", "Only PDF, JPEG, PNG and WebP files can be uploaded.")
    declared = _normalise_media_type(declared_media_type)
    if declared not in _NO_CLAIM and declared != MEDIA_TYPES[fmt]:
        # The declared type is the client's text: not echoed back.
        raise RejectedFileError("type_mismatch", f"The file is a {_label(fmt)} file, but it was sent as another type.")
    if fmt not in accepted:
        allowed = ", ".join(_label(f) for f in sorted(accepted)) or "none"
        raise RejectedFileError(
            "not_accepted", f"{_label(fmt)} files are not accepted for this document. Accepted: {allowed}."
        )
    if fmt == "pdf":
        return _check_pdf(data)
    return _reencode_image(data, fmt, max_pixels)


def _normalise_media_type(value: str | None) -> str:
    if value is None:
        return ""
    bare = value.split(";", 1)[0].strip().lower()
    return _MEDIA_TYPE_ALIASES.get(bare, bare)


def _label(fmt: str) -> str:
    return "WebP" if fmt == "webp" else fmt.upper()


# ---------------------------------------------------------------------------------------------------- images


def _reencode_image(data: bytes, fmt: Format, max_pixels: int) -> CleanFile:
    pil_format = _PIL_FORMATS[fmt]
    try:
        # Opening reads the header only; the size is checked before a single pixel is decoded.
        with Image.open(io.BytesIO(data), formats=[pil_format]) as probe:
            _check_pixels(probe.size, max_pixels)
            probe.verify()
        with Image.open(io.BytesIO(data), formats=[pil_format]) as img:
            _check_pixels(img.size, max_pixels)
            img.load()  # the first frame only: an animation is not a document
            upright = ImageOps.exif_transpose(img)
        clean = _output_mode(upright, fmt)
        # The pixels are all that is kept: with ``info`` emptied, no encoder finds a comment, EXIF, XMP,
        # ICC profile or text chunk to copy.
        clean.info = {}
        out = io.BytesIO()
        if fmt == "jpeg":
            clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        elif fmt == "png":
            clean.save(out, format="PNG")
        elif _webp_is_lossless(data):
            clean.save(out, format="WEBP", lossless=True)
        else:
            clean.save(out, format="WEBP", quality=WEBP_QUALITY)
    except Image.DecompressionBombError as exc:
        raise _too_large(max_pixels) from exc
    except RejectedFileError:
        raise
    except Exception as exc:
        # An untrusted decoder fails in many ways (OSError, SyntaxError, ValueError, struct.error, ...);
        # whichever it is, we cannot vouch for the file.
        raise RejectedFileError("corrupt", f"The {_label(fmt)} image is damaged and cannot be read.") from exc
    return CleanFile(
        content=out.getvalue(),
        format=fmt,
        media_type=MEDIA_TYPES[fmt],
        width=clean.width,
        height=clean.height,
    )


def _check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise RejectedFileError("corrupt", "The image has no pixels.")
    if width * height > max_pixels:
        raise _too_large(max_pixels)


def _too_large(max_pixels: int) -> RejectedFileError:
    return RejectedFileError(
        "image_too_large",
        f"The image is larger than {max_pixels // 1_000_000} megapixels. "
        "Please take the photo or scan at a lower resolution.",
    )


def _output_mode(img: Image.Image, fmt: Format) -> Image.Image:
    """The image in a mode the format stores well; transparency kept where the format has it."""
    has_alpha = "A" in img.getbands() or "transparency" in img.info
    if fmt == "jpeg":
        # CMYK, palette and the rest become RGB: every viewer shows RGB JPEGs the same.
        return img if img.mode in ("L", "RGB") else img.convert("RGB")
    if fmt == "png":
        if img.mode in ("1", "L", "LA", "I;16", "RGB", "RGBA") and "transparency" not in img.info:
            return img
        # Palette images and single-colour transparency (tRNS) become explicit alpha, which survives
        # the emptied ``info``.
        return img.convert("RGBA" if has_alpha else "RGB")
    return img if img.mode in ("RGB", "RGBA") else img.convert("RGBA" if has_alpha else "RGB")


def _webp_is_lossless(data: bytes) -> bool:
    """Whether the WebP's first image is lossless (a VP8L chunk), so re-encoding does not blur it."""
    pos = 12
    while pos + 8 <= len(data):
        chunk = data[pos : pos + 4]
        if chunk == b"VP8L":
            return True
        if chunk in (b"VP8 ", b"ANMF"):
            return False
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        pos += 8 + size + (size & 1)
    return False


# ------------------------------------------------------------------------------------------------------ PDFs


def _check_pdf(data: bytes) -> CleanFile:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise RejectedFileError("encrypted_pdf", "The PDF is password-protected. Please upload it unprotected.")
        _check_objects(reader)
        if _has_raw_active_name(data):
            raise _active()
        pages = _count_pages(reader)
    except RejectedFileError:
        raise
    except Exception as exc:
        # pypdf raises its own errors but also ValueError, KeyError, RecursionError, ... on hostile input.
        raise RejectedFileError("corrupt", "The PDF is damaged and cannot be read.") from exc
    return CleanFile(content=data, format="pdf", media_type=MEDIA_TYPES["pdf"], pages=pages)


def _active() -> RejectedFileError:
    return RejectedFileError(
        "active_pdf",
        "The PDF contains scripts, attachments or other active content. Please upload a plain PDF "
        "(for example, print it to PDF).",
    )


def _too_complex() -> RejectedFileError:
    return RejectedFileError("corrupt", "The PDF is too large or complex to check.")


def _check_objects(reader: PdfReader) -> None:
    """Walk the trailer and every indirect object, the ones nothing refers to included."""
    listed = {(gen, num) for gen, entries in reader.xref.items() for num in entries}
    listed |= {(0, num) for num in reader.xref_objStm}
    if len(listed) > MAX_PDF_OBJECTS:
        raise _too_complex()
    pending: list[tuple[int, int]] = sorted(listed)
    seen = set(pending)
    dangling = 0
    stack: list[PdfObject | None] = [reader.trailer]
    while stack or pending:
        if not stack:
            gen, num = pending.pop()
            stack.append(reader.get_object(IndirectObject(num, gen, reader)))
            continue
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            # Objects missing from the cross-reference table are still found by pypdf (and by other
            # readers' repair), so they are walked too — a bounded number of them.
            key = (obj.generation, obj.idnum)
            if key not in seen:
                seen.add(key)
                dangling += 1
                if dangling > MAX_PDF_DANGLING or len(seen) > MAX_PDF_OBJECTS:
                    raise _too_complex()
                stack.append(reader.get_object(obj))
        elif isinstance(obj, DictionaryObject):  # streams too: their dictionary, not their data
            for key_name, value in obj.items():
                if key_name in ACTIVE_PDF_NAMES or (key_name == URI_ACTION and "/S" in obj):
                    raise _active()
                if key_name == OPEN_ACTION and not isinstance(value.get_object(), ArrayObject):
                    raise _active()
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
        elif isinstance(obj, NameObject) and (obj in ACTIVE_PDF_NAMES or obj == URI_ACTION):
            # A name as a value: an action's type (``/S /URI``, ``/S /Launch``) or an entry of an array.
            raise _active()


# A second look at the raw bytes, outside stream data (binary, where any byte sequence occurs by chance): it
# catches active objects that a repairing reader could pick up even though pypdf's table leaves them out.
_NAME_END = rb"(?![^\x00\t\n\x0c\r /%()<>\[\]{}])"
_RAW_ACTIVE_NAME = re.compile(
    rb"/(?:JS|JavaScript|Launch|EmbeddedFiles?|EF|FileAttachment|GoToE|RichMedia|XFA|GoToR|SubmitForm|ImportData)"
    + _NAME_END
    # A URI action and an OpenAction that is an action dictionary (a destination array is allowed).
    + rb"|/S\s*/URI"
    + _NAME_END
    + rb"|/OpenAction\s*<<"
)
_ESCAPED_NAME = re.compile(rb"/[^\x00\t\n\x0c\r /%()<>\[\]{}]*#[0-9A-Fa-f]{2}[^\x00\t\n\x0c\r /%()<>\[\]{}]*")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM_START = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")


def _outside_streams(data: bytes) -> bytes:
    """The bytes with every stream's data cut out; one pass (a regex with ``.*?endstream`` can go quadratic)."""
    parts = []
    pos = 0
    while (start := _STREAM_START.search(data, pos)) is not None:
        end = data.find(b"endstream", start.end())
        if end < 0:
            break  # an unterminated stream: the rest is looked at too
        parts.append(data[pos : start.start()])
        pos = end + len(b"endstream")
    parts.append(data[pos:])
    return b" ".join(parts)


def _has_raw_active_name(data: bytes) -> bool:
    outside = _outside_streams(data)
    # The same names spelt with #xx escapes (``/J#53``, ``/S /U#52I``) are looked at spelt out.
    spelt_out = _ESCAPED_NAME.sub(
        lambda match: _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group()), outside
    )
    return _RAW_ACTIVE_NAME.search(spelt_out) is not None


def _count_pages(reader: PdfReader) -> int:
    tree = reader.root_object["/Pages"].get_object()
    declared = tree.get("/Count", 0) if isinstance(tree, DictionaryObject) else 0
    # The declared count is checked first so a huge page tree is refused before pypdf flattens it.
    if int(declared) > MAX_PDF_PAGES:
        raise RejectedFileError("corrupt", f"The PDF has more than {MAX_PDF_PAGES} pages.")
    pages = len(reader.pages)
    if pages > MAX_PDF_PAGES:
        raise RejectedFileError("corrupt", f"The PDF has more than {MAX_PDF_PAGES} pages.")
    if pages < 1:
        raise RejectedFileError("corrupt", "The PDF has no pages.")
    return pages
