"""Routes of the open data (public, outside /api: ``/open-data/datapackage.json``, ``/open-data/<name>.csv``, and
each kept release at ``/open-data/<version>/…``), the public MPP performance page, and the compliance evidence pack.

Open data answers carry a strong ETag (the file's SHA-256; the package's own hash), ``Access-Control-Allow-Origin: *``
(any portal or notebook may fetch them from a browser) and caching: a release's own URLs never change (a year,
immutable); the latest's for a few minutes, until the next daily release.

The latest data package names its resources by their release's folder (``<version>/<name>.csv``), so a client that
reads it and then its files gets one consistent release even if a new one is published in between.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Final, Literal

import asyncpg
import msgspec
from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from api.config import Settings
from api.lib.auth import Principal, public
from api.lib.db import connection, replica_connection
from api.lib.errors import NotFoundError
from api.lib.http import language
from api.stats import evidence, evidence_pdf, open_data_jobs, open_data_store
from api.stats.controllers import STAFF_FIGURES, FromDate, ToDate, _day, _viewer
from api.stats.public import MAX_MONTHS, public_mpp
from api.stats.public_schemas import PublicMpp

CSV_TYPE: Final = "text/csv; charset=utf-8"
JSON_TYPE: Final = "application/json"
CORS: Final = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag"}
LATEST_CACHE: Final = "public, max-age=300"
RELEASE_CACHE: Final = "public, max-age=31536000, immutable"
PUBLIC_PAGE_CACHE: Final = {"Cache-Control": "public, max-age=300", "Vary": "Accept-Language"}
_VERSION = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_FILE = re.compile(r"^([a-z_]{1,40})\.csv$")
PACKAGE_FILE: Final = "datapackage.json"

Months = Annotated[int, QueryParameter(ge=1, le=MAX_MONTHS, description="How many months, the current one included")]
EvidenceUnit = Annotated[str, QueryParameter(max_length=60, description="agency:<id> or mpp:<id>")]
EvidenceFormat = Annotated[Literal["pdf", "csv"], QueryParameter(description="pdf (default) or csv")]


class OpenDataNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("open data file")


def _answer(request: Request[Any, Any, Any], body: bytes, etag: str, media_type: str, cache: str) -> Response[bytes]:
    """The body with its ETag, caching and CORS headers; 304 when the client has it already."""
    headers = {**CORS, "ETag": etag, "Cache-Control": cache}
    wanted = {t.strip() for t in request.headers.get("if-none-match", "").split(",")}
    if etag in wanted or "*" in wanted:
        return Response(content=b"", status_code=304, headers=headers)
    return Response(content=body, media_type=media_type, headers=headers)


# A read of one release on a connection: its package, or one of its files.
Read = Callable[[asyncpg.Connection, str], Awaitable[Any]]


def _options(request: Request[Any, Any, Any]) -> Any:
    settings: Settings = request.app.state.settings
    return settings.open_data


async def _read_release(request: Request[Any, Any, Any], version: str | None, read: Read) -> tuple[str, Any]:
    """``read(conn, release)`` of the named release, or of the latest: on the replica (releases never change), else
    on the primary, which makes the first release when there is none yet (or the replica has not replayed it)."""
    async with replica_connection() as conn:
        release = version or await open_data_store.latest_version(conn)
        found = await read(conn, release) if release else None
    if found is None and version is None:
        async with connection() as conn:
            release = await open_data_jobs.ensure_release(conn, _options(request))
            found = await read(conn, release)
    return release or "", found


async def _package(request: Request[Any, Any, Any], version: str | None) -> Response[bytes]:
    latest = version is None
    if version is not None and not _VERSION.match(version):
        raise OpenDataNotFoundError()
    version, package = await _read_release(request, version, open_data_store.fetch_package)
    if package is None:
        raise OpenDataNotFoundError()
    if latest:
        for resource in package["resources"]:
            resource["path"] = f"{version}/{resource['path']}"
    body = msgspec.json.encode(package)
    etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
    return _answer(request, body, etag, JSON_TYPE, LATEST_CACHE if latest else RELEASE_CACHE)


async def _file(request: Request[Any, Any, Any], version: str | None, file: str) -> Response[bytes]:
    match = _FILE.match(file)
    if match is None or (version is not None and not _VERSION.match(version)):
        raise OpenDataNotFoundError()
    name = match.group(1)
    _, found = await _read_release(
        request, version, lambda conn, release: open_data_store.fetch_file(conn, release, name)
    )
    if found is None:
        raise OpenDataNotFoundError()
    cache = RELEASE_CACHE if version else LATEST_CACHE
    return _answer(request, found.content, f'"{found.sha256}"', CSV_TYPE, cache)


class OpenDataController(Controller):
    path = "/open-data"
    tags = ("open-data",)

    @get(f"/{PACKAGE_FILE}", operation_id="getOpenDataPackage", opt=public())
    async def latest_package(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        """The latest release's Frictionless data package (CKAN-compatible), made on the first start if none exists;
        its resources are named by their release folder."""
        return await _package(request, None)

    @get("/{file:str}", operation_id="getOpenDataFile", opt=public())
    async def latest_file(self, request: Request[Any, Any, Any], file: FromPath[str]) -> Response[bytes]:
        """A CSV resource of the latest release (``<name>.csv``)."""
        return await _file(request, None, file)

    @get(f"/{{version:str}}/{PACKAGE_FILE}", operation_id="getOpenDataReleasePackage", opt=public())
    async def release_package(self, request: Request[Any, Any, Any], version: FromPath[str]) -> Response[bytes]:
        """A kept release's data package (``YYYY-MM-DD``; the last 30 are kept)."""
        return await _package(request, version)

    @get("/{version:str}/{file:str}", operation_id="getOpenDataReleaseFile", opt=public())
    async def release_file(
        self, request: Request[Any, Any, Any], version: FromPath[str], file: FromPath[str]
    ) -> Response[bytes]:
        """A CSV resource of a kept release."""
        return await _file(request, version, file)


class PublicStatsController(Controller):
    path = "/api/v1/stats"
    tags = ("stats",)

    @get("/public/mpps/{mpp_id:uuid}", operation_id="getPublicMppPerformance", opt=public())
    async def public_mpp(
        self, request: Request[Any, Any, Any], state: State, mpp_id: FromPath[uuid.UUID], months: Months = MAX_MONTHS
    ) -> Response[PublicMpp]:
        """An MPP building's last months and its services (standard version, SLA, figures): aggregates only, small
        counts suppressed (null, and named in ``suppressed``)."""
        settings: Settings = state.settings
        async with replica_connection() as conn:
            found = await public_mpp(
                conn,
                mpp_id=mpp_id,
                months=months,
                suppress_below=settings.open_data.suppress_below,
                lang=language(request),
            )
        return Response(found, headers=PUBLIC_PAGE_CACHE)

    @get("/evidence", operation_id="getComplianceEvidence", opt=STAFF_FIGURES)
    async def evidence_pack(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        unit: EvidenceUnit,
        start: FromDate,
        end: ToDate,
        format: EvidenceFormat = "pdf",
    ) -> Response[bytes]:
        """The compliance evidence pack of an agency or MPP building over a period (PDF or CSV): published standards,
        SLA performance, SKM against the sample needed, complaint turnaround by deadline tier."""
        first, last = _day(start, "from"), _day(end, "to")
        async with connection() as conn:
            found = await evidence.pack(
                conn, unit=unit, viewer=_viewer(principal), start=first, end=last, lang=language(request)
            )
        name = f"bukti-kepatuhan-{unit.replace(':', '-')}-{first}-{last}.{format}"
        body, media = (
            (evidence.to_csv(found), CSV_TYPE) if format == "csv" else (evidence_pdf.render(found), "application/pdf")
        )
        headers = {"Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="{name}"'}
        return Response(content=body, media_type=media, headers=headers)
