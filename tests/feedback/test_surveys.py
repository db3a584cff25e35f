"""The SKM survey through the API: invitations made once when an application is completed or rejected and when a
ticket is served (one push message), answering once (twice: 409; twenty at once: one), someone else's (404), an
expired invitation (409), walk-ins at the kiosk, strict scores, the public index equal to a computation of our
own from the answers, and staff who cannot learn who answered."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import uuid
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import asyncpg
import httpx
import pytest_asyncio
from litestar import Litestar

from api.feedback import surveys
from tests.support.auth import account_id, bearer
from tests.support.factories import (
    create_application,
    create_citizen,
    create_officer,
    create_region_admin,
    create_supervisor,
)
from tests.support.feedback import ELEMENTS, completed_application, decide, scores
from tests.support.identity import random_nik
from tests.support.kiosks import create_kiosk
from tests.support.queue import OPEN_REGION, kiosk_key, open_all_day, queued_service


async def invitation_of(db: asyncpg.Connection, ref: str) -> asyncpg.Record:
    row = await db.fetchrow("SELECT * FROM feedback_invitation WHERE ref = $1", uuid.UUID(ref))
    assert row is not None
    return row


async def test_a_completed_application_invites_its_applicant_once_with_one_push(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    citizen, application, _officer = await completed_application(client, db, app)
    invitation = await invitation_of(db, application["id"])
    me = account_id(citizen)
    assert invitation["kind"] == "application" and invitation["account"] == me and invitation["answered_at"] is None
    assert invitation["expires_at"] - invitation["created_at"] == dt.timedelta(days=30)
    messages = await db.fetch(
        "SELECT recipient, subject, payload FROM outbox_message WHERE topic = 'feedback.survey_invite' "
        "AND recipient = $1",
        me,
    )
    assert len(messages) == 1 and messages[0]["subject"] == invitation["id"]
    daily = await db.fetchval(
        "SELECT sum(transactions) FROM feedback_skm_daily WHERE agency = $1 AND service = $2 AND day = $3",
        invitation["agency"],
        invitation["service"],
        invitation["day"],
    )
    # Made again (a retried hook): nothing more — no second invitation, no second count, no second push.
    again = await surveys.invite(
        db,
        kind="application",
        ref=invitation["ref"],
        account=me,
        region=invitation["region"],
        agency=invitation["agency"],
        service=invitation["service"],
        officer=invitation["officer"],
        day=invitation["day"],
        now=dt.datetime.now(dt.UTC),
    )
    assert again is None
    assert await db.fetchval("SELECT count(*) FROM feedback_invitation WHERE ref = $1", invitation["ref"]) == 1
    assert (
        await db.fetchval(
            "SELECT sum(transactions) FROM feedback_skm_daily WHERE agency = $1 AND service = $2 AND day = $3",
            invitation["agency"],
            invitation["service"],
            invitation["day"],
        )
        == daily
    )
    assert (
        await db.fetchval(
            "SELECT count(*) FROM outbox_message WHERE topic = 'feedback.survey_invite' AND recipient = $1", me
        )
        == 1
    )
    listed = (await client.get("/api/v1/me/surveys", headers=bearer(citizen))).json()["items"]
    assert [(i["id"], i["kind"], i["label"]) for i in listed] == [
        (str(invitation["id"]), "application", application["number"])
    ]
    assert listed[0]["agencyName"] and listed[0]["serviceName"]


async def test_a_rejected_application_invites_too_and_an_open_one_cannot_be_rated(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    citizen = await create_citizen(client, nik=random_nik())
    officer = await create_officer(db, app)
    application = await create_application(client, citizen, status="in_review", officer=officer)
    early = await client.post(
        f"/api/v1/applications/{application['id']}/survey", json={"scores": scores()}, headers=bearer(citizen)
    )
    assert early.status_code == 409 and early.json()["code"] == "survey_not_open"
    assert (
        await db.fetchval("SELECT count(*) FROM feedback_invitation WHERE ref = $1", uuid.UUID(application["id"])) == 0
    )
    await decide(client, officer, application, "reject")
    invitation = await invitation_of(db, application["id"])
    assert invitation["officer"] == account_id({"accessToken": officer})
    made = await client.post(
        f"/api/v1/applications/{application['id']}/survey", json={"scores": scores()}, headers=bearer(citizen)
    )
    assert made.status_code == 201, made.text


async def test_one_answer_per_application_and_only_by_its_applicant(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    citizen, application, _officer = await completed_application(client, db, app)
    url = f"/api/v1/applications/{application['id']}/survey"
    stranger = await create_citizen(client)
    foreign = await client.post(url, json={"scores": scores()}, headers=bearer(stranger))
    assert foreign.status_code == 404
    invitation = await invitation_of(db, application["id"])
    by_invitation = await client.post(
        f"/api/v1/surveys/{invitation['id']}", json={"scores": scores()}, headers=bearer(stranger)
    )
    assert by_invitation.status_code == 404
    first = await client.post(
        url, json={"scores": scores(), "comment": "  Cepat dan ramah.  "}, headers=bearer(citizen)
    )
    assert first.status_code == 201, first.text
    survey = await db.fetchrow("SELECT * FROM feedback_survey WHERE id = $1", uuid.UUID(first.json()["id"]))
    assert survey["comment"] == "Cepat dan ramah." and survey["channel"] == "app"
    assert survey["officer"] == invitation["officer"] and survey["agency"] == invitation["agency"]
    assert survey["day"] == invitation["day"] and [survey[e] for e in ELEMENTS] == list(scores().values())
    assert "account" not in dict(survey)
    second = await client.post(url, json={"scores": scores(1, 1, 1, 1, 1, 1, 1, 1, 1)}, headers=bearer(citizen))
    assert second.status_code == 409 and second.json()["code"] == "survey_answered"
    again = await client.post(f"/api/v1/surveys/{invitation['id']}", json={"scores": scores()}, headers=bearer(citizen))
    assert again.status_code == 409 and again.json()["code"] == "survey_answered"
    assert (await client.get("/api/v1/me/surveys", headers=bearer(citizen))).json()["items"] == []
    assert await db.fetchval("SELECT count(*) FROM feedback_survey WHERE invitation = $1", invitation["id"]) == 1


async def test_twenty_answers_at_once_make_one(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    citizen, application, _officer = await completed_application(client, db, app)
    invitation = await invitation_of(db, application["id"])
    before = await db.fetchrow(
        "SELECT sum(respondents) AS respondents, sum(sum_time) AS sum_time FROM feedback_skm_daily "
        "WHERE agency = $1 AND service = $2 AND day = $3",
        invitation["agency"],
        invitation["service"],
        invitation["day"],
    )
    answers = await asyncio.gather(
        *(
            client.post(
                f"/api/v1/surveys/{invitation['id']}" if i % 2 else f"/api/v1/applications/{application['id']}/survey",
                json={"scores": scores(*([1 + i % 4] * 9))},
                headers=bearer(citizen),
            )
            for i in range(20)
        )
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * 19, [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"survey_answered"}
    assert await db.fetchval("SELECT count(*) FROM feedback_survey WHERE invitation = $1", invitation["id"]) == 1
    after = await db.fetchrow(
        "SELECT sum(respondents) AS respondents, sum(sum_time) AS sum_time FROM feedback_skm_daily "
        "WHERE agency = $1 AND service = $2 AND day = $3",
        invitation["agency"],
        invitation["service"],
        invitation["day"],
    )
    stored = await db.fetchval("SELECT time FROM feedback_survey WHERE invitation = $1", invitation["id"])
    assert after["respondents"] == before["respondents"] + 1 and after["sum_time"] == before["sum_time"] + stored


async def test_an_expired_invitation_cannot_be_answered(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    citizen, application, _officer = await completed_application(client, db, app)
    await db.execute(
        "UPDATE feedback_invitation SET expires_at = now() - interval '1 minute' WHERE ref = $1",
        uuid.UUID(application["id"]),
    )
    late = await client.post(
        f"/api/v1/applications/{application['id']}/survey", json={"scores": scores()}, headers=bearer(citizen)
    )
    assert late.status_code == 409 and late.json()["code"] == "survey_not_open"
    assert (await client.get("/api/v1/me/surveys", headers=bearer(citizen))).json()["items"] == []


async def test_scores_and_comments_are_checked_strictly(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    citizen, application, _officer = await completed_application(client, db, app)
    url = f"/api/v1/applications/{application['id']}/survey"
    eight = {k: v for k, v in scores().items() if k != "facilities"}
    bad_bodies: list[Any] = [
        {"scores": eight},
        {"scores": {**scores(), "extra": 3}},
        {"scores": {**scores(), "time": 5}},
        {"scores": {**scores(), "time": 0}},
        {"scores": {**scores(), "time": True}},
        {"scores": {**scores(), "time": "3"}},
        {"scores": {**scores(), "time": 3.5}},
        {"scores": {**scores(), "time": 3.0}},
        {"scores": {**scores(), "time": None}},
        {"scores": scores(), "comment": "x" * 1001},
        {"scores": scores(), "comment": "bagus\u202eevil"},
        {"scores": scores(), "comment": "nul\u0000"},
        {"scores": scores(), "other": 1},
        [],
    ]
    for body in bad_bodies:
        response = await client.post(url, json=body, headers=bearer(citizen))
        assert 400 <= response.status_code < 500 and response.status_code != 409, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (
        await db.fetchval("SELECT answered_at FROM feedback_invitation WHERE ref = $1", uuid.UUID(application["id"]))
        is None
    )
    # A comment of exactly 1000 characters once stripped is taken; blank becomes none.
    ok = await client.post(url, json={"scores": scores(), "comment": "  " + "a" * 1000 + "  "}, headers=bearer(citizen))
    assert ok.status_code == 201, ok.text
    assert (
        len(await db.fetchval("SELECT comment FROM feedback_survey WHERE id = $1", uuid.UUID(ok.json()["id"]))) == 1000
    )


# --- tickets ---------------------------------------------------------------------------------------------------


@pytest_asyncio.fixture(loop_scope="session")
async def admin(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> str:
    return await open_all_day(client, db, app, OPEN_REGION)


@pytest_asyncio.fixture(loop_scope="session")
async def kiosk(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, admin: str) -> dict[str, str]:
    made = await create_kiosk(client, db, app, region=OPEN_REGION, admin=admin)
    return bearer(made["session"]["accessToken"])


async def serve_walk_ins(
    client: httpx.AsyncClient, kiosk: dict[str, str], officer: str, service_id: str, count: int, *, via_next: bool
) -> list[dict[str, Any]]:
    """``count`` walk-in tickets, each called and finished by the officer (``via_next``: the last is finished by
    calling the next, the others by "done")."""
    tickets = []
    for _ in range(count):
        made = await client.post(
            "/api/v1/kiosk/queue/tickets", json={"serviceId": service_id}, headers={**kiosk, **kiosk_key()}
        )
        assert made.status_code == 201, made.text
        tickets.append(made.json())
    counters = (await client.get("/api/v1/officer/queue/counters", headers=bearer(officer))).json()["items"]
    number = counters[0]["number"]
    opened = await client.post(f"/api/v1/officer/queue/counters/{number}/open", headers=bearer(officer))
    assert opened.status_code == 200, opened.text
    mine = {t["id"] for t in tickets}
    while mine:
        called = await client.post("/api/v1/officer/queue/next", json={"counter": number}, headers=bearer(officer))
        assert called.status_code == 200, called.text
        ticket = called.json()
        served = await client.post(f"/api/v1/officer/queue/tickets/{ticket['id']}/serve", headers=bearer(officer))
        assert served.status_code == 200, served.text
        if via_next and len(mine) == 1:
            # "Next" finishes the ticket being served (204: nobody else waits).
            after = await client.post("/api/v1/officer/queue/next", json={"counter": number}, headers=bearer(officer))
            assert after.status_code in (200, 204), after.text
            if after.status_code == 200:
                await client.post(f"/api/v1/officer/queue/tickets/{after.json()['id']}/done", headers=bearer(officer))
        else:
            done = await client.post(f"/api/v1/officer/queue/tickets/{ticket['id']}/done", headers=bearer(officer))
            assert done.status_code == 200, done.text
        mine.discard(ticket["id"])
    return tickets


async def test_a_served_walk_in_rates_once_at_the_kiosk(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, kiosk: dict[str, str], admin: str
) -> None:
    service = await queued_service(client, admin, agency="IMIGRASI", walkInQuota=500)
    officer = await create_officer(db, app, agency="IMIGRASI", region=OPEN_REGION)
    waiting = await client.post(
        "/api/v1/kiosk/queue/tickets", json={"serviceId": service["service"]["id"]}, headers={**kiosk, **kiosk_key()}
    )
    early = await client.get(f"/api/v1/kiosk/queue/survey/{waiting.json()['followToken']}", headers=kiosk)
    assert early.status_code == 409 and early.json()["code"] == "survey_not_open"
    tickets = await serve_walk_ins(client, kiosk, officer, service["service"]["id"], 2, via_next=True)
    for ticket in [waiting.json(), *tickets]:
        invitation = await invitation_of(db, ticket["id"])
        assert invitation["kind"] == "ticket" and invitation["account"] is None
        assert invitation["officer"] == account_id({"accessToken": officer})
        # Walk-ins have no account: nobody to push to.
        assert await db.fetchval("SELECT count(*) FROM outbox_message WHERE subject = $1", invitation["id"]) == 0
    token = tickets[-1]["followToken"]
    shown = await client.get(f"/api/v1/kiosk/queue/survey/{token}", headers=kiosk)
    assert shown.status_code == 200, shown.text
    assert shown.json()["number"] == tickets[-1]["number"] and shown.json()["agencyName"]
    answers = await asyncio.gather(
        *(
            client.post(f"/api/v1/kiosk/queue/survey/{token}", json={"scores": scores()}, headers=kiosk)
            for _ in range(5)
        )
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409, 409]
    made = next(a for a in answers if a.status_code == 201).json()
    assert await db.fetchval("SELECT channel FROM feedback_survey WHERE id = $1", uuid.UUID(made["id"])) == "kiosk"
    again = await client.get(f"/api/v1/kiosk/queue/survey/{token}", headers=kiosk)
    assert again.status_code == 409 and again.json()["code"] == "survey_answered"
    assert (await client.get("/api/v1/kiosk/queue/survey/" + "x" * 32, headers=kiosk)).status_code == 404
    # Another region's kiosk does not find the ticket.
    other = await create_kiosk(client, db, app, region="3302", admin=await create_region_admin(db, app, region="3302"))
    elsewhere = await client.get(
        f"/api/v1/kiosk/queue/survey/{tickets[0]['followToken']}", headers=bearer(other["session"]["accessToken"])
    )
    assert elsewhere.status_code == 404


# --- the public index ------------------------------------------------------------------------------------------


def expected_index(rows: list[asyncpg.Record], population: int) -> dict[str, Any]:
    """The index computed here, apart from api.feedback.skm: fractions, rounded half up only at the end."""
    n = len(rows)
    if n == 0:
        return {"respondents": 0, "ikm": None, "grade": None, "population": population}
    sums = {e: sum(r[e] for r in rows) for e in ELEMENTS}
    exact = Fraction(sum(sums.values()) * 25, 9 * n)
    score = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    grade = "A" if score >= Decimal("88.31") else "B" if score >= Decimal("76.61") else "C" if score >= 65 else "D"
    elements = {
        e: float((Decimal(sums[e]) / Decimal(n)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) for e in ELEMENTS
    }
    return {"respondents": n, "ikm": float(score), "grade": grade, "population": population, "elements": elements}


async def test_the_public_index_equals_a_computation_from_the_answers(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    for values in ((4, 4, 3, 4, 4, 4, 3, 4, 4), (2, 3, 1, 4, 3, 2, 3, 3, 2), (3, 3, 3, 3, 3, 3, 3, 3, 4)):
        citizen, application, _officer = await completed_application(client, db, app)
        made = await client.post(
            f"/api/v1/applications/{application['id']}/survey",
            json={"scores": scores(*values)},
            headers=bearer(citizen),
        )
        assert made.status_code == 201, made.text
    await completed_application(client, db, app)  # invited, never answers: in the population only
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    start = dt.date(today.year, 1, 1)
    agency = await db.fetchval("SELECT id FROM catalogue_agency WHERE code = 'DISDUKCAPIL' AND region = '3302'")
    rows = await db.fetch(
        f"SELECT {', '.join(ELEMENTS)} FROM feedback_survey WHERE agency = $1 AND day BETWEEN $2 AND $3",
        agency,
        start,
        today,
    )
    population = await db.fetchval(
        "SELECT count(*) FROM feedback_invitation WHERE agency = $1 AND day BETWEEN $2 AND $3", agency, start, today
    )
    expected = expected_index(list(rows), population)
    answer = await client.get("/api/v1/skm", params={"region": "3302", "agency": "DISDUKCAPIL"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["respondents"] == expected["respondents"] >= 3 and body["population"] == population
    assert body["ikm"] == expected["ikm"] and body["grade"] == expected["grade"]
    assert body["elements"] == expected["elements"]
    assert body["from"] == start.isoformat() and body["to"] == today.isoformat()
    assert body["sampleNeeded"] >= 1 and body["sampleReached"] is (body["respondents"] >= body["sampleNeeded"])
    # The same through the function the benchmark calls.
    direct = await surveys.skm_index(db, region="3302", agency="DISDUKCAPIL", service=None, start=start, end=today)
    assert direct.ikm == body["ikm"] and direct.respondents == body["respondents"]
    # A unit and period without answers: no score, no grade.
    empty = (
        await client.get("/api/v1/skm", params={"region": "3302", "from": "2001-01-01", "to": "2001-12-31"})
    ).json()
    assert empty["respondents"] == 0 and empty["ikm"] is None and empty["grade"] is None


async def test_index_parameters_are_checked(client: httpx.AsyncClient) -> None:
    for params, status, code in (
        ({"region": "9999"}, 404, "not_found"),
        ({"region": "3302", "agency": "NOPE"}, 404, "not_found"),
        ({"service": str(uuid.uuid4())}, 404, "not_found"),
        ({"from": "2024-02-30"}, 422, "invalid_skm_query"),
        ({"from": "2024-05-01", "to": "2024-04-01"}, 422, "invalid_skm_query"),
        ({"from": "2015-01-01", "to": "2024-01-01"}, 422, "invalid_skm_query"),
        ({"from": "01-02-2024"}, 400, None),
        ({"region": "32\u202e02"}, 400, None),
    ):
        response = await client.get("/api/v1/skm", params=params)
        assert response.status_code == status, (params, response.text)
        if code:
            assert response.json()["code"] == code


# --- what staff see ----------------------------------------------------------------------------------------------


async def test_staff_cannot_learn_who_answered(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    name = "Warga Rahasia " + "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8)).title()
    citizen, application, _officer = await completed_application(client, db, app, name=name)
    me = (await client.get("/api/v1/me", headers=bearer(citizen))).json()
    made = await client.post(
        f"/api/v1/applications/{application['id']}/survey",
        json={"scores": scores(), "comment": "Antrean panjang tetapi petugas sopan."},
        headers=bearer(citizen),
    )
    assert made.status_code == 201
    secrets_of_the_citizen = {me["id"], me["nik"], name, application["id"], application["number"]}
    supervisor = await create_supervisor(db, app)
    region_admin = await create_region_admin(db, app, region="3302")
    officer = await create_officer(db, app)
    seen = []
    for token in (supervisor, region_admin, officer):
        for url in ("/api/v1/staff/skm", "/api/v1/staff/skm/comments"):
            response = await client.get(url, headers=bearer(token), params={"pageSize": 100})
            assert response.status_code == 200, response.text
            seen.append(response.text)
    comments = (
        await client.get("/api/v1/staff/skm/comments", headers=bearer(supervisor), params={"pageSize": 100})
    ).json()
    mine = next(c for c in comments["items"] if c["id"] == made.json()["id"])
    assert mine["comment"] == "Antrean panjang tetapi petugas sopan." and mine["scores"] == scores()
    assert set(mine) == {"id", "comment", "month", "serviceName", "scores", "reply"}
    for text in seen:
        for secret in secrets_of_the_citizen:
            assert secret not in text, secret


async def test_per_officer_figures_only_from_five_answers_and_only_for_supervisors(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, kiosk: dict[str, str], admin: str
) -> None:
    service = await queued_service(client, admin, agency="DPMPTSP", walkInQuota=500)
    officer = await create_officer(db, app, agency="DPMPTSP", region=OPEN_REGION)
    supervisor = await create_supervisor(db, app, agency="DPMPTSP", region=OPEN_REGION)
    officer_id = str(account_id({"accessToken": officer}))
    tickets = await serve_walk_ins(client, kiosk, officer, service["service"]["id"], 5, via_next=False)

    async def officers_seen(token: str) -> list[dict[str, Any]] | None:
        response = await client.get("/api/v1/staff/skm", headers=bearer(token))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert body["overall"]["population"] >= 5
        return body.get("officers")

    for i, ticket in enumerate(tickets):
        answered = await client.post(
            f"/api/v1/kiosk/queue/survey/{ticket['followToken']}",
            json={"scores": scores(*([i % 4 + 1] * 9))},
            headers=kiosk,
        )
        assert answered.status_code == 201, answered.text
        listed = await officers_seen(supervisor)
        assert listed is not None
        if i < 4:
            assert all(o["id"] != officer_id for o in listed), i
    listed = await officers_seen(supervisor)
    assert listed is not None
    mine = next(o for o in listed if o["id"] == officer_id)
    # 5 answers: all 1, 2, 3, 4, 1 → total 9 × 11 = 99 over 45 → × 25 = 55.00, grade D.
    assert mine["respondents"] == 5 and mine["ikm"] == 55.0 and mine["grade"] == "D"
    assert await officers_seen(officer) is None
    regional = await client.get(
        "/api/v1/staff/skm", headers=bearer(admin), params={"agency": "DPMPTSP", "service": service["service"]["id"]}
    )
    assert regional.status_code == 200 and any(o["id"] == officer_id for o in regional.json()["officers"])
    # Staff of one agency do not read another's figures.
    foreign = await client.get("/api/v1/staff/skm", headers=bearer(officer), params={"agency": "DISDUKCAPIL"})
    assert foreign.status_code == 404
    national = await client.get("/api/v1/staff/skm", headers=bearer(await _national(db, app)))
    assert national.status_code == 422 and national.json()["code"] == "region_required"


async def _national(db: asyncpg.Connection, app: Litestar) -> str:
    from tests.support.factories import create_national_admin

    return await create_national_admin(db, app)
