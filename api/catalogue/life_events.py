"""Life events: the catalogue's categories, defined here once with their names in Indonesian and English.

Everything else is derived from ``LIFE_EVENTS``: the ``LifeEvent`` type that the data files and the
``category`` query parameter are validated against, and the names ``GET /categories`` answers with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NamedTuple


class LifeEventName(NamedTuple):
    id: str
    en: str


# In the order the catalogue lists them (the most common reasons to visit an MPP first).
LIFE_EVENTS: dict[str, LifeEventName] = {
    "birth": LifeEventName("Kelahiran", "Birth"),
    "marriage": LifeEventName("Pernikahan", "Marriage"),
    "moving": LifeEventName("Pindah rumah", "Moving house"),
    "death": LifeEventName("Kematian", "Death"),
    "business": LifeEventName("Memulai usaha", "Starting a business"),
    "vehicle": LifeEventName("Kendaraan", "Vehicles"),
    "health": LifeEventName("Kesehatan", "Health"),
    "social_aid": LifeEventName("Bantuan sosial", "Social aid"),
    "education": LifeEventName("Pendidikan", "Education"),
    "identity": LifeEventName("Dokumen kependudukan", "Identity documents"),
    "property": LifeEventName("Tanah dan bangunan", "Land and buildings"),
    "employment": LifeEventName("Pekerjaan", "Work"),
    "travel": LifeEventName("Perjalanan ke luar negeri", "Travel abroad"),
}

if TYPE_CHECKING:
    # A type checker cannot build a Literal from data; to it a life event is a string. What matters at run
    # time is the exact set, which msgspec (data files) and Litestar (query, OpenAPI enum) get below.
    LifeEvent = str
else:
    LifeEvent = Literal[tuple(LIFE_EVENTS)]
