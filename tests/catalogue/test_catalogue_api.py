"""The public catalogue: regions, services, filters, pagination, caching, languages and bad input."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.catalogue.datafiles import load, services_for

DATA = load()
BANYUMAS = "3302"


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] and body["title"] and body["detail"] and body["type"].endswith(body["code"])
    return body


async def test_regions_are_the_21_pilots(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/regions")).json()
    assert body["total"] == 21 == len(body["items"])
    by_code = {r["code"]: r for r in body["items"]}
    assert by_code["3302"]["name"] == "Kabupaten Banyumas" and by_code["3302"]["kind"] == "kabupaten"
    assert by_code["3471"]["name"] == "Kota Yogyakarta" and by_code["3471"]["kind"] == "kota"
    assert by_code["2171"]["province"]["code"] == "21"


async def test_region_detail_has_its_mpp_counters_and_agencies(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"/api/v1/regions/{BANYUMAS}")).json()
    assert body["mpp"]["name"] and body["mpp"]["address"]
    assert set(body["mpp"]["openingHours"]) >= {"mon", "fri"}
    assert len(body["agencies"]) >= 20
    assert body["services"] >= 150
    counter_agencies = {c["agency"]["code"] for c in body["mpp"]["counters"]}
    assert "DISDUKCAPIL" in counter_agencies


async def test_every_region_has_twenty_agencies_and_150_services(client: httpx.AsyncClient) -> None:
    for region in DATA.regions:
        assert len(region.agencies) >= 20, region.code
        assert len(services_for(DATA, region)) >= 150, region.code
        body = (await client.get("/api/v1/services", params={"region": region.code, "pageSize": 1})).json()
        assert body["total"] == len(services_for(DATA, region))


async def test_service_list_has_the_contract_fields(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/services", params={"region": BANYUMAS})).json()
    item = body["items"][0]
    assert {"id", "name", "agency", "region", "slaDays", "fee"} <= set(item)
    assert {"code", "name"} <= set(item["agency"]) and {"code", "name"} <= set(item["region"])
    assert body["page"] == 1 and body["pageSize"] == 20 and len(body["items"]) == 20


async def test_service_detail(client: httpx.AsyncClient) -> None:
    found = (await client.get("/api/v1/services", params={"q": "akta kelahiran", "region": BANYUMAS})).json()
    detail = (await client.get(f"/api/v1/services/{found['items'][0]['id']}")).json()
    assert detail["code"] == "akta-kelahiran"
    assert {r["code"] for r in detail["requirements"]} >= {"SURAT_KETERANGAN_KELAHIRAN", "KK"}
    assert all(r["name"] and r["formats"] for r in detail["requirements"])
    assert detail["form"] and all({"name", "type", "label", "required"} <= set(f) for f in detail["form"])
    assert detail["procedure"] and detail["legalBasis"]
    assert detail["fee"] == 0 and detail["slaDays"] >= 0
    assert detail["where"]["mpp"] and detail["where"]["counters"]
    selects = [f for f in detail["form"] if f["type"] == "select"]
    assert all(f["options"] for f in selects)


async def test_english_on_request(client: httpx.AsyncClient) -> None:
    found = (await client.get("/api/v1/services", params={"q": "akta kelahiran", "region": BANYUMAS})).json()
    url = f"/api/v1/services/{found['items'][0]['id']}"
    indonesian = (await client.get(url)).json()
    english = (await client.get(url, headers={"Accept-Language": "en-GB,en;q=0.9"})).json()
    assert indonesian["name"] == "Penerbitan Akta Kelahiran"
    assert english["name"] == "Birth certificate issuance"
    assert english["agency"]["name"] != indonesian["agency"]["name"]
    prefers_id = (await client.get(url, headers={"Accept-Language": "en;q=0.5, id"})).json()
    assert prefers_id["name"] == indonesian["name"]


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"agency": "polres"}, lambda i: i["agency"]["code"] == "POLRES"),
        ({"category": "vehicle"}, lambda i: "vehicle" in i["categories"]),
        ({"channel": "online"}, lambda i: i["channels"] in ("online", "both")),
        ({"channel": "counter"}, lambda i: i["channels"] in ("counter", "both")),
    ],
)
async def test_filters(client: httpx.AsyncClient, params: dict[str, str], check: Any) -> None:
    body = (await client.get("/api/v1/services", params={"region": BANYUMAS, "pageSize": 100, **params})).json()
    assert body["items"]
    assert all(check(item) for item in body["items"])
    assert all(item["region"]["code"] == BANYUMAS for item in body["items"])


async def test_pagination_walks_every_service_once(client: httpx.AsyncClient) -> None:
    seen: list[str] = []
    page = 1
    while True:
        body = (await client.get("/api/v1/services", params={"region": BANYUMAS, "page": page, "pageSize": 50})).json()
        seen += [i["id"] for i in body["items"]]
        if not body["items"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == body["total"]


async def test_etag_and_cache_control(client: httpx.AsyncClient) -> None:
    first = await client.get("/api/v1/services", params={"q": "paspor"})
    assert first.headers["cache-control"].startswith("public")
    etag = first.headers["etag"]
    again = await client.get("/api/v1/services", params={"q": "paspor"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = await client.get("/api/v1/services", params={"q": "skck"}, headers={"If-None-Match": etag})
    assert other.status_code == 200
    assert "Accept-Language" in first.headers["vary"]


async def test_categories_documents_and_agencies(client: httpx.AsyncClient) -> None:
    categories = (await client.get("/api/v1/categories", params={"region": BANYUMAS})).json()
    codes = {c["code"] for c in categories["items"]}
    assert codes >= {
        "birth",
        "marriage",
        "moving",
        "death",
        "business",
        "vehicle",
        "health",
        "social_aid",
        "education",
    }
    assert all(c["services"] > 0 for c in categories["items"])
    docs = (await client.get("/api/v1/document-types")).json()
    assert {"KTP_EL", "KK", "AKTA_KELAHIRAN", "PAS_FOTO"} <= {d["code"] for d in docs["items"]}
    agencies = (await client.get("/api/v1/agencies", params={"region": BANYUMAS})).json()
    assert agencies["total"] >= 20


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/v1/services", {"page": "-1"}, 400),
        ("/api/v1/services", {"page": "0"}, 400),
        ("/api/v1/services", {"pageSize": "10000"}, 400),
        ("/api/v1/services", {"pageSize": "abc"}, 400),
        ("/api/v1/services", {"q": "a" * 10_000}, 400),
        ("/api/v1/services", {"region": "abc"}, 400),
        ("/api/v1/services", {"region": "33021"}, 400),
        ("/api/v1/services", {"category": "weddings"}, 400),
        ("/api/v1/services", {"channel": "fax"}, 400),
        ("/api/v1/services", {"agency": "x" * 100}, 400),
        ("/api/v1/services/00000000-0000-0000-0000-000000000000", {}, 404),
        ("/api/v1/services/not-a-uuid", {}, 404),
        ("/api/v1/regions/9999", {}, 404),
        ("/api/v1/regions/abc", {}, 400),
        ("/api/v1/nothing-here", {}, 404),
        ("/api/v2/services", {}, 404),
    ],
)
async def test_bad_input_gets_problem_json(
    client: httpx.AsyncClient, path: str, params: dict[str, str], status: int
) -> None:
    problem(await client.get(path, params=params), status)


async def test_wrong_method_is_405_problem(client: httpx.AsyncClient) -> None:
    body = problem(await client.post("/api/v1/services", json={}), 405)
    assert body["code"] == "method_not_allowed"


async def test_unknown_region_filter_is_an_empty_list(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/services", params={"region": "9999"})).json()
    assert body["items"] == [] and body["total"] == 0


async def test_page_past_the_end_keeps_the_total(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/services", params={"region": BANYUMAS, "page": 500})).json()
    assert body["items"] == [] and body["total"] >= 150


async def test_security_headers(client: httpx.AsyncClient) -> None:
    """A JSON answer gets the API set (nothing may load or frame it); the PWA's pages get the document's set."""
    for json_answer in (
        await client.get("/api/v1/regions"),
        await client.get("/api/v1/services/not-a-uuid"),  # problem+json
    ):
        assert json_answer.headers["content-type"].split(";")[0] in ("application/json", "application/problem+json")
        assert json_answer.headers["x-content-type-options"] == "nosniff"
        assert json_answer.headers["x-frame-options"] == "DENY"
        assert json_answer.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert "permissions-policy" not in json_answer.headers
    page = await client.get("/")
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=(self)" in page.headers["permissions-policy"]
    assert page.headers["cross-origin-opener-policy"] == "same-origin"


async def test_catalogue_changes_reach_cached_answers(client: httpx.AsyncClient, db: Any) -> None:
    """A change in the database (an admin renaming a service) is announced by NOTIFY, and every API
    process drops its cached answers and reloads its search vocabulary."""
    import asyncio

    found = (await client.get("/api/v1/services", params={"q": "skck", "region": BANYUMAS})).json()
    service_id = found["items"][0]["id"]
    url = f"/api/v1/services/{service_id}"
    original = (await client.get(url)).json()["name"]
    await db.execute("UPDATE catalogue_service SET name_id = name_id || ' Zebrakuda' WHERE id = $1", service_id)
    try:
        for _ in range(50):
            if (await client.get(url)).json()["name"].endswith("Zebrakuda"):
                break
            await asyncio.sleep(0.1)
        assert (await client.get(url)).json()["name"] == original + " Zebrakuda"
        # The new word is in the search vocabulary too, typo included.
        hit = (await client.get("/api/v1/services", params={"q": "zebrakudda", "region": BANYUMAS})).json()
        assert [i["id"] for i in hit["items"]] == [service_id]
    finally:
        await db.execute("UPDATE catalogue_service SET name_id = $2 WHERE id = $1", service_id, original)
