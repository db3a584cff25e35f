"""Reading a multipart upload into memory, streamed, within a hard limit.

Litestar's own form parsing puts files in a SpooledTemporaryFile, which rolls over to disk above 1 MB: a
citizen's KTP would then sit unencrypted in /tmp. Here the body is streamed through the ``multipart`` push
parser (the one Litestar itself uses) into memory, counting as it goes, and refused the moment it passes
the limit — never more than the limit is held, and nothing touches the disk. (Routes using this turn the
framework's own body limit off: this function is the limit, and it knows the configured upload size.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from litestar.exceptions import InternalServerException
from multipart import MultipartSegment, ParserError, ParserLimitReached, PushMultipartParser

from api.lib.errors import ProblemError
from api.lib.input_guard import field_text

# Room for the form's other fields and the multipart framing around the file.
OVERHEAD_BYTES = 64 * 1024
MAX_FIELD_BYTES = 2000


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    file: bytes | None = None
    file_name: str = ""
    file_media_type: str | None = None


def too_large(limit: int) -> ProblemError:
    return ProblemError(413, "too_large", f"The file is larger than {limit // (1024 * 1024)} MB.")


async def read_upload(request: Request[Any, Any, Any], *, max_file_bytes: int, file_field: str = "file") -> Upload:
    """Parse ``multipart/form-data`` with one file field and a few short text fields."""
    content_type = request.headers.get("content-type", "")
    mime, _, params = content_type.partition(";")
    boundary = ""
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.lower() == "boundary":
            boundary = value.strip().strip('"')
    if mime.strip().lower() != "multipart/form-data" or not boundary or len(boundary) > 200:
        raise ProblemError(415, "unsupported_media_type", "Send the file as multipart/form-data.")
    announced = request.headers.get("content-length")
    # isascii(): str.isdigit() also takes "²" and other digits that int() refuses.
    if announced and announced.isascii() and announced.isdigit() and int(announced) > max_file_bytes + OVERHEAD_BYTES:
        raise too_large(max_file_bytes)  # refused before reading a byte

    upload = Upload()
    segment: MultipartSegment | None = None
    buffer = bytearray()
    try:
        with PushMultipartParser(
            boundary.encode(), max_segment_count=8, max_segment_size=max_file_bytes + 1, strict=True
        ) as parser:
            received = 0
            async for chunk in request.stream():
                received += len(chunk)
                if received > max_file_bytes + OVERHEAD_BYTES:
                    raise too_large(max_file_bytes)
                for part in parser.parse(chunk):
                    if isinstance(part, MultipartSegment):
                        segment, buffer = part, bytearray()
                    elif part:
                        buffer.extend(part)
                        if segment is not None and segment.name != file_field and len(buffer) > MAX_FIELD_BYTES:
                            raise ProblemError(400, "invalid_request", f"The field {segment.name!r} is too long.")
                    elif segment is not None:
                        if segment.name == file_field:
                            if upload.file is not None:
                                raise ProblemError(400, "invalid_request", "Send one file at a time.")
                            upload.file = bytes(buffer)
                            upload.file_name = segment.filename or ""
                            upload.file_media_type = segment.content_type
                        else:
                            upload.fields[segment.name] = field_text(bytes(buffer), segment.name)
                        segment, buffer = None, bytearray()
                if parser.closed:
                    break
            if not parser.closed:
                raise ProblemError(400, "invalid_request", "The upload ended before it was complete.")
    except ParserLimitReached as exc:
        raise too_large(max_file_bytes) from exc
    except ParserError as exc:
        raise ProblemError(400, "invalid_request", "The upload is not valid multipart/form-data.") from exc
    except InternalServerException as exc:
        # The phone lost its connection mid-upload: nothing was stored. (Nobody reads this answer.)
        raise ProblemError(400, "upload_interrupted", "The upload was interrupted.") from exc
    if upload.file is not None and len(upload.file) > max_file_bytes:
        raise too_large(max_file_bytes)
    return upload
