"""Pure rules about readings: parsing the typed value, plausibility, the reading window.
The PWA repeats the plausibility rules (pwa/app/plausibility.js) to warn before saving."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

# ASCII digits only: \d (and int()) would take Arabic-Indic or full-width digits as the same number
_VALUE = re.compile(r"^([0-9]{1,9})(?:[.,]([0-9]{1,3}))?$", re.ASCII)

FLAG_LOWER = "lower_than_last"
FLAG_DIGITS = "too_many_digits"
FLAG_HIGH = "high_consumption"
FLAG_LIMIT = "above_hard_limit"
FLAG_NOT_CONFIRMED = "differs_from_confirmed"  # an inspector "confirmed" a reading their value disagrees with
HIGH_FACTOR = 3


def parse_m3(text: str) -> int | None:
    """'123,456' or '123.4' (m³, Polish comma accepted) -> litres; None when it is not a number."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    found = _VALUE.match(cleaned)
    if not found:
        return None
    whole, frac = found.group(1), (found.group(2) or "").ljust(3, "0")
    return int(whole) * 1000 + int(frac)


@dataclass(frozen=True)
class Previous:
    value_litres: int
    captured_at: datetime


def assess(
    value_litres: int, captured_at: datetime, digits: int, previous: Previous | None,
    avg_daily_litres: float | None, max_daily_litres: int,
) -> list[str]:
    """Machine-readable reasons why a value looks wrong (empty: plausible)."""
    flags = []
    if value_litres >= 10**digits * 1000:
        flags.append(FLAG_DIGITS)
    if previous is None:
        return flags
    if value_litres < previous.value_litres:
        flags.append(FLAG_LOWER)
        return flags
    # at least a day, so two readings an hour apart do not look like a flood
    days = max((captured_at - previous.captured_at).total_seconds() / 86400, 1.0)
    daily = (value_litres - previous.value_litres) / days
    if daily > max_daily_litres:
        flags.append(FLAG_LIMIT)
    elif avg_daily_litres and daily > HIGH_FACTOR * avg_daily_litres:
        flags.append(FLAG_HIGH)
    return flags


CONFLICT_TOLERANCE_LITRES = 100  # residents round to 0,1 m³; two true readings may differ by this


def disagree(a: Previous, b: Previous, avg_daily_litres: float | None, max_daily_litres: int) -> bool:
    """Two readings of one meter disagree when the later one is lower than the earlier, or higher
    than the time between them explains: HIGH_FACTOR × the meter's average daily use (the hard
    daily limit when it has no history), each side given CONFLICT_TOLERANCE_LITRES."""
    first, last = (a, b) if a.captured_at <= b.captured_at else (b, a)
    days = (last.captured_at - first.captured_at).total_seconds() / 86400
    used = last.value_litres - first.value_litres
    daily = HIGH_FACTOR * avg_daily_litres if avg_daily_litres else max_daily_litres
    return used < -CONFLICT_TOLERANCE_LITRES or used > daily * days + CONFLICT_TOLERANCE_LITRES


def average_daily(history: list[Previous]) -> float | None:
    """Average consumption per day across the given readings (oldest to newest by capture)."""
    if len(history) < 2:
        return None
    first, last = history[0], history[-1]
    days = (last.captured_at - first.captured_at).total_seconds() / 86400
    if days < 7 or last.value_litres < first.value_litres:
        return None
    return (last.value_litres - first.value_litres) / days


@dataclass(frozen=True)
class Window:
    period_start: date
    period_end: date
    opens: date
    is_open: bool


def reading_window(today: date, period_months: int, window_days: int) -> Window:
    """Billing periods are calendar-aligned (monthly, two-monthly, quarterly); residents are
    asked for a reading in the last `window_days` days of each."""
    months = period_months if period_months in (1, 2, 3) else 1
    first_month = (today.month - 1) // months * months + 1
    start = date(today.year, first_month, 1)
    last_month = first_month + months - 1
    end = date(today.year, last_month, calendar.monthrange(today.year, last_month)[1])
    opens = end - timedelta(days=window_days - 1)
    return Window(start, end, opens, opens <= today <= end)


@dataclass(frozen=True)
class MonthUse:
    month: str  # YYYY-MM
    litres: int  # the consumption falling in the month, spread evenly over the time between readings
    days: float  # how much of the month that spread covers
    per_day_litres: int | None  # litres / days; None: nothing known for the month (a gap)
    estimated: bool  # no reading in the month: its use comes only from the spread of readings around it


def _month_start(year: int, month: int, tz: Any) -> datetime:
    return datetime(year, month, 1, tzinfo=tz)


def use_per_day_by_month(readings: list[Previous], tz: Any) -> list[MonthUse]:
    """Each accepted reading's consumption spread over the time since the previous one, summed per
    calendar month (in `tz`): the per-day use of each month from the first reading to the last. A
    lower value than the one before (a replaced or misread meter) leaves that stretch unknown."""
    litres: dict[str, float] = {}
    days: dict[str, float] = {}
    ordered = sorted(readings, key=lambda r: r.captured_at)
    read_in = {r.captured_at.astimezone(tz).strftime("%Y-%m") for r in ordered}
    for prev, cur in zip(ordered, ordered[1:], strict=False):
        total = (cur.captured_at - prev.captured_at).total_seconds()
        if total <= 0 or cur.value_litres < prev.value_litres:
            continue
        used = cur.value_litres - prev.value_litres
        start = prev.captured_at.astimezone(tz)
        end = cur.captured_at.astimezone(tz)
        while start < end:
            following = _month_start(start.year + start.month // 12, start.month % 12 + 1, tz)
            stop = min(following, end)
            part = (stop - start).total_seconds()
            key = start.strftime("%Y-%m")
            litres[key] = litres.get(key, 0.0) + used * part / total
            days[key] = days.get(key, 0.0) + part / 86400
            start = stop
    if not ordered:
        return []
    first = ordered[0].captured_at.astimezone(tz)
    last = ordered[-1].captured_at.astimezone(tz)
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        key = f"{year:04d}-{month:02d}"
        covered = days.get(key, 0.0)
        known = covered > 0
        out.append(MonthUse(month=key, litres=round(litres.get(key, 0.0)), days=round(covered, 2),
                            per_day_litres=round(litres[key] / covered) if known else None,
                            estimated=known and key not in read_in))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
