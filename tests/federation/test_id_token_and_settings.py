"""The ID token's signature is checked against the provider's published keys; the settings are checked at boot."""

from __future__ import annotations

import time

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from api.config import SettingsError, _national_idp
from api.federation import provider
from tests.fakes.national_idp import NationalIdpProcess
from tests.federation.conftest import CLIENT_ID, idp_settings


async def test_an_id_token_signed_by_another_key_is_refused(national_idp: NationalIdpProcess) -> None:
    idp = idp_settings(national_idp.url)
    provider.forget_cache()
    meta = await provider.metadata(idp)
    async with httpx.AsyncClient(timeout=5) as client:
        [published] = (await client.get(meta.jwks_uri)).json()["keys"]
    now = int(time.time())
    claims = {"iss": meta.issuer, "sub": "someone", "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": "n"}
    forger = RSAKey.generate_key(2048)
    # The provider's own key id, but not its key: only the signature can tell.
    header = {"alg": "RS256", **({"kid": published["kid"]} if "kid" in published else {})}
    forged = jwt.encode(header, claims, forger)
    with pytest.raises(provider.InvalidIdTokenError):
        await provider.verify_id_token(idp, meta, forged, nonce="n")
    # The same token with its signature cut off ("alg" stays RS256): nothing to verify is not a pass.
    unsigned = forged[: forged.rfind(".")] + "."
    with pytest.raises(provider.InvalidIdTokenError):
        await provider.verify_id_token(idp, meta, unsigned, nonce="n")


def test_settings_need_the_client_with_an_issuer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPP_NATIONAL_IDP_ISSUER", "https://idp.example.id")
    with pytest.raises(SettingsError, match="MPP_NATIONAL_IDP_CLIENT_ID, MPP_NATIONAL_IDP_CLIENT_SECRET"):
        _national_idp()
    monkeypatch.setenv("MPP_NATIONAL_IDP_CLIENT_ID", "mpp")
    monkeypatch.setenv("MPP_NATIONAL_IDP_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("MPP_NATIONAL_IDP_ACR_LEVELS", "loa2=registry, loa3=in_person")
    idp = _national_idp()
    assert idp.enabled and idp.name == "INApas" and idp.nik_claim == "nik"
    assert (idp.level_for("loa2"), idp.level_for("loa3"), idp.level_for("loa1"), idp.level_for(None)) == (
        "registry",
        "in_person",
        "phone",
        "phone",
    )
    for wrong in ("loa2=gold", "=registry", "loa2"):
        monkeypatch.setenv("MPP_NATIONAL_IDP_ACR_LEVELS", wrong)
        with pytest.raises(SettingsError, match="MPP_NATIONAL_IDP_ACR_LEVELS"):
            _national_idp()
    monkeypatch.setenv("MPP_NATIONAL_IDP_ACR_LEVELS", "")
    monkeypatch.setenv("MPP_NATIONAL_IDP_ISSUER", "ftp://idp.example.id")
    with pytest.raises(SettingsError, match="http"):
        _national_idp()


def test_without_an_issuer_the_feature_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MPP_NATIONAL_IDP_ISSUER", raising=False)
    assert not _national_idp().enabled
