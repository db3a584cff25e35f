"""Indonesian identity numbers and phone numbers: structural validation and normalisation."""

from __future__ import annotations

import datetime as dt
import re

from api.lib.errors import DomainError

# ASCII digits only, spelt [0-9] on purpose: ``\d`` and ``str.isdigit()`` also take fullwidth ("０８１２") and
# Arabic-Indic ("٠٨١٢") digits, which ``int()`` reads as the same number. Such a number is refused rather than
# normalised, so that it can never be a second spelling of a number (a second SMS limit, a second NIK holder).
_NIK = re.compile(r"^[0-9]{16}\Z")
_ASCII_DIGITS = re.compile(r"[0-9]+\Z")
_PHONE_DIGITS = re.compile(r"[\s().-]")


class InvalidIdentifierError(DomainError, ValueError):
    """A NIK or phone number that cannot be right: 422 ``invalid_nik`` with the reason as its detail.

    Still a ValueError: the application forms and the CLI catch it as one.
    """

    status = 422
    code = "invalid_nik"


class InvalidPhoneError(InvalidIdentifierError):
    """A phone number that cannot be right: 422 ``invalid_phone``.

    The API answers one example-giving sentence (what a citizen at the sign-in screen needs); ``str()`` keeps
    the precise reason for the application forms and the CLI, which show it next to the field.
    """

    code = "invalid_phone"
    detail = "Enter an Indonesian mobile number, e.g. 0812…."

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.args = (reason,)


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
    if not _ASCII_DIGITS.match(digits) or not digits.startswith("628"):
        raise InvalidPhoneError("phone must be an Indonesian mobile number (08… or +628…)")
    # Indonesian mobile numbers have 9 to 12 digits after the country code.
    if not 9 <= len(digits) - 2 <= 12:
        raise InvalidPhoneError("phone number has the wrong length")
    return "+" + digits
