"""Who is acting on standards, and which scopes they may read and write.

A region admin reads and writes their own region's standards and reads the national ones; a national admin reads
and writes everything. Objects of another region are answered 404 (their existence is not the caller's to learn);
writing the national scope as a region admin is 403 (it exists, and they may read it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from api.audit.service import record
from api.catalogue.standards.content import NATIONAL
from api.catalogue.standards.errors import NationalScopeForbiddenError, StandardNotFoundError


@dataclass(frozen=True)
class Admin:
    id: uuid.UUID
    name: str  # as shown in the version history (kept as it was then)
    region: str | None  # a region admin's region; None: a national admin
    ip: str = ""

    @property
    def national(self) -> bool:
        return self.region is None

    def sees_region(self, region: str | None) -> bool:
        """Whether an object of ``region`` (None: national) is this admin's to see at all (drafts, rows)."""
        return self.national or region == self.region

    def read(self, scope: str) -> None:
        if not (self.national or scope in (NATIONAL, self.region)):
            raise StandardNotFoundError("standard")

    def write(self, scope: str) -> None:
        if self.national:
            return
        if scope == NATIONAL:
            raise NationalScopeForbiddenError()
        if scope != self.region:
            raise StandardNotFoundError("standard")

    def default_scope(self, scope: str | None) -> str | None:
        """The scope a list shows: the one named, else a region admin's own region (None: a national admin named
        none)."""
        return scope or self.region

    async def audit(self, conn: asyncpg.Connection, action: str, **detail: Any) -> None:
        """The audit event of this admin's change to a standard (no subject: a standard is no person's data)."""
        await record(conn, action=action, actor=self.id, subject=None, detail=detail, ip=self.ip)
