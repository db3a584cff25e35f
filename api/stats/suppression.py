"""Which published counts are withheld so that no person can be singled out: primary and secondary suppression.

Primary: every count below the threshold (``MPP_OPEN_DATA_SUPPRESS_BELOW``) is withheld, zero included ("none of
five" tells as much as "one of five").

Secondary (complementary) suppression, as statistical offices do it (ONS, Eurostat): a withheld count can be
recovered by subtraction when the other cells of a group that adds up to a published total are published — a region
total of 12 with agencies 9 and [withheld] gives 3. So while some group (its parts and its total) has exactly one
withheld cell, the smallest other cell of that group is withheld too (parts before the total, then by key, so the
same figures always give the same blanks), until no group has exactly one withheld cell. A group's total is a cell
like the others: a total recoverable as the sum of published parts is no secret.

Cells are tuples of strings (the same key in every product that publishes them). Pure: no I/O.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

Cell = tuple[str, ...]
TOTAL: Final = "*"  # in a total's key, where its parts have the unit it adds up


@dataclass(frozen=True)
class Group:
    """Cells that add up to a published total."""

    total: Cell
    parts: tuple[Cell, ...]


class Layout:
    """Groups and, for each cell, the groups it is in: built once for the several counts of one table (the same
    cells and totals, other values)."""

    def __init__(self, groups: Iterable[Group]) -> None:
        self.groups = sorted(groups, key=lambda g: g.total)
        # A cell's first group, and any others (most cells are in one: no list per cell).
        self.first: dict[Cell, int] = {}
        self.more: dict[Cell, list[int]] = {}
        for index, group in enumerate(self.groups):
            for cell in (*group.parts, group.total):
                if cell in self.first:
                    self.more.setdefault(cell, []).append(index)
                else:
                    self.first[cell] = index

    def totals(self, cells: Mapping[Cell, int]) -> dict[Cell, int]:
        """``cells`` with each group's total set to the sum of its parts."""
        values = dict(cells)
        for group in self.groups:
            values[group.total] = sum(cells[p] for p in group.parts)
        return values

    def suppress(
        self, values: Mapping[Cell, int], below: int, *, fixed: Mapping[Cell, bool] | None = None
    ) -> frozenset[Cell]:
        """``suppress`` over these groups."""
        fixed = fixed or {}
        unknown = self.first.keys() - values.keys()
        if unknown:
            raise ValueError(f"cells without a value: {sorted(unknown)[:3]}")
        withheld = {c for c, v in values.items() if fixed.get(c, v < below)}
        pending = deque(range(len(self.groups)))
        queued = set(pending)
        while pending:
            index = pending.popleft()
            queued.discard(index)
            group = self.groups[index]
            members = (*group.parts, group.total)
            if sum(1 for m in members if m in withheld) != 1:
                continue
            candidates = [(values[m], m == group.total, m) for m in members if m not in withheld and m not in fixed]
            if not candidates:
                continue
            chosen = min(candidates)[2]
            withheld.add(chosen)
            for other in (self.first[chosen], *self.more.get(chosen, ())):
                if other not in queued:
                    queued.add(other)
                    pending.append(other)
        return frozenset(withheld)


def suppress(
    values: Mapping[Cell, int],
    groups: Iterable[Group],
    below: int,
    *,
    fixed: Mapping[Cell, bool] | None = None,
) -> frozenset[Cell]:
    """The cells withheld: those below ``below``, then the complements until no group has exactly one withheld
    cell. A ``fixed`` cell keeps the state given (True: withheld) and is never chosen as a complement — its state
    was decided by another product already published (e.g. the open data's cells, under a page's total). A group
    whose only withheld cell has no other cell that may be withheld is left as it is (the caller makes sure it
    cannot happen: every group it builds has a total that is not fixed)."""
    return Layout(groups).suppress(values, below, fixed=fixed)


def region_month(cell: Cell) -> Cell:
    """The total a ``(month, region, …)`` cell adds up to: the region's month (the public page shows it)."""
    return (cell[0], cell[1], TOTAL)


def totals(cells: Mapping[Cell, int], *margins: Callable[[Cell], Cell]) -> tuple[dict[Cell, int], list[Group]]:
    """The cells with their totals along each margin (a margin maps a cell to the key of the total it adds up to),
    and the groups they make."""
    values = dict(cells)
    parts: dict[Cell, list[Cell]] = {}
    for margin in margins:
        for cell, value in cells.items():
            total = margin(cell)
            if total in cells:
                raise ValueError(f"total {total} is also a cell")
            parts.setdefault(total, []).append(cell)
            values[total] = values.get(total, 0) + value
    return values, [Group(total, tuple(members)) for total, members in parts.items()]


def with_totals(
    cells: Mapping[Cell, int], below: int, *margins: Callable[[Cell], Cell]
) -> tuple[dict[Cell, int], frozenset[Cell]]:
    """The cells with their totals (``totals``) and the cells withheld, totals included."""
    values, groups = totals(cells, *margins)
    return values, suppress(values, groups, below)


def single_withheld(groups: Iterable[Group], withheld: frozenset[Cell]) -> list[Group]:
    """The groups that leave exactly one withheld cell, i.e. one recoverable by subtraction (none, when
    ``withheld`` comes from ``suppress``; the tests check it)."""
    return [g for g in groups if sum(1 for m in (*g.parts, g.total) if m in withheld) == 1]
