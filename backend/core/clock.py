"""The one clock: instants are UTC, the API writes them as ISO 8601, and calendar days are the
utility's (Europe/Warsaw), so a reading at 00:30 local time belongs to the day it says."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import overload
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")


def now() -> datetime:
    return datetime.now(UTC)


@overload
def iso(value: datetime) -> str: ...
@overload
def iso(value: None) -> None: ...
@overload
def iso(value: datetime | None) -> str | None: ...
def iso(value: datetime | None) -> str | None:
    """An instant as the API writes it (UTC offset), None for none."""
    return value.astimezone(UTC).isoformat() if value else None


def local_midnight(day: date) -> datetime:
    """The instant (UTC) at which `day` begins in Warsaw."""
    return datetime.combine(day, time(0), WARSAW).astimezone(UTC)


def local_day(at: datetime) -> date:
    return at.astimezone(WARSAW).date()


def today_in_warsaw() -> date:
    return local_day(now())
