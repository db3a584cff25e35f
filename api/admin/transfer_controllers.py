"""Admin routes of the catalogue's import and export (YAML, the data files' format). Thin: whose region, the body as
it came, If-Match; the rules are in ``api.catalogue.transfer``. Here rather than in the catalogue because a version
an import publishes keeps its author's name, which is the accounts domain's (the catalogue sits below it)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, QueryParameter

from api.accounts.profile import display_name
from api.catalogue import transfer
from api.catalogue.transfer_check import MAX_BYTES
from api.lib.auth import NATIONAL_ADMIN, REGION_ADMIN, Principal, admin_region, allow
from api.lib.db import connection
from api.lib.errors import ProblemError
from api.lib.http import client_ip, etag_value, language

ADMINS = allow(REGION_ADMIN, NATIONAL_ADMIN)
Region = Annotated[
    str | None,
    QueryParameter(pattern=r"^[0-9]{4}$", description="BPS code (a national admin names one; a region admin: own)"),
]
IfMatch = Annotated[
    str | None,
    HeaderParameter(name="If-Match", description='The dry run\'s basis, as an ETag: "<basis>"', required=False),
]
# YAML as such, plain text (a file picked in a browser often has no better type), and JSON (which is YAML).
_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain", "application/json")


def _region(principal: Principal, region: str | None) -> str:
    chosen = admin_region(principal, region)
    if chosen is None:
        raise ProblemError(400, "invalid_request", "Name the region: ?region=<BPS code>.")
    return chosen


class TransferController(Controller):
    path = "/api/v1/admin/catalogue"
    tags = ("admin",)

    @get("/export", operation_id="exportCatalogue", opt=ADMINS)
    async def export(self, principal: NamedDependency[Principal], region: Region = None) -> Response[bytes]:
        """The region's catalogue as a YAML download in the data files' format: its MPP building, hours and counters
        (with the services each serves), agencies, local services in their published version, and its overlay on
        inherited national services. ``ETag``: the basis an import of it may apply against."""
        chosen = _region(principal, region)
        async with connection() as conn:
            exported = await transfer.export_catalogue(conn, region=chosen)
        return Response(
            exported.content,
            media_type="application/yaml; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{exported.filename}"',
                "ETag": f'"{exported.basis}"',
                "Cache-Control": "no-store",
            },
        )

    @post(
        "/import",
        operation_id="importCatalogue",
        opt=ADMINS,
        status_code=200,
        request_max_body_size=MAX_BYTES,
    )
    async def import_catalogue(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        region: Region = None,
        dry_run: Annotated[
            bool, QueryParameter(name="dryRun", description="true (default): check and list the changes only")
        ] = True,
        reason: Annotated[
            str | None, QueryParameter(max_length=500, description="Why (1-500 characters): required to apply")
        ] = None,
        if_match: IfMatch = None,
    ) -> transfer.TransferResult:
        """Check a region's catalogue file (the body: YAML, at most 2 MiB) and answer the changes it makes:
        ``{valid, problems [{field, detail}], changes [{kind, action, code, name, fields}], basis}``. With
        ``dryRun=false``, ``reason`` and ``If-Match: "<basis>"`` (the dry run's), make them in one transaction: 409
        ``catalogue_changed`` when the catalogue moved since, 422 ``invalid_catalogue`` with the problems when a
        change is refused (nothing is applied)."""
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type and content_type not in _TYPES:
            raise ProblemError(415, "unsupported_media_type", "Send the file as application/yaml or text/plain.")
        chosen = _region(principal, region)
        body = await request.body()
        async with connection() as conn:
            actor = transfer.Actor(
                id=principal.id,
                name=await display_name(conn, principal.id),
                national=NATIONAL_ADMIN in principal.roles,
                ip=client_ip(request),
            )
            return await transfer.import_catalogue(
                conn,
                region=chosen,
                body=body,
                actor=actor,
                lang=language(request),
                dry_run=dry_run,
                basis=etag_value(if_match) or None,
                reason=reason,
            )
