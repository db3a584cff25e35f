"""Kiosk state: the one-time codes of status look-ups. Nothing else about a citizen is kept for a kiosk."""

from __future__ import annotations

from piccolo.columns import UUID, Bytea, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from api.applications.tables import Application
from api.auth.tables import Kiosk


class StatusCode(Table, tablename="kiosk_status_code"):
    """A code sent to an application's owner so that a kiosk may show its status once.

    A look-up of a number that does not exist stores a row too (with no application and a code nobody
    received): the kiosk then sees exactly what it sees for a real number, down to the attempt counting.
    """

    id = UUID(primary_key=True)
    kiosk = ForeignKey(references=Kiosk, null=False, on_delete=OnDelete.cascade, index=True)
    # The number as typed (normalised); the code is bound to it, to this kiosk, and to the application.
    number = Varchar(length=24, null=False)
    application = ForeignKey(references=Application, null=True, default=None, on_delete=OnDelete.cascade)
    # HMAC-SHA256 under the server secret, as for sign-in codes.
    code_hash = Bytea(null=False)
    attempts = Integer(null=False, default=0)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    expires_at = Timestamptz(null=False)
    consumed_at = Timestamptz(null=True, default=None)
