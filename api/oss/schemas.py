"""The OSS connector's wire types: ours in camelCase (api.lib.wire), OSS's pushes in OSS's own field names."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from api.lib.wire import Struct

Short = Annotated[str, msgspec.Meta(max_length=100)]


class NibInfo(Struct):
    """What OSS says of a NIB, for an officer at the counter."""

    nib: str
    business_name: str
    status: str


class Difference(Struct):
    id: int
    run: uuid.UUID
    licence: uuid.UUID
    number: str
    region: str
    service_code: str
    ours: str
    theirs: str | None
    found_at: dt.datetime
    # The service's name in the region's catalogue, in the reader's language (None: no longer in it).
    service_name: str | None = None


class DifferenceList(Struct):
    items: list[Difference]
    total: int
    # When the last daily reconciliation finished (every region's, one run): None while none has. An empty list
    # then means "checked, none found", not "never checked".
    last_run_at: dt.datetime | None = None


class PushedStatus(msgspec.Struct, frozen=True):
    """OSS's IZINSTATUS as it pushes it: ``id_izin`` (ours) and ``kd_status`` are what we act on; the rest is kept."""

    id_izin: Short
    kd_status: Annotated[str, msgspec.Meta(max_length=3)]
    tgl_status: Short = ""
    nib: Short = ""
    id_produk: Short = ""
    id_proyek: Short = ""
    oss_id: Short = ""
    kd_izin: Short = ""
    kd_instansi: Short = ""
    nip_status: Short = ""
    nama_status: Annotated[str, msgspec.Meta(max_length=200)] = ""
    keterangan: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class LicenceStatusPush(msgspec.Struct, frozen=True):
    """The body OSS posts: ``{"IZINSTATUS": {...}}``."""

    izinstatus: PushedStatus = msgspec.field(name="IZINSTATUS")


class PushAnswer(msgspec.Struct, frozen=True):
    """OSS's own acknowledgement shape, so its side reads our answer as it reads any agency's."""

    kode: int
    keterangan: str


class PushReceived(msgspec.Struct, frozen=True):
    answer: PushAnswer = msgspec.field(name="responreceiveLicenseStatus")
