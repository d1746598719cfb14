"""Password hashing (Argon2id via argon2-cffi) and the password policy."""

from __future__ import annotations

import asyncio
import os
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 200
T = TypeVar("T")

# OWASP's Password Storage Cheat Sheet, Argon2id: m = 19 MiB, t = 2, p = 1. One lane: each hash
# keeps one core busy, so the pool below decides how many run at once.
OWASP_TIME_COST, OWASP_MEMORY_KIB, OWASP_PARALLELISM = 2, 19 * 1024, 1


def _make_hasher() -> PasswordHasher:
    # The test suite alone may ask for the cheapest parameters (EBOK_ARGON2_PROFILE=test) so
    # hundreds of logins stay fast; it is still Argon2id.
    if os.environ.get("EBOK_ARGON2_PROFILE") == "test":
        from argon2.profiles import CHEAPEST

        return PasswordHasher.from_parameters(CHEAPEST)
    return PasswordHasher(time_cost=OWASP_TIME_COST, memory_cost=OWASP_MEMORY_KIB, parallelism=OWASP_PARALLELISM)


_hasher = _make_hasher()
# Hashing is CPU work by design (tens to hundreds of ms): on the event loop it held every other
# request of the process behind each login. argon2-cffi releases the GIL, so a thread per core
# hashes in parallel while the loop keeps answering; more logins than cores queue here.
_pool = ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1), thread_name_prefix="argon2")


async def _off_loop(fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_pool, fn, *args)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    return await _off_loop(_hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    """Also for an unknown account (against dummy_hash()), so both answers take the same time."""
    return await _off_loop(_verify, password_hash or await dummy_hash(), password) and bool(password_hash)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


_dummy: str | None = None


async def dummy_hash() -> str:
    """A valid hash to verify against when the account does not exist (no user enumeration by timing)."""
    global _dummy
    if _dummy is None:
        _dummy = await hash_password("not-a-real-password-0")
    return _dummy


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships the ranked list of leaked passwords; the issue asks for the top 1,000.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"][:1000])


def _fold(text: str) -> str:
    """Lower-case, strip Polish diacritics and non-alphanumerics ("Wodociągi" -> "wodociagi")."""
    text = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in text.lower() if c.isalnum())


def policy_error(password: str, utility_name: str) -> str | None:
    """The error code for a password that breaks the policy, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return "password_too_short"
    if len(password) > MAX_LENGTH:
        return "password_too_long"
    if password.lower() in _common_passwords():
        return "password_too_common"
    folded = _fold(password)
    for word in _fold_words(utility_name):
        if word in folded:
            return "password_contains_utility_name"
    return None


def _fold_words(name: str) -> list[str]:
    # "Wodociągi Demo" -> ["wodociagidemo", "wodociagi"]: the whole name and its long words
    words = [_fold(w) for w in name.split()]
    return [w for w in [_fold(name), *words] if len(w) >= 5]
