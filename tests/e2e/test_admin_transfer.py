"""The catalogue's import and export screen at 360×740, in Indonesian (issue 15, part 6): a region admin downloads the
region's catalogue as YAML, uploads it with a mistake (the problem is said with its place in the file), then with a
new local service (the change is listed), and applies it with a reason: version 1 is published. A change made by
someone else between the check and the apply is refused with a clear message, and checking again carries on.

Real server, real API, Debian's Chromium; screenshots into docs/screenshots/ (admin-transfer-*.png).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, bearer, watch_errors
from tests.support.standards import local_content

pytestmark = pytest.mark.e2e

VIEWPORT = {"width": 360, "height": 740}
REGION = "3302"


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # the import refuses anchors and aliases: a value used twice is written twice


def as_yaml(document: Any) -> bytes:
    return yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False).encode()


def word() -> str:
    return "".join(secrets.choice("bdgkmpst") + secrets.choice("aiou") for _ in range(5))


def fits(page: Page, name: str) -> None:
    """Nothing wider than the phone."""
    page.wait_for_load_state("networkidle")
    widths = page.evaluate(
        """() => {
            const wide = [...document.querySelectorAll('body *')]
                .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5
                    && getComputedStyle(el).position !== 'fixed' && !el.closest('.visually-hidden'))
                .slice(0, 6).map((el) => el.tagName.toLowerCase() + '.' + el.className);
            return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, wide};
        }"""
    )
    # A mobile browser zooms out (a wider layout viewport) rather than scroll when something is too wide.
    assert widths["inner"] == VIEWPORT["width"] and widths["scroll"] <= widths["inner"], f"{name}: {widths}"
    assert widths["wide"] == [], f"{name}: elements stick out: {widths['wide']}"


def shot(pwa_server: PwaServer, page: Page, name: str, locator: str) -> None:
    fits(page, name)
    page.locator(locator).scroll_into_view_if_needed()
    pwa_server.screenshot(page, name)


def upload(page: Page, content: bytes) -> None:
    page.locator("#xfer-file").set_input_files(
        {"name": f"katalog-{REGION}.yaml", "mimeType": "application/yaml", "buffer": content}
    )
    page.get_by_role("button", name="Periksa berkas").click()


def test_a_region_admin_exports_changes_and_imports_the_catalogue(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    admin = pwa_server.staff_sign_in("region_admin", region=REGION)
    page = phone(viewport=VIEWPORT).new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, admin, "/admin/transfer")
    expect(page.get_by_role("heading", level=1, name="Impor dan ekspor katalog")).to_be_visible(timeout=20_000)

    # The download is the region's catalogue, in the data files' format.
    with page.expect_download() as info:
        page.get_by_role("button", name="Unduh katalog (YAML)").click()
    download = info.value
    assert download.suggested_filename.startswith(f"katalog-{REGION}-") and download.suggested_filename.endswith(
        ".yaml"
    )
    exported = Path(download.path()).read_bytes()
    document = yaml.safe_load(exported)
    assert document["code"] == REGION and document["mpp"]["counters"]
    expect(page.locator(".xfer-section .status")).to_contain_text(download.suggested_filename)

    # Unchanged, it changes nothing.
    upload(page, exported)
    expect(page.get_by_role("heading", name="Tidak ada perubahan")).to_be_focused(timeout=15_000)

    # A mistake is said in words, at its place in the file, with the path for whoever edits the YAML.
    new = word()
    code = f"uji-impor-{new}"
    service = local_content(new, code=code)
    broken = {
        **document,
        "localServices": [*document["localServices"], {**service, "requirements": [{"type": "NO_SUCH_DOC"}]}],
    }
    upload(page, as_yaml(broken))
    expect(page.get_by_role("heading", name="Berkas belum bisa diterapkan")).to_be_focused(timeout=15_000)
    position = len(document["localServices"])
    problem = page.locator(".xfer-problems li").first
    expect(problem).to_contain_text(f"Layanan daerah ke-{position + 1} › Persyaratan 1")
    expect(problem).to_contain_text("Pilih jenis dokumen yang dikenal.")
    expect(problem.locator("code")).to_have_text(f"localServices[{position}].requirements[0].type")
    shot(pwa_server, page, "admin-transfer-problems", "#xfer-result")

    # A new local service: listed, then applied with a reason.
    changed = {**document, "localServices": [*document["localServices"], service]}
    upload(page, as_yaml(changed))
    expect(page.get_by_role("heading", name="Perubahan dari berkas ini")).to_be_focused(timeout=15_000)
    item = page.locator(".xfer-change", has_text=code)
    expect(item).to_contain_text("Layanan baru")
    expect(page.locator(".xfer-group h3")).to_have_text(["Layanan daerah (1)"])
    shot(pwa_server, page, "admin-transfer-changes", "#xfer-result")

    # Someone else changes the catalogue before the apply: refused, nothing applied, check again.
    other = word()
    with pwa_server.api() as client:
        meanwhile = {
            **document,
            "localServices": [*document["localServices"], local_content(other, code=f"uji-impor-{other}")],
        }
        headers = {**bearer(admin), "Content-Type": "application/yaml"}
        checked = client.post("/api/v1/admin/catalogue/import", content=as_yaml(meanwhile), headers=headers).json()
        applied = client.post(
            "/api/v1/admin/catalogue/import",
            params={"dryRun": "false", "reason": "Perubahan lain"},
            content=as_yaml(meanwhile),
            headers={**headers, "If-Match": f'"{checked["basis"]}"'},
        )
        assert applied.status_code == 200, applied.text

    page.get_by_role("button", name="Terapkan perubahan").click()
    expect(page.locator("#xfer-reason-error")).to_have_text("Tuliskan alasan perubahan.")
    expect(page.get_by_label("Alasan perubahan")).to_be_focused()
    page.get_by_label("Alasan perubahan").fill("Layanan baru hasil rapat koordinasi")
    page.get_by_role("button", name="Terapkan perubahan").click()
    expect(page.get_by_role("heading", name="Katalog berubah")).to_be_focused(timeout=15_000)
    expect(page.locator("#xfer-result")).to_contain_text("Katalog berubah sejak pemeriksaan; periksa ulang.")
    shot(pwa_server, page, "admin-transfer-conflict", "#xfer-result")
    page.get_by_role("button", name="Periksa ulang berkas").click()
    expect(page.get_by_role("heading", name="Perubahan dari berkas ini")).to_be_focused(timeout=15_000)
    # The other admin's service is not in this file: it would be retired (said so), and this file's added.
    expect(page.locator(".xfer-change", has_text=f"uji-impor-{other}")).to_contain_text("Dihentikan, tidak dihapus")
    page.get_by_label("Alasan perubahan").fill("Layanan baru hasil rapat koordinasi")
    page.get_by_role("button", name="Terapkan perubahan").click()
    expect(page.get_by_role("heading", name="Perubahan diterapkan")).to_be_focused(timeout=15_000)
    expect(page.locator(".xfer-change", has_text=code)).to_contain_text("Versi 1 diterbitkan")
    shot(pwa_server, page, "admin-transfer-applied", "#xfer-result")
    assert errors == []

    # Published: the citizen's catalogue has it (every process picks a change up within seconds).
    deadline = time.monotonic() + 15
    with pwa_server.api() as client:
        while True:
            found = client.get("/api/v1/services", params={"q": new, "region": REGION}).json()["items"]
            if any(s["name"] == service["name"]["id"] for s in found) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert any(s["name"] == service["name"]["id"] for s in found), found
