"""Typed settings, read from the environment once per process.

Grouped like litestar-fullstack: each group is a frozen dataclass built from environment variables, and
``get_settings()`` caches the result. Production refuses to start with development conveniences on
(see ``Settings.validate``), so a misconfigured deployment fails at boot rather than in front of citizens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from api.config_env import SettingsError, _bool, _env, _int, _is_ip, _is_localhost, _origin

__all__ = ["Settings", "SettingsError", "get_settings", "reload_settings"]

Env = Literal["dev", "test", "prod"]

# Addresses at which `mpp serve` is reachable from this machine's own browser as http://localhost:PORT/.
_LOOPBACK_OR_ANY = frozenset({"", "localhost", "127.0.0.1", "::1", "0.0.0.0", "::"})  # noqa: S104


@dataclass(frozen=True)
class DatabaseSettings:
    # Empty: run an embedded PostgreSQL under the data folder (the single-machine default).
    url: str
    pool_min: int
    pool_max: int
    # Load the demo catalogue when the database has no regions yet (first start of the embedded default).
    seed_demo_on_first_start: bool
    # DATABASE_REPLICA_URL: a streaming replica for reads that may lag (catalogue, dashboards, open data, public
    # boards); empty: every read goes to the primary.
    replica_url: str = ""
    # DATABASE_DIRECT_URL: the primary without a pooler in between, for what needs a session of its own (LISTEN,
    # session advisory locks, migrations) when DATABASE_URL points at PgBouncer in transaction mode.
    direct_url: str = ""
    # MPP_DB_POOLER=pgbouncer: DATABASE_URL is a transaction-mode pooler (no session state between statements).
    pooler: str = ""

    def __post_init__(self) -> None:
        # Checked wherever the settings are built: a pooler or a replica without the addresses it needs cannot run.
        if self.pooler and not (self.url and self.direct_url and self.direct_url != self.url):
            raise SettingsError(
                "MPP_DB_POOLER=pgbouncer requires DATABASE_URL (the pooler) and DATABASE_DIRECT_URL (the primary "
                "itself, for LISTEN, session advisory locks and migrations)"
            )
        if (self.replica_url or self.direct_url) and not self.url:
            raise SettingsError("DATABASE_REPLICA_URL and DATABASE_DIRECT_URL require DATABASE_URL")

    @property
    def embedded(self) -> bool:
        return not self.url


@dataclass(frozen=True)
class OpsSettings:
    # MPP_METRICS_TOKEN: the bearer token /metrics answers to (generated into the data folder in dev).
    metrics_token: str = ""
    # MPP_LOG_FORMAT: "json" (one object a line, with the request id) or "text".
    log_format: str = "text"
    # MPP_METRICS_PORT: a separate `mpp worker` serves its own /metrics on this port (0: not served).
    metrics_port: int = 0


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    # Where the PWA's static files live; served at "/".
    pwa_dir: Path
    # Largest request body accepted by any JSON endpoint, in bytes (uploads have their own limit).
    max_body_bytes: int
    # One line per request on stdout (uvicorn's access log). Off in production, where the load balancer
    # logs requests: at thousands of requests a second it costs a quarter of the throughput.
    access_log: bool
    # Catalogue answers kept in memory per process (0 disables the cache).
    catalogue_cache_entries: int


@dataclass(frozen=True)
class AuthSettings:
    # The `iss` of our tokens and the `aud` they are for.
    issuer: str
    audience: str
    access_token_seconds: int
    # Secrets. Empty in dev and test: generated into <data_dir>/keys on first use. Production must set them.
    signing_keys_json: str  # MPP_SIGNING_KEYS: the keyset `mpp keys rotate` prints
    secret_key: str  # MPP_SECRET_KEY: pepper for hashing one-time codes
    # WebAuthn relying party: the site's registrable domain and the origins allowed to sign in with passkeys.
    rp_id: str
    rp_name: str
    origins: tuple[str, ...]
    # SMS gateway (production): an HTTPS endpoint taking {"to", "body"} JSON with a bearer token.
    sms_url: str
    sms_token: str
    # MPP_ENROLMENT_CODE_HOURS: how long the code for a staff member's first passkey stays valid.
    enrolment_code_hours: int = 72
    # MPP_OIDC_RSA_KEY: the PEM of the RSA key that signs RS256 ID tokens for single sign-on's clients (required in
    # production; generated into <data_dir>/keys in dev and test). "\n" may stand for line breaks.
    oidc_rsa_key_pem: str = ""


@dataclass(frozen=True)
class StorageSettings:
    # MPP_MASTER_KEYS: {"active": "<id>", "keys": {"<id>": "<base64 of 32 bytes>"}}, the master keys that wrap
    # each document's data key (api.lib.crypto). Empty in dev and test: generated into <data_dir>/keys on first
    # use. Production must set it.
    master_keys_json: str
    # Where sealed documents go: file:///path (the default: <data_dir>/blobs) or
    # s3://bucket[/prefix]?endpoint=http://host:port&region=... (credentials from the standard AWS_* variables).
    blob_url: str
    # Largest document a citizen may upload, in bytes.
    max_upload_bytes: int


@dataclass(frozen=True)
class NotifySettings:
    # VAPID key (PEM, P-256) that signs our pushes; empty in dev: generated into <data_dir>/keys.
    vapid_private_pem: str
    # Who push services may contact about our traffic (RFC 8292 "sub"): an e-mail address.
    vapid_subject: str
    # Hosts where plain-http push endpoints are allowed (tests' fake push service), besides the known
    # browser push services over https. Never set in production.
    push_test_hosts: tuple[str, ...]
    # Run the delivery worker inside `mpp serve` (the single-machine default); off when `mpp worker` runs
    # separately.
    worker_in_serve: bool
    # Seconds a worker holds the outbox rows it took; if it dies, another worker takes them after this.
    outbox_lease_seconds: int = 30
    # Hosts where plain-http, private-address webhook endpoints are allowed (tests' receivers). Never in production.
    webhook_test_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegistrySettings:
    # The population registry (Dukcapil) gateway, api/registry/gateway.py: its base URL (https in production) and
    # our client credentials for its token endpoint. Empty in dev and test: the fake registry answers in-process.
    url: str = ""
    client_id: str = ""
    secret: str = ""
    # Seconds to wait for each of connect, send and answer before telling the citizen to try again later.
    timeout_seconds: float = 5.0


@dataclass(frozen=True)
class LaporSettings:
    """The SP4N-LAPOR! hand-off (api/feedback/lapor_worker.py): where complaints are forwarded and their status
    pulled from. No URL: the hand-off is off and the forwards wait in the outbox, sent once a URL is configured."""

    # MPP_LAPOR_URL: the agency endpoint's base URL (https in production); MPP_LAPOR_TOKEN: our bearer token.
    url: str = ""
    token: str = ""
    # MPP_LAPOR_REQUIRED: production refuses to start without url and token (a deployment before its LAPOR!
    # agreement runs without, and its complaints wait for the hand-off).
    required: bool = False
    # MPP_LAPOR_TIMEOUT_MS: each of connect, send and answer; a slow answer is retried, never lost.
    timeout_seconds: float = 10.0
    # MPP_LAPOR_PULL_MINUTES: how often the status of each open forwarded complaint is asked for.
    pull_minutes: int = 30

    @property
    def enabled(self) -> bool:
        return bool(self.url)


@dataclass(frozen=True)
class OssSettings:
    """The OSS RBA connector (api/oss): MPP_OSS_URL (https in production; empty: off, the decisions wait in the
    outbox), MPP_OSS_KEY (our ``user_key`` to OSS), MPP_OSS_INBOUND_KEY (the ``user_key`` OSS pushes to us with)."""

    url: str = ""
    key: str = ""
    inbound_key: str = ""


@dataclass(frozen=True)
class BoardSettings:
    """The display boards' event streams (api/queue/board.py), per `mpp serve` process."""

    # MPP_BOARD_MAX_STREAMS: streams one process serves at once (each is an open socket and a little memory).
    max_streams: int = 2000
    # MPP_BOARD_MAX_STREAMS_PER_IP: a building's TVs usually share one public address (NAT): room for many, not
    # for one client opening thousands.
    max_streams_per_ip: int = 50
    # MPP_BOARD_HEARTBEAT_SECONDS: a comment on a quiet stream, below the idle timeouts of proxies (often 60 s).
    heartbeat_seconds: int = 15
    # MPP_BOARD_STREAM_SECONDS: a stream ends after this long (with jitter) and the browser reconnects, possibly to
    # another process: boards spread over processes added since.
    stream_seconds: int = 1800


@dataclass(frozen=True)
class OpenDataSettings:
    """The open-data release (api/stats/open_data*.py): what is published daily at /open-data/, under which licence."""

    # MPP_OPEN_DATA_SUPPRESS_BELOW: counts below this are published as empty cells (and shares, medians and indices
    # computed from fewer people too). 5 is the threshold most national statistics offices use for small cells
    # (the "rule of five"; BPS and the UK ONS suppress counts under 5 or 10): with one service per agency and
    # region per month, 1–4 people are often a single family or neighbourhood, who could be picked out of a
    # monthly row together with what the public already knows (who went to the MPP that month).
    suppress_below: int = 5
    # MPP_OPEN_DATA_LICENSE: an SPDX/Open Definition id that CKAN portals know (CC-BY-4.0 by default).
    license_id: str = "CC-BY-4.0"
    # MPP_OPEN_DATA_PUBLISHER: who publishes the data package (its "publisher" and CKAN's "author").
    publisher: str = "MPP Digital"
    # MPP_OPEN_DATA_HOUR: the local hour (WIB) at which each day's release is made, after the night's quiet.
    release_hour: int = 2
    # MPP_OPEN_DATA_KEEP: how many daily releases are kept (older ones are deleted).
    keep: int = 30


@dataclass(frozen=True)
class NationalIdpSettings:
    """Signing in with the national identity provider (INApas-style), as an OpenID Connect relying party
    (api/federation/). No issuer: the feature is off and the sign-in screen shows no button for it."""

    # MPP_NATIONAL_IDP_ISSUER: the provider's issuer URL; its discovery document is {issuer}/.well-known/...
    issuer: str = ""
    # MPP_NATIONAL_IDP_CLIENT_ID / _CLIENT_SECRET: our registration at the provider (required with an issuer).
    client_id: str = ""
    client_secret: str = ""
    # MPP_NATIONAL_IDP_NAME: what the button says ("Masuk dengan INApas").
    name: str = "INApas"
    # MPP_NATIONAL_IDP_NIK_CLAIM: the ID token's claim that carries the NIK.
    nik_claim: str = "nik"
    # MPP_NATIONAL_IDP_ACR_LEVELS ("loa2=registry,loa3=in_person"): the provider's `acr` values and the assurance
    # level each is worth here; any other (or none) counts as "phone".
    acr_levels: tuple[tuple[str, str], ...] = ()
    # MPP_NATIONAL_IDP_TIMEOUT_MS: each call to the provider (discovery, keys, token); a slow one is a clear error.
    timeout_seconds: float = 10.0

    @property
    def enabled(self) -> bool:
        return bool(self.issuer)

    def level_for(self, acr: object) -> str:
        """Our assurance level for the provider's ``acr`` (``phone`` for an unknown or absent one)."""
        return dict(self.acr_levels).get(acr, "phone") if isinstance(acr, str) else "phone"


@dataclass(frozen=True)
class Settings:
    env: Env
    data_dir: Path
    db: DatabaseSettings
    server: ServerSettings
    auth: AuthSettings
    storage: StorageSettings
    notify: NotifySettings
    public_url: str = ""
    # Kiosk tablets: seconds without a touch before the "are you still there?" warning, then seconds of
    # warning before the screen is wiped for the next citizen (short in tests, via the environment).
    kiosk_idle_seconds: int = 90
    kiosk_warning_seconds: int = 30
    registry: RegistrySettings = RegistrySettings()
    # MPP_ERASURE_HOLD_DAYS: days between a citizen's deletion request and its erasure (api.accounts.erasure),
    # in which an MPP counter can cancel it; tests set 0.
    erasure_hold_days: int = 30
    # MPP_STATS_EVERY_SECONDS: how often each process catches the figures up with the record (api/stats/consumer.py);
    # the figures' "as of" is at most this old. Tests set it low.
    stats_every_seconds: int = 60
    board: BoardSettings = BoardSettings()
    lapor: LaporSettings = LaporSettings()
    oss: OssSettings = OssSettings()
    open_data: OpenDataSettings = OpenDataSettings()
    national_idp: NationalIdpSettings = NationalIdpSettings()
    ops: OpsSettings = OpsSettings()

    @property
    def dev_messages_path(self) -> Path:
        return self.data_dir / "dev-messages.jsonl"

    def validate(self) -> None:
        """Refuse configurations that are unsafe for the chosen environment."""
        if self.env != "prod":
            return
        if self.db.embedded:
            raise SettingsError("MPP_ENV=prod requires DATABASE_URL (the embedded database is for one machine)")
        missing = [
            name
            for name, value in (
                ("MPP_SIGNING_KEYS", self.auth.signing_keys_json),
                ("MPP_SECRET_KEY", self.auth.secret_key),
                ("MPP_OIDC_RSA_KEY", self.auth.oidc_rsa_key_pem),
                ("MPP_PUBLIC_URL", self.public_url),
                ("MPP_SMS_URL", self.auth.sms_url),
                ("MPP_MASTER_KEYS", self.storage.master_keys_json),
                ("MPP_VAPID_PRIVATE_KEY", self.notify.vapid_private_pem),
                ("MPP_REGISTRY_URL", self.registry.url),
                ("MPP_REGISTRY_CLIENT_ID", self.registry.client_id),
                ("MPP_REGISTRY_SECRET", self.registry.secret),
                ("MPP_METRICS_TOKEN", self.ops.metrics_token),
            )
            if not value
        ]
        if missing:
            # Production never invents its own secrets, and never writes SMS to a file.
            raise SettingsError("MPP_ENV=prod requires " + ", ".join(missing))
        if urlsplit(self.registry.url).scheme != "https":
            # NIKs, names and birth dates travel in these requests.
            raise SettingsError("MPP_REGISTRY_URL must be an https:// URL in production")
        if self.lapor.url and urlsplit(self.lapor.url).scheme != "https":
            # Complaints' texts travel in these requests.
            raise SettingsError("MPP_LAPOR_URL must be an https:// URL in production")
        if self.lapor.required and not self.lapor.url:
            raise SettingsError("MPP_LAPOR_REQUIRED=true requires MPP_LAPOR_URL and MPP_LAPOR_TOKEN")
        if self.oss.url and (urlsplit(self.oss.url).scheme != "https" or not self.oss.key or not self.oss.inbound_key):
            raise SettingsError("MPP_OSS_URL must be https:// in production, with MPP_OSS_KEY and MPP_OSS_INBOUND_KEY")
        if self.national_idp.enabled and urlsplit(self.national_idp.issuer).scheme != "https":
            # The authorization code and the client secret travel to it.
            raise SettingsError("MPP_NATIONAL_IDP_ISSUER must be an https:// URL in production")
        if self.notify.push_test_hosts:
            raise SettingsError("MPP_PUSH_TEST_HOSTS is for tests; production posts only to browser push services")
        if self.notify.webhook_test_hosts:
            raise SettingsError("MPP_WEBHOOK_TEST_HOSTS is for tests; production posts webhooks only over https")
        if len(self.auth.secret_key) < 32:
            raise SettingsError("MPP_SECRET_KEY must be at least 32 characters")
        problems = self.passkey_problems()
        if problems:
            # A deployment whose passkeys cannot work locks every officer out at the second factor.
            raise SettingsError("passkeys cannot work with this configuration: " + " ".join(problems))

    @property
    def browser_url(self) -> str:
        """The address to open in a browser, as `mpp serve` prints it.

        MPP_PUBLIC_URL when set; otherwise http://localhost:PORT/ for a server on this machine: localhost is
        a secure context, and WebAuthn refuses IP addresses as relying-party ids, so at http://127.0.0.1/
        no staff member could pass the second factor.
        """
        if self.public_url:
            return self.public_url.rstrip("/") + "/"
        host = self.server.host
        if host in _LOOPBACK_OR_ANY:
            host = "localhost"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.server.port}/"

    def passkey_problems(self) -> list[str]:
        """Why passkeys would fail at the configured relying party, origins and address (empty: they work).

        Browsers accept a passkey ceremony only when the page's origin is a secure context whose host is the
        relying-party id or a subdomain of it, and the id is a domain name; the server accepts only the origins
        in MPP_ORIGINS. Production refuses to start on any of these; development warns (``mpp serve``).
        """
        rp_id = self.auth.rp_id
        problems: list[str] = []
        if _is_ip(rp_id):
            problems.append(
                f"MPP_RP_ID is {rp_id!r}, an IP address: browsers accept only a domain name as a passkey's "
                "relying party (use localhost on this machine)."
            )
        for origin in self.auth.origins:
            parts = urlsplit(origin)
            host = parts.hostname or ""
            if parts.scheme not in ("http", "https") or not host or parts.path not in ("", "/"):
                problems.append(f"MPP_ORIGINS has {origin!r}, which is not an origin like https://host[:port].")
            elif host != rp_id and not host.endswith("." + rp_id):
                problems.append(
                    f"MPP_ORIGINS has {origin!r}, whose host is not {rp_id!r} (MPP_RP_ID) nor a subdomain of it."
                )
            elif parts.scheme == "http" and not _is_localhost(host):
                problems.append(f"MPP_ORIGINS has {origin!r}: passkeys need https except on localhost.")
        opened = _origin(self.browser_url)
        if not self.public_url and _is_ip(self.server.host) and self.server.host not in _LOOPBACK_OR_ANY:
            problems.append(
                f"this server listens on {self.server.host} only, so it must be opened at {opened}, an IP address "
                "where browsers refuse passkeys: listen on 127.0.0.1 or 0.0.0.0 and open http://localhost:"
                f"{self.server.port}/, or serve it at a domain name over https and set MPP_PUBLIC_URL."
            )
        elif opened not in {_origin(o) for o in self.auth.origins}:
            where = "MPP_PUBLIC_URL" if self.public_url else "the address this server prints"
            problems.append(
                f"{where} is {opened}, which is not among the passkey origins ({', '.join(self.auth.origins)}): "
                "set MPP_ORIGINS (and MPP_RP_ID) to match it, or leave them unset to derive them."
            )
        return problems


def _auth(env: str, *, port: int) -> AuthSettings:
    """Token and passkey settings. Unless set, the relying party and its origin follow MPP_PUBLIC_URL, or in
    development the URL `mpp serve` prints (http://localhost:PORT): the port is the one being served."""
    public_url = _env("MPP_PUBLIC_URL")
    host = urlsplit(public_url).hostname if public_url else "localhost"
    origins = tuple(o.strip().rstrip("/") for o in _env("MPP_ORIGINS").split(",") if o.strip()) or (
        (_origin(public_url),) if public_url else (f"http://localhost:{port}",)
    )
    return AuthSettings(
        issuer=public_url.rstrip("/") or "mpp-digital",
        audience="mpp-digital-api",
        access_token_seconds=_int("MPP_ACCESS_TOKEN_SECONDS", 600, low=60, high=3600),
        signing_keys_json=_env("MPP_SIGNING_KEYS"),
        secret_key=_env("MPP_SECRET_KEY"),
        rp_id=_env("MPP_RP_ID", host or "localhost"),
        rp_name="MPP Digital",
        origins=origins,
        sms_url=_env("MPP_SMS_URL"),
        sms_token=_env("MPP_SMS_TOKEN"),
        enrolment_code_hours=_int("MPP_ENROLMENT_CODE_HOURS", 72, low=1, high=14 * 24),
        oidc_rsa_key_pem=_env("MPP_OIDC_RSA_KEY"),
    )


def _storage(data_dir: Path) -> StorageSettings:
    blob_url = _env("BLOB_URL") or (data_dir / "blobs").as_uri()
    if urlsplit(blob_url).scheme not in ("file", "s3"):
        raise SettingsError(f"BLOB_URL must be a file:// or s3:// URL, got {blob_url!r}")
    return StorageSettings(
        master_keys_json=_env("MPP_MASTER_KEYS"),
        blob_url=blob_url,
        max_upload_bytes=_int("MPP_MAX_UPLOAD_BYTES", 10 * 1024 * 1024, low=1024, high=1024 * 1024 * 1024),
    )


def _board() -> BoardSettings:
    board = BoardSettings(
        max_streams=_int("MPP_BOARD_MAX_STREAMS", 2000, low=1, high=100_000),
        max_streams_per_ip=_int("MPP_BOARD_MAX_STREAMS_PER_IP", 50, low=1, high=100_000),
        heartbeat_seconds=_int("MPP_BOARD_HEARTBEAT_SECONDS", 15, low=1, high=300),
        stream_seconds=_int("MPP_BOARD_STREAM_SECONDS", 1800, low=30, high=86_400),
    )
    if board.max_streams_per_ip > board.max_streams:
        raise SettingsError("MPP_BOARD_MAX_STREAMS_PER_IP must not exceed MPP_BOARD_MAX_STREAMS")
    if board.heartbeat_seconds >= board.stream_seconds:
        raise SettingsError("MPP_BOARD_HEARTBEAT_SECONDS must be shorter than MPP_BOARD_STREAM_SECONDS")
    return board


def _lapor() -> LaporSettings:
    lapor = LaporSettings(
        url=_env("MPP_LAPOR_URL").rstrip("/"),
        token=_env("MPP_LAPOR_TOKEN"),
        required=_bool("MPP_LAPOR_REQUIRED", False),
        timeout_seconds=_int("MPP_LAPOR_TIMEOUT_MS", 10_000, low=100, high=120_000) / 1000,
        pull_minutes=_int("MPP_LAPOR_PULL_MINUTES", 30, low=1, high=7 * 24 * 60),
    )
    if lapor.url and urlsplit(lapor.url).scheme not in ("http", "https"):
        raise SettingsError(f"MPP_LAPOR_URL must be an http(s):// URL, got {lapor.url!r}")
    if lapor.url and not lapor.token:
        raise SettingsError("MPP_LAPOR_URL requires MPP_LAPOR_TOKEN")
    return lapor


def _open_data() -> OpenDataSettings:
    license_id = _env("MPP_OPEN_DATA_LICENSE", "CC-BY-4.0")
    if not re.fullmatch(r"[A-Za-z0-9.+-]{2,40}", license_id):
        raise SettingsError(f"MPP_OPEN_DATA_LICENSE must be a licence id such as CC-BY-4.0, got {license_id!r}")
    return OpenDataSettings(
        suppress_below=_int("MPP_OPEN_DATA_SUPPRESS_BELOW", 5, low=1, high=1000),
        license_id=license_id,
        publisher=_env("MPP_OPEN_DATA_PUBLISHER", "MPP Digital") or "MPP Digital",
        release_hour=_int("MPP_OPEN_DATA_HOUR", 2, low=0, high=23),
        keep=_int("MPP_OPEN_DATA_KEEP", 30, low=1, high=3650),
    )


_LEVELS = ("phone", "registry", "in_person")


def _national_idp() -> NationalIdpSettings:
    issuer = _env("MPP_NATIONAL_IDP_ISSUER").rstrip("/")
    pairs: list[tuple[str, str]] = []
    for item in filter(None, (i.strip() for i in _env("MPP_NATIONAL_IDP_ACR_LEVELS").split(","))):
        acr, _, level = (part.strip() for part in item.partition("="))
        if not acr or level not in _LEVELS:
            raise SettingsError(
                f"MPP_NATIONAL_IDP_ACR_LEVELS must be acr=level pairs (levels: {', '.join(_LEVELS)}), got {item!r}"
            )
        pairs.append((acr, level))
    idp = NationalIdpSettings(
        issuer=issuer,
        client_id=_env("MPP_NATIONAL_IDP_CLIENT_ID"),
        client_secret=_env("MPP_NATIONAL_IDP_CLIENT_SECRET"),
        name=_env("MPP_NATIONAL_IDP_NAME", "INApas") or "INApas",
        nik_claim=_env("MPP_NATIONAL_IDP_NIK_CLAIM", "nik") or "nik",
        acr_levels=tuple(pairs),
        timeout_seconds=_int("MPP_NATIONAL_IDP_TIMEOUT_MS", 10_000, low=100, high=120_000) / 1000,
    )
    if not issuer:
        return idp
    parts = urlsplit(issuer)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise SettingsError(f"MPP_NATIONAL_IDP_ISSUER must be an http(s):// URL, got {issuer!r}")
    # Every environment: without our registration at the provider no sign-in through it can work.
    missing = [n for n, v in (("CLIENT_ID", idp.client_id), ("CLIENT_SECRET", idp.client_secret)) if not v]
    if missing:
        raise SettingsError(
            "MPP_NATIONAL_IDP_ISSUER requires " + ", ".join(f"MPP_NATIONAL_IDP_{name}" for name in missing)
        )
    return idp


def _db_url(name: str) -> str:
    url = _env(name)
    if url and not url.startswith(("postgresql://", "postgres://")):
        raise SettingsError(f"{name} must be a postgresql:// URL")
    return url


def _choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = _env(name, default).lower()
    if value not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(a or '(empty)' for a in allowed)}, got {value!r}")
    return value


def _database(env: str) -> DatabaseSettings:
    """The database's addresses and pool (DatabaseSettings checks that they make a runnable whole)."""
    pool_min = _int("MPP_DB_POOL_MIN", 1, low=0, high=100)
    pool_max = _int("MPP_DB_POOL_MAX", 10, low=1, high=200)
    if pool_min > pool_max:
        raise SettingsError("MPP_DB_POOL_MIN must not exceed MPP_DB_POOL_MAX")
    return DatabaseSettings(
        url=_db_url("DATABASE_URL"),
        pool_min=pool_min,
        pool_max=pool_max,
        seed_demo_on_first_start=_bool("MPP_SEED_DEMO", env != "prod"),
        replica_url=_db_url("DATABASE_REPLICA_URL"),
        direct_url=_db_url("DATABASE_DIRECT_URL"),
        pooler=_choice("MPP_DB_POOLER", "", ("", "pgbouncer")),
    )


def _load() -> Settings:
    env = _env("MPP_ENV", "dev")
    if env not in ("dev", "test", "prod"):
        raise SettingsError(f"MPP_ENV must be dev, test or prod, got {env!r}")
    data_dir = Path(_env("MPP_DATA_DIR", "./var")).expanduser().resolve()
    settings = Settings(
        env=env,  # type: ignore[arg-type]  # checked above
        data_dir=data_dir,
        db=_database(env),
        ops=OpsSettings(
            metrics_token=_env("MPP_METRICS_TOKEN"),
            log_format=_choice("MPP_LOG_FORMAT", "json" if env == "prod" else "text", ("json", "text")),
            metrics_port=_int("MPP_METRICS_PORT", 0, low=0, high=65535),
        ),
        server=ServerSettings(
            host=_env("MPP_HOST", "127.0.0.1"),
            port=_int("MPP_PORT", 8000, low=0, high=65535),
            pwa_dir=Path(_env("MPP_PWA_DIR") or Path(__file__).resolve().parent.parent / "pwa"),
            max_body_bytes=_int("MPP_MAX_BODY_BYTES", 1_000_000, low=1_000, high=100_000_000),
            access_log=_bool("MPP_ACCESS_LOG", env != "prod"),
            catalogue_cache_entries=_int("MPP_CATALOGUE_CACHE_ENTRIES", 4096, low=0, high=1_000_000),
        ),
        auth=_auth(env, port=_int("MPP_PORT", 8000, low=0, high=65535)),
        storage=_storage(data_dir),
        notify=NotifySettings(
            vapid_private_pem=_env("MPP_VAPID_PRIVATE_KEY").replace("\\n", "\n"),
            vapid_subject=_env("MPP_VAPID_SUBJECT", "mpp-digital@example.id"),
            push_test_hosts=tuple(h.strip() for h in _env("MPP_PUSH_TEST_HOSTS").split(",") if h.strip()),
            worker_in_serve=_bool("MPP_WORKER_IN_SERVE", True),
            outbox_lease_seconds=_int("MPP_OUTBOX_LEASE_SECONDS", 30, low=2, high=3600),
            webhook_test_hosts=tuple(h.strip().lower() for h in _env("MPP_WEBHOOK_TEST_HOSTS").split(",") if h.strip()),
        ),
        public_url=_env("MPP_PUBLIC_URL"),
        kiosk_idle_seconds=_int("MPP_KIOSK_IDLE_SECONDS", 90, low=2, high=3600),
        # WCAG 2.2.1: at least 20 seconds to say "I'm still here" in production; tests may shorten it.
        kiosk_warning_seconds=_int("MPP_KIOSK_WARNING_SECONDS", 30, low=2, high=600),
        erasure_hold_days=_int("MPP_ERASURE_HOLD_DAYS", 30, low=0, high=365),
        stats_every_seconds=_int("MPP_STATS_EVERY_SECONDS", 60, low=1, high=86_400),
        board=_board(),
        lapor=_lapor(),
        oss=OssSettings(_env("MPP_OSS_URL").rstrip("/"), _env("MPP_OSS_KEY"), _env("MPP_OSS_INBOUND_KEY")),
        open_data=_open_data(),
        national_idp=_national_idp(),
        registry=RegistrySettings(
            url=_env("MPP_REGISTRY_URL"),
            client_id=_env("MPP_REGISTRY_CLIENT_ID"),
            secret=_env("MPP_REGISTRY_SECRET"),
            timeout_seconds=_int("MPP_REGISTRY_TIMEOUT_MS", 5000, low=100, high=60_000) / 1000,
        ),
    )
    settings.validate()
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return _load()


def reload_settings() -> Settings:
    """Forget the cached settings (for the CLI after it sets variables, and for tests)."""
    get_settings.cache_clear()
    return get_settings()
