"""Indonesian identity numbers and phone numbers: structural validation and normalisation."""

from __future__ import annotations

import datetime as dt
import re

_NIK = re.compile(r"^[0-9]{16}$")
_PHONE_DIGITS = re.compile(r"[\s().-]")


class InvalidIdentifierError(ValueError):
    """A NIK or phone number that cannot be right."""


def nik_birth_date(nik: str, *, today: dt.date | None = None) -> tuple[dt.date, bool]:
    """The birth date and whether the holder is female, as encoded in a NIK.

    Digits 7–12 are DDMMYY; women have 40 added to the day. The century is the one that puts the date
    in the past.
    """
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > 40
    if female:
        day -= 40
    today = today or dt.date.today()
    century = 2000 if 2000 + year <= today.year else 1900
    try:
        return dt.date(century + year, month, day), female
    except ValueError as exc:
        raise InvalidIdentifierError("NIK does not encode a valid birth date") from exc


def validate_nik(nik: str) -> str:
    """Check a NIK's structure: 16 digits, a plausible region code, birth date and serial number.

    Structure only: whether the number belongs to a real person is Dukcapil's to say.
    """
    nik = nik.strip()
    if not _NIK.match(nik):
        raise InvalidIdentifierError("NIK must be 16 digits")
    province, regency, district = int(nik[0:2]), int(nik[2:4]), int(nik[4:6])
    # BPS province codes run 11 (Aceh) to 96 (Papua Barat Daya).
    if not 11 <= province <= 96 or regency == 0 or district == 0:
        raise InvalidIdentifierError("NIK does not start with a valid region code")
    nik_birth_date(nik)
    if nik[12:16] == "0000":
        raise InvalidIdentifierError("NIK has an invalid serial number")
    return nik


def normalise_phone(phone: str) -> str:
    """An Indonesian mobile number in E.164 (+628…); accepts 08…, 628… and +628… with spaces or dashes."""
    digits = _PHONE_DIGITS.sub("", phone.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("0"):
        digits = "62" + digits[1:]
    if not digits.isdigit() or not digits.startswith("628"):
        raise InvalidIdentifierError("phone must be an Indonesian mobile number (08… or +628…)")
    # Indonesian mobile numbers have 9 to 12 digits after the country code.
    if not 9 <= len(digits) - 2 <= 12:
        raise InvalidIdentifierError("phone number has the wrong length")
    return "+" + digits
