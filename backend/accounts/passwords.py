"""Password hashing (Argon2id via argon2-cffi) and the password policy."""

from __future__ import annotations

import os
import unicodedata
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 200

def _make_hasher() -> PasswordHasher:
    # argon2id with the library's RFC 9106 "low memory" defaults. The test suite alone may ask for
    # the cheapest parameters (EBOK_ARGON2_PROFILE=test) so hundreds of logins stay fast.
    if os.environ.get("EBOK_ARGON2_PROFILE") == "test":
        from argon2.profiles import CHEAPEST

        return PasswordHasher.from_parameters(CHEAPEST)
    return PasswordHasher()


_hasher = _make_hasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# A valid hash to verify against when the account does not exist, so that the answer takes
# the same time either way (no user enumeration by timing).
@cache
def dummy_hash() -> str:
    return _hasher.hash("not-a-real-password-0")


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
