"""Water use over time: when readings are taken and how much each meter advances between them."""

from __future__ import annotations

import calendar
import random
from datetime import UTC, date, datetime, timedelta

MONTHS_OF_HISTORY = 24
AVERAGE_MONTH_DAYS = 30.44

# Litres a day a typical garden takes, by calendar month: watering from May to September,
# almost nothing in winter (a dripping outside tap at most).
GARDEN_LITRES_PER_DAY = (0.0, 0.0, 0.3, 5.0, 60.0, 120.0, 150.0, 120.0, 50.0, 8.0, 0.5, 0.0)
_GARDEN_MEAN = sum(GARDEN_LITRES_PER_DAY) / 12

# Households use a little more in summer (showers, a few plants) and around Christmas.
_HOUSEHOLD_SEASON = (1.0, 1.0, 1.0, 1.0, 1.0, 1.08, 1.12, 1.1, 1.0, 1.0, 1.0, 1.04)

# (source, share, UTC hours it happens in): most residents send the reading themselves, the
# inspector reads the rest during working hours, billing estimates the few that never arrive.
_SOURCES = (("resident", 0.78, (5, 20)), ("inspector", 0.16, (6, 14)), ("estimate", 0.06, (1, 3)))


def history_months(today: date) -> list[tuple[int, int]]:
    """The 24 (year, month) pairs ending with yesterday's month, oldest first: every reading falls
    on a day before the load, so on the 1st the newest month is the one that just ended."""
    months = []
    yesterday = today - timedelta(days=1)
    year, month = yesterday.year, yesterday.month
    for _ in range(MONTHS_OF_HISTORY):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def pick_source(rng: random.Random) -> tuple[str, tuple[int, int]]:
    roll = rng.random()
    for source, share, hours in _SOURCES:
        if roll < share:
            return source, hours
        roll -= share
    return _SOURCES[-1][0], _SOURCES[-1][2]


def capture_time(rng: random.Random, year: int, month: int, hours: tuple[int, int], today: date) -> datetime:
    """A moment in the month at the source's hours; in today's month on a day before today (the
    load may run at any hour, and a reading made "today at 01:40" looks like a flood to the next)."""
    last = calendar.monthrange(year, month)[1]
    if (year, month) == (today.year, today.month):
        last = today.day - 1  # history_months never gives today's month on the 1st
    day = rng.randint(1, last)
    hour = rng.randint(*hours)
    return datetime(year, month, day, hour, rng.randrange(60), rng.randrange(60), tzinfo=UTC)


def received_time(rng: random.Random, source: str, captured: datetime, today: date) -> datetime:
    """When the server got it: residents mostly at once (sometimes after a day offline), the
    inspector's handheld at the end of the shift, estimates when billing made them."""
    if source == "resident":
        delay = timedelta(hours=rng.randint(1, 30)) if rng.random() < 0.1 else timedelta(seconds=rng.randint(1, 300))
    elif source == "inspector":
        delay = timedelta(minutes=rng.randint(5, 480))
    else:
        delay = timedelta(0)
    midnight = datetime(today.year, today.month, today.day, tzinfo=UTC)
    return max(captured, min(captured + delay, midnight))


def _midpoint_month(start: datetime | date, end: datetime) -> int:
    if not isinstance(start, datetime):
        start = datetime(start.year, start.month, start.day, tzinfo=UTC)
    return (start + (end - start) / 2).month


def household_use(
    rng: random.Random, litres_per_day: float, since: datetime | date, captures: list[datetime]
) -> tuple[int, list[int]]:
    """Litres used before the first capture (since installation) and in each interval after."""
    before = _litres(_days(since, captures[0]) * litres_per_day * rng.uniform(0.9, 1.1))
    steps = []
    for start, end in zip(captures, captures[1:], strict=False):
        factor = _HOUSEHOLD_SEASON[_midpoint_month(start, end) - 1] * rng.uniform(0.85, 1.15)
        if rng.random() < 0.04:  # away on holiday or in hospital for part of the month
            factor *= rng.uniform(0.2, 0.5)
        steps.append(_litres(_days(start, end) * litres_per_day * factor))
    return before, steps


def garden_use(
    rng: random.Random, size: float, since: datetime | date, captures: list[datetime]
) -> tuple[int, list[int]]:
    """Like household_use for a garden sub-meter: the season, not the household, drives it."""
    before = _litres(_days(since, captures[0]) * _GARDEN_MEAN * size)
    steps = []
    for start, end in zip(captures, captures[1:], strict=False):
        per_day = GARDEN_LITRES_PER_DAY[_midpoint_month(start, end) - 1] * size
        steps.append(_litres(_days(start, end) * per_day * rng.uniform(0.7, 1.3)))
    return before, steps


def _days(start: datetime | date, end: datetime) -> float:
    if not isinstance(start, datetime):
        start = datetime(start.year, start.month, start.day, tzinfo=UTC)
    return max((end - start).total_seconds() / 86400, 0.0)


def _litres(value: float) -> int:
    return max(int(round(value)), 0)
