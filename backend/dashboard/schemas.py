"""The dashboard's answer: the customer registry with last readings, the balance, current outages."""

from __future__ import annotations

from typing import Any

import msgspec

from backend.customers.schemas import CustomerOut
from backend.readings.schemas import WindowOut


class DashboardOut(msgspec.Struct):
    customers: list[CustomerOut]
    balance: dict[str, int] | None  # filled once settlements exist
    outages: list[dict[str, Any]]  # {id, kind, title, street, expected_end} on the user's service points
    windows: dict[str, WindowOut] = {}  # meter id -> its reading window today
