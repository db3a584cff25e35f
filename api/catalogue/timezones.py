"""Which clock a region lives by: WIB (UTC+7), WITA (UTC+8) or WIT (UTC+9), from its BPS province code.

One place for it: the local date decides what "today" is for a deadline, a queue's day and a building's closure,
and three copies of this table once disagreed about Kalimantan Tengah (62, which is WIB).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

# Permendagri/Keppres 41/1987: WITA is Bali, the Nusa Tenggaras, South/East/North Kalimantan and Sulawesi;
# WIT is Maluku and Papua. Everything else (Sumatra, Java, West and Central Kalimantan) is WIB.
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96"}


def time_zone(region: str) -> zoneinfo.ZoneInfo:
    """The time zone of a region (or a province) by the first two digits of its BPS code."""
    province = region[:2]
    return zoneinfo.ZoneInfo(
        "Asia/Makassar" if province in _WITA else "Asia/Jayapura" if province in _WIT else "Asia/Jakarta"
    )


def local_today(region: str, now: dt.datetime | None = None) -> dt.date:
    """The date on the region's wall clocks at ``now`` (default: the present)."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(time_zone(region)).date()


def zone_name(region: str) -> str:
    """The IANA name of a region's (or a province's) zone, as SQL's ``AT TIME ZONE`` takes it."""
    return time_zone(region).key


def province_zones() -> dict[str, str]:
    """Every two-digit province code and its zone's IANA name: SQL that turns instants into the local dates of many
    regions at once joins on this (``left(region, 2)``) instead of spelling the table a second time."""
    return {f"{p:02d}": zone_name(f"{p:02d}") for p in range(100)}
