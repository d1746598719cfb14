"""Shapes of the review queue, visits and routes."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from backend.core.types import Id, Line, Text


class QueueItem(msgspec.Struct):
    reading_id: str | None  # None: a meter with no reading for a long time
    meter_id: str
    serial: str
    kind: str
    address: str
    customer_number: str
    customer_name: str
    value_litres: int | None
    previous_litres: int | None
    captured_at: str | None
    status: str | None
    reasons: list[str]
    comment: str
    has_photo: bool
    visit_id: str | None  # an open visit already planned for it


class VisitsIn(msgspec.Struct, forbid_unknown_fields=True):
    reading_ids: list[Id] = []
    meter_ids: list[Id] = []
    access_note: Annotated[Text, msgspec.Meta(max_length=300)] = ""


class RouteIn(msgspec.Struct, forbid_unknown_fields=True):
    inspector_id: Id
    day: Annotated[Line, msgspec.Meta(max_length=10)]  # YYYY-MM-DD, a real day (checked)
    visit_ids: list[Id] = []
    street: Annotated[Line, msgspec.Meta(max_length=120)] = ""  # all open visits in this street


class ReassignIn(msgspec.Struct, forbid_unknown_fields=True):
    inspector_id: Id


class LastAccepted(msgspec.Struct):
    value_litres: int
    captured_at: str


class VisitOut(msgspec.Struct):
    id: str
    position: int
    meter_id: str
    serial: str
    kind: str
    digits: int
    address: str
    customer_number: str
    customer_name: str
    reasons: list[str]
    access_note: str
    last_litres: int | None  # last accepted reading before the one under review
    resident_reading_id: str | None
    resident_litres: int | None
    resident_captured_at: str | None
    resident_has_photo: bool
    status: str
    result: str
    note: str
    done_at: str | None
    # the inspector's own route only (the phone warns offline with them): what the server will measure
    # the value against (readings.rules.assess) — the last accepted reading but the one under review,
    # and the meter's 12-month daily average
    last_reading: LastAccepted | None = None
    avg_daily_litres: float | None = None


class RouteOut(msgspec.Struct):
    id: str
    day: str
    inspector_id: str
    inspector_name: str
    total: int
    done: int
    visits: list[VisitOut]
    # the inspector's own route only: EBOK_MAX_DAILY_LITRES and rules.HIGH_FACTOR, for the phone's warnings
    max_daily_litres: int | None = None
    high_factor: int | None = None


class Inspector(msgspec.Struct):
    id: str
    name: str
    email: str


VisitResult = Literal["confirmed", "corrected", "damaged", "no_access"]
