"""Service standards edited in the app (issue 15 part 1): a region admin's local service from its first draft to its
versions, what applications keep, search picking a change up, optimistic concurrency, retiring, and the database's
own refusal to rewrite history."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from api.catalogue.datafiles import ServiceFile
from api.catalogue.standards import publish_content
from tests.support.applications import apply
from tests.support.auth import bearer
from tests.support.factories import (
    complete_profile,
    create_application,
    create_citizen,
    create_officer,
    create_region_admin,
)
from tests.support.identity import random_nik
from tests.support.standards import (
    ADMIN,
    change,
    if_match,
    local_content,
    made_up_word,
    new_draft,
    publish,
    publish_new,
    wait_for_search,
)

REGION = "3302"


async def citizen_service(client: httpx.AsyncClient, service_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/services/{service_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_local_service_from_draft_to_its_second_version(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    word = made_up_word()
    content = local_content(word)
    content["requirements"][1]["type"] = "NO_SUCH_DOCUMENT"
    content["form"][1]["options"] = []

    # A draft keeps the admin's work with its problems listed, each at its field.
    draft = await new_draft(client, admin, REGION, content=content)
    assert draft.headers["etag"] == '"1"'
    problems = {p["field"]: p["detail"] for p in draft.json()["problems"]}
    assert set(problems) == {"requirements[1].type", "form[1].options"}, problems
    assert "NO_SUCH_DOCUMENT" in problems["requirements[1].type"]
    url = f"{ADMIN}/drafts/{draft.json()['id']}"

    # A citizen could not see it, so neither preview nor publishing goes through: the same problems, inline.
    for refused in (
        await client.get(f"{url}/preview", headers=bearer(admin)),
        await client.post(f"{url}/publish", json={"reason": "Baru"}, headers={**bearer(admin), **if_match(draft)}),
    ):
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "invalid_standard"
        assert {e["field"] for e in refused.json()["errors"]} == set(problems)

    # Every edit names the revision it read.
    fixed = local_content(word)
    missing = await client.put(url, json={"content": fixed}, headers=bearer(admin))
    assert missing.status_code == 428 and missing.json()["code"] == "precondition_required"
    stale = await client.put(url, json={"content": fixed}, headers={**bearer(admin), "If-Match": '"7"'})
    assert stale.status_code == 412 and stale.json()["code"] == "edit_conflict"
    saved = await client.put(url, json={"content": fixed}, headers={**bearer(admin), **if_match(draft)})
    assert saved.status_code == 200, saved.text
    assert saved.json()["problems"] == [] and saved.headers["etag"] == '"2"'

    # The preview is the citizen's own service detail, built from the draft.
    preview = await client.get(f"{url}/preview", headers={**bearer(admin), "Accept-Language": "en"})
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["name"] == f"{word.capitalize()} test service"
    assert [r["code"] for r in shown["requirements"]] == ["KTP_EL", "KK"]
    assert [f["name"] for f in shown["form"]] == ["fullName", "purpose"]
    assert shown["form"][1]["options"][1] == {"value": "pekerjaan", "label": "Work"}
    assert shown["region"]["code"] == REGION and shown["agency"]["code"] == "DISDUKCAPIL"

    # A new service's changes are every field, from nothing.
    changes = (await client.get(f"{url}/diff", headers=bearer(admin))).json()
    assert changes["from"] is None
    assert {c["field"] for c in changes["changes"]} >= {"code", "name", "requirements", "form", "fee"}
    assert all(c["before"] is None for c in changes["changes"])

    # Published: version 1, in one transaction with its audit event; the draft is gone.
    published = await publish(client, admin, saved, "Layanan baru untuk warga")
    assert published["version"] == 1 and published["scope"] == REGION and published["code"] == fixed["code"]
    service_id = published["serviceId"]
    assert (await client.get(url, headers=bearer(admin))).status_code == 404
    # What the preview showed is exactly what citizens now get.
    assert (await client.get(f"/api/v1/services/{service_id}", headers={"Accept-Language": "en"})).json() == shown
    audit = await db.fetchrow(
        "SELECT actor, detail FROM audit_event WHERE action = 'standard.published' AND detail->>'code' = $1",
        fixed["code"],
    )
    assert audit is not None and audit["actor"] is not None
    assert json.loads(audit["detail"])["reason"] == "Layanan baru untuk warga"

    standard = await client.get(f"{ADMIN}/standards/{REGION}/{fixed['code']}", headers=bearer(admin))
    assert standard.status_code == 200
    assert standard.headers["etag"] == f'"{standard.json()["revision"]}"'
    assert standard.json()["version"] == 1 and standard.json()["national"] is False
    assert standard.json()["content"]["requirements"][1]["type"] == "KK"
    assert standard.json()["draft"] is None and standard.json()["applications"] == 0

    # Search finds it within seconds, and a citizen applies under version 1.
    await wait_for_search(client, word, REGION, fixed["code"], present=True)
    citizen = await create_citizen(client, name="Warga Standar", nik=random_nik())
    first = await create_application(client, citizen, await citizen_service(client, service_id))
    assert first["serviceVersion"] == 1 and first["serviceId"] == service_id

    # Version 2: renamed with a new word, a higher fee, another label; the diff says exactly that.
    renamed = made_up_word()
    form = [fixed["form"][0], {**fixed["form"][1], "label": {"id": "Keperluan", "en": "Reason"}}]
    second = await change(
        client,
        admin,
        REGION,
        fixed["code"],
        {"name": {"id": f"Layanan {renamed.capitalize()}", "en": fixed["name"]["en"]}, "fee": 15000, "form": form},
        "Tarif baru menurut perda",
    )
    assert second["version"] == 2 and second["serviceId"] == service_id
    diff = await client.get(
        f"{ADMIN}/standards/{REGION}/{fixed['code']}/diff", params={"from": 1, "to": 2}, headers=bearer(admin)
    )
    assert diff.status_code == 200, diff.text
    assert {(c["field"], json.dumps(c["before"]), json.dumps(c["after"])) for c in diff.json()["changes"]} == {
        ("name.id", json.dumps(fixed["name"]["id"]), json.dumps(f"Layanan {renamed.capitalize()}")),
        ("fee", "0", "15000"),
        ("form[purpose].label.en", '"Purpose"', '"Reason"'),
    }
    versions = (await client.get(f"{ADMIN}/standards/{REGION}/{fixed['code']}/versions", headers=bearer(admin))).json()
    assert [(v["version"], v["reason"]) for v in versions["items"]] == [
        (2, "Tarif baru menurut perda"),
        (1, "Layanan baru untuk warga"),
    ]
    assert all(v["authorName"] for v in versions["items"])

    # The brand-new word is found in the same app within seconds; the application made before keeps version 1,
    # one made now gets version 2, and each version can be shown as it was.
    await wait_for_search(client, renamed, REGION, fixed["code"], present=True)
    again = (await client.get(f"/api/v1/applications/{first['id']}", headers=bearer(citizen))).json()
    assert again["serviceVersion"] == 1
    later = await create_application(client, citizen, await citizen_service(client, service_id))
    assert later["serviceVersion"] == 2
    old = (await client.get(f"/api/v1/services/{service_id}/versions/1")).json()
    new = (await client.get(f"/api/v1/services/{service_id}/versions/2")).json()
    assert (old["fee"], new["fee"]) == (0, 15000)
    assert old["name"] == fixed["name"]["id"] and new["name"] == f"Layanan {renamed.capitalize()}"
    counted = await client.get(f"{ADMIN}/standards/{REGION}/{fixed['code']}", headers=bearer(admin))
    assert counted.json()["applications"] == 2


async def test_two_admins_racing_on_one_draft_exactly_one_wins(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    one, two = await create_region_admin(db, app), await create_region_admin(db, app)
    draft = await new_draft(client, one, REGION, content=local_content(made_up_word()))
    url = f"{ADMIN}/drafts/{draft.json()['id']}"
    content = draft.json()["content"]
    saves = await asyncio.gather(
        *(
            client.put(url, json={"content": {**content, "fee": fee}}, headers={**bearer(who), **if_match(draft)})
            for who, fee in ((one, 1000), (two, 2000))
        )
    )
    assert sorted(r.status_code for r in saves) == [200, 412]
    winner = next(r for r in saves if r.status_code == 200)
    assert (await client.get(url, headers=bearer(one))).json()["content"]["fee"] == winner.json()["content"]["fee"]
    publishes = await asyncio.gather(
        *(
            client.post(f"{url}/publish", json={"reason": "Balapan"}, headers={**bearer(who), **if_match(winner)})
            for who in (one, two)
        )
    )
    statuses = sorted(r.status_code for r in publishes)
    assert statuses[0] == 201 and statuses[1] in (404, 412), [r.text for r in publishes]
    count = await db.fetchval(
        "SELECT count(*) FROM catalogue_service_version WHERE region = $1 AND code = $2", REGION, content["code"]
    )
    assert count == 1


async def test_a_draft_started_before_another_publish_is_stale(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    admin = await create_region_admin(db, app)
    content = local_content(made_up_word())
    await publish_new(client, admin, content)
    draft = await new_draft(client, admin, REGION, code=content["code"])
    assert draft.json()["baseVersion"] == 1
    again = await client.post(f"{ADMIN}/drafts", json={"scope": REGION, "code": content["code"]}, headers=bearer(admin))
    assert again.status_code == 409 and again.json()["code"] == "draft_exists"
    assert again.json()["draftId"] == draft.json()["id"]
    # Meanwhile the import (or anything else) publishes version 2 in its own transaction.
    async with db.transaction():
        version = await publish_content(
            db,
            scope=REGION,
            content=ServiceFile(**{**_struct_fields(content), "fee": 5000}),
            author=None,
            author_name="Impor katalog",
            reason="Impor berkas YAML",
        )
    assert version == 2
    stale = await client.post(
        f"{ADMIN}/drafts/{draft.json()['id']}/publish",
        json={"reason": "Ubah"},
        headers={**bearer(admin), **if_match(draft)},
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale_draft"
    assert "start again" in stale.json()["detail"]


def _struct_fields(content: dict[str, Any]) -> dict[str, Any]:
    import msgspec

    decoded = msgspec.convert(content, ServiceFile)
    return {f: getattr(decoded, f) for f in decoded.__struct_fields__}


async def test_a_drafts_diff_shows_only_what_changed(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    admin = await create_region_admin(db, app)
    content = local_content(made_up_word())
    await publish_new(client, admin, content)
    draft = await new_draft(client, admin, REGION, code=content["code"])
    edited = draft.json()["content"]
    # Spelt otherwise than the stored version (a default written out, another left out): not a change.
    edited["form"][0]["required"] = True
    edited["requirements"][1].pop("optional", None)
    edited["fee"] = 2500
    saved = await client.put(
        f"{ADMIN}/drafts/{draft.json()['id']}", json={"content": edited}, headers={**bearer(admin), **if_match(draft)}
    )
    assert saved.status_code == 200, saved.text
    diff = (await client.get(f"{ADMIN}/drafts/{draft.json()['id']}/diff", headers=bearer(admin))).json()
    assert diff == {"from": 1, "to": None, "changes": [{"field": "fee", "before": 0, "after": 2500}]}


async def test_codes_are_unique_in_a_scope_and_national_codes_are_not_a_regions(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    admin = await create_region_admin(db, app)
    content = local_content(made_up_word())
    await publish_new(client, admin, content)
    for code in (content["code"], "kk-baru"):  # a local service of the region; a national standard
        taken = await client.post(
            f"{ADMIN}/drafts", json={"scope": REGION, "content": {**content, "code": code}}, headers=bearer(admin)
        )
        assert taken.status_code == 409 and taken.json()["code"] == "code_taken", code
    bad = await client.post(
        f"{ADMIN}/drafts", json={"scope": REGION, "content": {**content, "code": "Not A Code"}}, headers=bearer(admin)
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "code"


async def test_a_retired_service_leaves_search_and_takes_no_new_applications(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    admin = await create_region_admin(db, app)
    word = made_up_word()
    content = local_content(word)
    service_id = (await publish_new(client, admin, content))["serviceId"]
    await wait_for_search(client, word, REGION, content["code"], present=True)
    citizen = await create_citizen(client, name="Warga Lama", nik=random_nik())
    service = await citizen_service(client, service_id)
    existing = await create_application(client, citizen, service)

    standard = await client.get(f"{ADMIN}/standards/{REGION}/{content['code']}", headers=bearer(admin))
    retire_url = f"{ADMIN}/services/{service_id}/retire"
    assert (await client.post(retire_url, json={"reason": "Dialihkan"}, headers=bearer(admin))).status_code == 428
    hide = await client.patch(
        f"{ADMIN}/services/{service_id}", json={"hidden": True}, headers={**bearer(admin), **if_match(standard)}
    )
    assert hide.status_code == 409 and hide.json()["code"] == "local_service"
    retired = await client.post(
        retire_url, json={"reason": "Dialihkan ke layanan lain"}, headers={**bearer(admin), **if_match(standard)}
    )
    assert retired.status_code == 200, retired.text
    assert retired.json()["retired"] is True and retired.json()["revision"] == standard.json()["revision"] + 1
    await wait_for_search(client, word, REGION, content["code"], present=False)
    assert (await client.get(f"/api/v1/services/{service_id}")).status_code == 404

    # Applying is refused; the application made before carries on, its standard still shown.
    other = await create_citizen(client, name="Warga Baru", nik=random_nik())
    await complete_profile(client, other)
    refused = await apply(client, other, service)
    assert refused.status_code in (404, 422), refused.text
    assert (await client.get(f"/api/v1/applications/{existing['id']}", headers=bearer(citizen))).status_code == 200
    clerk = await create_officer(db, app)
    started = await client.post(
        f"/api/v1/officer/applications/{existing['id']}/decision",
        json={"action": "start_review"},
        headers=bearer(clerk),
    )
    assert started.status_code == 200, started.text
    assert (await client.get(f"/api/v1/services/{service_id}/versions/1")).status_code == 200
    listed = await client.get(f"{ADMIN}/standards", params={"state": "retired", "q": word}, headers=bearer(admin))
    assert [i["code"] for i in listed.json()["items"]] == [content["code"]]
    audit = await db.fetchval(
        "SELECT detail->>'reason' FROM audit_event WHERE action = 'standard.retired' AND detail->>'service' = $1",
        service_id,
    )
    assert audit == "Dialihkan ke layanan lain"

    reinstated = await client.post(
        f"{ADMIN}/services/{service_id}/reinstate",
        json={"reason": "Dibuka lagi"},
        headers={**bearer(admin), **if_match(retired)},
    )
    assert reinstated.status_code == 200 and reinstated.json()["retired"] is False
    await wait_for_search(client, word, REGION, content["code"], present=True)


async def test_published_versions_cannot_be_rewritten(db: asyncpg.Connection) -> None:
    for statement in (
        "UPDATE catalogue_service_version SET reason = 'diubah' WHERE code = 'kk-baru'",
        "DELETE FROM catalogue_service_version WHERE code = 'kk-baru'",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await db.execute(statement)
    assert (
        await db.fetchval(
            "SELECT reason FROM catalogue_service_version WHERE region IS NULL AND code = 'kk-baru' AND version = 1"
        )
        == "Data awal dari berkas katalog"
    )


def _nested(depth: int) -> Any:
    value: Any = "uji"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "hostile",
    [
        pytest.param({"name": {"id": "Layanan\x00Uji", "en": "Test"}}, id="nul"),
        pytest.param({"description": {"id": "Uji \u202etxet", "en": "Test"}}, id="bidi"),
        pytest.param({"description": {"id": "x" * 100_000, "en": "Test"}}, id="100kb"),
        pytest.param({"keywords": _nested(40)}, id="deep"),
    ],
)
async def test_hostile_content_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, hostile: dict[str, Any]
) -> None:
    admin = await create_region_admin(db, app)
    content = {**local_content(made_up_word()), **hostile}
    created = await client.post(f"{ADMIN}/drafts", json={"scope": REGION, "content": content}, headers=bearer(admin))
    assert 400 <= created.status_code < 500, created.text
    draft = await new_draft(client, admin, REGION, content=local_content(made_up_word()))
    saved = await client.put(
        f"{ADMIN}/drafts/{draft.json()['id']}", json={"content": content}, headers={**bearer(admin), **if_match(draft)}
    )
    assert 400 <= saved.status_code < 500, saved.text
    assert not await db.fetchval(
        "SELECT EXISTS (SELECT 1 FROM catalogue_service_draft WHERE code = $1)", content["code"]
    )
    kept = await client.get(f"{ADMIN}/drafts/{draft.json()['id']}", headers=bearer(admin))
    assert kept.json()["revision"] == 1
