"""Admin routes of service standards: lists, versions, diffs, drafts (edit, preview, publish) and a region's
overlay on its services (hide, note, retire, reinstate). Region admins act in their own region only (another
region's objects are 404); the national scope is written by national admins only (403).

Every edit names the revision it read in ``If-Match`` (428 without, 412 ``edit_conflict`` when it is stale) and
every read of an editable object answers its ``ETag``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, PathParameter, QueryParameter

from api.accounts.profile import display_name
from api.applications.service.reading import count_for_services
from api.catalogue import schemas, standards
from api.catalogue.standards import Admin, DraftExistsError
from api.lib.auth import NATIONAL_ADMIN, REGION_ADMIN, Principal, admin_region, allow
from api.lib.db import connection
from api.lib.errors import ProblemError, handle_domain_error
from api.lib.http import Page, PageSize, client_ip, if_match_revision, language, tagged

ADMINS = allow(REGION_ADMIN, NATIONAL_ADMIN)
Scope = Annotated[str, PathParameter(pattern=r"^([0-9]{4}|national)$", description="A region's BPS code, or national")]
ScopeQuery = Annotated[
    str | None,
    QueryParameter(name="scope", pattern=r"^([0-9]{4}|national)$", description="A region's BPS code, or national"),
]
RegionQuery = Annotated[str | None, QueryParameter(pattern=r"^[0-9]{4}$", description="A region's BPS code")]
Code = Annotated[str, PathParameter(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80, description="Service code")]
# A string in the path, checked here: an int path type would answer a non-number with a 404 before the access rule
# (an anonymous caller must get 401 like on every other admin route).
VersionNumber = Annotated[str, PathParameter(pattern=r"^[1-9][0-9]{0,6}$", description="Version number, from 1")]
IfMatch = Annotated[
    str | None, HeaderParameter(name="If-Match", description='The ETag as read: "<revision>"', required=False)
]
Search = Annotated[str | None, QueryParameter(max_length=200, description="Words of the name or code")]


def revision_of(if_match: str | None) -> int | None:
    """The revision an edit acts on. Missing: 428 (an edit must say what it edits); ``*``: any (None); a malformed
    tag: 400; a stale one: the service's 412."""
    return if_match_revision(
        if_match, missing="Send If-Match with the ETag you read, so that no change is overwritten.", star_means_any=True
    )


def _reader(principal: Principal) -> Admin:
    """The caller as the standards see them (a region admin without a region is refused by admin_region: 404)."""
    region = None if NATIONAL_ADMIN in principal.roles else admin_region(principal)
    return Admin(id=principal.id, name="", region=region)


async def _author(principal: Principal, request: Request[Any, Any, Any]) -> Admin:
    """The caller with the name the version history keeps (read from their account, as shown then)."""
    async with connection() as conn:
        name = await display_name(conn, principal.id)
    reader = _reader(principal)
    return Admin(id=principal.id, name=name, region=reader.region, ip=client_ip(request))


def _draft_exists(request: Request[Any, Any, Any], exc: DraftExistsError) -> Response[bytes]:
    """409 ``draft_exists``, naming the draft to continue (``draftId``) besides the problem's own members."""
    response = handle_domain_error(request, exc)
    body = msgspec.json.decode(response.content)
    body["draftId"] = str(exc.draft_id)
    response.content = msgspec.json.encode(body)
    return response


async def _standard(admin: Admin, scope: str, code: str) -> Response[schemas.Standard]:
    async with connection() as conn:
        standard = await standards.get_standard(conn, admin, scope=scope, code=code)
        applications = await count_for_services(conn, await standards.service_rows(conn, scope, code))
    return tagged(msgspec.structs.replace(standard, applications=applications), standard.revision)


class StandardsAdminController(Controller):
    path = "/api/v1/admin"
    tags = ("admin",)
    opt = ADMINS
    exception_handlers = {DraftExistsError: _draft_exists}  # noqa: RUF012  (Litestar's own class attribute)

    # --- standards ------------------------------------------------------------------------------------------

    @get("/standards", operation_id="listStandards", cache_control=None)
    async def list_standards(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        scope_code: ScopeQuery = None,
        q: Search = None,
        lifecycle: Annotated[
            Literal["active", "hidden", "retired", "all"],
            QueryParameter(name="state", description="active (default), hidden, retired or all"),
        ] = "active",
        page: Page = 1,
        page_size: PageSize = 50,
    ) -> schemas.StandardList:
        """A region's standards (its own and those it inherits; a region admin: their region by default) or the
        national ones (``scope=national``; read-only for region admins). A national admin names a scope."""
        admin = _reader(principal)
        chosen = admin.default_scope(scope_code)
        if chosen is None:
            raise ProblemError(400, "invalid_request", "Name a scope: a region's BPS code, or national.")
        async with connection() as conn:
            return await standards.list_standards(
                conn, admin, scope=chosen, q=q, state=lifecycle, lang=language(request), page=page, page_size=page_size
            )

    @get("/standards/{scope_code:str}/{code:str}", operation_id="getStandard")
    async def get_standard(
        self, principal: NamedDependency[Principal], scope_code: Scope, code: Code
    ) -> Response[schemas.Standard]:
        """One standard: the version in force (both languages), the region's overlay, its draft and how many
        applications refer to it. ``ETag``: the revision PATCH, retire and reinstate name in If-Match."""
        return await _standard(_reader(principal), scope_code, code)

    @get("/standards/{scope_code:str}/{code:str}/versions", operation_id="listStandardVersions")
    async def list_versions(
        self, principal: NamedDependency[Principal], scope_code: Scope, code: Code
    ) -> schemas.VersionList:
        """Every published version, newest first: who published it, when and why."""
        async with connection() as conn:
            return await standards.list_versions(conn, _reader(principal), scope=scope_code, code=code)

    @get("/standards/{scope_code:str}/{code:str}/versions/{version:str}", operation_id="getStandardVersion")
    async def get_version(
        self, principal: NamedDependency[Principal], scope_code: Scope, code: Code, version: VersionNumber
    ) -> schemas.Version:
        async with connection() as conn:
            return await standards.get_version(
                conn, _reader(principal), scope=scope_code, code=code, version=int(version)
            )

    @get("/standards/{scope_code:str}/{code:str}/diff", operation_id="diffStandardVersions")
    async def diff_versions(
        self,
        principal: NamedDependency[Principal],
        scope_code: Scope,
        code: Code,
        start: Annotated[int | None, QueryParameter(name="from", ge=0, le=1_000_000)] = None,
        end: Annotated[int | None, QueryParameter(name="to", ge=1, le=1_000_000)] = None,
    ) -> schemas.Diff:
        """The changes from version ``from`` to version ``to`` (defaults: the previous and the current version)."""
        async with connection() as conn:
            return await standards.diff_versions(
                conn, _reader(principal), scope=scope_code, code=code, start=start, end=end
            )

    # --- drafts ---------------------------------------------------------------------------------------------

    @post("/drafts", operation_id="createStandardDraft", status_code=201)
    async def create_draft(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.DraftCreate],
    ) -> Response[schemas.Draft]:
        """A draft of a published standard (``{scope, code}``: a copy of its version in force) or of a new service
        (``{scope, content}``). 409 ``draft_exists`` (with ``draftId``) when the standard has one already."""
        admin = await _author(principal, request)
        async with connection() as conn:
            draft = await standards.create_draft(conn, admin, data)
        return tagged(draft, draft.revision, 201)

    @get("/drafts", operation_id="listStandardDrafts", cache_control=None)
    async def list_drafts(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], scope_code: ScopeQuery = None
    ) -> schemas.DraftList:
        async with connection() as conn:
            return await standards.list_drafts(conn, _reader(principal), scope=scope_code, lang=language(request))

    @get("/drafts/{draft_id:uuid}", operation_id="getStandardDraft")
    async def get_draft(
        self, principal: NamedDependency[Principal], draft_id: FromPath[uuid.UUID]
    ) -> Response[schemas.Draft]:
        """A draft with the problems that would block publishing it now. ``ETag``: its revision."""
        async with connection() as conn:
            draft = await standards.get_draft(conn, _reader(principal), draft_id)
        return tagged(draft, draft.revision)

    @put("/drafts/{draft_id:uuid}", operation_id="saveStandardDraft")
    async def save_draft(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        draft_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.DraftUpdate],
        if_match: IfMatch = None,
    ) -> Response[schemas.Draft]:
        """Save the draft's content (kept even with problems; at most 64 KiB). If-Match: its ETag."""
        revision = revision_of(if_match)
        admin = await _author(principal, request)
        async with connection() as conn:
            draft = await standards.save_draft(conn, admin, draft_id, revision=revision, content=data.content)
        return tagged(draft, draft.revision)

    @delete("/drafts/{draft_id:uuid}", operation_id="deleteStandardDraft")
    async def delete_draft(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        draft_id: FromPath[uuid.UUID],
        if_match: IfMatch = None,
    ) -> None:
        """Discard the draft. If-Match: its ETag."""
        revision = revision_of(if_match)
        admin = await _author(principal, request)
        async with connection() as conn:
            await standards.delete_draft(conn, admin, draft_id, revision=revision)

    @get("/drafts/{draft_id:uuid}/preview", operation_id="previewStandardDraft", cache_control=None)
    async def preview_draft(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        draft_id: FromPath[uuid.UUID],
        region: RegionQuery = None,
    ) -> schemas.ServiceDetail:
        """The draft exactly as ``GET /api/v1/services/{id}`` would show it, in the request's language (a national
        draft: in ``region``, by default the first whose MPP has the agency). 422 with its problems otherwise."""
        async with connection() as conn:
            return await standards.preview_draft(
                conn, _reader(principal), draft_id, region=region, lang=language(request)
            )

    @get("/drafts/{draft_id:uuid}/diff", operation_id="diffStandardDraft", cache_control=None)
    async def diff_draft(self, principal: NamedDependency[Principal], draft_id: FromPath[uuid.UUID]) -> schemas.Diff:
        """The draft's changes against the version it started from (a new service: every field, from null)."""
        async with connection() as conn:
            return await standards.diff_draft(conn, _reader(principal), draft_id)

    @post("/drafts/{draft_id:uuid}/publish", operation_id="publishStandardDraft", status_code=201)
    async def publish_draft(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        draft_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.Publish],
        if_match: IfMatch = None,
    ) -> schemas.Published:
        """Publish the draft as the next version, with the reason (1-500 characters). 409 ``stale_draft`` when
        another version was published since the draft started: discard it and start again from that version."""
        revision = revision_of(if_match)
        admin = await _author(principal, request)
        async with connection() as conn:
            return await standards.publish_draft(conn, admin, draft_id, revision=revision, reason=data.reason)

    # --- a region's overlay and lifecycle on its service rows ------------------------------------------------

    @patch("/services/{service_id:uuid}", operation_id="updateServiceOverlay")
    async def update_overlay(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        service_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.OverlayUpdate],
        if_match: IfMatch = None,
    ) -> Response[schemas.Standard]:
        """Hide (or show again) an inherited national service in the region; set or remove (null) the region's
        note on any of its services, shown to citizens. A local service is retired instead (409 ``local_service``)."""
        revision = revision_of(if_match)
        admin = await _author(principal, request)
        async with connection() as conn:
            scope, code = await standards.update_overlay(conn, admin, service_id, revision=revision, data=data)
        return await _standard(admin, scope, code)

    @post("/services/{service_id:uuid}/retire", operation_id="retireService", status_code=200)
    async def retire(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        service_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.ReasonBody],
        if_match: IfMatch = None,
    ) -> Response[schemas.Standard]:
        """Retire a region's own service: it leaves search and cannot be applied to; applications made carry on."""
        return await self._lifecycle(request, principal, service_id, data, if_match, retired=True)

    @post("/services/{service_id:uuid}/reinstate", operation_id="reinstateService", status_code=200)
    async def reinstate(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        service_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.ReasonBody],
        if_match: IfMatch = None,
    ) -> Response[schemas.Standard]:
        return await self._lifecycle(request, principal, service_id, data, if_match, retired=False)

    async def _lifecycle(
        self,
        request: Request[Any, Any, Any],
        principal: Principal,
        service_id: uuid.UUID,
        data: schemas.ReasonBody,
        if_match: str | None,
        *,
        retired: bool,
    ) -> Response[schemas.Standard]:
        revision = revision_of(if_match)
        admin = await _author(principal, request)
        async with connection() as conn:
            scope, code = await standards.set_retired(
                conn, admin, service_id, revision=revision, retired=retired, reason=data.reason
            )
        return await _standard(admin, scope, code)
