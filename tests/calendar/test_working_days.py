"""A region's own days off in the pure working-day arithmetic: they count in that region's calendar only, in any
year (also outside the national decrees' years), and the rank arithmetic agrees with counting day by day."""

from __future__ import annotations

import random
from datetime import date, timedelta

from api.calendar.working import Holiday, HolidayName, WorkingCalendar, load_holiday_file

D = date


def own(day: date) -> Holiday:
    return Holiday(date=day, name=HolidayName(id="Hari Jadi", en="Anniversary"), kind="libur_daerah")


def test_a_regions_day_is_off_in_its_calendar_only() -> None:
    national = WorkingCalendar(load_holiday_file())
    regional = WorkingCalendar(load_holiday_file(), [own(D(2026, 3, 11))])  # a Wednesday
    assert national.is_working_day(D(2026, 3, 11))
    assert not regional.is_working_day(D(2026, 3, 11))
    holiday = regional.holiday(D(2026, 3, 11))
    assert holiday is not None and holiday.kind == "libur_daerah"
    assert national.add_working_days(D(2026, 3, 10), 1) == D(2026, 3, 11)
    assert regional.add_working_days(D(2026, 3, 10), 1) == D(2026, 3, 12)
    assert regional.working_days_between(D(2026, 3, 9), D(2026, 3, 13)) == 3


def test_a_day_beyond_the_decrees_widens_the_span_without_covering_the_year() -> None:
    regional = WorkingCalendar(load_holiday_file(), [own(D(2029, 6, 6))])  # a Wednesday, no decree for 2029
    assert not regional.covers(D(2029, 6, 6))
    assert not regional.is_working_day(D(2029, 6, 6))
    assert regional.add_working_days(D(2029, 6, 5), 1) == D(2029, 6, 7)
    # 2028 has no data at all: weekends only, as before.
    assert regional.is_working_day(D(2028, 1, 3))


def test_a_regions_day_on_a_national_one_keeps_the_national_name() -> None:
    regional = WorkingCalendar(load_holiday_file(), [own(D(2026, 1, 1))])
    found = regional.holiday(D(2026, 1, 1))
    assert found is not None and found.kind == "libur_nasional"


def test_agrees_with_counting_day_by_day() -> None:
    rng = random.Random(2026)
    extra = [own(D(2025, 1, 1) + timedelta(days=rng.randrange(5 * 365))) for _ in range(40)]
    cal = WorkingCalendar(load_holiday_file(), extra)
    off = {h.date for y in load_holiday_file().years for h in y.holidays} | {h.date for h in extra}

    def working(day: date) -> bool:
        return day.weekday() < 5 and day not in off

    for _ in range(2000):
        start = D(2024, 11, 1) + timedelta(days=rng.randrange(5 * 365))
        days = rng.randrange(1, 31)
        day, left = start, days
        while left:
            day += timedelta(days=1)
            left -= working(day)
        assert cal.add_working_days(start, days) == day, (start, days)
        end = start + timedelta(days=rng.randrange(60))
        expected = sum(working(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))
        assert cal.working_days_between(start, end) == expected, (start, end)
