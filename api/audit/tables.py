"""The audit trail: an append-only record of who did what to whose data (UU PDP's record of processing).

Rows are only ever inserted: a trigger (hand-written migration) refuses UPDATE and DELETE.
"""

from __future__ import annotations

from piccolo.columns import JSONB, UUID, BigSerial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class AuditEvent(Table, tablename="audit_event"):
    id = BigSerial(primary_key=True)
    at = Timestamptz(null=False, default=TimestamptzNow())
    # The account (or kiosk) that acted; null for the system and for anonymous requests.
    actor = UUID(null=True, default=None, index=True)
    # Whose data it concerns: a citizen can list every event about them.
    subject = UUID(null=True, default=None, index=True)
    # e.g. auth.sign_in, auth.session_revoked, account.updated, mandate.created, data.exported
    action = Varchar(length=40, null=False)
    # Never a code, a token or a full NIK.
    detail = JSONB(null=False, default={})
    ip = Varchar(length=45, null=False, default="")
