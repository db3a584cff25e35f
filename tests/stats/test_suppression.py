"""Secondary suppression (``api.stats.suppression``): after it no group that adds up to a published total has exactly
one withheld cell, so no withheld count is a published total minus published cells; it withholds the smallest cells
it needs, and the same figures always give the same blanks. Pure: no database."""

from __future__ import annotations

import itertools
import random

import pytest

from api.stats.suppression import TOTAL, Cell, Group, region_month, single_withheld, suppress, totals, with_totals

BELOW = 5


def region_table(counts: dict[str, int], month: str = "2026-11", region: str = "3302") -> dict[Cell, int]:
    return {(month, region, agency, "-"): n for agency, n in counts.items()}


def recoverable(values: dict[Cell, int], groups: list[Group], withheld: frozenset[Cell]) -> list[Cell]:
    """The withheld cells that one published total and its published cells give away by subtraction."""
    found = []
    for group in single_withheld(groups, withheld):
        (hidden,) = [m for m in (*group.parts, group.total) if m in withheld]
        published = sum(values[p] for p in group.parts if p != hidden)
        derived = values[group.total] - published if hidden != group.total else published
        assert derived == values[hidden]
        found.append(hidden)
    return found


def test_the_issues_example_a_region_of_12_with_agencies_9_and_3() -> None:
    cells = region_table({"a": 9, "b": 3})
    values, groups = totals(cells, region_month)
    assert values[("2026-11", "3302", TOTAL)] == 12
    primary = frozenset(c for c, v in values.items() if v < BELOW)
    assert recoverable(values, groups, primary) == [("2026-11", "3302", "b", "-")]  # 12 - 9 = 3
    withheld = suppress(values, groups, BELOW)
    # The agency of 9 is withheld as well; the region's 12 stays published.
    assert withheld == {("2026-11", "3302", "a", "-"), ("2026-11", "3302", "b", "-")}
    assert recoverable(values, groups, withheld) == []


def test_the_next_smallest_cell_is_the_complement_and_one_is_enough() -> None:
    cells = region_table({"a": 40, "b": 7, "c": 2, "d": 12, "e": 7})
    values, withheld = with_totals(cells, BELOW, region_month)
    # 2 is primary; the smallest published are the two 7s: the one with the smaller key is taken, only that one.
    assert {c[2] for c in withheld} == {"c", "b"}
    assert values[("2026-11", "3302", TOTAL)] == 68


def test_two_small_cells_need_no_complement() -> None:
    _, withheld = with_totals(region_table({"a": 40, "b": 3, "c": 0, "d": 12}), BELOW, region_month)
    assert {c[2] for c in withheld} == {"b", "c"}  # zero is withheld too: "none of five" tells as much as one


def test_a_small_total_withholds_everything_in_it() -> None:
    _, withheld = with_totals(region_table({"a": 3, "b": 1}), BELOW, region_month)
    assert withheld == {("2026-11", "3302", "a", "-"), ("2026-11", "3302", "b", "-"), ("2026-11", "3302", TOTAL)}


def test_a_total_recoverable_from_its_parts_takes_a_part_with_it() -> None:
    # The total was withheld elsewhere (fixed), its parts are not: the smallest part goes, or the parts give it.
    values = {("t",): 30, ("p", "1"): 10, ("p", "2"): 20}
    group = Group(("t",), (("p", "1"), ("p", "2")))
    withheld = suppress(values, [group], BELOW, fixed={("t",): True})
    assert withheld == {("t",), ("p", "1")}


def test_fixed_cells_are_never_complements_the_total_is() -> None:
    # A page's total over open-data cells already released: only the page's total may still be withheld.
    parts = {("m1", "s"): 9, ("m2", "s"): 3}
    values = {**parts, ("total", "s"): 12}
    group = Group(("total", "s"), tuple(parts))
    withheld = suppress(values, [group], BELOW, fixed={("m1", "s"): False, ("m2", "s"): True})
    assert withheld == {("m2", "s"), ("total", "s")}
    both_published = suppress(values, [group], BELOW, fixed={("m1", "s"): False, ("m2", "s"): False})
    assert both_published == frozenset()  # what was released is fixed, even a small value (the caller's rule)


def test_complements_chain_through_groups_that_share_cells() -> None:
    # Rows add up to row totals and columns to column totals (months × agencies): a complement in one group can
    # leave another with a single withheld cell, which then needs its own, until none is left.
    cells: dict[Cell, int] = {
        ("m1", "r", "a"): 3,
        ("m1", "r", "b"): 20,
        ("m1", "r", "c"): 30,
        ("m2", "r", "a"): 25,
        ("m2", "r", "b"): 8,
        ("m2", "r", "c"): 40,
    }
    by_agency = lambda c: ("year", c[1], c[2])  # noqa: E731
    values, groups = totals(cells, region_month, by_agency)
    withheld = suppress(values, groups, BELOW)
    assert recoverable(values, groups, withheld) == []
    assert ("m1", "r", "a") in withheld and len(withheld) >= 4  # a 2×2 pattern at least


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_leave_no_group_with_a_single_withheld_cell(seed: int) -> None:
    rng = random.Random(seed)
    months, regions, agencies = (
        [f"2026-{m:02d}" for m in range(1, rng.randint(2, 6))],
        ["3301", "3302"],
        [f"ag{n}" for n in range(rng.randint(1, 6))],
    )
    cells: dict[Cell, int] = {
        (m, r, a, s): rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 13, 40])
        for m, r, a, s in itertools.product(months, regions, agencies, ["s1", "s2"])
        if rng.random() < 0.8
    }
    margins = [region_month, lambda c: ("year", c[1], c[2], c[3]), lambda c: (c[0], c[1], c[2], TOTAL)]
    values, groups = totals(cells, *margins)
    withheld = suppress(values, groups, BELOW)
    assert single_withheld(groups, withheld) == []
    assert all(c in withheld for c, v in values.items() if v < BELOW)  # primary kept
    # Idempotent: run again on its own result (everything withheld fixed), nothing more is withheld.
    assert suppress(values, groups, BELOW, fixed={c: True for c in withheld}) == withheld
    # Deterministic: the same figures in any order give the same blanks.
    shuffled_cells = list(values.items())
    rng.shuffle(shuffled_cells)
    shuffled_groups = [Group(g.total, tuple(rng.sample(g.parts, len(g.parts)))) for g in groups]
    rng.shuffle(shuffled_groups)
    assert suppress(dict(shuffled_cells), shuffled_groups, BELOW) == withheld


def test_a_cell_without_a_value_is_an_error_not_a_silent_zero() -> None:
    with pytest.raises(ValueError, match="without a value"):
        suppress({("t",): 9}, [Group(("t",), (("p",),))], BELOW)
    with pytest.raises(ValueError, match="also a cell"):
        totals({("a", "b", TOTAL): 1, ("a", "b", "x"): 2}, region_month)
