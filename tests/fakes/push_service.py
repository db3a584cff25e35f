"""A local Web Push service that speaks the real protocol, for the notification tests.

It answers ``POST /push/<subscription-id>`` the way a browser vendor's push service does (RFC 8030):

* the VAPID ``Authorization: vapid t=<JWT>, k=<key>`` header is verified per RFC 8292 (ES256 signature by ``k``,
  ``aud`` equal to this service's origin *including the port*, ``exp`` in the future and at most 24 h ahead,
  ``sub`` a ``mailto:`` or ``https:`` URI) — failures answer 401, a ``k`` other than the subscription's
  ``applicationServerKey`` answers 403;
* ``Content-Encoding: aes128gcm`` and ``TTL`` are required, ``Urgency`` and ``Topic`` are checked when present
  (400 otherwise); bodies over 4096 bytes answer 413;
* the body is decrypted with the subscriber's private key and auth secret (RFC 8291 / RFC 8188) and stored.
  A real service cannot decrypt (the browser drops what it cannot read); this fake answers 400 instead, so a
  sender's encryption bug fails loudly;
* success answers ``201 Created`` with a ``Location`` header, as FCM and Mozilla autopush do.

The server is ``asyncio.start_server`` with a small HTTP/1.1 parser (keep-alive, Content-Length and chunked
bodies), running on its own event loop in a daemon thread, so both sync and async tests can use it::

    with FakePushService() as push:
        subscription = push.subscribe()          # give this to the app as the browser would
        ...                                      # the app sends a notification
        [message] = push.wait_for(1)             # or: await push.wait_for_async(1)
        assert message.json()["title"] == "..."

Failure injection: ``push.fail(429, retry_after=2, times=1)``, ``push.fail(503)``,
``push.fail(410, subscription=sub_id)`` (gone for good, like an uninstalled browser), ``push.delay(3)``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import secrets
import struct
import threading
import time
from collections.abc import Collection, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

T = TypeVar("T")

MAX_BODY = 4096  # what FCM, Mozilla autopush and Apple accept (RFC 8291 §4: 3993 bytes of plaintext)
MAX_VAPID_LIFETIME = 24 * 60 * 60  # RFC 8292 §2: exp no more than 24 hours from the request
URGENCIES = ("very-low", "low", "normal", "high")  # RFC 8030 §5.3
TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")  # RFC 8030 §5.4: at most 32 characters of the base64url alphabet
B64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")
READ_LIMIT = 1024 * 1024  # bodies up to this are read (then 413 if over MAX_BODY); larger: 413 and close
MAX_HEADER_LINES = 100


# --- encoding helpers -----------------------------------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Base64url with or without padding; anything else raises ValueError."""
    if not B64URL.fullmatch(text):
        raise ValueError("not base64url")
    text = text.rstrip("=")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_bytes(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> bytes:
    """The uncompressed P-256 point (65 bytes, 0x04 || X || Y)."""
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    return public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


# --- the protocol -----------------------------------------------------------------------------------------------


class PushError(Exception):
    """A request the push service rejects: the HTTP status, a reason for humans, extra response headers."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason
        self.headers = headers or {}


def decrypt_aes128gcm(body: bytes, ua_private: ec.EllipticCurvePrivateKey, auth_secret: bytes) -> bytes:
    """Decrypt a Web Push message body (RFC 8291 over RFC 8188); raises ValueError with the reason.

    Header: salt (16) | rs (uint32) | idlen (1) | keyid (idlen = 65: the sender's ephemeral public key),
    then exactly one record of ciphertext whose plaintext ends with the 0x02 delimiter and optional zero padding.
    """
    if len(body) < 21:
        raise ValueError("body shorter than the aes128gcm header")
    salt, (rs,), idlen = body[:16], struct.unpack("!L", body[16:20]), body[20]
    if rs < 18:
        raise ValueError(f"record size {rs} below the minimum of 18 (RFC 8188 §2.1)")
    if idlen != 65:
        raise ValueError(f"keyid is {idlen} bytes; RFC 8291 §4 requires the 65-byte sender public key")
    keyid, ciphertext = body[21 : 21 + idlen], body[21 + idlen :]
    if len(ciphertext) < 17:
        raise ValueError("record shorter than a tag and a delimiter")
    if len(ciphertext) > rs:
        raise ValueError("more than one record; RFC 8291 §4 allows exactly one")
    try:
        as_public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), keyid)
    except ValueError as exc:
        raise ValueError("keyid is not a P-256 point") from exc
    shared = ua_private.exchange(ec.ECDH(), as_public)
    ikm = _hkdf(auth_secret, shared, b"WebPush: info\x00" + public_key_bytes(ua_private) + keyid, 32)
    cek = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    try:
        plaintext = AESGCM(cek).decrypt(nonce, ciphertext, None)
    except InvalidTag as exc:
        raise ValueError("authentication failed: encrypted for other keys, or the body was altered") from exc
    unpadded = plaintext.rstrip(b"\x00")
    if not unpadded.endswith(b"\x02"):
        raise ValueError("the only record must end with the 0x02 last-record delimiter (RFC 8188 §2)")
    return unpadded[:-1]


def verify_vapid(
    authorization: str | None,
    *,
    audiences: Collection[str],
    now: float | None = None,
    application_server_key: str | None = None,
) -> tuple[dict[str, Any], str]:
    """Check an ``Authorization: vapid t=..., k=...`` header per RFC 8292; returns (claims, k).

    Raises PushError 401 for a missing or invalid header, 403 when ``k`` is not the subscription's key.
    """

    def reject(reason: str) -> PushError:
        return PushError(401, reason, {"WWW-Authenticate": "vapid"})

    if not authorization:
        raise reject("missing VAPID Authorization header")
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() != "vapid":
        raise reject(f"Authorization scheme {scheme!r} is not 'vapid' (RFC 8292 §3)")
    params: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise reject("malformed vapid parameters; expected 't=<JWT>, k=<key>'")
        params[name.strip().lower()] = value.strip().strip('"')
    token, key = params.get("t"), params.get("k")
    if not token or not key:
        raise reject("vapid header needs both t= and k=")

    try:
        raw_key = b64url_decode(key)
        if len(raw_key) != 65 or raw_key[0] != 4:
            raise ValueError("not uncompressed")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw_key)
    except ValueError:
        raise reject("k is not a base64url uncompressed P-256 public key") from None

    parts = token.split(".")
    if len(parts) != 3:
        raise reject("t is not a JWS compact serialisation")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError:
        raise reject("t is not valid base64url JSON") from None
    if not isinstance(header, dict) or header.get("alg") != "ES256":
        raise reject("JWT alg must be ES256 (RFC 8292 §2)")
    if len(signature) != 64:
        raise reject("ES256 signature must be 64 bytes (R || S)")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public.verify(der, f"{parts[0]}.{parts[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise reject("JWT signature does not verify with k") from None
    if not isinstance(claims, dict):
        raise reject("JWT claims are not an object")

    if claims.get("aud") not in audiences:
        raise reject(f"aud {claims.get('aud')!r} is not this push service's origin {sorted(audiences)}")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise reject("exp missing or not a number")
    now = time.time() if now is None else now
    if exp <= now:
        raise reject("JWT expired")
    if exp > now + MAX_VAPID_LIFETIME:
        raise reject("exp more than 24 hours ahead (RFC 8292 §2)")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.startswith(("mailto:", "https:")):
        raise reject("sub must be a mailto: or https: URI")
    if application_server_key is not None and raw_key != b64url_decode(application_server_key):
        raise PushError(403, "k is not the applicationServerKey this subscription was created with")
    return claims, key


def vapid_authorization(
    private_key: bytes | ec.EllipticCurvePrivateKey,
    *,
    aud: str | None,
    sub: str | None = "mailto:push@example.org",
    exp: float | None = None,
    lifetime: int = 3600,
    k: str | None = None,
    extra_claims: dict[str, Any] | None = None,
) -> str:
    """Build a VAPID header by hand (PEM bytes or a key object), to test the service's checks.

    ``aud``/``sub`` None leave the claim out; ``exp`` overrides ``now + lifetime``; ``k`` overrides the key sent.
    """
    key = private_key if isinstance(private_key, ec.EllipticCurvePrivateKey) else _load_private(private_key)
    claims: dict[str, Any] = {"exp": int(exp if exp is not None else time.time() + lifetime)}
    if aud is not None:
        claims["aud"] = aud
    if sub is not None:
        claims["sub"] = sub
    claims.update(extra_claims or {})
    signing_input = ".".join(
        b64url_encode(json.dumps(part, separators=(",", ":")).encode())
        for part in ({"typ": "JWT", "alg": "ES256"}, claims)
    )
    r, s = decode_dss_signature(key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256())))
    token = f"{signing_input}.{b64url_encode(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
    return f"vapid t={token}, k={k or b64url_encode(public_key_bytes(key))}"


def _load_private(pem: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError("VAPID keys are P-256 EC keys")
    return key


# --- what tests look at -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One accepted push message."""

    subscription: str  # the subscription id (last segment of the endpoint)
    payload: bytes  # decrypted
    ttl: int
    urgency: str | None  # None when the sender left it out (services then treat it as "normal")
    topic: str | None
    vapid: dict[str, Any]  # the verified JWT claims (aud, exp, sub, ...)
    vapid_key: str  # k: the sender's application server key
    headers: dict[str, str]  # every request header, names in lower case
    location: str  # the message URL answered in Location
    at: float  # time.monotonic() when the request was complete

    def json(self) -> Any:
        return json.loads(self.payload)

    def text(self) -> str:
        return self.payload.decode()


@dataclass(frozen=True)
class Attempt:
    """Every request, accepted or not: for asserting retries, back-off and Retry-After handling."""

    subscription: str | None
    status: int
    reason: str
    at: float  # time.monotonic() when the request was complete


@dataclass
class _Subscriber:
    id: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    application_server_key: str | None


@dataclass
class _Rule:
    status: int | None  # None: only delay, then handle normally
    subscription: str | None
    remaining: int | None
    retry_after: int | None
    delay: float


@dataclass
class _Request:
    method: str
    target: str
    version: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class _BadRequestError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# --- the service ------------------------------------------------------------------------------------------------


class FakePushService:
    """A Web Push service on 127.0.0.1 (a free port), in a thread with its own event loop."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, lenient_audience: bool = False) -> None:
        """``lenient_audience`` also accepts ``aud`` without the port (``http://127.0.0.1``): webpush 1.0.6
        builds aud from scheme and host only, harmless against real services on 443 but wrong here."""
        self.host = host
        self.port = port
        self.lenient_audience = lenient_audience
        self._lock = threading.Condition()
        self._subscribers: dict[str, _Subscriber] = {}
        self._gone: dict[str, int] = {}
        self._rules: list[_Rule] = []
        self._received: list[Received] = []
        self._attempts: list[Attempt] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.Task[None]] = set()

    # lifecycle

    def start(self) -> FakePushService:
        if self._thread is not None:
            raise RuntimeError("already started")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-push-service", daemon=True)
        self._thread.start()
        self._call(self._listen())
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        with contextlib.suppress(Exception):
            self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
        self._thread = self._loop = None

    def __enter__(self) -> FakePushService:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The service's origin, ``http://127.0.0.1:<port>`` (also the VAPID ``aud`` it expects)."""
        if self._server is None:
            raise RuntimeError("FakePushService is not started")
        return f"http://{self.host}:{self.port}"

    # subscriptions

    def subscribe(self, *, application_server_key: str | None = None) -> dict[str, Any]:
        """A new subscription as a browser's ``PushSubscription.toJSON()`` gives it to the page.

        With ``application_server_key`` (base64url, as passed to ``pushManager.subscribe``), pushes signed by
        another VAPID key are refused with 403, as FCM does.
        """
        sub_id = secrets.token_urlsafe(24)
        private_key = ec.generate_private_key(ec.SECP256R1())
        auth_secret = secrets.token_bytes(16)
        with self._lock:
            self._subscribers[sub_id] = _Subscriber(sub_id, private_key, auth_secret, application_server_key)
        return {
            "endpoint": f"{self.url}/push/{sub_id}",
            "expirationTime": None,
            "keys": {"p256dh": b64url_encode(public_key_bytes(private_key)), "auth": b64url_encode(auth_secret)},
        }

    @staticmethod
    def id_of(subscription: str | dict[str, Any]) -> str:
        """The id of a subscription given as its id, its endpoint, or its JSON."""
        if isinstance(subscription, dict):
            subscription = str(subscription["endpoint"])
        return subscription.rstrip("/").rsplit("/", 1)[-1]

    def unsubscribe(self, subscription: str | dict[str, Any], status: int = 410) -> None:
        """The browser dropped the subscription: every later push answers 410 (or 404), for good."""
        with self._lock:
            self._gone[self.id_of(subscription)] = status

    # failure injection

    def fail(
        self,
        status: int,
        *,
        subscription: str | None = None,
        times: int | None = None,
        retry_after: int | None = None,
        delay: float = 0.0,
    ) -> None:
        """Answer ``status`` to the next ``times`` pushes (all when None) to one subscription or to any.

        ``retry_after`` adds a Retry-After header (seconds); ``delay`` waits that long before answering.
        ``fail(404|410, subscription=..., times=None)`` marks the subscription gone: it survives reset_failures().
        """
        if not 400 <= status <= 599:
            raise ValueError("fail() takes a 4xx or 5xx status; use delay() to slow down successes")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for every request")
        if subscription is not None and status in (404, 410) and times is None and not delay:
            self.unsubscribe(subscription, status)
            return
        self._add_rule(_Rule(status, subscription and self.id_of(subscription), times, retry_after, delay))

    def delay(self, seconds: float, *, subscription: str | None = None, times: int | None = None) -> None:
        """Wait ``seconds`` before handling the next ``times`` pushes (all when None) normally."""
        self._add_rule(_Rule(None, subscription and self.id_of(subscription), times, None, seconds))

    def reset_failures(self) -> None:
        """Forget injected failures and delays (gone subscriptions stay gone)."""
        with self._lock:
            self._rules.clear()

    def _add_rule(self, rule: _Rule) -> None:
        with self._lock:
            self._rules.append(rule)

    def _take_rule(self, sub_id: str) -> _Rule | None:
        """The rule for this request, subscription-specific ones first; counts it down. Call with the lock."""
        for rule in sorted(self._rules, key=lambda r: r.subscription is None):
            if rule.subscription in (None, sub_id):
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                return rule
        return None

    # observations

    @property
    def received(self) -> list[Received]:
        """Accepted messages, oldest first (a copy)."""
        with self._lock:
            return list(self._received)

    @property
    def attempts(self) -> list[Attempt]:
        """Every request with its answer, oldest first (a copy)."""
        with self._lock:
            return list(self._attempts)

    def clear(self) -> None:
        """Forget received messages and attempts."""
        with self._lock:
            self._received.clear()
            self._attempts.clear()

    def _matching(self, subscription: str | None) -> list[Received]:
        wanted = subscription and self.id_of(subscription)
        return [r for r in self._received if wanted is None or r.subscription == wanted]

    def wait_for(self, count: int, timeout: float = 5, *, subscription: str | None = None) -> list[Received]:
        """Block until ``count`` messages (to ``subscription`` if given) have arrived; returns them all.

        Blocks the calling thread: from async tests whose app runs on the same loop use wait_for_async().
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(found := self._matching(subscription)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(self._timeout_message(count, len(found), timeout))
                self._lock.wait(left)
            return found

    async def wait_for_async(
        self,
        count: int,
        timeout: float = 5,  # noqa: ASYNC109 - the same signature as wait_for()
        *,
        subscription: str | None = None,
    ) -> list[Received]:
        """wait_for() that lets the caller's event loop run meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = self._matching(subscription)
                if len(found) >= count:
                    return found
                if time.monotonic() >= deadline:
                    raise TimeoutError(self._timeout_message(count, len(found), timeout))
            await asyncio.sleep(0.01)

    def _timeout_message(self, count: int, found: int, timeout: float) -> str:
        recent = "\n".join(f"  {a.status} {a.subscription}: {a.reason}" for a in self._attempts[-10:])
        return f"{found} of {count} push messages after {timeout}s; last attempts:\n{recent or '  (none)'}"

    # the event loop side

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._connection, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)  # type: ignore[arg-type]
        try:
            while True:
                try:
                    request = await _read_request(reader, writer)
                except _BadRequestError as bad:
                    self._record(Attempt(None, bad.status, bad.reason, time.monotonic()))
                    writer.write(_render(bad.status, {}, _error_body(bad.status, bad.reason), keep_alive=False))
                    await writer.drain()
                    return
                if request is None:
                    return
                status, headers, body = await self._handle(request, time.monotonic())
                keep_alive = _keep_alive(request)
                writer.write(_render(status, headers, body, keep_alive=keep_alive))
                await writer.drain()
                if not keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return
        except asyncio.CancelledError:
            # Only _shutdown cancels; ending normally keeps Python 3.11's StreamReaderProtocol from logging
            # the cancellation as an unhandled error.
            return
        finally:
            self._connections.discard(task)  # type: ignore[arg-type]
            writer.close()

    async def _handle(self, request: _Request, at: float) -> tuple[int, dict[str, str], bytes]:
        sub_id: str | None = None
        try:
            path = urlsplit(request.target).path
            match = re.fullmatch(r"/push/([A-Za-z0-9_-]+)", path)
            if match is None:
                raise PushError(404, f"no push resource at {path}")
            if request.method != "POST":
                raise PushError(405, "push resources accept POST only", {"Allow": "POST"})
            sub_id = match[1]
            with self._lock:
                subscriber = self._subscribers.get(sub_id)
                gone = self._gone.get(sub_id)
                rule = self._take_rule(sub_id) if subscriber is not None and gone is None else None
            if subscriber is None:
                raise PushError(404, "unknown subscription")
            if gone is not None:
                raise PushError(gone, "subscription expired or unsubscribed")
            if rule is not None:
                if rule.delay:
                    await asyncio.sleep(rule.delay)
                if rule.status is not None:
                    extra = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else {}
                    raise PushError(rule.status, "injected failure", extra)
            received = self._accept(request, subscriber, at)
        except PushError as error:
            self._record(Attempt(sub_id, error.status, error.reason, at))
            return error.status, error.headers, _error_body(error.status, error.reason)
        self._record(Attempt(sub_id, 201, "created", at), received)
        return 201, {"Location": received.location, "TTL": str(received.ttl)}, b""

    def _accept(self, request: _Request, subscriber: _Subscriber, at: float) -> Received:
        headers = request.headers
        audiences = {self.url} | ({f"http://{self.host}"} if self.lenient_audience else set())
        claims, key = verify_vapid(
            headers.get("authorization"),
            audiences=audiences,
            application_server_key=subscriber.application_server_key,
        )
        encoding = headers.get("content-encoding")
        if encoding != "aes128gcm":
            raise PushError(400, f"Content-Encoding must be aes128gcm (RFC 8291), got {encoding!r}")
        ttl_text = headers.get("ttl")
        if ttl_text is None:
            raise PushError(400, "missing TTL header (RFC 8030 §5.2)")
        if not ttl_text.strip().isdigit():
            raise PushError(400, f"TTL must be a non-negative integer, got {ttl_text!r}")
        urgency = headers.get("urgency")
        if urgency is not None and urgency not in URGENCIES:
            raise PushError(400, f"Urgency must be one of {', '.join(URGENCIES)} (RFC 8030 §5.3)")
        topic = headers.get("topic")
        if topic is not None and not TOPIC.fullmatch(topic):
            raise PushError(400, "Topic must be 1-32 base64url characters (RFC 8030 §5.4)")
        if len(request.body) > MAX_BODY:
            raise PushError(413, f"body of {len(request.body)} bytes exceeds {MAX_BODY}")
        if not request.body:
            raise PushError(400, "empty body with Content-Encoding aes128gcm")
        try:
            payload = decrypt_aes128gcm(request.body, subscriber.private_key, subscriber.auth_secret)
        except ValueError as exc:
            raise PushError(400, f"cannot decrypt: {exc}") from None
        return Received(
            subscription=subscriber.id,
            payload=payload,
            ttl=int(ttl_text),
            urgency=urgency,
            topic=topic,
            vapid=claims,
            vapid_key=key,
            headers=dict(headers),
            location=f"{self.url}/m/{secrets.token_urlsafe(16)}",
            at=at,
        )

    def _record(self, attempt: Attempt, received: Received | None = None) -> None:
        with self._lock:
            self._attempts.append(attempt)
            if received is not None:
                self._received.append(received)
            self._lock.notify_all()


# --- a small HTTP/1.1 -------------------------------------------------------------------------------------------


async def _read_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> _Request | None:
    """One request from the connection; None at a clean end of the connection."""
    line = await reader.readline()
    while line in (b"\r\n", b"\n"):  # RFC 9112 §2.2: ignore empty lines before a request
        line = await reader.readline()
    if not line:
        return None
    try:
        method, target, version = line.decode("ascii").split()
    except (UnicodeDecodeError, ValueError):
        raise _BadRequestError(400, "malformed request line") from None
    if not version.startswith("HTTP/1."):
        raise _BadRequestError(505, f"{version} not supported")
    request = _Request(method, target, version)
    for _ in range(MAX_HEADER_LINES):
        line = await reader.readline()
        if line in (b"\r\n", b"\n"):
            break
        if not line.endswith(b"\n"):
            raise asyncio.IncompleteReadError(line, None)
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep or not name or name != name.strip():
            raise _BadRequestError(400, "malformed header line")
        key, value = name.lower(), value.strip()
        request.headers[key] = f"{request.headers[key]}, {value}" if key in request.headers else value
    else:
        raise _BadRequestError(431, "too many header lines")

    if request.headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    if "chunked" in request.headers.get("transfer-encoding", "").lower():
        request.body = await _read_chunked(reader)
    elif "content-length" in request.headers:
        try:
            length = int(request.headers["content-length"])
        except ValueError:
            raise _BadRequestError(400, "bad Content-Length") from None
        if length < 0:
            raise _BadRequestError(400, "bad Content-Length")
        if length > READ_LIMIT:
            raise _BadRequestError(413, f"body of {length} bytes exceeds {READ_LIMIT}")
        request.body = await reader.readexactly(length)
    return request


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_line = await reader.readline()
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise _BadRequestError(400, "bad chunk size") from None
        if size == 0:
            break
        if len(body) + size > READ_LIMIT:
            raise _BadRequestError(413, f"chunked body exceeds {READ_LIMIT} bytes")
        body += await reader.readexactly(size)
        await reader.readexactly(2)  # CRLF after the chunk
    while (await reader.readline()) not in (b"\r\n", b"\n", b""):
        continue  # trailers: read and dropped
    return bytes(body)


def _keep_alive(request: _Request) -> bool:
    connection = request.headers.get("connection", "").lower()
    if request.version == "HTTP/1.0":
        return "keep-alive" in connection
    return "close" not in connection


def _error_body(status: int, reason: str) -> bytes:
    """Shaped like Mozilla autopush's error answers."""
    return json.dumps({"code": status, "error": _phrase(status), "message": reason}).encode()


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _render(status: int, headers: dict[str, str], body: bytes, *, keep_alive: bool) -> bytes:
    all_headers = {
        "Date": formatdate(usegmt=True),
        "Content-Length": str(len(body)),
        **({"Content-Type": "application/json"} if body else {}),
        "Connection": "keep-alive" if keep_alive else "close",
        **headers,
    }
    head = f"HTTP/1.1 {status} {_phrase(status)}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in all_headers.items())
    return head.encode("latin-1") + b"\r\n" + body
