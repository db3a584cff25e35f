"""The OSS RBA client: what the connector needs from the national business-licensing system, and its HTTP form.

The shape is the one agencies use with OSS RBA's web service: every call carries our API key in the ``user_key``
header and a JSON body named after the call. The base URL and key are configured per deployment (``MPP_OSS_URL``,
``MPP_OSS_KEY``); a deployment whose gateway differs in its paths adapts this module, not the worker. Spoken here,
and by the fake in ``tests/fakes/oss.py``:

* ``POST {base}/receiveLicenseStatus`` ``{"IZINSTATUS": {nib, id_produk, id_proyek, oss_id, id_izin, kd_izin,
  kd_instansi, kd_status, tgl_status, nip_status, nama_status, keterangan}}`` → ``{"responreceiveLicenseStatus":
  {"kode": 200, "keterangan"}}``; OSS keys a licence by ``id_izin``, so the same status again changes nothing;
* ``POST {base}/inqueryNIB`` ``{"INQUERYNIB": {"nib"}}`` → ``{"responinqueryNIB": {"kode", "keterangan",
  "dataNIB": {"nib", "nama_perseroan", "status_nib"}}}`` (``kode`` 404: no such NIB);
* ``POST {base}/inqueryLicenseStatus`` ``{"id_izin"}`` → ``{"responinqueryLicenseStatus": {"kode", "dataIzin":
  {"id_izin", "kd_status", "tgl_status"}}}`` (``kode`` 404: OSS does not know the licence).

Failures are ``OssFailed``: transient (408, 429 with Retry-After, 5xx, timeouts, connection errors, and 401/403 —
a key being rotated is our configuration, not the licence's fault) or permanent (any other 4xx).
"""

from __future__ import annotations

import re
from typing import Any, Protocol, TypeVar

import httpx
import msgspec

from api.lib.retry import parse_retry_after

NIB = re.compile(r"[0-9]{13}")
_KD_STATUS = re.compile(r"[0-9]{2,3}")
_TRANSIENT = frozenset({401, 403, 408, 425, 429})
MAX_ERROR = 300
T = TypeVar("T")


class OssFailed(Exception):  # noqa: N818  # not a domain error: the service turns it into one where a request waits
    """One call to OSS that did not give a usable answer."""

    def __init__(self, reason: str, *, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason[:MAX_ERROR]
        self.transient = transient
        self.retry_after = retry_after


class IzinStatus(msgspec.Struct, frozen=True):
    """A licence's status as agencies send it to OSS (OSS's own field names)."""

    nib: str
    id_produk: str
    id_proyek: str
    oss_id: str
    id_izin: str
    kd_izin: str
    kd_instansi: str
    kd_status: str
    tgl_status: str
    nip_status: str
    nama_status: str
    keterangan: str


class NibData(msgspec.Struct, frozen=True):
    nib: str
    nama_perseroan: str = ""
    status_nib: str = ""


class IzinData(msgspec.Struct, frozen=True):
    id_izin: str
    kd_status: str
    tgl_status: str = ""


class _Answer(msgspec.Struct, frozen=True):
    kode: int
    keterangan: str = ""
    dataNIB: NibData | None = None  # noqa: N815  # OSS's spelling
    dataIzin: IzinData | None = None  # noqa: N815  # OSS's spelling


class Oss(Protocol):
    """OSS RBA as the connector sees it."""

    async def send_status(self, status: IzinStatus) -> str:
        """Tell OSS a licence's status; returns its acknowledgement. Raises ``OssFailed``."""
        ...

    async def inquire_nib(self, nib: str) -> NibData | None:
        """The business a NIB names, None when OSS knows no such NIB. Raises ``OssFailed``."""
        ...

    async def licence_status(self, id_izin: str) -> str | None:
        """OSS's ``kd_status`` of one of our licences, None when it does not know it. Raises ``OssFailed``."""
        ...

    async def aclose(self) -> None: ...


class HttpOss:
    """``Oss`` over HTTPS with httpx: one connection pool per process, ``user_key`` on every call."""

    def __init__(
        self, base_url: str, *, key: str, timeout: float = 10.0, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"user_key": key, "Accept": "application/json"},
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=False,
        )

    async def send_status(self, status: IzinStatus) -> str:
        answer = await self._call("/receiveLicenseStatus", {"IZINSTATUS": status}, "responreceiveLicenseStatus")
        if answer.kode != 200:
            # OSS refused this status in its body: the same body again would be refused again.
            raise OssFailed(f"OSS kode {answer.kode}: {answer.keterangan}", transient=answer.kode >= 500)
        return answer.keterangan[:200] or "OK"

    async def inquire_nib(self, nib: str) -> NibData | None:
        if not NIB.fullmatch(nib):
            raise OssFailed(f"malformed NIB {nib[:20]!r}", transient=False)
        answer = await self._call("/inqueryNIB", {"INQUERYNIB": {"nib": nib}}, "responinqueryNIB")
        if answer.kode == 404:
            return None
        if answer.kode != 200 or answer.dataNIB is None or answer.dataNIB.nib != nib:
            raise OssFailed(f"unusable NIB answer (kode {answer.kode})", transient=True)
        return answer.dataNIB

    async def licence_status(self, id_izin: str) -> str | None:
        answer = await self._call("/inqueryLicenseStatus", {"id_izin": id_izin}, "responinqueryLicenseStatus")
        if answer.kode == 404:
            return None
        data = answer.dataIzin
        if answer.kode != 200 or data is None or data.id_izin != id_izin or not _KD_STATUS.fullmatch(data.kd_status):
            raise OssFailed(f"unusable licence answer (kode {answer.kode})", transient=True)
        return data.kd_status

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _call(self, path: str, body: dict[str, Any], envelope: str) -> _Answer:
        try:
            response = await self._client.post(
                path, content=msgspec.json.encode(body), headers={"Content-Type": "application/json"}
            )
        except httpx.TimeoutException as exc:
            raise OssFailed(f"timeout: {type(exc).__name__}", transient=True) from exc
        except httpx.TransportError as exc:
            # Refused, reset, or dropped mid-answer (the status may have been stored: OSS keys it by id_izin).
            raise OssFailed(f"connection: {type(exc).__name__}: {exc}", transient=True) from exc
        # OSS answers "not found" in the body; an HTTP 404 with its envelope is read the same way.
        if response.status_code != 200 and not (response.status_code == 404 and envelope.encode() in response.content):
            raise _unexpected(response)
        try:
            return msgspec.json.decode(response.content, type=dict[str, _Answer])[envelope]
        except (msgspec.DecodeError, KeyError) as exc:
            raise OssFailed(f"unreadable answer ({response.status_code}): {exc}", transient=True) from exc


def _unexpected(response: httpx.Response) -> OssFailed:
    status = response.status_code
    transient = status in _TRANSIENT or status >= 500 or status < 200 or 300 <= status < 400
    retry_after = parse_retry_after(response.headers.get("retry-after")) if transient else None
    detail = " ".join(response.text[:200].split())
    return OssFailed(
        f"HTTP {status}: {detail}" if detail else f"HTTP {status}", transient=transient, retry_after=retry_after
    )
