"""An agency system signs a citizen in with MPP Digital through an independent, maintained OpenID Connect client
library (pyoidc, ``oic``), over real HTTP to a running ``mpp serve``: the client is registered with the real
``mpp oidc clients create``; pyoidc does discovery, the authorization request with PKCE, the token request (and
checks the ID token's signature against our JWKS, its issuer, audience and nonce), and userinfo. The citizen's
consent is given as the PWA gives it. Then the citizen signs out of MPP Digital, and the system's back-channel
logout endpoint receives a logout token that pyoidc verifies, naming the same pairwise ``sub`` and ``sid``."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from oic.oic import Client
from oic.oic.message import AuthorizationResponse, BackChannelLogoutRequest, OpenIDSchema, RegistrationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD

from tests.e2e.pwa import *  # noqa: F403  (fixtures: pwa_server)
from tests.e2e.pwa import MPP, PwaServer
from tests.support.auth import bearer


class LogoutReceiver:
    """The agency system's back-channel logout endpoint: keeps every form body POSTed to it."""

    def __init__(self) -> None:
        received: list[dict[str, list[str]]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                received.append(parse_qs(self.rfile.read(length).decode()))
                self.send_response(200)
                self.send_header("Cache-Control", "no-store")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return None

        self.received = received
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/backchannel-logout"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int, timeout: float = 20.0) -> list[dict[str, list[str]]]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.received)


@pytest.fixture
def receiver() -> Iterator[LogoutReceiver]:
    made = LogoutReceiver()
    yield made
    made.server.shutdown()


def register(pwa_server: PwaServer, *, backchannel: str, redirect: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "DATABASE_URL": pwa_server.database_url,
        "MPP_DATA_DIR": str(pwa_server.data_dir),
        "MPP_ENV": "dev",
    }
    done = subprocess.run(
        [
            MPP,
            "oidc",
            "clients",
            "create",
            "--name",
            "Sistem Informasi Desa",
            "--redirect-uri",
            redirect,
            "--scope",
            "openid",
            "--scope",
            "profile",
            "--scope",
            "phone",
            "--backchannel-logout-uri",
            backchannel,
        ],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    made: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert made["client_id"].startswith("mpp-") and len(made["client_secret"]) >= 40
    return made


def test_an_independent_client_signs_in_and_is_logged_out_by_back_channel(
    pwa_server: PwaServer, receiver: LogoutReceiver
) -> None:
    redirect = "http://127.0.0.1:9/callback"  # never contacted: the code is read from the redirect itself
    registered = register(pwa_server, backchannel=receiver.url, redirect=redirect)
    rp = Client(client_authn_method=CLIENT_AUTHN_METHOD, verify_ssl=False)
    rp.provider_config(pwa_server.url)  # discovery; pyoidc checks the issuer is the address it asked
    rp.store_registration_info(
        RegistrationResponse(
            client_id=registered["client_id"], client_secret=registered["client_secret"], redirect_uris=[redirect]
        )
    )
    pkce, verifier = rp.add_code_challenge()
    state, nonce = "st-" + os.urandom(6).hex(), "n-" + os.urandom(6).hex()
    rp.state2nonce[state] = nonce
    request = rp.construct_AuthorizationRequest(
        request_args={
            "response_type": "code",
            "scope": "openid profile phone",
            "state": state,
            "nonce": nonce,
            "redirect_uri": redirect,
            **pkce,
        }
    )
    url = request.request(rp.authorization_endpoint)

    citizen = pwa_server.sign_in()
    with pwa_server.api() as http:
        http.patch("/api/v1/me", json={"name": "Wayan Sudarma"}, headers=bearer(citizen)).raise_for_status()
        to_pwa = http.get(url.replace(pwa_server.url, ""))
        assert to_pwa.status_code == 302, to_pwa.text
        request_id = urlsplit(to_pwa.headers["location"]).fragment.rsplit("/", 1)[1]
        decided = http.post(
            f"/api/v1/oidc/requests/{request_id}/decision", json={"approve": True}, headers=bearer(citizen)
        )
        assert decided.status_code == 200, decided.text
    back = decided.json()["redirectTo"]
    assert back.startswith(redirect)

    answer = rp.parse_response(AuthorizationResponse, info=urlsplit(back).query, sformat="urlencoded")
    assert answer["state"] == state
    tokens = rp.do_access_token_request(
        state=state,
        request_args={"code": answer["code"], "redirect_uri": redirect, "code_verifier": verifier},
        authn_method="client_secret_basic",
    )
    id_token = tokens["id_token"]  # verified by pyoidc: ES256 signature against our JWKS, iss, aud, nonce
    assert id_token["aud"] == [registered["client_id"]] and id_token["nonce"] == nonce
    info = rp.do_user_info_request(state=state)
    assert isinstance(info, OpenIDSchema)
    assert (
        info["sub"] == id_token["sub"] and info["name"] == "Wayan Sudarma" and info["phone_number"] == citizen["phone"]
    )

    # The citizen signs out of MPP Digital: the agency system hears of it, server to server.
    with pwa_server.api() as http:
        assert http.post("/api/v1/auth/logout", headers=bearer(citizen)).status_code == 204
    received = receiver.wait(1)
    assert len(received) == 1, "no back-channel logout arrived"
    logout = BackChannelLogoutRequest(logout_token=received[0]["logout_token"][0])
    assert logout.verify(keyjar=rp.keyjar, aud=registered["client_id"], iss=pwa_server.url)
    claims = logout["logout_token"]
    assert claims["sub"] == id_token["sub"] and claims["sid"] == id_token["sid"]
    # Its tokens died with the session.
    with pwa_server.api() as http:
        dead = http.get("/oidc/userinfo", headers=bearer(tokens["access_token"]))
    assert dead.status_code == 401
