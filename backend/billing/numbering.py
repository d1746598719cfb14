"""Gap-free document numbers: FV/2026/10/000123 (invoice), KOR/… (correction), UP/… (reminder).

The counter row is bumped inside the transaction that inserts the documents: a run that fails
rolls the counter back with its documents, and concurrent runs queue on the row's lock
(PostgreSQL) or on the write lock (SQLite), so numbers are consecutive with no holes."""

from __future__ import annotations

from datetime import date

from backend.billing.tables import NumberSequence

PREFIX = {"invoice": "FV", "correction": "KOR", "reminder": "UP"}


def series(kind: str, issue_date: date) -> str:
    return f"{PREFIX[kind]}/{issue_date:%Y/%m}"


def number(series_name: str, n: int) -> str:
    return f"{series_name}/{n:06d}"


async def allocate(series_name: str, count: int) -> list[str]:
    """`count` consecutive numbers; call inside the transaction that stores the documents."""
    if count <= 0:
        return []
    rows = await NumberSequence.update({NumberSequence.last: NumberSequence.last + count}).where(
        NumberSequence.series == series_name
    ).returning(NumberSequence.last)
    if not rows:
        await NumberSequence.insert(NumberSequence(series=series_name, last=count))
        last = count
    else:
        last = int(rows[0]["last"])
    return [number(series_name, n) for n in range(last - count + 1, last + 1)]
