"""The queue's pure rules (api/queue/rules.py): slots from opening hours, quotas, the estimate's window, the
suspension rule, time zones, ticket numbers and check-in codes. No database."""

from __future__ import annotations

import datetime as dt

import pytest

from api.queue import rules

HOURS = {"mon": ["08:00-15:00"], "fri": ["08:00-11:00", "13:00-15:00"], "sat": [], "sun": ["nonsense"]}
MONDAY, FRIDAY, SUNDAY = dt.date(2027, 3, 1), dt.date(2027, 3, 5), dt.date(2027, 3, 7)


def test_slots_are_cut_from_each_range_and_a_short_remainder_is_not_offered() -> None:
    friday = rules.cut_slots(rules.opening_ranges("3302", HOURS, FRIDAY), 45)
    assert [(s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in friday] == [
        ("08:00", "08:45"),
        ("08:45", "09:30"),
        ("09:30", "10:15"),
        ("10:15", "11:00"),
        ("13:00", "13:45"),
        ("13:45", "14:30"),  # 14:30-15:00 is shorter than a slot
    ]
    assert rules.opening_ranges("3302", HOURS, SUNDAY) == []  # malformed ranges are no hours


def test_capacity_shares_each_counters_time_among_its_services_and_quotas_split_it() -> None:
    counters = [rules.CounterShare("A1", 2), rules.CounterShare("A2", 1)]
    # 420 minutes at 10 minutes: 42 citizens a counter; A1 gives half of its day to this service.
    assert rules.day_capacity(420, 10, counters) == 63
    assert rules.quotas(63, None, None) == rules.Quotas(capacity=63, online=31, walk_in=32)
    assert rules.quotas(63, 50, None) == rules.Quotas(capacity=63, online=50, walk_in=13)
    assert rules.quotas(63, None, 5) == rules.Quotas(capacity=63, online=31, walk_in=5)
    assert rules.spread(10, 4) == [3, 3, 2, 2]
    assert rules.spread(0, 3) == [0, 0, 0] and rules.spread(5, 0) == []


def test_a_day_plan_spreads_the_online_quota_over_its_slots() -> None:
    planned, quotas = rules.plan_day(
        "3302",
        HOURS,
        MONDAY,
        handling_minutes=10,
        slot_minutes=30,
        online_quota=None,
        walk_in_quota=None,
        counters=[rules.CounterShare("A1", 1)],
    )
    assert quotas == rules.Quotas(capacity=42, online=21, walk_in=21)
    assert len(planned) == 14 and sum(s.capacity for s in planned) == 21
    assert planned[0].start == dt.datetime(2027, 3, 1, 8, 0, tzinfo=rules.time_zone("3302"))
    none, _ = rules.plan_day(
        "3302", HOURS, MONDAY, handling_minutes=10, slot_minutes=30, online_quota=5, walk_in_quota=5, counters=[]
    )
    assert none == []  # no counter serves it: nothing to book


def test_time_zones_follow_the_province() -> None:
    noon = dt.datetime(2027, 3, 1, 5, 0, tzinfo=dt.UTC)
    assert rules.local("3302", noon).utcoffset() == dt.timedelta(hours=7)  # Jawa Tengah: WIB
    assert rules.local("6201", noon).utcoffset() == dt.timedelta(hours=7)  # Kalimantan Tengah: WIB
    assert rules.local("6472", noon).utcoffset() == dt.timedelta(hours=8)  # Kalimantan Timur: WITA
    assert rules.local("7471", noon).utcoffset() == dt.timedelta(hours=8)  # Sulawesi Tenggara: WITA
    assert rules.local("9471", noon).utcoffset() == dt.timedelta(hours=9)  # Papua: WIT
    late = dt.datetime(2027, 3, 1, 16, 30, tzinfo=dt.UTC)
    assert rules.local_today("3302", late) == dt.date(2027, 3, 1)
    assert rules.local_today("9471", late) == dt.date(2027, 3, 2)


@pytest.mark.parametrize(
    ("ahead", "durations", "open_", "expected"),
    [
        (0, [], 1, (0, 10)),  # next in line: up to one handling time
        (2, [], 1, (10, 30)),  # 20 ± 1.28·5·√2 (the admin's 10 minutes, sd 5)
        (2, [], 2, (5, 15)),  # two counters halve it
        (4, [6.0, 6.0, 6.0, 6.0, 6.0], 1, (24, 25)),  # steady recent times: a narrow window
        (2, [], 0, (10, 44)),  # nobody open yet: the agency's counters assumed, the high end widened
    ],
)
def test_the_estimate_window(ahead: int, durations: list[float], open_: int, expected: tuple[int, int]) -> None:
    window = rules.estimate(ahead, durations, handling_minutes=10, counters_open=open_, counters_all=1)
    assert (window.low, window.high) == expected


def test_three_no_shows_within_ninety_days_suspend_for_thirty_days_from_the_third() -> None:
    t0 = dt.datetime(2027, 1, 1, 9, 0, tzinfo=dt.UTC)
    three = [t0, t0 + dt.timedelta(days=40), t0 + dt.timedelta(days=80)]
    assert rules.suspended_until(three[:2], t0 + dt.timedelta(days=81)) is None
    assert rules.suspended_until(three, t0 + dt.timedelta(days=81)) == three[2] + dt.timedelta(days=30)
    assert rules.suspended_until(three, three[2] + dt.timedelta(days=30, seconds=1)) is None
    spread_out = [t0, t0 + dt.timedelta(days=50), t0 + dt.timedelta(days=100)]  # 100 days for three: not suspended
    assert rules.suspended_until(spread_out, t0 + dt.timedelta(days=101)) is None


def test_check_in_times() -> None:
    start = dt.datetime(2027, 3, 1, 10, 0, tzinfo=dt.UTC)
    end = start + dt.timedelta(minutes=30)
    assert rules.is_on_time(start, end, start - dt.timedelta(minutes=61)) is None
    assert rules.is_on_time(start, end, start - dt.timedelta(minutes=60)) is True
    assert rules.is_on_time(start, end, end) is True
    assert rules.is_on_time(start, end, end + dt.timedelta(seconds=1)) is False


def test_ticket_numbers_letters_and_check_in_codes() -> None:
    letters = list(rules.letters())
    assert letters[:3] == ["A", "B", "C"] and "I" not in letters and "O" not in letters
    assert letters[24] == "AA" and len(set(letters)) == len(letters)
    assert rules.ticket_number("A", 12) == "A-012" and rules.ticket_number("B", 1234) == "B-1234"
    code = rules.new_checkin_code()
    assert len(code) == 10 and rules.normalise_code(code) == code
    assert rules.normalise_code(f" {rules.grouped(code).lower()} ") == code
    assert rules.normalise_code("7KQ2M-9XD4O") == "7KQ2M9XD40"  # O read as 0
    assert rules.normalise_code("short") is None and rules.normalise_code("x" * 100) is None
    assert rules.FOLLOW_TOKEN.match(rules.new_follow_token())
