"""What the integration API answers."""

from __future__ import annotations

from typing import Annotated

import msgspec

from backend.core.types import Line


class FeedEntry(msgspec.Struct):
    seq: int  # the feed's order; the cursor carries it, opaquely
    event: str  # received | status_changed
    reading_id: str
    customer_number: str
    service_point_id: str
    point_code: str | None  # the service point's code in the billing system (registry import), if any
    meter_serial: str
    value_litres: int
    value_m3: float
    captured_at: str
    received_at: str
    source: str  # resident | inspector | estimate | import
    status: str  # accepted | flagged | rejected, as of this entry
    verification: str  # confirmed | corrected by an inspector's visit | "" (not verified)
    flags: list[str]  # plausibility flags


class FeedPage(msgspec.Struct):
    readings: list[FeedEntry]
    next_cursor: str  # send it back as ?cursor=; the same when nothing new arrived


class TokenInfo(msgspec.Struct):
    name: str
    scopes: list[str]
    created_at: str
    last_used_at: str | None
    revoked_at: str | None


class WebhookIn(msgspec.Struct):
    url: Annotated[Line, msgspec.Meta(max_length=500)]
    events: Annotated[list[Line], msgspec.Meta(max_length=10)]
    description: Annotated[Line, msgspec.Meta(max_length=200)] = ""
