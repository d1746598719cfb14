"""The dashboard (Pulpit): what the logged-in resident sees first. It reads several domains
(customers, readings, billing, outages), so it sits above them, where the app is composed."""

from __future__ import annotations

import msgspec
from litestar import Request, Response, get

from backend.accounts.guards import UserDep, logged_in
from backend.billing import services as settlements
from backend.core import conditional, db
from backend.customers import services as customers
from backend.dashboard.schemas import DashboardOut
from backend.outages import services as outage_alerts
from backend.readings import services as readings
from backend.settings import SettingsDep


@get("/api/dashboard", guards=[logged_in], responses=conditional.NOT_MODIFIED)
async def dashboard(request: Request, user: UserDep, settings: SettingsDep) -> Response[DashboardOut]:
    # the dashboard's parts from four domains in one statement on PostgreSQL (the readings' state by
    # the customers' active meters: it needs nothing of the registry's answer)
    ids = user.customer_ids
    (registry, periods), states, published, balance = await db.read_together(
        customers.registry_read(ids), readings.dashboard_state(ids), outage_alerts.published_read(),
        settlements.balance_read(ids))
    last, windows = readings.dashboard_readings(settings, states, periods)
    outages = outage_alerts.for_dashboard(registry, published)
    for customer in registry:
        for point in customer.service_points:
            for meter in point.meters:
                meter.last_reading = last.get(meter.id)
    return conditional.answer(request, user.id, DashboardOut(
        customers=registry, balance=balance, outages=[msgspec.structs.asdict(o) for o in outages], windows=windows))

controllers = [dashboard]
