"""The fake registry mounted at ``/_dev/registry`` in development, so that a developer can talk to it.

``mpp serve`` with ``MPP_ENV=dev`` and no ``MPP_REGISTRY_URL`` checks identities against the in-process fake
(``api.registry.service.dev_fake``); this mount exposes the same instance over HTTP, e.g. to add a person::

    curl -X POST http://localhost:8000/_dev/registry/_test/people \\
         -d '{"nik": "3302011203990001", "name": "Andi", "birthDate": "1999-03-12", "kk": "3302010101200001",
              "relationship": "ANAK"}'

It is public (the fake holds only demo people) and absent in test and production: ``dev_registry_routes``
returns nothing unless the environment is dev and no real registry is configured, and production refuses to
start without ``MPP_REGISTRY_URL`` (``Settings.validate``).
"""

from __future__ import annotations

from litestar.handlers import ASGIRouteHandler, asgi
from litestar.types import Receive, Scope, Send

from api.config import Settings
from api.lib.auth import public
from api.registry.service import dev_fake

MOUNT_PATH = "/_dev/registry"


def dev_registry_routes(settings: Settings) -> list[ASGIRouteHandler]:
    """The fake registry's mount, only in development without a configured registry."""
    if settings.env != "dev" or settings.registry.url:
        return []

    @asgi(MOUNT_PATH, is_mount=True, copy_scope=True, opt=public(), include_in_schema=False)
    async def fake_registry(scope: Scope, receive: Receive, send: Send) -> None:
        await dev_fake()(dict(scope), receive, send)  # type: ignore[arg-type]

    return [fake_registry]
