"""What billing reads from the registry and the readings, set-based, a chunk of service points
at a time. These queries read the customers' and readings' tables directly (read-only): their
services answer per customer or per meter, and a run over 100,000 service points has to ask once
per chunk, not once per meter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from backend.billing.tables import BilledMeter, Document
from backend.customers.tables import Meter, ServicePoint
from backend.readings.tables import Reading


@dataclass(frozen=True, slots=True)
class MeterRow:
    id: str
    point_id: str
    serial: str
    kind: str
    installed_on: date
    removed_on: date | None
    initial_litres: int


@dataclass(frozen=True, slots=True)
class Value:
    litres: int
    at: datetime
    source: str = ""
    reading_id: str | None = None


async def points_to_bill(months: int, start: date) -> list[tuple[str, str]]:
    """(service point id, customer id) of customers billed every `months`, not yet invoiced for
    the period starting `start`."""
    periods = ServicePoint.customer.billing_period_months
    where = periods == months if months != 1 else periods.not_in([2, 3])
    rows = await ServicePoint.select(ServicePoint.id, ServicePoint.customer).where(where).order_by(ServicePoint.id)
    done = {r["bill_key"] for r in await Document.select(Document.bill_key).where(
        (Document.kind == "invoice") & (Document.period_start == start))}
    return [(str(r["id"]), str(r["customer"])) for r in rows if invoice_key(str(r["id"]), start) not in done]


def invoice_key(point_id: str, start: date) -> str:
    return f"inv:{point_id}:{start.isoformat()}"


async def meters_of(point_ids: Sequence[str], start: date, end: date) -> list[MeterRow]:
    """Meters that were on the service points at some time in [start, end] (a replaced one too)."""
    rows = await Meter.select(
        Meter.id, Meter.service_point, Meter.serial, Meter.kind, Meter.installed_on, Meter.removed_on,
        Meter.initial_litres,
    ).where(Meter.service_point.is_in(list(point_ids)), Meter.installed_on <= end).order_by(Meter.installed_on)
    return [
        MeterRow(str(r["id"]), str(r["service_point"]), r["serial"], r["kind"], r["installed_on"], r["removed_on"],
                 int(r["initial_litres"]))
        for r in rows if r["removed_on"] is None or r["removed_on"] >= start
    ]


async def readings(meter_ids: Sequence[str], since: datetime, until: datetime) -> dict[str, list[Value]]:
    """Accepted readings captured in [since, until), oldest first, per meter."""
    out: dict[str, list[Value]] = {}
    if not meter_ids:
        return out
    rows = await Reading.select(Reading.id, Reading.meter, Reading.value_litres, Reading.captured_at,
                                Reading.source).where(
        Reading.meter.is_in(list(meter_ids)), Reading.status == "accepted", Reading.captured_at >= since,
        Reading.captured_at < until,
    ).order_by(Reading.captured_at)
    for r in rows:
        out.setdefault(str(r["meter"]), []).append(
            Value(int(r["value_litres"]), r["captured_at"], r["source"], str(r["id"])))
    return out


async def last_readings(since: datetime, until: datetime) -> dict[str, Value]:
    """The last accepted reading captured in [since, until) of every meter: one row per meter from
    the database (a window function, on SQLite and PostgreSQL alike). Asked once per run for all
    meters: a time-range scan, which per chunk of meters the database would repeat for each chunk."""
    out: dict[str, Value] = {}
    sql = """
        SELECT id, meter, value_litres, captured_at, source FROM (
            SELECT id, meter, value_litres, captured_at, source,
                   ROW_NUMBER() OVER (PARTITION BY meter ORDER BY captured_at DESC) AS n
            FROM reading
            WHERE status = 'accepted' AND captured_at >= {} AND captured_at < {}
        ) AS last WHERE n = 1"""
    rows = await Reading.raw(sql, since, until)
    for r in rows:
        at = r["captured_at"]
        if isinstance(at, str):  # SQLite hands raw SQL results back as text
            at = datetime.fromisoformat(at)
        out[str(r["meter"])] = Value(int(r["value_litres"]), at, r["source"], str(r["id"]))
    return out


async def last_billed(meter_ids: Sequence[str]) -> dict[str, Value]:
    """The value each meter was last billed to (corrections replace what they superseded)."""
    out: dict[str, Value] = {}
    if not meter_ids:
        return out
    rows = await BilledMeter.select(BilledMeter.meter, BilledMeter.current_litres, BilledMeter.current_at,
                                    BilledMeter.source).where(
        BilledMeter.meter.is_in(list(meter_ids)), BilledMeter.superseded.eq(False),
    ).order_by(BilledMeter.current_at)
    for r in rows:
        out[str(r["meter"])] = Value(int(r["current_litres"]), r["current_at"], r["source"])
    return out
