"""`mpp users create`, `mpp users enrolment` and `mpp kiosks register` as the contract describes them, against the
test database. Where a printed secret is then used with the API, the command runs with the app's data folder:
in development the code pepper lives there, as it would for `mpp serve` on the same machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from api.config import Settings
from tests.support.auth import bearer, new_phone, sign_in

MPP = str(Path(sys.executable).parent / "mpp")


def mpp(database_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "MPP_DATA_DIR": str(data_dir)}
    return subprocess.run([MPP, *args], capture_output=True, text=True, env=env, timeout=120, check=False)


def last_json(stdout: str) -> dict[str, Any]:
    """The JSON on the command's last line (human lines may come before it)."""
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return result


async def test_create_officer_and_citizen(database_url: str, db: asyncpg.Connection, tmp_path: Path) -> None:
    officer = mpp(
        database_url,
        tmp_path,
        "users",
        "create",
        "--role",
        "officer",
        "--phone",
        "0812-1111-2222",
        "--name",
        "Siti Officer",
        "--agency",
        "disdukcapil",
        "--region",
        "3302",
    )
    assert officer.returncode == 0, officer.stderr
    created = last_json(officer.stdout)
    assert created["phone"] == "+6281211112222" and created["roles"] == ["officer"]
    assert created["agency"] == "DISDUKCAPIL" and created["region"] == "3302"
    row = await db.fetchrow(
        "SELECT a.roles, g.code, a.region FROM accounts_account a JOIN catalogue_agency g ON g.id = a.agency "
        "WHERE a.phone = $1",
        "+6281211112222",
    )
    assert row is not None and row["code"] == "DISDUKCAPIL" and row["region"] == "3302"

    citizen = mpp(
        database_url,
        tmp_path,
        "users",
        "create",
        "--role",
        "citizen",
        "--phone",
        "+6281333344445",
        "--nik",
        "3302015708900002",
        "--name",
        "Ani",
    )
    assert citizen.returncode == 0, citizen.stderr
    assert last_json(citizen.stdout)["nik"] == "3302015708900002"
    # Citizens never need an enrolment code.
    assert "enrolmentCode" not in last_json(citizen.stdout) and len(citizen.stdout.strip().splitlines()) == 1

    admin = mpp(
        database_url,
        tmp_path,
        "users",
        "create",
        "--role",
        "admin",
        "--phone",
        "081355556666",
        "--region",
        "3471",
    )
    assert last_json(admin.stdout)["roles"] == ["region_admin"]
    assert last_json(admin.stdout)["enrolmentCode"]


def test_refusals_are_clear(database_url: str, tmp_path: Path) -> None:
    cases = [
        (
            ["--role", "officer", "--phone", "081277778888", "--agency", "NOPE", "--region", "3302"],
            "does not serve",
        ),
        (["--role", "officer", "--phone", "081277778888"], "needs --agency and --region"),
        (["--role", "citizen", "--phone", "12345"], "Indonesian mobile number"),
        (["--role", "citizen", "--phone", "081277778888", "--nik", "1234"], "16 digits"),
        (
            ["--role", "officer", "--phone", "081277778888", "--agency", "POLRES", "--region", "9999"],
            "unknown region",
        ),
    ]
    for args, message in cases:
        result = mpp(database_url, tmp_path, "users", "create", *args)
        assert result.returncode != 0
        assert message in result.stderr, result.stderr
    first = mpp(database_url, tmp_path, "users", "create", "--role", "citizen", "--phone", "081299990000")
    assert first.returncode == 0, first.stderr
    again = mpp(database_url, tmp_path, "users", "create", "--role", "citizen", "--phone", "+6281299990000")
    assert again.returncode != 0 and "already exists" in again.stderr


async def test_staff_get_an_enrolment_code_that_enrols_their_first_passkey(
    database_url: str, db: asyncpg.Connection, settings: Settings, client: httpx.AsyncClient
) -> None:
    phone = new_phone()
    args = ["--role", "officer", "--phone", phone, "--agency", "DISDUKCAPIL", "--region", "3302", "--name", "Budi"]
    created = mpp(database_url, settings.data_dir, "users", "create", *args)
    assert created.returncode == 0, created.stderr
    printed = last_json(created.stdout)
    code = printed["enrolmentCode"]
    assert printed["id"] == str(await db.fetchval("SELECT id FROM accounts_account WHERE phone = $1", phone))
    assert len(code.replace("-", "")) == 12
    # A line for the person at the terminal: the link to hand over.
    human = created.stdout.strip().splitlines()[0]
    assert f"{settings.browser_url}#/signin?enrol={code}" in human and "one use" in human

    tokens = await sign_in(client, phone)
    body = {"enrolmentCode": code}
    started = await client.post("/api/v1/auth/passkeys/register/options", json=body, headers=bearer(tokens))
    assert started.status_code == 200, started.text

    # Issued again for the same number: the new code works, the printed one no longer does.
    again = mpp(database_url, settings.data_dir, "users", "enrolment", "--phone", phone)
    assert again.returncode == 0, again.stderr
    reissued = last_json(again.stdout)
    assert reissued["id"] == printed["id"] and reissued["enrolmentCode"] != code
    assert f"#/signin?enrol={reissued['enrolmentCode']}" in again.stdout.splitlines()[0]
    old = await client.post("/api/v1/auth/passkeys/register/options", json=body, headers=bearer(tokens))
    assert old.status_code == 400 and old.json()["code"] == "invalid_enrolment_code"
    body = {"enrolmentCode": reissued["enrolmentCode"]}
    new = await client.post("/api/v1/auth/passkeys/register/options", json=body, headers=bearer(tokens))
    assert new.status_code == 200, new.text


def test_enrolment_codes_only_for_staff(database_url: str, tmp_path: Path) -> None:
    citizen = mpp(database_url, tmp_path, "users", "create", "--role", "citizen", "--phone", "081266667777")
    assert citizen.returncode == 0, citizen.stderr
    for number in ("081266667777", "081200000001"):
        refused = mpp(database_url, tmp_path, "users", "enrolment", "--phone", number)
        assert refused.returncode != 0 and "No staff account has the number" in refused.stderr, refused.stderr
    junk = mpp(database_url, tmp_path, "users", "enrolment", "--phone", "12")
    assert junk.returncode != 0 and "Indonesian mobile number" in junk.stderr, junk.stderr


async def test_kiosks_register_prints_a_secret_that_signs_the_tablet_in(
    database_url: str, db: asyncpg.Connection, tmp_path: Path, client: httpx.AsyncClient
) -> None:
    result = mpp(database_url, tmp_path, "kiosks", "register", "--region", "3302", "--name", "Lobi 1")
    assert result.returncode == 0, result.stderr
    kiosk = last_json(result.stdout)
    row = await db.fetchrow("SELECT name, region, created_by FROM auth_kiosk WHERE id = $1", uuid.UUID(kiosk["id"]))
    assert (row["name"], row["region"], row["created_by"]) == ("Lobi 1", "3302", None)
    assert await db.fetchval(
        "SELECT count(*) FROM audit_event WHERE action = 'kiosk.registered' AND detail->>'kiosk' = $1", kiosk["id"]
    )
    signed_in = await client.post("/api/v1/auth/kiosk", json={"deviceSecret": kiosk["secret"]})
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["scope"] == "api"

    unknown = mpp(database_url, tmp_path, "kiosks", "register", "--region", "9999", "--name", "Lobi 1")
    assert unknown.returncode != 0 and "unknown region '9999'" in unknown.stderr, unknown.stderr
    unnamed = mpp(database_url, tmp_path, "kiosks", "register", "--region", "3302", "--name", " ")
    assert unnamed.returncode != 0 and "--name" in unnamed.stderr, unnamed.stderr
