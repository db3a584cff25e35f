"""The working-day calendar of service deadlines: decreed holidays, cuti bersama and weekends."""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from api.calendar.working import (
    DATA_FILE,
    HolidayDataError,
    HolidayFile,
    HolidayName,
    HolidayYear,
    WorkingCalendar,
    calendar,
    load_holiday_file,
)

D = date


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return calendar()


# ---- the data file ----------------------------------------------------------------------------------


def test_every_date_falls_in_its_year_and_names_are_non_empty() -> None:
    data = load_holiday_file()
    assert [entry.year for entry in data.years] == [2025, 2026, 2027]
    for entry in data.years:
        assert entry.source.strip()
        assert entry.holidays
        for holiday in entry.holidays:
            assert holiday.date.year == entry.year, holiday
            assert holiday.name.id.strip(), holiday
            assert holiday.name.en.strip(), holiday
        days = [h.date for h in entry.holidays]
        assert days == sorted(days), f"{entry.year} is not in date order"


def test_each_year_has_its_decrees_counts() -> None:
    counts = {
        entry.year: Counter(h.kind for h in entry.holidays) for entry in load_holiday_file().years if entry.confirmed
    }
    # 2025: 17 + 10 in the SKB of 14 October 2024, plus 18 August added by the SKB of 7 August 2025.
    assert counts[2025] == {"libur_nasional": 17, "cuti_bersama": 11}
    assert counts[2026] == {"libur_nasional": 17, "cuti_bersama": 8}
    assert counts[2027] == {"libur_nasional": 18, "cuti_bersama": 8}


def test_the_shipped_file_is_what_the_singleton_serves() -> None:
    assert DATA_FILE.is_file()
    assert calendar() is calendar()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "holidays.yaml"
    path.write_text(text)
    return path


def test_unknown_keys_and_bad_kinds_are_rejected(tmp_path: Path) -> None:
    base = "years:\n  - year: 2030\n    source: test\n    confirmed: false\n    holidays:\n"
    entry = "      - date: 2030-01-01\n        name: {id: Tahun Baru, en: New Year}\n        kind: libur_nasional\n"
    assert load_holiday_file(write(tmp_path, base + entry)).years[0].holidays[0].date == D(2030, 1, 1)
    with pytest.raises(HolidayDataError, match="colour"):
        load_holiday_file(write(tmp_path, base + entry + "        colour: red\n"))
    with pytest.raises(HolidayDataError, match="kind"):
        load_holiday_file(write(tmp_path, base + entry.replace("libur_nasional", "libur")))
    with pytest.raises(HolidayDataError, match="2031-01-01 is listed under 2030"):
        load_holiday_file(write(tmp_path, base + entry.replace("2030-01-01", "2031-01-01")))
    with pytest.raises(HolidayDataError, match="listed twice"):
        load_holiday_file(write(tmp_path, base + entry + entry))


# ---- single days ------------------------------------------------------------------------------------


def test_weekends_are_not_working_days(cal: WorkingCalendar) -> None:
    assert not cal.is_working_day(D(2025, 7, 5))  # Saturday
    assert not cal.is_working_day(D(2025, 7, 6))  # Sunday
    assert cal.is_working_day(D(2025, 7, 7))  # Monday
    assert cal.is_working_day(D(2025, 7, 4))  # Friday


def test_a_holiday_and_a_cuti_bersama_day_are_not_working_days(cal: WorkingCalendar) -> None:
    labour_day = D(2025, 5, 1)  # Thursday
    assert not cal.is_working_day(labour_day)
    holiday = cal.holiday(labour_day)
    assert holiday is not None
    assert holiday.kind == "libur_nasional"

    for cuti in (D(2025, 4, 7), D(2025, 8, 18), D(2026, 12, 24), D(2027, 3, 15)):  # all weekdays
        assert cuti.weekday() < 5
        assert not cal.is_working_day(cuti)
        found = cal.holiday(cuti)
        assert found is not None
        assert found.kind == "cuti_bersama"

    assert cal.is_working_day(D(2025, 4, 8))  # the first working day after Lebaran 2025
    assert cal.holiday(D(2025, 4, 8)) is None


def test_covers_the_decreed_years_only(cal: WorkingCalendar) -> None:
    assert cal.covers(D(2025, 1, 1))
    assert cal.covers(D(2027, 12, 31))
    assert not cal.covers(D(2024, 12, 31))
    assert not cal.covers(D(2028, 1, 1))
    assert cal.is_confirmed(D(2026, 6, 1))
    assert not cal.is_confirmed(D(2030, 6, 1))


def test_outside_the_covered_years_only_weekends_count(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(D(2030, 1, 1))  # a Tuesday; New Year, but 2030 has no data
    assert not cal.is_working_day(D(2030, 1, 5))  # Saturday
    assert cal.add_working_days(D(2030, 1, 4), 1) == D(2030, 1, 7)


# ---- deadlines --------------------------------------------------------------------------------------


def test_add_working_days_across_idul_fitri_2025(cal: WorkingCalendar) -> None:
    # Received Thursday 27 March 2025. Off: 28 (cuti Nyepi), 29-30 (Nyepi, weekend), 31 March - 1 April
    # (Idulfitri), 2-4 April (cuti), 5-6 (weekend), 7 April (cuti). Day 1 is Tuesday 8 April.
    received = D(2025, 3, 27)
    assert cal.add_working_days(received, 1) == D(2025, 4, 8)
    assert cal.add_working_days(received, 3) == D(2025, 4, 10)
    assert cal.add_working_days(received, 5) == D(2025, 4, 14)
    # Received on a day off in the middle of it: the count starts the same way.
    assert cal.add_working_days(D(2025, 4, 2), 1) == D(2025, 4, 8)


def test_days_zero_is_the_day_itself_or_the_next_working_day(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(D(2025, 1, 4), 0) == D(2025, 1, 6)  # Saturday → Monday
    assert cal.add_working_days(D(2025, 1, 8), 0) == D(2025, 1, 8)  # a working Wednesday stays
    # Saturday 25 January 2025: Monday is Isra Mikraj, Tuesday cuti Imlek, Wednesday Imlek.
    assert cal.add_working_days(D(2025, 1, 25), 0) == D(2025, 1, 30)


def test_sla_on_a_weekend_or_holiday_counts_from_the_next_working_day(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(D(2025, 7, 5), 1) == D(2025, 7, 7)  # Saturday → Monday
    assert cal.add_working_days(D(2025, 7, 4), 1) == D(2025, 7, 7)  # Friday → Monday
    assert cal.add_working_days(D(2025, 8, 15), 1) == D(2025, 8, 19)  # over 17 (Sunday) and 18 (cuti)


def test_deadlines_across_the_edges_of_the_data(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(D(2024, 12, 30), 3) == D(2025, 1, 3)  # 1 January 2025 is off
    assert cal.add_working_days(D(2027, 12, 23), 3) == D(2027, 12, 29)  # 24 December 2027 is cuti
    assert cal.add_working_days(D(2027, 12, 30), 3) == D(2028, 1, 4)
    assert cal.working_days_between(D(2024, 12, 27), D(2028, 1, 7)) == sum(
        cal.is_working_day(D(2024, 12, 28) + timedelta(days=i)) for i in range((D(2028, 1, 7) - D(2024, 12, 27)).days)
    )


def test_negative_days_are_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_days(D(2025, 1, 6), -1)


# ---- waiting time -----------------------------------------------------------------------------------


def test_working_days_between(cal: WorkingCalendar) -> None:
    monday, friday = D(2025, 7, 7), D(2025, 7, 11)
    assert cal.working_days_between(monday, friday) == 4  # Tue, Wed, Thu, Fri
    assert cal.working_days_between(friday, monday) == 0  # end before start
    assert cal.working_days_between(monday, monday) == 0
    assert cal.working_days_between(D(2025, 7, 4), D(2025, 7, 6)) == 0  # only a weekend
    assert cal.working_days_between(D(2025, 3, 27), D(2025, 4, 10)) == 3  # across Lebaran
    # Adding n working days and counting them back are inverse, from working and non-working days.
    for start in (D(2025, 3, 27), D(2025, 3, 29), D(2025, 4, 2), D(2026, 3, 17), D(2027, 3, 6)):
        for n in (1, 2, 5, 14, 30):
            assert cal.working_days_between(start, cal.add_working_days(start, n)) == n
    # Splitting a period anywhere adds up.
    a, b, c = D(2026, 3, 1), D(2026, 3, 20), D(2026, 4, 30)
    assert cal.working_days_between(a, b) + cal.working_days_between(b, c) == cal.working_days_between(a, c)


def naive_add(cal: WorkingCalendar, start: date, days: int) -> date:
    day = start
    if days == 0:
        while not cal.is_working_day(day):
            day += timedelta(days=1)
        return day
    while days:
        day += timedelta(days=1)
        days -= cal.is_working_day(day)
    return day


def naive_between(cal: WorkingCalendar, start: date, end: date) -> int:
    return sum(cal.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))


def test_agrees_with_counting_day_by_day() -> None:
    cal = calendar()
    rng = random.Random(1945)
    first, span = D(2024, 10, 1), (D(2028, 3, 1) - D(2024, 10, 1)).days
    for _ in range(3000):
        start = first + timedelta(days=rng.randrange(span))
        days = rng.randrange(31)
        assert cal.add_working_days(start, days) == naive_add(cal, start, days), (start, days)
        end = start + timedelta(days=rng.randrange(-10, 60))
        assert cal.working_days_between(start, end) == naive_between(cal, start, end), (start, end)


def test_an_empty_calendar_counts_weekends_only() -> None:
    cal = WorkingCalendar(HolidayFile(years=[]))
    assert not cal.covers(D(2025, 1, 1))
    assert cal.is_working_day(D(2025, 1, 1))
    assert cal.add_working_days(D(2025, 1, 3), 1) == D(2025, 1, 6)
    assert cal.working_days_between(D(2025, 1, 3), D(2025, 1, 10)) == 5


def test_a_calendar_with_a_gap_year_counts_it_as_weekends_only() -> None:
    data = load_holiday_file()
    cal = WorkingCalendar(HolidayFile(years=[y for y in data.years if y.year != 2026]))
    assert not cal.covers(D(2026, 3, 20))
    assert cal.is_working_day(D(2026, 3, 20))  # cuti bersama in 2026, but 2026 is not loaded
    assert not cal.is_working_day(D(2027, 3, 15))
    assert cal.add_working_days(D(2026, 3, 19), 1) == D(2026, 3, 20)


def test_an_estimated_year_is_covered_but_not_confirmed() -> None:
    estimated = HolidayYear(year=2030, source="estimate", confirmed=False, holidays=[])
    cal = WorkingCalendar(HolidayFile(years=[estimated]))
    assert cal.covers(D(2030, 5, 1))
    assert not cal.is_confirmed(D(2030, 5, 1))
    assert HolidayName(id="x", en="y").id == "x"


# ---- speed: it is on the request path ------------------------------------------------------------


def test_a_hundred_thousand_deadlines_take_under_a_second() -> None:
    cal = calendar()
    rng = random.Random(17)
    first = D(2025, 1, 1).toordinal()
    starts = [date.fromordinal(first + rng.randrange(3 * 365)) for _ in range(100_000)]
    slas = [rng.randrange(31) for _ in range(100_000)]
    began = time.perf_counter()
    for start, sla in zip(starts, slas, strict=True):
        cal.add_working_days(start, sla)
    elapsed = time.perf_counter() - began
    assert elapsed < 1.0, f"100,000 add_working_days took {elapsed:.3f} s"
