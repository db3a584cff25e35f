"""Service accounts from admin mode, at 360×740, in Indonesian: a region admin opens the "Akun layanan" tab of the
single sign-on screen, is told which field is missing, creates an account for an agency of their region and is shown
its secret once (copy buttons, warning) — a secret the token endpoint accepts — then gives it a new secret, suspends it
(the token endpoint refuses it) and resumes it, each after a confirmation. A system registered with its public key
(private_key_jwt) is given no secret, and its keys are replaced from its card.

Real server, real API, Debian's Chromium; screenshot docs/screenshots/admin-service-accounts.png.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Callable

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.a11y import axe_violations, describe
from tests.e2e.pwa import *  # noqa: F403
from tests.e2e.pwa import PwaServer, watch_errors

pytestmark = pytest.mark.e2e

REGION = "3302"
AGENCY = "DISDUKCAPIL"
VIEWPORT = {"width": 360, "height": 740}


def fits(page: Page, name: str) -> None:
    """Nothing wider than the phone, no raw i18n key or server English on screen, no serious axe violation."""
    page.wait_for_load_state("networkidle")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] == VIEWPORT["width"], f"{name}: wider than the phone: {width}"
    text = page.locator("main").inner_text()
    assert not re.search(r"\b(admin|sso|account)[A-Z][A-Za-z_]+\b", text), f"{name}: an i18n key on screen:\n{text}"
    assert not re.search(r"No such|A service account|You may not|try again", text), f"{name}: English:\n{text}"
    violations = axe_violations(page)
    assert not violations, f"{name}: {describe(violations)}"


def token_status(pwa_server: PwaServer, client_id: str, secret: str) -> int:
    with pwa_server.api() as api:
        answer = api.post(
            "/oidc/token", data={"grant_type": "client_credentials"}, auth=httpx.BasicAuth(client_id, secret)
        )
    return answer.status_code


def confirm(page: Page, says: str, yes: str) -> None:
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(says)
    dialog.get_by_role("button", name=yes).click()


def test_a_region_admin_creates_rotates_and_suspends_a_service_account(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    tokens = pwa_server.staff_sign_in("region_admin", region=REGION)
    page = phone(viewport=VIEWPORT, bypass_csp=True).new_page()  # axe is injected inline: the CSP is bypassed
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, tokens, "/admin/sso")
    expect(page.get_by_role("heading", level=1, name="Sistem instansi (SSO)")).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="Akun layanan", exact=True).click()
    expect(page.get_by_role("button", name="Akun layanan", exact=True)).to_have_attribute("aria-pressed", "true")
    form = page.locator("#adm-svc-form")
    expect(form).to_be_visible()
    assert page.evaluate("() => location.hash") == "#/admin/sso?tab=service"

    # No agency chosen: said next to the field, in Indonesian.
    name = f"SIAK Dukcapil {os.getpid()}"
    form.get_by_label("Nama sistem").fill(name)
    form.get_by_role("button", name="Buat akun layanan").click()
    expect(page.locator("#adm-svc-new-agency-error")).to_contain_text("Pilih instansi")
    fits(page, "no agency")

    # Created: the secret is shown once, and the token endpoint accepts it.
    form.get_by_label("Instansi").select_option(AGENCY)
    form.get_by_role("button", name="Buat akun layanan").click()
    panel = page.locator("#adm-svc-secret")
    expect(panel.get_by_role("heading", name=f"Rahasia klien {name}")).to_be_focused()
    expect(panel).to_contain_text("Hanya ditampilkan sekali.")
    client_id = page.locator("#adm-svc-client-id").inner_text().strip()
    secret = page.locator("#adm-svc-client-secret").inner_text().strip()
    assert client_id.startswith("mpp-svc-") and len(secret) >= 40
    assert token_status(pwa_server, client_id, secret) == 200
    panel.get_by_role("button", name="Salin rahasia").click()
    fits(page, "secret shown once")
    panel.get_by_role("button", name="Sudah saya simpan").click()
    expect(panel).to_be_empty()
    card = page.locator(".adm-svc", has_text=name)
    expect(card).to_contain_text("Aktif")
    expect(card).to_contain_text(AGENCY)
    # The list was read before the token above was taken.
    expect(card).to_contain_text("Belum pernah mengambil token")

    # A new secret after a confirmation: the old one is refused, the new one works.
    card.get_by_role("button", name="Buat rahasia baru").click()
    confirm(page, "tidak bisa mengambil token baru", "Ya, buat rahasia baru")
    expect(panel.get_by_role("heading", name=f"Rahasia klien {name}")).to_be_focused()
    fresh = page.locator("#adm-svc-client-secret").inner_text().strip()
    assert fresh and fresh != secret
    assert token_status(pwa_server, client_id, secret) == 401
    assert token_status(pwa_server, client_id, fresh) == 200
    panel.get_by_role("button", name="Sudah saya simpan").click()
    # Read again after the rotation: it has taken a token since.
    expect(card).to_contain_text("Terakhir mengambil token")
    card.scroll_into_view_if_needed()
    fits(page, "list")
    pwa_server.screenshot(page, "admin-service-accounts")

    # Suspend after a confirmation: no more tokens; then resume.
    card.get_by_role("button", name="Tangguhkan").click()
    confirm(page, "langsung berhenti berlaku", "Ya, tangguhkan")
    expect(card.locator(".badge")).to_have_text("Ditangguhkan")
    assert token_status(pwa_server, client_id, fresh) == 401
    fits(page, "suspended")
    card.get_by_role("button", name="Aktifkan kembali").click()
    confirm(page, "kembali mengambil token", "Ya, aktifkan")
    expect(card.locator(".badge")).to_have_text("Aktif")
    assert token_status(pwa_server, client_id, fresh) == 200

    # A reload keeps the tab.
    page.reload()
    expect(page.locator(".adm-svc", has_text=name)).to_be_visible(timeout=20_000)
    assert errors == []


def key_status(pwa_server: PwaServer, client_id: str, key: ECKey) -> int:
    """A client_credentials request signed with ``key`` (private_key_jwt), made with joserfc as an agency would."""
    with pwa_server.api() as api:
        audience = api.get("/.well-known/openid-configuration").json()["token_endpoint"]
        now = int(time.time())
        claims = {"iss": client_id, "sub": client_id, "aud": audience, "jti": uuid.uuid4().hex, "exp": now + 60}
        signed = jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)
        answer = api.post(
            "/oidc/token",
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": signed,
            },
        )
    return answer.status_code


def test_a_service_account_registered_with_its_public_key(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    """Registered with a pasted JWK Set: no secret is shown (only the client id), the card lists the key's kid, the
    system's signed request is accepted; a pasted private key or non-JSON is refused beside the field; the keys are
    replaced from the card, after which the old key is refused."""
    tokens = pwa_server.staff_sign_in("region_admin", region=REGION)
    page = phone(viewport=VIEWPORT, bypass_csp=True).new_page()
    errors = watch_errors(page)
    pwa_server.open_signed_in(page, tokens, "/admin/sso?tab=service")
    form = page.locator("#adm-svc-form")
    expect(form).to_be_visible(timeout=20_000)
    old = ECKey.generate_key("P-256", parameters={"kid": f"siak-{os.getpid()}-a"})
    name = f"SIAK berkunci {os.getpid()}"
    form.get_by_label("Nama sistem").fill(name)
    form.get_by_label("Instansi").select_option(AGENCY)
    keys = form.get_by_label("Kunci publik sistem (disarankan)")
    keys.fill("bukan json")
    form.get_by_role("button", name="Buat akun layanan").click()
    expect(page.locator("#adm-svc-new-jwks-error")).to_contain_text("Ini bukan JWK Set")
    keys.fill(json.dumps({"keys": [old.as_dict(private=True)]}))
    form.get_by_role("button", name="Buat akun layanan").click()
    expect(page.locator("#adm-svc-new-jwks-error")).to_be_visible()
    keys.fill(json.dumps({"keys": [old.as_dict(private=False)]}))
    form.get_by_role("button", name="Buat akun layanan").click()
    panel = page.locator("#adm-svc-secret")
    expect(panel).to_contain_text("tidak ada rahasia untuk disalin")
    expect(page.locator("#adm-svc-client-secret")).to_have_count(0)
    client_id = page.locator("#adm-svc-client-id").inner_text().strip()
    assert key_status(pwa_server, client_id, old) == 200
    fits(page, "registered with keys")
    panel.get_by_role("button", name="Sudah saya simpan").click()
    card = page.locator(".adm-svc", has_text=name)
    expect(card).to_contain_text(f"Masuk dengan kunci: {old.kid}")
    expect(card.get_by_role("button", name="Buat rahasia baru")).to_have_count(0)

    new = ECKey.generate_key("P-256", parameters={"kid": f"siak-{os.getpid()}-b"})
    card.get_by_role("button", name="Ganti kunci").click()
    card.get_by_label("Kunci publik sistem (disarankan)").fill(json.dumps({"keys": [new.as_dict(private=False)]}))
    fits(page, "replace keys")
    card.get_by_role("button", name="Simpan kunci").click()
    card = page.locator(".adm-svc", has_text=name)
    expect(card).to_contain_text(f"Masuk dengan kunci: {new.kid}")
    assert key_status(pwa_server, client_id, old) == 400
    assert key_status(pwa_server, client_id, new) == 200
    pwa_server.screenshot(page, "admin-service-account-keys")
    assert errors == []
