"""Who may do what to service standards: a region admin acts in their region only (another region's objects are
404 on every route), reads but never writes national standards, hides or annotates an inherited one, and a
national admin's change reaches every region whose MPP has the agency while each region's overlay stays."""

from __future__ import annotations

import asyncpg
import httpx
from litestar import Litestar

from api.catalogue.standards import inherit_national
from tests.support.auth import bearer
from tests.support.factories import create_national_admin, create_region_admin
from tests.support.standards import (
    ADMIN,
    change,
    found_by_search,
    if_match,
    local_content,
    made_up_word,
    new_draft,
    publish_new,
    wait_for_search,
)

HOME, OTHER = "3302", "3510"
# A national standard of an agency every demo region has (BNN), that no other test relies on.
NATIONAL_CODE = "rehabilitasi-rawat-jalan"


async def test_another_regions_admin_gets_404_on_every_route_of_its_objects(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    mine, stranger = await create_region_admin(db, app, region=HOME), await create_region_admin(db, app, region=OTHER)
    content = local_content(made_up_word())
    published = await publish_new(client, mine, content)
    code, service = content["code"], published["serviceId"]
    draft = await new_draft(client, mine, HOME, code=code)
    draft_url = f"{ADMIN}/drafts/{draft.json()['id']}"
    standard = f"{ADMIN}/standards/{HOME}/{code}"
    write = {**bearer(stranger), "If-Match": '"1"'}
    calls = [
        client.get(f"{ADMIN}/standards", params={"scope": HOME}, headers=bearer(stranger)),
        client.get(standard, headers=bearer(stranger)),
        client.get(f"{standard}/versions", headers=bearer(stranger)),
        client.get(f"{standard}/versions/1", headers=bearer(stranger)),
        client.get(f"{standard}/diff", headers=bearer(stranger)),
        client.post(f"{ADMIN}/drafts", json={"scope": HOME, "code": code}, headers=bearer(stranger)),
        client.get(f"{ADMIN}/drafts", params={"scope": HOME}, headers=bearer(stranger)),
        client.get(draft_url, headers=bearer(stranger)),
        client.put(draft_url, json={"content": content}, headers=write),
        client.get(f"{draft_url}/preview", headers=bearer(stranger)),
        client.get(f"{draft_url}/diff", headers=bearer(stranger)),
        client.post(f"{draft_url}/publish", json={"reason": "Bukan milik saya"}, headers=write),
        client.delete(draft_url, headers=write),
        client.patch(f"{ADMIN}/services/{service}", json={"localNote": {"id": "x", "en": "x"}}, headers=write),
        client.post(f"{ADMIN}/services/{service}/retire", json={"reason": "Bukan milik saya"}, headers=write),
        client.post(f"{ADMIN}/services/{service}/reinstate", json={"reason": "Bukan milik saya"}, headers=write),
    ]
    answers = [await call for call in calls]
    assert [(r.request.method, r.url.path, r.status_code) for r in answers if r.status_code != 404] == []
    # Nothing changed, and the stranger's own list does not show it.
    mine_now = await client.get(standard, headers=bearer(mine))
    assert mine_now.json()["retired"] is False and mine_now.json()["localNote"] is None
    assert (await client.get(draft_url, headers=bearer(mine))).json()["revision"] == 1
    theirs = await client.get(f"{ADMIN}/standards", params={"q": code, "state": "all"}, headers=bearer(stranger))
    assert theirs.status_code == 200 and theirs.json()["items"] == []


async def test_a_region_admin_reads_national_standards_but_cannot_rewrite_them(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    admin = await create_region_admin(db, app, region=HOME)
    national = await client.get(
        f"{ADMIN}/standards", params={"scope": "national", "q": "rehabilitasi"}, headers=bearer(admin)
    )
    assert national.status_code == 200
    assert NATIONAL_CODE in {i["code"] for i in national.json()["items"]}
    assert all(i["serviceId"] is None and i["national"] for i in national.json()["items"])
    assert (await client.get(f"{ADMIN}/standards/national/{NATIONAL_CODE}", headers=bearer(admin))).status_code == 200

    forbidden = await client.post(
        f"{ADMIN}/drafts", json={"scope": "national", "code": NATIONAL_CODE}, headers=bearer(admin)
    )
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    inherited = await client.post(f"{ADMIN}/drafts", json={"scope": HOME, "code": NATIONAL_CODE}, headers=bearer(admin))
    assert inherited.status_code == 409 and inherited.json()["code"] == "national_service"
    assert inherited.json()["detail"] == "A national service can only be hidden or given a local note in your region."
    row = await client.get(f"{ADMIN}/standards/{HOME}/{NATIONAL_CODE}", headers=bearer(admin))
    assert row.json()["national"] is True and row.json()["draft"] is None
    retire = await client.post(
        f"{ADMIN}/services/{row.json()['serviceId']}/retire",
        json={"reason": "Tidak ada di sini"},
        headers={**bearer(admin), **if_match(row)},
    )
    assert retire.status_code == 409 and retire.json()["code"] == "national_service"


async def test_hidden_flags_and_notes_stay_when_a_national_admin_publishes_a_change(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    home, other = await create_region_admin(db, app, region=HOME), await create_region_admin(db, app, region=OTHER)
    national = await create_national_admin(db, app)
    word = "rehabilitasi"

    # Hidden in one region: gone from its search, still found in the other.
    row = await client.get(f"{ADMIN}/standards/{HOME}/{NATIONAL_CODE}", headers=bearer(home))
    hidden = await client.patch(
        f"{ADMIN}/services/{row.json()['serviceId']}",
        json={"hidden": True, "reason": "Belum ada klinik BNN di MPP"},
        headers={**bearer(home), **if_match(row)},
    )
    assert hidden.status_code == 200, hidden.text
    assert hidden.json()["hidden"] is True and hidden.headers["etag"] == f'"{row.json()["revision"] + 1}"'
    try:
        await wait_for_search(client, word, HOME, NATIONAL_CODE, present=False)
        assert NATIONAL_CODE in await found_by_search(client, word, OTHER)

        # A note of the other region, shown to its citizens in their language.
        theirs = await client.get(f"{ADMIN}/standards/{OTHER}/{NATIONAL_CODE}", headers=bearer(other))
        note = {"id": "Datang sebelum pukul 11.00.", "en": "Come before 11:00."}
        noted = await client.patch(
            f"{ADMIN}/services/{theirs.json()['serviceId']}",
            json={"localNote": note},
            headers={**bearer(other), **if_match(theirs)},
        )
        assert noted.status_code == 200 and noted.json()["localNote"] == note
        service_url = f"/api/v1/services/{theirs.json()['serviceId']}"
        assert (await client.get(service_url)).json()["localNote"] == note["id"]
        assert (await client.get(service_url, headers={"Accept-Language": "en"})).json()["localNote"] == note["en"]

        # The national admin's change lands in every region with BNN, as version 2 of the national standard.
        fresh = made_up_word()
        before = (await client.get(f"{ADMIN}/standards/national/{NATIONAL_CODE}", headers=bearer(national))).json()
        published = await change(
            client,
            national,
            "national",
            NATIONAL_CODE,
            {"keywords": [*before["content"]["keywords"], fresh]},
            "Kata kunci baru",
        )
        assert published["version"] == before["version"] + 1 and published["serviceId"] is None
        rows = await db.fetch(
            "SELECT region, version, hidden, local_note_id FROM catalogue_service WHERE code = $1", NATIONAL_CODE
        )
        regions_with_bnn = await db.fetchval(
            "SELECT count(*) FROM catalogue_agency WHERE code = 'BNN' AND retired_at IS NULL"
        )
        assert len(rows) == regions_with_bnn > 2
        assert {r["version"] for r in rows} == {published["version"]}
        by_region = {r["region"]: r for r in rows}
        assert by_region[HOME]["hidden"] is True and by_region[OTHER]["local_note_id"] == note["id"]
        await wait_for_search(client, fresh, OTHER, NATIONAL_CODE, present=True)
        assert NATIONAL_CODE not in await found_by_search(client, fresh, HOME)
        assert (await client.get(service_url)).json()["localNote"] == note["id"]
        versions = (await client.get(f"{ADMIN}/standards/{HOME}/{NATIONAL_CODE}/versions", headers=bearer(home))).json()
        assert versions["items"][0]["reason"] == "Kata kunci baru"
    finally:
        now = await client.get(f"{ADMIN}/standards/{HOME}/{NATIONAL_CODE}", headers=bearer(home))
        shown = await client.patch(
            f"{ADMIN}/services/{now.json()['serviceId']}",
            json={"hidden": False},
            headers={**bearer(home), **if_match(now)},
        )
        assert shown.status_code == 200 and shown.json()["hidden"] is False
    await wait_for_search(client, word, HOME, NATIONAL_CODE, present=True)


async def test_an_agency_joining_a_region_brings_its_national_standards(db: asyncpg.Connection) -> None:
    region = await db.fetchval(
        """SELECT r.code FROM catalogue_region r
           WHERE NOT EXISTS (SELECT 1 FROM catalogue_agency a WHERE a.region = r.code AND a.code = 'KEJAKSAAN')
           ORDER BY r.code LIMIT 1"""
    )
    national = await db.fetchval(
        """SELECT count(DISTINCT code) FROM catalogue_service_version
           WHERE region IS NULL AND content->>'agency' = 'KEJAKSAAN'"""
    )
    assert region is not None and national > 0
    # In a transaction that is rolled back: the shared catalogue stays as the other tests expect it.
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute(
            """INSERT INTO catalogue_agency (id, region, code, name_id, name_en, short_name, kind)
               VALUES (gen_random_uuid(), $1, 'KEJAKSAAN', 'Kejaksaan Negeri', 'District Prosecutor', 'Kejari',
                       'vertikal')""",
            region,
        )
        assert await inherit_national(db, region=region, agency_code="KEJAKSAAN") == national
        assert await inherit_national(db, region=region, agency_code="KEJAKSAAN") == 0  # idempotent
        rows = await db.fetch(
            """SELECT s.national, s.active, (SELECT count(*) FROM catalogue_service_requirement q
                                             WHERE q.service = s.id) AS requirements
               FROM catalogue_service s JOIN catalogue_agency a ON a.id = s.agency
               WHERE s.region = $1 AND a.code = 'KEJAKSAAN'""",
            region,
        )
        assert len(rows) == national and all(r["national"] and r["active"] and r["requirements"] for r in rows)
    finally:
        await transaction.rollback()
