"""The open data release: a Frictionless data package that the maintained ``frictionless`` library validates (types,
primary keys, hashes, sizes), small counts suppressed, served with ETags and CORS, and published unchanged to a
CKAN-style portal by Frictionless' own CKAN adapter (tests/fakes/ckan.py speaks CKAN's action API and rules)."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import hashlib
import io
import json
import secrets
import zoneinfo
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from frictionless import Package, validate
from frictionless.portals import CkanControl
from litestar import Litestar

from api.stats.open_data import APPLICATIONS, suppress
from api.stats.open_data_jobs import due, ensure_release, release_if_due
from tests.fakes.ckan import CkanProcess
from tests.support.clients import client_at
from tests.support.open_data import service_with_applications

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")


def release_moment(days_ahead: int) -> dt.datetime:
    """03:00 WIB ``days_ahead`` days from today: a release of that day is due (the release hour is 02:00)."""
    day = dt.datetime.now(WIB).date() + dt.timedelta(days=days_ahead)
    return dt.datetime.combine(day, dt.time(3, 0), tzinfo=WIB)


class Published:
    def __init__(
        self, folder: Path, package: dict[str, Any], small: dict[str, Any], big: dict[str, Any], bigger: dict[str, Any]
    ):
        self.folder, self.package, self.small, self.big, self.bigger = folder, package, small, big, bigger

    def rows(self, name: str) -> list[dict[str, str]]:
        resource = next(r for r in self.package["resources"] if r["name"] == name)
        return list(csv.DictReader(io.StringIO((self.folder / resource["path"]).read_text())))


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def published(app: Litestar, db: asyncpg.Connection, tmp_path_factory: pytest.TempPathFactory) -> Published:
    """Three services of their own (3, 5 and 6 applications), a release made by the daily job (tomorrow's, so that
    it is the newest), and the latest package and its files downloaded as a portal would. When these are the
    region's only cells this month, the 3 needs a complement under the region's total: the 5, never the 6."""
    async with client_at(app, f"10.18.{secrets.randbelow(250)}.{secrets.randbelow(250)}") as client:
        small = await service_with_applications(client, db, app, submitted=3)
        big = await service_with_applications(client, db, app, submitted=5)
        bigger = await service_with_applications(client, db, app, submitted=6)
        moment = release_moment(1)
        assert await release_if_due(db, app.state.settings.open_data, now=moment) == moment.date().isoformat()
        folder = tmp_path_factory.mktemp("open-data")
        response = await client.get("/open-data/datapackage.json")
        assert response.status_code == 200, response.text
        (folder / "datapackage.json").write_bytes(response.content)
        package = response.json()
        for resource in package["resources"]:
            got = await client.get(f"/open-data/{resource['path']}")
            assert got.status_code == 200, got.text
            assert got.headers["content-type"].startswith("text/csv")
            (folder / resource["path"]).parent.mkdir(parents=True, exist_ok=True)
            (folder / resource["path"]).write_bytes(got.content)
    return Published(folder, package, small, big, bigger)


async def test_the_package_validates_with_frictionless(published: Published) -> None:
    report = validate(str(published.folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = published.package
    assert package["version"] == release_moment(1).date().isoformat()
    assert isinstance(package["suppressBelow"], int) and package["suppressBelow"] == 5
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert "Suppressed" in package["description"]
    assert {r["name"] for r in package["resources"]} == {"applications", "queue", "skm", "complaints", "services"}
    for resource in package["resources"]:
        content = (published.folder / resource["path"]).read_bytes()
        assert resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest()
        assert resource["bytes"] == len(content)
        assert resource["schema"]["primaryKey"], resource["name"]
        assert all(f["title"] and f["description"] for f in resource["schema"]["fields"])
        assert content.splitlines()[0].decode() == ",".join(f["name"] for f in resource["schema"]["fields"])


async def test_small_counts_are_empty_and_others_published(published: Published) -> None:
    rows = published.rows("applications")
    small = [r for r in rows if r["service_code"] == published.small["code"]]
    big = [r for r in rows if r["service_code"] == published.bigger["code"]]
    assert len(small) == 1 and len(big) == 1
    # (The 5 may be the 3's complement: test_no_empty_count_can_be_recovered_from_the_public_pages_total.)
    assert small[0]["received"] == "" and big[0]["received"] == "6"
    # Nothing decided yet: the share and the medians have no population, so they are empty too.
    assert big[0]["decided"] == "" and big[0]["decided_in_sla_share"] == "" and big[0]["decide_days_median"] == ""
    # Every count of every resource is empty or at least suppressBelow.
    below = published.package["suppressBelow"]
    for resource in published.package["resources"]:
        counts = [f["name"] for f in resource["schema"]["fields"] if "Suppressed (empty)" in f["description"]]
        for row in published.rows(resource["name"]):
            assert all(row[c] == "" or int(row[c]) >= below for c in counts), (resource["name"], row)
    services = {r["service_code"]: r for r in published.rows("services") if r["region_code"] == "3302"}
    assert services[published.big["code"]]["standard_version"] == "1"
    assert services[published.big["code"]]["sla_days"] == "3"
    assert services[published.big["code"]]["standard_published_at"] == dt.date.today().isoformat()


async def test_files_are_served_with_etags_cors_and_kept_releases(
    client: httpx.AsyncClient, published: Published
) -> None:
    version = published.package["version"]
    latest = await client.get("/open-data/applications.csv")
    assert latest.status_code == 200
    assert latest.headers["access-control-allow-origin"] == "*"
    assert latest.content == (published.folder / version / "applications.csv").read_bytes()
    again = await client.get("/open-data/applications.csv", headers={"If-None-Match": latest.headers["etag"]})
    assert again.status_code == 304
    kept = await client.get(f"/open-data/{version}/datapackage.json")
    assert kept.status_code == 200 and "immutable" in kept.headers["cache-control"]
    assert [r["path"] for r in kept.json()["resources"]] == [f"{r['name']}.csv" for r in kept.json()["resources"]]
    same = await client.get(f"/open-data/{version}/applications.csv")
    assert same.content == latest.content and same.headers["etag"] == latest.headers["etag"]
    for missing in ("/open-data/nothing.csv", "/open-data/2001-01-01/datapackage.json", "/open-data/x/y.csv"):
        response = await client.get(missing)
        assert response.status_code == 404, missing
        assert response.headers["content-type"].startswith("application/problem+json")


def publish_to_ckan(folder: Path, name: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Publish the downloaded package with Frictionless' CKAN adapter to a fresh fake portal; what the portal then
    holds: the dataset, and the bytes of each resource as the portal serves them (blocking: run in a thread)."""
    package = Package(str(folder / "datapackage.json"))
    with CkanProcess() as ckan:
        control = CkanControl(baseurl=ckan.url, apikey=ckan.api_key, organization_name=ckan.organization)
        package.publish(ckan.url, control=control)
        dataset = ckan.package(name)
        return dataset, {r["name"]: httpx.get(r["url"]).content for r in dataset["resources"]}


async def test_the_package_loads_into_a_ckan_portal_unchanged(published: Published) -> None:
    ours = published.package
    dataset, contents = await asyncio.to_thread(publish_to_ckan, published.folder, ours["name"])
    assert dataset["name"] == ours["name"] and dataset["title"] == ours["title"]
    assert dataset["notes"] == ours["description"]
    assert dataset["license_id"] == "CC-BY-4.0"
    assert dataset["version"] == ours["version"]
    assert {"key": "suppressBelow", "value": str(ours["suppressBelow"])} in dataset["extras"]
    assert set(contents) == {*(r["name"] for r in ours["resources"]), "datapackage"}
    for resource in ours["resources"]:
        digest = hashlib.sha256(contents[resource["name"]]).hexdigest()
        assert "sha256:" + digest == resource["hash"], resource["name"]
    descriptor = json.loads(contents["datapackage"])
    assert descriptor["suppressBelow"] == ours["suppressBelow"]
    assert [r["hash"] for r in descriptor["resources"]] == [r["hash"] for r in ours["resources"]]


async def test_one_process_makes_a_days_release_and_the_first_start_has_one(
    app: Litestar, db: asyncpg.Connection, database_url: str
) -> None:
    options = app.state.settings.open_data
    moment = release_moment(2)
    connections = [await asyncpg.connect(database_url) for _ in range(2)]
    try:
        made = await asyncio.gather(*(release_if_due(c, options, now=moment) for c in connections))
    finally:
        for c in connections:
            await c.close()
    assert sorted(made) == ["", moment.date().isoformat()]
    assert await release_if_due(db, options, now=moment) == ""
    assert await ensure_release(db, options) == moment.date().isoformat()
    today = moment.date().isoformat()
    assert due(None, moment, options)
    assert not due(today, moment, options)
    yesterday = (moment.date() - dt.timedelta(days=1)).isoformat()
    assert due(yesterday, moment, options)
    assert not due(yesterday, moment.replace(hour=1), options)


async def test_no_empty_count_can_be_recovered_from_the_public_pages_total(
    client: httpx.AsyncClient, db: asyncpg.Connection, published: Published
) -> None:
    """Banyumas's applications received this month: the public page shows the region's total; the open data shows
    the cells that add up to it. A cell below the threshold alone among published cells would be that total minus
    the others (the issue's "12 with agencies 9 and [empty] gives 3"): the release withholds one more cell, and the
    page withholds a service's total whenever the open data withholds its only month."""
    month = dt.datetime.now(WIB).date().replace(day=1)
    code_of = {str(r["id"]): r["code"] for r in await db.fetch("SELECT id, code FROM catalogue_service")}
    # The true counts, read from the fact rows themselves (not from the release).
    raw = {
        code_of[str(r["service"])]: int(r["received"])
        for r in await db.fetch(
            """SELECT service, sum(received)::int AS received FROM stats_application_fact
               WHERE grain = 'm' AND region = '3302' AND day = $1 GROUP BY service""",
            month,
        )
    }
    small, big = published.small["code"], published.big["code"]
    cells = {
        r["service_code"]: r["received"]
        for r in published.rows("applications")
        if r["region_code"] == "3302" and r["month"] == month.strftime("%Y-%m")
    }
    assert set(cells) == set(raw)
    assert raw[small] == 3 and cells[small] == ""

    mpp = await db.fetchval("SELECT id FROM catalogue_mpp WHERE region = '3302'")
    response = await client.get(f"/api/v1/stats/public/mpps/{mpp}")
    assert response.status_code == 200, response.text
    page = response.json()
    (shown,) = [m for m in page["months"] if m["month"] == month.strftime("%Y-%m")]
    total = shown["figures"]["applicationsReceived"]
    assert total == sum(raw.values()) >= 14  # published: the 3, 5 and 6 of this module's services at least

    empty = sorted(code for code, value in cells.items() if value == "")
    published_sum = sum(int(v) for v in cells.values() if v)
    # The total minus the published cells gives only the sum of two or more empty cells, never one alone.
    assert len(empty) >= 2, (total, cells)
    assert total - published_sum == sum(raw[c] for c in empty)
    if {c for c, v in raw.items() if v < 5} == {small}:
        # Only the 3 is small (this module alone): primary suppression would have given it away as
        # total - published; one more cell, the smallest of the others, is withheld with it.
        (other,) = [c for c in empty if c != small]
        assert raw[other] == min(v for c, v in raw.items() if c != small)

    # The page's service totals over the months shown: these services have only this month, so a service's total
    # is its one open-data cell — withheld on the page exactly when withheld in the open data.
    services = {s["service"]["code"]: s for s in page["services"]}
    for code in (small, big, published.bigger["code"]):
        on_page = services[code]["figures"]["applicationsReceived"]
        assert (on_page is None) == (cells[code] == ""), (code, on_page, cells)
        assert ("applicationsReceived" in services[code]["suppressed"]) == (on_page is None)
        assert on_page is None or on_page == raw[code]


def test_a_share_is_empty_when_a_count_it_tells_is() -> None:
    row = {
        "decided": 10,
        "decided_in_sla": 3,
        "decided_in_sla_share": 0.3,
        "decide_days_n": 10,
        "decide_days_median": 2,
    }
    columns = [c for c in APPLICATIONS.columns if c.name in row]
    published = suppress(row, columns, 5)
    assert published["decided_in_sla"] is None and published["decided_in_sla_share"] is None  # 0.3 × 10 = 3
    assert published["decided"] == 10 and published["decide_days_median"] == 2
    # "decided" withheld as a complement: its share and median go with it.
    row.update(decided_in_sla=8, decided_in_sla_share=0.8)
    assert suppress(row, columns, 5)["decided_in_sla_share"] == 0.8
    withheld = suppress(row, columns, 5, {"decided"})
    assert withheld["decided"] is None and withheld["decided_in_sla_share"] is None
    assert withheld["decide_days_median"] is None
