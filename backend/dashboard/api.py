"""The dashboard (Pulpit): what the logged-in resident sees first. It reads several domains
(customers, readings, billing, outages), so it sits above them, where the app is composed."""

from __future__ import annotations

import msgspec
from litestar import Request, Response, get

from backend.accounts.guards import UserDep, logged_in
from backend.billing import services as settlements
from backend.core import conditional
from backend.customers import services as customers
from backend.dashboard.schemas import DashboardOut
from backend.outages import services as outage_alerts
from backend.readings import services as readings
from backend.settings import SettingsDep


@get("/api/dashboard", guards=[logged_in], responses=conditional.NOT_MODIFIED)
async def dashboard(request: Request, user: UserDep, settings: SettingsDep) -> Response[DashboardOut]:
    registry, periods = await customers.registry_with_periods(user.customer_ids)
    last, windows = await readings.dashboard_readings(settings, periods)
    for customer in registry:
        for point in customer.service_points:
            for meter in point.meters:
                meter.last_reading = last.get(meter.id)
    outages = [msgspec.structs.asdict(o) for o in await outage_alerts.for_dashboard(user, registry)]
    return conditional.answer(request, user.id, DashboardOut(
        customers=registry, balance=await settlements.balance(user.customer_ids), outages=outages,
        windows=windows))

controllers = [dashboard]
