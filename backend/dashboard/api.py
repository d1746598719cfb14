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
    registry, periods = await customers.registry_with_periods(user.customer_ids)
    # what the registry leads to, from three domains, in one round trip on PostgreSQL
    (last, windows), outages, balance = await db.read_together(
        readings.dashboard_readings(settings, periods), outage_alerts.for_dashboard(registry),
        settlements.balance_read(user.customer_ids))
    for customer in registry:
        for point in customer.service_points:
            for meter in point.meters:
                meter.last_reading = last.get(meter.id)
    return conditional.answer(request, user.id, DashboardOut(
        customers=registry, balance=balance, outages=[msgspec.structs.asdict(o) for o in outages], windows=windows))

controllers = [dashboard]
