"""Accounts: citizens and staff. One account per person; roles say what it may do."""

from __future__ import annotations

from piccolo.columns import UUID, Array, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from api.catalogue.tables import Agency, Region


class Account(Table, tablename="accounts_account"):
    id = UUID(primary_key=True)
    # E.164, e.g. +6281234567890; the sign-in identifier.
    phone = Varchar(length=16, null=False, unique=True)
    # NIK: 16-digit national identity number; optional for staff.
    nik = Varchar(length=16, null=True, default=None, unique=True)
    name = Varchar(length=120, null=False, default="")
    email = Varchar(length=254, null=True, default=None)
    language = Varchar(length=2, null=False, default="id")
    roles = Array(base_column=Varchar(length=20), null=False, default=[])
    # Staff scope: an officer or supervisor works for one agency in one region; a region admin has a region.
    agency = ForeignKey(references=Agency, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    region = ForeignKey(references=Region, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    status = Varchar(length=12, null=False, default="active")
    created_at = Timestamptz(null=False, default=TimestamptzNow())
