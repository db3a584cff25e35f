"""The changes an uploaded catalogue file makes to a region's catalogue, and how to make each one — through the
functions the admin screens use (the building's, the agencies', the counters', the standards'), so that a change by
file obeys every rule a change by hand does, and is audited the same way. ``api.catalogue.transfer`` runs them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import asyncpg
import msgspec

from api.audit.service import record
from api.catalogue import schemas
from api.catalogue.building import update_mpp
from api.catalogue.building_agencies import add_agency, retire_agency, update_agency
from api.catalogue.building_counters import add_counter, retire_counter, update_counter
from api.catalogue.building_schemas import AgencyCreate, AgencyUpdate, CounterCreate, CounterUpdate, MppUpdate, TextIn
from api.catalogue.datafiles import AgencyKind, RegionFile, ServiceFile, Text
from api.catalogue.standards import Admin, publish_content, set_retired, update_overlay
from api.catalogue.standards.diff import diff
from api.catalogue.transfer_state import Current, kind_names, normal_hours
from api.lib.errors import NotFoundError
from api.lib.http import Lang, pick
from api.lib.wire import Struct

Kind = Literal["building", "agency", "service", "overlay", "counter"]
Action = Literal["add", "change", "retire"]


class TransferChange(Struct):
    kind: Kind
    action: Action
    code: str  # the region's, an agency's or service's code, a counter's number
    name: str
    # What changes: the building's or an agency's fields, a service's content paths (as the standards' diff names
    # them: fee, requirements[KK].optional), an overlay's hidden/localNote; "reinstated" when something comes back.
    fields: list[str]
    version: int | None = None  # a service's new version, once applied


@dataclass(frozen=True)
class Actor:
    id: uuid.UUID
    name: str  # as the version history keeps it
    national: bool
    ip: str = ""


# --- the changes a file makes ----------------------------------------------------------------------------------


@dataclass
class Context:
    conn: asyncpg.Connection
    region: str
    actor: Actor
    reason: str
    lang: Lang

    @property
    def edit(self) -> dict[str, Any]:
        """A building change by id as the import makes it: in the region, by the importing admin, with no revision
        of its own to check (the import checked its basis)."""
        return {"scope": self.region, "revision": None, "actor": self.actor.id, "ip": self.actor.ip}

    @property
    def admin(self) -> Admin:
        return Admin(
            id=self.actor.id,
            name=self.actor.name,
            region=None if self.actor.national else self.region,
            ip=self.actor.ip,
        )

    async def agency_id(self, code: str) -> uuid.UUID:
        found: uuid.UUID | None = await self.conn.fetchval(
            "SELECT id FROM catalogue_agency WHERE region = $1 AND code = $2", self.region, code
        )
        if found is None:
            raise NotFoundError("agency")
        return found

    async def service_id(self, code: str) -> uuid.UUID:
        found: uuid.UUID | None = await self.conn.fetchval(
            "SELECT id FROM catalogue_service WHERE region = $1 AND code = $2", self.region, code
        )
        if found is None:
            raise NotFoundError("service")
        return found


Run = Callable[[Context], Awaitable[int | None]]
_HEAD = re.compile(r"^[^.\[]+")


@dataclass
class Step:
    """One change, how to make it, and where in the file its problems are said."""

    change: TransferChange
    run: Run
    path: str  # where a problem without a field of its own is said
    prefix: str | None = None  # a field problem's path under it (a service's content)
    # A field problem's first name → its path in the file (a counter's agencyId → mpp.counters[2].agency).
    fields: dict[str, str] = field(default_factory=dict)

    def where(self, name: str) -> str:
        head = _HEAD.match(name)
        if head and head.group() in self.fields:
            return self.fields[head.group()] + name[head.end() :]
        return f"{self.prefix}.{name}" if self.prefix and name else self.path


def plan(current: Current, desired: RegionFile, lang: Lang) -> list[Step]:
    """The changes from ``current`` to ``desired``, in the order they can be made: the building, agencies that join
    or are renamed, local services (published, reinstated), the overlay, services retired, counters, agencies that
    leave (last: once their services and counters are gone)."""
    return [
        *_building(current, desired),
        *_agencies(current, desired, lang),
        *_services(current, desired, lang),
        *_overlay(current, desired, lang),
        *_retired_services(current, desired, lang),
        *_counters(current, desired, lang),
        *_leaving_agencies(current, desired, lang),
    ]


def _building(current: Current, desired: RegionFile) -> list[Step]:
    want, stored = desired.mpp, current.document.mpp
    hours = normal_hours(want.opening_hours)
    changed = [
        name
        for name, after, before in (
            ("name", want.name, stored.name),
            ("address", want.address, stored.address),
            ("phone", want.phone, stored.phone),
            ("latitude", want.latitude, stored.latitude),
            ("longitude", want.longitude, stored.longitude),
            ("openingHours", hours, normal_hours(stored.opening_hours)),
        )
        if after != before
    ]
    if not changed:
        return []
    data = MppUpdate(
        name=want.name,
        address=want.address,
        opening_hours=cast(Any, hours),
        phone=want.phone,
        latitude=want.latitude,
        longitude=want.longitude,
    )

    async def run(ctx: Context) -> None:
        await update_mpp(
            ctx.conn,
            mpp_id=current.mpp_id,
            data=data,
            **ctx.edit,
        )

    change = TransferChange(kind="building", action="change", code=current.code, name=want.name, fields=changed)
    return [Step(change, run, "mpp", prefix="mpp")]


def _agency_names(desired: RegionFile, code: str, current: Current) -> tuple[Text, str, AgencyKind | None]:
    """An agency's names, short name and (for a region's own agency) kind as the file wants them."""
    for own in desired.own_agencies:
        if own.code == code:
            return own.name, own.short_name, own.kind
    kind = kind_names(code, current.names)
    assert kind is not None  # the check found every agency a national kind or an own agency
    return desired.agency_names.get(code, kind[0]), desired.agency_short_names.get(code, kind[1]), None


def _agencies(current: Current, desired: RegionFile, lang: Lang) -> list[Step]:
    steps = []
    own_at = {o.code: j for j, o in enumerate(desired.own_agencies)}
    for i, code in enumerate(desired.agencies):
        name, short_name, kind = _agency_names(desired, code, current)
        stored = current.agencies.get(code)
        if code in own_at:
            base = f"ownAgencies[{own_at[code]}]"
            fields = {"name": f"{base}.name", "shortName": f"{base}.shortName", "kind": f"{base}.kind"}
        else:
            fields = {"name": f"agencyNames.{code}", "shortName": f"agencyShortNames.{code}"}
        words = pick(lang, name.id, name.en)
        if stored is None or stored.retired:
            data = AgencyCreate(code=code, name=TextIn(id=name.id, en=name.en), short_name=short_name, kind=kind)

            async def add(ctx: Context, data: AgencyCreate = data) -> None:
                await add_agency(ctx.conn, region=ctx.region, data=data, actor=ctx.actor.id, ip=ctx.actor.ip)

            change = TransferChange(
                kind="agency", action="add", code=code, name=words, fields=["reinstated"] if stored else []
            )
            steps.append(Step(change, add, f"agencies[{i}]", fields=fields))
            continue
        changed = [
            name_
            for name_, after, before in (
                ("name.id", name.id, stored.name.id),
                ("name.en", name.en, stored.name.en),
                ("shortName", short_name, stored.short_name),
            )
            if after != before
        ]
        if not changed:
            continue
        update = AgencyUpdate(name=TextIn(id=name.id, en=name.en), short_name=short_name)
        agency_id = stored.id

        async def rename(ctx: Context, agency: uuid.UUID = agency_id, data: AgencyUpdate = update) -> None:
            await update_agency(
                ctx.conn,
                agency_id=agency,
                data=data,
                **ctx.edit,
            )

        change = TransferChange(kind="agency", action="change", code=code, name=words, fields=changed)
        steps.append(Step(change, rename, f"agencies[{i}]", fields=fields))
    return steps


async def _publish(ctx: Context, content: ServiceFile) -> int:
    """Publish ``content`` as the region's next version of that service, audited with the reason."""
    version = await publish_content(
        ctx.conn, scope=ctx.region, content=content, author=ctx.actor.id, author_name=ctx.actor.name, reason=ctx.reason
    )
    await record(
        ctx.conn,
        action="standard.published",
        actor=ctx.actor.id,
        subject=None,
        detail={"scope": ctx.region, "code": content.code, "version": version, "reason": ctx.reason, "via": "import"},
        ip=ctx.actor.ip,
    )
    return version


def _services(current: Current, desired: RegionFile, lang: Lang) -> list[Step]:
    """Local services that are new, changed, or back after being retired (each published only when its content
    changed: an unchanged service keeps its version)."""
    steps = []
    for i, content in enumerate(desired.local_services):
        row = current.services.get(content.code)
        before = msgspec.to_builtins(row.content) if row and row.content else None
        paths = [c.field for c in diff(before, msgspec.to_builtins(content))] if row else []
        if row is not None and not row.retired and not paths:
            continue
        reinstate = row.id if row is not None and row.retired else None

        async def run(
            ctx: Context,
            content: ServiceFile = content,
            changed: bool = bool(paths) or row is None,
            reinstate: uuid.UUID | None = reinstate,
        ) -> int | None:
            version = await _publish(ctx, content) if changed else None
            if reinstate is not None:
                await set_retired(ctx.conn, ctx.admin, reinstate, revision=None, retired=False, reason=ctx.reason)
            return version

        action: Action = "add" if row is None or row.retired else "change"
        change = TransferChange(
            kind="service",
            action=action,
            code=content.code,
            name=pick(lang, content.name.id, content.name.en),
            fields=(["reinstated"] if reinstate else []) + paths,
        )
        steps.append(Step(change, run, f"localServices[{i}]", prefix=f"localServices[{i}]"))
    return steps


def _overlay(current: Current, desired: RegionFile, lang: Lang) -> list[Step]:
    """Inherited national services hidden or shown again, and the region's notes set or removed."""
    overlay = desired.overlay
    hidden = set(overlay.hidden) if overlay else set()
    notes = dict(overlay.notes) if overlay else {}
    present = set(desired.agencies)
    local = {s.code: s for s in desired.local_services}
    codes = hidden | set(notes) | {s.code for s in current.services.values() if s.hidden or s.note is not None}
    steps = []
    for code in sorted(codes):
        row = current.services.get(code)
        national = current.national_agency(code)
        # Services that are going (a local one left out, an inherited one whose agency leaves) keep what they had.
        if code not in local and (national is None or national not in present or (row and not row.national)):
            continue
        changed = []
        if national is not None and code not in local and (row.hidden if row else False) != (code in hidden):
            changed.append("hidden")
        note = notes.get(code)
        if (row.note if row else None) != note:
            changed.append("localNote")
        if not changed:
            continue
        update = schemas.OverlayUpdate(
            hidden=code in hidden if "hidden" in changed else msgspec.UNSET,
            local_note=(schemas.LocalNote(id=note.id, en=note.en) if note else None)
            if "localNote" in changed
            else msgspec.UNSET,
        )

        async def run(ctx: Context, code: str = code, update: schemas.OverlayUpdate = update) -> None:
            data = msgspec.structs.replace(update, reason=ctx.reason)
            await update_overlay(ctx.conn, ctx.admin, await ctx.service_id(code), revision=None, data=data)

        if row is not None:
            name = row.name
        elif code in local:
            name = local[code].name
        else:
            name = current.national[code].name
        path = f"overlay.notes.{code}" if "localNote" in changed else "overlay.hidden"
        change = TransferChange(
            kind="overlay", action="change", code=code, name=pick(lang, name.id, name.en), fields=changed
        )
        steps.append(Step(change, run, path))
    return steps


def _retired_services(current: Current, desired: RegionFile, lang: Lang) -> list[Step]:
    """Local services left out of the file: retired (applications made under them keep them), never deleted."""
    wanted = {s.code for s in desired.local_services}
    steps = []
    for row in sorted(current.services.values(), key=lambda r: r.code):
        if row.national or row.retired or row.code in wanted:
            continue

        async def run(ctx: Context, service: uuid.UUID = row.id) -> None:
            await set_retired(ctx.conn, ctx.admin, service, revision=None, retired=True, reason=ctx.reason)

        change = TransferChange(
            kind="service", action="retire", code=row.code, name=pick(lang, row.name.id, row.name.en), fields=[]
        )
        steps.append(Step(change, run, "localServices"))
    return steps


def _counters(current: Current, desired: RegionFile, lang: Lang) -> list[Step]:
    # Long on purpose: add, change and retire of a counter each need a closure bound to its own values (default
    # arguments); kept side by side so the three read as one plan.
    steps = []
    for i, counter in enumerate(desired.mpp.counters):
        stored = current.counters.get(counter.number)
        services = sorted(counter.services or [])
        base = f"mpp.counters[{i}]"
        fields = {"number": f"{base}.number", "agencyId": f"{base}.agency", "serviceIds": f"{base}.services"}
        name, _, _ = _agency_names(desired, counter.agency, current)
        words = pick(lang, name.id, name.en)
        if stored is None:

            async def add(
                ctx: Context,
                number: str = counter.number,
                agency: str = counter.agency,
                services: list[str] = services,
            ) -> None:
                data = CounterCreate(
                    number=number,
                    agency_id=await ctx.agency_id(agency),
                    service_ids=[await ctx.service_id(code) for code in services],
                )
                await add_counter(
                    ctx.conn, region=ctx.region, data=data, lang=ctx.lang, actor=ctx.actor.id, ip=ctx.actor.ip
                )

            change = TransferChange(kind="counter", action="add", code=counter.number, name=words, fields=[])
            steps.append(Step(change, add, base, fields=fields))
            continue
        changed = (["agency"] if stored.agency != counter.agency else []) + (
            ["services"] if sorted(stored.services) != services else []
        )
        if not changed:
            continue
        counter_id = stored.id

        async def edit(
            ctx: Context,
            stored_id: uuid.UUID = counter_id,
            number: str = counter.number,
            agency: str = counter.agency,
            services: list[str] = services,
        ) -> None:
            data = CounterUpdate(
                number=number,
                agency_id=await ctx.agency_id(agency),
                service_ids=[await ctx.service_id(code) for code in services],
            )
            await update_counter(
                ctx.conn,
                counter_id=stored_id,
                data=data,
                lang=ctx.lang,
                **ctx.edit,
            )

        change = TransferChange(kind="counter", action="change", code=counter.number, name=words, fields=changed)
        steps.append(Step(change, edit, base, fields=fields))
    wanted = {c.number for c in desired.mpp.counters}
    for number, leaving in current.counters.items():
        if number in wanted:
            continue

        async def retire(ctx: Context, stored_id: uuid.UUID = leaving.id) -> None:
            await retire_counter(
                ctx.conn,
                counter_id=stored_id,
                lang=ctx.lang,
                **ctx.edit,
            )

        words = pick(lang, leaving.agency_name.id, leaving.agency_name.en)
        change = TransferChange(kind="counter", action="retire", code=number, name=words, fields=[])
        steps.append(Step(change, retire, "mpp.counters"))
    return steps


def _leaving_agencies(current: Current, desired: RegionFile, lang: Lang) -> list[Step]:
    wanted = set(desired.agencies)
    steps = []
    for code, stored in sorted(current.agencies.items()):
        if stored.retired or code in wanted:
            continue

        async def run(ctx: Context, agency: uuid.UUID = stored.id) -> None:
            await retire_agency(ctx.conn, agency_id=agency, **ctx.edit)

        change = TransferChange(
            kind="agency", action="retire", code=code, name=pick(lang, stored.name.id, stored.name.en), fields=[]
        )
        steps.append(Step(change, run, "agencies"))
    return steps
