"""House numbers as the registry writes them ('12', '12A', '12/14', ' 7 b'): the leading number
places an address in an outage's range and in an inspector's walk along the street."""

from __future__ import annotations

import re

_HOUSE = re.compile(r"\s*(\d+)\s*(.*)", re.ASCII)


def split_house_number(text: str) -> tuple[int, str] | None:
    """'12A' -> (12, 'A'); None when the address has no leading number."""
    found = _HOUSE.match(text or "")
    return (int(found.group(1)), found.group(2)) if found else None


def house_number(text: str) -> int | None:
    """The leading number of '12', '12A', '12/14', ' 7 b'; None when there is none."""
    parts = split_house_number(text)
    return parts[0] if parts else None


def house_order(text: str) -> tuple[int, str]:
    """A sort key: houses in the order an inspector walks the street, unnumbered ones last."""
    return split_house_number(text) or (10**6, text or "")


def street_address(street: str, number: str, apartment: str | None) -> str:
    """'ul. Zielona 5/3', the one way the app writes a flat; 'ul. Długa 12/14 m. 3' when the house
    number itself has a slash, so the flat cannot be mistaken for part of it."""
    flat = "" if not apartment else f" m. {apartment}" if "/" in number else f"/{apartment}"
    return f"{street} {number}{flat}".strip()
