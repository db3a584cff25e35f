"""Tickets at the kiosk and the officer's counter through the API: walk-ins and check-ins (retries make one
ticket), following a ticket, calling next (never one ticket to two counters, none skipped), recall, no-show after
three calls, transfer, serve, done, and scope (another agency's officer sees nothing)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
import pytest_asyncio
from litestar import Litestar

from tests.support.auth import bearer
from tests.support.factories import create_citizen, create_officer, create_supervisor
from tests.support.identity import random_nik
from tests.support.kiosks import create_kiosk
from tests.support.queue import OPEN_REGION, book, free_slots, kiosk_key, open_all_day, queued_service


@pytest_asyncio.fixture(loop_scope="session")
async def admin(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> str:
    return await open_all_day(client, db, app, OPEN_REGION)


@pytest_asyncio.fixture(loop_scope="session")
async def kiosk(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, admin: str) -> dict[str, str]:
    made = await create_kiosk(client, db, app, region=OPEN_REGION, admin=admin)
    return bearer(made["session"]["accessToken"])


async def walk_in(client: httpx.AsyncClient, kiosk: dict[str, str], service_id: str, **extra: Any) -> httpx.Response:
    return await client.post(
        "/api/v1/kiosk/queue/tickets", json={"serviceId": service_id, **extra}, headers={**kiosk, **kiosk_key()}
    )


async def add_counter(client: httpx.AsyncClient, admin: str, agency: str, number: str) -> None:
    building = (await client.get("/api/v1/admin/building", headers=bearer(admin))).json()
    agency_id = next(a["id"] for a in building["agencies"] if a["code"] == agency)
    if any(c["number"] == number for c in building["counters"]):
        return
    made = await client.post(
        "/api/v1/admin/counters", json={"number": number, "agencyId": agency_id}, headers=bearer(admin)
    )
    assert made.status_code == 201, made.text


async def test_a_walk_in_ticket_is_numbered_per_agency_followed_and_retried_once(
    client: httpx.AsyncClient, kiosk: dict[str, str], admin: str
) -> None:
    service = await queued_service(client, admin, agency="KEMENAG", walkInQuota=500)
    sid = service["service"]["id"]
    key = kiosk_key()
    first = await client.post("/api/v1/kiosk/queue/tickets", json={"serviceId": sid}, headers={**kiosk, **key})
    assert first.status_code == 201, first.text
    ticket = first.json()
    letter, seq = ticket["number"].split("-")
    assert letter.isalpha() and len(seq) >= 3 and ticket["kind"] == "walk_in" and ticket["status"] == "waiting"
    assert ticket["followUrl"].endswith(f"/#/q/{ticket['followToken']}") and ticket["qrSvg"].startswith("<svg")
    assert 0 <= ticket["estimate"]["low"] < ticket["estimate"]["high"]
    retried = await client.post("/api/v1/kiosk/queue/tickets", json={"serviceId": sid}, headers={**kiosk, **key})
    assert retried.status_code == 200 and retried.json()["id"] == ticket["id"]
    following = await client.get(f"/api/v1/queue/tickets/{ticket['followToken']}")
    assert following.status_code == 200, following.text
    followed = following.json()
    assert followed["number"] == ticket["number"] and followed["status"] == "waiting"
    assert followed["waitingAhead"] >= 0 and "counter" not in followed
    assert (await client.get("/api/v1/queue/tickets/" + "x" * 32)).status_code == 404
    second = (await walk_in(client, kiosk, sid)).json()
    assert second["number"].split("-")[0] == letter and int(second["number"].split("-")[1]) > int(seq)


async def test_kiosk_refusals(client: httpx.AsyncClient, kiosk: dict[str, str], admin: str) -> None:
    service = await queued_service(client, admin, agency="KPP", index=1, walkInQuota=0)
    full = await walk_in(client, kiosk, service["service"]["id"])
    assert full.status_code == 409 and full.json()["code"] == "walk_in_full"
    both = await client.post(
        "/api/v1/kiosk/queue/tickets",
        json={"serviceId": service["service"]["id"], "checkInCode": "ABCDE-12345"},
        headers=kiosk,
    )
    assert both.status_code == 422 and both.json()["code"] == "invalid_ticket_request"
    unknown = await client.post("/api/v1/kiosk/queue/tickets", json={"checkInCode": "ZZZZZ-ZZZZZ"}, headers=kiosk)
    assert unknown.status_code == 404
    elsewhere = (await client.get("/api/v1/regions/3302/queue/services")).json()["items"][0]
    other_region = await walk_in(client, kiosk, elsewhere["id"])
    assert other_region.status_code == 404
    bad_phone = await walk_in(client, kiosk, service["service"]["id"], phone="12345678")
    assert bad_phone.status_code == 422 and bad_phone.json()["errors"][0]["field"] == "phone"


async def test_check_in_by_qr_code_retried_at_once_makes_one_booked_ticket_ahead_of_walk_ins(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, kiosk: dict[str, str], admin: str
) -> None:
    service = await queued_service(client, admin, agency="PDAM", onlineQuota=470, walkInQuota=500)
    sid = service["service"]["id"]
    walker = (await walk_in(client, kiosk, sid)).json()
    # The slot now or the next one, on time either way; in the day's last slot that is tomorrow's first (00:00),
    # which may be checked in from an hour before.
    slot = (await free_slots(client, sid, days=range(0, 2)))[0]
    citizen = await create_citizen(client, nik=random_nik())
    booking = (await book(client, citizen, sid, slot["start"])).json()
    # The tablet's scanner fires three times (and a fourth attempt names the booking's id): one ticket.
    scans = await asyncio.gather(
        *(
            client.post(
                "/api/v1/kiosk/queue/tickets",
                json={"checkInCode": booking["checkInCode"].lower()[:5] + "-" + booking["checkInCode"][5:]},
                headers=kiosk,
            )
            for _ in range(3)
        ),
        client.post("/api/v1/kiosk/queue/tickets", json={"bookingId": booking["id"]}, headers=kiosk),
    )
    assert sorted(s.status_code for s in scans) == [200, 200, 200, 201], [s.text for s in scans]
    assert len({s.json()["id"] for s in scans}) == 1
    ticket = scans[0].json()
    assert ticket["kind"] == "booked" and ticket["booking"]["onTime"] is True
    assert await db.fetchval("SELECT count(*) FROM queue_ticket WHERE booking = $1", uuid.UUID(booking["id"])) == 1
    mine = (await client.get(f"/api/v1/queue/bookings/{booking['id']}", headers=bearer(citizen))).json()
    assert mine["status"] == "checked_in" and mine["ticket"]["number"] == ticket["number"]
    # The booked ticket (its slot has started) is called before the walk-in who came first.
    officer = await create_officer(db, app, agency="PDAM", region=OPEN_REGION)
    counter = (await client.get("/api/v1/officer/queue/counters", headers=bearer(officer))).json()["items"][0]
    called = await client.post(
        "/api/v1/officer/queue/next", json={"counter": counter["number"]}, headers=bearer(officer)
    )
    if called.json()["number"] != ticket["number"]:
        # The slot has not started yet (booked for the next half hour): it waits as if walking in at its start.
        assert called.json()["number"] == walker["number"]
    await client.post(f"/api/v1/officer/queue/tickets/{called.json()['id']}/done", headers=bearer(officer))


async def test_an_officer_calls_recalls_serves_and_marks_no_show_only_after_three_calls(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, kiosk: dict[str, str], admin: str
) -> None:
    service = await queued_service(client, admin, agency="SAMSAT", walkInQuota=500)
    sid = service["service"]["id"]
    tickets = [(await walk_in(client, kiosk, sid)).json() for _ in range(3)]
    officer = await create_officer(db, app, agency="SAMSAT", region=OPEN_REGION)
    number = (await client.get("/api/v1/officer/queue/counters", headers=bearer(officer))).json()["items"][0]["number"]
    opened = await client.post(f"/api/v1/officer/queue/counters/{number}/open", headers=bearer(officer))
    assert opened.status_code == 200 and opened.json()["mine"] is True and opened.json()["open"] is True
    first = await client.post("/api/v1/officer/queue/next", json={"counter": number}, headers=bearer(officer))
    assert first.status_code == 200, first.text
    called = first.json()
    assert called["number"] == tickets[0]["number"] and called["counter"] == number and called["calls"] == 1
    board = await db.fetch(
        "SELECT kind, counter_number FROM queue_call WHERE ticket = $1 ORDER BY id", uuid.UUID(called["id"])
    )
    assert [tuple(r) for r in board] == [("call", number)]
    followed = (await client.get(f"/api/v1/queue/tickets/{tickets[0]['followToken']}")).json()
    assert followed["status"] == "called" and followed["counter"] == number
    # A called ticket must be dealt with before the next one.
    blocked = await client.post("/api/v1/officer/queue/next", json={"counter": number}, headers=bearer(officer))
    assert blocked.status_code == 409 and blocked.json()["code"] == "ticket_open"
    url = f"/api/v1/officer/queue/tickets/{called['id']}"
    early = await client.post(f"{url}/no-show", headers=bearer(officer))
    assert early.status_code == 409 and early.json()["code"] == "too_few_calls"
    for calls in (2, 3):
        recalled = await client.post(f"{url}/recall", headers=bearer(officer))
        assert recalled.status_code == 200 and recalled.json()["calls"] == calls
    assert recalled.json()["noShowAllowed"] is True
    gone = await client.post(f"{url}/no-show", headers=bearer(officer))
    assert gone.status_code == 200 and gone.json()["status"] == "no_show"
    second = (await client.post("/api/v1/officer/queue/next", json={"counter": number}, headers=bearer(officer))).json()
    assert second["number"] == tickets[1]["number"]
    serving = await client.post(f"/api/v1/officer/queue/tickets/{second['id']}/serve", headers=bearer(officer))
    assert serving.json()["status"] == "serving"
    # "Next" finishes the ticket being served and calls the following one.
    third = (await client.post("/api/v1/officer/queue/next", json={"counter": number}, headers=bearer(officer))).json()
    assert third["number"] == tickets[2]["number"]
    assert (await client.get(f"/api/v1/officer/queue/tickets/{second['id']}", headers=bearer(officer))).json()[
        "status"
    ] == "done"
    finished = await client.post(f"/api/v1/officer/queue/tickets/{third['id']}/done", headers=bearer(officer))
    assert finished.json()["status"] == "done"
    nobody = await client.post("/api/v1/officer/queue/next", json={"counter": number}, headers=bearer(officer))
    assert nobody.status_code == 204
    # Another agency's officer: the counter and the ticket do not exist for them.
    stranger = await create_officer(db, app, agency="DISHUB", region=OPEN_REGION)
    assert (await client.get(url, headers=bearer(stranger))).status_code == 404
    assert (await client.post(f"{url}/recall", headers=bearer(stranger))).status_code == 404
    other = await client.post("/api/v1/officer/queue/next", json={"counter": number}, headers=bearer(stranger))
    assert other.status_code == 404
    supervisor = await create_supervisor(db, app, agency="SAMSAT", region=OPEN_REGION)
    stats = (await client.get("/api/v1/officer/queue/stats", headers=bearer(supervisor))).json()
    row = next(c for c in stats["counters"] if c["number"] == number)
    assert row["served"] >= 2 and row["noShows"] >= 1 and stats["estimate"]["tickets"] >= 3


async def test_a_transferred_ticket_goes_to_the_front_of_the_other_line(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, kiosk: dict[str, str], admin: str
) -> None:
    samsat = await queued_service(client, admin, agency="POLRES", walkInQuota=500)
    bapenda = await queued_service(client, admin, agency="BAPENDA", walkInQuota=500)
    waiting = [(await walk_in(client, kiosk, bapenda["service"]["id"])).json() for _ in range(2)]
    mine = (await walk_in(client, kiosk, samsat["service"]["id"])).json()
    police = await create_officer(db, app, agency="POLRES", region=OPEN_REGION)
    counter = (await client.get("/api/v1/officer/queue/counters", headers=bearer(police))).json()["items"][0]["number"]
    called = (await client.post("/api/v1/officer/queue/next", json={"counter": counter}, headers=bearer(police))).json()
    assert called["number"] == mine["number"]
    moved = await client.post(
        f"/api/v1/officer/queue/tickets/{called['id']}/transfer",
        json={"agency": "BAPENDA", "service": bapenda["service"]["id"]},
        headers=bearer(police),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "waiting" and moved.json()["transferred"] is True
    assert moved.json()["number"] == mine["number"]  # the slip in the citizen's hand stays right
    assert (
        await client.get(f"/api/v1/officer/queue/tickets/{called['id']}", headers=bearer(police))
    ).status_code == 404
    tax = await create_officer(db, app, agency="BAPENDA", region=OPEN_REGION)
    line = (await client.get("/api/v1/officer/queue/tickets?status=waiting", headers=bearer(tax))).json()["items"]
    assert [t["number"] for t in line][:1] == [mine["number"]]
    assert {w["number"] for w in waiting} <= {t["number"] for t in line}
    wrong = await client.post(
        f"/api/v1/officer/queue/tickets/{called['id']}/transfer", json={"agency": "NOPE"}, headers=bearer(tax)
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "invalid_transfer"


async def test_twenty_officers_calling_at_once_never_call_a_ticket_twice_and_skip_none(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, kiosk: dict[str, str], admin: str
) -> None:
    agency = "IMIGRASI"
    for i in range(1, 21):
        await add_counter(client, admin, agency, f"M{i}")
    service = await queued_service(client, admin, agency=agency, walkInQuota=1000)
    issued = [(await walk_in(client, kiosk, service["service"]["id"])).json() for _ in range(60)]
    officers = [await create_officer(db, app, agency=agency, region=OPEN_REGION) for _ in range(20)]
    called: list[tuple[str, str]] = []

    async def desk(officer: str, number: str) -> None:
        while True:
            answer = await client.post("/api/v1/officer/queue/next", json={"counter": number}, headers=bearer(officer))
            if answer.status_code == 204:
                return
            assert answer.status_code == 200, answer.text
            called.append((answer.json()["number"], number))
            done = await client.post(
                f"/api/v1/officer/queue/tickets/{answer.json()['id']}/done", headers=bearer(officer)
            )
            assert done.status_code == 200, done.text

    await asyncio.gather(*(desk(officer, f"M{i + 1}") for i, officer in enumerate(officers)))
    numbers = [n for n, _ in called]
    assert len(numbers) == len(set(numbers)), "a ticket was called twice"
    assert {t["number"] for t in issued} <= set(numbers), "a ticket was skipped"
    calls = await db.fetchval(
        "SELECT count(*) FROM queue_call WHERE ticket = ANY($1::uuid[])", [uuid.UUID(t["id"]) for t in issued]
    )
    assert calls == 60
    assert len({c for _, c in called}) > 1  # the work was shared by several counters
