"""Admin routes of the client registry: agency systems that sign citizens in with MPP Digital (list, register, read,
change, rotate the secret, suspend and resume), and service accounts, agency back-offices working their cases with
client credentials (list, register, read, rotate, suspend, resume). Thin: who may act where (``admin_region``),
If-Match and ETag; the rules are in ``api.oidc.admin`` and ``api.oidc.service_admin``. Suspending a service account
ends its sessions with auth's ``end_sessions``, handed in here (oidc's services do not import auth, which imports
oidc)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody

from api.auth.service import end_sessions
from api.lib.auth import NATIONAL_ADMIN, REGION_ADMIN, Principal, admin_region, allow
from api.lib.db import connection
from api.lib.http import INT8_MAX, client_ip, required_revision, tagged
from api.oidc import admin, service_admin
from api.oidc.admin import OidcClient, OidcClientCreate, OidcClientCreated, OidcClientList, OidcClientSecret
from api.oidc.service_admin import (
    PublicKeys,
    ServiceAccount,
    ServiceAccountCreate,
    ServiceAccountCreated,
    ServiceAccountList,
)

ADMINS = allow(REGION_ADMIN, NATIONAL_ADMIN)
IfMatch = Annotated[
    str | None, HeaderParameter(name="If-Match", description='The client\'s ETag as read: "<revision>"', required=False)
]
ClientId = FromPath[uuid.UUID]
AccountId = FromPath[uuid.UUID]
# A secret is never kept by a cache.
NO_STORE = {"Cache-Control": "no-store"}


def actor_of(request: Request[Any, Any, Any], principal: Principal) -> admin.Actor:
    """The caller as the admin acting: a region admin's region, or None (every region) for a national admin."""
    return admin.Actor(id=principal.id, scope=admin_region(principal), ip=client_ip(request))


def with_etag(client: OidcClient, status: int = 200) -> Response[Any]:
    return tagged(client, client.revision, status)


class OidcClientAdminController(Controller):
    path = "/api/v1/admin/oidc/clients"
    tags = ("admin",)

    @get("", operation_id="listOidcClients", opt=ADMINS)
    async def list_clients(self, principal: NamedDependency[Principal]) -> OidcClientList:
        """The agency systems registered in my region (a national admin: every one), newest first."""
        async with connection() as conn:
            return await admin.list_clients(conn, scope=admin_region(principal))

    @post("", operation_id="createOidcClient", opt=ADMINS, status_code=201)
    async def create(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[OidcClientCreate],
    ) -> Response[OidcClientCreated]:
        """Register an agency system. The answer carries its `clientSecret`, shown only now (the server keeps its
        hash). A region admin's client is of their region; a national admin names one, or none for the nation."""
        region = admin_region(principal, data.region)
        async with connection() as conn:
            created = await admin.create(conn, actor_of(request, principal), data, region=region)
        return with_etag(created, 201)

    @get("/{client_id:uuid}", operation_id="getOidcClient", opt=ADMINS, cache_control=None)
    async def get_client(self, principal: NamedDependency[Principal], client_id: ClientId) -> Response[OidcClient]:
        """One client, with its ETag (the revision a change names in If-Match)."""
        async with connection() as conn:
            return with_etag(await admin.get_client(conn, scope=admin_region(principal), client=client_id))

    @put("/{client_id:uuid}", operation_id="updateOidcClient", opt=ADMINS)
    async def update(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        client_id: ClientId,
        data: JSONBody[OidcClientCreate],
        if_match: IfMatch = None,
    ) -> Response[OidcClient]:
        """Replace a client's settings. If-Match: its ETag (428 without, 412 when another admin changed it since)."""
        revision = required_revision(
            if_match, missing="Send If-Match with the client's ETag (read it first).", largest=INT8_MAX
        )
        region = admin_region(principal, data.region)
        async with connection() as conn:
            changed = await admin.update(
                conn, actor_of(request, principal), client_id, data, region=region, revision=revision
            )
        return with_etag(changed)

    @post("/{client_id:uuid}/secret", operation_id="rotateOidcClientSecret", opt=ADMINS, status_code=200)
    async def rotate_secret(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], client_id: ClientId
    ) -> Response[OidcClientSecret]:
        """A new secret, shown only now; the old one stops working at once."""
        async with connection() as conn:
            _, secret = await admin.rotate_secret(conn, actor_of(request, principal), client_id)
        return Response(OidcClientSecret(client_secret=secret), headers={"Cache-Control": "no-store"})

    @post("/{client_id:uuid}/suspend", operation_id="suspendOidcClient", opt=ADMINS, status_code=200)
    async def suspend(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], client_id: ClientId
    ) -> Response[OidcClient]:
        """Suspend a client: it can no longer sign anyone in, and the tokens it holds stop working now."""
        async with connection() as conn:
            return with_etag(await admin.suspend(conn, actor_of(request, principal), client_id))

    @post("/{client_id:uuid}/resume", operation_id="resumeOidcClient", opt=ADMINS, status_code=200)
    async def resume(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], client_id: ClientId
    ) -> Response[OidcClient]:
        """Let a suspended client sign citizens in again."""
        async with connection() as conn:
            return with_etag(await admin.resume(conn, actor_of(request, principal), client_id))


class ServiceAccountAdminController(Controller):
    path = "/api/v1/admin/oidc/service-accounts"
    tags = ("admin",)

    @get("", operation_id="listServiceAccounts", opt=ADMINS)
    async def list_accounts(self, principal: NamedDependency[Principal]) -> ServiceAccountList:
        """The agency systems with API access in my region (a national admin: every one), newest first."""
        async with connection() as conn:
            return await service_admin.list_accounts(conn, scope=admin_region(principal))

    @post("", operation_id="createServiceAccount", opt=ADMINS, status_code=201)
    async def create(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[ServiceAccountCreate],
    ) -> Response[ServiceAccountCreated]:
        """Register an agency system (`name`, the `agency` it works for; a national admin names the `region`; preferably
        its public keys, `jwks`, to sign its token requests). The answer carries its `clientId` and, for a system
        without keys, its `clientSecret`, shown only now (the server keeps its hash)."""
        region = admin_region(principal, data.region)
        async with connection() as conn:
            created = await service_admin.create(conn, actor_of(request, principal), data, region=region)
        return Response(created, status_code=201, headers=NO_STORE)

    @get("/{account_id:uuid}", operation_id="getServiceAccount", opt=ADMINS)
    async def get_account(self, principal: NamedDependency[Principal], account_id: AccountId) -> ServiceAccount:
        """One service account."""
        async with connection() as conn:
            return await service_admin.get_account(conn, scope=admin_region(principal), account=account_id)

    @post("/{account_id:uuid}/secret", operation_id="rotateServiceAccountSecret", opt=ADMINS, status_code=200)
    async def rotate_secret(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], account_id: AccountId
    ) -> Response[OidcClientSecret]:
        """A new secret, shown only now; the old one stops working at once."""
        async with connection() as conn:
            secret = await service_admin.rotate_secret(conn, actor_of(request, principal), account_id)
        return Response(OidcClientSecret(client_secret=secret), headers=NO_STORE)

    @put("/{account_id:uuid}/keys", operation_id="replaceServiceAccountKeys", opt=ADMINS)
    async def replace_keys(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        account_id: AccountId,
        data: JSONBody[PublicKeys],
    ) -> ServiceAccount:
        """Replace the system's public keys (a JWK Set); it then signs its token requests (private_key_jwt) and a
        secret it had stops working. To rotate, list the new key beside the old one, then the new one alone."""
        async with connection() as conn:
            return await service_admin.replace_keys(conn, actor_of(request, principal), account_id, data)

    @post("/{account_id:uuid}/suspend", operation_id="suspendServiceAccount", opt=ADMINS, status_code=200)
    async def suspend(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], account_id: AccountId
    ) -> ServiceAccount:
        """Suspend a service account: it gets no new token, and the one it holds stops working now."""
        async with connection() as conn:
            return await service_admin.suspend(
                conn, actor_of(request, principal), account_id, end_sessions=end_sessions
            )

    @post("/{account_id:uuid}/resume", operation_id="resumeServiceAccount", opt=ADMINS, status_code=200)
    async def resume(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], account_id: AccountId
    ) -> ServiceAccount:
        """Let a suspended service account take tokens again."""
        async with connection() as conn:
            return await service_admin.resume(conn, actor_of(request, principal), account_id)
