"""The billing math, pure: consumption per meter, estimates, tariff segments and invoice lines.

Volumes are integer litres, prices integer grosze; every line is rounded half-up to whole grosze
on its own (net, then VAT from the rounded net), and a document's totals are the sums of its lines.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

WATER, SEWAGE, FEE, REMINDER = "water", "sewage", "fee", "reminder"
NO_VAT = -1  # outside VAT (np.): reminder costs


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in integers (no float drift)."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    n, d = abs(numerator), abs(denominator)
    return sign * ((2 * n + d) // (2 * d))


@dataclass(frozen=True, slots=True)
class Prices:
    id: str
    name: str
    valid_from: date
    valid_to: date | None  # inclusive; None: open-ended
    water: int  # grosze per m³, net
    sewage: int
    fee: int  # grosze per meter per month, net
    vat_water: int = 8
    vat_sewage: int = 8
    vat_fee: int = 8


@dataclass(frozen=True, slots=True)
class MeterUse:
    """What one meter contributes: from the previous billed value to the current one."""

    meter_id: str
    serial: str
    kind: str  # main | sub
    previous_litres: int
    previous_at: datetime | None
    current_litres: int
    current_at: datetime
    source: str  # resident | inspector | import | estimate
    reading_id: str | None
    estimated: bool

    @property
    def consumption(self) -> int:
        return self.current_litres - self.previous_litres


@dataclass(frozen=True, slots=True)
class Line:
    kind: str
    description: str
    quantity: int  # thousandths of the unit (litres for m³)
    unit: str
    unit_price: int
    net: int
    vat_pct: int
    vat: int
    gross: int


def period_bounds(period: str, months: int) -> tuple[date, date] | None:
    """The calendar-aligned billing period of `months` that ends with the month `period` (YYYY-MM),
    or None when such a period does not end then (a quarter ends in March, June, ...)."""
    year, month = (int(part) for part in period.split("-"))
    if not 1 <= month <= 12 or months not in (1, 2, 3) or month % months:
        return None
    return date(year, month - months + 1, 1), month_end(period)


def month_end(period: str) -> date:
    """The last day of the month `period` (YYYY-MM)."""
    year, month = (int(part) for part in period.split("-"))
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text: str) -> str:
    """'2026-10' -> '2026-10'; ValueError for anything else."""
    parts = text.strip().split("-")
    if len(parts) != 2 or len(parts[0]) != 4 or not all(p.isdigit() for p in parts):
        raise ValueError("period must be YYYY-MM")
    year, month = int(parts[0]), int(parts[1])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ValueError("period must be YYYY-MM")
    return f"{year:04d}-{month:02d}"


def previous_period(period: str) -> str:
    year, month = (int(p) for p in period.split("-"))
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def average_daily(history: list[tuple[int, datetime]]) -> float | None:
    """Litres a day between the first and last of (value, captured_at), oldest first; None when
    there is too little history (under a week) or the values fell (a replaced meter)."""
    if len(history) < 2:
        return None
    (first, t0), (last, t1) = history[0], history[-1]
    days = (t1 - t0).total_seconds() / 86400
    if days < 7 or last < first:
        return None
    return (last - first) / days


def estimate(previous_litres: int, previous_at: datetime | None, avg_daily: float | None, at: datetime) -> int:
    """The register value expected at `at` from the average daily use (no history: no use)."""
    if avg_daily is None or previous_at is None or at <= previous_at:
        return previous_litres
    return previous_litres + round(avg_daily * (at - previous_at).total_seconds() / 86400)


def segments(start: date, end: date, tariffs: list[Prices]) -> list[tuple[Prices, int]]:
    """(tariff, days) for each tariff in force during [start, end], in date order. A tariff ends
    where the next one starts even if it was entered open-ended. A day without prices is an error."""
    ordered = sorted(tariffs, key=lambda p: p.valid_from)
    out: list[tuple[Prices, int]] = []
    day = start
    for i, t in enumerate(ordered):
        until = t.valid_to or date.max
        if i + 1 < len(ordered):
            until = min(until, ordered[i + 1].valid_from - timedelta(days=1))
        if until < day or t.valid_from > end:
            continue
        if t.valid_from > day:
            raise ValueError(f"no tariff on {day.isoformat()}")
        seg_end = min(end, until)
        out.append((t, (seg_end - day).days + 1))
        day = seg_end + timedelta(days=1)
        if day > end:
            return out
    raise ValueError(f"no tariff on {day.isoformat()}")


def split(total: int, weights: list[int]) -> list[int]:
    """`total` in integer parts proportional to `weights` (largest remainder), summing exactly."""
    whole = sum(weights)
    parts = [total * w // whole if total >= 0 else -((-total) * w // whole) for w in weights]
    rest = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: -((abs(total) * weights[i]) % whole))
    step = 1 if rest > 0 else -1
    for i in order[: abs(rest)]:
        parts[i] += step
    return parts


def volumes(uses: list[MeterUse]) -> tuple[int, int, int]:
    """(water, garden, sewage) litres of a service point. A replaced meter and its successor both
    appear in `uses`: their consumptions add up. Sewage is water minus the garden sub-meters,
    never below zero unless the water itself is a correction downwards."""
    water = sum(u.consumption for u in uses if u.kind == "main")
    garden = sum(u.consumption for u in uses if u.kind == "sub")
    sewage = max(water - garden, min(water, 0))
    return water, garden, sewage


def _line(kind: str, description: str, quantity: int, unit: str, price: int, vat_pct: int) -> Line:
    net = half_up(quantity * price, 1000)
    vat = 0 if vat_pct == NO_VAT else half_up(net * vat_pct, 100)
    return Line(kind, description, quantity, unit, price, net, vat_pct, vat, net + vat)


def _dates(a: date, b: date) -> str:
    return f"{a:%d.%m}–{b:%d.%m.%Y}"


def invoice_lines(
    uses: list[MeterUse], start: date, end: date, tariffs: list[Prices], meters: int,
) -> list[Line]:
    """The lines of one service point's invoice for the period [start, end]: water, sewage and the
    fixed fee for `meters` meters, each split by days where the tariff changed inside the period."""
    water, _, sewage = volumes(uses)
    segs = segments(start, end, tariffs)
    days = [d for _, d in segs]
    water_parts, sewage_parts = split(water, days), split(sewage, days)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    fee_parts = split(meters * months * 1000, days)  # meter-months in thousandths
    lines: list[Line] = []
    seg_start = start
    for i, (t, d) in enumerate(segs):
        seg_end = seg_start + timedelta(days=d - 1)
        suffix = f" ({_dates(seg_start, seg_end)}, {t.name})" if len(segs) > 1 else ""
        lines.append(_line(WATER, f"Dostawa wody{suffix}", water_parts[i], "m3", t.water, t.vat_water))
        lines.append(_line(SEWAGE, f"Odprowadzanie ścieków{suffix}", sewage_parts[i], "m3", t.sewage, t.vat_sewage))
        lines.append(_line(FEE, f"Opłata abonamentowa{suffix}", fee_parts[i], "month", t.fee, t.vat_fee))
        seg_start = seg_end + timedelta(days=1)
    return lines


def reminder_line(fee: int) -> Line:
    """The one fee of a reminder, however many invoices it lists (they are in reminder_item)."""
    return _line(REMINDER, "Koszt upomnienia", 1000, "pcs", fee, NO_VAT)


def totals(lines: list[Line]) -> tuple[int, int, int]:
    return sum(x.net for x in lines), sum(x.vat for x in lines), sum(x.gross for x in lines)


def difference(new: list[Line], old: list[Line]) -> list[Line]:
    """A correction's lines: the new lines minus the old, per kind and description (zero lines dropped)."""
    key = lambda x: (x.kind, x.description)  # noqa: E731
    before = {key(x): x for x in old}
    out = []
    for x in new:
        o = before.pop(key(x), None)
        if o is None:
            out.append(x)
            continue
        if (x.quantity, x.net, x.vat) != (o.quantity, o.net, o.vat):
            out.append(Line(x.kind, x.description, x.quantity - o.quantity, x.unit, x.unit_price,
                            x.net - o.net, x.vat_pct, x.vat - o.vat, x.gross - o.gross))
    for o in before.values():
        out.append(Line(o.kind, o.description, -o.quantity, o.unit, o.unit_price, -o.net, o.vat_pct, -o.vat, -o.gross))
    return out
