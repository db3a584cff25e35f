"""The queue's routes: public slots and ticket following, citizens' bookings, the kiosk's tickets, the officer's
counter and the admin's settings. Thin: who may call, headers (Idempotency-Key, If-Match, ETag), the clock; the
rules are in ``api.queue.service``."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from api.lib.auth import (
    CITIZEN,
    KIOSK,
    NATIONAL_ADMIN,
    OFFICER,
    REGION_ADMIN,
    SUPERVISOR,
    Principal,
    admin_region,
    allow,
    officer_of,
    public,
)
from api.lib.db import connection
from api.lib.errors import ProblemError
from api.lib.http import Page, PageSize, client_ip, language, required_revision, tagged
from api.queue import schemas, service
from api.queue.board_controllers import known_region

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")
DATE = re.compile(r"^(?:19|20|21)[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")
DateParam = Annotated[
    str | None, QueryParameter(name="date", pattern=DATE.pattern, description="YYYY-MM-DD", required=False)
]
IdempotencyKey = Annotated[str | None, HeaderParameter(name="Idempotency-Key", required=False)]
IfMatch = Annotated[
    str | None, HeaderParameter(name="If-Match", description='The revision you read, as its ETag: "3"', required=False)
]
OFFICERS = allow(OFFICER, SUPERVISOR)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ProblemError(400, "bad_request", "date must be a calendar date, YYYY-MM-DD.") from None


def _idempotency_key(value: str | None, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not value or not IDEMPOTENCY_KEY.match(value):
        raise ProblemError(
            400, "idempotency_key_required", "Send an Idempotency-Key header (8-100 letters, digits, - _ . :)."
        )
    return value


def _site(request: Request[Any, Any, Any]) -> str:
    """This site's own origin: the configured public URL; in development, the address the kiosk used."""
    configured: str = request.app.state.settings.public_url
    return configured.rstrip("/") if configured else str(request.base_url).rstrip("/")


class QueuePublicController(Controller):
    path = "/api/v1"
    tags = ("queue",)

    @get("/regions/{code:str}/queue/services", operation_id="listQueueServices", opt=public())
    async def services(
        self, request: Request[Any, Any, Any], code: FromPath[str], date: DateParam = None
    ) -> Response[schemas.QueueServiceList]:
        """The region's services with a queue: open on the date (default today), walk-in tickets left today, how
        many wait now."""
        region = await known_region(code)
        async with connection() as conn:
            found = await service.list_services(
                conn, region=region, day=_date(date), now=_now(), lang=language(request)
            )
        return Response(found, headers={"Cache-Control": "no-store"})

    @get("/regions/{code:str}/queue/slots", operation_id="listQueueSlots", opt=public())
    async def slots(
        self,
        code: FromPath[str],
        service_id: Annotated[uuid.UUID, QueryParameter(name="service", description="a service's id")],
        date: Annotated[str, QueryParameter(name="date", pattern=DATE.pattern, description="YYYY-MM-DD")],
    ) -> Response[schemas.SlotList]:
        """A service's slots on a day, each with the seats left (none on days off, closures, past days)."""
        region = await known_region(code)
        day = _date(date)
        assert day is not None
        async with connection() as conn:
            found = await service.list_slots(conn, region=region, service_id=service_id, day=day, now=_now())
        return Response(found, headers={"Cache-Control": "no-store"})

    @get("/queue/tickets/{token:str}", operation_id="followQueueTicket", opt=public())
    async def follow(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Response[schemas.FollowedTicket]:
        """A ticket followed on a phone by the token in its QR: place in line, estimate, the counter once called."""
        async with connection() as conn:
            found = await service.follow(conn, token=token, now=_now(), lang=language(request))
        return Response(found, headers={"Cache-Control": "no-store"})


class BookingController(Controller):
    path = "/api/v1/queue/bookings"
    tags = ("queue",)

    @post("", operation_id="createBooking", opt=allow(CITIZEN), status_code=201)
    async def create(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.BookingCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[schemas.Booking]:
        """Book a slot. The same Idempotency-Key and body again: the same booking (200)."""
        key = _idempotency_key(idempotency_key, required=True)
        assert key is not None
        async with connection() as conn:
            booking, created = await service.book(
                conn, account=principal.id, data=data, idempotency_key=key, now=_now(), lang=language(request)
            )
        return Response(booking, status_code=201 if created else 200, headers={"Cache-Control": "no-store"})

    @get("", operation_id="listMyBookings", opt=allow(CITIZEN))
    async def list_mine(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        page: Page = 1,
        page_size: PageSize = 20,
    ) -> Response[schemas.BookingList]:
        """My bookings (latest first) and my suspension from online booking, if any, with its rule."""
        async with connection() as conn:
            found = await service.list_bookings(
                conn, account=principal.id, page=page, page_size=page_size, now=_now(), lang=language(request)
            )
        return Response(found, headers={"Cache-Control": "no-store"})

    @get("/{booking_id:uuid}", operation_id="getMyBooking", opt=allow(CITIZEN))
    async def get_mine(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], booking_id: FromPath[uuid.UUID]
    ) -> Response[schemas.Booking]:
        async with connection() as conn:
            found = await service.get_booking(conn, account=principal.id, booking_id=booking_id, lang=language(request))
        return Response(found, headers={"Cache-Control": "no-store"})

    @patch("/{booking_id:uuid}", operation_id="moveBooking", opt=allow(CITIZEN))
    async def move(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        booking_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.BookingMove],
    ) -> Response[schemas.Booking]:
        """Move to another slot of the service: the new seat is taken and the old one held, or nothing changes."""
        async with connection() as conn:
            found = await service.move(
                conn, account=principal.id, booking_id=booking_id, data=data, now=_now(), lang=language(request)
            )
        return Response(found, headers={"Cache-Control": "no-store"})

    @delete("/{booking_id:uuid}", operation_id="cancelBooking", opt=allow(CITIZEN), status_code=200)
    async def cancel(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], booking_id: FromPath[uuid.UUID]
    ) -> Response[schemas.Booking]:
        """Cancel before the slot starts; the seat returns to the pool 30 minutes later."""
        async with connection() as conn:
            found = await service.cancel(
                conn, account=principal.id, booking_id=booking_id, now=_now(), lang=language(request)
            )
        return Response(found, headers={"Cache-Control": "no-store"})


class KioskQueueController(Controller):
    path = "/api/v1/kiosk/queue"
    tags = ("kiosk", "queue")

    @post("/tickets", operation_id="kioskIssueTicket", opt=allow(KIOSK), status_code=201)
    async def issue(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.TicketCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[schemas.KioskTicket]:
        """A walk-in ticket for a service, or a booking's check-in (by id or by its QR code); a retry (same
        Idempotency-Key) or a second check-in of the same booking answers the same ticket (200)."""
        if not principal.region:
            raise ProblemError(403, "forbidden", "This device has no region.")
        key = _idempotency_key(idempotency_key, required=False)
        async with connection() as conn:
            ticket, created = await service.issue(
                conn,
                kiosk=principal.id,
                region=principal.region,
                data=data,
                idempotency_key=key,
                site=_site(request),
                now=_now(),
                lang=language(request),
            )
        return Response(ticket, status_code=201 if created else 200, headers={"Cache-Control": "no-store"})


TicketId = FromPath[uuid.UUID]


class OfficerQueueController(Controller):
    path = "/api/v1/officer/queue"
    tags = ("officer", "queue")

    @get("/counters", operation_id="listQueueCounters", opt=OFFICERS)
    async def counters(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal]
    ) -> Response[schemas.CounterList]:
        """My agency's counters: open or not (by me?), the ticket at each, how many each may call."""
        async with connection() as conn:
            found = await service.list_counters(conn, officer=officer_of(principal), now=_now(), lang=language(request))
        return Response(found, headers={"Cache-Control": "no-store"})

    @post("/counters/{number:str}/open", operation_id="openQueueCounter", opt=OFFICERS, status_code=200)
    async def open_counter(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], number: FromPath[str]
    ) -> schemas.CounterState:
        """Sit at a counter (taking it over from whoever had it; leaving my other counter)."""
        async with connection() as conn:
            return await service.open_counter(
                conn, officer=officer_of(principal), number=number[:10], now=_now(), lang=language(request)
            )

    @post("/counters/{number:str}/close", operation_id="closeQueueCounter", opt=OFFICERS, status_code=200)
    async def close_counter(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], number: FromPath[str]
    ) -> schemas.CounterState:
        async with connection() as conn:
            return await service.close_counter(
                conn, officer=officer_of(principal), number=number[:10], now=_now(), lang=language(request)
            )

    @post("/next", operation_id="callNextTicket", opt=OFFICERS, status_code=200)
    async def next_ticket(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], data: JSONBody[schemas.NextCall]
    ) -> Response[schemas.OfficerTicket | None]:
        """Call the next ticket to my counter: 200 with it, or 204 when nobody waits for this counter."""
        async with connection() as conn:
            called = await service.call_next(
                conn,
                officer=officer_of(principal),
                number=data.counter,
                now=_now(),
                lang=language(request),
                ip=client_ip(request),
            )
        if called is None:
            return Response(None, status_code=204)
        return Response(called, headers={"Cache-Control": "no-store"})

    @get("/tickets", operation_id="listQueueTickets", opt=OFFICERS)
    async def tickets(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        status: Annotated[
            schemas.TicketStatus | None, QueryParameter(description="waiting | called | serving | done | no_show")
        ] = None,
    ) -> Response[schemas.OfficerTicketList]:
        """Today's tickets of my agency (waiting ones in line order)."""
        async with connection() as conn:
            found = await service.list_tickets(
                conn, officer=officer_of(principal), status=status, now=_now(), lang=language(request)
            )
        return Response(found, headers={"Cache-Control": "no-store"})

    @get("/tickets/{ticket_id:uuid}", operation_id="getQueueTicket", opt=OFFICERS)
    async def ticket(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], ticket_id: TicketId
    ) -> Response[schemas.OfficerTicket]:
        async with connection() as conn:
            found = await service.get_ticket(
                conn, officer=officer_of(principal), ticket_id=ticket_id, now=_now(), lang=language(request)
            )
        return Response(found, headers={"Cache-Control": "no-store"})

    async def _act(
        self, action: Any, request: Request[Any, Any, Any], principal: Principal, ticket_id: uuid.UUID, **extra: Any
    ) -> schemas.OfficerTicket:
        async with connection() as conn:
            result: schemas.OfficerTicket = await action(
                conn,
                officer=officer_of(principal),
                ticket_id=ticket_id,
                now=_now(),
                lang=language(request),
                ip=client_ip(request),
                **extra,
            )
        return result

    @post("/tickets/{ticket_id:uuid}/recall", operation_id="recallQueueTicket", opt=OFFICERS, status_code=200)
    async def recall(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], ticket_id: TicketId
    ) -> schemas.OfficerTicket:
        return await self._act(service.recall, request, principal, ticket_id)

    @post("/tickets/{ticket_id:uuid}/serve", operation_id="serveQueueTicket", opt=OFFICERS, status_code=200)
    async def serve(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], ticket_id: TicketId
    ) -> schemas.OfficerTicket:
        return await self._act(service.serve, request, principal, ticket_id)

    @post("/tickets/{ticket_id:uuid}/done", operation_id="finishQueueTicket", opt=OFFICERS, status_code=200)
    async def done(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], ticket_id: TicketId
    ) -> schemas.OfficerTicket:
        return await self._act(service.done, request, principal, ticket_id)

    @post("/tickets/{ticket_id:uuid}/no-show", operation_id="noShowQueueTicket", opt=OFFICERS, status_code=200)
    async def no_show(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], ticket_id: TicketId
    ) -> schemas.OfficerTicket:
        return await self._act(service.no_show, request, principal, ticket_id)

    @post("/tickets/{ticket_id:uuid}/transfer", operation_id="transferQueueTicket", opt=OFFICERS, status_code=200)
    async def transfer(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        ticket_id: TicketId,
        data: JSONBody[schemas.Transfer],
    ) -> schemas.OfficerTicket:
        return await self._act(service.transfer, request, principal, ticket_id, data=data)

    @get("/stats", operation_id="queueStats", opt=allow(SUPERVISOR))
    async def stats(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], date: DateParam = None
    ) -> Response[schemas.QueueStats]:
        """A day at my agency's counters (default today): per counter served, waiting, times; the estimate's
        accuracy."""
        officer = officer_of(principal)
        day = _date(date) or service.local_today(officer.region, _now())
        async with connection() as conn:
            found = await service.day_stats(conn, officer=officer, day=day, lang=language(request))
        return Response(found, headers={"Cache-Control": "no-store"})


ADMINS = allow(REGION_ADMIN, NATIONAL_ADMIN)
AdminRegion = Annotated[
    str | None, QueryParameter(pattern=r"^[0-9]{4}$", description="BPS code (national admins; region admins: own)")
]


class QueueAdminController(Controller):
    path = "/api/v1/admin/queue"
    tags = ("admin", "queue")

    @get("/services", operation_id="listQueueSettings", opt=ADMINS)
    async def list_settings(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], region: AdminRegion = None
    ) -> Response[schemas.QueueSettingList]:
        """The region's counter services with their queue settings (defaults where none were set)."""
        scope = admin_region(principal, region)
        if scope is None:
            raise ProblemError(400, "region_required", "Name the region (region=BPS code).")
        async with connection() as conn:
            found = await service.list_settings(conn, region=scope, lang=language(request))
        return Response(found, headers={"Cache-Control": "no-store"})

    @get("/services/{service_id:uuid}", operation_id="getQueueSetting", opt=ADMINS)
    async def get_setting(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], service_id: FromPath[uuid.UUID]
    ) -> Response[schemas.QueueSetting]:
        """One service's queue settings; ETag: the revision to send as If-Match ("0": the defaults)."""
        async with connection() as conn:
            found = await service.get_setting(
                conn, service_id=service_id, scope=admin_region(principal), lang=language(request)
            )
        return tagged(found, found.revision)

    @put("/services/{service_id:uuid}", operation_id="updateQueueSetting", opt=ADMINS)
    async def update_setting(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        service_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.QueueSettingUpdate],
        if_match: IfMatch = None,
    ) -> Response[schemas.QueueSetting]:
        revision = required_revision(if_match, missing='Send If-Match with the revision you read (its ETag, e.g. "3").')
        async with connection() as conn:
            found = await service.update_setting(
                conn,
                service_id=service_id,
                scope=admin_region(principal),
                revision=revision,
                data=data,
                actor=principal.id,
                now=_now(),
                lang=language(request),
                ip=client_ip(request),
            )
        return tagged(found, found.revision)
