"""Applications and casework: one state machine (``api.applications.statuses``), enforced here, for every
service of every agency. No HTTP here: errors are ``DomainError`` subclasses (``errors``).

Split by reader:

- ``citizen``   what my wallet has for a service, drafts, submission, withdrawal, resubmission
- ``casework``  the officer's inbox, claiming, decisions and the issued result; the supervisor's view
- ``reading``   wire types from rows, the citizen's reads, the kiosk's status look-up
- ``checks``    a draft or submission checked against its service (answers, documents, mandate)
- ``rules``     legal moves, versions, deadlines (pure functions)
- ``deadlines`` the admin's days off (api.calendar) and the deadlines a new one moves, with their timeline entries
- ``queries``   the SQL, and the deliberate reads of other domains' tables
- ``announce``  the outbox message of a status change
- ``errors``    what the service refuses, with status and code

Callers import from here (``from api.applications import service; service.submit(...)``).
"""

from __future__ import annotations

from api.applications.service.casework import (
    InboxFilter,
    assign,
    broker_flags,
    bulk_start,
    decide,
    inbox,
    officer_view,
    workload,
)
from api.applications.service.citizen import readiness, resubmit, save_draft, submit, withdraw
from api.applications.service.errors import (
    ApplicationNotFoundError,
    IdempotencyConflictError,
    IllegalTransitionError,
    InvalidApplicationError,
    NoMandateError,
    ProfileIncompleteError,
    StaleVersionError,
)
from api.applications.service.reading import get_for_citizen, list_for_citizen, owner_by_number, status_row
from api.applications.service.rules import deadline, local_today, output_types, request_hash
from api.applications.statuses import DECIDED, OPEN, TRANSITIONS
from api.lib.staff import Officer

__all__ = [
    "DECIDED",
    "OPEN",
    "TRANSITIONS",
    "ApplicationNotFoundError",
    "IdempotencyConflictError",
    "IllegalTransitionError",
    "InboxFilter",
    "InvalidApplicationError",
    "NoMandateError",
    "Officer",
    "ProfileIncompleteError",
    "StaleVersionError",
    "assign",
    "broker_flags",
    "bulk_start",
    "deadline",
    "decide",
    "get_for_citizen",
    "inbox",
    "list_for_citizen",
    "local_today",
    "officer_view",
    "output_types",
    "owner_by_number",
    "readiness",
    "request_hash",
    "resubmit",
    "save_draft",
    "status_row",
    "submit",
    "withdraw",
    "workload",
]
