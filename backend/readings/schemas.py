"""Shapes of the readings API."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from backend.core.types import Text
from backend.customers.schemas import LastReading


class ReadingOut(msgspec.Struct):
    id: str
    meter_id: str
    value_litres: int
    captured_at: str
    received_at: str
    source: str
    status: str
    flags: list[str]
    comment: str
    review_note: str
    has_photo: bool
    outside_window: bool


class HistoryRow(msgspec.Struct):
    id: str
    value_litres: int
    captured_at: str
    source: str
    status: str
    flags: list[str]
    comment: str
    review_note: str
    has_photo: bool
    consumption_litres: int | None  # since the previous accepted reading
    verification: str = ""  # confirmed | corrected by an inspector's visit


class MonthRow(msgspec.Struct):
    month: str  # YYYY-MM
    litres: int


class MonthUseRow(msgspec.Struct):
    month: str  # YYYY-MM, every month from the first reading to the last
    litres: int  # the readings' consumption spread over the days between them, the part in this month
    days: float  # the days of the month that spread covers
    per_day_litres: int | None  # null: unknown (a gap)
    estimated: bool  # no reading in this month: only the spread of the readings around it


class HistoryOut(msgspec.Struct):
    meter_id: str
    serial: str
    kind: str
    readings: list[HistoryRow]
    monthly: list[MonthRow]
    per_day: list[MonthUseRow] = []


class WindowOut(msgspec.Struct):
    period_start: str
    period_end: str
    opens: str
    is_open: bool
    wanted: bool  # open and no reading in it yet


class MeterReadingInfo(msgspec.Struct):
    id: str
    serial: str
    kind: str
    digits: int
    service_point_id: str
    address: str
    customer_number: str
    last_reading: LastReading | None
    avg_daily_litres: float | None
    window: WindowOut


class MetersOut(msgspec.Struct):
    meters: list[MeterReadingInfo]
    max_daily_litres: int
    high_factor: int


class ReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    decision: Literal["accept", "reject"]
    note: Annotated[Text, msgspec.Meta(max_length=500)] = ""
