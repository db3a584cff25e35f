"""The fake push service is checked against the real sender library (webpush 1.0.6) and the RFC test vectors.

If these pass, a notification test that fails against the fake points at the app, not at the fake.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from webpush import WebPush, WebPushSubscription
from webpush.vapid import VAPID

from tests.fakes.push_service import (
    MAX_BODY,
    FakePushService,
    PushError,
    b64url_decode,
    b64url_encode,
    decrypt_aes128gcm,
    vapid_authorization,
    verify_vapid,
)

SUBSCRIBER = "ops@mpp.example"


@pytest.fixture
def push() -> Iterator[FakePushService]:
    with FakePushService() as service:
        yield service


@pytest.fixture(scope="module")
def vapid_keys() -> tuple[bytes, bytes, str]:
    """(private PEM, public PEM, applicationServerKey) as webpush generates them."""
    return VAPID.generate_keys()


@pytest.fixture
def sender(vapid_keys: tuple[bytes, bytes, str]) -> WebPush:
    private, public, _ = vapid_keys
    return WebPush(private_key=private, public_key=public, subscriber=SUBSCRIBER, ttl=60)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as c:
        yield c


def prepare(sender: WebPush, message: Any, subscription: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """webpush's body and headers, the VAPID header re-made by webpush with an aud that keeps the port.

    webpush 1.0.6 builds aud as f"{scheme}://{host}", dropping the port: right for real services on 443,
    wrong for a service on 127.0.0.1:<port>. Passing an endpoint whose host is scheme-less netloc fixes it.
    """
    msg = sender.get(message, WebPushSubscription.model_validate(subscription))
    parts = urlsplit(subscription["endpoint"])
    headers = dict(msg.headers)
    headers["authorization"] = sender.vapid.get_authorization_header(
        endpoint=SimpleNamespace(scheme=parts.scheme, host=parts.netloc),  # type: ignore[arg-type]
        subscriber=sender.subscriber,
        expiration=sender.expiration,
    )
    return msg.encrypted, headers


def send(
    client: httpx.Client, sender: WebPush, message: Any, subscription: dict[str, Any], **extra: str
) -> httpx.Response:
    body, headers = prepare(sender, message, subscription)
    return client.post(subscription["endpoint"], content=body, headers={**headers, **extra})


# --- round trip ---------------------------------------------------------------------------------------------


def test_a_message_round_trips(push: FakePushService, sender: WebPush, client: httpx.Client) -> None:
    subscription = push.subscribe()
    message = {"title": "Žádost schválena", "url": "/applications/42"}

    response = send(client, sender, message, subscription)

    assert response.status_code == 201, response.text
    assert response.headers["location"].startswith(push.url + "/m/")
    [received] = push.wait_for(1)
    assert received.payload == json.dumps(message).encode()
    assert received.json() == message
    assert received.subscription == FakePushService.id_of(subscription)
    assert received.ttl == 60
    assert received.vapid["aud"] == push.url
    assert received.vapid["sub"] == f"mailto:{SUBSCRIBER}"
    assert received.vapid_key == sender.vapid.get_application_server_key(sender.vapid.public_key)
    assert received.location == response.headers["location"]
    assert received.at <= time.monotonic()


def test_subscription_looks_like_a_browsers(push: FakePushService) -> None:
    subscription = push.subscribe()
    assert set(subscription) == {"endpoint", "expirationTime", "keys"}
    assert subscription["endpoint"].startswith(push.url + "/push/")
    p256dh, auth = b64url_decode(subscription["keys"]["p256dh"]), b64url_decode(subscription["keys"]["auth"])
    assert len(p256dh) == 65 and p256dh[0] == 4 and len(auth) == 16
    assert "=" not in subscription["keys"]["p256dh"] + subscription["keys"]["auth"]
    WebPushSubscription.model_validate(subscription)  # the sender library takes it as it is
    assert push.subscribe()["endpoint"] != subscription["endpoint"]


def test_webpush_drops_the_port_from_aud(push: FakePushService, sender: WebPush, client: httpx.Client) -> None:
    """webpush's own header, unmodified: strict services refuse it here; lenient_audience accepts it."""
    subscription = push.subscribe()
    msg = sender.get({"n": 1}, WebPushSubscription.model_validate(subscription))
    response = client.post(subscription["endpoint"], content=msg.encrypted, headers=dict(msg.headers))
    assert response.status_code == 401
    assert "aud 'http://127.0.0.1'" in response.json()["message"]

    with FakePushService(lenient_audience=True) as lenient:
        subscription = lenient.subscribe()
        msg = sender.get({"n": 2}, WebPushSubscription.model_validate(subscription))
        response = client.post(subscription["endpoint"], content=msg.encrypted, headers=dict(msg.headers))
        assert response.status_code == 201, response.text
        assert lenient.wait_for(1)[0].json() == {"n": 2}


def test_ttl_urgency_and_topic_are_recorded(
    push: FakePushService, vapid_keys: tuple[bytes, bytes, str], client: httpx.Client
) -> None:
    private, public, _ = vapid_keys
    sender = WebPush(private_key=private, public_key=public, subscriber=SUBSCRIBER, ttl=3600)
    subscription = push.subscribe()

    assert send(client, sender, "one", subscription, Urgency="high", Topic="application-42").status_code == 201
    assert send(client, sender, "two", subscription).status_code == 201

    first, second = push.wait_for(2)
    assert (first.ttl, first.urgency, first.topic, first.text()) == (3600, "high", "application-42", "one")
    assert (second.ttl, second.urgency, second.topic, second.text()) == (3600, None, None, "two")
    assert first.headers["content-encoding"] == "aes128gcm"


def test_messages_to_several_subscriptions(push: FakePushService, sender: WebPush, client: httpx.Client) -> None:
    a, b = push.subscribe(), push.subscribe()
    for n in range(3):
        assert send(client, sender, {"n": n}, a).status_code == 201
    assert send(client, sender, {"n": "b"}, b).status_code == 201
    assert [r.json()["n"] for r in push.wait_for(3, subscription=a["endpoint"])] == [0, 1, 2]
    assert [r.json() for r in push.wait_for(1, subscription=FakePushService.id_of(b))] == [{"n": "b"}]
    assert len(push.received) == 4
    push.clear()
    assert push.received == [] and push.attempts == []


# --- the RFC vectors: the fake's crypto agrees with the specifications, not only with webpush -------------------


def test_decrypts_the_rfc_8291_example() -> None:
    """RFC 8291 §5 / Appendix A."""
    ua_private = ec.derive_private_key(
        int.from_bytes(b64url_decode("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"), "big"), ec.SECP256R1()
    )
    body = b64url_decode(
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6P"
        "Bru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
    )
    auth = b64url_decode("BTBZMqHH6r4Tts7J_aSIgg")
    assert decrypt_aes128gcm(body, ua_private, auth) == b"When I grow up, I want to be a watermelon"
    tampered = body[:-1] + bytes([body[-1] ^ 1])
    with pytest.raises(ValueError, match="authentication failed"):
        decrypt_aes128gcm(tampered, ua_private, auth)


RFC_8292_HEADER = (
    "vapid t=eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJodHRwczovL3B1c2guZXhhbXBsZS5uZXQiLCJleHAiOjE0NTM1Mj"
    "M3NjgsInN1YiI6Im1haWx0bzpwdXNoQGV4YW1wbGUuY29tIn0.i3CYb7t4xfxCDquptFOepC9GAu_HLGkMlMuCGSK2rpiUfnK9ojFwDXb1JrEr"
    "tmysazNjjvW2L9OkSSHzvoD1oA, k=BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2E"
    "mClBPs"
)


def test_verifies_the_rfc_8292_example() -> None:
    """RFC 8292 §2.4 / §3.1, checked at a moment when it had not yet expired."""
    claims, _ = verify_vapid(RFC_8292_HEADER, audiences={"https://push.example.net"}, now=1453523768 - 3600)
    assert claims == {"aud": "https://push.example.net", "exp": 1453523768, "sub": "mailto:push@example.com"}
    with pytest.raises(PushError, match="expired"):
        verify_vapid(RFC_8292_HEADER, audiences={"https://push.example.net"})
    with pytest.raises(PushError, match="aud"):
        verify_vapid(RFC_8292_HEADER, audiences={"https://push.example.org"}, now=1453523768 - 3600)


def test_hand_made_tokens_are_standard_es256(vapid_keys: tuple[bytes, bytes, str], push: FakePushService) -> None:
    """The helper used for the negative tests below makes tokens PyJWT accepts, so they differ only as intended."""
    private, public, key = vapid_keys
    header = vapid_authorization(private, aud=push.url)
    token, k = (part.split("=", 1)[1] for part in header.removeprefix("vapid ").split(", "))
    assert k == key
    claims = jwt.decode(token, public, algorithms=["ES256"], audience=push.url)
    assert claims["sub"] == "mailto:push@example.org"


# --- VAPID checks ---------------------------------------------------------------------------------------------


def forged_alg(private: bytes, aud: str, alg: str) -> str:
    """A token claiming another alg, with k of the real key."""
    base = vapid_authorization(private, aud=aud)
    token, k = (part.split("=", 1)[1] for part in base.removeprefix("vapid ").split(", "))
    _, claims, signature = token.split(".")
    head = b64url_encode(json.dumps({"typ": "JWT", "alg": alg}).encode())
    return f"vapid t={head}.{claims}.{'' if alg == 'none' else signature}, k={k}"


def tampered(private: bytes, aud: str) -> str:
    """A valid token whose claims were edited after signing (sub changed)."""
    base = vapid_authorization(private, aud=aud)
    token, k = (part.split("=", 1)[1] for part in base.removeprefix("vapid ").split(", "))
    head, claims, signature = token.split(".")
    edited = json.loads(b64url_decode(claims)) | {"sub": "mailto:attacker@example.org"}
    return f"vapid t={head}.{b64url_encode(json.dumps(edited).encode())}.{signature}, k={k}"


BAD_VAPID = {
    "missing": lambda private, url: None,
    "wrong aud": lambda private, url: vapid_authorization(private, aud="https://fcm.googleapis.com"),
    "aud without port": lambda private, url: vapid_authorization(private, aud="http://127.0.0.1"),
    "aud with a path": lambda private, url: vapid_authorization(private, aud=url + "/push"),
    "no aud": lambda private, url: vapid_authorization(private, aud=None),
    "expired": lambda private, url: vapid_authorization(private, aud=url, exp=time.time() - 5),
    "more than 24 h ahead": lambda private, url: vapid_authorization(private, aud=url, lifetime=24 * 3600 + 120),
    "no exp": lambda private, url: vapid_authorization(private, aud=url, extra_claims={"exp": None}),
    "no sub": lambda private, url: vapid_authorization(private, aud=url, sub=None),
    "sub not a URI": lambda private, url: vapid_authorization(private, aud=url, sub="ops@mpp.example"),
    "sub http:": lambda private, url: vapid_authorization(private, aud=url, sub="http://mpp.example"),
    "tampered claims": tampered,
    "signed by another key": lambda private, url: vapid_authorization(
        ec.generate_private_key(ec.SECP256R1()), aud=url, k=vapid_authorization(private, aud=url).split("k=")[1]
    ),
    "alg HS256": lambda private, url: forged_alg(private, url, "HS256"),
    "alg none": lambda private, url: forged_alg(private, url, "none"),
    "k not a point": lambda private, url: vapid_authorization(private, aud=url, k=b64url_encode(b"\x04" + bytes(64))),
    "k compressed": lambda private, url: vapid_authorization(private, aud=url, k=b64url_encode(b"\x02" + bytes(32))),
    "legacy WebPush scheme": lambda private, url: vapid_authorization(private, aud=url).replace("vapid ", "WebPush "),
    "Bearer token": lambda private, url: "Bearer " + vapid_authorization(private, aud=url).split("t=")[1].split(",")[0],
    "no k": lambda private, url: vapid_authorization(private, aud=url).split(",")[0],
    "garbage t": lambda private, url: "vapid t=not.a.jwt, k=" + vapid_authorization(private, aud=url).split("k=")[1],
}


WHY = {  # each case must be refused for its own reason, not by tripping another check
    "missing": "missing VAPID",
    "wrong aud": "aud 'https://fcm",
    "aud without port": "aud 'http://127.0.0.1' ",
    "aud with a path": "/push' is not",
    "no aud": "aud None",
    "expired": "JWT expired",
    "more than 24 h ahead": "24 hours",
    "no exp": "exp missing",
    "no sub": "sub must",
    "sub not a URI": "sub must",
    "sub http:": "sub must",
    "tampered claims": "does not verify",
    "signed by another key": "does not verify",
    "alg HS256": "ES256",
    "alg none": "ES256",
    "k not a point": "k is not",
    "k compressed": "k is not",
    "legacy WebPush scheme": "'WebPush'",
    "Bearer token": "'Bearer'",
    "no k": "both t= and k=",
    "garbage t": "t is not valid",
}


@pytest.mark.parametrize("case", list(BAD_VAPID))
def test_bad_vapid_is_refused_with_401(
    case: str,
    push: FakePushService,
    sender: WebPush,
    vapid_keys: tuple[bytes, bytes, str],
    client: httpx.Client,
) -> None:
    subscription = push.subscribe()
    body, headers = prepare(sender, {"n": 1}, subscription)
    authorization = BAD_VAPID[case](vapid_keys[0], push.url)
    headers.pop("authorization")
    if authorization is not None:
        headers["authorization"] = authorization

    response = client.post(subscription["endpoint"], content=body, headers=headers)

    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "vapid"
    assert response.json()["code"] == 401
    assert WHY[case] in response.json()["message"]
    assert push.received == []
    assert push.attempts[-1].status == 401


def test_hand_made_valid_header_is_accepted(
    push: FakePushService, sender: WebPush, vapid_keys: tuple[bytes, bytes, str], client: httpx.Client
) -> None:
    """Control for the table above: the same helper with correct claims passes, also with https: sub."""
    subscription = push.subscribe()
    body, headers = prepare(sender, {"n": 1}, subscription)
    headers["authorization"] = vapid_authorization(
        vapid_keys[0], aud=push.url, sub="https://mpp.example/contact", lifetime=24 * 3600 - 5
    )
    assert client.post(subscription["endpoint"], content=body, headers=headers).status_code == 201
    assert push.wait_for(1)[0].vapid["sub"] == "https://mpp.example/contact"


def test_key_other_than_application_server_key_gets_403(
    push: FakePushService, sender: WebPush, vapid_keys: tuple[bytes, bytes, str], client: httpx.Client
) -> None:
    mine = push.subscribe(application_server_key=vapid_keys[2])
    theirs = push.subscribe(application_server_key=VAPID.generate_keys()[2])
    assert send(client, sender, {"n": 1}, mine).status_code == 201
    response = send(client, sender, {"n": 2}, theirs)
    assert response.status_code == 403
    assert [r.json() for r in push.received] == [{"n": 1}]


# --- other request checks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"ttl": None}, 400),
        ({"ttl": "-1"}, 400),
        ({"ttl": "soon"}, 400),
        ({"content-encoding": None}, 400),
        ({"content-encoding": "aesgcm"}, 400),
        ({"urgency": "urgent"}, 400),
        ({"topic": "x" * 33}, 400),
        ({"topic": "not ok!"}, 400),
        ({"ttl": "0", "urgency": "very-low", "topic": "A-z_09"}, 201),
    ],
)
def test_headers_are_validated(
    change: dict[str, str | None], status: int, push: FakePushService, sender: WebPush, client: httpx.Client
) -> None:
    subscription = push.subscribe()
    body, headers = prepare(sender, "hello", subscription)
    for name, value in change.items():
        headers.pop(name, None)
        if value is not None:
            headers[name] = value
    response = client.post(subscription["endpoint"], content=body, headers=headers)
    assert response.status_code == status, response.text


def test_bodies_over_4096_bytes_get_413(push: FakePushService, sender: WebPush, client: httpx.Client) -> None:
    """aes128gcm adds 103 bytes (86 header, 1 delimiter, 16 tag): 3993 bytes of payload is the most that fits."""
    subscription = push.subscribe()
    body, _ = prepare(sender, b"x" * 3993, subscription)
    assert len(body) == MAX_BODY

    assert send(client, sender, b"x" * 3993, subscription).status_code == 201
    response = send(client, sender, b"x" * 3994, subscription)
    assert response.status_code == 413
    huge = send(client, sender, b"x" * 100_000, subscription)
    assert huge.status_code == 413
    assert [len(r.payload) for r in push.received] == [3993]


def test_undecryptable_bodies_get_400(push: FakePushService, sender: WebPush, client: httpx.Client) -> None:
    """Real services cannot tell (the browser drops the message); the fake says so, to fail loudly."""
    a, b = push.subscribe(), push.subscribe()
    body, headers = prepare(sender, "for a", a)
    wrong_keys = client.post(b["endpoint"], content=body, headers=headers)  # encrypted for a, sent to b
    assert wrong_keys.status_code == 400 and "cannot decrypt" in wrong_keys.json()["message"]
    flipped = body[:100] + bytes([body[100] ^ 0xFF]) + body[101:]
    assert client.post(a["endpoint"], content=flipped, headers=headers).status_code == 400
    assert client.post(a["endpoint"], content=b"", headers=headers).status_code == 400
    assert client.post(a["endpoint"], content=body, headers=headers).status_code == 201


def test_unknown_subscriptions_paths_and_methods(push: FakePushService, sender: WebPush, client: httpx.Client) -> None:
    subscription = push.subscribe()
    body, headers = prepare(sender, "x", subscription)
    assert client.post(push.url + "/push/unknown", content=body, headers=headers).status_code == 404
    assert client.post(push.url + "/elsewhere", content=body, headers=headers).status_code == 404
    response = client.get(subscription["endpoint"])
    assert response.status_code == 405 and response.headers["allow"] == "POST"


# --- failure injection --------------------------------------------------------------------------------------


def test_gone_subscription_stays_gone(push: FakePushService, sender: WebPush, client: httpx.Client) -> None:
    gone, other = push.subscribe(), push.subscribe()
    push.fail(410, subscription=FakePushService.id_of(gone))

    assert send(client, sender, "1", gone).status_code == 410
    assert send(client, sender, "2", gone).status_code == 410
    push.reset_failures()
    assert send(client, sender, "3", gone).status_code == 410  # uninstalling is not undone
    assert send(client, sender, "4", other).status_code == 201

    push.unsubscribe(other)  # the browser side of the same thing
    assert send(client, sender, "5", other).status_code == 410
    assert [r.text() for r in push.received] == ["4"]
    assert [a.status for a in push.attempts] == [410, 410, 410, 201, 410]


def test_404_for_a_subscription(push: FakePushService, sender: WebPush, client: httpx.Client) -> None:
    subscription = push.subscribe()
    push.fail(404, subscription=subscription["endpoint"])
    assert send(client, sender, "1", subscription).status_code == 404
    assert send(client, sender, "2", subscription).status_code == 404


def test_429_with_retry_after_once(push: FakePushService, sender: WebPush, client: httpx.Client) -> None:
    subscription = push.subscribe()
    push.fail(429, retry_after=2, times=1)

    first = send(client, sender, "1", subscription)
    assert first.status_code == 429
    assert first.headers["retry-after"] == "2"
    second = send(client, sender, "2", subscription)
    assert second.status_code == 201
    assert "retry-after" not in second.headers
    assert [r.text() for r in push.received] == ["2"]


def test_server_errors_for_some_or_all(push: FakePushService, sender: WebPush, client: httpx.Client) -> None:
    a, b = push.subscribe(), push.subscribe()
    push.fail(503, times=2, retry_after=1)
    assert [send(client, sender, "x", a).status_code for _ in range(3)] == [503, 503, 201]

    push.fail(500)  # for everyone, until reset
    push.fail(503, subscription=FakePushService.id_of(b), times=1)  # subscription rules come first
    assert send(client, sender, "x", b).status_code == 503
    assert send(client, sender, "x", b).status_code == 500
    assert send(client, sender, "x", a).status_code == 500
    push.reset_failures()
    assert send(client, sender, "x", a).status_code == 201
    assert send(client, sender, "x", b).status_code == 201


def test_delays(push: FakePushService, sender: WebPush, client: httpx.Client) -> None:
    subscription = push.subscribe()
    push.delay(0.5, times=1)
    started = time.monotonic()
    assert send(client, sender, "slow", subscription).status_code == 201
    assert time.monotonic() - started >= 0.5

    push.fail(503, delay=2, times=1)
    body, headers = prepare(sender, "timeout", subscription)
    with pytest.raises(httpx.ReadTimeout):
        client.post(subscription["endpoint"], content=body, headers=headers, timeout=0.3)
    assert send(client, sender, "fast", subscription).status_code == 201
    assert [r.text() for r in push.received] == ["slow", "fast"]


def test_fail_rejects_nonsense(push: FakePushService) -> None:
    with pytest.raises(ValueError, match="4xx or 5xx"):
        push.fail(201)
    with pytest.raises(ValueError, match="times"):
        push.fail(500, times=0)


# --- transport, waiting, threads ------------------------------------------------------------------------------


def test_chunked_bodies_and_keep_alive(push: FakePushService, sender: WebPush, client: httpx.Client) -> None:
    subscription = push.subscribe()
    body, headers = prepare(sender, "chunked", subscription)
    response = client.post(subscription["endpoint"], content=iter([body[:50], body[50:]]), headers=headers)
    assert response.status_code == 201
    assert response.headers["connection"] == "keep-alive"
    assert send(client, sender, "again", subscription).status_code == 201  # same connection
    assert [r.text() for r in push.received] == ["chunked", "again"]


def test_wait_for_times_out_with_what_happened(push: FakePushService, sender: WebPush, client: httpx.Client) -> None:
    subscription = push.subscribe()
    push.fail(503)
    send(client, sender, "x", subscription)
    with pytest.raises(TimeoutError, match=r"(?s)0 of 1 push messages.*503 .*injected failure"):
        push.wait_for(1, timeout=0.2)


async def test_concurrent_async_senders(push: FakePushService, sender: WebPush) -> None:
    subscriptions = [push.subscribe() for _ in range(5)]
    prepared = [(*prepare(sender, {"n": n}, subscriptions[n % 5]), subscriptions[n % 5]) for n in range(40)]
    async with httpx.AsyncClient(timeout=5) as client:
        waiter = asyncio.create_task(push.wait_for_async(40))
        responses = await asyncio.gather(
            *(client.post(sub["endpoint"], content=body, headers=headers) for body, headers, sub in prepared)
        )
        received = await waiter
    assert {r.status_code for r in responses} == {201}
    assert sorted(r.json()["n"] for r in received) == list(range(40))
    with pytest.raises(TimeoutError):
        await push.wait_for_async(41, timeout=0.1)


def test_stop_frees_the_port(sender: WebPush) -> None:
    service = FakePushService().start()
    url = service.url
    with httpx.Client(timeout=2) as client:
        assert client.get(url + "/").status_code == 404  # an idle keep-alive connection stays open
        service.stop()
        with pytest.raises(httpx.TransportError):
            client.get(url + "/")
    service.stop()  # twice is fine
    with pytest.raises(RuntimeError):
        _ = service.url
