"""Wire types of the PWA's single sign-on routes (consent, logout, connected services)."""

from __future__ import annotations

from api.lib.wire import Input, Struct


class ClientSummary(Struct):
    client_id: str
    name: str
    logo_url: str | None = None
    sector: str | None = None


class PendingRequest(Struct):
    id: str
    client: ClientSummary
    scopes: list[str]
    new_scopes: list[str]
    granted_at: str | None = None
    nik_unavailable: bool = False
    # "none": the system asked that nothing be shown (prompt=none); the PWA answers without a screen.
    prompt: str | None = None
    # The system asked for a fresh sign-in (prompt=login, or max_age shorter than this session's): the PWA has the
    # citizen sign in again before the decision (which is refused until then).
    reauthenticate: bool = False


class SignInDecision(Input):
    approve: bool


class UnattendedAnswer(Input):
    error: str


class SsoRedirect(Struct):
    redirect_to: str | None = None


class LogoutRequestView(Struct):
    client: ClientSummary | None = None
    redirect_to: str | None = None


class Grant(Struct):
    client_id: str
    client_name: str
    scopes: list[str]
    granted_at: str
    logo_url: str | None = None
    sector: str | None = None
    last_used_at: str | None = None


class GrantList(Struct):
    items: list[Grant]
