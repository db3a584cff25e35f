"""The installable, offline PWA (Chromium, phone-sized): the app shell and "my applications" survive a reload with
the network off; the manifest is valid with its icons; a new service-worker version offers "Reload"."""

from __future__ import annotations

import io
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, submitted_application
from tests.support.server import running_server

pytestmark = pytest.mark.e2e

PWA = Path(__file__).resolve().parents[2] / "pwa"


def wait_until(page: Page, script: str, timeout: float = 30) -> None:
    """Poll a page script until it returns true (wait_for_function evaluates strings, which the CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"still false after {timeout}s: {script}"
        time.sleep(0.2)


def wait_for_service_worker(page: Page) -> None:
    """Until the worker has precached the shell and controls the page."""
    wait_until(page, "() => navigator.serviceWorker.controller !== null")


def test_app_and_my_applications_offline(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    tokens, application = submitted_application(pwa_server)
    context = phone()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    pwa_server.open_signed_in(page, tokens, "/applications")
    wait_for_service_worker(page)
    row = page.locator("#applications li", has_text="Penerbitan Kartu Keluarga")
    expect(row).to_contain_text(application["number"])
    expect(row).to_contain_text("Diajukan")
    expect(row).to_contain_text("Selesai paling lambat")
    pwa_server.screenshot(page, "citizen-applications")
    row.get_by_role("link").click()
    expect(page.locator("#application-number")).to_have_text(application["number"])
    expect(page.locator("#timeline li")).to_have_count(1)
    expect(page.locator("#timeline")).to_contain_text("Diajukan")
    expect(page.get_by_role("button", name="Tarik permohonan")).to_be_visible()
    expect(page.locator("#answers")).to_contain_text("Membentuk keluarga baru (menikah)")
    pwa_server.screenshot(page, "citizen-application")

    # The network goes; the app is reopened from scratch.
    context.set_offline(True)
    page.goto(f"{pwa_server.url}/#/applications")
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Permohonan saya")
    expect(page.locator("#netstate")).to_be_visible()
    expect(page.locator("#applications-note")).to_contain_text("luring")
    expect(page.locator("#applications li", has_text="Penerbitan Kartu Keluarga")).to_contain_text(
        application["number"]
    )
    pwa_server.screenshot(page, "citizen-offline")
    # The details seen before are there too; actions that need the server say so instead.
    page.locator("#applications a", has_text="Penerbitan Kartu Keluarga").click()
    expect(page.locator("#application-number")).to_have_text(application["number"])
    expect(page.locator("#application-offline")).to_contain_text("luring")
    expect(page.get_by_role("button", name="Tarik permohonan")).to_have_count(0)
    # Personal answers were never put in the service worker's caches: only the shell and the public catalogue.
    cached = page.evaluate(
        """async () => {
            const urls = [];
            for (const name of await caches.keys()) {
                for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
            }
            return urls;
        }"""
    )
    assert any(u.endswith("/js/views/citizen/applications.js") for u in cached), cached
    public = re.compile(r"/api/v1/(services|service-groups|regions|categories)")
    assert not [u for u in cached if "/api/v1/" in u and not public.search(u)]
    # Logout wipes what the device kept.
    context.set_offline(False)
    page.evaluate("import('/js/session.js').then((s) => s.forget())")
    left = page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open('mpp');
            open.onsuccess = () => {
                const db = open.result;
                if (!db.objectStoreNames.contains('snapshots')) { resolve(0); return; }
                const count = db.transaction('snapshots').objectStore('snapshots').count();
                count.onsuccess = () => resolve(count.result);
            };
        })"""
    )
    assert left == 0
    assert not errors, errors


def test_manifest_is_installable(pwa_server: PwaServer) -> None:
    with pwa_server.api() as client:
        response = client.get("/manifest.webmanifest")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/manifest+json")
        manifest = response.json()
        for member in ("name", "short_name", "description", "start_url", "scope", "display", "theme_color"):
            assert manifest.get(member), member
        assert manifest["display"] == "standalone" and manifest["lang"] == "id" and manifest["start_url"] == "/#/"
        assert manifest["theme_color"] == "#0b5cad" and manifest["background_color"]
        seen = set()
        for icon in manifest["icons"]:
            got = client.get(icon["src"])
            assert got.status_code == 200, icon["src"]
            if icon["type"] == "image/svg+xml":
                assert got.text.lstrip().startswith("<svg")
                continue
            image = Image.open(io.BytesIO(got.content))
            assert f"{image.width}x{image.height}" == icon["sizes"], icon
            seen.add((icon["sizes"], icon.get("purpose", "any")))
        assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= seen
        # The shell links it, with the theme colour.
        shell = client.get("/").text
        assert 'rel="manifest" href="/manifest.webmanifest"' in shell and "#0b5cad" in shell


def test_new_version_offers_reload(pwa_server: PwaServer, phone: Callable[..., BrowserContext], tmp_path: Path) -> None:
    # A server of its own, serving a copy of the PWA whose service worker can be "released" again.
    site = tmp_path / "pwa"
    shutil.copytree(PWA, site)
    with running_server(
        tmp_path / "var", database_url=pwa_server.database_url, extra_env={"MPP_PWA_DIR": str(site)}
    ) as server:
        url = f"http://localhost:{server.port}"
        page = phone().new_page()
        page.goto(url + "/")
        wait_for_service_worker(page)
        before = page.evaluate("caches.keys()")
        assert "mpp-shell-v1" in before or any(k.startswith("mpp-shell-") for k in before)
        worker = site / "sw.js"
        source = worker.read_text()
        version = re.search(r"const VERSION = '([^']+)'", source)
        assert version
        worker.write_text(source.replace(version.group(0), "const VERSION = 'mpp-shell-test-next'"))
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        toast = page.locator(".toast", has_text="Versi baru tersedia.")
        expect(toast).to_be_visible(timeout=30_000)
        # Nothing changes until the person asks: then the new version takes over and the page reloads once.
        with page.expect_event("load", timeout=30_000):
            toast.get_by_role("button", name="Muat ulang").click()
        old = version.group(1)
        wait_until(page, f"() => caches.keys().then((k) => k.includes('mpp-shell-test-next') && !k.includes('{old}'))")
        expect(page.locator(".toast", has_text="Versi baru tersedia.")).to_have_count(0)
