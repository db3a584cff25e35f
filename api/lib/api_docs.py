"""The API documentation viewer at /schema: Swagger UI served from our own files, under our own CSP.

Litestar's render plugins load their viewer from a CDN (unpinned for Scalar), so /schema was blank offline and
needed a CSP exemption. Here the page is static HTML that names only same-origin files: Swagger UI's dist files
from the pinned ``swagger-ui-py`` package (Apache-2.0; it ships Swagger UI's own dist folder), and our start-up
script (``api_docs_assets/viewer.js``), since ``script-src 'self'`` forbids inline script.
"""

from __future__ import annotations

import importlib.util
from html import escape
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.router import Router
from litestar.static_files import create_static_files_router

from api.lib.auth import public

OURS = Path(__file__).resolve().parent / "api_docs_assets"
ASSETS = "/schema/assets"


def swagger_ui_dist() -> Path:
    """Swagger UI's dist folder inside the installed ``swagger_ui`` package.

    Found without importing the package: its ``__init__`` wires web-framework handlers we do not use.
    """
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is not installed (it ships the API docs viewer)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


class LocalSwaggerRenderPlugin(SwaggerRenderPlugin):
    """Swagger UI at /schema from same-origin files: no CDN, no inline script or style."""

    def __init__(self) -> None:
        super().__init__(
            js_url=f"{ASSETS}/swagger-ui-bundle.js",
            css_url=f"{ASSETS}/swagger-ui.css",
            path="/swagger",
            favicon='<link rel="icon" type="image/png" href="/icons/icon-192.png">',
            style=f'<link rel="stylesheet" href="{ASSETS}/viewer.css">',
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        """The viewer's page; viewer.js reads the document's address from its data attribute."""
        title = escape(str(openapi_schema["info"]["title"]))
        spec_url = escape(self.get_openapi_json_route(request))
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title}</title>\n{self.favicon}\n"
            f'<link rel="stylesheet" href="{self.css_url}">\n{self.style}\n'
            "</head>\n<body>\n"
            '<main id="swagger-container"></main>\n'
            f'<script src="{self.js_url}"></script>\n'
            f'<script src="{ASSETS}/viewer.js" data-spec-url="{spec_url}"></script>\n'
            "</body>\n</html>\n"
        ).encode()

    def receive_router(self, router: Router) -> None:
        """Serve the viewer's files next to it (the OAuth2 redirect page is not needed: we use bearer tokens)."""
        router.register(
            create_static_files_router(
                path="/assets",
                # Ours first: viewer.js and viewer.css; then Swagger UI's dist files.
                directories=[OURS, swagger_ui_dist()],
                name="api_docs_assets",
                include_in_schema=False,
                opt=public(),
                # File names carry no version: revalidate, as the PWA's files are.
                cache_control=CacheControlHeader(no_cache=True),
            )
        )
