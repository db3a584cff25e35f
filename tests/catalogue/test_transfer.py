"""A region's catalogue exported and imported as YAML (issue 15, part 6): export then import changes nothing; a
changed file lists its changes (nothing written by the dry run) and its apply publishes, retires and audits in one
transaction; problems come with their paths; all or nothing; a stale basis is refused; a region admin imports into
their own region only; hostile YAML (alias bombs, deep nesting, NUL, bidi controls) is a 4xx, never a 500.

Most tests work in a region of their own, added through admin mode and set up from a file (the way a new regency
starts), and removed at the end.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest_asyncio
import yaml
from litestar import Litestar

from api.catalogue.datafiles import CatalogueData, OwnAgency, Text, check, load
from api.catalogue.datafiles import RegionFile as RegionFileStruct
from tests.support.auth import account_id, bearer
from tests.support.factories import create_national_admin, create_officer, create_region_admin
from tests.support.regions import fresh_region_code, remove_regions
from tests.support.standards import local_content, made_up_word

EXPORT = "/api/v1/admin/catalogue/export"
IMPORT = "/api/v1/admin/catalogue/import"
BANYUMAS = "3302"
HOURS = {d: ["08:00-15:00"] for d in ("mon", "tue", "wed", "thu")} | {"fri": ["08:00-11:00", "13:00-15:00"]}
OWN = {
    "code": "DINAS_UJI",
    "name": {"id": "Dinas Uji Coba", "en": "Trial Office"},
    "shortName": "Dinas Uji",
    "kind": "daerah",
}
REASON = "Penyesuaian katalog dari rapat koordinasi"


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # a value used twice is written twice: the import refuses anchors and aliases


def as_yaml(document: Any) -> bytes:
    return yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False).encode()


async def export(client: httpx.AsyncClient, token: str, region: str | None = None) -> httpx.Response:
    params = {"region": region} if region else {}
    response = await client.get(EXPORT, params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response


async def post(
    client: httpx.AsyncClient,
    token: str,
    body: bytes,
    *,
    region: str | None = None,
    apply: bool = False,
    basis: str | None = None,
    reason: str | None = REASON,
    content_type: str = "application/yaml",
) -> httpx.Response:
    params: dict[str, str] = {"dryRun": "false" if apply else "true"}
    if region:
        params["region"] = region
    if apply and reason is not None:
        params["reason"] = reason
    headers = {**bearer(token), "Content-Type": content_type}
    if basis is not None:
        headers["If-Match"] = f'"{basis}"'
    return await client.post(IMPORT, params=params, content=body, headers=headers)


async def dry_run(client: httpx.AsyncClient, token: str, body: bytes, region: str | None = None) -> dict[str, Any]:
    response = await post(client, token, body, region=region)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert answer["applied"] is False
    return answer


async def apply(client: httpx.AsyncClient, token: str, body: bytes, region: str | None = None) -> dict[str, Any]:
    """Dry run, then apply against its basis; the apply's answer."""
    checked = await dry_run(client, token, body, region)
    assert checked["valid"], checked["problems"]
    response = await post(client, token, body, region=region, apply=True, basis=checked["basis"])
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert answer["applied"] is True and answer["valid"] is True
    return answer


def changes(answer: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(c["kind"], c["action"], c["code"]) for c in answer["changes"]}


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


async def caught_up(app: Litestar, db: asyncpg.Connection) -> None:
    """Until the app serves the catalogue's current version (a reload in flight would answer the next test)."""
    version = await db.fetchval("SELECT version FROM catalogue_version WHERE id = 1")
    deadline = time.monotonic() + 10
    while app.state.catalogue.index.version < version:
        assert time.monotonic() < deadline, "the catalogue's change never reached the app"
        await asyncio.sleep(0.05)


class Region:
    """A region added for one test (an empty MPP building), its admin, and the codes of the file that set it up."""

    def __init__(self, code: str, admin: str, national: str):
        self.code, self.admin, self.national = code, admin, national
        self.words = [made_up_word() for _ in range(4)]
        self.services = [f"uji-{w}" for w in self.words]

    def setup_file(self, hidden: str) -> dict[str, Any]:
        """The region from empty: a national agency kind (its national services inherited, one hidden) and an own
        agency; two counters, one serving a chosen service; three local services, one with a note."""
        a, b, c, _ = self.services
        w = self.words
        return {
            "code": self.code,
            "name": f"Kabupaten Uji {self.code}",
            "nameEn": f"Uji {self.code} Regency",
            "place": f"Uji {self.code}",
            "kind": "kabupaten",
            "province": {"code": "33", "name": "Jawa Tengah"},
            "mpp": {
                "name": f"MPP Kabupaten Uji {self.code}",
                "address": "Jl. Uji No. 1",
                "openingHours": HOURS,
                "counters": [
                    {"number": "A1", "agency": "DISDUKCAPIL"},
                    {"number": "B1", "agency": "DINAS_UJI", "services": [a]},
                ],
            },
            "agencies": ["DISDUKCAPIL", "DINAS_UJI"],
            "ownAgencies": [OWN],
            "localServices": [
                local_content(w[0], code=a, agency="DINAS_UJI"),
                local_content(w[1], code=b),
                local_content(w[2], code=c, agency="DINAS_UJI"),
            ],
            "overlay": {
                "hidden": [hidden],
                "notes": {b: {"id": "Bawa fotokopi KK.", "en": "Bring a copy of the KK."}},
            },
        }


@pytest_asyncio.fixture(loop_scope="session")
async def region(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> AsyncIterator[Region]:
    national = await create_national_admin(db, app)
    code = await fresh_region_code(db)
    body = {
        "code": code,
        "name": f"Kabupaten Uji {code}",
        "nameEn": f"Uji {code} Regency",
        "place": f"Uji {code}",
        "kind": "kabupaten",
        "provinceCode": "33",
        "provinceName": "Jawa Tengah",
        "mpp": {"name": f"MPP Kabupaten Uji {code}", "address": "Jl. Uji No. 1", "openingHours": HOURS},
    }
    created = await client.post("/api/v1/admin/regions", json=body, headers=bearer(national))
    assert created.status_code == 201, created.text
    try:
        yield Region(code, await create_region_admin(db, app, region=code), national)
    finally:
        async with db.transaction():
            # Published versions are append-only (a trigger refuses DELETE); a test's region goes with its history.
            await db.execute("SET LOCAL session_replication_role = replica")
            await db.execute("DELETE FROM catalogue_service_version WHERE region = $1", code)
        await remove_regions(db, [code])
        await caught_up(app, db)


async def national_code(db: asyncpg.Connection, agency: str = "DISDUKCAPIL") -> str:
    code: str = await db.fetchval(
        "SELECT code FROM catalogue_service_version WHERE region IS NULL AND content->>'agency' = $1 "
        "ORDER BY code LIMIT 1",
        agency,
    )
    return code


async def set_up(client: httpx.AsyncClient, db: asyncpg.Connection, region: Region) -> dict[str, Any]:
    return await apply(client, region.admin, as_yaml(region.setup_file(await national_code(db))))


async def state(db: asyncpg.Connection, region: str) -> dict[str, Any]:
    """What a dry run must leave as it was: every catalogue row of the region and its audit trail."""
    return {
        "services": [
            dict(r)
            for r in await db.fetch(
                "SELECT code, version, revision, hidden, retired_at, local_note_id, fee FROM catalogue_service "
                "WHERE region = $1 ORDER BY code",
                region,
            )
        ],
        "versions": await db.fetchval("SELECT count(*) FROM catalogue_service_version WHERE region = $1", region),
        "agencies": [
            dict(r)
            for r in await db.fetch(
                "SELECT code, revision, retired_at FROM catalogue_agency WHERE region = $1 ORDER BY code", region
            )
        ],
        "counters": [
            dict(r)
            for r in await db.fetch(
                "SELECT c.number, c.revision, c.retired_at FROM catalogue_counter c "
                "JOIN catalogue_mpp m ON m.id = c.mpp WHERE m.region = $1 ORDER BY c.number",
                region,
            )
        ],
        "mpp": dict(
            await db.fetchrow("SELECT name, revision, opening_hours FROM catalogue_mpp WHERE region = $1", region)
        ),
        "audit": await db.fetchval(
            "SELECT count(*) FROM audit_event WHERE detail->>'region' = $1 OR detail->>'scope' = $1", region
        ),
    }


# ----------------------------------------------------------------------------------------------- round trip


async def test_an_export_imported_unchanged_changes_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    admin = await create_region_admin(db, app, region=BANYUMAS)
    exported = await export(client, admin)
    assert exported.headers["content-type"].startswith("application/yaml")
    disposition = exported.headers["content-disposition"]
    assert re.fullmatch(r'attachment; filename="katalog-3302-\d{4}-\d{2}-\d{2}\.yaml"', disposition), disposition
    document = yaml.safe_load(exported.content)
    # The data files' format: the demo's own file for Banyumas decodes it, and says the same things.
    shipped = next(r for r in load().regions if r.code == BANYUMAS)
    assert set(document["agencies"]) == set(shipped.agencies)
    assert [c["number"] for c in document["mpp"]["counters"]][:3] == ["A1", "A2", "A3"]
    shipped_codes = {s.code for s in shipped.local_services}
    assert shipped_codes <= {s["code"] for s in document["localServices"]}

    before = await state(db, BANYUMAS)
    answer = await dry_run(client, admin, exported.content)
    assert answer == {"valid": True, "applied": False, "basis": answer["basis"], "problems": [], "changes": []}
    assert exported.headers["etag"] == f'"{answer["basis"]}"'
    assert await state(db, BANYUMAS) == before


async def test_a_new_region_is_set_up_from_a_file(
    client: httpx.AsyncClient, db: asyncpg.Connection, region: Region
) -> None:
    hidden = await national_code(db)
    a, b, c, _ = region.services
    answer = await set_up(client, db, region)
    # The building was made with the region (the same name, address and hours): nothing to change there.
    assert changes(answer) == {
        ("agency", "add", "DISDUKCAPIL"),
        ("agency", "add", "DINAS_UJI"),
        ("service", "add", a),
        ("service", "add", b),
        ("service", "add", c),
        ("overlay", "change", hidden),
        ("overlay", "change", b),
        ("counter", "add", "A1"),
        ("counter", "add", "B1"),
    }
    assert {ch["code"]: ch.get("version") for ch in answer["changes"] if ch["kind"] == "service"} == {a: 1, b: 1, c: 1}

    building = (await client.get("/api/v1/admin/building", headers=bearer(region.admin))).json()
    assert {x["code"] for x in building["agencies"] if not x["retired"]} == {"DISDUKCAPIL", "DINAS_UJI"}
    counters = {x["number"]: x for x in building["counters"]}
    assert counters["B1"]["agency"]["code"] == "DINAS_UJI"
    assert [s["name"] for s in counters["B1"]["services"]] == [f"Layanan {region.words[0].capitalize()} Uji"]
    assert counters["A1"]["services"] == []
    assert building["mpp"]["openingHours"]["fri"] == ["08:00-11:00", "13:00-15:00"]
    # The national kind brought its national services; the one the file hides is hidden.
    inherited = await db.fetchval("SELECT count(*) FROM catalogue_service WHERE region = $1 AND national", region.code)
    assert inherited > 1
    assert await db.fetchval(
        "SELECT hidden AND NOT active FROM catalogue_service WHERE region = $1 AND code = $2", region.code, hidden
    )
    versions = await db.fetch(
        "SELECT code, version, reason, author FROM catalogue_service_version WHERE region = $1", region.code
    )
    assert {(v["code"], v["version"], v["reason"]) for v in versions} == {(s, 1, REASON) for s in (a, b, c)}
    assert {v["author"] for v in versions} == {account_id({"accessToken": region.admin})}

    # The region as set up, exported and imported again: nothing to change (own agency, counter services, overlay).
    again = await dry_run(client, region.admin, (await export(client, region.admin)).content)
    assert again["valid"] and again["changes"] == [], again


async def test_a_changed_file_lists_its_changes_and_applies_them(
    client: httpx.AsyncClient, db: asyncpg.Connection, region: Region
) -> None:
    await set_up(client, db, region)
    a, b, c, d = region.services
    document = yaml.safe_load((await export(client, region.admin)).content)
    services = {s["code"]: s for s in document["localServices"]}
    services[b]["fee"] = 25_000
    del services[c]
    services[d] = local_content(region.words[3], code=d, agency="DINAS_UJI")
    document["localServices"] = list(services.values())
    body = as_yaml(document)

    before = await state(db, region.code)
    checked = await dry_run(client, region.admin, body)
    assert checked["valid"] and checked["problems"] == []
    listed = {(ch["kind"], ch["action"], ch["code"]): ch for ch in checked["changes"]}
    assert set(listed) == {("service", "add", d), ("service", "change", b), ("service", "retire", c)}
    assert listed[("service", "change", b)]["fields"] == ["fee"]
    assert all("version" not in ch for ch in checked["changes"])
    assert await state(db, region.code) == before, "a dry run writes nothing"

    applied = await post(client, region.admin, body, apply=True, basis=checked["basis"])
    assert applied.status_code == 200, applied.text
    versions = {ch["code"]: ch.get("version") for ch in applied.json()["changes"]}
    assert versions == {d: 1, b: 2, c: None}
    rows = {
        r["code"]: r
        for r in await db.fetch(
            "SELECT code, version, fee, retired_at, active FROM catalogue_service WHERE region = $1", region.code
        )
    }
    assert rows[b]["version"] == 2 and rows[b]["fee"] == 25_000
    assert rows[d]["version"] == 1 and rows[d]["active"]
    assert rows[c]["retired_at"] is not None and not rows[c]["active"], "a dropped service is retired, not deleted"
    assert rows[a]["version"] == 1, "an unchanged service keeps its version"
    second = await db.fetchrow(
        "SELECT reason, author_name FROM catalogue_service_version WHERE region = $1 AND code = $2 AND version = 2",
        region.code,
        b,
    )
    assert second["reason"] == REASON
    events = await db.fetch(
        "SELECT action, detail FROM audit_event WHERE actor = $1 AND at > now() - interval '1 minute' "
        "AND (detail->>'scope' = $2 OR detail->>'region' = $2)",
        account_id({"accessToken": region.admin}),
        region.code,
    )
    by_action = [(e["action"], json.loads(e["detail"]).get("code")) for e in events]
    assert ("standard.published", b) in by_action and ("standard.published", d) in by_action
    assert ("standard.retired", c) in by_action
    imported = [json.loads(e["detail"]) for e in events if e["action"] == "catalogue.imported"]
    assert imported[-1]["reason"] == REASON and len(imported[-1]["changes"]) == 3
    # What was applied is what the catalogue is now: the same file again changes nothing.
    assert (await dry_run(client, region.admin, body))["changes"] == []


async def test_every_part_of_a_region_changes_through_a_file(
    client: httpx.AsyncClient, db: asyncpg.Connection, region: Region
) -> None:
    """Agencies renamed, counters added, changed and retired, a hidden service shown again, notes moved, a retired
    service brought back: each listed, applied, and the export afterwards says exactly what the file said."""
    hidden = await national_code(db)
    await set_up(client, db, region)
    a, b, c, _ = region.services
    other = await db.fetchval(
        "SELECT code FROM catalogue_service WHERE region = $1 AND national AND code <> $2 ORDER BY code LIMIT 1",
        region.code,
        hidden,
    )
    document = yaml.safe_load((await export(client, region.admin)).content)
    document["ownAgencies"][0]["name"]["en"] = "Office of Trials"
    document["agencyShortNames"] = {"DISDUKCAPIL": "Dukcapil"}
    document["mpp"]["counters"] = [
        {"number": "A1", "agency": "DISDUKCAPIL", "services": [other]},
        {"number": "C1", "agency": "DINAS_UJI", "services": [a, c]},
    ]
    document["overlay"] = {"notes": {other: {"id": "Antre di loket A1.", "en": "Queue at counter A1."}}}
    document["localServices"] = [s for s in document["localServices"] if s["code"] != c] + [
        next(s for s in document["localServices"] if s["code"] == c)
    ]
    answer = await apply(client, region.admin, as_yaml(document))
    listed = {(ch["kind"], ch["action"], ch["code"]): ch["fields"] for ch in answer["changes"]}
    assert listed == {
        ("agency", "change", "DINAS_UJI"): ["name.en"],
        ("agency", "change", "DISDUKCAPIL"): ["shortName"],
        ("overlay", "change", hidden): ["hidden"],
        ("overlay", "change", other): ["localNote"],
        ("overlay", "change", b): ["localNote"],
        ("counter", "change", "A1"): ["services"],
        ("counter", "add", "C1"): [],
        ("counter", "retire", "B1"): [],
    }
    assert await db.fetchval(
        "SELECT active FROM catalogue_service WHERE region = $1 AND code = $2", region.code, hidden
    ), "shown again"
    exported = yaml.safe_load((await export(client, region.admin)).content)
    assert exported["agencyShortNames"] == {"DISDUKCAPIL": "Dukcapil"}
    assert exported["ownAgencies"][0]["name"]["en"] == "Office of Trials"
    assert exported["overlay"] == document["overlay"]
    assert exported["mpp"]["counters"] == [
        {"number": "A1", "agency": "DISDUKCAPIL", "services": [other]},
        {"number": "C1", "agency": "DINAS_UJI", "services": sorted([a, c])},
    ]

    # A service left out is retired; put back in the file, it returns (reinstated, with its content unchanged).
    without = {**exported, "localServices": [s for s in exported["localServices"] if s["code"] != c]}
    without["mpp"] = {**exported["mpp"], "counters": exported["mpp"]["counters"][:1]}
    assert changes(await apply(client, region.admin, as_yaml(without))) == {
        ("service", "retire", c),
        ("counter", "retire", "C1"),
    }
    back = await apply(client, region.admin, as_yaml(exported))
    assert [(ch["kind"], ch["action"], ch["code"], ch["fields"]) for ch in back["changes"]] == [
        ("service", "add", c, ["reinstated"]),
        ("counter", "add", "C1", []),
    ]
    assert await db.fetchval(
        "SELECT (active, version) FROM catalogue_service WHERE region = $1 AND code = $2", region.code, c
    ) == (True, 1)


async def test_problems_are_listed_with_their_paths_and_nothing_is_applied(
    client: httpx.AsyncClient, db: asyncpg.Connection, region: Region
) -> None:
    await set_up(client, db, region)
    document = yaml.safe_load((await export(client, region.admin)).content)
    document["localServices"][0]["requirements"][0]["type"] = "NO_SUCH_DOCUMENT"
    document["localServices"][1]["fee"] = "gratis"
    document["localServices"][2]["unknownKey"] = True
    document["agencies"].append("NO_SUCH_AGENCY")
    document["mpp"]["openingHours"]["fri"] = ["13:00-15:00", "08:00-11:00"]
    document["mpp"]["phone"] = "0281 6250 0011 2233 4455 6677 8"  # a phone number's shape, longer than 30
    document["mpp"]["counters"].append({"number": "C1", "agency": "DISHUB"})
    document["mpp"]["counters"][1]["services"] = ["no-such-service"]
    body = as_yaml(document)
    before = await state(db, region.code)

    checked = await dry_run(client, region.admin, body)
    assert checked["valid"] is False and checked["changes"] == []
    found = {p["field"] for p in checked["problems"]}
    assert {
        "localServices[0].requirements[0].type",
        "localServices[1].fee",
        "localServices[2].unknownKey",
        "agencies[2]",
        "mpp.openingHours.fri[1]",
        "mpp.phone",
        "mpp.counters[2].agency",
        "mpp.counters[1].services[0]",
    } <= found, checked["problems"]
    assert all(p["detail"] and p["message"] == p["detail"] for p in checked["problems"])

    refused = await post(client, region.admin, body, apply=True, basis=checked["basis"])
    body_ = problem(refused, 422, "invalid_catalogue")
    assert {e["field"] for e in body_["errors"]} == found
    assert await state(db, region.code) == before


async def test_an_apply_is_all_or_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, region: Region
) -> None:
    """The last change fails (an agency leaving the building gained staff after the dry run): the changes made
    before it in the same apply — the building, a published service, a retired one — are undone with it."""
    first = region.setup_file(await national_code(db))
    first["agencies"].append("DINAS_LAIN")
    first["ownAgencies"].append({**OWN, "code": "DINAS_LAIN", "shortName": "Dinas Lain"})
    await apply(client, region.admin, as_yaml(first))
    c, d = region.services[2:]
    document = yaml.safe_load((await export(client, region.admin)).content)
    document["mpp"]["name"] = "MPP Baru"
    document["localServices"] = [s for s in document["localServices"] if s["code"] != c]
    document["localServices"].append(local_content(region.words[3], code=d, agency="DINAS_UJI"))
    document["agencies"].remove("DINAS_LAIN")
    document["ownAgencies"] = [o for o in document["ownAgencies"] if o["code"] != "DINAS_LAIN"]
    body = as_yaml(document)
    checked = await dry_run(client, region.admin, body)
    assert checked["valid"], checked["problems"]
    assert checked["changes"][-1] == {
        "kind": "agency",
        "action": "retire",
        "code": "DINAS_LAIN",
        "name": "Dinas Uji Coba",
        "fields": [],
    }

    await create_officer(db, app, agency="DINAS_LAIN", region=region.code)
    before = await state(db, region.code)
    refused = await post(client, region.admin, body, apply=True, basis=checked["basis"])
    errors = problem(refused, 422, "invalid_catalogue")["errors"]
    assert errors == [{"field": "agencies", "message": errors[0]["message"]}]
    assert "staff" in errors[0]["message"]
    assert await state(db, region.code) == before
    assert (
        await db.fetchval("SELECT count(*) FROM catalogue_service WHERE region = $1 AND code = $2", region.code, d) == 0
    )
    # A dry run now says so too, at the same place.
    again = await dry_run(client, region.admin, body)
    assert again["valid"] is False and [p["field"] for p in again["problems"]] == ["agencies"]


async def test_an_apply_needs_the_dry_runs_basis_and_a_reason(
    client: httpx.AsyncClient, db: asyncpg.Connection, region: Region
) -> None:
    await set_up(client, db, region)
    document = yaml.safe_load((await export(client, region.admin)).content)
    document["mpp"]["address"] = "Jl. Baru No. 2"
    body = as_yaml(document)
    checked = await dry_run(client, region.admin, body)
    assert changes(checked) == {("building", "change", region.code)}

    problem(await post(client, region.admin, body, apply=True), 428, "precondition_required")
    no_reason = await post(client, region.admin, body, apply=True, basis=checked["basis"], reason=None)
    assert [e["field"] for e in problem(no_reason, 422, "invalid_catalogue")["errors"]] == ["reason"]
    problem(await post(client, region.admin, body, apply=True, basis="0" * 32), 409, "catalogue_changed")

    # Another admin changes the region's catalogue after the dry run: the apply is refused, nothing overwritten.
    building = await client.get("/api/v1/admin/building", headers=bearer(region.admin))
    mpp = building.json()["mpp"]
    changed = await client.put(
        f"/api/v1/admin/mpp/{mpp['id']}",
        json={"name": mpp["name"], "address": "Jl. Lain No. 3", "openingHours": HOURS, "phone": "0281 123456"},
        headers={**bearer(region.national), "If-Match": building.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    problem(await post(client, region.admin, body, apply=True, basis=checked["basis"]), 409, "catalogue_changed")
    assert await db.fetchval("SELECT address FROM catalogue_mpp WHERE region = $1", region.code) == "Jl. Lain No. 3"
    # Checked again, it applies.
    applied = await apply(client, region.admin, body)
    assert changes(applied) == {("building", "change", region.code)}
    assert await db.fetchval("SELECT address FROM catalogue_mpp WHERE region = $1", region.code) == "Jl. Baru No. 2"


async def test_a_region_admin_imports_only_into_their_region(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    admin = await create_region_admin(db, app, region=BANYUMAS)
    national = await create_national_admin(db, app)
    document = yaml.safe_load((await export(client, national, region="3510")).content)
    body = as_yaml(document)
    problem(await post(client, admin, body), 422, "region_mismatch")
    problem(await post(client, admin, body, region="3510"), 404, "not_found")
    problem(await client.get(EXPORT, params={"region": "3510"}, headers=bearer(admin)), 404, "not_found")
    # A national admin names the region, and the file must be that region's.
    problem(await post(client, national, body), 400, "invalid_request")
    problem(await post(client, national, body, region=BANYUMAS), 422, "region_mismatch")
    assert (await dry_run(client, national, body, region="3510"))["changes"] == []
    problem(await post(client, national, body, region="9999"), 404, "not_found")


# --------------------------------------------------------------------------------------------- hostile input

BOMB = b"""a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


async def test_hostile_yaml_is_refused_never_a_500(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    admin = await create_region_admin(db, app, region=BANYUMAS)
    good = (await export(client, admin)).content
    before = await state(db, BANYUMAS)
    block_deep = "".join(f"{'  ' * i}k{i}:\n" for i in range(60)).encode() + b"  " * 60 + b"v\n"
    cases: dict[str, tuple[bytes, str, int, str]] = {
        "alias bomb": (BOMB, "application/yaml", 422, "yaml_alias"),
        "one anchor": (b"code: &c '3302'\nname: *c\n", "application/yaml", 422, "yaml_alias"),
        "deep flow": (b"a: " + b"[" * 200 + b"]" * 200, "application/yaml", 400, "too_deep"),
        "deep blocks": (block_deep, "application/yaml", 400, "too_deep"),
        "raw NUL": (good.replace(b"name: Kabupaten", b"name: Kab\x00upaten", 1), "text/plain", 422, "invalid_yaml"),
        "escaped NUL": (good + b'\nplace: "Banyu\\0mas"\n', "application/yaml", 422, "invalid_text"),
        "bidi": (
            good.replace(b"Banyumas Regency", "Banyumas \u202eRegency".encode(), 1),
            "application/yaml",
            422,
            "invalid_text",
        ),
        "escaped bidi": (good + b'\nnameEn: "Banyumas \\u202eRegency"\n', "application/yaml", 422, "invalid_text"),
        "not UTF-8": (b"code: '3302'\nname: \xff\xfe\n", "application/yaml", 400, "invalid_encoding"),
        "python tag": (b"code: !!python/object/apply:os.system ['true']\n", "application/yaml", 422, "invalid_yaml"),
        "null key": (b"? null\n: 1\ncode: '3302'\n", "application/yaml", 422, "invalid_yaml"),
        "two documents": (good + b"\n---\ncode: '3302'\n", "application/yaml", 422, "invalid_yaml"),
        "not YAML": (b"code: [unclosed\n", "application/yaml", 422, "invalid_yaml"),
        "empty": (b"", "application/yaml", 422, "invalid_yaml"),
        "an image": (b"GIF89a", "image/gif", 415, "unsupported_media_type"),
        "too large": (b"# " + b"x" * (2 * 1024 * 1024) + b"\n", "application/yaml", 413, "too_large"),
    }
    for name, (body, content_type, status, code) in cases.items():
        for applying in (False, True):
            response = await post(client, admin, body, apply=applying, basis="0" * 32, content_type=content_type)
            assert response.status_code == status, f"{name}: {response.status_code} {response.text[:200]}"
            if status != 413:  # an early 413 is Litestar's own
                assert response.json()["code"] == code, f"{name}: {response.text[:200]}"
    # A text that is not a catalogue is a problem of the file, not an error.
    for body in (b"just words\n", b"- 1\n- 2\n", b"{}\n"):
        answer = await dry_run(client, admin, body)
        assert answer["valid"] is False and answer["problems"], answer
    assert await state(db, BANYUMAS) == before


def test_the_seed_refuses_what_only_an_import_reads() -> None:
    """The new parts of the format are for the import: a data file using them would be loaded without them."""
    data = load()
    region = next(r for r in data.regions if r.code == BANYUMAS)
    own = OwnAgency(code="DINAS_UJI", name=Text(id="Dinas Uji", en="Trial Office"), short_name="Uji", kind="daerah")
    changed = RegionFileStruct(**{**{f: getattr(region, f) for f in region.__struct_fields__}, "own_agencies": [own]})
    others = [r for r in data.regions if r.code != BANYUMAS]
    found = list(check(CatalogueData(data.document_types, data.agencies, data.services, [*others, changed])))
    assert any("ownAgencies" in p and "seed does not load" in p for p in found), found
