"""NIK and phone number validation."""

from __future__ import annotations

import datetime as dt

import pytest

from api.accounts.identity import InvalidIdentifierError, nik_birth_date, normalise_phone, validate_nik


def test_nik_of_a_man_and_a_woman() -> None:
    # 33.02.01 (Banyumas), born 17-08-1990, serial 0001
    assert nik_birth_date("3302011708900001") == (dt.date(1990, 8, 17), False)
    # A woman adds 40 to the day: 57 → 17
    assert nik_birth_date("3302015708900002") == (dt.date(1990, 8, 17), True)
    assert validate_nik(" 3302015708900002 ") == "3302015708900002"


def test_nik_century_is_the_one_in_the_past() -> None:
    assert nik_birth_date("3471010101050001", today=dt.date(2026, 11, 23))[0] == dt.date(2005, 1, 1)
    assert nik_birth_date("3471010101300001", today=dt.date(2026, 11, 23))[0] == dt.date(1930, 1, 1)


@pytest.mark.parametrize(
    "nik",
    [
        "330201170890000",  # 15 digits
        "33020117089000012",  # 17 digits
        "33020117089000a1",  # a letter
        "0302011708900001",  # province 03 does not exist
        "3300011708900001",  # regency 00
        "3302001708900001",  # district 00
        "3302013208900001",  # day 32
        "3302017208900001",  # day 72 (32 for a woman)
        "3302011713900001",  # month 13
        "3302012902010001",  # 29 Feb 2001
        "3302011708900000",  # serial 0000
    ],
)
def test_invalid_niks(nik: str) -> None:
    with pytest.raises(InvalidIdentifierError):
        validate_nik(nik)


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("081234567890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("0812 345 678", "+62812345678"),
    ],
)
def test_phone_normalisation(typed: str, normalised: str) -> None:
    assert normalise_phone(typed) == normalised


@pytest.mark.parametrize("phone", ["0211234567", "+6521234567", "08123", "0812345678901234", "phone", ""])
def test_invalid_phones(phone: str) -> None:
    with pytest.raises(InvalidIdentifierError):
        normalise_phone(phone)
