"""Allocation of money to documents, pure: oldest due first (chosen documents before the rest),
never more than a document's remaining amount, never more than the money."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class OpenDoc:
    id: str
    remaining: int  # grosze still owed on it
    due_date: date
    number: str


def allocate(amount: int, docs: Sequence[OpenDoc], preferred: Sequence[str] = ()) -> list[tuple[str, int]]:
    """(document id, grosze) parts of `amount`; what is left over stays unallocated (overpayment)."""
    chosen = set(preferred)
    order = sorted(docs, key=lambda d: (d.id not in chosen, d.due_date, d.number))
    out: list[tuple[str, int]] = []
    left = amount
    for d in order:
        if left <= 0:
            break
        if d.remaining <= 0:
            continue
        take = min(left, d.remaining)
        out.append((d.id, take))
        left -= take
    return out
