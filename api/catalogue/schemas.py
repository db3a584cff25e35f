"""Wire types of the catalogue (camelCase JSON, texts already in the request's language)."""

from __future__ import annotations

import uuid
from typing import Literal

import msgspec


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


class Mpp(Struct):
    name: str
    address: str
    opening_hours: dict[str, list[str]]
    counters: list[Counter]
    phone: str | None = None
    latitude: float | None = None
    longitude: float | None = None


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
