"""Catalogue tables: region → MPP building → agencies → services, and the document types they require.

Composite unique constraints and the full-text search column are created by hand-written SQL in the
migrations (Piccolo cannot express them); ``tests/test_migrations.py`` checks they exist.
"""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    UUID,
    Array,
    BigInt,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class Region(Table, tablename="catalogue_region"):
    """A kabupaten or kota, keyed by its BPS code."""

    code = Varchar(length=4, primary_key=True)
    name = Varchar(length=100, null=False)
    name_en = Varchar(length=100, null=False)
    place = Varchar(length=60, null=False)
    kind = Varchar(length=10, null=False)  # kabupaten | kota
    province_code = Varchar(length=2, null=False)
    province_name = Varchar(length=60, null=False)


class Mpp(Table, tablename="catalogue_mpp"):
    """A Mal Pelayanan Publik building."""

    id = UUID(primary_key=True)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=200, null=False)
    address = Text(null=False)
    phone = Varchar(length=30, null=True, default=None)
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    # {"mon": ["08:00-15:00"], ..., "sun": []}
    opening_hours = JSONB(null=False, default={})
    # Goes up on every admin edit: the ETag that If-Match must name (two admins never overwrite each other).
    revision = Integer(null=False, default=1)


class MppClosure(Table, tablename="catalogue_mpp_closure"):
    """A day the MPP building is closed besides the calendar's days off (renovation, an election, a flood)."""

    id = UUID(primary_key=True)
    mpp = ForeignKey(references=Mpp, null=False, on_delete=OnDelete.cascade, index=True)
    day = Date(null=False)
    reason_id = Text(null=False)
    reason_en = Text(null=False)
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(null=False)


class Agency(Table, tablename="catalogue_agency"):
    """An agency serving one region (the same kind of agency in another region is another row)."""

    id = UUID(primary_key=True)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict, index=True)
    code = Varchar(length=40, null=False, index=True)
    name_id = Varchar(length=200, null=False)
    name_en = Varchar(length=200, null=False)
    short_name = Varchar(length=40, null=False)
    kind = Varchar(length=10, null=False)
    # Set when the agency leaves the region's MPP; the row stays, since services and applications refer to it.
    retired_at = Timestamptz(null=True, default=None)
    revision = Integer(null=False, default=1)


class Counter(Table, tablename="catalogue_counter"):
    """A service counter (loket) in an MPP building, staffed by one agency."""

    id = UUID(primary_key=True)
    mpp = ForeignKey(references=Mpp, null=False, on_delete=OnDelete.cascade, index=True)
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.cascade, index=True)
    number = Varchar(length=10, null=False)
    retired_at = Timestamptz(null=True, default=None)
    revision = Integer(null=False, default=1)


class DocumentType(Table, tablename="catalogue_document_type"):
    code = Varchar(length=40, primary_key=True)
    name_id = Varchar(length=200, null=False)
    name_en = Varchar(length=200, null=False)
    formats = Array(base_column=Varchar(length=10), null=False, default=[])
    max_size_mb = SmallInt(null=False, default=10)
    # Null: does not expire.
    validity_months = SmallInt(null=True, default=None)
    description_id = Text(null=True, default=None)
    description_en = Text(null=True, default=None)


class Service(Table, tablename="catalogue_service"):
    """A public service as one region offers it."""

    id = UUID(primary_key=True)
    code = Varchar(length=80, null=False, index=True)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict, index=True)
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.restrict, index=True)
    name_id = Varchar(length=200, null=False)
    name_en = Varchar(length=200, null=False)
    description_id = Text(null=False)
    description_en = Text(null=False)
    categories = Array(base_column=Varchar(length=20), null=False, default=[])
    channels = Varchar(length=10, null=False)  # online | counter | both
    fee = BigInt(null=False, default=0)
    fee_note_id = Text(null=True, default=None)
    fee_note_en = Text(null=True, default=None)
    sla_days = SmallInt(null=False)
    # The assurance level an applicant needs (api.accounts.assurance): phone | registry | in_person.
    assurance = Varchar(length=10, null=False, default="phone")
    legal_basis = Array(base_column=Text(), null=False, default=[])
    # [{"id": "...", "en": "..."}]
    procedure = JSONB(null=False, default=[])
    # The form definition: [{"name", "type", "label": {"id", "en"}, "required", ...}]
    form = JSONB(null=False, default=[])
    keywords = Array(base_column=Text(), null=False, default=[])
    output_id = Text(null=True, default=None)
    output_en = Text(null=True, default=None)
    # Shown to citizens and found by search: retired_at IS NULL AND NOT hidden (kept by api.catalogue.standards,
    # so every search statement filters on one column).
    active = Boolean(null=False, default=True)
    updated_at = Timestamptz(null=False)
    # The published version of the standard in force (catalogue_service_version); applications record it.
    version = Integer(null=False, default=1)
    # True: the content is the national standard's, maintained by a national admin and inherited; the region may
    # only hide it or add a local note. False: the region's own service.
    national = Boolean(null=False, default=False)
    hidden = Boolean(null=False, default=False)
    local_note_id = Text(null=True, default=None)
    local_note_en = Text(null=True, default=None)
    retired_at = Timestamptz(null=True, default=None)
    # Goes up on every admin change (publish, hide, note, retire): the ETag for If-Match.
    revision = Integer(null=False, default=1)


class ServiceRequirement(Table, tablename="catalogue_service_requirement"):
    service = ForeignKey(references=Service, null=False, on_delete=OnDelete.cascade, index=True)
    document_type = ForeignKey(references=DocumentType, null=False, on_delete=OnDelete.restrict, index=True)
    position = Integer(null=False)
    optional = Boolean(null=False, default=False)
    note_id = Text(null=True, default=None)
    note_en = Text(null=True, default=None)


class CounterService(Table, tablename="catalogue_counter_service"):
    """The services one counter serves; a counter with no rows here serves every service of its agency."""

    counter = ForeignKey(references=Counter, null=False, on_delete=OnDelete.cascade, index=True)
    service = ForeignKey(references=Service, null=False, on_delete=OnDelete.cascade, index=True)


class ServiceVersion(Table, tablename="catalogue_service_version"):
    """One published version of a service standard (standar pelayanan, UU 25/2009): append-only.

    ``region`` is null for a national standard (inherited by every region whose MPP has the agency). ``content``
    is the whole standard in the data files' shape (api.catalogue.datafiles.ServiceFile, camelCase), so a version
    can be shown, compared and exported without joining anything.
    """

    id = UUID(primary_key=True)
    region = ForeignKey(references=Region, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    code = Varchar(length=80, null=False)
    version = Integer(null=False)
    content = JSONB(null=False)
    # Who published it and why. No foreign key: the catalogue sits below accounts; the name is kept as shown then.
    author = UUID(null=True, default=None)
    author_name = Varchar(length=120, null=False, default="")
    reason = Text(null=False)
    published_at = Timestamptz(null=False)


class ServiceDraft(Table, tablename="catalogue_service_draft"):
    """A change being prepared (one per service and scope), previewed as citizens would see it before publishing."""

    id = UUID(primary_key=True)
    region = ForeignKey(references=Region, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    code = Varchar(length=80, null=False)
    # The published version this draft changes; null for a new service.
    base_version = Integer(null=True, default=None)
    content = JSONB(null=False)
    revision = Integer(null=False, default=1)
    author = UUID(null=True, default=None)
    author_name = Varchar(length=120, null=False, default="")
    created_at = Timestamptz(null=False)
    updated_at = Timestamptz(null=False)


class CatalogueVersion(Table, tablename="catalogue_version"):
    """One row whose version goes up on every catalogue change (set by statement triggers).

    Caches and ETags key on it, and a NOTIFY on channel ``catalogue_changed`` tells every API process to
    refresh its search vocabulary.
    """

    id = SmallInt(primary_key=True)
    version = BigInt(null=False, default=1)
    changed_at = Timestamptz(null=False)
