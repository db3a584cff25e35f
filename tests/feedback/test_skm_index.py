"""The SKM index exactly as PermenPANRB 14/2017 computes it (``api.feedback.skm``): hand-computed cases, the grade
boundaries, exact halves rounded up, a published table of element sums, and the Krejcie–Morgan sample sizes."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from api.feedback import skm


def test_one_respondent_all_fours_is_100_a_and_all_ones_is_25_d() -> None:
    best = skm.index(1, [4] * 9)
    assert best.score == Decimal("100.00") and best.grade == "A" and best.ikm == 4
    worst = skm.index(1, [1] * 9)
    assert worst.score == Decimal("25.00") and worst.grade == "D" and worst.ikm == 1


def test_no_respondents_has_no_index() -> None:
    empty = skm.index(0, [0] * 9)
    assert empty.score is None and empty.grade is None and empty.nrr is None and empty.nrr_published() is None


@pytest.mark.parametrize(
    ("respondents", "total", "score", "grade"),
    [
        # score = 25 × total / (9 × respondents), worked by hand:
        (19, 604, "88.30", "B"),  # 15100 / 171 = 88.3040… → 88.30, the top of B
        (24, 763, "88.31", "A"),  # 19075 / 216 = 88.3101… → 88.31, the bottom of A
        (26, 717, "76.60", "C"),  # 17925 / 234 = 76.6025… → 76.60, the top of C
        (19, 524, "76.61", "B"),  # 13100 / 171 = 76.6081… → 76.61, the bottom of B
        (5, 117, "65.00", "C"),  # 2925 / 45 = 65 exactly, the bottom of C
        (38, 889, "64.99", "D"),  # 22225 / 342 = 64.9853… → 64.99, the top of D
    ],
)
def test_grade_boundaries(respondents: int, total: int, score: str, grade: str) -> None:
    # Spread the total over the nine elements, each within 1–4 per respondent.
    sums = [total // 9] * 9
    for i in range(total - sum(sums)):
        sums[i] += 1
    computed = skm.index(respondents, sums)
    assert computed.score == Decimal(score) and computed.grade == grade
    assert skm.grade(Decimal(score)) == grade


def test_an_exact_half_is_rounded_up_not_to_even() -> None:
    # 8 respondents, every element summing to 9: IKM = 81 / 72 = 1.125, × 25 = 28.125 exactly → 28.13 (half up;
    # Python's default half-even would publish 28.12).
    computed = skm.index(8, [9] * 9)
    assert computed.ikm == Decimal("1.125") and computed.score == Decimal("28.13")
    assert Decimal("28.125").quantize(Decimal("0.01")) == Decimal("28.12")


def test_an_index_just_under_a_half_is_not_rounded_up_by_intermediate_rounding() -> None:
    # Σ NRR computed element by element and then divided carries nine roundings; one division of the integer sums
    # carries none: the published score equals the exact fraction rounded half up, for every small case.
    from fractions import Fraction

    for respondents in range(1, 40):
        for total in range(9 * respondents, 36 * respondents + 1, 7):
            exact = Fraction(25 * total, 9 * respondents)
            expected = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
            sums = [total // 9] * 9
            for i in range(total - sum(sums)):
                sums[i] += 1
            assert skm.index(respondents, sums).score == expected


# A published table of element sums: 29 respondents of one quarter (Triwulan III), in "Rumus perhitungan IKM
# lengkap", rennn9/GASPUL_BACKEND (GitHub), rumus_perhitungan_ikm_lengkap.md: U1 persyaratan 105, U2 prosedur 101,
# U3 waktu 100, U4 biaya 116, U5 produk 102, U6 kompetensi 105, U7 perilaku 106, U9 pengaduan 115, U8 sarana 105
# (the document numbers "sarana" U8 and "pengaduan" U9; the regulation's order is the other way round; the keys
# below follow the element, not the number). That document publishes 90.56 by its "weighted" method and 91.48 by
# the mean of the NRRs — from the same data.
PUBLISHED_SUMS = {
    "requirements": 105,
    "procedure": 101,
    "time": 100,
    "cost": 116,
    "product": 102,
    "competence": 105,
    "behaviour": 106,
    "complaints": 115,
    "facilities": 105,
}


def test_the_published_table_gives_91_48_not_90_56() -> None:
    """rennn9/GASPUL_BACKEND, rumus_perhitungan_ikm_lengkap.md (table "Perhitungan lengkap Triwulan III"):
    Σ = 955 over 29 respondents and 9 elements; IKM = 955 / 261 = 3.65900…; × 25 = 91.4751… → 91.48, grade A.
    Its 90.56 came from NRRs multiplied by a weight of about 0.11 and rounded to four places at every step."""
    computed = skm.index(29, PUBLISHED_SUMS)
    assert computed.score == Decimal("91.48") and computed.grade == "A"
    published = computed.nrr_published()
    assert published is not None
    assert published["requirements"] == Decimal("3.62") and published["cost"] == Decimal("4.00")
    assert published["time"] == Decimal("3.45") and published["complaints"] == Decimal("3.97")


def test_the_printed_weight_0_111_would_publish_another_score() -> None:
    """The lampiran prints each element's weight as 0.111, a rounding of 1/9. With the table above, weighting by
    0.111 gives 32.93103… × 0.111 × 25 = 91.3836… → 91.38, a tenth of a point under the exact 91.48 (Σ weights
    = 0.999): the index keeps 1/9 exactly."""
    respondents = 29
    weighted = sum((Decimal(v) / Decimal(respondents) * Decimal("0.111") for v in PUBLISHED_SUMS.values()), Decimal(0))
    with_printed_weight = (weighted * 25).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert with_printed_weight == Decimal("91.38")
    assert skm.index(respondents, PUBLISHED_SUMS).score == Decimal("91.48") != with_printed_weight


def test_nrr_per_element_is_sum_over_respondents() -> None:
    computed = skm.index(3, {**{e: 9 for e in skm.ELEMENTS}, "time": 7})
    assert computed.nrr is not None and computed.nrr["cost"] == 3
    assert str(computed.nrr["time"]).startswith("2.3333333333333333333333333")
    published = computed.nrr_published()
    assert published is not None and published["time"] == Decimal("2.33")
    # IKM = (8 × 3 + 7/3) / 9 = 79 / 27; × 25 = 73.148… → 73.15, grade C.
    assert computed.score == Decimal("73.15") and computed.grade == "C"


def test_impossible_sums_are_refused() -> None:
    with pytest.raises(ValueError, match="between 1 and 4"):
        skm.index(2, [9] * 9)
    with pytest.raises(ValueError, match="9 element sums"):
        skm.index(1, [4] * 8)


@pytest.mark.parametrize(
    ("population", "needed"),
    [
        (0, 0),
        (10, 10),
        (20, 19),
        (50, 44),
        (100, 80),
        (500, 217),
        (1000, 278),
        (10_000, 370),
        (1_000_000, 384),
    ],
)
def test_krejcie_morgan_sample_sizes_match_their_table(population: int, needed: int) -> None:
    """Krejcie & Morgan (1970), Table 1 (reprinted in the lampiran of PermenPANRB 14/2017): N → S. The table
    rounds the formula to the nearest whole respondent (N=20: 19.06 → 19; N=50: 44.34 → 44; N=500: 217.47 →
    217), not up — rounding up would ask 20, 45 and 218."""
    assert skm.sample_needed(population) == needed


def test_sample_reached() -> None:
    assert skm.reached(80, 100) and not skm.reached(79, 100) and skm.reached(0, 0)
