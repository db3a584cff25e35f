"""A citizen's rights over their data (UU 27/2022 on personal data protection, "UU PDP"): a copy of all of it,
and its erasure.

- ``export_archive``: everything we hold about the person as one ZIP archive, written while it is sent. Each
  domain gives its part through its own service (``export_rows`` and the like); documents are read, opened and
  written one at a time, so the server's memory holds one document, not the archive (``stream-zip`` deflates in
  a worker thread and hands back 64 KiB chunks).
- ``request_deletion`` / ``cancel_deletion``: the request starts a hold (``MPP_ERASURE_HOLD_DAYS``) during which
  the citizen can change their mind at an MPP counter; the erasure itself is ``api.accounts.erasure``.
"""

from __future__ import annotations

import datetime as dt
import stat
import uuid
import zoneinfo
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable

import asyncpg
import msgspec
from stream_zip import ZIP_AUTO, AsyncMemberFile, async_stream_zip

from api.accounts import schemas
from api.accounts.profile import get_me
from api.accounts.service import list_mandates
from api.applications.service import personal_data as applications_data
from api.audit.service import events_about, record
from api.auth import service as auth
from api.feedback import personal_data as feedback_data
from api.lib.errors import DomainError
from api.lib.language import Lang
from api.notifications import service as notifications
from api.oidc import personal_data as oidc_data
from api.wallet import service as wallet_service
from api.wallet.service import personal_data as wallet_data
from api.wallet.service.content import Wallet

FORMAT = "mpp-digital-export/2"
_FILE_MODE = stat.S_IFREG | 0o600
# Documents are JPEG, PNG, WebP or PDF, already compressed: the fastest level costs little CPU for what is left.
# JSON shrinks well at the default level.
_DOCUMENT_LEVEL = 1
_JSON_LEVEL = 6


def archive_name(lang: Lang, today: dt.date) -> str:
    """The archive's file name in the account's language, dated (a citizen may keep several copies)."""
    stem = "mpp-digital-my-data" if lang == "en" else "mpp-digital-data-saya"
    return f"{stem}-{today.isoformat()}.zip"


def local_date(now: dt.datetime | None = None) -> dt.date:
    """Today in western Indonesia (WIB), where most MPPs are: the date a citizen would write on the file."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(zoneinfo.ZoneInfo("Asia/Jakarta")).date()


def _json(value: object) -> bytes:
    return msgspec.json.format(msgspec.json.encode(value), indent=2) + b"\n"


README = {
    "id": """Salinan data pribadi Anda dari MPP Digital
=========================================

Dibuat: {at}
Pengendali data: pemerintah daerah penyelenggara MPP Digital (UU 27/2022 tentang Pelindungan Data Pribadi,
Pasal 13: hak mendapatkan salinan data pribadi).

Isi arsip ini:
- profile.json        profil Anda: nama, NIK, KK, tanggal lahir, alamat, nomor HP, bahasa, anggota keluarga
- documents.json      daftar dokumen di dompet Anda (jenis, status, pengesahan) dan nama berkasnya di arsip ini
- documents/          setiap dokumen Anda, sama persis dengan yang tersimpan (sudah dibersihkan dari metadata)
- applications.json   permohonan Anda, dengan jawaban, dokumen terlampir dan riwayat statusnya
- notifications.json  pemberitahuan di kotak masuk aplikasi, dan perangkat yang menerima notifikasi
- consents.json       izin penggunaan dokumen yang Anda berikan kepada instansi, dan tautan berbagi
- mandates.json       mandat yang Anda pegang atau yang dipegang orang lain atas nama Anda
- identity-proofs.json bukti identitas: pencocokan Dukcapil atau pemeriksaan KTP-el di loket MPP
- feedback.json       pengaduan Anda dengan riwayatnya, dan undangan survei kepuasan dengan jawaban Anda
- access-log.json     siapa (petugas, instansi, tautan) melihat dokumen dan permohonan Anda, dan kapan
- audit.json          jejak audit: setiap peristiwa tentang akun dan data Anda
- sessions.json       perangkat tempat Anda masuk (sesi), termasuk yang sudah berakhir
- passkeys.json       passkey Anda (nama dan waktu saja; kunci rahasianya tidak pernah ada di server kami)
- connected-services.json  sistem instansi yang boleh memakai akun MPP Digital Anda: apa yang diterimanya, sejak kapan

Berkas .json dapat dibuka dengan penyunting teks atau dibaca oleh program lain (format {format}).
Kode sekali pakai, token dan kunci tidak disimpan dalam bentuk yang dapat dibaca, jadi tidak ada di sini.
""",
    "en": """A copy of your personal data from MPP Digital
============================================

Made: {at}
Data controller: the regional government that runs MPP Digital (Law 27/2022 on Personal Data Protection,
Article 13: the right to a copy of one's personal data).

What this archive holds:
- profile.json        your profile: name, NIK, family card (KK), birth date, address, phone, language, family
- documents.json      the documents in your wallet (type, status, attestation) and each one's file in this archive
- documents/          each of your documents, exactly as stored (already cleaned of metadata)
- applications.json   your applications, with answers, attached documents and their status history
- notifications.json  the messages in the app's inbox, and the devices that receive notifications
- consents.json       the consents you gave agencies to use your documents, and your share links
- mandates.json       mandates you hold, and mandates others hold to act for you
- identity-proofs.json proofs of identity: registry matches or KTP-el checks at an MPP counter
- feedback.json       your complaints with their history, and your satisfaction survey invitations with your answers
- access-log.json     who (officer, agency, link) saw your documents and applications, and when
- audit.json          the audit trail: every event about your account and your data
- sessions.json       the devices you signed in on (sessions), ended ones included
- passkeys.json       your passkeys (names and dates only; their private keys never reach our server)
- connected-services.json  the agency systems you let sign you in with MPP Digital: what each receives, since when

The .json files open in any text editor and can be read by other programs (format {format}).
One-time codes, tokens and keys are not stored in a readable form, so they are not here.
""",
}


async def _parts(
    conn: asyncpg.Connection, wallet: Wallet, account_id: uuid.UUID, lang: Lang, now: dt.datetime
) -> list[tuple[str, Callable[[], Awaitable[object]]]]:
    """The archive's JSON files, each with the call that reads its content when its turn comes."""
    # Long on purpose: one two-line reader per file of the archive, each next to the file name it fills, so that what
    # an export contains reads as one list.

    async def profile() -> object:
        family = await conn.fetch(
            "SELECT id, member_nik, member_name, relation, kk, created_at, removed_at "
            "FROM accounts_family_member WHERE account = $1 ORDER BY created_at",
            account_id,
        )
        deletion = await conn.fetchval("SELECT deletion_requested_at FROM accounts_account WHERE id = $1", account_id)
        return {
            "exportedAt": now,
            "format": FORMAT,
            "account": msgspec.to_builtins(await get_me(conn, account_id)),
            "deletionRequestedAt": deletion,
            "family": [dict(r) for r in family],
        }

    async def sign_in_state(part: str) -> object:
        return (await auth.export_rows(conn, account=account_id))[part]

    async def documents() -> object:
        return await wallet_data.export_index(conn, wallet, owner=account_id)

    async def applications() -> object:
        return await applications_data.export_rows(conn, applicant=account_id)

    async def inbox() -> object:
        return await notifications.export_rows(conn, account=account_id, lang=lang)

    async def consents() -> object:
        return await wallet_data.export_sharing(conn, owner=account_id)

    async def mandates() -> object:
        return msgspec.to_builtins((await list_mandates(conn, account_id)).items)

    async def identity_proofs() -> object:
        rows = await conn.fetch(
            """SELECT p.nik, p.method, p.created_at, g.code AS agency, p.region
               FROM accounts_identity_proof p LEFT JOIN catalogue_agency g ON g.id = p.agency
               WHERE p.account = $1 ORDER BY p.created_at""",
            account_id,
        )
        return [dict(r) for r in rows]

    async def feedback() -> object:
        return await feedback_data.export(conn, account=account_id)

    async def access_log() -> object:
        return msgspec.to_builtins((await wallet_service.access_log(conn, owner=account_id, limit=100_000)).items)

    async def audit() -> object:
        return await events_about(conn, account_id, limit=1_000_000)

    return [
        ("profile.json", profile),
        ("documents.json", documents),
        ("applications.json", applications),
        ("notifications.json", inbox),
        ("consents.json", consents),
        ("mandates.json", mandates),
        ("identity-proofs.json", identity_proofs),
        ("feedback.json", feedback),
        ("access-log.json", access_log),
        ("audit.json", audit),
        ("sessions.json", lambda: sign_in_state("sessions")),
        ("passkeys.json", lambda: sign_in_state("passkeys")),
        ("connected-services.json", lambda: oidc_data.export(conn, account=account_id)),
    ]


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _members(
    conn: asyncpg.Connection, wallet: Wallet, account_id: uuid.UUID, lang: Lang, now: dt.datetime
) -> AsyncIterator[AsyncMemberFile]:
    """The archive's files, each read only when the archive reaches it."""
    readme = README[lang].format(at=now.isoformat(timespec="seconds"), format=FORMAT).encode()
    yield "README.txt", now, _FILE_MODE, ZIP_AUTO(len(readme), level=_JSON_LEVEL), _once(readme)
    for name, read in await _parts(conn, wallet, account_id, lang, now):
        data = _json(await read())
        yield name, now, _FILE_MODE, ZIP_AUTO(len(data), level=_JSON_LEVEL), _once(data)
        del data
    async for content in wallet_data.export_files(conn, wallet, owner=account_id):
        size = len(content.data)
        yield (
            f"documents/{content.file_name}",
            now,
            _FILE_MODE,
            ZIP_AUTO(size, level=_DOCUMENT_LEVEL),
            _once(content.data),
        )


def export_archive(
    conn: asyncpg.Connection, wallet: Wallet, account_id: uuid.UUID, *, lang: Lang, now: dt.datetime | None = None
) -> AsyncIterable[bytes]:
    """The ZIP archive of everything held on the account, as chunks of about 64 KiB, made as they are read."""
    return async_stream_zip(_members(conn, wallet, account_id, lang, now or dt.datetime.now(dt.UTC)))


# --- deletion -------------------------------------------------------------------------------------------


class DeletionNotCancellableError(DomainError, ValueError):
    """409: there is no deletion waiting to be cancelled (never asked for, or already carried out)."""

    status = 409
    code = "conflict"


# What the erasure keeps, and why: the request's answer lists it, and each erasure record repeats it.
RETENTION = [
    schemas.Kept(
        what="Jejak audit (audit trail) tentang akses dan perubahan data Anda",
        why="Rekaman pemrosesan data pribadi wajib disimpan (UU 27/2022 Pasal 31) dan dibutuhkan untuk "
        "menjawab pengaduan dan pemeriksaan.",
        until="5 tahun setelah peristiwa",
    ),
    schemas.Kept(
        what="Nomor HP dan NIK dalam bentuk tersamar pada jejak audit",
        why="Agar jejak audit tetap dapat dikaitkan dengan peristiwa tanpa menyimpan data lengkap.",
        until="5 tahun setelah peristiwa",
    ),
    schemas.Kept(
        what="Permohonan yang sudah diajukan, keputusan instansi dan riwayat statusnya, tanpa jawaban, NIK dan "
        "nama Anda",
        why="Instansi wajib mengarsipkan layanan yang diberikannya dan keputusannya (UU 43/2009 tentang "
        "Kearsipan); arsip itu tidak memerlukan data pribadi Anda.",
        until="sesuai jadwal retensi arsip instansi",
    ),
    schemas.Kept(
        what="Pengesahan (attestation) dokumen hasil yang diterbitkan instansi untuk Anda",
        why="Agar salinan cetak dokumen hasil tetap dapat diperiksa keasliannya lewat kode QR-nya.",
        until="sampai masa berlaku dokumen hasil berakhir",
    ),
]

ERASED = [
    "Nama, NIK, nomor KK, alamat, e-mail dan tanggal lahir",
    "Nomor HP (diganti dengan tanda yang tidak dapat dikembalikan)",
    "Semua dokumen di dompet Anda (berkasnya dihancurkan)",
    "Jawaban formulir dan draf permohonan",
    "Kotak masuk notifikasi dan perangkat penerima notifikasi",
    "Passkey, sesi masuk dan perangkat terdaftar",
    "Anggota keluarga yang Anda tautkan",
]


async def request_deletion(
    conn: asyncpg.Connection, account_id: uuid.UUID, *, hold: dt.timedelta, ip: str
) -> schemas.DeletionRequested:
    """Record the request, sign out everywhere, end mandates, and say what will be erased, what the law makes
    us keep, and when the erasure happens.

    The erasure itself runs later (``api.accounts.erasure``, in the worker), once the hold has passed; until
    then the citizen may cancel at an MPP counter (``cancel_deletion``). The account cannot sign in meanwhile.
    """
    async with conn.transaction():
        requested_at = await conn.fetchval(
            """UPDATE accounts_account SET status = 'deletion_requested',
                   deletion_requested_at = coalesce(deletion_requested_at, now()), updated_at = now()
               WHERE id = $1 RETURNING deletion_requested_at""",
            account_id,
        )
        await auth.end_sessions(conn, account=account_id, reason="account_deletion")
        await conn.execute(
            "UPDATE accounts_mandate SET status = 'revoked', revoked_at = now(), revoked_by = $1 "
            "WHERE status IN ('pending', 'review', 'active') AND (holder = $1 OR member IN "
            "(SELECT id FROM accounts_family_member WHERE member_account = $1))",
            account_id,
        )
        await record(conn, action="account.deletion_requested", actor=account_id, subject=account_id, ip=ip)
    return schemas.DeletionRequested(
        status="deletion_requested",
        requested_at=requested_at,
        erased=ERASED,
        kept=RETENTION,
        erase_after=requested_at + hold,
    )


async def cancel_deletion(conn: asyncpg.Connection, account_id: uuid.UUID, *, actor: uuid.UUID | None, ip: str) -> None:
    """The citizen changed their mind within the hold: the account is active again (they sign in anew; ended
    sessions and mandates stay ended). DeletionNotCancellableError once the erasure has run."""
    async with conn.transaction():
        done = await conn.fetchval(
            """UPDATE accounts_account SET status = 'active', deletion_requested_at = NULL, updated_at = now()
               WHERE id = $1 AND status = 'deletion_requested' RETURNING id""",
            account_id,
        )
        if done is None:
            raise DeletionNotCancellableError("this account has no deletion waiting to be cancelled")
        await record(conn, action="account.deletion_cancelled", actor=actor, subject=account_id, ip=ip)
