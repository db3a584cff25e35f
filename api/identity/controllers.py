"""Routes: a citizen verifies their identity; an officer checks a KTP-el at the counter and reviews mandates."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from api.accounts import schemas
from api.identity import service
from api.lib.auth import CITIZEN, OFFICER, SUPERVISOR, Principal, allow, officer_of, person_present
from api.lib.db import connection
from api.lib.errors import ProblemError
from api.lib.http import client_ip
from api.registry.service import RegistryAccess


class IdentityController(Controller):
    path = "/api/v1/me/identity"
    tags = ("me",)

    @post("/verify", operation_id="verifyMyIdentity", opt=allow(CITIZEN), status_code=200)
    async def verify(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.IdentityVerify],
        registry: NamedDependency[RegistryAccess],
    ) -> schemas.IdentityVerification:
        """Prove my NIK: the population registry matches NIK, name and birth date (assurance ``registry``)."""
        async with connection() as conn:
            return await service.verify_identity(conn, registry, principal.id, data, ip=client_ip(request))


class CounterCheckController(Controller):
    path = "/api/v1/officer/identity"
    tags = ("officer",)

    @get("/accounts", operation_id="findAccountForCounterCheck", opt=allow(OFFICER, SUPERVISOR))
    async def find(
        self,
        principal: NamedDependency[Principal],
        phone: Annotated[str | None, QueryParameter(max_length=32)] = None,
        application: Annotated[str | None, QueryParameter(max_length=40, pattern=r"^[0-9A-Za-z-]+$")] = None,
    ) -> schemas.CounterCard:
        """The citizen at the counter, by phone number or application number: name, masked NIK, birth date."""
        if (phone is None) == (application is None):
            raise ProblemError(400, "bad_request", "Give either phone or application.")
        async with connection() as conn:
            return await service.find_account(conn, officer_of(principal), phone=phone, application_number=application)

    @post(
        "/accounts/{account_id:uuid}/in-person",
        operation_id="recordInPersonCheck",
        opt=allow(OFFICER, SUPERVISOR),
        status_code=201,
    )
    async def record(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        account_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.CounterCheck],
    ) -> schemas.CounterCard:
        """Record that I compared the KTP-el with the account (no photo is kept); a match is ``in_person``."""
        person_present(principal)
        async with connection() as conn:
            return await service.check_in_person(conn, officer_of(principal), account_id, data, ip=client_ip(request))


class MandateReviewController(Controller):
    path = "/api/v1/officer/mandates"
    tags = ("officer",)

    @get("", operation_id="listMandatesForReview", opt=allow(OFFICER, SUPERVISOR))
    async def waiting(self, principal: NamedDependency[Principal]) -> schemas.MandateForReviewList:
        """Parental mandates no registry fact has proven, waiting for a Disdukcapil officer."""
        async with connection() as conn:
            return await service.mandates_for_review(conn, officer_of(principal))

    @post("/{mandate_id:uuid}/review", operation_id="reviewMandate", opt=allow(OFFICER, SUPERVISOR), status_code=200)
    async def review(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        mandate_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.MandateReview],
    ) -> schemas.MandateDecision:
        """Approve (the KK lists parent and child) or refuse with a reason the parent reads."""
        async with connection() as conn:
            return await service.review_mandate(conn, officer_of(principal), mandate_id, data, ip=client_ip(request))
