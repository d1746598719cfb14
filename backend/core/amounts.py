"""Złoty amounts written as text, to grosze (money is an integer number of grosze, never a float).

One grammar for every form and file: digits, then at most two decimals after "," or "." (the
Polish and the English decimal mark); spaces (non-breaking ones too), "zł" and "PLN" are ignored.
A bank statement may also carry a sign and group thousands with dots ("-1.234,56")."""

from __future__ import annotations

import re

_AMOUNT = re.compile(r"([+-]?)(\d+)(?:[.,](\d{1,2}))?", re.ASCII)
_IGNORED = re.compile(r"[\s\u00a0]|zł|PLN")


def parse_grosze(text: str, *, max_whole_digits: int = 9, bank: bool = False) -> int | None:
    """The amount in grosze, or None when `text` is not one (a sign only when `bank`)."""
    cleaned = _IGNORED.sub("", text)
    if bank and "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "")  # 1.234,56
    found = _AMOUNT.fullmatch(cleaned)
    if not found:
        return None
    sign, whole, fraction = found.groups()
    if (sign and not bank) or len(whole) > max_whole_digits:
        return None
    value = int(whole) * 100 + int((fraction or "0").ljust(2, "0"))
    return -value if sign == "-" else value
