"""Push subscriptions, the in-app inbox, and the dead-letter list for region admins."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from api.accounts.language import language_of
from api.lib.auth import NATIONAL_ADMIN, PEOPLE, REGION_ADMIN, Principal, allow, public
from api.lib.db import connection
from api.lib.errors import ProblemError
from api.lib.http import Page, PageSize, language
from api.notifications import service


class PushController(Controller):
    path = "/api/v1/push"
    tags = ("notifications",)

    @get("/key", operation_id="pushKey", opt=public())
    async def key(self, request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
        """The VAPID public key: the applicationServerKey browsers subscribe with."""
        return Response(
            {"publicKey": request.app.state.vapid.application_server_key},
            headers={"Cache-Control": "public, max-age=3600"},
        )

    @post("/subscriptions", operation_id="subscribePush", opt=allow(PEOPLE), status_code=201)
    async def subscribe(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[service.SubscriptionIn],
    ) -> service.SubscriptionOut:
        """Register this device for push (a browser PushSubscription). Kiosks never subscribe."""
        async with connection() as conn:
            return await service.subscribe(
                conn,
                account=principal.id,
                data=data,
                user_agent=request.headers.get("user-agent", ""),
                test_hosts=request.app.state.settings.notify.push_test_hosts,
            )

    @delete("/subscriptions", operation_id="unsubscribePush", opt=allow(PEOPLE), status_code=204)
    async def unsubscribe(
        self,
        principal: NamedDependency[Principal],
        endpoint: Annotated[str | None, QueryParameter(max_length=1000)] = None,
        subscription: Annotated[uuid.UUID | None, QueryParameter(name="id")] = None,
    ) -> None:
        """Stop push to a device (by its endpoint, or the id we gave it)."""
        if not endpoint and not subscription:
            raise ProblemError(400, "invalid_request", "Say which subscription: endpoint or id.")
        async with connection() as conn:
            await service.unsubscribe(conn, account=principal.id, endpoint=endpoint, subscription=subscription)


class InboxController(Controller):
    path = "/api/v1/notifications"
    tags = ("notifications",)

    @get("", operation_id="listNotifications", opt=allow(PEOPLE))
    async def list_notifications(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        page: Page = 1,
        page_size: PageSize = 20,
    ) -> Response[service.Inbox]:
        """The in-app inbox, newest first, in my language."""
        async with connection() as conn:
            # The app's language when it sends one, else the account's choice (as push and SMS texts use).
            asked = request.headers.get("accept-language")
            lang = language(request) if asked else await language_of(conn, principal.id)
            result = await service.inbox(conn, account=principal.id, lang=lang, page=page, page_size=page_size)
        return Response(result, headers={"Cache-Control": "no-store"})

    @post("/{notification_id:uuid}/read", operation_id="readNotification", opt=allow(PEOPLE), status_code=200)
    async def read(self, principal: NamedDependency[Principal], notification_id: FromPath[uuid.UUID]) -> dict[str, int]:
        async with connection() as conn:
            marked = await service.mark_read(conn, account=principal.id, notification=notification_id)
        return {"marked": marked}

    @post("/read-all", operation_id="readAllNotifications", opt=allow(PEOPLE), status_code=200)
    async def read_all(self, principal: NamedDependency[Principal]) -> dict[str, int]:
        async with connection() as conn:
            marked = await service.mark_read(conn, account=principal.id, notification=None)
        return {"marked": marked}


class DeadLetterController(Controller):
    path = "/api/v1/admin/notifications/dead-letters"
    tags = ("admin",)

    @get("", operation_id="listDeadLetters", opt=allow(REGION_ADMIN, NATIONAL_ADMIN))
    async def list_dead(self, principal: NamedDependency[Principal]) -> service.DeadLetterList:
        """Messages given up on after repeated delivery failures (my region's, or all for national admins)."""
        region = None if NATIONAL_ADMIN in principal.roles else principal.region
        async with connection() as conn:
            return await service.dead_letters(conn, region=region)

    @post(
        "/{message_id:int}/replay",
        operation_id="replayDeadLetter",
        opt=allow(REGION_ADMIN, NATIONAL_ADMIN),
        status_code=202,
    )
    async def replay(self, principal: NamedDependency[Principal], message_id: FromPath[int]) -> dict[str, str]:
        region = None if NATIONAL_ADMIN in principal.roles else principal.region
        async with connection() as conn:
            await service.replay(conn, message=message_id, region=region)
        return {"status": "queued"}
