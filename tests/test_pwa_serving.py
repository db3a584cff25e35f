"""How the server serves the PWA: the service worker's version follows the files, nothing is cached stale."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx

from api.lib.pwa import pwa_digest, versioned_service_worker

PWA = Path(__file__).resolve().parent.parent / "pwa"


async def test_service_worker_carries_the_digest_of_the_pwa_files(client: httpx.AsyncClient) -> None:
    response = await client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "no-cache" in response.headers["cache-control"]
    version = re.search(r"const VERSION = '([^']+)';", response.text)
    assert version is not None and version.group(1) == f"mpp-shell-{pwa_digest(PWA)}"


def test_any_change_under_pwa_is_a_new_version(tmp_path: Path) -> None:
    copy = tmp_path / "pwa"
    shutil.copytree(PWA, copy)
    before = versioned_service_worker(copy)
    (copy / "css" / "app.css").write_text((copy / "css" / "app.css").read_text() + "\n/* changed */\n")
    after = versioned_service_worker(copy)
    assert before != after
    # Only the constant differs: the rest of the worker is served as written.
    assert re.sub(rb"mpp-shell-[0-9a-f]+", b"", before) == re.sub(rb"mpp-shell-[0-9a-f]+", b"", after)


async def test_modules_are_revalidated_and_icons_cached(client: httpx.AsyncClient) -> None:
    module = await client.get("/js/main.js")
    assert module.status_code == 200 and "no-cache" in module.headers["cache-control"]
    icon = await client.get("/icons/icon-192.png")
    assert icon.status_code == 200 and "max-age=604800" in icon.headers["cache-control"]
