"""What the display board says when it calls a ticket: "Nomor antrean A dua belas, silakan ke loket tiga".

Pure functions, no I/O. The PWA has the same composition in ``pwa/js/views/board/callout.js`` (it speaks offline,
from audio files named after these parts); ``tests/queue/test_callout.py`` runs both and checks that they agree.

A ticket number (``A-012``) or a counter (``A12``, ``3``) is read as runs: letters one by one as their names are
said ("A", "B"), digits as a number in words (leading zeros are not read: ``012`` is "dua belas"); dashes and
spaces only separate. A run of more than six digits is read digit by digit (no one says a phone number as a sum).

``callout_parts`` gives the words and fixed phrases in order — each part is also the name of its audio file
(``audio_name``) — and ``callout_text`` the sentence to show or to give a speech synthesiser.
"""

from __future__ import annotations

import re
from typing import Literal

Lang = Literal["id", "en"]

_ID_ONES = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
_EN_ONES = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")

# The fixed phrases around the ticket and the counter, per language.
PHRASES: dict[Lang, tuple[str, str]] = {
    "id": ("Nomor antrean", "silakan ke loket"),
    "en": ("Ticket", "please go to counter"),
}

# The largest number read as a number; longer runs of digits are read digit by digit.
MAX_NUMBER = 999_999
_RUN = re.compile(r"[A-Za-z]+|[0-9]+")


def _id_below_thousand(n: int) -> list[str]:
    if n < 10:
        return [_ID_ONES[n]]
    if n == 10:
        return ["sepuluh"]
    if n == 11:
        return ["sebelas"]
    if n < 20:
        return [_ID_ONES[n - 10], "belas"]
    if n < 100:
        tens, ones = divmod(n, 10)
        return [_ID_ONES[tens], "puluh", *([_ID_ONES[ones]] if ones else [])]
    hundreds, rest = divmod(n, 100)
    head = ["seratus"] if hundreds == 1 else [_ID_ONES[hundreds], "ratus"]
    return [*head, *(_id_below_thousand(rest) if rest else [])]


def _en_below_thousand(n: int) -> list[str]:
    if n < 20:
        return [_EN_ONES[n]]
    if n < 100:
        tens, ones = divmod(n, 10)
        return [_EN_TENS[tens], *([_EN_ONES[ones]] if ones else [])]
    hundreds, rest = divmod(n, 100)
    return [_EN_ONES[hundreds], "hundred", *(_en_below_thousand(rest) if rest else [])]


def number_words(n: int, lang: Lang = "id") -> list[str]:
    """0 … 999 999 in words: 12 → ["dua", "belas"], 111 → ["seratus", "sebelas"], 1000 → ["seribu"]."""
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"{n} is outside 0…{MAX_NUMBER}")
    below = _id_below_thousand if lang == "id" else _en_below_thousand
    thousands, rest = divmod(n, 1000)
    if not thousands:
        return below(n)
    if lang == "id":
        head = ["seribu"] if thousands == 1 else [*below(thousands), "ribu"]
    else:
        head = [*below(thousands), "thousand"]
    return [*head, *(below(rest) if rest else [])]


def spoken(code: str, lang: Lang = "id") -> list[str]:
    """A ticket number or a counter as words: "A-012" → ["A", "dua", "belas"]; "A12" → ["A", "dua", "belas"]."""
    words: list[str] = []
    for run in _RUN.findall(code):
        if run.isdigit():
            if len(run) > len(str(MAX_NUMBER)):
                words += [w for digit in run for w in number_words(int(digit), lang)]
            else:
                words += number_words(int(run), lang)
        else:
            words += list(run.upper())
    return words


def callout_parts(number: str, counter: str, lang: Lang = "id") -> list[str]:
    """The call-out in order, a part per audio file: ["Nomor antrean", "A", "dua", "belas", "silakan ke loket",
    "tiga"]."""
    before, after = PHRASES[lang]
    return [before, *spoken(number, lang), after, *spoken(counter, lang)]


def callout_text(number: str, counter: str, lang: Lang = "id") -> str:
    """ "Nomor antrean A dua belas, silakan ke loket tiga" (English: "Ticket A twelve, please go to counter
    three")."""
    before, after = PHRASES[lang]
    ticket = " ".join(spoken(number, lang))
    place = " ".join(spoken(counter, lang))
    return f"{before} {ticket}, {after} {place}".strip()


def audio_name(part: str) -> str:
    """The audio file of a part (without extension): "silakan ke loket" → "silakan-ke-loket", "A" → "a"."""
    return part.lower().replace(" ", "-")


def vocabulary() -> list[str]:
    """Every part an Indonesian call-out can contain: what the audio generator must record."""
    words = {w for n in (*range(1000), 1000, 2000) for w in number_words(n, "id")}
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    return [*PHRASES["id"], *letters, *sorted(words)]
