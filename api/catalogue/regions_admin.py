"""Admin mode: a national admin adds a region (kabupaten/kota) with its empty MPP building. No HTTP here.

The same checks as the data files (``datafiles.check``): a BPS code of four digits starting with its province's
two, and a name that says what the region is ("Kabupaten …", "Kota …"). From there the region's admin sets up
the rest in the app: agencies, counters, services, staff, kiosks and days off.
"""

from __future__ import annotations

import json
import re
import uuid

import asyncpg

from api.audit.service import record
from api.catalogue.building import Problems, check_hours, check_phone
from api.catalogue.building_schemas import RegionCreate
from api.catalogue.seed import stable_id
from api.lib.errors import DomainError

CODE_FORMAT = "must be the 4-digit BPS code"
PROVINCE_FORMAT = "must be the 2-digit BPS province code"
NOT_IN_PROVINCE = "must start with the province code"
KABUPATEN_NAME = "must start with 'Kabupaten '"
KOTA_NAME = "must start with 'Kota '"
_CODE = re.compile(r"^[0-9]{4}$")
_PROVINCE = re.compile(r"^[0-9]{2}$")


class RegionCodeTakenError(DomainError):
    status = 409
    code = "code_taken"
    detail = "A region with that BPS code exists already."


def _check(data: RegionCreate) -> Problems:
    problems = Problems()
    code, province = data.code.strip(), data.province_code.strip()
    if not _CODE.match(code):
        problems.add("code", CODE_FORMAT)
    if not _PROVINCE.match(province):
        problems.add("provinceCode", PROVINCE_FORMAT)
    elif _CODE.match(code) and not code.startswith(province):
        problems.add("code", NOT_IN_PROVINCE)
    name = problems.text("name", data.name)
    if name and data.kind == "kabupaten" and not name.startswith("Kabupaten "):
        problems.add("name", KABUPATEN_NAME)
    if name and data.kind == "kota" and not name.startswith("Kota "):
        problems.add("name", KOTA_NAME)
    problems.text("nameEn", data.name_en)
    problems.text("place", data.place)
    problems.text("provinceName", data.province_name)
    problems.text("mpp.name", data.mpp.name)
    problems.text("mpp.address", data.mpp.address)
    return problems


async def create_region(conn: asyncpg.Connection, *, data: RegionCreate, actor: uuid.UUID | None, ip: str = "") -> str:
    """Add the region and its MPP building in one transaction; returns the region's code.

    The building's id is the one the seed would give it (``stable_id("mpp", code)``), so a region added here and
    later written into the data files converges instead of getting a second building.
    """
    problems = _check(data)
    phone = check_phone(problems, data.mpp.phone, "mpp.phone")
    hours = check_hours(problems, data.mpp.opening_hours, "mpp.openingHours")
    problems.raise_any()
    code = data.code.strip()
    mpp_id = stable_id("mpp", code)
    async with conn.transaction():
        added = await conn.fetchval(
            """INSERT INTO catalogue_region (code, name, name_en, place, kind, province_code, province_name)
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO NOTHING RETURNING code""",
            code,
            data.name.strip(),
            data.name_en.strip(),
            data.place.strip(),
            data.kind,
            data.province_code.strip(),
            data.province_name.strip(),
        )
        if added is None:
            raise RegionCodeTakenError()
        await conn.execute(
            """INSERT INTO catalogue_mpp (id, region, name, address, phone, opening_hours, revision)
               VALUES ($1, $2, $3, $4, $5, $6::jsonb, 1)""",
            mpp_id,
            code,
            data.mpp.name.strip(),
            data.mpp.address.strip(),
            phone,
            json.dumps(hours),
        )
        await record(
            conn,
            action="region.created",
            actor=actor,
            subject=None,
            detail={"region": code, "mpp": str(mpp_id), "name": data.name.strip()},
            ip=ip,
        )
    return code
