"""The public performance page of an MPP: aggregates only, no person in it, small counts withheld (null and named in
``suppressed``), the published standard of every service beside its figures."""

from __future__ import annotations

import datetime as dt
import re
import uuid
import zoneinfo
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from api.stats.public import COUNT, PUBLIC_FIGURES, suppressed
from tests.support.open_data import service_with_applications

# Every key the page may carry: anything else (a name of a person, an officer, a phone) is a leak.
ALLOWED_KEYS = {
    *("mpp", "id", "name", "region", "code", "suppressBelow", "asOf", "months", "month", "figures", "suppressed"),
    *("services", "service", "agency", "slaDays", "standardVersion", "standardPublishedAt"),
    *PUBLIC_FIGURES,
}


def keys_of(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


async def test_an_mpps_page_shows_aggregates_and_withholds_small_counts(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    small = await service_with_applications(client, db, app, submitted=2)
    # A second small service this month: with two small cells under the region's month total, neither needs a
    # complement, so the big one stays published (complements: test_open_data, test_suppression).
    await service_with_applications(client, db, app, submitted=1)
    big = await service_with_applications(client, db, app, submitted=5)
    mpp = await db.fetchval("SELECT id FROM catalogue_mpp WHERE region = '3302'")
    response = await client.get(f"/api/v1/stats/public/mpps/{mpp}")
    assert response.status_code == 200, response.text
    assert "public" in response.headers["cache-control"]
    page = response.json()
    assert page["mpp"]["id"] == str(mpp) and page["mpp"]["region"]["code"] == "3302"
    assert page["suppressBelow"] == 5
    assert keys_of(page) <= ALLOWED_KEYS, keys_of(page) - ALLOWED_KEYS
    # No NIK (16 digits on their own, not a share's decimals) or phone number anywhere in the text.
    assert not re.search(r"(?<![\d.])\d{16}(?!\d)|\+62\d{8,}", response.text)

    months = page["months"]
    this_month = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Jakarta")).strftime("%Y-%m")
    assert len(months) == 12 and months[-1]["month"] == this_month
    services = {s["service"]["id"]: s for s in page["services"]}
    shown_small, shown_big = services[small["id"]], services[big["id"]]
    assert shown_small["figures"]["applicationsReceived"] is None
    assert "applicationsReceived" in shown_small["suppressed"]
    assert shown_big["figures"]["applicationsReceived"] == 5
    assert "applicationsReceived" not in shown_big["suppressed"]
    assert shown_big["standardVersion"] == 1 and shown_big["slaDays"] == 3
    assert shown_big["standardPublishedAt"] is not None
    assert shown_big["agency"]["code"] == "DISDUKCAPIL"
    # Nothing decided yet: the share is withheld with its population, not shown as 0.
    assert shown_big["figures"]["decidedWithinSlaShare"] is None
    # No count below the threshold is shown anywhere (the months of the whole building included).
    for unit in [*months, *page["services"]]:
        for key, population in PUBLIC_FIGURES.items():
            value = unit["figures"][key]
            if population == COUNT and value is not None:
                assert value >= 5, (key, unit)


async def test_an_unknown_mpp_is_404_and_months_are_bounded(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/api/v1/stats/public/mpps/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    response = await client.get(f"/api/v1/stats/public/mpps/{uuid.uuid4()}", params={"months": 13})
    assert response.status_code == 400


def test_a_share_is_withheld_with_either_count_it_tells() -> None:
    values = {key: None for key in PUBLIC_FIGURES}
    values.update(applicationsDecided=10, applicationsDecidedWithinSla=3, decidedWithinSlaShare=0.3, decideDaysMedian=2)
    shown, withheld = suppressed(values, 5)
    # 0.3 of 10 decided is the 3 decided in time, a count below the threshold.
    assert shown["decidedWithinSlaShare"] is None and "decidedWithinSlaShare" in withheld
    assert shown["applicationsDecided"] == 10 and shown["decideDaysMedian"] == 2
    # The denominator withheld by the secondary rule takes the share and the median with it.
    values.update(applicationsDecidedWithinSla=8, decidedWithinSlaShare=0.8)
    assert suppressed(values, 5)[0]["decidedWithinSlaShare"] == 0.8
    shown, withheld = suppressed(values, 5, {"applicationsDecided"})
    assert {"applicationsDecided", "decidedWithinSlaShare", "decideDaysMedian"} <= set(withheld)
    assert shown["applicationsDecided"] is None and shown["decideDaysMedian"] is None
