"""Work the processes share through PostgreSQL: the outbox (two workers, each message delivered exactly once) and
the figures (every process runs the stats job; one at a time per source by advisory lock).

Applications are submitted alternately through API processes A and B; only the two ``mpp worker`` processes
consume the outbox (``MPP_WORKER_IN_SERVE=false``). The database is read only to assert.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Any

import asyncpg
import httpx
import pytest_asyncio

from api.accounts.identity import nik_birth_date
from api.stats.verify import verify
from tests.multiprocess.cluster import Cluster, eventually
from tests.support.applications import answers_for, documents_for, idempotency_key, kk_service
from tests.support.auth import account_id, bearer
from tests.support.identity import random_nik

TOPIC = "application.status_changed"
MESSAGES = 12  # submissions, alternately through A and B: one outbox message each to the citizen
DELIVERY_SECONDS = 60.0
# The figures count a transaction's events once every older transaction *on the server* has ended (xid snapshots
# are server-wide): another database's long transaction on a shared test server holds them back that long.
FIGURES_SECONDS = 180.0


class Applicant:
    """A citizen with a proven NIK, one push subscription, and the documents Banyumas's kk-baru needs."""

    def __init__(self, tokens: dict[str, Any], service: dict[str, Any], documents: list[str]) -> None:
        self.tokens, self.service, self.documents = tokens, service, documents

    async def submit(self, client: httpx.AsyncClient) -> dict[str, Any]:
        body = {"serviceId": self.service["id"], "answers": answers_for(self.service), "documentIds": self.documents}
        answer = await client.post(
            "/api/v1/applications", json=body, headers={**bearer(self.tokens), **idempotency_key()}
        )
        assert answer.status_code == 201, answer.text
        submitted: dict[str, Any] = answer.json()
        return submitted


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def applicant(cluster: Cluster) -> Applicant:
    nik, name = random_nik(), "Warga Uji Proses"
    person = {"nik": nik, "name": name, "birthDate": nik_birth_date(nik)[0].isoformat(), "kk": None}
    async with cluster.client(0) as a:
        tokens = await cluster.sign_in(a)
        assert (await a.patch("/api/v1/me", json={"name": name, "nik": nik}, headers=bearer(tokens))).status_code == 200
        # Development's registry fake lives in each API process: A learns the person and A checks the NIK.
        assert (
            await a.post("/_dev/registry/_test/people", json={**person, "relationship": "KEPALA KELUARGA"})
        ).is_success
        proof = {"nik": nik, "name": name, "birthDate": person["birthDate"]}
        verified = await a.post("/api/v1/me/identity/verify", json=proof, headers=bearer(tokens))
        assert verified.status_code == 200 and verified.json()["verified"], verified.text
        key = (await a.get("/api/v1/push/key")).json()["publicKey"]
        subscription = cluster.push.subscribe(application_server_key=key)
        subscribed = await a.post("/api/v1/push/subscriptions", json=subscription, headers=bearer(tokens))
        assert subscribed.status_code == 201, subscribed.text
        service = await kk_service(a)
        documents = await documents_for(a, tokens, service)
    return Applicant(tokens, service, documents)


async def test_each_outbox_message_is_delivered_exactly_once_by_the_two_workers(
    cluster: Cluster, cluster_db: asyncpg.Connection, applicant: Applicant
) -> None:
    async with cluster.clients() as (a, b):
        # Submitted concurrently, half through each process, so that both workers have messages to race for.
        submitted = await asyncio.gather(*(applicant.submit(a if i % 2 else b) for i in range(MESSAGES)))
    citizen = account_id(applicant.tokens)
    ids = {s["id"] for s in submitted}

    async def all_processed() -> list[asyncpg.Record] | None:
        rows = await cluster_db.fetch(
            "SELECT id, subject, processed_at, dead_at FROM outbox_message "
            "WHERE recipient = $1 AND topic = $2 AND channel = 'notify'",
            citizen,
            TOPIC,
        )
        return rows if len(rows) == MESSAGES and all(r["processed_at"] for r in rows) else None

    messages = await eventually(all_processed, seconds=DELIVERY_SECONDS, what="the workers delivered every message")
    assert {str(m["subject"]) for m in messages} == ids
    assert all(m["dead_at"] is None for m in messages)
    # Every message is processed, so no worker will push any of them again: what the push service holds is final.
    pushed = collections.Counter(r.json()["id"] for r in cluster.push.received if r.json()["topic"] == TOPIC)
    assert pushed == {m["id"]: 1 for m in messages}, pushed
    inbox = await cluster_db.fetch(
        "SELECT outbox, count(*) AS n FROM notifications_notification WHERE account = $1 AND topic = $2 GROUP BY 1",
        citizen,
        TOPIC,
    )
    assert {r["outbox"]: r["n"] for r in inbox} == {m["id"]: 1 for m in messages}
    deliveries = await cluster_db.fetch(
        "SELECT outbox, count(*) AS n FROM notifications_delivery WHERE outbox = ANY($1::bigint[]) GROUP BY 1",
        [m["id"] for m in messages],
    )
    assert {r["outbox"]: r["n"] for r in deliveries} == {m["id"]: 1 for m in messages}
    assert cluster.exited() == [], "a process of the cluster exited"


async def test_the_figures_after_work_through_both_processes_agree_with_the_record(
    cluster: Cluster, cluster_db: asyncpg.Connection, region_admin: str, applicant: Applicant
) -> None:
    officer = await cluster.staff_sign_in(*await cluster.invite(region_admin, "officer", "DISDUKCAPIL"))
    async with cluster.clients() as (a, b):
        first, second = await applicant.submit(a), await applicant.submit(b)
        for client, application in ((b, first), (a, second)):
            decided = await client.post(
                f"/api/v1/officer/applications/{application['id']}/decision",
                json={"action": "start_review"},
                headers=bearer(officer),
            )
            assert decided.status_code == 200, decided.text
    # Everything committed so far: the processes' own stats jobs (every second, in each of the four) must count it.
    horizon = await cluster_db.fetchval("SELECT pg_snapshot_xmax(pg_current_snapshot())")

    async def caught_up() -> bool:
        return bool(await cluster_db.fetchval("SELECT bool_and(position >= $1) FROM stats_cursor", horizon))

    await eventually(caught_up, seconds=FIGURES_SECONDS, what="the processes' stats jobs caught up", every=0.2)
    received = await cluster_db.fetchval(
        "SELECT sum(received) FROM stats_application_fact WHERE service = $1 AND grain = 'd'", applicant.service["id"]
    )
    made = await cluster_db.fetchval(
        "SELECT count(*) FROM applications_application WHERE service = $1", applicant.service["id"]
    )
    assert received == made >= 2
    # What `mpp stats verify` runs: every day with an event recomputed from the raw rows.
    assert await verify(cluster_db) == []
