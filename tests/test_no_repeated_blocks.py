"""No block of six or more lines repeated in ``api/`` (issue 12): a repeated block is a shared helper not yet written.

Compared like pylint's ``duplicate-code`` checker with ``min-similarity-lines=6``: each physical line's tokens, with
comments, docstrings, imports and function signatures left out (a signature naming the same parameters as another is
no repetition). Only the same lines count, not the same shape with other names. Migrations are not in ``api/``.
"""

from __future__ import annotations

import io
import tokenize
from collections import defaultdict
from pathlib import Path

API = Path(__file__).resolve().parent.parent / "api"
MIN_LINES = 6

# Known pairs, each with its reason; a pair listed here may repeat at most that many blocks. Keep this list short:
# an entry is a helper owed, unless its reason says why none would read better.
KNOWN: dict[tuple[str, str], tuple[int, str]] = {
    ("catalogue/building_schemas.py", "catalogue/transfer_state.py"): (
        1,
        "field declarations only: the wire type AgencyAdmin and the import's AgencyRow share their first six fields; "
        "a common base would tie the wire format to the import's insides",
    ),
}


def _lines(path: Path) -> list[tuple[int, str]]:
    """(line number, the line's tokens) for every line that counts."""
    tokens = list(tokenize.generate_tokens(io.StringIO(path.read_text()).readline))
    per_line: dict[int, list[str]] = defaultdict(list)
    left_out: set[int] = set()
    logical: list[tokenize.TokenInfo] = []
    ignored = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}
    for token in tokens:
        if token.type in ignored:
            continue
        if token.type == tokenize.NEWLINE:
            words = [t.string for t in logical[:2]]
            docstring = all(t.type == tokenize.STRING for t in logical)
            if docstring or words[:1] in (["import"], ["from"], ["def"]) or words == ["async", "def"]:
                for t in logical:
                    left_out.update(range(t.start[0], t.end[0] + 1))
            logical = []
            continue
        logical.append(token)
        per_line[token.start[0]].append(token.string)
    return [(n, " ".join(per_line[n])) for n in sorted(per_line) if n not in left_out]


def repeated_blocks() -> dict[tuple[str, str], list[tuple[int, int]]]:
    """Each pair of files (a file with itself too) → the first lines of its repeated blocks (a block repeated in
    more lines than six is one block)."""
    windows: dict[tuple[str, ...], list[tuple[str, int]]] = defaultdict(list)
    numbers: dict[str, list[int]] = {}
    for path in sorted(API.rglob("*.py")):
        name = str(path.relative_to(API))
        lines = _lines(path)
        numbers[name] = [n for n, _ in lines]
        for i in range(len(lines) - MIN_LINES + 1):
            windows[tuple(text for _, text in lines[i : i + MIN_LINES])].append((name, i))
    starts: dict[tuple[str, str], set[tuple[int, int]]] = defaultdict(set)
    for places in windows.values():
        for i, (a, ai) in enumerate(places):
            for b, bi in places[i + 1 :]:
                starts[(a, b)].add((ai, bi))
    blocks: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for (a, b), found in starts.items():
        # A window that starts one line further on in both files continues the block before it.
        firsts = sorted((ai, bi) for ai, bi in found if (ai - 1, bi - 1) not in found)
        blocks[(a, b)] = [(numbers[a][ai], numbers[b][bi]) for ai, bi in firsts]
    return blocks


def test_no_block_of_six_lines_is_repeated() -> None:
    unexpected = []
    for (a, b), found in sorted(repeated_blocks().items()):
        allowed = KNOWN.get((a, b), (0, ""))[0]
        if len(found) > allowed:
            unexpected += [f"{a}:{at} and {b}:{bt}" for at, bt in found]
    assert unexpected == []


def test_known_pairs_are_still_there() -> None:
    """A known pair that no longer repeats comes off the list (so the list only shrinks)."""
    found = repeated_blocks()
    assert [pair for pair in KNOWN if pair not in found] == []
