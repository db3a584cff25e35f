"""The API docs at /schema work offline: the viewer and its start-up script come from our own server, pinned,
and the page is under the same CSP as the PWA (no CDN, no inline script)."""

from __future__ import annotations

import re

import httpx

from api.lib.api_docs import swagger_ui_dist


async def test_the_docs_page_and_its_assets_come_from_our_server(client: httpx.AsyncClient) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert re.search(r"(https?:)?//", html) is None, "the page must name no other site"
    assert "<style" not in html
    # Every script is a file (script-src 'self' forbids inline script), and every asset answers.
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all(body.strip() == "" and "src=" in attrs for attrs, body in scripts)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/schema/assets/swagger-ui-bundle.js" in assets and "/schema/assets/viewer.js" in assets
    for asset in assets:
        response = await client.get(asset)
        assert response.status_code == 200, asset
    viewer = (await client.get("/schema/assets/viewer.js")).text
    assert "SwaggerUIBundle(" in viewer and "validatorUrl: null" in viewer
    assert (await client.get("/schema/openapi.json")).status_code == 200


async def test_the_docs_page_is_under_our_csp(client: httpx.AsyncClient) -> None:
    for path in ("/schema", "/schema/assets/swagger-ui-bundle.js"):
        csp = (await client.get(path)).headers["content-security-policy"]
        assert "script-src 'self';" in csp and "style-src 'self';" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert not re.search(r"https?:|jsdelivr|unpkg|cdn", csp), csp


def test_the_viewer_is_the_pinned_swagger_ui() -> None:
    # swagger-ui-py==25.7.1 in pyproject.toml ships Swagger UI 5.24.2 (OpenAPI 3.1, as Litestar writes).
    bundle = (swagger_ui_dist() / "swagger-ui-bundle.js").read_text()
    assert '"5.24.2"' in bundle
