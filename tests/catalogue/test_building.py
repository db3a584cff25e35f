"""Admin mode's building (issue 15, part 2): a national admin adds a region with its empty MPP building; its admin
sets up the building's details and opening hours, agencies (a national kind brings its national services),
counters and the services each serves, and closure days; the public region detail shows only what is live.

Each rule has its test: scope on the object (another region's building, agency, counter or closure day is 404 to a
region admin; a national admin acts everywhere; only a national admin adds regions), field-level validation,
If-Match (428 without, 412 stale, two admins racing: one wins), retiring refused while in use, and the audit trail.
Regions added here are removed at the end of each test (tests/support/regions.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest_asyncio
from litestar import Litestar

from api.catalogue.building import region_today
from tests.support.auth import account_id, bearer
from tests.support.factories import create_national_admin, create_officer, create_region_admin
from tests.support.regions import fresh_region_code, remove_regions

BANYUMAS = "3302"
HOURS = {d: ["08:00-15:00"] for d in ("mon", "tue", "wed", "thu")} | {"fri": ["08:00-11:00", "13:00-15:00"]}


def region_body(code: str, **changes: Any) -> dict[str, Any]:
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
    return body | changes


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def fields(response: httpx.Response) -> dict[str, str]:
    body = problem(response, 422, "invalid_building")
    return {e["field"]: e["message"] for e in body["errors"]}


def etag(response: httpx.Response) -> dict[str, str]:
    return {"If-Match": response.headers["ETag"]}


async def caught_up(app: Litestar, db: asyncpg.Connection) -> None:
    """Until the app serves the catalogue's current version: public answers are cached per catalogue version, and
    each API process moves to a new version moments after a change (``CatalogueRuntime``, woken by NOTIFY)."""
    version = await db.fetchval("SELECT version FROM catalogue_version WHERE id = 1")
    deadline = time.monotonic() + 10
    while app.state.catalogue.index.version < version:
        assert time.monotonic() < deadline, "the catalogue's change never reached the app"
        await asyncio.sleep(0.05)


class Region:
    """A region added for one test, with its admin."""

    def __init__(self, code: str, admin: str, national: str):
        self.code, self.admin, self.national = code, admin, national


@pytest_asyncio.fixture(loop_scope="session")
async def national(db: asyncpg.Connection, app: Litestar) -> str:
    return await create_national_admin(db, app)


@pytest_asyncio.fixture(loop_scope="session")
async def region(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, national: str
) -> AsyncIterator[Region]:
    code = await fresh_region_code(db)
    created = await client.post("/api/v1/admin/regions", json=region_body(code), headers=bearer(national))
    assert created.status_code == 201, created.text
    try:
        yield Region(code, await create_region_admin(db, app, region=code), national)
    finally:
        await remove_regions(db, [code])
        # Leave no catalogue reload in flight for the next test (it would see this change, not its own, first).
        await caught_up(app, db)


async def building(client: httpx.AsyncClient, token: str, region: str | None = None) -> httpx.Response:
    params = {"region": region} if region else {}
    return await client.get("/api/v1/admin/building", params=params, headers=bearer(token))


async def add_agency(client: httpx.AsyncClient, token: str, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/admin/agencies", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    added: dict[str, Any] = response.json()
    return added


OWN_AGENCY = {
    "code": "DINAS_UJI",
    "name": {"id": "Dinas Uji Coba", "en": "Trial Office"},
    "shortName": "Dinas Uji",
    "kind": "daerah",
}


# ------------------------------------------------------------------------------------------------ regions


async def test_a_national_admin_adds_a_region_with_its_empty_building(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, national: str
) -> None:
    code = await fresh_region_code(db)
    try:
        created = await client.post("/api/v1/admin/regions", json=region_body(code), headers=bearer(national))
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["region"] == {"code": code, "name": f"Kabupaten Uji {code}"}
        assert body["mpp"]["openingHours"]["fri"] == ["08:00-11:00", "13:00-15:00"]
        assert body["mpp"]["openingHours"]["sat"] == [] and body["mpp"]["revision"] == 1
        assert body["agencies"] == [] and body["counters"] == [] and body["closures"] == []
        # Public at once: in the list of regions and with its own detail.
        await caught_up(app, db)
        listed = (await client.get("/api/v1/regions")).json()["items"]
        assert code in {r["code"] for r in listed}
        detail = (await client.get(f"/api/v1/regions/{code}")).json()
        assert detail["mpp"]["name"] == f"MPP Kabupaten Uji {code}" and detail["mpp"]["counters"] == []
        # Twice: 409; audited once, with the actor.
        again = await client.post("/api/v1/admin/regions", json=region_body(code), headers=bearer(national))
        problem(again, 409, "code_taken")
        events = await db.fetch(
            "SELECT actor FROM audit_event WHERE action = 'region.created' AND detail->>'region' = $1", code
        )
        assert len(events) == 1 and events[0]["actor"] is not None
    finally:
        await remove_regions(db, [code])
        await caught_up(app, db)


async def test_region_checks_are_those_of_the_data_files(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, national: str
) -> None:
    code = await fresh_region_code(db)
    post = "/api/v1/admin/regions"
    refused = await client.post(
        post,
        json=region_body(
            "3540",
            name="Banyumas",
            mpp={"name": " ", "address": "Jl. A", "openingHours": {"mon": ["15:00-08:00"], "fri": ["8-11"]}},
        ),
        headers=bearer(national),
    )
    assert fields(refused) == {
        "code": "must start with the province code",
        "name": "must start with 'Kabupaten '",
        "mpp.name": "is required",
        "mpp.openingHours.mon[0]": "must start before it ends",
        "mpp.openingHours.fri[0]": "must be a time range HH:MM-HH:MM",
    }
    kota = await client.post(post, json=region_body(code, kind="kota"), headers=bearer(national))
    assert fields(kota) == {"name": "must start with 'Kota '"}
    assert not await db.fetchval("SELECT EXISTS (SELECT 1 FROM catalogue_region WHERE code = $1)", code)
    # A region admin may not add regions at all.
    region_admin = await create_region_admin(db, app, region=BANYUMAS)
    problem(await client.post(post, json=region_body(code), headers=bearer(region_admin)), 403, "forbidden")


# ------------------------------------------------------------------------------------------------ the building


async def test_the_building_is_read_in_the_admins_region_only(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, national: str
) -> None:
    admin = await create_region_admin(db, app, region=BANYUMAS)
    mine = await building(client, admin)
    assert mine.status_code == 200 and mine.headers["ETag"] == f'"{mine.json()["mpp"]["revision"]}"'
    body = mine.json()
    assert body["region"]["code"] == BANYUMAS
    disdukcapil = next(a for a in body["agencies"] if a["code"] == "DISDUKCAPIL")
    assert disdukcapil["services"] > 5 and disdukcapil["counters"] >= 3 and not disdukcapil["retired"]
    assert {"A1", "A2", "A10"} <= {c["number"] for c in body["counters"]}
    numbers = [c["number"] for c in body["counters"]]
    assert numbers.index("A2") < numbers.index("A10")  # in the order people read them
    assert all(c["services"] == [] for c in body["counters"])  # the demo's counters serve all of their agency's
    # Its own region by name is the same; another region is 404, as if it did not exist.
    assert (await building(client, admin, BANYUMAS)).json() == body
    problem(await building(client, admin, "3510"), 404, "not_found")
    # A national admin names the region (no region: a field problem), any region.
    assert fields(await building(client, national)) == {"region": "is required"}
    assert (await building(client, national, "3510")).json()["region"]["code"] == "3510"
    problem(await building(client, national, "3399"), 404, "not_found")


async def test_opening_hours_are_checked_range_by_range(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, region: Region
) -> None:
    read = await building(client, region.admin)
    url = f"/api/v1/admin/mpp/{read.json()['mpp']['id']}"
    body = {
        "name": "MPP Uji",
        "address": "Jl. Uji No. 2",
        "phone": "0281 123456",
        "latitude": -7.4,
        "longitude": 109.2,
        "openingHours": {
            "mon": ["08:00-12:00", "11:00-15:00"],
            "tue": ["24:00-25:00"],
            "fri": ["08:00-11:00", "13:00-12:00"],
            "sat": ["08:00-12:00"],
        },
    }
    refused = await client.put(
        url, json=body | {"latitude": 40.0, "phone": "call us"}, headers={**bearer(region.admin), **etag(read)}
    )
    assert fields(refused) == {
        "openingHours.mon[1]": "must start after the previous range ends",
        "openingHours.tue[0]": "must be a time range HH:MM-HH:MM",
        "openingHours.fri[1]": "must start before it ends",
        "latitude": "is outside Indonesia",
        "phone": "is not a phone number",
    }
    body["openingHours"] = {"fri": ["08:00-11:00", "13:00-15:00"], "sat": ["08:00-12:00"]}
    saved = await client.put(url, json=body, headers={**bearer(region.admin), **etag(read)})
    assert saved.status_code == 200, saved.text
    assert saved.json()["openingHours"]["fri"] == ["08:00-11:00", "13:00-15:00"]
    assert saved.json()["openingHours"]["mon"] == [] and saved.headers["ETag"] == '"2"'
    await caught_up(app, db)
    public = (await client.get(f"/api/v1/regions/{region.code}")).json()["mpp"]
    assert public["name"] == "MPP Uji" and public["openingHours"]["sat"] == ["08:00-12:00"]
    assert public["phone"] == "0281 123456"


async def test_every_edit_needs_the_revision_it_read(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, region: Region
) -> None:
    read = await building(client, region.admin)
    mpp = read.json()["mpp"]
    url = f"/api/v1/admin/mpp/{mpp['id']}"
    body = {"name": "MPP A", "address": "Jl. A", "openingHours": HOURS}
    problem(await client.put(url, json=body, headers=bearer(region.admin)), 428, "precondition_required")
    problem(await client.put(url, json=body, headers={**bearer(region.admin), "If-Match": "x"}), 400, "invalid_request")
    # Two admins of the region save at once from the same read: exactly one wins, the other is told.
    second = await create_region_admin(db, app, region=region.code)
    answers = await asyncio.gather(
        *(
            client.put(url, json=body | {"name": f"MPP {who}"}, headers={**bearer(token), **etag(read)})
            for who, token in (("satu", region.admin), ("dua", second))
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 412]
    loser = next(a for a in answers if a.status_code == 412)
    problem(loser, 412, "edit_conflict")
    winner = next(a for a in answers if a.status_code == 200).json()["name"]
    assert (await building(client, region.admin)).json()["mpp"]["name"] == winner
    # The same for agencies and counters: a stale revision changes nothing.
    added = await add_agency(client, region.admin, **OWN_AGENCY)
    url = f"/api/v1/admin/agencies/{added['id']}"
    renamed = await client.patch(
        url, json={"shortName": "Uji Baru"}, headers={**bearer(region.admin), "If-Match": '"1"'}
    )
    assert renamed.status_code == 200 and renamed.json()["revision"] == 2
    stale = await client.patch(url, json={"shortName": "Uji Lama"}, headers={**bearer(second), "If-Match": '"1"'})
    problem(stale, 412, "edit_conflict")
    problem(await client.post(f"{url}/retire", headers=bearer(region.admin)), 428, "precondition_required")
    await caught_up(app, db)
    assert (await client.get(f"/api/v1/regions/{region.code}")).json()["agencies"][0]["shortName"] == "Uji Baru"


# ------------------------------------------------------------------------------------------------ agencies


async def test_a_national_agency_kind_brings_its_national_services(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, region: Region
) -> None:
    kinds = await client.get("/api/v1/admin/agency-kinds", headers=bearer(region.admin))
    assert kinds.status_code == 200
    disdukcapil = next(k for k in kinds.json()["items"] if k["code"] == "DISDUKCAPIL")
    # Names filled in for the region, as the seed fills them.
    assert disdukcapil["name"]["id"] == f"Dinas Kependudukan dan Pencatatan Sipil Kabupaten Uji {region.code}"
    assert disdukcapil["name"]["en"].endswith(f"Uji {region.code} Regency") and not disdukcapil["present"]
    added = await add_agency(client, region.admin, code="DISDUKCAPIL")
    assert added["name"] == disdukcapil["name"] and added["shortName"] == "Disdukcapil" and added["kind"] == "daerah"
    national = await db.fetchval(
        "SELECT count(DISTINCT code) FROM catalogue_service_version WHERE region IS NULL AND content->>'agency' = $1",
        "DISDUKCAPIL",
    )
    assert national > 5 and added["services"] == national
    # Found by citizens in that region at once.
    await caught_up(app, db)
    found = (await client.get("/api/v1/services", params={"region": region.code, "pageSize": 100})).json()
    assert found["total"] == national and {i["agency"]["code"] for i in found["items"]} == {"DISDUKCAPIL"}
    listed = (await client.get("/api/v1/admin/agency-kinds", headers=bearer(region.admin))).json()["items"]
    assert next(k for k in listed if k["code"] == "DISDUKCAPIL")["present"]
    # Adding it again: 409.
    again = await client.post("/api/v1/admin/agencies", json={"code": "DISDUKCAPIL"}, headers=bearer(region.admin))
    problem(again, 409, "code_taken")
    event = await db.fetchrow(
        "SELECT actor, detail FROM audit_event WHERE action = 'agency.added' AND detail->>'agency' = $1",
        added["id"],
    )
    assert event is not None and event["actor"] is not None


async def test_a_regions_own_agency_needs_every_field(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, region: Region
) -> None:
    post = "/api/v1/admin/agencies"
    refused = await client.post(post, json={"code": "DINAS_UJI"}, headers=bearer(region.admin))
    assert fields(refused) == {
        "name.id": "is required",
        "name.en": "is required",
        "shortName": "is required",
        "kind": "is required",
    }
    bad = await client.post(post, json=OWN_AGENCY | {"code": "dinas uji"}, headers=bearer(region.admin))
    assert fields(bad) == {"code": "must be 2-40 capital letters, digits or _, starting with a letter"}
    kind = await client.post(post, json={"code": "SAMSAT", "kind": "daerah"}, headers=bearer(region.admin))
    assert fields(kind) == {"kind": "is set by the national agency kind"}
    added = await add_agency(client, region.admin, **OWN_AGENCY)
    assert added["name"] == OWN_AGENCY["name"] and added["services"] == 0 and added["revision"] == 1
    await caught_up(app, db)
    public = (await client.get(f"/api/v1/regions/{region.code}")).json()
    assert [a["code"] for a in public["agencies"]] == ["DINAS_UJI"]


async def test_retiring_an_agency_is_refused_while_in_use(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, region: Region
) -> None:
    admin = bearer(region.admin)
    # Region codes are reused by later tests and agency ids derive from them; the audit trail is append-only.
    since = await db.fetchval("SELECT coalesce(max(id), 0) FROM audit_event")
    national_kind = await add_agency(client, region.admin, code="DISDUKCAPIL")
    own = await add_agency(client, region.admin, **OWN_AGENCY)
    counter = await client.post("/api/v1/admin/counters", json={"number": "B1", "agencyId": own["id"]}, headers=admin)
    assert counter.status_code == 201, counter.text
    officer = account_id({"accessToken": await create_officer(db, app, agency="DINAS_UJI", region=region.code)})

    def retire(agency: dict[str, Any], revision: int) -> Any:
        return client.post(
            f"/api/v1/admin/agencies/{agency['id']}/retire", headers={**admin, "If-Match": f'"{revision}"'}
        )

    in_use = problem(await retire(national_kind, 1), 409, "in_use")
    assert [e["field"] for e in in_use["errors"]] == ["services"]
    in_use = problem(await retire(own, 1), 409, "in_use")
    assert [e["field"] for e in in_use["errors"]] == ["counters", "staff"]
    assert "1 counters" in in_use["detail"] and "1 staff" in in_use["detail"]
    # The building shows the same counts, so the screen can say what still uses it.
    shown = next(a for a in (await building(client, region.admin)).json()["agencies"] if a["id"] == own["id"])
    assert (shown["services"], shown["counters"], shown["staff"]) == (0, 1, 1)
    # Without its counter and its officer, it may go; its row stays, and it is gone from the public region.
    gone = await client.post(
        f"/api/v1/admin/counters/{counter.json()['id']}/retire", headers={**admin, **etag(counter)}
    )
    assert gone.status_code == 200 and gone.json()["retired"]
    member = await client.get(f"/api/v1/admin/staff/{officer}", headers=admin)
    suspended = await client.post(
        f"/api/v1/admin/staff/{officer}/suspend", json={"reason": "Pindah tugas"}, headers={**admin, **etag(member)}
    )
    assert suspended.status_code == 200, suspended.text
    retired = await retire(own, 1)
    assert retired.status_code == 200 and retired.json()["retired"] and retired.json()["revision"] == 2
    await caught_up(app, db)
    public = (await client.get(f"/api/v1/regions/{region.code}")).json()
    assert [a["code"] for a in public["agencies"]] == ["DISDUKCAPIL"]
    agencies = (await client.get("/api/v1/agencies", params={"region": region.code})).json()["items"]
    assert [a["code"] for a in agencies] == ["DISDUKCAPIL"]
    kinds = (await client.get("/api/v1/admin/agency-kinds", headers=admin)).json()["items"]
    assert next(k for k in kinds if k["code"] == "DISDUKCAPIL")["present"]
    # Reinstated (by its button, or by adding it again: 200, not a second row).
    back = await client.post(f"/api/v1/admin/agencies/{own['id']}/reinstate", headers={**admin, "If-Match": '"2"'})
    assert back.status_code == 200 and not back.json()["retired"]
    assert (await retire(own, 3)).status_code == 200
    again = await client.post("/api/v1/admin/agencies", json=OWN_AGENCY, headers=admin)
    assert again.status_code == 200 and again.json()["id"] == own["id"] and not again.json()["retired"]
    actions = [
        r["action"]
        for r in await db.fetch(
            "SELECT action FROM audit_event WHERE detail->>'agency' = $1 AND action LIKE 'agency.%' AND id > $2"
            " ORDER BY id",
            own["id"],
            since,
        )
    ]
    assert actions == ["agency.added", "agency.retired", "agency.reinstated", "agency.retired", "agency.reinstated"]


# ------------------------------------------------------------------------------------------------ counters


async def test_counters_serve_chosen_services_of_their_agency(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, region: Region
) -> None:
    admin = bearer(region.admin)
    disdukcapil = await add_agency(client, region.admin, code="DISDUKCAPIL")
    own = await add_agency(client, region.admin, **OWN_AGENCY)
    services = await db.fetch(
        "SELECT id, code FROM catalogue_service WHERE region = $1 AND agency = $2 ORDER BY code",
        region.code,
        disdukcapil["id"],
    )
    elsewhere = await db.fetchval(
        "SELECT s.id FROM catalogue_service s JOIN catalogue_agency a ON a.id = s.agency "
        "WHERE s.region = '3302' AND a.code = 'DISDUKCAPIL' AND s.active LIMIT 1"
    )
    chosen = [str(services[0]["id"]), str(services[1]["id"])]
    # Services of another agency or region, twice, and an agency that is not in the building: each said.
    refused = await client.post(
        "/api/v1/admin/counters",
        json={"number": "C 1!", "agencyId": own["id"], "serviceIds": chosen},
        headers=admin,
    )
    assert fields(refused) == {
        "number": "must be 1-10 letters or digits (with - or .)",
        "serviceIds[0]": "is not an active service of this agency",
        "serviceIds[1]": "is not an active service of this agency",
    }
    refused = await client.post(
        "/api/v1/admin/counters",
        json={"number": "C1", "agencyId": disdukcapil["id"], "serviceIds": [chosen[0], str(elsewhere), chosen[0]]},
        headers=admin,
    )
    assert fields(refused) == {
        "serviceIds[1]": "is not an active service of this agency",
        "serviceIds[2]": "is listed twice",
    }
    banyumas_agency = await db.fetchval("SELECT id FROM catalogue_agency WHERE region = '3302' AND code = 'DPMPTSP'")
    refused = await client.post(
        "/api/v1/admin/counters", json={"number": "C1", "agencyId": str(banyumas_agency)}, headers=admin
    )
    assert fields(refused) == {"agencyId": "is not an agency in this building"}

    added = await client.post(
        "/api/v1/admin/counters",
        json={"number": "C1", "agencyId": disdukcapil["id"], "serviceIds": chosen},
        headers=admin,
    )
    assert added.status_code == 201, added.text
    counter = added.json()
    assert counter["agency"]["code"] == "DISDUKCAPIL" and sorted(s["id"] for s in counter["services"]) == sorted(chosen)
    problem(
        await client.post("/api/v1/admin/counters", json={"number": "C1", "agencyId": own["id"]}, headers=admin),
        409,
        "number_taken",
    )
    # The public region shows the counter with its services; a service's "where" lists only counters serving it.
    await caught_up(app, db)
    public = (await client.get(f"/api/v1/regions/{region.code}")).json()["mpp"]["counters"]
    assert public == [
        {
            "number": "C1",
            "agency": {"code": "DISDUKCAPIL", "name": disdukcapil["name"]["id"]},
            "services": public[0]["services"],
        }
    ]
    assert sorted(public[0]["services"]) == sorted(chosen)
    await caught_up(app, db)
    served = (await client.get(f"/api/v1/services/{chosen[0]}")).json()["where"]["counters"]
    other = (await client.get(f"/api/v1/services/{services[2]['id']}")).json()["where"]["counters"]
    assert served == ["C1"] and other == []

    # Changed: another agency, all of its services (none chosen).
    url = f"/api/v1/admin/counters/{counter['id']}"
    changed = await client.put(
        url, json={"number": "C2", "agencyId": own["id"], "serviceIds": []}, headers={**admin, **etag(added)}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["number"] == "C2" and changed.json()["services"] == [] and changed.json()["revision"] == 2
    await caught_up(app, db)
    public = (await client.get(f"/api/v1/regions/{region.code}")).json()["mpp"]["counters"]
    assert public == [{"number": "C2", "agency": {"code": "DINAS_UJI", "name": "Dinas Uji Coba"}}]
    # Retired: gone from the public region, kept in the building; its number is free again.
    retired = await client.post(f"{url}/retire", headers={**admin, **etag(changed)})
    assert retired.status_code == 200 and retired.json()["retired"]
    await caught_up(app, db)
    assert (await client.get(f"/api/v1/regions/{region.code}")).json()["mpp"]["counters"] == []
    problem(
        await client.put(
            url, json={"number": "C3", "agencyId": own["id"], "serviceIds": []}, headers={**admin, **etag(retired)}
        ),
        409,
        "retired",
    )
    reused = await client.post("/api/v1/admin/counters", json={"number": "C2", "agencyId": own["id"]}, headers=admin)
    assert reused.status_code == 201, reused.text
    shown = (await building(client, region.admin)).json()["counters"]
    assert [(c["number"], c["retired"]) for c in shown] == [("C2", False), ("C2", True)]
    actions = {
        r["action"]
        for r in await db.fetch("SELECT action FROM audit_event WHERE detail->>'counter' = $1", counter["id"])
    }
    assert actions == {"counter.added", "counter.changed", "counter.retired"}


# ------------------------------------------------------------------------------------------------ closure days


async def test_closure_days_from_today_on(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, region: Region
) -> None:
    admin = bearer(region.admin)
    today = region_today(region.code)
    post = "/api/v1/admin/closures"
    reason = {"id": "Pemilu serentak", "en": "General election"}
    past = await client.post(post, json={"day": str(today - dt.timedelta(days=1)), "reason": reason}, headers=admin)
    assert fields(past) == {"day": "is in the past"}
    blank = await client.post(post, json={"day": str(today), "reason": {"id": " ", "en": ""}}, headers=admin)
    assert fields(blank) == {"reason.id": "is required", "reason.en": "is required"}
    soon = today + dt.timedelta(days=10)
    added = await client.post(post, json={"day": str(soon), "reason": reason}, headers=admin)
    assert added.status_code == 201, added.text
    assert added.json()["day"] == str(soon) and added.json()["reason"] == reason
    problem(await client.post(post, json={"day": str(soon), "reason": reason}, headers=admin), 409, "closure_exists")
    # The national admin closes it another day too.
    later = await client.post(
        post,
        json={"day": str(soon + dt.timedelta(days=1)), "reason": reason, "region": region.code},
        headers=bearer(region.national),
    )
    assert later.status_code == 201, later.text
    await caught_up(app, db)
    public = (await client.get(f"/api/v1/regions/{region.code}")).json()["mpp"]["closures"]
    assert public == [
        {"day": str(soon), "reason": "Pemilu serentak"},
        {"day": str(soon + dt.timedelta(days=1)), "reason": "Pemilu serentak"},
    ]
    english = (await client.get(f"/api/v1/regions/{region.code}", headers={"Accept-Language": "en"})).json()
    assert english["mpp"]["closures"][0]["reason"] == "General election"
    # Removed: gone from the building and the public region.
    removed = await client.delete(f"{post}/{added.json()['id']}", headers=admin)
    assert removed.status_code == 204
    assert [c["day"] for c in (await building(client, region.admin)).json()["closures"]] == [
        str(soon + dt.timedelta(days=1))
    ]
    await caught_up(app, db)
    public = (await client.get(f"/api/v1/regions/{region.code}")).json()["mpp"]["closures"]
    assert [c["day"] for c in public] == [str(soon + dt.timedelta(days=1))]
    problem(await client.delete(f"{post}/{added.json()['id']}", headers=admin), 404, "not_found")


async def test_a_past_closure_day_stays_on_the_record(
    client: httpx.AsyncClient, db: asyncpg.Connection, region: Region
) -> None:
    mpp = await db.fetchval("SELECT id FROM catalogue_mpp WHERE region = $1", region.code)
    # A day that was added while it was still ahead, and has passed since (written as the app wrote it then).
    gone = await db.fetchval(
        "INSERT INTO catalogue_mpp_closure (id, mpp, day, reason_id, reason_en, created_at) "
        "VALUES (gen_random_uuid(), $1, $2, 'Banjir', 'Flood', now()) RETURNING id",
        mpp,
        region_today(region.code) - dt.timedelta(days=3),
    )
    assert (await building(client, region.admin)).json()["closures"] == []
    everything = await client.get("/api/v1/admin/building", params={"past": "true"}, headers=bearer(region.admin))
    assert [c["id"] for c in everything.json()["closures"]] == [str(gone)]
    problem(await client.delete(f"/api/v1/admin/closures/{gone}", headers=bearer(region.admin)), 409, "past_day")


# ------------------------------------------------------------------------------------------------ scope


async def test_another_regions_objects_are_404_to_a_region_admin(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, region: Region
) -> None:
    """Banyumas's admin names objects of the test region by id: every route answers 404 and nothing changes;
    the national admin reaches the same objects."""
    mine = bearer(region.admin)
    agency = await add_agency(client, region.admin, **OWN_AGENCY)
    counter = (
        await client.post("/api/v1/admin/counters", json={"number": "D1", "agencyId": agency["id"]}, headers=mine)
    ).json()
    closure = (
        await client.post(
            "/api/v1/admin/closures",
            json={"day": str(region_today(region.code) + dt.timedelta(days=5)), "reason": {"id": "Uji", "en": "Test"}},
            headers=mine,
        )
    ).json()
    mpp = (await building(client, region.admin)).json()["mpp"]
    stranger = {**bearer(await create_region_admin(db, app, region=BANYUMAS)), "If-Match": '"1"'}
    calls = [
        ("PUT", f"/api/v1/admin/mpp/{mpp['id']}", {"name": "X", "address": "X", "openingHours": {}}),
        ("PATCH", f"/api/v1/admin/agencies/{agency['id']}", {"shortName": "X"}),
        ("POST", f"/api/v1/admin/agencies/{agency['id']}/retire", None),
        ("POST", f"/api/v1/admin/agencies/{agency['id']}/reinstate", None),
        (
            "PUT",
            f"/api/v1/admin/counters/{counter['id']}",
            {"number": "X1", "agencyId": agency["id"], "serviceIds": []},
        ),
        ("POST", f"/api/v1/admin/counters/{counter['id']}/retire", None),
        ("DELETE", f"/api/v1/admin/closures/{closure['id']}", None),
        # Creations naming the other region.
        ("POST", "/api/v1/admin/agencies", {**OWN_AGENCY, "code": "DINAS_LAIN", "region": region.code}),
        ("POST", "/api/v1/admin/counters", {"number": "D2", "agencyId": agency["id"], "region": region.code}),
        (
            "POST",
            "/api/v1/admin/closures",
            {"day": closure["day"], "reason": {"id": "X", "en": "X"}, "region": region.code},
        ),
        ("GET", f"/api/v1/admin/agency-kinds?region={region.code}", None),
        ("GET", f"/api/v1/admin/building?region={region.code}", None),
    ]
    for method, url, body in calls:
        response = await client.request(method, url, json=body, headers=stranger)
        assert response.status_code == 404, f"{method} {url}: {response.status_code} {response.text}"
    # Banyumas's own agency as the counter's agency: not an agency of this building.
    own_agency = await db.fetchval("SELECT id FROM catalogue_agency WHERE region = '3302' AND code = 'BAPENDA'")
    mixed = await client.put(
        f"/api/v1/admin/counters/{counter['id']}",
        json={"number": "D1", "agencyId": str(own_agency), "serviceIds": []},
        headers={**mine, "If-Match": '"1"'},
    )
    assert fields(mixed) == {"agencyId": "is not an agency in this building"}
    after = (await building(client, region.admin)).json()
    assert after["mpp"] == mpp and [c["number"] for c in after["counters"]] == ["D1"]
    assert [a["shortName"] for a in after["agencies"]] == ["Dinas Uji"] and len(after["closures"]) == 1
    # The national admin acts on the region's objects.
    national = {**bearer(region.national), "If-Match": '"1"'}
    renamed = await client.patch(f"/api/v1/admin/agencies/{agency['id']}", json={"shortName": "Uji"}, headers=national)
    assert renamed.status_code == 200, renamed.text
    assert (await client.delete(f"/api/v1/admin/closures/{closure['id']}", headers=national)).status_code == 204


# ------------------------------------------------------------------------------------------------ hostile input


async def test_hostile_text_is_refused_and_nothing_is_stored(client: httpx.AsyncClient, region: Region) -> None:
    read = await building(client, region.admin)
    url = f"/api/v1/admin/mpp/{read.json()['mpp']['id']}"
    headers = {**bearer(region.admin), **etag(read)}
    base = {"name": "MPP", "address": "Jl. A", "openingHours": HOURS}
    for body, status in (
        (base | {"name": "MPP\x00Uji"}, 422),
        (base | {"address": "Jl. \u202eA"}, 422),
        (base | {"name": "M" * 10_000}, 400),
        (base | {"openingHours": {"mon": ["08:00-15:00"] * 100}}, 400),
        (base | {"openingHours": {"someday": ["08:00-15:00"]}}, 400),
        (base | {"openingHours": {"mon": "08:00-15:00"}}, 400),
        (base | {"latitude": "north"}, 400),
        (base | {"extra": 1}, 400),
    ):
        response = await client.put(url, json=body, headers=headers)
        assert response.status_code == status, f"{body}: {response.status_code} {response.text}"
        assert response.headers["content-type"].startswith("application/problem+json")
    deep: Any = "x"
    for _ in range(100):
        deep = [deep]
    response = await client.put(url, json=base | {"phone": deep}, headers=headers)
    assert 400 <= response.status_code < 500
    assert (await building(client, region.admin)).json()["mpp"] == read.json()["mpp"]
    nul = await client.post(
        "/api/v1/admin/closures",
        json={"day": "9999-01-01", "reason": {"id": "A", "en": "B"}},
        headers=bearer(region.admin),
    )
    assert 400 <= nul.status_code < 500
    assert (await building(client, region.admin)).json()["closures"] == []
