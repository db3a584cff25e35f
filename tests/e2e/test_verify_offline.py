"""A document's QR code verifies on another device with the network off (Chromium, Playwright)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from api.config import get_settings
from api.lib.keys import KeyRing
from api.wallet import attest
from tests.e2e.pwa import *  # noqa: F403  (the shared Chromium fixture)
from tests.support.server import Server, running_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[tuple[Server, Path]]:
    data_dir = tmp_path_factory.mktemp("verify") / "var"
    with running_server(data_dir, database_url=database_url) as s:
        yield s, data_dir


def attestation(data_dir: Path, *, valid_days: int = 365) -> str:
    """Signed with the server's own key ring (its data folder), as its officers' verifications are."""
    settings = dataclasses.replace(get_settings(), data_dir=data_dir)
    ring = KeyRing(settings)
    salt = attest.new_salt()
    return attest.sign(
        ring,
        issuer=settings.auth.issuer,
        fields=attest.AttestedFields(
            attestation_id=uuid.uuid4(),
            document_id=uuid.uuid4(),
            kind="verified",
            document_type="KTP_EL",
            document_type_name="KTP Elektronik (KTP-el)",
            content_hash="ab" * 32,
            agency_code="DISDUKCAPIL",
            agency_name="Dinas Kependudukan dan Pencatatan Sipil Kabupaten Banyumas",
            region="3302",
            attested_at=dt.datetime.now(dt.UTC),
            valid_until=dt.datetime.now(dt.UTC) + dt.timedelta(days=valid_days),
            nik_hash=attest.nik_hash("3302015708900002", salt),
            nik_salt=salt,
        ),
    )


def test_qr_verifies_offline(server: tuple[Server, Path], browser: Browser) -> None:
    srv, data_dir = server
    token = attestation(data_dir)
    context = browser.new_context(locale="id-ID")
    page: Page = context.new_page()
    # Once online: the page, its code and the public keys are kept on the device.
    page.goto(srv.url + "/v/")
    expect(page.locator("#result")).to_contain_text("Pindai kode QR")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    expect(page.locator("#result")).to_contain_text("Pindai kode QR")
    # Now the network is gone, and a printout's QR code is scanned.
    context.set_offline(True)
    page.goto(srv.url + "/v/#" + token)
    verdict = page.locator("[data-verdict]")
    expect(verdict).to_have_attribute("data-verdict", "valid")
    expect(page.locator("#result")).to_contain_text("tanpa internet")
    expect(page.locator("#result")).to_contain_text("Dinas Kependudukan dan Pencatatan Sipil")
    # The holder's NIK can be matched on the spot, without it leaving the page.
    page.get_by_label("NIK pada KTP-el pemegang").fill("3302015708900002")
    page.get_by_role("button", name="Periksa").click()
    expect(page.get_by_role("status")).to_contain_text("NIK cocok")
    # A forged token is refused, offline too.
    head, body, sig = token.split(".")
    page.goto(srv.url + "/v/#" + f"{head}.{body}.{sig[::-1]}")
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "invalid")
    context.close()


def test_expired_attestation_online(server: tuple[Server, Path], browser: Browser) -> None:
    srv, data_dir = server
    token = attestation(data_dir, valid_days=-1)
    context = browser.new_context()
    page = context.new_page()
    page.goto(srv.url + "/v/#" + token)
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "expired")
    expect(page.locator("#result")).to_contain_text("server MPP Digital")
    context.close()
