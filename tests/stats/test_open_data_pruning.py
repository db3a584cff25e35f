"""The open data's kept releases and its licence: ``open_data_store.save(…, keep=N)`` keeps the newest N releases
and their files and deletes the rest, and ``/open-data/…`` then serves the newest (and each kept one at its own
version's folder, the pruned ones no more); the package's licence is the Open Definition id a Frictionless package
names (``CC-BY-4.0``), which Frictionless' CKAN mapper hands to ``package_create`` as ``license_id``, and which a
CKAN portal with the Open Definition register accepts (tests/fakes/ckan.py refuses an id its register lacks).

The releases of the session's database are put back as they were afterwards: other tests read the latest one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest_asyncio
from frictionless_ckan_mapper import frictionless_to_ckan
from litestar import Litestar

from api.config import OpenDataSettings
from api.stats import open_data, open_data_store
from api.stats.open_data import File, Release
from tests.fakes.ckan import CkanProcess

# Far ahead of any release the daily job makes, so that these are the newest while the test runs.
VERSIONS = ["2999-01-01", "2999-01-02", "2999-01-03", "2999-01-04"]


def release(version: str) -> Release:
    """A release whose every file says which version it is (a real package descriptor around them)."""
    files = [File(t.name, f"version\r\n{version}\r\n".encode(), 1) for t in open_data.TABLES]
    created = dt.datetime(2026, 12, 5, 2, 0, tzinfo=dt.UTC)
    return Release(version, open_data.datapackage(version, files, OpenDataSettings(), created), files)


@pytest_asyncio.fixture(loop_scope="session")
async def kept_as_before(app: Litestar, db: asyncpg.Connection) -> AsyncIterator[None]:
    """The releases stored before the test, stored again after it (the test's own removed)."""
    releases = await db.fetch(
        "SELECT version, created_at, datapackage::text AS datapackage FROM stats_open_data_release"
    )
    files = await db.fetch("SELECT version, name, content, sha256, bytes, rows FROM stats_open_data_file")
    try:
        yield
    finally:
        async with db.transaction():
            await db.execute("DELETE FROM stats_open_data_release")
            await db.executemany(
                "INSERT INTO stats_open_data_release (version, created_at, datapackage) VALUES ($1, $2, $3::jsonb)",
                [tuple(r) for r in releases],
            )
            await db.executemany(
                "INSERT INTO stats_open_data_file (version, name, content, sha256, bytes, rows) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                [tuple(r) for r in files],
            )


async def test_saving_keeps_the_newest_releases_and_their_files_and_the_routes_serve_the_newest(
    client: httpx.AsyncClient, db: asyncpg.Connection, kept_as_before: None
) -> None:
    for version in VERSIONS:
        assert await open_data_store.save(db, release(version), keep=3)
    kept = VERSIONS[1:]
    assert await open_data_store.versions(db) == kept  # the oldest of ours, and every older one, deleted
    stored_files = await db.fetch("SELECT version, count(*) AS n FROM stats_open_data_file GROUP BY 1 ORDER BY 1")
    assert [(r["version"], r["n"]) for r in stored_files] == [(v, len(open_data.TABLES)) for v in kept]
    # A version already stored is not written again (the first writer wins), and prunes nothing.
    assert not await open_data_store.save(db, release(kept[0]), keep=1)
    assert await open_data_store.versions(db) == kept
    # A release older than every kept one is pruned as it is saved.
    assert await open_data_store.save(db, release("2998-12-31"), keep=3)
    assert await open_data_store.versions(db) == kept

    newest = kept[-1]
    package = await client.get("/open-data/datapackage.json")
    assert package.status_code == 200, package.text
    assert package.json()["version"] == newest
    assert {r["path"] for r in package.json()["resources"]} == {f"{newest}/{t.name}.csv" for t in open_data.TABLES}
    latest = await client.get("/open-data/applications.csv")
    assert latest.status_code == 200 and latest.text == f"version\r\n{newest}\r\n"
    older = await client.get(f"/open-data/{kept[0]}/applications.csv")
    assert older.status_code == 200 and older.text == f"version\r\n{kept[0]}\r\n"
    assert (await client.get(f"/open-data/{kept[0]}/datapackage.json")).json()["version"] == kept[0]
    for pruned in (VERSIONS[0], "2998-12-31"):
        for path in (f"/open-data/{pruned}/datapackage.json", f"/open-data/{pruned}/applications.csv"):
            gone = await client.get(path)
            assert gone.status_code == 404, path
            assert gone.headers["content-type"].startswith("application/problem+json")


def test_the_licence_is_the_open_definition_id_with_its_title_and_url() -> None:
    package = release(VERSIONS[0]).datapackage
    assert package["licenses"] == [
        {
            "name": "CC-BY-4.0",
            "title": "Creative Commons Attribution 4.0",
            "path": "https://creativecommons.org/licenses/by/4.0/",
        }
    ]
    # What Frictionless' CKAN adapter sends to package_create (frictionless_ckan_mapper).
    dataset = frictionless_to_ckan.package(package)
    assert (dataset["license_id"], dataset["license_title"], dataset["license_url"]) == (
        "CC-BY-4.0",
        "Creative Commons Attribution 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    )
    assert "licenses" not in dataset and all(e["key"] != "licenses" for e in dataset.get("extras", []))


def _create(url: str, api_key: str, organization: str, license_id: str) -> httpx.Response:
    return httpx.post(
        f"{url}/api/3/action/package_create",
        json={
            "name": "lisensi-" + license_id.lower().replace(".", "-"),
            "owner_org": organization,
            "license_id": license_id,
        },
        headers={"Authorization": api_key},
    )


def _portal_answers() -> dict[str, Any]:
    with CkanProcess() as ckan:
        return {
            license_id: _create(ckan.url, ckan.api_key, ckan.organization, license_id)
            for license_id in ("CC-BY-4.0", "cc-by", "CC-BY-4")
        }


async def test_the_portal_accepts_the_licence_id_and_refuses_one_its_register_lacks() -> None:
    answers = await asyncio.to_thread(_portal_answers)
    assert answers["CC-BY-4.0"].status_code == 200, answers["CC-BY-4.0"].text  # the Open Definition register's
    assert answers["CC-BY-4.0"].json()["result"]["license_id"] == "CC-BY-4.0"
    assert answers["cc-by"].status_code == 200  # CKAN's default register's (unversioned CC-BY)
    refused = answers["CC-BY-4"]
    assert refused.status_code == 409 and "license_id" in refused.json()["error"], refused.text
