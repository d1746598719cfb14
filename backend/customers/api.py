"""The dashboard (Pulpit): what the logged-in resident sees first."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import get

from backend.accounts.guards import UserDep, logged_in
from backend.billing import services as settlements
from backend.customers import services
from backend.customers.schemas import CustomerOut
from backend.outages import services as outage_alerts
from backend.readings import services as readings


class DashboardOut(msgspec.Struct):
    customers: list[CustomerOut]
    balance: dict[str, int] | None  # filled once settlements exist
    outages: list[dict[str, Any]]  # {id, kind, title, street, expected_end} on the user's service points


@get("/api/dashboard", guards=[logged_in])
async def dashboard(user: UserDep) -> DashboardOut:
    registry, meter_ids = await services.registry(user.customer_ids)
    last = await readings.last_accepted(meter_ids)
    for customer in registry:
        for point in customer.service_points:
            for meter in point.meters:
                meter.last_reading = last.get(meter.id)
    outages = [msgspec.structs.asdict(o) for o in await outage_alerts.for_dashboard(user)]
    return DashboardOut(customers=registry, balance=await settlements.balance(user.customer_ids), outages=outages)


controllers = [dashboard]
