"""Which unit a figure is about, and whether the caller may read it.

A scope is written ``national``, ``province:<2-digit BPS code>``, ``region:<4-digit BPS code>``, ``mpp:<uuid>``,
``agency:<uuid>`` or ``service:<uuid>`` (ids, not agency codes: an agency's code such as DISDUKCAPIL repeats in every
region). Who may read what:

- a national admin: every unit, and the ranking;
- a region admin: their region and what is in it (its building, agencies, services); another region, or anything in
  it, is 404 — as ``api.lib.auth.admin_region`` answers, its existence is not theirs to learn; a province or the
  nation is 403 (those exist for everyone);
- a supervisor: their agency in their region and its services; another agency or service is 404, a building, region,
  province or the nation 403.

Officers and citizens are refused by the routes' rules before anything here runs.

Cross-domain read (catalogue): the scope's names and place (its region, province, agency) and the units of its
breakdown are read from ``catalogue_region``, ``_mpp``, ``_agency`` and ``_service`` here, in one statement each,
on every dashboard request (issue 18's target: a region's dashboard p95 < 200 ms). The catalogue's own list
functions name agencies and services by code, and a dashboard needs their ids to drill down.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Literal

import asyncpg

from api.lib.errors import DomainError, FieldError, NotFoundError
from api.lib.language import Lang, pick

NATIONAL_ADMIN = "national_admin"
REGION_ADMIN = "region_admin"
SUPERVISOR = "supervisor"

Kind = Literal["national", "province", "region", "mpp", "agency", "service"]
ChildKind = Literal["province", "region", "agency", "service"]
# A unit's children in the breakdown: the nation by province, a province by region, a region (or its building) by
# agency, an agency by service. A service has none.
CHILD_KIND: dict[str, ChildKind | None] = {
    "national": "province",
    "province": "region",
    "region": "agency",
    "mpp": "agency",
    "agency": "service",
    "service": None,
}
_UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
SCOPE_PATTERN = rf"^(?:national|province:[0-9]{{2}}|region:[0-9]{{4}}|(?:mpp|agency|service):{_UUID})$"
_SCOPE = re.compile(SCOPE_PATTERN)
NATION_NAME = {"id": "Indonesia", "en": "Indonesia"}


class InvalidScopeError(DomainError):
    """400 ``invalid_scope``: the scope is not written as one of the six kinds."""

    status = 400
    code = "invalid_scope"

    def __init__(self, field: str = "scope") -> None:
        message = "national, province:<2 digits>, region:<4 digits>, mpp:<id>, agency:<id> or service:<id>"
        super().__init__(f"The {field} must be {message}.", errors=[FieldError(field=field, message=message)])


class ScopeNotFoundError(NotFoundError):
    """404: no such unit — or one the caller may not know of (another region's, another agency's)."""

    def __init__(self) -> None:
        super().__init__("unit")


class ScopeForbiddenError(DomainError):
    """403: a unit above the caller's reach (a supervisor asking for their region, a region admin for the nation)."""

    status = 403
    code = "forbidden"
    detail = "Your role may not read the figures of this unit."


@dataclass(frozen=True)
class Viewer:
    """Who asks: the roles and the place of a staff account (from its access token)."""

    id: uuid.UUID
    roles: frozenset[str]
    region: str | None
    agency: str | None  # the agency's code, within ``region``


@dataclass(frozen=True)
class Unit:
    kind: Kind
    code: str  # "" for the nation; the BPS code of a province or region; the id of a building, agency or service
    name: str


@dataclass(frozen=True)
class Scope:
    """A resolved unit and where it sits: what the figures' statements filter on."""

    unit: Unit
    province: str | None = None
    region: str | None = None
    mpp: uuid.UUID | None = None
    agency: uuid.UUID | None = None
    agency_code: str | None = None
    service: uuid.UUID | None = None

    @property
    def child_kind(self) -> ChildKind | None:
        return CHILD_KIND[self.unit.kind]


def parse(text: str) -> tuple[Kind, str]:
    """The kind and code of a scope as written (400 ``invalid_scope`` otherwise)."""
    if not _SCOPE.match(text):
        raise InvalidScopeError()
    kind, _, code = text.partition(":")
    return kind, code.lower()  # type: ignore[return-value]  # the pattern admits the six kinds only


_FIND = {
    "province": """SELECT province_code AS code, province_name AS name, province_name AS name_en,
                          province_code AS province, NULL::text AS region, NULL::uuid AS mpp, NULL::uuid AS agency,
                          NULL::text AS agency_code, NULL::uuid AS service
                   FROM catalogue_region WHERE province_code = $1 LIMIT 1""",
    "region": """SELECT code, name, name_en, province_code AS province, code AS region, NULL::uuid AS mpp,
                        NULL::uuid AS agency, NULL::text AS agency_code, NULL::uuid AS service
                 FROM catalogue_region WHERE code = $1""",
    "mpp": """SELECT m.id::text AS code, m.name, m.name AS name_en, r.province_code AS province, m.region, m.id AS mpp,
                     NULL::uuid AS agency, NULL::text AS agency_code, NULL::uuid AS service
              FROM catalogue_mpp m JOIN catalogue_region r ON r.code = m.region WHERE m.id = $1::uuid""",
    "agency": """SELECT a.id::text AS code, a.name_id AS name, a.name_en, r.province_code AS province, a.region,
                        NULL::uuid AS mpp, a.id AS agency, a.code AS agency_code, NULL::uuid AS service
                 FROM catalogue_agency a JOIN catalogue_region r ON r.code = a.region WHERE a.id = $1::uuid""",
    "service": """SELECT s.id::text AS code, s.name_id AS name, s.name_en, r.province_code AS province, s.region,
                         NULL::uuid AS mpp, s.agency, a.code AS agency_code, s.id AS service
                  FROM catalogue_service s JOIN catalogue_agency a ON a.id = s.agency
                  JOIN catalogue_region r ON r.code = s.region WHERE s.id = $1::uuid""",
}


async def find(conn: asyncpg.Connection, text: str, *, lang: Lang) -> Scope:
    """The unit a scope names, without an access check (in-process callers: the bench, the open-data job).

    400 ``invalid_scope`` for a scope not written as one of the six kinds; 404 for a unit that does not exist.
    """
    kind, code = parse(text)
    if kind == "national":
        return Scope(unit=Unit(kind="national", code="", name=NATION_NAME[lang]))
    row = await conn.fetchrow(_FIND[kind], code)
    if row is None:
        raise ScopeNotFoundError()
    return Scope(
        unit=Unit(kind=kind, code=row["code"], name=pick(lang, row["name"], row["name_en"])),
        province=row["province"],
        region=row["region"],
        mpp=row["mpp"],
        agency=row["agency"],
        agency_code=row["agency_code"],
        service=row["service"],
    )


def check(scope: Scope, viewer: Viewer) -> None:
    """Raise unless ``viewer`` may read the figures of ``scope`` (the rules in this module's docstring)."""
    if NATIONAL_ADMIN in viewer.roles:
        return
    kind = scope.unit.kind
    if REGION_ADMIN in viewer.roles and viewer.region:
        if kind in ("national", "province"):
            raise ScopeForbiddenError()
        if scope.region != viewer.region:
            raise ScopeNotFoundError()
        return
    if SUPERVISOR in viewer.roles and viewer.region and viewer.agency:
        if kind not in ("agency", "service"):
            raise ScopeForbiddenError()
        if scope.region != viewer.region or scope.agency_code != viewer.agency:
            raise ScopeNotFoundError()
        return
    raise ScopeForbiddenError()


async def own_scope(conn: asyncpg.Connection, viewer: Viewer) -> str:
    """The scope a staff member starts from when they name none: a national admin the nation, a region admin
    their region, a supervisor their agency (their token carries its code, the dashboard needs its id)."""
    if NATIONAL_ADMIN in viewer.roles:
        return "national"
    if viewer.agency and viewer.region and REGION_ADMIN not in viewer.roles:
        found = await conn.fetchval(
            "SELECT id::text FROM catalogue_agency WHERE region = $1 AND code = $2", viewer.region, viewer.agency
        )
        if found:
            return f"agency:{found}"
    if viewer.region:
        return f"region:{viewer.region}"
    raise InvalidScopeError()


async def resolve(conn: asyncpg.Connection, text: str | None, *, viewer: Viewer, lang: Lang) -> Scope:
    """The unit a scope names (or, without one, the viewer's own: ``own_scope``), if ``viewer`` may read its
    figures (400 malformed, 404 unknown or not theirs, 403 above their reach)."""
    if not text:
        text = await own_scope(conn, viewer)
    kind, _ = parse(text)
    if kind in ("national", "province") and NATIONAL_ADMIN not in viewer.roles:
        # Checked before the look-up: whether a province exists is no secret, but the answer must not depend on it.
        raise ScopeForbiddenError()
    scope = await find(conn, text, lang=lang)
    check(scope, viewer)
    return scope


_CHILDREN = {
    "province": """SELECT DISTINCT ON (province_code) province_code AS code, province_name AS name,
                          province_name AS name_en
                   FROM catalogue_region ORDER BY province_code""",
    "region": """SELECT code, name, name_en FROM catalogue_region
                 WHERE province_code = $1 ORDER BY code""",
    "agency": """SELECT id::text AS code, name_id AS name, name_en FROM catalogue_agency
                 WHERE region = $1 ORDER BY name_id, id""",
    "service": """SELECT id::text AS code, name_id AS name, name_en FROM catalogue_service
                  WHERE agency = $1 ORDER BY name_id, id""",
}


async def children(conn: asyncpg.Connection, scope: Scope, *, lang: Lang) -> list[Unit]:
    """The units of the scope's breakdown, in a stable order (by code for places, by name for the others)."""
    kind = scope.child_kind
    if kind is None:
        return []
    args: tuple[object, ...] = {
        "province": (),
        "region": (scope.province,),
        "agency": (scope.region,),
        "service": (scope.agency,),
    }[kind]
    rows = await conn.fetch(_CHILDREN[kind], *args)
    return [Unit(kind=kind, code=r["code"], name=pick(lang, r["name"], r["name_en"])) for r in rows]


async def level_units(conn: asyncpg.Connection, level: Literal["region", "province"], *, lang: Lang) -> list[Unit]:
    """Every region, or every province, of the country: the ranking's units."""
    if level == "province":
        return await children(conn, Scope(unit=Unit(kind="national", code="", name="")), lang=lang)
    rows = await conn.fetch("SELECT code, name, name_en FROM catalogue_region ORDER BY code")
    return [Unit(kind="region", code=r["code"], name=pick(lang, r["name"], r["name_en"])) for r in rows]
