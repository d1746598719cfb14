"""The one clock: instants are UTC, the API writes them as ISO 8601, and calendar days are the
utility's (Europe/Warsaw), so a reading at 00:30 local time belongs to the day it says."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time
from typing import overload
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")

# Browser journeys and benchmarks only: EBOK_TEST_CLOCK names a file holding an ISO instant, and
# the clock of every process started with it reads that instant, running on from when the file
# was written (so writing it again moves all of them, an `ebok serve` and its `ebok worker`s
# alike, to the same moment: a reading window opens, the 8:00 job comes due). Never set in
# production; unset, now() is the system clock.
_TEST_CLOCK = os.environ.get("EBOK_TEST_CLOCK", "")
_test_set: tuple[tuple[int, int], datetime, datetime] | None = None  # (file version, instant, system time then)


def now() -> datetime:
    if _TEST_CLOCK:
        return _test_now()
    return datetime.now(UTC)


def _test_now() -> datetime:
    global _test_set
    stat = os.stat(_TEST_CLOCK)
    version = (stat.st_ino, stat.st_mtime_ns)  # a new file each time (set_test_clock)
    if _test_set is None or _test_set[0] != version:
        with open(_TEST_CLOCK, encoding="utf-8") as f:
            instant = datetime.fromisoformat(f.read().strip()).astimezone(UTC)
        _test_set = (version, instant, datetime.fromtimestamp(stat.st_mtime_ns / 1e9, UTC))
    return _test_set[1] + (datetime.now(UTC) - _test_set[2])


def set_test_clock(path: str | os.PathLike[str], at: datetime) -> None:
    """Move the processes reading `path` (EBOK_TEST_CLOCK) to `at`, running on from now."""
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(at.isoformat())
    os.replace(tmp, path)  # whole, never half-written, for the processes reading it


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
