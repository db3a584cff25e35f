"""The application state machine, defined once: every status, the open ones, and the moves between them.

    draft ──submit──▶ submitted ──start_review──▶ in_review ──approve──▶ approved ──complete──▶ completed
                          │                        │   ▲  └──reject──▶ rejected
                          │                        │   │
                          │           request_correction  resubmit (the citizen fixes it)
                          │                        ▼   │
                          │                   needs_correction   (the deadline is paused)
                          └── withdraw (citizen, before a decision) ──▶ withdrawn

Everything else is derived from the two ``Literal`` types below: the wire schemas' ``status`` (and so the OpenAPI
enum), the officer inbox's status filter, the service's tuples and SQL. The migration's CHECK constraint and the
inbox's partial indexes spell the same lists in SQL; ``tests/applications/test_statuses.py`` fails when they drift.
A leaf module (no imports from the domain) so that schemas, services and other domains can all import it.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

# An application an officer still has to act on; the inbox, the workload and the deadlines count these.
OpenStatus = Literal["submitted", "in_review", "needs_correction", "approved"]
Status = Literal["draft", OpenStatus, "completed", "rejected", "withdrawn"]
# What an officer may do to an application (the body of POST …/decision).
OfficerAction = Literal["start_review", "request_correction", "approve", "reject", "complete"]
CitizenAction = Literal["submit", "resubmit", "withdraw"]
# What a timeline entry records: the moves below, a draft's first save, claiming or handing on a case, and a
# deadline moved because a day off was added (api/applications/service/deadlines.py; the status stays).
TimelineAction = Literal["draft", "assign", "deadline_changed", OfficerAction, CitizenAction]

STATUSES: Final[tuple[Status, ...]] = get_args(Status)
OPEN: Final[tuple[OpenStatus, ...]] = get_args(OpenStatus)
TIMELINE_ACTIONS: Final[tuple[TimelineAction, ...]] = get_args(TimelineAction)
# The agency's own housekeeping: who works on a case is not the citizen's business, and a claim changes no
# status — shown to the citizen it read as a second "Diajukan". Only the officers' timeline shows these.
INTERNAL_ACTIONS: Final[tuple[TimelineAction, ...]] = ("assign",)

# The statuses code refers to by name (mypy checks each is a member of ``Status``).
DRAFT: Final[Status] = "draft"
SUBMITTED: Final[Status] = "submitted"
IN_REVIEW: Final[Status] = "in_review"
NEEDS_CORRECTION: Final[Status] = "needs_correction"
APPROVED: Final[Status] = "approved"
COMPLETED: Final[Status] = "completed"
REJECTED: Final[Status] = "rejected"
WITHDRAWN: Final[Status] = "withdrawn"

DECIDED: Final[tuple[Status, ...]] = (APPROVED, COMPLETED, REJECTED)
# action: (from states, to state, who may do it)
TRANSITIONS: Final[dict[OfficerAction | CitizenAction, tuple[tuple[Status, ...], Status, str]]] = {
    "submit": ((DRAFT,), SUBMITTED, "citizen"),
    "start_review": ((SUBMITTED,), IN_REVIEW, "officer"),
    "request_correction": ((IN_REVIEW,), NEEDS_CORRECTION, "officer"),
    "resubmit": ((NEEDS_CORRECTION,), IN_REVIEW, "citizen"),
    "approve": ((IN_REVIEW,), APPROVED, "officer"),
    "reject": ((SUBMITTED, IN_REVIEW), REJECTED, "officer"),
    "complete": ((APPROVED,), COMPLETED, "officer"),
    "withdraw": ((DRAFT, SUBMITTED, IN_REVIEW, NEEDS_CORRECTION), WITHDRAWN, "citizen"),
}


def sql_list(statuses: tuple[str, ...]) -> str:
    """``'a', 'b'`` for an ``IN (…)`` written into a statement: the inbox's partial indexes are only used when
    the planner can see the open statuses in the SQL itself (a parameter hides them from a generic plan)."""
    return ", ".join(f"'{status}'" for status in statuses)
