"""Login throttling (OWASP ASVS 2.2.1): failures are counted per person and per IP, and past a
limit each further attempt waits an increasing delay (5 s, 10 s, 20 s … up to the window,
15 min) instead of a hard lock. The right password works again as soon as the delay is over, so
a resident whose account someone else is guessing, or who shares an IP (a block of flats behind
a carrier-grade NAT, a proxy), waits seconds, never the whole window; an attacker gets
`limit` guesses and then a handful per hour.

One counter per person however they log in (e-mail or customer number): the key is the account,
or the login itself when no account has it (the same answers either way, so nothing tells which
logins exist). Each attempt is counted before the password is checked: under the limit by one
conditional UPDATE (the row's lock orders concurrent attempts, so at most `limit` get through and
a crowd behind one IP never retries), past it by a compare-and-swap on the row's `version`, so
concurrent attempts cannot all read the same count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from backend.accounts.tables import LoginThrottle
from backend.core.clock import now
from backend.core.errors import ApiError
from backend.settings import Settings

FIRST_DELAY_SECONDS = 5
TRIES = 50  # compare-and-swap rounds before giving up under extreme contention (answered 429)


def delay(settings: Settings, failures: int, limit: int) -> timedelta:
    """How long after the last evaluated attempt the next one may be evaluated."""
    if failures < limit:
        return timedelta(0)
    cap = settings.login_window_minutes * 60
    return timedelta(seconds=min(cap, FIRST_DELAY_SECONDS * 2 ** min(failures - limit, 20)))


def _quiet(settings: Settings) -> timedelta:
    # the count starts again after this long without a failure: longer than the longest delay, so
    # a patient attacker never gets a fresh set of free guesses by waiting the delay out
    return timedelta(minutes=4 * settings.login_window_minutes)


def _too_many(wait: timedelta) -> ApiError:
    seconds = max(int(wait.total_seconds() + 0.999), 1)
    return ApiError("too_many_attempts", "Too many failed attempts; try again later", 429,
                    headers={"Retry-After": str(seconds)}, extra={"retry_after": seconds})


_COUNT = (
    "UPDATE login_throttle SET failures = CASE WHEN last_at < {} THEN 1 ELSE failures + 1 END, last_at = {}, "
    "version = version + 1 WHERE key = {} AND (failures < {} OR last_at < {}) RETURNING failures"
)


_FAIL = (
    "UPDATE login_throttle SET failures = CASE WHEN last_at < {} THEN 1 ELSE failures + 1 END, last_at = {}, "
    "version = version + 1 WHERE key = {}"
)
_RESET = "UPDATE login_throttle SET failures = 0, version = version + 1 WHERE key = {} AND failures > 0"
_GIVE_BACK = "UPDATE login_throttle SET failures = failures - 1, version = version + 1 WHERE key = {} AND failures > 0"


async def _ensure(settings: Settings, key: str) -> datetime:
    quiet_since = now() - _quiet(settings)
    await LoginThrottle.raw(
        "INSERT INTO login_throttle (key, failures, last_at, version) VALUES ({}, 0, {}, 0) ON CONFLICT DO NOTHING",
        key, quiet_since,
    )
    return quiet_since


async def _take(settings: Settings, key: str, limit: int) -> None:
    """Count this attempt as a failure in advance, if its turn has come; else 429 with the wait."""
    quiet_since = await _ensure(settings, key)
    # under the limit one statement counts it: the row's lock orders concurrent attempts, so no
    # more than `limit` of them get through
    if await LoginThrottle.raw(_COUNT, quiet_since, now(), key, limit, quiet_since):
        return
    await _past_limit(settings, key, limit)


async def _past_limit(settings: Settings, key: str, limit: int) -> None:
    """One attempt per delay, taken by a compare-and-swap on `version`; else 429 with the wait."""
    for _ in range(TRIES):
        row = await LoginThrottle.select().where(LoginThrottle.key == key).first()
        if row is None:
            return
        t = now()
        wait = row["last_at"] + delay(settings, row["failures"], limit) - t
        if wait > timedelta(0):
            raise _too_many(wait)
        taken = await LoginThrottle.update({
            LoginThrottle.failures: row["failures"] + 1, LoginThrottle.last_at: t,
            LoginThrottle.version: row["version"] + 1,
        }).where((LoginThrottle.key == key) & (LoginThrottle.version == row["version"])).returning(LoginThrottle.key)
        if taken:
            return
    raise _too_many(timedelta(seconds=1))


async def _ip_turn(settings: Settings, key: str) -> bool:
    """An IP under its limit is counted after a failure only: many people behind one address log
    in at once, and counting each in advance made the crowd in flight look like failures. Past the
    limit (a guessing attack) it takes turns like a person. True when counted in advance."""
    row = await LoginThrottle.select().where(LoginThrottle.key == key).first()
    if row is None or now() - row["last_at"] > _quiet(settings) or row["failures"] < settings.login_max_failures_per_ip:
        return False
    await _past_limit(settings, key, settings.login_max_failures_per_ip)
    return True


@dataclass(frozen=True, slots=True)
class Turn:
    person: str
    ip: str
    ip_counted: bool


def person_key(user: dict[str, Any] | None, login: str) -> str:
    return f"user:{user['id']}" if user else f"login:{login.strip().lower()[:250]}"


async def take_turn(settings: Settings, person: str, ip: str) -> Turn:
    """Before the password is checked: the IP's turn, then the person's (the IP's given back if the
    person must wait)."""
    turn = Turn(person, f"ip:{ip}", await _ip_turn(settings, f"ip:{ip}"))
    try:
        await _take(settings, person, settings.login_max_failures)
    except ApiError:
        if turn.ip_counted:
            await LoginThrottle.raw(_GIVE_BACK, turn.ip)
        raise
    return turn


async def failed(settings: Settings, turn: Turn) -> None:
    """The person's failure was counted in advance; the IP's is counted now unless it was too."""
    if not turn.ip_counted:
        quiet_since = await _ensure(settings, turn.ip)
        await LoginThrottle.raw(_FAIL, quiet_since, now(), turn.ip)


async def succeeded(turn: Turn) -> None:
    """The person's count starts again; the IP's loses this attempt if it was counted in advance."""
    await LoginThrottle.raw(_RESET, turn.person)
    if turn.ip_counted:
        await LoginThrottle.raw(_GIVE_BACK, turn.ip)


async def purge(settings: Settings, before: datetime | None = None) -> None:
    await LoginThrottle.delete().where(LoginThrottle.last_at < (before or now() - _quiet(settings)))
