"""Billing math on hand-computed cases (tariff: water 3,44 zł, sewage 5,59 zł per m³, fee 3,86 zł per
meter-month, VAT 8%; every line rounded half-up to grosze on its own)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from backend.billing import calc
from backend.billing.calc import MeterUse, Prices
from backend.billing.run import fee_meters, meter_use
from backend.billing.sources import MeterRow, Value

TARIFF = Prices("t1", "Taryfa", date(2024, 1, 1), None, water=344, sewage=559, fee=386)
AT = datetime(2026, 10, 31, 10, tzinfo=UTC)
BEFORE = datetime(2026, 9, 30, 10, tzinfo=UTC)


def use(kind: str, litres: int, meter: str = "m1", estimated: bool = False) -> MeterUse:
    return MeterUse(meter, "WD1", kind, 100_000, BEFORE, 100_000 + litres, AT, "resident", None, estimated)


def rows(lines):
    return [(x.kind, x.quantity, x.net, x.vat, x.gross) for x in lines]


def test_normal_month():
    lines = calc.invoice_lines([use("main", 10_000)], date(2026, 10, 1), date(2026, 10, 31), [TARIFF], meters=1)
    assert rows(lines) == [("water", 10_000, 3440, 275, 3715), ("sewage", 10_000, 5590, 447, 6037),
                           ("fee", 1000, 386, 31, 417)]
    assert calc.totals(lines) == (9416, 753, 10169)


def test_garden_sub_meter_is_not_sewage():
    uses = [use("main", 12_345), use("sub", 2_000, meter="m2")]
    lines = calc.invoice_lines(uses, date(2026, 10, 1), date(2026, 10, 31), [TARIFF], meters=2)
    assert rows(lines) == [("water", 12_345, 4247, 340, 4587), ("sewage", 10_345, 5783, 463, 6246),
                           ("fee", 2000, 772, 62, 834)]


def test_garden_larger_than_house_gives_no_negative_sewage():
    assert calc.volumes([use("main", 1_000), use("sub", 3_000, meter="m2")]) == (1_000, 3_000, 0)
    # a correction downwards of the water (an estimate that overshot) lowers the sewage with it
    assert calc.volumes([use("main", -2_000)]) == (-2_000, 0, -2_000)


def test_rounding_half_up_per_line():
    assert calc.half_up(2795, 10) == 280 and calc.half_up(-2795, 10) == -280 and calc.half_up(2794, 10) == 279
    lines = calc.invoice_lines([use("main", 500)], date(2026, 10, 1), date(2026, 10, 31), [TARIFF], meters=1)
    sewage = lines[1]
    assert (sewage.net, sewage.vat) == (280, 22)  # 0,5 m³ × 5,59 = 2,795 → 2,80; VAT 0,224 → 0,22
    water = lines[0]
    assert (water.net, water.vat) == (172, 14)  # 1,72; VAT 0,1376 → 0,14


def test_tariff_change_inside_the_period_splits_by_days():
    old = Prices("a", "Taryfa A", date(2024, 1, 1), date(2026, 9, 30), water=344, sewage=559, fee=386)
    new = Prices("b", "Taryfa B", date(2026, 10, 1), None, water=400, sewage=600, fee=400)
    lines = calc.invoice_lines([use("main", 6_100)], date(2026, 9, 1), date(2026, 10, 31), [new, old], meters=1)
    # 30 of 61 days at A, 31 at B: 3 000 l and 3 100 l; fee 2 meter-months as 0,984 and 1,016
    assert rows(lines) == [
        ("water", 3000, 1032, 83, 1115), ("sewage", 3000, 1677, 134, 1811), ("fee", 984, 380, 30, 410),
        ("water", 3100, 1240, 99, 1339), ("sewage", 3100, 1860, 149, 2009), ("fee", 1016, 406, 32, 438),
    ]
    assert "01.09–30.09.2026" in lines[0].description and "Taryfa B" in lines[3].description


def test_open_ended_tariff_ends_where_the_next_begins():
    new = Prices("b", "B", date(2026, 10, 16), None, water=400, sewage=600, fee=400)
    segs = calc.segments(date(2026, 10, 1), date(2026, 10, 31), [TARIFF, new])
    assert [(t.id, d) for t, d in segs] == [("t1", 15), ("b", 16)]
    with pytest.raises(ValueError, match="no tariff"):
        calc.segments(date(2023, 12, 1), date(2023, 12, 31), [TARIFF])


def test_split_is_exact():
    assert calc.split(100, [1, 1, 1]) == [34, 33, 33]
    assert sum(calc.split(-7, [3, 4])) == -7


def test_periods():
    assert calc.period_bounds("2026-10", 2) == (date(2026, 9, 1), date(2026, 10, 31))
    assert calc.period_bounds("2026-10", 3) is None
    assert calc.period_bounds("2026-12", 3) == (date(2026, 10, 1), date(2026, 12, 31))
    assert calc.previous_period("2026-01") == "2025-12"
    with pytest.raises(ValueError):
        calc.parse_period("2026-13")


METER = MeterRow("m1", "p1", "WD1", "main", date(2020, 1, 1), None, 0)


def test_estimate_without_reading_then_corrected_by_the_next_real_one():
    previous = Value(100_000, datetime(2026, 9, 30, 22, tzinfo=UTC), "resident", "r0")
    history = [Value(27_000, datetime(2025, 11, 1, tzinfo=UTC)), Value(100_000, datetime(2026, 9, 30, 22, tzinfo=UTC))]
    est = meter_use(METER, previous, [], history, date(2026, 10, 1), date(2026, 10, 31))
    assert est.estimated and est.source == "estimate" and est.reading_id is None
    # 73 000 l over 333.9 days ≈ 218.6 l a day, until the last second of October in Warsaw (CET by then:
    # 31 days and the hour the clocks went back)
    avg = 73_000 / ((history[1].at - history[0].at).total_seconds() / 86400)
    assert est.current_at == datetime(2026, 10, 31, 22, 59, 59, tzinfo=UTC)
    assert est.consumption == round(avg * (31 + 3599 / 86400)) == 6786
    # November: the real reading settles the difference against the estimate, not the old reading
    billed = Value(est.current_litres, est.current_at, "estimate")
    real = Value(112_000, datetime(2026, 11, 28, 9, tzinfo=UTC), "resident", "r1")
    nov = meter_use(METER, billed, [real], [], date(2026, 11, 1), date(2026, 11, 30))
    assert not nov.estimated and nov.consumption == 112_000 - est.current_litres
    assert est.consumption + nov.consumption == 12_000


def test_meter_replacement_adds_both_meters():
    old = MeterRow("old", "p1", "WD1", "main", date(2020, 1, 1), date(2026, 10, 15), 0)
    new = MeterRow("new", "p1", "WD2", "main", date(2026, 10, 15), None, 20)
    start, end = date(2026, 10, 1), date(2026, 10, 31)
    u_old = meter_use(old, Value(50_000, BEFORE), [Value(53_000, datetime(2026, 10, 15, 8, tzinfo=UTC), "inspector", "r")],
                      [], start, end)
    u_new = meter_use(new, None, [Value(2_020, datetime(2026, 10, 30, 8, tzinfo=UTC), "resident", "s")], [], start, end)
    assert (u_old.consumption, u_new.consumption) == (3_000, 2_000)
    assert calc.volumes([u_old, u_new])[0] == 5_000
    assert fee_meters([old, new], end) == 1  # one position on the point, one fee


def test_reminder_line_is_outside_vat():
    line = calc.reminder_line(1000)
    assert (line.net, line.vat, line.gross, line.vat_pct) == (1000, 0, 1000, calc.NO_VAT)


def test_correction_difference():
    before = calc.invoice_lines([use("main", 10_000)], date(2026, 10, 1), date(2026, 10, 31), [TARIFF], meters=1)
    after = calc.invoice_lines([use("main", 8_000)], date(2026, 10, 1), date(2026, 10, 31), [TARIFF], meters=1)
    diff = calc.difference(after, before)
    assert [(x.kind, x.quantity, x.net) for x in diff] == [("water", -2000, -688), ("sewage", -2000, -1118)]
