"""What the population registry answered, kept as facts: never a copy of the registry's data.

A row says that account X asked about NIK N (kept as a keyed hash and a masked form, never in full) and which
fields matched, when and through which channel. The registry's own records (names, birth dates, family cards)
are not stored: the PKS agreement with Dukcapil allows using answers, not keeping a copy of its database.
"""

from __future__ import annotations

from piccolo.columns import JSONB, UUID, Boolean, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from api.accounts.tables import Account


class Check(Table, tablename="registry_check"):
    id = UUID(primary_key=True)
    # Who asked (the citizen verifying themselves, or a parent about a child).
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, index=True)
    # identity (NIK + name + birth date) | family (parent and child on one KK)
    kind = Varchar(length=10, null=False)
    # HMAC-SHA256 under the server secret of the NIK asked about (hex): finds "who proved this NIK" without
    # keeping the number; and its masked form (3302********0001) for people reading the record.
    nik_hash = Varchar(length=64, null=False, index=True)
    nik_masked = Varchar(length=16, null=False)
    # A family check's other person (the child); null for an identity check.
    related_nik_hash = Varchar(length=64, null=True, default=None, index=True)
    related_nik_masked = Varchar(length=16, null=True, default=None)
    # Per field, whether it matched: identity {"nik", "name", "birthDate"}; family {"parentListed",
    # "childListed", "parentOfChild", "childMinor"}.
    matched = JSONB(null=False, default={})
    # Every condition held: the identity is verified, or the parent and the minor child share a KK.
    verified = Boolean(null=False, default=False)
    # Where the check was asked from: app | kiosk | counter | system
    channel = Varchar(length=10, null=False, default="app")
    checked_at = Timestamptz(null=False, default=TimestamptzNow())
