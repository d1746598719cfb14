"""Rules and queries about meter readings."""

from __future__ import annotations

from collections.abc import Sequence

from backend.customers.schemas import LastReading
from backend.readings.tables import Reading


async def last_accepted(meter_ids: Sequence[str]) -> dict[str, LastReading]:
    """The latest accepted reading of each meter, by capture time (it is what billing uses)."""
    if not meter_ids:
        return {}
    rows = await Reading.select(
        Reading.meter, Reading.value_litres, Reading.captured_at, Reading.source, Reading.status
    ).where(Reading.meter.is_in(list(meter_ids)), Reading.status == "accepted").order_by(
        Reading.captured_at, ascending=False
    )
    out: dict[str, LastReading] = {}
    for r in rows:
        out.setdefault(
            str(r["meter"]),
            LastReading(value_litres=int(r["value_litres"]), captured_at=r["captured_at"].isoformat(),
                        source=r["source"], status=r["status"]),
        )
    return out
