"""Shared fixtures for the PWA's browser tests: a real server, Debian's Chromium, phone-sized contexts, and
accounts signed in through the real API (SMS code from the dev-messages file; staff confirm with a software
passkey), so each test drives only the screens it is about.

Use from a test module:

    from tests.e2e.pwa import *  # noqa: F403  (fixtures: pwa_server, browser, phone)

Screens are opened at http://localhost:<port>: a secure context (service workers, WebAuthn) whose origin is
one of the server's passkey origins.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

from api.accounts.identity import nik_birth_date
from tests.support.applications import answers_for
from tests.support.auth import new_phone
from tests.support.authenticator import SoftAuthenticator
from tests.support.files import jpeg
from tests.support.identity import random_nik
from tests.support.server import Server, running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a root, headless, offline machine: the sandbox cannot be set up as root, and nothing may be fetched.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A mid-range Android phone (Pixel 7-class viewport).
PHONE = {"width": 412, "height": 915}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MPP = str(Path(sys.executable).with_name("mpp"))

__all__ = ["browser", "phone", "pwa_server"]

# Playwright's 5 s default wait is for a quiet machine; CI shares two cores between the server, the browser, the
# test and (in the multi-process and scale-out suites) more servers, and a first screen has taken longer. A wait
# that times out still fails the test: this bounds how long "not yet" may last, it asserts nothing about speed.
expect.set_options(timeout=15_000)
REGION = "3302"  # Kabupaten Banyumas: DISDUKCAPIL's kk-baru service is the one most tests apply to


@dataclass
class PwaServer:
    server: Server
    data_dir: Path
    database_url: str
    # Each staff member's one-time enrolment code, as `mpp users create` printed it (see enrolment_code).
    enrolment_codes: dict[str, str] = field(default_factory=dict)
    # How many codes each number had on file when last_code last handed one out (see last_code).
    _handed_out: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://localhost:{self.server.port}"

    def api(self) -> httpx.Client:
        """An API client from a loopback address of its own (127.0.0.2–254): the server limits sign-in codes per
        IP address, and a test session signs in far more people than one household would."""
        transport = httpx.HTTPTransport(local_address=f"127.0.0.{random.randint(2, 254)}")
        return httpx.Client(base_url=f"http://127.0.0.1:{self.server.port}", timeout=20, transport=transport)

    def codes_sent(self, phone: str) -> list[str]:
        """Every sign-in code sent to the number so far, oldest first (dev-messages.jsonl)."""
        path = self.data_dir / "dev-messages.jsonl"
        lines = path.read_text().splitlines() if path.exists() else []
        return [str(m["code"]) for m in map(json.loads, lines) if m.get("to") == phone and "code" in m]

    def code_count(self, phone: str) -> int:
        """How many codes the number has been sent: taken before a request, it is the ``after`` of last_code."""
        return len(self.codes_sent(phone))

    def last_code(self, phone: str, *, after: int | None = None) -> str:
        """The code of the request just made: the newest one, once more than ``after`` codes are on file (the
        count taken before the request). Without ``after``, more than there were when this object last handed a
        code of the number out: a number signing in again must not get its old, used code back, and the new one
        is written by a background task after the 202, so on a busy machine it lags a little."""
        floor = self._handed_out.get(phone, 0) if after is None else after
        deadline = time.monotonic() + 15
        while len(codes := self.codes_sent(phone)) <= floor:
            assert time.monotonic() < deadline, f"no new code was sent to {phone} ({len(codes)} on file)"
            time.sleep(0.1)
        self._handed_out[phone] = len(codes)
        return codes[-1]

    def sign_in(self, phone: str | None = None) -> dict[str, Any]:
        """Sign in by SMS code through the API; returns the token pair plus `phone`."""
        phone = phone or new_phone()
        with self.api() as client:
            before = self.code_count(phone)
            assert client.post("/api/v1/auth/otp", json={"phone": phone}).status_code == 202
            code = self.last_code(phone, after=before)
            response = client.post("/api/v1/auth/otp/verify", json={"phone": phone, "code": code})
            assert response.status_code == 200, response.text
        tokens: dict[str, Any] = response.json()
        tokens["phone"] = phone
        return tokens

    def verify_identity(self, tokens: dict[str, Any], *, nik: str, name: str, kk: str | None = None) -> None:
        """Prove the citizen's NIK (assurance ``registry``): the server's fake registry (mounted at
        ``/_dev/registry`` in development) learns the person, then the citizen verifies through the API."""
        born = nik_birth_date(nik)[0].isoformat()
        person = {"nik": nik, "name": name, "birthDate": born, "kk": kk, "relationship": "KEPALA KELUARGA"}
        with self.api() as client:
            added = client.post("/_dev/registry/_test/people", json=person)
            assert added.status_code == 201, added.text
            verified = client.post(
                "/api/v1/me/identity/verify", json={"nik": nik, "name": name, "birthDate": born}, headers=bearer(tokens)
            )
            assert verified.status_code == 200 and verified.json()["verified"], verified.text

    def create_staff(self, role: str, *, agency: str | None = None, region: str | None = None, name: str = "") -> str:
        """A staff account made with the real CLI (`mpp users create`); returns its phone. The enrolment code the
        command printed (their first passkey needs it) is kept: see enrolment_code and enrolment_link."""
        phone = new_phone()
        cmd = [MPP, "users", "create", "--role", role, "--phone", phone, "--name", name or f"Petugas {phone[-4:]}"]
        if agency:
            cmd += ["--agency", agency]
        if region:
            cmd += ["--region", region]
        # The server's data folder: in development the pepper of the codes lives there, so the code printed is
        # one this server accepts.
        env = {**os.environ, "DATABASE_URL": self.database_url, "MPP_DATA_DIR": str(self.data_dir), "MPP_ENV": "dev"}
        done = subprocess.run(cmd, check=True, env=env, capture_output=True, text=True)
        self.enrolment_codes[phone] = json.loads(done.stdout.strip().splitlines()[-1])["enrolmentCode"]
        return phone

    def enrolment_code(self, phone: str) -> str:
        """The one-time code a staff member made by create_staff needs for their first passkey (sent as
        ``enrolmentCode`` with the registration options, or typed into the passkey step's "Kode pendaftaran")."""
        return self.enrolment_codes[phone]

    def enrolment_link(self, phone: str, base: str | None = None) -> str:
        """The enrolment link an admin hands over: the sign-in screen at ``base`` (default: this server's URL)
        with the code filled in; the passkey step then has it ready."""
        return f"{(base or self.url).rstrip('/')}/#/signin?enrol={self.enrolment_code(phone)}"

    def staff_sign_in(self, role: str, *, agency: str | None = None, region: str | None = None) -> dict[str, Any]:
        """A staff member signed in with code + passkey (scope "api"), the passkey being a software one."""
        phone = self.create_staff(role, agency=agency, region=region)
        tokens = self.sign_in(phone)
        assert tokens["scope"] == "mfa"
        device = SoftAuthenticator("localhost", self.url)
        base = "/api/v1/auth/passkeys"
        with self.api() as client:
            auth = {"Authorization": f"Bearer {tokens['accessToken']}"}
            code = {"enrolmentCode": self.enrolment_code(phone)}
            options = client.post(f"{base}/register/options", json=code, headers=auth).json()
            credential = device.create(options["publicKey"])
            body = {"challengeId": options["challengeId"], "credential": credential, "name": "Desk"}
            assert client.post(f"{base}/register", json=body, headers=auth).status_code == 201
            options = client.post(f"{base}/authenticate/options", headers=auth).json()
            body = {"challengeId": options["challengeId"], "credential": device.get(options["publicKey"])}
            response = client.post(f"{base}/authenticate", json=body, headers=auth)
            assert response.status_code == 200, response.text
        full: dict[str, Any] = response.json()
        assert full["scope"] == "api"
        full["phone"] = phone
        return full

    def open_signed_in(self, page: Page, tokens: dict[str, Any], path: str = "/") -> None:
        """Open the app as if this device had signed in: the session goes where the PWA keeps it (IndexedDB)."""
        page.goto(self.url + "/")
        # The app's start-up restores a saved session and rotates its refresh token: begun before that start-up
        # has looked, the pair would be refreshed by a request the reload below cuts off — the server rotated it,
        # the page never stored the new one, and the next start replays the old one (which ends the session).
        page.wait_for_selector("main h1", timeout=20_000)
        page.evaluate(
            """async (tokens) => {
                const session = await import('/js/session.js');
                await session.begin(tokens);
            }""",
            {k: tokens[k] for k in ("accessToken", "refreshToken", "scope", "expiresIn")},
        )
        page.goto(f"{self.url}/#{path}")
        page.reload()

    def screenshot(self, page: Page, name: str) -> Path:
        """A phone-sized screenshot for the README (docs/screenshots/<name>.png)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path


def virtual_authenticator(page: Page) -> str:
    """A platform authenticator with a fingerprint already given, as on an officer's phone; its id."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    authenticator: str = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]
    return authenticator


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['accessToken']}"}


def forget_minute_limit(pwa_server: PwaServer, mobile: str) -> None:
    """Codes are limited to one a minute per number; a test signing a number in again clears that limit."""

    async def clear() -> None:
        conn = await asyncpg.connect(pwa_server.database_url)
        try:
            await conn.execute("DELETE FROM auth_rate_limit WHERE key LIKE $1", f"otp:phone-minute:{mobile}:%")
        finally:
            await conn.close()

    # Playwright's sync API runs an event loop in this thread: the database call gets a thread of its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, clear()).result()


def second_sign_in(pwa_server: PwaServer, mobile: str) -> dict[str, Any]:
    """Sign the same number in again (another device): the server announces it in the inbox."""
    forget_minute_limit(pwa_server, mobile)
    return pwa_server.sign_in(mobile)


def wait_for_unread(pwa_server: PwaServer, tokens: dict[str, Any], count: int) -> None:
    """Until the citizen's in-app inbox has ``count`` unread messages: the worker delivers in the background."""
    deadline = time.monotonic() + 20
    with pwa_server.api() as client:
        while True:
            inbox = client.get("/api/v1/notifications", headers={"Authorization": f"Bearer {tokens['accessToken']}"})
            if inbox.json()["unread"] >= count:
                return
            assert time.monotonic() < deadline, inbox.text
            time.sleep(0.2)


def watch_errors(page: Page) -> list[str]:
    """Uncaught errors of the page's scripts, collected for a final `assert errors == []`."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def kk_service(pwa_server: PwaServer, region: str = REGION) -> dict[str, Any]:
    """The demo "kk-baru" (new family card) service of a region, as GET /services/{id} gives it."""
    with pwa_server.api() as client:
        found = client.get("/api/v1/services", params={"region": region, "q": "kk-baru", "pageSize": 100}).json()
        sid = next(i["id"] for i in found["items"] if i["code"] == "kk-baru")
        service: dict[str, Any] = client.get(f"/api/v1/services/{sid}").json()
    return service


def citizen_with_documents(
    pwa_server: PwaServer, service: dict[str, Any], *, name: str = "Siti Aminah", nik: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """A signed-in citizen with a name, a NIK (a random one unless given) proven through the registry (civil
    registration needs assurance ``registry``), and an upload for each required document of the service."""
    tokens = pwa_server.sign_in()
    ids: list[str] = []
    nik = nik or random_nik()
    with pwa_server.api() as client:
        me = client.patch("/api/v1/me", json={"name": name, "nik": nik}, headers=bearer(tokens))
        assert me.status_code == 200, me.text
    pwa_server.verify_identity(tokens, nik=nik, name=name)
    with pwa_server.api() as client:
        for i, requirement in enumerate(r for r in service["requirements"] if not r.get("optional")):
            upload = client.post(
                "/api/v1/wallet/documents",
                files={"file": ("doc.jpg", jpeg(f"#{(i * 60 + 30):02x}1234", size=(640, 400)), "image/jpeg")},
                data={"type": requirement["code"]},
                headers=bearer(tokens),
            )
            assert upload.status_code == 201, upload.text
            ids.append(upload.json()["id"])
    return tokens, ids


def submit(pwa_server: PwaServer, tokens: dict[str, Any], service: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    """The citizen's application to the service with valid answers and these documents, through the API."""
    with pwa_server.api() as client:
        response = client.post(
            "/api/v1/applications",
            json={"serviceId": service["id"], "answers": answers_for(service), "documentIds": ids},
            headers={**bearer(tokens), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status_code == 201, response.text
    application: dict[str, Any] = response.json()
    return application


def submitted_application(
    pwa_server: PwaServer, region: str = REGION, **profile: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A citizen (tokens) and their application to kk-baru in a region (Banyumas by default), through the API;
    ``profile`` (name, nik) goes to citizen_with_documents."""
    service = kk_service(pwa_server, region)
    tokens, ids = citizen_with_documents(pwa_server, service, **profile)
    return tokens, submit(pwa_server, tokens, service, ids)


def inbox_row(page: Page, app_id: str) -> Locator:
    """The application's row in the inbox, paging on with "Muat lagi": the session's other tests fill the same
    agency's inbox, and rows with the same due date come in id order."""
    row = page.locator(f"#off-row-{app_id}")
    expect(page.locator(".off-item").first).to_be_visible(timeout=15_000)
    for _ in range(50):
        if row.count():
            break
        more = page.get_by_role("button", name="Muat lagi")
        if not more.count():
            break
        shown = page.locator(".off-item").count()
        more.click()
        expect(page.locator(".off-item")).not_to_have_count(shown, timeout=15_000)
    return row


def fill_in(page: Page) -> None:
    """The apply screen for kk-baru: step 1 (documents, pre-selected) → step 2 (the form) → step 3 (review)."""
    expect(page.get_by_role("heading", name="Langkah 1 dari 3: Dokumen")).to_be_visible()
    expect(page.get_by_label("Kartu Keluarga (KK)")).to_be_checked()
    expect(page.get_by_label("KTP Elektronik (KTP-el)")).to_be_checked()
    page.get_by_role("button", name="Lanjut").click()
    expect(page.get_by_role("heading", name="Langkah 2 dari 3: Isian")).to_be_focused()
    page.get_by_label("Alasan penerbitan").select_option("pisah_kk")
    page.get_by_label("NIK kepala keluarga baru").fill("3302011708900001")
    page.get_by_label("Jalan dan nomor").fill("Jl. Merdeka 1")
    page.get_by_label("Desa/kelurahan").fill("Sokanegara")
    page.get_by_label("Kecamatan").fill("Purwokerto Timur")
    page.get_by_label("Kabupaten/kota").fill("Banyumas")
    page.get_by_label("Provinsi").fill("Jawa Tengah")
    page.get_by_label("Nomor HP aktif").fill("081234567890")
    page.get_by_role("button", name="Lanjut").click()
    expect(page.get_by_role("heading", name="Langkah 3 dari 3: Periksa dan kirim")).to_be_visible()
    expect(page.locator(".review")).to_contain_text("Pisah KK dalam satu alamat")


def decide(page: Page, action: str, reason: str | None = None, *, confirm: bool = False) -> None:
    """On the officer's review screen: choose a decision, give its reason, save (and confirm if asked)."""
    page.get_by_role("radio", name=action).check()
    if reason is not None:
        page.locator("#off-reason").fill(reason)
    page.get_by_role("button", name="Simpan keputusan").click()
    if confirm:
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("tidak bisa dibatalkan")
        dialog.get_by_role("button", name="Ya, simpan").click()


@pytest.fixture(scope="module")
def pwa_server(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[PwaServer]:
    # A real server process on the session's test database (it migrates and seeds it if nobody has yet).
    data_dir = tmp_path_factory.mktemp("pwa") / "var"
    with running_server(data_dir, database_url=database_url) as server:
        yield PwaServer(server, data_dir, database_url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def phone(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[..., BrowserContext]]:
    """A factory of phone-sized browser contexts (closed after the test): `ctx = phone(); page = ctx.new_page()`.

    With MPP_E2E_TRACE=<folder>, every context records a Playwright trace there (`playwright show-trace`): a
    failure seen only on a loaded CI machine can then be read step by step, network included."""
    contexts: list[BrowserContext] = []
    traces = os.environ.get("MPP_E2E_TRACE")

    def make(**overrides: Any) -> BrowserContext:
        options: dict[str, Any] = {
            "viewport": PHONE,
            "is_mobile": True,
            "has_touch": True,
            "locale": "id-ID",
            "service_workers": "allow",
        }
        options.update(overrides)
        context = browser.new_context(**options)
        if traces:
            context.tracing.start(screenshots=True, snapshots=True)
        contexts.append(context)
        return context

    yield make
    for number, context in enumerate(contexts):
        if traces:
            Path(traces).mkdir(parents=True, exist_ok=True)
            context.tracing.stop(path=str(Path(traces) / f"{request.node.name}-{number}.zip"))
        context.close()
