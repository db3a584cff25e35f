"""Wire types of the catalogue (camelCase JSON, texts already in the request's language)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec

from api.catalogue.datafiles import ServiceFile


class Struct(msgspec.Struct, rename="camel", omit_defaults=True):
    pass


class Ref(Struct):
    code: str
    name: str


class Province(Struct):
    code: str
    name: str


class Region(Struct):
    code: str
    name: str
    kind: Literal["kabupaten", "kota"]
    province: Province


class Counter(Struct):
    number: str
    agency: Ref
    # The ids of the services it serves; absent: every service of its agency.
    services: list[uuid.UUID] | None = None


class Closure(Struct):
    """A day the building is closed besides the calendar's days off."""

    day: dt.date
    reason: str


class Mpp(Struct):
    name: str
    address: str
    opening_hours: dict[str, list[str]]
    counters: list[Counter]
    phone: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    # Upcoming closure days, soonest first.
    closures: list[Closure] = []
    # The building's id: what its public performance page (GET /stats/public/mpps/{id}) is asked by.
    id: uuid.UUID | None = None


class Agency(Struct):
    code: str
    name: str
    short_name: str
    kind: str
    region: Ref
    services: int = 0


class RegionDetail(Region):
    mpp: Mpp | None = None
    agencies: list[Agency] = []
    services: int = 0


class Category(Struct):
    code: str
    name: str
    services: int = 0


class DocumentType(Struct):
    code: str
    name: str
    formats: list[str]
    max_size_mb: int
    validity_months: int | None = None
    description: str | None = None


class ServiceSummary(Struct):
    id: uuid.UUID
    code: str
    name: str
    agency: Ref
    region: Ref
    sla_days: int
    fee: int
    channels: Literal["online", "counter", "both"]
    categories: list[str]


class Requirement(Struct):
    code: str
    name: str
    formats: list[str]
    max_size_mb: int
    optional: bool = False
    note: str | None = None
    validity_months: int | None = None


class Option(Struct):
    value: str
    label: str


class FormField(Struct):
    name: str
    type: str
    label: str
    required: bool
    help: str | None = None
    options: list[Option] | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None


class Where(Struct):
    """Where to go in person: the MPP building and the agency's counters in it."""

    mpp: str
    address: str
    counters: list[str]
    opening_hours: dict[str, list[str]]


class ServiceDetail(ServiceSummary):
    description: str = ""
    requirements: list[Requirement] = []
    form: list[FormField] = []
    procedure: list[str] = []
    legal_basis: list[str] = []
    fee_note: str | None = None
    output: str | None = None
    where: Where | None = None
    # The assurance level an applicant needs: phone | registry | in_person (always present in answers).
    assurance: str | None = None
    # The region's own note on the service (its MPP's words: "bring a photocopy too"), in the request's language.
    local_note: str | None = None


class RegionList(Struct):
    items: list[Region]
    total: int


class AgencyList(Struct):
    items: list[Agency]
    total: int


class CategoryList(Struct):
    items: list[Category]
    total: int


class DocumentTypeList(Struct):
    items: list[DocumentType]
    total: int


class ServiceList(Struct):
    items: list[ServiceSummary]
    total: int
    page: int
    page_size: int
    # The query as the search understood it, when typos were corrected ("akta kelahran" → "akta kelahiran").
    corrected_query: str | None = None


class EncodedServiceList(Struct):
    """A ``ServiceList`` as the search makes it: each summary encoded once per catalogue snapshot (the same JSON,
    byte for byte; ``tests/catalogue/test_search_memory.py`` checks it)."""

    items: list[msgspec.Raw]
    total: int
    page: int
    page_size: int
    corrected_query: str | None = None


class ServiceGroup(Struct):
    """One service as every region offering it provides it (same name, same kind of agency), for a search across
    regions: "Penerbitan Akta Kelahiran, in 21 regions" instead of 21 identical rows."""

    code: str  # the code of its best-ranked member
    codes: list[str]  # every member's code: GET /services?code=…&code=… lists the regions' services
    name: str
    agency: Ref  # the agency's code and short name ("Disdukcapil"): its full name names one region
    regions: int  # how many regions offer it
    sla_days: int  # the shortest of the regions'
    fee: int  # the lowest of the regions'
    channels: Literal["online", "counter", "both"]
    categories: list[str]
    # When only one region offers it: that region's service, to link to directly.
    id: uuid.UUID | None = None
    region: Ref | None = None


class ServiceGroupList(Struct):
    items: list[ServiceGroup]
    total: int  # groups, not services
    page: int
    page_size: int
    corrected_query: str | None = None


# --- service standards, as admins edit them (api.catalogue.standards) ------------------------------------------
# These keep their nulls (no omit_defaults): an editor tells "no draft" (null) from a field it does not know.


class AdminStruct(msgspec.Struct, rename="camel"):
    pass


class LocalNote(AdminStruct):
    """A region's own note on a service, shown to citizens with it (Indonesian first, English second)."""

    id: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
    en: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class StandardSummary(AdminStruct):
    scope: str  # a region's BPS code, or "national"
    code: str
    service_id: uuid.UUID | None  # the region's catalogue_service row; null for scope national
    name: str
    agency: Ref
    national: bool  # inherited from the national standard
    hidden: bool
    retired: bool
    version: int
    updated_at: dt.datetime
    draft_id: uuid.UUID | None


class StandardList(AdminStruct):
    items: list[StandardSummary]
    total: int
    page: int
    page_size: int


class DraftRef(AdminStruct):
    id: uuid.UUID
    revision: int


class Standard(AdminStruct):
    scope: str
    code: str
    service_id: uuid.UUID | None
    version: int
    national: bool
    hidden: bool
    retired: bool
    local_note: LocalNote | None
    revision: int  # the ETag: If-Match of PATCH, retire and reinstate names it
    content: ServiceFile  # the version in force, both languages, as the data files write it
    draft: DraftRef | None
    applications: int  # how many applications refer to it (it is never deleted)


class VersionSummary(AdminStruct):
    version: int
    author_name: str
    reason: str
    published_at: dt.datetime


class VersionList(AdminStruct):
    items: list[VersionSummary]
    total: int


class Version(VersionSummary):
    content: ServiceFile


class Change(AdminStruct):
    field: str  # a dotted path into the content: name.id, fee, requirements[KTP_EL].note.en, form[2].label.en
    before: Any
    after: Any


class Diff(AdminStruct):
    from_: int | None = msgspec.field(name="from")
    to: int | None = None
    changes: list[Change] = []


class Problem(AdminStruct):
    field: str
    detail: str
    message: str  # the same sentence, under the name problem+json's field errors use


class DraftCreate(AdminStruct, forbid_unknown_fields=True):
    """``{scope, code}``: a draft of a published standard; ``{scope, content}``: of a new service."""

    scope: Annotated[str, msgspec.Meta(pattern=r"^([0-9]{4}|national)$")]
    code: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)] | None = None
    content: dict[str, Any] | None = None


class DraftUpdate(AdminStruct, forbid_unknown_fields=True):
    content: dict[str, Any]


class DraftSummary(AdminStruct):
    id: uuid.UUID
    scope: str
    code: str
    name: str
    base_version: int | None
    revision: int
    author_name: str
    updated_at: dt.datetime


class DraftList(AdminStruct):
    items: list[DraftSummary]
    total: int


class Draft(AdminStruct):
    id: uuid.UUID
    scope: str
    code: str
    base_version: int | None  # null: a new service
    revision: int
    content: dict[str, Any]  # as saved: it may have problems (a draft is work in progress)
    author_name: str
    updated_at: dt.datetime
    problems: list[Problem]  # what would block publishing it now


Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class Publish(AdminStruct, forbid_unknown_fields=True):
    reason: Reason


class Published(AdminStruct):
    scope: str
    code: str
    version: int
    service_id: uuid.UUID | None  # the region's row (null for a national standard: one row per region)


class OverlayUpdate(AdminStruct, forbid_unknown_fields=True):
    """Hide an inherited national service in the region, or set (null: remove) the region's note on a service."""

    hidden: bool | msgspec.UnsetType = msgspec.UNSET
    local_note: LocalNote | None | msgspec.UnsetType = msgspec.UNSET
    reason: Reason | None = None


class ReasonBody(AdminStruct, forbid_unknown_fields=True):
    reason: Reason
