"""The SKM index as PermenPANRB 14/2017 computes it, and the sample the period needs: pure arithmetic, no I/O.

Every figure is a ``decimal.Decimal`` computed from integer sums; nothing is rounded until the published score
(IKM × 25, two decimals, half up) and the NRR shown per element. Floats never enter: a float mean of a million
answers can land on the other side of a grade boundary (88.305 is not representable).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Final, Literal

# The nine elements (unsur) of the regulation, in its order; the wire keys are these names (CONTRACT.md).
ELEMENTS: Final[tuple[str, ...]] = (
    "requirements",  # U1 persyaratan
    "procedure",  # U2 sistem, mekanisme dan prosedur
    "time",  # U3 waktu penyelesaian
    "cost",  # U4 biaya/tarif
    "product",  # U5 produk spesifikasi jenis pelayanan
    "competence",  # U6 kompetensi pelaksana
    "behaviour",  # U7 perilaku pelaksana
    "complaints",  # U8 penanganan pengaduan, saran dan masukan
    "facilities",  # U9 sarana dan prasarana
)

Grade = Literal["A", "B", "C", "D"]

# The published score's scale: each NRR is 1–4, so IKM is 1–4 and the score 25–100.
SCALE: Final = Decimal(25)
CENTS: Final = Decimal("0.01")
# The grade bands on the published (rounded) score, lower bounds inclusive (the regulation's table: A 88.31–100,
# B 76.61–88.30, C 65.00–76.60, D 25.00–64.99). Compared on the rounded score, so no value falls between bands.
BANDS: Final[tuple[tuple[Decimal, Grade], ...]] = (
    (Decimal("88.31"), "A"),
    (Decimal("76.61"), "B"),
    (Decimal("65.00"), "C"),
    (Decimal("25.00"), "D"),
)
# The lampiran prints each element's weight as 0.111: that is 1/9 rounded to three places, not a different rule
# (nine equal weights that must sum to 1). Multiplying by 0.111 loses 0.1 % of the index (Σ weights = 0.999)
# and moves published scores by up to 0.1 point — across a grade boundary for a unit near one. So the weight is
# kept exact: IKM = Σ NRR / 9 (tests/feedback/test_skm_index.py shows a published case where 0.111 differs).
# Enough digits that the sums of any realistic period (billions of answers) divide without rounding that could
# reach the second decimal of the score.
PRECISION: Final = 50


@dataclass(frozen=True)
class Index:
    """A unit's index over a period. ``nrr`` and ``ikm`` are exact (to PRECISION digits); ``score`` is the
    published 25–100 value rounded to two decimals; None throughout without respondents."""

    respondents: int
    nrr: dict[str, Decimal] | None
    ikm: Decimal | None
    score: Decimal | None
    grade: Grade | None

    def nrr_published(self) -> dict[str, Decimal] | None:
        """Each element's NRR as shown beside the score: two decimals, half up (the score is not computed from
        these)."""
        if self.nrr is None:
            return None
        return {key: value.quantize(CENTS, rounding=ROUND_HALF_UP) for key, value in self.nrr.items()}


def grade(score: Decimal) -> Grade:
    """The quality grade (mutu pelayanan) of a published score."""
    for lower, letter in BANDS:
        if score >= lower:
            return letter
    raise ValueError(f"a published SKM score is 25.00–100.00, not {score}")


def publish(numerator: int, denominator: int) -> Decimal:
    """The published 25–100 score of IKM = numerator / denominator: × 25, then rounded half up to two decimals.
    The one place anything is rounded, and one correctly rounded division of integers before it: with Σ NRR
    added up first, a quotient such as 88.305 could arrive as 88.30499…9 and be published as 88.30."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return (Decimal(numerator * 25) / Decimal(denominator)).quantize(CENTS, rounding=ROUND_HALF_UP)


def index(respondents: int, sums: Mapping[str, int] | Sequence[int]) -> Index:
    """The index from the number of respondents and each element's sum of scores (keyed by ELEMENTS, or in
    their order). NRR = sum / respondents; IKM = Σ NRR × 1/9; published = IKM × 25."""
    values = [int(sums[key]) for key in ELEMENTS] if isinstance(sums, Mapping) else [int(v) for v in sums]
    if len(values) != len(ELEMENTS):
        raise ValueError(f"{len(ELEMENTS)} element sums are needed, not {len(values)}")
    if respondents < 0 or any(v < 0 for v in values):
        raise ValueError("sums and respondents cannot be negative")
    if respondents == 0:
        return Index(respondents=0, nrr=None, ikm=None, score=None, grade=None)
    if any(not respondents <= v <= 4 * respondents for v in values):
        raise ValueError("each element's sum lies between 1 and 4 per respondent")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        n = Decimal(respondents)
        nrr = {key: Decimal(v) / n for key, v in zip(ELEMENTS, values, strict=True)}
        # Σ NRR × 1/9 = Σ sums / (9 × respondents): the same number, computed as one division of integers so
        # that neither a rounded weight nor the rounding of nine quotients can reach the published decimals.
        total, weight_denominator = sum(values), len(ELEMENTS) * respondents
        ikm = Decimal(total) / Decimal(weight_denominator)
    score = publish(total, weight_denominator)
    return Index(respondents=respondents, nrr=nrr, ikm=ikm, score=score, grade=grade(score))


# --- the sample the period needs ---------------------------------------------------------------------------------
# Krejcie & Morgan (1970), "Determining sample size for research activities", Educational and Psychological
# Measurement 30: 607–610 — the table the regulation's lampiran reprints. s = χ²NP(1−P) / (d²(N−1) + χ²P(1−P))
# with χ² = 3.841 (one degree of freedom, 95 %), P = 0.5 (the largest sample), d = 0.05. Their table rounds to
# the nearest whole respondent (N=20 → 19.06 → 19, N=50 → 44.34 → 44, N=500 → 217.47 → 217), and the lampiran
# reprints that table: so do we (rounding up would ask 20, 45 and 218 where the regulation asks 19, 44 and 217).
CHI_SQUARE: Final = Decimal("3.841")
PROPORTION: Final = Decimal("0.5")
MARGIN: Final = Decimal("0.05")


def sample_needed(population: int) -> int:
    """The respondents a population of ``population`` transactions needs (0 for none; never more than there
    are)."""
    if population < 0:
        raise ValueError("a population cannot be negative")
    if population == 0:
        return 0
    with localcontext() as ctx:
        ctx.prec = PRECISION
        n = Decimal(population)
        spread = CHI_SQUARE * PROPORTION * (1 - PROPORTION)
        size = (spread * n) / (MARGIN * MARGIN * (n - 1) + spread)
        needed = int(size.to_integral_value(rounding=ROUND_HALF_UP))
    return min(needed, population)


def reached(respondents: int, population: int) -> bool:
    """Whether the period's answers are enough for its population (a period without transactions needs none)."""
    return respondents >= sample_needed(population)
