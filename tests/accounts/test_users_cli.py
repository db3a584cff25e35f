"""`mpp users create` as the contract describes it, against the test database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import asyncpg

MPP = str(Path(sys.executable).parent / "mpp")


def mpp(database_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "MPP_DATA_DIR": str(data_dir)}
    return subprocess.run([MPP, *args], capture_output=True, text=True, env=env, timeout=120, check=False)


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
    created = json.loads(officer.stdout)
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
    assert json.loads(citizen.stdout)["nik"] == "3302015708900002"

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
    assert json.loads(admin.stdout)["roles"] == ["region_admin"]


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
