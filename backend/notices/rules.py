"""Pure rules of the reminders: which stage of a reading window a day is, and the quiet hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from backend.core.clock import WARSAW
from backend.readings.rules import Window, reading_window

QUIET_FROM = time(21, 0)  # no push or SMS from 21:00 ...
QUIET_UNTIL = time(8, 0)  # ... until 8:00 Warsaw time: they wait for the morning
CLOSING_DAYS = 2  # the second reminder: two days before the window closes


def stages_on(day: date, period_months: int, window_days: int) -> list[tuple[str, Window]]:
    """The reminders due on `day` for a billing period of `period_months`: "open" on the window's
    first day, "closing" two days before its last (when that is after the first)."""
    w = reading_window(day, period_months, window_days)
    out = []
    if w.opens == day:
        out.append(("open", w))
    closing = w.period_end - timedelta(days=CLOSING_DAYS)
    if closing == day and closing > w.opens:
        out.append(("closing", w))
    return out


def not_quiet(at: datetime) -> datetime:
    """`at`, or the next 8:00 Warsaw time when `at` falls in the quiet hours."""
    local = at.astimezone(WARSAW)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return at
    day = local.date() + (timedelta(days=1) if local.time() >= QUIET_FROM else timedelta(0))
    return datetime.combine(day, QUIET_UNTIL, WARSAW).astimezone(UTC)
