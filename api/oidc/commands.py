"""``mpp oidc clients …``: registering the agency systems that sign citizens in with MPP Digital (CONTRACT.md)."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import click


@click.group("oidc")
def oidc() -> None:
    """Single sign-on: the agency systems that sign citizens in with MPP Digital."""


@oidc.group("clients")
def oidc_clients() -> None:
    """Registered OpenID Connect clients (relying parties)."""


@oidc_clients.command("create")
@click.option("--name", required=True, help="The system's name as citizens see it on the consent screen")
@click.option("--redirect-uri", "redirect_uris", required=True, multiple=True, help="Exact redirect URI (repeatable)")
@click.option("--sector", default=None, help="Pairwise sector: clients of one sector see one sub (default: the host)")
@click.option("--region", default=None, help="Region BPS code of the client's owner (default: national)")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    help="Allowed scope (repeatable): openid profile phone nik assurance offline_access (default: openid profile)",
)
@click.option("--backchannel-logout-uri", default=None, help="Where logout tokens are POSTed")
@click.option("--post-logout-redirect-uri", "post_logout", multiple=True, help="Allowed after RP-initiated logout")
@click.option(
    "--id-token-alg", default="RS256", type=click.Choice(["RS256", "ES256"]), help="How its ID tokens are signed"
)
def oidc_clients_create(
    name: str,
    redirect_uris: tuple[str, ...],
    sector: str | None,
    region: str | None,
    scopes: tuple[str, ...],
    backchannel_logout_uri: str | None,
    post_logout: tuple[str, ...],
    id_token_alg: str,
) -> None:
    """Register a client; prints its client_id and client_secret as JSON (last line). The secret is shown once."""
    import asyncpg

    from api.lib.errors import DomainError
    from api.oidc.clients import DEFAULT_SCOPES, ClientSettings, client_json, create_client

    settings = ClientSettings(
        name=name,
        redirect_uris=redirect_uris,
        scopes=scopes or DEFAULT_SCOPES,
        sector=sector,
        region=region,
        post_logout_redirect_uris=post_logout,
        backchannel_logout_uri=backchannel_logout_uri,
        id_token_alg=id_token_alg,
    )

    async def work(dsn: str) -> dict[str, Any]:
        conn = await asyncpg.connect(dsn)
        try:
            row, secret = await create_client(conn, settings, created_by=None, allow_http_hosts=_test_hosts())
        except DomainError as exc:
            raise click.ClickException(exc.detail) from exc
        finally:
            await conn.close()
        return {**client_json(row), "client_id": row["client_id"], "client_secret": secret}

    from api.cli import _with_database  # the command's module is loaded by api.cli itself

    result = asyncio.run(_with_database(work))
    click.echo(f"Client {result['name']!r} registered. Its secret is shown only now.")
    click.echo(json.dumps(result))


def _test_hosts() -> frozenset[str]:
    """MPP_OIDC_TEST_HOSTS: hosts whose plain-http redirect URIs are accepted (tests), besides loopback."""
    return frozenset(h.strip() for h in os.environ.get("MPP_OIDC_TEST_HOSTS", "").split(",") if h.strip())


@click.group("service-accounts")
def service_accounts() -> None:
    """Agency back-offices that work their cases through the API (client credentials)."""


@service_accounts.command("create")
@click.option("--agency", required=True, help="Agency code, e.g. DPMPTSP")
@click.option("--region", required=True, help="Region BPS code, e.g. 3302")
@click.option("--name", required=True, help="The system's name: it appears in citizens' access logs")
@click.option(
    "--jwks-file",
    type=click.File("r"),
    default=None,
    help="The system's public keys (a JWK Set, JSON): it signs its token requests (private_key_jwt), no secret",
)
def service_accounts_create(agency: str, region: str, name: str, jwks_file: Any) -> None:
    """Register an agency system; prints its client_id (and, without --jwks-file, its client_secret) as JSON (last
    line). The token endpoint (discovery's token_endpoint) gives it an access token with
    grant_type=client_credentials, accepted by the officer routes for that agency and region only. A secret is
    shown once; with --jwks-file (preferred) there is none: the system signs a client assertion with its key."""
    import asyncpg

    from api.lib.errors import DomainError
    from api.oidc import service_accounts as accounts

    try:
        jwks = json.load(jwks_file) if jwks_file is not None else None
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--jwks-file") from exc

    async def work(dsn: str) -> dict[str, Any]:
        conn = await asyncpg.connect(dsn)
        try:
            row, secret = await accounts.create(
                conn, name=name, agency=agency, region=region, created_by=None, jwks=jwks
            )
        except DomainError as exc:
            raise click.ClickException(exc.detail) from exc
        finally:
            await conn.close()
        return {
            "id": str(row["id"]),
            "name": row["name"],
            "region": row["region"],
            "agency": agency.upper(),
            "client_id": row["client_id"],
            **({"client_secret": secret} if secret else {"token_endpoint_auth_method": "private_key_jwt"}),
        }

    from api.cli import _with_database  # the command's module is loaded by api.cli itself

    result = asyncio.run(_with_database(work))
    shown = "Its secret is shown only now." if "client_secret" in result else "It signs with its key: no secret."
    click.echo(f"Service account {result['name']!r} registered. {shown}")
    click.echo(json.dumps(result))
