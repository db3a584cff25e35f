"""Starting `mpp serve`: a taken port is refused before anything starts, with a way out; passkey settings that
cannot work at the address in use are refused in production and derived (or warned about) in development."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.config import SettingsError, _load

MPP = str(Path(sys.executable).parent / "mpp")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A clean environment with its own data folder (restored after the test)."""
    for name in list(os.environ):
        if name.startswith("MPP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MPP_ENV", "dev")
    monkeypatch.setenv("MPP_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


def prod(env: pytest.MonkeyPatch, public_url: str = "https://mpp.example.go.id") -> dict[str, str]:
    """Production with every secret present (not usable ones: start-up must stop before they are used)."""
    values = {
        "MPP_ENV": "prod",
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "MPP_SIGNING_KEYS": '{"keys": []}',
        "MPP_SECRET_KEY": secrets.token_urlsafe(48),
        "MPP_OIDC_RSA_KEY": "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----",
        "MPP_PUBLIC_URL": public_url,
        "MPP_SMS_URL": "https://sms.example.go.id/send",
        "MPP_MASTER_KEYS": '{"active": "k", "keys": {}}',
        "MPP_VAPID_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----",
        "MPP_REGISTRY_URL": "https://registry.example.go.id",
        "MPP_REGISTRY_CLIENT_ID": "mpp",
        "MPP_REGISTRY_SECRET": "s",
        "MPP_METRICS_TOKEN": secrets.token_urlsafe(32),
    }
    for name, value in values.items():
        env.setenv(name, value)
    return values


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another program is listening on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def serve(tmp_path: Path, *args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MPP_") and k != "DATABASE_URL"}
    environment.update({"MPP_ENV": "dev", "MPP_DATA_DIR": str(tmp_path / "var"), **(extra or {})})
    return subprocess.run(
        [MPP, "serve", *args], env=environment, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize("how", ["--port", "MPP_PORT"])
def test_a_taken_port_is_refused_before_the_database_starts(tmp_path: Path, taken_port: int, how: str) -> None:
    if how == "--port":
        result = serve(tmp_path, "--port", str(taken_port))
    else:
        result = serve(tmp_path, extra={"MPP_PORT": str(taken_port)})
    assert result.returncode != 0
    assert f"port {taken_port} is already in use" in result.stderr
    # It says how to choose another, with a port that is free.
    assert "--port" in result.stderr and "MPP_PORT=" in result.stderr
    assert "ready" not in result.stdout
    # Checked before anything else: the embedded PostgreSQL was never initialised.
    assert not (tmp_path / "var" / "postgres").exists()


def test_development_derives_the_passkey_origin_from_the_port_served(env: pytest.MonkeyPatch) -> None:
    env.setenv("MPP_PORT", "8123")
    settings = _load()
    # WebAuthn refuses IP addresses: the address to open is localhost, and passkeys are bound to it.
    assert settings.browser_url == "http://localhost:8123/"
    assert settings.auth.rp_id == "localhost"
    assert settings.auth.origins == ("http://localhost:8123",)
    assert settings.passkey_problems() == []
    env.setenv("MPP_HOST", "0.0.0.0")  # listening everywhere: this machine's browser still uses localhost
    assert _load().browser_url == "http://localhost:8123/"


def test_development_warns_about_a_mismatch_instead_of_refusing(env: pytest.MonkeyPatch) -> None:
    env.setenv("MPP_PORT", "8000")
    env.setenv("MPP_ORIGINS", "http://localhost:9000")
    problems = _load().passkey_problems()
    assert any("http://localhost:8000" in p and "MPP_ORIGINS" in p for p in problems), problems
    env.setenv("MPP_HOST", "192.168.1.20")
    env.delenv("MPP_ORIGINS")
    problems = _load().passkey_problems()
    assert any("192.168.1.20" in p and "http://localhost:8000/" in p for p in problems), problems


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"MPP_RP_ID": "mpp.example.id"}, "MPP_RP_ID"),
        ({"MPP_RP_ID": "10.0.0.5", "MPP_ORIGINS": "https://10.0.0.5"}, "IP address"),
        ({"MPP_ORIGINS": "https://mpp.example.go.id.evil.test"}, "MPP_ORIGINS"),
        ({"MPP_ORIGINS": "https://other.example.go.id"}, "MPP_PUBLIC_URL"),
        ({"MPP_PUBLIC_URL": "http://mpp.example.go.id"}, "https"),
    ],
)
def test_production_refuses_passkey_settings_that_cannot_work(
    env: pytest.MonkeyPatch, variables: dict[str, str], named: str
) -> None:
    prod(env)
    for name, value in variables.items():
        env.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        _load()
    assert "passkeys cannot work" in str(refused.value) and named in str(refused.value)


def test_production_accepts_a_subdomain_origin_of_the_relying_party(env: pytest.MonkeyPatch) -> None:
    prod(env, "https://mpp.example.go.id/")
    env.setenv("MPP_RP_ID", "example.go.id")
    env.setenv("MPP_ORIGINS", "https://mpp.example.go.id,https://kiosk.example.go.id")
    settings = _load()
    assert settings.passkey_problems() == []
    assert settings.browser_url == "https://mpp.example.go.id/"


def test_mpp_serve_refuses_a_mismatch_in_production(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    values = prod(env)
    result = serve(tmp_path, "--port", "0", extra={**values, "MPP_RP_ID": "localhost"})
    assert result.returncode != 0
    assert "passkeys cannot work" in result.stderr and "MPP_RP_ID" in result.stderr
    assert "ready" not in result.stdout


async def test_the_site_endpoint_names_the_address_where_passkeys_work(client: httpx.AsyncClient) -> None:
    """The sign-in screen compares this with location.origin to tell someone at 127.0.0.1 where to go."""
    site = (await client.get("/api/v1/site")).json()
    assert site["url"].startswith("http://localhost:") and site["url"].endswith("/")
    assert site["passkeyOrigins"] == [site["url"].rstrip("/")]
    assert site["rpId"] == "localhost"
