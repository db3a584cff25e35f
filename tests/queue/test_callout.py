"""The board's call-out in words (api/queue/callout.py), and the PWA's copy of it (pwa/js/views/board/callout.js)
saying exactly the same, checked by running the JavaScript with node."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from api.queue.callout import audio_name, callout_parts, callout_text, number_words, spoken, vocabulary

CALLOUT_JS = Path(__file__).resolve().parents[2] / "pwa" / "js" / "views" / "board" / "callout.js"
AUDIO = Path(__file__).resolve().parents[2] / "pwa" / "audio"


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "nol"),
        (1, "satu"),
        (7, "tujuh"),
        (9, "sembilan"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (12, "dua belas"),
        (15, "lima belas"),
        (19, "sembilan belas"),
        (20, "dua puluh"),
        (21, "dua puluh satu"),
        (35, "tiga puluh lima"),
        (99, "sembilan puluh sembilan"),
        (100, "seratus"),
        (101, "seratus satu"),
        (110, "seratus sepuluh"),
        (111, "seratus sebelas"),
        (112, "seratus dua belas"),
        (120, "seratus dua puluh"),
        (200, "dua ratus"),
        (205, "dua ratus lima"),
        (310, "tiga ratus sepuluh"),
        (411, "empat ratus sebelas"),
        (999, "sembilan ratus sembilan puluh sembilan"),
        (1000, "seribu"),
        (1001, "seribu satu"),
        (1100, "seribu seratus"),
        (2000, "dua ribu"),
        (12_345, "dua belas ribu tiga ratus empat puluh lima"),
        (100_000, "seratus ribu"),
        (999_999, "sembilan ratus sembilan puluh sembilan ribu sembilan ratus sembilan puluh sembilan"),
    ],
)
def test_numbers_in_indonesian(n: int, words: str) -> None:
    assert " ".join(number_words(n)) == words


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (12, "twelve"),
        (20, "twenty"),
        (21, "twenty one"),
        (101, "one hundred one"),
        (999, "nine hundred ninety nine"),
    ],
)
def test_numbers_in_english(n: int, words: str) -> None:
    assert " ".join(number_words(n, "en")) == words


def test_numbers_outside_the_range_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        number_words(-1)
    with pytest.raises(ValueError, match="outside"):
        number_words(1_000_000)


@pytest.mark.parametrize(
    ("number", "counter", "text"),
    [
        ("A-012", "3", "Nomor antrean A dua belas, silakan ke loket tiga"),
        ("A-001", "A1", "Nomor antrean A satu, silakan ke loket A satu"),
        ("B-100", "B12", "Nomor antrean B seratus, silakan ke loket B dua belas"),
        ("AA-003", "10", "Nomor antrean A A tiga, silakan ke loket sepuluh"),
        ("C-1000", "C2", "Nomor antrean C seribu, silakan ke loket C dua"),
        ("d-019", " 4 ", "Nomor antrean D sembilan belas, silakan ke loket empat"),
    ],
)
def test_the_call_out_sentence(number: str, counter: str, text: str) -> None:
    assert callout_text(number, counter) == text


def test_the_english_call_out() -> None:
    assert callout_text("A-012", "3", "en") == "Ticket A twelve, please go to counter three"


def test_the_parts_are_the_audio_files_in_order() -> None:
    parts = callout_parts("A-012", "B3")
    assert parts == ["Nomor antrean", "A", "dua", "belas", "silakan ke loket", "B", "tiga"]
    assert [audio_name(p) for p in parts] == ["nomor-antrean", "a", "dua", "belas", "silakan-ke-loket", "b", "tiga"]


def test_long_digit_runs_are_read_digit_by_digit() -> None:
    assert spoken("1234567") == ["satu", "dua", "tiga", "empat", "lima", "enam", "tujuh"]


def test_every_part_of_every_call_out_has_its_audio_file() -> None:
    """The board speaks offline from pwa/audio/id/<part>.mp3: no part may be missing (nor any file unused)."""
    names = {audio_name(p) for p in vocabulary()}
    for n in range(1000):
        names |= {audio_name(p) for p in callout_parts(f"Z-{n:03d}", f"Q{n}")}
    assert names <= set(vocabulary_names := {audio_name(p) for p in vocabulary()}), names - vocabulary_names
    shipped = {p.stem for p in (AUDIO / "id").glob("*.mp3")}
    assert shipped == names
    assert (AUDIO / "chime.mp3").is_file()
    total = sum(p.stat().st_size for p in AUDIO.rglob("*") if p.is_file())
    assert total < 1_000_000, total


NODE_SCRIPT = """
const m = await import(process.argv[1]);
const numbers = [];
for (let n = 0; n <= 2000; n++) numbers.push([m.numberWords(n, 'id'), m.numberWords(n, 'en')]);
const big = [12345, 99999, 100000, 500001, 999999].map((n) => m.numberWords(n, 'id'));
const codes = JSON.parse(process.argv[2]).map(([a, b]) => [
  m.calloutText(a, b, 'id'), m.calloutText(a, b, 'en'), m.calloutParts(a, b, 'id').map(m.audioName),
]);
console.log(JSON.stringify({ numbers, big, codes }));
"""

CODES = [["A-012", "3"], ["AA-003", "A12"], ["z-999", "b 7"], ["B-0000", "10"], ["C-12345678", "X"], ["", ""]]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_and_python_say_the_same() -> None:
    run = subprocess.run(
        ["node", "--input-type=module", "-e", NODE_SCRIPT, CALLOUT_JS.as_uri(), json.dumps(CODES)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    js = json.loads(run.stdout)
    assert js["numbers"] == [[number_words(n, "id"), number_words(n, "en")] for n in range(2001)]
    assert js["big"] == [number_words(n) for n in (12345, 99999, 100000, 500001, 999999)]
    assert js["codes"] == [
        [callout_text(a, b, "id"), callout_text(a, b, "en"), [audio_name(p) for p in callout_parts(a, b)]]
        for a, b in CODES
    ]
