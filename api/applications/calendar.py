"""Moved: Indonesia's working-day calendar is the calendar domain's (``api.calendar``), where the days off in force
live in the database, national and each region's own. Deadlines use ``api.calendar.service.working_calendar(region)``.

Kept for the modules that still import from here (``bench/scale_bench.py``, ``tests/applications/
test_applications.py``): ``calendar()`` is the national calendar of the shipped decrees (the database's seed).
"""

from __future__ import annotations

from api.calendar.service import WorkingCalendar
from api.calendar.service import shipped_calendar as calendar

__all__ = ["WorkingCalendar", "calendar"]
