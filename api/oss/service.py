"""The OSS connector's rules: which decisions go to OSS, what OSS tells us, NIB inquiries, the admins' differences.

A business licence is an application to a service that *requires* a NIB (``api.catalogue.service.business_licence``:
a consultation that merely accepts one is not a licence). Its NIB is the answer the citizen gave in the form's NIB
field (``nib`` or ``nibNumber`` in the standards): the form is where every such standard asks for the number, and it
is text we already hold, whereas the NIB document is an encrypted file whose number nobody has typed. A decision on
it (approved, completed: OSS's 50 "issued"; rejected: 90 "refused") is forwarded in the transaction of the status
change: ``forward_if_licence`` (called by ``api.applications.service.announce``) upserts the ``oss_licence`` row and
writes an outbox message on channel ``oss``; ``api.oss.worker`` sends it.
"""

from __future__ import annotations

import hmac
import json
import re
import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg
import msgspec

from api.catalogue.service import business_licence
from api.config import Settings
from api.oss import schemas
from api.oss.client import NIB, HttpOss, Oss, OssFailed
from api.oss.errors import (
    BadOssKeyError,
    InvalidLicenceStatusError,
    LicenceNotFoundError,
    MalformedNibError,
    NibNotFoundError,
    OssOffError,
    OssUnavailableError,
)
from api.outbox.service import enqueue

CHANNEL = "oss"
TOPIC = "oss.licence_status"
# Our statuses as OSS's kd_status: completing an issued licence (handing over the document) is still "issued".
KD_STATUS = {"approved": "50", "completed": "50", "rejected": "90"}
NIB_FIELDS = ("nib", "nibnumber")
KD = re.compile(r"[0-9]{2,3}")
# Each of connect, send and answer: an officer waits at most this for an inquiry; a slow send is retried, never lost.
TIMEOUT_SECONDS = 10.0

_UPSERT = """
INSERT INTO oss_licence (id, number, region, agency_code, service_code, nib, our_status, our_kd, seq, decided_at,
                         created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, now(), now(), now())
ON CONFLICT (id) DO UPDATE SET nib = EXCLUDED.nib, our_status = EXCLUDED.our_status, our_kd = EXCLUDED.our_kd,
    seq = oss_licence.seq + 1, decided_at = now(), updated_at = now()
RETURNING seq
"""

_PUSHED = """
WITH known AS (
    UPDATE oss_licence SET oss_kd = $2, oss_at = now(), updated_at = now() WHERE id = $1 RETURNING id)
INSERT INTO oss_licence_event (licence, at, source, kd_status, detail)
SELECT id, now(), 'push', $2, $3::jsonb FROM known
RETURNING id
"""


def client_for(settings: Settings) -> HttpOss | None:
    """The configured OSS client, or None when the connector is off (no ``MPP_OSS_URL``)."""
    if not settings.oss.url:
        return None
    return HttpOss(settings.oss.url, key=settings.oss.key, timeout=TIMEOUT_SECONDS)


def nib_of(answers: Mapping[str, Any], fields: tuple[str, ...]) -> str | None:
    """The NIB the form's NIB field holds, if it is one (13 ASCII digits, spaces around forgiven)."""
    for name in fields:
        value = answers.get(name) if name.lower() in NIB_FIELDS else None
        if isinstance(value, str) and NIB.fullmatch(value.strip()):
            return value.strip()
    return None


async def forward_if_licence(conn: asyncpg.Connection, row: Mapping[str, Any], to_status: str) -> None:
    """In the transaction of a status change: when a business licence is decided, record it and queue its status
    for OSS. Nothing for other services or statuses (one statement to find out, only on a decision)."""
    kd = KD_STATUS.get(to_status)
    if kd is None:
        return
    licence = await business_licence(conn, row["service"])
    if licence is None:
        return
    answers = row["answers"]
    nib = nib_of(json.loads(answers) if isinstance(answers, str) else answers, licence.fields)
    seq = await conn.fetchval(
        _UPSERT,
        row["id"],
        row["number"],
        row["region"],
        licence.agency_code,
        licence.code,
        nib,
        to_status,
        kd,
    )
    # No recipient nor subject: the payload names the licence, and a case's messages stay its notifications.
    await enqueue(
        conn,
        topic=TOPIC,
        recipient=None,
        subject=None,
        payload={"licence": str(row["id"]), "seq": seq, "status": to_status, "region": row["region"]},
        channel=CHANNEL,
    )


def check_inbound_key(settings: Settings, given: str | None) -> None:
    """OSS's push must carry the key it was given; compared in constant time. No key configured: nobody gets in."""
    expected = settings.oss.inbound_key.encode()
    if not expected or not hmac.compare_digest((given or "").encode(), expected):
        raise BadOssKeyError


async def record_push(conn: asyncpg.Connection, push: schemas.PushedStatus) -> schemas.PushReceived:
    """Store what OSS says a licence's status is (its current value, and the append-only event)."""
    if not KD.fullmatch(push.kd_status):
        raise InvalidLicenceStatusError("IZINSTATUS.kd_status", "must be 2 or 3 digits")
    try:
        licence = uuid.UUID(push.id_izin)
    except ValueError:
        raise LicenceNotFoundError from None
    async with conn.transaction():
        stored = await conn.fetchval(_PUSHED, licence, push.kd_status, msgspec.json.encode(push).decode())
    if stored is None:
        raise LicenceNotFoundError
    return schemas.PushReceived(answer=schemas.PushAnswer(kode=200, keterangan="Sukses"))


async def inquire_nib(oss: Oss | None, nib: str) -> schemas.NibInfo:
    """What OSS says of a NIB. 422 for a malformed one (OSS is not asked), 503 when OSS is off or down."""
    if not NIB.fullmatch(nib):
        raise MalformedNibError
    if oss is None:
        raise OssOffError
    try:
        found = await oss.inquire_nib(nib)
    except OssFailed:
        raise OssUnavailableError from None
    if found is None:
        raise NibNotFoundError
    return schemas.NibInfo(nib=found.nib, business_name=found.nama_perseroan, status=found.status_nib)


async def list_differences(
    conn: asyncpg.Connection, *, region: str | None, limit: int, english: bool = False
) -> schemas.DifferenceList:
    """The newest differences the reconciliation found (a region's, or every region's for a national admin), and when
    the last run finished. Each names its service as the region's catalogue does (None if it is no longer there)."""
    rows = await conn.fetch(
        """SELECT d.id, d.run, d.licence, l.number, d.region, l.service_code, d.ours, d.theirs, d.found_at,
                  CASE WHEN $3 THEN coalesce(s.name_en, s.name_id) ELSE s.name_id END AS service_name
           FROM oss_difference d JOIN oss_licence l ON l.id = d.licence
           LEFT JOIN catalogue_service s ON s.region = d.region AND s.code = l.service_code
           WHERE $1::text IS NULL OR d.region = $1
           ORDER BY d.found_at DESC, d.id DESC LIMIT $2""",
        region,
        limit,
        english,
    )
    items = [schemas.Difference(**dict(r)) for r in rows]
    last_run_at = await conn.fetchval("SELECT max(finished_at) FROM oss_run")
    return schemas.DifferenceList(items=items, total=len(items), last_run_at=last_run_at)
