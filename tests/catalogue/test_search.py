"""Search that people can actually use: typos, Indonesian word forms, colloquial words, and no injection."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest

BANYUMAS = "3302"


async def search(client: httpx.AsyncClient, q: str, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/services", params={"q": q, "region": BANYUMAS, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def names(body: dict[str, Any], n: int = 5) -> list[str]:
    return [item["name"] for item in body["items"][:n]]


@pytest.mark.parametrize(
    ("query", "expected_code"),
    [
        ("akta kelahiran", "akta-kelahiran"),
        ("akta kelahran", "akta-kelahiran"),  # typo
        ("akte kelahiran", "akta-kelahiran"),  # old spelling
        ("akta lahir", "akta-kelahiran"),  # root word of "kelahiran"
        ("pembuatan akta kelahiran anak", "akta-kelahiran"),  # word forms
        ("akta kematian", "akta-kematian"),
    ],
)
async def test_birth_and_death_certificates(client: httpx.AsyncClient, query: str, expected_code: str) -> None:
    body = await search(client, query)
    assert body["items"], f"nothing found for {query!r}"
    assert body["items"][0]["code"] == expected_code, names(body)


async def test_typo_is_reported_as_corrected_query(client: httpx.AsyncClient) -> None:
    body = await search(client, "akta kelahran")
    assert body["correctedQuery"] == "akta kelahiran"
    exact = await search(client, "akta kelahiran")
    assert "correctedQuery" not in exact


async def test_ktp_finds_ktp_el_services(client: httpx.AsyncClient) -> None:
    body = await search(client, "ktp")
    top = names(body, 3)
    assert top and all("KTP" in n for n in top), top


async def test_izin_usaha_finds_business_permits(client: httpx.AsyncClient) -> None:
    body = await search(client, "izin usaha")
    assert body["total"] >= 3
    top = body["items"][:5]
    assert all("business" in item["categories"] for item in top), [i["name"] for i in top]


async def test_bikin_paspor_finds_passport_services(client: httpx.AsyncClient) -> None:
    body = await search(client, "bikin paspor")
    top = names(body, 3)
    assert top and all("Paspor" in n or "paspor" in n for n in top), top


async def test_typo_in_paspor(client: httpx.AsyncClient) -> None:
    body = await search(client, "pasport")
    assert body["items"] and "aspor" in body["items"][0]["name"]
    body = await search(client, "paspr")
    assert body["items"] and "aspor" in body["items"][0]["name"]


async def test_search_as_you_type_completes_the_last_word(client: httpx.AsyncClient) -> None:
    body = await search(client, "kartu kelu")
    assert body["items"] and "Kartu Keluarga" in body["items"][0]["name"]


async def test_nikah_finds_marriage_services(client: httpx.AsyncClient) -> None:
    body = await search(client, "daftar nikah")
    assert body["items"]
    assert "marriage" in body["items"][0]["categories"]


async def test_sim_and_skck(client: httpx.AsyncClient) -> None:
    assert "SIM" in (await search(client, "perpanjang sim"))["items"][0]["name"]
    assert "SKCK" in (await search(client, "skck"))["items"][0]["name"]


async def test_english_query_and_english_names(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v1/services",
        params={"q": "birth certificate", "region": BANYUMAS},
        headers={"Accept-Language": "en"},
    )
    top = {item["code"]: item["name"] for item in response.json()["items"][:3]}
    assert top["akta-kelahiran"] == "Birth certificate issuance"


async def test_nonsense_finds_nothing_rather_than_everything(client: httpx.AsyncClient) -> None:
    body = await search(client, "qwxzvbn")
    assert body == {"items": [], "total": 0, "page": 1, "pageSize": 20}


@pytest.mark.parametrize(
    "hostile",
    [
        "'; DROP TABLE catalogue_service; --",
        "akta' OR '1'='1",
        "akta & | ! :* <-> ()",
        "paspor\\'); SELECT pg_sleep(5); --",
        "%' UNION SELECT * FROM accounts_account --",
        "\x00akta",
        "ktp 🤔 ñandú ÄÖÜ",
        "$1 $2 $7",
    ],
)
async def test_search_input_cannot_inject(client: httpx.AsyncClient, db: asyncpg.Connection, hostile: str) -> None:
    before = await db.fetchval("SELECT count(*) FROM catalogue_service")
    response = await client.get("/api/v1/services", params={"q": hostile})
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await db.fetchval("SELECT count(*) FROM catalogue_service") == before


# What citizens type → the services that must come first (any of them). The search's regression set.
TOP_RESULT = {
    "akta kelahiran": {"akta-kelahiran"},
    "akte lahir": {"akta-kelahiran"},
    "akta kelahran": {"akta-kelahiran"},
    "akta kematian": {"akta-kematian"},
    "ktp": {"ktp-el-baru"},
    "buat ktp": {"ktp-el-baru"},
    "ktp hilang": {"ktp-el-hilang-rusak"},
    "kartu keluarga": {"kk-baru"},
    "kk hilang": {"kk-hilang-rusak"},
    "surat pindah": {"pindah-keluar-skpwni"},
    "nikah": {"nikah-di-kua-jam-kerja", "akta-perkawinan"},
    "daftar nikah": {"nikah-di-kua-jam-kerja"},
    "cerai": {"akta-perceraian"},
    "izin usaha": {"nib-umk-oss", "sertifikat-standar-risiko-menengah"},
    "nib": {"nib-umk-oss"},
    "bikin paspor": {"paspor-biasa-baru", "e-paspor"},
    "pasport": {"paspor-biasa-baru", "e-paspor"},
    "paspor hilang": {"paspor-hilang"},
    "skck": {"skck-baru", "skck-perpanjangan"},
    "perpanjang sim": {"sim-a-perpanjangan", "sim-c-perpanjangan"},
    "pajak motor": {"pajak-kendaraan-tahunan"},
    "balik nama motor": {"balik-nama-kendaraan"},
    "bpjs": {"jkn-pendaftaran-peserta-mandiri", "bpjstk-pendaftaran-bpu"},
    "bpjs kesehatan": {"jkn-pendaftaran-peserta-mandiri"},
    "npwp": {"pemadanan-nik-npwp", "npwp-badan"},
    "izin praktik dokter": {"sip-dokter"},
    "surat sehat": {"surat-keterangan-sehat"},
    "imb": {"pbg-rumah-tinggal", "pbg-non-rumah-tinggal"},
}


@pytest.mark.parametrize(("query", "expected"), TOP_RESULT.items())
async def test_top_result(client: httpx.AsyncClient, query: str, expected: set[str]) -> None:
    body = await search(client, query, pageSize=3)
    assert body["items"], f"nothing for {query!r}"
    assert body["items"][0]["code"] in expected, [i["code"] for i in body["items"]]


async def test_ranking_prefers_name_matches(client: httpx.AsyncClient) -> None:
    """A service named after the words beats one that only mentions them in its description."""
    body = await search(client, "kartu keluarga")
    assert "Kartu Keluarga" in body["items"][0]["name"]
