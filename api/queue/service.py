"""The queue domain's public functions, for its controllers and for other domains (the board): one place to
import from. The rules live in the modules named beside each group."""

from __future__ import annotations

from api.queue.booking import book, cancel, get_booking, list_bookings, list_services, list_slots, move, suspension
from api.queue.counter import (
    call_next,
    close_counter,
    done,
    get_ticket,
    list_counters,
    list_tickets,
    no_show,
    open_counter,
    recall,
    serve,
    transfer,
)
from api.queue.rules import local, local_today, time_zone
from api.queue.settings import get_setting, list_settings, update_setting
from api.queue.stats import day_stats
from api.queue.tickets import board_waiting, follow, issue

__all__ = [
    "board_waiting",
    "book",
    "call_next",
    "cancel",
    "close_counter",
    "day_stats",
    "done",
    "follow",
    "get_booking",
    "get_setting",
    "get_ticket",
    "issue",
    "list_bookings",
    "list_counters",
    "list_services",
    "list_settings",
    "list_slots",
    "list_tickets",
    "local",
    "local_today",
    "move",
    "no_show",
    "open_counter",
    "recall",
    "serve",
    "suspension",
    "time_zone",
    "transfer",
    "update_setting",
]
