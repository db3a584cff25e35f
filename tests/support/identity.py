"""Identity numbers for test people."""

from __future__ import annotations

import secrets
from typing import Any

import httpx


def random_nik() -> str:
    """A structurally valid NIK (Banyumas, born in August of the 1990s), different on each call.

    NIKs are unique per account and the session shares one database, so the birth day and year vary as well as
    the serial: about 2.5 million numbers, which keeps a clash (the second account would hold only a claim to the
    NIK, accounts_nik_claim) out of a session's few hundred.
    """
    day = secrets.randbelow(28) + 1
    return f"330201{day:02d}089{secrets.randbelow(10)}{secrets.randbelow(9000) + 1000}"


def known_to_registry(nik: str, name: str, *, kk: str | None = None, relationship: str = "KEPALA KELUARGA") -> None:
    """Make the population registry of this test process (the in-process fake the app asks in tests) know a
    person, with the birth date their NIK encodes: the test's equivalent of being in Dukcapil's database."""
    from api.accounts.identity import nik_birth_date
    from api.registry.fake import Person
    from api.registry.service import dev_fake

    born = nik_birth_date(nik)[0]
    if kk is None and nik in dev_fake().people:
        return  # known already (perhaps with a family card a test gave): keep it
    dev_fake().add(Person(nik=nik, name=name, birth_date=born, kk=kk, relationship=relationship))


async def verify_identity(client: httpx.AsyncClient, citizen: dict[str, Any], *, nik: str, name: str) -> None:
    """Prove the citizen's NIK through the API (assurance ``registry``), the person known to the registry first."""
    from api.accounts.identity import nik_birth_date

    known_to_registry(nik, name)
    response = await client.post(
        "/api/v1/me/identity/verify",
        json={"nik": nik, "name": name, "birthDate": nik_birth_date(nik)[0].isoformat()},
        headers={"Authorization": f"Bearer {citizen['accessToken']}"},
    )
    assert response.status_code == 200 and response.json()["verified"], response.text
