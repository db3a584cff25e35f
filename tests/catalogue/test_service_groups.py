"""Searching across regions (issue 13, item 12): "Semua daerah" listed the same service once per region (21
identical rows of "Penerbitan Akta Kelahiran"). ``GET /service-groups`` answers one row per service with the
number of regions offering it, paged by groups; ``GET /services?code=…`` lists those regions. The default
``GET /services`` answer is unchanged."""

from __future__ import annotations

import httpx

REGIONS = 21


async def test_each_service_is_one_row_with_its_number_of_regions(client: httpx.AsyncClient) -> None:
    grouped = await client.get("/api/v1/service-groups", params={"q": "akta kelahiran"})
    assert grouped.status_code == 200
    body = grouped.json()
    codes = [g["code"] for g in body["items"]]
    assert len(codes) == len(set(codes))
    first = body["items"][0]
    assert first["code"] == "akta-kelahiran" and first["name"] == "Penerbitan Akta Kelahiran"
    assert first["codes"] == ["akta-kelahiran"]
    assert first["regions"] == REGIONS and "id" not in first and "region" not in first
    assert first["agency"] == {"code": "DISDUKCAPIL", "name": "Disdukcapil"}
    assert {"slaDays", "fee", "channels", "categories"} <= first.keys()
    # The ungrouped answer has the same order, one row per region.
    flat = (await client.get("/api/v1/services", params={"q": "akta kelahiran", "pageSize": 100})).json()
    assert flat["total"] == sum(g["regions"] for g in (await _all_groups(client, "akta kelahiran")))
    assert [i["code"] for i in flat["items"][:REGIONS]] == ["akta-kelahiran"] * REGIONS
    # The regions offering it, to pick one.
    regions = (await client.get("/api/v1/services", params={"code": first["codes"], "pageSize": 100})).json()
    assert regions["total"] == REGIONS
    assert {i["code"] for i in regions["items"]} == {"akta-kelahiran"}
    assert len({i["region"]["code"] for i in regions["items"]}) == REGIONS


async def _all_groups(client: httpx.AsyncClient, q: str) -> list[dict[str, object]]:
    groups: list[dict[str, object]] = []
    for page in range(1, 50):
        body = (await client.get("/api/v1/service-groups", params={"q": q, "page": page, "pageSize": 100})).json()
        groups += body["items"]
        if len(groups) >= body["total"]:
            return groups
    raise AssertionError("more pages than expected")


async def test_the_whole_catalogue_pages_by_service_not_by_region(client: httpx.AsyncClient) -> None:
    first = (await client.get("/api/v1/service-groups", params={"pageSize": 20})).json()
    assert first["page"] == 1 and first["pageSize"] == 20 and len(first["items"]) == 20
    every = await _all_groups(client, "")
    assert len(every) == first["total"] and len({(g["name"], g["agency"]["code"]) for g in every}) == len(every)
    flat_total = (await client.get("/api/v1/services", params={"pageSize": 1})).json()["total"]
    assert sum(g["regions"] for g in every) == flat_total
    # A service only one region offers links straight to it.
    singles = [g for g in every if g["regions"] == 1]
    assert singles and all(g["id"] and g["region"] for g in singles)
    second = (await client.get("/api/v1/service-groups", params={"pageSize": 20, "page": 2})).json()
    assert not {g["code"] for g in first["items"]} & {g["code"] for g in second["items"]}


async def test_a_local_service_of_several_regions_is_one_row(client: httpx.AsyncClient) -> None:
    # Seven regions each regulate small fishing boats with a code of their own: the same service to a citizen.
    body = (await client.get("/api/v1/service-groups", params={"q": "pencatatan kapal perikanan"})).json()
    boats = [g for g in body["items"] if g["name"] == "Pencatatan Kapal Perikanan Nelayan Kecil (BPKP)"]
    assert len(boats) == 1 and boats[0]["regions"] == len(boats[0]["codes"]) == 7
    regions = (await client.get("/api/v1/services", params={"code": boats[0]["codes"], "pageSize": 100})).json()
    assert regions["total"] == 7 and len({i["region"]["code"] for i in regions["items"]}) == 7


async def test_a_region_filter_leaves_one_region_per_group(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/service-groups", params={"q": "paspor", "region": "3471"})).json()
    assert body["items"] and all(g["regions"] == 1 and g["region"]["code"] == "3471" for g in body["items"])


async def test_groups_answer_in_english_and_are_cached(client: httpx.AsyncClient) -> None:
    english = await client.get(
        "/api/v1/service-groups", params={"q": "birth certificate"}, headers={"Accept-Language": "en"}
    )
    assert "Birth certificate issuance" in [g["name"] for g in english.json()["items"]]
    assert "Accept-Language" in english.headers["vary"] and "max-age" in english.headers["cache-control"]
    again = await client.get(
        "/api/v1/service-groups",
        params={"q": "birth certificate"},
        headers={"Accept-Language": "en", "If-None-Match": english.headers["etag"]},
    )
    assert again.status_code == 304


async def test_bad_codes_are_refused(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/services", params={"code": "Robert'); DROP"})).status_code == 400
    assert (await client.get("/api/v1/services", params={"code": "no-such-service"})).json()["total"] == 0
