"""Accounts: citizens and staff. One account per person; roles say what it may do."""

from __future__ import annotations

from piccolo.columns import JSONB, UUID, Array, Date, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from api.catalogue.tables import Agency, Region


class Account(Table, tablename="accounts_account"):
    id = UUID(primary_key=True)
    # E.164, e.g. +6281234567890; the sign-in identifier.
    phone = Varchar(length=16, null=False, unique=True)
    # NIK: 16-digit national identity number; optional for staff.
    nik = Varchar(length=16, null=True, default=None, unique=True)
    name = Varchar(length=120, null=False, default="")
    email = Varchar(length=254, null=True, default=None)
    language = Varchar(length=2, null=False, default="id")
    roles = Array(base_column=Varchar(length=20), null=False, default=[])
    # Staff scope: an officer or supervisor works for one agency in one region; a region admin has a region.
    agency = ForeignKey(references=Agency, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    region = ForeignKey(references=Region, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    # KK: the 16-digit family card number; family links require the same KK.
    kk = Varchar(length=16, null=True, default=None, index=True)
    birth_date = Date(null=True, default=None)
    # {"street", "rtRw", "village", "district", "regency", "province", "postcode"}
    address = JSONB(null=True, default=None)
    # active | deletion_requested | deleted | disabled
    status = Varchar(length=20, null=False, default="active")
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    updated_at = Timestamptz(null=False, default=TimestamptzNow())
    deletion_requested_at = Timestamptz(null=True, default=None)


class FamilyMember(Table, tablename="accounts_family_member"):
    """A member of a citizen's household (same KK) that the citizen has linked."""

    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, index=True)
    # The member's own account, when they have one.
    member_account = ForeignKey(references=Account, null=True, default=None, on_delete=OnDelete.set_null)
    member_nik = Varchar(length=16, null=False)
    member_name = Varchar(length=120, null=False)
    # child | parent | spouse | sibling | other
    relation = Varchar(length=10, null=False)
    kk = Varchar(length=16, null=False)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    removed_at = Timestamptz(null=True, default=None)


class Mandate(Table, tablename="accounts_mandate"):
    """Permission for ``holder`` to act for a family member, for some services, for a limited time."""

    id = UUID(primary_key=True)
    holder = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, index=True)
    member = ForeignKey(references=FamilyMember, null=False, on_delete=OnDelete.cascade, index=True)
    # parental: the member is a minor, the holder their parent; consent: an adult member agreed.
    basis = Varchar(length=10, null=False)
    # Service codes the mandate covers; ["*"] for every service.
    services = Array(base_column=Varchar(length=80), null=False, default=[])
    # pending (waiting for the member's consent) | review (a parental mandate waiting for an officer: no KK fact
    # lists both yet) | active | refused (by that officer) | revoked | expired
    status = Varchar(length=10, null=False)
    # What made it active: registry_kk (the registry's KK lists parent and child) | officer (an officer checked
    # the KK) | consent (the adult member accepted). Null while it waits.
    proof = Varchar(length=12, null=True, default=None)
    valid_from = Timestamptz(null=False, default=TimestamptzNow())
    valid_until = Timestamptz(null=False)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = ForeignKey(references=Account, null=True, default=None, on_delete=OnDelete.set_null)
    # The officer who approved or refused a mandate under review, when, and why (a refusal's reason is shown).
    reviewed_by = ForeignKey(references=Account, null=True, default=None, on_delete=OnDelete.set_null)
    reviewed_at = Timestamptz(null=True, default=None)
    review_reason = Varchar(length=500, null=True, default=None)


class NikClaim(Table, tablename="accounts_nik_claim"):
    """A NIK an account declared while another account already held it, waiting for verification.

    The profile shows it as the account's NIK, so that the answer to a NIK change never tells whether someone
    else holds that number. Who really owns it is for identity verification to decide (the Dukcapil registry,
    or an officer with the KTP-el; ``api.accounts.service._set_nik`` is the seam); until then the
    account's own ``nik`` column stays empty and the unique NIK stays with the account that holds it.
    """

    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, unique=True)
    nik = Varchar(length=16, null=False, index=True)
    created_at = Timestamptz(null=False, default=TimestamptzNow())


class IdentityProof(Table, tablename="accounts_identity_proof"):
    """A proof that a NIK is this account's: the registry matched NIK, name and birth date (``registry``), or an
    officer at an MPP counter compared the KTP-el with the account (``in_person``: who, for which agency, where,
    when; no photo of the card is kept). Append-only.

    An account's assurance level is derived from these rows for the NIK it holds now (``api.accounts.assurance``):
    a proof of another NIK (an earlier one) proves nothing about the current one.
    """

    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, index=True)
    nik = Varchar(length=16, null=False, index=True)
    # registry | in_person
    method = Varchar(length=10, null=False)
    # registry: the registry_check fact behind it (no foreign key: the registry's table references ours).
    registry_check = UUID(null=True, default=None)
    # in_person: the officer, their agency and region (the MPP building is the region's one).
    officer = ForeignKey(references=Account, null=True, default=None, on_delete=OnDelete.set_null)
    agency = ForeignKey(references=Agency, null=True, default=None, on_delete=OnDelete.restrict)
    region = ForeignKey(references=Region, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(null=False, default=TimestamptzNow())


class Erasure(Table, tablename="accounts_erasure"):
    """What the erasure job did to one account: what it erased (counts per kind) and what it kept, and why.

    Append-only (a trigger refuses UPDATE and DELETE): the proof, to the citizen and a supervisor, that the
    request was carried out. One per account (``account`` is unique): a second worker cannot erase again.
    """

    id = UUID(primary_key=True)
    account = UUID(null=False, unique=True)
    requested_at = Timestamptz(null=False)
    erased_at = Timestamptz(null=False, default=TimestamptzNow())
    # {"wallet": {"documents": 3, "blobsDeleted": 4}, "auth": {...}, ...}
    erased = JSONB(null=False, default={})
    # [{"what", "why", "until"}]: RETENTION in api.accounts.data_rights at the time.
    kept = JSONB(null=False, default=[])
