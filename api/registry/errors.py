"""What a registry check can fail with, as problem+json (api.lib.errors.DomainError)."""

from __future__ import annotations

from api.lib.errors import DomainError

# How long a caller should wait before asking again when the registry did not answer. The registry's own
# Retry-After (429/503) is passed on when it gives one.
DEFAULT_RETRY_AFTER = 30


class RegistryUnavailableError(DomainError):
    """503 ``registry_unavailable`` with ``Retry-After``: the registry did not give an answer we can use.

    Raised for a network failure, a timeout, a 5xx or 429, an answer that is not the protocol, and for our own
    credentials being refused (an operator's problem, logged as an error; the citizen only learns "try later").
    Never raised for a clean "no match": that is an answer, not a failure.
    """

    status = 503
    code = "registry_unavailable"
    detail = "The population registry cannot be reached right now. Please try again later."

    def __init__(self, retry_after: int = DEFAULT_RETRY_AFTER) -> None:
        super().__init__(headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class InvalidRegistryQueryError(DomainError, ValueError):
    """422 ``invalid_nik``: a NIK or KK that is not 16 ASCII digits is never sent to the registry.

    Callers validate the NIK's structure first (``api.accounts.identity``); this is the gateway's own guard, so
    that fullwidth or Arabic-Indic digits cannot reach the registry or a rate-limit key under another spelling.
    """

    status = 422
    code = "invalid_nik"
