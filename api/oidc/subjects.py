"""Pairwise subject identifiers (OIDC Core §8.1) and per-sector session ids.

``sub`` is an HMAC of the account id under the server secret and the client's sector: clients of one sector see
the same value for a citizen, clients of different sectors see unrelated ones, so two agencies cannot join their
records on our identifier. Nothing is stored: the value is recomputed from the record, and the same citizen gets
the same ``sub`` after any key-free restart. ``sid`` (back-channel logout) is made the same way from the PWA
session, so a client cannot follow a citizen's sessions into another sector either.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid


def _mac(secret: bytes, purpose: str, sector: str, value: uuid.UUID) -> str:
    digest = hmac.new(secret, f"{purpose}|{sector}|{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def pairwise_sub(secret: bytes, sector: str, account: uuid.UUID) -> str:
    return _mac(secret, "oidc-sub", sector, account)


def pairwise_sid(secret: bytes, sector: str, session: uuid.UUID) -> str:
    return _mac(secret, "oidc-sid", sector, session)[:32]
