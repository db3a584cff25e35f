"""Attestation tokens signed outside the app, for screens that verify a QR code (the /v/ page)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from pathlib import Path

from api.config import get_settings
from api.lib.keys import KeyRing
from api.wallet import attest


def attestation(data_dir: Path, *, valid_days: int = 365) -> str:
    """Signed with the server's own key ring (its data folder), as its officers' verifications are."""
    settings = dataclasses.replace(get_settings(), data_dir=data_dir)
    ring = KeyRing(settings)
    salt = attest.new_salt()
    return attest.sign(
        ring,
        issuer=settings.auth.issuer,
        fields=attest.AttestedFields(
            attestation_id=uuid.uuid4(),
            document_id=uuid.uuid4(),
            kind="verified",
            document_type="KTP_EL",
            document_type_name="KTP Elektronik (KTP-el)",
            content_hash="ab" * 32,
            agency_code="DISDUKCAPIL",
            agency_name="Dinas Kependudukan dan Pencatatan Sipil Kabupaten Banyumas",
            region="3302",
            attested_at=dt.datetime.now(dt.UTC),
            valid_until=dt.datetime.now(dt.UTC) + dt.timedelta(days=valid_days),
            nik_hash=attest.nik_hash("3302015708900002", salt),
            nik_salt=salt,
        ),
    )
