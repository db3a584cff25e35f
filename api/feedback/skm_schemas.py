"""The SKM survey's wire types (camelCase JSON). Inputs refuse unknown fields; scores are exactly the nine
elements of PermenPANRB 14/2017, each an integer 1–4 (msgspec refuses booleans, strings and fractions for int).

Figures are computed with exact decimals (``api.feedback.skm``); CONTRACT.md wants the published score and the NRRs
as JSON numbers with two decimals, so the already rounded values go on the wire as numbers (91.48 encodes as
91.48: the shortest text of a two-decimal value is that value).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from api.lib.wire import Input, Struct

Score = Annotated[int, msgspec.Meta(ge=1, le=4, description="1 tidak baik/sesuai … 4 sangat baik/sesuai")]
Grade = Literal["A", "B", "C", "D"]
InvitationKind = Literal["application", "ticket"]


class Scores(Input):
    requirements: Score
    procedure: Score
    time: Score
    cost: Score
    product: Score
    competence: Score
    behaviour: Score
    complaints: Score
    facilities: Score


class ScoresOut(Struct):
    requirements: int
    procedure: int
    time: int
    cost: int
    product: int
    competence: int
    behaviour: int
    complaints: int
    facilities: int


class SurveyAnswer(Input):
    scores: Scores
    # Stripped and checked by the service (≤ 1000 characters once stripped); the bound here only stops a flood.
    comment: Annotated[str, msgspec.Meta(max_length=4000)] | None = None


class SurveyCreated(Struct):
    id: uuid.UUID


class OpenSurvey(Struct):
    id: uuid.UUID
    kind: InvitationKind
    ref: uuid.UUID
    agency_name: str
    service_name: str | None
    day: dt.date
    expires_at: dt.datetime
    label: str | None


class OpenSurveyList(Struct):
    items: list[OpenSurvey]


class KioskSurvey(Struct):
    number: str
    agency_name: str
    service_name: str | None


class SkmIndex(Struct, omit_defaults=False):
    """A unit's index over a period (``ikm``: the published 25–100 score; null without respondents)."""

    respondents: int
    elements: dict[str, float | None]
    ikm: float | None
    grade: Grade | None
    sample_needed: int
    population: int
    sample_reached: bool
    start: dt.date = msgspec.field(name="from")
    end: dt.date = msgspec.field(name="to")


class ServiceIndex(SkmIndex, omit_defaults=False):
    service_id: uuid.UUID | None = None
    service_name: str | None = None


class OfficerIndex(Struct, omit_defaults=False):
    id: uuid.UUID
    name: str
    respondents: int
    ikm: float
    grade: Grade


class StaffSkm(Struct, omit_defaults=False):
    overall: SkmIndex
    services: list[ServiceIndex]
    # Supervisors and admins only, and only officers with at least MIN_OFFICER_RESPONDENTS answers.
    officers: list[OfficerIndex] | None = None


class ReplyText(Input):
    text: Annotated[str, msgspec.Meta(max_length=4000)]


class PublicReply(Struct):
    text: str
    at: dt.datetime


class StaffReply(Struct, omit_defaults=False):
    text: str
    at: dt.datetime
    author: str | None
    withdrawn: bool = False


class PublicComment(Struct):
    id: uuid.UUID
    comment: str
    month: str
    agency_name: str
    service_name: str | None
    reply: PublicReply


class PublicCommentList(Struct):
    items: list[PublicComment]


class StaffComment(Struct, omit_defaults=False):
    id: uuid.UUID
    comment: str
    # YYYY-MM: a day (with the service and the scores) could single out the one person served that day.
    month: str
    service_name: str | None
    scores: ScoresOut
    reply: StaffReply | None


class StaffCommentList(Struct):
    items: list[StaffComment]
    total: int
