"""The session's application, configured with a national identity provider — the mock provider, in its own process —
for the duration of each federation test only (every other test sees a deployment without the feature).

Only the settings the routes read (``app.state.settings``) are swapped: a second application in this process would
share, and on stopping close, the one Piccolo connection pool of the first.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
import pytest_asyncio
from litestar import Litestar

from api.config import NationalIdpSettings, Settings
from api.federation.provider import forget_cache
from tests.fakes.national_idp import NationalIdpProcess
from tests.support.clients import client_at

CLIENT_ID = "mpp-digital"
ACR_LEVELS = (("loa2", "registry"), ("loa3", "in_person"))


def idp_settings(issuer: str) -> NationalIdpSettings:
    return NationalIdpSettings(
        issuer=issuer,
        client_id=CLIENT_ID,
        client_secret=secrets.token_urlsafe(16),
        name="INApas",
        acr_levels=ACR_LEVELS,
        timeout_seconds=3,
    )


@pytest.fixture(scope="session")
def national_idp() -> Iterator[NationalIdpProcess]:
    with NationalIdpProcess() as provider:
        yield provider


@pytest.fixture
def configure_idp(app: Litestar) -> Iterator[Callable[[str], None]]:
    """Point the application at the provider with this issuer URL (restored after the test)."""
    original: Settings = app.state.settings

    def configure(issuer: str) -> None:
        forget_cache()
        app.state.settings = dataclasses.replace(original, national_idp=idp_settings(issuer))

    yield configure
    app.state.settings = original
    forget_cache()


@pytest_asyncio.fixture(loop_scope="session")
async def national_client(
    app: Litestar, national_idp: NationalIdpProcess, configure_idp: Callable[[str], None]
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the application signing in with the mock provider."""
    configure_idp(national_idp.url)
    async with client_at(app, f"10.77.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}") as c:
        yield c
