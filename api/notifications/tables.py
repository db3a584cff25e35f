"""Push subscriptions, the in-app inbox, and which device already got which message."""

from __future__ import annotations

from piccolo.columns import JSONB, UUID, BigInt, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from api.accounts.tables import Account


class PushSubscription(Table, tablename="notifications_subscription"):
    """One browser on one device (a PushSubscription); a citizen may have several."""

    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, index=True)
    endpoint = Varchar(length=1000, null=False, unique=True)
    p256dh = Varchar(length=120, null=False)
    auth = Varchar(length=40, null=False)
    user_agent = Varchar(length=300, null=False, default="")
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    last_success_at = Timestamptz(null=True, default=None)
    failures = Integer(null=False, default=0)


class Notification(Table, tablename="notifications_notification"):
    """The in-app inbox: always written (iOS pushes only to installed apps; some refuse push)."""

    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, index=True)
    outbox = BigInt(null=False)
    topic = Varchar(length=40, null=False)
    # What the texts are built from, in the reader's language, at reading time.
    data = JSONB(null=False, default={})
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    read_at = Timestamptz(null=True, default=None)


class Delivery(Table, tablename="notifications_delivery"):
    """A message reached a device: a retry of the message does not push to it again."""

    outbox = BigInt(null=False, index=True)
    subscription = UUID(null=False)
    delivered_at = Timestamptz(null=False, default=TimestamptzNow())
